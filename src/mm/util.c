/*
 * Overcommit accounting (Linux 6.18 mm/util.c: __vm_enough_memory, vm_commit_limit,
 * vm_memory_committed; mm/shmem.c shmem_acct_size; mm/util.c init_user_reserve /
 * init_admin_reserve).
 *
 * Every private writable mapping (VM_ACCOUNT), every heap and stack, and every shared
 * anonymous object commits its size. vm.overcommit_memory decides what may be committed:
 *   0 (heuristic)  a single request larger than RAM + swap fails, anything else goes;
 *   1 (always)     nothing fails;
 *   2 (never)      Committed_AS + the request must stay below CommitLimit = RAM *
 *                  overcommit_ratio / 100 + swap, less for a non-root task the admin reserve,
 *                  and less min(total_vm / 32, user reserve) of the requesting process.
 * Linux keeps Committed_AS in a counter (vm_committed_as) charged at mmap and uncharged at
 * munmap; the model sums the same things when asked: the pages of every VM_ACCOUNT VMA of
 * every address space, plus the size of every shmem object. The two agree as long as every
 * charge has its VMA, which is how Linux balances the counter.
 *
 * The reserves: Linux takes 1/32 of the free memory at boot (subsys_initcall), capped at
 * 8 MiB (admin) and 128 MiB (user). On the reference host deferred struct-page init left only
 * 3.1 GiB of its 24 GiB free at that point (user_reserve_kbytes 100403); the model takes all
 * of RAM, which is what a machine without deferred init sees.
 */
#include <errno.h>

#include "fs/fs.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/mm_types.h"
#include "mm/oom.h"
#include "mm/vma.h"
#include "mm/vmscan.h"


static uint64_t swap_pages(struct mm_sys *ms)
{
	return total_swap_pages(ms);
}

uint64_t vm_commit_limit(struct mm_sys *ms)
{
	/* sysctl_overcommit_kbytes is 0: the ratio decides; no hugetlb pages are reserved */
	return ms->totalram_pages * (uint64_t)ms->sysctl.overcommit_ratio / 100 + swap_pages(ms);
}

/* Pages of the VM_ACCOUNT VMAs of mm. */
static uint64_t mm_committed(struct mm_struct *mm)
{
	uint64_t pages = 0;

	for (struct vm_area_struct *v = find_vma(mm, 0); v; v = find_vma(mm, v->vm_end))
		if (v->vm_flags & VM_ACCOUNT)
			pages += (v->vm_end - v->vm_start) >> mm->ms->page_shift;
	return pages;
}

static int shmem_committed(struct inode *inode, void *arg)
{
	uint64_t *pages = arg;
	struct mm_sys *ms = inode->i_mapping->i_pages.ms;

	/* shmem_acct_size: VM_ACCT(size), the object's size in pages */
	if (inode->i_shmem)
		*pages += (inode->i_size + ms->page_size - 1) >> ms->page_shift;
	return 0;
}

uint64_t vm_memory_committed(struct mm_sys *ms)
{
	struct mmsim_machine *m = container_of(ms, struct mmsim_machine, mm);
	struct list_head *pos, *pos2;
	uint64_t pages = 0;

	/* every address space once: threads share theirs */
	list_for_each(pos, &m->tasks) {
		struct task_struct *t = list_entry(pos, struct task_struct, tasks);
		bool first = true;

		if (!t->mm)
			continue;
		list_for_each(pos2, &m->tasks) {
			if (pos2 == pos)
				break;
			if (list_entry(pos2, struct task_struct, tasks)->mm == t->mm)
				first = false;
		}
		if (first)
			pages += mm_committed(t->mm);
	}
	if (ms->fs)
		fs_for_each_inode(ms->fs, shmem_committed, &pages);
	return pages;
}

int __vm_enough_memory(struct mm_sys *ms, const struct task_struct *t, uint64_t npages,
		       bool cap_sys_admin)
{
	uint64_t committed, allowed, reserve;

	if (ms->sysctl.overcommit_memory == 1)
		return 0;
	if (ms->sysctl.overcommit_memory == 0) {
		if (npages > ms->totalram_pages + swap_pages(ms))
			goto error;
		return 0;
	}
	/* vm_acct_memory(pages) first: the request counts against the limit */
	committed = vm_memory_committed(ms) + npages;
	allowed = vm_commit_limit(ms);
	/* reserve some for root: min(RAM / 32, 8 MiB) (init_admin_reserve) */
	if (!cap_sys_admin) {
		reserve = ms->totalram_pages / 32;
		if (reserve > (8192ull >> (ms->page_shift - 10)))
			reserve = 8192ull >> (ms->page_shift - 10);
		allowed = allowed > reserve ? allowed - reserve : 0;
	}
	/* do not let a single process grow so big a user cannot recover: min(RAM / 32, 128 MiB) */
	if (t && t->mm) {
		uint64_t user = ms->totalram_pages / 32, cap = 131072ull >> (ms->page_shift - 10);

		reserve = t->mm->total_vm / 32;
		if (user > cap)
			user = cap;
		if (reserve > user)
			reserve = user;
		allowed = allowed > reserve ? allowed - reserve : 0;
	}
	if (committed < allowed)
		return 0;
error:
	kernel_log(ms, "__vm_enough_memory: pid: %d, comm: %s, bytes: %llu not enough memory for "
		   "the allocation", t ? t->pid : 0, t ? t->comm : "",
		   (unsigned long long)(npages << ms->page_shift));
	return -ENOMEM;
}

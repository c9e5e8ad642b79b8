/*
 * Address-space objects and process creation (Linux: kernel/fork.c mm_alloc, mm_init,
 * mmput, __mmdrop, dup_mm, dup_mmap, dup_fd (fs/file.c), copy_process, kernel_clone).
 *
 * Page tables: each copied VMA gets its anon_vma chain (anon_vma_fork, mm/rmap.c), and
 * copy_page_range (mm/memory.c) copies the PTEs of VMAs that have an anon_vma: anonymous
 * pages become copy-on-write, file and shmem pages are shared; the other VMAs' pages are
 * faulted in again by the child, as Linux does. Leaves out: threads' signal and sighand
 * sharing beyond the flag checks, namespaces, cgroups, credentials.
 */
#include <errno.h>
#include <string.h>

#include "arch/layout.h"
#include "fs/fs.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/memory.h"
#include "mm/mmap.h"
#include "mm/rmap.h"
#include "mm/slab.h"
#include "mm/vma.h"

/* Linux 6.18's mm_struct object size (/proc/slabinfo "mm_struct" 1600 bytes). */
#define MM_STRUCT_SIZE 1600
_Static_assert(sizeof(struct mm_struct) <= MM_STRUCT_SIZE, "mm_struct must fit its object");

/* IA32_PAGE_OFFSET: the top of a 32-bit task's space on x86-64 (arch/x86/include/asm/page_64_types.h) */
#define IA32_PAGE_OFFSET 0xffffe000ull

uint64_t mmsim_task_size(const struct mmsim_machine *m, bool compat)
{
	const struct arch_layout *l;
	if (compat && m->desc.arch->id == ARCH_X86_64)
		return IA32_PAGE_OFFSET;
	if (arch_layout(m->paging, &l))
		return 0;
	return l->task_size;
}

struct mm_struct *mm_alloc(struct mmsim_machine *m, int *err)
{
	struct mm_sys *ms = &m->mm;
	if (!ms->mm_cachep) {
		*err = -ENOMEM;
		return NULL;
	}
	struct mm_struct *mm = kmem_cache_alloc(ms, ms->mm_cachep, MMSIM_GFP_KERNEL | MMSIM_GFP_ZERO, err);
	if (!mm)
		return NULL;
	mm->ms = ms;
	vma_tree_init(&mm->mm_mt, ms);
	/* pgd_alloc: the root table(s) of the machine's format */
	*err = pgtable_init(&mm->pgd, ms, m->paging, 0);
	if (*err) {
		kmem_cache_free(ms, ms->mm_cachep, mm);
		return NULL;
	}
	mm->mm_users = mm->mm_count = 1;
	mm->task_size = mmsim_task_size(m, false);
	return mm;
}

void mmdrop(struct mm_struct *mm)
{
	if (--mm->mm_count > 0)
		return;
	struct mm_sys *ms = mm->ms;
	vma_tree_destroy(&mm->mm_mt);	/* exit_mmap emptied it; frees what nodes remain */
	pgtable_destroy(&mm->pgd);	/* mm_free_pgd */
	kmem_cache_free(ms, ms->mm_cachep, mm);
}

void mmput(struct mm_struct *mm)
{
	if (--mm->mm_users > 0)
		return;
	/* __mmput: exit_mmap, then set_mm_exe_file(mm, NULL), then mmdrop */
	exit_mmap(mm);
	if (mm->exe_file) {
		fput(mm->ms->fs, mm->exe_file);
		mm->exe_file = NULL;
	}
	mmdrop(mm);
}

/* dup_mmap: copy oldmm's VMAs into the empty mm. On failure mm holds what was copied. */
static int dup_mmap(struct mm_struct *mm, struct mm_struct *oldmm)
{
	struct vma_iterator vmi;
	struct vm_area_struct *mpnt;
	int err = 0;

	vma_iter_init(&vmi, &oldmm->mm_mt, 0);
	for_each_vma(vmi, mpnt) {
		if (mpnt->vm_flags & VM_DONTCOPY)
			continue;	/* Linux copies the counters, then subtracts these */
		struct vm_area_struct *tmp = vm_area_dup(mpnt, &err);
		if (!tmp)
			return err;
		tmp->vm_mm = mm;
		/* VM_WIPEONFORK: a clean slate, no anon_vma (its pages are not copied) */
		if (tmp->vm_flags & VM_WIPEONFORK) {
			tmp->anon_vma = NULL;
		} else if ((err = anon_vma_fork(tmp, mpnt))) {
			tmp->anon_vma = NULL;
			vm_area_free(tmp);
			return err;
		}
		tmp->vm_flags &= ~VM_LOCKED_MASK;	/* locks are not inherited */
		err = vma_link(mm, tmp);
		if (err) {
			vm_area_free(tmp);
			return err;
		}
		/* copy_page_range (mm/memory.c): COW-share the pages of VMAs with an anon_vma */
		err = copy_page_range(tmp, mpnt);
		if (err)
			return err;
	}
	return 0;
}

struct mm_struct *dup_mm(struct mmsim_machine *m, struct mm_struct *oldmm, int *err)
{
	struct mm_struct *mm = mm_alloc(m, err);
	if (!mm)
		return NULL;
	/* the memcpy of dup_mm, minus what mm_init resets (counters, map_count, rss) */
	mm->mmap_base = oldmm->mmap_base;
	mm->mmap_legacy_base = oldmm->mmap_legacy_base;
	mm->task_size = oldmm->task_size;
	mm->flags = oldmm->flags;
	mm->def_flags = oldmm->def_flags;
	mm->start_code = oldmm->start_code;
	mm->end_code = oldmm->end_code;
	mm->start_data = oldmm->start_data;
	mm->end_data = oldmm->end_data;
	mm->start_brk = oldmm->start_brk;
	mm->brk = oldmm->brk;
	mm->start_stack = oldmm->start_stack;
	mm->arg_start = oldmm->arg_start;
	mm->arg_end = oldmm->arg_end;
	mm->env_start = oldmm->env_start;
	mm->env_end = oldmm->env_end;
	memcpy(mm->saved_auxv, oldmm->saved_auxv, sizeof(mm->saved_auxv));
	mm->vdso = oldmm->vdso;
	if (oldmm->exe_file)
		mm->exe_file = get_file(oldmm->exe_file);
	*err = dup_mmap(mm, oldmm);
	if (*err) {
		mmput(mm);	/* exit_mmap frees what was copied */
		return NULL;
	}
	mm->hiwater_vm = mm->total_vm;
	mm->pinned_vm = 0;
	return mm;
}

/* dup_fd: a copy of the descriptor table with a reference on every open file. */
static struct files_struct *dup_fd(struct mm_sys *ms, struct files_struct *old, int *err)
{
	struct files_struct *files = files_alloc(ms, err);
	if (!files)
		return NULL;
	for (int fd = 0; fd < MMSIM_NR_OPEN; fd++) {
		if (!old->fd[fd])
			continue;
		files->fd[fd] = get_file(old->fd[fd]);
		files->cloexec[fd] = old->cloexec[fd];
	}
	return files;
}

/* copy_process's checks of the flag combinations (kernel/fork.c), in its order. */
static int clone_flags_check(uint64_t clone_flags)
{
	/* CLONE_NEWNS|CLONE_FS is -EINVAL too; mmsim has no namespaces */
	if ((clone_flags & CLONE_THREAD) && !(clone_flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((clone_flags & CLONE_SIGHAND) && !(clone_flags & CLONE_VM))
		return -EINVAL;
	return 0;
}

int do_fork(struct mmsim_machine *m, struct task_struct *parent, uint64_t clone_flags,
	    int child_pid, int *out_pid)
{
	struct mm_sys *ms = &m->mm;
	struct task_struct *p;
	int err = clone_flags_check(clone_flags);
	if (err)
		return err;
	if (parent->exited)
		return -ESRCH;
	err = task_alloc(m, child_pid, &p);
	if (err)
		return err;
	memcpy(p->comm, parent->comm, sizeof(p->comm));
	memcpy(p->rlim, parent->rlim, sizeof(p->rlim));
	p->personality = parent->personality;
	p->compat = parent->compat;
	p->cap_ipc_lock = parent->cap_ipc_lock;
	p->cap_sys_rawio = parent->cap_sys_rawio;
	p->ppid = (clone_flags & (CLONE_PARENT | CLONE_THREAD)) ? parent->ppid : parent->pid;
	if (clone_flags & CLONE_THREAD)
		p->tgid = parent->tgid;

	/* copy_files */
	if (parent->files) {
		if (clone_flags & CLONE_FILES) {
			parent->files->count++;
			p->files = parent->files;
		} else {
			p->files = dup_fd(ms, parent->files, &err);
			if (!p->files)
				goto out_free_task;
		}
	}
	/* copy_mm */
	if (parent->mm) {
		if (clone_flags & CLONE_VM) {
			parent->mm->mm_users++;	/* mmget */
			p->mm = parent->mm;
		} else {
			p->mm = dup_mm(m, parent->mm, &err);
			if (!p->mm)
				goto out_free_task;
		}
	}
	*out_pid = p->pid;
	return 0;

out_free_task:
	task_free(m, p);	/* drops the files reference taken above */
	return err;
}

int64_t sys_fork(struct mmsim_machine *m, struct task_struct *parent, int child_pid)
{
	int pid;
	int err = do_fork(m, parent, 0, child_pid, &pid);	/* SIGCHLD only */
	return err ? err : pid;
}

int64_t sys_vfork(struct mmsim_machine *m, struct task_struct *parent, int child_pid)
{
	int pid;
	int err = do_fork(m, parent, CLONE_VFORK | CLONE_VM, child_pid, &pid);
	return err ? err : pid;
}

int64_t sys_clone(struct mmsim_machine *m, struct task_struct *parent, uint64_t clone_flags,
		  int child_pid)
{
	int pid;
	int err = do_fork(m, parent, clone_flags & ~CSIGNAL, child_pid, &pid);
	return err ? err : pid;
}

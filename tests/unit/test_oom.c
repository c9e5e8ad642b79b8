/*
 * The OOM killer and overcommit (src/mm/oom_kill.c, src/mm/util.c, the slow path of
 * src/mm/page_alloc.c) on a 64 MiB machine without swap.
 *
 * What is checked against Linux 6.18:
 *  - the victim is the process with the highest oom_badness = rss + swap entries + page-table
 *    pages + oom_score_adj * totalpages / 1000 (mm/oom_kill.c); oom_score_adj -1000 exempts
 *    a process; init (pid 1) is never chosen;
 *  - the report lines have the reference kernel's format (a memory-cgroup OOM on the host,
 *    tests/oracle/reclaim.sh, gave "Killed process 6133 (hog) total-vm:104880kB,
 *    anon-rss:32512kB, file-rss:1108kB, shmem-rss:0kB, UID:0 pgtables:112kB oom_score_adj:0"
 *    and the "Tasks state" table); the values here are recomputed from the victim's mm;
 *  - vm.panic_on_oom = 1 stops the machine with "Out of memory: system-wide panic_on_oom is
 *    enabled"; with nothing to kill, "System is deadlocked on memory";
 *  - overcommit_memory = 2 refuses a private writable mapping once Committed_AS + its size
 *    reaches CommitLimit = RAM * overcommit_ratio / 100 (+ swap: none) less
 *    min(total_vm / 32, user reserve); 0 refuses only a single mapping larger than RAM +
 *    swap; 1 refuses nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmsim/mmsim.h"
#include "boot.h"
#include "task_helpers.h"
#include "kernel/machine.h"
#include "mm/mman.h"
#include "mm/memory.h"
#include "mm/mmap.h"
#include "mm/oom.h"
#include "mm/page_alloc.h"
#include "mm/swap.h"
#include "mm/vmscan.h"
#include "util/strbuf.h"

#define PS 4096ull
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static const char *const kv64[] = { "ram", "64M", "cpus", "1", NULL };

static struct mmsim_machine *boot64(void)
{
	return (struct mmsim_machine *)boot(kv64);
}



static struct task_struct *named_task(struct mmsim_machine *m, int pid, const char *comm)
{
	struct task_struct *t = new_task(m, pid);

	snprintf(t->comm, sizeof(t->comm), "%s", comm);
	return t;
}

/* Map len bytes of private anonymous memory and write every page; the pages written. */
static uint64_t fill(struct mmsim_machine *m, struct task_struct *t, uint64_t pages)
{
	int64_t a = sys_mmap(t, 0, pages * PS, RW, ANON, -1, 0);
	uint64_t done = 0;

	assert_true(a > 0);
	for (uint64_t i = 0; i < pages; i++) {
		struct access_result r;

		if (task_access(m, t, (uint64_t)a + i * PS, 1, MMU_WRITE, &r) || r.signo ||
		    t->exited)
			break;
		done++;
	}
	return done;
}

static char *klog(struct mmsim_machine *m)
{
	struct strbuf sb;
	char *text = NULL;
	size_t len;

	sb_init(&sb);
	assert_int_equal(kernel_log_show(&m->mm, &sb), 0);
	sb_puts(&sb, "");
	assert_int_equal(sb_finish(&sb, &text, &len), 0);
	return text;
}

/* The line "Out of memory: Killed process ..." Linux would print for t now. */
static void expect_killed_line(const char *log, const char *message, struct task_struct *t,
			       uint64_t total_vm, uint64_t anon, uint64_t file, uint64_t tables,
			       int adj)
{
	char want[512];

	snprintf(want, sizeof(want), "%s: Killed process %d (%s) total-vm:%llukB, anon-rss:%llukB, "
		 "file-rss:%llukB, shmem-rss:0kB, UID:0 pgtables:%llukB oom_score_adj:%d\n",
		 message, t->pid, t->comm, (unsigned long long)total_vm * 4,
		 (unsigned long long)anon * 4, (unsigned long long)file * 4,
		 (unsigned long long)tables * 4, adj);
	if (!strstr(log, want))
		fail_msg("no line\n%swanted in the log:\n%s", want, log);
}

/* Free pages a process may still fill before the allocator reaches min. */
static uint64_t room(struct mmsim_machine *m)
{
	return global_free_pages(&m->mm);
}

/* The largest process dies when a small one runs out; the small one goes on. */
static void test_oom_kills_largest(void **state)
{
	(void)state;
	struct mmsim_machine *m = boot64();
	struct task_struct *big = named_task(m, 2, "hog");
	struct task_struct *small = named_task(m, 3, "small");
	uint64_t n = room(m), big_pages, tv, tables;
	char *log;

	big_pages = fill(m, big, n * 3 / 4);
	assert_int_equal(big_pages, n * 3 / 4);
	assert_int_equal(m->mm.vm_events[OOM_KILL], 0);
	tv = big->mm->total_vm;
	tables = big->mm->pgd.nr_tables - 1;
	/* the small one asks for more than is left: the OOM killer must make room */
	assert_int_equal(fill(m, small, n / 2), n / 2);
	assert_true(big->exited);
	assert_false(small->exited);
	assert_int_equal(m->mm.vm_events[OOM_KILL], 1);
	log = klog(m);
	assert_non_null(strstr(log, "small invoked oom-killer: gfp_mask=0x140dca("
				    "GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, "
				    "oom_score_adj=0\n"));
	assert_non_null(strstr(log, "Tasks state (memory values in pages):\n[  pid  ]   uid  tgid "
				    "total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes "
				    "swapents oom_score_adj name\n"));
	assert_non_null(strstr(log, "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),"
				    "cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=hog,"
				    "pid=2,uid=0\n"));
	expect_killed_line(log, "Out of memory", big, tv, big_pages, 0, tables, 0);
	free(log);
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

/* oom_score_adj -1000 exempts the largest: the next one by badness goes. */
static void test_oom_score_adj(void **state)
{
	(void)state;
	struct mmsim_machine *m = boot64();
	struct task_struct *big = named_task(m, 2, "big");
	struct task_struct *mid = named_task(m, 3, "mid");
	struct task_struct *small = named_task(m, 4, "small");
	uint64_t n = room(m), mid_pages;
	char *log;

	assert_int_equal(oom_score_adj_set(&m->mm, 2, -1000), 0);
	assert_int_equal(oom_score_adj_set(&m->mm, 2, -1001), -EINVAL);
	assert_int_equal(fill(m, big, n / 2), n / 2);
	mid_pages = fill(m, mid, n / 4);
	assert_int_equal(mid_pages, n / 4);
	assert_int_equal(fill(m, small, n / 4), n / 4);
	assert_false(big->exited);
	assert_true(mid->exited);
	assert_false(small->exited);
	log = klog(m);
	/* the exempt process is listed with its score adjustment */
	assert_non_null(strstr(log, "         -1000 big\n"));
	assert_non_null(strstr(log, "Out of memory: Killed process 3 (mid)"));
	free(log);
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

/*
 * The process that faults is the largest: it is chosen, finishes its fault on the OOM
 * reserves and dies when it gets back (oom_kill_current; Linux: SIGKILL on return to user).
 */
static void test_oom_kills_current(void **state)
{
	(void)state;
	struct mmsim_machine *m = boot64();
	struct task_struct *init = named_task(m, 1, "init");
	struct task_struct *hog = named_task(m, 2, "hog");
	uint64_t n = room(m), done;
	int64_t a;
	uint64_t free_before;

	/* the heuristic would refuse twice the free memory */
	m->mm.sysctl.overcommit_memory = 1;
	a = sys_mmap(hog, 0, 2 * n * PS, RW, ANON, -1, 0);
	assert_true(a > 0);
	assert_int_equal(fill(m, init, 16), 16);
	for (done = 0; done < 2 * n; done++) {
		struct access_result r;

		if (task_access(m, hog, (uint64_t)a + done * PS, 1, MMU_WRITE, &r) || r.signo)
			break;
		if (oom_kill_current(&m->mm, hog))
			break;		/* what kernel/access.c does when the access returns */
	}
	assert_true(done < 2 * n);
	assert_true(hog->exited);
	assert_false(init->exited);	/* init is never chosen */
	assert_int_equal(m->mm.vm_events[OOM_KILL], 1);
	free_before = room(m);
	assert_true(free_before > n * 9 / 10);	/* the victim's memory came back */
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

/* vm.panic_on_oom = 1: the machine stops instead of killing. */
static void test_panic_on_oom(void **state)
{
	(void)state;
	struct mmsim_machine *m = boot64();
	struct task_struct *t = named_task(m, 2, "hog");
	uint64_t n = room(m), done;
	const char *msg;
	char *log;
	uint64_t pfn;

	m->mm.sysctl.panic_on_oom = 1;
	m->mm.sysctl.overcommit_memory = 1;
	done = fill(m, t, 2 * n);
	assert_true(done < 2 * n);
	assert_false(t->exited);
	assert_true(mm_panicked(&m->mm, &msg));
	assert_string_equal(msg, "Out of memory: system-wide panic_on_oom is enabled");
	log = klog(m);
	assert_non_null(strstr(log, "Kernel panic - not syncing: Out of memory: system-wide "
				    "panic_on_oom is enabled\n"));
	assert_null(strstr(log, "Killed process"));
	free(log);
	assert_int_equal(m->mm.vm_events[OOM_KILL], 0);
	/* a stopped machine hands out nothing more */
	assert_int_equal(mmsim_alloc_pages((mmsim_machine *)m, 0, MMSIM_GFP_KERNEL, 0, &pfn),
			 -ENOMEM);
	mmsim_machine_free((mmsim_machine *)m);
}

/* Only init runs out: nothing can be killed, the kernel panics. */
static void test_no_killable_process(void **state)
{
	(void)state;
	struct mmsim_machine *m = boot64();
	struct task_struct *init = named_task(m, 1, "init");
	uint64_t n = room(m);
	const char *msg;
	char *log;

	m->mm.sysctl.overcommit_memory = 1;
	assert_true(fill(m, init, 2 * n) < 2 * n);
	assert_false(init->exited);
	assert_true(mm_panicked(&m->mm, &msg));
	assert_string_equal(msg, "System is deadlocked on memory");
	log = klog(m);
	assert_non_null(strstr(log, "Out of memory and no killable processes...\n"));
	free(log);
	mmsim_machine_free((mmsim_machine *)m);
}

/* overcommit_memory 2: CommitLimit and Committed_AS, and the mmap that would pass it fails. */
static void test_overcommit_never(void **state)
{
	(void)state;
	struct mmsim_machine *m = boot64();
	struct mm_sys *ms = &m->mm;
	struct task_struct *t = named_task(m, 2, "p");
	uint64_t limit, committed, reserve, room_pages;
	int64_t a;

	ms->sysctl.overcommit_memory = 2;
	ms->sysctl.overcommit_ratio = 50;
	limit = vm_commit_limit(ms);
	assert_int_equal(limit, ms->totalram_pages * 50 / 100);
	committed = vm_memory_committed(ms);
	assert_int_equal(committed, 0);		/* an empty mm commits nothing */
	/* a private writable mapping commits its size; a read-only one nothing */
	a = sys_mmap(t, 0, 100 * PS, RW, ANON, -1, 0);
	assert_true(a > 0);
	assert_int_equal(vm_memory_committed(ms), 100);
	assert_true(sys_mmap(t, 0, 100 * PS, PROT_READ, ANON, -1, 0) > 0);
	assert_int_equal(vm_memory_committed(ms), 100);
	/*
	 * What still fits: committed + pages < limit - min(total_vm / 32, user reserve), where
	 * total_vm is 200 pages now (6) and the user reserve RAM / 32.
	 */
	reserve = t->mm->total_vm / 32;
	room_pages = limit - reserve - 100;
	assert_int_equal(sys_mmap(t, 0, room_pages * PS, RW, ANON, -1, 0), -ENOMEM);
	a = sys_mmap(t, 0, (room_pages - 1) * PS, RW, ANON, -1, 0);
	assert_true(a > 0);
	assert_int_equal(vm_memory_committed(ms), 100 + room_pages - 1);
	/* munmap gives the commitment back */
	assert_int_equal(sys_munmap(t, (uint64_t)a, (room_pages - 1) * PS), 0);
	assert_int_equal(vm_memory_committed(ms), 100);
	/* MAP_NORESERVE does not escape mode 2 */
	assert_int_equal(sys_mmap(t, 0, limit * PS, RW, ANON | MAP_NORESERVE, -1, 0), -ENOMEM);
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

/* overcommit 0 refuses one mapping larger than RAM + swap; 1 refuses nothing. */
static void test_overcommit_guess_always(void **state)
{
	(void)state;
	struct mmsim_machine *m = boot64();
	struct mm_sys *ms = &m->mm;
	struct task_struct *t = named_task(m, 2, "p");
	uint64_t ram = ms->totalram_pages;

	assert_int_equal(ms->sysctl.overcommit_memory, 0);
	assert_int_equal(sys_mmap(t, 0, (ram + 1) * PS, RW, ANON, -1, 0), -ENOMEM);
	assert_true(sys_mmap(t, 0, ram * PS, RW, ANON, -1, 0) > 0);
	assert_true(sys_mmap(t, 0, ram * PS, RW, ANON, -1, 0) > 0);	/* each one alone */
	ms->sysctl.overcommit_memory = 1;
	assert_true(sys_mmap(t, 0, 4 * ram * PS, RW, ANON, -1, 0) > 0);
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oom_kills_largest),
		cmocka_unit_test(test_oom_score_adj),
		cmocka_unit_test(test_oom_kills_current),
		cmocka_unit_test(test_panic_on_oom),
		cmocka_unit_test(test_no_killable_process),
		cmocka_unit_test(test_overcommit_never),
		cmocka_unit_test(test_overcommit_guess_always),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

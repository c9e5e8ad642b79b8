/*
 * The anonymous fault paths (src/mm/memory.c) through the CPU loop (src/kernel/access.c).
 * Expected counts are the live kernel's: tests/oracle/probes/fault_anon.c run with setarch -R
 * on the 6.18 host (8-page steps):
 *   write8 +8 minflt, RssAnon +32 kB     read8 +8 minflt, +0 kB, mincore all 1 (zero page)
 *   read8-then-write +8, +32 kB          dontneed +0, -32 kB, mincore all 0
 *   dontneed-read +8, +0 kB, reads 0     mprotect RO, RW, write: +0 minflt
 *   child-cow-write +8, RssAnon +0       parent-write-after (child exited) +8, +0 kB
 * and tests/oracle/probes (smaps after fork): child Pss = Rss/2, Shared_Dirty = Rss,
 * Referenced 0; after one child write Private_Dirty 4 kB, Referenced 4 kB.
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
#include <unistd.h>

#include "mmsim/mmsim.h"
#include "boot.h"
#include "task_helpers.h"
#include "kernel/access.h"
#include "kernel/exec.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/mman.h"
#include "mm/memory.h"
#include "mm/mmap.h"
#include "mm/page_alloc.h"
#include "mm/vma.h"

#define N 8
#define PS 4096ull
#define RW (PROT_READ | PROT_WRITE)
#define A (MAP_PRIVATE | MAP_ANONYMOUS)

static const char *const kv_check[] = { "ram", "1G", "check", "1", NULL };

static uint64_t map_anon(struct task_struct *t, uint64_t len, uint64_t prot)
{
	int64_t a = sys_mmap(t, 0, len, prot, A, -1, 0);

	assert_true(a > 0);
	return (uint64_t)a;
}

static void touch(struct mmsim_machine *m, struct task_struct *t, uint64_t va, unsigned int kind)
{
	for (int i = 0; i < N; i++)
		acc(m, t, va + i * PS, kind);
}

static void check_all(struct mmsim_machine *m, struct task_struct *t)
{
	struct mmsim_error err = { 0 };
	char msg[512];

	if (t && t->mm && mm_rss_validate(t->mm, &err)) {
		mmsim_error_format(&err, msg, sizeof(msg));
		fail_msg("mm_rss_validate: %s", msg);
	}
	check_machine(m);
}

static int64_t anon(struct task_struct *t)
{
	return t->mm->rss_stat[MM_ANONPAGES];
}

static void mincore_expect(struct task_struct *t, uint64_t va, int want)
{
	uint8_t vec[N];

	assert_int_equal(sys_mincore(t, va, N * PS, vec, N), 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(vec[i] & 1, want);
}

/* The probe's steps write8, read8, read8-then-write, dontneed, dontneed-read, mprotect. */
static void test_probe_steps(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);
	struct task_struct *t = new_task(m, 100);
	uint64_t p = map_anon(t, N * PS, RW), q = map_anon(t, N * PS, RW);
	uint64_t f0 = t->min_flt, pg0 = m->mm.vm_events[PGFAULT];

	touch(m, t, p, MMU_WRITE);
	assert_int_equal(t->min_flt - f0, 8);
	assert_int_equal(m->mm.vm_events[PGFAULT] - pg0, 8);
	assert_int_equal(anon(t), 8);
	touch(m, t, p, MMU_WRITE);		/* present and writable: no fault */
	assert_int_equal(t->min_flt - f0, 8);

	f0 = t->min_flt;
	touch(m, t, q, MMU_READ);
	assert_int_equal(t->min_flt - f0, 8);
	assert_int_equal(anon(t), 8);		/* the zero page is not RSS */
	mincore_expect(t, q, 1);		/* live: the zero page counts as resident */
	assert_int_equal(get_byte(m, t, q + 5), 0);
	touch(m, t, q, MMU_WRITE);
	assert_int_equal(t->min_flt - f0, 16);
	assert_int_equal(anon(t), 16);
	check_all(m, t);

	/* MADV_DONTNEED: RSS drops, nothing resident, reads fault again and see zeros */
	put_byte(m, t, p, 0x5a);
	assert_int_equal(sys_madvise(t, p, N * PS, MADV_DONTNEED), 0);
	assert_int_equal(anon(t), 8);
	mincore_expect(t, p, 0);
	f0 = t->min_flt;
	touch(m, t, p, MMU_READ);
	assert_int_equal(t->min_flt - f0, 8);
	assert_int_equal(get_byte(m, t, p), 0);
	assert_int_equal(anon(t), 8);
	assert_int_equal(t->mm->hiwater_rss, 16);	/* update_hiwater_rss before the zap */

	/* mprotect RO then RW: exclusive anonymous pages become writable again, no fault */
	f0 = t->min_flt;
	assert_int_equal(sys_mprotect(t, q, N * PS, PROT_READ), 0);
	struct access_result r;
	assert_int_equal(task_access(m, t, q, 1, MMU_WRITE, &r), 0);
	assert_int_equal(r.signo, MMSIM_SIGSEGV);
	assert_int_equal(r.si_code, MMSIM_SEGV_ACCERR);
	assert_int_equal(r.addr, q);
	assert_int_equal(sys_mprotect(t, q, N * PS, RW), 0);
	touch(m, t, q, MMU_WRITE);
	assert_int_equal(t->min_flt - f0, 0);
	check_all(m, t);
	mmsim_machine_free((mmsim_machine *)m);
}

/* fork: COW sharing, private bytes on each side, the counts of the probe, smaps. */
static void test_fork_cow(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);
	struct task_struct *p = new_task(m, 100), *c;
	uint64_t q = map_anon(p, N * PS, RW);
	int cpid;

	for (int i = 0; i < N; i++)
		put_byte(m, p, q + i * PS, (uint8_t)('P' + i));
	assert_int_equal(do_fork(m, p, 0, 0, &cpid), 0);
	c = find_task_by_pid(m, cpid);
	assert_int_equal(anon(c), 8);

	char *sm = NULL;
	size_t len;
	assert_int_equal(mmsim_proc_pid_render((mmsim_machine *)m, cpid, "smaps", &sm, &len), 0);
	assert_non_null(strstr(sm, "Rss:                  32 kB\nPss:                  16 kB\n"
				   "Pss_Dirty:            16 kB\nShared_Clean:          0 kB\n"
				   "Shared_Dirty:         32 kB\nPrivate_Clean:         0 kB\n"
				   "Private_Dirty:         0 kB\nReferenced:            0 kB\n"
				   "Anonymous:            32 kB\n"));
	free(sm);

	uint64_t f0 = c->min_flt;
	for (int i = 0; i < N; i++)
		put_byte(m, c, q + i * PS, (uint8_t)('C' + i));
	assert_int_equal(c->min_flt - f0, 8);
	assert_int_equal(anon(c), 8);
	for (int i = 0; i < N; i++) {
		assert_int_equal(get_byte(m, p, q + i * PS), 'P' + i);
		assert_int_equal(get_byte(m, c, q + i * PS), 'C' + i);
	}
	check_all(m, c);
	do_exit(m, c, 0);
	task_free(m, c);

	/* the parent's pages are its own again: a write faults once each and reuses the page */
	drain_all_pages(&m->mm);
	uint64_t free0 = global_free_pages(&m->mm);
	f0 = p->min_flt;
	for (int i = 0; i < N; i++)
		put_byte(m, p, q + i * PS, 5);
	assert_int_equal(p->min_flt - f0, 8);
	drain_all_pages(&m->mm);
	assert_int_equal(global_free_pages(&m->mm), free0);	/* wp_page_reuse: no copy */
	assert_int_equal(get_byte(m, p, q), 5);
	check_all(m, p);
	mmsim_machine_free((mmsim_machine *)m);
}

/* A little life: map, touch, fork, child writes and exits, parent exits. */
static void life(struct mmsim_machine *m)
{
	struct task_struct *p = new_task(m, 0), *c;
	uint64_t a = map_anon(p, 64 * PS, RW), b = map_anon(p, 16 * PS, PROT_READ);
	int cpid;

	for (int i = 0; i < 64; i += 3)
		acc(m, p, a + i * PS, MMU_WRITE);
	for (int i = 0; i < 16; i++)
		acc(m, p, b + i * PS, MMU_READ);
	assert_int_equal(do_fork(m, p, 0, 0, &cpid), 0);
	c = find_task_by_pid(m, cpid);
	for (int i = 0; i < 64; i += 2)
		acc(m, c, a + i * PS, MMU_WRITE);
	assert_int_equal(sys_munmap(c, a + 8 * PS, 8 * PS), 0);
	check_all(m, c);
	do_exit(m, c, 0);
	task_free(m, c);
	for (int i = 0; i < 64; i++)
		acc(m, p, a + i * PS, MMU_WRITE);
	check_all(m, p);
	do_exit(m, p, 0);
	task_free(m, p);
}

/* After every process exits the buddy allocator has every frame back. */
static void test_exit_frees_everything(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);

	life(m);		/* warm the slab caches */
	drain_all_pages(&m->mm);
	uint64_t free0 = global_free_pages(&m->mm);
	for (int round = 0; round < 3; round++)
		life(m);
	drain_all_pages(&m->mm);
	assert_int_equal(global_free_pages(&m->mm), free0);
	check_all(m, NULL);
	mmsim_machine_free((mmsim_machine *)m);
}

/*
 * Allocation failure during a write fault (SQLite-style: fail the 1st, 2nd ... page
 * allocation until the fault goes through): each failing run returns -ENOMEM
 * (VM_FAULT_OOM) and changes nothing but the slab caches' spare pages (an anon_vma freed
 * again may leave its slab page on the partial list, as SLUB does), so free + slab pages
 * stay equal.
 */
static int64_t slab_pages(struct mm_sys *ms)
{
	return (global_node_page_state(ms, NR_SLAB_RECLAIMABLE_B) +
		global_node_page_state(ms, NR_SLAB_UNRECLAIMABLE_B)) / (int64_t)PS;
}

static void test_oom_changes_nothing(void **state)
{
	(void)state;
	unsigned int failed = 0;

	/* a fresh machine per nth: the allocations of one fault, each made to fail in turn
	   (a failure the allocator absorbs, e.g. SLUB's fallback to a smaller slab, succeeds) */
	for (uint64_t nth = 1; nth <= 12; nth++) {
		struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);
		struct task_struct *t = new_task(m, 100);
		uint64_t a = map_anon(t, N * PS, RW);
		struct access_result r;
		int rc;

		drain_all_pages(&m->mm);
		uint64_t tables = t->mm->pgd.nr_tables;
		int64_t pages0 = (int64_t)global_free_pages(&m->mm) + slab_pages(&m->mm);
		uint64_t f0 = t->min_flt, pg0 = m->mm.vm_events[PGFAULT];
		mmsim_fail_nth_alloc((mmsim_machine *)m, nth);
		rc = task_access(m, t, a, 1, MMU_WRITE, &r);
		mmsim_fail_nth_alloc((mmsim_machine *)m, 0);
		if (rc == 0) {
			assert_int_equal(anon(t), 1);
		} else {
			failed++;
			assert_int_equal(rc, -ENOMEM);
			drain_all_pages(&m->mm);
			assert_int_equal((int64_t)global_free_pages(&m->mm) + slab_pages(&m->mm),
					 pages0);
			assert_int_equal(t->mm->pgd.nr_tables, tables);
			assert_int_equal(anon(t), 0);
			/* the VMA may keep an anon_vma prepared before the data page failed, as
			   Linux's vmf_anon_prepare leaves it: that is not a page of the process */
			assert_int_equal(t->min_flt, f0);	/* VM_FAULT_ERROR: no task count */
			assert_int_equal(m->mm.vm_events[PGFAULT] - pg0, 1);	/* pgfault counts it */
			mincore_expect(t, a, 0);
			check_all(m, t);
		}
		mmsim_machine_free((mmsim_machine *)m);
	}
	/* at least the anon_vma's slab, the data page and the page-table page could fail */
	assert_true(failed >= 3);
}

/* SIGSEGV causes, an access across a page boundary, the stack, file mappings not modelled. */
static void test_signals_and_edges(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);
	struct task_struct *t = new_task(m, 100);
	uint64_t a = map_anon(t, 2 * PS, RW), f0;
	struct access_result r;
	uint8_t buf[8] = "abcdefg";

	assert_int_equal(task_access(m, t, 0x10000, 4, MMU_READ, &r), 0);
	assert_int_equal(r.signo, MMSIM_SIGSEGV);
	assert_int_equal(r.si_code, MMSIM_SEGV_MAPERR);
	assert_int_equal(r.addr, 0x10000);
	assert_int_equal(task_access(m, t, a, 4, MMU_EXEC, &r), 0);	/* NX: fault, then ACCERR */
	assert_int_equal(r.signo, MMSIM_SIGSEGV);
	assert_int_equal(r.si_code, MMSIM_SEGV_ACCERR);
	assert_int_equal(task_access(m, t, a, 0, MMU_READ, &r), -EINVAL);

	/* 8 bytes across the boundary: both pages fault, the bytes land on both */
	f0 = t->min_flt;
	assert_int_equal(task_access_data(m, t, a + PS - 3, 8, MMU_WRITE, buf, &r), 0);
	assert_int_equal(r.faults, 2);
	assert_int_equal(t->min_flt - f0, 2);	/* page 0 holds the zero page since the NX fetch */
	assert_int_equal(get_byte(m, t, a + PS - 3), 'a');
	assert_int_equal(get_byte(m, t, a + PS + 3), 'g');

	/* the stack and a file mapping need an exec'd task */
	if (access("/usr/bin/true", X_OK) == 0) {
		struct task_struct *e = new_task(m, 200);
		struct mmsim_error err = { 0 };
		char *argv[] = { "true", NULL }, *envp[] = { NULL };
		assert_int_equal(do_execve(m, e, "/usr/bin/true", argv, envp, &err), 0);
		struct vm_area_struct *stk = find_vma(e->mm, e->mm->start_stack);
		assert_non_null(stk);
		assert_true(stk->vm_flags & VM_GROWSDOWN);
		uint64_t below = stk->vm_start - 3 * PS;
		assert_int_equal(acc(m, e, below, MMU_WRITE), 1);
		assert_int_equal(stk->vm_start, below);		/* expand_stack */
		/* the program's own text: a file page through the page cache */
		assert_int_equal(task_access(m, e, e->mm->start_code, 1, MMU_READ, &r), 0);
		assert_int_equal(r.signo, 0);
		check_all(m, e);
	}
	mmsim_machine_free((mmsim_machine *)m);
}

/* The same paths on every architecture's page-table format (PTE encodings differ). */
static void test_other_formats(void **state)
{
	(void)state;
	static const char *const kvs[][7] = {
		{ "arch", "i386", "ram", "1G", "check", "1", NULL },
		{ "arch", "arm64", "ram", "1G", "check", "1", NULL },
		{ "paging", "x86_64-5level", "ram", "1G", "check", "1", NULL },
	};
	for (size_t k = 0; k < sizeof(kvs) / sizeof(kvs[0]); k++) {
		struct mmsim_machine *m = (struct mmsim_machine *)boot(kvs[k]);
		uint64_t ps = m->mm.page_size;
		struct task_struct *p = new_task(m, 100), *c;
		uint64_t a = map_anon(p, N * ps, RW);
		int cpid;

		drain_all_pages(&m->mm);
		for (int i = 0; i < N; i++)
			acc(m, p, a + i * ps, MMU_READ);
		for (int i = 0; i < N; i++)
			put_byte(m, p, a + i * ps, 'p');
		assert_int_equal(p->min_flt, 16);
		assert_int_equal(anon(p), 8);
		assert_int_equal(do_fork(m, p, 0, 0, &cpid), 0);
		c = find_task_by_pid(m, cpid);
		put_byte(m, c, a, 'c');
		assert_int_equal(c->min_flt, 1);
		assert_int_equal(get_byte(m, p, a), 'p');
		assert_int_equal(get_byte(m, c, a), 'c');
		assert_int_equal(sys_mprotect(p, a, N * ps, PROT_READ), 0);
		struct access_result r;
		assert_int_equal(task_access(m, p, a + ps, 1, MMU_WRITE, &r), 0);
		assert_int_equal(r.si_code, MMSIM_SEGV_ACCERR);
		check_all(m, c);
		check_all(m, p);
		do_exit(m, c, 0);
		task_free(m, c);
		do_exit(m, p, 0);
		task_free(m, p);
		check_all(m, NULL);
		mmsim_machine_free((mmsim_machine *)m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_steps),
		cmocka_unit_test(test_fork_cow),
		cmocka_unit_test(test_exit_frees_everything),
		cmocka_unit_test(test_oom_changes_nothing),
		cmocka_unit_test(test_signals_and_edges),
		cmocka_unit_test(test_other_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

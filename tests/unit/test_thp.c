/*
 * Transparent huge pages for anonymous memory (src/mm/huge_memory.c) through the CPU loop.
 * Expected numbers are the live kernel's: tests/oracle/probes/thp_fault.c run with setarch -R
 * on the 6.18 host (enabled = madvise, defrag = madvise, use_zero_page = 1), 4 MiB mappings
 * with MADV_HUGEPAGE on the 2 MiB-aligned half:
 *   write             minflt +1, RssAnon +2048 kB, AnonHugePages 2048, thp_fault_alloc +1,
 *                     nr_anon_transparent_hugepages +1; writing the other 511 pages: +0
 *   read              minflt +1, RssAnon +0, thp_zero_page_alloc +1 (the first time); the
 *                     other 511 pages: +0; read-then-write: minflt +1, thp_fault_alloc +1
 *   nohuge (no madvise), unaligned 1 MiB VMA with madvise: minflt +1, RssAnon +4, no thp_*
 *   fork, child writes: child minflt +1, RssAnon +0, AnonHugePages 0, thp_split_pmd +1;
 *                     its 2nd write: minflt +1; the parent after the child exited: minflt
 *                     +1, AnonHugePages 2048 (reuse, no split)
 *   fork, parent writes first: thp_split_pmd +1; then the child: thp_split_pmd +1,
 *                     thp_deferred_split_page +1, nr_anon_transparent_hugepages -1
 *   munmap 4 KiB inside: thp_split_pmd +1, thp_deferred_split_page +1, RssAnon -4,
 *                     nr_anon_transparent_hugepages -1; munmap of the rest: RssAnon -2044
 *   mprotect 4 KiB RO inside: thp_split_pmd +1, nr_anon_transparent_hugepages -1, no
 *                     deferred split; a write beside it: +0
 *   mprotect 2 MiB RO, RW, write: +0, no split, AnonHugePages 2048
 *   MADV_DONTNEED 4 KiB: as munmap 4 KiB; reading it back: minflt +1, Rss unchanged
 *   huge zero page, fork, child writes: minflt +1, RssAnon +2048, thp_fault_alloc +1
 *   8 MiB madvised, every page written: minflt +4, thp_fault_alloc +4
 * and tests/oracle/probes/thp_settings.c, run under enabled = madvise / always / never:
 *   a write with no advice: a THP only under always; MADV_HUGEPAGE: a THP under madvise and
 *   always; MADV_NOHUGEPAGE: never a THP; nothing counted in thp_* when none is allowed
 *   huge zero page, munmap 4 KiB inside: minflt +0, thp_split_pmd +1; a read of another page
 *   of the block: +0 (small zero page PTEs); a write there: +1
 * and tests/oracle/probes/thp_merge.c: a VMA boundary moved into a THP by mprotect (3 VMAs
 * after) or by a madvise(MADV_NOHUGEPAGE) that merges the range into the next VMA (2 VMAs):
 * thp_split_pmd +1 each, AnonHugePages 0, a write beside the boundary takes no fault.
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
#include "kernel/access.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/folio.h"
#include "mm/huge_memory.h"
#include "mm/mman.h"
#include "mm/memory.h"
#include "mm/mmap.h"
#include "mm/page_alloc.h"
#include "mm/vma.h"

#define PS 4096ull
#define HP (2ull << 20)
#define NR (HP / PS)
#define RW (PROT_READ | PROT_WRITE)
#define A (MAP_PRIVATE | MAP_ANONYMOUS)

static const char *const kv_check[] = { "ram", "1G", "check", "1", NULL };

/* A mapping of len bytes; the first huge-page-aligned address in it (mmap THP-aligns). */
static uint64_t map_anon(struct task_struct *t, uint64_t len)
{
	int64_t a = sys_mmap(t, 0, len, RW, A, -1, 0);

	assert_true(a > 0);
	return ((uint64_t)a + HP - 1) & ~(HP - 1);
}

/* The probe's region: 4 MiB, MADV_HUGEPAGE on its aligned 2 MiB. */
static uint64_t region(struct task_struct *t)
{
	uint64_t a = map_anon(t, 2 * HP);

	assert_int_equal(sys_madvise(t, a, HP, MADV_HUGEPAGE), 0);
	return a;
}

static int64_t anon(struct task_struct *t)
{
	return t->mm->rss_stat[MM_ANONPAGES];
}

static uint64_t ev(struct mmsim_machine *m, enum vm_event_item i)
{
	return m->mm.vm_events[i];
}

/* nr_anon_transparent_hugepages: NR_ANON_THPS is kept in pages, shown in THPs */
static int64_t anon_thps(struct mmsim_machine *m)
{
	return global_node_page_state(&m->mm, NR_ANON_THPS) / (int64_t)NR;
}

/* Is va mapped by a huge PMD leaf (true) or by a PTE (false)? Asserts it is mapped. */
static bool pmd_mapped(struct task_struct *t, uint64_t va)
{
	struct pte_desc d;
	int level;

	assert_int_equal(pgtable_lookup(&t->mm->pgd, va, &d, &level, NULL), 0);
	assert_int_equal(d.kind, PTE_KIND_LEAF);
	return level == huge_pmd_level(t->mm);
}

/* The kB value of key in /proc/PID/smaps_rollup. */
static long rollup_kb(struct mmsim_machine *m, struct task_struct *t, const char *key)
{
	char *text = NULL, *at;
	size_t len;
	long v;

	assert_int_equal(mmsim_proc_pid_render((mmsim_machine *)m, t->pid, "smaps_rollup", &text,
					       &len), 0);
	at = strstr(text, key);
	assert_non_null(at);
	v = strtol(at + strlen(key), NULL, 10);
	free(text);
	return v;
}

static void free_task(struct mmsim_machine *m, struct task_struct *t)
{
	do_exit(m, t, 0);
	task_free(m, t);
}

/* The number of VMAs inside [lo, hi). */
static int vmas_in(struct task_struct *t, uint64_t lo, uint64_t hi)
{
	int n = 0;

	for (struct vm_area_struct *v = find_vma(t->mm, lo); v && v->vm_end <= hi;
	     v = find_vma(t->mm, v->vm_end))
		n++;
	return n;
}

/* A VMA boundary moved inside a THP (mprotect, a merging madvise) splits its PMD. */
static void test_boundary_splits(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);
	struct task_struct *t = new_task(m, 100);
	const uint64_t r = 0x40000000, s = 0x40800000, MB = 1ull << 20;
	uint64_t f0;

	/* mprotect-merge */
	assert_int_equal(sys_mmap(t, r, 4 * MB, RW, A | MAP_FIXED_NOREPLACE, -1, 0), (int64_t)r);
	assert_int_equal(sys_madvise(t, r, 4 * MB, MADV_HUGEPAGE), 0);
	assert_int_equal(sys_mprotect(t, r, HP, PROT_READ), 0);
	acc(m, t, r + HP, MMU_WRITE);
	assert_true(pmd_mapped(t, r + HP));
	assert_int_equal(sys_mprotect(t, r + HP, MB, PROT_READ), 0);
	assert_int_equal(ev(m, THP_SPLIT_PMD), 1);
	assert_false(pmd_mapped(t, r + HP));
	f0 = t->min_flt;
	assert_int_equal(acc(m, t, r + HP + MB, MMU_WRITE), 0);	/* write-beside */
	assert_int_equal(t->min_flt, f0);
	assert_int_equal(rollup_kb(m, t, "AnonHugePages:"), 0);
	check_machine(m);

	/* madvise-merge: the range joins the next VMA; no VMA is split */
	assert_int_equal(sys_mmap(t, s, 4 * MB, RW, A | MAP_FIXED_NOREPLACE, -1, 0), (int64_t)s);
	assert_int_equal(sys_madvise(t, s, HP, MADV_HUGEPAGE), 0);
	assert_int_equal(sys_madvise(t, s + HP, HP, MADV_NOHUGEPAGE), 0);
	acc(m, t, s, MMU_WRITE);
	assert_true(pmd_mapped(t, s));
	assert_int_equal(vmas_in(t, s, s + 4 * MB), 2);
	f0 = t->min_flt;
	assert_int_equal(sys_madvise(t, s + MB, MB, MADV_NOHUGEPAGE), 0);
	assert_int_equal(vmas_in(t, s, s + 4 * MB), 2);
	assert_int_equal(ev(m, THP_SPLIT_PMD), 2);
	assert_false(pmd_mapped(t, s));
	assert_int_equal(acc(m, t, s + MB, MMU_WRITE), 0);		/* write-beside */
	assert_int_equal(t->min_flt, f0);
	assert_int_equal(rollup_kb(m, t, "AnonHugePages:"), 0);
	check_machine(m);
	free_task(m, t);
	mmsim_machine_free((mmsim_machine *)m);
}

/* A little life with THPs, ending with every frame back in the buddy allocator. */
static void thp_life(struct mmsim_machine *m)
{
	struct task_struct *p = new_task(m, 0), *c;
	uint64_t a = region(p), b = region(p);
	int cpid;

	acc(m, p, a, MMU_WRITE);
	acc(m, p, b, MMU_READ);
	assert_int_equal(do_fork(m, p, 0, 0, &cpid), 0);
	c = find_task_by_pid(m, cpid);
	acc(m, c, a + 9 * PS, MMU_WRITE);
	acc(m, c, b + 9 * PS, MMU_WRITE);
	assert_int_equal(sys_munmap(c, a + 8 * PS, 8 * PS), 0);
	assert_int_equal(sys_mprotect(p, a + 64 * PS, PS, PROT_READ), 0);
	check_machine(m);
	free_task(m, c);
	acc(m, p, a + 200 * PS, MMU_WRITE);
	free_task(m, p);
	check_machine(m);
}

/* One write fault in a madvised aligned range: one order-9 folio behind one PMD leaf. */
static void test_write_fault_maps_thp(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);

	thp_life(m);		/* warm the slab caches: only the THP and page tables allocate */
	struct task_struct *t = new_task(m, 100);
	uint64_t a = region(t);

	assert_int_equal(hpage_pmd_size(t->mm), HP);
	drain_all_pages(&m->mm);
	uint64_t free0 = global_free_pages(&m->mm), tables0 = t->mm->pgd.nr_tables;
	uint64_t f0 = t->min_flt, pg0 = ev(m, PGFAULT), al0 = ev(m, THP_FAULT_ALLOC);
	uint64_t fb0 = ev(m, THP_FAULT_FALLBACK);
	int64_t thps0 = anon_thps(m);

	assert_int_equal(acc(m, t, a + 5, MMU_WRITE), 1);
	assert_int_equal(t->min_flt - f0, 1);
	assert_int_equal(ev(m, PGFAULT) - pg0, 1);
	assert_int_equal(ev(m, THP_FAULT_ALLOC) - al0, 1);
	assert_int_equal(ev(m, THP_FAULT_FALLBACK), fb0);
	assert_int_equal(anon(t), NR);
	assert_int_equal(anon_thps(m) - thps0, 1);
	assert_int_equal(rollup_kb(m, t, "AnonHugePages:"), 2048);
	assert_int_equal(rollup_kb(m, t, "Rss:"), 2048);
	/* every page of the range is decided by the PMD leaf: no PTE table was made */
	for (uint64_t off = 0; off < HP; off += 97 * PS)
		assert_true(pmd_mapped(t, a + off));
	assert_false(pte_none_at(t->mm, a));
	drain_all_pages(&m->mm);
	uint64_t tables = t->mm->pgd.nr_tables - tables0;
	assert_true(tables <= 2);	/* at most a PUD and a PMD table: no PTE table */
	assert_int_equal(free0 - global_free_pages(&m->mm), NR + tables);

	/* write-2nd: the rest of the 2 MiB takes no fault; the bytes land in one folio */
	f0 = t->min_flt;
	for (uint64_t off = PS; off < HP; off += PS)
		assert_int_equal(acc(m, t, a + off, MMU_WRITE), 0);
	assert_int_equal(t->min_flt, f0);
	put_byte(m, t, a + HP - 1, 'z');
	assert_int_equal(get_byte(m, t, a + HP - 1), 'z');
	assert_int_equal(get_byte(m, t, a + 7 * PS), 0);	/* zeroed */
	check_machine(m);

	/* 8 MiB madvised: one fault and one THP per 2 MiB */
	uint64_t b = map_anon(t, 5 * HP);
	assert_int_equal(sys_madvise(t, b, 4 * HP, MADV_HUGEPAGE), 0);
	f0 = t->min_flt;
	al0 = ev(m, THP_FAULT_ALLOC);
	for (uint64_t off = 0; off < 4 * HP; off += PS)
		acc(m, t, b + off, MMU_WRITE);
	assert_int_equal(t->min_flt - f0, 4);
	assert_int_equal(ev(m, THP_FAULT_ALLOC) - al0, 4);
	assert_int_equal(anon(t), 5 * NR);
	check_machine(m);
	free_task(m, t);
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

/* enabled = never, no madvise under madvise, an unaligned VMA, MADV_NOHUGEPAGE: 4 KiB pages. */
static void test_not_allowed_falls_back(void **state)
{
	(void)state;
	static const char *const kv_never[] = { "ram", "1G", "check", "1", "thp", "never", NULL };
	static const char *const kv_always[] = { "ram", "1G", "check", "1", "thp", "always", NULL };
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);
	struct task_struct *t = new_task(m, 100);
	uint64_t a;

	/* nohuge: madvise mode without MADV_HUGEPAGE */
	a = map_anon(t, 2 * HP);
	assert_int_equal(acc(m, t, a, MMU_WRITE), 1);
	assert_int_equal(anon(t), 1);
	assert_false(pmd_mapped(t, a));
	/* unaligned-1M: a 1 MiB VMA cannot hold an aligned 2 MiB range */
	int64_t u = sys_mmap(t, 0, HP / 2, RW, A, -1, 0);
	assert_true(u > 0);
	assert_int_equal(sys_madvise(t, (uint64_t)u, HP / 2, MADV_HUGEPAGE), 0);
	assert_int_equal(acc(m, t, (uint64_t)u, MMU_WRITE), 1);
	assert_int_equal(anon(t), 2);
	assert_int_equal(ev(m, THP_FAULT_ALLOC) + ev(m, THP_FAULT_FALLBACK), 0);
	check_machine(m);
	free_task(m, t);
	mmsim_machine_free((mmsim_machine *)m);

	m = (struct mmsim_machine *)boot(kv_never);
	t = new_task(m, 100);
	a = region(t);
	assert_int_equal(acc(m, t, a, MMU_WRITE), 1);
	assert_int_equal(anon(t), 1);
	assert_false(pmd_mapped(t, a));
	assert_int_equal(ev(m, THP_FAULT_ALLOC) + ev(m, THP_FAULT_FALLBACK), 0);
	free_task(m, t);
	mmsim_machine_free((mmsim_machine *)m);

	m = (struct mmsim_machine *)boot(kv_always);
	t = new_task(m, 100);
	a = map_anon(t, 2 * HP);		/* always: no madvise needed */
	assert_int_equal(acc(m, t, a, MMU_WRITE), 1);
	assert_int_equal(anon(t), NR);
	assert_true(pmd_mapped(t, a));
	a = map_anon(t, 2 * HP);		/* ... but MADV_NOHUGEPAGE refuses */
	assert_int_equal(sys_madvise(t, a, HP, MADV_NOHUGEPAGE), 0);
	assert_int_equal(acc(m, t, a, MMU_WRITE), 1);
	assert_int_equal(anon(t), NR + 1);
	assert_false(pmd_mapped(t, a));
	assert_int_equal(ev(m, THP_FAULT_ALLOC), 1);
	check_machine(m);
	free_task(m, t);
	mmsim_machine_free((mmsim_machine *)m);
}

/* No order-9 block: thp_fault_fallback, and the same fault maps a 4 KiB page. */
static void test_no_huge_block_falls_back(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);

	thp_life(m);		/* warm the slab caches: the THP is the fault's first allocation */
	struct task_struct *t = new_task(m, 100);
	uint64_t a = region(t);
	uint64_t f0 = t->min_flt, fb0 = ev(m, THP_FAULT_FALLBACK), al0 = ev(m, THP_FAULT_ALLOC);

	mmsim_fail_nth_alloc((mmsim_machine *)m, 1);	/* the THP allocation fails */
	assert_int_equal(acc(m, t, a, MMU_WRITE), 1);
	mmsim_fail_nth_alloc((mmsim_machine *)m, 0);
	assert_int_equal(t->min_flt - f0, 1);
	assert_int_equal(ev(m, THP_FAULT_FALLBACK) - fb0, 1);
	assert_int_equal(ev(m, THP_FAULT_ALLOC), al0);
	assert_int_equal(anon(t), 1);
	assert_false(pmd_mapped(t, a));
	/* the PTE table is there now: the next fault in the range cannot map a PMD */
	assert_int_equal(acc(m, t, a + PS, MMU_WRITE), 1);
	assert_int_equal(anon(t), 2);
	assert_int_equal(ev(m, THP_FAULT_ALLOC), al0);
	check_machine(m);
	free_task(m, t);
	mmsim_machine_free((mmsim_machine *)m);
}

/* A read maps the huge zero folio; a write then replaces it by a THP. */
static void test_read_maps_huge_zero_page(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);
	struct task_struct *t = new_task(m, 100);
	uint64_t a = region(t), b = region(t), f0 = t->min_flt;

	assert_int_equal(acc(m, t, a, MMU_READ), 1);
	assert_int_equal(ev(m, THP_ZERO_PAGE_ALLOC), 1);
	assert_int_equal(anon(t), 0);
	assert_true(pmd_mapped(t, a));
	assert_int_not_equal(huge_zero_pfn(&m->mm), 0);
	for (uint64_t off = 0; off < HP; off += PS)	/* read-2nd */
		assert_int_equal(acc(m, t, a + off, MMU_READ), 0);
	assert_int_equal(get_byte(m, t, a + 12345), 0);
	assert_int_equal(rollup_kb(m, t, "Rss:"), 0);
	assert_int_equal(acc(m, t, b, MMU_READ), 1);		/* allocated once */
	assert_int_equal(ev(m, THP_ZERO_PAGE_ALLOC), 1);
	assert_int_equal(t->min_flt - f0, 2);
	check_machine(m);

	/* read-then-write: one fault, a THP */
	assert_int_equal(acc(m, t, a + 3 * PS, MMU_WRITE), 1);
	assert_int_equal(ev(m, THP_FAULT_ALLOC), 1);
	assert_int_equal(anon(t), NR);
	assert_true(pmd_mapped(t, a));
	assert_int_equal(rollup_kb(m, t, "AnonHugePages:"), 2048);
	check_machine(m);

	/* no THP for the write: the huge zero PMD is split to small zero pages, 4 KiB copied */
	mmsim_fail_nth_alloc((mmsim_machine *)m, 1);
	assert_int_equal(acc(m, t, b + 3 * PS, MMU_WRITE), 1);
	mmsim_fail_nth_alloc((mmsim_machine *)m, 0);
	assert_int_equal(ev(m, THP_FAULT_FALLBACK), 1);
	assert_int_equal(ev(m, THP_SPLIT_PMD), 1);
	assert_int_equal(anon(t), NR + 1);
	assert_false(pmd_mapped(t, b));
	assert_int_equal(get_byte(m, t, b + 4 * PS), 0);
	check_machine(m);
	free_task(m, t);

	/* the huge zero folio stays until its shrinker finds it unused */
	assert_int_equal(shrink_huge_zero_folio(&m->mm), NR);
	assert_int_equal(huge_zero_pfn(&m->mm), 0);
	mmsim_machine_free((mmsim_machine *)m);

	/* use_zero_page = 0: a read fault allocates a THP */
	static const char *const kv_nozero[] = { "ram", "1G", "check", "1",
						 "thp_use_zero_page", "0", NULL };
	m = (struct mmsim_machine *)boot(kv_nozero);
	t = new_task(m, 100);
	a = region(t);
	assert_int_equal(acc(m, t, a, MMU_READ), 1);
	assert_int_equal(ev(m, THP_FAULT_ALLOC), 1);
	assert_int_equal(ev(m, THP_ZERO_PAGE_ALLOC), 0);
	assert_int_equal(anon(t), NR);
	check_machine(m);
	free_task(m, t);
	mmsim_machine_free((mmsim_machine *)m);
}

/* A partial munmap of the huge zero page's PMD leaves small zero pages behind (zero-split). */
static void test_huge_zero_split(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);
	struct task_struct *t = new_task(m, 100);
	uint64_t a = region(t), f0;

	acc(m, t, a, MMU_READ);
	f0 = t->min_flt;
	assert_int_equal(sys_munmap(t, a + 100 * PS, PS), 0);
	assert_int_equal(ev(m, THP_SPLIT_PMD), 1);
	assert_int_equal(ev(m, THP_DEFERRED_SPLIT_PAGE), 0);
	assert_false(pmd_mapped(t, a));
	assert_int_equal(acc(m, t, a + 5 * PS, MMU_READ), 0);		/* zero-read */
	assert_int_equal(get_byte(m, t, a + 5 * PS), 0);
	assert_int_equal(acc(m, t, a + 5 * PS, MMU_WRITE), 1);	/* zero-write */
	assert_int_equal(t->min_flt - f0, 1);
	assert_int_equal(anon(t), 1);
	assert_int_equal(ev(m, THP_FAULT_ALLOC), 0);
	check_machine(m);
	free_task(m, t);
	/* no PMD maps the huge zero folio any more: its shrinker may free it */
	assert_int_equal(shrink_huge_zero_folio(&m->mm), NR);
	mmsim_machine_free((mmsim_machine *)m);
}

/* fork: the child's write splits its PMD and copies 4 KiB; the parent keeps its THP. */
static void test_fork_child_write_splits(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);
	struct task_struct *p = new_task(m, 100), *c;
	uint64_t a = region(p), f0;
	int cpid;

	put_byte(m, p, a, 'P');
	put_byte(m, p, a + PS, 'Q');
	assert_int_equal(do_fork(m, p, 0, 0, &cpid), 0);
	c = find_task_by_pid(m, cpid);
	assert_int_equal(anon(c), NR);
	assert_true(pmd_mapped(c, a));
	assert_int_equal(rollup_kb(m, c, "AnonHugePages:"), 2048);
	check_machine(m);

	f0 = c->min_flt;
	put_byte(m, c, a + PS, 'c');			/* fork-child-write */
	assert_int_equal(c->min_flt - f0, 1);
	assert_int_equal(ev(m, THP_SPLIT_PMD), 1);
	assert_int_equal(ev(m, THP_DEFERRED_SPLIT_PAGE), 0);
	assert_int_equal(anon(c), NR);
	assert_int_equal(rollup_kb(m, c, "AnonHugePages:"), 0);
	assert_int_equal(rollup_kb(m, c, "Rss:"), 2048);
	assert_false(pmd_mapped(c, a));
	assert_true(pmd_mapped(p, a));
	assert_int_equal(get_byte(m, c, a + PS), 'c');
	assert_int_equal(get_byte(m, p, a + PS), 'Q');
	assert_int_equal(get_byte(m, c, a), 'P');
	f0 = c->min_flt;
	put_byte(m, c, a + 3 * PS, 'd');		/* fork-child-write-2nd */
	assert_int_equal(c->min_flt - f0, 1);
	assert_int_equal(ev(m, THP_SPLIT_PMD), 1);
	check_machine(m);
	free_task(m, c);

	/* parent-write-after: the folio is the parent's alone again: reused, not split */
	drain_all_pages(&m->mm);
	uint64_t free0 = global_free_pages(&m->mm);
	f0 = p->min_flt;
	put_byte(m, p, a + PS, 'p');
	assert_int_equal(p->min_flt - f0, 1);
	assert_int_equal(ev(m, THP_SPLIT_PMD), 1);
	assert_true(pmd_mapped(p, a));
	assert_int_equal(rollup_kb(m, p, "AnonHugePages:"), 2048);
	drain_all_pages(&m->mm);
	assert_int_equal(global_free_pages(&m->mm), free0);
	check_machine(m);

	/* fork2: the parent writes first while the child lives, then the child */
	int64_t thps0 = anon_thps(m);
	assert_int_equal(do_fork(m, p, 0, 0, &cpid), 0);
	c = find_task_by_pid(m, cpid);
	put_byte(m, p, a + PS, 'x');			/* fork2-parent-write */
	assert_int_equal(ev(m, THP_SPLIT_PMD), 2);
	assert_int_equal(anon_thps(m), thps0);
	put_byte(m, c, a + PS, 'y');			/* fork2-child-write */
	assert_int_equal(ev(m, THP_SPLIT_PMD), 3);
	assert_int_equal(ev(m, THP_DEFERRED_SPLIT_PAGE), 1);
	assert_int_equal(anon_thps(m), thps0 - 1);
	assert_int_equal(get_byte(m, p, a + PS), 'x');
	assert_int_equal(get_byte(m, c, a + PS), 'y');
	assert_int_equal(get_byte(m, c, a), 'P');
	check_machine(m);
	free_task(m, c);
	free_task(m, p);
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

/* The huge zero PMD is copied at fork; the child's write gets a THP of its own. */
static void test_fork_huge_zero(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);
	struct task_struct *p = new_task(m, 100), *c;
	uint64_t a = region(p);
	int cpid;

	acc(m, p, a, MMU_READ);
	assert_int_equal(do_fork(m, p, 0, 0, &cpid), 0);
	c = find_task_by_pid(m, cpid);
	assert_true(pmd_mapped(c, a));
	assert_int_equal(acc(m, c, a + PS, MMU_WRITE), 1);	/* zero-fork-child-write */
	assert_int_equal(ev(m, THP_FAULT_ALLOC), 1);
	assert_int_equal(anon(c), NR);
	assert_int_equal(anon(p), 0);
	assert_true(pmd_mapped(c, a));
	check_machine(m);
	free_task(m, c);
	free_task(m, p);
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

/* Partial munmap, mprotect and MADV_DONTNEED split the PMD; whole-PMD changes do not. */
static void test_partial_changes_split(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);
	struct task_struct *t = new_task(m, 100);
	uint64_t a = region(t);
	int64_t thps0 = anon_thps(m);
	struct access_result r;

	acc(m, t, a, MMU_WRITE);
	assert_int_equal(sys_munmap(t, a + 100 * PS, PS), 0);	/* munmap-4k */
	assert_int_equal(ev(m, THP_SPLIT_PMD), 1);
	assert_int_equal(ev(m, THP_DEFERRED_SPLIT_PAGE), 1);
	assert_int_equal(anon(t), NR - 1);
	assert_int_equal(anon_thps(m), thps0);
	assert_int_equal(rollup_kb(m, t, "Rss:"), 2044);
	assert_false(pmd_mapped(t, a));
	check_machine(m);
	assert_int_equal(sys_munmap(t, a, HP), 0);		/* munmap-rest */
	assert_int_equal(anon(t), 0);
	check_machine(m);

	a = region(t);
	acc(m, t, a, MMU_WRITE);
	assert_int_equal(sys_mprotect(t, a + 100 * PS, PS, PROT_READ), 0);	/* mprotect-4k */
	assert_int_equal(ev(m, THP_SPLIT_PMD), 2);
	assert_int_equal(ev(m, THP_DEFERRED_SPLIT_PAGE), 1);
	assert_int_equal(anon_thps(m), thps0);
	assert_int_equal(anon(t), NR);
	assert_int_equal(acc(m, t, a + 101 * PS, MMU_WRITE), 0);	/* write-beside */
	assert_int_equal(task_access(m, t, a + 100 * PS, 1, MMU_WRITE, &r), 0);
	assert_int_equal(r.signo, MMSIM_SIGSEGV);
	check_machine(m);

	a = region(t);
	acc(m, t, a, MMU_WRITE);
	uint64_t f0 = t->min_flt;
	assert_int_equal(sys_mprotect(t, a, HP, PROT_READ), 0);		/* mprotect-2m-ro */
	assert_true(pmd_mapped(t, a));
	assert_int_equal(task_access(m, t, a + 5, 1, MMU_WRITE, &r), 0);
	assert_int_equal(r.signo, MMSIM_SIGSEGV);
	assert_int_equal(sys_mprotect(t, a, HP, RW), 0);
	assert_int_equal(acc(m, t, a + 5, MMU_WRITE), 0);		/* mprotect-2m-rw-write */
	assert_int_equal(t->min_flt, f0);
	assert_int_equal(ev(m, THP_SPLIT_PMD), 2);
	assert_true(pmd_mapped(t, a));
	check_machine(m);
	assert_int_equal(sys_munmap(t, a, HP), 0);			/* munmap-2m */
	assert_int_equal(anon(t), NR);
	assert_int_equal(ev(m, THP_SPLIT_PMD), 2);
	check_machine(m);

	a = region(t);
	put_byte(m, t, a + 7 * PS, 'k');
	assert_int_equal(sys_madvise(t, a + 7 * PS, PS, MADV_DONTNEED), 0);	/* dontneed-4k */
	assert_int_equal(ev(m, THP_SPLIT_PMD), 3);
	assert_int_equal(ev(m, THP_DEFERRED_SPLIT_PAGE), 2);
	assert_int_equal(anon(t), 2 * NR - 1);
	f0 = t->min_flt;
	assert_int_equal(get_byte(m, t, a + 7 * PS), 0);		/* dontneed-4k-read */
	assert_int_equal(t->min_flt - f0, 1);
	assert_int_equal(anon(t), 2 * NR - 1);
	check_machine(m);
	free_task(m, t);
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

static void test_exit_frees_everything(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);

	thp_life(m);		/* warm the slab caches */
	assert_int_equal(shrink_huge_zero_folio(&m->mm), NR);
	drain_all_pages(&m->mm);
	uint64_t free0 = global_free_pages(&m->mm);
	for (int round = 0; round < 3; round++)
		thp_life(m);
	assert_int_equal(shrink_huge_zero_folio(&m->mm), NR);
	drain_all_pages(&m->mm);
	assert_int_equal(global_free_pages(&m->mm), free0);
	assert_int_equal(anon_thps(m), 0);
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

/* Failing the Nth allocation of a THP fault or a split changes nothing but the counters. */
static void test_fail_nth_changes_nothing(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);
	unsigned int refused = 0;

	thp_life(m);		/* warm the slab caches: only page tables and the THP allocate */
	for (uint64_t nth = 2; nth <= 6; nth++) {
		struct task_struct *t = new_task(m, 100);
		uint64_t a = region(t);
		struct access_result r;

		drain_all_pages(&m->mm);
		uint64_t free0 = global_free_pages(&m->mm), tables = t->mm->pgd.nr_tables;
		uint64_t al0 = ev(m, THP_FAULT_ALLOC), f0 = t->min_flt;
		mmsim_fail_nth_alloc((mmsim_machine *)m, nth);
		int ret = task_access(m, t, a, 1, MMU_WRITE, &r);
		mmsim_fail_nth_alloc((mmsim_machine *)m, 0);
		if (ret == -ENOMEM) {
			refused++;
			drain_all_pages(&m->mm);
			assert_int_equal(global_free_pages(&m->mm), free0);
			assert_int_equal(t->mm->pgd.nr_tables, tables);
			assert_int_equal(ev(m, THP_FAULT_ALLOC), al0);
			assert_int_equal(anon(t), 0);
			assert_int_equal(t->min_flt, f0);
			assert_true(pte_none_at(t->mm, a));
		} else {
			assert_int_equal(ret, 0);
			assert_int_equal(r.signo, 0);
		}
		check_machine(m);
		free_task(m, t);
	}
	assert_true(refused > 0);

	/* a split that cannot have its PTE table: mprotect fails, the THP stays whole */
	refused = 0;
	for (uint64_t nth = 1; nth <= 4; nth++) {
		struct task_struct *t = new_task(m, 100);
		uint64_t a = region(t);

		acc(m, t, a, MMU_WRITE);
		uint64_t sp0 = ev(m, THP_SPLIT_PMD);
		mmsim_fail_nth_alloc((mmsim_machine *)m, nth);
		int64_t ret = sys_mprotect(t, a + 100 * PS, PS, PROT_READ);
		mmsim_fail_nth_alloc((mmsim_machine *)m, 0);
		if (ret == -ENOMEM) {
			refused++;
			assert_true(pmd_mapped(t, a));
			assert_int_equal(ev(m, THP_SPLIT_PMD), sp0);
			assert_int_equal(anon(t), NR);
			assert_int_equal(acc(m, t, a + 100 * PS, MMU_WRITE), 0);
		} else {
			assert_int_equal(ret, 0);
		}
		check_machine(m);
		free_task(m, t);
	}
	assert_true(refused > 0);
	mmsim_machine_free((mmsim_machine *)m);
}

/* Other formats: arm64 4K and i386 PAE have 2 MiB PMDs; i386 2-level has no THP. */
static void test_other_formats(void **state)
{
	(void)state;
	static const char *const kvs[][7] = {
		{ "arch", "arm64", "ram", "1G", "check", "1", NULL },
		{ "arch", "i386", "paging", "i386-pae", "ram", "1G", NULL },
		{ "paging", "x86_64-5level", "ram", "1G", "check", "1", NULL },
	};
	for (size_t k = 0; k < sizeof(kvs) / sizeof(kvs[0]); k++) {
		struct mmsim_machine *m = (struct mmsim_machine *)boot(kvs[k]);
		struct task_struct *p = new_task(m, 100), *c;
		uint64_t a = region(p);
		int cpid;

		assert_int_equal(hpage_pmd_size(p->mm), HP);
		put_byte(m, p, a, 'p');
		assert_true(pmd_mapped(p, a));
		assert_int_equal(anon(p), NR);
		assert_int_equal(do_fork(m, p, 0, 0, &cpid), 0);
		c = find_task_by_pid(m, cpid);
		put_byte(m, c, a, 'c');
		assert_int_equal(c->min_flt, 1);
		assert_false(pmd_mapped(c, a));
		assert_int_equal(get_byte(m, p, a), 'p');
		assert_int_equal(get_byte(m, c, a), 'c');
		put_byte(m, p, a + PS, 'q');		/* the parent's PMD is still shared */
		assert_false(pmd_mapped(p, a));
		check_machine(m);
		free_task(m, c);
		free_task(m, p);
		check_machine(m);
		mmsim_machine_free((mmsim_machine *)m);
	}
	static const char *const kv_2l[] = { "arch", "i386", "ram", "1G", "check", "1", NULL };
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_2l);
	struct task_struct *t = new_task(m, 100);
	if (t->mm->pgd.fmt->id == PTF_I386_2L) {
		assert_int_equal(hpage_pmd_size(t->mm), 0);
		int64_t a = sys_mmap(t, 0, 8ull << 20, RW, A, -1, 0);
		assert_true(a > 0);
		assert_int_equal(sys_madvise(t, (uint64_t)a, 8ull << 20, MADV_HUGEPAGE), 0);
		acc(m, t, (uint64_t)a, MMU_WRITE);
		assert_int_equal(anon(t), 1);
	}
	free_task(m, t);
	mmsim_machine_free((mmsim_machine *)m);
}

/* The sysfs words. */
static void test_sysfs_words(void **state)
{
	(void)state;
	enum thp_mode e;
	enum thp_defrag d;
	char buf[64];

	assert_int_equal(thp_enabled_parse("always", &e), 0);
	assert_int_equal(e, THP_ALWAYS);
	assert_int_equal(thp_enabled_parse("never\n", &e), 0);
	assert_int_equal(e, THP_NEVER);
	assert_int_equal(thp_enabled_parse("sometimes", &e), -EINVAL);
	assert_int_equal(thp_defrag_parse("defer+madvise", &d), 0);
	assert_int_equal(d, THP_DEFRAG_DEFER_MADVISE);
	assert_int_equal(thp_defrag_parse("defer+", &d), -EINVAL);
	/* the host's files: enabled "always [madvise] never", defrag
	   "always defer defer+madvise [madvise] never" */
	assert_string_equal(thp_enabled_show(THP_MADVISE, buf, sizeof(buf)), "always [madvise] never");
	assert_string_equal(thp_defrag_show(THP_DEFRAG_MADVISE, buf, sizeof(buf)),
			    "always defer defer+madvise [madvise] never");
	assert_string_equal(thp_enabled_show(THP_NEVER, buf, sizeof(buf)), "always madvise [never]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_fault_maps_thp),
		cmocka_unit_test(test_not_allowed_falls_back),
		cmocka_unit_test(test_no_huge_block_falls_back),
		cmocka_unit_test(test_read_maps_huge_zero_page),
		cmocka_unit_test(test_huge_zero_split),
		cmocka_unit_test(test_fork_child_write_splits),
		cmocka_unit_test(test_fork_huge_zero),
		cmocka_unit_test(test_partial_changes_split),
		cmocka_unit_test(test_boundary_splits),
		cmocka_unit_test(test_exit_frees_everything),
		cmocka_unit_test(test_fail_nth_changes_nothing),
		cmocka_unit_test(test_other_formats),
		cmocka_unit_test(test_sysfs_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

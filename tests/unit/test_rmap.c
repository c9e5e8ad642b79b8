/*
 * Reverse mapping (src/mm/rmap.c): anon_vma chains through fork, split, merge and mremap;
 * rmap_walk finds every (process, address) of a page; mapcounts, refcounts and the node
 * counter nr_anon_pages stay exact; everything is given back when the processes exit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mmsim/mmsim.h"
#include "boot.h"
#include "task_helpers.h"
#include "kernel/access.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/folio.h"
#include "mm/mman.h"
#include "mm/memory.h"
#include "mm/mmap.h"
#include "mm/page_alloc.h"
#include "mm/rmap.h"
#include "mm/vma.h"

#define PS 4096ull
#define RW (PROT_READ | PROT_WRITE)
#define A (MAP_PRIVATE | MAP_ANONYMOUS)

static const char *const kv_check[] = { "ram", "1G", "check", "1", NULL };

/* The page mapped at va in t (NULL when none). */
static struct page *page_at(struct mmsim_machine *m, struct task_struct *t, uint64_t va)
{
	struct pte_desc d;
	int level;

	if (pgtable_lookup(&t->mm->pgd, va, &d, &level, NULL) || d.kind != PTE_KIND_LEAF)
		return NULL;
	return pfn_to_page(&m->mm, d.pa >> 12);
}

struct seen {
	int n;
	struct mm_struct *mm[8];
	uint64_t addr[8];
};

static int record(struct page *folio, struct vm_area_struct *vma, uint64_t addr, struct page *page,
		  void *arg)
{
	struct seen *s = arg;

	(void)folio; (void)page;
	assert_true(s->n < 8);
	s->mm[s->n] = vma->vm_mm;
	s->addr[s->n++] = addr;
	return 0;
}

static struct seen walk(struct mmsim_machine *m, struct page *p)
{
	struct seen s = { 0 };

	assert_int_equal(rmap_walk(&m->mm, page_folio(p), record, &s), 0);
	return s;
}

static bool saw(const struct seen *s, struct task_struct *t, uint64_t va)
{
	for (int i = 0; i < s->n; i++)
		if (s->mm[i] == t->mm && s->addr[i] == va)
			return true;
	return false;
}

static int64_t anon_mapped(struct mmsim_machine *m)
{
	return global_node_page_state(&m->mm, NR_ANON_MAPPED);
}

static int64_t slab_and_free(struct mmsim_machine *m)
{
	drain_all_pages(&m->mm);
	return (int64_t)global_free_pages(&m->mm) +
	       (global_node_page_state(&m->mm, NR_SLAB_RECLAIMABLE_B) +
		global_node_page_state(&m->mm, NR_SLAB_UNRECLAIMABLE_B)) / (int64_t)PS;
}

/*
 * parent -> child -> grandchild: a page written before the forks is found in all three;
 * a COW write in the child makes a new page only the child maps, and the old one is then
 * found in the other two.
 */
static void test_fork_chain(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);
	struct task_struct *p = new_task(m, 100), *c, *g;
	int cpid, gpid;
	int64_t a = sys_mmap(p, 0, 4 * PS, RW, A, -1, 0);

	assert_true(a > 0);
	for (int i = 0; i < 4; i++)
		put_byte(m, p, (uint64_t)a + i * PS, (uint8_t)(i + 1));
	assert_int_equal(anon_mapped(m), 4);
	assert_int_equal(do_fork(m, p, 0, 0, &cpid), 0);
	c = find_task_by_pid(m, cpid);
	assert_int_equal(do_fork(m, c, 0, 0, &gpid), 0);
	g = find_task_by_pid(m, gpid);
	check_machine(m);

	struct page *pg = page_at(m, p, (uint64_t)a);
	assert_ptr_equal(page_at(m, g, (uint64_t)a), pg);
	struct seen s = walk(m, pg);
	assert_int_equal(s.n, 3);
	assert_true(saw(&s, p, (uint64_t)a) && saw(&s, c, (uint64_t)a) && saw(&s, g, (uint64_t)a));
	assert_int_equal(page_mapcount(pg), 3);
	assert_int_equal(folio_ref_count(pg), 3);
	assert_int_equal(anon_mapped(m), 4);	/* each page counted once however mapped */

	put_byte(m, c, (uint64_t)a, 0x77);	/* COW in the middle generation */
	struct page *np = page_at(m, c, (uint64_t)a);
	assert_ptr_not_equal(np, pg);
	s = walk(m, np);
	assert_int_equal(s.n, 1);
	assert_true(saw(&s, c, (uint64_t)a));
	s = walk(m, pg);
	assert_int_equal(s.n, 2);
	assert_true(saw(&s, p, (uint64_t)a) && saw(&s, g, (uint64_t)a));
	assert_int_equal(get_byte(m, g, (uint64_t)a), 1);
	assert_int_equal(get_byte(m, c, (uint64_t)a), 0x77);
	assert_int_equal(anon_mapped(m), 5);
	check_machine(m);

	do_exit(m, g, 0);
	do_exit(m, c, 0);
	assert_int_equal(anon_mapped(m), 4);
	assert_int_equal(page_mapcount(pg), 1);
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

/* Exit gives back every page, table, anon_vma and chain: free + slab pages as before. */
static void test_exit_frees_everything(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);
	struct task_struct *p;
	int64_t before;
	int cpid;

	/* warm the slab caches the run uses, so their pages are counted on both sides */
	{
		struct task_struct *w = new_task(m, 50);
		int64_t wa = sys_mmap(w, 0, PS, RW, A, -1, 0);
		put_byte(m, w, (uint64_t)wa, 1);
		do_exit(m, w, 0);
	}
	before = slab_and_free(m);
	p = new_task(m, 100);
	int64_t a = sys_mmap(p, 0, 64 * PS, RW, A, -1, 0);
	for (int i = 0; i < 64; i++)
		put_byte(m, p, (uint64_t)a + i * PS, 1);
	assert_int_equal(do_fork(m, p, 0, 0, &cpid), 0);
	struct task_struct *c = find_task_by_pid(m, cpid);
	for (int i = 0; i < 64; i += 2)
		put_byte(m, c, (uint64_t)a + i * PS, 2);
	assert_int_equal(sys_mprotect(p, (uint64_t)a + 8 * PS, 8 * PS, PROT_READ), 0);
	check_machine(m);
	do_exit(m, p, 0);
	do_exit(m, c, 0);
	task_free(m, c);	/* reap the zombies */
	task_free(m, p);
	assert_int_equal(anon_mapped(m), 0);
	/* every frame is free again or in a slab cache's spare pages (SLUB keeps some) */
	int64_t after = slab_and_free(m);
	if (after != before)
		fail_msg("free + slab pages %lld before, %lld after", (long long)before,
			 (long long)after);
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

/* mprotect of the middle splits the VMA: each part still finds its pages. */
static void test_split_keeps_rmap(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);
	struct task_struct *p = new_task(m, 100);
	int64_t a = sys_mmap(p, 0, 6 * PS, RW, A, -1, 0);

	for (int i = 0; i < 6; i++)
		put_byte(m, p, (uint64_t)a + i * PS, (uint8_t)i);
	assert_int_equal(sys_mprotect(p, (uint64_t)a + 2 * PS, 2 * PS, PROT_READ), 0);
	assert_int_equal(p->mm->map_count, 3);
	for (int i = 0; i < 6; i++) {
		uint64_t va = (uint64_t)a + i * PS;
		struct seen s = walk(m, page_at(m, p, va));
		assert_int_equal(s.n, 1);
		assert_true(saw(&s, p, va));
	}
	/* and merging them back (same protection again) keeps it */
	assert_int_equal(sys_mprotect(p, (uint64_t)a + 2 * PS, 2 * PS, RW), 0);
	assert_int_equal(p->mm->map_count, 1);
	for (int i = 0; i < 6; i++) {
		uint64_t va = (uint64_t)a + i * PS;
		struct seen s = walk(m, page_at(m, p, va));
		assert_int_equal(s.n, 1);
		assert_true(saw(&s, p, va));
		assert_int_equal(get_byte(m, p, va), i);
	}
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

/*
 * A neighbour that differs only in protection reuses the faulted VMA's anon_vma
 * (find_mergeable_anon_vma), so the two can merge later.
 */
static void test_neighbour_reuses_anon_vma(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);
	struct task_struct *p = new_task(m, 100);
	int64_t a = sys_mmap(p, 0x10000000, PS, RW, A | MAP_FIXED, -1, 0);
	int64_t b = sys_mmap(p, 0x10001000, PS, PROT_READ, A | MAP_FIXED, -1, 0);

	assert_int_equal(a, 0x10000000);
	assert_int_equal(b, 0x10001000);
	put_byte(m, p, (uint64_t)a, 1);
	assert_int_equal(sys_mprotect(p, (uint64_t)b, PS, RW), 0);	/* merges: same anon_vma */
	assert_int_equal(p->mm->map_count, 1);
	put_byte(m, p, (uint64_t)b, 2);
	struct vm_area_struct *v = find_vma(p->mm, (uint64_t)a);
	assert_non_null(v->anon_vma);
	assert_ptr_equal(page_at(m, p, (uint64_t)b)->mapping, v->anon_vma);
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

/* mremap moves the pages with the VMA: same frames, same bytes, rmap at the new place. */
static void test_mremap_moves_pages(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv_check);
	struct task_struct *p = new_task(m, 100);
	int64_t a = sys_mmap(p, 0, 4 * PS, RW, A, -1, 0);
	struct page *pages[4];

	for (int i = 0; i < 4; i++) {
		put_byte(m, p, (uint64_t)a + i * PS, (uint8_t)(0x40 + i));
		pages[i] = page_at(m, p, (uint64_t)a + i * PS);
	}
	int64_t rss0 = p->mm->rss_stat[MM_ANONPAGES];
	int64_t b = sys_mremap(p, (uint64_t)a, 4 * PS, 16 * PS, MREMAP_MAYMOVE | MREMAP_FIXED,
			       (uint64_t)a + 64 * PS);
	assert_int_equal(b, a + 64 * (int64_t)PS);
	assert_int_equal(p->mm->rss_stat[MM_ANONPAGES], rss0);
	for (int i = 0; i < 4; i++) {
		uint64_t va = (uint64_t)b + i * PS;
		assert_ptr_equal(page_at(m, p, va), pages[i]);
		struct seen s = walk(m, pages[i]);
		assert_int_equal(s.n, 1);
		assert_true(saw(&s, p, va));
	}
	unsigned int faults0 = (unsigned int)p->min_flt;
	for (int i = 0; i < 4; i++)
		assert_int_equal(get_byte(m, p, (uint64_t)b + i * PS), 0x40 + i);
	assert_int_equal(p->min_flt, faults0);	/* moved, not faulted again */
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_chain),
		cmocka_unit_test(test_exit_frees_everything),
		cmocka_unit_test(test_split_keeps_rmap),
		cmocka_unit_test(test_neighbour_reuses_anon_vma),
		cmocka_unit_test(test_mremap_moves_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

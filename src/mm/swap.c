/*
 * Dropping folio references (Linux 6.18 mm/swap.c folio_put / __folio_put, mm/page_alloc.c
 * free_pages_prepare for the state a freed folio loses). The LRU batching of mm/swap.c is
 * issue 6's.
 */
#include <errno.h>

#include "mm/folio.h"
#include "mm/page_alloc.h"
#include "util/error.h"

/* __folio_put: the last reference went; the frames go back without their mm identity. */
static void __folio_put(struct mm_sys *ms, int cpu, struct page *f)
{
	unsigned int order = folio_order(f);

	f->flags &= ~((1ull << PG_anon) | (1ull << PG_swapbacked) | (1ull << PG_dirty) |
		      (1ull << PG_uptodate) | (1ull << PG_referenced) | (1ull << PG_active) |
		      (1ull << PG_readahead) | (1ull << PG_workingset) | (1ull << PG_owner_priv_1));
	for (uint64_t i = 0; i < folio_nr_pages(f); i++) {
		page_clear(&f[i], PG_anon_exclusive);
		f[i].mapcount = -1;
	}
	if (order) {
		page_clear(&f[1], PG_reclaim);	/* PG_partially_mapped (huge_memory.c) */
		f[1].index = 0;
		f[1].private = 0;
	}
	f->mapping = NULL;
	f->index = 0;
	f->refcount = 1;	/* __free_pages drops the last reference */
	__free_pages(ms, cpu, f, order);
}

void folio_put_refs(struct mm_sys *ms, int cpu, struct page *f, int refs)
{
	f->refcount -= refs;
	if (f->refcount == 0)
		__folio_put(ms, cpu, f);
}

void folio_put(struct mm_sys *ms, int cpu, struct page *f)
{
	folio_put_refs(ms, cpu, f, 1);
}

int folio_validate(struct mm_sys *ms, struct page *f, struct mmsim_error *err)
{
	uint64_t pfn = page_to_pfn(ms, f);
	int64_t sum = 0;
	uint32_t mapped = 0;

	if (PageTail(f))
		return err_set(err, -EUCLEAN, NULL, 0, 0, "pfn 0x%llx: a tail page is not a folio",
			       (unsigned long long)pfn);
	for (uint64_t i = 0; i < folio_nr_pages(f); i++) {
		if (f[i].mapcount < -1)
			return err_set(err, -EUCLEAN, NULL, 0, 0, "pfn 0x%llx: mapcount %d",
				       (unsigned long long)(pfn + i), f[i].mapcount + 1);
		sum += f[i].mapcount + 1;
		mapped += f[i].mapcount >= 0;
		if (i && (f[i].refcount || page_test(&f[i], PG_head)))
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "pfn 0x%llx: a tail page with a refcount or PG_head",
				       (unsigned long long)(pfn + i));
	}
	if (folio_test_large(f)) {
		sum += folio_entire_mapcount(f);
		if (folio_mapcount(f) != sum)
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "folio 0x%llx: large mapcount %lld, its pages' sum %lld",
				       (unsigned long long)pfn, (long long)folio_mapcount(f),
				       (long long)sum);
		if (folio_nr_pages_mapped(f) != mapped)
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "folio 0x%llx: nr_pages_mapped %u, %u pages mapped",
				       (unsigned long long)pfn, folio_nr_pages_mapped(f), mapped);
	}
	if (f->refcount < folio_mapcount(f))
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "folio 0x%llx: refcount %d below its mapcount %lld",
			       (unsigned long long)pfn, f->refcount, (long long)folio_mapcount(f));
	return 0;
}

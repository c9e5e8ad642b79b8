/*
 * Folios: a page seen as the whole of its allocation (Linux: include/linux/mm.h folio_*,
 * include/linux/mm_types.h struct folio, include/linux/rmap.h folio mapcounts).
 *
 * A folio is the head struct page of an order-0 page or of a compound page (__GFP_COMP);
 * mmsim passes it as a `struct page *` that is a head. Its memory-manager state:
 *
 *   field (head page)  anonymous folio                  page-cache (file, shmem) folio
 *   ------------------ -------------------------------- ---------------------------------
 *   PG_anon            set                              clear
 *   mapping            the anon_vma (rmap.h)            the address_space (pagemap.h)
 *   index              linear page index of the head:   file offset of the head, in pages
 *                      vma->vm_pgoff + (addr -
 *                      vma->vm_start) / PAGE_SIZE
 *   refcount           one per PTE and per PMD mapping, one per page the page cache holds
 *                      plus any temporary reference  (folio_nr_pages), one per mapping,
 *                                                       plus temporary references
 *
 * Mapcounts (CONFIG_PAGE_MAPCOUNT=y on the reference kernel, so every page keeps its own):
 *   page->mapcount         PTE mappings of that one page, minus one (-1: none);
 *   large folios only, kept in the first tail page (Linux: folio->_large_mapcount,
 *   _entire_mapcount, _nr_pages_mapped live in page[1] too):
 *     page[1].index        large mapcount - 1: every PTE mapping of any page of the folio
 *                          plus every PMD mapping of the whole folio (-1: unmapped);
 *     page[1].private      bits 0..31: entire mapcount - 1 (PMD mappings, -1: none);
 *                          bits 32..63: pages mapped by at least one PTE (nr_pages_mapped).
 *
 * Invariants (folio_validate):
 *  - folio_mapcount(f) == sum of the pages' PTE mapcounts + entire mapcount;
 *  - nr_pages_mapped == number of pages whose page->mapcount >= 0;
 *  - refcount >= folio_mapcount(f) (+ folio_nr_pages(f) when in the page cache);
 *  - a tail page has refcount 0 and no PG_anon / PG_head of its own.
 */
#ifndef MMSIM_MM_FOLIO_H
#define MMSIM_MM_FOLIO_H
#include <stdint.h>
#include <stdbool.h>
#include "mm/mm_types.h"

struct mmsim_error;
struct mm_sys;

/* Linux 6.18: PG_anon_exclusive is an alias of PG_owner_2 (include/linux/page-flags.h). */
#define PG_anon_exclusive PG_owner_2
/* PG_readahead is an alias of PG_reclaim: the folio that triggers the next async readahead. */
#define PG_readahead PG_reclaim
/* PG_mappedtodisk is an alias of PG_owner_priv_1 here (any free alias will do: not shown). */

/* The folio a page belongs to (page_folio). */
static inline struct page *page_folio(struct page *p) { return compound_head(p); }
static inline unsigned int folio_order(const struct page *f) { return compound_order(f); }
static inline uint64_t folio_nr_pages(const struct page *f) { return 1ull << compound_order(f); }
static inline bool folio_test_large(const struct page *f) { return page_test(f, PG_head); }
static inline bool folio_test_anon(const struct page *f) { return page_test(f, PG_anon); }
/* Page i of folio f (folio_page). */
static inline struct page *folio_page(struct page *f, uint64_t i) { return f + i; }
/* Index of page p inside its folio (folio_page_idx). */
static inline uint64_t folio_page_idx(struct page *f, const struct page *p) { return (uint64_t)(p - f); }

/* ---- the large-folio counters in page[1] ------------------------------------------------- */

static inline int64_t folio_large_mapcount(const struct page *f) { return (int64_t)f[1].index + 1; }
static inline void folio_large_mapcount_add(struct page *f, int64_t d) { f[1].index += (uint64_t)d; }
static inline int32_t folio_entire_mapcount(const struct page *f)
{
	return folio_test_large(f) ? (int32_t)(uint32_t)f[1].private + 1 : 0;
}
static inline void folio_entire_mapcount_add(struct page *f, int32_t d)
{
	uint32_t lo = (uint32_t)f[1].private + (uint32_t)d;

	f[1].private = (f[1].private & ~0xffffffffull) | lo;
}
static inline uint32_t folio_nr_pages_mapped(const struct page *f)
{
	return folio_test_large(f) ? (uint32_t)(f[1].private >> 32) : (f->mapcount >= 0);
}
static inline void folio_nr_pages_mapped_add(struct page *f, int32_t d)
{
	uint64_t hi = (f[1].private >> 32) + (uint64_t)(int64_t)d;

	f[1].private = (f[1].private & 0xffffffffull) | (hi << 32);
}

/* Set the counters of a new large folio to "unmapped" (prep_compound_head). */
static inline void folio_prep_large_counts(struct page *f)
{
	if (!folio_test_large(f))
		return;
	f[1].index = (uint64_t)-1;		/* large mapcount -1 */
	f[1].private = 0xffffffffull;		/* entire -1, nr_pages_mapped 0 */
}

/* Every mapping of the folio, PTEs and PMDs (folio_mapcount). */
static inline int64_t folio_mapcount(const struct page *f)
{
	return folio_test_large(f) ? folio_large_mapcount(f) : f->mapcount + 1;
}
static inline bool folio_mapped(const struct page *f) { return folio_mapcount(f) > 0; }

/*
 * Mappings of one page: its PTEs plus the PMDs of its folio (folio_precise_page_mapcount,
 * what smaps divides Pss by with CONFIG_PAGE_MAPCOUNT).
 */
static inline int64_t page_mapcount(const struct page *p)
{
	struct page *f = compound_head((struct page *)p);

	return p->mapcount + 1 + folio_entire_mapcount(f);
}

static inline void folio_get(struct page *f) { f->refcount++; }
static inline void folio_ref_add(struct page *f, int n) { f->refcount += n; }
static inline int folio_ref_count(const struct page *f) { return f->refcount; }
/*
 * Drop a reference; at zero the folio is freed (mm/swap.c folio_put -> __folio_put:
 * free_pages_prepare clears its state). ms and cpu say where it goes back.
 */
void folio_put(struct mm_sys *ms, int cpu, struct page *f);
void folio_put_refs(struct mm_sys *ms, int cpu, struct page *f, int refs);

/* Check the invariants above for one folio. 0 or -EUCLEAN. */
int folio_validate(struct mm_sys *ms, struct page *f, struct mmsim_error *err);
#endif

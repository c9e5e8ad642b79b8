/*
 * What the LRU and reclaim files share (Linux 6.18: mm/internal.h, include/linux/mm_inline.h,
 * include/linux/swap.h). mm/swap.h is the interface for the rest of the model; this header is
 * for mm/swap.c, mm/vmscan.c, mm/workingset.c, mm/oom_kill.c, mm/util.c and the few hooks in
 * page_alloc.c, memory.c, filemap.c, rmap.c, mlock.c and madvise.c.
 *
 * Where reclaim runs in the model (docs/reclaim.md):
 *  - the model has no threads. kswapd is "woken" by recording the request in the node
 *    (kswapd_order, kswapd_highest_zoneidx, as wakeup_kswapd does) and runs to completion
 *    (balance_pgdat) at the next reclaim-safe point: the end of an allocation of a user page
 *    (a movable allocation: anonymous, page cache, shmem, THP), or mm_reclaim_safe_point();
 *  - direct reclaim and the OOM killer run inside the allocation of a user page that fails
 *    its min watermark (__alloc_pages_slowpath). Allocations of kernel objects (slab objects,
 *    page tables, xarray nodes) do not reclaim in the model: their callers walk page tables
 *    or sit inside the slab allocator, which the model does not make re-entrant (Linux drops
 *    its locks and re-checks with pte_same); they wake kswapd and fail below min instead.
 *  - anything that keeps a pointer to a folio across an allocation of a user page holds a
 *    reference on it (as Linux does); reclaim leaves alone a folio with references beyond its
 *    mappings and its cache's (folio_expected_refs), before it unmaps anything.
 */
#ifndef MMSIM_MM_VMSCAN_H
#define MMSIM_MM_VMSCAN_H
#include <stdbool.h>
#include <stdint.h>
#include "mm/folio.h"
#include "mm/mmzone.h"
#include "mm/page_alloc.h"
#include "mm/swap.h"

struct address_space;
struct task_struct;

#define SWAP_CLUSTER_MAX	32ul	/* folios isolated at once */
#define DEF_PRIORITY		12	/* scan total >> priority pages per pass */
#define MAX_RECLAIM_RETRIES	16	/* page_alloc.c should_reclaim_retry, kswapd_failures */
#define MAX_SWAPPINESS		200
#define LRU_ACTIVE		1
#define LRU_FILE		2
#define KSWAPD_NO_REQUEST	NR_ZONE_TYPES	/* kswapd_highest_zoneidx: MAX_NR_ZONES */

/* current->flags bits the model keeps for its one reclaimer (include/linux/sched.h). */
#define PF_MEMALLOC		0x00000800u	/* reclaiming: allocations skip watermarks and
						   never recurse into reclaim */
#define PF_KSWAPD		0x00020000u	/* the reclaimer is kswapd */

_Static_assert(NR_ACTIVE_ANON == NR_INACTIVE_ANON + LRU_ACTIVE_ANON &&
	       NR_UNEVICTABLE == NR_INACTIVE_ANON + LRU_UNEVICTABLE &&
	       NR_ZONE_UNEVICTABLE == NR_ZONE_INACTIVE_ANON + LRU_UNEVICTABLE,
	       "the LRU counters are in enum lru_list order");

/* ---- folios on the lists (mm_inline.h) ------------------------------------------------- */

/* Every node's lruvec, set up once (lruvec_init); the lists of a calloc'd node are NULL. */
static inline struct lruvec *node_lruvec(struct mm_sys *ms, unsigned int nid)
{
	struct lruvec *l = &ms->node_data[nid]->__lruvec;

	if (!l->lists[0].next)
		lru_init(ms);
	return l;
}
static inline struct lruvec *folio_lruvec(struct mm_sys *ms, const struct page *folio)
{
	return node_lruvec(ms, page_nid(folio));
}
static inline pg_data_t *folio_node_data(struct mm_sys *ms, const struct page *folio)
{
	return ms->node_data[page_nid(folio)];
}
/* Anonymous and shmem folios (swap-backed) are on the anon lists; MADV_FREE'd ones on file. */
static inline bool folio_is_file_lru(const struct page *folio)
{
	return !page_test(folio, PG_swapbacked);
}
static inline uint64_t lruvec_page_state(struct mm_sys *ms, unsigned int nid,
					 enum node_stat_item i)
{
	int64_t v = ms->node_data[nid]->vm_stat[i];

	return v < 0 ? 0 : (uint64_t)v;
}
/* Pages on list lru in zones 0..zone_idx of the node (lruvec_lru_size). */
uint64_t lruvec_lru_size(struct mm_sys *ms, unsigned int nid, enum lru_list lru,
			 unsigned int zone_idx);

/* Can the folio be reclaimed at all: not mlocked (folio_evictable). */
static inline bool folio_evictable(const struct page *folio)
{
	return !page_test(folio, PG_mlocked);
}
/* The unevictable "list" is a count (Linux 5.18+): lru.prev holds the mlock count. */
static inline unsigned int folio_mlock_count(const struct page *folio)
{
	return (unsigned int)(uintptr_t)folio->lru.prev;
}
static inline void folio_set_mlock_count(struct page *folio, unsigned int count)
{
	folio->lru.next = NULL;
	folio->lru.prev = (struct list_head *)(uintptr_t)count;
}

/* The node's and the zone's count of list lru change by nr (update_lru_size). */
void update_lru_size(struct mm_sys *ms, const struct page *folio, enum lru_list lru, int64_t nr);
/* Put folio on (lruvec_add_folio: the head of) or take it off its list; counters follow. */
void lruvec_add_folio(struct mm_sys *ms, struct page *folio);
void lruvec_add_folio_tail(struct mm_sys *ms, struct page *folio);
void lruvec_del_folio(struct mm_sys *ms, struct page *folio);
/* folio_isolate_lru: off the LRU with a reference taken; false when it was not on one. */
bool folio_isolate_lru(struct mm_sys *ms, struct page *folio);
/* folio_putback_lru: back on the list its flags name, the isolation reference dropped. */
void folio_putback_lru(struct mm_sys *ms, struct page *folio);
/* Move an inactive folio to the active list (folio_activate -> lru_activate). */
void folio_activate(struct mm_sys *ms, struct page *folio);
/* Writeback of a PG_reclaim folio ended: to the inactive tail (folio_rotate_reclaimable). */
void folio_rotate_reclaimable(struct mm_sys *ms, struct page *folio);
/* An invalidation failed on it: speed its reclaim (deactivate_file_folio). */
void deactivate_file_folio(struct mm_sys *ms, struct page *folio);
/* MADV_FREE: a clean exclusive anonymous folio becomes lazily freeable (folio_mark_lazyfree). */
void folio_mark_lazyfree(struct mm_sys *ms, struct page *folio);
/* Reclaim cost of a list (lru_note_cost; nr_io pages written, nr_rotated pages kept). */
void lru_note_cost(struct mm_sys *ms, unsigned int nid, bool file, uint64_t nr_io,
		   uint64_t nr_rotated);
void lru_note_cost_refault(struct mm_sys *ms, struct page *folio);

/* ---- mlock (mm/mlock.c, mm/internal.h) ---------------------------------------------------- */

/* A new folio of a VM_LOCKED VMA: mlocked and unevictable from the start (mlock_new_folio). */
void mlock_new_folio(struct mm_sys *ms, struct page *folio);
/* Mapped into / unmapped from vma: mlock or munlock when vma is VM_LOCKED (not VM_SPECIAL). */
void mlock_vma_folio(struct mm_sys *ms, struct page *folio, const struct vm_area_struct *vma);
void munlock_vma_folio(struct mm_sys *ms, struct page *folio, const struct vm_area_struct *vma);
/*
 * mlock_fixup changed the VM_LOCKED bit of [start, end) of vma (its flags already say the new
 * state): mlock or munlock every folio mapped there (mlock_vma_pages_range).
 */
void mlock_vma_pages_range(struct vm_area_struct *vma, uint64_t start, uint64_t end);

/* ---- reclaim ------------------------------------------------------------------------------ */

/* page_alloc.c: may zone serve an allocation of order above mark (zone_watermark_ok)? */
bool zone_watermark_ok(struct mm_sys *ms, struct zone *z, unsigned int order, uint64_t mark,
		       unsigned int highest_zoneidx, unsigned int alloc_flags);

/* Pages reclaim could free in zone: file LRU, plus anon LRU with swap (zone_reclaimable_pages). */
uint64_t zone_reclaimable_pages(struct mm_sys *ms, struct zone *zone);
/* Is there swap space left, so that anonymous folios can be reclaimed? */
bool can_reclaim_anon_pages(struct mm_sys *ms);
/*
 * Record a kswapd request for zone's node (wakeup_kswapd): it runs at the next reclaim-safe
 * point. Nothing when the node is balanced or kswapd gave up on it.
 */
void wakeup_kswapd_zone(struct mm_sys *ms, struct zone *zone, gfp_t gfp, unsigned int order,
			unsigned int highest_zoneidx);
/* Run kswapd on every node with a request (the kswapd thread's loop, once). */
void kswapd_run_pending(struct mm_sys *ms);
/*
 * A point where nothing holds pointers into page tables or folios without references: run
 * pending kswapd work and kill OOM victims that could not die at once (the end of a system
 * call, of a scenario step).
 */
void mm_reclaim_safe_point(struct mm_sys *ms);
/* Are allocations of this mask allowed to reclaim in the model (see the top of this file)? */
static inline bool gfp_reclaim_safe(gfp_t gfp)
{
	return (gfp & MMSIM_GFP_MOVABLE) != 0;
}
/* Is the model inside reclaim (PF_MEMALLOC) / inside kswapd (current_is_kswapd)? */
bool current_in_reclaim(const struct mm_sys *ms);
bool current_is_kswapd(const struct mm_sys *ms);
/*
 * Invalidate the clean, unmapped, unpinned folios of [start, end] (page indices) and their
 * shadow entries (mapping_try_invalidate, mm/truncate.c); a folio that cannot go is
 * deactivated. The pages freed; *nr_failed (may be NULL) counts the folios that stayed.
 */
uint64_t mapping_try_invalidate(struct address_space *mapping, uint64_t start, uint64_t end,
				uint64_t *nr_failed);
/*
 * MADV_COLD / MADV_PAGEOUT on [start, end) of vma (madvise_cold_or_pageout_pte_range): the
 * folios only this mapping uses are deactivated, or reclaimed now (reclaim_pages). 0 or -errno.
 */
int madvise_cold_or_pageout_range(struct vm_area_struct *vma, uint64_t start, uint64_t end,
				  bool pageout);
/*
 * Research mode (policy_reclaim.c): free folio now whatever its references say, through
 * shrink_folio_list: unmapped, written to swap when anonymous, written back when a dirty file
 * folio, dropped with a shadow entry. true when it was freed; otherwise it is back on the LRU.
 */
bool reclaim_one_folio(struct mm_sys *ms, struct page *folio);
/* Write back every dirty page of the machine, as the flushers woken by reclaim would. */
void wakeup_flusher_threads(struct mm_sys *ms);
/*
 * References a folio has when only its mappings and its cache hold it (folio_expected_ref_count):
 * one per mapping, folio_nr_pages for the page cache or the swap cache. Reclaim skips a folio
 * that has more (someone is using it).
 */
static inline int folio_expected_refs(const struct page *folio)
{
	int refs = (int)folio_mapcount(folio);

	/* a folio swap readahead brought in is in the swap cache before it is anonymous */
	if (page_test(folio, PG_swapcache) || (!folio_test_anon(folio) && folio->mapping))
		refs += (int)folio_nr_pages(folio);
	return refs;
}
#endif

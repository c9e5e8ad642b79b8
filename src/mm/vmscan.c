/*
 * Page reclaim (Linux 6.18 mm/vmscan.c, the classic active/inactive LRU: the reference kernel
 * has no CONFIG_LRU_GEN). Under its Linux names: isolate_lru_folios, shrink_folio_list with
 * folio_check_references, pageout and __remove_mapping, move_folios_to_lru,
 * shrink_inactive_list, shrink_active_list, inactive_is_low, prepare_scan_control,
 * get_scan_count, shrink_lruvec, shrink_node, shrink_zones, do_try_to_free_pages,
 * try_to_free_pages, balance_pgdat / kswapd_shrink_node / pgdat_balanced, wakeup_kswapd,
 * reclaim_pages; mm/rmap.c folio_referenced / folio_referenced_one; mm/truncate.c
 * mapping_try_invalidate; fs/drop_caches.c; fs/fs-writeback.c wakeup_flusher_threads.
 *
 * One reclaim pass, as on Linux:
 *
 *   get_scan_count: how many pages of each list to scan, total >> priority, split between
 *                   anon and file by swappiness and the lists' reclaim cost
 *   shrink_lruvec:  SWAP_CLUSTER_MAX (32) pages at a time from each list:
 *     active list   shrink_active_list: folio_referenced clears the accessed bits of every
 *                   mapping; all go to the inactive list (PG_workingset set) except
 *                   referenced executable file folios (pgrefill, pgdeactivate)
 *     inactive list shrink_inactive_list -> shrink_folio_list, from the tail:
 *                     referenced twice (a PTE and PG_referenced, or two mappings) or an
 *                     executable file page referenced once -> active (pgactivate)
 *                     referenced once -> PG_referenced, kept on the inactive list
 *                     dirty file folio -> activated with PG_reclaim (reclaim does not write
 *                       file folios since 6.16); when every folio taken was dirty and not under
 *                       writeback, the flushers are woken: written back, rotated to the tail
 *                     anonymous -> a swap slot, unmapped, written (swap: pswpout)
 *                     clean -> unmapped, dropped with a shadow entry (pgsteal_*)
 *
 * The model runs reclaim only where it is safe (vmscan.h): kswapd at the end of a user-page
 * allocation that found a zone below its low watermark (or at mm_reclaim_safe_point), direct
 * reclaim inside a user-page allocation below min. Folios are never locked by anybody else
 * (folio_trylock always succeeds), too_many_isolated never holds (one reclaimer at a time).
 * Writes stay in flight until the block device completes them (block/blkdev.h):
 * shrink_folio_list meets folios under writeback as Linux's does, and reclaim_throttle
 * sleeps until the device is idle.
 *
 * Left out: memory cgroups (one lruvec per node), slab shrinkers (nr_slab_reclaimable is not
 * shrunk), compaction and the reclaim/compaction loop (should_continue_reclaim), watermark
 * boosting (always 0 here), NUMA demotion, buffer heads, the pgscan_skip_* and
 * unevictable_pgs_* events that vmstat.h does not list, kswapd_{low,high}_wmark_hit_quickly
 * (they depend on kswapd's 100 ms nap).
 */
#include <errno.h>
#include <string.h>

#include "block/blkdev.h"
#include "fs/fs.h"
#include "mm/folio.h"
#include "mm/memory.h"
#include "mm/oom.h"
#include "mm/pagemap.h"
#include "mm/policy_reclaim.h"
#include "mm/rmap.h"
#include "mm/vmscan.h"
#include "mm/workingset.h"
#include "util/error.h"


#define DEACTIVATE_ANON	1
#define DEACTIVATE_FILE	2
#define SWAP_CLUSTER_MAX_SKIPPED (SWAP_CLUSTER_MAX << 10)

/* lruvec->flags bits (Linux keeps PGDAT_DIRTY / PGDAT_WRITEBACK in pgdat->flags) */
#define LRUVEC_NODE_CONGESTED	0x1ul
#define PGDAT_DIRTY		0x2ul
#define PGDAT_WRITEBACK		0x4ul
/* kswapd was woken (Linux: the wake_up_interruptible of pgdat->kswapd_wait); it runs at the
   next kswapd_run_pending */
#define LRUVEC_MMSIM_KSWAPD_WOKEN	0x8ul

enum scan_balance { SCAN_EQUAL, SCAN_FRACT, SCAN_ANON, SCAN_FILE };
enum folio_references {
	FOLIOREF_RECLAIM, FOLIOREF_RECLAIM_CLEAN, FOLIOREF_KEEP, FOLIOREF_ACTIVATE
};
typedef enum { PAGE_KEEP, PAGE_ACTIVATE, PAGE_SUCCESS, PAGE_CLEAN } pageout_t;

struct scan_control {
	uint64_t nr_to_reclaim;
	uint64_t anon_cost, file_cost;
	unsigned int may_deactivate;	/* DEACTIVATE_ANON | DEACTIVATE_FILE */
	bool force_deactivate, skipped_deactivate;
	bool may_writepage, may_unmap, may_swap;
	bool no_cache_trim_mode, cache_trim_mode_failed, cache_trim_mode, file_is_tiny;
	bool memcg_full_walk;
	bool write_file;		/* research mode: write a dirty file folio back here and
					   free it (reclaim_one_folio) */
	bool wait_writeback;		/* !writeback_throttling_sane: wait for a marked folio's
					   writeback (a research policy's frame limit) */
	int order, priority;
	unsigned int reclaim_idx;	/* highest zone index to take folios from */
	gfp_t gfp_mask;
	uint64_t nr_scanned, nr_reclaimed;
	struct {
		uint64_t dirty, unqueued_dirty, congested, writeback, immediate, file_taken, taken;
	} nr;
};

struct reclaim_stat {
	uint64_t nr_dirty, nr_unqueued_dirty, nr_congested, nr_writeback, nr_immediate;
	uint64_t nr_pageout, nr_activate[2], nr_ref_keep, nr_unmap_fail, nr_lazyfree_fail;
};

static inline uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static inline uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

static uint64_t int_sqrt(uint64_t x)
{
	uint64_t r = 0;

	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

/*
 * reclaim_throttle: the reclaimer sleeps until writeback completes (VMSCAN_THROTTLE_WRITEBACK,
 * _CONGESTED, _NOPROGRESS). With no clock, the sleep lasts until the device has completed
 * every request in flight (block/blkdev.h).
 */
static void reclaim_throttle(struct mm_sys *ms)
{
	blk_throttle(ms);
}

/* The node's lruvec flags word (PGDAT_DIRTY ...). */
static unsigned long *pgdat_flags(struct mm_sys *ms, unsigned int nid)
{
	return &node_lruvec(ms, nid)->flags;
}

/* ---- the reclaim context (current->flags) ---------------------------------------------- */

bool current_in_reclaim(const struct mm_sys *ms)
{
	return ms->oom && (ms->oom->pf_flags & PF_MEMALLOC);
}

bool current_is_kswapd(const struct mm_sys *ms)
{
	return ms->oom && (ms->oom->pf_flags & PF_KSWAPD);
}

/* memalloc_noreclaim_save: from here allocations skip watermarks and never reclaim. */
static unsigned int reclaim_enter(struct mm_sys *ms, unsigned int flags)
{
	struct oom_state *st = oom_state(ms);
	unsigned int old;

	if (!st)
		return 0;
	old = st->pf_flags;
	st->pf_flags |= flags;
	return old;
}

static void reclaim_leave(struct mm_sys *ms, unsigned int old)
{
	if (ms->oom)
		ms->oom->pf_flags = old;
}

bool can_reclaim_anon_pages(struct mm_sys *ms)
{
	return nr_swap_pages(ms) > 0;
}

/* vm_swap_full: more than half of swap in use. */
static bool vm_swap_is_full(struct mm_sys *ms)
{
	return nr_swap_pages(ms) * 2 < total_swap_pages(ms);
}

/* can_age_anon_pages: aging the anon lists pays only with swap. */
static bool can_age_anon_pages(struct mm_sys *ms)
{
	return total_swap_pages(ms) > 0;
}

uint64_t zone_reclaimable_pages(struct mm_sys *ms, struct zone *zone)
{
	uint64_t nr = (uint64_t)(zone->vm_stat[NR_ZONE_INACTIVE_FILE] +
				 zone->vm_stat[NR_ZONE_ACTIVE_FILE]);

	if (can_reclaim_anon_pages(ms))
		nr += (uint64_t)(zone->vm_stat[NR_ZONE_INACTIVE_ANON] +
				 zone->vm_stat[NR_ZONE_ACTIVE_ANON]);
	/* a zone with nothing to reclaim still counts its free pages (6.18) */
	if (!nr)
		nr = (uint64_t)zone->vm_stat[NR_FREE_PAGES];
	(void)ms;
	return nr;
}

/* ---- folio_referenced (mm/rmap.c) ------------------------------------------------------- */

struct referenced_arg {
	int64_t mapcount;		/* mappings still to look at */
	int referenced;			/* VMAs that had an accessed mapping */
	vm_flags_t vm_flags;
	struct vm_area_struct *vma;	/* the VMA whose mappings are being looked at */
	bool young;			/* one of them was accessed */
	uint64_t locked_ptes;		/* PTEs of a VM_LOCKED VMA seen */
};

/* The VMA's verdict (the end of folio_referenced_one): one reference per VMA. */
static void referenced_vma_done(struct referenced_arg *ra)
{
	if (ra->vma && ra->young) {
		ra->referenced++;
		ra->vm_flags |= ra->vma->vm_flags & ~VM_LOCKED;
	}
	ra->young = false;
	ra->locked_ptes = 0;
}

static bool mm_is_arm64(const struct mm_struct *mm)
{
	return mm->pgd.fmt->arch == ARCH_ARM64;
}

/*
 * ptep_clear_flush_young / pmdp_clear_flush_young: clear the accessed bit of the leaf d at
 * entry_pa (level). x86 leaves a PTE's TLB entry alone (arch/x86/mm/pgtable.c: "clearing the
 * accessed bit without a TLB flush doesn't cause data corruption"), so a page used only
 * through a cached translation looks idle; it flushes for a PMD, and arm64 flushes both.
 */
static bool clear_flush_young(struct mm_struct *mm, uint64_t addr, int level, struct pte_desc *d,
			      uint64_t entry_pa)
{
	const struct pt_format *f = mm->pgd.fmt;
	uint64_t size = 1ull << f->level[level].shift, raw;

	if (!(d->prot & PTE_ACCESSED))
		return false;
	d->prot &= ~PTE_ACCESSED;
	if (f->ops->encode(f, (unsigned int)level, d, &raw))
		return false;
	pgtable_write_entry(&mm->pgd, entry_pa, raw);
	if (mm_is_arm64(mm) || level != f->nr_levels - 1)
		flush_tlb_mm_range(mm, addr & ~(size - 1), (addr & ~(size - 1)) + size);
	return true;
}

/* folio_referenced_one, one leaf at a time: rmap_walk visits a VMA's leaves in a row. */
static int referenced_one(struct page *folio, struct vm_area_struct *vma, uint64_t addr,
			  struct page *page, void *arg)
{
	struct referenced_arg *ra = arg;
	struct mm_struct *mm = vma->vm_mm;
	struct pte_desc d;
	uint64_t entry_pa;
	int level;

	(void)page;
	if (vma != ra->vma) {
		referenced_vma_done(ra);
		ra->vma = vma;
	}
	if (pgtable_lookup(&mm->pgd, addr, &d, &level, &entry_pa) || d.kind != PTE_KIND_LEAF)
		return 0;
	if (vma->vm_flags & VM_LOCKED) {
		ra->locked_ptes++;
		ra->mapcount--;
		/* only mlock a folio this VMA maps whole (a PMD, or all its PTEs) */
		if (level == mm->pgd.fmt->nr_levels - 1 && ra->locked_ptes != folio_nr_pages(folio))
			return 0;
		/* restore the mlock that got missed */
		mlock_vma_folio(mm->ms, folio, vma);
		ra->vm_flags |= VM_LOCKED;
		ra->young = false;
		return 1;
	}
	if (clear_flush_young(mm, addr, level, &d, entry_pa))
		ra->young = true;
	ra->mapcount--;
	if (ra->mapcount <= 0) {
		referenced_vma_done(ra);
		ra->vma = NULL;
		return 1;
	}
	return 0;
}

int folio_referenced(struct mm_sys *ms, struct page *folio, vm_flags_t *vm_flags)
{
	struct referenced_arg ra = { .mapcount = folio_mapcount(folio) };

	*vm_flags = 0;
	if (!ra.mapcount || !folio->mapping)
		return 0;
	rmap_walk(ms, folio, referenced_one, &ra);
	referenced_vma_done(&ra);
	*vm_flags = ra.vm_flags;
	return ra.referenced;
}

/* ---- taking folios off the lists -------------------------------------------------------- */

/* Pages of lru that are in zones above reclaim_idx are skipped to the head of the list. */
static uint64_t isolate_lru_folios(struct mm_sys *ms, unsigned int nid, uint64_t nr_to_scan,
				   struct list_head *dst, uint64_t *nr_scanned,
				   struct scan_control *sc, enum lru_list lru)
{
	struct list_head *src = &node_lruvec(ms, nid)->lists[lru];
	struct list_head skipped;
	uint64_t nr_taken = 0, total_scan = 0, scan = 0, max_nr_skipped = 0;

	INIT_LIST_HEAD(&skipped);
	while (scan < nr_to_scan && !list_empty(src)) {
		struct page *folio = list_last_entry(src, struct page, lru);
		uint64_t nr_pages = folio_nr_pages(folio);
		struct list_head *move_to = src;

		total_scan += nr_pages;
		if (max_nr_skipped < SWAP_CLUSTER_MAX_SKIPPED &&
		    page_zonenum(folio) > sc->reclaim_idx) {
			move_to = &skipped;
			max_nr_skipped++;
			goto move;
		}
		/* skipped folios are not counted: they would make reclaim give up early */
		scan += nr_pages;
		if (!sc->may_unmap && folio_mapped(folio))
			goto move;
		folio_get(folio);
		page_clear(folio, PG_lru);
		nr_taken += nr_pages;
		move_to = dst;
move:
		list_del(&folio->lru);
		list_add(&folio->lru, move_to);
		if (move_to == dst)
			update_lru_size(ms, folio, lru, -(int64_t)nr_pages);
	}
	/* the skipped ones go to the head: rescanning them at once would waste the scan */
	while (!list_empty(&skipped)) {
		struct page *folio = list_last_entry(&skipped, struct page, lru);

		list_del(&folio->lru);
		list_add(&folio->lru, src);
	}
	*nr_scanned = total_scan;
	return nr_taken;
}

/* Put the folios of list back on their lists (move_folios_to_lru); pages moved. */
static uint64_t move_folios_to_lru(struct mm_sys *ms, struct list_head *list)
{
	uint64_t nr_moved = 0;

	while (!list_empty(list)) {
		struct page *folio = list_last_entry(list, struct page, lru);
		uint64_t nr_pages = folio_nr_pages(folio);

		list_del(&folio->lru);
		if (!folio_evictable(folio)) {
			folio_putback_lru(ms, folio);
			continue;
		}
		if (folio_ref_count(folio) == 1) {
			/* the isolation reference was the last: the folio goes */
			folio_put(ms, 0, folio);
			continue;
		}
		folio_put(ms, 0, folio);
		lruvec_add_folio(ms, folio);
		page_set(folio, PG_lru);
		nr_moved += nr_pages;
		if (page_test(folio, PG_active))
			workingset_age_nonresident(folio_lruvec(ms, folio), nr_pages);
	}
	return nr_moved;
}

/* list_splice: the entries of from go, in order, to the head of to. */
static void list_splice_head(struct list_head *from, struct list_head *to)
{
	while (!list_empty(from)) {
		struct list_head *e = from->prev;

		list_del(e);
		list_add(e, to);
	}
}

/* ---- shrink_folio_list ------------------------------------------------------------------ */

static enum folio_references folio_check_references(struct mm_sys *ms, struct page *folio)
{
	vm_flags_t vm_flags;
	int referenced_ptes = folio_referenced(ms, folio, &vm_flags);
	bool referenced_folio;

	/* it was found in a VM_LOCKED VMA: now mlocked, it goes to the unevictable count */
	if (vm_flags & VM_LOCKED)
		return FOLIOREF_ACTIVATE;
	referenced_folio = page_test(folio, PG_referenced);
	page_clear(folio, PG_referenced);
	if (referenced_ptes) {
		/*
		 * Every mapped folio starts with the reference of the fault that mapped it: look
		 * twice. Mark it and spare it one more trip around the inactive list.
		 */
		page_set(folio, PG_referenced);
		if (referenced_folio || referenced_ptes > 1)
			return FOLIOREF_ACTIVATE;
		/* an executable file page is activated after its first use */
		if ((vm_flags & VM_EXEC) && folio_is_file_lru(folio))
			return FOLIOREF_ACTIVATE;
		return FOLIOREF_KEEP;
	}
	/* reclaim if clean, leave dirty folios to writeback */
	if (referenced_folio && folio_is_file_lru(folio))
		return FOLIOREF_RECLAIM_CLEAN;
	return FOLIOREF_RECLAIM;
}

/* folio_check_dirty_writeback: only file-LRU folios are handled by the flushers. */
static void folio_check_dirty_writeback(struct page *folio, bool *dirty, bool *writeback)
{
	if (!folio_is_file_lru(folio) ||
	    (folio_test_anon(folio) && !page_test(folio, PG_swapbacked))) {
		*dirty = *writeback = false;
		return;
	}
	*dirty = page_test(folio, PG_dirty);
	*writeback = page_test(folio, PG_writeback);
}

/* may_enter_fs: writing a swap cache folio needs __GFP_IO only. */
static bool may_enter_fs(struct page *folio, gfp_t gfp)
{
	if (gfp & MMSIM_GFP_FS)
		return true;
	return page_test(folio, PG_swapcache) && (gfp & MMSIM_GFP_IO);
}

/*
 * pageout: write a dirty folio. Reclaim writes only swap-cache folios (swap_writeout) and
 * shmem folios (shmem_writeout, which needs swap: without it AOP_WRITEPAGE_ACTIVATE); file
 * folios are left to the flushers (PAGE_ACTIVATE).
 */
static pageout_t pageout(struct mm_sys *ms, struct page *folio, bool write_file)
{
	/* is_page_cache_freeable: only the cache and our isolation hold it */
	if (folio_ref_count(folio) != folio_expected_refs(folio) + 1)
		return PAGE_KEEP;
	if (write_file && !folio_test_anon(folio) && folio->mapping &&
	    !shmem_mapping(folio->mapping)) {
		/* research mode: the victim is written back now (as Linux before 6.16 could) */
		struct address_space *mapping = folio->mapping;
		uint64_t start = folio->index << ms->page_shift;

		if (filemap_write_and_wait_range(mapping, start, start +
						 (folio_nr_pages(folio) << ms->page_shift) - 1))
			return PAGE_KEEP;
		mod_node_page_state(folio_node_data(ms, folio), NR_VMSCAN_WRITE,
				    (int64_t)folio_nr_pages(folio));
		return PAGE_SUCCESS;
	}
	if (!folio_test_anon(folio) || !page_test(folio, PG_swapcache))
		return PAGE_ACTIVATE;
	if (!folio_clear_dirty_for_io(folio))
		return PAGE_CLEAN;
	page_set(folio, PG_reclaim);
	if (swap_writepage(ms, folio) < 0)
		folio_mark_dirty(folio);	/* the write failed: it stays, dirty */
	/* still under writeback: its completion rotates it to the inactive tail */
	if (!page_test(folio, PG_writeback))
		page_clear(folio, PG_reclaim);
	mod_node_page_state(folio_node_data(ms, folio), NR_VMSCAN_WRITE,
			    (int64_t)folio_nr_pages(folio));
	return PAGE_SUCCESS;
}

/*
 * __remove_mapping: take a clean folio that only the cache and our isolation hold out of its
 * page cache or swap cache, leaving a shadow entry when reclaimed. 1 when it went.
 */
static int __remove_mapping(struct mm_sys *ms, struct page *folio, bool reclaimed)
{
	uint64_t nr = folio_nr_pages(folio);

	if (folio_ref_count(folio) != (int)nr + 1 || page_test(folio, PG_dirty))
		return 0;
	if (page_test(folio, PG_swapcache)) {
		void *shadow = reclaimed ? workingset_eviction(ms, folio) : NULL;

		delete_from_swap_cache(ms, folio, shadow);
		return 1;
	}
	if (!folio->mapping || folio_test_anon(folio))
		return 0;
	struct address_space *mapping = folio->mapping;
	uint64_t index = folio->index;
	void *shadow = NULL;

	/* a shmem folio leaves only through swap (shmem_writeout): it has no other copy */
	if (shmem_mapping(mapping))
		return 0;
	if (reclaimed && folio_is_file_lru(folio))
		shadow = workingset_eviction(ms, folio);
	filemap_remove_folio(folio, 0);
	if (shadow)
		workingset_store_shadow(mapping, index, nr, shadow);
	return 1;
}

static uint64_t shrink_folio_list(struct mm_sys *ms, struct list_head *folio_list,
				  unsigned int nid, struct scan_control *sc,
				  struct reclaim_stat *stat, bool ignore_references)
{
	struct list_head ret_folios;
	uint64_t nr_reclaimed = 0;

	INIT_LIST_HEAD(&ret_folios);
	memset(stat, 0, sizeof(*stat));
	while (!list_empty(folio_list)) {
		struct page *folio = list_last_entry(folio_list, struct page, lru);
		enum folio_references references = FOLIOREF_RECLAIM;
		uint64_t nr_pages = folio_nr_pages(folio);
		bool dirty, writeback;

		list_del(&folio->lru);
		sc->nr_scanned += nr_pages;
		if (!folio_evictable(folio))
			goto activate_locked;
		if (!sc->may_unmap && folio_mapped(folio))
			goto keep_locked;
		folio_check_dirty_writeback(folio, &dirty, &writeback);
		if (dirty || writeback)
			stat->nr_dirty += nr_pages;
		if (dirty && !writeback)
			stat->nr_unqueued_dirty += nr_pages;
		/* under writeback and marked: the device is slower than reclaim */
		if (writeback && page_test(folio, PG_reclaim))
			stat->nr_congested += nr_pages;
		/*
		 * A folio under writeback cannot go yet. 1) kswapd meets one it marked while the
		 * node's tail is all writeback: count it for throttling; 2) global reclaim marks
		 * it for immediate reclaim (folio_end_writeback rotates it to the tail) and goes
		 * on; 3) the reclaim of a research policy's frame limit (legacy memcg's, which has
		 * no dirty throttling) waits for the write and tries the folio again.
		 */
		if (page_test(folio, PG_writeback)) {
			if (current_is_kswapd(ms) && page_test(folio, PG_reclaim) &&
			    (*pgdat_flags(ms, nid) & PGDAT_WRITEBACK)) {
				stat->nr_immediate += nr_pages;
				goto activate_locked;
			} else if (!sc->wait_writeback || !page_test(folio, PG_reclaim) ||
				   !may_enter_fs(folio, sc->gfp_mask)) {
				page_set(folio, PG_reclaim);
				stat->nr_writeback += nr_pages;
				goto activate_locked;
			} else {
				folio_wait_writeback(ms, folio);
				list_add_tail(&folio->lru, folio_list);
				continue;
			}
		}
		if (!ignore_references)
			references = folio_check_references(ms, folio);
		switch (references) {
		case FOLIOREF_ACTIVATE:
			goto activate_locked;
		case FOLIOREF_KEEP:
			stat->nr_ref_keep += nr_pages;
			goto keep_locked;
		case FOLIOREF_RECLAIM:
		case FOLIOREF_RECLAIM_CLEAN:
			break;
		}
		/*
		 * The model's guard (vmscan.h): a folio somebody holds beyond its mappings and its
		 * cache (a fault in progress, a pin) is left before anything is unmapped.
		 */
		if (folio_ref_count(folio) > folio_expected_refs(folio) + 1)
			goto keep_locked;
		if (folio_test_anon(folio) && page_test(folio, PG_swapbacked) &&
		    !page_test(folio, PG_swapcache)) {
			if (!(sc->gfp_mask & MMSIM_GFP_IO))
				goto keep_locked;
			if (!can_reclaim_anon_pages(ms) || add_to_swap(ms, folio))
				goto activate_locked;	/* no slot (large folios are not split) */
			folio_mark_dirty(folio);
		}
		if (folio_mapped(folio)) {
			bool was_swapbacked = page_test(folio, PG_swapbacked);

			try_to_unmap(ms, folio);
			if (folio_mapped(folio)) {
				stat->nr_unmap_fail += nr_pages;
				if (!was_swapbacked && page_test(folio, PG_swapbacked))
					stat->nr_lazyfree_fail += nr_pages;
				goto activate_locked;
			}
		}
		if (page_test(folio, PG_dirty)) {
			/*
			 * File folios are written by the flushers, not here: only kswapd, meeting
			 * again a folio it marked while the node is full of dirty folios, would try
			 * (and pageout leaves it to the flushers too).
			 */
			if (folio_is_file_lru(folio) && !sc->write_file &&
			    (!current_is_kswapd(ms) || !page_test(folio, PG_reclaim) ||
			     !(*pgdat_flags(ms, nid) & PGDAT_DIRTY))) {
				mod_node_page_state(folio_node_data(ms, folio), NR_VMSCAN_IMMEDIATE,
						    (int64_t)nr_pages);
				page_set(folio, PG_reclaim);
				goto activate_locked;
			}
			if (references == FOLIOREF_RECLAIM_CLEAN)
				goto keep_locked;
			if (!may_enter_fs(folio, sc->gfp_mask))
				goto keep_locked;
			if (!sc->may_writepage)
				goto keep_locked;
			switch (pageout(ms, folio, sc->write_file)) {
			case PAGE_KEEP:
				goto keep_locked;
			case PAGE_ACTIVATE:
				goto activate_locked;
			case PAGE_SUCCESS:
				stat->nr_pageout += nr_pages;
				if (page_test(folio, PG_writeback) || page_test(folio, PG_dirty))
					goto keep;
				break;
			case PAGE_CLEAN:
				break;
			}
		}
		if (folio_test_anon(folio) && !page_test(folio, PG_swapbacked)) {
			/* a clean MADV_FREE folio: nobody but us holds it any more */
			if (folio_ref_count(folio) != 1)
				goto keep_locked;
			count_vm_events(ms, PGLAZYFREED, nr_pages);
		} else if (!__remove_mapping(ms, folio, true)) {
			goto keep_locked;
		}
		/* free_it: the isolation reference was the last */
		nr_reclaimed += nr_pages;
		folio_put(ms, 0, folio);
		continue;
activate_locked:
		/* not a candidate for swapping, so give the swap space back */
		if (page_test(folio, PG_swapcache) &&
		    (page_test(folio, PG_mlocked) || vm_swap_is_full(ms)))
			folio_free_swap(ms, folio);
		if (!page_test(folio, PG_mlocked)) {
			page_set(folio, PG_active);
			stat->nr_activate[folio_is_file_lru(folio)] += nr_pages;
		}
keep_locked:
keep:
		list_add(&folio->lru, &ret_folios);
	}
	count_vm_events(ms, PGACTIVATE, stat->nr_activate[0] + stat->nr_activate[1]);
	list_splice_head(&ret_folios, folio_list);
	return nr_reclaimed;
}

/* ---- the inactive and active lists ------------------------------------------------------- */

static uint64_t shrink_inactive_list(struct mm_sys *ms, unsigned int nid, uint64_t nr_to_scan,
				     struct scan_control *sc, enum lru_list lru)
{
	struct list_head folio_list;
	struct reclaim_stat stat;
	bool file = is_file_lru(lru);
	pg_data_t *pgdat = ms->node_data[nid];
	enum node_stat_item isolated = file ? NR_ISOLATED_FILE : NR_ISOLATED_ANON;
	uint64_t nr_scanned, nr_taken, nr_reclaimed;

	INIT_LIST_HEAD(&folio_list);
	nr_taken = isolate_lru_folios(ms, nid, nr_to_scan, &folio_list, &nr_scanned, sc, lru);
	mod_node_page_state(pgdat, isolated, (int64_t)nr_taken);
	count_vm_events(ms, current_is_kswapd(ms) ? PGSCAN_KSWAPD : PGSCAN_DIRECT, nr_scanned);
	count_vm_events(ms, file ? PGSCAN_FILE : PGSCAN_ANON, nr_scanned);
	if (!nr_taken)
		return 0;
	nr_reclaimed = shrink_folio_list(ms, &folio_list, nid, sc, &stat, false);
	move_folios_to_lru(ms, &folio_list);
	mod_node_page_state(pgdat, isolated, -(int64_t)nr_taken);
	count_vm_events(ms, current_is_kswapd(ms) ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT, nr_reclaimed);
	count_vm_events(ms, file ? PGSTEAL_FILE : PGSTEAL_ANON, nr_reclaimed);
	lru_note_cost(ms, nid, file, stat.nr_pageout, nr_scanned - nr_reclaimed);
	/* every folio taken was dirty and not queued for writeback: the flushers fall behind */
	if (stat.nr_unqueued_dirty == nr_taken)
		wakeup_flusher_threads(ms);
	sc->nr.dirty += stat.nr_dirty;
	sc->nr.congested += stat.nr_congested;
	sc->nr.unqueued_dirty += stat.nr_unqueued_dirty;
	sc->nr.writeback += stat.nr_writeback;
	sc->nr.immediate += stat.nr_immediate;
	sc->nr.taken += nr_taken;
	if (file)
		sc->nr.file_taken += nr_taken;
	return nr_reclaimed;
}

static void shrink_active_list(struct mm_sys *ms, unsigned int nid, uint64_t nr_to_scan,
			       struct scan_control *sc, enum lru_list lru)
{
	struct list_head l_hold, l_active, l_inactive;
	bool file = is_file_lru(lru);
	pg_data_t *pgdat = ms->node_data[nid];
	enum node_stat_item isolated = file ? NR_ISOLATED_FILE : NR_ISOLATED_ANON;
	uint64_t nr_taken, nr_scanned, nr_rotated = 0, nr_deactivate;

	INIT_LIST_HEAD(&l_hold);
	INIT_LIST_HEAD(&l_active);
	INIT_LIST_HEAD(&l_inactive);
	nr_taken = isolate_lru_folios(ms, nid, nr_to_scan, &l_hold, &nr_scanned, sc, lru);
	mod_node_page_state(pgdat, isolated, (int64_t)nr_taken);
	count_vm_events(ms, PGREFILL, nr_scanned);
	while (!list_empty(&l_hold)) {
		struct page *folio = list_last_entry(&l_hold, struct page, lru);
		vm_flags_t vm_flags;

		list_del(&folio->lru);
		if (!folio_evictable(folio)) {
			folio_putback_lru(ms, folio);
			continue;
		}
		if (folio_referenced(ms, folio, &vm_flags) != 0) {
			/*
			 * Executable file pages that are used stay active: code is a small part of
			 * memory and its misses hurt (anonymous ones do not: the JVM makes
			 * executable anonymous memory in bulk).
			 */
			if ((vm_flags & VM_EXEC) && folio_is_file_lru(folio)) {
				nr_rotated += folio_nr_pages(folio);
				list_add(&folio->lru, &l_active);
				continue;
			}
		}
		page_clear(folio, PG_active);
		page_set(folio, PG_workingset);
		list_add(&folio->lru, &l_inactive);
	}
	move_folios_to_lru(ms, &l_active);
	nr_deactivate = move_folios_to_lru(ms, &l_inactive);
	count_vm_events(ms, PGDEACTIVATE, nr_deactivate);
	mod_node_page_state(pgdat, isolated, -(int64_t)nr_taken);
	if (nr_rotated)
		lru_note_cost(ms, nid, file, 0, nr_rotated);
}

static uint64_t shrink_list(struct mm_sys *ms, unsigned int nid, enum lru_list lru,
			    uint64_t nr_to_scan, struct scan_control *sc)
{
	if (is_active_lru(lru)) {
		if (sc->may_deactivate & (1u << is_file_lru(lru)))
			shrink_active_list(ms, nid, nr_to_scan, sc, lru);
		else
			sc->skipped_deactivate = true;
		return 0;
	}
	return shrink_inactive_list(ms, nid, nr_to_scan, sc, lru);
}

/*
 * inactive_is_low: the inactive list should hold 1/(1 + ratio) of the pair, the ratio being
 * sqrt(10 * GB of the pair) (1 below 1 GB): small enough to leave most memory to the
 * protected active list, large enough that a folio has a chance to be used again before it
 * is reclaimed.
 */
static bool inactive_is_low(struct mm_sys *ms, unsigned int nid, enum lru_list inactive_lru)
{
	uint64_t inactive = lruvec_page_state(ms, nid, NR_INACTIVE_ANON + inactive_lru);
	uint64_t active = lruvec_page_state(ms, nid, NR_INACTIVE_ANON + inactive_lru + LRU_ACTIVE);
	uint64_t gb = (inactive + active) >> (30 - ms->page_shift);
	uint64_t ratio = gb ? int_sqrt(10 * gb) : 1;

	return inactive * ratio < active;
}

static void prepare_scan_control(struct mm_sys *ms, unsigned int nid, struct scan_control *sc)
{
	struct lruvec *lruvec = node_lruvec(ms, nid);
	pg_data_t *pgdat = ms->node_data[nid];
	uint64_t file, refaults;

	sc->anon_cost = lruvec->anon_cost;
	sc->file_cost = lruvec->file_cost;
	/* refaults mean a new workingset is forming: deactivate the stale active folios */
	if (!sc->force_deactivate) {
		refaults = lruvec_page_state(ms, nid, WORKINGSET_ACTIVATE_ANON);
		if (refaults != lruvec->refaults[0] || inactive_is_low(ms, nid, LRU_INACTIVE_ANON))
			sc->may_deactivate |= DEACTIVATE_ANON;
		else
			sc->may_deactivate &= ~(unsigned int)DEACTIVATE_ANON;
		refaults = lruvec_page_state(ms, nid, WORKINGSET_ACTIVATE_FILE);
		if (refaults != lruvec->refaults[1] || inactive_is_low(ms, nid, LRU_INACTIVE_FILE))
			sc->may_deactivate |= DEACTIVATE_FILE;
		else
			sc->may_deactivate &= ~(unsigned int)DEACTIVATE_FILE;
	} else {
		sc->may_deactivate = DEACTIVATE_ANON | DEACTIVATE_FILE;
	}
	/* plenty of inactive cache that is not thrashing: reclaim it before anything anonymous */
	file = lruvec_page_state(ms, nid, NR_INACTIVE_FILE);
	sc->cache_trim_mode = (file >> sc->priority) && !(sc->may_deactivate & DEACTIVATE_FILE) &&
			      !sc->no_cache_trim_mode;
	/*
	 * The cache trap: cache faults start inactive and tip the balance to the file list,
	 * which shrinks, and so on. When file pages and free memory together are below the high
	 * watermarks, scan anon.
	 */
	{
		uint64_t total_high_wmark = 0, free = 0, anon;

		for (unsigned int z = 0; z < pgdat->nr_zones; z++) {
			struct zone *zone = &pgdat->node_zones[z];

			if (!zone->managed_pages)
				continue;
			total_high_wmark += wmark_pages(zone, WMARK_HIGH);
			if (zone->vm_stat[NR_FREE_PAGES] > 0)
				free += (uint64_t)zone->vm_stat[NR_FREE_PAGES];
		}
		file = lruvec_page_state(ms, nid, NR_ACTIVE_FILE) +
		       lruvec_page_state(ms, nid, NR_INACTIVE_FILE);
		anon = lruvec_page_state(ms, nid, NR_INACTIVE_ANON);
		sc->file_is_tiny = file + free <= total_high_wmark &&
				   !(sc->may_deactivate & DEACTIVATE_ANON) &&
				   (anon >> sc->priority);
	}
}

/*
 * get_scan_count: nr[lru] pages to scan from each list: the list's size in the eligible zones
 * >> priority, split by swappiness and cost (anon and file pressure inversely proportional to
 * their recent reclaim cost; swappiness 100 makes them equal).
 */
static void get_scan_count(struct mm_sys *ms, unsigned int nid, struct scan_control *sc,
			   uint64_t *nr)
{
	int swappiness = ms->sysctl.swappiness;
	uint64_t fraction[2] = { 0, 0 }, denominator = 1;
	enum scan_balance scan_balance;

	if (!sc->may_swap || !can_reclaim_anon_pages(ms))
		scan_balance = SCAN_FILE;	/* no swap: anonymous folios cannot go */
	else if (!sc->priority && swappiness)
		scan_balance = SCAN_EQUAL;	/* close to OOM: no cleverness */
	else if (sc->file_is_tiny)
		scan_balance = SCAN_ANON;
	else if (sc->cache_trim_mode)
		scan_balance = SCAN_FILE;
	else {
		/* calculate_pressure_balance */
		uint64_t total_cost = sc->anon_cost + sc->file_cost;
		uint64_t anon_cost = total_cost + sc->anon_cost;
		uint64_t file_cost = total_cost + sc->file_cost, ap, fp;

		total_cost = anon_cost + file_cost;
		ap = (uint64_t)swappiness * (total_cost + 1) / (anon_cost + 1);
		fp = (uint64_t)(MAX_SWAPPINESS - swappiness) * (total_cost + 1) / (file_cost + 1);
		fraction[0] = ap;
		fraction[1] = fp;
		denominator = ap + fp;
		scan_balance = SCAN_FRACT;
	}
	for (int lru = 0; lru < LRU_UNEVICTABLE; lru++) {
		bool file = is_file_lru(lru);
		uint64_t scan = lruvec_lru_size(ms, nid, lru, sc->reclaim_idx) >> sc->priority;

		switch (scan_balance) {
		case SCAN_EQUAL:
			break;
		case SCAN_FRACT:
			scan = denominator ? scan * fraction[file] / denominator : 0;
			break;
		case SCAN_FILE:
		case SCAN_ANON:
			if ((scan_balance == SCAN_FILE) != file)
				scan = 0;
			break;
		}
		nr[lru] = scan;
	}
}

static void shrink_lruvec(struct mm_sys *ms, unsigned int nid, struct scan_control *sc)
{
	uint64_t nr[NR_LRU_LISTS] = { 0 }, targets[NR_LRU_LISTS];
	uint64_t nr_reclaimed = 0, nr_to_reclaim = sc->nr_to_reclaim;
	bool proportional_reclaim;

	get_scan_count(ms, nid, sc, nr);
	memcpy(targets, nr, sizeof(nr));
	/* direct reclaim at the first priority scans its whole batch (fairness between lists) */
	proportional_reclaim = !current_is_kswapd(ms) && sc->priority == DEF_PRIORITY;
	while (nr[LRU_INACTIVE_ANON] || nr[LRU_ACTIVE_FILE] || nr[LRU_INACTIVE_FILE]) {
		uint64_t nr_anon, nr_file, percentage, nr_scanned;
		int lru;

		for (lru = 0; lru < LRU_UNEVICTABLE; lru++) {
			if (nr[lru]) {
				uint64_t nr_to_scan = min_u64(nr[lru], SWAP_CLUSTER_MAX);

				nr[lru] -= nr_to_scan;
				nr_reclaimed += shrink_list(ms, nid, lru, nr_to_scan, sc);
			}
		}
		if (nr_reclaimed < nr_to_reclaim || proportional_reclaim)
			continue;
		/*
		 * Enough reclaimed: stop the list type that is ahead and scan the other only in
		 * the proportion the targets wanted.
		 */
		nr_file = nr[LRU_INACTIVE_FILE] + nr[LRU_ACTIVE_FILE];
		nr_anon = nr[LRU_INACTIVE_ANON] + nr[LRU_ACTIVE_ANON];
		if (!nr_file || !nr_anon)
			break;
		if (nr_file > nr_anon) {
			lru = LRU_INACTIVE_ANON;
			percentage = nr_anon * 100 /
				     (targets[LRU_INACTIVE_ANON] + targets[LRU_ACTIVE_ANON] + 1);
		} else {
			lru = LRU_INACTIVE_FILE;
			percentage = nr_file * 100 /
				     (targets[LRU_INACTIVE_FILE] + targets[LRU_ACTIVE_FILE] + 1);
		}
		nr[lru] = 0;
		nr[lru + LRU_ACTIVE] = 0;
		lru = lru == LRU_INACTIVE_FILE ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE;
		nr_scanned = targets[lru] - nr[lru];
		nr[lru] = targets[lru] * (100 - percentage) / 100;
		nr[lru] -= min_u64(nr[lru], nr_scanned);
		lru += LRU_ACTIVE;
		nr_scanned = targets[lru] - nr[lru];
		nr[lru] = targets[lru] * (100 - percentage) / 100;
		nr[lru] -= min_u64(nr[lru], nr_scanned);
	}
	sc->nr_reclaimed += nr_reclaimed;
	/* keep the anon lists balanced even when only file pages were reclaimed */
	if (can_age_anon_pages(ms) && inactive_is_low(ms, nid, LRU_INACTIVE_ANON))
		shrink_active_list(ms, nid, SWAP_CLUSTER_MAX, sc, LRU_ACTIVE_ANON);
}

static void shrink_node(struct mm_sys *ms, unsigned int nid, struct scan_control *sc)
{
	pg_data_t *pgdat = ms->node_data[nid];
	uint64_t nr_reclaimed = sc->nr_reclaimed, nr_node_reclaimed;

	memset(&sc->nr, 0, sizeof(sc->nr));
	if (ms->rpolicy) {
		/* research mode: the policy's victims instead of the LRU scan */
		uint64_t want = sc->nr_to_reclaim > sc->nr_reclaimed ?
				sc->nr_to_reclaim - sc->nr_reclaimed : 0, scanned;
		uint64_t got = rpolicy_shrink(ms, want ? want : SWAP_CLUSTER_MAX, &scanned);

		sc->nr_reclaimed += got;
		sc->nr_scanned += scanned;
		if (got)
			pgdat->kswapd_failures = 0;
		return;
	}
	prepare_scan_control(ms, nid, sc);
	shrink_lruvec(ms, nid, sc);	/* shrink_node_memcgs: the node's one lruvec; no slab */
	nr_node_reclaimed = sc->nr_reclaimed - nr_reclaimed;
	if (current_is_kswapd(ms)) {
		if (sc->nr.writeback && sc->nr.writeback == sc->nr.taken)
			*pgdat_flags(ms, nid) |= PGDAT_WRITEBACK;
		/* every file folio taken was dirty: kswapd may push them from now */
		if (sc->nr.unqueued_dirty && sc->nr.unqueued_dirty == sc->nr.file_taken)
			*pgdat_flags(ms, nid) |= PGDAT_DIRTY;
		if (sc->nr.dirty && sc->nr.dirty == sc->nr.congested)
			*pgdat_flags(ms, nid) |= LRUVEC_NODE_CONGESTED;
		/* folios marked for immediate reclaim are still being written: wait for I/O */
		if (sc->nr.immediate)
			reclaim_throttle(ms);
	}
	/* direct reclaim on a node whose writeback is congested waits for the device too */
	if (!current_is_kswapd(ms) && (*pgdat_flags(ms, nid) & LRUVEC_NODE_CONGESTED))
		reclaim_throttle(ms);
	if (nr_node_reclaimed)
		pgdat->kswapd_failures = 0;
	else if (sc->cache_trim_mode)
		sc->cache_trim_mode_failed = true;
}

/* ---- direct reclaim ----------------------------------------------------------------------- */

static void snapshot_refaults(struct mm_sys *ms, unsigned int nid)
{
	struct lruvec *lruvec = node_lruvec(ms, nid);

	lruvec->refaults[0] = lruvec_page_state(ms, nid, WORKINGSET_ACTIVATE_ANON);
	lruvec->refaults[1] = lruvec_page_state(ms, nid, WORKINGSET_ACTIVATE_FILE);
}

/*
 * consider_reclaim_throttle: direct reclaim that scanned at priority 1 without freeing a page
 * (everything it met was under writeback, say) sleeps before its last pass.
 */
static void consider_reclaim_throttle(struct mm_sys *ms, struct scan_control *sc)
{
	if (sc->nr_reclaimed > (sc->nr_scanned >> 3))
		return;		/* making progress: wakes the throttled instead */
	if (current_is_kswapd(ms) || sc->wait_writeback)
		return;
	if (sc->priority == 1 && !sc->nr_reclaimed)
		reclaim_throttle(ms);
}

/* shrink_zones: each node of the zonelist once, over the zones the allocation may use. */
static void shrink_zones(struct mm_sys *ms, int nid, struct scan_control *sc)
{
	const struct zoneref *z;
	int last = -1;

	for (z = ms->node_data[nid]->zonelist; z->zone; z++) {
		int znid = (int)z->zone->zone_pgdat->node_id;

		if (z->zone_idx > sc->reclaim_idx || !z->zone->managed_pages || znid == last)
			continue;
		last = znid;
		shrink_node(ms, (unsigned int)znid, sc);
	}
	if (last >= 0)
		consider_reclaim_throttle(ms, sc);
}

static uint64_t do_try_to_free_pages(struct mm_sys *ms, int nid, struct scan_control *sc)
{
	int initial_priority = sc->priority;
	enum zone_type type;
	const struct zoneref *z;

retry:
	type = ms->arch->zones[sc->reclaim_idx];
	count_vm_events(ms, ALLOCSTALL_DMA + type, 1);
	do {
		sc->nr_scanned = 0;
		shrink_zones(ms, nid, sc);
		if (sc->nr_reclaimed >= sc->nr_to_reclaim)
			break;
		/* having trouble: write pages out even in laptop mode */
		if (sc->priority < DEF_PRIORITY - 2)
			sc->may_writepage = true;
	} while (--sc->priority >= 0);
	for (z = ms->node_data[nid]->zonelist; z->zone; z++)
		snapshot_refaults(ms, z->zone->zone_pgdat->node_id);
	if (sc->nr_reclaimed)
		return sc->nr_reclaimed;
	/*
	 * Linux walks the memory cgroups partially first and retries with a full walk before
	 * OOM; with only the root cgroup that is one more identical pass (and allocstall).
	 */
	if (!sc->memcg_full_walk) {
		sc->priority = initial_priority;
		sc->memcg_full_walk = true;
		goto retry;
	}
	/* the inactive:active estimates kept an active list untouched: retry deactivating */
	if (sc->skipped_deactivate) {
		sc->priority = initial_priority;
		sc->force_deactivate = true;
		sc->skipped_deactivate = false;
		goto retry;
	}
	return 0;
}

uint64_t try_to_free_pages(struct mm_sys *ms, unsigned int order, unsigned int gfp, int nid)
{
	struct scan_control sc = {
		.nr_to_reclaim = SWAP_CLUSTER_MAX,
		.gfp_mask = gfp,
		.reclaim_idx = gfp_zone(ms, gfp),
		.order = (int)order,
		.priority = DEF_PRIORITY,
		.may_writepage = true,
		.may_unmap = true,
		.may_swap = true,
	};
	unsigned int old;
	uint64_t nr;

	if (nid < 0 || (unsigned int)nid >= ms->nr_node_ids || current_in_reclaim(ms))
		return 0;
	old = reclaim_enter(ms, PF_MEMALLOC);
	nr = do_try_to_free_pages(ms, nid, &sc);
	reclaim_leave(ms, old);
	return nr;
}

/* ---- kswapd ------------------------------------------------------------------------------- */

/* pgdat_balanced: one eligible zone above its high watermark for an allocation of order. */
static bool pgdat_balanced(struct mm_sys *ms, pg_data_t *pgdat, int order,
			   unsigned int highest_zoneidx)
{
	bool any = false;

	for (unsigned int z = 0; z <= highest_zoneidx && z < pgdat->nr_zones; z++) {
		struct zone *zone = &pgdat->node_zones[z];

		if (!zone->managed_pages)
			continue;
		any = true;
		if (zone_watermark_ok(ms, zone, (unsigned int)order, wmark_pages(zone, WMARK_HIGH),
				      highest_zoneidx, 0))
			return true;
	}
	return !any;
}

/* kswapd_age_node: keep the anon lists aged when there is swap to age them for. */
static void kswapd_age_node(struct mm_sys *ms, unsigned int nid, struct scan_control *sc)
{
	if (!can_age_anon_pages(ms) || !inactive_is_low(ms, nid, LRU_INACTIVE_ANON))
		return;
	shrink_active_list(ms, nid, SWAP_CLUSTER_MAX, sc, LRU_ACTIVE_ANON);
}

static bool kswapd_shrink_node(struct mm_sys *ms, pg_data_t *pgdat, struct scan_control *sc)
{
	uint64_t nr_reclaimed = sc->nr_reclaimed;

	/* reclaim the high watermark of each eligible zone, at least SWAP_CLUSTER_MAX */
	sc->nr_to_reclaim = 0;
	for (unsigned int z = 0; z <= sc->reclaim_idx && z < pgdat->nr_zones; z++) {
		struct zone *zone = &pgdat->node_zones[z];

		if (zone->managed_pages)
			sc->nr_to_reclaim += max_u64(wmark_pages(zone, WMARK_HIGH),
						     SWAP_CLUSTER_MAX);
	}
	shrink_node(ms, pgdat->node_id, sc);
	/* enough for compaction's gap: go on at order 0 */
	if (sc->order && sc->nr_reclaimed >= (2ull << sc->order))
		sc->order = 0;
	return max_u64(sc->nr_scanned, sc->nr_reclaimed - nr_reclaimed) >= sc->nr_to_reclaim;
}

/* balance_pgdat: reclaim on the node until one eligible zone is balanced. The order reached. */
static int balance_pgdat(struct mm_sys *ms, pg_data_t *pgdat, int order,
			 unsigned int highest_zoneidx)
{
	struct scan_control sc = {
		.gfp_mask = MMSIM_GFP_KERNEL,
		.order = order,
		.may_unmap = true,
	};
	unsigned int nid = pgdat->node_id;

	count_vm_events(ms, PAGEOUTRUN, 1);
restart:
	sc.priority = DEF_PRIORITY;
	do {
		uint64_t nr_reclaimed = sc.nr_reclaimed;
		bool raise_priority = true;

		sc.reclaim_idx = highest_zoneidx;
		/* watermark boosting is not modelled: nr_boost_reclaim is always 0 */
		if (pgdat_balanced(ms, pgdat, sc.order, highest_zoneidx))
			goto out;
		sc.may_writepage = true;
		sc.may_swap = true;
		kswapd_age_node(ms, nid, &sc);
		sc.nr_scanned = 0;
		if (kswapd_shrink_node(ms, pgdat, &sc))
			raise_priority = false;
		nr_reclaimed = sc.nr_reclaimed - nr_reclaimed;
		if (raise_priority || !nr_reclaimed)
			sc.priority--;
	} while (sc.priority >= 1);
	if (!sc.nr_reclaimed && sc.priority < 1 && !sc.no_cache_trim_mode &&
	    sc.cache_trim_mode_failed) {
		sc.no_cache_trim_mode = true;
		goto restart;
	}
	if (!sc.nr_reclaimed)
		pgdat->kswapd_failures++;
out:
	snapshot_refaults(ms, nid);
	return sc.order;
}

/* One pass of the kswapd thread's loop for a node that was woken. */
static void kswapd_run(struct mm_sys *ms, pg_data_t *pgdat)
{
	unsigned int highest = pgdat->kswapd_highest_zoneidx;
	int order = (int)pgdat->kswapd_order;
	unsigned int old;

	if (highest >= NR_ZONE_TYPES)
		highest = pgdat->nr_zones ? pgdat->nr_zones - 1 : 0;
	pgdat->kswapd_order = 0;
	pgdat->kswapd_highest_zoneidx = KSWAPD_NO_REQUEST;
	old = reclaim_enter(ms, PF_MEMALLOC | PF_KSWAPD);
	balance_pgdat(ms, pgdat, order, highest);
	reclaim_leave(ms, old);
	/* prepare_kswapd_sleep: a balanced node clears its congestion flags */
	if (pgdat_balanced(ms, pgdat, 0, highest))
		*pgdat_flags(ms, pgdat->node_id) &= ~(LRUVEC_NODE_CONGESTED | PGDAT_DIRTY |
						      PGDAT_WRITEBACK);
}

void wakeup_kswapd_zone(struct mm_sys *ms, struct zone *zone, gfp_t gfp, unsigned int order,
			unsigned int highest_zoneidx)
{
	pg_data_t *pgdat = zone->zone_pgdat;

	(void)gfp;
	if (!zone->managed_pages)
		return;
	node_lruvec(ms, pgdat->node_id);
	if (pgdat->kswapd_highest_zoneidx == KSWAPD_NO_REQUEST ||
	    pgdat->kswapd_highest_zoneidx < highest_zoneidx)
		pgdat->kswapd_highest_zoneidx = highest_zoneidx;
	if (pgdat->kswapd_order < order)
		pgdat->kswapd_order = order;
	/* a hopeless node is left to direct reclaim; a balanced one needs nothing */
	if (pgdat->kswapd_failures >= MAX_RECLAIM_RETRIES ||
	    pgdat_balanced(ms, pgdat, (int)order, highest_zoneidx))
		return;
	node_lruvec(ms, pgdat->node_id)->flags |= LRUVEC_MMSIM_KSWAPD_WOKEN;
}

/* Take node nid's wake-up: true when kswapd was woken for it. */
static bool kswapd_take_wakeup(struct mm_sys *ms, unsigned int nid)
{
	struct lruvec *l = &ms->node_data[nid]->__lruvec;

	if (!(l->flags & LRUVEC_MMSIM_KSWAPD_WOKEN))
		return false;
	l->flags &= ~LRUVEC_MMSIM_KSWAPD_WOKEN;
	return true;
}

void wakeup_kswapd(struct mm_sys *ms, int nid, unsigned int order)
{
	pg_data_t *pgdat;

	if (nid < 0 || (unsigned int)nid >= ms->nr_node_ids || current_in_reclaim(ms))
		return;
	pgdat = ms->node_data[nid];
	if (!pgdat->nr_zones)
		return;
	wakeup_kswapd_zone(ms, &pgdat->node_zones[pgdat->nr_zones - 1], MMSIM_GFP_KERNEL, order,
			   pgdat->nr_zones - 1);
	if (kswapd_take_wakeup(ms, (unsigned int)nid))
		kswapd_run(ms, pgdat);
}

void kswapd_run_pending(struct mm_sys *ms)
{
	if (current_in_reclaim(ms) || mm_panicked(ms, NULL))
		return;
	for_each_node(ms, nid) {
		if (ms->node_data[nid] && kswapd_take_wakeup(ms, nid))
			kswapd_run(ms, ms->node_data[nid]);
	}
}

void mm_reclaim_safe_point(struct mm_sys *ms)
{
	kswapd_run_pending(ms);
	oom_reap_all(ms);
	blk_tick(ms);		/* writes issued before the previous return complete */
}

/* ---- research mode ------------------------------------------------------------------------ */

bool reclaim_one_folio(struct mm_sys *ms, struct page *folio)
{
	struct scan_control sc = {
		.gfp_mask = MMSIM_GFP_KERNEL,
		.may_writepage = true,
		.may_unmap = true,
		.may_swap = true,
		.write_file = true,
		.wait_writeback = true,
	};
	unsigned int nid = page_nid(folio), old;
	struct reclaim_stat stat;
	struct list_head list;
	uint64_t nr;

	if (!folio_isolate_lru(ms, folio))
		return false;	/* isolated by somebody else: not now */
	INIT_LIST_HEAD(&list);
	list_add(&folio->lru, &list);
	old = reclaim_enter(ms, PF_MEMALLOC);
	nr = shrink_folio_list(ms, &list, nid, &sc, &stat, true);
	if (!nr && !list_empty(&list) &&
	    page_test(list_last_entry(&list, struct page, lru), PG_writeback)) {
		/* swapped out just now: the limit's reclaim waits for the write (case 3) */
		folio_wait_writeback(ms, list_last_entry(&list, struct page, lru));
		nr = shrink_folio_list(ms, &list, nid, &sc, &stat, true);
	}
	reclaim_leave(ms, old);
	if (!list_empty(&list)) {
		folio = list_last_entry(&list, struct page, lru);
		list_del(&folio->lru);
		page_clear(folio, PG_active);	/* activate_locked's mark: not the policy's */
		folio_putback_lru(ms, folio);
	}
	return nr > 0;
}

/* ---- MADV_PAGEOUT ------------------------------------------------------------------------- */

static uint64_t reclaim_folio_list(struct mm_sys *ms, struct list_head *folio_list,
				   unsigned int nid)
{
	struct scan_control sc = {
		.gfp_mask = MMSIM_GFP_KERNEL,
		.may_writepage = true,
		.may_unmap = true,
		.may_swap = true,
	};
	struct reclaim_stat stat;
	uint64_t nr_reclaimed = shrink_folio_list(ms, folio_list, nid, &sc, &stat, true);

	while (!list_empty(folio_list)) {
		struct page *folio = list_last_entry(folio_list, struct page, lru);

		list_del(&folio->lru);
		folio_putback_lru(ms, folio);
	}
	return nr_reclaimed;
}

uint64_t reclaim_pages(struct mm_sys *ms, struct list_head *folio_list)
{
	struct list_head node_list;
	uint64_t nr_reclaimed = 0;
	unsigned int nid, old;

	if (list_empty(folio_list))
		return 0;
	INIT_LIST_HEAD(&node_list);
	old = reclaim_enter(ms, PF_MEMALLOC);
	nid = page_nid(list_last_entry(folio_list, struct page, lru));
	do {
		struct page *folio = list_last_entry(folio_list, struct page, lru);

		if (nid == page_nid(folio)) {
			page_clear(folio, PG_active);
			list_del(&folio->lru);
			list_add(&folio->lru, &node_list);
			continue;
		}
		nr_reclaimed += reclaim_folio_list(ms, &node_list, nid);
		nid = page_nid(folio);
	} while (!list_empty(folio_list));
	nr_reclaimed += reclaim_folio_list(ms, &node_list, nid);
	reclaim_leave(ms, old);
	return nr_reclaimed;
}

/* ---- MADV_COLD, MADV_PAGEOUT (mm/madvise.c) ------------------------------------------------- */

struct cold_walk {
	struct vm_area_struct *vma;
	uint64_t start, end;
	bool pageout;
	struct list_head folio_list;
};

/*
 * madvise_cold_or_pageout_pte_range, one leaf: a folio only this mapping uses loses its
 * references and is deactivated (COLD) or isolated for reclaim (PAGEOUT). A large folio is
 * taken whole when the range covers it (Linux would split one it only partly covers).
 */
static int cold_one(uint64_t va, uint64_t size, uint64_t prot, struct page *page, bool zero,
		    void *arg)
{
	struct cold_walk *w = arg;
	struct mm_struct *mm = w->vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	struct page *folio;

	if (zero || !page)
		return 0;
	folio = page_folio(page);
	if (folio_test_large(folio)) {
		uint64_t first = va - (folio_page_idx(folio, page) << ms->page_shift);

		if (page != folio || first < w->start ||
		    first + (folio_nr_pages(folio) << ms->page_shift) > w->end)
			return 0;
		/* folio_maybe_mapped_shared: more mappings than this one of each page */
		uint64_t mappings = size == ms->page_size ? folio_nr_pages(folio) : 1;

		if (folio_mapcount(folio) > (int64_t)mappings)
			return 0;
	} else if (folio_mapcount(folio) > 1) {
		return 0;	/* do not interfere with other mappings of this folio */
	}
	/* clear the accessed bit, so that reclaim does not see the folio as used */
	if (!w->pageout && (prot & PTE_ACCESSED)) {
		struct pte_desc d;
		uint64_t entry_pa;
		int level;

		if (!pgtable_lookup(&mm->pgd, va, &d, &level, &entry_pa) &&
		    d.kind == PTE_KIND_LEAF && clear_flush_young(mm, va, level, &d, entry_pa) &&
		    !mm_is_arm64(mm) && level == mm->pgd.fmt->nr_levels - 1)
			flush_tlb_page(mm, va);	/* tlb_remove_tlb_entry: flushed at the end */
	}
	page_clear(folio, PG_referenced);
	if (page_test(folio, PG_active))
		page_set(folio, PG_workingset);
	if (w->pageout) {
		if (folio_isolate_lru(ms, folio)) {
			if (page_test(folio, PG_unevictable))
				folio_putback_lru(ms, folio);
			else
				list_add(&folio->lru, &w->folio_list);
		}
	} else {
		folio_deactivate(ms, folio);
	}
	return 0;
}

int madvise_cold_or_pageout_range(struct vm_area_struct *vma, uint64_t start, uint64_t end,
				  bool pageout)
{
	const struct pt_format *f = vma->vm_mm->pgd.fmt;
	/* the span of one page table: madvise_cold_or_pageout_pte_range reclaims per table */
	uint64_t span = pt_level_size(f, f->nr_levels >= 2 ? f->nr_levels - 2u : 0);
	struct cold_walk w = { .vma = vma, .start = start, .end = end, .pageout = pageout };
	int ret = 0;

	INIT_LIST_HEAD(&w.folio_list);
	for (uint64_t a = start; a < end && ret >= 0;) {
		uint64_t next = (a | (span - 1)) + 1;

		if (next > end || next < a)
			next = end;
		ret = mm_walk_ptes(vma->vm_mm, a, next, cold_one, &w);
		if (pageout)
			reclaim_pages(vma->vm_mm->ms, &w.folio_list);
		a = next;
	}
	return ret < 0 ? ret : 0;
}

/* ---- invalidation, drop_caches, the flushers ---------------------------------------------- */

uint64_t mapping_try_invalidate(struct address_space *mapping, uint64_t start, uint64_t end,
				uint64_t *nr_failed)
{
	struct mm_sys *ms = mapping_ms(mapping);
	uint64_t index = start, count = 0;
	struct page *folio;

	while (index <= end && (folio = xa_find(&mapping->i_pages, &index, end, NULL, NULL))) {
		uint64_t next = folio->index + folio_nr_pages(folio);

		/* find_lock_entries: only folios wholly inside the range */
		if (folio->index >= start && next - 1 <= end) {
			/* mapping_evict_folio: clean, unmapped, held by the cache alone */
			bool evict = !page_test(folio, PG_dirty) &&
				     !page_test(folio, PG_writeback) &&
				     folio_ref_count(folio) == (int)folio_nr_pages(folio);

			if (evict) {
				count += folio_nr_pages(folio);
				filemap_remove_folio(folio, 0);
			} else {
				/* invalidation hints the folio is not wanted: speed its reclaim */
				deactivate_file_folio(ms, folio);
				if (nr_failed)
					(*nr_failed)++;
			}
		}
		if (!next)
			break;
		index = next;
	}
	workingset_clear_shadows(mapping, start, end);
	return count;
}

static int drop_pagecache_inode(struct inode *inode, void *arg)
{
	(void)arg;
	/* shmem has no copy to drop to; an inode with no pages has nothing to drop */
	if (inode->i_shmem || !inode->i_mapping->nrpages)
		return 0;
	mapping_try_invalidate(inode->i_mapping, 0, UINT64_MAX, NULL);
	return 0;
}

int drop_caches(struct mm_sys *ms, int mode)
{
	if (mode < 1 || mode > 4)
		return -EINVAL;
	if (mode & 1) {
		if (ms->fs)
			fs_for_each_inode(ms->fs, drop_pagecache_inode, NULL);
		count_vm_events(ms, DROP_PAGECACHE, 1);
	}
	if (mode & 2) {
		/* drop_slab: the model's caches have no shrinkers (unused inodes stay) */
		count_vm_events(ms, DROP_SLAB, 1);
	}
	return 0;
}

/* The flushers' WB_SYNC_NONE pass over one file: its dirty folios go under writeback. */
static int flush_inode(struct inode *inode, void *arg)
{
	(void)arg;
	if (inode->i_shmem || !inode->i_mapping->nr_dirty)
		return 0;
	/* a write error leaves the folio dirty (and PG_reclaim): it stays active */
	(void)filemap_flush(inode->i_mapping);
	return 0;
}

void wakeup_flusher_threads(struct mm_sys *ms)
{
	if (ms->fs)
		fs_for_each_inode(ms->fs, flush_inode, NULL);
}

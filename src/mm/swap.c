/*
 * Folio references and the LRU lists (Linux 6.18 mm/swap.c: folio_put / __folio_put,
 * __page_cache_release, lru_add, folio_add_lru, folio_add_lru_vma, folio_mark_accessed,
 * lru_activate, lru_deactivate, lru_deactivate_file, lru_lazyfree, lru_move_tail,
 * folio_rotate_reclaimable, lru_note_cost; include/linux/mm_inline.h lruvec_add_folio,
 * lruvec_del_folio, folio_lru_list; mm/mlock.c mlock_folio, mlock_new_folio, munlock_folio,
 * mlock_vma_pages_range; mm/vmscan.c folio_isolate_lru, folio_putback_lru).
 *
 * Each node has five lists (swap.h): a folio with PG_lru is on the list its flags name,
 * newest at the head. New folios go to the head of an inactive list (anonymous ones too since
 * Linux 5.9); folio_mark_accessed moves a folio that is accessed twice (PG_referenced already
 * set) to the active list; reclaim (vmscan.c) takes folios from the tails.
 *
 * As on Linux since 5.18, the unevictable list is only counted: an mlocked folio with
 * PG_unevictable is on no list, and its lru.prev holds the mlock count (how many VM_LOCKED
 * mappings locked it, a rough count that reclaim corrects: folio_referenced finds a VM_LOCKED
 * VMA and mlocks the folio again).
 *
 * The per-CPU folio batches of Linux (lru_add, lru_activate, lru_deactivate ...) are not
 * modelled: every operation is applied at once, as right after lru_add_drain(). What differs:
 * a folio is on its list the moment it is created, so folio_mark_accessed always activates it
 * through lru_activate and counts pgactivate (Linux marks a folio still in its per-CPU
 * lru_add batch PG_active without counting).
 *
 * Counters kept exact: nr_{in,}active_{anon,file}, nr_unevictable and their nr_zone_ twins,
 * nr_mlock, pgactivate, pgdeactivate, pglazyfree, pgrotated, unevictable_pgs_mlocked,
 * unevictable_pgs_munlocked. Linux's unevictable_pgs_culled / rescued / scanned / stranded /
 * cleared are not in vmstat.h's list and are not counted.
 */
#include <errno.h>
#include <stdlib.h>

#include "mm/folio.h"
#include "mm/memory.h"
#include "mm/page_alloc.h"
#include "mm/policy_reclaim.h"
#include "mm/vmscan.h"
#include "mm/workingset.h"
#include "util/error.h"

/* ---- folio_put ------------------------------------------------------------------------ */

/*
 * __page_cache_release: a folio freed while on the LRU leaves it; an mlocked one stops being
 * counted in nr_mlock (unevictable_pgs_cleared on Linux).
 */
static void __page_cache_release(struct mm_sys *ms, struct page *f)
{
	if (page_test(f, PG_lru)) {
		lruvec_del_folio(ms, f);
		page_clear(f, PG_lru);
		page_clear(f, PG_active);
		page_clear(f, PG_unevictable);
	}
	if (page_test(f, PG_mlocked)) {
		page_clear(f, PG_mlocked);
		mod_zone_page_state(page_zone(ms, f), NR_MLOCK, -(int64_t)folio_nr_pages(f));
	}
}

/* __folio_put: the last reference went; the frames go back without their mm identity. */
static void __folio_put(struct mm_sys *ms, int cpu, struct page *f)
{
	unsigned int order = folio_order(f);

	if (ms->rpolicy)
		rpolicy_folio_removed(ms, f);
	__page_cache_release(ms, f);
	f->flags &= ~((1ull << PG_anon) | (1ull << PG_swapbacked) | (1ull << PG_dirty) |
		      (1ull << PG_uptodate) | (1ull << PG_referenced) | (1ull << PG_active) |
		      (1ull << PG_readahead) | (1ull << PG_workingset) | (1ull << PG_owner_priv_1) |
		      (1ull << PG_unevictable));
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

/* ---- the lists ------------------------------------------------------------------------ */

void lru_init(struct mm_sys *ms)
{
	for_each_node(ms, nid) {
		pg_data_t *pgdat = ms->node_data[nid];
		struct lruvec *l;

		if (!pgdat || pgdat->__lruvec.lists[0].next)
			continue;	/* set up already */
		l = &pgdat->__lruvec;
		for (int i = 0; i < NR_LRU_LISTS; i++)
			INIT_LIST_HEAD(&l->lists[i]);
		l->anon_cost = l->file_cost = 0;
		l->nonresident_age = 0;
		l->refaults[0] = l->refaults[1] = 0;
		l->flags = 0;
		pgdat->kswapd_order = 0;
		pgdat->kswapd_highest_zoneidx = KSWAPD_NO_REQUEST;
		pgdat->kswapd_failures = 0;
	}
}

enum lru_list folio_lru_list(const struct page *folio)
{
	enum lru_list lru;

	if (page_test(folio, PG_unevictable))
		return LRU_UNEVICTABLE;
	lru = folio_is_file_lru(folio) ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON;
	if (page_test(folio, PG_active))
		lru += LRU_ACTIVE;
	return lru;
}

void update_lru_size(struct mm_sys *ms, const struct page *folio, enum lru_list lru,
			    int64_t nr)
{
	mod_node_page_state(folio_node_data(ms, folio), NR_INACTIVE_ANON + lru, nr);
	mod_zone_page_state(page_zone(ms, folio), NR_ZONE_INACTIVE_ANON + lru, nr);
}

uint64_t lruvec_lru_size(struct mm_sys *ms, unsigned int nid, enum lru_list lru,
			 unsigned int zone_idx)
{
	pg_data_t *pgdat = ms->node_data[nid];
	uint64_t size = 0;

	for (unsigned int z = 0; z <= zone_idx && z < pgdat->nr_zones; z++) {
		const struct zone *zone = &pgdat->node_zones[z];

		if (zone->managed_pages && zone->vm_stat[NR_ZONE_INACTIVE_ANON + lru] > 0)
			size += (uint64_t)zone->vm_stat[NR_ZONE_INACTIVE_ANON + lru];
	}
	return size;
}

void lruvec_add_folio(struct mm_sys *ms, struct page *folio)
{
	enum lru_list lru = folio_lru_list(folio);
	struct lruvec *lruvec = folio_lruvec(ms, folio);

	update_lru_size(ms, folio, lru, (int64_t)folio_nr_pages(folio));
	if (lru != LRU_UNEVICTABLE)
		list_add(&folio->lru, &lruvec->lists[lru]);
}

void lruvec_add_folio_tail(struct mm_sys *ms, struct page *folio)
{
	enum lru_list lru = folio_lru_list(folio);
	struct lruvec *lruvec = folio_lruvec(ms, folio);

	update_lru_size(ms, folio, lru, (int64_t)folio_nr_pages(folio));
	/* the unevictable list is never scanned: its folios are only counted */
	if (lru != LRU_UNEVICTABLE)
		list_add_tail(&folio->lru, &lruvec->lists[lru]);
}

void lruvec_del_folio(struct mm_sys *ms, struct page *folio)
{
	enum lru_list lru = folio_lru_list(folio);

	if (lru != LRU_UNEVICTABLE)
		list_del(&folio->lru);
	update_lru_size(ms, folio, lru, -(int64_t)folio_nr_pages(folio));
}

void folio_del_lru(struct mm_sys *ms, struct page *folio)
{
	if (!page_test(folio, PG_lru))
		return;
	lruvec_del_folio(ms, folio);
	page_clear(folio, PG_lru);
}

/* lru_add: onto the list its flags name; an mlocked folio becomes unevictable. */
static void lru_add(struct mm_sys *ms, struct page *folio)
{
	page_clear(folio, PG_unevictable);
	if (!folio_evictable(folio)) {
		page_clear(folio, PG_active);
		page_set(folio, PG_unevictable);
		folio_set_mlock_count(folio, 0);
	}
	lruvec_add_folio(ms, folio);
	page_set(folio, PG_lru);
	/* research mode: the policy admits it (and may evict another for it) */
	if (ms->rpolicy && !page_test(folio, PG_unevictable))
		rpolicy_folio_added(ms, folio, true);
}

void folio_add_lru(struct mm_sys *ms, struct page *folio)
{
	if (page_test(folio, PG_lru))
		return;		/* VM_BUG_ON_FOLIO(folio_test_lru(folio)) on Linux */
	lru_add(ms, folio);
}

void folio_add_lru_vma(struct page *folio, struct vm_area_struct *vma)
{
	struct mm_sys *ms = vma->vm_mm->ms;

	if ((vma->vm_flags & (VM_LOCKED | VM_SPECIAL)) == VM_LOCKED)
		mlock_new_folio(ms, folio);
	else
		folio_add_lru(ms, folio);
}

bool folio_isolate_lru(struct mm_sys *ms, struct page *folio)
{
	if (!page_test(folio, PG_lru))
		return false;
	page_clear(folio, PG_lru);
	folio_get(folio);
	lruvec_del_folio(ms, folio);
	return true;
}

void folio_putback_lru(struct mm_sys *ms, struct page *folio)
{
	folio_add_lru(ms, folio);
	folio_put(ms, 0, folio);	/* the isolation reference */
}

/* ---- moves between the lists ---------------------------------------------------------- */

void folio_activate(struct mm_sys *ms, struct page *folio)
{
	uint64_t nr = folio_nr_pages(folio);

	/* lru_activate; a folio off the LRU (isolated by reclaim) is left alone */
	if (!page_test(folio, PG_lru) || page_test(folio, PG_active) ||
	    page_test(folio, PG_unevictable))
		return;
	lruvec_del_folio(ms, folio);
	page_set(folio, PG_active);
	lruvec_add_folio(ms, folio);
	count_vm_events(ms, PGACTIVATE, nr);
}

void folio_mark_accessed(struct mm_sys *ms, struct page *folio)
{
	folio = page_folio(folio);
	if (!page_test(folio, PG_referenced)) {
		page_set(folio, PG_referenced);
	} else if (page_test(folio, PG_unevictable)) {
		/* the unevictable "list" is never rotated: nothing to do */
	} else if (!page_test(folio, PG_active)) {
		folio_activate(ms, folio);
		page_clear(folio, PG_referenced);
		workingset_activation(ms, folio);
	}
}

void folio_deactivate(struct mm_sys *ms, struct page *folio)
{
	uint64_t nr = folio_nr_pages(folio);

	/* lru_deactivate: only an active folio on the LRU; its references are forgotten */
	if (!page_test(folio, PG_lru) || page_test(folio, PG_unevictable) ||
	    !page_test(folio, PG_active))
		return;
	lruvec_del_folio(ms, folio);
	page_clear(folio, PG_active);
	page_clear(folio, PG_referenced);
	lruvec_add_folio(ms, folio);
	count_vm_events(ms, PGDEACTIVATE, nr);
}

void deactivate_file_folio(struct mm_sys *ms, struct page *folio)
{
	uint64_t nr = folio_nr_pages(folio);
	bool active = page_test(folio, PG_active);

	/* deactivate_file_folio -> lru_deactivate_file */
	if (page_test(folio, PG_unevictable) || !page_test(folio, PG_lru))
		return;
	if (folio_mapped(folio))
		return;		/* some process is using it */
	lruvec_del_folio(ms, folio);
	page_clear(folio, PG_active);
	page_clear(folio, PG_referenced);
	if (page_test(folio, PG_writeback) || page_test(folio, PG_dirty)) {
		/* to the head, and reclaimed as soon as its writeback ends */
		lruvec_add_folio(ms, folio);
		page_set(folio, PG_reclaim);
	} else {
		lruvec_add_folio_tail(ms, folio);
		count_vm_events(ms, PGROTATED, nr);
	}
	if (active)
		count_vm_events(ms, PGDEACTIVATE, nr);
}

void folio_rotate_reclaimable(struct mm_sys *ms, struct page *folio)
{
	uint64_t nr = folio_nr_pages(folio);

	if (page_test(folio, PG_locked) || page_test(folio, PG_dirty) ||
	    page_test(folio, PG_unevictable) || !page_test(folio, PG_lru))
		return;
	/* lru_move_tail */
	lruvec_del_folio(ms, folio);
	page_clear(folio, PG_active);
	lruvec_add_folio_tail(ms, folio);
	count_vm_events(ms, PGROTATED, nr);
}

void folio_mark_lazyfree(struct mm_sys *ms, struct page *folio)
{
	uint64_t nr = folio_nr_pages(folio);

	if (!folio_test_anon(folio) || !page_test(folio, PG_swapbacked) ||
	    page_test(folio, PG_swapcache) || page_test(folio, PG_unevictable))
		return;
	if (!page_test(folio, PG_lru)) {
		/* isolated: Linux's batch would skip it too; it stays swap-backed */
		return;
	}
	/* lru_lazyfree: to the inactive file list, no longer swap-backed */
	lruvec_del_folio(ms, folio);
	page_clear(folio, PG_active);
	page_clear(folio, PG_referenced);
	page_clear(folio, PG_swapbacked);
	lruvec_add_folio(ms, folio);
	count_vm_events(ms, PGLAZYFREE, nr);
}

void lru_note_cost(struct mm_sys *ms, unsigned int nid, bool file, uint64_t nr_io,
		   uint64_t nr_rotated)
{
	struct lruvec *lruvec = node_lruvec(ms, nid);
	uint64_t cost = nr_io * SWAP_CLUSTER_MAX + nr_rotated, lrusize;

	if (!cost)
		return;
	if (file)
		lruvec->file_cost += cost;
	else
		lruvec->anon_cost += cost;
	/* a floating average: recent events weigh more than old ones */
	lrusize = lruvec_page_state(ms, nid, NR_INACTIVE_ANON) +
		  lruvec_page_state(ms, nid, NR_ACTIVE_ANON) +
		  lruvec_page_state(ms, nid, NR_INACTIVE_FILE) +
		  lruvec_page_state(ms, nid, NR_ACTIVE_FILE);
	if (lruvec->file_cost + lruvec->anon_cost > lrusize / 4) {
		lruvec->file_cost /= 2;
		lruvec->anon_cost /= 2;
	}
}

void lru_note_cost_refault(struct mm_sys *ms, struct page *folio)
{
	lru_note_cost(ms, page_nid(folio), folio_is_file_lru(folio), folio_nr_pages(folio), 0);
}

/* ---- mlock ---------------------------------------------------------------------------- */

/* __mlock_folio: an mlocked folio on the LRU moves to the unevictable count. */
static void __mlock_folio(struct mm_sys *ms, struct page *folio)
{
	if (!page_test(folio, PG_lru))
		return;		/* isolated: reclaim's putback makes it unevictable */
	if (folio_evictable(folio)) {
		/* PG_mlocked went meanwhile; an unevictable leftover is rescued */
		if (page_test(folio, PG_unevictable)) {
			lruvec_del_folio(ms, folio);
			page_clear(folio, PG_unevictable);
			lruvec_add_folio(ms, folio);
			if (ms->rpolicy)
				rpolicy_folio_added(ms, folio, false);
		}
		return;
	}
	if (page_test(folio, PG_unevictable)) {
		if (page_test(folio, PG_mlocked))
			folio_set_mlock_count(folio, folio_mlock_count(folio) + 1);
		return;
	}
	lruvec_del_folio(ms, folio);
	page_clear(folio, PG_active);
	page_set(folio, PG_unevictable);
	folio_set_mlock_count(folio, page_test(folio, PG_mlocked) ? 1 : 0);
	lruvec_add_folio(ms, folio);
	if (ms->rpolicy)
		rpolicy_folio_removed(ms, folio);	/* unevictable: out of the policy's reach */
}

void mlock_folio(struct mm_sys *ms, struct page *folio)
{
	uint64_t nr = folio_nr_pages(folio);

	if (!page_test(folio, PG_mlocked)) {
		page_set(folio, PG_mlocked);
		mod_zone_page_state(page_zone(ms, folio), NR_MLOCK, (int64_t)nr);
		count_vm_events(ms, UNEVICTABLE_PGMLOCKED, nr);
	}
	__mlock_folio(ms, folio);
}

void mlock_new_folio(struct mm_sys *ms, struct page *folio)
{
	uint64_t nr = folio_nr_pages(folio);

	if (page_test(folio, PG_lru))
		return;
	page_set(folio, PG_mlocked);
	mod_zone_page_state(page_zone(ms, folio), NR_MLOCK, (int64_t)nr);
	count_vm_events(ms, UNEVICTABLE_PGMLOCKED, nr);
	/* __mlock_new_folio */
	page_clear(folio, PG_active);
	page_set(folio, PG_unevictable);
	folio_set_mlock_count(folio, 1);
	lruvec_add_folio(ms, folio);
	page_set(folio, PG_lru);
}

void munlock_folio(struct mm_sys *ms, struct page *folio)
{
	uint64_t nr = folio_nr_pages(folio);
	bool isolated = page_test(folio, PG_lru);

	/* __munlock_folio: the count says whether other VM_LOCKED mappings keep it locked */
	if (isolated && page_test(folio, PG_unevictable)) {
		unsigned int count = folio_mlock_count(folio);

		if (count)
			count--;
		folio_set_mlock_count(folio, count);
		if (count)
			return;
	}
	if (page_test(folio, PG_mlocked)) {
		page_clear(folio, PG_mlocked);
		mod_zone_page_state(page_zone(ms, folio), NR_MLOCK, -(int64_t)nr);
		/* unevictable_pgs_stranded on Linux when it is unevictable off the LRU */
		if (isolated || !page_test(folio, PG_unevictable))
			count_vm_events(ms, UNEVICTABLE_PGMUNLOCKED, nr);
	}
	/* back to an evictable list (unevictable_pgs_rescued) */
	if (isolated && page_test(folio, PG_unevictable) && folio_evictable(folio)) {
		lruvec_del_folio(ms, folio);
		page_clear(folio, PG_unevictable);
		lruvec_add_folio(ms, folio);
		if (ms->rpolicy)
			rpolicy_folio_added(ms, folio, false);
	}
}

void mlock_vma_folio(struct mm_sys *ms, struct page *folio, const struct vm_area_struct *vma)
{
	if ((vma->vm_flags & (VM_LOCKED | VM_SPECIAL)) == VM_LOCKED)
		mlock_folio(ms, folio);
}

void munlock_vma_folio(struct mm_sys *ms, struct page *folio, const struct vm_area_struct *vma)
{
	/* always, when VM_LOCKED: reclaim corrects a folio that is still locked elsewhere */
	if (vma->vm_flags & VM_LOCKED)
		munlock_folio(ms, folio);
}

struct mlock_walk {
	struct vm_area_struct *vma;
	uint64_t start, end;
};

/* mlock_pte_range: one leaf of the range; a large folio only when wholly mapped in it. */
static int mlock_one(uint64_t va, uint64_t size, uint64_t prot, struct page *page, bool zero,
		     void *arg)
{
	struct mlock_walk *w = arg;
	struct mm_sys *ms = w->vma->vm_mm->ms;
	struct page *folio;

	(void)prot;
	if (zero || !page)
		return 0;
	folio = page_folio(page);
	if (folio_test_large(folio) && size == ms->page_size) {
		/* allow_mlock_munlock: the whole folio in [start, end), seen at its first page */
		uint64_t first = va - (folio_page_idx(folio, page) << ms->page_shift);

		if (page != folio || first < w->start ||
		    first + (folio_nr_pages(folio) << ms->page_shift) > w->end)
			return 0;
	}
	if (w->vma->vm_flags & VM_LOCKED)
		mlock_folio(ms, folio);
	else
		munlock_folio(ms, folio);
	return 0;
}

void mlock_vma_pages_range(struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	struct mlock_walk w = { vma, start, end };

	mm_walk_ptes(vma->vm_mm, start, end, mlock_one, &w);
}

/* ---- validation ----------------------------------------------------------------------- */

#define LFAIL(...) err_set(err, -EUCLEAN, NULL, 0, 0, __VA_ARGS__)
#define NR_COUNTS (NR_LRU_LISTS + 1)	/* the lists, and PG_mlocked pages (nr_mlock) */

/* Every PG_lru folio of the machine, per node, zone and list, and the mlocked ones. */
static int count_lru_folios(struct mm_sys *ms, uint64_t (*counts)[NR_ZONE_TYPES][NR_COUNTS],
			    struct mmsim_error *err)
{
	for (uint64_t pfn = ms->min_pfn; pfn < ms->max_pfn; pfn++) {
		struct page *p = pfn_to_page(ms, pfn);

		if (!p || PageTail(p) || page_test(p, PG_buddy) || p->refcount <= 0)
			continue;
		if (page_test(p, PG_mlocked))
			counts[page_nid(p)][page_zonenum(p)][NR_LRU_LISTS] += folio_nr_pages(p);
		if (!page_test(p, PG_lru))
			continue;
		if (page_test(p, PG_slab) || page_test(p, PG_table))
			return LFAIL("pfn 0x%llx: PG_lru on a page that is not a folio",
				     (unsigned long long)pfn);
		if (page_test(p, PG_unevictable) && page_test(p, PG_active))
			return LFAIL("pfn 0x%llx: both PG_active and PG_unevictable",
				     (unsigned long long)pfn);
		if (page_test(p, PG_unevictable) != !folio_evictable(p))
			return LFAIL("pfn 0x%llx: PG_unevictable %d but PG_mlocked %d",
				     (unsigned long long)pfn, page_test(p, PG_unevictable),
				     page_test(p, PG_mlocked));
		counts[page_nid(p)][page_zonenum(p)][folio_lru_list(p)] += folio_nr_pages(p);
	}
	return 0;
}

/* Each list against its flags, and every count against the folios that carry them. */
static int check_lists(struct mm_sys *ms, uint64_t (*counts)[NR_ZONE_TYPES][NR_COUNTS],
		       struct mmsim_error *err)
{
	for_each_node(ms, nid) {
		pg_data_t *pgdat = ms->node_data[nid];
		struct lruvec *l = &pgdat->__lruvec;
		uint64_t on_list[NR_ZONE_TYPES][NR_LRU_LISTS] = { { 0 } };

		for (int lru = 0; lru < LRU_UNEVICTABLE; lru++) {
			struct list_head *pos;
			uint64_t seen = 0, limit = ms->max_pfn - ms->min_pfn;

			list_for_each(pos, &l->lists[lru]) {
				struct page *f = list_entry(pos, struct page, lru);

				if (++seen > limit)
					return LFAIL("node %u list %d: a cycle", nid, lru);
				if (PageTail(f) || !page_test(f, PG_lru) || page_nid(f) != nid ||
				    (int)folio_lru_list(f) != lru)
					return LFAIL("node %u list %d: pfn 0x%llx does not belong "
						     "there (PG_lru %d, list of its flags %d)", nid,
						     lru, (unsigned long long)page_to_pfn(ms, f),
						     page_test(f, PG_lru), folio_lru_list(f));
				on_list[page_zonenum(f)][lru] += folio_nr_pages(f);
			}
		}
		for (unsigned int z = 0; z < pgdat->nr_zones; z++) {
			const struct zone *zone = &pgdat->node_zones[z];

			if (zone->vm_stat[NR_MLOCK] != (int64_t)counts[nid][z][NR_LRU_LISTS])
				return LFAIL("zone %s: nr_mlock is %lld, %llu pages are PG_mlocked",
					     zone->name, (long long)zone->vm_stat[NR_MLOCK],
					     (unsigned long long)counts[nid][z][NR_LRU_LISTS]);
		}
		for (int lru = 0; lru < NR_LRU_LISTS; lru++) {
			uint64_t node_total = 0;

			for (unsigned int z = 0; z < pgdat->nr_zones; z++) {
				const struct zone *zone = &pgdat->node_zones[z];
				uint64_t want = counts[nid][z][lru];

				int64_t count = zone->vm_stat[NR_ZONE_INACTIVE_ANON + lru];

				if (lru != LRU_UNEVICTABLE && on_list[z][lru] != want)
					return LFAIL("node %u zone %s list %d: %llu pages on the "
						     "list, %llu with its flags", nid, zone->name,
						     lru, (unsigned long long)on_list[z][lru],
						     (unsigned long long)want);
				if (count != (int64_t)want)
					return LFAIL("zone %s: %s is %lld, the list holds %llu",
						     zone->name,
						     zone_stat_names[NR_ZONE_INACTIVE_ANON + lru],
						     (long long)count, (unsigned long long)want);
				node_total += want;
			}
			if (pgdat->vm_stat[NR_INACTIVE_ANON + lru] != (int64_t)node_total)
				return LFAIL("node %u: %s is %lld, the lists hold %llu pages", nid,
					     node_stat_names[NR_INACTIVE_ANON + lru],
					     (long long)pgdat->vm_stat[NR_INACTIVE_ANON + lru],
					     (unsigned long long)node_total);
		}
		if (pgdat->vm_stat[NR_ISOLATED_ANON] || pgdat->vm_stat[NR_ISOLATED_FILE])
			return LFAIL("node %u: folios left isolated outside reclaim", nid);
	}
	return 0;
}

static bool lru_all_empty(struct mm_sys *ms)
{
	for_each_node(ms, nid) {
		pg_data_t *pgdat = ms->node_data[nid];

		for (int lru = 0; lru < NR_LRU_LISTS; lru++)
			if (!list_empty(&pgdat->__lruvec.lists[lru]) ||
			    pgdat->vm_stat[NR_INACTIVE_ANON + lru])
				return false;
		for (unsigned int z = 0; z < pgdat->nr_zones; z++)
			if (pgdat->node_zones[z].vm_stat[NR_MLOCK])
				return false;
	}
	return true;
}

int lru_validate(struct mm_sys *ms, struct mmsim_error *err)
{
	uint64_t (*counts)[NR_ZONE_TYPES][NR_COUNTS];
	int ret;

	if (!ms->node_data[0] || !ms->node_data[0]->__lruvec.lists[0].next)
		return 0;	/* not set up: no folio was ever added */
	/*
	 * The memmap walk costs O(RAM) on every check; a machine whose LRU and mlock
	 * counters are all zero and whose lists are empty has no user page to look at, so
	 * only the lists and counters are checked then (the buddy tests validate 24 GiB
	 * machines after every allocation)
	 */
	if (lru_all_empty(ms))
		return 0;
	counts = calloc(ms->nr_node_ids, sizeof(*counts));
	if (!counts)
		return err_set(err, -ENOMEM, NULL, 0, 0, "no host memory to check the LRU lists");
	ret = count_lru_folios(ms, counts, err);
	if (!ret)
		ret = check_lists(ms, counts, err);
	free(counts);
	return ret;
}

/*
 * The swap cache, swap-in with readahead, and the swap fault (Linux 6.18: mm/swap_state.c
 * add_to_swap_cache, __delete_from_swap_cache, delete_from_swap_cache, free_swap_cache,
 * __read_swap_cache_async, swap_update_readahead, __swapin_nr_pages, swapin_nr_pages,
 * swap_cluster_readahead, swapin_readahead; mm/swapfile.c folio_alloc_swap, folio_free_swap;
 * mm/memory.c do_swap_page, should_try_to_free_swap).
 *
 * A folio in the swap cache: PG_swapcache, private = its swp_entry_t, one reference held by
 * the cache, found at its slot in the area's xarray; its slot's swap_map has SWAP_HAS_CACHE.
 * It counts in NR_FILE_PAGES and NR_SWAPCACHE (meminfo's Cached leaves it out, SwapCached is
 * it), as __swap_cache_add_folio counts.
 *
 * Readahead is the cluster kind (swap_cluster_readahead): Linux uses it whenever a rotational
 * area is on (nr_rotate_swap), which a swap file on the reference machine's disk is. The window
 * is 2^page-cluster slots aligned around the faulting slot, sized by swapin_nr_pages from the
 * readahead hits since the last fault (4 at boot, so the first swap-in reads a whole window).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/sched.h"
#include "mm/folio.h"
#include "mm/memory.h"
#include "mm/page_alloc.h"
#include "mm/pagemap.h"
#include "mm/rmap.h"
#include "mm/policy_reclaim.h"
#include "mm/swap_internal.h"
#include "mm/vma.h"
#include "mm/workingset.h"
#include "util/error.h"

static swp_entry_t folio_swap_entry(const struct page *folio)
{
	return (swp_entry_t){ folio->private };
}

static pg_data_t *folio_node(struct mm_sys *ms, const struct page *folio)
{
	return ms->node_data[page_nid(folio)];
}

/* ---- the cache ------------------------------------------------------------------------------ */

struct page *swap_cache_lookup(struct mm_sys *ms, swp_entry_t entry)
{
	struct swap_info_struct *si = swp_info(ms, entry);

	return si ? xa_load(&si->cache, swp_offset(entry)) : NULL;
}

struct page *swap_cache_get_folio(struct mm_sys *ms, swp_entry_t entry)
{
	return swap_cache_lookup(ms, entry);
}

int add_to_swap_cache(struct mm_sys *ms, struct page *folio, swp_entry_t entry, void **shadowp)
{
	struct swap_info_struct *si = swp_info(ms, entry);
	uint64_t off = swp_offset(entry);
	int err;

	if (!si)
		return -EINVAL;
	err = xa_store_order(&si->cache, off, 0, folio);
	if (err)
		return err;
	folio_ref_add(folio, 1);
	page_set(folio, PG_swapcache);
	folio->private = entry.val;
	mod_node_page_state(folio_node(ms, folio), NR_FILE_PAGES, 1);
	mod_node_page_state(folio_node(ms, folio), NR_SWAPCACHE, 1);
	ms->swap->nr_swapcache++;
	if (shadowp)
		*shadowp = si->shadows ? si->shadows[off] : NULL;
	if (si->shadows)
		si->shadows[off] = NULL;
	return 0;
}

void *swap_cache_get_shadow(struct mm_sys *ms, swp_entry_t entry)
{
	struct swap_info_struct *si = swp_info(ms, entry);

	return si && si->shadows ? si->shadows[swp_offset(entry)] : NULL;
}

/* __delete_from_swap_cache with the shadow reclaim leaves in the slot. */
static void delete_with_shadow(struct mm_sys *ms, struct page *folio, void *shadow)
{
	swp_entry_t entry = folio_swap_entry(folio);
	struct swap_info_struct *si = swp_info(ms, entry);

	__delete_from_swap_cache(ms, folio);
	if (!shadow || !si)
		return;
	if (!si->shadows)
		si->shadows = calloc(si->nr_clusters * si->cluster_nr, sizeof(void *));
	/* no host memory for the table: the refault is not recognised, nothing else changes */
	if (si->shadows)
		si->shadows[swp_offset(entry)] = shadow;
}

void __delete_from_swap_cache(struct mm_sys *ms, struct page *folio)
{
	swp_entry_t entry = folio_swap_entry(folio);
	struct swap_info_struct *si = swp_info(ms, entry);

	if (si)
		xa_erase(&si->cache, swp_offset(entry));
	page_clear(folio, PG_swapcache);
	folio->private = 0;
	mod_node_page_state(folio_node(ms, folio), NR_FILE_PAGES, -1);
	mod_node_page_state(folio_node(ms, folio), NR_SWAPCACHE, -1);
	ms->swap->nr_swapcache--;
}

/*
 * delete_from_swap_cache: out of the cache (shadow, when not NULL, left in the slot for
 * workingset_refault), the slot loses SWAP_HAS_CACHE (freed when no PTE holds it), the
 * cache's reference dropped.
 */
void delete_from_swap_cache(struct mm_sys *ms, struct page *folio, void *shadow)
{
	swp_entry_t entry = folio_swap_entry(folio);

	if (ms->rpolicy)
		rpolicy_swap_out(ms, folio, entry);	/* the slot remembers the page */
	delete_with_shadow(ms, folio, shadow);
	put_swap_folio(ms, entry);
	folio_put(ms, 0, folio);
}

int add_to_swap(struct mm_sys *ms, struct page *folio)
{
	swp_entry_t entry;
	int err;

	if (!folio_test_anon(folio) || !page_test(folio, PG_swapbacked) ||
	    page_test(folio, PG_swapcache) || folio_test_large(folio))
		return -EINVAL;	/* large folios are split first: a file takes order-0 slots */
	err = swap_alloc_slot(ms, &entry);
	if (err)
		return err;
	err = add_to_swap_cache(ms, folio, entry, NULL);
	if (err) {
		put_swap_folio(ms, entry);
		return err;
	}
	/* shrink_folio_list: always dirty, so that a MADV_FREE'd PTE's data gets written */
	page_set(folio, PG_dirty);
	return 0;
}

bool folio_free_swap(struct mm_sys *ms, struct page *folio)
{
	if (!page_test(folio, PG_swapcache) || page_test(folio, PG_writeback))
		return false;
	if (swap_entry_swapped(ms, folio_swap_entry(folio)))
		return false;
	delete_from_swap_cache(ms, folio, NULL);
	page_set(folio, PG_dirty);	/* folio_set_dirty: the only copy is in memory now */
	return true;
}

void free_swap_cache(struct mm_sys *ms, struct page *folio)
{
	if (page_test(folio, PG_swapcache) && !folio_mapped(folio))
		folio_free_swap(ms, folio);
}

/* ---- swap-in ------------------------------------------------------------------------------- */

void swap_update_readahead(struct mm_sys *ms, struct page *folio)
{
	if (folio_test_large(folio) || !page_test(folio, PG_readahead))
		return;
	page_clear(folio, PG_readahead);
	count_vm_events(ms, SWAP_RA_HIT, 1);
	ms->swap->ra_hits++;	/* swapin_readahead_hits: cluster readahead, not per VMA */
}

/* __swapin_nr_pages: the readahead window from the hits since the last fault. */
static unsigned int __swapin_nr_pages(uint64_t prev_offset, uint64_t offset, int hits,
				      unsigned int max_pages, unsigned int prev_win)
{
	unsigned int pages = (unsigned int)hits + 2, last_ra;

	if (pages == 2) {
		/* no hits to judge by: only an adjacent offset keeps a window of 2 */
		if (offset != prev_offset + 1 && offset != prev_offset - 1)
			pages = 1;
	} else {
		unsigned int roundup = 4;

		while (roundup < pages)
			roundup <<= 1;
		pages = roundup;
	}
	if (pages > max_pages)
		pages = max_pages;
	last_ra = prev_win / 2;		/* don't shrink readahead too fast */
	if (pages < last_ra)
		pages = last_ra;
	return pages;
}

static unsigned int swapin_nr_pages(struct mm_sys *ms, uint64_t offset)
{
	struct swap_state *ss = ms->swap;
	unsigned int max_pages = 1u << ms->sysctl.page_cluster, pages;
	int hits;

	if (max_pages <= 1)
		return 1;
	hits = ss->ra_hits;
	ss->ra_hits = 0;
	pages = __swapin_nr_pages(ss->ra_prev_offset, offset, hits, max_pages, ss->ra_last_pages);
	if (!hits)
		ss->ra_prev_offset = offset;
	ss->ra_last_pages = pages;
	return pages;
}

/*
 * __read_swap_cache_async + swap_read_folio: the cached folio of entry, or a new one read
 * from its slot and left in the cache; one reference for the caller. NULL with *err: -ENOENT
 * when no PTE holds the slot (nothing to read), -ENOMEM.
 */
static struct page *read_swap_cache_async(struct mm_sys *ms, int cpu, swp_entry_t entry,
					  bool readahead, int *err)
{
	struct page *folio = swap_cache_lookup(ms, entry);
	void *shadow = NULL;
	int e = 0;

	if (folio) {
		folio_get(folio);
		return folio;
	}
	if (!swap_entry_swapped(ms, entry)) {
		*err = -ENOENT;
		return NULL;
	}
	folio = alloc_pages(ms, cpu, MMSIM_GFP_HIGHUSER_MOVABLE, 0, &e);
	if (!folio) {
		*err = e ? e : -ENOMEM;
		return NULL;
	}
	e = swapcache_prepare(ms, entry);
	if (!e) {
		page_set(folio, PG_swapbacked);
		e = add_to_swap_cache(ms, folio, entry, &shadow);
		if (e)
			put_swap_folio(ms, entry);
	}
	if (e) {
		folio_put(ms, cpu, folio);
		*err = e;
		return NULL;
	}
	/* the shadow reclaim left says whether this is a refault of the workingset */
	if (shadow)
		workingset_refault(ms, folio, shadow);
	folio_add_lru(ms, folio);
	/* a read error leaves the folio !uptodate in the cache: the fault sees SIGBUS */
	swap_read_folio(ms, folio);
	if (readahead) {
		page_set(folio, PG_readahead);
		count_vm_events(ms, SWAP_RA, 1);
	}
	return folio;
}

struct page *swapin_readahead(struct mm_sys *ms, int cpu, swp_entry_t entry, int *err)
{
	struct swap_info_struct *si = swp_info(ms, entry);
	uint64_t offset = swp_offset(entry), mask, start, end;

	if (!si) {
		*err = -EINVAL;
		return NULL;
	}
	/* swap_cluster_readahead: a page_cluster sized and aligned block around offset */
	mask = swapin_nr_pages(ms, offset) - 1;
	if (mask) {
		start = offset & ~mask;
		end = offset | mask;
		if (!start)
			start++;	/* the first page is the header */
		if (end >= si->max)
			end = si->max - 1;
		for (uint64_t o = start; o <= end; o++) {
			int e = 0;
			struct page *f = read_swap_cache_async(ms, cpu, swp_entry(si->type, o),
							       o != offset, &e);

			if (f)
				folio_put(ms, cpu, f);
		}
	}
	return read_swap_cache_async(ms, cpu, entry, false, err);
}

/* ---- the swap fault ------------------------------------------------------------------------ */

/* should_try_to_free_swap: swap more than half full, mlocked, or a write by the only user. */
static bool should_try_to_free_swap(struct mm_sys *ms, struct page *folio,
				    const struct vm_area_struct *vma, unsigned int fault_flags)
{
	if (!page_test(folio, PG_swapcache))
		return false;
	if (vm_swap_full(ms) || (vma->vm_flags & VM_LOCKED) || page_test(folio, PG_mlocked))
		return true;
	/* our reference and the cache's: nobody else could be writing */
	return (fault_flags & FAULT_FLAG_WRITE) &&
	       folio_ref_count(folio) == 1 + (int)folio_nr_pages(folio);
}

/* pte_mkwrite without pte_mkdirty: x86 R/W; arm64 DBM with AP[2] still set (clean). */
static uint32_t prot_mkwrite_clean(const struct mm_struct *mm, uint32_t prot)
{
	return mm->pgd.fmt->arch == ARCH_ARM64 ? prot | PTE_DBM : prot | PTE_WRITE;
}

vm_fault_t do_swap_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	int cpu = mm->pgd.cpu;
	uint64_t raw = pgtable_read_entry(&mm->pgd, vmf->entry_pa);
	unsigned int rmap_flags = 0;
	vm_fault_t ret = 0;
	struct page *folio;
	swp_entry_t entry;
	bool exclusive;
	uint32_t prot;
	int err = 0;

	if (!pte_to_swp_entry(mm->pgd.fmt, raw, &entry, &exclusive) || !swp_info(ms, entry))
		return VM_FAULT_SIGBUS;	/* print_bad_pte: not an entry of an area that is on */
	folio = swap_cache_lookup(ms, entry);
	if (folio) {
		folio_get(folio);
		swap_update_readahead(ms, folio);
	} else {
		folio = swapin_readahead(ms, cpu, entry, &err);
		if (!folio)
			return err == -ENOENT ? VM_FAULT_SIGBUS : VM_FAULT_OOM;
		/* had to read the page from the swap area: a major fault */
		ret = VM_FAULT_MAJOR;
		count_vm_events(ms, PGMAJFAULT, 1);
	}
	if (!page_test(folio, PG_uptodate)) {
		folio_put(ms, cpu, folio);
		return VM_FAULT_SIGBUS;
	}
	if (!vma->anon_vma && anon_vma_prepare(vma)) {
		folio_put(ms, cpu, folio);
		return VM_FAULT_OOM;
	}
	/* the PTE's count goes; maybe the cache too */
	swap_free(ms, entry);
	if (should_try_to_free_swap(ms, folio, vma, vmf->flags))
		folio_free_swap(ms, folio);
	prot = (uint32_t)vma->vm_page_prot;
	if (exclusive || folio_ref_count(folio) == 1) {
		if (vma->vm_flags & VM_WRITE) {
			if (vmf->flags & FAULT_FLAG_WRITE) {
				prot = prot_mkwrite(mm, prot);
				vmf->flags &= ~FAULT_FLAG_WRITE;
			} else {
				prot = prot_mkwrite_clean(mm, prot);
			}
		}
		rmap_flags |= RMAP_EXCLUSIVE;
	}
	if (set_pte(mm, vmf->entry_pa, vmf->level, page_to_pfn(ms, folio) << ms->page_shift,
		    prot)) {
		folio_put(ms, cpu, folio);
		return VM_FAULT_SIGBUS;
	}
	add_mm_counter(mm, MM_ANONPAGES, 1);
	mm_swapents_add(mm, -1);
	/* our reference becomes the mapping's */
	if (!folio_test_anon(folio))
		folio_add_new_anon_rmap(folio, vma, vmf->address, rmap_flags);
	else
		folio_add_anon_rmap_ptes(folio, folio, 1, vma, vmf->address, rmap_flags);
	return ret;
}

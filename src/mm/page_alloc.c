/*
 * The zoned buddy allocator (Linux 6.18: mm/page_alloc.c).
 *
 * What is here, under Linux's names: the free lists per order and migrate type with
 * splitting (expand) and merging (__free_one_page, buddy_merge_likely), pageblock
 * migrate types with the fallback table and block claiming (__rmqueue_claim,
 * try_to_claim_block) or single-page stealing (__rmqueue_steal), ALLOC_NOFRAGMENT,
 * the highatomic reserve, watermarks with lowmem_reserve (__zone_watermark_ok,
 * zone_watermark_fast), the zonelist walk (get_page_from_freelist), the per-CPU lists with
 * Linux's batch and high tuning (nr_pcp_alloc, nr_pcp_high, nr_pcp_free,
 * free_pcppages_bulk), compound pages, and the pgalloc_* / pgfree counters.
 *
 * The slow path (__alloc_pages_slowpath): kswapd is woken when the low watermark fails
 * (wake_all_kswapds), the min watermark is tried, then direct reclaim (mm/vmscan.c
 * try_to_free_pages, allocstall_*), retried while should_reclaim_retry sees a chance, then
 * the OOM killer (mm/oom_kill.c). In the model only user-page allocations (movable) reclaim
 * and kill; kernel objects wake kswapd and fail below min (mm/vmscan.h says why). kswapd
 * runs when a user-page allocation returns.
 *
 * Left out until their issues: compaction, watermark boosting's reclaim, CMA, memory
 * isolation users, cpusets and mempolicies, page poisoning, shuffling; __GFP_NOFAIL fails
 * like any other allocation once the OOM killer has nothing left to do.
 */
#include "mm/page_alloc.h"
#include <errno.h>
#include <string.h>
#include "hw/physmem.h"
#include "mm/oom.h"
#include "mm/vmscan.h"
#include "util/error.h"

const char *const migratetype_names[MIGRATE_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
};

/* alloc_flags (mm/internal.h). */
#define ALLOC_WMARK_MIN		WMARK_MIN
#define ALLOC_WMARK_LOW		WMARK_LOW
#define ALLOC_WMARK_HIGH	WMARK_HIGH
#define ALLOC_NO_WATERMARKS	0x04
#define ALLOC_WMARK_MASK	(ALLOC_NO_WATERMARKS - 1)
#define ALLOC_OOM		0x08
#define ALLOC_NON_BLOCK		0x10
#define ALLOC_MIN_RESERVE	0x20
#define ALLOC_CPUSET		0x40
#define ALLOC_CMA		0x80
#define ALLOC_NOFRAGMENT	0x100
#define ALLOC_HIGHATOMIC	0x200
#define ALLOC_KSWAPD		0x800
#define ALLOC_RESERVES (ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM)

/* Fallback order when a migrate type's lists are empty. */
static const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE]   = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE]     = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

static inline uint64_t pageblock_nr_pages(const struct mm_sys *ms) { return 1ull << ms->pageblock_order; }

/* ---- memory model ------------------------------------------------------------------ */

struct page *pfn_to_page(struct mm_sys *ms, uint64_t pfn)
{
	if (pfn < ms->min_pfn || pfn >= ms->max_pfn)
		return NULL;
	if (ms->model == MEMORY_MODEL_FLAT)
		return ms->mem_map + (pfn - ms->min_pfn);
	struct mem_section *sec = &ms->sections[pfn >> ms->section_shift];
	if (!sec->mem_map)
		return NULL;
	return sec->mem_map + (pfn & ((1ull << ms->section_shift) - 1));
}

/*
 * The struct page array lives in simulated RAM, so a struct page's own physical address
 * says where it is: in FLAT, an offset into mem_map; in SPARSE, a section_map_size piece
 * of RAM that memmap_rev maps back to its section.
 */
uint64_t page_to_pfn(struct mm_sys *ms, const struct page *page)
{
	if (ms->model == MEMORY_MODEL_FLAT)
		return ms->min_pfn + (uint64_t)(page - ms->mem_map);
	uint64_t off = (uint64_t)((const uint8_t *)page - ms->ram->host);
	uint64_t sec = ms->memmap_rev[off >> ms->memmap_rev_shift];
	uint64_t idx = (off & ((1ull << ms->memmap_rev_shift) - 1)) / sizeof(struct page);
	return (sec << ms->section_shift) + idx;
}

void *page_address(struct mm_sys *ms, const struct page *page)
{
	return phys_to_host(ms->ram, page_to_pfn(ms, page) << ms->page_shift);
}

static uint8_t *pageblock_slot(struct mm_sys *ms, uint64_t pfn)
{
	if (ms->model == MEMORY_MODEL_FLAT)
		return &ms->pageblock_flags_flat[(pfn - ms->min_pfn) >> ms->pageblock_order];
	struct mem_section *sec = &ms->sections[pfn >> ms->section_shift];
	return &sec->pageblock_flags[(pfn & ((1ull << ms->section_shift) - 1)) >> ms->pageblock_order];
}

enum migratetype get_pageblock_migratetype(struct mm_sys *ms, uint64_t pfn)
{
	return (enum migratetype)*pageblock_slot(ms, pfn);
}

void set_pageblock_migratetype(struct mm_sys *ms, uint64_t pfn, enum migratetype mt)
{
	if (ms->page_group_by_mobility_disabled && mt < MIGRATE_PCPTYPES)
		mt = MIGRATE_UNMOVABLE;
	*pageblock_slot(ms, pfn) = (uint8_t)mt;
}

/* ---- counters --------------------------------------------------------------------- */

int64_t global_zone_page_state(struct mm_sys *ms, enum zone_stat_item i)
{
	int64_t sum = 0;
	for_each_node(ms, nid)
		for (unsigned int z = 0; z < ms->arch->nr_zones; z++)
			sum += node_zone(ms, nid, z)->vm_stat[i];
	return sum;
}

int64_t global_node_page_state(struct mm_sys *ms, enum node_stat_item i)
{
	int64_t sum = 0;
	for_each_node(ms, nid)
		sum += ms->node_data[nid]->vm_stat[i];
	return sum;
}

uint64_t global_free_pages(struct mm_sys *ms)
{
	int64_t f = global_zone_page_state(ms, NR_FREE_PAGES);
	return f > 0 ? (uint64_t)f : 0;
}

/* ---- free lists --------------------------------------------------------------------- */

static inline bool is_migrate_isolate(int mt) { return mt == MIGRATE_ISOLATE; }
static inline bool is_migrate_highatomic(int mt) { return mt == MIGRATE_HIGHATOMIC; }
static inline bool migratetype_is_mergeable(int mt) { return mt < MIGRATE_PCPTYPES; }

/* Free pages enter or leave a zone's counters (account_freepages). */
static void account_freepages(struct zone *zone, int64_t nr_pages, int mt)
{
	if (is_migrate_isolate(mt))
		return;
	mod_zone_page_state(zone, NR_FREE_PAGES, nr_pages);
	if (is_migrate_highatomic(mt))
		zone->nr_free_highatomic += (uint64_t)nr_pages;
}

static inline void set_buddy_order(struct mm_sys *ms, struct zone *zone, struct page *page,
				   unsigned int order)
{
	(void)ms;
	page->private = order;
	page->refcount = 0;
	page->compound = 0;
	page->flags &= ~((1ull << PG_head) | (1ull << PG_pcp) | (1ull << PG_reserved));
	set_page_links(page, zone->zone_pgdat->node_id, zone->idx);
	page_set(page, PG_buddy);
}

static inline bool PageBuddy(const struct page *p) { return page_test(p, PG_buddy); }
static inline unsigned int buddy_order(const struct page *p) { return (unsigned int)p->private; }

static void __add_to_free_list(struct mm_sys *ms, struct page *page, struct zone *zone,
			       unsigned int order, int mt, bool tail)
{
	struct free_area *area = &zone->free_area[order];
	if (tail)
		list_add_tail(&page->lru, &area->free_list[mt]);
	else
		list_add(&page->lru, &area->free_list[mt]);
	area->nr_free++;
	if (order >= ms->pageblock_order && !is_migrate_isolate(mt))
		mod_zone_page_state(zone, NR_FREE_PAGES_BLOCKS, 1ll << order);
}

static void __del_page_from_free_list(struct mm_sys *ms, struct page *page, struct zone *zone,
				      unsigned int order, int mt)
{
	list_del(&page->lru);
	page_clear(page, PG_buddy);
	page->private = 0;
	zone->free_area[order].nr_free--;
	if (order >= ms->pageblock_order && !is_migrate_isolate(mt))
		mod_zone_page_state(zone, NR_FREE_PAGES_BLOCKS, -(1ll << order));
}

static void del_page_from_free_list(struct mm_sys *ms, struct page *page, struct zone *zone,
				    unsigned int order, int mt)
{
	__del_page_from_free_list(ms, page, zone, order, mt);
	account_freepages(zone, -(1ll << order), mt);
}

/* Move a free block between lists when its pageblock changes type (move_to_free_list). */
static void move_to_free_list(struct mm_sys *ms, struct page *page, struct zone *zone,
			      unsigned int order, int old_mt, int new_mt)
{
	struct free_area *area = &zone->free_area[order];
	list_move_tail(&page->lru, &area->free_list[new_mt]);
	if (order >= ms->pageblock_order && is_migrate_isolate(old_mt) != is_migrate_isolate(new_mt))
		mod_zone_page_state(zone, NR_FREE_PAGES_BLOCKS,
				    is_migrate_isolate(new_mt) ? -(1ll << order) : (1ll << order));
	account_freepages(zone, -(1ll << order), old_mt);
	account_freepages(zone, 1ll << order, new_mt);
}

/*
 * The buddy of (pfn, order) if it is a free block of the same order in the same zone.
 * (Linux compares the two pages' zone ids; the page being freed may be one whose struct
 * page boot has not written yet, so compare with the zone it is freed into.)
 */
static struct page *find_buddy_page_pfn(struct mm_sys *ms, const struct zone *zone, uint64_t pfn,
					unsigned int order, uint64_t *buddy_pfn)
{
	uint64_t bpfn = pfn ^ (1ull << order);
	if (buddy_pfn)
		*buddy_pfn = bpfn;
	struct page *buddy = pfn_to_page(ms, bpfn);
	if (!buddy || !PageBuddy(buddy) || buddy_order(buddy) != order)
		return NULL;
	if (page_nid(buddy) != zone->zone_pgdat->node_id || page_zonenum(buddy) != zone->idx)
		return NULL;
	return buddy;
}

/* Will the block merge further soon? Then queue it at the tail (buddy_merge_likely). */
static bool buddy_merge_likely(struct mm_sys *ms, const struct zone *zone, uint64_t pfn,
			       uint64_t buddy_pfn, unsigned int order)
{
	if (order >= ms->max_order - 1)
		return false;
	uint64_t higher_pfn = buddy_pfn & pfn;
	return find_buddy_page_pfn(ms, zone, higher_pfn, order + 1, NULL) != NULL;
}

/*
 * Give a block back to the free lists, merging with free buddies (__free_one_page).
 *
 *   order 0:  [p][b]          p and its buddy b = pfn ^ 1 are both free
 *   order 1:  [p  b][B   ]    -> one order-1 block; its buddy B = pfn ^ 2 ...
 */
static void __free_one_page(struct mm_sys *ms, struct page *page, uint64_t pfn, struct zone *zone,
			    unsigned int order, int mt, bool to_tail)
{
	uint64_t buddy_pfn = 0;
	account_freepages(zone, 1ll << order, mt);
	while (order < ms->max_order) {
		int buddy_mt = mt;
		struct page *buddy = find_buddy_page_pfn(ms, zone, pfn, order, &buddy_pfn);
		if (!buddy)
			break;
		if (order >= ms->pageblock_order) {
			/* Do not merge across pageblocks whose types must not mix. */
			buddy_mt = get_pageblock_migratetype(ms, buddy_pfn);
			if (mt != buddy_mt && (!migratetype_is_mergeable(mt) ||
					       !migratetype_is_mergeable(buddy_mt)))
				break;
		}
		__del_page_from_free_list(ms, buddy, zone, order, buddy_mt);
		if (buddy_mt != mt) {
			/* The buddy's free pages were counted under its type. */
			account_freepages(zone, -(1ll << order), buddy_mt);
			account_freepages(zone, 1ll << order, mt);
			set_pageblock_migratetype(ms, buddy_pfn, mt);
		}
		uint64_t combined = buddy_pfn & pfn;
		page = page + ((int64_t)combined - (int64_t)pfn);
		pfn = combined;
		order++;
	}
	set_buddy_order(ms, zone, page, order);
	if (!to_tail)
		to_tail = buddy_merge_likely(ms, zone, pfn, buddy_pfn, order);
	__add_to_free_list(ms, page, zone, order, mt, to_tail);
}

/* Free a block larger than a pageblock one pageblock at a time, each with its own type. */
static void split_large_buddy(struct mm_sys *ms, struct zone *zone, struct page *page,
			      uint64_t pfn, unsigned int order, bool to_tail)
{
	uint64_t end = pfn + (1ull << order);
	if (order > ms->pageblock_order)
		order = ms->pageblock_order;
	do {
		int mt = get_pageblock_migratetype(ms, pfn);
		__free_one_page(ms, page, pfn, zone, order, mt, to_tail);
		pfn += 1ull << order;
		page = pfn_to_page(ms, pfn);
	} while (pfn != end);
}

/* Split an order-high block down to order low, freeing the upper halves (expand). */
static uint64_t expand(struct mm_sys *ms, struct zone *zone, struct page *page, unsigned int low,
		       unsigned int high, int mt)
{
	uint64_t size = 1ull << high, nr_added = 0;
	while (high > low) {
		high--;
		size >>= 1;
		__add_to_free_list(ms, &page[size], zone, high, mt, false);
		set_buddy_order(ms, zone, &page[size], high);
		nr_added += size;
	}
	return nr_added;
}

static void page_del_and_expand(struct mm_sys *ms, struct zone *zone, struct page *page,
				unsigned int low, unsigned int high, int mt)
{
	__del_page_from_free_list(ms, page, zone, high, mt);
	uint64_t nr_added = expand(ms, zone, page, low, high, mt);
	account_freepages(zone, -(int64_t)((1ull << high) - nr_added), mt);
}

/* The smallest free block of exactly this type that can serve order (__rmqueue_smallest). */
static struct page *__rmqueue_smallest(struct mm_sys *ms, struct zone *zone, unsigned int order, int mt)
{
	for (unsigned int cur = order; cur <= ms->max_order; cur++) {
		struct list_head *l = &zone->free_area[cur].free_list[mt];
		if (list_empty(l))
			continue;
		struct page *page = list_first_entry(l, struct page, lru);
		page_del_and_expand(ms, zone, page, order, cur, mt);
		return page;
	}
	return NULL;
}

/* Set every pageblock of a block of order >= pageblock_order to mt (change_pageblock_range). */
static void change_pageblock_range(struct mm_sys *ms, uint64_t pfn, unsigned int order, int mt)
{
	for (uint64_t n = 1ull << (order - ms->pageblock_order); n; n--, pfn += pageblock_nr_pages(ms))
		set_pageblock_migratetype(ms, pfn, mt);
}

static bool should_try_claim_block(struct mm_sys *ms, unsigned int order, int start_mt)
{
	if (order >= ms->pageblock_order)
		return true;
	if (order >= ms->pageblock_order / 2)
		return true;
	if (start_mt == MIGRATE_RECLAIMABLE || start_mt == MIGRATE_UNMOVABLE)
		return true;
	if (ms->page_group_by_mobility_disabled)
		return true;
	return false;
}

/* -1: nothing at this order; -2: too low an order to claim; else the type to take from. */
static int find_suitable_fallback(struct mm_sys *ms, struct free_area *area, unsigned int order,
				  int mt, bool claimable)
{
	if (claimable && !should_try_claim_block(ms, order, mt))
		return -2;
	if (area->nr_free == 0)
		return -1;
	for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		int fb = fallbacks[mt][i];
		if (!list_empty(&area->free_list[fb]))
			return fb;
	}
	return -1;
}

/*
 * Count the free and movable pages of the pageblock holding page (prep_move_freepages_block).
 * Fails when the pageblock crosses the zone's edge.
 */
static bool prep_move_freepages_block(struct mm_sys *ms, struct zone *zone, uint64_t pfn,
				      uint64_t *start_pfn, int *free_pages, int *movable_pages)
{
	uint64_t start = pfn & ~(pageblock_nr_pages(ms) - 1);
	uint64_t end = start + pageblock_nr_pages(ms);
	*start_pfn = start;
	*free_pages = 0;
	*movable_pages = 0;
	if (!zone_spans_pfn(zone, start) || !zone_spans_pfn(zone, end - 1))
		return false;
	for (uint64_t p = start; p < end;) {
		struct page *page = pfn_to_page(ms, p);
		if (page && PageBuddy(page)) {
			int n = 1 << buddy_order(page);
			*free_pages += n;
			p += (uint64_t)n;
			continue;
		}
		if (page && page->refcount > 0 && page_test(page, PG_lru))
			(*movable_pages)++;
		p++;
	}
	return true;
}

/* Move every free block of the pageblock at start_pfn from old_mt to new_mt. */
static void __move_freepages_block(struct mm_sys *ms, struct zone *zone, uint64_t start_pfn,
				   int old_mt, int new_mt)
{
	uint64_t end = start_pfn + pageblock_nr_pages(ms);
	for (uint64_t p = start_pfn; p < end;) {
		struct page *page = pfn_to_page(ms, p);
		if (page && PageBuddy(page)) {
			unsigned int order = buddy_order(page);
			move_to_free_list(ms, page, zone, order, old_mt, new_mt);
			p += 1ull << order;
			continue;
		}
		p++;
	}
}

static struct page *try_to_claim_block(struct mm_sys *ms, struct zone *zone, struct page *page,
				       unsigned int cur, unsigned int order, int start_type,
				       int block_type)
{
	uint64_t pfn = page_to_pfn(ms, page);
	if (cur >= ms->pageblock_order) {
		/* Whole pageblocks: take ownership of all of them. */
		del_page_from_free_list(ms, page, zone, cur, block_type);
		change_pageblock_range(ms, pfn, cur, start_type);
		uint64_t nr_added = expand(ms, zone, page, order, cur, start_type);
		account_freepages(zone, (int64_t)nr_added, start_type);
		return page;
	}
	uint64_t start_pfn;
	int free_pages, movable_pages, alike_pages;
	if (!prep_move_freepages_block(ms, zone, pfn, &start_pfn, &free_pages, &movable_pages))
		return NULL;
	if (start_type == MIGRATE_MOVABLE)
		alike_pages = movable_pages;
	else if (block_type == MIGRATE_MOVABLE)
		alike_pages = (int)pageblock_nr_pages(ms) - (free_pages + movable_pages);
	else
		alike_pages = 0;
	/* Claim the block when at least half of it is free or of our kind. */
	if (free_pages + alike_pages >= (1 << (ms->pageblock_order - 1)) ||
	    ms->page_group_by_mobility_disabled) {
		__move_freepages_block(ms, zone, start_pfn, block_type, start_type);
		set_pageblock_migratetype(ms, start_pfn, start_type);
		return __rmqueue_smallest(ms, zone, order, start_type);
	}
	return NULL;
}

/* Take a large block of another type and try to claim its pageblock (__rmqueue_claim). */
static struct page *__rmqueue_claim(struct mm_sys *ms, struct zone *zone, unsigned int order,
				    int start_mt, unsigned int alloc_flags)
{
	unsigned int min_order = order;
	if (order < ms->pageblock_order && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = ms->pageblock_order;
	for (int cur = (int)ms->max_order; cur >= (int)min_order; cur--) {
		struct free_area *area = &zone->free_area[cur];
		int fb = find_suitable_fallback(ms, area, (unsigned)cur, start_mt, true);
		if (fb == -1)
			continue;
		if (fb == -2)
			break;
		struct page *page = list_first_entry(&area->free_list[fb], struct page, lru);
		page = try_to_claim_block(ms, zone, page, (unsigned)cur, order, start_mt, fb);
		if (page)
			return page;
	}
	return NULL;
}

/* Take the smallest block of another type without claiming its pageblock (__rmqueue_steal). */
static struct page *__rmqueue_steal(struct mm_sys *ms, struct zone *zone, unsigned int order, int start_mt)
{
	for (unsigned int cur = order; cur <= ms->max_order; cur++) {
		struct free_area *area = &zone->free_area[cur];
		int fb = find_suitable_fallback(ms, area, cur, start_mt, false);
		if (fb == -1)
			continue;
		struct page *page = list_first_entry(&area->free_list[fb], struct page, lru);
		page_del_and_expand(ms, zone, page, order, cur, fb);
		return page;
	}
	return NULL;
}

enum rmqueue_mode { RMQUEUE_NORMAL, RMQUEUE_CLAIM, RMQUEUE_STEAL };

static struct page *__rmqueue(struct mm_sys *ms, struct zone *zone, unsigned int order, int mt,
			      unsigned int alloc_flags, enum rmqueue_mode *mode)
{
	struct page *page;
	switch (*mode) {
	case RMQUEUE_NORMAL:
		page = __rmqueue_smallest(ms, zone, order, mt);
		if (page)
			return page;
		/* fall through */
	case RMQUEUE_CLAIM:
		page = __rmqueue_claim(ms, zone, order, mt, alloc_flags);
		if (page) {
			*mode = RMQUEUE_NORMAL;
			return page;
		}
		/* fall through */
	case RMQUEUE_STEAL:
		if (!(alloc_flags & ALLOC_NOFRAGMENT)) {
			page = __rmqueue_steal(ms, zone, order, mt);
			if (page) {
				*mode = RMQUEUE_STEAL;
				return page;
			}
		}
	}
	return NULL;
}

/* ---- per-CPU lists ------------------------------------------------------------------- */

static int zone_index_of(const struct arch_info *a, enum zone_type t)
{
	for (unsigned int i = 0; i < a->nr_zones; i++)
		if (a->zones[i] == t)
			return (int)i;
	return -1;
}

static inline bool pcp_allowed_order(struct mm_sys *ms, unsigned int order)
{
	if (order <= PAGE_ALLOC_COSTLY_ORDER)
		return true;
	return ms->desc->thp != THP_NEVER && order == ms->pageblock_order;
}

static inline unsigned int order_to_pindex(int mt, unsigned int order)
{
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		return NR_LOWORDER_PCP_LISTS + (mt == MIGRATE_MOVABLE);
	return MIGRATE_PCPTYPES * order + (unsigned)mt;
}

static inline unsigned int pindex_to_order(struct mm_sys *ms, unsigned int pindex)
{
	if (pindex >= NR_LOWORDER_PCP_LISTS)
		return ms->pageblock_order;
	return pindex / MIGRATE_PCPTYPES;
}

static inline int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
static inline int maxi(int a, int b) { return a > b ? a : b; }
static inline int mini(int a, int b) { return a < b ? a : b; }

/* Take count blocks of an order for a pcp list (rmqueue_bulk). Returns how many. */
static int rmqueue_bulk(struct mm_sys *ms, struct zone *zone, unsigned int order, int count,
			struct list_head *list, int mt, unsigned int alloc_flags)
{
	enum rmqueue_mode mode = RMQUEUE_NORMAL;
	int i;
	for (i = 0; i < count; i++) {
		struct page *page = __rmqueue(ms, zone, order, mt, alloc_flags, &mode);
		if (!page)
			break;
		page->private = order;
		page_set(page, PG_pcp);
		list_add_tail(&page->lru, list);
	}
	return i;
}

static int nr_pcp_alloc(struct per_cpu_pages *pcp, struct zone *zone, unsigned int order)
{
	int base_batch = pcp->batch, high_min = pcp->high_min, high_max = pcp->high_max;
	int high = pcp->high = clampi(pcp->high, high_min, high_max);
	int batch;
	if (high < base_batch)
		return 1;
	batch = order ? base_batch : (base_batch << pcp->alloc_factor);
	/* A larger pcp->high would have spared us this trip to the zone. */
	if (high_min != high_max && !(zone->flags & ZONE_BELOW_HIGH))
		high = pcp->high = mini(high + batch, high_max);
	if (!order) {
		int max_nr_alloc = maxi(high - pcp->count - base_batch, base_batch);
		/* Double the batch for each further allocation without a free between. */
		if (batch <= max_nr_alloc && pcp->alloc_factor < PCP_BATCH_SCALE_MAX)
			pcp->alloc_factor++;
		batch = mini(batch, max_nr_alloc);
	}
	if (batch > 1)
		batch = maxi(batch >> order, 2);
	return batch;
}

static struct page *rmqueue_pcplist(struct mm_sys *ms, struct zone *zone, int cpu, unsigned int order,
				    int mt, unsigned int alloc_flags)
{
	struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];
	struct list_head *list = &pcp->lists[order_to_pindex(mt, order)];
	/* Allocation breaks a run of frees: shrink the next free batch. */
	pcp->free_count >>= 1;
	if (list_empty(list)) {
		int batch = nr_pcp_alloc(pcp, zone, order);
		int got = rmqueue_bulk(ms, zone, order, batch, list, mt, alloc_flags);
		pcp->count += got << order;
		if (list_empty(list))
			return NULL;
	}
	struct page *page = list_first_entry(list, struct page, lru);
	list_del(&page->lru);
	page_clear(page, PG_pcp);
	pcp->count -= 1 << order;
	return page;
}

/* Give count pages from the pcp lists back to the buddy lists, round robin (free_pcppages_bulk). */
static void free_pcppages_bulk(struct mm_sys *ms, struct zone *zone, int count,
			       struct per_cpu_pages *pcp, int pindex)
{
	count = mini(pcp->count, count);
	pindex = pindex - 1;		/* the requested list is drained first */
	while (count > 0) {
		struct list_head *list;
		do {
			if (++pindex > NR_PCP_LISTS - 1)
				pindex = 0;
			list = &pcp->lists[pindex];
		} while (list_empty(list));
		unsigned int order = pindex_to_order(ms, (unsigned)pindex);
		int nr_pages = 1 << order;
		do {
			struct page *page = list_last_entry(list, struct page, lru);
			uint64_t pfn = page_to_pfn(ms, page);
			int mt = get_pageblock_migratetype(ms, pfn);
			list_del(&page->lru);
			page_clear(page, PG_pcp);
			count -= nr_pages;
			pcp->count -= nr_pages;
			__free_one_page(ms, page, pfn, zone, order, mt, false);
		} while (count > 0 && !list_empty(list));
	}
}

static int nr_pcp_free(struct per_cpu_pages *pcp, int batch, int high, bool free_high)
{
	if (free_high)
		return mini(pcp->count, batch << PCP_BATCH_SCALE_MAX);
	if (high < batch)
		return 1;
	/* Free the run of consecutive frees, leaving at least batch pages. */
	return clampi(pcp->free_count, batch, high - batch);
}

static int nr_pcp_high(struct per_cpu_pages *pcp, struct zone *zone, int batch, bool free_high)
{
	int high_min = pcp->high_min, high_max = pcp->high_max;
	int high = pcp->high = clampi(pcp->high, high_min, high_max);
	if (!high)
		return 0;
	if (free_high) {
		pcp->high = maxi(high - (batch << PCP_BATCH_SCALE_MAX), high_min);
		return 0;
	}
	if (high_min == high_max)
		return high;
	if (zone->flags & ZONE_BELOW_HIGH) {
		int free_count = maxi(pcp->free_count, batch);
		pcp->high = maxi(high - free_count, high_min);
		high = maxi(pcp->count, high_min);
	} else if (pcp->count >= high) {
		int need_high = pcp->free_count + batch;
		if (pcp->high < need_high)
			pcp->high = clampi(need_high, high_min, high_max);
	}
	return high;
}

static bool __zone_watermark_ok(struct mm_sys *ms, struct zone *z, unsigned int order, uint64_t mark,
				unsigned int highest_zoneidx, unsigned int alloc_flags, int64_t free_pages);

static void free_frozen_page_commit(struct mm_sys *ms, struct zone *zone, struct per_cpu_pages *pcp,
				    struct page *page, int mt, unsigned int order)
{
	bool free_high = false;
	pcp->alloc_factor >>= 1;
	count_vm_events(ms, PGFREE, 1ull << order);
	unsigned int pindex = order_to_pindex(mt, order);
	page->private = order;
	page_set(page, PG_pcp);
	list_add(&page->lru, &pcp->lists[pindex]);
	pcp->count += 1 << order;
	int batch = pcp->batch;
	/* Many high-order frees in a row: do not hoard them on the pcp lists. */
	if (order && order <= PAGE_ALLOC_COSTLY_ORDER) {
		free_high = pcp->free_count >= batch + pcp->high_min / 2 &&
			    (pcp->flags & PCPF_PREV_FREE_HIGH_ORDER) &&
			    (!(pcp->flags & PCPF_FREE_HIGH_BATCH) || pcp->count >= batch);
		pcp->flags |= PCPF_PREV_FREE_HIGH_ORDER;
	} else if (pcp->flags & PCPF_PREV_FREE_HIGH_ORDER) {
		pcp->flags &= ~PCPF_PREV_FREE_HIGH_ORDER;
	}
	if (pcp->free_count < (batch << PCP_BATCH_SCALE_MAX))
		pcp->free_count += 1 << order;
	int high = nr_pcp_high(pcp, zone, batch, free_high);
	if (pcp->count >= high) {
		free_pcppages_bulk(ms, zone, nr_pcp_free(pcp, batch, high, free_high), pcp, (int)pindex);
		if ((zone->flags & ZONE_BELOW_HIGH) &&
		    __zone_watermark_ok(ms, zone, 0, wmark_pages(zone, WMARK_HIGH),
					(unsigned)zone_index_of(ms->arch, ZONE_MOVABLE), 0,
					zone->vm_stat[NR_FREE_PAGES]))
			zone->flags &= ~ZONE_BELOW_HIGH;
	}
}

void drain_all_pages(struct mm_sys *ms)
{
	for_each_node(ms, nid)
		for (unsigned int z = 0; z < ms->arch->nr_zones; z++) {
			struct zone *zone = node_zone(ms, nid, z);
			if (!zone_is_populated(zone))
				continue;
			for (unsigned int cpu = 0; cpu < ms->nr_cpus; cpu++) {
				struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];
				if (pcp->count)
					free_pcppages_bulk(ms, zone, pcp->count, pcp, 0);
			}
		}
}

/* ---- watermarks ----------------------------------------------------------------------- */

static int64_t __zone_watermark_unusable_free(struct zone *z, unsigned int order, unsigned int alloc_flags)
{
	int64_t unusable = (1ll << order) - 1;
	if (!(alloc_flags & ALLOC_RESERVES))
		unusable += (int64_t)z->nr_free_highatomic;
	return unusable;
}

static bool __zone_watermark_ok(struct mm_sys *ms, struct zone *z, unsigned int order, uint64_t mark,
				unsigned int highest_zoneidx, unsigned int alloc_flags, int64_t free_pages)
{
	int64_t min = (int64_t)mark;
	free_pages -= __zone_watermark_unusable_free(z, order, alloc_flags);
	if (alloc_flags & ALLOC_RESERVES) {
		/* __GFP_HIGH may dip into half the min reserve; atomic callers a bit more. */
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	if (free_pages <= min + z->lowmem_reserve[highest_zoneidx])
		return false;
	if (!order)
		return true;
	/* Enough free pages: is there also a block large enough? */
	for (unsigned int o = order; o <= ms->max_order; o++) {
		struct free_area *area = &z->free_area[o];
		if (!area->nr_free)
			continue;
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			if (!list_empty(&area->free_list[mt]))
				return true;
		if ((alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) &&
		    !list_empty(&area->free_list[MIGRATE_HIGHATOMIC]))
			return true;
	}
	return false;
}

static bool zone_watermark_fast(struct mm_sys *ms, struct zone *z, unsigned int order, uint64_t mark,
				unsigned int highest_zoneidx, unsigned int alloc_flags)
{
	int64_t free_pages = z->vm_stat[NR_FREE_PAGES];
	if (!order) {
		int64_t reserved = __zone_watermark_unusable_free(z, 0, alloc_flags);
		int64_t usable = free_pages - (reserved < free_pages ? reserved : free_pages);
		if (usable > (int64_t)mark + z->lowmem_reserve[highest_zoneidx])
			return true;
	}
	if (__zone_watermark_ok(ms, z, order, mark, highest_zoneidx, alloc_flags, free_pages))
		return true;
	/* __GFP_HIGH order-0 allocations ignore watermark boosting. */
	if (!order && (alloc_flags & ALLOC_MIN_RESERVE) && z->watermark_boost &&
	    (alloc_flags & ALLOC_WMARK_MASK) == WMARK_MIN)
		return __zone_watermark_ok(ms, z, order, z->_watermark[WMARK_MIN], highest_zoneidx,
					   alloc_flags, free_pages);
	return false;
}

bool zone_watermark_ok(struct mm_sys *ms, struct zone *z, unsigned int order, uint64_t mark,
		       unsigned int highest_zoneidx, unsigned int alloc_flags)
{
	return __zone_watermark_ok(ms, z, order, mark, highest_zoneidx, alloc_flags,
				   z->vm_stat[NR_FREE_PAGES]);
}

/* ---- gfp -------------------------------------------------------------------------- */

/* GFP_ZONE_TABLE: which zone type a gfp zone modifier combination asks for. */
unsigned int gfp_zone(struct mm_sys *ms, gfp_t gfp)
{
	const struct arch_info *a = ms->arch;
	enum zone_type t;
	switch (gfp & GFP_ZONEMASK) {
	case MMSIM_GFP_DMA:
	case MMSIM_GFP_DMA | MMSIM_GFP_MOVABLE:
		t = ZONE_DMA;
		break;
	case MMSIM_GFP_DMA32:
	case MMSIM_GFP_DMA32 | MMSIM_GFP_MOVABLE:
		t = zone_index_of(a, ZONE_DMA32) >= 0 ? ZONE_DMA32 : ZONE_NORMAL;
		break;
	case MMSIM_GFP_HIGHMEM:
		t = zone_index_of(a, ZONE_HIGHMEM) >= 0 ? ZONE_HIGHMEM : ZONE_NORMAL;
		break;
	case MMSIM_GFP_HIGHMEM | MMSIM_GFP_MOVABLE:
		t = ZONE_MOVABLE;
		break;
	default:		/* 0, __GFP_MOVABLE alone */
		t = ZONE_NORMAL;
		break;
	}
	return (unsigned int)zone_index_of(a, t);
}

static bool gfp_zone_valid(gfp_t gfp)
{
	switch (gfp & GFP_ZONEMASK) {
	case 0: case MMSIM_GFP_DMA: case MMSIM_GFP_HIGHMEM: case MMSIM_GFP_DMA32:
	case MMSIM_GFP_MOVABLE: case MMSIM_GFP_DMA | MMSIM_GFP_MOVABLE:
	case MMSIM_GFP_HIGHMEM | MMSIM_GFP_MOVABLE: case MMSIM_GFP_DMA32 | MMSIM_GFP_MOVABLE:
		return true;
	default:
		return false;
	}
}

enum migratetype gfp_migratetype(gfp_t gfp)
{
	if (gfp & MMSIM_GFP_MOVABLE)
		return MIGRATE_MOVABLE;
	if (gfp & MMSIM_GFP_RECLAIMABLE)
		return MIGRATE_RECLAIMABLE;
	return MIGRATE_UNMOVABLE;
}

/* ---- allocation -------------------------------------------------------------------- */

static void prep_compound_page(struct page *page, unsigned int order)
{
	page_set(page, PG_head);
	page->compound = (uint64_t)order << 1;
	for (uint64_t i = 1; i < (1ull << order); i++) {
		page[i].refcount = 0;
		page[i].compound = (uint64_t)(uintptr_t)page | 1;
	}
}

/* Initialise the struct pages of a block being handed out (prep_new_page). */
static void prep_new_page(struct mm_sys *ms, struct zone *zone, struct page *page,
			  unsigned int order, gfp_t gfp)
{
	unsigned int nid = zone->zone_pgdat->node_id;
	for (uint64_t i = 0; i < (1ull << order); i++) {
		struct page *p = &page[i];
		p->flags = 0;
		set_page_links(p, nid, zone->idx);
		p->mapping = NULL;
		p->index = 0;
		p->private = 0;
		p->mapcount = -1;
		p->refcount = 0;
		p->compound = 0;
		p->lru.next = p->lru.prev = NULL;
	}
	page->refcount = 1;
	if (gfp & MMSIM_GFP_ZERO)
		memset(page_address(ms, page), 0, (size_t)(ms->page_size << order));
	if (order && (gfp & MMSIM_GFP_COMP))
		prep_compound_page(page, order);
}

/* Reserve a pageblock for high-order atomic allocations (reserve_highatomic_pageblock). */
static void reserve_highatomic_pageblock(struct mm_sys *ms, struct page *page, unsigned int order,
					 struct zone *zone)
{
	uint64_t max_managed = (zone->managed_pages / 100 + pageblock_nr_pages(ms) - 1) &
			       ~(pageblock_nr_pages(ms) - 1);
	if (zone->nr_reserved_highatomic >= max_managed)
		return;
	uint64_t pfn = page_to_pfn(ms, page);
	int mt = get_pageblock_migratetype(ms, pfn);
	if (!migratetype_is_mergeable(mt))
		return;
	if (order < ms->pageblock_order) {
		uint64_t start_pfn;
		int free_pages, movable_pages;
		if (!prep_move_freepages_block(ms, zone, pfn, &start_pfn, &free_pages, &movable_pages))
			return;
		__move_freepages_block(ms, zone, start_pfn, mt, MIGRATE_HIGHATOMIC);
		set_pageblock_migratetype(ms, start_pfn, MIGRATE_HIGHATOMIC);
		zone->nr_reserved_highatomic += pageblock_nr_pages(ms);
	} else {
		change_pageblock_range(ms, pfn & ~(pageblock_nr_pages(ms) - 1), order, MIGRATE_HIGHATOMIC);
		zone->nr_reserved_highatomic += 1ull << order;
	}
}

static struct page *rmqueue_buddy(struct mm_sys *ms, struct zone *zone, unsigned int order,
				  unsigned int alloc_flags, int mt)
{
	struct page *page = NULL;
	if (alloc_flags & ALLOC_HIGHATOMIC)
		page = __rmqueue_smallest(ms, zone, order, MIGRATE_HIGHATOMIC);
	if (!page) {
		enum rmqueue_mode mode = RMQUEUE_NORMAL;
		page = __rmqueue(ms, zone, order, mt, alloc_flags, &mode);
		/* Failing now is worse than failing a high-order atomic allocation later. */
		if (!page && (alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK)))
			page = __rmqueue_smallest(ms, zone, order, MIGRATE_HIGHATOMIC);
	}
	return page;
}

static const enum vm_event_item pgalloc_event[NR_ZONE_TYPES] = {
	[ZONE_DMA] = PGALLOC_DMA, [ZONE_DMA32] = PGALLOC_DMA32, [ZONE_NORMAL] = PGALLOC_NORMAL,
	[ZONE_HIGHMEM] = PGALLOC_HIGH, [ZONE_MOVABLE] = PGALLOC_MOVABLE, [ZONE_DEVICE] = PGALLOC_DEVICE,
};

static struct page *rmqueue(struct mm_sys *ms, struct zone *zone, int cpu, unsigned int order,
			    gfp_t gfp, unsigned int alloc_flags, int mt)
{
	struct page *page;
	if (pcp_allowed_order(ms, order)) {
		page = rmqueue_pcplist(ms, zone, cpu, order, mt, alloc_flags);
		if (page)
			goto out;
	}
	page = rmqueue_buddy(ms, zone, order, alloc_flags, mt);
	if (!page)
		return NULL;
out:
	(void)gfp;
	enum vm_event_item ev = pgalloc_event[zone->type];
	count_vm_events(ms, ev, 1ull << order);
	zone->vm_events[ev] += 1ull << order;
	return page;
}

struct alloc_context {
	const struct zoneref *zonelist;
	unsigned int highest_zoneidx;
	int migratetype;
	int cpu;
};

static struct page *get_page_from_freelist(struct mm_sys *ms, gfp_t gfp, unsigned int order,
					   unsigned int alloc_flags, const struct alloc_context *ac)
{
	bool no_fallback;
retry:
	no_fallback = alloc_flags & ALLOC_NOFRAGMENT;
	for (const struct zoneref *z = ac->zonelist; z->zone; z++) {
		struct zone *zone = z->zone;
		if (z->zone_idx > ac->highest_zoneidx)
			continue;
		/* With NOFRAGMENT, leaving the local node is worse than fragmenting it. */
		if (no_fallback && ms->nr_node_ids > 1 && zone->zone_pgdat != ac->zonelist[0].zone->zone_pgdat) {
			alloc_flags &= ~ALLOC_NOFRAGMENT;
			goto retry;
		}
		/* Note when free pages drop below high, for the pcp high tuning. */
		if (!(zone->flags & ZONE_BELOW_HIGH)) {
			if (!zone_watermark_fast(ms, zone, order, wmark_pages(zone, WMARK_HIGH),
						 ac->highest_zoneidx, alloc_flags))
				zone->flags |= ZONE_BELOW_HIGH;
			else
				goto try_this_zone;
		}
		if (!zone_watermark_fast(ms, zone, order, wmark_pages(zone, alloc_flags & ALLOC_WMARK_MASK),
					 ac->highest_zoneidx, alloc_flags))
			continue;	/* node_reclaim is off by default (node_reclaim_mode 0) */
try_this_zone:;
		struct page *page = rmqueue(ms, zone, ac->cpu, order, gfp, alloc_flags, ac->migratetype);
		if (page) {
			prep_new_page(ms, zone, page, order, gfp);
			if ((alloc_flags & ALLOC_HIGHATOMIC) && order > 0)
				reserve_highatomic_pageblock(ms, page, order, zone);
			return page;
		}
	}
	/* Every zone is fragmented: accept fragmenting rather than failing. */
	if (no_fallback) {
		alloc_flags &= ~ALLOC_NOFRAGMENT;
		goto retry;
	}
	return NULL;
}

static unsigned int alloc_flags_nofragment(struct mm_sys *ms, struct zone *zone, gfp_t gfp)
{
	unsigned int alloc_flags = (gfp & MMSIM_GFP_KSWAPD_RECLAIM) ? ALLOC_KSWAPD : 0;
	int dma32 = zone_index_of(ms->arch, ZONE_DMA32);
	if (!zone || dma32 < 0 || zone->type != ZONE_NORMAL)
		return alloc_flags;
	/* On NUMA, only when this node's DMA32 zone has memory. */
	if (ms->nr_node_ids > 1 && !zone_is_populated(&zone->zone_pgdat->node_zones[dma32]))
		return alloc_flags;
	return alloc_flags | ALLOC_NOFRAGMENT;
}

static unsigned int gfp_to_alloc_flags(gfp_t gfp, unsigned int order)
{
	unsigned int alloc_flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
	if (gfp & MMSIM_GFP_HIGH)
		alloc_flags |= ALLOC_MIN_RESERVE;
	if (gfp & MMSIM_GFP_KSWAPD_RECLAIM)
		alloc_flags |= ALLOC_KSWAPD;
	if (!(gfp & MMSIM_GFP_DIRECT_RECLAIM)) {
		if (!(gfp & MMSIM_GFP_NOMEMALLOC)) {
			alloc_flags |= ALLOC_NON_BLOCK;
			if (order > 0 && (alloc_flags & ALLOC_MIN_RESERVE))
				alloc_flags |= ALLOC_HIGHATOMIC;
		}
		if (alloc_flags & ALLOC_MIN_RESERVE)
			alloc_flags &= ~ALLOC_CPUSET;
	}
	return alloc_flags;
}

/* wake_all_kswapds: each node of the zonelist once. */
static void wake_all_kswapds(struct mm_sys *ms, unsigned int order, gfp_t gfp,
			     const struct alloc_context *ac)
{
	pg_data_t *last = NULL;

	for (const struct zoneref *z = ac->zonelist; z->zone; z++) {
		if (z->zone_idx > ac->highest_zoneidx || z->zone->zone_pgdat == last)
			continue;
		last = z->zone->zone_pgdat;
		wakeup_kswapd_zone(ms, z->zone, gfp, order, ac->highest_zoneidx);
	}
}

/*
 * __gfp_pfmemalloc_flags: reclaim itself allocates without watermarks (PF_MEMALLOC, so that
 * it can make progress); an OOM victim may use part of the reserves (ALLOC_OOM) to exit.
 */
static unsigned int gfp_pfmemalloc_flags(struct mm_sys *ms, gfp_t gfp)
{
	if (gfp & MMSIM_GFP_NOMEMALLOC)
		return 0;
	if ((gfp & MMSIM_GFP_MEMALLOC) || current_in_reclaim(ms))
		return ALLOC_NO_WATERMARKS;
	if (current_is_oom_victim(ms))
		return ALLOC_OOM;
	return 0;
}

/*
 * should_reclaim_retry: go on reclaiming while some zone could pass its min watermark if all
 * its reclaimable pages were freed, at most MAX_RECLAIM_RETRIES times without progress.
 */
static bool should_reclaim_retry(struct mm_sys *ms, unsigned int order,
				 const struct alloc_context *ac, unsigned int alloc_flags,
				 bool did_some_progress, int *no_progress_loops)
{
	/* costly orders may progress without their order becoming available */
	if (did_some_progress && order <= PAGE_ALLOC_COSTLY_ORDER)
		*no_progress_loops = 0;
	else
		(*no_progress_loops)++;
	if (*no_progress_loops > MAX_RECLAIM_RETRIES)
		return false;
	for (const struct zoneref *z = ac->zonelist; z->zone; z++) {
		struct zone *zone = z->zone;
		int64_t available;

		if (z->zone_idx > ac->highest_zoneidx)
			continue;
		available = (int64_t)zone_reclaimable_pages(ms, zone) + zone->vm_stat[NR_FREE_PAGES];
		if (__zone_watermark_ok(ms, zone, order, wmark_pages(zone, WMARK_MIN),
					ac->highest_zoneidx, alloc_flags, available))
			return true;
	}
	return false;
}

/* __alloc_pages_may_oom: one more try at the high watermark, then the OOM killer. */
static struct page *alloc_pages_may_oom(struct mm_sys *ms, gfp_t gfp, unsigned int order,
					const struct alloc_context *ac, bool *did_some_progress)
{
	struct page *page;

	*did_some_progress = false;
	/* only to catch a kill that freed memory meanwhile: we must fail under pressure */
	page = get_page_from_freelist(ms, (gfp | MMSIM_GFP_HARDWALL) & ~MMSIM_GFP_DIRECT_RECLAIM,
				      order, ALLOC_WMARK_HIGH | ALLOC_CPUSET, ac);
	if (page)
		return page;
	/* the OOM killer will not help higher orders, nor callers with a fallback */
	if (order > PAGE_ALLOC_COSTLY_ORDER ||
	    (gfp & (MMSIM_GFP_RETRY_MAYFAIL | MMSIM_GFP_THISNODE)))
		return NULL;
	/* nor lowmem allocations */
	if (ms->arch->zones[ac->highest_zoneidx] < ZONE_NORMAL)
		return NULL;
	if (out_of_memory(ms, gfp, order)) {
		*did_some_progress = true;
		if (gfp & MMSIM_GFP_NOFAIL)
			page = get_page_from_freelist(ms, gfp, order, ALLOC_NO_WATERMARKS, ac);
	}
	return page;
}

/*
 * __alloc_pages_slowpath: wake kswapd, the min watermark, direct reclaim, the OOM killer.
 * Reclaim and the OOM killer run only for user pages (gfp_reclaim_safe, mm/vmscan.h).
 */
static struct page *__alloc_pages_slowpath(struct mm_sys *ms, gfp_t gfp, unsigned int order,
					   const struct alloc_context *ac, int nid)
{
	bool can_direct_reclaim = gfp & MMSIM_GFP_DIRECT_RECLAIM;
	bool costly_order = order > PAGE_ALLOC_COSTLY_ORDER;
	unsigned int alloc_flags = gfp_to_alloc_flags(gfp, order), reserve_flags;
	int no_progress_loops = 0, oom_loops = 0;
	bool did_some_progress, drained = false;
	struct page *page;

	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds(ms, order, gfp, ac);
	page = get_page_from_freelist(ms, gfp, order, alloc_flags, ac);
	if (page)
		return page;
retry:
	/* kswapd must not go to sleep while we loop */
	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds(ms, order, gfp, ac);
	reserve_flags = gfp_pfmemalloc_flags(ms, gfp);
	if (reserve_flags)
		alloc_flags = reserve_flags | (alloc_flags & ALLOC_KSWAPD);
	page = get_page_from_freelist(ms, gfp, order, alloc_flags, ac);
	if (page)
		return page;
	/* no reclaim: not allowed, already reclaiming (PF_MEMALLOC), or not safe here */
	if (!can_direct_reclaim || current_in_reclaim(ms) || !gfp_reclaim_safe(gfp) ||
	    mm_panicked(ms, NULL))
		return NULL;
	/* __alloc_pages_direct_reclaim */
	did_some_progress = try_to_free_pages(ms, order, gfp, nid) > 0;
	if (did_some_progress) {
		page = get_page_from_freelist(ms, gfp, order, alloc_flags, ac);
		/* pages may sit on other CPUs' lists: give them back and try once more */
		if (!page && !drained) {
			drain_all_pages(ms);
			drained = true;
			page = get_page_from_freelist(ms, gfp, order, alloc_flags, ac);
		}
		if (page)
			return page;
	}
	if (gfp & MMSIM_GFP_NORETRY)
		return NULL;
	/* costly orders are not retried without __GFP_RETRY_MAYFAIL (nor compacted here) */
	if (costly_order && !(gfp & MMSIM_GFP_RETRY_MAYFAIL))
		return NULL;
	if (should_reclaim_retry(ms, order, ac, alloc_flags, did_some_progress, &no_progress_loops))
		goto retry;
	/* reclaim has failed us: start killing things */
	page = alloc_pages_may_oom(ms, gfp, order, ac, &did_some_progress);
	if (page)
		return page;
	/* a victim that still fails with the OOM reserves must not loop */
	if (current_is_oom_victim(ms) && ((alloc_flags & ALLOC_OOM) || (gfp & MMSIM_GFP_NOMEMALLOC)))
		return NULL;
	/* retry as long as the OOM killer makes progress (every kill ends a task) */
	if (did_some_progress && ++oom_loops <= 64) {
		no_progress_loops = 0;
		goto retry;
	}
	return NULL;
}

struct page *alloc_pages_node(struct mm_sys *ms, int cpu, int nid, gfp_t gfp, unsigned int order,
			      int *errp)
{
	int dummy;
	if (!errp)
		errp = &dummy;
	if (order > ms->max_order || cpu < 0 || (unsigned)cpu >= ms->nr_cpus ||
	    nid < 0 || (unsigned)nid >= ms->nr_node_ids || !gfp_zone_valid(gfp) ||
	    ((gfp & MMSIM_GFP_MOVABLE) && (gfp & MMSIM_GFP_RECLAIMABLE))) {
		*errp = -EINVAL;
		return NULL;
	}
	if (ms->fail_nth && --ms->fail_nth == 0) {
		*errp = -ENOMEM;	/* injected failure: nothing was touched */
		return NULL;
	}
	struct alloc_context ac = {
		.zonelist = ms->node_data[nid]->zonelist,
		.highest_zoneidx = gfp_zone(ms, gfp),
		.migratetype = gfp_migratetype(gfp),
		.cpu = cpu,
	};
	/* The first usable zone of the zonelist decides NOFRAGMENT. */
	struct zone *preferred = NULL;
	for (const struct zoneref *z = ac.zonelist; z->zone; z++)
		if (z->zone_idx <= ac.highest_zoneidx) {
			preferred = z->zone;
			break;
		}
	if (!preferred) {
		*errp = -ENOMEM;
		return NULL;
	}
	if (mm_panicked(ms, NULL)) {
		*errp = -ENOMEM;	/* the machine stopped (panic_on_oom) */
		return NULL;
	}
	unsigned int alloc_flags = ALLOC_WMARK_LOW | alloc_flags_nofragment(ms, preferred, gfp);
	struct page *page = get_page_from_freelist(ms, gfp, order, alloc_flags, &ac);
	if (!page)
		page = __alloc_pages_slowpath(ms, gfp, order, &ac, nid);
	/* kswapd, woken below the low watermark, runs once a user page is handed out */
	if (page && gfp_reclaim_safe(gfp))
		kswapd_run_pending(ms);
	*errp = page ? 0 : -ENOMEM;
	return page;
}

struct page *alloc_pages(struct mm_sys *ms, int cpu, gfp_t gfp, unsigned int order, int *errp)
{
	int nid = (cpu >= 0 && (unsigned)cpu < ms->nr_cpus) ? (int)ms->cpu_to_node[cpu] : 0;
	return alloc_pages_node(ms, cpu, nid, gfp, order, errp);
}

/* ---- freeing ---------------------------------------------------------------------- */

/* Free a block straight to the buddy lists (__free_pages_ok / free_one_page). */
static void __free_pages_ok(struct mm_sys *ms, struct zone *zone, struct page *page, uint64_t pfn,
			    unsigned int order, bool to_tail)
{
	split_large_buddy(ms, zone, page, pfn, order, to_tail);
	count_vm_events(ms, PGFREE, 1ull << order);
}

static void free_frozen_pages(struct mm_sys *ms, int cpu, struct page *page, unsigned int order)
{
	struct zone *zone = page_zone(ms, page);
	uint64_t pfn = page_to_pfn(ms, page);
	/* The pages go back with no identity but their place (free_pages_prepare). */
	if (page_test(page, PG_head)) {
		for (uint64_t i = 1; i < (1ull << order); i++)
			page[i].compound = 0;
	}
	page->flags &= ~PAGE_FLAGS_MASK;
	page->mapping = NULL;
	page->compound = 0;
	if (!pcp_allowed_order(ms, order)) {
		__free_pages_ok(ms, zone, page, pfn, order, false);
		return;
	}
	int mt = get_pageblock_migratetype(ms, pfn);
	if (mt >= MIGRATE_PCPTYPES) {
		if (is_migrate_isolate(mt)) {
			__free_pages_ok(ms, zone, page, pfn, order, false);
			return;
		}
		mt = MIGRATE_MOVABLE;
	}
	free_frozen_page_commit(ms, zone, &zone->per_cpu_pageset[cpu], page, mt, order);
}

void __free_pages(struct mm_sys *ms, int cpu, struct page *page, unsigned int order)
{
	if (--page->refcount == 0)
		free_frozen_pages(ms, cpu, page, order);
}

/* Boot: hand a block of memblock-free pages to the buddy lists (__free_pages_core). */
void __free_pages_core(struct mm_sys *ms, struct zone *zone, uint64_t pfn, unsigned int order)
{
	struct page *page = pfn_to_page(ms, pfn);
	zone->managed_pages += 1ull << order;
	ms->totalram_pages += 1ull << order;
	__free_pages_ok(ms, zone, page, pfn, order, true);
}

/* ---- validation -------------------------------------------------------------------- */

#define VFAIL(...) err_set(err, -EUCLEAN, NULL, 0, 0, __VA_ARGS__)

int zone_validate(struct mm_sys *ms, struct zone *z, struct mmsim_error *err)
{
	uint64_t nr_free = 0, nr_blocks = 0, nr_ha = 0;
	const char *zn = z->name;
	unsigned int nid = z->zone_pgdat->node_id;
	for (unsigned int o = 0; o <= ms->max_order; o++) {
		struct free_area *area = &z->free_area[o];
		uint64_t n = 0;
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			struct list_head *pos;
			list_for_each(pos, &area->free_list[mt]) {
				struct page *p = list_entry(pos, struct page, lru);
				uint64_t pfn = page_to_pfn(ms, p);
				if (pos->next->prev != pos)
					return VFAIL("node %u zone %s: free list order %u %s is broken",
						     nid, zn, o, migratetype_names[mt]);
				if (!PageBuddy(p) || buddy_order(p) != o || p->refcount != 0)
					return VFAIL("node %u zone %s: pfn %#llx on the order-%u list is not a free block of that order",
						     nid, zn, (unsigned long long)pfn, o);
				if (pfn & ((1ull << o) - 1))
					return VFAIL("node %u zone %s: order-%u block at pfn %#llx is not aligned",
						     nid, zn, o, (unsigned long long)pfn);
				if (!zone_spans_pfn(z, pfn) || !zone_spans_pfn(z, pfn + (1ull << o) - 1))
					return VFAIL("node %u zone %s: free block pfn %#llx order %u lies outside the zone",
						     nid, zn, (unsigned long long)pfn, o);
				if (page_zonenum(p) != z->idx || page_nid(p) != nid)
					return VFAIL("node %u zone %s: free block pfn %#llx carries the wrong zone",
						     nid, zn, (unsigned long long)pfn);
				/* A block that could have merged with its free buddy is a bug,
				 * unless the pageblock types forbid the merge. */
				if (o < ms->max_order) {
					uint64_t bpfn;
					if (find_buddy_page_pfn(ms, z, pfn, o, &bpfn) &&
					    (o < ms->pageblock_order ||
					     (migratetype_is_mergeable(get_pageblock_migratetype(ms, pfn)) &&
					      migratetype_is_mergeable(get_pageblock_migratetype(ms, bpfn)))))
						return VFAIL("node %u zone %s: free blocks at pfn %#llx and %#llx (order %u) were not merged",
							     nid, zn, (unsigned long long)pfn, (unsigned long long)bpfn, o);
				}
				n++;
				if (mt != MIGRATE_ISOLATE) {
					nr_free += 1ull << o;
					if (o >= ms->pageblock_order)
						nr_blocks += 1ull << o;
				}
				if (mt == MIGRATE_HIGHATOMIC)
					nr_ha += 1ull << o;
			}
		}
		if (n != area->nr_free)
			return VFAIL("node %u zone %s: order %u nr_free is %llu but the lists hold %llu blocks",
				     nid, zn, o, (unsigned long long)area->nr_free, (unsigned long long)n);
	}
	if ((int64_t)nr_free != z->vm_stat[NR_FREE_PAGES])
		return VFAIL("node %u zone %s: NR_FREE_PAGES is %lld but the free lists hold %llu pages",
			     nid, zn, (long long)z->vm_stat[NR_FREE_PAGES], (unsigned long long)nr_free);
	if ((int64_t)nr_blocks != z->vm_stat[NR_FREE_PAGES_BLOCKS])
		return VFAIL("node %u zone %s: nr_free_pages_blocks is %lld but the lists hold %llu",
			     nid, zn, (long long)z->vm_stat[NR_FREE_PAGES_BLOCKS], (unsigned long long)nr_blocks);
	if (nr_ha != z->nr_free_highatomic)
		return VFAIL("node %u zone %s: nr_free_highatomic is %llu but the lists hold %llu",
			     nid, zn, (unsigned long long)z->nr_free_highatomic, (unsigned long long)nr_ha);
	if (!zone_is_populated(z))
		return 0;
	for (unsigned int cpu = 0; cpu < ms->nr_cpus; cpu++) {
		struct per_cpu_pages *pcp = &z->per_cpu_pageset[cpu];
		int64_t count = 0;
		for (unsigned int i = 0; i < NR_PCP_LISTS; i++) {
			unsigned int order = pindex_to_order(ms, i);
			struct list_head *pos;
			list_for_each(pos, &pcp->lists[i]) {
				struct page *p = list_entry(pos, struct page, lru);
				uint64_t pfn = page_to_pfn(ms, p);
				if (!page_test(p, PG_pcp) || PageBuddy(p) || p->refcount != 0 || p->private != order)
					return VFAIL("node %u zone %s cpu %u: pcp page pfn %#llx is not a free order-%u page",
						     nid, zn, cpu, (unsigned long long)pfn, order);
				if (!zone_spans_pfn(z, pfn))
					return VFAIL("node %u zone %s cpu %u: pcp page pfn %#llx is outside the zone",
						     nid, zn, cpu, (unsigned long long)pfn);
				count += 1ll << order;
			}
		}
		if (count != pcp->count)
			return VFAIL("node %u zone %s cpu %u: pcp count is %d but the lists hold %lld pages",
				     nid, zn, cpu, pcp->count, (long long)count);
		if (pcp->high_min > pcp->high_max)
			return VFAIL("node %u zone %s cpu %u: pcp high_min %d above high_max %d",
				     nid, zn, cpu, pcp->high_min, pcp->high_max);
	}
	return 0;
}

int page_alloc_validate(struct mm_sys *ms, struct mmsim_error *err)
{
	for_each_node(ms, nid)
		for (unsigned int z = 0; z < ms->arch->nr_zones; z++) {
			int ret = zone_validate(ms, node_zone(ms, nid, z), err);
			if (ret)
				return ret;
		}
	return 0;
}

/* ---- MemAvailable ------------------------------------------------------------------ */

uint64_t si_mem_available(struct mm_sys *ms)
{
	uint64_t wmark_low = 0;
	for_each_node(ms, nid)
		for (unsigned int z = 0; z < ms->arch->nr_zones; z++)
			wmark_low += wmark_pages(node_zone(ms, nid, z), WMARK_LOW);
	int64_t available = global_zone_page_state(ms, NR_FREE_PAGES) - (int64_t)ms->totalreserve_pages;
	/* Not all the page cache can be freed; leave the smaller of half of it and low. */
	uint64_t pagecache = (uint64_t)(global_node_page_state(ms, NR_ACTIVE_FILE) +
					global_node_page_state(ms, NR_INACTIVE_FILE));
	pagecache -= pagecache / 2 < wmark_low ? pagecache / 2 : wmark_low;
	available += (int64_t)pagecache;
	uint64_t reclaimable = (uint64_t)global_node_page_state(ms, NR_SLAB_RECLAIMABLE_B) >> ms->page_shift;
	reclaimable -= reclaimable / 2 < wmark_low ? reclaimable / 2 : wmark_low;
	available += (int64_t)reclaimable;
	return available < 0 ? 0 : (uint64_t)available;
}

/* ---- zonelists ---------------------------------------------------------------------- */

/* Next nearest node not yet used, as find_next_best_node weighs distance, order and load. */
static int find_next_best_node(struct mm_sys *ms, unsigned int node, bool *used, const int *node_load)
{
	if (!used[node]) {
		used[node] = true;
		return (int)node;
	}
	int best = -1;
	int64_t min_val = INT64_MAX;
	for_each_node(ms, n) {
		if (used[n] || !ms->node_data[n]->node_present_pages)
			continue;
		int64_t val = ms->node_distance[node][n];
		val += (n < node);			/* prefer the next node up */
		bool has_cpus = false;
		for (unsigned int c = 0; c < ms->nr_cpus; c++)
			if (ms->cpu_to_node[c] == n)
				has_cpus = true;
		if (has_cpus)
			val += 1;			/* PENALTY_FOR_NODE_WITH_CPUS */
		val *= MAX_NUMNODES;
		val += node_load[n];
		if (val < min_val) {
			min_val = val;
			best = (int)n;
		}
	}
	if (best >= 0)
		used[best] = true;
	return best;
}

void build_all_zonelists(struct mm_sys *ms)
{
	int node_load[MAX_NUMNODES] = { 0 };
	for_each_node(ms, local) {
		bool used[MAX_NUMNODES] = { false };
		unsigned int order[MAX_NUMNODES], nr = 0;
		int node, prev = (int)local;
		while ((node = find_next_best_node(ms, local, used, node_load)) >= 0) {
			/* Round-robin within a distance group: penalise its first node. */
			if (ms->node_distance[local][node] != ms->node_distance[local][prev])
				node_load[node] += 1;
			order[nr++] = (unsigned)node;
			prev = node;
		}
		/* Node order: every zone of the nearest node, highest zone first, then the next. */
		struct zoneref *zr = ms->node_data[local]->zonelist;
		for (unsigned int i = 0; i < nr; i++) {
			pg_data_t *pgdat = ms->node_data[order[i]];
			for (int z = (int)ms->arch->nr_zones - 1; z >= 0; z--)
				if (zone_is_populated(&pgdat->node_zones[z])) {
					zr->zone = &pgdat->node_zones[z];
					zr->zone_idx = (unsigned)z;
					zr++;
				}
		}
		zr->zone = NULL;
		zr->zone_idx = 0;
	}
}

/* ---- watermarks, reserves and pcp sizes ------------------------------------------------ */

#include "mm/kprofile.h"

#define for_each_zone(ms, zone) \
	for (unsigned int _n = 0; _n < (ms)->nr_node_ids; _n++) \
		for (struct zone *zone = (ms)->node_data[_n]->node_zones; \
		     zone < (ms)->node_data[_n]->node_zones + (ms)->arch->nr_zones; zone++)

static uint64_t int_sqrt(uint64_t x)
{
	uint64_t r = 0, bit = 1ull << 62;
	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

static bool is_highmem_or_movable(const struct zone *z)
{
	return z->type == ZONE_HIGHMEM || z->type == ZONE_MOVABLE;
}

/* Pages above the high watermark in zones up to gfp_zone(GFP_USER) (nr_free_buffer_pages). */
static uint64_t nr_free_zone_pages(struct mm_sys *ms, unsigned int highest)
{
	uint64_t sum = 0;
	for_each_zone(ms, zone) {
		if (zone->idx > highest)
			continue;
		uint64_t high = wmark_pages(zone, WMARK_HIGH);
		if (zone->managed_pages > high)
			sum += zone->managed_pages - high;
	}
	return sum;
}

/* min_free_kbytes = sqrt(lowmem_kbytes * 16), clamped (calculate_min_free_kbytes). */
static void calculate_min_free_kbytes(struct mm_sys *ms)
{
	const struct kernel_profile *kp = kernel_profile_current();
	uint64_t lowmem_kbytes = nr_free_zone_pages(ms, gfp_zone(ms, MMSIM_GFP_USER)) * (ms->page_size >> 10);
	uint64_t new_min = int_sqrt(lowmem_kbytes * 16);
	if (new_min < kp->min_free_kbytes_lo)
		new_min = kp->min_free_kbytes_lo;
	if (new_min > kp->min_free_kbytes_hi)
		new_min = kp->min_free_kbytes_hi;
	ms->min_free_kbytes = (int64_t)new_min;
}

static void calculate_totalreserve_pages(struct mm_sys *ms)
{
	uint64_t reserve = 0;
	for_each_node(ms, nid) {
		pg_data_t *pgdat = ms->node_data[nid];
		pgdat->totalreserve_pages = 0;
		for (unsigned int i = 0; i < ms->arch->nr_zones; i++) {
			struct zone *zone = &pgdat->node_zones[i];
			int64_t max = 0;
			for (unsigned int j = i; j < ms->arch->nr_zones; j++)
				if (zone->lowmem_reserve[j] > max)
					max = zone->lowmem_reserve[j];
			/* The high watermark counts as reserved too. */
			max += (int64_t)wmark_pages(zone, WMARK_HIGH);
			if (max > (int64_t)zone->managed_pages)
				max = (int64_t)zone->managed_pages;
			pgdat->totalreserve_pages += (uint64_t)max;
			reserve += (uint64_t)max;
		}
	}
	ms->totalreserve_pages = reserve;
}

void setup_per_zone_lowmem_reserve(struct mm_sys *ms)
{
	const unsigned int *ratio = ms->desc->lowmem_reserve_ratio_set ?
		ms->desc->lowmem_reserve_ratio : ms->arch->lowmem_reserve_ratio;
	for_each_node(ms, nid) {
		pg_data_t *pgdat = ms->node_data[nid];
		for (unsigned int i = 0; i < ms->arch->nr_zones; i++) {
			struct zone *zone = &pgdat->node_zones[i];
			bool clear = !ratio[i] || !zone->managed_pages;
			uint64_t managed = 0;
			zone->lowmem_reserve[i] = 0;
			for (unsigned int j = i + 1; j < ms->arch->nr_zones; j++) {
				managed += pgdat->node_zones[j].managed_pages;
				zone->lowmem_reserve[j] = clear ? 0 : (int64_t)(managed / ratio[i]);
			}
		}
	}
	calculate_totalreserve_pages(ms);
}

/* Pages moved between pcp and buddy lists at once (zone_batchsize). */
static int zone_batchsize(struct mm_sys *ms, struct zone *zone)
{
	uint64_t b = zone->managed_pages >> 10;
	uint64_t cap = (1ull << 20) >> ms->page_shift;
	int batch = (int)(b < cap ? b : cap);
	batch /= 4;
	if (batch < 1)
		batch = 1;
	/* rounddown_pow_of_two(batch + batch/2) - 1: keep batches off power-of-two strides */
	int x = batch + batch / 2, r = 1;
	while (r * 2 <= x)
		r *= 2;
	return r - 1;
}

static int cpus_of_node(struct mm_sys *ms, unsigned int nid)
{
	int n = 0;
	for (unsigned int c = 0; c < ms->nr_cpus; c++)
		n += ms->cpu_to_node[c] == nid;
	return n;
}

/* The pcp high limit per CPU (zone_highsize). */
static int zone_highsize(struct mm_sys *ms, struct zone *zone, int batch, int high_fraction)
{
	uint64_t total = high_fraction ? zone->managed_pages / (uint64_t)high_fraction
				       : wmark_pages(zone, WMARK_LOW);
	int nr_split_cpus = cpus_of_node(ms, zone->zone_pgdat->node_id);
	if (!nr_split_cpus)
		nr_split_cpus = (int)ms->nr_cpus;
	int high = (int)(total / (uint64_t)nr_split_cpus);
	return high > (batch << 2) ? high : (batch << 2);
}

static void zone_pcp_update(struct mm_sys *ms, struct zone *zone)
{
	if (!zone_is_populated(zone))
		return;
	const struct kernel_profile *kp = kernel_profile_current();
	int batch = zone_batchsize(ms, zone);
	int high_min, high_max;
	if (batch < 1)
		batch = 1;
	if (ms->desc->percpu_pagelist_high_fraction) {
		/* A fixed fraction turns the auto-tuning off: min == max. */
		high_min = high_max = zone_highsize(ms, zone, batch, (int)ms->desc->percpu_pagelist_high_fraction);
	} else {
		high_min = zone_highsize(ms, zone, batch, 0);
		high_max = zone_highsize(ms, zone, batch, (int)kp->min_percpu_pagelist_high_fraction);
	}
	zone->pageset_high_min = high_min;
	zone->pageset_high_max = high_max;
	zone->pageset_batch = batch;
	for (unsigned int c = 0; c < ms->nr_cpus; c++) {
		struct per_cpu_pages *pcp = &zone->per_cpu_pageset[c];
		pcp->high_min = high_min;
		pcp->high_max = high_max;
		pcp->batch = batch;
	}
}

/* Per-CPU counter drift allowed before folding (calculate_normal_threshold), for zoneinfo. */
static void refresh_zone_stat_thresholds(struct mm_sys *ms)
{
	unsigned int ncpus = ms->nr_cpus, fls_cpus = 0, fls_mem;
	while ((1u << fls_cpus) <= ncpus)
		fls_cpus++;
	for_each_zone(ms, zone) {
		if (!zone_is_populated(zone))
			continue;
		uint64_t mem = zone->managed_pages >> (27 - ms->page_shift);
		fls_mem = 0;
		while (fls_mem < 64 && (1ull << fls_mem) <= mem)
			fls_mem++;
		int threshold = 2 * (int)fls_cpus * (1 + (int)fls_mem);
		if (threshold > 125)
			threshold = 125;
		for (unsigned int c = 0; c < ms->nr_cpus; c++)
			zone->per_cpu_pageset[c].stat_threshold = threshold;
	}
}

static void __setup_per_zone_wmarks(struct mm_sys *ms)
{
	const struct kernel_profile *kp = kernel_profile_current();
	uint64_t pages_min = (uint64_t)ms->min_free_kbytes >> (ms->page_shift - 10);
	uint64_t lowmem_pages = 0;
	for_each_zone(ms, zone)
		if (!is_highmem_or_movable(zone))
			lowmem_pages += zone->managed_pages;
	for_each_zone(ms, zone) {
		uint64_t tmp = lowmem_pages ? pages_min * zone->managed_pages / lowmem_pages : 0;
		if (is_highmem_or_movable(zone)) {
			/* __GFP_HIGH and PF_MEMALLOC rarely need these zones: a small min. */
			uint64_t min_pages = zone->managed_pages / 1024;
			if (min_pages < kp->swap_cluster_max)
				min_pages = kp->swap_cluster_max;
			if (min_pages > 128)
				min_pages = 128;
			zone->_watermark[WMARK_MIN] = min_pages;
		} else {
			zone->_watermark[WMARK_MIN] = tmp;
		}
		/* The gaps scale with the zone: watermark_scale_factor / 10000 of it. */
		uint64_t scaled = zone->managed_pages * ms->desc->watermark_scale_factor / 10000;
		tmp = (tmp >> 2) > scaled ? (tmp >> 2) : scaled;
		zone->watermark_boost = 0;
		zone->_watermark[WMARK_LOW] = zone->_watermark[WMARK_MIN] + tmp;
		zone->_watermark[WMARK_HIGH] = zone->_watermark[WMARK_LOW] + tmp;
		zone->_watermark[WMARK_PROMO] = zone->_watermark[WMARK_HIGH] + tmp;
	}
	calculate_totalreserve_pages(ms);
}

void setup_per_zone_wmarks(struct mm_sys *ms)
{
	__setup_per_zone_wmarks(ms);
	for_each_zone(ms, zone)
		zone_pcp_update(ms, zone);
}

/*
 * With THP enabled (always or madvise) khugepaged raises min_free_kbytes so that two
 * pageblocks per zone stay free for fragmentation avoidance, plus room for fallbacks
 * between the three pcp migrate types (mm/khugepaged.c set_recommended_min_free_kbytes).
 */
static void set_recommended_min_free_kbytes(struct mm_sys *ms)
{
	unsigned int nr_zones = 0;
	unsigned int user_zone = gfp_zone(ms, MMSIM_GFP_USER);
	for_each_zone(ms, zone)
		if (zone_is_populated(zone) && zone->idx <= user_zone)
			nr_zones++;
	uint64_t recommended = pageblock_nr_pages(ms) * nr_zones * 2;
	recommended += pageblock_nr_pages(ms) * nr_zones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES;
	/* never more than 5% of lowmem */
	uint64_t cap = nr_free_zone_pages(ms, user_zone) / 20;
	if (recommended > cap)
		recommended = cap;
	recommended <<= (ms->page_shift - 10);
	if ((int64_t)recommended > ms->min_free_kbytes) {
		ms->min_free_kbytes = (int64_t)recommended;
		setup_per_zone_wmarks(ms);
	}
}

void page_alloc_init_late(struct mm_sys *ms)
{
	/* Tiny machines cannot group by mobility (build_all_zonelists_init). */
	uint64_t vm_total = nr_free_zone_pages(ms, gfp_zone(ms, MMSIM_GFP_HIGHUSER_MOVABLE));
	ms->page_group_by_mobility_disabled = vm_total < pageblock_nr_pages(ms) * MIGRATE_TYPES;
	/* init_per_zone_wmark_min */
	calculate_min_free_kbytes(ms);
	setup_per_zone_wmarks(ms);
	refresh_zone_stat_thresholds(ms);
	setup_per_zone_lowmem_reserve(ms);
	/* khugepaged starts when THP is enabled */
	if (ms->desc->thp != THP_NEVER)
		set_recommended_min_free_kbytes(ms);
	/* vm.min_free_kbytes written after boot */
	if (ms->desc->min_free_kbytes >= 0) {
		ms->min_free_kbytes = ms->desc->min_free_kbytes;
		setup_per_zone_wmarks(ms);
		setup_per_zone_lowmem_reserve(ms);
	}
}

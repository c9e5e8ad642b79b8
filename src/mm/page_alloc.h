/*
 * The zoned buddy allocator (Linux: mm/page_alloc.c, mm/mm_init.c).
 */
#ifndef MMSIM_MM_PAGE_ALLOC_H
#define MMSIM_MM_PAGE_ALLOC_H
#include <stdint.h>
#include "mm/mmzone.h"
#include "mmsim/mmsim.h"

typedef unsigned int gfp_t;
#define GFP_ZONEMASK (MMSIM_GFP_DMA | MMSIM_GFP_HIGHMEM | MMSIM_GFP_DMA32 | MMSIM_GFP_MOVABLE)

/* ---- pfn <-> struct page (memory model) -------------------------------------------- */

/* struct page of pfn, or NULL when pfn has no memmap (a hole in SPARSE, outside RAM). */
struct page *pfn_to_page(struct mm_sys *ms, uint64_t pfn);
/* pfn of a struct page obtained from pfn_to_page. */
uint64_t page_to_pfn(struct mm_sys *ms, const struct page *page);
/* Host pointer to the bytes of a page (its contents in simulated RAM). */
void *page_address(struct mm_sys *ms, const struct page *page);

/* Migrate type of the pageblock holding pfn, and setting it. */
enum migratetype get_pageblock_migratetype(struct mm_sys *ms, uint64_t pfn);
void set_pageblock_migratetype(struct mm_sys *ms, uint64_t pfn, enum migratetype mt);

/* ---- allocation ------------------------------------------------------------------------ */

/* Highest zone index a gfp mask may use (gfp_zone) on this machine. */
unsigned int gfp_zone(struct mm_sys *ms, gfp_t gfp);
/* Migrate type a gfp mask asks for (gfp_migratetype). */
enum migratetype gfp_migratetype(gfp_t gfp);

/*
 * Allocate 2^order contiguous frames from the preferred node's zonelist (cpu's node).
 * Returns the first page (refcount 1; with __GFP_COMP a compound page) or NULL with
 * *errp = -ENOMEM / -EINVAL. Counts pgalloc_<zone>.
 */
struct page *alloc_pages_node(struct mm_sys *ms, int cpu, int nid, gfp_t gfp,
			      unsigned int order, int *errp);
struct page *alloc_pages(struct mm_sys *ms, int cpu, gfp_t gfp, unsigned int order, int *errp);
/* Drop a reference; at zero give the 2^order frames back (via the pcp lists when eligible). */
void __free_pages(struct mm_sys *ms, int cpu, struct page *page, unsigned int order);
/* Boot: give a block of 2^order memblock-free pages to zone's buddy lists, counting it managed. */
void __free_pages_core(struct mm_sys *ms, struct zone *zone, uint64_t pfn, unsigned int order);
/* Give every per-CPU list's pages back to the buddy lists (drain_all_pages). */
void drain_all_pages(struct mm_sys *ms);

/* ---- boot -------------------------------------------------------------------------- */

/* Zones, memmap, pageblocks, watermarks; then memblock_free_all. Called by boot. */
int mm_core_init(struct mm_sys *ms, struct mmsim_error *err);
void mm_core_destroy(struct mm_sys *ms);
/* Fallback order of zones for every node (build_all_zonelists). */
void build_all_zonelists(struct mm_sys *ms);
/* After the buddy lists are filled: min_free_kbytes, watermarks, reserves, pcp sizes. */
void page_alloc_init_late(struct mm_sys *ms);
/* Recompute min/low/high (after changing min_free_kbytes or watermark_scale_factor). */
void setup_per_zone_wmarks(struct mm_sys *ms);
void setup_per_zone_lowmem_reserve(struct mm_sys *ms);

/* ---- counters and checks ------------------------------------------------------------- */

static inline void mod_zone_page_state(struct zone *z, enum zone_stat_item i, int64_t d) { z->vm_stat[i] += d; }
static inline void mod_node_page_state(pg_data_t *p, enum node_stat_item i, int64_t d) { p->vm_stat[i] += d; }
static inline void count_vm_events(struct mm_sys *ms, enum vm_event_item i, uint64_t d) { ms->vm_events[i] += d; }
/* Sum of a zone stat over all zones. */
int64_t global_zone_page_state(struct mm_sys *ms, enum zone_stat_item i);
int64_t global_node_page_state(struct mm_sys *ms, enum node_stat_item i);

/* Check every zone's free lists, pcp lists and counters; 0 or -EUCLEAN with err filled. */
int zone_validate(struct mm_sys *ms, struct zone *z, struct mmsim_error *err);
int page_alloc_validate(struct mm_sys *ms, struct mmsim_error *err);

/* si_mem_available(): MemAvailable as Linux computes it. */
uint64_t si_mem_available(struct mm_sys *ms);
/* Free pages counted as /proc/meminfo does (NR_FREE_PAGES summed). */
uint64_t global_free_pages(struct mm_sys *ms);
#endif

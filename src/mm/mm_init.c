/*
 * Boot of physical memory (Linux 6.18: mm/mm_init.c, mm/sparse.c, parts of mm/memblock.c).
 *
 *   memblock (memory, reserved) --sparse_init-->     memmap per present section, in RAM
 *                               --free_area_init-->  nodes, zones, spans, struct pages of
 *                                                    reserved pages and holes, pageblocks
 *                               --hash tables-->     dentry / inode hashes (one node)
 *                               --memblock_free_all-> free ranges to the buddy lists
 *
 * Struct pages inside free ranges are not written at boot: the buddy allocator writes a
 * block's head when it lists it and every page when it hands it out. This is Linux's
 * deferred struct page init taken to its end, and it is what lets a 1 TiB machine boot
 * on a small host: untouched memmap pages of the NORESERVE RAM mapping cost nothing.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include "mm/page_alloc.h"
#include "mm/kprofile.h"
#include "hw/physmem.h"
#include "util/error.h"

static inline uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static inline uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static inline uint64_t pfn_up(struct mm_sys *ms, uint64_t a) { return (a + ms->page_size - 1) >> ms->page_shift; }
static inline uint64_t pfn_down(struct mm_sys *ms, uint64_t a) { return a >> ms->page_shift; }

/* ---- iteration over memory ranges in pfns ---------------------------------------------- */

/* [*start, *end) pfns of memory region i, or false past the end. */
static bool mem_pfn_range(struct mm_sys *ms, unsigned int i, uint64_t *start, uint64_t *end, int *nid)
{
	if (i >= ms->memblock.memory.cnt)
		return false;
	const struct memblock_region *r = &ms->memblock.memory.regions[i];
	*start = pfn_up(ms, r->base);
	*end = pfn_down(ms, r->base + r->size);
	*nid = r->nid;
	return true;
}

/* Pages of memory of node nid (any node when nid < 0) inside [start, end). */
static uint64_t present_pages_in(struct mm_sys *ms, int nid, uint64_t start, uint64_t end)
{
	uint64_t s, e, sum = 0;
	int rnid;
	for (unsigned int i = 0; mem_pfn_range(ms, i, &s, &e, &rnid); i++) {
		if (nid >= 0 && rnid != nid)
			continue;
		s = max_u64(s, start);
		e = min_u64(e, end);
		if (e > s)
			sum += e - s;
	}
	return sum;
}

static void node_pfn_range(struct mm_sys *ms, unsigned int nid, uint64_t *start, uint64_t *end)
{
	uint64_t s, e;
	int rnid;
	*start = UINT64_MAX;
	*end = 0;
	for (unsigned int i = 0; mem_pfn_range(ms, i, &s, &e, &rnid); i++) {
		if ((unsigned)rnid != nid || e <= s)
			continue;
		*start = min_u64(*start, s);
		*end = max_u64(*end, e);
	}
	if (*start == UINT64_MAX)
		*start = 0;
}

/* ---- memmap: sparse sections or one flat array ----------------------------------------- */

static uint64_t section_nr_pages(struct mm_sys *ms) { return 1ull << ms->section_shift; }

static int sparse_init(struct mm_sys *ms, struct mmsim_error *err)
{
	uint64_t per = section_nr_pages(ms);
	uint64_t blocks_per_section = per >> ms->pageblock_order;
	ms->nr_sections = (ms->max_pfn + per - 1) / per;
	ms->sections = calloc(ms->nr_sections, sizeof(*ms->sections));
	if (!ms->sections)
		return -ENOMEM;
	ms->memmap_rev_shift = ms->section_shift + 6;	/* 64-byte struct page */
	_Static_assert(sizeof(struct page) == 64, "memmap_rev_shift assumes 64-byte struct page");
	uint64_t pieces = (ms->ram->size >> ms->memmap_rev_shift) + 1;
	ms->memmap_rev = malloc(pieces * sizeof(uint32_t));
	if (!ms->memmap_rev)
		return -ENOMEM;
	memset(ms->memmap_rev, 0xff, pieces * sizeof(uint32_t));
	for_each_node(ms, nid) {
		/* memory_present: sections holding memory of this node */
		uint64_t nr = 0;
		for (uint64_t sec = 0; sec < ms->nr_sections; sec++) {
			if (ms->sections[sec].pageblock_flags)
				continue;
			if (present_pages_in(ms, (int)nid, sec * per, (sec + 1) * per))
				nr++;
		}
		if (!nr)
			continue;
		/* sparse_buffer_init: one memmap buffer per node, section aligned, top-down. */
		uint64_t map_size = per * sizeof(struct page);
		uint64_t base;
		int ret = memblock_alloc_range(&ms->memblock, nr * map_size, map_size, 0, UINT64_MAX,
					       (int)nid, "memmap", &base);
		if (ret)
			return err_set(err, ret, NULL, 0, 0,
				       "node %u: no room for the memmap of %llu sections (%llu KiB)",
				       nid, (unsigned long long)nr, (unsigned long long)(nr * map_size >> 10));
		/* usemap: 4 bits per pageblock as Linux's pageblock flags, charged here. */
		uint64_t usemap_size = (nr * blocks_per_section * 4 + 7) / 8;
		uint64_t ubase;
		ret = memblock_alloc_range(&ms->memblock, usemap_size ? usemap_size : 8, 8, 0, UINT64_MAX,
					   (int)nid, "usemap", &ubase);
		if (ret)
			return err_set(err, ret, NULL, 0, 0, "node %u: no room for the pageblock flags", nid);
		struct page *map = phys_to_host(ms->ram, base);
		for (uint64_t sec = 0; sec < ms->nr_sections; sec++) {
			if (ms->sections[sec].pageblock_flags)
				continue;
			if (!present_pages_in(ms, (int)nid, sec * per, (sec + 1) * per))
				continue;
			ms->sections[sec].pageblock_flags = calloc(blocks_per_section ? blocks_per_section : 1, 1);
			if (!ms->sections[sec].pageblock_flags)
				return -ENOMEM;
			ms->sections[sec].mem_map = map;
			ms->memmap_rev[(host_to_phys(ms->ram, map) - ms->ram->base) >> ms->memmap_rev_shift] = (uint32_t)sec;
			map += per;
			ms->memmap_pages += map_size >> ms->page_shift;
		}
	}
	return 0;
}

static int flat_init(struct mm_sys *ms, struct mmsim_error *err)
{
	uint64_t nr = ms->max_pfn - ms->min_pfn;
	uint64_t size = nr * sizeof(struct page), base;
	/* alloc_node_mem_map: one array for the whole node, anywhere in memory. */
	int ret = memblock_alloc_range(&ms->memblock, size, 64, 0, UINT64_MAX, 0, "memmap", &base);
	if (ret)
		return err_set(err, ret, NULL, 0, 0, "no room for a flat memmap of %llu KiB",
			       (unsigned long long)(size >> 10));
	ms->mem_map = phys_to_host(ms->ram, base);
	ms->memmap_pages = (size + ms->page_size - 1) >> ms->page_shift;
	ms->pageblock_flags_flat = calloc((nr >> ms->pageblock_order) + 1, 1);
	if (!ms->pageblock_flags_flat)
		return -ENOMEM;
	return 0;
}

/* ---- zones -------------------------------------------------------------------------- */

struct zone_plan {
	uint64_t lowest[NR_ZONE_TYPES], highest[NR_ZONE_TYPES];	/* arch_zone_*_possible_pfn */
	uint64_t zone_movable_pfn[MAX_NUMNODES];
	unsigned int movable_zone;				/* zone index ZONE_MOVABLE borrows from */
};

static int zone_idx_of(struct mm_sys *ms, enum zone_type t)
{
	for (unsigned int i = 0; i < ms->arch->nr_zones; i++)
		if (ms->arch->zones[i] == t)
			return (int)i;
	return -1;
}

/* Upper pfn limit of each zone kind (max_zone_pfns as the arch's zone_sizes_init sets it). */
static uint64_t max_zone_pfn(struct mm_sys *ms, enum zone_type t)
{
	const struct arch_info *a = ms->arch;
	const struct memblock_type *mem = &ms->memblock.memory;
	/* max_pfn: the end of RAM (e820__end_of_ram_pfn) */
	uint64_t end = mem->cnt ? pfn_down(ms, mem->regions[mem->cnt - 1].base + mem->regions[mem->cnt - 1].size) : 0;
	switch (t) {
	case ZONE_DMA: return min_u64(a->dma_limit >> ms->page_shift, end);
	case ZONE_DMA32: return min_u64(a->dma32_limit >> ms->page_shift, end);
	case ZONE_NORMAL:
		return a->highmem_start ? min_u64(a->highmem_start >> ms->page_shift, end) : end;
	case ZONE_HIGHMEM: return end;
	default: return 0;	/* Movable is carved out below; Device holds no boot memory */
	}
}

/* The lowest and highest possible pfn of each zone (free_area_init). */
static void plan_zone_limits(struct mm_sys *ms, struct zone_plan *zp)
{
	uint64_t start = pfn_down(ms, ms->memblock.memory.cnt ? ms->memblock.memory.regions[0].base : 0);
	for (unsigned int i = 0; i < ms->arch->nr_zones; i++) {
		enum zone_type t = ms->arch->zones[i];
		if (t == ZONE_MOVABLE)
			continue;
		uint64_t end = max_u64(max_zone_pfn(ms, t), start);
		zp->lowest[i] = start;
		zp->highest[i] = end;
		start = end;
	}
}

/* The highest zone with memory: the one ZONE_MOVABLE takes its pages from. */
static unsigned int find_usable_zone_for_movable(struct mm_sys *ms, struct zone_plan *zp)
{
	int mov = zone_idx_of(ms, ZONE_MOVABLE);
	for (int i = (int)ms->arch->nr_zones - 1; i >= 0; i--) {
		if (i == mov)
			continue;
		if (zp->highest[i] > zp->lowest[i])
			return (unsigned)i;
	}
	return 0;
}

/*
 * Where ZONE_MOVABLE starts in each node for kernelcore= / movablecore=
 * (find_zone_movable_pfns_for_nodes): kernel memory is spread evenly over the nodes,
 * the rest of each node above it becomes Movable.
 */
static void find_zone_movable_pfns_for_nodes(struct mm_sys *ms, struct zone_plan *zp)
{
	const struct machine_desc *d = ms->desc;
	uint64_t max_order_pages = 1ull << ms->max_order;
	uint64_t totalpages = 0, required_kernelcore = 0, required_movablecore = 0;
	unsigned int usable_nodes = 0;
	memset(zp->zone_movable_pfn, 0, sizeof(zp->zone_movable_pfn));
	zp->movable_zone = find_usable_zone_for_movable(ms, zp);
	for_each_node(ms, nid) {
		uint64_t p = present_pages_in(ms, (int)nid, 0, UINT64_MAX);
		totalpages += p;
		if (p)
			usable_nodes++;
	}
	if (d->kernelcore_percent)
		required_kernelcore = totalpages * d->kernelcore_percent / 100;
	else if (d->kernelcore)
		required_kernelcore = d->kernelcore >> ms->page_shift;
	if (d->movablecore_percent)
		required_movablecore = totalpages * d->movablecore_percent / 100;
	else if (d->movablecore)
		required_movablecore = d->movablecore >> ms->page_shift;
	if (required_movablecore) {
		required_movablecore = (required_movablecore + max_order_pages - 1) / max_order_pages * max_order_pages;
		required_movablecore = min_u64(totalpages, required_movablecore);
		required_kernelcore = max_u64(required_kernelcore, totalpages - required_movablecore);
	}
	if (!required_kernelcore || required_kernelcore >= totalpages)
		return;
	uint64_t usable_startpfn = zp->lowest[zp->movable_zone];
restart:;
	uint64_t kernelcore_node = required_kernelcore / usable_nodes;
	for_each_node(ms, nid) {
		if (required_kernelcore < kernelcore_node)
			kernelcore_node = required_kernelcore / usable_nodes;
		uint64_t kernelcore_remaining = kernelcore_node;
		uint64_t start_pfn, end_pfn;
		int rnid;
		for (unsigned int i = 0; mem_pfn_range(ms, i, &start_pfn, &end_pfn, &rnid); i++) {
			if ((unsigned)rnid != nid)
				continue;
			start_pfn = max_u64(start_pfn, zp->zone_movable_pfn[nid]);
			if (start_pfn >= end_pfn)
				continue;
			/* Memory below the movable zone's range is kernel memory anyway. */
			if (start_pfn < usable_startpfn) {
				uint64_t kernel_pages = min_u64(end_pfn, usable_startpfn) - start_pfn;
				kernelcore_remaining -= min_u64(kernel_pages, kernelcore_remaining);
				required_kernelcore -= min_u64(kernel_pages, required_kernelcore);
				if (end_pfn <= usable_startpfn) {
					zp->zone_movable_pfn[nid] = end_pfn;
					continue;
				}
				start_pfn = usable_startpfn;
			}
			uint64_t size_pages = min_u64(end_pfn - start_pfn, kernelcore_remaining);
			zp->zone_movable_pfn[nid] = start_pfn + size_pages;
			required_kernelcore -= min_u64(required_kernelcore, size_pages);
			kernelcore_remaining -= size_pages;
			if (!kernelcore_remaining)
				break;
		}
	}
	/* Still short: go round again with one node fewer. */
	usable_nodes--;
	if (usable_nodes && required_kernelcore > usable_nodes)
		goto restart;
	for_each_node(ms, nid) {
		uint64_t ns, ne;
		zp->zone_movable_pfn[nid] = (zp->zone_movable_pfn[nid] + max_order_pages - 1) /
					    max_order_pages * max_order_pages;
		node_pfn_range(ms, nid, &ns, &ne);
		if (zp->zone_movable_pfn[nid] >= ne)
			zp->zone_movable_pfn[nid] = 0;
	}
}

/* [start, end) of zone zidx in node nid, before holes are counted (zone_spanned_pages_in_node). */
static void zone_span_in_node(struct mm_sys *ms, struct zone_plan *zp, unsigned int nid,
			      unsigned int zidx, uint64_t node_start, uint64_t node_end,
			      uint64_t *zs, uint64_t *ze)
{
	enum zone_type t = ms->arch->zones[zidx];
	if (t == ZONE_DEVICE) {
		*zs = *ze = 0;
		return;
	}
	*zs = *ze = 0;
	if (t != ZONE_MOVABLE) {
		*zs = max_u64(zp->lowest[zidx], node_start);
		*ze = min_u64(zp->highest[zidx], node_end);
		if (*ze < *zs)
			*ze = *zs;
	}
	/* adjust_zone_range_for_zone_movable */
	uint64_t mv = zp->zone_movable_pfn[nid];
	if (mv) {
		if (t == ZONE_MOVABLE) {
			*zs = mv;
			*ze = min_u64(node_end, zp->highest[zp->movable_zone]);
		} else if (*zs < mv && *ze > mv) {
			*ze = mv;
		} else if (*zs >= mv) {
			*zs = *ze;
		}
	}
	if (*ze <= *zs)
		*zs = *ze = 0;
}

static void zone_init_names(struct mm_sys *ms, pg_data_t *pgdat)
{
	for (unsigned int z = 0; z < ms->arch->nr_zones; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		zone->type = ms->arch->zones[z];
		zone->name = zone_type_name(zone->type);
		zone->idx = z;
		zone->zone_pgdat = pgdat;
		for (unsigned int o = 0; o < NR_PAGE_ORDERS_MAX; o++)
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				INIT_LIST_HEAD(&zone->free_area[o].free_list[mt]);
	}
}

/* Initialise the struct page of a page that is not free: reserved memory or a hole. */
static void init_reserved_page(struct mm_sys *ms, uint64_t pfn, unsigned int nid, unsigned int zidx)
{
	struct page *p = pfn_to_page(ms, pfn);
	if (!p)
		return;
	memset(p, 0, sizeof(*p));
	set_page_links(p, nid, zidx);
	page_set(p, PG_reserved);
	p->refcount = 1;
	p->mapcount = -1;
	INIT_LIST_HEAD(&p->lru);
}

/* The zone holding pfn in node nid, by span. */
static int pfn_zone_idx(pg_data_t *pgdat, unsigned int nr_zones, uint64_t pfn)
{
	for (unsigned int z = 0; z < nr_zones; z++)
		if (zone_is_populated(&pgdat->node_zones[z]) && zone_spans_pfn(&pgdat->node_zones[z], pfn))
			return (int)z;
	return -1;
}

/* memmap_init for everything that will never reach the buddy lists. */
static void init_unavailable_and_reserved(struct mm_sys *ms)
{
	for_each_node(ms, nid) {
		pg_data_t *pgdat = ms->node_data[nid];
		for (unsigned int z = 0; z < ms->arch->nr_zones; z++) {
			struct zone *zone = &pgdat->node_zones[z];
			if (!zone_is_populated(zone))
				continue;
			/* holes inside the zone that have a memmap (init_unavailable_range) */
			uint64_t cur = zone->zone_start_pfn, end = zone_end_pfn(zone);
			uint64_t s, e;
			int rnid;
			for (unsigned int i = 0; mem_pfn_range(ms, i, &s, &e, &rnid) && cur < end; i++) {
				if ((unsigned)rnid != nid || e <= cur)
					continue;
				for (uint64_t p = cur; p < min_u64(s, end); p++)
					init_reserved_page(ms, p, nid, z);
				cur = max_u64(cur, e);
			}
			for (uint64_t p = cur; p < end; p++)
				init_reserved_page(ms, p, nid, z);
		}
	}
	/* reserved memory (reserve_bootmem_region) */
	const struct memblock_type *res = &ms->memblock.reserved;
	for (unsigned int i = 0; i < res->cnt; i++) {
		uint64_t s = pfn_down(ms, res->regions[i].base);
		uint64_t e = pfn_up(ms, res->regions[i].base + res->regions[i].size);
		for (uint64_t p = s; p < e; p++) {
			for_each_node(ms, nid) {
				int z = pfn_zone_idx(ms->node_data[nid], ms->arch->nr_zones, p);
				if (z >= 0) {
					init_reserved_page(ms, p, nid, (unsigned)z);
					break;
				}
			}
		}
	}
}

static int free_area_init(struct mm_sys *ms, struct mmsim_error *err)
{
	struct zone_plan zp;
	memset(&zp, 0, sizeof(zp));
	plan_zone_limits(ms, &zp);
	find_zone_movable_pfns_for_nodes(ms, &zp);
	for_each_node(ms, nid) {
		pg_data_t *pgdat = ms->node_data[nid];
		uint64_t ns, ne;
		node_pfn_range(ms, nid, &ns, &ne);
		pgdat->node_id = nid;
		pgdat->node_start_pfn = ns;
		pgdat->node_spanned_pages = ne - ns;
		zone_init_names(ms, pgdat);
		for (unsigned int z = 0; z < ms->arch->nr_zones; z++) {
			struct zone *zone = &pgdat->node_zones[z];
			uint64_t zs, ze;
			zone_span_in_node(ms, &zp, nid, z, ns, ne, &zs, &ze);
			zone->zone_start_pfn = zs;
			zone->spanned_pages = ze - zs;
			/* present: pages of the span that exist, minus what Movable took */
			uint64_t present = present_pages_in(ms, (int)nid, zs, ze);
			zone->present_pages = present;
			pgdat->node_present_pages += present;
			if (present)
				pgdat->nr_zones = z + 1;
			/* every pageblock of a zone starts Movable (memmap_init_range) */
			for (uint64_t p = zs & ~((1ull << ms->pageblock_order) - 1); p < ze;
			     p += 1ull << ms->pageblock_order)
				if (pfn_to_page(ms, p))
					set_pageblock_migratetype(ms, p, MIGRATE_MOVABLE);
			if (present) {
				zone->per_cpu_pageset = calloc(ms->nr_cpus, sizeof(*zone->per_cpu_pageset));
				if (!zone->per_cpu_pageset)
					return err_set(err, -ENOMEM, NULL, 0, 0, "out of host memory");
				for (unsigned int c = 0; c < ms->nr_cpus; c++) {
					struct per_cpu_pages *pcp = &zone->per_cpu_pageset[c];
					for (unsigned int l = 0; l < NR_PCP_LISTS; l++)
						INIT_LIST_HEAD(&pcp->lists[l]);
					pcp->high = 0;	/* BOOT_PAGESET_HIGH */
					pcp->batch = 1;	/* BOOT_PAGESET_BATCH */
				}
			}
		}
	}
	return 0;
}

/* ---- large system hashes ------------------------------------------------------------- */

static uint64_t roundup_pow_of_two(uint64_t x)
{
	uint64_t r = 1;
	while (r < x)
		r <<= 1;
	return r;
}

/* Free memblock pages now, all and below highmem (calc_nr_kernel_pages). */
static int count_free_fn(void *arg, uint64_t start, uint64_t end, int nid)
{
	struct mm_sys *ms = arg;
	(void)nid;
	uint64_t s = pfn_up(ms, start), e = pfn_down(ms, end);
	if (s >= e)
		return 0;
	ms->nr_all_pages += e - s;
	if (ms->arch->highmem_start) {
		uint64_t hl = ms->arch->highmem_start >> ms->page_shift;
		s = min_u64(s, hl);
		e = min_u64(e, hl);
	}
	ms->nr_kernel_pages += e - s;
	return 0;
}

/*
 * An early hash table sized from memory (alloc_large_system_hash with HASH_EARLY):
 * one bucket per 2^scale bytes of kernel memory, rounded to a power of two, at most
 * 1/16 of memory.
 */
static int alloc_large_system_hash(struct mm_sys *ms, const char *name, uint64_t bucketsize,
				   unsigned int scale)
{
	uint64_t numentries = ms->nr_kernel_pages;
	uint64_t mb_pages = (1ull << 20) >> ms->page_shift;
	if (mb_pages > 1)
		numentries = (numentries + mb_pages - 1) / mb_pages * mb_pages;
	if (scale > ms->page_shift)
		numentries >>= (scale - ms->page_shift);
	else
		numentries <<= (ms->page_shift - scale);
	if (numentries * bucketsize < ms->page_size)
		numentries = ms->page_size / bucketsize;
	numentries = roundup_pow_of_two(numentries);
	uint64_t max = ((ms->nr_all_pages << ms->page_shift) >> 4) / bucketsize;
	max = min_u64(max, 0x80000000ull);
	if (numentries > max)
		numentries = max;
	unsigned int log2qty = 0;
	while ((2ull << log2qty) <= numentries)
		log2qty++;
	uint64_t size = bucketsize << log2qty, base;
	int ret;
	/* Smaller tables until one fits, as the kernel retries. */
	do {
		ret = memblock_alloc_range(&ms->memblock, size, 64, 0, UINT64_MAX, NUMA_NO_NODE, name, &base);
		if (ret == 0)
			return 0;
		size >>= 1;
	} while (size >= ms->page_size);
	return ret;
}

/* ---- memblock_free_all ------------------------------------------------------------------ */

/* Free [start, end) pfns of one node in the largest aligned blocks (__free_pages_memory). */
static void free_pages_memory(struct mm_sys *ms, unsigned int nid, uint64_t start, uint64_t end)
{
	pg_data_t *pgdat = ms->node_data[nid];
	while (start < end) {
		unsigned int order = ms->max_order;
		if (start) {
			unsigned int tz = (unsigned)__builtin_ctzll(start);
			if (tz < order)
				order = tz;
		}
		while (start + (1ull << order) > end)
			order--;
		int z = pfn_zone_idx(pgdat, ms->arch->nr_zones, start);
		/* Zone edges are MAX_ORDER aligned except where memory itself ends. */
		while (order && pfn_zone_idx(pgdat, ms->arch->nr_zones, start + (1ull << order) - 1) != z)
			order--;
		if (z >= 0)
			__free_pages_core(ms, &pgdat->node_zones[z], start, order);
		start += 1ull << order;
	}
}

static int free_range_fn(void *arg, uint64_t start, uint64_t end, int nid)
{
	struct mm_sys *ms = arg;
	uint64_t s = pfn_up(ms, start), e = pfn_down(ms, end);
	if (s < e && nid >= 0)
		free_pages_memory(ms, (unsigned)nid, s, e);
	return 0;
}

static void memblock_free_all(struct mm_sys *ms)
{
	memblock_for_each_free_range(&ms->memblock, free_range_fn, ms);
}

/* ---- the whole boot of physical memory ----------------------------------------------- */

int mm_core_init(struct mm_sys *ms, struct mmsim_error *err)
{
	const struct kernel_profile *kp = kernel_profile_current();
	int ret;
	for_each_node(ms, nid) {
		ms->node_data[nid] = calloc(1, sizeof(pg_data_t));
		if (!ms->node_data[nid])
			return err_set(err, -ENOMEM, NULL, 0, 0, "out of host memory");
		/* NODE_DATA lives in the node's own memory, top-down. */
		uint64_t base;
		ret = memblock_alloc_range(&ms->memblock, kp->pgdat_size, 64, 0, UINT64_MAX, (int)nid,
					   "NODE_DATA", &base);
		if (ret)
			return err_set(err, ret, NULL, 0, 0, "node %u has no room for its NODE_DATA", nid);
	}
	ret = ms->model == MEMORY_MODEL_SPARSE ? sparse_init(ms, err) : flat_init(ms, err);
	if (ret)
		return ret;
	/* The first percpu chunk: one unit per CPU on the CPU's node. */
	for (unsigned int c = 0; c < ms->nr_cpus; c++) {
		uint64_t base;
		ret = memblock_alloc_range(&ms->memblock, (uint64_t)kp->percpu_pages << ms->page_shift,
					   ms->page_size, 0, UINT64_MAX, (int)ms->cpu_to_node[c], "percpu", &base);
		if (ret == -ENOMEM)
			ret = memblock_alloc_range(&ms->memblock, (uint64_t)kp->percpu_pages << ms->page_shift,
						   ms->page_size, 0, UINT64_MAX, NUMA_NO_NODE, "percpu", &base);
		if (ret)
			return err_set(err, ret, NULL, 0, 0, "no room for the per-CPU areas");
	}
	ret = free_area_init(ms, err);
	if (ret)
		return ret;
	memblock_for_each_free_range(&ms->memblock, count_free_fn, ms);
	build_all_zonelists(ms);
	/* hashdist is on for NUMA machines: those tables come from vmalloc later, not here. */
	if (ms->nr_node_ids == 1) {
		if (alloc_large_system_hash(ms, "dentry hash", kp->hash_bucket_size, kp->dhash_scale) ||
		    alloc_large_system_hash(ms, "inode hash", kp->hash_bucket_size, kp->ihash_scale))
			return err_set(err, -ENOMEM, NULL, 0, 0, "no room for the dentry and inode hash tables");
	}
	init_unavailable_and_reserved(ms);
	memblock_free_all(ms);
	page_alloc_init_late(ms);
	return 0;
}

void mm_core_destroy(struct mm_sys *ms)
{
	for (unsigned int nid = 0; nid < MAX_NUMNODES; nid++) {
		pg_data_t *pgdat = ms->node_data[nid];
		if (!pgdat)
			continue;
		for (unsigned int z = 0; z < NR_ZONE_TYPES; z++)
			free(pgdat->node_zones[z].per_cpu_pageset);
		free(pgdat);
		ms->node_data[nid] = NULL;
	}
	if (ms->sections) {
		for (uint64_t s = 0; s < ms->nr_sections; s++)
			free(ms->sections[s].pageblock_flags);
		free(ms->sections);
		ms->sections = NULL;
	}
	free(ms->memmap_rev);
	ms->memmap_rev = NULL;
	free(ms->pageblock_flags_flat);
	ms->pageblock_flags_flat = NULL;
}

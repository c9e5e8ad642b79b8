/*
 * /proc/buddyinfo, /proc/pagetypeinfo, /proc/zoneinfo and /proc/vmstat (Linux: mm/vmstat.c
 * frag_show_print, pagetypeinfo_show*, zoneinfo_show_print, vmstat_start/vmstat_show).
 *
 * The formats are Linux 6.18's. Counters the model does not keep are left out, not shown as
 * 0: in zoneinfo and vmstat only the items of mm/vmstat.h appear, in Linux's order; the NUMA
 * event counters (numa_hit ...) and nr_memmap_pages are absent. The
 * "Number of mixed blocks" table needs CONFIG_PAGE_OWNER, which the reference kernel lacks,
 * so it is absent as there. The CMA migrate type is not compiled in on the reference kernel
 * and is not shown. The THP counters (nr_anon_transparent_hugepages ...) are kept in pages
 * and shown in huge pages, as vmstat_item_print_in_thp says. docs/proc.md has the list.
 */
#include "report/proc.h"
#include "hw/mmu.h"
#include "mm/page_alloc.h"
#include "mm/vmscan.h"
#include "mm/writeback.h"

const char *proc_zone_name(const struct mm_sys *ms, const struct zone *z, unsigned int zidx)
{
	return z->name ? z->name : zone_type_name(ms->arch->zones[zidx]);
}

uint64_t node_page_state_pages(const struct mm_sys *ms, const pg_data_t *pgdat,
			       enum node_stat_item i)
{
	int64_t v = pgdat->vm_stat[i];

	if (node_stat_is_bytes(i))
		v /= (int64_t)ms->page_size;
	return stat_pos(v);
}

uint64_t global_node_page_state_pages(struct mm_sys *ms, enum node_stat_item i)
{
	int64_t v = global_node_page_state(ms, i);

	if (node_stat_is_bytes(i))
		v /= (int64_t)ms->page_size;
	return stat_pos(v);
}

uint64_t hpage_pmd_nr(const struct mm_sys *ms)
{
	const struct pt_format *f = ms->mmus && ms->mmus[0].fmt ? ms->mmus[0].fmt :
				    pt_format_default(ms->arch->id);

	if (!f || f->nr_levels < 2)
		return 1;
	return 1ull << (f->level[f->nr_levels - 2].shift - f->granule_shift);
}

/* vmstat_item_print_in_thp: THP counters are kept in pages and shown in huge pages. */
static bool node_stat_print_in_thp(enum node_stat_item i)
{
	return i == NR_ANON_THPS || i == NR_FILE_THPS || i == NR_SHMEM_THPS ||
	       i == NR_SHMEM_PMDMAPPED || i == NR_FILE_PMDMAPPED;
}

uint64_t node_stat_shown(const struct mm_sys *ms, enum node_stat_item i, uint64_t pages)
{
	return node_stat_print_in_thp(i) ? pages / hpage_pmd_nr(ms) : pages;
}

uint64_t free_list_count(const struct zone *z, unsigned int order, int mt, uint64_t cap,
			 bool *overflow)
{
	const struct list_head *head = &z->free_area[order].free_list[mt];
	const struct list_head *pos;
	uint64_t n = 0;

	*overflow = false;
	/* Linux stops counting at 100000 (it walks the list under the zone lock) and shows ">". */
	for (pos = head->next; pos != head; pos = pos->next) {
		if (++n == cap) {
			*overflow = true;
			break;
		}
	}
	return n;
}

void zone_pageblock_counts(struct mm_sys *ms, const struct zone *z, uint64_t count[MIGRATE_TYPES])
{
	uint64_t nr = 1ull << ms->pageblock_order;

	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		count[mt] = 0;
	/*
	 * As Linux: step from zone_start_pfn (not pageblock aligned) by a pageblock and skip
	 * pfns without a memmap. Linux also skips pages whose page_zone() is another zone,
	 * which happens only where zone spans overlap (interleaved nodes); the model gives each
	 * node one range and zones disjoint spans, so a pfn in the span is the zone's. The
	 * struct page is not read: the model leaves the links of free-block tails unset.
	 */
	for (uint64_t pfn = z->zone_start_pfn; pfn < zone_end_pfn(z); pfn += nr) {
		if (!pfn_to_page(ms, pfn))
			continue;
		enum migratetype mt = get_pageblock_migratetype(ms, pfn);
		if ((unsigned int)mt < MIGRATE_TYPES)
			count[mt]++;
	}
}

bool vm_event_shown(const struct mm_sys *ms, enum vm_event_item i)
{
	/*
	 * pgalloc_<zone> and allocstall_<zone> exist only for the zone types the kernel
	 * compiles (FOR_ALL_ZONES).
	 */
	enum vm_event_item first;

	if (i >= PGALLOC_DMA && i <= PGALLOC_DEVICE)
		first = PGALLOC_DMA;
	else if (i >= ALLOCSTALL_DMA && i <= ALLOCSTALL_DEVICE)
		first = ALLOCSTALL_DMA;
	else
		return true;
	enum zone_type t = (enum zone_type)(ZONE_DMA + (i - first));
	for (unsigned int z = 0; z < ms->arch->nr_zones; z++)
		if (ms->arch->zones[z] == t)
			return true;
	return false;
}

/* Node has memory (Linux's N_MEMORY state): some zone has present pages. */
static bool node_has_memory(const struct mm_sys *ms, const pg_data_t *pgdat)
{
	for (unsigned int z = 0; z < proc_nr_zones(ms); z++)
		if (zone_is_populated(&pgdat->node_zones[z]))
			return true;
	return false;
}

/* ---- buddyinfo ------------------------------------------------------------------------- */

void proc_buddyinfo(struct mm_sys *ms, struct strbuf *sb)
{
	for_each_node(ms, nid) {
		const pg_data_t *pgdat = ms->node_data[nid];
		if (!pgdat)
			continue;
		for (unsigned int zi = 0; zi < proc_nr_zones(ms); zi++) {
			const struct zone *z = &pgdat->node_zones[zi];
			if (!zone_is_populated(z))
				continue;
			sb_printf(sb, "Node %d, zone %8s ", (int)pgdat->node_id,
				  proc_zone_name(ms, z, zi));
			for (unsigned int o = 0; o <= ms->max_order; o++)
				sb_printf(sb, "%6lu ", (unsigned long)z->free_area[o].nr_free);
			sb_puts(sb, "\n");
		}
	}
}

/* ---- pagetypeinfo ---------------------------------------------------------------------- */

/* "Free pages count per migrate type at order" table of one node. */
static void pagetype_free_table(struct mm_sys *ms, const pg_data_t *pgdat, struct strbuf *sb)
{
	sb_printf(sb, "%-43s ", "Free pages count per migrate type at order");
	for (unsigned int o = 0; o <= ms->max_order; o++)
		sb_printf(sb, "%6d ", (int)o);
	sb_puts(sb, "\n");
	for (unsigned int zi = 0; zi < proc_nr_zones(ms); zi++) {
		const struct zone *z = &pgdat->node_zones[zi];
		if (!zone_is_populated(z))
			continue;
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			if (!migratetype_shown(mt))
				continue;
			sb_printf(sb, "Node %4d, zone %8s, type %12s ", (int)pgdat->node_id,
				  proc_zone_name(ms, z, zi), migratetype_names[mt]);
			for (unsigned int o = 0; o <= ms->max_order; o++) {
				bool over;
				uint64_t n = free_list_count(z, o, mt, PAGETYPE_COUNT_CAP, &over);
				sb_printf(sb, "%s%6lu ", over ? ">" : "", (unsigned long)n);
			}
			sb_puts(sb, "\n");
		}
	}
}

/* "Number of blocks type" table of one node. */
static void pagetype_block_table(struct mm_sys *ms, const pg_data_t *pgdat, struct strbuf *sb)
{
	sb_printf(sb, "\n%-23s", "Number of blocks type ");
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		if (migratetype_shown(mt))
			sb_printf(sb, "%12s ", migratetype_names[mt]);
	sb_puts(sb, "\n");
	for (unsigned int zi = 0; zi < proc_nr_zones(ms); zi++) {
		const struct zone *z = &pgdat->node_zones[zi];
		uint64_t count[MIGRATE_TYPES];
		if (!zone_is_populated(z))
			continue;
		zone_pageblock_counts(ms, z, count);
		sb_printf(sb, "Node %d, zone %8s ", (int)pgdat->node_id, proc_zone_name(ms, z, zi));
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			if (migratetype_shown(mt))
				sb_printf(sb, "%12lu ", (unsigned long)count[mt]);
		sb_puts(sb, "\n");
	}
}

void proc_pagetypeinfo(struct mm_sys *ms, struct strbuf *sb)
{
	for_each_node(ms, nid) {
		const pg_data_t *pgdat = ms->node_data[nid];
		if (!pgdat || !node_has_memory(ms, pgdat))
			continue;	/* memoryless node: Linux prints nothing for it */
		sb_printf(sb, "Page block order: %d\n", (int)ms->pageblock_order);
		sb_printf(sb, "Pages per block:  %lu\n", 1ul << ms->pageblock_order);
		sb_puts(sb, "\n");
		pagetype_free_table(ms, pgdat, sb);
		pagetype_block_table(ms, pgdat, sb);
	}
}

/* ---- zoneinfo -------------------------------------------------------------------------- */

/* Is z the node's first populated zone (where Linux prints the per-node stats)? */
static bool is_zone_first_populated(const struct mm_sys *ms, const pg_data_t *pgdat,
				    const struct zone *z)
{
	for (unsigned int zi = 0; zi < proc_nr_zones(ms); zi++)
		if (zone_is_populated(&pgdat->node_zones[zi]))
			return z == &pgdat->node_zones[zi];
	return false;
}

/* The "pagesets" block: one entry per CPU, as zoneinfo_show_print with CONFIG_SMP. */
static void zoneinfo_pagesets(const struct mm_sys *ms, const struct zone *z, struct strbuf *sb)
{
	sb_puts(sb, "\n  pagesets");
	for (unsigned int cpu = 0; cpu < ms->nr_cpus; cpu++) {
		const struct per_cpu_pages *pcp = &z->per_cpu_pageset[cpu];
		sb_printf(sb,
			  "\n    cpu: %i"
			  "\n              count:    %i"
			  "\n              high:     %i"
			  "\n              batch:    %i"
			  "\n              high_min: %i"
			  "\n              high_max: %i",
			  (int)cpu, pcp->count, pcp->high, pcp->batch, pcp->high_min, pcp->high_max);
		sb_printf(sb, "\n  vm stats threshold: %d", pcp->stat_threshold);
	}
}

static void zoneinfo_zone(struct mm_sys *ms, const pg_data_t *pgdat, const struct zone *z,
			  unsigned int zi, struct strbuf *sb)
{
	sb_printf(sb, "Node %d, zone %8s", (int)pgdat->node_id, proc_zone_name(ms, z, zi));
	if (is_zone_first_populated(ms, pgdat, z)) {
		sb_puts(sb, "\n  per-node stats");
		for (int i = 0; i < NR_VM_NODE_STAT_ITEMS; i++)
			sb_printf(sb, "\n      %-12s %lu", node_stat_names[i],
				  (unsigned long)node_stat_shown(ms, i,
						node_page_state_pages(ms, pgdat, i)));
	}
	sb_printf(sb,
		  "\n  pages free     %lu"
		  "\n        boost    %lu"
		  "\n        min      %lu"
		  "\n        low      %lu"
		  "\n        high     %lu"
		  "\n        promo    %lu"
		  "\n        spanned  %lu"
		  "\n        present  %lu"
		  "\n        managed  %lu"
		  "\n        cma      %lu",
		  (unsigned long)stat_pos(z->vm_stat[NR_FREE_PAGES]),
		  (unsigned long)z->watermark_boost,
		  (unsigned long)wmark_pages(z, WMARK_MIN),
		  (unsigned long)wmark_pages(z, WMARK_LOW),
		  (unsigned long)wmark_pages(z, WMARK_HIGH),
		  (unsigned long)wmark_pages(z, WMARK_PROMO),
		  (unsigned long)z->spanned_pages,
		  (unsigned long)z->present_pages,
		  (unsigned long)z->managed_pages,
		  (unsigned long)z->cma_pages);
	sb_printf(sb, "\n        protection: (%ld", (long)z->lowmem_reserve[0]);
	for (unsigned int i = 1; i < proc_nr_zones(ms); i++)
		sb_printf(sb, ", %ld", (long)z->lowmem_reserve[i]);
	sb_puts(sb, ")");
	if (!zone_is_populated(z)) {
		sb_puts(sb, "\n");	/* Linux: nothing else is useful for an empty zone */
		return;
	}
	for (int i = 0; i < NR_VM_ZONE_STAT_ITEMS; i++)
		sb_printf(sb, "\n      %-12s %lu", zone_stat_names[i],
			  (unsigned long)stat_pos(z->vm_stat[i]));
	zoneinfo_pagesets(ms, z, sb);
	/* node_unreclaimable: kswapd gave up on the node (kswapd_failures, mm/vmscan.c) */
	sb_printf(sb,
		  "\n  node_unreclaimable:  %u"
		  "\n  start_pfn:           %lu",
		  z->zone_pgdat->kswapd_failures >= MAX_RECLAIM_RETRIES ? 1u : 0u,
		  (unsigned long)z->zone_start_pfn);
	sb_puts(sb, "\n");
}

void proc_zoneinfo(struct mm_sys *ms, struct strbuf *sb)
{
	for_each_node(ms, nid) {
		const pg_data_t *pgdat = ms->node_data[nid];
		if (!pgdat)
			continue;
		/* Every zone, populated or not: lowmem_reserve_ratio acts on all of them. */
		for (unsigned int zi = 0; zi < proc_nr_zones(ms); zi++)
			zoneinfo_zone(ms, pgdat, &pgdat->node_zones[zi], zi, sb);
	}
}

/* ---- vmstat ---------------------------------------------------------------------------- */

void proc_vmstat(struct mm_sys *ms, struct strbuf *sb)
{
	for (int i = 0; i < NR_VM_ZONE_STAT_ITEMS; i++)
		sb_printf(sb, "%s %lu\n", zone_stat_names[i],
			  (unsigned long)stat_pos(global_zone_page_state(ms, i)));
	for (int i = 0; i < NR_VM_NODE_STAT_ITEMS; i++)
		sb_printf(sb, "%s %lu\n", node_stat_names[i],
			  (unsigned long)node_stat_shown(ms, i,
							 global_node_page_state_pages(ms, i)));
	/* The dirty thresholds (vmstat_start: global_dirty_limits) */
	uint64_t bg_thresh, thresh;
	global_dirty_limits(ms, &bg_thresh, &thresh);
	sb_printf(sb, "nr_dirty_threshold %lu\n", (unsigned long)thresh);
	sb_printf(sb, "nr_dirty_background_threshold %lu\n", (unsigned long)bg_thresh);
	/* System-wide vm_stat items: of these the model keeps only the boot memmap size. */
	sb_printf(sb, "nr_memmap_boot_pages %lu\n", (unsigned long)ms->memmap_pages);
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		if (vm_event_shown(ms, i))
			sb_printf(sb, "%s %lu\n", vm_event_names[i], (unsigned long)ms->vm_events[i]);
	/* Linux ends with a deprecated counter it always prints as 0 (vmstat_show). */
	sb_puts(sb, "nr_unstable 0\n");
}

/*
 * /proc/meminfo (Linux: fs/proc/meminfo.c meminfo_proc_show, show_val_kb).
 *
 * Shown: MemTotal, MemFree, MemAvailable, Buffers, Cached, SwapCached, Active, Inactive,
 * Active(anon), Inactive(anon), Active(file), Inactive(file), Unevictable, Mlocked,
 * HighTotal/HighFree/LowTotal/LowFree (only where ZONE_HIGHMEM is compiled, as
 * CONFIG_HIGHMEM), SwapTotal, SwapFree, Dirty, Writeback, AnonPages, Mapped, Shmem, Slab,
 * SReclaimable, SUnreclaim, PageTables, CommitLimit, Committed_AS, AnonHugePages,
 * ShmemHugePages, ShmemPmdMapped, FileHugePages, FilePmdMapped. Every other line needs a
 * counter the model does not keep yet (zswap, vmalloc, hugetlb, percpu ...) and is left out
 * rather than shown as 0;
 * docs/proc.md lists them.
 * Buffers is the page cache of block devices (nr_blockdev_pages): the model caches no block
 * device, so it is 0 by construction, not by omission.
 */
#include "report/proc.h"
#include "mm/oom.h"
#include "mm/page_alloc.h"

/* Is zone index zi of this machine highmem (is_highmem_idx)? Movable counts as highmem
 * when the zone movable memory is taken from is HighMem (find_usable_zone_for_movable). */
static bool zone_idx_is_highmem(const struct mm_sys *ms, unsigned int zi, bool movable_high)
{
	enum zone_type t = ms->arch->zones[zi];
	return t == ZONE_HIGHMEM || (t == ZONE_MOVABLE && movable_high);
}

/* Highmem totals: managed and free pages of the highmem zones of all nodes. */
static void highmem_totals(const struct mm_sys *ms, uint64_t *total, uint64_t *free)
{
	bool movable_high = false;

	/* Movable memory comes from the highest zone below Movable that has memory. */
	for_each_node(ms, nid) {
		const pg_data_t *pgdat = ms->node_data[nid];
		for (unsigned int zi = 0; pgdat && zi < proc_nr_zones(ms); zi++)
			if (ms->arch->zones[zi] == ZONE_HIGHMEM && !zone_is_empty(&pgdat->node_zones[zi]))
				movable_high = true;
	}
	*total = *free = 0;
	for_each_node(ms, nid) {
		const pg_data_t *pgdat = ms->node_data[nid];
		for (unsigned int zi = 0; pgdat && zi < proc_nr_zones(ms); zi++) {
			if (!zone_idx_is_highmem(ms, zi, movable_high))
				continue;
			*total += pgdat->node_zones[zi].managed_pages;
			*free += stat_pos(pgdat->node_zones[zi].vm_stat[NR_FREE_PAGES]);
		}
	}
}

static bool arch_has_highmem(const struct mm_sys *ms)
{
	for (unsigned int zi = 0; zi < proc_nr_zones(ms); zi++)
		if (ms->arch->zones[zi] == ZONE_HIGHMEM)
			return true;
	return false;
}

void meminfo_for_each(struct mm_sys *ms, void (*fn)(void *arg, const char *label, uint64_t kb),
		      void *arg)
{
	unsigned int sh = ms->page_shift - 10;	/* pages -> kB, Linux's K() */
	uint64_t total = ms->totalram_pages;
	uint64_t freeram = global_free_pages(ms);
	uint64_t sreclaim = global_node_page_state_pages(ms, NR_SLAB_RECLAIMABLE_B);
	uint64_t sunreclaim = global_node_page_state_pages(ms, NR_SLAB_UNRECLAIMABLE_B);

	/* Cached: NR_FILE_PAGES - total_swapcache_pages() - bufferram */
	uint64_t bufferram = 0, swapcache = total_swapcache_pages(ms);
	uint64_t file = global_node_page_state_pages(ms, NR_FILE_PAGES);
	uint64_t cached = file > bufferram + swapcache ? file - bufferram - swapcache : 0;

	fn(arg, "MemTotal:", total << sh);
	fn(arg, "MemFree:", freeram << sh);
	fn(arg, "MemAvailable:", si_mem_available(ms) << sh);
	fn(arg, "Buffers:", bufferram << sh);
	fn(arg, "Cached:", cached << sh);
	fn(arg, "SwapCached:", swapcache << sh);
	/* the LRU lists (mm/swap.c) */
	uint64_t lru[NR_LRU_LISTS];

	for (int i = 0; i < NR_LRU_LISTS; i++)
		lru[i] = global_node_page_state_pages(ms, NR_INACTIVE_ANON + i);
	fn(arg, "Active:", (lru[LRU_ACTIVE_ANON] + lru[LRU_ACTIVE_FILE]) << sh);
	fn(arg, "Inactive:", (lru[LRU_INACTIVE_ANON] + lru[LRU_INACTIVE_FILE]) << sh);
	fn(arg, "Active(anon):", lru[LRU_ACTIVE_ANON] << sh);
	fn(arg, "Inactive(anon):", lru[LRU_INACTIVE_ANON] << sh);
	fn(arg, "Active(file):", lru[LRU_ACTIVE_FILE] << sh);
	fn(arg, "Inactive(file):", lru[LRU_INACTIVE_FILE] << sh);
	fn(arg, "Unevictable:", lru[LRU_UNEVICTABLE] << sh);
	fn(arg, "Mlocked:", stat_pos(global_zone_page_state(ms, NR_MLOCK)) << sh);
	if (arch_has_highmem(ms)) {
		uint64_t htotal, hfree;
		highmem_totals(ms, &htotal, &hfree);
		fn(arg, "HighTotal:", htotal << sh);
		fn(arg, "HighFree:", hfree << sh);
		fn(arg, "LowTotal:", (total - htotal) << sh);
		fn(arg, "LowFree:", (freeram - hfree) << sh);
	}
	static const struct { const char *label; enum node_stat_item item; } mapped[] = {
		{ "Dirty:", NR_FILE_DIRTY }, { "Writeback:", NR_WRITEBACK },
		{ "AnonPages:", NR_ANON_MAPPED }, { "Mapped:", NR_FILE_MAPPED },
		{ "Shmem:", NR_SHMEM },
	}, thp[] = {
		/* kept in pages (not huge pages) since Linux 5.13: shown as they are */
		{ "AnonHugePages:", NR_ANON_THPS }, { "ShmemHugePages:", NR_SHMEM_THPS },
		{ "ShmemPmdMapped:", NR_SHMEM_PMDMAPPED }, { "FileHugePages:", NR_FILE_THPS },
		{ "FilePmdMapped:", NR_FILE_PMDMAPPED },
	};
	/* si_swapinfo: the areas that are on (Zswap/Zswapped: the model has no zswap) */
	fn(arg, "SwapTotal:", total_swap_pages(ms) << sh);
	fn(arg, "SwapFree:", nr_swap_pages(ms) << sh);
	for (size_t i = 0; i < sizeof(mapped) / sizeof(mapped[0]); i++)
		fn(arg, mapped[i].label, global_node_page_state_pages(ms, mapped[i].item) << sh);
	fn(arg, "Slab:", (sreclaim + sunreclaim) << sh);
	fn(arg, "SReclaimable:", sreclaim << sh);
	fn(arg, "SUnreclaim:", sunreclaim << sh);
	fn(arg, "PageTables:", global_node_page_state_pages(ms, NR_PAGETABLE) << sh);
	/* overcommit (mm/util.c) */
	fn(arg, "CommitLimit:", vm_commit_limit(ms) << sh);
	fn(arg, "Committed_AS:", vm_memory_committed(ms) << sh);
	for (size_t i = 0; i < sizeof(thp) / sizeof(thp[0]); i++)
		fn(arg, thp[i].label, global_node_page_state_pages(ms, thp[i].item) << sh);
}

/* show_val_kb: the label padded to 16 columns, the value right-aligned in 8, " kB". */
static void show_val_kb(void *arg, const char *label, uint64_t kb)
{
	sb_printf(arg, "%-16s%8lu kB\n", label, (unsigned long)kb);
}

void proc_meminfo(struct mm_sys *ms, struct strbuf *sb)
{
	meminfo_for_each(ms, show_val_kb, sb);
}

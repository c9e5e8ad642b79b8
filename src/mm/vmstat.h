/*
 * Counters as /proc/vmstat, /proc/zoneinfo and /proc/meminfo show them (Linux:
 * include/linux/mmzone.h enum zone_stat_item / node_stat_item, vm_event_item.h).
 *
 * Only counters the model maintains are listed; each list is in Linux 6.18's order, so
 * the renderers print them where Linux prints them. A later issue that models a counter
 * adds it at its Linux position. Counters are exact (Linux batches per-CPU deltas; the
 * model applies every delta at once, so its values equal Linux's after a vmstat sync).
 */
#ifndef MMSIM_MM_VMSTAT_H
#define MMSIM_MM_VMSTAT_H
#include <stdint.h>

#define ZONE_STAT_ITEMS(X)			\
	X(NR_FREE_PAGES, "nr_free_pages")	\
	X(NR_FREE_PAGES_BLOCKS, "nr_free_pages_blocks")	\
	X(NR_ZONE_INACTIVE_ANON, "nr_zone_inactive_anon")	\
	X(NR_ZONE_ACTIVE_ANON, "nr_zone_active_anon")	\
	X(NR_ZONE_INACTIVE_FILE, "nr_zone_inactive_file")	\
	X(NR_ZONE_ACTIVE_FILE, "nr_zone_active_file")	\
	X(NR_ZONE_UNEVICTABLE, "nr_zone_unevictable")	\
	X(NR_ZONE_WRITE_PENDING, "nr_zone_write_pending")	\
	X(NR_MLOCK, "nr_mlock")

#define NODE_STAT_ITEMS(X)			\
	X(NR_INACTIVE_ANON, "nr_inactive_anon")	\
	X(NR_ACTIVE_ANON, "nr_active_anon")	\
	X(NR_INACTIVE_FILE, "nr_inactive_file")	\
	X(NR_ACTIVE_FILE, "nr_active_file")	\
	X(NR_UNEVICTABLE, "nr_unevictable")	\
	X(NR_SLAB_RECLAIMABLE_B, "nr_slab_reclaimable")	\
	X(NR_SLAB_UNRECLAIMABLE_B, "nr_slab_unreclaimable")	\
	X(NR_ISOLATED_ANON, "nr_isolated_anon")	\
	X(NR_ISOLATED_FILE, "nr_isolated_file")	\
	X(WORKINGSET_NODES, "workingset_nodes")	\
	X(WORKINGSET_REFAULT_ANON, "workingset_refault_anon")	\
	X(WORKINGSET_REFAULT_FILE, "workingset_refault_file")	\
	X(WORKINGSET_ACTIVATE_ANON, "workingset_activate_anon")	\
	X(WORKINGSET_ACTIVATE_FILE, "workingset_activate_file")	\
	X(WORKINGSET_RESTORE_ANON, "workingset_restore_anon")	\
	X(WORKINGSET_RESTORE_FILE, "workingset_restore_file")	\
	X(WORKINGSET_NODERECLAIM, "workingset_nodereclaim")	\
	X(NR_ANON_MAPPED, "nr_anon_pages")	\
	X(NR_FILE_MAPPED, "nr_mapped")		\
	X(NR_FILE_PAGES, "nr_file_pages")	\
	X(NR_FILE_DIRTY, "nr_dirty")		\
	X(NR_WRITEBACK, "nr_writeback")		\
	X(NR_SHMEM, "nr_shmem")			\
	X(NR_SHMEM_THPS, "nr_shmem_hugepages")	\
	X(NR_SHMEM_PMDMAPPED, "nr_shmem_pmdmapped")	\
	X(NR_FILE_THPS, "nr_file_hugepages")	\
	X(NR_FILE_PMDMAPPED, "nr_file_pmdmapped")	\
	X(NR_ANON_THPS, "nr_anon_transparent_hugepages")	\
	X(NR_VMSCAN_WRITE, "nr_vmscan_write")	\
	X(NR_VMSCAN_IMMEDIATE, "nr_vmscan_immediate_reclaim")	\
	X(NR_DIRTIED, "nr_dirtied")		\
	X(NR_WRITTEN, "nr_written")		\
	X(NR_PAGETABLE, "nr_page_table_pages")	\
	X(NR_SWAPCACHE, "nr_swapcached")

#define VM_EVENT_ITEMS(X)			\
	X(PGPGIN, "pgpgin")			\
	X(PGPGOUT, "pgpgout")			\
	X(PSWPIN, "pswpin")			\
	X(PSWPOUT, "pswpout")			\
	X(PGALLOC_DMA, "pgalloc_dma")		\
	X(PGALLOC_DMA32, "pgalloc_dma32")	\
	X(PGALLOC_NORMAL, "pgalloc_normal")	\
	X(PGALLOC_HIGH, "pgalloc_high")		\
	X(PGALLOC_MOVABLE, "pgalloc_movable")	\
	X(PGALLOC_DEVICE, "pgalloc_device")	\
	X(ALLOCSTALL_DMA, "allocstall_dma")	\
	X(ALLOCSTALL_DMA32, "allocstall_dma32")	\
	X(ALLOCSTALL_NORMAL, "allocstall_normal")	\
	X(ALLOCSTALL_HIGH, "allocstall_high")	\
	X(ALLOCSTALL_MOVABLE, "allocstall_movable")	\
	X(ALLOCSTALL_DEVICE, "allocstall_device")	\
	X(PGFREE, "pgfree")			\
	X(PGACTIVATE, "pgactivate")		\
	X(PGDEACTIVATE, "pgdeactivate")		\
	X(PGLAZYFREE, "pglazyfree")		\
	X(PGFAULT, "pgfault")			\
	X(PGMAJFAULT, "pgmajfault")		\
	X(PGLAZYFREED, "pglazyfreed")		\
	X(PGREFILL, "pgrefill")			\
	X(PGREUSE, "pgreuse")			\
	X(PGSTEAL_KSWAPD, "pgsteal_kswapd")	\
	X(PGSTEAL_DIRECT, "pgsteal_direct")	\
	X(PGSCAN_KSWAPD, "pgscan_kswapd")	\
	X(PGSCAN_DIRECT, "pgscan_direct")	\
	X(PGSCAN_ANON, "pgscan_anon")		\
	X(PGSCAN_FILE, "pgscan_file")		\
	X(PGSTEAL_ANON, "pgsteal_anon")		\
	X(PGSTEAL_FILE, "pgsteal_file")		\
	X(KSWAPD_LOW_WMARK_HIT_QUICKLY, "kswapd_low_wmark_hit_quickly")	\
	X(KSWAPD_HIGH_WMARK_HIT_QUICKLY, "kswapd_high_wmark_hit_quickly")	\
	X(PAGEOUTRUN, "pageoutrun")		\
	X(PGROTATED, "pgrotated")		\
	X(DROP_PAGECACHE, "drop_pagecache")	\
	X(DROP_SLAB, "drop_slab")		\
	X(OOM_KILL, "oom_kill")			\
	X(UNEVICTABLE_PGMLOCKED, "unevictable_pgs_mlocked")	\
	X(UNEVICTABLE_PGMUNLOCKED, "unevictable_pgs_munlocked")	\
	X(THP_FAULT_ALLOC, "thp_fault_alloc")	\
	X(THP_FAULT_FALLBACK, "thp_fault_fallback")	\
	X(THP_FAULT_FALLBACK_CHARGE, "thp_fault_fallback_charge")	\
	X(THP_SPLIT_PAGE, "thp_split_page")	\
	X(THP_SPLIT_PAGE_FAILED, "thp_split_page_failed")	\
	X(THP_DEFERRED_SPLIT_PAGE, "thp_deferred_split_page")	\
	X(THP_SPLIT_PMD, "thp_split_pmd")	\
	X(THP_ZERO_PAGE_ALLOC, "thp_zero_page_alloc")	\
	X(THP_ZERO_PAGE_ALLOC_FAILED, "thp_zero_page_alloc_failed")	\
	X(THP_SWPOUT, "thp_swpout")		\
	X(THP_SWPOUT_FALLBACK, "thp_swpout_fallback")	\
	X(SWAP_RA, "swap_ra")			\
	X(SWAP_RA_HIT, "swap_ra_hit")		\
	X(SWPIN_ZERO, "swpin_zero")		\
	X(SWPOUT_ZERO, "swpout_zero")

#define X_ENUM(e, s) e,
enum zone_stat_item { ZONE_STAT_ITEMS(X_ENUM) NR_VM_ZONE_STAT_ITEMS };
enum node_stat_item { NODE_STAT_ITEMS(X_ENUM) NR_VM_NODE_STAT_ITEMS };
enum vm_event_item { VM_EVENT_ITEMS(X_ENUM) NR_VM_EVENT_ITEMS };
#undef X_ENUM

extern const char *const zone_stat_names[NR_VM_ZONE_STAT_ITEMS];
extern const char *const node_stat_names[NR_VM_NODE_STAT_ITEMS];
extern const char *const vm_event_names[NR_VM_EVENT_ITEMS];

/*
 * Node byte counters (the _B items) are kept in bytes and shown in pages, as Linux does.
 */
static inline int node_stat_is_bytes(enum node_stat_item i)
{
	return i == NR_SLAB_RECLAIMABLE_B || i == NR_SLAB_UNRECLAIMABLE_B;
}
#endif

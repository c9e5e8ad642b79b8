/*
 * Nodes and zones (Linux: include/linux/mmzone.h).
 *
 *   physical address space (example: the PC map of a 24 GiB x86_64 machine)
 *
 *   0        1M     16M                      3G   4G                           25G
 *   +--------+------+------------------------+----+-----------------------------+
 *   |  DMA (pfn 1..4095)  |  DMA32 (..0xfffff) |hole|    Normal (0x100000..)   |
 *   +--------+------+------------------------+----+-----------------------------+
 *            ^kernel image at 16M                  memmap, NODE_DATA at the top ^
 *
 * A node (pglist_data) owns the zones of one range of memory. A zone spans
 * [zone_start_pfn, zone_start_pfn + spanned_pages); present_pages of those exist (holes
 * excluded); managed_pages were handed to the buddy allocator (present minus what
 * memblock reserved: kernel image, memmap, early tables).
 */
#ifndef MMSIM_MM_MMZONE_H
#define MMSIM_MM_MMZONE_H
#include <stdint.h>
#include <stdbool.h>
#include "arch/arch.h"
#include "hw/machine_desc.h"
#include "mm/mm_types.h"
#include "mm/vmstat.h"
#include "mm/memblock.h"
#include "util/list.h"
#include "util/rng.h"
#include "mm/huge_memory.h"
#include "mm/swap.h"

struct kmem_cache;
struct fs_state;
struct rpolicy;
struct mmu;

#define NR_PAGE_ORDERS_MAX 16		/* room for MAX_PAGE_ORDER up to 15 */
#define PAGE_ALLOC_COSTLY_ORDER 3

/*
 * One order's free blocks of a zone, one list per migrate type.
 * Invariant: nr_free == total length of the free_list[] lists; every entry is a page
 * with PG_buddy and private == this order, inside the zone.
 */
struct free_area {
	struct list_head free_list[MIGRATE_TYPES];
	uint64_t nr_free;
};

enum zone_watermarks { WMARK_MIN, WMARK_LOW, WMARK_HIGH, WMARK_PROMO, NR_WMARK };

/*
 * Per-CPU free lists of one zone (struct per_cpu_pages): one list per pcp migrate type for
 * each order 0..PAGE_ALLOC_COSTLY_ORDER (index order * MIGRATE_PCPTYPES + migratetype), and
 * two for pageblock_order pages (THP): not movable, movable.
 * Invariant: count == sum over lists of (pages on it << its order); every page on a list
 * has PG_pcp, refcount 0 and its order in private; high_min <= high_max.
 */
#define NR_LOWORDER_PCP_LISTS (MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1))
#define NR_PCP_THP 2
#define NR_PCP_LISTS (NR_LOWORDER_PCP_LISTS + NR_PCP_THP)
#define PCP_BATCH_SCALE_MAX 5		/* CONFIG_PCP_BATCH_SCALE_MAX default */
#define PCPF_PREV_FREE_HIGH_ORDER 0x1
#define PCPF_FREE_HIGH_BATCH 0x2
struct per_cpu_pages {
	int count;		/* pages on the lists */
	int high;		/* tuned between high_min and high_max; 0 until first use */
	int high_min, high_max;
	int batch;		/* pages moved to or from the buddy lists at once */
	int free_count;		/* pages freed in a row, for the free batch size */
	unsigned int flags;	/* PCPF_* */
	unsigned int alloc_factor; /* batch scale for consecutive allocations */
	int stat_threshold;	/* "vm stats threshold" of zoneinfo */
	struct list_head lists[NR_PCP_LISTS];
};

struct pglist_data;

struct zone {
	/* read-mostly */
	uint64_t _watermark[NR_WMARK];
	uint64_t watermark_boost;
	uint64_t nr_reserved_highatomic;
	uint64_t nr_free_highatomic;
	unsigned long flags;			/* ZONE_BELOW_HIGH ... */
	int64_t lowmem_reserve[NR_ZONE_TYPES];	/* indexed by zone index */
	struct pglist_data *zone_pgdat;
	struct per_cpu_pages *per_cpu_pageset;	/* [nr_cpus] */
	int pageset_high_min, pageset_high_max, pageset_batch;
	uint64_t zone_start_pfn;
	uint64_t managed_pages;
	uint64_t spanned_pages;
	uint64_t present_pages;
	uint64_t cma_pages;
	const char *name;
	enum zone_type type;
	unsigned int idx;			/* index in the node (Linux's zone_idx) */
	struct free_area free_area[NR_PAGE_ORDERS_MAX];
	int64_t vm_stat[NR_VM_ZONE_STAT_ITEMS];
	uint64_t vm_events[NR_VM_EVENT_ITEMS];	/* this zone's share of the pgalloc_* events */
};

#define ZONE_BELOW_HIGH 0x1ul		/* free pages fell below the high watermark */

static inline bool zone_is_populated(const struct zone *z) { return z->present_pages != 0; }
static inline bool zone_is_empty(const struct zone *z) { return z->spanned_pages == 0; }
static inline uint64_t zone_end_pfn(const struct zone *z) { return z->zone_start_pfn + z->spanned_pages; }
static inline bool zone_spans_pfn(const struct zone *z, uint64_t pfn)
{
	return pfn >= z->zone_start_pfn && pfn < zone_end_pfn(z);
}
static inline uint64_t wmark_pages(const struct zone *z, enum zone_watermarks w)
{
	return z->_watermark[w] + z->watermark_boost;
}

/* A zonelist: every zone allocations may fall back to, best first (node order, then zone). */
struct zoneref { struct zone *zone; unsigned int zone_idx; };

#define MAX_ZONELIST (MAX_NUMNODES * NR_ZONE_TYPES + 1)

typedef struct pglist_data {
	struct zone node_zones[NR_ZONE_TYPES];	/* [0, arch->nr_zones) used */
	unsigned int nr_zones;			/* highest populated zone index + 1 */
	struct zoneref zonelist[MAX_ZONELIST];	/* fallback list, NULL-zone terminated */
	unsigned int node_id;
	uint64_t node_start_pfn;
	uint64_t node_present_pages;
	uint64_t node_spanned_pages;
	int64_t vm_stat[NR_VM_NODE_STAT_ITEMS];
	uint64_t totalreserve_pages;
	struct lruvec __lruvec;			/* mm/swap.h: the node's LRU lists */
	/* kswapd (mm/vmscan.c): the order and zone it was woken for, its failed runs */
	unsigned int kswapd_order;
	unsigned int kswapd_highest_zoneidx;
	int kswapd_failures;
} pg_data_t;

/* A sparse memory section: SECTION_SIZE frames whose memmap is present or not. */
struct mem_section {
	struct page *mem_map;	/* struct page of the section's first pfn, or NULL (hole) */
	uint8_t *pageblock_flags; /* migrate type per pageblock (Linux: usemap) */
};

struct slab_state;		/* mm/slub.c */
struct request_queue;		/* block/blkdev.h */

/*
 * The physical memory manager of one machine: what Linux keeps in globals
 * (NODE_DATA, memblock, mem_section, vm_event_states, totalram_pages ...).
 */
struct mm_sys {
	const struct arch_info *arch;
	const struct machine_desc *desc;
	struct physmem *ram;			/* hw/physmem.h */
	struct rng *rng;
	unsigned int page_shift;
	uint64_t page_size;
	unsigned int max_order;			/* MAX_PAGE_ORDER */
	unsigned int pageblock_order;
	unsigned int nr_cpus;
	struct mmu *mmus;			/* hw/mmu.h: the CPUs' MMUs ([nr_cpus]), NULL until
						   machine_setup_mmus; the mm flushes their TLBs */
	unsigned int nr_node_ids;
	pg_data_t *node_data[MAX_NUMNODES];
	int node_distance[MAX_NUMNODES][MAX_NUMNODES];

	struct memblock memblock;

	/* memory model */
	enum memory_model model;
	uint64_t min_pfn, max_pfn;		/* [min_pfn, max_pfn) covers all RAM */
	struct page *mem_map;			/* FLAT: struct page of min_pfn */
	uint8_t *pageblock_flags_flat;		/* FLAT: per pageblock from min_pfn */
	unsigned int section_shift;		/* pfn bits per section */
	uint64_t nr_sections;
	struct mem_section *sections;		/* SPARSE: [max_pfn >> section_shift] */
	/*
	 * SPARSE reverse map for page_to_pfn: a section's memmap is one section_map_size
	 * aligned piece of RAM, so the physical address of a struct page names the piece,
	 * and memmap_rev[piece] the section whose memmap it is (UINT32_MAX: none).
	 */
	uint32_t *memmap_rev;
	unsigned int memmap_rev_shift;		/* log2(section_map_size) */
	uint64_t memmap_pages;			/* pages the memmap takes (nr_memmap_boot_pages) */

	/* totals */
	uint64_t totalram_pages;		/* managed pages of all zones */
	uint64_t totalreserve_pages;
	int64_t min_free_kbytes;
	uint64_t vm_events[NR_VM_EVENT_ITEMS];

	struct slab_state *slab;
	int page_group_by_mobility_disabled;
	unsigned int cpu_to_node[MAX_CPUS];
	uint64_t nr_kernel_pages, nr_all_pages;	/* free memblock pages before the buddy init */

	/* address spaces (issue 4) */
	struct vm_sysctl sysctl;		/* mm/mm.h */
	struct writeback_state wb;		/* mm/mm.h: dirty throttling (page-writeback.c) */
	struct fs_state *fs;			/* fs/fs.h: inode table, filp and inode caches */
	struct kmem_cache *vm_area_cachep;	/* "vm_area_struct", 192 bytes */
	struct kmem_cache *mm_cachep;		/* "mm_struct", 1600 bytes */
	struct kmem_cache *maple_node_cache;	/* "maple_node", 256 bytes (vma_tree.c) */
	struct kmem_cache *task_struct_cachep;	/* "task_struct", 5888 bytes */
	struct kmem_cache *files_cachep;	/* "files_cache", 704 bytes */

	/* demand paging (issue 5) */
	struct kmem_cache *anon_vma_cachep;	/* "anon_vma", 104 bytes (rmap.c) */
	struct kmem_cache *anon_vma_chain_cachep; /* "anon_vma_chain", 64 bytes */
	struct kmem_cache *radix_tree_node_cachep; /* "radix_tree_node", 584 bytes (xarray.c) */
	struct thp_settings thp;		/* mm/huge_memory.h: sysfs transparent_hugepage */
	uint64_t zero_pfn;			/* empty_zero_page (memory.c zero_page_init) */
	uint64_t huge_zero_pfn;			/* the huge zero folio, 0 until first used */
	unsigned int fault_around_bytes;	/* debugfs fault_around_bytes: 65536 */
	unsigned int read_ahead_kb;		/* the backing device's read_ahead_kb (bdi) */
	int file_writes;			/* enum file_writes_mode (pagemap.h) */
	char *scratch_dir;			/* where file_writes=copy puts copies (malloc'd) */

	/* memory pressure (issue 6) */
	struct swap_state *swap;		/* mm/swapfile.c: the swap areas, NULL: none */
	struct oom_state *oom;			/* mm/oom_kill.c */
	struct rpolicy *rpolicy;		/* mm/policy_reclaim.c: a research policy decides
						   reclaim (machine key policy=); NULL: Linux's */
	uint32_t inode_serial;			/* ids of inodes (fs/file.c), from 1 */
	struct request_queue *bdq;		/* block/blkdev.h: the writes in flight; NULL: a
						   synchronous device (nr_requests=0) */

	/* testing */
	bool check;				/* validate after every operation */
	uint64_t fail_nth;			/* fail the nth page allocation from now (0: off) */
};

/* zone of (nid, zone index). */
static inline struct zone *node_zone(struct mm_sys *ms, unsigned int nid, unsigned int zidx)
{
	return &ms->node_data[nid]->node_zones[zidx];
}
static inline struct zone *page_zone(struct mm_sys *ms, const struct page *p)
{
	return node_zone(ms, page_nid(p), page_zonenum(p));
}

#define for_each_node(ms, nid) for (unsigned int nid = 0; nid < (ms)->nr_node_ids; nid++)

#endif

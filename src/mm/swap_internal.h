/*
 * What mm/swapfile.c, mm/swap_state.c and mm/page_io.c share (Linux 6.18: include/linux/swap.h
 * struct swap_info_struct, mm/swap.h struct swap_cluster_info, mm/swapfile.c's globals).
 *
 *   ms->swap ---> struct swap_state (one per machine: Linux's globals)
 *                   swap_info[type] ---> struct swap_info_struct (one per swapon)
 *                   swap_active_head: every area that is on, highest priority first
 *                   swap_avail_head:  the areas slots may come from (on, not full)
 *                   mmlist:           every mm that holds a swap PTE (swapoff walks them)
 *
 *   one area (a host file):
 *     page 0        the mkswap header (union swap_header)
 *     slots 1..     4 KiB each (the machine's page size), slot s at byte s * page_size
 *     swap_map[s]   count of PTEs holding (type, s), + SWAP_HAS_CACHE while a folio for it is
 *                   in the swap cache; SWAP_MAP_BAD for the header and the tail of the last
 *                   cluster past the end of the area
 *     clusters      SWAPFILE_CLUSTER slots each (the pages of a PMD: 512 on x86-64 4K), on
 *                   one of the lists free / nonfull / frag / full by how many slots are used
 *     cache         xarray slot -> folio (the swap cache)
 *
 * Invariants (swap_validate, swapfile.c):
 *  - inuse_pages == slots whose swap_map is neither 0 nor SWAP_MAP_BAD; nr_swap_pages ==
 *    sum of pages - inuse_pages over the areas that are on; total_swap_pages == their pages;
 *  - a cluster's count == its slots that are in use or bad; its flags name the list it is on
 *    (CLUSTER_FLAG_NONE: on none); a free cluster has count 0, a full one SWAPFILE_CLUSTER;
 *  - a slot has SWAP_HAS_CACHE exactly when the cache holds a folio for it; that folio has
 *    PG_swapcache, private == the entry, refcount >= 1 + its mapcount; NR_SWAPCACHE == the
 *    folios cached;
 *  - a slot's count (with its continuation) == the swap PTEs that name it in every mm;
 *  - an mm is on mmlist exactly when its MM_SWAPENTS > 0, and MM_SWAPENTS == its swap PTEs;
 *  - zeromap bits are set only on slots in use;
 *  - swap_avail_head holds exactly the areas that are on and not full, swap_active_head every
 *    area that is on, both ordered by priority, highest first.
 */
#ifndef MMSIM_MM_SWAP_INTERNAL_H
#define MMSIM_MM_SWAP_INTERNAL_H
#include <stdbool.h>
#include <stdint.h>
#include "mm/swap.h"
#include "mm/xarray.h"
#include "util/list.h"

struct mm_sys;
struct page;
struct mm_struct;

/* swap_map values (include/linux/swap.h) */
#define SWAP_HAS_CACHE	0x40	/* a folio for the slot is in the swap cache */
#define COUNT_CONTINUED	0x80	/* the count goes on in the continuation */
#define SWAP_MAP_MAX	0x3e	/* largest count swap_map itself holds */
#define SWAP_MAP_BAD	0x3f	/* the header, a bad page, the tail past the area */

/* si->flags (enum of include/linux/swap.h) */
#define SWP_USED	(1u << 0)	/* the swap_info slot is taken */
#define SWP_WRITEOK	(1u << 1)	/* slots may be allocated (on, not being swapped off) */
#define SWP_SOLIDSTATE	(1u << 4)	/* not rotational: per-CPU clusters */

/* swapon flags (include/linux/swap.h) */
#define SWAP_FLAG_PREFER	0x8000
#define SWAP_FLAG_PRIO_MASK	0x7fff
#define SWAP_FLAG_DISCARD	0x10000
#define SWAP_FLAG_DISCARD_ONCE	0x20000
#define SWAP_FLAG_DISCARD_PAGES	0x40000
#define SWAP_FLAGS_VALID	(SWAP_FLAG_PRIO_MASK | SWAP_FLAG_PREFER | SWAP_FLAG_DISCARD | \
				 SWAP_FLAG_DISCARD_ONCE | SWAP_FLAG_DISCARD_PAGES)

/*
 * MAX_SWAPFILES of the reference kernel: 32 types minus the 3 migration types
 * (CONFIG_MIGRATION) and the PTE marker type; it has neither DEVICE_PRIVATE nor
 * MEMORY_FAILURE, whose types would take more.
 */
#define SWAP_NR_AREAS	28

/* __try_to_reclaim_swap flags (mm/swapfile.c) */
#define TTRS_ANYWAY	0x1	/* reclaim even when the folio is mapped */
#define TTRS_UNMAPPED	0x2	/* reclaim when nothing maps the folio */
#define TTRS_FULL	0x4	/* reclaim when swap is more than half full */

/* enum swap_cluster_flags (mm/swap.h): the list a cluster is on */
enum swap_cluster_flags {
	CLUSTER_FLAG_NONE,	/* on no list (being allocated from) */
	CLUSTER_FLAG_FREE,
	CLUSTER_FLAG_NONFULL,
	CLUSTER_FLAG_FRAG,
	CLUSTER_FLAG_USABLE = CLUSTER_FLAG_FRAG,	/* flags up to here may allocate */
	CLUSTER_FLAG_FULL,
	CLUSTER_FLAG_DISCARD,
	CLUSTER_FLAG_MAX
};

/* struct swap_cluster_info: SWAPFILE_CLUSTER slots. */
struct swap_cluster_info {
	uint32_t count;		/* slots in use or bad */
	uint8_t flags;		/* enum swap_cluster_flags */
	uint8_t order;		/* folio order the cluster serves (0: files take order 0 only) */
	struct list_head list;
};

struct swap_info_struct {
	unsigned int flags;		/* SWP_* */
	int prio;			/* higher is used first */
	unsigned int type;		/* index in swap_info[] */
	uint64_t max;			/* slots, header included (last_page + 1) */
	uint64_t pages;			/* usable slots */
	uint64_t inuse_pages;
	unsigned int cluster_nr;	/* SWAPFILE_CLUSTER of the machine */
	uint64_t nr_clusters;
	unsigned char *swap_map;	/* [nr_clusters * cluster_nr] */
	uint32_t *swap_cont;		/* count above SWAP_MAP_MAX per slot (NULL: none yet) */
	uint64_t *zeromap;		/* slots whose folio was all zeros: never written */
	void **shadows;			/* workingset shadow left by reclaim per slot (NULL: none
					   yet), cleared when the slot is freed */
	struct swap_cluster_info *cluster_info;
	struct list_head free_clusters, full_clusters, nonfull_clusters, frag_clusters;
	uint64_t global_next;		/* si->global_cluster->next[0]: rotational allocation */
	struct xarray cache;		/* the swap cache: offset -> folio */
	int fd;				/* the host file, open O_RDWR */
	uint64_t dev, ino;		/* its identity (IS_SWAPFILE) */
	char *name;			/* absolute path, as /proc/swaps prints it */
	struct list_head list;		/* on swap_active_head */
	struct list_head avail_list;	/* on swap_avail_head while on_avail */
	bool on_avail;
};

struct swap_state {
	struct swap_info_struct *swap_info[SWAP_NR_AREAS];
	unsigned int nr_swapfiles;	/* swap_info[] entries ever used */
	struct list_head swap_active_head;
	struct list_head swap_avail_head;
	int least_priority;		/* last default priority given: -1 at boot */
	int64_t nr_swap_pages;		/* free slots of the areas that are on */
	uint64_t total_swap_pages;
	uint64_t nr_swapcache;		/* pages in the swap cache (total_swapcache_pages) */
	/* swapin_nr_pages's statics (swap_state.c) */
	uint64_t ra_prev_offset;
	unsigned int ra_last_pages;
	int ra_hits;			/* swapin_readahead_hits: 4 at boot */
	/* mm_struct.mmlist of Linux: mms holding swap PTEs */
	struct mm_struct **mmlist;
	size_t nr_mmlist, cap_mmlist;
};

/* ---- swapfile.c ---- */
struct swap_state *swap_state_of(struct mm_sys *ms);
/* The area of an entry that is on or being swapped off, NULL for a bad one (get_swap_device). */
struct swap_info_struct *swp_info(struct mm_sys *ms, swp_entry_t entry);
/* vm_swap_full: more than half of swap in use. */
bool vm_swap_full(const struct mm_sys *ms);
/* A slot for a new swap cache folio: swap_map = SWAP_HAS_CACHE (folio_alloc_swap). -ENOMEM. */
int swap_alloc_slot(struct mm_sys *ms, swp_entry_t *entry);
/* Claim SWAP_HAS_CACHE on a swapped slot (swapcache_prepare): 0, -ENOENT, -EEXIST. */
int swapcache_prepare(struct mm_sys *ms, swp_entry_t entry);
/* The swap cache let go of the slot (put_swap_folio): freed when no PTE holds it. */
void put_swap_folio(struct mm_sys *ms, swp_entry_t entry);
/* One PTE let go of the slot (swap_free). */
void swap_free(struct mm_sys *ms, swp_entry_t entry);
/* Does some PTE hold the slot (folio_swapped for an order-0 folio)? */
bool swap_entry_swapped(struct mm_sys *ms, swp_entry_t entry);
/* __try_to_reclaim_swap: pages reclaimed (> 0), not reclaimed (< 0), no folio (0). */
int __try_to_reclaim_swap(struct mm_sys *ms, struct swap_info_struct *si, uint64_t offset,
			  unsigned int flags);
/* MM_SWAPENTS += d, keeping mmlist (on it exactly while MM_SWAPENTS > 0). */
void mm_swapents_add(struct mm_struct *mm, int64_t d);
static inline bool zeromap_test(const struct swap_info_struct *si, uint64_t off)
{
	return (si->zeromap[off >> 6] >> (off & 63)) & 1;
}
static inline void zeromap_assign(struct swap_info_struct *si, uint64_t off, bool v)
{
	if (v)
		si->zeromap[off >> 6] |= 1ull << (off & 63);
	else
		si->zeromap[off >> 6] &= ~(1ull << (off & 63));
}

/* ---- swap_state.c ---- */
/* The folio cached for entry, no reference taken (NULL: none). */
struct page *swap_cache_lookup(struct mm_sys *ms, swp_entry_t entry);
/*
 * Put folio in the swap cache at entry (slot already SWAP_HAS_CACHE). *shadowp (may be NULL)
 * gets the shadow reclaim left there, which goes. -ENOMEM.
 */
int add_to_swap_cache(struct mm_sys *ms, struct page *folio, swp_entry_t entry, void **shadowp);
/* Take folio out of the cache; the slot keeps SWAP_HAS_CACHE, the refs stay (caller's). */
void __delete_from_swap_cache(struct mm_sys *ms, struct page *folio);
/*
 * Read entry in around a cluster of slots (swapin_readahead -> swap_cluster_readahead):
 * the folio of entry with one reference for the caller, NULL with *err.
 */
struct page *swapin_readahead(struct mm_sys *ms, int cpu, swp_entry_t entry, int *err);
/* swap_update_readahead: a cache hit on folio (swap_ra_hit). */
void swap_update_readahead(struct mm_sys *ms, struct page *folio);

/* ---- page_io.c ---- */
/* Fill the folio from its slot (swap_read_folio): pswpin, or zeros from the zeromap. */
int swap_read_folio(struct mm_sys *ms, struct page *folio);
#endif

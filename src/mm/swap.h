/*
 * The LRU lists, reclaim and swap (Linux 6.18: include/linux/swap.h, include/linux/mmzone.h
 * enum lru_list / struct lruvec, include/linux/swapops.h, mm/swap.c, mm/vmscan.c,
 * mm/swapfile.c, mm/swap_state.c, mm/page_io.c, mm/workingset.c).
 *
 * Glossary
 *   LRU list      one of five lists of a node's folios (lruvec): inactive/active x
 *                 anon/file, and unevictable (mlocked). A folio on a list has PG_lru;
 *                 PG_active says which of the pair; PG_unevictable the fifth.
 *   swap area     a file (or device) that holds anonymous pages: page 0 is the header
 *                 (mkswap's), pages 1.. are slots; a swap_info_struct describes it.
 *   swap entry    (type, offset): area `type`, slot `offset`. A PTE of a swapped-out page
 *                 holds it in the architecture's swap-entry format (not present).
 *   swap cache    folios that have a swap slot (PG_swapcache, folio->private = the entry),
 *                 found by entry; a swapped-out page read back stays there until its slot
 *                 is freed.
 *   shadow entry  what reclaim leaves in a page cache or swap cache slot when it evicts a
 *                 folio: enough to tell at refault time how long it was gone (workingset).
 *
 * Who does what (mmsim files):
 *   mm/swap.c      LRU list operations: folio_add_lru, folio_mark_accessed, folio_activate,
 *                  folio_deactivate, lru_del on free (folio_put), lru_add_drain (no batches:
 *                  every operation is applied at once, as after lru_add_drain on Linux)
 *   mm/vmscan.c    folio_referenced (rmap.c), shrink_folio_list, shrink_{in,}active_list,
 *                  kswapd, try_to_free_pages (direct reclaim), reclaim_pages (MADV_PAGEOUT),
 *                  drop_caches
 *   mm/workingset.c shadow entries and refault detection
 *   mm/swapfile.c  swap areas (swapon/swapoff, header checks, priorities), slot allocation
 *                  in clusters, swap counts (swap_duplicate, free_swap_and_cache)
 *   mm/swap_state.c the swap cache, swap-in readahead (page-cluster)
 *   mm/page_io.c   reading and writing slots of the real file (pswpin, pswpout)
 *   mm/oom_kill.c  the OOM killer
 *   arch: swp_entry <-> PTE in each format's real swap-entry layout
 *
 * Invariants (lru_validate, swap_validate):
 *  - every evictable folio with PG_lru is on exactly one list of its node's lruvec, the one
 *    its flags name (folio_lru_list); an unevictable one (PG_unevictable, exactly when
 *    PG_mlocked) is on none, as on Linux since 5.18: that "list" is a count, and lru.prev
 *    holds the folio's mlock count; the node and zone NR_*_{ANON,FILE}/NR_UNEVICTABLE
 *    counters equal the pages of the folios with those flags, nr_mlock the PG_mlocked pages;
 *  - a folio is freed only off the LRU (folio_put removes it first);
 *  - each swap area's inuse_pages == slots with a nonzero count; a slot's count == PTEs
 *    holding its entry (+ 1 for the swap cache while a folio holds it: SWAP_HAS_CACHE);
 *  - every swap PTE names an area that is on and a slot whose count is nonzero;
 *  - MM_SWAPENTS of each mm == its swap PTEs.
 */
#ifndef MMSIM_MM_SWAP_H
#define MMSIM_MM_SWAP_H
#include <stdbool.h>
#include <stdint.h>
#include "mm/mm_types.h"
#include "mm/memory.h"
#include "util/list.h"

struct mmsim_error;
struct task_struct;

/* ---- the LRU lists -------------------------------------------------------------------------- */

enum lru_list {
	LRU_INACTIVE_ANON,
	LRU_ACTIVE_ANON,
	LRU_INACTIVE_FILE,
	LRU_ACTIVE_FILE,
	LRU_UNEVICTABLE,
	NR_LRU_LISTS
};

static inline bool is_file_lru(enum lru_list l) { return l == LRU_INACTIVE_FILE || l == LRU_ACTIVE_FILE; }
static inline bool is_active_lru(enum lru_list l) { return l == LRU_ACTIVE_ANON || l == LRU_ACTIVE_FILE; }

/*
 * A node's LRU lists (struct lruvec; memory cgroups would have one each, later).
 * folio->lru links a folio with PG_lru on lists[folio_lru_list(folio)].
 */
struct lruvec {
	struct list_head lists[NR_LRU_LISTS];
	uint64_t anon_cost, file_cost;		/* reclaim cost balance (lru_note_cost) */
	uint64_t nonresident_age;		/* workingset: evictions + activations */
	uint64_t refaults[2];			/* workingset_refault_{anon,file} at the last
						   reclaim cycle (snapshot_refaults) */
	unsigned long flags;			/* LRUVEC_* */
};

/* The list a folio belongs on by its flags (folio_lru_list). */
enum lru_list folio_lru_list(const struct page *folio);

/* Add a new folio to its node's LRU (folio_add_lru; an mlocked VMA's: unevictable). */
void folio_add_lru(struct mm_sys *ms, struct page *folio);
void folio_add_lru_vma(struct page *folio, struct vm_area_struct *vma);
/* Take a folio off its LRU list (lruvec_del_folio; PG_lru cleared). No-op without PG_lru. */
void folio_del_lru(struct mm_sys *ms, struct page *folio);
/* mark_page_accessed: referenced -> active, as mm/swap.c folio_mark_accessed. */
void folio_mark_accessed(struct mm_sys *ms, struct page *folio);
/* MADV_COLD's deactivation (folio_deactivate), and the unevictable moves of mlock. */
void folio_deactivate(struct mm_sys *ms, struct page *folio);
void mlock_folio(struct mm_sys *ms, struct page *folio);
void munlock_folio(struct mm_sys *ms, struct page *folio);

/* Set up every node's lruvec (lruvec_init). */
void lru_init(struct mm_sys *ms);
int lru_validate(struct mm_sys *ms, struct mmsim_error *err);

/* ---- reclaim ---------------------------------------------------------------------------------- */

/*
 * Reclaim at least nr pages for an allocation of order that failed its watermark
 * (try_to_free_pages: direct reclaim, allocstall_*, pgscan_direct / pgsteal_direct). The
 * number reclaimed.
 */
uint64_t try_to_free_pages(struct mm_sys *ms, unsigned int order, unsigned int gfp, int nid);
/*
 * kswapd of node nid, run to completion (the model has no threads: it is woken when an
 * allocation leaves a zone below its low watermark and runs before the allocating call
 * returns; it reclaims until every zone is above high): pgscan_kswapd, pgsteal_kswapd ...
 */
void wakeup_kswapd(struct mm_sys *ms, int nid, unsigned int order);
/* MADV_PAGEOUT: reclaim these folios now (reclaim_pages). Folios reclaimed. */
uint64_t reclaim_pages(struct mm_sys *ms, struct list_head *folio_list);
/* /proc/sys/vm/drop_caches: 1 page cache, 2 slab, 3 both. */
int drop_caches(struct mm_sys *ms, int mode);

/* rmap: how many mappings referenced the folio since the last look; clears the accessed
   bits (and flushes those TLB entries) as folio_referenced does. *vm_flags gets the union
   of the VMAs' flags (VM_LOCKED ...). */
int folio_referenced(struct mm_sys *ms, struct page *folio, vm_flags_t *vm_flags);
/* rmap: unmap every mapping of the folio (try_to_unmap): anonymous pages in the swap cache
   leave a swap entry in each PTE (MM_SWAPENTS), file pages leave nothing. true when no
   mapping is left. */
bool try_to_unmap(struct mm_sys *ms, struct page *folio);

/* ---- swap ------------------------------------------------------------------------------------- */

/* A swap entry: area type (0..MAX_SWAPFILES-1), slot offset. 0 is never a valid entry. */
typedef struct { uint64_t val; } swp_entry_t;
#define MAX_SWAPFILES_SHIFT 5
#define MAX_SWAPFILES (1 << MAX_SWAPFILES_SHIFT)	/* minus the special types Linux reserves */
#define SWP_TYPE_SHIFT 58
static inline swp_entry_t swp_entry(unsigned int type, uint64_t offset)
{
	return (swp_entry_t){ ((uint64_t)type << SWP_TYPE_SHIFT) | offset };
}
static inline unsigned int swp_type(swp_entry_t e) { return (unsigned int)(e.val >> SWP_TYPE_SHIFT); }
static inline uint64_t swp_offset(swp_entry_t e) { return e.val & ((1ull << SWP_TYPE_SHIFT) - 1); }

/*
 * The architecture's swap PTE for entry (x86-64: type in bits 1-5, offset inverted from
 * bit 9; arm64: type in bits 3-8, offset from bit 9; i386 ...), and back. exclusive: the
 * anonymous page was exclusive when swapped out (_PAGE_SWP_EXCLUSIVE). decode returns false
 * when raw is not a swap entry.
 */
uint64_t swp_entry_to_pte(const struct pt_format *f, swp_entry_t e, bool exclusive);
bool pte_to_swp_entry(const struct pt_format *f, uint64_t raw, swp_entry_t *e, bool *exclusive);

/*
 * swapon(path, flags) of the simulated kernel: the file must carry a valid mkswap header
 * (SWAPSPACE2, version 1, last_page within the file, no bad pages), as sys_swapon checks;
 * priority from SWAP_FLAG_PREFER | prio, else the next negative one. 0 or -EINVAL (bad
 * header), -EBUSY (already on), -ENOENT / -EACCES (the host's open), -EPERM (too many).
 */
int sys_swapon(struct mm_sys *ms, const char *path, int flags, struct mmsim_error *err);
int sys_swapoff(struct mm_sys *ms, const char *path);
/* Write a mkswap-compatible header into the host file at path (size bytes; made if absent). */
int mkswap_file(const char *path, uint64_t size, struct mmsim_error *err);
/* Pages of swap in all areas, and free (SwapTotal / SwapFree in pages). */
uint64_t total_swap_pages(const struct mm_sys *ms);
uint64_t nr_swap_pages(const struct mm_sys *ms);

/* Give an anonymous folio a slot and put it in the swap cache (add_to_swap). -ENOMEM. */
int add_to_swap(struct mm_sys *ms, struct page *folio);
/* Write the folio to its slot (swap_writeout: pswpout, the folio becomes clean). */
int swap_writepage(struct mm_sys *ms, struct page *folio);
/* Take a clean, unmapped folio out of the swap cache, leaving shadow (or nothing). */
void delete_from_swap_cache(struct mm_sys *ms, struct page *folio, void *shadow);
/* Fault on a swap PTE (do_swap_page): swap cache or read (with readahead), map, pswpin. */
vm_fault_t do_swap_page(struct vm_fault *vmf);
/* fork: one more PTE holds entry (swap_duplicate). -ENOMEM. */
int swap_duplicate(struct mm_sys *ms, swp_entry_t entry);
/* zap: a PTE holding entry goes (free_swap_and_cache). */
void free_swap_and_cache(struct mm_sys *ms, swp_entry_t entry);
/* The folio in the swap cache for entry, or NULL (no reference taken). */
struct page *swap_cache_get_folio(struct mm_sys *ms, swp_entry_t entry);

/* /proc/swaps text. */
struct strbuf;
int show_swaps(struct mm_sys *ms, struct strbuf *sb);
int swap_validate(struct mm_sys *ms, struct mmsim_error *err);

/* ---- swap: more of mm/swapfile.c, swap_state.c, page_io.c (docs/swap.md) -------------------- */

/* Largest swap offset + 1 a swap PTE of format f holds (generic_max_swapfile_size). */
uint64_t swp_pte_max_offset(const struct pt_format *f);
/*
 * mkswap_file for a machine of another page size, with a volume label (NULL: none): the
 * header of util-linux mkswap -p page_size -L label. -EINVAL below 10 pages (mkswap's
 * minimum), -errno of the host.
 */
int mkswap_file_pagesize(const char *path, uint64_t size, uint64_t page_size, const char *label,
			 struct mmsim_error *err);
/*
 * The machine option swap=: swapon path (prio < 0: the next default priority), first
 * writing a mkswap header of size bytes into it when it does not exist; path NULL: a file of
 * size bytes in a scratch directory, unlinked as soon as it is on (the area's descriptor
 * keeps its blocks until swap_exit). 0 or -errno.
 */
int swap_boot(struct mm_sys *ms, const char *path, uint64_t size, int prio,
	      struct mmsim_error *err);
/* Machine teardown: every area off (no PTE may hold a slot any more), host files closed. */
void swap_exit(struct mm_sys *ms);
/* PTEs holding entry (swp_swapcount), 0 for a free or bad entry. */
int swp_swapcount(struct mm_sys *ms, swp_entry_t entry);
/* The workingset shadow reclaim left in entry's slot (delete_from_swap_cache), or NULL. */
void *swap_cache_get_shadow(struct mm_sys *ms, swp_entry_t entry);
/* Pages in the swap cache (total_swapcache_pages: meminfo SwapCached). */
uint64_t total_swapcache_pages(const struct mm_sys *ms);
/* Drop the folio's swap cache and slot when no PTE holds the slot (folio_free_swap). */
bool folio_free_swap(struct mm_sys *ms, struct page *folio);
/* The same, only when nothing maps the folio (free_swap_cache: zap and COW call it). */
void free_swap_cache(struct mm_sys *ms, struct page *folio);

/* Swap PTEs for mm/memory.c and mm/madvise.c (an entry is one PTE's raw value). */
/* Is raw (a PTE of mm's format) a swap entry (is_swap_pte)? */
bool is_swap_pte(const struct mm_struct *mm, uint64_t raw);
/*
 * zap_pte_range's swap part: every swap PTE of [start, end) lets go of its slot
 * (free_swap_and_cache), MM_SWAPENTS - 1; clear: the PTEs are cleared too (MADV_FREE),
 * else the caller's pgtable_unmap clears them. 0 or -errno of the walk.
 */
int swap_zap_range(struct mm_struct *mm, uint64_t start, uint64_t end, bool clear);
/* copy_nonpresent_pte for fork: src's swap PTEs copied into dst (swap_duplicate). -ENOMEM. */
int swap_copy_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma);
/* Write the swap PTE raw at va of mm, making page tables as needed (mremap). -ENOMEM. */
int swap_pte_install(struct mm_struct *mm, uint64_t va, uint64_t raw);
/* mm_rss_validate's swap part: MM_SWAPENTS == swap PTEs naming live slots, on mmlist. */
int swap_mm_validate(struct mm_struct *mm, struct mmsim_error *err);
#endif

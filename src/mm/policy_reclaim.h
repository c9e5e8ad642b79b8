/*
 * Research mode inside the machine: a named replacement policy (mm/policy/) decides which
 * page the simulated kernel evicts, and every mechanism that carries the eviction out is
 * Linux's (try_to_unmap, swap-out to the swap area, writeback of dirty file pages, shadow
 * entries). Machine keys: policy=NAME[:key=value,...] (default "linux": the kernel's own
 * two-list reclaim, mm/vmscan.c) and policy_frames=N (the number of frames the policy may
 * fill with user pages: a limit like a memory cgroup's; 0: no limit, the machine's RAM and
 * its watermarks decide when reclaim runs). docs/policies.md, "The policy as the machine's
 * reclaim".
 *
 * A page's identity is what survives an eviction (the key the policy sees):
 *
 *   file or shmem page    KEY_FILE | inode serial << 36 | page index in the file
 *   anonymous page        KEY_ANON | serial given at its first admission; the swap slot it
 *                         is written to remembers it, so the page read back in is the same
 *                         page to the policy (its ghost is found)
 *
 * What the policy sees of the machine:
 *
 *   admission  a folio joins the LRU (lru_add: a fault's new page, a page-cache read,
 *              readahead, a swap-in); when all policy_frames are used, the policy's evict
 *              chooses victims first, which are freed at once through reclaim
 *              (reclaim_one_folio); a victim that cannot be freed (pinned, no swap slot,
 *              shmem without swap) is put back and another is chosen
 *   reference  every user access the MMU translates to a page the policy holds
 *              (task_access, the trace runner's fast path), and read(2)'s copy from the cache
 *   removal    the folio is freed (munmap, exit, truncation) or mlocked (unevictable)
 *   reclaim    kswapd and direct reclaim, when the watermarks call for it, take the policy's
 *              victims instead of scanning the LRU lists (pgscan/pgsteal counted as there)
 *
 * With policy=, the machine uses base pages only (THP off, order-0 page-cache folios), so
 * that one entry is one frame as in the textbook model.
 *
 * Invariants (rpolicy_validate): the engine's (policy_validate); key_of[pfn] is nonzero
 * exactly for the head pfns of folios the policy holds resident, and the policy's entry for
 * that key names that pfn as its frame; resident entries == folios with a key.
 */
#ifndef MMSIM_MM_POLICY_RECLAIM_H
#define MMSIM_MM_POLICY_RECLAIM_H
#include <stdbool.h>
#include <stdint.h>
#include "mm/mmzone.h"
#include "mm/swap.h"

struct policy;
struct mmsim_error;

#define RPOLICY_KEY_FILE	(UINT64_C(1) << 63)
#define RPOLICY_KEY_ANON	(UINT64_C(1) << 62)

struct rpolicy {
	struct policy *p;
	uint64_t frames;		/* the policy's frames (policy_frames, or all RAM) */
	bool limited;			/* policy_frames was given */
	uint64_t *key_of;		/* per pfn: key of the resident page it holds, 0: none */
	uint64_t nr_pfns;		/* ms->max_pfn */
	uint64_t anon_serial;		/* last anonymous identity handed out */
	uint64_t *slot_key[MAX_SWAPFILES];	/* per swap slot: the page written there */
	uint64_t slot_len[MAX_SWAPFILES];
	unsigned int busy;		/* inside an admission's evictions (no nesting) */
};

/* Set up ms->rpolicy for spec over frames (0: all RAM). 0, -EINVAL with err, -ENOMEM. */
int rpolicy_init(struct mm_sys *ms, const char *spec, uint64_t frames, uint64_t seed,
		 struct mmsim_error *err);
void rpolicy_exit(struct mm_sys *ms);

/* Hooks, each a no-op unless ms->rpolicy is set (callers test ms->rpolicy first). */
/* folio joined the LRU evictable (lru_add) or became evictable again (munlock, fresh false). */
void rpolicy_folio_added(struct mm_sys *ms, struct page *folio, bool fresh);
/* folio is freed or became unevictable: it leaves the policy. */
void rpolicy_folio_removed(struct mm_sys *ms, struct page *folio);
/* One user reference to the page in frame pfn. */
void rpolicy_access(struct mm_sys *ms, uint64_t pfn, bool write);
/* folio leaves the swap cache with its data in entry (delete_from_swap_cache). */
void rpolicy_swap_out(struct mm_sys *ms, struct page *folio, swp_entry_t entry);
/* The swap slot is free again (swap_range_free). */
void rpolicy_swap_slot_free(struct mm_sys *ms, unsigned int type, uint64_t offset);
/*
 * kswapd's or direct reclaim's pass (shrink_node): the policy's victims until nr_to_reclaim
 * pages are freed or every resident page was tried. One policy for the machine: its victims
 * may be on any node. Pages freed; *nr_scanned the victims tried.
 */
uint64_t rpolicy_shrink(struct mm_sys *ms, uint64_t nr_to_reclaim, uint64_t *nr_scanned);

/* Check the invariants above; 0 or -EUCLEAN with err. */
int rpolicy_validate(struct mm_sys *ms, struct mmsim_error *err);

/* The policy's name and counters (for reports): NULL when the machine reclaims as Linux. */
const struct policy *rpolicy_policy(const struct mm_sys *ms);
#endif

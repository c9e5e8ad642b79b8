/*
 * Dirty limits and dirty throttling (Linux 6.18: include/linux/writeback.h; mm/page-writeback.c
 * global_dirtyable_memory, domain_dirty_limits, global_dirty_limits, writeback_set_ratelimit,
 * the dirty_*_handler sysctl handlers, balance_dirty_pages_ratelimited, balance_dirty_pages;
 * fs/fs-writeback.c wb_over_bg_thresh and wb_writeback's background work).
 *
 * The model has no threads and no clock: a dirtier that crosses the freerun ceiling
 * (thresh + bg_thresh) / 2 "pauses", and during its pause the flusher writes back,
 * oldest-dirtied file first, until the dirty pages are at or below bg_thresh, and the block
 * device completes every write in flight (block/blkdev.h).
 * What is modelled and what is not: docs/page-cache.md, "Dirty limits and throttling".
 */
#ifndef MMSIM_MM_WRITEBACK_H
#define MMSIM_MM_WRITEBACK_H
#include <stdbool.h>
#include <stdint.h>

struct address_space;
struct mm_sys;
struct mmsim_error;
struct task_struct;
struct vm_sysctl;

/*
 * The numbers of the global dirty domain (struct dirty_throttle_control without its per-wb
 * and memcg parts), in pages. After domain_dirty_limits: bg_thresh < thresh, or both 0.
 */
struct dirty_throttle_control {
	uint64_t avail;			/* dirtyable memory (global_dirtyable_memory) */
	uint64_t dirty;			/* NR_FILE_DIRTY + NR_WRITEBACK */
	uint64_t thresh;		/* dirty threshold: vm.dirty_bytes or vm.dirty_ratio */
	uint64_t bg_thresh;		/* background threshold: the background_ forms */
};

/* What global_dirtyable_memory adds up, in pages (kept apart so a host can be checked). */
struct dirtyable_input {
	uint64_t free;			/* NR_FREE_PAGES of every zone */
	uint64_t totalreserve;		/* totalreserve_pages */
	uint64_t file_lru;		/* NR_INACTIVE_FILE + NR_ACTIVE_FILE */
	uint64_t highmem;		/* highmem zones' free above their high watermark plus their
					   file LRU pages (highmem_dirtyable_memory before its cap) */
	bool highmem_is_dirtyable;	/* vm.highmem_is_dirtyable */
};

/* global_dirtyable_memory's arithmetic on in: free - reserve (not below 0) + file LRU - highmem. */
uint64_t dirtyable_memory(const struct dirtyable_input *in);
/* The machine's dirtyable pages now (global_dirtyable_memory); never 0. */
uint64_t global_dirtyable_memory(struct mm_sys *ms);
/*
 * dtc->thresh and dtc->bg_thresh from dtc->avail and the sysctls sc (domain_dirty_limits):
 * a nonzero bytes form, rounded up to pages, wins over its ratio; a ratio applies in
 * 1/page_size steps (ratio * page_size / 100); bg_thresh >= thresh gives bg_thresh =
 * thresh / 2. Linux's 1/4 bonus for real-time and deadline tasks is left out (no such tasks).
 */
void domain_dirty_limits(const struct vm_sysctl *sc, uint64_t page_size,
			 struct dirty_throttle_control *dtc);
/* The background and dirty thresholds of the machine now (global_dirty_limits), in pages. */
void global_dirty_limits(struct mm_sys *ms, uint64_t *pbackground, uint64_t *pdirty);
/* ratelimit_pages = dirty threshold / (online CPUs * 32), at least 16 (writeback_set_ratelimit). */
void writeback_set_ratelimit(struct mm_sys *ms);

/*
 * The sysctl handlers of vm.dirty_ratio, vm.dirty_bytes, vm.dirty_background_ratio,
 * vm.dirty_background_bytes and vm.highmem_is_dirtyable. 0, or -EINVAL with nothing changed
 * when v is out of range (ratios 0-100, dirty_bytes >= 2 pages, bytes <= ULONG_MAX of the
 * architecture, highmem_is_dirtyable 0-1 and only on a machine with HighMem). As Linux:
 * writing dirty_bytes zeroes dirty_ratio and the reverse, but only when the value changed;
 * the background pair zero each other on every write.
 */
int dirty_ratio_handler(struct mm_sys *ms, uint64_t v);
int dirty_bytes_handler(struct mm_sys *ms, uint64_t v);
int dirty_background_ratio_handler(struct mm_sys *ms, uint64_t v);
int dirty_background_bytes_handler(struct mm_sys *ms, uint64_t v);
int highmem_is_dirtyable_handler(struct mm_sys *ms, uint64_t v);

/*
 * Task t has written through a shared mapping of mapping and dirtied nr_dirtied pages with
 * it (folio_account_dirtied's share: 0 when the folio was dirty already). Charge them to t
 * and to its CPU and, every t->nr_dirtied_pause pages (or every ratelimit_pages pages dirtied
 * on the CPU), check the dirty limits (balance_dirty_pages): above the freerun ceiling t
 * pauses while the flusher writes back. Nothing for a shmem mapping or t == NULL.
 */
void balance_dirty_pages_ratelimited(struct address_space *mapping, struct task_struct *t,
				     uint64_t nr_dirtied);

/* The invariants of ms->wb (struct writeback_state, mm/mm.h); 0 or -EUCLEAN with err set. */
int dirty_throttle_validate(struct mm_sys *ms, struct mmsim_error *err);
#endif

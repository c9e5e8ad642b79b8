/*
 * The block device under the swap areas and the files: write requests in flight, so that
 * folios are under writeback for a while as on Linux (PG_writeback, nr_writeback, meminfo's
 * Writeback:, pgrotated, reclaim meeting folios it cannot free yet).
 *
 * Linux 6.18: block/blk-mq.c (a request per bio, a tag per request, nr_requests tags: a
 * submitter waits for a tag when all are taken); mm/page-writeback.c __folio_start_writeback;
 * mm/filemap.c folio_end_writeback / __folio_end_writeback, folio_wait_writeback;
 * mm/page_io.c end_swap_bio_write.
 *
 * The model has no clock, so a request's completion is tied to events instead of time. The
 * bytes go to the host file when the request is submitted (a pwrite: the data is safe at once);
 * what waits is the folio's state. The oldest request completes first (a FIFO device), when:
 *
 *   - a write is submitted while all nr_requests tags are taken (the submitter waits for one);
 *   - somebody waits for a folio's writeback (folio_wait_writeback: fsync, msync, truncation,
 *     a research policy's victim): every request up to that folio's;
 *   - somebody sleeps on the device: reclaim_throttle (kswapd meeting folios it marked for
 *     immediate reclaim, direct reclaim without progress at priority 1) and the pause of a
 *     throttled dirtier (balance_dirty_pages): every request in flight;
 *   - the task returns to user space (mm_reclaim_safe_point, the end of a system call): the
 *     requests that were already in flight at the previous return. So writes issued during
 *     one system call are still in flight for the next one to see (a latency of one call).
 *
 * One request is one folio (Linux merges neighbouring bios into one request: the model's
 * device has fewer pages in flight than a real queue of the same depth). nr_requests=0 (the
 * machine key) makes every write complete before its submission returns: a synchronous
 * device, as zram or a ramdisk.
 *
 *   ring:   [ head ... head+nr_aged-1 | ... head+count-1 ]   (indices mod nr_requests)
 *             in flight at the last return    submitted since
 */
#ifndef MMSIM_BLOCK_BLKDEV_H
#define MMSIM_BLOCK_BLKDEV_H
#include <stdbool.h>
#include <stdint.h>

struct mm_sys;
struct mmsim_error;
struct page;

#define BLKDEV_MAX_RQ	8192u		/* nr_requests at most (the model's bound) */
#define BLKDEV_DEFAULT_RQ 256u		/* the reference machine's virtio disk: nr_requests */

/*
 * The write requests in flight, oldest first. Invariants (blk_queue_validate): count <=
 * nr_requests, nr_aged <= count; each of the count folios at ring[(head + i) % nr_requests]
 * is a live (referenced) folio head with PG_writeback, and appears once; every folio with
 * PG_writeback is in the ring; the NR_WRITEBACK pages of all nodes sum to the pages of the
 * folios in the ring.
 */
struct request_queue {
	unsigned int nr_requests;	/* tags: requests in flight at most (>= 1) */
	unsigned int head;		/* ring index of the oldest request */
	unsigned int count;		/* requests in flight */
	unsigned int nr_aged;		/* of them, the oldest nr_aged were in flight at the last
					   return to user space: they complete at the next */
	uint64_t nr_submitted;		/* requests ever submitted */
	uint64_t nr_completed;		/* requests ever completed */
	uint64_t nr_tag_waits;		/* submissions that waited for a tag */
	uint64_t nr_throttled;		/* sleeps on the device (reclaim, dirtiers) */
	struct page *ring[];		/* [nr_requests] */
};

/* Set up the device with nr tags (0: synchronous, no queue). 0 or -ENOMEM / -EINVAL. */
int blk_queue_init(struct mm_sys *ms, unsigned int nr_requests, struct mmsim_error *err);
/* Complete every request and free the queue (teardown). */
void blk_queue_exit(struct mm_sys *ms);

/*
 * Start writeback of a folio whose bytes were just written (it is clean and not under
 * writeback): PG_writeback and the counters as __folio_start_writeback, then the request
 * goes into the queue, after the oldest completed if all tags were taken. A synchronous
 * device completes it at once.
 */
void blk_submit_write(struct mm_sys *ms, struct page *folio);

/* folio_wait_writeback: complete the requests up to this folio's (none if not in flight). */
void folio_wait_writeback(struct mm_sys *ms, struct page *folio);
/* The task sleeps on the device (reclaim_throttle, a dirtier's pause): all complete. */
void blk_throttle(struct mm_sys *ms);
/* Return to user space: what was in flight at the previous return completes. */
void blk_tick(struct mm_sys *ms);
/* Requests in flight now (0 for a synchronous device). */
unsigned int blk_inflight(const struct mm_sys *ms);

/* Check the invariants above (a walk of the memmap: O(RAM)). 0 or -EUCLEAN with err set. */
int blk_queue_validate(struct mm_sys *ms, struct mmsim_error *err);
#endif

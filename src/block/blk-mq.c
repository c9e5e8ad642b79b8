/*
 * The block device's write requests in flight (Linux 6.18: block/blk-mq.c tags and
 * nr_requests; mm/page-writeback.c __folio_start_writeback; mm/filemap.c folio_end_writeback,
 * __folio_end_writeback, folio_wait_writeback; mm/page_io.c end_swap_bio_write). When a
 * request completes and how: blkdev.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "block/blkdev.h"
#include "mm/folio.h"
#include "mm/page_alloc.h"
#include "mm/vmscan.h"
#include "util/error.h"

int blk_queue_init(struct mm_sys *ms, unsigned int nr_requests, struct mmsim_error *err)
{
	struct request_queue *q;

	ms->bdq = NULL;
	if (!nr_requests)
		return 0;	/* synchronous: every write completes as it is submitted */
	if (nr_requests > BLKDEV_MAX_RQ)
		return err_set(err, -EINVAL, NULL, 0, 0, "nr_requests=%u: at most %u", nr_requests,
			       BLKDEV_MAX_RQ);
	q = calloc(1, sizeof(*q) + nr_requests * sizeof(q->ring[0]));
	if (!q)
		return err_set(err, -ENOMEM, NULL, 0, 0, "no host memory for %u block requests",
			       nr_requests);
	q->nr_requests = nr_requests;
	ms->bdq = q;
	return 0;
}

/* __folio_start_writeback: the folio's pages leave nothing dirty and are under writeback. */
static void folio_start_writeback(struct mm_sys *ms, struct page *folio)
{
	int64_t nr = (int64_t)folio_nr_pages(folio);

	page_set(folio, PG_writeback);
	mod_node_page_state(folio_node_data(ms, folio), NR_WRITEBACK, nr);
	mod_zone_page_state(page_zone(ms, folio), NR_ZONE_WRITE_PENDING, nr);
}

/*
 * folio_end_writeback: the write is done. The pages count as written (NR_WRITTEN, for swap
 * folios too), and a folio reclaim wanted (PG_reclaim) goes to the inactive list's tail, so
 * that the next scan frees it (folio_rotate_reclaimable: pgrotated).
 */
static void folio_end_writeback(struct mm_sys *ms, struct page *folio)
{
	int64_t nr = (int64_t)folio_nr_pages(folio);

	if (page_test(folio, PG_reclaim)) {
		page_clear(folio, PG_reclaim);
		folio_rotate_reclaimable(ms, folio);
	}
	page_clear(folio, PG_writeback);
	mod_node_page_state(folio_node_data(ms, folio), NR_WRITEBACK, -nr);
	mod_zone_page_state(page_zone(ms, folio), NR_ZONE_WRITE_PENDING, -nr);
	mod_node_page_state(folio_node_data(ms, folio), NR_WRITTEN, nr);
}

/* Complete the n oldest requests (n <= count). */
static void blk_complete(struct mm_sys *ms, unsigned int n)
{
	struct request_queue *q = ms->bdq;

	while (n--) {
		struct page *folio = q->ring[q->head];

		q->ring[q->head] = NULL;
		q->head = (q->head + 1) % q->nr_requests;
		q->count--;
		if (q->nr_aged)
			q->nr_aged--;
		q->nr_completed++;
		folio_end_writeback(ms, folio);
	}
}

void blk_queue_exit(struct mm_sys *ms)
{
	if (!ms->bdq)
		return;
	blk_complete(ms, ms->bdq->count);
	free(ms->bdq);
	ms->bdq = NULL;
}

void blk_submit_write(struct mm_sys *ms, struct page *folio)
{
	struct request_queue *q = ms->bdq;

	folio_start_writeback(ms, folio);
	if (!q) {
		folio_end_writeback(ms, folio);
		return;
	}
	if (q->count == q->nr_requests) {
		/* blk_mq_get_tag: every tag is taken, the submitter sleeps until one comes back */
		q->nr_tag_waits++;
		blk_complete(ms, 1);
	}
	q->ring[(q->head + q->count) % q->nr_requests] = folio;
	q->count++;
	q->nr_submitted++;
}

void folio_wait_writeback(struct mm_sys *ms, struct page *folio)
{
	struct request_queue *q = ms->bdq;

	if (!q || !page_test(folio, PG_writeback))
		return;
	for (unsigned int i = 0; i < q->count; i++) {
		if (q->ring[(q->head + i) % q->nr_requests] == folio) {
			blk_complete(ms, i + 1);
			return;
		}
	}
}

void blk_throttle(struct mm_sys *ms)
{
	if (!ms->bdq || !ms->bdq->count)
		return;
	ms->bdq->nr_throttled++;
	blk_complete(ms, ms->bdq->count);
}

void blk_tick(struct mm_sys *ms)
{
	struct request_queue *q = ms->bdq;

	if (!q)
		return;
	blk_complete(ms, q->nr_aged);
	q->nr_aged = q->count;
}

unsigned int blk_inflight(const struct mm_sys *ms)
{
	return ms->bdq ? ms->bdq->count : 0;
}

#define BFAIL(...) err_set(err, -EUCLEAN, NULL, 0, 0, __VA_ARGS__)

int blk_queue_validate(struct mm_sys *ms, struct mmsim_error *err)
{
	struct request_queue *q = ms->bdq;
	uint64_t ring_pages = 0, flagged = 0, counted = 0;

	if (q) {
		if (!q->nr_requests || q->count > q->nr_requests || q->nr_aged > q->count ||
		    q->head >= q->nr_requests)
			return BFAIL("block queue: %u requests, %u in flight, %u aged, head %u",
				     q->nr_requests, q->count, q->nr_aged, q->head);
		if (q->nr_submitted - q->nr_completed != q->count)
			return BFAIL("block queue: %llu submitted, %llu completed, %u in flight",
				     (unsigned long long)q->nr_submitted,
				     (unsigned long long)q->nr_completed, q->count);
		for (unsigned int i = 0; i < q->count; i++) {
			struct page *f = q->ring[(q->head + i) % q->nr_requests];

			if (!f || PageTail(f) || f->refcount <= 0 || page_test(f, PG_buddy) ||
			    !page_test(f, PG_writeback))
				return BFAIL("block queue: request %u is not a live folio under "
					     "writeback", i);
			for (unsigned int j = 0; j < i; j++)
				if (q->ring[(q->head + j) % q->nr_requests] == f)
					return BFAIL("block queue: pfn 0x%llx in flight twice",
						     (unsigned long long)page_to_pfn(ms, f));
			ring_pages += folio_nr_pages(f);
		}
	}
	for_each_node(ms, nid)
		counted += (uint64_t)ms->node_data[nid]->vm_stat[NR_WRITEBACK];
	if (counted != ring_pages)
		return BFAIL("nr_writeback is %llu pages, the requests in flight hold %llu",
			     (unsigned long long)counted, (unsigned long long)ring_pages);
	/* nothing but blk_submit_write sets PG_writeback: before the first write, no walk */
	if (!q || !q->nr_submitted)
		return 0;
	for (uint64_t pfn = ms->min_pfn; pfn < ms->max_pfn; pfn++) {
		struct page *p = pfn_to_page(ms, pfn);

		if (p && !PageTail(p) && page_test(p, PG_writeback))
			flagged += folio_nr_pages(p);
	}
	if (flagged != ring_pages)
		return BFAIL("%llu pages have PG_writeback, the requests in flight hold %llu",
			     (unsigned long long)flagged, (unsigned long long)ring_pages);
	return 0;
}

/*
 * Reading and writing swap slots of the host file (Linux 6.18: mm/page_io.c swap_writeout,
 * is_folio_zero_filled, swap_zeromap_folio_set/clear, __swap_writepage, swap_read_folio,
 * swap_read_folio_zeromap, count_swpout_vm_event; block/blk-core.c submit_bio for pgpgin /
 * pgpgout).
 *
 * Slot s of an area is the page_size bytes at byte s * page_size of its file: a write is one
 * pwrite of the folio's bytes there, a read one pread. A read completes before the call
 * returns; after a write, the folio stays under writeback (PG_writeback, nr_writeback) until
 * the block device completes the request (block/blkdev.h), as after a real swap write.
 *
 * A folio that is all zeros is not written (since 6.12): its slot is marked in the area's
 * zeromap, counted as swpout_zero, and reads back as zeros without I/O (swpin_zero) — the
 * reference machine shows exactly that (pswpout and pgpgout do not move for such pages).
 * Counting as Linux: pswpout / pswpin one per page, pgpgout / pgpgin in KiB.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "block/blkdev.h"
#include "mm/folio.h"
#include "mm/page_alloc.h"
#include "mm/swap_internal.h"

/* is_folio_zero_filled */
static bool folio_zero_filled(struct mm_sys *ms, struct page *folio)
{
	const uint64_t *w = page_address(ms, folio);

	for (uint64_t i = 0; i < ms->page_size / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

int swap_writepage(struct mm_sys *ms, struct page *folio)
{
	swp_entry_t entry = { folio->private };
	struct swap_info_struct *si;
	uint64_t off = swp_offset(entry);
	ssize_t n;

	if (!page_test(folio, PG_swapcache) || !(si = swp_info(ms, entry)))
		return -EINVAL;
	/* pageout's folio_clear_dirty_for_io: the write takes the dirt */
	page_clear(folio, PG_dirty);
	/* swap_writeout: nothing holds the slot any more, so the write is not needed */
	if (folio_free_swap(ms, folio))
		return 0;	/* out of the cache, dirty again: memory holds the only copy */
	if (folio_zero_filled(ms, folio)) {
		zeromap_assign(si, off, true);
		count_vm_events(ms, SWPOUT_ZERO, 1);
		return 0;
	}
	zeromap_assign(si, off, false);
	n = pwrite(si->fd, page_address(ms, folio), ms->page_size, (off_t)(off * ms->page_size));
	if (n != (ssize_t)ms->page_size) {
		/* end_swap_bio_write on an error: dirty again, so that it is not dropped */
		page_set(folio, PG_dirty);
		return n < 0 ? -errno : -EIO;
	}
	count_vm_events(ms, PSWPOUT, 1);
	count_vm_events(ms, PGPGOUT, ms->page_size >> 10);
	/* __swap_writepage: under writeback until the request completes (end_swap_bio_write) */
	blk_submit_write(ms, folio);
	return 0;
}

int swap_read_folio(struct mm_sys *ms, struct page *folio)
{
	swp_entry_t entry = { folio->private };
	struct swap_info_struct *si = swp_info(ms, entry);
	uint64_t off = swp_offset(entry);
	void *data = page_address(ms, folio);
	ssize_t n;

	if (!si)
		return -EINVAL;
	if (zeromap_test(si, off)) {
		/* swap_read_folio_zeromap: no I/O */
		memset(data, 0, ms->page_size);
		page_set(folio, PG_uptodate);
		count_vm_events(ms, SWPIN_ZERO, 1);
		return 0;
	}
	n = pread(si->fd, data, ms->page_size, (off_t)(off * ms->page_size));
	if (n != (ssize_t)ms->page_size)
		return n < 0 ? -errno : -EIO;
	page_set(folio, PG_uptodate);
	count_vm_events(ms, PSWPIN, 1);
	count_vm_events(ms, PGPGIN, ms->page_size >> 10);
	return 0;
}

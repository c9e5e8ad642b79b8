/*
 * Readahead (Linux 6.18 mm/readahead.c: page_cache_ra_unbounded, do_page_cache_ra,
 * force_page_cache_ra, get_init_ra_size, get_next_ra_size, ra_alloc_folio,
 * page_cache_ra_order, page_cache_sync_ra, page_cache_async_ra).
 *
 * A window (file_ra_state start, size, async_size) is read in folios whose order grows by
 * two at every asynchronous window (ra->order += 2), capped by the window size (ilog2), the
 * mapping's largest order (MAX_PAGECACHE_ORDER: 9 with 4 KiB pages) and the alignment of each
 * index; the folio at start + size - async_size gets PG_readahead, and touching it reads the
 * next window. Measured on the reference host (tests/oracle/probes/pagecache_probe.c, ext4,
 * read_ahead_kb 8192): 16 MiB read with 4 KiB read(2) calls is cached as
 *   0+1*4 4+4*5 24+8 32+16*4 96+32 128+64*4 384+128 512+256*2 1024+512*6   (start+pages*count)
 * which this file reproduces page for page (tests/unit/test_filemap.c).
 *
 * mmsim reads synchronously: a folio is allocated, inserted and filled with the file's bytes
 * before the next one (Linux inserts them all locked, then submits the I/O). Folios are never
 * left !uptodate in the cache: one whose host read fails is taken out again and the error
 * kept in ractl->err.
 *
 * Leaves out: the block layer's io_pages (taken equal to ra_pages), blk-cgroup congestion,
 * dropbehind, mapping_min_folio_order > 0 (block size > page size), readahead_expand.
 */
#include <errno.h>

#include "fs/fs.h"
#include "mm/folio.h"
#include "mm/mmzone.h"
#include "mm/page_alloc.h"
#include "mm/pagemap.h"

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

static unsigned int ilog2_u64(uint64_t v)
{
	unsigned int l = 0;

	while (v >>= 1)
		l++;
	return l;
}

static uint64_t roundup_pow_of_two(uint64_t v)
{
	uint64_t r = 1;

	while (r < v)
		r <<= 1;
	return r;
}

/* __ffs: index of the lowest set bit (v != 0). */
static unsigned int ffs0(uint64_t v)
{
	unsigned int b = 0;

	while (!(v & 1)) {
		v >>= 1;
		b++;
	}
	return b;
}

unsigned int mapping_ra_pages(const struct address_space *mapping)
{
	const struct mm_sys *ms = mapping_ms(mapping);

	if (shmem_mapping(mapping))
		return 0;
	return (unsigned int)(((uint64_t)ms->read_ahead_kb << 10) >> ms->page_shift);
}

/* The last page of the file (i_size - 1) >> PAGE_SHIFT; false for an empty file. */
static bool last_index(const struct address_space *mapping, uint64_t *end)
{
	uint64_t size = mapping->host->i_size;

	if (!size)
		return false;
	*end = (size - 1) >> mapping_ms(mapping)->page_shift;
	return true;
}

/*
 * Allocate a folio of order at index, insert it, read it (ra_alloc_folio + read_pages).
 * PG_readahead when it holds the marked page. 0, or -errno with nothing added.
 */
static int ra_add_folio(struct readahead_control *ractl, uint64_t index, unsigned int order,
			bool readahead)
{
	struct address_space *mapping = ractl->mapping;
	struct mm_sys *ms = mapping_ms(mapping);
	int err = 0;
	struct page *folio = filemap_alloc_folio(mapping, ractl->cpu, order, &err);

	if (!folio)
		return err ? err : -ENOMEM;
	err = filemap_add_folio(mapping, folio, index);
	if (err) {
		folio_put(ms, ractl->cpu, folio);
		return err;
	}
	err = filemap_read_folio(mapping, folio, index);
	if (err) {
		/* the I/O failed: the folio goes (Linux leaves it !uptodate for read_folio) */
		filemap_remove_folio(folio, ractl->cpu);
		folio_put(ms, ractl->cpu, folio);
		return err;
	}
	if (readahead)
		page_set(folio, PG_readahead);
	folio_put(ms, ractl->cpu, folio);	/* the cache keeps its own references */
	ractl->nr_pages += 1u << order;
	return 0;
}

/*
 * page_cache_ra_unbounded: order-0 folios for nr_to_read pages from ractl->index, skipping
 * pages already cached; the page nr_to_read - lookahead_size gets PG_readahead. Stops at
 * the first allocation failure.
 */
static void page_cache_ra_unbounded(struct readahead_control *ractl, uint64_t nr_to_read,
				    uint64_t lookahead_size)
{
	struct address_space *mapping = ractl->mapping;
	uint64_t index = ractl->index, mark = UINT64_MAX;

	if (lookahead_size <= nr_to_read)
		mark = nr_to_read - lookahead_size;
	for (uint64_t i = 0; i < nr_to_read; i++) {
		if (filemap_get_folio(mapping, index + i))
			continue;	/* already there: the batch is cut, go on after it */
		int err = ra_add_folio(ractl, index + i, 0, i == mark);

		if (err == -ENOMEM) {
			ractl->err = err;
			break;
		}
		if (err && !ractl->err)
			ractl->err = err;
	}
	ractl->index = index + nr_to_read;
}

/* do_page_cache_ra: the same, clipped to the file; at EOF no readahead mark. */
static void do_page_cache_ra(struct readahead_control *ractl, uint64_t nr_to_read,
			     uint64_t lookahead_size)
{
	uint64_t end;

	if (!last_index(ractl->mapping, &end) || ractl->index > end)
		return;
	if (nr_to_read > end - ractl->index) {
		nr_to_read = end - ractl->index + 1;
		lookahead_size = 0;
	}
	page_cache_ra_unbounded(ractl, nr_to_read, lookahead_size);
}

void force_page_cache_ra(struct readahead_control *ractl, unsigned long nr_to_read)
{
	struct mm_sys *ms = mapping_ms(ractl->mapping);
	uint64_t chunk = (2ull << 20) >> ms->page_shift;	/* 2 MiB at a time */
	uint64_t max_pages = ractl->ra->ra_pages;		/* max(bdi io_pages, ra_pages) */

	nr_to_read = (unsigned long)min_u64(nr_to_read, max_pages);
	while (nr_to_read) {
		uint64_t this_chunk = min_u64(chunk, nr_to_read);

		do_page_cache_ra(ractl, this_chunk, 0);
		nr_to_read -= (unsigned long)this_chunk;
	}
}

/* get_init_ra_size: the first window for a read of size pages. */
static uint64_t get_init_ra_size(uint64_t size, uint64_t max)
{
	uint64_t newsize = roundup_pow_of_two(size);

	if (newsize <= max / 32)
		newsize = newsize * 4;
	else if (newsize <= max / 4)
		newsize = newsize * 2;
	else
		newsize = max;
	return newsize;
}

/* get_next_ra_size: the window after one of ra->size pages. */
static uint64_t get_next_ra_size(const struct file_ra_state *ra, uint64_t max)
{
	uint64_t cur = ra->size;

	if (cur < max / 16)
		return 4 * cur;
	if (cur <= max / 2)
		return 2 * cur;
	return max;
}

void page_cache_ra_order(struct readahead_control *ractl, struct file_ra_state *ra)
{
	struct address_space *mapping = ractl->mapping;
	uint64_t start = ractl->index, index = start, limit, mark;
	unsigned int new_order = ra->order;
	int err = 0;

	if (!last_index(mapping, &limit))
		return;
	if (mapping->max_order == 0) {
		ra->order = 0;
		goto fallback;
	}
	/*
	 * As 6.18: the mark is where the window says, whether or not the window reaches EOF;
	 * when it lies beyond the last page no folio gets it (ra_alloc_folio compares indexes)
	 */
	mark = index + ra->size - ra->async_size;
	if (limit > index + ra->size - 1)
		limit = index + ra->size - 1;
	new_order = (unsigned int)min_u64(mapping->max_order, new_order);
	new_order = (unsigned int)min_u64(new_order, ilog2_u64(ra->size ? ra->size : 1));
	new_order = (unsigned int)max_u64(new_order, mapping->min_order);
	ra->order = new_order;

	while (index <= limit) {
		unsigned int order = new_order;

		/* align with smaller folios if needed; none past EOF */
		if (index & ((1ull << order) - 1))
			order = ffs0(index);
		while (order > mapping->min_order && index + (1ull << order) - 1 > limit)
			order--;
		/* ra_alloc_folio: the folio holding the mark (rounded down to it) is marked */
		uint64_t m = mark == UINT64_MAX ? mark : mark & ~((1ull << order) - 1);

		err = ra_add_folio(ractl, index, order, index == m);
		if (err)
			break;
		index += 1ull << order;
	}
	ractl->index = index;
	if (!err)
		return;
	if (err != -EEXIST)
		ractl->err = err;
fallback:
	/* a gap was left (a page already cached, no memory): the order-0 path fills it */
	if (ra->size > index - start)
		do_page_cache_ra(ractl, ra->size - (index - start), ra->async_size);
}

void page_cache_sync_ra(struct readahead_control *ractl, unsigned long req_count)
{
	struct file_ra_state *ra = ractl->ra;
	uint64_t index = ractl->index;
	bool do_forced_ra = ractl->file && (ractl->file->f_mode & FMODE_RANDOM);
	uint64_t max_pages, contig_count, prev_index, miss;

	/* readahead off: still read what was asked, as a forced readahead of one page */
	if (!ra->ra_pages) {
		if (!ractl->file)
			return;
		req_count = 1;
		do_forced_ra = true;
	}
	if (do_forced_ra) {
		force_page_cache_ra(ractl, req_count);
		return;
	}
	max_pages = ra->ra_pages;	/* ractl_max_pages: io_pages taken as ra_pages */
	prev_index = (uint64_t)ra->prev_pos >> mapping_ms(ractl->mapping)->page_shift;
	/* start of file, oversized read, or sequential miss (index - prev_index <= 1) */
	if (!index || req_count > max_pages || index - prev_index <= 1) {
		ra->start = index;
		ra->size = (unsigned int)get_init_ra_size(req_count, max_pages);
		ra->async_size = ra->size > req_count ? ra->size - (unsigned int)req_count :
							  ra->size >> 1;
		goto readit;
	}
	/* the trace a sequential stream would have left behind in the cache */
	miss = page_cache_prev_miss(ractl->mapping, index - 1, max_pages);
	contig_count = index - miss - 1;
	if (contig_count <= req_count) {
		/* a small random read: read it as it is, leave the state alone */
		do_page_cache_ra(ractl, req_count, 0);
		return;
	}
	if (miss == UINT64_MAX)		/* cached from the start: a long stream */
		contig_count *= 2;
	ra->start = index;
	ra->size = (unsigned int)min_u64(contig_count + req_count, max_pages);
	ra->async_size = 1;
readit:
	ra->order = 0;
	ractl->index = ra->start;
	page_cache_ra_order(ractl, ra);
}

void page_cache_async_ra(struct readahead_control *ractl, struct page *folio,
			 unsigned long req_count)
{
	struct file_ra_state *ra = ractl->ra;
	uint64_t index = ractl->index, max_pages, expected, start, end, aligned_end, align;

	if (!ra->ra_pages)
		return;
	if (page_test(folio, PG_writeback))	/* the bit is PG_reclaim then */
		return;
	page_clear(folio, PG_readahead);
	max_pages = ra->ra_pages;
	/* the expected callback index: sequential, push the window forward and ramp it up */
	expected = (ra->start + ra->size - ra->async_size) & ~(folio_nr_pages(folio) - 1);
	if (index == expected) {
		ra->start += ra->size;
		/* with MADV_HUGEPAGE the window may exceed the maximum: keep it */
		ra->size = (unsigned int)max_u64(ra->size, get_next_ra_size(ra, max_pages));
		goto readit;
	}
	/* a marked folio without matching state (interleaved streams): ask the cache */
	start = page_cache_next_miss(ractl->mapping, index + 1, max_pages);
	if (!start || start - index > max_pages)
		return;
	ra->start = start;
	ra->size = (unsigned int)(start - index);	/* old async_size */
	ra->size += (unsigned int)req_count;
	ra->size = (unsigned int)get_next_ra_size(ra, max_pages);
readit:
	ra->order += 2;
	align = 1ull << min_u64(ra->order, ffs0(max_pages));
	end = ra->start + ra->size;
	aligned_end = end & ~(align - 1);
	if (aligned_end > ra->start)
		ra->size -= (unsigned int)(end - aligned_end);
	ra->async_size = ra->size;
	ractl->index = ra->start;
	page_cache_ra_order(ractl, ra);
}

/*
 * Dirty pages and writeback (Linux 6.18 mm/page-writeback.c: folio_mark_dirty /
 * filemap_dirty_folio / folio_account_dirtied, folio_clear_dirty_for_io, folio_mkclean
 * (mm/rmap.c), write_cache_pages; mm/filemap.c filemap_write_and_wait_range; fs/sync.c).
 *
 * Where the bytes go (machine option file_writes=):
 *   copy (default)  at the first writeback of a host file, the whole file is copied into the
 *                   scratch directory (ms->scratch_dir; when none is set, a new one made with
 *                   mkdtemp under $TMPDIR or /tmp and removed at teardown) and written there;
 *                   from then on pages of the file that are not cached are read from the copy.
 *                   The user's file is never opened for writing.
 *   real            the file itself is opened O_RDWR at its first writeback and written
 *                   through; a failed write comes back as -errno and the folios stay dirty.
 *
 * Counting as Linux: a clean -> dirty change of a host file's folio counts its pages in
 * nr_dirty, nr_zone_write_pending and nr_dirtied; writing it back takes them out of nr_dirty
 * and nr_zone_write_pending and counts nr_written, and pgpgout in KiB (whole blocks). Shmem
 * folios only get PG_dirty (noop_dirty_folio): they have no file to go to.
 *
 * Writing back write-protects and cleans every PTE that maps the folio (folio_mkclean), so the
 * next store through a shared mapping faults and dirties the folio again.
 *
 * Dirty limits and throttling (global_dirtyable_memory, domain_dirty_limits,
 * writeback_set_ratelimit, balance_dirty_pages_ratelimited, balance_dirty_pages; the sysctl
 * handlers; fs/fs-writeback.c's background writeback): mm/writeback.h. With no clock and no
 * threads, a dirtier above the freerun ceiling (thresh + bg_thresh) / 2 pauses once, and the
 * flusher writes back during the pause until the dirty pages are at or below bg_thresh.
 *
 * Leaves out: the flusher threads as threads and dirty expiry (writeback happens at
 * msync/fsync/sync/munmap/exit/teardown, reclaim's wakeup_flusher_threads, and the pauses of
 * balance_dirty_pages), the bandwidth estimates and the pos_ratio control of the pause
 * length, per-wb and memcg domains (one backing device), laptop_mode, strictlimit, the
 * rt-task bonus, dirty_throttle_leaks of exited tasks, mapping error sequences (errseq_t).
 * A written folio is under writeback until the block device completes its request
 * (block/blkdev.h). docs/page-cache.md has the model.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/blkdev.h"
#include "fs/fs.h"
#include "hw/machine_desc.h"
#include "mm/folio.h"
#include "mm/memory.h"
#include "mm/mmzone.h"
#include "mm/page_alloc.h"
#include "mm/pagemap.h"
#include "mm/rmap.h"
#include "mm/vmscan.h"
#include "mm/writeback.h"
#include "kernel/sched.h"
#include "util/error.h"

/* ---- dirtying ------------------------------------------------------------------------- */

/* Is this folio of a host file, whose dirtiness is counted (mapping_can_writeback)? */
static struct address_space *accounted_mapping(struct page *folio)
{
	struct address_space *mapping = folio->mapping;

	if (!mapping || folio_test_anon(folio) || shmem_mapping(mapping))
		return NULL;
	return mapping;
}

static void account_dirty(struct page *folio, struct address_space *mapping, int64_t nr)
{
	struct mm_sys *ms = mapping_ms(mapping);

	mapping->nr_dirty = (uint64_t)((int64_t)mapping->nr_dirty + nr);
	mod_node_page_state(ms->node_data[page_nid(folio)], NR_FILE_DIRTY, nr);
	mod_zone_page_state(page_zone(ms, folio), NR_ZONE_WRITE_PENDING, nr);
}

static uint64_t global_pages(struct mm_sys *ms, enum node_stat_item i)
{
	int64_t v = global_node_page_state(ms, i);

	return v < 0 ? 0 : (uint64_t)v;
}

bool folio_mark_dirty(struct page *folio)
{
	struct address_space *mapping;
	struct mm_sys *ms;

	folio = page_folio(folio);
	if (page_test(folio, PG_dirty))
		return false;
	page_set(folio, PG_dirty);
	mapping = accounted_mapping(folio);
	if (!mapping)
		return true;
	ms = mapping_ms(mapping);
	/* __mark_inode_dirty: a clean inode goes on the dirty list stamped with "now" */
	if (!mapping->nr_dirty)
		mapping->dirtied_when = global_pages(ms, NR_DIRTIED);
	/* folio_account_dirtied (the task's share: balance_dirty_pages_ratelimited) */
	account_dirty(folio, mapping, (int64_t)folio_nr_pages(folio));
	mod_node_page_state(ms->node_data[page_nid(folio)], NR_DIRTIED,
			    (int64_t)folio_nr_pages(folio));
	return true;
}

bool folio_clear_dirty_for_io(struct page *folio)
{
	struct address_space *mapping;

	if (!page_test(folio, PG_dirty))
		return false;
	page_clear(folio, PG_dirty);
	mapping = accounted_mapping(folio);
	if (mapping)
		account_dirty(folio, mapping, -(int64_t)folio_nr_pages(folio));
	return true;
}

/* ---- write-protecting the mappings (folio_mkclean) ------------------------------------ */

static int mkclean_one(struct page *folio, struct vm_area_struct *vma, uint64_t addr,
		       struct page *page, void *arg)
{
	struct mm_struct *mm = vma->vm_mm;
	const struct pt_format *f = mm->pgd.fmt;
	struct pte_desc d;
	uint64_t entry_pa, raw;
	int level;

	(void)folio; (void)page; (void)arg;
	if (pgtable_lookup(&mm->pgd, addr, &d, &level, &entry_pa) || d.kind != PTE_KIND_LEAF)
		return 0;
	if (!(d.prot & (PTE_WRITE | PTE_DIRTY)))
		return 0;
	/* pte_wrprotect(pte_mkclean()): arm64 loses DBM too, else a store would re-dirty it */
	d.prot &= ~(uint32_t)(PTE_WRITE | PTE_DIRTY | PTE_DBM);
	if (f->ops->encode(f, (unsigned int)level, &d, &raw))
		return 0;
	pgtable_write_entry(&mm->pgd, entry_pa, raw);
	flush_tlb_page(mm, addr);
	return 0;
}

/* ---- the writeback target ------------------------------------------------------------- */

/* The scratch directory, made on first use when the machine has none (mkdtemp). */
static int scratch_dir(struct mm_sys *ms, const char **out)
{
	if (!ms->scratch_dir) {
		const char *tmp = getenv("TMPDIR");
		char path[4096];

		if (!tmp || !*tmp)
			tmp = "/tmp";
		if (snprintf(path, sizeof(path), "%s/mmsim-XXXXXX", tmp) >= (int)sizeof(path))
			return -ENAMETOOLONG;
		if (!mkdtemp(path))
			return -errno;
		ms->scratch_dir = strdup(path);
		if (!ms->scratch_dir) {
			rmdir(path);
			return -ENOMEM;
		}
		*fs_scratch_created(ms->fs) = true;
	}
	*out = ms->scratch_dir;
	return 0;
}

/* Copy the host file into a new file of the scratch directory: its descriptor, or -errno. */
static int make_copy(struct address_space *mapping, char **pathp)
{
	struct mm_sys *ms = mapping_ms(mapping);
	struct inode *inode = mapping->host;
	const char *dir = NULL, *base = strrchr(inode->i_path, '/');
	char path[4096], buf[65536];
	int ret = scratch_dir(ms, &dir), fd;

	if (ret)
		return ret;
	base = base ? base + 1 : inode->i_path;
	if (snprintf(path, sizeof(path), "%s/%x.%x-%llu-%s", dir, inode->i_dev_major,
		     inode->i_dev_minor, (unsigned long long)inode->i_ino, base) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	for (uint64_t off = 0; off < inode->i_size;) {
		ssize_t n = pread(inode->host_fd, buf, sizeof(buf), (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : 0;
			break;
		}
		for (ssize_t w = 0; w < n;) {
			ssize_t m = pwrite(fd, buf + w, (size_t)(n - w), (off_t)(off + (uint64_t)w));

			if (m < 0 && errno == EINTR)
				continue;
			if (m < 0) {
				ret = -errno;
				break;
			}
			w += m;
		}
		if (ret)
			break;
		off += (uint64_t)n;
	}
	if (!ret && ftruncate(fd, (off_t)inode->i_size))
		ret = -errno;
	if (ret) {
		close(fd);
		unlink(path);
		return ret;
	}
	*pathp = strdup(path);
	if (!*pathp) {
		close(fd);
		unlink(path);
		return -ENOMEM;
	}
	return fd;
}

/* Open where this mapping's writeback goes, at its first writeback. 0 or -errno. */
static int writeback_target(struct address_space *mapping)
{
	struct mm_sys *ms = mapping_ms(mapping);
	char *path = NULL;
	int fd;

	if (mapping->wb_fd >= 0)
		return 0;
	if (ms->file_writes == FILE_WRITES_REAL) {
		fd = open(mapping->host->i_path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		mapping->wb_copy = false;
	} else {
		fd = make_copy(mapping, &path);
		if (fd < 0)
			return fd;
		mapping->wb_copy = true;
		mapping->wb_path = path;
	}
	mapping->wb_fd = fd;
	return 0;
}

void mapping_writeback_release(struct address_space *mapping)
{
	if (mapping->wb_fd >= 0)
		close(mapping->wb_fd);
	mapping->wb_fd = -1;
	if (mapping->wb_path) {
		unlink(mapping->wb_path);
		free(mapping->wb_path);
		mapping->wb_path = NULL;
	}
	mapping->wb_copy = false;
}

void page_writeback_teardown(struct mm_sys *ms)
{
	bool *created = ms->fs ? fs_scratch_created(ms->fs) : NULL;

	if (created && *created && ms->scratch_dir) {
		rmdir(ms->scratch_dir);
		free(ms->scratch_dir);
		ms->scratch_dir = NULL;
		*created = false;
	}
}

/* ---- writing -------------------------------------------------------------------------- */

/* Write the folio's pages inside i_size to the target. 0 or -errno (the folio stays dirty). */
static int write_folio(struct address_space *mapping, struct page *folio)
{
	struct mm_sys *ms = mapping_ms(mapping);
	uint64_t ps = ms->page_size, size = mapping->host->i_size, pages = 0;
	int ret = writeback_target(mapping);

	if (ret)
		return ret;
	/* folio_clear_dirty_for_io: the mappings lose write and dirty first */
	rmap_walk(ms, folio, mkclean_one, NULL);
	for (uint64_t i = 0; i < folio_nr_pages(folio); i++) {
		uint64_t off = (folio->index + i) << ms->page_shift;
		const char *src = page_address(ms, folio_page(folio, i));
		uint64_t want = off >= size ? 0 : (size - off < ps ? size - off : ps), done = 0;

		while (done < want) {
			ssize_t n = pwrite(mapping->wb_fd, src + done, want - done, (off_t)(off + done));

			if (n < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			done += (uint64_t)n;
		}
		pages += want != 0;
	}
	folio_clear_dirty_for_io(folio);
	count_vm_events(ms, PGPGOUT, pages * (ps >> 10));
	/* the bytes are in the file; the folio is under writeback until the request completes */
	blk_submit_write(ms, folio);
	return 0;
}

int filemap_write_and_wait_range(struct address_space *mapping, uint64_t lstart, uint64_t lend)
{
	struct mm_sys *ms = mapping_ms(mapping);
	uint64_t index = lstart >> ms->page_shift, end = lend >> ms->page_shift;
	struct page *folio;
	int err = 0;

	bool had_dirty;

	if (shmem_mapping(mapping) || !mapping->nrpages || lend < lstart)
		return 0;
	had_dirty = mapping->nr_dirty != 0;
	while (had_dirty &&
	       (folio = xa_find(&mapping->i_pages, &index, end, NULL, NULL)) != NULL) {
		uint64_t next = folio->index + folio_nr_pages(folio);

		if (page_test(folio, PG_dirty)) {
			int ret;

			/* WB_SYNC_ALL: a folio dirtied again while under writeback waits first */
			folio_wait_writeback(ms, folio);
			ret = write_folio(mapping, folio);
			if (ret && !err)
				err = ret;	/* go on with the others, report the first error */
		}
		if (!next)
			break;
		index = next;
	}
	/* __filemap_fdatawait_range: every folio of the range is written when this returns */
	index = lstart >> ms->page_shift;
	while ((folio = xa_find(&mapping->i_pages, &index, end, NULL, NULL)) != NULL) {
		uint64_t next = folio->index + folio_nr_pages(folio);

		folio_wait_writeback(ms, folio);
		if (!next)
			break;
		index = next;
	}
	if (!had_dirty)
		return 0;
	mapping->wb_error = err;
	if (!err && mapping->wb_fd >= 0 && ms->file_writes == FILE_WRITES_REAL &&
	    fdatasync(mapping->wb_fd))
		err = -errno;
	return err;
}

int filemap_flush(struct address_space *mapping)
{
	uint64_t index = 0;
	struct page *folio;
	int err = 0;

	if (shmem_mapping(mapping) || !mapping->nr_dirty)
		return 0;
	while ((folio = xa_find(&mapping->i_pages, &index, UINT64_MAX, NULL, NULL)) != NULL) {
		uint64_t next = folio->index + folio_nr_pages(folio);

		/* WB_SYNC_NONE: a folio still under writeback is left for the next pass */
		if (page_test(folio, PG_dirty) && !page_test(folio, PG_writeback)) {
			int ret = write_folio(mapping, folio);

			if (ret && !err)
				err = ret;
		}
		if (!next)
			break;
		index = next;
	}
	if (err)
		mapping->wb_error = err;
	return err;
}

static int sync_one(struct inode *inode, void *arg)
{
	int *err = arg;
	int ret = filemap_write_and_wait_range(inode->i_mapping, 0, UINT64_MAX);

	if (ret && !*err)
		*err = ret;
	return 0;
}

int sync_all_mappings(struct mm_sys *ms)
{
	int err = 0;

	if (ms->fs)
		fs_for_each_inode(ms->fs, sync_one, &err);
	return err;
}

/* ---- dirty limits (global_dirtyable_memory, domain_dirty_limits) ---------------------- */

/* 128 KiB in pages: a new task's nr_dirtied_pause (DIRTY_POLL_THRESH, copy_process). */
static unsigned int dirty_poll_thresh(const struct mm_sys *ms)
{
	return 128u >> (ms->page_shift - 10);
}

static uint64_t pos_pages(int64_t v)
{
	return v < 0 ? 0 : (uint64_t)v;
}

/*
 * highmem_dirtyable_memory's sum before its cap: each populated HighMem zone's free pages
 * above its high watermark plus its file LRU pages. ZONE_MOVABLE carved from HighMem would
 * count too (is_highmem_idx); the model has no movable zone.
 */
static uint64_t highmem_pages(struct mm_sys *ms)
{
	uint64_t x = 0;

	for_each_node(ms, nid) {
		if (!ms->node_data[nid])
			continue;
		for (unsigned int zi = 0; zi < ms->arch->nr_zones; zi++) {
			struct zone *z = node_zone(ms, nid, zi);
			uint64_t nr, high;

			if (ms->arch->zones[zi] != ZONE_HIGHMEM || !zone_is_populated(z))
				continue;
			nr = pos_pages(z->vm_stat[NR_FREE_PAGES]);
			high = wmark_pages(z, WMARK_HIGH);
			nr -= nr < high ? nr : high;	/* watch for underflows */
			nr += pos_pages(z->vm_stat[NR_ZONE_INACTIVE_FILE]);
			nr += pos_pages(z->vm_stat[NR_ZONE_ACTIVE_FILE]);
			x += nr;
		}
	}
	return x;
}

uint64_t dirtyable_memory(const struct dirtyable_input *in)
{
	uint64_t x = in->free;

	/* the kernel's reserves are not dirtyable: reclaim would have to clean pages for them */
	x -= x < in->totalreserve ? x : in->totalreserve;
	x += in->file_lru;
	if (!in->highmem_is_dirtyable)
		x -= in->highmem < x ? in->highmem : x;	/* never more than the total */
	return x + 1;	/* never 0 */
}

uint64_t global_dirtyable_memory(struct mm_sys *ms)
{
	struct dirtyable_input in = {
		.free = pos_pages(global_zone_page_state(ms, NR_FREE_PAGES)),
		.totalreserve = ms->totalreserve_pages,
		.file_lru = global_pages(ms, NR_INACTIVE_FILE) + global_pages(ms, NR_ACTIVE_FILE),
		.highmem = highmem_pages(ms),
		.highmem_is_dirtyable = ms->sysctl.highmem_is_dirtyable != 0,
	};

	return dirtyable_memory(&in);
}

void domain_dirty_limits(const struct vm_sysctl *sc, uint64_t page_size,
			 struct dirty_throttle_control *dtc)
{
	/* the ratios in 1/page_size steps, for precision, as Linux converts them */
	uint64_t ratio = (uint64_t)sc->dirty_ratio * page_size / 100;
	uint64_t bg_ratio = (uint64_t)sc->dirty_background_ratio * page_size / 100;
	uint64_t thresh, bg_thresh;

	if (sc->dirty_bytes)
		thresh = (sc->dirty_bytes + page_size - 1) / page_size;
	else
		thresh = ratio * dtc->avail / page_size;
	if (sc->dirty_background_bytes)
		bg_thresh = (sc->dirty_background_bytes + page_size - 1) / page_size;
	else
		bg_thresh = bg_ratio * dtc->avail / page_size;
	if (bg_thresh >= thresh)
		bg_thresh = thresh / 2;
	/* Linux lifts both by 1/4 (+ dirty_limit / 32) for rt and deadline tasks: none here */
	dtc->thresh = thresh;
	dtc->bg_thresh = bg_thresh;
}

void global_dirty_limits(struct mm_sys *ms, uint64_t *pbackground, uint64_t *pdirty)
{
	struct dirty_throttle_control dtc = { .avail = global_dirtyable_memory(ms) };

	domain_dirty_limits(&ms->sysctl, ms->page_size, &dtc);
	*pbackground = dtc.bg_thresh;
	*pdirty = dtc.thresh;
}

void writeback_set_ratelimit(struct mm_sys *ms)
{
	uint64_t bg, thresh, rl;

	/* Linux also records thresh as global_wb_domain.dirty_limit: only the rt bonus and the
	   pos_ratio control read it, and the model has neither */
	global_dirty_limits(ms, &bg, &thresh);
	rl = thresh / ((uint64_t)ms->nr_cpus * 32);
	ms->wb.ratelimit_pages = rl < 16 ? 16 : (long)rl;
}

/* ---- the sysctl handlers -------------------------------------------------------------- */

/* ULONG_MAX of the machine's kernel: proc_doulongvec_minmax refuses more. */
static uint64_t ulong_max(const struct mm_sys *ms)
{
	return ms->arch->id == ARCH_I386 ? UINT32_MAX : UINT64_MAX;
}

int dirty_ratio_handler(struct mm_sys *ms, uint64_t v)
{
	struct vm_sysctl *sc = &ms->sysctl;
	int old = sc->dirty_ratio;

	if (v > 100)
		return -EINVAL;
	sc->dirty_ratio = (int)v;
	if (sc->dirty_ratio != old) {
		/* in Linux's order: the rate limit is computed while dirty_bytes still applies */
		writeback_set_ratelimit(ms);
		sc->dirty_bytes = 0;
	}
	return 0;
}

int dirty_bytes_handler(struct mm_sys *ms, uint64_t v)
{
	struct vm_sysctl *sc = &ms->sysctl;
	uint64_t old = sc->dirty_bytes;

	if (v < 2 * ms->page_size || v > ulong_max(ms))	/* dirty_bytes_min: 2 pages */
		return -EINVAL;
	sc->dirty_bytes = v;
	if (v != old) {
		writeback_set_ratelimit(ms);
		sc->dirty_ratio = 0;
	}
	return 0;
}

int dirty_background_ratio_handler(struct mm_sys *ms, uint64_t v)
{
	if (v > 100)
		return -EINVAL;
	ms->sysctl.dirty_background_ratio = (int)v;
	ms->sysctl.dirty_background_bytes = 0;	/* on every write, changed or not */
	return 0;
}

int dirty_background_bytes_handler(struct mm_sys *ms, uint64_t v)
{
	if (v > ulong_max(ms))
		return -EINVAL;
	ms->sysctl.dirty_background_bytes = v;
	ms->sysctl.dirty_background_ratio = 0;
	return 0;
}

int highmem_is_dirtyable_handler(struct mm_sys *ms, uint64_t v)
{
	bool highmem = false;

	/* the sysctl exists with CONFIG_HIGHMEM only: an architecture with a HighMem zone */
	for (unsigned int zi = 0; zi < ms->arch->nr_zones; zi++)
		highmem |= ms->arch->zones[zi] == ZONE_HIGHMEM;
	if (!highmem || v > 1)
		return -EINVAL;
	ms->sysctl.highmem_is_dirtyable = (int)v;
	return 0;
}

/* ---- the flusher's background writeback (fs/fs-writeback.c) --------------------------- */

/* balance_dirty_pages counts the pages under writeback as dirty (include_writeback) */
static uint64_t global_dirty(struct mm_sys *ms)
{
	return global_pages(ms, NR_FILE_DIRTY) + global_pages(ms, NR_WRITEBACK);
}

/* wb_over_bg_thresh does not: it decides whether to put more under writeback */
static uint64_t global_dirty_bg(struct mm_sys *ms)
{
	return global_pages(ms, NR_FILE_DIRTY);
}

/* The dirty file whose dirtied_when is the oldest at or after from (the b_dirty order). */
struct oldest_arg {
	uint64_t from;
	struct address_space *found;
};

static int oldest_one(struct inode *inode, void *arg)
{
	struct oldest_arg *o = arg;
	struct address_space *mapping = inode->i_mapping;

	if (inode->i_shmem || !mapping->nr_dirty || mapping->dirtied_when < o->from)
		return 0;
	if (!o->found || mapping->dirtied_when < o->found->dirtied_when)
		o->found = mapping;
	return 0;
}

/*
 * Write back one file's dirty folios from its writeback_index on, wrapping once to the start
 * (range_cyclic, WB_SYNC_NONE: no fdatasync), until the machine's dirty pages are at or
 * below bg_thresh. A failed write is recorded in wb_error and ends this file's turn.
 */
static void writeback_inode_background(struct mm_sys *ms, struct address_space *mapping,
				       uint64_t bg_thresh)
{
	uint64_t start = mapping->writeback_index, index = start, end = UINT64_MAX;
	bool wrapped = false;
	struct page *folio;

	for (;;) {
		uint64_t next;

		folio = xa_find(&mapping->i_pages, &index, end, NULL, NULL);
		if (!folio) {
			if (wrapped || !start)
				return;
			wrapped = true;
			index = 0;
			end = start - 1;
			continue;
		}
		next = folio->index + folio_nr_pages(folio);
		/* WB_SYNC_NONE: a folio still under writeback is left for the next run */
		if (page_test(folio, PG_dirty) && !page_test(folio, PG_writeback)) {
			int ret = write_folio(mapping, folio);

			if (ret) {
				mapping->wb_error = ret;
				return;
			}
			mapping->writeback_index = next;
			if (global_dirty_bg(ms) <= bg_thresh)
				return;
		}
		if (!next || next > end)
			return;
		index = next;
	}
}

/*
 * The flusher's background work (wb_start_background_writeback -> wb_writeback with
 * for_background): while wb_over_bg_thresh, write back the dirty files, oldest dirtied
 * first, each from where its last writeback stopped. With one backing device the per-wb
 * test of wb_over_bg_thresh is the global one. Each file gets one turn per run.
 */
static void wb_background_writeback(struct mm_sys *ms)
{
	struct oldest_arg o = { 0, NULL };
	uint64_t bg, thresh;

	ms->wb.nr_background_runs++;
	global_dirty_limits(ms, &bg, &thresh);
	while (ms->fs && global_dirty_bg(ms) > bg) {
		o.found = NULL;
		fs_for_each_inode(ms->fs, oldest_one, &o);
		if (!o.found)
			break;
		o.from = o.found->dirtied_when + 1;	/* stamps are distinct: one turn each */
		writeback_inode_background(ms, o.found, bg);
		global_dirty_limits(ms, &bg, &thresh);
	}
}

/* ---- dirty throttling (balance_dirty_pages) ------------------------------------------- */

static uint64_t dirty_freerun_ceiling(uint64_t thresh, uint64_t bg_thresh)
{
	return (thresh + bg_thresh) / 2;
}

/* Pages a task may dirty before the next check: about sqrt(thresh - dirty) (a power of 2). */
static unsigned int dirty_poll_interval(uint64_t dirty, uint64_t thresh)
{
	if (thresh > dirty) {
		unsigned int ilog2 = 63u - (unsigned int)__builtin_clzll(thresh - dirty);

		return 1u << (ilog2 >> 1);
	}
	return 1;
}

/*
 * balance_dirty_pages for the global domain. At or below the freerun ceiling the task runs
 * free and learns when to look again (dirty_poll_interval). Above it Linux sleeps the task
 * for a time its rate controller computes while the flusher, woken at bg_thresh, writes;
 * the model has no clock, so the task pauses once (counted) and the flusher's background
 * writeback runs to completion meanwhile. wb->dirty_exceeded is set as Linux sets it, in
 * the throttled pass only (dirty above thresh). If writeback could not bring the count
 * down (write errors), the task goes on after its one pause, as Linux's does after a pause
 * with a nonzero rate.
 */
static void balance_dirty_pages(struct mm_sys *ms, struct task_struct *t)
{
	struct dirty_throttle_control dtc;
	bool paused = false;

	for (;;) {
		dtc.avail = global_dirtyable_memory(ms);
		dtc.dirty = global_dirty(ms);
		domain_dirty_limits(&ms->sysctl, ms->page_size, &dtc);
		/* (laptop_mode 0) the flusher is woken above bg_thresh: its work runs in a pause */
		if (paused || dtc.dirty <= dirty_freerun_ceiling(dtc.thresh, dtc.bg_thresh)) {
			t->nr_dirtied = 0;
			t->nr_dirtied_pause = dirty_poll_interval(dtc.dirty, dtc.thresh);
			return;
		}
		ms->wb.dirty_exceeded = dtc.dirty > dtc.thresh;
		wb_background_writeback(ms);
		blk_throttle(ms);	/* the pause: the device completes what is in flight */
		t->dirty_pauses++;
		ms->wb.nr_pauses++;
		paused = true;
	}
}

void balance_dirty_pages_ratelimited(struct address_space *mapping, struct task_struct *t,
				     uint64_t nr_dirtied)
{
	struct mm_sys *ms;
	unsigned int ratelimit, cpu = 0;
	int *p;

	/* shmem's backing device has no BDI_CAP_WRITEBACK; with no task there is no one to pause */
	if (!mapping || shmem_mapping(mapping) || !t)
		return;
	ms = mapping_ms(mapping);
	if (!ms->wb.ratelimit_pages)
		writeback_set_ratelimit(ms);	/* Linux: at boot (page_writeback_init) */
	if (t->mm && t->mm->pgd.cpu >= 0 && (unsigned int)t->mm->pgd.cpu < ms->nr_cpus)
		cpu = (unsigned int)t->mm->pgd.cpu;
	p = &ms->wb.bdp_ratelimits[cpu];
	/* folio_account_dirtied's current->nr_dirtied and this CPU's bdp_ratelimits */
	t->nr_dirtied += (unsigned int)nr_dirtied;
	*p += (int)nr_dirtied;
	if (!t->nr_dirtied_pause)
		t->nr_dirtied_pause = dirty_poll_thresh(ms);
	ratelimit = t->nr_dirtied_pause;
	if (ms->wb.dirty_exceeded && ratelimit > (32u >> (ms->page_shift - 10)))
		ratelimit = 32u >> (ms->page_shift - 10);
	/* a CPU that dirtied ratelimit_pages since its last check checks now, whoever dirtied */
	if (t->nr_dirtied >= ratelimit)
		*p = 0;
	else if (*p >= ms->wb.ratelimit_pages) {
		*p = 0;
		ratelimit = 0;
	}
	if (t->nr_dirtied >= ratelimit)
		balance_dirty_pages(ms, t);
}

int dirty_throttle_validate(struct mm_sys *ms, struct mmsim_error *err)
{
	const struct vm_sysctl *sc = &ms->sysctl;

	_Static_assert(sizeof(ms->wb.bdp_ratelimits) / sizeof(ms->wb.bdp_ratelimits[0]) ==
		       MAX_CPUS, "one bdp_ratelimits per possible CPU");
	if (ms->wb.ratelimit_pages != 0 && ms->wb.ratelimit_pages < 16)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "ratelimit_pages %ld below 16",
			       ms->wb.ratelimit_pages);
	if (sc->dirty_ratio < 0 || sc->dirty_ratio > 100 || sc->dirty_background_ratio < 0 ||
	    sc->dirty_background_ratio > 100)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "dirty ratios %d/%d outside 0-100",
			       sc->dirty_ratio, sc->dirty_background_ratio);
	if (sc->dirty_bytes && sc->dirty_bytes < 2 * ms->page_size)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "dirty_bytes %llu below 2 pages",
			       (unsigned long long)sc->dirty_bytes);
	for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++)
		if (ms->wb.bdp_ratelimits[cpu] < 0 ||
		    (cpu >= ms->nr_cpus && ms->wb.bdp_ratelimits[cpu]))
			return err_set(err, -EUCLEAN, NULL, 0, 0, "bdp_ratelimits[%u] = %d", cpu,
				       ms->wb.bdp_ratelimits[cpu]);
	return 0;
}

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
 * Leaves out: dirty throttling (balance_dirty_pages), the flusher threads and dirty expiry
 * (writeback happens at msync/fsync/sync/munmap/exit/teardown only), PG_writeback in flight
 * (writes complete at once), mapping error sequences (errseq_t).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/fs.h"
#include "mm/folio.h"
#include "mm/memory.h"
#include "mm/mmzone.h"
#include "mm/page_alloc.h"
#include "mm/pagemap.h"
#include "mm/rmap.h"

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

void folio_mark_dirty(struct page *folio)
{
	struct address_space *mapping;

	folio = page_folio(folio);
	if (page_test(folio, PG_dirty))
		return;
	page_set(folio, PG_dirty);
	mapping = accounted_mapping(folio);
	if (!mapping)
		return;
	/* folio_account_dirtied */
	account_dirty(folio, mapping, (int64_t)folio_nr_pages(folio));
	mod_node_page_state(mapping_ms(mapping)->node_data[page_nid(folio)], NR_DIRTIED,
			    (int64_t)folio_nr_pages(folio));
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
	mod_node_page_state(ms->node_data[page_nid(folio)], NR_WRITTEN,
			    (int64_t)folio_nr_pages(folio));
	count_vm_events(ms, PGPGOUT, pages * (ps >> 10));
	return 0;
}

int filemap_write_and_wait_range(struct address_space *mapping, uint64_t lstart, uint64_t lend)
{
	struct mm_sys *ms = mapping_ms(mapping);
	uint64_t index = lstart >> ms->page_shift, end = lend >> ms->page_shift;
	struct page *folio;
	int err = 0;

	if (shmem_mapping(mapping) || !mapping->nr_dirty || lend < lstart)
		return 0;
	while ((folio = xa_find(&mapping->i_pages, &index, end, NULL, NULL)) != NULL) {
		uint64_t next = folio->index + folio_nr_pages(folio);

		if (page_test(folio, PG_dirty)) {
			int ret = write_folio(mapping, folio);

			if (ret && !err)
				err = ret;	/* go on with the others, report the first error */
		}
		if (!next)
			break;
		index = next;
	}
	mapping->wb_error = err;
	if (!err && mapping->wb_fd >= 0 && ms->file_writes == FILE_WRITES_REAL &&
	    fdatasync(mapping->wb_fd))
		err = -errno;
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

/*
 * The page cache (Linux 6.18: include/linux/pagemap.h, mm/filemap.c, mm/readahead.c,
 * mm/page-writeback.c, mm/shmem.c).
 *
 * Every inode (fs/fs.h) has one address_space: an index from page offset to folio (an
 * xarray of 64-way nodes from the slab cache "radix_tree_node", as lib/xarray.c), the
 * folios holding the file's bytes, and the list of VMAs that map the file (i_mmap, for
 * rmap). A folio in the cache covers folio_nr_pages(f) consecutive offsets starting at a
 * multiple of its size; each of those offsets leads to it.
 *
 *   file   |0      |1      |2      |3      |4 ...          |8 ...
 *   index  [folio A (order 2), 4 pages     ][folio B, order 3 ...
 *
 * A page-cache folio: mapping = its address_space, index = its first offset, PG_uptodate
 * once its bytes were read, PG_dirty when written through a shared mapping (or write(2))
 * and not yet written back; refcount = folio_nr_pages (the cache's references) + one per
 * mapping + temporary ones. Shmem folios (MAP_SHARED|MAP_ANONYMOUS) are PG_swapbacked and
 * start zeroed; they have no file behind them.
 *
 * Writes never reach the user's files unless asked: writeback goes to a copy of the file in
 * a scratch directory (file_writes = copy, the default) or to the file itself (real).
 *
 * Invariants (mapping_validate; the machine-wide sums in fs_validate):
 *  - the xarray passes xa_validate; nrpages == sum of folio_nr_pages over the distinct
 *    folios in the index; every folio is reachable from each offset it covers and from no
 *    other (its xarray order is its folio order);
 *  - every folio has mapping == this address_space, index == its first offset, is not
 *    PG_anon, is PG_uptodate, is PG_swapbacked exactly for shmem, refcount >=
 *    folio_nr_pages + folio_mapcount;
 *  - nr_dirty == pages of PG_dirty folios (host files only: shmem dirtiness is not counted);
 *  - NR_FILE_PAGES == sum of nrpages over every address_space (shmem included) plus the
 *    swap cache's NR_SWAPCACHE, NR_SHMEM
 *    == the shmem part, NR_FILE_DIRTY == sum of nr_dirty;
 *  - every VMA on i_mmap has vm_file->f_inode == host; i_mmap_writable == those of them that
 *    are VM_SHARED | VM_MAYWRITE.
 *
 * Measurements, rules and what is left out: docs/page-cache.md.
 */
#ifndef MMSIM_MM_PAGEMAP_H
#define MMSIM_MM_PAGEMAP_H
#include <stdint.h>
#include <stdbool.h>
#include "mm/mm_types.h"
#include "mm/memory.h"
#include "mm/writeback.h"
#include "mm/xarray.h"
#include "util/list.h"

struct inode;
struct file;
struct mmsim_error;
struct mm_sys;

struct address_space {
	struct inode *host;
	struct xarray i_pages;		/* page offset -> folio */
	uint64_t nrpages;		/* pages (not folios) in the cache */
	struct list_head i_mmap;	/* vm_area_struct.shared of every VMA mapping host */
	int i_mmap_writable;		/* VM_SHARED VMAs that may write (mapping_map_writable) */
	unsigned int min_order, max_order; /* folio orders this mapping accepts
					   (mapping_set_large_folios: 0 .. MAX_PAGECACHE_ORDER) */
	uint64_t nr_dirty;		/* dirty pages */
	/* writeback target (page-writeback.c): -1 until the first writeback of the file */
	int wb_fd;			/* the scratch copy (copy mode) or the file opened O_RDWR */
	bool wb_copy;			/* wb_fd is a copy: pages not cached are read from it */
	char *wb_path;			/* the copy's host path (malloc'd), removed at teardown */
	int wb_error;			/* -errno of the last failed writeback, 0 */
	/* the flusher (page-writeback.c): when the file last went clean -> dirty, as the
	   machine's NR_DIRTIED count then (a clock that only dirtying moves: inode->dirtied_when),
	   and where its background writeback goes on (mapping->writeback_index, range_cyclic) */
	uint64_t dirtied_when;
	uint64_t writeback_index;
};

/*
 * Readahead state of one open file (struct file_ra_state).
 *   start, size, async_size: the current window; when the page at start + size - async_size
 *   is first touched (PG_readahead), the next window is read asynchronously.
 */
struct file_ra_state {
	uint64_t start;
	unsigned int size;
	unsigned int async_size;
	unsigned int ra_pages;		/* maximum window (bdi read_ahead_kb / page size) */
	unsigned int order;		/* folio order of the last window (page_cache_ra_order) */
	unsigned int mmap_miss;		/* faults that found no page (MMAP_LOTSAMISS = 100) */
	int64_t prev_pos;		/* last byte read by read(2), -1 at open */
};

/* Where writeback of dirty file pages goes (machine option file_writes=). */
enum file_writes_mode { FILE_WRITES_COPY, FILE_WRITES_REAL };

#define MMAP_LOTSAMISS 100	/* mm/filemap.c: stop read-around after this many misses */

/*
 * One readahead request (struct readahead_control, include/linux/pagemap.h): the pages
 * [index, index + nr_pages) being added; file may be NULL (shmem, kernel reads).
 */
struct readahead_control {
	struct file *file;
	struct address_space *mapping;
	struct file_ra_state *ra;
	uint64_t index;			/* readahead_index: next page to add */
	unsigned int nr_pages;		/* pages added by this request */
	int cpu;			/* whose pcp lists the folios come from */
	int err;			/* first error (-ENOMEM, -EIO ...) met, 0 */
};

/* ---- set-up -------------------------------------------------------------------------- */

/*
 * Create the slab cache "radix_tree_node" (radix_tree_init) unless it exists; fs_init calls
 * it (boot may call it earlier, where Linux's start_kernel does). -ENOMEM.
 */
int page_cache_init(struct mm_sys *ms);
/* Destroy it (after every mapping was emptied). */
void page_cache_exit(struct mm_sys *ms);
/* An empty mapping for host (inode_init_always: address_space_init_once). */
void address_space_init(struct address_space *mapping, struct inode *host, struct mm_sys *ms);
/* The readahead state of a new open (file_ra_state_init): bdi ra_pages, prev_pos -1. */
void file_ra_state_init(struct file_ra_state *ra, struct address_space *mapping);
/* The machine of a mapping. */
struct mm_sys *mapping_ms(const struct address_space *mapping);
/* Is it the mapping of a shmem inode (shmem_mapping)? */
bool shmem_mapping(const struct address_space *mapping);
/* Largest folio order of the page cache on this machine (MAX_PAGECACHE_ORDER). */
unsigned int max_pagecache_order(const struct mm_sys *ms);

/* ---- the cache itself ---------------------------------------------------------------- */

/*
 * Insert folio (order k, index a multiple of 2^k, uptodate or not) at index
 * (filemap_add_folio): mapping, index set, the cache takes folio_nr_pages references,
 * NR_FILE_PAGES (+ NR_SHMEM for a shmem mapping) counted. -EEXIST (some page of the range is
 * cached), -ENOMEM (an xarray node could not be had): nothing changed.
 */
int filemap_add_folio(struct address_space *mapping, struct page *folio, uint64_t index);
/*
 * Take folio out of its mapping (filemap_remove_folio + the cache's references): counters
 * undone (dirty too), folio freed when nothing else holds it. cpu: whose pcp lists.
 */
void filemap_remove_folio(struct page *folio, int cpu);
/*
 * A new folio of the mapping's kind (filemap_alloc_folio): order > 0 with __GFP_COMP and the
 * large-folio counters set; GFP_HIGHUSER_MOVABLE. NULL with *err = -ENOMEM.
 */
struct page *filemap_alloc_folio(struct address_space *mapping, int cpu, unsigned int order,
				 int *err);
/*
 * Fill folio with the file's bytes at its index (the read_folio of a host file: pread of
 * the host file, or of the writeback copy; zeros past EOF) and mark it uptodate; pgpgin
 * counts the pages inside the file, in KiB. 0 or -errno of the host read.
 */
int filemap_read_folio(struct address_space *mapping, struct page *folio, uint64_t index);
/* Pages of [index, index + max) from index on that are cached: the first index not cached
   (page_cache_next_miss), or index + max. */
uint64_t page_cache_next_miss(struct address_space *mapping, uint64_t index, uint64_t max);
/* The last index in (index - max, index] not cached (page_cache_prev_miss), or index - max
   (UINT64_MAX when that goes below 0). */
uint64_t page_cache_prev_miss(struct address_space *mapping, uint64_t index, uint64_t max);
/* The host descriptor the file's bytes are read from: the copy after a copy-mode writeback,
   else the file itself (-1 for shmem). */
int mapping_read_fd(const struct address_space *mapping);
/* The page (of its folio) at page offset index, or NULL (filemap_get_page). */
struct page *find_get_page(struct address_space *mapping, uint64_t index);

/* ---- lookups ----------------------------------------------------------------------------- */

/*
 * The folio covering page offset index, or NULL (filemap_get_folio without FGP_CREAT). No
 * reference is taken: the caller takes one (folio_get) to keep it.
 */
struct page *filemap_get_folio(struct address_space *mapping, uint64_t index);

/* ---- faults (called by mm/memory.c) ------------------------------------------------------- */

/*
 * vm_ops->fault of a file mapping (filemap_fault): find the page at vmf->pgoff, reading it
 * (and its readahead window) from the file when it is not cached, in which case the fault is
 * major (VM_FAULT_MAJOR). On success vmf->page is the page, with one reference taken on its
 * folio for the caller. VM_FAULT_SIGBUS when pgoff lies at or beyond the end of the file,
 * VM_FAULT_OOM (nothing cached changed), VM_FAULT_SIGBUS on a host read error.
 */
vm_fault_t filemap_fault(struct vm_fault *vmf);

/*
 * vm_ops->map_pages (filemap_map_pages): fault-around. Map every page of
 * [start_pgoff, end_pgoff] (inclusive, inside the VMA and one page table) that is cached,
 * uptodate, not PG_readahead, inside i_size and whose PTE is empty, read-only, young, with
 * set_pte_range (memory.h): one folio reference per page mapped, MM_FILEPAGES or
 * MM_SHMEMPAGES counted. Returns VM_FAULT_NOPAGE when vmf->address got mapped, else 0
 * (the caller then calls ->fault).
 */
vm_fault_t filemap_map_pages(struct vm_fault *vmf, uint64_t start_pgoff, uint64_t end_pgoff);

/*
 * vm_ops->fault of a shmem mapping (shmem_fault): the page, allocated zeroed on first use
 * (order 0: shmem_enabled=never on the reference machine), PG_swapbacked and uptodate,
 * NR_SHMEM and NR_FILE_PAGES counted, one reference for the caller in vmf->page. Never a
 * major fault. VM_FAULT_SIGBUS beyond i_size, VM_FAULT_OOM (nothing changed).
 */
vm_fault_t shmem_fault(struct vm_fault *vmf);
/*
 * The shmem folio at index, allocated zeroed when absent and create is set (shmem_get_folio
 * with SGP_CACHE / SGP_READ). NULL with *err: -ENOMEM, -EINVAL beyond i_size, -ENOENT when
 * absent and !create.
 */
struct page *shmem_get_folio(struct inode *inode, uint64_t index, bool create, int cpu, int *err);

/*
 * vm_ops->page_mkwrite of a file mapping (filemap_page_mkwrite): the page about to be
 * written through a shared mapping is marked dirty. Returns 0.
 */
vm_fault_t filemap_page_mkwrite(struct vm_fault *vmf);

/*
 * The folio is about to be written through a shared mapping (vm_ops->page_mkwrite,
 * filemap_page_mkwrite) or was written: mark it dirty (folio_mark_dirty), counting
 * NR_FILE_DIRTY, NR_ZONE_WRITE_PENDING and NR_DIRTIED once per clean -> dirty change.
 * True when it was clean (for a shmem folio too, whose dirtiness is not counted).
 */
bool folio_mark_dirty(struct page *folio);
/* Clear PG_dirty and undo its counts (folio_clear_dirty_for_io's accounting); true if it was. */
bool folio_clear_dirty_for_io(struct page *folio);

/* ---- read(2), readahead, writeback -------------------------------------------------------- */

/*
 * read(2) of len bytes at pos through the cache (filemap_read): brings the pages in with
 * Linux's read-path readahead (page_cache_sync_ra / async) and copies into buf (may be NULL:
 * only the caching effect). Bytes read (short at EOF) or -errno.
 */
int64_t filemap_read(struct file *file, uint64_t pos, uint64_t len, void *buf);

/*
 * Put the whole file in the cache as `cat FILE > /dev/null` does (coreutils 9:
 * posix_fadvise(POSIX_FADV_SEQUENTIAL), then read(2) of 128 KiB until EOF, on a fresh open):
 * the folio sizes are those of the reference kernel for that pattern. Bytes read or -errno.
 */
int64_t page_cache_cat(struct file *file);

/*
 * Give mmsim's cache the pages of this file that the host's page cache holds right now
 * (mincore of a host mapping), in the host's folio sizes when /proc/kpageflags can be read
 * (root), else as order-0 folios; their bytes are read from the file. For comparing a run
 * with the host's own run of the same program (mmsim validate --faults), where the files
 * were cached before the program started. Pages mmsim caches already are kept. 0 or -errno
 * (-EOPNOTSUPP when the machine's page size is not the host's).
 */
int filemap_mirror_host_cache(struct file *file);

/* posix_fadvise (generic_fadvise): NORMAL, RANDOM, SEQUENTIAL, WILLNEED, DONTNEED. */
#define MMSIM_FADV_NORMAL	0
#define MMSIM_FADV_RANDOM	1
#define MMSIM_FADV_SEQUENTIAL	2
#define MMSIM_FADV_WILLNEED	3
#define MMSIM_FADV_DONTNEED	4
int generic_fadvise(struct file *file, uint64_t offset, uint64_t len, int advice);

/* ---- readahead (mm/readahead.c) ------------------------------------------------------------ */

/* A miss at ractl->index with req_count pages wanted (page_cache_sync_ra). */
void page_cache_sync_ra(struct readahead_control *ractl, unsigned long req_count);
/* folio, at ractl->index, had PG_readahead: read the next window (page_cache_async_ra). */
void page_cache_async_ra(struct readahead_control *ractl, struct page *folio,
			 unsigned long req_count);
/* Read ra's window from ractl->index in folios of order up to ra->order (page_cache_ra_order). */
void page_cache_ra_order(struct readahead_control *ractl, struct file_ra_state *ra);
/* Read nr_to_read pages from ractl->index, order 0, in 2 MiB chunks (force_page_cache_ra). */
void force_page_cache_ra(struct readahead_control *ractl, unsigned long nr_to_read);
/* The bdi's ra_pages of a mapping: read_ahead_kb in pages (0 for shmem). */
unsigned int mapping_ra_pages(const struct address_space *mapping);

/*
 * Write back the dirty folios of [lstart, lend] (byte offsets, inclusive; lend = UINT64_MAX
 * for the whole file) to the copy or the real file (filemap_write_and_wait_range), and wait
 * for the writeback of every folio of the range (one dirtied again while under writeback is
 * waited for, then written). 0 or -errno of the host write (the folios stay dirty).
 */
int filemap_write_and_wait_range(struct address_space *mapping, uint64_t lstart, uint64_t lend);
/*
 * filemap_flush: start writeback of every dirty folio of the file that is not under
 * writeback already, without waiting (WB_SYNC_NONE; the flushers' pass). 0 or the first
 * -errno (those folios stay dirty; wb_error records it).
 */
int filemap_flush(struct address_space *mapping);

/* Write back every dirty page of the machine (sync(2); exit, end of run, SIGINT/SIGTERM). */
int sync_all_mappings(struct mm_sys *ms);

/*
 * Close the writeback files of mapping and, in copy mode, remove its scratch copy
 * (inode eviction). The scratch directory itself goes at page_writeback_teardown.
 */
void mapping_writeback_release(struct address_space *mapping);
/* Remove the scratch directory mmsim created (if it did) and forget it. */
void page_writeback_teardown(struct mm_sys *ms);

/*
 * Drop every folio of the mapping (truncate_inode_pages_final when the inode goes): the cache
 * references are dropped, mapped folios are a caller's bug (-EBUSY, nothing changed).
 */
int truncate_inode_pages_final(struct address_space *mapping);

/* ---- i_mmap: the VMAs of a file (rmap for file folios) ------------------------------------ */

void vma_interval_tree_insert(struct vm_area_struct *vma, struct address_space *mapping);
void vma_interval_tree_remove(struct vm_area_struct *vma, struct address_space *mapping);

/* Does any VMA map the mapping with VM_SHARED and the right to write (mapping_writably_mapped)? */
static inline bool mapping_writably_mapped(const struct address_space *mapping)
{
	return mapping->i_mmap_writable > 0;
}

int mapping_validate(struct address_space *mapping, struct mmsim_error *err);
#endif

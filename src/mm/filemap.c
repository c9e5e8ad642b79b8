/*
 * The page cache (Linux 6.18 mm/filemap.c: filemap_add_folio, filemap_remove_folio,
 * filemap_get_folio, page_cache_next_miss / prev_miss, filemap_read / filemap_get_pages,
 * filemap_fault, do_sync_mmap_readahead, do_async_mmap_readahead, filemap_map_pages,
 * filemap_map_folio_range, filemap_map_order0_folio, next_uptodate_folio,
 * filemap_page_mkwrite; mm/truncate.c truncate_inode_pages_final; mm/fadvise.c
 * generic_fadvise; mm/interval_tree.c vma_interval_tree_insert / remove).
 *
 * A host file's folios are read from the file (or from its writeback copy) the moment they
 * enter the cache, in the sizes readahead chose (mm/readahead.c); the cache holds
 * folio_nr_pages references on each. A fault whose page was not cached is major.
 *
 * Fault protocol (as Linux with per-VMA locks, arch/x86/mm/fault.c): when filemap_fault had
 * to read from the file (or started an asynchronous readahead), it "drops the mmap lock"
 * and returns VM_FAULT_RETRY (| VM_FAULT_MAJOR when the page was not cached), provided
 * vmf->flags has FAULT_FLAG_ALLOW_RETRY and not FAULT_FLAG_TRIED. The caller does not count
 * that attempt and faults again, with FAULT_FLAG_TRIED when the first one was major; the
 * second attempt's fault-around then finds the pages readahead brought in and maps them,
 * which is what the reference host shows (a cold first touch maps fault_around_bytes of
 * pages, 16 with 64 KiB). Without FAULT_FLAG_ALLOW_RETRY the page is returned at once.
 *
 * Measured on the reference host (tests/oracle/probes/pagecache_probe.c, 16 MiB ext4 file,
 * read_ahead_kb 8192, ra_pages 2048), what the code below reproduces:
 *   - first touch of page P of an uncached private mapping: 1 major fault, the read-around
 *     window [P - 1024, P + 1024) cached in order-0 folios, PTEs of the 16-page aligned
 *     block around P;
 *   - MADV_SEQUENTIAL: [P, P + 2048) cached (no readahead mark); MADV_RANDOM: only P;
 *     MADV_HUGEPAGE: two order-9 folios from P rounded down to 512, P's mapped by a PMD;
 *     PROT_EXEC: [P, P + 2048) in order-0 folios, no readahead mark;
 *   - fault-around maps a whole large folio when it lies inside the VMA and one page table
 *     and ends before the page holding EOF (the last folio of a file is mapped only where
 *     the 16-page window covers it: 6.18's file_end >= folio_next_index test);
 *   - touching every page of a file cat(1) put in the cache: one fault per 16-page window
 *     or per large folio (20 faults for the 16 MiB file read with 4 KiB reads).
 *
 * LRU and workingset (mm/swap.c, mm/workingset.c): a folio joins the LRU when it enters the
 * cache (filemap_add_folio), activated at once when its shadow entry says it was evicted
 * only recently; read(2) marks folios accessed (folio_mark_accessed). A folio kept across an
 * allocation of a user page is held by a reference (reclaim may run there: mm/vmscan.h).
 *
 * Leaves out: locks and I/O in flight (reads
 * complete at once), hwpoison, DAX, userfaultfd, write(2) into the cache, the PMD mapping of
 * a PMD-sized folio by fault-around (filemap_map_pmd: the folio is mapped with PTEs here;
 * the fault count is the same), truncation to a non-zero size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "block/blkdev.h"
#include "fs/fs.h"
#include "mm/folio.h"
#include "mm/memory.h"
#include "mm/mmzone.h"
#include "mm/page_alloc.h"
#include "mm/pagemap.h"
#include "mm/slab.h"
#include "mm/vmscan.h"
#include "mm/oom.h"
#include "mm/policy_reclaim.h"
#include "mm/workingset.h"
#include "util/error.h"

#define RADIX_TREE_NODE_SIZE 584	/* /proc/slabinfo objsize of the reference host */
#define MAX_XAS_ORDER (XA_CHUNK_SHIFT * 2 - 1)

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* ---- set-up --------------------------------------------------------------------------- */

int page_cache_init(struct mm_sys *ms)
{
	if (ms->radix_tree_node_cachep)
		return 0;	/* boot made it already (Linux: start_kernel's radix_tree_init) */
	/* lib/radix-tree.c radix_tree_init: SLAB_PANIC | SLAB_RECLAIM_ACCOUNT */
	return kmem_cache_create(ms, "radix_tree_node", RADIX_TREE_NODE_SIZE, 0,
				 SLAB_RECLAIM_ACCOUNT, &ms->radix_tree_node_cachep);
}

void page_cache_exit(struct mm_sys *ms)
{
	if (ms->radix_tree_node_cachep && !kmem_cache_destroy(ms, ms->radix_tree_node_cachep))
		ms->radix_tree_node_cachep = NULL;
}

struct mm_sys *mapping_ms(const struct address_space *mapping)
{
	return mapping->i_pages.ms;
}

bool shmem_mapping(const struct address_space *mapping)
{
	return mapping->host && mapping->host->i_shmem;
}

/*
 * MAX_PAGECACHE_ORDER = min(MAX_XAS_ORDER, PREFERRED_MAX_PAGECACHE_ORDER = HPAGE_PMD_ORDER),
 * and no more than the buddy allocator hands out; the pageblock order is the PMD order of
 * the machine's base page size (9 with 4 KiB pages).
 */
unsigned int max_pagecache_order(const struct mm_sys *ms)
{
	unsigned int o = ms->pageblock_order;

	if (o > MAX_XAS_ORDER)
		o = MAX_XAS_ORDER;
	return o < ms->max_order ? o : ms->max_order;
}

void address_space_init(struct address_space *mapping, struct inode *host, struct mm_sys *ms)
{
	memset(mapping, 0, sizeof(*mapping));
	mapping->host = host;
	xa_init(&mapping->i_pages, ms);
	INIT_LIST_HEAD(&mapping->i_mmap);
	/*
	 * ext4 regular files take large folios (6.16+); shmem with shmem_enabled=never
	 * allocates order 0 only; a research policy deciding reclaim counts frames, so it
	 * has base pages only (policy_reclaim.h).
	 */
	mapping->max_order = (host && host->i_shmem) || ms->rpolicy ? 0 : max_pagecache_order(ms);
	mapping->wb_fd = -1;
}

void file_ra_state_init(struct file_ra_state *ra, struct address_space *mapping)
{
	memset(ra, 0, sizeof(*ra));
	ra->ra_pages = mapping_ra_pages(mapping);
	ra->prev_pos = -1;
}

int mapping_read_fd(const struct address_space *mapping)
{
	if (mapping->wb_copy && mapping->wb_fd >= 0)
		return mapping->wb_fd;
	return mapping->host->host_fd;
}

/* ---- the cache ------------------------------------------------------------------------ */

static pg_data_t *folio_pgdat(struct mm_sys *ms, const struct page *folio)
{
	return ms->node_data[page_nid(folio)];
}

struct page *filemap_alloc_folio(struct address_space *mapping, int cpu, unsigned int order,
				 int *err)
{
	struct mm_sys *ms = mapping_ms(mapping);
	gfp_t gfp = MMSIM_GFP_HIGHUSER_MOVABLE | (order ? MMSIM_GFP_COMP : 0);
	struct page *folio = alloc_pages(ms, cpu, gfp, order, err);

	if (folio)
		folio_prep_large_counts(folio);
	return folio;
}

int filemap_add_folio(struct address_space *mapping, struct page *folio, uint64_t index)
{
	struct mm_sys *ms = mapping_ms(mapping);
	uint64_t nr = folio_nr_pages(folio);
	int ret = xa_store_order(&mapping->i_pages, index, folio_order(folio), folio);

	if (ret)
		return ret;
	folio->mapping = mapping;
	folio->index = index;
	folio_ref_add(folio, (int)nr);
	mapping->nrpages += nr;
	mod_node_page_state(folio_pgdat(ms, folio), NR_FILE_PAGES, (int64_t)nr);
	if (shmem_mapping(mapping))
		mod_node_page_state(folio_pgdat(ms, folio), NR_SHMEM, (int64_t)nr);
	/*
	 * A folio evicted only recently is activated like any folio used twice
	 * (workingset_refault); then it joins the LRU (folio_add_lru).
	 */
	void *shadow = workingset_take_shadow(mapping, index, nr);

	if (shadow)
		workingset_refault(ms, folio, shadow);
	folio_add_lru(ms, folio);
	return 0;
}

void filemap_remove_folio(struct page *folio, int cpu)
{
	struct address_space *mapping = folio->mapping;
	struct mm_sys *ms = mapping_ms(mapping);
	uint64_t nr = folio_nr_pages(folio);

	/* folio_account_cleaned: a dirty folio thrown away is no longer dirty */
	folio_clear_dirty_for_io(folio);
	xa_erase(&mapping->i_pages, folio->index);
	mapping->nrpages -= nr;
	mod_node_page_state(folio_pgdat(ms, folio), NR_FILE_PAGES, -(int64_t)nr);
	if (shmem_mapping(mapping))
		mod_node_page_state(folio_pgdat(ms, folio), NR_SHMEM, -(int64_t)nr);
	folio->mapping = NULL;
	page_clear(folio, PG_readahead);
	folio_put_refs(ms, cpu, folio, (int)nr);
}

int filemap_read_folio(struct address_space *mapping, struct page *folio, uint64_t index)
{
	struct mm_sys *ms = mapping_ms(mapping);
	uint64_t ps = ms->page_size, size = mapping->host->i_size, pages_in = 0;
	int fd = mapping_read_fd(mapping);

	for (uint64_t i = 0; i < folio_nr_pages(folio); i++) {
		char *dst = page_address(ms, folio_page(folio, i));
		uint64_t off = (index + i) << ms->page_shift, done = 0;
		uint64_t want = off >= size ? 0 : min_u64(ps, size - off);

		while (done < want) {
			ssize_t n = pread(fd, dst + done, want - done, (off_t)(off + done));

			if (n < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			if (n == 0)
				break;		/* the host file shrank: the rest reads as zeros */
			done += (uint64_t)n;
		}
		memset(dst + done, 0, ps - done);	/* past EOF */
		pages_in += want != 0;
	}
	page_set(folio, PG_uptodate);
	/* submit_bio counts sectors, /proc/vmstat shows KiB: whole blocks of the file */
	count_vm_events(ms, PGPGIN, pages_in * (ps >> 10));
	return 0;
}

struct page *filemap_get_folio(struct address_space *mapping, uint64_t index)
{
	return xa_load(&mapping->i_pages, index);
}

struct page *find_get_page(struct address_space *mapping, uint64_t index)
{
	struct page *folio = xa_load(&mapping->i_pages, index);

	return folio ? folio_page(folio, index - folio->index) : NULL;
}

uint64_t page_cache_next_miss(struct address_space *mapping, uint64_t index, uint64_t max)
{
	for (uint64_t i = 0, idx = index; i < max; i++, idx++) {
		if (!xa_load(&mapping->i_pages, idx))
			return idx;
		if (idx == UINT64_MAX)
			return 0;	/* wrapped */
	}
	return index + max;
}

uint64_t page_cache_prev_miss(struct address_space *mapping, uint64_t index, uint64_t max)
{
	/* xas_prev from a fresh state loads index itself, then steps down */
	uint64_t idx = index;

	for (uint64_t i = 0; i < max; i++) {
		if (i)
			idx--;
		if (!xa_load(&mapping->i_pages, idx) || idx == UINT64_MAX)
			break;
	}
	return idx;
}

/* ---- the fault path ------------------------------------------------------------------- */

static int fault_cpu(const struct vm_fault *vmf)
{
	return vmf->vma->vm_mm->pgd.cpu;
}

/*
 * maybe_unlock_mmap_for_io: the fault may drop its lock for I/O (and must then be retried)
 * only on a first attempt that allows retrying.
 */
static bool may_drop_lock(const struct vm_fault *vmf)
{
	return (vmf->flags & FAULT_FLAG_ALLOW_RETRY) && !(vmf->flags & FAULT_FLAG_TRIED);
}

static struct readahead_control fault_ractl(struct vm_fault *vmf)
{
	struct file *file = vmf->vma->vm_file;

	return (struct readahead_control){
		.file = file, .mapping = file->f_mapping, .ra = &file->f_ra,
		.index = vmf->pgoff, .cpu = fault_cpu(vmf),
	};
}

/*
 * do_sync_mmap_readahead: the page at vmf->pgoff is not cached; read it and its neighbours
 * as the VMA's advice says. Returns whether the "mmap lock was dropped" for the I/O.
 */
static bool do_sync_mmap_readahead(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct file *file = vma->vm_file;
	struct file_ra_state *ra = &file->f_ra;
	struct mm_sys *ms = vma->vm_mm->ms;
	struct readahead_control ractl = fault_ractl(vmf);
	vm_flags_t vm_flags = vma->vm_flags;
	unsigned int pmd_order = max_pagecache_order(ms);
	bool dropped = false;

	/* CONFIG_TRANSPARENT_HUGEPAGE: MADV_HUGEPAGE reads PMD-sized folios, even with ra off */
	if ((vm_flags & VM_HUGEPAGE) && pmd_order == ms->pageblock_order &&
	    file->f_mapping->max_order >= pmd_order) {
		uint64_t nr = 1ull << pmd_order;

		dropped = may_drop_lock(vmf);
		ractl.index &= ~(nr - 1);
		ra->size = (unsigned int)nr;
		/* fetch two PMD folios, so readahead gets its chance, unless told not to */
		if (!(vm_flags & VM_RAND_READ))
			ra->size *= 2;
		ra->async_size = (unsigned int)nr;
		ra->order = pmd_order;
		page_cache_ra_order(&ractl, ra);
		return dropped;
	}
	/* no readahead wanted; VM_EXEC below is meant for random access already */
	if ((vm_flags & (VM_RAND_READ | VM_EXEC)) == VM_RAND_READ)
		return false;
	if (!ra->ra_pages)
		return false;
	if (vm_flags & VM_SEQ_READ) {
		dropped = may_drop_lock(vmf);
		page_cache_sync_ra(&ractl, ra->ra_pages);
		return dropped;
	}
	if (ra->mmap_miss < MMAP_LOTSAMISS * 10)
		ra->mmap_miss++;
	/* missing much more than hitting in this file: readahead would only hurt */
	if (ra->mmap_miss > MMAP_LOTSAMISS)
		return false;
	if (vm_flags & VM_EXEC) {
		/*
		 * exec_folio_order() is 0 on x86 (arm64 asks for 64 KiB); the window starts at
		 * the fault, is clipped to the VMA and has no async part.
		 */
		unsigned int order = 0;
		uint64_t start = vma->vm_pgoff;
		uint64_t end = start + ((vma->vm_end - vma->vm_start) >> ms->page_shift);
		uint64_t ra_end;

		ra->order = order;
		ra->start = max_u64(vmf->pgoff & ~((1ull << order) - 1), start);
		ra_end = (ra->start + ra->ra_pages + (1ull << order) - 1) & ~((1ull << order) - 1);
		ra_end = min_u64(ra_end, end);
		ra->size = (unsigned int)(ra_end - ra->start);
		ra->async_size = 0;
	} else {
		/* mmap read-around: ra_pages centred on the fault */
		ra->start = vmf->pgoff > ra->ra_pages / 2 ? vmf->pgoff - ra->ra_pages / 2 : 0;
		ra->size = ra->ra_pages;
		ra->async_size = ra->ra_pages / 4;
		ra->order = 0;
	}
	dropped = may_drop_lock(vmf);
	ractl.index = ra->start;
	if (ra->size)
		page_cache_ra_order(&ractl, ra);
	return dropped;
}

/* do_async_mmap_readahead: a cached page was hit; PG_readahead on it reads the next window. */
static bool do_async_mmap_readahead(struct vm_fault *vmf, struct page *folio)
{
	struct file *file = vmf->vma->vm_file;
	struct file_ra_state *ra = &file->f_ra;
	struct readahead_control ractl = fault_ractl(vmf);
	bool dropped = false;

	if ((vmf->vma->vm_flags & VM_RAND_READ) || !ra->ra_pages)
		return false;
	if (ra->mmap_miss)
		ra->mmap_miss--;
	if (page_test(folio, PG_readahead)) {
		dropped = may_drop_lock(vmf);
		page_cache_async_ra(&ractl, folio, ra->ra_pages);
	}
	return dropped;
}

/*
 * __filemap_get_folio(FGP_CREAT | FGP_FOR_MMAP) + filemap_read_folio: the page was still not
 * cached after readahead (VM_RAND_READ, readahead off or out of memory): one order-0 folio.
 */
static struct page *filemap_create_folio(struct vm_fault *vmf, int *err)
{
	struct address_space *mapping = vmf->vma->vm_file->f_mapping;
	struct mm_sys *ms = mapping_ms(mapping);
	struct page *folio = filemap_alloc_folio(mapping, fault_cpu(vmf), 0, err);

	if (!folio)
		return NULL;
	*err = filemap_add_folio(mapping, folio, vmf->pgoff);
	if (!*err) {
		*err = filemap_read_folio(mapping, folio, vmf->pgoff);
		if (*err)
			filemap_remove_folio(folio, fault_cpu(vmf));
	}
	folio_put(ms, fault_cpu(vmf), folio);
	return *err ? NULL : folio;
}

vm_fault_t filemap_fault(struct vm_fault *vmf)
{
	struct file *file = vmf->vma->vm_file;
	struct address_space *mapping = file->f_mapping;
	struct mm_sys *ms = mapping_ms(mapping);
	uint64_t size = mapping->host->i_size;
	uint64_t max_idx = (size + ms->page_size - 1) >> ms->page_shift;
	vm_fault_t ret = 0;
	bool dropped = false;
	struct page *folio;

	if (vmf->pgoff >= max_idx)
		return VM_FAULT_SIGBUS;
	folio = filemap_get_folio(mapping, vmf->pgoff);
	if (folio) {
		/* found: held (the readahead may reclaim), maybe start the next window */
		folio_get(folio);
		if (!(vmf->flags & FAULT_FLAG_TRIED))
			dropped = do_async_mmap_readahead(vmf, folio);
	} else {
		/* no page in the cache at all: this fault does I/O */
		count_vm_events(ms, PGMAJFAULT, 1);
		ret = VM_FAULT_MAJOR;
		dropped = do_sync_mmap_readahead(vmf);
		folio = filemap_get_folio(mapping, vmf->pgoff);
		if (!folio) {
			int err = 0;

			folio = filemap_create_folio(vmf, &err);
			if (!folio)
				return ret | (err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS);
			/* page_not_uptodate: the read_folio drops the lock too */
			dropped |= may_drop_lock(vmf);
		}
		folio_get(folio);
	}
	if (dropped) {
		folio_put(ms, fault_cpu(vmf), folio);
		return ret | VM_FAULT_RETRY;	/* re-find the VMA and come back */
	}
	vmf->page = folio_page(folio, vmf->pgoff - folio->index);
	return ret;
}

/* ---- fault-around --------------------------------------------------------------------- */

/* Does a PTE table exist for addr (the PMD entry is not none)? */
static bool pte_table_present(struct mm_struct *mm, uint64_t addr)
{
	struct pte_desc d;
	int level;

	if (pgtable_lookup(&mm->pgd, addr, &d, &level, NULL))
		return false;
	return level == mm->pgd.fmt->nr_levels - 1;
}

/* Bytes one PTE table maps (PMD_SIZE). */
static uint64_t pmd_size(const struct mm_struct *mm)
{
	const struct pt_format *f = mm->pgd.fmt;
	const struct pt_level *l = &f->level[f->nr_levels - 1];

	return 1ull << (l->shift + l->bits);
}

/*
 * next_uptodate_folio: the next folio from *index to end that fault-around may map: uptodate,
 * not PG_readahead (its fault must start the next window), inside i_size. *index is set to
 * the first page of it to consider.
 */
static struct page *next_uptodate_folio(struct address_space *mapping, uint64_t *index,
					uint64_t end, uint64_t max_idx)
{
	struct page *folio;

	while ((folio = xa_find(&mapping->i_pages, index, end, NULL, NULL)) != NULL) {
		if (page_test(folio, PG_uptodate) && !page_test(folio, PG_readahead) &&
		    *index < max_idx)
			return folio;
		*index = folio->index + folio_nr_pages(folio);
		if (!*index)
			break;		/* wrapped */
	}
	return NULL;
}

struct map_ctx {
	struct vm_fault *vmf;
	int64_t rss;
	unsigned int mmap_miss;
	bool oom;
};

/*
 * Map pages page.. (nr) of folio at addr.. where their PTEs are empty, in runs
 * (set_pte_range, one folio reference per page). VM_FAULT_NOPAGE when vmf->address got one.
 */
static vm_fault_t map_runs(struct map_ctx *c, struct page *folio, struct page *page,
			   uint64_t nr, uint64_t addr)
{
	struct vm_fault *vmf = c->vmf;
	struct mm_struct *mm = vmf->vma->vm_mm;
	uint64_t ps = mm->ms->page_size;
	vm_fault_t ret = 0;
	uint64_t i = 0;

	while (i < nr && !c->oom) {
		uint64_t run = 0;

		/* a page looked at counts against mmap_miss unless recently evicted (workingset) */
		while (i + run < nr) {
			if (!page_test(folio, PG_workingset))
				c->mmap_miss++;
			if (!pte_none_at(mm, addr + (i + run) * ps))
				break;
			run++;
		}
		if (run) {
			uint64_t a = addr + i * ps;

			if (set_pte_range(vmf, folio, page + i, (unsigned int)run, a, true)) {
				c->oom = true;
				break;
			}
			folio_ref_add(folio, (int)run);
			c->rss += (int64_t)run;
			if (vmf->address >= a && vmf->address < a + run * ps)
				ret = VM_FAULT_NOPAGE;
		}
		i += run + 1;	/* past the run and the populated PTE that ended it */
	}
	return ret;
}

/* folio_within_vma: the whole folio lies inside the VMA's range of the file. */
static bool folio_within_vma(const struct page *folio, const struct vm_area_struct *vma,
			     unsigned int shift)
{
	uint64_t pglen = (vma->vm_end - vma->vm_start) >> shift;

	return folio->index >= vma->vm_pgoff &&
	       folio->index + folio_nr_pages(folio) <= vma->vm_pgoff + pglen;
}

vm_fault_t filemap_map_pages(struct vm_fault *vmf, uint64_t start_pgoff, uint64_t end_pgoff)
{
	struct vm_area_struct *vma = vmf->vma;
	struct file *file = vma->vm_file;
	struct address_space *mapping = file->f_mapping;
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	unsigned int shift = ms->page_shift;
	uint64_t size = mapping->host->i_size, max_idx, file_end, index = start_pgoff;
	struct map_ctx c = { .vmf = vmf };
	vm_fault_t ret = 0;
	struct page *folio;
	int type;

	if (!size)
		return 0;
	max_idx = (size + ms->page_size - 1) >> shift;
	file_end = max_idx - 1;			/* the page holding the last byte */
	end_pgoff = min_u64(end_pgoff, file_end);
	folio = next_uptodate_folio(mapping, &index, end_pgoff, max_idx);
	if (!folio)
		goto out;
	type = mm_counter_file(folio);
	/*
	 * filemap_map_pmd is only tried for a first folio that ends before the page holding
	 * EOF (or shmem); when it is not, no PTE table is installed here, and with none there
	 * the fault-around maps nothing: ->fault finds the page and finish_fault maps it, with
	 * a PMD (do_set_pmd) when the folio is PMD-sized and inside DIV_ROUND_UP(i_size) pages.
	 * That last outcome is produced here (mmsim maps file folios with PTEs: same pages,
	 * same single fault), so the caller's finish_fault needs no PMD path.
	 */
	if (!(file_end >= folio->index + folio_nr_pages(folio) || shmem_mapping(mapping)) &&
	    !pte_table_present(mm, vmf->address)) {
		uint64_t addr0 = vma->vm_start + ((folio->index - vma->vm_pgoff) << shift);

		if (folio_order(folio) == ms->pageblock_order && folio->index <= vmf->pgoff &&
		    max_idx >= folio->index + folio_nr_pages(folio) &&
		    folio_within_vma(folio, vma, shift) && !(addr0 & (pmd_size(mm) - 1)) &&
		    !(vma->vm_flags & VM_NOHUGEPAGE)) {
			ret = map_runs(&c, folio, folio, folio_nr_pages(folio), addr0);
			add_mm_counter(mm, type, c.rss);
		}
		goto out;
	}
	do {
		uint64_t addr = vma->vm_start + ((index - vma->vm_pgoff) << shift);
		uint64_t last = min_u64(folio->index + folio_nr_pages(folio) - 1, end_pgoff);
		uint64_t start = index - folio->index, nr = last - index + 1;

		if (folio_test_large(folio)) {
			/*
			 * filemap_map_folio_range maps the whole folio where possible: inside the
			 * file's size (or shmem), inside the VMA, inside one page table
			 */
			uint64_t addr0 = addr - (start << shift), mask = ~(pmd_size(mm) - 1);

			if ((file_end >= folio->index + folio_nr_pages(folio) ||
			     shmem_mapping(mapping)) && folio_within_vma(folio, vma, shift) &&
			    (addr0 & mask) == ((addr0 + (folio_nr_pages(folio) << shift) - 1) & mask)) {
				start = 0;
				addr = addr0;
				nr = folio_nr_pages(folio);
			}
		}
		ret |= map_runs(&c, folio, folio_page(folio, start), nr, addr);
		if (c.oom)
			break;
		index = folio->index + folio_nr_pages(folio);
		if (!index || index > end_pgoff)
			break;
	} while ((folio = next_uptodate_folio(mapping, &index, end_pgoff, max_idx)) != NULL);
	add_mm_counter(mm, type, c.rss);
out:
	/* the pages mapped were hits: they pay back mmap_miss */
	if (c.mmap_miss >= file->f_ra.mmap_miss)
		file->f_ra.mmap_miss = 0;
	else
		file->f_ra.mmap_miss -= c.mmap_miss;
	return ret;
}

vm_fault_t filemap_page_mkwrite(struct vm_fault *vmf)
{
	folio_mark_dirty(page_folio(vmf->page));
	return 0;
}

/* ---- read(2) -------------------------------------------------------------------------- */

#define READ_BATCH 31	/* PAGEVEC_SIZE: folios filemap_get_read_batch takes at once */

/*
 * filemap_get_read_batch: consecutive cached folios from index to last; stops at a gap, and
 * after a folio with PG_readahead (the caller starts the next window from it).
 */
static unsigned int get_read_batch(struct address_space *mapping, uint64_t index, uint64_t last,
				   struct page **batch)
{
	unsigned int n = 0;

	while (n < READ_BATCH && index <= last) {
		struct page *folio = xa_load(&mapping->i_pages, index);

		if (!folio || !page_test(folio, PG_uptodate))
			break;
		folio_get(folio);	/* held until copied: readahead may reclaim */
		batch[n++] = folio;
		if (page_test(folio, PG_readahead))
			break;
		index = folio->index + folio_nr_pages(folio);
	}
	return n;
}

/* filemap_get_pages: the folios for a read from pos, reading them in as needed. */
static int filemap_get_pages(struct file *file, uint64_t pos, uint64_t count, struct page **batch,
			     unsigned int *nr)
{
	struct address_space *mapping = file->f_mapping;
	struct mm_sys *ms = mapping_ms(mapping);
	uint64_t index = pos >> ms->page_shift;
	uint64_t last_index = (pos + count + ms->page_size - 1) >> ms->page_shift;
	struct readahead_control ractl = {
		.file = file, .mapping = mapping, .ra = &file->f_ra, .index = index, .cpu = 0,
	};

	*nr = get_read_batch(mapping, index, last_index - 1, batch);
	if (!*nr) {
		page_cache_sync_ra(&ractl, last_index - index);
		*nr = get_read_batch(mapping, index, last_index - 1, batch);
	}
	if (!*nr) {
		/* filemap_create_folio: readahead brought nothing (no memory, an I/O error) */
		int err = 0;
		struct page *folio = filemap_alloc_folio(mapping, 0, 0, &err);

		if (!folio)
			return err ? err : -ENOMEM;
		err = filemap_add_folio(mapping, folio, index);
		if (!err) {
			err = filemap_read_folio(mapping, folio, index);
			if (err)
				filemap_remove_folio(folio, 0);
		}
		if (err) {
			folio_put(ms, 0, folio);
			return ractl.err ? ractl.err : err;
		}
		batch[0] = folio;	/* our allocation's reference: the batch's */
		*nr = 1;
		return 0;
	}
	struct page *tail = batch[*nr - 1];

	if (page_test(tail, PG_readahead)) {
		/* filemap_readahead: the marked folio starts the next window */
		ractl.index = tail->index;
		page_cache_async_ra(&ractl, tail, last_index - tail->index);
	}
	return 0;
}

int64_t filemap_read(struct file *file, uint64_t pos, uint64_t len, void *buf)
{
	struct address_space *mapping = file->f_mapping;
	struct mm_sys *ms = mapping_ms(mapping);
	struct file_ra_state *ra = &file->f_ra;
	uint64_t size = mapping->host->i_size, done = 0;
	int64_t last_pos = ra->prev_pos;
	struct page *batch[READ_BATCH];
	int err = 0;

	if (pos > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - pos)
		return -EINVAL;
	if (!len)
		return 0;
	if (shmem_mapping(mapping))
		return kernel_read(file, buf, len, pos);	/* no readahead for shmem */
	do {
		unsigned int nr;

		if (pos >= size)
			break;
		err = filemap_get_pages(file, pos, len - done, batch, &nr);
		if (err)
			break;
		uint64_t end_offset = min_u64(size, pos + (len - done));

		for (unsigned int i = 0; i < nr; i++) {
			struct page *folio = batch[i];
			uint64_t fsize = folio_nr_pages(folio) << ms->page_shift;
			uint64_t fpos = folio->index << ms->page_shift;

			if (end_offset < fpos || pos < fpos)
				break;
			uint64_t offset = pos - fpos;
			uint64_t bytes = min_u64(end_offset - pos, fsize - offset);

			/*
			 * When a read accesses the same folio several times, only mark it
			 * accessed the first time (pos_same_folio(pos, last_pos - 1)).
			 */
			if (last_pos <= 0 || ((uint64_t)last_pos - 1) / fsize != pos / fsize)
				folio_mark_accessed(ms, folio);
			/* research mode: the copy to the user is one reference to each folio */
			if (ms->rpolicy)
				rpolicy_access(ms, page_to_pfn(ms, folio), false);

			if (buf) {
				/* folio pages are contiguous frames: copy page by page all the same */
				for (uint64_t b = 0; b < bytes;) {
					uint64_t o = offset + b, in = o & (ms->page_size - 1);
					uint64_t n = min_u64(bytes - b, ms->page_size - in);
					struct page *p = folio_page(folio, o >> ms->page_shift);

					memcpy((char *)buf + done + b, (char *)page_address(ms, p) + in, n);
					b += n;
				}
			}
			done += bytes;
			pos += bytes;
			last_pos = (int64_t)pos;
		}
		for (unsigned int i = 0; i < nr; i++)
			folio_put(ms, 0, batch[i]);
	} while (done < len && pos < size);
	ra->prev_pos = last_pos;
	return done ? (int64_t)done : err;
}

int64_t page_cache_cat(struct file *file)
{
	const uint64_t chunk = 128 << 10;	/* coreutils io_blksize: 128 KiB */
	int64_t total = 0, n;
	int err = generic_fadvise(file, 0, 0, MMSIM_FADV_SEQUENTIAL);

	if (err)
		return err;
	while ((n = filemap_read(file, (uint64_t)total, chunk, NULL)) > 0)
		total += n;
	return n < 0 ? n : total;
}

/* ---- the host's cache ----------------------------------------------------------------- */

#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16

/* The host folio holding page i of the host mapping m: its page count (1 when unknown). */
static uint64_t host_folio_pages(const volatile char *m, uint64_t i, uint64_t n,
				 const unsigned char *vec, int pm, int kf, uint64_t ps)
{
	uint64_t nr = 1;

	if (pm < 0 || kf < 0)
		return 1;
	for (;; nr++) {
		uint64_t pme = 0, fl = 0;

		if (i + nr > n || !(vec[i + nr - 1] & 1))
			break;
		(void)m[(i + nr - 1) * ps];	/* cached: a minor fault of our own, no I/O */
		if (pread(pm, &pme, 8, (off_t)((uintptr_t)(m + (i + nr - 1) * ps) / ps * 8)) != 8 ||
		    !(pme >> 63) || !(pme & ((1ull << 55) - 1)))
			break;
		if (pread(kf, &fl, 8, (off_t)((pme & ((1ull << 55) - 1)) * 8)) != 8)
			break;
		if (nr == 1 && !(fl & (1ull << KPF_COMPOUND_HEAD)))
			return 1;
		if (nr > 1 && !(fl & (1ull << KPF_COMPOUND_TAIL)))
			break;
	}
	nr--;
	/* a whole, aligned power of two, or give up on the size */
	if (!nr || (nr & (nr - 1)) || (i & (nr - 1)))
		return 1;
	return nr;
}

int filemap_mirror_host_cache(struct file *file)
{
	struct address_space *mapping = file->f_mapping;
	struct mm_sys *ms = mapping_ms(mapping);
	struct inode *inode = mapping->host;
	uint64_t ps = ms->page_size, n;
	long host_ps = sysconf(_SC_PAGESIZE);
	int ret = 0;

	if (shmem_mapping(mapping) || !inode->i_size)
		return 0;
	if (host_ps != (long)ps)
		return -EOPNOTSUPP;	/* the host's pages are not the machine's */
	n = (inode->i_size + ps - 1) >> ms->page_shift;
	uint64_t pgpgin = ms->vm_events[PGPGIN];	/* the host read them, before the run */
	unsigned char *vec = malloc(n);
	if (!vec)
		return -ENOMEM;
	volatile char *m = mmap(NULL, n * ps, PROT_READ, MAP_SHARED, inode->host_fd, 0);
	if (m == MAP_FAILED) {
		free(vec);
		return -errno;
	}
	madvise((void *)m, n * ps, MADV_RANDOM);	/* our own touches read nothing ahead */
	if (mincore((void *)m, n * ps, vec)) {
		ret = -errno;
		goto out_unmap;
	}
	/* folio sizes need root: /proc/self/pagemap's PFNs and /proc/kpageflags */
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	for (uint64_t i = 0; i < n;) {
		if (!(vec[i] & 1)) {
			i++;
			continue;
		}
		uint64_t nr = host_folio_pages(m, i, n, vec, pm, kf, ps);
		unsigned int order = 0;

		while ((1ull << order) < nr)
			order++;
		if (order > mapping->max_order)
			order = 0, nr = 1;
		bool any = false;
		for (uint64_t k = 0; k < nr; k++)
			any |= filemap_get_folio(mapping, i + k) != NULL;
		if (!any) {
			struct page *folio = filemap_alloc_folio(mapping, 0, order, &ret);

			if (!folio)
				break;
			ret = filemap_add_folio(mapping, folio, i);
			if (!ret) {
				ret = filemap_read_folio(mapping, folio, i);
				if (ret)
					filemap_remove_folio(folio, 0);
			}
			folio_put(ms, 0, folio);
			if (ret)
				break;
		}
		i += nr;
	}
	if (pm >= 0)
		close(pm);
	if (kf >= 0)
		close(kf);
out_unmap:
	munmap((void *)m, n * ps);
	free(vec);
	ms->vm_events[PGPGIN] = pgpgin;
	return ret;
}

/* ---- fadvise -------------------------------------------------------------------------- */

/* mapping_try_invalidate: drop the clean, unmapped folios wholly inside [start, end]. */
static void invalidate_mapping_pages(struct address_space *mapping, uint64_t start, uint64_t end)
{
	/* folios that stay (dirty, mapped, held) are deactivated; the range's shadows go */
	mapping_try_invalidate(mapping, start, end, NULL);
}

int generic_fadvise(struct file *file, uint64_t offset, uint64_t len, int advice)
{
	struct address_space *mapping = file->f_mapping;
	struct mm_sys *ms = mapping_ms(mapping);
	uint64_t endbyte = len == 0 || len > (uint64_t)INT64_MAX - offset ? (uint64_t)INT64_MAX :
				offset + len - 1;

	if (offset > (uint64_t)INT64_MAX)
		return -EINVAL;
	switch (advice) {
	case MMSIM_FADV_NORMAL:
		file->f_ra.ra_pages = mapping_ra_pages(mapping);
		file->f_mode &= ~FMODE_RANDOM;
		return 0;
	case MMSIM_FADV_RANDOM:
		file->f_mode |= FMODE_RANDOM;
		return 0;
	case MMSIM_FADV_SEQUENTIAL:
		file->f_ra.ra_pages = mapping_ra_pages(mapping) * 2;
		file->f_mode &= ~FMODE_RANDOM;
		return 0;
	case MMSIM_FADV_WILLNEED: {
		if (shmem_mapping(mapping))
			return 0;
		uint64_t start = offset >> ms->page_shift, end = endbyte >> ms->page_shift;
		struct readahead_control ractl = {
			.file = file, .mapping = mapping, .ra = &file->f_ra, .index = start,
		};

		force_page_cache_ra(&ractl, (unsigned long)min_u64(end - start + 1, UINT32_MAX));
		return 0;
	}
	case MMSIM_FADV_DONTNEED: {
		uint64_t start = (offset + ms->page_size - 1) >> ms->page_shift;
		uint64_t end = endbyte >> ms->page_shift;

		if (shmem_mapping(mapping))
			return 0;
		(void)filemap_write_and_wait_range(mapping, offset, endbyte);
		/* only whole pages: a partial last page is kept */
		if ((endbyte & (ms->page_size - 1)) != ms->page_size - 1) {
			if (end == 0)
				return 0;
			end--;
		}
		if (end >= start)
			invalidate_mapping_pages(mapping, start, end);
		return 0;
	}
	default:
		return -EINVAL;
	}
}

/* ---- truncate and i_mmap -------------------------------------------------------------- */

int truncate_inode_pages_final(struct address_space *mapping)
{
	uint64_t index = 0;
	struct page *folio;

	while ((folio = xa_find(&mapping->i_pages, &index, UINT64_MAX, NULL, NULL)) != NULL) {
		if (folio_mapped(folio))
			return -EBUSY;
		index = folio->index + folio_nr_pages(folio);
		if (!index)
			break;
	}
	index = 0;
	while ((folio = xa_find(&mapping->i_pages, &index, UINT64_MAX, NULL, NULL)) != NULL) {
		index = folio->index + folio_nr_pages(folio);
		folio_wait_writeback(mapping_ms(mapping), folio);	/* truncate_inode_pages_range */
		filemap_remove_folio(folio, 0);
		if (!index)
			break;
	}
	workingset_forget_mapping(mapping);	/* the inode goes: its shadow entries too */
	return 0;
}

static bool vma_maywrite_shared(const struct vm_area_struct *vma)
{
	return (vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) == (VM_SHARED | VM_MAYWRITE);
}

void vma_interval_tree_insert(struct vm_area_struct *vma, struct address_space *mapping)
{
	list_add_tail(&vma->shared, &mapping->i_mmap);
	if (vma_maywrite_shared(vma))
		mapping->i_mmap_writable++;
}

void vma_interval_tree_remove(struct vm_area_struct *vma, struct address_space *mapping)
{
	list_del(&vma->shared);
	INIT_LIST_HEAD(&vma->shared);
	if (vma_maywrite_shared(vma))
		mapping->i_mmap_writable--;
}

int mapping_validate(struct address_space *mapping, struct mmsim_error *err)
{
	struct mm_sys *ms = mapping_ms(mapping);
	uint64_t index = 0, pages = 0, dirty = 0, first;
	unsigned int order;
	struct page *folio;
	struct list_head *pos;
	int writable = 0;
	int ret = xa_validate(&mapping->i_pages, err);

	if (ret)
		return ret;
	while ((folio = xa_find(&mapping->i_pages, &index, UINT64_MAX, &first, &order)) != NULL) {
		uint64_t nr = folio_nr_pages(folio);

		if (PageTail(folio) || folio->mapping != mapping || folio->index != first ||
		    folio_order(folio) != order || folio_test_anon(folio))
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "%s: the folio at page %llu (order %u) has mapping/index/order %s/%llu/%u",
				       mapping->host->i_path, (unsigned long long)first, order,
				       folio->mapping == mapping ? "ok" : "other",
				       (unsigned long long)folio->index, folio_order(folio));
		if (!page_test(folio, PG_uptodate) ||
		    shmem_mapping(mapping) != page_test(folio, PG_swapbacked))
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "%s: the folio at page %llu is not uptodate or has the wrong PG_swapbacked",
				       mapping->host->i_path, (unsigned long long)first);
		if (folio_ref_count(folio) < (int64_t)nr + folio_mapcount(folio))
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "%s: the folio at page %llu has refcount %d < %llu cached + %lld mapped",
				       mapping->host->i_path, (unsigned long long)first,
				       folio_ref_count(folio), (unsigned long long)nr,
				       (long long)folio_mapcount(folio));
		pages += nr;
		if (page_test(folio, PG_dirty) && !shmem_mapping(mapping))
			dirty += nr;
		index = first + nr;
		if (!index)
			break;
	}
	if (pages != mapping->nrpages || dirty != mapping->nr_dirty)
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "%s: the cache holds %llu pages (%llu dirty), nrpages %llu (nr_dirty %llu)",
			       mapping->host->i_path, (unsigned long long)pages,
			       (unsigned long long)dirty, (unsigned long long)mapping->nrpages,
			       (unsigned long long)mapping->nr_dirty);
	list_for_each(pos, &mapping->i_mmap) {
		struct vm_area_struct *vma = list_entry(pos, struct vm_area_struct, shared);

		if (!vma->vm_file || vma->vm_file->f_inode != mapping->host)
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "%s: a VMA on i_mmap maps another file", mapping->host->i_path);
		writable += vma_maywrite_shared(vma);
	}
	if (writable != mapping->i_mmap_writable)
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "%s: %d shared writable VMAs, i_mmap_writable %d", mapping->host->i_path,
			       writable, mapping->i_mmap_writable);
	(void)ms;
	return 0;
}

/*
 * Shared anonymous memory (Linux 6.18 mm/shmem.c: shmem_fault, shmem_get_folio_gfp with
 * SGP_CACHE, shmem_alloc_and_add_folio, shmem_add_to_page_cache).
 *
 * A MAP_SHARED | MAP_ANONYMOUS mapping is backed by a shmem inode (fs/file.c
 * shmem_zero_file). Its pages live in that inode's page cache: the first touch of a page,
 * read or write, allocates a zeroed order-0 folio (shmem_enabled=never on the reference
 * machine), PG_swapbacked and uptodate, counted in nr_file_pages and nr_shmem; every VMA
 * that maps the inode (forked children included) finds the same folio, and fault-around
 * maps the cached neighbours (filemap_map_pages is shmem's map_pages too). A shmem fault is
 * never major: there is no file to read (swap-in is issue 6's).
 *
 * Measured (tests/oracle/probes/pagecache_shmem.c): 16 reads of fresh pages of a new
 * mapping: 16 minor faults; a forked child reading 32 pages the parent touched: 2 faults
 * (fault-around, 16 pages each); the child reading 32 untouched pages: 32 faults.
 *
 * Leaves out: huge shmem folios, swap, memory cgroup charging, the shmem inode's block
 * accounting (i_blocks), fallocate, userfaultfd.
 */
#include <errno.h>

#include "fs/fs.h"
#include "mm/folio.h"
#include "mm/memory.h"
#include "mm/mmzone.h"
#include "mm/page_alloc.h"
#include "mm/pagemap.h"

struct page *shmem_get_folio(struct inode *inode, uint64_t index, bool create, int cpu, int *err)
{
	struct address_space *mapping = inode->i_mapping;
	struct mm_sys *ms = mapping_ms(mapping);
	uint64_t max_idx = (inode->i_size + ms->page_size - 1) >> ms->page_shift;
	struct page *folio;

	if (index >= max_idx) {
		*err = -EINVAL;
		return NULL;
	}
	folio = filemap_get_folio(mapping, index);
	if (folio || !create) {
		*err = folio ? 0 : -ENOENT;
		return folio;
	}
	/* shmem_alloc_folio: GFP_HIGHUSER_MOVABLE, cleared (clear_highpage) as it comes */
	folio = alloc_pages(ms, cpu, MMSIM_GFP_HIGHUSER_MOVABLE | MMSIM_GFP_ZERO, 0, err);
	if (!folio)
		return NULL;
	page_set(folio, PG_swapbacked);
	page_set(folio, PG_uptodate);
	*err = filemap_add_folio(mapping, folio, index);
	/* the cache holds it now (or nothing does: it goes back) */
	folio_put(ms, cpu, folio);
	return *err ? NULL : folio;
}

vm_fault_t shmem_fault(struct vm_fault *vmf)
{
	struct inode *inode = vmf->vma->vm_file->f_inode;
	int err = 0;
	struct page *folio = shmem_get_folio(inode, vmf->pgoff, true, vmf->vma->vm_mm->pgd.cpu,
					     &err);

	if (!folio)
		return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	folio_get(folio);
	vmf->page = folio_page(folio, vmf->pgoff - folio->index);
	return 0;
}

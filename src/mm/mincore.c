/*
 * mincore (Linux 6.18: mm/mincore.c). A page is resident when its PTE is present
 * (mincore_pte_range), the shared zero page included (the live kernel says 1 after a read of
 * fresh anonymous memory: tests/oracle/probes/fault_anon.c). Holes of anonymous VMAs are 0;
 * holes of file and shmem VMAs ask the page cache (mincore_page: cached and uptodate). The checks and the chunked walk (-ENOMEM at the first hole, after the
 * bytes before it were written) are Linux's. vec is the host buffer standing for the user
 * one: -EFAULT when it is NULL or shorter than the pages asked for (access_ok on vec).
 */
#include <errno.h>
#include <string.h>
#include "kernel/sched.h"
#include "mm/mman.h"
#include "fs/fs.h"
#include "mm/memory.h"
#include "mm/pagemap.h"
#include "mm/rmap.h"
#include "mm/swap.h"
#include "mm/mmap.h"
#include "mm/mmap_internal.h"
#include "mm/vma.h"

struct mincore_ctx {
	uint8_t *vec;
	uint64_t start, end;
	unsigned int shift;
};

/* mincore_pte_range: a present PTE is resident */
static int mincore_pte(uint64_t va, uint64_t size, uint64_t prot, struct page *page, bool zero, void *arg)
{
	struct mincore_ctx *c = arg;

	(void)prot; (void)page; (void)zero;
	/* a huge leaf is reported whole: mark the part of it inside [start, end) */
	for (uint64_t a = va; a < va + size; a += 1ull << c->shift)
		if (a >= c->start && a < c->end)
			c->vec[(a - c->start) >> c->shift] = 1;
	return 0;
}

int64_t sys_mincore(struct task_struct *t, uint64_t start, uint64_t len, uint8_t *vec,
		    uint64_t vec_len)
{
	struct mm_struct *mm = t->mm;
	unsigned int shift = mm_page_shift(mm);
	uint64_t pages, limit = mmap_task_size(t);

	if (mm_offset_in_page(mm, start))
		return -EINVAL;
	/* access_ok(start, len): the range lies in user space (TASK_SIZE_MAX) */
	if (len > limit || start > limit - len)
		return -ENOMEM;
	pages = (len >> shift) + ((len & (mm_page_size(mm) - 1)) != 0);
	if (pages && (!vec || vec_len < pages))
		return -EFAULT;
	while (pages) {
		struct vm_area_struct *vma = vma_lookup(mm, start);
		if (!vma)
			return -ENOMEM;
		uint64_t end = vma->vm_end < start + (pages << shift) ? vma->vm_end : start + (pages << shift);
		uint64_t n = (end - start) >> shift;
		memset(vec, 0, n);
		struct mincore_ctx c = { vec, start, end, shift };
		mm_walk_ptes(mm, start, end, mincore_pte, &c);
		/* mincore_swap: a swap PTE says resident while the swap cache holds its page (2:
		   a swap PTE whose page is not cached, 0 once the file holes below are done) */
		for (uint64_t i = 0; i < n; i++) {
			uint64_t epa;
			struct pte_desc d;
			swp_entry_t e;
			struct page *f;
			int level;

			if (vec[i] || pgtable_lookup(&mm->pgd, start + (i << shift), &d, &level, &epa) ||
			    !pte_to_swp_entry(mm->pgd.fmt, pgtable_read_entry(&mm->pgd, epa), &e, NULL))
				continue;
			f = swap_cache_get_folio(mm->ms, e);
			vec[i] = f && page_test(f, PG_uptodate) ? 1 : 2;
		}
		/* mincore_page: a hole of a file or shmem mapping is resident if its page is cached */
		if (vma->vm_file) {
			struct address_space *mapping = vma->vm_file->f_mapping;

			for (uint64_t i = 0; i < n; i++) {
				struct page *f;

				if (vec[i])
					continue;
				f = filemap_get_folio(mapping, linear_page_index(vma, start + (i << shift)));
				vec[i] = f && page_test(f, PG_uptodate);
			}
		}
		for (uint64_t i = 0; i < n; i++)
			vec[i] &= 1;
		vec += n;
		pages -= n;
		start = end;
	}
	return 0;
}

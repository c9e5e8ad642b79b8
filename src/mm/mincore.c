/*
 * mincore (Linux 6.18: mm/mincore.c). A page is resident when its PTE is present
 * (mincore_pte_range), the shared zero page included (the live kernel says 1 after a read of
 * fresh anonymous memory: tests/oracle/probes/fault_anon.c). Holes of anonymous VMAs are 0;
 * holes of file VMAs would ask the page cache, which a later slice of issue 5 models (0
 * until then). The checks and the chunked walk (-ENOMEM at the first hole, after the
 * bytes before it were written) are Linux's. vec is the host buffer standing for the user
 * one: -EFAULT when it is NULL or shorter than the pages asked for (access_ok on vec).
 */
#include <errno.h>
#include <string.h>
#include "kernel/sched.h"
#include "mm/mman.h"
#include "mm/memory.h"
#include "mm/mmap.h"
#include "mm/mmap_internal.h"
#include "mm/vma.h"

struct mincore_ctx {
	uint8_t *vec;
	uint64_t start;
	unsigned int shift;
};

/* mincore_pte_range: a present PTE is resident */
static int mincore_pte(uint64_t va, uint64_t prot, struct page *page, bool zero, void *arg)
{
	struct mincore_ctx *c = arg;

	(void)prot; (void)page; (void)zero;
	if (va >= c->start)
		c->vec[(va - c->start) >> c->shift] = 1;
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
		struct mincore_ctx c = { vec, start, shift };
		mm_walk_ptes(mm, start, end, mincore_pte, &c);
		vec += n;
		pages -= n;
		start = end;
	}
	return 0;
}

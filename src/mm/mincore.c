/*
 * mincore (Linux 6.18: mm/mincore.c). Nothing is resident before the fault issue, so every
 * byte written is 0; the checks and the chunked walk (-ENOMEM at the first hole, after the
 * bytes before it were written) are Linux's. vec is the host buffer standing for the user
 * one: -EFAULT when it is NULL or shorter than the pages asked for (access_ok on vec).
 */
#include <errno.h>
#include <string.h>
#include "kernel/sched.h"
#include "mm/mman.h"
#include "mm/mmap.h"
#include "mm/mmap_internal.h"
#include "mm/vma.h"

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
		memset(vec, 0, n);	/* no page is resident yet */
		vec += n;
		pages -= n;
		start = end;
	}
	return 0;
}

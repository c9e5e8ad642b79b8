/*
 * Populating pages for system calls (Linux 6.18 mm/gup.c). See gup.c.
 */
#ifndef MMSIM_MM_GUP_H
#define MMSIM_MM_GUP_H
#include <stdbool.h>
#include <stdint.h>
#include "mm/mm_types.h"

struct task_struct;

/*
 * Fault in [start, end) of vma as mlock and MAP_POPULATE do: write faults for a private
 * writable VMA, read faults otherwise; nothing for VM_LOCKONFAULT. 0, -EFAULT (no access,
 * SIGBUS), -ENOMEM, -ENOSYS (a path mmsim does not model).
 */
int populate_vma_page_range(struct task_struct *t, struct vm_area_struct *vma, uint64_t start,
			    uint64_t end);
/* Every VMA in [start, start + len): populate_vma_page_range; errors ignored on request. */
int __mm_populate(struct task_struct *t, uint64_t start, uint64_t len, bool ignore_errors);
static inline void mm_populate(struct task_struct *t, uint64_t start, uint64_t len)
{
	(void)__mm_populate(t, start, len, true);
}
/*
 * MADV_POPULATE_READ / _WRITE (faultin_page_range): -ENOMEM at a hole, -EFAULT where the
 * VMA does not allow the access or the fault fails.
 */
int faultin_page_range(struct task_struct *t, uint64_t start, uint64_t end, bool write);
#endif

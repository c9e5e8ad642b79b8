/*
 * msync (Linux 6.18: mm/msync.c): Linux's argument checks and its walk: holes give -ENOMEM
 * (at once for MS_ASYNC alone, at the end otherwise), MS_INVALIDATE on a locked VMA -EBUSY,
 * and MS_SYNC on a shared file mapping writes the dirty pages of the range back
 * (vfs_fsync_range -> filemap_write_and_wait_range: to the scratch copy, or with
 * file_writes=real to the file). MS_ASYNC does nothing since Linux 2.6.19.
 */
#include <errno.h>
#include "fs/fs.h"
#include "kernel/sched.h"
#include "mm/pagemap.h"
#include "mm/mman.h"
#include "mm/mmap.h"
#include "mm/mmap_internal.h"
#include "mm/vma.h"

static int do_msync(struct mm_struct *mm, uint64_t start, uint64_t len, uint64_t flags)
{
	uint64_t end;
	int unmapped_error = 0;
	struct vm_area_struct *vma;

	if (flags & ~(uint64_t)(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if (mm_offset_in_page(mm, start))
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	len = mm_page_align(mm, len);
	end = start + len;
	if (end < start)
		return -ENOMEM;
	if (end == start)
		return 0;
	vma = find_vma(mm, start);
	for (;;) {
		if (!vma)
			return -ENOMEM;
		if (start < vma->vm_start) {
			if (flags == MS_ASYNC)
				return -ENOMEM;
			start = vma->vm_start;
			if (start >= end)
				return -ENOMEM;
			unmapped_error = -ENOMEM;
		}
		if ((flags & MS_INVALIDATE) && (vma->vm_flags & VM_LOCKED))
			return -EBUSY;
		struct file *file = vma->vm_file;
		uint64_t fstart = (start - vma->vm_start) + (vma->vm_pgoff << mm->ms->page_shift);
		uint64_t fend = fstart + ((end < vma->vm_end ? end : vma->vm_end) - start) - 1;

		start = vma->vm_end;
		if ((flags & MS_SYNC) && file && (vma->vm_flags & VM_SHARED)) {
			int error = filemap_write_and_wait_range(file->f_mapping, fstart, fend);

			if (error || start >= end)
				return error ? error : unmapped_error;
			vma = find_vma(mm, start);
			continue;
		}
		if (start >= end)
			return unmapped_error;
		vma = find_vma(mm, vma->vm_end);
	}
}

int64_t sys_msync(struct task_struct *t, uint64_t start, uint64_t len, uint64_t flags)
{
	return do_msync(t->mm, start, len, flags);
}

/*
 * madvise and PR_SET_VMA_ANON_NAME (Linux 6.18: mm/madvise.c do_madvise, madvise_walk_vmas,
 * madvise_vma_behavior, madvise_populate, madvise_set_anon_name; mm/ksm.c ksm_madvise;
 * mm/khugepaged.c hugepage_madvise).
 *
 * Behaviours that change flags change them as Linux does (splitting and merging VMAs).
 * Behaviours that act on pages (DONTNEED, DONTNEED_LOCKED, FREE, COLD, PAGEOUT, WILLNEED,
 * POPULATE_*, GUARD_*) make Linux's checks and return what Linux returns, and record the
 * advice in vma->mmsim_advice (bit 1 << behaviour) until the fault issue gives them pages.
 * MADV_COLLAPSE with no page present fails as Linux does (-EINVAL). MADV_HWPOISON and
 * MADV_SOFT_OFFLINE are unknown (-EINVAL): this kernel has no CONFIG_MEMORY_FAILURE.
 */
#include <errno.h>
#include <string.h>
#include "fs/fs.h"
#include "kernel/sched.h"
#include "mm/gup.h"
#include "mm/mman.h"
#include "mm/pagemap.h"
#include "mm/mmap.h"
#include "mm/memory.h"
#include "mm/mmap_internal.h"
#include "mm/slab.h"
#include "mm/vma.h"
#include "mm/vmscan.h"

#define MADV_ANON_NAME (-1)	/* madvise_walk_vmas visitor for the anon name */
#define ANON_VMA_NAME_MAX_LEN 80

static bool madvise_behavior_valid(int64_t b)
{
	switch (b) {
	case MADV_DOFORK: case MADV_DONTFORK: case MADV_NORMAL: case MADV_SEQUENTIAL:
	case MADV_RANDOM: case MADV_REMOVE: case MADV_WILLNEED: case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED: case MADV_FREE: case MADV_COLD: case MADV_PAGEOUT:
	case MADV_POPULATE_READ: case MADV_POPULATE_WRITE: case MADV_MERGEABLE:
	case MADV_UNMERGEABLE: case MADV_HUGEPAGE: case MADV_NOHUGEPAGE: case MADV_COLLAPSE:
	case MADV_DONTDUMP: case MADV_DODUMP: case MADV_WIPEONFORK: case MADV_KEEPONFORK:
	case MADV_GUARD_INSTALL: case MADV_GUARD_REMOVE:
		return true;
	default:
		return false;
	}
}

static void record_advice(struct vm_area_struct *vma, int64_t b)
{
	if (b >= 0 && b < 64)
		vma->mmsim_advice |= 1ull << b;
}

/* vma_ksm_compatible (mm/ksm.c) */
static bool vma_ksm_compatible(const struct vm_area_struct *vma)
{
	return !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO | VM_DONTEXPAND |
				  VM_HUGETLB | VM_MIXEDMAP | VM_DROPPABLE));
}

/*
 * madvise_vma_behavior: one VMA's part [start, end). Page behaviours check and record; flag
 * behaviours compute new flags and go through vma_modify_flags. *pprev follows the walk.
 */
static int madvise_vma_behavior(struct mm_struct *mm, struct vm_area_struct *vma,
				struct vm_area_struct **pprev, uint64_t start, uint64_t end,
				int64_t b, struct anon_vma_name *name)
{
	struct vm_area_struct *prev = *pprev;
	vm_flags_t nf = vma->vm_flags;
	int err = 0;

	*pprev = vma;
	switch (b) {
	case MADV_ANON_NAME:
		/* madvise_vma_anon_name: files cannot be named, anonymous shmem can */
		if (vma->vm_file && !file_is_shmem(vma->vm_file))
			return -EBADF;
		if (vma->anon_name == name ||
		    (vma->anon_name && name && !strcmp(vma->anon_name->name, name->name)))
			return 0;
		vma = vma_modify_name(mm, prev, vma, start, end, name, &err);
		if (!vma)
			return err == -ENOMEM ? -EAGAIN : err;
		*pprev = vma;
		return 0;
	case MADV_REMOVE:
		if (vma->vm_flags & VM_LOCKED)
			return -EINVAL;
		if (!vma->vm_file)
			return -EINVAL;
		if ((vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) != (VM_SHARED | VM_MAYWRITE))
			return -EACCES;
		record_advice(vma, b);
		return 0;
	case MADV_WILLNEED:
		/*
		 * madvise_willneed: a file mapping's range is read ahead into the page cache
		 * (vfs_fadvise WILLNEED); anonymous and shmem memory would be swapped in, and
		 * nothing is swapped out before issue 6
		 */
		record_advice(vma, b);
		if (vma->vm_file && !file_is_shmem(vma->vm_file)) {
			uint64_t offset = (start - vma->vm_start) +
					  (vma->vm_pgoff << mm->ms->page_shift);

			generic_fadvise(vma->vm_file, offset, end - start, 3 /* POSIX_FADV_WILLNEED */);
		}
		return 0;
	case MADV_COLD:
	case MADV_PAGEOUT:
		if (vma->vm_flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB))	/* can_madv_lru_vma */
			return -EINVAL;
		record_advice(vma, b);
		/*
		 * madvise_cold / madvise_pageout (mm/vmscan.c): the folios only this mm maps are
		 * deactivated, or reclaimed at once (reclaim_pages: swap for anonymous ones)
		 */
		return madvise_cold_or_pageout_range(vma, start, end, b == MADV_PAGEOUT);
	case MADV_FREE:
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
		if (!(vma->vm_flags & VM_HUGETLB)) {
			vm_flags_t forbidden = VM_PFNMAP | (b != MADV_DONTNEED_LOCKED ? VM_LOCKED : 0);
			if (vma->vm_flags & forbidden)
				return -EINVAL;
		} else if (b == MADV_FREE) {
			return -EINVAL;
		}
		if (b == MADV_FREE && !vma_is_anonymous(vma))
			return -EINVAL;
		record_advice(vma, b);
		/* madvise_free_single_vma / madvise_dontneed_single_vma -> zap_page_range_single */
		if (b == MADV_FREE)
			return madvise_free_range(vma, start, end);
		return zap_page_range(mm, start, end);
	case MADV_COLLAPSE:
		return -EINVAL;		/* no page to collapse before the fault issue */
	case MADV_GUARD_INSTALL:
		if (vma->vm_flags & (VM_SPECIAL | VM_HUGETLB | VM_LOCKED))
			return -EINVAL;
		/* the whole VMA is marked, without a split (6.18: VM_MAYBE_GUARD is sticky) */
		vma->vm_flags |= VM_MAYBE_GUARD;
		record_advice(vma, MADV_GUARD_INSTALL - 64);
		return 0;
	case MADV_GUARD_REMOVE:
		if (vma->vm_flags & (VM_SPECIAL | VM_HUGETLB))
			return -EINVAL;
		return 0;
	case MADV_NORMAL:
		nf &= ~(VM_RAND_READ | VM_SEQ_READ);
		break;
	case MADV_SEQUENTIAL:
		nf = (nf & ~VM_RAND_READ) | VM_SEQ_READ;
		break;
	case MADV_RANDOM:
		nf = (nf & ~VM_SEQ_READ) | VM_RAND_READ;
		break;
	case MADV_DONTFORK:
		nf |= VM_DONTCOPY;
		break;
	case MADV_DOFORK:
		if (vma->vm_flags & VM_IO)
			return -EINVAL;
		nf &= ~VM_DONTCOPY;
		break;
	case MADV_WIPEONFORK:
		if (vma->vm_file || (vma->vm_flags & VM_SHARED))
			return -EINVAL;
		nf |= VM_WIPEONFORK;
		break;
	case MADV_KEEPONFORK:
		if (vma->vm_flags & VM_DROPPABLE)
			return -EINVAL;
		nf &= ~VM_WIPEONFORK;
		break;
	case MADV_DONTDUMP:
		nf |= VM_DONTDUMP;
		break;
	case MADV_DODUMP:
		if ((!(vma->vm_flags & VM_HUGETLB) && (nf & VM_SPECIAL)) || (vma->vm_flags & VM_DROPPABLE))
			return -EINVAL;
		nf &= ~VM_DONTDUMP;
		break;
	case MADV_MERGEABLE:
		if ((nf & VM_MERGEABLE) || !vma_ksm_compatible(vma))
			return 0;
		nf |= VM_MERGEABLE;
		break;
	case MADV_UNMERGEABLE:
		nf &= ~VM_MERGEABLE;
		break;
	case MADV_HUGEPAGE:
		nf = (nf & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
		break;
	case MADV_NOHUGEPAGE:
		nf = (nf & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
		break;
	default:
		return -EINVAL;
	}
	if (nf == vma->vm_flags)
		return 0;
	/* madvise_update_vma */
	vma = mm_modify_flags(mm, prev, vma, start, end, nf, &err);
	if (!vma)
		return err == -ENOMEM ? -EAGAIN : err;
	*pprev = vma;
	return 0;
}

/* madvise_walk_vmas: visit every VMA of [start, end); holes give -ENOMEM at the end. */
static int madvise_walk(struct mm_struct *mm, uint64_t start, uint64_t end, int64_t b,
			struct anon_vma_name *name)
{
	struct vm_area_struct *prev, *vma = find_vma_prev(mm, start, &prev);
	int unmapped_error = 0, error;

	if (vma && start > vma->vm_start)
		prev = vma;
	for (;;) {
		if (!vma)
			return -ENOMEM;
		if (start < vma->vm_start) {
			unmapped_error = -ENOMEM;
			start = vma->vm_start;
			if (start >= end)
				break;
		}
		uint64_t tmp = vma->vm_end < end ? vma->vm_end : end;
		struct vm_area_struct *p = prev;
		error = madvise_vma_behavior(mm, vma, &p, start, tmp, b, name);
		if (error)
			return error;
		prev = p;
		start = tmp;
		if (prev && start < prev->vm_end)
			start = prev->vm_end;
		if (start >= end)
			break;
		vma = find_vma(mm, prev ? prev->vm_end : start);
	}
	return unmapped_error;
}

/* madvise_populate: every page faulted in; holes -ENOMEM, no access -EFAULT (as GUP says). */
static int madvise_populate(struct task_struct *t, uint64_t start, uint64_t end, bool write)
{
	return faultin_page_range(t, start, end, write);
}

static int do_madvise(struct task_struct *t, uint64_t start, uint64_t len_in, int64_t b)
{
	struct mm_struct *mm = t->mm;
	uint64_t len, end;

	/* is_valid_madvise */
	if (!madvise_behavior_valid(b) || mm_offset_in_page(mm, start))
		return -EINVAL;
	len = mm_page_align(mm, len_in);
	if (len_in && !len)
		return -EINVAL;
	if (start + len < start)
		return -EINVAL;
	end = start + len;
	if (end == start)
		return 0;
	if (b == MADV_POPULATE_READ || b == MADV_POPULATE_WRITE)
		return madvise_populate(t, start, end, b == MADV_POPULATE_WRITE);
	return madvise_walk(mm, start, end, b, NULL);
}

int64_t sys_madvise(struct task_struct *t, uint64_t start, uint64_t len, int64_t behavior)
{
	int r = do_madvise(t, start, len, behavior);
	int c = mm_check(t->mm);
	return c ? c : r;
}

/* is_valid_name_char (kernel/sys.c): printable ASCII but [ ] \\ $ ` */
static bool is_valid_name_char(char c)
{
	return c >= 0x20 && c <= 0x7e && !strchr("\\`$[]", c);
}

int64_t sys_prctl_set_vma_anon_name(struct task_struct *t, uint64_t start, uint64_t len_in,
				    const char *name)
{
	struct mm_struct *mm = t->mm;
	struct anon_vma_name *anon_name = NULL;
	uint64_t len, end;
	int err;

	if (!mm->ms->sysctl.anon_vma_name)	/* no CONFIG_ANON_VMA_NAME: PR_SET_VMA unknown */
		return -EINVAL;
	if (name) {
		size_t n = strnlen(name, ANON_VMA_NAME_MAX_LEN);
		if (n >= ANON_VMA_NAME_MAX_LEN)
			return -EINVAL;
		for (size_t i = 0; i < n; i++)
			if (!is_valid_name_char(name[i]))
				return -EINVAL;
		anon_name = kmalloc(mm->ms, sizeof(*anon_name) + n + 1, 0, &err);
		if (!anon_name)
			return -ENOMEM;
		anon_name->refcount = 1;
		memcpy(anon_name->name, name, n + 1);
	}
	/* madvise_set_anon_name */
	if (mm_offset_in_page(mm, start)) {
		err = -EINVAL;
		goto out;
	}
	len = mm_page_align(mm, len_in);
	end = start + len;
	if ((len_in && !len) || end < start) {
		err = -EINVAL;
		goto out;
	}
	err = end == start ? 0 : madvise_walk(mm, start, end, MADV_ANON_NAME, anon_name);
out:
	if (anon_name && --anon_name->refcount == 0)
		kfree(mm->ms, anon_name);
	int c = mm_check(mm);
	return c ? c : err;
}

/*
 * mremap (Linux 6.18: mm/mremap.c do_mremap, check_mremap_params, check_prep_vma,
 * mremap_at/mremap_to, expand_vma, move_vma, copy_vma in mm/vma.c).
 *
 * Moving a VMA moves its page-table entries (move_page_tables, mm/memory.c) and chains the
 * new VMA to the source's anon_vmas (copy_vma's anon_vma_clone). MREMAP_FIXED with
 * equal lengths moves every VMA of the range (6.17+ remap_move). Left out: hugetlb alignment
 * of lengths, sealing, userfaultfd events.
 * MREMAP_DONTUNMAP clears VM_LOCKED on the source as Linux does (dontunmap_complete) and
 * keeps its VM_ACCOUNT (the new range is charged in full, vrm_calc_charge); Linux then leaves
 * locked_vm counting the source's pages, mmsim keeps locked_vm equal to the pages of
 * VM_LOCKED VMAs (the invariant mm_validate checks).
 *
 * MREMAP_DONTUNMAP implies a new address (vrm_implies_new_addr), so the fifth argument is
 * checked and used as the placement hint even without MREMAP_FIXED (check_mremap_params:
 * page aligned, below TASK_SIZE - new_len, not overlapping the source: -EINVAL). glibc's
 * mremap() passes whatever its caller left in that register when the caller gives only four
 * arguments, which is why such calls fail with EINVAL "at random" on the live kernel.
 */
#include <errno.h>
#include "kernel/sched.h"
#include "mm/mman.h"
#include "mm/memory.h"
#include "mm/rmap.h"
#include "mm/mmap.h"
#include "mm/mmap_internal.h"
#include "mm/vma.h"

struct remap {
	uint64_t addr, old_len, new_len, flags, new_addr, delta;
	struct vm_area_struct *vma;
};

static bool implies_new_addr(const struct remap *r)
{
	return r->flags & (MREMAP_FIXED | MREMAP_DONTUNMAP);
}

static int64_t check_mremap_params(struct task_struct *t, struct remap *r)
{
	struct mm_struct *mm = t->mm;
	uint64_t ts = mmap_task_size(t);

	if (r->flags & ~(uint64_t)(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP))
		return -EINVAL;
	if (mm_offset_in_page(mm, r->addr))
		return -EINVAL;
	if (!r->new_len)	/* old_len 0 is the "duplicate shmem" case; new_len must be set */
		return -EINVAL;
	if (r->new_len > ts)
		return -EINVAL;
	if (!implies_new_addr(r))
		return 0;
	if (r->new_addr > ts - r->new_len)
		return -EINVAL;
	if (mm_offset_in_page(mm, r->new_addr))
		return -EINVAL;
	if (!(r->flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if ((r->flags & MREMAP_DONTUNMAP) && r->old_len != r->new_len)
		return -EINVAL;
	/* the target must not overlap the source */
	if (r->addr < r->new_addr + r->new_len && r->new_addr < r->addr + r->old_len)
		return -EINVAL;
	if (mm->map_count + 2 >= mm->ms->sysctl.max_map_count - 3)
		return -ENOMEM;
	return 0;
}

/* check_prep_vma */
static int64_t check_prep_vma(struct task_struct *t, struct remap *r)
{
	struct vm_area_struct *vma = r->vma;
	unsigned int shift = mm_page_shift(t->mm);

	if (!vma)
		return -EFAULT;
	r->delta = r->old_len > r->new_len ? r->old_len - r->new_len : r->new_len - r->old_len;
	if (!implies_new_addr(r))
		r->new_addr = r->addr;
	if (!(r->new_len > r->old_len) && !implies_new_addr(r))
		return 0;
	if (!r->old_len && !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE)))
		return -EINVAL;
	if ((r->flags & MREMAP_DONTUNMAP) && (vma->vm_flags & (VM_DONTEXPAND | VM_PFNMAP)))
		return -EINVAL;
	/*
	 * No remapping across the end of the VMA; a shrink only needs the part it keeps inside
	 * it, the tail it unmaps may cross VMAs (6.18 check_prep_vma; live: FIXED shrink of two
	 * adjacent VMAs to one page succeeds).
	 */
	uint64_t old_len = r->new_len < r->old_len ? r->new_len : r->old_len;
	if (old_len > vma->vm_end - r->addr)
		return -EFAULT;
	if (r->new_len == old_len)
		return 0;
	uint64_t pgoff = ((r->addr - vma->vm_start) >> shift) + vma->vm_pgoff;
	if (pgoff + (r->new_len >> shift) < pgoff)
		return -EINVAL;
	if (vma->vm_flags & (VM_DONTEXPAND | VM_PFNMAP))
		return -EFAULT;
	if (!mlock_future_ok(t, vma->vm_flags, r->delta))
		return -EAGAIN;
	if (!may_expand_vm(t, vma->vm_flags, r->delta >> shift))
		return -ENOMEM;
	return 0;
}

/* vrm_calc_charge: an accounted VMA charges what it grows by (or all of it when it moves). */
static int calc_charge(struct task_struct *t, const struct remap *r, bool moving)
{
	if (!(r->vma->vm_flags & VM_ACCOUNT))
		return 0;
	uint64_t bytes = moving ? r->new_len : r->delta;
	return vm_enough_memory(t, bytes >> mm_page_shift(t->mm));
}

/* vma_expandable */
static bool vma_expandable(struct task_struct *t, struct vm_area_struct *vma, uint64_t delta)
{
	uint64_t end = vma->vm_end + delta;
	if (end < vma->vm_end)
		return false;
	if (find_vma_intersection(t->mm, vma->vm_end, end))
		return false;
	return get_unmapped_area(t, NULL, vma->vm_start, end - vma->vm_start, 0, MAP_FIXED) >= 0;
}

static int64_t expand_in_place(struct task_struct *t, struct remap *r)
{
	struct mm_struct *mm = t->mm;
	struct vm_area_struct *vma = r->vma, *next;
	unsigned int shift = mm_page_shift(mm);
	uint64_t end = vma->vm_end + r->delta;

	if (calc_charge(t, r, false))
		return -ENOMEM;
	next = find_vma(mm, vma->vm_end);
	struct vma_merge_struct vmg = {
		.mm = mm, .prev = vma, .next = next && next->vm_start == end ? next : NULL,
		.start = vma->vm_end, .end = end,
		.pgoff = vma->vm_pgoff + vma_pages(vma, shift), .flags = vma->vm_flags,
		.file = vma->vm_file, .anon_vma = vma->anon_vma, .anon_name = vma->anon_name,
	};
	vm_flags_t flags = vma->vm_flags;
	if (!vma_merge_new_range(&vmg))
		return -ENOMEM;
	if (flags & VM_LOCKED)
		mm->locked_vm += r->delta >> shift;
	return (int64_t)r->addr;
}

/*
 * copy_vma + move: the VMA part [addr, addr + old_len) appears at new_addr with new_len
 * (old_len bytes moved, the rest new), merging with the destination's neighbours.
 */
static int64_t move_vma(struct task_struct *t, struct remap *r)
{
	struct mm_struct *mm = t->mm;
	struct vm_area_struct *vma = r->vma, *new_vma, *prev, *next;
	unsigned int shift = mm_page_shift(mm);
	uint64_t new_pgoff = vma->vm_pgoff + ((r->addr - vma->vm_start) >> shift);
	vm_flags_t flags = vma->vm_flags;
	int err;

	if (mm->map_count >= mm->ms->sysctl.max_map_count - 3)	/* prep_move_vma */
		return -ENOMEM;
	if (calc_charge(t, r, true))
		return -ENOMEM;
	/* an anonymous VMA never faulted takes the offset of its new place */
	if (vma_is_anonymous(vma) && !vma->anon_vma)
		new_pgoff = r->new_addr >> shift;
	/* Objects first: the source may need a split when it is unmapped below. */
	new_vma = vm_area_dup(vma, &err);
	if (!new_vma)
		return err;
	err = vma_tree_preallocate(&mm->mm_mt, 1);
	if (err)
		goto out_free;
	next = find_vma_prev(mm, r->new_addr, &prev);
	if (prev && prev->vm_end != r->new_addr)
		prev = NULL;
	if (next && next->vm_start != r->new_addr + r->new_len)
		next = NULL;
	struct vma_merge_struct vmg = {
		.mm = mm, .prev = prev, .next = next, .start = r->new_addr,
		.end = r->new_addr + r->new_len, .pgoff = new_pgoff, .flags = flags,
		.file = vma->vm_file, .anon_vma = vma->anon_vma, .anon_name = vma->anon_name,
	};
	struct vm_area_struct *merged = (vma->vm_ops && vma->vm_ops->mremap) ? NULL
					: vma_merge_new_range(&vmg);
	if (merged) {
		vm_area_free(new_vma);
		new_vma = merged;
		/* copy_vma: the merged VMA now covers the source's pages */
		err = dup_anon_vma(new_vma, vma);
		if (err)
			return err;
	} else {
		new_vma->vm_start = r->new_addr;
		new_vma->vm_end = r->new_addr + r->new_len;
		new_vma->vm_pgoff = new_pgoff;
		err = anon_vma_clone(new_vma, vma);
		if (err)
			goto out_free;
		err = vma_link(mm, new_vma);
		if (err)
			goto out_free;
	}
	/* move_page_tables: the pages go with the VMA (Linux: before the source is unmapped) */
	err = move_page_tables(vma, r->addr, new_vma, r->new_addr,
			       r->old_len < r->new_len ? r->old_len : r->new_len);
	if (err)
		return err;
	if (flags & VM_LOCKED)
		mm->locked_vm += r->new_len >> shift;
	if (new_vma->vm_ops && new_vma->vm_ops->mremap)
		new_vma->vm_ops->mremap(new_vma);	/* [vdso]: context.vdso follows */
	/* the source (looked up again: a merge may have changed it) */
	if (r->flags & MREMAP_DONTUNMAP) {
		struct vm_area_struct *src = find_vma(mm, r->addr);
		if (src && (src->vm_flags & VM_LOCKED))
			mm->locked_vm -= vma_pages(src, shift);
		/* dontunmap_complete: only VM_LOCKED_MASK; VM_ACCOUNT stays (live: "ac" remains) */
		if (src)
			src->vm_flags &= ~VM_LOCKED_MASK;
		/* vm_flags changed outside vma_modify: counters do not depend on these bits */
	} else {
		mm_munmap_range(mm, r->addr, r->addr + r->old_len);
	}
	return (int64_t)r->new_addr;

out_free:
	vm_area_free(new_vma);
	return err;
}

/* vrm_set_new_addr: where the moved VMA goes (get_unmapped_area with the VMA's file and offset). */
static int64_t set_new_addr(struct task_struct *t, struct remap *r)
{
	struct vm_area_struct *vma = r->vma;
	uint64_t pgoff = vma->vm_pgoff + ((r->addr - vma->vm_start) >> mm_page_shift(t->mm));
	uint64_t map_flags = 0;
	if (r->flags & MREMAP_FIXED)
		map_flags |= MAP_FIXED;
	if (vma->vm_flags & VM_MAYSHARE)
		map_flags |= MAP_SHARED;
	int64_t a = get_unmapped_area(t, vma->vm_file, implies_new_addr(r) ? r->new_addr : 0,
				      r->new_len, pgoff, map_flags);
	if (a < 0)
		return a;
	r->new_addr = (uint64_t)a;
	return 0;
}

/* mremap_to: MREMAP_FIXED / MREMAP_DONTUNMAP */
static int64_t mremap_to(struct task_struct *t, struct remap *r)
{
	struct mm_struct *mm = t->mm;
	int64_t err;

	if (r->flags & MREMAP_FIXED) {
		err = mm_munmap_range(mm, r->new_addr, r->new_addr + r->new_len);
		if (err)
			return err;
		r->vma = vma_lookup(mm, r->addr);
		if (!r->vma)
			return -EFAULT;
	}
	if (r->old_len > r->new_len) {	/* shrink first, then move what is left */
		err = mm_munmap_range(mm, r->addr + r->new_len, r->addr + r->old_len);
		if (err)
			return err;
		r->old_len = r->new_len;
		r->vma = vma_lookup(mm, r->addr);
		if (!r->vma)
			return -EFAULT;
	}
	if ((r->flags & MREMAP_DONTUNMAP) &&
	    !may_expand_vm(t, r->vma->vm_flags, r->old_len >> mm_page_shift(mm)))
		return -ENOMEM;
	err = set_new_addr(t, r);
	if (err)
		return err;
	return move_vma(t, r);
}

/* vrm_move_only: a move to a fixed place without resizing may span several VMAs (6.17+). */
static bool move_only(const struct remap *r)
{
	return (r->flags & MREMAP_FIXED) && r->old_len == r->new_len;
}

/*
 * remap_move: move every VMA part in [addr, addr + old_len) to the same offset from new_addr,
 * one at a time as a single-VMA FIXED move (check_prep_vma + mremap_to), so the gaps between
 * them stay and only each piece's target is unmapped (live: mappings in the target where the
 * source has gaps survive). A gap at the start (or no VMA) is -EFAULT; gaps after the first
 * VMA, the trailing one too, are allowed. The result is the first piece's address. A failure
 * after the first piece leaves the pieces before it moved, as Linux does.
 *
 * Linux refuses (-EFAULT) a multi-VMA move of VMAs that are not vma_multi_allowed:
 * userfaultfd-armed ones, and files whose f_op has a get_unmapped_area other than shmem's,
 * hugetlbfs' and thp_get_unmapped_area. mmsim has neither (its files are shmem, ext4-like
 * with thp_get_unmapped_area, or without one), so every VMA is allowed here.
 */
static int64_t remap_move(struct task_struct *t, struct remap *r)
{
	struct mm_struct *mm = t->mm;
	uint64_t start = r->addr, end = r->addr + r->old_len, target = r->new_addr;
	uint64_t last_end = start;
	int64_t res = -EFAULT;
	bool seen = false;

	for (struct vm_area_struct *vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = find_vma(mm, last_end)) {
		uint64_t addr = vma->vm_start > start ? vma->vm_start : start;
		uint64_t len = (vma->vm_end < end ? vma->vm_end : end) - addr;
		/* no gap at the start of the range */
		if (!seen && start < vma->vm_start)
			return -EFAULT;
		/* keep the source's gap between the previous VMA and this one */
		uint64_t offset = seen ? vma->vm_start - last_end : 0;
		last_end = vma->vm_end;	/* read before the move frees vma */
		r->vma = vma;
		r->addr = addr;
		r->new_addr = target + offset;
		r->old_len = r->new_len = len;
		int64_t piece = check_prep_vma(t, r);
		if (!piece)
			piece = mremap_to(t, r);
		if (piece < 0)
			return piece;
		if (!seen)
			res = piece;
		seen = true;
		target = (uint64_t)piece + len;
	}
	return res;
}

static int64_t do_mremap(struct task_struct *t, struct remap *r)
{
	struct mm_struct *mm = t->mm;
	int64_t err;

	r->old_len = mm_page_align(mm, r->old_len);
	r->new_len = mm_page_align(mm, r->new_len);
	err = check_mremap_params(t, r);
	if (err)
		return err;
	if (move_only(r))
		return remap_move(t, r);
	r->vma = vma_lookup(mm, r->addr);
	err = check_prep_vma(t, r);
	if (err)
		return err;
	if (implies_new_addr(r))
		return mremap_to(t, r);
	if (r->old_len == r->new_len)
		return (int64_t)r->addr;
	if (r->old_len > r->new_len) {	/* shrink in place: unmap the tail */
		err = mm_munmap_range(mm, r->addr + r->new_len, r->addr + r->old_len);
		return err ? err : (int64_t)r->addr;
	}
	/* expand_vma */
	if (r->vma->vm_end - r->addr == r->old_len && vma_expandable(t, r->vma, r->delta))
		return expand_in_place(t, r);
	if (!(r->flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	err = set_new_addr(t, r);
	if (err)
		return err;
	return move_vma(t, r);
}

int64_t sys_mremap(struct task_struct *t, uint64_t addr, uint64_t old_len, uint64_t new_len,
		   uint64_t flags, uint64_t new_addr)
{
	struct remap r = { .addr = addr, .old_len = old_len, .new_len = new_len, .flags = flags,
			   .new_addr = new_addr };
	int64_t ret = do_mremap(t, &r);
	int c = mm_check(t->mm);
	return c ? c : ret;
}

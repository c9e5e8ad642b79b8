/*
 * mlock, mlock2, munlock, mlockall, munlockall (Linux 6.18: mm/mlock.c do_mlock,
 * apply_vma_lock_flags, mlock_fixup, apply_mlockall_flags).
 *
 * VM_LOCKED / VM_LOCKONFAULT and locked_vm exactly as Linux; the folios of a locked range
 * are mlocked (unevictable, nr_mlock, unevictable_pgs_mlocked; mm/swap.c), those faulted in
 * later too (folio_add_lru_vma, rmap). The populate's failures (guard regions, PROT_NONE)
 * are not modelled.
 */
#include <errno.h>
#include "kernel/sched.h"
#include "mm/gup.h"
#include "mm/mman.h"
#include "mm/mmap.h"
#include "mm/mmap_internal.h"
#include "mm/vma.h"
#include "mm/vmscan.h"

/* can_do_mlock */
static bool can_do_mlock(const struct task_struct *t)
{
	return rlimit(t, RLIMIT_MEMLOCK) != 0 || capable_ipc_lock(t);
}

/* mlock_fixup: VMAs Linux never locks keep their flags and do not count. */
static int mlock_fixup(struct mm_struct *mm, struct vm_area_struct *vma,
		       struct vm_area_struct **pprev, uint64_t start, uint64_t end,
		       vm_flags_t newflags)
{
	int err = 0;
	vm_flags_t oldflags = vma->vm_flags;

	if (newflags == vma->vm_flags || (vma->vm_flags & (VM_SPECIAL | VM_HUGETLB | VM_DROPPABLE))) {
		*pprev = vma;
		return 0;
	}
	vma = mm_modify_flags(mm, *pprev, vma, start, end, newflags, &err);
	if (!vma)
		return err;
	*pprev = vma;
	/*
	 * mlock_vma_pages_range: the pages already there become mlocked (unevictable) or not;
	 * locked twice (VM_LOCKED to VM_LOCKONFAULT) is no work, and would count twice.
	 */
	if ((newflags & VM_LOCKED) != (oldflags & VM_LOCKED))
		mlock_vma_pages_range(vma, start, end);
	return 0;
}

static int apply_vma_lock_flags(struct mm_struct *mm, uint64_t start, uint64_t len, vm_flags_t flags)
{
	uint64_t end = start + len, nstart, tmp;
	struct vm_area_struct *vma, *prev;
	int err;

	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	vma = vma_lookup(mm, start);
	if (!vma)
		return -ENOMEM;
	find_vma_prev(mm, vma->vm_start, &prev);
	if (start > vma->vm_start)
		prev = vma;
	nstart = start;
	tmp = vma->vm_start;
	while (vma && vma->vm_start < end) {
		if (vma->vm_start != tmp)
			return -ENOMEM;
		vm_flags_t newflags = (vma->vm_flags & ~VM_LOCKED_MASK) | flags;
		tmp = vma->vm_end < end ? vma->vm_end : end;
		err = mlock_fixup(mm, vma, &prev, nstart, tmp, newflags);
		if (err)
			return err;
		tmp = prev->vm_end;
		nstart = tmp;
		vma = find_vma(mm, tmp);
	}
	if (tmp < end)
		return -ENOMEM;
	return 0;
}

/* count_mm_mlocked_page_nr: locked pages already inside [start, start + len). */
static uint64_t count_mm_mlocked_page_nr(struct mm_struct *mm, uint64_t start, uint64_t len)
{
	uint64_t end = start + len, count = 0;
	if (end < start)
		end = UINT64_MAX;
	for (struct vm_area_struct *v = find_vma(mm, start); v && v->vm_start < end;
	     v = find_vma(mm, v->vm_end)) {
		if (!(v->vm_flags & VM_LOCKED))
			continue;
		uint64_t s = v->vm_start > start ? v->vm_start : start;
		uint64_t e = v->vm_end < end ? v->vm_end : end;
		count += (e - s) >> mm_page_shift(mm);
	}
	return count;
}

static int do_mlock(struct task_struct *t, uint64_t start, uint64_t len, vm_flags_t flags)
{
	struct mm_struct *mm = t->mm;
	unsigned int shift = mm_page_shift(mm);
	uint64_t lock_limit, locked;

	if (!can_do_mlock(t))
		return -EPERM;
	len = mm_page_align(mm, len + (start & (mm_page_size(mm) - 1)));
	start &= ~(mm_page_size(mm) - 1);
	lock_limit = rlimit(t, RLIMIT_MEMLOCK) >> shift;
	locked = (len >> shift) + mm->locked_vm;
	if (locked > lock_limit && !capable_ipc_lock(t))
		locked -= count_mm_mlocked_page_nr(mm, start, len);
	if (locked <= lock_limit || capable_ipc_lock(t))
		return apply_vma_lock_flags(mm, start, len, flags);
	return -ENOMEM;
}

/*
 * __mlock_posix_error_return: a populate that failed is -ENOMEM (no page) or -EAGAIN (the
 * page could not be had), as POSIX wants from mlock.
 */
static int mlock_populate(struct task_struct *t, uint64_t start, uint64_t len)
{
	struct mm_struct *mm = t->mm;
	int r;

	len = mm_page_align(mm, len + (start & (mm_page_size(mm) - 1)));
	start &= ~(mm_page_size(mm) - 1);
	r = __mm_populate(t, start, len, false);
	if (r == -EFAULT)
		return -ENOMEM;
	if (r == -ENOMEM)
		return -EAGAIN;
	return r;
}

int64_t sys_mlock(struct task_struct *t, uint64_t start, uint64_t len)
{
	int r = do_mlock(t, start, len, VM_LOCKED);

	if (!r)
		r = mlock_populate(t, start, len);
	int c = mm_check(t->mm);
	return c ? c : r;
}

int64_t sys_mlock2(struct task_struct *t, uint64_t start, uint64_t len, uint64_t flags)
{
	if (flags & ~(uint64_t)MLOCK_ONFAULT)
		return -EINVAL;
	int r = do_mlock(t, start, len, VM_LOCKED | (flags & MLOCK_ONFAULT ? VM_LOCKONFAULT : 0));

	if (!r)
		r = mlock_populate(t, start, len);
	int c = mm_check(t->mm);
	return c ? c : r;
}

int64_t sys_munlock(struct task_struct *t, uint64_t start, uint64_t len)
{
	struct mm_struct *mm = t->mm;
	len = mm_page_align(mm, len + (start & (mm_page_size(mm) - 1)));
	start &= ~(mm_page_size(mm) - 1);
	int r = apply_vma_lock_flags(mm, start, len, 0);
	int c = mm_check(mm);
	return c ? c : r;
}

static void apply_mlockall_flags(struct mm_struct *mm, uint64_t flags)
{
	vm_flags_t to_add = 0;
	struct vm_area_struct *vma, *prev = NULL;

	mm->def_flags &= ~VM_LOCKED_MASK;
	if (flags & MCL_FUTURE) {
		mm->def_flags |= VM_LOCKED;
		if (flags & MCL_ONFAULT)
			mm->def_flags |= VM_LOCKONFAULT;
		if (!(flags & MCL_CURRENT))
			return;
	}
	if (flags & MCL_CURRENT) {
		to_add |= VM_LOCKED;
		if (flags & MCL_ONFAULT)
			to_add |= VM_LOCKONFAULT;
	}
	for (vma = find_vma(mm, 0); vma; vma = find_vma(mm, prev->vm_end)) {
		vm_flags_t newflags = (vma->vm_flags & ~VM_LOCKED_MASK) | to_add;
		if (mlock_fixup(mm, vma, &prev, vma->vm_start, vma->vm_end, newflags))
			prev = vma;	/* errors are ignored; prev needs fixing up */
	}
}

int64_t sys_mlockall(struct task_struct *t, uint64_t flags)
{
	struct mm_struct *mm = t->mm;
	int r = -ENOMEM;

	if (!flags || (flags & ~(uint64_t)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
	    flags == MCL_ONFAULT)
		return -EINVAL;
	if (!can_do_mlock(t))
		return -EPERM;
	if (!(flags & MCL_CURRENT) || mm->total_vm <= rlimit(t, RLIMIT_MEMLOCK) >> mm_page_shift(mm) ||
	    capable_ipc_lock(t)) {
		apply_mlockall_flags(mm, flags);
		if (flags & MCL_CURRENT)
			mm_populate(t, 0, mm->task_size);
		r = 0;
	}
	int c = mm_check(mm);
	return c ? c : r;
}

int64_t sys_munlockall(struct task_struct *t)
{
	apply_mlockall_flags(t->mm, 0);
	int c = mm_check(t->mm);
	return c;
}

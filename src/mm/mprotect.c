/*
 * mprotect (Linux 6.18: mm/mprotect.c do_mprotect_pkey, mprotect_fixup).
 *
 * Left out: pkeys (pkey_mprotect; this machine's CPU has none), memory-deny-write-execute
 * (MMF_HAS_MDWE is honoured for the W^X check only), sealing, the populate of a VM_LOCKED
 * private mapping made writable (pages come with the fault issue).
 */
#include <errno.h>
#include "kernel/sched.h"
#include "mm/mman.h"
#include "mm/memory.h"
#include "mm/mmap.h"
#include "mm/mmap_internal.h"
#include "mm/vma.h"

struct vm_area_struct *mm_modify_flags(struct mm_struct *mm, struct vm_area_struct *prev,
				       struct vm_area_struct *vma, uint64_t start, uint64_t end,
				       vm_flags_t newflags, int *err)
{
	vm_flags_t oldflags = vma->vm_flags;
	uint64_t prot;

	/* vma.c applies the flags, vm_page_prot and the counters but locked_vm */
	vma = vma_modify_flags(mm, prev, vma, start, end, newflags, err);
	if (!vma)
		return NULL;
	if ((oldflags ^ newflags) & VM_LOCKED)
		mm->locked_vm += (newflags & VM_LOCKED ? 1 : -1) *
				 (int64_t)((end - start) >> mm_page_shift(mm));
	prot = vma->vm_page_prot;
	/* change_protection: the entries already there get the new permissions */
	if (!vma->vm_ops && ((oldflags ^ newflags) & (VM_ACCESS_FLAGS | VM_SHARED)) && mm->pgd.root[0])
		change_protection(vma, start, end, prot);	/* mm/memory.c */
	return vma;
}

/* map_deny_write_exec (include/linux/mman.h) */
static bool map_deny_write_exec(const struct mm_struct *mm, vm_flags_t old, vm_flags_t new)
{
	if (!(mm->flags & MMF_HAS_MDWE))
		return false;
	if ((new & VM_EXEC) && (new & VM_WRITE))
		return true;
	return (new & VM_EXEC) && !(old & VM_EXEC);
}

/* mprotect_fixup: one VMA's part [start, end) gets newflags; *pprev follows. */
static int mprotect_fixup(struct task_struct *t, struct vm_area_struct *vma,
			  struct vm_area_struct **pprev, uint64_t start, uint64_t end,
			  vm_flags_t newflags)
{
	struct mm_struct *mm = t->mm;
	vm_flags_t oldflags = vma->vm_flags;
	uint64_t nrpages = (end - start) >> mm_page_shift(mm);
	int err = 0;

	if (newflags == oldflags) {
		*pprev = vma;
		return 0;
	}
	if (newflags & VM_WRITE) {
		/* check space limits when the area turns into data */
		if (!may_expand_vm(t, newflags, nrpages) && may_expand_vm(t, oldflags, nrpages))
			return -ENOMEM;
		if (!(oldflags & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB | VM_SHARED | VM_NORESERVE))) {
			if (vm_enough_memory(t, nrpages))
				return -ENOMEM;
			newflags |= VM_ACCOUNT;
		}
	} else if ((oldflags & VM_ACCOUNT) && vma_is_anonymous(vma) && !vma->anon_vma) {
		/* nothing faulted yet: a read-only private mapping gives its charge back */
		newflags &= ~VM_ACCOUNT;
	}
	vma = mm_modify_flags(mm, *pprev, vma, start, end, newflags, &err);
	if (!vma)
		return err;
	*pprev = vma;
	return 0;
}

static int do_mprotect(struct task_struct *t, uint64_t start, uint64_t len, uint64_t prot)
{
	struct mm_struct *mm = t->mm;
	uint64_t end, nstart, tmp, reqprot;
	uint64_t grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	struct vm_area_struct *vma, *prev;
	bool rier;
	int error;

	prot &= ~(uint64_t)(PROT_GROWSDOWN | PROT_GROWSUP);
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP))	/* can't be both */
		return -EINVAL;
	if (mm_offset_in_page(mm, start))
		return -EINVAL;
	if (!len)
		return 0;
	len = mm_page_align(mm, len);
	end = start + len;
	if (end <= start)
		return -ENOMEM;
	if (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))	/* arch_validate_prot */
		return -EINVAL;
	reqprot = prot;
	rier = (t->personality & READ_IMPLIES_EXEC) && (prot & PROT_READ);

	vma = find_vma(mm, start);
	if (!vma || vma->vm_start >= end)
		return -ENOMEM;
	if (grows & PROT_GROWSDOWN) {
		start = vma->vm_start;
		if (!(vma->vm_flags & VM_GROWSDOWN))
			return -EINVAL;
	} else {
		if (vma->vm_start > start)
			return -ENOMEM;
		if (grows & PROT_GROWSUP)	/* no VM_GROWSUP on x86 or arm64 */
			return -EINVAL;
	}
	find_vma_prev(mm, vma->vm_start, &prev);
	if (start > vma->vm_start)
		prev = vma;

	nstart = start;
	tmp = vma->vm_start;
	error = 0;
	while (vma && vma->vm_start < end) {
		vm_flags_t newflags;
		if (vma->vm_start != tmp) {
			error = -ENOMEM;
			break;
		}
		if (rier && (vma->vm_flags & VM_MAYEXEC))
			prot |= PROT_EXEC;
		newflags = (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) |
			   (prot & PROT_EXEC ? VM_EXEC : 0);
		newflags |= vma->vm_flags & ~VM_ACCESS_FLAGS;
		/* newflags >> 4 puts VM_MAY* where VM_* are */
		if ((newflags & ~(newflags >> 4)) & VM_ACCESS_FLAGS) {
			error = -EACCES;
			break;
		}
		if (map_deny_write_exec(mm, vma->vm_flags, newflags)) {
			error = -EACCES;
			break;
		}
		tmp = vma->vm_end < end ? vma->vm_end : end;
		error = mprotect_fixup(t, vma, &prev, nstart, tmp, newflags);
		if (error)
			break;
		tmp = prev->vm_end;	/* vma_iter_end: the VMA now ending at or after tmp */
		nstart = tmp;
		prot = reqprot;
		vma = find_vma(mm, tmp);
	}
	if (!error && tmp < end)
		error = -ENOMEM;
	return error;
}

int64_t sys_mprotect(struct task_struct *t, uint64_t start, uint64_t len, uint64_t prot)
{
	int r = do_mprotect(t, start, len, prot);
	int c = mm_check(t->mm);
	return c ? c : r;
}

/*
 * Faulting pages in on behalf of a system call (Linux 6.18 mm/gup.c: populate_vma_page_range,
 * __mm_populate, faultin_page_range, __get_user_pages / follow_page_mask / faultin_page).
 *
 * MAP_POPULATE, mlock, mlockall(MCL_CURRENT) and MADV_POPULATE_{READ,WRITE} walk their range
 * page by page: a page whose leaf already allows the access is skipped (follow_page_mask
 * found it; a huge leaf skips all its pages), otherwise handle_mm_fault is called as a
 * hardware fault would, and the fault is counted the same way (pgfault, the calling task's
 * min_flt / maj_flt: mm_account_fault counts GUP faults too, only perf events are skipped).
 * A writable private mapping is populated with write faults, so that copy-on-write is
 * broken and no zero page remains (populate_vma_page_range: "We want to touch writable
 * mappings with a write fault in order to break COW").
 */
#include <errno.h>

#include "kernel/sched.h"
#include "mm/gup.h"
#include "mm/memory.h"
#include "mm/mmzone.h"
#include "mm/vma.h"

/*
 * follow_page_mask, for what populate needs: does a present leaf at addr allow the access?
 * *next gets the first address past that leaf.
 */
static bool page_present(struct mm_struct *mm, uint64_t addr, bool write, uint64_t *next)
{
	const struct pt_format *f = mm->pgd.fmt;
	struct pte_desc d;
	int level;

	*next = (addr & ~(mm->ms->page_size - 1)) + mm->ms->page_size;
	if (pgtable_lookup(&mm->pgd, addr, &d, &level, NULL) || d.kind != PTE_KIND_LEAF)
		return false;
	if (write && !(d.prot & PTE_WRITE))
		return false;
	*next = (addr | ((1ull << f->level[level].shift) - 1)) + 1;
	return true;
}

/* vm_fault_to_errno for GUP */
static int fault_errno(vm_fault_t ret)
{
	if (ret & VM_FAULT_OOM)
		return -ENOMEM;
	if (ret & VM_FAULT_MMSIM_NOSYS)
		return -ENOSYS;
	return -EFAULT;		/* SIGBUS, SIGSEGV, HWPOISON */
}

/* __get_user_pages over [start, end) of vma: fault in what is not there (or not writable). */
static int faultin_range(struct task_struct *t, struct vm_area_struct *vma, uint64_t start,
			 uint64_t end, bool write)
{
	struct mm_struct *mm = vma->vm_mm;
	uint64_t addr = start, next;

	while (addr < end) {
		if (page_present(mm, addr, write, &next)) {
			addr = next;
			continue;
		}
		vm_fault_t ret = handle_mm_fault(vma, addr, write ? FAULT_FLAG_WRITE : 0, t);

		if (ret & VM_FAULT_ERROR)
			return fault_errno(ret);
		/* the fault fixed the entry (or a retry would): look at it again */
		if (!page_present(mm, addr, write, &next))
			return -EFAULT;
		addr = next;
	}
	return 0;
}

int populate_vma_page_range(struct task_struct *t, struct vm_area_struct *vma, uint64_t start,
			    uint64_t end)
{
	bool write = (vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;

	/* mlock2(MLOCK_ONFAULT): locked, but populated only by later faults */
	if (vma->vm_flags & VM_LOCKONFAULT)
		return 0;
	/* check_vma_flags: a read of a VMA without access fails (FOLL_FORCE only helps
	   accessible VMAs) */
	if (!(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
		return -EFAULT;
	return faultin_range(t, vma, start, end, write);
}

int __mm_populate(struct task_struct *t, uint64_t start, uint64_t len, bool ignore_errors)
{
	struct mm_struct *mm = t->mm;
	uint64_t end = start + len, nstart, nend;
	int ret = 0;

	for (nstart = start; nstart < end; nstart = nend) {
		struct vm_area_struct *vma = find_vma(mm, nstart);

		if (!vma || vma->vm_start >= end)
			break;
		nend = vma->vm_end < end ? vma->vm_end : end;
		if (vma->vm_flags & (VM_IO | VM_PFNMAP))
			continue;
		if (nstart < vma->vm_start)
			nstart = vma->vm_start;
		ret = populate_vma_page_range(t, vma, nstart, nend);
		if (ret < 0) {
			if (ignore_errors) {
				ret = 0;
				continue;
			}
			break;
		}
	}
	return ret;
}

int faultin_page_range(struct task_struct *t, uint64_t start, uint64_t end, bool write)
{
	struct mm_struct *mm = t->mm;

	while (start < end) {
		struct vm_area_struct *vma = vma_lookup(mm, start);
		uint64_t e;
		int ret;

		if (!vma)
			return -ENOMEM;
		/* check_vma_flags without FOLL_FORCE */
		if (vma->vm_flags & (VM_IO | VM_PFNMAP))
			return -EFAULT;
		if (write ? !(vma->vm_flags & VM_WRITE) : !(vma->vm_flags & VM_READ))
			return -EFAULT;
		e = vma->vm_end < end ? vma->vm_end : end;
		ret = faultin_range(t, vma, start, e, write);
		if (ret)
			return ret;
		start = e;
	}
	return 0;
}

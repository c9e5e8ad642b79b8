/*
 * The CPU loop of one user access (Linux 6.18: arch/x86/mm/fault.c do_user_addr_fault,
 * access_error, bad_area_nosemaphore / bad_area_access_error; arch/arm64/mm/fault.c
 * do_page_fault for arm64's VMA check; mm/memory.c lock_mm_and_find_vma).
 *
 *   task_access(va, size, kind)
 *     switch CPU 0 to the task's mm (root register + the mm's ASID, flushing that ASID)
 *     for every page the access spans, in order:
 *         mmu_translate --ok--> next page
 *                       --fault record--> do_user_addr_fault
 *                              find VMA (or expand_stack) ---none---> SIGSEGV SEGV_MAPERR
 *                              access_error ---------------yes----> SIGSEGV SEGV_ACCERR
 *                              handle_mm_fault ---SIGSEGV/SIGBUS/OOM/not modelled--> stop
 *                       --fixed--> restart the access from its first page (the CPU
 *                                  re-executes the faulting instruction)
 *     all pages translated: move the bytes (a store never writes part of itself)
 *
 * Leaves out: kernel-mode accesses (copy_from_user fixups), pkeys, SMAP, signals' delivery
 * (the signal is recorded in the result), the mmap lock and VMA locks.
 */
#include <errno.h>
#include <string.h>

#include "kernel/access.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/memory.h"
#include "mm/mmap.h"
#include "mm/oom.h"
#include "mm/policy_reclaim.h"
#include "mm/vma.h"

#define MMSIM_SI_KERNEL 0x80	/* si_code of a #GP (non-canonical address) */
#define ACCESS_MAX_PAGES 17	/* an access is at most 64 KiB: 16 pages + a partial one */

/* switch_mm_irqs_off: load mm's tables into CPU 0 under mm's ASID. */
static int switch_mm(struct mmsim_machine *m, struct mm_struct *mm)
{
	struct mmu *mmu = &m->cpu[0];
	uint16_t asid = mm_asid(mm);
	int err;

	if (mmu_root_table(mmu, 0) == mm->pgd.root[0] && mmu->asid == asid)
		return 0;
	err = mmu_set_root(mmu, 0, mm->pgd.root[0], asid, false);
	if (err)
		return err;
	/*
	 * ASIDs are derived from the root table, so another mm (or the translate demo) may have
	 * run under this one: flush it, as Linux does when it reuses an ASID (tlb_gen mismatch).
	 */
	mmu_flush_asid(mmu, asid);
	return 0;
}

/* access_error: does the VMA forbid this access? (x86 rules; arm64's are stricter for exec) */
static bool access_error(struct mmsim_machine *m, const struct vm_area_struct *vma,
			 const struct mmu_fault *f)
{
	unsigned int kind = f->access & MMU_KIND_MASK;

	if (m->paging->arch == ARCH_ARM64) {
		vm_flags_t need = kind == MMU_EXEC ? VM_EXEC : kind == MMU_WRITE ? VM_WRITE : VM_ACCESS_FLAGS;
		return !(vma->vm_flags & need);
	}
	if (kind == MMU_WRITE)
		return !(vma->vm_flags & VM_WRITE);
	/* read or fetch of a present page: a protection fault (NX, PROT_NONE) */
	if (f->type == MMU_FAULT_PROT)
		return true;
	return !(vma->vm_flags & VM_ACCESS_FLAGS);	/* vma_is_accessible */
}

static int bad_area(struct access_result *res, uint64_t addr, int code)
{
	res->signo = MMSIM_SIGSEGV;
	res->si_code = code;
	res->addr = addr;
	return 1;
}

/*
 * do_user_addr_fault: 0 when the PTE was fixed (retry), 1 when a signal ends the access
 * (res filled), or a negative errno (-ENOMEM: OOM; -ENOSYS: path not modelled; -EFAULT).
 */
static int do_user_addr_fault(struct mmsim_machine *m, struct task_struct *t,
			      const struct mmu_fault *f, struct access_result *res)
{
	struct mm_struct *mm = t->mm;
	unsigned int kind = f->access & MMU_KIND_MASK,
		     flags = FAULT_FLAG_USER | FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_KILLABLE;
	uint64_t addr = f->va;
	struct vm_area_struct *vma;
	vm_fault_t ret;
	int err = 0;

	res->faults++;
	if (f->type == MMU_FAULT_NONCANONICAL) {
		/* x86 #GP: SIGSEGV SI_KERNEL with address 0 (exc_general_protection) */
		bad_area(res, 0, MMSIM_SI_KERNEL);
		return 1;
	}
	if (f->type == MMU_FAULT_RESERVED || f->type == MMU_FAULT_ADDRESS_SIZE)
		return -EFAULT;		/* pgtable_bad: damaged tables are a model bug */
	if (addr >= mm->task_size)
		return bad_area(res, addr, MMSIM_SEGV_MAPERR);	/* kernel address from user */
	if (kind == MMU_WRITE)
		flags |= FAULT_FLAG_WRITE;
	if (kind == MMU_EXEC)
		flags |= FAULT_FLAG_INSTRUCTION;

	/* lock_mm_and_find_vma: the VMA holding addr, or a stack that may grow down to it */
	vma = vma_lookup(mm, addr);
	if (!vma) {
		vma = expand_stack(t, addr, &err);
		if (!vma)
			return bad_area(res, addr, MMSIM_SEGV_MAPERR);
	}
	if (access_error(m, vma, f))
		return bad_area(res, addr, MMSIM_SEGV_ACCERR);

	ret = handle_mm_fault(vma, addr, flags, t);
	/*
	 * VM_FAULT_RETRY: the handler let go of the lock for I/O (filemap_fault reading the
	 * page). As do_user_addr_fault: the first attempt runs under the per-VMA lock, and its
	 * retry under the mmap lock carries FAULT_FLAG_TRIED only when the first was major
	 * (then mm_account_fault counts the retry as major); a retry under the mmap lock
	 * always sets it ("goto retry"). A third retry would be a model bug, reported.
	 */
	if (ret & VM_FAULT_RETRY) {
		bool major = ret & VM_FAULT_MAJOR;

		if (major)
			flags |= FAULT_FLAG_TRIED;
		ret = handle_mm_fault(vma, addr, flags, t);
		if (ret & VM_FAULT_RETRY) {
			flags |= FAULT_FLAG_TRIED;
			ret = handle_mm_fault(vma, addr, flags, t);
		}
		if (ret & VM_FAULT_RETRY)
			return -EFAULT;
		if (major)
			ret |= VM_FAULT_MAJOR;
	}
	if (ret & VM_FAULT_MAJOR)
		res->major++;
	/* the OOM killer chose this task during its fault: SIGKILL on the way back to user mode */
	if (oom_kill_current(&m->mm, t)) {
		res->signo = MMSIM_SIGKILL;
		res->addr = addr;
		return 1;
	}
	if (ret & VM_FAULT_OOM)
		return -ENOMEM;		/* pagefault_out_of_memory: no victim could be chosen */
	if (ret & VM_FAULT_MMSIM_NOSYS)
		return -ENOSYS;
	if (ret & VM_FAULT_SIGSEGV)
		return bad_area(res, addr, MMSIM_SEGV_ACCERR);
	if (ret & (VM_FAULT_SIGBUS | VM_FAULT_HWPOISON)) {
		res->signo = MMSIM_SIGBUS;
		res->si_code = MMSIM_BUS_ADRERR;
		res->addr = addr;
		return 1;
	}
	return 0;
}

bool task_access_switched(struct mmsim_machine *m, const struct task_struct *t)
{
	const struct mmu *mmu = m->cpu ? &m->cpu[0] : NULL;

	/* switch_mm's own test for "nothing to do" */
	return mmu && t && t->mm && mmu_root_table(mmu, 0) == t->mm->pgd.root[0] &&
	       mmu->asid == mm_asid(t->mm);
}

/*
 * A fault f of one page: do_user_addr_fault, within the access's budget of faults.
 * 0 the entry was fixed (retry the access), 1 a signal ends it, or a negative errno.
 */
static int access_fault(struct mmsim_machine *m, struct task_struct *t, const struct mmu_fault *f,
			unsigned int *budget, struct access_result *res)
{
	if (!*budget)
		return -EFAULT;		/* the handler keeps not fixing the entry */
	(*budget)--;
	return do_user_addr_fault(m, t, f, res);
}

/*
 * The CPU loop after task_access's checks and switch_mm: translate every page of the access,
 * handling faults and restarting, then move the bytes. pending: the first page's translation
 * already failed with it (task_access_after_fault), or NULL.
 */
static int access_pages(struct mmsim_machine *m, struct task_struct *t, uint64_t va,
			uint32_t size, unsigned int kind, void *buf, const struct mmu_fault *pending,
			struct access_result *res)
{
	/* only pa[0] is zeroed: every page's entry is written before the bytes move (zeroing
	   all 17 cost a `rep stos` on every access) */
	uint64_t ps = m->mm.page_size, first, last, pa[ACCESS_MAX_PAGES];
	struct mmu *mmu = &m->cpu[0];
	unsigned int npages, budget, i;
	int err;

	first = va & ~(ps - 1);
	last = (va + size - 1) & ~(ps - 1);
	npages = (unsigned int)((last - first) / ps) + 1;
	/* each page may need a not-present fault and a write-protect fault, and one spare */
	budget = 3 * npages + 1;
	pa[0] = 0;
	if (pending) {
		err = access_fault(m, t, pending, &budget, res);
		if (err)
			return err < 0 ? err : 0;	/* 1: a signal ends the access */
	}
restart:
	for (i = 0; i < npages; i++) {
		uint64_t addr = i ? first + i * ps : va;
		struct mmu_xlat x;
		struct mmu_fault f;

		if (!mmu_translate(mmu, addr, kind | MMU_USER, &x, &f)) {
			pa[i] = x.pa;
			continue;
		}
		err = access_fault(m, t, &f, &budget, res);
		if (err)
			return err < 0 ? err : 0;
		goto restart;
	}
	res->pa = pa[0];
	/* research mode: every page the access touched is one reference for the policy */
	if (__builtin_expect(m->mm.rpolicy != NULL, 0)) {
		for (i = 0; i < npages; i++)
			rpolicy_access(&m->mm, pa[i] >> m->mm.page_shift, kind == MMU_WRITE);
	}
	if (!buf)
		return 0;
	for (i = 0; i < npages; i++) {
		uint64_t addr = i ? first + i * ps : va;
		uint64_t end = i + 1 < npages ? first + (i + 1) * ps : va + size;
		uint8_t *b = (uint8_t *)buf + (addr - va);
		void *host = phys_to_host(&m->ram, pa[i]);

		if (kind == MMU_WRITE)
			memcpy(host, b, end - addr);
		else
			memcpy(b, host, end - addr);
	}
	return 0;
}

/* task_access's checks of its arguments; 0 or -EINVAL. */
static int access_check(struct mmsim_machine *m, struct task_struct *t, uint64_t va,
			uint32_t size, unsigned int kind)
{
	if (!size || size > 16 * m->mm.page_size || kind > MMU_EXEC || !t || t->exited || !t->mm ||
	    !m->cpu)
		return -EINVAL;
	if (va + size - 1 < va)
		return -EINVAL;		/* wraps around the address space */
	return 0;
}

int task_access_data(struct mmsim_machine *m, struct task_struct *t, uint64_t va, uint32_t size,
		     unsigned int kind, void *buf, struct access_result *res)
{
	int err;

	memset(res, 0, sizeof(*res));
	err = access_check(m, t, va, size, kind);
	if (err)
		return err;
	err = switch_mm(m, t->mm);
	if (err)
		return err;
	return access_pages(m, t, va, size, kind, buf, NULL, res);
}

int task_access_after_fault(struct mmsim_machine *m, struct task_struct *t, uint64_t va,
			    uint32_t size, unsigned int kind, const struct mmu_fault *f,
			    struct access_result *res)
{
	int err;

	memset(res, 0, sizeof(*res));
	err = access_check(m, t, va, size, kind);
	if (err)
		return err;
	return access_pages(m, t, va, size, kind, NULL, f, res);
}

int task_access(struct mmsim_machine *m, struct task_struct *t, uint64_t va, uint32_t size,
		unsigned int kind, struct access_result *res)
{
	return task_access_data(m, t, va, size, kind, NULL, res);
}

/*
 * The CPU loop of one user access (Linux: the hardware raising #PF, arch/x86/mm/fault.c
 * do_user_addr_fault / bad_area / access_error, and the retry of the faulting instruction).
 *
 * task_access runs one access of `size` bytes at va on CPU 0: switches the MMU to the
 * task's mm (root register, the mm's ASID), translates every page the access spans (an access
 * crossing a page boundary touches both, in address order), and on a fault finds the VMA
 * (growing a VM_GROWSDOWN stack when allowed), checks the access against the VMA and calls
 * handle_mm_fault, then retries (at most a few times per page). A fault that cannot be
 * fixed ends the access with a signal recorded in res (SIGSEGV: no VMA -> SEGV_MAPERR,
 * not allowed -> SEGV_ACCERR; SIGBUS), as the kernel would deliver it.
 */
#ifndef MMSIM_KERNEL_ACCESS_H
#define MMSIM_KERNEL_ACCESS_H
#include <stdbool.h>
#include <stdint.h>

struct mmsim_machine;
struct mmu_fault;
struct task_struct;

/* Signal numbers and si_codes as x86-64 Linux (asm-generic/signal.h, siginfo.h). */
#define MMSIM_SIGBUS	7
#define MMSIM_SIGKILL	9	/* the OOM killer chose the task (mm/oom_kill.c) */
#define MMSIM_SIGSEGV	11
#define MMSIM_SEGV_MAPERR	1	/* address not mapped */
#define MMSIM_SEGV_ACCERR	2	/* invalid permissions for mapped object */
#define MMSIM_BUS_ADRERR	2	/* nonexistent physical address */

struct access_result {
	int signo;		/* 0: done; MMSIM_SIGSEGV / MMSIM_SIGBUS / MMSIM_SIGKILL: the access stopped */
	int si_code;		/* MMSIM_SEGV_* / MMSIM_BUS_* when signo != 0 */
	uint64_t addr;		/* si_addr: the faulting address */
	uint64_t pa;		/* physical address of the first byte (signo == 0) */
	unsigned int faults;	/* page faults taken by this access (handled or not) */
	unsigned int major;	/* of which major */
};

/*
 * One access by task t: kind MMU_READ / MMU_WRITE / MMU_EXEC (hw/mmu.h), user mode.
 * Returns 0 (res says whether a signal ended it), -EINVAL (size 0, bad kind, no mm, exited
 * task), -ENOMEM (VM_FAULT_OOM: nothing changed), -ENOSYS (the fault needs a path this
 * slice does not model: file-backed or shared mapping), -EFAULT (the fault handler kept
 * failing to fix the PTE: a bug, reported rather than looped on).
 */
int task_access(struct mmsim_machine *m, struct task_struct *t, uint64_t va, uint32_t size,
		unsigned int kind, struct access_result *res);

/*
 * task_access that also moves bytes: a write copies buf into simulated RAM, a read copies
 * simulated RAM into buf (size bytes; pages may be discontiguous). Same returns.
 */
int task_access_data(struct mmsim_machine *m, struct task_struct *t, uint64_t va, uint32_t size,
		     unsigned int kind, void *buf, struct access_result *res);

/*
 * For callers that run many accesses of one task and take the common case inline (the trace
 * runner, kernel/trace_run.c): an access whose first page the MMU translates at once needs
 * nothing of task_access but that translation, as long as CPU 0 already runs t's tables.
 *
 * task_access_switched: would task_access's switch_mm change nothing now (CPU 0's user root
 * register holds t's page tables under t's ASID)? While it holds, a caller that calls
 * mmu_translate(&m->cpu[0], va, kind | MMU_USER, ...) itself for an access of size bytes
 * within one page (size >= 1, kind MMU_READ/WRITE/EXEC, t alive with an mm) has done exactly
 * what task_access would do, counters included, when the translation succeeds; when it fails
 * with fault f, task_access_after_fault(m, t, va, size, kind, &f, res) does the rest, with
 * the same result, counters and returns as task_access.
 */
bool task_access_switched(struct mmsim_machine *m, const struct task_struct *t);
int task_access_after_fault(struct mmsim_machine *m, struct task_struct *t, uint64_t va,
			    uint32_t size, unsigned int kind, const struct mmu_fault *f,
			    struct access_result *res);
#endif

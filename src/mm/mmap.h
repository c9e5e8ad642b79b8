/*
 * The memory system calls and the in-kernel mapping helpers (Linux: mm/mmap.c, mm/vma.c's
 * do_vmi_munmap, mm/util.c's vm_mmap, mm/mprotect.c, mm/mremap.c, mm/madvise.c, mm/mlock.c,
 * mm/msync.c, mm/mincore.c, mm/nommu.c not modelled; arch/x86/mm/mmap.c for the layout).
 *
 * sys_*: the system calls as user space makes them, with Linux 6.18's argument checks in
 * Linux's order, so that every failure gives the errno the kernel gives. They return the
 * value the system call returns (an address, 0) or a negative errno, and leave the address
 * space unchanged when they fail (as Linux does for every case but the few it documents, e.g.
 * munmap of part of a range before -ENOMEM; those are named where they happen).
 *
 * The task (kernel/sched.h) supplies what Linux reads from `current`: mm, files, rlimits,
 * personality, capabilities.
 */
#ifndef MMSIM_MM_MMAP_H
#define MMSIM_MM_MMAP_H
#include "mm/mm_types.h"

struct task_struct;

/* --- system calls -------------------------------------------------------------------------- */
int64_t sys_brk(struct task_struct *t, uint64_t brk);
int64_t sys_mmap(struct task_struct *t, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags,
		 int64_t fd, uint64_t off);				/* x86-64 mmap */
int64_t sys_mmap_pgoff(struct task_struct *t, uint64_t addr, uint64_t len, uint64_t prot,
		       uint64_t flags, int64_t fd, uint64_t pgoff);	/* i386 mmap2 */
int64_t sys_munmap(struct task_struct *t, uint64_t addr, uint64_t len);
int64_t sys_mprotect(struct task_struct *t, uint64_t start, uint64_t len, uint64_t prot);
int64_t sys_mremap(struct task_struct *t, uint64_t addr, uint64_t old_len, uint64_t new_len,
		   uint64_t flags, uint64_t new_addr);
int64_t sys_madvise(struct task_struct *t, uint64_t start, uint64_t len, int64_t behavior);
int64_t sys_mlock(struct task_struct *t, uint64_t start, uint64_t len);
int64_t sys_mlock2(struct task_struct *t, uint64_t start, uint64_t len, uint64_t flags);
int64_t sys_munlock(struct task_struct *t, uint64_t start, uint64_t len);
int64_t sys_mlockall(struct task_struct *t, uint64_t flags);
int64_t sys_munlockall(struct task_struct *t);
int64_t sys_msync(struct task_struct *t, uint64_t start, uint64_t len, uint64_t flags);
/* vec: one byte per page written (bit 0: resident = a present PTE, the zero page too) */
int64_t sys_mincore(struct task_struct *t, uint64_t start, uint64_t len, uint8_t *vec,
		    uint64_t vec_len);
/* prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, start, len, name); name NULL clears */
int64_t sys_prctl_set_vma_anon_name(struct task_struct *t, uint64_t start, uint64_t len,
				    const char *name);

/* --- for exec, fork and the fault path ------------------------------------------------------ */
/*
 * Choose mm's layout as arch_pick_mmap_layout does: MMF_TOPDOWN unless legacy_va_layout,
 * ADDR_COMPAT_LAYOUT or an unlimited stack rlimit; mmap_base below the stack gap with the
 * random offset of the task's ASLR setting (from the machine's seeded generator).
 */
void arch_pick_mmap_layout(struct mm_struct *mm, const struct task_struct *t);
/* vm_mmap_pgoff for in-kernel users (the ELF loader): same result as the mmap system call. */
int64_t vm_mmap(struct task_struct *t, struct file *file, uint64_t addr, uint64_t len,
		uint64_t prot, uint64_t flags, uint64_t off);
/* vm_brk_flags: an anonymous mapping of [addr, addr+len) (bss, heap), merging with prev. */
int vm_brk_flags(struct task_struct *t, uint64_t addr, uint64_t len, vm_flags_t flags);
/* do_munmap from kernel code. */
int do_munmap(struct task_struct *t, uint64_t start, uint64_t len);
/* get_unmapped_area as mmap uses it; the address or a negative errno. */
int64_t get_unmapped_area(struct task_struct *t, struct file *file, uint64_t addr, uint64_t len,
			  uint64_t pgoff, uint64_t flags);
/*
 * Grow the stack VMA below/containing addr down to addr (expand_stack), with the guard gap
 * and RLIMIT_STACK checks. The VMA that now covers addr, or NULL (*err = -EFAULT/-ENOMEM).
 */
struct vm_area_struct *expand_stack(struct task_struct *t, uint64_t addr, int *err);
/* Install a special mapping ([vdso], [vvar], [vvar_vclock]). */
int install_special_mapping(struct mm_struct *mm, uint64_t addr, uint64_t len, vm_flags_t flags,
			    const struct vm_operations_struct *ops);
/* Unmap every VMA and free every object (exit_mmap). */
void exit_mmap(struct mm_struct *mm);

#endif

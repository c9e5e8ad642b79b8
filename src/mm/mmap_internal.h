/*
 * Helpers shared by the system-call files of the address-space layer (mmap.c, mprotect.c,
 * mremap.c, madvise.c, mlock.c, msync.c, mincore.c). Linux keeps these in mm/internal.h,
 * mm/vma.h and include/linux/mm.h; they read `current` there, the task here.
 */
#ifndef MMSIM_MM_MMAP_INTERNAL_H
#define MMSIM_MM_MMAP_INTERNAL_H
#include <errno.h>
#include "kernel/sched.h"
#include "mm/mm_types.h"
#include "mm/mmzone.h"
#include "mm/vma.h"

static inline struct mm_sys *task_ms(const struct task_struct *t) { return t->mm->ms; }
static inline uint64_t mm_page_size(const struct mm_struct *mm) { return mm->ms->page_size; }
static inline unsigned int mm_page_shift(const struct mm_struct *mm) { return mm->ms->page_shift; }
static inline uint64_t mm_page_align(const struct mm_struct *mm, uint64_t x)
{
	return (x + mm_page_size(mm) - 1) & ~(mm_page_size(mm) - 1);
}
static inline bool mm_offset_in_page(const struct mm_struct *mm, uint64_t x)
{
	return (x & (mm_page_size(mm) - 1)) != 0;
}
static inline uint64_t rlimit(const struct task_struct *t, int r) { return t->rlim[r].rlim_cur; }
static inline uint64_t vma_pages(const struct vm_area_struct *v, unsigned int shift)
{
	return (v->vm_end - v->vm_start) >> shift;
}
static inline bool vma_is_anonymous(const struct vm_area_struct *v)
{
	return !v->vm_file && !v->vm_ops;
}

/*
 * capable(CAP_IPC_LOCK). capable(CAP_SYS_RAWIO) (mmap below mmap_min_addr) has no field in
 * struct task_struct yet: a task with CAP_IPC_LOCK is taken to be root and to hold
 * CAP_SYS_RAWIO too, as every root process does (the report asks for the field).
 */
static inline bool capable_ipc_lock(const struct task_struct *t) { return t->cap_ipc_lock; }
static inline bool capable_sys_rawio(const struct task_struct *t) { return t->cap_sys_rawio; }

/* The task runs a 32-bit ABI (in_32bit_syscall / mmap_is_ia32). */
static inline bool task_is_32bit(const struct task_struct *t) { return t->compat; }

/* TASK_SIZE of the task (its mm's task_size once exec set it). */
uint64_t mmap_task_size(const struct task_struct *t);
/* mmap_min_addr as the kernel keeps it: max(vm.mmap_min_addr, CONFIG_LSM_MMAP_MIN_ADDR). */
uint64_t mmap_min_addr_eff(const struct mm_sys *ms);
/* security_mmap_addr (cap_mmap_addr): -EPERM below vm.mmap_min_addr without CAP_SYS_RAWIO. */
int security_mmap_addr(const struct task_struct *t, uint64_t addr);

/* may_expand_vm (mm/mmap.c): RLIMIT_AS, and RLIMIT_DATA for data mappings. */
bool may_expand_vm(const struct task_struct *t, vm_flags_t flags, uint64_t npages);
/* mlock_future_ok (mm/mmap.c): VM_LOCKED growth within RLIMIT_MEMLOCK or CAP_IPC_LOCK. */
bool mlock_future_ok(const struct task_struct *t, vm_flags_t flags, uint64_t bytes);
/* __vm_enough_memory (mm/util.c) for npages of commit: 0 or -ENOMEM. */
int vm_enough_memory(const struct task_struct *t, uint64_t npages);

/* vm_start_gap (include/linux/mm.h): the start with the stack guard gap below it. */
uint64_t vm_start_gap(const struct mm_struct *mm, const struct vm_area_struct *vma);

/*
 * do_vmi_munmap (mm/vma.c): unmap [start, start + len) (page aligned, len page aligned and
 * non zero) from mm. A VMA that must be split in the middle needs a free map_count slot:
 * -ENOMEM when map_count >= max_map_count, as Linux. Nothing changes on failure.
 */
int mm_munmap_range(struct mm_struct *mm, uint64_t start, uint64_t end);

/* Clear the page tables of [start, end) when mm has tables. 0 or -ENOMEM/-EINVAL. */
int mm_zap_range(struct mm_struct *mm, uint64_t start, uint64_t end);

/* Apply new flags to [start, end) of vma (mprotect_fixup's core, also madvise and mlock). */
struct vm_area_struct *mm_modify_flags(struct mm_struct *mm, struct vm_area_struct *prev,
				       struct vm_area_struct *vma, uint64_t start, uint64_t end,
				       vm_flags_t newflags, int *err);

/* Check mm when the machine runs with check on (after every system call). */
int mm_check(struct mm_struct *mm);
#endif

/*
 * VMA flags and the helpers around them (Linux: include/linux/mm.h).
 *
 * vm_flags bit values are Linux 6.18's (x86-64, CONFIG_ARCH_HAS_PKEYS=y). The reference
 * kernel has neither CONFIG_MEM_SOFT_DIRTY nor CONFIG_X86_USER_SHADOW_STACK (there
 * VM_SOFTDIRTY and VM_SHADOW_STACK are VM_NONE); the values below are the bits Linux gives
 * them when configured. /proc/PID/smaps prints them as two-letter mnemonics
 * (show_smap_vma_flags in fs/proc/task_mmu.c); report/ keeps that table.
 */
#ifndef MMSIM_MM_MM_H
#define MMSIM_MM_MM_H
#include <stdint.h>
#include <stdbool.h>

typedef uint64_t vm_flags_t;

#define VM_NONE		0x00000000ull
#define VM_READ		0x00000001ull	/* rd */
#define VM_WRITE	0x00000002ull	/* wr */
#define VM_EXEC		0x00000004ull	/* ex */
#define VM_SHARED	0x00000008ull	/* sh */
#define VM_MAYREAD	0x00000010ull	/* mr: mprotect may add PROT_READ */
#define VM_MAYWRITE	0x00000020ull	/* mw */
#define VM_MAYEXEC	0x00000040ull	/* me */
#define VM_MAYSHARE	0x00000080ull	/* ms: MAP_SHARED (even of a read-only file) */
#define VM_GROWSDOWN	0x00000100ull	/* gd: a stack that grows down */
#define VM_UFFD_MISSING	0x00000200ull	/* um */
#define VM_PFNMAP	0x00000400ull	/* pf: raw PFNs, no struct page ([vvar]) */
#define VM_MAYBE_GUARD	0x00000800ull	/* gu: MADV_GUARD_INSTALL was used (6.18) */
#define VM_UFFD_WP	0x00001000ull	/* uw */
#define VM_LOCKED	0x00002000ull	/* lo: mlock */
#define VM_IO		0x00004000ull	/* io */
#define VM_SEQ_READ	0x00008000ull	/* sr: MADV_SEQUENTIAL */
#define VM_RAND_READ	0x00010000ull	/* rr: MADV_RANDOM */
#define VM_DONTCOPY	0x00020000ull	/* dc: MADV_DONTFORK */
#define VM_DONTEXPAND	0x00040000ull	/* de: mremap may not grow it */
#define VM_LOCKONFAULT	0x00080000ull	/* lf: mlock2(MLOCK_ONFAULT) */
#define VM_ACCOUNT	0x00100000ull	/* ac: charged to the commit limit */
#define VM_NORESERVE	0x00200000ull	/* nr: MAP_NORESERVE */
#define VM_HUGETLB	0x00400000ull	/* ht */
#define VM_SYNC		0x00800000ull	/* sf: MAP_SYNC */
#define VM_ARCH_1	0x01000000ull	/* ar */
#define VM_WIPEONFORK	0x02000000ull	/* wf */
#define VM_DONTDUMP	0x04000000ull	/* dd */
#define VM_SOFTDIRTY	0x08000000ull	/* sd: soft-dirty tracking; ignored by merging */
#define VM_MIXEDMAP	0x10000000ull	/* mm: [vdso] */
#define VM_HUGEPAGE	0x20000000ull	/* hg: MADV_HUGEPAGE */
#define VM_NOHUGEPAGE	0x40000000ull	/* nh: MADV_NOHUGEPAGE */
#define VM_MERGEABLE	0x80000000ull	/* mg: KSM */
#define VM_PKEY_SHIFT	32		/* x86 protection keys: bits 32..36 */
#define VM_PKEY_BIT0	(1ull << 32)
#define VM_PKEY_BIT1	(1ull << 33)
#define VM_PKEY_BIT2	(1ull << 34)
#define VM_PKEY_BIT3	(1ull << 35)
#define VM_SHADOW_STACK	(1ull << 37)	/* ss: x86 user shadow stack (VM_HIGH_ARCH_5) */
#define VM_DROPPABLE	(1ull << 40)	/* MAP_DROPPABLE */
#define VM_UFFD_MINOR	(1ull << 41)	/* ui */
#define VM_SEALED	(1ull << 42)	/* sl: mseal */

#define VM_STACK	VM_GROWSDOWN
/*
 * Data and stack defaults (VM_DATA_FLAGS_TSK_EXEC of x86 and arm64): VM_EXEC is added only
 * for a READ_IMPLIES_EXEC personality. VM_SOFTDIRTY is added to new VMAs only with
 * CONFIG_MEM_SOFT_DIRTY, which this machine's kernel does not have (kprofile).
 */
#define VM_DATA_FLAGS_NON_EXEC (VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
#define VM_STACK_FLAGS_BASE (VM_STACK | VM_ACCOUNT)	/* | the data flags of the task */
/* exec marks the stack VMA with these until setup_arg_pages has placed it */
#define VM_STACK_INCOMPLETE_SETUP (VM_RAND_READ | VM_SEQ_READ)
#define VM_ACCESS_FLAGS	(VM_READ | VM_WRITE | VM_EXEC)
#define VM_SPECIAL	(VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP)
#define VM_LOCKED_MASK	(VM_LOCKED | VM_LOCKONFAULT)
/*
 * Flags that do not stop two VMAs merging, and that the merged VMA keeps from every part
 * (VM_STICKY of mm/vma.c is_mergeable_vma): on the reference kernel a VMA marked "gu" by
 * MADV_GUARD_INSTALL merges with an unmarked neighbour and the result shows "gu".
 */
#define VM_IGNORE_MERGE	(VM_SOFTDIRTY | VM_MAYBE_GUARD)

/* The mm counters of /proc/PID/status (VmData, VmStk, VmExe; vm_stat_account in mmap.c). */
static inline bool is_exec_mapping(vm_flags_t f) { return (f & (VM_WRITE | VM_EXEC | VM_STACK)) == VM_EXEC; }
static inline bool is_stack_mapping(vm_flags_t f) { return (f & VM_STACK) == VM_STACK; }
static inline bool is_data_mapping(vm_flags_t f) { return (f & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE; }
/* vm sysctls that the mm reads (/proc/sys/vm/ *, /proc/sys/kernel/randomize_va_space). */
struct vm_sysctl {
	int max_map_count;		/* 65530 (DEFAULT_MAX_MAP_COUNT) */
	uint64_t mmap_min_addr;		/* kprofile default_mmap_min_addr (4096 here) */
	int legacy_va_layout;		/* 0 */
	int randomize_va_space;		/* 2 */
	bool anon_vma_name;		/* PR_SET_VMA_ANON_NAME allowed (kprofile config_anon_vma_name,
					   a machine option to turn on) */
	int overcommit_memory;		/* 0: heuristic */
	int overcommit_ratio;		/* 50 */
	uint64_t stack_guard_gap;	/* 256 pages, in bytes (stack_guard_gap= boot option) */
	/* memory pressure (issue 6): vm.swappiness, vm.page-cluster, vm.vfs_cache_pressure,
	   vm.dirty_ratio, vm.dirty_background_ratio, vm.panic_on_oom,
	   vm.oom_kill_allocating_task, vm.watermark_boost_factor */
	int swappiness;			/* 60 */
	int page_cluster;		/* 3: swap readahead of 2^3 pages */
	int vfs_cache_pressure;		/* 100 */
	int dirty_ratio;		/* 20 (0..100; 0 after vm.dirty_bytes is written) */
	int dirty_background_ratio;	/* 10 (0..100; 0 after vm.dirty_background_bytes) */
	int panic_on_oom;		/* 0 */
	int oom_kill_allocating_task;	/* 0 */
	/* dirty limits (mm/page-writeback.c): a nonzero bytes form wins over its ratio */
	uint64_t dirty_bytes;		/* vm.dirty_bytes: 0, else >= 2 pages */
	uint64_t dirty_background_bytes; /* vm.dirty_background_bytes: 0 */
	int highmem_is_dirtyable;	/* vm.highmem_is_dirtyable (CONFIG_HIGHMEM only): 0 */
};

/*
 * Dirty throttling's state (ms->wb), which Linux keeps beside the dirty sysctls in
 * mm/page-writeback.c, the one file that writes it. Invariants (dirty_throttle_validate):
 * ratelimit_pages is 0 (not computed yet) or >= 16; bdp_ratelimits[cpu] >= 0 and 0 for
 * cpu >= nr_cpus.
 */
struct writeback_state {
	long ratelimit_pages;		/* writeback_set_ratelimit: dirty_thresh / (cpus * 32) */
	bool dirty_exceeded;		/* wb->dirty_exceeded of the one backing device */
	int bdp_ratelimits[256];	/* per CPU (MAX_CPUS): pages dirtied since the last
					   balance_dirty_pages on that CPU */
	uint64_t nr_pauses;		/* dirtier pauses (throttled balance_dirty_pages) */
	uint64_t nr_background_runs;	/* background writeback runs of the flusher */
};
#endif

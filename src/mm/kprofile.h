/*
 * Kernel-version dependent constants in one table, so that modelling another kernel is
 * one new row (DESIGN.md). Each value says where it comes from.
 */
#ifndef MMSIM_MM_KPROFILE_H
#define MMSIM_MM_KPROFILE_H
#include <stdint.h>
#include <stdbool.h>

struct kernel_profile {
	const char *version;
	/* The kernel image memblock reserves at boot ("Memory: ... (N kernel code, N rwdata,
	 * N rodata, N init, N bss ...)" in dmesg). init is freed at the end of boot. */
	uint64_t image_text, image_rwdata, image_rodata, image_init, image_bss;
	uint64_t pgdat_size;		/* sizeof(pg_data_t): dmesg "NODE_DATA(0) allocated" */
	unsigned int percpu_pages;	/* first percpu chunk per CPU: "percpu: Embedded N pages/cpu" */
	/* alloc_large_system_hash() tables allocated from memblock on one-node machines */
	unsigned int dhash_scale, ihash_scale, hash_bucket_size;
	/* calculate_min_free_kbytes() bounds */
	unsigned int min_free_kbytes_lo, min_free_kbytes_hi;
	unsigned int min_percpu_pagelist_high_fraction; /* MIN_PERCPU_PAGELIST_HIGH_FRACTION */
	unsigned int swap_cluster_max;	/* SWAP_CLUSTER_MAX, the highmem/movable min watermark floor */

	/* Build options of the reference kernel that change what user space sees (issue 4). */
	bool config_anon_vma_name;	/* CONFIG_ANON_VMA_NAME: PR_SET_VMA_ANON_NAME works */
	bool config_mem_soft_dirty;	/* CONFIG_MEM_SOFT_DIRTY: new VMAs get VM_SOFTDIRTY */
	bool config_legacy_vsyscall_xonly;	/* [vsyscall] shown as --xp */
	uint64_t default_mmap_min_addr;	/* CONFIG_DEFAULT_MMAP_MIN_ADDR */
	uint64_t lsm_mmap_min_addr;	/* CONFIG_LSM_MMAP_MIN_ADDR: below it needs CAP_SYS_RAWIO */
};

/* The profile of the kernel mmsim models (Linux 6.18). */
const struct kernel_profile *kernel_profile_current(void);
#endif

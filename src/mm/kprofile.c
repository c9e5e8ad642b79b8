#include "mm/kprofile.h"

/*
 * Linux 6.18 on x86_64, read off the development machine (6.18.44, dmesg kept in
 * tests/oracle/host-6.18/dmesg.txt):
 *   "Memory: 3218172K/25165432K available (18478K kernel code, 2544K rwdata, 10280K rodata,
 *    3728K init, 1168K bss, ...)"; "NODE_DATA(0) allocated [mem 0x63ffd5500-0x63fffffff]"
 *   (0x2ab00 bytes); "percpu: Embedded 53 pages/cpu".
 * Hash scales: fs/dcache.c dcache_init_early (scale 13), fs/inode.c inode_init_early (14),
 * buckets of one pointer (hlist_bl_head / hlist_head). min_free_kbytes bounds and the pcp
 * high fraction: mm/page_alloc.c. SWAP_CLUSTER_MAX: include/linux/swap.h.
 */
static const struct kernel_profile linux_6_18 = {
	.version = "6.18",
	.image_text = 18478ull << 10,
	.image_rwdata = 2544ull << 10,
	.image_rodata = 10280ull << 10,
	.image_init = 3728ull << 10,
	.image_bss = 1168ull << 10,
	.pgdat_size = 0x2ab00,
	.percpu_pages = 53,
	.dhash_scale = 13,
	.ihash_scale = 14,
	.hash_bucket_size = 8,
	.min_free_kbytes_lo = 128,
	.min_free_kbytes_hi = 262144,
	.min_percpu_pagelist_high_fraction = 8,
	.swap_cluster_max = 32,
	/* /proc/config.gz of the reference machine (Debian's 6.18 build) */
	.config_anon_vma_name = false,		/* "# CONFIG_ANON_VMA_NAME is not set" */
	.config_mem_soft_dirty = false,		/* "# CONFIG_MEM_SOFT_DIRTY is not set" */
	.config_legacy_vsyscall_xonly = true,	/* CONFIG_LEGACY_VSYSCALL_XONLY=y */
	.default_mmap_min_addr = 4096,		/* CONFIG_DEFAULT_MMAP_MIN_ADDR=4096 */
	.lsm_mmap_min_addr = 65536,		/* CONFIG_LSM_MMAP_MIN_ADDR=65536 */
};

const struct kernel_profile *kernel_profile_current(void)
{
	return &linux_6_18;
}

/*
 * The description of a machine to boot: the hardware (architecture, the firmware's
 * physical memory map, NUMA nodes, CPUs) and the kernel command line parameters that
 * shape physical memory (movablecore=, kernelcore=, min_free_kbytes ...).
 *
 * It is plain data: src/input/config.c fills it from options, INI files and e820 logs;
 * src/kernel/boot.c checks it and boots from it. This struct is what mmsim_config wraps.
 *
 * Invariants (machine_desc_validate checks them, boot refuses a description that breaks one):
 *  - arch != NULL;
 *  - either nr_ranges > 0 (an explicit map with at least one usable range) or
 *    ram_size > 0 (boot lays out the PC map, with its 3-4 GiB hole, on x86, and one range
 *    at the default base on arm64; on x86 the kernel's trims apply to every map);
 *  - ranges are sorted by start, do not overlap, each has start < end and lies below
 *    2^arch->max_phys_bits;
 *  - 1 <= nr_nodes <= MAX_NUMNODES and 1 <= nr_cpus <= MAX_CPUS;
 *  - explicit node ranges exist only when node_ranges_set, for nodes < nr_nodes, are
 *    given for all of them, are disjoint and each contains usable RAM;
 *    distance[i][i] == 10 and distance[i][j] > 10 for i != j;
 *  - kernel parameters lie in the ranges Linux's sysctls and boot options accept;
 *  - paging is NULL (the architecture's default format) or a format of arch;
 *  - tlb passes tlb_config_check.
 */
#ifndef MMSIM_HW_MACHINE_DESC_H
#define MMSIM_HW_MACHINE_DESC_H
#include <stdbool.h>
#include <stdint.h>
#include "arch/arch.h"
#include "arch/pgtable.h"
#include "hw/tlb.h"
#include "mmsim/mmsim.h"

#define MAX_E820_ENTRIES 128
#define MAX_NUMNODES 64
#define MAX_CPUS 256

/* Firmware range types, as the e820 table numbers them (arch/x86/include/asm/e820/types.h). */
enum e820_type {
	E820_TYPE_RAM = 1,
	E820_TYPE_RESERVED = 2,
	E820_TYPE_ACPI = 3,
	E820_TYPE_NVS = 4,
	E820_TYPE_UNUSABLE = 5,
	E820_TYPE_PMEM = 7,
	E820_TYPE_PRAM = 12,
	E820_TYPE_SOFT_RESERVED = 0xefffffff,
};

/* One range of the physical map: [start, end) in bytes. */
struct mem_range {
	uint64_t start, end;
	uint32_t type;		/* enum e820_type */
};

enum memory_model { MEMORY_MODEL_SPARSE, MEMORY_MODEL_FLAT };
enum thp_mode { THP_ALWAYS, THP_MADVISE, THP_NEVER };
/* /sys/kernel/mm/transparent_hugepage/defrag */
enum thp_defrag { THP_DEFRAG_ALWAYS, THP_DEFRAG_DEFER, THP_DEFRAG_DEFER_MADVISE,
		  THP_DEFRAG_MADVISE, THP_DEFRAG_NEVER };

struct machine_desc {
	const struct arch_info *arch;
	uint64_t ram_size;			/* bytes; used when nr_ranges == 0 */
	unsigned int nr_ranges;
	struct mem_range ranges[MAX_E820_ENTRIES];
	bool map_from_firmware;			/* ranges came from BIOS-e820 lines: apply x86's
						   early trims (page 0, 640K-1M) as Linux does */
	unsigned int nr_nodes;
	bool node_ranges_set;
	struct { uint64_t start, end; } node_range[MAX_NUMNODES];
	bool distance_set;
	uint8_t distance[MAX_NUMNODES][MAX_NUMNODES];
	unsigned int nr_cpus;
	enum memory_model memory_model;
	uint64_t seed;
	/* kernel command line */
	uint64_t movablecore;			/* bytes, 0 = not given */
	uint64_t kernelcore;			/* bytes, 0 = not given */
	unsigned int movablecore_percent;	/* movablecore=N% (0 = not given) */
	unsigned int kernelcore_percent;
	int64_t min_free_kbytes;		/* -1: computed at boot as Linux does */
	unsigned int watermark_scale_factor;	/* vm.watermark_scale_factor, default 10 */
	unsigned int lowmem_reserve_ratio[6];	/* when _set: literal per zone index, 0 = no
						   reserve; otherwise the arch default */
	bool lowmem_reserve_ratio_set;
	unsigned int percpu_pagelist_high_fraction; /* 0 = the default sizing from low wmark */
	enum thp_mode thp;			/* transparent_hugepage= (raises min_free_kbytes) */
	enum thp_defrag thp_defrag;		/* transparent_hugepage/defrag (madvise) */
	bool thp_use_zero_page;			/* transparent_hugepage/use_zero_page (1) */
	unsigned int fault_around_bytes;	/* debugfs fault_around_bytes (65536) */
	unsigned int read_ahead_kb;		/* the block device's queue/read_ahead_kb */
	unsigned int nr_requests;		/* the block device's queue/nr_requests (writes in
						   flight at most; 0: synchronous), block/blkdev.h */
	int file_writes;			/* enum file_writes_mode: 0 copy, 1 real */
	bool check;				/* run every validator after every operation */
	/* swap= (mm/swapfile.c swap_boot): an area swapped on at boot */
	bool swap_set;
	char swap_path[256];			/* "" with swap_set: a scratch file */
	uint64_t swap_size;			/* bytes, for a file to be made (0: not given) */
	int swap_prio;				/* SWAP_FLAG_PREFER priority, -1: the default */
	/* policy= and policy_frames= (mm/policy_reclaim.h): "" or "linux": Linux's reclaim;
	   otherwise a research policy spec "name[:key=value,...]" decides what is evicted */
	char policy[96];
	uint64_t policy_frames;			/* frames the policy may fill (0: all RAM) */
	int anon_vma_name;			/* CONFIG_ANON_VMA_NAME: -1 as the kernel profile
						   (off on the reference kernel), 0 off, 1 on */
	/* MMU */
	const struct pt_format *paging;		/* page-table format; NULL = arch default */
	struct tlb_config tlb;			/* per-CPU TLB hierarchy (default: per arch) */
	bool tlb_set;				/* tlb given; otherwise the arch's preset */
};

/* The page-table format d boots with (its paging, or the architecture's default). */
const struct pt_format *machine_desc_paging(const struct machine_desc *d);
/* The TLB configuration d boots with (its tlb, or the arch preset into *buf). */
const struct tlb_config *machine_desc_tlb(const struct machine_desc *d, struct tlb_config *buf);

/* Fill d with the defaults: x86_64, 4 GiB of RAM (a PC map at boot), 1 node, 2 CPUs. */
void machine_desc_init(struct machine_desc *d);
/* Check the invariants above; on failure fill err and return -EINVAL. */
int machine_desc_validate(const struct machine_desc *d, struct mmsim_error *err);
/* Name of an e820 type as the kernel prints it ("usable", "reserved", "ACPI data" ...). */
const char *e820_type_name(uint32_t type);
/* The public mmsim_config is a machine description being built. */
struct mmsim_config {
	struct machine_desc desc;
};
#endif

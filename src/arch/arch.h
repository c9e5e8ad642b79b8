/*
 * Per-architecture constants the physical memory manager needs: page size, zone
 * boundaries, section size, pageblock order, where the kernel image is loaded.
 * (Page-table formats join this directory with the MMU issue.)
 */
#ifndef MMSIM_ARCH_ARCH_H
#define MMSIM_ARCH_ARCH_H
#include <stdint.h>
#include <stdbool.h>

enum arch_id { ARCH_X86_64, ARCH_I386, ARCH_ARM64, NR_ARCHES };

/* Zone kinds, in Linux's order (include/linux/mmzone.h enum zone_type). */
enum zone_type { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_HIGHMEM, ZONE_MOVABLE, ZONE_DEVICE,
		 NR_ZONE_TYPES };

struct arch_info {
	enum arch_id id;
	const char *name;		/* "x86_64", "i386", "arm64" */
	unsigned int page_shift;	/* 12 for 4 KiB pages */
	unsigned int max_page_order;	/* MAX_PAGE_ORDER: largest buddy order (10) */
	unsigned int pageblock_order;	/* order of a pageblock (9 = 2 MiB with 4 KiB pages) */
	unsigned int section_size_bits;	/* SECTION_SIZE_BITS for SPARSEMEM */
	unsigned int max_phys_bits;	/* MAX_PHYSMEM_BITS */
	bool is_64bit;
	/*
	 * The zones this configuration compiles in, in order (Linux's zone index is the
	 * position in this list: on x86_64 DMA=0 DMA32=1 Normal=2 Movable=3 Device=4).
	 */
	unsigned int nr_zones;
	enum zone_type zones[NR_ZONE_TYPES];
	/* Lowmem_reserve_ratio default per zone index (sysctl vm.lowmem_reserve_ratio). */
	unsigned int lowmem_reserve_ratio[NR_ZONE_TYPES];
	uint64_t dma_limit;		/* end (exclusive) of ZONE_DMA, bytes */
	uint64_t dma32_limit;		/* end of ZONE_DMA32, or 0 when absent */
	uint64_t highmem_start;		/* start of ZONE_HIGHMEM, or 0 when absent */
	uint64_t kernel_load;		/* physical address of the kernel image */
	uint64_t reserve_low;		/* bytes at physical 0 memblock reserves (x86: 1 MiB) */
	uint64_t default_ram_base;	/* where RAM starts when only a size is given */
};

/* The constants of arch id, or NULL. */
const struct arch_info *arch_get(enum arch_id id);
/* Look up by name ("x86_64", "x86-64", "amd64", "i386", "x86", "arm64", "aarch64"). */
const struct arch_info *arch_by_name(const char *name);
/* Linux's name for a zone kind ("DMA", "DMA32", "Normal", "HighMem", "Movable", "Device"). */
const char *zone_type_name(enum zone_type t);
#endif

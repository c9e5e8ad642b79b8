/*
 * Facts per architecture, Linux 6.18 defaults:
 *  x86_64: arch/x86/include/asm/sparsemem.h SECTION_SIZE_BITS 27, MAX_PHYSMEM_BITS 46 (4-level);
 *          zones DMA < 16 MiB (MAX_DMA_PFN), DMA32 < 4 GiB (MAX_DMA32_PFN); kernel loaded at
 *          CONFIG_PHYSICAL_START 0x1000000; the whole first 1 MiB is reserved (arch/x86/kernel/
 *          setup.c, since 5.13). ZONE_DEVICE is configured on distribution kernels (and on the
 *          kernel of the development machine, whose zoneinfo lists it).
 *  i386:   non-PAE SECTION_SIZE_BITS 26; zones DMA < 16 MiB, Normal < 896 MiB (MAXMEM with the
 *          3G/1G split), HighMem above; pageblock order 10 (4 MiB PSE pages, HPAGE_SHIFT 22).
 *  arm64:  4 KiB granule: SECTION_SIZE_BITS 27; ZONE_DMA up to the DMA limit (zone_dma_bits,
 *          32 bits when firmware sets no narrower limit), DMA32 up to 4 GiB; RAM of QEMU's
 *          "virt" board at 0x40000000 by default.
 * vm.lowmem_reserve_ratio defaults come from mm/page_alloc.c: DMA 256, DMA32 256, Normal 32,
 * HighMem 0, Movable 0.
 */
#include "arch/arch.h"
#include <string.h>
#include <strings.h>

#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

static const struct arch_info arches[NR_ARCHES] = {
	[ARCH_X86_64] = {
		.id = ARCH_X86_64, .name = "x86_64", .page_shift = 12, .max_page_order = 10,
		.pageblock_order = 9, .section_size_bits = 27, .max_phys_bits = 46, .is_64bit = true,
		.nr_zones = 5,
		.zones = { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, ZONE_DEVICE },
		.lowmem_reserve_ratio = { 256, 256, 32, 0, 0 },
		.dma_limit = MiB(16), .dma32_limit = GiB(4), .highmem_start = 0,
		.kernel_load = MiB(16), .reserve_low = MiB(1), .default_ram_base = 0,
	},
	[ARCH_I386] = {
		.id = ARCH_I386, .name = "i386", .page_shift = 12, .max_page_order = 10,
		.pageblock_order = 10, .section_size_bits = 26, .max_phys_bits = 32, .is_64bit = false,
		.nr_zones = 4,
		.zones = { ZONE_DMA, ZONE_NORMAL, ZONE_HIGHMEM, ZONE_MOVABLE },
		.lowmem_reserve_ratio = { 256, 32, 0, 0 },
		.dma_limit = MiB(16), .dma32_limit = 0, .highmem_start = MiB(896),
		.kernel_load = MiB(16), .reserve_low = MiB(1), .default_ram_base = 0,
	},
	[ARCH_ARM64] = {
		.id = ARCH_ARM64, .name = "arm64", .page_shift = 12, .max_page_order = 10,
		.pageblock_order = 9, .section_size_bits = 27, .max_phys_bits = 48, .is_64bit = true,
		.nr_zones = 5,
		.zones = { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, ZONE_DEVICE },
		.lowmem_reserve_ratio = { 256, 256, 32, 0, 0 },
		.dma_limit = GiB(4), .dma32_limit = GiB(4), .highmem_start = 0,
		.kernel_load = GiB(1) + MiB(2), .reserve_low = 0, .default_ram_base = GiB(1),
	},
};

const struct arch_info *arch_get(enum arch_id id)
{
	return (unsigned)id < NR_ARCHES ? &arches[id] : NULL;
}

const struct arch_info *arch_by_name(const char *name)
{
	static const struct { const char *alias; enum arch_id id; } names[] = {
		{ "x86_64", ARCH_X86_64 }, { "x86-64", ARCH_X86_64 }, { "amd64", ARCH_X86_64 },
		{ "i386", ARCH_I386 }, { "x86", ARCH_I386 }, { "i686", ARCH_I386 },
		{ "arm64", ARCH_ARM64 }, { "aarch64", ARCH_ARM64 },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(name, names[i].alias))
			return &arches[names[i].id];
	return NULL;
}

const char *zone_type_name(enum zone_type t)
{
	static const char *const n[NR_ZONE_TYPES] = {
		"DMA", "DMA32", "Normal", "HighMem", "Movable", "Device" };
	return (unsigned)t < NR_ZONE_TYPES ? n[t] : "?";
}

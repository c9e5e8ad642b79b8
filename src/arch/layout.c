/*
 * Kernel virtual memory layouts of Linux 6.18 per paging format (see arch/layout.h), and
 * their rendering the way the kernel's own documents draw them.
 *
 * Sources (Linux 6.18 unless said otherwise; read through the code search, whose copies
 * are of recent mainline):
 *   x86_64  Documentation/arch/x86/x86_64/mm.rst (both tables, copied row by row);
 *           arch/x86/include/asm/page_64_types.h (__PAGE_OFFSET_BASE_L4/_L5, TASK_SIZE_MAX,
 *           DEFAULT_MAP_WINDOW), pgtable_64_types.h (__VMALLOC_BASE_L4/_L5,
 *           __VMEMMAP_BASE_L4/_L5, LDT_PGD_ENTRY, CPU_ENTRY_AREA_BASE, ESPFIX_BASE_ADDR,
 *           EFI_VA_START/END, MODULES_VADDR/END, VSYSCALL_ADDR).
 *   i386    arch/x86/include/asm/pgtable_32_areas.h (VMALLOC_OFFSET, LAST_PKMAP,
 *           CPU_ENTRY_AREA_BASE, LDT_BASE_ADDR, PKMAP_BASE, VMALLOC_END, MAXMEM),
 *           arch/x86/mm/pgtable_32.c (__VMALLOC_RESERVE), arch/x86/mm/pgtable.c
 *           (__FIXADDR_TOP), CONFIG_PAGE_OFFSET for CONFIG_VMSPLIT_3G; the line format of the
 *           old arch/x86/mm/init_32.c mem_init() "virtual kernel memory layout:" printk.
 *   arm64   arch/arm64/include/asm/memory.h (PAGE_OFFSET, _PAGE_END, MODULES_VADDR/VSIZE,
 *           VMEMMAP_RANGE/SIZE/START/END, PCI_IO_START/SIZE, FIXADDR_TOP, KASAN_SHADOW_*),
 *           pgtable.h (VMALLOC_START/END), fixmap.h (enum fixed_addresses),
 *           arch/arm64/Kconfig (KASAN_SHADOW_OFFSET, NR_CPUS default 512),
 *           Documentation/arch/arm64/memory.rst (the table format and its words).
 *           The memory.rst table of 6.x still shows the pre-6.9 placement (vmemmap at
 *           0xfffffc0000000000, fixmap and PCI I/O below it); since the 52-bit/LPA2 rework
 *           (6.9) memory.h puts vmemmap just below -1 GiB and PCI I/O and the fixmap above
 *           it. The figures here follow memory.h.
 */
#include "arch/layout.h"
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "arch/arch.h"
#include "mmsim/mmsim.h"
#include "util/error.h"
#include "util/strbuf.h"

#define SZ_4K		0x1000ull
#define SZ_256K		0x40000ull
#define SZ_2M		0x200000ull
#define SZ_4M		0x400000ull
#define SZ_8M		0x800000ull
#define SZ_16M		0x1000000ull
#define SZ_128M		0x8000000ull
#define SZ_1G		0x40000000ull
#define SZ_2G		0x80000000ull

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#define REGION(n, s, e, d)		{ (n), (s), (e), (d), 0, NULL }
#define HOLE(s, e, d)			{ "hole", (s), (e), (d), LR_HOLE, NULL }
#define USER(s, e, d)			{ "user", (s), (e), (d), LR_USER, NULL }

/* ---- x86_64 ------------------------------------------------------------------------------- */

/*
 * Documentation/arch/x86/x86_64/mm.rst, "Complete virtual memory map with 4-level page
 * tables" and "... with 5-level page tables". The two differ below -4 TB; from
 * 0xfffffc0000000000 up they are identical ("Identical layout to the 56-bit one from here
 * on"):
 *
 *   fffffc0000000000 ....... unused hole (vaddr_end for KASLR)
 *   fffffe0000000000 ....... cpu_entry_area            CPU_ENTRY_AREA_BASE
 *   ffffff0000000000 ....... %esp fixup stacks         ESPFIX_BASE_ADDR
 *   ffffffef00000000 ....... EFI runtime services      EFI_VA_END (-68 GB) .. EFI_VA_START (-4 GB)
 *   ffffffff80000000 ....... kernel text               __START_KERNEL_map
 *   ffffffffa0000000 ....... modules                   MODULES_VADDR .. MODULES_END
 *   FIXADDR_START .......... fixmap (variable size)
 *   ffffffffff600000 ....... vsyscall page             VSYSCALL_ADDR
 */
#define X86_64_COMMON_TOP						\
	HOLE(0xfffffc0000000000, 0xfffffdffffffffff,			\
	     "... unused hole (vaddr_end for KASLR)"),			\
	REGION("cpu_entry_area", 0xfffffe0000000000, 0xfffffe7fffffffff,	\
	       "cpu_entry_area mapping"),				\
	HOLE(0xfffffe8000000000, 0xfffffeffffffffff, "... unused hole"),	\
	REGION("espfix", 0xffffff0000000000, 0xffffff7fffffffff,	\
	       "%esp fixup stacks"),					\
	HOLE(0xffffff8000000000, 0xffffffeeffffffff, "... unused hole"),	\
	REGION("efi", 0xffffffef00000000, 0xfffffffeffffffff,		\
	       "EFI region mapping space"),				\
	HOLE(0xffffffff00000000, 0xffffffff7fffffff, "... unused hole"),	\
	REGION("kernel text", 0xffffffff80000000, 0xffffffff9fffffff,	\
	       "kernel text mapping, mapped to physical address 0"),	\
	REGION("modules", 0xffffffffa0000000, 0xfffffffffeffffff,	\
	       "module mapping space"),					\
	{ "fixmap", 0xffffffffff500000, 0xffffffffff5fffff,		\
	  "kernel-internal fixmap range, variable size and offset",	\
	  LR_VAR_START, "FIXADDR_START" },				\
	REGION("vsyscall", 0xffffffffff600000, 0xffffffffff600fff,	\
	       "legacy vsyscall ABI"),					\
	HOLE(0xffffffffffe00000, 0xffffffffffffffff, "... unused hole")

static const struct layout_region x86_64_4l_regions[] = {
	USER(0x0000000000000000, 0x00007fffffffffff, "user-space virtual memory, different per mm"),
	HOLE(0x0000800000000000, 0xffff7fffffffffff,
	     "... huge, almost 64 bits wide hole of non-canonical virtual memory addresses"),
	HOLE(0xffff800000000000, 0xffff87ffffffffff,
	     "... guard hole, also reserved for hypervisor"),
	REGION("ldt", 0xffff880000000000, 0xffff887fffffffff, "LDT remap for PTI"),
	REGION("direct map", 0xffff888000000000, 0xffffc87fffffffff,
	       "direct mapping of all physical memory (page_offset_base)"),
	HOLE(0xffffc88000000000, 0xffffc8ffffffffff, "... unused hole"),
	REGION("vmalloc", 0xffffc90000000000, 0xffffe8ffffffffff,
	       "vmalloc/ioremap space (vmalloc_base)"),
	HOLE(0xffffe90000000000, 0xffffe9ffffffffff, "... unused hole"),
	REGION("vmemmap", 0xffffea0000000000, 0xffffeaffffffffff,
	       "virtual memory map (vmemmap_base)"),
	HOLE(0xffffeb0000000000, 0xffffebffffffffff, "... unused hole"),
	REGION("kasan", 0xffffec0000000000, 0xfffffbffffffffff, "KASAN shadow memory"),
	X86_64_COMMON_TOP,
};

static const struct layout_region x86_64_5l_regions[] = {
	USER(0x0000000000000000, 0x00ffffffffffffff, "user-space virtual memory, different per mm"),
	HOLE(0x0100000000000000, 0xfeffffffffffffff,
	     "... huge, still almost 64 bits wide hole of non-canonical virtual memory addresses"),
	HOLE(0xff00000000000000, 0xff0fffffffffffff,
	     "... guard hole, also reserved for hypervisor"),
	REGION("ldt", 0xff10000000000000, 0xff10ffffffffffff, "LDT remap for PTI"),
	REGION("direct map", 0xff11000000000000, 0xff90ffffffffffff,
	       "direct mapping of all physical memory (page_offset_base)"),
	HOLE(0xff91000000000000, 0xff9fffffffffffff, "... unused hole"),
	REGION("vmalloc", 0xffa0000000000000, 0xffd1ffffffffffff,
	       "vmalloc/ioremap space (vmalloc_base)"),
	HOLE(0xffd2000000000000, 0xffd3ffffffffffff, "... unused hole"),
	REGION("vmemmap", 0xffd4000000000000, 0xffd5ffffffffffff,
	       "virtual memory map (vmemmap_base)"),
	HOLE(0xffd6000000000000, 0xffdeffffffffffff, "... unused hole"),
	REGION("kasan", 0xffdf000000000000, 0xfffffbffffffffff, "KASAN shadow memory"),
	X86_64_COMMON_TOP,
};

static const char x86_64_notes[] =
	"With CONFIG_RANDOMIZE_MEMORY (KASLR) the direct map, vmalloc and vmemmap bases "
	"(page_offset_base, vmalloc_base, vmemmap_base) move at boot, keeping their order; "
	"with CONFIG_RANDOMIZE_BASE the kernel text moves and its window (KERNEL_IMAGE_SIZE) "
	"grows to 1 GB, so the module space starts at 0xffffffffc0000000. The direct "
	"map covers all memory up to the highest physical address. A kernel with KASAN has no "
	"KASLR.";

/* page_64_types.h: TASK_SIZE_MAX = (1 << __VIRTUAL_MASK_SHIFT) - PAGE_SIZE (47 or 56). */
#define X86_64_TASK_SIZE_4L	((1ull << 47) - SZ_4K)
#define X86_64_TASK_SIZE_5L	((1ull << 56) - SZ_4K)

static const struct arch_layout x86_64_4l_layout = {
	.fmt = PTF_X86_64_4L,
	.title = "x86-64, 4-level paging (48-bit virtual addresses)",
	.source = "Documentation/arch/x86/x86_64/mm.rst; arch/x86/include/asm/page_64_types.h, "
		  "pgtable_64_types.h",
	.task_size = X86_64_TASK_SIZE_4L,
	.map_window = X86_64_TASK_SIZE_4L,
	.page_offset = 0xffff888000000000,	/* __PAGE_OFFSET_BASE_L4 */
	.notes = x86_64_notes,
	.nr_regions = ARRAY_LEN(x86_64_4l_regions),
	.region = x86_64_4l_regions,
};

static const struct arch_layout x86_64_5l_layout = {
	.fmt = PTF_X86_64_5L,
	.title = "x86-64, 5-level paging (57-bit virtual addresses)",
	.source = "Documentation/arch/x86/x86_64/mm.rst; arch/x86/include/asm/page_64_types.h, "
		  "pgtable_64_types.h",
	.task_size = X86_64_TASK_SIZE_5L,
	/* DEFAULT_MAP_WINDOW: mmap hands out addresses above 47 bits only on a hint. */
	.map_window = X86_64_TASK_SIZE_4L,
	.page_offset = 0xff11000000000000,	/* __PAGE_OFFSET_BASE_L5 */
	.notes = x86_64_notes,
	.nr_regions = ARRAY_LEN(x86_64_5l_regions),
	.region = x86_64_5l_regions,
};

/* ---- i386 --------------------------------------------------------------------------------- */

/*
 * The 3G/1G split (CONFIG_VMSPLIT_3G, CONFIG_PAGE_OFFSET 0xC0000000), from the top down
 * (pgtable_32_areas.h):
 *
 *   0xfffff000 FIXADDR_TOP (__FIXADDR_TOP): the fixmap grows down from here, its boot-time
 *              slots (FIX_BTMAP_*, 512 pages) below the permanent ones
 *              CPU_ENTRY_AREA_BASE = (FIXADDR_TOT_START - PAGE_SIZE * (CPU_ENTRY_AREA_PAGES
 *              + 1)) & PMD_MASK
 *   LDT_BASE_ADDR = (CPU_ENTRY_AREA_BASE - PAGE_SIZE) & PMD_MASK, one PMD for the PTI LDT
 *   PKMAP_BASE = (LDT_BASE_ADDR - PAGE_SIZE) & PMD_MASK, LAST_PKMAP pages (1024; 512 PAE)
 *   VMALLOC_END = PKMAP_BASE - 2 * PAGE_SIZE
 *   VMALLOC_START = high_memory + VMALLOC_OFFSET (8 MB)
 *   high_memory = PAGE_OFFSET + min(RAM, MAXMEM), MAXMEM = VMALLOC_END - PAGE_OFFSET -
 *              __VMALLOC_RESERVE (128 MB): the layout below is for RAM of at least MAXMEM
 *   0xc0000000 PAGE_OFFSET: lowmem, the direct map
 *
 * The fixmap and the cpu_entry_area grow with NR_CPUS (i386 default 8): about 0.8 MB of
 * permanent fixmap slots, 2 MB of boot-time slots (rounded to a page-table boundary with
 * PAE) and about 1.25 MB of cpu_entry_area put CPU_ENTRY_AREA_BASE's unrounded value 4-5.5 MB
 * below the top, which rounds down to 0xffa00000 with PAE (2 MB PMDs) and 0xff800000
 * without (4 MB PMDs); any value from 4 to 6 MB gives the same result. Which pages of
 * [CPU_ENTRY_AREA_BASE, FIXADDR_TOP) are cpu_entry_area and which fixmap depends on the
 * configuration, so the two are one region here.
 */
#define I386_PAGE_OFFSET	0xc0000000ull
#define I386_FIXADDR_TOP	0xfffff000ull
#define I386_VMALLOC_OFFSET	SZ_8M
#define I386_VMALLOC_RESERVE	SZ_128M
#define I386_LDT_BASE(cea, pmd)		(((cea) - SZ_4K) & ~((pmd) - 1))
#define I386_PKMAP_BASE(cea, pmd)	((I386_LDT_BASE(cea, pmd) - SZ_4K) & ~((pmd) - 1))
#define I386_VMALLOC_END(cea, pmd)	(I386_PKMAP_BASE(cea, pmd) - 2 * SZ_4K)
#define I386_MAXMEM(cea, pmd)		\
	(I386_VMALLOC_END(cea, pmd) - I386_PAGE_OFFSET - I386_VMALLOC_RESERVE)
#define I386_HIGH_MEMORY(cea, pmd)	(I386_PAGE_OFFSET + I386_MAXMEM(cea, pmd))
#define I386_VMALLOC_START(cea, pmd)	(I386_HIGH_MEMORY(cea, pmd) + I386_VMALLOC_OFFSET)

#define I386_REGIONS(cea, pmd, last_pkmap)						\
	USER(0, I386_PAGE_OFFSET - 1, "user space (TASK_SIZE = PAGE_OFFSET)"),		\
	REGION("lowmem", I386_PAGE_OFFSET, I386_HIGH_MEMORY(cea, pmd) - 1,		\
	       "lowmem: direct map of the first MAXMEM of RAM"),			\
	HOLE(I386_HIGH_MEMORY(cea, pmd), I386_VMALLOC_START(cea, pmd) - 1,		\
	     "VMALLOC_OFFSET gap"),							\
	REGION("vmalloc", I386_VMALLOC_START(cea, pmd), I386_VMALLOC_END(cea, pmd) - 1,	\
	       "vmalloc/ioremap and modules"),						\
	HOLE(I386_VMALLOC_END(cea, pmd), I386_PKMAP_BASE(cea, pmd) - 1, "guard pages"),	\
	REGION("pkmap", I386_PKMAP_BASE(cea, pmd),					\
	       I386_PKMAP_BASE(cea, pmd) + (last_pkmap) * SZ_4K - 1,			\
	       "persistent kmap of highmem pages (kmap)"),				\
	REGION("ldt", I386_LDT_BASE(cea, pmd), I386_LDT_BASE(cea, pmd) + (pmd) - 1,	\
	       "LDT remap for PTI"),							\
	REGION("cpu_entry/fixmap", (cea), I386_FIXADDR_TOP - 1,				\
	       "cpu_entry_area from CPU_ENTRY_AREA_BASE up, fixmap down from FIXADDR_TOP"),	\
	HOLE(I386_FIXADDR_TOP, 0xffffffffull, "top page, never mapped")

#define I386_2L_CEA_BASE	0xff800000ull
#define I386_PAE_CEA_BASE	0xffa00000ull

static const struct layout_region i386_2l_regions[] = {
	I386_REGIONS(I386_2L_CEA_BASE, SZ_4M, 1024),
};

static const struct layout_region i386_pae_regions[] = {
	I386_REGIONS(I386_PAE_CEA_BASE, SZ_2M, 512),
};

static const char i386_notes[] =
	"RAM above MAXMEM is highmem: it has no permanent kernel mapping and is reached "
	"through pkmap (kmap) and the fixmap's kmap_local slots. With less RAM lowmem ends "
	"sooner and vmalloc starts 8 MB after it. The top area's split between cpu_entry_area "
	"and fixmap depends on NR_CPUS (default 8). CONFIG_RANDOMIZE_BASE moves only the "
	"kernel image inside lowmem.";

static const struct arch_layout i386_2l_layout = {
	.fmt = PTF_I386_2L,
	.title = "i386, 2-level paging (32-bit, 3G/1G split)",
	.source = "arch/x86/include/asm/pgtable_32_areas.h, arch/x86/mm/pgtable_32.c, "
		  "arch/x86/mm/pgtable.c",
	.task_size = I386_PAGE_OFFSET,
	.map_window = I386_PAGE_OFFSET,
	.page_offset = I386_PAGE_OFFSET,
	.notes = i386_notes,
	.nr_regions = ARRAY_LEN(i386_2l_regions),
	.region = i386_2l_regions,
};

static const struct arch_layout i386_pae_layout = {
	.fmt = PTF_I386_PAE,
	.title = "i386, PAE paging (32-bit, 3G/1G split)",
	.source = "arch/x86/include/asm/pgtable_32_areas.h, arch/x86/mm/pgtable_32.c, "
		  "arch/x86/mm/pgtable.c",
	.task_size = I386_PAGE_OFFSET,
	.map_window = I386_PAGE_OFFSET,
	.page_offset = I386_PAGE_OFFSET,
	.notes = i386_notes,
	.nr_regions = ARRAY_LEN(i386_pae_regions),
	.region = i386_pae_regions,
};

/* ---- arm64 -------------------------------------------------------------------------------- */

/*
 * arch/arm64/include/asm/memory.h with VA_BITS = VA_BITS_MIN = va (no 52-bit) and page
 * shift ps, without KASAN:
 *
 *   0                       TTBR0: user, TASK_SIZE_64 = 1 << va
 *   ...                     neither TTBR0 nor TTBR1 translates here
 *   PAGE_OFFSET = -(1 << va)             linear map up to PAGE_END
 *   PAGE_END = -(1 << (va - 1))          = MODULES_VADDR; with KASAN the shadow takes
 *                                          [KASAN_SHADOW_START, PAGE_END) off the linear map
 *   MODULES_END = MODULES_VADDR + 2 GB   = KIMAGE_VADDR = VMALLOC_START
 *   VMALLOC_END = VMEMMAP_START - 8 MB
 *   VMEMMAP_START = VMEMMAP_END - VMEMMAP_SIZE, VMEMMAP_SIZE = (2^(va-1) >> ps) * 64
 *                                          (one 64-byte struct page per linear-map page)
 *   VMEMMAP_END = -1 GB
 *   PCI_IO_START = VMEMMAP_END + 8 MB, 16 MB (PCI_IO_SIZE)
 *   FIXADDR_TOT_START ... FIXADDR_TOP = -8 MB
 */
#define A64_PAGE_OFFSET(va)	(~0ull << (va))
#define A64_PAGE_END(va)	(~0ull << ((va) - 1))
#define A64_MODULES_END(va)	(A64_PAGE_END(va) + SZ_2G)
#define A64_VMEMMAP_END		(0ull - SZ_1G)
#define A64_VMEMMAP_SIZE(va, ps) (((1ull << ((va) - 1)) >> (ps)) * 64)
#define A64_VMEMMAP_START(va, ps) (A64_VMEMMAP_END - A64_VMEMMAP_SIZE(va, ps))
#define A64_VMALLOC_END(va, ps)	(A64_VMEMMAP_START(va, ps) - SZ_8M)
#define A64_PCI_IO_START	(A64_VMEMMAP_END + SZ_8M)
#define A64_PCI_IO_END		(A64_PCI_IO_START + SZ_16M)
#define A64_FIXADDR_TOP		(0ull - SZ_8M)

/*
 * KASAN (generic, 1/8 shadow): KASAN_SHADOW_END = (1 << 61) + KASAN_SHADOW_OFFSET, the
 * offsets of arch/arm64/Kconfig per VA size, which puts the end at PAGE_END; the start is
 * KASAN_SHADOW_END - (1 << (va - 3)).
 */
#define A64_KASAN_OFFSET(va)	((va) == 39 ? 0xdfffffc000000000ull :	\
				 (va) == 42 ? 0xdffffe0000000000ull :	\
				 (va) == 47 ? 0xdfffc00000000000ull :	\
					      0xdfff800000000000ull)
#define A64_KASAN_END(va)	((1ull << 61) + A64_KASAN_OFFSET(va))
#define A64_KASAN_START(va)	(A64_KASAN_END(va) - (1ull << ((va) - 3)))

/*
 * fixmap.h, enum fixed_addresses, for defconfig (CONFIG_KVM with NR_CPUS 512,
 * ACPI_APEI_GHES, ARM_SDE_INTERFACE, UNMAP_KERNEL_AT_EL0, RELOCATABLE); one page each:
 *   FIX_HOLE, FIX_FDT_END .. FIX_FDT (DIV_ROUND_UP(MAX_FDT_SIZE = 2 MB, PAGE_SIZE) + 2),
 *   FIX_EARLYCON_MEM_BASE, FIX_TEXT_POKE0, FIX_VNCR_END .. FIX_VNCR (NR_CPUS + 1),
 *   4 FIX_APEI_GHES_*, 4 FIX_ENTRY_TRAMP_TEXT*   -> __end_of_permanent_fixed_addresses
 *   FIX_BTMAP_END .. FIX_BTMAP_BEGIN (7 slots of 256 KB), FIX_PTE, FIX_PMD, FIX_PUD, FIX_P4D,
 *   FIX_PGD                                       -> __end_of_fixed_addresses
 * = DIV_ROUND_UP(2 MB, PAGE_SIZE) + 531 + 7 * (256 KB / PAGE_SIZE) pages below FIXADDR_TOP
 * (FIXADDR_TOT_START). A later change reserves one more page per boot-time slot.
 */
#define A64_FIXMAP_PAGES(ps)	((SZ_2M >> (ps)) + 531 + 7 * (SZ_256K >> (ps)))
#define A64_FIXADDR_TOT_START(ps) (A64_FIXADDR_TOP - (A64_FIXMAP_PAGES(ps) << (ps)))

#define ARM64_REGIONS(va, ps)								\
	USER(0, (1ull << (va)) - 1, "user"),						\
	HOLE(1ull << (va), A64_PAGE_OFFSET(va) - 1,					\
	     "[not translated: between the TTBR0 and TTBR1 ranges]"),			\
	REGION("linear map", A64_PAGE_OFFSET(va), A64_PAGE_END(va) - 1,		\
	       "kernel logical memory map"),						\
	{ "kasan", A64_KASAN_START(va), A64_KASAN_END(va) - 1, "kasan shadow region",	\
	  LR_OPTIONAL, "CONFIG_KASAN" },						\
	REGION("modules", A64_PAGE_END(va), A64_MODULES_END(va) - 1, "modules"),	\
	REGION("vmalloc", A64_MODULES_END(va), A64_VMALLOC_END(va, ps) - 1,		\
	       "vmalloc (the kernel image at its start)"),				\
	HOLE(A64_VMALLOC_END(va, ps), A64_VMEMMAP_START(va, ps) - 1, "[guard region]"),	\
	REGION("vmemmap", A64_VMEMMAP_START(va, ps), A64_VMEMMAP_END - 1, "vmemmap"),	\
	HOLE(A64_VMEMMAP_END, A64_PCI_IO_START - 1, "[guard region]"),			\
	REGION("pci io", A64_PCI_IO_START, A64_PCI_IO_END - 1, "PCI I/O space"),	\
	HOLE(A64_PCI_IO_END, A64_FIXADDR_TOT_START(ps) - 1, "[unused]"),		\
	{ "fixmap", A64_FIXADDR_TOT_START(ps), A64_FIXADDR_TOP - 1,			\
	  "fixed mappings (top down)", LR_VAR_START, "FIXADDR_TOT_START" },		\
	HOLE(A64_FIXADDR_TOP, ~0ull, "[guard region]")

static const struct layout_region arm64_4k_39_regions[] = { ARM64_REGIONS(39, 12) };
static const struct layout_region arm64_4k_48_regions[] = { ARM64_REGIONS(48, 12) };
static const struct layout_region arm64_16k_47_regions[] = { ARM64_REGIONS(47, 14) };
static const struct layout_region arm64_16k_48_regions[] = { ARM64_REGIONS(48, 14) };
static const struct layout_region arm64_64k_42_regions[] = { ARM64_REGIONS(42, 16) };
static const struct layout_region arm64_64k_48_regions[] = { ARM64_REGIONS(48, 16) };

static const char arm64_notes[] =
	"The linear map starts at PAGE_OFFSET with the first byte of RAM (PHYS_OFFSET), not "
	"physical 0. The kernel image is linked at KIMAGE_VADDR = MODULES_END, the start of "
	"the vmalloc range; CONFIG_RANDOMIZE_BASE (KASLR) moves it inside that range and "
	"moves RAM inside the linear map (memstart_addr). With KASAN the linear map ends at "
	"KASAN_SHADOW_START. The fixmap's size depends on NR_CPUS (512 here) and the "
	"configuration. 16K pages with 48 bits follow memory.h's formulas with VA_BITS 48.";

#define ARM64_LAYOUT(fid, ttl, va, ps, regions)						\
	{ .fmt = (fid), .title = (ttl),							\
	  .source = "arch/arm64/include/asm/memory.h, pgtable.h, fixmap.h; "		\
		    "Documentation/arch/arm64/memory.rst",				\
	  .task_size = 1ull << (va), .map_window = 1ull << (va),			\
	  .page_offset = A64_PAGE_OFFSET(va), .notes = arm64_notes,			\
	  .nr_regions = ARRAY_LEN(regions), .region = (regions) }

static const struct arch_layout arm64_layouts[] = {
	ARM64_LAYOUT(PTF_ARM64_4K_39, "arm64, 4 KiB pages, 3 levels (39-bit VA)", 39, 12,
		     arm64_4k_39_regions),
	ARM64_LAYOUT(PTF_ARM64_4K_48, "arm64, 4 KiB pages, 4 levels (48-bit VA)", 48, 12,
		     arm64_4k_48_regions),
	ARM64_LAYOUT(PTF_ARM64_16K_47, "arm64, 16 KiB pages, 3 levels (47-bit VA)", 47, 14,
		     arm64_16k_47_regions),
	ARM64_LAYOUT(PTF_ARM64_16K_48, "arm64, 16 KiB pages, 4 levels (48-bit VA)", 48, 14,
		     arm64_16k_48_regions),
	ARM64_LAYOUT(PTF_ARM64_64K_42, "arm64, 64 KiB pages, 2 levels (42-bit VA)", 42, 16,
		     arm64_64k_42_regions),
	ARM64_LAYOUT(PTF_ARM64_64K_48, "arm64, 64 KiB pages, 3 levels (48-bit VA)", 48, 16,
		     arm64_64k_48_regions),
};

/* ---- lookup and checks -------------------------------------------------------------------- */

int arch_layout(const struct pt_format *f, const struct arch_layout **out)
{
	if (!f)
		return -EINVAL;
	switch (f->id) {
	case PTF_X86_64_4L:
		*out = &x86_64_4l_layout;
		return 0;
	case PTF_X86_64_5L:
		*out = &x86_64_5l_layout;
		return 0;
	case PTF_I386_2L:
		*out = &i386_2l_layout;
		return 0;
	case PTF_I386_PAE:
		*out = &i386_pae_layout;
		return 0;
	default:
		break;
	}
	for (size_t i = 0; i < ARRAY_LEN(arm64_layouts); i++) {
		if (arm64_layouts[i].fmt == f->id) {
			*out = &arm64_layouts[i];
			return 0;
		}
	}
	return -EINVAL;
}

const struct layout_region *layout_find(const struct arch_layout *l, uint64_t va)
{
	const struct layout_region *hit = NULL;
	for (unsigned int i = 0; i < l->nr_regions; i++) {
		const struct layout_region *r = &l->region[i];
		if (va < r->start || va > r->end)
			continue;
		if (r->flags & LR_OPTIONAL)
			return r;
		if (!hit)
			hit = r;
	}
	return hit;
}

/* Is the optional region r inside a region of l that is not a hole? */
static bool optional_contained(const struct arch_layout *l, const struct layout_region *r)
{
	for (unsigned int i = 0; i < l->nr_regions; i++) {
		const struct layout_region *o = &l->region[i];
		if (!(o->flags & (LR_OPTIONAL | LR_HOLE)) && o->start <= r->start &&
		    r->end <= o->end)
			return true;
	}
	return false;
}

/* The ordering and overlap invariants of layout_validate. */
static int layout_validate_regions(const struct arch_layout *l, struct mmsim_error *err)
{
	const struct layout_region *prev = NULL;	/* last non-optional region */

	for (unsigned int i = 0; i < l->nr_regions; i++) {
		const struct layout_region *r = &l->region[i];
		if (!r->name || !r->description || r->start > r->end)
			return err_set(err, -EUCLEAN, NULL, 0, 0, "layout %s: region %u is empty "
				       "or unnamed", l->title, i);
		if (i && r->start < l->region[i - 1].start)
			return err_set(err, -EUCLEAN, NULL, 0, 0, "layout %s: region %s is not "
				       "sorted by start", l->title, r->name);
		if (((r->flags & (LR_VAR_START | LR_OPTIONAL)) != 0) != (r->sym != NULL))
			return err_set(err, -EUCLEAN, NULL, 0, 0, "layout %s: region %s: a symbol "
				       "goes with LR_VAR_START or LR_OPTIONAL", l->title, r->name);
		if (r->flags & LR_OPTIONAL) {
			if (!optional_contained(l, r))
				return err_set(err, -EUCLEAN, NULL, 0, 0, "layout %s: optional "
					       "region %s lies outside every region", l->title,
					       r->name);
			continue;
		}
		if (prev && r->start <= prev->end)
			return err_set(err, -EUCLEAN, NULL, 0, 0, "layout %s: %s overlaps %s",
				       l->title, r->name, prev->name);
		if ((r->flags & LR_USER) && prev && !(prev->flags & LR_USER))
			return err_set(err, -EUCLEAN, NULL, 0, 0, "layout %s: user region %s "
				       "after a kernel region", l->title, r->name);
		prev = r;
	}
	return 0;
}

int layout_validate(const struct arch_layout *l, struct mmsim_error *err)
{
	const struct pt_format *f = pt_format_get(l->fmt);
	uint64_t user_end = 0;
	bool has_user = false, has_base = false;

	if (!l->title || !l->source || !l->notes || !l->nr_regions || !l->region)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "a layout lacks its title, source, "
			       "notes or regions");
	int rc = layout_validate_regions(l, err);
	if (rc)
		return rc;
	for (unsigned int i = 0; i < l->nr_regions; i++) {
		const struct layout_region *r = &l->region[i];
		if (r->flags & LR_USER) {
			has_user = true;
			user_end = r->end;
		}
		if (r->start == l->page_offset && !(r->flags & (LR_HOLE | LR_USER)))
			has_base = true;
		if (f && f->va_bits < 64 && f->split == PT_SPLIT_NONE && (r->end >> f->va_bits))
			return err_set(err, -EUCLEAN, NULL, 0, 0, "layout %s: region %s ends "
				       "beyond the %u-bit address space", l->title, r->name,
				       f->va_bits);
	}
	if (!has_user || !l->task_size || l->task_size - 1 > user_end ||
	    l->map_window > l->task_size)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "layout %s: TASK_SIZE 0x%" PRIx64
			       " and the map window 0x%" PRIx64 " must lie within user space "
			       "(up to 0x%" PRIx64 ")", l->title, l->task_size, l->map_window,
			       user_end);
	if (!has_base)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "layout %s: no region starts at "
			       "PAGE_OFFSET 0x%" PRIx64, l->title, l->page_offset);
	return 0;
}

/* ---- rendering ---------------------------------------------------------------------------- */

/*
 * A byte count the way the kernel's tables write it: the largest unit that holds it
 * exactly or in quarters ("0.5", "59.75"), else an exact count in a smaller unit below
 * 10000, else rounded with "~". unit_space puts a space before the unit (x86 style).
 */
static void fmt_bytes(uint64_t v, bool unit_space, char *buf, size_t len)
{
	static const char *const units[] = { "kB", "MB", "GB", "TB", "PB", "EB" };
	const char *sp = unit_space ? " " : "";
	int top = 5;

	if (v < 1024) {
		snprintf(buf, len, "%" PRIu64 "%sB", v, sp);
		return;
	}
	while (top > 0 && v < (1ull << (10 * (top + 1))))
		top--;
	uint64_t u = 1ull << (10 * (top + 1));
	uint64_t q = v / u, r = v % u;
	if (r == 0 || r % (u / 4) == 0) {
		static const char *const frac[] = { "", ".25", ".5", ".75" };
		snprintf(buf, len, "%" PRIu64 "%s%s%s", q, frac[r / (u / 4)], sp, units[top]);
		return;
	}
	for (int k = top - 1; k >= 0; k--) {
		uint64_t uk = 1ull << (10 * (k + 1));
		if (v % uk == 0 && v / uk < 10000) {
			snprintf(buf, len, "%" PRIu64 "%s%s", v / uk, sp, units[k]);
			return;
		}
	}
	snprintf(buf, len, "~%" PRIu64 "%s%s", q + (r >= u / 2), sp, units[top]);
}

/* Size of region r; the whole 2^64 space cannot occur (regions are below the top). */
static inline uint64_t region_size(const struct layout_region *r)
{
	return r->end - r->start + 1;
}

/* The offset column of mm.rst: "+128 TB" from 0 in the lower half, "-119.5 TB" from 2^64. */
static void fmt_offset(uint64_t start, char *buf, size_t len)
{
	char num[32];
	if (start == 0) {
		snprintf(buf, len, "   0");
		return;
	}
	bool neg = start >> 63;
	fmt_bytes(neg ? 0 - start : start, false, num, sizeof(num));
	/* Split the unit off so the number is left-aligned in its column: "-119.5  TB". */
	size_t n = strlen(num);
	snprintf(buf, len, "%c%-*.*s%s", neg ? '-' : '+', 7, (int)(n - 2), num, num + n - 2);
}

/* A rule of mm.rst's table: "=====..." or "____|____|..." with the column bars. */
static void x86_64_rule(struct strbuf *sb, char c)
{
	char line[122];
	for (int i = 0; i < 120; i++)
		line[i] = c == '_' && (i == 18 || i == 31 || i == 50 || i == 60) ? '|' : c;
	line[120] = '\n';
	line[121] = '\0';
	sb_puts(sb, line);
}

/* One row of the mm.rst table. */
static void x86_64_row(const struct layout_region *r, struct strbuf *sb)
{
	char start[24], off[32], size[24], vsize[32];
	bool var = r->flags & LR_VAR_START;

	if (var)
		snprintf(start, sizeof(start), "%16s", r->sym);
	else
		snprintf(start, sizeof(start), "%016" PRIx64, r->start);
	fmt_offset(r->start, off, sizeof(off));
	fmt_bytes(region_size(r), true, size, sizeof(size));
	/* A start that varies makes offset and size approximate: "~-11 MB", "~1 MB". */
	snprintf(vsize, sizeof(vsize), "%s%s", var && size[0] != '~' ? "~" : "", size);
	sb_printf(sb, " %s |%s%-11s| %016" PRIx64 " | %7s | %s\n", start, var ? "~" : " ", off,
		  r->end, vsize, r->description);
}

/* Documentation/arch/x86/x86_64/mm.rst's table. */
static void render_x86_64(const struct arch_layout *l, struct strbuf *sb)
{
	bool kernel = false;

	x86_64_rule(sb, '=');
	sb_puts(sb, "    Start addr    |   Offset   |     End addr     |  Size   | VM area "
		"description\n");
	x86_64_rule(sb, '=');
	for (unsigned int i = 0; i < l->nr_regions; i++) {
		const struct layout_region *r = &l->region[i];
		if (!kernel && r->start >> 63) {
			sb_printf(sb, "%60s| Kernel-space virtual memory, shared between all "
				  "processes:\n", "");
			x86_64_rule(sb, '_');
			kernel = true;
		}
		x86_64_row(r, sb);
		if (!kernel)
			x86_64_rule(sb, '_');
	}
	x86_64_rule(sb, '_');
}

/* One "virtual kernel memory layout:" line: "    vmalloc : 0x... - 0x...   ( 120 MB)". */
static void i386_line(const struct layout_region *r, struct strbuf *sb)
{
	uint64_t size = region_size(r);
	bool mb = size >= 16 * (1ull << 20);
	uint32_t end = (uint32_t)(r->end + 1);	/* exclusive; 0 for the top of 4 GB */

	if (strlen(r->name) <= 8)
		sb_printf(sb, "    %-8s: ", r->name);
	else
		sb_printf(sb, "%11s : ", r->name);
	sb_printf(sb, "0x%08" PRIx64 " - 0x%08" PRIx32 "   (%4" PRIu64 " %s)\n", r->start, end,
		  mb ? size >> 20 : size >> 10, mb ? "MB" : "kB");
}

/* The old i386 boot lines, top region first as mem_init printed them. */
static void render_i386(const struct arch_layout *l, struct strbuf *sb)
{
	sb_puts(sb, "virtual kernel memory layout:\n");
	for (unsigned int i = l->nr_regions; i-- > 0;) {
		const struct layout_region *r = &l->region[i];
		if (!(r->flags & (LR_HOLE | LR_USER)))
			i386_line(r, sb);
	}
}

/* Documentation/arch/arm64/memory.rst's table. */
static void render_arm64(const struct arch_layout *l, struct strbuf *sb)
{
	sb_puts(sb, "  Start                 End                   Size      Use\n"
		"  -----------------------------------------------------------------------\n");
	for (unsigned int i = 0; i < l->nr_regions; i++) {
		const struct layout_region *r = &l->region[i];
		char size[24];
		bool opt = r->flags & LR_OPTIONAL;

		fmt_bytes(region_size(r), false, size, sizeof(size));
		sb_printf(sb, " %c%016" PRIx64 "      %016" PRIx64 "%c    %6s    %s%s%s%s%s\n",
			  opt ? '[' : ' ', r->start, r->end, opt ? ']' : ' ', size,
			  opt ? "[" : "", r->description, opt ? "]" : "",
			  r->flags & LR_VAR_START ? ", from " : "",
			  r->flags & LR_VAR_START ? r->sym : "");
	}
}

/* Append text as lines of at most 79 columns, broken at spaces. */
static void put_wrapped(struct strbuf *sb, const char *text)
{
	const char *p = text;
	while (*p) {
		size_t n = strlen(p);
		if (n > 79) {
			n = 79;
			while (n > 0 && p[n] != ' ')
				n--;
			if (n == 0)
				n = strcspn(p, " ");
		}
		sb_printf(sb, "%.*s\n", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
}

/* The lines above every table: the format, the split, the OS constants. */
static void render_header(const struct pt_format *f, const struct arch_layout *l,
			  struct strbuf *sb)
{
	sb_printf(sb, "%s (%s), Linux 6.18 without KASLR\n", l->title, f->name);
	if (f->split == PT_SPLIT_TTBR) {
		uint64_t half = (uint64_t)1 << f->va_bits;
		sb_printf(sb, "TTBR0 (user):   0x0000000000000000-0x%016" PRIx64 "\n"
			  "TTBR1 (kernel): 0x%016" PRIx64 "-0xffffffffffffffff\n", half - 1,
			  0 - half);
	}
	int w = f->arch == ARCH_I386 ? 8 : 16;
	sb_printf(sb, "TASK_SIZE   0x%0*" PRIx64 "\n", w, l->task_size);
	if (l->map_window != l->task_size)
		sb_printf(sb, "DEFAULT_MAP_WINDOW 0x%0*" PRIx64 " (mmap goes above it only when "
			  "given a higher hint address)\n", w, l->map_window);
	sb_printf(sb, "PAGE_OFFSET 0x%0*" PRIx64 "\n\n", w, l->page_offset);
}

int layout_render(const struct pt_format *f, struct strbuf *sb)
{
	const struct arch_layout *l;
	int rc = arch_layout(f, &l);

	if (rc)
		return rc;
	render_header(f, l, sb);
	if (f->arch == ARCH_X86_64)
		render_x86_64(l, sb);
	else if (f->arch == ARCH_I386)
		render_i386(l, sb);
	else
		render_arm64(l, sb);
	sb_puts(sb, "\n");
	put_wrapped(sb, l->notes);
	char src[512];
	snprintf(src, sizeof(src), "Source: Linux 6.18 %s.", l->source);
	put_wrapped(sb, src);
	return sb->err;
}

/* ---- public entry point ------------------------------------------------------------------- */

/* The formats of arch, "name (N levels, G KiB pages, V-bit)" each, for an error message. */
static void list_formats(enum arch_id arch, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned int i = 0; i < NR_PT_FORMATS && used < len; i++) {
		const struct pt_format *f = pt_format_get((enum pt_format_id)i);
		if (!f || f->arch != arch)
			continue;
		int n = snprintf(buf + used, len - used, "%s%s (%u levels, %u KiB pages, %u-bit)",
				 used ? ", " : "", f->name, f->nr_levels,
				 (1u << f->granule_shift) >> 10, f->va_bits);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

int mmsim_layout_render(const char *arch, unsigned int levels, unsigned int granule,
			unsigned int va_bits, char **out, size_t *len, struct mmsim_error *err)
{
	const struct arch_info *ai = arch_by_name(arch ? arch : "x86_64");
	const struct pt_format *f;
	struct strbuf sb;
	char known[512];

	if (!ai)
		return err_set(err, -EINVAL, NULL, 0, 0, "unknown architecture '%s'; expected "
			       "x86_64, i386 or arm64", arch);
	f = pt_format_find(ai->id, levels, granule, va_bits);
	if (!f) {
		char want[96] = "";
		if (levels)
			snprintf(want, sizeof(want), " %u levels", levels);
		if (granule)
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s %u-byte "
				 "pages", want[0] ? "," : "", granule);
		if (va_bits)
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s %u-bit "
				 "addresses", want[0] ? "," : "", va_bits);
		list_formats(ai->id, known, sizeof(known));
		return err_set(err, -EINVAL, NULL, 0, 0, "%s has no paging mode%s%s; expected "
			       "one of: %s", ai->name, want[0] ? " with" : "", want,
			       known[0] ? known : "(none)");
	}
	sb_init(&sb);
	int rc = layout_render(f, &sb);
	if (rc) {
		sb_free(&sb);
		return err_set(err, rc, NULL, 0, 0, "no layout for %s", f->name);
	}
	return sb_finish(&sb, out, len);
}

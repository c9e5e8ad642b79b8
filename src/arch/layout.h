/*
 * Kernel virtual memory layouts: where Linux 6.18 puts user space, the direct map, vmalloc,
 * vmemmap, modules, the fixmap ... in the virtual address space of each paging format, and
 * the OS's user/kernel split (TASK_SIZE, PAGE_OFFSET).
 *
 * This is the operating system's choice, on top of the hardware's rule (pt_va_half in
 * arch/pgtable.h says which addresses the MMU translates at all). Figures are Linux's without
 * KASLR: with CONFIG_RANDOMIZE_MEMORY (x86_64) the direct map, vmalloc and vmemmap bases
 * move at boot (in that order, by random offsets); with CONFIG_RANDOMIZE_BASE the kernel
 * image moves (arm64: inside the vmalloc range). Every constant is cited where it is defined
 * (arch/layout.c).
 */
#ifndef MMSIM_ARCH_LAYOUT_H
#define MMSIM_ARCH_LAYOUT_H
#include <stdint.h>
#include "arch/pgtable.h"

struct strbuf;
struct mmsim_error;

/* What kind of region a row is. */
enum layout_region_flags {
	LR_USER = 1u << 0,	/* user space (x86 lower half, arm64 TTBR0, i386 below 3 GiB) */
	LR_HOLE = 1u << 1,	/* nothing is mapped there: guard gap, unused or untranslated */
	LR_VAR_START = 1u << 2,	/* the start depends on the configuration; sym names it and
				   start is the nominal value the kernel's document gives */
	LR_OPTIONAL = 1u << 3,	/* exists only with the config option sym (KASAN); lies inside
				   another region, drawn in [brackets] as the kernel does */
};

/*
 * One region: [start, end], end inclusive as the kernel's tables print it (so a region may
 * reach 0xffffffffffffffff).
 */
struct layout_region {
	const char *name;	/* short name: "vmalloc", "direct map", "fixmap" */
	uint64_t start;
	uint64_t end;		/* last address of the region */
	const char *description;	/* the kernel document's words for it */
	unsigned int flags;	/* LR_* */
	const char *sym;	/* LR_VAR_START: the start's symbol; LR_OPTIONAL: the option */
};

/*
 * The layout of one paging format.
 *
 * Invariants (layout_validate): regions sorted by start; start <= end; regions without
 * LR_OPTIONAL do not overlap; each LR_OPTIONAL region lies inside one region that is not a
 * hole; user regions come first and end below task_size; the region named "direct map"
 * starts at page_offset; every address fits the format (below 2^32 on i386).
 */
struct arch_layout {
	enum pt_format_id fmt;
	const char *title;		/* "x86-64, 4-level paging (48-bit virtual addresses)" */
	const char *source;		/* the Linux files the figures come from */
	uint64_t task_size;		/* TASK_SIZE: user addresses lie below it */
	uint64_t map_window;		/* DEFAULT_MAP_WINDOW: mmap stays below it without a
					   higher hint address (== task_size where no difference) */
	uint64_t page_offset;		/* PAGE_OFFSET: start of the direct (linear) map; maps
					   physical 0 on x86, the start of RAM on arm64 */
	const char *notes;		/* KASLR and configuration caveats, one paragraph */
	unsigned int nr_regions;
	const struct layout_region *region;
};

/* The layout of format f into *out (static data). -EINVAL for NULL or an unknown format. */
int arch_layout(const struct pt_format *f, const struct arch_layout **out);

/*
 * Append the layout of f the way the kernel describes it: x86_64 as the table of
 * Documentation/arch/x86/x86_64/mm.rst, arm64 as Documentation/arch/arm64/memory.rst,
 * i386 as the old "virtual kernel memory layout:" boot lines. 0, -EINVAL, or -ENOMEM.
 */
int layout_render(const struct pt_format *f, struct strbuf *sb);

/* Check the invariants above; 0 or -EUCLEAN with a sentence in err. */
int layout_validate(const struct arch_layout *l, struct mmsim_error *err);

/* The region containing va (optional regions first), or NULL when none does. */
const struct layout_region *layout_find(const struct arch_layout *l, uint64_t va);
#endif

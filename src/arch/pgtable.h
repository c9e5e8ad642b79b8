/*
 * Page-table formats: what the hardware of each architecture reads.
 *
 * Glossary
 *   format     one concrete paging mode: x86_64 4-level, i386 PAE, arm64 16 KiB granule with
 *              48-bit VAs ... (struct pt_format). A machine runs one format.
 *   level      one step of the walk. level[0] is the root table (the one CR3/TTBR points at),
 *              level[nr_levels-1] holds the entries that map base pages.
 *   entry      one 4- or 8-byte word of a table, in the architecture's exact bit layout
 *              (the "raw" value); struct pte_desc is the same entry decoded into generic terms.
 *   leaf       an entry that maps memory: a base page at the last level, or a huge page /
 *              block at a level whose leaf_ok is set (x86 PS=1; arm64 block descriptor).
 *   table      an entry that points at the next level's table.
 *   granule    the base page size of the format (4, 16 or 64 KiB) and the size of a table.
 *
 * A format is a constant descriptor plus one ops table; adding a format (RISC-V Sv39 would
 * be next) is one new file that fills both and one line in pt_formats[] (pgtable.c).
 *
 * The formats know nothing about the memory manager: they turn a generic description into
 * bits and back. The walker (hw/mmu.c) and the software table operations (mm/pgtable.c) are
 * written once over this interface.
 */
#ifndef MMSIM_ARCH_PGTABLE_H
#define MMSIM_ARCH_PGTABLE_H
#include <stdbool.h>
#include <stdint.h>
#include "arch/arch.h"

struct strbuf;
struct mmsim_error;

enum pt_format_id {
	PTF_X86_64_4L,		/* x86_64 4-level, 48-bit VA (PML4) */
	PTF_X86_64_5L,		/* x86_64 5-level, 57-bit VA (LA57) */
	PTF_I386_2L,		/* i386 2-level, 32-bit entries, 4 MiB PSE pages */
	PTF_I386_PAE,		/* i386 3-level PAE, 64-bit entries, 2 MiB pages, NX */
	PTF_ARM64_4K_39,	/* arm64 4 KiB granule, 39-bit VA, 3 levels */
	PTF_ARM64_4K_48,	/* arm64 4 KiB granule, 48-bit VA, 4 levels */
	PTF_ARM64_16K_47,	/* arm64 16 KiB granule, 47-bit VA, 3 levels */
	PTF_ARM64_16K_48,	/* arm64 16 KiB granule, 48-bit VA, 4 levels (L0 has 2 entries) */
	PTF_ARM64_64K_42,	/* arm64 64 KiB granule, 42-bit VA, 2 levels */
	PTF_ARM64_64K_48,	/* arm64 64 KiB granule, 48-bit VA, 3 levels */
	NR_PT_FORMATS
};

/* Generic permission and state bits of a decoded entry (struct pte_desc.prot). */
#define PTE_WRITE	(1u << 0)	/* writable (x86 R/W; arm64 AP[2]=0) */
#define PTE_USER	(1u << 1)	/* user accessible (x86 U/S; arm64 AP[1]=1, EL0 access) */
#define PTE_UXN		(1u << 2)	/* user execution forbidden (x86 NX; arm64 UXN) */
#define PTE_PXN		(1u << 3)	/* kernel execution forbidden (x86 NX; arm64 PXN) */
#define PTE_GLOBAL	(1u << 4)	/* survives an address-space switch (x86 G; arm64 nG=0) */
#define PTE_ACCESSED	(1u << 5)	/* x86 A; arm64 AF */
#define PTE_DIRTY	(1u << 6)	/* x86 D; arm64 DBM=1 with AP[2]=0 (hardware dirty state) */
#define PTE_DBM		(1u << 7)	/* arm64 dirty bit modifier: hardware may clear AP[2] */
#define PTE_CONT	(1u << 8)	/* arm64 contiguous hint */
#define PTE_NX		(PTE_UXN | PTE_PXN)
/*
 * On a table entry the same bits restrict everything below (x86: R/W, U/S and NX of every
 * level are ANDed; arm64: APTable, UXNTable, PXNTable). A table entry that restricts nothing
 * has prot = PTE_WRITE | PTE_USER.
 */

enum pte_kind {
	PTE_KIND_NONE,		/* not present / invalid: the walk stops here */
	PTE_KIND_TABLE,		/* points at the next level's table */
	PTE_KIND_LEAF,		/* maps a page or block */
};

/* One entry, decoded. */
struct pte_desc {
	enum pte_kind kind;
	uint32_t prot;		/* PTE_* bits above */
	uint8_t memtype;	/* x86: PAT index (PAT<<2 | PCD<<1 | PWT), 0 = write-back;
				   arm64: AttrIndx (MAIR index); Linux's MT_NORMAL is 0 */
	uint8_t shareability;	/* arm64 SH[1:0] (3 = inner shareable); 0 elsewhere */
	uint64_t pa;		/* table: physical address of the next table; leaf: base of the
				   page/block (aligned to its size) */
	uint64_t soft;		/* bits software may use (x86 bits 9-11 and 52-58; arm64 55-58),
				   right-aligned in the order of the format's soft-bit list */
};

/* A level of the walk. */
struct pt_level {
	const char *name;	/* Linux's name: "pgd", "p4d", "pud", "pmd", "pte" */
	const char *arch_name;	/* the manual's name: "PML5", "PML4", "PDPT", "PD", "PT"; "L0".."L3" */
	uint8_t shift;		/* lowest VA bit of this level's index */
	uint8_t bits;		/* index width; entries = 1 << bits */
	bool leaf_ok;		/* a leaf may sit at this level (last level always) */
};

#define PT_MAX_LEVELS 5

/* How the virtual address space is split between user and kernel halves. */
enum pt_split {
	PT_SPLIT_CANONICAL,	/* x86_64: bits above va_bits-1 must copy bit va_bits-1; one root */
	PT_SPLIT_TTBR,		/* arm64: top bits all 0 -> TTBR0 (user), all 1 -> TTBR1 (kernel) */
	PT_SPLIT_NONE,		/* i386: every 32-bit address is valid; one root */
};

struct pt_format;

struct pt_format_ops {
	/*
	 * Decode the raw entry at `level`. Returns 0, or -EINVAL when the entry is present
	 * but has a reserved bit set (the walker reports a reserved-bit fault); in that case
	 * *out is still filled as far as possible.
	 */
	int (*decode)(const struct pt_format *f, unsigned int level, uint64_t raw,
		      struct pte_desc *out);
	/*
	 * Encode d at `level`. -EINVAL when it cannot be represented: a leaf where the level
	 * allows none, a misaligned or too-wide physical address, a prot bit the format lacks
	 * (e.g. NX on i386 2-level). kind NONE encodes as 0 plus d->soft (a swap entry later).
	 */
	int (*encode)(const struct pt_format *f, unsigned int level, const struct pte_desc *d,
		      uint64_t *raw);
	/* The raw entry with the accessed (x86 A, arm64 AF) bit set. */
	uint64_t (*mkyoung)(uint64_t raw);
	/* The raw entry made dirty by a hardware write (x86 D=1; arm64 DBM: AP[2] cleared). */
	uint64_t (*mkdirty)(uint64_t raw);
	/*
	 * Append the entry's bits by name, the way a manual draws them, e.g.
	 * "P RW US A D NX pfn=0x1234" or "valid page AF AP=01 SH=11 AttrIndx=0 UXN".
	 */
	void (*describe)(const struct pt_format *f, unsigned int level, uint64_t raw,
			 struct strbuf *sb);
};

struct pt_format {
	enum pt_format_id id;
	enum arch_id arch;
	const char *name;	/* "x86_64-4level", "x86_64-5level", "i386-2level", "i386-pae",
				   "arm64-4k-39", "arm64-4k-48", "arm64-16k-47", "arm64-16k-48",
				   "arm64-64k-42", "arm64-64k-48" */
	const char *title;	/* one line for humans: "x86-64 4-level paging (48-bit)" */
	uint8_t nr_levels;
	uint8_t entry_size;	/* bytes per entry: 4 or 8 */
	uint8_t va_bits;	/* bits translated (32 for i386) */
	uint8_t pa_bits;	/* widest physical address an entry can hold */
	uint8_t granule_shift;	/* base page and table size: 12, 14 or 16 */
	enum pt_split split;
	uint32_t root_bytes;	/* size of the root table (PAE: 32; arm64 16K/48: 16) */
	uint32_t root_align;	/* alignment the root register requires */
	struct pt_level level[PT_MAX_LEVELS];
	const struct pt_format_ops *ops;
};

/* The format by id, or NULL. */
const struct pt_format *pt_format_get(enum pt_format_id id);
/* The format by name (see pt_format.name), or NULL. */
const struct pt_format *pt_format_by_name(const char *name);
/* The default format of an architecture (x86_64-4level, i386-2level, arm64-4k-48). */
const struct pt_format *pt_format_default(enum arch_id arch);
/*
 * The format of `arch` with `levels` levels (x86_64: 4/5, i386: 2/3) or, on arm64, with
 * granule (4096/16384/65536) and va_bits; 0 for "the default". NULL when none exists.
 */
const struct pt_format *pt_format_find(enum arch_id arch, unsigned int levels,
				       unsigned int granule, unsigned int va_bits);

/* Index of va at level l. */
static inline unsigned int pt_index(const struct pt_format *f, unsigned int l, uint64_t va)
{
	return (unsigned int)((va >> f->level[l].shift) & ((1ull << f->level[l].bits) - 1));
}
/* Bytes mapped by one leaf at level l. */
static inline uint64_t pt_level_size(const struct pt_format *f, unsigned int l)
{
	return 1ull << f->level[l].shift;
}
/* Bytes of a table at level l (root may be smaller than a granule). */
static inline uint32_t pt_table_bytes(const struct pt_format *f, unsigned int l)
{
	return l == 0 ? f->root_bytes : (uint32_t)f->entry_size << f->level[l].bits;
}

/*
 * Which half of the address space va lies in: 0 user (x86 lower half; arm64 TTBR0;
 * i386 always 0), 1 kernel (x86 upper half; arm64 TTBR1), -1 non-canonical / outside the
 * translated range. This is the hardware rule; the OS split (TASK_SIZE, PAGE_OFFSET) is in
 * arch/layout.h.
 */
int pt_va_half(const struct pt_format *f, uint64_t va);

/* Check the invariants of format f (levels tile the VA, root size/alignment, last level
   takes leaves, split matches the arch, every op present). 0 or -EUCLEAN with err set. */
int pt_format_validate(const struct pt_format *f, struct mmsim_error *err);

/* The formats, for ops tables defined in their own files. */
extern const struct pt_format pt_format_x86_64_4l, pt_format_x86_64_5l, pt_format_i386_2l,
	pt_format_i386_pae, pt_format_arm64_4k_39, pt_format_arm64_4k_48,
	pt_format_arm64_16k_47, pt_format_arm64_16k_48, pt_format_arm64_64k_42,
	pt_format_arm64_64k_48;
#endif

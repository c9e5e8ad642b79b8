/*
 * The arm64 translation-table formats (src/arch/pgtable_arm64.c).
 *
 *  - geometry of all six formats: levels, shifts, index widths, Linux and Arm names, where
 *    blocks are allowed, root table size and alignment;
 *  - golden encodings: Linux 6.18's arm64 protection values (arch/arm64/include/asm/
 *    pgtable-prot.h, built from the bit names of pgtable-hwdef.h; read through the code
 *    search and written out here both as expressions and as the literal numbers) encode from
 *    their generic description and decode back to it, for pages, blocks and tables;
 *  - round trips: random descriptions at every level of every format encode and decode back
 *    unchanged, and random architecturally valid raw descriptors decode and encode back;
 *  - reserved encodings (bits[1:0] = 01 at level 3, blocks where none are allowed, RES0 bits)
 *    and descriptions that cannot be encoded;
 *  - pt_index for known addresses, mkyoung/mkdirty, describe.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmsim/mmsim.h"
#include "arch/pgtable.h"
#include "util/rng.h"
#include "util/strbuf.h"

/* Defined in src/arch/pgtable.c; the declaration moves to arch/pgtable.h. */
int pt_format_validate(const struct pt_format *f, struct mmsim_error *err);

static const struct pt_format *const formats[] = {
	&pt_format_arm64_4k_39, &pt_format_arm64_4k_48, &pt_format_arm64_16k_47,
	&pt_format_arm64_16k_48, &pt_format_arm64_64k_42, &pt_format_arm64_64k_48,
};
#define NR_FORMATS (sizeof(formats) / sizeof(formats[0]))

/*
 * Linux 6.18 arch/arm64/include/asm/pgtable-hwdef.h and pgtable-prot.h, for a kernel without
 * KPTI (PTE_MAYBE_NG = 0, so kernel mappings are global) and without LPA2
 * (PTE_MAYBE_SHARED = PTE_SHARED). MT_NORMAL = 0, MT_DEVICE_nGnRE = 4 (asm/memory.h).
 */
#define L_PTE_VALID		(1ull << 0)
#define L_PTE_TYPE_PAGE		(3ull << 0)
#define L_PMD_TYPE_SECT		(1ull << 0)
#define L_PMD_TYPE_TABLE	(3ull << 0)
#define L_PTE_USER		(1ull << 6)
#define L_PTE_RDONLY		(1ull << 7)
#define L_PTE_SHARED		(3ull << 8)
#define L_PTE_AF		(1ull << 10)
#define L_PTE_NG		(1ull << 11)
#define L_PTE_DBM		(1ull << 51)
#define L_PTE_WRITE		L_PTE_DBM
#define L_PTE_CONT		(1ull << 52)
#define L_PTE_PXN		(1ull << 53)
#define L_PTE_UXN		(1ull << 54)
#define L_PTE_DIRTY		(1ull << 55)	/* software dirty */
#define L_PTE_ATTRINDX(t)	((uint64_t)(t) << 2)
#define L_PMD_TABLE_PXN		(1ull << 59)
#define L_PMD_TABLE_UXN		(1ull << 60)
#define L_S1_TABLE_AP		(3ull << 61)
#define L_MT_NORMAL		0
#define L_MT_DEVICE_nGnRE	4

#define L_PROT_DEFAULT		(L_PTE_TYPE_PAGE | L_PTE_AF | L_PTE_SHARED)
#define L_PROT_SECT_DEFAULT	(L_PMD_TYPE_SECT | L_PTE_AF | L_PTE_SHARED)
#define L_PAGE_DEFAULT		(L_PROT_DEFAULT | L_PTE_ATTRINDX(L_MT_NORMAL))
#define L_PROT_NORMAL		(L_PROT_DEFAULT | L_PTE_PXN | L_PTE_UXN | L_PTE_WRITE | \
				 L_PTE_ATTRINDX(L_MT_NORMAL))
#define L_PROT_DEVICE_nGnRE	(L_PROT_DEFAULT | L_PTE_PXN | L_PTE_UXN | L_PTE_WRITE | \
				 L_PTE_ATTRINDX(L_MT_DEVICE_nGnRE))
#define L_PAGE_KERNEL		L_PROT_NORMAL
#define L_PAGE_KERNEL_RO	((L_PROT_NORMAL & ~L_PTE_WRITE) | L_PTE_RDONLY)
#define L_PAGE_KERNEL_ROX	((L_PROT_NORMAL & ~(L_PTE_WRITE | L_PTE_PXN)) | L_PTE_RDONLY)
#define L_PAGE_KERNEL_EXEC	(L_PROT_NORMAL & ~L_PTE_PXN)
#define L_PAGE_SHARED		(L_PAGE_DEFAULT | L_PTE_USER | L_PTE_RDONLY | L_PTE_NG | \
				 L_PTE_PXN | L_PTE_UXN | L_PTE_WRITE)
#define L_PAGE_SHARED_EXEC	(L_PAGE_DEFAULT | L_PTE_USER | L_PTE_RDONLY | L_PTE_NG | \
				 L_PTE_PXN | L_PTE_WRITE)
#define L_PAGE_READONLY		(L_PAGE_DEFAULT | L_PTE_USER | L_PTE_RDONLY | L_PTE_NG | \
				 L_PTE_PXN | L_PTE_UXN)
#define L_PAGE_READONLY_EXEC	(L_PAGE_DEFAULT | L_PTE_USER | L_PTE_RDONLY | L_PTE_NG | \
				 L_PTE_PXN)
#define L_PAGE_EXECONLY		(L_PAGE_DEFAULT | L_PTE_RDONLY | L_PTE_NG | L_PTE_PXN)
#define L_PROT_SECT_NORMAL	(L_PROT_SECT_DEFAULT | L_PTE_PXN | L_PTE_UXN | L_PTE_WRITE | \
				 L_PTE_ATTRINDX(L_MT_NORMAL))
#define L_PROT_SECT_NORMAL_EXEC	(L_PROT_SECT_DEFAULT | L_PTE_UXN | \
				 L_PTE_ATTRINDX(L_MT_NORMAL))
/* PAGE_NONE: _PAGE_DEFAULT without PTE_VALID, PTE_PRESENT_INVALID (= PTE_NG since 6.10). */
#define L_PAGE_NONE		((L_PAGE_DEFAULT & ~L_PTE_VALID) | L_PTE_NG | L_PTE_RDONLY | \
				 L_PTE_NG | L_PTE_PXN | L_PTE_UXN)

static void assert_desc_equal(const struct pte_desc *a, const struct pte_desc *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->prot, b->prot);
	assert_int_equal(a->memtype, b->memtype);
	assert_int_equal(a->shareability, b->shareability);
	assert_int_equal(a->pa, b->pa);
	assert_int_equal(a->soft, b->soft);
}

/* encode(d) == raw and decode(raw) == d at level l of f. */
static void check_golden(const struct pt_format *f, unsigned int l, const struct pte_desc *d,
			 uint64_t raw)
{
	uint64_t got = 0;
	struct pte_desc back;

	assert_int_equal(f->ops->encode(f, l, d, &got), 0);
	if (got != raw)
		fail_msg("%s level %u: encoded 0x%016llx, expected 0x%016llx", f->name, l,
			 (unsigned long long)got, (unsigned long long)raw);
	assert_int_equal(f->ops->decode(f, l, raw, &back), 0);
	assert_desc_equal(&back, d);
}

/* ---- geometry ---------------------------------------------------------------------------- */

struct level_want {
	const char *name, *arch_name;
	unsigned int shift, bits;
	bool leaf_ok;
};

struct format_want {
	const struct pt_format *f;
	enum pt_format_id id;
	const char *name;
	unsigned int nr_levels, va_bits, granule_shift, root_bytes, root_align;
	struct level_want level[4];
};

/* Arm ARM VMSAv8-64 lookup tables per granule; Linux level names per CONFIG_PGTABLE_LEVELS. */
static const struct format_want geometry[] = {
	{ &pt_format_arm64_4k_39, PTF_ARM64_4K_39, "arm64-4k-39", 3, 39, 12, 4096, 4096,
	  { { "pgd", "L1", 30, 9, true }, { "pmd", "L2", 21, 9, true },
	    { "pte", "L3", 12, 9, true } } },
	{ &pt_format_arm64_4k_48, PTF_ARM64_4K_48, "arm64-4k-48", 4, 48, 12, 4096, 4096,
	  { { "pgd", "L0", 39, 9, false }, { "pud", "L1", 30, 9, true },
	    { "pmd", "L2", 21, 9, true }, { "pte", "L3", 12, 9, true } } },
	{ &pt_format_arm64_16k_47, PTF_ARM64_16K_47, "arm64-16k-47", 3, 47, 14, 16384, 16384,
	  { { "pgd", "L1", 36, 11, false }, { "pmd", "L2", 25, 11, true },
	    { "pte", "L3", 14, 11, true } } },
	{ &pt_format_arm64_16k_48, PTF_ARM64_16K_48, "arm64-16k-48", 4, 48, 14, 16, 64,
	  { { "pgd", "L0", 47, 1, false }, { "pud", "L1", 36, 11, false },
	    { "pmd", "L2", 25, 11, true }, { "pte", "L3", 14, 11, true } } },
	{ &pt_format_arm64_64k_42, PTF_ARM64_64K_42, "arm64-64k-42", 2, 42, 16, 65536, 65536,
	  { { "pgd", "L2", 29, 13, true }, { "pte", "L3", 16, 13, true } } },
	{ &pt_format_arm64_64k_48, PTF_ARM64_64K_48, "arm64-64k-48", 3, 48, 16, 512, 512,
	  { { "pgd", "L1", 42, 6, false }, { "pmd", "L2", 29, 13, true },
	    { "pte", "L3", 16, 13, true } } },
};

static void test_geometry(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(geometry) / sizeof(geometry[0]); i++) {
		const struct format_want *w = &geometry[i];
		const struct pt_format *f = w->f;
		struct mmsim_error err = { 0 };

		assert_int_equal(f->id, w->id);
		assert_int_equal(f->arch, ARCH_ARM64);
		assert_string_equal(f->name, w->name);
		assert_non_null(f->title);
		assert_int_equal(f->nr_levels, w->nr_levels);
		assert_int_equal(f->va_bits, w->va_bits);
		assert_int_equal(f->granule_shift, w->granule_shift);
		assert_int_equal(f->entry_size, 8);
		assert_int_equal(f->pa_bits, 48);
		assert_int_equal(f->split, PT_SPLIT_TTBR);
		assert_int_equal(f->root_bytes, w->root_bytes);
		assert_int_equal(f->root_align, w->root_align);
		for (unsigned int l = 0; l < f->nr_levels; l++) {
			assert_string_equal(f->level[l].name, w->level[l].name);
			assert_string_equal(f->level[l].arch_name, w->level[l].arch_name);
			assert_int_equal(f->level[l].shift, w->level[l].shift);
			assert_int_equal(f->level[l].bits, w->level[l].bits);
			assert_int_equal(f->level[l].leaf_ok, w->level[l].leaf_ok);
			/* Every table below the root fills exactly one granule. */
			if (l)
				assert_int_equal(pt_table_bytes(f, l), 1u << f->granule_shift);
		}
		assert_int_equal(pt_table_bytes(f, 0), w->root_bytes);
		if (pt_format_validate(f, &err) != 0)
			fail_msg("%s: %s", f->name, err.msg);
	}
	/* Block sizes the Arm ARM names: 1 GiB, 2 MiB, 32 MiB, 512 MiB. */
	assert_int_equal(pt_level_size(&pt_format_arm64_4k_48, 1), 1ull << 30);
	assert_int_equal(pt_level_size(&pt_format_arm64_4k_48, 2), 2ull << 20);
	assert_int_equal(pt_level_size(&pt_format_arm64_16k_47, 1), 32ull << 20);
	assert_int_equal(pt_level_size(&pt_format_arm64_64k_42, 0), 512ull << 20);
	assert_int_equal(pt_level_size(&pt_format_arm64_64k_48, 1), 512ull << 20);
}

/* ---- golden encodings -------------------------------------------------------------------- */

/* The literal values, so a slip in the expressions above cannot go unnoticed. */
static void test_linux_constants(void **state)
{
	(void)state;
	assert_int_equal(L_PROT_DEFAULT, 0x0000000000000703ull);
	assert_int_equal(L_PAGE_KERNEL, 0x0068000000000703ull);
	assert_int_equal(L_PAGE_KERNEL_RO, 0x0060000000000783ull);
	assert_int_equal(L_PAGE_KERNEL_ROX, 0x0040000000000783ull);
	assert_int_equal(L_PAGE_KERNEL_EXEC, 0x0048000000000703ull);
	assert_int_equal(L_PROT_DEVICE_nGnRE, 0x0068000000000713ull);
	assert_int_equal(L_PAGE_SHARED, 0x0068000000000fc3ull);
	assert_int_equal(L_PAGE_SHARED_EXEC, 0x0028000000000fc3ull);
	assert_int_equal(L_PAGE_READONLY, 0x0060000000000fc3ull);
	assert_int_equal(L_PAGE_READONLY_EXEC, 0x0020000000000fc3ull);
	assert_int_equal(L_PAGE_EXECONLY, 0x0020000000000f83ull);
	assert_int_equal(L_PROT_SECT_NORMAL, 0x0068000000000701ull);
	assert_int_equal(L_PROT_SECT_NORMAL_EXEC, 0x0040000000000701ull);
	assert_int_equal(L_PAGE_NONE, 0x0060000000000f82ull);
}

/* The kernel's own page protections, as pages (L3) of the 4K/48-bit format. */
static void test_golden_pages(void **state)
{
	const struct pt_format *f = &pt_format_arm64_4k_48;
	const uint64_t pa = 0x0000004012345000ull;
	(void)state;

	/* Writable and dirty (DBM with AP[2]=0), global, accessed: what the kernel maps. */
	const uint32_t krw = PTE_WRITE | PTE_DIRTY | PTE_DBM | PTE_GLOBAL | PTE_ACCESSED;
	const uint32_t kro = PTE_GLOBAL | PTE_ACCESSED;
	const uint32_t xn = PTE_PXN | PTE_UXN;
	const struct {
		const char *name;
		uint64_t bits;
		uint32_t prot;
		uint8_t memtype;
	} pages[] = {
		{ "PAGE_KERNEL", L_PAGE_KERNEL, krw | xn, 0 },
		{ "PAGE_KERNEL_RO", L_PAGE_KERNEL_RO, kro | xn, 0 },
		{ "PAGE_KERNEL_ROX", L_PAGE_KERNEL_ROX, kro | PTE_UXN, 0 },
		{ "PAGE_KERNEL_EXEC", L_PAGE_KERNEL_EXEC, krw | PTE_UXN, 0 },
		{ "PROT_DEVICE_nGnRE", L_PROT_DEVICE_nGnRE, krw | xn, 4 },
		/* Writable user pages start clean: AP[2]=1 with DBM, so not yet writable. */
		{ "PAGE_SHARED", L_PAGE_SHARED, PTE_USER | PTE_DBM | xn | PTE_ACCESSED, 0 },
		{ "PAGE_SHARED_EXEC", L_PAGE_SHARED_EXEC, PTE_USER | PTE_DBM | PTE_PXN |
		  PTE_ACCESSED, 0 },
		{ "PAGE_READONLY", L_PAGE_READONLY, PTE_USER | xn | PTE_ACCESSED, 0 },
		{ "PAGE_READONLY_EXEC", L_PAGE_READONLY_EXEC, PTE_USER | PTE_PXN | PTE_ACCESSED,
		  0 },
		{ "PAGE_EXECONLY", L_PAGE_EXECONLY, PTE_PXN | PTE_ACCESSED, 0 },
		/* The same after a store with hardware dirty management: AP[2] cleared. */
		{ "PAGE_SHARED dirty", L_PAGE_SHARED & ~L_PTE_RDONLY, PTE_USER | PTE_WRITE |
		  PTE_DIRTY | PTE_DBM | xn | PTE_ACCESSED, 0 },
		{ "PAGE_KERNEL_EXEC_CONT", L_PAGE_KERNEL_EXEC | L_PTE_CONT,
		  krw | PTE_UXN | PTE_CONT, 0 },
	};
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		struct pte_desc d = { .kind = PTE_KIND_LEAF, .prot = pages[i].prot,
				      .memtype = pages[i].memtype, .shareability = 3, .pa = pa };
		print_message("  %s\n", pages[i].name);
		check_golden(f, 3, &d, pa | pages[i].bits);
	}

	/* Linux's software dirty bit PTE_DIRTY (55) is soft bit 0; PTE_SPECIAL (56) bit 1. */
	struct pte_desc d = { .kind = PTE_KIND_LEAF, .prot = PTE_USER | PTE_PXN | PTE_UXN |
			      PTE_ACCESSED, .shareability = 3, .pa = pa, .soft = 1 };
	check_golden(f, 3, &d, pa | L_PAGE_READONLY | L_PTE_DIRTY);
	d.soft = 2;
	check_golden(f, 3, &d, pa | L_PAGE_READONLY | (1ull << 56));
}

/* Blocks (PMD/PUD sections) and table descriptors as Linux writes them. */
static void test_golden_blocks_and_tables(void **state)
{
	(void)state;
	const uint32_t sect = PTE_WRITE | PTE_DIRTY | PTE_DBM | PTE_PXN | PTE_UXN | PTE_GLOBAL |
			      PTE_ACCESSED;
	struct pte_desc d = { .kind = PTE_KIND_LEAF, .prot = sect, .shareability = 3 };

	/* 2 MiB and 1 GiB sections of the linear map (PROT_SECT_NORMAL). */
	d.pa = 0x40200000;
	check_golden(&pt_format_arm64_4k_48, 2, &d, 0x40200000 | L_PROT_SECT_NORMAL);
	check_golden(&pt_format_arm64_4k_39, 1, &d, 0x40200000 | L_PROT_SECT_NORMAL);
	d.pa = 0x80000000;
	check_golden(&pt_format_arm64_4k_48, 1, &d, 0x80000000 | L_PROT_SECT_NORMAL);
	check_golden(&pt_format_arm64_4k_39, 0, &d, 0x80000000 | L_PROT_SECT_NORMAL);
	/* 32 MiB (16K) and 512 MiB (64K) blocks. */
	d.pa = 0x42000000;
	check_golden(&pt_format_arm64_16k_47, 1, &d, 0x42000000 | L_PROT_SECT_NORMAL);
	check_golden(&pt_format_arm64_16k_48, 2, &d, 0x42000000 | L_PROT_SECT_NORMAL);
	d.pa = 0x60000000;
	check_golden(&pt_format_arm64_64k_42, 0, &d, 0x60000000 | L_PROT_SECT_NORMAL);
	check_golden(&pt_format_arm64_64k_48, 1, &d, 0x60000000 | L_PROT_SECT_NORMAL);
	/* Kernel text section: PROT_SECT_NORMAL_EXEC is writable without DBM (AP[2]=0). */
	d.prot = PTE_WRITE | PTE_UXN | PTE_GLOBAL | PTE_ACCESSED;
	d.pa = 0x40400000;
	check_golden(&pt_format_arm64_4k_48, 2, &d, 0x40400000 | L_PROT_SECT_NORMAL_EXEC);

	/*
	 * Tables: user page tables get PMD_TABLE_PXN (pmd_populate), kernel ones PMD_TABLE_UXN
	 * (pmd_populate_kernel); a table restricting nothing is PMD_TYPE_TABLE alone.
	 */
	const struct pt_format *f = &pt_format_arm64_4k_48;
	const uint64_t tbl = 0x41234000 | L_PMD_TYPE_TABLE;
	struct pte_desc t = { .kind = PTE_KIND_TABLE, .prot = PTE_WRITE | PTE_USER,
			      .pa = 0x41234000 };
	check_golden(f, 0, &t, tbl);
	t.prot = PTE_WRITE | PTE_USER | PTE_PXN;
	check_golden(f, 2, &t, tbl | L_PMD_TABLE_PXN);
	t.prot = PTE_WRITE | PTE_USER | PTE_UXN;
	check_golden(f, 2, &t, tbl | L_PMD_TABLE_UXN);
	/* APTable = 11: no EL0 access and no writes anywhere below (S1_TABLE_AP). */
	t.prot = 0;
	check_golden(f, 1, &t, tbl | L_S1_TABLE_AP);
	t.prot = PTE_WRITE;	/* APTable = 01 */
	check_golden(f, 1, &t, tbl | (1ull << 61));
	t.prot = PTE_USER;	/* APTable = 10 */
	check_golden(f, 1, &t, tbl | (1ull << 62));
	/* A 64K-granule table address is 64 KiB aligned. */
	t.prot = PTE_WRITE | PTE_USER;
	t.pa = 0x7fff0000;
	check_golden(&pt_format_arm64_64k_48, 0, &t, 0x7fff0000 | L_PMD_TYPE_TABLE);
}

/* Invalid descriptors keep every bit but the valid bit (swap entries, PROT_NONE ptes). */
static void test_invalid_keeps_software_bits(void **state)
{
	(void)state;
	for (size_t i = 0; i < NR_FORMATS; i++) {
		const struct pt_format *f = formats[i];
		for (unsigned int l = 0; l < f->nr_levels; l++) {
			struct pte_desc d = { .kind = PTE_KIND_NONE };
			check_golden(f, l, &d, 0);
			d.soft = (0x0000004000000000ull | L_PAGE_NONE) >> 1;
			check_golden(f, l, &d, 0x0000004000000000ull | L_PAGE_NONE);
			d.soft = ~0ull >> 1;
			check_golden(f, l, &d, ~0ull & ~L_PTE_VALID);
		}
	}
}

/* ---- round trips ------------------------------------------------------------------------- */

/* A random description that level l of f can hold. */
static struct pte_desc random_desc(struct rng *r, const struct pt_format *f, unsigned int l)
{
	struct pte_desc d = { 0 };
	unsigned int k = (unsigned int)rng_below(r, 3);
	uint64_t oa = (rng_next(r) & ((1ull << 48) - 1));

	if (k == 2 && !f->level[l].leaf_ok)
		k = 1;
	if (k == 1 && l + 1u == f->nr_levels)
		k = 2;
	switch (k) {
	case 0:
		d.kind = PTE_KIND_NONE;
		d.soft = rng_next(r) >> 1;
		break;
	case 1:
		d.kind = PTE_KIND_TABLE;
		d.pa = oa & ~((1ull << f->granule_shift) - 1);
		d.prot = (uint32_t)rng_next(r) & (PTE_WRITE | PTE_USER | PTE_UXN | PTE_PXN);
		d.soft = rng_below(r, 16);
		break;
	default:
		d.kind = PTE_KIND_LEAF;
		d.pa = oa & ~(pt_level_size(f, l) - 1);
		d.prot = (uint32_t)rng_next(r) & (PTE_WRITE | PTE_USER | PTE_UXN | PTE_PXN |
						  PTE_GLOBAL | PTE_ACCESSED | PTE_DBM | PTE_CONT);
		if ((d.prot & PTE_DBM) && (d.prot & PTE_WRITE))
			d.prot |= PTE_DIRTY;
		d.memtype = (uint8_t)rng_below(r, 8);
		d.shareability = (uint8_t)rng_below(r, 4);
		d.soft = rng_below(r, 16);
		break;
	}
	return d;
}

static void test_roundtrip_random_descs(void **state)
{
	struct rng r;
	(void)state;
	rng_seed(&r, 0xa64);
	for (size_t i = 0; i < NR_FORMATS; i++) {
		const struct pt_format *f = formats[i];
		for (unsigned int l = 0; l < f->nr_levels; l++) {
			for (int n = 0; n < 20000; n++) {
				struct pte_desc d = random_desc(&r, f, l), back;
				uint64_t raw;
				if (f->ops->encode(f, l, &d, &raw) != 0)
					fail_msg("%s level %u: kind %d prot 0x%x pa 0x%llx: "
						 "-EINVAL", f->name, l, d.kind, d.prot,
						 (unsigned long long)d.pa);
				assert_int_equal(f->ops->decode(f, l, raw, &back), 0);
				assert_desc_equal(&back, &d);
			}
		}
	}
}

/*
 * A random architecturally valid descriptor for level l of f, with the bits the hardware
 * ignores and the model drops cleared (leaf: NS 5, GP 50, 63:59; table: 11:2, 54:51,
 * NSTable 63). *table says which kind it is.
 */
static uint64_t random_valid_raw(struct rng *r, const struct pt_format *f, unsigned int l,
				 bool *table)
{
	const uint64_t oa48 = (1ull << 48) - 1;
	bool last = l + 1u == f->nr_levels;
	uint64_t raw = rng_next(r);

	*table = !last && (!f->level[l].leaf_ok || (raw & 2));
	if (*table) {
		raw &= oa48 & ~((1ull << f->granule_shift) - 1);
		/* soft 58:55, PXNTable 59, UXNTable 60, APTable 62:61 */
		raw |= rng_next(r) & 0x7f80000000000000ull;
		return raw | 3;
	}
	/* AttrIndx, AP, SH, AF, nG (0xfdc); DBM, Contig, PXN, UXN, soft (58:51) */
	raw &= (oa48 & ~(pt_level_size(f, l) - 1)) | 0x07f8000000000fdcull;
	return raw | (last ? 3 : 1);
}

/* Random valid raw descriptors decode and encode back to the same value. */
static void test_roundtrip_random_raws(void **state)
{
	struct rng r;
	(void)state;
	rng_seed(&r, 0x64a);
	for (size_t i = 0; i < NR_FORMATS; i++) {
		const struct pt_format *f = formats[i];
		for (unsigned int l = 0; l < f->nr_levels; l++) {
			for (int n = 0; n < 20000; n++) {
				bool table;
				uint64_t raw = random_valid_raw(&r, f, l, &table), again;
				struct pte_desc d;
				assert_int_equal(f->ops->decode(f, l, raw, &d), 0);
				assert_int_equal(d.kind, table ? PTE_KIND_TABLE : PTE_KIND_LEAF);
				assert_int_equal(f->ops->encode(f, l, &d, &again), 0);
				if (again != raw)
					fail_msg("%s level %u: 0x%016llx came back as 0x%016llx",
						 f->name, l, (unsigned long long)raw,
						 (unsigned long long)again);
			}
		}
	}
}

/* ---- reserved encodings and what cannot be encoded ------------------------------------- */

static void expect_reserved(const struct pt_format *f, unsigned int l, uint64_t raw,
			    enum pte_kind kind)
{
	struct pte_desc d;
	int rc = f->ops->decode(f, l, raw, &d);
	if (rc != -EINVAL)
		fail_msg("%s level %u: 0x%016llx decoded with %d, expected -EINVAL", f->name, l,
			 (unsigned long long)raw, rc);
	assert_int_equal(d.kind, kind);
}

static void test_reserved_encodings(void **state)
{
	(void)state;
	/* bits[1:0] = 01 at level 3 behaves as invalid (Arm ARM): kind NONE, reported. */
	for (size_t i = 0; i < NR_FORMATS; i++) {
		const struct pt_format *f = formats[i];
		expect_reserved(f, f->nr_levels - 1u, 0x40000000 | L_PMD_TYPE_SECT, PTE_KIND_NONE);
	}
	/* Blocks where the granule allows none: 4K L0, 16K L0 and L1, 64K L1. */
	expect_reserved(&pt_format_arm64_4k_48, 0, 0x8000000000ull | L_PROT_SECT_NORMAL,
			PTE_KIND_LEAF);
	expect_reserved(&pt_format_arm64_16k_48, 0, L_PROT_SECT_NORMAL, PTE_KIND_LEAF);
	expect_reserved(&pt_format_arm64_16k_48, 1, 0x1000000000ull | L_PROT_SECT_NORMAL,
			PTE_KIND_LEAF);
	expect_reserved(&pt_format_arm64_16k_47, 0, 0x1000000000ull | L_PROT_SECT_NORMAL,
			PTE_KIND_LEAF);
	expect_reserved(&pt_format_arm64_64k_48, 0, 0x40000000000ull | L_PROT_SECT_NORMAL,
			PTE_KIND_LEAF);
	/* RES0 above the 48-bit output address: 49:48 in leaves, 50:48 in tables. */
	expect_reserved(&pt_format_arm64_4k_48, 3, L_PAGE_KERNEL | (1ull << 48), PTE_KIND_LEAF);
	expect_reserved(&pt_format_arm64_4k_48, 3, L_PAGE_KERNEL | (1ull << 49), PTE_KIND_LEAF);
	expect_reserved(&pt_format_arm64_4k_48, 1, L_PMD_TYPE_TABLE | (1ull << 50),
			PTE_KIND_TABLE);
	expect_reserved(&pt_format_arm64_4k_48, 1, L_PMD_TYPE_TABLE | (1ull << 48),
			PTE_KIND_TABLE);
	/* RES0 between bit 12 and a block's or larger page's output address. */
	expect_reserved(&pt_format_arm64_4k_48, 2, 0x40200000 | (1ull << 12) | L_PROT_SECT_NORMAL,
			PTE_KIND_LEAF);
	expect_reserved(&pt_format_arm64_4k_48, 1, 0x40000000 | (1ull << 29) | L_PROT_SECT_NORMAL,
			PTE_KIND_LEAF);
	expect_reserved(&pt_format_arm64_16k_47, 2, 0x40000000 | (1ull << 13) | L_PAGE_KERNEL,
			PTE_KIND_LEAF);
	expect_reserved(&pt_format_arm64_64k_42, 1, 0x40000000 | (1ull << 15) | L_PAGE_KERNEL,
			PTE_KIND_LEAF);
	/* A 64K table address has bits 15:12 RES0 (they hold PA 51:48 only with FEAT_LPA). */
	expect_reserved(&pt_format_arm64_64k_48, 0, 0x40000000 | (1ull << 12) | L_PMD_TYPE_TABLE,
			PTE_KIND_TABLE);
	expect_reserved(&pt_format_arm64_16k_48, 0, 0x40000000 | (1ull << 13) | L_PMD_TYPE_TABLE,
			PTE_KIND_TABLE);

	/* Not reserved: ignored bits (GP, NS, PBHA, bit 63, table bits 11:2 and 58:51). */
	struct pte_desc d;
	assert_int_equal(pt_format_arm64_4k_48.ops->decode(&pt_format_arm64_4k_48, 3,
			 L_PAGE_KERNEL | (1ull << 50) | (1ull << 5) | (0x1full << 59), &d), 0);
	assert_int_equal(d.prot, PTE_WRITE | PTE_DIRTY | PTE_DBM | PTE_PXN | PTE_UXN | PTE_GLOBAL |
			 PTE_ACCESSED);
	assert_int_equal(pt_format_arm64_4k_48.ops->decode(&pt_format_arm64_4k_48, 0,
			 L_PMD_TYPE_TABLE | 0xffc | (0xffull << 51), &d), 0);
	assert_int_equal(d.kind, PTE_KIND_TABLE);
	assert_int_equal(d.pa, 0);
	assert_int_equal(d.soft, 0xf);
	/* A level the format does not have. */
	assert_int_equal(pt_format_arm64_64k_42.ops->decode(&pt_format_arm64_64k_42, 2, 0, &d),
			 -EINVAL);
}

static void expect_encode_error(const struct pt_format *f, unsigned int l,
				const struct pte_desc *d)
{
	uint64_t raw = 0x1234;
	int rc = f->ops->encode(f, l, d, &raw);
	if (rc != -EINVAL)
		fail_msg("%s level %u: kind %d prot 0x%x pa 0x%llx encoded with %d, expected "
			 "-EINVAL", f->name, l, d->kind, d->prot, (unsigned long long)d->pa, rc);
	assert_int_equal(raw, 0x1234);	/* untouched on failure */
}

static void test_encode_errors(void **state)
{
	const struct pt_format *f = &pt_format_arm64_4k_48;
	const struct pte_desc page = { .kind = PTE_KIND_LEAF, .prot = PTE_ACCESSED, .pa = 0x5000 };
	const struct pte_desc table = { .kind = PTE_KIND_TABLE, .prot = PTE_WRITE | PTE_USER,
					.pa = 0x5000 };
	struct pte_desc d;
	(void)state;

	/* Leaves where no block is allowed, and tables at the last level. */
	d = page;
	d.pa = 0;
	expect_encode_error(f, 0, &d);
	expect_encode_error(&pt_format_arm64_16k_47, 0, &d);
	expect_encode_error(&pt_format_arm64_64k_48, 0, &d);
	expect_encode_error(f, 3, &table);
	expect_encode_error(f, 4, &page);
	/* Misaligned or too wide output addresses. */
	d = page;
	d.pa = 0x5800;
	expect_encode_error(f, 3, &d);
	d.pa = 0x5000;
	expect_encode_error(f, 2, &d);
	d.pa = 1ull << 48;
	expect_encode_error(f, 3, &d);
	d = table;
	d.pa = 0x6000;
	expect_encode_error(&pt_format_arm64_16k_47, 0, &d);
	d.pa = 1ull << 48;
	expect_encode_error(f, 0, &d);
	/* Fields out of range, and prot bits a table cannot hold. */
	d = page;
	d.memtype = 8;
	expect_encode_error(f, 3, &d);
	d = page;
	d.shareability = 4;
	expect_encode_error(f, 3, &d);
	d = page;
	d.soft = 16;
	expect_encode_error(f, 3, &d);
	d = table;
	d.prot |= PTE_ACCESSED;
	expect_encode_error(f, 0, &d);
	d = table;
	d.memtype = 1;
	expect_encode_error(f, 0, &d);
	d = table;
	d.soft = 16;
	expect_encode_error(f, 0, &d);
	d = page;
	d.prot |= 1u << 20;
	expect_encode_error(f, 3, &d);
	/* Dirty is DBM with AP[2]=0: no dirty state without DBM, none hidden with it. */
	d = page;
	d.prot = PTE_WRITE | PTE_DIRTY;
	expect_encode_error(f, 3, &d);
	d.prot = PTE_DBM | PTE_DIRTY;
	expect_encode_error(f, 3, &d);
	d.prot = PTE_WRITE | PTE_DBM;
	expect_encode_error(f, 3, &d);
	/* kind NONE holds soft bits only, 63 of them. */
	d = (struct pte_desc){ .kind = PTE_KIND_NONE, .prot = PTE_WRITE };
	expect_encode_error(f, 3, &d);
	d = (struct pte_desc){ .kind = PTE_KIND_NONE, .pa = 0x1000 };
	expect_encode_error(f, 3, &d);
	d = (struct pte_desc){ .kind = PTE_KIND_NONE, .soft = 1ull << 63 };
	expect_encode_error(f, 3, &d);
	d = (struct pte_desc){ .kind = (enum pte_kind)7 };
	expect_encode_error(f, 3, &d);
}

/* ---- indexes, A/D updates, descriptions ------------------------------------------------ */

static void test_pt_index(void **state)
{
	(void)state;
	const struct pt_format *f = &pt_format_arm64_4k_48;
	/* The top user page: every index at its maximum. */
	for (unsigned int l = 0; l < 4; l++)
		assert_int_equal(pt_index(f, l, 0x0000fffffffff000ull), 511);
	/* 0xffff_0000_1234_5678 (TTBR1: the top 16 bits only select the table). */
	assert_int_equal(pt_index(f, 0, 0xffff000012345678ull), 0);
	assert_int_equal(pt_index(f, 1, 0xffff000012345678ull), 0);
	assert_int_equal(pt_index(f, 2, 0xffff000012345678ull), 0x91);
	assert_int_equal(pt_index(f, 3, 0xffff000012345678ull), 0x145);
	/* 0x0000_7f12_3456_7000 = L0 254, L1 72, L2 418, L3 359. */
	assert_int_equal(pt_index(f, 0, 0x00007f1234567000ull), 254);
	assert_int_equal(pt_index(f, 1, 0x00007f1234567000ull), 72);
	assert_int_equal(pt_index(f, 2, 0x00007f1234567000ull), 418);
	assert_int_equal(pt_index(f, 3, 0x00007f1234567000ull), 359);
	/* 16K, 48 bits: L0 has one bit (VA bit 47). */
	f = &pt_format_arm64_16k_48;
	assert_int_equal(pt_index(f, 0, 0x0000800000000000ull), 1);
	assert_int_equal(pt_index(f, 0, 0x00007fffffffc000ull), 0);
	assert_int_equal(pt_index(f, 1, 0x00007fffffffc000ull), 2047);
	assert_int_equal(pt_index(f, 3, 0x0000000000004000ull), 1);
	/* 64K, 42 bits: 13-bit L2 and L3 indexes. */
	f = &pt_format_arm64_64k_42;
	assert_int_equal(pt_index(f, 0, 0x000003ffffff0000ull), 8191);
	assert_int_equal(pt_index(f, 1, 0x000003ffffff0000ull), 8191);
	assert_int_equal(pt_index(f, 0, 0x0000000020010000ull), 1);
	assert_int_equal(pt_index(f, 1, 0x0000000020010000ull), 1);
	/* 64K, 48 bits: 6-bit L1. */
	f = &pt_format_arm64_64k_48;
	assert_int_equal(pt_index(f, 0, 0x0000fc0000000000ull), 63);
	assert_int_equal(pt_index(f, 0, 0x0000040000000000ull), 1);
	/* 4K, 39 bits: L1 is the root. */
	f = &pt_format_arm64_4k_39;
	assert_int_equal(pt_index(f, 0, 0x0000007fc0000000ull), 511);
	assert_int_equal(pt_index(f, 2, 0x0000000000003000ull), 3);
	/* 16K, 47 bits. */
	f = &pt_format_arm64_16k_47;
	assert_int_equal(pt_index(f, 0, 0x00007ff000000000ull), 2047);
	assert_int_equal(pt_index(f, 1, 0x0000000002000000ull), 1);
}

static void test_mkyoung_mkdirty(void **state)
{
	const struct pt_format *f = &pt_format_arm64_4k_48;
	(void)state;
	assert_int_equal(f->ops->mkyoung(L_PAGE_SHARED & ~L_PTE_AF), L_PAGE_SHARED);
	assert_int_equal(f->ops->mkyoung(L_PAGE_SHARED), L_PAGE_SHARED);
	/* A clean DBM page becomes writable-dirty; a page without DBM is left alone. */
	assert_int_equal(f->ops->mkdirty(L_PAGE_SHARED), L_PAGE_SHARED & ~L_PTE_RDONLY);
	assert_int_equal(f->ops->mkdirty(L_PAGE_READONLY), L_PAGE_READONLY);

	struct pte_desc d;
	assert_int_equal(f->ops->decode(f, 3, f->ops->mkdirty(L_PAGE_SHARED), &d), 0);
	assert_true(d.prot & PTE_DIRTY);
	assert_true(d.prot & PTE_WRITE);
}

/* describe(raw) contains every string of want, NULL-terminated. */
static void expect_describe(const struct pt_format *f, unsigned int l, uint64_t raw,
			    const char *const *want)
{
	struct strbuf sb;
	char *text = NULL;
	size_t len = 0;

	sb_init(&sb);
	f->ops->describe(f, l, raw, &sb);
	assert_int_equal(sb_finish(&sb, &text, &len), 0);
	for (; *want; want++)
		if (!strstr(text, *want))
			fail_msg("describe(0x%016llx) = \"%s\" lacks \"%s\"",
				 (unsigned long long)raw, text, *want);
	free(text);
}

static void test_describe(void **state)
{
	const struct pt_format *f = &pt_format_arm64_4k_48;
	(void)state;
	expect_describe(f, 3, 0x40001000 | L_PAGE_SHARED, (const char *const[]){
		"valid page", "oa=0x40001000", "AttrIndx=0", "AP=11", "SH=11", "AF", "nG", "DBM",
		"PXN", "UXN", NULL });
	expect_describe(f, 2, 0x40200000 | L_PROT_SECT_NORMAL, (const char *const[]){
		"valid block", "AP=00", "oa=0x40200000", NULL });
	expect_describe(f, 1, 0x41234000 | L_PMD_TYPE_TABLE | L_PMD_TABLE_PXN,
			(const char *const[]){ "valid table", "next=0x41234000", "APTable=00",
					       "PXNTable", NULL });
	expect_describe(f, 3, 0, (const char *const[]){ "invalid", NULL });
	expect_describe(f, 3, 0x40001000 | 1, (const char *const[]){ "reserved", "L3", NULL });
	expect_describe(f, 0, L_PROT_SECT_NORMAL, (const char *const[]){ "reserved", "L0", NULL });
	expect_describe(f, 3, L_PAGE_KERNEL | (1ull << 48), (const char *const[]){ "RES0", NULL });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_linux_constants),
		cmocka_unit_test(test_golden_pages),
		cmocka_unit_test(test_golden_blocks_and_tables),
		cmocka_unit_test(test_invalid_keeps_software_bits),
		cmocka_unit_test(test_roundtrip_random_descs),
		cmocka_unit_test(test_roundtrip_random_raws),
		cmocka_unit_test(test_reserved_encodings),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_pt_index),
		cmocka_unit_test(test_mkyoung_mkdirty),
		cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

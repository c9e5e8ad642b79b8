/*
 * The x86 page-table formats (src/arch/pgtable_x86.c) and the format registry
 * (src/arch/pgtable.c).
 *
 *  - golden encodings: Linux 6.18's protections (arch/x86/include/asm/pgtable_types.h, the
 *    tabulated __pg(__PP|__RW|_USR|___A|__NX|___D|_PSE|___G) definitions) give the entries
 *    Linux writes; the numbers are also checked against the SDM vol. 3A chapter 4 bit
 *    positions (P 0, R/W 1, U/S 2, PWT 3, PCD 4, A 5, D 6, PS/PAT 7, G 8, PAT 12 in huge
 *    leaves, XD 63) and Linux's PAT slots (arch/x86/mm/pat/memtype.c pat_init: 0 WB, 1 WC,
 *    2 UC-, 3 UC, 5 WP, 7 WT);
 *  - round trips: every valid random description at every level of every format encodes
 *    and decodes to itself; every random raw entry that decodes cleanly re-encodes to itself
 *    (less the protection-key bits, which are ignored);
 *  - every reserved-bit case of the SDM's tables, and the encode errors;
 *  - indexes, level sizes, table sizes, the canonical / TTBR / none address splits;
 *  - the registry: by id, by name, default, find, and the format validator.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmsim/mmsim.h"
#include "arch/pgtable.h"
#include "util/rng.h"
#include "util/strbuf.h"

#define BIT(n)	(1ull << (n))

/* Linux 6.18 arch/x86/include/asm/pgtable_types.h: the bits ... */
#define __PP	BIT(0)		/* _PAGE_PRESENT */
#define __RW	BIT(1)		/* _PAGE_RW */
#define _USR	BIT(2)		/* _PAGE_USER */
#define _PWT	BIT(3)		/* _PAGE_PWT */
#define _PCD	BIT(4)		/* _PAGE_PCD */
#define ___A	BIT(5)		/* _PAGE_ACCESSED */
#define ___D	BIT(6)		/* _PAGE_DIRTY */
#define _PSE	BIT(7)		/* _PAGE_PSE */
#define _PAT	BIT(7)		/* _PAGE_PAT (4 KiB pages) */
#define ___G	BIT(8)		/* _PAGE_GLOBAL */
#define _PATL	BIT(12)		/* _PAGE_PAT_LARGE */
#define __NX	BIT(63)		/* _PAGE_NX (x86-64 and PAE; 0 on 2-level i386) */
/* ... and the protections built from them. */
#define PAGE_SHARED		(__PP | __RW | _USR | ___A | __NX)
#define PAGE_SHARED_EXEC	(__PP | __RW | _USR | ___A)
#define PAGE_COPY		(__PP | _USR | ___A | __NX)	/* = PAGE_COPY_NOEXEC */
#define PAGE_READONLY		(__PP | _USR | ___A | __NX)
#define PAGE_READONLY_EXEC	(__PP | _USR | ___A)
#define __PAGE_KERNEL		(__PP | __RW | ___A | __NX | ___D | ___G)
#define __PAGE_KERNEL_EXEC	(__PP | __RW | ___A | ___D | ___G)
#define __PAGE_KERNEL_RO	(__PP | ___A | __NX | ___G)
#define __PAGE_KERNEL_ROX	(__PP | ___A | ___G)
#define __PAGE_KERNEL_LARGE	(__PP | __RW | ___A | __NX | ___D | _PSE | ___G)
#define __PAGE_KERNEL_LARGE_EXEC (__PP | __RW | ___A | ___D | _PSE | ___G)
#define _PAGE_TABLE		(__PP | __RW | _USR | ___A | ___D)
#define _KERNPG_TABLE		(__PP | __RW | ___A | ___D)

#define F4	(&pt_format_x86_64_4l)
#define F5	(&pt_format_x86_64_5l)
#define F2	(&pt_format_i386_2l)
#define FP	(&pt_format_i386_pae)

static const struct pt_format *const x86_formats[] = { F4, F5, F2, FP };
#define NR_X86	(sizeof(x86_formats) / sizeof(x86_formats[0]))

/* ---- helpers ----------------------------------------------------------------------------- */

static void assert_raw(uint64_t got, uint64_t want, const char *what)
{
	if (got != want)
		fail_msg("%s: got 0x%016" PRIx64 ", expected 0x%016" PRIx64, what, got, want);
}

static struct pte_desc mk(enum pte_kind kind, uint32_t prot, uint64_t pa, uint8_t memtype,
			  uint64_t soft)
{
	return (struct pte_desc){ .kind = kind, .prot = prot, .pa = pa, .memtype = memtype,
				  .soft = soft };
}

/* Encode d, which must succeed. */
static uint64_t enc(const struct pt_format *f, unsigned int level, struct pte_desc d)
{
	uint64_t raw = 0;
	int rc = f->ops->encode(f, level, &d, &raw);

	if (rc)
		fail_msg("%s level %u: encode kind %d prot 0x%x pa 0x%" PRIx64 " failed (%d)",
			 f->name, level, d.kind, d.prot, d.pa, rc);
	return raw;
}

/* Encode d, which must fail with -EINVAL and leave *raw alone. */
static void enc_fails(const struct pt_format *f, unsigned int level, struct pte_desc d,
		      const char *why)
{
	uint64_t raw = 0x5a5a5a5a5a5a5a5aull;

	if (f->ops->encode(f, level, &d, &raw) != -EINVAL)
		fail_msg("%s level %u: encode of %s did not fail with -EINVAL", f->name, level, why);
	assert_raw(raw, 0x5a5a5a5a5a5a5a5aull, why);
}

/* Decode raw, expecting rc. */
static struct pte_desc dec_rc(const struct pt_format *f, unsigned int level, uint64_t raw,
			      int want_rc)
{
	struct pte_desc d;
	int rc = f->ops->decode(f, level, raw, &d);

	if (rc != want_rc)
		fail_msg("%s level %u: decode 0x%016" PRIx64 " returned %d, expected %d", f->name,
			 level, raw, rc, want_rc);
	return d;
}

static struct pte_desc dec(const struct pt_format *f, unsigned int level, uint64_t raw)
{
	return dec_rc(f, level, raw, 0);
}

static void assert_desc(const struct pte_desc *got, const struct pte_desc *want,
			const char *what)
{
	if (got->kind != want->kind || got->prot != want->prot || got->pa != want->pa ||
	    got->memtype != want->memtype || got->soft != want->soft ||
	    got->shareability != want->shareability)
		fail_msg("%s: got kind %d prot 0x%x pa 0x%" PRIx64 " mt %u soft 0x%" PRIx64
			 " sh %u; expected kind %d prot 0x%x pa 0x%" PRIx64 " mt %u soft 0x%" PRIx64
			 " sh %u", what, got->kind, got->prot, got->pa, got->memtype, got->soft,
			 got->shareability, want->kind, want->prot, want->pa, want->memtype,
			 want->soft, want->shareability);
}

/* Encode d, compare with raw, decode raw and compare with d. */
static void golden(const struct pt_format *f, unsigned int level, struct pte_desc d,
		   uint64_t raw, const char *what)
{
	char msg[160];
	struct pte_desc back;

	snprintf(msg, sizeof(msg), "%s level %u %s", f->name, level, what);
	assert_raw(enc(f, level, d), raw, msg);
	back = dec(f, level, raw);
	assert_desc(&back, &d, msg);
}

/* describe() of raw at level, compared with want. */
static void assert_describe(const struct pt_format *f, unsigned int level, uint64_t raw,
			    const char *want)
{
	struct strbuf sb;
	char *text = NULL;
	size_t len = 0;

	sb_init(&sb);
	f->ops->describe(f, level, raw, &sb);
	assert_int_equal(sb_finish(&sb, &text, &len), 0);
	if (strcmp(text, want))
		fail_msg("%s level %u describe 0x%" PRIx64 ": \"%s\", expected \"%s\"", f->name,
			 level, raw, text, want);
	free(text);
}

static unsigned int last_level(const struct pt_format *f)
{
	return f->nr_levels - 1u;
}

/* ---- golden encodings --------------------------------------------------------------------- */

/* The constants themselves, from the SDM bit positions. */
static void test_linux_constants(void **state)
{
	(void)state;
	assert_raw(_PAGE_TABLE, 0x67, "_PAGE_TABLE");
	assert_raw(_KERNPG_TABLE, 0x63, "_KERNPG_TABLE");
	assert_raw(__PAGE_KERNEL, 0x8000000000000163ull, "__PAGE_KERNEL");
	assert_raw(__PAGE_KERNEL_LARGE, 0x80000000000001e3ull, "__PAGE_KERNEL_LARGE");
	assert_raw(PAGE_SHARED, 0x8000000000000027ull, "PAGE_SHARED");
	assert_raw(PAGE_READONLY, 0x8000000000000025ull, "PAGE_READONLY");
}

/* x86-64 leaves with Linux's protections, at every leaf level of 4- and 5-level paging. */
static void test_golden_x64_leaves(void **state)
{
	const uint32_t k = PTE_WRITE | PTE_ACCESSED | PTE_DIRTY | PTE_GLOBAL;
	(void)state;

	for (unsigned int i = 0; i < 2; i++) {
		const struct pt_format *f = i ? F5 : F4;
		unsigned int pte = last_level(f), pmd = pte - 1, pud = pte - 2;
		uint64_t pa = 0x12345000;

		golden(f, pte, mk(PTE_KIND_LEAF, k | PTE_NX, pa, 0, 0), __PAGE_KERNEL | pa,
		       "PAGE_KERNEL");
		golden(f, pte, mk(PTE_KIND_LEAF, k, pa, 0, 0), __PAGE_KERNEL_EXEC | pa,
		       "PAGE_KERNEL_EXEC");
		golden(f, pte, mk(PTE_KIND_LEAF, PTE_ACCESSED | PTE_GLOBAL | PTE_NX, pa, 0, 0),
		       __PAGE_KERNEL_RO | pa, "PAGE_KERNEL_RO");
		golden(f, pte, mk(PTE_KIND_LEAF, PTE_ACCESSED | PTE_GLOBAL, pa, 0, 0),
		       __PAGE_KERNEL_ROX | pa, "PAGE_KERNEL_ROX");
		golden(f, pte, mk(PTE_KIND_LEAF, PTE_WRITE | PTE_USER | PTE_ACCESSED | PTE_NX, pa,
				  0, 0), PAGE_SHARED | pa, "PAGE_SHARED");
		golden(f, pte, mk(PTE_KIND_LEAF, PTE_WRITE | PTE_USER | PTE_ACCESSED, pa, 0, 0),
		       PAGE_SHARED_EXEC | pa, "PAGE_SHARED_EXEC");
		golden(f, pte, mk(PTE_KIND_LEAF, PTE_USER | PTE_ACCESSED | PTE_NX, pa, 0, 0),
		       PAGE_COPY | pa, "PAGE_COPY");
		golden(f, pte, mk(PTE_KIND_LEAF, PTE_USER | PTE_ACCESSED | PTE_NX, pa, 0, 0),
		       PAGE_READONLY | pa, "PAGE_READONLY");
		golden(f, pte, mk(PTE_KIND_LEAF, PTE_USER | PTE_ACCESSED, pa, 0, 0),
		       PAGE_READONLY_EXEC | pa, "PAGE_READONLY_EXEC");
		/* 2 MiB at the PD, 1 GiB at the PDPT: PS = 1. */
		golden(f, pmd, mk(PTE_KIND_LEAF, k | PTE_NX, 0x1200000, 0, 0),
		       __PAGE_KERNEL_LARGE | 0x1200000, "PAGE_KERNEL_LARGE 2M");
		golden(f, pmd, mk(PTE_KIND_LEAF, k, 0x1200000, 0, 0),
		       __PAGE_KERNEL_LARGE_EXEC | 0x1200000, "PAGE_KERNEL_LARGE_EXEC 2M");
		golden(f, pud, mk(PTE_KIND_LEAF, k | PTE_NX, 0x80000000, 0, 0),
		       __PAGE_KERNEL_LARGE | 0x80000000, "PAGE_KERNEL_LARGE 1G");
		/* The highest frame a 52-bit MAXPHYADDR allows. */
		golden(f, pte, mk(PTE_KIND_LEAF, k | PTE_NX, 0x000ffffffffff000ull, 0, 0),
		       __PAGE_KERNEL | 0x000ffffffffff000ull, "top frame");
		golden(f, pud, mk(PTE_KIND_LEAF, k, 0x000fffffc0000000ull, 0, 0),
		       __PAGE_KERNEL_LARGE_EXEC | 0x000fffffc0000000ull, "top 1G frame");
	}
}

/* Table entries: Linux's _PAGE_TABLE (user) and _KERNPG_TABLE at every non-last level. */
static void test_golden_x64_tables(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < 2; i++) {
		const struct pt_format *f = i ? F5 : F4;

		for (unsigned int l = 0; l < last_level(f); l++) {
			uint64_t pa = 0x7654000 + (uint64_t)l * 0x1000;

			golden(f, l, mk(PTE_KIND_TABLE, PTE_WRITE | PTE_USER | PTE_ACCESSED |
					PTE_DIRTY, pa, 0, 0), _PAGE_TABLE | pa, "_PAGE_TABLE");
			golden(f, l, mk(PTE_KIND_TABLE, PTE_WRITE | PTE_ACCESSED | PTE_DIRTY, pa, 0,
					0), _KERNPG_TABLE | pa, "_KERNPG_TABLE");
			/* A table entry with NX and R/W clear restricts the levels below. */
			golden(f, l, mk(PTE_KIND_TABLE, PTE_USER | PTE_NX, pa, 0, 0),
			       __PP | _USR | __NX | pa, "restricting table");
			/* PCD/PWT of a table select how the next table is cached. */
			golden(f, l, mk(PTE_KIND_TABLE, PTE_WRITE, pa, 3, 0),
			       __PP | __RW | _PCD | _PWT | pa, "uncached table");
		}
	}
}

/*
 * Memory types: PAT index = PAT<<2 | PCD<<1 | PWT (SDM 11.12.3); Linux's slots: WC 1
 * (_PAGE_PWT), UC 3 (_PAGE_PCD|_PAGE_PWT, __PAGE_KERNEL_NOCACHE), WP 5, WT 7. The PAT bit is
 * bit 7 of a PTE and bit 12 of a huge leaf (Linux's pgprot_4k_2_large moves it).
 */
static void test_golden_x64_memtype(void **state)
{
	const uint32_t k = PTE_WRITE | PTE_ACCESSED | PTE_DIRTY | PTE_GLOBAL | PTE_NX;
	(void)state;

	golden(F4, 3, mk(PTE_KIND_LEAF, k, 0x1000, 3, 0), __PAGE_KERNEL | _PCD | _PWT | 0x1000,
	       "PAGE_KERNEL_NOCACHE");
	assert_raw(__PAGE_KERNEL | _PCD | _PWT, 0x800000000000017bull, "__PAGE_KERNEL_NOCACHE");
	golden(F4, 3, mk(PTE_KIND_LEAF, k, 0x1000, 1, 0), __PAGE_KERNEL | _PWT | 0x1000, "WC");
	golden(F4, 3, mk(PTE_KIND_LEAF, k, 0x1000, 5, 0), __PAGE_KERNEL | _PAT | _PWT | 0x1000,
	       "WP");
	golden(F4, 3, mk(PTE_KIND_LEAF, k, 0x1000, 7, 0),
	       __PAGE_KERNEL | _PAT | _PCD | _PWT | 0x1000, "WT 4K");
	golden(F4, 2, mk(PTE_KIND_LEAF, k, 0x200000, 7, 0),
	       __PAGE_KERNEL_LARGE | _PATL | _PCD | _PWT | 0x200000, "WT 2M");
	golden(F4, 1, mk(PTE_KIND_LEAF, k, 0x40000000, 4, 0),
	       __PAGE_KERNEL_LARGE | _PATL | 0x40000000, "PAT 1G");
}

/* Software bits: 11:9 then 58:52 on x86-64; 11:9 only elsewhere; 63:1 when not present. */
static void test_golden_soft(void **state)
{
	(void)state;
	golden(F4, 3, mk(PTE_KIND_LEAF, 0, 0x1000, 0, 0x3ff), 0x07f0000000000e01ull | 0x1000,
	       "all 10 soft bits");
	golden(F4, 3, mk(PTE_KIND_LEAF, 0, 0x1000, 0, 0x1), BIT(9) | 0x1001, "soft bit 0 = 9");
	golden(F4, 3, mk(PTE_KIND_LEAF, 0, 0x1000, 0, 0x8), BIT(52) | 0x1001, "soft bit 3 = 52");
	golden(F4, 0, mk(PTE_KIND_TABLE, 0, 0x1000, 0, 0x200), BIT(58) | 0x1001,
	       "soft bit 9 = 58");
	golden(FP, 2, mk(PTE_KIND_LEAF, 0, 0x1000, 0, 0x7), 0xe01 | 0x1000, "PAE soft");
	golden(FP, 0, mk(PTE_KIND_TABLE, PTE_WRITE | PTE_USER, 0x1000, 0, 0x5),
	       BIT(9) | BIT(11) | 0x1001, "PDPTE soft");
	golden(F2, 1, mk(PTE_KIND_LEAF, 0, 0x1000, 0, 0x7), 0xe01 | 0x1000, "i386 soft");
	/* Not present: P = 0, soft in 63:1 (31:1). */
	golden(F4, 3, mk(PTE_KIND_NONE, 0, 0, 0, 0), 0, "empty");
	golden(F4, 3, mk(PTE_KIND_NONE, 0, 0, 0, 0x7fffffffffffffffull), 0xfffffffffffffffeull,
	       "swap-like");
	golden(FP, 0, mk(PTE_KIND_NONE, 0, 0, 0, 0x1234), 0x2468, "PDPTE not present");
	golden(F2, 0, mk(PTE_KIND_NONE, 0, 0, 0, 0x7fffffff), 0xfffffffe, "i386 not present");
}

/*
 * i386 2-level: the same low bits, 4-byte entries, no NX (_PAGE_NX is 0 without PAE, so
 * __PAGE_KERNEL is 0x163); 4 MiB pages with PS; PSE-36 puts PA bits 39:32 in bits 20:13.
 */
static void test_golden_i386(void **state)
{
	const uint64_t nx = __NX;
	const uint32_t k = PTE_WRITE | PTE_ACCESSED | PTE_DIRTY | PTE_GLOBAL;
	(void)state;

	golden(F2, 0, mk(PTE_KIND_TABLE, PTE_WRITE | PTE_USER | PTE_ACCESSED | PTE_DIRTY,
			 0x3000, 0, 0), _PAGE_TABLE | 0x3000, "_PAGE_TABLE");
	golden(F2, 0, mk(PTE_KIND_TABLE, PTE_WRITE | PTE_ACCESSED | PTE_DIRTY, 0xfffff000, 0, 0),
	       _KERNPG_TABLE | 0xfffff000, "_KERNPG_TABLE");
	golden(F2, 1, mk(PTE_KIND_LEAF, k, 0x12345000, 0, 0), (__PAGE_KERNEL & ~nx) | 0x12345000,
	       "PAGE_KERNEL");
	golden(F2, 1, mk(PTE_KIND_LEAF, PTE_WRITE | PTE_USER | PTE_ACCESSED, 0x1000, 0, 0),
	       (PAGE_SHARED & ~nx) | 0x1000, "PAGE_SHARED");
	golden(F2, 1, mk(PTE_KIND_LEAF, k, 0x1000, 7, 0), 0x163 | _PAT | _PCD | _PWT | 0x1000,
	       "WT 4K");
	golden(F2, 0, mk(PTE_KIND_LEAF, k, 0x00400000, 0, 0),
	       (__PAGE_KERNEL_LARGE & ~nx) | 0x00400000, "PAGE_KERNEL_LARGE 4M");
	golden(F2, 0, mk(PTE_KIND_LEAF, k, 0xffc00000, 4, 0), 0x1e3 | _PATL | 0xffc00000,
	       "PAT 4M");
	/* PSE-36: PA 0x12_3440_0000 -> bits 31:22 0x344, bits 20:13 0x12. */
	golden(F2, 0, mk(PTE_KIND_LEAF, k, 0x1234400000ull, 0, 0), 0x344241e3, "PSE-36");
	golden(F2, 0, mk(PTE_KIND_LEAF, k, 0xffffc00000ull, 0, 0), 0xffdfe1e3, "top 4M frame");
}

/*
 * PAE: a 4-entry PDPT whose entries hold only P, PWT, PCD and the address; PD and PT
 * entries with NX at bit 63 (_PAGE_NX exists with CONFIG_X86_PAE).
 */
static void test_golden_pae(void **state)
{
	const uint32_t k = PTE_WRITE | PTE_ACCESSED | PTE_DIRTY | PTE_GLOBAL;
	(void)state;

	golden(FP, 0, mk(PTE_KIND_TABLE, PTE_WRITE | PTE_USER, 0x5000, 0, 0), __PP | 0x5000,
	       "PDPTE");
	golden(FP, 0, mk(PTE_KIND_TABLE, PTE_WRITE | PTE_USER, 0x000ffffffffff000ull, 3, 0),
	       __PP | _PCD | _PWT | 0x000ffffffffff000ull, "PDPTE PCD PWT, top");
	golden(FP, 1, mk(PTE_KIND_TABLE, PTE_WRITE | PTE_USER | PTE_ACCESSED | PTE_DIRTY,
			 0x6000, 0, 0), _PAGE_TABLE | 0x6000, "_PAGE_TABLE");
	golden(FP, 2, mk(PTE_KIND_LEAF, k | PTE_NX, 0x123456789000ull, 0, 0),
	       __PAGE_KERNEL | 0x123456789000ull, "PAGE_KERNEL above 4 GiB");
	golden(FP, 2, mk(PTE_KIND_LEAF, PTE_WRITE | PTE_USER | PTE_ACCESSED | PTE_NX, 0x1000, 0,
			 0), PAGE_SHARED | 0x1000, "PAGE_SHARED");
	golden(FP, 1, mk(PTE_KIND_LEAF, k | PTE_NX, 0x200000, 0, 0),
	       __PAGE_KERNEL_LARGE | 0x200000, "PAGE_KERNEL_LARGE 2M");
}

/* ---- round trips ------------------------------------------------------------------------ */

/* Bytes of physical address the entry at level of kind can hold. */
static unsigned int pa_limit_bits(const struct pt_format *f, unsigned int level,
				  enum pte_kind kind)
{
	if (f == F2 && !(kind == PTE_KIND_LEAF && level == 0))
		return 32;
	return f->pa_bits;
}

/* A random description that level of f can represent, of kind. */
static struct pte_desc random_desc(struct rng *r, const struct pt_format *f, unsigned int level,
				   enum pte_kind kind)
{
	struct pte_desc d = { .kind = kind };
	unsigned int align = kind == PTE_KIND_LEAF ? f->level[level].shift : f->granule_shift;
	uint64_t pa_mask = (1ull << pa_limit_bits(f, level, kind)) - 1;

	if (kind == PTE_KIND_NONE) {
		d.soft = rng_next(r) >> (64 - (f->entry_size * 8 - 1));
		return d;
	}
	d.prot = (uint32_t)rng_next(r) & (PTE_WRITE | PTE_USER | PTE_ACCESSED | PTE_DIRTY |
					   PTE_GLOBAL);
	if (f->entry_size == 8 && (rng_next(r) & 1))
		d.prot |= PTE_NX;
	d.memtype = (uint8_t)(rng_next(r) & (kind == PTE_KIND_LEAF ? 7 : 3));
	d.soft = rng_next(r) & (f == F4 || f == F5 ? 0x3ff : 0x7);
	d.pa = rng_next(r) & pa_mask & ~((1ull << align) - 1);
	if (f == FP && level == 0)
		d.prot = PTE_WRITE | PTE_USER;
	return d;
}

/* Every representable description encodes and decodes to itself. */
static void test_round_trip_desc(void **state)
{
	struct rng r;
	(void)state;

	rng_seed(&r, 20251);
	for (unsigned int i = 0; i < NR_X86; i++) {
		const struct pt_format *f = x86_formats[i];

		for (unsigned int l = 0; l < f->nr_levels; l++) {
			for (int kind = PTE_KIND_NONE; kind <= PTE_KIND_LEAF; kind++) {
				if (kind == PTE_KIND_TABLE && l == last_level(f))
					continue;
				if (kind == PTE_KIND_LEAF && !f->level[l].leaf_ok)
					continue;
				for (unsigned int n = 0; n < 20000; n++) {
					struct pte_desc d = random_desc(&r, f, l, kind), back;
					char msg[96];

					snprintf(msg, sizeof(msg), "%s level %u kind %d", f->name,
						 l, kind);
					back = dec(f, l, enc(f, l, d));
					assert_desc(&back, &d, msg);
				}
			}
		}
	}
}

/* Sparse random raw values: about one bit in eight set, P set half the time. */
static uint64_t random_raw(struct rng *r, const struct pt_format *f)
{
	uint64_t raw = rng_next(r) & rng_next(r) & rng_next(r);

	if (f->entry_size == 4)
		raw &= 0xffffffffull;
	return (rng_next(r) & 1) ? raw | 1 : raw & ~1ull;
}

/*
 * Every raw entry that decodes without a reserved bit encodes back to itself, except the
 * x86-64 protection-key bits of a present entry (ignored here, so dropped).
 */
static void test_round_trip_raw(void **state)
{
	struct rng r;
	(void)state;

	rng_seed(&r, 7);
	for (unsigned int i = 0; i < NR_X86; i++) {
		const struct pt_format *f = x86_formats[i];

		for (unsigned int l = 0; l < f->nr_levels; l++) {
			unsigned int clean[3] = { 0, 0, 0 };

			for (unsigned int n = 0; n < 100000; n++) {
				uint64_t raw = random_raw(&r, f), want = raw;
				struct pte_desc d;
				char msg[96];

				if (f->ops->decode(f, l, raw, &d))
					continue;
				clean[d.kind]++;
				if (d.kind != PTE_KIND_NONE && f->arch == ARCH_X86_64)
					want &= ~(0xfull << 59);
				snprintf(msg, sizeof(msg), "%s level %u raw 0x%" PRIx64, f->name, l,
					 raw);
				assert_raw(enc(f, l, d), want, msg);
			}
			/* The generator reaches every kind the level has. */
			assert_true(clean[PTE_KIND_NONE] > 1000);
			if (l != last_level(f))
				assert_true(clean[PTE_KIND_TABLE] > 100);
			if (f->level[l].leaf_ok)
				assert_true(clean[PTE_KIND_LEAF] > 100);
		}
	}
}

/* ---- reserved bits ---------------------------------------------------------------------- */

/* Decoding base | BIT(b) for b in [lo, hi] gives want_rc (and the desc of base). */
static void check_bits(const struct pt_format *f, unsigned int level, uint64_t base,
		       unsigned int lo, unsigned int hi, int want_rc)
{
	struct pte_desc ref = dec(f, level, base);

	for (unsigned int b = lo; b <= hi; b++) {
		struct pte_desc d = dec_rc(f, level, base | BIT(b), want_rc);

		if (want_rc) {
			/* Still decoded as far as possible: kind and address as without it. */
			assert_int_equal(d.kind, ref.kind);
			assert_raw(d.pa, ref.pa, "pa of an entry with a reserved bit");
		}
	}
}

/* x86-64: PS where no leaf may be, 2 MiB 20:13, 1 GiB 29:13, address bits 51:M. */
static void test_reserved_x64(void **state)
{
	struct pt_format narrow = *F4;
	(void)state;

	/* PS in a PML4E (4-level) and in the PML5E and PML4E (5-level). */
	check_bits(F4, 0, 0x1000 | __PP, 7, 7, -EINVAL);
	check_bits(F5, 0, 0x1000 | __PP, 7, 7, -EINVAL);
	check_bits(F5, 1, 0x1000 | __PP, 7, 7, -EINVAL);
	assert_int_equal(dec_rc(F4, 0, 0x1000 | __PP | _PSE, -EINVAL).kind, PTE_KIND_TABLE);
	/* Huge leaves: the bits between PAT (12) and the address are reserved. */
	check_bits(F4, 2, 0x200000 | __PP | _PSE, 13, 20, -EINVAL);
	check_bits(F4, 2, 0x200000 | __PP | _PSE, 12, 12, 0);
	check_bits(F4, 2, 0x200000 | __PP | _PSE, 21, 63, 0);
	check_bits(F4, 1, 0x40000000 | __PP | _PSE, 13, 29, -EINVAL);
	check_bits(F4, 1, 0x40000000 | __PP | _PSE, 30, 63, 0);
	check_bits(F5, 3, 0x200000 | __PP | _PSE, 13, 20, -EINVAL);
	check_bits(F5, 2, 0x40000000 | __PP | _PSE, 13, 29, -EINVAL);
	/* With MAXPHYADDR 52 every other bit of every level is defined or ignored. */
	for (unsigned int l = 0; l < 4; l++) {
		check_bits(F4, l, __PP, 1, 6, 0);
		check_bits(F4, l, __PP, 8, 63, 0);
	}
	check_bits(F4, 3, __PP, 7, 7, 0);	/* PAT */
	/* A narrower MAXPHYADDR (46) makes bits 51:46 reserved at every level. */
	narrow.pa_bits = 46;
	for (unsigned int l = 0; l < 4; l++) {
		check_bits(&narrow, l, 0x1000 | __PP, 46, 51, -EINVAL);
		check_bits(&narrow, l, 0x1000 | __PP, 12, 45, 0);
	}
	check_bits(&narrow, 2, 0x200000 | __PP | _PSE, 46, 51, -EINVAL);
	check_bits(&narrow, 1, 0x40000000 | __PP | _PSE, 46, 51, -EINVAL);
	enc_fails(&narrow, 3, mk(PTE_KIND_LEAF, 0, 1ull << 46, 0, 0), "pa beyond MAXPHYADDR 46");
	/* Not present: everything is ignored. */
	for (unsigned int l = 0; l < 4; l++)
		check_bits(F4, l, 0, 1, 63, 0);
}

/* PAE: the PDPTE's 2:1, 8:5, 63:52; 62:52 of PDE/PTE; 20:13 of a 2 MiB leaf. */
static void test_reserved_pae(void **state)
{
	(void)state;
	check_bits(FP, 0, 0x1000 | __PP, 1, 2, -EINVAL);
	check_bits(FP, 0, 0x1000 | __PP, 3, 4, 0);
	check_bits(FP, 0, 0x1000 | __PP, 5, 8, -EINVAL);
	check_bits(FP, 0, 0x1000 | __PP, 9, 51, 0);
	check_bits(FP, 0, 0x1000 | __PP, 52, 63, -EINVAL);
	for (unsigned int l = 1; l < 3; l++) {
		check_bits(FP, l, 0x200000 | __PP, 1, 6, 0);
		check_bits(FP, l, 0x200000 | __PP, 8, 51, 0);
		check_bits(FP, l, 0x200000 | __PP, 52, 62, -EINVAL);
		check_bits(FP, l, 0x200000 | __PP, 63, 63, 0);
	}
	check_bits(FP, 1, 0x200000 | __PP | _PSE, 13, 20, -EINVAL);
	check_bits(FP, 1, 0x200000 | __PP | _PSE, 52, 62, -EINVAL);
	check_bits(FP, 1, 0x200000 | __PP | _PSE, 21, 51, 0);
	for (unsigned int l = 0; l < 3; l++)
		check_bits(FP, l, 0, 1, 63, 0);
}

/* i386: bit 21 of a 4 MiB PDE (PSE-36 with 40 bits), 4-byte entries only. */
static void test_reserved_i386(void **state)
{
	struct pt_format pse36 = *F2;
	(void)state;

	check_bits(F2, 0, 0x400000 | __PP | _PSE, 21, 21, -EINVAL);
	check_bits(F2, 0, 0x400000 | __PP | _PSE, 1, 20, 0);
	check_bits(F2, 0, 0x400000 | __PP | _PSE, 22, 31, 0);
	check_bits(F2, 0, 0x400000 | __PP | _PSE, 32, 63, -EINVAL);
	check_bits(F2, 0, 0x1000 | __PP, 1, 6, 0);
	check_bits(F2, 0, 0x1000 | __PP, 8, 31, 0);
	check_bits(F2, 1, 0x1000 | __PP, 1, 31, 0);
	check_bits(F2, 1, 0x1000 | __PP, 32, 63, -EINVAL);
	check_bits(F2, 1, 0, 1, 31, 0);
	check_bits(F2, 1, 0, 32, 63, -EINVAL);	/* not a 4-byte value */
	/* With the original PSE-36 (MAXPHYADDR 36), bits 21:17 are reserved. */
	pse36.pa_bits = 36;
	check_bits(&pse36, 0, 0x400000 | __PP | _PSE, 17, 21, -EINVAL);
	check_bits(&pse36, 0, 0x400000 | __PP | _PSE, 13, 16, 0);
	assert_raw(dec(&pse36, 0, 0x400000 | __PP | _PSE | BIT(16)).pa, 0x800400000ull,
		   "PSE-36 bit 16 = PA bit 35");
	enc_fails(&pse36, 0, mk(PTE_KIND_LEAF, 0, 1ull << 36, 0, 0), "pa beyond 36 bits");
}

/* ---- encode errors ---------------------------------------------------------------------- */

static void test_encode_errors(void **state)
{
	const uint32_t rw = PTE_WRITE | PTE_USER;
	(void)state;

	/* A leaf where the level has none: PML4 (PML5), the PAE PDPT. */
	enc_fails(F4, 0, mk(PTE_KIND_LEAF, rw, 0, 0, 0), "leaf at PML4");
	enc_fails(F5, 0, mk(PTE_KIND_LEAF, rw, 0, 0, 0), "leaf at PML5");
	enc_fails(F5, 1, mk(PTE_KIND_LEAF, rw, 0, 0, 0), "leaf at PML4 (5-level)");
	enc_fails(FP, 0, mk(PTE_KIND_LEAF, rw, 0, 0, 0), "leaf at PDPT (PAE)");
	/* A table at the last level. */
	enc_fails(F4, 3, mk(PTE_KIND_TABLE, rw, 0x1000, 0, 0), "table at PT");
	enc_fails(F2, 1, mk(PTE_KIND_TABLE, rw, 0x1000, 0, 0), "table at i386 PT");
	/* Misaligned addresses. */
	enc_fails(F4, 3, mk(PTE_KIND_LEAF, rw, 0x1800, 0, 0), "4K leaf at 0x1800");
	enc_fails(F4, 0, mk(PTE_KIND_TABLE, rw, 0x1008, 0, 0), "table at 0x1008");
	enc_fails(F4, 2, mk(PTE_KIND_LEAF, rw, 0x1000, 0, 0), "2M leaf at 0x1000");
	enc_fails(F4, 1, mk(PTE_KIND_LEAF, rw, 0x200000, 0, 0), "1G leaf at 2 MiB");
	enc_fails(F2, 0, mk(PTE_KIND_LEAF, rw, 0x200000, 0, 0), "4M leaf at 2 MiB");
	enc_fails(FP, 0, mk(PTE_KIND_TABLE, rw, 0x20, 0, 0), "PDPTE at 0x20");
	/* Addresses too wide. */
	enc_fails(F4, 3, mk(PTE_KIND_LEAF, rw, 1ull << 52, 0, 0), "pa 2^52");
	enc_fails(F4, 0, mk(PTE_KIND_TABLE, rw, 1ull << 60, 0, 0), "table at 2^60");
	enc_fails(FP, 0, mk(PTE_KIND_TABLE, rw, 1ull << 52, 0, 0), "PDPTE at 2^52");
	enc_fails(F2, 1, mk(PTE_KIND_LEAF, rw, 1ull << 32, 0, 0), "i386 4K page at 4 GiB");
	enc_fails(F2, 0, mk(PTE_KIND_TABLE, rw, 1ull << 32, 0, 0), "i386 table at 4 GiB");
	enc_fails(F2, 0, mk(PTE_KIND_LEAF, rw, 1ull << 40, 0, 0), "i386 4M page at 1 TiB");
	/* Protections x86 lacks. */
	enc_fails(F2, 1, mk(PTE_KIND_LEAF, rw | PTE_NX, 0x1000, 0, 0), "NX on i386");
	enc_fails(F2, 1, mk(PTE_KIND_LEAF, rw | PTE_UXN, 0x1000, 0, 0), "UXN on i386");
	enc_fails(F2, 0, mk(PTE_KIND_TABLE, rw | PTE_PXN, 0x1000, 0, 0), "PXN on i386 table");
	enc_fails(F4, 3, mk(PTE_KIND_LEAF, rw | PTE_UXN, 0x1000, 0, 0), "UXN alone");
	enc_fails(F4, 3, mk(PTE_KIND_LEAF, rw | PTE_PXN, 0x1000, 0, 0), "PXN alone");
	enc_fails(F4, 3, mk(PTE_KIND_LEAF, rw | PTE_DBM, 0x1000, 0, 0), "DBM");
	enc_fails(F4, 3, mk(PTE_KIND_LEAF, rw | PTE_CONT, 0x1000, 0, 0), "contiguous hint");
	enc_fails(FP, 2, mk(PTE_KIND_LEAF, rw | (1u << 12), 0x1000, 0, 0), "unknown prot bit");
	/* The PDPTE has no R/W, U/S, A, D, G, NX: only "restricts nothing" encodes. */
	enc_fails(FP, 0, mk(PTE_KIND_TABLE, PTE_WRITE, 0x1000, 0, 0), "read-only PDPTE");
	enc_fails(FP, 0, mk(PTE_KIND_TABLE, rw | PTE_ACCESSED, 0x1000, 0, 0), "PDPTE with A");
	enc_fails(FP, 0, mk(PTE_KIND_TABLE, rw | PTE_NX, 0x1000, 0, 0), "PDPTE with NX");
	/* Memory types, soft bits, shareability. */
	enc_fails(F4, 3, mk(PTE_KIND_LEAF, rw, 0x1000, 8, 0), "memtype 8");
	enc_fails(F4, 0, mk(PTE_KIND_TABLE, rw, 0x1000, 4, 0), "PAT on a table");
	enc_fails(FP, 0, mk(PTE_KIND_TABLE, rw, 0x1000, 4, 0), "PAT on a PDPTE");
	enc_fails(F4, 3, mk(PTE_KIND_LEAF, rw, 0x1000, 0, 0x400), "11 soft bits");
	enc_fails(FP, 2, mk(PTE_KIND_LEAF, rw, 0x1000, 0, 0x8), "4 soft bits on PAE");
	enc_fails(F2, 1, mk(PTE_KIND_LEAF, rw, 0x1000, 0, 0x8), "4 soft bits on i386");
	{
		struct pte_desc d = mk(PTE_KIND_LEAF, rw, 0x1000, 0, 0);

		d.shareability = 3;
		enc_fails(F4, 3, d, "shareability");
	}
	/* Not present: only soft, and it must fit 63 (31) bits. */
	enc_fails(F4, 3, mk(PTE_KIND_NONE, 0, 0, 0, 1ull << 63), "64-bit soft");
	enc_fails(F2, 1, mk(PTE_KIND_NONE, 0, 0, 0, 1ull << 31), "32-bit soft on i386");
	enc_fails(F4, 3, mk(PTE_KIND_NONE, rw, 0, 0, 0), "not present with prot");
	enc_fails(F4, 3, mk(PTE_KIND_NONE, 0, 0x1000, 0, 0), "not present with pa");
	/* Bad kind and bad level. */
	enc_fails(F4, 3, mk((enum pte_kind)7, rw, 0x1000, 0, 0), "kind 7");
	enc_fails(F4, 4, mk(PTE_KIND_LEAF, rw, 0x1000, 0, 0), "level 4 of 4");
	enc_fails(FP, 3, mk(PTE_KIND_NONE, 0, 0, 0, 0), "level 3 of 3");
	enc_fails(F2, 2, mk(PTE_KIND_LEAF, rw, 0x1000, 0, 0), "level 2 of 2");
	assert_int_equal(dec_rc(F4, 4, 0x1001, -EINVAL).kind, PTE_KIND_NONE);
	assert_int_equal(dec_rc(F2, 2, 0x1001, -EINVAL).kind, PTE_KIND_NONE);
}

/* ---- decode details, A/D, describe ------------------------------------------------------ */

/* Decoding puts each bit where pgtable.h says, on every format. */
static void test_decode_fields(void **state)
{
	struct pte_desc d;
	(void)state;

	d = dec(F4, 3, 0x8000000012345163ull);
	assert_int_equal(d.kind, PTE_KIND_LEAF);
	assert_int_equal(d.prot, PTE_WRITE | PTE_ACCESSED | PTE_DIRTY | PTE_GLOBAL | PTE_NX);
	assert_raw(d.pa, 0x12345000, "pa");
	d = dec(F4, 2, 0x00000000002000e7ull);	/* P RW US A D PS: user 2 MiB, executable */
	assert_int_equal(d.kind, PTE_KIND_LEAF);
	assert_int_equal(d.prot, PTE_WRITE | PTE_USER | PTE_ACCESSED | PTE_DIRTY);
	assert_raw(d.pa, 0x200000, "pa");
	d = dec(F4, 2, 0x0000000000200067ull);	/* same without PS: a table */
	assert_int_equal(d.kind, PTE_KIND_TABLE);
	assert_raw(d.pa, 0x200000, "table pa");
	/* Protection keys are ignored: not in prot, not in soft, no error. */
	d = dec(F4, 3, 0x7800000000001001ull);
	assert_int_equal(d.prot, 0);
	assert_raw(d.soft, 0, "pkey is not soft");
	/* i386: executable whatever the entry says (no NX bit). */
	d = dec(F2, 1, 0xffffffff);
	assert_int_equal(d.prot & PTE_NX, 0);
	assert_int_equal(d.memtype, 7);
	assert_raw(d.pa, 0xfffff000, "i386 pa");
	/* The PAE PDPTE restricts nothing. */
	d = dec(FP, 0, 0x1019);
	assert_int_equal(d.prot, PTE_WRITE | PTE_USER);
	assert_int_equal(d.memtype, 3);
	assert_int_equal(d.kind, PTE_KIND_TABLE);
	assert_raw(d.soft, 0, "PDPTE soft");
}

static void test_mkyoung_mkdirty(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_X86; i++) {
		const struct pt_format *f = x86_formats[i];

		assert_raw(f->ops->mkyoung(0x1003), 0x1023, "mkyoung");
		assert_raw(f->ops->mkdirty(0x1023), 0x1063, "mkdirty");
		assert_raw(f->ops->mkyoung(0x8000000000001063ull), 0x8000000000001063ull,
			   "mkyoung of a young entry");
		assert_int_equal(dec(f, last_level(f), f->ops->mkdirty(0x1001)).prot,
				 PTE_DIRTY);
	}
}

static void test_describe(void **state)
{
	(void)state;
	assert_describe(F4, 3, 0x8000000012345163ull, "P RW A D G NX pfn=0x12345");
	assert_describe(F4, 3, 0x800000001234517bull, "P RW PWT PCD A D G NX pfn=0x12345");
	assert_describe(F4, 3, 0x00000000000010e5ull, "P US A D PAT pfn=0x1");
	assert_describe(F4, 0, _PAGE_TABLE | 0x7000, "P RW US A D pfn=0x7");
	assert_describe(F4, 2, __PAGE_KERNEL_LARGE | 0x1200000, "P RW A D PS G NX pfn=0x1200");
	assert_describe(F4, 1, __PAGE_KERNEL_LARGE | _PATL | 0x40000000,
			"P RW A D PS G PAT NX pfn=0x40000");
	assert_describe(F4, 2, __PAGE_KERNEL_LARGE | BIT(13) | 0x200000,
			"P RW A D PS G NX pfn=0x200 rsvd");
	assert_describe(F4, 0, 0x1000 | __PP | _PSE, "P PS pfn=0x1 rsvd");
	assert_describe(F4, 3, 0x0020000000001e01ull | (3ull << 59), "P soft=0x17 pkey=3 pfn=0x1");
	assert_describe(F4, 3, 0, "not present");
	assert_describe(F4, 3, 0x1234, "not present soft=0x91a");
	assert_describe(FP, 0, 0x5019, "P PWT PCD pfn=0x5");
	assert_describe(FP, 0, 0x5003, "P pfn=0x5 rsvd");
	assert_describe(FP, 2, PAGE_SHARED | 0x123456789000ull, "P RW US A NX pfn=0x123456789");
	assert_describe(F2, 0, 0x344241e3, "P RW A D PS G pfn=0x1234400");
	assert_describe(F2, 1, 0x1000 | 0x67, "P RW US A D pfn=0x1");
	assert_describe(F2, 1, 1ull << 40, "not present rsvd");
}

/* ---- indexes, sizes, address halves ------------------------------------------------------ */

static void test_index(void **state)
{
	const uint64_t va = 0x7ffd1234abcdull;
	(void)state;

	/*
	 * 0x7ffd1234abcd, bits 47..0:
	 *   011111111 111110100 010010001 101001010 101111001101
	 *   PML4 255  PDPT 500  PD 145    PT 330    offset 0xbcd
	 */
	assert_int_equal(pt_index(F4, 0, va), 255);
	assert_int_equal(pt_index(F4, 1, va), 500);
	assert_int_equal(pt_index(F4, 2, va), 145);
	assert_int_equal(pt_index(F4, 3, va), 330);
	assert_int_equal(pt_index(F5, 0, va), 0);
	assert_int_equal(pt_index(F5, 1, va), 255);
	assert_int_equal(pt_index(F5, 4, va), 330);
	assert_int_equal(pt_index(F5, 0, 0x00ff7ffd1234abcdull), 255);
	assert_int_equal(pt_index(F4, 0, 0xffff888000000000ull), 273);	/* Linux's direct map */
	assert_int_equal(pt_index(F5, 0, 0xff11000000000000ull), 273);	/* ... with LA57 */
	/* i386 0xc0101234: PD 768 (3 GiB / 4 MiB), PT 257; PAE: PDPT 3, PD 0, PT 257. */
	assert_int_equal(pt_index(F2, 0, 0xc0101234), 768);
	assert_int_equal(pt_index(F2, 1, 0xc0101234), 257);
	assert_int_equal(pt_index(FP, 0, 0xc0101234), 3);
	assert_int_equal(pt_index(FP, 1, 0xc0101234), 0);
	assert_int_equal(pt_index(FP, 2, 0xc0101234), 257);
	assert_int_equal(pt_index(FP, 1, 0xffffffff), 511);
	/* Sizes. */
	assert_raw(pt_level_size(F4, 0), 1ull << 39, "PML4 entry: 512 GiB");
	assert_raw(pt_level_size(F4, 1), 1ull << 30, "1 GiB");
	assert_raw(pt_level_size(F4, 2), 1ull << 21, "2 MiB");
	assert_raw(pt_level_size(F5, 0), 1ull << 48, "PML5 entry: 256 TiB");
	assert_raw(pt_level_size(F2, 0), 1ull << 22, "4 MiB");
	assert_raw(pt_level_size(FP, 0), 1ull << 30, "PDPTE: 1 GiB");
	assert_int_equal(pt_table_bytes(F4, 0), 4096);
	assert_int_equal(pt_table_bytes(F4, 3), 4096);
	assert_int_equal(pt_table_bytes(F2, 0), 4096);
	assert_int_equal(pt_table_bytes(F2, 1), 4096);
	assert_int_equal(pt_table_bytes(FP, 0), 32);
	assert_int_equal(pt_table_bytes(FP, 1), 4096);
}

static void test_va_half(void **state)
{
	struct pt_format ttbr = *F4;
	(void)state;

	assert_int_equal(pt_va_half(F4, 0), 0);
	assert_int_equal(pt_va_half(F4, 0x00007fffffffffffull), 0);
	assert_int_equal(pt_va_half(F4, 0x0000800000000000ull), -1);
	assert_int_equal(pt_va_half(F4, 0xffff7fffffffffffull), -1);
	assert_int_equal(pt_va_half(F4, 0xffff800000000000ull), 1);
	assert_int_equal(pt_va_half(F4, 0xffffffffffffffffull), 1);
	assert_int_equal(pt_va_half(F4, 0x8000000000000000ull), -1);
	/* 5-level: 57 bits. */
	assert_int_equal(pt_va_half(F5, 0x0000800000000000ull), 0);
	assert_int_equal(pt_va_half(F5, 0x00ffffffffffffffull), 0);
	assert_int_equal(pt_va_half(F5, 0x0100000000000000ull), -1);
	assert_int_equal(pt_va_half(F5, 0xff00000000000000ull), 1);
	assert_int_equal(pt_va_half(F5, 0xfeffffffffffffffull), -1);
	assert_int_equal(pt_va_half(F5, 0xffff800000000000ull), 1);
	/* i386: 32 bits, one half. */
	assert_int_equal(pt_va_half(F2, 0xffffffff), 0);
	assert_int_equal(pt_va_half(F2, 0xc0000000), 0);
	assert_int_equal(pt_va_half(FP, 0x100000000ull), -1);
	/* The TTBR rule on a 48-bit format: bit 47 belongs to either half. */
	ttbr.split = PT_SPLIT_TTBR;
	assert_int_equal(pt_va_half(&ttbr, 0x0000ffffffffffffull), 0);
	assert_int_equal(pt_va_half(&ttbr, 0x0000800000000000ull), 0);
	assert_int_equal(pt_va_half(&ttbr, 0xffff000000000000ull), 1);
	assert_int_equal(pt_va_half(&ttbr, 0xffff7fffffffffffull), 1);
	assert_int_equal(pt_va_half(&ttbr, 0x0001000000000000ull), -1);
	assert_int_equal(pt_va_half(&ttbr, 0xfffe000000000000ull), -1);
}

/* ---- registry ------------------------------------------------------------------------- */

static void test_geometry(void **state)
{
	static const char *const names4[] = { "pgd", "pud", "pmd", "pte" };
	static const char *const arch4[] = { "PML4", "PDPT", "PD", "PT" };
	static const char *const names5[] = { "pgd", "p4d", "pud", "pmd", "pte" };
	static const char *const arch5[] = { "PML5", "PML4", "PDPT", "PD", "PT" };
	(void)state;

	for (unsigned int l = 0; l < 4; l++) {
		assert_string_equal(F4->level[l].name, names4[l]);
		assert_string_equal(F4->level[l].arch_name, arch4[l]);
		assert_int_equal(F4->level[l].shift, 39 - 9 * l);
		assert_int_equal(F4->level[l].bits, 9);
		assert_int_equal(F4->level[l].leaf_ok, l > 0);
	}
	for (unsigned int l = 0; l < 5; l++) {
		assert_string_equal(F5->level[l].name, names5[l]);
		assert_string_equal(F5->level[l].arch_name, arch5[l]);
		assert_int_equal(F5->level[l].shift, 48 - 9 * l);
		assert_int_equal(F5->level[l].leaf_ok, l > 1);
	}
	assert_string_equal(F2->level[0].arch_name, "PD");
	assert_int_equal(F2->level[0].bits, 10);
	assert_int_equal(F2->entry_size, 4);
	assert_string_equal(FP->level[0].arch_name, "PDPT");
	assert_int_equal(FP->level[0].bits, 2);
	assert_int_equal(FP->root_align, 32);
	assert_int_equal(FP->level[1].leaf_ok, 1);
	assert_int_equal(FP->level[0].leaf_ok, 0);
	assert_int_equal(F4->va_bits, 48);
	assert_int_equal(F5->va_bits, 57);
	assert_int_equal(F4->pa_bits, 52);
}

static void test_registry(void **state)
{
	(void)state;
	for (int id = 0; id < NR_PT_FORMATS; id++) {
		const struct pt_format *f = pt_format_get((enum pt_format_id)id);
		struct mmsim_error err = { 0 };

		if (!f) {
			assert_true(id >= PTF_ARM64_4K_39);	/* only arm64 may be missing */
			continue;
		}
		assert_int_equal(f->id, id);
		if (pt_format_validate(f, &err))
			fail_msg("%s: %s", f->name, err.msg);
		assert_ptr_equal(pt_format_by_name(f->name), f);
	}
	assert_null(pt_format_get(NR_PT_FORMATS));
	assert_null(pt_format_get((enum pt_format_id)-1));
	assert_ptr_equal(pt_format_get(PTF_X86_64_4L), F4);
	assert_ptr_equal(pt_format_get(PTF_I386_PAE), FP);
	/* By name: exact or any case, nothing else. */
	assert_ptr_equal(pt_format_by_name("x86_64-4level"), F4);
	assert_ptr_equal(pt_format_by_name("X86_64-5LEVEL"), F5);
	assert_ptr_equal(pt_format_by_name("i386-2level"), F2);
	assert_ptr_equal(pt_format_by_name("I386-Pae"), FP);
	assert_null(pt_format_by_name("x86_64"));
	assert_null(pt_format_by_name("x86_64-4level "));
	assert_null(pt_format_by_name(""));
	assert_null(pt_format_by_name(NULL));
	/* Defaults. */
	assert_ptr_equal(pt_format_default(ARCH_X86_64), F4);
	assert_ptr_equal(pt_format_default(ARCH_I386), F2);
	assert_ptr_equal(pt_format_default(ARCH_ARM64), pt_format_get(PTF_ARM64_4K_48));
	assert_null(pt_format_default(NR_ARCHES));
	/* Find. */
	assert_ptr_equal(pt_format_find(ARCH_X86_64, 0, 0, 0), F4);
	assert_ptr_equal(pt_format_find(ARCH_X86_64, 4, 0, 0), F4);
	assert_ptr_equal(pt_format_find(ARCH_X86_64, 5, 0, 0), F5);
	assert_ptr_equal(pt_format_find(ARCH_X86_64, 0, 0, 57), F5);
	assert_ptr_equal(pt_format_find(ARCH_X86_64, 5, 4096, 57), F5);
	assert_ptr_equal(pt_format_find(ARCH_X86_64, 0, 4096, 48), F4);
	assert_null(pt_format_find(ARCH_X86_64, 3, 0, 0));
	assert_null(pt_format_find(ARCH_X86_64, 4, 0, 57));
	assert_null(pt_format_find(ARCH_X86_64, 0, 16384, 0));
	assert_ptr_equal(pt_format_find(ARCH_I386, 0, 0, 0), F2);
	assert_ptr_equal(pt_format_find(ARCH_I386, 2, 0, 32), F2);
	assert_ptr_equal(pt_format_find(ARCH_I386, 3, 0, 0), FP);
	assert_null(pt_format_find(ARCH_I386, 4, 0, 0));
	assert_null(pt_format_find(ARCH_I386, 0, 0, 48));
	assert_null(pt_format_find(NR_ARCHES, 0, 0, 0));
	if (pt_format_get(PTF_ARM64_4K_48)) {
		assert_ptr_equal(pt_format_find(ARCH_ARM64, 0, 0, 0),
				 pt_format_get(PTF_ARM64_4K_48));
		assert_ptr_equal(pt_format_find(ARCH_ARM64, 0, 65536, 0),
				 pt_format_get(PTF_ARM64_64K_48));
		assert_ptr_equal(pt_format_find(ARCH_ARM64, 2, 0, 0),
				 pt_format_get(PTF_ARM64_64K_42));
		assert_ptr_equal(pt_format_find(ARCH_ARM64, 0, 16384, 47),
				 pt_format_get(PTF_ARM64_16K_47));
		/* A tie (4k-39 and 64k-48 each agree once with 4k-48) goes to the first. */
		assert_ptr_equal(pt_format_find(ARCH_ARM64, 3, 0, 0),
				 pt_format_get(PTF_ARM64_4K_39));
		assert_null(pt_format_find(ARCH_ARM64, 5, 0, 0));
	}
}

/* The validator catches each broken invariant. */
static void test_validate_catches(void **state)
{
	struct mmsim_error err = { 0 };
	struct pt_format f;
	struct pt_format_ops ops;
	(void)state;

	f = *F4;
	f.level[1].shift = 31;
	assert_int_equal(pt_format_validate(&f, &err), -EUCLEAN);
	assert_non_null(strstr(err.msg, "level"));
	f = *F4;
	f.va_bits = 47;
	assert_int_equal(pt_format_validate(&f, &err), -EUCLEAN);
	f = *F4;
	f.level[3].leaf_ok = false;
	assert_int_equal(pt_format_validate(&f, &err), -EUCLEAN);
	f = *FP;
	f.root_bytes = 4096;
	assert_int_equal(pt_format_validate(&f, &err), -EUCLEAN);
	f = *FP;
	f.root_align = 48;
	assert_int_equal(pt_format_validate(&f, &err), -EUCLEAN);
	f.root_align = 4;	/* below the entry size */
	assert_int_equal(pt_format_validate(&f, &err), -EUCLEAN);
	f = *F4;
	f.root_align = 8192;	/* beyond a granule */
	assert_int_equal(pt_format_validate(&f, &err), -EUCLEAN);
	f = *F2;
	f.split = PT_SPLIT_CANONICAL;
	assert_int_equal(pt_format_validate(&f, &err), -EUCLEAN);
	f = *F2;
	f.pa_bits = 52;
	assert_int_equal(pt_format_validate(&f, &err), -EUCLEAN);
	f = *F4;
	f.nr_levels = 6;
	assert_int_equal(pt_format_validate(&f, &err), -EUCLEAN);
	ops = *F4->ops;
	ops.describe = NULL;
	f = *F4;
	f.ops = &ops;
	assert_int_equal(pt_format_validate(&f, &err), -EUCLEAN);
	assert_int_equal(pt_format_validate(NULL, &err), -EUCLEAN);
	/* And the copies that are intact pass. */
	f = *F5;
	assert_int_equal(pt_format_validate(&f, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_constants),
		cmocka_unit_test(test_golden_x64_leaves),
		cmocka_unit_test(test_golden_x64_tables),
		cmocka_unit_test(test_golden_x64_memtype),
		cmocka_unit_test(test_golden_soft),
		cmocka_unit_test(test_golden_i386),
		cmocka_unit_test(test_golden_pae),
		cmocka_unit_test(test_round_trip_desc),
		cmocka_unit_test(test_round_trip_raw),
		cmocka_unit_test(test_reserved_x64),
		cmocka_unit_test(test_reserved_pae),
		cmocka_unit_test(test_reserved_i386),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_decode_fields),
		cmocka_unit_test(test_mkyoung_mkdirty),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_va_half),
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_validate_catches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

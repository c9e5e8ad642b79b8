/*
 * The x86 page-table formats: x86-64 4-level and 5-level paging, i386 32-bit paging
 * (2 levels, 4 MiB PSE pages) and PAE paging (3 levels, 64-bit entries).
 *
 * Source of every bit position: Intel 64 and IA-32 Architectures Software Developer's Manual,
 * vol. 3A, chapter 4 "Paging": section 4.3 (32-bit paging, the "Formats of CR3 and
 * Paging-Structure Entries with 32-Bit Paging" figure and the PDE/PTE tables), 4.4 (PAE
 * paging, the PDPTE/PDE/PTE tables), 4.5 (4-level and 5-level paging, the PML5E .. PTE
 * tables), 4.6 (access rights: R/W, U/S and XD of every level are combined).
 * Linux's names for the bits are those of arch/x86/include/asm/pgtable_types.h (6.18).
 *
 * Assumptions, as Linux 6.18 runs these CPUs:
 *  - IA32_EFER.NXE = 1 (Linux sets it whenever the CPU has NX: arch/x86/mm/setup_nx.c), so
 *    bit 63 is XD ("NX" here) and not reserved, in every format with 64-bit entries except
 *    the PAE PDPTE, where bit 63 is always reserved.
 *  - CR4.PSE = 1 on 32-bit paging, so PS=1 in a PDE maps a 4 MiB page (the walker may model
 *    PSE=0 itself: then bit 7 of a PDE is ignored).
 *  - 1 GiB pages are supported (CPUID.80000001H:EDX.Page1GB); the PAT is supported.
 *  - MAXPHYADDR ("M" in the manual) is the format's pa_bits: 52 for x86-64 and PAE, 40 for
 *    32-bit paging (4 MiB pages reach 40 bits with PSE-36: SDM 4.3 "32-bit paging translates
 *    32-bit linear addresses to 40-bit physical addresses").
 *  - Protection keys (bits 62:59 of x86-64 leaves, CR4.PKE) are treated as ignored bits:
 *    decode does not report them, encode writes 0 there.
 *
 * Every 8-byte x86-64 entry (P = 1):
 *
 *  63 62   59 58  52 51   M M-1              12 11 9  8   7   6   5   4   3   2   1   0
 * +--+-------+------+------+-------------------+-----+---+---+---+---+---+---+---+---+---+
 * |NX| PKEY  | soft | rsvd | physical address  |soft | G |PS | D | A |PCD|PWT|US |RW | P |
 * +--+-------+------+------+-------------------+-----+---+---+---+---+---+---+---+---+---+
 *      bit 7: PS in a PDPTE/PDE (1 = 1 GiB / 2 MiB leaf), reserved in a PML4E/PML5E,
 *             PAT in a PTE (4 KiB leaf)
 *      huge leaf: bit 12 is PAT; bits 29:13 (1 GiB) or 20:13 (2 MiB) are reserved
 *      table entry: D (6) and G (8) are ignored by the processor
 *
 * PAE (8-byte entries; no ignored high bits: 62:M are reserved in the PDE and PTE):
 *
 *  63 62     M M-1               12 11 9  8   7   6   5   4   3   2   1   0
 * +--+--------+--------------------+-----+---+---+---+---+---+---+---+---+---+
 * |NX|  rsvd  | physical address   |soft | G |PS | D | A |PCD|PWT|US |RW | P |   PDE, PTE
 * +--+--------+--------------------+-----+---+---+---+---+---+---+---+---+---+
 * |   rsvd    | address of the PD  |soft |  rsvd (8:5)   |PCD|PWT| rsvd  | P |   PDPTE
 * +-----------+--------------------+-----+---------------+---+---+-------+---+
 *
 * 32-bit paging (4-byte entries, no NX):
 *
 *  PDE mapping a 4 MiB page (PS = 1):
 *  31                  22 21 20      13 12  11  9  8   7   6   5   4   3   2   1   0
 * +----------------------+--+----------+---+------+---+---+---+---+---+---+---+---+---+
 * | PA bits 31:22        |rs| PA 39:32 |PAT| soft | G |PS | D | A |PCD|PWT|US |RW | P |
 * +----------------------+--+----------+---+------+---+---+---+---+---+---+---+---+---+
 *  PDE pointing at a page table (PS = 0) / PTE mapping a 4 KiB page:
 *  31                                12 11  9  8   7   6   5   4   3   2   1   0
 * +------------------------------------+------+---+---+---+---+---+---+---+---+---+
 * | address bits 31:12                 | soft | G |PAT| D | A |PCD|PWT|US |RW | P |
 * +------------------------------------+------+---+---+---+---+---+---+---+---+---+
 *    (in a PDE pointing at a table bit 7 is PS = 0, and bits 6 and 8 are ignored)
 *
 * Decoded, in struct pte_desc:
 *  prot     R/W -> PTE_WRITE, U/S -> PTE_USER, NX -> PTE_UXN|PTE_PXN, A -> PTE_ACCESSED,
 *           D -> PTE_DIRTY, G -> PTE_GLOBAL. In a table entry R/W, U/S and NX restrict the
 *           levels below (SDM 4.6); A is set by the walk; D and G are ignored by the
 *           processor but carried as they are, so that Linux's _PAGE_TABLE (P RW US A D)
 *           encodes and decodes unchanged. A PAE PDPTE has none of them: prot =
 *           PTE_WRITE|PTE_USER (restricts nothing), and only that prot encodes.
 *  memtype  PAT<<2 | PCD<<1 | PWT, the PAT index (SDM 11.12.3); a table entry has no PAT bit
 *           (PCD and PWT there select how the next table is cached): 0..3 only.
 *  soft     present entries: bits 11:9 then 58:52, right-aligned (soft bit 0 = raw bit 9,
 *           bit 3 = raw bit 52 ... bit 9 = raw bit 58) on x86-64; bits 11:9 only on PAE
 *           and 32-bit paging. Not-present entries: the processor ignores bits 63:1 (31:1 on
 *           32-bit paging), so soft = raw >> 1 and encoding kind NONE gives soft << 1 with
 *           P = 0: room for Linux's swap entries later.
 *
 * Decode runs on every step of a walk: a handful of masks and shifts, no table lookups.
 */
#include "arch/pgtable.h"
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include "util/strbuf.h"

#define BIT(n)		(1ull << (n))
#define GENMASK(h, l)	((~0ull >> (63 - (h))) & (~0ull << (l)))

/* Entry bits (SDM vol. 3A 4.3-4.5; Linux _PAGE_BIT_*). */
#define X86_P		BIT(0)
#define X86_RW		BIT(1)
#define X86_US		BIT(2)
#define X86_PWT		BIT(3)
#define X86_PCD		BIT(4)
#define X86_A		BIT(5)
#define X86_D		BIT(6)
#define X86_PS		BIT(7)		/* PDPTE/PDE: page size */
#define X86_PAT_4K	BIT(7)		/* PTE: PAT */
#define X86_G		BIT(8)
#define X86_PAT_LARGE	BIT(12)		/* 4 MiB / 2 MiB / 1 GiB leaf: PAT */
#define X86_PKEY	GENMASK(62, 59)
#define X86_NX		BIT(63)
#define X86_SOFT_LO	GENMASK(11, 9)
#define X86_SOFT_HI	GENMASK(58, 52)
/* PAE PDPTE: bits 2:1 and 8:5 are reserved (SDM 4.4.1, "Format of a PAE PDPTE"). */
#define PAE_PDPTE_RSVD	(GENMASK(2, 1) | GENMASK(8, 5))
/* 32-bit paging: the address fields of a table / 4 KiB page and of a 4 MiB page. */
#define I386_ADDR_4K	GENMASK(31, 12)
#define I386_ADDR_4M	GENMASK(31, 22)
#define I386_PSE36	GENMASK(21, 13)	/* PA bits 32.. from bit 13 up; the rest reserved */

/* The PTE_* bits x86 can express; UXN and PXN only together, as NX. */
#define X86_PROT_BITS	(PTE_WRITE | PTE_USER | PTE_NX | PTE_GLOBAL | PTE_ACCESSED | PTE_DIRTY)
#define X86_SOFT_WIDTH	10u	/* x86-64: 3 + 7 software bits */
#define X86_SOFT_WIDTH_LO 3u	/* PAE and 32-bit paging: bits 11:9 */

/*
 * The conversions below move bits by fixed shifts instead of testing them one by one; these
 * pin every shift to the bit it moves.
 */
_Static_assert((X86_RW >> 1) == PTE_WRITE && (X86_US >> 1) == PTE_USER &&
	       X86_A == PTE_ACCESSED && X86_D == PTE_DIRTY && (X86_G >> 4) == PTE_GLOBAL &&
	       PTE_NX == 0xc, "x86_prot / x86_prot_raw shifts");
_Static_assert(((X86_PWT | X86_PCD) >> 3) == 3 && (X86_PAT_4K >> 5) == 4 &&
	       (X86_PAT_LARGE >> 10) == 4, "memtype shifts");
_Static_assert((X86_SOFT_LO >> 9) == 0x7 && (X86_SOFT_HI >> 49) == 0x3f8,
	       "soft_get64 / soft_put64 shifts");

/* Bits 0..n-1 set. */
static inline uint64_t low_mask(unsigned int n)
{
	return n >= 64 ? ~0ull : BIT(n) - 1;
}

/* R/W, U/S, A, D, G and NX of raw as PTE_* bits, without branches. */
static inline uint32_t x86_prot(uint64_t raw)
{
	return (uint32_t)(((raw >> 1) & (PTE_WRITE | PTE_USER)) |
			  (raw & (PTE_ACCESSED | PTE_DIRTY)) |
			  ((raw >> 4) & PTE_GLOBAL) |
			  ((0 - (raw >> 63)) & PTE_NX));
}

/* The raw bits of prot (already checked to be representable). */
static inline uint64_t x86_prot_raw(uint32_t prot)
{
	return ((uint64_t)(prot & (PTE_WRITE | PTE_USER)) << 1) |
	       (uint64_t)(prot & (PTE_ACCESSED | PTE_DIRTY)) |
	       ((uint64_t)(prot & PTE_GLOBAL) << 4) |
	       ((prot & PTE_NX) ? X86_NX : 0);
}

/* PCD << 1 | PWT: the low two bits of the PAT index. */
static inline uint8_t x86_pcd_pwt(uint64_t raw)
{
	return (uint8_t)((raw >> 3) & 3);
}

/* x86-64 software bits 11:9 and 58:52, right-aligned. */
static inline uint64_t soft_get64(uint64_t raw)
{
	return ((raw >> 9) & 7) | ((raw >> 49) & 0x3f8);
}

/* The inverse of soft_get64. */
static inline uint64_t soft_put64(uint64_t soft)
{
	return ((soft & 7) << 9) | ((soft & 0x3f8) << 49);
}

/* A not-present entry: everything but P is software's (SDM: bits 63:1 / 31:1 ignored). */
static inline void desc_none(struct pte_desc *out, uint64_t soft)
{
	*out = (struct pte_desc){ .kind = PTE_KIND_NONE, .soft = soft };
}

/* -EINVAL for a level the format does not have; *out says "not present". */
static int bad_level(struct pte_desc *out)
{
	desc_none(out, 0);
	return -EINVAL;
}

/* ---- decode ----------------------------------------------------------------------------- */

/*
 * Decode a present 8-byte entry (x86-64 any level, PAE below the PDPTE). rsvd holds the
 * reserved bits of the address's high part (x86-64 51:M, PAE 62:M); soft_hi says whether
 * bits 58:52 are software bits. Returns -EINVAL when a reserved bit is set.
 */
static inline int x86_decode_present(const struct pt_format *f, unsigned int level,
				     uint64_t raw, struct pte_desc *out, uint64_t rsvd,
				     bool soft_hi)
{
	const struct pt_level *lv = &f->level[level];
	uint64_t addr = GENMASK(f->pa_bits - 1, 12);

	out->prot = x86_prot(raw);
	out->shareability = 0;
	out->soft = soft_hi ? soft_get64(raw) : (raw >> 9) & 7;
	if (level == f->nr_levels - 1u) {
		out->kind = PTE_KIND_LEAF;
		out->memtype = x86_pcd_pwt(raw) | (uint8_t)((raw >> 5) & 4);
		out->pa = raw & addr;
	} else if ((raw & X86_PS) && lv->leaf_ok) {
		uint64_t off = BIT(lv->shift) - 1;

		out->kind = PTE_KIND_LEAF;
		out->memtype = x86_pcd_pwt(raw) | (uint8_t)((raw >> 10) & 4);
		out->pa = raw & addr & ~off;
		rsvd |= off & ~GENMASK(12, 0);	/* 20:13 (2 MiB) or 29:13 (1 GiB) */
	} else {
		out->kind = PTE_KIND_TABLE;
		out->memtype = x86_pcd_pwt(raw);
		out->pa = raw & addr;
		rsvd |= X86_PS;	/* PS here means a leaf where none may be: reserved */
	}
	return (raw & rsvd) ? -EINVAL : 0;
}

/* x86-64 4-level and 5-level: decode raw at level. */
static int x64_decode(const struct pt_format *f, unsigned int level, uint64_t raw,
		      struct pte_desc *out)
{
	if (level >= f->nr_levels)
		return bad_level(out);
	if (!(raw & X86_P)) {
		desc_none(out, raw >> 1);
		return 0;
	}
	return x86_decode_present(f, level, raw, out, GENMASK(51, 12) & ~low_mask(f->pa_bits),
				  true);
}

/* The PAE PDPTE: P, PWT, PCD and the address; 2:1, 8:5 and 63:M reserved. */
static int pae_decode_pdpte(const struct pt_format *f, uint64_t raw, struct pte_desc *out)
{
	out->kind = PTE_KIND_TABLE;
	out->prot = PTE_WRITE | PTE_USER;
	out->memtype = x86_pcd_pwt(raw);
	out->shareability = 0;
	out->pa = raw & GENMASK(f->pa_bits - 1, 12);
	out->soft = (raw >> 9) & 7;
	return (raw & (PAE_PDPTE_RSVD | ~low_mask(f->pa_bits))) ? -EINVAL : 0;
}

/* i386 PAE: decode raw at level. */
static int pae_decode(const struct pt_format *f, unsigned int level, uint64_t raw,
		      struct pte_desc *out)
{
	if (level >= f->nr_levels)
		return bad_level(out);
	if (!(raw & X86_P)) {
		desc_none(out, raw >> 1);
		return 0;
	}
	if (level == 0)
		return pae_decode_pdpte(f, raw, out);
	return x86_decode_present(f, level, raw, out, GENMASK(62, 12) & ~low_mask(f->pa_bits),
				  false);
}

/* PA bits 32 and up held in bits 13.. of a 4 MiB PDE: (M-20):13 (SDM 4.3, PSE-36). */
static inline uint64_t i386_pse36_valid(const struct pt_format *f)
{
	return f->pa_bits > 32 ? GENMASK(f->pa_bits - 20, 13) : 0;
}

/* i386 32-bit paging: decode raw (a 4-byte entry: bits above 31 are an error) at level. */
static int i386_decode(const struct pt_format *f, unsigned int level, uint64_t raw,
		       struct pte_desc *out)
{
	uint64_t lo = raw & 0xffffffffull, rsvd = 0;

	if (level >= f->nr_levels)
		return bad_level(out);
	if (!(lo & X86_P)) {
		desc_none(out, lo >> 1);
		return (raw >> 32) ? -EINVAL : 0;
	}
	out->prot = x86_prot(lo);	/* bit 63 is 0 in lo: no NX */
	out->shareability = 0;
	out->soft = (lo >> 9) & 7;
	if (level == 1) {
		out->kind = PTE_KIND_LEAF;
		out->memtype = x86_pcd_pwt(lo) | (uint8_t)((lo >> 5) & 4);
		out->pa = lo & I386_ADDR_4K;
	} else if (lo & X86_PS) {
		uint64_t hi = i386_pse36_valid(f);

		out->kind = PTE_KIND_LEAF;
		out->memtype = x86_pcd_pwt(lo) | (uint8_t)((lo >> 10) & 4);
		out->pa = (lo & I386_ADDR_4M) | ((lo & hi) >> 13 << 32);
		rsvd = I386_PSE36 & ~hi;
	} else {
		out->kind = PTE_KIND_TABLE;
		out->memtype = x86_pcd_pwt(lo);
		out->pa = lo & I386_ADDR_4K;
	}
	return ((raw >> 32) || (lo & rsvd)) ? -EINVAL : 0;
}

/* ---- encode ----------------------------------------------------------------------------- */

/* Kind NONE: soft << 1 with P = 0; everything else of d must be empty. */
static int x86_encode_none(const struct pt_format *f, const struct pte_desc *d, uint64_t *raw)
{
	unsigned int width = f->entry_size * 8u - 1;

	if (d->prot || d->memtype || d->shareability || d->pa || (d->soft >> width))
		return -EINVAL;
	*raw = d->soft << 1;
	return 0;
}

/*
 * What every present x86 entry must satisfy: prot bits x86 has (UXN and PXN together, and
 * only where has_nx), no shareability, memtype a PAT index, soft within soft_width bits.
 */
static int x86_check(const struct pte_desc *d, bool has_nx, unsigned int soft_width)
{
	uint32_t nx = d->prot & PTE_NX;

	if (d->prot & ~X86_PROT_BITS)
		return -EINVAL;		/* PTE_DBM, PTE_CONT or unknown bits */
	if (nx && (!has_nx || nx != PTE_NX))
		return -EINVAL;
	if (d->shareability || d->memtype > 7 || (d->soft >> soft_width))
		return -EINVAL;
	return 0;
}

/*
 * A present 8-byte entry (x86-64, PAE below the PDPTE): table or leaf at level, with the
 * soft bits already placed in soft_raw.
 */
static int x86_encode_present(const struct pt_format *f, unsigned int level,
			      const struct pte_desc *d, uint64_t soft_raw, uint64_t *raw)
{
	const struct pt_level *lv = &f->level[level];
	bool last = level == f->nr_levels - 1u;
	uint64_t v = X86_P | x86_prot_raw(d->prot) | soft_raw | ((uint64_t)(d->memtype & 3) << 3);
	uint64_t pat = d->memtype >> 2;

	if (d->pa >> f->pa_bits)
		return -EINVAL;
	if (d->kind == PTE_KIND_TABLE) {
		if (last || pat || (d->pa & low_mask(f->granule_shift)))
			return -EINVAL;
	} else {
		if (!lv->leaf_ok || (d->pa & low_mask(lv->shift)))
			return -EINVAL;
		v |= last ? pat << 7 : X86_PS | pat << 12;
	}
	*raw = v | d->pa;
	return 0;
}

/* x86-64 4-level and 5-level: encode d at level. */
static int x64_encode(const struct pt_format *f, unsigned int level, const struct pte_desc *d,
		      uint64_t *raw)
{
	if (level >= f->nr_levels)
		return -EINVAL;
	if (d->kind == PTE_KIND_NONE)
		return x86_encode_none(f, d, raw);
	if ((d->kind != PTE_KIND_TABLE && d->kind != PTE_KIND_LEAF) ||
	    x86_check(d, true, X86_SOFT_WIDTH))
		return -EINVAL;
	return x86_encode_present(f, level, d, soft_put64(d->soft), raw);
}

/* The PAE PDPTE: a table pointer with PWT/PCD only; its prot must restrict nothing. */
static int pae_encode_pdpte(const struct pt_format *f, const struct pte_desc *d, uint64_t *raw)
{
	if (d->kind != PTE_KIND_TABLE || d->prot != (PTE_WRITE | PTE_USER) || d->memtype > 3 ||
	    (d->pa >> f->pa_bits) || (d->pa & low_mask(f->granule_shift)))
		return -EINVAL;
	*raw = d->pa | (d->soft << 9) | ((uint64_t)d->memtype << 3) | X86_P;
	return 0;
}

/* i386 PAE: encode d at level. */
static int pae_encode(const struct pt_format *f, unsigned int level, const struct pte_desc *d,
		      uint64_t *raw)
{
	if (level >= f->nr_levels)
		return -EINVAL;
	if (d->kind == PTE_KIND_NONE)
		return x86_encode_none(f, d, raw);
	if ((d->kind != PTE_KIND_TABLE && d->kind != PTE_KIND_LEAF) ||
	    x86_check(d, true, X86_SOFT_WIDTH_LO))
		return -EINVAL;
	if (level == 0)
		return pae_encode_pdpte(f, d, raw);
	return x86_encode_present(f, level, d, d->soft << 9, raw);
}

/* i386 32-bit paging: the address field of d (table, 4 KiB or 4 MiB page) or -EINVAL. */
static int i386_addr(const struct pt_format *f, unsigned int level, const struct pte_desc *d,
		     uint64_t *field)
{
	if (d->kind == PTE_KIND_LEAF && level == 0) {
		if ((d->pa >> f->pa_bits) || (d->pa & low_mask(f->level[0].shift)))
			return -EINVAL;
		*field = (d->pa & I386_ADDR_4M) | (d->pa >> 32 << 13) | X86_PS |
			 (uint64_t)(d->memtype >> 2) << 12;
		return 0;
	}
	if ((d->pa >> 32) || (d->pa & low_mask(f->granule_shift)))
		return -EINVAL;
	if (d->kind == PTE_KIND_TABLE && (level != 0 || d->memtype > 3))
		return -EINVAL;
	*field = d->pa | (uint64_t)(d->memtype >> 2) << 7;
	return 0;
}

/* i386 32-bit paging: encode d at level. */
static int i386_encode(const struct pt_format *f, unsigned int level, const struct pte_desc *d,
		       uint64_t *raw)
{
	uint64_t field;

	if (level >= f->nr_levels)
		return -EINVAL;
	if (d->kind == PTE_KIND_NONE)
		return x86_encode_none(f, d, raw);
	if ((d->kind != PTE_KIND_TABLE && d->kind != PTE_KIND_LEAF) ||
	    x86_check(d, false, X86_SOFT_WIDTH_LO) || i386_addr(f, level, d, &field))
		return -EINVAL;
	*raw = field | x86_prot_raw(d->prot) | (d->soft << 9) |
	       ((uint64_t)(d->memtype & 3) << 3) | X86_P;
	return 0;
}

/* ---- A/D, describe ---------------------------------------------------------------------- */

/* Set A, as the walker does in every entry it uses (SDM 4.8). */
static uint64_t x86_mkyoung(uint64_t raw)
{
	return raw | X86_A;
}

/* Set D, as the walker does in the leaf of a store (SDM 4.8). */
static uint64_t x86_mkdirty(uint64_t raw)
{
	return raw | X86_D;
}

/* Append name, a space before it unless it is the first word. */
static void put_word(struct strbuf *sb, bool *first, const char *name)
{
	sb_printf(sb, "%s%s", *first ? "" : " ", name);
	*first = false;
}

/* The flag names of a present entry, in bit order, then NX. */
static void x86_describe_flags(const struct pt_format *f, unsigned int level, uint64_t raw,
			       const struct pte_desc *d, struct strbuf *sb, bool *first)
{
	bool pdpte = f->id == PTF_I386_PAE && level == 0;
	bool pte = d->kind == PTE_KIND_LEAF && level == f->nr_levels - 1u;
	bool huge = d->kind == PTE_KIND_LEAF && !pte;
	/* A PAE PDPTE names only the bits it defines; its others are reserved. */
	uint64_t shown = pdpte ? (X86_P | X86_PWT | X86_PCD) : ~0ull;
	static const char *const low[9] = { "P", "RW", "US", "PWT", "PCD", "A", "D", "PS", "G" };

	for (unsigned int b = 0; b < 9; b++) {
		if (!(raw & shown & BIT(b)))
			continue;
		put_word(sb, first, b == 7 && pte ? "PAT" : low[b]);
	}
	if (huge && (raw & X86_PAT_LARGE))
		put_word(sb, first, "PAT");
	if (f->entry_size == 8 && !pdpte && (raw & X86_NX))
		put_word(sb, first, "NX");
}

/* Append the entry's bits by name, e.g. "P RW US A D NX pfn=0x1234". */
static void x86_describe(const struct pt_format *f, unsigned int level, uint64_t raw,
			 struct strbuf *sb)
{
	struct pte_desc d;
	int rc = f->ops->decode(f, level, raw, &d);
	bool first = true;

	if (d.kind == PTE_KIND_NONE) {
		put_word(sb, &first, "not present");
		if (d.soft)
			sb_printf(sb, " soft=0x%" PRIx64, d.soft);
	} else {
		x86_describe_flags(f, level, raw, &d, sb, &first);
		if (d.soft)
			sb_printf(sb, " soft=0x%" PRIx64, d.soft);
		if (f->arch == ARCH_X86_64 && d.kind == PTE_KIND_LEAF && (raw & X86_PKEY))
			sb_printf(sb, " pkey=%u", (unsigned int)((raw & X86_PKEY) >> 59));
		sb_printf(sb, " pfn=0x%" PRIx64, d.pa >> 12);
	}
	if (rc)
		sb_puts(sb, " rsvd");
}

/* ---- the formats ------------------------------------------------------------------------ */

static const struct pt_format_ops x64_ops = {
	.decode = x64_decode, .encode = x64_encode, .mkyoung = x86_mkyoung,
	.mkdirty = x86_mkdirty, .describe = x86_describe,
};

static const struct pt_format_ops pae_ops = {
	.decode = pae_decode, .encode = pae_encode, .mkyoung = x86_mkyoung,
	.mkdirty = x86_mkdirty, .describe = x86_describe,
};

static const struct pt_format_ops i386_ops = {
	.decode = i386_decode, .encode = i386_encode, .mkyoung = x86_mkyoung,
	.mkdirty = x86_mkdirty, .describe = x86_describe,
};

/*
 * Geometry: SDM 4.5 (PML4 index 47:39, PDPT 38:30, PD 29:21, PT 20:12; PML5 56:48), 4.4
 * (PDPT 31:30, PD 29:21, PT 20:12; CR3 bits 31:5 hold the 32-byte aligned PDPT), 4.3 (PD
 * 31:22, PT 21:12). Linux's names: a folded level (p4d on 4-level, pud and pmd on 2-level,
 * pud on PAE) does not appear.
 */
const struct pt_format pt_format_x86_64_4l = {
	.id = PTF_X86_64_4L, .arch = ARCH_X86_64, .name = "x86_64-4level",
	.title = "x86-64 4-level paging (48-bit virtual, 52-bit physical)",
	.nr_levels = 4, .entry_size = 8, .va_bits = 48, .pa_bits = 52, .granule_shift = 12,
	.split = PT_SPLIT_CANONICAL, .root_bytes = 4096, .root_align = 4096,
	.level = {
		{ .name = "pgd", .arch_name = "PML4", .shift = 39, .bits = 9, .leaf_ok = false },
		{ .name = "pud", .arch_name = "PDPT", .shift = 30, .bits = 9, .leaf_ok = true },
		{ .name = "pmd", .arch_name = "PD", .shift = 21, .bits = 9, .leaf_ok = true },
		{ .name = "pte", .arch_name = "PT", .shift = 12, .bits = 9, .leaf_ok = true },
	},
	.ops = &x64_ops,
};

const struct pt_format pt_format_x86_64_5l = {
	.id = PTF_X86_64_5L, .arch = ARCH_X86_64, .name = "x86_64-5level",
	.title = "x86-64 5-level paging, LA57 (57-bit virtual, 52-bit physical)",
	.nr_levels = 5, .entry_size = 8, .va_bits = 57, .pa_bits = 52, .granule_shift = 12,
	.split = PT_SPLIT_CANONICAL, .root_bytes = 4096, .root_align = 4096,
	.level = {
		{ .name = "pgd", .arch_name = "PML5", .shift = 48, .bits = 9, .leaf_ok = false },
		{ .name = "p4d", .arch_name = "PML4", .shift = 39, .bits = 9, .leaf_ok = false },
		{ .name = "pud", .arch_name = "PDPT", .shift = 30, .bits = 9, .leaf_ok = true },
		{ .name = "pmd", .arch_name = "PD", .shift = 21, .bits = 9, .leaf_ok = true },
		{ .name = "pte", .arch_name = "PT", .shift = 12, .bits = 9, .leaf_ok = true },
	},
	.ops = &x64_ops,
};

const struct pt_format pt_format_i386_2l = {
	.id = PTF_I386_2L, .arch = ARCH_I386, .name = "i386-2level",
	.title = "i386 32-bit paging (2 levels, 4 MiB PSE pages, 40-bit physical with PSE-36)",
	.nr_levels = 2, .entry_size = 4, .va_bits = 32, .pa_bits = 40, .granule_shift = 12,
	.split = PT_SPLIT_NONE, .root_bytes = 4096, .root_align = 4096,
	.level = {
		{ .name = "pgd", .arch_name = "PD", .shift = 22, .bits = 10, .leaf_ok = true },
		{ .name = "pte", .arch_name = "PT", .shift = 12, .bits = 10, .leaf_ok = true },
	},
	.ops = &i386_ops,
};

const struct pt_format pt_format_i386_pae = {
	.id = PTF_I386_PAE, .arch = ARCH_I386, .name = "i386-pae",
	.title = "i386 PAE paging (3 levels, 64-bit entries, 2 MiB pages, NX)",
	.nr_levels = 3, .entry_size = 8, .va_bits = 32, .pa_bits = 52, .granule_shift = 12,
	.split = PT_SPLIT_NONE, .root_bytes = 32, .root_align = 32,
	.level = {
		{ .name = "pgd", .arch_name = "PDPT", .shift = 30, .bits = 2, .leaf_ok = false },
		{ .name = "pmd", .arch_name = "PD", .shift = 21, .bits = 9, .leaf_ok = true },
		{ .name = "pte", .arch_name = "PT", .shift = 12, .bits = 9, .leaf_ok = true },
	},
	.ops = &pae_ops,
};

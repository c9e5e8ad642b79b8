/*
 * arm64 translation-table formats: VMSAv8-64, stage 1, the EL1&0 regime (the one Linux runs
 * user space and the kernel in), 48-bit output addresses (no FEAT_LPA / FEAT_LPA2), with the
 * 4, 16 and 64 KiB granules and the VA sizes Linux builds for them.
 *
 * Sources: Arm Architecture Reference Manual for A-profile (DDI 0487), "VMSAv8-64 translation
 * table format descriptors" (chapter D8.3 in issue K; D4.3 in the v8.0 issues) and the
 * permission rules of D8.4; Linux 6.18 arch/arm64/include/asm/pgtable-hwdef.h (bit names),
 * pgtable-prot.h (software bits), memory.h and Documentation/arch/arm64/memory.rst (which
 * configurations exist).
 *
 * What the modelled CPU implements: FEAT_HAFDBS (hardware access flag and dirty state via
 * DBM, switched on by the walker's mmu_ctl), nothing that reuses RES0/IGNORED bits beyond
 * that: no FEAT_LPA/LPA2 (52-bit), no FEAT_BBM (nT, bit 16 of blocks), no FEAT_HAFT (AF in
 * table descriptors), no FEAT_S1PIE/S1POE, no FEAT_HPDS2 (PBHA). FEAT_BTI's GP bit (50) is
 * accepted and ignored: it only matters to BTI checks, which mmsim does not model.
 *
 * ---- levels (VA bits each level indexes; Linux names as Linux folds the levels) ----------
 *
 *   format        L0            L1             L2             L3          levels  root
 *   4k-39         -             [38:30] pgd B  [29:21] pmd B  [20:12] pte   3    4 KiB
 *   4k-48         [47:39] pgd   [38:30] pud B  [29:21] pmd B  [20:12] pte   4    4 KiB
 *   16k-47        -             [46:36] pgd    [35:25] pmd B  [24:14] pte   3   16 KiB
 *   16k-48        [47]    pgd   [46:36] pud    [35:25] pmd B  [24:14] pte   4   16 bytes
 *   64k-42        -             -              [41:29] pgd B  [28:16] pte   2   64 KiB
 *   64k-48        -             [47:42] pgd    [41:29] pmd B  [28:16] pte   3  512 bytes
 *
 *   B = a block descriptor is allowed there: 4K granule at L1 (1 GiB) and L2 (2 MiB); 16K at
 *   L2 (32 MiB); 64K at L2 (512 MiB). The Arm ARM allows a 16K L1 block (64 GiB) only with
 *   FEAT_LPA2 and a 64K L1 block (4 TiB) only with FEAT_LPA (52-bit PA); a 4K L0 block only
 *   with FEAT_LPA2. None of those is modelled, so those levels are table-only.
 *
 *   Linux (arch/arm64/include/asm/pgtable-hwdef.h, ARM64_HW_PGTABLE_LEVELS) uses 3 levels
 *   for 4K/39, 16K/47 and 64K/48, 4 for 4K/48 and 16K/48, 2 for 64K/42; the folded levels
 *   (p4d, and pud with 3 levels, pmd with 2) take the pgd's place, so the root is always
 *   "pgd".
 *
 * ---- the root table and TTBR ---------------------------------------------------------------
 *
 *   The root table holds 2^(va_bits - shift of the first level) entries: 2 for 16K/48 (16
 *   bytes), 64 for 64K/48 (512 bytes). The Arm ARM (TTBR0_EL1/TTBR1_EL1, BADDR) requires the
 *   table to be aligned to its size, and a table of fewer than 8 entries to 64 bytes, so
 *   root_align = max(root_bytes, 64).
 *
 * ---- descriptors (64 bits) -----------------------------------------------------------------
 *
 *   bits[1:0]   00, 10  invalid (the walk stops: translation fault)
 *               01      block at L0-L2 (where allowed); at L3 reserved: "behaves identically
 *                       to encodings with bit[0] set to 0" (Arm ARM, level 3 descriptors)
 *               11      table at L0-L2, page at L3
 *
 *   Table descriptor (L0-L2):
 *     63   62:61   60    59   58:51  50:48  47.........g  g-1:12  11:2   1 0
 *   +----+------+-----+-----+------+------+------------+-------+------+---+
 *   |NSTb|APTabl|UXNTb|PXNTb| ign. | RES0 | table addr | RES0  | ign. |1 1|
 *   +----+------+-----+-----+------+------+------------+-------+------+---+
 *     g = granule shift (12/14/16). APTable[0] (bit 61): no EL0 access below; APTable[1]
 *     (bit 62): no write access below. NSTable (63) is ignored in Non-secure state.
 *
 *   Block (L1/L2) and page (L3) descriptor:
 *    63:59 58:55  54  53  52   51  50 49:48 47....n n-1:12 11 10 9:8 7:6  5  4:2  1 0
 *   +-----+-----+---+---+----+---+--+-----+------+------+--+--+---+---+--+----+---+
 *   | ign | SW  |UXN|PXN|Cont|DBM|GP|RES0 |  OA  | RES0 |nG|AF|SH |AP |NS|Attr|x 1|
 *   +-----+-----+---+---+----+---+--+-----+------+------+--+--+---+---+--+----+---+
 *     n = the level's shift (block/page size); x (bit 1) is 0 for a block, 1 for a page;
 *     OA = output address; Attr = AttrIndx[2:0]; bits 63 and 62:59 (PBHA) are ignored.
 *     AP[2:1] = bits 7:6: AP[2] read-only at every EL, AP[1] EL0 (user) access.
 *     NS (bit 5) is ignored for Non-secure EL1&0 accesses: decode ignores it, encode writes 0.
 *     Bits 58:55 are reserved for software. Linux 6.18 (pgtable-prot.h) uses 55 PTE_DIRTY
 *     (software dirty), 56 PTE_SPECIAL, 58 PTE_UFFD_WP; they travel as pte_desc.soft bits
 *     0..3 = descriptor bits 55..58.
 *
 *   An invalid descriptor's bits 63:1 are ignored by the hardware; the software may keep
 *   anything there (Linux keeps swap entries there, and PROT_NONE ptes, which have bit 1
 *   set: PAGE_NONE is _PAGE_DEFAULT without PTE_VALID). kind NONE encodes d->soft into bits
 *   63:1 (raw = soft << 1, valid = 0), as the x86 formats do, so every invalid descriptor
 *   decodes and encodes back to itself.
 *
 * ---- mapping to struct pte_desc ------------------------------------------------------------
 *
 *   leaf:  AP[2]=0 -> PTE_WRITE       AP[1]=1 -> PTE_USER     UXN -> PTE_UXN   PXN -> PTE_PXN
 *          nG=0 -> PTE_GLOBAL         AF -> PTE_ACCESSED      DBM -> PTE_DBM   Cont -> PTE_CONT
 *          DBM=1 and AP[2]=0 -> PTE_DIRTY (the hardware's dirty state; not a bit of its own,
 *          so encode rejects a desc whose PTE_DIRTY differs from PTE_DBM && PTE_WRITE)
 *          memtype = AttrIndx (MAIR_EL1 index; Linux MT_NORMAL = 0), shareability = SH.
 *   table: prot starts at PTE_WRITE | PTE_USER; APTable[1] clears PTE_WRITE, APTable[0]
 *          clears PTE_USER; UXNTable -> PTE_UXN, PXNTable -> PTE_PXN.
 *
 *   Permissions the walker (hw/mmu.c), not the format, enforces: a page writable at EL0
 *   (AP[2:1] = 01) is never executable at EL1, whatever PXN says (the Arm ARM's implicit PXN
 *   for EL0-writable memory); with SCTLR_EL1.WXN any writable page is execute-never.
 *
 * ---- what decode reports as a reserved encoding (-EINVAL) ---------------------------------
 *
 *   bits[1:0] = 01 at L3 (filled as kind NONE, as the hardware treats it); a block at a level
 *   that allows none (filled as the leaf it would be); a non-zero RES0 field (filled
 *   completely). The hardware reports the first two as a translation fault at that level and
 *   an output address above the 48-bit PA range (bits 49:48) as an address size fault; the
 *   walker turns -EINVAL into its reserved-encoding fault and says which.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include "arch/pgtable.h"
#include "util/strbuf.h"

#define BIT(n)			(1ull << (n))
#define GENMASK(h, l)		((~0ull >> (63 - (h))) & ~(BIT(l) - 1))

/* Descriptor bits, named as Linux's pgtable-hwdef.h names them. */
#define D_VALID			BIT(0)
#define D_TABLE			BIT(1)		/* table at L0-L2, page at L3 */
#define D_ATTRINDX_SHIFT	2
#define D_ATTRINDX_MASK		GENMASK(4, 2)
#define D_USER			BIT(6)		/* AP[1] */
#define D_RDONLY		BIT(7)		/* AP[2] */
#define D_SH_SHIFT		8
#define D_SH_MASK		GENMASK(9, 8)
#define D_AF			BIT(10)
#define D_NG			BIT(11)
#define D_GP			BIT(50)		/* FEAT_BTI guarded: accepted, ignored */
#define D_DBM			BIT(51)
#define D_CONT			BIT(52)
#define D_PXN			BIT(53)
#define D_UXN			BIT(54)
#define D_SOFT_SHIFT		55
#define D_SOFT_MASK		GENMASK(58, 55)
#define T_PXNTABLE		BIT(59)
#define T_UXNTABLE		BIT(60)
#define T_APTABLE0		BIT(61)		/* no EL0 access below */
#define T_APTABLE1		BIT(62)		/* no write access below */
#define T_NSTABLE		BIT(63)

#define OA_TOP			47		/* 48-bit output addresses */
#define LEAF_RES0_HIGH		GENMASK(49, 48)
#define TABLE_RES0_HIGH		GENMASK(50, 48)

#define SOFT_BITS		4		/* descriptor bits 58:55 */
#define NONE_SOFT_BITS		63		/* an invalid descriptor's bits 63:1 */

#define LEAF_PROT	(PTE_WRITE | PTE_USER | PTE_UXN | PTE_PXN | PTE_GLOBAL | PTE_ACCESSED | \
			 PTE_DIRTY | PTE_DBM | PTE_CONT)
#define TABLE_PROT	(PTE_WRITE | PTE_USER | PTE_UXN | PTE_PXN)

/* Is level the last one (pages, bits[1:0] = 11 means page)? */
static inline bool is_last(const struct pt_format *f, unsigned int level)
{
	return level + 1u == f->nr_levels;
}

/* Output-address bits of a leaf at level: [47:shift]. */
static inline uint64_t leaf_oa_mask(const struct pt_format *f, unsigned int level)
{
	return GENMASK(OA_TOP, f->level[level].shift);
}

/* Next-level table address bits: [47:granule_shift]. */
static inline uint64_t table_addr_mask(const struct pt_format *f)
{
	return GENMASK(OA_TOP, f->granule_shift);
}

/* RES0 bits of a block/page at level: [49:48] and [n-1:12] below the output address. */
static inline uint64_t leaf_res0(const struct pt_format *f, unsigned int level)
{
	unsigned int n = f->level[level].shift;
	return LEAF_RES0_HIGH | (n > 12 ? GENMASK(n - 1, 12) : 0);
}

/* RES0 bits of a table descriptor: [50:48] and [g-1:12] below the table address. */
static inline uint64_t table_res0(const struct pt_format *f)
{
	unsigned int g = f->granule_shift;
	return TABLE_RES0_HIGH | (g > 12 ? GENMASK(g - 1, 12) : 0);
}

/* Fill d from a block or page descriptor; -EINVAL when a RES0 bit is set. */
static int decode_leaf(const struct pt_format *f, unsigned int level, uint64_t raw,
		       struct pte_desc *d)
{
	uint32_t prot = 0;

	d->kind = PTE_KIND_LEAF;
	d->pa = raw & leaf_oa_mask(f, level);
	d->memtype = (uint8_t)((raw & D_ATTRINDX_MASK) >> D_ATTRINDX_SHIFT);
	d->shareability = (uint8_t)((raw & D_SH_MASK) >> D_SH_SHIFT);
	d->soft = (raw & D_SOFT_MASK) >> D_SOFT_SHIFT;
	if (!(raw & D_RDONLY))
		prot |= PTE_WRITE;
	if (raw & D_USER)
		prot |= PTE_USER;
	if (raw & D_UXN)
		prot |= PTE_UXN;
	if (raw & D_PXN)
		prot |= PTE_PXN;
	if (!(raw & D_NG))
		prot |= PTE_GLOBAL;
	if (raw & D_AF)
		prot |= PTE_ACCESSED;
	if (raw & D_DBM)
		prot |= PTE_DBM;
	if ((raw & D_DBM) && !(raw & D_RDONLY))
		prot |= PTE_DIRTY;
	if (raw & D_CONT)
		prot |= PTE_CONT;
	d->prot = prot;
	return raw & leaf_res0(f, level) ? -EINVAL : 0;
}

/* Fill d from a table descriptor; -EINVAL when a RES0 bit is set. */
static int decode_table(const struct pt_format *f, uint64_t raw, struct pte_desc *d)
{
	uint32_t prot = PTE_WRITE | PTE_USER;

	d->kind = PTE_KIND_TABLE;
	d->pa = raw & table_addr_mask(f);
	d->soft = (raw & D_SOFT_MASK) >> D_SOFT_SHIFT;
	if (raw & T_APTABLE1)
		prot &= ~PTE_WRITE;
	if (raw & T_APTABLE0)
		prot &= ~PTE_USER;
	if (raw & T_UXNTABLE)
		prot |= PTE_UXN;
	if (raw & T_PXNTABLE)
		prot |= PTE_PXN;
	d->prot = prot;
	return raw & table_res0(f) ? -EINVAL : 0;
}

/* ops->decode: see the comment at the top for what counts as reserved. */
static int arm64_decode(const struct pt_format *f, unsigned int level, uint64_t raw,
			struct pte_desc *out)
{
	*out = (struct pte_desc){ .kind = PTE_KIND_NONE };
	if (level >= f->nr_levels)
		return -EINVAL;
	if (!(raw & D_VALID)) {
		out->soft = raw >> 1;
		return 0;
	}
	if (is_last(f, level))
		return (raw & D_TABLE) ? decode_leaf(f, level, raw, out) : -EINVAL;
	if (raw & D_TABLE)
		return decode_table(f, raw, out);
	/* A block descriptor: reserved where the level allows none (decoded all the same). */
	int rc = decode_leaf(f, level, raw, out);
	return f->level[level].leaf_ok ? rc : -EINVAL;
}

/* Encode a kind NONE desc: soft in bits 63:1, nothing else may be set. */
static int encode_none(const struct pte_desc *d, uint64_t *raw)
{
	if (d->prot || d->pa || d->memtype || d->shareability || d->soft >> NONE_SOFT_BITS)
		return -EINVAL;
	*raw = d->soft << 1;
	return 0;
}

/* Encode a table descriptor pointing at d->pa. */
static int encode_table(const struct pt_format *f, unsigned int level, const struct pte_desc *d,
			uint64_t *raw)
{
	if (is_last(f, level) || (d->prot & ~TABLE_PROT) || d->memtype || d->shareability ||
	    (d->pa & ~table_addr_mask(f)) || d->soft >> SOFT_BITS)
		return -EINVAL;
	uint64_t r = d->pa | D_VALID | D_TABLE | d->soft << D_SOFT_SHIFT;
	if (!(d->prot & PTE_WRITE))
		r |= T_APTABLE1;
	if (!(d->prot & PTE_USER))
		r |= T_APTABLE0;
	if (d->prot & PTE_UXN)
		r |= T_UXNTABLE;
	if (d->prot & PTE_PXN)
		r |= T_PXNTABLE;
	*raw = r;
	return 0;
}

/* Is the desc's dirty state one the bits can hold (PTE_DIRTY == DBM && writable)? */
static inline bool dirty_consistent(uint32_t prot)
{
	bool hw_dirty = (prot & PTE_DBM) && (prot & PTE_WRITE);
	return hw_dirty == !!(prot & PTE_DIRTY);
}

/* Encode a block (L0-L2, where allowed) or page (L3) descriptor. */
static int encode_leaf(const struct pt_format *f, unsigned int level, const struct pte_desc *d,
		       uint64_t *raw)
{
	if (!f->level[level].leaf_ok || (d->prot & ~LEAF_PROT) || !dirty_consistent(d->prot) ||
	    d->memtype > 7 || d->shareability > 3 || (d->pa & ~leaf_oa_mask(f, level)) ||
	    d->soft >> SOFT_BITS)
		return -EINVAL;
	uint64_t r = d->pa | D_VALID | (is_last(f, level) ? D_TABLE : 0);
	r |= (uint64_t)d->memtype << D_ATTRINDX_SHIFT | (uint64_t)d->shareability << D_SH_SHIFT;
	r |= d->soft << D_SOFT_SHIFT;
	if (!(d->prot & PTE_WRITE))
		r |= D_RDONLY;
	if (d->prot & PTE_USER)
		r |= D_USER;
	if (!(d->prot & PTE_GLOBAL))
		r |= D_NG;
	if (d->prot & PTE_ACCESSED)
		r |= D_AF;
	if (d->prot & PTE_DBM)
		r |= D_DBM;
	if (d->prot & PTE_CONT)
		r |= D_CONT;
	if (d->prot & PTE_PXN)
		r |= D_PXN;
	if (d->prot & PTE_UXN)
		r |= D_UXN;
	*raw = r;
	return 0;
}

/* ops->encode: -EINVAL for anything the descriptor cannot hold (raw left unchanged). */
static int arm64_encode(const struct pt_format *f, unsigned int level, const struct pte_desc *d,
			uint64_t *raw)
{
	if (level >= f->nr_levels)
		return -EINVAL;
	switch (d->kind) {
	case PTE_KIND_NONE:
		return encode_none(d, raw);
	case PTE_KIND_TABLE:
		return encode_table(f, level, d, raw);
	case PTE_KIND_LEAF:
		return encode_leaf(f, level, d, raw);
	}
	return -EINVAL;
}

/* ops->mkyoung: what the hardware's access-flag update (TCR_EL1.HA) writes: AF = 1. */
static uint64_t arm64_mkyoung(uint64_t raw)
{
	return raw | D_AF;
}

/*
 * ops->mkdirty: what hardware dirty-state management (TCR_EL1.HD) writes on a store to a
 * DBM page: AP[2] cleared. A page without DBM cannot be made dirty by the hardware (the
 * store faults), so it is returned unchanged rather than made writable.
 */
static uint64_t arm64_mkdirty(uint64_t raw)
{
	return (raw & D_DBM) ? raw & ~D_RDONLY : raw;
}

/* Append " name" for each set bit of a leaf's single-bit fields. */
static void describe_leaf_flags(uint64_t raw, struct strbuf *sb)
{
	static const struct { uint64_t bit; const char *name; } flags[] = {
		{ D_AF, "AF" }, { D_NG, "nG" }, { D_DBM, "DBM" }, { D_CONT, "Contig" },
		{ D_PXN, "PXN" }, { D_UXN, "UXN" }, { D_GP, "GP" },
	};
	for (unsigned int i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (raw & flags[i].bit)
			sb_printf(sb, " %s", flags[i].name);
}

/* "valid block|page oa=0x... AttrIndx=0 AP=01 SH=11 AF ..." */
static void describe_leaf(const struct pt_format *f, unsigned int level, uint64_t raw,
			  struct strbuf *sb)
{
	bool page = is_last(f, level);
	sb_printf(sb, "valid %s", page ? "page" : "block");
	if (!page && !f->level[level].leaf_ok)
		sb_printf(sb, " (reserved: no block at %s)", f->level[level].arch_name);
	sb_printf(sb, " oa=0x%llx AttrIndx=%u AP=%u%u SH=%u%u",
		  (unsigned long long)(raw & leaf_oa_mask(f, level)),
		  (unsigned int)((raw & D_ATTRINDX_MASK) >> D_ATTRINDX_SHIFT),
		  (unsigned int)!!(raw & D_RDONLY), (unsigned int)!!(raw & D_USER),
		  (unsigned int)((raw >> 9) & 1), (unsigned int)((raw >> 8) & 1));
	describe_leaf_flags(raw, sb);
	if (raw & D_SOFT_MASK)
		sb_printf(sb, " SW=0x%x", (unsigned int)((raw & D_SOFT_MASK) >> D_SOFT_SHIFT));
	if (raw & leaf_res0(f, level))
		sb_printf(sb, " RES0=0x%llx", (unsigned long long)(raw & leaf_res0(f, level)));
}

/* "valid table next=0x... APTable=00 PXNTable ..." */
static void describe_table(const struct pt_format *f, uint64_t raw, struct strbuf *sb)
{
	sb_printf(sb, "valid table next=0x%llx APTable=%u%u",
		  (unsigned long long)(raw & table_addr_mask(f)),
		  (unsigned int)!!(raw & T_APTABLE1), (unsigned int)!!(raw & T_APTABLE0));
	if (raw & T_UXNTABLE)
		sb_puts(sb, " UXNTable");
	if (raw & T_PXNTABLE)
		sb_puts(sb, " PXNTable");
	if (raw & T_NSTABLE)
		sb_puts(sb, " NSTable");
	if (raw & D_SOFT_MASK)
		sb_printf(sb, " SW=0x%x", (unsigned int)((raw & D_SOFT_MASK) >> D_SOFT_SHIFT));
	if (raw & table_res0(f))
		sb_printf(sb, " RES0=0x%llx", (unsigned long long)(raw & table_res0(f)));
}

/* ops->describe: the descriptor's fields by the Arm ARM's names. */
static void arm64_describe(const struct pt_format *f, unsigned int level, uint64_t raw,
			   struct strbuf *sb)
{
	if (level >= f->nr_levels) {
		sb_printf(sb, "no level %u in %s", level, f->name);
		return;
	}
	if (!(raw & D_VALID)) {
		sb_puts(sb, "invalid");
		if (raw >> 1)
			sb_printf(sb, " sw=0x%llx", (unsigned long long)(raw >> 1));
		return;
	}
	if (is_last(f, level) && !(raw & D_TABLE)) {
		sb_printf(sb, "reserved (bits[1:0]=01 at %s: treated as invalid)",
			  f->level[level].arch_name);
		return;
	}
	if (!is_last(f, level) && (raw & D_TABLE))
		describe_table(f, raw, sb);
	else
		describe_leaf(f, level, raw, sb);
}

static const struct pt_format_ops arm64_ops = {
	.decode = arm64_decode,
	.encode = arm64_encode,
	.mkyoung = arm64_mkyoung,
	.mkdirty = arm64_mkdirty,
	.describe = arm64_describe,
};

/* Common fields; root alignment max(root_bytes, 64) per the TTBR BADDR rule above. */
#define ARM64_FORMAT(ident, nm, ttl, nlev, va, gshift, rbytes)				\
	.id = (ident), .arch = ARCH_ARM64, .name = (nm), .title = (ttl),		\
	.nr_levels = (nlev), .entry_size = 8, .va_bits = (va), .pa_bits = OA_TOP + 1,	\
	.granule_shift = (gshift), .split = PT_SPLIT_TTBR, .root_bytes = (rbytes),	\
	.root_align = (rbytes) < 64 ? 64 : (rbytes), .ops = &arm64_ops

const struct pt_format pt_format_arm64_4k_39 = {
	ARM64_FORMAT(PTF_ARM64_4K_39, "arm64-4k-39",
		     "arm64 4 KiB granule, 39-bit VA, 3 levels", 3, 39, 12, 4096),
	.level = {
		{ "pgd", "L1", 30, 9, true },	/* 1 GiB blocks */
		{ "pmd", "L2", 21, 9, true },	/* 2 MiB blocks */
		{ "pte", "L3", 12, 9, true },
	},
};

const struct pt_format pt_format_arm64_4k_48 = {
	ARM64_FORMAT(PTF_ARM64_4K_48, "arm64-4k-48",
		     "arm64 4 KiB granule, 48-bit VA, 4 levels", 4, 48, 12, 4096),
	.level = {
		{ "pgd", "L0", 39, 9, false },	/* a block here needs FEAT_LPA2 */
		{ "pud", "L1", 30, 9, true },	/* 1 GiB blocks */
		{ "pmd", "L2", 21, 9, true },	/* 2 MiB blocks */
		{ "pte", "L3", 12, 9, true },
	},
};

const struct pt_format pt_format_arm64_16k_47 = {
	ARM64_FORMAT(PTF_ARM64_16K_47, "arm64-16k-47",
		     "arm64 16 KiB granule, 47-bit VA, 3 levels", 3, 47, 14, 16384),
	.level = {
		{ "pgd", "L1", 36, 11, false },	/* a 64 GiB block needs FEAT_LPA2 */
		{ "pmd", "L2", 25, 11, true },	/* 32 MiB blocks */
		{ "pte", "L3", 14, 11, true },
	},
};

const struct pt_format pt_format_arm64_16k_48 = {
	ARM64_FORMAT(PTF_ARM64_16K_48, "arm64-16k-48",
		     "arm64 16 KiB granule, 48-bit VA, 4 levels", 4, 48, 14, 16),
	.level = {
		{ "pgd", "L0", 47, 1, false },	/* 2 entries: VA bit 47 */
		{ "pud", "L1", 36, 11, false },
		{ "pmd", "L2", 25, 11, true },	/* 32 MiB blocks */
		{ "pte", "L3", 14, 11, true },
	},
};

const struct pt_format pt_format_arm64_64k_42 = {
	ARM64_FORMAT(PTF_ARM64_64K_42, "arm64-64k-42",
		     "arm64 64 KiB granule, 42-bit VA, 2 levels", 2, 42, 16, 65536),
	.level = {
		{ "pgd", "L2", 29, 13, true },	/* 512 MiB blocks */
		{ "pte", "L3", 16, 13, true },
	},
};

const struct pt_format pt_format_arm64_64k_48 = {
	ARM64_FORMAT(PTF_ARM64_64K_48, "arm64-64k-48",
		     "arm64 64 KiB granule, 48-bit VA, 3 levels", 3, 48, 16, 512),
	.level = {
		{ "pgd", "L1", 42, 6, false },	/* 64 entries; a 4 TiB block needs FEAT_LPA */
		{ "pmd", "L2", 29, 13, true },	/* 512 MiB blocks */
		{ "pte", "L3", 16, 13, true },
	},
};

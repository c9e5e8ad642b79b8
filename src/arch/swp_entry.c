/*
 * Swap entries in page-table entries: each format's real swap-PTE layout (Linux 6.18:
 * arch/x86/include/asm/pgtable_64.h, pgtable-2level.h, pgtable-3level.h, pgtable_types.h
 * _PAGE_SWP_EXCLUSIVE; arch/arm64/include/asm/pgtable.h; include/linux/swapops.h
 * swp_entry_to_pte / pte_to_swp_entry; mm/swapfile.c generic_max_swapfile_size).
 *
 * A swap PTE is a not-present entry (the hardware ignores everything but the present / valid
 * bit) that names a slot: swap type (area) and offset. The layouts:
 *
 * x86-64, 4 and 5 levels (pgtable_64.h):
 *   63   59 58                               9  8  7  6  5  4  3  2  1  0
 *  +-------+----------------------------------+--+--+--+--+--+--+--+--+--+
 *  | TYPE  |  ~OFFSET (inverted, 50 bits)     | 0| 0| X| X| X| E| F|SD| 0|
 *  +-------+----------------------------------+--+--+--+--+--+--+--+--+--+
 *   The offset is stored inverted so that a swap PTE's "physical address" bits are high
 *   (the L1TF mitigation: a speculative walk through it points at no cached memory).
 *   Bit 8 (G) is _PAGE_PROTNONE on a not-present entry, bit 7 must be 0 (pmd_present
 *   looks at it), A and D (5, 6) may be set by an erratum: ignored. E (bit 3, _PAGE_PWT) is
 *   _PAGE_SWP_EXCLUSIVE, F (2) uffd-wp, SD (1) soft-dirty.
 * i386 PAE (pgtable-3level.h): the same 64-bit layout, but the exclusive marker is bit 7
 *   (_PAGE_PSE) and the offset passes through a 32-bit swp_entry_t (offset << 5), so only
 *   27 bits of it survive: generic_max_swapfile_size gives 2^27 pages.
 * i386 2-level (pgtable-2level.h), a 32-bit entry:
 *   31                              9  8  7  6  5 ... 1  0
 *  +---------------------------------+--+--+--+---------+--+
 *  |  OFFSET (23 bits)               | 0| E| 0|  TYPE   | 0|
 *  +---------------------------------+--+--+--+---------+--+
 * arm64 (pgtable.h since 6.10, every granule):
 *   63 62 61                        12 11 10    6  5  4  3  2  1  0
 *  +-----+----------------------------+--+-------+--+--+--+--+-----+
 *  |  0  |  OFFSET (50 bits)          | 0| TYPE  | 0| 0| U| E| 0 0 |
 *  +-----+----------------------------+--+-------+--+--+--+--+-----+
 *   bit 11 is PTE_PRESENT_INVALID (a PROT_NONE entry), bit 2 PTE_SWP_EXCLUSIVE, bit 3
 *   uffd-wp.
 *
 * The model writes no soft-dirty or uffd-wp bits; decoding ignores them (and A/D on x86),
 * as Linux's pte_to_swp_entry does after pte_swp_clear_flags.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/pgtable.h"
#include "mm/swap.h"

#define BIT(n)			(1ull << (n))

/* x86 (pgtable_types.h): bit numbers of the flags that matter to swap PTEs */
#define X86_P			BIT(0)
#define X86_PWT			BIT(3)		/* x86-64 _PAGE_SWP_EXCLUSIVE */
#define X86_PSE			BIT(7)		/* i386 _PAGE_SWP_EXCLUSIVE; 0 on x86-64 */
#define X86_PROTNONE		BIT(8)		/* _PAGE_BIT_PROTNONE = _PAGE_BIT_GLOBAL */
#define X86_SWP_TYPE_BITS	5
#define X86_SWP_OFFSET_FIRST	9		/* _PAGE_BIT_PROTNONE + 1 */
#define X86_SWP_OFFSET_SHIFT	(X86_SWP_OFFSET_FIRST + X86_SWP_TYPE_BITS)
#define PAE_SWP_OFFSET_BITS	27		/* 32-bit swp_entry_t: offset << 5 */
#define I386_SWP_TYPE_SHIFT	1		/* _PAGE_BIT_PRESENT + 1 */
#define I386_SWP_OFFSET_BITS	23

/* arm64 (pgtable.h) */
#define A64_VALID		BIT(0)
#define A64_SWP_EXCLUSIVE	BIT(2)
#define A64_PRESENT_INVALID	BIT(11)
#define A64_SWP_TYPE_SHIFT	6
#define A64_SWP_TYPE_MASK	0x1full
#define A64_SWP_OFFSET_SHIFT	12
#define A64_SWP_OFFSET_BITS	50

/* The generic offset field of swp_entry_t (swap.h): SWP_TYPE_SHIFT bits. */
#define GENERIC_OFFSET_MASK	((1ull << SWP_TYPE_SHIFT) - 1)

/* __swp_entry + __swp_entry_to_pte of x86-64 (and PAE's __swp_pteval_entry). */
static uint64_t x86_64_layout(unsigned int type, uint64_t offset)
{
	return (~offset << X86_SWP_OFFSET_SHIFT >> X86_SWP_TYPE_BITS) |
	       ((uint64_t)type << (64 - X86_SWP_TYPE_BITS));
}

/* __swp_offset of the inverted layout (__pteval_swp_offset on PAE). */
static uint64_t x86_64_offset(uint64_t raw)
{
	return ~raw << X86_SWP_TYPE_BITS >> X86_SWP_OFFSET_SHIFT;
}

uint64_t swp_pte_max_offset(const struct pt_format *f)
{
	switch (f->id) {
	case PTF_X86_64_4L:
	case PTF_X86_64_5L:
		/* bits 9..58: 50 bits of offset */
		return 1ull << (64 - X86_SWP_TYPE_BITS - X86_SWP_OFFSET_FIRST);
	case PTF_I386_PAE:
		return 1ull << PAE_SWP_OFFSET_BITS;
	case PTF_I386_2L:
		return 1ull << I386_SWP_OFFSET_BITS;
	default:
		return 1ull << A64_SWP_OFFSET_BITS;
	}
}

uint64_t swp_entry_to_pte(const struct pt_format *f, swp_entry_t e, bool exclusive)
{
	unsigned int type = swp_type(e) & ((1u << X86_SWP_TYPE_BITS) - 1);
	uint64_t offset = swp_offset(e) & (swp_pte_max_offset(f) - 1);

	switch (f->id) {
	case PTF_X86_64_4L:
	case PTF_X86_64_5L:
		return x86_64_layout(type, offset) | (exclusive ? X86_PWT : 0);
	case PTF_I386_PAE:
		return x86_64_layout(type, offset) | (exclusive ? X86_PSE : 0);
	case PTF_I386_2L:
		return ((uint64_t)type << I386_SWP_TYPE_SHIFT) | (offset << X86_SWP_OFFSET_FIRST) |
		       (exclusive ? X86_PSE : 0);
	default:
		return ((uint64_t)type << A64_SWP_TYPE_SHIFT) | (offset << A64_SWP_OFFSET_SHIFT) |
		       (exclusive ? A64_SWP_EXCLUSIVE : 0);
	}
}

bool pte_to_swp_entry(const struct pt_format *f, uint64_t raw, swp_entry_t *e, bool *exclusive)
{
	unsigned int type;
	uint64_t offset;
	bool excl;

	/* is_swap_pte: not none (x86-64 ignores A/D, the erratum bits), not present */
	switch (f->id) {
	case PTF_X86_64_4L:
	case PTF_X86_64_5L:
	case PTF_I386_PAE:
		if (!(raw & ~(BIT(5) | BIT(6))) || (raw & (X86_P | X86_PROTNONE)))
			return false;
		type = (unsigned int)(raw >> (64 - X86_SWP_TYPE_BITS));
		offset = x86_64_offset(raw);
		if (f->id == PTF_I386_PAE) {
			offset &= (1ull << PAE_SWP_OFFSET_BITS) - 1;
			excl = raw & X86_PSE;
		} else {
			excl = raw & X86_PWT;
		}
		break;
	case PTF_I386_2L:
		raw &= 0xffffffffull;
		if (!raw || (raw & (X86_P | X86_PROTNONE)))
			return false;
		type = (unsigned int)(raw >> I386_SWP_TYPE_SHIFT) & ((1u << X86_SWP_TYPE_BITS) - 1);
		offset = raw >> X86_SWP_OFFSET_FIRST;
		excl = raw & X86_PSE;
		break;
	default:
		if (!raw || (raw & (A64_VALID | A64_PRESENT_INVALID)))
			return false;
		type = (unsigned int)((raw >> A64_SWP_TYPE_SHIFT) & A64_SWP_TYPE_MASK);
		offset = (raw >> A64_SWP_OFFSET_SHIFT) & ((1ull << A64_SWP_OFFSET_BITS) - 1);
		excl = raw & A64_SWP_EXCLUSIVE;
		break;
	}
	if (e)
		*e = swp_entry(type, offset & GENERIC_OFFSET_MASK);
	if (exclusive)
		*exclusive = excl;
	return true;
}

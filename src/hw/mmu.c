/*
 * The MMU: the page-table walker with its permission checks, accessed/dirty updates and
 * fault records, in front of the TLB hierarchy (hw/tlb.c). See mmu.h for the flow of one
 * access. Everything here is what the hardware does; nothing is what the kernel does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hw/mmu.h"
#include "util/error.h"
#include "util/strbuf.h"

/* ---- small helpers ------------------------------------------------------------------- */

/*
 * Which half va is in (0 user, 1 kernel) or -1: the hardware's address-range rule, inline
 * because every access asks. Same answer as pt_va_half().
 *
 *   x86_64 (48-bit):  0x0000000000000000-0x00007fffffffffff  half 0
 *                     0x0000800000000000-0xffff7fffffffffff  non-canonical
 *                     0xffff800000000000-0xffffffffffffffff  half 1
 *   arm64 (48-bit):   top 16 bits all 0 -> TTBR0, all 1 -> TTBR1, else level-0 fault
 *   i386:             0x00000000-0xffffffff                  half 0
 */
static inline int va_half(const struct pt_format *f, uint64_t va)
{
	unsigned int sh = f->va_bits;
	switch (f->split) {
	case PT_SPLIT_CANONICAL: {
		int64_t ext = (int64_t)(va << (64 - sh)) >> (64 - sh);
		return (uint64_t)ext == va ? (int)(va >> 63) : -1;
	}
	case PT_SPLIT_TTBR: {
		uint64_t top = va >> sh;
		if (top == 0)
			return 0;
		return top == (~0ull >> sh) ? 1 : -1;
	}
	case PT_SPLIT_NONE:
		return va >> 32 ? -1 : 0;
	}
	return -1;
}

static inline bool is_x86(const struct mmu *mmu) { return mmu->fmt->arch != ARCH_ARM64; }

/* The generation an MMU without a TLB points at: its micro-TLB is never filled. */
static const uint64_t no_tlb_gen;

/* The walk loop for format fmt. */
static enum mmu_walker fmt_walker(const struct pt_format *fmt)
{
	if (fmt->id == PTF_X86_64_4L || fmt->id == PTF_X86_64_5L)
		return MMU_WALKER_X86_64;
	return MMU_WALKER_GENERIC;
}

/* Empty the micro-TLB (the asid, the control bits or the TLB itself changed). */
static void utlb_clear(struct mmu *mmu)
{
	for (unsigned int i = 0; i < MMU_UTLB_SIZE; i++)
		mmu->utlb[i].tag = MMU_UTLB_EMPTY;
}

/* Root table address held in a root register value (strip PCID / ASID / CnP bits). */
uint64_t mmu_root_table(const struct mmu *mmu, int half)
{
	uint64_t r = mmu->root[half];
	if (mmu->fmt->arch == ARCH_ARM64)
		return r & 0x0000fffffffffffeull;	/* BADDR[47:1]; ASID 63:48; CnP bit 0 */
	if (mmu->fmt->id == PTF_I386_PAE)
		return r & 0xffffffe0ull;		/* CR3[31:5]: 32-byte aligned PDPT */
	return r & ~0xfffull & ~(1ull << 63);		/* CR3[51:12]; PCID in 11:0 */
}

/* Is [pa, pa + len) inside simulated RAM? */
static inline bool in_ram(const struct physmem *ram, uint64_t pa, uint64_t len)
{
	return pa >= ram->base && pa - ram->base <= ram->size && len <= ram->size - (pa - ram->base);
}

static inline uint64_t read_entry(const struct mmu *mmu, uint64_t pa)
{
	const void *p = phys_to_host(mmu->ram, pa);
	if (mmu->fmt->entry_size == 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline void write_entry(const struct mmu *mmu, uint64_t pa, uint64_t raw)
{
	void *p = phys_to_host(mmu->ram, pa);
	if (mmu->fmt->entry_size == 8) {
		memcpy(p, &raw, 8);
	} else {
		uint32_t v = (uint32_t)raw;
		memcpy(p, &v, 4);
	}
}

/* ---- permissions ----------------------------------------------------------------------- */

/*
 * Permission of an access against the effective prot of a whole walk (the AND of every
 * level's write/user, the OR of their no-execute bits). Returns the violated check or
 * MMU_WHY_NONE.
 *
 * x86 (SDM vol. 3A 4.6): a user access needs U/S=1 on every level; a user store needs R/W=1;
 * a supervisor store to a read-only page faults only with CR0.WP; a fetch from an NX page
 * faults; SMEP forbids supervisor fetches from user pages, SMAP supervisor data accesses to
 * them (EFLAGS.AC is not modelled: the kernel's uaccess windows come with a later issue).
 *
 * arm64 (Arm ARM D8.4): AP[1] gives EL0 data access, AP[2] forbids writes at both ELs; EL0
 * fetches obey UXN alone, EL1 fetches obey PXN, and a page EL0 can write is never executable
 * at EL1 (the implicit PXN for EL0-writable memory); PAN forbids EL1 data access to EL0
 * pages. With hardware dirty management (TCR_EL1.HD) a DBM page is writable: the store
 * clears AP[2] instead of faulting.
 */
static enum mmu_prot_why check_prot(const struct mmu *mmu, uint32_t prot, unsigned int access)
{
	unsigned int kind = access & MMU_KIND_MASK;
	bool user = access & MMU_USER;
	bool writable = prot & PTE_WRITE;

	if (!is_x86(mmu)) {
		if (!writable && (prot & PTE_DBM) && mmu->ctl.hw_dbm)
			writable = true;
		if (user) {
			if (kind == MMU_EXEC)
				return (prot & PTE_UXN) ? MMU_WHY_EXEC : MMU_WHY_NONE;
			if (!(prot & PTE_USER))
				return MMU_WHY_USER;
			return kind == MMU_WRITE && !writable ? MMU_WHY_WRITE : MMU_WHY_NONE;
		}
		if (kind == MMU_EXEC) {
			if (prot & PTE_PXN)
				return MMU_WHY_EXEC;
			if ((prot & PTE_USER) && writable)
				return MMU_WHY_SMEP;
			return MMU_WHY_NONE;
		}
		if (mmu->ctl.smap && (prot & PTE_USER))
			return MMU_WHY_SMAP;
		return kind == MMU_WRITE && !writable ? MMU_WHY_WRITE : MMU_WHY_NONE;
	}

	if (user) {
		if (!(prot & PTE_USER))
			return MMU_WHY_USER;
		if (kind == MMU_WRITE && !writable)
			return MMU_WHY_WRITE;
		if (kind == MMU_EXEC && (prot & PTE_UXN))
			return MMU_WHY_EXEC;
		return MMU_WHY_NONE;
	}
	if (kind == MMU_EXEC) {
		if (prot & PTE_PXN)
			return MMU_WHY_EXEC;
		return mmu->ctl.smep && (prot & PTE_USER) ? MMU_WHY_SMEP : MMU_WHY_NONE;
	}
	if (mmu->ctl.smap && (prot & PTE_USER))
		return MMU_WHY_SMAP;
	if (kind == MMU_WRITE && !writable && mmu->ctl.wp)
		return MMU_WHY_WRITE;
	return MMU_WHY_NONE;
}

/*
 * Does a store to a page with this (cached) prot need the hardware to write the entry?
 * x86: when D is clear. arm64: when the page is clean-but-DBM (AP[2]=1, DBM=1) and the
 * hardware manages dirty state. A TLB hit that needs it re-walks, as the hardware does.
 */
static inline bool store_needs_walk(const struct mmu *mmu, uint32_t prot)
{
	if (is_x86(mmu))
		return !(prot & PTE_DIRTY);
	return mmu->ctl.hw_dbm && (prot & PTE_DBM) && !(prot & PTE_WRITE);
}

/*
 * The prot bits a permission check reads, packed into 6 bits:
 *   bit 0 WRITE  1 USER  2 UXN  3 PXN  4 DBM  5 DIRTY
 */
static inline unsigned int perm_key(uint32_t prot)
{
	return (prot & 0xf) | ((prot >> 3) & 0x10) | ((prot >> 1) & 0x20);
}

static uint32_t perm_key_prot(unsigned int key)
{
	return (key & 0xf) | ((key & 0x10) << 3) | ((key & 0x20) << 1);
}

/* Fill perm[][] from ctl: check_prot and store_needs_walk for every access and key. */
static void build_perm(struct mmu *mmu)
{
	for (unsigned int a = 0; a < 8; a++) {
		for (unsigned int k = 0; k < 64; k++) {
			uint32_t prot = perm_key_prot(k);
			uint8_t v = (a & MMU_KIND_MASK) == 3 ? MMU_WHY_EXEC :
				    (uint8_t)check_prot(mmu, prot, a);
			if (!v && (a & MMU_KIND_MASK) == MMU_WRITE && store_needs_walk(mmu, prot))
				v |= MMU_PERM_STORE_WALK;
			mmu->perm[a][k] = v;
		}
	}
}

void mmu_set_ctl(struct mmu *mmu, const struct mmu_ctl *ctl)
{
	mmu->ctl = *ctl;
	build_perm(mmu);
	utlb_clear(mmu);	/* its entries were allowed under the old bits */
}

void mmu_set_fast_path(struct mmu *mmu, bool on)
{
	mmu->utlb_off = !on;
	utlb_clear(mmu);
}

/* ---- fault records -------------------------------------------------------------------- */

/*
 * x86 #PF error code (SDM 4.7): bit 0 P (the fault was a protection violation, not a
 * non-present entry), 1 W/R (store), 2 U/S (user mode), 3 RSVD, 4 I/D (instruction fetch).
 *
 * arm64 ESR_EL1 (Arm ARM D17.2.40): EC in 31:26 (0x20/0x21 instruction abort from EL0/EL1,
 * 0x24/0x25 data abort from EL0/EL1), IL bit 25, WnR bit 6 for data aborts, and the fault
 * status code in 5:0:
 *   0b0000LL address size  0b0001LL translation  0b0010LL access flag  0b0011LL permission
 */
static uint64_t fault_code(const struct mmu *mmu, const struct mmu_fault *f)
{
	unsigned int kind = f->access & MMU_KIND_MASK;
	bool user = f->access & MMU_USER;

	if (is_x86(mmu)) {
		uint64_t c = 0;
		if (f->type == MMU_FAULT_PROT || f->type == MMU_FAULT_RESERVED)
			c |= 1;
		if (kind == MMU_WRITE)
			c |= 2;
		if (user)
			c |= 4;
		if (f->type == MMU_FAULT_RESERVED)
			c |= 8;
		if (kind == MMU_EXEC && (mmu->ctl.nxe || mmu->ctl.smep))
			c |= 16;
		return c;
	}
	unsigned int lvl = f->level < 0 ? 0 : (unsigned int)f->level;
	/* Arm numbers levels from the granule's level 0; a 3-level format starts at level 1. */
	lvl += 4u - mmu->fmt->nr_levels;
	if (lvl > 3)
		lvl = 3;
	uint64_t fsc;
	switch (f->type) {
	case MMU_FAULT_ADDRESS_SIZE: fsc = 0x00 | lvl; break;
	case MMU_FAULT_ACCESS_FLAG: fsc = 0x08 | lvl; break;
	case MMU_FAULT_PROT: fsc = 0x0c | lvl; break;
	case MMU_FAULT_NONCANONICAL: fsc = 0x04; break;	/* translation fault, level 0 */
	default: fsc = 0x04 | lvl; break;		/* translation (and RES0 bits: Arm
							   reports those as translation faults) */
	}
	uint64_t ec = kind == MMU_EXEC ? (user ? 0x20 : 0x21) : (user ? 0x24 : 0x25);
	uint64_t esr = ec << 26 | 1ull << 25 | fsc;
	if (kind == MMU_WRITE)
		esr |= 1ull << 6;
	return esr;
}

static int fault(struct mmu *mmu, struct mmu_fault *f, enum mmu_fault_type type,
		 enum mmu_prot_why why, uint64_t va, unsigned int access, int level,
		 uint64_t entry, uint64_t entry_pa)
{
	f->type = type;
	f->why = why;
	f->va = va;
	f->access = access;
	f->level = level;
	f->entry = entry;
	f->entry_pa = entry_pa;
	f->code = fault_code(mmu, f);
	mmu->stats.faults[type]++;
	return (int)type;
}

/* ---- the walk ------------------------------------------------------------------------ */

/*
 * x86-64 entry bits the specialised walk loop reads (Intel SDM vol. 3A 4.5, tables 4-15 to
 * 4-20; the same positions as arch/pgtable_x86.c, whose decode the loop must agree with:
 * test_x64_walker_matches_generic compares the two on random entries at every level).
 */
#define X64_P		(1ull << 0)
#define X64_A		(1ull << 5)
#define X64_D		(1ull << 6)
#define X64_PS		(1ull << 7)	/* PDPTE/PDE: 1 GiB/2 MiB leaf; reserved above */

/*
 * An x86-64 (4- or 5-level) entry decoded as far as the walk needs it: kind, prot and pa of
 * *d; 0, or -EINVAL for a reserved bit (what x64_decode in arch/pgtable_x86.c returns for
 * the same entry, without the memory type and software bits the walk does not read).
 *   present, last level or PS=1 where a leaf may sit: leaf; the frame is bits M-1:12 (minus
 *       the page offset of a huge page, whose bits 29:13 / 20:13 are reserved); else a table
 *       whose PS bit is reserved. Bits 51:M (M = pa_bits) are reserved at every level.
 */
static inline __attribute__((always_inline)) int
x64_decode_walk(const struct pt_format *fmt, unsigned int level, uint64_t raw,
		struct pte_desc *d)
{
	const uint64_t addr = (~0ull >> (64 - fmt->pa_bits)) & ~0xfffull;
	uint64_t rsvd = (~0ull >> 12) & (~0ull << 12) & ~(~0ull >> (64 - fmt->pa_bits));

	if (!(raw & X64_P)) {
		d->kind = PTE_KIND_NONE;
		d->prot = 0;
		return 0;
	}
	/* R/W, U/S -> WRITE, USER; A, D in place; G (bit 8) -> GLOBAL; NX (63) -> UXN|PXN */
	d->prot = (uint32_t)(((raw >> 1) & (PTE_WRITE | PTE_USER)) |
			     (raw & (PTE_ACCESSED | PTE_DIRTY)) | ((raw >> 4) & PTE_GLOBAL) |
			     ((0 - (raw >> 63)) & PTE_NX));
	if (level == fmt->nr_levels - 1u) {
		d->kind = PTE_KIND_LEAF;
		d->pa = raw & addr;
	} else if ((raw & X64_PS) && fmt->level[level].leaf_ok) {
		uint64_t off = (1ull << fmt->level[level].shift) - 1;

		d->kind = PTE_KIND_LEAF;
		d->pa = raw & addr & ~off;
		rsvd |= off & ~0x1fffull;
	} else {
		d->kind = PTE_KIND_TABLE;
		d->pa = raw & addr;
		rsvd |= X64_PS;
	}
	return (raw & rsvd) ? -EINVAL : 0;
}

/*
 * Walk va's tables from the root (or from below the deepest page-walk-cache hit), check the
 * access, set A/D in RAM, fill TLB and walk caches. steps (may be NULL) records every entry
 * read. Returns 0 or the fault type.
 *
 * One body for every walk loop, instantiated per walker with `walker` a constant: the
 * generic loop decodes through fmt->ops; MMU_WALKER_X86_64 decodes in the loop with the
 * entry size, the A/D bits and the x86 rules known at compile time, which saves an
 * indirect call and a pte_desc in memory per level. The x86-64 loop never records steps
 * (mmu_walk_explain uses the generic loop, whose decode fills every field it prints).
 */
static inline __attribute__((always_inline)) int
walk_tmpl(struct mmu *mmu, int half, uint64_t va, unsigned int access, struct mmu_xlat *x,
	  struct mmu_fault *f, struct mmu_walk_step *steps, unsigned int *nsteps,
	  const enum mmu_walker walker)
{
	const bool fast = walker == MMU_WALKER_X86_64;
	const struct pt_format *fmt = mmu->fmt;
	const bool x86 = fast || is_x86(mmu);
	const unsigned int esize = fast ? 8 : fmt->entry_size;
	const unsigned int nr_levels = fmt->nr_levels;
	/* arm64 picks TTBR0/TTBR1 by the address's top bits; x86 has one root for both. */
	uint64_t table = fast ? mmu->root[0] & ~0xfffull & ~(1ull << 63) :
				mmu_root_table(mmu, fmt->split == PT_SPLIT_TTBR ? half : 0);
	/* Accumulated restrictions of the table levels: nothing restricted yet. */
	uint32_t acc = PTE_WRITE | PTE_USER;
	unsigned int level = 0, refs = 0, n = 0;
	uint64_t raw = 0, epa = 0;
	struct pte_desc d = { .kind = PTE_KIND_NONE };

	mmu->stats.walks++;
	if (mmu->tlb) {
		uint64_t tpa;
		uint32_t tprot;
		int l = pwc_lookup(mmu->tlb, mmu->asid, va, &tpa, &tprot);
		if (l >= 0) {
			level = (unsigned int)l + 1;
			table = tpa;
			acc = tprot;
		}
	}

	for (; level < nr_levels; level++) {
		epa = table + (uint64_t)pt_index(fmt, level, va) * esize;
		if (!in_ram(mmu->ram, epa, esize)) {
			/* A table pointer outside RAM: the hardware would read garbage or take a
			   machine check; mmsim reports an address-size fault at this level. */
			mmu->stats.walk_refs += refs;
			mmu->stats.walk_refs_hist[refs]++;
			if (nsteps)
				*nsteps = n;
			return fault(mmu, f, MMU_FAULT_ADDRESS_SIZE, MMU_WHY_NONE, va, access,
				     (int)level, 0, epa);
		}
		if (fast) {
			memcpy(&raw, phys_to_host(mmu->ram, epa), 8);
		} else {
			raw = read_entry(mmu, epa);
		}
		refs++;
		int rc = fast ? x64_decode_walk(fmt, level, raw, &d) :
				fmt->ops->decode(fmt, level, raw, &d);
		if (steps) {
			struct mmu_walk_step *s = &steps[n];
			s->level = (int)level;
			s->index = pt_index(fmt, level, va);
			s->table_pa = table;
			s->entry_pa = epa;
			s->raw = s->raw_after = raw;
			s->desc = d;
			s->decode_rc = rc;
		}
		n++;
		if (d.kind == PTE_KIND_NONE || rc) {
			mmu->stats.walk_refs += refs;
			mmu->stats.walk_refs_hist[refs]++;
			if (nsteps)
				*nsteps = n;
			return fault(mmu, f, rc ? MMU_FAULT_RESERVED : MMU_FAULT_NOT_PRESENT,
				     MMU_WHY_NONE, va, access, (int)level, raw, epa);
		}
		if (d.kind == PTE_KIND_TABLE) {
			acc &= d.prot | ~(PTE_WRITE | PTE_USER);
			acc |= d.prot & (PTE_UXN | PTE_PXN);
			/*
			 * x86 sets A in every paging-structure entry it uses (SDM 4.8); PAE
			 * PDPTEs have no A bit (they are loaded with CR3). Arm table
			 * descriptors have no access flag.
			 */
			if (x86 && !(d.prot & PTE_ACCESSED) &&
			    (fast || !(fmt->id == PTF_I386_PAE && level == 0))) {
				uint64_t nraw = fast ? raw | X64_A : fmt->ops->mkyoung(raw);
				write_entry(mmu, epa, nraw);
				mmu->stats.ad_updates++;
				if (steps)
					steps[n - 1].raw_after = nraw;
			}
			if (mmu->tlb)
				pwc_insert(mmu->tlb, mmu->asid, va, level, d.pa, acc);
			table = d.pa;
			continue;
		}
		break;	/* leaf */
	}
	if (nsteps)
		*nsteps = n;
	mmu->stats.walk_refs += refs;
	mmu->stats.walk_refs_hist[refs]++;

	if (d.kind != PTE_KIND_LEAF)	/* a format that decodes a table at the last level */
		return fault(mmu, f, MMU_FAULT_RESERVED, MMU_WHY_NONE, va, access,
			     (int)nr_levels - 1, raw, epa);
	uint32_t prot = (d.prot & ~(PTE_WRITE | PTE_USER)) | (d.prot & acc & (PTE_WRITE | PTE_USER));
	prot |= acc & (PTE_UXN | PTE_PXN);
	/* Arm ranks an access-flag fault above a permission fault (Arm ARM, prioritization
	   of synchronous aborts: translation, address size, access flag, permission). */
	if (!x86 && !(d.prot & PTE_ACCESSED) && !mmu->ctl.hw_af)
		return fault(mmu, f, MMU_FAULT_ACCESS_FLAG, MMU_WHY_NONE, va, access, (int)level,
			     raw, epa);
	/* check_prot, precomputed for the control bits (build_perm) */
	unsigned int v = mmu->perm[access & 7][perm_key(prot)];
	if (v & ~MMU_PERM_STORE_WALK)
		return fault(mmu, f, MMU_FAULT_PROT, (enum mmu_prot_why)(v & ~MMU_PERM_STORE_WALK),
			     va, access, (int)level, raw, epa);

	uint64_t nraw = raw;
	if (!(d.prot & PTE_ACCESSED)) {
		nraw = fast ? nraw | X64_A : fmt->ops->mkyoung(nraw);
		prot |= PTE_ACCESSED;
	}
	if (v & MMU_PERM_STORE_WALK) {
		nraw = fast ? nraw | X64_D : fmt->ops->mkdirty(nraw);
		prot |= PTE_DIRTY;
		if (!x86)
			prot |= PTE_WRITE;
	}
	if (nraw != raw) {
		write_entry(mmu, epa, nraw);
		mmu->stats.ad_updates++;
		if (steps)
			steps[n - 1].raw_after = nraw;
	}

	unsigned int shift = fmt->level[level].shift;
	uint64_t pa = d.pa | (va & ((1ull << shift) - 1));
	x->pa = pa;
	x->page_shift = (uint8_t)shift;
	x->leaf_level = (int8_t)level;
	x->tlb_level = 0;
	x->mem_refs = (uint8_t)refs;
	x->prot = prot;

	if (mmu->tlb) {
		struct tlb_entry e = {
			.vpn = va >> shift,
			.pfn = d.pa >> shift,
			.asid = mmu->asid,
			.shift = (uint8_t)shift,
			.flags = TLBE_VALID,
			.prot = prot,
		};
		/* x86 global entries need CR4.PGE; Arm's nG=0 always means global. */
		if ((prot & PTE_GLOBAL) && (!x86 || mmu->ctl.pge))
			e.flags |= TLBE_GLOBAL;
		tlb_insert(mmu->tlb, (access & MMU_KIND_MASK) == MMU_EXEC, &e);
	}
	return 0;
}

/* The walk through the format's ops, recording steps when asked (mmu_walk_explain). */
static int __attribute__((noinline))
walk_generic(struct mmu *mmu, int half, uint64_t va, unsigned int access, struct mmu_xlat *x,
	     struct mmu_fault *f, struct mmu_walk_step *steps, unsigned int *nsteps)
{
	return walk_tmpl(mmu, half, va, access, x, f, steps, nsteps, MMU_WALKER_GENERIC);
}

/* The x86-64 walk loop (4 and 5 levels), without steps. */
static int __attribute__((noinline))
walk_x64(struct mmu *mmu, uint64_t va, unsigned int access, struct mmu_xlat *x,
	 struct mmu_fault *f)
{
	return walk_tmpl(mmu, 0, va, access, x, f, NULL, NULL, MMU_WALKER_X86_64);
}

/* Count the access by kind. */
static inline void count_access(struct mmu *mmu, unsigned int access)
{
	mmu->stats.kind[access & MMU_KIND_MASK]++;
}

/* A TLB hit the cached permissions forbid. */
static int __attribute__((noinline)) tlb_fault(struct mmu *mmu, uint64_t va, unsigned int access,
					       enum mmu_prot_why why, struct mmu_fault *f)
{
	/*
	 * The TLB may hold a stricter translation than the tables (the kernel relaxed an
	 * entry without flushing, as Linux does when a COW page is reused): the fault is
	 * taken from the cached entry, and the fault itself invalidates the TLB entries for
	 * va of the current PCID (SDM 4.10.4.1, "page faults invalidate"), so the retry
	 * walks and sees the new entry. Linux calls this a spurious fault. mmsim does the
	 * same on arm64.
	 */
	int rc = fault(mmu, f, MMU_FAULT_PROT, why, va, access, -1, 0, 0);
	tlb_flush_page(mmu->tlb, mmu->asid, va, false);
	return rc;
}

/*
 * Remember the L1 hit x of (va, access) in the micro-TLB (see mmu.h), with every access of
 * the same side that the permission table allows on it without A/D work.
 */
static void utlb_fill(struct mmu *mmu, uint64_t va, unsigned int access,
		      const struct mmu_xlat *x, const struct tlb_hit_ref *ref)
{
	struct mmu_utlb_entry *u = &mmu->utlb[mmu_utlb_index(va, access)];
	unsigned int key = perm_key(x->prot);

	u->tag = mmu_utlb_tag(va, access);
	u->clock = ref->clock;
	u->stamp = ref->stamp;
	u->ver = ref->ver;
	u->ver_seen = *ref->ver;
	u->gen = *mmu->tlb_gen;		/* read after the lookup: it may have moved a hint */
	u->x = *x;
	u->x.pa &= ~0xfffull;
	u->allowed = 0;
	for (unsigned int a = 0; a < 8; a++)
		if (((a >> 1) & 1) == ((access >> 1) & 1) && !mmu->perm[a][key])
			u->allowed |= (uint8_t)(1u << a);
}

/* The TLB probe shared by both entry points: 1 when it answered (hit, allowed, no A/D work). */
static inline int tlb_probe(struct mmu *mmu, uint64_t va, unsigned int access,
			    struct mmu_xlat *x, struct mmu_fault *f, int *rc)
{
	struct tlb_hit_ref ref;
	int hit;
	const struct tlb_entry *ep = tlb_lookup_ref(mmu->tlb, (access & MMU_KIND_MASK) == MMU_EXEC,
						    mmu->asid, va, &hit, &ref);
	if (!ep)
		return 0;
	/* copied before tlb_fault can drop it */
	const uint32_t prot = ep->prot;
	const unsigned int shift = ep->shift;
	const uint64_t pfn = ep->pfn;
	unsigned int v = mmu->perm[access & 7][perm_key(prot)];
	if (__builtin_expect(v != 0, 0)) {
		if (v & ~MMU_PERM_STORE_WALK) {
			*rc = tlb_fault(mmu, va, access, (enum mmu_prot_why)v, f);
			return 1;
		}
		mmu->stats.dirty_walks++;
		return 0;
	}
	x->pa = pfn << shift | (va & ((1ull << shift) - 1));
	x->page_shift = (uint8_t)shift;
	x->leaf_level = mmu->shift_level[shift & 63];
	x->tlb_level = (uint8_t)hit;
	x->mem_refs = 0;
	x->prot = prot;
	if (ref.stamp && !mmu->utlb_off)
		utlb_fill(mmu, va, access, x, &ref);
	*rc = 0;
	return 1;
}

int mmu_translate_slow(struct mmu *mmu, uint64_t va, unsigned int access, struct mmu_xlat *x,
		       struct mmu_fault *f)
{
	count_access(mmu, access);
	int half = va_half(mmu->fmt, va);
	if (half < 0)
		return fault(mmu, f, MMU_FAULT_NONCANONICAL, MMU_WHY_NONE, va, access, -1, 0, 0);
	int rc;
	if (mmu->tlb && tlb_probe(mmu, va, access, x, f, &rc))
		return rc;
	if (mmu->walker == MMU_WALKER_X86_64)
		return walk_x64(mmu, va, access, x, f);
	return walk_generic(mmu, half, va, access, x, f, NULL, NULL);
}

int mmu_walk_explain(struct mmu *mmu, uint64_t va, unsigned int access, struct mmu_xlat *x,
		     struct mmu_fault *f, struct mmu_walk_step *steps, unsigned int *nsteps)
{
	*nsteps = 0;
	count_access(mmu, access);
	int half = va_half(mmu->fmt, va);
	if (half < 0)
		return fault(mmu, f, MMU_FAULT_NONCANONICAL, MMU_WHY_NONE, va, access, -1, 0, 0);
	int rc;
	if (mmu->tlb && tlb_probe(mmu, va, access, x, f, &rc))
		return rc;
	return walk_generic(mmu, half, va, access, x, f, steps, nsteps);
}

/* ---- registers and invalidation -------------------------------------------------------- */

void mmu_ctl_default(const struct pt_format *fmt, struct mmu_ctl *ctl)
{
	memset(ctl, 0, sizeof(*ctl));
	switch (fmt->arch) {
	case ARCH_X86_64:
		/* Linux on a current x86_64 part: CR0.WP, EFER.NXE, CR4.PGE|PCIDE|SMEP|SMAP. */
		ctl->wp = ctl->nxe = ctl->pge = ctl->pcide = ctl->smep = ctl->smap = true;
		ctl->asid_bits = 12;
		break;
	case ARCH_I386:
		/* i386 has no PCID; PSE for 4 MiB pages without PAE, NX only with PAE. */
		ctl->wp = ctl->pge = true;
		ctl->pse = fmt->id == PTF_I386_2L;
		ctl->nxe = fmt->id == PTF_I386_PAE;
		ctl->asid_bits = 0;
		break;
	default:
		/* arm64 with FEAT_HAFDBS (Linux enables TCR_EL1.HA/HD when present) and PAN. */
		ctl->hw_af = ctl->hw_dbm = true;
		ctl->smap = true;
		ctl->asid_bits = 16;
		break;
	}
}

int mmu_init(struct mmu *mmu, const struct pt_format *fmt, const struct physmem *ram,
	     const struct tlb_config *tlbcfg, uint64_t seed, int cpu)
{
	memset(mmu, 0, sizeof(*mmu));
	mmu->fmt = fmt;
	mmu->ram = ram;
	mmu->cpu = cpu;
	mmu->walker = fmt_walker(fmt);
	mmu->tlb_gen = &no_tlb_gen;
	utlb_clear(mmu);
	mmu_ctl_default(fmt, &mmu->ctl);
	build_perm(mmu);
	for (unsigned int s = 0; s < 64; s++)
		mmu->shift_level[s] = -1;
	for (unsigned int l = 0; l < fmt->nr_levels; l++)
		if (fmt->level[l].leaf_ok)
			mmu->shift_level[fmt->level[l].shift] = (int8_t)l;
	/* A configuration without any structure ("none") is no TLB at all: skip the calls. */
	if (tlbcfg && !tlbcfg->l1i.nr_arrays && !tlbcfg->l1d.nr_arrays &&
	    !tlbcfg->l2.nr_arrays && !tlbcfg->pwc.nr)
		tlbcfg = NULL;
	if (tlbcfg) {
		int rc = tlb_create(tlbcfg, seed, &mmu->tlb);
		if (rc)
			return rc;
		/* The walk caches key each level by the VA bits above that level's shift. */
		uint8_t shifts[PT_MAX_LEVELS];
		for (unsigned int l = 0; l < fmt->nr_levels; l++)
			shifts[l] = fmt->level[l].shift;
		rc = tlb_set_walk_shifts(mmu->tlb, shifts, fmt->nr_levels);
		if (rc) {
			tlb_free(mmu->tlb);
			mmu->tlb = NULL;
			return rc;
		}
		mmu->tlb_gen = tlb_generation(mmu->tlb);
	}
	return 0;
}

void mmu_destroy(struct mmu *mmu)
{
	utlb_clear(mmu);	/* its entries point into the TLB */
	mmu->tlb_gen = &no_tlb_gen;
	if (mmu->tlb)
		tlb_free(mmu->tlb);
	mmu->tlb = NULL;
}

int mmu_set_root(struct mmu *mmu, int half, uint64_t root_pa, uint16_t asid, bool noflush)
{
	const struct pt_format *fmt = mmu->fmt;
	if (half < 0 || half > 1 || (half == 1 && fmt->split != PT_SPLIT_TTBR))
		return -EINVAL;
	if (root_pa % fmt->root_align || !in_ram(mmu->ram, root_pa, fmt->root_bytes))
		return -EINVAL;
	if (mmu->ctl.asid_bits < 16 && asid >> mmu->ctl.asid_bits)
		return -EINVAL;
	if (fmt->arch != ARCH_ARM64 && !mmu->ctl.pcide && asid)
		return -EINVAL;
	mmu->stats.root_switches++;
	utlb_clear(mmu);	/* its entries were filled under the old asid */

	if (fmt->arch == ARCH_ARM64) {
		/* TTBRn_EL1: BADDR, the ASID in TTBR0[63:48] (TCR_EL1.A1 = 0). Linux sets A1
		   and keeps the ASID in TTBR1 (cpu_do_switch_mm): the tagging is the same.
		   Entries are tagged with ASIDs, so writing a TTBR flushes nothing. */
		mmu->root[half] = root_pa | (half == 0 ? (uint64_t)asid << 48 : 0);
		if (half == 0)
			mmu->asid = asid;
		return 0;
	}
	if (mmu->ctl.pcide) {
		/* CR3 = table | PCID; bit 63 (no-flush) keeps the new PCID's entries. */
		mmu->root[0] = root_pa | asid;
		mmu->asid = asid;
		if (!noflush && mmu->tlb)
			tlb_flush_asid(mmu->tlb, asid);
		return 0;
	}
	/* Without PCID every CR3 write flushes all non-global entries (all when !PGE). */
	mmu->root[0] = root_pa;
	mmu->asid = 0;
	if (mmu->tlb)
		tlb_flush_all(mmu->tlb, mmu->ctl.pge);
	return 0;
}

void mmu_flush_page(struct mmu *mmu, uint64_t va)
{
	if (mmu->tlb)
		tlb_flush_page(mmu->tlb, mmu->asid, va, false);
}

void mmu_flush_asid(struct mmu *mmu, uint16_t asid)
{
	if (mmu->tlb)
		tlb_flush_asid(mmu->tlb, asid);
}

void mmu_flush_all(struct mmu *mmu, bool keep_global)
{
	if (mmu->tlb)
		tlb_flush_all(mmu->tlb, keep_global);
}

/* Flush [start, end) of asid on one CPU: page by page up to ceiling pages, else the ASID. */
static void flush_range(struct mmu *mmu, uint16_t asid, uint64_t start, uint64_t end)
{
	enum { TLB_SINGLE_PAGE_FLUSH_CEILING = 33 };	/* arch/x86/mm/tlb.c */
	if (!mmu->tlb)
		return;
	uint64_t gran = 1ull << mmu->fmt->granule_shift;
	uint64_t pages = (end - start + gran - 1) / gran;
	if (pages > TLB_SINGLE_PAGE_FLUSH_CEILING) {
		tlb_flush_asid(mmu->tlb, asid);
		return;
	}
	for (uint64_t va = start; va < end; va += gran)
		tlb_flush_page(mmu->tlb, asid, va, false);
}

void mmu_shootdown(struct mmu *cpus, unsigned int n, unsigned int initiator,
		   const uint64_t *cpumask, uint16_t asid, uint64_t start, uint64_t end)
{
	flush_range(&cpus[initiator], asid, start, end);
	for (unsigned int c = 0; c < n; c++) {
		if (c == initiator || !(cpumask[c / 64] >> (c % 64) & 1))
			continue;
		cpus[initiator].stats.ipis_sent++;
		cpus[c].stats.ipis_received++;
		flush_range(&cpus[c], asid, start, end);
	}
}

/* ---- names and reports ------------------------------------------------------------------- */

const char *mmu_fault_name(enum mmu_fault_type t)
{
	switch (t) {
	case MMU_OK: return "no fault";
	case MMU_FAULT_NONCANONICAL: return "non-canonical address";
	case MMU_FAULT_NOT_PRESENT: return "not present";
	case MMU_FAULT_RESERVED: return "reserved bit set";
	case MMU_FAULT_PROT: return "protection violation";
	case MMU_FAULT_ACCESS_FLAG: return "access flag fault";
	case MMU_FAULT_ADDRESS_SIZE: return "address size fault";
	}
	return "?";
}

const char *mmu_why_name(enum mmu_prot_why w)
{
	switch (w) {
	case MMU_WHY_NONE: return "";
	case MMU_WHY_WRITE: return "write to a read-only page";
	case MMU_WHY_USER: return "user access to a kernel page";
	case MMU_WHY_EXEC: return "instruction fetch from a no-execute page";
	case MMU_WHY_SMEP: return "kernel fetch from a user page";
	case MMU_WHY_SMAP: return "kernel data access to a user page";
	}
	return "?";
}

void mmu_fault_format(const struct mmu *mmu, const struct mmu_fault *f, struct strbuf *sb)
{
	static const char *const kinds[] = { "read", "write", "fetch", "?" };
	sb_printf(sb, "%s", mmu_fault_name(f->type));
	if (f->type == MMU_FAULT_PROT)
		sb_printf(sb, " (%s)", mmu_why_name(f->why));
	if (f->level >= 0) {
		const struct pt_level *l = &mmu->fmt->level[f->level];
		sb_printf(sb, " at %s (%s) entry 0x%0*llx", l->name, l->arch_name,
			  mmu->fmt->entry_size * 2, (unsigned long long)f->entry);
	}
	sb_printf(sb, " on %s %s of 0x%llx: ", f->access & MMU_USER ? "user" : "kernel",
		  kinds[f->access & MMU_KIND_MASK], (unsigned long long)f->va);
	if (is_x86(mmu)) {
		if (f->type == MMU_FAULT_NONCANONICAL) {
			sb_puts(sb, "#GP(0)");
			return;
		}
		sb_printf(sb, "#PF error code 0x%llx (", (unsigned long long)f->code);
		static const char *const bits[] = { "P", "W", "U", "RSVD", "I" };
		bool first = true;
		for (unsigned int b = 0; b < 5; b++) {
			if (f->code >> b & 1) {
				sb_printf(sb, "%s%s", first ? "" : " ", bits[b]);
				first = false;
			}
		}
		sb_puts(sb, first ? "none)" : ")");
		return;
	}
	sb_printf(sb, "ESR 0x%08llx (EC 0x%02llx, FSC 0x%02llx%s)", (unsigned long long)f->code,
		  (unsigned long long)(f->code >> 26), (unsigned long long)(f->code & 0x3f),
		  f->code >> 6 & 1 ? ", WnR" : "");
}

/*
 * Every live micro-TLB entry (the L1 slot's version and the TLB generation it saw)
 * repeats what the TLB would answer for its page: the entry the L1 hint names, with the same
 * result and LRU stamp, and exactly the accesses the permission table allows without A/D
 * work.
 */
static int utlb_validate(const struct mmu *mmu, struct mmsim_error *err)
{
	for (unsigned int i = 0; i < MMU_UTLB_SIZE; i++) {
		const struct mmu_utlb_entry *u = &mmu->utlb[i];
		uint64_t va = (u->tag >> 1) << 12;
		unsigned int side = (unsigned int)(u->tag & 1) << 1;	/* 2: MMU_EXEC */
		const uint64_t *stamp;
		const uint32_t *ver;
		struct tlb_entry e;
		uint8_t allowed = 0;

		if (u->tag == MMU_UTLB_EMPTY)
			continue;
		if (!mmu->tlb || mmu->utlb_off || mmu_utlb_index(va, side) != i)
			return err_set(err, -EUCLEAN, "", 0, 0, "cpu %d: micro-TLB entry %u (page "
				       "0x%llx) filled without a TLB, while off, or in the wrong "
				       "slot", mmu->cpu, i, (unsigned long long)va);
		if (*u->ver != u->ver_seen || u->gen != *mmu->tlb_gen)
			continue;	/* outdated: never used again */
		for (unsigned int a = 0; a < 8; a++)
			if ((a & 2) == side && !mmu->perm[a][perm_key(u->x.prot)])
				allowed |= (uint8_t)(1u << a);
		if (!tlb_peek_l1(mmu->tlb, side != 0, mmu->asid, va, &e, &stamp, &ver) ||
		    stamp != u->stamp || ver != u->ver ||
		    (e.pfn << e.shift | (va & ((1ull << e.shift) - 1))) != u->x.pa ||
		    e.shift != u->x.page_shift || e.prot != u->x.prot || u->x.tlb_level != 1 ||
		    u->x.mem_refs || u->x.leaf_level != mmu->shift_level[e.shift & 63] ||
		    u->allowed != allowed)
			return err_set(err, -EUCLEAN, "", 0, 0, "cpu %d: micro-TLB entry %u (page "
				       "0x%llx) differs from what the TLB answers", mmu->cpu, i,
				       (unsigned long long)va);
	}
	return 0;
}

int mmu_validate(const struct mmu *mmu, struct mmsim_error *err)
{
	const struct pt_format *fmt = mmu->fmt;
	for (int h = 0; h < (fmt->split == PT_SPLIT_TTBR ? 2 : 1); h++) {
		uint64_t r = mmu_root_table(mmu, h);
		if (!mmu->root[h])
			continue;
		if (r % fmt->root_align || !in_ram(mmu->ram, r, fmt->root_bytes))
			return err_set(err, -EUCLEAN, "", 0, 0,
				       "cpu %d: root %d 0x%llx misaligned or outside RAM",
				       mmu->cpu, h, (unsigned long long)r);
	}
	if (mmu->ctl.asid_bits < 16 && mmu->asid >> mmu->ctl.asid_bits)
		return err_set(err, -EUCLEAN, "", 0, 0, "cpu %d: asid %u wider than %u bits",
			       mmu->cpu, mmu->asid, mmu->ctl.asid_bits);
	uint64_t sum = 0;
	for (unsigned int i = 0; i <= PT_MAX_LEVELS; i++)
		sum += mmu->stats.walk_refs_hist[i];
	struct mmu probe = *mmu;
	build_perm(&probe);
	if (memcmp(probe.perm, mmu->perm, sizeof(probe.perm)))
		return err_set(err, -EUCLEAN, "", 0, 0, "cpu %d: control bits changed without "
			       "mmu_set_ctl (the TLB-hit permission table is stale)", mmu->cpu);
	if (sum != mmu->stats.walks)
		return err_set(err, -EUCLEAN, "", 0, 0,
			       "cpu %d: %llu walks but %llu in the reference histogram", mmu->cpu,
			       (unsigned long long)mmu->stats.walks, (unsigned long long)sum);
	if (mmu->walker != MMU_WALKER_GENERIC && mmu->walker != fmt_walker(fmt))
		return err_set(err, -EUCLEAN, "", 0, 0, "cpu %d: walk loop %u is not for format %s",
			       mmu->cpu, mmu->walker, fmt->name);
	int rc = utlb_validate(mmu, err);
	if (rc)
		return rc;
	if (mmu->tlb)
		return tlb_validate(mmu->tlb, err);
	return 0;
}

/*
 * The MMU of one simulated CPU: root registers, the TLB hierarchy, and the page-table walker
 * that reads entries from simulated RAM in the format's real layout.
 *
 * The MMU knows nothing of the memory manager. A translation either yields a physical
 * address or a fault record (struct mmu_fault) that says exactly why the hardware stopped;
 * the CPU loop hands the record to the fault handler (mm/memory.c, a later issue) and retries.
 *
 * One access (mmu_translate):
 *
 *   va --micro-TLB: the 4 KiB page and access of a recent L1 hit, TLB unchanged since?
 *         yes: repeat that hit inline (mmu_translate below) --> pa
 *      --canonical?--> no: MMU_FAULT_NONCANONICAL
 *      --TLB L1/L2 hit, allowed, (store: already dirty)--> pa            (no memory reference)
 *      --PWC: deepest cached upper level--> start the walk below it
 *      --walk: read entry at each level from RAM (1 memory reference each)
 *              not present -> MMU_FAULT_NOT_PRESENT (level)
 *              reserved bit -> MMU_FAULT_RESERVED (level)
 *              leaf -> check user/write/exec against the AND of every level's prot
 *                      violation -> MMU_FAULT_PROT (which check in .why)
 *                      arm64 AF=0 without hardware AF -> MMU_FAULT_ACCESS_FLAG
 *              set A (and D on a store) in the entry in RAM, as the hardware does
 *      --fill TLB (and PWC for the upper levels)--> pa
 *
 * Invariants (mmu_validate): root registers aligned to the format's root_align and inside
 * RAM; asid below 1 << asid_bits; the TLB's own invariants; stats.walks ==
 * sum of walk_refs histogram entries; perm[][] and shift_level[] are what ctl and the
 * format give (ctl is changed only through mmu_set_ctl); every micro-TLB entry of the
 * current TLB generation repeats exactly what the TLB's L1 hint would answer (same entry,
 * same stamp, an access the permissions allow without A/D work).
 */
#ifndef MMSIM_HW_MMU_H
#define MMSIM_HW_MMU_H
#include <stdbool.h>
#include <stdint.h>
#include "arch/pgtable.h"
#include "hw/physmem.h"
#include "hw/tlb.h"

struct mmsim_error;
struct strbuf;

/* Access kinds (bit 0-1) and the privilege of the access (MMU_USER). */
#define MMU_READ	0u
#define MMU_WRITE	1u
#define MMU_EXEC	2u
#define MMU_KIND_MASK	3u
#define MMU_USER	4u	/* CPL 3 / EL0; without it the access is supervisor / EL1 */

enum mmu_fault_type {
	MMU_OK = 0,
	MMU_FAULT_NONCANONICAL,	/* x86 #GP; arm64 translation fault at level 0 */
	MMU_FAULT_NOT_PRESENT,	/* entry at .level not present / invalid */
	MMU_FAULT_RESERVED,	/* reserved bit set in entry at .level */
	MMU_FAULT_PROT,		/* permission: .why says which check */
	MMU_FAULT_ACCESS_FLAG,	/* arm64: AF = 0 and hardware AF management off */
	MMU_FAULT_ADDRESS_SIZE,	/* output address beyond the format's / RAM's physical range */
};

enum mmu_prot_why {
	MMU_WHY_NONE = 0,
	MMU_WHY_WRITE,		/* store to a read-only page (user, or supervisor with CR0.WP) */
	MMU_WHY_USER,		/* user access to a supervisor-only page */
	MMU_WHY_EXEC,		/* fetch from a no-execute page (NX / UXN / PXN) */
	MMU_WHY_SMEP,		/* supervisor fetch from a user page (SMEP; arm64: PXN implied) */
	MMU_WHY_SMAP,		/* supervisor data access to a user page (SMAP / PAN) */
};

/* What the hardware reports when a translation fails. */
struct mmu_fault {
	enum mmu_fault_type type;
	enum mmu_prot_why why;
	uint64_t va;
	unsigned int access;	/* MMU_READ/WRITE/EXEC | MMU_USER */
	int level;		/* walk level of the entry at fault, -1 when none */
	uint64_t entry;		/* raw entry at that level (0 when none) */
	uint64_t entry_pa;	/* where that entry lives */
	/*
	 * x86: the #PF error code (P=1 W/R=2 U/S=4 RSVD=8 I/D=16); arm64: ESR_ELx with EC
	 * (0x24/0x25 data abort, 0x20/0x21 instruction abort from lower/same EL), WnR and
	 * the DFSC/IFSC (translation 0b0001LL, access flag 0b0010LL, permission 0b0011LL,
	 * address size 0b0000LL).
	 */
	uint64_t code;
};

/* A successful translation. */
struct mmu_xlat {
	uint64_t pa;
	uint8_t page_shift;	/* size of the page that mapped it */
	int8_t leaf_level;	/* walk level of the leaf (from the TLB entry on a hit) */
	uint8_t tlb_level;	/* 1 L1 hit, 2 L2 hit, 0 walked */
	uint8_t mem_refs;	/* entries read from RAM by this translation's walk */
	uint32_t prot;		/* effective PTE_* bits */
};

/* One step of a walk, for explaining it (mmu_walk_explain). */
struct mmu_walk_step {
	int level;
	unsigned int index;
	uint64_t table_pa;	/* physical address of the table read */
	uint64_t entry_pa;	/* physical address of the entry: table_pa + index * entry_size */
	uint64_t raw;		/* entry as read (before A/D updates) */
	uint64_t raw_after;	/* entry after the hardware's A/D updates */
	struct pte_desc desc;
	int decode_rc;		/* 0, or -EINVAL for a reserved bit */
};

/* Control bits that change how the walker behaves. */
struct mmu_ctl {
	bool pcide;		/* x86 CR4.PCIDE: CR3[11:0] is a PCID tagging TLB entries */
	bool wp;		/* x86 CR0.WP: supervisor stores honour read-only (Linux sets it) */
	bool nxe;		/* x86 EFER.NXE: bit 63 is NX (else reserved) */
	bool pse;		/* i386 2-level CR4.PSE: 4 MiB pages */
	bool pge;		/* x86 CR4.PGE: global entries survive CR3 writes */
	bool smep, smap;	/* x86 supervisor-mode execution/access prevention; arm64 PAN */
	bool hw_af;		/* arm64 TCR_EL1.HA: hardware sets AF (else access-flag fault) */
	bool hw_dbm;		/* arm64 TCR_EL1.HD: hardware dirty state through DBM */
	uint8_t asid_bits;	/* 12 for PCID; 8 or 16 for arm64 ASIDs; 0 untagged (i386) */
};

struct mmu_stats {
	uint64_t kind[4];		/* accesses by kind: [MMU_READ], [MMU_WRITE], [MMU_EXEC] */
	uint64_t walks;			/* page walks started (TLB misses + dirty re-walks) */
	uint64_t walk_refs;		/* entries read from RAM by all walks */
	uint64_t walk_refs_hist[PT_MAX_LEVELS + 1];	/* walks by number of references */
	uint64_t dirty_walks;		/* walks caused by a store hitting a clean TLB entry */
	uint64_t faults[MMU_FAULT_ADDRESS_SIZE + 1];
	uint64_t ad_updates;		/* A/D bit writes to RAM */
	uint64_t root_switches;		/* CR3 / TTBR0 writes */
	uint64_t ipis_sent, ipis_received;	/* TLB shootdown interrupts */
};

/*
 * The micro-TLB: a direct-mapped cache of recent L1 TLB hits in front of the TLB, checked
 * inline by mmu_translate. An entry repeats one hit exactly: the 4 KiB page and side (data
 * or instruction) it was made for, the result, the accesses the permissions allow there
 * without A/D work, and how the hit touched the TLB (tick the L1 structure's clock, stamp
 * the entry), which is all an L1 hit changes (tlb.c). It is live while the L1 slot keeps
 * the version it had (no fill over it, no invalidation, no prot update) and the TLB's
 * generation is the one it was filled under (tlb_generation); mmu_set_root and mmu_set_ctl
 * empty it (new asid, new permission rules). Only hits in L1 arrays under LRU are cached,
 * so every counter stays what the TLB alone would count.
 */
#define MMU_UTLB_SIZE	64	/* entries, a power of two */
#define MMU_UTLB_EMPTY	(~0ull)	/* tag of an empty entry: no (page, side) gives it */
struct mmu_utlb_entry {
	uint64_t tag;		/* (va >> 12) << 1 | instruction side, or MMU_UTLB_EMPTY */
	uint64_t *clock;	/* the L1 structure's clock */
	uint64_t *stamp;	/* the L1 entry's LRU stamp */
	const uint32_t *ver;	/* the L1 slot's version */
	uint64_t gen;		/* TLB generation it was filled under */
	struct mmu_xlat x;	/* the result; x.pa is the address of the 4 KiB page */
	uint32_t ver_seen;	/* *ver when filled */
	uint8_t allowed;	/* bit (access & 7) set: that access is allowed, no A/D work */
};
/* One CPU's MMU. */
struct mmu {
	const struct pt_format *fmt;
	const struct physmem *ram;	/* entries are read and A/D-updated through this */
	uint64_t root[2];		/* x86: root[0] = CR3; arm64: TTBR0_EL1, TTBR1_EL1 (BADDR
					   in bits 47:1, ASID in 63:48 of TTBR0 (TCR.A1 = 0;
					   Linux uses A1 = 1, same tagging)); i386: CR3 */
	uint16_t asid;			/* current PCID/ASID (from CR3[11:0] or TTBR0[63:48]) */
	struct mmu_ctl ctl;		/* read-only: change it with mmu_set_ctl() */
	struct tlb *tlb;		/* NULL: no TLB, every access walks */
	int cpu;
	struct mmu_stats stats;
	/* Derived, for the TLB-hit path (rebuilt by mmu_set_ctl; checked by mmu_validate): */
	int8_t shift_level[64];		/* walk level of a leaf of 1 << shift bytes, or -1 */
	uint8_t perm[8][64];		/* [access][perm_key(prot)]: enum mmu_prot_why, with
					   MMU_PERM_STORE_WALK when a store must re-walk to set D */
	uint8_t walker;			/* enum mmu_walker: which walk loop (from fmt) */
	bool utlb_off;			/* micro-TLB not filled (mmu_set_fast_path) */
	const uint64_t *tlb_gen;	/* tlb_generation(tlb), or a constant without a TLB */
	struct mmu_utlb_entry utlb[MMU_UTLB_SIZE];
};
#define MMU_PERM_STORE_WALK 0x80

/* Walk loops: the generic one through the format's ops, or one specialised for a format. */
enum mmu_walker {
	MMU_WALKER_GENERIC,
	MMU_WALKER_X86_64,	/* x86-64 4- and 5-level: 8-byte entries decoded in the loop */
};

/* Replace the control bits (recomputes the permission table of the TLB-hit path). */
void mmu_set_ctl(struct mmu *mmu, const struct mmu_ctl *ctl);

/* Default control bits for a format as Linux runs it (WP, NXE, PGE, PCID when 64-bit ...). */
void mmu_ctl_default(const struct pt_format *fmt, struct mmu_ctl *ctl);

/* Set up an MMU on RAM ram with format fmt and TLB config tlbcfg (NULL: none). */
int mmu_init(struct mmu *mmu, const struct pt_format *fmt, const struct physmem *ram,
	     const struct tlb_config *tlbcfg, uint64_t seed, int cpu);
void mmu_destroy(struct mmu *mmu);

/*
 * Load the root register of half `half` (0 user / TTBR0, 1 TTBR1) with a table at root_pa
 * and asid. x86 (half 0): a CR3 write; without PCID it flushes every non-global entry
 * (all when !pge); with PCID and noflush (CR3 bit 63) nothing is flushed. arm64: TTBR
 * writes never flush (ASIDs tag entries). -EINVAL for a misaligned root or asid too wide.
 */
int mmu_set_root(struct mmu *mmu, int half, uint64_t root_pa, uint16_t asid, bool noflush);

/* The table a root register points at (PCID, ASID and flag bits stripped). */
uint64_t mmu_root_table(const struct mmu *mmu, int half);

/* mmu_translate without the micro-TLB check (the micro-TLB is filled on an L1 hit). */
int mmu_translate_slow(struct mmu *mmu, uint64_t va, unsigned int access, struct mmu_xlat *x,
		       struct mmu_fault *f);

/*
 * Micro-TLB slot and tag of (va, access): the 4 KiB page and the TLB side, instruction
 * (MMU_EXEC; the invalid kind 3 too, which no entry allows) or data. The page number is
 * folded with itself shifted by 4 so that consecutive 16 KiB and 64 KiB pages (4 KiB page
 * numbers 4 or 16 apart) spread over the slots too.
 */
static inline unsigned int mmu_utlb_index(uint64_t va, unsigned int access)
{
	uint64_t page = va >> 12;

	return (unsigned int)(page ^ (page >> 4) ^ ((uint64_t)(access & 2) << 3)) &
	       (MMU_UTLB_SIZE - 1);
}

static inline uint64_t mmu_utlb_tag(uint64_t va, unsigned int access)
{
	return (va >> 12) << 1 | ((access >> 1) & 1);
}

/*
 * Translate va for `access`. Returns 0 and fills *x, or a positive enum mmu_fault_type and
 * fills *f (never both). Hot path: a live micro-TLB entry repeats an earlier L1 TLB hit
 * here, inline, counting the access and the TLB lookup as the TLB would; everything else
 * goes out of line. The tag holds every bit of va above the page offset, so a
 * non-canonical address never matches.
 */
static inline int mmu_translate(struct mmu *mmu, uint64_t va, unsigned int access,
				struct mmu_xlat *x, struct mmu_fault *f)
{
	struct mmu_utlb_entry *u = &mmu->utlb[mmu_utlb_index(va, access)];

	if (__builtin_expect(u->tag == mmu_utlb_tag(va, access) &&
			     (u->allowed >> (access & 7) & 1) && *u->ver == u->ver_seen &&
			     u->gen == *mmu->tlb_gen, 1)) {
		mmu->stats.kind[access & MMU_KIND_MASK]++;
		*u->stamp = ++*u->clock;
		*x = u->x;
		x->pa |= va & 0xfff;
		return 0;
	}
	return mmu_translate_slow(mmu, va, access, x, f);
}

/*
 * Use the micro-TLB (on, the default) or not (off: every access takes the out-of-line
 * path). Results and counters are the same either way; tests compare the two.
 */
void mmu_set_fast_path(struct mmu *mmu, bool on);

/*
 * The same translation, step by step, for teaching: fills steps[0..*nsteps) and performs
 * every side effect mmu_translate would (TLB probe and fill, A/D updates, counters).
 */
int mmu_walk_explain(struct mmu *mmu, uint64_t va, unsigned int access, struct mmu_xlat *x,
		     struct mmu_fault *f, struct mmu_walk_step *steps, unsigned int *nsteps);

/* Invalidate one page (INVLPG / TLBI VAE1) on this CPU. */
void mmu_flush_page(struct mmu *mmu, uint64_t va);
/* Invalidate everything of asid on this CPU. */
void mmu_flush_asid(struct mmu *mmu, uint16_t asid);
/* Invalidate the whole TLB of this CPU (global entries too unless keep_global). */
void mmu_flush_all(struct mmu *mmu, bool keep_global);

/*
 * TLB shootdown: the initiator flushes [start, end) of asid locally and sends an IPI to
 * every other CPU in cpus[0..n) whose mask bit is set (the CPUs that may cache the
 * address space); each receiver flushes too. A range above `ceiling` pages becomes a full
 * ASID flush, as Linux's tlb_single_page_flush_ceiling (33) does. Counts IPIs.
 */
void mmu_shootdown(struct mmu *cpus, unsigned int n, unsigned int initiator,
		   const uint64_t *cpumask, uint16_t asid, uint64_t start, uint64_t end);

/* Name of a fault type / protection reason ("not present", "write to read-only page"). */
const char *mmu_fault_name(enum mmu_fault_type t);
const char *mmu_why_name(enum mmu_prot_why w);
/* One line: "not present at pmd (PD) entry 0x...: #PF error code 0x6 (W U)". */
void mmu_fault_format(const struct mmu *mmu, const struct mmu_fault *f, struct strbuf *sb);

int mmu_validate(const struct mmu *mmu, struct mmsim_error *err);
#endif

/*
 * TLBs and page-walk caches of one simulated CPU.
 *
 * Glossary
 *   array      one set-associative store of translations: sets x ways entries holding pages of
 *              the sizes in its page_sizes mask. 1 way = direct-mapped, 1 set = fully
 *              associative. Replacement LRU, tree pseudo-LRU or seeded random.
 *   structure  a named TLB made of 1..TLB_MAX_ARRAYS arrays probed together, e.g. Intel's
 *              L1 dTLB = {64x4 for 4K, 32x4 for 2M/4M, 4x4 for 1G}; an entry lives in the first
 *              array whose page_sizes holds its size.
 *   hierarchy  L1 iTLB + L1 dTLB per CPU, an optional unified L2 (STLB) behind both, and the
 *              page-walk caches (PWC). An L2 hit refills the L1; a walk fills L1 and L2.
 *   PWC        paging-structure caches: for an upper level L, (asid, va >> level[L].shift)
 *              -> physical address of the table at level L+1 and the permissions the levels
 *              down to L allow. A hit lets the walker start below level L.
 *   tag        an entry matches va when vpn == va >> shift and (global or asid equal).
 *
 * Invariants (tlb_validate): every valid entry sits in the set its vpn indexes; no two valid
 * entries of one array translate the same (vpn, asid) - global entries count for every asid;
 * LRU stamps within a set are distinct; every counter equals the sum of its parts (lookups ==
 * hits + misses at each structure).
 */
#ifndef MMSIM_HW_TLB_H
#define MMSIM_HW_TLB_H
#include <stdbool.h>
#include <stdint.h>
#include "util/rng.h"

struct mmsim_error;
struct strbuf;

enum tlb_repl { TLB_REPL_LRU, TLB_REPL_PLRU, TLB_REPL_RANDOM };

#define TLB_MAX_ARRAYS	4
#define TLB_PS(shift)	(1ull << (shift))	/* page_sizes bit for pages of 1 << shift bytes */

struct tlb_array_cfg {
	uint32_t sets;		/* power of two, >= 1 */
	uint32_t ways;		/* >= 1 (need not be a power of two, except under PLRU) */
	uint64_t page_sizes;	/* TLB_PS(12) | TLB_PS(21) ... */
	enum tlb_repl repl;
};

struct tlb_struct_cfg {
	char name[16];			/* "L1i", "L1d", "L2" */
	unsigned int nr_arrays;		/* 0 = absent */
	struct tlb_array_cfg array[TLB_MAX_ARRAYS];
};

#define PWC_MAX_LEVELS 4
struct pwc_cfg {
	unsigned int nr;		/* 0 = no page-walk cache */
	struct {
		uint8_t level;		/* walk level whose entries it caches (0 = root) */
		struct tlb_array_cfg geom;	/* page_sizes unused */
	} cache[PWC_MAX_LEVELS];
};

struct tlb_config {
	char preset[32];		/* preset name, or "custom" */
	const char *source;		/* where the figures come from (static string) */
	struct tlb_struct_cfg l1i, l1d, l2;
	struct pwc_cfg pwc;
};

/* One cached translation. */
struct tlb_entry {
	uint64_t vpn;		/* va >> shift */
	uint64_t pfn;		/* pa >> shift */
	uint16_t asid;		/* PCID / ASID it was filled under */
	uint8_t shift;		/* page size */
	uint8_t flags;		/* TLBE_* */
	uint32_t prot;		/* PTE_* bits of the whole walk (arch/pgtable.h), incl. DIRTY */
};
#define TLBE_VALID	0x01
#define TLBE_GLOBAL	0x02

/* Counters of one structure. */
struct tlb_struct_stats {
	uint64_t lookups, hits, misses, fills, evictions, invalidations;
};
struct tlb_stats {
	struct tlb_struct_stats l1i, l1d, l2;
	uint64_t pwc_lookups[PWC_MAX_LEVELS], pwc_hits[PWC_MAX_LEVELS];
	uint64_t flush_page, flush_asid, flush_all;	/* invalidation requests */
};

struct tlb;	/* opaque outside tlb.c: struct tlb is defined there */

/* Presets: "none", "skylake", "zen4", "cortex-a76", "tiny" ... NULL-terminated. */
const char *const *tlb_preset_names(void);
/* Fill cfg from a preset. -ENOENT for an unknown name. */
int tlb_config_preset(const char *name, struct tlb_config *cfg);
/*
 * Parse a preset name or an explicit description (grammar in docs/tlb.md). On error
 * returns -EINVAL, fills err (column of the offending text) and leaves *cfg unchanged.
 */
int tlb_config_parse(const char *text, struct tlb_config *cfg, struct mmsim_error *err);
/* Check a configuration (powers of two, non-empty page-size masks ...). 0 or -EINVAL. */
int tlb_config_check(const struct tlb_config *cfg, struct mmsim_error *err);
/* Print cfg back in the grammar tlb_config_parse reads. */
void tlb_config_format(const struct tlb_config *cfg, struct strbuf *sb);

/* A TLB hierarchy for one CPU; seed drives random replacement. -ENOMEM / -EINVAL. */
int tlb_create(const struct tlb_config *cfg, uint64_t seed, struct tlb **out);
void tlb_free(struct tlb *t);

/*
 * Look va up for an instruction fetch (instr) or data access under asid. Returns the
 * structure that hit (1 = L1, 2 = L2, which also refills the L1) and fills *e, or 0 on a
 * miss. Counts lookups/hits/misses.
 */
int tlb_lookup(struct tlb *t, bool instr, uint16_t asid, uint64_t va, struct tlb_entry *e);
/*
 * What an L1 hit touched, so that a cache in front of the TLB (the MMU's micro-TLB, mmu.h)
 * can repeat the hit with exactly the same effects: tick *clock and store the new value in
 * *stamp. *ver is the slot's version: it changes whenever the slot's entry is written or
 * invalidated (not when it is used). All NULL when the hit cannot be repeated that way (an
 * L2 hit or a miss, or an L1 array under PLRU or random replacement).
 */
struct tlb_hit_ref {
	uint64_t *clock;	/* the L1 structure's clock (lookups are derived from it) */
	uint64_t *stamp;	/* the hit entry's LRU stamp */
	const uint32_t *ver;	/* the hit slot's version */
};
/*
 * tlb_lookup, also saying how to repeat an L1 hit (see struct tlb_hit_ref), returning the
 * entry in place instead of a copy (NULL on a miss; *level = 1 or 2 as tlb_lookup returns).
 * The entry is valid until the next call that changes the TLB.
 */
const struct tlb_entry *tlb_lookup_ref(struct tlb *t, bool instr, uint16_t asid, uint64_t va,
				       int *level, struct tlb_hit_ref *ref);
/*
 * The generation of the hierarchy. A remembered L1 hit of (va, asid) on an entry is answered
 * again by that entry, with the same effects (tick the clock, stamp the entry), while the
 * entry's slot keeps its version (tlb_hit_ref: no fill over it, no invalidation, no prot
 * update) and the generation is unchanged. The generation moves on what could make a
 * lookup of (va, asid) find another entry first: an L1 lookup that takes the hint bucket of
 * a page that more than one entry translates (a page size changed without an
 * invalidation), and an L1 fill that may add a translation of another size for addresses
 * an entry already translates.
 */
const uint64_t *tlb_generation(const struct tlb *t);
/*
 * Without side effects: the entry an L1 (i or d) lookup of (va, asid) would hit (the hinted
 * one if it still translates va, else the first in probe order), with its LRU stamp and
 * version pointers (NULL when the array has none). 1, or 0 for an L1 miss.
 */
int tlb_peek_l1(const struct tlb *t, bool instr, uint16_t asid, uint64_t va,
		struct tlb_entry *e, const uint64_t **stamp, const uint32_t **ver);
/* Fill a translation a walk produced into the L1 (i or d) and the L2. */
void tlb_insert(struct tlb *t, bool instr, const struct tlb_entry *e);
/* Update the prot of the cached (asid, va) entries in place (e.g. DIRTY after a store walk). */
void tlb_update_prot(struct tlb *t, uint16_t asid, uint64_t va, uint32_t prot);

/*
 * Deepest page-walk-cache hit for va: returns the level L whose cached entry gives the
 * next table (so the walk resumes at L+1) and fills *table_pa and *prot, or -1 on a miss.
 */
int pwc_lookup(struct tlb *t, uint16_t asid, uint64_t va, uint64_t *table_pa, uint32_t *prot);
/* Remember that at `level`, va's entry points at table_pa with accumulated prot. */
void pwc_insert(struct tlb *t, uint16_t asid, uint64_t va, unsigned int level,
		uint64_t table_pa, uint32_t prot);
/*
 * Tell the page-walk caches how much VA one entry of each walk level covers: shift[l] =
 * fmt->level[l].shift for l < nr (<= PT_MAX_LEVELS). A level-L cache is keyed by
 * va >> shift[L]; the configuration cannot know it because it is format-independent. Until
 * this is called (mmu_init, after tlb_create) the PWC caches nothing: pwc_insert is ignored
 * and pwc_lookup misses. Drops every PWC entry. -EINVAL for nr too large or a shift outside
 * 12..63.
 */
int tlb_set_walk_shifts(struct tlb *t, const uint8_t *shift, unsigned int nr);

/*
 * Invalidation. x86 INVLPG drops (asid, va) including global entries; arm64 TLBI VAE1
 * likewise for one ASID, TLBI VAAE1 for every ASID (all_asids). Page-walk-cache entries
 * covering va go too, as the architectures require.
 */
void tlb_flush_page(struct tlb *t, uint16_t asid, uint64_t va, bool all_asids);
/* Every non-global entry of asid (INVPCID single-context / TLBI ASIDE1). */
void tlb_flush_asid(struct tlb *t, uint16_t asid);
/* Everything; global entries survive when keep_global (CR3 write without PCID). */
void tlb_flush_all(struct tlb *t, bool keep_global);

/*
 * The counters. lookups and hits (and pwc_lookups / pwc_hits) are derived from a clock per
 * structure (the hit path updates one counter only) and are brought up to date by each
 * call: read them through a fresh call.
 */
const struct tlb_stats *tlb_stats(const struct tlb *t);
const struct tlb_config *tlb_get_config(const struct tlb *t);
void tlb_reset_stats(struct tlb *t);
/* Number of valid entries of each structure (for reports and tests). */
void tlb_occupancy(const struct tlb *t, uint64_t *l1i, uint64_t *l1d, uint64_t *l2);
int tlb_validate(const struct tlb *t, struct mmsim_error *err);
#endif

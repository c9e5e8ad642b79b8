/*
 * TLBs and page-walk caches of one simulated CPU (hw/tlb.h; the model, the configuration
 * grammar, the presets and the invalidation rules are explained in docs/tlb.md).
 *
 * Hierarchy: the L1 iTLB or L1 dTLB is probed first, then the unified L2. An L2 hit copies the
 * entry into the L1; a walk fills the L1 and the L2. The levels are non-inclusive: an entry the
 * L1 evicts is simply dropped (it is not written back to the L2), and an entry the L2 evicts
 * may stay in the L1. A structure caches only the page sizes one of its arrays holds: a 1 GiB
 * page in an L2 of 4K+2M arrays is not cached there (hardware that "splinters" large pages
 * into smaller L1 entries, as the Cortex-A76 does, is not modelled).
 *
 * One array in memory (sets x ways entries; set s holds slots s * ways .. s * ways + ways - 1):
 *
 *   e[slot]      struct tlb_entry; an invalid entry has flags 0, shift TLB_NO_SHIFT and vpn
 *                ~0, so neither tag compare (vpn and shift, or va >> (shift & 63) == vpn)
 *                matches it and no probe needs a valid test
 *   stamp[slot]  LRU only: the clock at the entry's last use, 0 for an invalid entry. The
 *                clock of a TLB array is its structure's: it ticks once per lookup and once
 *                per fill, so the one counter a hit updates both counts the lookup and
 *                stamps the entry (lookups and hits are derived from it, tlb_stats)
 *   plru[set]    PLRU only: ways - 1 tree bits of the set
 *   plru_upd[w]  PLRU only: the bits a use of way w sets and clears, precomputed so that the
 *                hit path updates the tree with one and/or instead of walking it
 *   index[h]     arrays of more than TLB_SCAN_WAYS ways: open-addressing hash (linear probing,
 *                at most half full) from (vpn, shift) to slot, so a hit in a 64-96 entry fully
 *                associative array costs one or two probes instead of a scan of every way.
 *                A bucket keeps the 32-bit hash of its entry beside the slot: a probe reads
 *                an entry only when the hashes agree, and a deletion finds the home bucket of
 *                the entries it shifts without reading them (each would be a cache miss)
 *   lru_cand[set * TLB_LRU_CANDS ..], lru_n[set]
 *                LRU arrays of more than TLB_SCAN_WAYS ways: the next victims of the set, a
 *                stack of (stamp, slot), oldest on top, taken by one scan of the set's stamps.
 *                A candidate is live while its slot's stamp still equals the cached one. Why
 *                the top live candidate is the exact LRU way: stamps only grow (a touch or a
 *                fill takes a fresh clock value) except when an entry is removed (stamp 0),
 *                and a removal empties the set's stack; so a way not on the stack, older than
 *                none of the candidates at the scan, never becomes older than a live one. An
 *                empty stack (lru_n 0) is refilled by a scan. Saves the scan of 12-72 stamps
 *                on all but one in TLB_LRU_CANDS evictions
 *
 * Hints. Each structure has a direct-mapped table of TLB_HINTS buckets indexed by the 4 KiB
 * page number of va and the asid; a bucket names the slot that last hit for that (page, asid).
 * A lookup checks that one entry first: if it still translates va for asid the lookup is a
 * hit in a handful of instructions, whatever the structure's geometry (a 96-entry fully
 * associative array, several page sizes). Otherwise the full probe runs (out of line) and
 * refreshes the bucket. Hints are never trusted: the entry is checked every time, so nothing
 * has to invalidate them. One difference from the full probe: when a structure holds two
 * translations of va of different sizes (the page size changed without an invalidation; the
 * Intel SDM, "Details of TLB Use", leaves open which one the processor uses) the hinted one
 * is used.
 *
 * Page-walk caches reuse the array: a level-L entry has vpn = va >> shift of level L (given by
 * tlb_set_walk_shifts), pfn = the physical address of the level L+1 table (a full address, not
 * a frame number), prot = the permissions the levels 0..L allow, and is never global.
 *
 * Invariants (tlb_validate): every valid entry sits in the set its vpn indexes and has a shift
 * its array holds; no two valid entries of an array match the same (vpn, shift, asid), a global
 * entry matching every asid; LRU stamps of the valid entries of a set are distinct, non-zero
 * and not above the clock, invalid entries have stamp 0; the hash index holds exactly the
 * valid slots, each reachable from its home bucket; nr_at[k] counts the valid entries of size
 * shifts[k], and a structure's live mask the sizes with entries; every hint names an
 * existing slot (and that slot's entry and stamp); a
 * structure's clock ticks since the last reset cover its fills and misses (so lookups ==
 * hits + misses with hits >= 0), and the same for every page-walk cache.
 */
#include "hw/tlb.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/pgtable.h"
#include "util/error.h"
#include "util/strbuf.h"

#define TLB_NO_SHIFT	0xff
#define TLB_SLOT_NONE	UINT32_MAX
#define TLB_SCAN_WAYS	8		/* sets of more ways are found through the hash index */
#define TLB_MAX_ENTRIES	65536u		/* per array */
#define TLB_MAX_SIZES	8		/* page sizes per array */
#define TLB_MIN_SHIFT	12		/* 4 KiB */
#define TLB_MAX_SHIFT	40		/* 1024 GiB */
#define PLRU_MAX_WAYS	64		/* ways - 1 tree bits in one uint64_t */
#define TLB_LRU_CANDS	8		/* victims remembered per LRU set (see lru_cand) */

/*
 * Random replacement of array a of structure u draws from an xoshiro256** generator seeded
 * with seed + TLB_RNG_SALT(u, a), u = 1 L1i, 2 L1d, 3 L2, 4 PWC (a = cache index).
 */
#define TLB_RNG_SALT(u, a)	(0x100ull * (u) + (a))

/* A bucket of the hash index: slot TLB_SLOT_NONE = empty; hash = idx_hash() of the entry. */
struct idx_bucket {
	uint32_t hash;
	uint32_t slot;
};

/* A remembered LRU victim: slot, and its stamp when remembered. */
struct lru_cand {
	uint64_t stamp;
	uint32_t slot;
};

struct tlb_array {
	/* hot: read by every probe */
	uint8_t nr_shifts;		/* page sizes held, ascending */
	uint8_t shifts[TLB_MAX_SIZES];
	uint32_t nr_at[TLB_MAX_SIZES];	/* valid entries of size shifts[k]; probes skip 0 */
	uint8_t index_shift;		/* 64 - log2(index buckets) */
	uint8_t ways_log2;		/* PLRU only */
	enum tlb_repl repl;
	uint32_t set_mask;		/* sets - 1 */
	uint32_t ways;
	uint32_t index_mask;		/* buckets - 1 */
	struct tlb_entry *e;
	struct idx_bucket *index;	/* NULL when ways <= TLB_SCAN_WAYS */
	uint64_t *stamp;		/* LRU only */
	uint32_t *ver;			/* L1 under LRU only: bumped when the slot's entry is
					   written or invalidated (not when it is used), see
					   tlb_hit_ref */
	uint64_t *clock;		/* stamp source: the structure's clock, or own_clock */
	uint64_t own_clock;		/* page-walk caches */
	uint64_t *live;			/* TLB_PS() of the sizes with valid entries, kept for
					   the whole structure (each size is in one array) */
	uint64_t own_live;		/* page-walk caches */
	uint64_t (*plru_upd)[2];	/* PLRU only: [way] = { bits to set, bits to clear } */
	/* cold */
	uint64_t *plru;			/* PLRU only */
	struct lru_cand *lru_cand;	/* LRU with ways > TLB_SCAN_WAYS only */
	uint8_t *lru_n;			/* live-or-stale candidates on each set's stack */
	uint64_t page_sizes;		/* TLB_PS() mask of shifts[] */
	struct rng rng;			/* RANDOM only */
};

#define TLB_HINTS	512		/* hint buckets per structure */

/* Where (page, asid) last hit: slot `slot` of array `arr`, at e. page ~0 = empty bucket. */
struct tlb_hint {
	uint64_t page;			/* va >> 12 */
	struct tlb_entry *e;		/* &a[arr].e[slot] */
	uint64_t *stamp;		/* &a[arr].stamp[slot] under LRU, else NULL */
	uint32_t slot;
	uint16_t asid;
	uint8_t arr;
};

/* One structure: L1i, L1d or L2. */
struct tlb_unit {
	unsigned int nr;		/* arrays; 0 = absent */
	uint64_t clock;			/* ticks once per lookup and once per fill, never reset */
	uint64_t mark;			/* clock at the last tlb_reset_stats */
	uint64_t *gen;			/* the hierarchy's generation (struct tlb.gen) */
	uint64_t live;			/* TLB_PS() of the page sizes with valid entries */
	bool l1;			/* an L1 (its hits may be repeated by the MMU) */
	struct tlb_hint hint[TLB_HINTS];
	struct tlb_array a[TLB_MAX_ARRAYS];
};

struct tlb {
	struct tlb_unit l1d, l1i, l2;
	/*
	 * Generation: bumped by the changes to an L1 entry or hint that leave the entry's LRU
	 * stamp as it was: a prot update, and a hint bucket moving from one live entry to
	 * another (see tlb_generation).
	 */
	uint64_t gen;
	unsigned int nr_pwc;
	struct tlb_array pwc[PWC_MAX_LEVELS];	/* deepest level first */
	uint8_t pwc_level[PWC_MAX_LEVELS];	/* walk level of pwc[i] */
	/* pwc[i].own_clock ticks per probe and per fill: lookups and hits are derived */
	uint64_t pwc_fills[PWC_MAX_LEVELS], pwc_misses[PWC_MAX_LEVELS];
	uint64_t pwc_mark[PWC_MAX_LEVELS];	/* own_clock at the last tlb_reset_stats */
	uint8_t walk_shift[PT_MAX_LEVELS];
	unsigned int nr_walk_shifts;		/* 0 until tlb_set_walk_shifts */
	struct tlb_stats stats;
	struct tlb_config cfg;
};

/* ==== one array ============================================================================ */

/* 32-bit hash of (vpn, shift) (multiplicative hashing: the top bits of the product). */
static inline uint32_t idx_hash(uint64_t vpn, unsigned int shift)
{
	return (uint32_t)(((vpn ^ ((uint64_t)shift << 56)) * 0x9e3779b97f4a7c15ull) >> 32);
}

/* Home bucket of hash value hv in a's index: its top log2(buckets) bits. */
static inline uint32_t idx_home(const struct tlb_array *a, uint32_t hv)
{
	return hv >> a->index_shift;
}

/* Does e translate (vpn at shift) for asid? Invalid entries never do (shift TLB_NO_SHIFT). */
static inline bool ent_match(const struct tlb_entry *e, uint64_t vpn, unsigned int shift,
			     uint16_t asid)
{
	return e->vpn == vpn && e->shift == shift && (e->asid == asid || (e->flags & TLBE_GLOBAL));
}

/*
 * Bit w set when way w of the set at e translates (vpn at shift) for asid. Computed without
 * branches: which way hits is unpredictable, and a mispredicted loop exit costs more than
 * comparing every way of a small set.
 */
static inline __attribute__((always_inline)) uint32_t
set_match_n(const struct tlb_entry *e, uint32_t ways, uint64_t vpn, unsigned int shift,
	    uint16_t asid)
{
	uint32_t m = 0;

#pragma GCC unroll 8
	for (uint32_t w = 0; w < ways; w++)
		m |= (uint32_t)((e[w].vpn == vpn) & (e[w].shift == shift) &
				((e[w].asid == asid) | ((e[w].flags & TLBE_GLOBAL) != 0))) << w;
	return m;
}

/* set_match_n, unrolled for the usual associativities. */
static inline __attribute__((always_inline)) uint32_t
set_match(const struct tlb_entry *e, uint32_t ways, uint64_t vpn, unsigned int shift, uint16_t asid)
{
	switch (ways) {
	case 1: return set_match_n(e, 1, vpn, shift, asid);
	case 2: return set_match_n(e, 2, vpn, shift, asid);
	case 4: return set_match_n(e, 4, vpn, shift, asid);
	case 8: return set_match_n(e, 8, vpn, shift, asid);
	default: return set_match_n(e, ways, vpn, shift, asid);
	}
}

/* Slot of a's entry translating (vpn at shift) for asid, or TLB_SLOT_NONE. */
static inline __attribute__((always_inline)) uint32_t
arr_find(const struct tlb_array *a, uint64_t vpn, unsigned int shift, uint16_t asid)
{
	if (a->index) {
		uint32_t hv = idx_hash(vpn, shift), h = idx_home(a, hv), s;

		while ((s = a->index[h].slot) != TLB_SLOT_NONE) {
			if (a->index[h].hash == hv && ent_match(&a->e[s], vpn, shift, asid))
				return s;
			h = (h + 1) & a->index_mask;
		}
		return TLB_SLOT_NONE;
	}
	uint32_t base = (uint32_t)(vpn & a->set_mask) * a->ways;
	uint32_t m = set_match(&a->e[base], a->ways, vpn, shift, asid);

	return m ? base + (uint32_t)__builtin_ctz(m) : TLB_SLOT_NONE;
}

/*
 * Tree pseudo-LRU over ways = 2^k: node 0 is the root, node n has children 2n+1 (lower half of
 * its ways) and 2n+2 (upper half). A bit set means "the next victim is in the upper half".
 *
 *              b0
 *          b1      b2          4 ways: touching way 1 sets b0 = 1 (go right next time)
 *        w0  w1  w2  w3        and clears b1 (in the left half, w0 is older than w1)
 */
static void plru_touch(uint64_t *bits, uint32_t ways, uint32_t way)
{
	uint32_t node = 0, lo = 0, n = ways;

	while (n > 1) {
		n >>= 1;
		if (way < lo + n) {
			*bits |= 1ull << node;
			node = 2 * node + 1;
		} else {
			*bits &= ~(1ull << node);
			lo += n;
			node = 2 * node + 2;
		}
	}
}

/* The way the PLRU bits point at. */
static uint32_t plru_victim(uint64_t bits, uint32_t ways)
{
	uint32_t node = 0, lo = 0, n = ways;

	while (n > 1) {
		n >>= 1;
		if (bits >> node & 1) {
			lo += n;
			node = 2 * node + 2;
		} else {
			node = 2 * node + 1;
		}
	}
	return lo;
}

/* Record a use of slot at clock value now for the array's replacement policy. */
static inline void arr_touch(struct tlb_array *a, uint32_t slot, uint64_t now)
{
	if (a->repl == TLB_REPL_LRU)
		a->stamp[slot] = now;
	else if (a->repl == TLB_REPL_PLRU) {
		uint64_t *bits = &a->plru[slot >> a->ways_log2];
		const uint64_t *upd = a->plru_upd[slot & (a->ways - 1)];

		*bits = (*bits | upd[0]) & ~upd[1];
	}
}

/* Add slot (whose entry is written) to the hash index. */
static void idx_insert(struct tlb_array *a, uint32_t slot)
{
	uint32_t hv = idx_hash(a->e[slot].vpn, a->e[slot].shift), h = idx_home(a, hv);

	while (a->index[h].slot != TLB_SLOT_NONE)
		h = (h + 1) & a->index_mask;
	a->index[h] = (struct idx_bucket){ .hash = hv, .slot = slot };
}

/*
 * Remove slot (whose entry is still intact) from the hash index by backward shifting: each
 * later entry of the probe run moves into the hole unless its home bucket lies cyclically in
 * (hole, its position], where it would no longer be found.
 */
static void idx_delete(struct tlb_array *a, uint32_t slot)
{
	uint32_t m = a->index_mask;
	uint32_t i = idx_home(a, idx_hash(a->e[slot].vpn, a->e[slot].shift)), j;

	while (a->index[i].slot != slot)
		i = (i + 1) & m;
	for (j = (i + 1) & m; a->index[j].slot != TLB_SLOT_NONE; j = (j + 1) & m) {
		uint32_t home = idx_home(a, a->index[j].hash);

		if (((j - home) & m) >= ((j - i) & m)) {
			a->index[i] = a->index[j];
			i = j;
		}
	}
	a->index[i].slot = TLB_SLOT_NONE;
}

/* Make e an invalid entry (see the layout above). */
static void ent_clear(struct tlb_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->vpn = ~0ull;
	e->shift = TLB_NO_SHIFT;
}

/* Index of page size `shift` in a->shifts[] (the array holds it). */
static unsigned int size_idx(const struct tlb_array *a, unsigned int shift)
{
	unsigned int k = 0;

	while (k + 1 < a->nr_shifts && a->shifts[k] != shift)
		k++;
	return k;
}

/* The valid entry at slot leaves the hash index and the per-size count. */
static void arr_unlink(struct tlb_array *a, uint32_t slot)
{
	if (a->index)
		idx_delete(a, slot);
	if (!--a->nr_at[size_idx(a, a->e[slot].shift)])
		*a->live &= ~TLB_PS(a->e[slot].shift);
}

/* The entry just written at slot joins the hash index and the per-size count. */
static void arr_link(struct tlb_array *a, uint32_t slot)
{
	if (a->index)
		idx_insert(a, slot);
	if (!a->nr_at[size_idx(a, a->e[slot].shift)]++)
		*a->live |= TLB_PS(a->e[slot].shift);
}

/* Invalidate slot. */
static void arr_remove(struct tlb_array *a, uint32_t slot)
{
	arr_unlink(a, slot);
	ent_clear(&a->e[slot]);
	if (a->stamp)
		a->stamp[slot] = 0;
	if (a->ver)
		a->ver[slot]++;
	if (a->lru_n)		/* stamp 0 is older than every candidate: rescan */
		a->lru_n[(uint32_t)(slot / a->ways)] = 0;
}

/* Do two entries translate the same thing for some asid (same tag; asid equal or global)? */
static bool ent_overlap(const struct tlb_entry *x, const struct tlb_entry *y)
{
	return x->vpn == y->vpn && x->shift == y->shift &&
	       (x->asid == y->asid || ((x->flags | y->flags) & TLBE_GLOBAL));
}

/* A valid slot other than skip whose entry overlaps e, or TLB_SLOT_NONE. */
static uint32_t arr_conflict(const struct tlb_array *a, const struct tlb_entry *e, uint32_t skip)
{
	if (a->index) {
		uint32_t hv = idx_hash(e->vpn, e->shift), h = idx_home(a, hv), s;

		for (; (s = a->index[h].slot) != TLB_SLOT_NONE; h = (h + 1) & a->index_mask)
			if (a->index[h].hash == hv && s != skip && ent_overlap(&a->e[s], e))
				return s;
		return TLB_SLOT_NONE;
	}
	uint32_t base = (uint32_t)(e->vpn & a->set_mask) * a->ways;
	for (uint32_t s = base; s < base + a->ways; s++)
		if (s != skip && (a->e[s].flags & TLBE_VALID) && ent_overlap(&a->e[s], e))
			return s;
	return TLB_SLOT_NONE;
}

/*
 * Least recently used way of the set at base; an invalid way (stamp 0) first, lowest first.
 * The smallest stamp is found first with four independent branch-free minimums (the position
 * of the oldest way is unpredictable, and a 72-way set is common), then its way.
 */
static uint32_t lru_victim(const struct tlb_array *a, uint32_t base)
{
	const uint64_t *st = &a->stamp[base];
	uint64_t m0 = UINT64_MAX, m1 = UINT64_MAX, m2 = UINT64_MAX, m3 = UINT64_MAX;
	uint32_t w = 0, n = a->ways;

	for (; w + 4 <= n; w += 4) {
		m0 = st[w] < m0 ? st[w] : m0;
		m1 = st[w + 1] < m1 ? st[w + 1] : m1;
		m2 = st[w + 2] < m2 ? st[w + 2] : m2;
		m3 = st[w + 3] < m3 ? st[w + 3] : m3;
	}
	for (; w < n; w++)
		m0 = st[w] < m0 ? st[w] : m0;
	m0 = m1 < m0 ? m1 : m0;
	m2 = m3 < m2 ? m3 : m2;
	m0 = m2 < m0 ? m2 : m0;
	for (w = 0; st[w] != m0; w++)
		;
	return base + w;
}

/*
 * Refill set's candidate stack with its TLB_LRU_CANDS oldest ways in (stamp, way) order,
 * the oldest on top (so equal stamps, which only invalid ways share, go lowest way first).
 */
static void lru_scan(struct tlb_array *a, uint32_t set)
{
	struct lru_cand best[TLB_LRU_CANDS], *c = &a->lru_cand[set * TLB_LRU_CANDS];
	uint32_t base = set * a->ways, n = 0;
	const uint64_t *st = &a->stamp[base];

	for (uint32_t w = 0; w < a->ways; w++) {
		uint32_t j;

		if (n == TLB_LRU_CANDS && st[w] >= best[n - 1].stamp)
			continue;
		j = n < TLB_LRU_CANDS ? n++ : n - 1;
		for (; j > 0 && best[j - 1].stamp > st[w]; j--)
			best[j] = best[j - 1];
		best[j] = (struct lru_cand){ .stamp = st[w], .slot = base + w };
	}
	for (uint32_t i = 0; i < n; i++)
		c[i] = best[n - 1 - i];
	a->lru_n[set] = (uint8_t)n;
}

/* The LRU way of set through its candidate stack (stale candidates dropped), see lru_cand. */
static uint32_t lru_victim_cached(struct tlb_array *a, uint32_t set)
{
	const struct lru_cand *c = &a->lru_cand[set * TLB_LRU_CANDS];
	uint8_t *n = &a->lru_n[set];

	for (;;) {
		while (*n && a->stamp[c[*n - 1].slot] != c[*n - 1].stamp)
			(*n)--;
		if (*n)
			return c[*n - 1].slot;
		lru_scan(a, set);
	}
}

/* The slot a new entry of set `set` replaces: the lowest invalid way, else the policy's. */
static uint32_t arr_victim(struct tlb_array *a, uint32_t set)
{
	uint32_t base = set * a->ways;

	if (a->lru_cand)
		return lru_victim_cached(a, set);
	if (a->repl == TLB_REPL_LRU)
		return lru_victim(a, base);
	for (uint32_t s = base; s < base + a->ways; s++)
		if (!(a->e[s].flags & TLBE_VALID))
			return s;
	if (a->repl == TLB_REPL_PLRU)
		return base + plru_victim(a->plru[set], a->ways);
	return base + (uint32_t)rng_below(&a->rng, a->ways);
}

/*
 * Write e into a: over an entry that translates the same (vpn, shift, asid) if there is one
 * (others that overlap too, e.g. per-asid copies under a new global entry, are dropped), else
 * into the victim way. Returns the number of valid entries lost.
 */
static unsigned int arr_fill(struct tlb_array *a, const struct tlb_entry *e)
{
	unsigned int lost = 0;
	uint32_t slot = arr_conflict(a, e, TLB_SLOT_NONE), other;

	if (slot != TLB_SLOT_NONE) {
		while ((other = arr_conflict(a, e, slot)) != TLB_SLOT_NONE) {
			arr_remove(a, other);
			lost++;
		}
		arr_unlink(a, slot);
	} else {
		slot = arr_victim(a, (uint32_t)(e->vpn & a->set_mask));
		if (a->e[slot].flags & TLBE_VALID) {
			lost++;
			arr_unlink(a, slot);
		}
	}
	a->e[slot] = *e;
	a->e[slot].flags = (uint8_t)((e->flags & TLBE_GLOBAL) | TLBE_VALID);
	if (a->ver)
		a->ver[slot]++;
	arr_link(a, slot);
	arr_touch(a, slot, ++*a->clock);
	return lost;
}

/* Which entries an invalidation drops. */
struct tlb_sel {
	bool by_va;		/* only entries translating va */
	uint64_t va;
	bool by_asid;		/* only non-global entries of asid ... */
	uint16_t asid;
	bool global;		/* ... and global entries are dropped too */
};

/* Does the invalidation s drop valid entry e? */
static bool sel_match(const struct tlb_sel *s, const struct tlb_entry *e)
{
	if (s->by_va && e->vpn != s->va >> e->shift)
		return false;
	if (e->flags & TLBE_GLOBAL)
		return s->global;
	return !s->by_asid || e->asid == s->asid;
}

/* Drop the valid entries of slots [from, to) that s selects; returns how many. */
static uint64_t arr_drop_range(struct tlb_array *a, const struct tlb_sel *s, uint32_t from,
			       uint32_t to)
{
	uint64_t n = 0;

	for (uint32_t i = from; i < to; i++) {
		if ((a->e[i].flags & TLBE_VALID) && sel_match(s, &a->e[i])) {
			arr_remove(a, i);
			n++;
		}
	}
	return n;
}

/* Drop the entries s selects from a (only the sets va indexes when s is by va). */
static uint64_t arr_drop(struct tlb_array *a, const struct tlb_sel *s)
{
	uint64_t n = 0;

	if (!s->by_va)
		return arr_drop_range(a, s, 0, (a->set_mask + 1) * a->ways);
	for (unsigned int k = 0; k < a->nr_shifts; k++) {
		uint32_t base = (uint32_t)((s->va >> a->shifts[k]) & a->set_mask) * a->ways;

		if (a->nr_at[k])
			n += arr_drop_range(a, s, base, base + a->ways);
	}
	return n;
}

/* Valid entries of a. */
static uint64_t arr_count(const struct tlb_array *a)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < (a->set_mask + 1) * a->ways; i++)
		n += a->e[i].flags & TLBE_VALID;
	return n;
}

/* Number of buckets of the hash index of an array of n entries: a power of two >= 2n, >= 16. */
static uint32_t idx_buckets(uint32_t n)
{
	uint32_t b = 16;

	while (b < 2 * n)
		b <<= 1;
	return b;
}

/*
 * Set up array a with geometry g; every entry invalid; slot versions kept when `versions`
 * (L1 arrays under LRU: only their hits are repeated by the MMU). 0 or -ENOMEM.
 */
static int arr_init(struct tlb_array *a, const struct tlb_array_cfg *g, uint64_t seed,
		    bool versions)
{
	uint32_t n = g->sets * g->ways;

	memset(a, 0, sizeof(*a));
	a->set_mask = g->sets - 1;
	a->ways = g->ways;
	a->repl = g->repl;
	a->page_sizes = g->page_sizes;
	a->clock = &a->own_clock;
	a->live = &a->own_live;
	for (unsigned int s = TLB_MIN_SHIFT; s <= TLB_MAX_SHIFT; s++)
		if (g->page_sizes & TLB_PS(s))
			a->shifts[a->nr_shifts++] = (uint8_t)s;
	while ((1u << a->ways_log2) < g->ways)
		a->ways_log2++;
	rng_seed(&a->rng, seed);
	a->e = malloc((size_t)n * sizeof(*a->e));
	if (a->repl == TLB_REPL_LRU) {
		a->stamp = calloc(n, sizeof(*a->stamp));
		if (versions)
			a->ver = calloc(n, sizeof(*a->ver));
	}
	if (a->repl == TLB_REPL_PLRU) {
		a->plru = calloc(g->sets, sizeof(*a->plru));
		a->plru_upd = calloc(g->ways, sizeof(*a->plru_upd));
	}
	if (g->ways > TLB_SCAN_WAYS) {
		uint32_t b = idx_buckets(n);

		a->index = malloc((size_t)b * sizeof(*a->index));
		a->index_mask = b - 1;
		a->index_shift = (uint8_t)(32 - __builtin_ctz(b));
		if (a->repl == TLB_REPL_LRU) {
			a->lru_cand = malloc((size_t)g->sets * TLB_LRU_CANDS *
					     sizeof(*a->lru_cand));
			a->lru_n = calloc(g->sets, sizeof(*a->lru_n));
		}
	}
	if (!a->e || (a->repl == TLB_REPL_LRU && (!a->stamp || (versions && !a->ver))) ||
	    (a->repl == TLB_REPL_PLRU && (!a->plru || !a->plru_upd)) ||
	    (g->ways > TLB_SCAN_WAYS && !a->index) ||
	    (g->ways > TLB_SCAN_WAYS && a->repl == TLB_REPL_LRU && (!a->lru_cand || !a->lru_n)))
		return -ENOMEM;
	for (uint32_t w = 0; a->plru_upd && w < g->ways; w++) {
		uint64_t ones = ~0ull, zeros = 0;

		plru_touch(&ones, g->ways, w);		/* bits the walk clears stay 0 */
		plru_touch(&zeros, g->ways, w);		/* bits the walk sets become 1 */
		a->plru_upd[w][0] = zeros;
		a->plru_upd[w][1] = ~ones;
	}
	if (a->index)
		memset(a->index, 0xff, (size_t)(a->index_mask + 1) * sizeof(*a->index));
	for (uint32_t i = 0; i < n; i++)
		ent_clear(&a->e[i]);
	return 0;
}

/* Release a's buffers. */
static void arr_free(struct tlb_array *a)
{
	free(a->e);
	free(a->stamp);
	free(a->ver);
	free(a->plru);
	free(a->plru_upd);
	free(a->index);
	free(a->lru_cand);
	free(a->lru_n);
	memset(a, 0, sizeof(*a));
}

/* ==== structures and the hierarchy ========================================================= */

/* The hint bucket of (page, asid). */
static inline unsigned int hint_idx(uint64_t page, uint16_t asid)
{
	return (unsigned int)((page ^ ((uint64_t)asid << 3)) & (TLB_HINTS - 1));
}

static inline struct tlb_hint *hint_of(struct tlb_unit *u, uint64_t page, uint16_t asid)
{
	return &u->hint[hint_idx(page, asid)];
}

/*
 * Does an entry of u other than `not` translate va for asid (so that a full probe of va
 * might not find `not` first)?
 */
static bool unit_other_match(const struct tlb_unit *u, uint64_t va, uint16_t asid,
			     const struct tlb_entry *not)
{
	for (unsigned int i = 0; i < u->nr; i++) {
		const struct tlb_array *a = &u->a[i];

		for (unsigned int k = 0; k < a->nr_shifts; k++) {
			unsigned int sh = a->shifts[k];
			uint32_t slot = a->nr_at[k] ? arr_find(a, va >> sh, sh, asid) :
						      TLB_SLOT_NONE;

			if (slot != TLB_SLOT_NONE && &a->e[slot] != not)
				return true;
		}
	}
	return false;
}

/*
 * The full probe: every array of u, every size it holds, in order; the first entry
 * translating va for asid is stamped with `now`, remembered in the hint and returned.
 */
static __attribute__((noinline)) struct tlb_entry *unit_probe(struct tlb_unit *u, uint16_t asid,
							      uint64_t va, uint64_t now)
{
	for (unsigned int i = 0; i < u->nr; i++) {
		struct tlb_array *a = &u->a[i];

		for (unsigned int k = 0; k < a->nr_shifts; k++) {
			unsigned int s = a->shifts[k];
			uint32_t slot;

			if (!a->nr_at[k])
				continue;
			slot = arr_find(a, va >> s, s, asid);
			if (slot != TLB_SLOT_NONE) {
				struct tlb_hint *h = hint_of(u, va >> 12, asid);

				arr_touch(a, slot, now);
				/* the hint named another page's entry: a later lookup of that page
				   probes in full, which finds the same entry unless another one
				   translates the page too, which takes two cached sizes (an L1
				   only: see tlb_generation) */
				if (u->l1 && h->page != ~0ull && (u->live & (u->live - 1)) &&
				    (h->page != va >> 12 || h->asid != asid) &&
				    unit_other_match(u, h->page << 12, h->asid, h->e))
					++*u->gen;
				*h = (struct tlb_hint){
					.page = va >> 12, .e = &a->e[slot], .slot = slot,
					.stamp = a->stamp ? &a->stamp[slot] : NULL,
					.asid = asid, .arr = (uint8_t)i,
				};
				return &a->e[slot];
			}
		}
	}
	return NULL;
}

/* The hinted entry of u if it translates va for asid (ticked and stamped), else NULL. */
static inline struct tlb_entry *unit_hinted(struct tlb_unit *u, uint16_t asid, uint64_t va)
{
	struct tlb_hint *h = hint_of(u, va >> 12, asid);

	if (h->page == va >> 12 && h->asid == asid) {
		struct tlb_entry *x = h->e;

		if (x->vpn == va >> (x->shift & 63) &&
		    (x->asid == asid || (x->flags & TLBE_GLOBAL))) {
			if (h->stamp)
				*h->stamp = ++u->clock;
			else
				arr_touch(&u->a[h->arr], h->slot, ++u->clock);
			return x;
		}
	}
	return NULL;
}

/*
 * Look va up in u for asid: the hinted entry first, then the full probe. Ticks u's clock
 * when u exists (a lookup); returns the entry, already stamped, or NULL.
 */
static struct tlb_entry *unit_lookup(struct tlb_unit *u, uint16_t asid, uint64_t va)
{
	struct tlb_entry *x = unit_hinted(u, asid, va);

	if (x || !u->nr)
		return x;
	return unit_probe(u, asid, va, ++u->clock);
}

/* Fill e into the first array of u holding its page size (none: u does not cache it). */
static void unit_fill(struct tlb_unit *u, struct tlb_struct_stats *st, const struct tlb_entry *e)
{
	if (e->shift >= 64)
		return;
	for (unsigned int i = 0; i < u->nr; i++) {
		if (u->a[i].page_sizes & TLB_PS(e->shift)) {
			st->fills++;
			st->evictions += arr_fill(&u->a[i], e);
			return;
		}
	}
}

/*
 * Before e is filled into an L1 structure holding entries of other sizes (`other`): when e
 * may become a second translation of some address next to one of another size (a larger
 * entry covering it: probed; a smaller one inside it, or e global: assumed), a lookup whose
 * hint has moved could find either: a new generation (see tlb_generation).
 */
static __attribute__((noinline)) void
l1_overlap(struct tlb_unit *u, const struct tlb_entry *e, uint64_t other)
{
	uint64_t va = e->vpn << (e->shift & 63);

	if ((other & (TLB_PS(e->shift & 63) - 1)) || (e->flags & TLBE_GLOBAL)) {
		++*u->gen;
		return;
	}
	for (unsigned int i = 0; i < u->nr; i++) {
		const struct tlb_array *a = &u->a[i];

		for (unsigned int k = 0; k < a->nr_shifts; k++) {
			unsigned int sh = a->shifts[k];

			if ((other & TLB_PS(sh)) &&
			    arr_find(a, va >> sh, sh, e->asid) != TLB_SLOT_NONE) {
				++*u->gen;
				return;
			}
		}
	}
}

/* Fill e into an L1 structure (see l1_overlap). */
static inline void unit_fill_l1(struct tlb_unit *u, struct tlb_struct_stats *st,
				const struct tlb_entry *e)
{
	uint64_t other = u->live & ~TLB_PS(e->shift & 63);

	if (other)		/* rare: something of another size is cached */
		l1_overlap(u, e, other);
	unit_fill(u, st, e);
}

/* Drop what s selects from every array of u, counting invalidations. */
static void unit_drop(struct tlb_unit *u, struct tlb_struct_stats *st, const struct tlb_sel *s)
{
	for (unsigned int i = 0; i < u->nr; i++)
		st->invalidations += arr_drop(&u->a[i], s);
}

/* Valid entries of u. */
static uint64_t unit_count(const struct tlb_unit *u)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < u->nr; i++)
		n += arr_count(&u->a[i]);
	return n;
}

/* Set up unit u from c; unit_id salts the random seeds; hint moves bump *gen. 0 or -ENOMEM. */
static int unit_init(struct tlb_unit *u, const struct tlb_struct_cfg *c, uint64_t seed,
		     unsigned int unit_id, uint64_t *gen)
{
	u->nr = c->nr_arrays;
	u->gen = gen;
	u->l1 = unit_id != 3;
	memset(u->hint, 0xff, sizeof(u->hint));		/* page ~0: empty */
	for (unsigned int i = 0; i < c->nr_arrays; i++) {
		int rc = arr_init(&u->a[i], &c->array[i], seed + TLB_RNG_SALT(unit_id, i),
				  unit_id != 3);

		if (rc)
			return rc;
		u->a[i].clock = &u->clock;
		u->a[i].live = &u->live;
	}
	return 0;
}

/* Release u's arrays. */
static void unit_free(struct tlb_unit *u)
{
	for (unsigned int i = 0; i < TLB_MAX_ARRAYS; i++)
		arr_free(&u->a[i]);
	u->nr = 0;
}

/* Set up the page-walk caches of t, deepest level first. 0 or -ENOMEM. */
static int pwc_init(struct tlb *t, const struct pwc_cfg *c, uint64_t seed)
{
	unsigned int order[PWC_MAX_LEVELS];

	for (unsigned int i = 0; i < c->nr; i++) {
		unsigned int j = i;

		while (j > 0 && c->cache[order[j - 1]].level < c->cache[i].level) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	t->nr_pwc = c->nr;
	for (unsigned int i = 0; i < c->nr; i++) {
		struct tlb_array_cfg g = c->cache[order[i]].geom;
		int rc;

		g.page_sizes = 0;	/* the shift comes from tlb_set_walk_shifts */
		rc = arr_init(&t->pwc[i], &g, seed + TLB_RNG_SALT(4, order[i]), false);
		if (rc)
			return rc;
		t->pwc_level[i] = c->cache[order[i]].level;
	}
	return 0;
}

void tlb_free(struct tlb *t)
{
	if (!t)
		return;
	unit_free(&t->l1i);
	unit_free(&t->l1d);
	unit_free(&t->l2);
	for (unsigned int i = 0; i < PWC_MAX_LEVELS; i++)
		arr_free(&t->pwc[i]);
	free(t);
}

int tlb_create(const struct tlb_config *cfg, uint64_t seed, struct tlb **out)
{
	struct tlb *t;
	int rc;

	if (!cfg || !out || tlb_config_check(cfg, NULL))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cfg = *cfg;
	rc = unit_init(&t->l1i, &cfg->l1i, seed, 1, &t->gen);
	if (!rc)
		rc = unit_init(&t->l1d, &cfg->l1d, seed, 2, &t->gen);
	if (!rc)
		rc = unit_init(&t->l2, &cfg->l2, seed, 3, &t->gen);
	if (!rc)
		rc = pwc_init(t, &cfg->pwc, seed);
	if (rc) {
		tlb_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int tlb_set_walk_shifts(struct tlb *t, const uint8_t *shift, unsigned int nr)
{
	if (nr > PT_MAX_LEVELS || (nr && !shift))
		return -EINVAL;
	for (unsigned int l = 0; l < nr; l++)
		if (shift[l] < TLB_MIN_SHIFT || shift[l] > 63)
			return -EINVAL;
	memcpy(t->walk_shift, shift, nr);
	t->nr_walk_shifts = nr;
	for (unsigned int i = 0; i < t->nr_pwc; i++) {
		struct tlb_array *a = &t->pwc[i];
		struct tlb_sel all = { 0 };

		arr_drop(a, &all);	/* entries keyed under the old shifts */
		a->nr_shifts = t->pwc_level[i] < nr;
		a->shifts[0] = a->nr_shifts ? shift[t->pwc_level[i]] : 0;
		a->page_sizes = a->nr_shifts ? TLB_PS(a->shifts[0]) : 0;
	}
	return 0;
}

/*
 * The hint of the L1 did not hit: the full L1 probe, then (on a miss, counted) the L2; an L2
 * hit refills the L1.
 */
static __attribute__((noinline)) int lookup_slow(struct tlb *t, bool instr, uint16_t asid,
						 uint64_t va, struct tlb_entry *e)
{
	struct tlb_unit *l1 = instr ? &t->l1i : &t->l1d;
	struct tlb_struct_stats *s1 = instr ? &t->stats.l1i : &t->stats.l1d;
	struct tlb_entry *hit;

	if (l1->nr) {
		hit = unit_probe(l1, asid, va, ++l1->clock);
		if (hit) {
			*e = *hit;
			return 1;
		}
		s1->misses++;
	}
	hit = unit_lookup(&t->l2, asid, va);
	if (!hit) {
		if (t->l2.nr)
			t->stats.l2.misses++;
		return 0;
	}
	*e = *hit;
	unit_fill_l1(l1, s1, e);
	return 2;
}

/*
 * tlb_lookup_ref past the L1 hint: the full lookup; an L1 hit through the full probe leaves
 * the hint naming the entry it used, so the stamp pointer comes from there.
 */
static __attribute__((noinline)) const struct tlb_entry *
lookup_ref_slow(struct tlb *t, bool instr, uint16_t asid, uint64_t va, int *level,
		struct tlb_hit_ref *ref)
{
	struct tlb_unit *u = instr ? &t->l1i : &t->l1d;
	struct tlb_hint *h = hint_of(u, va >> 12, asid);
	struct tlb_entry *hit;

	ref->clock = ref->stamp = NULL;
	ref->ver = NULL;
	*level = 0;
	if (u->nr) {
		hit = unit_probe(u, asid, va, ++u->clock);
		if (hit) {
			if (h->stamp) {
				ref->clock = &u->clock;
				ref->stamp = h->stamp;
				ref->ver = &u->a[h->arr].ver[h->slot];
			}
			*level = 1;
			return hit;
		}
		(instr ? &t->stats.l1i : &t->stats.l1d)->misses++;
	}
	hit = unit_lookup(&t->l2, asid, va);
	if (!hit) {
		if (t->l2.nr)
			t->stats.l2.misses++;
		return NULL;
	}
	unit_fill_l1(u, instr ? &t->stats.l1i : &t->stats.l1d, hit);
	*level = 2;
	return hit;
}

/*
 * The hot path: the hinted L1 entry checked, the clock ticked (the lookup count and the LRU
 * stamp at once), the entry copied. Everything else is a tail call out of line, so this
 * needs no stack frame.
 */
int tlb_lookup(struct tlb *t, bool instr, uint16_t asid, uint64_t va, struct tlb_entry *e)
{
	struct tlb_entry *hit = unit_hinted(instr ? &t->l1i : &t->l1d, asid, va);

	if (__builtin_expect(hit != NULL, 1)) {
		*e = *hit;
		return 1;
	}
	return lookup_slow(t, instr, asid, va, e);
}

const struct tlb_entry *tlb_lookup_ref(struct tlb *t, bool instr, uint16_t asid, uint64_t va,
				       int *level, struct tlb_hit_ref *ref)
{
	struct tlb_unit *u = instr ? &t->l1i : &t->l1d;
	struct tlb_hint *h = hint_of(u, va >> 12, asid);

	/* unit_hinted, keeping the hint: its stamp pointer is set exactly under LRU */
	if (__builtin_expect(h->page == va >> 12 && h->asid == asid, 1)) {
		struct tlb_entry *x = h->e;
		uint64_t *stamp = h->stamp;

		if (x->vpn == va >> (x->shift & 63) &&
		    (x->asid == asid || (x->flags & TLBE_GLOBAL))) {
			uint64_t now = ++u->clock;

			if (stamp)
				*stamp = now;
			else
				arr_touch(&u->a[h->arr], h->slot, now);
			ref->clock = stamp ? &u->clock : NULL;
			ref->stamp = stamp;
			ref->ver = stamp ? &u->a[h->arr].ver[h->slot] : NULL;
			*level = 1;
			return x;
		}
	}
	return lookup_ref_slow(t, instr, asid, va, level, ref);
}

int tlb_peek_l1(const struct tlb *t, bool instr, uint16_t asid, uint64_t va,
		struct tlb_entry *e, const uint64_t **stamp, const uint32_t **ver)
{
	const struct tlb_unit *u = instr ? &t->l1i : &t->l1d;
	const struct tlb_hint *h = &u->hint[hint_idx(va >> 12, asid)];
	const struct tlb_entry *x = h->e;

	if (h->page == va >> 12 && h->asid == asid && x->vpn == va >> (x->shift & 63) &&
	    (x->asid == asid || (x->flags & TLBE_GLOBAL))) {
		const struct tlb_array *a = &u->a[h->arr];

		*e = *x;
		*stamp = h->stamp;
		*ver = a->ver ? &a->ver[h->slot] : NULL;
		return 1;
	}
	for (unsigned int i = 0; i < u->nr; i++) {	/* unit_probe's order */
		const struct tlb_array *a = &u->a[i];

		for (unsigned int k = 0; k < a->nr_shifts; k++) {
			unsigned int sh = a->shifts[k];
			uint32_t slot = a->nr_at[k] ? arr_find(a, va >> sh, sh, asid) :
						      TLB_SLOT_NONE;

			if (slot != TLB_SLOT_NONE) {
				*e = a->e[slot];
				*stamp = a->stamp ? &a->stamp[slot] : NULL;
				*ver = a->ver ? &a->ver[slot] : NULL;
				return 1;
			}
		}
	}
	return 0;
}

const uint64_t *tlb_generation(const struct tlb *t)
{
	return &t->gen;
}

void tlb_insert(struct tlb *t, bool instr, const struct tlb_entry *e)
{
	if (instr)
		unit_fill_l1(&t->l1i, &t->stats.l1i, e);
	else
		unit_fill_l1(&t->l1d, &t->stats.l1d, e);
	unit_fill(&t->l2, &t->stats.l2, e);
}

/* Set the prot of u's entries translating va for asid. */
static void unit_update_prot(struct tlb_unit *u, uint16_t asid, uint64_t va, uint32_t prot)
{
	for (unsigned int i = 0; i < u->nr; i++) {
		struct tlb_array *a = &u->a[i];

		for (unsigned int k = 0; k < a->nr_shifts; k++) {
			unsigned int s = a->shifts[k];
			uint32_t slot = arr_find(a, va >> s, s, asid);

			if (slot != TLB_SLOT_NONE) {
				a->e[slot].prot = prot;
				if (a->ver)
					a->ver[slot]++;
			}
		}
	}
}

void tlb_update_prot(struct tlb *t, uint16_t asid, uint64_t va, uint32_t prot)
{
	unit_update_prot(&t->l1i, asid, va, prot);
	unit_update_prot(&t->l1d, asid, va, prot);
	unit_update_prot(&t->l2, asid, va, prot);
}

int pwc_lookup(struct tlb *t, uint16_t asid, uint64_t va, uint64_t *table_pa, uint32_t *prot)
{
	for (unsigned int i = 0; i < t->nr_pwc; i++) {
		struct tlb_array *a = &t->pwc[i];
		unsigned int lvl = t->pwc_level[i], s = a->shifts[0];
		uint32_t slot;

		uint64_t now;

		if (!a->nr_shifts)
			continue;
		now = ++a->own_clock;
		slot = a->nr_at[0] ? arr_find(a, va >> s, s, asid) : TLB_SLOT_NONE;
		if (slot != TLB_SLOT_NONE) {
			arr_touch(a, slot, now);
			*table_pa = a->e[slot].pfn;
			*prot = a->e[slot].prot;
			return (int)lvl;
		}
		t->pwc_misses[i]++;
	}
	return -1;
}

void pwc_insert(struct tlb *t, uint16_t asid, uint64_t va, unsigned int level,
		uint64_t table_pa, uint32_t prot)
{
	for (unsigned int i = 0; i < t->nr_pwc; i++) {
		struct tlb_array *a = &t->pwc[i];

		if (t->pwc_level[i] == level && a->nr_shifts) {
			struct tlb_entry e = {
				.vpn = va >> a->shifts[0], .pfn = table_pa, .asid = asid,
				.shift = a->shifts[0], .flags = TLBE_VALID, .prot = prot,
			};
			arr_fill(a, &e);
			t->pwc_fills[i]++;
			return;
		}
	}
}

/* Apply s to the three TLB structures. */
static void tlb_drop(struct tlb *t, const struct tlb_sel *s)
{
	unit_drop(&t->l1i, &t->stats.l1i, s);
	unit_drop(&t->l1d, &t->stats.l1d, s);
	unit_drop(&t->l2, &t->stats.l2, s);
}

/* Apply s to the page-walk caches. */
static void pwc_drop(struct tlb *t, const struct tlb_sel *s)
{
	for (unsigned int i = 0; i < t->nr_pwc; i++)
		arr_drop(&t->pwc[i], s);
}

/*
 * INVLPG (Intel SDM vol. 3A 4.10.4.1): drops the TLB entries for the page number of va that
 * are associated with the current PCID, and the global ones for that page number whatever
 * their PCID; and "all entries in all paging-structure caches associated with the current
 * PCID, regardless of the linear addresses to which they correspond". TLBI VAE1 (Arm ARM)
 * requires less of the walk cache (the entries used to translate va with that ASID), so the
 * same rule serves it. TLBI VAAE1 (all_asids): every entry, of any ASID, used to translate va,
 * walk-cache entries included.
 */
void tlb_flush_page(struct tlb *t, uint16_t asid, uint64_t va, bool all_asids)
{
	struct tlb_sel tlb = { .by_va = true, .va = va, .by_asid = !all_asids, .asid = asid,
			       .global = true };
	struct tlb_sel pwc = { .by_va = all_asids, .va = va, .by_asid = !all_asids,
			       .asid = asid };

	t->stats.flush_page++;
	tlb_drop(t, &tlb);
	pwc_drop(t, &pwc);
}

/*
 * INVPCID single-context (SDM: every mapping of the PCID except global translations, which
 * covers the paging-structure caches) / TLBI ASIDE1 (non-global last-level entries and every
 * walk-cache entry of the ASID).
 */
void tlb_flush_asid(struct tlb *t, uint16_t asid)
{
	struct tlb_sel s = { .by_asid = true, .asid = asid };

	t->stats.flush_asid++;
	tlb_drop(t, &s);
	pwc_drop(t, &s);
}

/*
 * A CR3 write without PCIDs, INVPCID all-context, TLBI VMALLE1: every TLB entry (global ones
 * only when !keep_global) and every page-walk-cache entry (those are never global).
 */
void tlb_flush_all(struct tlb *t, bool keep_global)
{
	struct tlb_sel s = { .global = !keep_global };
	struct tlb_sel all = { 0 };

	t->stats.flush_all++;
	tlb_drop(t, &s);
	pwc_drop(t, &all);
}

/* Derive u's lookups and hits from its clock: ticks since the reset minus the fills. */
static void unit_sync(const struct tlb_unit *u, struct tlb_struct_stats *st)
{
	st->lookups = u->clock - u->mark - st->fills;
	st->hits = st->lookups - st->misses;
}

const struct tlb_stats *tlb_stats(const struct tlb *t)
{
	/* t is never a const object (tlb_create allocates it): refreshing the derived counters */
	struct tlb *w = (struct tlb *)t;

	unit_sync(&w->l1i, &w->stats.l1i);
	unit_sync(&w->l1d, &w->stats.l1d);
	unit_sync(&w->l2, &w->stats.l2);
	for (unsigned int i = 0; i < w->nr_pwc; i++) {
		uint64_t probes = w->pwc[i].own_clock - w->pwc_mark[i] - w->pwc_fills[i];

		w->stats.pwc_lookups[w->pwc_level[i]] = probes;
		w->stats.pwc_hits[w->pwc_level[i]] = probes - w->pwc_misses[i];
	}
	return &w->stats;
}

const struct tlb_config *tlb_get_config(const struct tlb *t)
{
	return &t->cfg;
}

void tlb_reset_stats(struct tlb *t)
{
	memset(&t->stats, 0, sizeof(t->stats));
	t->l1i.mark = t->l1i.clock;	/* the clocks go on: they are the LRU stamps */
	t->l1d.mark = t->l1d.clock;
	t->l2.mark = t->l2.clock;
	for (unsigned int i = 0; i < t->nr_pwc; i++) {
		t->pwc_mark[i] = t->pwc[i].own_clock;
		t->pwc_fills[i] = t->pwc_misses[i] = 0;
	}
}

void tlb_occupancy(const struct tlb *t, uint64_t *l1i, uint64_t *l1d, uint64_t *l2)
{
	if (l1i)
		*l1i = unit_count(&t->l1i);
	if (l1d)
		*l1d = unit_count(&t->l1d);
	if (l2)
		*l2 = unit_count(&t->l2);
}

/* ==== validation =========================================================================== */

#define VFAIL(...) err_set(err, -EUCLEAN, "", 0, 0, __VA_ARGS__)

/* Placement, shape and pairwise distinctness of the valid entries of one set. */
static int set_validate(const struct tlb_array *a, const char *name, uint32_t set,
			struct mmsim_error *err)
{
	uint32_t base = set * a->ways;

	for (uint32_t i = base; i < base + a->ways; i++) {
		const struct tlb_entry *e = &a->e[i];

		if (!(e->flags & TLBE_VALID)) {
			if (e->shift != TLB_NO_SHIFT || e->flags || e->vpn != ~0ull ||
			    (a->stamp && a->stamp[i]))
				return VFAIL("%s: invalid slot %u is not cleared", name, i);
			continue;
		}
		if (e->shift >= 64 || !(a->page_sizes & TLB_PS(e->shift)))
			return VFAIL("%s: slot %u holds a page of shift %u the array does not hold",
				     name, i, e->shift);
		if ((e->vpn & a->set_mask) != set)
			return VFAIL("%s: slot %u (vpn 0x%llx) sits in set %u, not its set %llu",
				     name, i, (unsigned long long)e->vpn, set,
				     (unsigned long long)(e->vpn & a->set_mask));
		if (a->stamp && (!a->stamp[i] || a->stamp[i] > *a->clock))
			return VFAIL("%s: slot %u has LRU stamp %llu (clock %llu)", name, i,
				     (unsigned long long)a->stamp[i],
				     (unsigned long long)*a->clock);
		for (uint32_t j = base; j < i; j++) {
			if (!(a->e[j].flags & TLBE_VALID))
				continue;
			if (ent_overlap(&a->e[j], e))
				return VFAIL("%s: slots %u and %u both translate vpn 0x%llx "
					     "for asid %u", name, j, i,
					     (unsigned long long)e->vpn, e->asid);
			if (a->stamp && a->stamp[j] == a->stamp[i])
				return VFAIL("%s: slots %u and %u share LRU stamp %llu", name, j, i,
					     (unsigned long long)a->stamp[i]);
		}
	}
	return 0;
}

/* The hash index holds exactly the valid slots, each found from its home bucket. */
static int idx_validate(const struct tlb_array *a, const char *name, struct mmsim_error *err)
{
	uint64_t held = 0;

	for (uint32_t h = 0; h <= a->index_mask; h++) {
		uint32_t s = a->index[h].slot;

		if (s == TLB_SLOT_NONE)
			continue;
		held++;
		if (s > a->set_mask * a->ways + a->ways - 1 || !(a->e[s].flags & TLBE_VALID))
			return VFAIL("%s: index bucket %u names slot %u, not a valid entry",
				     name, h, s);
		if (a->index[h].hash != idx_hash(a->e[s].vpn, a->e[s].shift))
			return VFAIL("%s: index bucket %u keeps hash 0x%x, slot %u's is 0x%x", name,
				     h, a->index[h].hash, s, idx_hash(a->e[s].vpn, a->e[s].shift));
		for (uint32_t k = idx_home(a, a->index[h].hash); k != h;
		     k = (k + 1) & a->index_mask)
			if (a->index[k].slot == TLB_SLOT_NONE)
				return VFAIL("%s: slot %u is cut off from its home bucket %u", name,
					     s, k);
	}
	if (held != arr_count(a))
		return VFAIL("%s: index holds %llu slots, the array %llu valid entries", name,
			     (unsigned long long)held, (unsigned long long)arr_count(a));
	return 0;
}

/* Each set's candidate stack lies in the set and its top live candidate is the LRU way. */
static int lru_cand_validate(const struct tlb_array *a, const char *name, struct mmsim_error *err)
{
	for (uint32_t set = 0; set <= a->set_mask; set++) {
		const struct lru_cand *c = &a->lru_cand[set * TLB_LRU_CANDS];
		uint32_t n = a->lru_n[set], base = set * a->ways;

		if (n > TLB_LRU_CANDS)
			return VFAIL("%s: set %u has %u LRU candidates", name, set, n);
		for (uint32_t i = 0; i < n; i++)
			if (c[i].slot < base || c[i].slot >= base + a->ways)
				return VFAIL("%s: LRU candidate slot %u is not in set %u", name,
					     c[i].slot, set);
		while (n && a->stamp[c[n - 1].slot] != c[n - 1].stamp)
			n--;
		if (n && c[n - 1].slot != lru_victim(a, base))
			return VFAIL("%s: set %u: LRU candidate slot %u, the LRU way is slot %u",
				     name, set, c[n - 1].slot, lru_victim(a, base));
	}
	return 0;
}

/* Every invariant of one array. */
static int arr_validate(const struct tlb_array *a, const char *name, struct mmsim_error *err)
{
	uint32_t count[TLB_MAX_SIZES] = { 0 };

	for (uint32_t set = 0; set <= a->set_mask; set++) {
		int rc = set_validate(a, name, set, err);

		if (rc)
			return rc;
	}
	for (uint32_t i = 0; i <= a->set_mask * a->ways + a->ways - 1; i++)
		if (a->e[i].flags & TLBE_VALID)
			count[size_idx(a, a->e[i].shift)]++;
	for (unsigned int k = 0; k < a->nr_shifts; k++)
		if (count[k] != a->nr_at[k])
			return VFAIL("%s: %u valid entries of shift %u, counted %u", name, count[k],
				     a->shifts[k], a->nr_at[k]);
	if (a->lru_cand) {
		int rc = lru_cand_validate(a, name, err);

		if (rc)
			return rc;
	}
	return a->index ? idx_validate(a, name, err) : 0;
}

/* Every array of unit u and its counters. */
static int unit_validate(const struct tlb_unit *u, const struct tlb_struct_stats *st,
			 const char *name, struct mmsim_error *err)
{
	char aname[48];

	if (u->clock - u->mark < st->fills + st->misses)
		return VFAIL("%s: %llu clock ticks since the reset, fewer than %llu fills + %llu "
			     "misses", name, (unsigned long long)(u->clock - u->mark),
			     (unsigned long long)st->fills, (unsigned long long)st->misses);
	for (unsigned int h = 0; h < TLB_HINTS; h++) {
		const struct tlb_hint *x = &u->hint[h];

		const struct tlb_array *a = x->arr < u->nr ? &u->a[x->arr] : NULL;

		if (x->page != ~0ull &&
		    (!a || x->slot > a->set_mask * a->ways + a->ways - 1 ||
		     x->e != &a->e[x->slot] || x->stamp != (a->stamp ? &a->stamp[x->slot] : NULL)))
			return VFAIL("%s: hint %u names slot %u of array %u, which does not exist",
				     name, h, x->slot, x->arr + 1);
	}
	uint64_t live = 0;

	for (unsigned int i = 0; i < u->nr; i++)
		for (unsigned int k = 0; k < u->a[i].nr_shifts; k++)
			if (u->a[i].nr_at[k])
				live |= TLB_PS(u->a[i].shifts[k]);
	if (live != u->live)
		return VFAIL("%s: page sizes cached 0x%llx, recorded 0x%llx", name,
			     (unsigned long long)live, (unsigned long long)u->live);
	for (unsigned int i = 0; i < u->nr; i++) {
		int rc;

		snprintf(aname, sizeof(aname), "%s array %u", name, i + 1);
		rc = arr_validate(&u->a[i], aname, err);
		if (rc)
			return rc;
	}
	return 0;
}

int tlb_validate(const struct tlb *t, struct mmsim_error *err)
{
	char name[48];
	int rc = unit_validate(&t->l1i, &t->stats.l1i, "l1i", err);

	if (!rc)
		rc = unit_validate(&t->l1d, &t->stats.l1d, "l1d", err);
	if (!rc)
		rc = unit_validate(&t->l2, &t->stats.l2, "l2", err);
	for (unsigned int i = 0; !rc && i < t->nr_pwc; i++) {
		unsigned int lvl = t->pwc_level[i];

		snprintf(name, sizeof(name), "pwc level %u", lvl);
		if (t->pwc[i].own_clock - t->pwc_mark[i] < t->pwc_fills[i] + t->pwc_misses[i])
			return VFAIL("%s: %llu clock ticks since the reset, fewer than %llu "
				     "fills + %llu misses", name,
				     (unsigned long long)(t->pwc[i].own_clock - t->pwc_mark[i]),
				     (unsigned long long)t->pwc_fills[i],
				     (unsigned long long)t->pwc_misses[i]);
		if (t->pwc[i].nr_shifts && (lvl >= t->nr_walk_shifts ||
					    t->pwc[i].shifts[0] != t->walk_shift[lvl]))
			return VFAIL("%s: keyed by shift %u, the walk level's is %u", name,
				     t->pwc[i].shifts[0], t->walk_shift[lvl]);
		rc = arr_validate(&t->pwc[i], name, err);
	}
	return rc;
}

/* ==== configuration ======================================================================== */

/*
 * Grammar (tlb_config_parse; docs/tlb.md has examples):
 *
 *   config  := PRESET | clause { ";" clause } [ ";" ]
 *   clause  := ( "l1i" | "l1d" | "l2" ) "=" ( "none" | array { "," array } )
 *            | "pwc" "=" ( "none" | cache { "," cache } )
 *   array   := ENTRIES "x" WAYS ":" SIZE { "+" SIZE } [ "/" REPL ]
 *   cache   := LEVEL ":" ENTRIES "x" WAYS [ "/" REPL ]
 *   SIZE    := NUMBER ( "k" | "m" | "g" )       a power of two from 4k to 1024g
 *   REPL    := "lru" | "plru" | "random"        default lru
 *
 * ENTRIES must be WAYS times a power of two (the number of sets); ENTRIESxENTRIES is fully
 * associative, ENTRIESx1 direct-mapped. A size may appear in one array of a structure only:
 * an entry goes to the first array holding its size. LEVEL is the walk level whose entries
 * the cache holds (0 = the root table), 0..3, each at most once. A structure not named is
 * absent. Blanks are allowed around "=", ",", ";". tlb_config_format prints all four clauses.
 */

/*
 * Presets. Figures are from the vendors' manuals where the manuals give them; where they do
 * not, the comment says so and where the figure comes from. Replacement policies are not
 * published for any of these parts: LRU is assumed.
 */
struct tlb_preset {
	const char *name;
	const char *text;
	const char *source;
};

static const struct tlb_preset tlb_presets[] = {
	{ "none", "l1i=none; l1d=none; l2=none; pwc=none",
	  "no TLB and no page-walk cache: every access walks the page tables" },
	/*
	 * Teaching: small enough to watch every replacement. Both L1s hold every page size any
	 * format uses, so the preset works on every architecture.
	 */
	{ "tiny",
	  "l1i=8x8:4k+16k+64k+2m+4m+32m+512m+1g; l1d=8x8:4k+16k+64k+2m+4m+32m+512m+1g; "
	  "l2=none; pwc=none",
	  "teaching TLB: 8-entry fully associative L1 iTLB and L1 dTLB, LRU, no L2, no PWC" },
	/*
	 * Intel Skylake client. Intel 64 and IA-32 Architectures Optimization Reference Manual
	 * (248966-045), Table 2-15 "TLB Parameters of the Skylake Microarchitecture":
	 *   ITLB  4K: 128 entries 8-way; 2M/4M: 8 entries per thread (CPUID leaf 2 descriptor
	 *         0x76: fully associative)
	 *   DTLB  4K: 64 entries 4-way; 2M/4M: 32 entries 4-way; 1G: 4 entries 4-way (CPUID
	 *         descriptor 0x63)
	 *   STLB  4K+2M shared: 1536 entries 12-way; 1G: 16 entries 4-way (the 1G part could
	 *         not be re-checked against the manual's text here)
	 * Paging-structure caches: not published by the vendor. PML4E cache 2, PDPTE cache 4,
	 * PDE cache 32 entries is an estimate in line with the sizes MMU-cache studies assume
	 * for Intel cores (e.g. Bhattacharjee, "Large-Reach Memory Management Unit Caches",
	 * MICRO 2013; the paper's table could not be re-checked here); the associativity
	 * (fully associative, fully associative, 4-way) is an estimate too.
	 */
	{ "skylake",
	  "l1i=128x8:4k,8x8:2m+4m; l1d=64x4:4k,32x4:2m+4m,4x4:1g; l2=1536x12:4k+2m,16x4:1g; "
	  "pwc=0:2x2,1:4x4,2:32x4",
	  "Intel Skylake client: Optimization Reference Manual 248966-045 Table 2-15; "
	  "paging-structure caches not published (2/4/32 entries: estimate)" },
	/*
	 * AMD Zen 4 (Family 19h models 10h+), figures as cited from the Software Optimization
	 * Guide for the AMD Zen4 Microarchitecture (57647), memory address translation: L1 DTLB
	 * 72 entries and L1 ITLB 64 entries, fully associative, all page sizes; L2 DTLB 3072
	 * entries (4K, 2M, 1G); L2 ITLB 512 entries. The guide itself could not be retrieved
	 * with the search tool to re-check them; the L2 associativity (24-way: 128 sets) and
	 * its 1G support are unverified and should be treated as estimates. mmsim's L2 is
	 * unified: it is modelled as the L2 DTLB alone, shared by instruction fetches (the
	 * 512-entry L2 ITLB is not modelled), which overstates the L2 reach of code a little.
	 * 4 MiB legacy (i386 PSE) pages, which AMD parts split into 2 MiB entries, are cached
	 * whole. Page-walk cache: AMD caches page directory entries in the L2 TLB (Family 17h
	 * guide text, as quoted for Zen 2) and publishes no size: 4/8/32 entries is an estimate.
	 */
	{ "zen4",
	  "l1i=64x64:4k+2m+4m+1g; l1d=72x72:4k+2m+4m+1g; l2=3072x24:4k+2m+4m+1g; "
	  "pwc=0:4x4,1:8x8,2:32x4",
	  "AMD Zen 4: Software Optimization Guide 57647 (not re-checked; L2 associativity, L2 1G "
	  "support and page-walk cache sizes are estimates; L2 = the L2 DTLB, unified)" },
	/*
	 * Arm Cortex-A76. Cortex-A76 Core Technical Reference Manual (100798), A5.1 Table A5-1
	 * and A5.2: instruction L1 TLB 48 entries fully associative (4K, 16K, 64K, 2M, 32M);
	 * data L1 TLB 48 entries fully associative (4K, 16K, 64K, 2M, 512M); L2 TLB 1280 entries
	 * 5-way, shared, holding 4K, 16K, 64K, 2M, 32M, 512M and 1G, and also the intermediate
	 * table addresses of walks (the walk cache shares the L2's capacity). mmsim keeps the
	 * walk cache separate; its size is not published: 4/8/32 entries is an estimate. The
	 * A76 breaks 1G blocks into smaller L1 entries; mmsim does not, so 1G blocks hit in
	 * the L2 only.
	 */
	{ "cortex-a76",
	  "l1i=48x48:4k+16k+64k+2m+32m; l1d=48x48:4k+16k+64k+2m+512m; "
	  "l2=1280x5:4k+16k+64k+2m+32m+512m+1g; pwc=0:4x4,1:8x8,2:32x4",
	  "Arm Cortex-A76 TRM 100798 A5.1-A5.2 (walk-cache size is an estimate)" },
};

#define NR_PRESETS (sizeof(tlb_presets) / sizeof(tlb_presets[0]))

static const char *const tlb_preset_name_list[] = {
	"none", "tiny", "skylake", "zen4", "cortex-a76", NULL,
};

static const char tlb_custom_source[] = "custom description (tlb_config_parse)";

const char *const *tlb_preset_names(void)
{
	return tlb_preset_name_list;
}

/* Parsing state: the whole text, the next character, where errors go. */
struct tlb_cursor {
	const char *text;
	const char *p;
	struct mmsim_error *err;
};

/* Fail at `at`: -EINVAL with the 1-based column in err and at the head of the message. */
static int __attribute__((format(printf, 3, 4)))
perr(const struct tlb_cursor *c, const char *at, const char *fmt, ...)
{
	char msg[400];
	int col = (int)(at - c->text) + 1;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(c->err, -EINVAL, "", 0, col, "TLB description, column %d: %s", col, msg);
}

/* Skip blanks. */
static void skip_blank(struct tlb_cursor *c)
{
	while (*c->p == ' ' || *c->p == '\t')
		c->p++;
}

/* Is ch a character of a word (structure name, "none", policy)? */
static bool word_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_';
}

/* Length of the word at p. */
static size_t word_len(const char *p)
{
	size_t n = 0;

	while (word_char(p[n]))
		n++;
	return n;
}

/* Does the word at p equal w? */
static bool word_is(const char *p, const char *w)
{
	size_t n = word_len(p);

	return n == strlen(w) && !strncmp(p, w, n);
}

/* Read a decimal number below 2^32 naming `what`. */
static int parse_num(struct tlb_cursor *c, const char *what, uint32_t *v)
{
	const char *at = c->p;
	uint64_t n = 0;

	if (*c->p < '0' || *c->p > '9')
		return perr(c, at, "expected the number of %s", what);
	while (*c->p >= '0' && *c->p <= '9') {
		n = n * 10 + (uint64_t)(*c->p++ - '0');
		if (n > UINT32_MAX)
			return perr(c, at, "the number of %s is too large", what);
	}
	*v = (uint32_t)n;
	return 0;
}

/* Read a page size (4k, 2m, 1g ...) as a shift. */
static int parse_size(struct tlb_cursor *c, unsigned int *shift)
{
	const char *at = c->p;
	uint32_t n = 0;
	unsigned int unit, s = 0;

	if (parse_num(c, "bytes of a page size (e.g. 4k, 2m, 1g)", &n))
		return -EINVAL;
	switch (*c->p) {
	case 'k': case 'K': unit = 10; break;
	case 'm': case 'M': unit = 20; break;
	case 'g': case 'G': unit = 30; break;
	default:
		return perr(c, c->p, "expected k, m or g after the page size %u", n);
	}
	c->p++;
	if (!n || (n & (n - 1)))
		return perr(c, at, "page size %.*s is not a power of two", (int)(c->p - at), at);
	while ((1u << s) < n)
		s++;
	if (s + unit < TLB_MIN_SHIFT || s + unit > TLB_MAX_SHIFT)
		return perr(c, at, "page size %.*s is outside 4k..1024g", (int)(c->p - at), at);
	*shift = s + unit;
	return 0;
}

/* Read "/lru", "/plru" or "/random" if present (default LRU). */
static int parse_repl(struct tlb_cursor *c, enum tlb_repl *repl)
{
	*repl = TLB_REPL_LRU;
	if (*c->p != '/')
		return 0;
	c->p++;
	if (word_is(c->p, "lru"))
		*repl = TLB_REPL_LRU;
	else if (word_is(c->p, "plru"))
		*repl = TLB_REPL_PLRU;
	else if (word_is(c->p, "random"))
		*repl = TLB_REPL_RANDOM;
	else
		return perr(c, c->p, "expected a replacement policy: lru, plru or random");
	c->p += word_len(c->p);
	return 0;
}

/* Read ENTRIES "x" WAYS into sets and ways, checking the geometry. */
static int parse_geom(struct tlb_cursor *c, const char *unit, struct tlb_array_cfg *g)
{
	const char *at = c->p;
	uint32_t entries = 0, ways = 0;

	if (parse_num(c, "entries (as in 64x4)", &entries))
		return -EINVAL;
	if (*c->p != 'x')
		return perr(c, c->p, "%s: expected 'x' and the number of ways after %u entries "
			    "(as in 64x4)", unit, entries);
	c->p++;
	if (parse_num(c, "ways (as in 64x4)", &ways))
		return -EINVAL;
	if (!entries || !ways)
		return perr(c, at, "%s: %ux%u: an array needs at least one entry and one way", unit,
			    entries, ways);
	if (entries > TLB_MAX_ENTRIES)
		return perr(c, at, "%s: %ux%u: at most %u entries per array", unit, entries, ways,
			    TLB_MAX_ENTRIES);
	if (entries % ways)
		return perr(c, at, "%s: %ux%u: entries must be a multiple of the ways (%u / %u "
			    "leaves %u)", unit, entries, ways, entries, ways, entries % ways);
	if ((entries / ways) & (entries / ways - 1))
		return perr(c, at, "%s: %ux%u: sets must be a power of two (%u entries / %u ways = "
			    "%u)", unit, entries, ways, entries, ways, entries / ways);
	g->sets = entries / ways;
	g->ways = ways;
	return 0;
}

/* Why replacement policy repl cannot run an array of `ways` ways, or NULL. */
static const char *repl_problem(enum tlb_repl repl, uint32_t ways, char *buf, size_t len)
{
	if (repl != TLB_REPL_LRU && repl != TLB_REPL_PLRU && repl != TLB_REPL_RANDOM) {
		snprintf(buf, len, "unknown replacement policy %d; expected lru, plru or random",
			 (int)repl);
		return buf;
	}
	if (repl == TLB_REPL_PLRU && (ways & (ways - 1))) {
		snprintf(buf, len, "plru needs a power-of-two number of ways (%u)", ways);
		return buf;
	}
	if (repl == TLB_REPL_PLRU && ways > PLRU_MAX_WAYS) {
		snprintf(buf, len, "plru supports at most %u ways (%u)", PLRU_MAX_WAYS, ways);
		return buf;
	}
	return NULL;
}

/* Read one TLB array of structure `unit`. */
static int parse_array(struct tlb_cursor *c, const char *unit, struct tlb_array_cfg *g)
{
	const char *at = c->p;
	unsigned int shift = 0, n = 0;
	char why[160];

	if (parse_geom(c, unit, g))
		return -EINVAL;
	if (*c->p != ':')
		return perr(c, c->p, "%s: expected ':' and the page sizes after %ux%u (as in "
			    "64x4:4k)", unit, g->sets * g->ways, g->ways);
	do {
		const char *sz;

		c->p++;
		sz = c->p;
		if (parse_size(c, &shift))
			return -EINVAL;
		if (g->page_sizes & TLB_PS(shift))
			return perr(c, sz, "%s: page size %.*s is listed twice", unit,
				    (int)(c->p - sz), sz);
		if (++n > TLB_MAX_SIZES)
			return perr(c, sz, "%s: at most %u page sizes per array", unit,
				    TLB_MAX_SIZES);
		g->page_sizes |= TLB_PS(shift);
	} while (*c->p == '+');
	if (parse_repl(c, &g->repl))
		return -EINVAL;
	if (repl_problem(g->repl, g->ways, why, sizeof(why)))
		return perr(c, at, "%s: %ux%u: %s", unit, g->sets * g->ways, g->ways, why);
	return 0;
}

/* Read the arrays of a TLB structure (after "name="). */
static int parse_unit(struct tlb_cursor *c, const char *unit, struct tlb_struct_cfg *s)
{
	if (word_is(c->p, "none")) {
		c->p += 4;
		return 0;
	}
	for (;;) {
		const char *at = c->p;
		struct tlb_array_cfg *g;

		if (s->nr_arrays == TLB_MAX_ARRAYS)
			return perr(c, at, "%s: at most %u arrays per structure", unit,
				    TLB_MAX_ARRAYS);
		g = &s->array[s->nr_arrays];
		if (parse_array(c, unit, g))
			return -EINVAL;
		for (unsigned int i = 0; i < s->nr_arrays; i++)
			if (s->array[i].page_sizes & g->page_sizes)
				return perr(c, at, "%s: array %u repeats a page size of array %u "
					    "(an entry goes to the first array holding its size)",
					    unit, s->nr_arrays + 1, i + 1);
		s->nr_arrays++;
		skip_blank(c);
		if (*c->p != ',')
			return 0;
		c->p++;
		skip_blank(c);
	}
}

/* Read the page-walk caches (after "pwc="). */
static int parse_pwc(struct tlb_cursor *c, struct pwc_cfg *w)
{
	if (word_is(c->p, "none")) {
		c->p += 4;
		return 0;
	}
	for (;;) {
		const char *at = c->p, *geom;
		uint32_t level = 0;
		char why[160];

		if (w->nr == PWC_MAX_LEVELS)
			return perr(c, at, "pwc: at most %u caches", PWC_MAX_LEVELS);
		if (parse_num(c, "the walk level (0 = root) a page-walk cache holds", &level))
			return -EINVAL;
		if (level >= PWC_MAX_LEVELS)
			return perr(c, at, "pwc: level %u; expected 0..%u", level,
				    PWC_MAX_LEVELS - 1);
		for (unsigned int i = 0; i < w->nr; i++)
			if (w->cache[i].level == level)
				return perr(c, at, "pwc: level %u has two caches", level);
		if (*c->p != ':')
			return perr(c, c->p, "pwc: expected ':' and the geometry after level %u "
				    "(as in 2:32x4)", level);
		c->p++;
		geom = c->p;
		w->cache[w->nr].level = (uint8_t)level;
		if (parse_geom(c, "pwc", &w->cache[w->nr].geom) ||
		    parse_repl(c, &w->cache[w->nr].geom.repl))
			return -EINVAL;
		if (repl_problem(w->cache[w->nr].geom.repl, w->cache[w->nr].geom.ways, why,
				 sizeof(why)))
			return perr(c, geom, "pwc: level %u: %s", level, why);
		w->nr++;
		skip_blank(c);
		if (*c->p != ',')
			return 0;
		c->p++;
		skip_blank(c);
	}
}

/* Read one "name=..." clause; seen[] catches a structure given twice. */
static int parse_clause(struct tlb_cursor *c, struct tlb_config *cfg, bool seen[4])
{
	static const char *const keys[4] = { "l1i", "l1d", "l2", "pwc" };
	const char *at = c->p;
	int k;

	for (k = 0; k < 4 && !word_is(c->p, keys[k]); k++)
		;
	if (k == 4)
		return perr(c, at, "unknown structure \"%.*s\"; expected l1i, l1d, l2 or pwc",
			    (int)(word_len(at) ? word_len(at) : 1), at);
	if (seen[k])
		return perr(c, at, "%s is given twice", keys[k]);
	seen[k] = true;
	c->p += strlen(keys[k]);
	skip_blank(c);
	if (*c->p != '=')
		return perr(c, c->p, "expected '=' after %s", keys[k]);
	c->p++;
	skip_blank(c);
	if (k == 0)
		return parse_unit(c, "l1i", &cfg->l1i);
	if (k == 1)
		return parse_unit(c, "l1d", &cfg->l1d);
	if (k == 2)
		return parse_unit(c, "l2", &cfg->l2);
	return parse_pwc(c, &cfg->pwc);
}

/* An empty configuration with the structure names set. */
static void cfg_blank(struct tlb_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->l1i.name, "L1i");
	strcpy(cfg->l1d.name, "L1d");
	strcpy(cfg->l2.name, "L2");
}

/* Parse a description (not a preset name) into cfg, named "custom". */
static int parse_description(const char *text, struct tlb_config *cfg, struct mmsim_error *err)
{
	struct tlb_cursor c = { .text = text, .p = text, .err = err };
	bool seen[4] = { false, false, false, false };

	cfg_blank(cfg);
	strcpy(cfg->preset, "custom");
	cfg->source = tlb_custom_source;
	for (;;) {
		bool semicolon = false;

		skip_blank(&c);
		if (parse_clause(&c, cfg, seen))
			return -EINVAL;
		skip_blank(&c);
		if (*c.p == ';') {
			c.p++;
			semicolon = true;
			skip_blank(&c);
		}
		if (!*c.p)
			return 0;
		if (!semicolon)
			return perr(&c, c.p, "expected ';' before the next structure, or the end");
	}
}

/* Same geometry (structures, arrays, page sizes, policies, walk caches)? */
static bool cfg_same(const struct tlb_config *x, const struct tlb_config *y)
{
	const struct tlb_struct_cfg *ux[3] = { &x->l1i, &x->l1d, &x->l2 };
	const struct tlb_struct_cfg *uy[3] = { &y->l1i, &y->l1d, &y->l2 };

	for (int u = 0; u < 3; u++) {
		if (ux[u]->nr_arrays != uy[u]->nr_arrays)
			return false;
		for (unsigned int i = 0; i < ux[u]->nr_arrays; i++) {
			const struct tlb_array_cfg *a = &ux[u]->array[i], *b = &uy[u]->array[i];

			if (a->sets != b->sets || a->ways != b->ways ||
			    a->page_sizes != b->page_sizes || a->repl != b->repl)
				return false;
		}
	}
	if (x->pwc.nr != y->pwc.nr)
		return false;
	for (unsigned int i = 0; i < x->pwc.nr; i++) {
		const struct tlb_array_cfg *a = &x->pwc.cache[i].geom, *b = &y->pwc.cache[i].geom;

		if (x->pwc.cache[i].level != y->pwc.cache[i].level || a->sets != b->sets ||
		    a->ways != b->ways || a->repl != b->repl)
			return false;
	}
	return true;
}

int tlb_config_preset(const char *name, struct tlb_config *cfg)
{
	for (size_t i = 0; name && i < NR_PRESETS; i++) {
		struct tlb_config tmp;

		if (strcmp(name, tlb_presets[i].name))
			continue;
		if (parse_description(tlb_presets[i].text, &tmp, NULL))
			return -EINVAL;	/* a broken preset string: caught by the tests */
		snprintf(tmp.preset, sizeof(tmp.preset), "%s", tlb_presets[i].name);
		tmp.source = tlb_presets[i].source;
		*cfg = tmp;
		return 0;
	}
	return -ENOENT;
}

/* Name a parsed description after the preset of the same geometry, if there is one. */
static void adopt_preset_name(struct tlb_config *cfg)
{
	for (size_t i = 0; i < NR_PRESETS; i++) {
		struct tlb_config p;

		if (tlb_config_preset(tlb_presets[i].name, &p) == 0 && cfg_same(cfg, &p)) {
			memcpy(cfg->preset, p.preset, sizeof(cfg->preset));
			cfg->source = p.source;
			return;
		}
	}
}

/* "none, tiny, skylake, ..." for error messages. */
static void preset_list(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NR_PRESETS && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
					 tlb_presets[i].name);
}

int tlb_config_parse(const char *text, struct tlb_config *cfg, struct mmsim_error *err)
{
	struct tlb_config tmp;
	const char *p = text ? text : "";
	size_t n;
	char list[128];

	while (*p == ' ' || *p == '\t')
		p++;
	n = word_len(p);
	for (size_t i = 0; i < NR_PRESETS; i++) {
		const char *rest = p + n;

		while (*rest == ' ' || *rest == '\t')
			rest++;
		if (n && !*rest && n == strlen(tlb_presets[i].name) &&
		    !strncmp(p, tlb_presets[i].name, n))
			return tlb_config_preset(tlb_presets[i].name, cfg) ? -EINVAL : 0;
	}
	if (!strchr(p, '=')) {
		preset_list(list, sizeof(list));
		return err_set(err, -EINVAL, "", 0, (int)(p - (text ? text : "")) + 1,
			       "TLB description, column %d: unknown TLB preset \"%.40s\"; expected "
			       "one of %s, or a description such as \"l1d=64x4:4k; "
			       "l2=1536x12:4k+2m\"", (int)(p - (text ? text : "")) + 1, p, list);
	}
	if (parse_description(text, &tmp, err))
		return -EINVAL;
	if (tlb_config_check(&tmp, err))
		return -EINVAL;
	adopt_preset_name(&tmp);
	*cfg = tmp;
	return 0;
}

/* Why array g of a structure is unusable, or NULL. */
static const char *array_problem(const struct tlb_array_cfg *g, char *buf, size_t len)
{
	uint64_t sizes = g->page_sizes, n = 0;

	if (!g->sets || (g->sets & (g->sets - 1))) {
		snprintf(buf, len, "sets must be a power of two (%u)", g->sets);
		return buf;
	}
	if (!g->ways || (uint64_t)g->sets * g->ways > TLB_MAX_ENTRIES) {
		snprintf(buf, len, "%u sets x %u ways: expected 1 to %u entries", g->sets, g->ways,
			 TLB_MAX_ENTRIES);
		return buf;
	}
	if (!sizes || (sizes & ~(((2ull << TLB_MAX_SHIFT) - 1) & ~(TLB_PS(TLB_MIN_SHIFT) - 1)))) {
		snprintf(buf, len, "page sizes 0x%llx: expected a non-empty set of sizes from "
			 "4k to 1024g", (unsigned long long)sizes);
		return buf;
	}
	for (; sizes; sizes &= sizes - 1)
		n++;
	if (n > TLB_MAX_SIZES) {
		snprintf(buf, len, "%llu page sizes: at most %u per array",
			 (unsigned long long)n, TLB_MAX_SIZES);
		return buf;
	}
	return repl_problem(g->repl, g->ways, buf, len);
}

/* Check one TLB structure of cfg. */
static int unit_check(const struct tlb_struct_cfg *s, const char *unit, struct mmsim_error *err)
{
	char why[160];

	if (s->nr_arrays > TLB_MAX_ARRAYS)
		return err_set(err, -EINVAL, "", 0, 0, "%s: %u arrays; expected at most %u", unit,
			       s->nr_arrays, TLB_MAX_ARRAYS);
	for (unsigned int i = 0; i < s->nr_arrays; i++) {
		const struct tlb_array_cfg *g = &s->array[i];

		if (array_problem(g, why, sizeof(why)))
			return err_set(err, -EINVAL, "", 0, 0, "%s array %u: %s", unit, i + 1, why);
		for (unsigned int j = 0; j < i; j++)
			if (s->array[j].page_sizes & g->page_sizes)
				return err_set(err, -EINVAL, "", 0, 0, "%s: arrays %u and %u "
					       "share a page size; expected each size in one array",
					       unit, j + 1, i + 1);
	}
	return 0;
}

/* Check the page-walk caches of cfg. */
static int pwc_check(const struct pwc_cfg *w, struct mmsim_error *err)
{
	char why[160];

	if (w->nr > PWC_MAX_LEVELS)
		return err_set(err, -EINVAL, "", 0, 0, "pwc: %u caches; expected at most %u", w->nr,
			       PWC_MAX_LEVELS);
	for (unsigned int i = 0; i < w->nr; i++) {
		struct tlb_array_cfg g = w->cache[i].geom;

		g.page_sizes = TLB_PS(TLB_MIN_SHIFT);	/* unused by a walk cache */
		if (w->cache[i].level >= PWC_MAX_LEVELS)
			return err_set(err, -EINVAL, "", 0, 0, "pwc cache %u: level %u; expected "
				       "0..%u", i + 1, w->cache[i].level, PWC_MAX_LEVELS - 1);
		if (array_problem(&g, why, sizeof(why)))
			return err_set(err, -EINVAL, "", 0, 0, "pwc level %u: %s",
				       w->cache[i].level, why);
		for (unsigned int j = 0; j < i; j++)
			if (w->cache[j].level == w->cache[i].level)
				return err_set(err, -EINVAL, "", 0, 0, "pwc: level %u has two "
					       "caches", w->cache[i].level);
	}
	return 0;
}

int tlb_config_check(const struct tlb_config *cfg, struct mmsim_error *err)
{
	int rc;

	if (!cfg)
		return err_set(err, -EINVAL, "", 0, 0, "no TLB configuration given");
	if (!memchr(cfg->preset, '\0', sizeof(cfg->preset)))
		return err_set(err, -EINVAL, "", 0, 0, "preset name is not terminated");
	rc = unit_check(&cfg->l1i, "l1i", err);
	if (!rc)
		rc = unit_check(&cfg->l1d, "l1d", err);
	if (!rc)
		rc = unit_check(&cfg->l2, "l2", err);
	if (!rc)
		rc = pwc_check(&cfg->pwc, err);
	return rc;
}

/* Append a page size: 4k, 2m, 1g, 1024g. */
static void fmt_size(struct strbuf *sb, unsigned int shift)
{
	if (shift >= 30)
		sb_printf(sb, "%llug", 1ull << (shift - 30));
	else if (shift >= 20)
		sb_printf(sb, "%llum", 1ull << (shift - 20));
	else
		sb_printf(sb, "%lluk", 1ull << (shift - 10));
}

/* Append "/plru" or "/random" (LRU is the default and is not written). */
static void fmt_repl(struct strbuf *sb, enum tlb_repl repl)
{
	if (repl == TLB_REPL_PLRU)
		sb_puts(sb, "/plru");
	else if (repl == TLB_REPL_RANDOM)
		sb_puts(sb, "/random");
}

/* Append "key=array,array" or "key=none". */
static void fmt_unit(struct strbuf *sb, const char *key, const struct tlb_struct_cfg *s)
{
	sb_printf(sb, "%s=", key);
	if (!s->nr_arrays)
		sb_puts(sb, "none");
	for (unsigned int i = 0; i < s->nr_arrays; i++) {
		const struct tlb_array_cfg *g = &s->array[i];
		const char *sep = "";

		sb_printf(sb, "%s%llux%u:", i ? "," : "", (unsigned long long)g->sets * g->ways,
			  g->ways);
		for (unsigned int sh = 0; sh < 64; sh++) {
			if (g->page_sizes & TLB_PS(sh)) {
				sb_puts(sb, sep);
				fmt_size(sb, sh);
				sep = "+";
			}
		}
		fmt_repl(sb, g->repl);
	}
}

void tlb_config_format(const struct tlb_config *cfg, struct strbuf *sb)
{
	fmt_unit(sb, "l1i", &cfg->l1i);
	sb_puts(sb, "; ");
	fmt_unit(sb, "l1d", &cfg->l1d);
	sb_puts(sb, "; ");
	fmt_unit(sb, "l2", &cfg->l2);
	sb_puts(sb, "; pwc=");
	if (!cfg->pwc.nr)
		sb_puts(sb, "none");
	for (unsigned int i = 0; i < cfg->pwc.nr; i++) {
		const struct tlb_array_cfg *g = &cfg->pwc.cache[i].geom;

		sb_printf(sb, "%s%u:%llux%u", i ? "," : "", cfg->pwc.cache[i].level,
			  (unsigned long long)g->sets * g->ways, g->ways);
		fmt_repl(sb, g->repl);
	}
}

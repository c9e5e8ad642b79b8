/*
 * TLBs and page-walk caches (src/hw/tlb.c) with exact expected counts:
 *
 *  - replacement: a cyclic sweep over N+1 pages on an N-entry fully associative LRU TLB never
 *    hits, over N pages always hits after warm-up (scanned and hash-indexed arrays); a
 *    set-conflict pattern on a direct-mapped TLB misses every time; 2-way LRU, 4-way tree
 *    PLRU and seeded random give the hit/miss sequences worked out by hand below; random
 *    replacement is deterministic for a seed;
 *  - hierarchy: an L2 hit refills the L1 (counts per structure), page sizes go to the array
 *    holding them or are not cached;
 *  - tagging and invalidation: ASIDs, global entries across flush_asid / flush_all, INVLPG
 *    semantics of flush_page for TLB and page-walk-cache entries;
 *  - the page-walk cache returns the deepest level;
 *  - configuration: every preset parses, checks and round-trips through tlb_config_format;
 *    bad geometry is rejected with the column and the reason, leaving the output unchanged;
 *  - a randomized run against a reference model of a fully associative LRU TLB.
 * tlb_validate runs after every operation (helpers below).
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
#include "hw/tlb.h"
#include "util/rng.h"
#include "util/strbuf.h"

#define PAGE	4096ull
#define MB2	(2ull << 20)
#define GB1	(1ull << 30)

/* ---- helpers ------------------------------------------------------------------------------ */

/* Fail the test unless t's invariants hold. */
static void check(const struct tlb *t)
{
	struct mmsim_error err = { 0 };

	if (tlb_validate(t, &err) != 0)
		fail_msg("tlb_validate: %s", err.msg);
}

/* A TLB from a description or preset, seeded with seed. */
static struct tlb *mk(const char *text, uint64_t seed)
{
	struct tlb_config cfg;
	struct mmsim_error err = { 0 };
	struct tlb *t = NULL;

	if (tlb_config_parse(text, &cfg, &err) != 0)
		fail_msg("parse \"%s\": %s", text, err.msg);
	assert_int_equal(tlb_create(&cfg, seed, &t), 0);
	check(t);
	return t;
}

/* The frame a test maps the page of va (at shift) to: recognisable and distinct. */
static uint64_t pfn_of(uint64_t va, unsigned int shift, uint16_t asid)
{
	return (va >> shift) + 0x100000ull * (asid + 1);
}

/* Insert the translation of va (page of 1 << shift bytes) for asid, then validate. */
static void ins(struct tlb *t, bool instr, uint16_t asid, uint64_t va, unsigned int shift,
		bool global)
{
	struct tlb_entry e = {
		.vpn = va >> shift, .pfn = pfn_of(va, shift, asid), .asid = asid,
		.shift = (uint8_t)shift, .flags = TLBE_VALID | (global ? TLBE_GLOBAL : 0),
		.prot = PTE_WRITE | PTE_USER | PTE_ACCESSED,
	};

	tlb_insert(t, instr, &e);
	check(t);
}

/* Look va up (data side unless instr), validate; returns 0 miss, 1 L1 hit, 2 L2 hit. */
static int look(struct tlb *t, bool instr, uint16_t asid, uint64_t va, struct tlb_entry *out)
{
	struct tlb_entry e;
	int r = tlb_lookup(t, instr, asid, va, &e);

	check(t);
	if (r && out)
		*out = e;
	return r;
}

/* A data access to the 4K page of va: look up, insert on a miss. 'M' miss, 'H' hit. */
static char access4k(struct tlb *t, uint16_t asid, uint64_t va)
{
	if (look(t, false, asid, va, NULL))
		return 'H';
	ins(t, false, asid, va, 12, false);
	return 'M';
}

/* Access the pages vpns[0..n) in order, writing 'H'/'M' per access into out. */
static void run(struct tlb *t, const uint64_t *vpns, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = access4k(t, 1, vpns[i] * PAGE);
	out[n] = '\0';
}

static uint64_t occ_l1d(const struct tlb *t)
{
	uint64_t n;

	tlb_occupancy(t, NULL, &n, NULL);
	return n;
}

static uint64_t occ_l2(const struct tlb *t)
{
	uint64_t n;

	tlb_occupancy(t, NULL, NULL, &n);
	return n;
}

/* x86-64 4-level walk shifts: PML4 39, PDPT 30, PD 21, PT 12. */
static void x86_shifts(struct tlb *t)
{
	const uint8_t sh[4] = { 39, 30, 21, 12 };

	assert_int_equal(tlb_set_walk_shifts(t, sh, 4), 0);
	check(t);
}

/* Field-by-field equality of two configurations, names and source included. */
static void assert_cfg_equal(const struct tlb_config *a, const struct tlb_config *b)
{
	const struct tlb_struct_cfg *ua[3] = { &a->l1i, &a->l1d, &a->l2 };
	const struct tlb_struct_cfg *ub[3] = { &b->l1i, &b->l1d, &b->l2 };

	assert_string_equal(a->preset, b->preset);
	assert_ptr_equal(a->source, b->source);
	for (int u = 0; u < 3; u++) {
		assert_string_equal(ua[u]->name, ub[u]->name);
		assert_int_equal(ua[u]->nr_arrays, ub[u]->nr_arrays);
		for (unsigned int i = 0; i < ua[u]->nr_arrays; i++) {
			assert_int_equal(ua[u]->array[i].sets, ub[u]->array[i].sets);
			assert_int_equal(ua[u]->array[i].ways, ub[u]->array[i].ways);
			assert_int_equal(ua[u]->array[i].page_sizes, ub[u]->array[i].page_sizes);
			assert_int_equal(ua[u]->array[i].repl, ub[u]->array[i].repl);
		}
	}
	assert_int_equal(a->pwc.nr, b->pwc.nr);
	for (unsigned int i = 0; i < a->pwc.nr; i++) {
		assert_int_equal(a->pwc.cache[i].level, b->pwc.cache[i].level);
		assert_int_equal(a->pwc.cache[i].geom.sets, b->pwc.cache[i].geom.sets);
		assert_int_equal(a->pwc.cache[i].geom.ways, b->pwc.cache[i].geom.ways);
		assert_int_equal(a->pwc.cache[i].geom.repl, b->pwc.cache[i].geom.repl);
	}
}

/* tlb_config_format into a malloc'd string. */
static char *format(const struct tlb_config *cfg)
{
	struct strbuf sb;
	char *s = NULL;

	sb_init(&sb);
	tlb_config_format(cfg, &sb);
	assert_int_equal(sb_finish(&sb, &s, NULL), 0);
	return s;
}

/* ---- replacement ------------------------------------------------------------------------- */

/* Cyclic sweeps on an N-entry fully associative LRU TLB: N+1 pages never hit, N always do. */
static void sweep_fa(const char *text, unsigned int n)
{
	const unsigned int rounds = 10;
	struct tlb *t = mk(text, 1);

	for (unsigned int r = 0; r < rounds; r++)
		for (unsigned int p = 0; p <= n; p++)
			assert_int_equal(access4k(t, 1, (0x400 + p) * PAGE), 'M');
	assert_int_equal(tlb_stats(t)->l1d.hits, 0);
	assert_int_equal(tlb_stats(t)->l1d.misses, rounds * (n + 1));
	assert_int_equal(tlb_stats(t)->l1d.fills, rounds * (n + 1));
	assert_int_equal(tlb_stats(t)->l1d.evictions, rounds * (n + 1) - n);
	assert_int_equal(occ_l1d(t), n);

	tlb_flush_all(t, false);
	check(t);
	tlb_reset_stats(t);
	for (unsigned int r = 0; r < rounds; r++)
		for (unsigned int p = 0; p < n; p++)
			assert_int_equal(access4k(t, 1, (0x400 + p) * PAGE), r ? 'H' : 'M');
	assert_int_equal(tlb_stats(t)->l1d.misses, n);
	assert_int_equal(tlb_stats(t)->l1d.hits, (rounds - 1) * n);
	assert_int_equal(tlb_stats(t)->l1d.evictions, 0);
	tlb_free(t);
}

static void test_fa_lru_sweeps(void **state)
{
	(void)state;
	sweep_fa("l1d=8x8:4k", 8);		/* scanned set */
	sweep_fa("l1d=64x64:4k", 64);		/* hash-indexed set */
	sweep_fa("l1d=96x96:4k+2m+1g", 96);	/* several sizes probed */
}

/* Pages 16 apart share the one set of a 16x1 TLB: alternating between them always misses. */
static void test_direct_mapped_conflict(void **state)
{
	(void)state;
	struct tlb *t = mk("l1d=16x1:4k", 1);

	for (unsigned int i = 0; i < 300; i++)
		assert_int_equal(access4k(t, 1, (uint64_t)(i % 3) * 16 * PAGE), 'M');
	assert_int_equal(tlb_stats(t)->l1d.hits, 0);
	assert_int_equal(tlb_stats(t)->l1d.evictions, 299);
	assert_int_equal(occ_l1d(t), 1);
	/* 16 consecutive pages use all 16 sets: after warm-up every access hits */
	tlb_reset_stats(t);
	for (unsigned int i = 0; i < 160; i++)
		access4k(t, 1, (0x1000 + i % 16) * PAGE);
	assert_int_equal(tlb_stats(t)->l1d.misses, 16);
	assert_int_equal(tlb_stats(t)->l1d.hits, 144);
	tlb_free(t);

	/* five pages on one set of a 4-way LRU array: the cycle misses every time */
	t = mk("l1d=64x4:4k", 1);
	for (unsigned int i = 0; i < 100; i++)
		assert_int_equal(access4k(t, 1, (uint64_t)(i % 5) * 16 * PAGE), 'M');
	assert_int_equal(tlb_stats(t)->l1d.hits, 0);
	tlb_free(t);
}

/*
 * 2 sets x 2 ways, LRU; A = 0, B = 2, C = 4 all index set 0.
 *   A  miss  set {A}
 *   B  miss  {A B}         LRU order (old -> new) A B
 *   A  hit                 B A
 *   C  miss  evicts B      A C
 *   B  miss  evicts A      C B
 *   A  miss  evicts C      B A
 *   B  hit                 A B
 * Page 1 (set 1) in between never disturbs set 0.
 */
static void test_two_way_lru_sequence(void **state)
{
	(void)state;
	const uint64_t seq[] = { 0, 2, 0, 1, 4, 2, 0, 1, 2 };
	char got[16];
	struct tlb *t = mk("l1d=4x2:4k", 1);

	run(t, seq, 9, got);
	assert_string_equal(got, "MMHMMMMHH");
	assert_int_equal(tlb_stats(t)->l1d.evictions, 3);
	tlb_free(t);
}

/*
 * One set of 4 ways, A..E = pages 0..4. Fills go to the lowest invalid way, so A..D sit in
 * ways 0..3. Tree bits b0 (root), b1 (ways 0-1), b2 (ways 2-3); 1 = next victim on the right.
 *
 *   access  outcome  way  bits after (b0 b1 b2)
 *   A       M        0    1 1 0
 *   B       M        1    1 0 0
 *   C       M        2    0 0 1
 *   D       M        3    0 0 0
 *   B       H        1    1 0 0
 *   E       M        2    0 0 1     victim: b0=1 -> right, b2=0 -> way 2 (C; LRU would take A)
 *   A       H        0    1 1 1
 *   C       M        3    0 1 0     victim: right, b2=1 -> way 3 (D)
 *   D       M        1    1 0 0     victim: b0=0 -> left, b1=1 -> way 1 (B)
 *   E       H        2    0 0 1
 *   B       M        0    1 1 1     victim: left, b1=0 -> way 0 (A)
 *
 * Exact LRU on the same sequence evicts A at E, then misses A, C, D and hits E.
 */
static void test_plru_by_hand(void **state)
{
	(void)state;
	const uint64_t seq[] = { 0, 1, 2, 3, 1, 4, 0, 2, 3, 4, 1 };
	char got[16];
	struct tlb *t = mk("l1d=4x4:4k/plru", 1);

	run(t, seq, 11, got);
	assert_string_equal(got, "MMMMHMHMMHM");
	tlb_free(t);

	t = mk("l1d=4x4:4k", 1);
	run(t, seq, 11, got);
	assert_string_equal(got, "MMMMHMMMMHM");
	tlb_free(t);

	/* PLRU with 2 ways is exact LRU: the two-way sequence above */
	const uint64_t seq2[] = { 0, 2, 0, 1, 4, 2, 0, 1, 2 };
	t = mk("l1d=4x2:4k/plru", 1);
	run(t, seq2, 9, got);
	assert_string_equal(got, "MMHMMMMHH");
	tlb_free(t);
}

/*
 * Random replacement on one 4-way set, seed 42: the L1d's first array draws from
 * xoshiro256** seeded with 42 + 0x100 * 2 + 0 (docs/tlb.md). Fills go to invalid ways first
 * without a draw; once full, each miss replaces way rng_below(4). The test keeps its own copy
 * of the four ways and checks every page against it after each insertion.
 */
static void test_random_by_hand(void **state)
{
	(void)state;
	struct tlb *t = mk("l1d=4x4:4k/random", 42);
	struct rng r;
	uint64_t way[4];

	rng_seed(&r, 42 + 0x100 * 2 + 0);
	for (uint64_t p = 0; p < 4; p++) {
		assert_int_equal(access4k(t, 1, p * PAGE), 'M');
		way[p] = p;
	}
	for (uint64_t p = 4; p < 40; p++) {
		assert_int_equal(access4k(t, 1, p * PAGE), 'M');
		way[rng_below(&r, 4)] = p;
		for (uint64_t q = 0; q <= p; q++) {
			bool held = q == way[0] || q == way[1] || q == way[2] || q == way[3];

			assert_int_equal(look(t, false, 1, q * PAGE, NULL), held ? 1 : 0);
		}
	}
	tlb_free(t);
}

/* Outcome of 4000 accesses to random pages of a 256-page range: '1' / '2' hit level, 'M'. */
static void random_run(const char *text, uint64_t seed, char *out)
{
	struct tlb *t = mk(text, seed);
	struct rng r;

	rng_seed(&r, 7);
	for (int i = 0; i < 4000; i++) {
		uint64_t va = rng_below(&r, 256) * PAGE;
		int lvl = look(t, false, 1, va, NULL);

		out[i] = lvl ? (char)('0' + lvl) : 'M';
		if (!lvl)
			ins(t, false, 1, va, 12, false);
	}
	out[4000] = '\0';
	tlb_free(t);
}

static void test_random_deterministic(void **state)
{
	(void)state;
	static char a[4001], b[4001], c[4001];
	const char *text = "l1d=64x16:4k/random; l2=128x8:4k/random";

	random_run(text, 5, a);
	random_run(text, 5, b);
	random_run(text, 6, c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
}

/* ---- hierarchy ------------------------------------------------------------------------------ */

/*
 * L1d and L1i of 1 set x 2 ways, L2 of 16 entries.
 *   A, B, C data misses: each fills L1d and L2; C evicts A from the L1d (not from the L2)
 *   A data: L1d miss, L2 hit, refills L1d evicting B (silently: B stays in the L2)
 *   A data: L1d hit
 *   B data: L1d miss, L2 hit, refill evicts C
 *   A fetch: L1i miss, L2 hit (the L2 is unified), refills the L1i
 *   A fetch: L1i hit
 */
static void test_l2_refills_l1(void **state)
{
	(void)state;
	struct tlb *t = mk("l1i=2x2:4k; l1d=2x2:4k; l2=16x4:4k", 1);
	const uint64_t A = 0x10 * PAGE, B = 0x11 * PAGE, C = 0x12 * PAGE;
	struct tlb_entry e;
	uint64_t i, d, l2;

	assert_int_equal(access4k(t, 1, A), 'M');
	assert_int_equal(access4k(t, 1, B), 'M');
	assert_int_equal(access4k(t, 1, C), 'M');
	assert_int_equal(look(t, false, 1, A + 5, &e), 2);
	assert_int_equal(e.pfn, pfn_of(A, 12, 1));
	assert_int_equal(look(t, false, 1, A, NULL), 1);
	assert_int_equal(look(t, false, 1, B, NULL), 2);
	assert_int_equal(look(t, true, 1, A, NULL), 2);
	assert_int_equal(look(t, true, 1, A, NULL), 1);

	assert_int_equal(tlb_stats(t)->l1d.lookups, 6);
	assert_int_equal(tlb_stats(t)->l1d.hits, 1);
	assert_int_equal(tlb_stats(t)->l1d.misses, 5);
	assert_int_equal(tlb_stats(t)->l1d.fills, 5);
	assert_int_equal(tlb_stats(t)->l1d.evictions, 3);
	assert_int_equal(tlb_stats(t)->l2.lookups, 6);
	assert_int_equal(tlb_stats(t)->l2.hits, 3);
	assert_int_equal(tlb_stats(t)->l2.misses, 3);
	assert_int_equal(tlb_stats(t)->l2.fills, 3);
	assert_int_equal(tlb_stats(t)->l2.evictions, 0);
	assert_int_equal(tlb_stats(t)->l1i.lookups, 2);
	assert_int_equal(tlb_stats(t)->l1i.hits, 1);
	assert_int_equal(tlb_stats(t)->l1i.misses, 1);
	assert_int_equal(tlb_stats(t)->l1i.fills, 1);
	tlb_occupancy(t, &i, &d, &l2);
	assert_int_equal(i, 1);
	assert_int_equal(d, 2);
	assert_int_equal(l2, 3);
	tlb_free(t);
}

/* Each page size goes to the array holding it; a size no array holds is not cached. */
static void test_page_sizes(void **state)
{
	(void)state;
	struct tlb *t = mk("skylake", 1);
	struct tlb_entry e;

	ins(t, false, 1, 0x40000000, 21, false);		/* a 2M page */
	assert_int_equal(look(t, false, 1, 0x40000000 + 0x1234, &e), 1);
	assert_int_equal(e.shift, 21);
	assert_int_equal(look(t, false, 1, 0x40000000 + MB2 - 1, NULL), 1);
	assert_int_equal(look(t, false, 1, 0x40000000 + MB2, NULL), 0);
	ins(t, false, 1, 5 * GB1, 30, false);		/* a 1G page: L1d 1G array, STLB 1G */
	assert_int_equal(look(t, false, 1, 5 * GB1 + 0x3fffffff, &e), 1);
	assert_int_equal(e.shift, 30);
	assert_int_equal(tlb_stats(t)->l1d.fills, 2);
	assert_int_equal(tlb_stats(t)->l2.fills, 2);
	tlb_free(t);

	/* no 1G array anywhere: the 1G page is not cached */
	t = mk("l1d=4x4:4k; l2=16x4:4k+2m", 1);
	ins(t, false, 1, GB1, 30, false);
	assert_int_equal(occ_l1d(t), 0);
	assert_int_equal(occ_l2(t), 0);
	assert_int_equal(tlb_stats(t)->l1d.fills + tlb_stats(t)->l2.fills, 0);
	assert_int_equal(look(t, false, 1, GB1, NULL), 0);
	/* a 2M page skips the L1d (4K only) but is cached by the L2, which does not refill */
	ins(t, false, 1, 2 * MB2, 21, false);
	assert_int_equal(occ_l1d(t), 0);
	assert_int_equal(occ_l2(t), 1);
	assert_int_equal(look(t, false, 1, 2 * MB2 + 77, NULL), 2);
	assert_int_equal(occ_l1d(t), 0);
	tlb_free(t);
}

/* "none" caches nothing and counts nothing. */
static void test_none(void **state)
{
	(void)state;
	struct tlb *t = mk("none", 1);
	uint64_t pa;
	uint32_t prot;
	struct tlb_stats zero;

	x86_shifts(t);
	ins(t, false, 1, PAGE, 12, false);
	assert_int_equal(look(t, false, 1, PAGE, NULL), 0);
	assert_int_equal(look(t, true, 1, PAGE, NULL), 0);
	pwc_insert(t, 1, PAGE, 0, 0x5000, PTE_WRITE);
	assert_int_equal(pwc_lookup(t, 1, PAGE, &pa, &prot), -1);
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(tlb_stats(t), &zero, sizeof(zero));
	tlb_free(t);
}

/* tlb_update_prot reaches the copies in the L1 and in the L2. */
static void test_update_prot(void **state)
{
	(void)state;
	struct tlb *t = mk("l1d=1x1:4k; l2=16x4:4k", 1);
	struct tlb_entry e;

	ins(t, false, 3, 0x7000, 12, false);
	tlb_update_prot(t, 3, 0x7abc, PTE_WRITE | PTE_DIRTY);
	check(t);
	assert_int_equal(look(t, false, 3, 0x7000, &e), 1);
	assert_int_equal(e.prot, PTE_WRITE | PTE_DIRTY);
	ins(t, false, 3, 0x9000, 12, false);			/* pushes 0x7000 out of the L1 */
	assert_int_equal(look(t, false, 3, 0x7000, &e), 2);
	assert_int_equal(e.prot, PTE_WRITE | PTE_DIRTY);
	tlb_update_prot(t, 4, 0x9000, 0);			/* other asid: untouched */
	assert_int_equal(look(t, false, 3, 0x9000, &e), 2);
	assert_int_equal(e.prot, PTE_WRITE | PTE_USER | PTE_ACCESSED);
	tlb_free(t);
}

/* ---- tagging and invalidation ------------------------------------------------------------- */

/* The same va under two ASIDs is two entries; a global entry then replaces both. */
static void test_asid_tagging(void **state)
{
	(void)state;
	struct tlb *t = mk("l1d=8x8:4k; l2=64x4:4k", 1);
	struct tlb_entry e = { 0 };

	ins(t, false, 1, 0x5000, 12, false);
	ins(t, false, 2, 0x5000, 12, false);
	assert_int_equal(occ_l1d(t), 2);
	assert_int_equal(occ_l2(t), 2);
	assert_int_equal(look(t, false, 1, 0x5000, &e), 1);
	assert_int_equal(e.pfn, pfn_of(0x5000, 12, 1));
	assert_int_equal(look(t, false, 2, 0x5000, &e), 1);
	assert_int_equal(e.pfn, pfn_of(0x5000, 12, 2));
	assert_int_equal(look(t, false, 3, 0x5000, NULL), 0);
	ins(t, false, 1, 0x5000, 12, true);
	assert_int_equal(occ_l1d(t), 1);
	assert_int_equal(occ_l2(t), 1);
	assert_int_equal(look(t, false, 3, 0x5000, &e), 1);
	assert_true(e.flags & TLBE_GLOBAL);
	/* the replaced per-asid copies count as evictions, the overwritten one does not */
	assert_int_equal(tlb_stats(t)->l1d.evictions, 1);
	tlb_free(t);
}

/* Global entries survive flush_asid and flush_all(keep_global), not flush_all(false). */
static void test_global_entries(void **state)
{
	(void)state;
	struct tlb *t = mk("l1d=8x8:4k; l2=64x4:4k", 1);
	const uint64_t G = 0xffff800000001000ull, N = 0x1000, N2 = 0x2000;

	ins(t, false, 1, G, 12, true);
	ins(t, false, 1, N, 12, false);
	ins(t, false, 2, N2, 12, false);
	assert_int_equal(look(t, false, 5, G, NULL), 1);	/* global: any asid */

	tlb_flush_asid(t, 1);
	check(t);
	assert_int_equal(look(t, false, 1, G, NULL), 1);
	assert_int_equal(look(t, false, 1, N, NULL), 0);
	assert_int_equal(look(t, false, 2, N2, NULL), 1);
	assert_int_equal(tlb_stats(t)->l1d.invalidations, 1);
	assert_int_equal(tlb_stats(t)->l2.invalidations, 1);

	tlb_flush_all(t, true);
	check(t);
	assert_int_equal(look(t, false, 7, G, NULL), 1);
	assert_int_equal(look(t, false, 2, N2, NULL), 0);
	assert_int_equal(occ_l1d(t), 1);
	assert_int_equal(occ_l2(t), 1);

	tlb_flush_all(t, false);
	check(t);
	assert_int_equal(look(t, false, 1, G, NULL), 0);
	assert_int_equal(occ_l1d(t) + occ_l2(t), 0);
	assert_int_equal(tlb_stats(t)->flush_asid, 1);
	assert_int_equal(tlb_stats(t)->flush_all, 2);
	assert_int_equal(tlb_stats(t)->l1d.invalidations, 3);
	tlb_free(t);
}

/*
 * flush_page(asid, va, false) is INVLPG: the (asid, va) entry and a global entry for va go;
 * the same va of another asid stays; a huge page covering va goes. With all_asids every
 * entry for va goes. Page-walk caches: INVLPG drops every entry of the asid whatever its
 * address (SDM 4.10.4.1); all_asids drops the entries covering va, of any asid.
 */
static void test_flush_page(void **state)
{
	(void)state;
	struct tlb *t = mk("skylake", 1);
	const uint64_t va = 0x7f0000201000ull, vb = 0x7f0000202000ull, vg = 0x3000;
	const uint64_t far = 0x100000000000ull;		/* another PML4 slot */
	uint64_t pa;
	uint32_t prot;

	x86_shifts(t);
	ins(t, false, 1, va, 12, false);
	ins(t, false, 2, va, 12, false);
	ins(t, false, 1, vb, 12, false);
	ins(t, false, 1, vg, 12, true);
	ins(t, false, 1, 0x40000000, 21, false);
	/* four PDPTE-cache (level 1) entries: the 4-entry cache holds them all */
	pwc_insert(t, 1, va, 1, 0x10000, PTE_WRITE | PTE_USER);
	pwc_insert(t, 1, far, 1, 0x11000, PTE_WRITE | PTE_USER);
	pwc_insert(t, 2, va, 1, 0x12000, PTE_WRITE | PTE_USER);
	pwc_insert(t, 2, far, 1, 0x13000, PTE_WRITE | PTE_USER);
	check(t);

	tlb_flush_page(t, 1, va + 0x10, false);
	check(t);
	assert_int_equal(look(t, false, 1, va, NULL), 0);
	assert_int_equal(look(t, false, 2, va, NULL), 1);
	assert_int_equal(look(t, false, 1, vb, NULL), 1);
	assert_int_equal(pwc_lookup(t, 1, va, &pa, &prot), -1);
	assert_int_equal(pwc_lookup(t, 1, far, &pa, &prot), -1);	/* any address */
	assert_int_equal(pwc_lookup(t, 2, va, &pa, &prot), 1);		/* other PCID stays */
	assert_int_equal(pa, 0x12000);

	tlb_flush_page(t, 1, vg, false);				/* INVLPG drops global */
	check(t);
	assert_int_equal(look(t, false, 4, vg, NULL), 0);
	tlb_flush_page(t, 1, 0x40000000 + 0x12345, false);		/* inside the 2M page */
	check(t);
	assert_int_equal(look(t, false, 1, 0x40000000, NULL), 0);

	tlb_flush_page(t, 9, va, true);					/* every asid */
	check(t);
	assert_int_equal(look(t, false, 2, va, NULL), 0);
	assert_int_equal(look(t, false, 1, vb, NULL), 1);
	assert_int_equal(pwc_lookup(t, 2, va, &pa, &prot), -1);
	assert_int_equal(pwc_lookup(t, 2, far, &pa, &prot), 1);		/* other address stays */
	assert_int_equal(tlb_stats(t)->flush_page, 4);
	/* L1d: (1,va) (vg global) (2M) (2,va); L2 the same four */
	assert_int_equal(tlb_stats(t)->l1d.invalidations, 4);
	assert_int_equal(tlb_stats(t)->l2.invalidations, 4);
	tlb_free(t);
}

/* flush_asid and flush_all clear the page-walk caches (of the asid / entirely). */
static void test_pwc_flush_asid_all(void **state)
{
	(void)state;
	struct tlb *t = mk("skylake", 1);
	uint64_t pa;
	uint32_t prot;

	x86_shifts(t);
	pwc_insert(t, 1, 0x1000, 2, 0x20000, 0);
	pwc_insert(t, 2, 0x1000, 2, 0x21000, 0);
	tlb_flush_asid(t, 1);
	check(t);
	assert_int_equal(pwc_lookup(t, 1, 0x1000, &pa, &prot), -1);
	assert_int_equal(pwc_lookup(t, 2, 0x1000, &pa, &prot), 2);
	tlb_flush_all(t, true);
	check(t);
	assert_int_equal(pwc_lookup(t, 2, 0x1000, &pa, &prot), -1);
	tlb_free(t);
}

/* ---- page-walk caches --------------------------------------------------------------------- */

static void test_pwc_deepest(void **state)
{
	(void)state;
	struct tlb *t = mk("skylake", 1);
	const uint64_t va = 0x00007f1234567000ull;
	uint64_t pa = 0;
	uint32_t prot = 0;

	/* before the walk shifts are known the caches hold nothing */
	pwc_insert(t, 1, va, 2, 0xdead000, 0);
	assert_int_equal(pwc_lookup(t, 1, va, &pa, &prot), -1);
	x86_shifts(t);
	assert_int_equal(pwc_lookup(t, 1, va, &pa, &prot), -1);

	pwc_insert(t, 1, va, 0, 0xa000, PTE_WRITE | PTE_USER);
	check(t);
	assert_int_equal(pwc_lookup(t, 1, va, &pa, &prot), 0);
	assert_int_equal(pa, 0xa000);
	pwc_insert(t, 1, va, 1, 0xb000, PTE_USER);
	pwc_insert(t, 1, va, 2, 0xc000, PTE_USER | PTE_NX);
	check(t);
	assert_int_equal(pwc_lookup(t, 1, va, &pa, &prot), 2);
	assert_int_equal(pa, 0xc000);
	assert_int_equal(prot, PTE_USER | PTE_NX);
	/* same 1G region, other 2M: the PDPTE cache; same 512G, other 1G: the PML4E cache */
	assert_int_equal(pwc_lookup(t, 1, va ^ (1ull << 21), &pa, &prot), 1);
	assert_int_equal(pa, 0xb000);
	assert_int_equal(pwc_lookup(t, 1, va ^ (1ull << 30), &pa, &prot), 0);
	assert_int_equal(pwc_lookup(t, 1, va ^ (1ull << 39), &pa, &prot), -1);
	assert_int_equal(pwc_lookup(t, 2, va, &pa, &prot), -1);		/* other asid */
	/* probes stop at the deepest hit */
	assert_int_equal(tlb_stats(t)->pwc_lookups[2], 7);
	assert_int_equal(tlb_stats(t)->pwc_hits[2], 1);
	assert_int_equal(tlb_stats(t)->pwc_lookups[1], 6);
	assert_int_equal(tlb_stats(t)->pwc_hits[1], 1);
	assert_int_equal(tlb_stats(t)->pwc_lookups[0], 5);
	assert_int_equal(tlb_stats(t)->pwc_hits[0], 2);
	/* a cache for a level the format lacks stays empty; bad shifts are refused */
	const uint8_t two[2] = { 22, 12 };
	const uint8_t bad[2] = { 22, 7 };
	assert_int_equal(tlb_set_walk_shifts(t, bad, 2), -EINVAL);
	assert_int_equal(tlb_set_walk_shifts(t, two, 2), 0);
	check(t);
	assert_int_equal(pwc_lookup(t, 1, va, &pa, &prot), -1);		/* dropped */
	pwc_insert(t, 1, va, 2, 0xc000, 0);
	assert_int_equal(pwc_lookup(t, 1, va, &pa, &prot), -1);
	pwc_insert(t, 1, va, 0, 0xd000, 0);
	assert_int_equal(pwc_lookup(t, 1, va, &pa, &prot), 0);
	tlb_free(t);
}

/* ---- configuration ------------------------------------------------------------------------ */

static void test_presets(void **state)
{
	(void)state;
	const char *const *names = tlb_preset_names();
	unsigned int n = 0;

	for (; names[n]; n++) {
		struct tlb_config a, b, c;
		struct mmsim_error err = { 0 };
		struct tlb *t;
		char *text;

		assert_int_equal(tlb_config_preset(names[n], &a), 0);
		assert_string_equal(a.preset, names[n]);
		assert_non_null(a.source);
		assert_int_equal(tlb_config_check(&a, &err), 0);
		if (tlb_config_parse(names[n], &b, &err))
			fail_msg("%s: %s", names[n], err.msg);
		assert_cfg_equal(&a, &b);
		text = format(&a);
		if (tlb_config_parse(text, &c, &err))
			fail_msg("%s: \"%s\": %s", names[n], text, err.msg);
		assert_cfg_equal(&a, &c);			/* parse(format(cfg)) == cfg */
		free(text);
		assert_int_equal(tlb_create(&a, 1, &t), 0);
		check(t);
		assert_cfg_equal(tlb_get_config(t), &a);
		tlb_free(t);
	}
	assert_int_equal(n, 5);
	assert_int_equal(tlb_config_preset("pentium", NULL), -ENOENT);
}

/* The preset figures, as tlb_config_format prints them. */
static void test_preset_text(void **state)
{
	(void)state;
	static const char *const want[][2] = {
		{ "none", "l1i=none; l1d=none; l2=none; pwc=none" },
		{ "skylake", "l1i=128x8:4k,8x8:2m+4m; l1d=64x4:4k,32x4:2m+4m,4x4:1g; "
		  "l2=1536x12:4k+2m,16x4:1g; pwc=0:2x2,1:4x4,2:32x4" },
		{ "zen4", "l1i=64x64:4k+2m+4m+1g; l1d=72x72:4k+2m+4m+1g; "
		  "l2=3072x24:4k+2m+4m+1g; pwc=0:4x4,1:8x8,2:32x4" },
		{ "cortex-a76", "l1i=48x48:4k+16k+64k+2m+32m; l1d=48x48:4k+16k+64k+2m+512m; "
		  "l2=1280x5:4k+16k+64k+2m+32m+512m+1g; pwc=0:4x4,1:8x8,2:32x4" },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct tlb_config cfg;
		char *text;

		assert_int_equal(tlb_config_preset(want[i][0], &cfg), 0);
		text = format(&cfg);
		assert_string_equal(text, want[i][1]);
		free(text);
	}
}

/* A custom description: arrays, sizes, policies; round trip; a preset's geometry is named. */
static void test_parse_custom(void **state)
{
	(void)state;
	struct tlb_config cfg, back;
	struct mmsim_error err = { 0 };
	const char *text = " l1d = 64x4:4k , 32x4:2m+4m/plru,4x1:1G/random ;l2=1024x8:4K+2M;";
	char *f;

	if (tlb_config_parse(text, &cfg, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(cfg.preset, "custom");
	assert_int_equal(cfg.l1i.nr_arrays, 0);
	assert_int_equal(cfg.l1d.nr_arrays, 3);
	assert_int_equal(cfg.l1d.array[0].sets, 16);
	assert_int_equal(cfg.l1d.array[0].ways, 4);
	assert_int_equal(cfg.l1d.array[0].page_sizes, TLB_PS(12));
	assert_int_equal(cfg.l1d.array[1].page_sizes, TLB_PS(21) | TLB_PS(22));
	assert_int_equal(cfg.l1d.array[1].repl, TLB_REPL_PLRU);
	assert_int_equal(cfg.l1d.array[2].sets, 4);
	assert_int_equal(cfg.l1d.array[2].ways, 1);
	assert_int_equal(cfg.l1d.array[2].repl, TLB_REPL_RANDOM);
	assert_int_equal(cfg.l2.array[0].sets, 128);
	assert_int_equal(cfg.pwc.nr, 0);
	f = format(&cfg);
	assert_string_equal(f, "l1i=none; l1d=64x4:4k,32x4:2m+4m/plru,4x1:1g/random; "
			    "l2=1024x8:4k+2m; pwc=none");
	assert_int_equal(tlb_config_parse(f, &back, &err), 0);
	assert_cfg_equal(&cfg, &back);
	free(f);

	/* the skylake geometry written out is recognised as skylake */
	assert_int_equal(tlb_config_parse("pwc=0:2x2,1:4x4,2:32x4; l2=1536x12:4k+2m,16x4:1g; "
					  "l1d=64x4:4k,32x4:2m+4m,4x4:1g; l1i=128x8:4k,8x8:2m+4m",
					  &cfg, &err), 0);
	assert_string_equal(cfg.preset, "skylake");
}

/* Bad descriptions: -EINVAL, the column, the reason, and the output left as it was. */
static void test_parse_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int column;
		const char *msg;
	} bad[] = {
		{ "l1d=60x4:4k", 5,
		  "l1d: 60x4: sets must be a power of two (60 entries / 4 ways = 15)" },
		{ "l1d=64x4:4k; l2=1536x12:4k+2m/plru", 17,
		  "l2: 1536x12: plru needs a power-of-two number of ways (12)" },
		{ "l1d=64x3:4k", 5, "entries must be a multiple of the ways (64 / 3 leaves 1)" },
		{ "l1d=0x4:4k", 5, "at least one entry and one way" },
		{ "l1d=131072x4:4k", 5, "at most 65536 entries per array" },
		{ "l1d=64x4:3k", 10, "page size 3k is not a power of two" },
		{ "l1d=64x4:2k", 10, "page size 2k is outside 4k..1024g" },
		{ "l1d=64x4:4", 11, "expected k, m or g after the page size 4" },
		{ "l1d=64x4:4k+4k", 13, "page size 4k is listed twice" },
		{ "l1d=64x4:4k,32x4:4k+2m", 13, "array 2 repeats a page size of array 1" },
		{ "l1d=64x4", 9, "expected ':' and the page sizes" },
		{ "l1d=64:4k", 7, "expected 'x' and the number of ways" },
		{ "l1d=x4:4k", 5, "expected the number of entries" },
		{ "l1d=64x4:4k/mru", 13, "expected a replacement policy: lru, plru or random" },
		{ "l1d=8x8:4k/plru,8x8:2m/plru,8x8:1g/plru,8x8:4m/plru,8x8:16k/plru", 53,
		  "at most 4 arrays" },
		{ "l3=8x8:4k", 1, "unknown structure \"l3\"; expected l1i, l1d, l2 or pwc" },
		{ "l1d=8x8:4k; l1d=8x8:4k", 13, "l1d is given twice" },
		{ "l1d 8x8:4k; l2=none", 5, "expected '=' after l1d" },
		{ "l1d=8x8:4k l2=none", 12, "expected ';' before the next structure" },
		{ "l1d=8x8:4k;;", 12, "unknown structure \";\"" },
		{ "pwc=5:2x2", 5, "pwc: level 5; expected 0..3" },
		{ "pwc=0:2x2,0:4x4", 11, "pwc: level 0 has two caches" },
		{ "pwc=0:6x2", 7, "pwc: 6x2: sets must be a power of two" },
		{ "pwc=1:12x12/plru", 7, "plru needs a power-of-two number of ways (12)" },
		{ "pwc=1 2x2", 6, "expected ':' and the geometry after level 1" },
		{ "skylak", 1, "unknown TLB preset \"skylak\"; expected one of none, tiny, "
		  "skylake, zen4, cortex-a76" },
		{ "", 1, "unknown TLB preset \"\"" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tlb_config cfg, before;
		struct mmsim_error err = { 0 };

		memset(&cfg, 0x5a, sizeof(cfg));
		before = cfg;
		assert_int_equal(tlb_config_parse(bad[i].text, &cfg, &err), -EINVAL);
		if (!strstr(err.msg, bad[i].msg) || err.column != bad[i].column)
			fail_msg("\"%s\": got column %d \"%s\"; want column %d \"%s\"", bad[i].text,
				 err.column, err.msg, bad[i].column, bad[i].msg);
		assert_memory_equal(&cfg, &before, sizeof(cfg));
	}
}

/* tlb_config_check on structures built by hand. */
static void test_config_check(void **state)
{
	(void)state;
	struct tlb_config cfg, good;
	struct mmsim_error err = { 0 };
	struct tlb *t = NULL;

	assert_int_equal(tlb_config_preset("skylake", &good), 0);
#define BAD(mutate, text)                                                             \
	do {                                                                          \
		cfg = good;                                                           \
		mutate;                                                               \
		memset(&err, 0, sizeof(err));                                         \
		assert_int_equal(tlb_config_check(&cfg, &err), -EINVAL);              \
		if (!strstr(err.msg, text))                                           \
			fail_msg("got \"%s\", want \"%s\"", err.msg, text);           \
		assert_int_equal(tlb_create(&cfg, 1, &t), -EINVAL);                   \
	} while (0)
	BAD(cfg.l1d.array[0].sets = 12, "l1d array 1: sets must be a power of two (12)");
	BAD(cfg.l1d.array[0].sets = 0, "l1d array 1: sets must be a power of two (0)");
	BAD(cfg.l2.array[1].ways = 0, "l2 array 2: 4 sets x 0 ways");
	BAD(cfg.l1i.array[0].page_sizes = 0, "l1i array 1: page sizes 0x0");
	BAD(cfg.l1i.array[0].page_sizes = TLB_PS(11), "l1i array 1: page sizes 0x800");
	BAD(cfg.l1d.array[1].page_sizes |= TLB_PS(12), "l1d: arrays 1 and 2 share a page size");
	BAD(cfg.l2.array[0].repl = TLB_REPL_PLRU, "l2 array 1: plru needs a power-of-two");
	BAD(cfg.l2.array[0].repl = (enum tlb_repl)7, "unknown replacement policy 7");
	BAD(cfg.l1d.nr_arrays = 5, "l1d: 5 arrays; expected at most 4");
	BAD(cfg.pwc.cache[1].level = 0, "pwc: level 0 has two caches");
	BAD(cfg.pwc.cache[0].level = 4, "pwc cache 1: level 4; expected 0..3");
	BAD(cfg.pwc.cache[2].geom.sets = 3, "pwc level 2: sets must be a power of two (3)");
	BAD(cfg.pwc.nr = 5, "pwc: 5 caches; expected at most 4");
	BAD(memset(cfg.preset, 'x', sizeof(cfg.preset)), "preset name is not terminated");
#undef BAD
}

/* ---- randomized run against a reference model ------------------------------------------- */

/* Reference fully associative LRU TLB: entries with last-use times. */
struct ref_ent {
	bool valid, global;
	uint64_t vpn;
	uint16_t asid;
	uint64_t used;
};

/* Index of the model entry translating vpn for asid, or -1. */
static int ref_find(const struct ref_ent *r, int n, uint64_t vpn, uint16_t asid)
{
	for (int i = 0; i < n; i++)
		if (r[i].valid && r[i].vpn == vpn && (r[i].global || r[i].asid == asid))
			return i;
	return -1;
}

/*
 * Insert into the model set r[0..n): replace overlapping entries, else the LRU (invalid
 * first) one.
 */
static void ref_insert(struct ref_ent *r, int n, uint64_t vpn, uint16_t asid, bool global,
		       uint64_t now)
{
	int slot = -1;

	for (int i = 0; i < n; i++) {
		if (r[i].valid && r[i].vpn == vpn &&
		    (r[i].asid == asid || r[i].global || global)) {
			if (slot < 0)
				slot = i;
			else
				r[i].valid = false;
		}
	}
	for (int i = 0; slot < 0 && i < n; i++)
		if (!r[i].valid)
			slot = i;
	if (slot < 0) {
		slot = 0;
		for (int i = 1; i < n; i++)
			if (r[i].used < r[slot].used)
				slot = i;
	}
	r[slot] = (struct ref_ent){ true, global, vpn, asid, now };
}

/*
 * 200000 random operations (lookups, inserts with random asid and global bit, flush_page,
 * flush_asid, flush_all) on an LRU L1d of 16 entries and on the model; the hit/miss outcome,
 * the entry found and the occupancy must agree. Fully associative (the hash-indexed path)
 * and 4 sets x 4 ways (the scanned path); both go through the hints.
 */
static void random_vs_model(const char *text, int sets)
{
	enum { N = 16, OPS = 200000 };
	struct tlb *t = mk(text, 3);
	struct ref_ent ref[N];
	struct rng r;
	uint64_t now = 0;
	const int ways = N / sets;

	memset(ref, 0, sizeof(ref));
	rng_seed(&r, 11);
	for (int op = 0; op < OPS; op++) {
		uint64_t vpn = rng_below(&r, 40);
		uint16_t asid = (uint16_t)rng_below(&r, 3);
		uint64_t k = rng_below(&r, 100);
		struct ref_ent *set = &ref[(vpn % (uint64_t)sets) * (uint64_t)ways];
		struct tlb_entry e;

		if (k < 60) {
			int want = ref_find(set, ways, vpn, asid);
			int got = tlb_lookup(t, false, asid, vpn * PAGE, &e);

			assert_int_equal(got, want >= 0);
			if (want >= 0) {
				set[want].used = ++now;
				assert_int_equal(e.asid, set[want].asid);
				assert_int_equal(!!(e.flags & TLBE_GLOBAL), set[want].global);
			}
		} else if (k < 95) {
			bool global = rng_below(&r, 8) == 0;

			ins(t, false, asid, vpn * PAGE, 12, global);
			ref_insert(set, ways, vpn, asid, global, ++now);
		} else if (k < 98) {
			bool all = rng_below(&r, 2);

			tlb_flush_page(t, asid, vpn * PAGE, all);
			for (int i = 0; i < N; i++)
				if (ref[i].vpn == vpn &&
				    (all || ref[i].global || ref[i].asid == asid))
					ref[i].valid = false;
		} else if (k < 99) {
			tlb_flush_asid(t, asid);
			for (int i = 0; i < N; i++)
				if (!ref[i].global && ref[i].asid == asid)
					ref[i].valid = false;
		} else {
			bool keep = rng_below(&r, 2);

			tlb_flush_all(t, keep);
			for (int i = 0; i < N; i++)
				if (!(keep && ref[i].global))
					ref[i].valid = false;
		}
		if (op % 64 == 0) {
			int n = 0;

			for (int i = 0; i < N; i++)
				n += ref[i].valid;
			assert_int_equal(occ_l1d(t), n);
			check(t);
		}
	}
	check(t);
	tlb_free(t);
}

static void test_random_vs_model(void **state)
{
	(void)state;
	random_vs_model("l1d=16x16:4k", 1);
	random_vs_model("l1d=16x4:4k", 4);
}

/* Every preset under random traffic keeps its invariants (validated after every operation). */
static void test_presets_stress(void **state)
{
	(void)state;
	const char *const *names = tlb_preset_names();
	static const unsigned int sizes[] = { 12, 21, 30, 14, 16, 22, 25, 29 };

	for (unsigned int n = 0; names[n]; n++) {
		struct tlb *t = mk(names[n], n);
		struct rng r;
		uint64_t pa;
		uint32_t prot;

		x86_shifts(t);
		rng_seed(&r, n);
		for (int op = 0; op < 20000; op++) {
			uint64_t va = rng_below(&r, 1ull << 33) << 12;
			uint16_t asid = (uint16_t)rng_below(&r, 4);
			bool instr = rng_below(&r, 4) == 0;
			unsigned int k = (unsigned int)rng_below(&r, 100);

			if (k < 50) {
				if (!look(t, instr, asid, va, NULL))
					ins(t, instr, asid, va, sizes[rng_below(&r, 8)],
					    rng_below(&r, 16) == 0);
			} else if (k < 80) {
				unsigned int lvl = (unsigned int)rng_below(&r, 3);

				if (pwc_lookup(t, asid, va, &pa, &prot) < (int)lvl)
					pwc_insert(t, asid, va, lvl, va & 0xfff000, 0);
				check(t);
			} else if (k < 97) {
				tlb_flush_page(t, asid, va, rng_below(&r, 2));
				check(t);
			} else if (k < 99) {
				tlb_flush_asid(t, asid);
				check(t);
			} else {
				tlb_flush_all(t, rng_below(&r, 2));
				check(t);
			}
		}
		tlb_free(t);
	}
}

/* ---- the interface of the MMU's micro-TLB ------------------------------------------------ */

/*
 * tlb_lookup_ref counts and answers exactly as tlb_lookup: the same random traffic on two
 * TLBs of one geometry, one looked up each way, gives the same answers and counters. The
 * reference to repeat a hit is given for L1 hits in LRU arrays only.
 */
static void lookup_ref_like_lookup(const char *text, bool lru_l1)
{
	struct tlb *a = mk(text, 7), *b = mk(text, 7);
	struct rng r;

	rng_seed(&r, 5);
	for (int i = 0; i < 20000; i++) {
		unsigned int op = (unsigned int)rng_below(&r, 100);
		bool instr = rng_below(&r, 4) == 0;

		if (i % 2000 == 0) {
			check(a);
			check(b);
		}
		uint16_t asid = (uint16_t)rng_below(&r, 2);
		unsigned int shift = rng_below(&r, 8) ? 12 : 21;
		uint64_t va = rng_below(&r, 96) << 12;

		if (op < 80) {
			struct tlb_entry ea, eb;
			struct tlb_hit_ref ref;
			int hit;
			int ra = tlb_lookup(a, instr, asid, va, &ea);
			const struct tlb_entry *pb = tlb_lookup_ref(b, instr, asid, va, &hit, &ref);

			assert_int_equal(ra, pb ? hit : 0);
			if (ra)
				assert_memory_equal(&ea, (eb = *pb, &eb), sizeof(ea));
			assert_true((ref.stamp != NULL) == (hit == 1 && pb && lru_l1));
			assert_true((ref.clock != NULL) == (ref.stamp != NULL));
			assert_true((ref.ver != NULL) == (ref.stamp != NULL));
			if (!ra) {
				struct tlb_entry n = {
					.vpn = va >> shift, .pfn = pfn_of(va, shift, asid),
					.asid = asid, .shift = (uint8_t)shift, .flags = TLBE_VALID,
					.prot = PTE_WRITE | PTE_USER | PTE_ACCESSED,
				};
				tlb_insert(a, instr, &n);
				tlb_insert(b, instr, &n);
			}
		} else if (op < 90) {
			tlb_flush_page(a, asid, va, false);
			tlb_flush_page(b, asid, va, false);
		} else if (op < 95) {
			tlb_update_prot(a, asid, va, PTE_USER);
			tlb_update_prot(b, asid, va, PTE_USER);
		} else {
			tlb_flush_asid(a, asid);
			tlb_flush_asid(b, asid);
		}
	}
	assert_memory_equal(tlb_stats(a), tlb_stats(b), sizeof(struct tlb_stats));
	check(a);
	check(b);
	tlb_free(a);
	tlb_free(b);
}

static void test_lookup_ref_like_lookup(void **state)
{
	(void)state;
	lookup_ref_like_lookup("skylake", true);
	lookup_ref_like_lookup("zen4", true);
	lookup_ref_like_lookup("l1i=8x8:4k+2m/plru; l1d=16x4:4k+2m/plru; l2=64x4:4k+2m", false);
	lookup_ref_like_lookup("l1i=8x8:4k+2m/random; l1d=8x8:4k+2m/random", false);
}

/*
 * A slot's version moves when its entry is written or dropped, not when it is used; the
 * generation moves only when a lookup could find another entry first: a hint taken from a
 * page two entries translate, and a fill that may overlap an entry of another size.
 */
static void test_version_and_generation(void **state)
{
	(void)state;
	struct tlb *t = mk("skylake", 1);
	const uint64_t *gen = tlb_generation(t);
	struct tlb_hit_ref ref;
	const struct tlb_entry *e;
	int hit;
	const uint64_t A = 0x10000000, B = A + (2ull << 20);	/* same hint bucket */

	ins(t, false, 1, A, 12, false);
	e = tlb_lookup_ref(t, false, 1, A, &hit, &ref);
	assert_non_null(e);
	assert_int_equal(hit, 1);
	const uint32_t *ver = ref.ver, v0 = *ver;
	uint64_t g0 = *gen, stamp = *ref.stamp;
	/* uses and fills elsewhere change neither */
	for (int i = 0; i < 3; i++)
		assert_non_null(tlb_lookup_ref(t, false, 1, A, &hit, &ref));
	assert_true(*ref.stamp > stamp);
	ins(t, false, 1, A + 4096, 12, false);
	assert_int_equal(*ver, v0);
	assert_int_equal(*gen, g0);
	/* B takes A's hint bucket; A is its only translation: no new generation */
	ins(t, false, 1, B, 12, false);
	assert_non_null(tlb_lookup_ref(t, false, 1, B, &hit, &ref));
	assert_int_equal(*gen, g0);
	/* a prot update and a flush rewrite A's slot */
	tlb_update_prot(t, 1, A, PTE_USER);
	assert_int_not_equal(*ver, v0);
	uint32_t v1 = *ver;
	tlb_flush_page(t, 1, A, false);
	assert_int_not_equal(*ver, v1);
	assert_int_equal(*gen, g0);
	/* a 2M fill while 4K entries are cached (A + 4K is inside): a new generation */
	ins(t, false, 1, A, 21, false);
	assert_int_not_equal(*gen, g0);
	/* a 4K fill under the cached 2M entry: a new generation; far from it: none */
	uint64_t g1 = *gen;
	ins(t, false, 1, A + 8192, 12, false);
	assert_int_not_equal(*gen, g1);
	g1 = *gen;
	ins(t, false, 1, A + (16ull << 20), 12, false);
	assert_int_equal(*gen, g1);
	/* A + 8K's bucket taken while A + 8K has two translations: a new generation */
	assert_non_null(tlb_lookup_ref(t, false, 1, A + 8192, &hit, &ref));
	assert_int_equal(*gen, g1);
	const uint64_t C = A + 8192 + (2ull << 20);	/* A + 8K's hint bucket */
	ins(t, false, 1, C, 12, false);
	assert_int_equal(*gen, g1);	/* nothing of another size near C */
	assert_non_null(tlb_lookup_ref(t, false, 1, C, &hit, &ref));
	assert_int_not_equal(*gen, g1);
	check(t);
	tlb_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fa_lru_sweeps),
		cmocka_unit_test(test_direct_mapped_conflict),
		cmocka_unit_test(test_two_way_lru_sequence),
		cmocka_unit_test(test_plru_by_hand),
		cmocka_unit_test(test_random_by_hand),
		cmocka_unit_test(test_random_deterministic),
		cmocka_unit_test(test_l2_refills_l1),
		cmocka_unit_test(test_page_sizes),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_update_prot),
		cmocka_unit_test(test_asid_tagging),
		cmocka_unit_test(test_global_entries),
		cmocka_unit_test(test_flush_page),
		cmocka_unit_test(test_pwc_flush_asid_all),
		cmocka_unit_test(test_pwc_deepest),
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_preset_text),
		cmocka_unit_test(test_parse_custom),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_config_check),
		cmocka_unit_test(test_random_vs_model),
		cmocka_unit_test(test_presets_stress),
		cmocka_unit_test(test_lookup_ref_like_lookup),
		cmocka_unit_test(test_version_and_generation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

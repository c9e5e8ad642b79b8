/*
 * TLB lookup cost (src/hw/tlb.c). Prints one line per figure: nanoseconds per tlb_lookup
 * call as a caller sees it, the loop, the load of the next address from a 4096-entry table
 * of pre-shuffled addresses and the copy of the entry included. Each figure checks its own
 * premise from the counters (every lookup hit the L1, or the L2, or missed) and says so.
 * Every figure is measured RUNS times on a fresh TLB: the median is printed, with the
 * minimum and maximum, because a shared virtual machine is noisy.
 *
 *   bench_tlb [lookups]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "mmsim/mmsim.h"
#include "hw/tlb.h"
#include "util/rng.h"
#include "bench.h"

#define PAGE	4096ull
#define NVA	4096		/* addresses replayed in a loop */
#define RUNS	5

/* Print label with the median, minimum and maximum of r[0..RUNS). */
static void report(const char *kind, const char *label, const char *unit, struct result *r,
		   const char *premise)
{
	int ok = sort_results(r, RUNS);
	printf("%-8s %-36s %7.2f %s  (%.2f-%.2f; %s%s)\n", kind, label, r[RUNS / 2].ns, unit,
	       r[0].ns, r[RUNS - 1].ns, ok ? "" : "NOT ", premise);
}

/* A TLB from a preset or description; exits on error (this is a program, not the library). */
static struct tlb *make(const char *text)
{
	struct tlb_config cfg;
	struct mmsim_error err = { 0 };
	struct tlb *t;

	if (tlb_config_parse(text, &cfg, &err) || tlb_create(&cfg, 1, &t)) {
		fprintf(stderr, "bench_tlb: %s: %s\n", text, err.msg);
		exit(1);
	}
	return t;
}

/* Insert the 4K page at va for asid 1 into the data side. */
static void fill(struct tlb *t, uint64_t va)
{
	struct tlb_entry e = { .vpn = va >> 12, .pfn = (va >> 12) + 0x1000, .asid = 1,
			       .shift = 12, .flags = TLBE_VALID, .prot = 3 };
	tlb_insert(t, false, &e);
}

/* Time `iters` data lookups of va[i % NVA]; returns ns per lookup. */
static double time_lookups(struct tlb *t, const uint64_t *va, long iters)
{
	struct tlb_entry e;
	uint64_t sink = 0;
	double t0 = now();

	for (long i = 0; i < iters; i++) {
		sink += (uint64_t)tlb_lookup(t, false, 1, va[i & (NVA - 1)], &e);
		sink += e.pfn;
	}
	double dt = now() - t0;
	if (sink == 42)		/* keeps the loop; never true in practice */
		puts("");
	return dt * 1e9 / (double)iters;
}

/* L1 hits: npages consecutive pages made resident, then looked up in random order. */
static struct result l1_hit(const char *text, unsigned int npages, long iters)
{
	static uint64_t va[NVA];
	struct tlb *t = make(text);
	struct rng r;
	struct result res;

	rng_seed(&r, 3);
	for (unsigned int p = 0; p < npages; p++)
		fill(t, (0x10000 + p) * PAGE);
	for (int i = 0; i < NVA; i++)
		va[i] = (0x10000 + rng_below(&r, npages)) * PAGE + rng_below(&r, PAGE);
	tlb_reset_stats(t);
	res.ns = time_lookups(t, va, iters);
	res.ok = tlb_stats(t)->l1d.hits == (uint64_t)iters;
	tlb_free(t);
	return res;
}

static void bench_l1_hit(const char *label, const char *text, unsigned int npages, long iters)
{
	struct result r[RUNS];

	for (int i = 0; i < RUNS; i++)
		r[i] = l1_hit(text, npages, iters);
	report("L1 hit", label, "ns/lookup", r, "all L1 hits");
}

/*
 * L2 hits: a cyclic sweep over 1024 pages. On skylake every L1d set sees 64 pages cycling
 * through 4 ways (LRU: always a miss) while every STLB set holds its 8 pages: each lookup is
 * an L1 miss, an L2 hit and the L1 refill.
 */
static struct result l2_hit(long iters)
{
	static uint64_t va[NVA];
	struct tlb *t = make("skylake");
	struct result res;

	for (int i = 0; i < NVA; i++)
		va[i] = (0x10000 + (uint64_t)(i % 1024)) * PAGE;
	for (int p = 0; p < 1024; p++)
		fill(t, va[p]);
	tlb_reset_stats(t);
	iters -= iters % NVA;
	res.ns = time_lookups(t, va, iters);
	res.ok = tlb_stats(t)->l2.hits == (uint64_t)iters && !tlb_stats(t)->l1d.hits;
	tlb_free(t);
	return res;
}

static void bench_l2_hit(long iters)
{
	struct result r[RUNS];

	for (int i = 0; i < RUNS; i++)
		r[i] = l2_hit(iters);
	report("L2 hit", "skylake, 1024-page sweep", "ns/lookup", r, "all L1 miss + L2 hit");
}

/* Misses: a sweep over 1M pages misses L1 and L2 every time; each miss inserts the page. */
static struct result miss_insert(const char *text, long iters)
{
	struct tlb *t = make(text);
	struct tlb_entry e;
	uint64_t hits = 0;
	struct result res;
	double t0 = now();

	for (long i = 0; i < iters; i++) {
		uint64_t va = (0x100000 + (uint64_t)(i & 0xfffff)) * PAGE;

		if (!tlb_lookup(t, false, 1, va, &e))
			fill(t, va);
		else
			hits++;
	}
	res.ns = (now() - t0) * 1e9 / (double)iters;
	res.ok = !hits;
	tlb_free(t);
	return res;
}

static void bench_miss_insert(const char *label, const char *text, long iters)
{
	struct result r[RUNS];

	for (int i = 0; i < RUNS; i++)
		r[i] = miss_insert(text, iters);
	report("miss", label, "ns/lookup+insert", r, "all misses");
}

/* Deepest page-walk-cache hit (the PDE cache) on skylake's 4-level x86 shifts. */
static struct result pwc_hit(long iters)
{
	static const uint8_t shifts[4] = { 39, 30, 21, 12 };
	struct tlb *t = make("skylake");
	uint64_t pa, sink = 0;
	uint32_t prot;

	tlb_set_walk_shifts(t, shifts, 4);
	for (uint64_t i = 0; i < 32; i++) {
		pwc_insert(t, 1, i << 21, 0, 0x1000, 3);
		pwc_insert(t, 1, i << 21, 1, 0x2000, 3);
		pwc_insert(t, 1, i << 21, 2, 0x3000 + (i << 12), 3);
	}
	double t0 = now();
	for (long i = 0; i < iters; i++)
		sink += (uint64_t)pwc_lookup(t, 1, (uint64_t)(i & 31) << 21, &pa, &prot) + pa;
	struct result res = { (now() - t0) * 1e9 / (double)iters,
			      tlb_stats(t)->pwc_hits[2] == (uint64_t)iters && sink };
	tlb_free(t);
	return res;
}

static void bench_pwc(long iters)
{
	struct result r[RUNS];

	for (int i = 0; i < RUNS; i++)
		r[i] = pwc_hit(iters);
	report("PWC hit", "skylake PDE cache, 32 tables", "ns/lookup", r, "all level-2 hits");
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 20000000;

	if (iters < NVA)
		iters = NVA;
	bench_l1_hit("skylake L1d 4K 64x4, 64 pages", "skylake", 64, iters);
	bench_l1_hit("fully assoc. 96x96, 96 pages", "l1d=96x96:4k", 96, iters);
	bench_l1_hit("zen4 L1d 72 FA, 4 sizes, 72 pages", "zen4", 72, iters);
	bench_l1_hit("direct-mapped 64x1, 64 pages", "l1d=64x1:4k", 64, iters);
	bench_l2_hit(iters);
	bench_miss_insert("skylake L1d + STLB", "skylake", iters / 10);
	bench_miss_insert("zen4 (72 FA L1d, 3072x24 L2)", "zen4", iters / 10);
	bench_pwc(iters);
	return 0;
}

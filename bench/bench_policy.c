/*
 * Page-replacement policy throughput (src/mm/policy/): references per second that each
 * policy takes, single thread, on a generated trace of 12 million references held in memory
 * (so the figure is the policy engine's: hash lookup, the policy's bookkeeping, counting),
 * and for LRU, FIFO, CLOCK and ARC the premise that the counts are identical to those of an
 * independent reference implementation written here (arrays indexed by page number, no
 * hash, the algorithms as their papers state them).
 *
 * The trace: 262144 distinct pages (1 GiB of 4 KiB pages), about 90% of the references drawn
 * from a Zipf(0.9) popularity over them (a precomputed CDF), 10% from sequential scans of
 * 2048 pages (one starts with probability 1/18432 per reference); 25% are writes;
 * xoshiro256** from a fixed seed: the same references on every run. 16384 frames (64 MiB):
 * about half of the references fault, so the miss path (eviction, hash delete and insert)
 * is measured as much as the hit path. (Over the first 2 million references SIEVE and LFU
 * fault exactly alike: until SIEVE's hand first wraps around, both evict the oldest page
 * not referenced since it was loaded.)
 *
 * Each policy is timed RUNS times (a fresh policy per run, thread CPU time: see cpu_now);
 * the median is printed with the minimum and maximum, in millions of references per second.
 * OPT's next-use pass is done once before (its time is printed separately).
 *
 * Then, with a path argument, that trace (4 KiB pages, 1024 frames) read into memory and
 * every policy timed on it the same way, and the whole research-mode run (policy_run: read
 * + parse + the policy, wall clock) from the file for LRU, FIFO, CLOCK and ARC; e.g. the
 * four vmsim SPEC traces concatenated three times (12 million lines):
 *   for i in 1 2 3; do zcat shared/traces/vmsim/{gcc,swim,bzip,sixpack}.trace.gz; done \
 *       > /tmp/vmsim12m.trace
 *   bench_policy [N_REFS [FILE|- [NAME,...]]]   (default 12000000 references; FILE "-" for
 *                                               none; NAME,...: only these policies)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mm/policy/policy.h"
#include "kernel/policy_run.h"
#include "input/trace.h"
#include "util/rng.h"
#include "bench.h"

#define RUNS		5

/*
 * Seconds of CPU time of this thread: the machine is shared (2 cores, several builds at a
 * time), and CPU time does not count the time another process holds the core (cache
 * pollution by it still counts). bench_file uses the wall clock (it reads a file).
 */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
#define UNIVERSE	262144u
#define FRAMES		16384u
#define SCAN		2048u
#define FILE_FRAMES	1024u	/* 4 MiB: the SPEC traces touch about 3000 pages each */

static struct policy_ref *gen_trace(size_t n)
{
	struct policy_ref *r = malloc(n * sizeof(*r));
	double *cdf = malloc(UNIVERSE * sizeof(*cdf));
	struct rng g;
	double sum = 0;
	uint64_t scan_pos = 0, scan_left = 0;

	if (!r || !cdf)
		exit(1);
	for (unsigned i = 0; i < UNIVERSE; i++)
		cdf[i] = (sum += 1.0 / pow(i + 1.0, 0.9));
	rng_seed(&g, 42);
	for (size_t i = 0; i < n; i++) {
		uint64_t x = rng_next(&g);
		uint64_t page;
		if (scan_left || x % 18432 == 0) {
			if (!scan_left) {
				scan_pos = rng_below(&g, UNIVERSE);
				scan_left = SCAN;
			}
			page = scan_pos++ % UNIVERSE;
			scan_left--;
		} else {
			double u = (double)(rng_next(&g) >> 11) * 0x1p-53 * sum;
			size_t lo = 0, hi = UNIVERSE - 1;
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;
				if (cdf[mid] < u)
					lo = mid + 1;
				else
					hi = mid;
			}
			/* scatter the popular pages over the address space */
			page = (lo * 2654435761u) % UNIVERSE;
		}
		r[i].page = page;
		r[i].next = POLICY_NEVER;
		r[i].write = (x >> 32) % 4 == 0;
	}
	free(cdf);
	return r;
}

/* ---- independent references: arrays by page number ---- */

struct ref_result { uint64_t faults, writebacks; };

/*
 * The textbook clock: a ring of frames, a hand, a reference bit set at load and on a hit.
 * Without second chances (FIFO) no bit is ever set, and the hand takes the oldest page.
 */
static struct ref_result ref_clock(const struct policy_ref *r, size_t n, bool second_chance)
{
	uint32_t *ring = calloc(FRAMES, sizeof(*ring));
	uint8_t *in = calloc(UNIVERSE, 1), *dirty = calloc(UNIVERSE, 1), *ref = calloc(UNIVERSE, 1);
	struct ref_result res = { 0, 0 };
	size_t used = 0, hand = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t pg = (uint32_t)r[i].page;
		if (in[pg]) {
			ref[pg] = second_chance;
		} else {
			res.faults++;
			if (used == FRAMES) {
				while (ref[ring[hand]]) {
					ref[ring[hand]] = 0;
					hand = (hand + 1) % FRAMES;
				}
				uint32_t v = ring[hand];
				res.writebacks += dirty[v];
				in[v] = dirty[v] = 0;
				ring[hand] = pg;
				hand = (hand + 1) % FRAMES;
			} else {
				ring[used++] = pg;
			}
			in[pg] = 1;
			ref[pg] = second_chance;
		}
		dirty[pg] |= (uint8_t)r[i].write;
	}
	free(ring);
	free(in);
	free(dirty);
	free(ref);
	return res;
}

/* Index-linked lists over page numbers: list heads are UNIVERSE + l. */
struct ilists { uint32_t *prev, *next; uint8_t *which; uint64_t len[5]; };

static void il_init(struct ilists *L)
{
	L->prev = malloc((UNIVERSE + 5) * sizeof(uint32_t));
	L->next = malloc((UNIVERSE + 5) * sizeof(uint32_t));
	L->which = calloc(UNIVERSE, 1);
	memset(L->len, 0, sizeof(L->len));
	for (uint32_t l = 0; l < 5; l++)
		L->prev[UNIVERSE + l] = L->next[UNIVERSE + l] = UNIVERSE + l;
}

static void il_free(struct ilists *L)
{
	free(L->prev);
	free(L->next);
	free(L->which);
}

static void il_del(struct ilists *L, uint32_t x)
{
	L->next[L->prev[x]] = L->next[x];
	L->prev[L->next[x]] = L->prev[x];
	L->len[L->which[x]]--;
	L->which[x] = 0;
}

/* Add x at the MRU end of list l. */
static void il_add(struct ilists *L, uint32_t x, uint8_t l)
{
	uint32_t h = UNIVERSE + l;
	L->prev[x] = L->prev[h];
	L->next[x] = h;
	L->next[L->prev[h]] = x;
	L->prev[h] = x;
	L->which[x] = l;
	L->len[l]++;
}

static uint32_t il_lru(const struct ilists *L, uint8_t l)
{
	return L->next[UNIVERSE + l];
}

static struct ref_result ref_lru(const struct policy_ref *r, size_t n)
{
	struct ilists L;
	uint8_t *dirty = calloc(UNIVERSE, 1);
	struct ref_result res = { 0, 0 };

	il_init(&L);
	for (size_t i = 0; i < n; i++) {
		uint32_t pg = (uint32_t)r[i].page;
		if (L.which[pg]) {
			il_del(&L, pg);
		} else {
			res.faults++;
			if (L.len[1] == FRAMES) {
				uint32_t v = il_lru(&L, 1);
				il_del(&L, v);
				res.writebacks += dirty[v];
				dirty[v] = 0;
			}
		}
		il_add(&L, pg, 1);
		dirty[pg] |= (uint8_t)r[i].write;
	}
	il_free(&L);
	free(dirty);
	return res;
}

/* ARC as in Megiddo & Modha, FAST 2003, Fig. 4; lists 1 T1, 2 T2, 3 B1, 4 B2. */
static void arc_ref_replace(struct ilists *L, uint8_t *dirty, struct ref_result *res,
			    bool in_b2, double p)
{
	uint32_t v;
	if (L->len[1] && ((double)L->len[1] > p || (in_b2 && (double)L->len[1] == p))) {
		v = il_lru(L, 1);
		il_del(L, v);
		il_add(L, v, 3);
	} else {
		v = il_lru(L, 2);
		il_del(L, v);
		il_add(L, v, 4);
	}
	res->writebacks += dirty[v];
	dirty[v] = 0;
}

static struct ref_result ref_arc(const struct policy_ref *r, size_t n)
{
	struct ilists L;
	uint8_t *dirty = calloc(UNIVERSE, 1);
	struct ref_result res = { 0, 0 };
	double p = 0, c = FRAMES;

	il_init(&L);
	for (size_t i = 0; i < n; i++) {
		uint32_t x = (uint32_t)r[i].page;
		uint8_t w = L.which[x];
		if (w == 1 || w == 2) {			/* case I */
			il_del(&L, x);
			il_add(&L, x, 2);
		} else if (w == 3) {			/* case II */
			res.faults++;
			double d = L.len[3] >= L.len[4] ? 1 : (double)L.len[4] / (double)L.len[3];
			p = fmin(p + d, c);
			arc_ref_replace(&L, dirty, &res, false, p);
			il_del(&L, x);
			il_add(&L, x, 2);
		} else if (w == 4) {			/* case III */
			res.faults++;
			double d = L.len[4] >= L.len[3] ? 1 : (double)L.len[3] / (double)L.len[4];
			p = fmax(p - d, 0);
			arc_ref_replace(&L, dirty, &res, true, p);
			il_del(&L, x);
			il_add(&L, x, 2);
		} else {				/* case IV */
			res.faults++;
			uint64_t l1 = L.len[1] + L.len[3];
			uint64_t tot = l1 + L.len[2] + L.len[4];
			if (l1 == FRAMES) {
				if (L.len[1] < FRAMES) {
					il_del(&L, il_lru(&L, 3));
					arc_ref_replace(&L, dirty, &res, false, p);
				} else {
					uint32_t v = il_lru(&L, 1);
					il_del(&L, v);
					res.writebacks += dirty[v];
					dirty[v] = 0;
				}
			} else if (tot >= FRAMES) {
				if (tot == 2 * FRAMES)
					il_del(&L, il_lru(&L, 4));
				if (L.len[1] + L.len[2] == FRAMES)
					arc_ref_replace(&L, dirty, &res, false, p);
			}
			il_add(&L, x, 1);
		}
		dirty[x] |= (uint8_t)r[i].write;
	}
	il_free(&L);
	free(dirty);
	return res;
}

/* ---- measuring ---- */

static struct result run_policy_frames(const char *spec, uint64_t frames,
				       const struct policy_ref *r, size_t n, struct policy_stats *st)
{
	struct policy *p;
	struct mmsim_error err = { 0 };
	struct result res = { 0, 0 };

	if (policy_create(spec, frames, 1, &p, &err)) {
		fprintf(stderr, "bench_policy: %s: %s\n", spec, err.msg);
		exit(1);
	}
	double t0 = cpu_now();
	policy_access_refs(p, r, n);
	double t = cpu_now() - t0;
	res.ok = policy_validate(p, &err) == 0;
	policy_get_stats(p, st);
	policy_destroy(p);
	res.ns = t * 1e9 / (double)n;
	return res;
}

static struct result run_policy(const char *spec, const struct policy_ref *r, size_t n,
				struct policy_stats *st)
{
	return run_policy_frames(spec, FRAMES, r, n, st);
}

/* Next uses for any page numbers (a 2^24-slot table of the low bits, with a check). */
static void fill_next_any(struct policy_ref *r, size_t n)
{
	size_t cap = 1 << 24;
	struct { uint64_t page, idx; } *t = calloc(cap, sizeof(*t));
	if (!t)
		exit(1);
	for (size_t i = n; i-- > 0;) {
		size_t h = (r[i].page * POLICY_GOLDEN) >> 40;
		while (t[h].idx && t[h].page != r[i].page)
			h = (h + 1) & (cap - 1);
		r[i].next = t[h].idx ? t[h].idx - 1 : POLICY_NEVER;
		t[h].page = r[i].page;
		t[h].idx = i + 1;
	}
	free(t);
}

static void fill_next(struct policy_ref *r, size_t n)
{
	uint64_t *last = malloc(UNIVERSE * sizeof(*last));
	for (unsigned i = 0; i < UNIVERSE; i++)
		last[i] = POLICY_NEVER;
	for (size_t i = n; i-- > 0;) {
		r[i].next = last[r[i].page];
		last[r[i].page] = i;
	}
	free(last);
}

/* Read the trace at path into references (one per record, 4 KiB pages). */
static struct policy_ref *load_file(const char *path, size_t *n)
{
	struct trace_reader *rd;
	struct mmsim_error err = { 0 };
	struct trace_access buf[4096];
	struct policy_ref *r = NULL;
	size_t cap = 0, got;

	*n = 0;
	if (trace_open(path, NULL, &rd, &err)) {
		fprintf(stderr, "bench_policy: %s: %s\n", path, err.msg);
		exit(1);
	}
	while (trace_next_batch(rd, buf, 4096, &got, &err) == 0 && got) {
		if (*n + got > cap) {
			cap = cap ? cap * 2 : 1 << 20;
			r = realloc(r, cap * sizeof(*r));
			if (!r)
				exit(1);
		}
		for (size_t i = 0; i < got; i++)
			*n += policy_refs_of(&buf[i], 12, false, &r[*n], 1);
	}
	trace_close(rd);
	return r;
}

static bool selected(int argc, char **argv, const char *name)
{
	char only[256], want[64];

	if (argc <= 3)
		return true;
	snprintf(only, sizeof(only), ",%s,", argv[3]);
	snprintf(want, sizeof(want), ",%s,", name);
	return strstr(only, want) != NULL;
}

/* The policies on a real trace held in memory, then the whole run from the file. */
static void bench_file(const char *path, int argc, char **argv)
{
	static const char *const specs[] = { "lru", "fifo", "clock", "arc" };
	size_t n;
	struct policy_ref *r = load_file(path, &n);

	fill_next_any(r, n);
	printf("\n%s: %zu references in memory, %u frames, median of %d (min-max), M references "
	       "per CPU second:\n", path, n, FILE_FRAMES, RUNS);
	for (size_t k = 0; k < policy_registry_len; k++) {
		const char *name = policy_registry[k]->name;
		struct result rs[RUNS];
		struct policy_stats st;
		if (!selected(argc, argv, name))
			continue;
		for (int i = 0; i < RUNS; i++)
			rs[i] = run_policy_frames(name, FILE_FRAMES, r, n, &st);
		int ok = sort_results(rs, RUNS);
		printf("  %-9s %7.1f (%.1f-%.1f)  faults %llu (%.4f) writebacks %llu%s\n", name,
		       1e3 / rs[RUNS / 2].ns, 1e3 / rs[RUNS - 1].ns, 1e3 / rs[0].ns,
		       (unsigned long long)st.faults, (double)st.faults / (double)n,
		       (unsigned long long)st.dirty_writebacks, ok ? "" : "  PREMISE FAILED");
	}
	free(r);
	printf("\nread + parse + policy (policy_run, wall clock) on %s, %u frames, median of %d:\n",
	       path, FILE_FRAMES, RUNS);
	for (size_t k = 0; k < 4; k++) {
		struct result rs[RUNS];
		struct policy_run_result res;
		struct policy_run_info info;
		struct policy_run_opts o = { .specs = &specs[k], .nr_specs = 1,
					     .frames = FILE_FRAMES, .page_shift = 12, .seed = 1 };
		if (!selected(argc, argv, specs[k]))
			continue;
		for (int i = 0; i < RUNS; i++) {
			struct mmsim_error err = { 0 };
			double t0 = now();
			int rc = policy_run(path, &o, &res, &info, &err);
			double t = now() - t0;
			if (rc) {
				fprintf(stderr, "bench_policy: %s: %s\n", path, err.msg);
				exit(1);
			}
			rs[i].ns = t * 1e9 / (double)info.refs;
			rs[i].ok = 1;
		}
		sort_results(rs, RUNS);
		printf("  %-8s %6.1f M refs/s (%.1f-%.1f)  refs %llu faults %llu writebacks %llu\n",
		       specs[k], 1e3 / rs[RUNS / 2].ns, 1e3 / rs[RUNS - 1].ns, 1e3 / rs[0].ns,
		       (unsigned long long)info.refs, (unsigned long long)res.st.faults,
		       (unsigned long long)res.st.dirty_writebacks);
	}
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 12000000;
	struct policy_ref *r = gen_trace(n);
	int all_ok = 1;

	printf("policy throughput: %zu references, %u pages, %u frames, median of %d runs "
	       "(min-max), M references per CPU second\n", n, UNIVERSE, FRAMES, RUNS);
	double t0 = now();
	fill_next(r, n);
	printf("  (OPT's next-use pass: %.3f s)\n", now() - t0);
	for (size_t k = 0; k < policy_registry_len; k++) {
		const char *name = policy_registry[k]->name;
		struct result rs[RUNS];
		struct policy_stats st;
		int ok;

		if (!selected(argc, argv, name))
			continue;
		for (int i = 0; i < RUNS; i++)
			rs[i] = run_policy(name, r, n, &st);
		ok = sort_results(rs, RUNS);
		const char *check = "";
		struct ref_result ref = { 0, 0 };
		bool has_ref = true;
		if (!strcmp(name, "lru"))
			ref = ref_lru(r, n);
		else if (!strcmp(name, "fifo"))
			ref = ref_clock(r, n, false);
		else if (!strcmp(name, "clock"))
			ref = ref_clock(r, n, true);
		else if (!strcmp(name, "arc"))
			ref = ref_arc(r, n);
		else
			has_ref = false;
		if (has_ref) {
			bool same = ref.faults == st.faults && ref.writebacks == st.dirty_writebacks;
			check = same ? "  = reference" : "  DIFFERS from the reference";
			ok &= same;
		}
		all_ok &= ok;
		printf("  %-9s %7.1f (%.1f-%.1f)  faults %llu (%.4f) writebacks %llu%s%s\n", name,
		       1e3 / rs[RUNS / 2].ns, 1e3 / rs[RUNS - 1].ns, 1e3 / rs[0].ns,
		       (unsigned long long)st.faults, (double)st.faults / (double)n,
		       (unsigned long long)st.dirty_writebacks, check, ok ? "" : "  PREMISE FAILED");
	}
	free(r);
	if (argc > 2 && strcmp(argv[2], "-"))
		bench_file(argv[2], argc, argv);
	return all_ok ? 0 : 1;
}

/*
 * Page allocator throughput and boot cost. Prints one line per figure; see
 * bench/RESULTS.md for the method and the numbers measured on the development machine.
 *
 *   bench_page_alloc [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kernel/machine.h"
#include "mm/page_alloc.h"
#include "hw/physmem.h"
#include "bench.h"

static mmsim_machine *boot(const char *ram, double *secs)
{
	mmsim_config *cfg;
	struct mmsim_error err;
	mmsim_machine *m;
	if (mmsim_config_new(&cfg) || mmsim_config_set(cfg, "ram", ram, &err))
		return NULL;
	double t0 = now();
	int r = mmsim_boot(cfg, &m, &err);
	*secs = now() - t0;
	mmsim_config_free(cfg);
	if (r) {
		fprintf(stderr, "boot %s: %s\n", ram, err.msg);
		return NULL;
	}
	return m;
}

/* Repeated alloc+free pairs of one order: the pcp fast path for orders <= 3. */
static void bench_pairs(mmsim_machine *m, unsigned int order, long iters)
{
	struct mm_sys *ms = &m->mm;
	double t0 = now();
	for (long i = 0; i < iters; i++) {
		int err;
		struct page *p = alloc_pages(ms, 0, MMSIM_GFP_KERNEL, order, &err);
		if (!p)
			abort();
		__free_pages(ms, 0, p, order);
	}
	double dt = now() - t0;
	printf("alloc+free pair  order %-2u  %8.1f ns/pair\n", order, dt * 1e9 / (double)iters);
}

/* Mixed: a working set of live blocks, random orders 0..10, alloc and free interleaved. */
static void bench_mixed(mmsim_machine *m, long iters)
{
	struct mm_sys *ms = &m->mm;
	enum { N = 4096 };
	static struct page *live[N];
	static unsigned int ord[N];
	int n = 0;
	struct rng r;
	rng_seed(&r, 7);
	double t0 = now();
	for (long i = 0; i < iters; i++) {
		if (n < N && (rng_below(&r, 2) || !n)) {
			unsigned int o = rng_below(&r, 8) ? (unsigned)rng_below(&r, 4) : (unsigned)rng_below(&r, 11);
			int err;
			struct page *p = alloc_pages(ms, (int)rng_below(&r, ms->nr_cpus), MMSIM_GFP_KERNEL, o, &err);
			if (p) {
				live[n] = p;
				ord[n++] = o;
			}
		} else {
			int k = (int)rng_below(&r, (uint64_t)n);
			__free_pages(ms, (int)rng_below(&r, ms->nr_cpus), live[k], ord[k]);
			live[k] = live[--n];
			ord[k] = ord[n];
		}
	}
	double dt = now() - t0;
	while (n--)
		__free_pages(ms, 0, live[n], ord[n]);
	printf("mixed orders 0-10, 4096 live  %8.1f ns/op\n", dt * 1e9 / (double)iters);
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 5000000;
	double secs;
	mmsim_machine *m = boot("4G", &secs);
	if (!m)
		return 1;
	for (unsigned int o = 0; o <= 10; o++)
		bench_pairs(m, o, o <= 3 ? iters : iters / 10);
	bench_mixed(m, iters);
	mmsim_machine_free(m);
	const char *sizes[] = { "4G", "64G", "1T" };
	for (int i = 0; i < 3; i++) {
		m = boot(sizes[i], &secs);
		if (!m)
			return 1;
		printf("boot %-4s sparse  %8.3f s  host RAM touched %8.1f MiB\n", sizes[i], secs,
		       (double)physmem_resident_bytes(&m->ram) / (1 << 20));
		mmsim_machine_free(m);
	}
	return 0;
}

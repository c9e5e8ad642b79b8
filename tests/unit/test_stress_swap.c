/*
 * Stress (issue 6): a 64 MiB machine with 256 MiB of swap; two processes write 200 MiB
 * between them, page by page in a seeded random order, each page stamped with its own
 * bytes, then read every page back in another random order. Nothing may be lost: every
 * byte comes back, no frame is mapped twice where it should not be (the validators: rmap,
 * mapcounts, LRU, swap counts), and at the end the swap and RAM add up. The validators
 * run every CHECK_EVERY accesses and at each phase's end rather than after every access
 * (each run walks the whole memmap: after every one of the 102400 accesses the test would
 * take minutes); `mmsim run --check` of tests/cli/swap.sh checks after every statement.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/blkdev.h"
#include "mmsim/mmsim.h"
#include "boot.h"
#include "task_helpers.h"
#include "kernel/fork.h"
#include "mm/page_alloc.h"
#include "mm/swap.h"
#include "util/rng.h"

#define PS 4096ull
#define NPROC 2
#define PAGES_PER (100ull * 256)	/* 100 MiB each */
#define CHECK_EVERY 8192

static const char *const kv[] = { "ram", "64M", "swap", "256M", NULL };

/* The 8 bytes page i of process k holds: a function of both, never zero. */
static uint64_t stamp(int k, uint64_t i)
{
	return (0x9e3779b97f4a7c15ull * (i + 1)) ^ ((uint64_t)(k + 1) << 56) ^ 0x5a5a;
}

static void put64(struct mmsim_machine *m, struct task_struct *t, uint64_t va, uint64_t v)
{
	struct access_result r;

	assert_int_equal(task_access_data(m, t, va, 8, MMU_WRITE, &v, &r), 0);
	assert_int_equal(r.signo, 0);
}

static uint64_t get64(struct mmsim_machine *m, struct task_struct *t, uint64_t va)
{
	struct access_result r;
	uint64_t v = 0;

	assert_int_equal(task_access_data(m, t, va, 8, MMU_READ, &v, &r), 0);
	assert_int_equal(r.signo, 0);
	return v;
}

/* A random permutation of n (Fisher-Yates with the seeded generator). */
static uint32_t *shuffled(struct rng *g, uint64_t n)
{
	uint32_t *p = malloc(n * sizeof(*p));

	assert_non_null(p);
	for (uint64_t i = 0; i < n; i++)
		p[i] = (uint32_t)i;
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = rng_next(g) % (i + 1);
		uint32_t x = p[i];

		p[i] = p[j];
		p[j] = x;
	}
	return p;
}

static void test_swap_stress(void **state)
{
	(void)state;
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv);
	struct task_struct *t[NPROC];
	uint64_t base[NPROC];
	struct rng g;
	uint64_t n = NPROC * PAGES_PER, done = 0;

	rng_seed(&g, 20261121);
	for (int k = 0; k < NPROC; k++) {
		t[k] = new_task(m, 100 + k);
		int64_t a = sys_mmap(t[k], 0, PAGES_PER * PS, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_true(a > 0);
		base[k] = (uint64_t)a;
	}
	/* write every page once, in a random order over both processes */
	uint32_t *order = shuffled(&g, n);
	for (uint64_t x = 0; x < n; x++) {
		int k = (int)(order[x] / PAGES_PER);
		uint64_t i = order[x] % PAGES_PER;

		put64(m, t[k], base[k] + i * PS + (i % 500) * 8, stamp(k, i));
		if (++done % CHECK_EVERY == 0)
			check_machine(m);
	}
	free(order);
	/* far more than RAM was written: most of it must be in swap */
	assert_true(m->mm.vm_events[PSWPOUT] > n / 2);
	check_machine(m);
	/* read everything back in another order: every stamp intact */
	order = shuffled(&g, n);
	for (uint64_t x = 0; x < n; x++) {
		int k = (int)(order[x] / PAGES_PER);
		uint64_t i = order[x] % PAGES_PER;
		uint64_t v = get64(m, t[k], base[k] + i * PS + (i % 500) * 8);

		if (v != stamp(k, i))
			fail_msg("process %d page %llu: 0x%llx, expected 0x%llx", k,
				 (unsigned long long)i, (unsigned long long)v,
				 (unsigned long long)stamp(k, i));
		if (++done % CHECK_EVERY == 0)
			check_machine(m);
	}
	free(order);
	assert_true(m->mm.vm_events[PSWPIN] > 0);
	/* every page is either resident or in swap: RSS + swap entries = pages written */
	int64_t total = 0;
	for (int k = 0; k < NPROC; k++)
		total += t[k]->mm->rss_stat[MM_ANONPAGES] + t[k]->mm->rss_stat[MM_SWAPENTS];
	assert_int_equal(total, (int64_t)n);
	check_machine(m);
	/*
	 * exit returns every slot, once the writes in flight are done: a folio still under
	 * writeback when its last user goes keeps its slot until reclaim frees it (Linux's
	 * orphaned swap cache), so the disk finishes first
	 */
	blk_throttle(&m->mm);
	for (int k = 0; k < NPROC; k++)
		do_exit(m, t[k], 0);
	assert_int_equal(nr_swap_pages(&m->mm), total_swap_pages(&m->mm));
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swap_stress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

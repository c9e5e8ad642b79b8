/*
 * Research mode inside the machine (mm/policy_reclaim.c): a policy chooses the machine's
 * victims and Linux's mechanisms evict them. The central property: with one page per fault
 * (no readahead, no fault-around, base pages), a process that references pages of a file in
 * the order of a reference string gets exactly the counts `mmsim trace --policy` gives for
 * that string: accesses, hits, faults (= the process's major faults), evictions and dirty
 * write-backs (= the pages the machine wrote back to the file), for every policy a running
 * machine can use, on random strings and frame counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "boot.h"
#include "tmpfile.h"
#include "task_helpers.h"
#include "fs/fs.h"
#include "mm/page_alloc.h"
#include "mm/policy/policy.h"
#include "mm/policy_reclaim.h"
#include "mm/vmstat.h"
#include "util/rng.h"

#define NPAGES	12
#define BASE	0x40000000ull

static char *file_path;

/* Page p of the test file holds p + 1 in every byte. */
static uint8_t page_byte(uint64_t i)
{
	return (uint8_t)(i / 4096 + 1);
}

static int make_file(void **state)
{
	(void)state;
	file_path = make_tmp_file("rpolicy", NPAGES * 4096, page_byte);
	return 0;
}

static int remove_file(void **state)
{
	(void)state;
	unlink(file_path);
	free(file_path);
	return 0;
}

static struct mm_sys *msys(mmsim_machine *m)
{
	return &((struct mmsim_machine *)m)->mm;
}

static mmsim_machine *boot_policy(const char *spec, const char *frames)
{
	const char *kv[] = { "ram", "64M", "policy", spec, "policy_frames", frames,
			     "read_ahead_kb", "0", "fault_around_bytes", "4096", "check", "1",
			     NULL };
	return boot(kv);
}

/* Map the test file shared and writable at BASE in a new task. */
static struct task_struct *map_file(mmsim_machine *m)
{
	struct task_struct *t = new_task((struct mmsim_machine *)m, 1);
	int err = 0;
	struct file *f = filp_open(msys(m)->fs, file_path, O_RDWR, &err);

	assert_non_null(f);
	assert_int_equal(vm_mmap(t, f, BASE, NPAGES * 4096, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED, 0), (int64_t)BASE);
	fput(msys(m)->fs, f);
	return t;
}

struct ref {
	uint64_t page;
	bool write;
};

static void check_same(const char *spec, uint64_t frames, const struct ref *r, size_t n,
		       uint64_t seed)
{
	char fr[32];
	struct policy *tp = NULL;
	struct mmsim_error err = { 0 };

	snprintf(fr, sizeof(fr), "%llu", (unsigned long long)frames);
	mmsim_machine *m = boot_policy(spec, fr);
	struct mm_sys *ms = msys(m);
	struct task_struct *t = map_file(m);
	int64_t written0 = global_node_page_state(ms, NR_WRITTEN);

	assert_int_equal(policy_create(spec, frames, seed, &tp, &err), 0);
	/* the machine's policy was seeded with the machine's seed: use the same */
	rng_seed(&tp->rng, 0);
	rng_seed(&ms->rpolicy->p->rng, 0);
	for (size_t i = 0; i < n; i++) {
		acc((struct mmsim_machine *)m, t, BASE + r[i].page * 4096,
		    r[i].write ? MMU_WRITE : MMU_READ);
		policy_access(tp, r[i].page, r[i].write, POLICY_NEVER);
	}
	check_machine((struct mmsim_machine *)m);

	struct policy_stats a, b;
	policy_get_stats(ms->rpolicy->p, &a);
	policy_get_stats(tp, &b);
	if (a.accesses != b.accesses || a.hits != b.hits || a.faults != b.faults ||
	    a.evictions != b.evictions || a.dirty_writebacks != b.dirty_writebacks)
		fail_msg("%s, %llu frames: machine %llu/%llu/%llu/%llu/%llu, trace %llu/%llu/%llu/"
			 "%llu/%llu (accesses/hits/faults/evictions/write-backs)", spec,
			 (unsigned long long)frames, (unsigned long long)a.accesses,
			 (unsigned long long)a.hits, (unsigned long long)a.faults,
			 (unsigned long long)a.evictions, (unsigned long long)a.dirty_writebacks,
			 (unsigned long long)b.accesses, (unsigned long long)b.hits,
			 (unsigned long long)b.faults, (unsigned long long)b.evictions,
			 (unsigned long long)b.dirty_writebacks);
	/* the machine did what the counts say: one major fault per policy fault, and each
	   dirty victim written back to the file */
	assert_int_equal(t->maj_flt, b.faults);
	assert_int_equal(global_node_page_state(ms, NR_WRITTEN) - written0, b.dirty_writebacks);
	assert_int_equal(a.kept, 0);
	assert_int_equal(a.over_limit, 0);
	policy_destroy(tp);
	mmsim_machine_free(m);
}

/* The textbook string: FIFO 9 faults with 3 frames, 10 with 4 (Belady's anomaly). */
static void test_belady_in_the_machine(void **state)
{
	static const uint64_t s[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };
	struct ref r[12];

	(void)state;
	for (int i = 0; i < 12; i++)
		r[i] = (struct ref){ s[i], false };
	check_same("fifo", 3, r, 12, 0);
	check_same("fifo", 4, r, 12, 0);

	mmsim_machine *m = boot_policy("fifo", "3");
	struct task_struct *t = map_file(m);
	for (int i = 0; i < 12; i++)
		acc((struct mmsim_machine *)m, t, BASE + s[i] * 4096, MMU_READ);
	assert_int_equal(t->maj_flt, 9);
	assert_int_equal(msys(m)->rpolicy->p->st.evictions, 6);
	mmsim_machine_free(m);
}

/* Every policy a machine can run, random strings with writes, several frame counts. */
static void test_every_policy_as_trace_mode(void **state)
{
	struct rng g;
	struct ref r[200];

	(void)state;
	rng_seed(&g, 42);
	for (size_t k = 0; k < policy_registry_len; k++) {
		const struct policy_ops *ops = policy_registry[k];

		/* in a machine, "linux" is the kernel's own reclaim, not its model */
		if (ops->needs_future || !strcmp(ops->name, "linux"))
			continue;
		for (uint64_t frames = 2; frames <= 6; frames += 2) {
			for (size_t i = 0; i < 200; i++) {
				/* a hot set of 3 pages and a cold tail, 1 in 4 a write */
				uint64_t x = rng_below(&g, 100);
				r[i].page = x < 60 ? x % 3 : 3 + rng_below(&g, NPAGES - 3);
				r[i].write = rng_below(&g, 4) == 0;
			}
			check_same(ops->name, frames, r, 200, 0);
		}
	}
}

static void test_opt_refused(void **state)
{
	mmsim_config *cfg = NULL;
	struct mmsim_error err = { 0 };

	(void)state;
	assert_int_equal(mmsim_config_new(&cfg), 0);
	assert_int_equal(mmsim_config_set(cfg, "policy", "opt", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "future"));
	assert_int_equal(mmsim_config_set(cfg, "policy", "nosuch", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown policy"));
	assert_int_equal(mmsim_config_set(cfg, "policy", "clock:bits=99", &err), -EINVAL);
	assert_int_equal(mmsim_config_set(cfg, "policy", "linux", &err), 0);
	assert_int_equal(mmsim_config_set(cfg, "policy", "lru", &err), 0);
	mmsim_config_free(cfg);
}

/*
 * Anonymous pages go to swap and come back as the same page to the policy: a swapped-out
 * page's ghost is found when it is read back (ARC's B1 hit), and its bytes survive.
 */
static void test_anon_identity_through_swap(void **state)
{
	const char *kv[] = { "ram", "64M", "swap", "16M", "policy", "lru", "policy_frames", "4",
			     "check", "1", NULL };
	(void)state;
	mmsim_machine *m = boot(kv);
	struct mm_sys *ms = msys(m);
	struct task_struct *t = new_task((struct mmsim_machine *)m, 1);

	ms->sysctl.page_cluster = 0;
	assert_int_equal(vm_mmap(t, NULL, BASE, 16 * 4096, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0), (int64_t)BASE);
	for (int i = 0; i < 8; i++)
		put_byte((struct mmsim_machine *)m, t, BASE + i * 4096ull, (uint8_t)(i + 1));
	/* 8 pages through 4 frames: 4 written to swap */
	assert_int_equal(ms->rpolicy->p->st.evictions, 4);
	assert_int_equal(ms->vm_events[PSWPOUT], 4);
	for (int i = 0; i < 8; i++)
		assert_int_equal(get_byte((struct mmsim_machine *)m, t, BASE + i * 4096ull), i + 1);
	/* LRU: every read of the second pass misses (4 frames, 8 pages in a cycle) */
	assert_int_equal(ms->rpolicy->p->st.faults, 16);
	assert_int_equal(t->maj_flt, 8);
	check_machine((struct mmsim_machine *)m);
	mmsim_machine_free(m);
}

/*
 * The engine in machine mode, without a machine: random interleavings of what a machine
 * does (admissions with and without room, reclaim choosing victims with no page coming in,
 * victims put back, pages freed, references), every validator after every step.
 */
static void test_machine_mode_interleavings(void **state)
{
	struct rng g;
	struct mmsim_error err = { 0 };
	char msg[512];

	(void)state;
	rng_seed(&g, 7);
	for (size_t k = 0; k < policy_registry_len; k++) {
		const struct policy_ops *ops = policy_registry[k];
		struct policy *p;

		if (ops->needs_future)
			continue;
		assert_int_equal(policy_create_machine(ops->name, 8, 1, &p, &err), 0);
		for (int step = 0; step < 3000; step++) {
			uint64_t page = rng_below(&g, 24), x = rng_below(&g, 100);
			struct pentry *e = policy_lookup_resident(p, page);

			if (x < 40 && !e) {
				/*
				 * an admission as rpolicy_folio_added makes it: room made, a
				 * victim the machine cannot free put back and another chosen,
				 * then the page inserted
				 */
				for (int tries = 0; tries < 100; tries++) {
					assert_int_equal(policy_machine_make_room(p, page), 0);
					struct policy_victim v[POLICY_MAX_VICTIMS];
					unsigned int n = p->nr_victims, kept = 0;
					memcpy(v, p->victims, n * sizeof(v[0]));
					for (unsigned int i = 0; i < n; i++)
						if (rng_below(&g, 4) == 0) {
							assert_int_equal(policy_machine_putback(
									p, &v[i]), 0);
							kept++;
						}
					if (kept < n || !n)
						break;
				}
				assert_int_equal(policy_machine_insert(p, page, 1000 + page,
								       rng_below(&g, 2)), 0);
			} else if (x < 50) {
				/* reclaim: victims with nothing coming in */
				if (p->nr_resident)
					assert_int_equal(policy_machine_choose(p), 0);
			} else if (x < 60) {
				if (e)
					policy_remove_page(p, page);
			} else {
				policy_machine_reference(p, page, rng_below(&g, 3) == 0);
			}
			if (policy_validate(p, &err)) {
				mmsim_error_format(&err, msg, sizeof(msg));
				fail_msg("%s, step %d: %s", ops->name, step, msg);
			}
		}
		policy_destroy(p);
	}
}

/*
 * Admissions over the limit: the machine cannot free any victim (every one is put back) and
 * the page comes in anyway, on 1 and 2 frames, mixed with normal admissions, reclaim and
 * references. No policy may touch an empty list for it (ARC's and CAR's ghost trimming did:
 * an entry read from a list head) and every invariant holds after each step.
 */
static void test_machine_mode_over_limit(void **state)
{
	struct rng g;
	struct mmsim_error err = { 0 };
	char msg[512];

	(void)state;
	rng_seed(&g, 17);
	for (size_t k = 0; k < policy_registry_len; k++) {
		const struct policy_ops *ops = policy_registry[k];

		if (ops->needs_future)
			continue;
		for (uint64_t frames = 1; frames <= 2; frames++) {
			struct policy *p;

			assert_int_equal(policy_create_machine(ops->name, frames, 1, &p, &err), 0);
			for (int step = 0; step < 2000; step++) {
				uint64_t page = rng_below(&g, 8), x = rng_below(&g, 100);
				bool keep_all = rng_below(&g, 3) == 0;

				if (x < 50 && !policy_lookup_resident(p, page)) {
					assert_int_equal(policy_machine_make_room(p, page), 0);
					struct policy_victim v[POLICY_MAX_VICTIMS];
					unsigned int n = p->nr_victims;

					memcpy(v, p->victims, n * sizeof(v[0]));
					for (unsigned int i = 0; keep_all && i < n; i++)
						assert_int_equal(policy_machine_putback(p, &v[i]), 0);
					assert_int_equal(policy_machine_insert(p, page, 100 + page,
									       true), 0);
				} else if (x < 60) {
					if (p->nr_resident)
						assert_int_equal(policy_machine_choose(p), 0);
				} else if (x < 70) {
					policy_remove_page(p, page);
				} else {
					policy_machine_reference(p, page, rng_below(&g, 3) == 0);
				}
				if (policy_validate(p, &err)) {
					mmsim_error_format(&err, msg, sizeof(msg));
					fail_msg("%s, %llu frames, step %d: %s", ops->name,
						 (unsigned long long)frames, step, msg);
				}
			}
			policy_destroy(p);
		}
	}
}

/*
 * Without policy_frames the watermarks decide when reclaim runs, and kswapd and direct
 * reclaim take the policy's victims (rpolicy_shrink): more anonymous memory than RAM is
 * written and read back through swap, every byte intact, counted in pgscan/pgsteal and in
 * the policy's evictions alike.
 */
static void test_watermark_reclaim_takes_policy_victims(void **state)
{
	static const char *const pols[] = { "clock", "arc", "lirs", "s3fifo" };
	const uint64_t npages = 60 << 8;	/* 60 MiB on a 48 MiB machine */

	(void)state;
	for (size_t k = 0; k < sizeof(pols) / sizeof(pols[0]); k++) {
		const char *kv[] = { "ram", "48M", "swap", "64M", "policy", pols[k], NULL };
		mmsim_machine *m = boot(kv);
		struct mm_sys *ms = msys(m);
		struct task_struct *t = new_task((struct mmsim_machine *)m, 1);

		assert_int_equal(vm_mmap(t, NULL, BASE, npages * 4096, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0), (int64_t)BASE);
		for (uint64_t i = 0; i < npages; i++)
			put_byte((struct mmsim_machine *)m, t, BASE + i * 4096, (uint8_t)(i * 7 + 1));
		for (uint64_t i = 0; i < npages; i++)
			assert_int_equal(get_byte((struct mmsim_machine *)m, t, BASE + i * 4096),
					 (uint8_t)(i * 7 + 1));
		check_machine((struct mmsim_machine *)m);
		uint64_t stolen = ms->vm_events[PGSTEAL_KSWAPD] + ms->vm_events[PGSTEAL_DIRECT];
		assert_true(stolen > 0);
		assert_int_equal(stolen, ms->vm_events[PGSTEAL_ANON]);
		/* every page the machine freed was one the policy evicted (and none put back) */
		assert_int_equal(ms->rpolicy->p->st.evictions, stolen);
		assert_true(ms->vm_events[PSWPOUT] > 0);
		mmsim_machine_free(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_belady_in_the_machine),
		cmocka_unit_test(test_every_policy_as_trace_mode),
		cmocka_unit_test(test_opt_refused),
		cmocka_unit_test(test_machine_mode_interleavings),
		cmocka_unit_test(test_machine_mode_over_limit),
		cmocka_unit_test(test_watermark_reclaim_takes_policy_victims),
		cmocka_unit_test(test_anon_identity_through_swap),
	};
	return cmocka_run_group_tests(tests, make_file, remove_file);
}

/*
 * The xarray (src/mm/xarray.c): multi-order entries against a reference array, the node
 * shapes of lib/xarray.c, the edges of the index space, and allocation failure leaving the
 * array unchanged.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "boot.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mmsim/mmsim.h"
#include "kernel/machine.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "mm/xarray.h"
#include "util/error.h"
#include "util/rng.h"

static const char *const kv_small[] = { "ram", "64M", NULL };

static struct mm_sys *msys(mmsim_machine *m) { return &((struct mmsim_machine *)m)->mm; }

static void valid(const struct xarray *xa)
{
	struct mmsim_error err = { 0 };
	char msg[512];

	if (xa_validate(xa, &err)) {
		mmsim_error_format(&err, msg, sizeof(msg));
		fail_msg("xa_validate: %s", msg);
	}
}

/* ---- reference model: two windows of W indices, at 0 and at 2^40 ---------------------- */

#define W 8192u
#define HIGH (1ull << 40)
#define MAXE 20000

struct ent {
	uint64_t first;
	unsigned int order;
	bool live;
};

static struct ent ents[MAXE];
static struct ent *ref[2][W];

static uint64_t gidx(int w, uint64_t i) { return (w ? HIGH : 0) + i; }

/* every index of both windows and a scan of the whole array agree with the reference */
static void compare(const struct xarray *xa)
{
	for (int w = 0; w < 2; w++)
		for (uint64_t i = 0; i < W; i++)
			assert_ptr_equal(xa_load(xa, gidx(w, i)), ref[w][i]);
	/* xa_find walks the entries in order, each once, with its first index and order */
	uint64_t index = 0, first;
	unsigned int order;
	struct ent *e;
	int w = 0;
	uint64_t i = 0;

	while ((e = xa_find(xa, &index, UINT64_MAX, &first, &order)) != NULL) {
		/* the next reference entry */
		while (w < 2 && (i >= W || ref[w][i] == NULL || (i > 0 && ref[w][i] == ref[w][i - 1]))) {
			if (++i >= W) {
				w++;
				i = 0;
			}
		}
		assert_true(w < 2);
		assert_ptr_equal(e, ref[w][i]);
		assert_int_equal(first, e->first);
		assert_int_equal(order, e->order);
		assert_int_equal(index, e->first);
		index = first + (1ull << order);
		i++;
		if (i >= W) {
			w++;
			i = 0;
		}
	}
}

static void test_random_mixed_orders(void **state)
{
	(void)state;
	mmsim_machine *m = boot(kv_small);
	struct mm_sys *ms = msys(m);
	struct xarray xa;
	struct rng rng;
	unsigned int next = 0, stores = 0, exists = 0, erases = 0;

	xa_init(&xa, ms);
	rng_seed(&rng, 5);
	memset(ref, 0, sizeof(ref));
	for (int op = 0; op < 12000; op++) {
		int w = (int)(rng_next(&rng) % 2);
		if (rng_next(&rng) % 3) {
			/* store: orders 0..9 as the page cache makes them, 12 now and then */
			unsigned int order = (unsigned int)(rng_next(&rng) % 11);
			if (order == 10)
				order = 12;
			if ((1u << order) > W)
				order = 9;
			uint64_t i = (rng_next(&rng) % W) & ~((1ull << order) - 1);
			bool free_range = true;
			for (uint64_t k = 0; k < (1ull << order); k++)
				free_range &= ref[w][i + k] == NULL;
			assert_true(next < MAXE);
			struct ent *e = &ents[next];
			*e = (struct ent){ .first = gidx(w, i), .order = order, .live = true };
			int ret = xa_store_order(&xa, gidx(w, i), order, e);
			if (free_range) {
				assert_int_equal(ret, 0);
				for (uint64_t k = 0; k < (1ull << order); k++)
					ref[w][i + k] = e;
				next++;
				stores++;
			} else {
				assert_int_equal(ret, -EEXIST);
				exists++;
			}
		} else {
			uint64_t i = rng_next(&rng) % W;
			struct ent *want = ref[w][i];
			struct ent *got = xa_erase(&xa, gidx(w, i));
			assert_ptr_equal(got, want);
			if (want) {
				for (uint64_t k = 0; k < (1ull << want->order); k++)
					ref[w][want->first - gidx(w, 0) + k] = NULL;
				erases++;
			}
		}
		if (op % 97 == 0) {
			valid(&xa);
			compare(&xa);
		}
	}
	valid(&xa);
	compare(&xa);
	assert_true(stores > 1000 && exists > 1000 && erases > 1000);
	/* erase everything: no node is left */
	for (int w = 0; w < 2; w++)
		for (uint64_t i = 0; i < W; i++)
			if (ref[w][i]) {
				struct ent *e = ref[w][i];
				assert_ptr_equal(xa_erase(&xa, gidx(w, i)), e);
				for (uint64_t k = 0; k < (1ull << e->order); k++)
					ref[w][e->first - gidx(w, 0) + k] = NULL;
			}
	assert_true(xa_empty(&xa));
	assert_int_equal(xa.nr_nodes, 0);
	valid(&xa);
	mmsim_machine_free(m);
}

/*
 * Fresh arrays taking a few entries of orders 0..20 at random places of the whole 64-bit
 * index space: every store grows the tree in a new way (the node count is checked by
 * xa_validate); overlaps are refused; each entry is found from both of its ends.
 */
static void test_random_sparse(void **state)
{
	(void)state;
	mmsim_machine *m = boot(kv_small);
	struct xarray xa;
	struct rng rng;
	struct { uint64_t first, last; } live[24];

	rng_seed(&rng, 11);
	for (int round = 0; round < 400; round++) {
		int n = 0;

		xa_init(&xa, msys(m));
		for (int k = 0; k < 24; k++) {
			unsigned int order = (unsigned int)rng_below(&rng, 21);
			uint64_t first = rng_next(&rng) >> rng_below(&rng, 64);
			first &= ~((1ull << order) - 1);
			uint64_t last = first + ((1ull << order) - 1);
			bool overlap = false;

			for (int j = 0; j < n; j++)
				overlap |= first <= live[j].last && live[j].first <= last;
			int ret = xa_store_order(&xa, first, order, &ents[k]);
			assert_int_equal(ret, overlap ? -EEXIST : 0);
			if (!overlap) {
				live[n].first = first;
				live[n].last = last;
				ents[k].first = first;
				ents[k].order = order;
				n++;
				assert_ptr_equal(xa_load(&xa, first), &ents[k]);
				assert_ptr_equal(xa_load(&xa, last), &ents[k]);
			}
			valid(&xa);
		}
		for (int j = 0; j < n; j++)
			assert_non_null(xa_erase(&xa, live[j].last));
		assert_true(xa_empty(&xa));
		assert_int_equal(xa.nr_nodes, 0);
	}
	mmsim_machine_free(m);
}

/* The shapes lib/xarray.c makes: a lone entry at 0 needs no node; siblings; shrinking. */
static void test_node_shapes(void **state)
{
	(void)state;
	mmsim_machine *m = boot(kv_small);
	struct xarray xa;
	static struct ent a, b, c, d;
	uint64_t index, first;
	unsigned int order;

	xa_init(&xa, msys(m));
	assert_int_equal(xa_store_order(&xa, 0, 0, &a), 0);
	assert_int_equal(xa.nr_nodes, 0);		/* in xa_head itself */
	assert_ptr_equal(xa_load(&xa, 0), &a);
	assert_null(xa_load(&xa, 1));
	assert_int_equal(xa_store_order(&xa, 4, 2, &b), 0);	/* 4..7: one node of shift 0 */
	assert_int_equal(xa.nr_nodes, 1);
	for (uint64_t i = 4; i < 8; i++)
		assert_ptr_equal(xa_load(&xa, i), &b);
	assert_null(xa_load(&xa, 8));
	/* order 9 at 512: a root of shift 6 (8 slots of 64), the old node under slot 0 */
	assert_int_equal(xa_store_order(&xa, 512, 9, &c), 0);
	assert_int_equal(xa.nr_nodes, 2);
	assert_ptr_equal(xa_load(&xa, 1023), &c);
	assert_null(xa_load(&xa, 1024));
	/* order 6 at 64: exactly one slot of the shift-6 node */
	assert_int_equal(xa_store_order(&xa, 64, 6, &d), 0);
	assert_int_equal(xa.nr_nodes, 2);
	assert_int_equal(xa_store_order(&xa, 96, 0, &a), -EEXIST);
	assert_int_equal(xa_store_order(&xa, 0, 10, &a), -EEXIST);
	valid(&xa);
	index = 5;
	assert_ptr_equal(xa_find(&xa, &index, UINT64_MAX, &first, &order), &b);
	assert_int_equal(index, 5);
	assert_int_equal(first, 4);
	assert_int_equal(order, 2);
	index = 8;
	assert_ptr_equal(xa_find(&xa, &index, UINT64_MAX, &first, &order), &d);
	assert_int_equal(index, 64);
	assert_int_equal(order, 6);
	index = 128;
	assert_ptr_equal(xa_find(&xa, &index, 511, NULL, NULL), NULL);
	assert_ptr_equal(xa_find(&xa, &index, 512, &first, &order), &c);
	assert_int_equal(order, 9);
	/* erasing from any covered index takes the whole entry; nodes go as they empty */
	assert_ptr_equal(xa_erase(&xa, 700), &c);
	assert_null(xa_load(&xa, 512));
	assert_ptr_equal(xa_erase(&xa, 100), &d);
	assert_int_equal(xa.nr_nodes, 1);		/* the root shrank back to shift 0 */
	assert_ptr_equal(xa_erase(&xa, 6), &b);
	assert_int_equal(xa.nr_nodes, 0);		/* and to the lone entry at 0 */
	assert_ptr_equal(xa_load(&xa, 0), &a);
	assert_ptr_equal(xa_erase(&xa, 0), &a);
	assert_true(xa_empty(&xa));
	valid(&xa);
	mmsim_machine_free(m);
}

/* The top of the index space, the largest orders, bad arguments. */
static void test_edges(void **state)
{
	(void)state;
	mmsim_machine *m = boot(kv_small);
	struct xarray xa;
	static struct ent a, b;
	uint64_t index, first;
	unsigned int order;

	xa_init(&xa, msys(m));
	assert_int_equal(xa_store_order(&xa, 3, 1, &a), -EINVAL);	/* misaligned */
	assert_int_equal(xa_store_order(&xa, 0, 0, NULL), -EINVAL);
	assert_int_equal(xa_store_order(&xa, 0, 0, (char *)&a + 1), -EINVAL);
	assert_int_equal(xa_store_order(&xa, 0, 64, &a), -EINVAL);
	assert_int_equal(xa_store_order(&xa, UINT64_MAX, 0, &a), 0);
	assert_int_equal(xa.nr_nodes, 11);	/* shifts 60, 54, ..., 0 */
	assert_ptr_equal(xa_load(&xa, UINT64_MAX), &a);
	assert_null(xa_load(&xa, UINT64_MAX - 1));
	index = 1;
	assert_ptr_equal(xa_find(&xa, &index, UINT64_MAX, &first, &order), &a);
	assert_int_equal(index, UINT64_MAX);
	assert_int_equal(order, 0);
	valid(&xa);
	assert_ptr_equal(xa_erase(&xa, UINT64_MAX), &a);
	assert_int_equal(xa.nr_nodes, 0);
	/* the upper half in one entry, then the lower half */
	assert_int_equal(xa_store_order(&xa, 1ull << 63, 63, &a), 0);
	assert_ptr_equal(xa_load(&xa, UINT64_MAX), &a);
	assert_ptr_equal(xa_load(&xa, 1ull << 63), &a);
	assert_null(xa_load(&xa, (1ull << 63) - 1));
	assert_int_equal(xa_store_order(&xa, 0, 63, &b), 0);
	assert_ptr_equal(xa_load(&xa, 12345), &b);
	valid(&xa);
	xa_destroy(&xa);
	assert_int_equal(xa.nr_nodes, 0);
	assert_true(xa_empty(&xa));
	mmsim_machine_free(m);
}

/*
 * No memory: every page taken and every free radix_tree_node object too, then a store that
 * needs nodes fails with -ENOMEM and changes nothing; giving pages back one at a time, it
 * eventually succeeds. (mmsim_fail_nth_alloc alone is not enough: the slab allocator retries
 * a failed slab at order 0, as Linux does.)
 */
static void test_enomem_leaves_it_unchanged(void **state)
{
	(void)state;
	mmsim_machine *m = boot(kv_small);
	struct mm_sys *ms = msys(m);
	struct xarray xa;
	static struct ent e[64];
	int err;

	xa_init(&xa, ms);
	for (int i = 0; i < 32; i++)
		assert_int_equal(xa_store_order(&xa, (uint64_t)i * 4, 2, &e[i]), 0);
	uint64_t nodes = xa.nr_nodes;
	bool check = ms->check;
	ms->check = false;
	size_t cap = 1 << 16, n = 0, no = 0;
	uint64_t *pfns = malloc(cap * sizeof(*pfns)), pfn;
	void **objs = malloc(4096 * sizeof(*objs)), *o;
	assert_non_null(pfns);
	assert_non_null(objs);
	for (bool more = true; more;) {
		more = false;
		drain_all_pages(ms);
		while (mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL, 0, &pfn) == 0) {
			assert_true(n < cap);
			pfns[n++] = pfn;
			more = true;
		}
	}
	while ((o = kmem_cache_alloc(ms, ms->radix_tree_node_cachep, MMSIM_GFP_KERNEL, &err)) != NULL) {
		assert_true(no < 4096);
		objs[no++] = o;
	}
	int failures = 0;
	for (;;) {
		/* far away: a taller tree, several new nodes at once */
		int ret = xa_store_order(&xa, 1ull << 30, 3, &e[40]);
		if (ret == 0)
			break;
		assert_int_equal(ret, -ENOMEM);
		failures++;
		assert_int_equal(xa.nr_nodes, nodes);
		valid(&xa);
		for (int i = 0; i < 32; i++)
			assert_ptr_equal(xa_load(&xa, (uint64_t)i * 4 + 3), &e[i]);
		assert_null(xa_load(&xa, 1ull << 30));
		assert_true(n > 0);
		assert_int_equal(mmsim_free_pages(m, 0, pfns[--n], 0), 0);
		drain_all_pages(ms);
	}
	assert_true(failures >= 1);
	assert_int_equal(xa.nr_nodes, nodes + 9);	/* roots 12..30, the path 24, 18, 12, 6, 0 */
	assert_ptr_equal(xa_load(&xa, (1ull << 30) + 7), &e[40]);
	valid(&xa);
	while (no)
		kmem_cache_free(ms, ms->radix_tree_node_cachep, objs[--no]);
	while (n)
		assert_int_equal(mmsim_free_pages(m, 0, pfns[--n], 0), 0);
	ms->check = check;
	xa_destroy(&xa);
	free(objs);
	free(pfns);
	mmsim_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_mixed_orders),
		cmocka_unit_test(test_random_sparse),
		cmocka_unit_test(test_node_shapes),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_enomem_leaves_it_unchanged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Linux's multi-generational LRU (mm/vmscan.c with CONFIG_LRU_GEN, Linux 6.18), as a policy
 * over the anonymous pages of one lruvec.
 *
 * Kept:
 *   - generations max_seq - min_seq + 1 between MIN_NR_GENS (2) and MAX_NR_GENS (4), a list
 *     each; they start as lru_gen_init_lruvec sets them (min_seq 0, max_seq MIN_NR_GENS + 1);
 *   - a page faulted in joins the youngest generation: folio_add_lru sets it active when
 *     lru_gen_in_fault(), and lru_gen_add_folio puts active folios in max_seq;
 *   - a hit sets the PTE's young bit only;
 *   - eviction takes the oldest page of the oldest generation: young (the rmap check and
 *     look-around of folio_check_references, simplified to the page itself) -> the bit is
 *     cleared and the page is promoted to the youngest generation; otherwise it is evicted;
 *   - an empty oldest generation is retired (inc_min_seq) while more than MIN_NR_GENS are
 *     left; with MIN_NR_GENS left, aging runs (try_to_inc_max_seq): the page-table walk
 *     clears every young bit and moves those pages to generation max_seq, then max_seq + 1
 *     opens a new, empty youngest generation.
 * Not kept: tiers and the PID controller fed by refaults (no shadow entries), the Bloom
 * filters of the page-table walk, proactive aging (should_run_aging's thresholds on the
 * number of young pages), anon/file balance and swappiness, batches (one page per fault),
 * min_ttl, memory cgroups.
 *
 * Invariants (mglru_validate): MIN_NR_GENS <= max_seq - min_seq + 1 <= MAX_NR_GENS; the lists
 * of generations min_seq..max_seq hold exactly the resident pages, each with its
 * generation's sequence number (key); the other lists are empty.
 */
#include "mm/policy/policy.h"

#define MIN_NR_GENS	2
#define MAX_NR_GENS	4

struct mglru {
	struct list_head gen[MAX_NR_GENS];	/* by seq % MAX_NR_GENS; oldest first */
	uint64_t min_seq, max_seq;
};

static int mglru_init(struct policy *p, struct mmsim_error *err)
{
	struct mglru *g = p->priv;

	(void)err;
	for (int i = 0; i < MAX_NR_GENS; i++)
		INIT_LIST_HEAD(&g->gen[i]);
	g->min_seq = 0;
	g->max_seq = MIN_NR_GENS + 1;
	return 0;
}

static void gen_add(struct mglru *g, struct pentry *e, uint64_t seq)
{
	e->key = seq;
	list_add_tail(&e->lru, &g->gen[seq % MAX_NR_GENS]);
}

static void mglru_hit(struct policy *p, struct pentry *e)
{
	(void)p;
	e->flags |= PE_REF;
}

static void mglru_insert(struct policy *p, struct pentry *e)
{
	struct mglru *g = p->priv;

	e->flags |= PE_REF;
	gen_add(g, e, g->max_seq);
}

/* try_to_inc_max_seq: walk every mapped page, young ones to max_seq; then open a new gen. */
static void age(struct mglru *g)
{
	for (uint64_t seq = g->min_seq; seq < g->max_seq; seq++) {
		struct list_head *h = &g->gen[seq % MAX_NR_GENS], *q, *n;
		list_for_each_safe(q, n, h) {
			struct pentry *e = list_entry(q, struct pentry, lru);
			if (e->flags & PE_REF) {
				e->flags &= (uint16_t)~PE_REF;
				list_del(&e->lru);
				gen_add(g, e, g->max_seq);
			}
		}
	}
	struct list_head *q;
	list_for_each(q, &g->gen[g->max_seq % MAX_NR_GENS])
		list_entry(q, struct pentry, lru)->flags &= (uint16_t)~PE_REF;
	g->max_seq++;
}

static void mglru_evict(struct policy *p, struct pentry *in)
{
	struct mglru *g = p->priv;

	(void)in;
	for (;;) {
		struct list_head *h = &g->gen[g->min_seq % MAX_NR_GENS];
		if (list_empty(h)) {
			if (g->max_seq - g->min_seq + 1 > MIN_NR_GENS)
				g->min_seq++;
			else
				age(g);
			continue;
		}
		struct pentry *v = list_first_entry(h, struct pentry, lru);
		list_del(&v->lru);
		if (v->flags & PE_REF) {
			v->flags &= (uint16_t)~PE_REF;
			gen_add(g, v, g->max_seq);
			continue;
		}
		policy_evict_entry(p, v);
		return;
	}
}

static void mglru_remove(struct policy *p, struct pentry *e)
{
	(void)p;
	list_del(&e->lru);
}

static int mglru_validate(const struct policy *p, struct mmsim_error *err)
{
	const struct mglru *g = p->priv;
	uint64_t n = 0, nr = g->max_seq - g->min_seq + 1;

	if (g->max_seq < g->min_seq || nr < MIN_NR_GENS || nr > MAX_NR_GENS)
		return policy_bad(p, err, "generations %llu..%llu",
				  (unsigned long long)g->min_seq, (unsigned long long)g->max_seq);
	for (uint64_t i = 0; i < MAX_NR_GENS; i++) {
		const struct list_head *q;
		list_for_each(q, &g->gen[i]) {
			const struct pentry *e = list_entry(q, struct pentry, lru);
			if (e->key < g->min_seq || e->key > g->max_seq || e->key % MAX_NR_GENS != i)
				return policy_bad(p, err, "page %llu has generation %llu on list %llu",
						  (unsigned long long)e->page,
						  (unsigned long long)e->key, (unsigned long long)i);
			n++;
		}
	}
	if (n != p->nr_resident)
		return policy_bad(p, err, "generations hold %llu pages, %llu resident",
				  (unsigned long long)n, (unsigned long long)p->nr_resident);
	return 0;
}

const struct policy_ops policy_mglru_ops = {
	.name = "mglru",
	.summary = "Linux multi-generational LRU (4 generations, aging by page-table walk)",
	.priv_size = sizeof(struct mglru),
	.init = mglru_init,
	.hit = mglru_hit,
	.insert = mglru_insert,
	.evict = mglru_evict,
	.remove = mglru_remove,
	.validate = mglru_validate,
};

/*
 * NRU (not recently used): each page has a referenced bit R (set by every reference,
 * cleared for all pages every `period` references, as a clock interrupt would) and a
 * modified bit M (the page is dirty). The victim comes from the lowest non-empty class
 * 0 = !R !M, 1 = !R M, 2 = R !M, 3 = R M.
 * Source: A. S. Tanenbaum, H. Bos, Modern Operating Systems, 4th ed., 3.4.2.
 *
 * Within a class Tanenbaum picks at random; here the page that entered the class first
 * (deterministic without using the generator). The classes are four lists; a reset moves
 * classes 2 and 3 to the tails of 0 and 1 in O(1): whether R is set is told from the epoch
 * of the page's last reference (key) against the current epoch, so no page is touched.
 *
 * Invariants (nru_validate): the four lists hold exactly the resident pages, each in the
 * class its R (key == epoch) and M (PE_DIRTY) bits give; list is that class, less R when a
 * reset has spliced the page since (key != epoch).
 */
#include "mm/policy/policy.h"

static const struct policy_param nru_params[] = {
	{ "period", 1000, 1, 1e15, true, "references between resets of the R bits" },
	{ NULL, 0, 0, 0, false, NULL },
};

struct nru {
	struct list_head cls[4];
	uint64_t epoch, period, next_reset;
};

static int nru_init(struct policy *p, struct mmsim_error *err)
{
	struct nru *n = p->priv;

	(void)err;
	for (int i = 0; i < 4; i++)
		INIT_LIST_HEAD(&n->cls[i]);
	n->period = (uint64_t)p->param[0];
	n->epoch = 1;
	n->next_reset = n->period;
	return 0;
}

/* The clock interrupt: reset every R bit when a period has passed. */
static void nru_tick(struct policy *p)
{
	struct nru *n = p->priv;

	if (p->now < n->next_reset)
		return;
	n->next_reset = (p->now / n->period + 1) * n->period;
	n->epoch++;
	policy_list_splice_tail(&n->cls[2], &n->cls[0]);
	policy_list_splice_tail(&n->cls[3], &n->cls[1]);
}

static inline unsigned nru_class(const struct nru *n, const struct pentry *e)
{
	return (e->key == n->epoch ? 2u : 0u) | (e->flags & PE_DIRTY ? 1u : 0u);
}

/* The class list e is on: e->list, less R if a reset spliced it since. */
static inline unsigned nru_on(const struct nru *n, const struct pentry *e)
{
	return e->key == n->epoch ? e->list : e->list & 1u;
}

static void nru_hit(struct policy *p, struct pentry *e)
{
	struct nru *n = p->priv;

	nru_tick(p);
	unsigned old = nru_on(n, e);	/* not nru_class: M may have just been set */
	e->key = n->epoch;
	unsigned c = nru_class(n, e);
	e->list = (uint8_t)c;
	if (c != old)
		list_move_tail(&e->lru, &n->cls[c]);
}

/* Machine mode: M set at the page's first reference; R and its list stay. */
static void nru_dirtied(struct policy *p, struct pentry *e)
{
	struct nru *n = p->priv;
	unsigned old = nru_on(n, e), c = nru_class(n, e);

	e->list = (uint8_t)c;
	if (c != old)
		list_move_tail(&e->lru, &n->cls[c]);
}

static void nru_insert(struct policy *p, struct pentry *e)
{
	struct nru *n = p->priv;

	nru_tick(p);
	e->key = n->epoch;
	e->list = (uint8_t)nru_class(n, e);
	list_add_tail(&e->lru, &n->cls[e->list]);
}

static void nru_evict(struct policy *p, struct pentry *in)
{
	struct nru *n = p->priv;

	(void)in;
	nru_tick(p);
	for (int c = 0; c < 4; c++) {
		if (list_empty(&n->cls[c]))
			continue;
		struct pentry *v = list_first_entry(&n->cls[c], struct pentry, lru);
		list_del(&v->lru);
		policy_evict_entry(p, v);
		return;
	}
}

static void nru_remove(struct policy *p, struct pentry *e)
{
	(void)p;
	list_del(&e->lru);
}

static int nru_validate(const struct policy *p, struct mmsim_error *err)
{
	const struct nru *n = p->priv;
	uint64_t total = 0;

	for (unsigned c = 0; c < 4; c++) {
		const struct list_head *q;
		list_for_each(q, &n->cls[c]) {
			const struct pentry *e = list_entry(q, struct pentry, lru);
			if (nru_class(n, e) != c)
				return policy_bad(p, err, "page %llu is on class %u's list, its bits "
						  "say %u", (unsigned long long)e->page, c,
						  nru_class(n, e));
			total++;
		}
	}
	if (total != p->nr_resident)
		return policy_bad(p, err, "classes hold %llu pages, %llu resident",
				  (unsigned long long)total, (unsigned long long)p->nr_resident);
	return 0;
}

const struct policy_ops policy_nru_ops = {
	.name = "nru",
	.summary = "not recently used (R reset every period references)",
	.params = nru_params,
	.priv_size = sizeof(struct nru),
	.init = nru_init,
	.hit = nru_hit,
	.insert = nru_insert,
	.evict = nru_evict,
	.remove = nru_remove,
	.dirtied = nru_dirtied,
	.validate = nru_validate,
};

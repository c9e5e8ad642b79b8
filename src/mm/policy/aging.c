/*
 * Aging: an n-bit counter per page; every `period` references (a clock tick) each counter
 * is shifted right by one and the page's R bit is put into its top bit, then R is cleared.
 * The victim is the page with the smallest counter (a page referenced since the last tick
 * counts as larger than one with the same counter that was not). A new page starts with
 * counter 0 and R set (its loading reference).
 * Source: A. S. Tanenbaum, H. Bos, Modern Operating Systems, 4th ed., 3.4.7 (software
 * approximation of LRU).
 *
 * Structure: one list per (counter, R) class, 2^(n+1) lists, so a victim is the head of
 * the first non-empty class and a hit moves its page in O(1); a tick rebuilds the classes
 * walking the pages in load order (link2), so right after a tick each class is in load
 * order. Ties therefore go to the page that entered the class first: loaded first among
 * pages not referenced since the tick, referenced first among the others.
 *
 * Invariants (aging_validate): the load list and the classes hold exactly the resident
 * pages; each page is on the list of its counter (key < 2^n) and R bit.
 */
#include <errno.h>
#include <stdlib.h>
#include "mm/policy/policy.h"

static const struct policy_param aging_params[] = {
	{ "bits", 8, 1, 16, true, "counter width n" },
	{ "period", 1000, 1, 1e15, true, "references per clock tick" },
	{ NULL, 0, 0, 0, false, NULL },
};

struct aging {
	struct list_head load;		/* via link2, load order */
	struct list_head *cls;		/* [counter * 2 + R], via lru */
	unsigned bits;
	uint64_t nr_cls, period, next_tick;
};

static int aging_init(struct policy *p, struct mmsim_error *err)
{
	struct aging *a = p->priv;

	(void)err;
	INIT_LIST_HEAD(&a->load);
	a->bits = (unsigned)p->param[0];
	a->period = (uint64_t)p->param[1];
	a->next_tick = a->period;
	a->nr_cls = UINT64_C(2) << a->bits;
	a->cls = malloc(a->nr_cls * sizeof(*a->cls));
	if (!a->cls)
		return -ENOMEM;
	for (uint64_t i = 0; i < a->nr_cls; i++)
		INIT_LIST_HEAD(&a->cls[i]);
	return 0;
}

static inline struct list_head *cls_of(struct aging *a, const struct pentry *e)
{
	return &a->cls[e->key * 2 + ((e->flags & PE_REF) ? 1 : 0)];
}

static void aging_tick(struct policy *p)
{
	struct aging *a = p->priv;
	struct list_head *q;

	if (p->now < a->next_tick)
		return;
	a->next_tick = (p->now / a->period + 1) * a->period;
	list_for_each(q, &a->load) {
		struct pentry *e = list_entry(q, struct pentry, link2);
		e->key = (e->key >> 1) | ((e->flags & PE_REF) ? UINT64_C(1) << (a->bits - 1) : 0);
		e->flags &= (uint16_t)~PE_REF;
		list_move_tail(&e->lru, cls_of(a, e));
	}
}

static void aging_hit(struct policy *p, struct pentry *e)
{
	aging_tick(p);
	if (!(e->flags & PE_REF)) {
		e->flags |= PE_REF;
		list_move_tail(&e->lru, cls_of(p->priv, e));
	}
}

static void aging_insert(struct policy *p, struct pentry *e)
{
	struct aging *a = p->priv;

	aging_tick(p);
	e->key = 0;
	e->flags |= PE_REF;
	list_add_tail(&e->lru, cls_of(a, e));
	list_add_tail(&e->link2, &a->load);
}

static void aging_remove(struct policy *p, struct pentry *e)
{
	(void)p;
	list_del(&e->lru);
	list_del(&e->link2);
}

static void aging_evict(struct policy *p, struct pentry *in)
{
	struct aging *a = p->priv;

	(void)in;
	aging_tick(p);
	for (uint64_t c = 0; c < a->nr_cls; c++) {
		if (list_empty(&a->cls[c]))
			continue;
		struct pentry *v = list_first_entry(&a->cls[c], struct pentry, lru);
		aging_remove(p, v);
		policy_evict_entry(p, v);
		return;
	}
}

static void aging_free(struct policy *p)
{
	free(((struct aging *)p->priv)->cls);
}

static int aging_validate(const struct policy *p, struct mmsim_error *err)
{
	struct aging *a = p->priv;
	const struct list_head *q;
	uint64_t n = 0, m = 0;

	for (uint64_t c = 0; c < a->nr_cls; c++) {
		list_for_each(q, &a->cls[c]) {
			const struct pentry *e = list_entry(q, struct pentry, lru);
			if (e->key >> a->bits || cls_of(a, e) != &a->cls[c])
				return policy_bad(p, err, "page %llu is on the wrong class list",
						  (unsigned long long)e->page);
			n++;
		}
	}
	list_for_each(q, &a->load)
		m++;
	if (n != p->nr_resident || m != p->nr_resident)
		return policy_bad(p, err, "classes hold %llu pages, the load list %llu, %llu "
				  "resident", (unsigned long long)n, (unsigned long long)m,
				  (unsigned long long)p->nr_resident);
	return 0;
}

const struct policy_ops policy_aging_ops = {
	.name = "aging",
	.summary = "aging: n-bit counters shifted every tick",
	.params = aging_params,
	.priv_size = sizeof(struct aging),
	.init = aging_init,
	.hit = aging_hit,
	.insert = aging_insert,
	.evict = aging_evict,
	.remove = aging_remove,
	.free = aging_free,
	.validate = aging_validate,
};

/*
 * WSClock: CLOCK over the resident pages with the working-set rule. Each page has R and the
 * virtual time of its last use (key; virtual time = references so far). The hand, at a
 * page: R set: clear it, last use = now, move on. R clear and age (now - last use) > tau:
 * a clean page is the victim; a dirty one is written back (scheduled; in this model the
 * write completes at once, and counts as one write-back) and the hand moves on. After a
 * full turn: if writes were scheduled, the first page from the hand that is now clean and
 * old is the victim; if none was, every page is in the working set: the first clean page
 * from the hand, or if there is none, the page at the hand (written back when evicted).
 * Source: R. W. Carr, J. L. Hennessy, "WSCLOCK - a simple and effective algorithm for
 * virtual memory management", SOSP 1981; A. S. Tanenbaum, H. Bos, Modern Operating
 * Systems, 4th ed., 3.4.9.
 *
 * Parameters: tau, the working-set window in references; clean=0 turns off the writing of
 * old dirty pages (the hand then just passes them).
 *
 * Invariants (wsclock_validate): the circle (a queue whose head is the hand) holds exactly
 * the resident pages; no last use lies in the future.
 */
#include "mm/policy/policy.h"

static const struct policy_param wsclock_params[] = {
	{ "tau", 1000, 0, 1e15, true, "working-set window, in references" },
	{ "clean", 1, 0, 1, true, "write old dirty pages back as the hand passes" },
	{ NULL, 0, 0, 0, false, NULL },
};

struct wsclock {
	struct list_head q;		/* head: the page at the hand */
	uint64_t tau;
	bool clean;
};

static int wsclock_init(struct policy *p, struct mmsim_error *err)
{
	struct wsclock *w = p->priv;

	(void)err;
	INIT_LIST_HEAD(&w->q);
	w->tau = (uint64_t)p->param[0];
	w->clean = p->param[1] != 0;
	return 0;
}

static void wsclock_hit(struct policy *p, struct pentry *e)
{
	(void)p;
	e->flags |= PE_REF;
}

static void wsclock_insert(struct policy *p, struct pentry *e)
{
	e->flags |= PE_REF;
	e->key = p->now;
	list_add_tail(&e->lru, &((struct wsclock *)p->priv)->q);
}

static void take(struct policy *p, struct pentry *v)
{
	list_del(&v->lru);
	policy_evict_entry(p, v);
}

static void wsclock_evict(struct policy *p, struct pentry *in)
{
	struct wsclock *w = p->priv;
	bool scheduled = false;
	struct pentry *e;

	(void)in;
	for (uint64_t i = 0, n = p->nr_resident; i < n; i++) {
		e = list_first_entry(&w->q, struct pentry, lru);
		if (e->flags & PE_REF) {
			e->flags &= (uint16_t)~PE_REF;
			e->key = p->now;
		} else if (p->now - e->key > w->tau) {
			if (!(e->flags & PE_DIRTY)) {
				take(p, e);
				return;
			}
			if (w->clean) {
				policy_writeback(p, e);
				scheduled = true;
			}
		}
		list_move_tail(&e->lru, &w->q);
	}
	/* a full turn: the hand is back where it started */
	struct list_head *q;
	list_for_each(q, &w->q) {
		e = list_entry(q, struct pentry, lru);
		if (!(e->flags & PE_DIRTY) &&
		    (!scheduled || (!(e->flags & PE_REF) && p->now - e->key > w->tau))) {
			take(p, e);
			return;
		}
	}
	take(p, list_first_entry(&w->q, struct pentry, lru));
}

static void wsclock_remove(struct policy *p, struct pentry *e)
{
	(void)p;
	list_del(&e->lru);
}

static int wsclock_validate(const struct policy *p, struct mmsim_error *err)
{
	const struct wsclock *w = p->priv;
	const struct list_head *q;
	uint64_t n = 0;

	list_for_each(q, &w->q) {
		if (list_entry(q, struct pentry, lru)->key > p->now)
			return policy_bad(p, err, "a last use lies in the future");
		n++;
	}
	if (n != p->nr_resident)
		return policy_bad(p, err, "circle holds %llu pages, %llu resident",
				  (unsigned long long)n, (unsigned long long)p->nr_resident);
	return 0;
}

const struct policy_ops policy_wsclock_ops = {
	.name = "wsclock",
	.summary = "WSClock: CLOCK with a working-set window tau (virtual time)",
	.params = wsclock_params,
	.priv_size = sizeof(struct wsclock),
	.init = wsclock_init,
	.hit = wsclock_hit,
	.insert = wsclock_insert,
	.evict = wsclock_evict,
	.remove = wsclock_remove,
	.validate = wsclock_validate,
};

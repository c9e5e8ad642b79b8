/*
 * 2Q (the full version): A1in, a FIFO of pages seen once recently (resident); A1out, a FIFO
 * of the page numbers pushed out of A1in (ghosts); Am, an LRU list of pages referenced again
 * after they left A1in. A miss whose page is in A1out goes to Am; any other miss goes to
 * A1in; a hit in Am moves the page to Am's most recent end, a hit in A1in does nothing. To
 * make room: if |A1in| > Kin, A1in's oldest page leaves and its number enters A1out (whose
 * oldest is forgotten past Kout); else Am's least recently used page leaves.
 * Source: T. Johnson, D. Shasha, "2Q: a low overhead high performance buffer management
 * replacement algorithm", VLDB 1994, Fig. "Full 2Q" (Kin = 25%, Kout = 50% of the frames
 * as recommended there).
 *
 * Invariants (twoq_validate): A1in and Am hold exactly the resident pages; A1out exactly the
 * ghosts, at most Kout of them.
 */
#include <math.h>
#include "mm/policy/policy.h"

enum { TQ_A1IN = 1, TQ_AM, TQ_A1OUT };

static const struct policy_param twoq_params[] = {
	{ "kin", 0.25, 0, 1, false, "A1in size, fraction of the frames (at least 1 page)" },
	{ "kout", 0.5, 0, 64, false, "A1out size, fraction of the frames (at least 1 page)" },
	{ NULL, 0, 0, 0, false, NULL },
};

struct twoq {
	struct list_head a1in, am, a1out;
	uint64_t n_a1in, n_am, n_a1out, kin, kout;
};

static uint64_t frac(double f, uint64_t frames)
{
	uint64_t n = (uint64_t)llround(f * (double)frames);
	return n ? n : 1;
}

static int twoq_init(struct policy *p, struct mmsim_error *err)
{
	struct twoq *t = p->priv;

	(void)err;
	INIT_LIST_HEAD(&t->a1in);
	INIT_LIST_HEAD(&t->am);
	INIT_LIST_HEAD(&t->a1out);
	t->kin = frac(p->param[0], p->frames);
	t->kout = frac(p->param[1], p->frames);
	p->ghost_max = t->kout;
	return 0;
}

static void twoq_hit(struct policy *p, struct pentry *e)
{
	if (e->list == TQ_AM)
		list_move_tail(&e->lru, &((struct twoq *)p->priv)->am);
}

/* Take the incoming ghost out of A1out (it is about to come back). */
static void unghost(struct twoq *t, struct pentry *e)
{
	if (e && e->list == TQ_A1OUT) {
		list_del(&e->lru);
		t->n_a1out--;
		e->list = 0;
	}
}

static void twoq_insert(struct policy *p, struct pentry *e)
{
	struct twoq *t = p->priv;
	bool was_out = (e->flags & PE_GHOST) != 0;

	unghost(t, e);
	if (was_out) {
		e->list = TQ_AM;
		list_add_tail(&e->lru, &t->am);
		t->n_am++;
	} else {
		e->list = TQ_A1IN;
		list_add_tail(&e->lru, &t->a1in);
		t->n_a1in++;
	}
}

static void twoq_evict(struct policy *p, struct pentry *in)
{
	struct twoq *t = p->priv;
	struct pentry *v;

	unghost(t, in);
	if (t->n_a1in > t->kin || !t->n_am) {
		v = list_first_entry(&t->a1in, struct pentry, lru);
		list_del(&v->lru);
		t->n_a1in--;
		v->list = TQ_A1OUT;
		v->flags |= PE_GHOST;
		list_add_tail(&v->lru, &t->a1out);
		t->n_a1out++;
		policy_evict_entry(p, v);
		if (t->n_a1out > t->kout) {
			struct pentry *g = list_first_entry(&t->a1out, struct pentry, lru);
			list_del(&g->lru);
			t->n_a1out--;
			policy_forget(p, g);
		}
	} else {
		v = list_first_entry(&t->am, struct pentry, lru);
		list_del(&v->lru);
		t->n_am--;
		policy_evict_entry(p, v);
	}
}

static void twoq_remove(struct policy *p, struct pentry *e)
{
	struct twoq *t = p->priv;

	list_del(&e->lru);
	if (e->list == TQ_A1IN)
		t->n_a1in--;
	else
		t->n_am--;
}

static int check_list(const struct policy *p, const struct list_head *h, uint8_t id,
		      uint64_t n, bool ghost, struct mmsim_error *err)
{
	const struct list_head *q;
	uint64_t c = 0;

	list_for_each(q, h) {
		const struct pentry *e = list_entry(q, struct pentry, lru);
		if (e->list != id || !(e->flags & (ghost ? PE_GHOST : PE_RESIDENT)))
			return policy_bad(p, err, "page %llu on list %u is misfiled",
					  (unsigned long long)e->page, id);
		c++;
	}
	if (c != n)
		return policy_bad(p, err, "list %u holds %llu pages, counted %llu", id,
				  (unsigned long long)c, (unsigned long long)n);
	return 0;
}

static int twoq_validate(const struct policy *p, struct mmsim_error *err)
{
	const struct twoq *t = p->priv;
	int rc = check_list(p, &t->a1in, TQ_A1IN, t->n_a1in, false, err);

	if (!rc)
		rc = check_list(p, &t->am, TQ_AM, t->n_am, false, err);
	if (!rc)
		rc = check_list(p, &t->a1out, TQ_A1OUT, t->n_a1out, true, err);
	if (!rc && (t->n_a1in + t->n_am != p->nr_resident || t->n_a1out != p->nr_ghost ||
		    t->n_a1out > t->kout))
		rc = policy_bad(p, err, "A1in %llu + Am %llu != %llu resident, or A1out %llu",
				(unsigned long long)t->n_a1in, (unsigned long long)t->n_am,
				(unsigned long long)p->nr_resident, (unsigned long long)t->n_a1out);
	return rc;
}

const struct policy_ops policy_2q_ops = {
	.name = "2q",
	.summary = "2Q (VLDB'94): A1in FIFO, A1out ghosts, Am LRU",
	.params = twoq_params,
	.priv_size = sizeof(struct twoq),
	.init = twoq_init,
	.hit = twoq_hit,
	.insert = twoq_insert,
	.evict = twoq_evict,
	.remove = twoq_remove,
	.validate = twoq_validate,
};

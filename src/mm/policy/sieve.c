/*
 * SIEVE: a FIFO queue with a visited bit and a hand that moves from the oldest page toward
 * the newest; a hit sets the bit; to evict, the hand clears set bits as it passes and takes
 * the first page whose bit is clear, then stays where it was (new pages are added at the
 * newest end, behind nothing, so they are not reconsidered until the hand wraps around).
 * Source: Y. Zhang, J. Yang, Y. Yue, Y. Vigfusson, K. V. Rashmi, "SIEVE is simpler than
 * LRU: an efficient turn-key eviction algorithm for web caches", NSDI 2024, Algorithm 1.
 *
 * Invariants (sieve_validate): the queue holds exactly the resident pages, oldest first; the
 * hand is NULL or one of them.
 */
#include "mm/policy/policy.h"

struct sieve {
	struct list_head q;		/* oldest first */
	struct pentry *hand;		/* NULL: start at the oldest */
};

static int sieve_init(struct policy *p, struct mmsim_error *err)
{
	(void)err;
	INIT_LIST_HEAD(&((struct sieve *)p->priv)->q);
	return 0;
}

static void sieve_hit(struct policy *p, struct pentry *e)
{
	(void)p;
	e->flags |= PE_REF;
}

static void sieve_insert(struct policy *p, struct pentry *e)
{
	e->flags &= (uint16_t)~PE_REF;
	list_add_tail(&e->lru, &((struct sieve *)p->priv)->q);
}

/* The page after e toward the newest, NULL past the newest. */
static struct pentry *newer(struct sieve *s, struct pentry *e)
{
	return e->lru.next == &s->q ? NULL : list_entry(e->lru.next, struct pentry, lru);
}

static void sieve_remove(struct policy *p, struct pentry *e)
{
	struct sieve *s = p->priv;

	if (s->hand == e)
		s->hand = newer(s, e);
	list_del(&e->lru);
}

static void sieve_evict(struct policy *p, struct pentry *in)
{
	struct sieve *s = p->priv;
	struct pentry *o = s->hand ? s->hand : list_first_entry(&s->q, struct pentry, lru);

	(void)in;
	while (o->flags & PE_REF) {
		o->flags &= (uint16_t)~PE_REF;
		o = newer(s, o);
		if (!o)
			o = list_first_entry(&s->q, struct pentry, lru);
	}
	s->hand = o;
	sieve_remove(p, o);
	policy_evict_entry(p, o);
}

static int sieve_validate(const struct policy *p, struct mmsim_error *err)
{
	const struct sieve *s = p->priv;
	const struct list_head *q;
	uint64_t n = 0;
	bool hand = !s->hand;

	list_for_each(q, &s->q) {
		n++;
		hand |= list_entry(q, struct pentry, lru) == s->hand;
	}
	if (n != p->nr_resident || !hand)
		return policy_bad(p, err, "queue holds %llu pages, %llu resident; hand %s",
				  (unsigned long long)n, (unsigned long long)p->nr_resident,
				  hand ? "ok" : "not on the queue");
	return 0;
}

const struct policy_ops policy_sieve_ops = {
	.name = "sieve",
	.summary = "SIEVE (NSDI'24): FIFO with a visited bit and a lazy hand",
	.priv_size = sizeof(struct sieve),
	.init = sieve_init,
	.hit = sieve_hit,
	.insert = sieve_insert,
	.evict = sieve_evict,
	.remove = sieve_remove,
	.validate = sieve_validate,
};

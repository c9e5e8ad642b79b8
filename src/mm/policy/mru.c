/*
 * MRU: evict the page referenced most recently (good for cyclic scans larger than memory,
 * bad almost everywhere else).
 * Source: H.-T. Chou, D. J. DeWitt, "An evaluation of buffer management strategies for
 * relational database systems", VLDB 1985 (MRU for looping sequential references).
 *
 * Invariants (mru_validate): the list holds exactly the resident pages, least recently used
 * first; the victim is the tail.
 */
#include "mm/policy/policy.h"

struct mru { struct list_head list; };

static int mru_init(struct policy *p, struct mmsim_error *err)
{
	(void)err;
	INIT_LIST_HEAD(&((struct mru *)p->priv)->list);
	return 0;
}

static void mru_hit(struct policy *p, struct pentry *e)
{
	list_move_tail(&e->lru, &((struct mru *)p->priv)->list);
}

static void mru_insert(struct policy *p, struct pentry *e)
{
	list_add_tail(&e->lru, &((struct mru *)p->priv)->list);
}

static void mru_evict(struct policy *p, struct pentry *in)
{
	struct pentry *v = list_last_entry(&((struct mru *)p->priv)->list, struct pentry, lru);

	(void)in;
	list_del(&v->lru);
	policy_evict_entry(p, v);
}

static void mru_remove(struct policy *p, struct pentry *e)
{
	(void)p;
	list_del(&e->lru);
}

static int mru_validate(const struct policy *p, struct mmsim_error *err)
{
	uint64_t n = policy_list_count(&((const struct mru *)p->priv)->list);

	if (n != p->nr_resident)
		return policy_bad(p, err, "list holds %llu pages, %llu resident",
				  (unsigned long long)n, (unsigned long long)p->nr_resident);
	return 0;
}

const struct policy_ops policy_mru_ops = {
	.name = "mru",
	.summary = "most recently used",
	.priv_size = sizeof(struct mru),
	.init = mru_init,
	.hit = mru_hit,
	.insert = mru_insert,
	.evict = mru_evict,
	.remove = mru_remove,
	.validate = mru_validate,
};

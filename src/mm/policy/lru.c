/*
 * LRU (exact): evict the page whose last reference is the oldest.
 * Source: the least-recently-used rule of the stack algorithms, R. L. Mattson, J. Gecsei,
 * D. R. Slutz, I. L. Traiger, "Evaluation techniques for storage hierarchies", IBM Systems
 * Journal 9(2), 1970 (LRU is a stack algorithm: its faults never grow with more frames).
 *
 * Invariants (lru_validate): the list holds exactly the resident pages, least recently used
 * first (every hit moves its page to the tail).
 */
#include "mm/policy/policy.h"

struct lru { struct list_head list; };

static int lru_init(struct policy *p, struct mmsim_error *err)
{
	(void)err;
	INIT_LIST_HEAD(&((struct lru *)p->priv)->list);
	return 0;
}

static void lru_hit(struct policy *p, struct pentry *e)
{
	list_move_tail(&e->lru, &((struct lru *)p->priv)->list);
}

static void lru_insert(struct policy *p, struct pentry *e)
{
	list_add_tail(&e->lru, &((struct lru *)p->priv)->list);
}

static void lru_evict(struct policy *p, struct pentry *in)
{
	struct list_head *h = &((struct lru *)p->priv)->list;
	struct pentry *v = list_first_entry(h, struct pentry, lru);

	(void)in;
	list_del(&v->lru);
	policy_evict_entry(p, v);
	policy_prefetch_front(p, h);
}

static void lru_remove(struct policy *p, struct pentry *e)
{
	(void)p;
	list_del(&e->lru);
}

static int lru_validate(const struct policy *p, struct mmsim_error *err)
{
	uint64_t n = policy_list_count(&((const struct lru *)p->priv)->list);

	if (n != p->nr_resident)
		return policy_bad(p, err, "list holds %llu pages, %llu resident",
				  (unsigned long long)n, (unsigned long long)p->nr_resident);
	return 0;
}

const struct policy_ops policy_lru_ops = {
	.name = "lru",
	.summary = "least recently used (exact)",
	.priv_size = sizeof(struct lru),
	.init = lru_init,
	.hit = lru_hit,
	.insert = lru_insert,
	.evict = lru_evict,
	.remove = lru_remove,
	.validate = lru_validate,
};

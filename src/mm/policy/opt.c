/*
 * OPT (Belady's MIN): evict the resident page whose next reference is the farthest in the
 * future (or that is never referenced again). It needs the future: the runner
 * (kernel/policy_run.c) reads the whole trace first and computes, for every reference, the
 * index of the next reference to the same page (POLICY_NEVER if none), which reaches the
 * policy as p->next_use. No other policy can fault less on the same references.
 * Source: L. A. Belady, "A study of replacement algorithms for a virtual-storage computer",
 * IBM Systems Journal 5(2), 1966; the optimality proof: R. L. Mattson et al., IBM Systems
 * Journal 9(2), 1970.
 *
 * Ties (several pages never used again) are broken by the heap's order, deterministically;
 * they change which page goes (so possibly the write-backs), never the number of faults.
 *
 * Invariants (opt_validate): a max-heap by next use holds exactly the resident pages.
 */
#include <errno.h>
#include "mm/policy/policy.h"

struct opt { struct pheap h; };

static int opt_init(struct policy *p, struct mmsim_error *err)
{
	(void)err;
	return pheap_init(&((struct opt *)p->priv)->h, 1024, false);
}

static void opt_hit(struct policy *p, struct pentry *e)
{
	e->key = p->next_use;
	pheap_update(&((struct opt *)p->priv)->h, e);
}

static void opt_insert(struct policy *p, struct pentry *e)
{
	e->key = p->next_use;
	if (pheap_push(&((struct opt *)p->priv)->h, e))
		p->error = -ENOMEM;
}

static void opt_evict(struct policy *p, struct pentry *in)
{
	struct pheap *h = &((struct opt *)p->priv)->h;
	struct pentry *v = pheap_top(h);

	(void)in;
	pheap_remove(h, v);
	policy_evict_entry(p, v);
}

static void opt_remove(struct policy *p, struct pentry *e)
{
	pheap_remove(&((struct opt *)p->priv)->h, e);
}

static void opt_free(struct policy *p)
{
	pheap_free(&((struct opt *)p->priv)->h);
}

static int opt_validate(const struct policy *p, struct mmsim_error *err)
{
	const struct pheap *h = &((const struct opt *)p->priv)->h;

	if (h->n != p->nr_resident)
		return policy_bad(p, err, "heap holds %llu pages, %llu resident",
				  (unsigned long long)h->n, (unsigned long long)p->nr_resident);
	return pheap_validate(h, p, err);
}

const struct policy_ops policy_opt_ops = {
	.name = "opt",
	.summary = "Belady's optimal (needs the future: reads the trace twice)",
	.needs_future = true,
	.priv_size = sizeof(struct opt),
	.init = opt_init,
	.hit = opt_hit,
	.insert = opt_insert,
	.evict = opt_evict,
	.remove = opt_remove,
	.free = opt_free,
	.validate = opt_validate,
};

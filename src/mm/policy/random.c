/*
 * Random: evict a resident page chosen uniformly at random.
 * Source: L. A. Belady, "A study of replacement algorithms for a virtual-storage computer",
 * IBM Systems Journal 5(2), 1966 (RAND as the baseline).
 *
 * The choice comes from the policy's generator (xoshiro256**, util/rng.h) seeded with the
 * machine seed or --seed, or the parameter seed when given: the same seed, the same run.
 *
 * Invariants (random_validate): the array holds exactly the resident pages, each entry's
 * aux is its index in it.
 */
#include <errno.h>
#include <stdlib.h>
#include "mm/policy/policy.h"

static const struct policy_param random_params[] = {
	{ "seed", -1, -1, 9007199254740992.0, true, "seed (-1: the machine seed)" },
	{ NULL, 0, 0, 0, false, NULL },
};

struct prandom {
	struct pentry **a;
	uint64_t n, cap;
};

static int random_init(struct policy *p, struct mmsim_error *err)
{
	(void)err;
	if (p->param[0] >= 0)
		rng_seed(&p->rng, (uint64_t)p->param[0]);
	return 0;
}

static void random_insert(struct policy *p, struct pentry *e)
{
	struct prandom *r = p->priv;

	if (r->n == r->cap) {
		uint64_t cap = r->cap ? r->cap * 2 : 1024;
		struct pentry **a = realloc(r->a, cap * sizeof(*a));
		if (!a) {
			p->error = -ENOMEM;
			return;
		}
		r->a = a;
		r->cap = cap;
	}
	e->aux = (uint32_t)r->n;
	r->a[r->n++] = e;
}

static void random_remove(struct policy *p, struct pentry *e)
{
	struct prandom *r = p->priv;
	struct pentry *last = r->a[--r->n];

	r->a[e->aux] = last;
	last->aux = e->aux;
}

static void random_evict(struct policy *p, struct pentry *in)
{
	struct prandom *r = p->priv;
	struct pentry *v = r->a[rng_below(&p->rng, r->n)];

	(void)in;
	random_remove(p, v);
	policy_evict_entry(p, v);
}

static void random_free(struct policy *p)
{
	free(((struct prandom *)p->priv)->a);
}

static int random_validate(const struct policy *p, struct mmsim_error *err)
{
	const struct prandom *r = p->priv;

	if (r->n != p->nr_resident)
		return policy_bad(p, err, "array holds %llu pages, %llu resident",
				  (unsigned long long)r->n, (unsigned long long)p->nr_resident);
	for (uint64_t i = 0; i < r->n; i++)
		if (r->a[i]->aux != i || !(r->a[i]->flags & PE_RESIDENT))
			return policy_bad(p, err, "array slot %llu is wrong", (unsigned long long)i);
	return 0;
}

const struct policy_ops policy_random_ops = {
	.name = "random",
	.summary = "uniformly random victim (seeded)",
	.params = random_params,
	.priv_size = sizeof(struct prandom),
	.init = random_init,
	.insert = random_insert,
	.evict = random_evict,
	.remove = random_remove,
	.free = random_free,
	.validate = random_validate,
};

/*
 * CAR: ARC's adaptation with two clocks instead of two LRU lists. T1 and T2 are clocks of
 * resident pages (a hit only sets the page's reference bit), B1 and B2 LRU lists of ghosts,
 * p the target size of T1.
 * Source: S. Bansal, D. S. Modha, "CAR: Clock with Adaptive Replacement", FAST 2004, Fig. 2
 * (lines 1-18 and replace(), lines 19-34), with c = frames; p is real as there.
 *
 * Mapping onto the engine: lines 4-12 (replace() and the directory trimming, run when the
 * cache is full) are evict(); lines 13-18 (adaptation and placement) are insert().
 *
 * Invariants (car_validate): T1 and T2 hold exactly the resident pages, B1 and B2 the
 * ghosts; |T1| + |B1| <= c; the directory holds at most 2c pages; 0 <= p <= c.
 */
#include "mm/policy/policy.h"

enum { CAR_T1 = 1, CAR_T2, CAR_B1, CAR_B2 };

struct car {
	struct list_head l[5];		/* clocks: head = hand; ghosts: LRU first */
	uint64_t n[5];
	double p;
	bool evicted;			/* evict() ran for the miss being inserted */
};

static int car_init(struct policy *p, struct mmsim_error *err)
{
	struct car *a = p->priv;

	(void)err;
	for (int i = 1; i < 5; i++)
		INIT_LIST_HEAD(&a->l[i]);
	/* as ARC's: at most 2c - resident when a machine evicts without loading */
	p->ghost_max = 2 * p->frames;
	return 0;
}

static void car_del(struct car *a, struct pentry *e)
{
	list_del(&e->lru);
	a->n[e->list]--;
	e->list = 0;
}

static void car_add(struct car *a, struct pentry *e, uint8_t l)
{
	e->list = l;
	list_add_tail(&e->lru, &a->l[l]);
	a->n[l]++;
}

static void car_hit(struct policy *p, struct pentry *e)
{
	(void)p;
	e->flags |= PE_REF;
}

/* Lines 19-34: run the clocks until a page with a clear bit is demoted to B1 or B2. */
static void car_replace(struct policy *p, struct car *a)
{
	for (;;) {
		double t1min = a->p > 1 ? a->p : 1;
		/* a machine's reclaim may find the other clock empty (not all frames used) */
		bool from_t1 = ((double)a->n[CAR_T1] >= t1min && a->n[CAR_T1]) || !a->n[CAR_T2];
		struct pentry *v = list_first_entry(&a->l[from_t1 ? CAR_T1 : CAR_T2],
						    struct pentry, lru);

		car_del(a, v);
		if (!(v->flags & PE_REF)) {
			v->flags |= PE_GHOST;
			car_add(a, v, from_t1 ? CAR_B1 : CAR_B2);
			policy_evict_entry(p, v);
			return;
		}
		v->flags &= (uint16_t)~PE_REF;
		car_add(a, v, CAR_T2);	/* T1's head goes to T2's tail; T2's rotates */
	}
}

/* As arc.c's forget_lru: an empty list only after an admission over the limit. */
static void car_forget_lru(struct policy *p, struct car *a, int l)
{
	struct pentry *g;

	if (!a->n[l])
		l = l == CAR_B1 ? CAR_B2 : CAR_B1;
	if (!a->n[l])
		return;
	g = list_first_entry(&a->l[l], struct pentry, lru);

	car_del(a, g);
	policy_forget(p, g);
}

static void car_evict(struct policy *p, struct pentry *x)
{
	struct car *a = p->priv;
	bool in_dir = x && (x->list == CAR_B1 || x->list == CAR_B2);

	a->evicted = true;
	car_replace(p, a);
	if (!in_dir) {
		if (a->n[CAR_T1] + a->n[CAR_B1] == p->frames)
			car_forget_lru(p, a, CAR_B1);
		else if (a->n[CAR_T1] + a->n[CAR_T2] + a->n[CAR_B1] + a->n[CAR_B2] ==
			 2 * p->frames)
			car_forget_lru(p, a, CAR_B2);
		/*
		 * after an admission over the limit the counts can pass those equalities: keep
		 * the ghosts within the engine's bound as the directory's size would
		 */
		while (p->machine && p->st.over_limit && p->nr_ghost &&
		       p->nr_ghost >= p->ghost_max)
			car_forget_lru(p, a, CAR_B2);
	}
}

static void car_insert(struct policy *p, struct pentry *e)
{
	struct car *a = p->priv;
	double c = (double)p->frames;
	double b1 = (double)a->n[CAR_B1], b2 = (double)a->n[CAR_B2];

	e->flags &= (uint16_t)~PE_REF;
	if (e->list == CAR_B1) {
		double d = b2 / b1 > 1 ? b2 / b1 : 1;
		a->p = a->p + d < c ? a->p + d : c;
		car_del(a, e);
		car_add(a, e, CAR_T2);
	} else if (e->list == CAR_B2) {
		double d = b1 / b2 > 1 ? b1 / b2 : 1;
		a->p = a->p - d > 0 ? a->p - d : 0;
		car_del(a, e);
		car_add(a, e, CAR_T2);
	} else {
		if (!a->evicted) {	/* a free frame (pages were removed): trim alone */
			if (a->n[CAR_T1] + a->n[CAR_B1] >= p->frames && a->n[CAR_B1])
				car_forget_lru(p, a, CAR_B1);
			else if (p->nr_resident - 1 + p->nr_ghost >= 2 * p->frames && a->n[CAR_B2])
				car_forget_lru(p, a, CAR_B2);
		}
		car_add(a, e, CAR_T1);
	}
	a->evicted = false;
}

static void car_remove(struct policy *p, struct pentry *e)
{
	car_del(p->priv, e);
}

static int car_validate(const struct policy *p, struct mmsim_error *err)
{
	const struct car *a = p->priv;

	return policy_validate_adaptive(p, a->l, a->n, a->p, err);
}

const struct policy_ops policy_car_ops = {
	.name = "car",
	.summary = "CAR (FAST'04): ARC's adaptation over two clocks",
	.priv_size = sizeof(struct car),
	.init = car_init,
	.hit = car_hit,
	.insert = car_insert,
	.evict = car_evict,
	.remove = car_remove,
	.validate = car_validate,
};

/*
 * ARC: two LRU lists of resident pages, T1 (seen once recently) and T2 (seen at least
 * twice), and two ghost lists, B1 and B2, of pages recently evicted from each; a target p
 * for the size of T1 that grows on a hit in B1 and shrinks on a hit in B2.
 * Source: N. Megiddo, D. S. Modha, "ARC: a self-tuning, low overhead replacement cache",
 * FAST 2003, Fig. 4 (cases I-IV and REPLACE), with c = frames. p is a real number as in the
 * paper (delta = max(1, |B2|/|B1|) or max(1, |B1|/|B2|), real division).
 *
 * Mapping onto the engine: case I is hit(); cases II-IV's adaptation, REPLACE and the
 * directory trimming are evict() (they run only when the cache is full, which is when the
 * paper's cases need them: ghosts exist only after the first eviction); the placement of
 * x is insert(). When pages were removed from outside (policy_remove_page), a miss may find
 * a free frame: insert() then does case IV's directory trimming alone, so that the
 * invariants below hold.
 *
 * Invariants (arc_validate): T1 and T2 hold exactly the resident pages, B1 and B2 exactly
 * the ghosts; |T1| + |B1| <= c; |T1| + |T2| + |B1| + |B2| <= 2c; 0 <= p <= c.
 */
#include "mm/policy/policy.h"

enum { ARC_T1 = 1, ARC_T2, ARC_B1, ARC_B2 };

struct arc {
	struct list_head l[5];		/* by ARC_*; LRU first */
	uint64_t n[5];
	double p;
	bool evicted;			/* evict() ran for the miss being inserted */
};

static int arc_init(struct policy *p, struct mmsim_error *err)
{
	struct arc *a = p->priv;

	(void)err;
	for (int i = 1; i < 5; i++)
		INIT_LIST_HEAD(&a->l[i]);
	/*
	 * |T1| + |T2| + |B1| + |B2| <= 2c: with a full cache at most c ghosts, but a machine
	 * evicts without loading (its reclaim), and then up to 2c - resident
	 */
	p->ghost_max = 2 * p->frames;
	return 0;
}

static void arc_del(struct arc *a, struct pentry *e)
{
	list_del(&e->lru);
	a->n[e->list]--;
	e->list = 0;
}

static void arc_add(struct arc *a, struct pentry *e, uint8_t l)
{
	e->list = l;
	list_add_tail(&e->lru, &a->l[l]);
	a->n[l]++;
}

static struct pentry *lru_of(struct arc *a, int l)
{
	return list_first_entry(&a->l[l], struct pentry, lru);
}

static void arc_hit(struct policy *p, struct pentry *e)
{
	struct arc *a = p->priv;

	arc_del(a, e);
	arc_add(a, e, ARC_T2);
}

/*
 * Forget the LRU ghost of list l. Only in machine mode, after an admission over the limit
 * (policy.h), can the list the algorithm names be empty: the other ghost list gives one.
 */
static void forget_lru(struct policy *p, struct arc *a, int l)
{
	struct pentry *g;

	if (!a->n[l])
		l = l == ARC_B1 ? ARC_B2 : ARC_B1;
	if (!a->n[l])
		return;
	g = lru_of(a, l);

	arc_del(a, g);
	policy_forget(p, g);
}

/* REPLACE(x, p): evict T1's or T2's LRU page into B1 or B2. */
static void arc_replace(struct policy *p, struct arc *a, bool in_b2)
{
	bool t1 = a->n[ARC_T1] && ((double)a->n[ARC_T1] > a->p ||
				   (in_b2 && (double)a->n[ARC_T1] == a->p));
	if (!a->n[ARC_T2])
		t1 = true;
	struct pentry *v = lru_of(a, t1 ? ARC_T1 : ARC_T2);

	arc_del(a, v);
	v->flags |= PE_GHOST;
	arc_add(a, v, t1 ? ARC_B1 : ARC_B2);
	policy_evict_entry(p, v);
	policy_prefetch_front(p, &a->l[t1 ? ARC_T1 : ARC_T2]);
}

static void arc_evict(struct policy *p, struct pentry *x)
{
	struct arc *a = p->priv;
	double c = (double)p->frames;
	uint64_t b1 = a->n[ARC_B1], b2 = a->n[ARC_B2];

	a->evicted = true;
	if (x && x->list == ARC_B1) {			/* case II */
		double d = b1 >= b2 ? 1 : (double)b2 / (double)b1;
		a->p = a->p + d < c ? a->p + d : c;
		arc_del(a, x);
		arc_replace(p, a, false);
	} else if (x && x->list == ARC_B2) {		/* case III */
		double d = b2 >= b1 ? 1 : (double)b1 / (double)b2;
		a->p = a->p - d > 0 ? a->p - d : 0;
		arc_del(a, x);
		arc_replace(p, a, true);
	} else if (a->n[ARC_T1] + b1 == p->frames) {	/* case IV.A */
		if (a->n[ARC_T1] < p->frames) {
			forget_lru(p, a, ARC_B1);
			arc_replace(p, a, false);
		} else {
			struct pentry *v = lru_of(a, ARC_T1);
			arc_del(a, v);
			policy_evict_entry(p, v);
		}
	} else {					/* case IV.B */
		if (a->n[ARC_T1] + a->n[ARC_T2] + b1 + b2 >= 2 * p->frames)
			forget_lru(p, a, ARC_B2);
		arc_replace(p, a, false);
	}
}

static void arc_insert(struct policy *p, struct pentry *e)
{
	struct arc *a = p->priv;

	if (e->list)			/* a ghost coming back without an eviction */
		arc_del(a, e);
	if (!a->evicted && !(e->flags & PE_GHOST)) {
		/* room was free (pages were removed): case IV's directory trimming alone */
		if (a->n[ARC_T1] + a->n[ARC_B1] >= p->frames && a->n[ARC_B1])
			forget_lru(p, a, ARC_B1);
		else if (p->nr_resident - 1 + p->nr_ghost >= 2 * p->frames && a->n[ARC_B2])
			forget_lru(p, a, ARC_B2);
	}
	a->evicted = false;
	arc_add(a, e, (e->flags & PE_GHOST) ? ARC_T2 : ARC_T1);
}

static void arc_remove(struct policy *p, struct pentry *e)
{
	arc_del(p->priv, e);
}

static int arc_validate(const struct policy *p, struct mmsim_error *err)
{
	const struct arc *a = p->priv;

	return policy_validate_adaptive(p, a->l, a->n, a->p, err);
}

const struct policy_ops policy_arc_ops = {
	.name = "arc",
	.summary = "ARC (FAST'03): adaptive T1/T2 with ghosts B1/B2",
	.priv_size = sizeof(struct arc),
	.init = arc_init,
	.hit = arc_hit,
	.insert = arc_insert,
	.evict = arc_evict,
	.remove = arc_remove,
	.validate = arc_validate,
};

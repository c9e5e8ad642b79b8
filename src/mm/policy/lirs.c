/*
 * LIRS: pages with a short reuse distance (LIR) keep most of the frames; the others (HIR)
 * get a small part (L_hirs frames) through a FIFO queue Q. The stack S orders pages by
 * recency and holds LIR pages, resident HIR pages and non-resident HIR pages (ghosts); its
 * bottom is always a LIR page (stack pruning removes HIR pages from the bottom). A HIR page
 * referenced again while it is in S has a reuse distance shorter than the oldest LIR page's
 * recency: it becomes LIR and the LIR page at the bottom of S becomes HIR (to Q's end).
 * Source: S. Jiang, X. Zhang, "LIRS: an efficient low inter-reference recency set
 * replacement policy to improve buffer cache performance", SIGMETRICS 2002, section 3.3
 * (cases of an LIR hit, a resident HIR hit, a miss), L_hirs = 1% of the frames (at least
 * one).
 *
 * The non-resident HIR pages in S are bounded (the paper lets S grow; implementations
 * bound it): at most `ghosts` x frames of them, the oldest evicted forgotten first (and
 * taken out of S).
 *
 * Invariants (lirs_validate): |LIR| <= L_lirs; Q holds exactly the resident HIR pages; every
 * LIR page is in S; S's bottom is LIR (when S is not empty); every ghost is in S and on
 * the ghost list; resident pages are LIR or in Q.
 */
#include <math.h>
#include "mm/policy/policy.h"

#define LIRS_LIR	PE_P1
#define LIRS_INS	PE_P2	/* in S */

static const struct policy_param lirs_params[] = {
	{ "hir", 0.01, 0, 1, false, "frames for HIR pages, fraction (at least 1)" },
	{ "ghosts", 2, 0, 64, false, "non-resident HIR pages kept, x frames" },
	{ NULL, 0, 0, 0, false, NULL },
};

struct lirs {
	struct list_head s;		/* via lru; bottom (oldest) first */
	struct list_head q;		/* resident HIR via link2; front first */
	struct list_head g;		/* ghosts via link2, oldest first */
	uint64_t n_lir, l_lirs, n_q;
};

static int lirs_init(struct policy *p, struct mmsim_error *err)
{
	struct lirs *l = p->priv;
	uint64_t hirs = (uint64_t)llround(p->param[0] * (double)p->frames);

	(void)err;
	INIT_LIST_HEAD(&l->s);
	INIT_LIST_HEAD(&l->q);
	INIT_LIST_HEAD(&l->g);
	if (!hirs)
		hirs = 1;
	l->l_lirs = p->frames > hirs ? p->frames - hirs : 0;
	p->ghost_max = (uint64_t)llround(p->param[1] * (double)p->frames);
	return 0;
}

static void s_top(struct lirs *l, struct pentry *e)
{
	if (e->flags & LIRS_INS)
		list_move_tail(&e->lru, &l->s);
	else
		list_add_tail(&e->lru, &l->s);
	e->flags |= LIRS_INS;
}

static void s_del(struct pentry *e)
{
	list_del(&e->lru);
	e->flags &= (uint16_t)~LIRS_INS;
}

/* Stack pruning: remove HIR pages from S's bottom until a LIR page is there. */
static void prune(struct policy *p, struct lirs *l)
{
	while (!list_empty(&l->s)) {
		struct pentry *b = list_first_entry(&l->s, struct pentry, lru);
		if (b->flags & LIRS_LIR)
			return;
		s_del(b);
		if (b->flags & PE_GHOST) {
			/*
			 * A ghost is on the ghost list (PE_P3) but the one coming in, which
			 * evict() took off it: in machine mode a victim put back can prune it
			 * before it is inserted (it is then forgotten, and comes in as new)
			 */
			if (b->flags & PE_P3)
				list_del(&b->link2);
			policy_forget(p, b);
		}
	}
}

/* The LIR page at S's bottom becomes a resident HIR page at Q's end. */
static void demote_bottom(struct policy *p, struct lirs *l)
{
	struct pentry *b = list_first_entry(&l->s, struct pentry, lru);

	b->flags &= (uint16_t)~LIRS_LIR;
	l->n_lir--;
	s_del(b);
	list_add_tail(&b->link2, &l->q);
	l->n_q++;
	prune(p, l);
}

/* Resident HIR page e (in S) becomes LIR at S's top. */
static void promote(struct policy *p, struct lirs *l, struct pentry *e)
{
	e->flags |= LIRS_LIR;
	l->n_lir++;
	s_top(l, e);
	if (l->n_lir > l->l_lirs)
		demote_bottom(p, l);
}

static void lirs_hit(struct policy *p, struct pentry *e)
{
	struct lirs *l = p->priv;

	if (e->flags & LIRS_LIR) {
		bool bottom = l->s.next == &e->lru;
		s_top(l, e);
		if (bottom)
			prune(p, l);
	} else if ((e->flags & LIRS_INS) && l->l_lirs) {
		list_del(&e->link2);
		l->n_q--;
		promote(p, l, e);
	} else {
		if (l->l_lirs)		/* one frame: no LIR pages, no stack */
			s_top(l, e);
		list_move_tail(&e->link2, &l->q);
	}
}

static void lirs_evict(struct policy *p, struct pentry *in)
{
	struct lirs *l = p->priv;

	/*
	 * Q is empty only when every resident page is LIR: a machine's reclaim evicting before
	 * all frames are used. The oldest LIR page becomes HIR first (as when a HIR page is
	 * promoted), and goes.
	 */
	if (!l->n_q)
		demote_bottom(p, l);
	struct pentry *v = list_first_entry(&l->q, struct pentry, link2);

	if (in && (in->flags & PE_P3)) {	/* the incoming ghost leaves the ghost list */
		list_del(&in->link2);
		in->flags &= (uint16_t)~PE_P3;
	}
	list_del(&v->link2);
	l->n_q--;
	if (v->flags & LIRS_INS) {
		v->flags |= PE_GHOST | PE_P3;
		list_add_tail(&v->link2, &l->g);
	}
	policy_evict_entry(p, v);
	if (p->nr_ghost > p->ghost_max) {
		struct pentry *g = list_first_entry(&l->g, struct pentry, link2);
		list_del(&g->link2);
		s_del(g);
		policy_forget(p, g);
	}
}

static void lirs_insert(struct policy *p, struct pentry *e)
{
	struct lirs *l = p->priv;
	bool ghost = e->flags & PE_GHOST;

	if (e->flags & PE_P3) {
		list_del(&e->link2);
		e->flags &= (uint16_t)~PE_P3;
	}
	if (l->n_lir < l->l_lirs) {
		e->flags |= LIRS_LIR;
		l->n_lir++;
		s_top(l, e);
	} else if (ghost && (e->flags & LIRS_INS) && l->l_lirs) {
		promote(p, l, e);
	} else {
		if (l->l_lirs)
			s_top(l, e);
		list_add_tail(&e->link2, &l->q);
		l->n_q++;
	}
}

static void lirs_remove(struct policy *p, struct pentry *e)
{
	struct lirs *l = p->priv;

	if (e->flags & LIRS_LIR) {
		l->n_lir--;
	} else {
		list_del(&e->link2);
		l->n_q--;
	}
	if (e->flags & LIRS_INS)
		s_del(e);
	e->flags &= (uint16_t)~LIRS_LIR;
	prune(p, l);
}

static int lirs_validate(const struct policy *p, struct mmsim_error *err)
{
	const struct lirs *l = p->priv;
	const struct list_head *q;
	uint64_t lir = 0, inq = 0, gh = 0;

	if (!list_empty(&l->s) &&
	    !(list_first_entry(&l->s, struct pentry, lru)->flags & LIRS_LIR))
		return policy_bad(p, err, "the bottom of S is not a LIR page");
	list_for_each(q, &l->s) {
		const struct pentry *e = list_entry(q, struct pentry, lru);
		if (!(e->flags & LIRS_INS))
			return policy_bad(p, err, "page %llu on S is not marked",
					  (unsigned long long)e->page);
		lir += (e->flags & LIRS_LIR) != 0;
	}
	list_for_each(q, &l->q) {
		const struct pentry *e = list_entry(q, struct pentry, link2);
		if ((e->flags & LIRS_LIR) || !(e->flags & PE_RESIDENT))
			return policy_bad(p, err, "page %llu on Q is not a resident HIR page",
					  (unsigned long long)e->page);
		inq++;
	}
	list_for_each(q, &l->g) {
		const struct pentry *e = list_entry(q, struct pentry, link2);
		if (!(e->flags & PE_GHOST) || !(e->flags & LIRS_INS))
			return policy_bad(p, err, "ghost %llu is not a ghost in S",
					  (unsigned long long)e->page);
		gh++;
	}
	if (lir != l->n_lir || lir > l->l_lirs || inq != l->n_q || lir + inq != p->nr_resident ||
	    gh != p->nr_ghost)
		return policy_bad(p, err, "LIR %llu (counted %llu, max %llu), Q %llu (%llu), "
				  "resident %llu, ghosts %llu (%llu)", (unsigned long long)lir,
				  (unsigned long long)l->n_lir, (unsigned long long)l->l_lirs,
				  (unsigned long long)inq, (unsigned long long)l->n_q,
				  (unsigned long long)p->nr_resident, (unsigned long long)gh,
				  (unsigned long long)p->nr_ghost);
	return 0;
}

const struct policy_ops policy_lirs_ops = {
	.name = "lirs",
	.summary = "LIRS (SIGMETRICS'02): inter-reference recency, stack S and queue Q",
	.params = lirs_params,
	.priv_size = sizeof(struct lirs),
	.init = lirs_init,
	.hit = lirs_hit,
	.insert = lirs_insert,
	.evict = lirs_evict,
	.remove = lirs_remove,
	.validate = lirs_validate,
};

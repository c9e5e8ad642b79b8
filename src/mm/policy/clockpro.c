/*
 * CLOCK-Pro: LIRS's idea with clock hands. All pages - hot, resident cold, and
 * non-resident cold pages still in their test period (ghosts) - sit on one circle in
 * order of arrival; new pages enter at the list head, just behind HANDhot. A cold page
 * re-referenced during its test period has a reuse distance shorter than the hot pages'
 * and becomes hot. m_c, the target number of resident cold pages, adapts: +1 when a page is
 * re-referenced in its test period, -1 when a test period ends without one.
 *   HANDcold (to evict): at a resident cold page with R clear: evict it; it stays on the
 *     circle as a non-resident page if it is in its test period. With R set: clear R; in
 *     its test period it becomes hot (m_c + 1), else it starts a test period; either way it
 *     moves to the list head. Hot and non-resident pages are passed.
 *   HANDhot (when there are more than m - m_c hot pages): a hot page with R set: clear R; a
 *     hot page with R clear becomes cold, and the hand stops. Cold pages it passes end
 *     their test period (m_c - 1); non-resident ones are removed.
 *   HANDtest (when more than m non-resident pages exist): ends test periods as it passes
 *     (m_c - 1) and removes the first non-resident page.
 * A miss on a non-resident page in its test period: m_c + 1, the page comes in hot. Any
 * other miss: a cold page in its test period.
 * Source: S. Jiang, F. Chen, X. Zhang, "CLOCK-Pro: an effective improvement of the CLOCK
 * replacement", USENIX ATC 2005, section 4. m = frames; m_c is kept in [1, m - 1] (m >= 2)
 * and starts at `cold` x m (libCacheSim starts with all frames for cold pages).
 *
 * Invariants (clockpro_validate): the circle holds exactly the resident pages and the ghosts;
 * the counts of hot, cold and non-resident pages match; every ghost is in its test period;
 * the hands are on the circle (NULL only when it is empty); 1 <= m_c <= max(1, m - 1).
 */
#include <math.h>
#include "mm/policy/policy.h"

#define CP_HOT	PE_P1
#define CP_TEST	PE_P2

static const struct policy_param clockpro_params[] = {
	{ "cold", 1, 0, 1, false, "initial m_c, fraction of the frames" },
	{ NULL, 0, 0, 0, false, NULL },
};

struct clockpro {
	struct list_head circle;
	struct pentry *hot, *cold, *test;	/* the hands */
	uint64_t n_hot, n_cold, n_nonres, mc, mc_max;
};

static int clockpro_init(struct policy *p, struct mmsim_error *err)
{
	struct clockpro *c = p->priv;

	(void)err;
	INIT_LIST_HEAD(&c->circle);
	c->mc_max = p->frames > 1 ? p->frames - 1 : 1;
	c->mc = (uint64_t)llround(p->param[0] * (double)p->frames);
	if (c->mc < 1)
		c->mc = 1;
	if (c->mc > c->mc_max)
		c->mc = c->mc_max;
	p->ghost_max = p->frames;
	return 0;
}

static struct pentry *cnext(struct clockpro *c, struct pentry *e)
{
	struct list_head *n = e->lru.next;

	if (n == &c->circle)
		n = n->next;
	return list_entry(n, struct pentry, lru);
}

/* Take e off the circle, moving any hand on it to the next page. */
static void cunlink(struct clockpro *c, struct pentry *e)
{
	struct pentry *n = e->lru.next == &c->circle && e->lru.prev == &c->circle ? NULL :
			   cnext(c, e);

	if (c->hot == e)
		c->hot = n;
	if (c->cold == e)
		c->cold = n;
	if (c->test == e)
		c->test = n;
	list_del(&e->lru);
}

/* Put e at the list head: just behind HANDhot. */
static void chead(struct clockpro *c, struct pentry *e)
{
	if (!c->hot) {
		list_add_tail(&e->lru, &c->circle);
		c->hot = c->cold = c->test = e;
		return;
	}
	list_add_tail(&e->lru, &c->hot->lru);
}

static void mc_dec(struct clockpro *c)
{
	if (c->mc > 1)
		c->mc--;
}

static void mc_inc(struct clockpro *c)
{
	if (c->mc < c->mc_max)
		c->mc++;
}

/* A page's test period ends at a hand (HANDhot or HANDtest); true if it was removed. */
static bool end_test(struct policy *p, struct clockpro *c, struct pentry *e)
{
	if (e->flags & PE_GHOST) {
		cunlink(c, e);
		c->n_nonres--;
		mc_dec(c);
		policy_forget(p, e);
		return true;
	}
	if (!(e->flags & CP_HOT) && (e->flags & CP_TEST)) {
		e->flags &= (uint16_t)~CP_TEST;
		mc_dec(c);
	}
	return false;
}

static void run_hand_hot(struct policy *p, struct clockpro *c)
{
	for (;;) {
		struct pentry *e = c->hot;
		if (e->flags & CP_HOT) {
			c->hot = cnext(c, e);
			if (e->flags & PE_REF) {
				e->flags &= (uint16_t)~PE_REF;
				continue;
			}
			e->flags &= (uint16_t)~CP_HOT;
			c->n_hot--;
			c->n_cold++;
			return;
		}
		if (!end_test(p, c, e))
			c->hot = cnext(c, e);
	}
}

static void run_hand_test(struct policy *p, struct clockpro *c)
{
	for (;;) {
		struct pentry *e = c->test;
		if (e->flags & PE_GHOST) {
			end_test(p, c, e);
			return;
		}
		end_test(p, c, e);
		c->test = cnext(c, e);
	}
}

/* Too many hot pages for the cold target: demote. */
static void balance_hot(struct policy *p, struct clockpro *c)
{
	while (c->n_hot && c->n_hot > p->frames - c->mc)
		run_hand_hot(p, c);
}

static void clockpro_hit(struct policy *p, struct pentry *e)
{
	(void)p;
	e->flags |= PE_REF;
}

static void clockpro_evict(struct policy *p, struct pentry *in)
{
	struct clockpro *c = p->priv;

	if (in && (in->flags & PE_GHOST) && in->list) {	/* coming back: off the circle */
		cunlink(c, in);
		in->list = 0;
		c->n_nonres--;
	}
	for (;;) {
		if (!c->n_cold)
			run_hand_hot(p, c);		/* every resident page is hot */
		struct pentry *e = c->cold;
		if ((e->flags & (CP_HOT | PE_GHOST))) {
			c->cold = cnext(c, e);
			continue;
		}
		if (e->flags & PE_REF) {
			e->flags &= (uint16_t)~PE_REF;
			cunlink(c, e);
			if (e->flags & CP_TEST) {
				e->flags = (uint16_t)((e->flags & ~CP_TEST) | CP_HOT);
				c->n_cold--;
				c->n_hot++;
				mc_inc(c);
				chead(c, e);
				balance_hot(p, c);
			} else {
				e->flags |= CP_TEST;
				chead(c, e);
			}
			continue;
		}
		/* the victim */
		c->cold = cnext(c, e);
		c->n_cold--;
		if (e->flags & CP_TEST) {
			e->flags |= PE_GHOST;
			c->n_nonres++;
			policy_evict_entry(p, e);
			while (c->n_nonres > p->frames)
				run_hand_test(p, c);
		} else {
			cunlink(c, e);
			e->list = 0;
			policy_evict_entry(p, e);
		}
		return;
	}
}

static void clockpro_insert(struct policy *p, struct pentry *e)
{
	struct clockpro *c = p->priv;

	if (e->flags & PE_GHOST) {
		if (e->list) {			/* still on the circle (no eviction ran) */
			cunlink(c, e);
			c->n_nonres--;
		}
		mc_inc(c);
		e->flags = (uint16_t)((e->flags & ~(CP_TEST | PE_REF)) | CP_HOT);
		e->list = 1;
		c->n_hot++;
		chead(c, e);
		balance_hot(p, c);
		return;
	}
	e->flags = (uint16_t)((e->flags & ~(CP_HOT | PE_REF)) | CP_TEST);
	e->list = 1;
	c->n_cold++;
	chead(c, e);
}

static void clockpro_remove(struct policy *p, struct pentry *e)
{
	struct clockpro *c = p->priv;

	cunlink(c, e);
	e->list = 0;
	if (e->flags & CP_HOT)
		c->n_hot--;
	else
		c->n_cold--;
	e->flags &= (uint16_t)~(CP_HOT | CP_TEST | PE_REF);
}

static int clockpro_validate(const struct policy *p, struct mmsim_error *err)
{
	const struct clockpro *c = p->priv;
	const struct list_head *q;
	uint64_t hot = 0, cold = 0, nonres = 0;
	bool hh = !c->hot, hc = !c->cold, ht = !c->test;

	list_for_each(q, &c->circle) {
		const struct pentry *e = list_entry(q, struct pentry, lru);
		if (e->flags & PE_GHOST) {
			if (!(e->flags & CP_TEST))
				return policy_bad(p, err, "ghost %llu is not in a test period",
						  (unsigned long long)e->page);
			nonres++;
		} else if (e->flags & CP_HOT) {
			hot++;
		} else {
			cold++;
		}
		hh |= e == c->hot;
		hc |= e == c->cold;
		ht |= e == c->test;
	}
	if (hot != c->n_hot || cold != c->n_cold || nonres != c->n_nonres ||
	    hot + cold != p->nr_resident || nonres != p->nr_ghost || !hh || !hc || !ht ||
	    (list_empty(&c->circle) && c->hot) || c->mc < 1 || c->mc > c->mc_max)
		return policy_bad(p, err, "hot %llu (%llu) cold %llu (%llu) nonres %llu (%llu) "
				  "resident %llu ghosts %llu hands %d%d%d m_c %llu",
				  (unsigned long long)hot, (unsigned long long)c->n_hot,
				  (unsigned long long)cold, (unsigned long long)c->n_cold,
				  (unsigned long long)nonres, (unsigned long long)c->n_nonres,
				  (unsigned long long)p->nr_resident, (unsigned long long)p->nr_ghost,
				  hh, hc, ht, (unsigned long long)c->mc);
	return 0;
}

const struct policy_ops policy_clockpro_ops = {
	.name = "clockpro",
	.summary = "CLOCK-Pro (USENIX'05): hot/cold pages, test periods, three hands",
	.params = clockpro_params,
	.priv_size = sizeof(struct clockpro),
	.init = clockpro_init,
	.hit = clockpro_hit,
	.insert = clockpro_insert,
	.evict = clockpro_evict,
	.remove = clockpro_remove,
	.validate = clockpro_validate,
};

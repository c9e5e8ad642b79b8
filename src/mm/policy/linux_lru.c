/*
 * Linux's two-list LRU (the classic active/inactive reclaim of mm/vmscan.c, Linux 6.18 with
 * MGLRU off), as a policy over one list pair of anonymous pages.
 *
 * Kept:
 *   - a faulted-in page goes to the head of the inactive list (folio_add_lru; anonymous
 *     pages start inactive since 5.9), with its PTE young (the access that faulted sets the
 *     accessed bit when it is retried);
 *   - a hit only sets the young bit: mapped pages are not touched by mark_page_accessed;
 *     the accessed bit is what reclaim sees (folio_referenced);
 *   - reclaim takes the inactive list's tail and decides as folio_check_references() does:
 *     young (the PTE was referenced; the bit is cleared) -> set PG_referenced, and if
 *     PG_referenced was already set, activate (to the active list's head), else keep (back
 *     to the inactive head); not young -> reclaim (anonymous: PG_referenced alone does not
 *     save it);
 *   - before each take, if inactive_is_low() (inactive * ratio < active, ratio =
 *     int_sqrt(10 * GiB of the lists) or 1 below 1 GiB, 4 KiB frames), shrink_active_list
 *     takes the active tail, clears its young bit and moves it to the inactive head
 *     (anonymous pages are deactivated even when referenced; only VM_EXEC file pages stay);
 *   - workingset refault detection (mm/workingset.c): an evicted page leaves a shadow with
 *     the lruvec's nonresident age (evictions + activations so far); when it faults back,
 *     refault distance = age now - age then; if it is at most the active list's size (the
 *     workingset size of a single anonymous LRU), the page comes back active.
 * Not kept: reclaim in batches of SWAP_CLUSTER_MAX and watermarks (one page is reclaimed per
 * fault, when all frames are used); file pages and the anon/file balance (swappiness); the
 * swap cache and writeback delays (a dirty page is written back and freed at once); shadow
 * entries are bounded by `shadows` x frames (oldest dropped first) instead of the shadow
 * node shrinker; memory cgroups; the per-CPU LRU batches (lru_add_drain is implied).
 *
 * Invariants (linux_validate): the two lists hold exactly the resident pages, PG_active set
 * exactly on the active list's; the shadow list holds exactly the ghosts.
 */
#include <math.h>
#include "mm/policy/policy.h"

#define LX_REFERENCED	PE_P1	/* PG_referenced */
#define LX_ACTIVE	PE_P2	/* PG_active */
#define LX_SHADOW	PE_P3	/* on the shadow list */

static const struct policy_param linux_params[] = {
	{ "shadows", 1, 0, 64, false, "shadow entries kept, x frames" },
	{ "refault", 1, 0, 1, true, "workingset refault activation" },
	{ NULL, 0, 0, 0, false, NULL },
};

struct linux_lru {
	struct list_head inactive, active, shadows;	/* tail (oldest) first */
	uint64_t n_inactive, n_active;
	uint64_t nonresident_age;
	bool refault;
};

static int linux_init(struct policy *p, struct mmsim_error *err)
{
	struct linux_lru *l = p->priv;

	(void)err;
	INIT_LIST_HEAD(&l->inactive);
	INIT_LIST_HEAD(&l->active);
	INIT_LIST_HEAD(&l->shadows);
	p->ghost_max = (uint64_t)llround(p->param[0] * (double)p->frames);
	l->refault = p->param[1] != 0;
	return 0;
}

static void linux_hit(struct policy *p, struct pentry *e)
{
	(void)p;
	e->flags |= PE_REF;
}

static void to_active(struct linux_lru *l, struct pentry *e)
{
	e->flags |= LX_ACTIVE;
	list_add_tail(&e->lru, &l->active);
	l->n_active++;
	l->nonresident_age++;		/* workingset_age_nonresident on activation */
}

static void linux_insert(struct policy *p, struct pentry *e)
{
	struct linux_lru *l = p->priv;

	if (e->flags & LX_SHADOW) {
		list_del(&e->link2);
		e->flags &= (uint16_t)~LX_SHADOW;
	}
	e->flags |= PE_REF;
	e->flags &= (uint16_t)~(LX_REFERENCED | LX_ACTIVE);
	if ((e->flags & PE_GHOST) && l->refault && l->nonresident_age - e->key <= l->n_active) {
		to_active(l, e);		/* workingset_refault: folio_set_active */
		return;
	}
	list_add_tail(&e->lru, &l->inactive);
	l->n_inactive++;
}

/* inactive_is_low(): the inactive list is too small for the active one. */
static bool inactive_is_low(const struct linux_lru *l)
{
	uint64_t gb = (l->n_inactive + l->n_active) >> 18;	/* 4 KiB frames */
	uint64_t ratio = gb ? (uint64_t)sqrt(10.0 * (double)gb) : 1;

	return l->n_inactive * ratio < l->n_active;
}

static void linux_evict(struct policy *p, struct pentry *in)
{
	struct linux_lru *l = p->priv;

	if (in && (in->flags & LX_SHADOW)) {
		list_del(&in->link2);
		in->flags &= (uint16_t)~LX_SHADOW;
	}
	for (;;) {
		if (l->n_active && inactive_is_low(l)) {	/* shrink_active_list */
			struct pentry *a = list_first_entry(&l->active, struct pentry, lru);
			list_del(&a->lru);
			l->n_active--;
			a->flags &= (uint16_t)~(PE_REF | LX_ACTIVE);
			list_add_tail(&a->lru, &l->inactive);
			l->n_inactive++;
			continue;
		}
		struct pentry *v = list_first_entry(&l->inactive, struct pentry, lru);
		bool ptes = v->flags & PE_REF, folio = v->flags & LX_REFERENCED;

		list_del(&v->lru);
		l->n_inactive--;
		v->flags &= (uint16_t)~(PE_REF | LX_REFERENCED);
		if (ptes) {
			v->flags |= LX_REFERENCED;
			if (folio) {
				to_active(l, v);		/* FOLIOREF_ACTIVATE */
			} else {
				list_add_tail(&v->lru, &l->inactive);	/* FOLIOREF_KEEP */
				l->n_inactive++;
			}
			continue;
		}
		v->flags &= (uint16_t)~LX_REFERENCED;
		if (p->ghost_max) {
			v->flags |= PE_GHOST | LX_SHADOW;
			v->key = l->nonresident_age;	/* workingset_eviction */
			list_add_tail(&v->link2, &l->shadows);
		}
		l->nonresident_age++;
		policy_evict_entry(p, v);
		if (p->nr_ghost > p->ghost_max) {
			struct pentry *g = list_first_entry(&l->shadows, struct pentry, link2);
			list_del(&g->link2);
			policy_forget(p, g);
		}
		return;
	}
}

static void linux_remove(struct policy *p, struct pentry *e)
{
	struct linux_lru *l = p->priv;

	list_del(&e->lru);
	if (e->flags & LX_ACTIVE)
		l->n_active--;
	else
		l->n_inactive--;
	e->flags &= (uint16_t)~(LX_ACTIVE | LX_REFERENCED | PE_REF);
}

static int linux_validate(const struct policy *p, struct mmsim_error *err)
{
	const struct linux_lru *l = p->priv;
	const struct list_head *q;
	uint64_t ni = 0, na = 0, ns = 0;

	list_for_each(q, &l->inactive)
		if (list_entry(q, struct pentry, lru)->flags & LX_ACTIVE || !++ni)
			return policy_bad(p, err, "an active page is on the inactive list");
	list_for_each(q, &l->active)
		if (!(list_entry(q, struct pentry, lru)->flags & LX_ACTIVE) || !++na)
			return policy_bad(p, err, "an inactive page is on the active list");
	list_for_each(q, &l->shadows)
		if (!(list_entry(q, struct pentry, link2)->flags & PE_GHOST) || !++ns)
			return policy_bad(p, err, "a resident page is on the shadow list");
	if (ni != l->n_inactive || na != l->n_active || ni + na != p->nr_resident ||
	    ns != p->nr_ghost)
		return policy_bad(p, err, "inactive %llu (%llu) active %llu (%llu) resident %llu "
				  "shadows %llu ghosts %llu", (unsigned long long)ni,
				  (unsigned long long)l->n_inactive, (unsigned long long)na,
				  (unsigned long long)l->n_active, (unsigned long long)p->nr_resident,
				  (unsigned long long)ns, (unsigned long long)p->nr_ghost);
	return 0;
}

const struct policy_ops policy_linux_ops = {
	.name = "linux",
	.summary = "Linux active/inactive lists (vmscan.c, workingset refaults)",
	.params = linux_params,
	.priv_size = sizeof(struct linux_lru),
	.init = linux_init,
	.hit = linux_hit,
	.insert = linux_insert,
	.evict = linux_evict,
	.remove = linux_remove,
	.validate = linux_validate,
};

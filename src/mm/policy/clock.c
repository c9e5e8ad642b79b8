/*
 * CLOCK (second chance): the resident pages in a circle in load order, a hand at the
 * oldest; a hit sets the page's reference bit; to evict, the hand clears set bits and moves
 * on, and takes the first page whose bit is clear.
 * Source: F. J. Corbató, "A paging experiment with the Multics system", MIT Project MAC
 * MAC-M-384, 1968; A. S. Tanenbaum, Modern Operating Systems, 4th ed., 3.4.5. Here as the
 * textbook draws it: a ring of frames and a hand; the new page takes the victim's frame and
 * the hand moves past it. libCacheSim's Clock.c ("FIFO-Reinsertion": a queue whose head is
 * the hand, a page with its bit set moved to the tail) is the same algorithm with the same
 * choices. The reference bits live in a byte array beside the ring (a hit writes
 * cnt[e->key]), so the hand's walk reads two arrays in order; the entries a few slots ahead
 * of the hand and their hash buckets are prefetched, so the victim's are in the cache when
 * it is evicted. A page removed from outside (policy_remove_page) leaves a hole, which the
 * next page loaded without an eviction fills.
 *
 * Parameters: ref, the reference bit of a page when it is loaded: 1 as most textbooks and
 * the course simulators (the loading reference counts), 0 as libCacheSim (init-freq=0);
 * bits, the width of the counter (libCacheSim's n-bit-counter): a hit adds 1 up to
 * 2^bits - 1, the hand subtracts 1 (1 bit: the classic reference bit).
 *
 * Invariants (clock_validate): the ring's non-empty slots hold exactly the resident pages,
 * each page's key is its slot; the empty slots below `used` are exactly the holes; the hand
 * is below `used` (or 0); every counter (cnt[slot]) is at most 2^bits - 1; `used` is at
 * most the frames, but in machine mode after an admission over the limit (policy.h).
 */
#include <errno.h>
#include <stdlib.h>
#include "mm/policy/policy.h"

enum { CLOCK_REF, CLOCK_BITS };

static const struct policy_param clock_params[] = {
	{ "ref", 1, 0, 1, true, "reference bit at load: 1 textbooks, 0 libCacheSim" },
	{ "bits", 1, 1, 7, true, "counter width (libCacheSim n-bit-counter)" },
	{ NULL, 0, 0, 0, false, NULL },
};

#define NO_SLOT	UINT64_MAX

struct clock {
	struct pentry **ring;		/* the frames in clock order; NULL: a hole */
	uint8_t *cnt;			/* the reference bit (counter) of each slot */
	uint64_t used, cap;		/* slots in the circle, slots allocated */
	uint64_t hand;
	uint64_t vacant;		/* the slot evict() just emptied, or NO_SLOT */
	uint64_t *holes, nr_holes, holes_cap;
	uint8_t init, max;
};

static int clock_init(struct policy *p, struct mmsim_error *err)
{
	struct clock *c = p->priv;

	(void)err;
	c->max = (uint8_t)((1u << (unsigned)p->param[CLOCK_BITS]) - 1);
	c->init = (uint8_t)p->param[CLOCK_REF];
	c->vacant = NO_SLOT;
	return 0;
}

static void clock_hit(struct policy *p, struct pentry *e)
{
	struct clock *c = p->priv;
	uint8_t *b = &c->cnt[e->key];

	if (*b < c->max)
		(*b)++;
}

static void clock_insert(struct policy *p, struct pentry *e)
{
	struct clock *c = p->priv;
	uint64_t slot;

	if (c->vacant != NO_SLOT) {		/* the victim's frame */
		slot = c->vacant;
		c->vacant = NO_SLOT;
	} else if (c->nr_holes) {
		slot = c->holes[--c->nr_holes];
	} else {
		if (c->used == c->cap) {
			uint64_t cap = c->cap ? c->cap * 2 : 1024;
			struct pentry **r = realloc(c->ring, cap * sizeof(*r));
			if (!r) {
				p->error = -ENOMEM;
				return;
			}
			c->ring = r;
			uint8_t *b = realloc(c->cnt, cap);
			if (!b) {
				p->error = -ENOMEM;
				return;
			}
			c->cnt = b;
			c->cap = cap;
		}
		slot = c->used++;
	}
	c->ring[slot] = e;
	c->cnt[slot] = c->init;
	e->key = slot;
}

/* Slot becomes a hole, filled by the next page loaded without an eviction. */
static void push_hole(struct policy *p, struct clock *c, uint64_t slot)
{
	if (c->nr_holes == c->holes_cap) {
		uint64_t cap = c->holes_cap ? c->holes_cap * 2 : 64;
		uint64_t *h = realloc(c->holes, cap * sizeof(*h));
		if (!h) {
			p->error = -ENOMEM;
			return;
		}
		c->holes = h;
		c->holes_cap = cap;
	}
	c->ring[slot] = NULL;
	c->holes[c->nr_holes++] = slot;
}

static void clock_evict(struct policy *p, struct pentry *in)
{
	struct clock *c = p->priv;
	struct pentry *v;

	(void)in;
	for (;;) {
		/* ahead of the hand: entries 4 slots on, buckets 2 on (their entries are in) */
		uint64_t a = c->hand + 4, b = c->hand + 2;
		if (a >= c->used)
			a -= c->used;
		if (b >= c->used)
			b -= c->used;
		if (a < c->used && c->ring[a])
			__builtin_prefetch(c->ring[a]);
		if (b < c->used && c->ring[b])
			policy_prefetch_page(p, c->ring[b]->page);
		v = c->ring[c->hand];
		if (v && !c->cnt[c->hand])
			break;
		if (v)
			c->cnt[c->hand]--;		/* second chance */
		if (++c->hand == c->used)
			c->hand = 0;
	}
	c->ring[c->hand] = NULL;
	/*
	 * The victim's frame is the new page's. A machine may evict without loading (its
	 * reclaim) or load later: there the frame is a hole, the last one, which the next
	 * insert takes first, so the order is the same.
	 */
	if (p->machine)
		push_hole(p, c, c->hand);
	else
		c->vacant = c->hand;
	if (++c->hand == c->used)
		c->hand = 0;
	policy_evict_entry(p, v);
}

static void clock_remove(struct policy *p, struct pentry *e)
{
	push_hole(p, p->priv, e->key);
}

static void clock_free(struct policy *p)
{
	struct clock *c = p->priv;

	free(c->ring);
	free(c->cnt);
	free(c->holes);
}

static int clock_validate(const struct policy *p, struct mmsim_error *err)
{
	const struct clock *c = p->priv;
	uint64_t n = 0, empty = 0;

	if (c->vacant != NO_SLOT || (c->used && c->hand >= c->used) ||
	    (c->used > p->frames && !(p->machine && p->st.over_limit)))
		return policy_bad(p, err, "hand %llu of %llu slots, vacant %llu",
				  (unsigned long long)c->hand, (unsigned long long)c->used,
				  (unsigned long long)c->vacant);
	for (uint64_t i = 0; i < c->used; i++) {
		const struct pentry *e = c->ring[i];
		if (!e) {
			empty++;
			continue;
		}
		if (e->key != i || c->cnt[i] > c->max || !(e->flags & PE_RESIDENT))
			return policy_bad(p, err, "slot %llu: page %llu says slot %llu, counter %u",
					  (unsigned long long)i, (unsigned long long)e->page,
					  (unsigned long long)e->key, c->cnt[i]);
		n++;
	}
	if (n != p->nr_resident || empty != c->nr_holes)
		return policy_bad(p, err, "ring holds %llu pages and %llu holes; %llu resident, "
				  "%llu holes listed", (unsigned long long)n,
				  (unsigned long long)empty, (unsigned long long)p->nr_resident,
				  (unsigned long long)c->nr_holes);
	return 0;
}

const struct policy_ops policy_clock_ops = {
	.name = "clock",
	.summary = "second chance (reference bit; ref=0 as libCacheSim)",
	.params = clock_params,
	.priv_size = sizeof(struct clock),
	.init = clock_init,
	.hit = clock_hit,
	.insert = clock_insert,
	.evict = clock_evict,
	.remove = clock_remove,
	.free = clock_free,
	.validate = clock_validate,
};

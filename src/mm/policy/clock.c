/*
 * CLOCK (second chance): the resident pages in a circle in load order, a hand at the
 * oldest; a hit sets the page's reference bit; to evict, the hand clears set bits and moves
 * on, and takes the first page whose bit is clear.
 * Source: F. J. Corbató, "A paging experiment with the Multics system", MIT Project MAC
 * MAC-M-384, 1968; A. S. Tanenbaum, Modern Operating Systems, 4th ed., 3.4.5. Here as the
 * textbook draws it: a ring of frames and a hand; the new page takes the victim's frame and
 * the hand moves past it. libCacheSim's Clock.c ("FIFO-Reinsertion": a queue whose head is
 * the hand, a page with its bit set moved to the tail) is the same algorithm with the same
 * choices.
 *
 * Layout, for speed: the counters live in a byte array beside the ring (a hit writes
 * cnt[e->key]), and the hand reads them eight at a time (one 64-bit word: the first zero
 * byte is the victim, the bytes before it lose one), which is the slot-by-slot walk of the
 * textbook in the same order without a branch per slot passed. The page numbers live in a
 * third array, so that the next victim's entry and hash bucket are prefetched without
 * touching its entry. A page removed from outside (policy_remove_page) leaves a hole (its
 * counter HOLE, which the hand neither takes nor decrements), which the next page loaded
 * without an eviction fills.
 *
 * Parameters: ref, the reference bit of a page when it is loaded: 1 as most textbooks and
 * the course simulators (the loading reference counts), 0 as libCacheSim (init-freq=0);
 * bits, the width of the counter (libCacheSim's n-bit-counter): a hit adds 1 up to
 * 2^bits - 1, the hand subtracts 1 (1 bit: the classic reference bit).
 *
 * Invariants (clock_validate): the ring's non-empty slots hold exactly the resident pages,
 * each page's key is its slot and page[slot] its page; the empty slots below `used` are
 * exactly the holes, and their counters are HOLE; the hand is below `used` (or 0); every
 * other counter (cnt[slot]) is at most 2^bits - 1; `used` is at most the frames (but in
 * machine mode after an admission over the limit: policy.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "mm/policy/policy.h"

enum { CLOCK_REF, CLOCK_BITS };

static const struct policy_param clock_params[] = {
	{ "ref", 1, 0, 1, true, "reference bit at load: 1 textbooks, 0 libCacheSim" },
	{ "bits", 1, 1, 7, true, "counter width (libCacheSim n-bit-counter)" },
	{ NULL, 0, 0, 0, false, NULL },
};

#define NO_SLOT	UINT64_MAX
#define HOLE	0x80u		/* the counter of a hole: above any counter of 7 bits */
#define CNT_PAD	8		/* bytes after the counters: an 8-byte read at any slot */

struct clock {
	struct pentry **ring;		/* the frames in clock order; NULL: a hole */
	uint64_t *page;			/* page[slot]: the page of ring[slot] (for prefetching) */
	uint8_t *cnt;			/* the reference bit (counter) of each slot, or HOLE */
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

/* Room for twice the slots in the ring, the pages and the counters. 0 or -ENOMEM. */
static int clock_grow(struct clock *c)
{
	uint64_t cap = c->cap ? c->cap * 2 : 1024;
	struct pentry **r = realloc(c->ring, cap * sizeof(*r));

	if (!r)
		return -ENOMEM;
	c->ring = r;
	uint64_t *pg = realloc(c->page, cap * sizeof(*pg));
	if (!pg)
		return -ENOMEM;
	c->page = pg;
	uint8_t *b = realloc(c->cnt, cap + CNT_PAD);
	if (!b)
		return -ENOMEM;
	memset(b + c->cap, 0, cap - c->cap + CNT_PAD);	/* the pad is read, never used */
	c->cnt = b;
	c->cap = cap;
	return 0;
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
		if (c->used == c->cap && clock_grow(c)) {
			p->error = -ENOMEM;
			return;
		}
		slot = c->used++;
	}
	c->ring[slot] = e;
	c->page[slot] = e->page;
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
	c->cnt[slot] = HOLE;
	c->holes[c->nr_holes++] = slot;
}

#define BYTES_ONE	UINT64_C(0x0101010101010101)
#define BYTES_LOW7	UINT64_C(0x7f7f7f7f7f7f7f7f)
#define BYTES_HIGH	UINT64_C(0x8080808080808080)

/* The counters of slots s .. s+7 (at b) as one word, slot s in the low byte. */
static inline uint64_t cnt_load(const uint8_t *b)
{
	uint64_t w = 0;

	for (unsigned k = 0; k < 8; k++)	/* the compiler makes it one load (LE hosts) */
		w |= (uint64_t)b[k] << (8 * k);
	return w;
}

static inline void cnt_store(uint8_t *b, uint64_t w)
{
	for (unsigned k = 0; k < 8; k++)
		b[k] = (uint8_t)(w >> (8 * k));
}

/*
 * The top bit of each byte of the word of counters at the hand that is 0 and in the
 * circle (exact: no carry crosses a byte). *in: the bytes in the circle.
 */
static inline uint64_t zero_at_hand(const struct clock *c, uint64_t *w, uint64_t *in)
{
	uint64_t left = c->used - c->hand;

	*in = left >= 8 ? ~UINT64_C(0) : (UINT64_C(1) << (8 * left)) - 1;
	*w = cnt_load(&c->cnt[c->hand]);
	return ~(((*w & BYTES_LOW7) + BYTES_LOW7) | *w | BYTES_LOW7) & *in & BYTES_HIGH;
}

/*
 * Move the hand to the next slot whose counter is 0, subtracting 1 from each counter it
 * passes (holes are passed as they are); the victim is then ring[hand].
 */
static void clock_sweep(struct clock *c)
{
	for (;;) {
		uint64_t w, in, z = zero_at_hand(c, &w, &in);
		/* the bytes the hand passes: before the first zero, or all in the circle */
		uint64_t passed = z ? ((z & -z) >> 7) - 1 : in;
		uint64_t dec = passed & BYTES_ONE & ~((w & BYTES_HIGH) >> 7);

		if (dec)	/* no borrow: a counter passed and not a hole is at least 1 */
			cnt_store(&c->cnt[c->hand], w - dec);
		if (z) {
			c->hand += (uint64_t)__builtin_ctzll(z) >> 3;
			return;
		}
		c->hand += (uint64_t)__builtin_popcountll(in) >> 3;
		if (c->hand == c->used)
			c->hand = 0;
	}
}

/*
 * Prefetch for the next eviction: the entry and the hash bucket of the first slot among the
 * eight from the hand whose counter is 0 (a hit may still save it: a hint only).
 */
static void clock_prefetch(const struct policy *p, const struct clock *c)
{
	uint64_t w, in, z = zero_at_hand(c, &w, &in);

	if (z) {
		uint64_t s = c->hand + ((uint64_t)__builtin_ctzll(z) >> 3);
		__builtin_prefetch(c->ring[s]);
		policy_prefetch_page(p, c->page[s]);
	}
}

static void clock_evict(struct policy *p, struct pentry *in)
{
	struct clock *c = p->priv;
	struct pentry *v;

	(void)in;
	clock_sweep(c);
	v = c->ring[c->hand];
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
	clock_prefetch(p, c);
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
	free(c->page);
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
			if (c->cnt[i] != HOLE)
				return policy_bad(p, err, "hole %llu: counter %u",
						  (unsigned long long)i, c->cnt[i]);
			empty++;
			continue;
		}
		if (e->key != i || c->cnt[i] > c->max || !(e->flags & PE_RESIDENT) ||
		    c->page[i] != e->page)
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

/*
 * LFU: evict the resident page with the fewest references since it was loaded; among
 * those, the least recently used. Frequencies start at 1 on load and are forgotten on
 * eviction (in-cache LFU).
 * Source: the O(1) frequency-list structure of K. Shah, A. Mitra, D. Matani, "An O(1)
 * algorithm for implementing the LFU cache eviction scheme", 2010: buckets of equal
 * frequency in a list sorted by frequency, each bucket a list of its pages in the order
 * they reached that frequency - which is the order of their last reference, hence the LRU
 * tie-break.
 *
 * Invariants (lfu_validate): buckets are non-empty, in strictly increasing frequency; each
 * resident page is in the bucket of its frequency (key) and aux names that bucket; the
 * buckets hold exactly the resident pages.
 */
#include <errno.h>
#include <stdlib.h>
#include "mm/policy/policy.h"

#define LFU_CHUNK 1024

struct lfu_bucket {
	uint64_t freq;			/* on the free list: the next free id */
	struct list_head entries;	/* least recently used first */
	struct list_head link;		/* in struct lfu.buckets */
	uint32_t id;
};

struct lfu {
	struct list_head buckets;	/* increasing freq */
	struct lfu_bucket **chunks;
	uint32_t nr_chunks, used, free_id;	/* free_id: UINT32_MAX when none */
};

static inline struct lfu_bucket *bucket(const struct lfu *l, uint32_t id)
{
	return &l->chunks[id / LFU_CHUNK][id % LFU_CHUNK];
}

static struct lfu_bucket *bucket_new(struct policy *p, uint64_t freq)
{
	struct lfu *l = p->priv;
	struct lfu_bucket *b;

	if (l->free_id != UINT32_MAX) {
		b = bucket(l, l->free_id);
		l->free_id = (uint32_t)b->freq;
	} else {
		if (l->used == l->nr_chunks * LFU_CHUNK) {
			struct lfu_bucket **c = realloc(l->chunks, (l->nr_chunks + 1) * sizeof(*c));
			if (!c)
				return NULL;
			l->chunks = c;
			if (!(c[l->nr_chunks] = malloc(LFU_CHUNK * sizeof(**c)))) {
				p->error = -ENOMEM;
				return NULL;
			}
			l->nr_chunks++;
		}
		b = bucket(l, l->used);
		b->id = l->used++;
	}
	b->freq = freq;
	INIT_LIST_HEAD(&b->entries);
	return b;
}

static void bucket_put(struct lfu *l, struct lfu_bucket *b)
{
	list_del(&b->link);
	b->freq = l->free_id;
	l->free_id = b->id;
}

static int lfu_init(struct policy *p, struct mmsim_error *err)
{
	struct lfu *l = p->priv;

	(void)err;
	INIT_LIST_HEAD(&l->buckets);
	l->free_id = UINT32_MAX;
	return 0;
}

static void lfu_hit(struct policy *p, struct pentry *e)
{
	struct lfu *l = p->priv;
	struct lfu_bucket *b = bucket(l, e->aux), *nb = NULL;

	if (b->link.next != &l->buckets) {
		nb = list_entry(b->link.next, struct lfu_bucket, link);
		if (nb->freq != b->freq + 1)
			nb = NULL;
	}
	if (!nb) {
		nb = bucket_new(p, b->freq + 1);
		if (!nb) {
			p->error = -ENOMEM;
			return;
		}
		list_add(&nb->link, &b->link);
	}
	list_move_tail(&e->lru, &nb->entries);
	e->aux = nb->id;
	e->key = nb->freq;
	if (list_empty(&b->entries))
		bucket_put(l, b);
}

static void lfu_insert(struct policy *p, struct pentry *e)
{
	struct lfu *l = p->priv;
	struct lfu_bucket *b = NULL;

	if (!list_empty(&l->buckets)) {
		b = list_first_entry(&l->buckets, struct lfu_bucket, link);
		if (b->freq != 1)
			b = NULL;
	}
	if (!b) {
		b = bucket_new(p, 1);
		if (!b) {
			p->error = -ENOMEM;
			return;
		}
		list_add(&b->link, &l->buckets);
	}
	list_add_tail(&e->lru, &b->entries);
	e->aux = b->id;
	e->key = 1;
}

static void lfu_remove(struct policy *p, struct pentry *e)
{
	struct lfu *l = p->priv;
	struct lfu_bucket *b = bucket(l, e->aux);

	list_del(&e->lru);
	if (list_empty(&b->entries))
		bucket_put(l, b);
}

static void lfu_evict(struct policy *p, struct pentry *in)
{
	struct lfu *l = p->priv;
	struct lfu_bucket *b = list_first_entry(&l->buckets, struct lfu_bucket, link);
	struct pentry *v = list_first_entry(&b->entries, struct pentry, lru);

	(void)in;
	lfu_remove(p, v);
	policy_evict_entry(p, v);
}

static void lfu_free(struct policy *p)
{
	struct lfu *l = p->priv;

	for (uint32_t i = 0; i < l->nr_chunks; i++)
		free(l->chunks[i]);
	free(l->chunks);
}

static int lfu_validate(const struct policy *p, struct mmsim_error *err)
{
	const struct lfu *l = p->priv;
	const struct list_head *q, *r;
	uint64_t n = 0, last = 0;

	list_for_each(q, &l->buckets) {
		const struct lfu_bucket *b = list_entry(q, struct lfu_bucket, link);
		if (b->freq <= last || list_empty(&b->entries))
			return policy_bad(p, err, "bucket of frequency %llu is empty or out of order",
					  (unsigned long long)b->freq);
		last = b->freq;
		list_for_each(r, &b->entries) {
			const struct pentry *e = list_entry(r, struct pentry, lru);
			if (e->aux != b->id || e->key != b->freq || !(e->flags & PE_RESIDENT))
				return policy_bad(p, err, "page %llu is in the wrong bucket",
						  (unsigned long long)e->page);
			n++;
		}
	}
	if (n != p->nr_resident)
		return policy_bad(p, err, "buckets hold %llu pages, %llu resident",
				  (unsigned long long)n, (unsigned long long)p->nr_resident);
	return 0;
}

const struct policy_ops policy_lfu_ops = {
	.name = "lfu",
	.summary = "least frequently used (ties: least recently used)",
	.priv_size = sizeof(struct lfu),
	.init = lfu_init,
	.hit = lfu_hit,
	.insert = lfu_insert,
	.evict = lfu_evict,
	.remove = lfu_remove,
	.free = lfu_free,
	.validate = lfu_validate,
};

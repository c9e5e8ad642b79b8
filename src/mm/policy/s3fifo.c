/*
 * S3-FIFO: a small FIFO S (10% of the frames) that filters pages referenced only once, a
 * main FIFO M (the rest) run as a CLOCK with a 2-bit counter, and a ghost FIFO G of page
 * numbers evicted from S. A miss whose page is in G goes to M, any other to S. A hit adds 1
 * to the page's counter (at most 3). To make room: if M holds more than its share or S is
 * empty, M's oldest pages with a counter above 0 go back to M's tail with the counter less
 * one, and the first with 0 is evicted; else S's oldest pages referenced at least twice
 * (threshold) move to M with the counter 0, and the first other one is evicted into G.
 * Source: J. Yang, Y. Zhang, Z. Qiu, Y. Yue, K. V. Rashmi, "FIFO queues are all you need for
 * cache eviction", SOSP 2023, Algorithm 1; the details as libCacheSim's S3FIFO.c (small
 * 10%, ghost 90% of the frames, move-to-main threshold 2, one eviction per call, and before
 * the first eviction a miss finds S full goes to M), so that counts compare with it.
 * Difference: S has at least one frame (libCacheSim's S of 0 or 1 frame admits nothing).
 *
 * Invariants (s3fifo_validate): S and M hold exactly the resident pages, G exactly the
 * ghosts (at most its size); counters are at most 3.
 */
#include "mm/policy/policy.h"

enum { S3_S = 1, S3_M, S3_G };

static const struct policy_param s3fifo_params[] = {
	{ "small", 0.1, 0, 1, false, "S size, fraction of the frames (at least 1)" },
	{ "ghost", 0.9, 0, 64, false, "G size, fraction of the frames" },
	{ "threshold", 2, 1, 3, true, "references in S to move to M" },
	{ NULL, 0, 0, 0, false, NULL },
};

struct s3fifo {
	struct list_head l[4];		/* oldest first */
	uint64_t n[4];
	uint64_t small, main, ghost;
	uint8_t threshold;
	bool has_evicted;
};

static int s3fifo_init(struct policy *p, struct mmsim_error *err)
{
	struct s3fifo *s = p->priv;

	(void)err;
	for (int i = 1; i < 4; i++)
		INIT_LIST_HEAD(&s->l[i]);
	s->small = (uint64_t)((double)p->frames * p->param[0]);
	if (!s->small)
		s->small = 1;
	s->main = p->frames > s->small ? p->frames - s->small : 0;
	s->ghost = (uint64_t)((double)p->frames * p->param[1]);
	s->threshold = (uint8_t)p->param[2];
	p->ghost_max = s->ghost;
	return 0;
}

static void s3_del(struct s3fifo *s, struct pentry *e)
{
	list_del(&e->lru);
	s->n[e->list]--;
	e->list = 0;
}

static void s3_add(struct s3fifo *s, struct pentry *e, uint8_t l)
{
	e->list = l;
	list_add_tail(&e->lru, &s->l[l]);
	s->n[l]++;
}

static void s3fifo_hit(struct policy *p, struct pentry *e)
{
	(void)p;
	if (e->cnt < 3)
		e->cnt++;
}

static void s3fifo_insert(struct policy *p, struct pentry *e)
{
	struct s3fifo *s = p->priv;

	if (e->list == S3_G)
		s3_del(s, e);
	e->cnt = 0;
	if (e->flags & PE_GHOST)
		s3_add(s, e, S3_M);
	else if (!s->has_evicted && s->n[S3_S] >= s->small)
		s3_add(s, e, S3_M);
	else
		s3_add(s, e, S3_S);
}

static bool evict_main(struct policy *p, struct s3fifo *s)
{
	while (s->n[S3_M]) {
		struct pentry *t = list_first_entry(&s->l[S3_M], struct pentry, lru);
		s3_del(s, t);
		if (t->cnt) {
			t->cnt--;
			s3_add(s, t, S3_M);
			continue;
		}
		policy_evict_entry(p, t);
		return true;
	}
	return false;
}

static bool evict_small(struct policy *p, struct s3fifo *s)
{
	while (s->n[S3_S]) {
		struct pentry *t = list_first_entry(&s->l[S3_S], struct pentry, lru);
		s3_del(s, t);
		if (t->cnt >= s->threshold) {
			t->cnt = 0;
			s3_add(s, t, S3_M);
			continue;
		}
		if (s->ghost) {
			t->flags |= PE_GHOST;
			s3_add(s, t, S3_G);
		}
		policy_evict_entry(p, t);
		if (s->n[S3_G] > s->ghost) {
			struct pentry *g = list_first_entry(&s->l[S3_G], struct pentry, lru);
			s3_del(s, g);
			policy_forget(p, g);
		}
		return true;
	}
	return false;
}

static void s3fifo_evict(struct policy *p, struct pentry *in)
{
	struct s3fifo *s = p->priv;

	if (in && in->list == S3_G)	/* it comes back: out of G first */
		s3_del(s, in);
	s->has_evicted = true;
	for (;;) {
		bool done = s->n[S3_M] > s->main || !s->n[S3_S] ? evict_main(p, s)
								  : evict_small(p, s);
		if (done)
			return;
	}
}

static void s3fifo_remove(struct policy *p, struct pentry *e)
{
	s3_del(p->priv, e);
}

static int s3fifo_validate(const struct policy *p, struct mmsim_error *err)
{
	const struct s3fifo *s = p->priv;

	for (int l = 1; l < 4; l++) {
		const struct list_head *q;
		uint64_t c = 0;
		list_for_each(q, &s->l[l]) {
			const struct pentry *e = list_entry(q, struct pentry, lru);
			if (e->list != l || e->cnt > 3 ||
			    !(e->flags & (l == S3_G ? PE_GHOST : PE_RESIDENT)))
				return policy_bad(p, err, "page %llu misfiled on queue %d",
						  (unsigned long long)e->page, l);
			c++;
		}
		if (c != s->n[l])
			return policy_bad(p, err, "queue %d holds %llu, counted %llu", l,
					  (unsigned long long)c, (unsigned long long)s->n[l]);
	}
	if (s->n[S3_S] + s->n[S3_M] != p->nr_resident || s->n[S3_G] != p->nr_ghost)
		return policy_bad(p, err, "S %llu + M %llu != %llu resident or G %llu != %llu",
				  (unsigned long long)s->n[S3_S], (unsigned long long)s->n[S3_M],
				  (unsigned long long)p->nr_resident, (unsigned long long)s->n[S3_G],
				  (unsigned long long)p->nr_ghost);
	return 0;
}

const struct policy_ops policy_s3fifo_ops = {
	.name = "s3fifo",
	.summary = "S3-FIFO (SOSP'23): small, main and ghost FIFOs",
	.params = s3fifo_params,
	.priv_size = sizeof(struct s3fifo),
	.init = s3fifo_init,
	.hit = s3fifo_hit,
	.insert = s3fifo_insert,
	.evict = s3fifo_evict,
	.remove = s3fifo_remove,
	.validate = s3fifo_validate,
};

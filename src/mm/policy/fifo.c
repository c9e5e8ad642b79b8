/*
 * FIFO: evict the page that was loaded first. Hits change nothing.
 * Source: the classic first-in first-out replacement, e.g. A. Silberschatz, P. Galvin,
 * G. Gagne, Operating System Concepts, 10th ed., 10.4.2; L. A. Belady, R. A. Nelson,
 * G. S. Shedler, "An anomaly in space-time characteristics of certain programs running in a
 * paging machine", CACM 12(6), 1969 (more frames can fault more: Belady's anomaly).
 *
 * Invariants (fifo_validate): the queue holds exactly the resident pages, oldest load first.
 */
#include "mm/policy/policy.h"

struct fifo { struct list_head q; };

static int fifo_init(struct policy *p, struct mmsim_error *err)
{
	struct fifo *f = p->priv;

	(void)err;
	INIT_LIST_HEAD(&f->q);
	return 0;
}

static void fifo_insert(struct policy *p, struct pentry *e)
{
	list_add_tail(&e->lru, &((struct fifo *)p->priv)->q);
}

static void fifo_evict(struct policy *p, struct pentry *in)
{
	struct fifo *f = p->priv;
	struct pentry *v = list_first_entry(&f->q, struct pentry, lru);

	(void)in;
	list_del(&v->lru);
	policy_evict_entry(p, v);
	policy_prefetch_front(p, &f->q);
}

static void fifo_remove(struct policy *p, struct pentry *e)
{
	(void)p;
	list_del(&e->lru);
}

static int fifo_validate(const struct policy *p, struct mmsim_error *err)
{
	const struct fifo *f = p->priv;
	uint64_t n = 0;
	const struct list_head *q;

	list_for_each(q, &f->q) {
		if (!(list_entry(q, struct pentry, lru)->flags & PE_RESIDENT))
			return policy_bad(p, err, "a page on the queue is not resident");
		n++;
	}
	if (n != p->nr_resident)
		return policy_bad(p, err, "queue holds %llu pages, %llu resident",
				  (unsigned long long)n, (unsigned long long)p->nr_resident);
	return 0;
}

const struct policy_ops policy_fifo_ops = {
	.name = "fifo",
	.summary = "first in, first out",
	.priv_size = sizeof(struct fifo),
	.init = fifo_init,
	.insert = fifo_insert,
	.evict = fifo_evict,
	.remove = fifo_remove,
	.validate = fifo_validate,
};

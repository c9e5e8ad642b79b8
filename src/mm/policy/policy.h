/*
 * Research-mode page replacement: a fixed number of frames, a stream of page references, and
 * a named policy that decides which resident page leaves when a new one comes in. Every
 * counter is exact, so that results can be compared with theory, with libCacheSim and with
 * the classic course simulators (docs/policies.md).
 *
 * Glossary
 *   reference   one access to one page (a trace record is one reference to the page of its
 *               first byte); a write (lackey S/M, page-trace W) makes the page dirty.
 *   frame       room for one resident page; the cache size is a number of frames.
 *   entry       what the engine keeps about a page: struct pentry. A resident entry holds a
 *               frame; a ghost entry (PE_GHOST) is history a policy keeps about a page it
 *               evicted (ARC's B1/B2, 2Q's A1out, LIRS's non-resident HIR blocks ...).
 *   fault       a reference to a page that is not resident (cold misses count).
 *   eviction    a resident page leaves to make room; a dirty one costs a write-back.
 *
 * The engine (policy.c) owns the entries (a chunked pool: entries never move, so policies
 * link them on intrusive lists), the hash from page number to entry (struct pbucket), and the
 * counters. A policy (one file each, registered in policy_registry[]) owns the order of its
 * entries. One reference:
 *
 *   e = lookup(page)
 *   resident: hits++, dirty |= write, ops->hit(p, e)
 *   else:     faults++
 *             if resident pages == frames: ops->evict(p, e)   (e: the ghost entry or NULL)
 *                 the policy picks one or more victims and hands each to policy_evict_entry,
 *                 which counts the eviction (and the write-back when dirty) and either keeps
 *                 the entry as a ghost (the policy set PE_GHOST) or forgets it
 *             e = e ?: new entry; e becomes resident (dirty = write); ops->insert(p, e)
 *                 (PE_GHOST still set tells the policy it was a ghost; insert clears it)
 *
 * Policies never allocate per reference: ghosts come from the same pool, which grows only
 * when a page is seen for the first time (amortised, bounded by frames + ghost_max + 1).
 */
#ifndef MMSIM_MM_POLICY_POLICY_H
#define MMSIM_MM_POLICY_POLICY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mmsim/mmsim.h"
#include "util/list.h"
#include "util/rng.h"

#define POLICY_NEVER	UINT64_MAX	/* next use of a page that is not used again */
#define POLICY_MAX_PARAMS 8

/* struct pentry.flags: the engine's bits, then the policies' own. */
enum {
	PE_RESIDENT = 1u << 0,	/* holds a frame */
	PE_DIRTY = 1u << 1,	/* written since it was loaded (resident only) */
	PE_GHOST = 1u << 2,	/* not resident, kept by the policy as history */
	PE_REF = 1u << 3,	/* policy: a reference bit (CLOCK's, NRU's R, Linux's young) */
	PE_P1 = 1u << 4,	/* policy-defined bits */
	PE_P2 = 1u << 5,
	PE_P3 = 1u << 6,
	PE_P4 = 1u << 7,
	PE_FRESH = 1u << 8,	/* machine mode: admitted, not referenced yet (its first reference
				   is the fault that brought it in, or the first use of a page
				   read ahead) */
};

/*
 * What the engine keeps per page: 64 bytes, aligned to 64 so that an entry never straddles
 * two cache lines (the pool's chunks are 64-byte aligned).
 * Invariants (policy_validate): exactly one of PE_RESIDENT and PE_GHOST is set on an entry in
 * use; PE_DIRTY only with PE_RESIDENT; the hash maps page to this entry and to no other; the
 * remaining fields are the policy's (its file states their invariants).
 */
struct pentry {
	uint64_t page;			/* page number (or object id) */
	struct list_head lru;		/* the policy's main link */
	struct list_head link2;		/* a second link (LIRS's queue Q, ghost lists ...) */
	uint64_t key;			/* policy's: next use, frequency, time of last use ... */
	uint32_t aux;			/* policy's: heap index, bucket ...; free-list link */
	uint16_t flags;			/* PE_* */
	uint8_t list;			/* policy's: which of its lists holds the entry */
	uint8_t cnt;			/* policy's: a small counter (frequency, generation) */
	uint64_t frame;			/* machine mode: the pfn holding the page (resident) */
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct pentry) == 64, "a policy entry is one cache line");

/* One parameter of a policy: "name:key=value". Values are numbers (integers where int). */
struct policy_param {
	const char *key;
	double def;			/* default */
	double min, max;		/* accepted range, inclusive */
	bool integer;			/* must be an integer */
	const char *help;		/* one line */
};

struct policy;

/*
 * A replacement policy. Every function but evict may be NULL when it has nothing to do.
 * evict(p, in) is called when all frames are used: it must hand at least one resident entry
 * to policy_evict_entry (never `in`, the non-resident entry of the page coming in, or NULL),
 * unlinked from its resident structures. Ghosts must be forgotten (policy_forget) so that at
 * most ghost_max exist, and never `in` inside evict.
 */
struct policy_ops {
	const char *name;
	const char *summary;		/* one line for --help and the table */
	const struct policy_param *params;	/* NULL-key-terminated, or NULL */
	bool needs_future;		/* OPT: p->next_use must be the reference's next use */
	size_t priv_size;		/* bytes of zeroed private state (p->priv) */
	/* set up p->priv (parameters are in p->param[]) and p->ghost_max; 0 or -errno */
	int (*init)(struct policy *p, struct mmsim_error *err);
	void (*hit)(struct policy *p, struct pentry *e);
	void (*insert)(struct policy *p, struct pentry *e);
	void (*evict)(struct policy *p, struct pentry *in);
	/* unlink a resident entry (the page is freed outside the policy) */
	void (*remove)(struct policy *p, struct pentry *e);
	/*
	 * machine mode: resident e became dirty at its first reference, after insert saw it
	 * clean (trace mode inserts a written page dirty); for policies whose order depends
	 * on PE_DIRTY (NRU's classes)
	 */
	void (*dirtied)(struct policy *p, struct pentry *e);
	void (*free)(struct policy *p);
	/* check the policy's invariants; 0 or -EUCLEAN with err */
	int (*validate)(const struct policy *p, struct mmsim_error *err);
};

/*
 * Counters of a run. accesses == hits + faults; evictions <= faults (trace mode).
 * Machine mode (mm/policy_reclaim.c) adds: admitted (pages the machine brought in: faults,
 * readahead, swap-ins), kept (victims the machine could not free: pinned, no swap slot; they
 * were put back), over_limit (admissions made while every frame was used and no victim
 * could be freed). There, evictions <= admitted.
 */
struct policy_stats {
	uint64_t accesses, hits, faults, evictions, dirty_writebacks;
	uint64_t resident;		/* pages resident at the end */
	uint64_t admitted, kept, over_limit;
};

/* A victim the policy chose in machine mode, for the machine to free. */
struct policy_victim {
	uint64_t page, frame;
	bool dirty;
};
#define POLICY_MAX_VICTIMS 16

/*
 * One policy instance over a fixed number of frames.
 * Invariants (policy_validate): nr_resident <= frames; nr_resident + nr_ghost == entries in
 * use == entries in the hash; nr_ghost <= ghost_max; the counters as struct policy_stats;
 * then the policy's own (ops->validate).
 */
struct policy {
	const struct policy_ops *ops;
	void *priv;
	uint64_t frames;
	uint64_t nr_resident, nr_ghost;
	uint64_t ghost_max;		/* set by ops->init */
	uint64_t now;			/* references so far: the virtual time of this one */
	uint64_t next_use;		/* this reference's next use (needs_future policies) */
	double param[POLICY_MAX_PARAMS];	/* in the order of ops->params */
	struct rng rng;
	struct policy_stats st;
	int error;			/* sticky: -ENOMEM when the pool could not grow */
	/* machine mode: evictions are handed to the machine (policy_machine_*) */
	bool machine;
	unsigned int nr_victims;
	struct policy_victim victims[POLICY_MAX_VICTIMS];
	/* the engine's entries */
	struct pentry **chunks;		/* chunk c holds entries c*POLICY_CHUNK .. */
	size_t nr_chunks, chunks_cap;
	uint64_t pool_used;		/* entries ever handed out of the chunks */
	struct pentry *free_list;	/* forgotten entries (linked through lru.next) */
	struct pbucket *buckets;	/* the hash from page to entry (policy.c) */
	uint64_t bmask, nr_slots_used;	/* buckets - 1; entries in the hash */
	unsigned shift;			/* 64 - log2(buckets): the hash's top bits index */
	char name[96];			/* the spec as normalised: "clock:ref=1" */
};

/*
 * One bucket of the hash: a cache line of PB_LANES entries of pages that hash to it (or,
 * when it overflowed, to a bucket before it), each with an 8-bit tag from the page's hash
 * so that a lookup touches the entry only when the tag matches.
 * ctrl: byte i (bits 8i .. 8i+7) for i < PB_LANES is the tag of e[i], 0 when e[i] is empty
 * (tags are never 0); the top byte counts the entries that went past this bucket because
 * it was full (saturating at 255, which then stays). Invariants (policy_validate): a lane
 * is empty exactly when its tag is 0; the entry of a lane has the lane's tag, and its home
 * bucket is this one or one whose probe passed to here; an overflow count below 255 equals
 * the number of entries stored after this bucket whose probe started at or before it.
 */
#define PB_LANES	7
struct pbucket {
	uint64_t ctrl;
	struct pentry *e[PB_LANES];
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct pbucket) == 64, "a hash bucket is one cache line");

#define POLICY_GOLDEN	UINT64_C(0x9e3779b97f4a7c15)

/*
 * The hash of page: Fibonacci hashing (Knuth TAOCP vol. 3, 6.4), a bijection of the 64-bit
 * page numbers; its top bits pick the bucket, the 8 bits below them the tag.
 */
static inline uint64_t policy_hash(uint64_t page)
{
	return page * POLICY_GOLDEN;
}

/* The home bucket of hash h in p's table. */
static inline struct pbucket *policy_bucket_of(const struct policy *p, uint64_t h)
{
	return &p->buckets[h >> p->shift];
}

/* Prefetch the home bucket of page (a hint: nothing changes). */
static inline void policy_prefetch_page(const struct policy *p, uint64_t page)
{
	__builtin_prefetch(policy_bucket_of(p, policy_hash(page)));
}

/*
 * Prefetch for the next evictions from the front of list h (linked through lru): the hash
 * bucket of the first entry (which an earlier call brought into the cache) and the second
 * entry itself, so that when they become victims their memory is near. A hint only.
 */
static inline void policy_prefetch_front(const struct policy *p, const struct list_head *h)
{
	const struct list_head *n1 = h->next;

	if (n1 == h)
		return;
	policy_prefetch_page(p, list_entry(n1, struct pentry, lru)->page);
	if (n1->next != h)
		__builtin_prefetch(list_entry(n1->next, struct pentry, lru));
}

/* The policies, by name, in the order of `--policy all`. */
extern const struct policy_ops *const policy_registry[];
extern const size_t policy_registry_len;

/* The ops of name (exact, lower case), or NULL. */
const struct policy_ops *policy_find(const char *name);

/* "fifo, lru, clock, ..." into buf (for messages). */
void policy_names(char *buf, size_t len);

/*
 * Make a policy from spec "name[:key=value,...]" over frames frames (>= 1), its random
 * generator seeded with seed. 0, or -EINVAL with err saying what is wrong (an unknown name
 * lists the names; an unknown key lists the policy's keys; a value out of range gives it),
 * or -ENOMEM. *out is NULL on failure.
 */
int policy_create(const char *spec, uint64_t frames, uint64_t seed, struct policy **out,
		  struct mmsim_error *err);
void policy_destroy(struct policy *p);

/* One reference (next: its next use, for needs_future policies; POLICY_NEVER otherwise). */
void policy_access(struct policy *p, uint64_t page, bool write, uint64_t next);

/* A reference as the trace runner hands it out: page, its next use, and whether a write. */
struct policy_ref {
	uint64_t page;
	uint64_t next;			/* POLICY_NEVER when unknown or never */
	uint64_t write;			/* 0 or 1 (a full word keeps the struct 24 bytes) */
};

/* policy_access for each of r[0..n). */
void policy_access_refs(struct policy *p, const struct policy_ref *r, size_t n);

/* Drop a resident page (freed outside the policy); a page not resident is left alone. */
void policy_remove_page(struct policy *p, uint64_t page);
/* The same for resident entry e, found already. */
void policy_remove_entry(struct policy *p, struct pentry *e);

/* The resident entry of page, or NULL. */
struct pentry *policy_lookup_resident(struct policy *p, uint64_t page);

void policy_get_stats(const struct policy *p, struct policy_stats *st);

/*
 * ---- machine mode: the policy decides the simulated kernel's reclaim -------------------
 * (mm/policy_reclaim.c). Pages are the machine's page identities (a file page or an
 * anonymous page: policy_reclaim.h); a page enters when the machine brings it into a frame
 * and leaves when its frame is freed. One admission:
 *
 *   policy_machine_make_room(p, page)   all frames used: ops->evict(p, in) as on a fault;
 *                                       the victims are in p->victims[0 .. nr_victims)
 *   the machine frees each victim; one it cannot free: policy_machine_putback
 *   (again while every frame is still used, up to the number of resident pages)
 *   policy_machine_insert(p, page, frame, fresh)
 *
 * A reference (policy_machine_reference) to a resident page is a hit, except the first
 * reference to a fresh page, which is the fault that brought it in (or the first use of a
 * page read ahead): so accesses == hits + faults holds as in trace mode, and with one page
 * per fault (no readahead, no fault-around) every counter equals trace mode's.
 */
/* Create a policy for a machine with frames frames (NEEDS_FUTURE policies: -EINVAL). */
int policy_create_machine(const char *spec, uint64_t frames, uint64_t seed, struct policy **out,
			  struct mmsim_error *err);
/* Make room for page: 0 with victims chosen (possibly none when a frame is free), or -EUCLEAN. */
int policy_machine_make_room(struct policy *p, uint64_t page);
/* Choose victims without a page coming in (reclaim of the machine's own). 0 or -ENOENT (empty). */
int policy_machine_choose(struct policy *p);
/* A victim the machine could not free comes back resident (counted in kept). 0 or -errno. */
int policy_machine_putback(struct policy *p, const struct policy_victim *v);
/* Page comes in, held by frame. 0, -EEXIST (resident already) or -ENOMEM. */
int policy_machine_insert(struct policy *p, uint64_t page, uint64_t frame, bool fresh);
/* A reference to page: false when the page is not resident (not the policy's). */
bool policy_machine_reference(struct policy *p, uint64_t page, bool write);

/* Check the engine's and the policy's invariants; 0 or -EUCLEAN with err. */
int policy_validate(const struct policy *p, struct mmsim_error *err);

/* ---- for the policies ---- */

/* Evict resident entry e (unlinked by the policy); keep it as a ghost if PE_GHOST is set. */
void policy_evict_entry(struct policy *p, struct pentry *e);
/* Write resident dirty entry e back without evicting it (WSClock): counts one write-back. */
void policy_writeback(struct policy *p, struct pentry *e);
/* Forget ghost entry e (the policy has unlinked it). */
void policy_forget(struct policy *p, struct pentry *e);
/* The entry of page, resident or ghost, or NULL. */
struct pentry *policy_lookup(const struct policy *p, uint64_t page);

/* Report a broken invariant of policy p: -EUCLEAN with "policy NAME: what". */
/*
 * The invariants ARC and CAR share (lists 1..4 = T1, T2, B1, B2 of pentry.lru; n[] their
 * lengths; target the adaptation parameter p): each entry on the list its field names,
 * resident on T1/T2 and ghost on B1/B2, the counts right, |T1| + |B1| <= c,
 * |T1| + |T2| + |B1| + |B2| <= 2c, 0 <= p <= c. 0 or -EUCLEAN.
 */
int policy_validate_adaptive(const struct policy *p, const struct list_head *l, const uint64_t *n,
			     double target, struct mmsim_error *err);
int policy_bad(const struct policy *p, struct mmsim_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Count the entries of list h (for validators). */
static inline uint64_t policy_list_count(const struct list_head *h)
{
	uint64_t n = 0;
	for (const struct list_head *q = h->next; q != h; q = q->next)
		n++;
	return n;
}

/* Move all of src's entries to the tail of dst, in order; src becomes empty. */
static inline void policy_list_splice_tail(struct list_head *src, struct list_head *dst)
{
	if (src->next == src)
		return;
	struct list_head *first = src->next, *last = src->prev;

	first->prev = dst->prev;
	dst->prev->next = first;
	last->next = dst;
	dst->prev = last;
	INIT_LIST_HEAD(src);
}

/* A max-heap (or min-heap) of entries by key, positions in pentry.aux: OPT, aging. */
struct pheap {
	struct pentry **a;
	uint64_t n, cap;
	bool min;			/* min-heap when true */
};
int pheap_init(struct pheap *h, uint64_t cap, bool min);
void pheap_free(struct pheap *h);
/* 0, or -ENOMEM when the heap could not grow (it grows by doubling). */
int pheap_push(struct pheap *h, struct pentry *e);
void pheap_remove(struct pheap *h, struct pentry *e);
/* e->key changed: restore the order. */
void pheap_update(struct pheap *h, struct pentry *e);
static inline struct pentry *pheap_top(const struct pheap *h) { return h->n ? h->a[0] : NULL; }
int pheap_validate(const struct pheap *h, const struct policy *p, struct mmsim_error *err);

/* The ops of each policy (one file each). */
extern const struct policy_ops policy_fifo_ops, policy_lru_ops, policy_clock_ops,
	policy_random_ops, policy_opt_ops, policy_lfu_ops, policy_mru_ops, policy_nru_ops,
	policy_aging_ops, policy_wsclock_ops, policy_2q_ops, policy_arc_ops, policy_car_ops,
	policy_lirs_ops, policy_clockpro_ops, policy_sieve_ops, policy_s3fifo_ops,
	policy_linux_ops, policy_mglru_ops;
#endif

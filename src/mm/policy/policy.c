/*
 * The research-mode replacement engine (policy.h): the registry of policies, parameter
 * parsing, the entry pool, the hash from page number to entry, and the one reference path
 * shared by every policy, so that all of them count faults, evictions and write-backs the
 * same way.
 *
 * The hash is linear probing over buckets of one cache line (struct pbucket: seven entry
 * pointers and a control word of seven 8-bit tags and an overflow count), indexed by
 * Fibonacci hashing (the top bits of the page number times 2^64 / golden ratio, Knuth TAOCP
 * vol. 3, 6.4): one multiplication, which matters because a miss hashes several times
 * (lookup, delete, insert); XXH3 cost a quarter of the throughput here. A lookup compares
 * the seven tags at once and reads an entry only when its tag matches; a probe goes past a
 * bucket only when its overflow count says an entry did, as in Folly's F14 hash tables; a
 * delete clears one lane and decrements the overflow counts on its probe, and moves
 * nothing (backward-shift deletion in linear probing with 16-byte slots took a fifth of a
 * CLOCK run: a branch per slot of the cluster). At most half the lanes are used, so a
 * bucket overflows rarely. Consecutive and power-of-two-strided page numbers spread
 * evenly under it. Entries live in chunks of POLICY_CHUNK that are never moved or freed before the
 * policy is destroyed, so intrusive list links stay valid; forgotten entries go to a free
 * list. Nothing is allocated on a reference except when a page is seen for the first time
 * and the pool or the hash must grow (amortised).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mm/policy/policy.h"
#include "util/error.h"

#define POLICY_CHUNK	4096

const struct policy_ops *const policy_registry[] = {
	&policy_fifo_ops, &policy_lru_ops, &policy_clock_ops, &policy_random_ops,
	&policy_opt_ops, &policy_lfu_ops, &policy_mru_ops, &policy_nru_ops, &policy_aging_ops,
	&policy_wsclock_ops, &policy_2q_ops, &policy_arc_ops, &policy_car_ops,
	&policy_lirs_ops, &policy_clockpro_ops, &policy_sieve_ops, &policy_s3fifo_ops,
	&policy_linux_ops, &policy_mglru_ops,
};
const size_t policy_registry_len = sizeof(policy_registry) / sizeof(policy_registry[0]);

const struct policy_ops *policy_find(const char *name)
{
	for (size_t i = 0; i < policy_registry_len; i++)
		if (!strcmp(policy_registry[i]->name, name))
			return policy_registry[i];
	return NULL;
}

void policy_names(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < policy_registry_len && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
				      policy_registry[i]->name);
}

/* ---- parameters ---- */

static void param_keys(const struct policy_ops *ops, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (const struct policy_param *q = ops->params; q && q->key && n < len; q++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s (%s)", q == ops->params ? "" : ", ",
				      q->key, q->help);
}

/* Parse "key=value,..." (s, NUL-terminated) into p->param[]. 0 or -EINVAL with err. */
static int parse_params(struct policy *p, const char *s, struct mmsim_error *err)
{
	const struct policy_ops *ops = p->ops;
	char keys[512];

	while (*s) {
		size_t klen = strcspn(s, "=,");
		const struct policy_param *q;
		int idx = 0;

		for (q = ops->params; q && q->key; q++, idx++)
			if (strlen(q->key) == klen && !strncmp(q->key, s, klen))
				break;
		if (!q || !q->key) {
			param_keys(ops, keys, sizeof(keys));
			if (!ops->params || !ops->params->key)
				return err_set(err, -EINVAL, NULL, 0, 0, "policy %s takes no "
					       "parameters, found '%.*s'", ops->name, (int)klen, s);
			return err_set(err, -EINVAL, NULL, 0, 0, "policy %s has no parameter "
				       "'%.*s'; its parameters: %s", ops->name, (int)klen, s, keys);
		}
		if (s[klen] != '=')
			return err_set(err, -EINVAL, NULL, 0, 0, "policy %s: expected '%s=VALUE'",
				       ops->name, q->key);
		const char *v = s + klen + 1;
		size_t vlen = strcspn(v, ",");
		char num[64], *end;

		if (vlen == 0 || vlen >= sizeof(num))
			return err_set(err, -EINVAL, NULL, 0, 0, "policy %s: expected a number "
				       "after '%s='", ops->name, q->key);
		memcpy(num, v, vlen);
		num[vlen] = '\0';
		errno = 0;
		double d = strtod(num, &end);
		if (*end || errno || d != d || d < q->min || d > q->max ||
		    (q->integer && d != (double)(int64_t)d))
			return err_set(err, -EINVAL, NULL, 0, 0, "policy %s: %s must be %s from %g "
				       "to %g, not '%s'", ops->name, q->key,
				       q->integer ? "an integer" : "a number", q->min, q->max, num);
		p->param[idx] = d;
		s = v + vlen;
		if (*s == ',')
			s++;
	}
	return 0;
}

/* ---- the pool and the hash ---- */

static struct pentry *entry_alloc(struct policy *p)
{
	struct pentry *e = p->free_list;

	if (e) {
		p->free_list = (struct pentry *)e->lru.next;
		return e;
	}
	if (p->pool_used == (uint64_t)p->nr_chunks * POLICY_CHUNK) {
		if (p->nr_chunks == p->chunks_cap) {
			size_t cap = p->chunks_cap ? p->chunks_cap * 2 : 16;
			struct pentry **c = realloc(p->chunks, cap * sizeof(*c));
			if (!c)
				return NULL;
			p->chunks = c;
			p->chunks_cap = cap;
		}
		struct pentry *chunk = aligned_alloc(64, POLICY_CHUNK * sizeof(*chunk));
		if (!chunk)
			return NULL;
		p->chunks[p->nr_chunks++] = chunk;
	}
	e = &p->chunks[p->pool_used / POLICY_CHUNK][p->pool_used % POLICY_CHUNK];
	p->pool_used++;
	return e;
}

/*
 * The hash: buckets of PB_LANES (struct pbucket), probed linearly from the home bucket;
 * a probe goes on past a bucket only while its overflow count says some entry did. Tags
 * are compared eight lanes at a time in one 64-bit word (SWAR). Deleting empties one
 * lane and decrements the overflow counts on the way from the home bucket: nothing moves.
 */
#define PB_ONES		UINT64_C(0x0101010101010101)
#define PB_LOW7		UINT64_C(0x7f7f7f7f7f7f7f7f)
#define PB_HIGHS	UINT64_C(0x0080808080808080)	/* the top bit of each lane */
#define PB_OVF_SHIFT	56
#define PB_OVF_ONE	(UINT64_C(1) << PB_OVF_SHIFT)
#define PB_OVF_MAX	255u

/* The tag of hash h: the 8 bits below the bucket index, never 0. */
static inline uint64_t hash_tag(const struct policy *p, uint64_t h)
{
	uint64_t t = (h >> (p->shift - 8)) & 0xff;

	return t + !t;
}

/* The top bit of each lane of ctrl (of PB_LANES) whose byte equals t (exact, no false hits). */
static inline uint64_t lanes_equal(uint64_t ctrl, uint64_t t)
{
	uint64_t x = ctrl ^ (t * PB_ONES);

	return ~(((x & PB_LOW7) + PB_LOW7) | x | PB_LOW7) & PB_HIGHS;
}

static inline unsigned lane_of(uint64_t m)
{
	return (unsigned)__builtin_ctzll(m) >> 3;
}

static inline struct pbucket *next_bucket(const struct policy *p, const struct pbucket *b)
{
	return &p->buckets[(uint64_t)(b + 1 - p->buckets) & p->bmask];
}

/* Put e (page hashing to h, not in the table) in the first free lane from its home bucket. */
static void hash_insert(struct policy *p, struct pentry *e, uint64_t h)
{
	struct pbucket *b = policy_bucket_of(p, h);
	uint64_t m;

	while (!(m = lanes_equal(b->ctrl, 0))) {
		if ((b->ctrl >> PB_OVF_SHIFT) < PB_OVF_MAX)
			b->ctrl += PB_OVF_ONE;
		b = next_bucket(p, b);
	}
	unsigned i = lane_of(m);
	b->ctrl |= hash_tag(p, h) << (8 * i);
	b->e[i] = e;
}

static int hash_resize(struct policy *p, uint64_t nbuckets)
{
	struct pbucket *old = p->buckets;
	uint64_t oldn = old ? p->bmask + 1 : 0;
	struct pbucket *nb = aligned_alloc(64, nbuckets * sizeof(*nb));

	if (!nb)
		return -ENOMEM;
	memset(nb, 0, nbuckets * sizeof(*nb));
	p->buckets = nb;
	p->bmask = nbuckets - 1;
	p->shift = 64 - (unsigned)__builtin_ctzll(nbuckets);
	for (uint64_t i = 0; i < oldn; i++)
		for (unsigned l = 0; l < PB_LANES; l++)
			if (old[i].e[l])
				hash_insert(p, old[i].e[l], policy_hash(old[i].e[l]->page));
	free(old);
	return 0;
}

/* The entry of page (hashing to h), or NULL. */
static inline struct pentry *lookup_hash(const struct policy *p, uint64_t page, uint64_t h)
{
	const struct pbucket *b = policy_bucket_of(p, h);
	uint64_t t = hash_tag(p, h);

	for (;;) {
		for (uint64_t m = lanes_equal(b->ctrl, t); m; m &= m - 1) {
			struct pentry *e = b->e[lane_of(m)];
			if (e->page == page)
				return e;
		}
		if (!(b->ctrl >> PB_OVF_SHIFT))
			return NULL;
		b = next_bucket(p, b);
	}
}

struct pentry *policy_lookup(const struct policy *p, uint64_t page)
{
	return lookup_hash(p, page, policy_hash(page));
}

struct pentry *policy_lookup_resident(struct policy *p, uint64_t page)
{
	struct pentry *e = policy_lookup(p, page);
	return e && (e->flags & PE_RESIDENT) ? e : NULL;
}

/* A new entry for page (hashing to h, not in the hash), zeroed but for page; NULL: no memory. */
static struct pentry *entry_new(struct policy *p, uint64_t page, uint64_t h)
{
	uint64_t nb = p->bmask + 1;

	/* at most half the lanes used: a bucket overflows rarely */
	if ((p->nr_slots_used + 1) * 2 > nb * PB_LANES && hash_resize(p, nb * 2))
		return NULL;
	struct pentry *e = entry_alloc(p);
	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->page = page;
	hash_insert(p, e, h);
	p->nr_slots_used++;
	return e;
}

/* Take e out of the hash and put it on the free list. */
static void entry_free(struct policy *p, struct pentry *e)
{
	uint64_t h = policy_hash(e->page), t = hash_tag(p, h);
	struct pbucket *home = policy_bucket_of(p, h), *b = home;

	for (;;) {
		for (uint64_t m = lanes_equal(b->ctrl, t); m; m &= m - 1) {
			unsigned i = lane_of(m);
			if (b->e[i] == e) {
				b->ctrl &= ~(UINT64_C(0xff) << (8 * i));
				b->e[i] = NULL;
				goto found;
			}
		}
		b = next_bucket(p, b);
	}
found:
	/* the probe that put e here passed the buckets from home: they overflowed for it */
	for (; home != b; home = next_bucket(p, home))
		if ((home->ctrl >> PB_OVF_SHIFT) < PB_OVF_MAX)
			home->ctrl -= PB_OVF_ONE;
	p->nr_slots_used--;
	e->flags = 0;
	e->lru.next = (struct list_head *)p->free_list;
	p->free_list = e;
}

/* ---- life ---- */

int policy_create(const char *spec, uint64_t frames, uint64_t seed, struct policy **out,
		  struct mmsim_error *err)
{
	char name[64], names[512];
	size_t nlen = strcspn(spec, ":");
	const struct policy_ops *ops = NULL;
	struct policy *p;
	int rc;

	*out = NULL;
	if (nlen < sizeof(name)) {
		memcpy(name, spec, nlen);
		name[nlen] = '\0';
		ops = policy_find(name);
	}
	if (!ops) {
		policy_names(names, sizeof(names));
		return err_set(err, -EINVAL, NULL, 0, 0, "unknown policy '%.*s'; the policies are: "
			       "%s", (int)(nlen < 64 ? nlen : 64), spec, names);
	}
	if (frames < 1 || frames > (UINT64_C(1) << 40))
		return err_set(err, -EINVAL, NULL, 0, 0, "policy %s: the number of frames must be "
			       "from 1 to 2^40, not %llu", ops->name, (unsigned long long)frames);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->ops = ops;
	p->frames = frames;
	rng_seed(&p->rng, seed);
	snprintf(p->name, sizeof(p->name), "%s", spec);
	int idx = 0;
	for (const struct policy_param *q = ops->params; q && q->key; q++)
		p->param[idx++] = q->def;
	rc = spec[nlen] == ':' ? parse_params(p, spec + nlen + 1, err) : 0;
	if (rc)
		goto out_free;
	rc = -ENOMEM;
	if (ops->priv_size && !(p->priv = calloc(1, ops->priv_size)))
		goto out_free;
	if (hash_resize(p, 128))
		goto out_free_priv;
	rc = ops->init ? ops->init(p, err) : 0;
	if (rc)
		goto out_free_hash;
	*out = p;
	return 0;
out_free_hash:
	free(p->buckets);
out_free_priv:
	free(p->priv);
out_free:
	free(p);
	return rc;
}

void policy_destroy(struct policy *p)
{
	if (!p)
		return;
	if (p->ops->free)
		p->ops->free(p);
	for (size_t i = 0; i < p->nr_chunks; i++)
		free(p->chunks[i]);
	free(p->chunks);
	free(p->buckets);
	free(p->priv);
	free(p);
}

/* ---- references ---- */

void policy_evict_entry(struct policy *p, struct pentry *e)
{
	if (p->machine) {
		if (p->nr_victims == POLICY_MAX_VICTIMS)
			p->error = -EUCLEAN;	/* a policy evicting that many at once: a bug */
		else
			p->victims[p->nr_victims++] = (struct policy_victim){
				.page = e->page, .frame = e->frame,
				.dirty = (e->flags & PE_DIRTY) != 0 };
		e->flags &= (uint16_t)~PE_FRESH;
	}
	p->st.evictions++;
	if (e->flags & PE_DIRTY)
		p->st.dirty_writebacks++;
	e->flags &= (uint16_t)~(PE_RESIDENT | PE_DIRTY);
	p->nr_resident--;
	if (e->flags & PE_GHOST)
		p->nr_ghost++;
	else
		entry_free(p, e);
}

void policy_writeback(struct policy *p, struct pentry *e)
{
	if (e->flags & PE_DIRTY) {
		p->st.dirty_writebacks++;
		e->flags &= (uint16_t)~PE_DIRTY;
	}
}

void policy_forget(struct policy *p, struct pentry *e)
{
	p->nr_ghost--;
	entry_free(p, e);
}

static void miss(struct policy *p, uint64_t page, uint64_t h, struct pentry *e, bool write)
{
	p->st.faults++;
	if (p->nr_resident >= p->frames) {
		p->ops->evict(p, e);
		if (p->nr_resident >= p->frames) {
			p->error = -EUCLEAN;	/* the policy evicted nothing: a bug */
			return;
		}
	}
	if (!e) {
		e = entry_new(p, page, h);
		if (!e) {
			p->error = -ENOMEM;
			return;
		}
	} else {
		p->nr_ghost--;
	}
	e->flags |= PE_RESIDENT | (write ? PE_DIRTY : 0);
	p->nr_resident++;
	p->ops->insert(p, e);
	e->flags &= (uint16_t)~PE_GHOST;
}

static inline void access_one(struct policy *p, uint64_t page, bool write, uint64_t next,
			      uint64_t h)
{
	struct pentry *e = lookup_hash(p, page, h);

	p->next_use = next;
	p->st.accesses++;
	if (e && (e->flags & PE_RESIDENT)) {
		p->st.hits++;
		if (write)
			e->flags |= PE_DIRTY;
		if (p->ops->hit)
			p->ops->hit(p, e);
	} else {
		miss(p, page, h, e, write);
	}
	p->now++;
}

void policy_access(struct policy *p, uint64_t page, bool write, uint64_t next)
{
	access_one(p, page, write, next, policy_hash(page));
}

/*
 * The hash bucket of the reference PREFETCH_SLOT ahead is prefetched: the lookups of a
 * large cache miss the CPU caches, and this overlaps those misses. A hint only: nothing
 * changes. (Prefetching the entry of a reference a few ahead too, found by its tag in the
 * bucket, cost a fifth of the throughput: the out-of-order core overlaps those loads
 * better than the instructions that find them.)
 */
#define PREFETCH_SLOT	8

void policy_access_refs(struct policy *p, const struct policy_ref *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i + PREFETCH_SLOT < n)
			__builtin_prefetch(policy_bucket_of(p, policy_hash(r[i + PREFETCH_SLOT].page)));
		access_one(p, r[i].page, r[i].write != 0, r[i].next, policy_hash(r[i].page));
	}
}

void policy_remove_page(struct policy *p, uint64_t page)
{
	struct pentry *e = policy_lookup_resident(p, page);

	if (e)
		policy_remove_entry(p, e);
}

void policy_remove_entry(struct policy *p, struct pentry *e)
{
	if (p->ops->remove)
		p->ops->remove(p, e);
	e->flags &= (uint16_t)~(PE_RESIDENT | PE_DIRTY | PE_GHOST | PE_FRESH);
	p->nr_resident--;
	entry_free(p, e);
}

/* ---- machine mode ---- */

int policy_create_machine(const char *spec, uint64_t frames, uint64_t seed, struct policy **out,
			  struct mmsim_error *err)
{
	int rc = policy_create(spec, frames, seed, out, err);

	if (rc)
		return rc;
	if ((*out)->ops->needs_future) {
		rc = err_set(err, -EINVAL, NULL, 0, 0, "policy %s needs the future of the trace, "
			     "which a running machine cannot know: use it with `mmsim trace "
			     "--policy %s`", (*out)->ops->name, (*out)->ops->name);
		policy_destroy(*out);
		*out = NULL;
		return rc;
	}
	(*out)->machine = true;
	return 0;
}

int policy_machine_make_room(struct policy *p, uint64_t page)
{
	struct pentry *e = policy_lookup(p, page);

	p->nr_victims = 0;
	if (e && (e->flags & PE_RESIDENT))
		return -EEXIST;
	if (p->nr_resident < p->frames)
		return 0;
	p->ops->evict(p, e);
	return p->nr_victims ? 0 : -EUCLEAN;
}

int policy_machine_choose(struct policy *p)
{
	p->nr_victims = 0;
	if (!p->nr_resident)
		return -ENOENT;
	p->ops->evict(p, NULL);
	return p->nr_victims ? 0 : -EUCLEAN;
}

/* Insert e (new or a ghost) resident in frame; the engine's half of miss(). */
static void machine_insert(struct policy *p, struct pentry *e, uint64_t frame, uint16_t flags)
{
	if (p->nr_resident >= p->frames)
		p->st.over_limit++;
	e->frame = frame;
	e->flags |= PE_RESIDENT | flags;
	p->nr_resident++;
	p->ops->insert(p, e);
	e->flags &= (uint16_t)~PE_GHOST;
}

/* The entry for page to come in: its ghost, or a new one; NULL (-ENOMEM) or resident (-EEXIST). */
static struct pentry *machine_entry(struct policy *p, uint64_t page, int *rc)
{
	struct pentry *e = policy_lookup(p, page);

	*rc = 0;
	if (e && (e->flags & PE_RESIDENT)) {
		*rc = -EEXIST;
		return NULL;
	}
	if (e) {
		p->nr_ghost--;
		return e;
	}
	e = entry_new(p, page, policy_hash(page));
	if (!e)
		*rc = -ENOMEM;
	return e;
}

int policy_machine_putback(struct policy *p, const struct policy_victim *v)
{
	int rc;
	struct pentry *e = machine_entry(p, v->page, &rc);

	if (!e)
		return rc;
	/* it did not leave: the eviction (and its write-back) did not happen */
	p->st.evictions--;
	if (v->dirty)
		p->st.dirty_writebacks--;
	p->st.kept++;
	machine_insert(p, e, v->frame, v->dirty ? PE_DIRTY : 0);
	return 0;
}

int policy_machine_insert(struct policy *p, uint64_t page, uint64_t frame, bool fresh)
{
	int rc;
	struct pentry *e = machine_entry(p, page, &rc);

	if (!e)
		return rc;
	p->st.admitted++;
	machine_insert(p, e, frame, fresh ? PE_FRESH : 0);
	return 0;
}

bool policy_machine_reference(struct policy *p, uint64_t page, bool write)
{
	struct pentry *e = policy_lookup_resident(p, page);

	if (!e)
		return false;
	p->st.accesses++;
	if (e->flags & PE_FRESH) {
		e->flags &= (uint16_t)~PE_FRESH;
		p->st.faults++;		/* its insert was this reference's */
		if (write && !(e->flags & PE_DIRTY)) {
			e->flags |= PE_DIRTY;
			if (p->ops->dirtied)
				p->ops->dirtied(p, e);
		}
	} else {
		p->st.hits++;
		if (write)
			e->flags |= PE_DIRTY;
		if (p->ops->hit)
			p->ops->hit(p, e);
	}
	p->now++;
	return true;
}

void policy_get_stats(const struct policy *p, struct policy_stats *st)
{
	*st = p->st;
	st->resident = p->nr_resident;
}

/* ---- checking ---- */

int policy_bad(const struct policy *p, struct mmsim_error *err, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(err, -EUCLEAN, NULL, 0, 0, "policy %s: %s", p->ops->name, msg);
}

/* Displacement of e from its home bucket, e stored in bucket i. */
static uint64_t hash_disp(const struct policy *p, const struct pentry *e, uint64_t i)
{
	return (i - (policy_hash(e->page) >> p->shift)) & p->bmask;
}

/* Lane l of bucket i: its tag, its entry's flags, found by lookup; counts it. */
static int validate_lane(const struct policy *p, uint64_t i, unsigned l, uint64_t *used,
			 uint64_t *res, uint64_t *ghost, struct mmsim_error *err)
{
	const struct pbucket *b = &p->buckets[i];
	const struct pentry *e = b->e[l];
	uint64_t tag = (b->ctrl >> (8 * l)) & 0xff;

	if (!e) {
		if (tag)
			return policy_bad(p, err, "hash bucket %llu lane %u: empty with tag %llu",
					  (unsigned long long)i, l, (unsigned long long)tag);
		return 0;
	}
	(*used)++;
	if (tag != hash_tag(p, policy_hash(e->page)) || policy_lookup(p, e->page) != e)
		return policy_bad(p, err, "hash bucket %llu: page %llu not found by lookup",
				  (unsigned long long)i, (unsigned long long)e->page);
	bool r = e->flags & PE_RESIDENT, g = e->flags & PE_GHOST;
	if (r == g)
		return policy_bad(p, err, "page %llu is %s", (unsigned long long)e->page,
				  r ? "both resident and a ghost" : "neither resident nor a ghost");
	if (!r && (e->flags & (PE_DIRTY | PE_FRESH)))
		return policy_bad(p, err, "ghost page %llu is dirty or fresh",
				  (unsigned long long)e->page);
	*res += r;
	*ghost += g;
	return 0;
}

/*
 * Each bucket's overflow count below the maximum equals the entries its probe passed:
 * those stored d buckets after it (1 <= d <= the largest displacement) displaced >= d.
 */
static int validate_overflow(const struct policy *p, struct mmsim_error *err)
{
	uint64_t dmax = 0;

	for (uint64_t i = 0; i <= p->bmask; i++)
		for (unsigned l = 0; l < PB_LANES; l++)
			if (p->buckets[i].e[l]) {
				uint64_t d = hash_disp(p, p->buckets[i].e[l], i);
				dmax = d > dmax ? d : dmax;
			}
	for (uint64_t j = 0; j <= p->bmask; j++) {
		uint64_t n = 0, ovf = p->buckets[j].ctrl >> PB_OVF_SHIFT;

		for (uint64_t d = 1; d <= dmax; d++) {
			uint64_t i = (j + d) & p->bmask;
			for (unsigned l = 0; l < PB_LANES; l++)
				if (p->buckets[i].e[l] && hash_disp(p, p->buckets[i].e[l], i) >= d)
					n++;
		}
		if (ovf < PB_OVF_MAX && ovf != n)
			return policy_bad(p, err, "hash bucket %llu: overflow count %llu, %llu "
					  "entries went past it", (unsigned long long)j,
					  (unsigned long long)ovf, (unsigned long long)n);
	}
	return 0;
}

int policy_validate(const struct policy *p, struct mmsim_error *err)
{
	uint64_t res = 0, ghost = 0, used = 0;
	const struct policy_stats *s = &p->st;

	if (p->error)
		return policy_bad(p, err, "a reference failed (%s)", mmsim_strerror(p->error));
	for (uint64_t i = 0; i <= p->bmask; i++) {
		for (unsigned l = 0; l < PB_LANES; l++) {
			int rc = validate_lane(p, i, l, &used, &res, &ghost, err);
			if (rc)
				return rc;
		}
	}
	int rc = validate_overflow(p, err);
	if (rc)
		return rc;
	if (used != p->nr_slots_used || res != p->nr_resident || ghost != p->nr_ghost)
		return policy_bad(p, err, "the hash holds %llu entries (%llu resident, %llu ghosts); "
				  "the counts say %llu (%llu, %llu)", (unsigned long long)used,
				  (unsigned long long)res, (unsigned long long)ghost,
				  (unsigned long long)p->nr_slots_used,
				  (unsigned long long)p->nr_resident, (unsigned long long)p->nr_ghost);
	/* machine mode: over the frames only after an admission no victim could make room for */
	if ((p->nr_resident > p->frames && !(p->machine && s->over_limit)) ||
	    p->nr_ghost > p->ghost_max)
		return policy_bad(p, err, "%llu resident of %llu frames, %llu ghosts of at most %llu",
				  (unsigned long long)p->nr_resident, (unsigned long long)p->frames,
				  (unsigned long long)p->nr_ghost, (unsigned long long)p->ghost_max);
	if (s->accesses != s->hits + s->faults ||
	    s->evictions > (p->machine ? s->admitted : s->faults))
		return policy_bad(p, err, "counters: %llu accesses, %llu hits, %llu faults, "
				  "%llu evictions", (unsigned long long)s->accesses,
				  (unsigned long long)s->hits, (unsigned long long)s->faults,
				  (unsigned long long)s->evictions);
	return p->ops->validate ? p->ops->validate(p, err) : 0;
}

/* ---- the heap ---- */

int pheap_init(struct pheap *h, uint64_t cap, bool min)
{
	h->n = 0;
	h->cap = cap ? cap : 1;
	h->min = min;
	h->a = malloc(h->cap * sizeof(*h->a));
	return h->a ? 0 : -ENOMEM;
}

void pheap_free(struct pheap *h)
{
	free(h->a);
	h->a = NULL;
}

/* Does a belong above b? */
static inline bool above(const struct pheap *h, const struct pentry *a, const struct pentry *b)
{
	return h->min ? a->key < b->key : a->key > b->key;
}

static inline void put(struct pheap *h, uint64_t i, struct pentry *e)
{
	h->a[i] = e;
	e->aux = (uint32_t)i;
}

static void sift_up(struct pheap *h, uint64_t i)
{
	struct pentry *e = h->a[i];

	while (i) {
		uint64_t parent = (i - 1) / 2;
		if (!above(h, e, h->a[parent]))
			break;
		put(h, i, h->a[parent]);
		i = parent;
	}
	put(h, i, e);
}

static void sift_down(struct pheap *h, uint64_t i)
{
	struct pentry *e = h->a[i];

	for (;;) {
		uint64_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && above(h, h->a[c + 1], h->a[c]))
			c++;
		if (!above(h, h->a[c], e))
			break;
		put(h, i, h->a[c]);
		i = c;
	}
	put(h, i, e);
}

int pheap_push(struct pheap *h, struct pentry *e)
{
	if (h->n == h->cap) {
		struct pentry **a = realloc(h->a, h->cap * 2 * sizeof(*a));
		if (!a)
			return -ENOMEM;
		h->a = a;
		h->cap *= 2;
	}
	put(h, h->n++, e);
	sift_up(h, h->n - 1);
	return 0;
}

void pheap_remove(struct pheap *h, struct pentry *e)
{
	uint64_t i = e->aux;
	struct pentry *last = h->a[--h->n];

	if (last == e)
		return;
	put(h, i, last);
	sift_up(h, i);
	sift_down(h, last->aux);
}

void pheap_update(struct pheap *h, struct pentry *e)
{
	sift_up(h, e->aux);
	sift_down(h, e->aux);
}

int pheap_validate(const struct pheap *h, const struct policy *p, struct mmsim_error *err)
{
	for (uint64_t i = 0; i < h->n; i++) {
		if (h->a[i]->aux != i)
			return policy_bad(p, err, "heap slot %llu holds an entry that says %u",
					  (unsigned long long)i, h->a[i]->aux);
		if (i && above(h, h->a[i], h->a[(i - 1) / 2]))
			return policy_bad(p, err, "heap order broken at slot %llu",
					  (unsigned long long)i);
	}
	return 0;
}

int policy_validate_adaptive(const struct policy *p, const struct list_head *l, const uint64_t *n,
			     double target, struct mmsim_error *err)
{
	enum { T1 = 1, T2, B1, B2 };

	for (int k = T1; k <= B2; k++) {
		const struct list_head *q;
		uint64_t c = 0;

		list_for_each(q, &l[k]) {
			const struct pentry *e = list_entry(q, struct pentry, lru);

			if (e->list != k || !(e->flags & (k <= T2 ? PE_RESIDENT : PE_GHOST)))
				return policy_bad(p, err, "page %llu misfiled on list %d",
						  (unsigned long long)e->page, k);
			c++;
		}
		if (c != n[k])
			return policy_bad(p, err, "list %d holds %llu, counted %llu", k,
					  (unsigned long long)c, (unsigned long long)n[k]);
	}
	/* the directory's bounds hold unless a machine admitted a page over the limit */
	bool bounded = !(p->machine && p->st.over_limit);

	if (n[T1] + n[T2] != p->nr_resident || n[B1] + n[B2] != p->nr_ghost ||
	    (bounded && (n[T1] + n[B1] > p->frames ||
			 p->nr_resident + p->nr_ghost > 2 * p->frames)) ||
	    target < 0 || target > (double)p->frames)
		return policy_bad(p, err, "T1 %llu T2 %llu B1 %llu B2 %llu p %g c %llu",
				  (unsigned long long)n[T1], (unsigned long long)n[T2],
				  (unsigned long long)n[B1], (unsigned long long)n[B2], target,
				  (unsigned long long)p->frames);
	return 0;
}

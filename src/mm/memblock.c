/*
 * Boot-time memory ranges (Linux: mm/memblock.c).
 *
 * Left out: memblock flags (hotplug, mirror, nomap), the "physmem" type, the dynamic
 * growth of the region arrays (ours are fixed at MEMBLOCK_MAX_REGIONS and report -ENOSPC).
 */
#include "mm/memblock.h"
#include <errno.h>
#include <string.h>

void memblock_init(struct memblock *mb)
{
	memset(mb, 0, sizeof(*mb));
	mb->current_limit = UINT64_MAX;
}

static uint64_t rend(const struct memblock_region *r) { return r->base + r->size; }

/* Insert a region at index i (no merging). */
static int type_insert(struct memblock_type *t, unsigned int i, uint64_t base, uint64_t size,
		       int nid, const char *owner)
{
	if (t->cnt >= MEMBLOCK_MAX_REGIONS)
		return -ENOSPC;
	memmove(&t->regions[i + 1], &t->regions[i], (t->cnt - i) * sizeof(t->regions[0]));
	t->regions[i] = (struct memblock_region){ base, size, nid, owner };
	t->cnt++;
	return 0;
}

static void type_remove_at(struct memblock_type *t, unsigned int i)
{
	memmove(&t->regions[i], &t->regions[i + 1], (t->cnt - i - 1) * sizeof(t->regions[0]));
	t->cnt--;
}

/* Merge neighbours that touch and agree on nid and owner (memblock_merge_regions). */
static void type_merge(struct memblock_type *t)
{
	unsigned int i = 0;
	while (i + 1 < t->cnt) {
		struct memblock_region *a = &t->regions[i], *b = &t->regions[i + 1];
		if (rend(a) == b->base && a->nid == b->nid && a->owner == b->owner) {
			a->size += b->size;
			type_remove_at(t, i + 1);
		} else {
			i++;
		}
	}
}

/*
 * Split regions so that base and end fall on region boundaries, and return the index range
 * [*first, *last) of regions inside [base, end). Fails with -ENOSPC leaving t unchanged.
 */
static int type_isolate(struct memblock_type *t, uint64_t base, uint64_t end,
			unsigned int *first, unsigned int *last)
{
	unsigned int need = 0;
	for (unsigned int i = 0; i < t->cnt; i++) {
		const struct memblock_region *r = &t->regions[i];
		if (r->base < base && rend(r) > base)
			need++;
		if (r->base < end && rend(r) > end)
			need++;
	}
	if (t->cnt + need > MEMBLOCK_MAX_REGIONS)
		return -ENOSPC;
	for (unsigned int i = 0; i < t->cnt; i++) {
		struct memblock_region *r = &t->regions[i];
		uint64_t cut = 0;
		if (r->base < base && rend(r) > base)
			cut = base;
		else if (r->base < end && rend(r) > end)
			cut = end;
		if (cut) {
			struct memblock_region tail = { cut, rend(r) - cut, r->nid, r->owner };
			r->size = cut - r->base;
			type_insert(t, i + 1, tail.base, tail.size, tail.nid, tail.owner);
		}
	}
	*first = t->cnt;
	*last = t->cnt;
	for (unsigned int i = 0; i < t->cnt; i++) {
		if (t->regions[i].base >= base && rend(&t->regions[i]) <= end) {
			if (*first == t->cnt)
				*first = i;
			*last = i + 1;
		}
	}
	if (*first == t->cnt)
		*first = *last = 0;
	return 0;
}

/* Add [base, end) filling only the gaps between existing regions (memblock_add_range). */
static int type_add(struct memblock_type *t, uint64_t base, uint64_t size, int nid, const char *owner)
{
	uint64_t end = base + size;
	if (size == 0)
		return 0;
	if (end < base)
		return -EINVAL;
	/* Count the pieces first so that a full table fails before anything changes. */
	unsigned int pieces = 0;
	uint64_t cur = base;
	for (unsigned int i = 0; i < t->cnt && cur < end; i++) {
		const struct memblock_region *r = &t->regions[i];
		if (rend(r) <= cur)
			continue;
		if (r->base >= end)
			break;
		if (r->base > cur)
			pieces++;
		cur = rend(r);
	}
	if (cur < end)
		pieces++;
	if (t->cnt + pieces > MEMBLOCK_MAX_REGIONS)
		return -ENOSPC;
	cur = base;
	for (unsigned int i = 0; i < t->cnt && cur < end; i++) {
		struct memblock_region *r = &t->regions[i];
		if (rend(r) <= cur)
			continue;
		if (r->base >= end)
			break;
		if (r->base > cur) {
			type_insert(t, i, cur, r->base - cur, nid, owner);
			i++;
		}
		cur = rend(&t->regions[i]);
	}
	if (cur < end) {
		unsigned int i = 0;
		while (i < t->cnt && t->regions[i].base < cur)
			i++;
		type_insert(t, i, cur, end - cur, nid, owner);
	}
	type_merge(t);
	return 0;
}

static int type_remove(struct memblock_type *t, uint64_t base, uint64_t size)
{
	unsigned int first, last;
	int ret = type_isolate(t, base, base + size, &first, &last);
	if (ret)
		return ret;
	while (last > first)
		type_remove_at(t, --last);
	return 0;
}

int memblock_add(struct memblock *mb, uint64_t base, uint64_t size, int nid)
{
	return type_add(&mb->memory, base, size, nid, "");
}

int memblock_remove(struct memblock *mb, uint64_t base, uint64_t size)
{
	int ret = type_remove(&mb->memory, base, size);
	if (ret)
		return ret;
	return type_remove(&mb->reserved, base, size);
}

int memblock_reserve(struct memblock *mb, uint64_t base, uint64_t size, const char *owner)
{
	return type_add(&mb->reserved, base, size, NUMA_NO_NODE, owner ? owner : "reserved");
}

int memblock_set_node(struct memblock *mb, uint64_t base, uint64_t size, int nid)
{
	unsigned int first, last;
	int ret = type_isolate(&mb->memory, base, base + size, &first, &last);
	if (ret)
		return ret;
	for (unsigned int i = first; i < last; i++)
		mb->memory.regions[i].nid = nid;
	type_merge(&mb->memory);
	return 0;
}

/*
 * Walk free ranges: memory minus reserved, in address order, clipped per memory region
 * (so each range has one nid).
 */
int memblock_for_each_free_range(const struct memblock *mb,
				 int (*fn)(void *arg, uint64_t start, uint64_t end, int nid),
				 void *arg)
{
	const struct memblock_type *res = &mb->reserved;
	unsigned int ri = 0;
	for (unsigned int i = 0; i < mb->memory.cnt; i++) {
		const struct memblock_region *m = &mb->memory.regions[i];
		uint64_t cur = m->base, end = rend(m);
		while (ri < res->cnt && rend(&res->regions[ri]) <= cur)
			ri++;
		for (unsigned int j = ri; cur < end; j++) {
			uint64_t stop = end;
			if (j < res->cnt && res->regions[j].base < end)
				stop = res->regions[j].base > cur ? res->regions[j].base : cur;
			if (stop > cur) {
				int ret = fn(arg, cur, stop, m->nid);
				if (ret)
					return ret;
			}
			if (j >= res->cnt || res->regions[j].base >= end)
				break;
			if (rend(&res->regions[j]) > cur)
				cur = rend(&res->regions[j]);
		}
	}
	return 0;
}

struct alloc_search {
	uint64_t size, align, min, max;
	int nid;
	bool bottom_up;
	bool found;
	uint64_t best;
};

static uint64_t align_down(uint64_t x, uint64_t a) { return x & ~(a - 1); }
static uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) & ~(a - 1); }

static int alloc_candidate(void *arg, uint64_t start, uint64_t end, int nid)
{
	struct alloc_search *s = arg;
	if (s->nid != NUMA_NO_NODE && nid != s->nid)
		return 0;
	if (start < s->min)
		start = s->min;
	if (end > s->max)
		end = s->max;
	if (end <= start || end - start < s->size)
		return 0;
	if (s->bottom_up) {
		uint64_t b = align_up(start, s->align);
		if (b + s->size <= end && !s->found) {
			s->found = true;
			s->best = b;
			return 1;	/* the lowest fit wins: stop */
		}
	} else {
		uint64_t b = align_down(end - s->size, s->align);
		if (b >= start) {	/* ranges come in ascending order: keep the last fit */
			s->found = true;
			s->best = b;
		}
	}
	return 0;
}

int memblock_alloc_range(struct memblock *mb, uint64_t size, uint64_t align, uint64_t min,
			 uint64_t max, int nid, const char *owner, uint64_t *out)
{
	if (size == 0 || align == 0 || (align & (align - 1)))
		return -EINVAL;
	if (max > mb->current_limit)
		max = mb->current_limit;
	struct alloc_search s = { size, align, min, max, nid, mb->bottom_up, false, 0 };
	memblock_for_each_free_range(mb, alloc_candidate, &s);
	if (!s.found)
		return -ENOMEM;
	int ret = memblock_reserve(mb, s.best, size, owner);
	if (ret)
		return ret;
	*out = s.best;
	return 0;
}

static uint64_t type_bytes_in(const struct memblock_type *t, uint64_t base, uint64_t end)
{
	uint64_t sum = 0;
	for (unsigned int i = 0; i < t->cnt; i++) {
		const struct memblock_region *r = &t->regions[i];
		uint64_t s = r->base > base ? r->base : base;
		uint64_t e = rend(r) < end ? rend(r) : end;
		if (e > s)
			sum += e - s;
	}
	return sum;
}

struct free_sum { uint64_t base, end, sum; };

static int free_sum_fn(void *arg, uint64_t start, uint64_t end, int nid)
{
	struct free_sum *f = arg;
	(void)nid;
	uint64_t s = start > f->base ? start : f->base;
	uint64_t e = end < f->end ? end : f->end;
	if (e > s)
		f->sum += e - s;
	return 0;
}

uint64_t memblock_free_bytes_in(const struct memblock *mb, uint64_t base, uint64_t end)
{
	struct free_sum f = { base, end, 0 };
	memblock_for_each_free_range(mb, free_sum_fn, &f);
	return f.sum;
}

uint64_t memblock_memory_bytes_in(const struct memblock *mb, uint64_t base, uint64_t end)
{
	return type_bytes_in(&mb->memory, base, end);
}

static bool type_contains(const struct memblock_type *t, uint64_t addr)
{
	for (unsigned int i = 0; i < t->cnt; i++)
		if (addr >= t->regions[i].base && addr < rend(&t->regions[i]))
			return true;
	return false;
}

bool memblock_is_memory(const struct memblock *mb, uint64_t base) { return type_contains(&mb->memory, base); }
bool memblock_is_reserved(const struct memblock *mb, uint64_t base) { return type_contains(&mb->reserved, base); }

static int type_validate(const struct memblock_type *t)
{
	for (unsigned int i = 0; i < t->cnt; i++) {
		const struct memblock_region *r = &t->regions[i];
		if (r->size == 0 || rend(r) < r->base)
			return -EUCLEAN;
		if (i > 0) {
			const struct memblock_region *p = &t->regions[i - 1];
			if (rend(p) > r->base)
				return -EUCLEAN;
			if (rend(p) == r->base && p->nid == r->nid && p->owner == r->owner)
				return -EUCLEAN;
		}
	}
	return 0;
}

int memblock_validate(const struct memblock *mb)
{
	int ret = type_validate(&mb->memory);
	if (ret)
		return ret;
	return type_validate(&mb->reserved);
}

/*
 * Research mode over a trace: see kernel/policy_run.h. The reader hands out batches of
 * accesses (input/trace.c); each becomes one page reference (or more with
 * count_second_page) and every policy takes the batch in turn. For a policy that needs the
 * future the whole trace is read first into one array of references, whose next uses come
 * from a backward pass with a hash from page to the index of its latest reference.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>
#include "kernel/policy_run.h"
#include "util/error.h"

#define RUN_BATCH	4096
#define REFS_PER_ACCESS	4	/* a batch's room: the rest of a long access goes alone */

size_t policy_refs_of(const struct trace_access *a, unsigned page_shift, bool second,
		      struct policy_ref *out, size_t max)
{
	uint64_t first = a->addr >> page_shift;
	uint64_t end = a->addr + (a->size - 1);
	uint64_t last = second && page_shift && end >= a->addr ? end >> page_shift : first;
	uint64_t w = a->kind == TRACE_STORE || a->kind == TRACE_MODIFY;
	size_t n = 0;

	if (!page_shift)
		last = first;
	if (last - first >= max)
		return 0;
	for (uint64_t pg = first;; pg++) {
		out[n].page = pg;
		out[n].next = POLICY_NEVER;
		out[n].write = w;
		n++;
		if (pg == last)
			break;
	}
	return n;
}

/* Every policy takes refs r[0..n); then the checks. */
static int run_refs(struct policy **p, size_t np, const struct policy_ref *r, size_t n,
		    bool check, struct mmsim_error *err)
{
	for (size_t i = 0; i < np; i++) {
		policy_access_refs(p[i], r, n);
		if (p[i]->error || check) {
			int rc = policy_validate(p[i], err);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* A growable array of references (the whole trace, for the future). */
struct ref_array {
	struct policy_ref *r;
	size_t n, cap;
};

static int ref_push(struct ref_array *a, const struct policy_ref *r, size_t n)
{
	if (a->n + n > a->cap) {
		size_t cap = a->cap ? a->cap : 1 << 16;
		while (cap < a->n + n)
			cap *= 2;
		struct policy_ref *q = realloc(a->r, cap * sizeof(*q));
		if (!q)
			return -ENOMEM;
		a->r = q;
		a->cap = cap;
	}
	memcpy(a->r + a->n, r, n * sizeof(*r));
	a->n += n;
	return 0;
}

/* Fill every reference's next use, walking backward with a page -> latest index map. */
static int fill_next(struct ref_array *a)
{
	size_t cap = 1024;
	while (cap < a->n * 2 + 2)
		cap *= 2;
	struct slot { uint64_t page, idx; } *s = calloc(cap, sizeof(*s));	/* idx 0: empty */
	if (!s)
		return -ENOMEM;
	for (size_t i = a->n; i-- > 0;) {
		uint64_t pg = a->r[i].page;
		size_t h = XXH3_64bits(&pg, sizeof(pg)) & (cap - 1);
		while (s[h].idx && s[h].page != pg)
			h = (h + 1) & (cap - 1);
		a->r[i].next = s[h].idx ? s[h].idx - 1 : POLICY_NEVER;
		s[h].page = pg;
		s[h].idx = i + 1;
	}
	free(s);
	return 0;
}

static void note_reader(struct trace_reader *rd, struct policy_run_info *info)
{
	struct trace_stats st;

	trace_reader_stats(rd, &st);
	info->format = trace_reader_format(rd);
	info->compression = trace_reader_compression(rd);
	info->lines = st.lines;
	info->records = st.accesses;
}

/* Read path batch by batch; each batch's references go to the policies (stream) or to
   all (future). */
static int read_trace(const char *path, const struct policy_run_opts *o, struct policy **p,
		      size_t np, struct ref_array *all, struct policy_run_info *info,
		      struct mmsim_error *err)
{
	struct trace_options topt = { .format = o->format };
	struct trace_reader *rd;
	struct trace_access *buf;
	struct policy_ref *refs;
	size_t cap = RUN_BATCH * REFS_PER_ACCESS;
	int rc = trace_open(path, &topt, &rd, err);

	if (rc)
		return rc;
	buf = malloc(RUN_BATCH * sizeof(*buf));
	refs = malloc(cap * sizeof(*refs));
	if (!buf || !refs) {
		rc = -ENOMEM;
		goto out_free;
	}
	for (;;) {
		size_t n, nr = 0;
		int rrc = trace_next_batch(rd, buf, RUN_BATCH, &n, err);

		for (size_t i = 0; i < n && !rc; i++) {
			size_t k = policy_refs_of(&buf[i], o->page_shift, o->count_second_page,
						  refs + nr, cap - nr);
			if (!k) {		/* no room: flush what there is, and retry */
				rc = all ? ref_push(all, refs, nr) : run_refs(p, np, refs, nr,
									       o->check, err);
				nr = 0;
				k = policy_refs_of(&buf[i], o->page_shift, o->count_second_page,
						   refs, cap);
				if (!k) {
					/* an access over more pages than a batch holds: page by page */
					struct trace_access one = buf[i];
					uint64_t left = one.size;
					while (!rc && left) {
						uint64_t room = ((one.addr >> o->page_shift) + 1) <<
								o->page_shift;
						uint64_t chunk = room - one.addr < left ?
								 room - one.addr : left;
						struct trace_access piece = one;
						piece.size = (uint32_t)chunk;
						size_t kk = policy_refs_of(&piece, o->page_shift, false,
									   refs, cap);
						rc = all ? ref_push(all, refs, kk)
							 : run_refs(p, np, refs, kk, o->check, err);
						info->refs += kk;
						one.addr += chunk;
						left -= chunk;
					}
					continue;
				}
			}
			nr += k;
			info->refs += k;
		}
		if (!rc && nr)
			rc = all ? ref_push(all, refs, nr) : run_refs(p, np, refs, nr, o->check, err);
		if (rrc && !rc)
			rc = rrc;
		if (rc || !n)
			break;
	}
	note_reader(rd, info);
out_free:
	free(refs);
	free(buf);
	trace_close(rd);
	return rc;
}

int policy_run(const char *path, const struct policy_run_opts *o,
	       struct policy_run_result *res, struct policy_run_info *info,
	       struct mmsim_error *err)
{
	struct policy **p;
	struct ref_array all = { 0 };
	bool future = false;
	int rc = 0;
	size_t made = 0;

	memset(info, 0, sizeof(*info));
	if (!o->nr_specs)
		return err_set(err, -EINVAL, NULL, 0, 0, "no policy to run");
	if (o->page_shift > 40)
		return err_set(err, -EINVAL, NULL, 0, 0, "a page size of 2^%u bytes is too large",
			       o->page_shift);
	p = calloc(o->nr_specs, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (; made < o->nr_specs; made++) {
		rc = policy_create(o->specs[made], o->frames, o->seed, &p[made], err);
		if (rc)
			goto out_destroy;
		future |= p[made]->ops->needs_future;
	}
	rc = read_trace(path, o, p, o->nr_specs, future ? &all : NULL, info, err);
	if (!rc && future)
		rc = fill_next(&all);
	for (size_t off = 0; !rc && future && off < all.n; off += RUN_BATCH) {
		size_t n = all.n - off < RUN_BATCH ? all.n - off : RUN_BATCH;
		rc = run_refs(p, o->nr_specs, all.r + off, n, o->check, err);
	}
	for (size_t i = 0; !rc && i < o->nr_specs; i++) {
		rc = policy_validate(p[i], err);
		snprintf(res[i].policy, sizeof(res[i].policy), "%s", p[i]->name);
		res[i].frames = o->frames;
		policy_get_stats(p[i], &res[i].st);
	}
out_destroy:
	free(all.r);
	for (size_t i = 0; i < made; i++)
		policy_destroy(p[i]);
	free(p);
	return rc;
}

/*
 * Software page-table operations (src/mm/pgtable.c) on booted machines, for every format in
 * the registry (a format not built in is skipped):
 *
 *  - property test: random maps with every leaf size and random permissions the format can
 *    encode, random partial unmaps and protects (which split huge leaves), compared after each
 *    operation with a reference map (sorted intervals va -> pa, prot, memtype): every leaf the
 *    walker reports against the reference, lookups at the edges of every interval and at
 *    random addresses, every mapped base page now and then; pgtable_validate after each step;
 *    at the end every table page is back in the buddy allocator and NR_PAGETABLE as before;
 *  - fail-Nth: a map, an unmap and a protect that need k table pages fail at each of the k
 *    allocations and leave the tables exactly as they were (walk output, counts);
 *  - exact counts and raw entries on x86_64 4-level (3/2/1 tables for 4K/2M/1G pages,
 *    _PAGE_TABLE 0x67 and _KERNPG_TABLE 0x63 table entries);
 *  - errors (-EEXIST, -EINVAL for each kind of bad argument), a walk stopped by its callback,
 *    damaged tables caught by pgtable_validate and refused with -EUCLEAN.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "boot.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmsim/mmsim.h"
#include "kernel/machine.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "util/rng.h"

#define PTE_AD (PTE_ACCESSED | PTE_DIRTY)

/* ---- machines and common checks -------------------------------------------------------------- */

static struct mm_sys *mm(mmsim_machine *m) { return &((struct mmsim_machine *)m)->mm; }

/* A 2 GiB machine of the format's architecture (the i386 formats run on x86_64's RAM). */
static mmsim_machine *boot_for(const struct pt_format *f)
{
	const char *kv[] = { "arch", f->arch == ARCH_ARM64 ? "arm64" : "x86_64", "ram", "2G",
			     "cpus", "2", NULL };
	return boot(kv);
}

static void check_pt(const struct pgtable *pt)
{
	struct mmsim_error err = { 0 };
	if (pgtable_validate(pt, &err) != 0)
		fail_msg("pgtable_validate: %s", err.msg);
}

static int64_t pagetables(struct mm_sys *ms) { return global_node_page_state(ms, NR_PAGETABLE); }

static uint64_t free_after_drain(struct mm_sys *ms)
{
	drain_all_pages(ms);
	return global_free_pages(ms);
}

static unsigned int nr_roots(const struct pt_format *f)
{
	return f->split == PT_SPLIT_TTBR ? 2 : 1;
}

/* Pages the roots take: the smallest buddy block of root_bytes at root_align. */
static uint64_t root_pages(const struct pt_format *f)
{
	uint64_t b = f->root_bytes > f->root_align ? f->root_bytes : f->root_align, pages = 1;
	while (pages * 4096 < b)
		pages <<= 1;
	return pages;
}

/* NR_PAGETABLE a pgtable with pt->nr_tables tables accounts for, in pages. */
static int64_t expected_pagetables(const struct pgtable *pt)
{
	const struct pt_format *f = pt->fmt;
	uint64_t roots = nr_roots(f);
	return (int64_t)(roots * root_pages(f) +
			 (pt->nr_tables - roots) * (1ull << (f->granule_shift - 12)));
}

static uint64_t granule(const struct pt_format *f) { return 1ull << f->granule_shift; }

/* ---- snapshots: everything the walker sees --------------------------------------------------- */

struct visits {
	struct pgtable_visit *v;
	size_t n, cap;
};

static int collect(const struct pgtable_visit *v, void *arg)
{
	struct visits *s = arg;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		assert_non_null(s->v);
	}
	s->v[s->n++] = *v;
	return 0;
}

/* Every entry of the whole address space (leaves and holes). */
static struct visits snapshot(struct pgtable *pt)
{
	struct visits s = { 0 };
	assert_int_equal(pgtable_walk_range(pt, 0, 0, true, collect, &s), 0);
	return s;
}

static void assert_same_snapshot(const struct visits *a, const struct visits *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_int_equal(a->v[i].va, b->v[i].va);
		assert_int_equal(a->v[i].size, b->v[i].size);
		assert_int_equal(a->v[i].level, b->v[i].level);
		assert_int_equal(a->v[i].entry_pa, b->v[i].entry_pa);
		assert_int_equal(a->v[i].raw, b->v[i].raw);
	}
}

/* ---- the reference map ----------------------------------------------------------------------- */

/* [va, last] -> [pa, ...) with prot, memtype, software bits; sorted, disjoint. */
struct iv {
	uint64_t va, last, pa, soft;
	uint32_t prot;
	uint8_t memtype;
};

struct ref {
	struct iv *v;
	size_t n, cap;
};

/* Index of the first interval ending at or after va. */
static size_t ref_first(const struct ref *r, uint64_t va)
{
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (r->v[mid].last < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct iv *ref_find(const struct ref *r, uint64_t va)
{
	size_t i = ref_first(r, va);
	return i < r->n && r->v[i].va <= va ? &r->v[i] : NULL;
}

static bool ref_overlaps(const struct ref *r, uint64_t va, uint64_t last)
{
	size_t i = ref_first(r, va);
	return i < r->n && r->v[i].va <= last;
}

static void ref_insert_at(struct ref *r, size_t i, struct iv iv)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		assert_non_null(r->v);
	}
	memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof(*r->v));
	r->v[i] = iv;
	r->n++;
}

static void ref_insert(struct ref *r, struct iv iv)
{
	ref_insert_at(r, ref_first(r, iv.va), iv);
}

/* Split intervals so that none straddles x (x starts an interval if mapped). */
static void ref_split_at(struct ref *r, uint64_t x)
{
	size_t i = ref_first(r, x);
	if (i == r->n || r->v[i].va >= x)
		return;
	struct iv right = r->v[i];
	right.pa += x - right.va;
	right.va = x;
	r->v[i].last = x - 1;
	ref_insert_at(r, i + 1, right);
}

/* Remove [s, l]; bytes removed. */
static uint64_t ref_remove(struct ref *r, uint64_t s, uint64_t l)
{
	ref_split_at(r, s);
	if (l != UINT64_MAX)
		ref_split_at(r, l + 1);
	size_t i = ref_first(r, s), j = i;
	uint64_t bytes = 0;
	while (j < r->n && r->v[j].last <= l) {
		bytes += r->v[j].last - r->v[j].va + 1;
		j++;
	}
	if (j > i) {
		memmove(&r->v[i], &r->v[j], (r->n - j) * sizeof(*r->v));
		r->n -= j - i;
	}
	return bytes;
}

/*
 * What protect makes of a leaf, written independently of the library from the rules it
 * follows (Linux pte_modify): x86 keeps A and D; arm64 keeps AF, turns a hardware-dirty leaf
 * into a software-dirty one (soft bit 0 = descriptor bit 55) and is hardware-dirty exactly
 * when the new prot is writable with DBM.
 */
static void protected_iv(const struct pt_format *f, struct iv *iv, uint32_t prot)
{
	uint32_t old = iv->prot;
	if (f->arch != ARCH_ARM64) {
		iv->prot = (prot & ~PTE_AD) | (old & PTE_AD);
		return;
	}
	iv->prot = (prot & ~PTE_AD) | (old & PTE_ACCESSED);
	if (old & PTE_DIRTY)
		iv->soft |= 1;
	if ((iv->prot & PTE_WRITE) && (iv->prot & PTE_DBM))
		iv->prot |= PTE_DIRTY;
}

static void ref_protect(struct ref *r, const struct pt_format *f, uint64_t s, uint64_t l,
			uint32_t prot)
{
	ref_split_at(r, s);
	if (l != UINT64_MAX)
		ref_split_at(r, l + 1);
	for (size_t i = ref_first(r, s); i < r->n && r->v[i].last <= l; i++)
		protected_iv(f, &r->v[i], prot);
}

static uint64_t ref_bytes(const struct ref *r)
{
	uint64_t b = 0;
	for (size_t i = 0; i < r->n; i++)
		b += r->v[i].last - r->v[i].va + 1;
	return b;
}

/* ---- comparing the tables with the reference ------------------------------------------------- */

static uint8_t expected_sh(const struct pt_format *f) { return f->arch == ARCH_ARM64 ? 3 : 0; }

/* The lookup of va agrees with the reference, and its raw entry decodes to what it says. */
static void expect_lookup(struct pgtable *pt, const struct ref *r, uint64_t va)
{
	const struct pt_format *f = pt->fmt;
	struct pte_desc d, d2;
	int level;
	uint64_t epa;
	assert_int_equal(pgtable_lookup(pt, va, &d, &level, &epa), 0);
	assert_true(level >= 0 && level < f->nr_levels);
	const struct iv *iv = ref_find(r, va);
	if (!iv) {
		if (d.kind != PTE_KIND_NONE)
			fail_msg("%s: va %#llx should be unmapped, lookup finds kind %d at "
				 "level %d", f->name, (unsigned long long)va, d.kind, level);
		return;
	}
	if (d.kind != PTE_KIND_LEAF)
		fail_msg("%s: va %#llx should map %#llx, lookup finds kind %d at level %d", f->name,
			 (unsigned long long)va, (unsigned long long)(iv->pa + (va - iv->va)),
			 d.kind, level);
	uint64_t off = va & (pt_level_size(f, (unsigned int)level) - 1);
	assert_int_equal(d.pa + off, iv->pa + (va - iv->va));
	assert_int_equal(d.prot, iv->prot);
	assert_int_equal(d.memtype, iv->memtype);
	assert_int_equal(d.soft, iv->soft);
	assert_int_equal(d.shareability, expected_sh(f));
	uint64_t raw = pgtable_read_entry(pt, epa);
	assert_int_equal(f->ops->decode(f, (unsigned int)level, raw, &d2), 0);
	assert_int_equal(d2.pa, d.pa);
	assert_int_equal(d2.prot, d.prot);
}

/* Every leaf the walker reports is in the reference with the same pa, prot, memtype, and the
 * leaves cover exactly the reference's bytes. */
static void expect_leaves(struct pgtable *pt, const struct ref *r)
{
	const struct pt_format *f = pt->fmt;
	struct visits s = { 0 };
	assert_int_equal(pgtable_walk_range(pt, 0, 0, false, collect, &s), 0);
	uint64_t total = 0, prev_last = 0;
	size_t j = 0;
	for (size_t i = 0; i < s.n; i++) {
		const struct pgtable_visit *v = &s.v[i];
		uint64_t last = v->va + v->size - 1;
		assert_int_equal(v->desc.kind, PTE_KIND_LEAF);
		assert_int_equal(v->size, pt_level_size(f, (unsigned int)v->level));
		assert_true(i == 0 || v->va > prev_last);
		assert_int_equal(v->desc.pa & (v->size - 1), 0);
		prev_last = last;
		for (uint64_t c = v->va;;) {
			while (j < r->n && r->v[j].last < c)
				j++;
			if (j == r->n || r->v[j].va > c)
				fail_msg("%s: leaf at %#llx (level %d) maps va %#llx, which the "
					 "reference leaves unmapped", f->name,
					 (unsigned long long)v->va, v->level,
					 (unsigned long long)c);
			const struct iv *iv = &r->v[j];
			assert_int_equal(v->desc.pa + (c - v->va), iv->pa + (c - iv->va));
			assert_int_equal(v->desc.prot, iv->prot);
			assert_int_equal(v->desc.memtype, iv->memtype);
			assert_int_equal(v->desc.soft, iv->soft);
			uint64_t end = last < iv->last ? last : iv->last;
			total += end - c + 1;
			if (end == last)
				break;
			c = end + 1;
		}
	}
	assert_int_equal(total, ref_bytes(r));
	free(s.v);
}

/* ---- random choices -------------------------------------------------------------------------- */

static const uint32_t prot_bits[] = { PTE_WRITE, PTE_USER, PTE_UXN, PTE_PXN, PTE_GLOBAL,
				      PTE_ACCESSED, PTE_DIRTY, PTE_DBM };

static uint32_t random_subset(struct rng *rng)
{
	uint32_t p = 0;
	for (unsigned int i = 0; i < sizeof(prot_bits) / sizeof(prot_bits[0]); i++)
		if (rng_below(rng, 2))
			p |= prot_bits[i];
	return p;
}

static bool leaf_encodes(const struct pt_format *f, unsigned int l, uint32_t prot, uint8_t memtype,
			 uint64_t soft)
{
	struct pte_desc d = { .kind = PTE_KIND_LEAF, .prot = prot, .memtype = memtype,
			      .shareability = expected_sh(f), .soft = soft };
	uint64_t raw;
	return f->ops->encode(f, l, &d, &raw) == 0;
}

static bool leaf_level_ok(const struct pt_format *f, unsigned int l)
{
	return f->level[l].leaf_ok || l + 1u == f->nr_levels;
}

/* Permissions a leaf at level l can be mapped with. */
static uint32_t random_map_prot(struct rng *rng, const struct pt_format *f, unsigned int l)
{
	for (int tries = 0; tries < 10000; tries++) {
		uint32_t p = random_subset(rng);
		if (leaf_encodes(f, l, p, 0, 0))
			return p;
	}
	fail_msg("%s: no random prot encodes", f->name);
	return 0;
}

/* Permissions protect can give any leaf of the format (whatever its A/D and level). */
static uint32_t random_protect_prot(struct rng *rng, const struct pt_format *f)
{
	for (int tries = 0; tries < 10000; tries++) {
		uint32_t p = random_subset(rng) & ~PTE_AD;
		bool ok = true;
		for (unsigned int l = 0; l < f->nr_levels && ok; l++) {
			if (!leaf_level_ok(f, l))
				continue;
			for (uint32_t ad = 0; ad <= PTE_AD && ok; ad += PTE_ACCESSED) {
				struct iv iv = { .prot = ad };
				protected_iv(f, &iv, p);
				ok = leaf_encodes(f, l, iv.prot, 0, iv.soft);
			}
		}
		if (ok)
			return p;
	}
	fail_msg("%s: no random protect prot encodes", f->name);
	return 0;
}

static uint8_t random_memtype(struct rng *rng, const struct pt_format *f, unsigned int l,
			      uint32_t prot)
{
	for (;;) {
		uint8_t mt = (uint8_t)rng_below(rng, 8);
		if (leaf_encodes(f, l, prot, mt, 0))
			return mt;
	}
}

/* ---- the property test ----------------------------------------------------------------------- */

struct region {
	uint64_t base, size;
};

struct prop {
	const struct pt_format *f;
	struct pgtable *pt;
	struct rng rng;
	struct ref ref;
	struct region reg[2];
	unsigned int nr_reg;
	unsigned int levels[PT_MAX_LEVELS];	/* leaf levels used, their sizes <= 1 GiB */
	unsigned int nr_levels;
	uint64_t largest;
	uint64_t pa_limit;
	unsigned long maps, unmaps, protects, eexist, split_ops;
};

/* The regions ops go to: one per half, 4 of the largest leaf wide, inside the half. */
static void setup_regions(struct prop *p)
{
	const struct pt_format *f = p->f;
	for (unsigned int l = 0; l < f->nr_levels; l++)
		if (leaf_level_ok(f, l) && pt_level_size(f, l) <= (1ull << 30))
			p->levels[p->nr_levels++] = l;
	p->largest = pt_level_size(f, p->levels[0]);
	unsigned int bits = f->split == PT_SPLIT_CANONICAL ? f->va_bits - 1u : f->va_bits;
	uint64_t span = 1ull << bits, size = 4 * p->largest;
	uint64_t base = size >= span / 2 ? 0 : span / 2;
	if (size > span)
		size = span;
	p->reg[0] = (struct region){ base, size };
	p->nr_reg = 1;
	if (f->split != PT_SPLIT_NONE) {
		p->reg[1] = (struct region){ (0 - span) + base, size };
		p->nr_reg = 2;
	}
	p->pa_limit = f->entry_size == 4 ? 1ull << 32 : 1ull << 40;
}

static bool in_region(const struct region *g, uint64_t va, uint64_t size)
{
	return va >= g->base && size <= g->size && va - g->base <= g->size - size;
}

/* A leaf-size-aligned start for n leaves of size s in region g, often next to a mapping. */
static uint64_t pick_va(struct prop *p, const struct region *g, uint64_t s, uint64_t n)
{
	if (p->ref.n && rng_below(&p->rng, 4)) {
		const struct iv *iv = &p->ref.v[rng_below(&p->rng, p->ref.n)];
		uint64_t va = (iv->va & ~(s - 1)) + (rng_below(&p->rng, 9) - 4) * s;
		if (in_region(g, va, n * s))
			return va;
	}
	return g->base + rng_below(&p->rng, g->size / s - n + 1) * s;
}

static void op_map(struct prop *p)
{
	const struct pt_format *f = p->f;
	const struct region *g = &p->reg[rng_below(&p->rng, p->nr_reg)];
	unsigned int l = p->levels[rng_below(&p->rng, p->nr_levels)];
	uint64_t s = pt_level_size(f, l);
	uint64_t n = 1 + rng_below(&p->rng, s == granule(f) ? 64 : 3);
	uint64_t va = pick_va(p, g, s, n), size = n * s;
	uint64_t pa = rng_below(&p->rng, p->pa_limit / s - n) * s;
	uint32_t prot = random_map_prot(&p->rng, f, l);
	uint8_t mt = random_memtype(&p->rng, f, l, prot);
	int expect = ref_overlaps(&p->ref, va, va + size - 1) ? -EEXIST : 0;
	int ret = pgtable_map(p->pt, va, pa, size, f->level[l].shift, prot, mt);
	if (ret != expect)
		fail_msg("%s: map %#llx+%#llx (%s leaves) returned %d, expected %d", f->name,
			 (unsigned long long)va, (unsigned long long)size, f->level[l].name, ret,
			 expect);
	if (ret == 0)
		ref_insert(&p->ref, (struct iv){ .va = va, .last = va + size - 1, .pa = pa,
						 .prot = prot, .memtype = mt });
	p->maps++;
	p->eexist += ret != 0;
}

/* A range for unmap/protect: often starting inside a mapping, of very different lengths. */
static void pick_range(struct prop *p, uint64_t *va, uint64_t *size)
{
	const struct pt_format *f = p->f;
	const struct region *g = &p->reg[rng_below(&p->rng, p->nr_reg)];
	uint64_t gr = granule(f);
	uint64_t scale[] = { 1, 16, 512, 2 * p->largest / gr };
	uint64_t n = 1 + rng_below(&p->rng, scale[rng_below(&p->rng, 4)]);
	uint64_t start = g->base + rng_below(&p->rng, g->size / gr) * gr;
	if (p->ref.n && rng_below(&p->rng, 4)) {
		const struct iv *iv = &p->ref.v[rng_below(&p->rng, p->ref.n)];
		uint64_t inside = iv->va + rng_below(&p->rng, (iv->last - iv->va + 1) / gr) * gr;
		for (unsigned int i = 0; i < p->nr_reg; i++)
			if (in_region(&p->reg[i], inside, gr)) {
				g = &p->reg[i];
				start = inside;
			}
	}
	uint64_t room = (g->base + g->size - start) / gr;
	*va = start;
	*size = (n < room ? n : room) * gr;
}

/* true when a huge leaf straddles va or va + size (the operation splits it). */
static bool splits(struct prop *p, uint64_t va, uint64_t size)
{
	uint64_t edges[2] = { va, va + size };
	for (int i = 0; i < 2; i++) {
		struct pte_desc d;
		int level;
		if (pgtable_lookup(p->pt, edges[i], &d, &level, NULL) == 0 &&
		    d.kind == PTE_KIND_LEAF && (edges[i] & (pt_level_size(p->f, level) - 1)))
			return true;
	}
	return false;
}

static void op_unmap(struct prop *p)
{
	uint64_t va, size, nr = ~0ull;
	pick_range(p, &va, &size);
	p->split_ops += splits(p, va, size);
	assert_int_equal(pgtable_unmap(p->pt, va, size, &nr), 0);
	assert_int_equal(nr, ref_remove(&p->ref, va, va + size - 1) >> p->f->granule_shift);
	p->unmaps++;
}

static void op_protect(struct prop *p)
{
	uint64_t va, size;
	pick_range(p, &va, &size);
	uint32_t prot = random_protect_prot(&p->rng, p->f);
	p->split_ops += splits(p, va, size);
	assert_int_equal(pgtable_protect(p->pt, va, size, prot), 0);
	ref_protect(&p->ref, p->f, va, va + size - 1, prot);
	p->protects++;
}

/* Compare everything after an operation; every_page also looks up each mapped base page. */
static void verify(struct prop *p, bool every_page, int64_t pt_base)
{
	check_pt(p->pt);
	expect_leaves(p->pt, &p->ref);
	assert_int_equal(pagetables(p->pt->ms) - pt_base, expected_pagetables(p->pt));
	uint64_t gr = granule(p->f);
	for (size_t i = 0; i < p->ref.n; i++) {
		if (p->ref.n > 128 && rng_below(&p->rng, p->ref.n) >= 128)
			continue;
		expect_lookup(p->pt, &p->ref, p->ref.v[i].va);
		expect_lookup(p->pt, &p->ref, p->ref.v[i].last + 1 - gr);
	}
	for (int i = 0; i < 32; i++) {
		const struct region *g = &p->reg[rng_below(&p->rng, p->nr_reg)];
		expect_lookup(p->pt, &p->ref, g->base + rng_below(&p->rng, g->size / gr) * gr);
	}
	if (!every_page)
		return;
	uint64_t pages = ref_bytes(&p->ref) >> p->f->granule_shift;
	uint64_t stride = pages > (1u << 16) ? pages >> 16 : 1;
	for (size_t i = 0; i < p->ref.n; i++)
		for (uint64_t va = p->ref.v[i].va; va <= p->ref.v[i].last; va += stride * gr) {
			expect_lookup(p->pt, &p->ref, va);
			if (p->ref.v[i].last - va < stride * gr)
				break;
		}
}

static void property_one(const struct pt_format *f, uint64_t seed, int nops)
{
	mmsim_machine *m = boot_for(f);
	struct mm_sys *ms = mm(m);
	struct pgtable pt;
	uint64_t free_before = free_after_drain(ms);
	int64_t pt_before = pagetables(ms);
	assert_int_equal(pgtable_init(&pt, ms, f, 0), 0);
	assert_int_equal(pt.nr_tables, nr_roots(f));
	int64_t pt_init = pagetables(ms);
	assert_int_equal(pt_init - pt_before, (int64_t)(nr_roots(f) * root_pages(f)));

	struct prop p = { .f = f, .pt = &pt };
	rng_seed(&p.rng, seed);
	setup_regions(&p);
	for (int i = 0; i < nops; i++) {
		uint64_t op = rng_below(&p.rng, 8);
		if (op < 4)
			op_map(&p);
		else if (op < 6)
			op_unmap(&p);
		else
			op_protect(&p);
		verify(&p, i % 64 == 63, pt_before);
	}
	/* The splits and -EEXIST paths were exercised, not just the easy ones. */
	assert_true(p.split_ops > 0 || p.nr_levels == 1);
	assert_true(p.eexist > 0);

	uint64_t mapped = ref_bytes(&p.ref) >> f->granule_shift, nr_total = 0;
	for (unsigned int i = 0; i < p.nr_reg; i++) {
		uint64_t nr;
		assert_int_equal(pgtable_unmap(&pt, p.reg[i].base, p.reg[i].size, &nr), 0);
		nr_total += nr;
	}
	p.ref.n = 0;
	assert_int_equal(nr_total, mapped);
	verify(&p, false, pt_before);
	assert_int_equal(pt.nr_tables, nr_roots(f));
	assert_int_equal(pagetables(ms), pt_init);
	pgtable_destroy(&pt);
	assert_int_equal(pagetables(ms), pt_before);
	assert_int_equal(free_after_drain(ms), free_before);
	free(p.ref.v);
	mmsim_machine_free(m);
}

static void test_property_all_formats(void **state)
{
	(void)state;
	unsigned int tested = 0;
	for (unsigned int id = 0; id < NR_PT_FORMATS; id++) {
		const struct pt_format *f = pt_format_get((enum pt_format_id)id);
		if (!f)
			continue;
		property_one(f, 0x5eed0000 + id, 800);
		tested++;
	}
	assert_true(tested >= 4);
}

/* ---- fail-Nth: every allocation of an operation fails once ----------------------------------- */

struct op_args {
	int kind;		/* 0 map, 1 unmap, 2 protect */
	uint64_t va, pa, size;
	unsigned int shift;
	uint32_t prot;
};

static int run_op(struct pgtable *pt, const struct op_args *a)
{
	switch (a->kind) {
	case 0:
		return pgtable_map(pt, a->va, a->pa, a->size, a->shift, a->prot, 0);
	case 1:
		return pgtable_unmap(pt, a->va, a->size, NULL);
	default:
		return pgtable_protect(pt, a->va, a->size, a->prot);
	}
}

/*
 * Fail allocation 1, 2, ... of the operation: each failure must return -ENOMEM and leave the
 * tables as they were; the first n that does not fire lets the operation succeed, and it
 * must have needed exactly k tables.
 */
static void fail_each(mmsim_machine *m, struct pgtable *pt, const struct op_args *a, uint64_t k)
{
	struct mm_sys *ms = mm(m);
	struct visits before = snapshot(pt);
	uint64_t tables = pt->nr_tables;
	int64_t ptp = pagetables(ms);
	for (uint64_t n = 1;; n++) {
		mmsim_fail_nth_alloc(m, n);
		int ret = run_op(pt, a);
		mmsim_fail_nth_alloc(m, 0);
		check_pt(pt);
		if (ret == 0) {
			assert_int_equal(n - 1, k);
			assert_int_equal(pt->nr_tables, tables + k);
			break;
		}
		assert_int_equal(ret, -ENOMEM);
		struct visits after = snapshot(pt);
		assert_same_snapshot(&before, &after);
		free(after.v);
		assert_int_equal(pt->nr_tables, tables);
		assert_int_equal(pagetables(ms), ptp);
		assert_true(n <= k);
	}
	free(before.v);
}

static void fail_nth_one(const struct pt_format *f)
{
	mmsim_machine *m = boot_for(f);
	struct mm_sys *ms = mm(m);
	struct pgtable pt;
	uint64_t gr = granule(f), free_before = free_after_drain(ms);
	assert_int_equal(pgtable_init(&pt, ms, f, 1), 0);
	uint32_t prot = PTE_USER | PTE_ACCESSED;
	assert_true(leaf_encodes(f, f->nr_levels - 1u, prot, 0, 0));

	/* Something mapped already, under another root entry than the range below. */
	uint64_t elsewhere = f->split == PT_SPLIT_TTBR ? 0 - (1ull << f->va_bits)
						       : 3 * pt_level_size(f, 0);
	assert_int_equal(pgtable_map(&pt, elsewhere, 0x100000, 4 * gr, f->granule_shift, prot, 0),
			 0);
	/*
	 * Two base pages either side of the boundary of root entries 0 and 1: every level below
	 * the root needs a table on each side.
	 */
	uint64_t boundary = pt_level_size(f, 0);
	struct op_args map = { 0, boundary - gr, 0x200000, 2 * gr, f->granule_shift, prot };
	fail_each(m, &pt, &map, 2ull * (f->nr_levels - 1u));

	/* A huge leaf, split by unmapping 1 page inside it and by a protect inside it. */
	int hl = -1;
	for (unsigned int l = 0; l + 1u < f->nr_levels; l++)
		if (f->level[l].leaf_ok && pt_level_size(f, l) <= (1ull << 30)) {
			hl = (int)l;
			break;
		}
	if (hl >= 0) {
		uint64_t hs = pt_level_size(f, (unsigned int)hl);
		uint64_t va = 4 * hs, k = f->nr_levels - 1u - (unsigned int)hl;
		assert_int_equal(pgtable_map(&pt, va, 8 * hs, hs, f->level[hl].shift, prot, 0), 0);
		assert_int_equal(pgtable_map(&pt, va + hs, 9 * hs, hs, f->level[hl].shift, prot, 0),
				 0);
		struct op_args un = { 1, va + 3 * gr, 0, gr, 0, 0 };
		fail_each(m, &pt, &un, k);
		struct op_args pr = { 2, va + hs + 5 * gr, 0, 2 * gr, 0, prot & ~PTE_ACCESSED };
		fail_each(m, &pt, &pr, k);
	}
	check_pt(&pt);
	pgtable_destroy(&pt);
	assert_int_equal(free_after_drain(ms), free_before);
	mmsim_machine_free(m);
}

static void test_fail_nth_all_formats(void **state)
{
	(void)state;
	for (unsigned int id = 0; id < NR_PT_FORMATS; id++) {
		const struct pt_format *f = pt_format_get((enum pt_format_id)id);
		if (f)
			fail_nth_one(f);
	}
}

/* ---- exact counts and raw entries on x86_64 4-level ------------------------------------------ */

/* The raw entry at level l on the way to va, read level by level through the tables. */
static uint64_t entry_at(struct pgtable *pt, uint64_t va, unsigned int l, uint64_t *epa_out)
{
	const struct pt_format *f = pt->fmt;
	uint64_t tpa = pt->root[0], epa = 0, raw = 0;
	for (unsigned int i = 0; i <= l; i++) {
		epa = tpa + (uint64_t)pt_index(f, i, va) * f->entry_size;
		raw = pgtable_read_entry(pt, epa);
		struct pte_desc d;
		assert_int_equal(f->ops->decode(f, i, raw, &d), 0);
		tpa = d.pa;
	}
	if (epa_out)
		*epa_out = epa;
	return raw;
}

static void test_x86_64_exact(void **state)
{
	(void)state;
	const struct pt_format *f = pt_format_get(PTF_X86_64_4L);
	assert_non_null(f);
	mmsim_machine *m = boot_for(f);
	struct mm_sys *ms = mm(m);
	static const struct {
		uint64_t va;
		unsigned int shift, leaf_level, tables;
		uint64_t table_bits;
	} cases[] = {
		{ 0x7ffd1234a000ull, 12, 3, 3, 0x67 },		/* _PAGE_TABLE: P RW US A D */
		{ 0x7ffd12200000ull, 21, 2, 2, 0x67 },
		{ 0x7ffd00000000ull, 30, 1, 1, 0x67 },
		{ 0xffff888000000000ull, 12, 3, 3, 0x63 },	/* _KERNPG_TABLE: P RW A D */
	};
	for (unsigned int c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct pgtable pt;
		int64_t before = pagetables(ms);
		assert_int_equal(pgtable_init(&pt, ms, f, 0), 0);
		uint64_t pa = 0x40000000ull;
		uint32_t prot = PTE_WRITE | PTE_USER | PTE_NX | PTE_ACCESSED | PTE_DIRTY;
		assert_int_equal(pgtable_map(&pt, cases[c].va, pa, 1ull << cases[c].shift,
					     cases[c].shift, prot, 0), 0);
		assert_int_equal(pt.nr_tables, 1 + cases[c].tables);
		assert_int_equal(pagetables(ms) - before, 1 + cases[c].tables);
		check_pt(&pt);
		for (unsigned int l = 0; l < cases[c].leaf_level; l++) {
			uint64_t raw = entry_at(&pt, cases[c].va, l, NULL);
			assert_int_equal(raw & 0xfff, cases[c].table_bits);
			assert_int_equal(raw & ~0xfffull & ~(1ull << 63), raw & ~0xfffull);
		}
		uint64_t epa, raw = entry_at(&pt, cases[c].va, cases[c].leaf_level, &epa), want;
		struct pte_desc d = { .kind = PTE_KIND_LEAF, .prot = prot, .pa = pa };
		assert_int_equal(f->ops->encode(f, cases[c].leaf_level, &d, &want), 0);
		assert_int_equal(raw, want);
		/* Independently of the format code: P RW US A D (+PS for huge) NX pa. */
		uint64_t ps = cases[c].leaf_level < 3 ? 0x80 : 0;
		assert_int_equal(raw, pa | 0x67 | (1ull << 63) | ps);
		struct pte_desc got;
		int level;
		uint64_t lepa;
		assert_int_equal(pgtable_lookup(&pt, cases[c].va + 0x123, &got, &level, &lepa), 0);
		assert_int_equal(level, cases[c].leaf_level);
		assert_int_equal(lepa, epa);
		assert_int_equal(got.pa, pa);
		uint64_t nr;
		assert_int_equal(pgtable_unmap(&pt, cases[c].va, 1ull << cases[c].shift, &nr), 0);
		assert_int_equal(nr, (1ull << cases[c].shift) >> 12);
		assert_int_equal(pt.nr_tables, 1);
		check_pt(&pt);
		pgtable_destroy(&pt);
		assert_int_equal(pagetables(ms), before);
	}
	mmsim_machine_free(m);
}

/* Splitting a 1 GiB leaf by unmapping one 4 KiB page: 511 + 511 + 1 GiB - 4 KiB around it. */
static void test_split_keeps_everything(void **state)
{
	(void)state;
	const struct pt_format *f = pt_format_get(PTF_X86_64_4L);
	mmsim_machine *m = boot_for(f);
	struct pgtable pt;
	assert_int_equal(pgtable_init(&pt, mm(m), f, 0), 0);
	uint64_t va = 0x40000000ull, pa = 0x80000000ull, hole = va + 0x12345000ull, nr;
	uint32_t prot = PTE_WRITE | PTE_ACCESSED | PTE_DIRTY | PTE_GLOBAL;
	assert_int_equal(pgtable_map(&pt, va, pa, 1ull << 30, 30, prot, 5), 0);
	assert_int_equal(pgtable_unmap(&pt, hole, 4096, &nr), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(pt.nr_tables, 4);	/* root, pud, new pmd, new pte */
	check_pt(&pt);
	struct visits s = { 0 };
	assert_int_equal(pgtable_walk_range(&pt, va, va + (1ull << 30), false, collect, &s), 0);
	assert_int_equal(s.n, 511 + 511);
	uint64_t bytes = 0;
	for (size_t i = 0; i < s.n; i++) {
		assert_int_equal(s.v[i].desc.pa, pa + (s.v[i].va - va));
		assert_int_equal(s.v[i].desc.prot, prot);
		assert_int_equal(s.v[i].desc.memtype, 5);
		bytes += s.v[i].size;
	}
	assert_int_equal(bytes, (1ull << 30) - 4096);
	free(s.v);
	/* Holes: the one 4 KiB entry left empty, reported once at the pte level. */
	struct visits h = { 0 };
	assert_int_equal(pgtable_walk_range(&pt, hole - 4096, hole + 8192, true, collect, &h), 0);
	assert_int_equal(h.n, 3);
	assert_int_equal(h.v[1].desc.kind, PTE_KIND_NONE);
	assert_int_equal(h.v[1].va, hole);
	assert_int_equal(h.v[1].size, 4096);
	assert_int_equal(h.v[1].level, 3);
	free(h.v);
	pgtable_destroy(&pt);
	mmsim_machine_free(m);
}

/* ---- errors ---------------------------------------------------------------------------------- */

static int stop_at_third(const struct pgtable_visit *v, void *arg)
{
	(void)v;
	int *n = arg;
	return ++*n == 3 ? 42 : 0;
}

static void test_errors_x86_64(void **state)
{
	(void)state;
	const struct pt_format *f = pt_format_get(PTF_X86_64_4L);
	mmsim_machine *m = boot_for(f);
	struct pgtable pt;
	assert_int_equal(pgtable_init(&pt, mm(m), f, 0), 0);
	uint32_t rw = PTE_WRITE | PTE_USER;
	assert_int_equal(pgtable_map(&pt, 0x200000, 0x200000, 0x200000, 21, rw, 0), 0);
	assert_int_equal(pgtable_map(&pt, 0x600000, 0x1000, 0x3000, 12, rw, 0), 0);
	struct visits before = snapshot(&pt);
	/* -EEXIST: a 4K page under the 2M leaf; a 2M leaf over a page table; partly overlapping. */
	assert_int_equal(pgtable_map(&pt, 0x3ff000, 0, 0x1000, 12, rw, 0), -EEXIST);
	assert_int_equal(pgtable_map(&pt, 0x600000, 0, 0x200000, 21, rw, 0), -EEXIST);
	assert_int_equal(pgtable_map(&pt, 0x5fe000, 0, 0x4000, 12, rw, 0), -EEXIST);
	/* -EINVAL: misaligned va, pa, size; a size no level maps; no size; bad prot and memtype. */
	assert_int_equal(pgtable_map(&pt, 0x1000800, 0, 0x1000, 12, rw, 0), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0x1000000, 0x800, 0x1000, 12, rw, 0), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0x1000000, 0, 0x1800, 12, rw, 0), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0x1000000, 0x100000, 0x100000, 20, rw, 0), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0x8000000000ull, 0, 1ull << 39, 39, rw, 0), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0x1000000, 0, 0, 12, rw, 0), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0x1000000, 0, 0x1000, 12, PTE_UXN, 0), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0x1000000, 0, 0x1000, 12, PTE_DBM, 0), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0x1000000, 0, 0x1000, 12, 1u << 20, 0), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0x1000000, 0, 0x1000, 12, rw, 8), -EINVAL);
	/* pa beyond the 52-bit field (the last page of the range). */
	assert_int_equal(pgtable_map(&pt, 0x1000000, (1ull << 52) - 0x1000, 0x2000, 12, rw, 0),
			 -EINVAL);
	/* Outside the translated range: non-canonical, crossing into it, wrapping. */
	assert_int_equal(pgtable_map(&pt, 0x0000800000000000ull, 0, 0x1000, 12, rw, 0), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0x00007ffffffff000ull, 0, 0x2000, 12, rw, 0), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0xfffffffffffff000ull, 0, 0x2000, 12, rw, 0), -EINVAL);
	assert_int_equal(pgtable_unmap(&pt, 0x0000800000000000ull, 0x1000, NULL), -EINVAL);
	assert_int_equal(pgtable_unmap(&pt, 0x1000800, 0x1000, NULL), -EINVAL);
	assert_int_equal(pgtable_protect(&pt, 0x200000, 0x1000, PTE_UXN), -EINVAL);
	assert_int_equal(pgtable_protect(&pt, 0x0000800000000000ull, 0x1000, rw), -EINVAL);
	struct pte_desc d;
	int level;
	assert_int_equal(pgtable_lookup(&pt, 0x0000800000000000ull, &d, &level, NULL), -EINVAL);
	struct visits after = snapshot(&pt);
	assert_same_snapshot(&before, &after);
	free(after.v);
	free(before.v);
	check_pt(&pt);

	/* The top page of the address space maps (va + size wraps to 0). */
	assert_int_equal(pgtable_map(&pt, 0xfffffffffffff000ull, 0x5000, 0x1000, 12, PTE_WRITE, 0),
			 0);
	assert_int_equal(pgtable_lookup(&pt, 0xffffffffffffffffull, &d, &level, NULL), 0);
	assert_int_equal(d.pa, 0x5000);
	check_pt(&pt);

	/* A callback's non-zero value stops the walk and comes back. */
	int n = 0;
	assert_int_equal(pgtable_walk_range(&pt, 0, 0, false, stop_at_third, &n), 42);
	assert_int_equal(n, 3);
	n = 0;
	assert_int_equal(pgtable_walk_range(&pt, 0x600000, 0x601000, false, stop_at_third, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pgtable_walk_range(&pt, 0x2000, 0x1000, false, stop_at_third, &n),
			 -EINVAL);

	/*
	 * A not-present software value (a swap PTE) between two leaves: a walk without holes
	 * steps over it and still reports the leaf after it (it once stopped there)
	 */
	assert_int_equal(pgtable_map(&pt, 0x40000000, 0x7000, 0x3000, 12, rw, 0), 0);
	{
		uint64_t entry_pa;

		assert_int_equal(pgtable_lookup(&pt, 0x40001000, &d, &level, &entry_pa), 0);
		pgtable_write_entry(&pt, entry_pa, 0x2ull << 9);	/* not present, not zero */
		struct visits s = { 0 };

		assert_int_equal(pgtable_walk_range(&pt, 0x40000000, 0x40003000, false, collect,
						    &s), 0);
		assert_int_equal(s.n, 2);
		assert_int_equal(s.v[0].va, 0x40000000);
		assert_int_equal(s.v[1].va, 0x40002000);
		free(s.v);
		pgtable_write_entry(&pt, entry_pa, 0);
	}
	pgtable_destroy(&pt);
	mmsim_machine_free(m);
}

/* i386 2-level: no NX, no 2 MiB pages, 4 MiB pages above 4 GiB (PSE-36) do not split. */
static void test_errors_i386(void **state)
{
	(void)state;
	const struct pt_format *f = pt_format_get(PTF_I386_2L);
	if (!f)
		skip();
	mmsim_machine *m = boot_for(f);
	struct pgtable pt;
	assert_int_equal(pgtable_init(&pt, mm(m), f, 0), 0);
	assert_int_equal(pgtable_map(&pt, 0x400000, 0, 0x1000, 12, PTE_NX, 0), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0x400000, 0, 0x200000, 21, PTE_WRITE, 0), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0x100000000ull, 0, 0x1000, 12, PTE_WRITE, 0), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0x400000, 0x100000000ull, 0x1000, 12, PTE_WRITE, 0),
			 -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0x400000, 0x100000000ull, 0x400000, 22, PTE_WRITE, 0), 0);
	assert_int_equal(pt.nr_tables, 1);
	struct visits before = snapshot(&pt);
	assert_int_equal(pgtable_unmap(&pt, 0x401000, 0x1000, NULL), -EINVAL);
	assert_int_equal(pgtable_protect(&pt, 0x401000, 0x1000, 0), -EINVAL);
	struct visits after = snapshot(&pt);
	assert_same_snapshot(&before, &after);
	free(after.v);
	free(before.v);
	uint64_t nr;
	assert_int_equal(pgtable_unmap(&pt, 0x400000, 0x400000, &nr), 0);
	assert_int_equal(nr, 1024);
	check_pt(&pt);
	/* A 4 MiB page below 4 GiB splits into 1024 4 KiB pages; the table entry is 0x67. */
	assert_int_equal(pgtable_map(&pt, 0xc00000, 0x800000, 0x400000, 22, PTE_WRITE, 0), 0);
	assert_int_equal(pgtable_protect(&pt, 0xc00000, 0x1000, 0), 0);
	assert_int_equal(pt.nr_tables, 2);
	assert_int_equal(entry_at(&pt, 0xc00000, 0, NULL) & 0xfff, 0x67);
	assert_int_equal(entry_at(&pt, 0xc00000, 1, NULL), 0x800000 | 0x1);
	assert_int_equal(entry_at(&pt, 0xc01000, 1, NULL), 0x801000 | 0x3);
	check_pt(&pt);
	pgtable_destroy(&pt);
	mmsim_machine_free(m);
}

/* Table entries on arm64: TTBR1 addresses use root[1]; user tables PXNTable, kernel UXNTable. */
static void test_arm64_roots(void **state)
{
	(void)state;
	const struct pt_format *f = pt_format_get(PTF_ARM64_4K_48);
	if (!f)
		skip();
	mmsim_machine *m = boot_for(f);
	struct pgtable pt;
	assert_int_equal(pgtable_init(&pt, mm(m), f, 0), 0);
	assert_int_equal(pt.nr_tables, 2);
	uint32_t prot = PTE_USER | PTE_ACCESSED | PTE_UXN | PTE_PXN;
	assert_int_equal(pgtable_map(&pt, 0x400000, 0x80000000ull, 0x1000, 12, prot, 0), 0);
	assert_int_equal(pgtable_map(&pt, 0xffff000000400000ull, 0x80001000ull, 0x1000, 12,
				     PTE_ACCESSED | PTE_UXN, 0), 0);
	check_pt(&pt);
	struct pte_desc d;
	int level;
	uint64_t epa;
	assert_int_equal(pgtable_lookup(&pt, 0xffff000000400000ull, &d, &level, &epa), 0);
	assert_int_equal(d.pa, 0x80001000ull);
	assert_int_equal(d.shareability, 3);
	/* The kernel L0 entry lives in root[1], index 0. */
	uint64_t raw = pgtable_read_entry(&pt, pt.root[1]);
	assert_int_equal(raw & 3, 3);
	assert_true(raw & (1ull << 60));	/* UXNTable */
	assert_false(raw & (1ull << 59));
	raw = pgtable_read_entry(&pt, pt.root[0]);
	assert_true(raw & (1ull << 59));	/* PXNTable */
	assert_false(raw & (1ull << 60));
	assert_int_equal(raw >> 61, 0);		/* APTable 00: no restriction */
	/* Protect a hardware-dirty page read-only: it stays dirty in software bit 55. */
	uint32_t dirty = PTE_USER | PTE_WRITE | PTE_DBM | PTE_DIRTY | PTE_ACCESSED;
	assert_int_equal(pgtable_map(&pt, 0x800000, 0x80002000ull, 0x1000, 12, dirty, 0), 0);
	assert_int_equal(pgtable_protect(&pt, 0x800000, 0x1000, PTE_USER | PTE_DBM), 0);
	assert_int_equal(pgtable_lookup(&pt, 0x800000, &d, &level, &epa), 0);
	assert_int_equal(d.prot, PTE_USER | PTE_DBM | PTE_ACCESSED);
	assert_int_equal(d.soft, 1);
	assert_true(pgtable_read_entry(&pt, epa) & (1ull << 55));
	assert_int_equal(pgtable_protect(&pt, 0x800000, 0x1000, PTE_USER | PTE_WRITE | PTE_DBM), 0);
	assert_int_equal(pgtable_lookup(&pt, 0x800000, &d, &level, &epa), 0);
	assert_int_equal(d.prot, dirty);
	check_pt(&pt);
	pgtable_destroy(&pt);
	mmsim_machine_free(m);
}

/* ---- damaged tables -------------------------------------------------------------------------- */

static void expect_invalid(const struct pgtable *pt, const char *what)
{
	struct mmsim_error err = { 0 };
	assert_int_equal(pgtable_validate(pt, &err), -EUCLEAN);
	if (!strstr(err.msg, what))
		fail_msg("validate said \"%s\", expected it to mention \"%s\"", err.msg, what);
}

static void test_validate_catches_damage(void **state)
{
	(void)state;
	const struct pt_format *f = pt_format_get(PTF_X86_64_4L);
	mmsim_machine *m = boot_for(f);
	struct pgtable pt, other;
	assert_int_equal(pgtable_init(&pt, mm(m), f, 0), 0);
	assert_int_equal(pgtable_init(&other, mm(m), f, 0), 0);
	uint64_t va = 0x7ffd1234a000ull, pmd_epa, pte_epa;
	assert_int_equal(pgtable_map(&pt, va, 0x1000000, 0x1000, 12, PTE_WRITE | PTE_USER, 0), 0);
	assert_int_equal(pgtable_map(&other, va, 0x1000000, 0x1000, 12, PTE_WRITE, 0), 0);
	uint64_t pmd = entry_at(&pt, va, 2, &pmd_epa), pte = entry_at(&pt, va, 3, &pte_epa);
	check_pt(&pt);

	/* A pmd entry pointing at an ordinary allocated page. */
	uint64_t pfn;
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL | MMSIM_GFP_ZERO, 0, &pfn), 0);
	pgtable_write_entry(&pt, pmd_epa, (pmd & 0xfff) | pfn << 12);
	expect_invalid(&pt, "not an allocated page-table page");
	/* ... at another pgtable's pte table. */
	uint64_t other_pmd = entry_at(&other, va, 2, NULL);
	pgtable_write_entry(&pt, pmd_epa, (pmd & 0xfff) | (other_pmd & ~0xfffull & ~(1ull << 63)));
	expect_invalid(&pt, "not an allocated page-table page");
	/* ... outside RAM: validate says so, the operations refuse without changing anything. */
	pgtable_write_entry(&pt, pmd_epa, (pmd & 0xfff) | (1ull << 45));
	expect_invalid(&pt, "inside RAM");
	struct pte_desc d;
	int level;
	assert_int_equal(pgtable_lookup(&pt, va, &d, &level, NULL), -EUCLEAN);
	assert_int_equal(pgtable_unmap(&pt, va & ~0x1fffffull, 0x200000, NULL), -EUCLEAN);
	assert_int_equal(pgtable_map(&pt, va + 0x1000, 0, 0x1000, 12, PTE_WRITE, 0), -EUCLEAN);
	assert_int_equal(pgtable_read_entry(&pt, pmd_epa), (pmd & 0xfff) | (1ull << 45));
	pgtable_write_entry(&pt, pmd_epa, pmd);
	check_pt(&pt);

	/* A reserved bit (PS in a PML4 entry). */
	uint64_t pgd_epa, pgd = entry_at(&pt, va, 0, &pgd_epa);
	pgtable_write_entry(&pt, pgd_epa, pgd | 0x80);
	expect_invalid(&pt, "reserved bit");
	pgtable_write_entry(&pt, pgd_epa, pgd);
	/* The only pte cleared behind pgtable's back: an empty table left linked. */
	pgtable_write_entry(&pt, pte_epa, 0);
	expect_invalid(&pt, "empty but still linked");
	pgtable_write_entry(&pt, pte_epa, pte);
	check_pt(&pt);
	/* Two entries pointing at the same table. */
	uint64_t pmd2_epa = pmd_epa ^ 8;
	pgtable_write_entry(&pt, pmd2_epa, pmd);
	expect_invalid(&pt, "reached twice");
	pgtable_write_entry(&pt, pmd2_epa, 0);
	check_pt(&pt);
	/* A table counted but unreachable. */
	pt.nr_tables++;
	expect_invalid(&pt, "tables reachable");
	pt.nr_tables--;
	check_pt(&pt);

	assert_int_equal(mmsim_free_pages(m, 0, pfn, 0), 0);
	pgtable_destroy(&other);
	pgtable_destroy(&pt);
	mmsim_machine_free(m);
}

/* A pgtable on a CPU or format that cannot be: -EINVAL, nothing allocated. */
static void test_init_errors(void **state)
{
	(void)state;
	const struct pt_format *f = pt_format_get(PTF_X86_64_4L);
	mmsim_machine *m = boot_for(f);
	struct mm_sys *ms = mm(m);
	struct pgtable pt;
	int64_t before = pagetables(ms);
	assert_int_equal(pgtable_init(&pt, ms, f, 2), -EINVAL);
	assert_int_equal(pgtable_init(&pt, ms, NULL, 0), -EINVAL);
	mmsim_fail_nth_alloc(m, 1);
	assert_int_equal(pgtable_init(&pt, ms, f, 0), -ENOMEM);
	const struct pt_format *a = pt_format_get(PTF_ARM64_4K_48);
	if (a) {
		mmsim_fail_nth_alloc(m, 2);	/* root[1] fails: root[0] goes back */
		assert_int_equal(pgtable_init(&pt, ms, a, 0), -ENOMEM);
	}
	mmsim_fail_nth_alloc(m, 0);
	assert_int_equal(pagetables(ms), before);
	pgtable_destroy(&pt);	/* harmless on a pgtable whose init failed */
	mmsim_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x86_64_exact),
		cmocka_unit_test(test_split_keeps_everything),
		cmocka_unit_test(test_errors_x86_64),
		cmocka_unit_test(test_errors_i386),
		cmocka_unit_test(test_arm64_roots),
		cmocka_unit_test(test_validate_catches_damage),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_fail_nth_all_formats),
		cmocka_unit_test(test_property_all_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * VMAs (src/mm/vma_tree.c, src/mm/vma.c) on booted machines, with address spaces built by
 * hand (mm_struct from the "mm_struct" cache, no task).
 *
 *  - the tree: random insertions, removals and lookups against a sorted array, validated
 *    after every operation, with 10, 1000 and 65530 VMAs; iteration both ways;
 *  - free space: vma_tree_empty_area, both ways, against a scan of every gap, on random trees
 *    (page-aligned and byte-granular VMAs, touching ones, gaps of 16 TiB and more) changed by
 *    insertions, removals and bounds updates, each validated (the recorded gaps recomputed);
 *  - split at every page of a VMA, both ways, with the file offset of the upper part;
 *  - the merge rules of vma_merge_new_range, table-driven (both sides, one side, flags,
 *    file and offset, VM_SPECIAL, anon names, anon_vmas as the reference kernel merges
 *    them: checked with probes on the development machine, see docs/vma.md);
 *  - vma_modify_flags / vma_modify_name: middle, start, end, whole, merging back;
 *  - max_map_count: the split limit and the mmap limit (65531 VMAs with the default 65530 on
 *    the reference kernel) and nothing changed on -ENOMEM;
 *  - injected page-allocation failures at every step of split, modify and link: -ENOMEM,
 *    mm_validate passes and the VMAs are exactly as before;
 *  - vm_get_page_prot for x86-64, i386 PAE and 2-level, arm64 (Linux's protection_map).
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
#include "mm/rmap.h"
#include "mm/vma.h"
#include "mm/mmzone.h"
#include "mm/slab.h"
#include "mm/page_alloc.h"
#include "fs/fs.h"
#include "arch/pgtable.h"
#include "util/rng.h"

#define PG 4096ull
#define BASE 0x10000000ull
#define DATA (VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
#define RO (VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)

/* ---- machines and address spaces ---------------------------------------------------------- */

static mmsim_machine *boot_vm(const char *const *kv)
{
	mmsim_machine *m = boot(kv);
	struct mm_sys *ms = &((struct mmsim_machine *)m)->mm;
	assert_non_null(ms->vm_area_cachep);
	assert_non_null(ms->mm_cachep);
	assert_non_null(ms->maple_node_cache);
	return m;
}

static mmsim_machine *boot_default(void)
{
	const char *kv[] = { "ram", "256M", "cpus", "2", NULL };
	return boot_vm(kv);
}

static struct mm_sys *msys(mmsim_machine *m) { return &((struct mmsim_machine *)m)->mm; }

static struct mm_struct *mm_new(struct mm_sys *ms)
{
	int err;
	struct mm_struct *mm = kmem_cache_alloc(ms, ms->mm_cachep, MMSIM_GFP_KERNEL, &err);
	assert_non_null(mm);
	memset(mm, 0, sizeof(*mm));
	vma_tree_init(&mm->mm_mt, ms);
	mm->ms = ms;
	mm->task_size = 0x7ffffffff000ull;
	mm->mm_users = 1;
	mm->mm_count = 1;
	return mm;
}

static void mm_free(struct mm_struct *mm)
{
	struct vm_area_struct *v;
	while ((v = find_vma(mm, 0)) != NULL) {
		vma_unlink(mm, v);
		vm_area_free(v);
	}
	assert_int_equal(mm->map_count, 0);
	assert_int_equal(mm->total_vm, 0);
	vma_tree_destroy(&mm->mm_mt);
	kmem_cache_free(mm->ms, mm->ms->mm_cachep, mm);
}

static void check_mm(struct mm_struct *mm)
{
	struct mmsim_error err = { 0 };
	char msg[1024];
	if (mm_validate(mm, &err) != 0) {
		mmsim_error_format(&err, msg, sizeof(msg));
		fail_msg("mm_validate: %s", msg);
	}
}

/* An unlinked VMA [start, end) with flags; anonymous unless file is given. */
static struct vm_area_struct *mk(struct mm_struct *mm, uint64_t start, uint64_t end,
				 vm_flags_t flags, struct file *file, uint64_t pgoff)
{
	int err;
	struct vm_area_struct *v = vm_area_alloc(mm, &err);
	assert_non_null(v);
	v->vm_start = start;
	v->vm_end = end;
	v->vm_flags = flags;
	v->vm_page_prot = vm_get_page_prot(mm->ms, flags);
	v->vm_file = file ? get_file(file) : NULL;
	v->vm_pgoff = file ? pgoff : start / PG;
	return v;
}

static struct vm_area_struct *add(struct mm_struct *mm, uint64_t start, uint64_t end,
				  vm_flags_t flags)
{
	struct vm_area_struct *v = mk(mm, start, end, flags, NULL, 0);
	assert_int_equal(vma_link(mm, v), 0);
	return v;
}

/*
 * Point one of the machine's caches at a fresh private cache for the length of a test, so
 * that kmem_cache_destroy at the end proves every object went back (-EBUSY otherwise).
 */
struct cache_swap {
	struct kmem_cache **slot, *saved, *mine;
};

static void swap_in(struct mm_sys *ms, struct cache_swap *cs, struct kmem_cache **slot,
		    const char *name, unsigned int size, unsigned int align, unsigned int flags)
{
	cs->slot = slot;
	cs->saved = *slot;
	assert_int_equal(kmem_cache_create(ms, name, size, align, flags, &cs->mine), 0);
	*slot = cs->mine;
}

static void swap_out(struct mm_sys *ms, struct cache_swap *cs)
{
	assert_int_equal(kmem_cache_destroy(ms, cs->mine), 0);
	*cs->slot = cs->saved;
}

/* ---- snapshots ------------------------------------------------------------------------------ */

struct vsnap {
	struct vm_area_struct *ptr;
	struct vm_area_struct v;
};

struct snap {
	int n;
	struct vsnap *e;
	uint64_t total_vm, data_vm, exec_vm, stack_vm;
	int map_count;
};

static struct snap take(struct mm_struct *mm)
{
	struct snap s = { .map_count = mm->map_count, .total_vm = mm->total_vm,
			  .data_vm = mm->data_vm, .exec_vm = mm->exec_vm, .stack_vm = mm->stack_vm };
	s.e = calloc((size_t)mm->map_count + 1, sizeof(*s.e));
	assert_non_null(s.e);
	struct vma_iterator vmi;
	struct vm_area_struct *v;
	vma_iter_init(&vmi, &mm->mm_mt, 0);
	for_each_vma(vmi, v) {
		s.e[s.n].ptr = v;
		s.e[s.n].v = *v;
		s.n++;
	}
	return s;
}

static void same(struct mm_struct *mm, struct snap *s)
{
	struct snap now = take(mm);
	assert_int_equal(now.n, s->n);
	assert_int_equal(now.map_count, s->map_count);
	assert_int_equal(now.total_vm, s->total_vm);
	assert_int_equal(now.data_vm, s->data_vm);
	assert_int_equal(now.exec_vm, s->exec_vm);
	assert_int_equal(now.stack_vm, s->stack_vm);
	for (int i = 0; i < s->n; i++) {
		assert_ptr_equal(now.e[i].ptr, s->e[i].ptr);
		assert_memory_equal(&now.e[i].v, &s->e[i].v, sizeof(struct vm_area_struct));
	}
	free(now.e);
}

/* The VMAs as "start-end" page numbers relative to BASE, e.g. "0-4 4-8". */
static void layout(struct mm_struct *mm, char *buf, size_t len)
{
	struct vma_iterator vmi;
	struct vm_area_struct *v;
	size_t n = 0;
	buf[0] = '\0';
	vma_iter_init(&vmi, &mm->mm_mt, 0);
	for_each_vma(vmi, v)
		n += (size_t)snprintf(buf + n, len - n, "%s%llu-%llu", n ? " " : "",
				      (unsigned long long)((v->vm_start - BASE) / PG),
				      (unsigned long long)((v->vm_end - BASE) / PG));
}

#define assert_layout(mm, want)                                            \
	do {                                                               \
		char _b[512];                                              \
		layout((mm), _b, sizeof(_b));                              \
		assert_string_equal(_b, (want));                           \
	} while (0)

/* ---- the tree against a reference ------------------------------------------------------ */

/*
 * The reference: VMAs sit on a grid of 4-page cells, at most one per cell (1..3 pages at
 * offset 0 or 1), so "the first VMA ending above addr" is a scan of the cells from addr's.
 */
struct ref {
	uint64_t cells, n;
	bool *used;
	struct vm_area_struct *pool;	/* [cell] */
};

#define CELL (4 * PG)

static struct vm_area_struct *ref_find(const struct ref *r, uint64_t addr, uint64_t *cell)
{
	uint64_t c = addr < BASE ? 0 : (addr - BASE) / CELL;
	for (; c < r->cells; c++)
		if (r->used[c] && r->pool[c].vm_end > addr)
			break;
	*cell = c;
	return c < r->cells ? &r->pool[c] : NULL;
}

static struct vm_area_struct *ref_prev(const struct ref *r, uint64_t cell)
{
	while (cell-- > 0)
		if (r->used[cell])
			return &r->pool[cell];
	return NULL;
}

static void check_tree(const struct vma_tree *t)
{
	struct mmsim_error err = { 0 };
	char msg[1024];
	if (vma_tree_validate(t, &err) != 0) {
		mmsim_error_format(&err, msg, sizeof(msg));
		fail_msg("vma_tree_validate: %s", msg);
	}
}

/*
 * Random insertions (about 80% while filling up to target VMAs), removals and lookups;
 * vma_tree_validate after every validate_every operations.
 */
static void tree_random(uint64_t target, uint64_t ops, uint64_t validate_every)
{
	mmsim_machine *m = boot_default();
	struct mm_sys *ms = msys(m);
	struct rng rng;
	rng_seed(&rng, 42 + target);
	struct ref r = { .cells = target * 2 };
	r.used = calloc(r.cells, sizeof(*r.used));
	r.pool = calloc(r.cells, sizeof(*r.pool));
	uint64_t *live = calloc(r.cells, sizeof(*live));	/* cells in use, any order */
	assert_true(r.used && r.pool && live);
	struct cache_swap cs;
	swap_in(ms, &cs, &ms->maple_node_cache, "test_maple_node", 256, 256, 0);
	struct vma_tree t;
	vma_tree_init(&t, ms);

	for (uint64_t op = 0; op < ops; op++) {
		uint64_t kind = rng_below(&rng, 10);
		bool filling = r.n < target && op < 2 * target;
		if ((filling && kind < 8) || (!filling && kind < 3 && r.n < target)) {
			uint64_t c = rng_below(&rng, r.cells);
			struct vm_area_struct *v = &r.pool[c];
			if (r.used[c]) {
				/* an overlapping insertion fails and changes nothing */
				struct vm_area_struct o = { .vm_start = v->vm_end - PG,
							    .vm_end = v->vm_end + PG };
				assert_int_equal(vma_tree_insert(&t, &o), -EEXIST);
			} else {
				uint64_t off = rng_below(&rng, 2), len = 1 + rng_below(&rng, 3 - off);
				v->vm_start = BASE + c * CELL + off * PG;
				v->vm_end = v->vm_start + len * PG;
				assert_int_equal(vma_tree_insert(&t, v), 0);
				r.used[c] = true;
				live[r.n++] = c;
			}
		} else if (kind < 6 && r.n) {
			uint64_t i = rng_below(&rng, r.n), c = live[i];
			vma_tree_erase(&t, &r.pool[c]);
			r.used[c] = false;
			live[i] = live[--r.n];
		} else {
			uint64_t addr = BASE + rng_below(&rng, r.cells * CELL + PG) - PG / 2, cell;
			struct vm_area_struct *want = ref_find(&r, addr, &cell);
			assert_ptr_equal(vma_tree_find(&t, addr), want);
			assert_ptr_equal(vma_tree_find_prev(&t, addr), ref_prev(&r, cell));
		}
		assert_int_equal(t.nr, r.n);
		if (op % validate_every == 0)
			check_tree(&t);
	}
	check_tree(&t);
	/* every VMA is found at its start, its last byte and in the gap before it; iteration */
	struct vma_iterator vmi;
	vma_iter_init(&vmi, &t, 0);
	uint64_t seen = 0;
	for (uint64_t c = 0; c < r.cells; c++) {
		if (!r.used[c])
			continue;
		struct vm_area_struct *v = &r.pool[c];
		assert_ptr_equal(vma_tree_find(&t, v->vm_start), v);
		assert_ptr_equal(vma_tree_find(&t, v->vm_end - 1), v);
		assert_ptr_equal(vma_tree_find(&t, v->vm_start - 1), v);
		assert_ptr_equal(vma_next(&vmi), v);
		seen++;
	}
	assert_null(vma_next(&vmi));
	assert_int_equal(seen, r.n);
	vma_iter_init(&vmi, &t, UINT64_MAX);
	for (uint64_t c = r.cells; c-- > 0;)
		if (r.used[c])
			assert_ptr_equal(vma_prev(&vmi), &r.pool[c]);
	assert_null(vma_prev(&vmi));
	/* leaves at least half full: between n/15 and n/7 leaves (plus the internal nodes) */
	uint64_t nodes = vma_tree_nodes(&t);
	assert_true(r.n == 0 || (nodes >= (r.n + 14) / 15 && nodes <= r.n / 7 + r.n / 49 + 8));
	vma_tree_destroy(&t);
	assert_int_equal(vma_tree_nodes(&t), 0);
	swap_out(ms, &cs);
	free(r.used);
	free(r.pool);
	free(live);
	mmsim_machine_free(m);
}

static void test_tree_random_10(void **state)
{
	(void)state;
	tree_random(10, 20000, 1);
}

static void test_tree_random_1000(void **state)
{
	(void)state;
	tree_random(1000, 60000, 1);
}

/* 65530 VMAs: validated every 4096 operations while filling, then after each operation. */
static void test_tree_random_65530(void **state)
{
	(void)state;
	tree_random(65530, 131060 + 300, 4096);
}

/* ---- free space: vma_tree_empty_area against a scan of the gaps ------------------------------ */

/*
 * VMA i, when live, lies inside region [reg[i], reg[i + 1]); regions are a few pages (or bytes)
 * wide, some 16 TiB or more (gaps too large for a node's 32-bit record), some VMAs touch.
 */
struct gap_ref {
	uint64_t n;
	uint64_t *reg;			/* n + 1 bounds */
	bool *live;
	struct vm_area_struct *pool;
};

/* The answer by a scan of every gap in address order (the definition in vma_tree.h). */
static int gap_scan(const struct gap_ref *g, uint64_t low, uint64_t high, uint64_t size,
		    bool topdown, uint64_t *found)
{
	uint64_t pe = 0;
	int ret = -ENOMEM;
	for (uint64_t i = 0; i <= g->n; i++) {
		if (i < g->n && !g->live[i])
			continue;
		/* the gap [pe, start), the last one unbounded above */
		uint64_t a = pe > low ? pe : low;
		uint64_t b = high;
		if (i < g->n && g->pool[i].vm_start < high)
			b = g->pool[i].vm_start;
		if (b > a && b - a >= size) {
			*found = topdown ? b - size : a;
			ret = 0;
			if (!topdown)
				return 0;
		}
		if (i < g->n)
			pe = g->pool[i].vm_end;
	}
	return ret;
}

/* A bounds pair of VMA i inside its region (page multiples when paged). */
static void gap_place(struct rng *rng, const struct gap_ref *g, uint64_t i, bool paged,
		      uint64_t *start, uint64_t *end)
{
	uint64_t lo = g->reg[i], w = g->reg[i + 1] - lo, unit = paged ? PG : 1;
	uint64_t units = w / unit;			/* at least 1 */
	uint64_t off = rng_below(rng, 3) ? rng_below(rng, units) : 0;
	uint64_t len = 1 + rng_below(rng, units - off);
	if (rng_below(rng, 4) == 0)
		len = units - off;			/* touches the next region */
	*start = lo + off * unit;
	*end = *start + len * unit;
}

/* An address near a bound of a VMA or a region, or anywhere. */
static uint64_t gap_addr(struct rng *rng, const struct gap_ref *g)
{
	uint64_t i = rng_below(rng, g->n), d = rng_below(rng, 3) * (rng_below(rng, 2) ? PG : 1);
	switch (rng_below(rng, 6)) {
	case 0: return g->pool[i].vm_start - d;
	case 1: return g->pool[i].vm_end + d;
	case 2: return g->reg[i] + d;
	case 3: return rng_below(rng, g->reg[g->n] + 16 * PG);
	case 4: return rng_below(rng, 2) ? 0 : UINT64_MAX - d;
	default: return g->pool[i].vm_start + d;
	}
}

/* A size: a few pages or bytes, the size of a gap give or take one, or very large. */
static uint64_t gap_size(struct rng *rng, const struct gap_ref *g)
{
	uint64_t i = 1 + rng_below(rng, g->n - 1u);
	switch (rng_below(rng, 5)) {
	case 0: return 1 + rng_below(rng, 4 * PG);
	case 1: return PG * (1 + rng_below(rng, 4));
	case 2: {
		uint64_t gap = g->pool[i].vm_start - g->pool[i - 1u].vm_end;
		if (!g->live[i] || !g->live[i - 1u] || g->pool[i].vm_start < g->pool[i - 1u].vm_end)
			gap = PG;
		gap = gap + 1 - rng_below(rng, 3);
		return gap ? gap : 1;
	}
	case 3: return (1ull << 44) - PG + rng_below(rng, 3) * PG;
	default: return 1 + rng_below(rng, 1ull << 47);
	}
}

/*
 * Random insertions, removals and bounds changes on a tree of up to n VMAs, validated (the
 * recorded gaps recomputed) after every change; after each, queries in both directions whose
 * answers must equal the scan's.
 */
static void empty_area_random(uint64_t n, uint64_t ops, bool paged, uint64_t seed)
{
	mmsim_machine *m = boot_default();
	struct mm_sys *ms = msys(m);
	struct rng rng;
	rng_seed(&rng, seed);
	struct gap_ref g = { .n = n };
	g.reg = calloc(n + 1, sizeof(*g.reg));
	g.live = calloc(n, sizeof(*g.live));
	g.pool = calloc(n, sizeof(*g.pool));
	assert_true(g.reg && g.live && g.pool);
	uint64_t unit = paged ? PG : 1;
	uint64_t a = rng_below(&rng, 2) ? 0 : unit * (1 + rng_below(&rng, 8));
	for (uint64_t i = 0; i <= n; i++) {
		g.reg[i] = a;
		uint64_t r = rng_below(&rng, 64);
		a += r == 0 ? (1ull << 44) + unit * rng_below(&rng, 1ull << 20)
			    : unit * (1 + rng_below(&rng, r < 8 ? 1 : 6));
	}
	struct cache_swap cs;
	swap_in(ms, &cs, &ms->maple_node_cache, "test_maple_node", 256, 256, 0);
	struct vma_tree t;
	vma_tree_init(&t, ms);
	uint64_t found = 0, want = 0, answered = 0;

	for (uint64_t op = 0; op < ops; op++) {
		uint64_t i = rng_below(&rng, n), start, end;
		struct vm_area_struct *v = &g.pool[i];
		uint64_t kind = rng_below(&rng, 10);
		gap_place(&rng, &g, i, paged, &start, &end);
		if (!g.live[i] && kind < 6) {
			v->vm_start = start;
			v->vm_end = end;
			assert_int_equal(vma_tree_insert(&t, v), 0);
			g.live[i] = true;
		} else if (g.live[i] && kind < 3) {
			vma_tree_erase(&t, v);
			g.live[i] = false;
		} else if (g.live[i]) {
			vma_tree_update(&t, v, start, end);
			assert_int_equal(v->vm_start, start);
			assert_int_equal(v->vm_end, end);
		}
		check_tree(&t);
		for (int q = 0; q < 8; q++) {
			uint64_t low = gap_addr(&rng, &g), high = gap_addr(&rng, &g);
			if (rng_below(&rng, 4) == 0) {
				low = 0;
				high = UINT64_MAX;
			}
			if (low > high && rng_below(&rng, 8)) {
				uint64_t x = low;
				low = high;
				high = x;
			}
			uint64_t size = gap_size(&rng, &g);
			bool down = rng_below(&rng, 2);
			int ret = vma_tree_empty_area(&t, low, high, size, down, &found);
			int exp = gap_scan(&g, low, high, size, down, &want);
			if (ret != exp || (ret == 0 && found != want))
				fail_msg("op %llu: [%#llx, %#llx) size %#llx %s: %d %#llx, "
					 "the scan says %d %#llx", (unsigned long long)op,
					 (unsigned long long)low, (unsigned long long)high,
					 (unsigned long long)size, down ? "top-down" : "bottom-up",
					 ret, (unsigned long long)found, exp,
					 (unsigned long long)want);
			answered += ret == 0;
		}
	}
	/* both outcomes happened; size 0 is refused */
	assert_true(answered > ops && answered < 7 * ops);
	assert_int_equal(vma_tree_empty_area(&t, 0, UINT64_MAX, 0, false, &found), -EINVAL);
	vma_tree_destroy(&t);
	swap_out(ms, &cs);
	free(g.reg);
	free(g.live);
	free(g.pool);
	mmsim_machine_free(m);
}

static void test_empty_area_small(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 40; seed++)
		empty_area_random(3 + seed % 20, 400, seed & 1, seed);
}

static void test_empty_area_paged(void **state)
{
	(void)state;
	empty_area_random(3000, 6000, true, 7);
}

static void test_empty_area_bytes(void **state)
{
	(void)state;
	empty_area_random(3000, 6000, false, 8);
}

/* Iterators from every position: next then prev, prev then next, past both ends. */
static void test_tree_iter(void **state)
{
	(void)state;
	mmsim_machine *m = boot_default();
	struct vma_tree t;
	vma_tree_init(&t, msys(m));
	enum { N = 100 };
	struct vm_area_struct v[N];
	memset(v, 0, sizeof(v));
	struct vma_iterator vmi;
	vma_iter_init(&vmi, &t, 0);
	assert_null(vma_next(&vmi));
	assert_null(vma_prev(&vmi));
	for (int i = 0; i < N; i++) {
		v[i].vm_start = BASE + (uint64_t)i * 3 * PG;
		v[i].vm_end = v[i].vm_start + 2 * PG;
		assert_int_equal(vma_tree_insert(&t, &v[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		for (uint64_t d = 0; d < 3; d++) {
			uint64_t addr = v[i].vm_start + d * PG;
			int first = d < 2 ? i : i + 1;		/* first VMA ending above addr */
			vma_iter_init(&vmi, &t, addr);
			assert_ptr_equal(vma_next(&vmi), first < N ? &v[first] : NULL);
			if (first < N) {
				assert_ptr_equal(vma_prev(&vmi), first ? &v[first - 1] : NULL);
			}
			vma_iter_init(&vmi, &t, addr);
			assert_ptr_equal(vma_prev(&vmi), first ? &v[first - 1] : NULL);
			assert_ptr_equal(vma_next(&vmi), first < N ? &v[first] : NULL);
		}
	}
	vma_iter_init(&vmi, &t, 0);
	for (int i = 0; i < N; i++)
		assert_ptr_equal(vma_next(&vmi), &v[i]);
	assert_null(vma_next(&vmi));
	assert_null(vma_next(&vmi));
	assert_ptr_equal(vma_prev(&vmi), &v[N - 1]);
	for (int i = N - 2; i >= 0; i--)
		assert_ptr_equal(vma_prev(&vmi), &v[i]);
	assert_null(vma_prev(&vmi));
	assert_null(vma_prev(&vmi));
	assert_ptr_equal(vma_next(&vmi), &v[0]);
	/* update: grow and shrink in place, move within the gap */
	vma_tree_update(&t, &v[10], v[10].vm_start - PG, v[10].vm_end + PG);
	check_tree(&t);
	assert_ptr_equal(vma_tree_find(&t, v[9].vm_end), &v[10]);
	v[20].vm_start += PG;	/* the caller wrote the new bounds first */
	v[20].vm_end += PG;
	vma_tree_update(&t, &v[20], v[20].vm_start, v[20].vm_end);
	check_tree(&t);
	assert_ptr_equal(vma_tree_find(&t, v[20].vm_end - 1), &v[20]);
	for (int i = 0; i < N; i += 2)
		vma_tree_erase(&t, &v[i]);
	check_tree(&t);
	assert_int_equal(t.nr, N / 2);
	vma_tree_destroy(&t);
	mmsim_machine_free(m);
}

/* vma_tree_preallocate(n) makes n insertions succeed with every page allocation failing. */
static void test_tree_preallocate(void **state)
{
	(void)state;
	mmsim_machine *m = boot_default();
	struct mm_sys *ms = msys(m);
	struct cache_swap cs;
	swap_in(ms, &cs, &ms->maple_node_cache, "test_maple_node", 256, 256, 0);
	struct vma_tree t;
	vma_tree_init(&t, ms);
	enum { N = 3000 };
	struct vm_area_struct *v = calloc(N, sizeof(*v));
	assert_non_null(v);
	for (int i = 0; i < N; i++) {
		v[i].vm_start = BASE + (uint64_t)i * 2 * PG;
		v[i].vm_end = v[i].vm_start + PG;
	}
	for (int i = 0; i < N; i += 8) {
		assert_int_equal(vma_tree_preallocate(&t, 8), 0);
		uint64_t before = vma_tree_nodes(&t);	/* tree and spares */
		for (int j = i; j < i + 8; j++)
			assert_int_equal(vma_tree_insert(&t, &v[j]), 0);
		/* the insertions took spare nodes only */
		assert_int_equal(vma_tree_nodes(&t), before);
		check_tree(&t);
	}
	uint64_t with_spares = vma_tree_nodes(&t);
	assert_int_equal(vma_tree_preallocate(&t, 0), 0);
	assert_true(vma_tree_nodes(&t) < with_spares);
	check_tree(&t);
	vma_tree_destroy(&t);
	swap_out(ms, &cs);
	free(v);
	mmsim_machine_free(m);
}

/* ---- lookup, link, counters ----------------------------------------------------------------- */

static void test_lookup_and_counters(void **state)
{
	(void)state;
	mmsim_machine *m = boot_default();
	struct mm_struct *mm = mm_new(msys(m));
	struct vm_area_struct *a = add(mm, BASE, BASE + 4 * PG, DATA);
	struct vm_area_struct *b = add(mm, BASE + 8 * PG, BASE + 10 * PG, RO | VM_EXEC);
	struct vm_area_struct *c = add(mm, BASE + 20 * PG, BASE + 24 * PG, DATA | VM_GROWSDOWN);
	check_mm(mm);
	assert_int_equal(mm->map_count, 3);
	assert_int_equal(mm->total_vm, 10);
	assert_int_equal(mm->data_vm, 4);
	assert_int_equal(mm->exec_vm, 2);
	assert_int_equal(mm->stack_vm, 4);
	struct vm_area_struct *prev;
	assert_ptr_equal(find_vma(mm, 0), a);
	assert_ptr_equal(find_vma(mm, BASE + 4 * PG), b);
	assert_null(find_vma(mm, BASE + 24 * PG));
	assert_ptr_equal(find_vma_prev(mm, BASE + 5 * PG, &prev), b);
	assert_ptr_equal(prev, a);
	assert_null(find_vma_prev(mm, BASE + 30 * PG, &prev));
	assert_ptr_equal(prev, c);
	assert_ptr_equal(find_vma_prev(mm, BASE, &prev), a);
	assert_null(prev);
	assert_null(vma_lookup(mm, BASE + 4 * PG));
	assert_ptr_equal(vma_lookup(mm, BASE + 9 * PG), b);
	assert_null(find_vma_intersection(mm, BASE + 4 * PG, BASE + 8 * PG));
	assert_ptr_equal(find_vma_intersection(mm, BASE + 4 * PG, BASE + 8 * PG + 1), b);
	/* an overlapping link fails and changes nothing */
	struct snap s = take(mm);
	struct vm_area_struct *o = mk(mm, BASE + 3 * PG, BASE + 5 * PG, DATA, NULL, 0);
	assert_int_equal(vma_link(mm, o), -EEXIST);
	same(mm, &s);
	vm_area_free(o);
	free(s.e);
	/* vma_set_range: counters follow */
	vma_set_range(a, BASE + PG, BASE + 6 * PG, (BASE + PG) / PG);
	assert_int_equal(mm->total_vm, 11);
	assert_int_equal(mm->data_vm, 5);
	check_mm(mm);
	/* mm_validate notices a wrong counter and a bad VMA */
	struct mmsim_error err = { 0 };
	mm->data_vm++;
	assert_int_equal(mm_validate(mm, &err), -EUCLEAN);
	mm->data_vm--;
	b->vm_flags &= ~VM_MAYEXEC;
	assert_int_equal(mm_validate(mm, &err), -EUCLEAN);
	b->vm_flags |= VM_MAYEXEC;
	b->vm_page_prot ^= PTE_UXN;
	assert_int_equal(mm_validate(mm, &err), -EUCLEAN);
	b->vm_page_prot ^= PTE_UXN;
	mm->map_count++;
	assert_int_equal(mm_validate(mm, &err), -EUCLEAN);
	mm->map_count--;
	check_mm(mm);
	mm_free(mm);
	mmsim_machine_free(m);
}

/* ---- split -------------------------------------------------------------------------------- */

static void test_split_every_position(void **state)
{
	(void)state;
	mmsim_machine *m = boot_default();
	struct mm_struct *mm = mm_new(msys(m));
	struct file f = { .f_count = 1 };
	for (int below = 0; below < 2; below++) {
		for (uint64_t at = 1; at < 16; at++) {
			struct vm_area_struct *v = mk(mm, BASE, BASE + 16 * PG, RO, &f, 100);
			assert_int_equal(vma_link(mm, v), 0);
			assert_int_equal(f.f_count, 2);
			assert_int_equal(split_vma(mm, v, BASE + at * PG, below), 0);
			check_mm(mm);
			assert_int_equal(mm->map_count, 2);
			assert_int_equal(mm->total_vm, 16);
			assert_int_equal(f.f_count, 3);
			struct vm_area_struct *lo = vma_lookup(mm, BASE), *hi = vma_lookup(mm, BASE + at * PG);
			assert_ptr_equal(below ? hi : lo, v);	/* the old object keeps the other part */
			assert_int_equal(lo->vm_end, BASE + at * PG);
			assert_int_equal(hi->vm_start, BASE + at * PG);
			assert_int_equal(hi->vm_end, BASE + 16 * PG);
			assert_int_equal(lo->vm_pgoff, 100);
			assert_int_equal(hi->vm_pgoff, 100 + at);
			assert_int_equal(lo->vm_flags, hi->vm_flags);
			assert_ptr_equal(lo->vm_file, hi->vm_file);
			vma_unlink(mm, lo);
			vm_area_free(lo);
			vma_unlink(mm, hi);
			vm_area_free(hi);
			assert_int_equal(f.f_count, 1);
		}
	}
	/* not strictly inside, not aligned */
	struct vm_area_struct *v = add(mm, BASE, BASE + 4 * PG, DATA);
	assert_int_equal(split_vma(mm, v, BASE, 0), -EINVAL);
	assert_int_equal(split_vma(mm, v, BASE + 4 * PG, 0), -EINVAL);
	assert_int_equal(split_vma(mm, v, BASE + 100, 1), -EINVAL);
	check_mm(mm);
	mm_free(mm);
	mmsim_machine_free(m);
}

/* ---- merge rules ---------------------------------------------------------------------------- */

enum { M_NONE, M_PREV, M_NEXT, M_BOTH };

struct merge_case {
	const char *what;
	vm_flags_t prev_flags, next_flags, new_flags;
	int file;			/* 0: anonymous; 1: prev, next and new map one file */
	int64_t next_pgoff_skew;	/* pages added to next's continuous offset */
	int prev_name, next_name, new_name;	/* 0: none, else the name "n<k>" */
	int prev_anon, next_anon, new_anon;	/* 0: none, else anon_vma #k */
	bool no_prev, no_next;
	int want;
	const char *layout;
};

static const struct merge_case merge_cases[] = {
	{ "both sides", DATA, DATA, DATA, 0, 0, 0, 0, 0, 0, 0, 0, false, false, M_BOTH, "0-12" },
	{ "only prev (next differs)", DATA, RO, DATA, 0, 0, 0, 0, 0, 0, 0, 0, false, false, M_PREV,
	  "0-8 8-12" },
	{ "only next (prev differs)", RO, DATA, DATA, 0, 0, 0, 0, 0, 0, 0, 0, false, false, M_NEXT,
	  "0-4 4-12" },
	{ "flags differ from both", RO, RO, DATA, 0, 0, 0, 0, 0, 0, 0, 0, false, false, M_NONE,
	  "0-4 4-8 8-12" },
	{ "soft-dirty and guard marks do not matter", DATA | VM_SOFTDIRTY, DATA | VM_MAYBE_GUARD,
	  DATA, 0, 0, 0, 0, 0, 0, 0, 0, false, false, M_BOTH, "0-12" },
	{ "VM_LOCKED differs", DATA | VM_LOCKED, DATA, DATA, 0, 0, 0, 0, 0, 0, 0, 0, false, false,
	  M_NEXT, "0-4 4-12" },
	{ "file, continuous offsets", RO, RO, RO, 1, 0, 0, 0, 0, 0, 0, 0, false, false, M_BOTH,
	  "0-12" },
	{ "file, next's offset discontinuous", RO, RO, RO, 1, 1, 0, 0, 0, 0, 0, 0, false, false,
	  M_PREV, "0-8 8-12" },
	{ "VM_SPECIAL (VM_IO) never merges", DATA | VM_IO, DATA | VM_IO, DATA | VM_IO, 0, 0, 0, 0,
	  0, 0, 0, 0, false, false, M_NONE, "0-4 4-8 8-12" },
	{ "VM_PFNMAP never merges", DATA | VM_PFNMAP, DATA | VM_PFNMAP, DATA | VM_PFNMAP, 0, 0, 0,
	  0, 0, 0, 0, 0, false, false, M_NONE, "0-4 4-8 8-12" },
	{ "anon name differs from next", DATA, DATA, DATA, 0, 0, 1, 2, 1, 0, 0, 0, false, false,
	  M_PREV, "0-8 8-12" },
	{ "same anon name text, other objects", DATA, DATA, DATA, 0, 0, 3, 4, 4, 0, 0, 0, false,
	  false, M_BOTH, "0-12" },
	{ "anon name on all three", DATA, DATA, DATA, 0, 0, 1, 1, 1, 0, 0, 0, false, false, M_BOTH,
	  "0-12" },
	{ "prev and next with different anon_vmas", DATA, DATA, DATA, 0, 0, 0, 0, 0, 1, 2, 0,
	  false, false, M_PREV, "0-8 8-12" },
	{ "prev faulted, next not", DATA, DATA, DATA, 0, 0, 0, 0, 0, 1, 0, 0, false, false, M_BOTH,
	  "0-12" },
	{ "range's anon_vma differs from prev's", DATA, DATA, DATA, 0, 0, 0, 0, 0, 1, 0, 2, false,
	  false, M_NEXT, "0-4 4-12" },
	{ "no prev", DATA, DATA, DATA, 0, 0, 0, 0, 0, 0, 0, 0, true, false, M_NEXT, "4-12" },
	{ "no next", DATA, DATA, DATA, 0, 0, 0, 0, 0, 0, 0, 0, false, true, M_PREV, "0-8" },
	{ "neither", DATA, DATA, DATA, 0, 0, 0, 0, 0, 0, 0, 0, true, true, M_NONE, "4-8" },
};

static struct anon_vma_name *mkname(struct mm_sys *ms, const char *text)
{
	int err;
	struct anon_vma_name *n = kmalloc(ms, sizeof(*n) + strlen(text) + 1, MMSIM_GFP_KERNEL, &err);
	assert_non_null(n);
	n->refcount = 1;
	strcpy(n->name, text);
	return n;
}

static void test_merge_new_range(void **state)
{
	(void)state;
	mmsim_machine *m = boot_default();
	struct mm_sys *ms = msys(m);
	for (size_t i = 0; i < sizeof(merge_cases) / sizeof(merge_cases[0]); i++) {
		const struct merge_case *c = &merge_cases[i];
		struct cache_swap cs;
		swap_in(ms, &cs, &ms->vm_area_cachep, "test_vm_area", 192, 0, SLAB_HWCACHE_ALIGN);
		struct mm_struct *mm = mm_new(ms);
		/*
		 * distinct anon_vmas #1..#3: each prepared for a VMA of another mm, far apart (so
		 * none is reused); prev, next and the range chain to them with dup_anon_vma
		 */
		struct mm_struct *mm2 = mm_new(ms);
		struct vm_area_struct *owner[4] = { NULL };
		for (int k = 1; k < 4; k++) {
			owner[k] = mk(mm2, BASE + (uint64_t)k * 64 * PG, BASE + ((uint64_t)k * 64 + 1) * PG,
				      DATA, NULL, 0);
			assert_int_equal(vma_link(mm2, owner[k]), 0);
			assert_int_equal(anon_vma_prepare(owner[k]), 0);
		}
		struct file f = { .f_count = 1 };
		struct file *file = c->file ? &f : NULL;
		/* names: 1 and 2 differ, 3 and 4 are different objects with the same text as 1 */
		struct anon_vma_name *names[5] = { NULL, mkname(ms, "n1"), mkname(ms, "n2"),
						   mkname(ms, "n3"), mkname(ms, "n3") };
		struct vm_area_struct *prev = NULL, *next = NULL;
		if (!c->no_prev) {
			prev = mk(mm, BASE, BASE + 4 * PG, c->prev_flags, file, 10);
			prev->anon_name = names[c->prev_name];
			if (prev->anon_name)
				prev->anon_name->refcount++;
			if (c->prev_anon)
				assert_int_equal(dup_anon_vma(prev, owner[c->prev_anon]), 0);
			assert_int_equal(vma_link(mm, prev), 0);
			if (prev->vm_flags & VM_LOCKED)
				mm->locked_vm += 4;	/* mlock's part */
		}
		if (!c->no_next) {
			next = mk(mm, BASE + 8 * PG, BASE + 12 * PG, c->next_flags, file,
				  (uint64_t)(18 + c->next_pgoff_skew));
			next->anon_name = names[c->next_name];
			if (next->anon_name)
				next->anon_name->refcount++;
			if (c->next_anon)
				assert_int_equal(dup_anon_vma(next, owner[c->next_anon]), 0);
			assert_int_equal(vma_link(mm, next), 0);
		}
		check_mm(mm);
		int count0 = mm->map_count;
		struct vma_merge_struct vmg = {
			.mm = mm, .prev = prev, .next = next,
			.start = BASE + 4 * PG, .end = BASE + 8 * PG,
			.pgoff = file ? 14 : (BASE + 4 * PG) / PG,
			.flags = c->new_flags, .file = file,
			.anon_vma = c->new_anon ? owner[c->new_anon]->anon_vma : NULL,
			.anon_name = names[c->new_name],
		};
		struct vm_area_struct *got = vma_merge_new_range(&vmg);
		if (c->want == M_NONE) {
			assert_null(got);
			assert_int_equal(vmg.state, VMA_MERGE_NOMERGE);
			/* the caller maps the range itself */
			struct vm_area_struct *v = mk(mm, vmg.start, vmg.end, c->new_flags, file, 14);
			v->anon_name = names[c->new_name];
			if (v->anon_name)
				v->anon_name->refcount++;
			assert_int_equal(vma_link(mm, v), 0);
		} else {
			assert_ptr_equal(got, c->want == M_NEXT ? next : prev);
			assert_int_equal(vmg.state, VMA_MERGE_SUCCESS);
			assert_non_null(vma_lookup(mm, BASE + 4 * PG));
			assert_ptr_equal(vma_lookup(mm, BASE + 4 * PG), got);
			assert_ptr_equal(vma_lookup(mm, BASE + 8 * PG - 1), got);
			/* both: next left the tree (and was freed: swap_out below finds no object) */
			assert_int_equal(mm->map_count, count0 - (c->want == M_BOTH ? 1 : 0));
			if (c->want == M_BOTH && c->file)
				assert_int_equal(f.f_count, 2);	/* next's reference dropped */
			if (c->want == M_BOTH && c->prev_anon + c->next_anon)
				assert_non_null(got->anon_vma);
		}
		if (c->want == M_BOTH && (c->prev_flags | c->next_flags) & VM_MAYBE_GUARD)
			assert_true(got->vm_flags & VM_MAYBE_GUARD);	/* sticky */
		assert_layout(mm, c->layout);
		if (!c->no_prev && !c->no_next)
			assert_int_equal(mm->total_vm, 12);
		check_mm(mm);
		mm_free(mm);
		mm_free(mm2);
		swap_out(ms, &cs);
		for (int k = 1; k < 5; k++) {
			assert_int_equal(names[k]->refcount, 1);
			kfree(ms, names[k]);
		}
		if (c->file)
			assert_int_equal(f.f_count, 1);
	}
	mmsim_machine_free(m);
}

/* ---- modify --------------------------------------------------------------------------------- */

static struct vm_area_struct *modify(struct mm_struct *mm, uint64_t start, uint64_t end,
				     vm_flags_t flags)
{
	struct vm_area_struct *prev;
	struct vm_area_struct *vma = find_vma_prev(mm, start, &prev);
	assert_non_null(vma);
	int err = 1;
	struct vm_area_struct *got = vma_modify_flags(mm, prev, vma, start, end, flags, &err);
	assert_non_null(got);
	assert_int_equal(err, 0);
	assert_true(got->vm_start <= start && got->vm_end >= end);
	assert_int_equal(got->vm_flags, flags);
	assert_int_equal(got->vm_page_prot, vm_get_page_prot(mm->ms, flags));
	check_mm(mm);
	return got;
}

static void test_modify_flags(void **state)
{
	(void)state;
	mmsim_machine *m = boot_default();
	struct mm_struct *mm = mm_new(msys(m));
	struct vm_area_struct *v = add(mm, BASE, BASE + 12 * PG, DATA);
	/* middle: three VMAs; data_vm follows the flags */
	modify(mm, BASE + 4 * PG, BASE + 8 * PG, RO);
	assert_layout(mm, "0-4 4-8 8-12");
	assert_int_equal(mm->data_vm, 8);
	assert_int_equal(mm->total_vm, 12);
	assert_ptr_equal(vma_lookup(mm, BASE + 4 * PG), v);	/* the object keeps the range */
	/* restoring merges all three back */
	struct vm_area_struct *got = modify(mm, BASE + 4 * PG, BASE + 8 * PG, DATA);
	assert_layout(mm, "0-12");
	assert_int_equal(got->vm_start, BASE);
	assert_int_equal(got->vm_pgoff, BASE / PG);
	assert_int_equal(mm->data_vm, 12);
	/* start, end */
	modify(mm, BASE, BASE + 3 * PG, RO);
	assert_layout(mm, "0-3 3-12");
	modify(mm, BASE + 10 * PG, BASE + 12 * PG, RO);
	assert_layout(mm, "0-3 3-10 10-12");
	/* the start of the middle one to prev's flags: prev grows, middle shrinks */
	got = modify(mm, BASE + 3 * PG, BASE + 5 * PG, RO);
	assert_layout(mm, "0-5 5-10 10-12");
	assert_int_equal(got->vm_start, BASE);
	/* the end of the middle one to next's flags: next grows */
	got = modify(mm, BASE + 8 * PG, BASE + 10 * PG, RO);
	assert_layout(mm, "0-5 5-8 8-12");
	assert_int_equal(got->vm_end, BASE + 12 * PG);
	assert_int_equal(got->vm_pgoff, (BASE + 8 * PG) / PG);
	/* the whole middle one: all three merge */
	got = modify(mm, BASE + 5 * PG, BASE + 8 * PG, RO);
	assert_layout(mm, "0-12");
	assert_int_equal(mm->data_vm, 0);
	/* the whole VMA, no neighbours */
	got = modify(mm, BASE, BASE + 12 * PG, RO | VM_EXEC);
	assert_layout(mm, "0-12");
	assert_int_equal(mm->exec_vm, 12);
	/* a VM_SPECIAL range splits and never merges; made ordinary again, it merges */
	modify(mm, BASE + 4 * PG, BASE + 8 * PG, RO | VM_EXEC | VM_IO);
	assert_layout(mm, "0-4 4-8 8-12");
	modify(mm, BASE + 8 * PG, BASE + 12 * PG, RO | VM_EXEC | VM_IO);
	assert_layout(mm, "0-4 4-8 8-12");
	modify(mm, BASE + 4 * PG, BASE + 8 * PG, RO | VM_EXEC);
	assert_layout(mm, "0-8 8-12");
	modify(mm, BASE + 8 * PG, BASE + 12 * PG, RO | VM_EXEC);
	assert_layout(mm, "0-12");
	/* bad ranges */
	int err;
	struct vm_area_struct *prev;
	v = find_vma_prev(mm, BASE, &prev);
	assert_null(vma_modify_flags(mm, prev, v, BASE + 8 * PG, BASE + 13 * PG, DATA, &err));
	assert_int_equal(err, -EINVAL);
	assert_null(vma_modify_flags(mm, prev, v, BASE + 1, BASE + 2 * PG, DATA, &err));
	assert_int_equal(err, -EINVAL);
	check_mm(mm);
	mm_free(mm);
	mmsim_machine_free(m);
}

static void test_modify_name(void **state)
{
	(void)state;
	mmsim_machine *m = boot_default();
	struct mm_sys *ms = msys(m);
	struct mm_struct *mm = mm_new(ms);
	add(mm, BASE, BASE + 12 * PG, DATA);
	struct anon_vma_name *a = mkname(ms, "heap"), *b = mkname(ms, "heap");
	struct vm_area_struct *prev, *v = find_vma_prev(mm, BASE + 4 * PG, &prev);
	int err;
	struct vm_area_struct *got = vma_modify_name(mm, prev, v, BASE + 4 * PG, BASE + 8 * PG, a, &err);
	assert_non_null(got);
	assert_ptr_equal(got->anon_name, a);
	assert_int_equal(a->refcount, 2);
	assert_layout(mm, "0-4 4-8 8-12");
	/* the same text in another object is the same name: the right part merges */
	v = find_vma_prev(mm, BASE + 8 * PG, &prev);
	got = vma_modify_name(mm, prev, v, BASE + 8 * PG, BASE + 12 * PG, b, &err);
	assert_non_null(got);
	assert_layout(mm, "0-4 4-12");
	assert_int_equal(b->refcount, 1);		/* kept a's object */
	/* clearing merges everything */
	v = find_vma_prev(mm, BASE + 4 * PG, &prev);
	got = vma_modify_name(mm, prev, v, BASE + 4 * PG, BASE + 12 * PG, NULL, &err);
	assert_non_null(got);
	assert_layout(mm, "0-12");
	assert_int_equal(a->refcount, 1);
	check_mm(mm);
	kfree(ms, a);
	kfree(ms, b);
	mm_free(mm);
	mmsim_machine_free(m);
}

/* ---- limits and failures -------------------------------------------------------------------- */

static void test_map_count_limit(void **state)
{
	(void)state;
	mmsim_machine *m = boot_default();
	struct mm_sys *ms = msys(m);
	struct mm_struct *mm = mm_new(ms);
	ms->sysctl.max_map_count = 4;
	for (int i = 0; i < 4; i++)
		add(mm, BASE + (uint64_t)i * 16 * PG, BASE + (uint64_t)i * 16 * PG + 8 * PG, DATA);
	/* do_mmap refuses only above the limit: a fifth VMA is allowed (65531 of 65530 on the host) */
	struct vm_area_struct *v5 = mk(mm, BASE + 100 * PG, BASE + 108 * PG, RO, NULL, 0);
	assert_int_equal(vma_link(mm, v5), 0);
	struct vm_area_struct *v6 = mk(mm, BASE + 200 * PG, BASE + 208 * PG, RO, NULL, 0);
	assert_int_equal(vma_link(mm, v6), -ENOMEM);
	vm_area_free(v6);
	vma_unlink(mm, v5);
	vm_area_free(v5);
	/* __split_vma: map_count >= max_map_count */
	struct snap s = take(mm);
	struct vm_area_struct *prev, *v = find_vma_prev(mm, BASE + 2 * PG, &prev);
	assert_int_equal(split_vma(mm, v, BASE + 2 * PG, 0), -ENOMEM);
	same(mm, &s);
	int err;
	assert_null(vma_modify_flags(mm, prev, v, BASE + 2 * PG, BASE + 8 * PG, RO, &err));
	assert_int_equal(err, -ENOMEM);
	same(mm, &s);
	/* one below the limit: one split goes, the middle (two splits) does not */
	ms->sysctl.max_map_count = 5;
	assert_null(vma_modify_flags(mm, prev, v, BASE + 2 * PG, BASE + 4 * PG, RO, &err));
	assert_int_equal(err, -ENOMEM);
	same(mm, &s);
	free(s.e);
	assert_non_null(vma_modify_flags(mm, prev, v, BASE + 2 * PG, BASE + 8 * PG, RO, &err));
	assert_int_equal(mm->map_count, 5);
	check_mm(mm);
	mm_free(mm);
	mmsim_machine_free(m);
}

typedef int (*op_fn)(struct mm_struct *mm);

static int op_split(struct mm_struct *mm)
{
	struct vm_area_struct *v = vma_lookup(mm, BASE + 5000 * PG);
	return split_vma(mm, v, BASE + 5002 * PG, 1);
}

static int op_modify_middle(struct mm_struct *mm)
{
	struct vm_area_struct *prev, *v = find_vma_prev(mm, BASE + 6001 * PG, &prev);
	int err;
	return vma_modify_flags(mm, prev, v, BASE + 6001 * PG, BASE + 6002 * PG, RO, &err) ? 0 : err;
}

static int op_link(struct mm_struct *mm)
{
	int err;
	struct vm_area_struct *v = vm_area_alloc(mm, &err);
	if (!v)
		return err;
	v->vm_start = BASE + 7000 * PG + PG;
	v->vm_end = v->vm_start + PG;
	v->vm_flags = DATA;
	v->vm_page_prot = vm_get_page_prot(mm->ms, DATA);
	v->vm_pgoff = v->vm_start / PG;
	err = vma_link(mm, v);
	if (err)
		vm_area_free(v);
	return err;
}

/*
 * Out of memory at every step of an operation: take every free page, then give them back
 * one at a time and retry until the operation succeeds. Every failure must be -ENOMEM with
 * the address space exactly as before and valid. (mmsim_fail_nth_alloc fails one page
 * allocation, which a slab allocation survives: allocate_slab retries at the minimum order,
 * as Linux does; so the failures here come from a machine that really has no page.)
 */
static void fail_nth_one(op_fn op, uint64_t last)
{
	mmsim_machine *m = boot_default();
	struct mm_sys *ms = msys(m);
	struct mm_struct *mm = mm_new(ms);
	/*
	 * One-page VMAs of alternating flags from page 4000 to last; 4-page VMAs at 5000 and
	 * 6000, a hole at 7001. With last 8000 the tree has three levels; with last 4015 its
	 * 15 VMAs fill the root leaf, so a link needs two new nodes.
	 */
	for (uint64_t i = 4000; i < last; i++) {
		if ((i >= 5001 && i < 5004) || (i >= 6001 && i < 6004) || i == 7001)
			continue;
		uint64_t len = i == 5000 || i == 6000 ? 4 : 1;
		add(mm, BASE + i * PG, BASE + (i + len) * PG, i % 2 ? DATA : RO);
	}
	check_mm(mm);
	size_t cap = 1 << 17, n = 0;
	uint64_t *pfns = malloc(cap * sizeof(*pfns));
	bool check = ms->check;
	ms->check = false;	/* the page allocator's own checks after each of 60000 pages */
	assert_non_null(pfns);
	uint64_t pfn;
	for (bool more = true; more;) {
		more = false;
		drain_all_pages(ms);	/* the per-CPU lists' pages too */
		while (mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL, 0, &pfn) == 0) {
			assert_true(n < cap);
			pfns[n++] = pfn;
			more = true;
		}
	}
	/* and every free object of the two caches the operations use */
	size_t ocap = 4096, no = 0;
	struct {
		struct kmem_cache *s;
		void *obj;
	} *objs = malloc(ocap * sizeof(*objs));
	assert_non_null(objs);
	struct kmem_cache *caches[2] = { ms->vm_area_cachep, ms->maple_node_cache };
	for (int k = 0; k < 2; k++) {
		int e;
		void *o;
		while ((o = kmem_cache_alloc(ms, caches[k], MMSIM_GFP_KERNEL, &e)) != NULL) {
			assert_true(no < ocap);
			objs[no].s = caches[k];
			objs[no++].obj = o;
		}
	}
	int failures = 0;
	for (;;) {
		struct snap s = take(mm);
		int ret = op(mm);
		if (ret == 0) {
			free(s.e);
			break;
		}
		assert_int_equal(ret, -ENOMEM);
		failures++;
		check_mm(mm);
		same(mm, &s);
		free(s.e);
		assert_true(n > 0);
		assert_int_equal(mmsim_free_pages(m, 0, pfns[--n], 0), 0);
		drain_all_pages(ms);	/* one more page in the buddy lists */
	}
	/* the first attempt fails for the VMA object, the second for the tree nodes */
	assert_true(failures >= 2 && failures < 50);
	check_mm(mm);
	while (n)
		assert_int_equal(mmsim_free_pages(m, 0, pfns[--n], 0), 0);
	ms->check = check;
	while (no) {
		no--;
		kmem_cache_free(ms, objs[no].s, objs[no].obj);
	}
	free(objs);
	free(pfns);
	mm_free(mm);
	struct mmsim_error err = { 0 };
	assert_int_equal(mmsim_machine_validate(m, &err), 0);
	mmsim_machine_free(m);
}

static void test_fail_nth_split(void **state)
{
	(void)state;
	fail_nth_one(op_split, 8000);
}

static void test_fail_nth_modify(void **state)
{
	(void)state;
	fail_nth_one(op_modify_middle, 8000);
}

static void test_fail_nth_link(void **state)
{
	(void)state;
	fail_nth_one(op_link, 4015);
}

/* ---- protection ----------------------------------------------------------------------------- */

/*
 * Linux's protection_map, entry by entry (arch/x86/mm/pgprot.c with pgtable_types.h's
 * PAGE_* definitions; arch/arm64/mm/mmap.c with pgtable-prot.h).
 */
static void test_page_prot(void **state)
{
	(void)state;
	const uint64_t U = PTE_USER, A = PTE_ACCESSED, W = PTE_WRITE, NX = PTE_NX;
	/* x86: NONE, READONLY, COPY, COPY, READONLY_EXEC x2, COPY_EXEC x2, then shared */
	const uint64_t x86[16] = {
		NX, U | A | NX, U | A | NX, U | A | NX, U | A, U | A, U | A, U | A,
		NX, U | A | NX, U | A | W | NX, U | A | W | NX, U | A, U | A, U | A | W, U | A | W,
	};
	const uint64_t D = PTE_DBM, PXN = PTE_PXN;
	const uint64_t arm[16] = {
		NX, U | A | NX, U | A | NX, U | A | NX, U | A | PXN, U | A | PXN, U | A | PXN, U | A | PXN,
		NX, U | A | NX, U | A | D | NX, U | A | D | NX, U | A | PXN, U | A | PXN,
		U | A | D | PXN, U | A | D | PXN,
	};
	struct {
		const char *arch, *paging;
		const uint64_t *map;
		uint64_t strip;
	} cfg[] = {
		{ "x86_64", NULL, x86, 0 },
		{ "i386", "i386-pae", x86, 0 },
		{ "i386", "i386-2level", x86, NX },
		{ "arm64", NULL, arm, 0 },
	};
	for (size_t c = 0; c < sizeof(cfg) / sizeof(cfg[0]); c++) {
		const char *kv[] = { "arch", cfg[c].arch, "ram", "128M",
				     cfg[c].paging ? "paging" : NULL, cfg[c].paging, NULL };
		mmsim_machine *m = boot_vm(kv);
		for (vm_flags_t f = 0; f < 16; f++) {
			uint64_t want = cfg[c].map[f] & ~cfg[c].strip;
			assert_int_equal(vm_get_page_prot(msys(m), f | VM_MAYREAD | VM_LOCKED), want);
		}
		mmsim_machine_free(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_random_10),
		cmocka_unit_test(test_tree_random_1000),
		cmocka_unit_test(test_tree_random_65530),
		cmocka_unit_test(test_tree_iter),
		cmocka_unit_test(test_empty_area_small),
		cmocka_unit_test(test_empty_area_paged),
		cmocka_unit_test(test_empty_area_bytes),
		cmocka_unit_test(test_tree_preallocate),
		cmocka_unit_test(test_lookup_and_counters),
		cmocka_unit_test(test_split_every_position),
		cmocka_unit_test(test_merge_new_range),
		cmocka_unit_test(test_modify_flags),
		cmocka_unit_test(test_modify_name),
		cmocka_unit_test(test_map_count_limit),
		cmocka_unit_test(test_fail_nth_split),
		cmocka_unit_test(test_fail_nth_modify),
		cmocka_unit_test(test_fail_nth_link),
		cmocka_unit_test(test_page_prot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

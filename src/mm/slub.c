/*
 * The SLUB slab allocator (Linux 6.18: mm/slub.c and the generic half in
 * mm/slab_common.c: kmem_cache_create/destroy, the kmalloc caches, /proc/slabinfo).
 *
 * A cache hands out objects of one size. They are carved from slabs: compound pages of
 * order oo_order (or, when that order cannot be had, min_order) from the page allocator,
 * with PG_slab on the head page. The objects live in the simulated RAM, and a free object
 * holds, at s->offset, the address of the next free object of its slab, exactly as on
 * Linux (the free list is threaded through the objects themselves).
 *
 * Each CPU owns one active ("frozen") slab per cache and a lockless free list taken from
 * it, plus a short list of partial slabs (CONFIG_SLUB_CPU_PARTIAL, on in 6.18 and in this
 * machine's kernel). Each node keeps a list of partial slabs. Allocation tries, in order:
 * the CPU's free list, the CPU slab's own free list, the CPU partial slabs, the node's
 * partial list (then other nodes', by zonelist), a new slab. A free goes to the CPU's
 * free list when the object's slab is that CPU's slab, else to the slab's free list; a
 * full slab that gets a free object joins the CPU partial list; an empty slab is given
 * back when the node already keeps min_partial partial slabs.
 *
 * The descriptors are where Linux has them: struct kmem_cache objects come from the
 * "kmem_cache" cache and struct kmem_cache_node objects from "kmem_cache_node", both in
 * simulated RAM, bootstrapped as kmem_cache_init does; the per-CPU kmem_cache_cpu arrays
 * are host memory (Linux: the percpu allocator, which mmsim does not model).
 *
 * How it differs from Linux (docs/slab.md says more):
 *  - addresses: Linux stores kernel virtual addresses (the direct map) in free pointers
 *    and slab->freelist; mmsim stores the physical address of the object, the same
 *    pointer minus PAGE_OFFSET. A free pointer is one arch word (8 bytes on 64-bit, 4 on
 *    i386). No CONFIG_SLAB_FREELIST_HARDENED xor obfuscation: the pointers are plain.
 *  - CONFIG_SLAB_FREELIST_RANDOM (on in the host's kernel) is modelled: each cache with at
 *    least two objects per slab gets a random permutation (kcalloc'd from kmalloc, as
 *    Linux does) and new slabs thread their free list in that order from a random start;
 *    the randomness comes from the machine's seeded generator.
 *  - full slabs are kept on a per-node `full` list (Linux keeps that list only for
 *    SLAB_STORE_USER debugging) so that slab_validate can reach every slab.
 *  - no concurrency: Linux's cmpxchg loops run once; transaction ids, pfmemalloc slabs,
 *    memcg accounting (obj_exts), KASAN/KFENCE/kmemleak hooks, debug flags (red zones,
 *    poisoning, tracking), 6.18's opt-in percpu sheaves, RCU-delayed frees, constructors
 *    and slab merging (as if booted with slab_nomerge) are left out.
 *  - kmalloc: only the plain kmalloc-N caches; kmalloc-cg-N, kmalloc-rcl-N, dma-kmalloc-N
 *    (and kmalloc-rnd-*, off in the host's kernel) are absent, so __GFP_ACCOUNT,
 *    __GFP_RECLAIMABLE and __GFP_DMA kmallocs are served by the plain caches.
 *  - every call runs on CPU 0: the API does not carry the calling CPU yet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mm/slab.h"
#include "mm/page_alloc.h"
#include "hw/physmem.h"
#include "util/error.h"
#include "util/list.h"
#include "util/rng.h"

/* ---- constants (Linux 6.18, x86_64) ----------------------------------------------- */

#define NUMA_NO_NODE		(-1)
#define OO_SHIFT		16
#define OO_MASK			((1u << OO_SHIFT) - 1)
#define MAX_OBJS_PER_PAGE	32767	/* slab->objects is 15 bits */
#define MIN_PARTIAL		5	/* min_partial bounds (set_min_partial) */
#define MAX_PARTIAL		10
#define MAX_PARTIAL_TO_SCAN	10000	/* count_partial_free_approx */
#define CACHE_LINE_SIZE		64	/* cache_line_size(): "SLUB: HWalign=64" in dmesg */
#define ARCH_SLAB_MINALIGN	8	/* __alignof__(unsigned long long) */
#define ARCH_KMALLOC_MINALIGN	8
#define KMALLOC_SHIFT_LOW	3	/* kmalloc-8 is the smallest size class */
#define KMALLOC_SHIFT_MAX	20	/* room for PAGE_SHIFT + 1 up to 64 KiB pages */
#define SLUB_MAX_ORDER		PAGE_ALLOC_COSTLY_ORDER	/* slub_max_order default */
#define REMOTE_NODE_DEFRAG_RATIO 1000	/* s->remote_node_defrag_ratio default */
#define ZERO_SIZE_PTR		((void *)16)	/* kmalloc(0) */

/* sizeof(struct kmem_cache_node) and offsetof(struct kmem_cache, node) of the host's 6.18
 * kernel: /sys/kernel/slab/kmem_cache_node/object_size is 72, kmem_cache's is 232 with one
 * node (224 + 8 * nr_node_ids). They size the two bootstrap caches. */
#define LINUX_KMEM_CACHE_NODE_SIZE	72u
#define LINUX_KMEM_CACHE_NODE_OFFSET	224u

/* Slab flags mmsim uses inside (values of Linux 6.2-6.8, the era of slab.h's values). */
#define SLAB_KMALLOC		0x00001000u	/* a kmalloc-N cache */
#define SLAB_NO_MERGE		0x01000000u
#define SLAB_USER_FLAGS (SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT | SLAB_PANIC | SLAB_ACCOUNT)

/* gfp masks of mm/internal.h */
#define GFP_RECLAIM_MASK (MMSIM_GFP_RECLAIM | MMSIM_GFP_HIGH | MMSIM_GFP_IO | MMSIM_GFP_FS | \
			  MMSIM_GFP_NOWARN | MMSIM_GFP_RETRY_MAYFAIL | MMSIM_GFP_NOFAIL | \
			  MMSIM_GFP_NORETRY | MMSIM_GFP_MEMALLOC | MMSIM_GFP_NOMEMALLOC)
#define GFP_CONSTRAINT_MASK (MMSIM_GFP_HARDWALL | MMSIM_GFP_THISNODE)
#define GFP_SLAB_BUG_MASK (MMSIM_GFP_DMA32 | MMSIM_GFP_HIGHMEM)

/* DEACTIVATE_TO_HEAD / _TAIL: where a slab joins a partial list. */
enum { DEACTIVATE_TO_HEAD, DEACTIVATE_TO_TAIL };

/* slab_state of mm/slab.h: how far kmem_cache_init got. */
enum slab_boot_state { DOWN, PARTIAL, UP, FULL };

/* ---- structures --------------------------------------------------------------------- */

/* Order and objects per slab packed as Linux does: order << 16 | objects. */
struct kmem_cache_order_objects {
	unsigned int x;
};

/*
 * One CPU's view of a cache (struct kmem_cache_cpu).
 * Invariants: slab == NULL implies freelist == 0; every object on freelist belongs to
 * slab; slab is frozen; every slab on partial is unfrozen, on no other list, not marked
 * node-partial, has free objects; partial_slabs == length of partial.
 */
struct kmem_cache_cpu {
	uint64_t freelist;		/* physical address of this CPU's next object, 0 = none */
	struct page *slab;		/* the CPU slab (head page), or NULL */
	struct list_head partial;	/* CPU partial slabs through page->lru, newest first */
	unsigned int partial_slabs;	/* Linux keeps this in the first slab's `slabs` */
};

/*
 * One node's slabs of a cache (struct kmem_cache_node).
 * Invariants: nr_partial == length of partial; every slab on partial is unfrozen, has
 * PG_workingset (Linux's "on node partial list" mark), lies on this node and has at least
 * one free object; every slab on full is unfrozen with no free object; nr_slabs and
 * total_objects count every slab of the node (lists, CPU slabs, CPU partial slabs).
 */
struct kmem_cache_node {
	unsigned long nr_partial;
	struct list_head partial;
	unsigned long nr_slabs;
	unsigned long total_objects;
	struct list_head full;		/* mmsim: Linux has it only with SLAB_STORE_USER */
};
_Static_assert(sizeof(struct kmem_cache_node) <= LINUX_KMEM_CACHE_NODE_SIZE,
	       "struct kmem_cache_node must fit in the Linux object size");

/*
 * A cache (struct kmem_cache). Lives in an object of the "kmem_cache" cache.
 * Invariants: object_size <= inuse <= size; size is a multiple of align and of the word
 * size; offset + word <= size and offset is word aligned; oo_objects(oo) ==
 * (PAGE_SIZE << oo_order(oo)) / size, likewise min, oo_order(min) <= oo_order(oo);
 * min_partial in [5, 10]; node[nid] != NULL exactly for the nodes with normal memory;
 * nr_allocated equals the objects handed out and not freed, summed over all slabs.
 */
struct kmem_cache {
	struct kmem_cache_cpu *cpu_slab;	/* [nr_cpus], host memory (Linux: percpu) */
	unsigned int flags;
	unsigned int min_partial;
	unsigned int size;			/* object size with alignment and metadata */
	unsigned int object_size;		/* size asked for */
	unsigned int offset;			/* free pointer offset in the object */
	unsigned int cpu_partial;		/* objects the CPU partial lists aim at */
	unsigned int cpu_partial_slabs;		/* slabs a CPU partial list holds at most */
	struct kmem_cache_order_objects oo;	/* preferred order and objects per slab */
	struct kmem_cache_order_objects min;	/* fallback when oo cannot be had */
	gfp_t allocflags;			/* __GFP_COMP, __GFP_RECLAIMABLE */
	int refcount;				/* -1: boot cache, never merged or destroyed */
	unsigned int inuse;			/* object_size rounded to the word */
	unsigned int align;
	const char *name;
	struct list_head list;			/* on slab_caches */
	uint32_t *random_seq;			/* CONFIG_SLAB_FREELIST_RANDOM: object byte
						   offsets, a kcalloc'd kmalloc object */
	uint64_t nr_allocated;			/* mmsim's count of objects in use */
	struct kmem_cache_node *node[];		/* [nr_node_ids] */
};
_Static_assert(offsetof(struct kmem_cache, node) <= LINUX_KMEM_CACHE_NODE_OFFSET,
	       "struct kmem_cache must fit in the Linux object size");

/*
 * The allocator's globals (Linux: slab_caches, slab_state, kmem_cache, kmem_cache_node,
 * kmalloc_caches[], kmalloc_size_index[], slab_nodes).
 * Invariants: every cache is on slab_caches once, newest first, with a distinct name;
 * large_kmalloc_bytes[nid] + the bytes of every slab on node nid of the caches with (or
 * without) SLAB_RECLAIM_ACCOUNT == NR_SLAB_RECLAIMABLE_B (NR_SLAB_UNRECLAIMABLE_B) of nid.
 */
struct slab_state {
	enum slab_boot_state state;
	struct list_head slab_caches;
	struct kmem_cache *kmem_cache;
	struct kmem_cache *kmem_cache_node;
	struct kmem_cache *kmalloc_caches[KMALLOC_SHIFT_MAX + 1];
	uint8_t size_index[24];			/* kmalloc_size_index: sizes 8..192 */
	char kmalloc_names[KMALLOC_SHIFT_MAX + 1][24];
	unsigned int kmalloc_shift_high;	/* PAGE_SHIFT + 1 */
	unsigned int word;			/* sizeof(void *) of the simulated kernel */
	bool freelist_random;			/* CONFIG_SLAB_FREELIST_RANDOM */
	bool slab_nodes[MAX_NUMNODES];		/* nodes with N_NORMAL_MEMORY */
	int64_t large_kmalloc_bytes[MAX_NUMNODES];
	uint64_t invalid_frees;			/* frees Linux would WARN or BUG about */
	struct kmem_cache *boot_cache[2];	/* host copies until bootstrap() (kmem_cache_init) */
};

/* Marks the head page of a kmalloc_large allocation (Linux 6.18: PGTY_large_kmalloc). */
static const char large_kmalloc_mark;

/* ---- small helpers ------------------------------------------------------------------ */

static inline unsigned int fls32(unsigned int x) { return x ? 32 - (unsigned int)__builtin_clz(x) : 0; }
static inline unsigned int ilog2_32(unsigned int x) { return fls32(x) - 1; }
static inline unsigned int ffs32(unsigned int x) { return (unsigned int)__builtin_ffs((int)x); }
static inline unsigned int align_up(unsigned int x, unsigned int a) { return (x + a - 1) & ~(a - 1); }
static inline bool is_pow2(unsigned int x) { return x && !(x & (x - 1)); }

/* get_order(): smallest order whose block holds size bytes. */
static unsigned int get_order(const struct mm_sys *ms, uint64_t size)
{
	unsigned int order = 0;
	while ((ms->page_size << order) < size)
		order++;
	return order;
}

static inline unsigned int order_objects(const struct mm_sys *ms, unsigned int order, unsigned int size)
{
	return (unsigned int)((ms->page_size << order) / size);
}
static inline struct kmem_cache_order_objects oo_make(const struct mm_sys *ms, unsigned int order,
						      unsigned int size)
{
	return (struct kmem_cache_order_objects){ (order << OO_SHIFT) + order_objects(ms, order, size) };
}
static inline unsigned int oo_order(struct kmem_cache_order_objects x) { return x.x >> OO_SHIFT; }
static inline unsigned int oo_objects(struct kmem_cache_order_objects x) { return x.x & OO_MASK; }

/* struct page fields of a slab (mm_types.h): mapping = cache, index = freelist, private =
 * counters as Linux packs them: inuse:16, objects:15, frozen:1. */
static inline struct kmem_cache *slab_cache(const struct page *slab) { return (struct kmem_cache *)slab->mapping; }
static inline uint64_t slab_freelist(const struct page *slab) { return slab->index; }
static inline unsigned int slab_inuse(const struct page *slab) { return slab->private & 0xffff; }
static inline unsigned int slab_objects(const struct page *slab) { return (slab->private >> 16) & 0x7fff; }
static inline bool slab_frozen(const struct page *slab) { return (slab->private >> 31) & 1; }
static inline void slab_set_counters(struct page *slab, unsigned int inuse, unsigned int objects, bool frozen)
{
	slab->private = (uint64_t)inuse | ((uint64_t)objects << 16) | ((uint64_t)frozen << 31);
}
static inline void slab_set_inuse(struct page *slab, unsigned int inuse)
{
	slab_set_counters(slab, inuse, slab_objects(slab), slab_frozen(slab));
}
static inline unsigned int slab_nid(const struct page *slab) { return page_nid(slab); }
/* Linux marks slabs on a node partial list with PG_workingset (slab_test_node_partial). */
static inline bool slab_test_node_partial(const struct page *slab) { return page_test(slab, PG_workingset); }

static inline struct kmem_cache_node *get_node(const struct kmem_cache *s, int nid) { return s->node[nid]; }
static inline unsigned int numa_mem_id(const struct mm_sys *ms, int cpu) { return ms->cpu_to_node[cpu]; }
static inline bool node_match(const struct page *slab, int node)
{
	return node == NUMA_NO_NODE || (int)slab_nid(slab) == node;
}
static inline enum node_stat_item cache_vmstat_idx(const struct kmem_cache *s)
{
	return (s->flags & SLAB_RECLAIM_ACCOUNT) ? NR_SLAB_RECLAIMABLE_B : NR_SLAB_UNRECLAIMABLE_B;
}
/* The running CPU: every slab call runs on CPU 0 until the API carries a CPU. */
static inline int this_cpu(const struct mm_sys *ms) { (void)ms; return 0; }

static inline void *obj_host(struct mm_sys *ms, uint64_t phys) { return phys_to_host(ms->ram, phys); }
static inline uint64_t slab_base(struct mm_sys *ms, const struct page *slab)
{
	return page_to_pfn(ms, slab) << ms->page_shift;
}

/* The word at object + s->offset: the next free object, 0 for the end of the list. */
static uint64_t get_freepointer(struct mm_sys *ms, const struct kmem_cache *s, uint64_t object)
{
	const void *p = obj_host(ms, object + s->offset);
	if (ms->slab->word == 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static void set_freepointer(struct mm_sys *ms, const struct kmem_cache *s, uint64_t object, uint64_t fp)
{
	void *p = obj_host(ms, object + s->offset);
	if (ms->slab->word == 8) {
		memcpy(p, &fp, 8);
	} else {
		uint32_t v = (uint32_t)fp;
		memcpy(p, &v, 4);
	}
}

/* Move every entry of src, in order, onto the empty list dst; src becomes empty. */
static void list_move_all(struct list_head *src, struct list_head *dst)
{
	INIT_LIST_HEAD(dst);
	if (list_empty(src))
		return;
	dst->next = src->next;
	dst->prev = src->prev;
	dst->next->prev = dst;
	dst->prev->next = dst;
	INIT_LIST_HEAD(src);
}

/* ---- partial and full lists ----------------------------------------------------------- */

static void add_partial(struct kmem_cache_node *n, struct page *slab, int tail)
{
	n->nr_partial++;
	if (tail == DEACTIVATE_TO_TAIL)
		list_add_tail(&slab->lru, &n->partial);
	else
		list_add(&slab->lru, &n->partial);
	page_set(slab, PG_workingset);
}

static void remove_partial(struct kmem_cache_node *n, struct page *slab)
{
	list_del(&slab->lru);
	page_clear(slab, PG_workingset);
	n->nr_partial--;
}

static void add_full(struct kmem_cache_node *n, struct page *slab) { list_add(&slab->lru, &n->full); }
static void remove_full(struct page *slab) { list_del(&slab->lru); }

static void inc_slabs_node(struct kmem_cache *s, unsigned int nid, unsigned int objects)
{
	struct kmem_cache_node *n = get_node(s, (int)nid);
	n->nr_slabs++;
	n->total_objects += objects;
}

static void dec_slabs_node(struct kmem_cache *s, unsigned int nid, unsigned int objects)
{
	struct kmem_cache_node *n = get_node(s, (int)nid);
	n->nr_slabs--;
	n->total_objects -= objects;
}

/* ---- slab pages ------------------------------------------------------------------------ */

/* alloc_slab_page(): compound pages from the page allocator, marked PG_slab. */
static struct page *alloc_slab_page(struct mm_sys *ms, int cpu, gfp_t flags, int node,
				    struct kmem_cache_order_objects oo, int *errp)
{
	struct page *page;
	if (node == NUMA_NO_NODE)
		page = alloc_pages(ms, cpu, flags, oo_order(oo), errp);
	else
		page = alloc_pages_node(ms, cpu, node, flags, oo_order(oo), errp);
	if (page)
		page_set(page, PG_slab);
	return page;
}

/* Thread a new slab's objects in address order (allocate_slab without shuffle). */
static void build_linear_freelist(struct mm_sys *ms, struct kmem_cache *s, struct page *slab, uint64_t base)
{
	unsigned int objects = slab_objects(slab);
	for (unsigned int i = 0; i + 1 < objects; i++)
		set_freepointer(ms, s, base + (uint64_t)i * s->size, base + (uint64_t)(i + 1) * s->size);
	set_freepointer(ms, s, base + (uint64_t)(objects - 1) * s->size, 0);
	slab->index = base;
}

/* next_freelist_entry(): the next offset of the random sequence that lies in this slab. */
static uint64_t next_freelist_entry(struct kmem_cache *s, unsigned int *pos, uint64_t base,
				    unsigned long page_limit, unsigned int freelist_count)
{
	unsigned int idx;
	do {
		idx = s->random_seq[*pos];
		*pos += 1;
		if (*pos >= freelist_count)
			*pos = 0;
	} while (idx >= page_limit);
	return base + idx;
}

/* shuffle_freelist(): thread the objects in the cache's random order from a random start. */
static bool shuffle_freelist(struct mm_sys *ms, struct kmem_cache *s, struct page *slab, uint64_t base)
{
	unsigned int objects = slab_objects(slab);
	if (objects < 2 || !s->random_seq)
		return false;
	unsigned int freelist_count = oo_objects(s->oo);
	unsigned int pos = (unsigned int)rng_below(ms->rng, freelist_count);
	unsigned long page_limit = (unsigned long)objects * s->size;
	uint64_t cur = next_freelist_entry(s, &pos, base, page_limit, freelist_count);
	slab->index = cur;
	for (unsigned int idx = 1; idx < objects; idx++) {
		uint64_t next = next_freelist_entry(s, &pos, base, page_limit, freelist_count);
		set_freepointer(ms, s, cur, next);
		cur = next;
	}
	set_freepointer(ms, s, cur, 0);
	return true;
}

/*
 * allocate_slab(): a slab of the preferred order without reclaim, else of the minimum
 * order with the caller's gfp; NULL with *errp set when neither can be had.
 */
static struct page *allocate_slab(struct mm_sys *ms, int cpu, struct kmem_cache *s, gfp_t flags,
				  int node, int *errp)
{
	struct kmem_cache_order_objects oo = s->oo;
	flags |= s->allocflags;
	/* Let the higher-order attempt fail under pressure so the minimum order is tried. */
	gfp_t alloc_gfp = (flags | MMSIM_GFP_NOWARN | MMSIM_GFP_NORETRY) & ~MMSIM_GFP_NOFAIL;
	if ((alloc_gfp & MMSIM_GFP_DIRECT_RECLAIM) && oo_order(oo) > oo_order(s->min))
		alloc_gfp = (alloc_gfp | MMSIM_GFP_NOMEMALLOC) & ~MMSIM_GFP_RECLAIM;
	struct page *slab = alloc_slab_page(ms, cpu, alloc_gfp, node, oo, errp);
	if (!slab) {
		oo = s->min;
		slab = alloc_slab_page(ms, cpu, flags, node, oo, errp);
		if (!slab)
			return NULL;
	}
	slab_set_counters(slab, 0, oo_objects(oo), false);
	/* account_slab() */
	mod_node_page_state(ms->node_data[slab_nid(slab)], cache_vmstat_idx(s),
			    (int64_t)(ms->page_size << oo_order(oo)));
	slab->mapping = s;
	uint64_t base = slab_base(ms, slab);
	if (!(ms->slab->freelist_random && shuffle_freelist(ms, s, slab, base)))
		build_linear_freelist(ms, s, slab, base);
	return slab;
}

/* new_slab(): only the reclaim and placement bits of the caller's gfp reach the pages. */
static struct page *new_slab(struct mm_sys *ms, int cpu, struct kmem_cache *s, gfp_t flags, int node,
			     int *errp)
{
	flags &= ~GFP_SLAB_BUG_MASK;	/* kmalloc_fix_flags */
	return allocate_slab(ms, cpu, s, flags & (GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK), node, errp);
}

/* __free_slab(): unmark, unaccount and give the pages back. */
/* Strip a slab page of its slab identity, uncount it and give it to the page allocator. */
static void release_slab_page(struct mm_sys *ms, int cpu, struct page *slab, enum node_stat_item idx)
{
	unsigned int order = compound_order(slab);
	slab->mapping = NULL;
	slab->index = 0;
	slab->private = 0;
	page_clear(slab, PG_slab);
	page_clear(slab, PG_workingset);
	mod_node_page_state(ms->node_data[slab_nid(slab)], idx, -(int64_t)(ms->page_size << order));
	__free_pages(ms, cpu, slab, order);
}

static void free_slab(struct mm_sys *ms, int cpu, struct kmem_cache *s, struct page *slab)
{
	release_slab_page(ms, cpu, slab, cache_vmstat_idx(s));
}

static void discard_slab(struct mm_sys *ms, int cpu, struct kmem_cache *s, struct page *slab)
{
	dec_slabs_node(s, slab_nid(slab), slab_objects(slab));
	free_slab(ms, cpu, s, slab);
}

/* ---- freezing and unfreezing ------------------------------------------------------------ */

/* get_freelist(): take the slab's free list for the CPU; the slab stays frozen if it had one. */
static uint64_t get_freelist(struct page *slab)
{
	uint64_t freelist = slab_freelist(slab);
	slab->index = 0;
	slab_set_counters(slab, slab_objects(slab), slab_objects(slab), freelist != 0);
	return freelist;
}

/* freeze_slab(): make a partial slab the CPU slab and return its free list. */
static uint64_t freeze_slab(struct page *slab)
{
	uint64_t freelist = slab_freelist(slab);
	slab->index = 0;
	slab_set_counters(slab, slab_objects(slab), slab_objects(slab), true);
	return freelist;
}

/*
 * deactivate_slab(): a CPU slab leaves its CPU; the CPU's free list is spliced in front
 * of the slab's, and the slab goes to the node partial list, the full list, or back to
 * the page allocator when empty and the node has min_partial partial slabs.
 */
static void deactivate_slab(struct mm_sys *ms, int cpu, struct kmem_cache *s, struct page *slab,
			    uint64_t freelist)
{
	struct kmem_cache_node *n = get_node(s, (int)slab_nid(slab));
	int tail = DEACTIVATE_TO_HEAD;
	if (slab_freelist(slab))
		tail = DEACTIVATE_TO_TAIL;	/* remote frees happened: colder */
	unsigned int free_delta = 0;
	uint64_t freelist_tail = 0;
	for (uint64_t it = freelist; it; it = get_freepointer(ms, s, it)) {
		freelist_tail = it;
		free_delta++;
	}
	unsigned int inuse = slab_inuse(slab);
	uint64_t new_freelist = slab_freelist(slab);
	if (freelist_tail) {
		inuse -= free_delta;
		set_freepointer(ms, s, freelist_tail, slab_freelist(slab));
		new_freelist = freelist;
	}
	slab->index = new_freelist;
	slab_set_counters(slab, inuse, slab_objects(slab), false);

	if (!inuse && n->nr_partial >= s->min_partial)
		discard_slab(ms, cpu, s, slab);
	else if (new_freelist)
		add_partial(n, slab, tail);
	else
		add_full(n, slab);
}

/*
 * __put_partials(): CPU partial slabs (list order) go to their node's partial list tail,
 * except empty ones while the node already has min_partial, which are freed afterwards
 * in reverse order, as Linux's slab_to_discard stack does.
 */
static void __put_partials(struct mm_sys *ms, int cpu, struct kmem_cache *s, struct list_head *list)
{
	struct list_head discard;
	INIT_LIST_HEAD(&discard);
	while (!list_empty(list)) {
		struct page *slab = list_first_entry(list, struct page, lru);
		list_del(&slab->lru);
		struct kmem_cache_node *n = get_node(s, (int)slab_nid(slab));
		if (!slab_inuse(slab) && n->nr_partial >= s->min_partial)
			list_add(&slab->lru, &discard);
		else
			add_partial(n, slab, DEACTIVATE_TO_TAIL);
	}
	while (!list_empty(&discard)) {
		struct page *slab = list_first_entry(&discard, struct page, lru);
		list_del(&slab->lru);
		discard_slab(ms, cpu, s, slab);
	}
}

/*
 * put_cpu_partial(): push a slab on the CPU partial list; with drain, a list already at
 * cpu_partial_slabs moves to the node partial lists first.
 */
static void put_cpu_partial(struct mm_sys *ms, int cpu, struct kmem_cache *s, struct page *slab, bool drain)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu];
	struct list_head to_put;
	INIT_LIST_HEAD(&to_put);
	bool put = false;
	if (c->partial_slabs && drain && c->partial_slabs >= s->cpu_partial_slabs) {
		list_move_all(&c->partial, &to_put);
		c->partial_slabs = 0;
		put = true;
	}
	list_add(&slab->lru, &c->partial);
	c->partial_slabs++;
	if (put)
		__put_partials(ms, cpu, s, &to_put);
}

/* __flush_cpu_slab(): give back a CPU's slab and its partial slabs. */
static void flush_cpu_slab(struct mm_sys *ms, int cpu, struct kmem_cache *s)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu];
	struct page *slab = c->slab;
	uint64_t freelist = c->freelist;
	c->slab = NULL;
	c->freelist = 0;
	if (slab)
		deactivate_slab(ms, cpu, s, slab, freelist);
	c->partial_slabs = 0;
	struct list_head list;
	list_move_all(&c->partial, &list);
	__put_partials(ms, cpu, s, &list);
}

/* ---- finding partial slabs --------------------------------------------------------------- */

/*
 * get_partial_node(): take the first partial slab of n for the CPU slab and move more to
 * the CPU partial list, until more than half of cpu_partial_slabs were moved.
 */
static struct page *get_partial_node(struct mm_sys *ms, int cpu, struct kmem_cache *s,
				     struct kmem_cache_node *n)
{
	if (!n || !n->nr_partial)
		return NULL;
	struct page *partial = NULL;
	unsigned int partial_slabs = 0;
	struct list_head *pos, *tmp;
	list_for_each_safe(pos, tmp, &n->partial) {
		struct page *slab = list_entry(pos, struct page, lru);
		remove_partial(n, slab);
		if (!partial) {
			partial = slab;
			if (s->cpu_partial_slabs == 0)
				break;
		} else {
			put_cpu_partial(ms, cpu, s, slab, false);
			if (++partial_slabs > s->cpu_partial_slabs / 2)
				break;
		}
	}
	return partial;
}

/*
 * get_any_partial(): other nodes' partial lists in zonelist order, those keeping more
 * than min_partial, 1000 times in 1024 (Linux decides with the cycle counter; mmsim with
 * the machine's generator). One node: nothing to find (its list was just tried).
 */
static struct page *get_any_partial(struct mm_sys *ms, int cpu, struct kmem_cache *s, gfp_t flags)
{
	if (ms->nr_node_ids < 2)
		return NULL;
	if (rng_below(ms->rng, 1024) > REMOTE_NODE_DEFRAG_RATIO)
		return NULL;
	unsigned int highest = gfp_zone(ms, flags);
	for (const struct zoneref *z = ms->node_data[numa_mem_id(ms, cpu)]->zonelist; z->zone; z++) {
		if (z->zone_idx > highest)
			continue;
		struct kmem_cache_node *n = get_node(s, (int)z->zone->zone_pgdat->node_id);
		if (n && n->nr_partial > s->min_partial) {
			struct page *slab = get_partial_node(ms, cpu, s, n);
			if (slab)
				return slab;
		}
	}
	return NULL;
}

/* get_partial(): the wanted (or the CPU's) node first, then any other unless THISNODE. */
static struct page *get_partial(struct mm_sys *ms, int cpu, struct kmem_cache *s, int node, gfp_t flags)
{
	int searchnode = node == NUMA_NO_NODE ? (int)numa_mem_id(ms, cpu) : node;
	struct page *slab = get_partial_node(ms, cpu, s, get_node(s, searchnode));
	if (slab || (node != NUMA_NO_NODE && (flags & MMSIM_GFP_THISNODE)))
		return slab;
	return get_any_partial(ms, cpu, s, flags);
}

/* ---- allocation ------------------------------------------------------------------------ */

/*
 * ___slab_alloc(): the slow path, when the CPU free list is empty or of the wrong node.
 * Returns the object's physical address, or 0 with *errp set.
 */
static uint64_t ___slab_alloc(struct mm_sys *ms, int cpu, struct kmem_cache *s, gfp_t gfp, int node,
			      int *errp)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu];
	struct page *slab = c->slab;
	uint64_t freelist;
	bool try_thisnode = true;

	if (node != NUMA_NO_NODE && !ms->slab->slab_nodes[node])
		node = NUMA_NO_NODE;	/* no normal memory there: ignore the constraint */
	if (!slab)
		goto new_slab;
	if (!node_match(slab, node))
		goto deactivate;
	freelist = c->freelist;
	if (freelist)
		goto load_freelist;
	freelist = get_freelist(slab);
	if (!freelist) {
		/* The CPU slab is full and unfrozen now: it is on no list in Linux. */
		c->slab = NULL;
		add_full(get_node(s, (int)slab_nid(slab)), slab);
		goto new_slab;
	}
load_freelist:
	c->freelist = get_freepointer(ms, s, freelist);
	return freelist;

deactivate:
	freelist = c->freelist;
	c->slab = NULL;
	c->freelist = 0;
	deactivate_slab(ms, cpu, s, slab, freelist);

new_slab:
	while (c->partial_slabs) {
		slab = list_first_entry(&c->partial, struct page, lru);
		list_del(&slab->lru);
		c->partial_slabs--;
		if (node_match(slab, node)) {
			c->slab = slab;
			freelist = get_freelist(slab);
			goto load_freelist;
		}
		struct list_head one;
		INIT_LIST_HEAD(&one);
		list_add(&slab->lru, &one);
		__put_partials(ms, cpu, s, &one);
	}

new_objects:;
	gfp_t pc_flags = gfp;
	/* A preferred node without THISNODE: first that node only, opportunistically. */
	if (node != NUMA_NO_NODE && !(gfp & MMSIM_GFP_THISNODE) && try_thisnode)
		pc_flags = MMSIM_GFP_NOWAIT | MMSIM_GFP_THISNODE;
	slab = get_partial(ms, cpu, s, node, pc_flags);
	if (slab) {
		freelist = freeze_slab(slab);
		c->slab = slab;
		goto load_freelist;
	}
	slab = new_slab(ms, cpu, s, pc_flags, node, errp);
	if (!slab) {
		if (node != NUMA_NO_NODE && !(gfp & MMSIM_GFP_THISNODE) && try_thisnode) {
			try_thisnode = false;
			goto new_objects;
		}
		return 0;
	}
	/* A new slab: take all of it for the CPU. */
	freelist = slab_freelist(slab);
	slab->index = 0;
	slab_set_counters(slab, slab_objects(slab), slab_objects(slab), true);
	inc_slabs_node(s, slab_nid(slab), slab_objects(slab));
	c->slab = slab;	/* (the CPU slab is NULL here: no concurrent refill to flush) */
	goto load_freelist;
}

/* slab_alloc_node(): the fast path and its hooks (zeroing). 0 with *errp on failure. */
static uint64_t slab_alloc_node(struct mm_sys *ms, int cpu, struct kmem_cache *s, gfp_t gfp, int node,
				int *errp)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu];
	uint64_t object = c->freelist;
	struct page *slab = c->slab;
	int err = 0;
	if (!object || !slab || !node_match(slab, node))
		object = ___slab_alloc(ms, cpu, s, gfp, node, &err);
	else
		c->freelist = get_freepointer(ms, s, object);
	if (!object) {
		if (errp)
			*errp = err ? err : -ENOMEM;
		return 0;
	}
	s->nr_allocated++;
	if (gfp & MMSIM_GFP_ZERO)
		memset(obj_host(ms, object), 0, s->object_size);
	if (errp)
		*errp = 0;
	return object;
}

/* ---- freeing --------------------------------------------------------------------------- */

/*
 * __slab_free(): the object goes to its slab's free list. A full slab becomes a CPU
 * partial slab; an empty node-partial slab is discarded if the node has enough.
 */
static void __slab_free(struct mm_sys *ms, int cpu, struct kmem_cache *s, struct page *slab,
			uint64_t object)
{
	uint64_t prior = slab_freelist(slab);
	bool was_frozen = slab_frozen(slab);
	unsigned int inuse = slab_inuse(slab) - 1;
	struct kmem_cache_node *n = NULL;
	bool on_node_partial = false;

	set_freepointer(ms, s, object, prior);
	if ((!inuse || !prior) && !was_frozen && prior) {
		n = get_node(s, (int)slab_nid(slab));
		on_node_partial = slab_test_node_partial(slab);
	}
	slab->index = object;
	slab_set_inuse(slab, inuse);

	if (!n) {
		if (!was_frozen && !prior) {
			/* it was full: it becomes a CPU partial slab */
			remove_full(slab);
			put_cpu_partial(ms, cpu, s, slab, true);
		}
		return;
	}
	if (!on_node_partial)
		return;		/* a CPU partial slab: its CPU deals with it */
	if (!inuse && n->nr_partial >= s->min_partial) {
		remove_partial(n, slab);
		discard_slab(ms, cpu, s, slab);
	}
}

/* do_slab_free(): to the CPU free list when the slab is this CPU's slab. */
static void do_slab_free(struct mm_sys *ms, int cpu, struct kmem_cache *s, struct page *slab, uint64_t object)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu];
	s->nr_allocated--;
	if (slab != c->slab) {
		__slab_free(ms, cpu, s, slab, object);
		return;
	}
	set_freepointer(ms, s, object, c->freelist);
	c->freelist = object;
}

/*
 * virt_to_slab() for a host pointer: the head page of the compound page holding it, and
 * the object's physical address; NULL when the pointer is not in simulated RAM.
 */
static struct page *virt_to_head(struct mm_sys *ms, const void *obj, uint64_t *phys, uint64_t *base)
{
	const struct physmem *ram = ms->ram;
	if ((const uint8_t *)obj < ram->host || (const uint8_t *)obj >= ram->host + ram->size)
		return NULL;
	uint64_t pa = host_to_phys(ram, obj);
	uint64_t pfn = pa >> ms->page_shift;
	struct page *page = pfn_to_page(ms, pfn);
	if (!page)
		return NULL;
	struct page *head = compound_head(page);
	*phys = pa;
	*base = (pfn - (uint64_t)(page - head)) << ms->page_shift;
	return head;
}

/*
 * Check a freed pointer against its slab: an object boundary inside the slab, and not
 * the object at the head of the free list (SLAB_FREELIST_HARDENED's naive double-free
 * test). Linux BUGs or corrupts on these; mmsim refuses and counts them.
 */
static bool free_pointer_ok(const struct kmem_cache *s, const struct page *slab, uint64_t object,
			    uint64_t base)
{
	if (object < base || (object - base) % s->size ||
	    (object - base) / s->size >= slab_objects(slab))
		return false;
	return object != slab_freelist(slab);
}

/* slab_free() with the checks above; slab is the head page of object's slab. */
static void slab_free_checked(struct mm_sys *ms, struct kmem_cache *s, struct page *slab, uint64_t object,
			      uint64_t base)
{
	int cpu = this_cpu(ms);
	if (!free_pointer_ok(s, slab, object, base) || object == s->cpu_slab[cpu].freelist) {
		ms->slab->invalid_frees++;
		return;
	}
	do_slab_free(ms, cpu, s, slab, object);
}

/* ---- bootstrap-time object allocation ---------------------------------------------------- */

static void *kmem_cache_alloc_node_cpu(struct mm_sys *ms, int cpu, struct kmem_cache *s, gfp_t gfp,
				       int node, int *errp)
{
	uint64_t object = slab_alloc_node(ms, cpu, s, gfp, node, errp);
	return object ? obj_host(ms, object) : NULL;
}

/* kmem_cache_free() of an object this file allocated itself (known good). */
static void kmem_cache_free_cpu(struct mm_sys *ms, int cpu, struct kmem_cache *s, void *obj)
{
	uint64_t phys = 0, base = 0;
	struct page *slab = virt_to_head(ms, obj, &phys, &base);
	if (slab)
		do_slab_free(ms, cpu, s, slab, phys);
}

/* ---- kmem_cache_node objects ------------------------------------------------------------- */

static void init_kmem_cache_node(struct kmem_cache_node *n)
{
	n->nr_partial = 0;
	INIT_LIST_HEAD(&n->partial);
	n->nr_slabs = 0;
	n->total_objects = 0;
	INIT_LIST_HEAD(&n->full);
}

/*
 * early_kmem_cache_node_alloc(): the kmem_cache_node cache's own node structure is the
 * first object of its first slab on that node, which goes to the node partial list.
 */
static int early_kmem_cache_node_alloc(struct mm_sys *ms, int node)
{
	struct kmem_cache *kcn = ms->slab->kmem_cache_node;
	int err;
	struct page *slab = new_slab(ms, 0, kcn, MMSIM_GFP_NOWAIT, node, &err);
	if (!slab)
		return err;
	uint64_t object = slab_freelist(slab);
	slab->index = get_freepointer(ms, kcn, object);
	slab_set_inuse(slab, 1);
	struct kmem_cache_node *n = obj_host(ms, object);
	kcn->node[node] = n;
	init_kmem_cache_node(n);
	kcn->nr_allocated++;
	/* Linux counts it on `node` even if the page came from elsewhere (and says so). */
	inc_slabs_node(kcn, (unsigned int)node, slab_objects(slab));
	add_partial(n, slab, DEACTIVATE_TO_HEAD);
	return 0;
}

static void free_kmem_cache_nodes(struct mm_sys *ms, int cpu, struct kmem_cache *s)
{
	for (unsigned int nid = 0; nid < ms->nr_node_ids; nid++) {
		if (s->node[nid]) {
			kmem_cache_free_cpu(ms, cpu, ms->slab->kmem_cache_node, s->node[nid]);
			s->node[nid] = NULL;
		}
	}
}

static int init_kmem_cache_nodes(struct mm_sys *ms, int cpu, struct kmem_cache *s)
{
	for (unsigned int nid = 0; nid < ms->nr_node_ids; nid++) {
		if (!ms->slab->slab_nodes[nid])
			continue;
		if (ms->slab->state == DOWN) {
			int err = early_kmem_cache_node_alloc(ms, (int)nid);
			if (err) {
				return err;
			}
			continue;
		}
		int err;
		struct kmem_cache_node *n = kmem_cache_alloc_node_cpu(ms, cpu, ms->slab->kmem_cache_node,
								      MMSIM_GFP_KERNEL, (int)nid, &err);
		if (!n) {
			free_kmem_cache_nodes(ms, cpu, s);
			return err;
		}
		init_kmem_cache_node(n);
		s->node[nid] = n;
	}
	return 0;
}

static int alloc_kmem_cache_cpus(struct mm_sys *ms, struct kmem_cache *s)
{
	s->cpu_slab = calloc(ms->nr_cpus, sizeof(*s->cpu_slab));
	if (!s->cpu_slab)
		return -ENOMEM;
	for (unsigned int cpu = 0; cpu < ms->nr_cpus; cpu++)
		INIT_LIST_HEAD(&s->cpu_slab[cpu].partial);
	return 0;
}

/* ---- sizes and orders --------------------------------------------------------------------- */

/* calc_slab_order(): the smallest order in [min_order, max_order] wasting <= 1/fract. */
static unsigned int calc_slab_order(const struct mm_sys *ms, unsigned int size, unsigned int min_order,
				    unsigned int max_order, unsigned int fract_leftover)
{
	unsigned int order;
	for (order = min_order; order <= max_order; order++) {
		unsigned int slab_size = (unsigned int)ms->page_size << order;
		unsigned int rem = slab_size % size;
		if (rem <= slab_size / fract_leftover)
			break;
	}
	return order;
}

/*
 * calculate_order(): at least min_objects = 4 * (fls(nr_cpus) + 1) objects per slab when
 * slub_max_order allows, then the least waste, accepting 1/16, 1/8, 1/4, 1/2 of the slab.
 */
static int calculate_order(const struct mm_sys *ms, unsigned int size)
{
	unsigned int nr_cpus = ms->nr_cpus;	/* num_present_cpus(), or nr_cpu_ids if 1 */
	unsigned int min_objects = 4 * (fls32(nr_cpus) + 1);
	unsigned int max_objects = order_objects(ms, SLUB_MAX_ORDER, size);
	if (max_objects < 1)
		max_objects = 1;
	if (min_objects > max_objects)
		min_objects = max_objects;
	unsigned int min_order = get_order(ms, (uint64_t)min_objects * size);	/* >= slub_min_order 0 */
	if (order_objects(ms, min_order, size) > MAX_OBJS_PER_PAGE)
		return (int)get_order(ms, (uint64_t)size * MAX_OBJS_PER_PAGE) - 1;
	for (unsigned int fraction = 16; fraction > 1; fraction /= 2) {
		unsigned int order = calc_slab_order(ms, size, min_order, SLUB_MAX_ORDER, fraction);
		if (order <= SLUB_MAX_ORDER)
			return (int)order;
	}
	unsigned int order = get_order(ms, size);
	if (order <= ms->max_order)
		return (int)order;
	return -ENOSYS;
}

/*
 * calculate_sizes(): free pointer in the middle of the object (no constructor, no RCU,
 * no poisoning in this model), size rounded to the alignment, orders and objects.
 * false when no slab of at most MAX_PAGE_ORDER holds an object.
 */
static bool calculate_sizes(const struct mm_sys *ms, struct kmem_cache *s)
{
	unsigned int word = ms->slab->word;
	unsigned int size = align_up(s->object_size, word);
	s->inuse = size;
	s->offset = (s->object_size / 2) & ~(word - 1);
	size = align_up(size, s->align);
	s->size = size;
	int order = calculate_order(ms, size);
	if (order < 0)
		return false;
	s->allocflags = MMSIM_GFP_COMP;
	if (s->flags & SLAB_RECLAIM_ACCOUNT)
		s->allocflags |= MMSIM_GFP_RECLAIMABLE;
	s->oo = oo_make(ms, (unsigned int)order, size);
	s->min = oo_make(ms, get_order(ms, size), size);
	return oo_objects(s->oo) != 0;
}

/* calculate_alignment(): SLAB_HWCACHE_ALIGN halves the line while objects fit twice. */
static unsigned int calculate_alignment(const struct mm_sys *ms, unsigned int flags, unsigned int align,
					unsigned int size)
{
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned int ralign = CACHE_LINE_SIZE;
		while (size <= ralign / 2)
			ralign /= 2;
		if (ralign > align)
			align = ralign;
	}
	if (align < ARCH_SLAB_MINALIGN)
		align = ARCH_SLAB_MINALIGN;
	return align_up(align, ms->slab->word);
}

/* set_cpu_partial(): objects kept per CPU by size, and the slabs that makes half full. */
static void set_cpu_partial(struct kmem_cache *s, uint64_t page_size)
{
	unsigned int nr_objects;
	if (s->size >= page_size)
		nr_objects = 6;
	else if (s->size >= 1024)
		nr_objects = 24;
	else if (s->size >= 256)
		nr_objects = 52;
	else
		nr_objects = 120;
	s->cpu_partial = nr_objects;
	s->cpu_partial_slabs = (nr_objects * 2 + oo_objects(s->oo) - 1) / oo_objects(s->oo);
}

/* Fill the size fields of s (name, object_size, align, flags set): false if impossible. */
static bool kmem_cache_setup_sizes(const struct mm_sys *ms, struct kmem_cache *s)
{
	if (!calculate_sizes(ms, s))
		return false;
	unsigned int min_partial = ilog2_32(s->size) / 2;
	if (min_partial > MAX_PARTIAL)
		min_partial = MAX_PARTIAL;
	if (min_partial < MIN_PARTIAL)
		min_partial = MIN_PARTIAL;
	s->min_partial = min_partial;
	set_cpu_partial(s, ms->page_size);
	return true;
}

/* ---- kmalloc --------------------------------------------------------------------------- */

static void *kmalloc_node_cpu(struct mm_sys *ms, int cpu, size_t size, gfp_t gfp, int node, int *errp);
static void kfree_cpu(struct mm_sys *ms, int cpu, const void *obj);

/* freelist_randomize(): Fisher-Yates shuffle of 0..count-1. */
static void freelist_randomize(struct mm_sys *ms, uint32_t *list, unsigned int count)
{
	for (unsigned int i = 0; i < count; i++)
		list[i] = i;
	for (unsigned int i = count - 1; i > 0; i--) {
		unsigned int r = (unsigned int)rng_below(ms->rng, i + 1);
		uint32_t t = list[i];
		list[i] = list[r];
		list[r] = t;
	}
}

/* init_cache_random_seq(): the cache's permutation of object offsets, from kcalloc. */
static int init_cache_random_seq(struct mm_sys *ms, int cpu, struct kmem_cache *s)
{
	unsigned int count = oo_objects(s->oo);
	if (!ms->slab->freelist_random || count < 2 || s->random_seq)
		return 0;
	int err;
	uint32_t *seq = kmalloc_node_cpu(ms, cpu, (size_t)count * sizeof(uint32_t),
					 MMSIM_GFP_KERNEL | MMSIM_GFP_ZERO, NUMA_NO_NODE, &err);
	if (!seq)
		return err;
	freelist_randomize(ms, seq, count);
	for (unsigned int i = 0; i < count; i++)
		seq[i] *= s->size;
	s->random_seq = seq;
	return 0;
}

static void cache_random_seq_destroy(struct mm_sys *ms, int cpu, struct kmem_cache *s)
{
	if (s->random_seq)
		kfree_cpu(ms, cpu, s->random_seq);
	s->random_seq = NULL;
}

/* __kmem_cache_release(): what do_kmem_cache_create allocated. */
static void kmem_cache_release_parts(struct mm_sys *ms, int cpu, struct kmem_cache *s)
{
	cache_random_seq_destroy(ms, cpu, s);
	free(s->cpu_slab);
	s->cpu_slab = NULL;
	free_kmem_cache_nodes(ms, cpu, s);
}

/*
 * do_kmem_cache_create(): sizes, the random sequence (once kmalloc works), the node
 * structures and the per-CPU structures. On failure everything it took is given back.
 */
static int do_kmem_cache_create(struct mm_sys *ms, int cpu, struct kmem_cache *s, const char *name,
				unsigned int size, unsigned int align, unsigned int flags)
{
	s->name = name;
	s->size = s->object_size = size;
	s->flags = flags;
	s->align = align;
	for (unsigned int nid = 0; nid < ms->nr_node_ids; nid++)
		s->node[nid] = NULL;
	s->cpu_slab = NULL;
	s->random_seq = NULL;
	s->nr_allocated = 0;
	if (!kmem_cache_setup_sizes(ms, s))
		return -EINVAL;
	int err = 0;
	if (ms->slab->state >= UP)
		err = init_cache_random_seq(ms, cpu, s);
	if (!err)
		err = init_kmem_cache_nodes(ms, cpu, s);
	if (!err)
		err = alloc_kmem_cache_cpus(ms, s);
	/* (During the first boot cache, kmem_cache_init's failure path releases it all.) */
	if (err && ms->slab->state != DOWN)
		kmem_cache_release_parts(ms, cpu, s);
	return err;
}

/* create_boot_cache(): kmalloc caches are aligned to the largest power of two dividing size. */
static int create_boot_cache(struct mm_sys *ms, struct kmem_cache *s, const char *name, unsigned int size,
			     unsigned int flags)
{
	unsigned int align = ARCH_KMALLOC_MINALIGN;
	if ((flags & SLAB_KMALLOC) && (1u << (ffs32(size) - 1)) > align)
		align = 1u << (ffs32(size) - 1);
	align = calculate_alignment(ms, flags, align, size);
	int err = do_kmem_cache_create(ms, 0, s, name, size, align, flags);
	s->refcount = -1;	/* exempt from merging */
	return err;
}

/* Bytes of a struct kmem_cache with its node array (at most the Linux object size). */
static size_t kmem_cache_desc_size(const struct mm_sys *ms)
{
	return sizeof(struct kmem_cache) + ms->nr_node_ids * sizeof(struct kmem_cache_node *);
}

/*
 * bootstrap(): move a boot cache's descriptor from host memory into an object of the
 * kmem_cache cache and point its slabs at the new copy.
 */
static struct kmem_cache *bootstrap(struct mm_sys *ms, struct kmem_cache *static_cache, int *errp)
{
	struct slab_state *st = ms->slab;
	struct kmem_cache *s = kmem_cache_alloc_node_cpu(ms, 0, st->kmem_cache,
							 MMSIM_GFP_NOWAIT | MMSIM_GFP_ZERO, NUMA_NO_NODE, errp);
	if (!s)
		return NULL;
	memcpy(s, static_cache, kmem_cache_desc_size(ms));
	flush_cpu_slab(ms, 0, s);
	for (unsigned int nid = 0; nid < ms->nr_node_ids; nid++) {
		struct kmem_cache_node *n = s->node[nid];
		struct list_head *pos;
		if (!n)
			continue;
		list_for_each(pos, &n->partial)
			list_entry(pos, struct page, lru)->mapping = s;
		list_for_each(pos, &n->full)
			list_entry(pos, struct page, lru)->mapping = s;
	}
	list_add(&s->list, &st->slab_caches);
	return s;
}

/* kmalloc_info[] names: "kmalloc-96", "kmalloc-1k" ... */
static const char *kmalloc_name(struct slab_state *st, unsigned int idx, unsigned int size)
{
	char *name = st->kmalloc_names[idx];
	if (size >= 1024)
		snprintf(name, sizeof(st->kmalloc_names[idx]), "kmalloc-%uk", size >> 10);
	else
		snprintf(name, sizeof(st->kmalloc_names[idx]), "kmalloc-%u", size);
	return name;
}

/* create_kmalloc_cache(): a kmalloc-N cache, first on slab_caches. */
static int new_kmalloc_cache(struct mm_sys *ms, unsigned int idx)
{
	struct slab_state *st = ms->slab;
	unsigned int size = idx == 1 ? 96 : idx == 2 ? 192 : 1u << idx;
	int err;
	struct kmem_cache *s = kmem_cache_alloc_node_cpu(ms, 0, st->kmem_cache,
							 MMSIM_GFP_NOWAIT | MMSIM_GFP_ZERO, NUMA_NO_NODE, &err);
	if (!s)
		return err;
	/* CONFIG_MEMCG: plain kmalloc caches are never merged (SLAB_NO_MERGE). */
	err = create_boot_cache(ms, s, kmalloc_name(st, idx, size), size, SLAB_NO_MERGE | SLAB_KMALLOC);
	if (err) {
		kmem_cache_free_cpu(ms, 0, st->kmem_cache, s);
		return err;
	}
	s->refcount = 1;
	list_add(&s->list, &st->slab_caches);
	st->kmalloc_caches[idx] = s;
	return 0;
}

/* kmalloc_slab(): the size class of a request of at most KMALLOC_MAX_CACHE_SIZE. */
static struct kmem_cache *kmalloc_slab(struct slab_state *st, size_t size)
{
	unsigned int index;
	if (size <= 192)
		index = st->size_index[(size - 1) / 8];
	else
		index = fls32((unsigned int)size - 1);
	return st->kmalloc_caches[index];
}

static inline size_t kmalloc_max_cache_size(const struct slab_state *st)
{
	return (size_t)1 << st->kmalloc_shift_high;
}

/*
 * ___kmalloc_large_node(): compound pages straight from the page allocator, counted as
 * unreclaimable slab memory (as Linux counts it), marked for kfree.
 */
static void *kmalloc_large_node(struct mm_sys *ms, int cpu, size_t size, gfp_t flags, int node, int *errp)
{
	unsigned int order = get_order(ms, size);
	if (order > ms->max_order) {
		*errp = -ENOMEM;	/* Linux: WARN and NULL from the page allocator */
		return NULL;
	}
	flags &= ~GFP_SLAB_BUG_MASK;
	flags |= MMSIM_GFP_COMP;
	struct page *page = node == NUMA_NO_NODE ? alloc_pages(ms, cpu, flags, order, errp)
						  : alloc_pages_node(ms, cpu, node, flags, order, errp);
	if (!page)
		return NULL;
	page->mapping = (void *)&large_kmalloc_mark;
	int64_t bytes = (int64_t)(ms->page_size << order);
	mod_node_page_state(ms->node_data[page_nid(page)], NR_SLAB_UNRECLAIMABLE_B, bytes);
	ms->slab->large_kmalloc_bytes[page_nid(page)] += bytes;
	return page_address(ms, page);
}

static void free_large_kmalloc(struct mm_sys *ms, int cpu, struct page *head)
{
	unsigned int order = compound_order(head);
	int64_t bytes = (int64_t)(ms->page_size << order);
	mod_node_page_state(ms->node_data[page_nid(head)], NR_SLAB_UNRECLAIMABLE_B, -bytes);
	ms->slab->large_kmalloc_bytes[page_nid(head)] -= bytes;
	head->mapping = NULL;
	__free_pages(ms, cpu, head, order);
}

static void *kmalloc_node_cpu(struct mm_sys *ms, int cpu, size_t size, gfp_t gfp, int node, int *errp)
{
	int dummy;
	if (!errp)
		errp = &dummy;
	if (!ms->slab || ms->slab->state < UP) {
		*errp = -EINVAL;
		return NULL;
	}
	if (size > kmalloc_max_cache_size(ms->slab))
		return kmalloc_large_node(ms, cpu, size, gfp, node, errp);
	*errp = 0;
	if (!size)
		return ZERO_SIZE_PTR;
	struct kmem_cache *s = kmalloc_slab(ms->slab, size);
	uint64_t object = slab_alloc_node(ms, cpu, s, gfp, node, errp);
	return object ? obj_host(ms, object) : NULL;
}

static void kfree_cpu(struct mm_sys *ms, int cpu, const void *obj)
{
	uint64_t phys = 0, base = 0;
	if ((uintptr_t)obj <= (uintptr_t)ZERO_SIZE_PTR)	/* ZERO_OR_NULL_PTR */
		return;
	struct page *head = virt_to_head(ms, obj, &phys, &base);
	if (!head) {
		ms->slab->invalid_frees++;
		return;
	}
	if (!page_test(head, PG_slab)) {
		if (head->mapping != &large_kmalloc_mark || phys != base) {
			ms->slab->invalid_frees++;
			return;
		}
		free_large_kmalloc(ms, cpu, head);
		return;
	}
	struct kmem_cache *s = slab_cache(head);
	if (!free_pointer_ok(s, head, phys, base) || phys == s->cpu_slab[cpu].freelist) {
		ms->slab->invalid_frees++;
		return;
	}
	do_slab_free(ms, cpu, s, head, phys);
}

/* ---- public allocation API --------------------------------------------------------------- */

void *kmem_cache_alloc(struct mm_sys *ms, struct kmem_cache *s, gfp_t gfp, int *errp)
{
	if (!s) {
		if (errp)
			*errp = -EINVAL;
		return NULL;
	}
	return kmem_cache_alloc_node_cpu(ms, this_cpu(ms), s, gfp, NUMA_NO_NODE, errp);
}

void kmem_cache_free(struct mm_sys *ms, struct kmem_cache *s, void *obj)
{
	uint64_t phys = 0, base = 0;
	if (!obj || !s)
		return;
	struct page *slab = virt_to_head(ms, obj, &phys, &base);
	if (!slab || !page_test(slab, PG_slab)) {
		ms->slab->invalid_frees++;
		return;
	}
	/* cache_from_obj(): with SLAB_FREELIST_HARDENED Linux WARNs and uses the real cache. */
	if (slab_cache(slab) != s)
		ms->slab->invalid_frees++;
	slab_free_checked(ms, slab_cache(slab), slab, phys, base);
}

void *kmalloc(struct mm_sys *ms, size_t size, gfp_t gfp, int *errp)
{
	return kmalloc_node_cpu(ms, this_cpu(ms), size, gfp, NUMA_NO_NODE, errp);
}

void kfree(struct mm_sys *ms, const void *obj)
{
	kfree_cpu(ms, this_cpu(ms), obj);
}

size_t ksize(struct mm_sys *ms, const void *obj)
{
	uint64_t phys = 0, base = 0;
	if ((uintptr_t)obj <= (uintptr_t)ZERO_SIZE_PTR)
		return 0;
	struct page *head = virt_to_head(ms, obj, &phys, &base);
	if (!head)
		return 0;
	if (!page_test(head, PG_slab)) {
		if (head->mapping != &large_kmalloc_mark || phys != base)
			return 0;
		return (size_t)(ms->page_size << compound_order(head));
	}
	return slab_cache(head)->size;	/* slab_ksize() without debugging */
}

/* ---- cache creation and destruction --------------------------------------------------- */

static struct kmem_cache *find_cache(struct slab_state *st, const char *name)
{
	struct list_head *pos;
	list_for_each(pos, &st->slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		if (!strcmp(s->name, name))
			return s;
	}
	return NULL;
}

/* A cache name: printable, no blanks (Linux warns: "It confuses parsers"), 1..64 bytes. */
static bool cache_name_ok(const char *name)
{
	size_t len = name ? strlen(name) : 0;
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] >= 0x7f)
			return false;
	return true;
}

int kmem_cache_create(struct mm_sys *ms, const char *name, unsigned int size, unsigned int align,
		      unsigned int flags, struct kmem_cache **out)
{
	struct slab_state *st = ms->slab;
	int cpu = this_cpu(ms);
	if (!st || st->state < UP || !out)
		return -EINVAL;
	if (!cache_name_ok(name))
		return -EINVAL;
	/* kmem_cache_sanity_check: size up to KMALLOC_MAX_SIZE (a MAX_PAGE_ORDER block) */
	if (size == 0 || size > (ms->page_size << ms->max_order))
		return -EINVAL;
	if (align && (!is_pow2(align) || align > ms->page_size))
		return -EINVAL;
	if (flags & ~SLAB_USER_FLAGS)
		return -EINVAL;
	if (find_cache(st, name))
		return -EEXIST;
	align = calculate_alignment(ms, flags, align, size);
	/* Check the geometry before touching the allocator, so that -EINVAL changes nothing. */
	struct kmem_cache probe = { .object_size = size, .align = align, .flags = flags };
	if (!kmem_cache_setup_sizes(ms, &probe))
		return -EINVAL;
	char *cache_name = strdup(name);	/* kstrdup_const of a .rodata name: no kmalloc */
	if (!cache_name)
		return -ENOMEM;
	int err;
	struct kmem_cache *s = kmem_cache_alloc_node_cpu(ms, cpu, st->kmem_cache,
							 MMSIM_GFP_KERNEL | MMSIM_GFP_ZERO, NUMA_NO_NODE, &err);
	if (!s) {
		free(cache_name);
		return err;
	}
	err = do_kmem_cache_create(ms, cpu, s, cache_name, size, align, flags);
	if (err) {
		kmem_cache_free_cpu(ms, cpu, st->kmem_cache, s);
		free(cache_name);
		return err;
	}
	s->refcount = 1;
	list_add(&s->list, &st->slab_caches);
	*out = s;
	return 0;
}

/* free_partial(): the empty partial slabs of n go back (in reverse, as Linux's list_add). */
static void free_partial(struct mm_sys *ms, int cpu, struct kmem_cache *s, struct kmem_cache_node *n)
{
	struct list_head discard, *pos, *tmp;
	INIT_LIST_HEAD(&discard);
	list_for_each_safe(pos, tmp, &n->partial) {
		struct page *slab = list_entry(pos, struct page, lru);
		if (!slab_inuse(slab)) {
			remove_partial(n, slab);
			list_add(&slab->lru, &discard);
		}
	}
	list_for_each_safe(pos, tmp, &discard) {
		struct page *slab = list_entry(pos, struct page, lru);
		list_del(&slab->lru);
		discard_slab(ms, cpu, s, slab);
	}
}

int kmem_cache_destroy(struct mm_sys *ms, struct kmem_cache *s)
{
	struct slab_state *st = ms->slab;
	int cpu = this_cpu(ms);
	if (!st || !s || s->refcount < 0 || (s->flags & SLAB_KMALLOC))
		return -EINVAL;	/* boot and kmalloc caches live as long as the machine */
	/* Linux WARNs, unlinks and leaks a cache with objects; mmsim refuses and keeps it. */
	if (s->nr_allocated)
		return -EBUSY;
	if (--s->refcount)
		return 0;
	/* __kmem_cache_shutdown(): flush every CPU, free the (now empty) partial slabs. */
	for (unsigned int c = 0; c < ms->nr_cpus; c++)
		flush_cpu_slab(ms, (int)c, s);
	for (unsigned int nid = 0; nid < ms->nr_node_ids; nid++)
		if (s->node[nid])
			free_partial(ms, cpu, s, s->node[nid]);
	list_del(&s->list);
	char *name = (char *)s->name;
	kmem_cache_release_parts(ms, cpu, s);
	kmem_cache_free_cpu(ms, cpu, st->kmem_cache, s);
	free(name);
	return 0;
}

/* ---- boot and teardown --------------------------------------------------------------------- */

/* kmalloc_size_index[] of slab_common.c: sizes 8..192 in steps of 8. */
static const uint8_t kmalloc_size_index_init[24] = {
	3, 4, 5, 5, 6, 6, 6, 6,		/* 8 16 24 32 40 48 56 64 */
	1, 1, 1, 1, 7, 7, 7, 7,		/* 72 80 88 96 104 112 120 128 */
	2, 2, 2, 2, 2, 2, 2, 2		/* 136 .. 192 */
};

/* N_NORMAL_MEMORY: nodes with populated DMA, DMA32 or Normal memory. */
static void init_slab_nodes(struct mm_sys *ms, struct slab_state *st)
{
	for (unsigned int nid = 0; nid < ms->nr_node_ids; nid++) {
		pg_data_t *pgdat = ms->node_data[nid];
		if (!pgdat)
			continue;
		for (unsigned int z = 0; z < ms->arch->nr_zones; z++) {
			const struct zone *zone = &pgdat->node_zones[z];
			if (zone->type <= ZONE_NORMAL && zone_is_populated(zone) && zone->managed_pages)
				st->slab_nodes[nid] = true;
		}
	}
}

/* Slab pages to give back, with the counter each was accounted to. */
struct slab_vec {
	struct { struct page *slab; enum node_stat_item idx; } *v;
	size_t n, cap;
};

static bool slab_vec_push(struct slab_vec *sv, struct page *slab, enum node_stat_item idx)
{
	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 64;
		void *v = realloc(sv->v, cap * sizeof(*sv->v));
		if (!v)
			return false;
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n].slab = slab;
	sv->v[sv->n].idx = idx;
	sv->n++;
	return true;
}

static bool slab_vec_push_list(struct slab_vec *sv, struct list_head *head, enum node_stat_item idx)
{
	struct list_head *pos;
	list_for_each(pos, head)
		if (!slab_vec_push(sv, list_entry(pos, struct page, lru), idx))
			return false;
	return true;
}

/* Every slab of s (CPU slabs, CPU partial, node partial and full lists) onto sv. */
static bool collect_slabs(struct mm_sys *ms, struct kmem_cache *s, struct slab_vec *sv)
{
	enum node_stat_item idx = cache_vmstat_idx(s);
	for (unsigned int cpu = 0; s->cpu_slab && cpu < ms->nr_cpus; cpu++) {
		struct kmem_cache_cpu *c = &s->cpu_slab[cpu];
		if (c->slab && !slab_vec_push(sv, c->slab, idx))
			return false;
		if (!slab_vec_push_list(sv, &c->partial, idx))
			return false;
	}
	for (unsigned int nid = 0; nid < ms->nr_node_ids; nid++) {
		struct kmem_cache_node *n = s->node[nid];
		if (n && (!slab_vec_push_list(sv, &n->partial, idx) || !slab_vec_push_list(sv, &n->full, idx)))
			return false;
	}
	return true;
}

static bool cache_name_owned(const struct kmem_cache *s)
{
	return s->refcount >= 0 && !(s->flags & SLAB_KMALLOC);
}

/*
 * Release everything: host memory always; with give_back also every slab page (a failed
 * boot leaves the page allocator as it found it). The descriptors live in slabs, so all
 * of them is read before any page goes back.
 */
static void slab_release_all(struct mm_sys *ms, bool give_back)
{
	struct slab_state *st = ms->slab;
	struct slab_vec sv = { 0 };
	struct list_head *pos, *tmp;
	bool ok = true;

	if (give_back) {
		list_for_each(pos, &st->slab_caches)
			ok = ok && collect_slabs(ms, list_entry(pos, struct kmem_cache, list), &sv);
		for (int i = 0; i < 2; i++)
			if (st->boot_cache[i])
				ok = ok && collect_slabs(ms, st->boot_cache[i], &sv);
	}
	list_for_each_safe(pos, tmp, &st->slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		free(s->cpu_slab);
		if (cache_name_owned(s))
			free((char *)s->name);
	}
	for (int i = 0; i < 2; i++) {
		if (st->boot_cache[i]) {
			free(st->boot_cache[i]->cpu_slab);
			free(st->boot_cache[i]);
		}
	}
	for (size_t i = 0; give_back && ok && i < sv.n; i++)
		release_slab_page(ms, 0, sv.v[i].slab, sv.v[i].idx);
	free(sv.v);
	free(st);
	ms->slab = NULL;
}

int kmem_cache_init(struct mm_sys *ms)
{
	struct slab_state *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	ms->slab = st;
	INIT_LIST_HEAD(&st->slab_caches);
	st->word = ms->arch->is_64bit ? 8 : 4;
	st->kmalloc_shift_high = ms->page_shift + 1;
	st->freelist_random = true;
	memcpy(st->size_index, kmalloc_size_index_init, sizeof(st->size_index));
	init_slab_nodes(ms, st);

	size_t desc = kmem_cache_desc_size(ms);
	int err = -ENOMEM;
	st->boot_cache[0] = calloc(1, desc);	/* boot_kmem_cache_node */
	st->boot_cache[1] = calloc(1, desc);	/* boot_kmem_cache */
	if (!st->boot_cache[0] || !st->boot_cache[1])
		goto fail;
	st->state = DOWN;
	st->kmem_cache_node = st->boot_cache[0];
	st->kmem_cache = st->boot_cache[1];
	err = create_boot_cache(ms, st->kmem_cache_node, "kmem_cache_node", LINUX_KMEM_CACHE_NODE_SIZE,
				SLAB_HWCACHE_ALIGN);
	if (err)
		goto fail;
	st->state = PARTIAL;
	err = create_boot_cache(ms, st->kmem_cache, "kmem_cache",
				LINUX_KMEM_CACHE_NODE_OFFSET + ms->nr_node_ids * (unsigned int)sizeof(void *),
				SLAB_HWCACHE_ALIGN);
	if (err)
		goto fail;
	struct kmem_cache *kc = bootstrap(ms, st->boot_cache[1], &err);
	if (!kc)
		goto fail;
	st->kmem_cache = kc;
	free(st->boot_cache[1]);
	st->boot_cache[1] = NULL;
	struct kmem_cache *kcn = bootstrap(ms, st->boot_cache[0], &err);
	if (!kcn)
		goto fail;
	st->kmem_cache_node = kcn;
	free(st->boot_cache[0]);
	st->boot_cache[0] = NULL;

	/* create_kmalloc_caches(): 96 and 192 first, then the powers of two. */
	err = new_kmalloc_cache(ms, 1);
	if (!err)
		err = new_kmalloc_cache(ms, 2);
	for (unsigned int i = KMALLOC_SHIFT_LOW; !err && i <= st->kmalloc_shift_high; i++)
		err = new_kmalloc_cache(ms, i);
	if (err)
		goto fail;
	st->state = UP;
	/* init_freelist_randomization(): every cache, newest first; a cache whose sequence
	 * cannot be had keeps address-ordered free lists (Linux: "SLUB: Unable to initialize
	 * free list for %s" and on). */
	struct list_head *pos;
	list_for_each(pos, &st->slab_caches)
		init_cache_random_seq(ms, 0, list_entry(pos, struct kmem_cache, list));
	st->state = FULL;
	return 0;
fail:
	slab_release_all(ms, true);
	return err;
}

void kmem_cache_teardown(struct mm_sys *ms)
{
	if (ms->slab)
		slab_release_all(ms, false);
}

/* ---- /proc/slabinfo --------------------------------------------------------------------- */

/* count_partial_free_approx(): free objects on n's partial list, sampled past 10000 slabs. */
static unsigned long count_partial_free_approx(struct kmem_cache_node *n)
{
	unsigned long x = 0;
	struct list_head *pos;
	if (n->nr_partial <= MAX_PARTIAL_TO_SCAN) {
		list_for_each(pos, &n->partial) {
			struct page *slab = list_entry(pos, struct page, lru);
			x += slab_objects(slab) - slab_inuse(slab);
		}
		return x;
	}
	unsigned long scanned = 0;
	list_for_each(pos, &n->partial) {
		struct page *slab = list_entry(pos, struct page, lru);
		x += slab_objects(slab) - slab_inuse(slab);
		if (++scanned == MAX_PARTIAL_TO_SCAN / 2)
			break;
	}
	for (pos = n->partial.prev; pos != &n->partial; pos = pos->prev) {
		struct page *slab = list_entry(pos, struct page, lru);
		x += slab_objects(slab) - slab_inuse(slab);
		if (++scanned == MAX_PARTIAL_TO_SCAN)
			break;
	}
	/* mult_frac(x, nr_partial, scanned) */
	unsigned long q = x / scanned, r = x % scanned;
	x = q * n->nr_partial + r * n->nr_partial / scanned;
	return x < n->total_objects ? x : n->total_objects;
}

int slabinfo_render(struct mm_sys *ms, struct strbuf *sb)
{
	struct slab_state *st = ms->slab;
	struct list_head *pos;
	if (!st)
		return -EINVAL;
	list_for_each(pos, &st->slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		unsigned long nr_slabs = 0, nr_objs = 0, nr_free = 0;
		if (pos == st->slab_caches.next) {
			sb_puts(sb, "slabinfo - version: 2.1\n");
			sb_puts(sb, "# name            <active_objs> <num_objs> <objsize> <objperslab> "
				    "<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : "
				    "slabdata <active_slabs> <num_slabs> <sharedavail>\n");
		}
		/* get_slabinfo(): CPU slabs and CPU partial slabs count as wholly active. */
		for (unsigned int nid = 0; nid < ms->nr_node_ids; nid++) {
			struct kmem_cache_node *n = s->node[nid];
			if (!n)
				continue;
			nr_slabs += n->nr_slabs;
			nr_objs += n->total_objects;
			nr_free += count_partial_free_approx(n);
		}
		sb_printf(sb, "%-17s %6lu %6lu %6u %4u %4d", s->name, nr_objs - nr_free, nr_objs, s->size,
			  oo_objects(s->oo), 1 << oo_order(s->oo));
		sb_printf(sb, " : tunables %4u %4u %4u", 0u, 0u, 0u);
		sb_printf(sb, " : slabdata %6lu %6lu %6lu\n", nr_slabs, nr_slabs, 0ul);
	}
	return sb->err;
}

/* ---- validation ---------------------------------------------------------------------------- */

/* Where a slab was found: decides what frozen, PG_workingset and free objects must be. */
enum slab_place { ON_CPU, ON_CPU_PARTIAL, ON_NODE_PARTIAL, ON_FULL };
static const char *const slab_place_names[] = { "CPU slab", "CPU partial list", "node partial list",
						"full list" };

/* What the walk of one cache found. */
struct cache_walk {
	unsigned long slabs[MAX_NUMNODES], objects[MAX_NUMNODES];
	uint64_t allocated;			/* objects in use over all slabs */
	int64_t (*bytes)[2];			/* [nid][reclaimable?] slab bytes, all caches */
	uint64_t bitmap[(MAX_OBJS_PER_PAGE + 64) / 64];
};

/*
 * Walk one free list of slab, marking objects in w->bitmap: every pointer inside the slab
 * at an object boundary, no object twice. Returns the length, or -1 with err filled.
 */
static long walk_freelist(struct mm_sys *ms, const struct kmem_cache *s, const struct page *slab,
			  uint64_t base, uint64_t head, struct cache_walk *w, const char *which,
			  struct mmsim_error *err)
{
	unsigned int objects = slab_objects(slab);
	long len = 0;
	for (uint64_t p = head; p; p = get_freepointer(ms, s, p)) {
		uint64_t idx = (p - base) / s->size;
		if (p < base || (p - base) % s->size || idx >= objects) {
			err_set(err, -EUCLEAN, "", 0, 0,
				"slab: cache %s: %s of the slab at pfn %#llx holds %#llx, not an object of "
				"the slab [%#llx, %#llx) at a multiple of %u", s->name, which,
				(unsigned long long)(base >> ms->page_shift), (unsigned long long)p,
				(unsigned long long)base, (unsigned long long)(base + (uint64_t)objects * s->size),
				s->size);
			return -1;
		}
		if (w->bitmap[idx / 64] & (1ull << (idx % 64))) {
			err_set(err, -EUCLEAN, "", 0, 0,
				"slab: cache %s: object %#llx is on the free lists of the slab at pfn %#llx "
				"twice (%s); each free object must be listed once", s->name,
				(unsigned long long)p, (unsigned long long)(base >> ms->page_shift), which);
			return -1;
		}
		w->bitmap[idx / 64] |= 1ull << (idx % 64);
		len++;
	}
	return len;
}

/* Check one slab found at place (node nid's lists or CPU cpu_freelist's slab). */
static int check_slab(struct mm_sys *ms, const struct kmem_cache *s, struct page *slab, enum slab_place place,
		      int nid, uint64_t cpu_freelist, struct cache_walk *w, struct mmsim_error *err)
{
	const char *where = slab_place_names[place];
	unsigned int order = compound_order(slab);
	unsigned int objects = slab_objects(slab);
	if (!page_test(slab, PG_slab) || slab_cache(slab) != s || PageTail(slab) ||
	    (order != oo_order(s->oo) && order != oo_order(s->min)) ||
	    objects != order_objects(ms, order, s->size))
		return err_set(err, -EUCLEAN, "", 0, 0,
			       "slab: cache %s: a page on its %s is not one of its slabs (PG_slab %d, "
			       "cache %s, order %u, %u objects; expected a head page of order %u or %u "
			       "with (PAGE_SIZE << order) / %u objects)", s->name, where,
			       page_test(slab, PG_slab), slab_cache(slab) == s ? "this" : "another", order,
			       objects, oo_order(s->oo), oo_order(s->min), s->size);
	uint64_t base = slab_base(ms, slab);
	if (slab_frozen(slab) != (place == ON_CPU) ||
	    slab_test_node_partial(slab) != (place == ON_NODE_PARTIAL) ||
	    (nid >= 0 && (int)slab_nid(slab) != nid) || slab_inuse(slab) > objects)
		return err_set(err, -EUCLEAN, "", 0, 0,
			       "slab: cache %s: slab at pfn %#llx on the %s has frozen=%d, "
			       "node-partial mark %d, node %u, inuse %u of %u; expected frozen only "
			       "as a CPU slab, the mark only on a node partial list, node %d",
			       s->name, (unsigned long long)(base >> ms->page_shift), where,
			       slab_frozen(slab), slab_test_node_partial(slab), slab_nid(slab),
			       slab_inuse(slab), objects, nid);
	memset(w->bitmap, 0, ((objects + 63) / 64) * sizeof(uint64_t));
	long nfree = walk_freelist(ms, s, slab, base, slab_freelist(slab), w, "the free list", err);
	if (nfree < 0)
		return -EUCLEAN;
	long cpu_free = 0;
	if (place == ON_CPU) {
		cpu_free = walk_freelist(ms, s, slab, base, cpu_freelist, w, "the CPU free list", err);
		if (cpu_free < 0)
			return -EUCLEAN;
	}
	bool want_free = place == ON_CPU_PARTIAL || place == ON_NODE_PARTIAL;
	if (slab_inuse(slab) + (unsigned long)nfree != objects || (place == ON_FULL && nfree) ||
	    (want_free && !nfree) || (unsigned long)cpu_free > slab_inuse(slab))
		return err_set(err, -EUCLEAN, "", 0, 0,
			       "slab: cache %s: slab at pfn %#llx on the %s: inuse %u + %ld free != %u "
			       "objects, or a wrong fill for that place (%ld on the CPU free list)",
			       s->name, (unsigned long long)(base >> ms->page_shift), where,
			       slab_inuse(slab), nfree, objects, cpu_free);
	w->allocated += slab_inuse(slab) - (unsigned long)cpu_free;
	unsigned int snid = slab_nid(slab);
	w->slabs[snid]++;
	w->objects[snid] += objects;
	w->bytes[snid][!!(s->flags & SLAB_RECLAIM_ACCOUNT)] += (int64_t)(ms->page_size << order);
	return 0;
}

/* Walk a list of slabs (links checked, length bounded by limit); count in *count. */
static int check_slab_list(struct mm_sys *ms, const struct kmem_cache *s, struct list_head *head,
			   enum slab_place place, int nid, unsigned long limit, unsigned long *count,
			   struct cache_walk *w, struct mmsim_error *err)
{
	unsigned long k = 0;
	for (struct list_head *pos = head->next; pos != head; pos = pos->next) {
		if (pos->next->prev != pos || pos->prev->next != pos || ++k > limit)
			return err_set(err, -EUCLEAN, "", 0, 0,
				       "slab: cache %s: the %s of node %d is broken or longer than the "
				       "%lu slabs counted", s->name, slab_place_names[place], nid, limit);
		int ret = check_slab(ms, s, list_entry(pos, struct page, lru), place,
				     place == ON_CPU_PARTIAL ? -1 : nid, 0, w, err);
		if (ret)
			return ret;
	}
	*count = k;
	return 0;
}

/* Geometry of a cache: the invariants beside struct kmem_cache. */
static int check_cache_geometry(struct mm_sys *ms, const struct kmem_cache *s, struct mmsim_error *err)
{
	unsigned int word = ms->slab->word;
	if (!s->align || s->size % s->align || s->size % word || s->offset % word ||
	    s->offset + word > s->size || s->object_size > s->inuse || s->inuse > s->size ||
	    oo_objects(s->oo) != order_objects(ms, oo_order(s->oo), s->size) ||
	    oo_objects(s->min) != order_objects(ms, oo_order(s->min), s->size) ||
	    oo_order(s->min) > oo_order(s->oo) || s->min_partial < MIN_PARTIAL ||
	    s->min_partial > MAX_PARTIAL || !s->cpu_slab)
		return err_set(err, -EUCLEAN, "", 0, 0,
			       "slab: cache %s: inconsistent geometry (object_size %u, size %u, align "
			       "%u, offset %u, order %u/%u objects, min order %u/%u objects, min_partial %u)",
			       s->name, s->object_size, s->size, s->align, s->offset, oo_order(s->oo),
			       oo_objects(s->oo), oo_order(s->min), oo_objects(s->min), s->min_partial);
	return 0;
}

static int validate_cache(struct mm_sys *ms, const struct kmem_cache *s, struct cache_walk *w,
			  struct mmsim_error *err)
{
	int ret = check_cache_geometry(ms, s, err);
	if (ret)
		return ret;
	unsigned long total_slabs = 0;
	memset(w->slabs, 0, sizeof(w->slabs));
	memset(w->objects, 0, sizeof(w->objects));
	w->allocated = 0;
	for (unsigned int nid = 0; nid < ms->nr_node_ids; nid++) {
		if (!s->node[nid] != !ms->slab->slab_nodes[nid])
			return err_set(err, -EUCLEAN, "", 0, 0,
				       "slab: cache %s: node %u structure is %s; expected one exactly "
				       "for the nodes with normal memory", s->name, nid,
				       s->node[nid] ? "present" : "absent");
		if (s->node[nid])
			total_slabs += s->node[nid]->nr_slabs;
	}
	for (unsigned int cpu = 0; cpu < ms->nr_cpus; cpu++) {
		struct kmem_cache_cpu *c = &s->cpu_slab[cpu];
		unsigned long k = 0;
		if (!c->slab && c->freelist)
			return err_set(err, -EUCLEAN, "", 0, 0,
				       "slab: cache %s: CPU %u has a free list but no CPU slab", s->name, cpu);
		if (c->slab && (ret = check_slab(ms, s, c->slab, ON_CPU, -1, c->freelist, w, err)))
			return ret;
		ret = check_slab_list(ms, s, &c->partial, ON_CPU_PARTIAL, -1, total_slabs, &k, w, err);
		if (ret)
			return ret;
		if (k != c->partial_slabs)
			return err_set(err, -EUCLEAN, "", 0, 0,
				       "slab: cache %s: CPU %u has %lu partial slabs, counted %u",
				       s->name, cpu, k, c->partial_slabs);
	}
	for (unsigned int nid = 0; nid < ms->nr_node_ids; nid++) {
		struct kmem_cache_node *n = s->node[nid];
		unsigned long k = 0, full = 0;
		if (!n)
			continue;
		ret = check_slab_list(ms, s, &n->partial, ON_NODE_PARTIAL, (int)nid, n->nr_slabs, &k, w, err);
		if (!ret && k != n->nr_partial)
			ret = err_set(err, -EUCLEAN, "", 0, 0,
				      "slab: cache %s: node %u partial list has %lu slabs, nr_partial %lu",
				      s->name, nid, k, n->nr_partial);
		if (!ret)
			ret = check_slab_list(ms, s, &n->full, ON_FULL, (int)nid, n->nr_slabs, &full, w, err);
		if (ret)
			return ret;
	}
	for (unsigned int nid = 0; nid < ms->nr_node_ids; nid++) {
		struct kmem_cache_node *n = s->node[nid];
		unsigned long nr = n ? n->nr_slabs : 0, objs = n ? n->total_objects : 0;
		if (nr != w->slabs[nid] || objs != w->objects[nid])
			return err_set(err, -EUCLEAN, "", 0, 0,
				       "slab: cache %s: node %u counts %lu slabs / %lu objects, its slabs "
				       "are %lu / %lu", s->name, nid, nr, objs, w->slabs[nid], w->objects[nid]);
	}
	if (w->allocated != s->nr_allocated)
		return err_set(err, -EUCLEAN, "", 0, 0,
			       "slab: cache %s: %llu objects in use in its slabs, %llu handed out",
			       s->name, (unsigned long long)w->allocated,
			       (unsigned long long)s->nr_allocated);
	return 0;
}

int slab_validate(struct mm_sys *ms, struct mmsim_error *err)
{
	struct slab_state *st = ms->slab;
	if (!st)
		return 0;
	if (st->invalid_frees)
		return err_set(err, -EUCLEAN, "", 0, 0,
			       "slab: %llu frees of pointers that were not allocated objects (outside "
			       "the slabs, not at an object boundary, of another cache, or freed twice)",
			       (unsigned long long)st->invalid_frees);
	struct cache_walk *w = calloc(1, sizeof(*w));
	int64_t (*bytes)[2] = calloc(ms->nr_node_ids, sizeof(*bytes));
	int ret = 0;
	if (!w || !bytes) {
		free(w);
		free(bytes);
		return -ENOMEM;
	}
	w->bytes = bytes;
	struct list_head *pos;
	list_for_each(pos, &st->slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		if (pos->next->prev != pos || pos->prev->next != pos) {
			ret = err_set(err, -EUCLEAN, "", 0, 0, "slab: the slab_caches list is broken at %s",
				      s->name);
			break;
		}
		for (struct list_head *q = pos->next; q != &st->slab_caches && !ret; q = q->next)
			if (!strcmp(list_entry(q, struct kmem_cache, list)->name, s->name))
				ret = err_set(err, -EUCLEAN, "", 0, 0,
					      "slab: two caches are named %s", s->name);
		if (!ret)
			ret = validate_cache(ms, s, w, err);
		if (ret)
			break;
	}
	for (unsigned int nid = 0; !ret && nid < ms->nr_node_ids; nid++) {
		pg_data_t *pgdat = ms->node_data[nid];
		int64_t rec = pgdat ? pgdat->vm_stat[NR_SLAB_RECLAIMABLE_B] : 0;
		int64_t unrec = pgdat ? pgdat->vm_stat[NR_SLAB_UNRECLAIMABLE_B] : 0;
		if (rec != bytes[nid][1] || unrec != bytes[nid][0] + st->large_kmalloc_bytes[nid])
			ret = err_set(err, -EUCLEAN, "", 0, 0,
				      "slab: node %u nr_slab_reclaimable %lld / nr_slab_unreclaimable %lld "
				      "bytes, but its slabs hold %lld / %lld and kmalloc_large %lld",
				      nid, (long long)rec, (long long)unrec, (long long)bytes[nid][1],
				      (long long)bytes[nid][0], (long long)st->large_kmalloc_bytes[nid]);
	}
	free(bytes);
	free(w);
	return ret;
}

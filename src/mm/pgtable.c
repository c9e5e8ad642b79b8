/*
 * Software page-table operations (mm/pgtable.h): the kernel side that builds, changes and
 * tears down the tables the MMU walks, written once over the format interface
 * (arch/pgtable.h). Linux: mm/memory.c (__pte_alloc, zap_pte_range, free_pgtables),
 * mm/mprotect.c (change_protection), mm/huge_memory.c (__split_huge_pmd), mm/pagewalk.c,
 * include/linux/mm.h (pagetable_alloc, pagetable_pte_ctor / __pagetable_ctor).
 *
 * A table is a granule of simulated RAM; entries are read and written there in the format's
 * raw layout, 4 or 8 bytes little-endian (the host is little-endian, as every format is).
 *
 * The struct page of a table's first frame carries the bookkeeping (Linux: struct ptdesc,
 * which overlays struct page; PG_table is Linux 6.18's page_type PGTY_table):
 *
 *   flags    PG_table
 *   index    owner tag | level      owner tag = root[0] (at least page aligned), so the
 *            63 ........ 12 | 2..0  low bits hold the level the table serves (0 = root)
 *   private  number of non-zero entries in the table (present or a software value);
 *            a non-root table is freed the moment it drops to 0
 *
 * The tag lets pgtable_validate prove that every table reached belongs to this pgtable and
 * sits at the level it was made for, and lets pgtable_destroy follow only its own tables.
 *
 * All-or-nothing: map checks the whole range before writing and undoes a partial map when a
 * table allocation fails; unmap and protect allocate every table their edge splits need
 * before changing anything. Tables that pgtable_validate rejects (a pointer out of RAM, a
 * reserved bit) are reported as -EUCLEAN before any change.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mm/pgtable.h"
#include "hw/physmem.h"
#include "mm/page_alloc.h"
#include "util/error.h"

/* GFP_PGTABLE_USER (include/asm-generic/pgalloc.h): GFP_KERNEL_ACCOUNT | __GFP_ZERO. */
#define GFP_PGTABLE_USER (MMSIM_GFP_KERNEL | MMSIM_GFP_ACCOUNT | MMSIM_GFP_ZERO)

/* Every PTE_* bit the generic description knows. */
#define PTE_ALL_BITS (PTE_WRITE | PTE_USER | PTE_UXN | PTE_PXN | PTE_GLOBAL | PTE_ACCESSED | \
		      PTE_DIRTY | PTE_DBM | PTE_CONT)
#define PTE_AD (PTE_ACCESSED | PTE_DIRTY)

#define TAG_LEVEL_MASK 7ull

/* ---- raw entries ------------------------------------------------------------------------ */

/* The raw entry at physical address epa (inside RAM). */
static inline uint64_t ent_get(const struct pgtable *pt, uint64_t epa)
{
	const void *p = phys_to_host(pt->ms->ram, epa);
	if (pt->fmt->entry_size == 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* Store raw at epa without bookkeeping. */
static inline void ent_put(const struct pgtable *pt, uint64_t epa, uint64_t raw)
{
	void *p = phys_to_host(pt->ms->ram, epa);
	if (pt->fmt->entry_size == 8) {
		memcpy(p, &raw, 8);
		return;
	}
	uint32_t v = (uint32_t)raw;
	memcpy(p, &v, 4);
}

/* Store raw over old at epa in the table whose head page is tp, keeping its entry count. */
static inline void ent_set(const struct pgtable *pt, struct page *tp, uint64_t epa, uint64_t old,
			   uint64_t raw)
{
	ent_put(pt, epa, raw);
	tp->private += (uint64_t)(raw != 0) - (uint64_t)(old != 0);
}

/* ---- geometry ----------------------------------------------------------------------------- */

/*
 * Address-space halves (pt_va_half), as inclusive ranges:
 *
 *   canonical (x86_64)  half 0 [0, 2^(va_bits-1))    half 1 [2^64 - 2^(va_bits-1), 2^64)
 *   TTBR (arm64)        half 0 [0, 2^va_bits)        half 1 [2^64 - 2^va_bits, 2^64)
 *   none (i386)         half 0 [0, 2^va_bits)        no half 1
 */
static bool half_range(const struct pt_format *f, int half, uint64_t *lo, uint64_t *hi)
{
	unsigned int bits = f->split == PT_SPLIT_CANONICAL ? f->va_bits - 1u : f->va_bits;
	uint64_t span = bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
	if (half == 0) {
		*lo = 0;
		*hi = span;
		return true;
	}
	if (f->split == PT_SPLIT_NONE)
		return false;
	*lo = UINT64_MAX - span;
	*hi = UINT64_MAX;
	return true;
}

/* The root that translates addresses of `half`. */
static inline uint64_t root_of(const struct pgtable *pt, int half)
{
	return half == 1 && pt->fmt->split == PT_SPLIT_TTBR ? pt->root[1] : pt->root[0];
}

/* Buddy order of the smallest block holding `bytes`. */
static unsigned int order_for(const struct mm_sys *ms, uint64_t bytes)
{
	unsigned int order = 0;
	while ((ms->page_size << order) < bytes)
		order++;
	return order;
}

/*
 * Order of a table page at level l. Tables below the root are one granule. A root may be
 * smaller (i386 PAE's PDPT is 32 bytes, arm64 16K/48's L0 16 bytes, 64K/48's L1 512 bytes):
 * it takes the smallest buddy block that holds it at its alignment, one 4 KiB page (Linux
 * takes such a pgd from a slab cache: pgd_cache on x86 PAE and arm64).
 */
static unsigned int table_order(const struct pgtable *pt, unsigned int l)
{
	const struct pt_format *f = pt->fmt;
	if (l == 0) {
		uint64_t b = f->root_bytes > f->root_align ? f->root_bytes : f->root_align;
		return order_for(pt->ms, b);
	}
	return order_for(pt->ms, pt_table_bytes(f, l));
}

/* Number of entries of a table at level l. */
static inline uint64_t table_entries(const struct pt_format *f, unsigned int l)
{
	return 1ull << f->level[l].bits;
}

/* true when a leaf may sit at level l (the last level always takes them). */
static inline bool level_leaf_ok(const struct pt_format *f, unsigned int l)
{
	return f->level[l].leaf_ok || l + 1u == f->nr_levels;
}

/* The level whose leaves are 1 << shift bytes, or -1. */
static int leaf_level(const struct pt_format *f, unsigned int shift)
{
	for (unsigned int l = 0; l < f->nr_levels; l++)
		if (f->level[l].shift == shift && level_leaf_ok(f, l))
			return (int)l;
	return -1;
}

/* true when [pa, pa + len) lies in simulated RAM. */
static inline bool in_ram(const struct pgtable *pt, uint64_t pa, uint64_t len)
{
	const struct physmem *ram = pt->ms->ram;
	return pa >= ram->base && pa - ram->base <= ram->size &&
	       len <= ram->size - (pa - ram->base);
}

/* The owner tag every table of pt carries in page->index (with its level in the low bits). */
static inline uint64_t owner_tag(const struct pgtable *pt)
{
	return pt->root[0];
}

/* ---- table pages -------------------------------------------------------------------------- */

/* The struct page of the table at tpa (its first frame). */
static inline struct page *table_page(const struct pgtable *pt, uint64_t tpa)
{
	return pfn_to_page(pt->ms, tpa >> pt->ms->page_shift);
}

/*
 * Take a zeroed table page for level l from the buddy allocator, mark it PG_table with
 * pt's tag and count it in NR_PAGETABLE (pagetable_alloc + pagetable_pte_ctor). -ENOMEM.
 */
static int table_alloc(struct pgtable *pt, unsigned int l, uint64_t *tpa)
{
	struct mm_sys *ms = pt->ms;
	unsigned int order = table_order(pt, l);
	int err = 0;
	struct page *page = alloc_pages(ms, pt->cpu, GFP_PGTABLE_USER, order, &err);
	if (!page)
		return err ? err : -ENOMEM;
	*tpa = page_to_pfn(ms, page) << ms->page_shift;
	page_set(page, PG_table);
	/* The first root names the owner: its own tag is its address. */
	page->index = (l == 0 && !pt->root[0] ? *tpa : owner_tag(pt)) | l;
	page->private = 0;
	mod_node_page_state(ms->node_data[page_nid(page)], NR_PAGETABLE, 1ll << order);
	pt->nr_tables++;
	return 0;
}

/* Give a table page of level l back to the buddy allocator (pagetable_dtor + free). */
static void table_free(struct pgtable *pt, uint64_t tpa, unsigned int l)
{
	struct mm_sys *ms = pt->ms;
	unsigned int order = table_order(pt, l);
	struct page *page = table_page(pt, tpa);
	page_clear(page, PG_table);
	page->index = 0;
	page->private = 0;
	mod_node_page_state(ms->node_data[page_nid(page)], NR_PAGETABLE, -(1ll << order));
	__free_pages(ms, pt->cpu, page, order);
	pt->nr_tables--;
}

/* true when page is a table of pt serving level l. */
static inline bool owns_table(const struct pgtable *pt, const struct page *page, unsigned int l)
{
	return page && page_test(page, PG_table) && page->refcount >= 1 &&
	       page->index == (owner_tag(pt) | l);
}

/*
 * Permissions of a table entry written at level l for an address of half `half`: what
 * Linux's *_populate() write, none of them restricting what the leaves allow.
 *
 *   x86   user half    _PAGE_TABLE   = P RW US A D   (0x67) arch/x86/include/asm/pgtable_types.h
 *         kernel half  _KERNPG_TABLE = P RW A D      (0x63)
 *         PAE PDPTE    P only: the SDM makes RW/US/A/D reserved in a PDPTE (Intel SDM vol. 3A
 *                      4.4.1); Linux's PAE pud_populate writes __pa(pmd) | _PAGE_PRESENT. The
 *                      format describes such an entry as restricting nothing (PTE_WRITE|PTE_USER)
 *   arm64 user half    TABLE | PXNTable  (pud_populate/pmd_populate, mm != init_mm)
 *         kernel half  TABLE | UXNTable  (init_mm)
 *         arch/arm64/include/asm/pgalloc.h, Linux 6.18. Linux also sets PxD_TABLE_AF (bit 10),
 *         which only FEAT_HAFT defines; the modelled CPU lacks it and the format keeps bit 10
 *         of a table descriptor out of reach, so it stays 0.
 */
static uint32_t table_prot(const struct pt_format *f, unsigned int l, int half)
{
	if (f->arch == ARCH_ARM64)
		return PTE_WRITE | PTE_USER | (half == 1 ? PTE_UXN : PTE_PXN);
	if (f->id == PTF_I386_PAE && l == 0)
		return PTE_WRITE | PTE_USER;
	return PTE_WRITE | PTE_AD | (half == 1 ? 0 : PTE_USER);
}

/* The raw table entry at level l pointing at child, for an address of half `half`. */
static int table_entry(const struct pgtable *pt, unsigned int l, int half, uint64_t child,
		       uint64_t *raw)
{
	struct pte_desc d = {
		.kind = PTE_KIND_TABLE, .prot = table_prot(pt->fmt, l, half), .pa = child,
	};
	return pt->fmt->ops->encode(pt->fmt, l, &d, raw);
}

/*
 * The next-level table a non-zero entry at level l points at: 0 with *child set, 1 when the
 * entry is not a table (leaf or non-present), -EUCLEAN when the entry has a reserved bit or
 * points outside RAM or off the granule.
 */
static int child_table(const struct pgtable *pt, unsigned int l, uint64_t raw, uint64_t *child,
		       struct pte_desc *d)
{
	const struct pt_format *f = pt->fmt;
	if (f->ops->decode(f, l, raw, d))
		return -EUCLEAN;
	if (d->kind != PTE_KIND_TABLE)
		return 1;
	if (l + 1u >= f->nr_levels || (d->pa & ((1ull << f->granule_shift) - 1)) ||
	    !in_ram(pt, d->pa, pt_table_bytes(f, l + 1)))
		return -EUCLEAN;
	*child = d->pa;
	return 0;
}

/* Physical address of the entry of va in the table at tpa (level l). */
static inline uint64_t entry_pa(const struct pt_format *f, unsigned int l, uint64_t tpa,
				uint64_t va)
{
	return tpa + (uint64_t)pt_index(f, l, va) * f->entry_size;
}

/*
 * Last address of the entry of size sz holding a, clipped to last (a macro: the loops over
 * entries run it once per entry, and debug builds do not inline).
 */
#define SPAN_END(a, sz, last) (((a) | ((sz) - 1)) < (last) ? ((a) | ((sz) - 1)) : (last))

/* ---- range arguments ---------------------------------------------------------------------- */

/*
 * Check that [va, va + size) is non-empty, aligned to align, and inside one half of the
 * format's address space; its last byte in *last and its half in *half. -EINVAL otherwise.
 */
static int check_range(const struct pgtable *pt, uint64_t va, uint64_t size, uint64_t align,
		       uint64_t *last, int *half)
{
	if (!pt->fmt || !size || ((va | size) & (align - 1)))
		return -EINVAL;
	uint64_t l = va + size - 1;
	if (l < va)
		return -EINVAL;
	int h = pt_va_half(pt->fmt, va);
	if (h < 0 || pt_va_half(pt->fmt, l) != h)
		return -EINVAL;
	*last = l;
	*half = h;
	return 0;
}

/* ---- clearing (shared by unmap and by map's undo) ------------------------------------------ */

/*
 * Clear every entry of [a, last] under the level-l table at tpa and free the tables left
 * empty (free_pgtables). Each leaf met must lie wholly inside the range: callers split the
 * edges first. Adds the base pages of the present leaves cleared to *nr.
 */
static void zap_range(struct pgtable *pt, unsigned int l, uint64_t tpa, uint64_t a, uint64_t last,
		      uint64_t *nr)
{
	const struct pt_format *f = pt->fmt;
	struct page *tp = table_page(pt, tpa);
	bool bottom = l + 1u == f->nr_levels;
	uint64_t sz = pt_level_size(f, l), epa = entry_pa(f, l, tpa, a);
	for (;; epa += f->entry_size) {
		uint64_t e = SPAN_END(a, sz, last);
		uint64_t raw = ent_get(pt, epa);
		if (raw) {
			struct pte_desc d;
			uint64_t child;
			if (!bottom && child_table(pt, l, raw, &child, &d) == 0) {
				zap_range(pt, l + 1, child, a, e, nr);
				if (table_page(pt, child)->private == 0) {
					ent_set(pt, tp, epa, raw, 0);
					table_free(pt, child, l + 1);
				}
			} else {
				if (bottom)
					f->ops->decode(f, l, raw, &d);
				if (d.kind == PTE_KIND_LEAF)
					*nr += pt_level_size(f, l) >> f->granule_shift;
				ent_set(pt, tp, epa, raw, 0);
			}
		}
		if (e == last)
			return;
		a = e + 1;
	}
}

/* ---- map ------------------------------------------------------------------------------------ */

struct map_req {
	unsigned int leaf;	/* level of the leaves */
	int half;
	uint64_t va, pa;	/* start of the range and of its physical backing */
	struct pte_desc d;	/* the leaf template (pa set per leaf) */
};

/*
 * -EEXIST when a non-zero entry occupies a slot of [a, last] a leaf at level req->leaf needs
 * (a leaf, a software value, or a table where the leaf would go: tables are never empty);
 * -EUCLEAN on a damaged entry on the way; 0 when the range is free.
 */
static int map_check(const struct pgtable *pt, unsigned int l, uint64_t tpa, uint64_t a,
		     uint64_t last, const struct map_req *req)
{
	const struct pt_format *f = pt->fmt;
	uint64_t sz = pt_level_size(f, l), epa = entry_pa(f, l, tpa, a);
	for (;; epa += f->entry_size) {
		uint64_t e = SPAN_END(a, sz, last);
		uint64_t raw = ent_get(pt, epa);
		if (raw) {
			if (l == req->leaf)
				return -EEXIST;
			struct pte_desc d;
			uint64_t child;
			int ret = child_table(pt, l, raw, &child, &d);
			if (ret)
				return ret < 0 ? ret : -EEXIST;
			ret = map_check(pt, l + 1, child, a, e, req);
			if (ret)
				return ret;
		}
		if (e == last)
			return 0;
		a = e + 1;
	}
}

/* Write the leaves of [a, last] (at level req->leaf) into the level-l leaf table at tpa. */
static void map_leaves(struct pgtable *pt, uint64_t tpa, uint64_t a, uint64_t last,
		       const struct map_req *req)
{
	const struct pt_format *f = pt->fmt;
	unsigned int l = req->leaf;
	uint64_t step = pt_level_size(f, l);
	struct page *tp = table_page(pt, tpa);
	struct pte_desc d = req->d;
	uint64_t epa = entry_pa(f, l, tpa, a);
	uint64_t n = ((last - a) >> f->level[l].shift) + 1;
	d.pa = req->pa + (a - req->va);
	for (uint64_t i = 0; i < n; i++, epa += f->entry_size, d.pa += step) {
		uint64_t raw = 0;
		/* Cannot fail: map checked the first and the last physical address. */
		f->ops->encode(f, l, &d, &raw);
		ent_put(pt, epa, raw);
	}
	tp->private += n;
}

/* Fill [a, last] under the level-l table at tpa, allocating missing tables. -ENOMEM. */
static int map_fill(struct pgtable *pt, unsigned int l, uint64_t tpa, uint64_t a, uint64_t last,
		    const struct map_req *req)
{
	const struct pt_format *f = pt->fmt;
	if (l == req->leaf) {
		map_leaves(pt, tpa, a, last, req);
		return 0;
	}
	struct page *tp = table_page(pt, tpa);
	uint64_t sz = pt_level_size(f, l), epa = entry_pa(f, l, tpa, a);
	for (;; epa += f->entry_size) {
		uint64_t e = SPAN_END(a, sz, last);
		uint64_t raw = ent_get(pt, epa), child;
		struct pte_desc d;
		if (!raw) {
			int ret = table_alloc(pt, l + 1, &child);
			if (ret)
				return ret;
			/* Cannot fail: pgtable_init encoded a table entry for the top of RAM. */
			table_entry(pt, l, req->half, child, &raw);
			ent_set(pt, tp, epa, 0, raw);
		} else {
			child_table(pt, l, raw, &child, &d);	/* map_check saw a sane table */
		}
		int ret = map_fill(pt, l + 1, child, a, e, req);
		if (ret)
			return ret;
		if (e == last)
			return 0;
		a = e + 1;
	}
}

int pgtable_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size,
		unsigned int page_shift, uint32_t prot, uint8_t memtype)
{
	const struct pt_format *f = pt->fmt;
	if (!f || page_shift >= 64 || (prot & ~PTE_ALL_BITS))
		return -EINVAL;
	int leaf = leaf_level(f, page_shift);
	uint64_t psz = 1ull << page_shift, last, raw;
	int half;
	if (leaf < 0 || (pa & (psz - 1)) || check_range(pt, va, size, psz, &last, &half) ||
	    pa + (size - 1) < pa)
		return -EINVAL;
	/*
	 * arm64 leaves are inner shareable (SH = 3), as Linux's PROT_DEFAULT makes every
	 * mapping without LPA2 (PTE_MAYBE_SHARED, arch/arm64/include/asm/pgtable-prot.h).
	 */
	struct map_req req = {
		.leaf = (unsigned int)leaf, .half = half, .va = va, .pa = pa,
		.d = { .kind = PTE_KIND_LEAF, .prot = prot, .memtype = memtype, .pa = pa,
		       .shareability = f->arch == ARCH_ARM64 ? 3 : 0 },
	};
	/* Ask the format: the first and the last leaf must encode (prot, memtype, pa width). */
	if (f->ops->encode(f, req.leaf, &req.d, &raw))
		return -EINVAL;
	req.d.pa = pa + (size - psz);
	if (f->ops->encode(f, req.leaf, &req.d, &raw))
		return -EINVAL;
	uint64_t root = root_of(pt, half);
	int ret = map_check(pt, 0, root, va, last, &req);
	if (ret)
		return ret;
	ret = map_fill(pt, 0, root, va, last, &req);
	if (ret) {
		/* Undo: the range was empty, so clearing it frees exactly the tables made here. */
		uint64_t nr = 0;
		zap_range(pt, 0, root, va, last, &nr);
	}
	return ret;
}

/* ---- new permissions for a leaf ------------------------------------------------------------ */

/*
 * The leaf d with permissions prot, keeping its accessed and dirty state (Linux pte_modify /
 * pmd_modify). On x86 A and D are bits of their own and simply stay. On arm64 the dirty
 * state is the hardware's DBM=1 with AP[2]=0 (PTE_DIRTY) or Linux's software dirty bit 55
 * (soft bit 0, PTE_DIRTY in arch/arm64/include/asm/pgtable-prot.h); like arm64's pte_modify,
 * a dirty leaf keeps the software bit and is hardware-dirty again when the new prot is
 * writable with DBM, and a writable DBM leaf is hardware-dirty by its very bits.
 */
#define ARM64_SW_DIRTY 1ull	/* soft bit 0 = descriptor bit 55 */

static struct pte_desc leaf_with_prot(const struct pt_format *f, const struct pte_desc *old,
				      uint32_t prot)
{
	struct pte_desc d = *old;
	d.prot = (prot & ~PTE_AD) | (old->prot & PTE_ACCESSED);
	if (f->arch != ARCH_ARM64) {
		d.prot |= old->prot & PTE_DIRTY;
		return d;
	}
	if (old->prot & PTE_DIRTY)
		d.soft |= ARM64_SW_DIRTY;
	if ((d.prot & PTE_WRITE) && (d.prot & PTE_DBM))
		d.prot |= PTE_DIRTY;
	return d;
}

/* ---- splitting huge leaves at the edges of a range ------------------------------------------ */

/*
 * A split replaces the leaf covering x at level l by a table of level l + 1 holding the
 * equivalent smaller leaves (same prot, memtype, software bits, A/D; the contiguous hint
 * dropped since the pieces are changed one by one), then goes on with the new leaf covering
 * x until x is on a leaf boundary:
 *
 *      x                                      1 GiB leaf, x not 1 GiB aligned
 *   [==|=============================]
 *   [==|=][=====][=====] ...                  512 x 2 MiB leaves in a new table
 *   [][|][][] ...                             512 x 4 KiB leaves, if x is not 2 MiB aligned
 *
 * The tables a range needs (edges start and last + 1) are counted and allocated first, so a
 * failed allocation changes nothing. A table is identified by the level it serves and the
 * base of the leaf it replaces, so two edges inside one huge leaf share the first table.
 */
#define MAX_SPLITS (2 * PT_MAX_LEVELS)

struct split_plan {
	unsigned int n;
	unsigned int level[MAX_SPLITS];	/* level the new table serves */
	uint64_t base[MAX_SPLITS];	/* first address the leaf it replaces maps */
	uint64_t tpa[MAX_SPLITS];	/* the table page, once allocated */
	bool used[MAX_SPLITS];
};

/* The leaf or none entry that decides x, walking from root; its level. -EUCLEAN. */
static int find_entry(const struct pgtable *pt, uint64_t root, uint64_t x, struct pte_desc *d,
		      unsigned int *level, uint64_t *epa)
{
	const struct pt_format *f = pt->fmt;
	uint64_t tpa = root;
	for (unsigned int l = 0; l < f->nr_levels; l++) {
		uint64_t pa = entry_pa(f, l, tpa, x), raw = ent_get(pt, pa);
		*level = l;
		if (epa)
			*epa = pa;
		if (!raw) {
			memset(d, 0, sizeof(*d));
			return 0;
		}
		int ret = child_table(pt, l, raw, &tpa, d);
		if (ret < 0)
			return ret;
		if (ret == 1)
			return 0;
	}
	return -EUCLEAN;	/* a table entry at the last level */
}

/*
 * Add to plan the tables splitting at edge x needs; -EINVAL when the pieces of the leaf
 * cannot be encoded at a lower level (an i386 PSE-36 page above 4 GiB has no 4 KiB form),
 * also with permissions prot when prot_new (protect), -EUCLEAN on damaged tables.
 */
static int plan_split(const struct pgtable *pt, uint64_t root, uint64_t x, bool prot_new,
		      uint32_t prot, struct split_plan *plan)
{
	const struct pt_format *f = pt->fmt;
	struct pte_desc cur;
	unsigned int l;
	int ret = find_entry(pt, root, x, &cur, &l, NULL);
	if (ret || cur.kind != PTE_KIND_LEAF)
		return ret;
	cur.prot &= ~PTE_CONT;
	for (; l + 1u < f->nr_levels && (x & (pt_level_size(f, l) - 1)); l++) {
		uint64_t base = x & ~(pt_level_size(f, l) - 1), raw;
		/* The piece that will cover x, at level l + 1. */
		cur.pa += (x & ~(pt_level_size(f, l + 1) - 1)) - base;
		struct pte_desc piece = leaf_with_prot(f, &cur, prot);
		if (!level_leaf_ok(f, l + 1) || f->ops->encode(f, l + 1, &cur, &raw) ||
		    (prot_new && f->ops->encode(f, l + 1, &piece, &raw)))
			return -EINVAL;
		bool dup = false;
		for (unsigned int i = 0; i < plan->n; i++)
			dup |= plan->level[i] == l + 1 && plan->base[i] == base;
		if (!dup) {
			plan->level[plan->n] = l + 1;
			plan->base[plan->n] = base;
			plan->used[plan->n] = false;
			plan->n++;
		}
	}
	return 0;
}

/* Allocate the plan's tables; on failure free those taken. -ENOMEM. */
static int plan_alloc(struct pgtable *pt, struct split_plan *plan)
{
	for (unsigned int i = 0; i < plan->n; i++) {
		int ret = table_alloc(pt, plan->level[i], &plan->tpa[i]);
		if (ret) {
			while (i--)
				table_free(pt, plan->tpa[i], plan->level[i]);
			return ret;
		}
	}
	return 0;
}

/* The planned table for (level, base). */
static uint64_t plan_take(struct split_plan *plan, unsigned int level, uint64_t base)
{
	for (unsigned int i = 0; i < plan->n; i++)
		if (plan->level[i] == level && plan->base[i] == base && !plan->used[i]) {
			plan->used[i] = true;
			return plan->tpa[i];
		}
	return 0;	/* not reached: plan_split listed every split split_at makes */
}

/* Fill the level-l table at tpa with the pieces of leaf d (which sat at level l - 1). */
static void fill_pieces(struct pgtable *pt, unsigned int l, uint64_t tpa, const struct pte_desc *d)
{
	const struct pt_format *f = pt->fmt;
	struct pte_desc piece = *d;
	uint64_t n = table_entries(f, l), step = pt_level_size(f, l);
	piece.prot &= ~PTE_CONT;
	for (uint64_t i = 0; i < n; i++, piece.pa += step) {
		uint64_t raw = 0;
		f->ops->encode(f, l, &piece, &raw);	/* plan_split encoded the same desc */
		ent_put(pt, tpa + i * f->entry_size, raw);
	}
	table_page(pt, tpa)->private = n;
}

/* Split the leaves covering x until x is on a leaf boundary, with the planned tables. */
static void split_at(struct pgtable *pt, uint64_t root, int half, uint64_t x,
		     struct split_plan *plan)
{
	const struct pt_format *f = pt->fmt;
	struct pte_desc d;
	unsigned int l;
	uint64_t epa, raw = 0;
	while (!find_entry(pt, root, x, &d, &l, &epa) && d.kind == PTE_KIND_LEAF &&
	       l + 1u < f->nr_levels && (x & (pt_level_size(f, l) - 1))) {
		uint64_t child = plan_take(plan, l + 1, x & ~(pt_level_size(f, l) - 1));
		if (!child)
			return;
		fill_pieces(pt, l + 1, child, &d);
		table_entry(pt, l, half, child, &raw);
		ent_put(pt, epa, raw);	/* non-zero over non-zero: the table's count stays */
	}
}

/*
 * Split the huge leaves straddling the edges of [va, last] (all-or-nothing): -ENOMEM,
 * -EINVAL (pieces not encodable), -EUCLEAN.
 */
static int split_edges(struct pgtable *pt, uint64_t root, int half, uint64_t va, uint64_t last,
		       bool prot_new, uint32_t prot)
{
	struct split_plan plan = { .n = 0 };
	/* At the end of a half there is nothing to split: halves start on every boundary. */
	bool end_edge = last != UINT64_MAX && pt_va_half(pt->fmt, last + 1) == half;
	int ret = plan_split(pt, root, va, prot_new, prot, &plan);
	if (!ret && end_edge)
		ret = plan_split(pt, root, last + 1, prot_new, prot, &plan);
	if (!ret)
		ret = plan_alloc(pt, &plan);
	if (ret)
		return ret;
	split_at(pt, root, half, va, &plan);
	if (end_edge)
		split_at(pt, root, half, last + 1, &plan);
	return 0;
}

/* ---- unmap, protect ------------------------------------------------------------------------ */

/*
 * -EUCLEAN when an entry of [a, last] above the last level is damaged (reserved bit, table
 * pointer outside RAM), so that no operation stops half way; with check_prot, also for
 * damaged leaves, and -EINVAL when a leaf cannot take permissions prot (with its A/D) at
 * its level (plan_split checks the pieces of the leaves it splits).
 */
static int precheck(const struct pgtable *pt, unsigned int l, uint64_t tpa, uint64_t a,
		    uint64_t last, bool check_prot, uint32_t prot)
{
	const struct pt_format *f = pt->fmt;
	if (l + 1u == f->nr_levels && !check_prot)
		return 0;
	uint64_t sz = pt_level_size(f, l), epa = entry_pa(f, l, tpa, a);
	for (;; epa += f->entry_size) {
		uint64_t e = SPAN_END(a, sz, last);
		uint64_t raw = ent_get(pt, epa), child;
		struct pte_desc d;
		if (raw) {
			int ret = child_table(pt, l, raw, &child, &d);
			if (ret < 0)
				return ret;
			if (ret == 0) {
				ret = precheck(pt, l + 1, child, a, e, check_prot, prot);
			} else if (check_prot && d.kind == PTE_KIND_LEAF) {
				struct pte_desc n = leaf_with_prot(f, &d, prot);
				ret = f->ops->encode(f, l, &n, &raw) ? -EINVAL : 0;
			} else {
				ret = 0;
			}
			if (ret)
				return ret;
		}
		if (e == last)
			return 0;
		a = e + 1;
	}
}

int pgtable_unmap(struct pgtable *pt, uint64_t va, uint64_t size, uint64_t *nr_unmapped)
{
	uint64_t last, nr = 0;
	int half;
	if (nr_unmapped)
		*nr_unmapped = 0;
	int ret = check_range(pt, va, size, pt->fmt ? 1ull << pt->fmt->granule_shift : 1, &last,
			      &half);
	if (ret)
		return ret;
	uint64_t root = root_of(pt, half);
	ret = precheck(pt, 0, root, va, last, false, 0);
	if (!ret)
		ret = split_edges(pt, root, half, va, last, false, 0);
	if (ret)
		return ret;
	zap_range(pt, 0, root, va, last, &nr);
	if (nr_unmapped)
		*nr_unmapped = nr;
	return 0;
}

/* Give every leaf of [a, last] under the level-l table at tpa permissions prot, keeping A/D. */
static void protect_range(struct pgtable *pt, unsigned int l, uint64_t tpa, uint64_t a,
			  uint64_t last, uint32_t prot)
{
	const struct pt_format *f = pt->fmt;
	uint64_t sz = pt_level_size(f, l), epa = entry_pa(f, l, tpa, a);
	for (;; epa += f->entry_size) {
		uint64_t e = SPAN_END(a, sz, last);
		uint64_t raw = ent_get(pt, epa), child;
		struct pte_desc d;
		if (raw) {
			int ret = child_table(pt, l, raw, &child, &d);	/* precheck: >= 0 */
			if (ret == 0) {
				protect_range(pt, l + 1, child, a, e, prot);
			} else if (d.kind == PTE_KIND_LEAF) {
				struct pte_desc n = leaf_with_prot(f, &d, prot);
				f->ops->encode(f, l, &n, &raw);	/* precheck encoded it */
				ent_put(pt, epa, raw);
			}
		}
		if (e == last)
			return;
		a = e + 1;
	}
}

int pgtable_protect(struct pgtable *pt, uint64_t va, uint64_t size, uint32_t prot)
{
	const struct pt_format *f = pt->fmt;
	uint64_t last, raw;
	int half;
	if (!f || (prot & ~PTE_ALL_BITS))
		return -EINVAL;
	int ret = check_range(pt, va, size, 1ull << f->granule_shift, &last, &half);
	if (ret)
		return ret;
	/* prot must be one the format has, even where the range holds no leaf. */
	struct pte_desc clean = { .kind = PTE_KIND_LEAF };
	clean = leaf_with_prot(f, &clean, prot);
	if (f->ops->encode(f, f->nr_levels - 1u, &clean, &raw))
		return -EINVAL;
	uint64_t root = root_of(pt, half);
	ret = precheck(pt, 0, root, va, last, true, prot);
	if (!ret)
		ret = split_edges(pt, root, half, va, last, true, prot);
	if (ret)
		return ret;
	protect_range(pt, 0, root, va, last, prot);
	return 0;
}

/* ---- lookup and raw access --------------------------------------------------------------- */

int pgtable_lookup(struct pgtable *pt, uint64_t va, struct pte_desc *d, int *level,
		   uint64_t *entry_pa_out)
{
	const struct pt_format *f = pt->fmt;
	int half = f ? pt_va_half(f, va) : -1;
	if (half < 0)
		return -EINVAL;
	unsigned int l;
	uint64_t epa;
	int ret = find_entry(pt, root_of(pt, half), va, d, &l, &epa);
	*level = (int)l;
	if (entry_pa_out)
		*entry_pa_out = epa;
	return ret;
}

/* The head page of the table of pt holding entry_pa, or NULL when it is none of pt's. */
static struct page *table_of_entry(const struct pgtable *pt, uint64_t epa)
{
	const struct pt_format *f = pt->fmt;
	for (int h = 0; h < 2; h++)
		if (pt->root[h] && epa >= pt->root[h] && epa - pt->root[h] < f->root_bytes)
			return table_page(pt, pt->root[h]);
	uint64_t tpa = epa & ~((1ull << f->granule_shift) - 1);
	struct page *page = table_page(pt, tpa);
	if (!page || !page_test(page, PG_table) ||
	    (page->index & ~TAG_LEVEL_MASK) != owner_tag(pt) || !(page->index & TAG_LEVEL_MASK))
		return NULL;
	return page;
}

uint64_t pgtable_read_entry(const struct pgtable *pt, uint64_t entry_pa)
{
	if (!pt->fmt || (entry_pa & (pt->fmt->entry_size - 1u)) ||
	    !in_ram(pt, entry_pa, pt->fmt->entry_size))
		return 0;
	return ent_get(pt, entry_pa);
}

void pgtable_write_entry(struct pgtable *pt, uint64_t entry_pa, uint64_t raw)
{
	if (!pt->fmt || (entry_pa & (pt->fmt->entry_size - 1u)) ||
	    !in_ram(pt, entry_pa, pt->fmt->entry_size))
		return;
	if (pt->fmt->entry_size == 4)
		raw &= UINT32_MAX;
	uint64_t old = ent_get(pt, entry_pa);
	struct page *tp = table_of_entry(pt, entry_pa);
	if (tp)
		ent_set(pt, tp, entry_pa, old, raw);
	else
		ent_put(pt, entry_pa, raw);
}

/* ---- walking ------------------------------------------------------------------------------ */

struct walk_ctx {
	bool holes;
	pgtable_walk_fn fn;
	void *arg;
};

/* Visit the leaves (and holes) of [a, last] under the level-l table at tpa, in order. */
static int walk_table(struct pgtable *pt, unsigned int l, uint64_t tpa, uint64_t a, uint64_t last,
		      const struct walk_ctx *w)
{
	const struct pt_format *f = pt->fmt;
	uint64_t sz = pt_level_size(f, l), epa = entry_pa(f, l, tpa, a);
	for (;; epa += f->entry_size) {
		uint64_t e = SPAN_END(a, sz, last);
		struct pgtable_visit v = {
			.va = a & ~(sz - 1), .size = sz, .level = (int)l, .entry_pa = epa,
		};
		v.raw = ent_get(pt, v.entry_pa);
		int ret = 0;
		if (!v.raw) {
			if (w->holes)
				ret = w->fn(&v, w->arg);
		} else {
			uint64_t child;
			ret = child_table(pt, l, v.raw, &child, &v.desc);
			if (ret == 0)
				ret = walk_table(pt, l + 1, child, a, e, w);
			else if (ret == 1)	/* a leaf, or a not-present software value */
				ret = v.desc.kind == PTE_KIND_LEAF || w->holes ? w->fn(&v, w->arg) : 0;
		}
		if (ret)
			return ret;
		if (e == last)
			return 0;
		a = e + 1;
	}
}

int pgtable_walk_range(struct pgtable *pt, uint64_t start, uint64_t end, bool want_holes,
		       pgtable_walk_fn fn, void *arg)
{
	const struct pt_format *f = pt->fmt;
	if (!f || !fn || (end && end <= start))
		return -EINVAL;
	uint64_t last = end ? end - 1 : UINT64_MAX;
	struct walk_ctx w = { .holes = want_holes, .fn = fn, .arg = arg };
	for (int h = 0; h < 2; h++) {
		uint64_t lo, hi;
		if (!half_range(f, h, &lo, &hi) || last < lo || start > hi)
			continue;
		int ret = walk_table(pt, 0, root_of(pt, h), start > lo ? start : lo,
				     last < hi ? last : hi, &w);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- validation --------------------------------------------------------------------------- */

struct vctx {
	const struct pgtable *pt;
	struct mmsim_error *err;
	int half;
	uint64_t *seen;		/* open-addressing set of table pfn + 1 */
	uint64_t mask;
	uint64_t count;		/* distinct tables reached */
};

/*
 * The address whose walk takes the index path p (the indices shifted into place, below
 * va_bits): sign-extended from bit va_bits - 1 on x86_64, with the top bits set for TTBR1.
 */
static uint64_t path_va(const struct pt_format *f, int half, uint64_t p)
{
	if (f->split == PT_SPLIT_CANONICAL && ((p >> (f->va_bits - 1)) & 1))
		return p | (UINT64_MAX << f->va_bits);
	if (f->split == PT_SPLIT_TTBR && half == 1)
		return p | (UINT64_MAX << f->va_bits);
	return p;
}

/* Add pfn to the set; false when it was there already. */
static bool seen_add(struct vctx *v, uint64_t pfn)
{
	uint64_t key = pfn + 1, i = (key * 0x9e3779b97f4a7c15ull) & v->mask;
	while (v->seen[i]) {
		if (v->seen[i] == key)
			return false;
		i = (i + 1) & v->mask;
	}
	v->seen[i] = key;
	return true;
}

#define VFAIL(...) err_set(v->err, -EUCLEAN, NULL, 0, 0, __VA_ARGS__)

/* Check the table at tpa (level l, index path p) and everything below it. */
static int validate_table(struct vctx *v, uint64_t tpa, unsigned int l, uint64_t p);

/* Check one non-zero entry raw at level l, index path p. */
static int validate_entry(struct vctx *v, unsigned int l, uint64_t p, uint64_t raw)
{
	const struct pgtable *pt = v->pt;
	const struct pt_format *f = pt->fmt;
	uint64_t va = path_va(f, v->half, p), sz = pt_level_size(f, l);
	struct pte_desc d;
	if (f->ops->decode(f, l, raw, &d))
		return VFAIL("pgtable %s: %s entry %#llx for va %#llx has a reserved bit set",
			     f->name, f->level[l].name, (unsigned long long)raw,
			     (unsigned long long)va);
	if (d.kind == PTE_KIND_TABLE) {
		if (l + 1u >= f->nr_levels)
			return VFAIL("pgtable %s: the last level's entry %#llx for va %#llx is a "
				     "table pointer", f->name, (unsigned long long)raw,
				     (unsigned long long)va);
		return validate_table(v, d.pa, l + 1, p);
	}
	if (d.kind == PTE_KIND_LEAF && !level_leaf_ok(f, l))
		return VFAIL("pgtable %s: leaf %#llx for va %#llx at level %s, which maps none",
			     f->name, (unsigned long long)raw, (unsigned long long)va,
			     f->level[l].name);
	if (d.kind == PTE_KIND_LEAF && (d.pa & (sz - 1)))
		return VFAIL("pgtable %s: %s leaf for va %#llx maps %#llx, not aligned to its size "
			     "%#llx", f->name, f->level[l].name, (unsigned long long)va,
			     (unsigned long long)d.pa, (unsigned long long)sz);
	return 0;
}

static int validate_table(struct vctx *v, uint64_t tpa, unsigned int l, uint64_t p)
{
	const struct pgtable *pt = v->pt;
	const struct pt_format *f = pt->fmt;
	uint64_t base = path_va(f, v->half, p);
	uint64_t align = l ? 1ull << f->granule_shift : f->root_align;
	uint64_t bytes = l ? pt_table_bytes(f, l) : f->root_bytes;
	if (!tpa || (tpa & (align - 1)) || !in_ram(pt, tpa, bytes))
		return VFAIL("pgtable %s: %s table for va %#llx at %#llx: not %#llx-aligned inside "
			     "RAM", f->name, f->level[l].name, (unsigned long long)base,
			     (unsigned long long)tpa, (unsigned long long)align);
	struct page *page = table_page(pt, tpa);
	if (!owns_table(pt, page, l))
		return VFAIL("pgtable %s: %s table for va %#llx at %#llx is not an allocated "
			     "page-table page of this pgtable at this level (PG_table %d, tag "
			     "%#llx, expected %#llx)", f->name, f->level[l].name,
			     (unsigned long long)base, (unsigned long long)tpa,
			     page ? page_test(page, PG_table) : 0,
			     page ? (unsigned long long)page->index : 0ull,
			     (unsigned long long)(owner_tag(pt) | l));
	if (!seen_add(v, tpa >> pt->ms->page_shift))
		return VFAIL("pgtable %s: table at %#llx reached twice (again for va %#llx)",
			     f->name, (unsigned long long)tpa, (unsigned long long)base);
	/* Bounds the set's load too: at most nr_tables + 1 of its >= 2 * nr_tables slots. */
	if (++v->count > pt->nr_tables)
		return VFAIL("pgtable %s: more tables reachable than the %llu counted", f->name,
			     (unsigned long long)pt->nr_tables);
	uint64_t n = table_entries(f, l), used = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t raw = ent_get(pt, tpa + i * f->entry_size);
		if (!raw)
			continue;
		used++;
		int ret = validate_entry(v, l, p | i << f->level[l].shift, raw);
		if (ret)
			return ret;
	}
	if (used != page->private)
		return VFAIL("pgtable %s: %s table at %#llx has %llu non-zero entries, its count "
			     "says %llu", f->name, f->level[l].name, (unsigned long long)tpa,
			     (unsigned long long)used, (unsigned long long)page->private);
	if (l && !used)
		return VFAIL("pgtable %s: %s table at %#llx for va %#llx is empty but still linked",
			     f->name, f->level[l].name, (unsigned long long)tpa,
			     (unsigned long long)base);
	return 0;
}

int pgtable_validate(const struct pgtable *pt, struct mmsim_error *err)
{
	const struct pt_format *f = pt->fmt;
	if (!f || !pt->ms)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "pgtable: no format or no machine");
	bool two = f->split == PT_SPLIT_TTBR;
	if (!pt->root[0] || (two != (pt->root[1] != 0)))
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "pgtable %s: roots %#llx/%#llx, expected %s", f->name,
			       (unsigned long long)pt->root[0], (unsigned long long)pt->root[1],
			       two ? "two (TTBR0 and TTBR1)" : "one");
	uint64_t slots = 16;
	while (slots < 2 * pt->nr_tables)
		slots <<= 1;
	struct vctx v = { .pt = pt, .err = err, .mask = slots - 1 };
	v.seen = calloc(slots, sizeof(*v.seen));
	if (!v.seen)
		return err_set(err, -ENOMEM, NULL, 0, 0, "pgtable: no host memory to validate");
	int ret = 0;
	for (int h = 0; h < (two ? 2 : 1) && !ret; h++) {
		v.half = h;
		ret = validate_table(&v, pt->root[h], 0, 0);
	}
	free(v.seen);
	if (!ret && v.count != pt->nr_tables)
		ret = err_set(err, -EUCLEAN, NULL, 0, 0,
			      "pgtable %s: %llu tables reachable, %llu counted", f->name,
			      (unsigned long long)v.count, (unsigned long long)pt->nr_tables);
	return ret;
}

/* ---- life cycle ------------------------------------------------------------------------------ */

/*
 * 0 when pgtables of f can live in this machine's RAM: tables a granule of whole pages, a
 * buddy order large enough, leaf levels a suffix of the walk (so a split always has a level
 * below to go to), and a table entry able to point at the top of RAM.
 */
static int format_fits(const struct pgtable *pt)
{
	const struct pt_format *f = pt->fmt;
	const struct mm_sys *ms = pt->ms;
	if ((f->entry_size != 4 && f->entry_size != 8) || !f->nr_levels ||
	    f->nr_levels > PT_MAX_LEVELS || f->granule_shift < ms->page_shift ||
	    table_order(pt, 0) > ms->max_order || table_order(pt, 1) > ms->max_order)
		return -EINVAL;
	for (unsigned int l = 0; l + 1u < f->nr_levels; l++)
		if (f->level[l].leaf_ok && !level_leaf_ok(f, l + 1))
			return -EINVAL;
	uint64_t top = (ms->ram->base + ms->ram->size - 1) & ~((1ull << f->granule_shift) - 1);
	for (unsigned int l = 0; l + 1u < f->nr_levels; l++)
		for (int h = 0; h < 2; h++) {
			uint64_t raw;
			if (table_entry(pt, l, h, top, &raw))
				return -EINVAL;
		}
	return 0;
}

int pgtable_init(struct pgtable *pt, struct mm_sys *ms, const struct pt_format *fmt, int cpu)
{
	memset(pt, 0, sizeof(*pt));
	if (!ms || !fmt || cpu < 0 || (unsigned int)cpu >= ms->nr_cpus)
		return -EINVAL;
	pt->fmt = fmt;
	pt->ms = ms;
	pt->cpu = cpu;
	int ret = format_fits(pt);
	if (!ret)
		ret = table_alloc(pt, 0, &pt->root[0]);
	if (!ret && fmt->split == PT_SPLIT_TTBR) {
		ret = table_alloc(pt, 0, &pt->root[1]);
		if (ret)
			table_free(pt, pt->root[0], 0);
	}
	if (ret)
		memset(pt, 0, sizeof(*pt));
	return ret;
}

/* Free the level-l table at tpa and every table of pt below it. */
static void free_tree(struct pgtable *pt, unsigned int l, uint64_t tpa)
{
	const struct pt_format *f = pt->fmt;
	if (l + 1u < f->nr_levels) {
		uint64_t n = table_entries(f, l);
		for (uint64_t i = 0; i < n; i++) {
			uint64_t raw = ent_get(pt, tpa + i * f->entry_size), child;
			struct pte_desc d;
			/* Only this pgtable's tables of the right level: damaged tables too. */
			if (raw && child_table(pt, l, raw, &child, &d) == 0 &&
			    owns_table(pt, table_page(pt, child), l + 1))
				free_tree(pt, l + 1, child);
		}
	}
	table_free(pt, tpa, l);
}

void pgtable_destroy(struct pgtable *pt)
{
	if (!pt->fmt)
		return;
	/* Free root[1] first: root[0]'s address is the tag its tables are recognised by. */
	if (pt->root[1])
		free_tree(pt, 0, pt->root[1]);
	free_tree(pt, 0, pt->root[0]);
	memset(pt, 0, sizeof(*pt));
}

/*
 * Reverse mapping (Linux 6.18 mm/rmap.c): anon_vma chains, the mapcount bookkeeping of
 * folios, and rmap_walk. See rmap.h for the picture and the invariants.
 *
 * Lifetimes, as Linux:
 *  - anon_vma_alloc gives refcount 1 (the "degree" reference), dropped by unlink_anon_vmas
 *    when the last chain to it goes; a child anon_vma holds one more on its root;
 *  - num_children counts the anon_vmas whose parent this one is (a new root counts itself,
 *    "self-parent link"); num_active_vmas the VMAs whose vma->anon_vma it is. Together they
 *    decide whether fork may reuse an old anon_vma instead of allocating (anon_vma_clone).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "fs/fs.h"
#include "mm/folio.h"
#include "mm/huge_memory.h"
#include "mm/memory.h"
#include "mm/pagemap.h"
#include "mm/page_alloc.h"
#include "mm/rmap.h"
#include "mm/slab.h"
#include "mm/swap_internal.h"
#include "mm/vma.h"
#include "mm/vmscan.h"
#include "util/error.h"

int anon_vma_init(struct mm_sys *ms)
{
	int ret = kmem_cache_create(ms, "anon_vma", 104, 0, SLAB_PANIC | SLAB_ACCOUNT,
				    &ms->anon_vma_cachep);

	if (ret)
		return ret;
	_Static_assert(sizeof(struct anon_vma) <= 104, "anon_vma must fit its 104-byte object");
	_Static_assert(sizeof(struct anon_vma_chain) <= 64, "anon_vma_chain must fit 64 bytes");
	ret = kmem_cache_create(ms, "anon_vma_chain", 64, 0, SLAB_PANIC | SLAB_ACCOUNT,
				&ms->anon_vma_chain_cachep);
	if (ret) {
		kmem_cache_destroy(ms, ms->anon_vma_cachep);
		ms->anon_vma_cachep = NULL;
	}
	return ret;
}

/* ---- objects ------------------------------------------------------------------------------ */

static struct anon_vma *anon_vma_alloc(struct mm_sys *ms)
{
	int err = 0;
	struct anon_vma *av = kmem_cache_alloc(ms, ms->anon_vma_cachep, MMSIM_GFP_KERNEL, &err);

	if (!av)
		return NULL;
	av->root = av;
	av->parent = av;
	av->refcount = 1;
	av->num_children = 0;
	av->num_active_vmas = 0;
	INIT_LIST_HEAD(&av->chains);
	return av;
}

static void anon_vma_free(struct mm_sys *ms, struct anon_vma *av)
{
	kmem_cache_free(ms, ms->anon_vma_cachep, av);
}

/* put_anon_vma / __put_anon_vma: a child's reference on its root goes with it. */
static void put_anon_vma(struct mm_sys *ms, struct anon_vma *av)
{
	struct anon_vma *root;

	if (--av->refcount)
		return;
	root = av->root;
	anon_vma_free(ms, av);
	if (root != av && --root->refcount == 0)
		anon_vma_free(ms, root);
}

static struct anon_vma_chain *avc_alloc(struct mm_sys *ms)
{
	int err = 0;

	return kmem_cache_alloc(ms, ms->anon_vma_chain_cachep, MMSIM_GFP_KERNEL, &err);
}

static void avc_free(struct mm_sys *ms, struct anon_vma_chain *avc)
{
	kmem_cache_free(ms, ms->anon_vma_chain_cachep, avc);
}

/* anon_vma_chain_link: avc joins vma's list and anon_vma's. */
static void anon_vma_chain_link(struct vm_area_struct *vma, struct anon_vma_chain *avc,
				struct anon_vma *av)
{
	avc->vma = vma;
	avc->anon_vma = av;
	list_add(&avc->same_vma, &vma->anon_vma_chain);
	list_add_tail(&avc->same_anon_vma, &av->chains);
}

/* ---- anon_vma_prepare --------------------------------------------------------------------- */

/*
 * anon_vma_compatible (mm/vma.c): a and b touch, map the same file (none) and differ at most
 * in access flags, so one anon_vma may serve both.
 */
static bool anon_vma_compatible(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
	return a->vm_end == b->vm_start &&
	       a->vm_file == b->vm_file &&
	       !((a->vm_flags ^ b->vm_flags) & ~(VM_ACCESS_FLAGS | VM_SOFTDIRTY)) &&
	       b->vm_pgoff == a->vm_pgoff + ((b->vm_start - a->vm_start) >> a->vm_mm->ms->page_shift);
}

/*
 * reusable_anon_vma: old's anon_vma may be taken over only when old was never forked with
 * it (exactly one chain), so no other process's pages hang from it.
 */
static struct anon_vma *reusable_anon_vma(struct vm_area_struct *old, struct vm_area_struct *a,
					  struct vm_area_struct *b)
{
	if (!anon_vma_compatible(a, b) || !old->anon_vma)
		return NULL;
	if (old->anon_vma_chain.next == &old->anon_vma_chain ||
	    old->anon_vma_chain.next->next != &old->anon_vma_chain)
		return NULL;
	return old->anon_vma;
}

/* find_mergeable_anon_vma: the next VMA's, else the previous one's. */
static struct anon_vma *find_mergeable_anon_vma(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	struct vm_area_struct *prev = NULL, *next;
	struct anon_vma *av = NULL;

	next = find_vma(mm, vma->vm_end);
	if (next && next->vm_start == vma->vm_end)
		av = reusable_anon_vma(next, vma, next);
	if (av)
		return av;
	find_vma_prev(mm, vma->vm_start, &prev);
	if (prev && prev->vm_end == vma->vm_start)
		av = reusable_anon_vma(prev, prev, vma);
	return av;
}

int anon_vma_prepare(struct vm_area_struct *vma)
{
	struct mm_sys *ms = vma->vm_mm->ms;
	struct anon_vma_chain *avc;
	struct anon_vma *av;
	bool allocated = false;

	if (vma->anon_vma)
		return 0;
	avc = avc_alloc(ms);
	if (!avc)
		return -ENOMEM;
	av = find_mergeable_anon_vma(vma);
	if (!av) {
		av = anon_vma_alloc(ms);
		if (!av)
			goto out_free_avc;
		av->num_children++;	/* self-parent link for a new root */
		allocated = true;
	}
	(void)allocated;
	vma->anon_vma = av;
	anon_vma_chain_link(vma, avc, av);
	av->num_active_vmas++;
	return 0;

out_free_avc:
	avc_free(ms, avc);
	return -ENOMEM;
}

/* ---- clone, fork, unlink ------------------------------------------------------------------ */

/* Undo a partial anon_vma_clone: dst's chains go (they were all made by the clone). */
static void unlink_new_chains(struct vm_area_struct *dst)
{
	struct mm_sys *ms = dst->vm_mm->ms;

	while (!list_empty(&dst->anon_vma_chain)) {
		struct anon_vma_chain *avc = list_entry(dst->anon_vma_chain.next,
							struct anon_vma_chain, same_vma);

		list_del(&avc->same_vma);
		list_del(&avc->same_anon_vma);
		avc_free(ms, avc);
	}
}

int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	struct mm_sys *ms = dst->vm_mm->ms;
	struct list_head *pos;
	bool reuse_ok = !dst->anon_vma;

	/* allocate every chain first, so a failure changes nothing */
	for (pos = src->anon_vma_chain.prev; pos != &src->anon_vma_chain; pos = pos->prev) {
		struct anon_vma_chain *pavc = list_entry(pos, struct anon_vma_chain, same_vma);
		struct anon_vma_chain *avc = avc_alloc(ms);
		struct anon_vma *av = pavc->anon_vma;

		if (!avc) {
			/* Linux: dst->anon_vma = NULL; unlink_anon_vmas(dst) */
			unlink_new_chains(dst);
			dst->anon_vma = NULL;
			return -ENOMEM;
		}
		anon_vma_chain_link(dst, avc, av);
		/*
		 * fork reuses an anon_vma that lost every VMA and has at most one child, so
		 * long fork chains do not grow anon_vmas without end (anon_vma_clone)
		 */
		if (reuse_ok && !dst->anon_vma && src->anon_vma && av->num_children < 2 &&
		    av->num_active_vmas == 0)
			dst->anon_vma = av;
	}
	if (dst->anon_vma)
		dst->anon_vma->num_active_vmas++;
	return 0;
}

bool anon_vma_chained(const struct vm_area_struct *vma, const void *av)
{
	const struct list_head *pos;

	for (pos = vma->anon_vma_chain.next; pos != &vma->anon_vma_chain; pos = pos->next)
		if (list_entry(pos, struct anon_vma_chain, same_vma)->anon_vma == av)
			return true;
	return false;
}

static bool chained_to(struct vm_area_struct *vma, struct anon_vma *av)
{
	struct list_head *pos;

	list_for_each(pos, &vma->anon_vma_chain)
		if (list_entry(pos, struct anon_vma_chain, same_vma)->anon_vma == av)
			return true;
	return false;
}

int dup_anon_vma(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	struct mm_sys *ms = dst->vm_mm->ms;
	struct list_head fresh, *pos;
	int need = 0;

	if (!src->anon_vma)
		return 0;
	/* allocate the missing chains first: a failure changes nothing */
	INIT_LIST_HEAD(&fresh);
	list_for_each(pos, &src->anon_vma_chain)
		if (!chained_to(dst, list_entry(pos, struct anon_vma_chain, same_vma)->anon_vma))
			need++;
	for (int i = 0; i < need; i++) {
		struct anon_vma_chain *avc = avc_alloc(ms);

		if (!avc) {
			while (!list_empty(&fresh)) {
				avc = list_entry(fresh.next, struct anon_vma_chain, same_vma);
				list_del(&avc->same_vma);
				avc_free(ms, avc);
			}
			return -ENOMEM;
		}
		list_add(&avc->same_vma, &fresh);
	}
	list_for_each(pos, &src->anon_vma_chain) {
		struct anon_vma *av = list_entry(pos, struct anon_vma_chain, same_vma)->anon_vma;
		struct anon_vma_chain *avc;

		if (chained_to(dst, av))
			continue;
		avc = list_entry(fresh.next, struct anon_vma_chain, same_vma);
		list_del(&avc->same_vma);
		anon_vma_chain_link(dst, avc, av);
	}
	if (!dst->anon_vma) {
		dst->anon_vma = src->anon_vma;
		dst->anon_vma->num_active_vmas++;
	}
	return 0;
}

int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma)
{
	struct mm_sys *ms = vma->vm_mm->ms;
	struct anon_vma_chain *avc;
	struct anon_vma *av;
	int err;

	if (!pvma->anon_vma)
		return 0;
	vma->anon_vma = NULL;
	err = anon_vma_clone(vma, pvma);
	if (err)
		return err;
	if (vma->anon_vma)
		return 0;	/* an old anon_vma was reused */
	av = anon_vma_alloc(ms);
	if (!av)
		goto out_unlink;
	avc = avc_alloc(ms);
	if (!avc)
		goto out_free_av;
	av->num_active_vmas++;
	av->root = pvma->anon_vma->root;
	av->parent = pvma->anon_vma;
	av->root->refcount++;		/* get_anon_vma(anon_vma->root) */
	vma->anon_vma = av;
	anon_vma_chain_link(vma, avc, av);
	av->parent->num_children++;
	return 0;

out_free_av:
	anon_vma_free(ms, av);
out_unlink:
	unlink_anon_vmas(vma);
	return -ENOMEM;
}

void unlink_anon_vmas(struct vm_area_struct *vma)
{
	struct mm_sys *ms = vma->vm_mm->ms;
	struct list_head *pos, *n;

	/* first unlink every chain; an anon_vma left with none loses its parent's count */
	for (pos = vma->anon_vma_chain.next; pos != &vma->anon_vma_chain; pos = n) {
		struct anon_vma_chain *avc = list_entry(pos, struct anon_vma_chain, same_vma);
		struct anon_vma *av = avc->anon_vma;

		n = pos->next;
		list_del(&avc->same_anon_vma);
		if (list_empty(&av->chains)) {
			av->parent->num_children--;
			continue;	/* put after every chain is gone, as Linux */
		}
		list_del(&avc->same_vma);
		avc_free(ms, avc);
	}
	if (vma->anon_vma) {
		vma->anon_vma->num_active_vmas--;
		vma->anon_vma = NULL;
	}
	/* the anon_vmas that lost their last chain: drop the degree reference */
	while (!list_empty(&vma->anon_vma_chain)) {
		struct anon_vma_chain *avc = list_entry(vma->anon_vma_chain.next,
							struct anon_vma_chain, same_vma);

		list_del(&avc->same_vma);
		put_anon_vma(ms, avc->anon_vma);
		avc_free(ms, avc);
	}
}

/* ---- addresses ---------------------------------------------------------------------------- */

uint64_t vma_address(const struct vm_area_struct *vma, uint64_t pgoff)
{
	unsigned int shift = vma->vm_mm->ms->page_shift;
	uint64_t addr;

	if (pgoff < vma->vm_pgoff)
		return UINT64_MAX;
	addr = vma->vm_start + ((pgoff - vma->vm_pgoff) << shift);
	return addr >= vma->vm_end || addr < vma->vm_start ? UINT64_MAX : addr;
}

uint64_t linear_page_index(const struct vm_area_struct *vma, uint64_t addr)
{
	return vma->vm_pgoff + ((addr - vma->vm_start) >> vma->vm_mm->ms->page_shift);
}

/* ---- mapcounts ---------------------------------------------------------------------------- */

/* HPAGE_PMD_ORDER of the format vma's mm uses: the order of a leaf one level above PTEs. */
static unsigned int pmd_order(const struct vm_area_struct *vma)
{
	const struct pt_format *f = vma->vm_mm->pgd.fmt;

	return f->level[f->nr_levels - 2].shift - f->granule_shift;
}

static bool folio_pmd_mappable(const struct page *folio, const struct vm_area_struct *vma)
{
	return folio_test_large(folio) && folio_order(folio) >= pmd_order(vma);
}

static pg_data_t *folio_pgdat(struct mm_sys *ms, const struct page *folio)
{
	return ms->node_data[page_nid(folio)];
}

/*
 * __folio_mod_stat: nr pages became mapped (or unmapped, nr < 0), nr_pmdmapped of them
 * through a PMD.
 */
static void folio_mod_stat(struct mm_sys *ms, struct page *folio, int64_t nr, int64_t nr_pmdmapped)
{
	pg_data_t *pgdat = folio_pgdat(ms, folio);
	bool anon = folio_test_anon(folio);

	if (nr)
		mod_node_page_state(pgdat, anon ? NR_ANON_MAPPED : NR_FILE_MAPPED, nr);
	if (nr_pmdmapped) {
		enum node_stat_item i = anon ? NR_ANON_THPS :
			page_test(folio, PG_swapbacked) ? NR_SHMEM_PMDMAPPED : NR_FILE_PMDMAPPED;
		mod_node_page_state(pgdat, i, nr_pmdmapped);
	}
}

/* __folio_add_rmap for PTEs: pages newly mapped (not already mapped by the PMD or a PTE). */
static int64_t add_ptes(struct page *folio, struct page *page, unsigned int nr)
{
	int64_t newly = 0;

	if (!folio_test_large(folio)) {
		if (++page->mapcount == 0)
			newly = 1;
		return newly;
	}
	for (unsigned int i = 0; i < nr; i++) {
		if (++page[i].mapcount == 0) {
			folio_nr_pages_mapped_add(folio, 1);
			/* with an entire mapping the page was already counted as mapped */
			if (folio_entire_mapcount(folio) == 0)
				newly++;
		}
	}
	folio_large_mapcount_add(folio, nr);
	return newly;
}

static int64_t remove_ptes(struct page *folio, struct page *page, unsigned int nr)
{
	int64_t gone = 0;

	if (!folio_test_large(folio))
		return --page->mapcount < 0 ? 1 : 0;
	for (unsigned int i = 0; i < nr; i++) {
		if (--page[i].mapcount < 0) {
			folio_nr_pages_mapped_add(folio, -1);
			if (folio_entire_mapcount(folio) == 0)
				gone++;
		}
	}
	folio_large_mapcount_add(folio, -(int64_t)nr);
	return gone;
}

/* An entire (PMD) mapping added: pages counted mapped = those no PTE maps already. */
static int64_t add_pmd(struct page *folio)
{
	int64_t newly = 0;

	folio_entire_mapcount_add(folio, 1);
	folio_large_mapcount_add(folio, 1);
	if (folio_entire_mapcount(folio) == 1)
		newly = (int64_t)folio_nr_pages(folio) - folio_nr_pages_mapped(folio);
	return newly;
}

static int64_t remove_pmd(struct page *folio)
{
	int64_t gone = 0;

	folio_entire_mapcount_add(folio, -1);
	folio_large_mapcount_add(folio, -1);
	if (folio_entire_mapcount(folio) == 0)
		gone = (int64_t)folio_nr_pages(folio) - folio_nr_pages_mapped(folio);
	return gone;
}

void folio_add_new_anon_rmap(struct page *folio, struct vm_area_struct *vma, uint64_t addr,
			     unsigned int flags)
{
	struct mm_sys *ms = vma->vm_mm->ms;
	bool exclusive = flags & RMAP_EXCLUSIVE;
	uint64_t nr = folio_nr_pages(folio);

	/*
	 * __folio_set_anon: mapping, linear index of the head (addr is the head's address). A
	 * folio that is not exclusive to this VMA (a shared swap entry read back in) takes the
	 * oldest anon_vma, the root, which every VMA that may map it chains to.
	 */
	folio->mapping = exclusive ? vma->anon_vma : vma->anon_vma->root;
	folio->index = linear_page_index(vma, addr);
	page_set(folio, PG_anon);
	page_set(folio, PG_swapbacked);
	if (!folio_test_large(folio)) {
		folio->mapcount = 0;
		if (exclusive)
			page_set(folio, PG_anon_exclusive);
		folio_mod_stat(ms, folio, 1, 0);
		return;
	}
	if (folio_pmd_mappable(folio, vma)) {
		folio_prep_large_counts(folio);
		folio_entire_mapcount_add(folio, 1);
		folio_large_mapcount_add(folio, 1);
		if (exclusive)
			for (uint64_t i = 0; i < nr; i++)
				page_set(&folio[i], PG_anon_exclusive);
		folio_mod_stat(ms, folio, (int64_t)nr, (int64_t)nr);
		return;
	}
	/* an mTHP mapped by nr PTEs */
	folio_prep_large_counts(folio);
	for (uint64_t i = 0; i < nr; i++) {
		folio[i].mapcount = 0;
		if (exclusive)
			page_set(&folio[i], PG_anon_exclusive);
	}
	folio_large_mapcount_add(folio, (int64_t)nr);
	folio_nr_pages_mapped_add(folio, (int32_t)nr);
	folio_mod_stat(ms, folio, (int64_t)nr, 0);
}

void folio_add_anon_rmap_ptes(struct page *folio, struct page *page, unsigned int nr,
			      struct vm_area_struct *vma, uint64_t addr, unsigned int flags)
{
	(void)addr;
	folio_mod_stat(vma->vm_mm->ms, folio, add_ptes(folio, page, nr), 0);
	if (flags & RMAP_EXCLUSIVE)
		for (unsigned int i = 0; i < nr; i++)
			page_set(&page[i], PG_anon_exclusive);
	/* a large folio is mlocked only when wholly mapped: reclaim finds those (mm/vmscan.c) */
	if (!folio_test_large(folio))
		mlock_vma_folio(vma->vm_mm->ms, folio, vma);
}

void folio_add_anon_rmap_pmd(struct page *folio, struct vm_area_struct *vma, uint64_t addr,
			     unsigned int flags)
{
	int64_t newly;

	(void)addr;
	newly = add_pmd(folio);
	folio_mod_stat(vma->vm_mm->ms, folio, newly,
		       folio_entire_mapcount(folio) == 1 ? (int64_t)folio_nr_pages(folio) : 0);
	if (flags & RMAP_EXCLUSIVE)
		for (uint64_t i = 0; i < folio_nr_pages(folio); i++)
			page_set(&folio[i], PG_anon_exclusive);
}

void folio_add_file_rmap_ptes(struct page *folio, struct page *page, unsigned int nr,
			      struct vm_area_struct *vma)
{
	folio_mod_stat(vma->vm_mm->ms, folio, add_ptes(folio, page, nr), 0);
	if (!folio_test_large(folio))
		mlock_vma_folio(vma->vm_mm->ms, folio, vma);
}

void folio_add_file_rmap_pmd(struct page *folio, struct vm_area_struct *vma)
{
	int64_t newly = add_pmd(folio);

	folio_mod_stat(vma->vm_mm->ms, folio, newly,
		       folio_entire_mapcount(folio) == 1 ? (int64_t)folio_nr_pages(folio) : 0);
}

void folio_remove_rmap_ptes(struct page *folio, struct page *page, unsigned int nr,
			    struct vm_area_struct *vma)
{
	int64_t gone = remove_ptes(folio, page, nr);

	folio_mod_stat(vma->vm_mm->ms, folio, -gone, 0);
	/* __folio_remove_rmap: pages went unmapped while others stay mapped (partially_mapped) */
	if (gone && folio_test_large(folio) && folio_test_anon(folio) &&
	    folio_nr_pages_mapped(folio))
		deferred_split_folio(folio, vma, true);
	munlock_vma_folio(vma->vm_mm->ms, folio, vma);
}

void folio_remove_rmap_pmd(struct page *folio, struct vm_area_struct *vma)
{
	int64_t gone = remove_pmd(folio);

	folio_mod_stat(vma->vm_mm->ms, folio, -gone,
		       folio_entire_mapcount(folio) == 0 ? -(int64_t)folio_nr_pages(folio) : 0);
	/* the last PMD mapping went while PTEs still map some pages (partially_mapped) */
	if (gone && gone < (int64_t)folio_nr_pages(folio) && folio_test_anon(folio))
		deferred_split_folio(folio, vma, true);
	munlock_vma_folio(vma->vm_mm->ms, folio, vma);
}

/* ---- rmap_walk ---------------------------------------------------------------------------- */

struct walk_arg {
	struct page *folio;
	struct vm_area_struct *vma;
	rmap_one_fn fn;
	void *arg;
	uint64_t lo, hi;	/* the folio's pfn range */
	struct mm_sys *ms;
};

static int rmap_visit(uint64_t va, uint64_t size, uint64_t prot, struct page *page, bool zero,
		      void *arg)
{
	struct walk_arg *w = arg;
	uint64_t pfn;

	(void)size; (void)prot;
	if (zero || !page)
		return 0;
	pfn = page_to_pfn(w->ms, page);
	if (pfn < w->lo || pfn >= w->hi)
		return 0;
	return w->fn(w->folio, w->vma, va, page, w->arg);
}

/* Visit the leaves of vma that map a page of the folio: the pages both cover. */
static int rmap_one_vma(struct walk_arg *w, struct vm_area_struct *vma)
{
	struct page *f = w->folio;
	unsigned int shift = w->ms->page_shift;
	uint64_t vlo = vma->vm_pgoff, vhi = vlo + ((vma->vm_end - vma->vm_start) >> shift);
	uint64_t lo = f->index > vlo ? f->index : vlo;
	uint64_t hi = f->index + folio_nr_pages(f) < vhi ? f->index + folio_nr_pages(f) : vhi;

	if (lo >= hi)
		return 0;
	w->vma = vma;
	return mm_walk_ptes(vma->vm_mm, vma->vm_start + ((lo - vlo) << shift),
			    vma->vm_start + ((hi - vlo) << shift), rmap_visit, w);
}

int rmap_walk(struct mm_sys *ms, struct page *folio, rmap_one_fn fn, void *arg)
{
	struct walk_arg w = { .folio = folio, .fn = fn, .arg = arg, .ms = ms };
	struct list_head *pos;
	int ret = 0;

	w.lo = page_to_pfn(ms, folio);
	w.hi = w.lo + folio_nr_pages(folio);
	if (!folio->mapping)
		return 0;
	if (folio_test_anon(folio)) {
		struct anon_vma *av = folio->mapping;

		list_for_each(pos, &av->chains) {
			struct anon_vma_chain *avc = list_entry(pos, struct anon_vma_chain,
								same_anon_vma);

			ret = rmap_one_vma(&w, avc->vma);
			if (ret)
				return ret;
		}
		return 0;
	}
	struct address_space *mapping = folio->mapping;

	list_for_each(pos, &mapping->i_mmap) {
		struct vm_area_struct *vma = list_entry(pos, struct vm_area_struct, shared);

		ret = rmap_one_vma(&w, vma);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- try_to_unmap ------------------------------------------------------------------------- */

struct ttu_map {
	struct vm_area_struct *vma;
	uint64_t addr;
	struct page *page;
};

struct ttu_ctx {
	struct ttu_map *v;
	size_t n, cap;
	bool huge;		/* a PMD maps the folio: not split here */
};

static int ttu_collect(struct page *folio, struct vm_area_struct *vma, uint64_t addr,
		       struct page *page, void *arg)
{
	struct ttu_ctx *c = arg;
	struct pte_desc d;
	int level;

	(void)folio;
	if (pgtable_lookup(&vma->vm_mm->pgd, addr, &d, &level, NULL) ||
	    level != vma->vm_mm->pgd.fmt->nr_levels - 1) {
		c->huge = true;
		return 1;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 8;
		struct ttu_map *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = (struct ttu_map){ vma, addr, page };
	return 0;
}

/*
 * try_to_unmap_one for one PTE: the dirty bit goes to the folio first; an anonymous folio in
 * the swap cache leaves its swap entry (exclusive when the page was), a lazily freed clean
 * one nothing, a file folio nothing. false: the mapping must stay (the walk aborts).
 */
static bool try_to_unmap_one(struct mm_sys *ms, struct page *folio, const struct ttu_map *m)
{
	struct vm_area_struct *vma = m->vma;
	struct mm_struct *mm = vma->vm_mm;
	const struct pt_format *f = mm->pgd.fmt;
	struct pte_desc d;
	uint64_t entry_pa;
	bool dirty, anon = folio_test_anon(folio);
	int level;

	/* an mlocked VMA keeps its pages (the mlock is restored: walk_abort) */
	if (vma->vm_flags & VM_LOCKED)
		return false;
	if (pgtable_lookup(&mm->pgd, m->addr, &d, &level, &entry_pa) || d.kind != PTE_KIND_LEAF ||
	    d.pa != page_to_pfn(ms, m->page) << ms->page_shift)
		return true;	/* not mapped here any more */
	dirty = (d.prot & PTE_DIRTY) || (f->arch == ARCH_ARM64 && (d.soft & 1));
	if (dirty) {
		if (anon)
			page_set(folio, PG_dirty);
		else
			folio_mark_dirty(folio);
	}
	if (anon && !page_test(folio, PG_swapbacked)) {
		/* MADV_FREE: a clean folio only the mappings and our isolation hold is dropped */
		if (folio_ref_count(folio) != 1 + folio_mapcount(folio) ||
		    page_test(folio, PG_dirty)) {
			page_set(folio, PG_swapbacked);	/* redirtied: it must be swapped */
			return false;
		}
		pgtable_unmap(&mm->pgd, m->addr, ms->page_size, NULL);
		add_mm_counter(mm, MM_ANONPAGES, -1);
	} else if (anon) {
		swp_entry_t entry = { folio->private };
		bool excl = page_test(m->page, PG_anon_exclusive);

		if (!page_test(folio, PG_swapcache) || swap_duplicate(ms, entry) < 0)
			return false;
		/* folio_try_share_anon_rmap_pte: the swap PTE remembers the exclusivity */
		page_clear(m->page, PG_anon_exclusive);
		pgtable_write_entry(&mm->pgd, entry_pa, swp_entry_to_pte(f, entry, excl));
		add_mm_counter(mm, MM_ANONPAGES, -1);
		mm_swapents_add(mm, 1);
	} else {
		pgtable_unmap(&mm->pgd, m->addr, ms->page_size, NULL);
		add_mm_counter(mm, mm_counter_file(folio), -1);
	}
	flush_tlb_page(mm, m->addr);
	folio_remove_rmap_ptes(folio, m->page, 1, vma);
	folio_put(ms, mm->pgd.cpu, folio);
	return true;
}

bool try_to_unmap(struct mm_sys *ms, struct page *folio)
{
	struct ttu_ctx c = { 0 };
	int ret = rmap_walk(ms, folio, ttu_collect, &c);

	if (ret < 0 || c.huge) {
		free(c.v);
		return false;	/* TTU_SPLIT_HUGE_PMD is the caller's (split first) */
	}
	for (size_t i = 0; i < c.n; i++)
		if (!try_to_unmap_one(ms, folio, &c.v[i]))
			break;
	free(c.v);
	return !folio_mapped(folio);
}

/* ---- validation --------------------------------------------------------------------------- */

int anon_vma_validate(struct vm_area_struct *vma, struct mmsim_error *err)
{
	struct list_head *pos;
	bool found = false;
	int n = 0;

	list_for_each(pos, &vma->anon_vma_chain) {
		struct anon_vma_chain *avc = list_entry(pos, struct anon_vma_chain, same_vma);
		struct list_head *q;
		bool on_list = false;

		if (avc->vma != vma)
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "VMA 0x%llx: an anon_vma_chain names another VMA",
				       (unsigned long long)vma->vm_start);
		list_for_each(q, &avc->anon_vma->chains)
			if (q == &avc->same_anon_vma)
				on_list = true;
		if (!on_list)
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "VMA 0x%llx: a chain is missing from its anon_vma's list",
				       (unsigned long long)vma->vm_start);
		if (avc->anon_vma->refcount < 1 || avc->anon_vma->root->refcount < 1)
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "VMA 0x%llx: chained to a dead anon_vma",
				       (unsigned long long)vma->vm_start);
		if (avc->anon_vma == vma->anon_vma)
			found = true;
		n++;
	}
	if (vma->anon_vma && !found)
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "VMA 0x%llx: its anon_vma has no chain from it",
			       (unsigned long long)vma->vm_start);
	if (!vma->anon_vma && n)
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "VMA 0x%llx: chains but no anon_vma", (unsigned long long)vma->vm_start);
	return 0;
}

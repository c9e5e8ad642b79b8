/*
 * Reverse mapping: from a folio to every (mm, address) that maps it (Linux 6.18:
 * mm/rmap.c, include/linux/rmap.h).
 *
 * Anonymous folios point (folio->mapping) at an anon_vma. Every VMA that may hold pages of
 * that anon_vma is linked to it by an anon_vma_chain; a forked child's VMA gets its own
 * anon_vma (for the pages it will create) and chains to all of its parent's (for the pages
 * it inherited):
 *
 *    parent vma ----avc----> anon_vma P  <----avc---- child vma ----avc----> anon_vma C
 *                                (root)                                     (root = P)
 *
 * To find the mappings of an anonymous folio: for every avc on folio->mapping's list, the
 * VMA at vma_address(vma, folio->index); a PTE there maps the folio or not.
 * File and shmem folios point at their address_space, whose i_mmap list holds every VMA of
 * the file (pagemap.h); the same address arithmetic with vm_pgoff finds the page.
 *
 * Objects come from the slab caches "anon_vma" (104 bytes) and "anon_vma_chain" (64), the
 * sizes of the reference kernel, so they show in /proc/slabinfo. Linux keeps an anon_vma's
 * chains in an interval tree keyed by page offset; mmsim keeps a list (the walk checks each
 * VMA's range), so an rmap walk costs O(chains) instead of O(log chains + hits).
 *
 * Invariants (anon_vma_validate, rmap_validate):
 *  - every avc is on exactly one VMA's anon_vma_chain list and one anon_vma's list, and
 *    avc->vma / avc->anon_vma are those two;
 *  - vma->anon_vma != NULL exactly when the VMA has at least one avc, and one of its avcs
 *    points at vma->anon_vma;
 *  - anon_vma->refcount == avcs pointing at it + children's root references (+1 for the
 *    root itself held by each child); an anon_vma is freed when it reaches 0;
 *  - for every anonymous page mapped at (vma, addr): folio->mapping is an anon_vma that vma
 *    chains to, and vma_address(vma, folio_page_index) == addr.
 */
#ifndef MMSIM_MM_RMAP_H
#define MMSIM_MM_RMAP_H
#include <stdint.h>
#include <stdbool.h>
#include "mm/mm_types.h"
#include "util/list.h"

struct mmsim_error;

struct anon_vma {
	struct anon_vma *root;		/* the oldest ancestor (itself for a root) */
	struct anon_vma *parent;	/* whose child this is (for num_children) */
	int refcount;
	int num_children;		/* anon_vmas whose parent this is */
	int num_active_vmas;		/* VMAs whose vma->anon_vma is this */
	struct list_head chains;	/* anon_vma_chain.same_anon_vma (Linux: rb_root) */
};

struct anon_vma_chain {
	struct vm_area_struct *vma;
	struct anon_vma *anon_vma;
	struct list_head same_vma;	/* on vma->anon_vma_chain */
	struct list_head same_anon_vma;	/* on anon_vma->chains */
};

/* Create the slab caches "anon_vma" and "anon_vma_chain" (anon_vma_init). -ENOMEM. */
int anon_vma_init(struct mm_sys *ms);

/*
 * Give vma an anon_vma before its first anonymous page (__anon_vma_prepare): the one of a
 * mergeable neighbour when it has one (find_mergeable_anon_vma), else a new one. -ENOMEM
 * (nothing changed).
 */
int anon_vma_prepare(struct vm_area_struct *vma);
/* dst, a copy of src (split, copy_vma), chains to every anon_vma src does. -ENOMEM. */
int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src);
/*
 * A merge or a move makes dst cover pages of src (dup_anon_vma): dst chains to every
 * anon_vma src does and takes src's anon_vma when it has none. -ENOMEM (nothing changed).
 */
int dup_anon_vma(struct vm_area_struct *dst, struct vm_area_struct *src);
/* fork: vma (the child's copy of pvma) clones pvma's chains and gets its own anon_vma. */
int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma);
/* Drop every chain of vma (before it is freed); anon_vmas without chains are freed. */
void unlink_anon_vmas(struct vm_area_struct *vma);

/* The address at which vma would map page offset pgoff; -1 (all ones) when outside. */
uint64_t vma_address(const struct vm_area_struct *vma, uint64_t pgoff);
/* The linear page index of addr in vma (linear_page_index). */
uint64_t linear_page_index(const struct vm_area_struct *vma, uint64_t addr);

/*
 * Mapping bookkeeping, called with the PTE / PMD written (or about to be cleared). They keep
 * the folio's mapcounts, PG_anon_exclusive and the node counters NR_ANON_MAPPED /
 * NR_FILE_MAPPED / NR_ANON_THPS / NR_SHMEM_PMDMAPPED / NR_FILE_PMDMAPPED exact. They do not
 * touch refcounts (the caller takes or drops one reference per mapping) or RSS.
 */
#define RMAP_EXCLUSIVE 0x1u
/* A new anonymous folio mapped in vma at addr: mapping, index, PG_anon, exclusive. */
void folio_add_new_anon_rmap(struct page *folio, struct vm_area_struct *vma, uint64_t addr,
			     unsigned int flags);
/* nr more PTE mappings of pages page.. of an anonymous folio (fork, swap-in). */
void folio_add_anon_rmap_ptes(struct page *folio, struct page *page, unsigned int nr,
			      struct vm_area_struct *vma, uint64_t addr, unsigned int flags);
void folio_add_anon_rmap_pmd(struct page *folio, struct vm_area_struct *vma, uint64_t addr,
			     unsigned int flags);
void folio_add_file_rmap_ptes(struct page *folio, struct page *page, unsigned int nr,
			      struct vm_area_struct *vma);
void folio_add_file_rmap_pmd(struct page *folio, struct vm_area_struct *vma);
void folio_remove_rmap_ptes(struct page *folio, struct page *page, unsigned int nr,
			    struct vm_area_struct *vma);
void folio_remove_rmap_pmd(struct page *folio, struct vm_area_struct *vma);

/*
 * Call fn for every (vma, address) where a present PTE or PMD maps a page of folio
 * (rmap_walk). fn returns 0 to go on. Returns what the last fn call returned.
 */
typedef int (*rmap_one_fn)(struct page *folio, struct vm_area_struct *vma, uint64_t addr,
			   struct page *page, void *arg);
int rmap_walk(struct mm_sys *ms, struct page *folio, rmap_one_fn fn, void *arg);

/* Does vma chain to the anon_vma av (a folio's mapping)? */
bool anon_vma_chained(const struct vm_area_struct *vma, const void *av);
int anon_vma_validate(struct vm_area_struct *vma, struct mmsim_error *err);
#endif

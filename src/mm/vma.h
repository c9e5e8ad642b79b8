/*
 * VMA operations (Linux: mm/vma.c, mm/vma.h, the VMA half of mm/mmap.c and kernel/fork.c's
 * vm_area_alloc/dup/free): allocation from the "vm_area_struct" slab cache, lookup, linking
 * into the tree with the mm's counters, split and merge by Linux 6.18's rules.
 *
 * Every function here returns 0 or a negative errno and leaves nothing half-changed: when a
 * split or merge fails (-ENOMEM from the slab, -ENOMEM for max_map_count), the address space
 * is as it was.
 */
#ifndef MMSIM_MM_VMA_H
#define MMSIM_MM_VMA_H
#include "mm/mm_types.h"

struct mmsim_error;

/* Object caches of the address-space layer, created at boot (vma_caches_init). */
int vma_caches_init(struct mm_sys *ms);

/* --- objects ------------------------------------------------------------------------------ */
/* A zeroed VMA of mm (vm_area_alloc). NULL and *err = -ENOMEM when the slab is out. */
struct vm_area_struct *vm_area_alloc(struct mm_struct *mm, int *err);
/* A copy of orig, not in any tree; takes a reference on vm_file and anon_name. */
struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig, int *err);
/* Drop vm_file's and anon_name's references and free the object. */
void vm_area_free(struct vm_area_struct *vma);

/* --- lookup (O(log n)) --------------------------------------------------------------------- */
/* The first VMA with vm_end > addr, or NULL. */
struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t addr);
/* find_vma, and in *pprev the VMA before it (the last VMA if find_vma is NULL). */
struct vm_area_struct *find_vma_prev(struct mm_struct *mm, uint64_t addr,
				     struct vm_area_struct **pprev);
/* The first VMA intersecting [start, end), or NULL. */
struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, uint64_t start, uint64_t end);
/* The VMA containing addr, or NULL. */
struct vm_area_struct *vma_lookup(struct mm_struct *mm, uint64_t addr);

/* --- linking ------------------------------------------------------------------------------- */
/*
 * Insert a new VMA into mm: the tree, map_count, total_vm and the data/exec/stack counters
 * (vm_stat_account). -ENOMEM if max_map_count would be exceeded or no tree node is left.
 */
int vma_link(struct mm_struct *mm, struct vm_area_struct *vma);
/* Remove vma from mm (tree and counters) without freeing it. */
void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma);
/* Account npages (may be negative) of a VMA with these flags in total_vm/data/exec/stack. */
void vm_stat_account(struct mm_struct *mm, vm_flags_t flags, int64_t npages);
/* Change a linked VMA's bounds and offset (counters follow). The range must stay free. */
void vma_set_range(struct vm_area_struct *vma, uint64_t start, uint64_t end, uint64_t pgoff);

/* --- split and merge ----------------------------------------------------------------------- */
/*
 * Split vma at addr (page aligned, strictly inside): afterwards one VMA ends and one starts
 * at addr. new_below != 0: the new object is the lower part; else the upper part.
 * -ENOMEM when max_map_count is reached (Linux: __split_vma checks map_count >= max) or out
 * of memory; nothing changes then.
 */
int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr, int new_below);

/*
 * What a new or changed range would look like, for the merge code (struct vma_merge_struct):
 * the range [start, end) with flags, file, pgoff, anon_vma, anon_name; prev and next are the
 * VMAs around it (NULL if none or not adjacent).
 */
struct vma_merge_struct {
	struct mm_struct *mm;
	struct vm_area_struct *prev, *middle, *next;
	uint64_t start, end, pgoff;
	vm_flags_t flags;
	struct file *file;
	struct anon_vma *anon_vma;
	struct anon_vma_name *anon_name;
	int state;			/* VMA_MERGE_* outcome */
};
enum { VMA_MERGE_START, VMA_MERGE_ERROR_NOMEM, VMA_MERGE_NOMERGE, VMA_MERGE_SUCCESS };

/*
 * A new range [start, end) of free address space (mmap, brk): extend prev and/or next over
 * it, and merge them when both can (vma_merge_new_range). Returns the VMA now covering the
 * range, or NULL (vmg->state says whether for lack of memory or because nothing merges).
 */
struct vm_area_struct *vma_merge_new_range(struct vma_merge_struct *vmg);

/*
 * Give [start, end) (inside vma, prev the VMA before it or NULL) new attributes, splitting
 * vma and merging with the neighbours as Linux 6.18's vma_modify() does. Returns the VMA
 * that now covers exactly [start, end), or NULL with *err set (-ENOMEM) and nothing changed.
 */
struct vm_area_struct *vma_modify_flags(struct mm_struct *mm, struct vm_area_struct *prev,
					struct vm_area_struct *vma, uint64_t start, uint64_t end,
					vm_flags_t new_flags, int *err);
struct vm_area_struct *vma_modify_name(struct mm_struct *mm, struct vm_area_struct *prev,
				       struct vm_area_struct *vma, uint64_t start, uint64_t end,
				       struct anon_vma_name *new_name, int *err);

/* Whether two VMAs' attributes allow a merge (flags but VM_IGNORE_MERGE, file, name). */
bool is_mergeable_vma(const struct vm_area_struct *vma, vm_flags_t flags, const struct file *file,
		      const struct anon_vma_name *name);

/* --- protection ---------------------------------------------------------------------------- */
/*
 * protection_map[16] of the machine's architecture (x86-64, i386 PAE / non-PAE, arm64):
 * the page-table protection (PTE_* of arch/pgtable.h) for the four bits
 * VM_READ|VM_WRITE|VM_EXEC|VM_SHARED.
 */
uint64_t vm_get_page_prot(const struct mm_sys *ms, vm_flags_t flags);
/* Shared writable file mapping that write-protects its PTEs for dirty tracking? */
bool vma_wants_writenotify(const struct vm_area_struct *vma);
/* vm_page_prot from vm_flags, as vma_set_page_prot. */
void vma_set_page_prot(struct vm_area_struct *vma);

/* --- whole address spaces ------------------------------------------------------------------ */
/* Check every invariant of mm and its VMAs (see mm_types.h). 0 or -EUCLEAN with err filled. */
int mm_validate(struct mm_struct *mm, struct mmsim_error *err);
#endif

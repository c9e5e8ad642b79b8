/*
 * The VMA index of an address space (Linux: the maple tree, lib/maple_tree.c, as mm->mm_mt).
 *
 * A B+tree of VMAs ordered by address. Its nodes are 256-byte objects of the simulated slab
 * cache "maple_node" (Linux's node size), so a process with many VMAs costs simulated
 * memory as it does on Linux; the number of nodes is not Linux's exactly (the maple tree also
 * stores the gaps between VMAs as NULL ranges; this tree stores only VMAs).
 *
 * Cost: lookup, insertion and removal O(log n) with a fan-out of about 15; in-order
 * iteration O(1) amortised per VMA through struct vma_iterator.
 *
 * Free space: every node records the largest gap before a VMA of its subtree (from the
 * previous VMA's vm_end, or from 0 for the first VMA), as the maple tree records the largest
 * gap of each node; vma_tree_empty_area skips the subtrees where no gap is large enough and
 * finds free space in O(log n), as mas_empty_area / mas_empty_area_rev do.
 *
 * Invariants (vma_tree_validate): keys strictly increasing in order of traversal; every
 * VMA's [vm_start, vm_end) ends at or before the next one's start; every leaf at the same
 * depth; every node but the root at least half full; nr == number of VMAs reachable; every
 * node's recorded gap equal to the largest gap of its subtree, recomputed from the VMAs.
 */
#ifndef MMSIM_MM_VMA_TREE_H
#define MMSIM_MM_VMA_TREE_H
#include <stdbool.h>
#include <stdint.h>

struct mm_sys;
struct vm_area_struct;
struct maple_node;		/* vma_tree.c */
struct mmsim_error;

struct vma_tree {
	struct maple_node *root;	/* NULL when empty and no spare nodes are held (spares
					   from vma_tree_preallocate hang off it while empty) */
	unsigned int height;		/* 0 when empty, 1 when the root is a leaf */
	uint64_t nr;			/* VMAs in the tree */
	struct mm_sys *ms;		/* nodes come from its "maple_node" cache */
};

/* An iterator: a position between two VMAs (Linux: struct vma_iterator). */
struct vma_iterator {
	struct vma_tree *tree;
	struct maple_node *node;	/* leaf holding the current VMA, NULL before/after */
	unsigned int slot;
	uint64_t index;			/* address the iterator was set to */
};

void vma_tree_init(struct vma_tree *t, struct mm_sys *ms);
/* Free every node (not the VMAs). The tree is empty afterwards. */
void vma_tree_destroy(struct vma_tree *t);

/*
 * Insert vma at its [vm_start, vm_end). -EEXIST if it overlaps a VMA in the tree, -ENOMEM if
 * a node could not be allocated; on failure the tree is unchanged.
 */
int vma_tree_insert(struct vma_tree *t, struct vm_area_struct *vma);
/* Make room for the insertion of up to n VMAs that will not fail for lack of memory. */
int vma_tree_preallocate(struct vma_tree *t, unsigned int n);
/* Remove vma (which must be in the tree). Never allocates, never fails. */
void vma_tree_erase(struct vma_tree *t, struct vm_area_struct *vma);
/*
 * Change vma's bounds to [start, end) (vma_set_range): vma must still hold its old bounds (the
 * tree writes the new ones; it needs the old ones to update its gaps). The new range must
 * overlap no other VMA in the tree and keep the order. Never fails.
 */
void vma_tree_update(struct vma_tree *t, struct vm_area_struct *vma, uint64_t start, uint64_t end);

/*
 * Free space of at least size (> 0) bytes inside [low, high): the gaps are the ranges between
 * consecutive VMAs, below the first and above the last, each cut to [low, high). Bottom-up
 * (topdown false): the lowest gap that holds size bytes, *found = its start. Top-down: the
 * highest, *found = its end - size (the highest place for size bytes in it). 0, -ENOMEM if no
 * gap holds size bytes, -EINVAL if size is 0. O(log n) (Linux: mas_empty_area and
 * mas_empty_area_rev on mm->mm_mt, whose gaps are the same NULL ranges).
 */
int vma_tree_empty_area(const struct vma_tree *t, uint64_t low, uint64_t high, uint64_t size,
			bool topdown, uint64_t *found);

/* The first VMA with vm_end > addr, or NULL (find_vma). */
struct vm_area_struct *vma_tree_find(const struct vma_tree *t, uint64_t addr);
/* The last VMA with vm_start < addr... precisely: the VMA before the first with vm_end > addr. */
struct vm_area_struct *vma_tree_find_prev(const struct vma_tree *t, uint64_t addr);

/* Iteration. vma_iter_init puts the iterator before the first VMA with vm_end > addr. */
void vma_iter_init(struct vma_iterator *vmi, struct vma_tree *t, uint64_t addr);
/* The next VMA (the one at/after the position), or NULL at the end. */
struct vm_area_struct *vma_next(struct vma_iterator *vmi);
/* The VMA before the one vma_next returned last, or NULL. */
struct vm_area_struct *vma_prev(struct vma_iterator *vmi);

#define for_each_vma(vmi, vma) while (((vma) = vma_next(&(vmi))) != NULL)

int vma_tree_validate(const struct vma_tree *t, struct mmsim_error *err);
/* Nodes currently allocated (for tests and /proc figures). */
uint64_t vma_tree_nodes(const struct vma_tree *t);
#endif

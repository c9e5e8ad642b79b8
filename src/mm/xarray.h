/*
 * The xarray: an index (uint64_t) -> pointer map made of 64-way nodes (Linux 6.18:
 * lib/xarray.c, include/linux/xarray.h), as the page cache uses it (mapping->i_pages).
 *
 *   xa_head --> node shift 6 (covers 0 .. 4095)
 *                 slot 0 --> node shift 0 (covers 0 .. 63)
 *                              slot 0: folio A (order 0, index 0)
 *                              slot 4: folio B (order 2, indices 4..7)
 *                              slot 5..7: sibling(4)
 *                 slot 8 .. 15: folio C (order 9, indices 512..1023): slot 8 holds it,
 *                               slots 9..15 are sibling(8)
 *
 * Multi-order entries, as Linux's CONFIG_XARRAY_MULTI: an entry of order k stored at index i
 * (a multiple of 2^k) lives in the node whose shift is the largest multiple of 6 not above
 * k; it takes 2^(k - shift) consecutive slots there, the first holding the entry and the
 * others a sibling entry naming the first. xa_load of any index in [i, i + 2^k) finds it.
 * An order-0 entry at index 0 in an otherwise empty array lives in xa_head itself, without
 * a node, as in Linux.
 *
 * Nodes come from the slab cache "radix_tree_node" (584-byte objects, the reference kernel's
 * size; ms->radix_tree_node_cachep, created by fs_init), so they show in /proc/slabinfo and
 * MemFree. Entries are pointers aligned to 4 bytes (struct page pointers); NULL is empty.
 *
 * Every change is all-or-nothing: xa_store_order allocates every node it needs before it
 * links any, and returns -ENOMEM with the array unchanged when one cannot be had.
 *
 * Invariants (xa_validate):
 *  - xa_head is NULL, an entry (then only index 0 is present, order 0) or a node;
 *  - every node: shift is a multiple of 6, a child's shift is its parent's minus 6, parent and
 *    offset name the slot that points at it, count == its non-NULL slots (siblings
 *    included), count >= 1;
 *  - a sibling slot names an earlier slot of the same node that holds an entry, and the
 *    group (entry + its siblings) is 2^j slots aligned to 2^j;
 *  - the root is as low as it can be: a root node whose only slot in use is slot 0 holding
 *    a node (or, at shift 0, an order-0 entry) would have been collapsed;
 *  - nr_nodes == nodes reachable from xa_head.
 */
#ifndef MMSIM_MM_XARRAY_H
#define MMSIM_MM_XARRAY_H
#include <stdint.h>
#include <stdbool.h>

struct mm_sys;
struct mmsim_error;

#define XA_CHUNK_SHIFT 6
#define XA_CHUNK_SIZE (1u << XA_CHUNK_SHIFT)
#define XA_CHUNK_MASK (XA_CHUNK_SIZE - 1)
/* The largest order an entry may have: what a node of shift 60 (the top) can cover. */
#define XA_MAX_ORDER 63

struct xa_node {
	uint8_t shift;			/* bits of the index below this node's slots */
	uint8_t offset;			/* slot in the parent */
	uint8_t count;			/* non-NULL slots */
	struct xa_node *parent;		/* NULL for the root */
	void *slots[XA_CHUNK_SIZE];
};

struct xarray {
	void *xa_head;			/* NULL, an entry (index 0 only), or a tagged node */
	struct mm_sys *ms;		/* where nodes are allocated */
	uint64_t nr_nodes;
};

/* An empty array whose nodes come from ms->radix_tree_node_cachep. */
void xa_init(struct xarray *xa, struct mm_sys *ms);
static inline bool xa_empty(const struct xarray *xa) { return xa->xa_head == NULL; }

/* The entry covering index, or NULL. */
void *xa_load(const struct xarray *xa, uint64_t index);

/*
 * Store entry (non-NULL, 4-byte aligned) over [index, index + 2^order); index must be a
 * multiple of 2^order. 0; -EEXIST when any index of the range holds an entry (nothing
 * changed); -EINVAL for a bad index, order or entry; -ENOMEM (nothing changed).
 */
int xa_store_order(struct xarray *xa, uint64_t index, unsigned int order, void *entry);

/*
 * Remove the entry covering index (all the indices it covers) and free the nodes that
 * become empty. Returns the entry removed, or NULL when none covered index.
 */
void *xa_erase(struct xarray *xa, uint64_t index);

/*
 * The first entry covering an index in [*indexp, max], or NULL. On success *indexp is the
 * first index of that range the entry covers (max(*indexp, the entry's first index)), so
 * `*indexp = first + its size` continues a walk. *first (may be NULL) gets the entry's
 * first index and *order its order.
 */
void *xa_find(const struct xarray *xa, uint64_t *indexp, uint64_t max, uint64_t *first,
	      unsigned int *order);

/* Free every node (the entries are the caller's). The array is empty afterwards. */
void xa_destroy(struct xarray *xa);

int xa_validate(const struct xarray *xa, struct mmsim_error *err);
#endif

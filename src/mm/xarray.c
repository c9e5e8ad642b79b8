/*
 * The xarray (Linux 6.18: lib/xarray.c xas_store, xas_expand, xas_create, xas_shrink,
 * xas_delete_node, xa_load, xa_find; multi-index entries of CONFIG_XARRAY_MULTI).
 *
 * Leaves out: marks (Linux's dirty/writeback/towrite tags: the page cache here finds dirty
 * folios by walking), value entries, RCU, xa_state cursors, splitting a multi-index entry.
 * A store asks for the whole range to be empty (filemap_add_folio's condition).
 *
 * Slot encoding: an entry is a pointer with its two low bits clear; a node pointer has the
 * low bits 10 (Linux's internal entries); a sibling entry is (slot << 2) | 1.
 */
#include <errno.h>
#include <string.h>

#include "mm/mmzone.h"
#include "mm/slab.h"
#include "mm/xarray.h"
#include "util/error.h"

_Static_assert(sizeof(struct xa_node) <= 584, "an xa_node must fit a radix_tree_node object");

static bool xa_is_node(const void *p) { return ((uintptr_t)p & 3) == 2; }
static bool xa_is_sibling(const void *p) { return ((uintptr_t)p & 3) == 1; }
static bool xa_is_entry(const void *p) { return p && ((uintptr_t)p & 3) == 0; }
static struct xa_node *xa_to_node(const void *p) { return (struct xa_node *)((uintptr_t)p - 2); }
static void *xa_mk_node(const struct xa_node *n) { return (void *)((uintptr_t)n | 2); }
static unsigned int xa_to_sibling(const void *p) { return (unsigned int)((uintptr_t)p >> 2); }
static void *xa_mk_sibling(unsigned int off) { return (void *)(((uintptr_t)off << 2) | 1); }

static unsigned int xa_offset(uint64_t index, unsigned int shift)
{
	return (unsigned int)(index >> shift) & XA_CHUNK_MASK;
}

/* Does a node of this shift cover index (as the root, from index 0)? */
static bool xa_covers(unsigned int shift, uint64_t index)
{
	return shift + XA_CHUNK_SHIFT >= 64 || (index >> (shift + XA_CHUNK_SHIFT)) == 0;
}

void xa_init(struct xarray *xa, struct mm_sys *ms)
{
	xa->xa_head = NULL;
	xa->ms = ms;
	xa->nr_nodes = 0;
}

void *xa_load(const struct xarray *xa, uint64_t index)
{
	void *slot = xa->xa_head;

	if (!slot)
		return NULL;
	if (!xa_is_node(slot))
		return index == 0 ? slot : NULL;
	if (!xa_covers(xa_to_node(slot)->shift, index))
		return NULL;
	for (;;) {
		struct xa_node *node = xa_to_node(slot);
		unsigned int off = xa_offset(index, node->shift);

		slot = node->slots[off];
		if (xa_is_sibling(slot))
			slot = node->slots[xa_to_sibling(slot)];
		if (!xa_is_node(slot))
			return slot;
	}
}

/* ---- store ---------------------------------------------------------------------------- */

/*
 * Nodes a store of [index, index + 2^order) needs, or -EEXIST. need is the shift the root
 * must have, tshift the shift of the node that will hold the entry, nslots its slot count.
 * Read-only: the same walk as xa_do_store, with the nodes it would create counted.
 */
static int xa_count_nodes(const struct xarray *xa, uint64_t index, unsigned int tshift,
			  unsigned int nslots, unsigned int need)
{
	void *head = xa->xa_head;
	unsigned int rs, n = 0;
	bool entry_root = false;
	const struct xa_node *node = NULL;

	if (!head)
		return (int)((need - tshift) / XA_CHUNK_SHIFT + 1);
	if (!xa_is_node(head)) {
		/* the index-0 entry moves into a new node of shift 0 (xas_expand) */
		if (index == 0)
			return -EEXIST;
		entry_root = true;
		rs = 0;
		n = 1;
	} else {
		node = xa_to_node(head);
		rs = node->shift;
	}
	/* new roots above the old one (all made): slot 0 of each leads down to it */
	if (need > rs)
		n += (need - rs) / XA_CHUNK_SHIFT;
	for (unsigned int s = need; s > rs; s -= XA_CHUNK_SHIFT) {
		unsigned int off = xa_offset(index, s);

		if (s == tshift)
			return off == 0 ? -EEXIST : (int)n;
		if (off != 0)	/* a new subtree under this root: nodes down to tshift */
			return (int)(n + (s - tshift) / XA_CHUNK_SHIFT);
	}
	if (entry_root) {
		/* at shift 0 (so tshift 0): slot 0 holds the old entry */
		return xa_offset(index, 0) == 0 ? -EEXIST : (int)n;
	}
	while (node->shift > tshift) {
		void *slot = node->slots[xa_offset(index, node->shift)];

		if (!slot)
			return (int)(n + (node->shift - tshift) / XA_CHUNK_SHIFT);
		if (!xa_is_node(slot))
			return -EEXIST;		/* an entry or sibling covers the range */
		node = xa_to_node(slot);
	}
	for (unsigned int i = 0; i < nslots; i++)
		if (node->slots[xa_offset(index, tshift) + i])
			return -EEXIST;
	return (int)n;
}

/* A node from the preallocated pool, with its place in the tree set. */
static struct xa_node *xa_take(struct xa_node **pool, unsigned int *npool, unsigned int shift,
			       struct xa_node *parent, unsigned int offset)
{
	struct xa_node *node = pool[--*npool];

	memset(node, 0, sizeof(*node));
	node->shift = (uint8_t)shift;
	node->parent = parent;
	node->offset = (uint8_t)offset;
	return node;
}

/* The store itself, once xa_count_nodes said it fits and the nodes are in the pool. */
static void xa_do_store(struct xarray *xa, uint64_t index, unsigned int tshift,
			unsigned int nslots, unsigned int need, void *entry, struct xa_node **pool,
			unsigned int *npool)
{
	struct xa_node *node;

	if (!xa->xa_head) {
		node = xa_take(pool, npool, need, NULL, 0);
		xa->xa_head = xa_mk_node(node);
	} else if (!xa_is_node(xa->xa_head)) {
		node = xa_take(pool, npool, 0, NULL, 0);
		node->slots[0] = xa->xa_head;
		node->count = 1;
		xa->xa_head = xa_mk_node(node);
	}
	/* xas_expand: grow the root until it covers the range at shift >= tshift */
	node = xa_to_node(xa->xa_head);
	while (node->shift < need) {
		struct xa_node *top = xa_take(pool, npool, node->shift + XA_CHUNK_SHIFT, NULL, 0);

		top->slots[0] = xa_mk_node(node);
		top->count = 1;
		node->parent = top;
		node->offset = 0;
		xa->xa_head = xa_mk_node(top);
		node = top;
	}
	/* xas_create: walk down, making the missing nodes */
	while (node->shift > tshift) {
		unsigned int off = xa_offset(index, node->shift);

		if (!node->slots[off]) {
			struct xa_node *child = xa_take(pool, npool, node->shift - XA_CHUNK_SHIFT,
							node, off);
			node->slots[off] = xa_mk_node(child);
			node->count++;
		}
		node = xa_to_node(node->slots[off]);
	}
	unsigned int off = xa_offset(index, tshift);

	node->slots[off] = entry;
	for (unsigned int i = 1; i < nslots; i++)
		node->slots[off + i] = xa_mk_sibling(off);
	node->count = (uint8_t)(node->count + nslots);
}

int xa_store_order(struct xarray *xa, uint64_t index, unsigned int order, void *entry)
{
	/* at most 10 new roots above a root of shift 0 and 10 nodes down a new path */
	struct xa_node *pool[2 * (64 / XA_CHUNK_SHIFT) + 2];
	unsigned int npool = 0;
	int need_nodes;

	if (!xa_is_entry(entry) || order > XA_MAX_ORDER ||
	    (index & ((1ull << order) - 1)))
		return -EINVAL;
	if (!xa->xa_head && order == 0 && index == 0) {
		xa->xa_head = entry;	/* a lone entry at index 0 needs no node */
		return 0;
	}
	unsigned int tshift = order - order % XA_CHUNK_SHIFT;
	unsigned int nslots = 1u << (order - tshift);
	uint64_t last = index + ((1ull << order) - 1);
	unsigned int need = tshift;

	while (!xa_covers(need, last))
		need += XA_CHUNK_SHIFT;
	if (xa->xa_head && xa_is_node(xa->xa_head) && xa_to_node(xa->xa_head)->shift > need)
		need = xa_to_node(xa->xa_head)->shift;
	need_nodes = xa_count_nodes(xa, index, tshift, nslots, need);
	if (need_nodes < 0)
		return need_nodes;
	if (need_nodes > (int)(sizeof(pool) / sizeof(pool[0])))
		return -EINVAL;		/* cannot happen: the walk makes at most that many */
	/* every node first: a failure leaves the array as it was */
	for (int i = 0; i < need_nodes; i++) {
		int err = 0;
		struct xa_node *node = kmem_cache_alloc(xa->ms, xa->ms->radix_tree_node_cachep,
							MMSIM_GFP_KERNEL, &err);

		if (!node) {
			while (npool)
				kmem_cache_free(xa->ms, xa->ms->radix_tree_node_cachep, pool[--npool]);
			return err ? err : -ENOMEM;
		}
		pool[npool++] = node;
	}
	xa_do_store(xa, index, tshift, nslots, need, entry, pool, &npool);
	xa->nr_nodes += (uint64_t)need_nodes;
	return 0;
}

/* ---- erase ---------------------------------------------------------------------------- */

static void xa_node_free(struct xarray *xa, struct xa_node *node)
{
	kmem_cache_free(xa->ms, xa->ms->radix_tree_node_cachep, node);
	xa->nr_nodes--;
}

/* xas_shrink: a root whose only slot in use is slot 0 gives way to what slot 0 holds. */
static void xa_shrink(struct xarray *xa)
{
	while (xa->xa_head && xa_is_node(xa->xa_head)) {
		struct xa_node *node = xa_to_node(xa->xa_head);
		void *slot = node->slots[0];

		if (node->count != 1 || !slot)
			break;
		if (!xa_is_node(slot) && node->shift)
			break;		/* a multi-index entry needs its node */
		xa->xa_head = slot;
		xa_node_free(xa, node);
		if (!xa_is_node(slot))
			break;
		xa_to_node(slot)->parent = NULL;
		xa_to_node(slot)->offset = 0;
	}
}

void *xa_erase(struct xarray *xa, uint64_t index)
{
	void *slot = xa->xa_head;
	struct xa_node *node;
	unsigned int off;

	if (!slot)
		return NULL;
	if (!xa_is_node(slot)) {
		if (index != 0)
			return NULL;
		xa->xa_head = NULL;
		return slot;
	}
	node = xa_to_node(slot);
	if (!xa_covers(node->shift, index))
		return NULL;
	for (;;) {
		off = xa_offset(index, node->shift);
		slot = node->slots[off];
		if (xa_is_sibling(slot)) {
			off = xa_to_sibling(slot);
			slot = node->slots[off];
		}
		if (!slot)
			return NULL;
		if (!xa_is_node(slot))
			break;
		node = xa_to_node(slot);
	}
	node->slots[off] = NULL;
	node->count--;
	for (unsigned int i = off + 1; i < XA_CHUNK_SIZE && xa_is_sibling(node->slots[i]) &&
	     xa_to_sibling(node->slots[i]) == off; i++) {
		node->slots[i] = NULL;
		node->count--;
	}
	/* xas_delete_node: free the nodes that became empty, bottom up */
	while (node && node->count == 0) {
		struct xa_node *parent = node->parent;

		if (parent) {
			parent->slots[node->offset] = NULL;
			parent->count--;
		} else {
			xa->xa_head = NULL;
		}
		xa_node_free(xa, node);
		node = parent;
	}
	xa_shrink(xa);
	return slot;
}

/* ---- walks ---------------------------------------------------------------------------- */

/* Slots the entry at node->slots[off] takes: itself and the siblings naming it. */
static unsigned int xa_group(const struct xa_node *node, unsigned int off)
{
	unsigned int n = 1;

	while (off + n < XA_CHUNK_SIZE && xa_is_sibling(node->slots[off + n]) &&
	       xa_to_sibling(node->slots[off + n]) == off)
		n++;
	return n;
}

static unsigned int ilog2_u(unsigned int v)
{
	unsigned int l = 0;

	while (v >>= 1)
		l++;
	return l;
}

static void *xa_find_node(const struct xa_node *node, uint64_t base, uint64_t start, uint64_t max,
			  uint64_t *first, unsigned int *order)
{
	unsigned int off = start > base ? xa_offset(start, node->shift) : 0;

	for (; off < XA_CHUNK_SIZE; off++) {
		uint64_t sbase = base + ((uint64_t)off << node->shift);
		void *slot = node->slots[off];
		unsigned int canon = off;

		if ((node->shift >= 58 && (off >> (64 - node->shift))) || sbase > max)
			break;		/* past the top of the index space, or of the range */
		if (!slot)
			continue;
		if (xa_is_sibling(slot)) {
			canon = xa_to_sibling(slot);
			slot = node->slots[canon];
		}
		if (xa_is_node(slot)) {
			void *e = xa_find_node(xa_to_node(slot), sbase, start, max, first, order);

			if (e)
				return e;
			continue;
		}
		*first = base + ((uint64_t)canon << node->shift);
		*order = node->shift + ilog2_u(xa_group(node, canon));
		return slot;
	}
	return NULL;
}

void *xa_find(const struct xarray *xa, uint64_t *indexp, uint64_t max, uint64_t *first,
	      unsigned int *order)
{
	uint64_t f = 0;
	unsigned int o = 0;
	void *e = NULL;
	void *head = xa->xa_head;

	if (!head || *indexp > max)
		return NULL;
	if (!xa_is_node(head)) {
		if (*indexp == 0)
			e = head;
	} else if (xa_covers(xa_to_node(head)->shift, *indexp)) {
		e = xa_find_node(xa_to_node(head), 0, *indexp, max, &f, &o);
	}
	if (!e)
		return NULL;
	if (f > *indexp)
		*indexp = f;
	if (first)
		*first = f;
	if (order)
		*order = o;
	return e;
}

static void xa_free_nodes(struct xarray *xa, struct xa_node *node)
{
	for (unsigned int i = 0; i < XA_CHUNK_SIZE; i++)
		if (xa_is_node(node->slots[i]))
			xa_free_nodes(xa, xa_to_node(node->slots[i]));
	xa_node_free(xa, node);
}

void xa_destroy(struct xarray *xa)
{
	if (xa->xa_head && xa_is_node(xa->xa_head))
		xa_free_nodes(xa, xa_to_node(xa->xa_head));
	xa->xa_head = NULL;
}

/* ---- invariants ----------------------------------------------------------------------- */

static int xa_validate_node(const struct xa_node *node, const struct xa_node *parent,
			    unsigned int offset, uint64_t *nodes, struct mmsim_error *err)
{
	unsigned int count = 0;

	(*nodes)++;
	if (node->shift % XA_CHUNK_SHIFT || node->shift > 60 ||
	    (parent && node->shift + XA_CHUNK_SHIFT != parent->shift))
		return err_set(err, -EUCLEAN, NULL, 0, 0, "xarray node has shift %u under shift %d",
			       node->shift, parent ? parent->shift : -1);
	if (node->parent != parent || (parent && node->offset != offset))
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "xarray node (shift %u) does not name its parent slot", node->shift);
	for (unsigned int i = 0; i < XA_CHUNK_SIZE; i++) {
		void *slot = node->slots[i];

		if (!slot)
			continue;
		count++;
		if (xa_is_sibling(slot)) {
			unsigned int c = xa_to_sibling(slot);

			if (c >= i || !xa_is_entry(node->slots[c]))
				return err_set(err, -EUCLEAN, NULL, 0, 0,
					       "xarray sibling in slot %u names slot %u (no entry)", i, c);
			continue;
		}
		if (xa_is_node(slot)) {
			if (node->shift == 0)
				return err_set(err, -EUCLEAN, NULL, 0, 0,
					       "xarray node of shift 0 points at a node");
			int ret = xa_validate_node(xa_to_node(slot), node, i, nodes, err);

			if (ret)
				return ret;
			continue;
		}
		if (((uintptr_t)slot & 3) != 0)
			return err_set(err, -EUCLEAN, NULL, 0, 0, "xarray slot %u holds a bad value", i);
		unsigned int g = xa_group(node, i);

		if (g & (g - 1) || i % g)
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "xarray entry in slot %u spans %u slots (not an aligned power of two)",
				       i, g);
	}
	if (count != node->count || count == 0)
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "xarray node (shift %u) counts %u slots, %u in use", node->shift,
			       node->count, count);
	return 0;
}

int xa_validate(const struct xarray *xa, struct mmsim_error *err)
{
	uint64_t nodes = 0;
	void *head = xa->xa_head;

	if (head && xa_is_sibling(head))
		return err_set(err, -EUCLEAN, NULL, 0, 0, "xarray head is a sibling entry");
	if (head && xa_is_node(head)) {
		const struct xa_node *root = xa_to_node(head);
		int ret = xa_validate_node(root, NULL, 0, &nodes, err);

		if (ret)
			return ret;
		if (root->count == 1 && root->slots[0] &&
		    (xa_is_node(root->slots[0]) || root->shift == 0))
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "xarray root (shift %u) could shrink", root->shift);
	}
	if (nodes != xa->nr_nodes)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "xarray has %llu nodes, %llu counted",
			       (unsigned long long)nodes, (unsigned long long)xa->nr_nodes);
	return 0;
}

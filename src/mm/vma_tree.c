/*
 * The VMA index of an address space: a B+tree of VMAs (Linux: the maple tree of
 * lib/maple_tree.c as mm->mm_mt, and the vma_iterator of include/linux/mm.h).
 *
 * Leaves hold up to 15 VMAs in address order with their vm_end; internal nodes hold up to
 * 15 children and, between them, the vm_end of the last VMA of every child but the last.
 * Keys are vm_end because the question asked most (find_vma) is "the first VMA ending
 * above addr": at every level it is the first child whose key is above addr.
 *
 *                          [ key 0x5000 | key 0x9000 ]
 *                         /             |             \
 *     [A 0x1000-0x3000 B 0x4000-0x5000] [C ..-0x9000]  [D .. E ..]
 *
 * A node is 256 bytes (Linux's maple_node size) from the machine's "maple_node" slab cache:
 *   +0   parent      the parent node; the root's parent field heads the spare list
 *   +8   nr          entries (leaf) or children (internal) in use, 1..15
 *   +9   leaf        1 for a leaf
 *   +10  pslot       this node's index in its parent's child[]
 *   +11  is_root     1 for the root (its parent field is not a parent)
 *   +12  gap         the largest gap in the subtree, in 4 KiB units rounded up (see below)
 *   +16  leaf:     end[15] (vm_end of vma[i]),  vma[15]
 *        internal: key[14] (vm_end of the last VMA under child[i]), child[15]
 *
 * Gaps (as the maple tree's per-node largest gap, lib/maple_tree.c ma_max_gap, which
 * mas_empty_area / mas_empty_area_rev use to skip subtrees): the gap before a VMA is
 * vm_start minus the vm_end of the VMA before it, or minus 0 for the first VMA; the gap above
 * the last VMA belongs to no node (the searches add it from their bounds). A node's gap field
 * is the largest gap before a VMA of its subtree, encoded by gap_encode: bytes / 4096 rounded
 * up, GAP_UNKNOWN (UINT32_MAX) for 16 TiB and more. The encoding is monotone, so an internal
 * node's field is the largest of its children's. It never understates a gap, which is all the
 * searches need to skip a subtree safely; with page-aligned VMAs and sizes it is exact below
 * 16 TiB. (A leaf has no room for a 64-bit field: 15 ends and 15 pointers fill it.)
 *
 * Preallocation (vma_tree_preallocate, as mas_preallocate): spare nodes wait on a list
 * chained through their parent field, headed by the root's parent field (or by t->root
 * itself while the tree has no VMA: height 0). Insertions take nodes from it first.
 * vma_tree_preallocate(t, 0) frees the spares (as mas_destroy frees unused nodes).
 *
 * Iterators hold a leaf and a slot; any change to the tree invalidates them (set them again
 * with vma_iter_init), as a Linux vma_iterator must be reset after a tree modification.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "mm/vma_tree.h"
#include "mm/mm_types.h"
#include "mm/mmzone.h"
#include "mm/slab.h"
#include "util/error.h"

#define MT_SLOTS	15u		/* entries of a leaf, children of an internal node */
#define MT_MIN		(MT_SLOTS / 2)	/* fewest a non-root node may hold */
#define MT_NO_SLOT	UINT32_MAX	/* iterator slot "before the first entry of node" */

struct maple_node {
	struct maple_node *parent;
	uint8_t nr;
	uint8_t leaf;
	uint8_t pslot;
	uint8_t is_root;
	uint32_t gap;		/* gap_encode(the largest gap before a VMA of the subtree) */
	union {
		struct {
			uint64_t end[MT_SLOTS];
			struct vm_area_struct *vma[MT_SLOTS];
		} l;
		struct {
			uint64_t key[MT_SLOTS - 1];
			struct maple_node *child[MT_SLOTS];
		} i;
	};
};

_Static_assert(sizeof(struct maple_node) == 256, "a maple_node is 256 bytes, as Linux's");

/* ---- gaps ------------------------------------------------------------------------------------ */

#define GAP_SHIFT	12
#define GAP_UNKNOWN	UINT32_MAX	/* a gap of at least 16 TiB: its size is not kept */

static uint32_t gap_encode(uint64_t gap)
{
	uint64_t units = (gap >> GAP_SHIFT) + ((gap & ((1ull << GAP_SHIFT) - 1u)) != 0);
	return units >= GAP_UNKNOWN ? GAP_UNKNOWN : (uint32_t)units;
}

/* False only if no gap of the subtree whose field is enc can hold size bytes. */
static bool gap_may_fit(uint32_t enc, uint64_t size)
{
	return enc == GAP_UNKNOWN || ((uint64_t)enc << GAP_SHIFT) >= size;
}

/* The vm_end of the last VMA before n's subtree (0 if none): the nearest key to its left. */
static uint64_t left_bound(const struct maple_node *n)
{
	while (!n->is_root) {
		if (n->pslot)
			return n->parent->i.key[n->pslot - 1u];
		n = n->parent;
	}
	return 0;
}

/* The largest gap before a VMA of leaf n, pe being the vm_end of the VMA before the leaf. */
static uint64_t leaf_max_gap(const struct maple_node *n, uint64_t pe)
{
	uint64_t max = 0;
	for (unsigned int s = 0; s < n->nr; s++) {
		uint64_t g = n->l.vma[s]->vm_start - pe;
		if (g > max)
			max = g;
		pe = n->l.end[s];
	}
	return max;
}

/* What n's gap field must be, from its VMAs (leaf) or its children's fields. */
static uint32_t node_gap(const struct maple_node *n)
{
	if (n->leaf)
		return gap_encode(leaf_max_gap(n, left_bound(n)));
	uint32_t max = 0;
	for (unsigned int c = 0; c < n->nr; c++)
		if (n->i.child[c]->gap > max)
			max = n->i.child[c]->gap;
	return max;
}

/* A gap encoded as enc appeared in n's subtree and none shrank: raise n and its ancestors. */
static void gap_grew(struct maple_node *n, uint32_t enc)
{
	while (enc > n->gap) {
		n->gap = enc;
		if (n->is_root)
			return;
		n = n->parent;
	}
}

/*
 * n's gaps changed and every other node's field is right for its subtree: recompute n, then
 * each ancestor whose largest gap may have been the one that shrank.
 */
static void gap_refresh(struct maple_node *n)
{
	for (;;) {
		uint32_t old = n->gap, g = node_gap(n);
		if (g == old)
			return;
		n->gap = g;
		if (n->is_root)
			return;
		if (g > old) {
			gap_grew(n->parent, g);
			return;
		}
		if (old < n->parent->gap)
			return;		/* another child holds the parent's largest */
		n = n->parent;
	}
}

/*
 * A gap before a VMA of leaf n changed from old to new bytes (its bounds are written), and
 * other nodes' fields are right or wait for a call of their own: update n and its ancestors.
 */
static void gap_changed(struct maple_node *n, uint64_t old, uint64_t new)
{
	if (new >= old)
		gap_grew(n, gap_encode(new));
	else if (gap_encode(old) >= n->gap)
		gap_refresh(n);		/* it may have been n's largest */
}

/* Recompute n and all its ancestors (after nodes were split or merged below them). */
static void gap_rebuild(struct maple_node *n)
{
	for (;;) {
		n->gap = node_gap(n);
		if (n->is_root)
			return;
		n = n->parent;
	}
}

/* ---- spare nodes ---------------------------------------------------------------------------- */

static struct maple_node **spare_head(struct vma_tree *t)
{
	return t->height ? &t->root->parent : &t->root;
}

static unsigned int nr_spares(struct vma_tree *t)
{
	unsigned int n = 0;
	for (struct maple_node *s = *spare_head(t); s; s = s->parent)
		n++;
	return n;
}

/* Detach the spare list (before the root changes); give it back with put_spares. */
static struct maple_node *take_spares(struct vma_tree *t)
{
	struct maple_node **h = spare_head(t), *s = *h;
	*h = NULL;
	return s;
}

static void put_spares(struct vma_tree *t, struct maple_node *s)
{
	*spare_head(t) = s;
}

/* Add n nodes to the spare list; on failure the list is as it was and -ENOMEM. */
static int grow_spares(struct vma_tree *t, unsigned int n)
{
	struct maple_node *added = NULL;
	unsigned int got = 0;
	int err = 0;
	while (got < n) {
		struct maple_node *node = kmem_cache_alloc(t->ms, t->ms->maple_node_cache,
							   MMSIM_GFP_KERNEL, &err);
		if (!node)
			goto out_free_added;
		node->parent = added;
		added = node;
		got++;
	}
	if (added) {
		struct maple_node *last = added;
		while (last->parent)
			last = last->parent;
		last->parent = *spare_head(t);
		*spare_head(t) = added;
	}
	return 0;

out_free_added:
	while (added) {
		struct maple_node *next = added->parent;
		kmem_cache_free(t->ms, t->ms->maple_node_cache, added);
		added = next;
	}
	return err ? err : -ENOMEM;
}

/* A zeroed node from the spare list, which the caller has filled enough. */
static struct maple_node *pop_spare(struct vma_tree *t)
{
	struct maple_node **h = spare_head(t), *node = *h;
	*h = node->parent;
	memset(node, 0, sizeof(*node));
	return node;
}

static void free_node(struct vma_tree *t, struct maple_node *node)
{
	kmem_cache_free(t->ms, t->ms->maple_node_cache, node);
}

/* ---- set-up ------------------------------------------------------------------------------- */

void vma_tree_init(struct vma_tree *t, struct mm_sys *ms)
{
	t->root = NULL;
	t->height = 0;
	t->nr = 0;
	t->ms = ms;
}

static void destroy_subtree(struct vma_tree *t, struct maple_node *n)
{
	if (!n->leaf)
		for (unsigned int c = 0; c < n->nr; c++)
			destroy_subtree(t, n->i.child[c]);
	free_node(t, n);
}

void vma_tree_destroy(struct vma_tree *t)
{
	struct maple_node *s = take_spares(t);
	while (s) {
		struct maple_node *next = s->parent;
		free_node(t, s);
		s = next;
	}
	if (t->height)
		destroy_subtree(t, t->root);
	t->root = NULL;
	t->height = 0;
	t->nr = 0;
}

int vma_tree_preallocate(struct vma_tree *t, unsigned int n)
{
	if (n == 0) {
		struct maple_node *s = take_spares(t);
		while (s) {
			struct maple_node *next = s->parent;
			free_node(t, s);
			s = next;
		}
		return 0;
	}
	/* each insertion splits at most every level and adds a root; the height may grow */
	uint64_t want = (uint64_t)n * (t->height + 2u);
	unsigned int have = nr_spares(t);
	if (have >= want)
		return 0;
	return grow_spares(t, (unsigned int)(want - have));
}

/* ---- lookup ------------------------------------------------------------------------------- */

/* The first slot of leaf n whose VMA ends above addr (n->nr if none). */
static unsigned int leaf_slot(const struct maple_node *n, uint64_t addr)
{
	unsigned int s = 0;
	while (s < n->nr && n->l.end[s] <= addr)
		s++;
	return s;
}

/*
 * The leaf that holds the first VMA ending above addr (or the last leaf if none does):
 * at every level the first child whose last vm_end is above addr, else the last child.
 */
static struct maple_node *descend(const struct vma_tree *t, uint64_t addr)
{
	struct maple_node *n = t->root;
	while (!n->leaf) {
		unsigned int c = 0;
		while (c + 1u < n->nr && n->i.key[c] <= addr)
			c++;
		n = n->i.child[c];
	}
	return n;
}

struct vm_area_struct *vma_tree_find(const struct vma_tree *t, uint64_t addr)
{
	if (!t->height)
		return NULL;
	const struct maple_node *n = descend(t, addr);
	unsigned int s = leaf_slot(n, addr);
	return s < n->nr ? n->l.vma[s] : NULL;
}

static struct maple_node *next_leaf(struct maple_node *n)
{
	while (!n->is_root && n->pslot + 1u == n->parent->nr)
		n = n->parent;
	if (n->is_root)
		return NULL;
	n = n->parent->i.child[n->pslot + 1u];
	while (!n->leaf)
		n = n->i.child[0];
	return n;
}

static struct maple_node *prev_leaf(struct maple_node *n)
{
	while (!n->is_root && n->pslot == 0)
		n = n->parent;
	if (n->is_root)
		return NULL;
	n = n->parent->i.child[n->pslot - 1u];
	while (!n->leaf)
		n = n->i.child[n->nr - 1u];
	return n;
}

struct vm_area_struct *vma_tree_find_prev(const struct vma_tree *t, uint64_t addr)
{
	if (!t->height)
		return NULL;
	struct maple_node *n = descend(t, addr);
	unsigned int s = leaf_slot(n, addr);
	if (s > 0)
		return n->l.vma[s - 1u];
	n = prev_leaf(n);
	return n ? n->l.vma[n->nr - 1u] : NULL;
}

/* ---- iteration ---------------------------------------------------------------------------- */

/*
 * State: node == NULL until the first step (the position is then "before the first VMA
 * ending above index"); afterwards (node, slot) is the VMA returned last, slot == node->nr
 * past the end of the last leaf, slot == MT_NO_SLOT before the first of the first leaf.
 */
void vma_iter_init(struct vma_iterator *vmi, struct vma_tree *t, uint64_t addr)
{
	vmi->tree = t;
	vmi->node = NULL;
	vmi->slot = 0;
	vmi->index = addr;
}

struct vm_area_struct *vma_next(struct vma_iterator *vmi)
{
	struct vma_tree *t = vmi->tree;
	if (!t->height)
		return NULL;
	struct maple_node *n = vmi->node;
	if (!n) {
		n = descend(t, vmi->index);
		vmi->node = n;
		vmi->slot = leaf_slot(n, vmi->index);
		return vmi->slot < n->nr ? n->l.vma[vmi->slot] : NULL;
	}
	if (vmi->slot == n->nr)
		return NULL;			/* stays past the end */
	unsigned int s = vmi->slot + 1u;	/* MT_NO_SLOT + 1 == 0 */
	if (s < n->nr) {
		vmi->slot = s;
		return n->l.vma[s];
	}
	struct maple_node *next = next_leaf(n);
	if (!next) {
		vmi->slot = n->nr;
		return NULL;
	}
	vmi->node = next;
	vmi->slot = 0;
	return next->l.vma[0];
}

struct vm_area_struct *vma_prev(struct vma_iterator *vmi)
{
	struct vma_tree *t = vmi->tree;
	if (!t->height)
		return NULL;
	struct maple_node *n = vmi->node;
	if (!n) {
		n = descend(t, vmi->index);
		vmi->node = n;
		vmi->slot = leaf_slot(n, vmi->index);
	}
	if (vmi->slot == MT_NO_SLOT)
		return NULL;			/* stays before the start */
	if (vmi->slot > 0) {
		vmi->slot--;
		return n->l.vma[vmi->slot];
	}
	struct maple_node *prev = prev_leaf(n);
	if (!prev) {
		vmi->slot = MT_NO_SLOT;
		return NULL;
	}
	vmi->node = prev;
	vmi->slot = prev->nr - 1u;
	return prev->l.vma[vmi->slot];
}

/* The vm_end of the last VMA under n. */
static uint64_t last_end(const struct maple_node *n)
{
	while (!n->leaf)
		n = n->i.child[n->nr - 1u];
	return n->l.end[n->nr - 1u];
}

/* ---- free space ---------------------------------------------------------------------------- */

/*
 * The first VMA at or after slot s of leaf n, in address order, whose gap before is at least
 * size bytes; *pe gets the vm_end of the VMA before it (0 if it is the first). NULL if none.
 * Subtrees whose gap field rules such a gap out are skipped (lib/maple_tree.c mas_awalk).
 */
static const struct vm_area_struct *gap_search_fwd(const struct maple_node *n, unsigned int s,
						  uint64_t size, uint64_t *pe)
{
	uint64_t prev = s ? n->l.end[s - 1u] : left_bound(n);
	for (;;) {
		for (; s < n->nr; s++) {
			const struct vm_area_struct *v = n->l.vma[s];
			if (v->vm_start - prev >= size) {
				*pe = prev;
				return v;
			}
			prev = n->l.end[s];
		}
		/* up to the first ancestor with a later child that may hold such a gap */
		const struct maple_node *p;
		unsigned int c;
		for (;;) {
			if (n->is_root)
				return NULL;
			p = n->parent;
			for (c = n->pslot + 1u; c < p->nr; c++)
				if (gap_may_fit(p->i.child[c]->gap, size))
					break;
			if (c < p->nr)
				break;
			n = p;
		}
		prev = p->i.key[c - 1u];
		n = p->i.child[c];
		/* down through the first child that may hold it */
		while (!n->leaf) {
			for (c = 0; c + 1u < n->nr; c++)
				if (gap_may_fit(n->i.child[c]->gap, size))
					break;
			if (c)
				prev = n->i.key[c - 1u];
			n = n->i.child[c];
		}
		s = 0;
	}
}

/*
 * The last VMA among the first count slots of leaf n and every VMA before them whose gap
 * before is at least size bytes; *pe as gap_search_fwd's. NULL if none (mas_rev_awalk).
 */
static const struct vm_area_struct *gap_search_rev(const struct maple_node *n, unsigned int count,
						  uint64_t size, uint64_t *pe)
{
	uint64_t lb = left_bound(n);		/* the vm_end before n's first VMA */
	for (;;) {
		for (unsigned int s = count; s-- > 0;) {
			uint64_t prev = s ? n->l.end[s - 1u] : lb;
			if (n->l.vma[s]->vm_start - prev >= size) {
				*pe = prev;
				return n->l.vma[s];
			}
		}
		const struct maple_node *p;
		unsigned int c;
		for (;;) {
			if (n->is_root)
				return NULL;
			p = n->parent;
			for (c = n->pslot; c-- > 0;)
				if (gap_may_fit(p->i.child[c]->gap, size))
					break;
			if (c != UINT32_MAX)
				break;
			n = p;
		}
		lb = c ? p->i.key[c - 1u] : left_bound(p);
		n = p->i.child[c];
		while (!n->leaf) {
			for (c = n->nr - 1u; c > 0; c--)
				if (gap_may_fit(n->i.child[c]->gap, size))
					break;
			if (c)
				lb = n->i.key[c - 1u];
			n = n->i.child[c];
		}
		count = n->nr;
	}
}

/* Bottom-up: the gap containing low or the first one above it (mas_empty_area). */
static int empty_area_up(const struct vma_tree *t, uint64_t low, uint64_t high, uint64_t size,
			 uint64_t *found)
{
	const struct maple_node *n = descend(t, low);
	unsigned int s = leaf_slot(n, low);
	if (s == n->nr) {
		/* low is above the last VMA (n is the last leaf) */
		*found = low;
		return 0;
	}
	uint64_t start = n->l.vma[s]->vm_start;
	if (start > low && (start >= high || start - low >= size)) {
		*found = low;			/* the gap low is in */
		return 0;
	}
	uint64_t pe;
	if (gap_search_fwd(n, s + 1u, size, &pe)) {
		if (pe >= high || high - pe < size)
			return -ENOMEM;		/* every later gap starts higher */
		*found = pe;
		return 0;
	}
	pe = last_end(t->root);			/* the gap above the last VMA */
	if (pe >= high || high - pe < size)
		return -ENOMEM;
	*found = pe;
	return 0;
}

/* Top-down: the gap containing high - 1 or the first one below it (mas_empty_area_rev). */
static int empty_area_down(const struct vma_tree *t, uint64_t low, uint64_t high, uint64_t size,
			   uint64_t *found)
{
	const struct maple_node *n = descend(t, high - 1u);
	unsigned int s = leaf_slot(n, high - 1u);
	/* the gap below the first VMA ending at or above high (or above the last VMA) */
	uint64_t bottom = s ? n->l.end[s - 1u] : left_bound(n);
	uint64_t top = s < n->nr && n->l.vma[s]->vm_start < high ? n->l.vma[s]->vm_start : high;
	if (bottom < low)
		bottom = low;
	if (top > bottom && top - bottom >= size) {
		*found = top - size;
		return 0;
	}
	uint64_t pe;
	const struct vm_area_struct *v = gap_search_rev(n, s, size, &pe);
	/* v ends below high; its gap is large enough unless cut by low, and lower ones more so */
	if (!v || v->vm_start <= low || v->vm_start - low < size)
		return -ENOMEM;
	*found = v->vm_start - size;
	return 0;
}

int vma_tree_empty_area(const struct vma_tree *t, uint64_t low, uint64_t high, uint64_t size,
			bool topdown, uint64_t *found)
{
	if (size == 0)
		return -EINVAL;
	if (high <= low || high - low < size)
		return -ENOMEM;
	if (!t->height) {
		*found = topdown ? high - size : low;
		return 0;
	}
	return topdown ? empty_area_down(t, low, high, size, found)
		       : empty_area_up(t, low, high, size, found);
}

/* ---- insertion ---------------------------------------------------------------------------- */

/* Keys above a node whose last vm_end became end: the nearest ancestor key that names it. */
static void fix_last_key(struct maple_node *n, uint64_t end)
{
	while (!n->is_root) {
		struct maple_node *p = n->parent;
		if (n->pslot + 1u < p->nr) {
			p->i.key[n->pslot] = end;
			return;
		}
		n = p;
	}
}

static void set_child(struct maple_node *p, unsigned int c, struct maple_node *child)
{
	p->i.child[c] = child;
	child->parent = p;
	child->pslot = (uint8_t)c;
	child->is_root = 0;
}

/*
 * Put right (a new node) just after left in left's parent, with sep the last vm_end under
 * left; splits the parent when full (nodes from the spare list, reserved by the caller).
 * The gap fields of left and right must be right; those of the nodes split here are set,
 * those of the ancestors above are left for the caller (gap_rebuild).
 */
static void insert_child(struct vma_tree *t, struct maple_node *left, uint64_t sep,
			 struct maple_node *right)
{
	if (left->is_root) {
		/* a new root: the spare list moves from the old root's parent field to it */
		struct maple_node *root = pop_spare(t);
		struct maple_node *spares = take_spares(t);
		root->is_root = 1;
		root->nr = 2;
		set_child(root, 0, left);
		set_child(root, 1, right);
		root->i.key[0] = sep;
		root->gap = left->gap > right->gap ? left->gap : right->gap;
		t->root = root;
		t->height++;
		put_spares(t, spares);
		return;
	}
	struct maple_node *p = left->parent;
	unsigned int pos = left->pslot + 1u;	/* right's index */
	uint64_t key[MT_SLOTS];
	struct maple_node *child[MT_SLOTS + 1];
	unsigned int nr = p->nr;
	for (unsigned int c = 0, d = 0; c < nr; c++, d++) {
		if (c == pos)
			d++;
		child[d] = p->i.child[c];
	}
	child[pos] = right;
	for (unsigned int k = 0, d = 0; k + 1u < nr; k++, d++) {
		if (k == pos - 1u)
			d++;
		key[d] = p->i.key[k];
	}
	key[pos - 1u] = sep;
	nr++;
	if (nr <= MT_SLOTS) {
		p->nr = (uint8_t)nr;
		for (unsigned int c = 0; c < nr; c++)
			set_child(p, c, child[c]);
		for (unsigned int k = 0; k + 1u < nr; k++)
			p->i.key[k] = key[k];
		return;
	}
	/* 16 children: 8 stay, 8 move to a new node; key[7] goes up */
	struct maple_node *q = pop_spare(t);
	unsigned int nl = nr / 2u, nrr = nr - nl;
	p->nr = (uint8_t)nl;
	for (unsigned int c = 0; c < nl; c++)
		set_child(p, c, child[c]);
	for (unsigned int k = 0; k + 1u < nl; k++)
		p->i.key[k] = key[k];
	q->nr = (uint8_t)nrr;
	for (unsigned int c = 0; c < nrr; c++)
		set_child(q, c, child[nl + c]);
	for (unsigned int k = 0; k + 1u < nrr; k++)
		q->i.key[k] = key[nl + k];
	p->gap = node_gap(p);
	q->gap = node_gap(q);
	insert_child(t, p, key[nl - 1u], q);
}

/* Spare nodes an insertion into leaf n needs: one per full node upwards, one for a new root. */
static unsigned int nodes_needed(const struct maple_node *n)
{
	unsigned int need = 0;
	for (;;) {
		if (n->nr < MT_SLOTS)
			return need;
		need++;
		if (n->is_root)
			return need + 1u;
		n = n->parent;
	}
}

int vma_tree_insert(struct vma_tree *t, struct vm_area_struct *vma)
{
	if (vma->vm_start >= vma->vm_end)
		return -EINVAL;
	if (!t->height) {
		if (!t->root) {
			int err = grow_spares(t, 1);
			if (err)
				return err;
		}
		struct maple_node *spares = t->root;
		struct maple_node *leaf = spares;
		spares = leaf->parent;
		memset(leaf, 0, sizeof(*leaf));
		leaf->leaf = 1;
		leaf->is_root = 1;
		leaf->nr = 1;
		leaf->l.end[0] = vma->vm_end;
		leaf->l.vma[0] = vma;
		leaf->gap = gap_encode(vma->vm_start);	/* the gap from address 0 */
		t->root = leaf;
		t->height = 1;
		t->nr = 1;
		leaf->parent = spares;
		return 0;
	}
	struct maple_node *n = descend(t, vma->vm_start);
	unsigned int s = leaf_slot(n, vma->vm_start);
	if (s < n->nr && n->l.vma[s]->vm_start < vma->vm_end)
		return -EEXIST;
	/*
	 * The VMA after the new one is n's slot s or none (a leaf where no VMA ends above
	 * vm_start is the last one): only the gaps before vma and before it change.
	 */
	uint64_t pe = s ? n->l.end[s - 1u] : left_bound(n);
	const struct vm_area_struct *next = s < n->nr ? n->l.vma[s] : NULL;
	unsigned int need = nodes_needed(n), have = nr_spares(t);
	if (need > have) {
		int err = grow_spares(t, need - have);
		if (err)
			return err;
	}
	uint64_t end[MT_SLOTS + 1];
	struct vm_area_struct *v[MT_SLOTS + 1];
	unsigned int nr = n->nr;
	memcpy(end, n->l.end, s * sizeof(end[0]));
	memcpy(v, n->l.vma, s * sizeof(v[0]));
	end[s] = vma->vm_end;
	v[s] = vma;
	memcpy(end + s + 1, n->l.end + s, (nr - s) * sizeof(end[0]));
	memcpy(v + s + 1, n->l.vma + s, (nr - s) * sizeof(v[0]));
	nr++;
	t->nr++;
	if (nr <= MT_SLOTS) {
		memcpy(n->l.end, end, nr * sizeof(end[0]));
		memcpy(n->l.vma, v, nr * sizeof(v[0]));
		n->nr = (uint8_t)nr;
		if (s + 1u == nr)
			fix_last_key(n, vma->vm_end);
		if (!next)
			gap_grew(n, gap_encode(vma->vm_start - pe));
		else if (gap_encode(next->vm_start - pe) >= n->gap)
			gap_refresh(n);	/* the gap split in two may have been n's largest */
		/* else both new gaps are below n's largest: nothing changes */
		return 0;
	}
	struct maple_node *q = pop_spare(t);
	unsigned int nl = nr / 2u, nrr = nr - nl;
	q->leaf = 1;
	q->nr = (uint8_t)nrr;
	memcpy(q->l.end, end + nl, nrr * sizeof(end[0]));
	memcpy(q->l.vma, v + nl, nrr * sizeof(v[0]));
	n->nr = (uint8_t)nl;
	memcpy(n->l.end, end, nl * sizeof(end[0]));
	memcpy(n->l.vma, v, nl * sizeof(v[0]));
	n->gap = gap_encode(leaf_max_gap(n, left_bound(n)));
	q->gap = gap_encode(leaf_max_gap(q, end[nl - 1u]));
	/* the old last VMA of n is now q's last: keys above n still name it, and q follows n */
	insert_child(t, n, end[nl - 1u], q);
	gap_rebuild(n->parent);
	gap_rebuild(q->parent);
	return 0;
}

/* ---- removal ------------------------------------------------------------------------------ */

/* Remove child c (and the key that separated it from its left sibling, or its own) from p. */
static void remove_child(struct maple_node *p, unsigned int c)
{
	unsigned int nr = p->nr;
	/* the key removed is key[c-1] (left neighbour now ends where c ended) or key[0] */
	unsigned int k = c ? c - 1u : 0u;
	if (c + 1u == nr && c > 0) {
		/* the last child goes: its left neighbour becomes last and keeps no key */
	} else {
		for (unsigned int j = k; j + 2u < nr; j++)
			p->i.key[j] = p->i.key[j + 1u];
	}
	for (unsigned int j = c; j + 1u < nr; j++)
		set_child(p, j, p->i.child[j + 1u]);
	p->nr = (uint8_t)(nr - 1u);
}

static void rebalance(struct vma_tree *t, struct maple_node *n);

/* Merge right into left (siblings, left just before right) and drop right from the parent. */
static void merge_nodes(struct vma_tree *t, struct maple_node *left, struct maple_node *right)
{
	struct maple_node *p = left->parent;
	unsigned int ln = left->nr, rn = right->nr;
	if (left->leaf) {
		memcpy(left->l.end + ln, right->l.end, rn * sizeof(uint64_t));
		memcpy(left->l.vma + ln, right->l.vma, rn * sizeof(left->l.vma[0]));
	} else {
		left->i.key[ln - 1u] = p->i.key[left->pslot];
		for (unsigned int k = 0; k + 1u < rn; k++)
			left->i.key[ln + k] = right->i.key[k];
		for (unsigned int c = 0; c < rn; c++)
			set_child(left, ln + c, right->i.child[c]);
	}
	left->nr = (uint8_t)(ln + rn);
	/* left's left bound is unchanged by what follows; the parent is the caller's (gaps) */
	left->gap = node_gap(left);
	/*
	 * Dropping right and the key between them: left now ends where right ended, which is
	 * right's key (if right had one), now at left's position.
	 */
	remove_child(p, right->pslot);
	free_node(t, right);
	if (p->is_root) {
		if (p->nr == 1) {
			struct maple_node *spares = take_spares(t);
			left->parent = NULL;
			left->is_root = 1;
			left->pslot = 0;
			t->root = left;
			t->height--;
			free_node(t, p);
			put_spares(t, spares);
		}
		return;
	}
	if (p->nr < MT_MIN)
		rebalance(t, p);
}

/*
 * n (not the root) has MT_MIN - 1 entries: borrow one from a sibling or merge with it. The gap
 * fields of the nodes changed here are set from their children (which must be right) or
 * VMAs; the ancestors' are left for the caller (gap_rebuild).
 */
static void rebalance(struct vma_tree *t, struct maple_node *n)
{
	struct maple_node *p = n->parent;
	unsigned int ps = n->pslot;
	struct maple_node *left = ps ? p->i.child[ps - 1u] : NULL;
	struct maple_node *right = ps + 1u < p->nr ? p->i.child[ps + 1u] : NULL;

	if (left && left->nr > MT_MIN) {
		/* left's last entry moves to the front of n */
		unsigned int ln = left->nr;
		if (n->leaf) {
			memmove(n->l.end + 1, n->l.end, n->nr * sizeof(uint64_t));
			memmove(n->l.vma + 1, n->l.vma, n->nr * sizeof(n->l.vma[0]));
			n->l.end[0] = left->l.end[ln - 1u];
			n->l.vma[0] = left->l.vma[ln - 1u];
			left->nr--;
			p->i.key[ps - 1u] = left->l.end[ln - 2u];
		} else {
			memmove(n->i.key + 1, n->i.key, (n->nr - 1u) * sizeof(uint64_t));
			for (unsigned int c = n->nr; c > 0; c--)
				set_child(n, c, n->i.child[c - 1u]);
			n->i.key[0] = p->i.key[ps - 1u];
			set_child(n, 0, left->i.child[ln - 1u]);
			p->i.key[ps - 1u] = left->i.key[ln - 2u];
			left->nr--;
		}
		n->nr++;
		left->gap = node_gap(left);
		n->gap = node_gap(n);
		return;
	}
	if (right && right->nr > MT_MIN) {
		/* right's first entry moves to the end of n */
		unsigned int rn = right->nr;
		if (n->leaf) {
			n->l.end[n->nr] = right->l.end[0];
			n->l.vma[n->nr] = right->l.vma[0];
			memmove(right->l.end, right->l.end + 1, (rn - 1u) * sizeof(uint64_t));
			memmove(right->l.vma, right->l.vma + 1, (rn - 1u) * sizeof(right->l.vma[0]));
			p->i.key[ps] = n->l.end[n->nr];
		} else {
			n->i.key[n->nr - 1u] = p->i.key[ps];
			set_child(n, n->nr, right->i.child[0]);
			p->i.key[ps] = right->i.key[0];
			memmove(right->i.key, right->i.key + 1, (rn - 2u) * sizeof(uint64_t));
			for (unsigned int c = 0; c + 1u < rn; c++)
				set_child(right, c, right->i.child[c + 1u]);
		}
		right->nr--;
		n->nr++;
		right->gap = node_gap(right);
		n->gap = node_gap(n);
		return;
	}
	if (left)
		merge_nodes(t, left, n);
	else
		merge_nodes(t, n, right);
}

/* Leaf and slot of vma, found by its (possibly stale) bounds; false if not in the tree. */
static bool locate(const struct vma_tree *t, const struct vm_area_struct *vma, uint64_t hint,
		   struct maple_node **np, unsigned int *sp)
{
	if (!t->height)
		return false;
	struct maple_node *n = descend(t, hint);
	unsigned int s = leaf_slot(n, hint);
	/* the VMA is at the slot found or, if its stored end is at or below hint, just before */
	for (int step = 0; step < 2; step++) {
		if (s < n->nr && n->l.vma[s] == vma) {
			*np = n;
			*sp = s;
			return true;
		}
		if (s > 0) {
			s--;
		} else {
			n = prev_leaf(n);
			if (!n)
				return false;
			s = n->nr - 1u;
		}
	}
	return false;
}

void vma_tree_erase(struct vma_tree *t, struct vm_area_struct *vma)
{
	struct maple_node *n;
	unsigned int s;
	if (!locate(t, vma, vma->vm_start, &n, &s))
		return;
	/*
	 * Gaps: vma's goes; the one before the VMA after it (slot s + 1 or the first of the next
	 * leaf) grows to cover both and vma.
	 */
	uint64_t pe = s ? n->l.end[s - 1u] : left_bound(n);
	uint32_t gone = gap_encode(vma->vm_start - pe);
	struct maple_node *nn = s + 1u < n->nr ? n : next_leaf(n);
	uint32_t grown = nn ? gap_encode(nn->l.vma[nn == n ? s + 1u : 0]->vm_start - pe) : 0;
	uint64_t addr = vma->vm_start;
	unsigned int nr = n->nr;
	memmove(n->l.end + s, n->l.end + s + 1, (nr - s - 1u) * sizeof(uint64_t));
	memmove(n->l.vma + s, n->l.vma + s + 1, (nr - s - 1u) * sizeof(n->l.vma[0]));
	n->nr--;
	t->nr--;
	if (n->is_root && n->nr == 0) {
		struct maple_node *spares = take_spares(t);
		free_node(t, n);
		t->height = 0;
		t->root = spares;
		return;
	}
	if (!n->is_root && s == n->nr)
		fix_last_key(n, n->l.end[n->nr - 1u]);
	if (n->is_root || n->nr >= MT_MIN) {
		if (nn != n && gone >= n->gap)
			gap_refresh(n);		/* vma's gap may have been n's largest */
		if (nn)
			gap_grew(nn, grown);	/* the gaps it replaces were no larger */
		return;
	}
	rebalance(t, n);
	/*
	 * The nodes rebalance changed have their gaps; their ancestors are on the path to the
	 * leaf now holding n's VMAs, which holds the VMA before vma or the one after it. The
	 * leaf of the VMA after it may be another one whose gap grew.
	 */
	gap_rebuild(descend(t, addr));
	if (pe)
		gap_rebuild(descend(t, pe - 1u));
}

void vma_tree_update(struct vma_tree *t, struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	struct maple_node *n;
	unsigned int s;
	/* vma still holds its old bounds: they find it and say how its gaps change */
	if (!locate(t, vma, vma->vm_start, &n, &s))
		return;
	uint64_t old_start = vma->vm_start, old_end = n->l.end[s];
	uint64_t pe = s ? n->l.end[s - 1u] : left_bound(n);
	struct maple_node *nn = s + 1u < n->nr ? n : next_leaf(n);
	const struct vm_area_struct *next = nn ? nn->l.vma[nn == n ? s + 1u : 0] : NULL;
	vma->vm_start = start;
	vma->vm_end = end;
	n->l.end[s] = end;
	if (s + 1u == n->nr)
		fix_last_key(n, end);
	/* the gap before vma, then the one before the VMA after it (in n or the next leaf) */
	gap_changed(n, old_start - pe, start - pe);
	if (next)
		gap_changed(nn, next->vm_start - old_end, next->vm_start - end);
}

/* ---- checks -------------------------------------------------------------------------------- */

struct walk_state {
	const struct vm_area_struct *last;
	uint64_t count;
	unsigned int leaf_depth;
};

static int validate_entries(const struct vma_tree *t, const struct maple_node *n,
			    unsigned int depth, struct walk_state *w, uint64_t *max_gap,
			    struct mmsim_error *err);

/* Checks n's subtree; *max_gap gets the largest gap before one of its VMAs, recomputed. */
static int validate_node(const struct vma_tree *t, const struct maple_node *n, unsigned int depth,
			 struct walk_state *w, uint64_t *max_gap, struct mmsim_error *err)
{
	int ret = validate_entries(t, n, depth, w, max_gap, err);
	if (ret)
		return ret;
	if (n->gap != gap_encode(*max_gap))
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "vma tree: node at depth %u records gap %#llx, its largest is %#llx",
			       depth, (unsigned long long)n->gap << GAP_SHIFT,
			       (unsigned long long)*max_gap);
	return 0;
}

static int validate_entries(const struct vma_tree *t, const struct maple_node *n,
			    unsigned int depth, struct walk_state *w, uint64_t *max_gap,
			    struct mmsim_error *err)
{
	*max_gap = 0;
	if (n->nr == 0 || n->nr > MT_SLOTS)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "vma tree: node at depth %u holds %u entries",
			       depth, n->nr);
	if (!n->is_root && n->nr < MT_MIN)
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "vma tree: node at depth %u holds %u entries, fewer than %u", depth,
			       n->nr, MT_MIN);
	if (n->leaf) {
		if (depth != t->height)
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "vma tree: leaf at depth %u, the height is %u", depth, t->height);
		for (unsigned int s = 0; s < n->nr; s++) {
			const struct vm_area_struct *v = n->l.vma[s];
			if (!v || v->vm_start >= v->vm_end || n->l.end[s] != v->vm_end)
				return err_set(err, -EUCLEAN, NULL, 0, 0,
					       "vma tree: entry %u of a leaf is not a VMA with its end as key",
					       s);
			if (w->last && w->last->vm_end > v->vm_start)
				return err_set(err, -EUCLEAN, NULL, 0, 0,
					       "vma tree: VMA %#llx-%#llx overlaps or precedes %#llx-%#llx",
					       (unsigned long long)v->vm_start,
					       (unsigned long long)v->vm_end,
					       (unsigned long long)w->last->vm_start,
					       (unsigned long long)w->last->vm_end);
			uint64_t gap = v->vm_start - (w->last ? w->last->vm_end : 0);
			if (gap > *max_gap)
				*max_gap = gap;
			w->last = v;
			w->count++;
		}
		return 0;
	}
	for (unsigned int c = 0; c < n->nr; c++) {
		const struct maple_node *ch = n->i.child[c];
		if (!ch || ch->parent != n || ch->pslot != c || ch->is_root)
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "vma tree: child %u at depth %u has wrong parent links", c, depth);
		uint64_t gap;
		int ret = validate_node(t, ch, depth + 1u, w, &gap, err);
		if (ret)
			return ret;
		if (gap > *max_gap)
			*max_gap = gap;
		if (c + 1u < n->nr && n->i.key[c] != last_end(ch))
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "vma tree: key %u at depth %u is %#llx, its child ends at %#llx", c,
				       depth, (unsigned long long)n->i.key[c],
				       (unsigned long long)last_end(ch));
	}
	return 0;
}

int vma_tree_validate(const struct vma_tree *t, struct mmsim_error *err)
{
	if (!t->height) {
		if (t->nr)
			return err_set(err, -EUCLEAN, NULL, 0, 0, "vma tree: empty but nr is %llu",
				       (unsigned long long)t->nr);
		return 0;
	}
	if (!t->root->is_root)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "vma tree: the root is not marked root");
	struct walk_state w = { 0 };
	uint64_t gap;
	int ret = validate_node(t, t->root, 1, &w, &gap, err);
	if (ret)
		return ret;
	if (w.count != t->nr)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "vma tree: %llu VMAs reachable, nr is %llu",
			       (unsigned long long)w.count, (unsigned long long)t->nr);
	return 0;
}

static uint64_t count_nodes(const struct maple_node *n)
{
	uint64_t c = 1;
	if (!n->leaf)
		for (unsigned int i = 0; i < n->nr; i++)
			c += count_nodes(n->i.child[i]);
	return c;
}

uint64_t vma_tree_nodes(const struct vma_tree *t)
{
	uint64_t c = t->height ? count_nodes(t->root) : 0;
	for (struct maple_node *s = t->height ? t->root->parent : t->root; s; s = s->parent)
		c++;
	return c;
}

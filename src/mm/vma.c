/*
 * VMA operations (Linux 6.18: mm/vma.c, mm/vma_init.c, the VMA parts of mm/mmap.c and
 * kernel/fork.c; protection_map from arch/x86/mm/pgprot.c and arch/arm64/mm/mmap.c).
 *
 * Counters. Unlike Linux, where mmap_region/mprotect_fixup/munmap each call
 * vm_stat_account, every function here keeps mm's total_vm, data_vm, exec_vm and stack_vm
 * equal to what the VMAs add up to: vma_link/vma_unlink/vma_set_range account the pages they
 * add or remove, vma_modify_flags the pages whose flags change. Callers never call
 * vm_stat_account for those. locked_vm is the callers' (mlock.c, mmap.c), as in Linux.
 *
 * Atomicity. Every fallible step (VMA objects, tree nodes, the map_count limit) is done
 * before the first change, so a failure leaves the address space exactly as it was. Linux
 * differs in one place: vma_modify splits the front before it tries the back, and keeps the
 * first split when the second fails; mmsim checks both first (vma.h promises no change).
 *
 * Left out: anon_vma chains (an anon_vma is one pointer; "compatible" is NULL or equal),
 * mempolicies, userfaultfd contexts (always equal), vm_ops->open/close/may_split (special
 * mappings are the only VMAs with vm_ops here and are VM_DONTEXPAND, so they never merge).
 */
#include <errno.h>
#include <string.h>

#include "mm/memory.h"
#include "mm/huge_memory.h"
#include "mm/rmap.h"
#include "mm/pagemap.h"
#include "mm/vma.h"
#include "mm/mmzone.h"
#include "mm/slab.h"
#include "fs/fs.h"
#include "arch/pgtable.h"
#include "hw/machine_desc.h"
#include "util/error.h"

/* Linux 6.18 x86-64: sizeof(struct vm_area_struct) rounds to 192, mm_struct to 1600 bytes. */
_Static_assert(sizeof(struct vm_area_struct) <= 192, "vm_area_struct must fit its 192-byte object");
_Static_assert(sizeof(struct mm_struct) <= 1600, "mm_struct must fit its 1600-byte object");

#define VM_AREA_SIZE	192u
#define MM_STRUCT_SIZE	1600u
#define MAPLE_NODE_SIZE	256u

/*
 * Flags a merge ignores and the merged VMA keeps from every part (Linux's VM_STICKY: the
 * reference kernel merges a VMA marked "gu" by MADV_GUARD_INSTALL with an unmarked
 * neighbour, and the result shows "gu"; checked on the development machine).
 */
#define VMA_STICKY_FLAGS VM_IGNORE_MERGE

/* ---- caches and objects ------------------------------------------------------------------- */

/*
 * vma_state_init (mm/vma_init.c): SLAB_HWCACHE_ALIGN|SLAB_PANIC|SLAB_TYPESAFE_BY_RCU|
 * SLAB_ACCOUNT (RCU freeing is not modelled); mm_cache_init (kernel/fork.c):
 * SLAB_HWCACHE_ALIGN|SLAB_PANIC|SLAB_ACCOUNT; maple_tree_init (lib/maple_tree.c): aligned
 * to its size, SLAB_PANIC.
 */
int vma_caches_init(struct mm_sys *ms)
{
	int ret = kmem_cache_create(ms, "vm_area_struct", VM_AREA_SIZE, 0,
				    SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT,
				    &ms->vm_area_cachep);
	if (ret)
		return ret;
	ret = kmem_cache_create(ms, "mm_struct", MM_STRUCT_SIZE, 0,
				SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT, &ms->mm_cachep);
	if (ret)
		goto out_destroy_vma;
	ret = kmem_cache_create(ms, "maple_node", MAPLE_NODE_SIZE, MAPLE_NODE_SIZE, SLAB_PANIC,
				&ms->maple_node_cache);
	if (ret)
		goto out_destroy_mm;
	ret = anon_vma_init(ms);	/* rmap.c: "anon_vma", "anon_vma_chain" */
	if (ret)
		goto out_destroy_maple;
	return 0;

out_destroy_maple:
	kmem_cache_destroy(ms, ms->maple_node_cache);
	ms->maple_node_cache = NULL;

out_destroy_mm:
	kmem_cache_destroy(ms, ms->mm_cachep);
	ms->mm_cachep = NULL;
out_destroy_vma:
	kmem_cache_destroy(ms, ms->vm_area_cachep);
	ms->vm_area_cachep = NULL;
	return ret;
}

struct vm_area_struct *vm_area_alloc(struct mm_struct *mm, int *err)
{
	struct vm_area_struct *vma = kmem_cache_alloc(mm->ms, mm->ms->vm_area_cachep,
						      MMSIM_GFP_KERNEL, err);
	if (!vma)
		return NULL;
	memset(vma, 0, sizeof(*vma));
	vma->vm_mm = mm;
	INIT_LIST_HEAD(&vma->anon_vma_chain);
	INIT_LIST_HEAD(&vma->shared);
	return vma;
}

static void anon_vma_name_get(struct anon_vma_name *name)
{
	if (name)
		name->refcount++;
}

static void anon_vma_name_put(struct mm_sys *ms, struct anon_vma_name *name)
{
	if (name && --name->refcount == 0)
		kfree(ms, name);
}

/* anon_vma_name_eq (include/linux/mm_inline.h): the same object or the same text. */
static bool anon_vma_name_eq(const struct anon_vma_name *a, const struct anon_vma_name *b)
{
	return a == b || (a && b && strcmp(a->name, b->name) == 0);
}

struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig, int *err)
{
	struct vm_area_struct *vma = vm_area_alloc(orig->vm_mm, err);
	if (!vma)
		return NULL;
	*vma = *orig;
	/* the copy is on no list yet: anon_vma_clone and the i_mmap insert link it */
	INIT_LIST_HEAD(&vma->anon_vma_chain);
	INIT_LIST_HEAD(&vma->shared);
	if (vma->vm_file)
		get_file(vma->vm_file);
	anon_vma_name_get(vma->anon_name);
	return vma;
}

void vm_area_free(struct vm_area_struct *vma)
{
	struct mm_sys *ms = vma->vm_mm->ms;

	unlink_anon_vmas(vma);
	if (vma->vm_file && vma->vm_file->f_inode && !list_empty(&vma->shared))
		vma_interval_tree_remove(vma, vma->vm_file->f_inode->i_mapping);
	if (vma->vm_file)
		fput(ms->fs, vma->vm_file);
	anon_vma_name_put(ms, vma->anon_name);
	kmem_cache_free(ms, ms->vm_area_cachep, vma);
}

/* ---- lookup ------------------------------------------------------------------------------- */

struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t addr)
{
	return vma_tree_find(&mm->mm_mt, addr);
}

struct vm_area_struct *find_vma_prev(struct mm_struct *mm, uint64_t addr,
				     struct vm_area_struct **pprev)
{
	*pprev = vma_tree_find_prev(&mm->mm_mt, addr);
	return vma_tree_find(&mm->mm_mt, addr);
}

struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	struct vm_area_struct *vma = find_vma(mm, start);
	return vma && vma->vm_start < end ? vma : NULL;
}

struct vm_area_struct *vma_lookup(struct mm_struct *mm, uint64_t addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);
	return vma && vma->vm_start <= addr ? vma : NULL;
}

/* The VMA after vma in mm, or NULL. */
static struct vm_area_struct *vma_next_of(struct mm_struct *mm, struct vm_area_struct *vma)
{
	return vma_tree_find(&mm->mm_mt, vma->vm_end);
}

/* ---- linking and counters ----------------------------------------------------------------- */

/* mm/mmap.c vm_stat_account: exec, else stack, else data; total_vm counts everything. */
void vm_stat_account(struct mm_struct *mm, vm_flags_t flags, int64_t npages)
{
	mm->total_vm += (uint64_t)npages;
	if (is_exec_mapping(flags))
		mm->exec_vm += (uint64_t)npages;
	else if (is_stack_mapping(flags))
		mm->stack_vm += (uint64_t)npages;
	else if (is_data_mapping(flags))
		mm->data_vm += (uint64_t)npages;
}

static int64_t vma_npages(const struct mm_struct *mm, uint64_t start, uint64_t end)
{
	return (int64_t)((end - start) >> mm->ms->page_shift);
}

/* Insert without the map_count limit (splits check their own); tree failures only. */
static int __vma_link(struct mm_struct *mm, struct vm_area_struct *vma)
{
	vma->vm_mm = mm;
	int ret = vma_tree_insert(&mm->mm_mt, vma);
	if (ret)
		return ret;
	mm->map_count++;
	vm_stat_account(mm, vma->vm_flags, vma_npages(mm, vma->vm_start, vma->vm_end));
	/* vma_link_file: a file's VMAs are on its i_mmap list, for rmap */
	if (vma->vm_file && vma->vm_file->f_inode && list_empty(&vma->shared))
		vma_interval_tree_insert(vma, vma->vm_file->f_inode->i_mapping);
	return 0;
}

/*
 * The limit of do_mmap and do_brk_flags (mm/mmap.c, mm/vma.c): a new mapping is refused
 * when map_count is already above max_map_count, so an address space can reach
 * max_map_count + 1 VMAs (on the reference kernel, 65531 with the default 65530).
 */
int vma_link(struct mm_struct *mm, struct vm_area_struct *vma)
{
	if (mm->map_count > mm->ms->sysctl.max_map_count)
		return -ENOMEM;
	return __vma_link(mm, vma);
}

void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma)
{
	vma_tree_erase(&mm->mm_mt, vma);
	mm->map_count--;
	vm_stat_account(mm, vma->vm_flags, -vma_npages(mm, vma->vm_start, vma->vm_end));
}

void vma_set_range(struct vm_area_struct *vma, uint64_t start, uint64_t end, uint64_t pgoff)
{
	struct mm_struct *mm = vma->vm_mm;
	int64_t delta = vma_npages(mm, start, end) - vma_npages(mm, vma->vm_start, vma->vm_end);
	vma_tree_update(&mm->mm_mt, vma, start, end);
	vma->vm_pgoff = pgoff;
	if (delta)
		vm_stat_account(mm, vma->vm_flags, delta);
}

/* ---- split -------------------------------------------------------------------------------- */

/*
 * The infallible half of __split_vma (mm/vma.c): new is a copy of vma; vma keeps the other
 * part. Tree nodes for the insertion are preallocated by the caller.
 */
static void split_commit(struct mm_struct *mm, struct vm_area_struct *vma,
			 struct vm_area_struct *new, uint64_t addr, int new_below)
{
	uint64_t off = (addr - vma->vm_start) >> mm->ms->page_shift;
	/* new may have been copied before an earlier split of vma: take the bounds from vma */
	if (new_below) {
		new->vm_start = vma->vm_start;
		new->vm_end = addr;
		new->vm_pgoff = vma->vm_pgoff;
		vma_set_range(vma, addr, vma->vm_end, vma->vm_pgoff + off);
	} else {
		new->vm_start = addr;
		new->vm_end = vma->vm_end;
		new->vm_pgoff = vma->vm_pgoff + off;
		vma_set_range(vma, vma->vm_start, addr, vma->vm_pgoff);
	}
	__vma_link(mm, new);	/* cannot fail: the range is free, the nodes are reserved */
}

int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr, int new_below)
{
	int err;
	if ((addr & (mm->ms->page_size - 1)) || addr <= vma->vm_start || addr >= vma->vm_end)
		return -EINVAL;
	/* __split_vma: "if (vma->vm_mm->map_count >= sysctl_max_map_count) return -ENOMEM" */
	if (mm->map_count >= mm->ms->sysctl.max_map_count)
		return -ENOMEM;
	struct vm_area_struct *new = vm_area_dup(vma, &err);
	if (!new)
		return err;
	err = anon_vma_clone(new, vma);	/* the new part keeps vma's reverse mapping */
	if (err)
		goto out_free_vma;
	err = vma_tree_preallocate(&mm->mm_mt, 1);
	if (err)
		goto out_free_vma;
	/* vma_adjust_trans_huge: no huge PMD may straddle the new boundary */
	err = split_huge_pmd_range_edges(vma, addr, addr);
	if (err)
		goto out_free_vma;
	split_commit(mm, vma, new, addr, new_below);
	vma_tree_preallocate(&mm->mm_mt, 0);
	return 0;

out_free_vma:
	vm_area_free(new);
	return err;
}

/* ---- merge -------------------------------------------------------------------------------- */

bool is_mergeable_vma(const struct vm_area_struct *vma, vm_flags_t flags, const struct file *file,
		      const struct anon_vma_name *name)
{
	/* mm/vma.c is_mergeable_vma: flags but the sticky ones, file, name (policy, uffd: equal) */
	if ((vma->vm_flags ^ flags) & ~VM_IGNORE_MERGE)
		return false;
	if (vma->vm_file != file)
		return false;
	return anon_vma_name_eq(vma->anon_name, name);
}

/* is_mergeable_anon_vma, modelled: one side without an anon_vma, or the same one. */
static bool anon_vma_compatible(const struct anon_vma *a, const struct anon_vma *b)
{
	return !a || !b || a == b;
}

static bool vmg_mergeable_with(const struct vma_merge_struct *vmg, const struct vm_area_struct *v)
{
	return is_mergeable_vma(v, vmg->flags, vmg->file, vmg->anon_name) &&
	       anon_vma_compatible(v->anon_vma, vmg->anon_vma);
}

/* can_vma_merge_before: next continues the range in the file. */
static bool can_vma_merge_before(const struct vma_merge_struct *vmg)
{
	uint64_t pglen = (vmg->end - vmg->start) >> vmg->mm->ms->page_shift;
	return vmg_mergeable_with(vmg, vmg->next) && vmg->next->vm_pgoff == vmg->pgoff + pglen;
}

/* can_vma_merge_after: the range continues prev in the file. */
static bool can_vma_merge_after(const struct vma_merge_struct *vmg)
{
	const struct vm_area_struct *prev = vmg->prev;
	uint64_t pages = (prev->vm_end - prev->vm_start) >> vmg->mm->ms->page_shift;
	return vmg_mergeable_with(vmg, prev) && prev->vm_pgoff + pages == vmg->pgoff;
}

static bool can_vma_merge_left(const struct vma_merge_struct *vmg)
{
	return vmg->prev && vmg->prev->vm_end == vmg->start && can_vma_merge_after(vmg);
}

/* can_vma_merge_right: also prev and next must be compatible with each other. */
static bool can_vma_merge_right(const struct vma_merge_struct *vmg, bool can_merge_left)
{
	const struct vm_area_struct *next = vmg->next;
	if (!next || vmg->end != next->vm_start || !can_vma_merge_before(vmg))
		return false;
	if (!can_merge_left)
		return true;
	return anon_vma_compatible(vmg->prev->anon_vma, next->anon_vma);
}

/* can_merge_remove_vma: a VMA with vm_ops (a special mapping here) is never deleted. */
static bool can_merge_remove_vma(const struct vm_area_struct *vma)
{
	return !vma->vm_ops;
}

struct vm_area_struct *vma_merge_new_range(struct vma_merge_struct *vmg)
{
	struct vm_area_struct *prev = vmg->prev, *next = vmg->next, *target = NULL;
	uint64_t end = vmg->end;

	vmg->state = VMA_MERGE_NOMERGE;
	/* Special VMAs are unmergeable, also if no prev/next. */
	if ((vmg->flags & VM_SPECIAL) || (!prev && !next))
		return NULL;
	bool merge_left = can_vma_merge_left(vmg);
	bool merge_right = can_vma_merge_right(vmg, merge_left);
	if (merge_right) {
		vmg->end = next->vm_end;
		target = next;
	}
	if (merge_left) {
		vmg->start = prev->vm_start;
		vmg->pgoff = prev->vm_pgoff;
		target = prev;
		if (merge_right && !can_merge_remove_vma(next)) {
			vmg->end = end;
			merge_right = false;
		}
	}
	if (!target)
		return NULL;

	/* dup_anon_vma: the target takes over next's reverse mapping (may allocate chains) */
	if (merge_left && merge_right && dup_anon_vma(target, next)) {
		vmg->state = VMA_MERGE_ERROR_NOMEM;
		return NULL;
	}
	/* vma_expand: the target grows over the range (and next, which goes away) */
	vm_flags_t sticky = vmg->flags & VMA_STICKY_FLAGS;
	struct anon_vma *anon = target->anon_vma;
	if (merge_left && merge_right) {
		sticky |= next->vm_flags & VMA_STICKY_FLAGS;
		vma_unlink(vmg->mm, next);
		vm_area_free(next);
	}
	/* dup_anon_vma gave the target next's anon_vma; vmg->anon_vma (a range mremap moves)
	   is the caller's to chain (move_vma: dup_anon_vma from the source) */
	anon = target->anon_vma;
	vma_set_range(target, vmg->start, vmg->end, vmg->pgoff);
	target->vm_flags |= sticky;
	target->anon_vma = anon;
	vmg->state = VMA_MERGE_SUCCESS;
	return target;
}

/*
 * vma_merge_existing_range (mm/vma.c): [start, end) of vmg->middle gets vmg's attributes;
 * merge it into prev and/or next when it touches them and the result is mergeable. The
 * merged VMA, or NULL when nothing merges (nothing is changed then). May allocate: a huge
 * PMD split at the moving boundary, anon_vma chains for the target (dup_anon_vma); a failure
 * returns NULL with state VMA_MERGE_ERROR_NOMEM.
 */
static struct vm_area_struct *vma_merge_existing_range(struct vma_merge_struct *vmg)
{
	struct mm_struct *mm = vmg->mm;
	struct vm_area_struct *middle = vmg->middle, *prev = vmg->prev, *next = NULL;
	uint64_t start = vmg->start, end = vmg->end;
	uint64_t shift = mm->ms->page_shift;
	bool left_side = start == middle->vm_start;
	bool right_side = end == middle->vm_end;
	bool merge_left = false, merge_right = false;

	vmg->state = VMA_MERGE_NOMERGE;
	if ((vmg->flags & VM_SPECIAL) || (!left_side && !right_side))
		return NULL;
	if (left_side)
		merge_left = can_vma_merge_left(vmg);
	if (right_side) {
		next = vmg->next = vma_next_of(mm, middle);
		merge_right = next && end == next->vm_start && can_vma_merge_before(vmg);
	}
	if (!merge_left && !merge_right)
		return NULL;
	bool merge_both = merge_left && merge_right;
	bool remove_middle = left_side && right_side;
	if (remove_middle && !can_merge_remove_vma(middle))
		return NULL;
	if (merge_both && (!can_merge_remove_vma(next) ||
			   !anon_vma_compatible(prev->anon_vma, next->anon_vma))) {
		merge_right = false;
		merge_both = false;
	}

	/*
	 * vma_adjust_trans_huge (commit_merge): the boundary that moves inside middle must not
	 * cut a huge PMD. Split it before anything changes; -ENOMEM leaves everything as it was.
	 */
	if (!remove_middle) {
		uint64_t edge = merge_left ? end : start;

		if (split_huge_pmd_range_edges(middle, edge, edge)) {
			vmg->state = VMA_MERGE_ERROR_NOMEM;
			return NULL;
		}
	}
	/* dup_anon_vma: the target takes over the reverse mapping of what it absorbs */
	{
		struct vm_area_struct *t = merge_left ? prev : next;
		int e = dup_anon_vma(t, middle);

		if (!e && merge_both)
			e = dup_anon_vma(t, next);
		if (e) {
			vmg->state = VMA_MERGE_ERROR_NOMEM;
			return NULL;
		}
	}
	vm_flags_t sticky = (vmg->flags | middle->vm_flags) & VMA_STICKY_FLAGS;
	struct vm_area_struct *target;
	if (merge_both) {
		/*
		 * |<-------------------->|
		 * |-------********-------|
		 *   prev   middle   next
		 *  extend  delete  delete
		 */
		target = prev;
		sticky |= next->vm_flags & VMA_STICKY_FLAGS;
		struct anon_vma *anon = prev->anon_vma;	/* dup_anon_vma set it */
		uint64_t new_end = next->vm_end;
		vma_unlink(mm, middle);
		vma_unlink(mm, next);
		vm_area_free(middle);
		vm_area_free(next);
		vma_set_range(prev, prev->vm_start, new_end, prev->vm_pgoff);
		prev->anon_vma = anon;
	} else if (merge_left) {
		/*
		 * |<------------>|      OR
		 * |<----------------->|
		 * |-------*************
		 *   prev     middle
		 *  extend shrink/delete
		 */
		target = prev;
		struct anon_vma *anon = prev->anon_vma;
		if (remove_middle) {
			vma_unlink(mm, middle);
			vm_area_free(middle);
		} else {
			vma_set_range(middle, end, middle->vm_end,
				      middle->vm_pgoff + ((end - middle->vm_start) >> shift));
		}
		vma_set_range(prev, prev->vm_start, end, prev->vm_pgoff);
		prev->anon_vma = anon;
	} else {
		/*
		 *     |<------------->| OR
		 * |<----------------->|
		 * *************-------|
		 *    middle     next
		 * shrink/delete extend
		 */
		target = next;
		sticky |= next->vm_flags & VMA_STICKY_FLAGS;
		struct anon_vma *anon = next->anon_vma;
		uint64_t pgoff = next->vm_pgoff - ((end - start) >> shift);
		if (remove_middle) {
			vma_unlink(mm, middle);
			vm_area_free(middle);
		} else {
			vma_set_range(middle, middle->vm_start, start, middle->vm_pgoff);
		}
		vma_set_range(next, start, next->vm_end, pgoff);
		next->anon_vma = anon;
	}
	target->vm_flags |= sticky;
	vmg->state = VMA_MERGE_SUCCESS;
	return target;
}

/* What vma_modify changes in the range. */
struct vma_attrs {
	vm_flags_t flags;
	struct anon_vma_name *name;
};

/* Give vma (which covers exactly the range now) the attributes; counters follow the flags. */
static void vma_apply_attrs(struct mm_struct *mm, struct vm_area_struct *vma,
			    const struct vma_attrs *a)
{
	int64_t pages = vma_npages(mm, vma->vm_start, vma->vm_end);
	if (vma->vm_flags != a->flags) {
		vm_stat_account(mm, vma->vm_flags, -pages);
		vm_flags_t sticky = vma->vm_flags & VMA_STICKY_FLAGS;
		vma->vm_flags = a->flags | sticky;
		vm_stat_account(mm, vma->vm_flags, pages);
		if (!vma->vm_ops)
			vma_set_page_prot(vma);
	}
	if (vma->anon_name != a->name) {
		anon_vma_name_get(a->name);
		anon_vma_name_put(mm->ms, vma->anon_name);
		vma->anon_name = a->name;
	}
}

/*
 * vma_modify (mm/vma.c): merge when possible, else split off what lies outside [start, end)
 * and change the rest. All allocations and the map_count limit come first.
 */
static struct vm_area_struct *vma_modify(struct mm_struct *mm, struct vm_area_struct *prev,
					 struct vm_area_struct *vma, uint64_t start, uint64_t end,
					 const struct vma_attrs *a, int *err)
{
	uint64_t shift = mm->ms->page_shift;
	int dummy;
	if (!err)
		err = &dummy;
	*err = 0;
	if (start >= end || start < vma->vm_start || end > vma->vm_end ||
	    ((start | end) & (mm->ms->page_size - 1))) {
		*err = -EINVAL;
		return NULL;
	}
	struct vma_merge_struct vmg = {
		.mm = mm,
		.prev = prev,
		.middle = vma,
		.start = start,
		.end = end,
		.pgoff = vma->vm_pgoff + ((start - vma->vm_start) >> shift),
		.flags = a->flags,
		.file = vma->vm_file,
		.anon_vma = vma->anon_vma,
		.anon_name = a->name,
	};
	struct vm_area_struct *merged = vma_merge_existing_range(&vmg);
	if (merged)
		return merged;

	bool below = vma->vm_start < start, above = vma->vm_end > end;
	int nsplit = below + above;
	struct vm_area_struct *lo = NULL, *hi = NULL;
	/* each __split_vma checks map_count >= max_map_count before it adds one */
	if (nsplit && mm->map_count + nsplit - 1 >= mm->ms->sysctl.max_map_count) {
		*err = -ENOMEM;
		return NULL;
	}
	if (below && !(lo = vm_area_dup(vma, err)))
		return NULL;
	if (lo && (*err = anon_vma_clone(lo, vma)))
		goto out_free_lo;
	if (above && !(hi = vm_area_dup(vma, err)))
		goto out_free_lo;
	if (hi && (*err = anon_vma_clone(hi, vma)))
		goto out_free_hi;
	if (nsplit) {
		*err = vma_tree_preallocate(&mm->mm_mt, (unsigned int)nsplit);
		if (*err)
			goto out_free_hi;
		/* vma_adjust_trans_huge: no huge PMD may straddle a new boundary */
		*err = split_huge_pmd_range_edges(vma, start, end);
		if (*err)
			goto out_free_hi;
	}
	if (lo)
		split_commit(mm, vma, lo, start, 1);
	if (hi)
		split_commit(mm, vma, hi, end, 0);
	if (nsplit)
		vma_tree_preallocate(&mm->mm_mt, 0);
	vma_apply_attrs(mm, vma, a);
	return vma;

out_free_hi:
	if (hi)
		vm_area_free(hi);
out_free_lo:
	if (lo)
		vm_area_free(lo);
	return NULL;
}

struct vm_area_struct *vma_modify_flags(struct mm_struct *mm, struct vm_area_struct *prev,
					struct vm_area_struct *vma, uint64_t start, uint64_t end,
					vm_flags_t new_flags, int *err)
{
	const struct vma_attrs a = { .flags = new_flags, .name = vma->anon_name };
	return vma_modify(mm, prev, vma, start, end, &a, err);
}

struct vm_area_struct *vma_modify_name(struct mm_struct *mm, struct vm_area_struct *prev,
				       struct vm_area_struct *vma, uint64_t start, uint64_t end,
				       struct anon_vma_name *new_name, int *err)
{
	const struct vma_attrs a = { .flags = vma->vm_flags, .name = new_name };
	return vma_modify(mm, prev, vma, start, end, &a, err);
}

/* ---- protection --------------------------------------------------------------------------- */

/*
 * protection_map[VM_READ|VM_WRITE|VM_EXEC|VM_SHARED] as struct pte_desc.prot bits
 * (arch/pgtable.h) of a present user page. PAGE_NONE is returned as the bits of a page no
 * user access may use (neither PTE_USER nor PTE_WRITE): Linux encodes it as a not-present
 * entry (x86 _PAGE_PROTNONE, arm64 PTE_PROT_NONE) that the fault path recognises; the
 * fault code installs no hardware-visible entry for it.
 *
 * x86 (arch/x86/mm/pgprot.c, pgtable_types.h): private writable is PAGE_COPY (read-only,
 * COW on write), user pages carry _PAGE_ACCESSED already, _PAGE_NX unless VM_EXEC; NX
 * exists in x86-64 and i386 PAE, not in i386 2-level paging (__supported_pte_mask drops it).
 * arm64 (arch/arm64/mm/mmap.c, pgtable-prot.h): PTE_AF set, nG, PXN always, UXN unless
 * VM_EXEC; a shared writable page is PAGE_SHARED = PTE_RDONLY|PTE_WRITE, i.e. read-only
 * with the dirty bit modifier (PTE_DBM here, the hardware makes it writable and dirty);
 * VM_EXEC alone is PAGE_READONLY_EXEC (PAGE_EXECONLY needs Enhanced PAN, not modelled).
 */
enum { P_NONE, P_RO, P_RO_X, P_COPY, P_COPY_X, P_SHARED, P_SHARED_X };

static const uint8_t x86_protection_map[16] = {
	P_NONE, P_RO, P_COPY, P_COPY, P_RO_X, P_RO_X, P_COPY_X, P_COPY_X,
	P_NONE, P_RO, P_SHARED, P_SHARED, P_RO_X, P_RO_X, P_SHARED_X, P_SHARED_X,
};

static const uint8_t arm64_protection_map[16] = {
	P_NONE, P_RO, P_RO, P_RO, P_RO_X, P_RO_X, P_RO_X, P_RO_X,
	P_NONE, P_RO, P_SHARED, P_SHARED, P_RO_X, P_RO_X, P_SHARED_X, P_SHARED_X,
};

static uint64_t x86_prot(unsigned int p, bool has_nx)
{
	uint64_t nx = has_nx ? PTE_NX : 0;
	switch (p) {
	case P_RO:
	case P_COPY:
		return PTE_USER | PTE_ACCESSED | nx;
	case P_RO_X:
	case P_COPY_X:
		return PTE_USER | PTE_ACCESSED;
	case P_SHARED:
		return PTE_USER | PTE_WRITE | PTE_ACCESSED | nx;
	case P_SHARED_X:
		return PTE_USER | PTE_WRITE | PTE_ACCESSED;
	default:
		return nx;			/* PAGE_NONE */
	}
}

static uint64_t arm64_prot(unsigned int p)
{
	switch (p) {
	case P_RO:
		return PTE_USER | PTE_ACCESSED | PTE_NX;
	case P_RO_X:
		return PTE_USER | PTE_ACCESSED | PTE_PXN;
	case P_SHARED:
		return PTE_USER | PTE_ACCESSED | PTE_DBM | PTE_NX;
	case P_SHARED_X:
		return PTE_USER | PTE_ACCESSED | PTE_DBM | PTE_PXN;
	default:
		return PTE_NX;			/* PAGE_NONE: no AF, no user access */
	}
}

/*
 * vma_wants_writenotify (mm/mmap.c): a shared writable mapping of a file whose filesystem
 * tracks dirtying (page_mkwrite, dirty accounting: every host file here; not shmem) is
 * mapped read-only so that the first write to each page faults and dirties it.
 */
bool vma_wants_writenotify(const struct vm_area_struct *vma)
{
	if ((vma->vm_flags & (VM_WRITE | VM_SHARED)) != (VM_WRITE | VM_SHARED))
		return false;
	if (vma->vm_ops || (vma->vm_flags & VM_PFNMAP))
		return false;
	return vma->vm_file && !file_is_shmem(vma->vm_file);
}

/* vma_set_page_prot: vm_page_prot from the flags, write-protected for dirty tracking. */
void vma_set_page_prot(struct vm_area_struct *vma)
{
	struct mm_sys *ms = vma->vm_mm->ms;

	vma->vm_page_prot = vm_get_page_prot(ms, vma->vm_flags);
	if (vma_wants_writenotify(vma))
		vma->vm_page_prot = vm_get_page_prot(ms, vma->vm_flags & ~VM_SHARED);
}

uint64_t vm_get_page_prot(const struct mm_sys *ms, vm_flags_t flags)
{
	unsigned int idx = (unsigned int)(flags & (VM_READ | VM_WRITE | VM_EXEC | VM_SHARED));
	if (ms->arch->id == ARCH_ARM64)
		return arm64_prot(arm64_protection_map[idx]);
	bool has_nx = true;
	if (ms->arch->id == ARCH_I386) {
		const struct pt_format *f = machine_desc_paging(ms->desc);
		has_nx = f && f->id == PTF_I386_PAE;
	}
	return x86_prot(x86_protection_map[idx], has_nx);
}

/* ---- validation --------------------------------------------------------------------------- */

static int validate_vma(struct mm_struct *mm, const struct vm_area_struct *v,
			struct mmsim_error *err)
{
	const unsigned long long s = v->vm_start, e = v->vm_end;
	uint64_t mask = mm->ms->page_size - 1;
	vm_flags_t f = v->vm_flags;
	if (v->vm_mm != mm)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "VMA %#llx-%#llx: vm_mm is another mm", s, e);
	if ((s | e) & mask)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "VMA %#llx-%#llx: not page aligned", s, e);
	if (v->vm_end > mm->task_size)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "VMA %#llx-%#llx: ends above task_size %#llx",
			       s, e, (unsigned long long)mm->task_size);
	if (((f & VM_SHARED) && !(f & VM_MAYSHARE)) || ((f & VM_WRITE) && !(f & VM_MAYWRITE)) ||
	    ((f & VM_READ) && !(f & VM_MAYREAD)) || ((f & VM_EXEC) && !(f & VM_MAYEXEC)))
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "VMA %#llx-%#llx: flags %#llx have an access bit without its VM_MAY bit",
			       s, e, (unsigned long long)f);
	/*
	 * vm_page_prot follows the flags (vma_set_page_prot), but for special mappings and for
	 * shared file mappings that track dirtying (vma_wants_writenotify: write-protected as
	 * if private).
	 */
	if (!v->vm_ops && v->vm_page_prot != vm_get_page_prot(mm->ms, f) &&
	    !(v->vm_file && (f & VM_SHARED) &&
	      v->vm_page_prot == vm_get_page_prot(mm->ms, f & ~VM_SHARED)))
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "VMA %#llx-%#llx: vm_page_prot %#llx is not the flags' %#llx", s, e,
			       (unsigned long long)v->vm_page_prot,
			       (unsigned long long)vm_get_page_prot(mm->ms, f));
	if (v->anon_name && v->anon_name->refcount < 1)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "VMA %#llx-%#llx: anon_name without a reference",
			       s, e);
	return 0;
}

static int counter_mismatch(struct mmsim_error *err, const char *name, uint64_t stored,
			    uint64_t counted)
{
	return err_set(err, -EUCLEAN, NULL, 0, 0, "mm: %s is %llu pages, the VMAs add up to %llu",
		       name, (unsigned long long)stored, (unsigned long long)counted);
}

/*
 * Not checked, because Linux does not keep them: map_count <= max_map_count (the sysctl can
 * be lowered below a process's count, and do_mmap lets the count reach max + 1); the heap VMA
 * ending at PAGE_ALIGN(brk) (munmap may remove heap pages and brk stays).
 */
int mm_validate(struct mm_struct *mm, struct mmsim_error *err)
{
	int ret = vma_tree_validate(&mm->mm_mt, err);
	if (ret)
		return ret;
	if (mm->map_count < 0 || (uint64_t)mm->map_count != mm->mm_mt.nr)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "mm: map_count %d, the tree holds %llu VMAs",
			       mm->map_count, (unsigned long long)mm->mm_mt.nr);
	if (mm->mm_users < 0 || mm->mm_count < 1)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "mm: mm_users %d, mm_count %d", mm->mm_users,
			       mm->mm_count);
	if (mm->start_brk > mm->brk)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "mm: brk %#llx below start_brk %#llx",
			       (unsigned long long)mm->brk, (unsigned long long)mm->start_brk);
	struct mm_struct sum = { .ms = mm->ms };
	uint64_t locked = 0;
	struct vma_iterator vmi;
	struct vm_area_struct *v;
	vma_iter_init(&vmi, &mm->mm_mt, 0);
	for_each_vma(vmi, v) {
		ret = validate_vma(mm, v, err);
		if (ret)
			return ret;
		ret = anon_vma_validate(v, err);	/* rmap.c: the VMA's anon_vma chains */
		if (ret)
			return ret;
		int64_t pages = vma_npages(mm, v->vm_start, v->vm_end);
		vm_stat_account(&sum, v->vm_flags, pages);
		if (v->vm_flags & VM_LOCKED)
			locked += (uint64_t)pages;
	}
	if (sum.total_vm != mm->total_vm)
		return counter_mismatch(err, "total_vm", mm->total_vm, sum.total_vm);
	if (sum.data_vm != mm->data_vm)
		return counter_mismatch(err, "data_vm", mm->data_vm, sum.data_vm);
	if (sum.exec_vm != mm->exec_vm)
		return counter_mismatch(err, "exec_vm", mm->exec_vm, sum.exec_vm);
	if (sum.stack_vm != mm->stack_vm)
		return counter_mismatch(err, "stack_vm", mm->stack_vm, sum.stack_vm);
	if (locked != mm->locked_vm)
		return counter_mismatch(err, "locked_vm", mm->locked_vm, locked);
	return mm_rss_validate(mm, err);	/* memory.c: RSS counters = mapped pages */
}

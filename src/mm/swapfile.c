/*
 * Swap areas on host files, their slots and the counts of the slots (Linux 6.18:
 * mm/swapfile.c SYSCALL_DEFINE2(swapon), read_swap_header, setup_clusters / setup_swap_map,
 * setup_swap_info, SYSCALL_DEFINE1(swapoff), try_to_unuse, unuse_pte, cluster_alloc_swap_entry,
 * alloc_swap_scan_cluster, alloc_swap_scan_list, relocate_cluster, swap_alloc_slow,
 * __swap_duplicate, swap_entry_put_locked, swap_entries_free, swap_range_free,
 * free_swap_and_cache_nr, __try_to_reclaim_swap, swap_reclaim_full_clusters, swap_show;
 * include/linux/swap.h union swap_header; util-linux mkswap for the header it writes).
 * docs/swap.md has the pictures, the rules and what is left out.
 *
 * An area is a host file: page 0 holds mkswap's header, slot s the page_size bytes at
 * s * page_size. Slots come from clusters of SWAPFILE_CLUSTER slots as the 6.18 allocator
 * hands them out on a rotational device (the reference machine's swap file lives on a
 * rotational virtio disk): one "next" offset per area (si->global_cluster->next), a cluster
 * taken from the nonfull list first, then the free list, then one fragmented cluster; an area
 * is tried in priority order and rotated behind its equals after every allocation
 * (swap_alloc_slow's plist_requeue), so equal priorities take turns page by page.
 *
 * State lives in ms->swap (struct swap_state, swap_internal.h), made at the first swapon.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/blkdev.h"
#include "hw/machine_desc.h"
#include "mm/folio.h"
#include "mm/memory.h"
#include "mm/page_alloc.h"
#include "mm/pagemap.h"
#include "mm/policy_reclaim.h"
#include "mm/rmap.h"
#include "mm/swap_internal.h"
#include "mm/vma.h"
#include "util/error.h"
#include "util/strbuf.h"

/* ---- the machine's swap state ------------------------------------------------------------ */

struct swap_state *swap_state_of(struct mm_sys *ms)
{
	struct swap_state *ss = ms->swap;

	if (ss)
		return ss;
	ss = calloc(1, sizeof(*ss));
	if (!ss)
		return NULL;
	INIT_LIST_HEAD(&ss->swap_active_head);
	INIT_LIST_HEAD(&ss->swap_avail_head);
	ss->least_priority = -1;	/* static int least_priority = -1 */
	ss->ra_hits = 4;		/* swapin_readahead_hits = ATOMIC_INIT(4) */
	ms->swap = ss;
	return ss;
}

/* The page-table format of the machine (the swap PTE layout and the arch's size limit). */
static const struct pt_format *machine_format(const struct mm_sys *ms)
{
	return machine_desc_paging(ms->desc);
}

/*
 * SWAPFILE_CLUSTER: HPAGE_PMD_NR with CONFIG_THP_SWAP (x86-64 and arm64 have it: 512 slots
 * with 4 KiB pages), 256 where the arch has no THP_SWAP (i386).
 */
static unsigned int swapfile_cluster(const struct mm_sys *ms)
{
	const struct pt_format *f = machine_format(ms);

	if (f->arch == ARCH_I386)
		return 256;
	return 1u << (f->level[f->nr_levels - 2].shift - f->granule_shift);
}

struct swap_info_struct *swp_info(struct mm_sys *ms, swp_entry_t entry)
{
	struct swap_state *ss = ms->swap;
	struct swap_info_struct *si;
	unsigned int type = swp_type(entry);

	if (!ss || type >= SWAP_NR_AREAS)
		return NULL;
	si = ss->swap_info[type];
	if (!si || !(si->flags & SWP_USED) || swp_offset(entry) >= si->max)
		return NULL;
	return si;
}

bool vm_swap_full(const struct mm_sys *ms)
{
	const struct swap_state *ss = ms->swap;

	return ss && ss->nr_swap_pages * 2 < (int64_t)ss->total_swap_pages;
}

uint64_t total_swap_pages(const struct mm_sys *ms)
{
	return ms->swap ? ms->swap->total_swap_pages : 0;
}

uint64_t nr_swap_pages(const struct mm_sys *ms)
{
	return ms->swap && ms->swap->nr_swap_pages > 0 ? (uint64_t)ms->swap->nr_swap_pages : 0;
}

uint64_t total_swapcache_pages(const struct mm_sys *ms)
{
	return ms->swap ? ms->swap->nr_swapcache : 0;
}

/* ---- priority lists (plist: higher priority first, equal ones in arrival order) -------- */

static void active_add(struct swap_state *ss, struct swap_info_struct *si)
{
	struct list_head *pos;

	list_for_each(pos, &ss->swap_active_head)
		if (list_entry(pos, struct swap_info_struct, list)->prio < si->prio)
			break;
	list_add_tail(&si->list, pos);
}

static void avail_add(struct swap_state *ss, struct swap_info_struct *si)
{
	struct list_head *pos;

	list_for_each(pos, &ss->swap_avail_head)
		if (list_entry(pos, struct swap_info_struct, avail_list)->prio < si->prio)
			break;
	list_add_tail(&si->avail_list, pos);
	si->on_avail = true;
}

static void avail_del(struct swap_info_struct *si)
{
	if (!si->on_avail)
		return;
	list_del(&si->avail_list);
	si->on_avail = false;
}

/* plist_requeue: behind every other area of the same priority. */
static void avail_requeue(struct swap_state *ss, struct swap_info_struct *si)
{
	avail_del(si);
	avail_add(ss, si);
}

/* ---- slot counts (swap_map) -------------------------------------------------------------- */

static struct swap_cluster_info *offset_cluster(struct swap_info_struct *si, uint64_t off)
{
	return &si->cluster_info[off / si->cluster_nr];
}

static uint64_t cluster_offset(const struct swap_info_struct *si,
			       const struct swap_cluster_info *ci)
{
	return (uint64_t)(ci - si->cluster_info) * si->cluster_nr;
}

/* PTEs holding the slot: swap_map's count plus its continuation. */
static uint64_t slot_count(const struct swap_info_struct *si, uint64_t off)
{
	unsigned char map = si->swap_map[off];
	uint64_t n;

	if (map == SWAP_MAP_BAD)
		return 0;
	n = map & ~(SWAP_HAS_CACHE | COUNT_CONTINUED);
	if ((map & COUNT_CONTINUED) && si->swap_cont)
		n += si->swap_cont[off];
	return n;
}

static void move_cluster(struct swap_info_struct *si, struct swap_cluster_info *ci,
			 struct list_head *list, enum swap_cluster_flags flags)
{
	(void)si;
	if (ci->flags == CLUSTER_FLAG_NONE)
		list_add_tail(&ci->list, list);
	else
		list_move_tail(&ci->list, list);
	ci->flags = (uint8_t)flags;
}

/* free_cluster / __free_cluster (no discard: swap files are not discarded unless asked). */
static void free_cluster(struct swap_info_struct *si, struct swap_cluster_info *ci)
{
	move_cluster(si, ci, &si->free_clusters, CLUSTER_FLAG_FREE);
	ci->order = 0;
}

/* partial_free_cluster: a slot went, others stay: the cluster is nonfull. */
static void partial_free_cluster(struct swap_info_struct *si, struct swap_cluster_info *ci)
{
	if (ci->flags != CLUSTER_FLAG_NONFULL)
		move_cluster(si, ci, &si->nonfull_clusters, CLUSTER_FLAG_NONFULL);
}

/* relocate_cluster: after an allocation, the list the cluster's count says. */
static void relocate_cluster(struct swap_info_struct *si, struct swap_cluster_info *ci)
{
	if (ci->flags == CLUSTER_FLAG_DISCARD)
		return;
	if (!ci->count) {
		if (ci->flags != CLUSTER_FLAG_FREE)
			free_cluster(si, ci);
	} else if (ci->count != si->cluster_nr) {
		if (ci->flags != CLUSTER_FLAG_FRAG)
			move_cluster(si, ci, &si->frag_clusters, CLUSTER_FLAG_FRAG);
	} else if (ci->flags != CLUSTER_FLAG_FULL) {
		move_cluster(si, ci, &si->full_clusters, CLUSTER_FLAG_FULL);
	}
}

/* swap_range_alloc / swap_usage_add: one more slot in use; a full area leaves the avail list. */
static void swap_range_alloc(struct swap_state *ss, struct swap_info_struct *si)
{
	si->inuse_pages++;
	if (si->inuse_pages == si->pages)
		avail_del(si);
	ss->nr_swap_pages--;
}

/* swap_range_free / swap_usage_sub: the slot is free again (zeromap bit and shadow too). */
static void swap_range_free(struct swap_state *ss, struct swap_info_struct *si, uint64_t off)
{
	zeromap_assign(si, off, false);
	if (si->shadows)
		si->shadows[off] = NULL;	/* clear_shadow_from_swap_cache */
	ss->nr_swap_pages++;
	si->inuse_pages--;
	if (!si->on_avail && (si->flags & SWP_WRITEOK))
		avail_add(ss, si);
}

/* swap_entries_free: swap_map went to 0; the cluster goes to nonfull or free. */
static void swap_entries_free(struct mm_sys *ms, struct swap_info_struct *si, uint64_t off)
{
	struct swap_cluster_info *ci = offset_cluster(si, off);

	ci->count--;
	si->swap_map[off] = 0;
	swap_range_free(ms->swap, si, off);
	if (ms->rpolicy)
		rpolicy_swap_slot_free(ms, si->type, off);
	if (!ci->count)
		free_cluster(si, ci);
	else
		partial_free_cluster(si, ci);
}

/*
 * __swap_duplicate: usage 1 (one more PTE) or SWAP_HAS_CACHE. -ENOENT for a free or bad
 * slot, -EEXIST when the cache holds it already, -ENOMEM when the continuation of a count
 * above SWAP_MAP_MAX cannot be had (add_swap_count_continuation), -EINVAL for a bad entry.
 */
static int __swap_duplicate(struct mm_sys *ms, swp_entry_t entry, unsigned char usage)
{
	struct swap_info_struct *si = swp_info(ms, entry);
	uint64_t off = swp_offset(entry);
	unsigned char count, has_cache;

	if (!si)
		return -EINVAL;
	count = si->swap_map[off];
	if (count == SWAP_MAP_BAD)
		return -ENOENT;
	has_cache = count & SWAP_HAS_CACHE;
	count &= (unsigned char)~SWAP_HAS_CACHE;
	if (!count && !has_cache)
		return -ENOENT;
	if (usage == SWAP_HAS_CACHE) {
		if (has_cache)
			return -EEXIST;
		has_cache = SWAP_HAS_CACHE;
	} else if ((count & ~COUNT_CONTINUED) < SWAP_MAP_MAX) {
		count++;
	} else {
		/* the count goes on beyond what swap_map holds (swap_count_continued) */
		if (!si->swap_cont) {
			si->swap_cont = calloc(si->nr_clusters * si->cluster_nr, sizeof(uint32_t));
			if (!si->swap_cont)
				return -ENOMEM;
		}
		si->swap_cont[off]++;
		count = SWAP_MAP_MAX | COUNT_CONTINUED;
	}
	si->swap_map[off] = count | has_cache;
	return 0;
}

int swap_duplicate(struct mm_sys *ms, swp_entry_t entry)
{
	return __swap_duplicate(ms, entry, 1);
}

int swapcache_prepare(struct mm_sys *ms, swp_entry_t entry)
{
	return __swap_duplicate(ms, entry, SWAP_HAS_CACHE);
}

/*
 * swap_entry_put_locked: one reference (a PTE's, or the cache's) goes; the slot is freed when
 * none is left. The new swap_map value.
 */
static unsigned char swap_entry_put(struct mm_sys *ms, struct swap_info_struct *si, uint64_t off,
				    unsigned char usage)
{
	unsigned char count = si->swap_map[off];
	unsigned char has_cache = count & SWAP_HAS_CACHE;

	count &= (unsigned char)~SWAP_HAS_CACHE;
	if (usage == SWAP_HAS_CACHE) {
		has_cache = 0;
	} else if (count & COUNT_CONTINUED) {
		if (--si->swap_cont[off] == 0)
			count &= (unsigned char)~COUNT_CONTINUED;
	} else if (count) {
		count--;
	}
	if (count | has_cache)
		si->swap_map[off] = count | has_cache;
	else
		swap_entries_free(ms, si, off);
	return count | has_cache;
}

void swap_free(struct mm_sys *ms, swp_entry_t entry)
{
	struct swap_info_struct *si = swp_info(ms, entry);

	if (si)
		swap_entry_put(ms, si, swp_offset(entry), 1);
}

void put_swap_folio(struct mm_sys *ms, swp_entry_t entry)
{
	struct swap_info_struct *si = swp_info(ms, entry);

	if (si && (si->swap_map[swp_offset(entry)] & SWAP_HAS_CACHE))
		swap_entry_put(ms, si, swp_offset(entry), SWAP_HAS_CACHE);
}

bool swap_entry_swapped(struct mm_sys *ms, swp_entry_t entry)
{
	struct swap_info_struct *si = swp_info(ms, entry);

	return si && slot_count(si, swp_offset(entry)) > 0;
}

int swp_swapcount(struct mm_sys *ms, swp_entry_t entry)
{
	struct swap_info_struct *si = swp_info(ms, entry);

	return si ? (int)slot_count(si, swp_offset(entry)) : 0;
}

/* ---- reclaiming cache-only slots ----------------------------------------------------------- */

int __try_to_reclaim_swap(struct mm_sys *ms, struct swap_info_struct *si, uint64_t offset,
			  unsigned int flags)
{
	swp_entry_t entry = swp_entry(si->type, offset);
	struct page *folio = swap_cache_lookup(ms, entry);
	bool need;
	int ret;

	if (!folio)
		return 0;
	ret = -1;
	need = (flags & TTRS_ANYWAY) || ((flags & TTRS_UNMAPPED) && !folio_mapped(folio)) ||
	       ((flags & TTRS_FULL) && vm_swap_full(ms));
	/* folio_swapcache_freeable: not while its write is in flight */
	if (!need || si->swap_map[offset] != SWAP_HAS_CACHE || page_test(folio, PG_writeback))
		return ret;
	folio_get(folio);
	delete_from_swap_cache(ms, folio, NULL);
	page_set(folio, PG_dirty);	/* folio_set_dirty: memory holds the only copy now */
	folio_put(ms, 0, folio);
	return 1;
}

void free_swap_and_cache(struct mm_sys *ms, swp_entry_t entry)
{
	struct swap_info_struct *si = swp_info(ms, entry);
	uint64_t off = swp_offset(entry);

	if (!si || !slot_count(si, off))
		return;
	/* swap_entries_put_map_nr, then the cache of a slot only the cache holds now */
	if (swap_entry_put(ms, si, off, 1) == SWAP_HAS_CACHE)
		__try_to_reclaim_swap(ms, si, off, TTRS_UNMAPPED | TTRS_FULL);
}

/* ---- slot allocation ------------------------------------------------------------------------ */

/* cluster_scan_range for one slot: free, or only the cache's and swap is full (reclaim it). */
static bool cluster_scan_range(const struct mm_sys *ms, struct swap_info_struct *si,
			       struct swap_cluster_info *ci, uint64_t off, bool *need_reclaim)
{
	if (!ci->count)
		return true;
	switch (si->swap_map[off]) {
	case 0:
		return true;
	case SWAP_HAS_CACHE:
		if (!vm_swap_full(ms))
			return false;
		*need_reclaim = true;
		return true;
	default:
		return false;
	}
}

/* cluster_reclaim_range for one slot: is it free after reclaiming its cache? */
static bool cluster_reclaim_range(struct mm_sys *ms, struct swap_info_struct *si, uint64_t off)
{
	if (si->swap_map[off] == SWAP_HAS_CACHE)
		__try_to_reclaim_swap(ms, si, off, TTRS_ANYWAY);
	return si->swap_map[off] == 0;
}

static bool cluster_is_usable(const struct swap_cluster_info *ci)
{
	return ci->flags <= CLUSTER_FLAG_USABLE;
}

/*
 * alloc_swap_scan_cluster (order 0): the first usable slot at or after offset in ci; the one
 * after it is where the area goes on next time (global_cluster->next). 0 when none.
 */
static uint64_t alloc_swap_scan_cluster(struct mm_sys *ms, struct swap_info_struct *si,
					struct swap_cluster_info *ci, uint64_t offset)
{
	uint64_t start = offset - offset % si->cluster_nr;
	uint64_t end = start + si->cluster_nr - 1, next = 0, found = 0;

	if (ci->count + 1 > si->cluster_nr)
		goto out;
	for (; offset <= end; offset++) {
		bool need_reclaim = false;

		if (!cluster_scan_range(ms, si, ci, offset, &need_reclaim))
			continue;
		if (need_reclaim) {
			bool ok = cluster_reclaim_range(ms, si, offset);

			if (!cluster_is_usable(ci))
				goto out;
			if (!ci->count)
				offset = start;
			if (!ok)
				continue;
		}
		if (!(si->flags & SWP_WRITEOK))	/* cluster_alloc_range */
			break;
		if (!ci->count)
			ci->order = 0;
		si->swap_map[offset] = SWAP_HAS_CACHE;
		swap_range_alloc(ms->swap, si);
		ci->count++;
		found = offset++;
		if (ci->count < si->cluster_nr && offset <= end)
			next = offset;
		break;
	}
out:
	relocate_cluster(si, ci);
	si->global_next = next;
	return found;
}

/* isolate_lock_cluster: the first cluster of list, taken off it (flags NONE). */
static struct swap_cluster_info *isolate_cluster(struct list_head *list)
{
	struct swap_cluster_info *ci;

	if (list_empty(list))
		return NULL;
	ci = list_first_entry(list, struct swap_cluster_info, list);
	list_del(&ci->list);
	ci->flags = CLUSTER_FLAG_NONE;
	return ci;
}

static uint64_t alloc_swap_scan_list(struct mm_sys *ms, struct swap_info_struct *si,
				     struct list_head *list, bool scan_all)
{
	uint64_t found = 0;

	do {
		struct swap_cluster_info *ci = isolate_cluster(list);

		if (!ci)
			break;
		found = alloc_swap_scan_cluster(ms, si, ci, cluster_offset(si, ci));
	} while (!found && scan_all);
	return found;
}

/* swap_reclaim_full_clusters: drop the cache of cache-only slots of full clusters. */
static void swap_reclaim_full_clusters(struct mm_sys *ms, struct swap_info_struct *si, bool force)
{
	int64_t to_scan = force ? (int64_t)(si->inuse_pages / si->cluster_nr) : 1;
	struct swap_cluster_info *ci;

	while ((ci = isolate_cluster(&si->full_clusters))) {
		uint64_t off = cluster_offset(si, ci);
		uint64_t end = off + si->cluster_nr < si->max ? off + si->cluster_nr : si->max;

		to_scan--;
		for (; off < end; off++)
			if (si->swap_map[off] == SWAP_HAS_CACHE)
				__try_to_reclaim_swap(ms, si, off, TTRS_ANYWAY);
		if (ci->flags == CLUSTER_FLAG_NONE)
			relocate_cluster(si, ci);
		if (to_scan <= 0)
			break;
	}
}

/* cluster_alloc_swap_entry for order 0 on a rotational area. The offset, 0 when none. */
static uint64_t cluster_alloc_swap_entry(struct mm_sys *ms, struct swap_info_struct *si)
{
	uint64_t off = si->global_next, found = 0;

	if (off) {
		struct swap_cluster_info *ci = offset_cluster(si, off);

		if (cluster_is_usable(ci)) {
			if (!ci->count)
				off = cluster_offset(si, ci);
			found = alloc_swap_scan_cluster(ms, si, ci, off);
		}
		if (found)
			return found;
	}
	found = alloc_swap_scan_list(ms, si, &si->nonfull_clusters, true);
	if (!found)
		found = alloc_swap_scan_list(ms, si, &si->free_clusters, false);
	if (!found && vm_swap_full(ms))
		swap_reclaim_full_clusters(ms, si, false);
	if (!found)
		found = alloc_swap_scan_list(ms, si, &si->frag_clusters, false);
	return found;
}

int swap_alloc_slot(struct mm_sys *ms, swp_entry_t *entry)
{
	struct swap_state *ss = ms->swap;
	struct list_head *pos;
	unsigned int tries = 0;

	if (!ss)
		return -ENOMEM;
	/* swap_alloc_slow: by priority, each area rotated behind its equals as it is tried */
	for (pos = ss->swap_avail_head.next; pos != &ss->swap_avail_head &&
	     tries < 2 * SWAP_NR_AREAS; tries++) {
		struct swap_info_struct *si = list_entry(pos, struct swap_info_struct, avail_list);
		struct list_head *next = pos->next;
		uint64_t off;

		avail_requeue(ss, si);
		off = cluster_alloc_swap_entry(ms, si);
		if (off) {
			*entry = swp_entry(si->type, off);
			return 0;
		}
		pos = next;
	}
	return -ENOMEM;
}

/* ---- mmlist: the mms swapoff must visit ------------------------------------------------------ */

static ssize_t mmlist_find(const struct swap_state *ss, const struct mm_struct *mm)
{
	for (size_t i = 0; i < ss->nr_mmlist; i++)
		if (ss->mmlist[i] == mm)
			return (ssize_t)i;
	return -1;
}

void mm_swapents_add(struct mm_struct *mm, int64_t d)
{
	struct swap_state *ss = mm->ms->swap;
	int64_t before = mm->rss_stat[MM_SWAPENTS];
	ssize_t i;

	mm->rss_stat[MM_SWAPENTS] += d;
	if (!ss)
		return;
	if (before <= 0 && mm->rss_stat[MM_SWAPENTS] > 0 && mmlist_find(ss, mm) < 0) {
		if (ss->nr_mmlist == ss->cap_mmlist) {
			size_t cap = ss->cap_mmlist ? 2 * ss->cap_mmlist : 16;
			struct mm_struct **l = realloc(ss->mmlist, cap * sizeof(*l));

			/* no room: swap_validate reports the mm missing (host memory ran out) */
			if (!l)
				return;
			ss->mmlist = l;
			ss->cap_mmlist = cap;
		}
		ss->mmlist[ss->nr_mmlist++] = mm;
	} else if (mm->rss_stat[MM_SWAPENTS] <= 0 && (i = mmlist_find(ss, mm)) >= 0) {
		ss->mmlist[i] = ss->mmlist[--ss->nr_mmlist];
	}
}

/* ---- swap PTEs ---------------------------------------------------------------------------- */

bool is_swap_pte(const struct mm_struct *mm, uint64_t raw)
{
	return pte_to_swp_entry(mm->pgd.fmt, raw, NULL, NULL);
}

struct swap_pte {
	uint64_t va, entry_pa, raw;
};

struct swap_pte_list {
	struct mm_struct *mm;
	struct swap_pte *v;
	size_t n, cap;
	int err;
	int type;		/* only entries of this area (-1: all) */
};

static int collect_swap_pte(const struct pgtable_visit *v, void *arg)
{
	struct swap_pte_list *l = arg;
	const struct pt_format *f = l->mm->pgd.fmt;
	swp_entry_t e;

	if (v->desc.kind != PTE_KIND_NONE || !v->raw || v->level != f->nr_levels - 1 ||
	    !pte_to_swp_entry(f, v->raw, &e, NULL))
		return 0;
	if (l->type >= 0 && swp_type(e) != (unsigned int)l->type)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct swap_pte *p = realloc(l->v, cap * sizeof(*p));

		if (!p) {
			l->err = -ENOMEM;
			return 1;
		}
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n++] = (struct swap_pte){ v->va, v->entry_pa, v->raw };
	return 0;
}

/* Every swap PTE of [start, end) of mm (end 0: the top), of area type (-1: any). */
static int collect_swap_ptes(struct mm_struct *mm, uint64_t start, uint64_t end, int type,
			     struct swap_pte_list *l)
{
	int ret;

	*l = (struct swap_pte_list){ .mm = mm, .type = type };
	if (!mm->pgd.root[0] || (end && end <= start))
		return 0;
	ret = pgtable_walk_range(&mm->pgd, start, end, true, collect_swap_pte, l);
	if (l->err || ret < 0) {
		free(l->v);
		l->v = NULL;
		l->n = 0;
		return l->err ? l->err : ret;
	}
	return 0;
}

int swap_zap_range(struct mm_struct *mm, uint64_t start, uint64_t end, bool clear)
{
	struct mm_sys *ms = mm->ms;
	struct swap_pte_list l;
	int ret;

	if (!ms->swap)
		return 0;
	ret = collect_swap_ptes(mm, start, end, -1, &l);
	if (ret)
		return ret;
	for (size_t i = 0; i < l.n; i++) {
		swp_entry_t e;

		pte_to_swp_entry(mm->pgd.fmt, l.v[i].raw, &e, NULL);
		free_swap_and_cache(ms, e);
		mm_swapents_add(mm, -1);
		if (clear)
			ret = pgtable_unmap(&mm->pgd, l.v[i].va, ms->page_size, NULL);
		if (ret)
			break;
	}
	free(l.v);
	return ret;
}

int swap_pte_install(struct mm_struct *mm, uint64_t va, uint64_t raw)
{
	struct mm_sys *ms = mm->ms;
	const struct pt_format *f = mm->pgd.fmt;
	struct pte_desc d;
	uint64_t entry_pa;
	int level, err;

	if (pgtable_lookup(&mm->pgd, va, &d, &level, &entry_pa))
		return -EINVAL;
	if (level != f->nr_levels - 1) {
		if (d.kind == PTE_KIND_LEAF)
			return -EEXIST;
		/* no PTE table yet: map the zero page there to make one, then overwrite it */
		err = pgtable_map(&mm->pgd, va, zero_pfn(ms) << ms->page_shift, ms->page_size,
				  ms->page_shift, PTE_USER, 0);
		if (err)
			return err;
		if (pgtable_lookup(&mm->pgd, va, &d, &level, &entry_pa))
			return -EUCLEAN;
	} else if (pgtable_read_entry(&mm->pgd, entry_pa)) {
		return -EEXIST;
	}
	pgtable_write_entry(&mm->pgd, entry_pa, raw);
	return 0;
}

int swap_copy_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma)
{
	struct mm_struct *src = src_vma->vm_mm, *dst = dst_vma->vm_mm;
	struct mm_sys *ms = src->ms;
	const struct pt_format *f = src->pgd.fmt;
	struct swap_pte_list l;
	int ret;

	if (!ms->swap)
		return 0;
	ret = collect_swap_ptes(src, src_vma->vm_start, src_vma->vm_end, -1, &l);
	if (ret)
		return ret;
	for (size_t i = 0; i < l.n && !ret; i++) {
		swp_entry_t e;
		bool excl;

		pte_to_swp_entry(f, l.v[i].raw, &e, &excl);
		/* copy_nonpresent_pte: swap_duplicate (a continuation may be needed) */
		ret = swap_duplicate(ms, e);
		if (ret) {
			ret = ret == -ENOMEM ? -ENOMEM : -EIO;
			break;
		}
		/* the entry is shared from now: neither PTE says exclusive */
		if (excl)
			pgtable_write_entry(&src->pgd, l.v[i].entry_pa,
					    swp_entry_to_pte(f, e, false));
		ret = swap_pte_install(dst, l.v[i].va, swp_entry_to_pte(f, e, false));
		if (ret) {
			swap_free(ms, e);
			break;
		}
		mm_swapents_add(dst, 1);
	}
	free(l.v);
	return ret;
}

int swap_mm_validate(struct mm_struct *mm, struct mmsim_error *err)
{
	struct mm_sys *ms = mm->ms;
	struct swap_pte_list l;
	bool listed;
	int ret;

	/* no swapon ever: no slot to name, so no swap PTE may exist (the common case: no walk) */
	if (!ms->swap)
		return mm->rss_stat[MM_SWAPENTS] ? err_set(err, -EUCLEAN, NULL, 0, 0,
				"MM_SWAPENTS is %lld on a machine that never had swap",
				(long long)mm->rss_stat[MM_SWAPENTS]) : 0;
	listed = mmlist_find(ms->swap, mm) >= 0;
	ret = collect_swap_ptes(mm, 0, 0, -1, &l);
	if (ret)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "swap PTE walk failed (%d)", ret);
	for (size_t i = 0; i < l.n; i++) {
		swp_entry_t e;

		pte_to_swp_entry(mm->pgd.fmt, l.v[i].raw, &e, NULL);
		if (!swp_info(ms, e) || !swp_swapcount(ms, e)) {
			ret = err_set(err, -EUCLEAN, NULL, 0, 0,
				      "the swap PTE at 0x%llx names slot %llu of area %u, "
				      "which is not in use",
				      (unsigned long long)l.v[i].va,
				      (unsigned long long)swp_offset(e), swp_type(e));
			goto out;
		}
	}
	if ((int64_t)l.n != mm->rss_stat[MM_SWAPENTS])
		ret = err_set(err, -EUCLEAN, NULL, 0, 0, "MM_SWAPENTS is %lld, %zu swap PTEs",
			      (long long)mm->rss_stat[MM_SWAPENTS], l.n);
	else if ((l.n > 0) != listed)
		ret = err_set(err, -EUCLEAN, NULL, 0, 0, "an mm with %zu swap PTEs is %son mmlist",
			      l.n, listed ? "" : "not ");
out:
	free(l.v);
	return ret;
}

/* ---- the mkswap header (include/linux/swap.h union swap_header) ----------------------------- */

#define SWAP_INFO_OFFSET	1024	/* bootbits[1024] first */
#define SWAP_UUID_OFFSET	(SWAP_INFO_OFFSET + 12)
#define SWAP_LABEL_OFFSET	(SWAP_UUID_OFFSET + 16)
#define SWAP_BADPAGES_OFFSET	(SWAP_LABEL_OFFSET + 16 + 117 * 4)	/* after padding[117] */
#define SWAP_MAGIC		"SWAPSPACE2"
#define SWAP_MAGIC_LEN		10
#define MKSWAP_MIN_PAGES	10	/* util-linux MIN_GOODPAGES */

/* MAX_SWAP_BADPAGES: the badpages[] that fit before the magic. */
static uint64_t max_swap_badpages(uint64_t page_size)
{
	return (page_size - SWAP_MAGIC_LEN - SWAP_BADPAGES_OFFSET) / 4;
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* A version 4 UUID made from the path and size (mkswap draws a random one). */
static void path_uuid(const char *path, uint64_t size, unsigned char uuid[16])
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	for (const char *c = path; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ull;
	for (int i = 0; i < 16; i++) {
		h = (h ^ (size >> (i % 8 * 8) & 0xff)) * 1099511628211ull;
		uuid[i] = (unsigned char)(h >> 56);
	}
	uuid[6] = (unsigned char)((uuid[6] & 0x0f) | 0x40);
	uuid[8] = (unsigned char)((uuid[8] & 0x3f) | 0x80);
}

int mkswap_file_pagesize(const char *path, uint64_t size, uint64_t page_size, const char *label,
			 struct mmsim_error *err)
{
	uint64_t pages = size / page_size;
	unsigned char *hdr;
	struct stat st;
	int fd, ret = 0;

	if (page_size < 4096 || (page_size & (page_size - 1)))
		return err_set(err, -EINVAL, path, 0, 0,
			       "page size %llu is not a power of two of at least 4096",
			       (unsigned long long)page_size);
	if (pages < MKSWAP_MIN_PAGES)
		return err_set(err, -EINVAL, path, 0, 0,
			       "swap area needs to be at least %llu KiB "
			       "(mkswap's minimum of 10 pages)",
			       (unsigned long long)(MKSWAP_MIN_PAGES * page_size >> 10));
	if (pages - 1 > UINT32_MAX)
		return err_set(err, -EINVAL, path, 0, 0,
			       "%llu pages do not fit the header's 32-bit last_page",
			       (unsigned long long)pages);
	hdr = calloc(1, page_size);
	if (!hdr)
		return err_set(err, -ENOMEM, path, 0, 0, "out of host memory");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = err_set(err, -errno, path, 0, 0, "cannot open: %s", strerror(errno));
		goto out_free;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		ret = err_set(err, -EINVAL, path, 0, 0, "not a regular file: mmsim swaps to files");
		goto out_close;
	}
	/* every block allocated (unwritten extents are fine for swapon, holes are not) */
	if ((uint64_t)st.st_size < pages * page_size) {
		int r = posix_fallocate(fd, 0, (off_t)(pages * page_size));

		if (r) {
			ret = err_set(err, -r, path, 0, 0, "cannot allocate %llu bytes: %s",
				      (unsigned long long)(pages * page_size), strerror(r));
			goto out_close;
		}
	}
	put32(hdr + SWAP_INFO_OFFSET, 1);			/* version */
	put32(hdr + SWAP_INFO_OFFSET + 4, (uint32_t)(pages - 1));	/* last_page */
	put32(hdr + SWAP_INFO_OFFSET + 8, 0);			/* nr_badpages */
	path_uuid(path, size, hdr + SWAP_UUID_OFFSET);
	if (label)
		strncpy((char *)hdr + SWAP_LABEL_OFFSET, label, 16);
	memcpy(hdr + page_size - SWAP_MAGIC_LEN, SWAP_MAGIC, SWAP_MAGIC_LEN);
	if (pwrite(fd, hdr, page_size, 0) != (ssize_t)page_size)
		ret = err_set(err, -EIO, path, 0, 0, "cannot write the swap header");
out_close:
	close(fd);
out_free:
	free(hdr);
	return ret;
}

int mkswap_file(const char *path, uint64_t size, struct mmsim_error *err)
{
	return mkswap_file_pagesize(path, size, 4096, NULL, err);
}

/* ---- swapon ------------------------------------------------------------------------------- */

/*
 * read_swap_header: the number of slots (header included) the header allows, or 0 with err
 * saying why, in the kernel's words where it has some.
 */
static uint64_t read_swap_header(struct mm_sys *ms, const char *path, unsigned char *hdr,
				 uint64_t i_size, struct mmsim_error *err)
{
	uint64_t ps = ms->page_size, maxpages, last_page, filepages;
	uint32_t version, nr_bad;

	if (memcmp(hdr + ps - SWAP_MAGIC_LEN, SWAP_MAGIC, SWAP_MAGIC_LEN)) {
		err_set(err, -EINVAL, path, 0, 0, "Unable to find swap-space signature "
			"(expected \"SWAPSPACE2\" at byte %llu: a header made by mkswap)",
			(unsigned long long)(ps - SWAP_MAGIC_LEN));
		return 0;
	}
	version = get32(hdr + SWAP_INFO_OFFSET);
	/* swap partition endianness hack */
	if (__builtin_bswap32(version) == 1) {
		put32(hdr + SWAP_INFO_OFFSET, 1);
		for (int k = 4; k <= 8; k += 4)
			put32(hdr + SWAP_INFO_OFFSET + k,
			      __builtin_bswap32(get32(hdr + SWAP_INFO_OFFSET + k)));
		version = 1;
	}
	if (version != 1) {
		err_set(err, -EINVAL, path, 0, 0,
			"Unable to handle swap header version %u (expected 1)",
			version);
		return 0;
	}
	last_page = get32(hdr + SWAP_INFO_OFFSET + 4);
	nr_bad = get32(hdr + SWAP_INFO_OFFSET + 8);
	maxpages = swp_pte_max_offset(machine_format(ms));	/* swapfile_maximum_size */
	if (!last_page) {
		err_set(err, -EINVAL, path, 0, 0, "Empty swap-file (last_page is 0)");
		return 0;
	}
	/* last_page > maxpages: Linux truncates the area to what a swap PTE can name */
	if (maxpages > last_page)
		maxpages = last_page + 1;
	filepages = i_size / ps;
	if (filepages && maxpages > filepages) {
		err_set(err, -EINVAL, path, 0, 0, "Swap area shorter than signature indicates "
			"(last_page %llu, the file holds %llu pages)",
			(unsigned long long)last_page,
			(unsigned long long)filepages);
		return 0;
	}
	if (nr_bad) {
		err_set(err, -EINVAL, path, 0, 0, "the header lists %u bad pages%s", nr_bad,
			nr_bad > max_swap_badpages(ps) ? ", more than fit in it" :
			": a swap file may have none");
		return 0;
	}
	return maxpages;
}

/*
 * iomap_swapfile_activate's check: every block of the file is allocated (written or
 * unwritten), none a hole. FIEMAP answers; a filesystem without it is taken at its word.
 */
static int swapfile_check_extents(int fd, uint64_t len)
{
	char buf[sizeof(struct fiemap) + 32 * sizeof(struct fiemap_extent)];
	struct fiemap *fm = (struct fiemap *)(void *)buf;
	uint64_t pos = 0;

	while (pos < len) {
		memset(buf, 0, sizeof(buf));
		fm->fm_start = pos;
		fm->fm_length = len - pos;
		fm->fm_flags = FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = 32;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0)
			return 0;
		if (!fm->fm_mapped_extents)
			return -EINVAL;
		for (unsigned int i = 0; i < fm->fm_mapped_extents; i++) {
			const struct fiemap_extent *e = &fm->fm_extents[i];

			if (e->fe_logical > pos)
				return -EINVAL;	/* a hole before this extent */
			if (e->fe_flags & FIEMAP_EXTENT_DATA_INLINE)
				return -EINVAL;
			pos = e->fe_logical + e->fe_length;
			if ((e->fe_flags & FIEMAP_EXTENT_LAST) && pos < len)
				return -EINVAL;
		}
	}
	return 0;
}

/* setup_clusters: mark the header and the tail past the area bad, put clusters on lists. */
static void setup_clusters(struct swap_info_struct *si)
{
	uint64_t end = si->nr_clusters * si->cluster_nr;

	si->swap_map[0] = SWAP_MAP_BAD;
	si->cluster_info[0].count++;
	for (uint64_t i = si->max; i < end; i++) {
		si->swap_map[i] = SWAP_MAP_BAD;
		offset_cluster(si, i)->count++;
	}
	INIT_LIST_HEAD(&si->free_clusters);
	INIT_LIST_HEAD(&si->full_clusters);
	INIT_LIST_HEAD(&si->nonfull_clusters);
	INIT_LIST_HEAD(&si->frag_clusters);
	for (uint64_t i = 0; i < si->nr_clusters; i++) {
		struct swap_cluster_info *ci = &si->cluster_info[i];

		if (ci->count) {
			ci->flags = CLUSTER_FLAG_NONFULL;
			list_add_tail(&ci->list, &si->nonfull_clusters);
		} else {
			ci->flags = CLUSTER_FLAG_FREE;
			list_add_tail(&ci->list, &si->free_clusters);
		}
	}
}

static void free_swap_info(struct swap_info_struct *si)
{
	if (!si)
		return;
	xa_destroy(&si->cache);
	free(si->swap_map);
	free(si->swap_cont);
	free(si->zeromap);
	free(si->shadows);
	free(si->cluster_info);
	free(si->name);
	if (si->fd >= 0)
		close(si->fd);
	free(si);
}

/* setup_swap_info + _enable_swap_info: priority, lists, totals. */
static void enable_swap_info(struct swap_state *ss, struct swap_info_struct *si, int prio)
{
	si->prio = prio >= 0 ? prio : --ss->least_priority;
	si->flags |= SWP_WRITEOK;
	ss->nr_swap_pages += (int64_t)si->pages;
	ss->total_swap_pages += si->pages;
	active_add(ss, si);
	if (si->inuse_pages < si->pages)
		avail_add(ss, si);
}

/* Open path and check it can be an area; *st filled. fd or -errno with err. */
static int swapon_open(struct mm_sys *ms, const char *path, struct stat *st,
		       struct mmsim_error *err)
{
	struct swap_state *ss = ms->swap;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return err_set(err, -errno, path, 0, 0, "cannot open: %s", strerror(errno));
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		close(fd);
		return err_set(err, -EINVAL, path, 0, 0,
			       "not a regular file (mmsim swaps to files, not to block devices)");
	}
	for (unsigned int t = 0; t < ss->nr_swapfiles; t++) {
		struct swap_info_struct *o = ss->swap_info[t];

		if (o && o->dev == (uint64_t)st->st_dev && o->ino == (uint64_t)st->st_ino) {
			close(fd);
			return err_set(err, -EBUSY, path, 0, 0,
				       "already a swap area (IS_SWAPFILE)");
		}
	}
	return fd;
}

int sys_swapon(struct mm_sys *ms, const char *path, int flags, struct mmsim_error *err)
{
	struct swap_state *ss;
	struct swap_info_struct *si;
	unsigned char *hdr = NULL;
	unsigned int type;
	struct stat st;
	uint64_t maxpages, nslots;
	char *real;
	ssize_t n;
	int ret;

	if (flags & ~SWAP_FLAGS_VALID)
		return err_set(err, -EINVAL, NULL, 0, 0, "swapon flags 0x%x: unknown bits "
			       "(expected SWAP_FLAG_PREFER | priority, SWAP_FLAG_DISCARD ...)",
			       (unsigned int)flags);
	if (!path)
		return err_set(err, -EFAULT, NULL, 0, 0, "swapon needs a path");
	ss = swap_state_of(ms);
	if (!ss)
		return err_set(err, -ENOMEM, NULL, 0, 0, "out of host memory");
	/* alloc_swap_info: the first free type */
	for (type = 0; type < ss->nr_swapfiles && ss->swap_info[type]; type++)
		;
	if (type >= SWAP_NR_AREAS)
		return err_set(err, -EPERM, path, 0, 0, "already %d swap areas (MAX_SWAPFILES)",
			       SWAP_NR_AREAS);
	si = calloc(1, sizeof(*si));
	if (!si)
		return err_set(err, -ENOMEM, path, 0, 0, "out of host memory");
	si->fd = -1;
	si->type = type;
	xa_init(&si->cache, ms);
	ret = swapon_open(ms, path, &st, err);
	if (ret < 0)
		goto out_free;
	si->fd = ret;
	si->dev = (uint64_t)st.st_dev;
	si->ino = (uint64_t)st.st_ino;
	/* read_mapping_folio(mapping, 0): a short file reads as zeros past its end */
	hdr = calloc(1, ms->page_size);
	if (!hdr) {
		ret = err_set(err, -ENOMEM, path, 0, 0, "out of host memory");
		goto out_free;
	}
	n = pread(si->fd, hdr, ms->page_size, 0);
	if (n < 0) {
		ret = err_set(err, -errno, path, 0, 0, "cannot read the header: %s",
			      strerror(errno));
		goto out_free;
	}
	maxpages = read_swap_header(ms, path, hdr, (uint64_t)st.st_size, err);
	if (!maxpages) {
		ret = -EINVAL;
		goto out_free;
	}
	if (swapfile_check_extents(si->fd, (uint64_t)st.st_size / ms->page_size * ms->page_size)) {
		ret = err_set(err, -EINVAL, path, 0, 0, "swapon: file has unallocated extents "
			      "(a sparse file: write or fallocate every block)");
		goto out_free;
	}
	si->max = maxpages;
	si->pages = maxpages - 1;
	si->cluster_nr = swapfile_cluster(ms);
	si->nr_clusters = (maxpages + si->cluster_nr - 1) / si->cluster_nr;
	nslots = si->nr_clusters * si->cluster_nr;
	si->swap_map = calloc(nslots, 1);
	si->zeromap = calloc((nslots + 63) / 64, sizeof(uint64_t));
	si->cluster_info = calloc(si->nr_clusters, sizeof(*si->cluster_info));
	real = realpath(path, NULL);
	si->name = real ? real : strdup(path);
	if (!si->swap_map || !si->zeromap || !si->cluster_info || !si->name) {
		ret = err_set(err, -ENOMEM, path, 0, 0, "out of host memory");
		goto out_free;
	}
	setup_clusters(si);
	si->flags = SWP_USED;
	ss->swap_info[type] = si;
	if (type == ss->nr_swapfiles)
		ss->nr_swapfiles++;
	enable_swap_info(ss, si, (flags & SWAP_FLAG_PREFER) ? (flags & SWAP_FLAG_PRIO_MASK) : -1);
	free(hdr);
	return 0;

out_free:
	free(hdr);
	free_swap_info(si);
	return ret;
}

/* ---- swapoff ------------------------------------------------------------------------------- */

/*
 * unuse_pte: the folio replaces the swap PTE at va (old, not writable: a write faults and
 * do_wp_page decides), MM_SWAPENTS - 1, MM_ANONPAGES + 1, the slot loses the PTE's count.
 */
static int unuse_pte(struct vm_area_struct *vma, uint64_t va, uint64_t raw, swp_entry_t entry,
		     bool excl, struct page *folio)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	struct pte_desc d;
	uint64_t entry_pa;
	int level;

	if (pgtable_lookup(&mm->pgd, va, &d, &level, &entry_pa) ||
	    pgtable_read_entry(&mm->pgd, entry_pa) != raw)
		return 0;	/* the PTE changed under us (a fault took it): nothing to do */
	if (!page_test(folio, PG_uptodate))
		return -EIO;
	if (set_pte(mm, entry_pa, level, page_to_pfn(ms, folio) << ms->page_shift,
		    (uint32_t)vma->vm_page_prot & ~PTE_ACCESSED))
		return -EUCLEAN;
	mm_swapents_add(mm, -1);
	add_mm_counter(mm, MM_ANONPAGES, 1);
	folio_get(folio);
	if (!folio_test_anon(folio))
		folio_add_new_anon_rmap(folio, vma, va, excl ? RMAP_EXCLUSIVE : 0);
	else
		folio_add_anon_rmap_ptes(folio, folio, 1, vma, va, excl ? RMAP_EXCLUSIVE : 0);
	swap_free(ms, entry);
	return 0;
}

/* unuse_mm: every swap PTE of area type in mm's anonymous VMAs is read back in. */
static int unuse_mm(struct mm_sys *ms, struct mm_struct *mm, unsigned int type)
{
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	int ret = 0;

	vma_iter_init(&vmi, &mm->mm_mt, 0);
	for_each_vma(vmi, vma) {
		struct swap_pte_list l;

		if (!vma->anon_vma || (vma->vm_flags & VM_HUGETLB))
			continue;
		ret = collect_swap_ptes(mm, vma->vm_start, vma->vm_end, (int)type, &l);
		for (size_t i = 0; !ret && i < l.n; i++) {
			swp_entry_t e;
			bool excl;
			struct page *folio;
			int err = 0;

			pte_to_swp_entry(mm->pgd.fmt, l.v[i].raw, &e, &excl);
			folio = swap_cache_lookup(ms, e);
			if (folio)
				folio_get(folio);
			else
				folio = swapin_readahead(ms, mm->pgd.cpu, e, &err);
			if (!folio) {
				if (swp_swapcount(ms, e) <= 0)
					continue;
				ret = err ? err : -ENOMEM;
				break;
			}
			ret = unuse_pte(vma, l.v[i].va, l.v[i].raw, e, excl, folio);
			if (!ret)
				folio_free_swap(ms, folio);
			folio_put(ms, mm->pgd.cpu, folio);
		}
		free(l.v);
		if (ret)
			break;
	}
	return ret;
}

/* try_to_unuse: every mm's PTEs of the area, then the cache-only slots; 0 when none is in use. */
static int try_to_unuse(struct mm_sys *ms, struct swap_info_struct *si)
{
	struct swap_state *ss = ms->swap;

	for (int pass = 0; si->inuse_pages && pass < 3; pass++) {
		/* a snapshot: unuse takes mms off the list as their last swap PTE goes */
		size_t n = ss->nr_mmlist;
		struct mm_struct **mms = malloc((n ? n : 1) * sizeof(*mms));

		if (!mms)
			return -ENOMEM;
		memcpy(mms, ss->mmlist, n * sizeof(*mms));
		for (size_t i = 0; i < n; i++) {
			int ret = unuse_mm(ms, mms[i], si->type);

			if (ret) {
				free(mms);
				return ret;
			}
		}
		free(mms);
		for (uint64_t off = 1; si->inuse_pages && off < si->max; off++) {
			struct page *folio;

			if (si->swap_map[off] != SWAP_HAS_CACHE)
				continue;
			folio = swap_cache_lookup(ms, swp_entry(si->type, off));
			if (folio) {
				folio_get(folio);
				folio_wait_writeback(ms, folio);
				folio_free_swap(ms, folio);
				folio_put(ms, 0, folio);
			}
		}
	}
	return si->inuse_pages ? -EBUSY : 0;
}

/* Take si off the lists and the totals (swapoff's first half; reinsert undoes it). */
static void disable_swap_info(struct swap_state *ss, struct swap_info_struct *si)
{
	avail_del(si);
	si->flags &= ~SWP_WRITEOK;
	/* the areas after a default-priority one move up by one, as least_priority does */
	if (si->prio < 0) {
		struct list_head *pos;

		for (pos = si->list.next; pos != &ss->swap_active_head; pos = pos->next)
			list_entry(pos, struct swap_info_struct, list)->prio++;
		ss->least_priority++;
	}
	list_del(&si->list);
	ss->nr_swap_pages -= (int64_t)si->pages;
	ss->total_swap_pages -= si->pages;
}

/* The area's folios left in the cache, dropped (teardown), and the area freed. */
static void destroy_swap_info(struct mm_sys *ms, struct swap_info_struct *si)
{
	struct swap_state *ss = ms->swap;
	uint64_t idx = 0, first;
	unsigned int order;
	struct page *folio;

	while ((folio = xa_find(&si->cache, &idx, UINT64_MAX, &first, &order))) {
		idx = first + 1;
		folio_get(folio);
		delete_from_swap_cache(ms, folio, NULL);
		folio_put(ms, 0, folio);
	}
	ss->swap_info[si->type] = NULL;
	free_swap_info(si);
}

int sys_swapoff(struct mm_sys *ms, const char *path)
{
	struct swap_state *ss = ms->swap;
	struct swap_info_struct *si = NULL;
	struct stat st;
	int fd, ret;

	if (!path)
		return -EFAULT;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = fstat(fd, &st) ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	for (unsigned int t = 0; ss && t < ss->nr_swapfiles; t++) {
		struct swap_info_struct *o = ss->swap_info[t];

		if (o && (o->flags & SWP_WRITEOK) && o->dev == (uint64_t)st.st_dev &&
		    o->ino == (uint64_t)st.st_ino)
			si = o;
	}
	if (!si)
		return -EINVAL;
	disable_swap_info(ss, si);
	ret = try_to_unuse(ms, si);
	if (ret) {
		/* reinsert_swap_info: back on the lists (a default priority is a new one) */
		enable_swap_info(ss, si, si->prio);
		return ret;
	}
	destroy_swap_info(ms, si);
	return 0;
}

/* ---- /proc/swaps (swap_show) ------------------------------------------------------------- */

/* seq_file_path's escaping of " \t\n\\": an octal escape. */
static size_t put_escaped(struct strbuf *sb, const char *s)
{
	size_t len = 0;

	for (; *s; s++) {
		if (strchr(" \t\n\\", *s)) {
			sb_printf(sb, "\\%03o", (unsigned char)*s);
			len += 4;
		} else {
			sb_printf(sb, "%c", *s);
			len++;
		}
	}
	return len;
}

int show_swaps(struct mm_sys *ms, struct strbuf *sb)
{
	struct swap_state *ss = ms->swap;
	unsigned int sh = ms->page_shift - 10;

	sb_puts(sb, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	for (unsigned int t = 0; ss && t < ss->nr_swapfiles; t++) {
		struct swap_info_struct *si = ss->swap_info[t];
		unsigned long bytes, inuse;
		size_t len;

		if (!si)
			continue;
		bytes = (unsigned long)(si->pages << sh);
		inuse = (unsigned long)(si->inuse_pages << sh);
		len = put_escaped(sb, si->name);
		sb_printf(sb, "%*s%s\t%lu\t%s%lu\t%s%d\n", len < 40 ? (int)(40 - len) : 1, " ",
			  "file\t", bytes, bytes < 10000000 ? "\t" : "", inuse,
			  inuse < 10000000 ? "\t" : "", si->prio);
	}
	return 0;
}

/* ---- the machine option and teardown ------------------------------------------------------- */

int swap_boot(struct mm_sys *ms, const char *path, uint64_t size, int prio,
	      struct mmsim_error *err)
{
	char scratch[PATH_MAX];
	bool made_dir = false;
	struct stat st;
	int ret;

	if (!path) {
		const char *tmp = getenv("TMPDIR");

		snprintf(scratch, sizeof(scratch), "%s/mmsim-swap-XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(scratch))
			return err_set(err, -errno, scratch, 0, 0,
				       "cannot make a scratch directory: %s", strerror(errno));
		made_dir = true;
		strncat(scratch, "/swapfile", sizeof(scratch) - strlen(scratch) - 1);
		path = scratch;
	}
	if (stat(path, &st) != 0) {
		if (!size) {
			ret = err_set(err, -ENOENT, path, 0, 0,
				      "no such file, and no size to make it with (swap=PATH:SIZE)");
			goto out_scratch;
		}
		ret = mkswap_file_pagesize(path, size, ms->page_size, NULL, err);
		if (ret)
			goto out_scratch;
	}
	ret = sys_swapon(ms, path, prio >= 0 ? SWAP_FLAG_PREFER | (prio & SWAP_FLAG_PRIO_MASK) : 0,
			 err);
	if (ret)
		goto out_scratch;
	/*
	 * a scratch file goes at once: the area's open descriptor keeps its blocks until
	 * swap_exit closes it, and nothing is left behind however the run ends. Linux would
	 * name it by its old path with " (deleted)"; that path is random (mkdtemp), so the
	 * area gets a fixed name instead and /proc/swaps stays the same from run to run.
	 */
	if (made_dir && ms->swap) {
		char *real = realpath(path, NULL);

		for (unsigned int t = 0; t < ms->swap->nr_swapfiles; t++) {
			struct swap_info_struct *si = ms->swap->swap_info[t];
			char *fixed;

			if (!si || !si->name || (strcmp(si->name, path) &&
						 (!real || strcmp(si->name, real))))
				continue;
			fixed = strdup("/mmsim-scratch/swapfile (deleted)");
			if (fixed) {
				free(si->name);
				si->name = fixed;
			}
		}
		free(real);
	}
out_scratch:
	if (made_dir) {
		unlink(scratch);
		*strrchr(scratch, '/') = '\0';
		rmdir(scratch);
	}
	return ret;
}

void swap_exit(struct mm_sys *ms)
{
	struct swap_state *ss = ms->swap;

	if (!ss)
		return;
	for (unsigned int t = 0; t < ss->nr_swapfiles; t++) {
		struct swap_info_struct *si = ss->swap_info[t];

		if (!si)
			continue;
		if (si->flags & SWP_WRITEOK)
			disable_swap_info(ss, si);
		destroy_swap_info(ms, si);
	}
	free(ss->mmlist);
	free(ss);
	ms->swap = NULL;
}

/* ---- validation ------------------------------------------------------------------------------ */

#define ULL(x) ((unsigned long long)(x))	/* for %llu */

static int validate_lists(struct swap_state *ss, struct mmsim_error *err)
{
	struct list_head *pos;
	int prev = INT32_MAX;
	uint64_t total = 0;
	int64_t free = 0;

	list_for_each(pos, &ss->swap_active_head) {
		struct swap_info_struct *si = list_entry(pos, struct swap_info_struct, list);

		if (si->prio > prev)
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "swap_active_head is out of priority order");
		prev = si->prio;
		if (!(si->flags & SWP_WRITEOK) || si->on_avail != (si->inuse_pages < si->pages))
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "area %u: on the avail list %d with %llu of %llu slots used",
				       si->type, si->on_avail, ULL(si->inuse_pages),
				       ULL(si->pages));
		total += si->pages;
		free += (int64_t)(si->pages - si->inuse_pages);
	}
	prev = INT32_MAX;
	list_for_each(pos, &ss->swap_avail_head) {
		struct swap_info_struct *si = list_entry(pos, struct swap_info_struct, avail_list);

		if (si->prio > prev || !si->on_avail)
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "swap_avail_head is out of order");
		prev = si->prio;
	}
	if (total != ss->total_swap_pages || free != ss->nr_swap_pages)
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "total_swap_pages %llu, nr_swap_pages %lld; the areas: %llu, %lld",
			       ULL(ss->total_swap_pages), (long long)ss->nr_swap_pages, ULL(total),
			       (long long)free);
	return 0;
}

static int validate_clusters(struct swap_info_struct *si, struct mmsim_error *err)
{
	struct list_head *lists[] = { NULL, &si->free_clusters, &si->nonfull_clusters,
				      &si->frag_clusters, &si->full_clusters };
	uint64_t on_lists = 0, inuse = 0;

	for (unsigned int f = CLUSTER_FLAG_FREE; f <= CLUSTER_FLAG_FULL; f++) {
		struct list_head *pos;

		list_for_each(pos, lists[f]) {
			struct swap_cluster_info *ci;

			ci = list_entry(pos, struct swap_cluster_info, list);

			if (ci->flags != f)
				return err_set(err, -EUCLEAN, NULL, 0, 0,
					       "area %u: cluster %llu has flags %u on list %u",
					       si->type, ULL(ci - si->cluster_info), ci->flags, f);
			on_lists++;
		}
	}
	for (uint64_t c = 0; c < si->nr_clusters; c++) {
		struct swap_cluster_info *ci = &si->cluster_info[c];
		uint32_t used = 0;

		for (uint64_t o = c * si->cluster_nr; o < (c + 1) * si->cluster_nr; o++) {
			if (si->swap_map[o])
				used++;
			if (si->swap_map[o] && si->swap_map[o] != SWAP_MAP_BAD)
				inuse++;
			if (zeromap_test(si, o) &&
			    (!si->swap_map[o] || si->swap_map[o] == SWAP_MAP_BAD))
				return err_set(err, -EUCLEAN, NULL, 0, 0,
					       "area %u: slot %llu is free but marked zero-filled",
					       si->type, (unsigned long long)o);
		}
		if (used != ci->count || ci->flags == CLUSTER_FLAG_NONE ||
		    (ci->flags == CLUSTER_FLAG_FREE && used) ||
		    (ci->flags == CLUSTER_FLAG_FULL && used != si->cluster_nr))
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "area %u: cluster %llu counts %u, has %u used, flags %u",
				       si->type, ULL(c), ci->count, used, ci->flags);
	}
	if (on_lists != si->nr_clusters)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "area %u: %llu of %llu clusters on lists",
			       si->type, ULL(on_lists), ULL(si->nr_clusters));
	if (inuse != si->inuse_pages)
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "area %u: inuse_pages %llu, %llu slots in use", si->type,
			       ULL(si->inuse_pages), ULL(inuse));
	return 0;
}

/* The swap cache of si: folio <-> SWAP_HAS_CACHE, the folio's state. Adds to *cached. */
static int validate_cache(struct mm_sys *ms, struct swap_info_struct *si, uint64_t *cached,
			  struct mmsim_error *err)
{
	uint64_t with_cache = 0, idx = 0, first;
	unsigned int order;
	struct page *folio;
	int ret = xa_validate(&si->cache, err);

	if (ret)
		return ret;
	for (uint64_t o = 0; o < si->max; o++)
		if (si->swap_map[o] != SWAP_MAP_BAD && (si->swap_map[o] & SWAP_HAS_CACHE))
			with_cache++;
	while ((folio = xa_find(&si->cache, &idx, UINT64_MAX, &first, &order))) {
		swp_entry_t e = swp_entry(si->type, first);

		idx = first + 1;
		(*cached)++;
		if (order || !page_test(folio, PG_swapcache) || folio->private != e.val ||
		    si->swap_map[first] == SWAP_MAP_BAD ||
		    !(si->swap_map[first] & SWAP_HAS_CACHE) ||
		    folio_ref_count(folio) < 1 + folio_mapcount(folio))
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "area %u slot %llu: the cached folio (pfn 0x%llx) does not "
				       "say so", si->type, ULL(first), ULL(page_to_pfn(ms, folio)));
	}
	if (with_cache != *cached)
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "area %u: %llu slots say SWAP_HAS_CACHE, the cache has %llu folios",
			       si->type, ULL(with_cache), ULL(*cached));
	return 0;
}

/* Every slot's count == the swap PTEs naming it, over the mms of mmlist. */
static int validate_counts(struct mm_sys *ms, struct mmsim_error *err)
{
	struct swap_state *ss = ms->swap;
	uint32_t *refs[SWAP_NR_AREAS] = { 0 };
	int ret = 0;

	for (unsigned int t = 0; t < ss->nr_swapfiles; t++) {
		if (!ss->swap_info[t])
			continue;
		refs[t] = calloc(ss->swap_info[t]->max, sizeof(uint32_t));
		if (!refs[t]) {
			ret = err_set(err, -ENOMEM, NULL, 0, 0, "out of host memory");
			goto out;
		}
	}
	for (size_t i = 0; i < ss->nr_mmlist; i++) {
		struct mm_struct *mm = ss->mmlist[i];
		struct swap_pte_list l;

		ret = swap_mm_validate(mm, err);
		if (!ret)
			ret = collect_swap_ptes(mm, 0, 0, -1, &l);
		if (ret)
			goto out;
		for (size_t k = 0; k < l.n; k++) {
			swp_entry_t e;

			pte_to_swp_entry(mm->pgd.fmt, l.v[k].raw, &e, NULL);
			refs[swp_type(e)][swp_offset(e)]++;
		}
		free(l.v);
	}
	for (unsigned int t = 0; t < ss->nr_swapfiles; t++) {
		struct swap_info_struct *si = ss->swap_info[t];

		for (uint64_t o = 0; si && o < si->max; o++) {
			if (slot_count(si, o) != refs[t][o]) {
				ret = err_set(err, -EUCLEAN, NULL, 0, 0,
					      "area %u slot %llu: count %llu, %u swap PTEs name it",
					      t, ULL(o), ULL(slot_count(si, o)), refs[t][o]);
				goto out;
			}
		}
	}
out:
	for (unsigned int t = 0; t < SWAP_NR_AREAS; t++)
		free(refs[t]);
	return ret;
}

int swap_validate(struct mm_sys *ms, struct mmsim_error *err)
{
	struct swap_state *ss = ms->swap;
	uint64_t cached = 0;
	int ret;

	if (!ss)
		return 0;
	ret = validate_lists(ss, err);
	for (unsigned int t = 0; !ret && t < ss->nr_swapfiles; t++) {
		struct swap_info_struct *si = ss->swap_info[t];
		uint64_t c = 0;

		if (!si)
			continue;
		if (si->type != t || !(si->flags & SWP_USED))
			return err_set(err, -EUCLEAN, NULL, 0, 0, "swap_info[%u] is not area %u",
				       t, t);
		ret = validate_clusters(si, err);
		if (!ret)
			ret = validate_cache(ms, si, &c, err);
		cached += c;
	}
	if (ret)
		return ret;
	if (cached != ss->nr_swapcache ||
	    (int64_t)cached != global_node_page_state(ms, NR_SWAPCACHE))
		return err_set(err, -EUCLEAN, NULL, 0, 0, "%llu folios cached, nr_swapcached %lld",
			       (unsigned long long)cached,
			       (long long)global_node_page_state(ms, NR_SWAPCACHE));
	return validate_counts(ms, err);
}

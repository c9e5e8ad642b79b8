/*
 * Workingset detection (Linux 6.18: mm/workingset.c, the shadow entries of the page cache).
 *
 * Each node counts its "non-resident age" (lruvec->nonresident_age): one tick per page
 * evicted or activated. Evicting a folio leaves a shadow entry that records the age at that
 * moment (and whether the folio was in the workingset, PG_workingset). When the page faults
 * back in, the refault distance is the number of ticks since: how many pages were evicted or
 * activated while it was out. A distance no larger than what the workingset could have held
 * (the active file list, plus the anon lists when there is swap; plus the inactive file list
 * for an anonymous refault) means the page would have stayed with a little more memory: it
 * is activated at once (workingset_activate_*), and restored as workingset
 * (workingset_restore_*) when it had been so before.
 *
 * Shadow entries of the page cache live in the page cache's xarray on Linux (value entries
 * replacing the folio). mmsim's xarray holds folios only, so the page cache's shadows are kept
 * in a table of their own here, one entry per page index (a large folio leaves one per page,
 * where Linux stores one multi-index entry): the same lookups give the same answers. The
 * table is host memory, not simulated memory: workingset_nodes stays 0 and the shadow-node
 * shrinker is not modelled. Swap-cache shadows are stored by the swap cache (mm/swap.h
 * delete_from_swap_cache), which hands them back to workingset_refault at swap-in.
 *
 * A shadow is a value with bit 0 set (xa_mk_value): (eviction age << 17 | memcg id (0) << 1
 * ... as pack_shadow) so that it never looks like a folio pointer.
 *
 * Invariants (workingset_validate): every stored shadow is a value entry, names an existing
 * node, and belongs to a mapping that is still alive (the table forgets a mapping when its
 * inode goes: workingset_forget_mapping); the table's count equals its live entries.
 */
#ifndef MMSIM_MM_WORKINGSET_H
#define MMSIM_MM_WORKINGSET_H
#include <stdbool.h>
#include <stdint.h>

struct mm_sys;
struct page;
struct lruvec;
struct address_space;
struct mmsim_error;

/* The page-cache shadow table of a machine (struct shadow_table lives in oom_state). */
struct shadow_slot {
	const struct address_space *mapping;	/* NULL: empty */
	uint64_t index;
	uint64_t ino;				/* the mapping's inode number, checked on lookup */
	uint64_t shadow;
};
struct shadow_table {
	struct shadow_slot *slots;		/* open addressing, linear probing */
	uint64_t cap;				/* a power of two, or 0 */
	uint64_t nr;				/* entries in use */
};

/* pages were evicted or activated on the node of lruvec (workingset_age_nonresident) */
void workingset_age_nonresident(struct lruvec *lruvec, uint64_t nr_pages);
/* A folio is being evicted: its shadow (workingset_eviction). */
void *workingset_eviction(struct mm_sys *ms, struct page *folio);
/* Would the page of shadow have stayed with the workingset's memory (workingset_test_recent)? */
bool workingset_test_recent(struct mm_sys *ms, void *shadow, bool file, bool *workingset);
/* A folio refaulted where shadow was: count, and activate it when recent (workingset_refault). */
void workingset_refault(struct mm_sys *ms, struct page *folio, void *shadow);
/* folio_mark_accessed activated a folio (workingset_activation). */
void workingset_activation(struct mm_sys *ms, struct page *folio);
static inline bool shadow_is_value(const void *shadow) { return ((uintptr_t)shadow & 1) != 0; }

/* ---- the page cache's shadow entries ---------------------------------------------------- */

/* Leave shadow at every page of [index, index + nr) of mapping (__filemap_remove_folio). */
int workingset_store_shadow(struct address_space *mapping, uint64_t index, uint64_t nr,
			    void *shadow);
/*
 * A folio covering [index, index + nr) enters the cache: the shadows there go, the one of the
 * highest index is returned (__filemap_add_folio's conflict walk), or NULL.
 */
void *workingset_take_shadow(struct address_space *mapping, uint64_t index, uint64_t nr);
/* Drop the shadows of [start, end] (clear_shadow_entries), or all of mapping. */
void workingset_clear_shadows(struct address_space *mapping, uint64_t start, uint64_t end);
void workingset_forget_mapping(struct address_space *mapping);
/* Shadow entries the page cache holds (for tests and docs). */
uint64_t workingset_nr_shadows(struct mm_sys *ms);
void shadow_table_free(struct shadow_table *t);
int workingset_validate(struct mm_sys *ms, struct mmsim_error *err);
#endif

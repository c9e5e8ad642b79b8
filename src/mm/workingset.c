/*
 * Workingset detection (Linux 6.18 mm/workingset.c: workingset_age_nonresident,
 * workingset_eviction, workingset_test_recent, workingset_refault, workingset_activation,
 * pack_shadow / unpack_shadow; the shadow half of mm/filemap.c __filemap_add_folio and
 * page_cache_delete, mm/truncate.c clear_shadow_entries). See workingset.h.
 *
 * The shadow format is the reference kernel's (CONFIG_NODES_SHIFT=10, MEM_CGROUP_ID_SHIFT 16,
 * 64-bit): EVICTION_SHIFT = 1 (xa value bit) + 1 (workingset) + 10 + 16 = 28 bits, so the
 * eviction age keeps 36 bits and bucket_order is 0 for any machine below 2^36 pages. The memcg
 * id is 0 (no memory cgroups in the model).
 *
 * Leaves out: MGLRU's shadows (lru_gen_eviction; the reference kernel has no CONFIG_LRU_GEN),
 * memcg-level ages, the shadow-node shrinker and workingset_nodes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"
#include "mm/folio.h"
#include "mm/oom.h"
#include "mm/pagemap.h"
#include "mm/vmscan.h"
#include "mm/workingset.h"
#include "util/error.h"

#define WORKINGSET_SHIFT	1
#define NODES_SHIFT		10	/* CONFIG_NODES_SHIFT of the reference kernel */
#define MEM_CGROUP_ID_SHIFT	16
#define EVICTION_SHIFT		(1 + WORKINGSET_SHIFT + NODES_SHIFT + MEM_CGROUP_ID_SHIFT)
#define EVICTION_MASK		(~0ull >> EVICTION_SHIFT)

/* ---- ages ------------------------------------------------------------------------------- */

void workingset_age_nonresident(struct lruvec *lruvec, uint64_t nr_pages)
{
	/* the node's lruvec is the root of its (absent) memcg tree: no parents to walk */
	lruvec->nonresident_age += nr_pages;
}

/* pack_shadow: xa_mk_value(((eviction << MEMCG_ID) | memcg) << NODES | nid) << 1 | workingset */
static void *pack_shadow(unsigned int nid, uint64_t eviction, bool workingset)
{
	uint64_t v = eviction & EVICTION_MASK;

	v = (v << MEM_CGROUP_ID_SHIFT) | 0;
	v = (v << NODES_SHIFT) | nid;
	v = (v << WORKINGSET_SHIFT) | (workingset ? 1 : 0);
	return (void *)(uintptr_t)((v << 1) | 1);
}

static void unpack_shadow(const void *shadow, unsigned int *nid, uint64_t *eviction,
			  bool *workingset)
{
	uint64_t v = (uint64_t)(uintptr_t)shadow >> 1;

	*workingset = v & 1;
	v >>= WORKINGSET_SHIFT;
	*nid = (unsigned int)(v & ((1u << NODES_SHIFT) - 1));
	v >>= NODES_SHIFT;
	v >>= MEM_CGROUP_ID_SHIFT;	/* memcg id: always 0 here */
	*eviction = v;
}

void *workingset_eviction(struct mm_sys *ms, struct page *folio)
{
	struct lruvec *lruvec = folio_lruvec(ms, folio);
	uint64_t eviction = lruvec->nonresident_age;	/* >> bucket_order, which is 0 */

	workingset_age_nonresident(lruvec, folio_nr_pages(folio));
	return pack_shadow(page_nid(folio), eviction, page_test(folio, PG_workingset));
}

bool workingset_test_recent(struct mm_sys *ms, void *shadow, bool file, bool *workingset)
{
	unsigned int nid;
	uint64_t eviction, refault, distance, size;

	unpack_shadow(shadow, &nid, &eviction, workingset);
	if (nid >= ms->nr_node_ids)
		return false;
	refault = node_lruvec(ms, nid)->nonresident_age;
	/*
	 * The unsigned subtraction gives the distance across an overflow of the age; an entry the
	 * age lapped reads as recent, as on Linux.
	 */
	distance = (refault - eviction) & EVICTION_MASK;
	/*
	 * The workingset that could have kept the page: the active file list, the inactive file
	 * list too for an anonymous page, and with swap space the anon lists.
	 */
	size = lruvec_page_state(ms, nid, NR_ACTIVE_FILE);
	if (!file)
		size += lruvec_page_state(ms, nid, NR_INACTIVE_FILE);
	if (can_reclaim_anon_pages(ms)) {
		size += lruvec_page_state(ms, nid, NR_ACTIVE_ANON);
		if (file)
			size += lruvec_page_state(ms, nid, NR_INACTIVE_ANON);
	}
	return distance <= size;
}

void workingset_refault(struct mm_sys *ms, struct page *folio, void *shadow)
{
	bool file = folio_is_file_lru(folio), workingset;
	uint64_t nr = folio_nr_pages(folio);
	pg_data_t *pgdat = folio_node_data(ms, folio);

	if (!shadow_is_value(shadow))
		return;
	mod_node_page_state(pgdat, file ? WORKINGSET_REFAULT_FILE : WORKINGSET_REFAULT_ANON,
			    (int64_t)nr);
	if (!workingset_test_recent(ms, shadow, file, &workingset))
		return;
	page_set(folio, PG_active);
	workingset_age_nonresident(folio_lruvec(ms, folio), nr);
	mod_node_page_state(pgdat, file ? WORKINGSET_ACTIVATE_FILE : WORKINGSET_ACTIVATE_ANON,
			    (int64_t)nr);
	/* the folio was active before its eviction */
	if (workingset) {
		page_set(folio, PG_workingset);
		lru_note_cost_refault(ms, folio);
		mod_node_page_state(pgdat, file ? WORKINGSET_RESTORE_FILE : WORKINGSET_RESTORE_ANON,
				    (int64_t)nr);
	}
}

void workingset_activation(struct mm_sys *ms, struct page *folio)
{
	workingset_age_nonresident(folio_lruvec(ms, folio), folio_nr_pages(folio));
}

/* ---- the shadow table ------------------------------------------------------------------- */

static struct shadow_table *mapping_shadows(const struct address_space *mapping)
{
	struct oom_state *st = oom_state(mapping_ms(mapping));

	return st ? &st->shadows : NULL;
}

static uint64_t slot_hash(const struct address_space *mapping, uint64_t index)
{
	uint64_t h = (uint64_t)(uintptr_t)mapping * 0x9e3779b97f4a7c15ull;

	h ^= index + 0x632be59bd9b4e019ull + (h << 6) + (h >> 2);
	h ^= h >> 31;
	h *= 0xd6e8feb86659fd93ull;
	return h ^ (h >> 32);
}

static struct shadow_slot *slot_find(struct shadow_table *t, const struct address_space *mapping,
				     uint64_t index)
{
	if (!t->cap)
		return NULL;
	for (uint64_t i = slot_hash(mapping, index) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct shadow_slot *s = &t->slots[i];

		if (!s->mapping)
			return NULL;
		if (s->mapping == mapping && s->index == index)
			return s;
	}
}

/* Remove s, shifting the probe chain that follows it back (no tombstones). */
static void slot_remove(struct shadow_table *t, struct shadow_slot *s)
{
	uint64_t mask = t->cap - 1, hole = (uint64_t)(s - t->slots);

	t->nr--;
	for (uint64_t i = (hole + 1) & mask; t->slots[i].mapping; i = (i + 1) & mask) {
		uint64_t home = slot_hash(t->slots[i].mapping, t->slots[i].index) & mask;

		/* may the entry at i move to the hole: is its home cyclically outside (hole, i]? */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			t->slots[hole] = t->slots[i];
			hole = i;
		}
	}
	t->slots[hole].mapping = NULL;
}

static int table_grow(struct shadow_table *t)
{
	uint64_t cap = t->cap ? t->cap * 2 : 1024;
	struct shadow_slot *slots = calloc(cap, sizeof(*slots)), *old = t->slots;
	uint64_t old_cap = t->cap;

	if (!slots)
		return -ENOMEM;
	t->slots = slots;
	t->cap = cap;
	for (uint64_t i = 0; i < old_cap; i++) {
		if (!old[i].mapping)
			continue;
		uint64_t j = slot_hash(old[i].mapping, old[i].index) & (cap - 1);

		while (slots[j].mapping)
			j = (j + 1) & (cap - 1);
		slots[j] = old[i];
	}
	free(old);
	return 0;
}

int workingset_store_shadow(struct address_space *mapping, uint64_t index, uint64_t nr,
			    void *shadow)
{
	struct shadow_table *t = mapping_shadows(mapping);
	uint64_t ino = mapping->host ? mapping->host->i_ino : 0;

	if (!t)
		return -ENOMEM;
	for (uint64_t i = 0; i < nr; i++) {
		struct shadow_slot *s = slot_find(t, mapping, index + i);

		if (!s) {
			/* keep the load at most 1/2 */
			if ((t->nr + 1) * 2 > t->cap && table_grow(t))
				return -ENOMEM;	/* a shadow fewer: a refault that is not detected */
			uint64_t j = slot_hash(mapping, index + i) & (t->cap - 1);

			while (t->slots[j].mapping)
				j = (j + 1) & (t->cap - 1);
			s = &t->slots[j];
			s->mapping = mapping;
			s->index = index + i;
			t->nr++;
		}
		s->ino = ino;
		s->shadow = (uint64_t)(uintptr_t)shadow;
	}
	return 0;
}

void *workingset_take_shadow(struct address_space *mapping, uint64_t index, uint64_t nr)
{
	struct mm_sys *ms = mapping_ms(mapping);
	struct shadow_table *t = ms->oom ? &ms->oom->shadows : NULL;
	uint64_t ino = mapping->host ? mapping->host->i_ino : 0;
	void *shadow = NULL;

	if (!t || !t->nr)
		return NULL;
	for (uint64_t i = 0; i < nr; i++) {
		struct shadow_slot *s = slot_find(t, mapping, index + i);

		if (!s)
			continue;
		/* an entry of another inode that had this address: not ours (see forget_mapping) */
		if (s->ino == ino)
			shadow = (void *)(uintptr_t)s->shadow;
		slot_remove(t, s);
	}
	return shadow;
}

void workingset_clear_shadows(struct address_space *mapping, uint64_t start, uint64_t end)
{
	struct mm_sys *ms = mapping_ms(mapping);
	struct shadow_table *t = ms->oom ? &ms->oom->shadows : NULL;

	if (!t || !t->nr || end < start)
		return;
	/* a range bigger than the table: scan the table instead of the range */
	if (end - start >= t->cap) {
		for (uint64_t i = 0; i < t->cap;) {
			struct shadow_slot *s = &t->slots[i];

			if (s->mapping == mapping && s->index >= start && s->index <= end)
				slot_remove(t, s);	/* slot i was refilled: look again */
			else
				i++;
		}
		return;
	}
	for (uint64_t idx = start;; idx++) {
		struct shadow_slot *s = slot_find(t, mapping, idx);

		if (s)
			slot_remove(t, s);
		if (idx == end)
			break;
	}
}

void workingset_forget_mapping(struct address_space *mapping)
{
	workingset_clear_shadows(mapping, 0, UINT64_MAX);
}

uint64_t workingset_nr_shadows(struct mm_sys *ms)
{
	return ms->oom ? ms->oom->shadows.nr : 0;
}

void shadow_table_free(struct shadow_table *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

int workingset_validate(struct mm_sys *ms, struct mmsim_error *err)
{
	struct shadow_table *t = ms->oom ? &ms->oom->shadows : NULL;
	uint64_t used = 0;

	if (!t)
		return 0;
	for (uint64_t i = 0; i < t->cap; i++) {
		const struct shadow_slot *s = &t->slots[i];
		unsigned int nid;
		uint64_t eviction;
		bool ws;

		if (!s->mapping)
			continue;
		used++;
		unpack_shadow((void *)(uintptr_t)s->shadow, &nid, &eviction, &ws);
		if (!(s->shadow & 1) || nid >= ms->nr_node_ids)
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "shadow of page %llu: 0x%llx is no shadow of this machine",
				       (unsigned long long)s->index, (unsigned long long)s->shadow);
		if (slot_find(t, s->mapping, s->index) != s)
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "shadow entry of page %llu is not reachable from its hash",
				       (unsigned long long)s->index);
	}
	if (used != t->nr)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "shadow table: %llu entries, count %llu",
			       (unsigned long long)used, (unsigned long long)t->nr);
	return 0;
}

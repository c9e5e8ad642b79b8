/*
 * A research policy as the machine's reclaim (policy_reclaim.h): the glue between the
 * engine of mm/policy/ and the kernel's mechanisms. The policy chooses; Linux's code frees:
 * reclaim_one_folio (mm/vmscan.c) unmaps the victim through rmap, writes it to swap when
 * anonymous or back to its file when dirty, and drops it with a shadow entry, exactly as
 * shrink_folio_list does for the LRU's victims.
 *
 * One admission while every frame is used (rpolicy_folio_added):
 *
 *   folio F joins the LRU (fault, readahead, swap-in)
 *     policy_machine_make_room(key(F))   -> victims V1 .. Vn (their ghosts kept as the
 *                                           policy keeps them)
 *     reclaim_one_folio(Vi)              -> freed: key_of[Vi] cleared when its frame is freed
 *                                        -> kept (pinned, no slot): policy_machine_putback,
 *                                           and the policy chooses again
 *     policy_machine_insert(key(F), pfn(F), fresh)
 *   the access that faulted completes: policy_machine_reference -> counted as the fault
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"
#include "mm/folio.h"
#include "mm/page_alloc.h"
#include "mm/pagemap.h"
#include "mm/policy/policy.h"
#include "mm/policy_reclaim.h"
#include "mm/vmscan.h"
#include "mm/vmstat.h"
#include "util/error.h"

#define KEY_ID_SHIFT	36	/* file keys: inode serial above the page index */
#define KEY_INDEX_MASK	((UINT64_C(1) << KEY_ID_SHIFT) - 1)
#define KEY_ID_MASK	((UINT64_C(1) << (62 - KEY_ID_SHIFT)) - 1)

int rpolicy_init(struct mm_sys *ms, const char *spec, uint64_t frames, uint64_t seed,
		 struct mmsim_error *err)
{
	struct rpolicy *rp = calloc(1, sizeof(*rp));
	int rc;

	if (!rp)
		return -ENOMEM;
	rp->limited = frames != 0;
	rp->frames = frames ? frames : ms->totalram_pages;
	if (rp->frames > ms->totalram_pages) {
		rc = err_set(err, -EINVAL, NULL, 0, 0, "policy_frames=%llu: the machine has only "
			     "%llu pages of RAM", (unsigned long long)frames,
			     (unsigned long long)ms->totalram_pages);
		goto out_free;
	}
	rc = policy_create_machine(spec, rp->frames, seed, &rp->p, err);
	if (rc)
		goto out_free;
	rp->nr_pfns = ms->max_pfn;
	rp->key_of = calloc(rp->nr_pfns, sizeof(*rp->key_of));
	if (!rp->key_of) {
		rc = -ENOMEM;
		goto out_destroy;
	}
	ms->rpolicy = rp;
	return 0;
out_destroy:
	policy_destroy(rp->p);
out_free:
	free(rp);
	return rc;
}

void rpolicy_exit(struct mm_sys *ms)
{
	struct rpolicy *rp = ms->rpolicy;

	if (!rp)
		return;
	for (unsigned int t = 0; t < MAX_SWAPFILES; t++)
		free(rp->slot_key[t]);
	free(rp->key_of);
	policy_destroy(rp->p);
	free(rp);
	ms->rpolicy = NULL;
}

const struct policy *rpolicy_policy(const struct mm_sys *ms)
{
	return ms->rpolicy ? ms->rpolicy->p : NULL;
}

/* ---- identities ----------------------------------------------------------------------- */

/* The page that was written to swap slot entry, or 0. */
static uint64_t slot_key_get(const struct rpolicy *rp, swp_entry_t entry)
{
	unsigned int t = swp_type(entry);
	uint64_t off = swp_offset(entry);

	return t < MAX_SWAPFILES && off < rp->slot_len[t] ? rp->slot_key[t][off] : 0;
}

/* Remember key in slot entry; false when the table could not grow (the identity is lost). */
static bool slot_key_set(struct rpolicy *rp, swp_entry_t entry, uint64_t key)
{
	unsigned int t = swp_type(entry);
	uint64_t off = swp_offset(entry);

	if (t >= MAX_SWAPFILES)
		return false;
	if (off >= rp->slot_len[t]) {
		uint64_t len = rp->slot_len[t] ? rp->slot_len[t] : 1024;
		while (len <= off)
			len *= 2;
		uint64_t *n = realloc(rp->slot_key[t], len * sizeof(*n));
		if (!n)
			return false;
		memset(n + rp->slot_len[t], 0, (len - rp->slot_len[t]) * sizeof(*n));
		rp->slot_key[t] = n;
		rp->slot_len[t] = len;
	}
	rp->slot_key[t][off] = key;
	return true;
}

/*
 * The identity of folio (policy_reclaim.h), 0 when it has none yet. An anonymous folio
 * without a slot's memory is a new page: it gets the next serial.
 */
static uint64_t folio_key(struct rpolicy *rp, const struct page *folio)
{
	if (page_test(folio, PG_swapcache)) {
		uint64_t k = slot_key_get(rp, (swp_entry_t){ folio->private });
		if (k)
			return k;
		return RPOLICY_KEY_ANON | ++rp->anon_serial;
	}
	if (folio_test_anon(folio))
		return RPOLICY_KEY_ANON | ++rp->anon_serial;
	const struct address_space *mapping = folio->mapping;

	if (mapping && mapping->host)
		return RPOLICY_KEY_FILE |
		       ((uint64_t)(mapping->host->i_serial & KEY_ID_MASK) << KEY_ID_SHIFT) |
		       (folio->index & KEY_INDEX_MASK);
	return 0;
}

/* ---- evictions ------------------------------------------------------------------------ */

/* Victims tried and freed, anonymous [0] and file [1]: reclaim's pgscan_* / pgsteal_*. */
struct victim_counts {
	uint64_t scanned[2], stolen[2];
};

/*
 * Free the victims the policy chose (p->victims): each through reclaim_one_folio, or put
 * back when it cannot go. Returns the pages freed; vc (may be NULL) counts them.
 */
static uint64_t free_victims(struct mm_sys *ms, struct rpolicy *rp, struct victim_counts *vc)
{
	struct policy_victim v[POLICY_MAX_VICTIMS];
	unsigned int n = rp->p->nr_victims;
	uint64_t freed = 0;

	memcpy(v, rp->p->victims, n * sizeof(v[0]));
	rp->p->nr_victims = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct page *folio = pfn_to_page(ms, v[i].frame);
		bool file, ok;

		if (!folio || v[i].frame >= rp->nr_pfns || rp->key_of[v[i].frame] != v[i].page) {
			rp->p->error = -EUCLEAN;	/* the policy named a frame it does not hold */
			continue;
		}
		file = folio_is_file_lru(folio);
		ok = reclaim_one_folio(ms, folio);
		if (vc) {
			vc->scanned[file]++;
			vc->stolen[file] += ok;
		}
		if (ok)
			freed++;
		else if (policy_machine_putback(rp->p, &v[i]))
			rp->p->error = -ENOMEM;
	}
	return freed;
}

void rpolicy_folio_added(struct mm_sys *ms, struct page *folio, bool fresh)
{
	struct rpolicy *rp = ms->rpolicy;
	uint64_t pfn = page_to_pfn(ms, folio), key;
	struct policy *p = rp->p;

	if (pfn >= rp->nr_pfns || rp->key_of[pfn] || !folio_evictable(folio))
		return;
	key = folio_key(rp, folio);
	if (!key)
		return;		/* a swap-cache folio without a slot: admitted when mapped */
	/*
	 * A memory-cgroup limit's reclaim (try_charge -> try_to_free_mem_cgroup_pages) is not
	 * counted in the global pgscan and pgsteal events (cgroup_reclaim in shrink_inactive_list;
	 * checked on this host: `cat` of a 128 MiB file in a v1 cgroup limited to 32 MiB left
	 * all four at 0): neither is the limit's here. Reclaim that admits pages itself (never
	 * in the model) would take them over the limit.
	 */
	if (!rp->busy) {
		rp->busy++;
		for (uint64_t tries = 0; tries <= p->nr_resident; tries++) {
			if (policy_machine_make_room(p, key) || !p->nr_victims)
				break;
			if (free_victims(ms, rp, NULL))
				break;
		}
		rp->busy--;
	}
	if (policy_machine_insert(p, key, pfn, fresh) == 0)
		rp->key_of[pfn] = key;
}

void rpolicy_folio_removed(struct mm_sys *ms, struct page *folio)
{
	struct rpolicy *rp = ms->rpolicy;
	uint64_t pfn = page_to_pfn(ms, folio), key;

	if (pfn >= rp->nr_pfns || !(key = rp->key_of[pfn]))
		return;
	rp->key_of[pfn] = 0;
	/* a victim being freed is a ghost (or forgotten) already: nothing to do */
	struct pentry *e = policy_lookup_resident(rp->p, key);
	if (e && e->frame == pfn)
		policy_remove_entry(rp->p, e);
}

void rpolicy_access(struct mm_sys *ms, uint64_t pfn, bool write)
{
	struct rpolicy *rp = ms->rpolicy;
	uint64_t key;

	if (pfn < rp->nr_pfns && (key = rp->key_of[pfn]))
		policy_machine_reference(rp->p, key, write);
}

void rpolicy_swap_out(struct mm_sys *ms, struct page *folio, swp_entry_t entry)
{
	struct rpolicy *rp = ms->rpolicy;
	uint64_t pfn = page_to_pfn(ms, folio), key;

	if (pfn < rp->nr_pfns && (key = rp->key_of[pfn]) && (key & RPOLICY_KEY_ANON))
		slot_key_set(rp, entry, key);
}

void rpolicy_swap_slot_free(struct mm_sys *ms, unsigned int type, uint64_t offset)
{
	struct rpolicy *rp = ms->rpolicy;

	if (type < MAX_SWAPFILES && offset < rp->slot_len[type])
		rp->slot_key[type][offset] = 0;
}

uint64_t rpolicy_shrink(struct mm_sys *ms, uint64_t nr_to_reclaim, uint64_t *nr_scanned)
{
	struct rpolicy *rp = ms->rpolicy;
	struct victim_counts vc = { { 0, 0 }, { 0, 0 } };
	uint64_t freed = 0, tries = rp->p->nr_resident;
	bool kswapd = current_is_kswapd(ms);

	*nr_scanned = 0;
	if (rp->busy)
		return 0;
	rp->busy++;
	while (freed < nr_to_reclaim && tries--) {
		if (policy_machine_choose(rp->p))
			break;
		freed += free_victims(ms, rp, &vc);
	}
	rp->busy--;
	*nr_scanned = vc.scanned[0] + vc.scanned[1];
	count_vm_events(ms, kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT, *nr_scanned);
	count_vm_events(ms, kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT, freed);
	count_vm_events(ms, PGSCAN_ANON, vc.scanned[0]);
	count_vm_events(ms, PGSCAN_FILE, vc.scanned[1]);
	count_vm_events(ms, PGSTEAL_ANON, vc.stolen[0]);
	count_vm_events(ms, PGSTEAL_FILE, vc.stolen[1]);
	return freed;
}

/* ---- checking ------------------------------------------------------------------------- */

int rpolicy_validate(struct mm_sys *ms, struct mmsim_error *err)
{
	struct rpolicy *rp = ms->rpolicy;
	uint64_t held = 0;
	int rc;

	if (!rp)
		return 0;
	rc = policy_validate(rp->p, err);
	if (rc)
		return rc;
	for (uint64_t pfn = 0; pfn < rp->nr_pfns; pfn++) {
		uint64_t key = rp->key_of[pfn];
		if (!key)
			continue;
		struct pentry *e = policy_lookup_resident(rp->p, key);
		struct page *folio = pfn_to_page(ms, pfn);

		if (!e || e->frame != pfn)
			return err_set(err, -EUCLEAN, NULL, 0, 0, "reclaim policy: pfn 0x%llx holds "
				       "page 0x%llx, which the policy does not have there",
				       (unsigned long long)pfn, (unsigned long long)key);
		if (!folio || folio->refcount <= 0 || PageTail(folio))
			return err_set(err, -EUCLEAN, NULL, 0, 0, "reclaim policy: pfn 0x%llx is "
				       "not an allocated folio", (unsigned long long)pfn);
		held++;
	}
	if (held != rp->p->nr_resident)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "reclaim policy: %llu frames hold pages "
			       "but %llu are resident", (unsigned long long)held,
			       (unsigned long long)rp->p->nr_resident);
	return 0;
}

/*
 * The page-fault handler, first slice: private anonymous memory (Linux 6.18 mm/memory.c:
 * handle_mm_fault, handle_pte_fault, do_anonymous_page, do_wp_page, wp_page_reuse,
 * wp_page_copy, copy_page_range / copy_present_pte, zap_pte_range; mm/mprotect.c
 * change_pte_range / can_change_private_pte_writable; include/linux/mm.h mm_account_fault,
 * update_hiwater_rss; arch/x86/mm/tlb.c flush_tlb_mm_range).
 *
 * Leaves out (later slices of issue 5): file-backed and shared mappings (VM_FAULT_MMSIM_NOSYS),
 * THP, rmap (anon_vma), the LRU lists, NUMA policy, userfaultfd, soft-dirty, KSM.
 *
 *   not present, read    --> do_anonymous_page: zero page, read-only         (no RSS)
 *   not present, write   --> do_anonymous_page: new zeroed frame, writable   (anon + 1)
 *   present RO,  write   --> do_wp_page: zero page  -> new zeroed frame      (anon + 1)
 *                                        exclusive  -> wp_page_reuse (make writable)
 *                                        shared     -> wp_page_copy (4 KiB copied)
 *
 * A page of anonymous memory: PG_anon, mapcount = mappings - 1, refcount = mappings (no
 * other references in this slice), PG_anon_exclusive while only one mm can reach it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hw/mmu.h"
#include "kernel/sched.h"
#include "fs/fs.h"
#include "mm/folio.h"
#include "mm/huge_memory.h"
#include "mm/memblock.h"
#include "mm/memory.h"
#include "mm/page_alloc.h"
#include "mm/pagemap.h"
#include "mm/rmap.h"
#include "mm/vma.h"
#include "mm/vmscan.h"
#include "mm/oom.h"
#include "mm/vmstat.h"
#include "util/error.h"

/* ---- the zero page ------------------------------------------------------------------------ */

/*
 * empty_zero_page lives in the kernel image's bss on x86 (arch/x86/kernel/head_64.S) and
 * arm64 (arch/arm64/mm/mmu.c): the first page of the "kernel bss" memblock region that boot
 * reserved. It is PG_reserved, outside the buddy allocator, never written (RAM reads as zero
 * until written) and never freed.
 */
/* Find it in memblock (once: zero_page_init caches it in ms->zero_pfn). */
static uint64_t find_zero_pfn(const struct mm_sys *ms)
{
	const struct memblock_type *r = &ms->memblock.reserved;

	for (unsigned int i = 0; i < r->cnt; i++)
		if (r->regions[i].owner && !strcmp(r->regions[i].owner, "kernel bss") &&
		    r->regions[i].size >= ms->page_size)
			return (r->regions[i].base + ms->page_size - 1) >> ms->page_shift;
	return 0;
}

uint64_t zero_pfn(const struct mm_sys *ms)
{
	return ms->zero_pfn ? ms->zero_pfn : find_zero_pfn(ms);
}

int zero_page_init(struct mm_sys *ms)
{
	uint64_t pfn = find_zero_pfn(ms);
	struct page *p = pfn ? pfn_to_page(ms, pfn) : NULL;

	if (!p || !page_test(p, PG_reserved))
		return -ENOMEM;
	ms->zero_pfn = pfn;
	return 0;
}

bool is_zero_pfn(const struct mm_sys *ms, uint64_t pfn)
{
	return pfn == zero_pfn(ms);
}

/* ---- TLB ---------------------------------------------------------------------------------- */

uint16_t mm_asid(const struct mm_struct *mm)
{
	const struct mmu *cpu0 = mm->ms->mmus;
	unsigned int bits = cpu0 ? cpu0->ctl.asid_bits : 0;

	/* x86 without CR4.PCIDE: CR3 carries no PCID */
	if (cpu0 && mm->pgd.fmt->arch != ARCH_ARM64 && !cpu0->ctl.pcide)
		return 0;
	if (!bits)
		return 0;
	/*
	 * stable for the mm's life: the low bits of its root table's frame number (a mask, not a
	 * division: this runs on every access); 0 stays the kernel's, so it becomes the top value
	 */
	uint16_t mask = (uint16_t)((1u << bits) - 1);
	uint16_t asid = (uint16_t)(mm->pgd.root[0] >> 12) & mask;
	return asid ? asid : mask;
}

/*
 * Flush [start, end) of mm on every CPU whose user root register holds mm's tables (Linux:
 * the CPUs in mm_cpumask). A CPU that runs another mm holds no entry of mm's ASID that the
 * CPU loop would use: kernel/access.c flushes the ASID whenever it switches to an mm.
 */
void flush_tlb_mm_range(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	struct mm_sys *ms = mm->ms;
	uint16_t asid = mm_asid(mm);
	uint64_t ps = ms->page_size;

	if (!ms->mmus || !mm->pgd.root[0])
		return;
	for (unsigned int c = 0; c < ms->nr_cpus; c++) {
		struct mmu *mmu = &ms->mmus[c];

		if (mmu_root_table(mmu, 0) != mm->pgd.root[0])
			continue;
		/* tlb_single_page_flush_ceiling: 33 pages, above that the whole ASID */
		if ((end - start) / ps > 33) {
			mmu_flush_asid(mmu, asid);
			continue;
		}
		for (uint64_t va = start; va < end; va += ps)
			mmu_flush_page(mmu, va);
	}
}

void flush_tlb_page(struct mm_struct *mm, uint64_t va)
{
	flush_tlb_mm_range(mm, va, va + mm->ms->page_size);
}

/* ---- PTE helpers -------------------------------------------------------------------------- */

static int cpu_of(const struct mm_struct *mm)
{
	return mm->pgd.cpu;
}

static bool is_arm64(const struct mm_struct *mm)
{
	return mm->pgd.fmt->arch == ARCH_ARM64;
}

/* pte_mkwrite(pte_mkdirty()): writable and dirty (arm64: DBM with AP[2] clear) */
uint32_t prot_mkwrite(const struct mm_struct *mm, uint32_t prot)
{
	prot |= PTE_WRITE | PTE_DIRTY;
	if (is_arm64(mm))
		prot |= PTE_DBM;
	return prot;
}

/*
 * pte_wrprotect: clear write. arm64 clears DBM too (else the hardware would make the page
 * writable on a store), and with it the hardware-dirty state PTE_DIRTY stands for; Linux
 * moves that into the software dirty bit 55, which pgtable_protect keeps for entries it
 * rewrites, but a new entry written by pgtable_map (the child's in fork) starts clean here.
 */
uint32_t prot_wrprotect(const struct mm_struct *mm, uint32_t prot)
{
	prot &= ~PTE_WRITE;
	if (is_arm64(mm))
		prot &= ~(PTE_DBM | PTE_DIRTY);
	return prot;
}

/* Rewrite the present leaf at entry_pa (level) to map pa with prot (set_pte_at). */
int set_pte(struct mm_struct *mm, uint64_t entry_pa, int level, uint64_t pa, uint32_t prot)
{
	return set_pte_soft(mm, entry_pa, level, pa, prot, 0);
}

int set_pte_soft(struct mm_struct *mm, uint64_t entry_pa, int level, uint64_t pa, uint32_t prot,
		 uint64_t soft)
{
	const struct pt_format *f = mm->pgd.fmt;
	struct pte_desc d = { .kind = PTE_KIND_LEAF, .prot = prot, .pa = pa, .soft = soft };
	uint64_t raw;
	int err;

	if (is_arm64(mm))
		d.shareability = 3;
	err = f->ops->encode(f, (unsigned int)level, &d, &raw);
	if (err)
		return err;
	pgtable_write_entry(&mm->pgd, entry_pa, raw);
	return 0;
}

static uint64_t get_mm_rss(const struct mm_struct *mm)
{
	return (uint64_t)(mm->rss_stat[MM_FILEPAGES] + mm->rss_stat[MM_ANONPAGES] +
			  mm->rss_stat[MM_SHMEMPAGES]);
}

void update_hiwater_rss(struct mm_struct *mm)
{
	uint64_t rss = get_mm_rss(mm);

	if (mm->hiwater_rss < rss)
		mm->hiwater_rss = rss;
}

/* ---- pages and folios --------------------------------------------------------------------- */

/* The page a leaf maps, or NULL for the zero pages (vm_normal_page: special PFNs). */
static struct page *vm_normal_page(struct mm_sys *ms, uint64_t pfn)
{
	if (is_zero_pfn(ms, pfn) || (ms->huge_zero_pfn && pfn == ms->huge_zero_pfn))
		return NULL;
	return pfn_to_page(ms, pfn);
}

/* mm_counter (include/linux/mm.h): which RSS counter a folio's mappings count in. */
static int mm_counter(const struct page *folio)
{
	return folio_test_anon(folio) ? MM_ANONPAGES : mm_counter_file(folio);
}

/*
 * A new order-0 anonymous folio (folio_prealloc / vma_alloc_zeroed_movable_folio). Folio
 * allocations carry __GFP_COMP even at order 0 (folio_alloc_mpol), as the OOM report's
 * gfp_mask shows: 0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO).
 */
static struct page *alloc_anon_folio(struct mm_struct *mm, bool zero)
{
	int err = 0;

	return alloc_pages(mm->ms, cpu_of(mm), MMSIM_GFP_HIGHUSER_MOVABLE | MMSIM_GFP_COMP |
			   (zero ? MMSIM_GFP_ZERO : 0), 0, &err);
}

/* Remove one PTE mapping of page (zap_present_folio_ptes for one page). */
static void zap_present_page(struct vm_area_struct *vma, struct page *page, uint32_t prot)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *folio = page_folio(page);

	/* the hardware dirty bit of a file page moves to the folio before the PTE goes */
	if (!folio_test_anon(folio) && (prot & PTE_DIRTY))
		folio_mark_dirty(folio);
	folio_remove_rmap_ptes(folio, page, 1, vma);
	add_mm_counter(mm, mm_counter(folio), -1);
	/* free_pages_and_swap_cache: the last mapping's slot goes with it */
	if (folio_test_anon(folio))
		free_swap_cache(mm->ms, folio);
	folio_put(mm->ms, cpu_of(mm), folio);
}

/* ---- mapping pages ------------------------------------------------------------------------ */

bool pte_none_at(struct mm_struct *mm, uint64_t addr)
{
	struct pte_desc d;
	uint64_t entry_pa;
	int level;

	if (pgtable_lookup(&mm->pgd, addr, &d, &level, &entry_pa))
		return false;
	/* a missing table, or an entry that is zero (not a software value such as swap) */
	return d.kind != PTE_KIND_LEAF && pgtable_read_entry(&mm->pgd, entry_pa) == 0;
}

int set_pte_range(struct vm_fault *vmf, struct page *folio, struct page *page, unsigned int nr,
		  uint64_t addr, bool prefault)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	uint32_t prot = (uint32_t)vma->vm_page_prot;
	int err;

	/* arch_wants_old_prefaulted_pte: arm64 with hardware AF maps fault-around pages old */
	if (prefault && is_arm64(mm))
		prot &= ~PTE_ACCESSED;
	if (write)
		prot = (vma->vm_flags & VM_WRITE) ? prot_mkwrite(mm, prot) : prot | PTE_DIRTY;
	err = pgtable_map(&mm->pgd, addr, page_to_pfn(ms, page) << ms->page_shift,
			  (uint64_t)nr << ms->page_shift, ms->page_shift, prot, 0);
	if (err)
		return err;
	if (write && !(vma->vm_flags & VM_SHARED)) {
		folio_add_new_anon_rmap(folio, vma, addr, RMAP_EXCLUSIVE);
		folio_add_lru_vma(folio, vma);
	} else {
		folio_add_file_rmap_ptes(folio, page, nr, vma);
	}
	return 0;
}

/* Every PTE_* bit arch/pgtable.h defines: pgtable_map refuses a prot with any other. */
#define PTE_KNOWN_BITS (PTE_WRITE | PTE_USER | PTE_NX | PTE_GLOBAL | PTE_ACCESSED | PTE_DIRTY | \
			PTE_DBM | PTE_CONT)

/*
 * Map one base page at vmf->address to pa with prot, with the effect of pgtable_map on that
 * page (the same entry, the same count of entries in its table, the same errors), written
 * straight into the empty PTE slot when the PTE table is there: set_pte_at on the pte that
 * pte_offset_map_lock found (Linux do_anonymous_page), instead of pgtable_map's checking
 * walk and filling walk from the root. Without a PTE table (the first fault under a PMD),
 * or when the slot is not empty, pgtable_map does it (or fails as it always did).
 *
 * recheck: something that may have changed the tables ran since handle_pte_fault's lookup
 * filled vmf->level and vmf->entry_pa, so the slot is looked up again, as Linux re-takes the
 * PTE lock and checks vmf_pte_changed after allocating. The slot's entry is read again
 * either way.
 */
static int map_one_pte(struct vm_fault *vmf, uint64_t pa, uint32_t prot, bool recheck)
{
	struct mm_struct *mm = vmf->vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	const struct pt_format *f = mm->pgd.fmt;
	struct pte_desc d;
	uint64_t epa = vmf->entry_pa, raw;
	int level = vmf->level;

	if (recheck && pgtable_lookup(&mm->pgd, vmf->address, &d, &level, &epa))
		goto slow;
	if (level != (int)f->nr_levels - 1 || f->level[level].shift != ms->page_shift ||
	    (prot & ~PTE_KNOWN_BITS) || pgtable_read_entry(&mm->pgd, epa))
		goto slow;
	/* pgtable_map's leaf: arm64 inner shareable (PTE_MAYBE_SHARED), memory type 0 */
	d = (struct pte_desc){ .kind = PTE_KIND_LEAF, .prot = prot, .pa = pa,
			       .shareability = is_arm64(mm) ? 3 : 0 };
	if (f->ops->encode(f, (unsigned int)level, &d, &raw))
		goto slow;	/* pgtable_map says why (-EINVAL) */
	pgtable_write_entry(&mm->pgd, epa, raw);
	return 0;
slow:
	return pgtable_map(&mm->pgd, vmf->address, pa, ms->page_size, ms->page_shift, prot, 0);
}

/*
 * finish_fault: map the page ->fault found (or do_cow_fault's copy) at vmf->address. The
 * reference ->fault took becomes the mapping's. VM_FAULT_NOPAGE when a PTE is there already.
 */
static vm_fault_t finish_fault(struct vm_fault *vmf)
{
	struct mm_struct *mm = vmf->vma->vm_mm;
	struct page *page = vmf->cow_page ? vmf->cow_page : vmf->page;
	struct page *folio = page_folio(page);
	int err;

	if (!pte_none_at(mm, vmf->address))
		return VM_FAULT_NOPAGE;
	err = set_pte_range(vmf, folio, page, 1, vmf->address, false);
	if (err)
		return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	add_mm_counter(mm, vmf->cow_page ? MM_ANONPAGES : mm_counter_file(folio), 1);
	return 0;
}

/* ---- anonymous faults ----------------------------------------------------------------------- */

/* do_anonymous_page: a missing PTE in a private anonymous VMA. */
static vm_fault_t do_anonymous_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	uint64_t addr = vmf->address;
	uint32_t prot = (uint32_t)vma->vm_page_prot;
	struct page *p;
	int err;

	if (!(vmf->flags & FAULT_FLAG_WRITE)) {
		/* the zero page, pte_mkspecial, read-only whatever vm_page_prot says */
		err = map_one_pte(vmf, zero_pfn(ms) << ms->page_shift, prot_wrprotect(mm, prot),
				  false);
		return err == -ENOMEM ? VM_FAULT_OOM : err ? VM_FAULT_SIGBUS : 0;
	}
	/*
	 * The allocations below may reclaim, run kswapd or kill a task, and reclaim frees a
	 * page table it empties (pgtable_unmap). A table leaves its place in the tree only by
	 * being freed, and every freed page counts in PGFREE: while PGFREE stands still, the
	 * table holding vmf->entry_pa is where the lookup found it, and the walk need not be
	 * done again (map_one_pte's recheck).
	 */
	uint64_t nr_freed = ms->vm_events[PGFREE];

	/* vmf_anon_prepare: the VMA needs its anon_vma before its first anonymous page */
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	p = alloc_anon_folio(mm, true);
	if (!p)
		return VM_FAULT_OOM;
	page_set(p, PG_uptodate);	/* __folio_mark_uptodate: zeroed, its contents are valid */
	if (vma->vm_flags & VM_WRITE)
		prot = prot_mkwrite(mm, prot);
	err = map_one_pte(vmf, page_to_pfn(ms, p) << ms->page_shift, prot,
			  ms->vm_events[PGFREE] != nr_freed);
	if (err) {
		folio_put(ms, cpu_of(mm), p);
		return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	}
	folio_add_new_anon_rmap(p, vma, addr, RMAP_EXCLUSIVE);
	folio_add_lru_vma(p, vma);
	add_mm_counter(mm, MM_ANONPAGES, 1);
	return 0;
}

/* wp_page_reuse: the page may be written in place; make the PTE writable and dirty. */
static vm_fault_t wp_page_reuse(struct vm_fault *vmf)
{
	struct mm_struct *mm = vmf->vma->vm_mm;

	if (set_pte(mm, vmf->entry_pa, vmf->level, vmf->orig.pa,
		    prot_mkwrite(mm, vmf->orig.prot | PTE_ACCESSED)))
		return VM_FAULT_SIGBUS;
	/* a TLB entry may still say read-only: Linux relies on the spurious-fault path;
	   the model flushes so the retry walks */
	flush_tlb_page(mm, vmf->address);
	count_vm_events(mm->ms, PGREUSE, 1);
	return 0;
}

/*
 * wp_page_copy: a new anonymous page (zeroed for the zero page, else a copy of old, which
 * may be an anonymous or a file page) replaces the old mapping.
 */
static vm_fault_t wp_page_copy(struct vm_fault *vmf, struct page *old)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	struct page *p;
	uint32_t prot;

	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	p = alloc_anon_folio(mm, !old);
	if (!p)
		return VM_FAULT_OOM;
	if (old)
		memcpy(page_address(ms, p), page_address(ms, old), ms->page_size);
	page_set(p, PG_uptodate);	/* wp_page_copy's __folio_mark_uptodate */
	prot = prot_mkwrite(mm, (uint32_t)vma->vm_page_prot);
	/* ptep_clear_flush, then set_pte_at */
	if (set_pte(mm, vmf->entry_pa, vmf->level, page_to_pfn(ms, p) << ms->page_shift, prot)) {
		folio_put(ms, cpu_of(mm), p);
		return VM_FAULT_SIGBUS;
	}
	flush_tlb_page(mm, vmf->address);
	folio_add_new_anon_rmap(p, vma, vmf->address, RMAP_EXCLUSIVE);
	folio_add_lru_vma(p, vma);
	if (!old) {
		add_mm_counter(mm, MM_ANONPAGES, 1);	/* the zero page was not counted */
		return 0;
	}
	struct page *of = page_folio(old);

	if (!folio_test_anon(of)) {
		add_mm_counter(mm, mm_counter_file(of), -1);
		add_mm_counter(mm, MM_ANONPAGES, 1);
	}
	folio_remove_rmap_ptes(of, old, 1, vma);
	if (folio_test_anon(of))
		free_swap_cache(ms, of);	/* the copy made the old folio's slot useless */
	folio_put(ms, cpu_of(mm), of);
	return 0;
}

/* wp_page_shared: a write to a shared file page mapped read-only for dirty tracking. */
static vm_fault_t wp_page_shared(struct vm_fault *vmf, struct page *folio)
{
	vm_fault_t ret = wp_page_reuse(vmf);

	/* do_page_mkwrite / fault_dirty_shared_page: dirty from now; throttle the dirtier */
	if (!ret)
		balance_dirty_pages_ratelimited(folio->mapping, vmf->task,
						folio_mark_dirty(folio) ? folio_nr_pages(folio) : 0);
	return ret;
}

/*
 * wp_can_reuse_anon_folio: a small folio nobody else maps or holds (every mapping holds one
 * reference); the swap cache's reference goes first when no other PTE holds the slot.
 */
static bool wp_can_reuse_anon_folio(struct mm_sys *ms, struct page *folio)
{
	if (folio_test_large(folio) || folio->mapcount != 0 ||
	    folio_ref_count(folio) > 1 + page_test(folio, PG_swapcache))
		return false;
	if (page_test(folio, PG_swapcache))
		folio_free_swap(ms, folio);
	return folio_ref_count(folio) == 1;
}

/* do_wp_page: a store to a present read-only PTE of a VMA that may be written. */
static vm_fault_t do_wp_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_sys *ms = vma->vm_mm->ms;
	uint64_t pfn = vmf->orig.pa >> ms->page_shift;
	struct page *page = vm_normal_page(ms, pfn), *folio;

	if (!page) {
		if (!is_zero_pfn(ms, pfn))
			return VM_FAULT_MMSIM_NOSYS;	/* a raw PFN mapping */
		return wp_page_copy(vmf, NULL);
	}
	folio = page_folio(page);
	/*
	 * PageAnonExclusive, or wp_can_reuse_anon_folio: a small folio nobody else maps or
	 * holds (every mapping holds one reference)
	 */
	if (folio_test_anon(folio) && (page_test(page, PG_anon_exclusive) ||
				       wp_can_reuse_anon_folio(vma->vm_mm->ms, folio))) {
		page_set(page, PG_anon_exclusive);
		return wp_page_reuse(vmf);
	}
	if ((vma->vm_flags & (VM_SHARED | VM_WRITE)) == (VM_SHARED | VM_WRITE))
		return wp_page_shared(vmf, folio);
	/* held across the copy's allocation, where reclaim may run (mm/vmscan.h) */
	vm_fault_t ret;

	folio_get(folio);
	ret = wp_page_copy(vmf, page);
	folio_put(ms, cpu_of(vma->vm_mm), folio);
	return ret;
}

/* ---- file and shmem faults ------------------------------------------------------------------ */

/* __do_fault: the VMA's ->fault (shmem_fault or filemap_fault). */
static vm_fault_t __do_fault(struct vm_fault *vmf)
{
	struct file *f = vmf->vma->vm_file;

	return file_is_shmem(f) ? shmem_fault(vmf) : filemap_fault(vmf);
}

/* PTRS_PER_PTE of mm's format */
static uint64_t ptrs_per_pte(const struct mm_struct *mm)
{
	const struct pt_format *f = mm->pgd.fmt;

	return 1ull << f->level[f->nr_levels - 1].bits;
}

/*
 * do_fault_around: map the cached pages of the fault_around_bytes-aligned window around
 * the fault, clipped to the VMA and to the page table the fault's PTE is in:
 *
 *      |<------------- one PTE table (PTRS_PER_PTE pages) ------------->|
 *      |      |<-- fault_around_bytes -->|                              |
 *      |      from_pte   x (fault)       to_pte                         |
 */
static vm_fault_t do_fault_around(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	unsigned int shift = mm->ms->page_shift;
	uint64_t nr_pages = mm->ms->fault_around_bytes >> shift;
	uint64_t ptrs = ptrs_per_pte(mm);
	uint64_t pte_off = (vmf->address >> shift) & (ptrs - 1);
	uint64_t vma_off = vmf->pgoff - vma->vm_pgoff;
	uint64_t vma_pages = (vma->vm_end - vma->vm_start) >> shift;
	uint64_t from_pte, to_pte, lo;

	from_pte = pte_off & ~(nr_pages - 1);
	lo = pte_off - (pte_off < vma_off ? pte_off : vma_off);
	if (lo > from_pte)
		from_pte = lo;
	to_pte = from_pte + nr_pages;
	if (to_pte > ptrs)
		to_pte = ptrs;
	if (to_pte > pte_off + vma_pages - vma_off)
		to_pte = pte_off + vma_pages - vma_off;
	return filemap_map_pages(vmf, vmf->pgoff + from_pte - pte_off,
				 vmf->pgoff + to_pte - 1 - pte_off);
}

/* do_read_fault: fault-around first; if the page was not cached, ->fault reads it. */
static vm_fault_t do_read_fault(struct vm_fault *vmf)
{
	struct mm_struct *mm = vmf->vma->vm_mm;
	vm_fault_t ret;

	/* should_fault_around: more than one page of window */
	if ((mm->ms->fault_around_bytes >> mm->ms->page_shift) > 1) {
		ret = do_fault_around(vmf);
		if (ret)
			return ret;
	}
	ret = __do_fault(vmf);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY))
		return ret;
	ret |= finish_fault(vmf);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY))
		folio_put(mm->ms, cpu_of(mm), page_folio(vmf->page));
	return ret;
}

/* do_cow_fault: a write to a private file mapping's missing page: copy it into a new
   anonymous page. */
static vm_fault_t do_cow_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	vm_fault_t ret;

	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	vmf->cow_page = alloc_anon_folio(mm, false);
	if (!vmf->cow_page)
		return VM_FAULT_OOM;
	ret = __do_fault(vmf);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY))
		goto out_free_cow;
	memcpy(page_address(ms, vmf->cow_page), page_address(ms, vmf->page), ms->page_size);
	page_set(vmf->cow_page, PG_uptodate);	/* do_cow_fault's __folio_mark_uptodate */
	ret |= finish_fault(vmf);
	/* the file page's reference from ->fault is not a mapping's */
	folio_put(ms, cpu_of(mm), page_folio(vmf->page));
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY))
		goto out_free_cow;
	return ret;

out_free_cow:
	folio_put(ms, cpu_of(mm), vmf->cow_page);
	vmf->cow_page = NULL;
	return ret;
}

/* do_shared_fault: a write to a shared mapping's missing page dirties the cache page. */
static vm_fault_t do_shared_fault(struct vm_fault *vmf)
{
	struct mm_struct *mm = vmf->vma->vm_mm;
	struct page *folio;
	vm_fault_t ret;

	ret = __do_fault(vmf);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY))
		return ret;
	folio = page_folio(vmf->page);
	ret |= finish_fault(vmf);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) {
		folio_put(mm->ms, cpu_of(mm), folio);
		return ret;
	}
	/* do_page_mkwrite + fault_dirty_shared_page: dirty from now; throttle the dirtier */
	balance_dirty_pages_ratelimited(folio->mapping, vmf->task,
					folio_mark_dirty(folio) ? folio_nr_pages(folio) : 0);
	return ret;
}

/* do_fault: the missing PTE of a file or shmem VMA. */
static vm_fault_t do_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;

	/* vmf->pgoff: handle_mm_fault set it */
	if (!(vmf->flags & FAULT_FLAG_WRITE))
		return do_read_fault(vmf);
	if (!(vma->vm_flags & VM_SHARED))
		return do_cow_fault(vmf);
	return do_shared_fault(vmf);
}

/*
 * __handle_mm_fault's PMD level, with the entry lookup found in vmf->orig at vmf->level (above
 * the PTEs): an empty PMD where THP may be used gets a huge page (create_huge_pmd); a huge PMD
 * is written (wp_huge_pmd) or touched (huge_pmd_set_accessed). VM_FAULT_FALLBACK: the PTEs.
 */
static vm_fault_t handle_huge_pmd_fault(struct vm_fault *vmf)
{
	int pl = huge_pmd_level(vmf->vma->vm_mm);

	if (pl < 0)
		return VM_FAULT_FALLBACK;
	if (vmf->orig.kind != PTE_KIND_LEAF) {
		if (vmf->level > pl || !thp_vma_allowable(vmf->vma, vmf->address))
			return VM_FAULT_FALLBACK;
		return do_huge_pmd_anonymous_page(vmf);
	}
	if (vmf->level != pl)
		return VM_FAULT_FALLBACK;
	if ((vmf->flags & FAULT_FLAG_WRITE) && !(vmf->orig.prot & PTE_WRITE))
		return do_huge_pmd_wp_page(vmf);
	return huge_pmd_set_accessed(vmf);
}

/*
 * do_swap_page (swap_state.c) and its tail: a write it mapped read-only (a shared swap
 * entry) goes on to do_wp_page with the new PTE, as do_swap_page calls it.
 */
static vm_fault_t handle_swap_fault(struct vm_fault *vmf)
{
	struct mm_struct *mm = vmf->vma->vm_mm;
	vm_fault_t ret = do_swap_page(vmf);

	if ((ret & VM_FAULT_ERROR) || !(vmf->flags & FAULT_FLAG_WRITE))
		return ret;
	if (pgtable_lookup(&mm->pgd, vmf->address, &vmf->orig, &vmf->level, &vmf->entry_pa) ||
	    vmf->orig.kind != PTE_KIND_LEAF)
		return ret | VM_FAULT_SIGBUS;
	return ret | do_wp_page(vmf);
}

/* handle_pte_fault: what the PTE (or its absence) says decides the path. */
static vm_fault_t handle_pte_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;

	if (pgtable_lookup(&mm->pgd, vmf->address, &vmf->orig, &vmf->level, &vmf->entry_pa))
		return VM_FAULT_SIGBUS;
	if (vmf->level < mm->pgd.fmt->nr_levels - 1) {
		/* no PTE table: the PMD level decides first (THP, mm/huge_memory.c) */
		vm_fault_t ret = handle_huge_pmd_fault(vmf);

		if (!(ret & VM_FAULT_FALLBACK))
			return ret;
		/* a huge PMD was split: the PTEs now decide */
		if (vmf->orig.kind == PTE_KIND_LEAF &&
		    pgtable_lookup(&mm->pgd, vmf->address, &vmf->orig, &vmf->level, &vmf->entry_pa))
			return VM_FAULT_SIGBUS;
	}
	if (vmf->orig.kind != PTE_KIND_LEAF) {
		/* !pte_none: a swap entry (do_swap_page, then do_wp_page for a write it could
		   not map writable) */
		if (vmf->level == mm->pgd.fmt->nr_levels - 1 &&
		    pgtable_read_entry(&mm->pgd, vmf->entry_pa))
			return handle_swap_fault(vmf);
		if (!vma->vm_file)
			return do_anonymous_page(vmf);
		return do_fault(vmf);
	}
	if (vmf->level != mm->pgd.fmt->nr_levels - 1)
		return VM_FAULT_MMSIM_NOSYS;	/* a PUD leaf: not modelled */
	if ((vmf->flags & FAULT_FLAG_WRITE) && !(vmf->orig.prot & PTE_WRITE))
		return do_wp_page(vmf);
	/*
	 * The entry allows the access: an arm64 access-flag fault (AF = 0 without hardware AF
	 * management) or a stale TLB entry. Linux: pte_mkyoung (+ pte_mkdirty on a write) and
	 * ptep_set_access_flags, then flush what the TLB held.
	 */
	if (!(vmf->orig.prot & PTE_ACCESSED) &&
	    set_pte(mm, vmf->entry_pa, vmf->level, vmf->orig.pa, vmf->orig.prot | PTE_ACCESSED))
		return VM_FAULT_SIGBUS;
	flush_tlb_page(mm, vmf->address);
	return 0;
}

/* mm_account_fault (mm/memory.c): pgfault always, the task's counts when it succeeded. */
static void mm_account_fault(struct mm_struct *mm, struct task_struct *t, unsigned int flags,
			     vm_fault_t ret)
{
	if (ret & VM_FAULT_RETRY)
		return;
	count_vm_events(mm->ms, PGFAULT, 1);
	if (ret & VM_FAULT_ERROR)
		return;
	if (!t)
		return;
	/* PGMAJFAULT itself is counted where the I/O happens (filemap_fault, swap-in) */
	if ((ret & VM_FAULT_MAJOR) || (flags & FAULT_FLAG_TRIED)) {
		t->maj_flt++;
	} else {
		t->min_flt++;
	}
}

vm_fault_t handle_mm_fault(struct vm_area_struct *vma, uint64_t address, unsigned int flags,
			   struct task_struct *t)
{
	struct mm_struct *mm = vma->vm_mm;
	struct vm_fault vmf = {
		.vma = vma,
		.real_address = address,
		.address = address & ~(mm->ms->page_size - 1),
		.flags = flags,
		.task = t,
	};
	vm_fault_t ret;
	/* the running task, for the OOM killer; a victim chosen earlier may exit now */
	struct task_struct *prev = oom_set_current(mm->ms, t);

	oom_reap_pending(mm->ms);
	vmf.pgoff = linear_page_index(vma, vmf.address);	/* file offset or linear index */
	/* arch_vma_access_permitted / sanitize_fault_flags: the VMA must allow the access */
	if ((flags & FAULT_FLAG_WRITE) && !(vma->vm_flags & VM_WRITE))
		ret = VM_FAULT_SIGSEGV;
	else if ((vma->vm_flags & (VM_PFNMAP | VM_MIXEDMAP | VM_HUGETLB)) || vma->vm_ops)
		ret = VM_FAULT_MMSIM_NOSYS;	/* special mappings, hugetlbfs: not modelled */
	else
		ret = handle_pte_fault(&vmf);
	mm_account_fault(mm, t, flags, ret);
	oom_set_current(mm->ms, prev);
	return ret;
}

/* ---- walking the PTEs --------------------------------------------------------------------- */

struct walk_ctx {
	struct mm_struct *mm;
	mm_pte_fn fn;
	void *arg;
};

static int walk_one(const struct pgtable_visit *v, void *arg)
{
	struct walk_ctx *w = arg;
	struct mm_sys *ms = w->mm->ms;
	uint64_t pfn;
	struct page *page;

	if (v->desc.kind != PTE_KIND_LEAF)
		return 0;
	pfn = v->desc.pa >> ms->page_shift;
	page = vm_normal_page(ms, pfn);
	return w->fn(v->va, v->size, v->desc.prot, page, !page, w->arg);
}

int mm_walk_ptes(struct mm_struct *mm, uint64_t start, uint64_t end, mm_pte_fn fn, void *arg)
{
	struct walk_ctx w = { mm, fn, arg };

	if (!mm->pgd.root[0] || (end && end <= start))
		return 0;
	/* leaves only: a not-present swap PTE is stepped over (the swap code walks those) */
	return pgtable_walk_range(&mm->pgd, start, end, false, walk_one, &w);
}

/* ---- fork: copy_page_range ----------------------------------------------------------------- */

struct copy_ctx {
	struct vm_area_struct *dst, *src;
};

/* copy_present_pte: share the page, write-protect both PTEs when it is a private COW page. */
static int copy_one(uint64_t va, uint64_t size, uint64_t prot, struct page *p, bool zero, void *arg)
{
	struct copy_ctx *c = arg;
	struct mm_struct *src = c->src->vm_mm, *dst = c->dst->vm_mm;
	struct mm_sys *ms = src->ms;
	uint32_t nprot = (uint32_t)prot;
	uint64_t pa;
	int err;

	if (size != ms->page_size)
		return copy_huge_pmd(c->dst, c->src, va);	/* a huge PMD (THP) */
	if (zero) {
		pa = zero_pfn(ms) << ms->page_shift;
	} else {
		pa = page_to_pfn(ms, p) << ms->page_shift;
		/* is_cow_mapping: private and may be written -> wrprotect both */
		if ((c->src->vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE &&
		    (nprot & PTE_WRITE)) {
			nprot = prot_wrprotect(src, nprot);
			err = pgtable_protect(&src->pgd, va, ms->page_size, nprot);
			if (err)
				return err;
			flush_tlb_page(src, va);
		}
	}
	/* the child's entry is old, and clean in a shared mapping (copy_present_pte) */
	nprot &= ~PTE_ACCESSED;
	if (c->src->vm_flags & VM_SHARED)
		nprot &= ~PTE_DIRTY;
	err = pgtable_map(&dst->pgd, va, pa, ms->page_size, ms->page_shift, nprot, 0);
	if (err)
		return err;
	if (!zero) {
		struct page *folio = page_folio(p);

		/* folio_try_dup_anon_rmap_pte / folio_dup_file_rmap_pte */
		if (folio_test_anon(folio)) {
			page_clear(p, PG_anon_exclusive);
			folio_add_anon_rmap_ptes(folio, p, 1, c->dst, va, 0);
		} else {
			folio_add_file_rmap_ptes(folio, p, 1, c->dst);
		}
		folio_get(folio);
		add_mm_counter(dst, mm_counter(folio), 1);
	}
	return 0;
}

/* VM_COPY_ON_FORK (mm.h): mappings whose PTEs must be copied whatever the anon_vma says. */
#define VM_COPY_ON_FORK (VM_PFNMAP | VM_MIXEDMAP | VM_UFFD_WP | VM_MAYBE_GUARD)

int copy_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma)
{
	struct copy_ctx c = { dst_vma, src_vma };

	if (src_vma->vm_flags & VM_WIPEONFORK)
		return 0;
	/*
	 * vma_needs_copy: only a VMA with an anon_vma (it has, or had, anonymous pages) gets
	 * its PTEs copied; file and shmem pages of the others are faulted in again by the child
	 */
	if (!(src_vma->vm_flags & VM_COPY_ON_FORK) && !src_vma->anon_vma)
		return 0;
	int err = mm_walk_ptes(src_vma->vm_mm, src_vma->vm_start, src_vma->vm_end, copy_one, &c);

	/* copy_nonpresent_pte: swap PTEs, each one more count on its slot */
	return err ? err : swap_copy_range(dst_vma, src_vma);
}

/* ---- zap ---------------------------------------------------------------------------------- */

struct zap_ctx {
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	uint64_t start, end;
	/* zap_present_folio_ptes' batch: consecutive PTEs of one folio count as one reference */
	struct page *batch_folio;
	uint64_t batch_next;
	bool batch_marked;
};

static int zap_one(uint64_t va, uint64_t size, uint64_t prot, struct page *p, bool zero, void *arg)
{
	struct zap_ctx *z = arg;

	if (!z->vma || va < z->vma->vm_start || va >= z->vma->vm_end)
		z->vma = find_vma(z->mm, va);
	if (size != z->mm->ms->page_size)	/* a huge PMD (THP), whole: the edges are split */
		return z->vma ? zap_huge_pmd(z->vma, va) : -EINVAL;
	if (zero || !p)
		return 0;
	struct page *folio = page_folio(p);

	if (folio != z->batch_folio || va != z->batch_next)
		z->batch_marked = false;
	z->batch_folio = folio;
	z->batch_next = va + size;
	/* a young PTE of a file folio becomes a reference (vma_has_recency: no SEQ/RAND advice) */
	if (!folio_test_anon(folio) && (prot & PTE_ACCESSED) && !z->batch_marked &&
	    !(z->vma->vm_flags & (VM_SEQ_READ | VM_RAND_READ))) {
		folio_mark_accessed(z->mm->ms, folio);
		z->batch_marked = true;
	}
	zap_present_page(z->vma, p, (uint32_t)prot);
	return 0;
}

int zap_page_range(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	struct zap_ctx z = { .mm = mm, .start = start, .end = end };
	int err;

	if (!mm->pgd.root[0] || end <= start)
		return 0;
	update_hiwater_rss(mm);
	/* zap_pmd_range: a huge PMD only partly in the range is split first (THP) */
	err = split_huge_pmd_mm_edges(mm, start, end);
	if (err)
		return err;
	/*
	 * Linux clears the PTEs, flushes the TLB and only then frees the pages (tlb_finish_mmu)
	 * because other CPUs run concurrently; the model runs one access at a time, so dropping
	 * the pages during the walk and flushing after is equivalent.
	 */
	err = mm_walk_ptes(mm, start, end, zap_one, &z);
	if (!err)
		err = swap_zap_range(mm, start, end, false);	/* swap PTEs free their slots */
	if (err)
		return err;
	err = pgtable_unmap(&mm->pgd, start, end - start, NULL);
	flush_tlb_mm_range(mm, start, end);
	return err;
}

/* ---- mprotect ----------------------------------------------------------------------------- */

struct prot_ctx {
	struct vm_area_struct *vma;
	uint32_t newprot;
};

static int protect_one(uint64_t va, uint64_t size, uint64_t prot, struct page *p, bool zero, void *arg)
{
	struct prot_ctx *c = arg;
	struct vm_area_struct *vma = c->vma;
	struct mm_struct *mm = vma->vm_mm;
	uint32_t np = c->newprot;
	bool writable = false;

	if (size != mm->ms->page_size)
		return change_huge_pmd(vma, va, c->newprot);	/* a huge PMD (THP), whole */
	/*
	 * can_change_pte_writable: a private mapping's exclusive anonymous page, or a shared
	 * mapping's page that needs no dirty tracking or is dirty already
	 */
	if ((vma->vm_flags & VM_WRITE) && !zero && p) {
		if (!(vma->vm_flags & VM_SHARED))
			writable = page_test(page_folio(p), PG_anon) && page_test(p, PG_anon_exclusive);
		else
			writable = !vma_wants_writenotify(vma) || (prot & PTE_DIRTY);
	}
	if (writable)
		np = prot_mkwrite(mm, np) & ~PTE_DIRTY;
	else if (np & PTE_WRITE)
		np = prot_wrprotect(mm, np);
	return pgtable_protect(&mm->pgd, va, mm->ms->page_size, np);
}

int change_protection(struct vm_area_struct *vma, uint64_t start, uint64_t end, uint64_t newprot)
{
	struct mm_struct *mm = vma->vm_mm;
	struct prot_ctx c = { vma, (uint32_t)newprot };
	int err;

	if (!mm->pgd.root[0] || end <= start)
		return 0;
	/*
	 * change_pmd_range: a huge PMD only partly in the range is split first (THP); by address,
	 * since a merge may have moved the VMA boundary into it already
	 */
	err = split_huge_pmd_mm_edges(mm, start, end);
	if (err)
		return err;
	err = mm_walk_ptes(mm, start, end, protect_one, &c);
	flush_tlb_mm_range(mm, start, end);
	return err;
}

/* ---- validation --------------------------------------------------------------------------- */

struct rss_ctx {
	struct mm_struct *mm;
	int64_t count[NR_MM_COUNTERS];
	const char *bad;
	uint64_t bad_va;
};

static int rss_one(uint64_t va, uint64_t size, uint64_t prot, struct page *p, bool zero, void *arg)
{
	struct rss_ctx *c = arg;
	struct page *folio;

	(void)prot;
	if (zero)
		return 0;
	if (!p) {
		c->bad = "maps a frame without a struct page";
		goto bad;
	}
	folio = page_folio(p);
	if (folio->refcount < 1 || page_mapcount(p) < 1) {
		c->bad = "maps a page whose refcount or mapcount says unmapped";
		goto bad;
	}
	if (!folio->mapping) {
		c->bad = "maps a page with neither anon_vma nor address_space";
		goto bad;
	}
	if (size == c->mm->ms->page_size) {
		/* rmap must find it here: its index is where this VMA maps it */
		struct vm_area_struct *vma = find_vma(c->mm, va);
		uint64_t idx = folio->index + folio_page_idx(folio, p);

		if (!vma || vma->vm_start > va || linear_page_index(vma, va) != idx) {
			c->bad = "maps a page whose index rmap would look for elsewhere";
			goto bad;
		}
		if (folio_test_anon(folio) && !anon_vma_chained(vma, folio->mapping)) {
			c->bad = "maps an anonymous page whose anon_vma its VMA does not chain to";
			goto bad;
		}
	}
	/* a huge PMD maps a whole THP through its entire mapping (huge_memory.c) */
	if (size != c->mm->ms->page_size &&
	    (folio != p || folio_nr_pages(folio) << c->mm->ms->page_shift != size ||
	     folio_entire_mapcount(folio) < 1)) {
		c->bad = "is a huge leaf that does not map one whole PMD-mapped folio";
		goto bad;
	}
	/* ... inside one VMA: every boundary moved into it split it (vma_adjust_trans_huge) */
	if (size != c->mm->ms->page_size &&
	    huge_pmd_validate(find_vma(c->mm, va), va, folio, NULL)) {
		c->bad = "is a huge leaf not inside one VMA";
		goto bad;
	}
	c->count[mm_counter(folio)] += (int64_t)(size >> c->mm->ms->page_shift);
	return 0;
bad:
	c->bad_va = va;
	return 1;
}

int mm_rss_validate(struct mm_struct *mm, struct mmsim_error *err)
{
	static const char *const names[NR_MM_COUNTERS] = {
		"MM_FILEPAGES", "MM_ANONPAGES", "MM_SWAPENTS", "MM_SHMEMPAGES" };
	struct rss_ctx c = { .mm = mm };
	int ret = mm_walk_ptes(mm, 0, 0, rss_one, &c);

	if (c.bad)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "the PTE at 0x%llx %s",
			       (unsigned long long)c.bad_va, c.bad);
	if (ret < 0)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "page-table walk failed (%d)", ret);
	for (int i = 0; i < NR_MM_COUNTERS; i++)
		if (i != MM_SWAPENTS && c.count[i] != mm->rss_stat[i])
			return err_set(err, -EUCLEAN, NULL, 0, 0, "%s is %lld, %lld pages mapped",
				       names[i], (long long)mm->rss_stat[i], (long long)c.count[i]);
	/* MM_SWAPENTS == swap PTEs, each naming a slot in use (swapfile.c) */
	return swap_mm_validate(mm, err);
}

/* ---- mremap: moving page tables ----------------------------------------------------------- */

struct moved_leaf {
	uint64_t va, size;
	struct pte_desc desc;
	uint64_t swap;		/* a swap PTE's raw value (desc unused), 0 for a leaf */
};

struct move_ctx {
	struct mm_struct *mm;
	struct moved_leaf *leaves;
	size_t n, cap;
	int err;
};

static int collect_leaf(const struct pgtable_visit *v, void *arg)
{
	struct move_ctx *c = arg;
	bool swap = v->desc.kind == PTE_KIND_NONE && v->raw && is_swap_pte(c->mm, v->raw);

	if (v->desc.kind != PTE_KIND_LEAF && !swap)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct moved_leaf *l = realloc(c->leaves, cap * sizeof(*l));

		if (!l) {
			c->err = -ENOMEM;
			return 1;
		}
		c->leaves = l;
		c->cap = cap;
	}
	c->leaves[c->n++] = (struct moved_leaf){ v->va, v->size, v->desc, swap ? v->raw : 0 };
	return 0;
}

int move_page_tables(struct vm_area_struct *vma, uint64_t old_addr, struct vm_area_struct *new_vma,
		     uint64_t new_addr, uint64_t len)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	struct move_ctx c = { .mm = mm };
	size_t i;
	int err;

	(void)new_vma;
	if (!mm->pgd.root[0] || !len)
		return 0;
	/* holes too: swap PTEs move with the present ones (move_ptes moves any entry) */
	err = pgtable_walk_range(&mm->pgd, old_addr, old_addr + len, true, collect_leaf, &c);
	if (c.err || err < 0) {
		err = c.err ? c.err : err;
		goto out_free;
	}
	/* a huge leaf moves whole only when it stays aligned and lies inside the range */
	for (i = 0; i < c.n; i++) {
		struct moved_leaf *l = &c.leaves[i];

		if (l->size == ms->page_size)
			continue;
		if (l->va < old_addr || l->va + l->size > old_addr + len ||
		    ((new_addr - old_addr) & (l->size - 1))) {
			err = split_huge_pmd(vma, l->va);
			if (err)
				goto out_free;
			free(c.leaves);
			return move_page_tables(vma, old_addr, new_vma, new_addr, len);
		}
	}
	for (i = 0; i < c.n; i++) {
		struct moved_leaf *l = &c.leaves[i];
		unsigned int shift = (unsigned int)__builtin_ctzll(l->size);

		if (l->swap)
			err = swap_pte_install(mm, l->va - old_addr + new_addr, l->swap);
		else
			err = pgtable_map(&mm->pgd, l->va - old_addr + new_addr, l->desc.pa, l->size,
					  shift, l->desc.prot, l->desc.memtype);
		if (err)
			goto out_unmap_new;
	}
	err = pgtable_unmap(&mm->pgd, old_addr, len, NULL);
	flush_tlb_mm_range(mm, old_addr, old_addr + len);
	goto out_free;

out_unmap_new:
	while (i--)
		pgtable_unmap(&mm->pgd, c.leaves[i].va - old_addr + new_addr, c.leaves[i].size, NULL);
out_free:
	free(c.leaves);
	return err;
}

/* ---- MADV_FREE ------------------------------------------------------------------------------ */

struct free_ctx {
	struct vm_area_struct *vma;
	uint64_t split_at;	/* a huge leaf that must be split first (0: none) */
};

static int free_one(uint64_t va, uint64_t size, uint64_t prot, struct page *p, bool zero,
		    void *arg)
{
	struct free_ctx *c = arg;
	struct mm_struct *mm = c->vma->vm_mm;
	struct page *folio;
	struct pte_desc d;
	uint64_t entry_pa;
	int level;

	if (zero || !p)
		return 0;
	if (size != mm->ms->page_size) {
		c->split_at = va;	/* madvise_free_huge_pmd: split, then per PTE */
		return 1;
	}
	folio = page_folio(p);
	/* only a page this process alone maps may be dropped later */
	if (!folio_test_anon(folio) || folio_test_large(folio) || folio_mapcount(folio) != 1)
		return 0;
	page_clear(folio, PG_dirty);
	if (prot & (PTE_ACCESSED | PTE_DIRTY)) {
		if (pgtable_lookup(&mm->pgd, va, &d, &level, &entry_pa) ||
		    set_pte(mm, entry_pa, level, d.pa, d.prot & ~(PTE_ACCESSED | PTE_DIRTY)))
			return -EUCLEAN;
		flush_tlb_page(mm, va);
	}
	/* lru_lazyfree: to the inactive file list, no longer swap-backed (pglazyfree) */
	folio_mark_lazyfree(mm->ms, folio);
	return 0;
}

int madvise_free_range(struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	struct free_ctx c = { vma, 0 };
	int ret;

	for (;;) {
		c.split_at = 0;
		ret = mm_walk_ptes(vma->vm_mm, start, end, free_one, &c);
		/* madvise_free_pte_range: a swapped-out page is simply dropped */
		if (!c.split_at && ret >= 0)
			ret = swap_zap_range(vma->vm_mm, start, end, true);
		if (!c.split_at)
			return ret < 0 ? ret : 0;
		ret = split_huge_pmd(vma, c.split_at);
		if (ret)
			return ret;
	}
}

/*
 * Transparent huge pages for private anonymous memory (Linux 6.18: mm/huge_memory.c,
 * include/linux/huge_mm.h, mm/memory.c __handle_mm_fault / create_huge_pmd / wp_huge_pmd).
 * The API and the settings: huge_memory.h.
 *
 *   empty PMD, THP allowed, read  --> huge zero folio, PMD read-only      (thp_zero_page_alloc
 *                                                                           the first time)
 *   empty PMD, THP allowed, write --> order-9 folio, zeroed, PMD writable   (thp_fault_alloc,
 *                                     no order-9 block: VM_FAULT_FALLBACK   MM_ANONPAGES + 512)
 *                                     (thp_fault_fallback), 4 KiB pages
 *   write to a read-only huge PMD --> huge zero: a new THP replaces it, else split to
 *                                     small-zero-page PTEs and fall back
 *                                     exclusive (PG_anon_exclusive on the head, or one
 *                                     reference): reuse, make writable
 *                                     shared (after fork): split, fall back to 4 KiB COW
 *   partial munmap / mprotect / MADV_DONTNEED / VMA split --> split_huge_pmd (thp_split_pmd)
 *
 * Splitting a PMD leaves the folio whole: 512 PTEs map its pages, each holding a folio
 * reference and a page mapcount (Linux __split_huge_pmd_locked). When part of a folio is
 * unmapped the folio is marked partially mapped and counted (thp_deferred_split_page:
 * deferred_split_folio, called from rmap); it is freed as a whole when its last mapping goes.
 *
 * What the live kernel showed (tests/oracle/probes/thp_fault.c, enabled = madvise, 6.18 host):
 * one minor fault per THP; RssAnon and AnonHugePages + 2048 kB; a fork child's write to the
 * shared THP splits its own PMD (thp_split_pmd 1) and copies 4 KiB; NR_ANON_THPS drops when
 * the last PMD mapping of the folio goes; thp_deferred_split_page when a page of a
 * PMD-unmapped folio loses its last mapping while others stay mapped.
 *
 * Leaves out: the PTE table Linux deposits beside every huge PMD (pgtable_trans_huge_deposit:
 * VmPTE and PageTables + 4 kB per huge PMD on the host; here a split allocates its table and
 * may fail with -ENOMEM, Linux's cannot), the deferred split queue and its shrinker (no
 * reclaim yet: a partially mapped folio stays whole until freed), mTHP orders (only the PMD
 * order: the host's other hugepages-* sizes are "never"), khugepaged, file and shmem THP,
 * PUD-sized pages, userfaultfd, NUMA hinting, memcg charging (thp_fault_fallback_charge).
 *
 * The huge zero folio (mm_get_huge_zero_folio) is allocated at the first read fault that
 * wants it and kept; its refcount is 1 plus the huge PMDs mapping it (Linux counts users per
 * mm with MMF_HUGE_ZERO_FOLIO, and frees it from a shrinker once only its own reference is
 * left: shrink_huge_zero_folio here).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "mm/folio.h"
#include "mm/huge_memory.h"
#include "mm/swap.h"
#include "mm/memory.h"
#include "mm/mman.h"
#include "mm/page_alloc.h"
#include "mm/rmap.h"
#include "mm/vma.h"
#include "mm/vmstat.h"
#include "util/error.h"

/* include/linux/gfp_types.h: GFP_TRANSHUGE_LIGHT, GFP_TRANSHUGE */
#define GFP_TRANSHUGE_LIGHT ((MMSIM_GFP_HIGHUSER_MOVABLE | MMSIM_GFP_COMP | \
			      MMSIM_GFP_NOMEMALLOC | MMSIM_GFP_NOWARN) & ~MMSIM_GFP_RECLAIM)
#define GFP_TRANSHUGE (GFP_TRANSHUGE_LIGHT | MMSIM_GFP_DIRECT_RECLAIM)

/* PG_partially_mapped lives in the folio's second page (FOLIO_SECOND_PAGE, alias PG_reclaim). */
#define PG_partially_mapped PG_reclaim

/* ---- the sysfs words ----------------------------------------------------------------------- */

static const char *const enabled_words[] = { "always", "madvise", "never" };
static const enum thp_mode enabled_modes[] = { THP_ALWAYS, THP_MADVISE, THP_NEVER };
static const char *const defrag_words[] = { "always", "defer", "defer+madvise", "madvise", "never" };
static const enum thp_defrag defrag_modes[] = { THP_DEFRAG_ALWAYS, THP_DEFRAG_DEFER,
						THP_DEFRAG_DEFER_MADVISE, THP_DEFRAG_MADVISE,
						THP_DEFRAG_NEVER };

/* sysfs_streq: the word, optionally followed by one newline (what `echo word >` writes). */
static bool word_eq(const char *s, const char *word)
{
	size_t n = strlen(word);

	return !strncmp(s, word, n) && (s[n] == '\0' || (s[n] == '\n' && s[n + 1] == '\0'));
}

int thp_enabled_parse(const char *s, enum thp_mode *out)
{
	for (unsigned int i = 0; s && i < 3; i++)
		if (word_eq(s, enabled_words[i])) {
			*out = enabled_modes[i];
			return 0;
		}
	return -EINVAL;
}

int thp_defrag_parse(const char *s, enum thp_defrag *out)
{
	for (unsigned int i = 0; s && i < 5; i++)
		if (word_eq(s, defrag_words[i])) {
			*out = defrag_modes[i];
			return 0;
		}
	return -EINVAL;
}

/* "w1 [w2] w3": every word, the chosen one in brackets (enabled_show / defrag_show). */
static const char *show_words(const char *const *words, unsigned int n, unsigned int chosen,
			      char *buf, unsigned int len)
{
	unsigned int used = 0;

	if (!buf || !len)
		return "";
	buf[0] = '\0';
	for (unsigned int i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, i == chosen ? "%s[%s]" : "%s%s",
				 i ? " " : "", words[i]);

		if (w < 0)
			break;
		used += (unsigned int)w;
	}
	return buf;
}

const char *thp_enabled_show(enum thp_mode e, char *buf, unsigned int len)
{
	unsigned int i = 0;

	while (i < 2 && enabled_modes[i] != e)
		i++;
	return show_words(enabled_words, 3, i, buf, len);
}

const char *thp_defrag_show(enum thp_defrag d, char *buf, unsigned int len)
{
	unsigned int i = 0;

	while (i < 4 && defrag_modes[i] != d)
		i++;
	return show_words(defrag_words, 5, i, buf, len);
}

/* ---- sizes and eligibility ------------------------------------------------------------------ */

/*
 * HPAGE_PMD_SIZE: what one leaf one level above the PTEs maps. i386 without PAE has no THP
 * (arch/x86/Kconfig: HAVE_ARCH_TRANSPARENT_HUGEPAGE only for X86_64 || X86_PAE); an order
 * above MAX_PAGE_ORDER cannot be allocated.
 */
uint64_t hpage_pmd_size(const struct mm_struct *mm)
{
	const struct pt_format *f = mm->pgd.fmt;
	unsigned int l;

	if (!f || f->nr_levels < 2 || f->id == PTF_I386_2L)
		return 0;
	l = f->nr_levels - 2u;
	if (!f->level[l].leaf_ok || f->level[l].shift < mm->ms->page_shift ||
	    f->level[l].shift - mm->ms->page_shift > mm->ms->max_order)
		return 0;
	return pt_level_size(f, l);
}

unsigned int hpage_pmd_order(const struct mm_struct *mm)
{
	uint64_t sz = hpage_pmd_size(mm);

	return sz ? (unsigned int)__builtin_ctzll(sz) - mm->ms->page_shift : 0;
}

int huge_pmd_level(const struct mm_struct *mm)
{
	return hpage_pmd_size(mm) ? mm->pgd.fmt->nr_levels - 2 : -1;
}

/*
 * thp_vma_suitable_order: the aligned huge range around addr lies inside the VMA (an
 * anonymous VMA's vm_pgoff needs no alignment check).
 */
static bool thp_vma_suitable(const struct vm_area_struct *vma, uint64_t addr, uint64_t hsz)
{
	uint64_t haddr = addr & ~(hsz - 1);

	return haddr >= vma->vm_start && haddr + hsz <= vma->vm_end && haddr + hsz > haddr;
}

/*
 * __thp_vma_allowable_orders for a page fault (TVA_PAGEFAULT) on a private anonymous VMA,
 * with hugepages-<PMD size>/enabled = inherit (the host's setting): the global enabled
 * decides, VM_NOHUGEPAGE refuses, madvise needs VM_HUGEPAGE; not for special mappings nor the
 * stack exec is still setting up (vma_is_temporary_stack).
 */
bool thp_vma_allowable(const struct vm_area_struct *vma, uint64_t addr)
{
	const struct mm_struct *mm = vma->vm_mm;
	vm_flags_t f = vma->vm_flags;
	uint64_t hsz = hpage_pmd_size(mm);

	/* a research policy deciding reclaim counts frames: base pages only */
	if (!hsz || (f & VM_NOHUGEPAGE) || mm->ms->rpolicy)
		return false;
	switch (mm->ms->thp.enabled) {
	case THP_ALWAYS:
		break;
	case THP_MADVISE:
		if (!(f & VM_HUGEPAGE))
			return false;
		break;
	default:
		return false;
	}
	if (vma->vm_file || vma->vm_ops || (f & (VM_SHARED | VM_MAYSHARE | VM_SPECIAL | VM_HUGETLB)))
		return false;
	if ((f & VM_GROWSDOWN) &&
	    (f & VM_STACK_INCOMPLETE_SETUP) == VM_STACK_INCOMPLETE_SETUP)
		return false;
	return thp_vma_suitable(vma, addr, hsz);
}

/* vma_thp_gfp_mask (mm/huge_memory.c): the defrag setting decides how hard to try. */
static gfp_t vma_thp_gfp_mask(const struct vm_area_struct *vma)
{
	bool madvised = vma->vm_flags & VM_HUGEPAGE;

	switch (vma->vm_mm->ms->thp.defrag) {
	case THP_DEFRAG_ALWAYS:		/* synchronous compaction */
		return GFP_TRANSHUGE | (madvised ? 0 : MMSIM_GFP_NORETRY);
	case THP_DEFRAG_DEFER:		/* kick kcompactd, fail quickly */
		return GFP_TRANSHUGE_LIGHT | MMSIM_GFP_KSWAPD_RECLAIM;
	case THP_DEFRAG_DEFER_MADVISE:
		return GFP_TRANSHUGE_LIGHT |
		       (madvised ? MMSIM_GFP_DIRECT_RECLAIM : MMSIM_GFP_KSWAPD_RECLAIM);
	case THP_DEFRAG_MADVISE:	/* direct compaction only when madvised */
		return GFP_TRANSHUGE_LIGHT | (madvised ? MMSIM_GFP_DIRECT_RECLAIM : 0);
	default:
		return GFP_TRANSHUGE_LIGHT;
	}
}

/* ---- entries -------------------------------------------------------------------------------- */

static int cpu_of(const struct mm_struct *mm)
{
	return mm->pgd.cpu;
}

/* prot_mkwrite / prot_wrprotect (memory.c) serve PMDs too: pmd_mkwrite, pmd_wrprotect. */

/* The entry deciding addr: a huge PMD leaf fills *d, *entry_pa; false when it is none. */
static bool huge_pmd_at(struct mm_struct *mm, uint64_t addr, struct pte_desc *d,
			uint64_t *entry_pa)
{
	int level, pl = huge_pmd_level(mm);

	if (pl < 0 || pgtable_lookup(&mm->pgd, addr, d, &level, entry_pa))
		return false;
	return d->kind == PTE_KIND_LEAF && level == pl;
}

static int set_pmd(struct mm_struct *mm, uint64_t entry_pa, uint64_t pa, uint32_t prot,
		   uint64_t soft)
{
	return set_pte_soft(mm, entry_pa, huge_pmd_level(mm), pa, prot, soft);
}

static void flush_pmd_tlb_range(struct mm_struct *mm, uint64_t haddr)
{
	flush_tlb_mm_range(mm, haddr, haddr + hpage_pmd_size(mm));
}

/* ---- folios --------------------------------------------------------------------------------- */

static bool folio_test_partially_mapped(const struct page *folio)
{
	return folio_test_large(folio) && page_test(&folio[1], PG_partially_mapped);
}

/*
 * deferred_split_folio (mm/huge_memory.c): rmap calls it when pages of a large anonymous
 * folio lost their last mapping while others are still mapped. The first time counts
 * thp_deferred_split_page (for a PMD-sized folio) and marks the folio partially mapped.
 */
void deferred_split_folio(struct page *folio, struct vm_area_struct *vma, bool partially_mapped)
{
	struct mm_struct *mm = vma->vm_mm;

	if (!folio_test_large(folio) || folio_order(folio) <= 1 || !partially_mapped)
		return;
	if (folio_test_partially_mapped(folio))
		return;
	page_set(&folio[1], PG_partially_mapped);
	if (folio_order(folio) == hpage_pmd_order(mm) && hpage_pmd_size(mm))
		count_vm_events(mm->ms, THP_DEFERRED_SPLIT_PAGE, 1);
}

/*
 * vma_alloc_anon_folio_pmd: a zeroed PMD-sized folio, refcount 1 (the mapping's), or NULL
 * with thp_fault_fallback counted.
 */
static struct page *vma_alloc_anon_folio_pmd(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	int err = 0;
	struct page *folio = alloc_pages(mm->ms, cpu_of(mm), vma_thp_gfp_mask(vma) | MMSIM_GFP_ZERO,
					 hpage_pmd_order(mm), &err);

	if (!folio) {
		count_vm_events(mm->ms, THP_FAULT_FALLBACK, 1);
		return NULL;
	}
	page_set(folio, PG_uptodate);		/* __folio_mark_uptodate after folio_zero_user */
	return folio;
}

/* ---- the huge zero folio ------------------------------------------------------------------ */

uint64_t huge_zero_pfn(const struct mm_sys *ms)
{
	return ms->huge_zero_pfn;
}

static bool is_huge_zero_pa(const struct mm_struct *mm, uint64_t pa)
{
	const struct mm_sys *ms = mm->ms;

	return ms->huge_zero_pfn && (pa >> ms->page_shift) == ms->huge_zero_pfn;
}

/*
 * get_huge_zero_folio: allocated once ((GFP_TRANSHUGE | __GFP_ZERO) & ~__GFP_MOVABLE, so it
 * never sits in a movable pageblock), counted thp_zero_page_alloc (or _failed). One more
 * reference for the PMD about to map it.
 */
static struct page *mm_get_huge_zero_folio(struct mm_struct *mm)
{
	struct mm_sys *ms = mm->ms;
	struct page *folio;
	int err = 0;

	if (ms->huge_zero_pfn) {
		folio = pfn_to_page(ms, ms->huge_zero_pfn);
		folio_get(folio);
		return folio;
	}
	folio = alloc_pages(ms, cpu_of(mm), (GFP_TRANSHUGE | MMSIM_GFP_ZERO) & ~MMSIM_GFP_MOVABLE,
			    hpage_pmd_order(mm), &err);
	if (!folio) {
		count_vm_events(ms, THP_ZERO_PAGE_ALLOC_FAILED, 1);
		return NULL;
	}
	count_vm_events(ms, THP_ZERO_PAGE_ALLOC, 1);
	page_set(folio, PG_uptodate);
	ms->huge_zero_pfn = page_to_pfn(ms, folio);
	folio_get(folio);			/* refcount 2: its own and the mapping's */
	return folio;
}

static void put_huge_zero_folio(struct mm_sys *ms)
{
	struct page *folio = pfn_to_page(ms, ms->huge_zero_pfn);

	if (folio && folio->refcount > 1)
		folio->refcount--;
}

uint64_t shrink_huge_zero_folio(struct mm_sys *ms)
{
	struct page *folio;
	unsigned int order;

	if (!ms->huge_zero_pfn)
		return 0;
	folio = pfn_to_page(ms, ms->huge_zero_pfn);
	if (!folio || folio->refcount != 1)
		return 0;
	order = folio_order(folio);
	page_clear(folio, PG_uptodate);
	ms->huge_zero_pfn = 0;
	__free_pages(ms, 0, folio, order);
	return 1ull << order;
}

/*
 * set_huge_zero_folio: the empty PMD of haddr maps the huge zero folio read-only (Linux:
 * pmd_mkspecial, vm_page_prot, which is read-only for a private mapping anyway).
 */
static vm_fault_t do_huge_zero_pmd(struct vm_fault *vmf, uint64_t haddr)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	uint64_t hsz = hpage_pmd_size(mm);
	struct page *zero = mm_get_huge_zero_folio(mm);
	int err;

	if (!zero) {
		count_vm_events(mm->ms, THP_FAULT_FALLBACK, 1);
		return VM_FAULT_FALLBACK;
	}
	err = pgtable_map(&mm->pgd, haddr, mm->ms->huge_zero_pfn << mm->ms->page_shift, hsz,
			  (unsigned int)__builtin_ctzll(hsz),
			  prot_wrprotect(mm, (uint32_t)vma->vm_page_prot), 0);
	if (err) {
		put_huge_zero_folio(mm->ms);
		return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	}
	return 0;
}

/* ---- the fault paths ------------------------------------------------------------------------ */

/*
 * map_anon_folio_pmd_pf: folio becomes the anonymous THP of haddr, writable when the VMA is
 * (maybe_pmd_mkwrite(pmd_mkdirty())), rmap'd exclusive, MM_ANONPAGES + nr, thp_fault_alloc.
 * The PMD entry is already written by the caller.
 */
static void map_anon_folio_pmd_account(struct vm_area_struct *vma, struct page *folio,
				       uint64_t haddr)
{
	struct mm_struct *mm = vma->vm_mm;

	folio_add_new_anon_rmap(folio, vma, haddr, RMAP_EXCLUSIVE);
	folio_add_lru_vma(folio, vma);
	add_mm_counter(mm, MM_ANONPAGES, (int64_t)folio_nr_pages(folio));
	count_vm_events(mm->ms, THP_FAULT_ALLOC, 1);
}

static uint32_t anon_pmd_prot(const struct vm_area_struct *vma)
{
	const struct mm_struct *mm = vma->vm_mm;
	uint32_t prot = (uint32_t)vma->vm_page_prot | PTE_DIRTY;

	return (vma->vm_flags & VM_WRITE) ? prot_mkwrite(mm, prot) : prot;
}

vm_fault_t do_huge_pmd_anonymous_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	uint64_t hsz = hpage_pmd_size(mm), haddr;
	struct page *folio;
	int err;

	if (!hsz || !thp_vma_suitable(vma, vmf->address, hsz))
		return VM_FAULT_FALLBACK;
	haddr = vmf->address & ~(hsz - 1);
	/* vmf_anon_prepare: the read (zero folio) path needs the anon_vma too */
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	if (!(vmf->flags & FAULT_FLAG_WRITE) && ms->thp.use_zero_page)
		return do_huge_zero_pmd(vmf, haddr);
	folio = vma_alloc_anon_folio_pmd(vma);
	if (!folio)
		return VM_FAULT_FALLBACK;
	err = pgtable_map(&mm->pgd, haddr, page_to_pfn(ms, folio) << ms->page_shift, hsz,
			  (unsigned int)__builtin_ctzll(hsz), anon_pmd_prot(vma), 0);
	if (err) {
		/* Linux: pmd_alloc / pte_alloc_one failed -> VM_FAULT_OOM, the folio put */
		folio_put(ms, cpu_of(mm), folio);
		return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	}
	map_anon_folio_pmd_account(vma, folio, haddr);
	return 0;
}

/* do_huge_zero_wp_pmd: a write to the huge zero folio; a new THP replaces it when one can be had. */
static vm_fault_t do_huge_zero_wp_pmd(struct vm_fault *vmf, uint64_t haddr, uint64_t entry_pa)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	struct page *folio = vma_alloc_anon_folio_pmd(vma);

	if (!folio)
		return VM_FAULT_FALLBACK;
	/* pmdp_huge_clear_flush, then map_anon_folio_pmd_pf */
	if (set_pmd(mm, entry_pa, page_to_pfn(ms, folio) << ms->page_shift, anon_pmd_prot(vma), 0)) {
		folio_put(ms, cpu_of(mm), folio);
		return VM_FAULT_SIGBUS;
	}
	flush_pmd_tlb_range(mm, haddr);
	put_huge_zero_folio(ms);
	map_anon_folio_pmd_account(vma, folio, haddr);
	return 0;
}

/* Make the huge PMD writable, young and dirty (the reuse: label of do_huge_pmd_wp_page). */
static vm_fault_t huge_pmd_reuse(struct vm_area_struct *vma, uint64_t haddr, uint64_t entry_pa,
				 const struct pte_desc *d)
{
	struct mm_struct *mm = vma->vm_mm;
	uint32_t prot = d->prot | PTE_ACCESSED | PTE_DIRTY;

	if (vma->vm_flags & VM_WRITE)
		prot = prot_mkwrite(mm, prot);
	if (set_pmd(mm, entry_pa, d->pa, prot, d->soft))
		return VM_FAULT_SIGBUS;
	flush_pmd_tlb_range(mm, haddr);
	return 0;
}

vm_fault_t do_huge_pmd_wp_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	uint64_t hsz = hpage_pmd_size(mm), haddr, entry_pa;
	struct pte_desc d;
	struct page *folio;
	vm_fault_t ret;

	if (!huge_pmd_at(mm, vmf->address, &d, &entry_pa))
		return 0;		/* !pmd_same: someone changed it, retry the access */
	haddr = vmf->address & ~(hsz - 1);
	if (is_huge_zero_pa(mm, d.pa)) {
		ret = do_huge_zero_wp_pmd(vmf, haddr, entry_pa);
		if (!(ret & VM_FAULT_FALLBACK))
			return ret;
		goto fallback;
	}
	folio = pfn_to_page(ms, d.pa >> ms->page_shift);
	if (!folio || !folio_test_anon(folio))
		return VM_FAULT_MMSIM_NOSYS;	/* file THP: not modelled */
	if (page_test(folio, PG_anon_exclusive))
		return huge_pmd_reuse(vma, haddr, entry_pa, &d);
	/* we can reuse the folio only when there are no other references (do_wp_page) */
	if (folio_ref_count(folio) == 1) {
		folio->mapping = vma->anon_vma;		/* folio_move_anon_rmap */
		page_set(folio, PG_anon_exclusive);
		return huge_pmd_reuse(vma, haddr, entry_pa, &d);
	}
fallback:
	/* __split_huge_pmd; the PTE path then copies the one page */
	if (split_huge_pmd(vma, vmf->address))
		return VM_FAULT_OOM;
	return VM_FAULT_FALLBACK;
}

vm_fault_t huge_pmd_set_accessed(struct vm_fault *vmf)
{
	struct mm_struct *mm = vmf->vma->vm_mm;
	uint64_t entry_pa, hsz = hpage_pmd_size(mm);
	struct pte_desc d;
	uint32_t prot;

	if (!huge_pmd_at(mm, vmf->address, &d, &entry_pa))
		return 0;
	/* touch_pmd: pmd_mkyoung, pmd_mkdirty on a write; pmdp_set_access_flags */
	prot = d.prot | PTE_ACCESSED;
	if ((vmf->flags & FAULT_FLAG_WRITE) && (d.prot & PTE_WRITE))
		prot |= PTE_DIRTY;
	if (prot != d.prot && set_pmd(mm, entry_pa, d.pa, prot, d.soft))
		return VM_FAULT_SIGBUS;
	flush_pmd_tlb_range(mm, vmf->address & ~(hsz - 1));
	return 0;
}

/* ---- splitting ------------------------------------------------------------------------------ */

/*
 * Replace the huge leaf at haddr by a PTE table of the same mapping: asking the page-table
 * code to reprotect the first base page with the leaf's own permissions splits the leaf at
 * haddr + PAGE_SIZE into 512 PTEs that keep prot, A/D and the software bits (pgtable.c
 * split_edges). -ENOMEM (no table page: nothing changed).
 */
static int split_leaf(struct mm_struct *mm, uint64_t haddr, const struct pte_desc *d)
{
	return pgtable_protect(&mm->pgd, haddr, mm->ms->page_size, d->prot);
}

/* __split_huge_zero_page_pmd: 512 PTEs mapping the small zero page, read-only. */
static int split_huge_zero_pmd(struct vm_area_struct *vma, uint64_t haddr,
			       const struct pte_desc *d)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	uint64_t nr = hpage_pmd_size(mm) >> ms->page_shift, entry_pa;
	uint32_t prot = prot_wrprotect(mm, d->prot);
	struct pte_desc pte;
	int level, err = split_leaf(mm, haddr, d);

	if (err)
		return err;
	for (uint64_t i = 0; i < nr; i++) {
		uint64_t va = haddr + (i << ms->page_shift);

		if (pgtable_lookup(&mm->pgd, va, &pte, &level, &entry_pa) ||
		    pte.kind != PTE_KIND_LEAF)
			continue;	/* not reached: split_leaf made 512 PTEs */
		set_pte_soft(mm, entry_pa, level, zero_pfn(ms) << ms->page_shift, prot, pte.soft);
	}
	put_huge_zero_folio(ms);
	return 0;
}

int split_huge_pmd(struct vm_area_struct *vma, uint64_t addr)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	uint64_t hsz = hpage_pmd_size(mm), haddr, entry_pa;
	struct pte_desc d;
	struct page *folio;
	unsigned int nr;
	bool exclusive;
	int err;

	if (!huge_pmd_at(mm, addr, &d, &entry_pa))
		return 0;
	haddr = addr & ~(hsz - 1);
	nr = (unsigned int)(hsz >> ms->page_shift);
	if (is_huge_zero_pa(mm, d.pa)) {
		err = split_huge_zero_pmd(vma, haddr, &d);
		goto out;
	}
	folio = pfn_to_page(ms, d.pa >> ms->page_shift);
	if (!folio || !folio_test_anon(folio))
		return -ENOSYS;
	err = split_leaf(mm, haddr, &d);
	if (err)
		return err;
	/* __split_huge_pmd_locked: a dirty PMD makes the folio dirty; every PTE takes a ref */
	if (d.prot & PTE_DIRTY)
		page_set(folio, PG_dirty);
	exclusive = page_test(folio, PG_anon_exclusive);
	folio_ref_add(folio, (int)nr - 1);
	folio_add_anon_rmap_ptes(folio, folio, nr, vma, haddr, exclusive ? RMAP_EXCLUSIVE : 0);
	if (!exclusive)
		for (unsigned int i = 0; i < nr; i++)
			page_clear(&folio[i], PG_anon_exclusive);
	folio_remove_rmap_pmd(folio, vma);
out:
	if (err)
		return err;
	flush_pmd_tlb_range(mm, haddr);
	count_vm_events(ms, THP_SPLIT_PMD, 1);
	return 0;
}

/* split_huge_pmd_if_needed: addr is not aligned and the huge range around it was in vma. */
static int split_if_needed(struct vm_area_struct *vma, uint64_t addr)
{
	uint64_t hsz = hpage_pmd_size(vma->vm_mm), lo;

	if (!hsz || !(addr & (hsz - 1)))
		return 0;
	lo = addr & ~(hsz - 1);
	if (lo < vma->vm_start || lo + hsz > vma->vm_end)
		return 0;
	return split_huge_pmd(vma, addr);
}

int split_huge_pmd_range_edges(struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	int err = split_if_needed(vma, start);

	if (!err && end != start)
		err = split_if_needed(vma, end);
	return err;
}

int split_huge_pmd_mm_edges(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	uint64_t hsz = hpage_pmd_size(mm);
	uint64_t edge[2] = { start, end };
	int err = 0;

	if (!hsz || !mm->pgd.root[0])
		return 0;
	for (int i = 0; i < 2 && !err; i++) {
		struct vm_area_struct *vma;

		if (!(edge[i] & (hsz - 1)) || (i == 1 && end == start))
			continue;
		vma = find_vma(mm, edge[i]);
		if (vma && vma->vm_start <= edge[i])
			err = split_huge_pmd(vma, edge[i]);
	}
	return err;
}

/* ---- zap, fork, mprotect ------------------------------------------------------------------- */

int zap_huge_pmd(struct vm_area_struct *vma, uint64_t addr)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	uint64_t hsz = hpage_pmd_size(mm), haddr, entry_pa;
	struct pte_desc d;
	struct page *folio = NULL;
	int err;

	if (!huge_pmd_at(mm, addr, &d, &entry_pa))
		return 0;
	haddr = addr & ~(hsz - 1);
	if (!is_huge_zero_pa(mm, d.pa)) {
		folio = pfn_to_page(ms, d.pa >> ms->page_shift);
		if (!folio || !folio_test_anon(folio))
			return -ENOSYS;
	}
	/*
	 * pmdp_huge_get_and_clear_full. The range is the whole leaf, so nothing is split or
	 * allocated: safe inside an mm_walk_ptes callback (a table emptied here is freed with
	 * every entry zero, so the walk reads only zeros from it).
	 */
	err = pgtable_unmap(&mm->pgd, haddr, hsz, NULL);
	if (err)
		return err;
	flush_pmd_tlb_range(mm, haddr);
	if (!folio) {
		put_huge_zero_folio(ms);
		return 0;
	}
	folio_remove_rmap_pmd(folio, vma);
	add_mm_counter(mm, MM_ANONPAGES, -(int64_t)folio_nr_pages(folio));
	folio_put(ms, cpu_of(mm), folio);
	return 0;
}

int copy_huge_pmd(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma, uint64_t addr)
{
	struct mm_struct *src = src_vma->vm_mm, *dst = dst_vma->vm_mm;
	struct mm_sys *ms = src->ms;
	uint64_t hsz = hpage_pmd_size(src), haddr, entry_pa;
	struct pte_desc d;
	struct page *folio = NULL;
	uint32_t prot;
	int err;

	if (!huge_pmd_at(src, addr, &d, &entry_pa))
		return 0;
	haddr = addr & ~(hsz - 1);
	if (!is_huge_zero_pa(src, d.pa)) {
		folio = pfn_to_page(ms, d.pa >> ms->page_shift);
		if (!folio || !folio_test_anon(folio))
			return -ENOSYS;
	}
	/* the child's entry: write-protected and old (pmd_mkold(pmd_wrprotect(pmd))) */
	prot = prot_wrprotect(src, d.prot) & ~PTE_ACCESSED;
	err = pgtable_map(&dst->pgd, haddr, d.pa, hsz, (unsigned int)__builtin_ctzll(hsz), prot, 0);
	if (err)
		return err;
	if (!folio) {
		folio_get(pfn_to_page(ms, ms->huge_zero_pfn));	/* mm_get_huge_zero_folio */
		return 0;
	}
	/* pmdp_set_wrprotect: the whole leaf, nothing to split */
	if (d.prot & PTE_WRITE) {
		err = set_pmd(src, entry_pa, d.pa, prot_wrprotect(src, d.prot), d.soft);
		if (err) {
			pgtable_unmap(&dst->pgd, haddr, hsz, NULL);
			return err;
		}
		flush_pmd_tlb_range(src, haddr);
	}
	/* folio_try_dup_anon_rmap_pmd: shared now, so no page of it is exclusive */
	folio_get(folio);
	for (uint64_t i = 0; i < folio_nr_pages(folio); i++)
		page_clear(&folio[i], PG_anon_exclusive);
	folio_add_anon_rmap_pmd(folio, dst_vma, haddr, 0);
	add_mm_counter(dst, MM_ANONPAGES, (int64_t)folio_nr_pages(folio));
	return 0;
}

int change_huge_pmd(struct vm_area_struct *vma, uint64_t addr, uint64_t newprot)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	uint64_t hsz = hpage_pmd_size(mm), haddr, entry_pa;
	uint32_t np = (uint32_t)newprot;
	struct pte_desc d;
	struct page *folio = NULL;
	int err;

	if (!huge_pmd_at(mm, addr, &d, &entry_pa))
		return 0;
	haddr = addr & ~(hsz - 1);
	if (!is_huge_zero_pa(mm, d.pa))
		folio = pfn_to_page(ms, d.pa >> ms->page_shift);
	/*
	 * pmd_modify, then MM_CP_TRY_CHANGE_WRITABLE: can_change_pmd_writable lets only an
	 * exclusive anonymous folio of a private writable VMA be writable at once.
	 */
	if ((vma->vm_flags & VM_WRITE) && !(vma->vm_flags & VM_SHARED) && folio &&
	    folio_test_anon(folio) && page_test(folio, PG_anon_exclusive))
		np = prot_mkwrite(mm, np) & ~PTE_DIRTY;
	else
		np = prot_wrprotect(mm, np);
	err = pgtable_protect(&mm->pgd, haddr, hsz, np);
	if (err)
		return err;
	flush_pmd_tlb_range(mm, haddr);
	return 0;
}

/* ---- validation ----------------------------------------------------------------------------- */

int huge_pmd_validate(struct vm_area_struct *vma, uint64_t va, struct page *folio,
		      struct mmsim_error *err)
{
	uint64_t hsz = vma ? hpage_pmd_size(vma->vm_mm) : 0;
	struct mm_struct *mm = vma ? vma->vm_mm : NULL;

	if (!hsz || (va & (hsz - 1)) || va < vma->vm_start || va + hsz > vma->vm_end)
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "huge PMD at 0x%llx is not a PMD-sized range inside its VMA",
			       (unsigned long long)va);
	if (!folio)
		return 0;
	if (!folio_test_anon(folio) || !folio_test_large(folio) ||
	    folio_order(folio) != hpage_pmd_order(mm) || folio_entire_mapcount(folio) < 1 ||
	    folio_ref_count(folio) < folio_mapcount(folio))
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "huge PMD at 0x%llx maps a folio that is not a counted anonymous THP "
			       "(order %u, entire mapcount %d, mapcount %lld, refcount %d)",
			       (unsigned long long)va, folio_order(folio),
			       folio_entire_mapcount(folio), (long long)folio_mapcount(folio),
			       folio_ref_count(folio));
	return 0;
}

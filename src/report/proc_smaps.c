/*
 * /proc/PID/smaps and /proc/PID/smaps_rollup (Linux 6.18: fs/proc/task_mmu.c struct
 * mem_size_stats, smaps_page_accumulate, smaps_account, smaps_pte_entry, smaps_pmd_entry,
 * smap_gather_stats, __show_smap, show_smap, show_smaps_rollup; mm/huge_memory.c
 * __thp_vma_allowable_orders for THPeligible). docs/proc-pid.md describes the files.
 *
 * The page tables are walked leaf by leaf; each present page is accounted as Linux does with
 * CONFIG_PAGE_MAPCOUNT=y (the reference kernel's setting):
 *   - a folio with refcount 1 is mapped exactly once: all of it private, Pss = its size;
 *   - otherwise each page's own mapcount (its PTE mappings plus the PMD mappings of its
 *     folio, folio.h page_mapcount) decides: >= 2 is shared and adds size/mapcount to Pss
 *     in PSS_SHIFT fixed point, else private;
 *   - dirty = the leaf's dirty bit or the folio's PG_dirty, young = the accessed bit or
 *     PG_referenced; LazyFree = anonymous, not swap-backed, clean.
 * The zero page and the huge zero page are not counted (vm_normal_page is NULL for them).
 *
 * A swap PTE adds a page to Swap and page_size / swap count to SwapPss (swp_swapcount: the
 * PTEs of every process that name the slot). Left out, because the model has none yet:
 * shmem's swap usage, migration and device entries, KSM pages, hugetlb (Shared_Hugetlb,
 * Private_Hugetlb), page-idle tracking (folio_test_young), protection keys (the reference CPU
 * has no PKU, so Linux prints no ProtectionKey line either).
 */
#include <errno.h>
#include <string.h>

#include "mm/folio.h"
#include "mm/huge_memory.h"
#include "mm/memory.h"
#include "mm/page_alloc.h"
#include "mm/swap.h"
#include "mm/vma.h"
#include "report/task_mmu.h"

/*
 * A shift of 12 before division (PSS_SHIFT): 1M pages shared by 3 add up to at most 8 KiB of
 * rounding error; mapcounts up to 2^24.
 */
#define PSS_SHIFT 12

/*
 * What smaps sums for a VMA or a whole mm (struct mem_size_stats): byte counts; the pss_*
 * fields are bytes << PSS_SHIFT. Invariant: pss == pss_anon + pss_file + pss_shmem;
 * resident == shared_clean + shared_dirty + private_clean + private_dirty.
 */
struct mem_size_stats {
	uint64_t resident, shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t referenced, anonymous, lazyfree, anonymous_thp, shmem_thp, file_thp;
	uint64_t swap, shared_hugetlb, private_hugetlb, ksm;
	uint64_t pss, pss_anon, pss_file, pss_shmem, pss_dirty, pss_locked, swap_pss;
};

struct page *report_normal_page(struct mm_sys *ms, const struct vm_area_struct *vma,
				uint64_t pfn, bool *zero)
{
	bool z = is_zero_pfn(ms, pfn) || (ms->huge_zero_pfn && pfn == ms->huge_zero_pfn);

	if (zero)
		*zero = z;
	if (z || (vma->vm_flags & VM_PFNMAP))
		return NULL;
	return pfn_to_page(ms, pfn);
}

bool report_leaf_dirty(const struct mm_struct *mm, const struct pte_desc *d)
{
	if (d->prot & PTE_DIRTY)
		return true;
	/* arm64 keeps the dirty state of a write-protected entry in software bit 55 (soft bit 0) */
	return mm->pgd.fmt->arch == ARCH_ARM64 && (d->soft & 1);
}

/* smaps_page_accumulate: size bytes of folio with pss (<< PSS_SHIFT) of them. */
static void smaps_page_accumulate(struct mem_size_stats *mss, const struct page *folio,
				  uint64_t size, uint64_t pss, bool dirty, bool locked,
				  bool private)
{
	mss->pss += pss;
	if (folio_test_anon(folio))
		mss->pss_anon += pss;
	else if (page_test(folio, PG_swapbacked))
		mss->pss_shmem += pss;
	else
		mss->pss_file += pss;
	if (locked)
		mss->pss_locked += pss;
	if (dirty || page_test(folio, PG_dirty)) {
		mss->pss_dirty += pss;
		if (private)
			mss->private_dirty += size;
		else
			mss->shared_dirty += size;
	} else {
		if (private)
			mss->private_clean += size;
		else
			mss->shared_clean += size;
	}
}

/*
 * smaps_account for a present entry: page and, when compound (a PMD), the rest of its folio.
 * page_size is the base page size.
 */
static void smaps_account(struct mem_size_stats *mss, struct page *page, uint64_t page_size,
			  bool compound, bool young, bool dirty, bool locked)
{
	struct page *folio = page_folio(page);
	/* compound_nr(page): the folio's size when page is its head, else 1 */
	uint64_t nr = compound && page == folio ? folio_nr_pages(folio) : 1;
	uint64_t size = nr * page_size;

	if (folio_test_anon(folio)) {
		mss->anonymous += size;
		if (!page_test(folio, PG_swapbacked) && !dirty && !page_test(folio, PG_dirty))
			mss->lazyfree += size;
	}
	mss->resident += size;
	if (young || page_test(folio, PG_referenced))
		mss->referenced += size;
	/* refcount 1: mapped exactly once (one PTE or one PMD maps part of this folio) */
	if (folio_ref_count(folio) == 1) {
		smaps_page_accumulate(mss, folio, size, size << PSS_SHIFT, dirty, locked, true);
		return;
	}
	for (uint64_t i = 0; i < nr; i++, page++) {
		int64_t mapcount = page_mapcount(page);
		uint64_t pss = page_size << PSS_SHIFT;

		if (mapcount >= 2)
			pss /= (uint64_t)mapcount;
		smaps_page_accumulate(mss, folio, page_size, pss, dirty, locked, mapcount < 2);
	}
}

struct smaps_walk {
	struct mm_sys *ms;
	struct vm_area_struct *vma;
	struct mem_size_stats *mss;
};

/* smaps_pte_entry / smaps_pmd_entry for one leaf of the walk. */
static int smaps_leaf(const struct pgtable_visit *v, void *arg)
{
	struct smaps_walk *w = arg;
	struct mm_sys *ms = w->ms;
	bool locked = (w->vma->vm_flags & VM_LOCKED) != 0;
	bool young, dirty;
	struct page *page;

	if (v->desc.kind != PTE_KIND_LEAF) {
		swp_entry_t e;

		/* smaps_pte_entry's swap PTE: Swap, and SwapPss shared by the swap count */
		if (!v->raw || !pte_to_swp_entry(w->vma->vm_mm->pgd.fmt, v->raw, &e, NULL))
			return 0;
		int mapcount = swp_swapcount(ms, e);
		uint64_t pss = ms->page_size << PSS_SHIFT;

		w->mss->swap += ms->page_size;
		w->mss->swap_pss += mapcount >= 2 ? pss / (uint64_t)mapcount : pss;
		return 0;
	}
	page = report_normal_page(ms, w->vma, v->desc.pa >> ms->page_shift, NULL);
	if (!page)
		return 0;
	young = (v->desc.prot & PTE_ACCESSED) != 0;
	dirty = report_leaf_dirty(w->vma->vm_mm, &v->desc);
	if (v->size > ms->page_size) {
		/* smaps_pmd_entry: a huge leaf maps the head of a PMD-sized folio */
		struct page *folio = page_folio(page);

		if (folio_test_anon(folio))
			w->mss->anonymous_thp += v->size;
		else if (page_test(folio, PG_swapbacked))
			w->mss->shmem_thp += v->size;
		else
			w->mss->file_thp += v->size;
		smaps_account(w->mss, page, ms->page_size, true, young, dirty, locked);
		return 0;
	}
	smaps_account(w->mss, page, ms->page_size, false, young, dirty, locked);
	return 0;
}

/* smap_gather_stats: add vma's pages to mss. */
static int smap_gather_stats(struct mm_sys *ms, struct vm_area_struct *vma,
			     struct mem_size_stats *mss)
{
	struct smaps_walk w = { ms, vma, mss };
	struct mm_struct *mm = vma->vm_mm;

	if (!mm->pgd.root[0])
		return 0;
	/* holes too: swap PTEs are not-present entries */
	return pgtable_walk_range(&mm->pgd, vma->vm_start, vma->vm_end, true, smaps_leaf, &w);
}

/* SEQ_PUT_DEC: a label padded to 16 columns, the value in kB 8 wide. */
static void seq_put_kb(struct strbuf *sb, const char *label, uint64_t bytes)
{
	sb_printf(sb, "%-16s%8llu kB\n", label, (unsigned long long)(bytes >> 10));
}

/* __show_smap: the lines smaps and smaps_rollup share; Pss_Anon/File/Shmem in rollup only. */
static void __show_smap(struct strbuf *sb, const struct mem_size_stats *mss, bool rollup)
{
	seq_put_kb(sb, "Rss:", mss->resident);
	seq_put_kb(sb, "Pss:", mss->pss >> PSS_SHIFT);
	seq_put_kb(sb, "Pss_Dirty:", mss->pss_dirty >> PSS_SHIFT);
	if (rollup) {
		seq_put_kb(sb, "Pss_Anon:", mss->pss_anon >> PSS_SHIFT);
		seq_put_kb(sb, "Pss_File:", mss->pss_file >> PSS_SHIFT);
		seq_put_kb(sb, "Pss_Shmem:", mss->pss_shmem >> PSS_SHIFT);
	}
	seq_put_kb(sb, "Shared_Clean:", mss->shared_clean);
	seq_put_kb(sb, "Shared_Dirty:", mss->shared_dirty);
	seq_put_kb(sb, "Private_Clean:", mss->private_clean);
	seq_put_kb(sb, "Private_Dirty:", mss->private_dirty);
	seq_put_kb(sb, "Referenced:", mss->referenced);
	seq_put_kb(sb, "Anonymous:", mss->anonymous);
	seq_put_kb(sb, "KSM:", mss->ksm);
	seq_put_kb(sb, "LazyFree:", mss->lazyfree);
	seq_put_kb(sb, "AnonHugePages:", mss->anonymous_thp);
	seq_put_kb(sb, "ShmemPmdMapped:", mss->shmem_thp);
	seq_put_kb(sb, "FilePmdMapped:", mss->file_thp);
	seq_put_kb(sb, "Shared_Hugetlb:", mss->shared_hugetlb);
	/* the one label of 17 columns: Linux prints its value 7 wide, still ending at 24 */
	sb_printf(sb, "Private_Hugetlb: %7llu kB\n",
		  (unsigned long long)(mss->private_hugetlb >> 10));
	seq_put_kb(sb, "Swap:", mss->swap);
	seq_put_kb(sb, "SwapPss:", mss->swap_pss >> PSS_SHIFT);
	seq_put_kb(sb, "Locked:", mss->pss_locked >> PSS_SHIFT);
}

/*
 * THPeligible: thp_vma_allowable_orders(vma, vm_flags, TVA_SMAPS | TVA_ENFORCE_SYSFS,
 * THP_ORDERS_ALL) != 0. The model has PMD-sized anonymous THP only, as the reference kernel
 * effectively has (every mTHP size is "never", shmem_enabled is "never", no
 * CONFIG_READ_ONLY_THP_FOR_FS, no ->huge_fault on regular files), so this is the fault-time
 * rule of huge_memory.c (sysfs enabled, VM_HUGEPAGE / VM_NOHUGEPAGE, private anonymous) at
 * the last PMD-sized range of the VMA (thp_vma_suitable_order(vma, vm_end - HPAGE_PMD_SIZE)).
 * The gate (vma NULL) has no mm: 0.
 */
static bool smaps_thp_eligible(const struct vm_area_struct *vma)
{
	uint64_t hpage;

	if (!vma || !vma->vm_mm)
		return false;
	hpage = hpage_pmd_size(vma->vm_mm);
	if (!hpage || vma->vm_end - vma->vm_start < hpage)
		return false;
	return thp_vma_allowable(vma, vma->vm_end - hpage);
}

/* show_smap: one VMA (or the gate, vma NULL). */
static int show_smap(struct mmsim_machine *m, struct strbuf *sb, const struct map_line *l,
		     struct vm_area_struct *vma)
{
	struct mem_size_stats mss;
	uint64_t ps = m->mm.page_size;
	int ret = 0;

	memset(&mss, 0, sizeof(mss));
	if (vma)
		ret = smap_gather_stats(&m->mm, vma, &mss);
	if (ret)
		return ret;
	show_map_line(sb, l);
	seq_put_kb(sb, "Size:", l->end - l->start);
	seq_put_kb(sb, "KernelPageSize:", ps);	/* vma_kernel_pagesize: no hugetlb VMAs */
	seq_put_kb(sb, "MMUPageSize:", ps);
	__show_smap(sb, &mss, false);
	sb_printf(sb, "THPeligible:    %8u\n", smaps_thp_eligible(vma) ? 1u : 0u);
	show_vmflags(sb, l->flags);
	return 0;
}

int show_smaps(struct mmsim_machine *m, struct task_struct *t, struct strbuf *sb)
{
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	struct map_line l;
	int ret;

	if (!t->mm)
		return 0;		/* a zombie or a kernel thread: an empty file */
	vma_iter_init(&vmi, &t->mm->mm_mt, 0);
	for_each_vma(vmi, vma) {
		vma_map_line(vma, &l);
		ret = show_smap(m, sb, &l, vma);
		if (ret)
			return ret;
	}
	if (gate_map_line(m, t, &l)) {
		ret = show_smap(m, sb, &l, NULL);
		if (ret)
			return ret;
	}
	return sb->err;
}

int show_smaps_rollup(struct mmsim_machine *m, struct task_struct *t, struct strbuf *sb)
{
	struct mem_size_stats mss;
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	struct map_line l;
	bool first = true;
	int ret;

	if (!t->mm)
		return -ESRCH;		/* proc_mem_open finds no mm: the open fails */
	memset(&mss, 0, sizeof(mss));
	memset(&l, 0, sizeof(l));
	vma_iter_init(&vmi, &t->mm->mm_mt, 0);
	for_each_vma(vmi, vma) {
		if (first)
			l.start = vma->vm_start;
		first = false;
		ret = smap_gather_stats(&m->mm, vma, &mss);
		if (ret)
			return ret;
		l.end = vma->vm_end;
	}
	/* show_vma_header_prefix(vma_start, last_vma_end, 0, 0, 0, 0): "---p 00000000 00:00 0" */
	l.name = "[rollup]";
	show_map_line(sb, &l);
	__show_smap(sb, &mss, true);
	return sb->err;
}

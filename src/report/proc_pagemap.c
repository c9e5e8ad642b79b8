/*
 * /proc/PID/pagemap (Linux 6.18: fs/proc/task_mmu.c pagemap_read, pagemap_pte_hole,
 * pte_to_pagemap_entry, pagemap_pmd_range; Documentation/admin-guide/mm/pagemap.rst).
 *
 * One 64-bit entry per virtual page, at file offset (va / PAGE_SIZE) * 8:
 *   bits 0-54  pfn when present (root's view: mmsim always shows it)
 *   bit  55    soft-dirty (only with CONFIG_MEM_SOFT_DIRTY and a VM_SOFTDIRTY VMA here)
 *   bit  56    exclusively mapped: the page's own mapcount is 1 (CONFIG_PAGE_MAPCOUNT)
 *   bit  57    uffd-wp          bit 58  guard region (MADV_GUARD_INSTALL marker)
 *   bit  61    file page or shared anonymous (the page is not anonymous)
 *   bit  62    swapped          bit 63  present
 * Holes, inside a VMA or not, read as 0. The shared zero page is present with its pfn and no
 * other bit (vm_normal_page is NULL for it); a huge zero PMD is present and "file" (Linux
 * looks at pmd_page, which is not anonymous) and never exclusive: what the reference
 * kernel shows (tests/oracle/probes/smaps_probe.c thp).
 *
 * Swap PTEs give bit 62 with the type and offset << 5 in bits 0-54 (pte_to_pagemap_entry).
 * Left out until the model has them: uffd-wp, guard-region markers (MADV_GUARD_INSTALL only
 * flags the VMA here), per-entry soft-dirty bits, hugetlb.
 *
 * The text form (show_pagemap_text) is mmsim's own: for each VMA its maps line, then one
 * line per page with the present, swap or guard bit:
 *   "  <address> <entry, 16 hex digits> pfn <pfn hex> present file exclusive ..."
 */
#include <errno.h>
#include <string.h>

#include "mm/folio.h"
#include "mm/kprofile.h"
#include "mm/memory.h"
#include "mm/swap.h"
#include "mm/page_alloc.h"
#include "mm/vma.h"
#include "report/task_mmu.h"

#define PM_ENTRY_BYTES 8u

/* Where entries go: emit(arg, va, pme) for every page of a present leaf in the range. */
typedef void (*pagemap_emit_fn)(void *arg, uint64_t va, uint64_t pme);

struct pagemap_walk {
	struct mm_sys *ms;
	struct vm_area_struct *vma;
	uint64_t start, end;		/* the part of vma asked for */
	uint64_t vma_flags;		/* PM_SOFT_DIRTY for a VM_SOFTDIRTY VMA */
	pagemap_emit_fn emit;
	void *arg;
};

/* pte_to_pagemap_entry for a present base page of frame pfn. */
static uint64_t pte_to_pagemap_entry(struct pagemap_walk *w, uint64_t pfn)
{
	uint64_t flags = PM_PRESENT | w->vma_flags;
	struct page *page = report_normal_page(w->ms, w->vma, pfn, NULL);

	if (page) {
		struct page *folio = page_folio(page);

		if (!folio_test_anon(folio))
			flags |= PM_FILE;
		if (page_mapcount(page) == 1)	/* __folio_page_mapped_exclusively */
			flags |= PM_MMAP_EXCLUSIVE;
	}
	return (pfn & PM_PFRAME_MASK) | flags;
}

/* pagemap_pmd_range for a huge leaf: one entry per base page, pfn counting up. */
static void pmd_to_pagemap_entries(struct pagemap_walk *w, const struct pgtable_visit *v)
{
	struct mm_sys *ms = w->ms;
	uint64_t pfn = v->desc.pa >> ms->page_shift;
	uint64_t lo = v->va > w->start ? v->va : w->start;
	uint64_t hi = v->va + v->size < w->end ? v->va + v->size : w->end;
	bool zero = ms->huge_zero_pfn && pfn == ms->huge_zero_pfn;
	/* pmd_page, not vm_normal_page_pmd: the huge zero folio counts as a file page */
	struct page *page = pfn_to_page(ms, pfn);
	uint64_t flags = PM_PRESENT | w->vma_flags;

	if (zero || (page && !folio_test_anon(page_folio(page))))
		flags |= PM_FILE;
	for (uint64_t va = lo; va < hi; va += ms->page_size) {
		uint64_t idx = (va - v->va) >> ms->page_shift, f = flags;

		/* the huge zero folio is never rmapped: its mapcounts say 0, never exclusive */
		if (page && !zero && page_mapcount(page + idx) == 1)
			f |= PM_MMAP_EXCLUSIVE;
		w->emit(w->arg, va, ((pfn + idx) & PM_PFRAME_MASK) | f);
	}
}

static int pagemap_leaf(const struct pgtable_visit *v, void *arg)
{
	struct pagemap_walk *w = arg;
	struct mm_sys *ms = w->ms;

	if (v->desc.kind != PTE_KIND_LEAF) {
		swp_entry_t e;

		/* a swap PTE: PM_SWAP, type | offset << MAX_SWAPFILES_SHIFT (root sees the frame) */
		if (v->raw && v->va >= w->start && v->va < w->end &&
		    pte_to_swp_entry(w->vma->vm_mm->pgd.fmt, v->raw, &e, NULL))
			w->emit(w->arg, v->va, ((swp_type(e) | swp_offset(e) << MAX_SWAPFILES_SHIFT) &
						 PM_PFRAME_MASK) | PM_SWAP | w->vma_flags);
		return 0;
	}
	if (v->size > ms->page_size) {
		pmd_to_pagemap_entries(w, v);
		return 0;
	}
	if (v->va >= w->start && v->va < w->end)
		w->emit(w->arg, v->va, pte_to_pagemap_entry(w, v->desc.pa >> ms->page_shift));
	return 0;
}

/* The flags every page of vma has, present or not (pagemap_pte_hole: VM_SOFTDIRTY). */
static uint64_t pagemap_vma_flags(const struct vm_area_struct *vma)
{
	if (kernel_profile_current()->config_mem_soft_dirty && (vma->vm_flags & VM_SOFTDIRTY))
		return PM_SOFT_DIRTY;
	return 0;
}

/* Emit the entries of the present pages of [start, end) of vma. */
static int pagemap_walk_vma(struct mm_sys *ms, struct vm_area_struct *vma, uint64_t start,
			    uint64_t end, pagemap_emit_fn emit, void *arg)
{
	struct mm_struct *mm = vma->vm_mm;
	struct pagemap_walk w = { ms, vma, start, end, pagemap_vma_flags(vma), emit, arg };

	if (!mm->pgd.root[0] || start >= end)
		return 0;
	return pgtable_walk_range(&mm->pgd, start, end, true, pagemap_leaf, &w);
}

/* ---- the binary file ------------------------------------------------------------------- */

struct pagemap_buf {
	uint8_t *buf;
	uint64_t start;			/* address of entry 0 */
	unsigned int page_shift;
};

static void buf_emit(void *arg, uint64_t va, uint64_t pme)
{
	struct pagemap_buf *b = arg;

	memcpy(b->buf + ((va - b->start) >> b->page_shift) * PM_ENTRY_BYTES, &pme, sizeof(pme));
}

int64_t pagemap_read(struct mmsim_machine *m, struct task_struct *t, uint64_t pos, void *buf,
		     size_t count)
{
	struct mm_sys *ms = &m->mm;
	struct mm_struct *mm = t->mm;
	unsigned int shift = ms->page_shift;
	uint64_t svpfn, start_vaddr, end_vaddr, n;
	struct vma_iterator vmi;
	struct vm_area_struct *vma;

	if (!mm)
		return -ESRCH;		/* proc_mem_open finds no mm: the open fails */
	if (pos % PM_ENTRY_BYTES || count % PM_ENTRY_BYTES)
		return -EINVAL;		/* file position and size must be aligned */
	if (!count)
		return 0;
	svpfn = pos / PM_ENTRY_BYTES;
	end_vaddr = mm->task_size;
	start_vaddr = end_vaddr;	/* watch out for wraparound */
	if (svpfn <= (UINT64_MAX >> shift)) {
		uint64_t end;

		start_vaddr = svpfn << shift;
		end = start_vaddr + ((uint64_t)(count / PM_ENTRY_BYTES) << shift);
		if (end >= start_vaddr && end < mm->task_size)
			end_vaddr = end;
	}
	if (start_vaddr > mm->task_size)	/* the address must be inside the task */
		start_vaddr = end_vaddr;
	if (start_vaddr >= end_vaddr)
		return 0;
	n = (end_vaddr - start_vaddr) >> shift;
	if (n > count / PM_ENTRY_BYTES)
		n = count / PM_ENTRY_BYTES;
	end_vaddr = start_vaddr + (n << shift);

	struct pagemap_buf b = { buf, start_vaddr, shift };
	memset(buf, 0, n * PM_ENTRY_BYTES);
	vma_iter_init(&vmi, &mm->mm_mt, start_vaddr);
	for_each_vma(vmi, vma) {
		if (vma->vm_start >= end_vaddr)
			break;
		uint64_t lo = vma->vm_start > start_vaddr ? vma->vm_start : start_vaddr;
		uint64_t hi = vma->vm_end < end_vaddr ? vma->vm_end : end_vaddr;
		uint64_t base = pagemap_vma_flags(vma);
		for (uint64_t va = lo; base && va < hi; va += ms->page_size)
			buf_emit(&b, va, base);
		int ret = pagemap_walk_vma(ms, vma, lo, hi, buf_emit, &b);
		if (ret)
			return ret;
	}
	return (int64_t)(n * PM_ENTRY_BYTES);
}

/* ---- the text form --------------------------------------------------------------------- */

static void text_emit(void *arg, uint64_t va, uint64_t pme)
{
	static const struct { uint64_t bit; const char *name; } bits[] = {
		{ PM_PRESENT, "present" }, { PM_SWAP, "swap" }, { PM_FILE, "file" },
		{ PM_MMAP_EXCLUSIVE, "exclusive" }, { PM_UFFD_WP, "uffd-wp" },
		{ PM_GUARD_REGION, "guard" }, { PM_SOFT_DIRTY, "soft-dirty" },
	};
	struct strbuf *sb = arg;

	if (!(pme & (PM_PRESENT | PM_SWAP | PM_GUARD_REGION)))
		return;
	sb_printf(sb, "  %012llx %016llx pfn %llx", (unsigned long long)va,
		  (unsigned long long)pme, (unsigned long long)(pme & PM_PFRAME_MASK));
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (pme & bits[i].bit)
			sb_printf(sb, " %s", bits[i].name);
	sb_puts(sb, "\n");
}

int show_pagemap_text(struct mmsim_machine *m, struct task_struct *t, struct strbuf *sb)
{
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	struct map_line l;

	if (!t->mm)
		return -ESRCH;
	vma_iter_init(&vmi, &t->mm->mm_mt, 0);
	for_each_vma(vmi, vma) {
		vma_map_line(vma, &l);
		show_map_line(sb, &l);
		int ret = pagemap_walk_vma(&m->mm, vma, vma->vm_start, vma->vm_end, text_emit, sb);
		if (ret)
			return ret;
	}
	return sb->err;
}

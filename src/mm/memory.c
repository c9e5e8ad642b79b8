/*
 * The page-fault handler, first slice: private anonymous memory (Linux 6.18 mm/memory.c:
 * handle_mm_fault, handle_pte_fault, do_anonymous_page, do_wp_page, wp_page_reuse,
 * wp_page_copy, copy_page_range / copy_present_pte, zap_pte_range; mm/mprotect.c
 * change_pte_range / can_change_private_pte_writable; include/linux/mm.h mm_account_fault,
 * update_hiwater_rss; arch/x86/mm/tlb.c flush_tlb_mm_range).
 *
 * Leaves out (later slices of issue 5): file-backed and shared mappings (VM_FAULT_MMSIM_NOSYS),
 * swap, THP, rmap (anon_vma), the LRU lists, NUMA policy, userfaultfd, soft-dirty, KSM.
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
#include <string.h>

#include "hw/mmu.h"
#include "kernel/sched.h"
#include "mm/memblock.h"
#include "mm/memory.h"
#include "mm/page_alloc.h"
#include "mm/vmstat.h"
#include "util/error.h"

/* Linux 6.18: PG_anon_exclusive is an alias of PG_owner_2 (include/linux/page-flags.h). */
#define PG_anon_exclusive PG_owner_2

/* ---- the zero page ------------------------------------------------------------------------ */

/*
 * empty_zero_page lives in the kernel image's bss on x86 (arch/x86/kernel/head_64.S) and
 * arm64 (arch/arm64/mm/mmu.c): the first page of the "kernel bss" memblock region that boot
 * reserved. It is PG_reserved, outside the buddy allocator, never written (RAM reads as zero
 * until written) and never freed.
 */
uint64_t zero_pfn(const struct mm_sys *ms)
{
	const struct memblock_type *r = &ms->memblock.reserved;

	for (unsigned int i = 0; i < r->cnt; i++)
		if (r->regions[i].owner && !strcmp(r->regions[i].owner, "kernel bss") &&
		    r->regions[i].size >= ms->page_size)
			return (r->regions[i].base + ms->page_size - 1) >> ms->page_shift;
	return 0;
}

int zero_page_init(struct mm_sys *ms)
{
	uint64_t pfn = zero_pfn(ms);
	struct page *p = pfn ? pfn_to_page(ms, pfn) : NULL;

	if (!p || !page_test(p, PG_reserved))
		return -ENOMEM;
	return 0;
}

static bool is_zero_pfn(const struct mm_sys *ms, uint64_t pfn)
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
static uint32_t prot_mkwrite(const struct mm_struct *mm, uint32_t prot)
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
static uint32_t prot_wrprotect(const struct mm_struct *mm, uint32_t prot)
{
	prot &= ~PTE_WRITE;
	if (is_arm64(mm))
		prot &= ~(PTE_DBM | PTE_DIRTY);
	return prot;
}

/* Rewrite the present leaf at entry_pa (level) to map pa with prot (set_pte_at). */
static int set_pte(struct mm_struct *mm, uint64_t entry_pa, int level, uint64_t pa, uint32_t prot)
{
	const struct pt_format *f = mm->pgd.fmt;
	struct pte_desc d = { .kind = PTE_KIND_LEAF, .prot = prot, .pa = pa };
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

static void add_mm_counter(struct mm_struct *mm, int member, int64_t v)
{
	mm->rss_stat[member] += v;
}

static uint64_t get_mm_rss(const struct mm_struct *mm)
{
	return (uint64_t)(mm->rss_stat[MM_FILEPAGES] + mm->rss_stat[MM_ANONPAGES] +
			  mm->rss_stat[MM_SHMEMPAGES]);
}

/* update_hiwater_rss (include/linux/mm.h): called before RSS can drop */
static void update_hiwater_rss(struct mm_struct *mm)
{
	uint64_t rss = get_mm_rss(mm);

	if (mm->hiwater_rss < rss)
		mm->hiwater_rss = rss;
}

/* Drop one mapping of an anonymous page (folio_remove_rmap_pte + folio_put). */
static void put_anon_page(struct mm_struct *mm, struct page *p)
{
	p->mapcount--;
	if (--p->refcount == 0) {
		/* free_pages_prepare clears the page's mm state; __free_pages drops the last ref */
		p->refcount = 1;
		p->flags &= ~((1ull << PG_anon) | (1ull << PG_anon_exclusive) | (1ull << PG_swapbacked) |
			      (1ull << PG_dirty) | (1ull << PG_uptodate));
		p->mapcount = -1;
		__free_pages(mm->ms, cpu_of(mm), p, 0);
	}
}

/* A new anonymous page: zeroed, PG_anon, mapped once (vma_alloc_zeroed_movable_folio). */
static struct page *alloc_anon_page(struct mm_struct *mm)
{
	int err = 0;
	struct page *p = alloc_pages(mm->ms, cpu_of(mm), MMSIM_GFP_HIGHUSER_MOVABLE | MMSIM_GFP_ZERO,
				     0, &err);

	if (!p)
		return NULL;
	page_set(p, PG_anon);
	page_set(p, PG_swapbacked);
	page_set(p, PG_uptodate);
	page_set(p, PG_anon_exclusive);
	p->mapcount = 0;
	return p;
}

/* Undo alloc_anon_page when the PTE could not be written. */
static void free_anon_page(struct mm_struct *mm, struct page *p)
{
	p->mapcount = 1;	/* put_anon_page takes the mapping and the reference away */
	put_anon_page(mm, p);
}

/* ---- the fault paths ---------------------------------------------------------------------- */

/* do_anonymous_page: a missing PTE in a private anonymous VMA. */
static vm_fault_t do_anonymous_page(struct vm_area_struct *vma, uint64_t addr, unsigned int flags)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	uint32_t prot = (uint32_t)vma->vm_page_prot;
	struct page *p;
	int err;

	if (!(flags & FAULT_FLAG_WRITE)) {
		/* the zero page, pte_mkspecial, read-only whatever vm_page_prot says */
		err = pgtable_map(&mm->pgd, addr, zero_pfn(ms) << ms->page_shift, ms->page_size,
				  ms->page_shift, prot_wrprotect(mm, prot), 0);
		return err == -ENOMEM ? VM_FAULT_OOM : err ? VM_FAULT_SIGBUS : 0;
	}
	p = alloc_anon_page(mm);
	if (!p)
		return VM_FAULT_OOM;
	if (vma->vm_flags & VM_WRITE)
		prot = prot_mkwrite(mm, prot);
	err = pgtable_map(&mm->pgd, addr, page_to_pfn(ms, p) << ms->page_shift, ms->page_size,
			  ms->page_shift, prot, 0);
	if (err) {
		free_anon_page(mm, p);
		return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	}
	add_mm_counter(mm, MM_ANONPAGES, 1);
	return 0;
}

/* wp_page_reuse: the page is ours alone; make the PTE writable and dirty. */
static vm_fault_t wp_page_reuse(struct vm_area_struct *vma, uint64_t addr, uint64_t entry_pa,
				int level, const struct pte_desc *d, struct page *p)
{
	struct mm_struct *mm = vma->vm_mm;

	page_set(p, PG_anon_exclusive);
	if (set_pte(mm, entry_pa, level, d->pa, prot_mkwrite(mm, d->prot | PTE_ACCESSED)))
		return VM_FAULT_SIGBUS;
	/* a TLB entry may still say read-only: Linux relies on the spurious-fault path;
	   the model flushes so the retry walks */
	flush_tlb_page(mm, addr);
	return 0;
}

/* wp_page_copy: a new page (zeroed for the zero page, else a copy) replaces the old one. */
static vm_fault_t wp_page_copy(struct vm_area_struct *vma, uint64_t addr, uint64_t entry_pa,
			       int level, struct page *old)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *ms = mm->ms;
	struct page *p = alloc_anon_page(mm);
	uint32_t prot;

	if (!p)
		return VM_FAULT_OOM;
	if (old)
		memcpy(page_address(ms, p), page_address(ms, old), ms->page_size);
	prot = prot_mkwrite(mm, (uint32_t)vma->vm_page_prot);
	/* ptep_clear_flush, then set_pte_at */
	if (set_pte(mm, entry_pa, level, page_to_pfn(ms, p) << ms->page_shift, prot)) {
		free_anon_page(mm, p);
		return VM_FAULT_SIGBUS;
	}
	flush_tlb_page(mm, addr);
	if (old)
		put_anon_page(mm, old);
	else
		add_mm_counter(mm, MM_ANONPAGES, 1);	/* the zero page was not counted */
	return 0;
}

/* do_wp_page: a store to a present read-only PTE of a writable private VMA. */
static vm_fault_t do_wp_page(struct vm_area_struct *vma, uint64_t addr, uint64_t entry_pa,
			     int level, const struct pte_desc *d)
{
	struct mm_sys *ms = vma->vm_mm->ms;
	uint64_t pfn = d->pa >> ms->page_shift;
	struct page *p;

	if (is_zero_pfn(ms, pfn))
		return wp_page_copy(vma, addr, entry_pa, level, NULL);
	p = pfn_to_page(ms, pfn);
	if (!p || !page_test(p, PG_anon))
		return VM_FAULT_MMSIM_NOSYS;
	/* PageAnonExclusive, or wp_can_reuse_anon_folio: no other mapping or reference */
	if (page_test(p, PG_anon_exclusive) || (p->mapcount == 0 && p->refcount == 1))
		return wp_page_reuse(vma, addr, entry_pa, level, d, p);
	return wp_page_copy(vma, addr, entry_pa, level, p);
}

/* handle_pte_fault for the anonymous paths. */
static vm_fault_t handle_pte_fault(struct vm_area_struct *vma, uint64_t addr, unsigned int flags)
{
	struct mm_struct *mm = vma->vm_mm;
	struct pte_desc d;
	uint64_t entry_pa;
	int level;

	if (pgtable_lookup(&mm->pgd, addr, &d, &level, &entry_pa))
		return VM_FAULT_SIGBUS;
	if (d.kind != PTE_KIND_LEAF)
		return do_anonymous_page(vma, addr, flags);
	if (level != mm->pgd.fmt->nr_levels - 1)
		return VM_FAULT_MMSIM_NOSYS;	/* a huge leaf: THP is a later slice */
	if ((flags & FAULT_FLAG_WRITE) && !(d.prot & PTE_WRITE))
		return do_wp_page(vma, addr, entry_pa, level, &d);
	/*
	 * The entry allows the access: an arm64 access-flag fault (AF = 0 without hardware AF
	 * management) or a stale TLB entry. Linux: pte_mkyoung (+ pte_mkdirty on a write) and
	 * ptep_set_access_flags, then flush what the TLB held.
	 */
	if (!(d.prot & PTE_ACCESSED) && set_pte(mm, entry_pa, level, d.pa, d.prot | PTE_ACCESSED))
		return VM_FAULT_SIGBUS;
	flush_tlb_page(mm, addr);
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
	if ((ret & VM_FAULT_MAJOR) || (flags & FAULT_FLAG_TRIED)) {
		t->maj_flt++;
		count_vm_events(mm->ms, PGMAJFAULT, 1);
	} else {
		t->min_flt++;
	}
}

vm_fault_t handle_mm_fault(struct vm_area_struct *vma, uint64_t address, unsigned int flags,
			   struct task_struct *t)
{
	struct mm_struct *mm = vma->vm_mm;
	vm_fault_t ret;

	address &= ~(mm->ms->page_size - 1);
	/* arch_vma_access_permitted / sanitize_fault_flags: the VMA must allow the access */
	if ((flags & FAULT_FLAG_WRITE) && !(vma->vm_flags & VM_WRITE))
		ret = VM_FAULT_SIGSEGV;
	else if (vma->vm_file || (vma->vm_flags & (VM_SHARED | VM_PFNMAP | VM_MIXEDMAP | VM_HUGETLB)) ||
		 vma->vm_ops)
		ret = VM_FAULT_MMSIM_NOSYS;	/* file, shared, special: later slices */
	else
		ret = handle_pte_fault(vma, address, flags);
	mm_account_fault(mm, t, flags, ret);
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

	if (v->desc.kind != PTE_KIND_LEAF)
		return 0;
	if (v->size != ms->page_size)
		return -EINVAL;		/* huge leaves are a later slice */
	pfn = v->desc.pa >> ms->page_shift;
	if (is_zero_pfn(ms, pfn))
		return w->fn(v->va, v->desc.prot, NULL, true, w->arg);
	return w->fn(v->va, v->desc.prot, pfn_to_page(ms, pfn), false, w->arg);
}

int mm_walk_ptes(struct mm_struct *mm, uint64_t start, uint64_t end, mm_pte_fn fn, void *arg)
{
	struct walk_ctx w = { mm, fn, arg };

	if (!mm->pgd.root[0] || (end && end <= start))
		return 0;
	return pgtable_walk_range(&mm->pgd, start, end, false, walk_one, &w);
}

/* ---- fork: copy_page_range ----------------------------------------------------------------- */

struct copy_ctx {
	struct vm_area_struct *dst, *src;
	int err;
	bool any_anon;
};

static int find_anon(uint64_t va, uint64_t prot, struct page *p, bool zero, void *arg)
{
	(void)va; (void)prot; (void)zero;
	if (p && page_test(p, PG_anon)) {
		((struct copy_ctx *)arg)->any_anon = true;
		return 1;
	}
	return 0;
}

/* copy_present_pte: share the page, write-protect both PTEs when it is a private COW page. */
static int copy_one(uint64_t va, uint64_t prot, struct page *p, bool zero, void *arg)
{
	struct copy_ctx *c = arg;
	struct mm_struct *src = c->src->vm_mm, *dst = c->dst->vm_mm;
	struct mm_sys *ms = src->ms;
	uint32_t nprot = (uint32_t)prot;
	uint64_t pa;
	int err;

	if (zero) {
		pa = zero_pfn(ms) << ms->page_shift;
	} else {
		if (!p || !page_test(p, PG_anon))
			return -ENOSYS;		/* file pages: a later slice */
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
	/* the child's entry is old (pte_mkold for non-VM_... as copy_present_pte: mkold) */
	err = pgtable_map(&dst->pgd, va, pa, ms->page_size, ms->page_shift, nprot & ~PTE_ACCESSED, 0);
	if (err)
		return err;
	if (!zero) {
		/* folio_try_dup_anon_rmap_pte: the page is no longer exclusive */
		page_clear(p, PG_anon_exclusive);
		p->mapcount++;
		p->refcount++;
		add_mm_counter(dst, MM_ANONPAGES, 1);
	}
	return 0;
}

int copy_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma)
{
	struct copy_ctx c = { dst_vma, src_vma, 0, false };
	struct mm_struct *src = src_vma->vm_mm;
	int err;

	if (src_vma->vm_flags & VM_WIPEONFORK)
		return 0;
	/*
	 * vma_needs_copy: an anonymous VMA is copied only when it has an anon_vma, i.e. once an
	 * anonymous page was faulted in it; zero-page-only VMAs leave the child to fault again.
	 * Without rmap yet, "has an anonymous page mapped now" stands for "has an anon_vma".
	 */
	err = mm_walk_ptes(src, src_vma->vm_start, src_vma->vm_end, find_anon, &c);
	if (err < 0)
		return err;
	if (!c.any_anon)
		return 0;
	return mm_walk_ptes(src, src_vma->vm_start, src_vma->vm_end, copy_one, &c);
}

/* ---- zap ---------------------------------------------------------------------------------- */

struct zap_ctx {
	struct mm_struct *mm;
};

static int zap_one(uint64_t va, uint64_t prot, struct page *p, bool zero, void *arg)
{
	struct zap_ctx *z = arg;

	(void)va; (void)prot;
	if (zero || !p || !page_test(p, PG_anon))
		return 0;
	add_mm_counter(z->mm, MM_ANONPAGES, -1);
	put_anon_page(z->mm, p);
	return 0;
}

int zap_page_range(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	struct zap_ctx z = { mm };
	int err;

	if (!mm->pgd.root[0] || end <= start)
		return 0;
	update_hiwater_rss(mm);
	/*
	 * Linux clears the PTEs, flushes the TLB and only then frees the pages (tlb_finish_mmu)
	 * because other CPUs run concurrently; the model runs one access at a time, so dropping
	 * the pages during the walk and flushing after is equivalent.
	 */
	err = mm_walk_ptes(mm, start, end, zap_one, &z);
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
	int err;
};

static int protect_one(uint64_t va, uint64_t prot, struct page *p, bool zero, void *arg)
{
	struct prot_ctx *c = arg;
	struct mm_struct *mm = c->vma->vm_mm;
	uint32_t np = c->newprot;

	(void)prot;
	/* can_change_private_pte_writable: only exclusive anonymous pages become writable */
	if ((c->vma->vm_flags & VM_WRITE) && !(c->vma->vm_flags & VM_SHARED) && !zero && p &&
	    page_test(p, PG_anon) && page_test(p, PG_anon_exclusive))
		np = prot_mkwrite(mm, np) & ~PTE_DIRTY;
	else
		np = prot_wrprotect(mm, np);
	return pgtable_protect(&mm->pgd, va, mm->ms->page_size, np);
}

int change_protection(struct vm_area_struct *vma, uint64_t start, uint64_t end, uint64_t newprot)
{
	struct mm_struct *mm = vma->vm_mm;
	struct prot_ctx c = { vma, (uint32_t)newprot, 0 };
	int err;

	if (!mm->pgd.root[0] || end <= start)
		return 0;
	err = mm_walk_ptes(mm, start, end, protect_one, &c);
	flush_tlb_mm_range(mm, start, end);
	return err;
}

/* ---- validation --------------------------------------------------------------------------- */

struct rss_ctx {
	int64_t anon;
	int bad;
	uint64_t bad_va;
};

static int rss_one(uint64_t va, uint64_t prot, struct page *p, bool zero, void *arg)
{
	struct rss_ctx *c = arg;

	(void)prot;
	if (zero)
		return 0;
	if (!p || !page_test(p, PG_anon) || p->mapcount < 0 || p->refcount < p->mapcount + 1) {
		c->bad = 1;
		c->bad_va = va;
		return 1;
	}
	c->anon++;
	return 0;
}

int mm_rss_validate(struct mm_struct *mm, struct mmsim_error *err)
{
	struct rss_ctx c = { 0, 0, 0 };
	int ret = mm_walk_ptes(mm, 0, 0, rss_one, &c);

	if (c.bad)
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "page mapped at 0x%llx is not a counted anonymous page",
			       (unsigned long long)c.bad_va);
	if (ret < 0)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "page-table walk failed (%d)", ret);
	if (c.anon != mm->rss_stat[MM_ANONPAGES])
		return err_set(err, -EUCLEAN, NULL, 0, 0, "MM_ANONPAGES is %lld, %lld pages mapped",
			       (long long)mm->rss_stat[MM_ANONPAGES], (long long)c.anon);
	return 0;
}

/*
 * The page-fault handler and the page-table side of address-space changes (Linux 6.18:
 * mm/memory.c handle_mm_fault, __handle_mm_fault, handle_pte_fault, do_anonymous_page,
 * do_wp_page, wp_page_reuse, wp_page_copy, copy_page_range, zap_page_range_single,
 * unmap_vmas; mm/mprotect.c change_protection; include/linux/mm.h mm_account_fault).
 *
 * First slice of issue 5: private anonymous memory only.
 *   - read fault on a missing PTE: the shared zero page, read-only, no RSS;
 *   - write fault on a missing PTE: a zeroed order-0 frame (GFP_HIGHUSER_MOVABLE), PG_anon,
 *     mapped writable (maybe_mkwrite), MM_ANONPAGES + 1;
 *   - write fault on a present read-only PTE of a writable VMA (do_wp_page): the zero page
 *     is replaced by a new zeroed frame; an exclusive anonymous page (mapcount 0, refcount
 *     1) is reused in place; otherwise the 4 KiB are copied into a new frame (COW).
 * A fault on a file-backed or shared VMA is not modelled yet: VM_FAULT_MMSIM_NOSYS.
 *
 * The zero page (empty_zero_page) is allocated once per machine, PG_reserved, never freed
 * and never counted in RSS; its refcount is not touched by mappings (Linux: it is a
 * special PFN, vm_normal_page() returns NULL for it).
 *
 * TLB: every change that removes or reduces a present PTE flushes that page from every
 * CPU whose root register points at the mm's tables (flush_tlb_page / flush_tlb_mm_range),
 * as Linux flushes after ptep_clear_flush / change_protection / zap.
 */
#ifndef MMSIM_MM_MEMORY_H
#define MMSIM_MM_MEMORY_H
#include <stdint.h>
#include "mm/mm_types.h"

struct task_struct;
struct mmsim_error;

/* enum fault_flag (include/linux/mm_types.h), the values Linux uses. */
#define FAULT_FLAG_WRITE	(1u << 0)
#define FAULT_FLAG_MKWRITE	(1u << 1)
#define FAULT_FLAG_ALLOW_RETRY	(1u << 2)
#define FAULT_FLAG_KILLABLE	(1u << 4)
#define FAULT_FLAG_TRIED	(1u << 5)
#define FAULT_FLAG_USER		(1u << 6)
#define FAULT_FLAG_REMOTE	(1u << 7)
#define FAULT_FLAG_INSTRUCTION	(1u << 8)

/* vm_fault_t (include/linux/mm_types.h enum vm_fault_reason), Linux's values. */
typedef unsigned int vm_fault_t;
#define VM_FAULT_OOM		0x000001u
#define VM_FAULT_SIGBUS		0x000002u
#define VM_FAULT_MAJOR		0x000004u
#define VM_FAULT_HWPOISON	0x000010u
#define VM_FAULT_SIGSEGV	0x000040u
#define VM_FAULT_NOPAGE		0x000100u
#define VM_FAULT_RETRY		0x000400u
#define VM_FAULT_DONE_COW	0x001000u
#define VM_FAULT_FALLBACK	0x000800u	/* a huge page could not be had: use PTEs */
#define VM_FAULT_COMPLETED	0x004000u
/* mmsim's own: the path this fault needs is not modelled yet (file, shared, huge). */
#define VM_FAULT_MMSIM_NOSYS	0x40000000u
#define VM_FAULT_ERROR (VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON | \
			VM_FAULT_MMSIM_NOSYS)

/*
 * One fault being handled (struct vm_fault, include/linux/mm.h): what the fault handler
 * and the vm_ops callbacks (filemap_fault, filemap_map_pages, shmem_fault, the THP paths)
 * pass between them.
 */
struct vm_fault {
	struct vm_area_struct *vma;
	uint64_t address;		/* faulting address, page aligned */
	uint64_t real_address;		/* as the access gave it */
	uint64_t pgoff;			/* offset in vma's file (or linear index), in pages */
	unsigned int flags;		/* FAULT_FLAG_* */
	struct task_struct *task;	/* who faults (may be NULL) */
	struct page *page;		/* ->fault's result: the page, one folio ref held */
	struct page *cow_page;		/* do_cow_fault's new anonymous page */
	/* the entry that decided the fault (pgtable_lookup): kind NONE for a missing one */
	struct pte_desc orig;
	int level;
	uint64_t entry_pa;
};

/*
 * Allocate the machine's zero page (mm_init's empty_zero_page; call once after the buddy
 * allocator is up; later calls return 0 and keep the page). -ENOMEM.
 */
int zero_page_init(struct mm_sys *ms);
/* pfn of the zero page, or 0 before zero_page_init (pfn 0 is never handed out by it). */
uint64_t zero_pfn(const struct mm_sys *ms);

/*
 * Handle a fault at address in vma (which contains it: the caller did find_vma, stack
 * expansion and the access check, as arch/x86/mm/fault.c does) for an access described by
 * flags (FAULT_FLAG_*). t (may be NULL: no per-task counts) is the faulting task, whose
 * min_flt/maj_flt are counted by mm_account_fault. Returns 0 (PTE fixed, retry the access)
 * or VM_FAULT_* bits: OOM (nothing changed), SIGSEGV (the VMA forbids the access), MMSIM_NOSYS.
 * Counts PGFAULT for every call that is not a retry, as Linux's mm_account_fault.
 */
vm_fault_t handle_mm_fault(struct vm_area_struct *vma, uint64_t address, unsigned int flags,
			   struct task_struct *t);

/*
 * Map nr consecutive pages page.. of folio at addr.. in vmf->vma (set_pte_range): the PTEs
 * must be empty. Protection from vma->vm_page_prot; a write fault makes them dirty and, if
 * the VMA may write, writable (maybe_mkwrite); prefault (fault-around) entries are old on
 * arm64 with hardware AF (arch_wants_old_prefaulted_pte), young elsewhere. Adds the rmap
 * (folio_add_new_anon_rmap for a private write, else folio_add_file_rmap_ptes). The caller
 * takes the folio references and counts RSS (add_mm_counter). 0 or -ENOMEM.
 */
int set_pte_range(struct vm_fault *vmf, struct page *folio, struct page *page, unsigned int nr,
		  uint64_t addr, bool prefault);

/* Leaf permission helpers (pte_mkwrite(pte_mkdirty()), pte_wrprotect) for mm's format. */
uint32_t prot_mkwrite(const struct mm_struct *mm, uint32_t prot);
uint32_t prot_wrprotect(const struct mm_struct *mm, uint32_t prot);
/* Rewrite the present leaf at entry_pa (of level) to map pa with prot (set_pte_at). */
int set_pte(struct mm_struct *mm, uint64_t entry_pa, int level, uint64_t pa, uint32_t prot);
/* The same with the entry's software bits (set_pmd_at keeping the huge PMD's). */
int set_pte_soft(struct mm_struct *mm, uint64_t entry_pa, int level, uint64_t pa, uint32_t prot,
		 uint64_t soft);
/* Is pfn the 4 KiB zero page? */
bool is_zero_pfn(const struct mm_sys *ms, uint64_t pfn);

/* Is the PTE of addr in mm empty (pte_none; no table yet counts as empty)? */
bool pte_none_at(struct mm_struct *mm, uint64_t addr);

/* RSS counters (include/linux/mm.h add_mm_counter, mm_counter_file). */
static inline void add_mm_counter(struct mm_struct *mm, int member, int64_t v)
{
	mm->rss_stat[member] += v;
}
static inline int mm_counter_file(const struct page *folio)
{
	return page_test(folio, PG_swapbacked) ? MM_SHMEMPAGES : MM_FILEPAGES;
}
/* update_hiwater_rss (include/linux/mm.h): called before RSS can drop */
void update_hiwater_rss(struct mm_struct *mm);

/*
 * fork: copy the PTEs of src_vma (of src_mm) into dst_vma (of dst_mm) as copy_page_range:
 * private anonymous pages are write-protected in both and shared (mapcount+1, refcount+1),
 * zero-page entries copied as they are. VM_WIPEONFORK / VM_DONTCOPY are the caller's
 * (dup_mmap's) business. 0 or -ENOMEM (dst may hold part of the copy; the caller tears the
 * whole dst mm down, as Linux does).
 */
int copy_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma);

/*
 * Unmap [start, end) of mm (zap_page_range / unmap_vmas): every present PTE is cleared, the
 * TLB flushed, the page's mapcount and refcount dropped (freed at 0), RSS decremented.
 * 0 or -ENOMEM / -EINVAL from pgtable_unmap (a huge leaf split; none in this slice).
 */
int zap_page_range(struct mm_struct *mm, uint64_t start, uint64_t end);

/*
 * change_protection for mprotect: the PTEs of [start, end) of vma get newprot; a private
 * anonymous page that is shared (COW) or the zero page stays read-only, an exclusive
 * anonymous page becomes writable only once it is dirty, as can_change_pte_writable;
 * flushes the TLB. 0 or -EINVAL.
 */
int change_protection(struct vm_area_struct *vma, uint64_t start, uint64_t end, uint64_t newprot);

/*
 * mremap's move_page_tables: the leaves of [old_addr, old_addr + len) move to new_addr
 * unchanged (accessed and dirty bits kept), the pages keep their mapcounts (new_vma's
 * vm_pgoff keeps rmap's arithmetic), the TLB forgets the old range. A huge leaf that would
 * not stay aligned is split first. 0 or -ENOMEM (the old range unchanged).
 */
int move_page_tables(struct vm_area_struct *vma, uint64_t old_addr, struct vm_area_struct *new_vma,
		     uint64_t new_addr, uint64_t len);

/*
 * MADV_FREE on [start, end) of a private anonymous vma (madvise_free_pte_range): each page
 * only this process maps becomes clean, old and lazily freeable (PG_swapbacked cleared,
 * pglazyfree); a later write makes it dirty again. 0 or -ENOMEM (a huge PMD split).
 */
int madvise_free_range(struct vm_area_struct *vma, uint64_t start, uint64_t end);

/* Flush one page / a range of mm's ASID on every CPU running mm (arch/x86/mm/tlb.c). */
void flush_tlb_page(struct mm_struct *mm, uint64_t va);
void flush_tlb_mm_range(struct mm_struct *mm, uint64_t start, uint64_t end);

/* The ASID mm runs under (stable for mm's life; 0 when the MMU has none). */
uint16_t mm_asid(const struct mm_struct *mm);

/*
 * Pages mapped in [start, end) of mm, for mincore and /proc: calls fn for every present leaf
 * (a PTE, or a huge PMD of size bytes: then page is the first page it maps and va its start,
 * not clipped to [start, end)) with the page (NULL for the zero page and the huge zero
 * page, zero set). fn returns 0 to go on.
 */
typedef int (*mm_pte_fn)(uint64_t va, uint64_t size, uint64_t pte_prot, struct page *page,
			 bool zero, void *arg);
int mm_walk_ptes(struct mm_struct *mm, uint64_t start, uint64_t end, mm_pte_fn fn, void *arg);

/*
 * The page-table side of mm's invariants: RSS counters equal the anon pages mapped, every
 * mapped anon page has mapcount >= 0 and refcount >= mapcount + 1. 0 or -EUCLEAN.
 */
int mm_rss_validate(struct mm_struct *mm, struct mmsim_error *err);
#endif

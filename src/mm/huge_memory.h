/*
 * Transparent huge pages for anonymous memory (Linux 6.18: mm/huge_memory.c,
 * include/linux/huge_mm.h; sysfs /sys/kernel/mm/transparent_hugepage/).
 *
 * A fault in a private anonymous VMA that THP may use, whose 2 MiB-aligned range around the
 * address lies inside the VMA and whose PMD entry is empty, allocates an order-9 folio
 * (HPAGE_PMD_ORDER on 4 KiB pages; the PMD size of the format in general) and maps it with
 * one PMD leaf. A read fault maps the huge zero page instead when use_zero_page is set.
 * When no block of that order can be had, the fault falls back to 4 KiB pages
 * (VM_FAULT_FALLBACK, thp_fault_fallback). A huge PMD is split into PTEs (thp_split_pmd)
 * when only part of it is unmapped, protected or COW-copied; the folio stays whole (deferred
 * split queue) until freed.
 *
 * Settings (struct thp_settings in mm_sys, machine keys thp=, thp_defrag=,
 * thp_use_zero_page=), with the sysfs words:
 *   enabled  always | madvise | never           (the reference kernel: madvise)
 *   defrag   always | defer | defer+madvise | madvise | never   (madvise)
 * Both decide as Linux's thp_vma_allowable_order / vma_thp_gfp_mask do.
 */
#ifndef MMSIM_MM_HUGE_MEMORY_H
#define MMSIM_MM_HUGE_MEMORY_H
#include <stdint.h>
#include <stdbool.h>
#include "hw/machine_desc.h"
#include "mm/memory.h"

struct mmsim_error;

/* enum thp_mode and enum thp_defrag: hw/machine_desc.h (the machine keys thp=, thp_defrag=) */
struct thp_settings {
	enum thp_mode enabled;
	enum thp_defrag defrag;
	bool use_zero_page;
};

/* Parse / print a sysfs word ("always", "madvise" ...). -EINVAL for an unknown word. */
int thp_enabled_parse(const char *s, enum thp_mode *out);
int thp_defrag_parse(const char *s, enum thp_defrag *out);
/* The sysfs file's text with the current choice in brackets: "always [madvise] never". */
const char *thp_enabled_show(enum thp_mode e, char *buf, unsigned int len);
const char *thp_defrag_show(enum thp_defrag d, char *buf, unsigned int len);

/* The PMD size and order of mm's page-table format (0 when it has no PMD leaves). */
uint64_t hpage_pmd_size(const struct mm_struct *mm);
unsigned int hpage_pmd_order(const struct mm_struct *mm);
/* The page-table level of a huge PMD leaf (nr_levels - 2), -1 when THP is impossible. */
int huge_pmd_level(const struct mm_struct *mm);

/* May a fault at addr in vma use a PMD-sized anonymous folio (thp_vma_allowable_order)? */
bool thp_vma_allowable(const struct vm_area_struct *vma, uint64_t addr);

/*
 * The PMD entry of addr is empty and thp_vma_allowable: map a huge page
 * (do_huge_pmd_anonymous_page). 0 (mapped: retry), VM_FAULT_FALLBACK (use 4 KiB pages:
 * nothing changed), VM_FAULT_OOM.
 */
vm_fault_t do_huge_pmd_anonymous_page(struct vm_fault *vmf);
/* A write to a read-only huge PMD (do_huge_pmd_wp_page): reuse, or split and fall back. */
vm_fault_t do_huge_pmd_wp_page(struct vm_fault *vmf);
/* An access the huge PMD allows (a stale TLB, AF clear): set young/dirty (huge_pmd_set_accessed). */
vm_fault_t huge_pmd_set_accessed(struct vm_fault *vmf);

/*
 * Split the huge PMD mapping addr in vma into PTEs mapping the same pages with the same
 * permissions (__split_huge_pmd); nothing to do (0) when addr is not mapped by a huge PMD.
 * -ENOMEM (a page table could not be had: nothing changed).
 */
int split_huge_pmd(struct vm_area_struct *vma, uint64_t addr);
/*
 * Split the huge PMDs of vma that straddle start or end (vma_adjust_trans_huge: call it
 * before a VMA boundary moves to start / end). -ENOMEM: the one at start may already be
 * split (the same pages stay mapped), the one at end is not.
 */
int split_huge_pmd_range_edges(struct vm_area_struct *vma, uint64_t start, uint64_t end);

/* Unmap the whole huge PMD at addr of vma (zap_huge_pmd): rmap, refcount, RSS. */
int zap_huge_pmd(struct vm_area_struct *vma, uint64_t addr);
/* fork: share the huge PMD at addr, write-protected in both (copy_huge_pmd). -ENOMEM. */
int copy_huge_pmd(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma, uint64_t addr);
/* mprotect of a whole huge PMD (change_huge_pmd). */
int change_huge_pmd(struct vm_area_struct *vma, uint64_t addr, uint64_t newprot);

/*
 * split_huge_pmd_range_edges for a range of mm that may span VMAs (zap_page_range and
 * change_protection split the leaves only partly inside [start, end) before walking). -ENOMEM.
 */
int split_huge_pmd_mm_edges(struct mm_struct *mm, uint64_t start, uint64_t end);

/*
 * rmap's hook (__folio_remove_rmap): pages of the large anonymous folio lost their last
 * mapping while others stay mapped (partially_mapped). Marks the folio (PG_partially_mapped
 * in page[1], as Linux's FOLIO_SECOND_PAGE flag) and counts thp_deferred_split_page once.
 */
void deferred_split_folio(struct page *folio, struct vm_area_struct *vma, bool partially_mapped);

/* The huge zero folio's pfn (0 until first used). */
uint64_t huge_zero_pfn(const struct mm_sys *ms);
/*
 * The huge zero folio's shrinker (shrink_huge_zero_page_scan): free it when no PMD maps it.
 * Returns the pages freed (0 or the PMD size in pages).
 */
uint64_t shrink_huge_zero_folio(struct mm_sys *ms);

/*
 * A huge PMD leaf at va of vma (folio its head page, NULL for the huge zero folio) is a
 * PMD-sized aligned range inside vma (NULL: no VMA, an error) mapping an anonymous THP with
 * an entire mapping and enough references. 0 or -EUCLEAN (err may be NULL).
 */
int huge_pmd_validate(struct vm_area_struct *vma, uint64_t va, struct page *folio,
		      struct mmsim_error *err);
#endif

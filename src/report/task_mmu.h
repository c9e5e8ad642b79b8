/*
 * What the /proc/PID renderers share (Linux 6.18: fs/proc/task_mmu.c). report/proc_pid.c has
 * maps, status and the dispatch; report/proc_smaps.c smaps and smaps_rollup;
 * report/proc_pagemap.c pagemap (binary, and mmsim's text form of it).
 *
 * Every function here reads the machine and changes nothing.
 */
#ifndef MMSIM_REPORT_TASK_MMU_H
#define MMSIM_REPORT_TASK_MMU_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/mm_types.h"
#include "util/strbuf.h"

/*
 * One maps line's worth of a VMA, real or the gate (show_vma_header_prefix's arguments and
 * the name get_vma_name picks). Invariant: at most one of path and name is set; name_fmt
 * only with name.
 */
struct map_line {
	uint64_t start, end;
	vm_flags_t flags;
	uint64_t pgoff;			/* bytes */
	uint32_t major, minor;
	uint64_t ino;
	const char *path;		/* a file: escaped as seq_path does */
	const char *name;		/* or a name, or NULL */
	const char *name_fmt;		/* "[anon:%s]" ... with name */
};

/* show_vma_header_prefix, the seq_pad and the name, one line. */
void show_map_line(struct strbuf *sb, const struct map_line *l);
/* get_vma_name and the header fields of a VMA. */
void vma_map_line(const struct vm_area_struct *vma, struct map_line *l);
/* The [vsyscall] line of a 64-bit x86 task (get_gate_vma), or false. */
bool gate_map_line(struct mmsim_machine *m, const struct task_struct *t, struct map_line *l);
/* show_smap_vma_flags: the "VmFlags:" line. */
void show_vmflags(struct strbuf *sb, vm_flags_t flags);

/*
 * vm_normal_page for a present leaf of vma: the struct page it maps, or NULL for the zero
 * page, the huge zero page, a VM_PFNMAP mapping (raw PFNs: [vvar]) and a frame without a
 * memmap. *zero (may be NULL) says whether it is one of the two zero pages.
 */
struct page *report_normal_page(struct mm_sys *ms, const struct vm_area_struct *vma,
				uint64_t pfn, bool *zero);
/* pte_dirty: x86 D; arm64 hardware dirty (DBM, AP[2] clear) or the software dirty bit 55. */
bool report_leaf_dirty(const struct mm_struct *mm, const struct pte_desc *d);

/* /proc/PID/smaps (show_smap for every VMA and the gate). */
int show_smaps(struct mmsim_machine *m, struct task_struct *t, struct strbuf *sb);
/* /proc/PID/smaps_rollup (show_smaps_rollup). -ESRCH without an mm, as Linux's open. */
int show_smaps_rollup(struct mmsim_machine *m, struct task_struct *t, struct strbuf *sb);

/*
 * /proc/PID/pagemap as pagemap_read: the 64-bit entries of the pages from virtual page
 * pos / 8 on, count / 8 of them at most, stopping at the task size, into buf. Returns the
 * bytes written (0 past the end), -EINVAL when pos or count is not a multiple of 8, -ESRCH
 * without an mm (Linux's open fails so). Root's view: the pfns are shown.
 */
int64_t pagemap_read(struct mmsim_machine *m, struct task_struct *t, uint64_t pos, void *buf,
		     size_t count);
/* mmsim's text form: the VMAs' maps lines, each followed by its pages with a non-zero entry. */
int show_pagemap_text(struct mmsim_machine *m, struct task_struct *t, struct strbuf *sb);

/* The bits of a pagemap entry (fs/proc/task_mmu.c, Documentation/admin-guide/mm/pagemap.rst). */
#define PM_PFRAME_BITS		55
#define PM_PFRAME_MASK		((1ull << PM_PFRAME_BITS) - 1)
#define PM_SOFT_DIRTY		(1ull << 55)
#define PM_MMAP_EXCLUSIVE	(1ull << 56)
#define PM_UFFD_WP		(1ull << 57)
#define PM_GUARD_REGION		(1ull << 58)
#define PM_FILE			(1ull << 61)
#define PM_SWAP			(1ull << 62)
#define PM_PRESENT		(1ull << 63)
#endif

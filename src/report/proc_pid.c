/*
 * /proc/PID/maps, /proc/PID/smaps (the VMA half) and the memory lines of /proc/PID/status
 * (Linux 6.18: fs/proc/task_mmu.c show_map_vma, show_vma_header_prefix, get_vma_name,
 * show_smap, __show_smap, show_smap_vma_flags, task_mem; fs/seq_file.c seq_pad; arch/x86
 * entry/vsyscall gate_vma). docs/proc-pid.md describes the formats.
 *
 * Page counts (Rss, Pss, ... VmRSS) come from the page tables (mm/memory.c mm_walk_ptes) and
 * the mm's rss_stat: anonymous pages only in this slice of issue 5 (smaps_pte_entry).
 */
#include <errno.h>
#include <string.h>

#include "fs/fs.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/kprofile.h"
#include "mm/memory.h"
#include "mm/mm_types.h"
#include "mm/vma.h"
#include "mmsim/mmsim.h"
#include "report/proc.h"

/* seq_setwidth(m, 25 + sizeof(void *) * 6 - 1): the name starts after column 72 + 1 */
#define MAPS_NAME_COLUMN 72

/* The gate area of 64-bit x86 tasks (arch/x86/entry/vsyscall/vsyscall_64.c). */
#define VSYSCALL_ADDR 0xffffffffff600000ull

/* One line's worth of a VMA, real or the gate. */
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

/* show_vma_header_prefix and the name (show_map_vma). */
static void show_map_line(struct strbuf *sb, const struct map_line *l)
{
	size_t begin = sb->len;
	sb_printf(sb, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
		  (unsigned long long)l->start, (unsigned long long)l->end,
		  l->flags & VM_READ ? 'r' : '-', l->flags & VM_WRITE ? 'w' : '-',
		  l->flags & VM_EXEC ? 'x' : '-', l->flags & VM_MAYSHARE ? 's' : 'p',
		  (unsigned long long)l->pgoff, l->major, l->minor, (unsigned long long)l->ino);
	if (l->path || l->name) {
		/* seq_pad(m, ' '): spaces up to the width, then one more */
		size_t used = sb->len - begin;
		for (size_t i = used; i < MAPS_NAME_COLUMN; i++)
			sb_puts(sb, " ");
		sb_puts(sb, " ");
		if (l->path) {
			/* seq_path(m, path, "\n"): a newline in the name is written \012 */
			for (const char *c = l->path; *c; c++) {
				if (*c == '\n')
					sb_puts(sb, "\\012");
				else
					sb_printf(sb, "%c", *c);
			}
		} else if (l->name_fmt) {
			sb_printf(sb, l->name_fmt, l->name);
		} else {
			sb_puts(sb, l->name);
		}
	}
	sb_puts(sb, "\n");
}

/* get_vma_name + the prefix fields of a VMA. */
static void vma_map_line(const struct vm_area_struct *vma, struct map_line *l)
{
	const struct mm_struct *mm = vma->vm_mm;
	memset(l, 0, sizeof(*l));
	l->start = vma->vm_start;
	l->end = vma->vm_end;
	l->flags = vma->vm_flags;
	if (vma->vm_file) {
		const struct inode *inode = vma->vm_file->f_inode;
		l->pgoff = vma->vm_pgoff << mm->ms->page_shift;
		l->major = inode->i_dev_major;
		l->minor = inode->i_dev_minor;
		l->ino = inode->i_ino;
		if (vma->anon_name) {
			l->name_fmt = "[anon_shmem:%s]";
			l->name = vma->anon_name->name;
		} else {
			l->path = inode->i_path;
		}
		return;
	}
	if (vma->vm_ops && vma->vm_ops->name) {
		l->name = vma->vm_ops->name;
		return;
	}
	if (vma->vm_start < mm->brk && vma->vm_end > mm->start_brk) {	/* vma_is_initial_heap */
		l->name = "[heap]";
		return;
	}
	if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack) {
		l->name = "[stack]";
		return;
	}
	if (vma->anon_name) {
		l->name_fmt = "[anon:%s]";
		l->name = vma->anon_name->name;
	}
}

/* The [vsyscall] line of a 64-bit x86 task (get_gate_vma), or false. */
static bool gate_map_line(struct mmsim_machine *m, const struct task_struct *t, struct map_line *l)
{
	if (m->desc.arch->id != ARCH_X86_64 || t->compat)
		return false;
	memset(l, 0, sizeof(*l));
	l->start = VSYSCALL_ADDR;
	l->end = VSYSCALL_ADDR + 4096;
	/* CONFIG_LEGACY_VSYSCALL_XONLY: execute only; emulate mode: readable too */
	l->flags = kernel_profile_current()->config_legacy_vsyscall_xonly ? VM_EXEC : VM_READ | VM_EXEC;
	l->name = "[vsyscall]";
	return true;
}

/* show_smap_vma_flags: two letters per set bit, in bit order (6.18, this kernel's config). */
static const char *const vmflag_mnemonics[64] = {
	[0] = "rd", [1] = "wr", [2] = "ex", [3] = "sh", [4] = "mr", [5] = "mw", [6] = "me",
	[7] = "ms", [8] = "gd", [9] = "um", [10] = "pf", [11] = "gu", [12] = "uw", [13] = "lo",
	[14] = "io", [15] = "sr", [16] = "rr", [17] = "dc", [18] = "de", [19] = "lf", [20] = "ac",
	[21] = "nr", [22] = "ht", [23] = "sf", [24] = "ar", [25] = "wf", [26] = "dd",
	[27] = "sd",	/* only with CONFIG_MEM_SOFT_DIRTY: see vmflag_shown */
	[28] = "mm", [29] = "hg", [30] = "nh", [31] = "mg",
	[32] = "", [33] = "", [34] = "", [35] = "",	/* protection keys: ProtectionKey line */
	[37] = "ss", [40] = "dp", [41] = "ui", [42] = "sl",
};

static void show_vmflags(struct strbuf *sb, vm_flags_t flags)
{
	bool soft_dirty = kernel_profile_current()->config_mem_soft_dirty;
	sb_puts(sb, "VmFlags: ");
	for (unsigned int i = 0; i < 64; i++) {
		const char *mn = vmflag_mnemonics[i] ? vmflag_mnemonics[i] : "??";
		if (!mn[0] || (i == 27 && !soft_dirty))
			continue;
		if (flags & (1ull << i))
			sb_printf(sb, "%s ", mn);
	}
	sb_puts(sb, "\n");
}

/*
 * THPeligible (thp_vma_allowable_orders for smaps): this kernel has THP "madvise" with only
 * the PMD size inheriting it, so an anonymous VMA with VM_HUGEPAGE (not VM_NOHUGEPAGE) that
 * holds an aligned 2 MiB range.
 */
static bool thp_eligible(struct mmsim_machine *m, const struct vm_area_struct *vma)
{
	if (m->desc.arch->id != ARCH_X86_64 || !vma || vma->vm_file || vma->vm_ops)
		return false;
	if (!(vma->vm_flags & VM_HUGEPAGE) || (vma->vm_flags & (VM_NOHUGEPAGE | VM_SPECIAL | VM_HUGETLB)))
		return false;
	uint64_t hpage = 2ull << 20;
	uint64_t haddr = (vma->vm_end - hpage) & ~(hpage - 1);
	return vma->vm_end - vma->vm_start >= hpage && haddr >= vma->vm_start;
}

/* struct mem_size_stats (fs/proc/task_mmu.c): bytes, pss in bytes << PSS_SHIFT. */
#define PSS_SHIFT 12
struct mem_size_stats {
	uint64_t resident, shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t referenced, anonymous, pss, pss_dirty;
	uint64_t page_size;
};

/* smaps_pte_entry -> smaps_account for one present PTE (the zero page is not counted). */
static int smaps_pte_entry(uint64_t va, uint64_t prot, struct page *page, bool zero, void *arg)
{
	struct mem_size_stats *mss = arg;
	uint64_t size = mss->page_size, pss = size << PSS_SHIFT;
	bool dirty = (prot & PTE_DIRTY) != 0, young = (prot & PTE_ACCESSED) != 0, private;

	(void)va;
	if (zero || !page)
		return 0;	/* vm_normal_page() is NULL for the zero page */
	if (page_test(page, PG_anon))
		mss->anonymous += size;
	mss->resident += size;
	if (young || page_test(page, PG_referenced))
		mss->referenced += size;
	/* refcount 1: certainly private; else the page's mapcount decides */
	private = page->refcount == 1 || page->mapcount + 1 < 2;
	if (!private)
		pss /= (uint64_t)(page->mapcount + 1);
	mss->pss += pss;
	if (dirty || page_test(page, PG_dirty)) {
		mss->pss_dirty += pss;
		if (private)
			mss->private_dirty += size;
		else
			mss->shared_dirty += size;
	} else if (private) {
		mss->private_clean += size;
	} else {
		mss->shared_clean += size;
	}
	return 0;
}

static void show_smap(struct mmsim_machine *m, struct strbuf *sb, const struct map_line *l,
		      struct vm_area_struct *vma)
{
	struct mem_size_stats mss = { .page_size = m->mm.page_size };
	uint64_t kps = m->mm.page_size >> 10;

	if (vma)
		mm_walk_ptes(vma->vm_mm, vma->vm_start, vma->vm_end, smaps_pte_entry, &mss);
	const struct { const char *label; uint64_t bytes; } lines[] = {
		{ "Rss:", mss.resident }, { "Pss:", mss.pss >> PSS_SHIFT },
		{ "Pss_Dirty:", mss.pss_dirty >> PSS_SHIFT }, { "Shared_Clean:", mss.shared_clean },
		{ "Shared_Dirty:", mss.shared_dirty }, { "Private_Clean:", mss.private_clean },
		{ "Private_Dirty:", mss.private_dirty }, { "Referenced:", mss.referenced },
		{ "Anonymous:", mss.anonymous }, { "KSM:", 0 }, { "LazyFree:", 0 },
		{ "AnonHugePages:", 0 }, { "ShmemPmdMapped:", 0 }, { "FilePmdMapped:", 0 },
		{ "Shared_Hugetlb:", 0 }, { "Private_Hugetlb:", 0 }, { "Swap:", 0 },
		{ "SwapPss:", 0 },
		{ "Locked:", vma && (vma->vm_flags & VM_LOCKED) ? mss.pss >> PSS_SHIFT : 0 },
	};
	show_map_line(sb, l);
	sb_printf(sb, "Size:           %8llu kB\n", (unsigned long long)((l->end - l->start) >> 10));
	sb_printf(sb, "KernelPageSize: %8llu kB\n", (unsigned long long)kps);
	sb_printf(sb, "MMUPageSize:    %8llu kB\n", (unsigned long long)kps);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		/* SEQ_PUT_DEC: a 16-column label, the value 8 wide; "Private_Hugetlb: " is
		 * 17 columns with the value 7 wide: 24 columns either way */
		sb_printf(sb, "%-16s%8llu kB\n", lines[i].label,
			  (unsigned long long)(lines[i].bytes >> 10));
	}
	sb_printf(sb, "THPeligible:    %8u\n", thp_eligible(m, vma) ? 1u : 0u);
	show_vmflags(sb, l->flags);
}

/* task_mem: the Vm* and Rss* lines (fs/proc/task_mmu.c). */
static void task_mem(struct mmsim_machine *m, struct strbuf *sb, const struct mm_struct *mm)
{
	unsigned int shift = m->mm.page_shift - 10;
	uint64_t anon = (uint64_t)(mm->rss_stat[MM_ANONPAGES] > 0 ? mm->rss_stat[MM_ANONPAGES] : 0);
	uint64_t file = (uint64_t)(mm->rss_stat[MM_FILEPAGES] > 0 ? mm->rss_stat[MM_FILEPAGES] : 0);
	uint64_t shmem = (uint64_t)(mm->rss_stat[MM_SHMEMPAGES] > 0 ? mm->rss_stat[MM_SHMEMPAGES] : 0);
	uint64_t swap = (uint64_t)(mm->rss_stat[MM_SWAPENTS] > 0 ? mm->rss_stat[MM_SWAPENTS] : 0);
	uint64_t total_rss = anon + file + shmem;
	uint64_t hiwater_vm = mm->total_vm > mm->hiwater_vm ? mm->total_vm : mm->hiwater_vm;
	uint64_t hiwater_rss = total_rss > mm->hiwater_rss ? total_rss : mm->hiwater_rss;
	uint64_t ps = m->mm.page_size;
	uint64_t text = ((mm->end_code + ps - 1) & ~(ps - 1)) - (mm->start_code & ~(ps - 1));
	if (text > (mm->exec_vm << m->mm.page_shift))
		text = mm->exec_vm << m->mm.page_shift;
	uint64_t lib = (mm->exec_vm << m->mm.page_shift) - text;
	/* mm_pgtables_bytes: the table pages below the root(s) */
	uint64_t roots = (mm->pgd.root[0] != 0) + (mm->pgd.root[1] != 0);
	uint64_t ptes = mm->pgd.nr_tables > roots ? mm->pgd.nr_tables - roots : 0;
	struct { const char *label; uint64_t kb; } lines[] = {
		{ "VmPeak", hiwater_vm << shift }, { "VmSize", mm->total_vm << shift },
		{ "VmLck", mm->locked_vm << shift }, { "VmPin", mm->pinned_vm << shift },
		{ "VmHWM", hiwater_rss << shift }, { "VmRSS", total_rss << shift },
		{ "RssAnon", anon << shift }, { "RssFile", file << shift },
		{ "RssShmem", shmem << shift }, { "VmData", mm->data_vm << shift },
		{ "VmStk", mm->stack_vm << shift }, { "VmExe", text >> 10 }, { "VmLib", lib >> 10 },
		{ "VmPTE", (ptes * ps) >> 10 }, { "VmSwap", swap << shift },
		{ "HugetlbPages", 0 },
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		sb_printf(sb, "%s:\t%8llu kB\n", lines[i].label, (unsigned long long)lines[i].kb);
}

int proc_pid_render(struct mmsim_machine *m, int pid, const char *file, struct strbuf *sb)
{
	struct task_struct *t = find_task_by_pid(m, pid);
	bool maps = !strcmp(file, "maps"), smaps = !strcmp(file, "smaps");
	bool status = !strcmp(file, "status");
	if (!maps && !smaps && !status)
		return -ENOENT;
	if (!t)
		return -ESRCH;
	struct mm_struct *mm = t->mm;
	if (!mm)
		return 0;		/* a zombie or a kernel thread: empty files */
	if (status) {
		task_mem(m, sb, mm);
		return sb->err;
	}
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	struct map_line l;
	vma_iter_init(&vmi, &mm->mm_mt, 0);
	for_each_vma(vmi, vma) {
		vma_map_line(vma, &l);
		if (maps)
			show_map_line(sb, &l);
		else
			show_smap(m, sb, &l, vma);
	}
	if (gate_map_line(m, t, &l)) {
		if (maps)
			show_map_line(sb, &l);
		else
			show_smap(m, sb, &l, NULL);
	}
	return sb->err;
}

int mmsim_proc_pid_render(mmsim_machine *m, int pid, const char *name, char **out, size_t *len)
{
	struct strbuf sb;
	if (!m || !name || !out)
		return -EINVAL;
	sb_init(&sb);
	int ret = proc_pid_render(m, pid, name, &sb);
	if (ret) {
		sb_free(&sb);
		return ret;
	}
	return sb_finish(&sb, out, len);
}

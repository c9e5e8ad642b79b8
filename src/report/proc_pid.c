/*
 * /proc/PID/maps, the memory lines of /proc/PID/status and the dispatch of every /proc/PID
 * file (Linux 6.18: fs/proc/task_mmu.c show_map_vma, show_vma_header_prefix, get_vma_name,
 * show_smap_vma_flags, task_mem; fs/seq_file.c seq_pad; arch/x86 entry/vsyscall gate_vma).
 * smaps and smaps_rollup are in report/proc_smaps.c, pagemap in report/proc_pagemap.c,
 * stat and statm in report/proc_stat.c.
 * docs/proc-pid.md describes the formats.
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
#include "report/task_mmu.h"

/* seq_setwidth(m, 25 + sizeof(void *) * 6 - 1): the name starts after column 72 + 1 */
#define MAPS_NAME_COLUMN 72

/* The gate area of 64-bit x86 tasks (arch/x86/entry/vsyscall/vsyscall_64.c). */
#define VSYSCALL_ADDR 0xffffffffff600000ull

/* show_vma_header_prefix and the name (show_map_vma). */
void show_map_line(struct strbuf *sb, const struct map_line *l)
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
void vma_map_line(const struct vm_area_struct *vma, struct map_line *l)
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
bool gate_map_line(struct mmsim_machine *m, const struct task_struct *t, struct map_line *l)
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

void show_vmflags(struct strbuf *sb, vm_flags_t flags)
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

/* task_mem: the Vm* and Rss* lines (fs/proc/task_mmu.c). */
static void task_mem(struct mmsim_machine *m, struct strbuf *sb, const struct mm_struct *mm)
{
	unsigned int shift = m->mm.page_shift - 10;
	uint64_t anon = proc_mm_counter(mm, MM_ANONPAGES);
	uint64_t file = proc_mm_counter(mm, MM_FILEPAGES);
	uint64_t shmem = proc_mm_counter(mm, MM_SHMEMPAGES);
	uint64_t swap = proc_mm_counter(mm, MM_SWAPENTS);
	uint64_t total_rss = proc_mm_rss(mm);	/* anon + file + shmem, as stat's rss */
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

/* /proc/PID/maps: every VMA, then the gate. */
static int show_maps(struct mmsim_machine *m, struct task_struct *t, struct strbuf *sb)
{
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	struct map_line l;

	if (!t->mm)
		return 0;		/* a zombie or a kernel thread: an empty file */
	vma_iter_init(&vmi, &t->mm->mm_mt, 0);
	for_each_vma(vmi, vma) {
		vma_map_line(vma, &l);
		show_map_line(sb, &l);
	}
	if (gate_map_line(m, t, &l))
		show_map_line(sb, &l);
	return sb->err;
}

static int show_status(struct mmsim_machine *m, struct task_struct *t, struct strbuf *sb)
{
	if (t->mm)
		task_mem(m, sb, t->mm);
	return sb->err;
}

/* The text files of /proc/PID, by name. */
static const struct {
	const char *name;
	int (*show)(struct mmsim_machine *m, struct task_struct *t, struct strbuf *sb);
} pid_files[] = {
	{ "maps", show_maps },
	{ "smaps", show_smaps },
	{ "smaps_rollup", show_smaps_rollup },
	{ "status", show_status },
	{ "stat", show_stat },
	{ "statm", show_statm },
	{ "pagemap", show_pagemap_text },	/* text form; the bytes: mmsim_proc_pid_read */
};

int proc_pid_render(struct mmsim_machine *m, int pid, const char *file, struct strbuf *sb)
{
	for (size_t i = 0; i < sizeof(pid_files) / sizeof(pid_files[0]); i++) {
		if (strcmp(pid_files[i].name, file) != 0)
			continue;
		struct task_struct *t = find_task_by_pid(m, pid);
		if (!t)
			return -ESRCH;
		return pid_files[i].show(m, t, sb);
	}
	return -ENOENT;
}

const char *const *mmsim_proc_pid_names(void)
{
	static const char *const names[] = { "maps", "smaps", "smaps_rollup", "status", "stat",
					      "statm", "pagemap", NULL };
	return names;
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

int64_t mmsim_proc_pid_read(mmsim_machine *m, int pid, const char *name, uint64_t offset,
			    void *buf, size_t count)
{
	if (!m || !name || (!buf && count))
		return -EINVAL;
	if (!strcmp(name, "pagemap")) {
		struct task_struct *t = find_task_by_pid(m, pid);
		if (!t)
			return -ESRCH;
		return pagemap_read(m, t, offset, buf, count);
	}
	/* a text file: its bytes from offset, as read(2) of a seq_file after lseek */
	struct strbuf sb;
	sb_init(&sb);
	int ret = proc_pid_render(m, pid, name, &sb);
	if (!ret)
		ret = sb.err;
	if (ret) {
		sb_free(&sb);
		return ret;
	}
	size_t n = 0;
	if (offset < sb.len) {
		n = sb.len - (size_t)offset;
		if (n > count)
			n = count;
		memcpy(buf, sb.buf + offset, n);
	}
	sb_free(&sb);
	return (int64_t)n;
}

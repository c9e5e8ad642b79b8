/*
 * mmap, munmap and brk, and where new mappings go (Linux 6.18: mm/mmap.c, the munmap half of
 * mm/vma.c, mm/util.c vm_mmap_pgoff and __vm_enough_memory, mm/huge_memory.c
 * __thp_get_unmapped_area, arch/x86/mm/mmap.c and arch/x86/kernel/sys_x86_64.c for the
 * layout; the arm64 layout is mm/util.c's generic one).
 *
 * Left out: hugetlbfs pages (MAP_HUGETLB gives a VMA with VM_HUGETLB but no hugetlbfs file;
 * without MAP_NORESERVE it fails with -ENOMEM as Linux with nr_hugepages = 0), uprobes,
 * userfaultfd, memory sealing, pkeys (this machine's CPU has none). Overcommit (0, 1, 2) is
 * mm/util.c's.
 * MAP_SHARED|MAP_ANONYMOUS gets its own shmem file as on Linux (shmem_zero_setup): vm_file is
 * that file, pgoff 0, maps prints "/dev/zero (deleted)" on device 00:01 (fs/file.c).
 *
 * Finding free space (vm_unmapped_area) asks the VMA tree for the highest (top-down) or lowest
 * (bottom-up) gap that can hold the request: every tree node records the largest gap below it,
 * as the maple tree does, so the search is O(log n) (vma_tree_empty_area; docs/vma.md).
 */
#include <errno.h>
#include <string.h>
#include "arch/layout.h"
#include "fs/fs.h"
#include "kernel/sched.h"
#include "mm/memory.h"
#include "mm/kprofile.h"
#include "mm/gup.h"
#include "mm/mman.h"
#include "mm/pagemap.h"
#include "mm/mmap.h"
#include "mm/mmap_internal.h"
#include "mm/oom.h"
#include "mm/vma.h"
#include "util/error.h"
#include "util/rng.h"

#define SZ_128M		(128ull << 20)
#define PMD_SIZE_4K	(2ull << 20)	/* x86-64 and arm64 4K: a pmd maps 2 MiB */
#define VM_STARTGAP_FLAGS (VM_GROWSDOWN | VM_SHADOW_STACK)
#define LEGACY_MAP_MASK	(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE | \
			 MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED | \
			 MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB)
#define MAP_DROPPABLE	0x08
#define MAP_ABOVE4G	0x80

/* ------------------------------------------------------------------------------------------
 * Limits and checks shared by the system calls
 */
static const struct arch_layout *mm_layout(const struct mm_struct *mm)
{
	const struct arch_layout *l = NULL;
	const struct pt_format *f = mm->pgd.fmt ? mm->pgd.fmt : pt_format_default(mm->ms->arch->id);
	if (arch_layout(f, &l))
		return NULL;
	return l;
}

/* DEFAULT_MAP_WINDOW: where mmap stops without a higher hint (47 bits on x86-64 5-level). */
static uint64_t map_window(const struct task_struct *t)
{
	const struct arch_layout *l = mm_layout(t->mm);
	if (task_is_32bit(t) || !l)
		return mmap_task_size(t);
	return l->map_window;
}

uint64_t mmap_task_size(const struct task_struct *t)
{
	const struct mm_struct *mm = t->mm;
	if (mm->task_size)
		return mm->task_size;
	if (mm->ms->arch->id == ARCH_I386)
		return 0xC0000000ull;		/* TASK_SIZE = PAGE_OFFSET (3G/1G split) */
	if (task_is_32bit(t))
		return mm->ms->arch->id == ARCH_X86_64 ? 0xFFFFE000ull	/* IA32_PAGE_OFFSET */
						       : 0x100000000ull;	/* arm64 TASK_SIZE_32 */
	const struct arch_layout *l = mm_layout(mm);
	return l ? l->map_window : 0x7ffffffff000ull;
}

uint64_t mmap_min_addr_eff(const struct mm_sys *ms)
{
	uint64_t lsm = kernel_profile_current()->lsm_mmap_min_addr;
	return ms->sysctl.mmap_min_addr > lsm ? ms->sysctl.mmap_min_addr : lsm;
}

int security_mmap_addr(const struct task_struct *t, uint64_t addr)
{
	if (addr < task_ms(t)->sysctl.mmap_min_addr && !capable_sys_rawio(t))
		return -EPERM;
	return 0;
}

bool may_expand_vm(const struct task_struct *t, vm_flags_t flags, uint64_t npages)
{
	const struct mm_struct *mm = t->mm;
	unsigned int shift = mm_page_shift(mm);
	if (mm->total_vm + npages > rlimit(t, RLIMIT_AS) >> shift)
		return false;
	if (is_data_mapping(flags) && mm->data_vm + npages > rlimit(t, RLIMIT_DATA) >> shift) {
		/* the Valgrind workaround: a zero soft limit counts up to the hard one */
		if (rlimit(t, RLIMIT_DATA) == 0 &&
		    mm->data_vm + npages <= t->rlim[RLIMIT_DATA].rlim_max >> shift)
			return true;
		return false;			/* ignore_rlimit_data is off by default */
	}
	return true;
}

bool mlock_future_ok(const struct task_struct *t, vm_flags_t flags, uint64_t bytes)
{
	if (!(flags & VM_LOCKED) || capable_ipc_lock(t))
		return true;
	unsigned int shift = mm_page_shift(t->mm);
	return (bytes >> shift) + t->mm->locked_vm <= rlimit(t, RLIMIT_MEMLOCK) >> shift;
}

/*
 * security_vm_enough_memory_mm -> __vm_enough_memory (mm/util.c): overcommit_memory 0, 1, 2
 * against CommitLimit and Committed_AS. The model's tasks run as root (cap_sys_admin).
 */
int vm_enough_memory(const struct task_struct *t, uint64_t npages)
{
	return __vm_enough_memory(task_ms(t), t, npages, true);
}

uint64_t vm_start_gap(const struct mm_struct *mm, const struct vm_area_struct *vma)
{
	uint64_t start = vma->vm_start;
	if (vma->vm_flags & VM_GROWSDOWN) {
		start -= mm->ms->sysctl.stack_guard_gap;
		if (start > vma->vm_start)
			start = 0;
	}
	return start;
}

int mm_check(struct mm_struct *mm)
{
	if (!mm->ms->check)
		return 0;
	struct mmsim_error e;
	return mm_validate(mm, &e);
}

/*
 * Unmap the pages of [start, end) (munmap, exit, mmap over a range). Then the dirty pages
 * of the shared file mappings there are written back: Linux leaves that to the flusher
 * threads (dirty_expire_centisecs, 30 s later), which the model has no clock for, so it
 * writes at the unmap (to the scratch copy, or with file_writes=real to the file); msync
 * and the end of a run write too.
 */
int mm_zap_range(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	struct vm_area_struct *vma;
	int err;

	if (!mm->pgd.root[0] || end <= start)
		return 0;
	err = zap_page_range(mm, start, end);	/* mm/memory.c: pages, RSS, TLB */
	if (err)
		return err;
	for (vma = find_vma(mm, start); vma && vma->vm_start < end; vma = find_vma(mm, vma->vm_end)) {
		struct file *f = vma->vm_file;
		uint64_t s0 = vma->vm_start > start ? vma->vm_start : start;
		uint64_t e0 = vma->vm_end < end ? vma->vm_end : end;
		uint64_t fstart = (s0 - vma->vm_start) + (vma->vm_pgoff << mm->ms->page_shift);

		if (!f || file_is_shmem(f) || !(vma->vm_flags & VM_SHARED))
			continue;
		/* a failed write leaves the pages dirty for a later sync; munmap itself succeeds */
		(void)filemap_write_and_wait_range(f->f_mapping, fstart, fstart + (e0 - s0) - 1);
	}
	return 0;
}

/* ------------------------------------------------------------------------------------------
 * Layout: arch_pick_mmap_layout (arch/x86/mm/mmap.c; mm/util.c for arm64)
 */
static bool mmap_is_legacy(const struct task_struct *t)
{
	if (t->personality & ADDR_COMPAT_LAYOUT)
		return true;
	if (rlimit(t, RLIMIT_STACK) == RLIM_INFINITY)
		return true;
	return task_ms(t)->sysctl.legacy_va_layout != 0;
}

/* PF_RANDOMIZE: randomize_va_space on and no ADDR_NO_RANDOMIZE personality. */
static bool task_randomizes(const struct task_struct *t)
{
	return task_ms(t)->sysctl.randomize_va_space && !(t->personality & ADDR_NO_RANDOMIZE);
}

/* arch_rnd / arch_mmap_rnd: rndbits random page numbers from the machine's generator. */
static uint64_t arch_rnd(const struct task_struct *t, unsigned int rndbits)
{
	if (!task_randomizes(t))
		return 0;
	uint64_t r = rng_next(task_ms(t)->rng) & ((1ull << rndbits) - 1);
	return r << mm_page_shift(t->mm);
}

/* stack_maxrandom_size: the most the stack top may move (STACK_RND_MASK pages). */
static uint64_t stack_maxrandom_size(const struct task_struct *t, bool is32)
{
	if (!task_randomizes(t))
		return 0;
	uint64_t mask;
	if (task_ms(t)->arch->id == ARCH_ARM64)
		mask = is32 ? 0x7ff : (0x3ffffull >> (mm_page_shift(t->mm) - 12));
	else
		mask = is32 ? 0x7ff : 0x3fffff;		/* __STACK_RND_MASK */
	return mask << mm_page_shift(t->mm);
}

static uint64_t mmap_base(const struct task_struct *t, uint64_t rnd, uint64_t task_size, bool is32)
{
	const struct mm_struct *mm = t->mm;
	uint64_t gap = rlimit(t, RLIMIT_STACK);
	uint64_t pad = stack_maxrandom_size(t, is32) + mm->ms->sysctl.stack_guard_gap;
	uint64_t gap_min = SZ_128M, gap_max = task_size / 6 * 5;

	if (gap + pad > gap)		/* values near RLIM_INFINITY would overflow */
		gap += pad;
	if (mm->ms->arch->id == ARCH_ARM64)
		gap_min += stack_maxrandom_size(t, is32);	/* mm/util.c MIN_GAP */
	if (gap < gap_min)
		gap = gap_min;
	else if (gap > gap_max)
		gap = gap_max;
	return mm_page_align(mm, task_size - gap - rnd);
}

void arch_pick_mmap_layout(struct mm_struct *mm, const struct task_struct *t)
{
	enum arch_id arch = mm->ms->arch->id;
	bool is32 = task_is_32bit(t) || arch == ARCH_I386;
	unsigned int bits64 = arch == ARCH_ARM64 ? 18 : 28;	/* CONFIG_ARCH_MMAP_RND_BITS */
	unsigned int bits32 = arch == ARCH_ARM64 ? 11 : 8;	/* ..._COMPAT_BITS (i386: 8) */
	uint64_t rnd;

	if (!mm->task_size)
		mm->task_size = mmap_task_size(t);
	if (mmap_is_legacy(t))
		mm->flags &= ~MMF_TOPDOWN;
	else
		mm->flags |= MMF_TOPDOWN;
	/*
	 * x86-64 draws the 64-bit offset and then the compat one (both bases are computed);
	 * the task's mode picks which one mm keeps.
	 */
	if (arch == ARCH_X86_64) {
		uint64_t r64 = arch_rnd(t, bits64);
		uint64_t r32 = arch_rnd(t, bits32);
		rnd = is32 ? r32 : r64;
	} else {
		rnd = arch_rnd(t, is32 ? bits32 : bits64);
	}
	/* __TASK_UNMAPPED_BASE: a third of the task size (x86); arm64 uses TASK_UNMAPPED_BASE alike */
	mm->mmap_legacy_base = mm_page_align(mm, mm->task_size / 3) + rnd;
	if (mmap_is_legacy(t))
		mm->mmap_base = mm->mmap_legacy_base;
	else
		mm->mmap_base = mmap_base(t, rnd, mm->task_size, is32);
}

/* ------------------------------------------------------------------------------------------
 * vm_unmapped_area (mm/vma.c unmapped_area / unmapped_area_topdown)
 */
struct unmapped_area_info {
	bool topdown;
	uint64_t length, low_limit, high_limit, align_mask, align_offset, start_gap;
};

/*
 * The highest (topdown) or lowest place [*gs, *ge] for `length` bytes inside [low, high): at
 * the top (topdown) or the bottom of the highest or lowest gap between VMAs, cut to [low, high),
 * that holds them, as mas_empty_area_rev / mas_empty_area find it. 0 or -ENOMEM. O(log n): the
 * tree records the largest gap under each node (vma_tree_empty_area).
 */
static int find_gap(struct mm_struct *mm, bool topdown, uint64_t low, uint64_t high,
		    uint64_t length, uint64_t *gs, uint64_t *ge)
{
	uint64_t size = length ? length : 1;	/* an empty request takes any non-empty gap */
	if (vma_tree_empty_area(&mm->mm_mt, low, high, size, topdown, gs))
		return -ENOMEM;
	*ge = *gs + size - 1;
	return 0;
}

static int64_t vm_unmapped_area(struct mm_struct *mm, struct unmapped_area_info *info)
{
	uint64_t length = info->length + info->align_mask + info->start_gap;
	uint64_t low = info->low_limit, high = info->high_limit;
	uint64_t gs, ge, gap;
	struct vm_area_struct *tmp, *prev;

	if (length < info->length || high == 0)
		return -ENOMEM;
	if (info->topdown) {
retry_down:
		if (find_gap(mm, true, low, high, length, &gs, &ge))
			return -ENOMEM;
		gap = ge + 1 - info->length;
		gap -= (gap - info->align_offset) & info->align_mask;
		tmp = find_vma_prev(mm, ge, &prev);	/* the VMA just above the gap */
		if (tmp && (tmp->vm_flags & VM_STARTGAP_FLAGS)) {
			if (vm_start_gap(mm, tmp) <= ge) {
				high = vm_start_gap(mm, tmp);
				goto retry_down;
			}
		} else if (prev && prev->vm_end > gap) {	/* vm_end_gap: no VM_GROWSUP here */
			high = prev->vm_start;
			goto retry_down;
		}
		return (int64_t)gap;
	}
retry_up:
	if (find_gap(mm, false, low, high, length, &gs, &ge))
		return -ENOMEM;
	gap = gs + info->start_gap;
	gap += (info->align_offset - gap) & info->align_mask;
	tmp = find_vma_prev(mm, ge, &prev);
	if (tmp && (tmp->vm_flags & VM_STARTGAP_FLAGS)) {
		if (vm_start_gap(mm, tmp) < gap + length - 1) {
			low = tmp->vm_end;
			goto retry_up;
		}
	} else if (prev && prev->vm_end > gap) {
		low = prev->vm_end;
		goto retry_up;
	}
	return (int64_t)gap;
}

/* mmap_address_hint_valid (arch/x86/kernel/sys_x86_64.c): the hint stays on one side of the window. */
static bool hint_valid(const struct task_struct *t, uint64_t addr, uint64_t len)
{
	uint64_t ts = mmap_task_size(t), win = map_window(t);
	if (ts - len < addr)
		return false;
	return (addr > win) == (addr + len > win);
}

static uint64_t huge_align_mask(const struct file *file) { (void)file; return 0; }

/* arch_get_unmapped_area (bottom-up, x86 find_start_end). */
static int64_t arch_get_unmapped_area(struct task_struct *t, struct file *file, uint64_t addr,
				      uint64_t len, uint64_t pgoff, uint64_t flags)
{
	struct mm_struct *mm = t->mm;
	uint64_t begin, end;
	struct unmapped_area_info info = { 0 };

	if (flags & MAP_FIXED)
		return (int64_t)addr;
	if (mm->ms->arch->id == ARCH_X86_64 && !task_is_32bit(t) && (flags & MAP_32BIT)) {
		begin = 0x40000000;
		end = 0x80000000;
		/* PF_RANDOMIZE: randomize_page(begin, 32 MiB) */
		if (task_randomizes(t))
			begin += rng_below(mm->ms->rng, 0x02000000 >> mm_page_shift(mm)) << mm_page_shift(mm);
	} else {
		begin = mm->mmap_legacy_base;
		end = task_is_32bit(t) ? mmap_task_size(t)
				       : (addr > map_window(t) ? mmap_task_size(t) : map_window(t));
	}
	if (len > end)
		return -ENOMEM;
	if (addr) {
		addr = mm_page_align(mm, addr);
		struct vm_area_struct *vma = find_vma(mm, addr);
		if (end - len >= addr && (!vma || addr + len <= vm_start_gap(mm, vma)))
			return (int64_t)addr;
	}
	info.length = len;
	info.low_limit = begin;
	info.high_limit = end;
	info.align_offset = pgoff << mm_page_shift(mm);
	info.align_mask = huge_align_mask(file);
	return vm_unmapped_area(mm, &info);
}

/* arch_get_unmapped_area_topdown (x86; the generic one on arm64 differs only in the hint check). */
static int64_t arch_get_unmapped_area_topdown(struct task_struct *t, struct file *file,
					      uint64_t addr0, uint64_t len, uint64_t pgoff,
					      uint64_t flags)
{
	struct mm_struct *mm = t->mm;
	uint64_t addr = addr0;
	struct unmapped_area_info info = { 0 };
	bool x86 = mm->ms->arch->id != ARCH_ARM64;

	if (len > mmap_task_size(t))
		return -ENOMEM;
	if (flags & MAP_FIXED)
		return (int64_t)addr;
	if (x86 && !task_is_32bit(t) && (flags & MAP_32BIT) && mm->ms->arch->id == ARCH_X86_64)
		goto bottomup;
	if (addr) {
		bool ok;
		if (x86) {
			addr &= ~(mm_page_size(mm) - 1);
			ok = hint_valid(t, addr, len);
		} else {		/* generic_get_unmapped_area_topdown */
			addr = mm_page_align(mm, addr);
			ok = mmap_task_size(t) - len >= addr && addr >= mmap_min_addr_eff(mm->ms);
		}
		if (ok) {
			struct vm_area_struct *prev, *vma = find_vma_prev(mm, addr, &prev);
			if ((!vma || addr + len <= vm_start_gap(mm, vma)) &&
			    (x86 || !prev || addr >= prev->vm_end))
				return (int64_t)addr;
		}
	}
	info.topdown = true;
	info.length = len;
	info.low_limit = x86 ? mm_page_size(mm) : (mm_page_size(mm) > mmap_min_addr_eff(mm->ms) ?
				mm_page_size(mm) : mmap_min_addr_eff(mm->ms));
	if (x86 && !task_is_32bit(t) && (flags & MAP_ABOVE4G))
		info.low_limit = 1ull << 32;
	info.high_limit = mm->mmap_base;
	if (addr > map_window(t) && !task_is_32bit(t))
		info.high_limit += mmap_task_size(t) - map_window(t);
	info.align_offset = pgoff << mm_page_shift(mm);
	info.align_mask = huge_align_mask(file);
	int64_t r = vm_unmapped_area(mm, &info);
	if (r >= 0)
		return r;
bottomup:
	/* a failed mmap very likely kills the program: fall back to bottom-up */
	return arch_get_unmapped_area(t, file, addr0, len, pgoff, flags);
}

static int64_t mm_get_unmapped_area(struct task_struct *t, struct file *file, uint64_t addr,
				    uint64_t len, uint64_t pgoff, uint64_t flags)
{
	if (t->mm->flags & MMF_TOPDOWN)
		return arch_get_unmapped_area_topdown(t, file, addr, len, pgoff, flags);
	return arch_get_unmapped_area(t, file, addr, len, pgoff, flags);
}

/*
 * __thp_get_unmapped_area (mm/huge_memory.c): ask for len + 2 MiB and place the mapping so
 * that file offset and address agree modulo 2 MiB. 0 when it does not apply.
 */
static int64_t thp_get_unmapped_area(struct task_struct *t, struct file *file, uint64_t addr,
				     uint64_t len, uint64_t off, uint64_t flags)
{
	const uint64_t size = PMD_SIZE_4K;
	uint64_t off_end = off + len, off_align = (off + size - 1) & ~(size - 1);

	if (!t->mm->ms->arch->is_64bit || task_is_32bit(t) || mm_page_shift(t->mm) != 12)
		return 0;
	if (off_end <= off_align || off_end - off_align < size)
		return 0;
	uint64_t len_pad = len + size;
	if (len_pad < len || off + len_pad < off)
		return 0;
	int64_t ret = mm_get_unmapped_area(t, file, addr, len_pad, off >> mm_page_shift(t->mm), flags);
	if (ret < 0)
		return 0;		/* the padding may be why; the caller retries without */
	if ((uint64_t)ret == addr)
		return ret;		/* the hint was free: no alignment */
	uint64_t off_sub = (off - (uint64_t)ret) & (size - 1);
	if ((t->mm->flags & MMF_TOPDOWN) && !off_sub)
		return ret + (int64_t)size;
	return ret + (int64_t)off_sub;
}

/* Files whose f_op has get_unmapped_area = thp_get_unmapped_area (ext4, xfs, btrfs regular files). */
static bool file_thp_aligned(const struct file *file)
{
	/*
	 * shmem files have their own get_unmapped_area (shmem_get_unmapped_area), which with
	 * shmem_enabled=never (this machine) aligns nothing
	 */
	return file && file->f_inode && (file->f_inode->i_mode & 0170000) == 0100000 &&
	       !file_is_shmem(file);
}

static bool thp_configured(const struct mm_struct *mm)
{
	/* CONFIG_TRANSPARENT_HUGEPAGE on x86-64 and arm64 4K; no THP on i386 */
	return mm->ms->arch->id != ARCH_I386;
}

int64_t get_unmapped_area(struct task_struct *t, struct file *file, uint64_t addr, uint64_t len,
			  uint64_t pgoff, uint64_t flags)
{
	struct mm_struct *mm = t->mm;
	int64_t r;

	if (len > mmap_task_size(t))
		return -ENOMEM;
	if (!file)
		pgoff = 0;		/* anonymous memory always has offset 0 here */
	if (file && file_thp_aligned(file) && thp_configured(mm)) {
		r = thp_get_unmapped_area(t, file, addr, len, pgoff << mm_page_shift(mm), flags);
		if (!r)
			r = mm_get_unmapped_area(t, file, addr, len, pgoff, flags);
	} else if (!file && !(flags & MAP_SHARED) && thp_configured(mm) && !addr &&
		   !(len & (PMD_SIZE_4K - 1))) {
		/* larger anonymous mappings are THP aligned (shmem with shmem_enabled=never is not) */
		r = thp_get_unmapped_area(t, file, addr, len, 0, flags);
		if (!r)
			r = mm_get_unmapped_area(t, file, addr, len, pgoff, flags);
	} else {
		r = mm_get_unmapped_area(t, file, addr, len, pgoff, flags);
	}
	if (r < 0)
		return r;
	if ((uint64_t)r > mmap_task_size(t) - len)
		return -ENOMEM;
	if (mm_offset_in_page(mm, (uint64_t)r))
		return -EINVAL;
	int e = security_mmap_addr(t, (uint64_t)r);
	return e ? e : r;
}

/* ------------------------------------------------------------------------------------------
 * munmap (mm/vma.c do_vmi_munmap / do_vmi_align_munmap)
 */
static void vma_locked_account(struct mm_struct *mm, vm_flags_t flags, int64_t npages)
{
	if (flags & VM_LOCKED)
		mm->locked_vm += (uint64_t)npages;
}

int mm_munmap_range(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	unsigned int shift = mm_page_shift(mm);
	struct vm_area_struct *vma = find_vma_intersection(mm, start, end);
	int err;

	if (!vma)
		return 0;
	/*
	 * Only a hole in the middle of one VMA needs a new object: Linux splits there and checks
	 * map_count first (the one -ENOMEM of munmap). Every other edge is a trim, which Linux
	 * does by splitting and freeing the outside part; the result is the same VMA.
	 */
	if (vma->vm_start < start && vma->vm_end > end) {
		if (mm->map_count >= mm->ms->sysctl.max_map_count)
			return -ENOMEM;
		err = split_vma(mm, vma, end, 0);
		if (err)
			return err;
		err = mm_zap_range(mm, start, end);
		if (err)
			return err;
		vma_locked_account(mm, vma->vm_flags, -(int64_t)((vma->vm_end - start) >> shift));
		vma_set_range(vma, vma->vm_start, start, vma->vm_pgoff);
		return 0;
	}
	err = mm_zap_range(mm, start, end);
	if (err)
		return err;
	while (vma && vma->vm_start < end) {
		struct vm_area_struct *next = find_vma(mm, vma->vm_end);
		if (vma->vm_start < start) {
			vma_locked_account(mm, vma->vm_flags, -(int64_t)((vma->vm_end - start) >> shift));
			vma_set_range(vma, vma->vm_start, start, vma->vm_pgoff);
		} else if (vma->vm_end > end) {
			vma_locked_account(mm, vma->vm_flags, -(int64_t)((end - vma->vm_start) >> shift));
			vma_set_range(vma, end, vma->vm_end,
				      vma->vm_pgoff + ((end - vma->vm_start) >> shift));
		} else {
			vma_locked_account(mm, vma->vm_flags, -(int64_t)vma_pages(vma, shift));
			vma_unlink(mm, vma);
			vm_area_free(vma);
		}
		vma = next;
	}
	return 0;
}

int do_munmap(struct task_struct *t, uint64_t start, uint64_t len)
{
	struct mm_struct *mm = t->mm;
	uint64_t end;

	if (mm_offset_in_page(mm, start) || start > mmap_task_size(t) ||
	    len > mmap_task_size(t) - start)
		return -EINVAL;
	end = start + mm_page_align(mm, len);
	if (end == start)
		return -EINVAL;
	return mm_munmap_range(mm, start, end);
}

int64_t sys_munmap(struct task_struct *t, uint64_t addr, uint64_t len)
{
	int r = do_munmap(t, addr, len);
	int c = mm_check(t->mm);
	return c ? c : r;
}

/* ------------------------------------------------------------------------------------------
 * mmap (mm/mmap.c do_mmap, mm/vma.c __mmap_region)
 */
static vm_flags_t calc_vm_prot_bits(uint64_t prot)
{
	return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) |
	       (prot & PROT_EXEC ? VM_EXEC : 0);
}

static vm_flags_t calc_vm_flag_bits(const struct file *file, uint64_t flags)
{
	return (flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0) | (flags & MAP_LOCKED ? VM_LOCKED : 0) |
	       (file && (flags & MAP_SYNC) ? VM_SYNC : 0) |
	       (flags & MAP_STACK ? VM_NOHUGEPAGE : 0);	/* 6.18: stacks get no THP */
}

/* Pages of [start, end) already mapped, and of those the VM_ACCOUNT ones (count_vma_pages_range). */
static void count_overlap(struct mm_struct *mm, uint64_t start, uint64_t end, uint64_t *pages,
			  uint64_t *accounted)
{
	unsigned int shift = mm_page_shift(mm);
	*pages = *accounted = 0;
	for (struct vm_area_struct *v = find_vma_intersection(mm, start, end); v && v->vm_start < end;
	     v = find_vma(mm, v->vm_end)) {
		uint64_t s = v->vm_start > start ? v->vm_start : start;
		uint64_t e = v->vm_end < end ? v->vm_end : end;
		*pages += (e - s) >> shift;
		if (v->vm_flags & VM_ACCOUNT)
			*accounted += (e - s) >> shift;
	}
}

static bool accountable_mapping(vm_flags_t vm_flags)
{
	/* hugetlb has its own accounting (VM_NORESERVE is set on it here) */
	return (vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE | VM_HUGETLB)) == VM_WRITE;
}

static int64_t mmap_region(struct task_struct *t, struct file *file, uint64_t addr, uint64_t len,
			   vm_flags_t vm_flags, uint64_t pgoff)
{
	struct mm_struct *mm = t->mm;
	unsigned int shift = mm_page_shift(mm);
	uint64_t end = addr + len, pglen = len >> shift, over_pages, over_acct;
	struct vm_area_struct *vma, *prev, *next;
	struct file *shm = NULL;
	int err;

	count_overlap(mm, addr, end, &over_pages, &over_acct);
	if (!may_expand_vm(t, vm_flags, pglen - over_pages))
		return -ENOMEM;
	if (accountable_mapping(vm_flags)) {
		if (vm_enough_memory(t, pglen - over_acct))
			return -ENOMEM;
		vm_flags |= VM_ACCOUNT;
	} else if (!file && (vm_flags & VM_SHARED) && !(vm_flags & VM_NORESERVE)) {
		/* shmem_zero_setup charges the shmem object (shmem_acct_size) */
		if (vm_enough_memory(t, pglen))
			return -ENOMEM;
	}
	/* Take every object first, so that nothing can fail once the old mappings are gone. */
	vma = vm_area_alloc(mm, &err);
	if (!vma)
		return err;
	err = vma_tree_preallocate(&mm->mm_mt, 1);
	if (err)
		goto out_free_vma;
	if (!file && (vm_flags & VM_SHARED)) {
		/*
		 * __mmap_new_vma -> shmem_zero_setup: a shared anonymous mapping is a new shmem
		 * file of the mapping's size (Linux makes it after the old range is gone; made
		 * here first so that a failure leaves the old mappings in place).
		 */
		shm = shmem_zero_file(mm->ms->fs, len, &err);
		if (!shm)
			goto out_free_vma;
	}
	if (over_pages) {
		err = mm_munmap_range(mm, addr, end);
		if (err)
			goto out_fput;
	}
	next = find_vma_prev(mm, addr, &prev);
	if (prev && prev->vm_end != addr)
		prev = NULL;
	if (next && next->vm_start != end)
		next = NULL;
	/*
	 * Linux tries the merge of a shared anonymous mapping with file NULL before it has its
	 * shmem file: no VMA has VM_SHARED without a file, so it never merges; skip it.
	 */
	if (!(vm_flags & VM_SPECIAL) && !shm) {
		struct vma_merge_struct vmg = {
			.mm = mm, .prev = prev, .next = next, .start = addr, .end = end,
			.pgoff = pgoff, .flags = vm_flags, .file = file,
		};
		struct vm_area_struct *merged = vma_merge_new_range(&vmg);
		if (merged) {
			vm_area_free(vma);
			vma = merged;
			goto out;
		}
		/* VMA_MERGE_ERROR_NOMEM: a fresh VMA is always a correct result too */
	}
	vma->vm_start = addr;
	vma->vm_end = end;
	vma->vm_flags = vm_flags;
	vma->vm_pgoff = pgoff;
	if (file)
		vma->vm_file = get_file(file);
	else if (shm)
		vma->vm_file = shm;	/* the VMA takes over the reference of the open */
	vma_set_page_prot(vma);	/* after vm_file: dirty tracking depends on it */
	err = vma_link(mm, vma);
	if (err)
		goto out_free_vma;	/* only max_map_count; the old range is gone as on Linux */
out:
	if (vm_flags & VM_LOCKED) {
		if ((vm_flags & (VM_SPECIAL | VM_HUGETLB)))
			vma->vm_flags &= ~VM_LOCKED_MASK;
		else
			mm->locked_vm += pglen;
	}
	return (int64_t)addr;

out_fput:
	fput(mm->ms->fs, shm);
out_free_vma:
	vm_area_free(vma);	/* drops vm_file (and with it shm) once the VMA holds it */
	return err;
}

/* Is this file mappable at all (file->f_op->mmap)? Regular files are; directories, pipes... not. */
static bool can_mmap_file(const struct file *file)
{
	return file->f_inode && (file->f_inode->i_mode & 0170000) == 0100000;
}

/* hstate_sizelog: the huge page sizes this machine has (x86-64: 2 MiB, 1 GiB). */
static uint64_t huge_page_size_log(const struct mm_struct *mm, unsigned int log)
{
	if (mm->ms->arch->id == ARCH_I386)
		return log == 0 || log == 22 ? 4ull << 20 : 0;	/* non-PAE: 4 MiB pages */
	if (log == 0 || log == 21)
		return 2ull << 20;
	if (log == 30)
		return 1ull << 30;
	return 0;
}

static int64_t do_mmap(struct task_struct *t, struct file *file, uint64_t addr, uint64_t len,
		       uint64_t prot, uint64_t flags, uint64_t pgoff)
{
	struct mm_struct *mm = t->mm;
	unsigned int shift = mm_page_shift(mm);
	vm_flags_t vm_flags = 0;

	if (!len)
		return -EINVAL;
	/* READ_IMPLIES_EXEC: PROT_READ gets PROT_EXEC (no noexec mounts are modelled) */
	if ((prot & PROT_READ) && (t->personality & READ_IMPLIES_EXEC))
		prot |= PROT_EXEC;
	if (flags & MAP_FIXED_NOREPLACE)
		flags |= MAP_FIXED;
	if (!(flags & MAP_FIXED)) {	/* round_hint_to_min */
		uint64_t min = mmap_min_addr_eff(mm->ms);
		addr &= ~(mm_page_size(mm) - 1);
		if (addr && addr < min)
			addr = mm_page_align(mm, min);
	}
	len = mm_page_align(mm, len);
	if (!len)
		return -ENOMEM;
	if (pgoff + (len >> shift) < pgoff)
		return -EOVERFLOW;
	if (mm->map_count > mm->ms->sysctl.max_map_count)
		return -ENOMEM;
	vm_flags = calc_vm_prot_bits(prot) | calc_vm_flag_bits(file, flags) | mm->def_flags |
		   VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	int64_t a = get_unmapped_area(t, file, addr, len, pgoff, flags);
	if (a < 0)
		return a;
	addr = (uint64_t)a;
	if (flags & MAP_FIXED_NOREPLACE) {
		if (find_vma_intersection(mm, addr, addr + len))
			return -EEXIST;
	}
	if (flags & MAP_LOCKED) {	/* can_do_mlock */
		if (rlimit(t, RLIMIT_MEMLOCK) == 0 && !capable_ipc_lock(t))
			return -EPERM;
	}
	if (!mlock_future_ok(t, vm_flags, len))
		return -EAGAIN;
	if (file) {
		/* file_mmap_ok: offset + length within MAX_LFS_FILESIZE */
		const uint64_t maxsize = INT64_MAX;
		if (len > maxsize || pgoff > (maxsize - len) >> shift)
			return -EOVERFLOW;
		switch (flags & MAP_TYPE) {
		case MAP_SHARED:
			flags &= LEGACY_MAP_MASK;
			/* fallthrough */
		case MAP_SHARED_VALIDATE:
			if (flags & ~LEGACY_MAP_MASK)	/* no file here supports MAP_SYNC */
				return -EOPNOTSUPP;
			if ((prot & PROT_WRITE) && !(file->f_mode & FMODE_WRITE))
				return -EACCES;
			vm_flags |= VM_SHARED | VM_MAYSHARE;
			if (!(file->f_mode & FMODE_WRITE))
				vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
			/* fallthrough */
		case MAP_PRIVATE:
			if (!(file->f_mode & FMODE_READ))
				return -EACCES;
			if (!can_mmap_file(file))
				return -ENODEV;
			if (vm_flags & VM_GROWSDOWN)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	} else {
		switch (flags & MAP_TYPE) {
		case MAP_SHARED:
			if (vm_flags & VM_GROWSDOWN)
				return -EINVAL;
			pgoff = 0;
			vm_flags |= VM_SHARED | VM_MAYSHARE;
			break;
		case MAP_DROPPABLE:
			if (vm_flags & VM_GROWSDOWN)
				return -EINVAL;
			vm_flags |= VM_DROPPABLE | VM_WIPEONFORK | VM_DONTDUMP | VM_NORESERVE;
			/* fallthrough */
		case MAP_PRIVATE:
			pgoff = addr >> shift;
			break;
		default:
			return -EINVAL;
		}
	}
	if ((flags & MAP_NORESERVE) && mm->ms->sysctl.overcommit_memory != 2)
		vm_flags |= VM_NORESERVE;
	if (flags & MAP_HUGETLB)
		vm_flags |= VM_HUGETLB | VM_DONTEXPAND;
	return mmap_region(t, file, addr, len, vm_flags, pgoff);
}

/* vm_mmap_pgoff / ksys_mmap_pgoff: descriptor lookup and MAP_HUGETLB before do_mmap. */
static int64_t ksys_mmap_pgoff(struct task_struct *t, uint64_t addr, uint64_t len, uint64_t prot,
			       uint64_t flags, int64_t fd, uint64_t pgoff)
{
	struct mm_struct *mm = t->mm;
	struct file *file = NULL;

	if (!(flags & MAP_ANONYMOUS)) {
		if (fd < 0 || fd >= MMSIM_NR_OPEN || !t->files || !t->files->fd[fd])
			return -EBADF;
		file = t->files->fd[fd];
		if (flags & MAP_HUGETLB)	/* only hugetlbfs files take it */
			return -EINVAL;
	} else if (flags & MAP_HUGETLB) {
		uint64_t hsize = huge_page_size_log(mm, (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK);
		if (!hsize)
			return -EINVAL;
		if (len + hsize - 1 < len)
			return -ENOMEM;
		len = (len + hsize - 1) & ~(hsize - 1);
		/*
		 * hugetlb_file_setup + hugetlbfs_file_mmap: without MAP_NORESERVE the pages are
		 * reserved now, and this machine's pool is empty (nr_hugepages = 0).
		 */
		if (!len)
			return -EINVAL;
		if (!(flags & MAP_NORESERVE))
			return -ENOMEM;
		/*
		 * The mapping goes to a hugetlbfs file; its get_unmapped_area aligns to the huge
		 * page: ask for len + hsize and align, as vm_unmapped_area with align_mask does.
		 */
		if (!(flags & MAP_FIXED)) {
			int64_t a = get_unmapped_area(t, NULL, 0, len + hsize, 0, flags & ~MAP_FIXED_NOREPLACE);
			if (a < 0)
				return a;
			uint64_t top = (uint64_t)a + len + hsize;
			if (mm->flags & MMF_TOPDOWN)
				addr = (top - len) & ~(hsize - 1);
			else
				addr = ((uint64_t)a + hsize - 1) & ~(hsize - 1);
			flags |= MAP_FIXED;
		} else if (addr & (hsize - 1)) {
			return -EINVAL;
		}
	}
	return do_mmap(t, file, addr, len, prot, flags, pgoff);
}

int64_t sys_mmap_pgoff(struct task_struct *t, uint64_t addr, uint64_t len, uint64_t prot,
		       uint64_t flags, int64_t fd, uint64_t pgoff)
{
	int64_t r = ksys_mmap_pgoff(t, addr, len, prot, flags, fd, pgoff);

	/* vm_mmap_pgoff: MAP_POPULATE (without MAP_NONBLOCK) or a locked mapping is populated */
	if (r >= 0 && len) {
		struct vm_area_struct *vma = find_vma(t->mm, (uint64_t)r);
		bool locked = vma && vma->vm_start <= (uint64_t)r && (vma->vm_flags & VM_LOCKED);

		if (locked || (flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE)
			mm_populate(t, (uint64_t)r, mm_page_align(t->mm, len));
	}
	int c = mm_check(t->mm);
	return c ? c : r;
}

int64_t sys_mmap(struct task_struct *t, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags,
		 int64_t fd, uint64_t off)
{
	if (mm_offset_in_page(t->mm, off))
		return -EINVAL;
	return sys_mmap_pgoff(t, addr, len, prot, flags, fd, off >> mm_page_shift(t->mm));
}

int64_t vm_mmap(struct task_struct *t, struct file *file, uint64_t addr, uint64_t len,
		uint64_t prot, uint64_t flags, uint64_t off)
{
	uint64_t pl = mm_page_align(t->mm, len);
	if (off + pl < off)
		return -EINVAL;
	if (mm_offset_in_page(t->mm, off))
		return -EINVAL;
	return do_mmap(t, file, addr, len, prot, flags, off >> mm_page_shift(t->mm));
}

/* ------------------------------------------------------------------------------------------
 * brk (mm/mmap.c)
 */
static vm_flags_t vm_data_default_flags(const struct task_struct *t)
{
	return VM_DATA_FLAGS_NON_EXEC | (t->personality & READ_IMPLIES_EXEC ? VM_EXEC : 0);
}

/* check_brk_limits: get_unmapped_area(MAP_FIXED) range checks and the mlock limit. */
static int check_brk_limits(struct task_struct *t, uint64_t addr, uint64_t len)
{
	int64_t r = get_unmapped_area(t, NULL, addr, len, 0, MAP_FIXED);
	if (r < 0)
		return (int)r;
	return mlock_future_ok(t, t->mm->def_flags, len) ? 0 : -EAGAIN;
}

/* do_brk_flags: [addr, addr + len) anonymous, extending brkvma when it ends at addr. */
static int do_brk_flags(struct task_struct *t, struct vm_area_struct *brkvma, uint64_t addr,
			uint64_t len, vm_flags_t flags)
{
	struct mm_struct *mm = t->mm;
	unsigned int shift = mm_page_shift(mm);
	int err;

	flags |= vm_data_default_flags(t) | VM_ACCOUNT | mm->def_flags;
	if (!may_expand_vm(t, flags, len >> shift))
		return -ENOMEM;
	if (mm->map_count > mm->ms->sysctl.max_map_count)
		return -ENOMEM;
	if (vm_enough_memory(t, len >> shift))
		return -ENOMEM;
	if (brkvma && brkvma->vm_end == addr) {
		/* just_expand: prev only, never the next VMA */
		struct vma_merge_struct vmg = {
			.mm = mm, .prev = brkvma, .start = addr, .end = addr + len,
			.pgoff = addr >> shift, .flags = flags,
		};
		struct vm_area_struct *v = vma_merge_new_range(&vmg);
		if (v)
			goto out;
		if (vmg.state == VMA_MERGE_ERROR_NOMEM)
			return -ENOMEM;
	}
	struct vm_area_struct *vma = vm_area_alloc(mm, &err);
	if (!vma)
		return err;
	vma->vm_start = addr;
	vma->vm_end = addr + len;
	vma->vm_pgoff = addr >> shift;
	vma->vm_flags = flags;
	vma->vm_page_prot = vm_get_page_prot(mm->ms, flags);
	err = vma_link(mm, vma);
	if (err) {
		vm_area_free(vma);
		return err;
	}
out:
	if (flags & VM_LOCKED)
		mm->locked_vm += len >> shift;
	return 0;
}

/* check_data_rlimit (include/linux/mm.h) */
static int check_data_rlimit(uint64_t rlim, uint64_t new, uint64_t start, uint64_t end_data,
			     uint64_t start_data)
{
	if (rlim < RLIM_INFINITY && (new - start) + (end_data - start_data) > rlim)
		return -ENOSPC;
	return 0;
}

static int64_t do_sys_brk(struct task_struct *t, uint64_t brk)
{
	struct mm_struct *mm = t->mm;
	uint64_t origbrk = mm->brk, newbrk, oldbrk;
	struct vm_area_struct *brkvma, *next, *prev;

	if (brk < mm->start_brk)	/* min_brk (no CONFIG_COMPAT_BRK on this kernel) */
		goto out;
	if (check_data_rlimit(rlimit(t, RLIMIT_DATA), brk, mm->start_brk, mm->end_data,
			      mm->start_data))
		goto out;
	newbrk = mm_page_align(mm, brk);
	oldbrk = mm_page_align(mm, mm->brk);
	if (oldbrk == newbrk) {
		mm->brk = brk;
		return (int64_t)brk;
	}
	if (brk <= mm->brk) {		/* shrinking is always allowed */
		brkvma = find_vma_intersection(mm, newbrk, oldbrk);
		if (!brkvma || brkvma->vm_start >= oldbrk)
			goto out;
		if (mm_munmap_range(mm, newbrk, oldbrk))
			goto out;
		mm->brk = brk;
		return (int64_t)brk;
	}
	if (check_brk_limits(t, oldbrk, newbrk - oldbrk))
		goto out;
	/* only a VMA within the stack guard gap of the new end matters */
	next = find_vma(mm, oldbrk);
	if (next && next->vm_start < newbrk + mm_page_size(mm) + mm->ms->sysctl.stack_guard_gap &&
	    newbrk + mm_page_size(mm) > vm_start_gap(mm, next))
		goto out;
	find_vma_prev(mm, oldbrk, &prev);
	brkvma = prev && prev->vm_end > mm->start_brk ? prev : NULL;	/* vma_prev_limit */
	if (do_brk_flags(t, brkvma, oldbrk, newbrk - oldbrk, 0) < 0)
		goto out;
	mm->brk = brk;
	return (int64_t)brk;
out:
	mm->brk = origbrk;
	return (int64_t)origbrk;
}

int64_t sys_brk(struct task_struct *t, uint64_t brk)
{
	int64_t r = do_sys_brk(t, brk);
	int c = mm_check(t->mm);
	return c ? c : r;
}

int vm_brk_flags(struct task_struct *t, uint64_t addr, uint64_t request, vm_flags_t flags)
{
	struct mm_struct *mm = t->mm;
	struct vm_area_struct *prev;
	uint64_t len;
	int err;

	if (flags & ~VM_EXEC)
		return -EINVAL;
	len = mm_page_align(mm, request);
	if (len < request)
		return -ENOMEM;
	if (!len)
		return 0;
	err = check_brk_limits(t, addr, len);
	if (err)
		return err;
	err = mm_munmap_range(mm, addr, addr + len);
	if (err)
		return err;
	find_vma_prev(mm, addr, &prev);
	return do_brk_flags(t, prev, addr, len, flags);
}

/* ------------------------------------------------------------------------------------------
 * Stack growth, special mappings, exit
 */
struct vm_area_struct *expand_stack(struct task_struct *t, uint64_t addr, int *err)
{
	struct mm_struct *mm = t->mm;
	unsigned int shift = mm_page_shift(mm);
	struct vm_area_struct *vma, *prev;

	addr &= ~(mm_page_size(mm) - 1);
	vma = find_vma_prev(mm, addr, &prev);
	if (vma && vma->vm_start <= addr)
		return vma;
	if (!vma || !(vma->vm_flags & VM_GROWSDOWN)) {
		*err = -EFAULT;
		return NULL;
	}
	/* expand_downwards */
	if (addr < mmap_min_addr_eff(mm->ms)) {
		*err = -EPERM;
		return NULL;
	}
	if (prev && !(prev->vm_flags & VM_GROWSDOWN) && (prev->vm_flags & VM_ACCESS_FLAGS) &&
	    addr - prev->vm_end < mm->ms->sysctl.stack_guard_gap) {
		*err = -ENOMEM;
		return NULL;
	}
	uint64_t size = vma->vm_end - addr, grow = (vma->vm_start - addr) >> shift;
	if (grow > vma->vm_pgoff) {
		*err = -ENOMEM;
		return NULL;
	}
	/* acct_stack_growth */
	if (!may_expand_vm(t, vma->vm_flags, grow) || size > rlimit(t, RLIMIT_STACK) ||
	    !mlock_future_ok(t, vma->vm_flags, grow << shift) || vm_enough_memory(t, grow)) {
		*err = -ENOMEM;
		return NULL;
	}
	vma_locked_account(mm, vma->vm_flags, (int64_t)grow);
	vma_set_range(vma, addr, vma->vm_end, vma->vm_pgoff - grow);
	return vma;
}

int install_special_mapping(struct mm_struct *mm, uint64_t addr, uint64_t len, vm_flags_t flags,
			    const struct vm_operations_struct *ops)
{
	struct vm_area_struct *vma;
	int err;

	if (find_vma_intersection(mm, addr, addr + len))
		return -ENOMEM;	/* insert_vm_struct */
	vma = vm_area_alloc(mm, &err);
	if (!vma)
		return err;
	vma->vm_start = addr;
	vma->vm_end = addr + len;
	vma->vm_pgoff = 0;
	vma->vm_flags = (flags | mm->def_flags | VM_DONTEXPAND) & ~VM_LOCKED_MASK;
	vma->vm_page_prot = vm_get_page_prot(mm->ms, vma->vm_flags);
	vma->vm_ops = ops;
	err = vma_link(mm, vma);
	if (err) {
		vm_area_free(vma);
		return err;
	}
	return 0;
}

void exit_mmap(struct mm_struct *mm)
{
	struct vm_area_struct *vma;

	while ((vma = find_vma(mm, 0)) != NULL) {
		mm_zap_range(mm, vma->vm_start, vma->vm_end);
		vma_unlink(mm, vma);
		vm_area_free(vma);
	}
	mm->locked_vm = 0;
}

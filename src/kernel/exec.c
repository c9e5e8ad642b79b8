/*
 * exec, the format-independent half (Linux 6.18: fs/exec.c do_execveat_common, alloc_bprm,
 * bprm_mm_init, bprm_stack_limits, copy_strings, begin_new_exec, setup_new_exec,
 * setup_arg_pages; fs/binfmt_elf.c create_elf_tables; arch/x86/entry/vdso/vma.c map_vdso;
 * arch/x86/kernel/process.c arch_align_stack).
 *
 * Leaves out: binfmt_script (#! files are -ENOEXEC here), binfmt_misc, setuid, LSM hooks,
 * threads other than the caller are ended rather than de_thread'ed, and the bytes of the
 * strings/auxv (no pages exist before issue 5: addresses only).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "arch/layout.h"
#include "fs/fs.h"
#include "kernel/exec.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "mm/kprofile.h"
#include "mm/gup.h"
#include "mm/mman.h"
#include "mm/mmap.h"
#include "mm/slab.h"
#include "mm/vma.h"
#include "util/error.h"

#ifndef AT_RSEQ_FEATURE_SIZE
#define AT_RSEQ_FEATURE_SIZE 27
#define AT_RSEQ_ALIGN 28
#endif
#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

#define MMSIM_MMAP_PAGE_ZERO 0x0100000u

static uint64_t page_size(const struct linux_binprm *bprm) { return bprm->m->mm.page_size; }

uint64_t exec_random_below(struct linux_binprm *bprm, uint64_t bound)
{
	return bound ? rng_below(&bprm->m->rng, bound) : 0;
}

struct file *open_exec(struct mmsim_machine *m, const char *path, int *err)
{
	struct file *f = filp_open(m->mm.fs, path, O_RDONLY, err);
	if (!f)
		return NULL;
	/* do_open_execat: S_ISREG and may_open(MAY_EXEC); root needs one execute bit */
	if (!S_ISREG(f->f_inode->i_mode) || !(f->f_inode->i_mode & 0111)) {
		fput(m->mm.fs, f);
		*err = -EACCES;
		return NULL;
	}
	return f;
}

/* STACK_TOP_MAX: where bprm_mm_init puts the temporary stack (TASK_SIZE_MAX / TASK_SIZE_64). */
static uint64_t stack_top_max(struct linux_binprm *bprm)
{
	return mmsim_task_size(bprm->m, false);
}

/* The new stack's flags: VM_STACK_FLAGS (VM_STACK | data flags of the task | VM_ACCOUNT). */
static vm_flags_t vm_stack_flags(const struct task_struct *t)
{
	vm_flags_t f = VM_STACK_FLAGS_BASE | VM_DATA_FLAGS_NON_EXEC;
	if (t->personality & READ_IMPLIES_EXEC)
		f |= VM_EXEC;
	return f;
}

/* __bprm_mm_init: the new mm with a one-page stack VMA at STACK_TOP_MAX. */
static int bprm_mm_init(struct linux_binprm *bprm)
{
	int err = 0;
	bprm->mm = mm_alloc(bprm->m, &err);
	if (!bprm->mm)
		return err;
	struct vm_area_struct *vma = vm_area_alloc(bprm->mm, &err);
	if (!vma)
		goto out_mmput;
	vma->vm_end = stack_top_max(bprm);
	vma->vm_start = vma->vm_end - page_size(bprm);
	vma->vm_flags = vm_stack_flags(bprm->t) | VM_STACK_INCOMPLETE_SETUP;
	if (kernel_profile_current()->config_mem_soft_dirty)
		vma->vm_flags |= VM_SOFTDIRTY;
	vma->vm_page_prot = vm_get_page_prot(&bprm->m->mm, vma->vm_flags);
	vma->vm_pgoff = vma->vm_start >> bprm->m->mm.page_shift;	/* insert_vm_struct */
	err = vma_link(bprm->mm, vma);
	if (err)
		goto out_free_vma;
	bprm->vma = vma;
	bprm->p = vma->vm_end - sizeof(uint64_t);
	return 0;

out_free_vma:
	vm_area_free(vma);
out_mmput:
	mmput(bprm->mm);
	bprm->mm = NULL;
	return err;
}

/*
 * Grow the stack VMA down to cover addr (expand_downwards with acct_stack_growth's checks).
 * Only the stack exists in the mm at this stage, so no guard gap applies.
 */
static int bprm_expand_stack(struct linux_binprm *bprm, uint64_t addr)
{
	struct vm_area_struct *vma = bprm->vma;
	struct mm_sys *ms = &bprm->m->mm;
	addr &= ~(ms->page_size - 1);
	if (addr >= vma->vm_start)
		return 0;
	if (addr < ms->sysctl.mmap_min_addr)
		return -EPERM;
	uint64_t grow = (vma->vm_start - addr) >> ms->page_shift;
	uint64_t size = vma->vm_end - addr;
	if (grow > vma->vm_pgoff)
		return -ENOMEM;
	/* may_expand_vm: RLIMIT_AS; then the stack limit of the exec'ing task */
	uint64_t as = bprm->t->rlim[RLIMIT_AS].rlim_cur;
	if (as != RLIM_INFINITY && ((bprm->mm->total_vm + grow) << ms->page_shift) > as)
		return -ENOMEM;
	if (size > bprm->t->rlim[RLIMIT_STACK].rlim_cur)
		return -ENOMEM;
	vma_set_range(vma, addr, vma->vm_end, vma->vm_pgoff - grow);
	return 0;
}

/* bprm_stack_limits: how far below the top the strings may reach. */
static int bprm_stack_limits(struct linux_binprm *bprm)
{
	uint64_t limit = STK_LIM / 4 * 3;
	if (bprm->rlim_stack.rlim_cur / 4 < limit)
		limit = bprm->rlim_stack.rlim_cur / 4;
	if (limit < ARG_MAX_BYTES)
		limit = ARG_MAX_BYTES;
	uint64_t ptr_size = ((uint64_t)(bprm->argc > 1 ? bprm->argc : 1) + (uint64_t)bprm->envc) *
			    sizeof(uint64_t);
	if (limit <= ptr_size)
		return -E2BIG;
	bprm->argmin = bprm->p - (limit - ptr_size);
	return 0;
}

/* copy_string_kernel / one string of copy_strings: len bytes (NUL included) below p. */
static int copy_one_string(struct linux_binprm *bprm, uint64_t len)
{
	if (len > (uint64_t)MAX_ARG_STRLEN_PAGES * page_size(bprm))	/* valid_arg_len */
		return -E2BIG;
	bprm->p -= len;
	if (bprm->p < bprm->argmin)
		return -E2BIG;
	/* get_arg_page grows the stack for the pages written; failure reads as -E2BIG */
	return bprm_expand_stack(bprm, bprm->p) ? -E2BIG : 0;
}

static int copy_strings(struct linux_binprm *bprm, int n, char *const *strs, uint64_t *total)
{
	*total = 0;
	for (int i = n - 1; i >= 0; i--) {
		uint64_t len = strlen(strs[i]) + 1;
		int err = copy_one_string(bprm, len);
		if (err)
			return err;
		*total += len;
	}
	return 0;
}

static int count_strings(char *const *strs)
{
	int n = 0;
	while (strs && strs[n] && n < MAX_ARG_STRINGS)
		n++;
	return n;
}

/* --- the point of no return ----------------------------------------------------------------- */

/* unshare_files + do_close_on_exec */
static int exec_files(struct linux_binprm *bprm)
{
	struct mmsim_machine *m = bprm->m;
	struct task_struct *t = bprm->t;
	struct files_struct *files = t->files;
	if (!files)
		return 0;
	if (files->count > 1) {
		int err = 0;
		struct files_struct *copy = files_alloc(&m->mm, &err);
		if (!copy)
			return err;
		for (int fd = 0; fd < MMSIM_NR_OPEN; fd++) {
			if (files->fd[fd]) {
				copy->fd[fd] = get_file(files->fd[fd]);
				copy->cloexec[fd] = files->cloexec[fd];
			}
		}
		files->count--;
		t->files = files = copy;
	}
	for (int fd = 0; fd < MMSIM_NR_OPEN; fd++) {
		if (files->fd[fd] && files->cloexec[fd]) {
			fput(m->mm.fs, files->fd[fd]);
			files->fd[fd] = NULL;
			files->cloexec[fd] = false;
		}
	}
	return 0;
}

int begin_new_exec(struct linux_binprm *bprm)
{
	struct mmsim_machine *m = bprm->m;
	struct task_struct *t = bprm->t;
	struct list_head *pos;

	/* unshare_files first: it may fail, and nothing is changed yet */
	int err = exec_files(bprm);
	if (err)
		return err;
	bprm->point_of_no_return = true;
	/* de_thread: the other threads of the group end */
	list_for_each(pos, &m->tasks) {
		struct task_struct *u = list_entry(pos, struct task_struct, tasks);
		if (u != t && u->tgid == t->tgid)
			do_exit(m, u, 0);
	}
	/* exec_mmap */
	struct mm_struct *old_mm = t->mm;
	t->mm = bprm->mm;
	bprm->mm = NULL;
	if (old_mm)
		mmput(old_mm);
	/* set_mm_exe_file */
	t->mm->exe_file = get_file(bprm->file);
	return 0;
}

void setup_new_exec(struct linux_binprm *bprm)
{
	struct task_struct *t = bprm->t;
	const char *base = strrchr(bprm->filename, '/');
	base = base ? base + 1 : bprm->filename;
	memset(t->comm, 0, sizeof(t->comm));
	strncpy(t->comm, base, sizeof(t->comm) - 1);	/* __set_task_comm(kbasename(filename)) */
	t->compat = bprm->compat || bprm->m->desc.arch->id == ARCH_I386;
	t->mm->task_size = mmsim_task_size(bprm->m, bprm->compat);
	arch_pick_mmap_layout(t->mm, t);
}

/* arch_align_stack (x86 and arm64): a random offset below sp unless ADDR_NO_RANDOMIZE. */
static uint64_t arch_align_stack(struct linux_binprm *bprm, uint64_t sp)
{
	const struct task_struct *t = bprm->t;
	if (!(t->personality & ADDR_NO_RANDOMIZE) && bprm->m->mm.sysctl.randomize_va_space) {
		uint64_t range = bprm->m->desc.arch->id == ARCH_ARM64 ? page_size(bprm) : 8192;
		sp -= exec_random_below(bprm, range);
	}
	return sp & ~0xfull;
}

uint64_t exec_stack_top_base(struct linux_binprm *bprm)
{
	struct mmsim_machine *m = bprm->m;
	const struct arch_layout *l;
	if (bprm->compat)
		return (bprm->t->personality & ADDR_LIMIT_3GB) ? 0xc0000000ull : mmsim_task_size(m, true);
	if (arch_layout(m->paging, &l) == 0)
		return l->map_window;
	return mmsim_task_size(m, false);
}

uint64_t exec_stack_top(struct linux_binprm *bprm)
{
	struct mmsim_machine *m = bprm->m;
	bool is32 = bprm->compat || m->desc.arch->id == ARCH_I386;
	uint64_t top = exec_stack_top_base(bprm);
	/* randomize_stack_top: STACK_RND_MASK pages (x86: 0x3fffff, 32-bit 0x7ff; arm64
	 * 0x3ffff, 32-bit 0x7ff, both >> (PAGE_SHIFT - 12)) */
	if (bprm->randomize) {
		uint64_t mask;
		if (m->desc.arch->id == ARCH_ARM64)
			mask = (is32 ? 0x7ffull : 0x3ffffull) >> (m->mm.page_shift - 12);
		else
			mask = is32 ? 0x7ffull : 0x3fffffull;
		uint64_t rnd = (rng_next(&m->rng) & mask) << m->mm.page_shift;
		top = ((top + page_size(bprm) - 1) & ~(page_size(bprm) - 1)) - rnd;
	}
	return top;
}

int setup_arg_pages(struct linux_binprm *bprm, uint64_t stack_top, int executable_stack)
{
	struct mm_struct *mm = bprm->t->mm;
	struct vm_area_struct *vma = bprm->vma;
	struct mm_sys *ms = &bprm->m->mm;
	uint64_t psize = ms->page_size;

	stack_top = arch_align_stack(bprm, stack_top);
	stack_top = (stack_top + psize - 1) & ~(psize - 1);
	if (stack_top < ms->sysctl.mmap_min_addr ||
	    vma->vm_end - vma->vm_start >= stack_top - ms->sysctl.mmap_min_addr)
		return -ENOMEM;
	uint64_t stack_shift = vma->vm_end - stack_top;
	bprm->p -= stack_shift;
	mm->arg_start = bprm->p;
	bprm->exec -= stack_shift;

	vm_flags_t vm_flags = vm_stack_flags(bprm->t);
	if (executable_stack == EXSTACK_ENABLE_X)
		vm_flags |= VM_EXEC;
	else if (executable_stack == EXSTACK_DISABLE_X)
		vm_flags &= ~VM_EXEC;
	vm_flags |= mm->def_flags;
	/* mprotect_fixup of the only VMA: its flags (counters follow the change) */
	vm_stat_account(mm, vma->vm_flags, -(int64_t)((vma->vm_end - vma->vm_start) >> ms->page_shift));
	vma->vm_flags = vm_flags | (vma->vm_flags & VM_SOFTDIRTY);
	vma->vm_page_prot = vm_get_page_prot(ms, vma->vm_flags);
	vm_stat_account(mm, vma->vm_flags, (int64_t)((vma->vm_end - vma->vm_start) >> ms->page_shift));

	/* relocate_vma_down: same offset, new place (no pages to move before issue 5) */
	if (stack_shift)
		vma_set_range(vma, vma->vm_start - stack_shift, vma->vm_end - stack_shift,
			      vma->vm_pgoff);

	/* stack_expand: 128 KiB more than the strings use, within RLIMIT_STACK */
	uint64_t stack_expand = 131072;
	uint64_t stack_size = vma->vm_end - vma->vm_start;
	uint64_t rlim_stack = bprm->rlim_stack.rlim_cur & ~(psize - 1);
	if (stack_size + stack_expand < rlim_stack)
		stack_expand = stack_size + stack_expand;
	else
		stack_expand = rlim_stack;
	uint64_t stack_base = vma->vm_end - stack_expand;
	mm->start_stack = bprm->p;
	/* expand_stack_locked: the checks of expand_downwards; failure is -EFAULT */
	if (stack_base < vma->vm_start && bprm_expand_stack(bprm, stack_base))
		return -EFAULT;
	return 0;
}

/* --- vDSO ------------------------------------------------------------------------------------ */

static int vdso_mremap(struct vm_area_struct *new_vma)
{
	new_vma->vm_mm->vdso = new_vma->vm_start;	/* vdso_fix_landing + context.vdso */
	return 0;
}

static const struct vm_operations_struct vdso_ops = { .name = "[vdso]", .mremap = vdso_mremap };
static const struct vm_operations_struct vvar_ops = { .name = "[vvar]" };
static const struct vm_operations_struct vvar_vclock_ops = { .name = "[vvar_vclock]" };

/*
 * Sizes in pages on this machine's kernel (setarch -R cat /proc/self/maps: [vvar] 4,
 * [vvar_vclock] 2, [vdso] 2 on x86-64; the same for a 32-bit task: tests/cli/exec32.sh
 * runs a static i386 program that prints its own maps). The arm64 image is not measured
 * here (no arm64 binary runs on the reference host): 2 pages is the size of its usual build.
 */
struct vdso_layout { unsigned int vvar, vclock, text; };

int arch_setup_additional_pages(struct linux_binprm *bprm)
{
	struct mmsim_machine *m = bprm->m;
	struct task_struct *t = bprm->t;
	struct mm_struct *mm = t->mm;
	uint64_t ps = page_size(bprm);
	struct vdso_layout lay = { 4, 2, 2 };
	if (m->desc.arch->id == ARCH_ARM64)
		lay = (struct vdso_layout){ 4, 0, 2 };	/* arm64 has no [vvar_vclock] */
	uint64_t len = (uint64_t)(lay.vvar + lay.vclock + lay.text) * ps;
	int64_t addr = get_unmapped_area(t, NULL, 0, len, 0, 0);
	if (addr < 0)
		return (int)addr;
	uint64_t text = (uint64_t)addr + (uint64_t)(lay.vvar + lay.vclock) * ps;
	/* map_vdso: the text first, then the data pages below it */
	int err = install_special_mapping(mm, text, lay.text * ps,
					  VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
					  VM_DONTEXPAND, &vdso_ops);
	if (err)
		return err;
	vm_flags_t data = VM_READ | VM_MAYREAD | VM_IO | VM_DONTDUMP | VM_PFNMAP | VM_DONTEXPAND;
	err = install_special_mapping(mm, (uint64_t)addr, lay.vvar * ps, data, &vvar_ops);
	if (err)
		return err;
	if (lay.vclock) {
		err = install_special_mapping(mm, (uint64_t)addr + lay.vvar * ps, lay.vclock * ps,
					      data, &vvar_vclock_ops);
		if (err)
			return err;
	}
	mm->vdso = text;
	return 0;
}

/* --- create_elf_tables ---------------------------------------------------------------------- */

/* This machine's CPU as the reference host reports it (LD_SHOW_AUXV=1 /bin/true). */
#define HOST_AT_HWCAP 0x178bfbffull
#define HOST_AT_HWCAP2 0x2ull
#define HOST_AT_MINSIGSTKSZ 3376ull

int create_elf_tables(struct linux_binprm *bprm, uint64_t phdr_addr, uint64_t phnum,
		      uint64_t interp_load_addr, uint64_t e_entry)
{
	struct mmsim_machine *m = bprm->m;
	struct mm_struct *mm = bprm->t->mm;
	bool is32 = bprm->t->compat;
	uint64_t ptr = is32 ? 4 : 8;
	uint64_t p = arch_align_stack(bprm, bprm->p);
	const char *platform = m->desc.arch->id == ARCH_ARM64 ? "aarch64" : is32 ? "i686" : "x86_64";

	p -= strlen(platform) + 1;
	uint64_t u_platform = p;
	p -= 16;					/* AT_RANDOM bytes */
	uint64_t u_rand_bytes = p;
	for (int i = 0; i < 2; i++)
		(void)rng_next(&m->rng);		/* their value, once pages exist */

	uint64_t *ai = mm->saved_auxv;
	unsigned int n = 0;
#define NEW_AUX_ENT(id, val) do { ai[n++] = (id); ai[n++] = (val); } while (0)
	/* ARCH_DLINFO (x86-64; ia32 adds AT_SYSINFO, the vDSO entry, which is not modelled) */
	if (mm->vdso)
		NEW_AUX_ENT(AT_SYSINFO_EHDR, mm->vdso);
	NEW_AUX_ENT(AT_MINSIGSTKSZ, HOST_AT_MINSIGSTKSZ);
	NEW_AUX_ENT(AT_HWCAP, HOST_AT_HWCAP);
	NEW_AUX_ENT(AT_PAGESZ, page_size(bprm));
	NEW_AUX_ENT(AT_CLKTCK, 100);
	NEW_AUX_ENT(AT_PHDR, phdr_addr);
	NEW_AUX_ENT(AT_PHENT, is32 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr));
	NEW_AUX_ENT(AT_PHNUM, phnum);
	NEW_AUX_ENT(AT_BASE, interp_load_addr);
	NEW_AUX_ENT(AT_FLAGS, 0);
	NEW_AUX_ENT(AT_ENTRY, e_entry);
	NEW_AUX_ENT(AT_UID, 0);
	NEW_AUX_ENT(AT_EUID, 0);
	NEW_AUX_ENT(AT_GID, 0);
	NEW_AUX_ENT(AT_EGID, 0);
	NEW_AUX_ENT(AT_SECURE, 0);
	NEW_AUX_ENT(AT_RANDOM, u_rand_bytes);
	NEW_AUX_ENT(AT_HWCAP2, HOST_AT_HWCAP2);
	NEW_AUX_ENT(AT_EXECFN, bprm->exec);
	NEW_AUX_ENT(AT_PLATFORM, u_platform);
	NEW_AUX_ENT(AT_RSEQ_FEATURE_SIZE, 28);		/* offsetofend(struct rseq, mm_cid) */
	NEW_AUX_ENT(AT_RSEQ_ALIGN, 32);			/* __alignof__(struct rseq) */
#undef NEW_AUX_ENT
	memset(&ai[n], 0, sizeof(mm->saved_auxv) - n * sizeof(ai[0]));
	n += 2;						/* AT_NULL */

	/* sp = STACK_ADD(p, ei_index); items = argc + 1 + envc + 1 + 1; STACK_ROUND */
	uint64_t items = (uint64_t)bprm->argc + 1 + (uint64_t)bprm->envc + 1 + 1;
	uint64_t sp = p - n * ptr;
	bprm->p = (sp - items * ptr) & ~0xfull;
	/* find_extend_vma_locked: the pointers may reach below what setup_arg_pages made */
	if (bprm->p < bprm->vma->vm_start && bprm_expand_stack(bprm, bprm->p))
		return -EFAULT;
	mm->arg_end = mm->arg_start + bprm->arg_bytes;
	mm->env_start = mm->arg_end;
	mm->env_end = mm->env_start + bprm->env_bytes;
	/*
	 * The strings (copy_strings -> get_arg_page, FOLL_WRITE) and the tables (copy_to_user)
	 * are written from the top of the stack down to sp: every page of [sp, top) is faulted
	 * in by a write, counted as the exec'ing task's faults (mm_account_fault counts GUP
	 * faults too). Linux writes the strings at a temporary place and moves the pages with
	 * the VMA (setup_arg_pages -> move_page_tables), which adds no fault.
	 */
	int err = faultin_page_range(bprm->t, bprm->p & ~(page_size(bprm) - 1), bprm->vma->vm_end,
				     true);
	return err == -ENOMEM ? -ENOMEM : 0;
}

/* --- do_execve ------------------------------------------------------------------------------ */

/* Release what an exec holds (free_bprm). */
static void free_bprm(struct linux_binprm *bprm)
{
	if (bprm->mm)
		mmput(bprm->mm);
	if (bprm->file)
		fput(bprm->m->mm.fs, bprm->file);
}

static char *const empty_argv[] = { "", NULL };

int do_execve(struct mmsim_machine *m, struct task_struct *t, const char *path,
	      char *const argv[], char *const envp[], struct mmsim_error *err)
{
	struct linux_binprm bprm = { .m = m, .t = t, .filename = path, .err = err };
	int ret;

	if (!t || t->exited)
		return err_set(err, -ESRCH, path, 0, 0, "exec: the task does not exist or has exited");
	if (!path)
		return err_set(err, -EFAULT, NULL, 0, 0, "exec: no path");
	bprm.file = open_exec(m, path, &ret);
	if (!bprm.file)
		return err_set(err, ret, path, 0, 0, "exec: cannot open the file: %s",
			       mmsim_strerror(ret));
	bprm.rlim_stack = t->rlim[RLIMIT_STACK];
	ret = bprm_mm_init(&bprm);
	if (ret) {
		err_set(err, ret, path, 0, 0, "exec: no memory for the new address space");
		goto out_free;
	}
	bprm.argc = count_strings(argv);
	bprm.envc = count_strings(envp);
	bprm.argv = argv;
	bprm.envp = envp;
	ret = bprm_stack_limits(&bprm);
	if (!ret)
		ret = copy_one_string(&bprm, strlen(path) + 1);
	bprm.exec = bprm.p;
	if (!ret)
		ret = copy_strings(&bprm, bprm.envc, envp, &bprm.env_bytes);
	if (!ret)
		ret = copy_strings(&bprm, bprm.argc, argv, &bprm.arg_bytes);
	if (!ret && bprm.argc == 0) {
		/* an empty argv gets "" as argv[0] */
		bprm.argv = empty_argv;
		bprm.argc = 1;
		ret = copy_strings(&bprm, 1, empty_argv, &bprm.arg_bytes);
	}
	if (ret) {
		err_set(err, ret, path, 0, 0,
			"exec: the arguments and environment do not fit the stack (%d strings)",
			bprm.argc + bprm.envc);
		goto out_free;
	}
	/* prepare_binprm: the first 256 bytes, zero-padded */
	int64_t n = kernel_read(bprm.file, bprm.buf, sizeof(bprm.buf), 0);
	if (n < 0) {
		ret = (int)n;
		err_set(err, ret, path, 0, 0, "exec: cannot read the file: %s", mmsim_strerror(ret));
		goto out_free;
	}
	if (n >= 2 && bprm.buf[0] == '#' && bprm.buf[1] == '!') {
		ret = err_set(err, -ENOEXEC, path, 0, 0,
			      "exec: a #! script; mmsim runs ELF files only (exec the interpreter itself)");
		goto out_free;
	}
	ret = load_elf_binary(&bprm);
	if (ret && bprm.point_of_no_return) {
		/* Linux: force_fatal_sig(SIGSEGV); the task dies with what it had */
		do_exit(m, t, 11);
	}
out_free:
	free_bprm(&bprm);
	return ret;
}

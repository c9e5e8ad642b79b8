/*
 * exec (Linux: fs/exec.c, fs/binfmt_elf.c, include/linux/binfmts.h, arch/x86/entry/vdso/vma.c).
 *
 * do_execve replaces a task's address space by a real ELF file of the host, as Linux 6.18
 * builds it: a new mm with the argument pages (filename, environment, arguments copied from
 * the top), the stack moved to STACK_TOP and grown by 128 KiB (setup_arg_pages), the PT_LOAD
 * segments and the interpreter mapped through vm_mmap and vm_brk_flags, the vDSO below, the
 * auxiliary vector and argv/envp pointers laid out (create_elf_tables), brk after the bss.
 * docs/exec.md draws the stack.
 *
 * No pages exist before issue 5: the strings, pointers and auxv are placed (every address,
 * mm->arg_start ... env_end, start_stack, saved_auxv are Linux's) but their bytes are not
 * written yet.
 *
 * Errors before the point of no return (a bad or missing file, a malformed ELF, E2BIG,
 * -ENOMEM) leave the task exactly as it was. After it (the old mm is gone), a failure kills
 * the task as Linux does (SIGSEGV): it is marked exited and everything is released.
 */
#ifndef MMSIM_KERNEL_EXEC_H
#define MMSIM_KERNEL_EXEC_H
#include <stdbool.h>
#include <stdint.h>
#include "kernel/sched.h"

struct mmsim_machine;
struct mmsim_error;
struct mm_struct;
struct vm_area_struct;
struct file;

#define BINPRM_BUF_SIZE 256
#define MAX_ARG_STRLEN_PAGES 32		/* MAX_ARG_STRLEN = 32 pages */
#define MAX_ARG_STRINGS 0x7fffffff
#define STK_LIM (8ull << 20)		/* _STK_LIM */
#define ARG_MAX_BYTES 131072		/* ARG_MAX */

/* EXSTACK_* of include/linux/binfmts.h */
enum { EXSTACK_DEFAULT, EXSTACK_DISABLE_X, EXSTACK_ENABLE_X };

/*
 * One exec in progress (struct linux_binprm). mm and vma are the new address space and its
 * stack until begin_new_exec installs mm in the task (point_of_no_return).
 */
struct linux_binprm {
	struct mmsim_machine *m;
	struct task_struct *t;
	struct mm_struct *mm;
	struct vm_area_struct *vma;	/* the stack VMA */
	struct file *file;
	const char *filename;		/* the path as given (AT_EXECFN, comm) */
	char *const *argv, *const *envp;
	int argc, envc;
	uint64_t p;			/* lowest byte used at the top of the stack */
	uint64_t argmin;		/* p may not go below (bprm_stack_limits) */
	uint64_t exec;			/* address of the filename string */
	uint64_t arg_bytes, env_bytes;	/* bytes of the argv / envp strings, NULs included */
	struct rlimit rlim_stack;
	unsigned char buf[BINPRM_BUF_SIZE];
	bool point_of_no_return;
	bool randomize;			/* PF_RANDOMIZE */
	bool compat;			/* the image is 32-bit on a 64-bit machine */
	struct mmsim_error *err;
};

/*
 * Execute the host file path in task t with argv and envp (NULL-terminated, argv may be
 * NULL). 0, or a negative errno with err naming the file and what is wrong: -ENOENT,
 * -EACCES (not a regular executable file), -ENOEXEC (not an ELF file this machine runs, or a
 * malformed one), -ELIBBAD (a bad interpreter), -E2BIG, -ENOMEM ...
 */
int do_execve(struct mmsim_machine *m, struct task_struct *t, const char *path,
	      char *const argv[], char *const envp[], struct mmsim_error *err);

/* --- between exec.c and binfmt_elf.c -------------------------------------------------------- */
int load_elf_binary(struct linux_binprm *bprm);
/* Open a file for exec (do_open_execat): regular, with an execute bit. */
struct file *open_exec(struct mmsim_machine *m, const char *path, int *err);
/* The point of no return: install bprm->mm in the task, drop the old one (begin_new_exec). */
int begin_new_exec(struct linux_binprm *bprm);
/* Layout and name of the new image (setup_new_exec). */
void setup_new_exec(struct linux_binprm *bprm);
/* Move the stack to stack_top and grow it as Linux does (setup_arg_pages). */
int setup_arg_pages(struct linux_binprm *bprm, uint64_t stack_top, int executable_stack);
/* STACK_TOP of the new image (TASK_SIZE_LOW / DEFAULT_MAP_WINDOW; 32-bit: IA32_PAGE_OFFSET). */
uint64_t exec_stack_top_base(struct linux_binprm *bprm);
/* STACK_TOP randomized as randomize_stack_top does (with bprm->randomize). */
uint64_t exec_stack_top(struct linux_binprm *bprm);
/* Map the vDSO and its data pages (arch_setup_additional_pages). */
int arch_setup_additional_pages(struct linux_binprm *bprm);
/*
 * Lay out the platform string, AT_RANDOM bytes, auxv, envp/argv pointers and argc below
 * bprm->p (create_elf_tables); sets mm->saved_auxv, arg/env ranges and bprm->p.
 */
int create_elf_tables(struct linux_binprm *bprm, uint64_t phdr_addr, uint64_t phnum,
		      uint64_t interp_load_addr, uint64_t e_entry);
/* A random value below bound from the machine's generator (get_random_u32_below). */
uint64_t exec_random_below(struct linux_binprm *bprm, uint64_t bound);
#endif

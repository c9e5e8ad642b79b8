/*
 * Process creation and teardown (Linux: kernel/fork.c, kernel/exit.c): address-space
 * objects (mm_alloc, mmput, mmdrop, dup_mm), fork/vfork/clone, exit and exit_group.
 *
 * Exit keeps the task: a task that called exit_group has mm == NULL and exited == true and
 * stays in the machine's list (a zombie, until task_free reaps it), so its pid is not reused
 * and a caller may still ask for it. Whoever wants the maps "as they stand when the process
 * calls exit_group" renders them *before* calling do_exit_group.
 */
#ifndef MMSIM_KERNEL_FORK_H
#define MMSIM_KERNEL_FORK_H
#include <stdbool.h>
#include <stdint.h>

struct mmsim_machine;
struct mm_sys;
struct mm_struct;
struct task_struct;

/* clone flags (include/uapi/linux/sched.h) */
#define CLONE_VM	0x00000100ull
#define CLONE_FS	0x00000200ull
#define CLONE_FILES	0x00000400ull
#define CLONE_SIGHAND	0x00000800ull
#define CLONE_VFORK	0x00004000ull
#define CLONE_PARENT	0x00008000ull
#define CLONE_THREAD	0x00010000ull
#define CSIGNAL		0x000000ffull

/* The caches "task_struct", "files_cache", and the file layer (fs_init). Boot calls it. */
int fork_init(struct mm_sys *ms);
/* Free every task of the machine, then the file layer (machine teardown). */
void fork_teardown(struct mmsim_machine *m);

/*
 * A new, empty address space of the machine (mm_alloc + mm_init): mm_users = mm_count = 1,
 * its page-table root allocated in the machine's paging format, no VMAs. NULL and *err.
 */
struct mm_struct *mm_alloc(struct mmsim_machine *m, int *err);
/* Drop a user: the last one unmaps everything (exit_mmap) and drops exe_file, then mmdrop. */
void mmput(struct mm_struct *mm);
/* Drop a reference to the struct: the last one frees the page tables and the object. */
void mmdrop(struct mm_struct *mm);
/*
 * A copy of oldmm for fork (dup_mm/dup_mmap): every VMA but VM_DONTCOPY ones, with file and
 * name references; VM_WIPEONFORK VMAs are copied (their pages would not be: issue 5);
 * counters, brk/stack/arg/env fields, layout, exe_file. NULL and *err (-ENOMEM), nothing
 * allocated left behind.
 */
struct mm_struct *dup_mm(struct mmsim_machine *m, struct mm_struct *oldmm, int *err);

/*
 * kernel_clone: a child of parent with the given clone flags. child_pid > 0 asks for that pid
 * (replaying a log: the pid the kernel returned), 0 takes the next free one. CLONE_VM shares
 * the mm (mm_users++), CLONE_FILES the descriptor table; CLONE_VFORK is accepted (the parent
 * does not run until the child execs or exits: the replay orders that itself). 0 and
 * *out_pid, or -EINVAL (bad flag combination, as copy_process checks), -EEXIST (pid taken),
 * -ENOMEM; on failure nothing is left.
 */
int do_fork(struct mmsim_machine *m, struct task_struct *parent, uint64_t clone_flags,
	    int child_pid, int *out_pid);
/* The system calls: the child's pid or a negative errno. */
int64_t sys_fork(struct mmsim_machine *m, struct task_struct *parent, int child_pid);
int64_t sys_vfork(struct mmsim_machine *m, struct task_struct *parent, int child_pid);
int64_t sys_clone(struct mmsim_machine *m, struct task_struct *parent, uint64_t clone_flags,
		  int child_pid);

/*
 * do_exit: release the task's mm (exit_mm: mmput) and files (exit_files), mark it exited with
 * code. The task stays listed as a zombie; task_free reaps it.
 */
void do_exit(struct mmsim_machine *m, struct task_struct *t, int code);
/* exit_group: do_exit for every live task of t's thread group (tgid). */
void do_exit_group(struct mmsim_machine *m, struct task_struct *t, int code);
/* Release the files_struct reference of t (exit_files). */
void exit_files(struct mmsim_machine *m, struct task_struct *t);
/* Release the mm reference of t (exit_mm). */
void exit_mm(struct task_struct *t);

/* --- for task.c, fork.c and exec.c ---------------------------------------------------------- */
struct files_struct;
/* A task object with a pid, in the machine's list, with neither mm nor files. */
int task_alloc(struct mmsim_machine *m, int want_pid, struct task_struct **out);
/* An empty descriptor table ("files_cache" object, fd arrays kmalloc'd). */
struct files_struct *files_alloc(struct mm_sys *ms, int *err);
/* Free a descriptor table that no task uses and that holds no file. */
void files_free(struct mm_sys *ms, struct files_struct *files);
/* TASK_SIZE of a task of this machine (compat: a 32-bit task on a 64-bit machine). */
uint64_t mmsim_task_size(const struct mmsim_machine *m, bool compat);
#endif

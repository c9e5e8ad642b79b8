/*
 * System calls by name (Linux: arch/x86/entry/syscalls/syscall_64.tbl and the SYSCALL_DEFINE
 * entries): the one door through which scenario scripts and strace replay change a process.
 *
 * A call arrives decoded from text (input/strace.c): integer arguments, and beside them the
 * strings strace printed (paths, argv/envp of execve, the PR_SET_VMA name) and the path
 * strace -y printed after a descriptor ("3</usr/lib/libc.so.6>"). syscall_dispatch finds the
 * task, applies the call and returns its value. Calls the model does not implement are
 * -ENOSYS from syscall_dispatch with the name in the error; calls that do not touch memory
 * (write, close ...) are listed as ignored so that replay can skip them knowingly.
 */
#ifndef MMSIM_KERNEL_SYSCALL_H
#define MMSIM_KERNEL_SYSCALL_H
#include <stdint.h>
#include <stdbool.h>

struct mmsim_machine;
struct mmsim_error;

#define SYS_MAX_ARGS 6
struct sys_call {
	const char *name;		/* "mmap", "execve" ... */
	int nargs;
	int64_t arg[SYS_MAX_ARGS];	/* integers, flags already decoded to numbers */
	const char *str[SYS_MAX_ARGS];	/* string argument i (path, name), or NULL */
	const char *fd_path[SYS_MAX_ARGS];	/* -y path of descriptor argument i, or NULL */
	char **argv, **envp;		/* execve: NULL-terminated, or NULL when strace elided them */
};

enum sys_disposition {
	SYS_HANDLED,			/* applied to the model; *ret is its result */
	SYS_IGNORED,			/* known not to touch the modelled state (write, close...) */
};

/*
 * Apply c as task pid. 0 and *ret / *disp on success; -ESRCH if there is no such task (and
 * the call is not one that creates it), -ENOSYS for an unknown name, -EINVAL for a wrong
 * argument count; err says which.
 * fork/vfork/clone/clone3: *ret on entry is the pid the child must get (the value the log
 * recorded), or <= 0 for the next free pid.
 */
int syscall_dispatch(struct mmsim_machine *m, int pid, const struct sys_call *c, int64_t *ret,
		     enum sys_disposition *disp, struct mmsim_error *err);

/* Names syscall_dispatch handles, NULL-terminated (for docs and tests). */
const char *const *syscall_names(void);
#endif

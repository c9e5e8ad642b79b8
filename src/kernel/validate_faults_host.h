/*
 * The host side of `mmsim validate --faults` (kernel/validate_faults.c): the processes it
 * starts on this machine and what it reads about them from /proc. Kept apart from the model's
 * headers, whose names (RLIMIT_*, ADDR_NO_RANDOMIZE) are the host's own in <sys/resource.h>
 * and <sys/personality.h>.
 */
#ifndef MMSIM_KERNEL_VALIDATE_FAULTS_HOST_H
#define MMSIM_KERNEL_VALIDATE_FAULTS_HOST_H
#include <stdbool.h>
#include <sys/types.h>
#include "kernel/validate_faults.h"

/* name as execvp would find it (malloc'd), or NULL. */
char *vf_find_program(const char *name);

/*
 * Run 1, the census: prog under ptrace with the exec and exit events only; fills
 * res->kernel, res->kernel_exited, res->exit_status and res->ru_*. 0, -EPERM (ptrace
 * refused), -ENOENT (the program never exec'd), or another -errno; err says which.
 */
int vf_census_run(const char *prog, char *const argv[], bool passthrough,
		  struct vf_result *res, struct mmsim_error *err);

/*
 * Run 3: valgrind (path vg) on argv with lackey, the system call trace and the -d -d debug
 * log: the log on a pipe whose read end is *logfd, or on the file keep_log (then *logfd is
 * -1); the debug log (and the program's stderr) on the file stderr_path. 0 and *pid, or a
 * negative errno.
 */
int vf_start_valgrind(const char *vg, char *const argv[], const char *stderr_path,
		      const char *keep_log, bool passthrough, pid_t *pid, int *logfd,
		      struct mmsim_error *err);
#endif

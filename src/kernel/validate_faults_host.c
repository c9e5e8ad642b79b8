/*
 * The host side of `mmsim validate --faults` (validate_faults_host.h). Linux sources:
 * fs/proc/array.c do_task_stat (/proc/PID/stat fields 10 min_flt, 12 maj_flt, 28 startstack;
 * for the thread group leader the whole group's sum, dead threads included),
 * fs/proc/task_mmu.c task_mem (RssAnon, RssFile, RssShmem, VmHWM), kernel/exit.c do_exit
 * (PTRACE_EVENT_EXIT is reported before exit_mm: the mm is still whole), fs/binfmt_elf.c
 * (mm->start_stack = bprm->p after create_elf_tables: the initial stack pointer).
 * This file starts processes and reads /proc; it never prints.
 */
#include "kernel/validate_faults_host.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include "util/error.h"

extern char **environ;

/* A whole /proc/PID/FILE, NUL-terminated (malloc'd), or NULL. */
static char *read_proc(pid_t pid, const char *file)
{
	char path[64];
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap);
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len + 1 == cap) {
			char *b = realloc(buf, cap *= 2);
			if (!b)
				break;
			buf = b;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* Fields 10 (min_flt), 12 (maj_flt) and 28 (startstack) of /proc/PID/stat; 0 or -1. */
static int read_stat(pid_t pid, uint64_t *minflt, uint64_t *majflt, uint64_t *startstack)
{
	char *s = read_proc(pid, "stat");
	char *p = s ? strrchr(s, ')') : NULL;	/* comm may hold anything but ends with ')' */
	uint64_t v[29] = { 0 };
	int field = 3, rc = -1;

	if (p) {
		char *save = NULL;
		/* field 3 (the state letter) reads as 0; the others are numbers */
		for (char *tok = strtok_r(p + 1, " \n", &save); tok && field <= 28;
		     tok = strtok_r(NULL, " \n", &save))
			v[field++] = strtoull(tok, NULL, 10);
		if (field > 28) {
			*minflt = v[10];
			*majflt = v[12];
			if (startstack)
				*startstack = v[28];
			rc = 0;
		}
	}
	free(s);
	return rc;
}

/* The kB value of "key:" in a /proc/PID/status text, or 0. */
static uint64_t status_kb(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ':')
			return strtoull(p + kl + 1, NULL, 10);
	return 0;
}

/* name as execvp would find it (malloc'd), or NULL. */
char *vf_find_program(const char *name)
{
	const char *path = getenv("PATH");

	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? strdup(name) : NULL;
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		size_t len = n + strlen(name) + 2;
		char *full = malloc(len);

		if (!full)
			return NULL;
		snprintf(full, len, "%.*s%s%s", (int)n, p, n ? "/" : "", name);
		if (access(full, X_OK) == 0)
			return full;
		free(full);
		p += n;
		if (*p == ':')
			p++;
	}
	return NULL;
}

/* In a child about to exec: ASLR off, stdin (and the output) on /dev/null. */
static void child_setup(int devnull, bool passthrough)
{
	int pers = personality(0xffffffff);

	if (pers != -1)
		personality((unsigned long)pers | ADDR_NO_RANDOMIZE);
	dup2(devnull, 0);
	if (!passthrough) {
		dup2(devnull, 1);
		dup2(devnull, 2);
	}
}

/* ---- run 1: the census ---------------------------------------------------------------- */

/*
 * Run prog under ptrace with exec and exit events only, and read the kernel's counts into
 * res. 0, -EPERM (ptrace refused), -ECHILD / -errno.
 */
int vf_census_run(const char *prog, char *const argv[], bool passthrough,
		      struct vf_result *res, struct mmsim_error *err)
{
	uint64_t pre_min = 0, pre_maj = 0, exec_min = 0, exec_maj = 0;
	bool exec_seen = false;
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int status;
	pid_t pid;

	if (devnull < 0)
		return err_set(err, -errno, NULL, 0, 0, "cannot open /dev/null");
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(devnull);
		return err_set(err, -e, NULL, 0, 0, "fork: %s", strerror(e));
	}
	if (pid == 0) {
		child_setup(devnull, passthrough);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(126);
		raise(SIGSTOP);
		execve(prog, argv, environ);
		_exit(127);
	}
	close(devnull);
	if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status)) {
		int e = WIFEXITED(status) && WEXITSTATUS(status) == 126 ? EPERM : ECHILD;
		return err_set(err, -e, NULL, 0, 0, "%s", e == EPERM ?
			       "ptrace is not permitted here (PTRACE_TRACEME failed)" :
			       "the program did not start under ptrace");
	}
	/* what the child did before execve (the fork's copy-on-write) is not the program's */
	read_stat(pid, &pre_min, &pre_maj, NULL);
	long opts = PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL;
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) < 0) {
		int e = errno;
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return err_set(err, -e, NULL, 0, 0, "PTRACE_SETOPTIONS: %s", strerror(e));
	}
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	for (;;) {
		struct rusage ru;
		pid_t w = wait4(pid, &status, 0, &ru);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return err_set(err, -errno, NULL, 0, 0, "wait4: %s", strerror(errno));
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			res->exit_status = status;
			res->ru_minflt = (uint64_t)ru.ru_minflt;
			res->ru_majflt = (uint64_t)ru.ru_majflt;
			res->ru_maxrss_kb = (uint64_t)ru.ru_maxrss;
			break;
		}
		if (!WIFSTOPPED(status))
			continue;
		int sig = WSTOPSIG(status), event = status >> 16, deliver = 0;
		if (sig == SIGTRAP && event == PTRACE_EVENT_EXEC) {
			if (!exec_seen)
				read_stat(pid, &exec_min, &exec_maj, &res->kernel.start_stack);
			exec_seen = true;
		} else if (sig == SIGTRAP && event == PTRACE_EVENT_EXIT) {
			uint64_t mn, mj;
			char *st = read_proc(pid, "status");
			struct user_regs_struct regs;

			if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) == 0)
				res->kernel_tp = regs.fs_base;
			if (!res->kernel_smaps)
				res->kernel_smaps = read_proc(pid, "smaps");

			if (!read_stat(pid, &mn, &mj, NULL) && st && exec_seen) {
				struct vf_counts *k = &res->kernel;
				k->minflt = mn - pre_min;
				k->majflt = mj - pre_maj;
				k->exec_minflt = exec_min - pre_min;
				k->exec_majflt = exec_maj - pre_maj;
				k->rss_anon_kb = status_kb(st, "RssAnon");
				k->rss_file_kb = status_kb(st, "RssFile");
				k->rss_shmem_kb = status_kb(st, "RssShmem");
				k->hwm_kb = status_kb(st, "VmHWM");
				res->kernel_exited = true;
			}
			free(st);
		} else if (!event) {
			deliver = sig;		/* a signal for the program: let it have it */
		}
		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)deliver);
	}
	if (!exec_seen)
		return err_set(err, -ENOENT, NULL, 0, 0, "%s could not be executed", argv[0]);
	return 0;
}

/* ---- run 3: valgrind ------------------------------------------------------------------- */

/*
 * Start valgrind on prog: its log on a pipe (read end in *logfd), or on the file keep_log;
 * its stderr (the -d -d debug log) on the file stderr_path. 0 and *pid, or -errno.
 */
int vf_start_valgrind(const char *vg, char *const argv[], const char *stderr_path,
			  const char *keep_log, bool passthrough, pid_t *pid, int *logfd,
			  struct mmsim_error *err)
{
	int p[2] = { -1, -1 };
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int errfd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t argc = 0;
	char logopt[4200];

	while (argv[argc])
		argc++;
	if (devnull < 0 || errfd < 0 || (!keep_log && pipe2(p, O_CLOEXEC) < 0)) {
		int e = errno;
		if (devnull >= 0)
			close(devnull);
		if (errfd >= 0)
			close(errfd);
		return err_set(err, -e, stderr_path, 0, 0, "cannot set up valgrind's output: %s",
			       strerror(e));
	}
	if (keep_log)
		snprintf(logopt, sizeof(logopt), "--log-file=%s", keep_log);
	else
		snprintf(logopt, sizeof(logopt), "--log-fd=%d", p[1]);
	char **args = calloc(argc + 16, sizeof(char *));
	if (!args) {
		close(devnull);
		close(errfd);
		if (p[0] >= 0) {
			close(p[0]);
			close(p[1]);
		}
		return -ENOMEM;
	}
	size_t n = 0;
	args[n++] = (char *)vg;
	args[n++] = "--tool=lackey";
	args[n++] = "--trace-mem=yes";
	args[n++] = "--trace-syscalls=yes";
	args[n++] = "--child-silent-after-fork=yes";
	args[n++] = "--vgdb=no";
	args[n++] = "-d";
	args[n++] = "-d";
	args[n++] = logopt;
	for (size_t i = 0; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	*pid = fork();
	if (*pid == 0) {
		child_setup(devnull, passthrough);
		dup2(errfd, 2);		/* valgrind's debug log; the program's stderr too */
		if (p[1] >= 0)
			fcntl(p[1], F_SETFD, 0);	/* the log's write end crosses the exec */
		execvp(vg, args);
		_exit(127);
	}
	int e = errno;
	free(args);
	close(devnull);
	close(errfd);
	if (p[1] >= 0)
		close(p[1]);
	if (*pid < 0) {
		if (p[0] >= 0)
			close(p[0]);
		return err_set(err, -e, NULL, 0, 0, "fork: %s", strerror(e));
	}
	*logfd = p[0];
	return 0;
}


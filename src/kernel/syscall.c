/*
 * System calls by name (Linux: arch/x86/entry/syscalls/syscall_64.tbl, the SYSCALL_DEFINE
 * entries of mm/mmap.c, mm/mprotect.c, mm/mremap.c, mm/madvise.c, mm/mlock.c, mm/msync.c,
 * mm/mincore.c, mm/swapfile.c (swapon, swapoff), kernel/sys.c (prctl, prlimit64),
 * kernel/fork.c, kernel/exit.c, fs/exec.c).
 *
 * The table maps a name to a handler that takes the decoded struct sys_call. Before any call
 * whose descriptor argument carries strace -y's path, the task's descriptor table is made to
 * hold that path at that number (opened read-only; replaced when it names another file), so
 * that a log replays without its openat lines.
 *
 * Process creation (fork, vfork, clone, clone3): *ret on entry is the pid the child must get
 * (the value the log recorded), or <= 0 to take the next free pid. A replay passes the
 * recorded value so that the child's later lines find it.
 *
 * execve / execveat: when no task has the pid, the first execve creates it (the log's first
 * process; pid <= 0 takes the next free pid) with default limits and personality 0 (callers
 * that want `setarch -R` create the task themselves first: mmsim_replay does).
 *
 * Ignored knowingly (SYS_IGNORED, *ret = 0): calls that do not change what the model holds
 * (openat, close, read, wait4, kill, arch_prctl, set_tid_address, rseq ... and prctl options
 * other than PR_SET_VMA), and calls that would but are not modelled (shmget/shmat/shmdt,
 * mbind, set_mempolicy, migrate_pages, move_pages, remap_file_pages, process_madvise, mseal,
 * memfd_secret, map_shadow_stack, pkey_alloc/pkey_free): replay names those in its report.
 */
#include "kernel/syscall.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include "fs/fs.h"
#include "kernel/exec.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/mman.h"
#include "mm/pagemap.h"
#include "mm/mmap.h"
#include "mm/swap.h"
#include "mm/oom.h"
#include "mm/vmscan.h"
#include "util/error.h"

/* Context of one call: the machine, the task (NULL for creating calls), the call. */
struct sc {
	struct mmsim_machine *m;
	struct task_struct *t;
	const struct sys_call *c;
	struct mmsim_error *err;
	int pid;
	bool ignored;		/* the call turned out not to touch the model (a pipe's read) */
};

#define A(k) ((uint64_t)s->c->arg[k])

static int64_t sc_brk(struct sc *s) { return sys_brk(s->t, A(0)); }
static int64_t sc_mmap(struct sc *s)
{
	return sys_mmap(s->t, A(0), A(1), A(2), A(3), s->c->arg[4], A(5));
}
/*
 * mmap2 takes its offset in 4 KiB units whatever the page size (x86 ia32: sys_mmap_pgoff
 * with PAGE_SIZE 4096; arm64 compat aarch32_mmap2: off_4k >> (PAGE_SHIFT - 12), -EINVAL
 * when off_4k is not a whole page). strace prints it in bytes (its mmap_4koff prints
 * pgoff << 12), and so do the logs and scenarios this table serves: the byte offset is
 * turned back into 4 KiB units, then pages. An offset that is no multiple of the page
 * size cannot be a real mmap2's: -EINVAL, as for mmap.
 */
static int64_t sc_mmap2(struct sc *s)
{
	unsigned int shift = s->m->mm.page_shift;
	if (A(5) & ((1ull << shift) - 1))
		return -EINVAL;
	return sys_mmap_pgoff(s->t, A(0), A(1), A(2), A(3), s->c->arg[4], A(5) >> shift);
}
static int64_t sc_munmap(struct sc *s) { return sys_munmap(s->t, A(0), A(1)); }
static int64_t sc_mprotect(struct sc *s) { return sys_mprotect(s->t, A(0), A(1), A(2)); }

/*
 * pkey_mprotect: only the keys every mm has. mm/mprotect.c do_mprotect_pkey: a key that
 * pkey_alloc did not hand out is -EINVAL; key 0 is allocated in every mm (x86
 * mm_pkey_allocation_map starts as 0x1), and -1 means "keep the key" (plain mprotect).
 * pkey_alloc is not modelled, so keys above 0 were never handed out.
 */
static int64_t sc_pkey_mprotect(struct sc *s)
{
	if (s->c->arg[3] != -1 && s->c->arg[3] != 0)
		return -EINVAL;
	return sys_mprotect(s->t, A(0), A(1), A(2));
}

static int64_t sc_mremap(struct sc *s)
{
	return sys_mremap(s->t, A(0), A(1), A(2), A(3), s->c->nargs > 4 ? A(4) : 0);
}
static int64_t sc_madvise(struct sc *s) { return sys_madvise(s->t, A(0), A(1), s->c->arg[2]); }
static int64_t sc_mlock(struct sc *s) { return sys_mlock(s->t, A(0), A(1)); }
static int64_t sc_mlock2(struct sc *s) { return sys_mlock2(s->t, A(0), A(1), A(2)); }
static int64_t sc_munlock(struct sc *s) { return sys_munlock(s->t, A(0), A(1)); }
static int64_t sc_mlockall(struct sc *s) { return sys_mlockall(s->t, A(0)); }
static int64_t sc_munlockall(struct sc *s) { return sys_munlockall(s->t); }
static int64_t sc_msync(struct sc *s) { return sys_msync(s->t, A(0), A(1), A(2)); }

/*
 * mincore: the vector strace printed is not compared (nothing is resident before issue 5);
 * a buffer of one byte per page of the range is lent to the call. A range too long to be
 * anywhere in the address space is left to sys_mincore, with no buffer, to refuse.
 */
static int64_t sc_mincore(struct sc *s)
{
	uint64_t len = A(1), pages = len / 4096 + (len % 4096 != 0);
	if (pages > (1ull << 28))
		return sys_mincore(s->t, A(0), len, NULL, 0);
	uint8_t *vec = calloc(pages ? pages : 1, 1);
	if (!vec)
		return -ENOMEM;
	int64_t r = sys_mincore(s->t, A(0), len, vec, pages);
	free(vec);
	return r;
}

/* prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, ...) (kernel/sys.c prctl_set_vma). */
static int64_t sc_prctl(struct sc *s)
{
	if (s->c->arg[1] != MMSIM_PR_SET_VMA_ANON_NAME)
		return -EINVAL;
	return sys_prctl_set_vma_anon_name(s->t, A(2), A(3), s->c->str[4]);
}

/* prlimit64 / setrlimit (kernel/sys.c do_prlimit); getrlimit only reads. */
static int64_t sc_rlimit(struct sc *s)
{
	bool prl = strcmp(s->c->name, "prlimit64") == 0;
	int res_arg = prl ? 1 : 0;
	struct task_struct *t = s->t;
	if (prl && s->c->arg[0] != 0 && s->c->arg[0] != s->t->pid) {
		t = find_task_by_pid(s->m, (int)s->c->arg[0]);
		if (!t || t->exited)
			return -ESRCH;
	}
	if (s->c->arg[res_arg] < 0 || s->c->arg[res_arg] >= RLIM_NLIMITS)
		return -EINVAL;
	if (strcmp(s->c->name, "getrlimit") == 0 || !s->c->arg[res_arg + 1])
		return 0;
	struct rlimit nl = { .rlim_cur = A(4), .rlim_max = A(5) };
	if (nl.rlim_cur > nl.rlim_max)
		return -EINVAL;
	/* sysctl_nr_open (fs/file.c): 1048576 */
	if (s->c->arg[res_arg] == RLIMIT_NOFILE && nl.rlim_max > 1048576)
		return -EPERM;
	/*
	 * Raising the hard limit needs CAP_SYS_RESOURCE; the model's tasks run as root (the
	 * logs this replays come from root on the reference machine), so it is allowed.
	 */
	t->rlim[s->c->arg[res_arg]] = nl;
	return 0;
}

static int64_t sc_fork_family(struct sc *s, uint64_t flags, int want_pid)
{
	int child = 0;
	int rc = do_fork(s->m, s->t, flags, want_pid > 0 ? want_pid : 0, &child);
	return rc < 0 ? rc : child;
}

/* "/dir" + "/" + "name" for execveat relative to a directory descriptor. */
static char *join_path(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);
	if (p) {
		memcpy(p, dir, a);
		p[a] = '/';
		memcpy(p + a + 1, name, b + 1);
	}
	return p;
}

static int64_t sc_exec(struct sc *s)
{
	static char *const empty[] = { NULL };
	bool at = strcmp(s->c->name, "execveat") == 0;
	int base = at ? 1 : 0;
	const char *path = s->c->str[base];
	char *joined = NULL;
	if (!path)
		return -EFAULT;
	if (at && path[0] != '/' && s->c->arg[0] != (int64_t)-100) {	/* AT_FDCWD */
		const char *dir = s->c->fd_path[0];
		if (!dir)
			return -EBADF;
		if (path[0] == '\0' && (s->c->arg[4] & 0x1000))	/* AT_EMPTY_PATH */
			path = dir;
		else
			path = joined = join_path(dir, path);
		if (!path)
			return -ENOMEM;
	}
	struct mmsim_error xerr = { 0 };
	int rc = do_execve(s->m, s->t, path, s->c->argv ? s->c->argv : empty,
			   s->c->envp ? s->c->envp : empty, &xerr);
	free(joined);
	if (rc < 0 && s->err && xerr.msg[0])
		*s->err = xerr;		/* why the ELF file was refused, for the report */
	return rc;
}

static int64_t sc_exit_call(struct sc *s)
{
	int code = (int)(s->c->arg[0] & 0xff) << 8;	/* kernel/exit.c: (error_code & 0xff) << 8 */
	if (strcmp(s->c->name, "exit_group") == 0)
		do_exit_group(s->m, s->t, code);
	else
		do_exit(s->m, s->t, code);
	return 0;
}

/* ---- the page cache's system calls: read, pread64, lseek, close, fadvise64 ------------- */

/*
 * The regular host file descriptor fd names (ensure_fd opened it from the -y path), or NULL:
 * then the call does not concern the page cache (a pipe, a socket, a terminal) and is
 * counted as ignored.
 */
static struct file *regular_file(struct sc *s, int64_t fd)
{
	struct files_struct *files = s->t->files;
	struct file *f;

	if (!files || fd < 0 || fd >= MMSIM_NR_OPEN || !s->c->fd_path[0] ||
	    s->c->fd_path[0][0] != '/')
		return NULL;
	f = files->fd[fd];
	if (!f || !f->f_inode || f->f_inode->i_shmem || !S_ISREG(f->f_inode->i_mode))
		return NULL;
	return f;
}

/* read(fd, buf, count): filemap_read at the file position, which moves on. */
static int64_t sc_read(struct sc *s)
{
	struct file *f = regular_file(s, s->c->arg[0]);
	int64_t n;

	if (!f) {
		s->ignored = true;
		return 0;
	}
	n = filemap_read(f, (uint64_t)f->f_pos, A(2), NULL);
	if (n > 0)
		f->f_pos += n;
	return n;
}

/* pread64(fd, buf, count, pos): the position is the call's; f_pos stays. */
static int64_t sc_pread64(struct sc *s)
{
	struct file *f = regular_file(s, s->c->arg[0]);

	if (!f) {
		s->ignored = true;
		return 0;
	}
	if (s->c->arg[3] < 0)
		return -EINVAL;
	return filemap_read(f, A(3), A(2), NULL);
}

/* lseek(fd, offset, whence): SEEK_SET, SEEK_CUR, SEEK_END move f_pos (generic_file_llseek). */
static int64_t sc_lseek(struct sc *s)
{
	struct file *f = regular_file(s, s->c->arg[0]);
	int64_t off = s->c->arg[1], pos;

	if (!f) {
		s->ignored = true;
		return 0;
	}
	switch (s->c->arg[2]) {
	case SEEK_SET: pos = off; break;
	case SEEK_CUR: pos = f->f_pos + off; break;
	case SEEK_END: pos = (int64_t)f->f_inode->i_size + off; break;
	default:
		s->ignored = true;	/* SEEK_DATA / SEEK_HOLE: not modelled */
		return 0;
	}
	if (pos < 0)
		return -EINVAL;
	f->f_pos = pos;
	return pos;
}

/* close(fd): the descriptor goes, so a later use opens the file afresh (f_pos 0). */
static int64_t sc_close(struct sc *s)
{
	struct files_struct *files = s->t->files;
	int64_t fd = s->c->arg[0];

	if (!files || fd < 0 || fd >= MMSIM_NR_OPEN || !files->fd[fd]) {
		s->ignored = true;
		return 0;
	}
	fput(s->m->mm.fs, files->fd[fd]);
	files->fd[fd] = NULL;
	return 0;
}

/* fadvise64(fd, offset, len, advice): generic_fadvise (WILLNEED reads, DONTNEED drops ...). */
static int64_t sc_fadvise64(struct sc *s)
{
	struct file *f = regular_file(s, s->c->arg[0]);

	if (!f) {
		s->ignored = true;
		return 0;
	}
	return generic_fadvise(f, A(1), A(2), (int)s->c->arg[3]);
}

/*
 * swapon(path, flags) / swapoff(path) (mm/swapfile.c): the path is a host file, as on the
 * machine the log came from; the model's tasks run as root (CAP_SYS_ADMIN).
 */
static int64_t sc_swapon(struct sc *s)
{
	if (!s->c->str[0])
		return -EFAULT;
	return sys_swapon(&s->m->mm, s->c->str[0], (int)s->c->arg[1], s->err);
}

static int64_t sc_swapoff(struct sc *s)
{
	if (!s->c->str[0])
		return -EFAULT;
	return sys_swapoff(&s->m->mm, s->c->str[0]);
}

enum sc_flags {
	SC_FDARG = 0x0f,	/* index + 1 of a descriptor argument (-y path), 0: none */
	SC_CREATES = 0x10,	/* may run with no task: execve creates it */
	SC_FORK = 0x20,		/* *ret on entry is the child's pid */
};

struct sc_entry {
	const char *name;
	int min, max;
	unsigned int flags;
	int64_t (*fn)(struct sc *s);
};

static int64_t call_fork(struct sc *s) { (void)s; return 0; }	/* dispatched below */

static const struct sc_entry table[] = {
	{ "brk", 1, 1, 0, sc_brk },
	{ "mmap", 6, 6, 5, sc_mmap },
	{ "mmap2", 6, 6, 5, sc_mmap2 },
	{ "munmap", 2, 2, 0, sc_munmap },
	{ "mprotect", 3, 3, 0, sc_mprotect },
	{ "pkey_mprotect", 4, 4, 0, sc_pkey_mprotect },
	{ "mremap", 4, 5, 0, sc_mremap },
	{ "madvise", 3, 3, 0, sc_madvise },
	{ "mlock", 2, 2, 0, sc_mlock },
	{ "mlock2", 3, 3, 0, sc_mlock2 },
	{ "munlock", 2, 2, 0, sc_munlock },
	{ "mlockall", 1, 1, 0, sc_mlockall },
	{ "munlockall", 0, 0, 0, sc_munlockall },
	{ "msync", 3, 3, 0, sc_msync },
	{ "read", 3, 3, 1, sc_read },
	{ "pread64", 4, 4, 1, sc_pread64 },
	{ "lseek", 3, 3, 1, sc_lseek },
	{ "close", 1, 1, 0, sc_close },
	{ "fadvise64", 4, 4, 1, sc_fadvise64 },
	{ "swapon", 2, 2, 0, sc_swapon },
	{ "swapoff", 1, 1, 0, sc_swapoff },
	{ "mincore", 3, 3, 0, sc_mincore },
	{ "prctl", 5, 5, 0, sc_prctl },
	{ "prlimit64", 4, 4, 0, sc_rlimit },
	{ "setrlimit", 2, 2, 0, sc_rlimit },
	{ "getrlimit", 2, 2, 0, sc_rlimit },
	{ "execve", 3, 3, SC_CREATES, sc_exec },
	{ "execveat", 5, 5, SC_CREATES | 1, sc_exec },
	{ "fork", 0, 0, SC_FORK, call_fork },
	{ "vfork", 0, 0, SC_FORK, call_fork },
	{ "clone", 1, 1, SC_FORK, call_fork },
	{ "clone3", 1, 1, SC_FORK, call_fork },
	{ "exit", 1, 1, 0, sc_exit_call },
	{ "exit_group", 1, 1, 0, sc_exit_call },
	{ NULL, 0, 0, 0, NULL },
};

/* Known not to change the modelled state (or not modelled at all: see the file comment). */
static const char *const ignored[] = {
	"arch_prctl", "set_tid_address", "set_robust_list", "get_robust_list", "rseq",
	"wait4", "waitid", "kill", "tkill", "tgkill", "pidfd_open", "pidfd_send_signal",
	"openat", "openat2", "open", "creat", "close_range", "write",
	"pwrite64", "readv", "writev", "fstat", "stat", "lstat", "newfstatat", "statx",
	"access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents64", "ioctl",
	"fcntl", "dup", "dup2", "dup3", "pipe", "pipe2", "getcwd", "chdir", "fchdir", "umask",
	"getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getpgrp",
	"setpgid", "getpgid", "setsid", "getgroups", "uname", "sysinfo", "getrandom",
	"getrusage", "times", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
	"rt_sigsuspend", "futex", "futex_waitv", "nanosleep", "clock_nanosleep", "clock_gettime",
	"gettimeofday", "sched_getaffinity", "sched_setaffinity", "sched_yield", "poll", "ppoll",
	"select", "pselect6", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
	"capget", "capset", "statfs", "fstatfs", "prctl",
	/* would change memory but are not modelled */
	"shmget", "shmat", "shmdt", "shmctl", "mbind", "set_mempolicy", "get_mempolicy",
	"set_mempolicy_home_node", "migrate_pages", "move_pages", "remap_file_pages",
	"process_madvise", "process_mrelease", "mseal", "memfd_secret", "map_shadow_stack",
	"pkey_alloc", "pkey_free", "memfd_create", "membarrier", "userfaultfd",
	NULL,
};

static const struct sc_entry *sc_lookup(const char *name)
{
	for (const struct sc_entry *e = table; e->name; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

static bool is_ignored(const char *name)
{
	for (int k = 0; ignored[k]; k++)
		if (strcmp(ignored[k], name) == 0)
			return true;
	return false;
}

const char *const *syscall_names(void)
{
	static const char *names[sizeof(table) / sizeof(table[0])];
	for (size_t k = 0; k < sizeof(table) / sizeof(table[0]); k++)
		names[k] = table[k].name;
	return names;
}

/*
 * Make fd of t name the file at path (strace -y's annotation): nothing if it already does
 * (opened for writing when want_write), else open path and put it there (dropping what was
 * there): read-write when the call needs it (a shared writable mmap, which the log shows
 * succeeded, so the program had opened it O_RDWR), else read-only. Writes reach the host
 * file only with file_writes=real (docs/page-cache.md). A file that cannot be opened leaves
 * the slot empty, so the call gets -EBADF as the model sees it; err says why.
 */
static void ensure_fd(struct sc *s, int64_t fd, const char *path, bool want_write)
{
	struct files_struct *files = s->t->files;
	int oerr = 0;
	if (!files || fd < 0 || fd >= MMSIM_NR_OPEN)
		return;
	struct file *cur = files->fd[fd];
	if (cur && cur->f_inode && cur->f_inode->i_path && strcmp(cur->f_inode->i_path, path) == 0 &&
	    (!want_write || (cur->f_mode & FMODE_WRITE)))
		return;
	struct file *f = filp_open(s->m->mm.fs, path, want_write ? O_RDWR : O_RDONLY, &oerr);
	if (cur) {
		files->fd[fd] = NULL;
		fput(s->m->mm.fs, cur);
	}
	if (!f) {
		err_set(s->err, 0, NULL, 0, 0, "descriptor %lld: cannot open %s: %s",
			(long long)fd, path, strerror(oerr < 0 ? -oerr : oerr));
		return;
	}
	files->fd[fd] = f;
	files->cloexec[fd] = false;
}

int syscall_dispatch(struct mmsim_machine *m, int pid, const struct sys_call *c, int64_t *ret,
		     enum sys_disposition *disp, struct mmsim_error *err)
{
	const struct sc_entry *e = c->name ? sc_lookup(c->name) : NULL;
	struct sc s = { .m = m, .c = c, .err = err, .pid = pid };
	if (!e) {
		if (c->name && is_ignored(c->name)) {
			*ret = 0;
			*disp = SYS_IGNORED;
			return 0;
		}
		return err_set(err, -ENOSYS, NULL, 0, 0, "system call '%s' is not modelled",
			       c->name ? c->name : "(none)");
	}
	/* prctl options other than PR_SET_VMA touch nothing the model holds */
	if (e->fn == sc_prctl && (c->nargs != 5 || c->arg[0] != MMSIM_PR_SET_VMA)) {
		*ret = 0;
		*disp = SYS_IGNORED;
		return 0;
	}
	if (c->nargs < e->min || c->nargs > e->max)
		return err_set(err, -EINVAL, NULL, 0, 0, "%s takes %d argument%s, not %d", e->name,
			       e->min, e->min == 1 ? "" : "s", c->nargs);
	s.t = pid > 0 ? find_task_by_pid(m, pid) : NULL;
	if (s.t && s.t->exited)
		return err_set(err, -ESRCH, NULL, 0, 0, "pid %d has exited", pid);
	if (!s.t && (e->flags & SC_CREATES)) {
		int rc = task_create(m, pid > 0 ? pid : 0, true, &s.t);
		if (rc < 0)
			return err_set(err, rc, NULL, 0, 0, "cannot create pid %d for %s", pid,
				       e->name);
	}
	if (!s.t)
		return err_set(err, -ESRCH, NULL, 0, 0, "no process with pid %d for %s", pid,
			       e->name);
	if (!s.t->mm && !(e->flags & SC_CREATES) && !(e->flags & SC_FORK) &&
	    e->fn != sc_exit_call && e->fn != sc_rlimit)
		return err_set(err, -ESRCH, NULL, 0, 0, "pid %d has no address space", pid);
	unsigned int fdarg = e->flags & SC_FDARG;
	if (fdarg && c->fd_path[fdarg - 1] && c->arg[fdarg - 1] >= 0) {
		/* mmap(addr, len, prot, flags, fd, off): shared and writable needs FMODE_WRITE */
		bool want_write = (e->fn == sc_mmap || e->fn == sc_mmap2) && c->nargs >= 4 &&
				  (c->arg[3] & MAP_SHARED) && (c->arg[2] & PROT_WRITE);

		ensure_fd(&s, c->arg[fdarg - 1], c->fd_path[fdarg - 1], want_write);
	}
	/* the running task, for the OOM killer (mm/oom_kill.c) */
	struct task_struct *prev = oom_set_current(&m->mm, s.t);

	if (e->flags & SC_FORK) {
		uint64_t flags = CSIGNAL & 17;	/* fork(): SIGCHLD */
		if (strcmp(e->name, "vfork") == 0)
			flags = CLONE_VFORK | CLONE_VM | 17;
		else if (c->nargs)
			flags = (uint64_t)c->arg[0];
		int64_t want = *ret;
		*ret = sc_fork_family(&s, flags, want > 0 && want <= 0x3fffffff ? (int)want : 0);
	} else {
		*ret = e->fn(&s);
	}
	oom_set_current(&m->mm, prev);
	/*
	 * Back to user space: a task the OOM killer chose dies now (SIGKILL), and kswapd work
	 * left by allocations of kernel objects runs (mm/vmscan.h).
	 */
	oom_kill_current(&m->mm, s.t);
	mm_reclaim_safe_point(&m->mm);
	*disp = s.ignored ? SYS_IGNORED : SYS_HANDLED;
	return 0;
}

/*
 * The live-kernel recorder (see ptrace_record.h). It relies on ptrace(2) as Linux documents
 * it: PTRACE_TRACEME and a SIGSTOP in the child before execve, PTRACE_O_TRACESYSGOOD
 * (syscall stops are SIGTRAP|0x80), PTRACE_O_TRACEFORK/VFORK/CLONE (children are attached
 * and start with a SIGSTOP), PTRACE_O_TRACEEXEC, PTRACE_O_TRACEEXIT, PTRACE_O_EXITKILL, and
 * PTRACE_GET_SYSCALL_INFO (Linux 5.3) for the number, arguments and return value.
 * Strings and structs of the tracee are read through /proc/PID/mem; descriptor paths
 * through /proc/PID/fd/N, as strace -y does.
 *
 * This file is the one part of the library that talks to the host kernel about processes;
 * it never prints, and the process it forks only ever execs or _exits.
 */
#include "input/ptrace_record.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "input/strace.h"
#include "mm/mman.h"
#include "util/error.h"
#include "util/strbuf.h"

#ifndef AUDIT_ARCH_X86_64
#define AUDIT_ARCH_X86_64 0xc000003eu
#endif
#ifndef AUDIT_ARCH_I386
#define AUDIT_ARCH_I386 0x40000003u
#endif
#define MAX_STR (128u * 1024)		/* MAX_ARG_STRLEN */
#define MAX_VEC 65536			/* argv/envp entries read at most */

int ptrace_record_wanted(unsigned long nr)
{
	switch (nr) {
	case NR_mmap: case NR_mprotect: case NR_munmap: case NR_brk: case NR_mremap:
	case NR_msync: case NR_mincore: case NR_madvise: case NR_shmget: case NR_shmat:
	case NR_clone: case NR_fork: case NR_vfork: case NR_execve: case NR_exit:
	case NR_shmdt: case NR_mlock: case NR_munlock: case NR_mlockall: case NR_munlockall:
	case NR_prctl: case NR_setrlimit: case NR_exit_group: case NR_prlimit64:
	case NR_execveat: case NR_mlock2: case NR_pkey_mprotect: case NR_clone3:
	case NR_mmap2:
		return 1;
	default:
		return 0;
	}
}

unsigned long ptrace_record_nr_i386(unsigned long nr32)
{
	static const struct { unsigned int nr32, nr; } map[] = {
		{ NR32_exit, NR_exit }, { NR32_fork, NR_fork }, { NR32_execve, NR_execve },
		{ NR32_brk, NR_brk }, { NR32_setrlimit, NR_setrlimit },
		{ NR32_old_mmap, NR_mmap }, { NR32_munmap, NR_munmap }, { NR32_clone, NR_clone },
		{ NR32_mprotect, NR_mprotect }, { NR32_msync, NR_msync }, { NR32_mlock, NR_mlock },
		{ NR32_munlock, NR_munlock }, { NR32_mlockall, NR_mlockall },
		{ NR32_munlockall, NR_munlockall }, { NR32_mremap, NR_mremap },
		{ NR32_prctl, NR_prctl }, { NR32_vfork, NR_vfork }, { NR32_mmap2, NR_mmap2 },
		{ NR32_mincore, NR_mincore }, { NR32_madvise, NR_madvise },
		{ NR32_exit_group, NR_exit_group }, { NR32_prlimit64, NR_prlimit64 },
		{ NR32_execveat, NR_execveat }, { NR32_mlock2, NR_mlock2 },
		{ NR32_pkey_mprotect, NR_pkey_mprotect }, { NR32_shmget, NR_shmget },
		{ NR32_shmat, NR_shmat }, { NR32_shmdt, NR_shmdt }, { NR32_clone3, NR_clone3 },
	};
	for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++)
		if (map[k].nr32 == nr32)
			return map[k].nr;
	return ~0ul;
}

/* One traced task. */
struct tracee {
	pid_t pid;
	bool in_call;			/* between a syscall-entry and its exit stop */
	bool printed;			/* the call's line was written at an event stop */
	bool started;			/* its first stop was seen and it was let run */
	bool announced;			/* its creating call's line was written */
	bool compat;			/* the call was made by i386 code (AUDIT_ARCH_I386) */
	bool indirect;			/* old mmap: args[0] is the pointer to its six longs */
	unsigned long nr;		/* x86-64 number (or NR_mmap2), ~0ul: not recorded */
	uint64_t args[6];
	struct strbuf pre;		/* the call's text up to ")" composed at entry */
};

struct rec {
	struct tracee *t;
	size_t n, cap;
	pid_t main;
	bool main_exec_done;
	struct strbuf log;
	struct mmsim_record_result *res;
	int memfd_pid;			/* the pid whose /proc/PID/mem memfd is open */
	int memfd;
};

static struct tracee *tracee_get(struct rec *r, pid_t pid, bool create)
{
	for (size_t k = 0; k < r->n; k++)
		if (r->t[k].pid == pid)
			return &r->t[k];
	if (!create)
		return NULL;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct tracee *t = realloc(r->t, cap * sizeof(*t));
		if (!t)
			return NULL;
		r->t = t;
		r->cap = cap;
	}
	struct tracee *t = &r->t[r->n++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->nr = ~0ul;
	sb_init(&t->pre);
	return t;
}

static void tracee_remove(struct rec *r, pid_t pid)
{
	for (size_t k = 0; k < r->n; k++)
		if (r->t[k].pid == pid) {
			sb_free(&r->t[k].pre);
			r->t[k] = r->t[--r->n];
			return;
		}
}

/* ---- reading the tracee ---------------------------------------------------------------- */

static int mem_fd(struct rec *r, pid_t pid)
{
	if (r->memfd >= 0 && r->memfd_pid == pid)
		return r->memfd;
	if (r->memfd >= 0)
		close(r->memfd);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	r->memfd = open(path, O_RDONLY | O_CLOEXEC);
	r->memfd_pid = pid;
	return r->memfd;
}

static bool read_mem(struct rec *r, pid_t pid, uint64_t addr, void *buf, size_t len)
{
	int fd = mem_fd(r, pid);
	return fd >= 0 && pread(fd, buf, len, (off_t)addr) == (ssize_t)len;
}

/* A NUL-terminated string of the tracee (malloc'd), or NULL. */
static char *read_str(struct rec *r, pid_t pid, uint64_t addr, size_t *len)
{
	size_t cap = 256, n = 0;
	char *s = malloc(cap);
	int fd = mem_fd(r, pid);
	if (!s || fd < 0 || !addr)
		goto out_free;
	for (;;) {
		/* read up to the next page boundary so no read crosses into an unmapped page */
		size_t chunk = 4096 - ((addr + n) & 4095);
		if (n + chunk + 1 > cap) {
			cap = (n + chunk + 1) * 2;
			char *b = realloc(s, cap);
			if (!b)
				goto out_free;
			s = b;
		}
		ssize_t got = pread(fd, s + n, chunk, (off_t)(addr + n));
		if (got <= 0)
			goto out_free;
		char *z = memchr(s + n, '\0', (size_t)got);
		if (z) {
			*len = (size_t)(z - s);
			return s;
		}
		n += (size_t)got;
		if (n > MAX_STR)
			goto out_free;
	}
out_free:
	free(s);
	return NULL;
}

/*
 * Append ["a", "b"] for the tracee's NULL-terminated pointer array at addr (pointers of
 * psize bytes: 8, or 4 for an i386 task).
 */
static void append_strv(struct rec *r, pid_t pid, uint64_t addr, size_t psize, struct strbuf *sb)
{
	if (!addr) {
		sb_puts(sb, "NULL");
		return;
	}
	sb_puts(sb, "[");
	for (int k = 0; k < MAX_VEC; k++) {
		uint64_t p = 0;		/* x86 is little-endian: a 4-byte read fills the low half */
		size_t len;
		if (!read_mem(r, pid, addr + psize * (uint64_t)k, &p, psize)) {
			sb_printf(sb, "%s0x%llx", k ? ", " : "", (unsigned long long)addr);
			break;
		}
		if (!p)
			break;
		char *s = read_str(r, pid, p, &len);
		if (k)
			sb_puts(sb, ", ");
		if (s)
			strace_format_string(sb, s, len);
		else
			sb_printf(sb, "0x%llx", (unsigned long long)p);
		free(s);
	}
	sb_puts(sb, "]");
}

static void append_fd(pid_t pid, int64_t fd, struct strbuf *sb)
{
	sb_printf(sb, "%lld", (long long)fd);
	if (fd < 0)
		return;
	char link[64], path[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/%d/fd/%lld", (int)pid, (long long)fd);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	if (n > 0) {
		path[n] = '\0';
		sb_printf(sb, "<%s>", path);
	}
}

static void append_addr(struct strbuf *sb, uint64_t v)
{
	if (v)
		sb_printf(sb, "%#llx", (unsigned long long)v);
	else
		sb_puts(sb, "NULL");
}

/*
 * Append the struct rlimit at addr: two u64 (prlimit64, x86-64 setrlimit), or with compat
 * the i386 setrlimit's struct compat_rlimit, two u32 where COMPAT_RLIM_INFINITY (0xffffffff)
 * means RLIM_INFINITY (kernel/sys.c COMPAT_SYSCALL_DEFINE2(setrlimit)); strace names it
 * RLIM_INFINITY there.
 */
static void append_rlim(struct rec *r, pid_t pid, uint64_t addr, bool compat, struct strbuf *sb)
{
	uint64_t lim[2];
	uint32_t lim32[2];
	const char *inf = compat ? "RLIM_INFINITY" : "RLIM64_INFINITY";
	if (!addr) {
		sb_puts(sb, "NULL");
		return;
	}
	if (compat ? !read_mem(r, pid, addr, lim32, sizeof(lim32)) :
	    !read_mem(r, pid, addr, lim, sizeof(lim))) {
		sb_printf(sb, "%#llx", (unsigned long long)addr);
		return;
	}
	if (compat)
		for (int k = 0; k < 2; k++)
			lim[k] = lim32[k] == 0xffffffffu ? ~0ull : lim32[k];
	sb_puts(sb, "{rlim_cur=");
	if (lim[0] == ~0ull)
		sb_puts(sb, inf);
	else
		sb_printf(sb, "%llu", (unsigned long long)lim[0]);
	sb_puts(sb, ", rlim_max=");
	if (lim[1] == ~0ull)
		sb_puts(sb, inf);
	else
		sb_printf(sb, "%llu", (unsigned long long)lim[1]);
	sb_puts(sb, "}");
}

/* Whole /proc/PID/<file> of the tracee (malloc'd) or NULL. */
static char *read_proc_file(pid_t pid, const char *file, size_t *len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 16384, n = 0;
	char *buf = malloc(cap + 1);
	for (;;) {
		if (!buf)
			break;
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0) {
			free(buf);
			buf = NULL;
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n == cap) {
			char *b = realloc(buf, cap * 2 + 1);
			if (!b) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
			cap *= 2;
		}
	}
	close(fd);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/* ---- composing the lines --------------------------------------------------------------------- */

/* The call's text up to and including ")" from its entry stop. */
static void compose_entry(struct rec *r, struct tracee *t)
{
	struct strbuf *sb = &t->pre;
	const uint64_t *a = t->args;
	pid_t pid = t->pid;
	size_t len;
	sb_free(sb);
	sb_init(sb);
	switch (t->nr) {
	case NR_brk:
		sb_puts(sb, "brk(");
		append_addr(sb, a[0]);
		break;
	case NR_mmap: case NR_mmap2:
		if (t->indirect) {	/* an old mmap whose struct could not be read */
			sb_puts(sb, "mmap(");
			append_addr(sb, a[0]);
			break;
		}
		sb_puts(sb, t->nr == NR_mmap ? "mmap(" : "mmap2(");
		append_addr(sb, a[0]);
		sb_printf(sb, ", %llu, ", (unsigned long long)a[1]);
		strace_format_flags(sb, STRACE_FL_PROT, a[2]);
		sb_puts(sb, ", ");
		strace_format_flags(sb, STRACE_FL_MAP, a[3]);
		sb_puts(sb, ", ");
		append_fd(pid, (int32_t)a[4], sb);
		/* mmap2's offset is in 4 KiB units; strace prints it in bytes (mmap_4koff) */
		sb_printf(sb, ", %#llx", (unsigned long long)(t->nr == NR_mmap ? a[5] : a[5] << 12));
		break;
	case NR_munmap: case NR_mlock: case NR_munlock:
		sb_printf(sb, "%s(", t->nr == NR_munmap ? "munmap" : t->nr == NR_mlock ? "mlock"
			  : "munlock");
		append_addr(sb, a[0]);
		sb_printf(sb, ", %llu", (unsigned long long)a[1]);
		break;
	case NR_mprotect: case NR_pkey_mprotect:
		sb_puts(sb, t->nr == NR_mprotect ? "mprotect(" : "pkey_mprotect(");
		append_addr(sb, a[0]);
		sb_printf(sb, ", %llu, ", (unsigned long long)a[1]);
		strace_format_flags(sb, STRACE_FL_PROT, a[2]);
		if (t->nr == NR_pkey_mprotect)
			sb_printf(sb, ", %d", (int)a[3]);
		break;
	case NR_mremap:
		sb_puts(sb, "mremap(");
		append_addr(sb, a[0]);
		sb_printf(sb, ", %llu, %llu, ", (unsigned long long)a[1], (unsigned long long)a[2]);
		strace_format_flags(sb, STRACE_FL_MREMAP, a[3]);
		sb_puts(sb, ", ");
		append_addr(sb, a[4]);
		break;
	case NR_madvise: case NR_msync: case NR_mlock2:
		sb_puts(sb, t->nr == NR_madvise ? "madvise(" : t->nr == NR_msync ? "msync(" :
			"mlock2(");
		append_addr(sb, a[0]);
		sb_printf(sb, ", %llu, ", (unsigned long long)a[1]);
		strace_format_flags(sb, t->nr == NR_madvise ? STRACE_FL_MADV : t->nr == NR_msync
				    ? STRACE_FL_MS : STRACE_FL_MLOCK, a[2]);
		break;
	case NR_mincore:
		sb_puts(sb, "mincore(");
		append_addr(sb, a[0]);
		sb_printf(sb, ", %llu, ", (unsigned long long)a[1]);
		append_addr(sb, a[2]);
		break;
	case NR_mlockall:
		sb_puts(sb, "mlockall(");
		strace_format_flags(sb, STRACE_FL_MCL, a[0]);
		break;
	case NR_munlockall:
		sb_puts(sb, "munlockall(");
		break;
	case NR_prctl:
		if (a[0] == MMSIM_PR_SET_VMA && a[1] == MMSIM_PR_SET_VMA_ANON_NAME) {
			char *s = a[4] ? read_str(r, pid, a[4], &len) : NULL;
			sb_puts(sb, "prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, ");
			append_addr(sb, a[2]);
			sb_printf(sb, ", %llu, ", (unsigned long long)a[3]);
			if (s)
				strace_format_string(sb, s, len);
			else
				append_addr(sb, a[4]);
			free(s);
		} else {
			sb_printf(sb, "prctl(%#llx, %#llx, %#llx, %#llx, %#llx",
				  (unsigned long long)a[0], (unsigned long long)a[1],
				  (unsigned long long)a[2], (unsigned long long)a[3],
				  (unsigned long long)a[4]);
		}
		break;
	case NR_prlimit64:
		sb_printf(sb, "prlimit64(%d, ", (int)a[0]);
		strace_format_flags(sb, STRACE_FL_RLIMIT, a[1]);
		sb_puts(sb, ", ");
		append_rlim(r, pid, a[2], false, sb);
		sb_puts(sb, ", ");
		append_addr(sb, a[3]);
		break;
	case NR_setrlimit:
		sb_puts(sb, "setrlimit(");
		strace_format_flags(sb, STRACE_FL_RLIMIT, a[0]);
		sb_puts(sb, ", ");
		append_rlim(r, pid, a[1], t->compat, sb);
		break;
	case NR_execve: case NR_execveat: {
		int base = t->nr == NR_execveat;
		char *path = read_str(r, pid, a[base], &len);
		sb_puts(sb, base ? "execveat(" : "execve(");
		if (base) {
			append_fd(pid, (int32_t)a[0], sb);
			sb_puts(sb, ", ");
		}
		if (path)
			strace_format_string(sb, path, len);
		else
			append_addr(sb, a[base]);
		free(path);
		sb_puts(sb, ", ");
		append_strv(r, pid, a[base + 1], t->compat ? 4 : 8, sb);
		sb_puts(sb, ", ");
		append_strv(r, pid, a[base + 2], t->compat ? 4 : 8, sb);
		if (base)
			sb_printf(sb, ", %#llx", (unsigned long long)a[4]);
		break;
	}
	case NR_fork:
		sb_puts(sb, "fork(");
		break;
	case NR_vfork:
		sb_puts(sb, "vfork(");
		break;
	case NR_clone:
		sb_puts(sb, "clone(child_stack=");
		append_addr(sb, a[1]);
		sb_puts(sb, ", flags=");
		strace_format_flags(sb, STRACE_FL_CLONE, a[0]);
		break;
	case NR_clone3: {
		uint64_t ca[5];		/* struct clone_args: flags, pidfd, child_tid, parent_tid,
					   exit_signal */
		if (read_mem(r, pid, a[0], ca, sizeof(ca))) {
			sb_puts(sb, "clone3({flags=");
			strace_format_flags(sb, STRACE_FL_CLONE, ca[0]);
			sb_printf(sb, ", exit_signal=");
			if (ca[4] && strace_signal_name((int)ca[4]))
				sb_puts(sb, strace_signal_name((int)ca[4]));
			else
				sb_printf(sb, "%llu", (unsigned long long)ca[4]);
			sb_printf(sb, "}, %llu", (unsigned long long)a[1]);
		} else {
			sb_printf(sb, "clone3(%#llx, %llu", (unsigned long long)a[0],
				  (unsigned long long)a[1]);
		}
		break;
	}
	case NR_exit: case NR_exit_group:
		sb_printf(sb, "%s(%d", t->nr == NR_exit ? "exit" : "exit_group", (int)a[0]);
		break;
	case NR_shmget: case NR_shmat: case NR_shmdt:
		sb_printf(sb, "%s(%#llx, %#llx, %#llx", t->nr == NR_shmget ? "shmget" :
			  t->nr == NR_shmat ? "shmat" : "shmdt", (unsigned long long)a[0],
			  (unsigned long long)a[1], (unsigned long long)a[2]);
		break;
	}
	sb_puts(sb, ")");
}

static const char *nr_name(unsigned long nr)
{
	switch (nr) {
	case NR_mmap: return "mmap";
	case NR_mmap2: return "mmap2";
	case NR_brk: return "brk";
	case NR_mremap: return "mremap";
	case NR_shmat: return "shmat";
	default: return "";
	}
}

/* ---- the trace loop ------------------------------------------------------------------------ */

static void write_line(struct rec *r, pid_t pid, struct tracee *t, int64_t ret, bool unknown)
{
	sb_printf(&r->log, "%d %s", (int)pid, t->pre.buf ? t->pre.buf : "()");
	if (unknown)
		sb_puts(&r->log, " = ?");
	else
		strace_format_ret(&r->log, nr_name(t->nr), ret);
	sb_puts(&r->log, "\n");
}

static void capture_main_maps(struct rec *r, pid_t pid)
{
	size_t len;
	if (pid != r->main || r->res->maps)
		return;
	char *maps = read_proc_file(pid, "maps", &len);
	if (maps) {
		r->res->maps = maps;
		r->res->maps_len = len;
	}
}

/* Note where the stack VMA starts right after the main process's execve. */
static void note_stack(struct rec *r, pid_t pid)
{
	size_t len;
	char *maps = read_proc_file(pid, "maps", &len);
	if (!maps)
		return;
	for (char *line = maps; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		unsigned long long a, b;
		if (strstr(line, "[stack]") && sscanf(line, "%llx-%llx", &a, &b) == 2)
			r->res->stack_start = a;
		line = nl ? nl + 1 : NULL;
	}
	free(maps);
}

/*
 * An i386 call's arguments as the kernel's ia32 entry takes them: the low 32 bits of
 * ebx, ecx, edx, esi, edi, ebp (the __ia32_sys_* wrappers cast each to unsigned int); the
 * old mmap's six longs read from the struct mmap_arg_struct32 its one argument points to
 * (arch/x86/kernel/sys_ia32.c compat_sys_ia32_mmap). i386 clone has tls and child_tid
 * swapped (CONFIG_CLONE_BACKWARDS); only flags and the stack are written, which agree.
 */
static void compat_args(struct rec *r, struct tracee *t, unsigned long nr32)
{
	uint32_t s[6];
	for (int k = 0; k < 6; k++)
		t->args[k] = (uint32_t)t->args[k];
	if (nr32 != NR32_old_mmap)
		return;
	if (!read_mem(r, t->pid, t->args[0], s, sizeof(s))) {
		t->indirect = true;
		return;
	}
	for (int k = 0; k < 6; k++)
		t->args[k] = s[k];
}

static void on_syscall_stop(struct rec *r, struct tracee *t)
{
	struct __ptrace_syscall_info info;
	memset(&info, 0, sizeof(info));
	long n = ptrace(PTRACE_GET_SYSCALL_INFO, t->pid, (void *)sizeof(info), &info);
	if (n <= 0)
		return;
	if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
		t->in_call = true;
		t->printed = false;
		t->compat = info.arch == AUDIT_ARCH_I386;
		t->indirect = false;
		if (info.arch == AUDIT_ARCH_X86_64)
			t->nr = (unsigned long)info.entry.nr;
		else if (t->compat)
			t->nr = ptrace_record_nr_i386((unsigned long)info.entry.nr);
		else
			t->nr = ~0ul;
		if (!ptrace_record_wanted(t->nr)) {
			t->nr = ~0ul;
			return;
		}
		/* nothing before the first execve: the recorder's own child code */
		if (!r->main_exec_done && t->nr != NR_execve) {
			t->nr = ~0ul;
			return;
		}
		memcpy(t->args, info.entry.args, sizeof(t->args));
		/* /proc/PID/mem names the mm it was opened on: an exec replaces it */
		if (r->memfd >= 0)
			close(r->memfd);
		r->memfd = -1;
		if (t->compat)
			compat_args(r, t, info.entry.nr);
		compose_entry(r, t);
		if (t->nr == NR_exit_group || t->nr == NR_exit) {
			if (t->nr == NR_exit_group)
				capture_main_maps(r, t->pid);
			write_line(r, t->pid, t, 0, true);
			t->printed = true;
		}
		return;
	}
	if (info.op != PTRACE_SYSCALL_INFO_EXIT || !t->in_call)
		return;
	t->in_call = false;
	if (t->nr == ~0ul || t->printed)
		return;
	int64_t ret = info.exit.rval;
	/*
	 * A 32-bit task's value is eax: ptrace_get_syscall_info_exit sign-extends an error
	 * (syscall_get_error for TS_COMPAT) and gives a success as the register; cut it to the
	 * 32 bits the task sees (an address such as 0xf7ff3000 is positive).
	 */
	if (t->compat)
		ret = info.exit.is_error ? (int64_t)(int32_t)ret : (int64_t)(uint32_t)ret;
	write_line(r, t->pid, t, ret, false);
	if ((t->nr == NR_execve || t->nr == NR_execveat) && ret == 0 && t->pid == r->main &&
	    !r->res->stack_start)
		note_stack(r, t->pid);
}

/* PTRACE_EVENT_FORK/VFORK/CLONE: write the parent's line now, with the child's pid. */
static void on_fork_event(struct rec *r, struct tracee *t)
{
	unsigned long child = 0;
	if (ptrace(PTRACE_GETEVENTMSG, t->pid, NULL, &child) < 0)
		return;
	if (t->nr != ~0ul && t->in_call && !t->printed) {
		write_line(r, t->pid, t, (int64_t)child, false);
		t->printed = true;
	}
	struct tracee *c = tracee_get(r, (pid_t)child, true);
	if (!c)
		return;
	c->announced = true;
	if (c->started)			/* its first stop came first and was held: let it go */
		ptrace(PTRACE_SYSCALL, c->pid, NULL, NULL);
}

static int trace_loop(struct rec *r)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, __WALL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			return errno == ECHILD ? 0 : -errno;
		}
		struct tracee *t = tracee_get(r, pid, true);
		if (!t)
			return -ENOMEM;
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (r->main_exec_done) {
				if (WIFEXITED(status))
					sb_printf(&r->log, "%d +++ exited with %d +++\n", (int)pid,
						  WEXITSTATUS(status));
				else
					sb_printf(&r->log, "%d +++ killed by %s +++\n", (int)pid,
						  strace_signal_name(WTERMSIG(status)) ?
						  strace_signal_name(WTERMSIG(status)) : "SIGKILL");
			}
			if (pid == r->main)
				r->res->exit_status = status;
			tracee_remove(r, pid);
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		int sig = WSTOPSIG(status), event = status >> 16, deliver = 0;
		if (sig == (SIGTRAP | 0x80)) {
			on_syscall_stop(r, t);
		} else if (sig == SIGTRAP && event) {
			if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
			    event == PTRACE_EVENT_CLONE) {
				on_fork_event(r, t);
				/* adding the child may have moved the array t points into */
				t = tracee_get(r, pid, false);
				if (!t) {	/* cannot happen: the parent is known */
					ptrace(PTRACE_SYSCALL, pid, NULL, NULL);
					continue;
				}
			}
			else if (event == PTRACE_EVENT_EXEC && pid == r->main)
				r->main_exec_done = true;
			else if (event == PTRACE_EVENT_EXIT)
				capture_main_maps(r, pid);
		} else if (sig == SIGSTOP && !t->started) {
			/* a new child's first stop: hold it until its parent's line is written */
			t->started = true;
			if (!t->announced && pid != r->main)
				continue;
		} else if (event == PTRACE_EVENT_STOP) {
			deliver = 0;
		} else {
			deliver = sig;
		}
		t->started = true;
		ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)deliver);
	}
}

/* The program's path as execvp would find it (the child then calls execve once). */
static char *find_program(const char *name)
{
	if (strchr(name, '/'))
		return strdup(name);
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		char *full = malloc(n + strlen(name) + 2);
		if (!full)
			return NULL;
		snprintf(full, n + strlen(name) + 2, "%.*s%s%s", (int)n, p, n ? "/" : "", name);
		if (access(full, X_OK) == 0)
			return full;
		free(full);
		p += n;
		if (*p == ':')
			p++;
	}
	return NULL;
}

extern char **environ;

int mmsim_record(char *const argv[], const struct mmsim_record_opts *o,
		 struct mmsim_record_result *res, struct mmsim_error *err)
{
	struct rec r = { .res = res, .memfd = -1 };
	memset(res, 0, sizeof(*res));
	if (!argv || !argv[0])
		return err_set(err, -EINVAL, NULL, 0, 0, "no program to run");
	if (strchr(argv[0], '/') && access(argv[0], X_OK) != 0) {
		int e = errno;
		return err_set(err, -e, NULL, 0, 0, "%s: cannot execute: %s", argv[0], strerror(e));
	}
	char *prog = find_program(argv[0]);
	if (!prog)
		return err_set(err, -ENOENT, NULL, 0, 0, "%s: not found in PATH", argv[0]);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		free(prog);
		return err_set(err, -errno, NULL, 0, 0, "cannot open /dev/null");
	}
	pid_t child = fork();
	if (child < 0) {
		int e = errno;
		close(devnull);
		free(prog);
		return err_set(err, -e, NULL, 0, 0, "fork: %s", strerror(e));
	}
	if (child == 0) {
		/* the child: ASLR off as setarch -R, quiet, traced, then the program */
		int pers = personality(0xffffffff);
		if (pers != -1)
			personality((unsigned long)pers | ADDR_NO_RANDOMIZE);
		dup2(devnull, 0);
		if (!o || !o->passthrough) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(126);
		raise(SIGSTOP);
		execve(prog, argv, environ);
		_exit(127);
	}
	close(devnull);
	free(prog);
	r.main = child;
	sb_init(&r.log);
	int status;
	if (waitpid(child, &status, 0) < 0 || !WIFSTOPPED(status)) {
		int e = WIFEXITED(status) && WEXITSTATUS(status) == 126 ? EPERM : ECHILD;
		sb_free(&r.log);
		return err_set(err, -e, NULL, 0, 0, "%s", e == EPERM ?
			       "ptrace is not permitted here (PTRACE_TRACEME failed)" :
			       "the program did not start under ptrace");
	}
	long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
		    PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |
		    PTRACE_O_EXITKILL;
	if (ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)opts) < 0) {
		int e = errno;
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		sb_free(&r.log);
		return err_set(err, -e, NULL, 0, 0, "PTRACE_SETOPTIONS: %s", strerror(e));
	}
	struct tracee *t = tracee_get(&r, child, true);
	if (t)
		t->started = t->announced = true;
	ptrace(PTRACE_SYSCALL, child, NULL, NULL);
	int rc = trace_loop(&r);
	for (size_t k = 0; k < r.n; k++)
		sb_free(&r.t[k].pre);
	free(r.t);
	if (r.memfd >= 0)
		close(r.memfd);
	if (rc < 0) {
		sb_free(&r.log);
		mmsim_record_result_free(res);
		return err_set(err, rc, NULL, 0, 0, "tracing failed: %s", strerror(-rc));
	}
	if (!r.main_exec_done) {
		sb_free(&r.log);
		mmsim_record_result_free(res);
		return err_set(err, -ENOENT, NULL, 0, 0, "%s could not be executed", argv[0]);
	}
	rc = sb_finish(&r.log, &res->log, &res->log_len);
	if (!rc && !res->maps) {
		res->maps = strdup("");
		rc = res->maps ? 0 : -ENOMEM;
	}
	if (rc) {
		mmsim_record_result_free(res);
		return err_set(err, rc, NULL, 0, 0, "out of memory");
	}
	return 0;
}

void mmsim_record_result_free(struct mmsim_record_result *res)
{
	free(res->log);
	free(res->maps);
	memset(res, 0, sizeof(*res));
}

/*
 * strace output as input (strace(1), "strace -f -y -e trace=memory,process"): one line of it
 * parsed into an event, and a reader that turns a whole log into complete events.
 *
 * Forms a line may take (any of them, as strace prints them):
 *
 *   [PID ]["[pid N] "][TIMESTAMP ]BODY[ <DURATION>]
 *
 *   PID        "1234 " (strace -f -o FILE) or "[pid  1234] " (-f to stderr), or nothing
 *   TIMESTAMP  -t "14:40:06", -tt "14:40:06.807496", -ttt "1700000000.807496",
 *              -r "     0.000123" (all accepted, all ignored)
 *   DURATION   -T "<0.000044>" after the return value (ignored)
 *   BODY       name(args) = RET          a complete call
 *              name(args <unfinished ...>
 *              <... name resumed>args) = RET
 *              --- SIGCHLD {si_signo=SIGCHLD, ...} ---
 *              +++ exited with 0 +++   +++ killed by SIGSEGV (core dumped) +++
 *              strace: ..., [ Process PID=N runs in 32 bit mode. ], +++ superseded by ... +++
 *   RET        "0x7ffff7fc2000", "0", "3</etc/ld.so.cache>", "-1 ENOMEM (Cannot allocate
 *              memory)", "?" (exit_group); the scenario language may leave "= RET" out
 *
 * Arguments are read as strace writes them: numbers in hex, decimal (signed) or octal
 * ("0600"); NULL; symbolic flag expressions ("PROT_READ|PROT_WRITE",
 * "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|21<<MAP_HUGE_SHIFT", MREMAP_*, MADV_*, MCL_*, MS_*,
 * MLOCK_*, PR_SET_VMA, PR_SET_VMA_ANON_NAME, CLONE_* with a signal (SIGCHLD), AT_FDCWD, O_*,
 * RLIMIT_*, RLIM64_INFINITY, products such as "8192*1024"); strings with C escapes and the
 * "..." truncation marker; arrays ["cat", "x"] (execve argv/envp) and the elided envp
 * "0x7ffc... (/ * 25 vars * /)"; descriptors with their -y path "3</usr/lib/libc.so.6>";
 * structs {flags=CLONE_VM|..., ...} and named arguments (clone's "flags=...").
 *
 * Calls mmsim models (the names syscall_names() lists, plus the process calls) have their
 * arguments decoded into struct sys_call (ev->decoded); an unknown symbol in one of them is
 * an error with the column where it starts. Any other call (wait4, kill, openat ...) is
 * accepted with its name and return value only (ev->decoded false): replay skips it
 * knowingly.
 *
 * How struct sys_call is filled, per call (arguments in strace's order unless said):
 *   brk(addr)  mmap(addr, len, prot, flags, fd, off)  mmap2(... pgoff)  munmap(addr, len)
 *   mprotect(addr, len, prot)  pkey_mprotect(addr, len, prot, pkey)
 *   mremap(old, old_len, new_len, flags[, new_addr])   (nargs 4 or 5 as printed)
 *   madvise(addr, len, advice)  mlock(addr, len)  mlock2(addr, len, flags)  munlock(addr, len)
 *   mlockall(flags)  munlockall()  msync(addr, len, flags)  mincore(addr, len, vec: arg 0)
 *   prctl(option, arg2, arg3, arg4, arg5): PR_SET_VMA's name (arg 5) in str[4] (NULL if
 *       NULL); other options: decoded false
 *   execve(path, argv, envp): str[0] path, argv/envp arrays (envp NULL when elided)
 *   execveat(dirfd, path, argv, envp, flags): str[1] path
 *   fork()  vfork()  clone(...): arg[0] = flags (CLONE_* | exit signal), nargs 1
 *   clone3({flags=..., exit_signal=...}, size): arg[0] = flags | exit_signal, nargs 1
 *   exit(status)  exit_group(status)
 *   prlimit64(pid, resource, new, old) and setrlimit(resource, new) / getrlimit: the new
 *       limit's rlim_cur and rlim_max in arg[4] and arg[5]; the "new" argument itself is 1
 *       when a struct was given, 0 for NULL
 * fd_path[i] is the -y path of descriptor argument i; str[i] a string argument.
 */
#ifndef MMSIM_INPUT_STRACE_H
#define MMSIM_INPUT_STRACE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/syscall.h"

struct mmsim_error;
struct strbuf;

enum strace_kind {
	STRACE_CALL,		/* a complete call (or, from the reader, merged pair) */
	STRACE_UNFINISHED,	/* "name(args <unfinished ...>" (strace_parse_line only) */
	STRACE_RESUMED,		/* "<... name resumed>args) = RET" (strace_parse_line only) */
	STRACE_SIGNAL,		/* "--- SIGCHLD {...} ---": signo */
	STRACE_EXITED,		/* "+++ exited with N +++": exit_status */
	STRACE_KILLED,		/* "+++ killed by SIGSEGV +++": signo */
	STRACE_NOTE,		/* a line of strace's own ("strace: Process 12 attached") */
};

enum strace_ret {
	STRACE_RET_NONE,	/* no "= ..." (scenario lines; a call cut off by the process's end) */
	STRACE_RET_VALUE,	/* ret holds the value, or -errno for "= -1 ENOMEM (...)" */
	STRACE_RET_UNKNOWN,	/* "= ?" (exit_group, a call interrupted by death) */
};

struct strace_mem;		/* the strings of one event (private to strace.c) */

/*
 * One event. Invariants (strace_event_validate): kind CALL/UNFINISHED/RESUMED have a
 * call.name; decoded implies 0 <= call.nargs <= SYS_MAX_ARGS; ret_kind VALUE or UNKNOWN only
 * for CALL/RESUMED; line <= line_end; every string pointer (call.name, str, fd_path, argv,
 * envp, ret_fd_path, text, part) points into mem, and mem is NULL only when no string is held.
 */
struct strace_event {
	int pid;			/* -1 when the line had no pid */
	enum strace_kind kind;
	int line, line_end;		/* 1-based; a merged pair spans line..line_end */
	bool decoded;			/* call's arguments were decoded (a call mmsim models) */
	struct sys_call call;
	enum strace_ret ret_kind;
	int64_t ret;			/* value, or -errno (errno name mapped to its number) */
	const char *ret_errno;		/* "ENOMEM" for an error return, else NULL */
	const char *ret_fd_path;	/* "= 3</path>": the path, else NULL */
	bool ret_inferred;		/* reader: a fork/clone's value taken from its child's first
					   line because the child printed before the parent resumed */
	bool truncated;			/* a string or array had strace's "..." marker */
	int envp_count;			/* execve envp elided as "0x... (N vars comment)": N; else -1 */
	int signo;			/* SIGNAL, KILLED */
	int exit_status;		/* EXITED */
	const char *text;		/* the line as read (a merged pair: both lines, '\n' between) */
	const char *part;		/* UNFINISHED: the call's text before " <unfinished ...>";
					   RESUMED: the text after "<... name resumed>" */
	struct strace_mem *mem;		/* owns the strings; strace_event_release frees it */
};

/* Options of the single-line parser. */
struct strace_parse_opts {
	const char *file;		/* for error messages ("" or NULL: none) */
	int line;			/* the line's number, for errors and ev->line */
	/*
	 * Optional: value of a symbol the parser does not know (the scenario language's
	 * variables, e.g. "$heap"; identifiers may start with '$'). Return 0 and *value, or
	 * -ENOENT to let the parser report the unknown symbol.
	 */
	int (*resolve)(void *ctx, const char *name, size_t len, int64_t *value);
	void *ctx;
};

/*
 * Parse one line (text[0..len), no newline; the pid, timestamp and return value are
 * optional) into ev, which the caller releases with strace_event_release. 0 on success;
 * -EINVAL with err giving file, line, column (1-based, in text) and what was expected; on
 * failure ev holds nothing to release (it is zeroed).
 */
int strace_parse_line(const char *text, size_t len, const struct strace_parse_opts *o,
		      struct strace_event *ev, struct mmsim_error *err);

/* Free what ev holds and zero it (safe on a zeroed event). */
void strace_event_release(struct strace_event *ev);
int strace_event_validate(const struct strace_event *ev, struct mmsim_error *err);

/*
 * A reader of a whole log: yields complete events in log order. "<unfinished ...>" and its
 * "<... name resumed>" are merged per pid into one CALL event placed where it resumed (its
 * line..line_end span both). When a new pid prints before the parent's fork/vfork/clone has
 * resumed, the parent's call is yielded first with the child's pid as its value
 * (ret_inferred), and the later resumed line is checked against it and consumed. A call left
 * unfinished by the process's death is yielded before the exit event with STRACE_RET_NONE;
 * at the end of the input, likewise. NOTE lines are yielded too (callers may skip them).
 */
struct strace_reader;
int strace_reader_open(const char *path, struct strace_reader **out, struct mmsim_error *err);
/* Read from a string (copied); name is used in errors. */
int strace_reader_from_string(const char *name, const char *text, size_t len,
			      struct strace_reader **out, struct mmsim_error *err);
/*
 * The next event: 1 and *ev filled (the caller releases it), 0 at the end, or -EINVAL with
 * err on a malformed line (the reader has moved past it, so reading may go on).
 */
int strace_reader_next(struct strace_reader *r, struct strace_event *ev, struct mmsim_error *err);
void strace_reader_free(struct strace_reader *r);
/*
 * strace writing to stderr prints no pid while it traces one process: such lines have pid
 * -1 until a "[pid N]" line names that process; from then on the reader gives them N, and
 * this returns N (0 before).
 */
int strace_reader_anon_pid(const struct strace_reader *r);

/* ---- names and formatting, shared with the recorder and the replay reports ------------- */

/* errno number of "ENOMEM" (x86-64 Linux values), or 0 if unknown. */
int strace_errno_from_name(const char *name, size_t len);
/* "ENOMEM" for 12 (or -12), NULL if unknown. */
const char *strace_errno_name(int err);
/* Linux's signal number of "SIGSEGV", or 0. */
int strace_signal_from_name(const char *name, size_t len);
/* "SIGSEGV" for 11, NULL if unknown. */
const char *strace_signal_name(int signo);

/* The flag classes strace prints symbolically (for strace_format_flags). */
enum strace_flag_class {
	STRACE_FL_PROT, STRACE_FL_MAP, STRACE_FL_MREMAP, STRACE_FL_MADV, STRACE_FL_MCL,
	STRACE_FL_MS, STRACE_FL_MLOCK, STRACE_FL_CLONE, STRACE_FL_RLIMIT, STRACE_FL_OPEN,
};
/* Append value as strace prints it for class ("PROT_READ|PROT_WRITE", "MAP_PRIVATE|
 * MAP_ANONYMOUS|21<<MAP_HUGE_SHIFT", "0x80000000" for unknown bits), parseable back. */
void strace_format_flags(struct strbuf *sb, enum strace_flag_class cls, uint64_t value);
/* Append s as a quoted C string with strace's escapes (\n, \t, \", \\, \ooo). */
void strace_format_string(struct strbuf *sb, const char *s, size_t len);
/* Append the call's return as strace prints it: " = 0x7f..." for address-returning calls,
 * " = 0", " = -1 ENOMEM (Cannot allocate memory)". */
void strace_format_ret(struct strbuf *sb, const char *name, int64_t ret);
#endif

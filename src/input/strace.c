/*
 * strace log reader (see strace.h). The forms are strace 6.x's own: src/strace.c
 * (printleader: pid, timestamps; "<unfinished ...>", "<... NAME resumed>", "+++ exited with
 * N +++", "--- SIG {...} ---"), src/syscall.c (syscall_exiting_trace: " = RET", "-1 ENAME
 * (text)", " = ?"), src/mem.c (mmap, mremap, madvise ... flag names), src/clone.c (clone's
 * named arguments, clone3's struct), src/execve.c ("0x... /\* N vars *\/"), src/resource.c
 * (the rlimit struct, "8192*1024"), src/util.c (string escapes and the "..." marker).
 */
#include "input/strace.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mm/mman.h"
#include "util/error.h"
#include "util/strbuf.h"

/* ---- the strings of one event: a chain of chunks freed together ----------------------- */

struct strace_mem {
	struct strace_mem *next;
	size_t used, cap;
	_Alignas(16) char data[];
};

static void *mem_alloc(struct strace_mem **m, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (!*m || (*m)->cap - (*m)->used < n) {
		size_t cap = n > 4000 ? n : 4000;
		struct strace_mem *c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = *m;
		c->used = 0;
		c->cap = cap;
		*m = c;
	}
	void *p = (*m)->data + (*m)->used;
	(*m)->used += n;
	return p;
}

static char *mem_strndup(struct strace_mem **m, const char *s, size_t n)
{
	char *p = mem_alloc(m, n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static void mem_free(struct strace_mem *m)
{
	while (m) {
		struct strace_mem *next = m->next;
		free(m);
		m = next;
	}
}

void strace_event_release(struct strace_event *ev)
{
	mem_free(ev->mem);
	memset(ev, 0, sizeof(*ev));
}

/* ---- names ------------------------------------------------------------------------------ */

struct name_val { const char *name; int val; };
#define NV(x) { #x, x }

/* x86-64 Linux errno values; the host is Linux, so <errno.h> has the kernel's numbers. */
static const struct name_val errnos[] = {
	NV(EPERM), NV(ENOENT), NV(ESRCH), NV(EINTR), NV(EIO), NV(ENXIO), NV(E2BIG),
	NV(ENOEXEC), NV(EBADF), NV(ECHILD), NV(EAGAIN), NV(ENOMEM), NV(EACCES), NV(EFAULT),
	NV(ENOTBLK), NV(EBUSY), NV(EEXIST), NV(EXDEV), NV(ENODEV), NV(ENOTDIR), NV(EISDIR),
	NV(EINVAL), NV(ENFILE), NV(EMFILE), NV(ENOTTY), NV(ETXTBSY), NV(EFBIG), NV(ENOSPC),
	NV(ESPIPE), NV(EROFS), NV(EMLINK), NV(EPIPE), NV(EDOM), NV(ERANGE), NV(EDEADLK),
	NV(ENAMETOOLONG), NV(ENOLCK), NV(ENOSYS), NV(ENOTEMPTY), NV(ELOOP), NV(ENOMSG),
	NV(EIDRM), NV(ENOSTR), NV(ENODATA), NV(ETIME), NV(ENOSR), NV(EREMOTE), NV(ENOLINK),
	NV(EPROTO), NV(EBADMSG), NV(EOVERFLOW), NV(EILSEQ), NV(EUSERS), NV(ENOTSOCK),
	NV(EDESTADDRREQ), NV(EMSGSIZE), NV(EPROTOTYPE), NV(ENOPROTOOPT), NV(EPROTONOSUPPORT),
	NV(EOPNOTSUPP), NV(EAFNOSUPPORT), NV(EADDRINUSE), NV(EADDRNOTAVAIL), NV(ENETDOWN),
	NV(ENETUNREACH), NV(ECONNABORTED), NV(ECONNRESET), NV(ENOBUFS), NV(EISCONN),
	NV(ENOTCONN), NV(ETIMEDOUT), NV(ECONNREFUSED), NV(EHOSTUNREACH), NV(EALREADY),
	NV(EINPROGRESS), NV(ESTALE), NV(EDQUOT), NV(ECANCELED), NV(EOWNERDEAD),
	NV(ENOTRECOVERABLE), NV(ERFKILL), NV(EHWPOISON), NV(EUCLEAN),
	{ "EWOULDBLOCK", EAGAIN }, { "ENOTSUP", EOPNOTSUPP }, { "EDEADLOCK", EDEADLK },
	/* kernel-internal values strace shows for interrupted calls (include/linux/errno.h) */
	{ "ERESTARTSYS", 512 }, { "ERESTARTNOINTR", 513 }, { "ERESTARTNOHAND", 514 },
	{ "ENOIOCTLCMD", 515 }, { "ERESTART_RESTARTBLOCK", 516 },
	{ NULL, 0 },
};

static const struct name_val signals[] = {
	NV(SIGHUP), NV(SIGINT), NV(SIGQUIT), NV(SIGILL), NV(SIGTRAP), NV(SIGABRT), NV(SIGBUS),
	NV(SIGFPE), NV(SIGKILL), NV(SIGUSR1), NV(SIGSEGV), NV(SIGUSR2), NV(SIGPIPE),
	NV(SIGALRM), NV(SIGTERM), NV(SIGSTKFLT), NV(SIGCHLD), NV(SIGCONT), NV(SIGSTOP),
	NV(SIGTSTP), NV(SIGTTIN), NV(SIGTTOU), NV(SIGURG), NV(SIGXCPU), NV(SIGXFSZ),
	NV(SIGVTALRM), NV(SIGPROF), NV(SIGWINCH), NV(SIGIO), NV(SIGPWR), NV(SIGSYS),
	{ "SIGIOT", SIGABRT }, { "SIGPOLL", SIGIO },
	{ NULL, 0 },
};

static int nv_lookup(const struct name_val *t, const char *name, size_t len)
{
	for (; t->name; t++)
		if (strlen(t->name) == len && memcmp(t->name, name, len) == 0)
			return t->val;
	return 0;
}

static const char *nv_name(const struct name_val *t, int val)
{
	for (; t->name; t++)
		if (t->val == val)
			return t->name;
	return NULL;
}

int strace_errno_from_name(const char *name, size_t len)
{
	return nv_lookup(errnos, name, len);
}

const char *strace_errno_name(int err)
{
	return nv_name(errnos, err < 0 ? -err : err);
}

int strace_signal_from_name(const char *name, size_t len)
{
	return nv_lookup(signals, name, len);
}

const char *strace_signal_name(int signo)
{
	return nv_name(signals, signo);
}

/* Symbol classes: an argument accepts the symbols of its classes only. */
enum {
	C_PROT = 1u << 0, C_MAP = 1u << 1, C_MAPHUGE = 1u << 2, C_MREMAP = 1u << 3,
	C_MADV = 1u << 4, C_MCL = 1u << 5, C_MS = 1u << 6, C_MLOCK = 1u << 7, C_PR = 1u << 8,
	C_CLONE = 1u << 9, C_SIG = 1u << 10, C_AT = 1u << 11, C_O = 1u << 12,
	C_RLIMIT = 1u << 13, C_RLIMV = 1u << 14, C_PRVMA = 1u << 15, C_SEEK = 1u << 16,
	C_FADV = 1u << 17, C_SWAP = 1u << 18,
};

struct sym {
	const char *name;
	uint64_t val;
	unsigned int cls;
};
#define S(x, c) { #x, (uint64_t)(x), c }

/* Every symbol the decoded calls accept (values of include/uapi, as mm/mman.h has them). */
static const struct sym syms[] = {
	S(PROT_NONE, C_PROT), S(PROT_READ, C_PROT), S(PROT_WRITE, C_PROT), S(PROT_EXEC, C_PROT),
	S(PROT_SEM, C_PROT), S(PROT_GROWSDOWN, C_PROT), S(PROT_GROWSUP, C_PROT),
	S(MAP_SHARED, C_MAP), S(MAP_PRIVATE, C_MAP), S(MAP_SHARED_VALIDATE, C_MAP),
	S(MAP_FIXED, C_MAP), S(MAP_ANONYMOUS, C_MAP), { "MAP_ANON", MAP_ANONYMOUS, C_MAP },
	S(MAP_32BIT, C_MAP), S(MAP_GROWSDOWN, C_MAP), S(MAP_DENYWRITE, C_MAP),
	S(MAP_EXECUTABLE, C_MAP), S(MAP_LOCKED, C_MAP), S(MAP_NORESERVE, C_MAP),
	S(MAP_POPULATE, C_MAP), S(MAP_NONBLOCK, C_MAP), S(MAP_STACK, C_MAP),
	S(MAP_HUGETLB, C_MAP), S(MAP_SYNC, C_MAP), S(MAP_FIXED_NOREPLACE, C_MAP),
	S(MAP_UNINITIALIZED, C_MAP), { "MAP_FILE", 0, C_MAP },
	{ "MAP_HUGE_SHIFT", MAP_HUGE_SHIFT, C_MAPHUGE },
	{ "MAP_HUGE_64KB", 16ull << MAP_HUGE_SHIFT, C_MAP },
	{ "MAP_HUGE_512KB", 19ull << MAP_HUGE_SHIFT, C_MAP },
	{ "MAP_HUGE_1MB", 20ull << MAP_HUGE_SHIFT, C_MAP },
	{ "MAP_HUGE_2MB", 21ull << MAP_HUGE_SHIFT, C_MAP },
	{ "MAP_HUGE_8MB", 23ull << MAP_HUGE_SHIFT, C_MAP },
	{ "MAP_HUGE_16MB", 24ull << MAP_HUGE_SHIFT, C_MAP },
	{ "MAP_HUGE_32MB", 25ull << MAP_HUGE_SHIFT, C_MAP },
	{ "MAP_HUGE_256MB", 28ull << MAP_HUGE_SHIFT, C_MAP },
	{ "MAP_HUGE_512MB", 29ull << MAP_HUGE_SHIFT, C_MAP },
	{ "MAP_HUGE_1GB", 30ull << MAP_HUGE_SHIFT, C_MAP },
	{ "MAP_HUGE_2GB", 31ull << MAP_HUGE_SHIFT, C_MAP },
	{ "MAP_HUGE_16GB", 34ull << MAP_HUGE_SHIFT, C_MAP },
	S(MREMAP_MAYMOVE, C_MREMAP), S(MREMAP_FIXED, C_MREMAP), S(MREMAP_DONTUNMAP, C_MREMAP),
	S(MADV_NORMAL, C_MADV), S(MADV_RANDOM, C_MADV), S(MADV_SEQUENTIAL, C_MADV),
	S(MADV_WILLNEED, C_MADV), S(MADV_DONTNEED, C_MADV), S(MADV_FREE, C_MADV),
	S(MADV_REMOVE, C_MADV), S(MADV_DONTFORK, C_MADV), S(MADV_DOFORK, C_MADV),
	S(MADV_MERGEABLE, C_MADV), S(MADV_UNMERGEABLE, C_MADV), S(MADV_HUGEPAGE, C_MADV),
	S(MADV_NOHUGEPAGE, C_MADV), S(MADV_DONTDUMP, C_MADV), S(MADV_DODUMP, C_MADV),
	S(MADV_WIPEONFORK, C_MADV), S(MADV_KEEPONFORK, C_MADV), S(MADV_COLD, C_MADV),
	S(MADV_PAGEOUT, C_MADV), S(MADV_POPULATE_READ, C_MADV), S(MADV_POPULATE_WRITE, C_MADV),
	S(MADV_DONTNEED_LOCKED, C_MADV), S(MADV_COLLAPSE, C_MADV), S(MADV_HWPOISON, C_MADV),
	S(MADV_SOFT_OFFLINE, C_MADV), S(MADV_GUARD_INSTALL, C_MADV),
	S(MADV_GUARD_REMOVE, C_MADV),
	S(MCL_CURRENT, C_MCL), S(MCL_FUTURE, C_MCL), S(MCL_ONFAULT, C_MCL),
	S(MS_ASYNC, C_MS), S(MS_INVALIDATE, C_MS), S(MS_SYNC, C_MS),
	S(MLOCK_ONFAULT, C_MLOCK),
	{ "PR_SET_VMA", MMSIM_PR_SET_VMA, C_PR },
	{ "PR_SET_VMA_ANON_NAME", MMSIM_PR_SET_VMA_ANON_NAME, C_PRVMA },
	{ "CLONE_VM", 0x100, C_CLONE }, { "CLONE_FS", 0x200, C_CLONE },
	{ "CLONE_FILES", 0x400, C_CLONE }, { "CLONE_SIGHAND", 0x800, C_CLONE },
	{ "CLONE_PIDFD", 0x1000, C_CLONE }, { "CLONE_PTRACE", 0x2000, C_CLONE },
	{ "CLONE_VFORK", 0x4000, C_CLONE }, { "CLONE_PARENT", 0x8000, C_CLONE },
	{ "CLONE_THREAD", 0x10000, C_CLONE }, { "CLONE_NEWNS", 0x20000, C_CLONE },
	{ "CLONE_SYSVSEM", 0x40000, C_CLONE }, { "CLONE_SETTLS", 0x80000, C_CLONE },
	{ "CLONE_PARENT_SETTID", 0x100000, C_CLONE }, { "CLONE_CHILD_CLEARTID", 0x200000, C_CLONE },
	{ "CLONE_DETACHED", 0x400000, C_CLONE }, { "CLONE_UNTRACED", 0x800000, C_CLONE },
	{ "CLONE_CHILD_SETTID", 0x1000000, C_CLONE }, { "CLONE_NEWCGROUP", 0x2000000, C_CLONE },
	{ "CLONE_NEWUTS", 0x4000000, C_CLONE }, { "CLONE_NEWIPC", 0x8000000, C_CLONE },
	{ "CLONE_NEWUSER", 0x10000000, C_CLONE }, { "CLONE_NEWPID", 0x20000000, C_CLONE },
	{ "CLONE_NEWNET", 0x40000000, C_CLONE }, { "CLONE_IO", 0x80000000ull, C_CLONE },
	{ "CLONE_CLEAR_SIGHAND", 0x100000000ull, C_CLONE },
	{ "CLONE_INTO_CGROUP", 0x200000000ull, C_CLONE },
	{ "AT_FDCWD", (uint64_t)(int64_t)-100, C_AT },
	{ "AT_SYMLINK_NOFOLLOW", 0x100, C_AT }, { "AT_EMPTY_PATH", 0x1000, C_AT },
	{ "O_RDONLY", 0, C_O }, { "O_WRONLY", 01, C_O }, { "O_RDWR", 02, C_O },
	{ "O_CREAT", 0100, C_O }, { "O_EXCL", 0200, C_O }, { "O_NOCTTY", 0400, C_O },
	{ "O_TRUNC", 01000, C_O }, { "O_APPEND", 02000, C_O }, { "O_NONBLOCK", 04000, C_O },
	{ "O_DSYNC", 010000, C_O }, { "O_ASYNC", 020000, C_O }, { "O_DIRECT", 040000, C_O },
	{ "O_LARGEFILE", 0100000, C_O }, { "O_DIRECTORY", 0200000, C_O },
	{ "O_NOFOLLOW", 0400000, C_O }, { "O_NOATIME", 01000000, C_O },
	{ "O_CLOEXEC", 02000000, C_O }, { "O_SYNC", 04010000, C_O }, { "O_PATH", 010000000, C_O },
	{ "O_TMPFILE", 020200000, C_O },
	{ "RLIMIT_CPU", 0, C_RLIMIT }, { "RLIMIT_FSIZE", 1, C_RLIMIT },
	{ "RLIMIT_DATA", 2, C_RLIMIT }, { "RLIMIT_STACK", 3, C_RLIMIT },
	{ "RLIMIT_CORE", 4, C_RLIMIT }, { "RLIMIT_RSS", 5, C_RLIMIT },
	{ "RLIMIT_NPROC", 6, C_RLIMIT }, { "RLIMIT_NOFILE", 7, C_RLIMIT },
	{ "RLIMIT_MEMLOCK", 8, C_RLIMIT }, { "RLIMIT_AS", 9, C_RLIMIT },
	{ "RLIMIT_LOCKS", 10, C_RLIMIT }, { "RLIMIT_SIGPENDING", 11, C_RLIMIT },
	{ "RLIMIT_MSGQUEUE", 12, C_RLIMIT }, { "RLIMIT_NICE", 13, C_RLIMIT },
	{ "RLIMIT_RTPRIO", 14, C_RLIMIT }, { "RLIMIT_RTTIME", 15, C_RLIMIT },
	{ "RLIM64_INFINITY", ~0ull, C_RLIMV }, { "RLIM_INFINITY", ~0ull, C_RLIMV },
	/* lseek's whence and fadvise64's advice (x86-64 values, include/uapi/linux/fs.h, fadvise.h) */
	{ "SEEK_SET", 0, C_SEEK }, { "SEEK_CUR", 1, C_SEEK }, { "SEEK_END", 2, C_SEEK },
	{ "SEEK_DATA", 3, C_SEEK }, { "SEEK_HOLE", 4, C_SEEK },
	{ "POSIX_FADV_NORMAL", 0, C_FADV }, { "POSIX_FADV_RANDOM", 1, C_FADV },
	{ "POSIX_FADV_SEQUENTIAL", 2, C_FADV }, { "POSIX_FADV_WILLNEED", 3, C_FADV },
	{ "POSIX_FADV_DONTNEED", 4, C_FADV }, { "POSIX_FADV_NOREUSE", 5, C_FADV },
	/* swapon's flags (include/linux/swap.h); strace appends the priority: PREFER|5 */
	{ "SWAP_FLAG_PREFER", 0x8000, C_SWAP }, { "SWAP_FLAG_DISCARD", 0x10000, C_SWAP },
	{ "SWAP_FLAG_DISCARD_ONCE", 0x20000, C_SWAP },
	{ "SWAP_FLAG_DISCARD_PAGES", 0x40000, C_SWAP },
	{ NULL, 0, 0 },
};

static const struct sym *sym_lookup(const char *name, size_t len)
{
	for (const struct sym *s = syms; s->name; s++)
		if (strlen(s->name) == len && memcmp(s->name, name, len) == 0)
			return s;
	return NULL;
}

/* ---- values as strace prints them ------------------------------------------------------- */

enum vkind {
	V_NUM,		/* a number or an expression of numbers and known symbols */
	V_STR,		/* a quoted string (decoded) */
	V_ARRAY,	/* [a, b, ...] */
	V_STRUCT,	/* {k=v, ...} */
	V_ELLIPSIS,	/* a bare "..." element */
	V_BAD,		/* an expression with an unknown symbol (an error only where it is used) */
};

struct symuse {
	size_t pos, len;
	unsigned int cls;
};

struct val {
	enum vkind kind;
	size_t pos;			/* where the value starts in the text */
	const char *key;		/* "name=" before it (named arguments, struct fields) */
	uint64_t num;
	bool is_null;			/* NULL */
	const char *str;		/* V_STR: decoded bytes (NUL-terminated); len in slen */
	size_t slen;
	const char *fd_path;		/* "3</path>": the path */
	int vars;			/* "/\* N vars *\/" after it: N; else -1 */
	struct val *items;		/* V_ARRAY, V_STRUCT */
	int nitems;
	struct symuse *uses;		/* symbols in the expression */
	int nuses;
	size_t bad_pos, bad_len;	/* V_BAD: the unknown symbol */
};

#define MAX_DEPTH 16

/* Parser state over one line. */
struct lx {
	const char *s;
	size_t n, i;
	const struct strace_parse_opts *o;
	struct mmsim_error *err;
	struct strace_mem **mem;
	bool truncated;
	/* column mapping of a merged unfinished/resumed text (strace_reader) */
	size_t split;			/* text[0..split) came from line1 at col1, the rest line2 */
	int line1, line2, col1, col2;
};

static int lx_fail(struct lx *l, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int lx_fail(struct lx *l, size_t pos, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int line = l->line1, col = l->col1 + (int)pos + 1;
	if (pos >= l->split) {
		line = l->line2;
		col = l->col2 + (int)(pos - l->split) + 1;
	}
	return err_set(l->err, -EINVAL, l->o && l->o->file ? l->o->file : "", line, col, "%s",
		       msg);
}

static int lx_nomem(struct lx *l)
{
	return err_set(l->err, -ENOMEM, l->o && l->o->file ? l->o->file : "", l->line1, 0,
		       "out of memory reading the line");
}

static bool at_end(const struct lx *l)
{
	return l->i >= l->n;
}

static char peek(const struct lx *l, size_t k)
{
	return l->i + k < l->n ? l->s[l->i + k] : '\0';
}

static bool starts(const struct lx *l, const char *lit)
{
	size_t k = strlen(lit);
	return l->n - l->i >= k && memcmp(l->s + l->i, lit, k) == 0;
}

static void skip_spaces(struct lx *l)
{
	while (!at_end(l) && (l->s[l->i] == ' ' || l->s[l->i] == '\t'))
		l->i++;
}

static bool is_ident_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '$';
}

static bool is_ident(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Length of the identifier at l->i (0 if none). */
static size_t ident_len(const struct lx *l)
{
	size_t k = 0;
	if (!is_ident_start(peek(l, 0)))
		return 0;
	while (is_ident(peek(l, k)))
		k++;
	return k;
}

/* A number in strace's notation (0x hex, 0 octal, decimal). */
static int parse_number(struct lx *l, uint64_t *out)
{
	size_t start = l->i;
	uint64_t v = 0;
	unsigned int base = 10;
	if (peek(l, 0) == '0' && (peek(l, 1) == 'x' || peek(l, 1) == 'X')) {
		base = 16;
		l->i += 2;
	} else if (peek(l, 0) == '0' && is_digit(peek(l, 1))) {
		base = 8;
		l->i++;
	}
	size_t digits = 0;
	for (;; l->i++, digits++) {
		char c = peek(l, 0);
		unsigned int d;
		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			break;
		if (d >= base)
			return lx_fail(l, l->i, "digit '%c' in an octal number", c);
		if (v > (UINT64_MAX - d) / base)
			return lx_fail(l, start, "number does not fit in 64 bits");
		v = v * base + d;
	}
	if (base == 16 && digits == 0)
		return lx_fail(l, start, "expected hexadecimal digits after 0x");
	if (is_ident_start(peek(l, 0)))
		return lx_fail(l, l->i, "unexpected '%c' in a number", peek(l, 0));
	*out = v;
	return 0;
}

/* "<path>" after a descriptor: up to the '>' that ends the argument. */
static int parse_fd_path(struct lx *l, struct val *v)
{
	size_t start = ++l->i;
	for (size_t k = start; k < l->n; k++) {
		if (l->s[k] != '>')
			continue;
		char next = k + 1 < l->n ? l->s[k + 1] : '\0';
		if (next == '\0' || next == ',' || next == ')' || next == ' ' || next == ']' ||
		    next == '}') {
			v->fd_path = mem_strndup(l->mem, l->s + start, k - start);
			if (!v->fd_path)
				return lx_nomem(l);
			l->i = k + 1;
			return 0;
		}
	}
	return lx_fail(l, start - 1, "unterminated descriptor path: expected '>'");
}

static int parse_expr(struct lx *l, struct val *v, uint64_t *out, int depth);

static int add_use(struct lx *l, struct val *v, size_t pos, size_t len, unsigned int cls)
{
	struct symuse *u = mem_alloc(l->mem, sizeof(*u) * (size_t)(v->nuses + 1));
	if (!u)
		return lx_nomem(l);
	if (v->nuses)
		memcpy(u, v->uses, sizeof(*u) * (size_t)v->nuses);
	u[v->nuses++] = (struct symuse){ pos, len, cls };
	v->uses = u;
	return 0;
}

/* Skip a balanced (...) group at l->i (strings inside respected). */
static int skip_group(struct lx *l)
{
	int depth = 0;
	size_t start = l->i;
	for (; l->i < l->n; l->i++) {
		char c = l->s[l->i];
		if (c == '"') {
			for (l->i++; l->i < l->n && l->s[l->i] != '"'; l->i++)
				if (l->s[l->i] == '\\')
					l->i++;
		} else if (c == '(' || c == '[' || c == '{') {
			depth++;
		} else if (c == ')' || c == ']' || c == '}') {
			if (--depth == 0) {
				l->i++;
				return 0;
			}
		}
	}
	return lx_fail(l, start, "unbalanced '%c': the line ends inside it", l->s[start]);
}

/* primary: number, symbol, '(' expr ')', '~' primary, '-' number; an fd path may follow. */
static int parse_primary(struct lx *l, struct val *v, uint64_t *out, int depth)
{
	int rc;
	char c = peek(l, 0);
	if (depth > MAX_DEPTH)
		return lx_fail(l, l->i, "expression nested too deeply");
	if (c == '~') {
		l->i++;
		rc = parse_primary(l, v, out, depth + 1);
		*out = ~*out;
		return rc;
	}
	if (c == '-' && is_digit(peek(l, 1))) {
		l->i++;
		rc = parse_number(l, out);
		*out = (uint64_t)-(int64_t)*out;
		return rc;
	}
	if (c == '(') {
		l->i++;
		skip_spaces(l);
		rc = parse_expr(l, v, out, depth + 1);
		if (rc)
			return rc;
		skip_spaces(l);
		if (peek(l, 0) != ')')
			return lx_fail(l, l->i, "expected ')'");
		l->i++;
		return 0;
	}
	if (is_digit(c)) {
		rc = parse_number(l, out);
	} else if (is_ident_start(c)) {
		size_t pos = l->i, len = ident_len(l);
		l->i += len;
		const struct sym *s = sym_lookup(l->s + pos, len);
		int64_t rv;
		rc = 0;
		if (len == 4 && memcmp(l->s + pos, "NULL", 4) == 0) {
			*out = 0;
			v->is_null = true;
		} else if (s) {
			*out = s->val;
			rc = add_use(l, v, pos, len, s->cls);
		} else if (strace_signal_from_name(l->s + pos, len)) {
			*out = (uint64_t)strace_signal_from_name(l->s + pos, len);
			rc = add_use(l, v, pos, len, C_SIG);
		} else if (l->o && l->o->resolve &&
			   l->o->resolve(l->o->ctx, l->s + pos, len, &rv) == 0) {
			*out = (uint64_t)rv;
		} else {
			*out = 0;
			if (v->kind != V_BAD) {
				v->kind = V_BAD;
				v->bad_pos = pos;
				v->bad_len = len;
			}
			if (peek(l, 0) == '(')	/* WIFEXITED(s) and the like */
				rc = skip_group(l);
		}
	} else {
		return lx_fail(l, l->i, "expected a value (a number, NULL, a symbol such as "
			       "PROT_READ, a string, [array] or {struct})");
	}
	if (rc)
		return rc;
	if (peek(l, 0) == '<' && peek(l, 1) != '<')
		return parse_fd_path(l, v);
	return 0;
}

/* term: primary (('<<' | '*' | '+') primary)* */
static int parse_term(struct lx *l, struct val *v, uint64_t *out, int depth)
{
	int rc = parse_primary(l, v, out, depth);
	while (!rc) {
		uint64_t rhs;
		if (starts(l, "<<")) {
			l->i += 2;
			size_t pos = l->i;
			rc = parse_primary(l, v, &rhs, depth);
			if (rc)
				break;
			if (rhs >= 64)
				return lx_fail(l, pos, "shift count %llu is too large",
					       (unsigned long long)rhs);
			*out <<= rhs;
		} else if (peek(l, 0) == '*' && peek(l, 1) != '/') {
			l->i++;
			rc = parse_primary(l, v, &rhs, depth);
			if (!rc)
				*out *= rhs;
		} else if (peek(l, 0) == '+') {
			l->i++;
			rc = parse_primary(l, v, &rhs, depth);
			if (!rc)
				*out += rhs;
		} else {
			break;
		}
	}
	return rc;
}

/* expr: term ('|' term)*; strace writes flag sets without spaces. */
static int parse_expr(struct lx *l, struct val *v, uint64_t *out, int depth)
{
	int rc = parse_term(l, v, out, depth);
	while (!rc && peek(l, 0) == '|' && peek(l, 1) != '|') {
		uint64_t rhs;
		l->i++;
		rc = parse_term(l, v, &rhs, depth);
		*out |= rhs;
	}
	return rc;
}

/* A quoted string with C escapes; a following "..." marks strace's truncation. */
static int parse_string(struct lx *l, struct val *v)
{
	size_t start = l->i++;
	char *buf = mem_alloc(l->mem, l->n - l->i + 1);
	size_t n = 0;
	if (!buf)
		return lx_nomem(l);
	for (;;) {
		if (at_end(l))
			return lx_fail(l, start, "unterminated string: expected '\"'");
		char c = l->s[l->i++];
		if (c == '"')
			break;
		if (c != '\\') {
			buf[n++] = c;
			continue;
		}
		if (at_end(l))
			return lx_fail(l, l->i - 1, "a '\\' ends the line inside a string");
		c = l->s[l->i++];
		switch (c) {
		case 'n': buf[n++] = '\n'; break;
		case 't': buf[n++] = '\t'; break;
		case 'r': buf[n++] = '\r'; break;
		case 'v': buf[n++] = '\v'; break;
		case 'f': buf[n++] = '\f'; break;
		case 'a': buf[n++] = '\a'; break;
		case 'b': buf[n++] = '\b'; break;
		case 'e': buf[n++] = 033; break;
		case '\\': case '"': case '\'': case '?': buf[n++] = c; break;
		case 'x': {
			unsigned int x = 0, k = 0;
			for (; k < 2; k++) {
				char h = peek(l, 0);
				unsigned int d;
				if (is_digit(h))
					d = (unsigned int)(h - '0');
				else if (h >= 'a' && h <= 'f')
					d = (unsigned int)(h - 'a' + 10);
				else if (h >= 'A' && h <= 'F')
					d = (unsigned int)(h - 'A' + 10);
				else
					break;
				x = x * 16 + d;
				l->i++;
			}
			if (!k)
				return lx_fail(l, l->i, "expected hexadecimal digits after \\x");
			buf[n++] = (char)x;
			break;
		}
		default:
			if (c >= '0' && c <= '7') {
				unsigned int o = (unsigned int)(c - '0');
				for (int k = 0; k < 2 && peek(l, 0) >= '0' && peek(l, 0) <= '7'; k++)
					o = o * 8 + (unsigned int)(l->s[l->i++] - '0');
				buf[n++] = (char)o;
				break;
			}
			return lx_fail(l, l->i - 2, "unknown escape '\\%c' in a string", c);
		}
	}
	buf[n] = '\0';
	v->kind = V_STR;
	v->str = buf;
	v->slen = n;
	if (starts(l, "...")) {
		l->i += 3;
		l->truncated = true;
	}
	return 0;
}

static int parse_value(struct lx *l, struct val *v, int depth);

/* [a, b, ...] or {k=v, ...}: items separated by ", ". */
static int parse_list(struct lx *l, struct val *v, char close, int depth)
{
	size_t start = l->i++;
	int cap = 0;
	v->kind = close == ']' ? V_ARRAY : V_STRUCT;
	skip_spaces(l);
	if (peek(l, 0) == close) {
		l->i++;
		return 0;
	}
	for (;;) {
		if (v->nitems == cap) {
			cap = cap ? cap * 2 : 8;
			struct val *items = mem_alloc(l->mem, sizeof(*items) * (size_t)cap);
			if (!items)
				return lx_nomem(l);
			if (v->nitems)
				memcpy(items, v->items, sizeof(*items) * (size_t)v->nitems);
			v->items = items;
		}
		int rc = parse_value(l, &v->items[v->nitems], depth + 1);
		if (rc)
			return rc;
		v->nitems++;
		skip_spaces(l);
		if (peek(l, 0) == ',') {
			l->i++;
			skip_spaces(l);
			continue;
		}
		if (peek(l, 0) == close) {
			l->i++;
			return 0;
		}
		if (at_end(l))
			return lx_fail(l, start, "unterminated '%c': expected '%c'", l->s[start],
				       close);
		return lx_fail(l, l->i, "expected ',' or '%c'", close);
	}
}

/* A comment "/\* ... *\/" after a value; "N vars" is kept. */
static int parse_comment(struct lx *l, struct val *v)
{
	size_t start = l->i;
	l->i += 2;
	const char *end = NULL;
	for (size_t k = l->i; k + 1 < l->n; k++)
		if (l->s[k] == '*' && l->s[k + 1] == '/') {
			end = l->s + k;
			break;
		}
	if (!end)
		return lx_fail(l, start, "unterminated comment: expected '*/'");
	int n;
	char tail[8];
	if (sscanf(l->s + l->i, " %d var%7[s] */", &n, tail) == 2 ||
	    sscanf(l->s + l->i, " %d entr%7[yies] */", &n, tail) == 2)
		v->vars = n;
	l->i = (size_t)(end - l->s) + 2;
	return 0;
}

/* Any value, with an optional "name=" before it and a comment or "=> value" after it. */
static int parse_value(struct lx *l, struct val *v, int depth)
{
	int rc;
	memset(v, 0, sizeof(*v));
	v->vars = -1;
	if (depth > MAX_DEPTH)
		return lx_fail(l, l->i, "values nested too deeply");
	size_t il = ident_len(l);
	if (il && peek(l, il) == '=' && peek(l, il + 1) != '=') {
		v->key = mem_strndup(l->mem, l->s + l->i, il);
		if (!v->key)
			return lx_nomem(l);
		l->i += il + 1;
	}
	v->pos = l->i;
	char c = peek(l, 0);
	if (c == '"') {
		rc = parse_string(l, v);
	} else if (c == '[' || c == '{') {
		rc = parse_list(l, v, c == '[' ? ']' : '}', depth);
	} else if (starts(l, "...")) {
		l->i += 3;
		v->kind = V_ELLIPSIS;
		l->truncated = true;
		rc = 0;
	} else {
		v->kind = V_NUM;
		rc = parse_expr(l, v, &v->num, depth);
	}
	if (rc)
		return rc;
	/* " /\* 25 vars *\/", " => {parent_tid=[123]}" (clone3's result), in either order */
	for (;;) {
		size_t save = l->i;
		skip_spaces(l);
		if (starts(l, "/*")) {
			rc = parse_comment(l, v);
		} else if (starts(l, "=>")) {
			struct val out;
			l->i += 2;
			skip_spaces(l);
			rc = parse_value(l, &out, depth + 1);
		} else {
			l->i = save;
			return 0;
		}
		if (rc)
			return rc;
	}
}

/* ---- decoding the calls mmsim models ---------------------------------------------------- */

enum argk {
	K_NUM,		/* a number (addresses, lengths, pkey, status) */
	K_FD,		/* a descriptor, with its -y path */
	K_PROT, K_MAP, K_MREMAP, K_MADV, K_MCL, K_MS, K_MLOCK, K_OFLAGS, K_RLIMRES, K_SEEK,
	K_FADV, K_SWAP,
	K_STR,		/* a path or name string, or NULL */
	K_IGN,		/* printed but not needed (mincore's vec, prlimit's old limit) */
};

struct call_desc {
	const char *name;
	int min, max;
	enum argk k[SYS_MAX_ARGS];
	int (*decode)(struct lx *l, struct val *args, int nargs, struct strace_event *ev);
};

static unsigned int argk_classes(enum argk k)
{
	switch (k) {
	case K_FD: return C_AT;
	case K_PROT: return C_PROT;
	case K_MAP: return C_MAP | C_MAPHUGE;
	case K_MREMAP: return C_MREMAP;
	case K_MADV: return C_MADV;
	case K_MCL: return C_MCL;
	case K_MS: return C_MS;
	case K_MLOCK: return C_MLOCK;
	case K_OFLAGS: return C_O;
	case K_RLIMRES: return C_RLIMIT;
	case K_SEEK: return C_SEEK;
	case K_FADV: return C_FADV;
	case K_SWAP: return C_SWAP;
	default: return 0;
	}
}

static const char *argk_expect(enum argk k)
{
	switch (k) {
	case K_FD: return "a descriptor (3, 3</path>, -1 or AT_FDCWD)";
	case K_PROT: return "PROT_* flags (PROT_READ|PROT_WRITE) or a number";
	case K_MAP: return "MAP_* flags (MAP_PRIVATE|MAP_ANONYMOUS) or a number";
	case K_MREMAP: return "MREMAP_* flags or a number";
	case K_MADV: return "an MADV_* advice or a number";
	case K_MCL: return "MCL_* flags or a number";
	case K_MS: return "MS_* flags or a number";
	case K_MLOCK: return "MLOCK_* flags or a number";
	case K_OFLAGS: return "O_* flags or a number";
	case K_RLIMRES: return "an RLIMIT_* resource";
	case K_SEEK: return "SEEK_SET, SEEK_CUR, SEEK_END ... or a number";
	case K_FADV: return "a POSIX_FADV_* advice or a number";
	case K_SWAP: return "SWAP_FLAG_* flags and a priority (SWAP_FLAG_PREFER|5) or a number";
	default: return "a number or NULL";
	}
}

static const char *class_prefix(unsigned int cls)
{
	static const char *const names[] = {
		"PROT_", "MAP_", "MAP_HUGE_SHIFT", "MREMAP_", "MADV_", "MCL_", "MS_", "MLOCK_",
		"PR_", "CLONE_", "SIG", "AT_", "O_", "RLIMIT_", "RLIM_INFINITY", "PR_SET_VMA_",
		"SEEK_", "POSIX_FADV_", "SWAP_FLAG_",
	};
	for (unsigned int b = 0; b < sizeof(names) / sizeof(names[0]); b++)
		if (cls & (1u << b))
			return names[b];
	return "?";
}

/* Check that v is a number whose symbols are all of classes; *out its value. */
static int want_num(struct lx *l, const struct val *v, unsigned int classes, const char *what,
		    const char *call, uint64_t *out)
{
	if (v->kind == V_BAD)
		return lx_fail(l, v->bad_pos, "unknown symbol '%.*s' in %s: expected %s",
			       (int)v->bad_len, l->s + v->bad_pos, call, what);
	if (v->kind != V_NUM)
		return lx_fail(l, v->pos, "%s: expected %s", call, what);
	for (int k = 0; k < v->nuses; k++)
		if (!(v->uses[k].cls & classes))
			return lx_fail(l, v->uses[k].pos, "symbol '%.*s' (a %s name) in %s: "
				       "expected %s", (int)v->uses[k].len, l->s + v->uses[k].pos,
				       class_prefix(v->uses[k].cls), call, what);
	*out = v->num;
	return 0;
}

static int decode_str(struct lx *l, const struct val *v, const char *call, const char **out)
{
	if (v->kind == V_STR) {
		*out = v->str;
		return 0;
	}
	if (v->kind == V_NUM && v->nuses == 0) {	/* NULL, or an address strace could not read */
		*out = NULL;
		return 0;
	}
	return lx_fail(l, v->pos, "%s: expected a string (\"...\") or NULL", call);
}

/* execve's argv or envp: an array of strings, NULL, or an address (elided). */
static int decode_strv(struct lx *l, const struct val *v, const char *call, char ***out,
		       int *elided)
{
	*out = NULL;
	*elided = -1;
	if (v->kind == V_NUM && v->nuses == 0) {
		if (v->is_null || v->num == 0) {	/* NULL: the kernel takes it as empty */
			*out = mem_alloc(l->mem, sizeof(char *));
			if (!*out)
				return lx_nomem(l);
			(*out)[0] = NULL;
		} else {
			*elided = v->vars >= 0 ? v->vars : 0;
		}
		return 0;
	}
	if (v->kind != V_ARRAY)
		return lx_fail(l, v->pos, "%s: expected an array of strings [\"a\", \"b\"], NULL "
			       "or an address", call);
	char **a = mem_alloc(l->mem, sizeof(char *) * (size_t)(v->nitems + 1));
	int n = 0;
	if (!a)
		return lx_nomem(l);
	for (int k = 0; k < v->nitems; k++) {
		if (v->items[k].kind == V_ELLIPSIS)
			continue;	/* strace's truncation of a long array; ev->truncated says so */
		if (v->items[k].kind != V_STR)
			return lx_fail(l, v->items[k].pos, "%s: expected a string in the array",
				       call);
		a[n++] = (char *)v->items[k].str;
	}
	a[n] = NULL;
	*out = a;
	return 0;
}

/* The generic positional decoder, by the table's argument kinds. */
static int decode_positional(struct lx *l, const struct call_desc *d, struct val *args,
			     int nargs, struct strace_event *ev)
{
	for (int k = 0; k < nargs; k++) {
		enum argk kind = d->k[k];
		uint64_t num = 0;
		int rc = 0;
		if (kind == K_IGN)
			continue;
		if (kind == K_STR) {
			rc = decode_str(l, &args[k], d->name, &ev->call.str[k]);
		} else {
			rc = want_num(l, &args[k], argk_classes(kind), argk_expect(kind), d->name,
				      &num);
			if (!rc && kind == K_FD)
				ev->call.fd_path[k] = args[k].fd_path;
		}
		if (rc)
			return rc;
		ev->call.arg[k] = (int64_t)num;
	}
	ev->call.nargs = nargs;
	return 0;
}

static int decode_execve(struct lx *l, struct val *args, int nargs, struct strace_event *ev)
{
	int base = strcmp(ev->call.name, "execveat") == 0 ? 1 : 0;
	int elided, rc;
	if (base) {
		uint64_t fd;
		rc = want_num(l, &args[0], C_AT, argk_expect(K_FD), ev->call.name, &fd);
		if (rc)
			return rc;
		ev->call.arg[0] = (int64_t)fd;
		ev->call.fd_path[0] = args[0].fd_path;
		uint64_t flags;
		rc = want_num(l, &args[4], C_AT, "AT_* flags or a number", ev->call.name, &flags);
		if (rc)
			return rc;
		ev->call.arg[4] = (int64_t)flags;
	}
	rc = decode_str(l, &args[base], ev->call.name, &ev->call.str[base]);
	if (!rc)
		rc = decode_strv(l, &args[base + 1], ev->call.name, &ev->call.argv, &elided);
	if (!rc)
		rc = decode_strv(l, &args[base + 2], ev->call.name, &ev->call.envp,
				 &ev->envp_count);
	ev->call.nargs = nargs;
	return rc;
}

static const struct val *find_named(const struct val *items, int n, const char *key)
{
	for (int k = 0; k < n; k++)
		if (items[k].key && strcmp(items[k].key, key) == 0)
			return &items[k];
	return NULL;
}

/* clone(child_stack=..., flags=CLONE_...|SIGCHLD, ...): arg[0] = flags. */
static int decode_clone(struct lx *l, struct val *args, int nargs, struct strace_event *ev)
{
	const struct val *f = find_named(args, nargs, "flags");
	uint64_t flags;
	if (!f && nargs >= 1 && !args[0].key)	/* the raw ABI order: flags first on x86-64 */
		f = &args[0];
	if (!f)
		return lx_fail(l, nargs ? args[0].pos : l->i, "clone: expected flags=CLONE_...");
	int rc = want_num(l, f, C_CLONE | C_SIG, "CLONE_* flags and an exit signal", "clone",
			  &flags);
	ev->call.arg[0] = (int64_t)flags;
	ev->call.nargs = 1;
	return rc;
}

/* clone3({flags=..., exit_signal=SIGCHLD, ...}, size): arg[0] = flags | exit_signal. */
static int decode_clone3(struct lx *l, struct val *args, int nargs, struct strace_event *ev)
{
	uint64_t flags = 0, sig = 0;
	int rc = 0;
	(void)nargs;
	if (args[0].kind != V_STRUCT)
		return lx_fail(l, args[0].pos, "clone3: expected {flags=..., exit_signal=...}");
	const struct val *f = find_named(args[0].items, args[0].nitems, "flags");
	const struct val *s = find_named(args[0].items, args[0].nitems, "exit_signal");
	if (f)
		rc = want_num(l, f, C_CLONE, "CLONE_* flags", "clone3", &flags);
	if (!rc && s)
		rc = want_num(l, s, C_SIG, "a signal (SIGCHLD) or a number", "clone3", &sig);
	ev->call.arg[0] = (int64_t)(flags | sig);
	ev->call.nargs = 1;
	return rc;
}

/* prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, start, len, "name"); other options not decoded. */
static int decode_prctl(struct lx *l, struct val *args, int nargs, struct strace_event *ev)
{
	uint64_t v;
	int rc;
	if (args[0].kind != V_NUM || args[0].num != MMSIM_PR_SET_VMA || nargs < 5) {
		ev->decoded = false;
		return 0;
	}
	for (int k = 0; k < 4; k++) {
		rc = want_num(l, &args[k], k == 0 ? C_PR : k == 1 ? C_PRVMA : 0,
			      k == 1 ? "PR_SET_VMA_ANON_NAME" : "a number", "prctl", &v);
		if (rc)
			return rc;
		ev->call.arg[k] = (int64_t)v;
	}
	rc = decode_str(l, &args[4], "prctl", &ev->call.str[4]);
	ev->call.nargs = 5;
	return rc;
}

/* {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY} or NULL into arg[new], arg[4], arg[5]. */
static int decode_rlim(struct lx *l, const struct val *v, int slot, struct strace_event *ev)
{
	uint64_t cur = 0, max = 0;
	int rc;
	if (v->kind == V_NUM && v->nuses == 0 && v->num == 0) {
		ev->call.arg[slot] = 0;
		return 0;
	}
	if (v->kind != V_STRUCT)
		return lx_fail(l, v->pos, "%s: expected {rlim_cur=..., rlim_max=...} or NULL",
			       ev->call.name);
	const struct val *c = find_named(v->items, v->nitems, "rlim_cur");
	const struct val *m = find_named(v->items, v->nitems, "rlim_max");
	if (!c || !m)
		return lx_fail(l, v->pos, "%s: expected rlim_cur= and rlim_max=", ev->call.name);
	rc = want_num(l, c, C_RLIMV, "a number or RLIM64_INFINITY", ev->call.name, &cur);
	if (!rc)
		rc = want_num(l, m, C_RLIMV, "a number or RLIM64_INFINITY", ev->call.name, &max);
	ev->call.arg[slot] = 1;
	ev->call.arg[4] = (int64_t)cur;
	ev->call.arg[5] = (int64_t)max;
	return rc;
}

/* prlimit64(pid, RLIMIT_X, new, old), setrlimit(RLIMIT_X, new), getrlimit(RLIMIT_X, old). */
static int decode_rlimit(struct lx *l, struct val *args, int nargs, struct strace_event *ev)
{
	bool prl = strcmp(ev->call.name, "prlimit64") == 0;
	int res = prl ? 1 : 0, rc;
	uint64_t v;
	if (prl) {
		rc = want_num(l, &args[0], 0, "a pid", "prlimit64", &v);
		if (rc)
			return rc;
		ev->call.arg[0] = (int64_t)v;
	}
	rc = want_num(l, &args[res], C_RLIMIT, argk_expect(K_RLIMRES), ev->call.name, &v);
	if (rc)
		return rc;
	ev->call.arg[res] = (int64_t)v;
	if (strcmp(ev->call.name, "getrlimit") != 0) {
		rc = decode_rlim(l, &args[res + 1], res + 1, ev);
		if (rc)
			return rc;
	}
	ev->call.nargs = nargs;
	return 0;
}

#define P(...) { __VA_ARGS__ }
static const struct call_desc calls[] = {
	{ "brk", 1, 1, P(K_NUM), NULL },
	{ "mmap", 6, 6, P(K_NUM, K_NUM, K_PROT, K_MAP, K_FD, K_NUM), NULL },
	{ "mmap2", 6, 6, P(K_NUM, K_NUM, K_PROT, K_MAP, K_FD, K_NUM), NULL },
	{ "munmap", 2, 2, P(K_NUM, K_NUM), NULL },
	{ "mprotect", 3, 3, P(K_NUM, K_NUM, K_PROT), NULL },
	{ "pkey_mprotect", 4, 4, P(K_NUM, K_NUM, K_PROT, K_NUM), NULL },
	{ "mremap", 4, 5, P(K_NUM, K_NUM, K_NUM, K_MREMAP, K_NUM), NULL },
	{ "madvise", 3, 3, P(K_NUM, K_NUM, K_MADV), NULL },
	{ "mlock", 2, 2, P(K_NUM, K_NUM), NULL },
	{ "mlock2", 3, 3, P(K_NUM, K_NUM, K_MLOCK), NULL },
	{ "munlock", 2, 2, P(K_NUM, K_NUM), NULL },
	{ "mlockall", 1, 1, P(K_MCL), NULL },
	{ "munlockall", 0, 0, P(K_NUM), NULL },
	{ "msync", 3, 3, P(K_NUM, K_NUM, K_MS), NULL },
	{ "mincore", 3, 3, P(K_NUM, K_NUM, K_IGN), NULL },
	{ "prctl", 1, 5, P(K_NUM), decode_prctl },
	{ "execve", 3, 3, P(K_NUM), decode_execve },
	{ "execveat", 5, 5, P(K_NUM), decode_execve },
	{ "fork", 0, 0, P(K_NUM), NULL },
	{ "vfork", 0, 0, P(K_NUM), NULL },
	{ "clone", 1, 5, P(K_NUM), decode_clone },
	{ "clone3", 2, 2, P(K_NUM), decode_clone3 },
	{ "exit", 1, 1, P(K_NUM), NULL },
	{ "exit_group", 1, 1, P(K_NUM), NULL },
	{ "prlimit64", 4, 4, P(K_NUM), decode_rlimit },
	{ "setrlimit", 2, 2, P(K_NUM), decode_rlimit },
	{ "getrlimit", 2, 2, P(K_NUM), decode_rlimit },
	{ "openat", 3, 4, P(K_FD, K_STR, K_OFLAGS, K_NUM), NULL },
	{ "open", 2, 3, P(K_STR, K_OFLAGS, K_NUM), NULL },
	{ "close", 1, 1, P(K_FD), NULL },
	/* the page cache's calls: the buffer is not needed, only its length and the file */
	{ "read", 3, 3, P(K_FD, K_IGN, K_NUM), NULL },
	{ "pread64", 4, 4, P(K_FD, K_IGN, K_NUM, K_NUM), NULL },
	{ "lseek", 3, 3, P(K_FD, K_NUM, K_SEEK), NULL },
	{ "fadvise64", 4, 4, P(K_FD, K_NUM, K_NUM, K_FADV), NULL },
	{ "swapon", 2, 2, P(K_STR, K_SWAP), NULL },
	{ "swapoff", 1, 1, P(K_STR), NULL },
	{ NULL, 0, 0, P(K_NUM), NULL },
};

static const struct call_desc *call_lookup(const char *name)
{
	for (const struct call_desc *d = calls; d->name; d++)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

/* ---- one line ------------------------------------------------------------------------------ */

/* "[pid  1234] " or "1234 ", then a timestamp ("14:40:06.807496 ", "1700000000.8 ", "0.0001 "). */
static int parse_prefix(struct lx *l, struct strace_event *ev)
{
	skip_spaces(l);
	if (starts(l, "[pid")) {
		l->i += 4;
		skip_spaces(l);
		size_t pos = l->i;
		uint64_t pid;
		if (!is_digit(peek(l, 0)) || parse_number(l, &pid) || peek(l, 0) != ']' ||
		    pid == 0 || pid > 0x3fffffff)
			return lx_fail(l, pos, "expected a pid and ']' after \"[pid\"");
		ev->pid = (int)pid;
		l->i++;
		skip_spaces(l);
	} else if (is_digit(peek(l, 0))) {
		size_t k = 0;
		while (is_digit(peek(l, k)))
			k++;
		if (peek(l, k) == ' ' || peek(l, k) == '\t') {
			uint64_t pid = 0;
			size_t pos = l->i;
			for (size_t j = 0; j < k && pid <= 0x3fffffff; j++)
				pid = pid * 10 + (uint64_t)(l->s[l->i + j] - '0');
			if (pid == 0 || pid > 0x3fffffff)
				return lx_fail(l, pos, "pid %.*s out of range", (int)k, l->s + pos);
			ev->pid = (int)pid;
			l->i += k;
			skip_spaces(l);
		}
	}
	/* a timestamp: digits with ':' or '.' (never a call name, which starts with a letter) */
	if (is_digit(peek(l, 0))) {
		size_t k = 0;
		bool mark = false;
		while (is_digit(peek(l, k)) || peek(l, k) == ':' || peek(l, k) == '.') {
			mark |= !is_digit(peek(l, k));
			k++;
		}
		if (!mark || (peek(l, k) != ' ' && peek(l, k) != '\t'))
			return lx_fail(l, l->i, "expected a timestamp (14:40:06.807496) or a "
				       "system call name");
		l->i += k;
		skip_spaces(l);
	}
	return 0;
}

/* " = RET[ (text)][ <0.000044>]" after the closing ')'. */
static int parse_ret(struct lx *l, struct strace_event *ev)
{
	skip_spaces(l);
	if (at_end(l)) {
		ev->ret_kind = STRACE_RET_NONE;
		return 0;
	}
	if (peek(l, 0) != '=')
		return lx_fail(l, l->i, "expected '= RETURN' or the end of the line after ')'");
	l->i++;
	skip_spaces(l);
	size_t pos = l->i;
	if (peek(l, 0) == '?') {
		l->i++;
		ev->ret_kind = STRACE_RET_UNKNOWN;
	} else if (is_digit(peek(l, 0)) || (peek(l, 0) == '-' && is_digit(peek(l, 1)))) {
		struct val v = { .vars = -1 };
		uint64_t num;
		bool neg = peek(l, 0) == '-';
		if (neg)
			l->i++;
		int rc = parse_number(l, &num);
		if (rc)
			return rc;
		if (peek(l, 0) == '<') {
			rc = parse_fd_path(l, &v);
			if (rc)
				return rc;
			ev->ret_fd_path = v.fd_path;
		}
		ev->ret_kind = STRACE_RET_VALUE;
		ev->ret = neg ? -(int64_t)num : (int64_t)num;
	} else {
		return lx_fail(l, pos, "expected a return value (0x7ffff7fc2000, 0, -1 ENOMEM "
			       "(...), ?)");
	}
	skip_spaces(l);
	size_t il = ident_len(l);
	if (il && peek(l, 0) == 'E') {
		int e = strace_errno_from_name(l->s + l->i, il);
		if (!e)
			return lx_fail(l, l->i, "unknown errno name '%.*s'", (int)il, l->s + l->i);
		ev->ret_errno = mem_strndup(l->mem, l->s + l->i, il);
		if (!ev->ret_errno)
			return lx_nomem(l);
		if (ev->ret_kind == STRACE_RET_VALUE) {
			if (ev->ret != -1)
				return lx_fail(l, pos, "an error return is -1, not %lld",
					       (long long)ev->ret);
			ev->ret = -e;
		}
		l->i += il;
		skip_spaces(l);
	}
	if (peek(l, 0) == '(') {		/* "(Cannot allocate memory)", "(flags ...)" */
		int rc = skip_group(l);
		if (rc)
			return rc;
		skip_spaces(l);
	}
	if (peek(l, 0) == '<') {		/* -T: "<0.000044>" */
		size_t k = 1;
		while (is_digit(peek(l, k)) || peek(l, k) == '.')
			k++;
		if (peek(l, k) != '>')
			return lx_fail(l, l->i, "expected a duration <0.000044>");
		l->i += k + 1;
		skip_spaces(l);
	}
	if (!at_end(l))
		return lx_fail(l, l->i, "unexpected text after the return value");
	return 0;
}

/* name(args) = RET, from l->i (the body of a CALL line or a merged pair). */
static int parse_call(struct lx *l, struct strace_event *ev)
{
	size_t pos = l->i, len = ident_len(l);
	if (!len || peek(l, len) != '(')
		return lx_fail(l, pos, "expected a system call: name(arguments)");
	ev->call.name = mem_strndup(l->mem, l->s + pos, len);
	if (!ev->call.name)
		return lx_nomem(l);
	l->i += len;
	const struct call_desc *d = call_lookup(ev->call.name);
	if (!d) {			/* not modelled: find its end, keep name and return */
		int rc = skip_group(l);
		return rc ? rc : parse_ret(l, ev);
	}
	size_t open = l->i++;
	struct val args[SYS_MAX_ARGS + 2];
	int nargs = 0, rc;
	skip_spaces(l);
	if (peek(l, 0) != ')') {
		for (;;) {
			if (nargs == SYS_MAX_ARGS + 2)
				return lx_fail(l, l->i, "%s: too many arguments", d->name);
			rc = parse_value(l, &args[nargs++], 0);
			if (rc)
				return rc;
			skip_spaces(l);
			if (peek(l, 0) == ',') {
				l->i++;
				skip_spaces(l);
			} else if (peek(l, 0) == ')') {
				break;
			} else {
				return lx_fail(l, l->i, at_end(l) ? "%s: the line ends before ')'"
					       : "%s: expected ',' or ')'", d->name);
			}
		}
	}
	l->i++;
	if (nargs < d->min || nargs > d->max) {
		if (d->min == d->max)
			return lx_fail(l, open, "%s takes %d argument%s, not %d", d->name, d->min,
				       d->min == 1 ? "" : "s", nargs);
		return lx_fail(l, open, "%s takes %d to %d arguments, not %d", d->name, d->min,
			       d->max, nargs);
	}
	ev->decoded = true;
	rc = d->decode ? d->decode(l, args, nargs, ev) : decode_positional(l, d, args, nargs, ev);
	if (rc)
		return rc;
	return parse_ret(l, ev);
}

/* "--- SIGCHLD {...} ---" */
static int parse_signal(struct lx *l, struct strace_event *ev)
{
	l->i += 4;
	size_t il = ident_len(l);
	int sig = il ? strace_signal_from_name(l->s + l->i, il) : 0;
	if (!sig) {			/* "--- stopped by SIGSTOP ---" and the like */
		ev->kind = STRACE_NOTE;
		return 0;
	}
	ev->kind = STRACE_SIGNAL;
	ev->signo = sig;
	return 0;
}

/* "+++ exited with 0 +++", "+++ killed by SIGSEGV (core dumped) +++", other "+++" notes. */
static int parse_exit(struct lx *l, struct strace_event *ev)
{
	l->i += 4;
	if (starts(l, "exited with ")) {
		l->i += 12;
		uint64_t st;
		size_t pos = l->i;
		if (!is_digit(peek(l, 0)) || parse_number(l, &st) || st > 255)
			return lx_fail(l, pos, "expected an exit status 0-255");
		ev->kind = STRACE_EXITED;
		ev->exit_status = (int)st;
		return 0;
	}
	if (starts(l, "killed by ")) {
		l->i += 10;
		size_t il = ident_len(l);
		int sig = il ? strace_signal_from_name(l->s + l->i, il) : 0;
		if (!sig)
			return lx_fail(l, l->i, "expected a signal name (SIGSEGV)");
		ev->kind = STRACE_KILLED;
		ev->signo = sig;
		return 0;
	}
	ev->kind = STRACE_NOTE;		/* "+++ superseded by execve in pid N +++" */
	return 0;
}

/* The body after the prefix: every kind of line. */
static int parse_body(struct lx *l, struct strace_event *ev)
{
	if (starts(l, "--- "))
		return parse_signal(l, ev);
	if (starts(l, "+++ "))
		return parse_exit(l, ev);
	if (starts(l, "strace: ") || starts(l, "[ ") || starts(l, "????")) {
		ev->kind = STRACE_NOTE;
		return 0;
	}
	if (starts(l, "<... ")) {
		l->i += 5;
		size_t pos = l->i, len = ident_len(l);
		ev->call.name = mem_strndup(l->mem, l->s + pos, len);
		l->i += len;
		skip_spaces(l);
		if (!ev->call.name)
			return lx_nomem(l);
		if (!starts(l, "resumed>"))
			return lx_fail(l, l->i, "expected \"resumed>\" after \"<... %s\"",
				       ev->call.name);
		l->i += 8;
		ev->kind = STRACE_RESUMED;
		ev->part = mem_strndup(l->mem, l->s + l->i, l->n - l->i);
		return ev->part ? 0 : lx_nomem(l);
	}
	/* "name(args <unfinished ...>" */
	static const char unf[] = "<unfinished ...>";
	size_t end = l->n;
	while (end > l->i && (l->s[end - 1] == ' ' || l->s[end - 1] == '\t'))
		end--;
	if (end - l->i >= sizeof(unf) - 1 &&
	    memcmp(l->s + end - (sizeof(unf) - 1), unf, sizeof(unf) - 1) == 0) {
		size_t pos = l->i, len = ident_len(l);
		if (!len || peek(l, len) != '(')
			return lx_fail(l, pos, "expected a system call: name(arguments)");
		size_t cut = end - (sizeof(unf) - 1);
		if (cut > pos && l->s[cut - 1] == ' ')
			cut--;		/* strace writes one space before "<unfinished" */
		ev->kind = STRACE_UNFINISHED;
		ev->call.name = mem_strndup(l->mem, l->s + pos, len);
		ev->part = mem_strndup(l->mem, l->s + pos, cut - pos);
		return ev->call.name && ev->part ? 0 : lx_nomem(l);
	}
	ev->kind = STRACE_CALL;
	return parse_call(l, ev);
}

/* Parse text into ev; merged text maps columns to two lines (see struct lx). */
static int parse_text(const char *text, size_t len, const struct strace_parse_opts *o,
		      struct strace_event *ev, struct mmsim_error *err, bool prefix,
		      const struct lx *map)
{
	struct lx l = { .s = text, .n = len, .o = o, .err = err, .mem = &ev->mem,
			.split = (size_t)-1, .line1 = o ? o->line : 0 };
	if (map) {
		l.split = map->split;
		l.line1 = map->line1;
		l.line2 = map->line2;
		l.col1 = map->col1;
		l.col2 = map->col2;
	}
	memset(ev, 0, sizeof(*ev));
	ev->pid = -1;
	ev->envp_count = -1;
	ev->line = ev->line_end = o ? o->line : 0;
	for (size_t k = 0; k < len; k++)
		if (text[k] == '\0' || text[k] == '\n')
			return lx_fail(&l, k, "unexpected %s in the line",
				       text[k] ? "line break" : "NUL byte");
	ev->text = mem_strndup(&ev->mem, text, len);
	if (!ev->text) {
		lx_nomem(&l);
		goto out_release;
	}
	int rc = prefix ? parse_prefix(&l, ev) : 0;
	if (!rc && at_end(&l))
		rc = lx_fail(&l, l.i, "expected a system call after the pid and timestamp");
	if (!rc)
		rc = parse_body(&l, ev);
	if (rc) {
		strace_event_release(ev);
		return rc;
	}
	ev->truncated = l.truncated;
	return 0;
out_release:
	strace_event_release(ev);
	return -ENOMEM;
}

int strace_parse_line(const char *text, size_t len, const struct strace_parse_opts *o,
		      struct strace_event *ev, struct mmsim_error *err)
{
	return parse_text(text, len, o, ev, err, true, NULL);
}

int strace_event_validate(const struct strace_event *ev, struct mmsim_error *err)
{
	bool is_call = ev->kind == STRACE_CALL || ev->kind == STRACE_UNFINISHED ||
		       ev->kind == STRACE_RESUMED;
	if (is_call && !ev->call.name)
		return err_set(err, -EUCLEAN, NULL, ev->line, 0, "a call event without a name");
	if (ev->decoded && (ev->call.nargs < 0 || ev->call.nargs > SYS_MAX_ARGS))
		return err_set(err, -EUCLEAN, NULL, ev->line, 0, "nargs %d out of range",
			       ev->call.nargs);
	if (ev->ret_kind != STRACE_RET_NONE && ev->kind != STRACE_CALL &&
	    ev->kind != STRACE_RESUMED)
		return err_set(err, -EUCLEAN, NULL, ev->line, 0, "a return value on a %d event",
			       (int)ev->kind);
	if (ev->line > ev->line_end)
		return err_set(err, -EUCLEAN, NULL, ev->line, 0, "line %d after line_end %d",
			       ev->line, ev->line_end);
	if (!ev->mem && (ev->text || ev->call.name || ev->part))
		return err_set(err, -EUCLEAN, NULL, ev->line, 0, "strings without their memory");
	return 0;
}

/* ---- the reader ------------------------------------------------------------------------------ */

struct pending {
	int pid;
	char *name, *part, *text;	/* malloc'd */
	int line, col;			/* where part starts (column 0-based in text) */
	bool inferred;			/* yielded already with the child's pid as value */
	int64_t inferred_ret;
};

#define READER_QUEUE 8

struct strace_reader {
	char *name;
	char *buf;
	size_t len, pos;
	int lineno;
	struct pending *pend;
	size_t npend, cappend;
	struct seen_pid { int pid; bool live, announced; } *seen;
	size_t nseen, capseen;
	/*
	 * strace writing to stderr leaves the pid out while one process is traced: those lines
	 * (pid -1) stand for anon_pid once a "[pid N]" line has named it (0 until then).
	 */
	bool anon_used;
	int anon_pid;
	struct strace_event q[READER_QUEUE];
	int qhead, qn;
};

int strace_reader_anon_pid(const struct strace_reader *r)
{
	return r->anon_pid;
}

static int reader_new(const char *name, char *buf, size_t len, struct strace_reader **out,
		      struct mmsim_error *err)
{
	struct strace_reader *r = calloc(1, sizeof(*r));
	if (!r)
		goto out_nomem;
	r->name = strdup(name ? name : "");
	if (!r->name)
		goto out_free_reader;
	r->buf = buf;
	r->len = len;
	*out = r;
	return 0;
out_free_reader:
	free(r);
out_nomem:
	free(buf);
	return err_set(err, -ENOMEM, name, 0, 0, "out of memory opening the log");
}

int strace_reader_from_string(const char *name, const char *text, size_t len,
			      struct strace_reader **out, struct mmsim_error *err)
{
	char *buf = malloc(len + 1);
	if (!buf)
		return err_set(err, -ENOMEM, name, 0, 0, "out of memory opening the log");
	memcpy(buf, text, len);
	buf[len] = '\0';
	return reader_new(name, buf, len, out, err);
}

int strace_reader_open(const char *path, struct strace_reader **out, struct mmsim_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set(err, -errno, path, 0, 0, "cannot open the log: %s",
			       strerror(errno));
	size_t len = 0, cap = 65536, n;
	char *buf = malloc(cap + 1);
	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			char *bigger = realloc(buf, cap * 2 + 1);
			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	int ioerr = ferror(f);
	fclose(f);
	if (!buf)
		return err_set(err, -ENOMEM, path, 0, 0, "out of memory reading the log");
	if (ioerr) {
		free(buf);
		return err_set(err, -EIO, path, 0, 0, "cannot read the log");
	}
	buf[len] = '\0';
	return reader_new(path, buf, len, out, err);
}

static void pending_free(struct pending *p)
{
	free(p->name);
	free(p->part);
	free(p->text);
}

void strace_reader_free(struct strace_reader *r)
{
	if (!r)
		return;
	for (size_t k = 0; k < r->npend; k++)
		pending_free(&r->pend[k]);
	for (int k = 0; k < r->qn; k++)
		strace_event_release(&r->q[(r->qhead + k) % READER_QUEUE]);
	free(r->pend);
	free(r->seen);
	free(r->buf);
	free(r->name);
	free(r);
}

static void queue_push(struct strace_reader *r, struct strace_event *ev)
{
	r->q[(r->qhead + r->qn) % READER_QUEUE] = *ev;
	r->qn++;
	memset(ev, 0, sizeof(*ev));
}

static bool queue_pop(struct strace_reader *r, struct strace_event *ev)
{
	if (!r->qn)
		return false;
	*ev = r->q[r->qhead];
	r->qhead = (r->qhead + 1) % READER_QUEUE;
	r->qn--;
	return true;
}

static struct seen_pid *seen_find(struct strace_reader *r, int pid)
{
	for (size_t k = 0; k < r->nseen; k++)
		if (r->seen[k].pid == pid)
			return &r->seen[k];
	return NULL;
}

/* Remember pid: 1 if it was new, 0 if known, -ENOMEM. */
static int see_pid(struct strace_reader *r, int pid, bool announced)
{
	struct seen_pid *sp = seen_find(r, pid);
	if (sp) {
		sp->announced |= announced;
		return 0;
	}
	if (r->nseen == r->capseen) {
		size_t cap = r->capseen ? r->capseen * 2 : 16;
		struct seen_pid *v = realloc(r->seen, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		r->seen = v;
		r->capseen = cap;
	}
	r->seen[r->nseen++] = (struct seen_pid){ pid, true, announced };
	return 1;
}

static bool is_fork_name(const char *name)
{
	return strcmp(name, "fork") == 0 || strcmp(name, "vfork") == 0 ||
	       strcmp(name, "clone") == 0 || strcmp(name, "clone3") == 0;
}

/*
 * Parse pending p's text followed by rest (from line `line`, its text starting at column
 * col2) as one call; ev gets both lines' text.
 */
static int merge_parse(struct strace_reader *r, const struct pending *p, const char *rest,
		       int line, int col2, const char *line_text, struct strace_event *ev,
		       struct mmsim_error *err)
{
	size_t a = strlen(p->part), b = strlen(rest);
	char *t = malloc(a + b + 1);
	if (!t)
		return err_set(err, -ENOMEM, r->name, line, 0, "out of memory");
	memcpy(t, p->part, a);
	memcpy(t + a, rest, b + 1);
	struct strace_parse_opts o = { .file = r->name, .line = p->line };
	struct lx map = { .split = a, .line1 = p->line, .line2 = line, .col1 = p->col,
			  .col2 = col2 };
	int rc = parse_text(t, a + b, &o, ev, err, false, &map);
	free(t);
	if (rc)
		return rc;
	ev->pid = p->pid;
	ev->line = p->line;
	ev->line_end = line;
	size_t tl = strlen(p->text), ll = strlen(line_text);
	char *both = mem_alloc(&ev->mem, tl + ll + 2);
	if (!both) {
		strace_event_release(ev);
		return err_set(err, -ENOMEM, r->name, line, 0, "out of memory");
	}
	memcpy(both, p->text, tl);
	both[tl] = '\n';
	memcpy(both + tl + 1, line_text, ll + 1);
	ev->text = both;
	return 0;
}

static void pending_remove(struct strace_reader *r, size_t k)
{
	pending_free(&r->pend[k]);
	r->pend[k] = r->pend[--r->npend];
}

/* A call cut off by its process's end: yield the name (and what parses) without a return. */
static int flush_pending(struct strace_reader *r, size_t k, struct mmsim_error *err)
{
	struct pending *p = &r->pend[k];
	struct strace_event ev;
	if (p->inferred) {
		pending_remove(r, k);
		return 0;
	}
	int rc = merge_parse(r, p, ")", p->line, 0, "", &ev, NULL);
	if (rc == -ENOMEM)
		return err_set(err, rc, r->name, p->line, 0, "out of memory");
	if (rc) {			/* arguments cut short: keep the name only */
		struct strace_parse_opts o = { .file = r->name, .line = p->line };
		char text[80];
		snprintf(text, sizeof(text), "%.60s()", p->name);
		rc = parse_text(text, strlen(text), &o, &ev, NULL, false, NULL);
		if (rc)
			return err_set(err, rc, r->name, p->line, 0, "out of memory");
		ev.decoded = false;
		ev.pid = p->pid;
	}
	ev.text = mem_strndup(&ev.mem, p->text, strlen(p->text));
	ev.ret_kind = STRACE_RET_NONE;
	pending_remove(r, k);
	if (!ev.text) {
		strace_event_release(&ev);
		return err_set(err, -ENOMEM, r->name, 0, 0, "out of memory");
	}
	queue_push(r, &ev);
	return 0;
}

static int add_pending(struct strace_reader *r, const struct strace_event *ev,
		       struct mmsim_error *err)
{
	if (r->npend == r->cappend) {
		size_t cap = r->cappend ? r->cappend * 2 : 8;
		struct pending *p = realloc(r->pend, cap * sizeof(*p));
		if (!p)
			return err_set(err, -ENOMEM, r->name, ev->line, 0, "out of memory");
		r->pend = p;
		r->cappend = cap;
	}
	struct pending *p = &r->pend[r->npend];
	memset(p, 0, sizeof(*p));
	p->pid = ev->pid;
	p->line = ev->line;
	const char *at = strstr(ev->text, ev->part);
	p->col = at ? (int)(at - ev->text) : 0;
	p->name = strdup(ev->call.name);
	p->part = strdup(ev->part);
	p->text = strdup(ev->text);
	if (!p->name || !p->part || !p->text) {
		pending_free(p);
		return err_set(err, -ENOMEM, r->name, ev->line, 0, "out of memory");
	}
	r->npend++;
	return 0;
}

/* A new pid printed while a fork-like call is unfinished: that call returned this pid. */
static int infer_fork(struct strace_reader *r, int child, struct mmsim_error *err)
{
	size_t best = r->npend;
	for (size_t k = 0; k < r->npend; k++)
		if (!r->pend[k].inferred && r->pend[k].pid != child &&
		    is_fork_name(r->pend[k].name) &&
		    (best == r->npend || r->pend[k].line < r->pend[best].line))
			best = k;
	if (best == r->npend)
		return 0;
	struct pending *p = &r->pend[best];
	char rest[32];
	struct strace_event ev;
	snprintf(rest, sizeof(rest), ") = %d", child);
	int rc = merge_parse(r, p, rest, p->line, 0, "", &ev, err);
	if (rc)
		return rc;
	ev.ret_inferred = true;
	ev.line_end = p->line;
	ev.text = mem_strndup(&ev.mem, p->text, strlen(p->text));
	if (!ev.text) {
		strace_event_release(&ev);
		return err_set(err, -ENOMEM, r->name, p->line, 0, "out of memory");
	}
	p->inferred = true;
	p->inferred_ret = child;
	queue_push(r, &ev);
	return 0;
}

static size_t find_pending(struct strace_reader *r, int pid, const char *name)
{
	for (size_t k = 0; k < r->npend; k++)
		if (r->pend[k].pid == pid && (!name[0] || strcmp(r->pend[k].name, name) == 0))
			return k;
	/* execve by a non-leader thread resumes under the leader's pid */
	if (strcmp(name, "execve") == 0 || strcmp(name, "execveat") == 0)
		for (size_t k = 0; k < r->npend; k++)
			if (strcmp(r->pend[k].name, name) == 0)
				return k;
	return r->npend;
}

/* Handle one parsed line; complete events go to the queue (see reader_line). */
static int reader_line_events(struct strace_reader *r, struct strace_event *ev,
			      const char *line_text, struct mmsim_error *err)
{
	int rc;
	if (ev->pid <= 0 && ev->kind != STRACE_NOTE) {
		r->anon_used = true;
		if (r->anon_pid > 0)
			ev->pid = r->anon_pid;
	} else if (ev->pid > 0 && ev->kind != STRACE_NOTE) {
		rc = see_pid(r, ev->pid, false);
		if (rc < 0)
			return err_set(err, rc, r->name, ev->line, 0, "out of memory");
		if (rc == 1 && r->anon_used && !r->anon_pid) {
			/* the process printed without a pid so far is this one */
			r->anon_pid = ev->pid;
			for (size_t k = 0; k < r->npend; k++)
				if (r->pend[k].pid <= 0)
					r->pend[k].pid = ev->pid;
		} else if (rc == 1 && r->nseen > 1) {
			rc = infer_fork(r, ev->pid, err);
			if (rc)
				return rc;
		}
	}
	switch (ev->kind) {
	case STRACE_UNFINISHED:
		for (size_t k = 0; k < r->npend; k++)
			if (r->pend[k].pid == ev->pid && !r->pend[k].inferred) {
				rc = flush_pending(r, k, err);
				if (rc)
					return rc;
				break;
			}
		rc = add_pending(r, ev, err);
		strace_event_release(ev);
		return rc;
	case STRACE_RESUMED: {
		size_t k = find_pending(r, ev->pid, ev->call.name);
		if (k == r->npend) {
			rc = err_set(err, -EINVAL, r->name, ev->line, 1, "\"<... %s resumed>\" "
				     "without an earlier \"%s(... <unfinished ...>\" of pid %d",
				     ev->call.name, ev->call.name[0] ? ev->call.name : "call",
				     ev->pid);
			strace_event_release(ev);
			return rc;
		}
		struct strace_event merged;
		int col2 = (int)(strlen(ev->text) - strlen(ev->part));
		rc = merge_parse(r, &r->pend[k], ev->part, ev->line, col2, line_text, &merged,
				 err);
		if (!rc && r->pend[k].inferred) {
			bool same = merged.ret_kind == STRACE_RET_VALUE &&
				    merged.ret == r->pend[k].inferred_ret;
			int64_t got = merged.ret;
			strace_event_release(&merged);
			if (!same)
				rc = err_set(err, -EINVAL, r->name, ev->line, 0, "%s returned %lld, but "
					     "pid %lld printed first as if it were its child",
					     r->pend[k].name, (long long)got,
					     (long long)r->pend[k].inferred_ret);
		} else if (!rc) {
			merged.pid = ev->pid > 0 ? ev->pid : r->pend[k].pid;
			queue_push(r, &merged);
		}
		pending_remove(r, k);
		strace_event_release(ev);
		return rc;
	}
	case STRACE_EXITED:
	case STRACE_KILLED: {
		struct seen_pid *sp = seen_find(r, ev->pid);
		size_t live = 0, last = 0;
		if (sp)
			sp->live = false;
		for (size_t k = 0; k < r->nseen; k++)
			if (r->seen[k].live) {
				live++;
				last = k;
			}
		if (r->anon_used && live == 1)
			r->anon_pid = r->seen[last].pid;
		for (size_t k = 0; k < r->npend;) {
			if (r->pend[k].pid == ev->pid) {
				rc = flush_pending(r, k, err);
				if (rc) {
					strace_event_release(ev);
					return rc;
				}
			} else {
				k++;
			}
		}
		queue_push(r, ev);
		return 0;
	}
	default:
		queue_push(r, ev);
		return 0;
	}
}

/*
 * Handle one parsed line: ev is consumed (queued or released) whatever happens. At most
 * three events are queued per line (an inferred fork, a flushed call, the line's own), and
 * the queue is drained before the next line is read.
 */
static int reader_line(struct strace_reader *r, struct strace_event *ev, const char *line_text,
		       struct mmsim_error *err)
{
	int rc = reader_line_events(r, ev, line_text, err);
	strace_event_release(ev);	/* zeroed when it was queued */
	return rc;
}

/* "strace: Process N attached": N is a child whose creating call may still be unfinished. */
static int reader_attached(struct strace_reader *r, const char *s, size_t n,
			   struct mmsim_error *err)
{
	static const char pre[] = "strace: Process ";
	long pid = 0;
	size_t k = sizeof(pre) - 1;
	if (n < k || memcmp(s, pre, k) != 0)
		return 0;
	for (; k < n && is_digit(s[k]) && pid < 0x40000000; k++)
		pid = pid * 10 + (s[k] - '0');
	if (pid <= 0 || n - k < 9 || memcmp(s + k, " attached", 9) != 0)
		return 0;
	int rc = see_pid(r, (int)pid, true);
	if (rc < 0)
		return err_set(err, rc, r->name, r->lineno, 0, "out of memory");
	return rc == 1 && (r->nseen > 1 || r->anon_used) ? infer_fork(r, (int)pid, err) : 0;
}

/* Where "strace: Process N attached" interrupts a line of strace on stderr, or NULL. */
static const char *find_embedded_attach(const char *s, size_t n)
{
	static const char pre[] = "strace: Process ";
	for (size_t k = 1; k + sizeof(pre) - 1 <= n; k++)
		if (s[k] == 's' && memcmp(s + k, pre, sizeof(pre) - 1) == 0 &&
		    n >= 8 && memcmp(s + n - 8, "attached", 8) == 0)
			return s + k;
	return NULL;
}

int strace_reader_next(struct strace_reader *r, struct strace_event *ev,
		       struct mmsim_error *err)
{
	memset(ev, 0, sizeof(*ev));
	while (!queue_pop(r, ev)) {
		if (r->pos >= r->len) {
			if (!r->npend)
				return 0;
			int rc = flush_pending(r, 0, err);
			if (rc)
				return rc;
			continue;
		}
		const char *s = r->buf + r->pos;
		const char *nl = memchr(s, '\n', r->len - r->pos);
		size_t n = nl ? (size_t)(nl - s) : r->len - r->pos;
		r->pos += n + (nl ? 1 : 0);
		r->lineno++;
		if (n && s[n - 1] == '\r')
			n--;
		size_t k = 0;
		int rc;
		while (k < n && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (k == n)
			continue;
		int lineno = r->lineno;
		char *copy = NULL;
		const char *att = find_embedded_attach(s, n);
		char *attached = NULL;
		if (att) {
			/* "vfork(strace: Process 12 attached\n <unfinished ...>": read the line as
			   if strace had not been interrupted, then note the child */
			attached = strndup(att, n - (size_t)(att - s));
			if (!attached)
				return err_set(err, -ENOMEM, r->name, lineno, 0, "out of memory");
			const char *s2 = r->buf + r->pos;
			const char *nl2 = memchr(s2, '\n', r->len - r->pos);
			size_t n2 = nl2 ? (size_t)(nl2 - s2) : r->len - r->pos;
			r->pos += n2 + (nl2 ? 1 : 0);
			r->lineno++;
			size_t a = (size_t)(att - s);
			copy = malloc(a + n2 + 1);
			if (!copy) {
				free(attached);
				return err_set(err, -ENOMEM, r->name, lineno, 0, "out of memory");
			}
			memcpy(copy, s, a);
			memcpy(copy + a, s2, n2);
			n = a + n2;
			copy[n] = '\0';
			if (n && copy[n - 1] == '\r')
				copy[--n] = '\0';
		} else {
			rc = reader_attached(r, s + k, n - k, err);
			if (rc)
				return rc;
			copy = strndup(s, n);
			if (!copy)
				return err_set(err, -ENOMEM, r->name, lineno, 0, "out of memory");
		}
		struct strace_parse_opts o = { .file = r->name, .line = lineno };
		struct strace_event line;
		rc = strace_parse_line(copy, n, &o, &line, err);
		if (rc) {
			free(attached);
			free(copy);
			return rc;
		}
		rc = reader_line(r, &line, copy, err);
		free(copy);
		if (!rc && attached)
			rc = reader_attached(r, attached, strlen(attached), err);
		free(attached);
		if (rc)
			return rc;
	}
	return 1;
}

/* ---- formatting (the recorder, reports) ------------------------------------------------- */

static void fmt_bits(struct strbuf *sb, uint64_t v, unsigned int cls, bool zero_name)
{
	bool any = false;
	if (v == 0) {
		for (const struct sym *s = syms; s->name && zero_name; s++)
			if ((s->cls & cls) && s->val == 0) {
				sb_puts(sb, s->name);
				return;
			}
		sb_puts(sb, "0");
		return;
	}
	for (const struct sym *s = syms; s->name; s++) {
		if (!(s->cls & cls) || s->val == 0 || (v & s->val) != s->val)
			continue;
		if (s->val & (s->val - 1))	/* multi-bit values (MAP_SHARED_VALIDATE) below */
			continue;
		sb_printf(sb, "%s%s", any ? "|" : "", s->name);
		v &= ~s->val;
		any = true;
	}
	if (v)
		sb_printf(sb, "%s%#llx", any ? "|" : "", (unsigned long long)v);
}

void strace_format_flags(struct strbuf *sb, enum strace_flag_class cls, uint64_t value)
{
	switch (cls) {
	case STRACE_FL_PROT:
		fmt_bits(sb, value, C_PROT, true);
		return;
	case STRACE_FL_MAP: {
		uint64_t huge = (value >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
		uint64_t type = value & MAP_TYPE;
		uint64_t rest = value & ~(uint64_t)MAP_TYPE &
				~((uint64_t)MAP_HUGE_MASK << MAP_HUGE_SHIFT);
		bool any = true;
		if (type == MAP_SHARED)
			sb_puts(sb, "MAP_SHARED");
		else if (type == MAP_PRIVATE)
			sb_puts(sb, "MAP_PRIVATE");
		else if (type == MAP_SHARED_VALIDATE)
			sb_puts(sb, "MAP_SHARED_VALIDATE");
		else if (type)
			sb_printf(sb, "%#llx", (unsigned long long)type);
		else
			any = false;
		if (rest) {
			if (any)
				sb_puts(sb, "|");
			fmt_bits(sb, rest, C_MAP, false);
			any = true;
		}
		if (huge) {
			sb_printf(sb, "%s%llu<<MAP_HUGE_SHIFT", any ? "|" : "",
				  (unsigned long long)huge);
			any = true;
		}
		if (!any)
			sb_puts(sb, "0");
		return;
	}
	case STRACE_FL_MREMAP:
		fmt_bits(sb, value, C_MREMAP, false);
		return;
	case STRACE_FL_MADV:
		for (const struct sym *s = syms; s->name; s++)
			if ((s->cls & C_MADV) && s->val == value) {
				sb_puts(sb, s->name);
				return;
			}
		sb_printf(sb, "%#llx", (unsigned long long)value);
		return;
	case STRACE_FL_MCL:
		fmt_bits(sb, value, C_MCL, false);
		return;
	case STRACE_FL_MS:
		fmt_bits(sb, value, C_MS, false);
		return;
	case STRACE_FL_MLOCK:
		fmt_bits(sb, value, C_MLOCK, false);
		return;
	case STRACE_FL_CLONE: {
		uint64_t sig = value & 0xff;
		const char *sn = sig ? strace_signal_name((int)sig) : NULL;
		fmt_bits(sb, value & ~0xffull, C_CLONE, false);
		if (sig) {
			if (sn)
				sb_printf(sb, "|%s", sn);
			else
				sb_printf(sb, "|%llu", (unsigned long long)sig);
		}
		return;
	}
	case STRACE_FL_RLIMIT:
		for (const struct sym *s = syms; s->name; s++)
			if ((s->cls & C_RLIMIT) && s->val == value) {
				sb_puts(sb, s->name);
				return;
			}
		sb_printf(sb, "%llu", (unsigned long long)value);
		return;
	case STRACE_FL_OPEN: {
		uint64_t acc = value & 3;
		sb_puts(sb, acc == 0 ? "O_RDONLY" : acc == 1 ? "O_WRONLY" : acc == 2 ? "O_RDWR"
			: "0x3");
		if (value & ~3ull) {
			sb_puts(sb, "|");
			fmt_bits(sb, value & ~3ull, C_O, false);
		}
		return;
	}
	}
}

void strace_format_string(struct strbuf *sb, const char *s, size_t len)
{
	char *buf = malloc(len * 4 + 3);
	size_t n = 0;
	if (!buf) {
		sb->err = -ENOMEM;
		return;
	}
	buf[n++] = '"';
	for (size_t k = 0; k < len; k++) {
		unsigned char c = (unsigned char)s[k];
		switch (c) {
		case '\n': buf[n++] = '\\'; buf[n++] = 'n'; break;
		case '\t': buf[n++] = '\\'; buf[n++] = 't'; break;
		case '\r': buf[n++] = '\\'; buf[n++] = 'r'; break;
		case '\v': buf[n++] = '\\'; buf[n++] = 'v'; break;
		case '\f': buf[n++] = '\\'; buf[n++] = 'f'; break;
		case '"': buf[n++] = '\\'; buf[n++] = '"'; break;
		case '\\': buf[n++] = '\\'; buf[n++] = '\\'; break;
		default:
			if (c < 0x20 || c >= 0x7f) {
				/* three octal digits, so a following digit is not taken in */
				buf[n++] = '\\';
				buf[n++] = (char)('0' + (c >> 6));
				buf[n++] = (char)('0' + ((c >> 3) & 7));
				buf[n++] = (char)('0' + (c & 7));
			} else {
				buf[n++] = (char)c;
			}
		}
	}
	buf[n++] = '"';
	buf[n] = '\0';
	sb_puts(sb, buf);
	free(buf);
}

/* Calls whose value strace prints in hex (their return is an address). */
static bool ret_is_address(const char *name)
{
	static const char *const addr[] = { "mmap", "mmap2", "brk", "mremap", "shmat", NULL };
	for (int k = 0; addr[k]; k++)
		if (strcmp(name, addr[k]) == 0)
			return true;
	return false;
}

void strace_format_ret(struct strbuf *sb, const char *name, int64_t ret)
{
	if (ret < 0 && ret >= -4095) {
		const char *en = strace_errno_name((int)-ret);
		if (en)
			sb_printf(sb, " = -1 %s (%s)", en, strerror((int)-ret));
		else
			sb_printf(sb, " = -1 (errno %lld)", (long long)-ret);
		return;
	}
	if (ret_is_address(name))
		sb_printf(sb, " = %#llx", (unsigned long long)ret);
	else
		sb_printf(sb, " = %lld", (long long)ret);
}

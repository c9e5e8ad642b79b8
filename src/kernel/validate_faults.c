/*
 * `mmsim validate --faults` (see validate_faults.h; docs/validate-faults.md).
 *
 * Linux sources the counting follows: mm/memory.c mm_account_fault (min_flt/maj_flt of the
 * task that takes the fault), fs/proc/array.c do_task_stat (/proc/PID/stat fields 10 min_flt,
 * 12 maj_flt, 28 startstack: the thread group's sum, dead threads included), fs/proc/task_mmu.c
 * task_mem (the Rss* and VmHWM lines), kernel/exit.c (PTRACE_EVENT_EXIT comes before exit_mm,
 * so the mm is whole when it is reported), fs/binfmt_elf.c (mm->start_stack = bprm->p after
 * create_elf_tables: the initial stack pointer).
 *
 * valgrind's forms (valgrind 3.19, as read from its output on this machine):
 *   --trace-syscalls=yes, in the log:
 *     SYSCALL[PID,TID](NR) sys_mmap ( 0x0, 8192, 3, 34, 4294967295, 0 ) --> [pre-success] Success(0x4835000)
 *     SYSCALL[PID,TID](NR) sys_mprotect ( 0x4a16000, 16384, 1 )[sync] --> Success(0x0)
 *     SYSCALL[PID,TID](NR) sys_openat ( 4294967196, 0x4034bb0(/usr/...), 524288 ) --> [async] ...
 *     SYSCALL[PID,TID](NR) ... [async] --> Success(0x4)
 *     SYSCALL[PID,TID](56) sys_clone ( 1200011, ... )   clone(fork): process 568 created child 599
 *      --> [pre-success] Success(0x257)
 *   -d -d, on stderr: "Client info: initial_SP=0x1FFF000620", "cls_end=0x1fff000fff,
 *   cls_sz=8388608", and the table "Memory layout at client startup" whose lower-case
 *   "file"/"anon" segments are the client's ("file 0000108000-000010bfff 16384 r---- d=0xfe00
 *   i=247728 o=0 (1,49)"), upper-case ones valgrind's own; an "anon" segment followed by a
 *   "RSVN ... SmLower" reservation is the client's brk segment.
 */
#include "kernel/validate_faults.h"
#include "kernel/validate_faults_host.h"
#include <inttypes.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fs/fs.h"
#include "input/strace.h"
#include "input/trace.h"
#include "kernel/access.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "kernel/syscall.h"
#include "hw/mmu.h"
#include "mm/mm.h"
#include "mm/mm_types.h"
#include "mm/mmap.h"
#include "mm/pagemap.h"
#include "report/proc.h"
#include "util/strbuf.h"
#include "mm/vma.h"
#include "util/error.h"

#define VF_BATCH	4096
#define VF_LOOKAHEAD	64		/* native calls searched for a partner */
#define VF_BRK_DEFAULT	(8ull << 20)	/* valgrind's brk segment, when the table does not say */
#define VF_MAX_FD	4096
#define CLONE_VM_FLAG	0x100ull	/* include/uapi/linux/sched.h */
#define CLONE_THREAD_FLAG 0x10000ull

const char *vf_skip_name(enum vf_skip s)
{
	static const char *const names[VF_SKIP_NR] = {
		"in valgrind's own mappings (vgpreload_core)",
		"in mappings whose system call had no native partner",
		"outside every mapping the translation knows",
		"in the stack above the native stack's end (valgrind's argument area is larger)",
		"after the program exec'd another program",
	};
	return (unsigned)s < VF_SKIP_NR ? names[s] : "?";
}

/* ---- the translation map: valgrind's addresses to the native layout ------------------- */

enum vr_kind { VR_PROGRAM, VR_STACK, VR_VALGRIND, VR_UNPAIRED };

/*
 * Invariant (map_validate): v[0..n) sorted by start, start < end, no two overlap;
 * nlo <= nhi.
 */
struct vf_region {
	uint64_t start, end;
	int64_t delta;			/* native = vg + delta */
	enum vr_kind kind;
	uint64_t nlo, nhi;		/* when nhi != 0: native addresses outside [nlo, nhi)
					   are not the same mapping (not run) */
};
struct vf_map {
	struct vf_region *v;
	size_t n, cap, last;
};

static int map_validate(const struct vf_map *mp)
{
	for (size_t i = 0; i < mp->n; i++)
		if (mp->v[i].start >= mp->v[i].end || (i && mp->v[i - 1].end > mp->v[i].start) ||
		    mp->v[i].nlo > mp->v[i].nhi)
			return -EUCLEAN;
	return 0;
}

static int map_reserve(struct vf_map *mp, size_t extra)
{
	if (mp->n + extra <= mp->cap)
		return 0;
	size_t cap = mp->cap ? mp->cap * 2 : 64;
	while (cap < mp->n + extra)
		cap *= 2;
	struct vf_region *v = realloc(mp->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	mp->v = v;
	mp->cap = cap;
	return 0;
}

/* Remove [start, end) from every region (splitting one that holds it). 0 or -ENOMEM. */
static int map_remove(struct vf_map *mp, uint64_t start, uint64_t end)
{
	if (map_reserve(mp, 1))
		return -ENOMEM;
	for (size_t i = 0; i < mp->n; i++) {
		struct vf_region *r = &mp->v[i];
		if (r->end <= start || r->start >= end)
			continue;
		if (r->start < start && r->end > end) {		/* split in two */
			memmove(r + 2, r + 1, (mp->n - i - 1) * sizeof(*r));
			r[1] = *r;
			r[0].end = start;
			r[1].start = end;
			mp->n++;
			break;
		}
		if (r->start < start) {
			r->end = start;
		} else if (r->end > end) {
			r->start = end;
		} else {
			memmove(r, r + 1, (mp->n - i - 1) * sizeof(*r));
			mp->n--;
			i--;
		}
	}
	mp->last = 0;
	return 0;
}

/* Make [start, end) translate by delta (replacing what was there). 0 or -ENOMEM. */
static int map_set(struct vf_map *mp, uint64_t start, uint64_t end, int64_t delta,
		   enum vr_kind kind)
{
	size_t i = 0;

	if (start >= end)
		return 0;
	if (map_remove(mp, start, end) || map_reserve(mp, 1))
		return -ENOMEM;
	while (i < mp->n && mp->v[i].start < start)
		i++;
	memmove(mp->v + i + 1, mp->v + i, (mp->n - i) * sizeof(*mp->v));
	mp->v[i] = (struct vf_region){ start, end, delta, kind, 0, 0 };
	mp->n++;
	return 0;
}

static const struct vf_region *map_find(struct vf_map *mp, uint64_t a)
{
	size_t lo = 0, hi = mp->n;

	if (mp->last < mp->n && mp->v[mp->last].start <= a && a < mp->v[mp->last].end)
		return &mp->v[mp->last];
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (mp->v[mid].end <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < mp->n && mp->v[lo].start <= a) {
		mp->last = lo;
		return &mp->v[lo];
	}
	return NULL;
}

/* ---- valgrind's system call lines ----------------------------------------------------- */

static bool parse_num(const char **pp, uint64_t *v)
{
	const char *p = *pp;
	char *end;

	while (*p == ' ')
		p++;
	errno = 0;
	if (p[0] == '0' && p[1] == 'x')
		*v = strtoull(p + 2, &end, 16);
	else
		*v = strtoull(p, &end, 10);
	if (end == p || errno)
		return false;
	*pp = end;
	return true;
}

/* "Success(0x..)" / "Failure(0x..)" somewhere in [p, e) after "-->". */
static void parse_result(const char *p, const char *e, struct vf_vgcall *sc)
{
	const char *arrow = NULL;

	for (const char *q = p; q + 3 <= e; q++)
		if (q[0] == '-' && q[1] == '-' && q[2] == '>')
			arrow = q;
	if (!arrow)
		return;
	for (const char *q = arrow; q + 8 <= e; q++) {
		bool ok = !strncmp(q, "Success(", 8), bad = !strncmp(q, "Failure(", 8);
		if (!ok && !bad)
			continue;
		const char *n = q + 8;
		if (parse_num(&n, &sc->result)) {
			sc->has_result = true;
			sc->failed = bad;
		}
		return;
	}
}

int vf_parse_vgcall(const char *line, size_t len, struct vf_vgcall *sc)
{
	char buf[2048];
	const char *p, *e;

	memset(sc, 0, sizeof(*sc));
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	e = buf + len;
	p = buf;
	while (*p == ' ')
		p++;
	if (p[0] == '-' && p[1] == '-' && p[2] == '>') {
		parse_result(p, e, sc);
		return 2;
	}
	if (strncmp(p, "SYSCALL[", 8) != 0 ||
	    sscanf(p + 8, "%d,%d](%ld)", &sc->pid, &sc->tid, &sc->nr) != 3)
		return 0;
	p = strchr(p, ')') + 1;
	while (*p == ' ')
		p++;
	if (!strncmp(p, "... [async]", 11)) {
		sc->completion = true;
		parse_result(p, e, sc);
		return 1;
	}
	/* arch_prctl ( %ld, %lx ): its address is hex without "0x" (syswrap-amd64-linux.c) */
	bool hex_second = sc->nr == 158;
	const char *open = strstr(p, " ( ");
	const char *arrow = strstr(p, "-->");
	if (open && (!arrow || open < arrow)) {
		const char *q = open + 3;
		sc->has_args = true;
		while (sc->nargs < VF_MAX_ARGS && *q && *q != ')') {
			uint64_t v;
			char *end;
			if (hex_second && sc->nargs == 1) {
				v = strtoull(q, &end, 16);
				if (end == q)
					break;
				q = end;
			} else if (!parse_num(&q, &v)) {
				break;
			}
			sc->arg[sc->nargs++] = v;
			if (*q == '(') {	/* a string the pointer points to: "0x40(path)" */
				const char *c = strchr(q, ')');
				size_t n = c ? (size_t)(c - q - 1) : 0;
				if (c && n < sizeof(sc->path) && !sc->path[0]) {
					memcpy(sc->path, q + 1, n);
					sc->path[n] = '\0';
				}
				q = c ? c + 1 : q + 1;
			}
			while (*q == ' ')
				q++;
			if (*q == ',')
				q++;
		}
	}
	parse_result(p, e, sc);
	return 1;
}

/*
 * The user memory a system call's kernel side writes (copy_to_user, put_user), which lackey
 * does not see (it traces the program's instructions only) but which faults natively like
 * a store by the program (do_user_addr_fault counts kernel-mode faults on user addresses).
 * From the call's arguments and value as valgrind printed them: the buffer and its length,
 * or 0 when the call writes nothing (failed, NULL pointer). Sizes are x86-64's (struct stat
 * 144, statx 256, utsname 390, sysinfo 112, rusage 144, statfs 120, timespec 16, rlimit 16,
 * the kernel's sigaction 32, sigset 8, tms 32).
 */
static uint64_t kernel_write(const struct vf_vgcall *c, uint64_t *buf)
{
	const uint64_t *a = c->arg;
	uint64_t r = c->result;

	if (!c->has_result || c->failed || !c->has_args)
		return 0;
	switch (c->nr) {
	case 0: case 17: case 217: case 78:		/* read, pread64, getdents(64) */
		*buf = a[1];
		return c->nargs >= 2 ? r : 0;
	case 45:					/* recvfrom */
		*buf = a[1];
		return r;
	case 89:					/* readlink */
		*buf = a[1];
		return r;
	case 267:					/* readlinkat */
		*buf = a[2];
		return r;
	case 79: case 318:				/* getcwd, getrandom */
		*buf = a[0];
		return r;
	case 204:					/* sched_getaffinity */
		*buf = a[2];
		return r;
	case 4: case 5: case 6:				/* stat, fstat, lstat */
		*buf = a[1];
		return 144;
	case 262:					/* newfstatat */
		*buf = a[2];
		return 144;
	case 332:					/* statx */
		*buf = a[4];
		return c->nargs >= 5 ? 256 : 0;
	case 137: case 138:				/* statfs, fstatfs */
		*buf = a[1];
		return 120;
	case 63:					/* uname */
		*buf = a[0];
		return 390;
	case 99:					/* sysinfo */
		*buf = a[0];
		return 112;
	case 98:					/* getrusage */
		*buf = a[1];
		return 144;
	case 100:					/* times */
		*buf = a[0];
		return 32;
	case 228:					/* clock_gettime */
		*buf = a[1];
		return 16;
	case 96:					/* gettimeofday */
		*buf = a[0];
		return 16;
	case 201:					/* time */
		*buf = a[0];
		return 8;
	case 97:					/* getrlimit */
		*buf = a[1];
		return 16;
	case 302:					/* prlimit64's old limit */
		*buf = a[3];
		return c->nargs >= 4 ? 16 : 0;
	case 13:					/* rt_sigaction's old action */
		*buf = a[2];
		return 32;
	case 14:					/* rt_sigprocmask's old set */
		*buf = a[2];
		return 8;
	case 22: case 293:				/* pipe, pipe2 */
		*buf = a[0];
		return 8;
	case 7:						/* poll: the revents of nfds */
		*buf = a[0];
		return a[1] * 8;
	case 61:					/* wait4's status (its rusage: below) */
		*buf = a[1];
		return 4;
	default:
		return 0;
	}
}

/* ---- the native log -------------------------------------------------------------------- */

enum call_cls {
	C_NONE, C_MMAP, C_MUNMAP, C_MPROTECT, C_BRK, C_MREMAP, C_MADVISE, C_MLOCK, C_MLOCKALL,
	C_MSYNC, C_MINCORE, C_FORK, C_EXEC, C_EXIT_GROUP, C_EXIT,
};

static enum call_cls cls_of_name(const char *n)
{
	static const struct { const char *name; enum call_cls c; } t[] = {
		{ "mmap", C_MMAP }, { "munmap", C_MUNMAP }, { "mprotect", C_MPROTECT },
		{ "pkey_mprotect", C_MPROTECT }, { "brk", C_BRK }, { "mremap", C_MREMAP },
		{ "madvise", C_MADVISE }, { "mlock", C_MLOCK }, { "munlock", C_MLOCK },
		{ "mlock2", C_MLOCK }, { "mlockall", C_MLOCKALL }, { "munlockall", C_MLOCKALL },
		{ "msync", C_MSYNC }, { "mincore", C_MINCORE }, { "fork", C_FORK },
		{ "vfork", C_FORK }, { "clone", C_FORK }, { "clone3", C_FORK },
		{ "execve", C_EXEC }, { "execveat", C_EXEC }, { "exit_group", C_EXIT_GROUP },
		{ "exit", C_EXIT },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].name, n))
			return t[i].c;
	return C_NONE;
}

/* x86-64 numbers (arch/x86/entry/syscalls/syscall_64.tbl) valgrind prints. */
static enum call_cls cls_of_nr(long nr)
{
	switch (nr) {
	case 9: return C_MMAP;
	case 10: case 329: return C_MPROTECT;
	case 11: return C_MUNMAP;
	case 12: return C_BRK;
	case 25: return C_MREMAP;
	case 26: return C_MSYNC;
	case 27: return C_MINCORE;
	case 28: return C_MADVISE;
	case 149: case 150: case 325: return C_MLOCK;
	case 151: case 152: return C_MLOCKALL;
	case 56: case 57: case 58: case 435: return C_FORK;
	case 59: case 322: return C_EXEC;
	case 60: return C_EXIT;
	case 231: return C_EXIT_GROUP;
	default: return C_NONE;
	}
}

/* A file by identity: device (major, minor) and inode. */
struct file_id {
	bool valid;
	unsigned int major, minor;
	uint64_t ino;
};

static struct file_id file_id_of_path(const char *path)
{
	struct file_id id = { 0 };
	struct stat st;

	if (path && stat(path, &st) == 0) {
		id.valid = true;
		id.major = major(st.st_dev);
		id.minor = minor(st.st_dev);
		id.ino = st.st_ino;
	}
	return id;
}

static bool same_file(const struct file_id *a, const struct file_id *b)
{
	return a->valid && b->valid && a->major == b->major && a->minor == b->minor &&
	       a->ino == b->ino;
}

/*
 * One event of the recorded log, kept for replay; cls and group for pairing. Invariants:
 * candidate implies group and cls != C_NONE; brk_follows_vg implies group and not
 * candidate; applied is set once, when apply_event has run it (or passed it over).
 */
struct nat_event {
	struct strace_event ev;
	enum call_cls cls;
	bool group;			/* a call of the main process (any of its threads) */
	bool brk_follows_vg;		/* a brk(addr) of the group: not applied (on_vg_brk) */
	bool candidate;			/* in vf.calls: waits for a partner before it is applied */
	bool applied;
	struct file_id file;		/* mmap's file */
};

/* ---- the whole run --------------------------------------------------------------------- */

/* A valgrind call queued at its place among the accesses (pos never decreases along the
 * queue: the reader hands lines out in order). */
struct vg_queued {
	struct vf_vgcall c;
	uint64_t pos;			/* accesses handed out before it */
	uint64_t line;			/* its line in valgrind's log */
};

/*
 * One comparison run. Invariants (vf_validate): ecur <= nev; main_exit <= nev; every
 * calls[k] < nev names an event marked candidate, in increasing order; ccur <= ncalls and
 * every call before ccur is applied; qhead <= nq <= qcap; the map is valid (map_validate);
 * t is the main task once have_first is set.
 */
struct vf {
	mmsim_machine *m;
	struct vf_result *res;
	struct mmsim_error *err;

	/* the native log */
	struct nat_event *ev;
	size_t nev;
	size_t ecur;			/* next event to apply */
	size_t *calls;			/* indices of the group's memory calls, in order */
	size_t ncalls, ccur;		/* next unpaired */
	int main_pid;			/* the log's pid of the first execve */
	size_t main_exit;		/* index of the main process's exit_group, or nev */
	bool have_first, stopped;
	struct task_struct *t;		/* the main task in the model */
	uint64_t stack_end;		/* the model's stack VMA end after exec */

	/* valgrind */
	const char *stderr_path;
	bool startup_done;
	uint64_t vg_sp, cls_end, cls_sz;
	struct vf_map map;
	bool heap_known;
	int64_t heap_delta;
	uint64_t vg_brk_seg, vg_brk_len;	/* the startup table's brk segment */
	struct file_id vg_fd[VF_MAX_FD];
	struct vf_vgcall pending[64];		/* per tid (1..63): a call awaiting its result */
	bool pending_set[64];
	struct vf_vgcall cont;			/* a call whose result is on the next line */
	bool cont_set;
	struct vg_queued *q;
	size_t nq, qhead, qcap;
	bool vg_exited;
	int main_vg_pid;
};

static int run_access(struct vf *v, const struct trace_access *a);
static int run_kernel_writes(struct vf *v, const struct vf_vgcall *c);

/* Check struct vf's invariants (above); 0 or -EUCLEAN with err. */
static int vf_validate(const struct vf *v)
{
	bool ok = v->ecur <= v->nev && v->main_exit <= v->nev && v->ccur <= v->ncalls &&
		  v->qhead <= v->nq && v->nq <= v->qcap && map_validate(&v->map) == 0 &&
		  (!v->have_first || v->t);

	for (size_t k = 0; ok && k < v->ncalls; k++)
		ok = v->calls[k] < v->nev && v->ev[v->calls[k]].candidate &&
		     (!k || v->calls[k - 1] < v->calls[k]) &&
		     (k >= v->ccur || v->ev[v->calls[k]].applied);
	return ok ? 0 : err_set(v->err, -EUCLEAN, NULL, 0, 0, "validate --faults: the pairing "
				"state is out of order (ecur %zu/%zu, ccur %zu/%zu, queue %zu/%zu)",
				v->ecur, v->nev, v->ccur, v->ncalls, v->qhead, v->nq);
}

/* One mapping of an smaps text: its header's key and its Rss. */
struct smaps_vma {
	char key[160];
	uint64_t rss_kb;
};

/*
 * The mappings of an smaps text (header "start-end perms offset dev inode path", then
 * "Rss: N kB"), keyed "start-end perms path". *n set; malloc'd array or NULL.
 */
static struct smaps_vma *parse_smaps(const char *text, size_t *n)
{
	struct smaps_vma *v = NULL;
	size_t cap = 0;

	*n = 0;
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		char range[64], perms[8], off[32], dev[16];
		unsigned long long ino;
		int pos = 0;
		if (sscanf(l, "%63s %7s %31s %15s %llu%n", range, perms, off, dev, &ino, &pos) == 5 &&
		    strchr(range, '-')) {
			if (*n == cap) {
				struct smaps_vma *nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));
				if (!nv)
					break;
				v = nv;
			}
			const char *path = l + pos, *e = strchr(path, '\n');
			while (*path == ' ')
				path++;
			int plen = e ? (int)(e - path) : (int)strlen(path);
			const char *base = memrchr(path, '/', (size_t)plen);
			if (base && path[0] == '/') {
				plen -= (int)(base + 1 - path);
				path = base + 1;
			}
			snprintf(v[*n].key, sizeof(v[*n].key), "%s %s %.*s", range, perms, plen, path);
			v[*n].rss_kb = 0;
			(*n)++;
		} else if (*n && !strncmp(l, "Rss:", 4)) {
			v[*n - 1].rss_kb = strtoull(l + 4, NULL, 10);
		}
	}
	return v;
}

/* "a-b perms name" and "a-c perms name": the same start and the rest, another end. */
static bool same_but_end(const char *x, const char *y)
{
	const char *dx = strchr(x, '-'), *dy = strchr(y, '-');
	const char *sx = strchr(x, ' '), *sy = strchr(y, ' ');

	return dx && dy && sx && sy && dx - x == dy - y && !strncmp(x, y, (size_t)(dx - x)) &&
	       !strcmp(sx, sy);
}

/* The mappings whose Rss differs between the kernel's smaps and the model's (sim). */
static void diff_smaps(struct vf_result *res, const char *sim)
{
	size_t nk, ns;
	struct smaps_vma *k = parse_smaps(res->kernel_smaps, &nk);
	struct smaps_vma *s = parse_smaps(sim, &ns);
	bool *used = calloc(ns + 1, sizeof(bool));

	res->rss_diff = calloc(nk + ns + 1, sizeof(*res->rss_diff));
	if (!res->rss_diff || !used)
		goto out;
	for (size_t i = 0; i < nk; i++) {
		uint64_t sk = 0;
		size_t j;
		for (j = 0; j < ns; j++)
			if (!used[j] && !strcmp(k[i].key, s[j].key))
				break;
		/* else the same start, permissions and name, another end (a heap that grew
		 * more in one run) */
		for (size_t q = 0; j == ns && q < ns; q++)
			if (!used[q] && same_but_end(k[i].key, s[q].key))
				j = q;
		if (j < ns) {
			used[j] = true;
			sk = s[j].rss_kb;
		}
		if (sk == k[i].rss_kb)
			continue;
		struct vf_rss_diff *d = &res->rss_diff[res->nrss_diff++];
		snprintf(d->name, sizeof(d->name), "%s", k[i].key);
		d->kernel_kb = k[i].rss_kb;
		d->sim_kb = sk;
	}
	for (size_t j = 0; j < ns; j++) {
		if (used[j] || !s[j].rss_kb)
			continue;
		struct vf_rss_diff *d = &res->rss_diff[res->nrss_diff++];
		snprintf(d->name, sizeof(d->name), "%s", s[j].key);
		d->sim_kb = s[j].rss_kb;
	}
out:
	free(used);
	free(k);
	free(s);
}

void vf_result_free(struct vf_result *res)
{
	free(res->kernel_smaps);
	free(res->rss_diff);
	res->kernel_smaps = NULL;
	res->rss_diff = NULL;
	res->nrss_diff = 0;
}

/* The model's main task's counters into res->sim. */
static void collect_sim(struct vf *v)
{
	struct vf_counts *s = &v->res->sim;
	struct list_head *pos;
	uint64_t kb;

	if (!v->t || !v->t->mm)
		return;
	struct mm_struct *mm = v->t->mm;
	kb = v->m->mm.page_size / 1024;
	s->minflt = s->majflt = 0;
	list_for_each(pos, &v->m->tasks) {
		struct task_struct *t = (struct task_struct *)((char *)pos -
					offsetof(struct task_struct, tasks));
		if (t->tgid == v->t->tgid) {
			s->minflt += t->min_flt;
			s->majflt += t->maj_flt;
		}
	}
	int64_t anon = mm->rss_stat[MM_ANONPAGES], file = mm->rss_stat[MM_FILEPAGES];
	int64_t shm = mm->rss_stat[MM_SHMEMPAGES];
	uint64_t rss = (uint64_t)((anon > 0 ? anon : 0) + (file > 0 ? file : 0) +
				  (shm > 0 ? shm : 0));
	s->rss_anon_kb = (uint64_t)(anon > 0 ? anon : 0) * kb;
	s->rss_file_kb = (uint64_t)(file > 0 ? file : 0) * kb;
	s->rss_shmem_kb = (uint64_t)(shm > 0 ? shm : 0) * kb;
	s->hwm_kb = (mm->hiwater_rss > rss ? mm->hiwater_rss : rss) * kb;
	if (v->res->kernel_smaps) {
		struct strbuf sb;
		char *text = NULL;
		sb_init(&sb);
		if (proc_pid_render(v->m, v->t->pid, "smaps", &sb) == 0 &&
		    sb_finish(&sb, &text, NULL) == 0 && text)
			diff_smaps(v->res, text);
		else
			sb_free(&sb);
		free(text);
	}
}

/* Apply native event i to the model. 0, or a negative errno for an error of the model. */
static int apply_event(struct vf *v, size_t i)
{
	struct nat_event *ne = &v->ev[i];
	struct strace_event *ev = &ne->ev;
	struct sys_call call = ev->call;
	enum sys_disposition disp = SYS_IGNORED;
	struct mmsim_error cerr = { 0 };
	int64_t ret = 0;
	int pid, rc;

	if (ne->applied)
		return 0;
	ne->applied = true;
	if (ev->kind != STRACE_CALL || !ev->call.name)
		return 0;
	if (!v->have_first) {
		if (!ev->decoded || ne->cls != C_EXEC)
			return 0;
		struct task_struct *t = find_task_by_pid(v->m, ev->pid);
		if (!t && (rc = task_create(v->m, ev->pid, true, &t)) < 0)
			return err_set(v->err, rc, "recorded log", ev->line, 0, "cannot create the "
				       "first process (pid %d): %s", ev->pid, mmsim_strerror(rc));
		t->personality |= ADDR_NO_RANDOMIZE;
		v->have_first = true;
		v->t = t;
	} else if (ne->group && ne->cls == C_EXEC && ev->pid == v->main_pid) {
		v->res->exec_again = true;
		v->stopped = true;		/* only the first image is compared */
		return 0;
	}
	if (ne->brk_follows_vg) {
		v->res->native_brks_skipped++;
		return 0;		/* the model's heap follows valgrind's (on_vg_brk) */
	}
	pid = ev->pid;
	if (ne->cls == C_FORK && ev->ret_kind == STRACE_RET_VALUE)
		ret = ev->ret;			/* the child gets the pid the kernel gave it */
	if (!ev->decoded)
		call.nargs = 0;
	rc = syscall_dispatch(v->m, pid, &call, &ret, &disp, &cerr);
	if (ne->cls == C_EXEC && v->t && pid == v->t->pid && !v->res->sim.start_stack &&
	    (rc < 0 || ret < 0))
		return err_set(v->err, -ENOEXEC, "recorded log", ev->line, 0, "mmsim cannot replay "
			       "the program's execve: %s", cerr.msg[0] ? cerr.msg :
			       mmsim_strerror(rc < 0 ? rc : (int)ret));
	if (rc == -ENOSYS || rc == -ESRCH || (rc < 0 && rc != -ENOMEM)) {
		v->res->replay_skipped++;
		return 0;
	}
	if (rc < 0)
		return err_set(v->err, rc, "recorded log", ev->line, 0, "%s: %s", call.name,
			       mmsim_strerror(rc));
	if (disp == SYS_HANDLED && ev->ret_kind == STRACE_RET_VALUE && ret != ev->ret)
		v->res->replay_diverged++;
	if (ne->cls == C_EXEC && v->t == find_task_by_pid(v->m, pid) && v->t->mm) {
		struct vm_area_struct *vma;
		v->res->sim.exec_minflt = v->t->min_flt;
		v->res->sim.exec_majflt = v->t->maj_flt;
		v->res->sim.start_stack = v->t->mm->start_stack;
		vma = find_vma(v->t->mm, v->t->mm->start_stack);
		v->stack_end = vma ? vma->vm_end : 0;
	}
	return 0;
}

/* Apply every native event before index end not applied yet, in log order (never the
 * main exit_group). */
static int apply_until(struct vf *v, size_t end)
{
	if (end > v->main_exit)
		end = v->main_exit;
	for (size_t i = 0; i < end && !v->stopped; i++) {
		int rc = apply_event(v, i);
		if (rc)
			return rc;
	}
	if (v->ecur < end)
		v->ecur = end;
	return 0;
}

/*
 * Native event idx found its partner: apply it, and before it, in log order, the events
 * that wait for no partner (other processes' calls, calls the pairing skips). Candidates
 * passed over stay pending: threads run in another order under valgrind, which serialises
 * them, and a pending call may find its partner later (a thread's madvise of its stack is
 * applied when valgrind's thread makes it, not when an earlier call of another thread
 * pairs). A candidate more than VF_LOOKAHEAD calls behind the partner will not find one:
 * it is applied then.
 */
static int apply_pair(struct vf *v, size_t k)
{
	size_t idx = v->calls[k];
	int rc = 0;

	for (size_t i = v->ecur; i < idx && !rc && !v->stopped; i++)
		if (!v->ev[i].candidate)
			rc = apply_event(v, i);
	for (size_t j = v->ccur; j + VF_LOOKAHEAD < k && !rc; j++)
		rc = apply_event(v, v->calls[j]);
	if (!rc && !v->stopped && idx < v->main_exit)
		rc = apply_event(v, idx);
	if (v->ecur < idx + 1)
		v->ecur = idx + 1;
	while (v->ccur < v->ncalls && v->ev[v->calls[v->ccur]].applied)
		v->ccur++;
	return rc;
}

/* Read the recorded log into v->ev; find the main process, its threads, its calls. */
static int load_native(struct vf *v, const struct mmsim_record_result *rec)
{
	struct strace_reader *rd = NULL;
	size_t cap = 0;
	int rc = strace_reader_from_string("recorded log", rec->log, rec->log_len, &rd, v->err);
	int group_pids[256], ngroup = 0;

	if (rc)
		return rc;
	for (;;) {
		struct strace_event ev;
		rc = strace_reader_next(rd, &ev, v->err);
		if (rc <= 0)
			break;
		if (v->nev == cap) {
			struct nat_event *n = realloc(v->ev, (cap = cap ? cap * 2 : 256) * sizeof(*n));
			if (!n) {
				strace_event_release(&ev);
				rc = -ENOMEM;
				break;
			}
			v->ev = n;
		}
		struct nat_event *ne = &v->ev[v->nev++];
		memset(ne, 0, sizeof(*ne));
		ne->ev = ev;
		ne->cls = ev.kind == STRACE_CALL && ev.call.name ? cls_of_name(ev.call.name) : C_NONE;
	}
	strace_reader_free(rd);
	if (rc < 0)
		return rc;
	v->main_exit = v->nev;
	v->calls = malloc((v->nev + 1) * sizeof(*v->calls));
	if (!v->calls)
		return -ENOMEM;
	for (size_t i = 0; i < v->nev; i++) {
		struct nat_event *ne = &v->ev[i];
		struct strace_event *ev = &ne->ev;
		bool in = false;

		if (ne->cls == C_NONE)
			continue;
		if (!v->main_pid && ne->cls == C_EXEC) {
			v->main_pid = ev->pid;
			group_pids[ngroup++] = ev->pid;
		}
		for (int g = 0; g < ngroup; g++)
			in |= group_pids[g] == ev->pid;
		if (!in)
			continue;
		ne->group = true;
		if (ne->cls == C_FORK && ev->ret_kind == STRACE_RET_VALUE && ev->ret > 0) {
			bool thread = ev->decoded && ev->call.nargs >= 1 &&
				      ((uint64_t)ev->call.arg[0] & CLONE_THREAD_FLAG);
			if (thread && ngroup < 256)
				group_pids[ngroup++] = (int)ev->ret;
			if (thread)
				v->res->threads = true;
			else
				v->res->children = true;
		}
		if (ne->cls == C_MMAP && ev->decoded && ev->call.nargs >= 5 && ev->call.fd_path[4])
			ne->file = file_id_of_path(ev->call.fd_path[4]);
		if (ne->cls == C_EXIT_GROUP && ev->pid == v->main_pid && v->main_exit == v->nev)
			v->main_exit = i;
		if (ne->cls == C_BRK && ev->decoded && ev->call.nargs >= 1 && ev->call.arg[0]) {
			ne->brk_follows_vg = true;
			v->res->native_calls++;
			continue;
		}
		if (ne->cls != C_EXEC || ev->pid != v->main_pid || v->ncalls) {
			ne->candidate = true;
			v->calls[v->ncalls++] = i;
		}
	}
	if (!v->main_pid)
		return err_set(v->err, -EINVAL, "recorded log", 0, 0, "the log has no execve");
	for (size_t k = 0; k < v->ncalls; k++)
		if (v->ev[v->calls[k]].cls != C_EXIT_GROUP && v->ev[v->calls[k]].cls != C_EXIT &&
		    v->ev[v->calls[k]].cls != C_FORK)
			v->res->native_calls++;
	return 0;
}

/* ---- valgrind's startup layout ---------------------------------------------------------- */

/* The model's address of file offset off of the file (major, minor, ino), or 0. */
static uint64_t sim_addr_of(struct vf *v, unsigned int maj, unsigned int min, uint64_t ino,
			    uint64_t off)
{
	struct mm_struct *mm = v->t ? v->t->mm : NULL;
	uint64_t ps = v->m->mm.page_size;

	for (uint64_t a = 0; mm;) {
		struct vm_area_struct *vma = find_vma(mm, a);
		if (!vma)
			break;
		struct inode *in = vma->vm_file ? vma->vm_file->f_inode : NULL;
		uint64_t fstart = vma->vm_pgoff * ps;
		if (in && in->i_ino == ino && in->i_dev_major == maj && in->i_dev_minor == min &&
		    off >= fstart && off < fstart + (vma->vm_end - vma->vm_start))
			return vma->vm_start + (off - fstart);
		a = vma->vm_end;
	}
	return 0;
}

/* One row of the startup table. */
struct vg_seg {
	char kind[16];
	uint64_t start, end, dev, ino, off;
	bool smlower;
};

static bool parse_seg(const char *line, struct vg_seg *s)
{
	const char *p = strstr(line, "aspacem");
	int idx, n = 0;
	char word[16];

	memset(s, 0, sizeof(*s));
	if (!p || sscanf(p + 7, " %d: %15s %n", &idx, word, &n) != 2 || !n)
		return false;
	p += 7 + n;
	if (strchr(word, '-'))			/* a free range: no kind, not needed */
		return false;
	snprintf(s->kind, sizeof(s->kind), "%s", word);
	if (sscanf(p, "%" SCNx64 "-%" SCNx64, &s->start, &s->end) != 2)
		return false;
	const char *d = strstr(p, "d=0x"), *i = strstr(p, "i="), *o = strstr(p, "o=");
	if (d && i && o) {
		s->dev = strtoull(d + 4, NULL, 16);
		s->ino = strtoull(i + 2, NULL, 10);
		s->off = strtoull(o + 2, NULL, 10);
	}
	s->smlower = strstr(p, "SmLower") != NULL;
	return true;
}

/*
 * Read valgrind's stderr (its -d -d debug log): the initial stack pointer, the stack's end
 * and size, and the client's segments at startup, which become the first regions of the
 * translation map. Called once, when the client has started (the table is written before
 * its first instruction).
 */
static int read_startup(struct vf *v)
{
	FILE *f;
	char line[1024];
	struct vg_seg segs[512];
	int nseg = 0;
	bool in_table = false;
	int rc = 0;

	v->startup_done = true;
	f = fopen(v->stderr_path, "r");
	if (!f)
		return err_set(v->err, -EINVAL, v->stderr_path, 0, 0, "valgrind's debug output "
			       "cannot be read: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		const char *p;
		if ((p = strstr(line, "initial_SP=0x")))
			v->vg_sp = strtoull(p + 13, NULL, 16);
		if ((p = strstr(line, "cls_end=0x"))) {
			v->cls_end = strtoull(p + 10, NULL, 16);
			if ((p = strstr(line, "cls_sz=")))
				v->cls_sz = strtoull(p + 7, NULL, 10);
		}
		if (strstr(line, "Memory layout at client startup")) {
			in_table = true;
			nseg = 0;
			continue;
		}
		if (in_table && strstr(line, "aspacem >>>")) {
			in_table = false;
			break;
		}
		if (in_table && nseg < 512 && parse_seg(line, &segs[nseg]))
			nseg++;
	}
	fclose(f);
	if (!v->vg_sp || !v->cls_end || !nseg)
		return err_set(v->err, -EINVAL, v->stderr_path, 0, 0, "valgrind's debug output "
			       "lacks the client's startup layout (initial_SP, cls_end, the segment "
			       "table): is this valgrind 3.x with -d -d?");
	v->res->vg_start_stack = v->vg_sp;
	/*
	 * The executable's and the interpreter's segments, and the bss after them. Two
	 * segments may map the same file offset (the RELRO page is in the last r-- segment
	 * and the first rw- one), so an offset does not name a segment: an ELF file moves
	 * as a whole (its load bias), and the bias comes from the segment at offset 0.
	 */
	int64_t prev_delta = 0;
	bool prev_file = false;
	for (int i = 0; i < nseg && !rc; i++) {
		struct vg_seg *s = &segs[i];
		bool brkseg = !strcmp(s->kind, "anon") && i + 1 < nseg && segs[i + 1].smlower;
		if (!strcmp(s->kind, "file")) {
			uint64_t a = 0, base = 0;
			for (int j = 0; j < nseg && !a; j++)
				if (!strcmp(segs[j].kind, "file") && segs[j].dev == s->dev &&
				    segs[j].ino == s->ino && segs[j].off == 0) {
					base = segs[j].start;
					a = sim_addr_of(v, major(s->dev), minor(s->dev), s->ino, 0);
				}
			prev_file = a != 0;
			prev_delta = (int64_t)(a - base);
			if (a)
				rc = map_set(&v->map, s->start, s->end + 1, prev_delta, VR_PROGRAM);
		} else if (!strcmp(s->kind, "anon") && prev_file && !brkseg &&
			   segs[i - 1].end + 1 == s->start && v->t &&
			   vma_lookup(v->t->mm, (uint64_t)((int64_t)s->start + prev_delta))) {
			rc = map_set(&v->map, s->start, s->end + 1, prev_delta, VR_PROGRAM);
			prev_file = false;
		} else {
			prev_file = false;
		}
		if (brkseg) {
			v->vg_brk_seg = s->start;
			v->vg_brk_len = segs[i + 1].end + 1 - s->start;
		}
	}
	/* the stack: by the distance from the initial stack pointer */
	uint64_t top = v->cls_end + 1, size = v->cls_sz ? v->cls_sz : 8ull << 20;
	if (!rc && v->res->sim.start_stack)
		rc = map_set(&v->map, top - size, top,
			     (int64_t)(v->res->sim.start_stack - v->vg_sp), VR_STACK);
	return rc;
}

/* ---- pairing valgrind's calls with the native ones -------------------------------------- */

/*
 * Does valgrind's address argument vg name the native one? Yes when it translates to it;
 * no when it translates elsewhere or lies in a mapping that is not the program's
 * (vgpreload_core's, an unpaired one); yes, unchecked, when no region knows it.
 */
static bool addr_agrees(struct vf *v, uint64_t vg, int64_t native)
{
	const struct vf_region *r = map_find(&v->map, vg);

	if (!r)
		return true;
	if (r->kind != VR_PROGRAM && r->kind != VR_STACK)
		return false;
	return vg + (uint64_t)r->delta == (uint64_t)native;
}

static bool pair_ok(struct vf *v, const struct nat_event *ne, const struct vf_vgcall *c,
		    enum call_cls cls)
{
	const struct sys_call *n = &ne->ev.call;

	if (ne->cls != cls)
		return false;
	/* a call that failed in one run only is not the same call (valgrind refuses clone3,
	 * which glibc then retries as clone) */
	if (c->has_result && ne->ev.ret_kind == STRACE_RET_VALUE && c->failed != (ne->ev.ret < 0))
		return false;
	if (cls == C_FORK || cls == C_EXEC || cls == C_EXIT_GROUP || cls == C_EXIT ||
	    cls == C_MLOCKALL)
		return true;
	if (!ne->ev.decoded || !c->has_args)
		return false;
	switch (cls) {
	case C_MMAP: {
		bool anon = (n->arg[3] & 0x20) != 0;	/* MAP_ANONYMOUS */
		if (c->nargs < 6 || n->nargs < 6 || (uint64_t)n->arg[1] != c->arg[1] ||
		    (uint64_t)n->arg[2] != c->arg[2] || (uint64_t)n->arg[3] != c->arg[3])
			return false;
		if (!anon) {
			int fd = (int)(uint32_t)c->arg[4];
			if (fd < 0 || fd >= VF_MAX_FD || !same_file(&ne->file, &v->vg_fd[fd]) ||
			    (uint64_t)n->arg[5] != c->arg[5])
				return false;
		}
		return !(n->arg[3] & 0x10) || addr_agrees(v, c->arg[0], n->arg[0]);	/* FIXED */
	}
	case C_BRK:
		if ((n->arg[0] == 0) != (c->arg[0] == 0))
			return false;
		return !n->arg[0] || !v->heap_known ||
		       (int64_t)c->arg[0] + v->heap_delta == n->arg[0];
	case C_MREMAP:
		if (c->nargs < 4 || (uint64_t)n->arg[1] != c->arg[1] ||
		    (uint64_t)n->arg[2] != c->arg[2] || (uint64_t)n->arg[3] != c->arg[3])
			return false;
		return addr_agrees(v, c->arg[0], n->arg[0]);
	case C_MPROTECT:
	case C_MADVISE:
	case C_MSYNC:
		if (c->nargs < 3 || (uint64_t)n->arg[2] != c->arg[2])
			return false;
		/* fall through */
	default:
		if (c->nargs < 2 || (uint64_t)n->arg[1] != c->arg[1])
			return false;
		return addr_agrees(v, c->arg[0], n->arg[0]);
	}
}

/*
 * A native call for valgrind's call c, within the lookahead; its index in calls or -1.
 * Failing an exact partner, an anonymous mmap (not MAP_FIXED) is paired loosely (*loose)
 * with the very next native call when that is one too, with the same protection and
 * flags: the same allocation made with another size (the TLS block; see the header). Its
 * native call is then applied at the right moment, but its addresses are not translated
 * by the mmap results.
 */
static long find_partner(struct vf *v, const struct vf_vgcall *c, enum call_cls cls,
			 bool *loose)
{
	*loose = false;
	for (size_t k = v->ccur; k < v->ncalls && k < v->ccur + VF_LOOKAHEAD; k++)
		if (!v->ev[v->calls[k]].applied && pair_ok(v, &v->ev[v->calls[k]], c, cls))
			return (long)k;
	if (cls == C_MMAP && v->ccur < v->ncalls && c->nargs >= 6 && (c->arg[3] & 0x20) &&
	    !(c->arg[3] & 0x10)) {
		const struct nat_event *ne = &v->ev[v->calls[v->ccur]];
		const struct sys_call *n = &ne->ev.call;
		if (ne->cls == C_MMAP && ne->ev.decoded && n->nargs >= 6 &&
		    (uint64_t)n->arg[2] == c->arg[2] && (uint64_t)n->arg[3] == c->arg[3]) {
			*loose = true;
			return (long)v->ccur;
		}
	}
	return -1;
}

/* Update the map for valgrind's call c, paired with native event ne (or NULL). */
static int map_update(struct vf *v, const struct vf_vgcall *c, enum call_cls cls,
		      const struct nat_event *ne)
{
	uint64_t ps = v->m->mm.page_size;
	bool ok = c->has_result && !c->failed;
	enum vr_kind unpaired = VR_UNPAIRED;

	switch (cls) {
	case C_MMAP: {
		if (!ok || c->nargs < 2)
			return 0;
		uint64_t len = (c->arg[1] + ps - 1) & ~(ps - 1);
		int fd = (int)(uint32_t)c->arg[4];
		if (!ne && !(c->arg[3] & 0x20) && fd >= 0 && fd < VF_MAX_FD && v->vg_fd[fd].valid) {
			/* valgrind maps its preload library for the client: not the program's */
			unpaired = VR_VALGRIND;
		}
		if (ne && ne->ev.ret_kind == STRACE_RET_VALUE && ne->ev.ret > 0)
			return map_set(&v->map, c->result, c->result + len,
				       (int64_t)((uint64_t)ne->ev.ret - c->result), VR_PROGRAM);
		return map_set(&v->map, c->result, c->result + len, 0, unpaired);
	}
	case C_MUNMAP:
		if (!ok || c->nargs < 2)
			return 0;
		return map_remove(&v->map, c->arg[0], c->arg[0] + ((c->arg[1] + ps - 1) & ~(ps - 1)));
	case C_MREMAP: {
		if (!ok || c->nargs < 3)
			return 0;
		uint64_t old = (c->arg[1] + ps - 1) & ~(ps - 1), nl = (c->arg[2] + ps - 1) & ~(ps - 1);
		const struct vf_region *r = map_find(&v->map, c->arg[0]);
		enum vr_kind kind = r ? r->kind : VR_UNPAIRED;
		int64_t delta = r ? r->delta : 0;
		if (map_remove(&v->map, c->arg[0], c->arg[0] + old))
			return -ENOMEM;
		if (ne && ne->ev.ret_kind == STRACE_RET_VALUE && ne->ev.ret > 0) {
			delta = (int64_t)((uint64_t)ne->ev.ret - c->result);
			kind = VR_PROGRAM;
		} else if (c->result != c->arg[0]) {
			kind = VR_UNPAIRED;
		}
		return map_set(&v->map, c->result, c->result + nl, delta, kind);
	}
	case C_BRK:
		if (ne && ok && !c->arg[0] && !v->heap_known && ne->ev.ret_kind == STRACE_RET_VALUE) {
			uint64_t len = v->vg_brk_seg == c->result && v->vg_brk_len ? v->vg_brk_len
										    : VF_BRK_DEFAULT;
			v->heap_known = true;
			v->heap_delta = (int64_t)((uint64_t)ne->ev.ret - c->result);
			return map_set(&v->map, c->result, c->result + len, v->heap_delta, VR_PROGRAM);
		}
		return 0;
	default:
		return 0;
	}
}

/*
 * arch_prctl(ARCH_SET_FS, tp) in valgrind's run: the main thread's TLS block. When no paired
 * mmap translates it (its size differs: see validate_faults.h), translate its mapping by the
 * distance between the two thread pointers, bounded by the native mapping that holds the
 * native one.
 */
static int on_set_fs(struct vf *v, uint64_t tp)
{
	const struct vf_region *r = map_find(&v->map, tp);
	struct vm_area_struct *vma;
	uint64_t start, end;
	int rc;

	v->res->vg_tp = tp;
	if (!v->res->kernel_tp || !v->t || !v->t->mm || (r && r->kind != VR_UNPAIRED))
		return 0;
	vma = vma_lookup(v->t->mm, v->res->kernel_tp);
	if (!vma)
		return 0;
	start = r ? r->start : tp & ~(v->m->mm.page_size - 1);
	end = r ? r->end : start + v->m->mm.page_size;
	rc = map_set(&v->map, start, end, (int64_t)(v->res->kernel_tp - tp), VR_PROGRAM);
	if (!rc) {
		struct vf_region *nr = (struct vf_region *)map_find(&v->map, tp);
		nr->nlo = vma->vm_start;
		nr->nhi = vma->vm_end;
	}
	return rc;
}

/*
 * valgrind's brk(addr): the model's heap follows valgrind's. The heap is where the two runs
 * differ most by design (the environment, and the data structures programs build from it,
 * are longer under valgrind), and the accesses are valgrind's: so the model's brk is set to
 * valgrind's end moved by the heap's distance, and the recorded brk(addr) calls are not
 * applied. brk(NULL) pairs as any call (it gives the distance).
 */
static int on_vg_brk(struct vf *v, const struct vf_vgcall *c)
{
	if (!v->heap_known || !c->has_result || c->failed || !v->t || v->stopped)
		return 0;
	int64_t ret = sys_brk(v->t, (uint64_t)((int64_t)c->result + v->heap_delta));
	v->res->paired++;
	if (ret != (int64_t)c->result + v->heap_delta)
		v->res->replay_diverged++;
	return 0;
}

/* One of valgrind's calls of the main process, at its place among the accesses. */
static int on_vg_call(struct vf *v, const struct vf_vgcall *c, uint64_t line)
{
	enum call_cls cls = cls_of_nr(c->nr);
	int rc;

	/* descriptors, so that an mmap's file is known by device and inode */
	if ((c->nr == 257 || c->nr == 2) && c->has_result && !c->failed && c->path[0] &&
	    c->result < VF_MAX_FD)
		v->vg_fd[c->result] = file_id_of_path(c->path);
	if (c->nr == 3 && c->nargs >= 1 && c->arg[0] < VF_MAX_FD)
		v->vg_fd[c->arg[0]].valid = false;
	if (c->nr == 158 && c->nargs >= 2 && c->arg[0] == 0x1002 && c->has_result && !c->failed)
		return on_set_fs(v, c->arg[1]);
	if (!v->stopped && (rc = run_kernel_writes(v, c)))
		return rc;
	if (cls == C_NONE || v->stopped)
		return 0;
	if (cls != C_EXIT_GROUP && cls != C_EXIT && cls != C_FORK)
		v->res->vg_calls++;
	if (cls == C_BRK && c->nargs >= 1 && c->arg[0])
		return on_vg_brk(v, c);
	bool loose;
	long k = find_partner(v, c, cls, &loose);
	const struct nat_event *ne = NULL;
	if (k >= 0) {
		size_t idx = v->calls[k];
		if (cls != C_EXIT_GROUP && cls != C_EXIT && cls != C_FORK)
			v->res->paired++;
		rc = apply_pair(v, (size_t)k);
		if (rc)
			return rc;
		ne = loose ? NULL : &v->ev[idx];
		if (loose)
			v->res->paired_loosely++;
	} else if (cls != C_EXIT && !v->res->first_unpaired_line) {
		v->res->first_unpaired_line = line;
	}
	if (cls == C_EXIT_GROUP) {
		v->vg_exited = true;
		return 0;
	}
	if (cls == C_EXEC && c->has_result && !c->failed) {
		v->res->exec_again = true;
		v->stopped = true;
		return 0;
	}
	return map_update(v, c, cls, ne);
}

/* Run the kernel's writes of user memory for valgrind's call c (kernel_write) as stores. */
static int run_kernel_writes(struct vf *v, const struct vf_vgcall *c)
{
	uint64_t buf = 0, len = kernel_write(c, &buf), ps = v->m->mm.page_size;
	int rc = 0;

	if (c->nr == 61 && c->nargs >= 4 && c->arg[3] && c->has_result && !c->failed) {
		struct vf_vgcall ru = *c;		/* wait4's rusage too */
		ru.nr = 98;
		ru.arg[1] = c->arg[3];
		rc = run_kernel_writes(v, &ru);
	}
	if (!len || !buf || rc)
		return rc;
	if (len > (64ull << 20))		/* a length that cannot be a real buffer */
		len = 64ull << 20;
	/* one store per page the buffer spans, as copy_to_user touches each */
	for (uint64_t a = buf; a < buf + len && !rc; a = (a | (ps - 1)) + 1) {
		uint64_t end = (a | (ps - 1)) + 1 < buf + len ? (a | (ps - 1)) + 1 : buf + len;
		struct trace_access acc = { .addr = a, .line = 1, .size = (uint32_t)(end - a),
					    .kind = TRACE_STORE };
		v->res->kernel_writes++;
		rc = run_access(v, &acc);
	}
	return rc;
}

/* trace_options.other_line: valgrind's lines of the lackey log. */
static int vf_other_line(void *ctx, const char *line, size_t len, uint64_t lineno,
			 uint64_t before)
{
	struct vf *v = ctx;
	struct vf_vgcall c;
	int kind = vf_parse_vgcall(line, len, &c);

	if (!kind)
		return 0;
	if (kind == 2) {			/* " --> ...": the result of the call before */
		if (!v->cont_set)
			return 0;
		c.has_result = true;
		struct vf_vgcall done = v->cont;
		vf_parse_vgcall(line, len, &c);
		done.has_result = c.has_result;
		done.failed = c.failed;
		done.result = c.result;
		v->cont_set = false;
		c = done;
	} else if (c.completion) {
		if (c.tid <= 0 || c.tid >= 64 || !v->pending_set[c.tid])
			return 0;
		struct vf_vgcall done = v->pending[c.tid];
		done.has_result = c.has_result;
		done.failed = c.failed;
		done.result = c.result;
		v->pending_set[c.tid] = false;
		c = done;
	} else if (!c.has_result) {
		bool async = memmem(line, len, "[async] ...", 11) != NULL;
		if (async && c.tid > 0 && c.tid < 64) {
			v->pending[c.tid] = c;
			v->pending_set[c.tid] = true;
		} else {
			v->cont = c;
			v->cont_set = true;
		}
		return 0;
	}
	if (v->main_vg_pid && c.pid != v->main_vg_pid)
		return 0;
	uint64_t kbuf;
	if (cls_of_nr(c.nr) == C_NONE && c.nr != 257 && c.nr != 2 && c.nr != 3 && c.nr != 158 &&
	    !kernel_write(&c, &kbuf) && c.nr != 61)
		return 0;
	if (v->nq == v->qcap) {
		size_t cap = v->qcap ? v->qcap * 2 : 256;
		if (v->qhead > 0) {		/* drop what was handled */
			memmove(v->q, v->q + v->qhead, (v->nq - v->qhead) * sizeof(*v->q));
			v->nq -= v->qhead;
			v->qhead = 0;
		}
		if (v->nq == v->qcap) {
			struct vg_queued *q = realloc(v->q, cap * sizeof(*q));
			if (!q)
				return -ENOMEM;
			v->q = q;
			v->qcap = cap;
		}
	}
	v->q[v->nq++] = (struct vg_queued){ c, before, lineno };
	return 0;
}

/* Handle the queued calls placed before access number pos. */
static int drain_queue(struct vf *v, uint64_t pos)
{
	while (v->qhead < v->nq && v->q[v->qhead].pos <= pos && !v->vg_exited) {
		int rc = on_vg_call(v, &v->q[v->qhead].c, v->q[v->qhead].line);
		v->qhead++;
		if (rc)
			return rc;
	}
	return 0;
}

/* Run one access of valgrind's trace in the model. 0 or a negative errno. */
static int run_access(struct vf *v, const struct trace_access *a)
{
	struct vf_result *res = v->res;
	const struct vf_region *r;
	unsigned int kinds[2];
	int nk = 1;

	if (v->stopped || v->vg_exited || !v->t) {
		res->skipped[VF_SKIP_AFTER_EXEC]++;
		return 0;
	}
	r = map_find(&v->map, a->addr);
	if (!r) {
		res->skipped[VF_SKIP_UNKNOWN]++;
		return 0;
	}
	if (r->kind == VR_VALGRIND || r->kind == VR_UNPAIRED) {
		res->skipped[r->kind == VR_VALGRIND ? VF_SKIP_VALGRIND : VF_SKIP_UNPAIRED]++;
		return 0;
	}
	uint64_t addr = a->addr + (uint64_t)r->delta;
	if (r->kind == VR_STACK && v->stack_end && addr + a->size > v->stack_end) {
		res->skipped[VF_SKIP_STACK_TOP]++;
		return 0;
	}
	if (r->nhi && (addr < r->nlo || addr + a->size > r->nhi)) {
		res->skipped[VF_SKIP_UNPAIRED]++;
		return 0;
	}
	switch (a->kind) {
	case TRACE_LOAD: kinds[0] = MMU_READ; break;
	case TRACE_STORE: kinds[0] = MMU_WRITE; break;
	case TRACE_MODIFY: kinds[0] = MMU_READ; kinds[1] = MMU_WRITE; nk = 2; break;
	default: kinds[0] = MMU_EXEC; break;
	}
	res->run++;
	for (int k = 0; k < nk; k++) {
		struct access_result ar;
		int rc = task_access(v->m, v->t, addr, a->size, kinds[k], &ar);
		if (rc == -ENOSYS) {
			if (!res->nosys++)
				res->first_nosys_addr = addr;
			return 0;
		}
		if (rc)
			return err_set(v->err, rc, "valgrind's trace", (int)a->line, 0, "the access "
				       "at 0x%llx failed in the simulator: %s",
				       (unsigned long long)addr, mmsim_strerror(rc));
		if (ar.signo) {
			if (!res->signals++) {
				res->first_signal_addr = addr;
				res->first_signal_line = a->line;
			}
			return 0;
		}
	}
	return 0;
}

/* Read valgrind's log (lackey lines and its system calls) and run it. */
static int run_trace(struct vf *v, int fd, const char *name)
{
	struct trace_options to = { .format = TRACE_FORMAT_LACKEY, .skip_bad = true,
				    .other_line = vf_other_line, .other_ctx = v };
	struct trace_reader *r = NULL;
	struct trace_access *buf = malloc(VF_BATCH * sizeof(*buf));
	uint64_t base = 0;
	size_t n;
	int rc;

	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	rc = trace_open_fd(fd, name, &to, &r, v->err);
	if (rc) {
		free(buf);
		return rc;
	}
	do {
		rc = trace_next_batch(r, buf, VF_BATCH, &n, v->err);
		if (rc)
			break;
		if (n && !v->startup_done && (rc = read_startup(v)))
			break;
		for (size_t i = 0; i < n && !rc; i++) {
			rc = drain_queue(v, base + i);
			v->res->accesses++;
			if (!rc)
				rc = run_access(v, &buf[i]);
		}
		base += n;
	} while (!rc && n);
	if (!rc)
		rc = drain_queue(v, UINT64_MAX);
	struct trace_stats st;
	trace_reader_stats(r, &st);
	v->res->lines = st.lines;
	trace_close(r);
	free(buf);
	return rc;
}

/* ---- the page cache as the host has it ---------------------------------------------------- */

/* Give the model's cache the host's cached pages of path (once per path). */
static void mirror_file(struct vf *v, const char *path, char ***seen, size_t *nseen)
{
	struct file *f;
	int err = 0;

	if (!path || path[0] != '/')
		return;
	for (size_t i = 0; i < *nseen; i++)
		if (!strcmp((*seen)[i], path))
			return;
	char **n = realloc(*seen, (*nseen + 1) * sizeof(*n));
	if (!n || !(n[*nseen] = strdup(path))) {
		if (n)
			*seen = n;
		return;
	}
	*seen = n;
	(*nseen)++;
	f = filp_open(v->m->mm.fs, path, 0, &err);
	if (!f)
		return;
	if (filemap_mirror_host_cache(f) == 0)
		v->res->files_mirrored++;
	fput(v->m->mm.fs, f);
}

/*
 * Before the replay: the model's page cache gets the pages the host's page cache holds of
 * every file the program maps (the recorded mmaps' files and the files of the maps at its
 * exit: the executable, the interpreter, the libraries), as filemap_mirror_host_cache
 * reads them (mincore, and the host's folio sizes from /proc/kpageflags). The census runs
 * after this, on the same warm cache, so both sides fault on the same cached pages.
 */
static void mirror_host_cache(struct vf *v, const struct mmsim_record_result *rec)
{
	char **seen = NULL;
	size_t nseen = 0;

	for (size_t i = 0; i < v->nev; i++) {
		const struct strace_event *ev = &v->ev[i].ev;
		if (v->ev[i].cls == C_MMAP && ev->decoded && ev->call.nargs >= 5)
			mirror_file(v, ev->call.fd_path[4], &seen, &nseen);
		if (v->ev[i].cls == C_EXEC && ev->decoded && ev->call.str[0])
			mirror_file(v, ev->call.str[0], &seen, &nseen);
	}
	for (const char *l = rec->maps; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *e = strchr(l, '\n'), *p = memchr(l, '/', e ? (size_t)(e - l) : strlen(l));
		char path[4096];
		size_t len;
		if (!p)
			continue;
		len = e ? (size_t)(e - p) : strlen(p);
		if (len >= sizeof(path) || (len > 10 && !memcmp(p + len - 10, " (deleted)", 10)))
			continue;
		memcpy(path, p, len);
		path[len] = '\0';
		mirror_file(v, path, &seen, &nseen);
	}
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
}

/* ---- the CPU glibc sees ------------------------------------------------------------------ */

/*
 * The CPU features glibc's IFUNC resolvers and the loader look at that valgrind's virtual
 * CPU (VEX, amd64) does not offer on a machine that has them: the AVX-512 family, fast
 * short rep movsb, and xsavec (the loader's lazy-binding trampoline). Under valgrind glibc
 * picks other string functions (__memmove_avx_unaligned_erms instead of the evex ones ...),
 * which lie on other pages of libc's text: hidden in every run (glibc.cpu.hwcaps, glibc's
 * tunables), both sides execute the same code. Names glibc does not know are ignored.
 */
#define VF_HWCAPS "glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD," \
	"-AVX512ER,-AVX512PF,-AVX512_VBMI,-AVX512_VBMI2,-AVX512_VNNI,-AVX512_BITALG," \
	"-AVX512_VPOPCNTDQ,-AVX512_IFMA,-AVX512_BF16,-AVX512_FP16,-AVX512_4FMAPS," \
	"-AVX512_4VNNIW,-FSRM,-XSAVEC"

const char *vf_hwcaps_tunable(void)
{
	return VF_HWCAPS;
}

/*
 * Add VF_HWCAPS to GLIBC_TUNABLES for the runs this process starts; *saved gets the value
 * to put back (malloc'd, NULL when there was none). 0 or -ENOMEM.
 */
static int hide_cpu_features(char **saved, bool *had)
{
	const char *old = getenv("GLIBC_TUNABLES");
	char *val;

	*had = old != NULL;
	*saved = old ? strdup(old) : NULL;
	if (old && !*saved)
		return -ENOMEM;
	if (asprintf(&val, "%s%s%s", old ? old : "", old && *old ? ":" : "", VF_HWCAPS) < 0) {
		free(*saved);
		*saved = NULL;
		return -ENOMEM;
	}
	setenv("GLIBC_TUNABLES", val, 1);
	free(val);
	return 0;
}

static void restore_cpu_features(char *saved, bool had)
{
	if (had)
		setenv("GLIBC_TUNABLES", saved, 1);
	else
		unsetenv("GLIBC_TUNABLES");
	free(saved);
}

/* ---- the whole comparison ---------------------------------------------------------------- */

static void vf_free(struct vf *v)
{
	for (size_t i = 0; i < v->nev; i++)
		strace_event_release(&v->ev[i].ev);
	free(v->ev);
	free(v->calls);
	free(v->map.v);
	free(v->q);
}

int mmsim_validate_faults(mmsim_machine *m, char *const argv[], const struct vf_opts *o,
			  struct vf_result *res, struct mmsim_error *err)
{
	static const struct vf_opts defaults;
	struct mmsim_record_opts ro = { 0 };
	struct mmsim_record_result rec;
	struct vf *v = NULL;
	char dir[] = "/tmp/mmsim-validate-XXXXXX", keep_log[4200], stderr_path[4200];
	char *prog = NULL, *vg = NULL;
	pid_t vpid = -1;
	int logfd = -1, rc;

	memset(res, 0, sizeof(*res));
	res->page_size = m->mm.page_size;
	if (!o)
		o = &defaults;
	if (!argv || !argv[0])
		return err_set(err, -EINVAL, NULL, 0, 0, "no program to run");
	prog = vf_find_program(argv[0]);
	if (!prog)
		return err_set(err, -ENOENT, NULL, 0, 0, strchr(argv[0], '/') ?
			       "%s: cannot execute: %s" : "%s: not found in PATH%s", argv[0],
			       strchr(argv[0], '/') ? strerror(ENOENT) : "");
	vg = vf_find_program(o->valgrind ? o->valgrind : "valgrind");
	if (!vg) {
		free(prog);
		return err_set(err, -ENOENT, NULL, 0, 0, "valgrind is not installed (%s not found): "
			       "--faults runs the program under valgrind's lackey tool; install "
			       "valgrind (Debian: apt-get install valgrind)",
			       o->valgrind ? o->valgrind : "valgrind");
	}
	/* every run sees the CPU valgrind's client sees (hide_cpu_features) */
	char *saved_tunables = NULL;
	bool had_tunables = false;
	if (!o->native_cpu && hide_cpu_features(&saved_tunables, &had_tunables)) {
		rc = -ENOMEM;
		goto out_free;
	}
	res->cpu_hidden = !o->native_cpu;
	/* the system calls first: they name the files the program maps */
	ro.passthrough = o->passthrough;
	rc = mmsim_record(argv, &ro, &rec, err);
	if (rc)
		goto out_env;
	v = calloc(1, sizeof(*v));
	if (!v) {
		rc = -ENOMEM;
		goto out_rec;
	}
	*v = (struct vf){ .m = m, .res = res, .err = err };
	if (o->keep) {
		FILE *f = fopen(o->keep, "w");
		if (!f || fwrite(rec.log, 1, rec.log_len, f) != rec.log_len || fclose(f)) {
			rc = err_set(err, -errno ? -errno : -EIO, o->keep, 0, 0, "cannot write the "
				     "recorded log: %s", strerror(errno));
			goto out_v;
		}
	}
	rc = load_native(v, &rec);
	if (rc)
		goto out_v;
	/* the page cache as the host holds it now; then the kernel's counts, on that cache */
	mirror_host_cache(v, &rec);
	rc = vf_census_run(prog, argv, o->passthrough, res, err);
	if (rc)
		goto out_v;
	/* the replay up to the first execve, so that exec's mappings exist */
	for (size_t i = 0; i < v->nev && !v->have_first && !rc; i++) {
		rc = apply_event(v, i);
		v->ecur = i + 1;
	}
	if (rc)
		goto out_v;
	if (!v->t) {
		rc = err_set(err, -EINVAL, "recorded log", 0, 0, "the recorded execve could not be "
			     "replayed");
		goto out_v;
	}
	res->start_stack_differs = res->kernel.start_stack != res->sim.start_stack;
	/* 3: valgrind, read while it runs */
	if (o->keep) {
		snprintf(keep_log, sizeof(keep_log), "%s.lackey", o->keep);
	} else if (!mkdtemp(dir)) {
		rc = err_set(err, -errno, dir, 0, 0, "cannot make a temporary directory: %s",
			     strerror(errno));
		goto out_v;
	}
	if (o->keep)
		snprintf(stderr_path, sizeof(stderr_path), "%s.valgrind-stderr", o->keep);
	else
		snprintf(stderr_path, sizeof(stderr_path), "%s/valgrind-stderr", dir);
	v->stderr_path = stderr_path;
	rc = vf_start_valgrind(vg, argv, stderr_path, o->keep ? keep_log : NULL, o->passthrough,
			    &vpid, &logfd, err);
	if (rc)
		goto out_dir;
	v->main_vg_pid = vpid;
	if (o->keep) {
		int st;
		waitpid(vpid, &st, 0);
		vpid = -1;
		logfd = open(keep_log, O_RDONLY | O_CLOEXEC);
		if (logfd < 0) {
			rc = err_set(err, -errno, keep_log, 0, 0, "valgrind wrote no log: %s",
				     strerror(errno));
			goto out_dir;
		}
	}
	rc = run_trace(v, logfd, o->keep ? keep_log : "valgrind's log");
	if (vpid > 0) {
		int st;
		if (rc)
			kill(vpid, SIGKILL);
		waitpid(vpid, &st, 0);
		if (!rc && WIFEXITED(st) && WEXITSTATUS(st) == 127 && !res->accesses)
			rc = err_set(err, -ENOENT, NULL, 0, 0, "valgrind could not run %s", argv[0]);
	}
	if (!rc && !res->accesses)
		rc = err_set(err, -EINVAL, stderr_path, 0, 0, "valgrind's log has no accesses "
			     "(did valgrind fail? its stderr is in %s)", stderr_path);
	if (!rc && !v->stopped)
		rc = apply_until(v, v->nev);	/* up to the main exit_group */
	if (!rc)
		collect_sim(v);
	if (!rc)
		rc = vf_validate(v);
out_dir:
	if (!o->keep) {
		unlink(stderr_path);
		rmdir(dir);
	}
out_v:
	vf_free(v);
	free(v);
out_rec:
	mmsim_record_result_free(&rec);
out_env:
	if (!o->native_cpu)
		restore_cpu_features(saved_tunables, had_tunables);
out_free:
	free(prog);
	free(vg);
	if (rc)
		vf_result_free(res);
	return rc;
}

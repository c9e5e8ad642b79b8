/*
 * Scenario scripts (.mms): a lesson, a test and a bug report at once.
 *
 *   # the heap of a real program
 *   machine memory=1G
 *   exec 1 /usr/bin/true
 *   1 brk(NULL) = $heap
 *   1 brk($heap+0x21000) = $heap+0x21000
 *   show 1 maps
 *   expect 1 status VmData 488 kB
 *
 * Statements (one per line; docs/scenario-language.md is the reference):
 *   machine KEY=VALUE...        machine description, before the machine boots
 *   sysctl NAME=VALUE           vm.max_map_count, vm.mmap_min_addr, vm.legacy_va_layout,
 *                               vm.overcommit_memory, vm.overcommit_ratio, vm.swappiness,
 *                               vm.panic_on_oom, vm.oom_kill_allocating_task,
 *                               vm.drop_caches (writing it drops the caches at once),
 *                               kernel.randomize_va_space
 *   aslr on|off                 personality of tasks created later (default off: setarch -R)
 *   env NAME=VALUE              environment of later execs (default: empty)
 *   ulimit PID stack|data|memlock|as SIZE|unlimited
 *   exec PID PATH [ARG]...      create task PID if needed and execve PATH
 *   PID CALL(ARGS) [= RESULT]   a system call as strace -f prints it; RESULT checked, or
 *                               "= $name" stores the result in a variable
 *   show [PID] FILE             print a /proc file
 *   expect ...                  see expect_stmt()
 *   echo TEXT                   print TEXT
 *
 * Variables: $name, $name+N, $name-N (N decimal or 0x hex) anywhere in a call's arguments
 * or an expected value; they are replaced by the value in hex before parsing.
 */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "input/scenario.h"
#include "input/strace.h"
#include "hw/mmu.h"
#include "kernel/access.h"
#include "kernel/exec.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "kernel/syscall.h"
#include "mm/oom.h"
#include "mm/swap.h"
#include "mm/writeback.h"
#include "report/proc.h"
#include "util/error.h"
#include "util/strbuf.h"

#define SCN_MAX_VARS 256
#define SCN_MAX_ENV 64

struct scn_var {
	char name[32];
	uint64_t value;
};

struct scn {
	const char *name;		/* script name for messages */
	mmsim_config *cfg;
	mmsim_machine *m;		/* booted at the first statement needing it */
	unsigned int flags;
	struct strbuf *out;
	struct mmsim_error *err;
	unsigned long line;
	bool aslr;
	struct scn_var vars[SCN_MAX_VARS];
	unsigned int nr_vars;
	char *env[SCN_MAX_ENV + 1];
	unsigned int nr_env;
};

/* ---- small helpers ------------------------------------------------------------------------ */

static int scn_error(struct scn *s, int code, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int scn_error(struct scn *s, int code, int col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(s->err, code, s->name, (int)s->line, col, "%s", msg);
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Next whitespace-separated word of *p into buf; false at the end of the line. */
static bool next_word(const char **p, char *buf, size_t size)
{
	const char *q = skip_ws(*p);
	size_t n = 0;
	if (!*q)
		return false;
	while (*q && *q != ' ' && *q != '\t') {
		if (n + 1 < size)
			buf[n++] = *q;
		q++;
	}
	buf[n] = '\0';
	*p = q;
	return true;
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;
	if (!*s || *s == '-')
		return false;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

static bool parse_pid(const char *s, int *pid)
{
	uint64_t v;
	if (!parse_u64(s, &v) || v == 0 || v > 4194304)	/* PID_MAX_LIMIT */
		return false;
	*pid = (int)v;
	return true;
}

/* A size with an optional K/M/G suffix (binary), or "unlimited". */
static bool parse_size(const char *s, uint64_t *v)
{
	if (strcmp(s, "unlimited") == 0) {
		*v = RLIM_INFINITY;
		return true;
	}
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return false;
	unsigned int shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (*end || (shift && x > (~0ull >> shift)))
		return false;
	*v = x << shift;
	return true;
}

static struct scn_var *var_find(struct scn *s, const char *name, size_t len)
{
	for (unsigned int i = 0; i < s->nr_vars; i++)
		if (strlen(s->vars[i].name) == len && memcmp(s->vars[i].name, name, len) == 0)
			return &s->vars[i];
	return NULL;
}

static int var_set(struct scn *s, const char *name, uint64_t value, int col)
{
	struct scn_var *v = var_find(s, name, strlen(name));
	if (!v) {
		if (s->nr_vars == SCN_MAX_VARS)
			return scn_error(s, -ENOSPC, col, "more than %d variables", SCN_MAX_VARS);
		if (strlen(name) >= sizeof(v->name))
			return scn_error(s, -EINVAL, col, "variable name '$%s' is longer than %zu characters",
					 name, sizeof(v->name) - 1);
		v = &s->vars[s->nr_vars++];
		strcpy(v->name, name);
	}
	v->value = value;
	return 0;
}

static bool is_var_char(char c, bool first)
{
	return c == '_' || isalpha((unsigned char)c) || (!first && isdigit((unsigned char)c));
}

/*
 * Copy line into sb with every $name[+N|-N] outside double quotes replaced by its value in
 * hex. -EINVAL (with the column) for an undefined variable or a bad offset.
 */
static int substitute(struct scn *s, const char *line, struct strbuf *sb)
{
	bool quoted = false;
	for (const char *p = line; *p; p++) {
		if (*p == '"' && (p == line || p[-1] != '\\'))
			quoted = !quoted;
		if (quoted || *p != '$' || !is_var_char(p[1], true)) {
			char c[2] = { *p, 0 };
			sb_puts(sb, c);
			continue;
		}
		const char *name = p + 1, *e = name;
		while (is_var_char(*e, false))
			e++;
		struct scn_var *v = var_find(s, name, (size_t)(e - name));
		if (!v)
			return scn_error(s, -EINVAL, (int)(p - line) + 1, "variable '$%.*s' is not set "
					 "(set it with '= $%.*s' after a call)", (int)(e - name), name,
					 (int)(e - name), name);
		uint64_t value = v->value;
		if (*e == '+' || *e == '-') {
			char *end;
			errno = 0;
			unsigned long long off = strtoull(e + 1, &end, 0);
			if (end == e + 1 || errno)
				return scn_error(s, -EINVAL, (int)(e - line) + 2,
						 "expected a number after '%c'", *e);
			value = *e == '+' ? value + off : value - off;
			e = end;
		}
		sb_printf(sb, "0x%llx", (unsigned long long)value);
		p = e - 1;
	}
	return 0;
}

/* substitute() into a new malloc'd string *text (the caller frees it); 0 or the error. */
static int substituted(struct scn *s, const char *line, char **text, size_t *len)
{
	struct strbuf sb;
	sb_init(&sb);
	int ret = substitute(s, line, &sb);
	*text = NULL;
	if (sb_finish(&sb, text, len) < 0)
		return -ENOMEM;
	if (ret) {
		free(*text);
		*text = NULL;
	}
	return ret;
}

/* Boot the machine if it is not yet running. */
static int need_machine(struct scn *s)
{
	if (s->m)
		return 0;
	int ret = mmsim_boot(s->cfg, &s->m, s->err);
	if (ret < 0 && s->err && !s->err->line) {
		char msg[sizeof(s->err->msg)];
		snprintf(msg, sizeof(msg), "%s", s->err->msg);
		err_set(s->err, ret, s->name, (int)s->line, 1, "the machine does not boot: %s", msg);
	}
	return ret;
}

static struct task_struct *need_task(struct scn *s, int pid, int col)
{
	struct task_struct *t = find_task_by_pid(s->m, pid);
	if (!t)
		scn_error(s, -ESRCH, col, "there is no process %d (create it with 'exec %d PATH')",
			  pid, pid);
	return t;
}

/* ---- statements ---------------------------------------------------------------------------- */

static int stmt_machine(struct scn *s, const char *rest)
{
	if (s->m)
		return scn_error(s, -EINVAL, 1, "'machine' must come before the first statement that "
				 "uses the machine");
	char word[256];
	const char *p = rest;
	while (next_word(&p, word, sizeof(word))) {
		char *eq = strchr(word, '=');
		if (!eq)
			return scn_error(s, -EINVAL, (int)(p - rest), "expected KEY=VALUE, got '%s'", word);
		*eq = '\0';
		struct mmsim_error e = { 0 };
		int ret = mmsim_config_set(s->cfg, word, eq + 1, &e);
		if (ret < 0)
			return scn_error(s, ret, 1, "machine %s=%s: %s", word, eq + 1, e.msg);
	}
	return 0;
}

static int stmt_sysctl(struct scn *s, const char *rest)
{
	char word[256];
	const char *p = rest;
	if (!next_word(&p, word, sizeof(word)) || !strchr(word, '='))
		return scn_error(s, -EINVAL, 8, "expected NAME=VALUE after 'sysctl'");
	int ret = need_machine(s);
	if (ret)
		return ret;
	char *eq = strchr(word, '=');
	*eq = '\0';
	uint64_t v;
	if (!parse_u64(eq + 1, &v))
		return scn_error(s, -EINVAL, 8, "sysctl %s: '%s' is not a number", word, eq + 1);
	struct vm_sysctl *c = &s->m->mm.sysctl;
	if (strcmp(word, "vm.max_map_count") == 0 && v <= INT32_MAX)
		c->max_map_count = (int)v;
	else if (strcmp(word, "vm.mmap_min_addr") == 0)
		c->mmap_min_addr = v;
	else if (strcmp(word, "vm.legacy_va_layout") == 0 && v <= 1)
		c->legacy_va_layout = (int)v;
	else if (strcmp(word, "vm.overcommit_memory") == 0 && v <= 2)
		c->overcommit_memory = (int)v;
	else if (strcmp(word, "vm.overcommit_ratio") == 0 && v <= INT32_MAX)
		c->overcommit_ratio = (int)v;
	else if (strcmp(word, "kernel.randomize_va_space") == 0 && v <= 2)
		c->randomize_va_space = (int)v;
	else if (strcmp(word, "vm.swappiness") == 0 && v <= 200)
		c->swappiness = (int)v;
	else if (strcmp(word, "vm.dirty_ratio") == 0 && !dirty_ratio_handler(&s->m->mm, v))
		;	/* the handlers set it (page-writeback.c); -EINVAL falls to the error */
	else if (strcmp(word, "vm.dirty_bytes") == 0 && !dirty_bytes_handler(&s->m->mm, v))
		;
	else if (strcmp(word, "vm.dirty_background_ratio") == 0 &&
		 !dirty_background_ratio_handler(&s->m->mm, v))
		;
	else if (strcmp(word, "vm.dirty_background_bytes") == 0 &&
		 !dirty_background_bytes_handler(&s->m->mm, v))
		;
	else if (strcmp(word, "vm.highmem_is_dirtyable") == 0 &&
		 !highmem_is_dirtyable_handler(&s->m->mm, v))
		;
	else if (strcmp(word, "vm.panic_on_oom") == 0 && v <= 2)
		c->panic_on_oom = (int)v;
	else if (strcmp(word, "vm.oom_kill_allocating_task") == 0 && v <= 1)
		c->oom_kill_allocating_task = (int)v;
	else if (strcmp(word, "vm.page-cluster") == 0 && v <= 31)	/* page_cluster_max */
		c->page_cluster = (int)v;
	else if (strcmp(word, "vm.drop_caches") == 0 && v >= 1 && v <= 4)
		return drop_caches(&s->m->mm, (int)v);	/* an action, not a setting */
	else
		return scn_error(s, -EINVAL, 8, "sysctl %s=%s: expected vm.max_map_count, "
				 "vm.mmap_min_addr, vm.legacy_va_layout (0-1), vm.overcommit_memory "
				 "(0-2), vm.overcommit_ratio, vm.swappiness (0-200), vm.dirty_ratio "
				 "(0-100), vm.dirty_bytes (at least 2 pages), "
				 "vm.dirty_background_ratio (0-100), vm.dirty_background_bytes, "
				 "vm.highmem_is_dirtyable (0-1, HighMem machines), vm.panic_on_oom "
				 "(0-2), vm.oom_kill_allocating_task (0-1), vm.page-cluster (0-31), "
				 "vm.drop_caches (1-4) or kernel.randomize_va_space (0-2)", word,
				 eq + 1);
	return 0;
}

static int stmt_env(struct scn *s, const char *rest)
{
	const char *p = skip_ws(rest);
	if (!strchr(p, '='))
		return scn_error(s, -EINVAL, 5, "expected NAME=VALUE after 'env'");
	if (s->nr_env == SCN_MAX_ENV)
		return scn_error(s, -ENOSPC, 5, "more than %d env lines", SCN_MAX_ENV);
	s->env[s->nr_env] = strdup(p);
	if (!s->env[s->nr_env])
		return -ENOMEM;
	s->env[++s->nr_env] = NULL;
	return 0;
}

static int stmt_ulimit(struct scn *s, const char *rest)
{
	static const struct { const char *name; int res; } limits[] = {
		{ "stack", RLIMIT_STACK }, { "data", RLIMIT_DATA }, { "memlock", RLIMIT_MEMLOCK },
		{ "as", RLIMIT_AS },
	};
	char pidw[32], what[32], size[64];
	const char *p = rest;
	int pid;
	uint64_t v;
	if (!next_word(&p, pidw, sizeof(pidw)) || !parse_pid(pidw, &pid) ||
	    !next_word(&p, what, sizeof(what)) || !next_word(&p, size, sizeof(size)))
		return scn_error(s, -EINVAL, 8, "expected 'ulimit PID stack|data|memlock|as SIZE'");
	if (!parse_size(size, &v))
		return scn_error(s, -EINVAL, 8, "ulimit: '%s' is not a size (4096, 8M, unlimited)", size);
	int ret = need_machine(s);
	if (ret)
		return ret;
	struct task_struct *t = need_task(s, pid, 8);
	if (!t)
		return -ESRCH;
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		if (strcmp(what, limits[i].name) == 0) {
			t->rlim[limits[i].res].rlim_cur = v;
			if (t->rlim[limits[i].res].rlim_max < v)
				t->rlim[limits[i].res].rlim_max = v;
			return 0;
		}
	}
	return scn_error(s, -EINVAL, 8, "ulimit: expected stack, data, memlock or as, got '%s'", what);
}

static int stmt_exec(struct scn *s, const char *rest)
{
	char pidw[32], path[4096];
	const char *p = rest;
	int pid;
	if (!next_word(&p, pidw, sizeof(pidw)) || !parse_pid(pidw, &pid) ||
	    !next_word(&p, path, sizeof(path)))
		return scn_error(s, -EINVAL, 6, "expected 'exec PID PATH [ARG]...'");
	int ret = need_machine(s);
	if (ret)
		return ret;
	char *argv[64];
	char words[63][256];
	int argc = 0;
	argv[argc++] = path;
	while (argc < 63 && next_word(&p, words[argc - 1], sizeof(words[0]))) {
		argv[argc] = words[argc - 1];
		argc++;
	}
	if (*skip_ws(p))
		return scn_error(s, -E2BIG, 6, "more than 62 arguments");
	argv[argc] = NULL;
	struct task_struct *t = find_task_by_pid(s->m, pid);
	bool created = false;
	if (!t) {
		ret = task_create(s->m, pid, false, &t);
		if (ret < 0)
			return scn_error(s, ret, 6, "cannot create process %d: %s", pid,
					 mmsim_strerror(ret));
		created = true;
	}
	if (!s->aslr)
		t->personality |= ADDR_NO_RANDOMIZE;
	struct mmsim_error e = { 0 };
	ret = do_execve(s->m, t, path, argv, s->env, &e);
	if (ret < 0) {
		if (created)
			task_free(s->m, t);
		return scn_error(s, ret, 6, "exec %s: %s", path, e.msg[0] ? e.msg :
				 mmsim_strerror(ret));
	}
	if (s->flags & MMSIM_SCRIPT_ECHO)
		sb_printf(s->out, "%d execve(\"%s\") = 0\n", pid, path);
	return 0;
}

/* Render /proc file `file` of pid (0: a machine-wide file) into sb. */
static int render(struct scn *s, int pid, const char *file, struct strbuf *sb, int col)
{
	int ret;
	if (pid) {
		if (!need_task(s, pid, col))
			return -ESRCH;
		ret = proc_pid_render(s->m, pid, file, sb);
		if (ret == -ENOENT)
			return scn_error(s, ret, col, "/proc/%d/%s is not modelled (maps, smaps, "
					 "smaps_rollup, status, stat, statm, pagemap)", pid, file);
		return ret < 0 ? scn_error(s, ret, col, "/proc/%d/%s: %s", pid, file,
					   mmsim_strerror(ret)) : 0;
	}
	char *text = NULL;
	size_t len = 0;
	ret = mmsim_proc_render(s->m, file, &text, &len);
	if (ret == -ENOENT)
		return scn_error(s, ret, col, "/proc/%s is not modelled; a process's file needs the pid "
				 "first ('show 1 maps')", file);
	if (ret < 0)
		return scn_error(s, ret, col, "/proc/%s: %s", file, mmsim_strerror(ret));
	sb_puts(sb, text);
	free(text);
	return 0;
}

/* "[PID] FILE" at *p; pid 0 when absent. */
static int pid_and_file(struct scn *s, const char **p, int *pid, char *file, size_t size)
{
	char w[256];
	*pid = 0;
	if (!next_word(p, w, sizeof(w)))
		return scn_error(s, -EINVAL, 1, "expected [PID] FILE");
	if (isdigit((unsigned char)w[0])) {
		if (!parse_pid(w, pid))
			return scn_error(s, -EINVAL, 1, "'%s' is not a pid", w);
		if (!next_word(p, w, sizeof(w)))
			return scn_error(s, -EINVAL, 1, "expected a /proc file name after the pid");
	}
	if ((size_t)snprintf(file, size, "%s", w) >= size)
		return scn_error(s, -EINVAL, 1, "'%s' is not a /proc file name", w);
	return 0;
}

static int stmt_show(struct scn *s, const char *rest)
{
	const char *p = rest;
	int pid;
	char file[64];
	int ret = pid_and_file(s, &p, &pid, file, sizeof(file));
	if (ret)
		return ret;
	ret = need_machine(s);
	if (ret)
		return ret;
	return render(s, pid, file, s->out, 6);
}

/* Collapse runs of blanks to one space and trim: "VmData:	     360 kB" -> "VmData: 360 kB". */
static void normalise(const char *in, size_t n, char *out, size_t size)
{
	size_t k = 0;
	bool blank = false;
	for (size_t i = 0; i < n && k + 1 < size; i++) {
		if (in[i] == ' ' || in[i] == '\t') {
			blank = k > 0;
			continue;
		}
		if (blank && k + 1 < size)
			out[k++] = ' ';
		blank = false;
		out[k++] = in[i];
	}
	out[k] = '\0';
}

static int expect_failed(struct scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int expect_failed(struct scn *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_set(s->err, -EDOM, s->name, (int)s->line, 1, "expect failed: %s", msg);
	return MMSIM_SCRIPT_FAILED;
}

/*
 * A C-like string literal at p ("..." with \n \t \\ \" \0 and \xHH): its bytes in out (at
 * most cap), their number in *len, *endp after the closing quote. false when malformed.
 */
static bool parse_cstring(const char *p, char *out, size_t cap, size_t *len, const char **endp)
{
	size_t n = 0;

	if (*p++ != '"')
		return false;
	while (*p && *p != '"') {
		char c = *p++;

		if (c == '\\') {
			c = *p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '0': c = '\0'; break;
			case '\\': case '"': break;
			case 'x': {
				int v = 0;

				for (int k = 0; k < 2; k++, p++) {
					int d = isdigit((unsigned char)*p) ? *p - '0' :
						(*p >= 'a' && *p <= 'f') ? *p - 'a' + 10 :
						(*p >= 'A' && *p <= 'F') ? *p - 'A' + 10 : -1;
					if (d < 0)
						return false;
					v = v * 16 + d;
				}
				c = (char)v;
				break;
			}
			default:
				return false;
			}
		}
		if (n == cap)
			return false;
		out[n++] = c;
	}
	if (*p != '"' || !n)
		return false;
	*len = n;
	*endp = p + 1;
	return true;
}

/*
 * expect PID memory ADDR "bytes": the process reads len bytes at ADDR (an access, which may
 * fault like any other) and they must be these.
 */
static int expect_memory(struct scn *s, int pid, const char *p, int col)
{
	char a[64], want[4096], *addrtext;
	uint8_t got[4096];
	size_t n = 0, tl;
	const char *q, *end;
	uint64_t addr;
	struct access_result res = { 0 };
	int ret;

	ret = substituted(s, p, &addrtext, &tl);
	if (ret)
		return ret;
	q = addrtext;
	bool ok = next_word(&q, a, sizeof(a)) && parse_u64(a, &addr);
	q = skip_ws(q);
	ok = ok && parse_cstring(q, want, sizeof(want), &n, &end) && !*skip_ws(end);
	free(addrtext);
	if (!ok)
		return scn_error(s, -EINVAL, col, "expected 'expect PID memory ADDR \"bytes\"'");
	struct task_struct *t = need_task(s, pid, 1);
	if (!t)
		return -ESRCH;
	ret = task_access_data(s->m, t, addr, (uint32_t)n, MMU_READ, got, &res);
	if (ret)
		return scn_error(s, ret, col, "read at 0x%llx: %s", (unsigned long long)addr,
				 mmsim_strerror(ret));
	if (res.signo)
		return expect_failed(s, "reading 0x%llx in %d faults with a signal",
				     (unsigned long long)addr, pid);
	for (size_t i = 0; i < n; i++)
		if (got[i] != (uint8_t)want[i])
			return expect_failed(s, "memory of %d at 0x%llx: byte %zu is 0x%02x, expected "
					     "0x%02x", pid, (unsigned long long)(addr + i), i, got[i],
					     (uint8_t)want[i]);
	return 0;
}

/*
 * expect $var == VALUE | expect $var != VALUE
 * expect [PID] FILE KEY VALUE...     the line "KEY: ..." (or "KEY ...") has this value
 * expect [PID] FILE contains TEXT
 * expect [PID] FILE lines N
 * expect [PID] FILE <<TAG ... TAG    (the exact text; handled by the caller, which passes it)
 */
static int stmt_expect(struct scn *s, const char *rest, const char *heredoc)
{
	int ret = need_machine(s);
	if (ret)
		return ret;
	const char *p = skip_ws(rest);
	if (*p == '$') {
		char *text;
		size_t len;
		ret = substituted(s, p, &text, &len);
		if (ret)
			return ret;
		char a[64], op[8], b[64];
		const char *q = text;
		bool ok = next_word(&q, a, sizeof(a)) && next_word(&q, op, sizeof(op)) &&
			  next_word(&q, b, sizeof(b)) && !*skip_ws(q);
		free(text);
		uint64_t va, vb;
		if (!ok || (strcmp(op, "==") && strcmp(op, "!=")) || !parse_u64(a, &va) ||
		    !parse_u64(b, &vb))
			return scn_error(s, -EINVAL, 8, "expected 'expect $VAR == VALUE' or '!='");
		bool eq = va == vb;
		if (eq != (op[0] == '='))
			return expect_failed(s, "%s is 0x%llx, expected %s 0x%llx", rest,
					     (unsigned long long)va, op, (unsigned long long)vb);
		return 0;
	}
	int pid;
	char file[64];
	{
		/* expect PID memory ADDR "bytes" */
		const char *q = p;
		char w1[24], w2[16];

		if (next_word(&q, w1, sizeof(w1)) && next_word(&q, w2, sizeof(w2)) &&
		    strcmp(w2, "memory") == 0 && isdigit((unsigned char)w1[0]))
			return expect_memory(s, atoi(w1), skip_ws(q), 8);
	}
	ret = pid_and_file(s, &p, &pid, file, sizeof(file));
	if (ret)
		return ret;
	struct strbuf sb;
	sb_init(&sb);
	ret = render(s, pid, file, &sb, 8);
	char *text = NULL;
	size_t len = 0;
	if (sb_finish(&sb, &text, &len) < 0)
		return -ENOMEM;
	if (ret) {
		free(text);
		return ret;
	}
	char where[80];
	if (pid)
		snprintf(where, sizeof(where), "/proc/%d/%s", pid, file);
	else
		snprintf(where, sizeof(where), "/proc/%s", file);
	p = skip_ws(p);
	ret = 0;
	if (heredoc) {
		if (strcmp(text, heredoc) != 0) {
			/* name the first line that differs */
			const char *a = text, *b = heredoc;
			unsigned int n = 1;
			while (*a && *a == *b) {
				if (*a == '\n')
					n++;
				a++, b++;
			}
			ret = expect_failed(s, "%s differs from the expected text at its line %u", where, n);
		}
	} else if (strncmp(p, "contains ", 9) == 0) {
		const char *needle = skip_ws(p + 9);
		if (!strstr(text, needle))
			ret = expect_failed(s, "%s does not contain \"%s\"", where, needle);
	} else if (strncmp(p, "lines ", 6) == 0) {
		uint64_t want;
		if (!parse_u64(skip_ws(p + 6), &want)) {
			ret = scn_error(s, -EINVAL, 8, "expected a number after 'lines'");
		} else {
			uint64_t n = 0;
			for (const char *c = text; *c; c++)
				n += *c == '\n';
			if (n != want)
				ret = expect_failed(s, "%s has %llu lines, expected %llu", where,
						    (unsigned long long)n, (unsigned long long)want);
		}
	} else {
		char key[128];
		const char *q = p;
		if (!next_word(&q, key, sizeof(key))) {
			ret = scn_error(s, -EINVAL, 8, "expected KEY VALUE, 'contains TEXT', "
					"'lines N' or '<<TAG' after the file name");
		} else {
			char want[256], got[256] = "";
			normalise(q, strlen(q), want, sizeof(want));
			size_t kl = strlen(key);
			if (kl && key[kl - 1] == ':')
				key[--kl] = '\0';
			bool found = false;
			for (const char *l = text; *l; ) {
				const char *e = strchr(l, '\n');
				size_t n = e ? (size_t)(e - l) : strlen(l);
				if (n > kl && strncmp(l, key, kl) == 0 &&
				    (l[kl] == ':' || l[kl] == ' ' || l[kl] == '\t')) {
					size_t off = kl + (l[kl] == ':');
					normalise(l + off, n - off, got, sizeof(got));
					found = true;
					break;
				}
				l = e ? e + 1 : l + n;
			}
			if (!found)
				ret = expect_failed(s, "%s has no line '%s'", where, key);
			else if (strcmp(got, want) != 0)
				ret = expect_failed(s, "%s: %s is '%s', expected '%s'", where, key, got,
						    want);
		}
	}
	free(text);
	return ret;
}

static int stmt_echo(struct scn *s, const char *rest)
{
	sb_puts(s->out, skip_ws(rest));
	sb_puts(s->out, "\n");
	return 0;
}

/*
 * End of the call in a system-call line: the ')' closing the argument list (quotes,
 * brackets and braces respected), or NULL.
 */
static const char *call_end(const char *line)
{
	const char *p = strchr(line, '(');
	if (!p)
		return NULL;
	int depth = 0;
	bool quoted = false;
	for (; *p; p++) {
		if (quoted) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				quoted = false;
			continue;
		}
		if (*p == '"')
			quoted = true;
		else if (*p == '(' || *p == '[' || *p == '{')
			depth++;
		else if (*p == ')' || *p == ']' || *p == '}') {
			if (--depth == 0)
				return *p == ')' ? p : NULL;
		}
	}
	return NULL;
}

/* "PID name(args) [= RESULT | = $var]" */
static int stmt_call(struct scn *s, const char *line)
{
	const char *end = call_end(line);
	if (!end)
		return scn_error(s, -EINVAL, 1, "expected a system call 'PID name(args) [= RESULT]' "
				 "with its closing ')'");
	/* "= $name": capture instead of check */
	char capture[32] = "";
	size_t keep = strlen(line);
	const char *r = skip_ws(end + 1);
	if (r[0] == '=' && skip_ws(r + 1)[0] == '$') {
		const char *v = skip_ws(r + 1) + 1, *ve = v;
		while (is_var_char(*ve, ve == v))
			ve++;
		if (ve == v || (size_t)(ve - v) >= sizeof(capture))
			return scn_error(s, -EINVAL, (int)(v - line) + 1,
					 "expected a variable name after '= $' (letters, digits, _; "
					 "at most %zu)", sizeof(capture) - 1);
		/* "= $name" stores; "= $name+N" / "= $name-N" is a value to check */
		if (!*skip_ws(ve)) {
			memcpy(capture, v, (size_t)(ve - v));
			capture[ve - v] = '\0';
			keep = (size_t)(end + 1 - line);
		}
	}
	char *head = strndup(line, keep);
	if (!head)
		return -ENOMEM;
	char *text;
	size_t len = 0;
	int ret = substituted(s, head, &text, &len);
	free(head);
	if (ret)
		return ret;
	struct strace_parse_opts o = { .file = s->name, .line = (int)s->line };
	struct strace_event ev = { 0 };
	ret = strace_parse_line(text, len, &o, &ev, s->err);
	if (ret < 0)
		goto out_free_text;
	if (ev.kind != STRACE_CALL) {
		ret = scn_error(s, -EINVAL, 1, "expected a complete system call, not an "
				"unfinished/resumed half or a signal line");
		goto out_release;
	}
	if (ev.pid <= 0) {
		ret = scn_error(s, -EINVAL, 1, "a system call needs the pid in front: '1 %s'", text);
		goto out_release;
	}
	if (!ev.decoded) {
		ret = scn_error(s, -ENOSYS, 1, "%s is not a system call mmsim models (see "
				"docs/scenario-language.md for the list)", ev.call.name);
		goto out_release;
	}
	ret = need_machine(s);
	if (ret)
		goto out_release;
	/* a process-creating call written with its result gives the child that pid */
	static const char *const forks[] = { "fork", "vfork", "clone", "clone3" };
	int64_t got = 0;
	for (size_t k = 0; k < sizeof(forks) / sizeof(forks[0]); k++)
		if (strcmp(ev.call.name, forks[k]) == 0 && ev.ret_kind == STRACE_RET_VALUE)
			got = ev.ret;
	enum sys_disposition disp;
	struct mmsim_error e = { 0 };
	ret = syscall_dispatch(s->m, ev.pid, &ev.call, &got, &disp, &e);
	if (ret < 0) {
		ret = scn_error(s, ret, 1, "%s", e.msg[0] ? e.msg : mmsim_strerror(ret));
		goto out_release;
	}
	if (s->flags & MMSIM_SCRIPT_ECHO) {
		const char *call = skip_ws(text), *ce = call_end(call);
		sb_printf(s->out, "%.*s", ce ? (int)(ce + 1 - call) : (int)strlen(call), call);
		if (disp == SYS_HANDLED && (strcmp(ev.call.name, "exit_group") == 0 ||
					    strcmp(ev.call.name, "exit") == 0))
			sb_puts(s->out, " = ?");	/* as strace: the call does not return */
		else if (disp == SYS_HANDLED)
			strace_format_ret(s->out, ev.call.name, got);
		else
			sb_puts(s->out, " (not modelled: no effect)");
		sb_puts(s->out, "\n");
	}
	if (disp != SYS_HANDLED) {
		ret = 0;
		goto out_release;
	}
	if (ev.ret_kind == STRACE_RET_VALUE && got != ev.ret) {
		struct strbuf a, b;
		sb_init(&a);
		sb_init(&b);
		strace_format_ret(&a, ev.call.name, got);
		strace_format_ret(&b, ev.call.name, ev.ret);
		char *as = NULL, *bs = NULL;
		size_t n;
		sb_finish(&a, &as, &n);
		sb_finish(&b, &bs, &n);
		ret = expect_failed(s, "%s returned%s; the script expects%s", ev.call.name,
				    as ? as : "", bs ? bs : "");
		free(as);
		free(bs);
		goto out_release;
	}
	ret = 0;
	if (capture[0]) {
		if (got < 0 && got > -4096) {
			ret = expect_failed(s, "%s failed with %s; nothing to store in $%s",
					    ev.call.name, strace_errno_name((int)got) ?
					    strace_errno_name((int)got) : "an error", capture);
			goto out_release;
		}
		ret = var_set(s, capture, (uint64_t)got, 1);
	}
out_release:
	strace_event_release(&ev);
out_free_text:
	free(text);
	return ret;
}

/*
 * "PID read|write|exec ADDR [LEN] [= SIGSEGV|SIGBUS]": one access of one byte at ADDR and at
 * the start of every further page of [ADDR, ADDR+LEN); "PID L|S|M|I ADDR,SIZE" as valgrind's
 * lackey prints accesses (M: a load, then a store). A fault the kernel cannot fix kills the
 * process with the signal, as its default action does; "= SIGSEGV" says that is expected.
 */
static int stmt_access(struct scn *s, int pid, const char *rest, int col)
{
	char word[16], what[128] = "";
	const char *p = rest;
	next_word(&p, word, sizeof(word));
	unsigned int kinds[2];
	int nkinds = 1;
	uint64_t addr = 0, len = 1;
	const char *expect_sig = NULL;
	/* "PID write ADDR \"bytes\"": a store of these bytes (the quotes may hold '=') */
	char data[4096], rest_buf[512];
	size_t ndata = 0;
	const char *quote = strchr(p, '"');
	if (quote && strcmp(word, "write") == 0) {
		const char *after;

		if (!parse_cstring(quote, data, sizeof(data), &ndata, &after))
			return scn_error(s, -EINVAL, (int)(quote - rest) + col, "expected a string "
					 "\"...\" of 1 to 4096 bytes (escapes \\n \\t \\\\ \\\" \\0 \\xHH)");
		/* the rest of the line without the string */
		snprintf(rest_buf, sizeof(rest_buf), "%.*s%s", (int)(quote - p), p, after);
		p = rest_buf;
	}
	/* the expected outcome, then the operands */
	char *eq = strchr(p, '=');
	char buf[256];
	snprintf(buf, sizeof(buf), "%.*s", eq ? (int)(eq - p) : (int)strlen(p), p);
	if (eq) {
		const char *e = skip_ws(eq + 1);
		if (strncmp(e, "SIGSEGV", 7) == 0 && !*skip_ws(e + 7))
			expect_sig = "SIGSEGV";
		else if (strncmp(e, "SIGBUS", 6) == 0 && !*skip_ws(e + 6))
			expect_sig = "SIGBUS";
		else
			return scn_error(s, -EINVAL, (int)(e - rest) + col, "an access can only expect "
					 "'= SIGSEGV' or '= SIGBUS'");
	}
	char *text;
	size_t tl;
	int ret = substituted(s, buf, &text, &tl);
	if (ret)
		return ret;
	const char *q = text;
	char a[64], l[64];
	bool lackey = strlen(word) == 1;
	bool ok;
	if (lackey) {	/* "ADDR,SIZE", ADDR in hex without 0x as lackey prints it */
		ok = next_word(&q, a, sizeof(a)) && !*skip_ws(q);
		char *comma = ok ? strchr(a, ',') : NULL;
		char *end;
		ok = comma != NULL;
		if (ok) {
			*comma = '\0';
			errno = 0;
			addr = strtoull(a, &end, 16);
			ok = !errno && *a && !*end;
			len = strtoull(comma + 1, &end, 10);
			ok = ok && !*end && len > 0 && len <= 4096;
		}
		if (strcmp(word, "L") == 0)
			kinds[0] = MMU_READ;
		else if (strcmp(word, "S") == 0)
			kinds[0] = MMU_WRITE;
		else if (strcmp(word, "I") == 0)
			kinds[0] = MMU_EXEC;
		else if (strcmp(word, "M") == 0)
			kinds[0] = MMU_READ, kinds[1] = MMU_WRITE, nkinds = 2;
		else
			ok = false;
	} else {
		ok = next_word(&q, a, sizeof(a)) && parse_u64(a, &addr);
		if (ok && next_word(&q, l, sizeof(l)))
			ok = parse_size(l, &len) && len > 0 && len != RLIM_INFINITY;
		ok = ok && !*skip_ws(q);
		if (strcmp(word, "read") == 0)
			kinds[0] = MMU_READ;
		else if (strcmp(word, "write") == 0)
			kinds[0] = MMU_WRITE;
		else if (strcmp(word, "exec") == 0)
			kinds[0] = MMU_EXEC;
		else
			ok = false;
	}
	char shown[256];	/* the operands with the variables replaced, for --echo */
	snprintf(shown, sizeof(shown), "%s", skip_ws(text));
	for (size_t k = strlen(shown); k && (shown[k - 1] == ' ' || shown[k - 1] == '\t'); k--)
		shown[k - 1] = '\0';
	free(text);
	if (!ok)
		return scn_error(s, -EINVAL, col, "expected 'PID read|write|exec ADDR [LEN]' or a "
				 "lackey line 'PID L|S|M|I HEXADDR,SIZE'");
	ret = need_machine(s);
	if (ret)
		return ret;
	struct task_struct *t = need_task(s, pid, 1);
	if (!t)
		return -ESRCH;
	struct access_result res = { 0 };
	uint64_t ps = s->m->mm.page_size;
	if (ndata) {
		ret = task_access_data(s->m, t, addr, (uint32_t)ndata, MMU_WRITE, data, &res);
		nkinds = 0;	/* done */
	}
	for (int k = 0; k < nkinds && !res.signo; k++) {
		if (lackey) {
			ret = task_access(s->m, t, addr, (uint32_t)len, kinds[k], &res);
			if (ret)
				break;
			continue;
		}
		/* one byte at addr, then at the start of every following page of the range */
		for (uint64_t va = addr; va - addr < len && !res.signo; va = (va | (ps - 1)) + 1) {
			ret = task_access(s->m, t, va, 1, kinds[k], &res);
			if (ret || va + ps < va)
				break;
		}
	}
	if (ret)
		return scn_error(s, ret, col, "%s at 0x%llx: %s", word, (unsigned long long)addr,
				 ret == -ENOSYS ? "this kind of fault is not modelled (the pages of "
				 "special mappings such as [vdso], hugetlbfs)" : mmsim_strerror(ret));
	const char *sig = res.signo == MMSIM_SIGSEGV ? "SIGSEGV" :
			  res.signo == MMSIM_SIGBUS ? "SIGBUS" :
			  res.signo == MMSIM_SIGKILL ? "SIGKILL" : NULL;
	if (res.signo == MMSIM_SIGKILL) {	/* the OOM killer: the task has exited already */
		snprintf(what, sizeof(what), "SIGKILL");
		sb_printf(s->out, "%d +++ killed by %s +++\n", pid, what);
	} else if (res.signo) {
		snprintf(what, sizeof(what), "%s (%s at 0x%llx)", sig ? sig : "a signal",
			 res.signo == MMSIM_SIGSEGV ? (res.si_code == MMSIM_SEGV_MAPERR ?
			 "SEGV_MAPERR" : "SEGV_ACCERR") : "BUS_ADRERR",
			 (unsigned long long)res.addr);
		sb_printf(s->out, "%d +++ killed by %s +++\n", pid, what);
		do_exit_group(s->m, t, res.signo);	/* do_group_exit(signr): no core (RLIMIT_CORE 0) */
	} else if (s->flags & MMSIM_SCRIPT_ECHO) {
		sb_printf(s->out, "%d %s %s\n", pid, word, shown);
	}
	if (expect_sig && (!sig || strcmp(sig, expect_sig) != 0))
		return expect_failed(s, "the access was expected to end with %s, %s", expect_sig,
				     sig ? what : "it completed");
	return 0;
}

/* A line starting with a pid is a system call; else the first word is the statement. */
static int run_statement(struct scn *s, const char *line, const char *heredoc)
{
	const char *p = skip_ws(line);
	if (isdigit((unsigned char)*p)) {
		/* "PID name(" is a system call; "PID read ..." / "PID L ..." an access */
		const char *w = p;
		while (isdigit((unsigned char)*w))
			w++;
		const char *v = skip_ws(w);
		size_t n = strcspn(v, " \t(");
		if (v[n] != '(' && n > 0) {
			int pid;
			char pw[16];
			snprintf(pw, sizeof(pw), "%.*s", (int)(w - p), p);
			if (!parse_pid(pw, &pid))
				return scn_error(s, -EINVAL, 1, "'%s' is not a pid", pw);
			return stmt_access(s, pid, v, (int)(v - line) + 1);
		}
		return stmt_call(s, p);
	}
	char verb[16];
	const char *rest = p;
	next_word(&rest, verb, sizeof(verb));
	if (strcmp(verb, "machine") == 0)
		return stmt_machine(s, rest);
	if (strcmp(verb, "sysctl") == 0)
		return stmt_sysctl(s, rest);
	if (strcmp(verb, "aslr") == 0) {
		char w[16];
		if (!next_word(&rest, w, sizeof(w)) || (strcmp(w, "on") && strcmp(w, "off")))
			return scn_error(s, -EINVAL, 6, "expected 'aslr on' or 'aslr off'");
		s->aslr = strcmp(w, "on") == 0;
		return 0;
	}
	if (strcmp(verb, "env") == 0)
		return stmt_env(s, rest);
	if (strcmp(verb, "ulimit") == 0)
		return stmt_ulimit(s, rest);
	if (strcmp(verb, "exec") == 0)
		return stmt_exec(s, rest);
	if (strcmp(verb, "show") == 0)
		return stmt_show(s, rest);
	if (strcmp(verb, "expect") == 0)
		return stmt_expect(s, rest, heredoc);
	if (strcmp(verb, "echo") == 0)
		return stmt_echo(s, rest);
	return scn_error(s, -EINVAL, (int)(p - line) + 1, "unknown statement '%s': expected a "
			 "system call (PID name(args)), machine, sysctl, aslr, env, ulimit, exec, "
			 "show, expect or echo", verb);
}

int mmsim_script_run(mmsim_config *cfg, const char *name, const char *text, size_t len,
		     unsigned int flags, char **out, size_t *outlen, struct mmsim_error *err)
{
	return scenario_run_keep(cfg, name, text, len, flags, out, outlen, err, NULL);
}

int scenario_run_keep(mmsim_config *cfg, const char *name, const char *text, size_t len,
		      unsigned int flags, char **out, size_t *outlen, struct mmsim_error *err,
		      mmsim_machine **keep)
{
	struct strbuf sb;
	struct scn *s;
	int ret = 0;

	if (!cfg || !text || !out)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	sb_init(&sb);
	s->name = name ? name : "<script>";
	s->cfg = cfg;
	s->flags = flags;
	s->out = &sb;
	s->err = err;
	err_clear(err);

	const char *p = text, *end = text + len;
	unsigned long lineno = 0;
	while (p < end && ret == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (mmsim_stop_requested()) {
			ret = err_set(err, -EINTR, s->name, lineno + 1, 0,
				      "stopped by a signal before this line");
			break;
		}
		char *line = strndup(p, n);
		if (!line) {
			ret = -ENOMEM;
			break;
		}
		p += n + (nl != NULL);
		s->line = ++lineno;
		if (memchr(line, '\0', n) || (n && line[n - 1] == '\r'))
			line[strcspn(line, "\r")] = '\0';
		const char *q = skip_ws(line);
		if (!*q || *q == '#') {
			free(line);
			continue;
		}
		/* heredoc: "expect ... <<TAG", then lines up to "TAG" */
		char *heredoc = NULL;
		char *lt = strstr(line, "<<");
		if (strncmp(q, "expect", 6) == 0 && lt && is_var_char(lt[2], true)) {
			const char *tag = lt + 2;
			*lt = '\0';
			struct strbuf hd;
			sb_init(&hd);
			bool closed = false;
			unsigned long start = lineno;
			while (p < end) {
				const char *nl2 = memchr(p, '\n', (size_t)(end - p));
				size_t n2 = nl2 ? (size_t)(nl2 - p) : (size_t)(end - p);
				p += n2 + (nl2 != NULL);
				lineno++;
				if (n2 == strlen(tag) && memcmp(p - n2 - (nl2 != NULL), tag, n2) == 0) {
					closed = true;
					break;
				}
				char *l2 = strndup(p - n2 - (nl2 != NULL), n2);
				if (!l2) {
					ret = -ENOMEM;
					break;
				}
				sb_puts(&hd, l2);
				sb_puts(&hd, "\n");
				free(l2);
			}
			size_t hn;
			if (sb_finish(&hd, &heredoc, &hn) < 0 && !ret)
				ret = -ENOMEM;
			if (!closed && !ret)
				ret = scn_error(s, -EINVAL, (int)(tag - line) + 1, "the text after "
						"'<<%s' on line %lu has no closing line '%s'", tag, start,
						tag);
		}
		if (!ret)
			ret = run_statement(s, line, heredoc);
		/* vm.panic_on_oom: the machine stopped (mm/oom_kill.c mm_panic), whatever the
		   statement itself reported (its allocation failed) */
		const char *panic_msg;
		if (s->m && mm_panicked(&s->m->mm, &panic_msg))
			ret = scn_error(s, -EIO, 1, "Kernel panic - not syncing: %s", panic_msg);
		if (!ret && (flags & MMSIM_SCRIPT_CHECK) && s->m) {
			struct mmsim_error e = { 0 };
			int v = mmsim_machine_validate(s->m, &e);
			if (v < 0)
				ret = scn_error(s, v, 1, "after this statement the model is "
						"inconsistent: %s", e.msg);
		}
		free(heredoc);
		free(line);
	}
	for (unsigned int i = 0; i < s->nr_env; i++)
		free(s->env[i]);
	if (keep)
		*keep = s->m;
	else if (s->m)
		mmsim_machine_free(s->m);
	free(s);
	if (sb_finish(&sb, out, outlen) < 0 && ret == 0)
		ret = -ENOMEM;
	return ret;
}

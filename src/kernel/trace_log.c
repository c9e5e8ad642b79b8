/*
 * The process a trace runs in, built from an strace log (trace_log_build; the rules are in
 * kernel/trace_run.h, the user's view in docs/trace-command.md).
 *
 * The log is read twice. The first pass (input/strace.c's reader) only looks: the pid of
 * the first execve, every pid the log prints, and where each process calls exit or
 * exit_group. Then the process is chosen, and the log is replayed by mmsim_replay
 * (kernel/replay.c) from a copy whose lines holding that process's exit and exit_group are
 * made blank (the reader skips blank lines; the other lines keep their numbers, so the
 * replay's messages point into the user's file). Without them the process is alive at the
 * end of the replay with the address space it had when it called exit_group, the state
 * `mmsim replay` prints (Linux: do_exit -> exit_mm would have released it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/strace.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "kernel/trace_run.h"
#include "util/error.h"

#define FIRST_ANON	(-1)	/* owner of the lines of a first process printed without pid */

/* A line range of one exit/exit_group call. */
struct exit_call {
	int owner;		/* pid, or FIRST_ANON */
	int line, line_end;
};

/*
 * What the first pass saw. Invariants: have_first implies first_pid > 0 or FIRST_ANON;
 * pids[0..npids) are the pids (> 0) of the log's calls, each once; exits[].owner is a pid
 * of pids[] or FIRST_ANON.
 */
struct log_scan {
	bool have_first;
	int first_pid;
	int anon_pid;		/* the pid a "[pid N]" line gave the pidless first process */
	int *pids;
	size_t npids, pids_cap;
	struct exit_call *exits;
	size_t nexits, exits_cap;
};

static bool scan_has_pid(const struct log_scan *s, int pid)
{
	for (size_t i = 0; i < s->npids; i++)
		if (s->pids[i] == pid)
			return true;
	return false;
}

/* Add pid to s->pids once; 0 or -ENOMEM. */
static int scan_add_pid(struct log_scan *s, int pid)
{
	/* a log's lines come in runs of one pid: the last one added is the usual answer */
	if ((s->npids && s->pids[s->npids - 1] == pid) || scan_has_pid(s, pid))
		return 0;
	if (s->npids == s->pids_cap) {
		size_t cap = s->pids_cap ? 2 * s->pids_cap : 16;
		int *p = realloc(s->pids, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->pids = p;
		s->pids_cap = cap;
	}
	s->pids[s->npids++] = pid;
	return 0;
}

static int scan_add_exit(struct log_scan *s, int owner, const struct strace_event *ev)
{
	if (s->nexits == s->exits_cap) {
		size_t cap = s->exits_cap ? 2 * s->exits_cap : 16;
		struct exit_call *e = realloc(s->exits, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		s->exits = e;
		s->exits_cap = cap;
	}
	s->exits[s->nexits++] = (struct exit_call){ .owner = owner, .line = ev->line,
						    .line_end = ev->line_end };
	return 0;
}

static bool is_exec(const char *name)
{
	return !strcmp(name, "execve") || !strcmp(name, "execveat");
}

/* The first pass over the log text; 0 or a negative errno with err (a malformed line). */
static int scan_log(const char *name, const char *text, size_t len, struct log_scan *s,
		    struct mmsim_error *err)
{
	struct strace_reader *rd;
	int rc = strace_reader_from_string(name, text, len, &rd, err);

	if (rc)
		return rc;
	for (;;) {
		struct strace_event ev;
		int owner;

		rc = strace_reader_next(rd, &ev, err);
		if (rc <= 0)
			break;
		s->anon_pid = strace_reader_anon_pid(rd);
		if (ev.kind != STRACE_CALL || !ev.call.name) {
			strace_event_release(&ev);
			continue;
		}
		/* as replay.c: the first process is the pid of the first execve */
		if (!s->have_first && ev.decoded && is_exec(ev.call.name)) {
			s->have_first = true;
			s->first_pid = ev.pid > 0 ? ev.pid : FIRST_ANON;
		}
		owner = ev.pid;
		if (owner <= 0 || (s->first_pid == FIRST_ANON && owner == s->anon_pid))
			owner = FIRST_ANON;
		if (ev.pid > 0)
			rc = scan_add_pid(s, ev.pid);
		if (!rc && s->have_first &&
		    (!strcmp(ev.call.name, "exit_group") || !strcmp(ev.call.name, "exit")))
			rc = scan_add_exit(s, owner, &ev);
		strace_event_release(&ev);
		if (rc) {
			err_set(err, rc, name, 0, 0, "out of memory");
			break;
		}
	}
	strace_reader_free(rd);
	return rc;
}

/* Check the invariants of struct log_scan; 0 or -EUCLEAN with err. */
static int log_scan_validate(const struct log_scan *s, const char *log, struct mmsim_error *err)
{
	if (s->have_first && s->first_pid != FIRST_ANON && s->first_pid <= 0)
		return err_set(err, -EUCLEAN, log, 0, 0, "log scan: first pid %d", s->first_pid);
	for (size_t i = 0; i < s->npids; i++) {
		if (s->pids[i] <= 0)
			return err_set(err, -EUCLEAN, log, 0, 0, "log scan: pid %d", s->pids[i]);
		for (size_t j = i + 1; j < s->npids; j++)
			if (s->pids[i] == s->pids[j])
				return err_set(err, -EUCLEAN, log, 0, 0, "log scan: pid %d twice",
					       s->pids[i]);
	}
	for (size_t i = 0; i < s->nexits; i++)
		if ((s->exits[i].owner != FIRST_ANON && !scan_has_pid(s, s->exits[i].owner)) ||
		    s->exits[i].line > s->exits[i].line_end)
			return err_set(err, -EUCLEAN, log, s->exits[i].line, 0, "log scan: exit of "
				       "pid %d not among the log's pids", s->exits[i].owner);
	return 0;
}

/* "25188, 25190, ..." (the first few pids of the log) into buf. */
static void list_pids(const struct log_scan *s, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->npids && i < 8 && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%d", i ? ", " : "", s->pids[i]);
	if (s->npids > 8 && used < size)
		snprintf(buf + used, size - used, " ...");
}

/*
 * Choose the owner key of the process the trace runs in (a pid, or FIRST_ANON); 0 or
 * -ESRCH with err.
 */
static int choose(const struct log_scan *s, const char *log, const struct trace_run_opts *o,
		  const char *trace_name, int trace_pid, uint64_t trace_pid_line, int *key,
		  bool *from_trace, struct mmsim_error *err)
{
	char pids[128];

	list_pids(s, pids, sizeof(pids));
	*from_trace = false;
	if (!s->have_first)
		return err_set(err, -ESRCH, log, 0, 0, "the log has no execve: there is no process "
			       "to run the trace in");
	if (o->pid > 0) {
		if (s->first_pid == FIRST_ANON && o->pid == s->anon_pid) {
			*key = FIRST_ANON;
			return 0;
		}
		if (!scan_has_pid(s, o->pid))
			return err_set(err, -ESRCH, log, 0, 0, "the log has no process %d (%s%s)",
				       o->pid, s->npids ? "its processes: " : "its lines carry no "
				       "pid; record with strace -f -o LOG", pids);
		*key = o->pid;
		return 0;
	}
	if (trace_pid > 0 && s->npids) {
		if (s->first_pid == FIRST_ANON && trace_pid == s->anon_pid) {
			*key = FIRST_ANON;
		} else if (scan_has_pid(s, trace_pid)) {
			*key = trace_pid;
		} else {
			return err_set(err, -ESRCH, trace_name, (int)trace_pid_line, 0,
				       "the trace is of process %d, which the log %s does not have "
				       "(its processes: %s): record the log around valgrind "
				       "(strace -f -o LOG valgrind --tool=lackey ...), or choose one "
				       "with --pid", trace_pid, log, pids);
		}
		*from_trace = true;
		return 0;
	}
	*key = s->first_pid;
	return 0;
}

/* Is line inside an exit call of owner key? */
static bool blanked(const struct log_scan *s, int key, int line)
{
	for (size_t i = 0; i < s->nexits; i++)
		if (s->exits[i].owner == key && line >= s->exits[i].line &&
		    line <= s->exits[i].line_end)
			return true;
	return false;
}

/* A copy of text[0..len) with the exit calls of key made blank lines; NULL: no memory. */
static char *blank_exits(const struct log_scan *s, int key, const char *text, size_t len,
			 size_t *out_len)
{
	char *copy = malloc(len + 1);
	size_t o = 0, i = 0;
	int line = 1;

	if (!copy)
		return NULL;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;

		if (!blanked(s, key, line)) {
			memcpy(copy + o, text + i, n);
			o += n;
		}
		i += n;
		if (nl) {
			copy[o++] = '\n';
			i++;
		}
		line++;
	}
	copy[o] = '\0';
	*out_len = o;
	return copy;
}

/* Read the whole file at path ("-": stdin) into a malloc'd buffer; 0 or -errno with err. */
static int read_log(const char *path, char **text, size_t *len, struct mmsim_error *err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 1 << 16, n = 0;
	char *buf;
	int rc = 0;

	if (!f)
		return err_set(err, -errno, path, 0, 0, "cannot open: %s", strerror(errno));
	buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (n < cap)
			break;
		char *b = realloc(buf, cap * 2);
		if (!b) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = b;
		cap *= 2;
	}
	if (!buf)
		rc = err_set(err, -ENOMEM, path, 0, 0, "out of memory");
	else if (ferror(f))
		rc = err_set(err, -EIO, path, 0, 0, "read error");
	if (f != stdin)
		fclose(f);
	if (rc) {
		free(buf);
		return rc;
	}
	*text = buf;
	*len = n;
	return 0;
}

int trace_log_build(struct mmsim_machine *m, const char *log, const struct trace_run_opts *o,
		    const char *trace_name, int trace_pid, uint64_t trace_pid_line,
		    struct task_struct **out, struct trace_run_info *info,
		    struct mmsim_error *err)
{
	struct mmsim_replay_opts ropts = { .report = o->report, .ctx = o->ctx };
	struct mmsim_replay_result rres;
	struct log_scan s = { 0 };
	struct task_struct *t;
	char *text = NULL, *copy = NULL;
	size_t len = 0, clen;
	bool from_trace = false;
	int key = 0, pid, rc;

	*out = NULL;
	rc = read_log(log, &text, &len, err);
	if (rc)
		return rc;
	rc = scan_log(log, text, len, &s, err);
	if (!rc && m->desc.check)
		rc = log_scan_validate(&s, log, err);
	if (rc)
		goto out_free_scan;
	rc = choose(&s, log, o, trace_name, trace_pid, trace_pid_line, &key, &from_trace, err);
	if (rc)
		goto out_free_scan;
	copy = blank_exits(&s, key, text, len, &clen);
	if (!copy) {
		rc = err_set(err, -ENOMEM, log, 0, 0, "out of memory");
		goto out_free_scan;
	}
	rc = mmsim_replay(m, log, copy, clen, &ropts, &rres, err);
	if (rc) {
		mmsim_replay_result_free(&rres);	/* filled up to the bad line */
		goto out_free_copy;
	}
	/* the first process has the log's pid, or the model's when the log printed none */
	pid = key == FIRST_ANON || key == s.first_pid ? rres.pid : key;
	info->pid = pid;
	info->pid_from_trace = from_trace;
	info->log_calls = rres.calls;
	info->log_checked = rres.checked;
	info->log_diverged = rres.diverged;
	info->log_notes = rres.notes;
	mmsim_replay_result_free(&rres);
	t = find_task_by_pid(m, pid);
	if (!t || t->exited || !t->mm) {
		rc = err_set(err, -ESRCH, log, 0, 0, "process %d has no address space at the end "
			     "of the log (%s)", key == FIRST_ANON ? pid : key,
			     !t ? "the replay could not create it" : "its thread group exited");
		goto out_free_copy;
	}
	*out = t;
out_free_copy:
	free(copy);
out_free_scan:
	free(s.pids);
	free(s.exits);
	free(text);
	return rc;
}

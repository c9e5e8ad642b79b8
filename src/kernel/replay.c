/*
 * Replay of an strace log (mmsim_replay, include/mmsim/mmsim.h; docs/replay.md).
 *
 * The log is read event by event (input/strace.c merges unfinished/resumed pairs); every
 * call goes through syscall_dispatch as the task with the log's pid, in log order. The
 * first process is the pid of the log's first execve: it is created before that execve with
 * personality ADDR_NO_RANDOMIZE (what `setarch -R` sets, include/uapi/linux/personality.h),
 * and its /proc/PID/maps is rendered just before its exit_group is applied (the state strace
 * saw last), or at the end of the log.
 *
 * What a log does not say, and what is done instead (each reported as a note):
 *  - the environment when strace elided it ("0x7ffc... /\* 25 vars *\/"): as many strings
 *    as it counted, each REPLAY_ENV_LEN bytes, so the stack's argument pages are about the
 *    size they were (the stack VMA's size depends on them only by whole pages);
 *  - strings strace cut ("..."): used as printed, shorter than they were;
 *  - the process's resource limits and anything before its execve: the defaults of
 *    task_create (stack 8 MiB, as a login shell has them);
 *  - calls of processes the log never showed being created: skipped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mmsim/mmsim.h"
#include "input/strace.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "kernel/syscall.h"
#include "report/proc.h"
#include "util/error.h"
#include "util/strbuf.h"

/* Bytes per environment string made up for an elided envp ("NAME=value" and its NUL). */
#define REPLAY_ENV_LEN 40

struct replay {
	mmsim_machine *m;
	const char *file;
	const struct mmsim_replay_opts *o;
	struct mmsim_replay_result *res;
	int first_pid;			/* the log's pid of the first process; 0 before its execve */
	int sim_pid;			/* its pid in the model (the same when the log had pids) */
	bool have_first, maps_done;
	bool first_anon;		/* the log printed the first process without its pid */
	char **noted;			/* names already noted as skipped (noted once each) */
	size_t nnoted;
	struct strace_reader *rd;
};

static void emit(struct replay *r, enum mmsim_replay_msg_kind kind, int line, const char *call,
		 int64_t expected, int64_t got, const char *text)
{
	struct mmsim_replay_msg msg = { .kind = kind, .file = r->file, .line = line,
					.call = call, .expected = expected, .got = got,
					.text = text };
	if (kind == MMSIM_REPLAY_DIVERGED)
		r->res->diverged++;
	else
		r->res->notes++;
	if (r->o && r->o->report)
		r->o->report(r->o->ctx, &msg);
}

static void note(struct replay *r, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note(struct replay *r, int line, const char *fmt, ...)
{
	char text[700];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	emit(r, MMSIM_REPLAY_NOTE, line, NULL, 0, 0, text);
}

/* Note a skipped call name once per replay. */
static void note_once(struct replay *r, int line, const char *name, const char *why)
{
	for (size_t k = 0; k < r->nnoted; k++)
		if (strcmp(r->noted[k], name) == 0)
			return;
	char **n = realloc(r->noted, (r->nnoted + 1) * sizeof(*n));
	if (n) {
		r->noted = n;
		n[r->nnoted] = strdup(name);
		if (n[r->nnoted])
			r->nnoted++;
	}
	note(r, line, "%s: %s (noted once; later calls are skipped the same way)", name, why);
}

/* Render the first process's maps into the result (once). */
static void capture_maps(struct replay *r, int line)
{
	struct strbuf sb;
	if (r->maps_done || !r->have_first)
		return;
	sb_init(&sb);
	int rc = proc_pid_render(r->m, r->sim_pid, "maps", &sb);
	if (rc < 0 || sb.err) {
		note(r, line, "could not render /proc/%d/maps: %s", r->first_pid,
		     mmsim_strerror(rc < 0 ? rc : sb.err));
		sb_free(&sb);
		return;
	}
	char *text;
	size_t len;
	if (sb_finish(&sb, &text, &len) == 0) {
		free(r->res->maps);
		r->res->maps = text;
		r->res->maps_len = len;
		r->maps_done = true;
	}
}

/* A value as strace would print it for this call ("0x7ffff7fc0000", "-1 ENOMEM"). */
static void format_value(char *buf, size_t len, const char *name, int64_t v)
{
	struct strbuf sb;
	char *text = NULL;
	sb_init(&sb);
	strace_format_ret(&sb, name, v);
	if (sb_finish(&sb, &text, NULL) == 0 && text) {
		const char *t = text;
		if (strncmp(t, " = ", 3) == 0)
			t += 3;
		/* "-1 ENOMEM (Cannot allocate memory)": the name is enough */
		const char *paren = strstr(t, " (");
		snprintf(buf, len, "%.*s", paren ? (int)(paren - t) : (int)strlen(t), t);
	} else {
		snprintf(buf, len, "%lld", (long long)v);
	}
	free(text);
}

/*
 * The call's line for a message: the first line of the event (a merged pair has two), with
 * its middle left out when it is long (an execve with its environment), keeping the start
 * and the recorded " = value" at the end.
 */
static void first_line(const struct strace_event *ev, char *buf, size_t len)
{
	const char *t = ev->text ? ev->text : "";
	size_t n = strcspn(t, "\n");
	if (n <= 240) {
		snprintf(buf, len, "%.*s", (int)n, t);
		return;
	}
	const char *eq = NULL;
	for (size_t k = n; k-- > 0;)
		if (t[k] == '=' && k > 0 && t[k - 1] == ' ') {
			eq = t + k - 1;
			break;
		}
	size_t tail = eq ? n - (size_t)(eq - t) : 0;
	if (tail > 80)
		tail = 80;
	snprintf(buf, len, "%.160s ...%.*s", t, (int)tail, t + n - tail);
}

/* Made-up environment for an elided envp of count strings (see the file comment). */
static char **fake_envp(int count)
{
	if (count < 0)
		count = 0;
	char **envp = calloc((size_t)count + 1, sizeof(char *));
	if (!envp)
		return NULL;
	for (int k = 0; k < count; k++) {
		envp[k] = malloc(REPLAY_ENV_LEN);
		if (!envp[k])
			goto out_free;
		int n = snprintf(envp[k], REPLAY_ENV_LEN, "MMSIM_ENV_%03d=", k);
		memset(envp[k] + n, 'x', (size_t)(REPLAY_ENV_LEN - 1 - n));
		envp[k][REPLAY_ENV_LEN - 1] = '\0';
	}
	return envp;
out_free:
	for (int k = 0; k < count; k++)
		free(envp[k]);
	free(envp);
	return NULL;
}

static void free_envp(char **envp)
{
	for (char **e = envp; e && *e; e++)
		free(*e);
	free(envp);
}

/* Create the first process before its execve: the log's pid, ASLR off. */
static int create_first(struct replay *r, const struct strace_event *ev, int *sim_pid,
			struct mmsim_error *err)
{
	struct task_struct *t = ev->pid > 0 ? find_task_by_pid(r->m, ev->pid) : NULL;
	if (!t) {
		int rc = task_create(r->m, ev->pid > 0 ? ev->pid : 0, true, &t);
		if (rc < 0)
			return err_set(err, rc, r->file, ev->line, 0, "cannot create the log's first "
				       "process (pid %d): %s", ev->pid, mmsim_strerror(rc));
	}
	t->personality |= ADDR_NO_RANDOMIZE;
	*sim_pid = t->pid;
	r->first_pid = ev->pid > 0 ? ev->pid : t->pid;
	r->first_anon = ev->pid <= 0;
	r->sim_pid = t->pid;
	r->res->pid = r->first_pid;
	r->have_first = true;
	return 0;
}

static bool is_fork_call(const char *name)
{
	return strcmp(name, "fork") == 0 || strcmp(name, "vfork") == 0 ||
	       strcmp(name, "clone") == 0 || strcmp(name, "clone3") == 0;
}

static bool is_exec_call(const char *name)
{
	return strcmp(name, "execve") == 0 || strcmp(name, "execveat") == 0;
}

/* Apply one call event; compare its value. 0, or a negative errno for a fatal error. */
static int replay_call(struct replay *r, struct strace_event *ev, struct mmsim_error *err)
{
	struct sys_call call = ev->call;
	char **made_env = NULL;
	int pid = ev->pid > 0 ? ev->pid : (r->have_first ? r->sim_pid : -1);
	int rc;

	/* a log without pids until a second process appeared: the first one's pid, now known */
	if (r->have_first && r->first_anon && ev->pid > 0 &&
	    ev->pid == strace_reader_anon_pid(r->rd) && !find_task_by_pid(r->m, ev->pid))
		pid = r->sim_pid;

	r->res->calls++;
	if (!r->have_first) {
		if (!ev->decoded || !is_exec_call(call.name)) {
			r->res->skipped++;
			note_once(r, ev->line, call.name, "before the log's first execve: skipped");
			return 0;
		}
		rc = create_first(r, ev, &pid, err);
		if (rc)
			return rc;
	}
	if (pid == r->first_pid)
		pid = r->sim_pid;
	if (ev->decoded && is_exec_call(call.name)) {
		if (ev->truncated)
			note(r, ev->line, "%s: strace cut some of its strings (\"...\"): the stack is "
			     "laid out with the strings as printed (record with -s 4096 -v)",
			     call.name);
		if (!call.envp) {
			made_env = fake_envp(ev->envp_count);
			if (!made_env)
				return err_set(err, -ENOMEM, r->file, ev->line, 0, "out of memory");
			call.envp = made_env;
			note(r, ev->line, "%s: the environment was elided (no -v): %d made-up "
			     "strings of %d bytes stand for it", call.name,
			     ev->envp_count < 0 ? 0 : ev->envp_count, REPLAY_ENV_LEN);
		}
	}
	/* the state strace saw last: before the first process's exit_group */
	if (ev->decoded && pid == r->sim_pid && strcmp(call.name, "exit_group") == 0)
		capture_maps(r, ev->line);

	int64_t ret = 0;
	enum sys_disposition disp = SYS_IGNORED;
	struct mmsim_error cerr = { 0 };
	if (is_fork_call(call.name) && ev->ret_kind == STRACE_RET_VALUE)
		ret = ev->ret;		/* the child gets the pid the kernel gave it */
	if (!ev->decoded)
		call.nargs = 0;
	rc = syscall_dispatch(r->m, pid, &call, &ret, &disp, &cerr);
	free_envp(made_env);
	if (rc == -ENOSYS) {
		r->res->skipped++;
		note_once(r, ev->line, call.name, "not modelled");
		return 0;
	}
	if (rc == -ESRCH) {
		r->res->skipped++;
		note(r, ev->line, "%s of pid %d: %s: skipped", call.name, ev->pid, cerr.msg);
		return 0;
	}
	if (rc < 0) {
		r->res->skipped++;
		note(r, ev->line, "%s: %s: skipped", call.name, cerr.msg[0] ? cerr.msg :
		     mmsim_strerror(rc));
		return 0;
	}
	if (disp == SYS_IGNORED) {
		r->res->ignored++;
		if (!strncmp(call.name, "shm", 3) || !strcmp(call.name, "remap_file_pages") ||
		    !strcmp(call.name, "mseal") || !strcmp(call.name, "map_shadow_stack") ||
		    !strcmp(call.name, "memfd_secret"))
			note_once(r, ev->line, call.name, "not modelled: its effect on the address "
				  "space is missing from the replay");
		return 0;
	}
	if (cerr.msg[0])
		note(r, ev->line, "%s: %s", call.name, cerr.msg);
	if (ev->ret_kind != STRACE_RET_VALUE)
		return 0;
	r->res->checked++;
	if (ret == ev->ret)
		return 0;
	char line[1024], got[64], text[1300];
	first_line(ev, line, sizeof(line));
	format_value(got, sizeof(got), call.name, ret);
	snprintf(text, sizeof(text), "%s, mmsim gave %s", line, got);
	emit(r, MMSIM_REPLAY_DIVERGED, ev->line, line, ev->ret, ret, text);
	return 0;
}

static int replay_event(struct replay *r, struct strace_event *ev, struct mmsim_error *err)
{
	switch (ev->kind) {
	case STRACE_CALL:
		return replay_call(r, ev, err);
	case STRACE_EXITED:
	case STRACE_KILLED:
		if (r->have_first && (ev->pid == r->first_pid || ev->pid <= 0 ||
				      (r->first_anon && ev->pid == strace_reader_anon_pid(r->rd)))) {
			if (ev->kind == STRACE_KILLED && !r->maps_done)
				note(r, ev->line, "pid %d was killed by %s before exit_group: the maps "
				     "are as it stood then", r->first_pid,
				     strace_signal_name(ev->signo) ? strace_signal_name(ev->signo)
				     : "a signal");
			capture_maps(r, ev->line);
		}
		return 0;
	default:
		return 0;		/* signals and strace's own lines change no memory */
	}
}

int mmsim_replay(mmsim_machine *m, const char *path, const char *text, size_t len,
		 const struct mmsim_replay_opts *o, struct mmsim_replay_result *res,
		 struct mmsim_error *err)
{
	struct strace_reader *rd = NULL;
	struct replay r = { .m = m, .file = path ? path : "", .o = o, .res = res };
	int rc;

	memset(res, 0, sizeof(*res));
	rc = text ? strace_reader_from_string(r.file, text, len, &rd, err)
		  : strace_reader_open(path, &rd, err);
	if (rc)
		return rc;
	r.rd = rd;
	for (;;) {
		struct strace_event ev;
		if (mmsim_stop_requested()) {
			rc = err_set(err, -EINTR, r.file, 0, 0, "stopped by a signal");
			break;
		}
		rc = strace_reader_next(rd, &ev, err);
		if (rc <= 0)
			break;
		rc = replay_event(&r, &ev, err);
		strace_event_release(&ev);
		if (rc)
			break;
	}
	if (!rc) {
		if (!r.have_first)
			note(&r, 0, "the log has no execve: there is no process to show");
		else if (!r.maps_done)
			note(&r, 0, "pid %d did not call exit_group in the log: the maps are as "
			     "the log's end leaves them", r.first_pid);
		capture_maps(&r, 0);
	}
	if (!res->maps) {
		res->maps = strdup("");
		if (!res->maps && !rc)
			rc = err_set(err, -ENOMEM, r.file, 0, 0, "out of memory");
	}
	for (size_t k = 0; k < r.nnoted; k++)
		free(r.noted[k]);
	free(r.noted);
	strace_reader_free(rd);
	return rc;
}

void mmsim_replay_result_free(struct mmsim_replay_result *res)
{
	free(res->maps);
	memset(res, 0, sizeof(*res));
}

/*
 * Running a memory-access trace on a simulated process (mmsim_trace_run, `mmsim trace`):
 * the library's full entry point, with what the public struct mmsim_trace_opts does not
 * carry yet (the process built from an strace log, the switch for the fast path, keeping
 * the task for tests). docs/trace-command.md describes the behaviour.
 *
 * The process. Without a log: one new task with an empty mm (task_create, as exec's
 * bprm_mm_init starts one). With a log (o->log): the log is replayed with mmsim_replay
 * (kernel/replay.c, docs/replay.md) and the trace runs in one of its processes, in the
 * address space that process had when it called exit_group (what `mmsim replay` prints):
 *   - o->pid > 0: the log's process of that pid (-ESRCH naming the log when it has none);
 *   - else, when the trace names its process (valgrind's "==PID==" lines) and the log shows
 *     pids: that pid, which the log must have (-ESRCH at the trace's line that names it:
 *     the log was recorded from another run than the trace; record it around valgrind);
 *   - else the log's first process (the pid of its first execve).
 * That process's exit_group and exit are not applied (their lines are blanked in a copy of
 * the log before the replay), so that its mm is alive when the trace starts; every other
 * call of every process is replayed as `mmsim replay` does.
 *
 * The fast path. An access within one page whose translation succeeds at once (micro-TLB,
 * TLB or walk without a fault) needs nothing of task_access but mmu_translate, as long as
 * CPU 0 already runs the task's tables (task_access_switched): the runner calls the MMU's
 * inline translation itself and falls back to task_access_after_fault on a fault, and to
 * task_access for an access spanning pages or while CPU 0 is not known to be switched. The
 * counters are the same either way; o->no_fast_path sends every access through
 * task_access, which tests/unit/test_trace_run.c compares.
 */
#ifndef MMSIM_KERNEL_TRACE_RUN_H
#define MMSIM_KERNEL_TRACE_RUN_H
#include <stdbool.h>
#include <stdint.h>
#include "mmsim/mmsim.h"

struct task_struct;

struct trace_run_opts {
	int auto_vma;			/* as mmsim_trace_opts.auto_vma */
	bool no_fast_path;		/* every access through task_access */
	int keep_going;			/* as mmsim_trace_opts.keep_going */
	const char *log;		/* NULL, or an strace log to build the process from */
	int pid;			/* with log: the log's process to use (0: see above);
					   without: a process the machine already has (a script
					   made it), which stays when the run ends; 0: a new one */
	/* the log replay's messages (differing values, notes); NULL: only counted */
	void (*report)(void *ctx, const struct mmsim_replay_msg *msg);
	void *ctx;
	/* non-NULL: the task is not freed at the end but handed back here (tests look at its
	   mm; free it with task_free); NULL when the run failed before it had a task */
	struct task_struct **keep;
};

/* What a run says beside struct mmsim_trace_result. */
struct trace_run_info {
	int pid;			/* the process's pid in the model */
	bool pid_from_trace;		/* chosen by the trace's "==PID==" lines */
	int trace_pid;			/* the pid the trace names (0: none) */
	uint64_t rss_before_pages;	/* its RSS when the trace started */
	uint64_t vmas_before;		/* its VMAs when the trace started */
	/* the log's replay (o->log): as struct mmsim_replay_result */
	unsigned long log_calls, log_checked, log_diverged, log_notes;
};

/*
 * Run the trace at path ("-": stdin) on m as described above; info may be NULL. Returns
 * and fills res as mmsim_trace_run does, plus: -ESRCH (err names the file and line) for a
 * process the log does not have or that is gone at its end, and the errors of reading the
 * log (-ENOENT, -EINVAL with its file:line:column).
 */
int trace_run(struct mmsim_machine *m, const char *path, const struct trace_run_opts *o,
	      struct mmsim_trace_result *res, struct trace_run_info *info,
	      struct mmsim_error *err);

/*
 * Replay the strace log at log on m and find the process the trace runs in (see above):
 * *out is that task, alive with its mm. trace_pid / trace_pid_line: the pid the trace
 * names and the line that names it (0: none); trace_name for the error. info's pid and
 * log counters are filled. 0 or a negative errno with err (nothing to undo: the replay's
 * processes stay in m, as mmsim_replay leaves them).
 */
int trace_log_build(struct mmsim_machine *m, const char *log, const struct trace_run_opts *o,
		    const char *trace_name, int trace_pid, uint64_t trace_pid_line,
		    struct task_struct **out, struct trace_run_info *info,
		    struct mmsim_error *err);
#endif

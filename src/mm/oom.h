/*
 * The OOM killer and the reclaim side's per-machine state (Linux 6.18: include/linux/oom.h,
 * mm/oom_kill.c; the kernel log it writes, printk).
 *
 * ms->oom holds what Linux keeps in globals and in `current` for the memory-pressure code:
 *  - pf_flags: current->flags PF_MEMALLOC | PF_KSWAPD of the one reclaimer that runs at a
 *    time in the model (reclaim never nests: an allocation made while reclaiming skips the
 *    watermarks, as PF_MEMALLOC allocations do, and never reclaims);
 *  - `current` (oom_set_current: kernel/syscall.c and handle_mm_fault set it): the task whose
 *    fault or system call is running, kept per host thread (oom_kill.c), NULL when unknown;
 *  - victim_tgid: a thread group the OOM killer chose that could not exit at once because it
 *    was the one running (Linux sends SIGKILL; the task dies on its way back to user space):
 *    it exits at the next safe point (mm_reclaim_safe_point, oom_kill_current);
 *  - the kernel log (dmesg -t: messages without timestamps), the panic state, oom_score_adj
 *    per thread group (signal_struct), the page cache's shadow entries (workingset.h).
 * It is allocated when something must be kept (oom_state) and freed by oom_exit at machine
 * teardown (mmsim_machine_free, after the tasks and the page cache are gone).
 *
 * The report written when a process is killed, as the reference kernel prints it (measured
 * with a memory cgroup on the host, tests/oracle/reclaim.sh; the global case differs only in
 * "constraint=CONSTRAINT_NONE", "global_oom" and "Out of memory"):
 *   NAME invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0
 *   Tasks state (memory values in pages):
 *   [  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name
 *   [   6133]     0  6133    26220     8405     8128      277         0   114688        0             0 hog
 *   oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=hog,pid=6133,uid=0
 *   Out of memory: Killed process 6133 (hog) total-vm:104880kB, anon-rss:32512kB, file-rss:1108kB, shmem-rss:0kB, UID:0 pgtables:112kB oom_score_adj:0
 * Left out: the CPU line and stack trace, the Mem-Info block of __show_mem, the oom_reaper
 * line (printed on Linux only when the reaper gets to the mm before the victim's own exit).
 *
 * Invariants (oom_validate): victim_tgid is 0 or a live thread group; pf_flags is 0 outside
 * reclaim; the oom_score_adj table holds values in [-1000, 1000], one entry per tgid.
 */
#ifndef MMSIM_MM_OOM_H
#define MMSIM_MM_OOM_H
#include <stdbool.h>
#include <stdint.h>
#include "mm/page_alloc.h"
#include "mm/workingset.h"
#include "util/strbuf.h"

struct task_struct;
struct mmsim_error;

#define OOM_SCORE_ADJ_MIN	(-1000)
#define OOM_SCORE_ADJ_MAX	1000

struct oom_adj_entry {
	int tgid;
	short adj;
};

struct oom_state {
	unsigned int pf_flags;		/* PF_MEMALLOC | PF_KSWAPD (vmscan.h) */
	int victim_tgid;		/* chosen, still to exit (0: none) */
	bool panicked;			/* panic(): the machine stopped */
	char panic_msg[128];
	struct strbuf log;		/* the kernel log, one message per line */
	struct oom_adj_entry *adj;	/* oom_score_adj by tgid, only non-zero ones */
	unsigned int nr_adj, cap_adj;
	struct shadow_table shadows;	/* mm/workingset.c */
};

/* ms->oom, allocated on first use; NULL when the host has no memory for it. */
struct oom_state *oom_state(struct mm_sys *ms);
/* Free ms->oom (machine teardown; calling it twice is harmless). */
void oom_exit(struct mm_sys *ms);

/* Append a message to the kernel log (printk; a newline is added). */
void kernel_log(struct mm_sys *ms, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The kernel log so far (dmesg -t). 0 or -ENOMEM. */
int kernel_log_show(struct mm_sys *ms, struct strbuf *sb);
/* panic(msg): log "Kernel panic - not syncing: msg" and stop the machine. */
void mm_panic(struct mm_sys *ms, const char *msg);
/* Has the machine panicked? *msg (may be NULL) gets the message. */
bool mm_panicked(struct mm_sys *ms, const char **msg);

/* /proc/PID/oom_score_adj of a thread group: read and write (-EINVAL out of range). */
short oom_score_adj_get(struct mm_sys *ms, int tgid);
int oom_score_adj_set(struct mm_sys *ms, int tgid, int adj);
/* oom_badness: the task's score for totalpages of memory, LONG_MIN when it is not a candidate. */
long oom_badness(struct mm_sys *ms, struct task_struct *p, uint64_t totalpages);

/*
 * The allocator's last resort (out_of_memory, from __alloc_pages_may_oom): choose the task
 * with the highest badness, write the report, count oom_kill and kill it (or panic, with
 * vm.panic_on_oom). true when something was done that may free memory (a task killed or
 * already dying), false when there was nobody to kill.
 */
bool out_of_memory(struct mm_sys *ms, gfp_t gfp, unsigned int order);
/* Is the running task an OOM victim (tsk_is_oom_victim(current))? */
bool current_is_oom_victim(struct mm_sys *ms);

/* The task whose fault or system call runs from now (NULL: none known); returns the previous. */
struct task_struct *oom_set_current(struct mm_sys *ms, struct task_struct *t);
/*
 * t is back from a fault or system call: when it is the pending OOM victim it exits now
 * (SIGKILL's default action). true when it was killed.
 */
bool oom_kill_current(struct mm_sys *ms, struct task_struct *t);
/* Kill a pending victim that is not the running task (a fault's entry calls it). */
void oom_reap_pending(struct mm_sys *ms);
/* Kill a pending victim, whoever it is: nothing runs (mm_reclaim_safe_point). */
void oom_reap_all(struct mm_sys *ms);

int oom_validate(struct mm_sys *ms, struct mmsim_error *err);

/* ---- overcommit (mm/util.c) --------------------------------------------------------------- */

/* CommitLimit in pages (vm_commit_limit): RAM * overcommit_ratio / 100 + swap. */
uint64_t vm_commit_limit(struct mm_sys *ms);
/* Committed_AS in pages (vm_memory_committed): every accounted mapping of every process. */
uint64_t vm_memory_committed(struct mm_sys *ms);
/*
 * __vm_enough_memory: may t's mm commit npages more (overcommit_memory 0 heuristic, 1 always,
 * 2 never beyond CommitLimit)? 0 or -ENOMEM; the failure is logged as Linux logs it.
 */
int __vm_enough_memory(struct mm_sys *ms, const struct task_struct *t, uint64_t npages,
		       bool cap_sys_admin);
#endif

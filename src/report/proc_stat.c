/*
 * /proc/PID/stat and /proc/PID/statm (Linux 6.18: fs/proc/array.c do_task_stat with
 * whole = 1 (proc_tgid_stat), proc_pid_statm; fs/proc/task_mmu.c task_vsize, task_statm;
 * include/linux/mm.h get_mm_counter, get_mm_rss), and mmsim's own `faults` view of every
 * process's fault counts (ps -o pid,comm,min_flt,maj_flt,rss plus top's SWAP).
 *
 * The fields mmsim has no model for (time, signals, terminals, scheduling) print fixed
 * values; docs/proc-pid.md lists each one and why it is that value.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/mm_types.h"
#include "report/proc.h"

/* include/linux/sched.h PF_* bits the model can tell */
#define PF_EXITING		0x00000004u	/* do_exit started */
#define PF_POSTCOREDUMP		0x00000008u	/* coredump_task_exit, every exiting task */
#define PF_NOFREEZE		0x00008000u	/* do_task_dead's path sets it */
#define PF_RANDOMIZE		0x00400000u	/* load_elf_binary: randomize_va_space on */

#define SIGCHLD			17		/* a fork's exit_signal (kernel/fork.c) */
#define DEFAULT_PRIO		20		/* task_prio: NICE_TO_PRIO(0) - MAX_RT_PRIO */

uint64_t proc_mm_counter(const struct mm_struct *mm, int member)
{
	int64_t v = mm->rss_stat[member];
	return v > 0 ? (uint64_t)v : 0;		/* percpu_counter_read_positive */
}

uint64_t proc_mm_rss(const struct mm_struct *mm)
{
	return proc_mm_counter(mm, MM_FILEPAGES) + proc_mm_counter(mm, MM_ANONPAGES) +
	       proc_mm_counter(mm, MM_SHMEMPAGES);
}

void proc_tgid_faults(struct mmsim_machine *m, const struct task_struct *t, uint64_t *min_flt,
		      uint64_t *maj_flt)
{
	struct list_head *pos;

	/* sig->min_flt (the threads already gone) plus every live thread's own count */
	*min_flt = *maj_flt = 0;
	list_for_each(pos, &m->tasks) {
		const struct task_struct *u = list_entry(pos, struct task_struct, tasks);
		if (u->tgid != t->tgid)
			continue;
		*min_flt += u->min_flt;
		*maj_flt += u->maj_flt;
	}
}

/*
 * get_nr_threads: the threads of t's group not released yet. Linux releases an exited
 * thread at once (its exit_signal is -1); the group leader stays, a zombie, until reaped.
 */
static unsigned int nr_threads(struct mmsim_machine *m, const struct task_struct *t)
{
	struct list_head *pos;
	unsigned int n = 0;

	list_for_each(pos, &m->tasks) {
		const struct task_struct *u = list_entry(pos, struct task_struct, tasks);
		if (u->tgid == t->tgid && (!u->exited || u->pid == u->tgid))
			n++;
	}
	return n;
}

/* A live task of thread group tgid, or NULL. */
static struct task_struct *live_thread(struct mmsim_machine *m, int tgid)
{
	struct list_head *pos;

	list_for_each(pos, &m->tasks) {
		struct task_struct *u = list_entry(pos, struct task_struct, tasks);
		if (u->tgid == tgid && !u->exited)
			return u;
	}
	return NULL;
}

/*
 * task_tgid_nr(task->real_parent): the parent's thread group. When the whole group has
 * exited, exit_notify -> forget_original_parent has handed the child to a live thread of
 * the group (find_alive_thread), else to the namespace's init, pid 1. A task the model
 * started without a parent (exec of a script, a log's first process) has ppid 0.
 */
static int stat_ppid(struct mmsim_machine *m, const struct task_struct *t)
{
	struct task_struct *p;

	if (t->ppid <= 0)
		return 0;
	p = find_task_by_pid(m, t->ppid);
	if (!p)
		return t->ppid;		/* a parent the model never had (a log's fork) */
	if (live_thread(m, p->tgid))
		return p->tgid;
	return 1;
}

/*
 * The process group and the session: setpgid and setsid are not modelled, so every
 * process stays in those of its oldest ancestor in the machine, whose pid names both (as
 * for a process a shell without job control started after setsid).
 */
static int stat_pgrp(struct mmsim_machine *m, const struct task_struct *t)
{
	const struct task_struct *a = t;

	for (int depth = 0; depth < 4096 && a->ppid > 0; depth++) {
		const struct task_struct *p = find_task_by_pid(m, a->ppid);
		if (!p)
			break;
		a = p;
	}
	return a->tgid;
}

/* task->flags: the PF_* bits the model can tell (docs/proc-pid.md). */
static unsigned int stat_flags(struct mmsim_machine *m, const struct task_struct *t)
{
	unsigned int flags = 0;

	if (m->mm.sysctl.randomize_va_space && !(t->personality & ADDR_NO_RANDOMIZE))
		flags |= PF_RANDOMIZE;
	if (t->exited)
		flags |= PF_EXITING | PF_POSTCOREDUMP | PF_NOFREEZE;
	return flags;
}

/* do_task_stat(m, ns, pid, task, 1): 52 fields on one line. */
int show_stat(struct mmsim_machine *m, struct task_struct *t, struct strbuf *sb)
{
	const struct mm_struct *mm = t->mm;
	unsigned int threads = nr_threads(m, t);
	uint64_t min_flt, maj_flt;
	int pgrp = stat_pgrp(m, t);
	/* !task_is_running, shown when permitted && (!whole || num_threads < 2) */
	unsigned int wchan = t->exited && threads < 2;
	/* a thread's exit_signal is -1; fork, vfork and clone(SIGCHLD) give SIGCHLD */
	int exit_signal = t->pid != t->tgid ? -1 : SIGCHLD;

	proc_tgid_faults(m, t, &min_flt, &maj_flt);
	sb_printf(sb, "%d (", t->pid);
	sb_printf(sb, "%.*s", (int)strnlen(t->comm, sizeof(t->comm)), t->comm);	/* not escaped */
	sb_printf(sb, ") %c", t->exited ? 'Z' : 'R');
	/* ppid pgrp session tty_nr tpgid flags */
	sb_printf(sb, " %d %d %d 0 -1 %u", stat_ppid(m, t), pgrp, pgrp, stat_flags(m, t));
	/* minflt cminflt majflt cmajflt: no wait4 reaps a child, so nothing is added to c* */
	sb_printf(sb, " %llu 0 %llu 0", (unsigned long long)min_flt, (unsigned long long)maj_flt);
	/* utime stime cutime cstime priority nice num_threads itrealvalue starttime */
	sb_printf(sb, " 0 0 0 0 %d 0 %u 0 0", DEFAULT_PRIO, threads);
	/* vsize (task_vsize: bytes) rss (get_mm_rss: pages) rsslim */
	sb_printf(sb, " %llu %llu %llu",
		  (unsigned long long)(mm ? mm->total_vm << m->mm.page_shift : 0),
		  (unsigned long long)(mm ? proc_mm_rss(mm) : 0),
		  (unsigned long long)t->rlim[RLIMIT_RSS].rlim_cur);
	/* startcode endcode startstack, then kstkesp kstkeip (zeroed for a running task) */
	sb_printf(sb, " %llu %llu %llu 0 0", (unsigned long long)(mm ? mm->start_code : 0),
		  (unsigned long long)(mm ? mm->end_code : 0),
		  (unsigned long long)(mm ? mm->start_stack : 0));
	/* signal blocked sigignore sigcatch wchan nswap cnswap exit_signal processor */
	sb_printf(sb, " 0 0 0 0 %u 0 0 %d 0", wchan, exit_signal);
	/* rt_priority policy delayacct_blkio_ticks guest_time cguest_time */
	sb_puts(sb, " 0 0 0 0 0");
	if (mm)
		sb_printf(sb, " %llu %llu %llu %llu %llu %llu %llu",
			  (unsigned long long)mm->start_data, (unsigned long long)mm->end_data,
			  (unsigned long long)mm->start_brk, (unsigned long long)mm->arg_start,
			  (unsigned long long)mm->arg_end, (unsigned long long)mm->env_start,
			  (unsigned long long)mm->env_end);
	else
		sb_puts(sb, " 0 0 0 0 0 0 0");
	/* exit_code: 0 while the task runs; what do_exit stored once it has exited */
	sb_printf(sb, " %d\n", t->exited ? t->exit_code : 0);
	return sb->err;
}

/* proc_pid_statm: size resident shared text lib data dt, in pages (task_statm). */
int show_statm(struct mmsim_machine *m, struct task_struct *t, struct strbuf *sb)
{
	const struct mm_struct *mm = t->mm;
	uint64_t ps = m->mm.page_size;

	if (!mm) {
		sb_puts(sb, "0 0 0 0 0 0 0\n");
		return sb->err;
	}
	uint64_t shared = proc_mm_counter(mm, MM_FILEPAGES) + proc_mm_counter(mm, MM_SHMEMPAGES);
	uint64_t text = (((mm->end_code + ps - 1) & ~(ps - 1)) - (mm->start_code & ~(ps - 1))) >>
			m->mm.page_shift;
	uint64_t data = mm->data_vm + mm->stack_vm;
	uint64_t resident = shared + proc_mm_counter(mm, MM_ANONPAGES);
	sb_printf(sb, "%llu %llu %llu %llu 0 %llu 0\n", (unsigned long long)mm->total_vm,
		  (unsigned long long)resident, (unsigned long long)shared,
		  (unsigned long long)text, (unsigned long long)data);
	return sb->err;
}

/* ps's columns (procps-ng: PID %5, COMMAND %-15, MINFL %6, MAJFL %6, RSS %5), top's SWAP. */
#define FAULTS_LINE "%5s %-15.15s %6s %6s %5s %5s\n"

void proc_faults(struct mmsim_machine *m, struct strbuf *sb)
{
	unsigned int kb_shift = m->mm.page_shift - 10;
	struct list_head *pos;

	sb_printf(sb, FAULTS_LINE, "PID", "COMMAND", "MINFL", "MAJFL", "RSS", "SWAP");
	list_for_each(pos, &m->tasks) {
		const struct task_struct *t = list_entry(pos, struct task_struct, tasks);
		char pid[16], comm[32], minfl[24], majfl[24], rss[24], swap[24];
		uint64_t min_flt, maj_flt;

		if (t->pid != t->tgid)
			continue;	/* a process's line counts its threads' faults too */
		proc_tgid_faults(m, t, &min_flt, &maj_flt);
		snprintf(pid, sizeof(pid), "%d", t->pid);
		/* ps marks a zombie "<defunct>" after its name */
		snprintf(comm, sizeof(comm), "%.*s%s", (int)strnlen(t->comm, sizeof(t->comm)),
			 t->comm, t->exited ? " <defunct>" : "");
		snprintf(minfl, sizeof(minfl), "%llu", (unsigned long long)min_flt);
		snprintf(majfl, sizeof(majfl), "%llu", (unsigned long long)maj_flt);
		snprintf(rss, sizeof(rss), "%llu",
			 (unsigned long long)(t->mm ? proc_mm_rss(t->mm) << kb_shift : 0));
		snprintf(swap, sizeof(swap), "%llu", (unsigned long long)(t->mm ?
			 proc_mm_counter(t->mm, MM_SWAPENTS) << kb_shift : 0));
		sb_printf(sb, FAULTS_LINE, pid, comm, minfl, majfl, rss, swap);
	}
}

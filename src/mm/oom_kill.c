/*
 * The OOM killer (Linux 6.18 mm/oom_kill.c: oom_badness, oom_evaluate_task,
 * select_bad_process, dump_header, dump_tasks, dump_oom_victim, oom_kill_process,
 * __oom_kill_process, check_panic_on_oom, out_of_memory; kernel/panic.c panic; the printk
 * ring as `dmesg -t` shows it). See oom.h for the state and the report's format.
 *
 * When the allocator has reclaimed all it could (page_alloc.c __alloc_pages_may_oom), the
 * task with the highest badness dies:
 *
 *   badness = rss + swap entries + page-table pages + oom_score_adj * totalpages / 1000
 *             (totalpages = RAM + swap; oom_score_adj -1000 makes a task immune)
 *
 * The victim's thread group exits (kernel/exit.c do_exit_group: its address space and its
 * files go), which gives its memory back. The model runs one task at a time: a victim that is
 * the task whose fault is being handled cannot exit under its own feet, so it is marked (the
 * SIGKILL Linux sends) and allowed the OOM reserves until it gets back (oom_kill_current);
 * another task exits at once.
 *
 * Left out: memory cgroup OOMs, cpuset and mempolicy constraints (CONSTRAINT_NONE always),
 * the oom_reaper thread (the victim's exit frees everything at once), oom notifiers, sysrq.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/mm_types.h"
#include "mm/oom.h"
#include "mm/vmscan.h"
#include "util/error.h"


static struct mmsim_machine *ms_machine(struct mm_sys *ms)
{
	return container_of(ms, struct mmsim_machine, mm);
}

/*
 * `current`: the task whose fault or system call the calling thread is running on machine
 * cur_ms (Linux's is per CPU too). A thread runs one machine's kernel code at a time, so one
 * pair per thread is enough; keeping it here costs no allocation per fault.
 */
static _Thread_local struct mm_sys *cur_ms;
static _Thread_local struct task_struct *cur_task;

static struct task_struct *oom_current(struct mm_sys *ms)
{
	return cur_ms == ms ? cur_task : NULL;
}

/* ---- state, log, panic ------------------------------------------------------------------ */

struct oom_state *oom_state(struct mm_sys *ms)
{
	if (!ms->oom) {
		ms->oom = calloc(1, sizeof(*ms->oom));
		if (ms->oom)
			sb_init(&ms->oom->log);
	}
	return ms->oom;
}

void oom_exit(struct mm_sys *ms)
{
	struct oom_state *st = ms->oom;

	if (!st)
		return;
	sb_free(&st->log);
	free(st->adj);
	shadow_table_free(&st->shadows);
	free(st);
	ms->oom = NULL;
}

void kernel_log(struct mm_sys *ms, const char *fmt, ...)
{
	struct oom_state *st = oom_state(ms);
	char line[512];
	va_list ap;

	if (!st)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sb_puts(&st->log, line);
	sb_puts(&st->log, "\n");
}

int kernel_log_show(struct mm_sys *ms, struct strbuf *sb)
{
	if (ms->oom && ms->oom->log.len)
		sb_puts(sb, ms->oom->log.buf);
	return sb->err;
}

void mm_panic(struct mm_sys *ms, const char *msg)
{
	struct oom_state *st = oom_state(ms);

	kernel_log(ms, "Kernel panic - not syncing: %s", msg);
	if (!st)
		return;
	st->panicked = true;
	snprintf(st->panic_msg, sizeof(st->panic_msg), "%s", msg);
}

bool mm_panicked(struct mm_sys *ms, const char **msg)
{
	if (!ms->oom || !ms->oom->panicked)
		return false;
	if (msg)
		*msg = ms->oom->panic_msg;
	return true;
}

/* ---- oom_score_adj ------------------------------------------------------------------------ */

static struct oom_adj_entry *adj_entry(struct oom_state *st, int tgid)
{
	for (unsigned int i = 0; i < st->nr_adj; i++)
		if (st->adj[i].tgid == tgid)
			return &st->adj[i];
	return NULL;
}

short oom_score_adj_get(struct mm_sys *ms, int tgid)
{
	struct oom_adj_entry *e = ms->oom ? adj_entry(ms->oom, tgid) : NULL;

	return e ? e->adj : 0;
}

int oom_score_adj_set(struct mm_sys *ms, int tgid, int adj)
{
	struct oom_state *st = oom_state(ms);
	struct oom_adj_entry *e;

	if (adj < OOM_SCORE_ADJ_MIN || adj > OOM_SCORE_ADJ_MAX)
		return -EINVAL;
	if (!st)
		return -ENOMEM;
	e = adj_entry(st, tgid);
	if (!e) {
		if (!adj)
			return 0;
		if (st->nr_adj == st->cap_adj) {
			unsigned int cap = st->cap_adj ? st->cap_adj * 2 : 8;
			struct oom_adj_entry *n = realloc(st->adj, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			st->adj = n;
			st->cap_adj = cap;
		}
		e = &st->adj[st->nr_adj++];
		e->tgid = tgid;
	}
	e->adj = (short)adj;
	return 0;
}

/* ---- badness ------------------------------------------------------------------------------ */

static uint64_t get_mm_counter(const struct mm_struct *mm, int member)
{
	return mm->rss_stat[member] > 0 ? (uint64_t)mm->rss_stat[member] : 0;
}

static uint64_t get_mm_rss(const struct mm_struct *mm)
{
	return get_mm_counter(mm, MM_FILEPAGES) + get_mm_counter(mm, MM_ANONPAGES) +
	       get_mm_counter(mm, MM_SHMEMPAGES);
}

/* mm_pgtables_bytes: the PTE, PMD and PUD tables; the root is not counted. */
static uint64_t mm_pgtables_bytes(const struct mm_struct *mm)
{
	uint64_t roots = (mm->pgd.root[0] ? 1 : 0) + (mm->pgd.root[1] ? 1 : 0);
	uint64_t n = mm->pgd.nr_tables > roots ? mm->pgd.nr_tables - roots : 0;

	return n << mm->ms->page_shift;
}

/* oom_unkillable_task: init (is_global_init); the model has no kernel threads. */
static bool oom_unkillable_task(const struct task_struct *p)
{
	return p->tgid == 1;
}

/* find_lock_task_mm: a live thread of p's group that still has its mm. */
static struct task_struct *find_task_mm(struct mmsim_machine *m, struct task_struct *p)
{
	struct list_head *pos;

	if (!p->exited && p->mm)
		return p;
	list_for_each(pos, &m->tasks) {
		struct task_struct *t = list_entry(pos, struct task_struct, tasks);

		if (t->tgid == p->tgid && !t->exited && t->mm)
			return t;
	}
	return NULL;
}

long oom_badness(struct mm_sys *ms, struct task_struct *p, uint64_t totalpages)
{
	struct task_struct *t;
	long points, adj;

	if (oom_unkillable_task(p))
		return LONG_MIN;
	t = find_task_mm(ms_machine(ms), p);
	if (!t)
		return LONG_MIN;
	adj = oom_score_adj_get(ms, p->tgid);
	if (adj == OOM_SCORE_ADJ_MIN)
		return LONG_MIN;
	/* the baseline: the proportion of RAM the task's rss, page tables and swap use */
	points = (long)(get_mm_rss(t->mm) + get_mm_counter(t->mm, MM_SWAPENTS) +
			mm_pgtables_bytes(t->mm) / ms->page_size);
	/* normalize to oom_score_adj units */
	adj *= (long)(totalpages / 1000);
	return points + adj;
}

/* ---- the report ----------------------------------------------------------------------------- */

/* %pGg: the mask's flags by name, composite masks first (include/trace/events/mmflags.h). */
static void format_gfp(gfp_t gfp, char *buf, size_t len)
{
	static const struct { unsigned int mask; const char *name; } names[] = {
		{ MMSIM_GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE" },
		{ MMSIM_GFP_HIGHUSER, "GFP_HIGHUSER" },
		{ MMSIM_GFP_USER, "GFP_USER" },
		{ MMSIM_GFP_KERNEL | MMSIM_GFP_ACCOUNT, "GFP_KERNEL_ACCOUNT" },
		{ MMSIM_GFP_KERNEL, "GFP_KERNEL" },
		{ MMSIM_GFP_RECLAIM | MMSIM_GFP_IO, "GFP_NOFS" },
		{ MMSIM_GFP_ATOMIC, "GFP_ATOMIC" },
		{ MMSIM_GFP_RECLAIM, "GFP_NOIO" },
		{ MMSIM_GFP_NOWAIT, "GFP_NOWAIT" },
		{ MMSIM_GFP_DMA, "GFP_DMA" },
		{ MMSIM_GFP_HIGHMEM, "__GFP_HIGHMEM" },
		{ MMSIM_GFP_DMA32, "GFP_DMA32" },
		{ MMSIM_GFP_HIGH, "__GFP_HIGH" },
		{ MMSIM_GFP_IO, "__GFP_IO" },
		{ MMSIM_GFP_FS, "__GFP_FS" },
		{ MMSIM_GFP_NOWARN, "__GFP_NOWARN" },
		{ MMSIM_GFP_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL" },
		{ MMSIM_GFP_NOFAIL, "__GFP_NOFAIL" },
		{ MMSIM_GFP_NORETRY, "__GFP_NORETRY" },
		{ MMSIM_GFP_COMP, "__GFP_COMP" },
		{ MMSIM_GFP_ZERO, "__GFP_ZERO" },
		{ MMSIM_GFP_NOMEMALLOC, "__GFP_NOMEMALLOC" },
		{ MMSIM_GFP_MEMALLOC, "__GFP_MEMALLOC" },
		{ MMSIM_GFP_HARDWALL, "__GFP_HARDWALL" },
		{ MMSIM_GFP_THISNODE, "__GFP_THISNODE" },
		{ MMSIM_GFP_RECLAIMABLE, "__GFP_RECLAIMABLE" },
		{ MMSIM_GFP_MOVABLE, "__GFP_MOVABLE" },
		{ MMSIM_GFP_ACCOUNT, "__GFP_ACCOUNT" },
		{ MMSIM_GFP_WRITE, "__GFP_WRITE" },
		{ MMSIM_GFP_RECLAIM, "__GFP_RECLAIM" },
		{ MMSIM_GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM" },
		{ MMSIM_GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM" },
	};
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && gfp; i++) {
		if ((gfp & names[i].mask) != names[i].mask)
			continue;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
					 used ? "|" : "", names[i].name);
		gfp &= ~names[i].mask;
	}
	if (gfp && used < len)
		snprintf(buf + used, len - used, "%s%#x", used ? "|" : "", gfp);
}

static const char *comm_of(const struct task_struct *t)
{
	return t ? t->comm : "swapper/0";
}

/* dump_tasks: every killable process with an address space. */
static void dump_tasks(struct mm_sys *ms)
{
	struct mmsim_machine *m = ms_machine(ms);
	struct list_head *pos;

	kernel_log(ms, "Tasks state (memory values in pages):");
	kernel_log(ms, "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem "
		   "pgtables_bytes swapents oom_score_adj name");
	list_for_each(pos, &m->tasks) {
		struct task_struct *p = list_entry(pos, struct task_struct, tasks), *t;

		if (p->pid != p->tgid || oom_unkillable_task(p))
			continue;
		t = find_task_mm(m, p);
		if (!t)
			continue;
		kernel_log(ms, "[%7d] %5d %5d %8llu %8llu %8llu %8llu %9llu %8llu %8llu"
			   "         %5hd %s",
			   t->pid, 0, t->tgid, (unsigned long long)t->mm->total_vm,
			   (unsigned long long)get_mm_rss(t->mm),
			   (unsigned long long)get_mm_counter(t->mm, MM_ANONPAGES),
			   (unsigned long long)get_mm_counter(t->mm, MM_FILEPAGES),
			   (unsigned long long)get_mm_counter(t->mm, MM_SHMEMPAGES),
			   (unsigned long long)mm_pgtables_bytes(t->mm),
			   (unsigned long long)get_mm_counter(t->mm, MM_SWAPENTS),
			   oom_score_adj_get(ms, t->tgid), t->comm);
	}
}

static void dump_header(struct mm_sys *ms, gfp_t gfp, unsigned int order)
{
	struct task_struct *cur = oom_current(ms);
	char names[256];

	format_gfp(gfp, names, sizeof(names));
	kernel_log(ms, "%s invoked oom-killer: gfp_mask=%#x(%s), order=%u, oom_score_adj=%d",
		   comm_of(cur), gfp, names, order, cur ? oom_score_adj_get(ms, cur->tgid) : 0);
	/* sysctl_oom_dump_tasks: 1 on the reference kernel */
	dump_tasks(ms);
}

/* ---- killing ------------------------------------------------------------------------------ */

bool current_is_oom_victim(struct mm_sys *ms)
{
	struct oom_state *st = ms->oom;
	struct task_struct *cur = oom_current(ms);

	return st && st->victim_tgid && cur && cur->tgid == st->victim_tgid;
}

static struct task_struct *task_by_tgid(struct mmsim_machine *m, int tgid)
{
	struct list_head *pos;

	list_for_each(pos, &m->tasks) {
		struct task_struct *t = list_entry(pos, struct task_struct, tasks);

		if (t->tgid == tgid && !t->exited)
			return t;
	}
	return NULL;
}

/* The victim's thread group, and other groups sharing its mm, exit (SIGKILL's default). */
static void oom_exit_group(struct mm_sys *ms, struct task_struct *victim)
{
	struct mmsim_machine *m = ms_machine(ms);
	struct mm_struct *mm = victim->mm;
	struct list_head *pos;

	if (mm) {
		/* processes sharing the mm in another thread group (vfork, CLONE_VM) die too */
		list_for_each(pos, &m->tasks) {
			struct task_struct *t = list_entry(pos, struct task_struct, tasks);

			if (t->mm == mm && t->tgid != victim->tgid && !t->exited &&
			    !oom_unkillable_task(t))
				do_exit_group(m, t, 9);
		}
	}
	do_exit_group(m, victim, 9);
}

void oom_reap_pending(struct mm_sys *ms)
{
	struct oom_state *st = ms->oom;
	struct task_struct *victim;

	struct task_struct *cur = oom_current(ms);

	if (!st || !st->victim_tgid)
		return;
	/* the running task is killed only once it is back (oom_kill_current) */
	if (!cur || cur->tgid == st->victim_tgid)
		return;
	victim = task_by_tgid(ms_machine(ms), st->victim_tgid);
	/* nor a group sharing the running task's address space */
	if (victim && victim->mm && victim->mm == cur->mm)
		return;
	st->victim_tgid = 0;
	if (victim)
		oom_exit_group(ms, victim);
}

void oom_reap_all(struct mm_sys *ms)
{
	struct oom_state *st = ms->oom;
	struct task_struct *victim;

	if (!st || !st->victim_tgid)
		return;
	victim = task_by_tgid(ms_machine(ms), st->victim_tgid);
	st->victim_tgid = 0;
	if (victim)
		oom_exit_group(ms, victim);
}

bool oom_kill_current(struct mm_sys *ms, struct task_struct *t)
{
	struct oom_state *st = ms->oom;

	if (!st || !t || !st->victim_tgid || t->tgid != st->victim_tgid)
		return false;
	st->victim_tgid = 0;
	if (!t->exited)
		oom_exit_group(ms, t);
	return true;
}

struct task_struct *oom_set_current(struct mm_sys *ms, struct task_struct *t)
{
	struct task_struct *prev = oom_current(ms);

	cur_ms = t ? ms : NULL;
	cur_task = t;
	return prev;
}

/*
 * __oom_kill_process: the report line, the count, the kill (or its mark). true when memory
 * was freed or the running task, now a victim, may use the reserves; false when the victim
 * must wait for a safe point (the running task is unknown).
 */
static bool __oom_kill_process(struct mm_sys *ms, struct task_struct *victim, const char *message)
{
	struct oom_state *st = oom_state(ms);
	struct task_struct *t = find_task_mm(ms_machine(ms), victim);
	struct mm_struct *mm;
	unsigned int k = ms->page_shift - 10;

	if (!t)
		return true;	/* it exited meanwhile */
	mm = t->mm;
	count_vm_events(ms, OOM_KILL, 1);
	kernel_log(ms, "%s: Killed process %d (%s) total-vm:%llukB, anon-rss:%llukB, "
		   "file-rss:%llukB, shmem-rss:%llukB, UID:%u pgtables:%llukB oom_score_adj:%d",
		   message, victim->tgid, victim->comm,
		   (unsigned long long)(mm->total_vm << k),
		   (unsigned long long)(get_mm_counter(mm, MM_ANONPAGES) << k),
		   (unsigned long long)(get_mm_counter(mm, MM_FILEPAGES) << k),
		   (unsigned long long)(get_mm_counter(mm, MM_SHMEMPAGES) << k), 0u,
		   (unsigned long long)(mm_pgtables_bytes(mm) >> 10),
		   oom_score_adj_get(ms, victim->tgid));
	/* mark_oom_victim: a running victim dies when it gets back (oom_kill_current) */
	if (!st || (oom_current(ms) && oom_current(ms)->tgid != victim->tgid)) {
		oom_exit_group(ms, victim);
		return true;
	}
	st->victim_tgid = victim->tgid;
	return oom_current(ms) != NULL;
}

/* dump_oom_victim's one-line summary of the context. */
static void dump_oom_victim(struct mm_sys *ms, struct task_struct *victim)
{
	char nodes[32];

	if (ms->nr_node_ids > 1)
		snprintf(nodes, sizeof(nodes), "0-%u", ms->nr_node_ids - 1);
	else
		snprintf(nodes, sizeof(nodes), "0");
	kernel_log(ms, "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,"
		   "mems_allowed=%s,global_oom,task_memcg=/,task=%s,pid=%d,uid=0", nodes,
		   victim->comm, victim->pid);
}

/* check_panic_on_oom: vm.panic_on_oom 1 or 2 stops the machine (no constraint here). */
static bool check_panic_on_oom(struct mm_sys *ms, gfp_t gfp, unsigned int order)
{
	int mode = ms->sysctl.panic_on_oom;
	char msg[96];

	if (!mode)
		return false;
	dump_header(ms, gfp, order);
	snprintf(msg, sizeof(msg), "Out of memory: %s panic_on_oom is enabled",
		 mode == 2 ? "compulsory" : "system-wide");
	mm_panic(ms, msg);
	return true;
}

bool out_of_memory(struct mm_sys *ms, gfp_t gfp, unsigned int order)
{
	struct mmsim_machine *m = ms_machine(ms);
	struct oom_state *st = oom_state(ms);
	struct task_struct *cur = oom_current(ms), *chosen = NULL;
	uint64_t totalpages = ms->totalram_pages + total_swap_pages(ms);
	long chosen_points = LONG_MIN;
	struct list_head *pos;

	if (mm_panicked(ms, NULL))
		return false;
	/* a victim chosen earlier that is not running can exit now */
	oom_reap_pending(ms);
	/* the OOM killer does not compensate for IO-less reclaim */
	if (!(gfp & MMSIM_GFP_FS))
		return true;
	if (check_panic_on_oom(ms, gfp, order))
		return false;
	if (ms->sysctl.oom_kill_allocating_task && cur && cur->mm && !oom_unkillable_task(cur) &&
	    oom_score_adj_get(ms, cur->tgid) != OOM_SCORE_ADJ_MIN) {
		dump_header(ms, gfp, order);
		dump_oom_victim(ms, cur);
		return __oom_kill_process(ms, cur, "Out of memory (oom_kill_allocating_task)");
	}
	/* select_bad_process: the highest badness, the later of equals */
	list_for_each(pos, &m->tasks) {
		struct task_struct *p = list_entry(pos, struct task_struct, tasks);
		long points;

		if (p->pid != p->tgid || p->exited || oom_unkillable_task(p))
			continue;
		/* a victim is still dying: wait for it rather than kill another */
		if (st && st->victim_tgid == p->tgid)
			return current_is_oom_victim(ms);
		points = oom_badness(ms, p, totalpages);
		if (points == LONG_MIN || points < chosen_points)
			continue;
		chosen = p;
		chosen_points = points;
	}
	if (!chosen) {
		dump_header(ms, gfp, order);
		kernel_log(ms, "Out of memory and no killable processes...");
		mm_panic(ms, "System is deadlocked on memory");
		return false;
	}
	dump_header(ms, gfp, order);
	dump_oom_victim(ms, chosen);
	return __oom_kill_process(ms, chosen, "Out of memory");
}

int oom_validate(struct mm_sys *ms, struct mmsim_error *err)
{
	struct oom_state *st = ms->oom;

	if (!st)
		return 0;
	if (st->pf_flags)
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "reclaim flags 0x%x left set outside reclaim", st->pf_flags);
	if (st->victim_tgid && !task_by_tgid(ms_machine(ms), st->victim_tgid))
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "OOM victim %d is not a live thread group", st->victim_tgid);
	for (unsigned int i = 0; i < st->nr_adj; i++) {
		if (st->adj[i].adj < OOM_SCORE_ADJ_MIN || st->adj[i].adj > OOM_SCORE_ADJ_MAX)
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "oom_score_adj %d of %d out of range", st->adj[i].adj,
				       st->adj[i].tgid);
		for (unsigned int j = 0; j < i; j++)
			if (st->adj[j].tgid == st->adj[i].tgid)
				return err_set(err, -EUCLEAN, NULL, 0, 0,
					       "oom_score_adj of %d recorded twice",
					       st->adj[i].tgid);
	}
	return workingset_validate(ms, err);
}

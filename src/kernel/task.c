/*
 * Tasks: creation with default limits, pid allocation, lookup, reaping, validation
 * (Linux: kernel/fork.c copy_process/alloc_task_struct_node/dup_fd, kernel/pid.c alloc_pid,
 * include/asm-generic/resource.h INIT_RLIMITS, fs/file.c alloc_fdtable).
 *
 * Leaves out: credentials beyond CAP_IPC_LOCK (the oracle runs as root), signals,
 * scheduling, namespaces (pids are the root namespace's).
 */
#include <errno.h>
#include <string.h>

#include "fs/fs.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/mm_types.h"
#include "mm/mmap.h"
#include "mm/slab.h"
#include "util/error.h"

/* Object sizes of this machine's kernel (/proc/slabinfo of the reference host). */
#define TASK_STRUCT_SIZE 5888
#define FILES_CACHE_SIZE 704
_Static_assert(sizeof(struct task_struct) <= TASK_STRUCT_SIZE, "task_struct must fit its object");
_Static_assert(sizeof(struct files_struct) <= FILES_CACHE_SIZE, "files_struct must fit its object");

/* kernel/pid.c: pid_max default (PID_MAX_DEFAULT 32768 is raised to 4194304 on 64-bit with
 * many CPUs; systemd sets 4194304) and RESERVED_PIDS where allocation wraps to. */
#define PID_MAX 4194304
#define RESERVED_PIDS 300

int fork_init(struct mm_sys *ms)
{
	/* kernel/fork.c fork_init: SLAB_PANIC | SLAB_ACCOUNT, aligned to the L1 line */
	int ret = kmem_cache_create(ms, "task_struct", TASK_STRUCT_SIZE, 64, SLAB_ACCOUNT,
				    &ms->task_struct_cachep);
	if (ret)
		return ret;
	/* kernel/fork.c proc_caches_init: SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT */
	ret = kmem_cache_create(ms, "files_cache", FILES_CACHE_SIZE, 0,
				SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT, &ms->files_cachep);
	if (ret)
		goto out_destroy_task;
	ret = fs_init(ms, &ms->fs);
	if (ret)
		goto out_destroy_files;
	return 0;

out_destroy_files:
	kmem_cache_destroy(ms, ms->files_cachep);
	ms->files_cachep = NULL;
out_destroy_task:
	kmem_cache_destroy(ms, ms->task_struct_cachep);
	ms->task_struct_cachep = NULL;
	return ret;
}

void fork_teardown(struct mmsim_machine *m)
{
	struct list_head *pos, *n;
	list_for_each_safe(pos, n, &m->tasks)
		task_free(m, list_entry(pos, struct task_struct, tasks));
	fs_teardown(m->mm.fs);
	m->mm.fs = NULL;
}

struct task_struct *find_task_by_pid(struct mmsim_machine *m, int pid)
{
	struct list_head *pos;
	list_for_each(pos, &m->tasks) {
		struct task_struct *t = list_entry(pos, struct task_struct, tasks);
		if (t->pid == pid)
			return t;
		if (t->pid > pid)
			break;
	}
	return NULL;
}

/*
 * A pid for a new task: the one asked for, or the next free one after the last handed out,
 * wrapping to RESERVED_PIDS at pid_max (alloc_pid's idr_alloc_cyclic).
 */
static int alloc_pid(struct mmsim_machine *m, int want)
{
	if (want > 0) {
		if (want >= PID_MAX)
			return -EINVAL;
		return find_task_by_pid(m, want) ? -EEXIST : want;
	}
	int pid = m->last_pid;
	for (int tries = 0; tries < PID_MAX; tries++) {
		pid = pid + 1 >= PID_MAX ? RESERVED_PIDS : pid + 1;
		if (!find_task_by_pid(m, pid))
			return pid;
	}
	return -EAGAIN;
}

/* Insert t into the machine's list, kept sorted by pid. */
static void task_list_add(struct mmsim_machine *m, struct task_struct *t)
{
	struct list_head *pos;
	list_for_each(pos, &m->tasks)
		if (list_entry(pos, struct task_struct, tasks)->pid > t->pid)
			break;
	list_add_tail(&t->tasks, pos);
}

/* The limits a process of this machine starts with (INIT_RLIMITS; the host's ulimit -a). */
static void default_rlimits(struct rlimit *rlim)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		rlim[i] = (struct rlimit){ RLIM_INFINITY, RLIM_INFINITY };
	rlim[RLIMIT_STACK] = (struct rlimit){ 8ull << 20, RLIM_INFINITY };	/* _STK_LIM */
	rlim[RLIMIT_CORE] = (struct rlimit){ 0, RLIM_INFINITY };
	rlim[RLIMIT_NPROC] = (struct rlimit){ 96365, 96365 };
	rlim[RLIMIT_NOFILE] = (struct rlimit){ MMSIM_NR_OPEN, 4096 };	/* INR_OPEN_CUR/MAX */
	rlim[RLIMIT_MEMLOCK] = (struct rlimit){ 8ull << 20, 8ull << 20 };	/* MLOCK_LIMIT */
	rlim[RLIMIT_SIGPENDING] = (struct rlimit){ 96365, 96365 };
	rlim[RLIMIT_MSGQUEUE] = (struct rlimit){ 819200, 819200 };	/* MQ_BYTES_MAX */
	rlim[RLIMIT_NICE] = (struct rlimit){ 0, 0 };
	rlim[RLIMIT_RTPRIO] = (struct rlimit){ 0, 0 };
}

/* An empty descriptor table (files_cache object, arrays kmalloc'd). */
struct files_struct *files_alloc(struct mm_sys *ms, int *err)
{
	struct files_struct *files = kmem_cache_alloc(ms, ms->files_cachep,
						      MMSIM_GFP_KERNEL | MMSIM_GFP_ZERO, err);
	if (!files)
		return NULL;
	files->fd = kmalloc(ms, MMSIM_NR_OPEN * sizeof(*files->fd), MMSIM_GFP_KERNEL | MMSIM_GFP_ZERO, err);
	if (!files->fd)
		goto out_free_files;
	files->cloexec = kmalloc(ms, MMSIM_NR_OPEN * sizeof(*files->cloexec),
				 MMSIM_GFP_KERNEL | MMSIM_GFP_ZERO, err);
	if (!files->cloexec)
		goto out_free_fd;
	files->count = 1;
	return files;

out_free_fd:
	kfree(ms, files->fd);
out_free_files:
	kmem_cache_free(ms, ms->files_cachep, files);
	return NULL;
}

/* Free a descriptor table with no open descriptors left and no users. */
void files_free(struct mm_sys *ms, struct files_struct *files)
{
	kfree(ms, files->cloexec);
	kfree(ms, files->fd);
	kmem_cache_free(ms, ms->files_cachep, files);
}

/* A task object with pid and list membership but no mm and no files (copy_process's core). */
int task_alloc(struct mmsim_machine *m, int want_pid, struct task_struct **out)
{
	struct mm_sys *ms = &m->mm;
	int err = 0;
	int pid = alloc_pid(m, want_pid);
	if (pid < 0)
		return pid;
	struct task_struct *t = kmem_cache_alloc(ms, ms->task_struct_cachep,
						 MMSIM_GFP_KERNEL | MMSIM_GFP_ZERO, &err);
	if (!t)
		return err;
	t->pid = t->tgid = pid;
	default_rlimits(t->rlim);
	t->compat = ms->arch->id == ARCH_I386;
	t->cap_ipc_lock = true;		/* the oracle runs as root */
	t->cap_sys_rawio = true;
	task_list_add(m, t);
	m->last_pid = pid;
	*out = t;
	return 0;
}

int task_create(struct mmsim_machine *m, int pid, bool with_mm, struct task_struct **out)
{
	struct task_struct *t;
	int err = 0;
	int ret = task_alloc(m, pid, &t);
	if (ret)
		return ret;
	t->files = files_alloc(&m->mm, &err);
	if (!t->files)
		goto out_free_task;
	if (with_mm) {
		t->mm = mm_alloc(m, &err);
		if (!t->mm)
			goto out_free_files;
		arch_pick_mmap_layout(t->mm, t);
	}
	*out = t;
	return 0;

out_free_files:
	files_free(&m->mm, t->files);
	t->files = NULL;
out_free_task:
	task_free(m, t);
	return err;
}

void task_free(struct mmsim_machine *m, struct task_struct *t)
{
	exit_mm(t);
	exit_files(m, t);
	list_del(&t->tasks);
	kmem_cache_free(&m->mm, m->mm.task_struct_cachep, t);
}

int task_validate(struct mmsim_machine *m, struct mmsim_error *err)
{
	struct list_head *pos, *pos2;
	int prev_pid = 0;
	list_for_each(pos, &m->tasks) {
		struct task_struct *t = list_entry(pos, struct task_struct, tasks);
		if (t->pid <= prev_pid)
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "task list: pid %d follows pid %d (not sorted, or twice)",
				       t->pid, prev_pid);
		prev_pid = t->pid;
		if (t->exited && (t->mm || t->files))
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "task %d exited but still holds its %s", t->pid,
				       t->mm ? "mm" : "files");
		int mm_sharers = 0, files_sharers = 0;
		list_for_each(pos2, &m->tasks) {
			struct task_struct *u = list_entry(pos2, struct task_struct, tasks);
			mm_sharers += t->mm && u->mm == t->mm;
			files_sharers += t->files && u->files == t->files;
		}
		if (t->mm && (t->mm->mm_users < mm_sharers || t->mm->mm_count < 1))
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "task %d: mm has mm_users %d mm_count %d but %d tasks use it",
				       t->pid, t->mm->mm_users, t->mm->mm_count, mm_sharers);
		if (!t->files)
			continue;
		if (t->files->count != files_sharers)
			return err_set(err, -EUCLEAN, NULL, 0, 0,
				       "task %d: files_struct count %d but %d tasks share it", t->pid,
				       t->files->count, files_sharers);
		for (int fd = 0; fd < MMSIM_NR_OPEN; fd++) {
			struct file *f = t->files->fd[fd];
			if (f && f->f_count < 1)
				return err_set(err, -EUCLEAN, NULL, 0, 0,
					       "task %d: fd %d refers to a file with f_count %d",
					       t->pid, fd, f->f_count);
			if (!f && t->files->cloexec[fd])
				return err_set(err, -EUCLEAN, NULL, 0, 0,
					       "task %d: fd %d is closed but marked close-on-exec",
					       t->pid, fd);
		}
	}
	return 0;
}

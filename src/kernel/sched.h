/*
 * Tasks (Linux: include/linux/sched.h, include/linux/fdtable.h, include/linux/resource.h,
 * include/uapi/linux/personality.h): what a simulated process has beyond its address space.
 *
 * A task is one thread; tasks of one thread group share tgid and (with CLONE_VM) the mm.
 * Objects come from the slab caches "task_struct" (5888 bytes on this kernel) and
 * "files_cache".
 *
 * Invariants (task_validate): pid unique among live tasks; a task with mm != NULL holds one
 * mm_users reference; every fd in [0, max_fds) is NULL or a file with f_count counting it;
 * the task list is sorted by pid.
 */
#ifndef MMSIM_KERNEL_SCHED_H
#define MMSIM_KERNEL_SCHED_H
#include <stdint.h>
#include <stdbool.h>
#include "util/list.h"

struct mm_struct;
struct file;
struct mmsim_error;

/* personality(2) bits that change the address-space layout */
#define ADDR_NO_RANDOMIZE	0x0040000u	/* setarch -R */
#define ADDR_COMPAT_LAYOUT	0x0200000u	/* legacy bottom-up mmap */
#define READ_IMPLIES_EXEC	0x0400000u
#define ADDR_LIMIT_3GB		0x8000000u
#define PER_LINUX32		0x0008u

/* resource limits (RLIMIT_* of asm-generic/resource.h) */
enum {
	RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE, RLIMIT_RSS,
	RLIMIT_NPROC, RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_AS, RLIMIT_LOCKS, RLIMIT_SIGPENDING,
	RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO, RLIMIT_RTTIME, RLIM_NLIMITS
};
#define RLIM_INFINITY (~0ull)
struct rlimit { uint64_t rlim_cur, rlim_max; };

#define MMSIM_NR_OPEN 1024		/* fds per task (RLIMIT_NOFILE default soft limit) */

/*
 * The descriptor table. The struct is a "files_cache" object (704 bytes on this kernel); the
 * arrays are kmalloc'd as Linux's alloc_fdtable does once a table outgrows the embedded one:
 * fd[] MMSIM_NR_OPEN pointers (kmalloc-8k), cloexec[] MMSIM_NR_OPEN bytes (kmalloc-1k).
 * Indexing is as before: files->fd[n], files->cloexec[n] for 0 <= n < MMSIM_NR_OPEN.
 */
struct files_struct {
	int count;			/* tasks sharing it (CLONE_FILES) */
	struct file **fd;		/* [MMSIM_NR_OPEN] */
	bool *cloexec;			/* [MMSIM_NR_OPEN] */
};

struct task_struct {
	int pid, tgid, ppid;
	char comm[16];			/* TASK_COMM_LEN */
	struct mm_struct *mm;		/* NULL after exit */
	struct files_struct *files;
	struct rlimit rlim[RLIM_NLIMITS];
	unsigned int personality;
	bool compat;			/* a 32-bit task (i386 ELF, or the machine is i386) */
	bool cap_ipc_lock;		/* CAP_IPC_LOCK: mlock ignores RLIMIT_MEMLOCK */
	bool cap_sys_rawio;		/* CAP_SYS_RAWIO: may map below the LSM mmap_min_addr */
	bool exited;
	int exit_code;			/* Linux's: exit code << 8, or the killing signal */
	uint64_t min_flt, maj_flt;	/* page faults counted by mm_account_fault (getrusage) */
	/*
	 * Dirty throttling (mm/page-writeback.c balance_dirty_pages_ratelimited): pages this
	 * task dirtied since its last balance_dirty_pages, and how many it may dirty before the
	 * next (0 stands for the initial 128 KiB in pages, DIRTY_POLL_THRESH, which Linux's
	 * copy_process sets); dirty_pauses counts the times it was throttled (mmsim's own).
	 */
	unsigned int nr_dirtied, nr_dirtied_pause;
	uint64_t dirty_pauses;
	struct list_head tasks;		/* the machine's task list, by pid */
};

struct mmsim_machine;
/* The task with this pid, or NULL. */
struct task_struct *find_task_by_pid(struct mmsim_machine *m, int pid);
/*
 * A new task with an empty mm (or none if with_mm is false), default limits (stack 8 MiB,
 * memlock 8 MiB, data/as unlimited), personality 0, pid as asked (>0) or the next free one.
 * -EEXIST if pid is taken, -ENOMEM.
 */
int task_create(struct mmsim_machine *m, int pid, bool with_mm, struct task_struct **out);
/* Release everything the task holds (exit_mm, exit_files) and free it. */
void task_free(struct mmsim_machine *m, struct task_struct *t);
int task_validate(struct mmsim_machine *m, struct mmsim_error *err);
#endif

/*
 * `mmsim validate --faults` (docs/validate-faults.md): a program's page faults and RSS on the
 * live kernel against mmsim's for the same program.
 *
 * Three runs of the program on this machine, with ASLR off (personality ADDR_NO_RANDOMIZE,
 * as `setarch -R`), stdin and output on /dev/null:
 *
 *  1. the recorder (mmsim_record, input/ptrace_record.c): its memory and process system calls
 *     in strace's format. They name the files the program maps; the model's page cache then
 *     gets the pages of those files that the host's cache holds (filemap_mirror_host_cache),
 *     so that the next run and the replay start from the same cache;
 *  2. the census: under ptrace with only the exec and exit events enabled (the program runs
 *     at full speed, no system call stops), reading /proc/PID/stat (min_flt, maj_flt,
 *     startstack) just before the execve, at PTRACE_EVENT_EXEC and at PTRACE_EVENT_EXIT,
 *     /proc/PID/status (RssAnon, RssFile, RssShmem, VmHWM) at PTRACE_EVENT_EXIT, which the
 *     kernel reports before exit_mm (kernel/exit.c do_exit -> ptrace_event(PTRACE_EVENT_EXIT)),
 *     the main thread's fs base (its thread pointer: PTRACE_GETREGS) at that stop, and the
 *     wait4 rusage;
 *  3. valgrind --tool=lackey --trace-mem=yes --trace-syscalls=yes -d -d: every load, store
 *     and instruction fetch, with the system calls in their place among them, and on stderr
 *     the client's initial layout (aspacemgr's "Memory layout at client startup", the
 *     initial stack pointer, the stack's end).
 *
 * Then the recorded calls are replayed in machine m, and the lackey accesses run through the
 * fault handler of the replayed process, each at the address of the same byte in the native
 * layout: valgrind places the program elsewhere (its own loader, stack and brk), so every
 * address is translated by the identity of the mapping it falls in (below). The system
 * calls of the two runs are paired (same call, same length, same file by device and inode,
 * same protection and flags), each native call is applied when valgrind's run reaches its
 * partner, so accesses and calls keep their order.
 *
 * Translation (vg address -> native address), by mapping identity:
 *  - the executable's and the interpreter's segments: valgrind's startup table names each
 *    client segment's device, inode and file offset; the replayed exec mapped the same file
 *    offset at its own address; the bss after a segment moves with it;
 *  - the stack: by the distance from the initial stack pointer (valgrind's initial_SP and
 *    the model's mm->start_stack), so frames keep their offsets from it;
 *  - the brk heap: by the distance from the start the first paired brk(NULL) returned; the
 *    model's heap follows valgrind's brk(addr) calls (moved by that distance), not the
 *    recorded ones: heap use differs between the runs (the environment is longer under
 *    valgrind), and the accesses are valgrind's;
 *  - each paired mmap/mremap: from valgrind's result to the native result;
 *  - the block ld.so allocates for the main thread's TLS and TCB: the loader's minimal
 *    malloc maps it with another size under valgrind (its earlier allocations, the
 *    preload's link map among them, left another amount free), so its mmap has no exact
 *    partner; it is translated by the distance from the thread pointer (valgrind's
 *    arch_prctl(ARCH_SET_FS) and the native fs base), as glibc addresses TLS and the TCB
 *    relative to it, within the native mapping holding the native thread pointer.
 * An access in none of these (a mapping valgrind made for itself, vgpreload_core.so; a
 * mapping whose call had no partner) is counted by reason and not run.
 *
 * The library prints nothing; it talks to the host only through fork/exec/ptrace/wait4 and
 * /proc, like input/ptrace_record.c, and removes what it created in the temporary directory.
 */
#ifndef MMSIM_KERNEL_VALIDATE_FAULTS_H
#define MMSIM_KERNEL_VALIDATE_FAULTS_H
#include <stdbool.h>
#include <stdint.h>
#include "mmsim/mmsim.h"

struct vf_opts {
	int passthrough;	/* nonzero: the program's stdout/stderr stay the caller's */
	const char *valgrind;	/* valgrind's path or name (NULL: "valgrind" in PATH) */
	const char *keep;	/* NULL, or a path prefix: keep PREFIX (the recorded strace log),
				   PREFIX.lackey (valgrind's log) and PREFIX.valgrind-stderr */
	int native_cpu;		/* nonzero: do not hide from glibc the CPU features valgrind's
				   virtual CPU lacks (vf_hwcaps_tunable) */
};

/*
 * The glibc tunable every run gets unless native_cpu is set ("glibc.cpu.hwcaps=-AVX512F,...":
 * the features valgrind's virtual CPU lacks, so that glibc's IFUNCs pick the same string
 * functions natively as under valgrind). It is added to GLIBC_TUNABLES for the runs and
 * the caller's environment is put back after them.
 */
const char *vf_hwcaps_tunable(void);

/* What one side counted for the program. Invariant: exec_* <= the totals. */
struct vf_counts {
	uint64_t minflt, majflt;		/* from the execve's entry to exit_group */
	uint64_t exec_minflt, exec_majflt;	/* of those, during the execve */
	uint64_t rss_anon_kb, rss_file_kb, rss_shmem_kb, hwm_kb;	/* at exit_group */
	uint64_t start_stack;			/* the initial stack pointer exec left */
};

/* Why an access of valgrind's trace was not run in mmsim. */
enum vf_skip {
	VF_SKIP_VALGRIND,	/* in a mapping valgrind made for itself (vgpreload_core.so) */
	VF_SKIP_UNPAIRED,	/* in a mapping whose system call had no native partner */
	VF_SKIP_UNKNOWN,	/* in no mapping the translation knows */
	VF_SKIP_STACK_TOP,	/* above the native stack: valgrind's argument area is larger */
	VF_SKIP_AFTER_EXEC,	/* after the program exec'd another one (valgrind stops tracing) */
	VF_SKIP_NR
};

struct vf_result {
	struct vf_counts kernel, sim;
	uint64_t page_size;		/* bytes per base page of the model */
	bool kernel_exited;		/* the census saw PTRACE_EVENT_EXIT (status was read) */
	bool cpu_hidden;		/* the runs had vf_hwcaps_tunable() in GLIBC_TUNABLES */
	int exit_status;		/* the census run's wait status */
	uint64_t ru_minflt, ru_majflt;	/* wait4 rusage of the census run: the process, the
					   children it waited for, and the census's pre-exec code */
	uint64_t ru_maxrss_kb;
	uint64_t vg_start_stack;	/* valgrind's initial_SP */
	uint64_t kernel_tp, vg_tp;	/* the main thread's thread pointer (fs base): the
					   census's at exit, valgrind's arch_prctl(ARCH_SET_FS) */

	/* valgrind's trace */
	uint64_t lines, accesses;	/* lines read, accesses in them */
	uint64_t run;			/* accesses run through mmsim's MMU and fault handler */
	uint64_t kernel_writes;		/* of the accesses, stores added for the kernel's writes
					   into user buffers (read(2), fstat ...: kernel_write) */
	uint64_t skipped[VF_SKIP_NR];
	uint64_t nosys;			/* run, but the fault needs a path mmsim does not model */
	uint64_t signals;		/* run, but mmsim raised SIGSEGV/SIGBUS */
	uint64_t first_signal_addr, first_signal_line;	/* the first of those (native address) */
	uint64_t first_nosys_addr;

	uint64_t files_mirrored;	/* files whose host-cached pages the model's page cache got
					   before the replay (filemap_mirror_host_cache) */

	/* system calls */
	uint64_t native_calls;		/* memory calls of the main process in the recorded log */
	uint64_t vg_calls;		/* memory calls in valgrind's trace */
	uint64_t paired;		/* pairs found */
	uint64_t paired_loosely;	/* of which anonymous mmaps of another length */
	uint64_t first_unpaired_line;	/* the log line of valgrind's first call without a
					   partner (0: none) */
	uint64_t replay_diverged;	/* replayed calls whose value differed from the log's */
	uint64_t replay_skipped;	/* recorded calls the replay could not apply */
	uint64_t native_brks_skipped;	/* recorded brk(addr) calls not applied: the model's
					   heap follows valgrind's brk calls instead */
	bool exec_again;		/* the main process exec'd again (only its first image is
					   compared) */
	bool threads;			/* the program had more than one thread */
	bool children;			/* it created child processes (not compared) */
	bool start_stack_differs;	/* the model's exec put the stack pointer elsewhere than
					   the kernel's (the stack translation uses the model's) */

	/* where the RSS differs, mapping by mapping (smaps at the exit); malloc'd */
	char *kernel_smaps;		/* /proc/PID/smaps at PTRACE_EVENT_EXIT */
	struct vf_rss_diff *rss_diff;
	size_t nrss_diff;
};

/* Free what res holds (vf_result's malloc'd members). */
void vf_result_free(struct vf_result *res);

/* A mapping whose Rss differs between the kernel's smaps and mmsim's at the exit. */
struct vf_rss_diff {
	char name[160];			/* "7ffff7dd3000-7ffff7df9000 r--p libc.so.6" */
	uint64_t kernel_kb, sim_kb;
};

/*
 * Run argv (argv[0] searched in PATH) three times as above and fill res. 0 when all three
 * ran and the comparison was made; -EPERM (ptrace not permitted), -ENOENT (the program or
 * valgrind cannot be found: err says which), -EINVAL (valgrind's log could not be read),
 * -ENOMEM, or the error of the replay. m must be a freshly booted machine (its counters are
 * the model's side).
 */
int mmsim_validate_faults(mmsim_machine *m, char *const argv[], const struct vf_opts *o,
			  struct vf_result *res, struct mmsim_error *err);

/* The reason's text ("valgrind's own mappings (vgpreload_core)" ...). */
const char *vf_skip_name(enum vf_skip s);

/*
 * Parse one line of valgrind's --trace-syscalls=yes output ("SYSCALL[PID,TID](NR) ...", or
 * a continuation " --> ..."). Exposed for the unit tests. Fills sc; returns 1 for a SYSCALL
 * line, 2 for a continuation, 0 for anything else.
 */
#define VF_MAX_ARGS 6
struct vf_vgcall {
	int pid, tid;
	long nr;
	bool completion;	/* "... [async] --> RESULT": finishes the tid's pending call */
	bool has_args;		/* "( args )" were read */
	int nargs;
	uint64_t arg[VF_MAX_ARGS];
	char path[512];		/* the string of a path argument ("0x4034bb0(/usr/...)") */
	bool has_result;	/* "Success(0x...)" or "Failure(0x...)" was read */
	bool failed;
	uint64_t result;	/* the value, or the errno of a failure */
};
int vf_parse_vgcall(const char *line, size_t len, struct vf_vgcall *sc);
#endif

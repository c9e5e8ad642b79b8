/* SPDX-License-Identifier: MIT */
/*
 * mmsim - the Linux memory manager as a user-space library.
 *
 * Public API. Every function returns 0 (or a non-negative value) on success and a
 * negative errno on failure; none prints, aborts or exits. Where an input can be
 * wrong in a way a person must fix (a file, a line, an option), the function also
 * fills a struct mmsim_error with the place and a sentence saying what was expected.
 * A failed call leaves every object it was given as it was.
 */
#ifndef MMSIM_MMSIM_H
#define MMSIM_MMSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MMSIM_VERSION "0.1.0"

/* Where an error was found and what was expected there. */
struct mmsim_error {
	char file[256];		/* input file, or "" when the input was an option or a string */
	int line;		/* 1-based line, 0 when not line-oriented */
	int column;		/* 1-based column, 0 when unknown */
	char msg[512];		/* one sentence: what is wrong and what was expected */
};

/* A text for a negative errno returned by this library (also works for positive). */
const char *mmsim_strerror(int err);

/* Format "file:line:col: msg" (parts left out when unknown) into buf. */
void mmsim_error_format(const struct mmsim_error *e, char *buf, size_t len);

/* ---- machine description -------------------------------------------------------- */

typedef struct mmsim_config mmsim_config;

int mmsim_config_new(mmsim_config **out);
void mmsim_config_free(mmsim_config *cfg);

/*
 * Set one key of the description ("arch", "ram", "nodes", "cpus", "memory_model",
 * "seed", "movablecore", "kernelcore", "min_free_kbytes", "thp", "check", "e820",
 * "node.N.range", "node.N.distance" ...). docs/machine.md lists every key.
 * A wrong value fails with -EINVAL and a message in err; cfg is unchanged.
 */
int mmsim_config_set(mmsim_config *cfg, const char *key, const char *value,
		     struct mmsim_error *err);

/* Read an INI machine description file ([machine], [memory], [node N] sections). */
int mmsim_config_load_ini(mmsim_config *cfg, const char *path, struct mmsim_error *err);

/* Read a file of the kernel's "BIOS-e820: [mem 0x..-0x..] type" lines (other lines ignored). */
int mmsim_config_load_e820(mmsim_config *cfg, const char *path, struct mmsim_error *err);

/* ---- the machine ---------------------------------------------------------------- */

typedef struct mmsim_machine mmsim_machine;

/* Boot a machine from a description: physical memory, memblock, zones, buddy, slab. */
int mmsim_boot(const mmsim_config *cfg, mmsim_machine **out, struct mmsim_error *err);
void mmsim_machine_free(mmsim_machine *m);

/*
 * Render a /proc file of the machine ("buddyinfo", "pagetypeinfo", "zoneinfo",
 * "meminfo", "slabinfo", "vmstat", "iomem", "memblock", "swaps") or one of mmsim's own
 * views ("dmesg": the kernel log; "faults": every process's minor and major faults, RSS
 * and swap, docs/proc-pid.md) into a newly malloc'd NUL-terminated buffer that the caller
 * frees. -ENOENT for a name not modelled.
 */
int mmsim_proc_render(mmsim_machine *m, const char *name, char **out, size_t *len);

/*
 * Render /proc/PID/<name> of a simulated process: "maps", "smaps", "smaps_rollup", "status"
 * (its memory lines), "stat", "statm", byte for byte as Linux 6.18 prints them (stat's
 * fields the model has no state for are fixed values, docs/proc-pid.md), or "pagemap" in
 * mmsim's text form, into a malloc'd buffer the caller frees. -ESRCH for no such process
 * (and for smaps_rollup and pagemap of an exited one), -ENOENT for another name.
 */
int mmsim_proc_pid_render(mmsim_machine *m, int pid, const char *name, char **out, size_t *len);

/*
 * read(2) of /proc/PID/<name> at offset: at most count bytes into buf, as pread of the live
 * file. "pagemap" gives its 64-bit entries (offset and count multiples of 8, else -EINVAL;
 * root's view, pfns shown); the text files give the bytes of their rendering. Returns the
 * bytes read (0 at the end), -ESRCH, -ENOENT, -EINVAL, -ENOMEM.
 */
int64_t mmsim_proc_pid_read(mmsim_machine *m, int pid, const char *name, uint64_t offset,
			    void *buf, size_t count);

/* Names of the /proc/PID files mmsim_proc_pid_render knows, NULL-terminated. */
const char *const *mmsim_proc_pid_names(void);

/* Names of the /proc files mmsim_proc_render knows, NULL-terminated. */
const char *const *mmsim_proc_names(void);

/* All counters and the physical memory layout as one JSON document (malloc'd). */
int mmsim_machine_json(mmsim_machine *m, char **out, size_t *len);

/* Run every structure's validator; 0 or -EUCLEAN with a description in err. */
int mmsim_machine_validate(mmsim_machine *m, struct mmsim_error *err);

/* ---- the page allocator, for tests, benchmarks and scripts ----------------------- */

/* GFP masks as Linux composes them (include/linux/gfp_types.h, 6.18 bit values). */
#define MMSIM_GFP_DMA		0x01u
#define MMSIM_GFP_HIGHMEM	0x02u
#define MMSIM_GFP_DMA32		0x04u
#define MMSIM_GFP_MOVABLE	0x08u
#define MMSIM_GFP_RECLAIMABLE	0x10u
#define MMSIM_GFP_HIGH		0x20u
#define MMSIM_GFP_IO		0x40u
#define MMSIM_GFP_FS		0x80u
#define MMSIM_GFP_ZERO		0x100u
#define MMSIM_GFP_DIRECT_RECLAIM 0x400u
#define MMSIM_GFP_KSWAPD_RECLAIM 0x800u
#define MMSIM_GFP_WRITE		0x1000u
#define MMSIM_GFP_NOWARN	0x2000u
#define MMSIM_GFP_RETRY_MAYFAIL	0x4000u
#define MMSIM_GFP_NOFAIL	0x8000u
#define MMSIM_GFP_NORETRY	0x10000u
#define MMSIM_GFP_MEMALLOC	0x20000u
#define MMSIM_GFP_COMP		0x40000u
#define MMSIM_GFP_NOMEMALLOC	0x80000u
#define MMSIM_GFP_HARDWALL	0x100000u
#define MMSIM_GFP_THISNODE	0x200000u
#define MMSIM_GFP_ACCOUNT	0x400000u

#define MMSIM_GFP_RECLAIM	(MMSIM_GFP_DIRECT_RECLAIM | MMSIM_GFP_KSWAPD_RECLAIM)
#define MMSIM_GFP_ATOMIC	(MMSIM_GFP_HIGH | MMSIM_GFP_KSWAPD_RECLAIM)
#define MMSIM_GFP_KERNEL	(MMSIM_GFP_RECLAIM | MMSIM_GFP_IO | MMSIM_GFP_FS)
#define MMSIM_GFP_NOWAIT	(MMSIM_GFP_KSWAPD_RECLAIM | MMSIM_GFP_NOWARN)
#define MMSIM_GFP_USER		(MMSIM_GFP_RECLAIM | MMSIM_GFP_IO | MMSIM_GFP_FS | MMSIM_GFP_HARDWALL)
#define MMSIM_GFP_HIGHUSER	(MMSIM_GFP_USER | MMSIM_GFP_HIGHMEM)
#define MMSIM_GFP_HIGHUSER_MOVABLE (MMSIM_GFP_HIGHUSER | MMSIM_GFP_MOVABLE)

/* Parse "GFP_KERNEL|__GFP_ZERO" style text into a mask; -EINVAL on an unknown name. */
int mmsim_gfp_parse(const char *text, unsigned int *gfp);

/* Allocate 2^order pages; the first pfn in *pfn. -ENOMEM when no zone can serve it. */
int mmsim_alloc_pages(mmsim_machine *m, int cpu, unsigned int gfp, unsigned int order,
		      uint64_t *pfn);
/* Free what mmsim_alloc_pages returned; -EINVAL if pfn/order is not such an allocation. */
int mmsim_free_pages(mmsim_machine *m, int cpu, uint64_t pfn, unsigned int order);

/* Make the Nth page allocation from now fail (0 disables): for failure-path tests. */
void mmsim_fail_nth_alloc(mmsim_machine *m, uint64_t nth);

/* ---- the MMU: page tables, TLBs, translation ---------------------------------------- */

/* Kinds of memory access. */
#define MMSIM_ACCESS_READ	0u
#define MMSIM_ACCESS_WRITE	1u
#define MMSIM_ACCESS_EXEC	2u

struct mmsim_translate_opts {
	uint64_t va;		/* virtual address */
	unsigned int access;	/* MMSIM_ACCESS_* */
	int kernel;		/* nonzero: a supervisor (ring 0 / EL1) access; else user */
	int cpu;		/* which CPU's MMU and TLB */
	unsigned int repeat;	/* translate this many times (1..16; 0 = 1): the second
				   shows the TLB hit */
	int json;		/* JSON instead of text */
	const char *logical;	/* x86 only, or NULL: "SEL:OFFSET" or "REG:OFFSET" (ds:0x10,
				   0x2b:0x1000): go through the segmentation unit first, set
				   up as Linux sets up a CPU; va is then ignored */
};

/*
 * Translate one address in the machine's built-in address space (a small process image
 * and the kernel's direct map, in real page tables; built on first use) and explain every
 * step: the index at each level, each entry's address, raw value and bits, the TLB outcome,
 * the physical address or the exact fault. Text or JSON into a malloc'd buffer.
 */
int mmsim_translate(mmsim_machine *m, const struct mmsim_translate_opts *o, char **out,
		    size_t *len, struct mmsim_error *err);

/* The built-in address space's map and one example translation per region. */
int mmsim_translate_tour(mmsim_machine *m, char **out, size_t *len, struct mmsim_error *err);

/*
 * The kernel's virtual memory layout for an architecture and paging mode (levels: x86_64
 * 4/5, i386 2/3; arm64 granule 4096/16384/65536 and va_bits; 0 = default), printed the way
 * the kernel's documentation draws it.
 */
int mmsim_layout_render(const char *arch, unsigned int levels, unsigned int granule,
			unsigned int va_bits, char **out, size_t *len, struct mmsim_error *err);

#ifdef __cplusplus
}
#endif

/* ---- scenario scripts (.mms, docs/scenario-language.md) ---------------------------- */

#define MMSIM_SCRIPT_ECHO	0x1u	/* echo every system call with its result */
#define MMSIM_SCRIPT_CHECK	0x2u	/* run every validator after every statement */

/*
 * Stopping a run from a signal handler: mmsim_request_stop() is async-signal-safe; scripts,
 * replays and traces check the request between steps and return -EINTR (err says where).
 * Freeing the machine afterwards writes every dirty page of a shared file mapping back
 * (to the copy, or with file_writes=real to the file itself), so no written byte is lost.
 */
void mmsim_request_stop(void);
bool mmsim_stop_requested(void);
void mmsim_clear_stop(void);

/*
 * Run the script text (len bytes; name is used in messages: "lesson.mms:12:5: ...").
 * cfg describes the machine; the script's `machine` lines change it before the machine
 * boots. The output of `show`, `echo` (and the echo of calls) is returned in *out
 * (malloc'd, NUL-terminated) even when the script fails part way.
 * Returns 0 when every statement ran and every expectation held; MMSIM_SCRIPT_FAILED when
 * an `expect` or a checked return value did not hold (err says where and what); a negative
 * errno for input that is wrong (err names file, line, column and what was expected).
 */
#define MMSIM_SCRIPT_FAILED 1
int mmsim_script_run(mmsim_config *cfg, const char *name, const char *text, size_t len,
		     unsigned int flags, char **out, size_t *outlen, struct mmsim_error *err);

/* ---- strace replay and recording (docs/replay.md) ---------------------------------- */

#ifdef __cplusplus
extern "C" {
#endif

/* One message of a replay: a return value that differs from the log's, or a note. */
enum mmsim_replay_msg_kind {
	MMSIM_REPLAY_DIVERGED,	/* the model returned another value than the kernel did */
	MMSIM_REPLAY_NOTE,	/* something the replay could not do exactly (skipped call,
				   approximated environment, call not modelled ...) */
};
struct mmsim_replay_msg {
	enum mmsim_replay_msg_kind kind;
	const char *file;	/* the log's name */
	int line;		/* 1-based line of the call in the log (0: the log as a whole) */
	const char *call;	/* the call's line as logged (DIVERGED), or NULL */
	int64_t expected, got;	/* DIVERGED: the kernel's value and the model's (-errno) */
	const char *text;	/* one sentence: "mmap(...) = 0x7ffff7fc0000, mmsim gave
				   0x7ffff7fbe000" or the note */
};

struct mmsim_replay_opts {
	/* Called for every message, in log order; NULL: messages are only counted. */
	void (*report)(void *ctx, const struct mmsim_replay_msg *msg);
	void *ctx;
};

struct mmsim_replay_result {
	char *maps;		/* the first process's /proc/PID/maps as it stood when it called
				   exit_group (or at the log's end); malloc'd, "" if none */
	size_t maps_len;
	int pid;		/* the first process's pid in the log (its execve's) */
	unsigned long calls;	/* call lines read */
	unsigned long checked;	/* calls applied whose recorded value was compared */
	unsigned long diverged;	/* of those, how many differed */
	unsigned long ignored;	/* calls known not to change the model (close, wait4 ...) */
	unsigned long skipped;	/* calls not modelled or of unknown processes (noted) */
	unsigned long notes;
};

/*
 * Replay a log of `strace -f -y -e trace=memory,process` (with or without -v, -tt, -T;
 * pids in front or not) on machine m: the first process is created from the log's first
 * execve with ASLR off (personality ADDR_NO_RANDOMIZE, as `setarch -R`), every call of
 * every process of the log is applied in log order, and every recorded return value is
 * compared with the model's. The log is read from path, or from text/len when text is not
 * NULL (path then only names it). Returns 0 when the log was read to its end (res filled:
 * free it with mmsim_replay_result_free; res->diverged says whether everything matched),
 * -EINVAL with err at the first line that cannot be read (res is then filled up to there),
 * -ENOENT/-EIO for a file that cannot be read, -ENOMEM.
 */
int mmsim_replay(mmsim_machine *m, const char *path, const char *text, size_t len,
		 const struct mmsim_replay_opts *o, struct mmsim_replay_result *res,
		 struct mmsim_error *err);
void mmsim_replay_result_free(struct mmsim_replay_result *res);

struct mmsim_record_opts {
	int passthrough;	/* nonzero: the program's stdout and stderr stay the caller's
				   (default: /dev/null); its stdin is always /dev/null */
};
struct mmsim_record_result {
	char *log;		/* strace-format text: "PID call(args) = ret" lines (malloc'd) */
	size_t log_len;
	char *maps;		/* /proc/PID/maps of the first process at its exit_group entry,
				   or when it died another way (malloc'd, "" if never read) */
	size_t maps_len;
	uint64_t stack_start;	/* the stack VMA's start when the first process's execve
				   returned (0 if unknown): growth below it happened at run time */
	int exit_status;	/* the program's wait status (as waitpid gives it) */
};
/*
 * Run argv[0] (searched in PATH) on the live kernel under ptrace with ASLR off, following
 * forks, and record its memory and process system calls (and prlimit64/setrlimit) in
 * strace's format, with -y paths and full execve argv and envp. 0 and res (free it with
 * mmsim_record_result_free); -EPERM when ptrace is not permitted here, -ENOENT when the
 * program cannot be started, -ENOSYS off Linux x86-64; err says which.
 */
int mmsim_record(char *const argv[], const struct mmsim_record_opts *o,
		 struct mmsim_record_result *res, struct mmsim_error *err);
void mmsim_record_result_free(struct mmsim_record_result *res);


/* ---- memory-access traces (docs/traces.md, docs/trace-command.md) ------------------- */

struct mmsim_trace_opts {
	int auto_vma;		/* nonzero: an access outside every VMA first maps the enclosing
				   aligned 1 MiB chunk (the free part of it): anonymous private,
				   rw- for data, r-x for instruction fetches; an access the VMA's
				   permissions refuse adds the permission to that page (mprotect) */
	int keep_going;		/* nonzero: an access the kernel would answer with a signal is
				   counted (signals) and skipped, and the trace goes on, as if the
				   program handled the signal and stepped over the instruction;
				   zero: the first such access stops the run (the default action) */
};

struct mmsim_trace_result {
	uint64_t loads, stores, modifies, ifetches;	/* trace records by kind */
	uint64_t lines;			/* lines read */
	uint64_t pgfault, pgmajfault;	/* /proc/vmstat events during the run */
	uint64_t rss_pages;		/* the process's RSS at the end (pages) */
	uint64_t rss_peak_pages;	/* its peak (VmHWM) */
	uint64_t page_size;		/* bytes per base page */
	uint64_t vmas;			/* VMAs at the end */
	uint64_t auto_maps, auto_mprotects;	/* --auto-vma's mmap and mprotect calls */
	/* CPU 0's TLB and walker (hw/tlb.h, hw/mmu.h) */
	uint64_t l1i_hits, l1i_misses, l1d_hits, l1d_misses, l2_hits, l2_misses;
	uint64_t walks, walk_refs;	/* page walks, page-table entries they read */
	/* the first signal (an access outside any VMA without auto_vma ...): it stopped the
	   trace, or with keep_going the first of `signals` accesses skipped */
	uint64_t signals;		/* accesses answered with a signal */
	int signo;			/* 0: no signal; 11 SIGSEGV, 7 SIGBUS */
	int si_code;			/* 1 SEGV_MAPERR, 2 SEGV_ACCERR, ... */
	uint64_t signal_addr;		/* si_addr */
	uint64_t signal_line;		/* the trace line of the access */
	char kind[8];			/* the trace format: "lackey" / "page" */
	char compression[8];		/* "plain", "gzip", "zstd" */
};

/*
 * Run a memory-access trace (valgrind lackey or page-trace format, plain, gzip or zstd;
 * docs/traces.md) on machine m: one new process with an empty address space makes every
 * access through its MMU on CPU 0, faulting pages in as Linux does (M = a load then a
 * store). path "-" reads standard input. Returns 0 when the trace was read to its end or an
 * access was stopped by a signal (res->signo, res->signal_line: the run stops there), -EINVAL
 * with err (file:line:column) for a line that cannot be read, -ENOENT/-EIO for the file,
 * -ENOMEM, -ENOSYS for a fault path not modelled. res is filled up to where it stopped.
 */
int mmsim_trace_run(mmsim_machine *m, const char *path, const struct mmsim_trace_opts *o,
		    struct mmsim_trace_result *res, struct mmsim_error *err);

#ifdef __cplusplus
}
#endif

#endif /* MMSIM_MMSIM_H */

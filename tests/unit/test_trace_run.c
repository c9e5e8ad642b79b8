/*
 * The trace runner (src/kernel/trace_run.c, trace_log.c): its fast path against the full
 * access path, and the process built from an strace log.
 *
 * Fast path: the same trace is run on two machines booted alike, once with the fast path
 * (an access within one page goes straight to the MMU's inline translation while CPU 0 runs
 * the task's tables) and once with every access through task_access (no_fast_path). Every
 * counter must be equal: the run's result, CPU 0's whole mmu_stats and tlb_stats, every
 * vm_event of the machine, the task's min_flt/maj_flt, RSS counters and hiwater, every
 * page-table entry of the user half (level, address, where it lives, raw value: frames and
 * accessed/dirty bits included), and /proc/PID/maps and smaps. The traces are generated to
 * take every branch of the runner: accesses within a page and across pages (up to 3),
 * loads, stores, modifies and fetches, stores into code and fetches from data (auto-vma's
 * mprotect), addresses outside every VMA (auto-vma's mmap, or the SIGSEGV that stops a
 * run), on x86-64 and arm64 (4 KiB, 16 KiB and 64 KiB granules), with and without a TLB,
 * a tiny TLB, THP always.
 *
 * Log: tests/data/strace/cat-recorded.log (cat, pid 26592, the replay gives its exec'd
 * layout: heap 0x555555560000-0x555555581000 after brk, an anonymous rw- mapping at
 * 0x7ffff7dd0000-0x7ffff7dd3000, the stack ending at 0x7ffffffff000, libc's r-- data
 * pages; 0x7ffff7d50000 was unmapped before exit_group). Writes to N distinct heap pages
 * are N faults and N pages of RSS more than before the trace; a write to libc's r--p
 * relro page is SIGSEGV SEGV_ACCERR; an access to the unmapped range SEGV_MAPERR; the
 * pid rules and their errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmsim/mmsim.h"
#include "boot.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "kernel/trace_run.h"
#include "mm/mm_types.h"
#include "mm/pgtable.h"
#include "report/proc.h"
#include "util/rng.h"
#include "util/strbuf.h"

#define CAT_LOG MMSIM_SOURCE_DIR "/tests/data/strace/cat-recorded.log"
#define CAT_PID 26592
#define CAT_HEAP 0x555555560000ull		/* [heap] after brk: 33 pages */
#define CAT_RELRO 0x7ffff7fa2000ull		/* libc r--p after mprotect (was rw-) */
#define CAT_UNMAPPED 0x7ffff7d50000ull		/* munmap'd before exit_group */

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mmsim-test-trace-run.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A path in the test's directory. */
static const char *tmp_path(const char *name)
{
	static char path[4][256];
	static int next;
	char *p = path[next++ & 3];

	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	return p;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* ---- generated traces ----------------------------------------------------------------- */

/*
 * n lackey lines from seed: fetches walking through a code region with jumps, data
 * accesses on a 6 MiB heap (so that several 1 MiB chunks and a 2 MiB-aligned range are
 * touched) and a stack, sizes 1-16 with now and then one of 4000-9000 bytes (across 2 or 3
 * pages), some stores into the code region and fetches from the heap (permissions auto-vma
 * must add), modifies. With wild set, a few accesses far outside (beyond TASK_SIZE, a
 * non-canonical address) too.
 */
static void gen_trace(const char *path, long n, uint64_t seed, bool wild)
{
	static const unsigned int dsize[8] = { 1, 2, 4, 4, 8, 8, 16, 16 };
	FILE *f = fopen(path, "w");
	struct rng g;
	uint64_t ip = 0x401000;

	assert_non_null(f);
	rng_seed(&g, seed);
	fprintf(f, "==4242== Lackey, an example Valgrind tool\n==4242== \n");
	for (long i = 0; i < n; i++) {
		uint64_t x = rng_next(&g);
		unsigned int k = (unsigned int)(x % 1000), size = dsize[(x >> 10) & 7];
		uint64_t a = (x >> 13) & 1 ? 0x10000000 + ((x >> 16) % (6 << 20))
					   : 0x7ffd00000000ull - 0x1000 - ((x >> 16) & 0x7fff);

		if ((x >> 40) % 200 == 0)
			size = 4000 + (unsigned int)((x >> 48) % 5000);
		if (k < 700) {
			fprintf(f, "I  %08llx,%u\n", (unsigned long long)ip, 1 + (unsigned)(x >> 20) % 15);
			ip += 1 + (x >> 20) % 15;
			if (((x >> 24) & 31) == 0)
				ip = 0x400000 + ((x >> 30) % (3 << 20));
		} else if (k < 850) {
			fprintf(f, " L %08llx,%u\n", (unsigned long long)a, size);
		} else if (k < 960) {
			fprintf(f, " S %08llx,%u\n", (unsigned long long)a, size);
		} else if (k < 985) {
			fprintf(f, " M %08llx,%u\n", (unsigned long long)a, size);
		} else if (k < 993) {
			/* a store into the code region, a fetch from the heap */
			fprintf(f, " S %08llx,%u\n", (unsigned long long)(ip + 64), size);
			fprintf(f, "I  %08llx,4\n", (unsigned long long)(0x10000000 + ((x >> 16) & 0xfffff)));
		} else if (wild && k == 999 && (x >> 50) % 8 == 0) {
			fprintf(f, " L %llx,8\n", (x >> 58) & 1 ? 0x800000000000ull : 0x8000000000000000ull);
		} else {
			fprintf(f, " L %08llx,%u\n", (unsigned long long)(ip & ~0xfffull), size);
		}
	}
	assert_int_equal(fclose(f), 0);
}

/* ---- one run and what it leaves ------------------------------------------------------- */

struct snap {
	int rc;
	struct mmsim_error err;
	struct mmsim_trace_result res;
	struct trace_run_info info;
	struct mmu_stats mmu;
	bool has_tlb;
	struct tlb_stats tlb;
	uint64_t ev[NR_VM_EVENT_ITEMS];
	uint64_t min_flt, maj_flt, hiwater;
	int64_t rss[NR_MM_COUNTERS];
	char *ptes, *maps, *smaps;
};

static int dump_entry(const struct pgtable_visit *v, void *arg)
{
	sb_printf(arg, "%d %llx %llx %llx %llx\n", v->level, (unsigned long long)v->va,
		  (unsigned long long)v->size, (unsigned long long)v->entry_pa,
		  (unsigned long long)v->raw);
	return 0;
}

static char *render(struct mmsim_machine *m, int pid, const char *file)
{
	struct strbuf sb;
	char *text = NULL;

	sb_init(&sb);
	assert_true(proc_pid_render(m, pid, file, &sb) >= 0);
	assert_int_equal(sb_finish(&sb, &text, NULL), 0);
	return text;
}

/* Boot from kv, run path with o (keep set here), and take everything it left. */
static void run_snap(const char *const *kv, const char *path, struct trace_run_opts o,
		     struct snap *s)
{
	struct mmsim_machine *m = boot(kv);
	struct task_struct *t = NULL;
	struct strbuf sb;

	memset(s, 0, sizeof(*s));
	o.keep = &t;
	s->rc = trace_run(m, path, &o, &s->res, &s->info, &s->err);
	s->mmu = m->cpu[0].stats;
	s->has_tlb = m->cpu[0].tlb != NULL;
	if (s->has_tlb)
		s->tlb = *tlb_stats(m->cpu[0].tlb);
	memcpy(s->ev, m->mm.vm_events, sizeof(s->ev));
	if (t) {
		s->min_flt = t->min_flt;
		s->maj_flt = t->maj_flt;
		memcpy(s->rss, t->mm->rss_stat, sizeof(s->rss));
		s->hiwater = t->mm->hiwater_rss;
		sb_init(&sb);
		assert_int_equal(pgtable_walk_range(&t->mm->pgd, 0, t->mm->task_size, false,
						    dump_entry, &sb), 0);
		assert_int_equal(sb_finish(&sb, &s->ptes, NULL), 0);
		s->maps = render(m, t->pid, "maps");
		s->smaps = render(m, t->pid, "smaps");
	}
	{
		struct mmsim_error verr = { 0 };
		int v = mmsim_machine_validate(m, &verr);

		if (v)
			fail_msg("after the run the model is inconsistent: %s", verr.msg);
	}
	mmsim_machine_free(m);
}

static void snap_free(struct snap *s)
{
	free(s->ptes);
	free(s->maps);
	free(s->smaps);
}

/* Run path both ways on machines of kv; every counter and table must be the same. */
static void fast_equals_slow(const char *const *kv, const char *path, int auto_vma,
			     struct snap *out)
{
	struct trace_run_opts o = { .auto_vma = auto_vma };
	struct snap fast, slow;

	run_snap(kv, path, o, &fast);
	o.no_fast_path = true;
	run_snap(kv, path, o, &slow);

	assert_int_equal(fast.rc, slow.rc);
	assert_string_equal(fast.err.msg, slow.err.msg);
	assert_int_equal(fast.res.pgfault, slow.res.pgfault);
	assert_int_equal(fast.res.l1d_hits, slow.res.l1d_hits);
	assert_int_equal(fast.res.l1i_hits, slow.res.l1i_hits);
	assert_int_equal(fast.res.walks, slow.res.walks);
	assert_int_equal(fast.res.signal_line, slow.res.signal_line);
	assert_memory_equal(&fast.res, &slow.res, sizeof(fast.res));
	assert_memory_equal(&fast.info, &slow.info, sizeof(fast.info));
	assert_int_equal(fast.mmu.walks, slow.mmu.walks);
	assert_int_equal(fast.mmu.kind[MMU_EXEC], slow.mmu.kind[MMU_EXEC]);
	assert_memory_equal(&fast.mmu, &slow.mmu, sizeof(fast.mmu));
	assert_int_equal(fast.has_tlb, slow.has_tlb);
	assert_memory_equal(&fast.tlb, &slow.tlb, sizeof(fast.tlb));
	assert_memory_equal(fast.ev, slow.ev, sizeof(fast.ev));
	assert_int_equal(fast.min_flt, slow.min_flt);
	assert_int_equal(fast.maj_flt, slow.maj_flt);
	assert_int_equal(fast.hiwater, slow.hiwater);
	assert_memory_equal(fast.rss, slow.rss, sizeof(fast.rss));
	assert_non_null(fast.ptes);
	assert_string_equal(fast.ptes, slow.ptes);
	assert_string_equal(fast.maps, slow.maps);
	assert_string_equal(fast.smaps, slow.smaps);
	/* the premise: the run did something worth comparing */
	assert_true(fast.res.pgfault > 0);
	assert_true(fast.mmu.kind[MMU_READ] + fast.mmu.kind[MMU_WRITE] + fast.mmu.kind[MMU_EXEC] >
		    fast.res.pgfault);
	snap_free(&slow);
	if (out)
		*out = fast;
	else
		snap_free(&fast);
}

/* ---- fast path == slow path ------------------------------------------------------------ */

static void test_fast_x86(void **state)
{
	static const char *const kv[] = { "ram", "512M", NULL };
	const char *path = tmp_path("gen-x86.lackey");
	struct snap s;

	(void)state;
	gen_trace(path, 60000, 1, false);
	fast_equals_slow(kv, path, 1, &s);
	/* every branch was taken: mmaps and mprotects of auto-vma, TLB hits */
	assert_true(s.res.auto_maps >= 8);
	assert_true(s.res.auto_mprotects >= 1);
	assert_true(s.res.l1i_hits > 10000 && s.res.l1d_hits > 1000);
	assert_int_equal(s.res.signo, 0);
	assert_int_equal(s.res.loads + s.res.stores + s.res.modifies + s.res.ifetches,
			 s.res.lines - 2);
	snap_free(&s);
}

static void test_fast_tlb_variants(void **state)
{
	static const char *const none[] = { "ram", "512M", "tlb", "none", NULL };
	static const char *const tiny[] = { "ram", "512M", "tlb", "tiny", NULL };
	static const char *const zen4[] = { "ram", "512M", "tlb", "zen4", "thp", "always", NULL };
	static const char *const five[] = { "ram", "512M", "paging", "5level", NULL };
	const char *path = tmp_path("gen-tlb.lackey");

	(void)state;
	gen_trace(path, 20000, 2, false);
	fast_equals_slow(none, path, 1, NULL);
	fast_equals_slow(tiny, path, 1, NULL);
	fast_equals_slow(zen4, path, 1, NULL);
	fast_equals_slow(five, path, 1, NULL);
}

static void test_fast_arm64(void **state)
{
	static const char *const a4k[] = { "arch", "arm64", "ram", "512M", NULL };
	static const char *const a16k[] = { "arch", "arm64", "ram", "512M", "paging", "16k-48",
					    NULL };
	static const char *const a64k[] = { "arch", "arm64", "ram", "1G", "paging", "64k-48",
					    NULL };
	const char *path = tmp_path("gen-arm64.lackey");

	(void)state;
	gen_trace(path, 20000, 3, false);
	fast_equals_slow(a4k, path, 1, NULL);
	fast_equals_slow(a16k, path, 1, NULL);
	fast_equals_slow(a64k, path, 1, NULL);
}

/* Runs that stop: a SIGSEGV without auto-vma, a non-canonical address with it. */
static void test_fast_signals(void **state)
{
	static const char *const kv[] = { "ram", "512M", NULL };
	const char *path = tmp_path("gen-wild.lackey");
	const char *pt = tmp_path("stop.trace");
	struct snap s;

	(void)state;
	gen_trace(path, 20000, 4, true);
	fast_equals_slow(kv, path, 1, &s);
	assert_int_equal(s.res.signo, 11);
	assert_true(s.res.signal_line > 100);
	snap_free(&s);

	/* without auto-vma nothing is mapped: the first access (line 2) stops the run */
	write_text(pt, "# t\n10000000 W\n10000000 R\n20000000 R\n10001000 W\n");
	{
		static const char *const kv2[] = { "ram", "512M", NULL };
		struct trace_run_opts o = { .auto_vma = 0, .no_fast_path = false };

		run_snap(kv2, pt, o, &s);
		assert_int_equal(s.rc, 0);
		assert_int_equal(s.res.signo, 11);
		assert_int_equal(s.res.si_code, 1);
		assert_int_equal(s.res.signal_line, 2);
		snap_free(&s);
	}
}

/* The repository's real lackey sample, both ways. */
static void test_fast_real_lackey(void **state)
{
	static const char *const kv[] = { "ram", "256M", NULL };

	(void)state;
	fast_equals_slow(kv, MMSIM_SOURCE_DIR "/tests/data/traces/true-lackey.log", 1, NULL);
}

/* ---- a process from an strace log ------------------------------------------------------ */

static struct snap run_log(const char *trace, const char *log, int pid, int auto_vma)
{
	static const char *const kv[] = { "ram", "512M", NULL };
	struct trace_run_opts o = { .log = log, .pid = pid, .auto_vma = auto_vma };
	struct snap s;

	run_snap(kv, trace, o, &s);
	return s;
}

/* N heap pages written: N faults, N pages more RSS; the heap VMA is the log's. */
static void test_log_heap_writes(void **state)
{
	const char *pt = tmp_path("heap.trace");
	char text[4096] = "";
	size_t used = 0;
	struct snap s;

	(void)state;
	for (int i = 0; i < 20; i++)	/* pages 0..19 of the heap, each twice */
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%llx W\n%llx R\n",
					 (unsigned long long)(CAT_HEAP + (uint64_t)i * 4096 + 8),
					 (unsigned long long)(CAT_HEAP + (uint64_t)i * 4096 + 16));
	write_text(pt, text);
	s = run_log(pt, CAT_LOG, 0, 0);
	if (s.rc)
		fail_msg("%s:%d: %s", s.err.file, s.err.line, s.err.msg);
	assert_int_equal(s.res.signo, 0);
	assert_int_equal(s.info.pid, CAT_PID);
	assert_false(s.info.pid_from_trace);
	assert_int_equal(s.res.pgfault, 20);
	assert_int_equal(s.res.rss_pages, s.info.rss_before_pages + 20);
	assert_int_equal(s.res.auto_maps, 0);
	assert_int_equal(s.res.vmas, s.info.vmas_before);
	assert_true(s.info.log_calls >= 30);
	assert_int_equal(s.info.log_diverged, 0);
	assert_non_null(strstr(s.maps, "555555560000-555555581000 rw-p 00000000 00:00 0"));
	snap_free(&s);

	/* the same through the log's pid given with --pid, and both ways of the fast path */
	s = run_log(pt, CAT_LOG, CAT_PID, 0);
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.res.pgfault, 20);
	snap_free(&s);
}

/* The log's final layout: relro is read-only, the munmap'd range is gone. */
static void test_log_layout_signals(void **state)
{
	const char *pt = tmp_path("relro.trace");
	const char *pu = tmp_path("unmapped.trace");
	struct snap s;

	(void)state;
	{
		char text[128];

		snprintf(text, sizeof(text), "%llx W\n%llx W\n",
			 (unsigned long long)CAT_HEAP, (unsigned long long)CAT_RELRO + 8);
		write_text(pt, text);
		snprintf(text, sizeof(text), "%llx W\n", (unsigned long long)CAT_UNMAPPED);
		write_text(pu, text);
	}
	s = run_log(pt, CAT_LOG, 0, 0);
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.res.signo, 11);
	assert_int_equal(s.res.si_code, 2);		/* SEGV_ACCERR */
	assert_int_equal(s.res.signal_line, 2);
	assert_int_equal(s.res.signal_addr, CAT_RELRO + 8);
	snap_free(&s);

	s = run_log(pu, CAT_LOG, 0, 0);
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.res.signo, 11);
	assert_int_equal(s.res.si_code, 1);		/* SEGV_MAPERR */
	snap_free(&s);

	/* --auto-vma maps the hole the munmap left, in the log's process */
	s = run_log(pu, CAT_LOG, 0, 1);
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.res.signo, 0);
	assert_int_equal(s.res.auto_maps, 1);
	assert_int_equal(s.res.pgfault, 1);
	snap_free(&s);
}

/* Which process: the trace's ==PID==, --pid, and the errors with file and line. */
static void test_log_pids(void **state)
{
	const char *same = tmp_path("pid-same.lackey");
	const char *other = tmp_path("pid-other.lackey");
	const char *pt = tmp_path("pid.trace");
	char text[256];
	struct snap s;

	(void)state;
	snprintf(text, sizeof(text), "==%d== Lackey, an example Valgrind tool\n S %llx,8\n",
		 CAT_PID, (unsigned long long)CAT_HEAP);
	write_text(same, text);
	snprintf(text, sizeof(text), "# a comment\n==4242== Lackey, an example Valgrind tool\n"
		 " S %llx,8\n", (unsigned long long)CAT_HEAP);
	write_text(other, text);
	snprintf(text, sizeof(text), "%llx W\n", (unsigned long long)CAT_HEAP);
	write_text(pt, text);

	s = run_log(same, CAT_LOG, 0, 0);
	assert_int_equal(s.rc, 0);
	assert_true(s.info.pid_from_trace);
	assert_int_equal(s.info.trace_pid, CAT_PID);
	assert_int_equal(s.res.pgfault, 1);
	snap_free(&s);

	/* the trace names a process the log does not have: its file and line */
	s = run_log(other, CAT_LOG, 0, 0);
	assert_int_equal(s.rc, -ESRCH);
	assert_string_equal(s.err.file, other);
	assert_int_equal(s.err.line, 2);
	assert_non_null(strstr(s.err.msg, "process 4242"));
	assert_null(s.ptes);
	snap_free(&s);
	/* ... unless --pid says which */
	s = run_log(other, CAT_LOG, CAT_PID, 0);
	assert_int_equal(s.rc, 0);
	assert_false(s.info.pid_from_trace);
	snap_free(&s);

	/* --pid of a process the log does not have: the log's name */
	s = run_log(pt, CAT_LOG, 4242, 0);
	assert_int_equal(s.rc, -ESRCH);
	assert_string_equal(s.err.file, CAT_LOG);
	assert_non_null(strstr(s.err.msg, "no process 4242"));
	assert_non_null(strstr(s.err.msg, "26592"));
	snap_free(&s);
}

/* Logs that cannot give a process: none, no execve, a bad line (file:line:column). */
static void test_log_errors(void **state)
{
	const char *pt = tmp_path("err.trace");
	const char *noexec = tmp_path("noexec.log");
	struct snap s;

	(void)state;
	write_text(pt, "10000000 W\n");
	write_text(noexec, "100 brk(NULL) = 0x555555559000\n");
	s = run_log(pt, tmp_path("missing.log"), 0, 0);
	assert_int_equal(s.rc, -ENOENT);
	assert_non_null(strstr(s.err.file, "missing.log"));
	snap_free(&s);

	s = run_log(pt, noexec, 0, 0);
	assert_int_equal(s.rc, -ESRCH);
	assert_non_null(strstr(s.err.msg, "no execve"));
	snap_free(&s);

	s = run_log(pt, MMSIM_SOURCE_DIR "/tests/data/strace/malformed.log", 0, 0);
	assert_int_equal(s.rc, -EINVAL);
	assert_int_equal(s.err.line, 3);
	assert_true(s.err.column > 0);
	snap_free(&s);
}

/* The log's process through both paths: the same counters and tables. */
static void test_log_fast_equals_slow(void **state)
{
	static const char *const kv[] = { "ram", "512M", NULL };
	const char *pt = tmp_path("log-mix.trace");
	char text[8192] = "";
	size_t used = 0;
	struct trace_run_opts o = { .log = CAT_LOG, .auto_vma = 1 };
	struct snap fast, slow;

	(void)state;
	for (int i = 0; i < 100; i++) {
		/* the heap's 33 pages, the stack's lowest 30, the anonymous mapping's 3 */
		uint64_t a = i % 3 == 0 ? CAT_HEAP + (uint64_t)(i / 3 % 33) * 4096 :
			     i % 3 == 1 ? 0x7ffffffde000ull + (uint64_t)(i / 3 % 30) * 4096 :
			     0x7ffff7dd0000ull + (uint64_t)(i / 3 % 3) * 4096;
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%llx %c\n",
					 (unsigned long long)a, i % 4 ? 'W' : 'R');
	}
	write_text(pt, text);
	run_snap(kv, pt, o, &fast);
	o.no_fast_path = true;
	run_snap(kv, pt, o, &slow);
	assert_int_equal(fast.rc, 0);
	assert_memory_equal(&fast.res, &slow.res, sizeof(fast.res));
	assert_memory_equal(&fast.mmu, &slow.mmu, sizeof(fast.mmu));
	assert_memory_equal(&fast.tlb, &slow.tlb, sizeof(fast.tlb));
	assert_memory_equal(fast.ev, slow.ev, sizeof(fast.ev));
	assert_string_equal(fast.ptes, slow.ptes);
	assert_string_equal(fast.smaps, slow.smaps);
	assert_true(fast.res.pgfault > 30);
	snap_free(&fast);
	snap_free(&slow);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_x86),
		cmocka_unit_test(test_fast_tlb_variants),
		cmocka_unit_test(test_fast_arm64),
		cmocka_unit_test(test_fast_signals),
		cmocka_unit_test(test_fast_real_lackey),
		cmocka_unit_test(test_log_heap_writes),
		cmocka_unit_test(test_log_layout_signals),
		cmocka_unit_test(test_log_pids),
		cmocka_unit_test(test_log_errors),
		cmocka_unit_test(test_log_fast_equals_slow),
	};

	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}

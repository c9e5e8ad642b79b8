/*
 * The memory system calls on large address spaces (src/mm/mmap.c, mprotect.c through the VMA
 * tree) and the speed of strace replay (src/kernel/replay.c), issue 4.
 *
 * The address space is a task that exec'd /usr/bin/true with ASLR off (do_execve; a bare mm
 * from task_create if the file is absent, said on stdout), plus N three-page anonymous VMAs
 * laid out downwards from the highest free page below mmap_base, each followed by a one-page
 * gap, alternately PROT_READ and PROT_READ|PROT_WRITE (so no two can merge), made with
 * sys_mmap(MAP_FIXED_NOREPLACE). N = 10, 1000, 65530 (vm.max_map_count raised above N plus
 * what exec made).
 *
 *   mmap+munmap fixed   sys_mmap(gap, 1 page, PROT_NONE, MAP_FIXED_NOREPLACE) + sys_munmap of it,
 *                       a gap drawn from a 4096-entry pre-shuffled table (PROT_NONE: the new
 *                       VMA merges with neither neighbour, so this is insert + remove)
 *   mmap+munmap NULL 1p sys_mmap(NULL, 1 page, PROT_NONE) + munmap: top-down search whose
 *                       first gap below mmap_base (gap 0, under VMA 0) fits
 *   mmap+munmap NULL 2p the same with 2 pages: no gap of the N fits, so the search
 *                       (vm_unmapped_area, walking VMAs from the top) passes all N of them
 *                       and places the mapping below the lowest one
 *   mprotect split+merge  sys_mprotect of the middle page of a drawn VMA to the other
 *                       protection (one VMA becomes three) and back (the three merge into one)
 *
 * ns per pair of calls. Every figure is measured RUNS times (each run lasts at least
 * MIN_RUN_S); median with minimum and maximum. Premises checked and printed: every call
 * returned what it should (the address asked, 0) and map_count is as before each run.
 *
 * Replay: the log (default: the largest in tests/data/strace/, found next to this source
 * file; or the path given) is read into memory once and replayed with mmsim_replay on one
 * machine booted once; after every replay the tasks it left (zombies of the log's
 * processes) are freed so the next starts from the same state. Repeated until a run lasts at
 * least 0.5 s; calls per second = call lines of the log (res.calls) x replays / time. Boot is
 * not included because there is none inside the timed loop. Each replay must diverge nowhere.
 *
 *   bench_mmap [strace-log]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mmsim/mmsim.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "kernel/exec.h"
#include "mm/mman.h"
#include "mm/mmap.h"
#include "mm/vma.h"
#include "util/list.h"
#include "util/rng.h"
#include "bench.h"

#define PAGE		4096ull
#define VMA_PAGES	3ull		/* each populated VMA; a one-page gap follows below it */
#define STRIDE		((VMA_PAGES + 1) * PAGE)
#define NADDR		4096
#define RUNS		5
#define MIN_RUN_S	0.05		/* each run of a system-call figure */
#define REPLAY_MIN_S	0.5		/* each run of the replay figure */
#define DEFAULT_LOG	"sh-v-tt.log"	/* the largest log of tests/data/strace/ */

static void die(const char *what)
{
	fprintf(stderr, "bench_mmap: %s\n", what);
	exit(1);
}

static void report(const char *label, uint64_t n, struct result *r)
{
	int ok = sort_results(r, RUNS);
	printf("%-22s %6llu VMAs %10.1f ns  (%.1f-%.1f)%s\n", label, (unsigned long long)n,
	       r[RUNS / 2].ns, r[0].ns, r[RUNS - 1].ns, ok ? "" : "  PREMISE FAILED");
}

static mmsim_machine *boot(void)
{
	mmsim_machine *m = bench_boot("2G");

	((struct mmsim_machine *)m)->mm.check = false;
	return m;
}

/* A task with /usr/bin/true exec'd, ASLR off; a bare mm if that cannot be done. */
static struct task_struct *make_task(struct mmsim_machine *m)
{
	struct task_struct *t;
	struct mmsim_error err = { 0 };
	char *argv[] = { "true", NULL };
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	if (task_create(m, 0, true, &t))
		die("task_create failed");
	t->personality |= ADDR_NO_RANDOMIZE;
	int rc = do_execve(m, t, "/usr/bin/true", argv, envp, &err);
	if (rc) {
		char buf[1024];
		mmsim_error_format(&err, buf, sizeof(buf));
		printf("exec of /usr/bin/true failed (%s: %s): using a bare mm\n",
		       mmsim_strerror(rc), buf);
		if (t->exited) {	/* past the point of no return: start again */
			task_free(m, t);
			if (task_create(m, 0, true, &t))
				die("task_create failed");
			t->personality |= ADDR_NO_RANDOMIZE;
		}
	}
	return t;
}

static int64_t map_anon(struct task_struct *t, uint64_t addr, uint64_t len, uint64_t prot,
			uint64_t flags)
{
	return sys_mmap(t, addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
}

/*
 * Add n VMAs below the highest free page: VMA i is [top - i*STRIDE - VMA_PAGES*PAGE,
 * top - i*STRIDE), gap i the page below it. Returns top.
 */
static uint64_t populate(struct task_struct *t, uint64_t n)
{
	int64_t probe = map_anon(t, 0, PAGE, PROT_NONE, 0);
	if (probe < 0 || sys_munmap(t, (uint64_t)probe, PAGE))
		die("cannot find the highest free page");
	uint64_t top = (uint64_t)probe + PAGE;
	if (n * STRIDE > top)
		die("address space too small");
	for (uint64_t i = 0; i < n; i++) {
		uint64_t start = top - i * STRIDE - VMA_PAGES * PAGE;
		uint64_t prot = i & 1 ? PROT_READ | PROT_WRITE : PROT_READ;
		if (map_anon(t, start, VMA_PAGES * PAGE, prot, MAP_FIXED_NOREPLACE) !=
		    (int64_t)start)
			die("populating mmap failed");
	}
	return top;
}

static struct result bench_fixed(struct task_struct *t, const uint64_t *gap, uint64_t ops)
{
	int ok = 1, count = t->mm->map_count;
	double t0 = now();
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t a = gap[i & (NADDR - 1)];
		ok &= map_anon(t, a, PAGE, PROT_NONE, MAP_FIXED_NOREPLACE) == (int64_t)a;
		ok &= sys_munmap(t, a, PAGE) == 0;
	}
	double s = now() - t0;
	ok &= t->mm->map_count == count;
	return (struct result){ s * 1e9 / (double)ops, ok };
}

/* NULL-address mmap of len, expected at want, and its munmap. */
static struct result bench_null(struct task_struct *t, uint64_t len, uint64_t want, uint64_t ops)
{
	int ok = 1, count = t->mm->map_count;
	double t0 = now();
	for (uint64_t i = 0; i < ops; i++) {
		int64_t a = map_anon(t, 0, len, PROT_NONE, 0);
		ok &= a == (int64_t)want;
		ok &= sys_munmap(t, (uint64_t)a, len) == 0;
	}
	double s = now() - t0;
	ok &= t->mm->map_count == count;
	return (struct result){ s * 1e9 / (double)ops, ok };
}

static struct result bench_mprotect(struct task_struct *t, const uint64_t *vma, uint64_t top,
				    uint64_t ops)
{
	int ok = 1, count = t->mm->map_count;
	double t0 = now();
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t a = vma[i & (NADDR - 1)];
		uint64_t prot = (top - a) / STRIDE & 1 ? PROT_READ | PROT_WRITE : PROT_READ;
		ok &= sys_mprotect(t, a + PAGE, PAGE, prot ^ PROT_WRITE) == 0;
		ok &= sys_mprotect(t, a + PAGE, PAGE, prot) == 0;
	}
	double s = now() - t0;
	ok &= t->mm->map_count == count;
	/* merged back: each drawn VMA is whole again */
	for (int i = 0; i < NADDR; i++) {
		struct vm_area_struct *v = find_vma(t->mm, vma[i]);
		ok &= v && v->vm_start == vma[i] && v->vm_end == vma[i] + VMA_PAGES * PAGE;
	}
	return (struct result){ s * 1e9 / (double)ops, ok };
}

/* A benchmark closure: which figure, on what. */
struct job {
	int kind;			/* 0 fixed, 1 NULL 1 page, 2 NULL 2 pages, 3 mprotect */
	struct task_struct *t;
	const uint64_t *gap, *vma;
	uint64_t top, below;		/* below: where a 2-page NULL mmap lands */
};

static struct result run_job(const struct job *j, uint64_t ops)
{
	switch (j->kind) {
	case 0:
		return bench_fixed(j->t, j->gap, ops);
	case 1:
		return bench_null(j->t, PAGE, j->top - VMA_PAGES * PAGE - PAGE, ops);
	case 2:
		return bench_null(j->t, 2 * PAGE, j->below, ops);
	default:
		return bench_mprotect(j->t, j->vma, j->top, ops);
	}
}

/* Double the operations (from 16) until a run lasts MIN_RUN_S, then measure RUNS runs. */
static void measure(const char *label, uint64_t n, const struct job *j)
{
	uint64_t ops = 16;
	for (;;) {
		double t0 = now();
		struct result r = run_job(j, ops);
		if (!r.ok)
			break;
		if (now() - t0 >= MIN_RUN_S)
			break;
		ops *= 2;
	}
	struct result r[RUNS];
	for (int i = 0; i < RUNS; i++)
		r[i] = run_job(j, ops);
	report(label, n, r);
}

static void bench_syscalls(struct mmsim_machine *m)
{
	const uint64_t sizes[] = { 10, 1000, 65530 };
	static uint64_t gap[NADDR], vma[NADDR];
	struct rng rng;
	rng_seed(&rng, 1);
	for (int s = 0; s < 3; s++) {
		uint64_t n = sizes[s];
		struct task_struct *t = make_task(m);
		int base = t->mm->map_count;
		m->mm.sysctl.max_map_count = (int)n + base + 16;
		uint64_t top = populate(t, n);
		for (int i = 0; i < NADDR; i++) {
			uint64_t k = rng_below(&rng, n);
			gap[i] = top - k * STRIDE - STRIDE;
			vma[i] = top - rng_below(&rng, n) * STRIDE - VMA_PAGES * PAGE;
		}
		/* where a mapping no gap of the N can hold goes: found once, then checked */
		int64_t below = map_anon(t, 0, 2 * PAGE, PROT_NONE, 0);
		if (below < 0 || sys_munmap(t, (uint64_t)below, 2 * PAGE))
			die("2-page mmap failed");
		printf("%llu VMAs added to the %d of the exec'd task (%llu-page VMAs, %llu-page "
		       "gaps, top 0x%llx); a 2-page NULL mmap lands at 0x%llx\n",
		       (unsigned long long)n, base, (unsigned long long)VMA_PAGES, 1ull,
		       (unsigned long long)top, (unsigned long long)below);
		struct job j = { .t = t, .gap = gap, .vma = vma, .top = top,
				 .below = (uint64_t)below };
		static const char *const labels[] = { "mmap+munmap fixed", "mmap+munmap NULL 1p",
						      "mmap+munmap NULL 2p",
						      "mprotect split+merge" };
		for (int k = 0; k < 4; k++) {
			j.kind = k;
			measure(labels[k], n, &j);
		}
		task_free(m, t);
	}
	m->mm.sysctl.max_map_count = 65530;
}

/* Free every task a replay left (the log's processes, zombies or not). */
static void reap_all(struct mmsim_machine *m)
{
	struct list_head *pos, *n;
	list_for_each_safe(pos, n, &m->tasks)
		task_free(m, list_entry(pos, struct task_struct, tasks));
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0, got;
	do {
		if (n + 4096 > cap) {
			cap = cap ? 2 * cap : 65536;
			char *b = realloc(buf, cap);
			if (!b) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	fclose(f);
	*len = n;
	return buf;
}

static void bench_replay(struct mmsim_machine *m, const char *path)
{
	size_t len;
	char *text = read_file(path, &len);
	if (!text) {
		printf("replay: cannot read %s: skipped\n", path);
		return;
	}
	struct mmsim_replay_result res;
	struct mmsim_error err = { 0 };
	struct mmsim_replay_opts o = { 0 };
	/* one untimed replay: the premise (no divergence) and the call count */
	if (mmsim_replay(m, path, text, len, &o, &res, &err))
		die("replay failed");
	unsigned long calls = res.calls, checked = res.checked, diverged = res.diverged;
	mmsim_replay_result_free(&res);
	reap_all(m);
	uint64_t reps = 1;
	struct result r[RUNS];
	for (int i = 0; i < RUNS; i++) {
		double s;
		int ok;
		for (;;) {
			ok = 1;
			double t0 = now();
			for (uint64_t k = 0; k < reps; k++) {
				ok &= mmsim_replay(m, path, text, len, &o, &res, &err) == 0 &&
				      res.calls == calls && res.diverged == diverged;
				mmsim_replay_result_free(&res);
				reap_all(m);
			}
			s = now() - t0;
			if (s >= REPLAY_MIN_S || i > 0)
				break;
			reps *= 2;
		}
		/* calls per second, reported through the ns field */
		r[i] = (struct result){ (double)calls * (double)reps / s, ok && diverged == 0 };
	}
	printf("replay of %s: %lu call lines (%lu checked, %lu diverged), %llu replays per run\n",
	       path, calls, checked, diverged, (unsigned long long)reps);
	int ok = sort_results(r, RUNS);
	printf("%-22s %10.0f calls/s  (%.0f-%.0f)%s\n", "replay", r[RUNS / 2].ns, r[0].ns,
	       r[RUNS - 1].ns, ok ? "" : "  PREMISE FAILED");
	free(text);
}

int main(int argc, char **argv)
{
	char deflog[4096];
	const char *log = argc > 1 ? argv[1] : NULL;
	if (!log) {
		/* this file is bench/bench_mmap.c: the logs are in ../tests/data/strace/ */
		const char *slash = strrchr(__FILE__, '/');
		int dir = slash ? (int)(slash - __FILE__) : 1;
		snprintf(deflog, sizeof(deflog), "%.*s/../tests/data/strace/%s", dir,
			 slash ? __FILE__ : ".", DEFAULT_LOG);
		log = deflog;
	}
	struct mmsim_machine *m = boot();
	printf("bench_mmap: %d runs of >= %.2f s per figure, median (min-max), ns per pair\n",
	       RUNS, MIN_RUN_S);
	bench_syscalls(m);
	bench_replay(m, log);
	mmsim_machine_free(m);
	return 0;
}

/*
 * Transparent-huge-page fault cost (issue 5): nanoseconds per fault of the simulated THP paths
 * (task_access: TLB miss, walk, do_user_addr_fault, handle_mm_fault, mm/huge_memory.c) and the
 * same faults on the live kernel, measured natively by this program.
 *
 *   thp write (warm)     NHUGE 2 MiB ranges of a MADV_HUGEPAGE mapping, one byte written in
 *                        each: do_huge_pmd_anonymous_page allocates an order-9 folio, zeroes
 *                        its 2 MiB and maps one PMD. Between runs the range is unmapped and
 *                        mapped again at the same address, so the frames (pcp THP list,
 *                        buddy) and their host memory are reused
 *   thp write (first)    the same, the first pass only: the simulated RAM's host memory is
 *                        touched for the first time (host page faults inside the memset)
 *   thp read (zero)      one byte read in each range: the huge zero folio mapped by a PMD
 *   thp cow split        a forked child writes one byte in each range of its parent's THPs:
 *                        split of the child's PMD (a PTE table, 512 references and
 *                        mapcounts), then a 4 KiB copy (wp_page_copy)
 *   native *             the same on the live kernel (madvise(MADV_HUGEPAGE) on an aligned
 *                        range; needs transparent_hugepage/enabled = madvise or always: the
 *                        premise checks AnonHugePages-sized minflt, one per range)
 *
 * The premise of each figure: the machine's pgfault counter rose by exactly NHUGE per pass and
 * thp_fault_alloc (or thp_split_pmd) by NHUGE too (native: minflt rose by exactly NHUGE, so
 * every range got a huge page and no 4 KiB fallback took place; the forked child: at least
 * NHUGE, its own stack's COW faults come on top). Median, min and max of RUNS.
 *
 *   bench_thp
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "mmsim/mmsim.h"
#include "kernel/access.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/mmap.h"
#include "mm/page_alloc.h"
#include "bench.h"

#define RUNS		5
#define NHUGE		64		/* 128 MiB per pass */
#define HUGE		(2ull << 20)
#define BASE		0x100000000ull	/* where the simulated mapping goes (2 MiB aligned) */
#define MIN_RUN_S	0.05

#define B_PROT_RW	(PROT_READ | PROT_WRITE)
#define B_MAP_FLAGS	(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE)
#define B_MADV_HUGEPAGE	14

static void die(const char *what)
{
	fprintf(stderr, "bench_thp: %s\n", what);
	exit(1);
}

static uint64_t event(struct mmsim_machine *m, enum vm_event_item i)
{
	return m->mm.vm_events[i];
}

/* One byte of each 2 MiB range at BASE in t with kind; ns per range, ok when each faulted once. */
static struct result touch_pass(struct mmsim_machine *m, struct task_struct *t, unsigned kind,
				enum vm_event_item what)
{
	struct access_result ar;
	uint64_t f0 = event(m, PGFAULT), w0 = event(m, what);
	struct result r = { 0, 1 };
	double t0 = now();

	for (uint64_t i = 0; i < NHUGE; i++) {
		if (task_access(m, t, BASE + i * HUGE + 64, 1, kind, &ar) || ar.signo)
			r.ok = 0;
	}
	r.ns = (now() - t0) * 1e9 / NHUGE;
	r.ok &= event(m, PGFAULT) - f0 == NHUGE && event(m, what) - w0 == NHUGE;
	return r;
}

static void map_range(struct task_struct *t)
{
	if (sys_mmap(t, BASE, NHUGE * HUGE, B_PROT_RW, B_MAP_FLAGS, -1, 0) != (int64_t)BASE ||
	    sys_madvise(t, BASE, NHUGE * HUGE, B_MADV_HUGEPAGE))
		die("sys_mmap / sys_madvise failed");
}

/* Simulated THP faults of kind; *first gets the very first pass's figure. */
static struct result sim_thp(struct mmsim_machine *m, unsigned kind, struct result *first)
{
	enum vm_event_item what = kind == MMU_WRITE ? THP_FAULT_ALLOC : PGFAULT;
	struct task_struct *t;
	struct result r = { 0, 1 }, p;
	double sum = 0;
	int passes = 0;

	if (task_create(m, 0, true, &t))
		die("task_create failed");
	map_range(t);
	p = touch_pass(m, t, kind, what);
	if (first)
		*first = p;
	double t0 = now();
	while (now() - t0 < MIN_RUN_S) {
		if (sys_munmap(t, BASE, NHUGE * HUGE))
			die("sys_munmap failed");
		map_range(t);
		p = touch_pass(m, t, kind, what);
		sum += p.ns;
		r.ok &= p.ok;
		passes++;
	}
	r.ns = sum / passes;
	task_free(m, t);
	return r;
}

/* Simulated split + COW: a child of a parent holding NHUGE THPs writes one byte of each. */
static struct result sim_cow_split(struct mmsim_machine *m)
{
	struct task_struct *parent, *child;
	struct result r = { 0, 1 }, p;
	double sum = 0;
	int passes = 0;

	if (task_create(m, 0, true, &parent))
		die("task_create failed");
	map_range(parent);
	touch_pass(m, parent, MMU_WRITE, THP_FAULT_ALLOC);
	double t0 = now();
	while (now() - t0 < MIN_RUN_S) {
		int64_t pid = sys_fork(m, parent, 0);
		if (pid < 0 || !(child = find_task_by_pid(m, (int)pid)))
			die("sys_fork failed");
		p = touch_pass(m, child, MMU_WRITE, THP_SPLIT_PMD);
		do_exit_group(m, child, 0);
		task_free(m, child);
		sum += p.ns;
		r.ok &= p.ok;
		passes++;
	}
	r.ns = sum / passes;
	task_free(m, parent);
	return r;
}

/* This process's minor faults so far (/proc/self/stat field 10). -1 when unreadable. */
static long minflt(void)
{
	FILE *f = fopen("/proc/self/stat", "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* An anonymous mapping of NHUGE aligned 2 MiB ranges, madvised; raw and rawlen say what to unmap. */
static char *native_map(void **raw, size_t *rawlen)
{
	size_t len = (NHUGE + 1) * HUGE;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		die("mmap failed");
	a = (char *)(((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	if (madvise(a, NHUGE * HUGE, MADV_HUGEPAGE))
		die("madvise(MADV_HUGEPAGE) failed");
	*raw = p;
	*rawlen = len;
	return a;
}

/* One native pass: map, touch one byte per range, unmap; ns per range. */
static struct result native_pass(int write)
{
	void *raw;
	size_t rawlen;
	volatile char *a = native_map(&raw, &rawlen);
	struct result r = { 0, 1 };
	char sink = 0;
	long f0 = minflt();
	double t0 = now();

	for (uint64_t i = 0; i < NHUGE; i++) {
		if (write)
			a[i * HUGE + 64] = 1;
		else
			sink ^= a[i * HUGE + 64];
	}
	r.ns = (now() - t0) * 1e9 / NHUGE;
	r.ok = minflt() - f0 == NHUGE && sink == 0;
	munmap(raw, rawlen);
	return r;
}

static struct result native_thp(int write)
{
	struct result r = { 0, 1 }, p;
	double sum = 0;
	int passes = 0;

	native_pass(write);	/* warm */
	double t0 = now();
	while (now() - t0 < MIN_RUN_S) {
		p = native_pass(write);
		sum += p.ns;
		r.ok &= p.ok;
		passes++;
	}
	r.ns = sum / passes;
	return r;
}

/* Native split + COW: populate THPs, fork; the child times its writes, reports by pipe. */
static struct result native_cow_split(void)
{
	void *raw;
	size_t rawlen;
	char *a = native_map(&raw, &rawlen);
	struct result r = { 0, 1 };
	double sum = 0;
	int passes = 0;

	for (uint64_t i = 0; i < NHUGE; i++)
		a[i * HUGE] = 1;
	double t0 = now();
	while (now() - t0 < MIN_RUN_S) {
		int fd[2];
		struct result c;
		pid_t pid;

		if (pipe(fd))
			die("pipe failed");
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			die("fork failed");
		if (pid == 0) {
			long f0 = minflt();
			double c0 = now();
			for (uint64_t i = 0; i < NHUGE; i++)
				a[i * HUGE + 64] = 2;
			c.ns = (now() - c0) * 1e9 / NHUGE;
			/* >=: the child's first store to its stack page is a COW fault too */
			c.ok = minflt() - f0 >= NHUGE;
			if (write(fd[1], &c, sizeof(c)) != sizeof(c))
				_exit(1);
			_exit(0);
		}
		close(fd[1]);
		if (read(fd[0], &c, sizeof(c)) != sizeof(c))
			c.ok = 0;
		close(fd[0]);
		waitpid(pid, NULL, 0);
		sum += c.ns;
		r.ok &= c.ok;
		passes++;
	}
	munmap(raw, rawlen);
	r.ns = sum / passes;
	return r;
}

static void print(const char *name, struct result *r)
{
	int ok = sort_results(r, RUNS);

	printf("%-22s %10.0f ns/fault  (min %.0f, max %.0f)%s\n", name, r[RUNS / 2].ns, r[0].ns,
	       r[RUNS - 1].ns, ok ? "" : "  PREMISE FAILED");
}

int main(void)
{
	struct result warm[RUNS], first[RUNS], rd[RUNS], cow[RUNS], nw[RUNS], nr[RUNS], nc[RUNS];

	for (int i = 0; i < RUNS; i++) {
		/* a fresh machine per run, so that "first" is a first touch every time */
		mmsim_machine *m = bench_boot("2G");

		warm[i] = sim_thp(m, MMU_WRITE, &first[i]);
		rd[i] = sim_thp(m, MMU_READ, NULL);
		cow[i] = sim_cow_split(m);
		mmsim_machine_free(m);
		nw[i] = native_thp(1);
		nr[i] = native_thp(0);
		nc[i] = native_cow_split();
	}
	printf("THP faults, %d ranges of 2 MiB per pass, median of %d runs\n", NHUGE, RUNS);
	print("sim thp write (warm)", warm);
	print("sim thp write (first)", first);
	print("sim thp read (zero)", rd);
	print("sim thp cow split", cow);
	print("native thp write", nw);
	print("native thp read", nr);
	print("native thp cow split", nc);
	return 0;
}

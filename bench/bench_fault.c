/*
 * Page-fault cost (issue 5): nanoseconds per fault of the simulated fault path (task_access:
 * TLB miss, walk, do_user_addr_fault, handle_mm_fault), the same faults on the live kernel
 * measured natively by this program, and trace throughput through mmsim_trace_run.
 *
 *   anon write (warm)    N fresh pages of a private anonymous rw mapping each written once
 *                        (do_anonymous_page: a zeroed frame); between runs the range is
 *                        unmapped and mapped again at the same address, so the buddy/pcp
 *                        frames and the page tables' host memory are reused
 *   anon write (first)   the same, the first pass only: the simulated RAM's host memory is
 *                        touched for the first time (host page faults inside)
 *   anon read            N pages read once: the zero page is mapped (no frame)
 *   cow write            N populated pages written by a forked child (wp_page_copy: a frame
 *                        allocated and 4 KiB copied); the child exits between runs
 *   file read            a private read-only mapping of an N-page host file that is in the
 *                        page cache (read once as `cat` does), every page read: one fault
 *                        per 16 pages or fewer (fault-around maps 64 KiB, and whole large
 *                        folios: filemap_map_pages); ns per fault, and per page made present
 *   native *             the same on the live kernel: mmap, touch N pages, munmap, repeated
 *                        (cow: fork, the child times its writes and reports through a pipe)
 *   trace                a generated lackey log (77.8% I, 15.7% L, 6.4% S, 0.1% M, as
 *                        bench_trace.c) in a file, read and simulated by mmsim_trace_run
 *                        with auto_vma: accesses per second
 *
 * The premise of each fault figure: the machine's pgfault counter rose by exactly N per pass
 * (for native runs: /proc/self/stat's minflt rose by at least N). Each figure is measured RUNS
 * times; median, minimum and maximum are printed.
 *
 *   bench_fault [trace-lines]     (default 4000000; the file goes to $TMPDIR or /tmp)
 *   bench_fault --warm [--cpu]    only "sim anon write (warm)", RUNS fresh machines; with
 *                                 --cpu the figures are this thread's CPU time instead of the
 *                                 monotonic clock (steadier on a machine shared with others)
 */
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
#include "mm/pagemap.h"
#include "fs/fs.h"
#include <fcntl.h>
#include "util/rng.h"
#include "bench.h"

#define RUNS		5
#define NPAGES		2048		/* 8 MiB per pass */
#define PAGE		4096ull
#define BASE		0x100000000ull	/* where the simulated mapping goes */
#define MIN_RUN_S	0.05

/* bench's own copies of the mmap ABI values (sys/mman.h gives the host's, the same on x86-64) */
#define B_PROT_RW	(PROT_READ | PROT_WRITE)
#define B_MAP_FLAGS	(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE)

/* Seconds of this thread's CPU time. */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The clock the simulated passes are timed with: now(), or cpu_now() under --cpu. */
static double (*clk)(void) = now;

static void die(const char *what)
{
	fprintf(stderr, "bench_fault: %s\n", what);
	exit(1);
}

static uint64_t pgfaults(struct mmsim_machine *m)
{
	return m->mm.vm_events[PGFAULT];
}

/* Touch NPAGES pages at BASE in t with kind; ns per page, ok when each faulted once. */
static struct result touch_pass(struct mmsim_machine *m, struct task_struct *t, unsigned kind)
{
	struct access_result ar;
	uint64_t f0 = pgfaults(m);
	struct result r = { 0, 1 };
	double t0 = clk();

	for (uint64_t i = 0; i < NPAGES; i++) {
		if (task_access(m, t, BASE + i * PAGE, 8, kind, &ar) || ar.signo)
			r.ok = 0;
	}
	r.ns = (clk() - t0) * 1e9 / NPAGES;
	r.ok &= pgfaults(m) - f0 == NPAGES;
	return r;
}

static void map_range(struct task_struct *t)
{
	if (sys_mmap(t, BASE, NPAGES * PAGE, B_PROT_RW, B_MAP_FLAGS, -1, 0) != (int64_t)BASE)
		die("sys_mmap failed");
}

/* Simulated anonymous faults of kind; *first gets the very first pass's figure. */
static struct result sim_anon(struct mmsim_machine *m, unsigned kind, struct result *first)
{
	struct task_struct *t;
	struct result r = { 0, 1 }, p;
	double sum = 0;
	int passes = 0;

	if (task_create(m, 0, true, &t))
		die("task_create failed");
	map_range(t);
	p = touch_pass(m, t, kind);
	if (first)
		*first = p;
	double t0 = clk();
	while (clk() - t0 < MIN_RUN_S) {
		if (sys_munmap(t, BASE, NPAGES * PAGE))
			die("sys_munmap failed");
		map_range(t);
		p = touch_pass(m, t, kind);
		sum += p.ns;
		r.ok &= p.ok;
		passes++;
	}
	r.ns = sum / passes;
	task_free(m, t);
	return r;
}

/* Simulated COW faults: a child of a populated parent writes every page. */
static struct result sim_cow(struct mmsim_machine *m)
{
	struct task_struct *parent, *child;
	struct result r = { 0, 1 }, p;
	double sum = 0;
	int passes = 0;

	if (task_create(m, 0, true, &parent))
		die("task_create failed");
	map_range(parent);
	touch_pass(m, parent, MMU_WRITE);
	double t0 = now();
	while (now() - t0 < MIN_RUN_S) {
		int64_t pid = sys_fork(m, parent, 0);
		if (pid < 0 || !(child = find_task_by_pid(m, (int)pid)))
			die("sys_fork failed");
		p = touch_pass(m, child, MMU_WRITE);
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

static long minflt(void);

/*
 * Simulated file faults: the file at path (NPAGES pages) opened as descriptor 3 of a task
 * and put in the page cache as `cat` would; then mapped, every page read, unmapped. ns per
 * fault (the pass's faults: NPAGES / 16 with 64 KiB of fault-around).
 */
static struct result sim_file(struct mmsim_machine *m, const char *path, double *per_page)
{
	struct task_struct *t;
	struct result r = { 0, 1 };
	double sum = 0, sum_pages = 0;
	int passes = 0, err = 0;

	if (task_create(m, 0, true, &t))
		die("task_create failed");
	struct file *f = filp_open(m->mm.fs, path, O_RDONLY, &err);
	if (!f)
		die("filp_open failed");
	t->files->fd[3] = f;
	if (page_cache_cat(f) < 0)
		die("page_cache_cat failed");
	double t0 = now();
	while (now() - t0 < MIN_RUN_S) {
		struct access_result ar;
		uint64_t f0 = pgfaults(m);

		if (sys_mmap(t, BASE, NPAGES * PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE, 3,
			     0) != (int64_t)BASE)
			die("sys_mmap of the file failed");
		double p0 = now();
		for (uint64_t i = 0; i < NPAGES; i++)
			if (task_access(m, t, BASE + i * PAGE, 8, MMU_READ, &ar) || ar.signo)
				r.ok = 0;
		double ns = (now() - p0) * 1e9;
		uint64_t faults = pgfaults(m) - f0;

		r.ok &= faults > 0 && faults <= NPAGES / 16;	/* large folios map more at once */
		sum += ns / (double)(faults ? faults : 1);
		sum_pages += ns / NPAGES;
		passes++;
		if (sys_munmap(t, BASE, NPAGES * PAGE))
			die("sys_munmap failed");
	}
	r.ns = sum / passes;
	*per_page = sum_pages / passes;
	task_free(m, t);
	return r;
}

/* The same natively: the file is in the host's page cache (just written, then read). */
static struct result native_file(const char *path)
{
	struct result r = { 0, 1 };
	double sum = 0;
	int passes = 0, fd = open(path, O_RDONLY);
	char sink = 0;

	if (fd < 0)
		die("open of the file failed");
	double t0 = now();
	while (now() - t0 < MIN_RUN_S) {
		volatile char *p = mmap(NULL, NPAGES * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
		long f0;

		if (p == MAP_FAILED)
			die("mmap of the file failed");
		f0 = minflt();
		double p0 = now();
		for (uint64_t i = 0; i < NPAGES; i++)
			sink ^= p[i * PAGE];
		double ns = (now() - p0) * 1e9;
		long faults = minflt() - f0;

		r.ok &= faults > 0;
		sum += ns / (double)(faults > 0 ? faults : 1);
		passes++;
		munmap((void *)p, NPAGES * PAGE);
	}
	close(fd);
	r.ns = sum / passes;
	(void)sink;
	return r;
}

/* NPAGES pages of bytes that are not zero, at path. */
static void write_data_file(const char *path)
{
	FILE *f = fopen(path, "w");
	static char page[PAGE];

	if (!f)
		die("cannot write the data file");
	for (uint64_t i = 0; i < NPAGES; i++) {
		memset(page, (int)(i & 0xff) | 1, sizeof(page));
		if (fwrite(page, 1, sizeof(page), f) != sizeof(page))
			die("cannot write the data file");
	}
	if (fclose(f))
		die("cannot write the data file");
}

/* This process's minor faults so far (/proc/self/stat field 10; sys/resource.h's RLIMIT_*
 * enumerators clash with kernel/sched.h's). -1 when unreadable. */
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

/* One native pass: map, touch (write or read), unmap; ns per page. */
static struct result native_pass(int write)
{
	volatile char *p = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct result r = { 0, 1 };
	long f0;
	char sink = 0;

	if (p == MAP_FAILED)
		die("mmap failed");
	f0 = minflt();
	double t0 = now();
	for (uint64_t i = 0; i < NPAGES; i++) {
		if (write)
			p[i * PAGE] = 1;
		else
			sink ^= p[i * PAGE];
	}
	r.ns = (now() - t0) * 1e9 / NPAGES;
	r.ok = minflt() - f0 >= NPAGES && sink == 0;
	munmap((void *)p, NPAGES * PAGE);
	return r;
}

static struct result native_anon(int write)
{
	struct result r = { 0, 1 }, p;
	double sum = 0;
	int passes = 0;

	native_pass(write);	/* warm: the frames come back from the pcp lists */
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

/* Native COW: populate, fork; the child times its writes and sends ns/page down a pipe. */
static struct result native_cow(void)
{
	char *p = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	struct result r = { 0, 1 };
	double sum = 0;
	int passes = 0;

	if (p == MAP_FAILED)
		die("mmap failed");
	memset(p, 1, NPAGES * PAGE);
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
			for (uint64_t i = 0; i < NPAGES; i++)
				p[i * PAGE] = 2;
			c.ns = (now() - c0) * 1e9 / NPAGES;
			c.ok = minflt() - f0 >= NPAGES;
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
	munmap(p, NPAGES * PAGE);
	r.ns = sum / passes;
	return r;
}

/* Write a lackey log of n accesses to path (kinds and addresses as bench_trace.c's). */
static void write_trace(const char *path, long n)
{
	FILE *f = fopen(path, "w");
	struct rng g;
	uint64_t ip = 0x0401ab70;
	static const unsigned dsize[8] = { 1, 2, 4, 4, 8, 8, 8, 16 };

	if (!f)
		die("cannot write the trace file");
	rng_seed(&g, 42);
	for (long i = 0; i < n; i++) {
		uint64_t x = rng_next(&g);
		unsigned k = (unsigned)(x % 1000);

		if (k < 778) {
			unsigned size = 1 + (unsigned)((x >> 10) % 15);
			fprintf(f, "I  %08llx,%u\n", (unsigned long long)ip, size);
			ip += size;
			if (((x >> 20) & 63) == 0)
				ip = 0x04000000 + ((x >> 26) & 0xfffff);
		} else {
			uint64_t a = (x >> 40) & 1 ? 0x1fff000000 + ((x >> 10) & 0xfff8)
						   : 0x04800000 + ((x >> 10) & 0xfffff8);
			fprintf(f, "%s%08llx,%u\n", k < 935 ? " L " : k < 999 ? " S " : " M ",
				(unsigned long long)a, dsize[(x >> 50) & 7]);
		}
	}
	if (fclose(f))
		die("cannot write the trace file");
}

static void print(const char *name, struct result *r, const char *unit, int rate)
{
	int ok = sort_results(r, RUNS);

	if (rate)
		printf("%-22s %10.2f M/s   (min %.2f, max %.2f)%s\n", name, 1e3 / r[RUNS / 2].ns,
		       1e3 / r[RUNS - 1].ns, 1e3 / r[0].ns, ok ? "" : "  PREMISE FAILED");
	else
		printf("%-22s %10.1f %s  (min %.1f, max %.1f)%s\n", name, r[RUNS / 2].ns, unit,
		       r[0].ns, r[RUNS - 1].ns, ok ? "" : "  PREMISE FAILED");
}

/* --warm [--cpu]: the warm anonymous write fault alone, a fresh machine per run. */
static int warm_only(int cpu)
{
	struct result warm[RUNS], first[RUNS];

	if (cpu)
		clk = cpu_now;
	for (int i = 0; i < RUNS; i++) {
		mmsim_machine *m = bench_boot("2G");

		warm[i] = sim_anon(m, MMU_WRITE, &first[i]);
		mmsim_machine_free(m);
	}
	printf("page faults, %d pages per pass, median of %d runs, %s\n", NPAGES, RUNS,
	       cpu ? "thread CPU time" : "wall clock");
	print("sim anon write (warm)", warm, "ns/fault", 0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--warm"))
		return warm_only(argc > 2 && !strcmp(argv[2], "--cpu"));
	long lines = argc > 1 ? atol(argv[1]) : 4000000;
	struct result warm[RUNS], first[RUNS], rd[RUNS], cow[RUNS], fl[RUNS], flp[RUNS];
	struct result nw[RUNS], nr[RUNS], nc[RUNS], nf[RUNS], tr[RUNS];
	struct mmsim_error err = { 0 };
	char path[512], dpath[512];
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	snprintf(dpath, sizeof(dpath), "%s/bench_fault_data.%d", dir, (int)getpid());
	write_data_file(dpath);

	for (int i = 0; i < RUNS; i++) {
		/* a fresh machine per run, so that "first" is a first touch every time */
		mmsim_machine *m = bench_boot("2G");

		warm[i] = sim_anon(m, MMU_WRITE, &first[i]);
		rd[i] = sim_anon(m, MMU_READ, NULL);
		cow[i] = sim_cow(m);
		double pp = 0;
		fl[i] = sim_file(m, dpath, &pp);
		flp[i] = (struct result){ pp, fl[i].ok };
		mmsim_machine_free(m);
		nw[i] = native_anon(1);
		nr[i] = native_anon(0);
		nc[i] = native_cow();
		nf[i] = native_file(dpath);
	}
	unlink(dpath);
	printf("page faults, %d pages per pass, median of %d runs\n", NPAGES, RUNS);
	print("sim anon write (warm)", warm, "ns/fault", 0);
	print("sim anon write (first)", first, "ns/fault", 0);
	print("sim anon read (zero)", rd, "ns/fault", 0);
	print("sim cow write", cow, "ns/fault", 0);
	print("sim file read (cached)", fl, "ns/fault", 0);
	print("  per page made present", flp, "ns/page ", 0);
	print("native anon write", nw, "ns/fault", 0);
	print("native anon read", nr, "ns/fault", 0);
	print("native cow write", nc, "ns/fault", 0);
	print("native file read", nf, "ns/fault", 0);

	snprintf(path, sizeof(path), "%s/bench_fault.%d.lackey", dir, (int)getpid());
	write_trace(path, lines);
	for (int i = 0; i < RUNS; i++) {
		mmsim_machine *m = bench_boot("2G");
		struct mmsim_trace_opts o = { .auto_vma = 1 };
		struct mmsim_trace_result res;

		double t0 = now();
		int rc = mmsim_trace_run(m, path, &o, &res, &err);
		double secs = now() - t0;
		uint64_t n = res.loads + res.stores + res.modifies + res.ifetches;

		tr[i].ns = secs * 1e9 / (double)(n ? n : 1);	/* ns per access */
		tr[i].ok = rc == 0 && res.signo == 0 && n == (uint64_t)lines;
		mmsim_machine_free(m);
	}
	unlink(path);
	printf("trace, %ld generated lackey accesses, read + simulate (auto-vma)\n", lines);
	print("trace read+simulate", tr, "", 1);
	return 0;
}

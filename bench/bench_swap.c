/*
 * Swap cost per page (issue 6): the simulated swap-out and swap-in paths, and the same on the
 * live kernel when this program may turn swap on for a moment.
 *
 *   swap-out        N pages of seeded data (not zeros: zero pages are never written) written
 *                   by a task, then one MADV_PAGEOUT of all of them: reclaim_pages ->
 *                   add_to_swap (a slot from the cluster allocator, the swap cache),
 *                   try_to_unmap (rmap, a swap PTE), swap_writepage (a 4 KiB pwrite to the
 *                   area's host file). ns per page; premise: pswpout rose by N.
 *   swap-in (ra)    the N pages read back in address order, one byte each: do_swap_page with
 *                   the cluster readahead of page-cluster 3 (one major fault and one pread
 *                   per page read, the rest of each window cache hits). ns per page; premise:
 *                   pswpin rose by N.
 *   swap-in (1)     the same with page-cluster 0: every page a major fault and one pread.
 *   native          the live kernel: a swap file of the same size turned on with a high
 *                   priority (root only; restored after), N pages filled, MADV_PAGEOUT timed
 *                   (the kernel submits the writes and returns: asynchronous I/O), then the
 *                   pages touched while still in the swap cache (minor faults); with a v1
 *                   memory cgroup the cache is evicted first (the limit lowered for a moment)
 *                   and the swap-in from disk is timed too. When swap cannot be turned on,
 *                   the program says why.
 *
 * Each figure is measured RUNS times on a fresh machine; median, minimum and maximum.
 *
 *   bench_swap [pages]     (default 4096: 16 MiB; the swap files go to $TMPDIR or /tmp)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include "block/blkdev.h"
#include "mmsim/mmsim.h"
#include "kernel/access.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/folio.h"
#include "mm/mmap.h"
#include "mm/page_alloc.h"
#include "mm/swap.h"
#include "bench.h"

#define RUNS		5
#define PAGE		4096ull
#define BASE		0x100000000ull
#define B_PROT_RW	(PROT_READ | PROT_WRITE)
#define B_MAP_FLAGS	(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE)
#define B_MADV_PAGEOUT	21

static uint64_t npages = 4096;
static char swapfile[256];

static void die(const char *what)
{
	fprintf(stderr, "bench_swap: %s\n", what);
	exit(1);
}

/* Non-zero bytes for page i (a page of zeros would take the zeromap path). */
static void fill(uint8_t *buf, uint64_t i)
{
	for (uint64_t k = 0; k < PAGE; k += 8) {
		uint64_t v = (i + 1) * 0x9e3779b97f4a7c15ull ^ k;

		memcpy(buf + k, &v, 8);
	}
}

/* A machine with a swap area twice the pages and a task whose BASE holds npages of data. */
static struct mmsim_machine *setup(struct task_struct **tp)
{
	struct mmsim_error err = { 0 };
	struct mmsim_machine *m = (struct mmsim_machine *)bench_boot("1G");
	struct task_struct *t;
	struct access_result ar;
	uint8_t buf[PAGE];

	unlink(swapfile);
	if (mkswap_file(swapfile, (2 * npages + 1) * PAGE, &err) ||
	    sys_swapon(&m->mm, swapfile, 0, &err))
		die(err.msg);
	if (task_create(m, 0, true, &t))
		die("task_create failed");
	if (sys_mmap(t, BASE, npages * PAGE, B_PROT_RW, B_MAP_FLAGS, -1, 0) != (int64_t)BASE)
		die("sys_mmap failed");
	for (uint64_t i = 0; i < npages; i++) {
		fill(buf, i);
		if (task_access_data(m, t, BASE + i * PAGE, (uint32_t)PAGE, MMU_WRITE, buf, &ar) ||
		    ar.signo)
			die("writing the data failed");
	}
	*tp = t;
	return m;
}

static void teardown(struct mmsim_machine *m, struct task_struct *t)
{
	do_exit(m, t, 0);
	swap_exit(&m->mm);
	mmsim_machine_free(m);
	unlink(swapfile);
}

/* Drop the clean swap-cache copies nothing maps (what reclaim does to them, once written). */
static void drop_cache(struct mmsim_machine *m)
{
	blk_throttle(&m->mm);	/* the writes still in flight complete first */
	for (uint64_t off = 1; off <= 2 * npages; off++) {
		struct page *f = swap_cache_get_folio(&m->mm, swp_entry(0, off));

		if (!f || folio_mapped(f))
			continue;
		folio_get(f);
		delete_from_swap_cache(&m->mm, f, NULL);
		folio_put(&m->mm, 0, f);
	}
}

static struct result pageout(struct mmsim_machine *m, struct task_struct *t)
{
	uint64_t out0 = m->mm.vm_events[PSWPOUT];
	struct result r = { 0, 1 };
	double t0 = now();

	if (sys_madvise(t, BASE, npages * PAGE, B_MADV_PAGEOUT))
		r.ok = 0;
	r.ns = (now() - t0) * 1e9 / (double)npages;
	r.ok &= m->mm.vm_events[PSWPOUT] - out0 == npages;
	return r;
}

/* Touch every page once; premise: pswpin rose by want (0: no I/O expected). */
static struct result touch(struct mmsim_machine *m, struct task_struct *t, uint64_t want)
{
	uint64_t in0 = m->mm.vm_events[PSWPIN];
	struct access_result ar;
	struct result r = { 0, 1 };
	double t0 = now();

	for (uint64_t i = 0; i < npages; i++)
		if (task_access(m, t, BASE + i * PAGE, 8, MMU_READ, &ar) || ar.signo)
			r.ok = 0;
	r.ns = (now() - t0) * 1e9 / (double)npages;
	r.ok &= m->mm.vm_events[PSWPIN] - in0 == want;
	return r;
}

static void print(const char *what, struct result *r)
{
	int ok = sort_results(r, RUNS);

	printf("%-28s %9.0f ns/page   (min %.0f, max %.0f)%s\n", what, r[RUNS / 2].ns, r[0].ns,
	       r[RUNS - 1].ns, ok ? "" : "   PREMISE FAILED");
}

/* ---- the live kernel -------------------------------------------------------------------- */

static long rd_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int wr_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fprintf(f, "%ld", v) > 0;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

#define CG "/sys/fs/cgroup/memory/mmsim-bench-swap"

/*
 * One native pass: ns per page of MADV_PAGEOUT, of touching the pages while they are in the
 * swap cache, and of touching them after a second MADV_PAGEOUT once they have left it (the
 * writes completed and reclaim freed them, or the cgroup limit evicted them); *majors gets
 * that last pass's major faults.
 */
/* The process's major faults (/proc/self/stat field 12: majflt). */
static long majflt(void)
{
	FILE *f = fopen("/proc/self/stat", "r");
	char buf[1024], *p;
	long v = -1;

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int native_pass(double *out_ns, double *hit_ns, double *in_ns, long *majors)
{
	char *p = mmap(NULL, npages * PAGE, B_PROT_RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile char sink = 0;
	long usage, maj0;
	double t0;

	if (p == MAP_FAILED)
		return -1;
	for (uint64_t i = 0; i < npages; i++)
		fill((uint8_t *)p + i * PAGE, i);
	t0 = now();
	if (madvise(p, npages * PAGE, B_MADV_PAGEOUT))
		return -1;
	*out_ns = (now() - t0) * 1e9 / (double)npages;
	t0 = now();
	for (uint64_t i = 0; i < npages; i++)
		sink += p[i * PAGE];
	*hit_ns = (now() - t0) * 1e9 / (double)npages;
	if (madvise(p, npages * PAGE, B_MADV_PAGEOUT))
		return -1;
	usleep(200000);		/* the writes complete */
	usage = rd_long(CG "/memory.usage_in_bytes");
	if (usage > (long)(npages * PAGE)) {
		/* still cached: a limit below the usage evicts the clean copies */
		wr_long(CG "/memory.limit_in_bytes", usage - (long)(npages * PAGE));
		wr_long(CG "/memory.limit_in_bytes", -1);
	}
	maj0 = majflt();
	t0 = now();
	for (uint64_t i = 0; i < npages; i++)
		sink += p[i * PAGE];
	*in_ns = (now() - t0) * 1e9 / (double)npages;
	*majors = majflt() - maj0;
	(void)sink;
	munmap(p, npages * PAGE);
	return 0;
}

static void native(void)
{
	char path[300], cmd[1100];
	double out[RUNS], hit[RUNS], in[RUNS];
	struct result ro[RUNS], rh[RUNS], ri[RUNS];
	long majors[RUNS], maj_min = -1, maj_max = 0;
	bool cg = false;
	int ok = 1;

	if (geteuid() != 0) {
		printf("native: not measured: swapon needs root (CAP_SYS_ADMIN)\n");
		return;
	}
	snprintf(path, sizeof(path), "%s.native", swapfile);
	snprintf(cmd, sizeof(cmd), "dd if=/dev/zero of='%s' bs=4096 count=%llu status=none && "
		 "chmod 600 '%s' && mkswap -q '%s' >/dev/null 2>&1", path,
		 (unsigned long long)(2 * npages + 1), path, path);
	if (system(cmd) != 0) {
		printf("native: not measured: could not make a swap file with mkswap\n");
		unlink(path);
		return;
	}
	if (swapon(path, SWAP_FLAG_PREFER | 32767)) {
		printf("native: not measured: swapon %s: %s\n", path, strerror(errno));
		unlink(path);
		return;
	}
	/* a v1 memory cgroup to evict the swap cache with, when the host has one */
	if (mkdir(CG, 0755) == 0 || errno == EEXIST) {
		char pid[32];

		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		cg = wr_long(CG "/tasks", getpid()) == 0;
		(void)pid;
	}
	for (int i = 0; i < RUNS && ok; i++)
		ok = native_pass(&out[i], &hit[i], &in[i], &majors[i]) == 0;
	if (cg) {
		wr_long("/sys/fs/cgroup/memory/tasks", getpid());
		rmdir(CG);
	}
	if (swapoff(path))
		printf("native: swapoff %s: %s\n", path, strerror(errno));
	unlink(path);
	if (!ok) {
		printf("native: not measured: mmap or madvise failed\n");
		return;
	}
	for (int i = 0; i < RUNS; i++) {
		ro[i] = (struct result){ out[i], 1 };
		rh[i] = (struct result){ hit[i], 1 };
		/* premise: most pages came from the file (major faults, readahead hits the rest) */
		ri[i] = (struct result){ in[i], majors[i] > 0 };
		maj_min = maj_min < 0 || majors[i] < maj_min ? majors[i] : maj_min;
		maj_max = majors[i] > maj_max ? majors[i] : maj_max;
	}
	print("native MADV_PAGEOUT", ro);
	print("native swap cache hit", rh);
	print("native swap-in (ra)", ri);
	printf("native swap-in major faults: %ld .. %ld of %llu pages%s\n", maj_min, maj_max,
	       (unsigned long long)npages, cg ? "" : " (no v1 memory cgroup to evict with)");
}

int main(int argc, char **argv)
{
	struct result out[RUNS], in_ra[RUNS], in_one[RUNS];
	const char *tmp = getenv("TMPDIR");

	if (argc > 1)
		npages = strtoull(argv[1], NULL, 10);
	if (npages < 16 || npages > (1u << 20))
		die("pages: 16 .. 1048576");
	snprintf(swapfile, sizeof(swapfile), "%s/bench_swap.%d", tmp && *tmp ? tmp : "/tmp",
		 (int)getpid());
	printf("bench_swap: %llu pages (%llu MiB) out and back, %d runs each\n",
	       (unsigned long long)npages, (unsigned long long)(npages * PAGE >> 20), RUNS);
	for (int i = 0; i < RUNS; i++) {
		struct task_struct *t;
		struct mmsim_machine *m = setup(&t);

		out[i] = pageout(m, t);
		drop_cache(m);
		in_ra[i] = touch(m, t, npages);
		/* out again (clean swap-cache copies: nothing is written) for the next figure */
		pageout(m, t);
		drop_cache(m);
		m->mm.sysctl.page_cluster = 0;
		in_one[i] = touch(m, t, npages);
		teardown(m, t);
	}
	print("mmsim swap-out", out);
	print("mmsim swap-in (ra, cluster 3)", in_ra);
	print("mmsim swap-in (cluster 0)", in_one);
	native();
	return 0;
}

/*
 * VMA tree cost (src/mm/vma_tree.c through src/mm/vma.c). Address spaces of 10, 1000 and
 * 65530 one-page VMAs with one-page gaps between them, built by hand on a booted machine.
 *
 *   find_vma      nanoseconds per find_vma of an address drawn from a 4096-entry table of
 *                 pre-shuffled addresses (inside VMAs and in gaps alike)
 *   link+unlink   nanoseconds per pair vma_link + vma_unlink of a one-page VMA in a gap,
 *                 what an mmap and the munmap of it do to the tree and the counters
 *
 * Every figure is measured RUNS times; the median is printed with the minimum and maximum.
 * The premise of each figure is checked (every lookup found the VMA the table says; every
 * link succeeded) and printed.
 *
 *   bench_vma [operations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mmsim/mmsim.h"
#include "kernel/machine.h"
#include "mm/vma.h"
#include "mm/slab.h"
#include "util/rng.h"
#include "bench.h"

#define PAGE	4096ull
#define BASE	0x10000000ull
#define NADDR	4096
#define RUNS	5

static void report(const char *label, uint64_t n, struct result *r)
{
	int ok = sort_results(r, RUNS);
	printf("%-12s %6llu VMAs %8.1f ns  (%.1f-%.1f)%s\n", label, (unsigned long long)n,
	       r[RUNS / 2].ns, r[0].ns, r[RUNS - 1].ns, ok ? "" : "  PREMISE FAILED");
}

static void die(const char *what)
{
	fprintf(stderr, "bench_vma: %s\n", what);
	exit(1);
}

static struct mm_struct *mm_build(struct mm_sys *ms, uint64_t n)
{
	int err;
	struct mm_struct *mm = kmem_cache_alloc(ms, ms->mm_cachep, MMSIM_GFP_KERNEL, &err);
	if (!mm)
		die("no mm_struct");
	memset(mm, 0, sizeof(*mm));
	vma_tree_init(&mm->mm_mt, ms);
	mm->ms = ms;
	mm->task_size = 0x7ffffffff000ull;
	mm->mm_users = mm->mm_count = 1;
	ms->sysctl.max_map_count = (int)n + 10;
	for (uint64_t i = 0; i < n; i++) {
		struct vm_area_struct *v = vm_area_alloc(mm, &err);
		if (!v)
			die("no vm_area_struct");
		v->vm_start = BASE + 2 * i * PAGE;
		v->vm_end = v->vm_start + PAGE;
		v->vm_flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
		v->vm_page_prot = vm_get_page_prot(ms, v->vm_flags);
		v->vm_pgoff = v->vm_start / PAGE;
		if (vma_link(mm, v))
			die("vma_link failed");
	}
	return mm;
}

static void mm_destroy(struct mm_struct *mm)
{
	struct vm_area_struct *v;
	while ((v = find_vma(mm, 0)) != NULL) {
		vma_unlink(mm, v);
		vm_area_free(v);
	}
	vma_tree_destroy(&mm->mm_mt);
	kmem_cache_free(mm->ms, mm->ms->mm_cachep, mm);
}

static struct result bench_find(struct mm_struct *mm, const uint64_t *addr, uint64_t ops)
{
	uintptr_t sum = 0;
	double t0 = now();
	for (uint64_t i = 0; i < ops; i++)
		sum += (uintptr_t)find_vma(mm, addr[i & (NADDR - 1)]);
	double t = now() - t0;
	/* premise: each table address finds the VMA at or after it */
	int ok = 1;
	for (int i = 0; i < NADDR; i++) {
		struct vm_area_struct *v = find_vma(mm, addr[i]);
		ok &= v && v->vm_start == (addr[i] - BASE) / (2 * PAGE) * 2 * PAGE + BASE +
			       ((addr[i] - BASE) % (2 * PAGE) >= PAGE ? 2 * PAGE : 0);
	}
	if (sum == 1)
		puts("");	/* keeps sum alive */
	return (struct result){ t * 1e9 / (double)ops, ok };
}

static struct result bench_link(struct mm_struct *mm, const uint64_t *gap, uint64_t ops)
{
	int err;
	struct vm_area_struct *v = vm_area_alloc(mm, &err);
	if (!v)
		die("no vm_area_struct");
	v->vm_flags = VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	v->vm_page_prot = vm_get_page_prot(mm->ms, v->vm_flags);
	int ok = 1;
	double t0 = now();
	for (uint64_t i = 0; i < ops; i++) {
		v->vm_start = gap[i & (NADDR - 1)];
		v->vm_end = v->vm_start + PAGE;
		v->vm_pgoff = v->vm_start / PAGE;
		ok &= vma_link(mm, v) == 0;
		vma_unlink(mm, v);
	}
	double t = now() - t0;
	vm_area_free(v);
	return (struct result){ t * 1e9 / (double)ops, ok };
}

int main(int argc, char **argv)
{
	uint64_t ops = argc > 1 ? strtoull(argv[1], NULL, 0) : 4000000;
	mmsim_machine *m = bench_boot("1G");
	struct mm_sys *ms = &((struct mmsim_machine *)m)->mm;
	ms->check = false;
	struct rng rng;
	rng_seed(&rng, 1);
	static uint64_t addr[NADDR], gap[NADDR];
	const uint64_t sizes[] = { 10, 1000, 65530 };
	printf("bench_vma: %llu operations per run, %d runs, median (min-max)\n",
	       (unsigned long long)ops, RUNS);
	for (int s = 0; s < 3; s++) {
		uint64_t n = sizes[s];
		struct mm_struct *mm = mm_build(ms, n);
		for (int i = 0; i < NADDR; i++) {
			uint64_t k = rng_below(&rng, n - 1);	/* a VMA follows every address */
			addr[i] = BASE + 2 * k * PAGE + rng_below(&rng, 2 * PAGE);
			gap[i] = BASE + (2 * rng_below(&rng, n) + 1) * PAGE;
		}
		struct result rf[RUNS], rl[RUNS];
		for (int r = 0; r < RUNS; r++)
			rf[r] = bench_find(mm, addr, ops);
		for (int r = 0; r < RUNS; r++)
			rl[r] = bench_link(mm, gap, ops / 4);
		report("find_vma", n, rf);
		report("link+unlink", n, rl);
		mm_destroy(mm);
	}
	mmsim_machine_free(m);
	return 0;
}

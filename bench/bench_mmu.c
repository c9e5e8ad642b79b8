/*
 * MMU translation cost per format: the TLB-hit path and the page-walk path, with the
 * memory references each walk makes. Prints one line per figure; bench/RESULTS.md records
 * the numbers measured on the development machine and the method.
 *
 *   bench_mmu [accesses [format]]
 *
 * Method: boot a 1 GiB machine with the format, map 64 MiB of 4 KiB pages (16384 pages, so
 * the walk data far exceeds any TLB), then
 *   - TLB hit:  cycle over 8 pages of one 2 MiB region (fits every preset's L1 dTLB): the
 *               inline micro-TLB answers (mmu.h);
 *   - hit, slow: the same with the micro-TLB off (mmu_set_fast_path): every access goes
 *               out of line through the canonical check and the TLB's L1 hint;
 *   - walk:     TLB "none" and a pseudo-random page per access (xorshift masked to the
 *               power-of-two page count, no division): every access walks all
 *               levels from the root (no page-walk cache);
 *   - walk+PWC: "skylake" geometry and pseudo-random pages over the 64 MiB: misses the TLB,
 *               usually hits the page-walk caches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kernel/machine.h"
#include "hw/mmu.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "bench.h"

static mmsim_machine *boot(const struct pt_format *f, const char *tlb)
{
	static const char *const archs[] = { "x86_64", "i386", "arm64" };
	mmsim_config *cfg;
	struct mmsim_error err;
	mmsim_machine *m;
	if (mmsim_config_new(&cfg))
		return NULL;
	if (mmsim_config_set(cfg, "arch", archs[f->arch], &err) ||
	    mmsim_config_set(cfg, "ram", "1G", &err) ||
	    mmsim_config_set(cfg, "paging", f->name, &err) ||
	    mmsim_config_set(cfg, "tlb", tlb, &err) || mmsim_boot(cfg, &m, &err)) {
		fprintf(stderr, "boot %s: %s\n", f->name, err.msg);
		mmsim_config_free(cfg);
		return NULL;
	}
	mmsim_config_free(cfg);
	return m;
}

#define REGION_VA 0x40000000ull
#define REGION_SIZE (64ull << 20)

/* Map REGION_SIZE at REGION_VA in base pages onto one physically contiguous run. */
static int map_region(mmsim_machine *m, struct pgtable *pt, const struct pt_format *f)
{
	if (pgtable_init(pt, &m->mm, f, 0))
		return -1;
	/* Any frames do: the walker never reads the data pages. Use RAM 256 MiB in. */
	uint32_t prot = PTE_USER | PTE_WRITE | PTE_ACCESSED | PTE_DIRTY |
			(f->arch == ARCH_ARM64 ? PTE_DBM : 0);
	int rc = pgtable_map(pt, REGION_VA, m->ram.base + (256ull << 20), REGION_SIZE,
			     f->granule_shift, prot, 0);
	if (rc)
		fprintf(stderr, "%s: mapping the region: %d\n", f->name, rc);
	return rc ? -1 : 0;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ns per access over `iters` translations: mode 0 TLB hits, 1 random pages, 2 TLB hits with
   the micro-TLB off. */
static double run(mmsim_machine *m, struct pgtable *pt, int mode, long iters, double *refs)
{
	struct mmu *mmu = &m->cpu[0];
	mmu_set_fast_path(mmu, mode != 2);
	if (mmu_set_root(mmu, 0, pt->root[0], 0, false))
		return -1;
	if (pt->root[1] && mmu_set_root(mmu, 1, pt->root[1], 0, false))
		return -1;
	uint64_t g = 1ull << pt->fmt->granule_shift, npages = REGION_SIZE / g, s = 88172645463325252ull;
	struct mmu_xlat x;
	struct mmu_fault f;
	uint64_t sum = 0, refs0 = mmu->stats.walk_refs, walks0 = mmu->stats.walks;
	double t0 = now();
	for (long i = 0; i < iters; i++) {
		uint64_t va = mode != 1 ? REGION_VA + ((uint64_t)(i & 7) * g) + 0x10
					: REGION_VA + (xorshift(&s) & (npages - 1)) * g;
		if (mmu_translate(mmu, va, MMU_USER | MMU_READ, &x, &f))
			abort();
		sum += x.pa;
	}
	double dt = now() - t0;
	if (sum == 42)
		puts("");
	uint64_t walks = mmu->stats.walks - walks0;
	*refs = walks ? (double)(mmu->stats.walk_refs - refs0) / (double)walks : 0;
	return dt * 1e9 / (double)iters;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 20000000;
	const char *only = argc > 2 ? argv[2] : NULL;
	printf("%-14s %12s %12s %12s %8s %12s %8s\n", "format", "TLB hit ns", "hit, slow ns",
	       "walk ns", "refs", "walk+PWC ns", "refs");
	for (int id = 0; id < NR_PT_FORMATS; id++) {
		const struct pt_format *f = pt_format_get((enum pt_format_id)id);
		if (!f || (only && strcmp(only, f->name)))
			continue;
		double hit, slow, walk, pwc, r0, r1, r2;
		struct pgtable pt;
		mmsim_machine *m = boot(f, f->arch == ARCH_ARM64 ? "cortex-a76" : "skylake");
		if (!m || map_region(m, &pt, f))
			return 1;
		hit = run(m, &pt, 0, iters, &r0);
		slow = run(m, &pt, 2, iters, &r0);
		pwc = run(m, &pt, 1, iters / 4, &r2);
		pgtable_destroy(&pt);
		mmsim_machine_free(m);
		m = boot(f, "none");
		if (!m || map_region(m, &pt, f))
			return 1;
		walk = run(m, &pt, 1, iters / 4, &r1);
		pgtable_destroy(&pt);
		mmsim_machine_free(m);
		printf("%-14s %12.2f %12.2f %12.2f %8.2f %12.2f %8.2f\n", f->name, hit, slow, walk,
		       r1, pwc, r2);
	}
	return 0;
}

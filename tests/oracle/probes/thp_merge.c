/*
 * Oracle probe: a VMA boundary that moves by a merge (no VMA split) inside a THP (issue 5,
 * tests/unit/test_thp.c test_merge_splits). Build: gcc -O0 -o thp_merge thp_merge.c; run as
 * root under `setarch -R` with transparent_hugepage/enabled = madvise.
 *   mprotect-merge  [r, r+4M) MADV_HUGEPAGE, [r, r+2M) PROT_READ, a THP written at r+2M,
 *                   then mprotect(r+2M, 1M, PROT_READ): the range joins the VMA before it
 *   madvise-merge   [r, r+2M) MADV_HUGEPAGE with a THP, [r+2M, r+4M) MADV_NOHUGEPAGE, then
 *                   madvise(r+1M, 1M, MADV_NOHUGEPAGE): the range joins the VMA after it
 * Each line: the number of VMAs in [r, r+4M), minflt delta, AnonHugePages of the range and the
 * thp_* vmstat deltas; then a write beside the boundary.
 */
#include "thp_probe.h"
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const events[] = { "thp_fault_alloc", "thp_split_pmd",
				       "thp_deferred_split_page" };
#define NEV (sizeof(events) / sizeof(events[0]))

static long ev0[NEV], f0;

static void mark(void)
{
	for (unsigned int i = 0; i < NEV; i++)
		ev0[i] = vmstat(events[i]);
	f0 = minflt();
}

static void report(const char *step, uintptr_t r)
{
	long d = minflt() - f0, ahp;
	int vmas;

	smaps_sum(r, r + 4 * MB, &vmas, &ahp, NULL);
	printf("%-18s vmas %d minflt %+ld AnonHugePages %ld", step, vmas, d, ahp);
	for (unsigned int i = 0; i < NEV; i++) {
		long v = vmstat(events[i]);

		if (v != ev0[i])
			printf(" %s %+ld", events[i], v - ev0[i]);
	}
	printf("\n");
	fflush(stdout);
}

/* 4 MiB at a 2 MiB boundary, with 2 MiB of free space reserved around it. */
static char *region(void)
{
	char *m = mmap(NULL, 8 * MB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *r = (char *)(((uintptr_t)m + HP - 1) & ~(HP - 1));

	munmap(m, 8 * MB);
	return mmap(r, 4 * MB, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
}

int main(void)
{
	volatile char *r;

	mark();
	report("warmup", 0);

	r = region();
	madvise((char *)r, 4 * MB, MADV_HUGEPAGE);
	mprotect((char *)r, HP, PROT_READ);
	r[HP] = 1;
	mark();
	report("mprotect-before", (uintptr_t)r);
	mark();
	mprotect((char *)r + HP, MB, PROT_READ);
	report("mprotect-merge", (uintptr_t)r);
	mark();
	r[HP + MB] = 2;
	report("write-beside", (uintptr_t)r);

	r = region();
	madvise((char *)r, HP, MADV_HUGEPAGE);
	madvise((char *)r + HP, HP, MADV_NOHUGEPAGE);
	r[0] = 1;
	mark();
	report("madvise-before", (uintptr_t)r);
	mark();
	madvise((char *)r + MB, MB, MADV_NOHUGEPAGE);
	report("madvise-merge", (uintptr_t)r);
	mark();
	r[MB] = 2;
	report("write-beside", (uintptr_t)r);
	return 0;
}

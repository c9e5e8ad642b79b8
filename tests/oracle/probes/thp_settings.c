/*
 * Oracle probe for the THP settings and the huge zero page split (issue 5,
 * tests/unit/test_thp.c). Build: gcc -O0 -o thp_settings thp_settings.c; run as root under
 * `setarch -R`, once per value of /sys/kernel/mm/transparent_hugepage/enabled (the probe
 * prints the setting it ran under; it never writes sysfs itself):
 *   plain        a 4 MiB mapping without advice, one write at its aligned 2 MiB
 *   madvised     MADV_HUGEPAGE, one write
 *   nohugepage   MADV_NOHUGEPAGE, one write
 *   zero-split   MADV_HUGEPAGE, one read (huge zero page), then munmap of 4 KiB inside it,
 *                then a read and a write of another page of the block
 * Each line: minflt delta, AnonHugePages of the mapping (kB) and the thp_* vmstat deltas.
 */
#include "thp_probe.h"
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const events[] = {
	"thp_fault_alloc", "thp_fault_fallback", "thp_split_pmd", "thp_deferred_split_page",
	"thp_zero_page_alloc",
};
#define NEV (sizeof(events) / sizeof(events[0]))

static long ev0[NEV], f0;

static void mark(void)
{
	for (unsigned int i = 0; i < NEV; i++)
		ev0[i] = vmstat(events[i]);
	f0 = minflt();
}

static void report(const char *step, uintptr_t lo)
{
	long d = minflt() - f0;

	long ahp;

	smaps_sum(lo, lo + 4 * MB, NULL, &ahp, NULL);
	printf("%-14s minflt %+ld AnonHugePages %ld", step, d, ahp);
	for (unsigned int i = 0; i < NEV; i++) {
		long v = vmstat(events[i]);

		if (v != ev0[i])
			printf(" %s %+ld", events[i], v - ev0[i]);
	}
	printf("\n");
	fflush(stdout);
}

static char *region(int advice)
{
	char *m = mmap(NULL, 4 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a = (char *)(((uintptr_t)m + HP - 1) & ~(HP - 1));

	if (advice && madvise(a, HP, advice))
		perror("madvise");
	return a;
}

int main(void)
{
	char line[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	volatile char *a, sum = 0;

	if (f && fgets(line, sizeof(line), f))
		printf("enabled: %s", line);
	if (f)
		fclose(f);
	mark();
	report("warmup", 0);

	a = region(0);
	mark();
	a[0] = 1;
	report("plain", (uintptr_t)a);

	a = region(MADV_HUGEPAGE);
	mark();
	a[0] = 1;
	report("madvised", (uintptr_t)a);

	a = region(MADV_NOHUGEPAGE);
	mark();
	a[0] = 1;
	report("nohugepage", (uintptr_t)a);

	a = region(MADV_HUGEPAGE);
	sum += a[0];
	mark();
	munmap((char *)a + 100 * PS, PS);
	report("zero-split", (uintptr_t)a);
	mark();
	sum += a[5 * PS];
	report("zero-read", (uintptr_t)a);
	mark();
	a[5 * PS] = 1;
	report("zero-write", (uintptr_t)a);
	return sum == 42;
}

/*
 * Oracle probe for transparent huge pages on anonymous memory (issue 5, tests/unit/test_thp.c).
 * Build: gcc -O0 -o thp_fault thp_fault.c; run as root under `setarch -R` with
 * /sys/kernel/mm/transparent_hugepage/enabled = madvise (the reference setting).
 * Each step prints the deltas of: getrusage minflt, /proc/self/status RssAnon and VmPTE,
 * the thp_* counters of /proc/vmstat it touches, and the AnonHugePages / Rss of the
 * mapping's smaps entry. A step works on a 4 MiB private anonymous mapping, aligned to
 * 2 MiB at `a` (mmap gives THP alignment already; the probe rounds up anyway), with
 * MADV_HUGEPAGE on [a, a + 2 MiB) unless the step says otherwise:
 *   write          write one byte at a: one THP
 *   write-2nd      write the rest of the 2 MiB: no more faults
 *   read           read at a: the huge zero page
 *   read-then-write  write at a after the read: a THP replaces the huge zero page
 *   nohuge         no madvise: 4 KiB pages (enabled = madvise)
 *   unaligned      MADV_HUGEPAGE on a 1 MiB VMA: no THP
 *   fork-child-write  the child writes one byte of the parent's THP: split + 4 KiB COW
 *   parent-write-after  the parent writes the same page after the child exited
 *   munmap-4k      munmap one 4 KiB page in the middle of a THP
 *   mprotect-4k    mprotect(PROT_READ) one 4 KiB page in the middle of a THP
 *   munmap-all     munmap the whole THP
 *   read-zero-then-fork-write  huge zero page, fork, child writes
 */
#include "thp_probe.h"
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const events[] = {
	"thp_fault_alloc", "thp_fault_fallback", "thp_split_pmd", "thp_deferred_split_page",
	"thp_zero_page_alloc", "thp_split_page", "nr_anon_transparent_hugepages",
};
#define NEV (sizeof(events) / sizeof(events[0]))

struct snap {
	long minflt, rss_anon, vm_pte, ahp, rss;
	long ev[NEV];
};

static long key_kb(const char *path, const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static uintptr_t g_lo, g_hi;
static struct snap s0;

static void take(struct snap *s)
{
	struct rusage ru;

	smaps_sum(g_lo, g_hi, NULL, &s->ahp, &s->rss);
	s->rss_anon = key_kb("/proc/self/status", "RssAnon");
	s->vm_pte = key_kb("/proc/self/status", "VmPTE");
	for (unsigned int i = 0; i < NEV; i++)
		s->ev[i] = vmstat(events[i]);
	/* last, so that the reads above are not counted in the step */
	getrusage(RUSAGE_SELF, &ru);
	s->minflt = ru.ru_minflt;
}

static void mark(uintptr_t lo, uintptr_t hi)
{
	g_lo = lo;
	g_hi = hi;
	take(&s0);
}

static void report(const char *step)
{
	struct rusage ru;
	struct snap s;

	getrusage(RUSAGE_SELF, &ru);
	long d = ru.ru_minflt - s0.minflt;

	take(&s);
	printf("%-26s minflt %+ld RssAnon %+ld VmPTE %+ld AnonHugePages %ld Rss %ld", step, d,
	       s.rss_anon - s0.rss_anon, s.vm_pte - s0.vm_pte, s.ahp, s.rss);
	for (unsigned int i = 0; i < NEV; i++)
		if (s.ev[i] != s0.ev[i])
			printf(" %s %+ld", events[i], s.ev[i] - s0.ev[i]);
	printf("\n");
	fflush(stdout);
}

/* A 4 MiB mapping; returns the 2 MiB-aligned address inside it, madvised when asked. */
static char *region(int madv, uintptr_t *lo, uintptr_t *hi)
{
	char *m = mmap(NULL, 4 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (m == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	a = (char *)(((uintptr_t)m + HP - 1) & ~(HP - 1));
	if (madv && madvise(a, HP, MADV_HUGEPAGE))
		perror("madvise");
	*lo = (uintptr_t)m;
	*hi = (uintptr_t)m + 4 * MB;
	return a;
}

int main(void)
{
	volatile char sum = 0;
	uintptr_t lo, hi;
	volatile char *a;

	/* warm up the paths the probe itself uses */
	mark(0, 0);
	report("warmup");
	mark(0, 0);
	report("warmup2");

	printf("mmap-aligned %d\n", (int)(((uintptr_t)mmap(NULL, 4 * MB, PROT_READ,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) & (HP - 1)) == 0);

	a = region(1, &lo, &hi);
	mark(lo, hi);
	a[0] = 1;
	report("write");
	mark(lo, hi);
	for (unsigned long i = PS; i < HP; i += PS)
		a[i] = 1;
	report("write-2nd");

	a = region(1, &lo, &hi);
	mark(lo, hi);
	sum += a[0];
	report("read");
	mark(lo, hi);
	for (unsigned long i = 0; i < HP; i += PS)
		sum += a[i];
	report("read-2nd");
	mark(lo, hi);
	a[0] = 1;
	report("read-then-write");

	a = region(0, &lo, &hi);
	mark(lo, hi);
	a[0] = 1;
	report("nohuge");

	{
		char *m = mmap(NULL, MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		madvise(m, MB, MADV_HUGEPAGE);
		mark((uintptr_t)m, (uintptr_t)m + MB);
		m[0] = 1;
		report("unaligned-1M");
	}

	/* fork: the child writes one byte of the parent's THP */
	a = region(1, &lo, &hi);
	a[0] = 1;
	mark(lo, hi);
	report("fork-before");
	pid_t pid = fork();
	if (pid == 0) {
		mark(lo, hi);
		a[PS] = 2;
		report("fork-child-write");
		mark(lo, hi);
		a[3 * PS] = 2;
		report("fork-child-write-2nd");
		mark(lo, hi);
		sum += a[5 * PS];
		report("fork-child-read");
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	mark(lo, hi);
	report("fork-parent-after-exit");
	mark(lo, hi);
	a[PS] = 3;
	report("parent-write-after");

	/* fork, and the parent writes first while the child lives */
	a = region(1, &lo, &hi);
	a[0] = 1;
	int pp[2], cp[2];
	if (pipe(pp) || pipe(cp))
		return 1;
	pid = fork();
	if (pid == 0) {
		char c;

		if (read(pp[0], &c, 1) != 1)
			_exit(1);
		mark(lo, hi);
		a[PS] = 2;
		report("fork2-child-write");
		if (write(cp[1], "x", 1) != 1)
			_exit(1);
		_exit(0);
	}
	mark(lo, hi);
	a[PS] = 3;
	report("fork2-parent-write");
	if (write(pp[1], "x", 1) != 1)
		return 1;
	{
		char c;

		if (read(cp[0], &c, 1) != 1)
			return 1;
	}
	waitpid(pid, NULL, 0);

	/* partial munmap */
	a = region(1, &lo, &hi);
	a[0] = 1;
	mark(lo, hi);
	munmap((char *)a + 100 * PS, PS);
	report("munmap-4k");
	mark(lo, hi);
	munmap((char *)a, HP);
	report("munmap-rest");

	/* partial mprotect */
	a = region(1, &lo, &hi);
	a[0] = 1;
	mark(lo, hi);
	mprotect((char *)a + 100 * PS, PS, PROT_READ);
	report("mprotect-4k");
	mark(lo, hi);
	a[101 * PS] = 1;	/* the PTE beside the read-only one: already mapped */
	report("write-beside");

	/* whole mprotect keeps the PMD */
	a = region(1, &lo, &hi);
	a[0] = 1;
	mark(lo, hi);
	mprotect((char *)a, HP, PROT_READ);
	report("mprotect-2m-ro");
	mark(lo, hi);
	mprotect((char *)a, HP, PROT_READ | PROT_WRITE);
	a[5] = 1;
	report("mprotect-2m-rw-write");

	/* whole munmap */
	a = region(1, &lo, &hi);
	a[0] = 1;
	mark(lo, hi);
	munmap((char *)a, HP);
	report("munmap-2m");

	/* MADV_DONTNEED of 4 KiB */
	a = region(1, &lo, &hi);
	a[0] = 1;
	mark(lo, hi);
	madvise((char *)a + 7 * PS, PS, MADV_DONTNEED);
	report("dontneed-4k");
	mark(lo, hi);
	sum += a[7 * PS];
	report("dontneed-4k-read");

	/* huge zero page, then fork, child writes */
	a = region(1, &lo, &hi);
	sum += a[0];
	pid = fork();
	if (pid == 0) {
		mark(lo, hi);
		a[PS] = 1;
		report("zero-fork-child-write");
		_exit(0);
	}
	waitpid(pid, NULL, 0);

	/* a mapping larger than 2 MiB: second huge range */
	{
		char *m = mmap(NULL, 8 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		madvise(m, 8 * MB, MADV_HUGEPAGE);
		mark((uintptr_t)m, (uintptr_t)m + 8 * MB);
		for (unsigned long i = 0; i < 8 * MB; i += PS)
			m[i] = 1;
		report("8M-write-all");
		printf("8M-aligned %d\n", ((uintptr_t)m & (HP - 1)) == 0);
	}
	return sum == 42;
}

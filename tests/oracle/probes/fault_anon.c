/*
 * Oracle probe for the anonymous fault paths (issue 5, tests/unit/test_fault.c).
 * Each step prints the minflt delta (getrusage), and RssAnon/VmHWM from /proc/self/status,
 * and for mincore the resident bits. Build: gcc -O0 -o fault_anon fault_anon.c; run under
 * `setarch -R`. Steps on an 8-page private anonymous mapping:
 *   write8   write one byte in each of 8 pages
 *   read8    read 8 fresh pages (zero page), then mincore, then write them
 *   dontneed MADV_DONTNEED the written pages, read them back (zero), then mincore
 *   mprotect PROT_READ, PROT_READ|PROT_WRITE, write again
 *   fork     child writes 8 pages the parent had written (COW), parent writes them after
 *   stack    touch 16 pages below the current stack pointer region (stack growth)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define N 8
#define PS 4096

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static long status_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key) + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static long t0, a0;
static void mark(void)
{
	a0 = status_kb("RssAnon");
	t0 = minflt();
}
static void report(const char *step)
{
	/* minflt first: reading status itself faults nothing in steady state, but do it after */
	long d = minflt() - t0;
	long a = status_kb("RssAnon") - a0;

	printf("%-22s minflt %+ld RssAnon %+ld kB\n", step, d, a);
}

static void show_mincore(const char *step, char *p)
{
	unsigned char vec[N];

	mincore(p, N * PS, vec);
	printf("%-22s mincore", step);
	for (int i = 0; i < N; i++)
		printf(" %d", vec[i] & 1);
	printf("\n");
}

int main(void)
{
	volatile char *p;
	char sum = 0;

	/* warm up libc paths used below */
	mark(); report("warmup"); show_mincore("warmup", mmap(NULL, N * PS, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));

	p = mmap(NULL, N * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mark();
	for (int i = 0; i < N; i++)
		p[i * PS] = 1;
	report("write8");

	volatile char *q = mmap(NULL, N * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mark();
	for (int i = 0; i < N; i++)
		sum += q[i * PS];
	report("read8");
	show_mincore("read8", (char *)q);
	mark();
	for (int i = 0; i < N; i++)
		q[i * PS] = 2;
	report("read8-then-write");

	mark();
	madvise((void *)p, N * PS, MADV_DONTNEED);
	report("dontneed");
	show_mincore("dontneed", (char *)p);
	mark();
	for (int i = 0; i < N; i++)
		sum += p[i * PS];
	report("dontneed-read");
	printf("%-22s value %d\n", "dontneed-read", p[0]);

	mark();
	mprotect((void *)q, N * PS, PROT_READ);
	mprotect((void *)q, N * PS, PROT_READ | PROT_WRITE);
	for (int i = 0; i < N; i++)
		q[i * PS] = 3;
	report("mprotect-write");

	printf("%-22s VmHWM >= VmRSS: %d\n", "hwm", status_kb("VmHWM") >= status_kb("VmRSS"));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		mark();
		for (int i = 0; i < N; i++)
			q[i * PS] = 4;
		report("child-cow-write");
		mark();
		for (int i = 0; i < N; i++)
			sum += p[i * PS];
		report("child-read-zeropages");
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	mark();
	for (int i = 0; i < N; i++)
		q[i * PS] = 5;
	report("parent-write-after");
	printf("%-22s value %d\n", "parent", q[0]);
	return sum == 42;
}

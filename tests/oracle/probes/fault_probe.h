/*
 * Shared by the fault probes (tests/oracle/probes/fault_*.c, run by tests/oracle/faults.sh).
 *
 * A probe does one thing to its memory between probe_begin() and probe_end() and prints
 * what the kernel counted for it, one line per step:
 *
 *   STEP <name> minflt <d> majflt <d> RssAnon <d> RssFile <d> RssShmem <d>
 *
 * minflt/majflt are getrusage(RUSAGE_SELF) deltas (the task's min_flt/maj_flt, counted by
 * mm_account_fault in mm/memory.c); Rss* are deltas in kB of the lines of /proc/self/status
 * (fs/proc/task_mmu.c task_mem: MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES). The status file
 * is read with open/read into a static buffer, so the probe's own bookkeeping allocates no
 * memory: begin reads status then the counters, end reads the counters then status, so
 * nothing the probe does for itself falls inside a window. Build with gcc -O1 -static; run
 * under setarch -R.
 */
#ifndef FAULT_PROBE_H
#define FAULT_PROBE_H
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define PS 4096ul

struct probe_mark {
	long minflt, majflt, anon, file, shmem;
};

static char probe_buf[8192];

/* The value in kB of "key:" in /proc/self/status (-1 if absent). */
static long probe_status_kb(const char *key)
{
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, probe_buf, sizeof(probe_buf) - 1) : -1;
	size_t kl = strlen(key);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	probe_buf[n] = '\0';
	for (char *p = probe_buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ':')
			return strtol(p + kl + 1, NULL, 10);
	return -1;
}

static void probe_rss(struct probe_mark *m)
{
	m->anon = probe_status_kb("RssAnon");
	m->file = probe_status_kb("RssFile");
	m->shmem = probe_status_kb("RssShmem");
}

static void probe_faults(struct probe_mark *m)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	m->minflt = ru.ru_minflt;
	m->majflt = ru.ru_majflt;
}

static void probe_begin(struct probe_mark *m)
{
	probe_rss(m);
	probe_faults(m);
}

static void probe_end(const char *step, const struct probe_mark *b)
{
	struct probe_mark e;

	probe_faults(&e);
	probe_rss(&e);
	printf("STEP %s minflt %ld majflt %ld RssAnon %ld RssFile %ld RssShmem %ld\n", step,
	       e.minflt - b->minflt, e.majflt - b->majflt, e.anon - b->anon, e.file - b->file,
	       e.shmem - b->shmem);
	fflush(stdout);
}

/*
 * Open the file at path (the harness's argv[1]) and read its first len bytes into buf, so
 * that they are in the page cache as read(2) leaves them, after dropping what was cached
 * (written back first: dirty pages are not dropped); the descriptor. The caller's buf is
 * touched here, before any step is measured. Exits with 2 when the file cannot be read.
 */
__attribute__((unused)) static int probe_cached_file(const char *path, char *buf, size_t len)
{
	int fd = path ? open(path, O_RDONLY) : -1;

	if (fd < 0) {
		perror("open");
		exit(2);
	}
	fsync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (read(fd, buf, len) != (ssize_t)len) {
		perror("read");
		exit(2);
	}
	return fd;
}

/* mmap at a fixed address (the scenario uses the same one); exits when it fails. */
__attribute__((unused)) static char *probe_map(unsigned long addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = mmap((void *)addr, len, prot, flags | (addr ? MAP_FIXED_NOREPLACE : 0), fd, off);

	if (p == MAP_FAILED || (addr && p != (void *)addr)) {
		perror("mmap");
		exit(2);
	}
	return p;
}

/* Touch one byte of every page of [p, p + len): read or write. */
__attribute__((unused)) static void probe_touch(volatile char *p, size_t len, int write)
{
	static volatile char sink;

	for (size_t off = 0; off < len; off += PS) {
		if (write)
			p[off] = 1;
		else
			sink += p[off];
	}
}

/* "MINCORE <name> 1 1 0 ...": which pages of [p, p + len) the kernel says are resident. */
__attribute__((unused)) static void probe_mincore(const char *step, void *p, size_t len)
{
	static unsigned char vec[1024];
	size_t n = len / PS;

	if (n > sizeof(vec) || mincore(p, len, vec))
		return;
	printf("MINCORE %s", step);
	for (size_t i = 0; i < n; i++)
		printf(" %d", vec[i] & 1);
	printf("\n");
}
#endif

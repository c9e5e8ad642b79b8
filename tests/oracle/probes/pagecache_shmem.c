/*
 * Oracle probe for shmem faults and dirty accounting of shared file mappings (issue 5,
 * src/mm/shmem.c, src/mm/filemap.c, tests/unit/test_filemap.c). Run as root on the host.
 *   gcc -O1 -Wall -o pagecache_shmem pagecache_shmem.c && ./pagecache_shmem /var/tmp/pcdirty
 * Steps (each prints minflt/majflt deltas and the /proc/vmstat deltas that matter):
 *   shm-read16    read 16 pages of a fresh 64-page MAP_SHARED|MAP_ANONYMOUS mapping
 *   shm-write16   write 16 other pages
 *   child-read32  a forked child reads the 32 touched pages (cached: fault-around)
 *   child-read-rest the child reads the 32 untouched pages
 *   file-write    MAP_SHARED write to 8 pages of a cached 64-page file (nr_dirty, nr_dirtied)
 *   msync         msync(MS_SYNC) of it (nr_written)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define PS 4096ul

static const char *const keys[] = { "nr_file_pages", "nr_shmem", "nr_dirty", "nr_dirtied",
				    "nr_written", "pgpgin", "pgpgout", "pgmajfault", NULL };
static long base[16], fmin, fmaj;

static long vmstat(const char *key)
{
	char k[64];
	long v, r = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	while (f && fscanf(f, "%63s %ld", k, &v) == 2)
		if (!strcmp(k, key))
			r = v;
	if (f)
		fclose(f);
	return r;
}

static void mark(void)
{
	struct rusage ru;

	for (int i = 0; keys[i]; i++)
		base[i] = vmstat(keys[i]);
	getrusage(RUSAGE_SELF, &ru);
	fmin = ru.ru_minflt;
	fmaj = ru.ru_majflt;
}

static void report(const char *step)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	printf("%-16s minflt %+ld majflt %+ld", step, ru.ru_minflt - fmin, ru.ru_majflt - fmaj);
	for (int i = 0; keys[i]; i++)
		printf(" %s %+ld", keys[i], vmstat(keys[i]) - base[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/var/tmp/pcdirty";
	/*
	 * 2 MiB aligned (inside a reserved area): fault-around windows are aligned on virtual
	 * addresses, so an unaligned mapping (ASLR) makes the child's count 2 or 3
	 */
	char *area = mmap(NULL, 4ul << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *at = (char *)(((unsigned long)area + (2ul << 20) - 1) & ~((2ul << 20) - 1));
	volatile char *shm = mmap(at, 64 * PS, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	char buf[64 * PS];

	setvbuf(stdout, NULL, _IOLBF, 0);
	mark();
	for (int i = 0; i < 16; i++)
		(void)shm[i * PS];
	report("shm-read16");
	mark();
	for (int i = 16; i < 32; i++)
		shm[i * PS] = 1;
	report("shm-write16");
	pid_t pid = fork();
	if (pid == 0) {
		mark();
		for (int i = 0; i < 32; i++)
			(void)shm[i * PS];
		report("child-read32");
		mark();
		for (int i = 32; i < 64; i++)
			(void)shm[i * PS];
		report("child-read-rest");
		_exit(0);
	}
	waitpid(pid, NULL, 0);

	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	memset(buf, 'x', sizeof(buf));
	if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		return 1;
	fsync(fd);
	char *m = mmap(NULL, 64 * PS, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	for (int i = 0; i < 64; i++)
		(void)*(volatile char *)(m + i * PS);
	mark();
	for (int i = 0; i < 8; i++)
		m[i * PS] = 'y';
	report("file-write8");
	mark();
	msync(m, 64 * PS, MS_SYNC);
	report("msync");
	munmap(m, 64 * PS);
	close(fd);
	unlink(path);
	return 0;
}

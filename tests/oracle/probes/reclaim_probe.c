/*
 * Reclaim probe (tests/oracle/reclaim.sh): run a sequence of file operations and print the
 * major faults each one took, so that the same sequence in mmsim can be compared with it.
 *
 *   reclaim_probe OP FILE [OP FILE]...
 *     cold  FILE   drop the file's clean pages from the page cache (POSIX_FADV_DONTNEED)
 *     read  FILE   read(2) it all, 128 KiB at a time
 *     touch FILE   mmap it read-only, load one byte of every page in order, munmap
 *   prints "OP FILE majflt N refault R pgpgin P" per operation: getrusage RUSAGE_SELF
 *   ru_majflt, and from the memory.stat file named by $MEMSTAT (the probe's cgroup) the deltas
 *   of workingset_refault_file and pgpgin (cgroup v1: pages charged, here pages brought into
 *   the page cache; -1 when the file has no such line).
 *
 * Run inside a memory cgroup with a limit (reclaim.sh): the page cache the probe builds is
 * charged to the cgroup, so the limit is the memory its workload competes for.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static long majflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_majflt;
}

/* The value of "key N" in the memory.stat file $MEMSTAT, -1 when absent. */
static long memstat(const char *key)
{
	const char *path = getenv("MEMSTAT");
	char line[256], k[128];
	long v, found = -1;
	FILE *f;

	if (!path || !(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %ld", k, &v) == 2 && !strcmp(k, key)) {
			found = v;
			break;
		}
	fclose(f);
	return found;
}

static int op(const char *what, const char *path)
{
	static char buf[128 << 10];
	int fd = open(path, O_RDONLY);
	struct stat st;
	volatile unsigned char sum = 0;

	if (fd < 0 || fstat(fd, &st)) {
		perror(path);
		return 1;
	}
	if (!strcmp(what, "cold")) {
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	} else if (!strcmp(what, "read")) {
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	} else if (!strcmp(what, "touch")) {
		long ps = sysconf(_SC_PAGESIZE);
		unsigned char *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		for (off_t o = 0; o < st.st_size; o += ps)
			sum += p[o];
		munmap(p, (size_t)st.st_size);
	} else {
		fprintf(stderr, "unknown op %s\n", what);
		return 1;
	}
	close(fd);
	(void)sum;
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		long before = majflt(), rf = memstat("workingset_refault_file");
		long in = memstat("pgpgin");

		if (op(argv[i], argv[i + 1]))
			return 1;
		printf("%s %s majflt %ld refault %ld pgpgin %ld\n", argv[i], argv[i + 1],
		       majflt() - before, rf < 0 ? -1 : memstat("workingset_refault_file") - rf,
		       in < 0 ? -1 : memstat("pgpgin") - in);
		fflush(stdout);
	}
	return 0;
}

/*
 * The live-kernel side of the lessons in examples/: the same system calls at the same fixed
 * addresses, printing each result, the /proc/self/maps lines of the lesson's range and the
 * change of VmData / VmExe. Build and run:  gcc -O2 -o /tmp/lessons lessons.c && setarch -R /tmp/lessons
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sys/syscall.h>

static void maps(unsigned long lo, unsigned long hi)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		unsigned long a = strtoul(line, NULL, 16);
		if (a >= lo && a < hi)
			printf("  %s", line);
	}
	fclose(f);
}

static long status(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0)
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

#define R(call) do { errno = 0; long r_ = (long)(call); \
	printf("%-70s = %#lx%s%s\n", #call, r_, r_ == -1 ? " " : "", r_ == -1 ? strerrorname_np(errno) : ""); } while (0)

int main(void)
{
	const int A = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE;
	long d0 = status("VmData:"), e0 = status("VmExe:");
	puts("== mmap-merge");
	R(mmap((void *)0x10000000, 8192, PROT_READ | PROT_WRITE, A, -1, 0));
	R(mmap((void *)0x10002000, 8192, PROT_READ | PROT_WRITE, A, -1, 0));
	printf("VmData +%ld kB\n", status("VmData:") - d0);
	R(mmap((void *)0x10004000, 4096, PROT_READ, A, -1, 0));
	R(mmap((void *)0x10003000, 8192, PROT_READ, A, -1, 0));
	R(mprotect((void *)0x10004000, 4096, PROT_READ | PROT_WRITE));
	int fd = open("/usr/bin/true", O_RDONLY);
	R(mmap((void *)0x10005000, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0));
	R(mmap((void *)0x0fffe000, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0));
	maps(0x0f000000, 0x11000000);

	puts("== mprotect-split");
	d0 = status("VmData:");
	char *a = mmap((void *)0x20000000, 3 * 4096, PROT_READ | PROT_WRITE, A, -1, 0);
	R(mprotect(a + 4096, 4096, PROT_READ));
	maps(0x20000000, 0x21000000);
	R(mprotect(a + 4096, 4096, PROT_READ | PROT_WRITE));
	maps(0x20000000, 0x21000000);
	R(munmap(a + 0x1000, 4096));
	R(mprotect(a, 3 * 4096, PROT_READ));
	maps(0x20000000, 0x21000000);
	R(mprotect(a + 0x2000, 4096, PROT_READ | PROT_EXEC));
	maps(0x20000000, 0x21000000);
	printf("VmData %+ld kB VmExe %+ld kB\n", status("VmData:") - d0, status("VmExe:") - e0);

	puts("== mremap");
	char *m = mmap((void *)0x30000000, 4 * 4096, PROT_READ | PROT_WRITE, A, -1, 0);
	R(mremap(m, 4 * 4096, 2 * 4096, 0));
	R(mremap(m, 2 * 4096, 8 * 4096, 0));
	R(mmap((void *)0x30008000, 4096, PROT_READ, A, -1, 0));
	R(mremap(m, 8 * 4096, 16 * 4096, 0));
	void *b = mremap(m, 8 * 4096, 16 * 4096, MREMAP_MAYMOVE);
	printf("moved to %p\n", b);
	maps(0x30000000, 0x31000000);
	R(mremap(b, 16 * 4096, 16 * 4096, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)0x40000000));
	R(mremap((void *)0x40000000, 16 * 4096, 16 * 4096, MREMAP_MAYMOVE | MREMAP_DONTUNMAP));
	maps(0x40000000, 0x41000000);
	R(mremap((void *)0x40000001, 4096, 8192, MREMAP_MAYMOVE));
	R(mremap((void *)0x50000000, 4096, 8192, MREMAP_MAYMOVE));

	puts("== brk");
	d0 = status("VmData:");
	char *s = sbrk(0);
	R(brk(s + 0x21000) == 0 ? (long)sbrk(0) - (long)s : -1);
	printf("VmData %+ld kB\n", status("VmData:") - d0);
	R((long)syscall(SYS_brk, s + 0x20000) - (long)s);
	R((long)syscall(SYS_brk, s + 0x20800) - (long)s);
	printf("VmData %+ld kB\n", status("VmData:") - d0);
	R((long)syscall(SYS_brk, s - 0x1000) - (long)s);
	return 0;
}

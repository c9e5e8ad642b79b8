/*
 * Probe: get_unmapped_area placement, THP alignment, mmap argument checks on the live kernel.
 * Build: gcc -O0 -o /tmp/probe_layout probe_layout.c; run: setarch -R /tmp/probe_layout
 * Prints "step: result" lines (result: hex address or -errno) and /proc/self/maps at marks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdint.h>
#include <sys/syscall.h>

static long R(long r) { return r == -1 ? -errno : r; }
#define MM(name, a, l, p, f, fd, o) printf("%s: %ld %lx\n", name, 0L, (unsigned long)R((long)syscall(SYS_mmap, (long)(a), (long)(l), (long)(p), (long)(f), (long)(fd), (long)(o))))
#define SC(name, ...) printf("%s: %ld\n", name, R(syscall(__VA_ARGS__)))

static void maps(const char *tag)
{
	char buf[65536];
	int fd = open("/proc/self/maps", O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	printf("--- maps %s\n%s---\n", tag, buf);
}

int main(void)
{
	long A = MAP_PRIVATE | MAP_ANONYMOUS, RW = PROT_READ | PROT_WRITE;
	MM("len0", 0, 0, RW, A, -1, 0);
	MM("lenhuge", 0, -4096L, RW, A, -1, 0);
	MM("lenover", 0, 0xffffffffffffffffUL, RW, A, -1, 0);
	MM("offunaligned", 0, 4096, RW, A, -1, 1);
	MM("maptype0", 0, 4096, RW, MAP_ANONYMOUS, -1, 0);
	MM("maptype5", 0, 4096, RW, 5 | MAP_ANONYMOUS, -1, 0);
	MM("validate_unknown", 0, 4096, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | 0x800000, -1, 0);
	MM("shared_unknown", 0, 4096, RW, MAP_SHARED | MAP_ANONYMOUS | 0x800000, -1, 0);
	MM("badfd", 0, 4096, RW, MAP_PRIVATE, 999, 0);
	MM("anon_badfd", 0, 4096, RW, A, 999, 0);
	MM("fixed_unaligned", 0x10000001, 4096, RW, A | MAP_FIXED, -1, 0);
	MM("fixed_low", 0x1000, 4096, RW, A | MAP_FIXED, -1, 0);
	MM("fixed_zero", 0, 4096, RW, A | MAP_FIXED, -1, 0);
	MM("hint_low", 0x1000, 4096, RW, A, -1, 0);
	MM("fixed_high", 0x7ffffffff000, 8192, RW, A | MAP_FIXED, -1, 0);
	MM("hint_high", 0x7fffffffe000, 8192, RW, A, -1, 0);
	MM("hugetlb", 0, 2 << 20, RW, A | MAP_HUGETLB, -1, 0);
	MM("hugetlb_1g", 0, 1 << 30, RW, A | MAP_HUGETLB | (30 << MAP_HUGE_SHIFT), -1, 0);
	MM("hugetlb_bad", 0, 2 << 20, RW, A | MAP_HUGETLB | (22 << MAP_HUGE_SHIFT), -1, 0);
	MM("hugetlb_unal", 0, 4096, RW, A | MAP_HUGETLB, -1, 0);
	MM("a1", 0, 4096, RW, A, -1, 0);
	MM("a2", 0, 4096, RW, A, -1, 0);
	MM("a3_ro", 0, 4096, PROT_READ, A, -1, 0);
	MM("thp2m", 0, 2 << 20, RW, A, -1, 0);
	MM("thp4m", 0, 4 << 20, RW, A, -1, 0);
	MM("thp2m4k", 0, (2 << 20) + 4096, RW, A, -1, 0);
	MM("shanon2m", 0, 2 << 20, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	MM("stack", 0, 65536, RW, A | MAP_STACK, -1, 0);
	MM("growsdown", 0, 65536, RW, A | MAP_GROWSDOWN, -1, 0);
	MM("after_gd", 0, 4096, RW, A, -1, 0);
	MM("m32", 0, 4096, RW, A | MAP_32BIT, -1, 0);
	MM("m32b", 0, 4096, RW, A | MAP_32BIT, -1, 0);
	MM("noreserve", 0, 8192, RW, A | MAP_NORESERVE, -1, 0);
	MM("prot_bad", 0, 4096, 0x10, A, -1, 0);
	MM("prot_sem", 0, 4096, PROT_READ | 0x8, A, -1, 0);
	MM("prot_gd", 0, 4096, PROT_READ | PROT_GROWSDOWN, A, -1, 0);
	int fd = open("/etc/passwd", O_RDONLY);
	MM("file_shared_w", 0, 4096, RW, MAP_SHARED, fd, 0);
	MM("file_shared_r", 0, 4096, PROT_READ, MAP_SHARED, fd, 0);
	MM("file_priv_w", 0, 4096, RW, MAP_PRIVATE, fd, 0);
	MM("file_off_unal", 0, 4096, PROT_READ, MAP_PRIVATE, fd, 100);
	MM("file_off_big", 0, 8192, PROT_READ, MAP_PRIVATE, fd, 0x7ffffffffffff000L);
	int wfd = open("/tmp", O_RDONLY);
	MM("dir", 0, 4096, PROT_READ, MAP_PRIVATE, wfd, 0);
	int wo = open("/tmp/probe_wo", O_WRONLY | O_CREAT, 0600);
	MM("wronly", 0, 4096, PROT_READ, MAP_PRIVATE, wo, 0);
	int pfd[2];
	pipe(pfd);
	MM("pipe", 0, 4096, PROT_READ, MAP_PRIVATE, pfd[0], 0);
	maps("1");
	return 0;
}

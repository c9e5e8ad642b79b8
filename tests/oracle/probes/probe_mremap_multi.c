/*
 * mremap(MREMAP_MAYMOVE|MREMAP_FIXED) with old_len == new_len over several VMAs and gaps,
 * the Linux 6.17+ multi-VMA move (mm/mremap.c remap_move), on the live kernel: the goldens
 * of tests/unit/test_mmap.c test_mremap_multi.
 *   gcc -O0 -o /tmp/probe_mremap_multi tests/oracle/probes/probe_mremap_multi.c &&
 *   setarch -R /tmp/probe_mremap_multi
 * Prints each call's result, then the VMAs at 0x200000000 and above with their smaps VmFlags.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define B 0x200000000ul
#define P 4096ul

static void show(const char *name, long r)
{
	printf("%-16s %#lx %s\n", name, r, r == -1 ? strerrorname_np(errno) : "");
}

static long rm(unsigned long a, unsigned long o, unsigned long n, unsigned long f, unsigned long na)
{
	/* all five arguments, as the kernel sees them */
	return syscall(SYS_mremap, a, o, n, f, na);
}

static long mm(unsigned long a, unsigned long len, int prot)
{
	return (long)mmap((void *)a, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

int main(void)
{
	const unsigned long MF = MREMAP_MAYMOVE | MREMAP_FIXED;
	const int R = PROT_READ, RW = PROT_READ | PROT_WRITE, RX = PROT_READ | PROT_EXEC;
	const unsigned long S1 = B + 0x1000000, D1 = B + 0x1800000;
	/* 1: tail of A, a gap, B, C, a trailing gap; mappings in the target's gaps */
	show("a", mm(S1, 4 * P, RW));
	show("b", mm(S1 + 6 * P, 3 * P, R));
	show("c", mm(S1 + 9 * P, 2 * P, RX));
	show("dgap", mm(D1 + 2 * P, P, R));
	show("dtail", mm(D1 + 9 * P, P, R));
	show("dover", mm(D1 + 5 * P, P, RW));
	show("multi", rm(S1 + 2 * P, 10 * P, 10 * P, MF, D1));
	/* 2: gaps at the start, nothing at all, a single VMA with a trailing gap */
	const unsigned long S2 = B + 0x2000000, D2 = B + 0x2800000;
	show("s2", mm(S2 + 2 * P, 2 * P, RW));
	show("startgap", rm(S2, 4 * P, 4 * P, MF, D2));
	show("nomap", rm(S2 + 0x100000, 4 * P, 4 * P, MF, D2));
	show("single_tail", rm(S2 + 2 * P, 4 * P, 4 * P, MF, D2));
	/* 3: across two VMAs without FIXED, with a different length, shrinking */
	const unsigned long S3 = B + 0x3000000, D3 = B + 0x3800000;
	show("s3a", mm(S3, 2 * P, RW));
	show("s3b", mm(S3 + 2 * P, 2 * P, R));
	show("nofixed", rm(S3, 4 * P, 4 * P, MREMAP_MAYMOVE, 0));
	show("grow", rm(S3, 4 * P, 5 * P, MF, D3));
	show("shrink", rm(S3, 4 * P, P, MF, D3));
	show("overlap", rm(S3, 4 * P, 4 * P, MF, S3 + 2 * P));
	/* 4: DONTUNMAP over two VMAs and a gap */
	const unsigned long S4 = B + 0x4000000, D4 = B + 0x4800000;
	show("s4a", mm(S4, 2 * P, RW));
	show("s4b", mm(S4 + 3 * P, 2 * P, R));
	show("dontunmap", rm(S4, 5 * P, 5 * P, MF | MREMAP_DONTUNMAP, D4));
	/* 5: the moved pieces merge with the target's neighbours */
	const unsigned long S5 = B + 0x5000000, D5 = B + 0x5800000;
	show("s5a", mm(S5, 2 * P, RW));
	show("s5b", mm(S5 + 2 * P, 2 * P, R));
	show("d5prev", mm(D5 - 2 * P, 2 * P, RW));
	show("d5next", mm(D5 + 4 * P, 2 * P, R));
	show("merge", rm(S5, 4 * P, 4 * P, MF, D5));
	/* 6: a locked piece */
	const unsigned long S6 = B + 0x6000000, D6 = B + 0x6800000;
	show("s6a", mm(S6, 2 * P, RW));
	show("s6b", mm(S6 + 2 * P, 2 * P, R));
	show("mlock", mlock((void *)(S6 + 2 * P), 2 * P));
	show("locked", rm(S6 + P, 3 * P, 3 * P, MF, D6));
	char cmd[300];
	snprintf(cmd, sizeof(cmd),
		 "grep -E '^2[0-9a-f]{8}-|^VmFlags' /proc/%d/smaps | grep -A1 '^2';"
		 "grep -E 'VmLck' /proc/%d/status", getpid(), getpid());
	fflush(stdout);
	return system(cmd);
}

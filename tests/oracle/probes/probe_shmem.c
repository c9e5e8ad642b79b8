/*
 * Shared anonymous memory and MREMAP_DONTUNMAP on the live kernel (the goldens of
 * tests/unit/test_mmap.c test_shmem_anon and test_mremap_dontunmap).
 *   gcc -O0 -o /tmp/probe_shmem tests/oracle/probes/probe_shmem.c && setarch -R /tmp/probe_shmem
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
	return syscall(SYS_mremap, a, o, n, f, na);	/* all five arguments, as the kernel sees them */
}

int main(void)
{
	const int S = MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, A = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
	const int RW = PROT_READ | PROT_WRITE;
	/* shared anonymous: two adjacent mappings, a hole, a move */
	show("s1", (long)mmap((void *)B, 8 * P, RW, S, -1, 0));
	show("s2", (long)mmap((void *)(B + 8 * P), 4 * P, RW, S, -1, 0));
	show("s1_hole", munmap((void *)(B + 2 * P), 2 * P));
	show("s1_move", rm(B + 4 * P, 4 * P, 8 * P, MREMAP_MAYMOVE | MREMAP_FIXED, B + 0x100000));
	show("s3_ro", (long)mmap((void *)(B + 0x200000), 4 * P, PROT_READ, S, -1, 0));
	/* MREMAP_DONTUNMAP of a private anonymous mapping */
	show("d", (long)mmap((void *)(B + 0x400000), 12 * P, RW, A, -1, 0));
	show("d_badhint", rm(B + 0x404000, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0xffffffff));
	show("d_overlap", rm(B + 0x404000, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, B + 0x406000));
	show("d_move", rm(B + 0x404000, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED,
			  B + 0x500000));
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "grep -E '^2[0-9a-f]{8}-|^VmFlags' /proc/%d/smaps | grep -A1 '^2'",
		 getpid());
	fflush(stdout);
	return system(cmd);
}

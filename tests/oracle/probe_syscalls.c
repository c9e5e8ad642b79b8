/*
 * A probe for `mmsim validate`: one of each memory system call mmsim models, including
 * failing ones (their errno is compared too), then a fork whose child maps and exits.
 * Built and run by tests/oracle/run.sh; its log is also a sample in tests/data/strace/.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26)
#endif

int main(void)
{
	long pg = 4096;
	unsigned char vec[16];
	char *a = mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(a + 4 * pg, 4 * pg, PROT_READ);		/* split in three */
	mprotect(a + 4 * pg, 4 * pg, PROT_READ | PROT_WRITE);	/* merge back */
	munmap(a + 14 * pg, 2 * pg);
	char *b = mremap(a, 14 * pg, 20 * pg, MREMAP_MAYMOVE);
	b = mremap(b, 20 * pg, 8 * pg, 0);			/* shrink in place */
	madvise(b, 8 * pg, MADV_DONTNEED);
	madvise(b, 4 * pg, MADV_DONTFORK);
	madvise(b + pg, pg, MADV_HUGEPAGE);
	madvise(b, pg, 999);					/* -EINVAL */
	mlock(b, 2 * pg);
	munlock(b, 2 * pg);
	syscall(SYS_mlock2, b, pg, MLOCK_ONFAULT);
	munlock(b, pg);
	msync(b, 8 * pg, MS_SYNC);
	msync(b + 1, pg, MS_SYNC);				/* -EINVAL */
	mincore(b, 8 * pg, vec);
	prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)b, 2 * pg, "probe");
	syscall(SYS_pkey_mprotect, b, pg, PROT_READ, -1);
	mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);	/* no pool */
	mmap((void *)0x10000, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
	     -1, 0);
	mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);	/* -EINVAL */
	munmap(b + 1, pg);					/* -EINVAL */
	char *g = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_GROWSDOWN, -1, 0);
	(void)g;
	void *brk0 = sbrk(0);
	brk((char *)brk0 + 64 * pg);
	brk((char *)brk0 + 16 * pg);
	char *sh = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	mremap(sh, 4 * pg, 8 * pg, MREMAP_MAYMOVE);
	/* 6.17+ multi-VMA move (MREMAP_FIXED, equal lengths): a VMA's tail, a gap, another VMA */
	char *mv = mmap((void *)0x300000000, 6 * pg, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	munmap(mv + 2 * pg, pg);
	mprotect(mv + 3 * pg, 3 * pg, PROT_READ);
	mremap(mv + pg, 5 * pg, 5 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, mv + 16 * pg);
	/* a trailing gap is allowed; a range starting in a gap is -EFAULT */
	mremap(mv, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, mv + 32 * pg);
	mremap(mv + pg, 4 * pg, 4 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, mv + 48 * pg);
	pid_t c = fork();
	if (c == 0) {
		mmap(NULL, 3 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	return 0;
}

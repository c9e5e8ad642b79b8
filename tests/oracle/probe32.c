/*
 * A 32-bit probe for `mmsim validate`: a static i386 program without libc (raw int $0x80
 * calls, numbers from arch/x86/entry/syscalls/syscall_32.tbl) that makes one of each memory
 * call mmsim models on a compat task, failing ones included (their errno is compared too),
 * fills the 32-bit address space top-down until mmap2 fails, and forks a child that execs
 * this file again. Built by tests/oracle/run.sh with
 *   gcc -m32 -nostdlib -static -fno-pie -no-pie -O1 -fno-stack-protector
 * and listed in programs.txt as @probe32.
 */
#define PG 4096L

enum {
	NR_exit = 1, NR_fork = 2, NR_open = 5, NR_waitpid = 7, NR_execve = 11, NR_brk = 45,
	NR_setrlimit = 75, NR_old_mmap = 90, NR_munmap = 91, NR_mprotect = 125, NR_msync = 144,
	NR_mlock = 150, NR_munlock = 151, NR_mlockall = 152, NR_munlockall = 153,
	NR_mremap = 163, NR_prctl = 172, NR_mmap2 = 192, NR_mincore = 218, NR_madvise = 219,
	NR_exit_group = 252, NR_prlimit64 = 340, NR_mlock2 = 376, NR_pkey_mprotect = 380,
};

long pmain(long *sp);

/* the ELF entry: pass the initial stack (argc, argv..., 0, envp..., 0) to pmain */
__asm__(".globl _start\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov %esp, %eax\n"
	"	and $-16, %esp\n"
	"	sub $12, %esp\n"
	"	push %eax\n"
	"	call pmain\n"
	"	hlt\n");

static long sc6(long n, long a, long b, long c, long d, long e, long f)
{
	long r;
	__asm__ volatile("push %%ebp; mov %7, %%ebp; int $0x80; pop %%ebp"
			 : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e), "g"(f)
			 : "memory");
	return r;
}

#define sc0(n) sc6(n, 0, 0, 0, 0, 0, 0)
#define sc1(n, a) sc6(n, a, 0, 0, 0, 0, 0)
#define sc2(n, a, b) sc6(n, a, b, 0, 0, 0, 0)
#define sc3(n, a, b, c) sc6(n, a, b, c, 0, 0, 0)
#define sc4(n, a, b, c, d) sc6(n, a, b, c, d, 0, 0)
#define sc5(n, a, b, c, d, e) sc6(n, a, b, c, d, e, 0)

#define RW 3			/* PROT_READ | PROT_WRITE */
#define ANON 0x22		/* MAP_PRIVATE | MAP_ANONYMOUS */

static unsigned char vec[64];
static unsigned int rlim32[2];
static unsigned long long rlim64[2];

/* The exec'd child: a little of its own, then exit_group. */
static long child_image(void)
{
	long b = sc1(NR_brk, 0);
	sc1(NR_brk, b + 8 * PG);
	sc6(NR_mmap2, 0, 5 * PG, 1, ANON, -1, 0);
	sc1(NR_exit_group, 3);
	return 0;
}

long pmain(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1), **envp = argv + argc + 1;
	if (argc > 1)
		return child_image();

	long b = sc1(NR_brk, 0);
	sc1(NR_brk, b + 0x21000);
	sc1(NR_brk, b + 0x8000);				/* shrink */
	sc1(NR_brk, 0x7f000000);				/* refused: brk unchanged */

	long a = sc6(NR_mmap2, 0, 16 * PG, RW, ANON, -1, 0);
	sc3(NR_mprotect, a + 4 * PG, 4 * PG, 1);		/* split in three */
	sc3(NR_mprotect, a + 4 * PG, 4 * PG, RW);		/* merge back */
	sc2(NR_munmap, a + 14 * PG, 2 * PG);
	long m = sc4(NR_mremap, a, 14 * PG, 20 * PG, 1);	/* MREMAP_MAYMOVE */
	m = sc4(NR_mremap, m, 20 * PG, 8 * PG, 0);		/* shrink in place */
	sc3(NR_madvise, m, 8 * PG, 4);				/* MADV_DONTNEED */
	sc3(NR_madvise, m, 4 * PG, 10);				/* MADV_DONTFORK */
	sc3(NR_madvise, m, PG, 999);				/* -EINVAL */
	sc2(NR_mlock, m, 2 * PG);
	sc2(NR_munlock, m, 2 * PG);
	sc3(NR_mlock2, m, PG, 1);				/* MLOCK_ONFAULT */
	sc2(NR_munlock, m, PG);
	sc3(NR_msync, m, 8 * PG, 4);				/* MS_SYNC */
	sc3(NR_msync, m + 1, PG, 4);				/* -EINVAL */
	sc3(NR_mincore, m, 8 * PG, (long)vec);
	sc5(NR_prctl, 0x53564d41, 0, m, 2 * PG, (long)"probe32");	/* PR_SET_VMA anon name */
	sc4(NR_pkey_mprotect, m, PG, 1, -1);
	sc2(NR_munmap, m + 1, PG);				/* -EINVAL */
	sc6(NR_mmap2, 0, 0, 1, ANON, -1, 0);			/* -EINVAL */
	sc6(NR_mmap2, 0x10000000, 2 * PG, RW, ANON | 0x10, -1, 0);	/* MAP_FIXED */
	sc6(NR_mmap2, 0x10000000, PG, 1, ANON | 0x100000, -1, 0);	/* -EEXIST */
	sc6(NR_mmap2, 0xfffff000, PG, 1, ANON, -1, 0);		/* hint past TASK_SIZE */
	sc6(NR_mmap2, 0xfffff000, PG, 1, ANON | 0x10, -1, 0);	/* -ENOMEM */
	sc6(NR_mmap2, 0, 8 * PG, RW, ANON | 0x100, -1, 0);	/* MAP_GROWSDOWN */
	sc6(NR_mmap2, 0, 4 * PG, RW, 0x21, -1, 0);		/* MAP_SHARED | MAP_ANONYMOUS */

	/* the old mmap: one pointer to six longs, the offset in bytes */
	long args[6] = { 0, 3 * PG, 1, ANON, -1, 0 };
	sc1(NR_old_mmap, (long)args);
	long fd = sc2(NR_open, (long)"/proc/self/exe", 0);
	sc6(NR_mmap2, 0, 2 * PG, 1, 2, fd, 1);			/* file page 1 on, MAP_PRIVATE */
	long fargs[6] = { 0, PG, 1, 2, fd, PG };
	sc1(NR_old_mmap, (long)fargs);
	fargs[5] = 100;
	sc1(NR_old_mmap, (long)fargs);				/* -EINVAL: offset not aligned */

	rlim32[0] = 16 << 20;
	rlim32[1] = 0xffffffffu;				/* COMPAT_RLIM_INFINITY */
	sc2(NR_setrlimit, 3, (long)rlim32);			/* RLIMIT_STACK: the child's */
	rlim32[0] = 32 << 20;
	rlim32[1] = 16 << 20;
	sc2(NR_setrlimit, 3, (long)rlim32);			/* -EINVAL: cur > max */
	sc4(NR_prlimit64, 0, 3, 0, (long)rlim64);

	/* top-down until the 32-bit address space is full */
	for (int k = 0; k < 16; k++)
		if ((unsigned long)sc6(NR_mmap2, 0, 0x10000000, 0, ANON | 0x4000, -1, 0) >
		    0xfffff000ul)
			break;					/* MAP_NORESERVE */
	for (int k = 0; k < 16; k++)
		if ((unsigned long)sc6(NR_mmap2, 0, 0x1000000, 0, ANON | 0x4000, -1, 0) >
		    0xfffff000ul)
			break;

	long c = sc0(NR_fork);
	if (c == 0) {
		char *cargv[] = { argv[0], "child", 0 };
		sc3(NR_execve, (long)argv[0], (long)cargv, (long)envp);
		sc1(NR_exit, 1);
	}
	sc3(NR_waitpid, c, 0, 0);
	sc1(NR_exit_group, 0);
	return 0;
}

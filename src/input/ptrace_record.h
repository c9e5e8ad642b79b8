/*
 * The live-kernel recorder behind `mmsim validate` (mmsim_record in include/mmsim/mmsim.h):
 * runs a program under ptrace(2) with ASLR off and writes its memory and process system
 * calls as strace -f -y would print them, so that input/strace.c reads them back.
 *
 * What it records, per traced task, at the system call's exit (one line "PID call = ret"):
 * brk, mmap, munmap, mprotect, pkey_mprotect, mremap, madvise, mlock, mlock2, munlock,
 * mlockall, munlockall, msync, mincore, prctl(PR_SET_VMA ...), prlimit64 and setrlimit
 * (they change the layout's limits), shmget/shmat/shmdt (so replay can say they are not
 * modelled), execve/execveat (argv and envp read in full at the entry), fork, vfork, clone,
 * clone3 (written at the parent's PTRACE_EVENT_* stop, before the child runs, so that the
 * child's lines come after the call that made it), exit and exit_group (at the entry,
 * " = ?"), and "+++ exited with N +++" / "+++ killed by SIG +++".
 *
 * A 32-bit (i386) task's calls (PTRACE_GET_SYSCALL_INFO arch AUDIT_ARCH_I386, IA32 emulation)
 * are recorded too, as strace prints a 32-bit process's calls: their i386 numbers are mapped
 * to the x86-64 calls above (ptrace_record_nr_i386), arguments and values are the 32-bit
 * registers (fd -1 is 0xffffffff in ebx..ebp, so every argument is cut to 32 bits; a value
 * is unsigned unless it is an error), mmap2 is written as "mmap2" with its offset in bytes
 * (strace's mmap_4koff: pgoff * 4096), the old mmap (90, one pointer to six longs) as "mmap"
 * with the six longs read from the tracee (strace's old_mmap), and execve's vectors are
 * read as 32-bit pointers. ipc(117) (the multiplexed shmat/shmdt of old libcs) is not
 * recorded; the direct shmget/shmat/shmdt (395, 397, 398) are.
 *
 * The first process's /proc/PID/maps is read at the entry of its exit_group (or at its
 * PTRACE_EVENT_EXIT when it ends another way), and its stack VMA's start right after its
 * first execve returns.
 */
#ifndef MMSIM_INPUT_PTRACE_RECORD_H
#define MMSIM_INPUT_PTRACE_RECORD_H
#include "mmsim/mmsim.h"

/* x86-64 system call numbers the recorder writes (arch/x86/entry/syscalls/syscall_64.tbl). */
enum {
	NR_mmap = 9, NR_mprotect = 10, NR_munmap = 11, NR_brk = 12, NR_mremap = 25,
	NR_msync = 26, NR_mincore = 27, NR_madvise = 28, NR_shmget = 29, NR_shmat = 30,
	NR_clone = 56, NR_fork = 57, NR_vfork = 58, NR_execve = 59, NR_exit = 60,
	NR_shmdt = 67, NR_mlock = 149, NR_munlock = 150, NR_mlockall = 151,
	NR_munlockall = 152, NR_prctl = 157, NR_setrlimit = 160, NR_exit_group = 231,
	NR_prlimit64 = 302, NR_execveat = 322, NR_mlock2 = 325, NR_pkey_mprotect = 329,
	NR_clone3 = 435,
};

/*
 * i386 numbers of the same calls (arch/x86/entry/syscalls/syscall_32.tbl), and NR_mmap2, a
 * number no x86-64 call has, for the i386 mmap2 (offset in 4 KiB units).
 */
enum {
	NR32_exit = 1, NR32_fork = 2, NR32_execve = 11, NR32_brk = 45, NR32_setrlimit = 75,
	NR32_old_mmap = 90, NR32_munmap = 91, NR32_clone = 120, NR32_mprotect = 125,
	NR32_msync = 144, NR32_mlock = 150, NR32_munlock = 151, NR32_mlockall = 152,
	NR32_munlockall = 153, NR32_mremap = 163, NR32_prctl = 172, NR32_vfork = 190,
	NR32_mmap2 = 192, NR32_mincore = 218, NR32_madvise = 219, NR32_exit_group = 252,
	NR32_prlimit64 = 340, NR32_execveat = 358, NR32_mlock2 = 376, NR32_pkey_mprotect = 380,
	NR32_shmget = 395, NR32_shmat = 397, NR32_shmdt = 398, NR32_clone3 = 435,
	NR_mmap2 = 0x10000 + NR32_mmap2,
};

/*
 * The x86-64 number of the i386 call nr32 (NR_mmap for the old mmap, NR_mmap2 for mmap2),
 * or ~0ul when it is not one the recorder writes.
 */
unsigned long ptrace_record_nr_i386(unsigned long nr32);

/* Is nr one of the calls above (an x86-64 number, or NR_mmap2)? */
int ptrace_record_wanted(unsigned long nr);
#endif

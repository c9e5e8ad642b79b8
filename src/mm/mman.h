/*
 * The user-space ABI of the memory system calls (Linux: include/uapi/asm-generic/mman-common.h,
 * mman.h, include/uapi/linux/mman.h, asm/mman.h on x86). Values are the kernel's, the same
 * on x86-64, i386 and arm64. A host header may define some of them already: the value is
 * the same (checked below), so the definitions here are guarded.
 */
#ifndef MMSIM_MM_MMAN_H
#define MMSIM_MM_MMAN_H

#ifndef PROT_NONE
#define PROT_NONE	0x0
#define PROT_READ	0x1
#define PROT_WRITE	0x2
#define PROT_EXEC	0x4
#endif
#ifndef PROT_SEM
#define PROT_SEM	0x8
#endif
#ifndef PROT_GROWSDOWN
#define PROT_GROWSDOWN	0x01000000
#define PROT_GROWSUP	0x02000000
#endif

#ifndef MAP_SHARED
#define MAP_SHARED	0x01
#define MAP_PRIVATE	0x02
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_TYPE
#define MAP_TYPE	0x0f
#endif
#ifndef MAP_FIXED
#define MAP_FIXED	0x10
#define MAP_ANONYMOUS	0x20
#endif
#ifndef MAP_32BIT
#define MAP_32BIT	0x40		/* x86-64 only */
#endif
#ifndef MAP_GROWSDOWN
#define MAP_GROWSDOWN	0x0100
#define MAP_DENYWRITE	0x0800
#define MAP_EXECUTABLE	0x1000
#define MAP_LOCKED	0x2000
#define MAP_NORESERVE	0x4000
#define MAP_POPULATE	0x8000
#define MAP_NONBLOCK	0x10000
#define MAP_STACK	0x20000
#define MAP_HUGETLB	0x40000
#endif
#ifndef MAP_SYNC
#define MAP_SYNC	0x80000
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT	26
#define MAP_HUGE_MASK	0x3f
#endif
#ifndef MAP_FAILED
#define MAP_FAILED	((void *)-1)
#endif

#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE	1
#define MREMAP_FIXED	2
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

#ifndef MS_ASYNC
#define MS_ASYNC	1
#define MS_INVALIDATE	2
#define MS_SYNC		4
#endif

#ifndef MCL_CURRENT
#define MCL_CURRENT	1
#define MCL_FUTURE	2
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT	4
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT	0x01
#endif

#ifndef MADV_NORMAL
#define MADV_NORMAL	0
#define MADV_RANDOM	1
#define MADV_SEQUENTIAL	2
#define MADV_WILLNEED	3
#define MADV_DONTNEED	4
#endif
#ifndef MADV_FREE
#define MADV_FREE	8
#endif
#ifndef MADV_REMOVE
#define MADV_REMOVE	9
#define MADV_DONTFORK	10
#define MADV_DOFORK	11
#define MADV_MERGEABLE	12
#define MADV_UNMERGEABLE 13
#define MADV_HUGEPAGE	14
#define MADV_NOHUGEPAGE	15
#define MADV_DONTDUMP	16
#define MADV_DODUMP	17
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK	18
#define MADV_KEEPONFORK	19
#endif
#ifndef MADV_COLD
#define MADV_COLD	20
#define MADV_PAGEOUT	21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#define MADV_GUARD_REMOVE 103
#endif
#ifndef MADV_HWPOISON
#define MADV_HWPOISON	100
#define MADV_SOFT_OFFLINE 101
#endif

/* prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, start, len, name) (include/uapi/linux/prctl.h) */
#define MMSIM_PR_SET_VMA		0x53564d41
#define MMSIM_PR_SET_VMA_ANON_NAME	0

_Static_assert(MAP_FIXED == 0x10 && MAP_ANONYMOUS == 0x20 && MAP_GROWSDOWN == 0x100 &&
	       MAP_STACK == 0x20000 && MAP_HUGETLB == 0x40000 && MAP_FIXED_NOREPLACE == 0x100000,
	       "host <sys/mman.h> disagrees with the Linux ABI mmsim models");
_Static_assert(MREMAP_DONTUNMAP == 4 && MADV_FREE == 8 && MADV_COLD == 20 && MCL_ONFAULT == 4,
	       "host <sys/mman.h> disagrees with the Linux ABI mmsim models");
#endif

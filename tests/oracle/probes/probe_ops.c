/*
 * Probe: munmap, mprotect, mremap, madvise, mlock, brk, mincore, msync edge cases on the live
 * kernel. Build: gcc -O0 -o /tmp/probe_ops probe_ops.c; run: setarch -R /tmp/probe_ops
 * Every line: "name: value" (hex address or negative errno in decimal for mmap/mremap/brk,
 * decimal return for the rest). Addresses are fixed (MAP_FIXED at 0x200000000) so the output
 * does not depend on the program's own layout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/resource.h>

static long R(long r) { return r == -1 ? -errno : r; }
#define SC(name, ...) printf("%s: %ld\n", name, R(syscall(__VA_ARGS__)))
#define SX(name, ...) do { long r_ = R(syscall(__VA_ARGS__)); if (r_ < 0 && r_ > -4096) printf("%s: %ld\n", name, r_); else printf("%s: %lx\n", name, r_); } while (0)

static void maps(const char *tag, unsigned long lo, unsigned long hi)
{
	char buf[65536], *line, *save;
	int fd = open("/proc/self/maps", O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	printf("--- maps %s\n", tag);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long s = strtoul(line, NULL, 16);
		if (s >= lo && s < hi)
			printf("%.*s\n", 34, line);
	}
}

static void smaps_flags(unsigned long lo, unsigned long hi)
{
	char line[512];
	FILE *f = fopen("/proc/self/smaps", "r");
	unsigned long s = 0, e = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, ' ') > strchr(line, '-')) { s = a; e = b; }
		if (!strncmp(line, "VmFlags:", 8) && s >= lo && s < hi)
			printf("%lx-%lx %s", s, e, line);
	}
	fclose(f);
}

#define B 0x200000000UL
#define P 4096UL
#define A (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

int main(void)
{
	unsigned char vec[64];
	/* munmap */
	SX("m10", SYS_mmap, B, 10 * P, PROT_READ | PROT_WRITE, A, -1, 0);
	SC("munmap_mid", SYS_munmap, B + 2 * P, 2 * P);
	SC("munmap_unal", SYS_munmap, B + 1, P);
	SC("munmap_len0", SYS_munmap, B, 0);
	SC("munmap_hole", SYS_munmap, B + 2 * P, P);
	SC("munmap_over", SYS_munmap, 0x7ffffffff000UL, 2 * P);
	SC("munmap_high", SYS_munmap, 0xffff800000000000UL, P);
	SC("munmap_lenunal", SYS_munmap, B + 9 * P, 1);
	maps("munmap", B, B + 0x10000000);
	/* mprotect */
	SC("mprot_unal", SYS_mprotect, B + 1, P, PROT_READ);
	SC("mprot_len0", SYS_mprotect, B, 0, PROT_READ);
	SC("mprot_badprot", SYS_mprotect, B, P, 0x10);
	SC("mprot_both_grows", SYS_mprotect, B, P, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP);
	SC("mprot_grows_nogd", SYS_mprotect, B, P, PROT_READ | PROT_GROWSDOWN);
	SC("mprot_hole", SYS_mprotect, B, 6 * P, PROT_READ);
	maps("mprot_hole", B, B + 0x10000000);
	SC("mprot_nomap", SYS_mprotect, B + 2 * P, P, PROT_READ);
	SC("mprot_split", SYS_mprotect, B + 5 * P, 2 * P, PROT_READ | PROT_EXEC);
	SC("mprot_merge", SYS_mprotect, B + 4 * P, 6 * P, PROT_READ);
	maps("mprot", B, B + 0x10000000);
	SC("mprot_back", SYS_mprotect, B, 10 * P, PROT_READ | PROT_WRITE);
	maps("mprot_back", B, B + 0x10000000);
	int fd = open("/etc/passwd", O_RDONLY);
	SX("fsh", SYS_mmap, B + 0x100000, P, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	SC("mprot_eacces", SYS_mprotect, B + 0x100000, P, PROT_READ | PROT_WRITE);
	SC("mprot_exec_sh", SYS_mprotect, B + 0x100000, P, PROT_READ | PROT_EXEC);
	SX("fpr", SYS_mmap, B + 0x101000, P, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
	SC("mprot_fpr_w", SYS_mprotect, B + 0x101000, P, PROT_READ | PROT_WRITE);
	/* growsdown */
	SX("gd", SYS_mmap, B + 0x200000, 4 * P, PROT_READ | PROT_WRITE, A | MAP_GROWSDOWN, -1, 0);
	SC("mprot_gd", SYS_mprotect, B + 0x202000, P, PROT_READ | PROT_GROWSDOWN);
	maps("gd", B + 0x200000, B + 0x300000);
	/* mremap */
	SX("r_base", SYS_mmap, B + 0x400000, 4 * P, PROT_READ | PROT_WRITE, A, -1, 0);
	SX("rm_unal", SYS_mremap, B + 0x400001, P, 2 * P, 0, 0);
	SX("rm_badflags", SYS_mremap, B + 0x400000, P, 2 * P, 8, 0);
	SX("rm_fixed_nomove", SYS_mremap, B + 0x400000, P, 2 * P, MREMAP_FIXED, B + 0x500000);
	SX("rm_newlen0", SYS_mremap, B + 0x400000, P, 0, 0, 0);
	SX("rm_shrink", SYS_mremap, B + 0x400000, 4 * P, 2 * P, 0, 0);
	SX("rm_grow", SYS_mremap, B + 0x400000, 2 * P, 3 * P, 0, 0);
	SX("m_block", SYS_mmap, B + 0x403000, P, PROT_READ, A, -1, 0);
	SX("rm_grow_blocked", SYS_mremap, B + 0x400000, 3 * P, 5 * P, 0, 0);
	SX("rm_grow_hole", SYS_mremap, B + 0x400000, 6 * P, 8 * P, 0, 0);
	SX("rm_nomap", SYS_mremap, B + 0x480000, P, 2 * P, 0, 0);
	SX("rm_fixed", SYS_mremap, B + 0x400000, 3 * P, 3 * P, MREMAP_MAYMOVE | MREMAP_FIXED, B + 0x600000);
	SX("rm_fixed_overlap", SYS_mremap, B + 0x600000, 3 * P, 3 * P, MREMAP_MAYMOVE | MREMAP_FIXED, B + 0x601000);
	SX("rm_dontunmap", SYS_mremap, B + 0x600000, 3 * P, 3 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	SX("rm_dontunmap_diff", SYS_mremap, B + 0x600000, 3 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	SX("rm_dontunmap_nomove", SYS_mremap, B + 0x600000, 3 * P, 3 * P, MREMAP_DONTUNMAP, 0);
	SX("rm_dup0", SYS_mremap, B + 0x101000, 0, P, MREMAP_MAYMOVE, 0);
	SX("rm_dup0_priv", SYS_mremap, B + 0x600000, 0, P, MREMAP_MAYMOVE, 0);
	SX("rm_across", SYS_mremap, B + 0x100000, 2 * P, 3 * P, MREMAP_MAYMOVE, 0);
	maps("mremap", B + 0x100000, B + 0x10000000);
	/* madvise */
	SX("ma_base", SYS_mmap, B + 0x800000, 8 * P, PROT_READ | PROT_WRITE, A, -1, 0);
	SC("ma_unal", SYS_madvise, B + 0x800001, P, MADV_DONTNEED);
	SC("ma_len0", SYS_madvise, B + 0x800000, 0, MADV_DONTNEED);
	SC("ma_bad", SYS_madvise, B + 0x800000, P, 99);
	SC("ma_dontfork", SYS_madvise, B + 0x801000, P, MADV_DONTFORK);
	SC("ma_dontdump", SYS_madvise, B + 0x803000, P, MADV_DONTDUMP);
	SC("ma_hugepage", SYS_madvise, B + 0x805000, P, MADV_HUGEPAGE);
	SC("ma_random", SYS_madvise, B + 0x806000, P, MADV_RANDOM);
	SC("ma_seq", SYS_madvise, B + 0x806000, P, MADV_SEQUENTIAL);
	SC("ma_hole", SYS_madvise, B + 0x807000, 3 * P, MADV_DONTFORK);
	SC("ma_hole_dn", SYS_madvise, B + 0x807000, 3 * P, MADV_DONTNEED);
	SC("ma_nomap", SYS_madvise, B + 0x900000, P, MADV_DONTNEED);
	SC("ma_nomap_normal", SYS_madvise, B + 0x900000, P, MADV_NORMAL);
	SC("ma_wipe_file", SYS_madvise, B + 0x101000, P, MADV_WIPEONFORK);
	SC("ma_wipe", SYS_madvise, B + 0x800000, P, MADV_WIPEONFORK);
	SC("ma_free_file", SYS_madvise, B + 0x101000, P, MADV_FREE);
	SC("ma_cold", SYS_madvise, B + 0x800000, P, MADV_COLD);
	SC("ma_pageout", SYS_madvise, B + 0x800000, P, MADV_PAGEOUT);
	SC("ma_willneed", SYS_madvise, B + 0x800000, P, MADV_WILLNEED);
	SC("ma_willneed_file", SYS_madvise, B + 0x101000, P, MADV_WILLNEED);
	SC("ma_popr", SYS_madvise, B + 0x800000, P, MADV_POPULATE_READ);
	SC("ma_popw", SYS_madvise, B + 0x800000, P, MADV_POPULATE_WRITE);
	SC("ma_popw_ro", SYS_madvise, B + 0x101000, P, MADV_POPULATE_WRITE);
	SC("ma_remove", SYS_madvise, B + 0x800000, P, MADV_REMOVE);
	SC("ma_merge", SYS_madvise, B + 0x800000, P, MADV_MERGEABLE);
	SC("ma_collapse", SYS_madvise, B + 0x800000, P, 25);
	SC("ma_dontneed_locked", SYS_madvise, B + 0x800000, P, 24);
	SC("ma_hwpoison", SYS_madvise, B + 0x800000, P, 100);
	SC("ma_dodump_gd", SYS_madvise, B + 0x803000, P, MADV_DODUMP);
	maps("madvise", B + 0x800000, B + 0x900000);
	/* mlock */
	SC("ml_base", SYS_mlock, B + 0x800000, 2 * P);
	SC("ml_hole", SYS_mlock, B + 0x807000, 3 * P);
	SC("ml_unal", SYS_mlock, B + 0x800001, P);
	SC("ml_len0", SYS_mlock, B + 0x800000, 0);
	SC("ml2_badflags", SYS_mlock2, B + 0x800000, P, 2);
	SC("ml2_onfault", SYS_mlock2, B + 0x804000, P, 1);
	SC("mu", SYS_munlock, B + 0x800000, P);
	SC("mla_bad", SYS_mlockall, 0);
	SC("mla_bad2", SYS_mlockall, MCL_ONFAULT);
	SC("mla_bad3", SYS_mlockall, 8);
	maps("mlock", B + 0x800000, B + 0x900000);
	smaps_flags(B + 0x800000, B + 0x900000);
	SX("g_base", SYS_mmap, B + 0xa00000, 4 * P, PROT_READ | PROT_WRITE, A, -1, 0);
	SC("ma_guard", SYS_madvise, B + 0xa01000, P, 102);
	SC("ml_guard", SYS_mlock, B + 0xa00000, 4 * P);
	SC("mc_guard", SYS_mincore, B + 0xa00000, 4 * P, vec);
	smaps_flags(B + 0xa00000, B + 0xb00000);
	/* mincore / msync */
	SC("mc_unal", SYS_mincore, B + 0x800001, P, vec);
	SC("mc_len0", SYS_mincore, B + 0x800000, 0, vec);
	SC("mc_ok", SYS_mincore, B + 0x800000, 2 * P, vec);
	SC("mc_hole", SYS_mincore, B + 0x807000, 3 * P, vec);
	SC("mc_efault", SYS_mincore, B + 0x800000, P, (void *)8);
	SC("mc_high", SYS_mincore, 0x7ffffffff000UL, 2 * P, vec);
	SC("ms_unal", SYS_msync, B + 0x800001, P, MS_ASYNC);
	SC("ms_both", SYS_msync, B + 0x800000, P, MS_ASYNC | MS_SYNC);
	SC("ms_bad", SYS_msync, B + 0x800000, P, 8);
	SC("ms_ok", SYS_msync, B + 0x800000, P, MS_SYNC);
	SC("ms_len0", SYS_msync, B + 0x800000, 0, MS_SYNC);
	SC("ms_hole", SYS_msync, B + 0x807000, 3 * P, MS_SYNC);
	SC("ms_nomap", SYS_msync, B + 0x900000, P, MS_SYNC);
	SC("ms_inval_locked", SYS_msync, B + 0x801000, P, MS_INVALIDATE);
	/* brk */
	long b0 = syscall(SYS_brk, 0);
	printf("brk0: %lx\n", b0);
	SX("brk_grow", SYS_brk, b0 + 0x21000);
	SX("brk_low", SYS_brk, 0x1000);
	SX("brk_shrink", SYS_brk, b0 + 0x1000);
	SX("brk_unal", SYS_brk, b0 + 0x1234);
	SX("brk_huge", SYS_brk, 0x7fff00000000UL);
	struct rlimit rl = { 0x30000, 0x30000 };
	setrlimit(RLIMIT_DATA, &rl);
	SX("brk_rlim", SYS_brk, b0 + 0x100000);
	SX("mmap_rlim", SYS_mmap, 0, 0x100000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SX("mmap_rlim_ro", SYS_mmap, 0, 0x100000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SX("mmap_rlim_sh", SYS_mmap, 0, 0x100000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return 0;
}

/*
 * The memory system calls against the live Linux 6.18 kernel of the development machine.
 *
 * Goldens come from the probe programs in tests/oracle/probes/, run on that machine as root
 * with ASLR off:
 *   gcc -O0 -o /tmp/probe_layout tests/oracle/probes/probe_layout.c && setarch -R /tmp/probe_layout
 *   gcc -O0 -o /tmp/probe_ops tests/oracle/probes/probe_ops.c && setarch -R /tmp/probe_ops
 *   gcc -O0 -o /tmp/probe_shmem tests/oracle/probes/probe_shmem.c && setarch -R /tmp/probe_shmem
 *   gcc -O0 -o /tmp/probe_mremap_multi tests/oracle/probes/probe_mremap_multi.c &&
 *     setarch -R /tmp/probe_mremap_multi
 * The layout test first maps the ranges the live process already had (binary, heap, libc,
 * ld.so, [vvar]/[vdso], [stack]) and then makes the probe's calls in its order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "mmsim/mmsim.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "fs/fs.h"
#include "mm/mman.h"
#include "mm/mmap.h"
#include "mm/vma.h"
#include "mm/slab.h"
#include "mm/page_alloc.h"
#include "hw/machine_desc.h"

struct env {
	mmsim_machine *m;
	struct mm_sys *ms;
	struct mm_struct *mm;
	struct task_struct *t;
};

static struct env *env_new(void)
{
	mmsim_config *cfg = NULL;
	struct mmsim_error err = { 0 };
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	assert_int_equal(mmsim_config_new(&cfg), 0);
	assert_int_equal(mmsim_config_set(cfg, "ram", "2G", &err), 0);
	assert_int_equal(mmsim_boot(cfg, &e->m, &err), 0);
	mmsim_config_free(cfg);
	e->ms = &((struct mmsim_machine *)e->m)->mm;
	if (!e->ms->vm_area_cachep)
		assert_int_equal(vma_caches_init(e->ms), 0);
	/* the task and mm built by hand, as exec would leave them for setarch -R as root */
	e->mm = calloc(1, sizeof(*e->mm));
	e->t = calloc(1, sizeof(*e->t));
	assert_non_null(e->mm);
	assert_non_null(e->t);
	e->mm->ms = e->ms;
	vma_tree_init(&e->mm->mm_mt, e->ms);
	assert_int_equal(pgtable_init(&e->mm->pgd, e->ms, machine_desc_paging(e->ms->desc), 0), 0);
	e->mm->mm_users = e->mm->mm_count = 1;
	for (int i = 0; i < RLIM_NLIMITS; i++)
		e->t->rlim[i] = (struct rlimit){ RLIM_INFINITY, RLIM_INFINITY };
	e->t->rlim[RLIMIT_STACK] = (struct rlimit){ 8 << 20, RLIM_INFINITY };
	e->t->rlim[RLIMIT_MEMLOCK] = (struct rlimit){ 8 << 20, 8 << 20 };
	e->t->personality = ADDR_NO_RANDOMIZE;
	e->t->cap_ipc_lock = true;	/* root */
	e->t->cap_sys_rawio = true;
	e->t->mm = e->mm;
	arch_pick_mmap_layout(e->mm, e->t);
	return e;
}

static void env_free(struct env *e)
{
	exit_mmap(e->mm);
	vma_tree_destroy(&e->mm->mm_mt);
	pgtable_destroy(&e->mm->pgd);
	free(e->mm);
	free(e->t);
	mmsim_machine_free(e->m);
	free(e);
}

static void check_mm(struct env *e)
{
	struct mmsim_error err = { 0 };
	char msg[512];
	if (mm_validate(e->mm, &err)) {
		mmsim_error_format(&err, msg, sizeof(msg));
		fail_msg("mm_validate: %s", msg);
	}
}

#define A (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)
#define FIX (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

/* mmap_base with ASLR off and an 8 MiB stack: ld.so ends there on the live kernel. */
static void test_layout_base(void **state)
{
	(void)state;
	struct env *e = env_new();
	assert_int_equal(e->mm->mmap_base, 0x7ffff7fff000ull);
	assert_true(e->mm->flags & MMF_TOPDOWN);
	/* unlimited stack: legacy bottom-up layout (live: libraries below the binary) */
	e->t->rlim[RLIMIT_STACK].rlim_cur = RLIM_INFINITY;
	arch_pick_mmap_layout(e->mm, e->t);
	assert_false(e->mm->flags & MMF_TOPDOWN);
	assert_int_equal(e->mm->mmap_base, 0x2aaaaaaab000ull);
	env_free(e);
}

struct call { const char *name; uint64_t addr, len, prot, flags; int64_t fd; uint64_t off; int64_t want; };

static void test_layout_probe(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct task_struct *t = e->t;
	/* what the live process had mapped before its first call (probe_layout's maps) */
	static const uint64_t pre[][2] = {
		{ 0x555555554000, 0x555555559000 }, { 0x55555555a000, 0x55555557b000 },
		{ 0x7ffff7dd0000, 0x7ffff7fb5000 }, { 0x7ffff7fc0000, 0x7ffff7fff000 },
	};
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		assert_int_equal(sys_mmap(t, pre[i][0], pre[i][1] - pre[i][0], PROT_READ | PROT_EXEC,
					  FIX, -1, 0), (int64_t)pre[i][0]);
	assert_int_equal(sys_mmap(t, 0x7ffffffde000, 0x21000, RW, FIX | MAP_GROWSDOWN, -1, 0),
			 0x7ffffffde000);
	static const struct call calls[] = {
		{ "len0", 0, 0, RW, A, -1, 0, -EINVAL },
		{ "lenhuge", 0, (uint64_t)-4096, RW, A, -1, 0, -ENOMEM },
		{ "lenover", 0, UINT64_MAX, RW, A, -1, 0, -ENOMEM },
		{ "offunaligned", 0, 4096, RW, A, -1, 1, -EINVAL },
		{ "maptype0", 0, 4096, RW, MAP_ANONYMOUS, -1, 0, -EINVAL },
		{ "maptype5", 0, 4096, RW, 5 | MAP_ANONYMOUS, -1, 0, -EINVAL },
		{ "validate_unknown", 0, 4096, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | 0x800000, -1, 0, -EINVAL },
		{ "shared_unknown", 0, 4096, RW, MAP_SHARED | MAP_ANONYMOUS | 0x800000, -1, 0, 0x7ffff7fbf000 },
		{ "badfd", 0, 4096, RW, MAP_PRIVATE, 999, 0, -EBADF },
		{ "anon_badfd", 0, 4096, RW, A, 999, 0, 0x7ffff7fbe000 },
		{ "fixed_unaligned", 0x10000001, 4096, RW, FIX, -1, 0, -EINVAL },
		{ "fixed_low", 0x1000, 4096, RW, FIX, -1, 0, 0x1000 },
		{ "fixed_zero", 0, 4096, RW, FIX, -1, 0, 0 },
		{ "hint_low", 0x1000, 4096, RW, A, -1, 0, 0x10000 },
		{ "fixed_high", 0x7ffffffff000, 8192, RW, FIX, -1, 0, -ENOMEM },
		{ "hint_high", 0x7fffffffe000, 8192, RW, A, -1, 0, 0x7ffff7fbc000 },
		{ "hugetlb", 0, 2 << 20, RW, A | MAP_HUGETLB, -1, 0, -ENOMEM },
		{ "hugetlb_1g", 0, 1 << 30, RW, A | MAP_HUGETLB | (30u << MAP_HUGE_SHIFT), -1, 0, -ENOMEM },
		{ "hugetlb_bad", 0, 2 << 20, RW, A | MAP_HUGETLB | (22u << MAP_HUGE_SHIFT), -1, 0, -EINVAL },
		{ "hugetlb_unal", 0, 4096, RW, A | MAP_HUGETLB, -1, 0, -ENOMEM },
		{ "a1", 0, 4096, RW, A, -1, 0, 0x7ffff7fbb000 },
		{ "a2", 0, 4096, RW, A, -1, 0, 0x7ffff7fba000 },
		{ "a3_ro", 0, 4096, PROT_READ, A, -1, 0, 0x7ffff7fb9000 },
		{ "thp2m", 0, 2 << 20, RW, A, -1, 0, 0x7ffff7a00000 },
		{ "thp4m", 0, 4 << 20, RW, A, -1, 0, 0x7ffff7600000 },
		{ "thp2m4k", 0, (2 << 20) + 4096, RW, A, -1, 0, 0x7ffff73ff000 },
		{ "shanon2m", 0, 2 << 20, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0, 0x7ffff71ff000 },
		{ "stack", 0, 65536, RW, A | MAP_STACK, -1, 0, 0x7ffff7dc0000 },
		{ "growsdown", 0, 65536, RW, A | MAP_GROWSDOWN, -1, 0, 0x7ffff7db0000 },
		{ "after_gd", 0, 4096, RW, A, -1, 0, 0x7ffff7fb8000 },
		{ "m32", 0, 4096, RW, A | MAP_32BIT, -1, 0, 0x40000000 },
		{ "m32b", 0, 4096, RW, A | MAP_32BIT, -1, 0, 0x40001000 },
		{ "noreserve", 0, 8192, RW, A | MAP_NORESERVE, -1, 0, 0x7ffff7fb6000 },
		{ "prot_bad", 0, 4096, 0x10, A, -1, 0, 0x7ffff7fb5000 },
		{ "prot_sem", 0, 4096, PROT_READ | PROT_SEM, A, -1, 0, 0x7ffff7caf000 },
		{ "prot_gd", 0, 4096, PROT_READ | PROT_GROWSDOWN, A, -1, 0, 0x7ffff7cae000 },
	};
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		const struct call *c = &calls[i];
		int64_t r = sys_mmap(t, c->addr, c->len, c->prot, c->flags, c->fd, c->off);
		if (r != c->want)
			fail_msg("%s: got %#llx (%lld), live kernel %#llx", c->name, (unsigned long long)r,
				 (long long)r, (unsigned long long)c->want);
		check_mm(e);
	}
	/* merges the live maps show: the three THP-placed mappings are one VMA, so are the
	   PROT_SEM and PROT_GROWSDOWN ones; MAP_STACK (VM_NOHUGEPAGE) merges with nothing */
	struct vm_area_struct *v = vma_lookup(e->mm, 0x7ffff7500000);
	assert_non_null(v);
	assert_int_equal(v->vm_start, 0x7ffff73ff000);
	assert_int_equal(v->vm_end, 0x7ffff7c00000);
	v = vma_lookup(e->mm, 0x7ffff7cae000);
	assert_int_equal(v->vm_start, 0x7ffff7cae000);
	assert_int_equal(v->vm_end, 0x7ffff7cb0000);
	v = vma_lookup(e->mm, 0x7ffff7dc0000);
	assert_int_equal(v->vm_end, 0x7ffff7dd0000);
	assert_true(v->vm_flags & VM_NOHUGEPAGE);
	v = vma_lookup(e->mm, 0x7ffff7fb6000);	/* noreserve: no VM_ACCOUNT, not merged */
	assert_int_equal(v->vm_end, 0x7ffff7fb8000);
	assert_false(v->vm_flags & VM_ACCOUNT);
	assert_true(v->vm_flags & VM_NORESERVE);
	v = vma_lookup(e->mm, 0x40000000);
	assert_int_equal(v->vm_end, 0x40002000);
	v = vma_lookup(e->mm, 0);
	assert_int_equal(v->vm_end, 0x2000);
	env_free(e);
}

#define B 0x200000000ull
#define P 4096ull
struct op { const char *name; int kind; uint64_t a, b, c, d, e; int64_t want; };
enum { MMAP, MUNMAP, MPROT, MREMAP, MADV, MLOCK, MLOCK2, MUNLOCK, MLOCKALL, MINCORE, MSYNC };

static int64_t do_op(struct env *e, const struct op *o)
{
	static uint8_t vec[64];
	switch (o->kind) {
	case MMAP: return sys_mmap(e->t, o->a, o->b, o->c, o->d, -1, 0);
	case MUNMAP: return sys_munmap(e->t, o->a, o->b);
	case MPROT: return sys_mprotect(e->t, o->a, o->b, o->c);
	case MREMAP: return sys_mremap(e->t, o->a, o->b, o->c, o->d, o->e);
	case MADV: return sys_madvise(e->t, o->a, o->b, (int64_t)o->c);
	case MLOCK: return sys_mlock(e->t, o->a, o->b);
	case MLOCK2: return sys_mlock2(e->t, o->a, o->b, o->c);
	case MUNLOCK: return sys_munlock(e->t, o->a, o->b);
	case MLOCKALL: return sys_mlockall(e->t, o->a);
	case MINCORE: return sys_mincore(e->t, o->a, o->b, o->c ? NULL : vec, sizeof(vec));
	case MSYNC: return sys_msync(e->t, o->a, o->b, o->c);
	}
	return -ENOSYS;
}

/* The VMAs of [lo, hi) as "start-end flags" pairs, for comparing with the live maps. */
static void expect_vmas(struct env *e, uint64_t lo, uint64_t hi, const uint64_t (*want)[3], size_t n)
{
	size_t i = 0;
	for (struct vm_area_struct *v = find_vma(e->mm, lo); v && v->vm_start < hi;
	     v = find_vma(e->mm, v->vm_end), i++) {
		if (i >= n)
			fail_msg("extra VMA %#llx-%#llx", (unsigned long long)v->vm_start,
				 (unsigned long long)v->vm_end);
		if (v->vm_start != want[i][0] || v->vm_end != want[i][1] ||
		    (v->vm_flags & 0xffffffff) != want[i][2])
			fail_msg("VMA %zu: %#llx-%#llx flags %#llx, live %#llx-%#llx %#llx", i,
				 (unsigned long long)v->vm_start, (unsigned long long)v->vm_end,
				 (unsigned long long)v->vm_flags, (unsigned long long)want[i][0],
				 (unsigned long long)want[i][1], (unsigned long long)want[i][2]);
	}
	assert_int_equal(i, n);
}

static void run_ops(struct env *e, const struct op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int64_t r = do_op(e, &ops[i]);
		if (r != ops[i].want)
			fail_msg("%s: got %#llx (%lld), live kernel %#llx (%lld)", ops[i].name,
				 (unsigned long long)r, (long long)r, (unsigned long long)ops[i].want,
				 (long long)ops[i].want);
		check_mm(e);
	}
}

/* probe_ops: munmap and mprotect */
static void test_munmap_mprotect(void **state)
{
	(void)state;
	struct env *e = env_new();
	static const struct op ops[] = {
		{ "m10", MMAP, B, 10 * P, RW, FIX, 0, (int64_t)B },
		{ "munmap_mid", MUNMAP, B + 2 * P, 2 * P, 0, 0, 0, 0 },
		{ "munmap_unal", MUNMAP, B + 1, P, 0, 0, 0, -EINVAL },
		{ "munmap_len0", MUNMAP, B, 0, 0, 0, 0, -EINVAL },
		{ "munmap_hole", MUNMAP, B + 2 * P, P, 0, 0, 0, 0 },
		{ "munmap_over", MUNMAP, 0x7ffffffff000, 2 * P, 0, 0, 0, -EINVAL },
		{ "munmap_high", MUNMAP, 0xffff800000000000, P, 0, 0, 0, -EINVAL },
		{ "munmap_lenunal", MUNMAP, B + 9 * P, 1, 0, 0, 0, 0 },
		{ "mprot_unal", MPROT, B + 1, P, PROT_READ, 0, 0, -EINVAL },
		{ "mprot_len0", MPROT, B, 0, PROT_READ, 0, 0, 0 },
		{ "mprot_badprot", MPROT, B, P, 0x10, 0, 0, -EINVAL },
		{ "mprot_both_grows", MPROT, B, P, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP, 0, 0, -EINVAL },
		{ "mprot_grows_nogd", MPROT, B, P, PROT_READ | PROT_GROWSDOWN, 0, 0, -EINVAL },
		{ "mprot_hole", MPROT, B, 6 * P, PROT_READ, 0, 0, -ENOMEM },
		{ "mprot_nomap", MPROT, B + 2 * P, P, PROT_READ, 0, 0, -ENOMEM },
		{ "mprot_split", MPROT, B + 5 * P, 2 * P, PROT_READ | PROT_EXEC, 0, 0, 0 },
		{ "mprot_merge", MPROT, B + 4 * P, 6 * P, PROT_READ, 0, 0, -ENOMEM },
	};
	run_ops(e, ops, sizeof(ops) / sizeof(ops[0]));
	/* live: 200000000-200002000 r--p, 200004000-200009000 r--p (VM_ACCOUNT dropped: untouched) */
	static const uint64_t want[][3] = {
		{ B, B + 2 * P, VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC },
		{ B + 4 * P, B + 9 * P, VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC },
	};
	expect_vmas(e, B, B + 0x10000000, want, 2);
	static const struct op ops2[] = {
		{ "mprot_back", MPROT, B, 10 * P, RW, 0, 0, -ENOMEM },
		{ "gd", MMAP, B + 0x200000, 4 * P, RW, FIX | MAP_GROWSDOWN, 0, (int64_t)B + 0x200000 },
		{ "mprot_gd", MPROT, B + 0x202000, P, PROT_READ | PROT_GROWSDOWN, 0, 0, 0 },
	};
	run_ops(e, ops2, sizeof(ops2) / sizeof(ops2[0]));
	/* live: 200200000-200203000 r--p, 200203000-200204000 rw-p */
	struct vm_area_struct *v = vma_lookup(e->mm, B + 0x200000);
	assert_int_equal(v->vm_end, B + 0x203000);
	assert_false(v->vm_flags & VM_WRITE);
	v = vma_lookup(e->mm, B);
	assert_true(v->vm_flags & VM_WRITE);
	assert_true(v->vm_flags & VM_ACCOUNT);
	env_free(e);
}

/* probe_ops: mremap, madvise, mlock, mincore, msync */
static void test_mremap_madvise_mlock(void **state)
{
	(void)state;
	struct env *e = env_new();
	static const struct op ops[] = {
		{ "r_base", MMAP, B + 0x400000, 4 * P, RW, FIX, 0, (int64_t)B + 0x400000 },
		{ "rm_unal", MREMAP, B + 0x400001, P, 2 * P, 0, 0, -EINVAL },
		{ "rm_badflags", MREMAP, B + 0x400000, P, 2 * P, 8, 0, -EINVAL },
		{ "rm_fixed_nomove", MREMAP, B + 0x400000, P, 2 * P, MREMAP_FIXED, B + 0x500000, -EINVAL },
		{ "rm_newlen0", MREMAP, B + 0x400000, P, 0, 0, 0, -EINVAL },
		{ "rm_shrink", MREMAP, B + 0x400000, 4 * P, 2 * P, 0, 0, (int64_t)B + 0x400000 },
		{ "rm_grow", MREMAP, B + 0x400000, 2 * P, 3 * P, 0, 0, (int64_t)B + 0x400000 },
		{ "m_block", MMAP, B + 0x403000, P, PROT_READ, FIX, 0, (int64_t)B + 0x403000 },
		{ "rm_grow_blocked", MREMAP, B + 0x400000, 3 * P, 5 * P, 0, 0, -ENOMEM },
		{ "rm_grow_hole", MREMAP, B + 0x400000, 6 * P, 8 * P, 0, 0, -EFAULT },
		{ "rm_nomap", MREMAP, B + 0x480000, P, 2 * P, 0, 0, -EFAULT },
		{ "rm_fixed", MREMAP, B + 0x400000, 3 * P, 3 * P, MREMAP_MAYMOVE | MREMAP_FIXED, B + 0x600000, (int64_t)B + 0x600000 },
		{ "rm_fixed_overlap", MREMAP, B + 0x600000, 3 * P, 3 * P, MREMAP_MAYMOVE | MREMAP_FIXED, B + 0x601000, -EINVAL },
		{ "rm_dontunmap_diff", MREMAP, B + 0x600000, 3 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0, -EINVAL },
		{ "rm_dontunmap_nomove", MREMAP, B + 0x600000, 3 * P, 3 * P, MREMAP_DONTUNMAP, 0, -EINVAL },
		{ "rm_dup0_priv", MREMAP, B + 0x600000, 0, P, MREMAP_MAYMOVE, 0, -EINVAL },
		{ "ma_base", MMAP, B + 0x800000, 8 * P, RW, FIX, 0, (int64_t)B + 0x800000 },
		{ "ma_unal", MADV, B + 0x800001, P, MADV_DONTNEED, 0, 0, -EINVAL },
		{ "ma_len0", MADV, B + 0x800000, 0, MADV_DONTNEED, 0, 0, 0 },
		{ "ma_bad", MADV, B + 0x800000, P, 99, 0, 0, -EINVAL },
		{ "ma_dontfork", MADV, B + 0x801000, P, MADV_DONTFORK, 0, 0, 0 },
		{ "ma_dontdump", MADV, B + 0x803000, P, MADV_DONTDUMP, 0, 0, 0 },
		{ "ma_hugepage", MADV, B + 0x805000, P, MADV_HUGEPAGE, 0, 0, 0 },
		{ "ma_random", MADV, B + 0x806000, P, MADV_RANDOM, 0, 0, 0 },
		{ "ma_seq", MADV, B + 0x806000, P, MADV_SEQUENTIAL, 0, 0, 0 },
		{ "ma_hole", MADV, B + 0x807000, 3 * P, MADV_DONTFORK, 0, 0, -ENOMEM },
		{ "ma_hole_dn", MADV, B + 0x807000, 3 * P, MADV_DONTNEED, 0, 0, -ENOMEM },
		{ "ma_nomap", MADV, B + 0x900000, P, MADV_DONTNEED, 0, 0, -ENOMEM },
		{ "ma_wipe", MADV, B + 0x800000, P, MADV_WIPEONFORK, 0, 0, 0 },
		{ "ma_cold", MADV, B + 0x800000, P, MADV_COLD, 0, 0, 0 },
		{ "ma_popw", MADV, B + 0x800000, P, MADV_POPULATE_WRITE, 0, 0, 0 },
		{ "ma_remove", MADV, B + 0x800000, P, MADV_REMOVE, 0, 0, -EINVAL },
		{ "ma_merge", MADV, B + 0x800000, P, MADV_MERGEABLE, 0, 0, 0 },
		{ "ma_collapse", MADV, B + 0x800000, P, MADV_COLLAPSE, 0, 0, -EINVAL },
		{ "ma_hwpoison", MADV, B + 0x800000, P, MADV_HWPOISON, 0, 0, -EINVAL },
		{ "ma_dodump_gd", MADV, B + 0x803000, P, MADV_DODUMP, 0, 0, 0 },
		{ "ml_base", MLOCK, B + 0x800000, 2 * P, 0, 0, 0, 0 },
		{ "ml_hole", MLOCK, B + 0x807000, 3 * P, 0, 0, 0, -ENOMEM },
		{ "ml_unal", MLOCK, B + 0x800001, P, 0, 0, 0, 0 },
		{ "ml_len0", MLOCK, B + 0x800000, 0, 0, 0, 0, 0 },
		{ "ml2_badflags", MLOCK2, B + 0x800000, P, 2, 0, 0, -EINVAL },
		{ "ml2_onfault", MLOCK2, B + 0x804000, P, 1, 0, 0, 0 },
		{ "mu", MUNLOCK, B + 0x800000, P, 0, 0, 0, 0 },
		{ "mla_bad", MLOCKALL, 0, 0, 0, 0, 0, -EINVAL },
		{ "mla_bad2", MLOCKALL, MCL_ONFAULT, 0, 0, 0, 0, -EINVAL },
		{ "mla_bad3", MLOCKALL, 8, 0, 0, 0, 0, -EINVAL },
		{ "mc_unal", MINCORE, B + 0x800001, P, 0, 0, 0, -EINVAL },
		{ "mc_len0", MINCORE, B + 0x800000, 0, 0, 0, 0, 0 },
		{ "mc_ok", MINCORE, B + 0x800000, 2 * P, 0, 0, 0, 0 },
		{ "mc_hole", MINCORE, B + 0x807000, 3 * P, 0, 0, 0, -ENOMEM },
		{ "mc_efault", MINCORE, B + 0x800000, P, 1, 0, 0, -EFAULT },
		{ "mc_high", MINCORE, 0x7ffffffff000, 2 * P, 0, 0, 0, -ENOMEM },
		{ "ms_unal", MSYNC, B + 0x800001, P, MS_ASYNC, 0, 0, -EINVAL },
		{ "ms_both", MSYNC, B + 0x800000, P, MS_ASYNC | MS_SYNC, 0, 0, -EINVAL },
		{ "ms_bad", MSYNC, B + 0x800000, P, 8, 0, 0, -EINVAL },
		{ "ms_ok", MSYNC, B + 0x800000, P, MS_SYNC, 0, 0, 0 },
		{ "ms_len0", MSYNC, B + 0x800000, 0, MS_SYNC, 0, 0, 0 },
		{ "ms_hole", MSYNC, B + 0x807000, 3 * P, MS_SYNC, 0, 0, -ENOMEM },
		{ "ms_nomap", MSYNC, B + 0x900000, P, MS_SYNC, 0, 0, -ENOMEM },
		{ "ms_inval_locked", MSYNC, B + 0x801000, P, MS_INVALIDATE, 0, 0, -EBUSY },
	};
	run_ops(e, ops, sizeof(ops) / sizeof(ops[0]));
	/* live smaps VmFlags of 200800000-200808000 after these calls */
	const uint64_t base = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT;
	const uint64_t want[][3] = {
		{ B + 0x800000, B + 0x801000, base | VM_WIPEONFORK | VM_MERGEABLE },
		{ B + 0x801000, B + 0x802000, base | VM_LOCKED | VM_DONTCOPY },
		{ B + 0x802000, B + 0x804000, base },
		{ B + 0x804000, B + 0x805000, base | VM_LOCKED | VM_LOCKONFAULT },
		{ B + 0x805000, B + 0x806000, base | VM_HUGEPAGE },
		{ B + 0x806000, B + 0x807000, base | VM_SEQ_READ },
		{ B + 0x807000, B + 0x808000, base | VM_LOCKED | VM_DONTCOPY },
	};
	expect_vmas(e, B + 0x800000, B + 0x900000, want, 7);
	assert_int_equal(e->mm->locked_vm, 3);
	/* mremap results: live maps 200403000-200404000 r--p, 200600000-200603000 rw-p */
	assert_null(vma_lookup(e->mm, B + 0x400000));
	assert_int_equal(vma_lookup(e->mm, B + 0x600000)->vm_end, B + 0x603000);
	/* DONTUNMAP moves to where get_unmapped_area says; live 0x7ffff7fbd000 had libraries above */
	int64_t r = sys_mremap(e->t, B + 0x600000, 3 * P, 3 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	assert_int_equal(r, 0x7ffff7fff000 - 3 * P);
	assert_non_null(vma_lookup(e->mm, B + 0x600000));
	check_mm(e);
	env_free(e);
}

/* brk with the live probe's rules: below start_brk and over RLIMIT_DATA give the old brk back. */
static void test_brk(void **state)
{
	(void)state;
	struct env *e = env_new();
	uint64_t b0 = 0x55555557d000;
	e->mm->start_brk = e->mm->brk = b0;
	assert_int_equal(sys_brk(e->t, 0), (int64_t)b0);
	assert_int_equal(sys_brk(e->t, b0 + 0x21000), (int64_t)(b0 + 0x21000));
	assert_int_equal(sys_brk(e->t, 0x1000), (int64_t)(b0 + 0x21000));
	assert_int_equal(sys_brk(e->t, b0 + 0x1000), (int64_t)(b0 + 0x1000));
	assert_int_equal(sys_brk(e->t, b0 + 0x1234), (int64_t)(b0 + 0x1234));
	e->t->rlim[RLIMIT_DATA] = (struct rlimit){ 0x30000, 0x30000 };
	assert_int_equal(sys_brk(e->t, b0 + 0x100000), (int64_t)(b0 + 0x1234));
	/* live: a writable private 1 MiB mmap fails under RLIMIT_DATA, read-only and shared do not */
	assert_int_equal(sys_mmap(e->t, 0, 0x100000, RW, A, -1, 0), -ENOMEM);
	assert_true(sys_mmap(e->t, 0, 0x100000, PROT_READ, A, -1, 0) > 0);
	assert_true(sys_mmap(e->t, 0, 0x100000, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0) > 0);
	struct vm_area_struct *v = vma_lookup(e->mm, b0);
	assert_int_equal(v->vm_end, b0 + 0x2000);
	check_mm(e);
	env_free(e);
}

/* A snapshot of the VMA list: start, end, flags, pgoff of each. */
static size_t snapshot(struct env *e, uint64_t (*s)[4], size_t max)
{
	size_t n = 0;
	for (struct vm_area_struct *v = find_vma(e->mm, 0); v && n < max; v = find_vma(e->mm, v->vm_end), n++) {
		s[n][0] = v->vm_start;
		s[n][1] = v->vm_end;
		s[n][2] = v->vm_flags;
		s[n][3] = v->vm_pgoff;
	}
	return n;
}

/*
 * Out of memory during each kind of call (the page allocator emptied first, so the next
 * VMA object or tree node that needs a new slab page fails): the failing call leaves the same
 * VMA list and counters and a valid mm. (ms->fail_nth cannot show this: the slab allocator
 * retries a failed higher-order slab at its minimum order, which then succeeds.)
 */
static void test_out_of_memory(void **state)
{
	(void)state;
	for (int kind = 0; kind < 4; kind++) {
		struct env *e = env_new();
		uint64_t big = B + 0x1000000;
		assert_int_equal(sys_mmap(e->t, big, 4096 * P, RW, FIX, -1, 0), (int64_t)big);
		static uint64_t before[4096][4], after[4096][4];
		static struct page *held[1 << 20];
		size_t nheld = 0;
		int err;
		struct page *pg;
		while (nheld < (1u << 20) && (pg = alloc_pages(e->ms, 0, 0, 0, &err)) != NULL)
			held[nheld++] = pg;
		size_t nb = snapshot(e, before, 4096);
		uint64_t total = e->mm->total_vm, locked = e->mm->locked_vm;
		int64_t r = 0;
		for (int k = 0; k < 2000 && r >= 0; k++) {
			uint64_t a = big + (uint64_t)(2 * k + 1) * P;
			switch (kind) {
			case 0: r = sys_munmap(e->t, a, P); break;
			case 1: r = sys_mprotect(e->t, a, P, PROT_READ); break;
			case 2: r = sys_mmap(e->t, a, P, PROT_READ, FIX, -1, 0); break;
			case 3: r = sys_mremap(e->t, a, P, P, MREMAP_MAYMOVE | MREMAP_FIXED,
					       B + 0x20000000 + (uint64_t)k * 2 * P); break;
			}
			if (r >= 0) {
				nb = snapshot(e, before, 4096);
				total = e->mm->total_vm;
				locked = e->mm->locked_vm;
			}
		}
		while (nheld)
			__free_pages(e->ms, 0, held[--nheld], 0);
		assert_int_equal(r, -ENOMEM);
		size_t na = snapshot(e, after, 4096);
		assert_int_equal(na, nb);
		assert_memory_equal(before, after, na * sizeof(before[0]));
		assert_int_equal(e->mm->total_vm, total);
		assert_int_equal(e->mm->locked_vm, locked);
		check_mm(e);
		env_free(e);
	}
}

/*
 * probe_shmem, shared anonymous part. Live (smaps of the probe):
 *   200000000-200002000 rw-s 00000000 00:01 51  /dev/zero (deleted)   VmFlags: rd wr sh mr mw me ms
 *   200008000-20000c000 rw-s 00000000 00:01 52  /dev/zero (deleted)
 *   200100000-200108000 rw-s 00004000 00:01 51  /dev/zero (deleted)
 *   200200000-200204000 r--s 00000000 00:01 53  /dev/zero (deleted)   VmFlags: rd sh mr mw me ms
 * (inode numbers come from the machine-wide counter: only "same" / "different" is compared)
 */
static void test_shmem_anon(void **state)
{
	(void)state;
	struct env *e = env_new();
	const uint64_t S = MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED;
	const uint64_t data_before = e->mm->data_vm;
	const struct op ops[] = {
		{ "s1", MMAP, B, 8 * P, RW, S, 0, (int64_t)B },
		{ "s2", MMAP, B + 8 * P, 4 * P, RW, S, 0, (int64_t)B + 8 * P },
		{ "s1_hole", MUNMAP, B + 2 * P, 2 * P, 0, 0, 0, 0 },
		{ "s1_move", MREMAP, B + 4 * P, 4 * P, 8 * P, MREMAP_MAYMOVE | MREMAP_FIXED, B + 0x100000,
		  (int64_t)B + 0x100000 },
		{ "s3_ro", MMAP, B + 0x200000, 4 * P, PROT_READ, S, 0, (int64_t)B + 0x200000 },
	};
	run_ops(e, ops, sizeof(ops) / sizeof(ops[0]));
	const uint64_t rws = VM_READ | VM_WRITE | VM_SHARED | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
			     VM_MAYSHARE;
	const uint64_t want[][3] = {
		{ B, B + 2 * P, rws },
		{ B + 8 * P, B + 12 * P, rws },
		{ B + 0x100000, B + 0x108000, rws },
		{ B + 0x200000, B + 0x204000, rws & ~VM_WRITE },
	};
	expect_vmas(e, B, B + 0x300000, want, 4);
	struct vm_area_struct *v1 = vma_lookup(e->mm, B), *v2 = vma_lookup(e->mm, B + 8 * P);
	struct vm_area_struct *v3 = vma_lookup(e->mm, B + 0x100000);
	struct vm_area_struct *v4 = vma_lookup(e->mm, B + 0x200000);
	struct vm_area_struct *vs[] = { v1, v2, v3, v4 };
	for (size_t i = 0; i < 4; i++) {
		assert_true(file_is_shmem(vs[i]->vm_file));
		assert_int_equal(vs[i]->vm_file->f_inode->i_dev_major, 0);
		assert_int_equal(vs[i]->vm_file->f_inode->i_dev_minor, 1);
		assert_string_equal(vs[i]->vm_file->f_inode->i_path, "/dev/zero (deleted)");
	}
	/* the halves of s1 keep one file, the offsets go on; s2 and s3 are files of their own */
	assert_ptr_equal(v1->vm_file, v3->vm_file);
	assert_int_equal(v1->vm_pgoff, 0);
	assert_int_equal(v3->vm_pgoff, 4);
	assert_int_equal(v2->vm_pgoff, 0);
	assert_ptr_not_equal(v1->vm_file->f_inode, v2->vm_file->f_inode);
	assert_ptr_not_equal(v2->vm_file->f_inode, v4->vm_file->f_inode);
	assert_true(v1->vm_file->f_inode->i_ino != v2->vm_file->f_inode->i_ino);
	assert_false(v1->vm_flags & VM_ACCOUNT);	/* live VmFlags: no "ac" */
	/* shared mappings are not data (is_data_mapping): VmData as before */
	assert_int_equal(e->mm->data_vm, data_before);
	/* the file goes with its last VMA */
	struct mmsim_error err = { 0 };
	struct fs_state *fs = e->ms->fs;
	assert_int_equal(fs_validate(fs, &err), 0);
	assert_int_equal(sys_munmap(e->t, B, 2 * P), 0);
	assert_int_equal(v3->vm_file->f_count, 1);
	assert_int_equal(sys_munmap(e->t, B, 0x300000), 0);
	assert_int_equal(fs_validate(fs, &err), 0);
	check_mm(e);
	env_free(e);
}

/*
 * probe_shmem, MREMAP_DONTUNMAP part (mremap called through syscall() with all five
 * arguments). Live: d_badhint (new_addr 0xffffffff) -> EINVAL, d_overlap (new_addr inside
 * the source) -> EINVAL: DONTUNMAP implies a new address, so check_mremap_params checks the
 * fifth argument even without MREMAP_FIXED. d_move -> 0x200500000, and the source keeps
 * VM_ACCOUNT:
 *   200400000-20040c000 rw-p 00000000 00:00 0   VmFlags: rd wr mr mw me ac
 *   200500000-200504000 rw-p 00000000 00:00 0   VmFlags: rd wr mr mw me ac
 */
static void test_mremap_dontunmap(void **state)
{
	(void)state;
	struct env *e = env_new();
	const uint64_t D = MREMAP_MAYMOVE | MREMAP_DONTUNMAP;
	const struct op ops[] = {
		{ "d", MMAP, B + 0x400000, 12 * P, RW, FIX, 0, (int64_t)B + 0x400000 },
		{ "d_badhint", MREMAP, B + 0x404000, 4 * P, 4 * P, D, 0xffffffff, -EINVAL },
		{ "d_overlap", MREMAP, B + 0x404000, 4 * P, 4 * P, D, B + 0x406000, -EINVAL },
		{ "d_move", MREMAP, B + 0x404000, 4 * P, 4 * P, D | MREMAP_FIXED, B + 0x500000,
		  (int64_t)B + 0x500000 },
	};
	run_ops(e, ops, sizeof(ops) / sizeof(ops[0]));
	const uint64_t rwa = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT;
	const uint64_t want[][3] = {
		{ B + 0x400000, B + 0x40c000, rwa },
		{ B + 0x500000, B + 0x504000, rwa },
	};
	expect_vmas(e, B + 0x400000, B + 0x600000, want, 2);
	check_mm(e);
	env_free(e);
}

/*
 * probe_mremap_multi (tests/oracle/probes/probe_mremap_multi.c, run with setarch -R on the live
 * 6.18.44 kernel; the results and smaps below are its output): MREMAP_MAYMOVE|MREMAP_FIXED
 * with old_len == new_len moves every VMA of the range, keeping the gaps (6.17+ remap_move).
 * Live results: multi 0x201800000, startgap EFAULT, nomap EFAULT, single_tail 0x202800000,
 * nofixed 0x203000000, grow EFAULT, shrink 0x203800000, overlap EINVAL, dontunmap
 * 0x204800000, merge 0x205800000, locked 0x206800000 (VmLck 8 kB). Live smaps:
 *   201000000-201002000 rw-p rd wr mr mw me ac      (A's head stays)
 *   201800000-201802000 rw-p rd wr mr mw me ac      (A's tail)
 *   201802000-201803000 r--p rd mr mw me            (dgap: in the target's gap, survives)
 *   201804000-201807000 r--p rd mr mw me            (B; dover at 201805000 is gone)
 *   201807000-201809000 r-xp rd ex mr mw me         (C)
 *   201809000-20180a000 r--p rd mr mw me            (dtail: after the last VMA, survives)
 *   202800000-202802000 rw-p rd wr mr mw me ac
 *   203800000-203801000 rw-p rd wr mr mw me ac      (the shrink unmapped across s3a and s3b)
 *   204000000-204002000 rw-p rd wr mr mw me ac      (DONTUNMAP: the sources stay)
 *   204003000-204005000 r--p rd mr mw me
 *   204800000-204802000 rw-p rd wr mr mw me ac
 *   204803000-204805000 r--p rd mr mw me
 *   2057fe000-205802000 rw-p rd wr mr mw me ac      (merged with the target's neighbours)
 *   205802000-205806000 r--p rd mr mw me
 *   206000000-206001000 rw-p rd wr mr mw me ac
 *   206800000-206801000 rw-p rd wr mr mw me ac
 *   206801000-206803000 r--p rd mr mw me lo
 */
static void test_mremap_multi(void **state)
{
	(void)state;
	struct env *e = env_new();
	const uint64_t MF = MREMAP_MAYMOVE | MREMAP_FIXED, R = PROT_READ;
	/* source Sn, target Dn of case n */
	const uint64_t S1 = B + 0x1000000, D1 = B + 0x1800000, S2 = B + 0x2000000;
	const uint64_t D2 = B + 0x2800000, S3 = B + 0x3000000, D3 = B + 0x3800000;
	const uint64_t S4 = B + 0x4000000, D4 = B + 0x4800000, S5 = B + 0x5000000;
	const uint64_t D5 = B + 0x5800000, S6 = B + 0x6000000, D6 = B + 0x6800000;
	const struct op ops[] = {
		{ "a", MMAP, S1, 4 * P, RW, FIX, 0, (int64_t)S1 },
		{ "b", MMAP, S1 + 6 * P, 3 * P, R, FIX, 0, (int64_t)S1 + 6 * P },
		{ "c", MMAP, S1 + 9 * P, 2 * P, R | PROT_EXEC, FIX, 0, (int64_t)S1 + 9 * P },
		{ "dgap", MMAP, D1 + 2 * P, P, R, FIX, 0, (int64_t)D1 + 2 * P },
		{ "dtail", MMAP, D1 + 9 * P, P, R, FIX, 0, (int64_t)D1 + 9 * P },
		{ "dover", MMAP, D1 + 5 * P, P, RW, FIX, 0, (int64_t)D1 + 5 * P },
		{ "multi", MREMAP, S1 + 2 * P, 10 * P, 10 * P, MF, D1, (int64_t)D1 },
		{ "s2", MMAP, S2 + 2 * P, 2 * P, RW, FIX, 0, (int64_t)S2 + 2 * P },
		{ "startgap", MREMAP, S2, 4 * P, 4 * P, MF, D2, -EFAULT },
		{ "nomap", MREMAP, S2 + 0x100000, 4 * P, 4 * P, MF, D2, -EFAULT },
		{ "single_tail", MREMAP, S2 + 2 * P, 4 * P, 4 * P, MF, D2, (int64_t)D2 },
		{ "s3a", MMAP, S3, 2 * P, RW, FIX, 0, (int64_t)S3 },
		{ "s3b", MMAP, S3 + 2 * P, 2 * P, R, FIX, 0, (int64_t)S3 + 2 * P },
		{ "nofixed", MREMAP, S3, 4 * P, 4 * P, MREMAP_MAYMOVE, 0, (int64_t)S3 },
		{ "grow", MREMAP, S3, 4 * P, 5 * P, MF, D3, -EFAULT },
		{ "shrink", MREMAP, S3, 4 * P, P, MF, D3, (int64_t)D3 },
		{ "overlap", MREMAP, S3, 4 * P, 4 * P, MF, S3 + 2 * P, -EINVAL },
		{ "s4a", MMAP, S4, 2 * P, RW, FIX, 0, (int64_t)S4 },
		{ "s4b", MMAP, S4 + 3 * P, 2 * P, R, FIX, 0, (int64_t)S4 + 3 * P },
		{ "dontunmap", MREMAP, S4, 5 * P, 5 * P, MF | MREMAP_DONTUNMAP, D4, (int64_t)D4 },
		{ "s5a", MMAP, S5, 2 * P, RW, FIX, 0, (int64_t)S5 },
		{ "s5b", MMAP, S5 + 2 * P, 2 * P, R, FIX, 0, (int64_t)S5 + 2 * P },
		{ "d5prev", MMAP, D5 - 2 * P, 2 * P, RW, FIX, 0, (int64_t)D5 - 2 * P },
		{ "d5next", MMAP, D5 + 4 * P, 2 * P, R, FIX, 0, (int64_t)D5 + 4 * P },
		{ "merge", MREMAP, S5, 4 * P, 4 * P, MF, D5, (int64_t)D5 },
		{ "s6a", MMAP, S6, 2 * P, RW, FIX, 0, (int64_t)S6 },
		{ "s6b", MMAP, S6 + 2 * P, 2 * P, R, FIX, 0, (int64_t)S6 + 2 * P },
		{ "mlock", MLOCK, S6 + 2 * P, 2 * P, 0, 0, 0, 0 },
		{ "locked", MREMAP, S6 + P, 3 * P, 3 * P, MF, D6, (int64_t)D6 },
	};
	run_ops(e, ops, sizeof(ops) / sizeof(ops[0]));
	const uint64_t rwa = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
			     VM_ACCOUNT;
	const uint64_t ro = VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	const uint64_t want[][3] = {
		{ S1, S1 + 2 * P, rwa },
		{ D1, D1 + 2 * P, rwa },
		{ D1 + 2 * P, D1 + 3 * P, ro },
		{ D1 + 4 * P, D1 + 7 * P, ro },
		{ D1 + 7 * P, D1 + 9 * P, ro | VM_EXEC },
		{ D1 + 9 * P, D1 + 10 * P, ro },
		{ D2, D2 + 2 * P, rwa },
		{ D3, D3 + P, rwa },
		{ S4, S4 + 2 * P, rwa },
		{ S4 + 3 * P, S4 + 5 * P, ro },
		{ D4, D4 + 2 * P, rwa },
		{ D4 + 3 * P, D4 + 5 * P, ro },
		{ D5 - 2 * P, D5 + 2 * P, rwa },
		{ D5 + 2 * P, D5 + 6 * P, ro },
		{ S6, S6 + P, rwa },
		{ D6, D6 + P, rwa },
		{ D6 + P, D6 + 3 * P, ro | VM_LOCKED },
	};
	expect_vmas(e, S1, D6 + 0x100000, want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(e->mm->locked_vm, 2);	/* live VmLck: 8 kB */
	check_mm(e);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_base),
		cmocka_unit_test(test_layout_probe),
		cmocka_unit_test(test_munmap_mprotect),
		cmocka_unit_test(test_mremap_madvise_mlock),
		cmocka_unit_test(test_brk),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_shmem_anon),
		cmocka_unit_test(test_mremap_dontunmap),
		cmocka_unit_test(test_mremap_multi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

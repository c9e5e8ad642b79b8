/*
 * The MMU (src/hw/mmu.c) over real page tables written by src/mm/pgtable.c:
 *
 *  - every format: a translation walks nr_levels entries, gives the mapped physical
 *    address, sets A (and D on a store) in RAM as the hardware does, and the repeat hits
 *    the TLB with no memory reference;
 *  - faults: not present (at the right level), user/kernel, write, NX, SMEP, SMAP, CR0.WP,
 *    reserved bits, non-canonical addresses, arm64 access-flag faults, with the exact x86
 *    #PF error codes and arm64 ESR values;
 *  - the TLB as the hardware keeps it: a stale translation survives until flushed, global
 *    entries survive a CR3 write without PCID, a store to a clean cached page re-walks,
 *    the page-walk cache shortens walks, a shootdown counts its IPIs;
 *  - property: random mappings in every format, every mapped page translated through the
 *    MMU and compared with a reference map; unmapped pages fault.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmsim/mmsim.h"
#include "kernel/machine.h"
#include "hw/mmu.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "util/rng.h"

/* ---- fixture ------------------------------------------------------------------------ */

struct fix {
	mmsim_machine *m;
	struct pgtable pt;
	struct mmu *mmu;
	const struct pt_format *f;
};

static mmsim_machine *boot_fmt(const struct pt_format *f, const char *tlb, unsigned int cpus)
{
	static const char *const archs[] = { [ARCH_X86_64] = "x86_64", [ARCH_I386] = "i386",
					     [ARCH_ARM64] = "arm64" };
	mmsim_config *cfg = NULL;
	mmsim_machine *m = NULL;
	struct mmsim_error err = { 0 };
	char msg[1024], ncpu[8];

	snprintf(ncpu, sizeof(ncpu), "%u", cpus);
	assert_int_equal(mmsim_config_new(&cfg), 0);
	const char *kv[] = { "arch", archs[f->arch], "ram", "512M", "paging", f->name,
			     "tlb", tlb, "cpus", ncpu, NULL };
	for (int i = 0; kv[i]; i += 2) {
		if (mmsim_config_set(cfg, kv[i], kv[i + 1], &err) != 0) {
			mmsim_error_format(&err, msg, sizeof(msg));
			fail_msg("%s=%s: %s", kv[i], kv[i + 1], msg);
		}
	}
	if (mmsim_boot(cfg, &m, &err) != 0) {
		mmsim_error_format(&err, msg, sizeof(msg));
		fail_msg("boot: %s", msg);
	}
	mmsim_config_free(cfg);
	return m;
}

static void fix_init(struct fix *x, enum pt_format_id id, const char *tlb, unsigned int cpus)
{
	memset(x, 0, sizeof(*x));
	x->f = pt_format_get(id);
	assert_non_null(x->f);
	x->m = boot_fmt(x->f, tlb, cpus);
	assert_int_equal(pgtable_init(&x->pt, &x->m->mm, x->f, 0), 0);
	x->mmu = &x->m->cpu[0];
	for (unsigned int c = 0; c < cpus; c++) {
		assert_int_equal(mmu_set_root(&x->m->cpu[c], 0, x->pt.root[0], 0, false), 0);
		if (x->pt.root[1])
			assert_int_equal(mmu_set_root(&x->m->cpu[c], 1, x->pt.root[1], 0, false), 0);
	}
}

static void fix_check(struct fix *x)
{
	struct mmsim_error err = { 0 };
	char msg[1024];
	for (unsigned int c = 0; c < x->m->desc.nr_cpus; c++) {
		if (mmu_validate(&x->m->cpu[c], &err)) {
			mmsim_error_format(&err, msg, sizeof(msg));
			fail_msg("mmu_validate: %s", msg);
		}
	}
	if (pgtable_validate(&x->pt, &err)) {
		mmsim_error_format(&err, msg, sizeof(msg));
		fail_msg("pgtable_validate: %s", msg);
	}
}

static void fix_free(struct fix *x)
{
	fix_check(x);
	pgtable_destroy(&x->pt);
	mmsim_machine_free(x->m);
}

/* A frame of 2^order base pages from the buddy allocator (freed with the machine). */
static uint64_t frame(struct fix *x, unsigned int order)
{
	int rc;
	struct page *p = alloc_pages(&x->m->mm, 0, MMSIM_GFP_KERNEL, order, &rc);
	assert_non_null(p);
	return page_to_pfn(&x->m->mm, p) << x->m->mm.page_shift;
}

/* The raw leaf entry of va. */
static uint64_t leaf_raw(struct fix *x, uint64_t va)
{
	struct pte_desc d;
	int level;
	uint64_t epa;
	assert_int_equal(pgtable_lookup(&x->pt, va, &d, &level, &epa), 0);
	return pgtable_read_entry(&x->pt, epa);
}

/* Change one control bit through mmu_set_ctl. */
#define SET_CTL(mmu, field, val) do {				\
	struct mmu_ctl c_ = (mmu)->ctl;				\
	c_.field = (val);					\
	mmu_set_ctl((mmu), &c_);				\
} while (0)

static int xlate(struct fix *x, uint64_t va, unsigned int access, struct mmu_xlat *xl,
		 struct mmu_fault *f)
{
	memset(xl, 0, sizeof(*xl));
	memset(f, 0, sizeof(*f));
	return mmu_translate(x->mmu, va, access, xl, f);
}

/* A user address every format can map (below 2 GiB, aligned to 1 GiB). */
#define UVA 0x40000000ull

/* ---- every format: walk, A/D, TLB hit ---------------------------------------------- */

static void test_walk_every_format(void **state)
{
	(void)state;
	for (int id = 0; id < NR_PT_FORMATS; id++) {
		struct fix x;
		if (!pt_format_get((enum pt_format_id)id))
			continue;
		const struct pt_format *f = pt_format_get((enum pt_format_id)id);
		fix_init(&x, f->id, f->arch == ARCH_ARM64 ? "cortex-a76" : "skylake", 1);
		uint64_t g = 1ull << f->granule_shift;
		uint64_t pa = frame(&x, f->granule_shift - 12);
		/* writable and clean: arm64 expresses that as read-only with DBM */
		uint32_t prot = PTE_USER | (f->id == PTF_I386_2L ? 0 : PTE_NX) |
				(f->arch == ARCH_ARM64 ? PTE_ACCESSED | PTE_DBM : PTE_WRITE);
		assert_int_equal(pgtable_map(&x.pt, UVA, pa, g, f->granule_shift, prot, 0), 0);

		struct mmu_xlat xl;
		struct mmu_fault fl;
		assert_int_equal(xlate(&x, UVA + 0x123, MMU_USER | MMU_READ, &xl, &fl), 0);
		assert_int_equal(xl.pa, pa + 0x123);
		assert_int_equal(xl.mem_refs, f->nr_levels);
		assert_int_equal(xl.tlb_level, 0);
		assert_int_equal(xl.page_shift, f->granule_shift);
		struct pte_desc d;
		assert_int_equal(f->ops->decode(f, f->nr_levels - 1, leaf_raw(&x, UVA), &d), 0);
		assert_true(d.prot & PTE_ACCESSED);
		assert_false(d.prot & PTE_DIRTY);

		/* the repeat hits the L1 dTLB: no memory reference */
		assert_int_equal(xlate(&x, UVA + 0x456, MMU_USER | MMU_READ, &xl, &fl), 0);
		assert_int_equal(xl.tlb_level, 1);
		assert_int_equal(xl.mem_refs, 0);
		assert_int_equal(xl.pa, pa + 0x456);

		/* a store to the clean cached page re-walks and sets D (arm64: clears AP[2]
		   of a DBM page; x86: D) */
		uint64_t walks = x.mmu->stats.walks;
		assert_int_equal(xlate(&x, UVA, MMU_USER | MMU_WRITE, &xl, &fl), 0);
		assert_int_equal(x.mmu->stats.walks, walks + 1);
		assert_int_equal(x.mmu->stats.dirty_walks, 1);
		assert_int_equal(f->ops->decode(f, f->nr_levels - 1, leaf_raw(&x, UVA), &d), 0);
		assert_true(d.prot & PTE_DIRTY);
		assert_true(d.prot & PTE_WRITE);
		/* and then stores hit */
		assert_int_equal(xlate(&x, UVA + 8, MMU_USER | MMU_WRITE, &xl, &fl), 0);
		assert_int_equal(xl.tlb_level, 1);
		fix_free(&x);
	}
}

/* ---- faults on x86_64 ------------------------------------------------------------------ */

static void test_x86_faults(void **state)
{
	(void)state;
	struct fix x;
	fix_init(&x, PTF_X86_64_4L, "skylake", 1);
	uint64_t ro = frame(&x, 0), kern = frame(&x, 0), nx = frame(&x, 0);
	assert_int_equal(pgtable_map(&x.pt, UVA, ro, 4096, 12, PTE_USER, 0), 0);
	assert_int_equal(pgtable_map(&x.pt, UVA + 0x1000, nx, 4096, 12,
				     PTE_USER | PTE_WRITE | PTE_NX, 0), 0);
	const uint64_t kva = 0xffff888000000000ull;
	assert_int_equal(pgtable_map(&x.pt, kva, kern, 4096, 12, PTE_WRITE | PTE_NX | PTE_GLOBAL,
				     0), 0);
	struct mmu_xlat xl;
	struct mmu_fault f;

	/* not present: the pte table exists for UVA, UVA + 2 pages has an empty pte */
	assert_int_equal(xlate(&x, UVA + 0x2000, MMU_USER | MMU_WRITE, &xl, &f),
			 MMU_FAULT_NOT_PRESENT);
	assert_int_equal(f.level, 3);
	assert_int_equal(f.code, 0x6);	/* W U */
	/* an address whose pud entry is empty stops at level 1 */
	assert_int_equal(xlate(&x, 0x80000000ull, MMU_USER, &xl, &f), MMU_FAULT_NOT_PRESENT);
	assert_int_equal(f.level, 1);
	assert_int_equal(f.code, 0x4);
	/* and one whose pgd entry is empty at level 0 */
	assert_int_equal(xlate(&x, 0x100000000000ull, MMU_USER, &xl, &f), MMU_FAULT_NOT_PRESENT);
	assert_int_equal(f.level, 0);

	/* write to read-only from user mode: P W U */
	assert_int_equal(xlate(&x, UVA, MMU_USER | MMU_WRITE, &xl, &f), MMU_FAULT_PROT);
	assert_int_equal(f.why, MMU_WHY_WRITE);
	assert_int_equal(f.code, 0x7);
	/* the kernel may write it only with CR0.WP clear */
	assert_int_equal(xlate(&x, UVA, MMU_WRITE, &xl, &f), MMU_FAULT_PROT);
	assert_int_equal(f.why, MMU_WHY_SMAP);	/* SMAP first: a kernel access to a user page */
	SET_CTL(x.mmu, smap, false);
	assert_int_equal(xlate(&x, UVA, MMU_WRITE, &xl, &f), MMU_FAULT_PROT);
	assert_int_equal(f.why, MMU_WHY_WRITE);
	assert_int_equal(f.code, 0x3);
	SET_CTL(x.mmu, wp, false);
	assert_int_equal(xlate(&x, UVA, MMU_WRITE, &xl, &f), 0);
	SET_CTL(x.mmu, wp, true);

	/* NX: fetch from a no-execute page, P U I */
	assert_int_equal(xlate(&x, UVA + 0x1000, MMU_USER | MMU_EXEC, &xl, &f), MMU_FAULT_PROT);
	assert_int_equal(f.why, MMU_WHY_EXEC);
	assert_int_equal(f.code, 0x15);
	/* SMEP: the kernel may not execute the user's read-only text */
	assert_int_equal(xlate(&x, UVA, MMU_EXEC, &xl, &f), MMU_FAULT_PROT);
	assert_int_equal(f.why, MMU_WHY_SMEP);
	assert_int_equal(f.code, 0x11);

	/* user access to the kernel's direct map: P U */
	assert_int_equal(xlate(&x, kva, MMU_USER, &xl, &f), MMU_FAULT_PROT);
	assert_int_equal(f.why, MMU_WHY_USER);
	assert_int_equal(f.code, 0x5);
	assert_int_equal(xlate(&x, kva + 8, MMU_WRITE, &xl, &f), 0);
	assert_int_equal(xl.pa, kern + 8);

	/* non-canonical: no walk, #GP */
	uint64_t walks = x.mmu->stats.walks;
	assert_int_equal(xlate(&x, 0x0000800000000000ull, MMU_USER, &xl, &f),
			 MMU_FAULT_NONCANONICAL);
	assert_int_equal(x.mmu->stats.walks, walks);

	/* a reserved bit: PS in a PML4 entry */
	struct pte_desc d;
	int level;
	uint64_t epa;
	assert_int_equal(pgtable_lookup(&x.pt, UVA, &d, &level, &epa), 0);
	uint64_t pml4e_pa = x.pt.root[0] + pt_index(x.f, 0, UVA) * 8;
	uint64_t old = pgtable_read_entry(&x.pt, pml4e_pa);
	pgtable_write_entry(&x.pt, pml4e_pa, old | 0x80);
	mmu_flush_all(x.mmu, false);
	assert_int_equal(xlate(&x, UVA, MMU_USER, &xl, &f), MMU_FAULT_RESERVED);
	assert_int_equal(f.level, 0);
	assert_int_equal(f.code, 0xd);	/* P U RSVD */
	pgtable_write_entry(&x.pt, pml4e_pa, old);
	assert_int_equal(x.mmu->stats.faults[MMU_FAULT_PROT], 6);
	fix_free(&x);
}

/* ---- arm64: AP bits, implicit PXN, access flag, ESR ---------------------------------- */

static void test_arm64_faults(void **state)
{
	(void)state;
	struct fix x;
	if (!pt_format_get(PTF_ARM64_4K_48))
		skip();
	fix_init(&x, PTF_ARM64_4K_48, "cortex-a76", 1);
	uint64_t a = frame(&x, 0), b = frame(&x, 0);
	/* a user page mapped without AF */
	assert_int_equal(pgtable_map(&x.pt, UVA, a, 4096, 12, PTE_USER | PTE_WRITE | PTE_PXN, 0),
			 0);
	/* user read-only, executable text */
	assert_int_equal(pgtable_map(&x.pt, UVA + 0x1000, b, 4096, 12,
				     PTE_USER | PTE_ACCESSED | PTE_PXN, 0), 0);
	struct mmu_xlat xl;
	struct mmu_fault f;

	SET_CTL(x.mmu, hw_af, false);
	assert_int_equal(xlate(&x, UVA, MMU_USER, &xl, &f), MMU_FAULT_ACCESS_FLAG);
	assert_int_equal(f.level, 3);
	/* ESR: EC 0x24 (data abort from EL0), IL, DFSC 0b001011 (access flag, level 3) */
	assert_int_equal(f.code, (0x24ull << 26) | (1ull << 25) | 0x0b);
	SET_CTL(x.mmu, hw_af, true);
	assert_int_equal(xlate(&x, UVA, MMU_USER, &xl, &f), 0);
	struct pte_desc d;
	assert_int_equal(x.f->ops->decode(x.f, 3, leaf_raw(&x, UVA), &d), 0);
	assert_true(d.prot & PTE_ACCESSED);

	/* EL0 store to read-only: permission fault level 3 with WnR */
	assert_int_equal(xlate(&x, UVA + 0x1000, MMU_USER | MMU_WRITE, &xl, &f), MMU_FAULT_PROT);
	assert_int_equal(f.code, (0x24ull << 26) | (1ull << 25) | (1ull << 6) | 0x0f);
	/* EL0 fetch from the text page works; EL1 fetch from it obeys PXN */
	assert_int_equal(xlate(&x, UVA + 0x1000, MMU_USER | MMU_EXEC, &xl, &f), 0);
	assert_int_equal(xlate(&x, UVA + 0x1000, MMU_EXEC, &xl, &f), MMU_FAULT_PROT);
	assert_int_equal(f.why, MMU_WHY_EXEC);
	assert_int_equal(f.code >> 26, 0x21);
	/* PAN: EL1 data access to an EL0 page */
	assert_int_equal(xlate(&x, UVA + 0x1000, MMU_READ, &xl, &f), MMU_FAULT_PROT);
	assert_int_equal(f.why, MMU_WHY_SMAP);
	/* translation fault at level 0 for an address with mixed top bits */
	assert_int_equal(xlate(&x, 0x0001000000000000ull, MMU_USER, &xl, &f),
			 MMU_FAULT_NONCANONICAL);
	assert_int_equal(f.code & 0x3f, 0x04);
	/* the kernel half goes through TTBR1: nothing mapped there */
	assert_int_equal(xlate(&x, 0xffff000000001000ull, MMU_READ, &xl, &f),
			 MMU_FAULT_NOT_PRESENT);
	assert_int_equal(f.level, 0);
	assert_int_equal(f.code, (0x25ull << 26) | (1ull << 25) | 0x04);
	fix_free(&x);
}

/* ---- TLB behaviour as the hardware has it -------------------------------------------- */

static void test_stale_tlb_until_flushed(void **state)
{
	(void)state;
	struct fix x;
	fix_init(&x, PTF_X86_64_4L, "skylake", 1);
	uint64_t pa = frame(&x, 0);
	assert_int_equal(pgtable_map(&x.pt, UVA, pa, 4096, 12, PTE_USER | PTE_WRITE, 0), 0);
	struct mmu_xlat xl;
	struct mmu_fault f;
	assert_int_equal(xlate(&x, UVA, MMU_USER, &xl, &f), 0);
	assert_int_equal(pgtable_unmap(&x.pt, UVA, 4096, NULL), 0);
	/* the TLB still translates the unmapped page: the kernel must flush */
	assert_int_equal(xlate(&x, UVA, MMU_USER, &xl, &f), 0);
	assert_int_equal(xl.tlb_level, 1);
	assert_int_equal(xl.pa, pa);
	mmu_flush_page(x.mmu, UVA);
	assert_int_equal(xlate(&x, UVA, MMU_USER, &xl, &f), MMU_FAULT_NOT_PRESENT);
	fix_free(&x);
}

static void test_global_entries_and_cr3(void **state)
{
	(void)state;
	struct fix x;
	fix_init(&x, PTF_X86_64_4L, "skylake", 1);
	uint64_t u = frame(&x, 0), k = frame(&x, 0);
	const uint64_t kva = 0xffff888000000000ull;
	assert_int_equal(pgtable_map(&x.pt, UVA, u, 4096, 12, PTE_USER, 0), 0);
	assert_int_equal(pgtable_map(&x.pt, kva, k, 4096, 12, PTE_GLOBAL, 0), 0);
	struct mmu_xlat xl;
	struct mmu_fault f;

	/* without PCID: a CR3 write flushes all but the global entries */
	SET_CTL(x.mmu, pcide, false);
	assert_int_equal(mmu_set_root(x.mmu, 0, x.pt.root[0], 0, false), 0);
	assert_int_equal(xlate(&x, UVA, MMU_USER, &xl, &f), 0);
	assert_int_equal(xlate(&x, kva, MMU_READ, &xl, &f), 0);
	assert_int_equal(mmu_set_root(x.mmu, 0, x.pt.root[0], 0, false), 0);
	assert_int_equal(xlate(&x, kva, MMU_READ, &xl, &f), 0);
	assert_int_equal(xl.tlb_level, 1);
	assert_int_equal(xlate(&x, UVA, MMU_USER, &xl, &f), 0);
	assert_int_equal(xl.tlb_level, 0);
	/* a PCID is refused without CR4.PCIDE */
	assert_int_equal(mmu_set_root(x.mmu, 0, x.pt.root[0], 5, false), -EINVAL);

	/* with PCID: switching to PCID 2 and back to 1 with no-flush keeps PCID 1's entries */
	SET_CTL(x.mmu, pcide, true);
	assert_int_equal(mmu_set_root(x.mmu, 0, x.pt.root[0], 1, false), 0);
	assert_int_equal(xlate(&x, UVA, MMU_USER, &xl, &f), 0);
	assert_int_equal(xl.tlb_level, 0);
	assert_int_equal(mmu_set_root(x.mmu, 0, x.pt.root[0], 2, false), 0);
	assert_int_equal(xlate(&x, UVA, MMU_USER, &xl, &f), 0);
	assert_int_equal(xl.tlb_level, 0);	/* PCID 2 has no entry of its own */
	assert_int_equal(mmu_set_root(x.mmu, 0, x.pt.root[0], 1, true), 0);
	assert_int_equal(xlate(&x, UVA, MMU_USER, &xl, &f), 0);
	assert_int_equal(xl.tlb_level, 1);	/* PCID 1's entry survived */
	/* misaligned root */
	assert_int_equal(mmu_set_root(x.mmu, 0, x.pt.root[0] + 8, 1, false), -EINVAL);
	fix_free(&x);
}

static void test_pwc_shortens_walks(void **state)
{
	(void)state;
	struct fix x;
	fix_init(&x, PTF_X86_64_4L, "skylake", 1);
	uint64_t pa = frame(&x, 1);
	assert_int_equal(pgtable_map(&x.pt, UVA, pa, 8192, 12, PTE_USER, 0), 0);
	struct mmu_xlat xl;
	struct mmu_fault f;
	assert_int_equal(xlate(&x, UVA, MMU_USER, &xl, &f), 0);
	assert_int_equal(xl.mem_refs, 4);
	/* the neighbour page shares every upper table: the PDE cache leaves one reference */
	assert_int_equal(xlate(&x, UVA + 4096, MMU_USER, &xl, &f), 0);
	assert_int_equal(xl.mem_refs, 1);
	assert_int_equal(xl.pa, pa + 4096);
	assert_int_equal(x.mmu->stats.walks, 2);
	assert_int_equal(x.mmu->stats.walk_refs, 5);
	fix_free(&x);
}

static void test_shootdown_ipis(void **state)
{
	(void)state;
	struct fix x;
	fix_init(&x, PTF_X86_64_4L, "skylake", 4);
	uint64_t pa = frame(&x, 0);
	assert_int_equal(pgtable_map(&x.pt, UVA, pa, 4096, 12, PTE_USER, 0), 0);
	struct mmu_xlat xl;
	struct mmu_fault f;
	for (unsigned int c = 0; c < 4; c++)
		assert_int_equal(mmu_translate(&x.m->cpu[c], UVA, MMU_USER, &xl, &f), 0);
	assert_int_equal(pgtable_unmap(&x.pt, UVA, 4096, NULL), 0);
	uint64_t mask = 0xb;	/* cpus 0, 1, 3 run the address space */
	mmu_shootdown(x.m->cpu, 4, 0, &mask, 0, UVA, UVA + 4096);
	assert_int_equal(x.m->cpu[0].stats.ipis_sent, 2);
	assert_int_equal(x.m->cpu[1].stats.ipis_received, 1);
	assert_int_equal(x.m->cpu[2].stats.ipis_received, 0);
	assert_int_equal(x.m->cpu[3].stats.ipis_received, 1);
	assert_int_equal(mmu_translate(&x.m->cpu[0], UVA, MMU_USER, &xl, &f),
			 MMU_FAULT_NOT_PRESENT);
	assert_int_equal(mmu_translate(&x.m->cpu[1], UVA, MMU_USER, &xl, &f),
			 MMU_FAULT_NOT_PRESENT);
	/* cpu 2 was not told: its TLB still has the stale translation */
	assert_int_equal(mmu_translate(&x.m->cpu[2], UVA, MMU_USER, &xl, &f), 0);
	assert_int_equal(mmu_translate(&x.m->cpu[3], UVA, MMU_USER, &xl, &f),
			 MMU_FAULT_NOT_PRESENT);
	fix_free(&x);
}

/* ---- property: random maps through the MMU --------------------------------------------- */

struct ref { uint64_t va, pa, size; uint32_t prot; };

static void property_format(enum pt_format_id id, uint64_t seed)
{
	struct fix x;
	fix_init(&x, id, "tiny", 1);
	const struct pt_format *f = x.f;
	struct rng r;
	rng_seed(&r, seed);
	struct ref refs[64];
	unsigned int n = 0;
	uint64_t task = f->split == PT_SPLIT_NONE ? 1ull << 31 : 1ull << (f->va_bits - 1);
	unsigned int shifts[PT_MAX_LEVELS], ns = 0;
	for (unsigned int l = 0; l < f->nr_levels; l++)
		if (f->level[l].leaf_ok && f->level[l].shift - 12u <= x.m->mm.max_order)
			shifts[ns++] = f->level[l].shift;

	for (unsigned int i = 0; i < 200 && n < 64; i++) {
		unsigned int sh = shifts[rng_below(&r, ns)];
		uint64_t size = 1ull << sh;
		uint64_t va = rng_below(&r, task >> sh) << sh;
		bool clash = false;
		for (unsigned int k = 0; k < n; k++)
			clash |= va < refs[k].va + refs[k].size && refs[k].va < va + size;
		if (clash || va == 0)
			continue;
		uint64_t pa = frame(&x, sh - 12);
		uint32_t prot = PTE_USER | PTE_ACCESSED |
				(rng_below(&r, 2) ? PTE_WRITE | PTE_DIRTY |
				 (f->arch == ARCH_ARM64 ? PTE_DBM : 0) : 0) |
				(f->id != PTF_I386_2L && rng_below(&r, 2) ? PTE_NX : 0);
		assert_int_equal(pgtable_map(&x.pt, va, pa, size, sh, prot, 0), 0);
		refs[n++] = (struct ref){ va, pa, size, prot };
	}
	fix_check(&x);
	for (unsigned int k = 0; k < n; k++) {
		struct mmu_xlat xl;
		struct mmu_fault fl;
		uint64_t off = rng_below(&r, refs[k].size);
		assert_int_equal(xlate(&x, refs[k].va + off, MMU_USER, &xl, &fl), 0);
		assert_int_equal(xl.pa, refs[k].pa + off);
		int w = xlate(&x, refs[k].va + off, MMU_USER | MMU_WRITE, &xl, &fl);
		assert_int_equal(w, refs[k].prot & PTE_WRITE ? 0 : MMU_FAULT_PROT);
		int e = xlate(&x, refs[k].va + off, MMU_USER | MMU_EXEC, &xl, &fl);
		assert_int_equal(e, refs[k].prot & PTE_NX ? MMU_FAULT_PROT : 0);
	}
	/* random addresses outside every mapping fault (not present) */
	for (unsigned int i = 0; i < 500; i++) {
		uint64_t va = rng_below(&r, task);
		bool mapped = false;
		for (unsigned int k = 0; k < n; k++)
			mapped |= va >= refs[k].va && va < refs[k].va + refs[k].size;
		struct mmu_xlat xl;
		struct mmu_fault fl;
		int rc = xlate(&x, va, MMU_USER, &xl, &fl);
		assert_int_equal(rc, mapped ? 0 : MMU_FAULT_NOT_PRESENT);
	}
	fix_free(&x);
}

static void test_property_every_format(void **state)
{
	(void)state;
	for (int id = 0; id < NR_PT_FORMATS; id++)
		if (pt_format_get((enum pt_format_id)id))
			for (uint64_t seed = 1; seed <= 3; seed++)
				property_format((enum pt_format_id)id, seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_every_format),
		cmocka_unit_test(test_x86_faults),
		cmocka_unit_test(test_arm64_faults),
		cmocka_unit_test(test_stale_tlb_until_flushed),
		cmocka_unit_test(test_global_entries_and_cr3),
		cmocka_unit_test(test_pwc_shortens_walks),
		cmocka_unit_test(test_shootdown_ipis),
		cmocka_unit_test(test_property_every_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

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
 *    MMU and compared with a reference map; unmapped pages fault;
 *  - the micro-TLB in front of the TLB (mmu.h): the same results, counters and entries in
 *    RAM as without it under random traffic, and never a stale answer after a flush, an
 *    ASID switch, a control-bit change, an eviction or a page-size change;
 *  - the x86-64 walk loop against the generic one on randomly damaged entries.
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

/* ---- the micro-TLB (mmu.h): exact, and never stale --------------------------------------- */

/* Would mmu_translate answer (va, access) from the micro-TLB right now? */
static bool utlb_live(const struct mmu *mmu, uint64_t va, unsigned int access)
{
	const struct mmu_utlb_entry *u = &mmu->utlb[mmu_utlb_index(va, access)];
	return u->tag == mmu_utlb_tag(va, access) && (u->allowed >> (access & 7) & 1) &&
	       *u->ver == u->ver_seen && u->gen == *mmu->tlb_gen;
}

/* The prot of page class c (0 read-only, 1 writable clean, 2 writable dirty, 3 kernel). */
static uint32_t class_prot(const struct pt_format *f, unsigned int c, bool nx)
{
	bool arm = f->arch == ARCH_ARM64;
	uint32_t p;
	switch (c & 3) {
	case 0: p = PTE_USER | PTE_ACCESSED; break;
	case 1: p = PTE_USER | (arm ? PTE_ACCESSED | PTE_DBM : PTE_WRITE); break;
	case 2: p = PTE_USER | PTE_WRITE | PTE_ACCESSED | PTE_DIRTY | (arm ? PTE_DBM : 0); break;
	default: p = PTE_WRITE | PTE_ACCESSED | PTE_DIRTY | (arm ? PTE_DBM : 0); break;
	}
	return p | (nx && f->id != PTF_I386_2L ? PTE_NX : 0);
}

#define FP_PAGES	48	/* pages touched: 40 mapped, 8 never */
#define FP_MAPPED	40

/* Everything one side can observe: stats of the MMU and TLB, occupancy, the leaf entries. */
static void fp_compare(struct fix *a, struct fix *b, uint64_t g)
{
	assert_memory_equal(&a->mmu->stats, &b->mmu->stats, sizeof(a->mmu->stats));
	struct tlb_stats ta = *tlb_stats(a->mmu->tlb), tb = *tlb_stats(b->mmu->tlb);
	assert_memory_equal(&ta, &tb, sizeof(ta));
	uint64_t o[2][3];
	tlb_occupancy(a->mmu->tlb, &o[0][0], &o[0][1], &o[0][2]);
	tlb_occupancy(b->mmu->tlb, &o[1][0], &o[1][1], &o[1][2]);
	assert_memory_equal(o[0], o[1], sizeof(o[0]));
	for (unsigned int i = 0; i < FP_PAGES; i++) {
		struct pte_desc da, db;
		int la, lb;
		uint64_t ea = 0, eb = 0;
		int ra = pgtable_lookup(&a->pt, UVA + i * g, &da, &la, &ea);
		int rb = pgtable_lookup(&b->pt, UVA + i * g, &db, &lb, &eb);
		assert_int_equal(ra, rb);
		assert_int_equal(la, lb);
		assert_int_equal(ea, eb);
		assert_int_equal(pgtable_read_entry(&a->pt, ea), pgtable_read_entry(&b->pt, eb));
	}
	fix_check(a);
	fix_check(b);
}

/*
 * The same random sequence of accesses, flushes, root switches, control-bit and table
 * changes on two identical machines, one with the micro-TLB and one without: every result,
 * fault record and counter (MMU, TLB per level, walk references, A/D updates) and every
 * entry in RAM must be the same, and the micro-TLB must have answered a good share.
 */
static void fast_path_format(enum pt_format_id id, const char *tlb, uint64_t seed)
{
	struct fix a, b;
	fix_init(&a, id, tlb, 1);
	fix_init(&b, id, tlb, 1);
	mmu_set_fast_path(b.mmu, false);
	const struct pt_format *f = a.f;
	uint64_t g = 1ull << f->granule_shift;
	uint64_t pa[FP_MAPPED];
	for (unsigned int i = 0; i < FP_MAPPED; i++) {
		pa[i] = frame(&a, f->granule_shift - 12);
		assert_int_equal(frame(&b, f->granule_shift - 12), pa[i]);
		uint32_t prot = class_prot(f, i, (i / 4) & 1);
		assert_int_equal(pgtable_map(&a.pt, UVA + i * g, pa[i], g, f->granule_shift, prot,
					     0), 0);
		assert_int_equal(pgtable_map(&b.pt, UVA + i * g, pa[i], g, f->granule_shift, prot,
					     0), 0);
	}
	/*
	 * A second region one large page further, mapped with one large page or with base
	 * pages and flipped between the two without a flush: the TLB then holds translations
	 * of two sizes for one address, and its pages share hint buckets with the first
	 * region's (2 MiB apart): the cases where the TLB's generation must move.
	 */
	unsigned int big = 0;
	for (unsigned int l = 0; l < f->nr_levels && !big; l++)
		if (f->level[l].leaf_ok && f->level[l].shift > f->granule_shift &&
		    f->level[l].shift - 12u <= a.m->mm.max_order)
			big = f->level[l].shift;
	uint64_t uva2 = big ? UVA + (1ull << big) : 0, pa2 = 0;
	bool big_mapped = true;
	if (big) {
		pa2 = frame(&a, big - 12);
		assert_int_equal(frame(&b, big - 12), pa2);
		assert_int_equal(pgtable_map(&a.pt, uva2, pa2, 1ull << big, big,
					     class_prot(f, 1, false), 0), 0);
		assert_int_equal(pgtable_map(&b.pt, uva2, pa2, 1ull << big, big,
					     class_prot(f, 1, false), 0), 0);
	}
	struct rng r;
	rng_seed(&r, seed);
	unsigned int fast = 0, hits = 0;
	for (unsigned int step = 0; step < 4000; step++) {
		unsigned int op = (unsigned int)rng_below(&r, 100);
		unsigned int pg = (unsigned int)rng_below(&r, FP_PAGES);
		uint64_t va = UVA + pg * g + rng_below(&r, g);
		if (op < 82) {
			/* mostly user loads and stores to a few hot pages, as a program does;
			   the rest any access anywhere */
			unsigned int acc = (unsigned int)rng_below(&r, 3) |
					   (rng_below(&r, 4) ? MMU_USER : 0);
			if (op < 60) {
				/* (the micro-TLB keeps 4 KiB pages: hot data in the first
				   4 KiB of each 16/64 KiB page too) */
				va = UVA + (pg % 6) * g + rng_below(&r, 4096);
				acc = MMU_USER | (unsigned int)rng_below(&r, 2);
				if (big && op < 20)
					va += uva2 - UVA;
			}
			struct mmu_xlat xa, xb;
			struct mmu_fault fa, fb;
			bool live = utlb_live(a.mmu, va, acc);
			int ra = xlate(&a, va, acc, &xa, &fa);
			int rb;
			memset(&xb, 0, sizeof(xb));
			memset(&fb, 0, sizeof(fb));
			rb = mmu_translate(b.mmu, va, acc, &xb, &fb);
			assert_int_equal(ra, rb);
			assert_memory_equal(&xa, &xb, sizeof(xa));
			assert_memory_equal(&fa, &fb, sizeof(fa));
			fast += live;
			hits += !ra && xa.tlb_level == 1;
			if (live)
				assert_int_equal(xa.tlb_level, 1);
			assert_false(utlb_live(b.mmu, va, acc));
		} else if (op < 86) {
			mmu_flush_page(a.mmu, va);
			mmu_flush_page(b.mmu, va);
		} else if (op < 87) {
			mmu_flush_asid(a.mmu, a.mmu->asid);
			mmu_flush_asid(b.mmu, b.mmu->asid);
		} else if (op < 88) {
			bool keep = rng_below(&r, 2);
			mmu_flush_all(a.mmu, keep);
			mmu_flush_all(b.mmu, keep);
		} else if (op < 91) {
			uint16_t asid = a.mmu->ctl.asid_bits ? (uint16_t)rng_below(&r, 3) : 0;
			bool noflush = rng_below(&r, 2);
			assert_int_equal(mmu_set_root(a.mmu, 0, a.pt.root[0], asid, noflush), 0);
			assert_int_equal(mmu_set_root(b.mmu, 0, b.pt.root[0], asid, noflush), 0);
		} else if (op < 93) {
			bool smap = !a.mmu->ctl.smap;
			SET_CTL(a.mmu, smap, smap);
			SET_CTL(b.mmu, smap, smap);
		} else if (op < 96 && pg < FP_MAPPED) {
			/* a permission change without a flush: the TLB keeps the old one */
			uint32_t prot = class_prot(f, (unsigned int)rng_below(&r, 4),
						   rng_below(&r, 2));
			assert_int_equal(pgtable_protect(&a.pt, UVA + pg * g, g, prot), 0);
			assert_int_equal(pgtable_protect(&b.pt, UVA + pg * g, g, prot), 0);
		} else if (op < 98 && pg < FP_MAPPED) {
			uint32_t prot = class_prot(f, (unsigned int)rng_below(&r, 4), false);
			assert_int_equal(pgtable_unmap(&a.pt, UVA + pg * g, g, NULL), 0);
			assert_int_equal(pgtable_unmap(&b.pt, UVA + pg * g, g, NULL), 0);
			assert_int_equal(pgtable_map(&a.pt, UVA + pg * g, pa[pg], g,
						     f->granule_shift, prot, 0), 0);
			assert_int_equal(pgtable_map(&b.pt, UVA + pg * g, pa[pg], g,
						     f->granule_shift, prot, 0), 0);
		} else if (op >= 98 && big && rng_below(&r, 2)) {
			/* flip the second region's page size, without a flush */
			unsigned int sh = big_mapped ? f->granule_shift : big;
			uint32_t prot = class_prot(f, 1, false);
			assert_int_equal(pgtable_unmap(&a.pt, uva2, 1ull << big, NULL), 0);
			assert_int_equal(pgtable_unmap(&b.pt, uva2, 1ull << big, NULL), 0);
			uint64_t sz = 1ull << big;
			assert_int_equal(pgtable_map(&a.pt, uva2, pa2, sz, sh, prot, 0), 0);
			assert_int_equal(pgtable_map(&b.pt, uva2, pa2, sz, sh, prot, 0), 0);
			big_mapped = !big_mapped;
		} else if (op >= 98) {
			tlb_reset_stats(a.mmu->tlb);
			tlb_reset_stats(b.mmu->tlb);
		}
		if (step % 250 == 0)
			fp_compare(&a, &b, g);
	}
	fp_compare(&a, &b, g);
	/* the micro-TLB answered most L1 hits: the comparison above tested it */
	assert_true(fast > hits / 4);
	assert_true(fast > 300);
	fix_free(&a);
	fix_free(&b);
}

static void test_fast_path_counts_like_slow_path(void **state)
{
	(void)state;
	fast_path_format(PTF_X86_64_4L, "skylake", 1);
	fast_path_format(PTF_X86_64_5L, "zen4", 2);
	fast_path_format(PTF_I386_PAE, "tiny", 3);
	fast_path_format(PTF_I386_2L, "skylake", 4);
	fast_path_format(PTF_ARM64_4K_48, "cortex-a76", 5);
	fast_path_format(PTF_ARM64_64K_48, "cortex-a76", 6);
}

/*
 * Each way the answer for a cached (page, access) can change empties or outdates its
 * micro-TLB entry: each check below would fail if the micro-TLB served the old answer.
 */
static void test_fast_path_invalidated(void **state)
{
	(void)state;
	struct fix x;
	fix_init(&x, PTF_X86_64_4L, "skylake", 1);
	const unsigned int UR = MMU_USER | MMU_READ, UW = MMU_USER | MMU_WRITE;
	uint64_t p1 = frame(&x, 0), p2 = frame(&x, 0);
	struct mmu_xlat xl;
	struct mmu_fault f;
	assert_int_equal(pgtable_map(&x.pt, UVA, p1, 4096, 12, PTE_USER | PTE_WRITE, 0), 0);

	/* walk, L1 hit (fills the micro-TLB), micro-TLB hit */
	assert_int_equal(xlate(&x, UVA, UR, &xl, &f), 0);
	assert_int_equal(xlate(&x, UVA, UR, &xl, &f), 0);
	assert_true(utlb_live(x.mmu, UVA, UR));
	assert_int_equal(xlate(&x, UVA + 0x10, UR, &xl, &f), 0);
	assert_int_equal(xl.pa, p1 + 0x10);

	/* a store to the clean page is another access: it re-walks to set D */
	assert_false(utlb_live(x.mmu, UVA, UW));
	assert_int_equal(xlate(&x, UVA, UW, &xl, &f), 0);
	assert_int_equal(x.mmu->stats.dirty_walks, 1);
	assert_int_equal(xl.tlb_level, 0);

	/* unmap + INVLPG: the next access faults */
	assert_int_equal(xlate(&x, UVA, UR, &xl, &f), 0);
	assert_int_equal(xlate(&x, UVA, UR, &xl, &f), 0);
	assert_true(utlb_live(x.mmu, UVA, UR));
	assert_int_equal(pgtable_unmap(&x.pt, UVA, 4096, NULL), 0);
	assert_int_equal(xlate(&x, UVA, UR, &xl, &f), 0);	/* stale, as the hardware */
	mmu_flush_page(x.mmu, UVA);
	assert_false(utlb_live(x.mmu, UVA, UR));
	assert_int_equal(xlate(&x, UVA, UR, &xl, &f), MMU_FAULT_NOT_PRESENT);

	/* remapped elsewhere, flushed through the TLB's own call: the new frame */
	assert_int_equal(pgtable_map(&x.pt, UVA, p2, 4096, 12, PTE_USER | PTE_WRITE, 0), 0);
	assert_int_equal(xlate(&x, UVA, UR, &xl, &f), 0);
	assert_int_equal(pgtable_unmap(&x.pt, UVA, 4096, NULL), 0);
	assert_int_equal(pgtable_map(&x.pt, UVA, p1, 4096, 12, PTE_USER | PTE_WRITE, 0), 0);
	assert_int_equal(xlate(&x, UVA, UR, &xl, &f), 0);
	assert_int_equal(xl.pa, p2);
	assert_true(utlb_live(x.mmu, UVA, UR));
	tlb_flush_all(x.mmu->tlb, false);
	assert_int_equal(xlate(&x, UVA, UR, &xl, &f), 0);
	assert_int_equal(xl.pa, p1);
	assert_int_equal(xl.tlb_level, 0);

	/* write-protect + INVLPG: the next store faults */
	assert_int_equal(xlate(&x, UVA, UW, &xl, &f), 0);
	assert_int_equal(xlate(&x, UVA, UW, &xl, &f), 0);
	assert_true(utlb_live(x.mmu, UVA, UW));
	assert_int_equal(pgtable_protect(&x.pt, UVA, 4096, PTE_USER), 0);
	mmu_flush_page(x.mmu, UVA);
	assert_int_equal(xlate(&x, UVA, UW, &xl, &f), MMU_FAULT_PROT);
	assert_int_equal(f.why, MMU_WHY_WRITE);

	/* a control bit: SMAP turned on forbids what a kernel read was allowed */
	SET_CTL(x.mmu, smap, false);
	assert_int_equal(xlate(&x, UVA, MMU_READ, &xl, &f), 0);
	assert_int_equal(xlate(&x, UVA, MMU_READ, &xl, &f), 0);
	assert_true(utlb_live(x.mmu, UVA, MMU_READ));
	SET_CTL(x.mmu, smap, true);
	assert_int_equal(xlate(&x, UVA, MMU_READ, &xl, &f), MMU_FAULT_PROT);
	assert_int_equal(f.why, MMU_WHY_SMAP);

	/* an ASID switch without a flush: the other address space's page */
	struct pgtable pt2;
	assert_int_equal(pgtable_init(&pt2, &x.m->mm, x.f, 0), 0);
	assert_int_equal(pgtable_map(&pt2, UVA, p2, 4096, 12, PTE_USER, 0), 0);
	assert_int_equal(mmu_set_root(x.mmu, 0, x.pt.root[0], 1, false), 0);
	assert_int_equal(xlate(&x, UVA, UR, &xl, &f), 0);
	assert_int_equal(xlate(&x, UVA, UR, &xl, &f), 0);
	assert_int_equal(xl.pa, p1);
	assert_true(utlb_live(x.mmu, UVA, UR));
	assert_int_equal(mmu_set_root(x.mmu, 0, pt2.root[0], 2, true), 0);
	assert_int_equal(xlate(&x, UVA, UR, &xl, &f), 0);
	assert_int_equal(xl.pa, p2);
	assert_int_equal(xl.tlb_level, 0);
	assert_int_equal(mmu_set_root(x.mmu, 0, x.pt.root[0], 1, true), 0);
	assert_int_equal(xlate(&x, UVA, UR, &xl, &f), 0);
	assert_int_equal(xl.pa, p1);
	assert_int_equal(xl.tlb_level, 1);

	/* an L1 eviction: 80 more pages through a 64-entry L1; the page now hits the L2 */
	assert_int_equal(xlate(&x, UVA, UR, &xl, &f), 0);
	assert_true(utlb_live(x.mmu, UVA, UR));
	uint64_t pool = frame(&x, 7);
	assert_int_equal(pgtable_map(&x.pt, UVA + 0x100000, pool, 80 * 4096, 12, PTE_USER, 0), 0);
	for (unsigned int i = 0; i < 80; i++)
		assert_int_equal(xlate(&x, UVA + 0x100000 + i * 4096ull, UR, &xl, &f), 0);
	assert_int_equal(xlate(&x, UVA, UR, &xl, &f), 0);
	assert_int_equal(xl.tlb_level, 2);
	fix_check(&x);
	assert_int_equal(mmu_set_root(x.mmu, 0, x.pt.root[0], 1, false), 0);
	pgtable_destroy(&pt2);
	fix_free(&x);
}

/*
 * Two translations of one address in the L1 (a 2 MiB page remapped with 4 KiB pages
 * without a flush; Skylake's L1 dTLB keeps the sizes in separate arrays, the 4 KiB one
 * probed first). A lookup uses the entry its hint names; once another page 2 MiB away
 * takes that hint bucket, the full probe finds the 4 KiB entry. The micro-TLB must follow
 * both steps, with and without it the answers are the same.
 */
static void two_sizes(bool fast)
{
	struct fix x;
	fix_init(&x, PTF_X86_64_4L, "skylake", 1);
	mmu_set_fast_path(x.mmu, fast);
	const uint64_t p = UVA + (2ull << 20), q = UVA;	/* same hint bucket */
	uint64_t big = frame(&x, 9), small = frame(&x, 0);
	struct mmu_xlat xl;
	struct mmu_fault f;
	assert_int_equal(pgtable_map(&x.pt, q, small, 4096, 12, PTE_USER, 0), 0);
	assert_int_equal(pgtable_map(&x.pt, p, big, 2ull << 20, 21, PTE_USER | PTE_WRITE, 0), 0);
	assert_int_equal(xlate(&x, p, MMU_USER, &xl, &f), 0);
	assert_int_equal(xlate(&x, p, MMU_USER, &xl, &f), 0);
	assert_int_equal(xl.page_shift, 21);
	/* 4 KiB pages now, no flush; a store re-walks to set D and caches the 4 KiB entry */
	assert_int_equal(pgtable_unmap(&x.pt, p, 2ull << 20, NULL), 0);
	assert_int_equal(pgtable_map(&x.pt, p, big, 2ull << 20, 12, PTE_USER | PTE_WRITE, 0), 0);
	assert_int_equal(xlate(&x, p, MMU_USER | MMU_WRITE, &xl, &f), 0);
	assert_int_equal(xl.page_shift, 12);
	assert_int_equal(x.mmu->stats.dirty_walks, 1);
	/* the hint still names the 2 MiB entry */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(xlate(&x, p + 8, MMU_USER, &xl, &f), 0);
		assert_int_equal(xl.page_shift, 21);
		assert_int_equal(xl.tlb_level, 1);
	}
	assert_true(utlb_live(x.mmu, p, MMU_USER) == fast);
	/* q takes the bucket: p's next lookup probes in full and finds the 4 KiB entry */
	assert_int_equal(xlate(&x, q, MMU_USER, &xl, &f), 0);
	assert_int_equal(xlate(&x, q, MMU_USER, &xl, &f), 0);
	assert_int_equal(xl.tlb_level, 1);
	assert_int_equal(xlate(&x, p + 8, MMU_USER, &xl, &f), 0);
	assert_int_equal(xl.page_shift, 12);
	assert_int_equal(xl.tlb_level, 1);
	assert_int_equal(xl.pa, big + 8);
	const struct tlb_stats *ts = tlb_stats(x.mmu->tlb);
	assert_int_equal(ts->l1d.hits, 7);	/* p, the store, 3 of p, q, p */
	assert_int_equal(ts->l1d.misses, 2);	/* the first p, the first q */
	fix_free(&x);
}

/*
 * The other order: an L1 dTLB whose 2 MiB array is probed first. A 4 KiB entry is cached
 * (micro-TLB too), its hint bucket is taken while it is the only translation, then a
 * 2 MiB entry over it is filled: the next lookup probes in full and finds the 2 MiB one.
 */
static void two_sizes_big_first(bool fast)
{
	struct fix x;
	fix_init(&x, PTF_X86_64_4L, "l1d=32x4:2m,64x4:4k", 1);
	mmu_set_fast_path(x.mmu, fast);
	const uint64_t p = UVA + (2ull << 20), q = UVA;	/* same hint bucket */
	uint64_t big = frame(&x, 9), small = frame(&x, 0);
	struct mmu_xlat xl;
	struct mmu_fault f;
	const uint32_t prot = PTE_USER | PTE_ACCESSED;
	assert_int_equal(pgtable_map(&x.pt, q, small, 4096, 12, prot, 0), 0);
	assert_int_equal(pgtable_map(&x.pt, p, big, 2ull << 20, 12, prot, 0), 0);
	assert_int_equal(xlate(&x, p, MMU_USER, &xl, &f), 0);
	assert_int_equal(xlate(&x, p, MMU_USER, &xl, &f), 0);
	assert_int_equal(xl.page_shift, 12);
	assert_int_equal(xlate(&x, q, MMU_USER, &xl, &f), 0);
	assert_int_equal(xlate(&x, q, MMU_USER, &xl, &f), 0);
	assert_true(utlb_live(x.mmu, p, MMU_USER) == fast);
	/* one 2 MiB page now, no flush; a neighbour's walk caches the 2 MiB entry */
	assert_int_equal(pgtable_unmap(&x.pt, p, 2ull << 20, NULL), 0);
	assert_int_equal(pgtable_map(&x.pt, p, big, 2ull << 20, 21, prot, 0), 0);
	assert_int_equal(xlate(&x, p + 4096, MMU_USER, &xl, &f), 0);
	assert_int_equal(xl.tlb_level, 0);
	assert_int_equal(xlate(&x, p + 8, MMU_USER, &xl, &f), 0);
	assert_int_equal(xl.page_shift, 21);
	assert_int_equal(xl.tlb_level, 1);
	fix_free(&x);
}

static void test_fast_path_two_page_sizes(void **state)
{
	(void)state;
	two_sizes(true);
	two_sizes(false);
	two_sizes_big_first(true);
	two_sizes_big_first(false);
}

/* ---- the x86-64 walk loop agrees with the generic one -------------------------------------- */

/*
 * Damage one entry on the walk of va with a random value (present or not, PS, reserved
 * bits, NX, an address that is a table, a scratch page of random entries, or outside RAM),
 * walk on two machines (the x86-64 loop and the generic one through the format's ops) and
 * compare the result, the fault record, the counters and every entry the walks could touch.
 */
static void x64_walker_format(enum pt_format_id id, uint64_t seed)
{
	struct fix a, b;
	fix_init(&a, id, "none", 1);
	fix_init(&b, id, "none", 1);
	assert_int_equal(a.mmu->walker, MMU_WALKER_X86_64);
	b.mmu->walker = MMU_WALKER_GENERIC;
	struct rng r;
	rng_seed(&r, seed);
	/* 4 KiB pages, a 2 MiB page and a 1 GiB page, kernel and user */
	static const struct { uint64_t va; unsigned int shift; uint32_t prot; } maps[] = {
		{ UVA, 12, PTE_USER | PTE_WRITE },
		{ UVA + 0x1000, 12, PTE_USER | PTE_NX },
		{ UVA + 0x200000, 21, PTE_USER | PTE_WRITE | PTE_ACCESSED | PTE_DIRTY },
		{ 0x80000000ull, 30, PTE_USER },
		{ 0xffff888000000000ull, 12, PTE_WRITE | PTE_GLOBAL },
	};
	for (unsigned int i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		uint64_t size = 1ull << maps[i].shift;
		uint64_t pa = maps[i].shift == 30 ? 1ull << 30 : frame(&a, maps[i].shift - 12);
		if (maps[i].shift != 30)
			assert_int_equal(frame(&b, maps[i].shift - 12), pa);
		assert_int_equal(pgtable_map(&a.pt, maps[i].va, pa, size, maps[i].shift,
					     maps[i].prot, 0), 0);
		assert_int_equal(pgtable_map(&b.pt, maps[i].va, pa, size, maps[i].shift,
					     maps[i].prot, 0), 0);
	}
	uint64_t scratch = frame(&a, 0);
	assert_int_equal(frame(&b, 0), scratch);
	for (unsigned int i = 0; i < 512; i++) {
		uint64_t v = rng_next(&r);
		pgtable_write_entry(&a.pt, scratch + i * 8, v);
		pgtable_write_entry(&b.pt, scratch + i * 8, v);
	}
	uint64_t ram_end = a.m->ram.base + a.m->ram.size;
	for (unsigned int it = 0; it < 3000; it++) {
		unsigned int k = (unsigned int)rng_below(&r, sizeof(maps) / sizeof(maps[0]));
		uint64_t va = maps[k].va + rng_below(&r, 1ull << maps[k].shift);
		unsigned int acc = (unsigned int)rng_below(&r, 3) | (rng_below(&r, 2) ? MMU_USER : 0);
		struct mmu_walk_step st[PT_MAX_LEVELS];
		unsigned int n = 0;
		struct mmu_xlat xl;
		struct mmu_fault fl;
		/* where the entries are: the generic walk of the undamaged tables (on both
		   machines, so that both get the same A/D updates) */
		mmu_walk_explain(a.mmu, va, acc, &xl, &fl, st, &n);
		mmu_walk_explain(b.mmu, va, acc, &xl, &fl, st, &n);
		assert_true(n >= 1);
		unsigned int lv = (unsigned int)rng_below(&r, n);
		uint64_t epa = st[lv].entry_pa, old = pgtable_read_entry(&a.pt, epa);
		uint64_t v = rng_next(&r);
		switch (rng_below(&r, 4)) {
		case 0: v = (old & 0x000ffffffffff000ull) | (v & ~0x000ffffffffff000ull); break;
		case 1: v = scratch | (v & ~0x000ffffffffff000ull); break;
		case 2: v = (ram_end + (v & 0xfffff000ull)) | (v & 0x8000000000000fffull); break;
		default: break;
		}
		if (rng_below(&r, 4))
			v &= 0x800fffffffffffffull | (rng_below(&r, 2) ? 0 : 0x7ff0000000000000ull);
		if (rng_below(&r, 8))
			v |= 1;		/* mostly present */
		pgtable_write_entry(&a.pt, epa, v);
		pgtable_write_entry(&b.pt, epa, v);
		struct mmu_xlat xa, xb;
		struct mmu_fault fa, fb;
		struct mmu_stats sa = a.mmu->stats, sb = b.mmu->stats;
		memset(&xb, 0, sizeof(xb));
		memset(&fb, 0, sizeof(fb));
		int ra = xlate(&a, va, acc, &xa, &fa);
		int rb = mmu_translate(b.mmu, va, acc, &xb, &fb);
		/* the counters moved alike (every field of mmu_stats is a uint64_t) */
		const uint64_t *a0 = (const uint64_t *)&sa, *b0 = (const uint64_t *)&sb;
		const uint64_t *a1 = (const uint64_t *)&a.mmu->stats;
		const uint64_t *b1 = (const uint64_t *)&b.mmu->stats;
		for (size_t i = 0; i < sizeof(sa) / sizeof(uint64_t); i++)
			assert_int_equal(a1[i] - a0[i], b1[i] - b0[i]);
		assert_int_equal(ra, rb);
		assert_memory_equal(&xa, &xb, sizeof(xa));
		assert_memory_equal(&fa, &fb, sizeof(fa));
		for (unsigned int i = 0; i < n; i++)
			assert_int_equal(pgtable_read_entry(&a.pt, st[i].entry_pa),
					 pgtable_read_entry(&b.pt, st[i].entry_pa));
		for (unsigned int i = 0; i < 512; i++)
			assert_int_equal(pgtable_read_entry(&a.pt, scratch + i * 8),
					 pgtable_read_entry(&b.pt, scratch + i * 8));
		/* repair, so that the next walk starts from sane tables */
		pgtable_write_entry(&a.pt, epa, old);
		pgtable_write_entry(&b.pt, epa, old);
	}
	/* every kind of outcome was compared */
	for (int t = MMU_OK + 1; t <= MMU_FAULT_ADDRESS_SIZE; t++)
		if (t != MMU_FAULT_NONCANONICAL && t != MMU_FAULT_ACCESS_FLAG)
			assert_true(a.mmu->stats.faults[t] > 0);
	fix_free(&a);
	fix_free(&b);
}

static void test_x64_walker_matches_generic(void **state)
{
	(void)state;
	x64_walker_format(PTF_X86_64_4L, 11);
	x64_walker_format(PTF_X86_64_5L, 12);
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
		cmocka_unit_test(test_fast_path_counts_like_slow_path),
		cmocka_unit_test(test_fast_path_invalidated),
		cmocka_unit_test(test_fast_path_two_page_sizes),
		cmocka_unit_test(test_x64_walker_matches_generic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * `mmsim translate`: a small built-in address space, and the explanation of one translation
 * through the MMU the way a teacher draws it on the board.
 *
 * The built-in space is a process image as Linux would lay it out with ASLR off, mapped
 * with real page tables in simulated RAM (mm/pgtable.c) on frames from the buddy allocator,
 * plus the kernel's direct map of all RAM in the kernel half. Issue 4's processes replace it
 * for scenarios; it stays the default for `mmsim translate`. On x86_64:
 *
 *   0x0000555555554000-0x0000555555556000  r-x  text      2 pages present
 *   0x0000555555556000-0x0000555555558000  rw-  data      2 present
 *   0x0000555555559000-0x000055555557a000  rw-  [heap]    first 3 present
 *   0x00007ffff7a00000-0x00007ffff7c00000  rw-  anon THP  one 2 MiB page
 *   0x00007ffffffde000-0x00007ffffffff000  rw-  [stack]   top 4 present
 *   0xffff888000000000-...                 rw-  direct map of RAM, kernel only, global, NX
 *   0xffffffff81000000-0xffffffff81400000  r-x  kernel text, kernel only, global
 *
 * The other formats get the same regions at their architecture's addresses (below).
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "arch/layout.h"
#include "kernel/machine.h"
#include "kernel/translate.h"
#include "hw/segment.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "util/error.h"
#include "util/strbuf.h"

#define DEMO_MAX_REGIONS 8
#define DEMO_MAX_FRAMES 64

/* One region of the built-in space, for the map the tour prints. */
struct demo_region {
	const char *name;
	uint64_t start, end;		/* the whole area (like a VMA) */
	uint64_t present_start, present_end;	/* the part that has page-table entries */
	uint32_t prot;			/* PTE_* */
	unsigned int page_shift;
	bool kernel;
};

/*
 * Invariants: regions sorted by start and disjoint; frames[] holds every buddy allocation
 * the space made (pfn, order), freed at demo_space_free; pt owns the tables.
 */
struct demo_space {
	struct pgtable pt;
	uint16_t asid;
	unsigned int nr_regions;
	struct demo_region region[DEMO_MAX_REGIONS];
	unsigned int nr_frames;
	struct { uint64_t pfn; unsigned int order; } frames[DEMO_MAX_FRAMES];
	char note[160];			/* what the space leaves out on this machine */
};

/* ---- building ---------------------------------------------------------------------- */

/* Largest leaf size of fmt that fits at va/pa alignment and in `left` bytes. */
static unsigned int best_leaf_shift(const struct pt_format *fmt, uint64_t va, uint64_t pa,
				    uint64_t left)
{
	for (unsigned int l = 0; l < fmt->nr_levels; l++) {
		uint64_t sz = pt_level_size(fmt, l);
		if (!fmt->level[l].leaf_ok || sz > left || (va | pa) & (sz - 1))
			continue;
		return fmt->level[l].shift;
	}
	return fmt->granule_shift;
}

/* Map [va, va+len) -> [pa, pa+len) with the largest pages alignment allows. */
static int map_linear(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t len, uint32_t prot)
{
	while (len) {
		unsigned int sh = best_leaf_shift(pt->fmt, va, pa, len);
		uint64_t sz = 1ull << sh;
		int rc = pgtable_map(pt, va, pa, sz, sh, prot, 0);
		if (rc)
			return rc;
		va += sz;
		pa += sz;
		len -= sz;
	}
	return 0;
}

/* Allocate frames for [va, va + len) in pages of 1 << shift and map them. */
static int map_fresh(struct demo_space *ds, struct mm_sys *ms, uint64_t va, uint64_t len,
		     unsigned int shift, uint32_t prot)
{
	unsigned int order = shift - ms->page_shift;
	for (uint64_t off = 0; off < len; off += 1ull << shift) {
		int rc;
		if (ds->nr_frames == DEMO_MAX_FRAMES)
			return -ENOSPC;
		struct page *p = alloc_pages(ms, ds->pt.cpu, MMSIM_GFP_HIGHUSER_MOVABLE |
					     MMSIM_GFP_ZERO | (order ? MMSIM_GFP_COMP : 0), order,
					     &rc);
		if (!p)
			return rc;
		uint64_t pfn = page_to_pfn(ms, p);
		ds->frames[ds->nr_frames].pfn = pfn;
		ds->frames[ds->nr_frames].order = order;
		ds->nr_frames++;
		rc = pgtable_map(&ds->pt, va + off, pfn << ms->page_shift, 1ull << shift, shift,
				 prot, 0);
		if (rc)
			return rc;
	}
	return 0;
}

static void add_region(struct demo_space *ds, const char *name, uint64_t start, uint64_t end,
		       uint64_t pstart, uint64_t pend, uint32_t prot, unsigned int shift,
		       bool kernel)
{
	struct demo_region *r = &ds->region[ds->nr_regions++];
	*r = (struct demo_region){ name, start, end, pstart, pend, prot, shift, kernel };
}

/* The addresses of the built-in process image for a format (ASLR off). */
struct demo_addrs {
	uint64_t text, heap, huge, stack_end, page_offset, ktext;
	unsigned int huge_shift;	/* 0: no huge-page region */
};

/*
 * The process part is what this machine's kernel gives a PIE program with ASLR off
 * (`setarch -R cat /proc/self/maps`): x86_64 text at 0x555555554000 (ELF_ET_DYN_BASE),
 * [heap] 33 pages after the image, mmap area below 0x7ffff7fff000, [stack]
 * 0x7ffffffde000-0x7ffffffff000 (132 KiB ending at TASK_SIZE). i386: text 0x08048000, stack
 * ending at TASK_SIZE = PAGE_OFFSET. arm64: PIE base 2/3 of TASK_SIZE (ELF_ET_DYN_BASE),
 * stack ending at TASK_SIZE. The kernel part (PAGE_OFFSET, TASK_SIZE) comes from the
 * layout tables of arch/layout.c, so `mmsim layout` and the translations agree.
 */
static int demo_addrs(const struct pt_format *f, struct demo_addrs *a)
{
	const struct arch_layout *lay;
	int rc = arch_layout(f, &lay);
	if (rc)
		return rc;
	memset(a, 0, sizeof(*a));
	uint64_t gran = 1ull << f->granule_shift;
	unsigned int block = 0;
	for (unsigned int l = 0; l + 1 < f->nr_levels; l++)
		if (f->level[l].leaf_ok)
			block = f->level[l].shift;	/* the smallest huge size */
	a->huge_shift = block;
	a->page_offset = lay->page_offset;
	a->stack_end = lay->map_window;	/* STACK_TOP: DEFAULT_MAP_WINDOW under LA57 */
	switch (f->arch) {
	case ARCH_X86_64:
		a->text = 0x555555554000ull;
		a->heap = 0x555555559000ull;
		a->huge = 0x7ffff7a00000ull;
		a->ktext = 0xffffffff81000000ull;	/* __START_KERNEL_map + 16 MiB */
		break;
	case ARCH_I386:
		a->text = 0x08048000ull;
		a->heap = 0x0804d000ull;
		a->huge = block == 22 ? 0xb7400000ull : 0xb7600000ull;
		break;
	default:
		a->text = (2 * lay->task_size / 3) & ~0xffffull;
		a->heap = a->text + 5 * gran;	/* after text and data, one page gap */
		a->huge = lay->task_size >> 1;
		break;
	}
	return 0;
}

static void demo_space_free(struct demo_space *ds, struct mm_sys *ms)
{
	pgtable_destroy(&ds->pt);
	for (unsigned int i = 0; i < ds->nr_frames; i++) {
		struct page *p = pfn_to_page(ms, ds->frames[i].pfn);
		__free_pages(ms, ds->pt.cpu, p, ds->frames[i].order);
	}
	free(ds);
}

/* Build the built-in space on machine m. */
static int demo_space_build(struct mmsim_machine *m, struct demo_space **out)
{
	struct mm_sys *ms = &m->mm;
	const struct pt_format *f = m->paging;
	struct demo_addrs a;
	struct demo_space *ds = calloc(1, sizeof(*ds));
	if (!ds)
		return -ENOMEM;
	int rc = demo_addrs(f, &a);
	if (!rc)
		rc = pgtable_init(&ds->pt, ms, f, 0);
	if (rc) {
		free(ds);
		return rc;
	}
	unsigned int gs = f->granule_shift;
	uint64_t g = 1ull << gs;
	/*
	 * Protections as Linux installs them after the first touch (A set; D set where
	 * written). A clean writable arm64 page is read-only with DBM (AP[2] = 1): the
	 * hardware makes it writable and dirty on the first store.
	 */
	const bool arm = f->arch == ARCH_ARM64;
	const uint32_t nx = f->id == PTF_I386_2L ? 0 : PTE_NX;
	const uint32_t user_rx = PTE_USER | PTE_ACCESSED | (arm ? PTE_PXN : 0);
	const uint32_t user_clean = PTE_USER | PTE_ACCESSED | nx | (arm ? PTE_DBM : PTE_WRITE);
	const uint32_t user_rw = PTE_USER | PTE_ACCESSED | nx | PTE_WRITE | PTE_DIRTY |
				 (arm ? PTE_DBM : 0);
	/* text: 2 pages, read + execute, both present */
	rc = map_fresh(ds, ms, a.text, 2 * g, gs, user_rx);
	add_region(ds, "text", a.text, a.text + 2 * g, a.text, a.text + 2 * g, user_rx, gs, false);
	/* data: 2 pages, read-write */
	if (!rc)
		rc = map_fresh(ds, ms, a.text + 2 * g, 2 * g, gs, user_clean);
	add_region(ds, "data", a.text + 2 * g, a.text + 4 * g, a.text + 2 * g, a.text + 4 * g,
		   user_clean, gs, false);
	/* heap: 33 pages reserved by brk, first 3 touched */
	if (!rc)
		rc = map_fresh(ds, ms, a.heap, 3 * g, gs, user_rw);
	add_region(ds, "[heap]", a.heap, a.heap + 33 * g, a.heap, a.heap + 3 * g,
		   user_rw, gs, false);
	/* one huge page, when the buddy allocator can supply a block that large */
	if (!rc && a.huge_shift && a.huge_shift - ms->page_shift <= ms->max_order) {
		rc = map_fresh(ds, ms, a.huge, 1ull << a.huge_shift, a.huge_shift,
			       user_rw);
		add_region(ds, "anon huge page", a.huge, a.huge + (1ull << a.huge_shift), a.huge,
			   a.huge + (1ull << a.huge_shift), user_rw, a.huge_shift,
			   false);
	} else if (a.huge_shift) {
		snprintf(ds->note, sizeof(ds->note), "no huge-page region: a %llu MiB block is "
			 "larger than the buddy allocator's largest block",
			 (unsigned long long)(1ull << (a.huge_shift - 20)));
	}
	/* stack: 132 KiB reserved, the top 4 pages touched */
	uint64_t sz = (0x21000 + g - 1) & ~(g - 1);
	if (!rc)
		rc = map_fresh(ds, ms, a.stack_end - 4 * g, 4 * g, gs, user_rw);
	add_region(ds, "[stack]", a.stack_end - sz, a.stack_end, a.stack_end - 4 * g, a.stack_end,
		   user_rw, gs, false);

	/* kernel: the direct map of every RAM range (lowmem only on i386) */
	const uint32_t kern_rw = PTE_WRITE | PTE_GLOBAL | PTE_ACCESSED | PTE_DIRTY | nx |
				 (arm ? PTE_DBM : 0);
	uint64_t lo = UINT64_MAX, hi = 0;
	/* arm64's linear map starts with the first RAM, rounded down (memstart_addr). */
	uint64_t memstart = arm ? ms->memblock.memory.regions[0].base & ~((1ull << 30) - 1) : 0;
	for (unsigned int i = 0; !rc && i < ms->memblock.memory.cnt; i++) {
		uint64_t base = ms->memblock.memory.regions[i].base;
		uint64_t end = base + ms->memblock.memory.regions[i].size;
		if (f->arch == ARCH_I386 && end > 896ull << 20)
			end = 896ull << 20;
		/* x86 maps the ISA range [0, 1 MiB) whole (init_mem_mapping), holes included. */
		if (f->arch != ARCH_ARM64 && base < (1ull << 20)) {
			base = 0;
			if (end < (1ull << 20))
				end = 1ull << 20;
		}
		base = (base + g - 1) & ~(g - 1);
		end &= ~(g - 1);
		if (base >= end)
			continue;
		uint64_t va = a.page_offset + base - memstart;
		rc = map_linear(&ds->pt, va, base, end - base, kern_rw);
		if (va < lo)
			lo = va;
		if (va + (end - base) > hi)
			hi = va + (end - base);
	}
	if (hi > lo)
		add_region(ds, "direct map", lo, hi, lo, hi, kern_rw, 0, true);
	if (!rc && a.ktext) {
		const uint32_t kern_rx = PTE_GLOBAL | PTE_ACCESSED;
		rc = map_linear(&ds->pt, a.ktext, ms->arch->kernel_load, 4ull << 20, kern_rx);
		add_region(ds, "kernel text", a.ktext, a.ktext + (4ull << 20), a.ktext,
			   a.ktext + (4ull << 20), kern_rx, 21, true);
	}
	if (rc) {
		demo_space_free(ds, ms);
		return rc;
	}
	ds->asid = m->cpu[0].ctl.asid_bits ? 1 : 0;
	*out = ds;
	return 0;
}

/* Make the built-in space current on cpu (CR3 / TTBR0+TTBR1 loads). */
static int demo_switch_to(struct mmsim_machine *m, struct demo_space *ds, int cpu)
{
	struct mmu *mmu = &m->cpu[cpu];
	int rc = mmu_set_root(mmu, 0, ds->pt.root[0], ds->asid, false);
	if (!rc && ds->pt.root[1])
		rc = mmu_set_root(mmu, 1, ds->pt.root[1], 0, false);
	return rc;
}

int translate_space(struct mmsim_machine *m, struct demo_space **out)
{
	if (!m->demo) {
		int rc = demo_space_build(m, &m->demo);
		if (rc)
			return rc;
	}
	*out = m->demo;
	return 0;
}

void translate_space_free(struct mmsim_machine *m)
{
	if (m->demo)
		demo_space_free(m->demo, &m->mm);
	m->demo = NULL;
}

int translate_space_validate(struct mmsim_machine *m, struct mmsim_error *err)
{
	return m->demo ? pgtable_validate(&m->demo->pt, err) : 0;
}

/* ---- explaining ---------------------------------------------------------------------- */

static int hexw(const struct pt_format *f) { return f->va_bits > 32 ? 16 : 8; }

static const char *access_name(unsigned int access)
{
	static const char *const k[] = { "read", "write", "instruction fetch", "?" };
	return k[access & MMU_KIND_MASK];
}

static void prot_str(uint32_t prot, bool has_nx, char buf[4])
{
	buf[0] = 'r';
	buf[1] = prot & PTE_WRITE ? 'w' : (prot & PTE_DBM ? 'w' : '-');
	buf[2] = (prot & PTE_USER ? !(prot & PTE_UXN) : !(prot & PTE_PXN)) || !has_nx ? 'x' : '-';
	buf[3] = 0;
}

/*
 * The bit ruler of a virtual address:
 *   |47   39|38   30|29   21|20   12|11      0|
 *   | pgd   | pud   | pmd   | pte   | offset  |
 *   |   255 |   500 |   145 |   330 |   0xbcd |
 */
static void render_split(const struct pt_format *f, uint64_t va, struct strbuf *sb)
{
	char cell[PT_MAX_LEVELS + 2][3][24];
	unsigned int n = 0;
	unsigned int top = f->va_bits;
	if (f->split == PT_SPLIT_CANONICAL || f->split == PT_SPLIT_TTBR) {
		snprintf(cell[n][0], 24, "63..%u", top);
		snprintf(cell[n][1], 24, f->split == PT_SPLIT_TTBR ? "TTBR sel" : "sign");
		snprintf(cell[n][2], 24, "0x%llx", (unsigned long long)(va >> top));
		n++;
	}
	for (unsigned int l = 0; l < f->nr_levels; l++) {
		unsigned int hi = l == 0 ? top - 1 : (unsigned int)f->level[l - 1].shift - 1;
		snprintf(cell[n][0], 24, "%u..%u", hi, f->level[l].shift);
		snprintf(cell[n][1], 24, "%s", f->level[l].name);
		snprintf(cell[n][2], 24, "%u", pt_index(f, l, va));
		n++;
	}
	unsigned int ls = f->level[f->nr_levels - 1].shift;
	snprintf(cell[n][0], 24, "%u..0", ls - 1);
	snprintf(cell[n][1], 24, "offset");
	snprintf(cell[n][2], 24, "0x%llx", (unsigned long long)(va & ((1ull << ls) - 1)));
	n++;
	for (unsigned int row = 0; row < 3; row++) {
		sb_puts(sb, "  |");
		for (unsigned int c = 0; c < n; c++) {
			size_t w = 0;
			for (unsigned int r = 0; r < 3; r++)
				if (strlen(cell[c][r]) > w)
					w = strlen(cell[c][r]);
			sb_printf(sb, " %*s |", (int)w, cell[c][row]);
		}
		sb_puts(sb, "\n");
	}
}

static void render_root(const struct mmu *mmu, uint64_t va, struct strbuf *sb)
{
	const struct pt_format *f = mmu->fmt;
	int w = hexw(f);
	if (f->arch == ARCH_ARM64) {
		int half = pt_va_half(f, va) == 1;
		sb_printf(sb, "TTBR%d_EL1 0x%016llx: table at 0x%llx", half,
			  (unsigned long long)mmu->root[half],
			  (unsigned long long)(mmu->root[half] & 0x0000fffffffffffeull));
		if (!half)
			sb_printf(sb, ", ASID %u", mmu->asid);
		sb_puts(sb, "\n");
		return;
	}
	uint64_t cr3 = mmu->root[0];
	if (f->id == PTF_I386_PAE)
		sb_printf(sb, "CR3 0x%0*llx: PDPT (4 entries) at 0x%llx\n", w,
			  (unsigned long long)cr3, (unsigned long long)(cr3 & 0xffffffe0ull));
	else if (mmu->ctl.pcide)
		sb_printf(sb, "CR3 0x%0*llx: table at 0x%llx, PCID %u\n", w,
			  (unsigned long long)cr3, (unsigned long long)(cr3 & ~0xfffull), mmu->asid);
	else
		sb_printf(sb, "CR3 0x%0*llx: table at 0x%llx\n", w, (unsigned long long)cr3,
			  (unsigned long long)(cr3 & ~0xfffull));
}

static void render_size(uint64_t bytes, struct strbuf *sb)
{
	if (bytes >= 1ull << 30)
		sb_printf(sb, "%llu GiB", (unsigned long long)(bytes >> 30));
	else if (bytes >= 1ull << 20)
		sb_printf(sb, "%llu MiB", (unsigned long long)(bytes >> 20));
	else
		sb_printf(sb, "%llu KiB", (unsigned long long)(bytes >> 10));
}

/* One attempt's story in text. */
static void render_attempt(const struct mmu *mmu, const struct translate_attempt *t,
			   struct strbuf *sb)
{
	const struct pt_format *f = mmu->fmt;
	int w = hexw(f);
	if (t->rc == MMU_FAULT_NONCANONICAL) {
		sb_printf(sb, "  no walk: ");
		mmu_fault_format(mmu, &t->fault, sb);
		sb_puts(sb, "\n");
		return;
	}
	if (t->rc == 0 && t->x.tlb_level) {
		sb_printf(sb, "  TLB: %s hit -> physical 0x%0*llx (", t->x.tlb_level == 1 ?
			  (t->access & MMU_KIND_MASK) == MMU_EXEC ? "L1i" : "L1d" : "L2", w,
			  (unsigned long long)t->x.pa);
		render_size(1ull << t->x.page_shift, sb);
		sb_puts(sb, " page, no memory reference)\n");
		return;
	}
	if (t->rc && t->nsteps == 0) {
		sb_printf(sb, "  TLB hit, but the cached entry forbids it: ");
		mmu_fault_format(mmu, &t->fault, sb);
		sb_puts(sb, "\n  (the fault drops the cached entry; the retry walks the tables)\n");
		return;
	}
	sb_printf(sb, "  TLB: miss -> page walk%s\n",
		  t->nsteps && t->steps[0].level > 0 ? " (page-walk cache hit: upper levels skipped)"
						     : "");
	sb_printf(sb, "  %-10s %-*s %5s  %-*s  %-*s  %s\n", "level", w + 2, "table", "index",
		  w + 2, "entry at", f->entry_size * 2 + 2, "entry", "bits");
	for (unsigned int i = 0; i < t->nsteps; i++) {
		const struct mmu_walk_step *s = &t->steps[i];
		const struct pt_level *l = &f->level[s->level];
		struct strbuf bits;
		sb_init(&bits);
		f->ops->describe(f, (unsigned int)s->level, s->raw, &bits);
		char lname[16];
		snprintf(lname, sizeof(lname), "%s %s", l->name, l->arch_name);
		sb_printf(sb, "  %-10s 0x%0*llx %5u  0x%0*llx  0x%0*llx  %s\n", lname, w,
			  (unsigned long long)s->table_pa, s->index, w,
			  (unsigned long long)s->entry_pa, f->entry_size * 2,
			  (unsigned long long)s->raw, bits.buf ? bits.buf : "");
		sb_free(&bits);
		if (s->raw_after != s->raw)
			sb_printf(sb, "  %-10s the MMU wrote 0x%0*llx back (%s)\n", "",
				  f->entry_size * 2, (unsigned long long)s->raw_after,
				  f->arch == ARCH_ARM64 ? "hardware access/dirty flag update"
							: "accessed/dirty bit set");
	}
	if (t->rc) {
		sb_puts(sb, "  => fault: ");
		mmu_fault_format(mmu, &t->fault, sb);
		sb_puts(sb, "\n");
		return;
	}
	uint64_t size = 1ull << t->x.page_shift;
	sb_puts(sb, "  => ");
	render_size(size, sb);
	sb_printf(sb, " page at 0x%llx + offset 0x%llx = physical 0x%0*llx\n",
		  (unsigned long long)(t->x.pa & ~(size - 1)),
		  (unsigned long long)(t->x.pa & (size - 1)), w, (unsigned long long)t->x.pa);
	sb_printf(sb, "     %u memory reference%s; TLB filled\n", t->x.mem_refs,
		  t->x.mem_refs == 1 ? "" : "s");
}

int translate_run(struct mmsim_machine *m, int cpu, uint64_t va, unsigned int access,
		  struct translate_attempt *t)
{
	struct demo_space *ds;
	int rc = translate_space(m, &ds);
	if (rc)
		return rc;
	struct mmu *mmu = &m->cpu[cpu];
	if (mmu_root_table(mmu, 0) != ds->pt.root[0] || mmu->asid != ds->asid) {
		rc = demo_switch_to(m, ds, cpu);
		if (rc)
			return rc;
	}
	memset(t, 0, sizeof(*t));
	t->va = va;
	t->access = access;
	t->rc = mmu_walk_explain(mmu, va, access, &t->x, &t->fault, t->steps, &t->nsteps);
	return 0;
}

static json_t *jhex(uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "0x%llx", (unsigned long long)v);
	return json_string(b);
}

static json_t *attempt_json(const struct mmu *mmu, const struct translate_attempt *t)
{
	const struct pt_format *f = mmu->fmt;
	json_t *o = json_object(), *steps = json_array();
	for (unsigned int i = 0; i < t->nsteps; i++) {
		const struct mmu_walk_step *s = &t->steps[i];
		struct strbuf bits;
		sb_init(&bits);
		f->ops->describe(f, (unsigned int)s->level, s->raw, &bits);
		json_array_append_new(steps, json_pack("{s:i,s:s,s:s,s:i,s:o,s:o,s:o,s:o,s:s}",
			"level", s->level, "name", f->level[s->level].name,
			"arch_name", f->level[s->level].arch_name, "index", (int)s->index,
			"table_pa", jhex(s->table_pa), "entry_pa", jhex(s->entry_pa),
			"raw", jhex(s->raw), "raw_after", jhex(s->raw_after),
			"bits", bits.buf ? bits.buf : ""));
		sb_free(&bits);
	}
	static const char *const tl[] = { "miss", "L1", "L2" };
	json_object_set_new(o, "tlb", json_string(tl[t->x.tlb_level < 3 ? t->x.tlb_level : 0]));
	json_object_set_new(o, "steps", steps);
	if (t->rc) {
		struct strbuf sb;
		sb_init(&sb);
		mmu_fault_format(mmu, &t->fault, &sb);
		json_object_set_new(o, "fault", json_pack("{s:s,s:s,s:i,s:o,s:s}",
			"type", mmu_fault_name(t->fault.type), "why", mmu_why_name(t->fault.why),
			"level", t->fault.level, "code", jhex(t->fault.code),
			"text", sb.buf ? sb.buf : ""));
		sb_free(&sb);
	} else {
		json_object_set_new(o, "pa", jhex(t->x.pa));
		json_object_set_new(o, "page_size", json_integer((json_int_t)1 << t->x.page_shift));
		json_object_set_new(o, "mem_refs", json_integer(t->x.mem_refs));
	}
	return o;
}

_Static_assert(SEG_READ == MMU_READ && SEG_WRITE == MMU_WRITE && SEG_EXEC == MMU_EXEC &&
	       SEG_USER == MMU_USER, "segmentation and MMU access kinds agree");

/*
 * The segmentation step of `--logical`: a unit set up as Linux sets up the CPU (kernel
 * mode, or a 64-bit / i386 process after exec with glibc's TLS base in FS / GS), the
 * logical address explained into sb, the linear address in *linear. 0, 1 when the
 * segmentation unit faulted (explained in sb), or a negative errno with err set.
 */
static int logical_to_linear(struct mmsim_machine *m, const struct mmsim_translate_opts *o,
			     unsigned int access, struct strbuf *sb, uint64_t *linear,
			     struct mmsim_error *err)
{
	const struct pt_format *f = m->paging;
	struct seg_logical la;
	struct seg_unit u;
	struct seg_fault sf;
	if (f->arch == ARCH_ARM64)
		return err_set(err, -EINVAL, NULL, 0, 0, "--logical: arm64 has no segmentation; "
			       "it is an x86 feature");
	int rc = seg_parse_logical(o->logical, &la, err);
	if (rc)
		return rc;
	bool x64 = f->arch == ARCH_X86_64;
	/* Per-CPU area in the direct map; glibc's TLS block of a process without ASLR. */
	uint64_t percpu = x64 ? 0xffff88813fa00000ull : 0xc1a00000ull;
	uint64_t tls = x64 ? 0x7ffff7d86740ull : 0xb7d86740ull;
	rc = seg_linux_init(&u, x64 ? SEG_LINUX_X86_64 : SEG_LINUX_I386, x64 ? f->va_bits : 32,
			    percpu);
	if (rc)
		return err_set(err, rc, NULL, 0, 0, "setting up the segmentation unit: %s",
			       mmsim_strerror(rc));
	if (!o->kernel) {
		rc = seg_linux_enter_user(&u, false, tls, &sf);
		if (rc) {
			seg_unit_destroy(&u);
			return err_set(err, rc < 0 ? rc : -EINVAL, NULL, 0, 0,
				       "entering user mode: %s", rc < 0 ? mmsim_strerror(rc) :
				       seg_fault_name(sf.kind));
		}
	}
	sb_printf(sb, "segmentation (%s, as Linux sets it up):\n", o->kernel ? "kernel mode" :
		  "user mode");
	rc = seg_explain(&u, &la, 1, access, sb, linear, &sf);
	seg_unit_destroy(&u);
	if (rc < 0)
		return err_set(err, rc, NULL, 0, 0, "--logical %s: %s", o->logical,
			       mmsim_strerror(rc));
	if (rc > 0) {
		sb_puts(sb, "  => ");
		seg_fault_format(&sf, sb);
		sb_puts(sb, "\n");
		return 1;
	}
	return 0;
}

int mmsim_translate(mmsim_machine *m, const struct mmsim_translate_opts *o, char **out,
		    size_t *len, struct mmsim_error *err)
{
	err_clear(err);
	if (!m || !o || !out)
		return err_set(err, -EINVAL, NULL, 0, 0, "no machine or options");
	if (o->cpu < 0 || (unsigned int)o->cpu >= m->desc.nr_cpus)
		return err_set(err, -EINVAL, NULL, 0, 0, "cpu %d does not exist (the machine has %u)",
			       o->cpu, m->desc.nr_cpus);
	if (o->access > MMSIM_ACCESS_EXEC)
		return err_set(err, -EINVAL, NULL, 0, 0, "access %u; expected read, write or exec",
			       o->access);
	unsigned int repeat = o->repeat ? o->repeat : 1;
	if (repeat > 16)
		return err_set(err, -EINVAL, NULL, 0, 0, "repeat %u; expected 1..16", repeat);
	unsigned int access = o->access | (o->kernel ? 0 : MMU_USER);
	struct mmu *mmu = &m->cpu[o->cpu];
	const struct pt_format *f = m->paging;
	struct strbuf sb;
	json_t *arr = NULL;
	uint64_t va = o->va;
	sb_init(&sb);
	if (o->logical) {
		if (o->json)
			return err_set(err, -EINVAL, NULL, 0, 0, "--logical has no JSON form yet");
		int rc = logical_to_linear(m, o, access, &sb, &va, err);
		if (rc < 0) {
			sb_free(&sb);
			return rc;
		}
		if (rc > 0)
			return sb_finish(&sb, out, len);
		sb_puts(&sb, "paging:\n");
	}
	arr = o->json ? json_array() : NULL;
	if (!o->json)
		sb_printf(&sb, "%s: %s\n", f->name, f->title);
	for (unsigned int i = 0; i < repeat; i++) {
		struct translate_attempt t;
		int rc = translate_run(m, o->cpu, va, access, &t);
		if (rc) {
			sb_free(&sb);
			json_decref(arr);
			return err_set(err, rc, NULL, 0, 0, "building the built-in address space: %s",
				       mmsim_strerror(rc));
		}
		if (o->json) {
			json_array_append_new(arr, attempt_json(mmu, &t));
			continue;
		}
		if (i == 0) {
			render_root(mmu, va, &sb);
			sb_printf(&sb, "%s %s of 0x%0*llx\n", o->kernel ? "kernel" : "user",
				  access_name(access), hexw(f), (unsigned long long)va);
			if (pt_va_half(f, va) >= 0)
				render_split(f, va, &sb);
		}
		if (repeat > 1)
			sb_printf(&sb, "access %u:\n", i + 1);
		render_attempt(mmu, &t, &sb);
	}
	if (m->mm.check) {
		int rc = machine_check(m, err);
		if (rc) {
			sb_free(&sb);
			json_decref(arr);
			return rc;
		}
	}
	if (o->json) {
		json_t *doc = json_pack("{s:s,s:o,s:s,s:b,s:i,s:o}", "format", f->name,
					"va", jhex(o->va), "access", access_name(access), "user",
					!o->kernel, "cpu", o->cpu, "attempts", arr);
		char *s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
		json_decref(doc);
		if (!s)
			return err_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
		sb_puts(&sb, s);
		sb_puts(&sb, "\n");
		free(s);
	}
	return sb_finish(&sb, out, len);
}

/* ---- the tour: the map and one example per region --------------------------------- */

int mmsim_translate_tour(mmsim_machine *m, char **out, size_t *len, struct mmsim_error *err)
{
	err_clear(err);
	struct demo_space *ds;
	int rc = translate_space(m, &ds);
	if (rc)
		return err_set(err, rc, NULL, 0, 0, "building the built-in address space: %s",
			       mmsim_strerror(rc));
	const struct pt_format *f = m->paging;
	struct mmu *mmu = &m->cpu[0];
	struct strbuf sb;
	int w = hexw(f);
	bool has_nx = f->id != PTF_I386_2L;
	sb_init(&sb);
	sb_printf(&sb, "%s: %s, %u-level tables in simulated RAM (%llu table pages)\n", f->name,
		  f->title, f->nr_levels, (unsigned long long)ds->pt.nr_tables);
	sb_puts(&sb, "The built-in address space (a small process as Linux lays it out, ASLR off):\n");
	for (unsigned int i = 0; i < ds->nr_regions; i++) {
		const struct demo_region *r = &ds->region[i];
		char p[4];
		prot_str(r->prot, has_nx, p);
		sb_printf(&sb, "  0x%0*llx-0x%0*llx %s %-6s %-15s ", w, (unsigned long long)r->start,
			  w, (unsigned long long)r->end, p, r->kernel ? "kernel" : "user", r->name);
		if (r->present_start == r->start && r->present_end == r->end)
			sb_puts(&sb, "all present");
		else
			sb_printf(&sb, "present 0x%llx-0x%llx", (unsigned long long)r->present_start,
				  (unsigned long long)r->present_end);
		if (r->page_shift) {
			sb_puts(&sb, ", ");
			render_size(1ull << r->page_shift, &sb);
			sb_puts(&sb, " pages");
		}
		sb_puts(&sb, "\n");
	}
	if (ds->note[0])
		sb_printf(&sb, "  (%s)\n", ds->note);

	/* One access per region, then the instructive failures. */
	struct { const char *what; uint64_t va; unsigned int access; } ex[16];
	unsigned int n = 0;
	for (unsigned int i = 0; i < ds->nr_regions && n < 10; i++) {
		const struct demo_region *r = &ds->region[i];
		uint64_t va = r->present_start + ((r->present_end - r->present_start) / 2) + 0x123;
		unsigned int acc = r->kernel ? MMU_READ : MMU_USER |
			(r->prot & PTE_WRITE || r->prot & PTE_DBM ? MMU_WRITE : MMU_EXEC);
		ex[n++] = (typeof(ex[0])){ r->name, va, acc };
	}
	const struct demo_region *heap = &ds->region[2], *text = &ds->region[0];
	ex[n++] = (typeof(ex[0])){ "heap, untouched page", heap->present_end + 0x10, MMU_USER };
	ex[n++] = (typeof(ex[0])){ "text, write", text->start + 0x10, MMU_USER | MMU_WRITE };
	for (unsigned int i = 0; i < ds->nr_regions; i++)
		if (ds->region[i].kernel) {
			ex[n++] = (typeof(ex[0])){ "direct map from user mode",
						   ds->region[i].start + 0x1000, MMU_USER };
			break;
		}
	if (f->split != PT_SPLIT_NONE)
		ex[n++] = (typeof(ex[0])){ "outside the address space", 1ull << (f->va_bits - 1) |
					   1ull << (f->va_bits), MMU_USER };
	ex[n++] = (typeof(ex[0])){ "text again: a TLB hit", ex[0].va, ex[0].access };

	sb_puts(&sb, "\nTranslations on cpu 0 (each walks the tables in RAM unless the TLB has it):\n");
	for (unsigned int i = 0; i < n; i++) {
		struct translate_attempt t;
		rc = translate_run(m, 0, ex[i].va, ex[i].access, &t);
		if (rc) {
			sb_free(&sb);
			return err_set(err, rc, NULL, 0, 0, "translation: %s", mmsim_strerror(rc));
		}
		sb_printf(&sb, "  %-4s %-6s 0x%0*llx %-27s ", ex[i].access & MMU_USER ? "user" :
			  "kern", access_name(ex[i].access)[0] == 'i' ? "fetch" :
			  access_name(ex[i].access), w, (unsigned long long)ex[i].va, ex[i].what);
		if (t.rc == 0)
			sb_printf(&sb, "-> 0x%0*llx  %s, %u memory ref%s\n", w,
				  (unsigned long long)t.x.pa, t.x.tlb_level ? (t.x.tlb_level == 1 ?
				  "TLB L1 hit" : "TLB L2 hit") : "walk", t.x.mem_refs,
				  t.x.mem_refs == 1 ? "" : "s");
		else {
			sb_puts(&sb, "-> ");
			sb_puts(&sb, mmu_fault_name(t.fault.type));
			if (t.fault.type == MMU_FAULT_PROT)
				sb_printf(&sb, ": %s", mmu_why_name(t.fault.why));
			if (t.fault.level >= 0)
				sb_printf(&sb, " at %s", f->level[t.fault.level].name);
			sb_puts(&sb, "\n");
		}
	}
	const struct tlb_stats *st = mmu->tlb ? tlb_stats(mmu->tlb) : NULL;
	sb_printf(&sb, "cpu 0: %llu accesses, %llu walks, %llu entries read, %llu A/D updates",
		  (unsigned long long)(mmu->stats.kind[0] + mmu->stats.kind[1] + mmu->stats.kind[2]),
		  (unsigned long long)mmu->stats.walks,
		  (unsigned long long)mmu->stats.walk_refs, (unsigned long long)mmu->stats.ad_updates);
	if (st)
		sb_printf(&sb, "; TLB %s: L1d %llu/%llu hits, L1i %llu/%llu", m->tlbcfg.preset,
			  (unsigned long long)st->l1d.hits, (unsigned long long)st->l1d.lookups,
			  (unsigned long long)st->l1i.hits, (unsigned long long)st->l1i.lookups);
	for (unsigned int i = 0; i < ds->nr_regions; i++)
		if (strcmp(ds->region[i].name, "[stack]") == 0)
			sb_printf(&sb, "\nExplain one step by step: mmsim translate "
				  "[the same options] 0x%llx\n",
				  (unsigned long long)(ds->region[i].present_end -
						       (1ull << f->granule_shift) + 0xbcd));
	return sb_finish(&sb, out, len);
}

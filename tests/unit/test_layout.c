/*
 * Kernel virtual memory layouts (src/arch/layout.c).
 *
 *  - every format has a layout whose invariants hold (sorted, non-overlapping, TASK_SIZE in
 *    user space, a region at PAGE_OFFSET) and agrees with the hardware's split (pt_va_half):
 *    the hole between the user and kernel halves is exactly the untranslated range;
 *  - the documented constants: x86_64 from Documentation/arch/x86/x86_64/mm.rst, i386 from
 *    pgtable_32_areas.h's formulas (the PAE figures equal those a real PAE kernel printed:
 *    vmalloc 0xf7dfe000-0xff5fe000, lowmem up to 0xf75fe000, pkmap 0xff600000), arm64 from
 *    memory.h and the KASAN shadow of memory.rst;
 *  - rendering in the kernel documents' shapes, the public mmsim_layout_render and its
 *    errors, and the validator catching broken layouts.
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
#include "arch/layout.h"
#include "arch/pgtable.h"
#include "util/strbuf.h"

static const struct pt_format *const formats[] = {
	&pt_format_x86_64_4l, &pt_format_x86_64_5l, &pt_format_i386_2l, &pt_format_i386_pae,
	&pt_format_arm64_4k_39, &pt_format_arm64_4k_48, &pt_format_arm64_16k_47,
	&pt_format_arm64_16k_48, &pt_format_arm64_64k_42, &pt_format_arm64_64k_48,
};
#define NR_FORMATS (sizeof(formats) / sizeof(formats[0]))

static const struct arch_layout *layout_of(const struct pt_format *f)
{
	const struct arch_layout *l = NULL;
	assert_int_equal(arch_layout(f, &l), 0);
	assert_non_null(l);
	assert_int_equal(l->fmt, f->id);
	return l;
}

/* The region called name (the first of that name). */
static const struct layout_region *region(const struct arch_layout *l, const char *name)
{
	for (unsigned int i = 0; i < l->nr_regions; i++)
		if (strcmp(l->region[i].name, name) == 0)
			return &l->region[i];
	fail_msg("%s: no region %s", l->title, name);
	return NULL;
}

static void expect_region(const struct arch_layout *l, const char *name, uint64_t start,
			  uint64_t end)
{
	const struct layout_region *r = region(l, name);
	if (r->start != start || r->end != end)
		fail_msg("%s: %s is 0x%016llx-0x%016llx, expected 0x%016llx-0x%016llx", l->title,
			 name, (unsigned long long)r->start, (unsigned long long)r->end,
			 (unsigned long long)start, (unsigned long long)end);
}

/* Render f and return the text (caller frees). */
static char *render(const struct pt_format *f)
{
	struct strbuf sb;
	char *text = NULL;
	size_t len = 0;

	sb_init(&sb);
	assert_int_equal(layout_render(f, &sb), 0);
	assert_int_equal(sb_finish(&sb, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	return text;
}

static void expect_text(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("the layout lacks \"%s\":\n%s", want, text);
}

/* ---- invariants -------------------------------------------------------------------------- */

static void test_every_format_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < NR_FORMATS; i++) {
		const struct arch_layout *l = layout_of(formats[i]);
		struct mmsim_error err = { 0 };
		if (layout_validate(l, &err) != 0)
			fail_msg("%s: %s", formats[i]->name, err.msg);
		/* Every region lies in the format's address space. */
		for (unsigned int r = 0; r < l->nr_regions; r++)
			if (formats[i]->va_bits < 64 && formats[i]->split == PT_SPLIT_NONE)
				assert_true(l->region[r].end < 1ull << formats[i]->va_bits);
	}
}

/*
 * The OS split against the hardware's: user regions lie in half 0, kernel regions that are
 * not holes in half 1, and the hole after user space is exactly the untranslated range.
 */
static void test_split_matches_hardware(void **state)
{
	(void)state;
	for (size_t i = 0; i < NR_FORMATS; i++) {
		const struct pt_format *f = formats[i];
		const struct arch_layout *l = layout_of(f);
		for (unsigned int k = 0; k < l->nr_regions; k++) {
			const struct layout_region *r = &l->region[k];
			int half = (r->flags & LR_USER) || f->split == PT_SPLIT_NONE ? 0 : 1;
			if (r->flags & LR_HOLE)
				continue;
			assert_int_equal(pt_va_half(f, r->start), half);
			assert_int_equal(pt_va_half(f, r->end), half);
		}
		if (f->split == PT_SPLIT_NONE)
			continue;
		/* The region after the user one is the non-canonical / untranslated hole. */
		const struct layout_region *u = &l->region[0], *h = &l->region[1];
		assert_true(u->flags & LR_USER);
		assert_true(h->flags & LR_HOLE);
		assert_int_equal(h->start, u->end + 1);
		assert_int_equal(pt_va_half(f, u->end), 0);
		assert_int_equal(pt_va_half(f, h->start), -1);
		assert_int_equal(pt_va_half(f, h->end), -1);
		assert_int_equal(pt_va_half(f, h->end + 1), 1);
	}
}

/* ---- documented constants ---------------------------------------------------------------- */

static void test_x86_64(void **state)
{
	(void)state;
	const struct arch_layout *l = layout_of(&pt_format_x86_64_4l);
	assert_int_equal(l->task_size, 0x7ffffffff000ull);
	assert_int_equal(l->map_window, 0x7ffffffff000ull);
	assert_int_equal(l->page_offset, 0xffff888000000000ull);
	expect_region(l, "user", 0, 0x00007fffffffffffull);
	expect_region(l, "ldt", 0xffff880000000000ull, 0xffff887fffffffffull);
	expect_region(l, "direct map", 0xffff888000000000ull, 0xffffc87fffffffffull);
	expect_region(l, "vmalloc", 0xffffc90000000000ull, 0xffffe8ffffffffffull);
	expect_region(l, "vmemmap", 0xffffea0000000000ull, 0xffffeaffffffffffull);
	expect_region(l, "kasan", 0xffffec0000000000ull, 0xfffffbffffffffffull);
	expect_region(l, "cpu_entry_area", 0xfffffe0000000000ull, 0xfffffe7fffffffffull);
	expect_region(l, "espfix", 0xffffff0000000000ull, 0xffffff7fffffffffull);
	expect_region(l, "efi", 0xffffffef00000000ull, 0xfffffffeffffffffull);
	expect_region(l, "kernel text", 0xffffffff80000000ull, 0xffffffff9fffffffull);
	expect_region(l, "modules", 0xffffffffa0000000ull, 0xfffffffffeffffffull);
	expect_region(l, "vsyscall", 0xffffffffff600000ull, 0xffffffffff600fffull);
	assert_true(region(l, "fixmap")->flags & LR_VAR_START);
	/* The direct map is 64 TB, vmalloc 32 TB, vmemmap 1 TB (mm.rst's size column). */
	assert_int_equal(region(l, "direct map")->end - l->page_offset + 1, 64ull << 40);
	assert_string_equal(layout_find(l, 0xffffffff81000000ull)->name, "kernel text");
	assert_string_equal(layout_find(l, 0x00007ffd12345000ull)->name, "user");
	assert_true(layout_find(l, 0x0000800000000000ull)->flags & LR_HOLE);

	l = layout_of(&pt_format_x86_64_5l);
	assert_int_equal(l->task_size, 0xfffffffffff000ull);
	/* Addresses above 47 bits only on an mmap hint (DEFAULT_MAP_WINDOW). */
	assert_int_equal(l->map_window, 0x7ffffffff000ull);
	assert_int_equal(l->page_offset, 0xff11000000000000ull);
	expect_region(l, "user", 0, 0x00ffffffffffffffull);
	expect_region(l, "ldt", 0xff10000000000000ull, 0xff10ffffffffffffull);
	expect_region(l, "direct map", 0xff11000000000000ull, 0xff90ffffffffffffull);
	expect_region(l, "vmalloc", 0xffa0000000000000ull, 0xffd1ffffffffffffull);
	expect_region(l, "vmemmap", 0xffd4000000000000ull, 0xffd5ffffffffffffull);
	expect_region(l, "kernel text", 0xffffffff80000000ull, 0xffffffff9fffffffull);
	assert_int_equal(region(l, "direct map")->end - l->page_offset + 1, 32ull << 50);
}

static void test_i386(void **state)
{
	(void)state;
	const struct arch_layout *l = layout_of(&pt_format_i386_pae);
	assert_int_equal(l->task_size, 0xc0000000ull);
	assert_int_equal(l->page_offset, 0xc0000000ull);
	expect_region(l, "user", 0, 0xbfffffffull);
	/* MAXMEM = VMALLOC_END - PAGE_OFFSET - 128 MB = 0x375fe000 (about 886 MB). */
	expect_region(l, "lowmem", 0xc0000000ull, 0xf75fdfffull);
	expect_region(l, "vmalloc", 0xf7dfe000ull, 0xff5fdfffull);
	expect_region(l, "pkmap", 0xff600000ull, 0xff7fffffull);
	expect_region(l, "ldt", 0xff800000ull, 0xff9fffffull);
	expect_region(l, "cpu_entry/fixmap", 0xffa00000ull, 0xffffefffull);

	l = layout_of(&pt_format_i386_2l);
	/* 4 MB PMDs and 1024 pkmap pages move everything down. */
	expect_region(l, "lowmem", 0xc0000000ull, 0xf6ffdfffull);
	expect_region(l, "vmalloc", 0xf77fe000ull, 0xfeffdfffull);
	expect_region(l, "pkmap", 0xff000000ull, 0xff3fffffull);
	expect_region(l, "ldt", 0xff400000ull, 0xff7fffffull);
	expect_region(l, "cpu_entry/fixmap", 0xff800000ull, 0xffffefffull);
	/* The vmalloc area is 120 MB in both: the 128 MB reserve less the 8 MB gap. */
	const struct layout_region *v = region(l, "vmalloc");
	assert_int_equal(v->end - v->start + 1, 120ull << 20);
}

/* The arm64 expectations of one format, from memory.h's formulas worked by hand. */
struct arm64_want {
	const struct pt_format *f;
	uint64_t page_offset, kasan_start, vmemmap_start, fixmap_start;
};

static void test_arm64(void **state)
{
	(void)state;
	static const struct arm64_want want[] = {
		/* 4K/48: vmemmap 2^47 >> 12 pages x 64 bytes = 2 TB below -1 GB; fixmap
		   1491 pages (512 FDT + 531 + 7 x 64 boot-time). */
		{ &pt_format_arm64_4k_48, 0xffff000000000000ull, 0xffff600000000000ull,
		  0xfffffdffc0000000ull, 0xffffffffff800000ull - 1491 * 0x1000ull },
		{ &pt_format_arm64_4k_39, 0xffffff8000000000ull, 0xffffffb000000000ull,
		  0xfffffffec0000000ull, 0xffffffffff800000ull - 1491 * 0x1000ull },
		/* 16K/47: vmemmap 256 GB; fixmap 128 + 531 + 7 x 16 = 771 pages. */
		{ &pt_format_arm64_16k_47, 0xffff800000000000ull, 0xffffb00000000000ull,
		  0xffffffbfc0000000ull, 0xffffffffff800000ull - 771 * 0x4000ull },
		{ &pt_format_arm64_16k_48, 0xffff000000000000ull, 0xffff600000000000ull,
		  0xffffff7fc0000000ull, 0xffffffffff800000ull - 771 * 0x4000ull },
		/* 64K/42: vmemmap 2 GB; fixmap 32 + 531 + 7 x 4 = 591 pages. */
		{ &pt_format_arm64_64k_42, 0xfffffc0000000000ull, 0xfffffd8000000000ull,
		  0xffffffff40000000ull, 0xffffffffff800000ull - 591 * 0x10000ull },
		{ &pt_format_arm64_64k_48, 0xffff000000000000ull, 0xffff600000000000ull,
		  0xffffffdfc0000000ull, 0xffffffffff800000ull - 591 * 0x10000ull },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct pt_format *f = want[i].f;
		const struct arch_layout *l = layout_of(f);
		uint64_t page_end = ~0ull << (f->va_bits - 1);

		print_message("  %s\n", f->name);
		assert_int_equal(l->task_size, 1ull << f->va_bits);
		assert_int_equal(l->page_offset, want[i].page_offset);
		expect_region(l, "user", 0, (1ull << f->va_bits) - 1);
		expect_region(l, "linear map", want[i].page_offset, page_end - 1);
		/* KASAN's shadow ends at PAGE_END (Kconfig's KASAN_SHADOW_OFFSET). */
		expect_region(l, "kasan", want[i].kasan_start, page_end - 1);
		assert_true(region(l, "kasan")->flags & LR_OPTIONAL);
		expect_region(l, "modules", page_end, page_end + 0x7fffffffull);
		expect_region(l, "vmalloc", page_end + 0x80000000ull,
			      want[i].vmemmap_start - 0x800000ull - 1);
		expect_region(l, "vmemmap", want[i].vmemmap_start, 0xffffffffbfffffffull);
		expect_region(l, "pci io", 0xffffffffc0800000ull, 0xffffffffc17fffffull);
		expect_region(l, "fixmap", want[i].fixmap_start, 0xffffffffff7fffffull);
		/* One 64-byte struct page per page of the linear map. */
		const struct layout_region *lm = region(l, "linear map");
		assert_int_equal((lm->end - lm->start + 1) >> f->granule_shift << 6,
				 0xffffffffc0000000ull - want[i].vmemmap_start);
		/* The KASAN shadow is an eighth of the kernel half. */
		assert_int_equal(page_end - want[i].kasan_start, 1ull << (f->va_bits - 3));
		assert_string_equal(layout_find(l, want[i].kasan_start)->name, "kasan");
		assert_string_equal(layout_find(l, want[i].page_offset)->name, "linear map");
	}
	/* memory.rst's 48-bit table: modules at ffff800000000000, vmalloc ffff800080000000 on. */
	const struct arch_layout *l = layout_of(&pt_format_arm64_4k_48);
	assert_int_equal(region(l, "modules")->start, 0xffff800000000000ull);
	assert_int_equal(region(l, "vmalloc")->start, 0xffff800080000000ull);
}

/* ---- rendering --------------------------------------------------------------------------- */

static void test_render(void **state)
{
	(void)state;
	char *t = render(&pt_format_x86_64_4l);
	expect_text(t, "    Start addr    |   Offset   |     End addr     |  Size   | VM area");
	expect_text(t, " 0000000000000000 |    0       | 00007fffffffffff |  128 TB | user-");
	expect_text(t, " ffff888000000000 | -119.5  TB | ffffc87fffffffff |   64 TB | direct "
		       "mapping");
	expect_text(t, " ffffffffa0000000 | -1.5    GB | fffffffffeffffff | 1520 MB | module");
	expect_text(t, "    FIXADDR_START |~-11     MB |");
	expect_text(t, "TASK_SIZE   0x00007ffffffff000");
	expect_text(t, "KASLR");
	free(t);

	t = render(&pt_format_x86_64_5l);
	expect_text(t, " ff11000000000000 | -59.75  PB | ff90ffffffffffff |   32 PB | direct "
		       "mapping");
	expect_text(t, "DEFAULT_MAP_WINDOW 0x00007ffffffff000");
	free(t);

	t = render(&pt_format_i386_pae);
	expect_text(t, "virtual kernel memory layout:\n"
		       "cpu_entry/fixmap : 0xffa00000 - 0xfffff000   (6140 kB)\n"
		       "    ldt     : 0xff800000 - 0xffa00000   (2048 kB)\n"
		       "    pkmap   : 0xff600000 - 0xff800000   (2048 kB)\n"
		       "    vmalloc : 0xf7dfe000 - 0xff5fe000   ( 120 MB)\n"
		       "    lowmem  : 0xc0000000 - 0xf75fe000   ( 885 MB)\n");
	free(t);

	t = render(&pt_format_arm64_4k_48);
	expect_text(t, "TTBR0 (user):   0x0000000000000000-0x0000ffffffffffff\n"
		       "TTBR1 (kernel): 0xffff000000000000-0xffffffffffffffff\n");
	expect_text(t, "  0000000000000000      0000ffffffffffff      256TB    user\n");
	expect_text(t, "  ffff000000000000      ffff7fffffffffff      128TB    kernel logical "
		       "memory map\n");
	expect_text(t, " [ffff600000000000      ffff7fffffffffff]      32TB    [kasan shadow "
		       "region]\n");
	expect_text(t, "  ffff800000000000      ffff80007fffffff        2GB    modules\n");
	expect_text(t, "  ffffffffc0800000      ffffffffc17fffff       16MB    PCI I/O space\n");
	free(t);

	/* Every format renders its title, PAGE_OFFSET and a line per region at least. */
	for (size_t i = 0; i < NR_FORMATS; i++) {
		const struct arch_layout *l = layout_of(formats[i]);
		unsigned int lines = 0;
		t = render(formats[i]);
		expect_text(t, l->title);
		expect_text(t, "PAGE_OFFSET 0x");
		for (const char *p = t; *p; p++)
			lines += *p == '\n';
		assert_true(lines > l->nr_regions / 2 + 5);
		free(t);
	}
}

static void test_public_api(void **state)
{
	struct mmsim_error err = { 0 };
	char *text = NULL;
	size_t len = 0;
	(void)state;

	/* Defaults: x86_64, 4 levels. */
	assert_int_equal(mmsim_layout_render(NULL, 0, 0, 0, &text, &len, &err), 0);
	assert_int_equal(strlen(text), len);
	expect_text(text, "(x86_64-4level)");
	free(text);
	assert_int_equal(mmsim_layout_render("x86_64", 5, 0, 0, &text, &len, &err), 0);
	expect_text(text, "(x86_64-5level)");
	free(text);
	assert_int_equal(mmsim_layout_render("i386", 3, 0, 0, &text, &len, &err), 0);
	expect_text(text, "(i386-pae)");
	free(text);
	assert_int_equal(mmsim_layout_render("aarch64", 0, 65536, 42, &text, &len, &err), 0);
	expect_text(text, "(arm64-64k-42)");
	free(text);
	assert_int_equal(mmsim_layout_render("arm64", 0, 16384, 0, &text, &len, NULL), 0);
	expect_text(text, "(arm64-16k-48)");
	free(text);

	/* Errors name what was wrong and what exists; nothing is handed out. */
	text = NULL;
	assert_int_equal(mmsim_layout_render("vax", 0, 0, 0, &text, &len, &err), -EINVAL);
	assert_null(text);
	expect_text(err.msg, "'vax'");
	expect_text(err.msg, "arm64");
	assert_int_equal(mmsim_layout_render("x86_64", 3, 0, 0, &text, &len, &err), -EINVAL);
	assert_null(text);
	expect_text(err.msg, "3 levels");
	expect_text(err.msg, "x86_64-5level");
	assert_int_equal(mmsim_layout_render("arm64", 0, 65536, 52, &text, &len, &err), -EINVAL);
	expect_text(err.msg, "52-bit");
	expect_text(err.msg, "arm64-64k-48");
	assert_int_equal(mmsim_layout_render("arm64", 0, 8192, 0, &text, &len, NULL), -EINVAL);
	assert_null(text);
}

/* ---- the validator and bad arguments ----------------------------------------------------- */

/* Validate l with its regions replaced by a copy that edit() changes; expect -EUCLEAN. */
static void expect_invalid(const struct arch_layout *base,
			   void (*edit)(struct arch_layout *l, struct layout_region *r))
{
	struct layout_region regions[64];
	struct arch_layout l = *base;
	struct mmsim_error err = { 0 };

	assert_true(base->nr_regions <= 64);
	memcpy(regions, base->region, base->nr_regions * sizeof(regions[0]));
	l.region = regions;
	assert_int_equal(layout_validate(&l, &err), 0);
	edit(&l, regions);
	assert_int_equal(layout_validate(&l, &err), -EUCLEAN);
	assert_true(err.msg[0] != '\0');
}

static void overlap(struct arch_layout *l, struct layout_region *r)
{
	(void)l;
	r[3].start = r[2].end;
}

static void unsorted(struct arch_layout *l, struct layout_region *r)
{
	(void)l;
	struct layout_region t = r[3];
	r[3] = r[4];
	r[4] = t;
}

static void empty(struct arch_layout *l, struct layout_region *r)
{
	(void)l;
	r[4].end = r[4].start - 1;
}

static void kasan_outside(struct arch_layout *l, struct layout_region *r)
{
	for (unsigned int i = 0; i < l->nr_regions; i++)
		if (r[i].flags & LR_OPTIONAL)
			r[i].end = r[i + 1].end;
}

static void task_size_in_kernel(struct arch_layout *l, struct layout_region *r)
{
	(void)r;
	l->task_size = l->page_offset;
}

static void map_window_too_big(struct arch_layout *l, struct layout_region *r)
{
	(void)r;
	l->map_window = l->task_size + 0x1000;
}

static void no_page_offset(struct arch_layout *l, struct layout_region *r)
{
	(void)r;
	l->page_offset += 0x1000;
}

static void symbol_missing(struct arch_layout *l, struct layout_region *r)
{
	for (unsigned int i = 0; i < l->nr_regions; i++)
		if (r[i].flags & LR_VAR_START)
			r[i].sym = NULL;
}

static void beyond_4g(struct arch_layout *l, struct layout_region *r)
{
	r[l->nr_regions - 1].end = 0x100000000ull;
}

static void test_validate_catches(void **state)
{
	(void)state;
	const struct arch_layout *a64 = layout_of(&pt_format_arm64_4k_48);
	const struct arch_layout *x86 = layout_of(&pt_format_x86_64_4l);
	const struct arch_layout *i386 = layout_of(&pt_format_i386_2l);

	expect_invalid(x86, overlap);
	expect_invalid(x86, unsorted);
	expect_invalid(x86, empty);
	expect_invalid(a64, kasan_outside);
	expect_invalid(x86, task_size_in_kernel);
	expect_invalid(a64, map_window_too_big);
	expect_invalid(i386, no_page_offset);
	expect_invalid(x86, symbol_missing);
	expect_invalid(i386, beyond_4g);
}

static void test_bad_arguments(void **state)
{
	const struct arch_layout *l = NULL;
	struct pt_format fake = pt_format_x86_64_4l;
	struct strbuf sb;
	(void)state;

	assert_int_equal(arch_layout(NULL, &l), -EINVAL);
	fake.id = NR_PT_FORMATS;
	assert_int_equal(arch_layout(&fake, &l), -EINVAL);
	assert_null(l);
	sb_init(&sb);
	assert_int_equal(layout_render(&fake, &sb), -EINVAL);
	assert_int_equal(sb.len, 0);
	sb_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_format_valid),
		cmocka_unit_test(test_split_matches_hardware),
		cmocka_unit_test(test_x86_64),
		cmocka_unit_test(test_i386),
		cmocka_unit_test(test_arm64),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_public_api),
		cmocka_unit_test(test_validate_catches),
		cmocka_unit_test(test_bad_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

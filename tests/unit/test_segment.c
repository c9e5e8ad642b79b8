/*
 * The segmentation unit (src/hw/segment.c).
 *
 *  - golden descriptors: Linux 6.18's x86_64 and i386 GDT entries (gdt_page in
 *    arch/x86/kernel/cpu/common.c, DESC_* of desc_defs.h) as raw 64-bit values decoded by
 *    hand, Linux's selector values, fill_ldt's TLS descriptor;
 *  - every load check (null, table limit, LDT, system, type, RPL, DPL, present, L+D) and
 *    every access check (null use, write to code, write to read-only, read of execute-only,
 *    limits expand-up and expand-down with G and B, canonical) with a failing and a passing
 *    case and the exact fault, error code and reason;
 *  - 64-bit mode rules, compatibility mode, SYSCALL/SYSRET/SYSENTER/SYSEXIT/SWAPGS, and the
 *    register states of Linux's kernel and user code;
 *  - the step-by-step explanation and the SEL:OFFSET parser;
 *  - the textbook modes: a segment-table exercise with its physical addresses and traps,
 *    and segmented paging chained to a page table;
 *  - a random property test against an independent reference written here;
 *  - counters, validators that catch broken states, failures that change nothing.
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
#include "hw/segment.h"
#include "util/rng.h"
#include "util/strbuf.h"

/* ---- helpers ----------------------------------------------------------------------------- */

static void check_valid(const struct seg_unit *u)
{
	struct mmsim_error err = { 0 };

	if (seg_unit_validate(u, &err) != 0)
		fail_msg("seg_unit_validate: %s", err.msg);
}

/* rc and the record name exactly this fault. */
static void expect_fault(int rc, const struct seg_fault *f, enum seg_fault_kind kind,
			 enum seg_why why, unsigned int code)
{
	if (rc != (int)kind || f->kind != kind || f->why != why || f->code != code)
		fail_msg("expected %s(0x%x) \"%s\", got rc %d: %s(0x%x) \"%s\"",
			 seg_fault_name(kind), code, seg_why_name(why), rc,
			 seg_fault_name(f->kind), f->code, seg_why_name(f->why));
}

/* The text sb holds contains needle. */
static void expect_text(struct strbuf *sb, const char *needle)
{
	assert_int_equal(sb->err, 0);
	if (!sb->buf || !strstr(sb->buf, needle))
		fail_msg("\"%s\" not in:\n%s", needle, sb->buf ? sb->buf : "(empty)");
}

/*
 * A 32-bit protected-mode unit with a teaching GDT (raw values written out):
 *   1 ring-0 code, 4 GiB     2 ring-0 data, 4 GiB      3 ring-3 code, 4 GiB
 *   4 ring-3 data, 4 GiB     5 ring-3 read-only data    6 ring-3 execute-only code
 *   7 ring-3 data, P = 0     8 ring-0 conforming code   9 ring-3 expand-down, B=1, 0xfff
 *  10 ring-1 data           11 32-bit TSS              12 ring-3 data base 0x10000 lim 0xffff
 *  13 ring-3 code, P = 0    14 ring-3 data, A = 0      15 ring-0 conforming execute-only
 *  16 ring-3 expand-down, B=0, 0xfff                    17 ring-3 data, G=1, limit 0 (4 KiB)
 *  18 ring-3 expand-down, G=1, limit 1, B=1              19 ring-3 conforming code
 *  20 ring-3 code, 0x7ff bytes
 */
static const uint64_t teach_gdt[21] = {
	[1] = 0x00cf9b000000ffffull,	[2] = 0x00cf93000000ffffull,
	[3] = 0x00cffb000000ffffull,	[4] = 0x00cff3000000ffffull,
	[5] = 0x00cff1000000ffffull,	[6] = 0x00cff9000000ffffull,
	[7] = 0x00cf73000000ffffull,	[8] = 0x00cf9f000000ffffull,
	[9] = 0x0040f70000000fffull,	[10] = 0x00cfb3000000ffffull,
	[11] = 0x0000890010000067ull,	[12] = 0x0040f3010000ffffull,
	[13] = 0x00cf7b000000ffffull,	[14] = 0x00cff2000000ffffull,
	[15] = 0x00cf9d000000ffffull,	[16] = 0x0000f70000000fffull,
	[17] = 0x0080f30000000000ull,	[18] = 0x00c0f70000000001ull,
	[19] = 0x00cfff000000ffffull,	[20] = 0x0040fb00000007ffull,
};

static void teach_unit(struct seg_unit *u)
{
	assert_int_equal(seg_unit_init(u, 21, false, 0), 0);
	for (unsigned int i = 0; i < 21; i++)
		assert_int_equal(seg_table_set(&u->gdt, i, teach_gdt[i]), 0);
}

/* A teaching unit running ring-3 code: CS 0x1b, SS 0x23, DS/ES 0x23 (via a return). */
static void teach_user(struct seg_unit *u)
{
	struct seg_fault f;

	teach_unit(u);
	assert_int_equal(seg_far_jump(u, 0x08, 0, &f), 0);
	assert_int_equal(seg_load(u, SEG_SS, 0x10, &f), 0);
	assert_int_equal(seg_load(u, SEG_DS, 0x23, &f), 0);
	assert_int_equal(seg_load(u, SEG_ES, 0x23, &f), 0);
	assert_int_equal(seg_far_return(u, 0x1b, 0x1000, 0x23, &f), 0);
	assert_int_equal(u->cpl, 3);
	check_valid(u);
}

/* ---- golden descriptors ------------------------------------------------------------------ */

/* Every field of a descriptor, as decoded by hand from the raw value. */
struct hand {
	uint64_t raw;
	unsigned int flags;		/* Linux's GDT_ENTRY_INIT flags */
	uint32_t base, limit;
	unsigned int type, s, dpl, p, avl, l, db, g;
};

static void check_hand(const struct hand *h)
{
	struct seg_desc d;

	seg_desc_decode(h->raw, &d);
	assert_int_equal(d.base, h->base);
	assert_int_equal(d.limit, h->limit);
	assert_int_equal(d.type, h->type);
	assert_int_equal(d.s, h->s);
	assert_int_equal(d.dpl, h->dpl);
	assert_int_equal(d.p, h->p);
	assert_int_equal(d.avl, h->avl);
	assert_int_equal(d.l, h->l);
	assert_int_equal(d.db, h->db);
	assert_int_equal(d.g, h->g);
	assert_int_equal(seg_desc_encode(&d), h->raw);
	assert_int_equal(seg_desc_flags(&d), h->flags);
	assert_int_equal(seg_desc_pack(h->flags, h->base, h->limit), h->raw);
}

/*
 * Linux 6.18 x86_64 gdt_page. By hand, 0x00af9b000000ffff: limit 15:0 = 0xffff, base 23:0 =
 * 0, byte 5 = 0x9b = P 1, DPL 0, S 1, type 0xb (code execute/read accessed), byte 6 = 0xaf
 * = G 1, D 0, L 1, AVL 0, limit 19:16 = 0xf, byte 7 = base 31:24 = 0.
 */
static const struct hand linux64[] = {
	{ 0x00cf9b000000ffffull, 0xc09b, 0, 0xfffff, 0xb, 1, 0, 1, 0, 0, 1, 1 }, /* KERNEL32_CS */
	{ 0x00af9b000000ffffull, 0xa09b, 0, 0xfffff, 0xb, 1, 0, 1, 0, 1, 0, 1 }, /* KERNEL_CS */
	{ 0x00cf93000000ffffull, 0xc093, 0, 0xfffff, 0x3, 1, 0, 1, 0, 0, 1, 1 }, /* KERNEL_DS */
	{ 0x00cffb000000ffffull, 0xc0fb, 0, 0xfffff, 0xb, 1, 3, 1, 0, 0, 1, 1 }, /* USER32_CS */
	{ 0x00cff3000000ffffull, 0xc0f3, 0, 0xfffff, 0x3, 1, 3, 1, 0, 0, 1, 1 }, /* USER_DS */
	{ 0x00affb000000ffffull, 0xa0fb, 0, 0xfffff, 0xb, 1, 3, 1, 0, 1, 0, 1 }, /* USER_CS */
};

static void test_golden_linux64(void **state)
{
	struct seg_unit u;
	(void)state;

	for (unsigned int i = 0; i < 6; i++)
		check_hand(&linux64[i]);
	/* the DESC_* composites are Linux's numbers */
	assert_int_equal(SEG_DESC_CODE32, 0xc09b);
	assert_int_equal(SEG_DESC_CODE64, 0xa09b);
	assert_int_equal(SEG_DESC_DATA64, 0xc093);
	assert_int_equal(SEG_DESC_CODE64 | SEG_DESC_USER, 0xa0fb);
	assert_int_equal(SEG_DESC_DATA64 | SEG_DESC_USER, 0xc0f3);

	assert_int_equal(seg_linux_init(&u, SEG_LINUX_X86_64, 48, 0xffff888003a00000ull), 0);
	assert_int_equal(u.gdt.nr, 16);
	assert_int_equal(u.gdt.desc[0], 0);
	for (unsigned int i = 0; i < 6; i++)
		assert_int_equal(u.gdt.desc[i + 1], linux64[i].raw);
	for (unsigned int i = 7; i < 16; i++)
		assert_int_equal(u.gdt.desc[i], 0);
	/* syscall_init: STAR[47:32] = __KERNEL_CS, STAR[63:48] = __USER32_CS */
	assert_int_equal(u.star, 0x0023001000000000ull);
	check_valid(&u);
	seg_unit_destroy(&u);
}

/* Linux 6.18 i386 gdt_page, and the per-CPU entry setup_percpu_segment writes. */
static const struct hand linux32[] = {
	{ 0x00cf9b000000ffffull, 0xc09b, 0, 0xfffff, 0xb, 1, 0, 1, 0, 0, 1, 1 }, /* 12 KERNEL_CS */
	{ 0x00cf93000000ffffull, 0xc093, 0, 0xfffff, 0x3, 1, 0, 1, 0, 0, 1, 1 }, /* 13 KERNEL_DS */
	{ 0x00cffb000000ffffull, 0xc0fb, 0, 0xfffff, 0xb, 1, 3, 1, 0, 0, 1, 1 }, /* 14 USER_CS */
	{ 0x00cff3000000ffffull, 0xc0f3, 0, 0xfffff, 0x3, 1, 3, 1, 0, 0, 1, 1 }, /* 15 USER_DS */
	{ 0x00409b000000ffffull, 0x409b, 0, 0x0ffff, 0xb, 1, 0, 1, 0, 0, 1, 0 }, /* 18 PNP CS32 */
	{ 0x00009b000000ffffull, 0x009b, 0, 0x0ffff, 0xb, 1, 0, 1, 0, 0, 0, 0 }, /* 19 PNP CS16 */
	{ 0x000093000000ffffull, 0x0093, 0, 0x0ffff, 0x3, 1, 0, 1, 0, 0, 0, 0 }, /* 20 PNP DS */
	{ 0x0000930000000000ull, 0x0093, 0, 0x00000, 0x3, 1, 0, 1, 0, 0, 0, 0 }, /* 21 PNP TS1 */
	{ 0x0000930000000000ull, 0x0093, 0, 0x00000, 0x3, 1, 0, 1, 0, 0, 0, 0 }, /* 22 PNP TS2 */
	{ 0x00409b000000ffffull, 0x409b, 0, 0x0ffff, 0xb, 1, 0, 1, 0, 0, 1, 0 }, /* 23 APM */
	{ 0x00009b000000ffffull, 0x009b, 0, 0x0ffff, 0xb, 1, 0, 1, 0, 0, 0, 0 }, /* 24 APM */
	{ 0x004093000000ffffull, 0x4093, 0, 0x0ffff, 0x3, 1, 0, 1, 0, 0, 1, 0 }, /* 25 APM */
	{ 0x00cf93000000ffffull, 0xc093, 0, 0xfffff, 0x3, 1, 0, 1, 0, 0, 1, 1 }, /* 26 ESPFIX */
	/* 27 PERCPU, base 0x12345678: byte 7 = 0x12, bytes 4..2 = 0x34 0x5678 */
	{ 0x12cf93345678ffffull, 0xc093, 0x12345678, 0xfffff, 0x3, 1, 0, 1, 0, 0, 1, 1 },
};
static const unsigned int linux32_index[] = {
	12, 13, 14, 15, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
};

static void test_golden_linux32(void **state)
{
	struct seg_unit u;
	(void)state;

	for (unsigned int i = 0; i < 14; i++)
		check_hand(&linux32[i]);
	assert_int_equal(seg_linux_init(&u, SEG_LINUX_I386, 0, 0x12345678), 0);
	assert_int_equal(u.gdt.nr, 32);
	for (unsigned int i = 0; i < 14; i++)
		assert_int_equal(u.gdt.desc[linux32_index[i]], linux32[i].raw);
	for (unsigned int i = 0; i < 12; i++)
		assert_int_equal(u.gdt.desc[i], 0);
	assert_int_equal(u.sysenter_cs, 0x60);
	check_valid(&u);
	seg_unit_destroy(&u);
}

static void test_selectors(void **state)
{
	/* x86_64 (segment.h): __KERNEL_CS, __KERNEL_DS, __USER32_CS, __USER_DS, __USER_CS */
	static const struct { uint16_t sel; unsigned int index, rpl; } sels[] = {
		{ 0x08, 1, 0 }, { 0x10, 2, 0 }, { 0x18, 3, 0 }, { 0x23, 4, 3 }, { 0x2b, 5, 3 },
		{ 0x33, 6, 3 },
		/* i386: __KERNEL_CS, __KERNEL_DS, __USER_CS, __USER_DS, __ESPFIX_SS, PERCPU */
		{ 0x60, 12, 0 }, { 0x68, 13, 0 }, { 0x73, 14, 3 }, { 0x7b, 15, 3 },
		{ 0xd0, 26, 0 }, { 0xd8, 27, 0 },
	};
	(void)state;

	assert_int_equal(LINUX64_KERNEL_CS, 0x10);
	assert_int_equal(LINUX64_KERNEL_DS, 0x18);
	assert_int_equal(LINUX64_USER_DS, 0x2b);
	assert_int_equal(LINUX64_USER_CS, 0x33);
	assert_int_equal(LINUX32_KERNEL_CS, 0x60);
	assert_int_equal(LINUX32_USER_DS, 0x7b);
	for (unsigned int i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
		assert_int_equal(seg_sel_index(sels[i].sel), sels[i].index);
		assert_int_equal(seg_sel_rpl(sels[i].sel), sels[i].rpl);
		assert_false(seg_sel_ldt(sels[i].sel));
		assert_false(seg_sel_null(sels[i].sel));
		assert_int_equal(seg_sel_make(sels[i].index, false, sels[i].rpl), sels[i].sel);
	}
	for (uint16_t s = 0; s < 4; s++)
		assert_true(seg_sel_null(s));
	assert_false(seg_sel_null(4));		/* LDT entry 0 is a real selector */
	assert_true(seg_sel_ldt(0x0f));
	assert_int_equal(seg_sel_make(1, true, 3), 0x0f);
}

/* Every raw value decodes and re-encodes to itself (all 64 bits are fields). */
static void test_encode_decode_roundtrip(void **state)
{
	struct rng r;
	(void)state;

	rng_seed(&r, 1);
	for (unsigned int i = 0; i < 100000; i++) {
		uint64_t raw = rng_next(&r);
		struct seg_desc d;

		seg_desc_decode(raw, &d);
		assert_int_equal(seg_desc_encode(&d), raw);
		assert_int_equal(seg_desc_pack(seg_desc_flags(&d), d.base, d.limit), raw);
	}
}

static void test_fill_ldt_and_names(void **state)
{
	/*
	 * glibc's i386 TLS entry at 0xb7f5a6c0: type 0x3 (data RW accessed), S, DPL 3, P ->
	 * byte 5 = 0xf3; G 1, D 1, L 0, AVL 1, limit 19:16 0xf -> byte 6 = 0xdf.
	 */
	struct seg_user_desc tls = {
		.base_addr = 0xb7f5a6c0, .limit = 0xfffff, .seg_32bit = true,
		.limit_in_pages = true, .useable = true,
	};
	/* modify_ldt code entry: contents 2, read_exec_only: type 0x9, byte 5 = 0xf9 */
	struct seg_user_desc code = {
		.base_addr = 0x1000, .limit = 0x10, .seg_32bit = true, .contents = 2,
		.read_exec_only = true,
	};
	struct seg_desc d;
	(void)state;

	assert_int_equal(seg_fill_ldt(&tls), 0xb7dff3f5a6c0ffffull);
	assert_int_equal(seg_fill_ldt(&code), 0x0040f90010000010ull);
	code.seg_not_present = true;
	assert_int_equal(seg_fill_ldt(&code), 0x0040790010000010ull);

	seg_desc_decode(0x00cff3000000ffffull, &d);
	assert_string_equal(seg_desc_type_name(&d, true), "data read/write accessed");
	seg_desc_decode(0x00cf9f000000ffffull, &d);
	assert_string_equal(seg_desc_type_name(&d, false),
			    "code execute/read conforming accessed");
	seg_desc_decode(0x0000890010000067ull, &d);
	assert_string_equal(seg_desc_type_name(&d, false), "32-bit TSS (available)");
	assert_string_equal(seg_desc_type_name(&d, true), "64-bit TSS (available)");
	assert_int_equal(seg_desc_limit(&d), 0x67);
	seg_desc_decode(0x0080f30000000000ull, &d);
	assert_int_equal(seg_desc_limit(&d), 0xfff);	/* G = 1, limit 0: one 4 KiB unit */
}

/* ---- load checks ------------------------------------------------------------------------- */

static void test_load_data_checks(void **state)
{
	struct seg_unit u;
	struct seg_fault f;
	uint64_t lin;
	(void)state;

	teach_user(&u);
	/* null selector: loads, no descriptor read; then any use is #GP(0) */
	uint64_t reads = u.stats.desc_reads;
	assert_int_equal(seg_load(&u, SEG_FS, 0x0003, &f), 0);
	assert_false(u.reg[SEG_FS].usable);
	assert_int_equal(u.stats.desc_reads, reads);
	expect_fault(seg_translate(&u, SEG_FS, 0, 1, SEG_READ, &lin, &f), &f, SEG_FAULT_GP,
		     SEG_WHY_NULL_USE, 0);
	/* table limit: index 21 of a 21-entry GDT; pass: index 20 */
	expect_fault(seg_load(&u, SEG_DS, 0xab, &f), &f, SEG_FAULT_GP, SEG_WHY_TABLE_LIMIT, 0xa8);
	assert_int_equal(seg_load(&u, SEG_FS, 0xa3, &f), 0);
	/* LDT: none loaded -> #GP(sel); with an LDT whose entry 0 is ring-3 data -> loads */
	expect_fault(seg_load(&u, SEG_DS, 0x07, &f), &f, SEG_FAULT_GP, SEG_WHY_NO_LDT, 0x04);
	assert_int_equal(seg_set_ldt(&u, 2), 0);
	assert_int_equal(seg_table_set(&u.ldt, 0, 0x00cff3000000ffffull), 0);
	assert_int_equal(seg_load(&u, SEG_FS, 0x07, &f), 0);
	expect_fault(seg_load(&u, SEG_DS, 0x17, &f), &f, SEG_FAULT_GP, SEG_WHY_TABLE_LIMIT, 0x14);
	/* system descriptor (TSS, index 11) */
	expect_fault(seg_load(&u, SEG_DS, 0x5b, &f), &f, SEG_FAULT_GP, SEG_WHY_SYSTEM, 0x58);
	/* execute-only code is not readable: #GP(sel); readable code loads */
	expect_fault(seg_load(&u, SEG_DS, 0x33, &f), &f, SEG_FAULT_GP, SEG_WHY_TYPE, 0x30);
	assert_int_equal(seg_load(&u, SEG_FS, 0x1b, &f), 0);
	/* privilege: CPL 3 -> DPL 0 data fails, DPL 3 passes; conforming code is exempt */
	expect_fault(seg_load(&u, SEG_DS, 0x13, &f), &f, SEG_FAULT_GP, SEG_WHY_DPL, 0x10);
	expect_fault(seg_load(&u, SEG_DS, 0x53, &f), &f, SEG_FAULT_GP, SEG_WHY_DPL, 0x50);
	assert_int_equal(seg_load(&u, SEG_GS, 0x43, &f), 0);	/* ring-0 conforming code */
	/* not present: #NP(sel) */
	expect_fault(seg_load(&u, SEG_DS, 0x3b, &f), &f, SEG_FAULT_NP, SEG_WHY_NOT_PRESENT,
		     0x38);
	/* every failure above left DS as it was */
	assert_int_equal(u.reg[SEG_DS].sel, 0x23);
	assert_true(u.reg[SEG_DS].usable);
	check_valid(&u);
	seg_unit_destroy(&u);

	/* at CPL 0, RPL 3 still limits a DPL 0 segment: max(CPL, RPL) > DPL */
	teach_unit(&u);
	assert_int_equal(seg_far_jump(&u, 0x08, 0, &f), 0);
	expect_fault(seg_load(&u, SEG_DS, 0x13, &f), &f, SEG_FAULT_GP, SEG_WHY_DPL, 0x10);
	assert_int_equal(seg_load(&u, SEG_DS, 0x10, &f), 0);
	check_valid(&u);
	seg_unit_destroy(&u);
}

/* RPL above DPL fails at CPL 0 too: RPL weakens the access to the requester's level. */
static void test_load_rpl_above_dpl(void **state)
{
	struct seg_unit u;
	struct seg_fault f;
	(void)state;

	teach_unit(&u);
	assert_int_equal(seg_far_jump(&u, 0x08, 0, &f), 0);
	expect_fault(seg_load(&u, SEG_ES, 0x53, &f), &f, SEG_FAULT_GP, SEG_WHY_DPL, 0x50);
	assert_int_equal(seg_load(&u, SEG_ES, 0x51, &f), 0);	/* RPL 1 <= DPL 1 */
	check_valid(&u);
	seg_unit_destroy(&u);
}

static void test_load_ss_checks(void **state)
{
	struct seg_unit u;
	struct seg_fault f;
	(void)state;

	teach_user(&u);
	/* null SS outside 64-bit mode: #GP(0) */
	expect_fault(seg_load(&u, SEG_SS, 0x03, &f), &f, SEG_FAULT_GP, SEG_WHY_NULL, 0);
	/* RPL != CPL */
	expect_fault(seg_load(&u, SEG_SS, 0x20, &f), &f, SEG_FAULT_GP, SEG_WHY_RPL, 0x20);
	/* not writable data: read-only data, code, a TSS */
	expect_fault(seg_load(&u, SEG_SS, 0x2b, &f), &f, SEG_FAULT_GP, SEG_WHY_TYPE, 0x28);
	expect_fault(seg_load(&u, SEG_SS, 0x1b, &f), &f, SEG_FAULT_GP, SEG_WHY_TYPE, 0x18);
	expect_fault(seg_load(&u, SEG_SS, 0x5b, &f), &f, SEG_FAULT_GP, SEG_WHY_SYSTEM, 0x58);
	/* DPL != CPL: ring-0 data with RPL 3 at CPL 3 */
	expect_fault(seg_load(&u, SEG_SS, 0x13, &f), &f, SEG_FAULT_GP, SEG_WHY_DPL, 0x10);
	/* not present: #SS(sel), not #NP */
	expect_fault(seg_load(&u, SEG_SS, 0x3b, &f), &f, SEG_FAULT_SS, SEG_WHY_NOT_PRESENT,
		     0x38);
	/* beyond the table */
	expect_fault(seg_load(&u, SEG_SS, 0xfffb, &f), &f, SEG_FAULT_GP, SEG_WHY_TABLE_LIMIT,
		     0xfff8);
	assert_int_equal(u.reg[SEG_SS].sel, 0x23);
	/* passes: writable ring-3 data, and the expand-down one */
	assert_int_equal(seg_load(&u, SEG_SS, 0x4b, &f), 0);
	assert_int_equal(seg_load(&u, SEG_SS, 0x23, &f), 0);
	check_valid(&u);
	seg_unit_destroy(&u);
}

/* 64-bit mode: null SS is allowed at CPL < 3 with RPL == CPL, nowhere else. */
static void test_ss_null_64(void **state)
{
	struct seg_unit u;
	struct seg_fault f;
	(void)state;

	assert_int_equal(seg_linux_init(&u, SEG_LINUX_X86_64, 48, 0xffff888000000000ull), 0);
	expect_fault(seg_load(&u, SEG_SS, 0x01, &f), &f, SEG_FAULT_GP, SEG_WHY_NULL, 0);
	assert_int_equal(seg_load(&u, SEG_SS, 0x00, &f), 0);
	assert_false(u.reg[SEG_SS].usable);
	check_valid(&u);
	assert_int_equal(seg_linux_enter_user(&u, false, 0x7f0000001000ull, &f), 0);
	expect_fault(seg_load(&u, SEG_SS, 0x03, &f), &f, SEG_FAULT_GP, SEG_WHY_NULL, 0);
	assert_int_equal(seg_load(&u, SEG_SS, LINUX64_USER_DS, &f), 0);
	seg_unit_destroy(&u);

	/* compatibility mode: never */
	assert_int_equal(seg_linux_init(&u, SEG_LINUX_X86_64, 48, 0xffff888000000000ull), 0);
	assert_int_equal(seg_far_jump(&u, LINUX64_KERNEL32_CS, 0x1000, &f), 0);
	assert_int_equal(seg_mode(&u), SEG_MODE_COMPAT);
	expect_fault(seg_load(&u, SEG_SS, 0x00, &f), &f, SEG_FAULT_GP, SEG_WHY_NULL, 0);
	seg_unit_destroy(&u);
}

static void test_far_jump_checks(void **state)
{
	struct seg_unit u;
	struct seg_fault f;
	(void)state;

	teach_user(&u);
	expect_fault(seg_far_jump(&u, 0x00, 0, &f), &f, SEG_FAULT_GP, SEG_WHY_NULL, 0);
	expect_fault(seg_far_jump(&u, 0x23, 0, &f), &f, SEG_FAULT_GP, SEG_WHY_TYPE, 0x20);
	expect_fault(seg_far_jump(&u, 0xfb, 0, &f), &f, SEG_FAULT_GP, SEG_WHY_TABLE_LIMIT, 0xf8);
	/* nonconforming: DPL must equal CPL; RPL must not exceed it */
	expect_fault(seg_far_jump(&u, 0x0b, 0, &f), &f, SEG_FAULT_GP, SEG_WHY_DPL, 0x08);
	/* conforming ring-0 code from CPL 3: allowed, CPL stays 3, CS.RPL becomes 3 */
	assert_int_equal(seg_far_jump(&u, 0x40, 0x10, &f), 0);
	assert_int_equal(u.cpl, 3);
	assert_int_equal(u.reg[SEG_CS].sel, 0x43);
	check_valid(&u);
	/* not present: #NP(sel) */
	expect_fault(seg_far_jump(&u, 0x6b, 0, &f), &f, SEG_FAULT_NP, SEG_WHY_NOT_PRESENT, 0x68);
	/* ip beyond the limit of the 0x7ff-byte code segment: #GP(0); at the limit: ok */
	expect_fault(seg_far_jump(&u, 0xa3, 0x800, &f), &f, SEG_FAULT_GP, SEG_WHY_LIMIT, 0);
	assert_int_equal(seg_far_jump(&u, 0xa3, 0x7ff, &f), 0);
	/* a TSS selector would start a task switch: not modelled */
	assert_int_equal(seg_far_jump(&u, 0x5b, 0, &f), -ENOTSUP);
	seg_unit_destroy(&u);

	/* CPL 0: RPL 3 > CPL on nonconforming code; a conforming DPL 3 segment has DPL > CPL */
	teach_unit(&u);
	expect_fault(seg_far_jump(&u, 0x0b, 0, &f), &f, SEG_FAULT_GP, SEG_WHY_RPL, 0x08);
	expect_fault(seg_far_jump(&u, 0x98, 0, &f), &f, SEG_FAULT_GP, SEG_WHY_DPL, 0x98);
	assert_int_equal(seg_far_jump(&u, 0x08, 0, &f), 0);
	seg_unit_destroy(&u);

	/* IA-32e: a code descriptor with L and D set */
	assert_int_equal(seg_linux_init(&u, SEG_LINUX_X86_64, 48, 0), 0);
	assert_int_equal(seg_table_set(&u.gdt, 7, seg_desc_pack(0xe09b, 0, 0xfffff)), 0);
	expect_fault(seg_far_jump(&u, 0x38, 0, &f), &f, SEG_FAULT_GP, SEG_WHY_LONG_DB, 0x38);
	/* 64-bit target: the ip must be canonical, the limit does not matter */
	expect_fault(seg_far_jump(&u, 0x10, 0x0000800000000000ull, &f), &f, SEG_FAULT_GP,
		     SEG_WHY_NONCANONICAL, 0);
	assert_int_equal(seg_far_jump(&u, 0x10, 0xffffffff81000000ull, &f), 0);
	seg_unit_destroy(&u);
}

static void test_far_return_checks(void **state)
{
	struct seg_unit u;
	struct seg_fault f;
	(void)state;

	teach_unit(&u);
	assert_int_equal(seg_far_jump(&u, 0x08, 0, &f), 0);
	assert_int_equal(seg_load(&u, SEG_SS, 0x10, &f), 0);
	assert_int_equal(seg_load(&u, SEG_DS, 0x10, &f), 0);	/* ring-0 data: nulled */
	assert_int_equal(seg_load(&u, SEG_ES, 0x23, &f), 0);	/* ring-3 data: kept */
	assert_int_equal(seg_load(&u, SEG_GS, 0x40, &f), 0);	/* conforming code: kept */
	/* to ring 3 with a stack of RPL 0: #GP(ss); nothing changes */
	expect_fault(seg_far_return(&u, 0x1b, 0, 0x20, &f), &f, SEG_FAULT_GP, SEG_WHY_RPL, 0x20);
	assert_int_equal(u.cpl, 0);
	assert_int_equal(u.reg[SEG_CS].sel, 0x08);
	assert_int_equal(u.reg[SEG_SS].sel, 0x10);
	/* stack not present: #SS(ss) */
	expect_fault(seg_far_return(&u, 0x1b, 0, 0x3b, &f), &f, SEG_FAULT_SS,
		     SEG_WHY_NOT_PRESENT, 0x38);
	/* ring 3 code of DPL 3 but selector RPL 1: DPL != RPL */
	expect_fault(seg_far_return(&u, 0x19, 0, 0x23, &f), &f, SEG_FAULT_GP, SEG_WHY_DPL, 0x18);
	/* a data segment as the return CS */
	expect_fault(seg_far_return(&u, 0x23, 0, 0x23, &f), &f, SEG_FAULT_GP, SEG_WHY_TYPE, 0x20);
	/* success */
	assert_int_equal(seg_far_return(&u, 0x1b, 0x400, 0x23, &f), 0);
	assert_int_equal(u.cpl, 3);
	assert_int_equal(u.reg[SEG_SS].sel, 0x23);
	assert_false(u.reg[SEG_DS].usable);
	assert_int_equal(u.reg[SEG_DS].sel, 0);
	assert_true(u.reg[SEG_ES].usable);
	assert_true(u.reg[SEG_GS].usable);
	check_valid(&u);
	/* returning to an inner level: RPL < CPL */
	expect_fault(seg_far_return(&u, 0x08, 0, 0x10, &f), &f, SEG_FAULT_GP, SEG_WHY_RPL, 0x08);
	/* conforming code DPL 0 with RPL 3 at CPL 3: DPL <= RPL, same level */
	assert_int_equal(seg_far_return(&u, 0x43, 0, 0, &f), 0);
	assert_int_equal(u.cpl, 3);
	seg_unit_destroy(&u);

	/* a conforming DPL 3 segment with RPL 0: DPL > RPL */
	teach_unit(&u);
	assert_int_equal(seg_far_jump(&u, 0x08, 0, &f), 0);
	expect_fault(seg_far_return(&u, 0x98, 0, 0x10, &f), &f, SEG_FAULT_GP, SEG_WHY_DPL, 0x98);
	seg_unit_destroy(&u);
}

/* ---- access checks ----------------------------------------------------------------------- */

static void test_access_types(void **state)
{
	struct seg_unit u;
	struct seg_fault f;
	uint64_t lin = 0;
	(void)state;

	teach_user(&u);
	/* write through CS: code is never writable */
	expect_fault(seg_translate(&u, SEG_CS, 0x100, 4, SEG_WRITE, &lin, &f), &f, SEG_FAULT_GP,
		     SEG_WHY_WRITE_CODE, 0);
	/* read through CS of readable code: fine */
	assert_int_equal(seg_translate(&u, SEG_CS, 0x100, 4, SEG_READ, &lin, &f), 0);
	assert_int_equal(lin, 0x100);
	/* read-only data: read yes, write no */
	assert_int_equal(seg_load(&u, SEG_FS, 0x2b, &f), 0);
	assert_int_equal(seg_translate(&u, SEG_FS, 0x10, 4, SEG_READ, &lin, &f), 0);
	expect_fault(seg_translate(&u, SEG_FS, 0x10, 4, SEG_WRITE, &lin, &f), &f, SEG_FAULT_GP,
		     SEG_WHY_WRITE_RO, 0);
	/* readable code in a data register: write still refused */
	assert_int_equal(seg_load(&u, SEG_GS, 0x1b, &f), 0);
	expect_fault(seg_translate(&u, SEG_GS, 0, 1, SEG_WRITE, &lin, &f), &f, SEG_FAULT_GP,
		     SEG_WHY_WRITE_CODE, 0);
	/* execute-only code in CS: fetch yes, read (cs: override) no */
	assert_int_equal(seg_far_jump(&u, 0x33, 0, &f), 0);
	assert_int_equal(seg_translate(&u, SEG_CS, 0x200, 1, SEG_EXEC, &lin, &f), 0);
	expect_fault(seg_translate(&u, SEG_CS, 0x200, 4, SEG_READ, &lin, &f), &f, SEG_FAULT_GP,
		     SEG_WHY_READ_XO, 0);
	/* a write to writable data */
	assert_int_equal(seg_translate(&u, SEG_DS, 0x200, 8, SEG_WRITE, &lin, &f), 0);
	/* a fetch through DS is no instruction */
	assert_int_equal(seg_translate(&u, SEG_DS, 0, 1, SEG_EXEC, &lin, &f), -EINVAL);
	check_valid(&u);
	seg_unit_destroy(&u);
}

/* One translation that must succeed with this linear address. */
static void expect_linear(struct seg_unit *u, enum seg_reg r, uint64_t off, unsigned int size,
			  unsigned int access, uint64_t want)
{
	struct seg_fault f;
	uint64_t lin = ~0ull;
	int rc = seg_translate(u, r, off, size, access, &lin, &f);

	if (rc != 0 || lin != want)
		fail_msg("%s:0x%llx size %u: rc %d linear 0x%llx, expected 0x%llx",
			 seg_reg_name(r), (unsigned long long)off, size, rc,
			 (unsigned long long)lin, (unsigned long long)want);
}

/* One translation that must fail the limit check, with the valid range [lo, hi]. */
static void expect_limit(struct seg_unit *u, enum seg_reg r, uint64_t off, unsigned int size,
			 uint64_t lo, uint64_t hi)
{
	struct seg_fault f;
	uint64_t lin;

	expect_fault(seg_translate(u, r, off, size, SEG_READ, &lin, &f), &f,
		     r == SEG_SS ? SEG_FAULT_SS : SEG_FAULT_GP, SEG_WHY_LIMIT, 0);
	assert_int_equal(f.lo, lo);
	assert_int_equal(f.hi, hi);
}

static void test_limits(void **state)
{
	struct seg_unit u;
	struct seg_fault f;
	(void)state;

	teach_user(&u);
	/* expand-up, byte granular, base 0x10000 limit 0xffff */
	assert_int_equal(seg_load(&u, SEG_FS, 0x63, &f), 0);
	expect_linear(&u, SEG_FS, 0xffff, 1, SEG_READ, 0x1ffff);
	expect_linear(&u, SEG_FS, 0xfffc, 4, SEG_READ, 0x1fffc);
	expect_limit(&u, SEG_FS, 0xfffd, 4, 0, 0xffff);		/* last byte 0x10000 */
	expect_limit(&u, SEG_FS, 0x10000, 1, 0, 0xffff);
	/* G = 1, limit 0: bytes 0..0xfff */
	assert_int_equal(seg_load(&u, SEG_FS, 0x8b, &f), 0);
	expect_linear(&u, SEG_FS, 0xfff, 1, SEG_READ, 0xfff);
	expect_limit(&u, SEG_FS, 0x1000, 1, 0, 0xfff);
	/* expand-down, B = 1, limit 0xfff: valid 0x1000..0xffffffff */
	assert_int_equal(seg_load(&u, SEG_GS, 0x4b, &f), 0);
	expect_limit(&u, SEG_GS, 0xfff, 1, 0x1000, 0xffffffff);
	expect_limit(&u, SEG_GS, 0, 4, 0x1000, 0xffffffff);
	expect_linear(&u, SEG_GS, 0x1000, 4, SEG_WRITE, 0x1000);
	expect_linear(&u, SEG_GS, 0xffffffff, 1, SEG_READ, 0xffffffff);
	expect_limit(&u, SEG_GS, 0xfffffffe, 4, 0x1000, 0xffffffff);
	/* expand-down, B = 0: valid 0x1000..0xffff */
	assert_int_equal(seg_load(&u, SEG_GS, 0x83, &f), 0);
	expect_linear(&u, SEG_GS, 0xffff, 1, SEG_READ, 0xffff);
	expect_limit(&u, SEG_GS, 0x10000, 1, 0x1000, 0xffff);
	expect_limit(&u, SEG_GS, 0xfffe, 4, 0x1000, 0xffff);
	/* expand-down with G = 1, limit 1: the limit scales to 0x1fff, valid from 0x2000 */
	assert_int_equal(seg_load(&u, SEG_GS, 0x93, &f), 0);
	expect_limit(&u, SEG_GS, 0x1fff, 1, 0x2000, 0xffffffff);
	expect_linear(&u, SEG_GS, 0x2000, 1, SEG_READ, 0x2000);
	/* the stack: an expand-down SS faults with #SS(0) */
	assert_int_equal(seg_load(&u, SEG_SS, 0x4b, &f), 0);
	expect_limit(&u, SEG_SS, 0x800, 8, 0x1000, 0xffffffff);
	expect_linear(&u, SEG_SS, 0xfffffff8, 8, SEG_WRITE, 0xfffffff8);
	/* a 4 GiB flat segment: an access running past 4 GiB wraps (SDM 5.3) */
	expect_linear(&u, SEG_DS, 0xfffffffe, 4, SEG_READ, 0xfffffffe);
	/* offsets wider than 32 bits are no 32-bit effective address */
	uint64_t lin;
	assert_int_equal(seg_translate(&u, SEG_DS, 0x100000000ull, 1, SEG_READ, &lin, &f),
			 -EINVAL);
	assert_int_equal(seg_translate(&u, SEG_DS, 0, 0, SEG_READ, &lin, &f), -EINVAL);
	assert_int_equal(seg_translate(&u, SEG_DS, 0, 17, SEG_READ, &lin, &f), -EINVAL);
	check_valid(&u);
	seg_unit_destroy(&u);
}

/* A base near 4 GiB: linear addresses wrap modulo 2^32. */
static void test_base_wraps(void **state)
{
	struct seg_unit u;
	struct seg_fault f;
	(void)state;

	teach_user(&u);
	assert_int_equal(seg_table_set(&u.gdt, 17, seg_desc_pack(0xc0f3, 0xfffff000, 0xfffff)), 0);
	assert_int_equal(seg_load(&u, SEG_FS, 0x8b, &f), 0);
	expect_linear(&u, SEG_FS, 0x2000, 4, SEG_READ, 0x1000);
	seg_unit_destroy(&u);
}

/* ---- 64-bit mode ------------------------------------------------------------------------- */

static void test_long_mode_rules(void **state)
{
	const uint64_t percpu = 0xffff88807dc00000ull, tls = 0x00007f1234567740ull;
	struct seg_unit u;
	struct seg_fault f;
	uint64_t lin;
	(void)state;

	assert_int_equal(seg_linux_init(&u, SEG_LINUX_X86_64, 48, percpu), 0);
	/* a data descriptor with base 0x10000 and a 256-byte limit, loaded into DS */
	assert_int_equal(seg_table_set(&u.gdt, 7, seg_desc_pack(0x40f3, 0x10000, 0xff)), 0);
	assert_int_equal(seg_load(&u, SEG_DS, 0x3b, &f), 0);
	/* 64-bit mode: base treated as 0, no limit check, no type check */
	expect_linear(&u, SEG_DS, 0x5000, 8, SEG_READ, 0x5000);
	expect_linear(&u, SEG_CS, 0xffffffff81000000ull, 8, SEG_WRITE, 0xffffffff81000000ull);
	/* null ES: no null check in 64-bit mode */
	expect_linear(&u, SEG_ES, 0x1000, 1, SEG_READ, 0x1000);
	/* GS: the per-CPU base applies */
	expect_linear(&u, SEG_GS, 0x28, 8, SEG_READ, percpu + 0x28);
	/* canonical: 0x0000800000000000 is the first non-canonical 48-bit address */
	expect_fault(seg_translate(&u, SEG_DS, 0x0000800000000000ull, 1, SEG_READ, &lin, &f), &f,
		     SEG_FAULT_GP, SEG_WHY_NONCANONICAL, 0);
	expect_fault(seg_translate(&u, SEG_SS, 0x0000800000000000ull, 8, SEG_WRITE, &lin, &f),
		     &f, SEG_FAULT_SS, SEG_WHY_NONCANONICAL, 0);
	expect_fault(seg_translate(&u, SEG_DS, 0x00007ffffffffffeull, 4, SEG_READ, &lin, &f), &f,
		     SEG_FAULT_GP, SEG_WHY_NONCANONICAL, 0);
	expect_linear(&u, SEG_DS, 0x00007ffffffffffcull, 4, SEG_READ, 0x00007ffffffffffcull);
	expect_linear(&u, SEG_DS, 0xffff800000000000ull, 1, SEG_READ, 0xffff800000000000ull);

	/* the user process: FS is its TLS */
	assert_int_equal(seg_linux_enter_user(&u, false, tls, &f), 0);
	expect_linear(&u, SEG_FS, 0x28, 8, SEG_READ, tls + 0x28);
	expect_linear(&u, SEG_GS, 0x28, 8, SEG_READ, 0x28);
	/* FS base + offset past the canonical hole */
	expect_fault(seg_translate(&u, SEG_FS, 0x0000010000000000ull, 1, SEG_READ, &lin, &f), &f,
		     SEG_FAULT_GP, SEG_WHY_NONCANONICAL, 0);
	check_valid(&u);
	seg_unit_destroy(&u);

	/* LA57: 57-bit canonical addresses */
	assert_int_equal(seg_linux_init(&u, SEG_LINUX_X86_64, 57, 0xff11000000000000ull), 0);
	expect_linear(&u, SEG_DS, 0x0000800000000000ull, 1, SEG_READ, 0x0000800000000000ull);
	expect_fault(seg_translate(&u, SEG_DS, 0x0100000000000000ull, 1, SEG_READ, &lin, &f), &f,
		     SEG_FAULT_GP, SEG_WHY_NONCANONICAL, 0);
	seg_unit_destroy(&u);
}

/* ---- Linux's register states ------------------------------------------------------------- */

static void expect_reg(const struct seg_unit *u, enum seg_reg r, uint16_t sel, bool usable,
		       uint64_t base)
{
	if (u->reg[r].sel != sel || u->reg[r].usable != usable || u->reg[r].base != base)
		fail_msg("%s: selector 0x%x usable %d base 0x%llx, expected 0x%x %d 0x%llx",
			 seg_reg_name(r), u->reg[r].sel, u->reg[r].usable,
			 (unsigned long long)u->reg[r].base, sel, usable,
			 (unsigned long long)base);
}

/* The hidden part of r has the attributes of GDT entry index (as a descriptor load gives). */
static void expect_like_gdt(const struct seg_unit *u, enum seg_reg r, unsigned int index)
{
	struct seg_desc d;

	seg_desc_decode(u->gdt.desc[index], &d);
	assert_int_equal(seg_desc_encode(&u->reg[r].desc), seg_desc_encode(&d));
	assert_int_equal(u->reg[r].limit, 0xffffffff);
}

static void test_linux_x86_64_states(void **state)
{
	const uint64_t percpu = 0xffff88807dc00000ull, tls = 0x00007f0000001740ull;
	struct seg_unit u;
	struct seg_fault f;
	(void)state;

	assert_int_equal(seg_linux_init(&u, SEG_LINUX_X86_64, 48, percpu), 0);
	assert_int_equal(seg_mode(&u), SEG_MODE_LONG);
	assert_int_equal(u.cpl, 0);
	expect_reg(&u, SEG_CS, 0x10, true, 0);
	expect_reg(&u, SEG_SS, 0x18, true, 0);
	expect_reg(&u, SEG_DS, 0, false, 0);
	expect_reg(&u, SEG_GS, 0, false, percpu);
	check_valid(&u);

	assert_int_equal(seg_linux_enter_user(&u, false, tls, &f), 0);
	assert_int_equal(u.cpl, 3);
	assert_int_equal(seg_mode(&u), SEG_MODE_LONG);
	expect_reg(&u, SEG_CS, 0x33, true, 0);
	expect_reg(&u, SEG_SS, 0x2b, true, 0);
	expect_reg(&u, SEG_DS, 0, false, 0);
	expect_reg(&u, SEG_ES, 0, false, 0);
	expect_reg(&u, SEG_FS, 0, false, tls);
	expect_reg(&u, SEG_GS, 0, false, 0);
	assert_int_equal(u.kernel_gs_base, percpu);
	check_valid(&u);

	/* SYSCALL + SWAPGS: the flat ring-0 segments and the per-CPU GS base */
	assert_int_equal(seg_linux_enter_kernel(&u, &f), 0);
	assert_int_equal(u.cpl, 0);
	expect_reg(&u, SEG_CS, 0x10, true, 0);
	expect_reg(&u, SEG_SS, 0x18, true, 0);
	expect_reg(&u, SEG_GS, 0, false, percpu);
	expect_reg(&u, SEG_FS, 0, false, tls);
	/* what SYSCALL loads is what GDT entries 2 and 3 hold */
	expect_like_gdt(&u, SEG_CS, 2);
	expect_like_gdt(&u, SEG_SS, 3);
	check_valid(&u);

	/* SWAPGS + SYSRET: CS = STAR[63:48] + 16 = 0x33, SS = + 8 = 0x2b, as GDT 6 and 5 */
	assert_int_equal(seg_swapgs(&u, &f), 0);
	assert_int_equal(seg_sysret(&u, true, &f), 0);
	expect_reg(&u, SEG_CS, 0x33, true, 0);
	expect_reg(&u, SEG_SS, 0x2b, true, 0);
	expect_like_gdt(&u, SEG_CS, 6);
	expect_like_gdt(&u, SEG_SS, 5);
	assert_int_equal(u.cpl, 3);
	check_valid(&u);

	/* at CPL 3: SWAPGS and SYSRET are #GP(0) */
	expect_fault(seg_swapgs(&u, &f), &f, SEG_FAULT_GP, SEG_WHY_CPL, 0);
	expect_fault(seg_sysret(&u, true, &f), &f, SEG_FAULT_GP, SEG_WHY_CPL, 0);
	/* SYSRET to compatibility mode: CS = STAR[63:48] = 0x23 (GDT 4) */
	assert_int_equal(seg_syscall(&u, &f), 0);
	assert_int_equal(seg_sysret(&u, false, &f), 0);
	expect_reg(&u, SEG_CS, 0x23, true, 0);
	expect_like_gdt(&u, SEG_CS, 4);
	assert_int_equal(seg_mode(&u), SEG_MODE_COMPAT);
	/* SYSCALL in compatibility mode is #UD on Intel; SYSENTER works (64-bit CS) */
	expect_fault(seg_syscall(&u, &f), &f, SEG_FAULT_UD, SEG_WHY_MODE, 0);
	expect_fault(seg_swapgs(&u, &f), &f, SEG_FAULT_UD, SEG_WHY_MODE, 0);
	assert_int_equal(seg_sysenter(&u, &f), 0);
	assert_int_equal(seg_mode(&u), SEG_MODE_LONG);
	expect_reg(&u, SEG_CS, 0x10, true, 0);
	check_valid(&u);
	seg_unit_destroy(&u);
}

static void test_linux_compat_process(void **state)
{
	const uint64_t percpu = 0xffff88807dc00000ull;
	struct seg_unit u;
	struct seg_fault f;
	(void)state;

	assert_int_equal(seg_linux_init(&u, SEG_LINUX_X86_64, 48, percpu), 0);
	assert_int_equal(seg_linux_enter_user(&u, true, 0x1ffffffffull, &f), -EINVAL);
	assert_int_equal(seg_linux_enter_user(&u, true, 0xf7d8e740, &f), 0);
	assert_int_equal(seg_mode(&u), SEG_MODE_COMPAT);
	expect_reg(&u, SEG_CS, 0x23, true, 0);
	expect_reg(&u, SEG_SS, 0x2b, true, 0);
	expect_reg(&u, SEG_DS, 0x2b, true, 0);
	expect_reg(&u, SEG_ES, 0x2b, true, 0);
	/* set_thread_area took TLS slot 12: GS = 12 * 8 + 3 = 0x63 */
	expect_reg(&u, SEG_GS, 0x63, true, 0xf7d8e740);
	assert_int_equal(u.gdt.desc[12], 0xf7dff3d8e740ffffull);
	/* compatibility mode checks limits again: the TLS segment is 4 GiB, so it wraps */
	expect_linear(&u, SEG_GS, 0x10, 4, SEG_READ, 0xf7d8e750);
	expect_linear(&u, SEG_GS, 0x10000000, 4, SEG_READ, 0x07d8e740);
	check_valid(&u);
	/* SYSENTER into the kernel (64-bit code), SWAPGS */
	assert_int_equal(seg_linux_enter_kernel(&u, &f), 0);
	assert_int_equal(seg_mode(&u), SEG_MODE_LONG);
	assert_int_equal(u.reg[SEG_GS].base, percpu);
	check_valid(&u);
	seg_unit_destroy(&u);
}

static void test_linux_i386_states(void **state)
{
	const uint32_t percpu = 0xc1a00000, tls = 0xb7d5a6c0;
	struct seg_unit u;
	struct seg_fault f;
	(void)state;

	assert_int_equal(seg_linux_init(&u, SEG_LINUX_I386, 0, percpu), 0);
	assert_int_equal(seg_mode(&u), SEG_MODE_PROTECTED);
	expect_reg(&u, SEG_CS, 0x60, true, 0);
	expect_reg(&u, SEG_SS, 0x68, true, 0);
	expect_reg(&u, SEG_DS, 0x7b, true, 0);
	expect_reg(&u, SEG_ES, 0x7b, true, 0);
	expect_reg(&u, SEG_FS, 0xd8, true, percpu);
	expect_reg(&u, SEG_GS, 0, false, 0);
	/* this_cpu_read(x) is a read at %fs:x */
	expect_linear(&u, SEG_FS, 0x1234, 4, SEG_READ, percpu + 0x1234);
	check_valid(&u);

	assert_int_equal(seg_linux_enter_user(&u, true, tls, &f), -EINVAL);
	assert_int_equal(seg_linux_enter_user(&u, false, tls, &f), 0);
	assert_int_equal(u.cpl, 3);
	expect_reg(&u, SEG_CS, 0x73, true, 0);
	expect_reg(&u, SEG_SS, 0x7b, true, 0);
	expect_reg(&u, SEG_DS, 0x7b, true, 0);
	expect_reg(&u, SEG_FS, 0, false, 0);
	/* glibc's TLS: set_thread_area took slot 6, GS = 0x33 */
	expect_reg(&u, SEG_GS, 0x33, true, tls);
	expect_linear(&u, SEG_GS, 0x14, 4, SEG_READ, tls + 0x14);
	/* user code cannot reach the kernel's per-CPU segment */
	expect_fault(seg_load(&u, SEG_FS, 0xdb, &f), &f, SEG_FAULT_GP, SEG_WHY_DPL, 0xd8);
	check_valid(&u);

	/* SYSENTER and the entry code's segment loads */
	assert_int_equal(seg_linux_enter_kernel(&u, &f), 0);
	assert_int_equal(u.cpl, 0);
	expect_reg(&u, SEG_CS, 0x60, true, 0);
	expect_reg(&u, SEG_SS, 0x68, true, 0);
	expect_reg(&u, SEG_FS, 0xd8, true, percpu);
	expect_like_gdt(&u, SEG_CS, 12);
	expect_like_gdt(&u, SEG_SS, 13);
	/* SYSEXIT: CS = SYSENTER_CS + 16 | 3 = 0x73, SS = + 24 | 3 = 0x7b, as GDT 14 and 15 */
	assert_int_equal(seg_sysexit(&u, &f), 0);
	expect_reg(&u, SEG_CS, 0x73, true, 0);
	expect_reg(&u, SEG_SS, 0x7b, true, 0);
	expect_like_gdt(&u, SEG_CS, 14);
	expect_like_gdt(&u, SEG_SS, 15);
	expect_fault(seg_sysexit(&u, &f), &f, SEG_FAULT_GP, SEG_WHY_CPL, 0);
	/* no SYSCALL, SWAPGS outside IA-32e mode */
	expect_fault(seg_syscall(&u, &f), &f, SEG_FAULT_UD, SEG_WHY_MODE, 0);
	expect_fault(seg_swapgs(&u, &f), &f, SEG_FAULT_UD, SEG_WHY_MODE, 0);
	u.sysenter_cs = 0;
	expect_fault(seg_sysenter(&u, &f), &f, SEG_FAULT_GP, SEG_WHY_NULL, 0);
	check_valid(&u);
	seg_unit_destroy(&u);
}

/* ---- explanation and parsing ------------------------------------------------------------- */

static void test_explain(void **state)
{
	struct seg_unit u;
	struct seg_logical la;
	struct seg_fault f;
	struct strbuf sb;
	uint64_t lin = 0;
	(void)state;

	assert_int_equal(seg_linux_init(&u, SEG_LINUX_X86_64, 48, 0xffff88807dc00000ull), 0);
	assert_int_equal(seg_linux_enter_user(&u, false, 0x7f0000001740ull, &f), 0);

	assert_int_equal(seg_parse_logical("0x2b:0x7ffd1234abcd", &la, NULL), 0);
	sb_init(&sb);
	assert_int_equal(seg_explain(&u, &la, 8, SEG_READ, &sb, &lin, &f), 0);
	assert_int_equal(lin, 0x7ffd1234abcdull);
	expect_text(&sb, "logical address 0x002b:0x7ffd1234abcd");
	expect_text(&sb, "selector 0x002b = index 5, TI=GDT, RPL 3");
	expect_text(&sb, "GDT[5] at byte 0x28 of the table (limit 0x7f) = descriptor "
		    "0x00cff3000000ffff");
	expect_text(&sb, "base 0x0 limit 0xfffff G=1 (last offset 0xffffffff, 4 GiB) type 0x3 "
		    "data read/write accessed S=1 DPL 3 P=1 D/B=1 L=0 AVL=0");
	expect_text(&sb, "mov loads DS (CPL 3): max(CPL 3, RPL 3) = 3 <= DPL 3");
	expect_text(&sb, "64-bit mode: base of ds treated as 0");
	expect_text(&sb, "-> linear 0x7ffd1234abcd (canonical)");
	sb_free(&sb);

	/* the kernel's data selector from user mode */
	assert_int_equal(seg_parse_logical("0x18:0x1000", &la, NULL), 0);
	sb_init(&sb);
	expect_fault(seg_explain(&u, &la, 1, SEG_READ, &sb, &lin, &f), &f, SEG_FAULT_GP,
		     SEG_WHY_DPL, 0x18);
	expect_text(&sb, "mov loads DS (CPL 3): max(CPL 3, RPL 0) = 3 > DPL 0\n");
	expect_text(&sb, "-> #GP(0x18): descriptor privilege level forbids it [ds, selector "
		    "0x0018, CPL 3]");
	sb_free(&sb);

	/* FS as loaded: the TLS base */
	assert_int_equal(seg_parse_logical("fs:0x28", &la, NULL), 0);
	sb_init(&sb);
	assert_int_equal(seg_explain(&u, &la, 8, SEG_READ, &sb, &lin, &f), 0);
	assert_int_equal(lin, 0x7f0000001768ull);
	expect_text(&sb, "64-bit mode: fs base applies");
	expect_text(&sb, "-> linear 0x7f0000001768");
	sb_free(&sb);

	/* a far jump to the user's code selector */
	assert_int_equal(seg_parse_logical("0x33:0x401000", &la, NULL), 0);
	sb_init(&sb);
	assert_int_equal(seg_explain(&u, &la, 1, SEG_EXEC, &sb, &lin, &f), 0);
	expect_text(&sb, "far jmp loads CS (CPL 3): nonconforming code: RPL 3 <= CPL 3 and DPL 3 "
		    "== CPL 3");
	expect_text(&sb, "-> linear 0x401000");
	sb_free(&sb);
	seg_unit_destroy(&u);

	/* i386: a limit fault explained */
	struct seg_unit t;
	teach_user(&t);
	assert_int_equal(seg_parse_logical("0x63:0xfffe", &la, NULL), 0);
	sb_init(&sb);
	expect_fault(seg_explain(&t, &la, 4, SEG_READ, &sb, &lin, &f), &f, SEG_FAULT_GP,
		     SEG_WHY_LIMIT, 0);
	expect_text(&sb, "ds = 0x0063: base 0x10000 limit 0xffff, 32-bit protected mode");
	expect_text(&sb, "read 4 bytes at 0xfffe of a data read/write accessed segment");
	expect_text(&sb, "-> #GP(0x0): offset outside the segment limit [ds, selector 0x0063, "
		    "CPL 3]: bytes 0xfffe..0x10001 not within 0x0..0xffff");
	sb_free(&sb);
	/* beyond the table */
	assert_int_equal(seg_parse_logical("0x1fb:0", &la, NULL), 0);
	sb_init(&sb);
	expect_fault(seg_explain(&t, &la, 1, SEG_READ, &sb, &lin, &f), &f, SEG_FAULT_GP,
		     SEG_WHY_TABLE_LIMIT, 0x1f8);
	expect_text(&sb, "selector index beyond the descriptor table limit");
	sb_free(&sb);
	/* bad arguments change nothing */
	uint64_t loads = t.stats.loads;
	sb_init(&sb);
	assert_int_equal(seg_explain(&t, &la, 0, SEG_READ, &sb, &lin, &f), -EINVAL);
	la = (struct seg_logical){ .is_reg = true, .reg = SEG_DS, .offset = 0 };
	assert_int_equal(seg_explain(&t, &la, 1, SEG_EXEC, &sb, &lin, &f), -EINVAL);
	assert_int_equal(t.stats.loads, loads);
	assert_int_equal(sb.len, 0);
	sb_free(&sb);
	check_valid(&t);
	seg_unit_destroy(&t);
}

static void expect_parse_error(const char *text, int column)
{
	struct mmsim_error err = { 0 };
	struct seg_logical la = { .offset = 42 };

	assert_int_equal(seg_parse_logical(text, &la, &err), -EINVAL);
	assert_int_equal(err.column, column);
	assert_true(strstr(err.msg, "expected") != NULL);
	assert_int_equal(la.offset, 42);
}

static void test_parse(void **state)
{
	struct seg_logical la;
	(void)state;

	assert_int_equal(seg_parse_logical("0x2b:0x1000", &la, NULL), 0);
	assert_false(la.is_reg);
	assert_int_equal(la.sel, 0x2b);
	assert_int_equal(la.offset, 0x1000);
	assert_int_equal(seg_parse_logical("FS:40", &la, NULL), 0);
	assert_true(la.is_reg);
	assert_int_equal(la.reg, SEG_FS);
	assert_int_equal(la.offset, 40);
	assert_int_equal(seg_parse_logical("123:0xffffffffffffffff", &la, NULL), 0);
	assert_int_equal(la.sel, 123);
	assert_int_equal(la.offset, UINT64_MAX);
	expect_parse_error("0x2b", 1);
	expect_parse_error("0x10000:0", 1);		/* wider than 16 bits */
	expect_parse_error("zz:1", 1);
	expect_parse_error("0x2g:1", 4);
	expect_parse_error("0x2b:0xg", 8);
	expect_parse_error("0x2b:", 6);
	expect_parse_error("ds:0x10000000000000000", 22);	/* 2^64 */
	expect_parse_error("0x2b:1:2", 7);
}

/* ---- textbook segmentation -------------------------------------------------------------- */

static void tb_expect(struct seg_tb *t, uint64_t s, uint64_t d, unsigned int access, int rc_want,
		      enum seg_why why, uint64_t want)
{
	struct seg_fault f;
	uint64_t out = ~0ull;
	int rc = seg_tb_translate(t, seg_tb_va(t, s, d), access, &out, &f);

	if (rc != rc_want || (rc == 0 && out != want) || (rc > 0 && f.why != why))
		fail_msg("(%llu, %llu): rc %d out %llu why \"%s\"", (unsigned long long)s,
			 (unsigned long long)d, rc, (unsigned long long)out,
			 rc > 0 ? seg_why_name(f.why) : "-");
	if (rc > 0)
		assert_int_equal(f.segno, s);
}

/*
 * The classic exercise: segment table
 *     segment  base  length
 *        0      219    600
 *        1     2300     14
 *        2       90    100
 *        3     1327    580
 *        4     1952     96
 * physical addresses of (0,430) (1,10) (2,500) (3,400) (4,112):
 * 219+430 = 649; 2300+10 = 2310; 500 >= 100: trap; 1327+400 = 1727; 112 >= 96: trap.
 */
static void test_textbook_pure(void **state)
{
	static const uint64_t tab[5][2] = {
		{ 219, 600 }, { 2300, 14 }, { 90, 100 }, { 1327, 580 }, { 1952, 96 },
	};
	struct mmsim_error err = { 0 };
	struct seg_tb t;
	struct seg_fault f;
	struct strbuf sb;
	uint64_t out;
	(void)state;

	/* 16-bit virtual addresses: 4-bit segment number, 12-bit offset; 16-bit memory */
	assert_int_equal(seg_tb_init(&t, SEG_TB_PURE, 16, 12, 16, 5, &err), 0);
	for (unsigned int s = 0; s < 5; s++)
		assert_int_equal(seg_tb_set(&t, s, tab[s][0], tab[s][1], SEG_TB_R | SEG_TB_W,
					    &err), 0);
	tb_expect(&t, 0, 430, SEG_READ, 0, SEG_WHY_NONE, 649);
	tb_expect(&t, 1, 10, SEG_READ, 0, SEG_WHY_NONE, 2310);
	tb_expect(&t, 2, 500, SEG_READ, SEG_FAULT_TRAP, SEG_WHY_TB_LENGTH, 0);
	tb_expect(&t, 3, 400, SEG_READ, 0, SEG_WHY_NONE, 1727);
	tb_expect(&t, 4, 112, SEG_READ, SEG_FAULT_TRAP, SEG_WHY_TB_LENGTH, 0);
	/* the boundaries: the last byte in, the first byte out */
	tb_expect(&t, 2, 99, SEG_READ, 0, SEG_WHY_NONE, 189);
	tb_expect(&t, 2, 100, SEG_READ, SEG_FAULT_TRAP, SEG_WHY_TB_LENGTH, 0);
	/* segment number beyond the table length (STLR = 5) */
	tb_expect(&t, 5, 0, SEG_READ, SEG_FAULT_TRAP, SEG_WHY_TB_SEGNUM, 0);
	tb_expect(&t, 15, 0, SEG_READ, SEG_FAULT_TRAP, SEG_WHY_TB_SEGNUM, 0);
	/* valid bit */
	assert_int_equal(seg_tb_clear(&t, 4), 0);
	tb_expect(&t, 4, 0, SEG_READ, SEG_FAULT_TRAP, SEG_WHY_TB_INVALID, 0);
	/* protection: segment 1 read-only, segment 0 execute-only */
	assert_int_equal(seg_tb_set(&t, 1, 2300, 14, SEG_TB_R, &err), 0);
	assert_int_equal(seg_tb_set(&t, 0, 219, 600, SEG_TB_X, &err), 0);
	tb_expect(&t, 1, 10, SEG_WRITE, SEG_FAULT_TRAP, SEG_WHY_TB_PROT, 0);
	tb_expect(&t, 1, 10, SEG_READ, 0, SEG_WHY_NONE, 2310);
	tb_expect(&t, 0, 430, SEG_READ, SEG_FAULT_TRAP, SEG_WHY_TB_PROT, 0);
	tb_expect(&t, 0, 430, SEG_EXEC, 0, SEG_WHY_NONE, 649);
	/* addresses wider than the virtual address: bad input */
	assert_int_equal(seg_tb_translate(&t, 0x10000, SEG_READ, &out, &f), -EINVAL);
	assert_int_equal(t.stats.translations, 14);
	assert_int_equal(t.stats.faults, 8);
	assert_int_equal(t.stats.why[SEG_WHY_TB_LENGTH], 3);

	sb_init(&sb);
	assert_int_equal(seg_tb_explain(&t, seg_tb_va(&t, 3, 400), SEG_READ, &sb, &out, &f), 0);
	expect_text(&sb, "virtual address 0x3190 = segment 3 (bits 15..12), offset 0x190 "
		    "(bits 11..0)");
	expect_text(&sb, "segment table[3] (table length 5): valid 1 base 0x52f length 0x244 "
		    "protection RW-");
	expect_text(&sb, "-> physical address 0x52f + 0x190 = 0x6bf");
	sb_free(&sb);
	sb_init(&sb);
	expect_fault(seg_tb_explain(&t, seg_tb_va(&t, 2, 500), SEG_READ, &sb, &out, &f), &f,
		     SEG_FAULT_TRAP, SEG_WHY_TB_LENGTH, 0);
	expect_text(&sb, "-> trap: offset beyond the segment length (segment 2, offset 0x1f4)");
	sb_free(&sb);
	if (seg_tb_validate(&t, &err))
		fail_msg("%s", err.msg);
	seg_tb_destroy(&t);
}

/*
 * A stand-in for paging in the segmented-paging example: a 16-bit linear space in 1 KiB
 * pages, page -> frame (-1: not present). In mmsim the MMU (hw/mmu.c) does this step.
 */
static const struct { unsigned int page, frame; } toy_map[] = {
	{ 0, 5 }, { 1, 9 }, { 2, 3 }, { 9, 12 }, { 10, 1 }, { 31, 30 },
};

static int toy_page(uint64_t linear, uint64_t *pa)
{
	for (unsigned int i = 0; i < sizeof(toy_map) / sizeof(toy_map[0]); i++) {
		if (toy_map[i].page == (linear >> 10)) {
			*pa = (uint64_t)toy_map[i].frame << 10 | (linear & 0x3ff);
			return 0;
		}
	}
	return -1;
}

/* Segment, then page; the physical address or -1 (segment trap) / -2 (page fault). */
static int64_t seg_then_page(struct seg_tb *t, uint64_t s, uint64_t d, unsigned int access)
{
	struct seg_fault f;
	uint64_t lin, pa;

	if (seg_tb_translate(t, seg_tb_va(t, s, d), access, &lin, &f))
		return -1;
	if (toy_page(lin, &pa))
		return -2;
	return (int64_t)pa;
}

/*
 * Segmented paging: code at linear 0x0000 (3 KiB, R-X), data at 0x2400 (2 KiB, RW-), stack
 * at 0x7c00 (1 KiB, RW-), heap at 0x4000 (1 KiB, RW-, its page not present).
 *   (0, 0x123) fetch: linear 0x0123, page 0 -> frame 5: 0x1400 + 0x123 = 0x1523
 *   (0, 0xa00) fetch: linear 0x0a00, page 2 -> frame 3: 0x0c00 + 0x200 = 0x0e00
 *   (1, 0x100) write: linear 0x2500, page 9 -> frame 12: 0x3000 + 0x100 = 0x3100
 *   (1, 0x5ff) read:  linear 0x29ff, page 10 -> frame 1: 0x0400 + 0x1ff = 0x05ff
 *   (2, 0x3fc) write: linear 0x7ffc, page 31 -> frame 30: 0x7800 + 0x3fc = 0x7bfc
 *   (1, 0x800) read: offset >= length: segment trap, paging never consulted
 *   (0, 0x10) write: code is R-X: segment trap
 *   (3, 0x10) read: linear 0x4010, page 16 not present: page fault
 */
static void test_textbook_segmented_paging(void **state)
{
	struct mmsim_error err = { 0 };
	struct seg_tb t;
	(void)state;

	assert_int_equal(seg_tb_init(&t, SEG_TB_PAGED, 16, 12, 16, 4, &err), 0);
	assert_int_equal(seg_tb_set(&t, 0, 0x0000, 0xc00, SEG_TB_R | SEG_TB_X, &err), 0);
	assert_int_equal(seg_tb_set(&t, 1, 0x2400, 0x800, SEG_TB_R | SEG_TB_W, &err), 0);
	assert_int_equal(seg_tb_set(&t, 2, 0x7c00, 0x400, SEG_TB_R | SEG_TB_W, &err), 0);
	assert_int_equal(seg_tb_set(&t, 3, 0x4000, 0x400, SEG_TB_R | SEG_TB_W, &err), 0);
	assert_int_equal(seg_then_page(&t, 0, 0x123, SEG_EXEC), 0x1523);
	assert_int_equal(seg_then_page(&t, 0, 0xa00, SEG_EXEC), 0x0e00);
	assert_int_equal(seg_then_page(&t, 1, 0x100, SEG_WRITE), 0x3100);
	assert_int_equal(seg_then_page(&t, 1, 0x5ff, SEG_READ), 0x05ff);
	assert_int_equal(seg_then_page(&t, 2, 0x3fc, SEG_WRITE), 0x7bfc);
	assert_int_equal(seg_then_page(&t, 1, 0x800, SEG_READ), -1);
	assert_int_equal(seg_then_page(&t, 0, 0x10, SEG_WRITE), -1);
	assert_int_equal(seg_then_page(&t, 3, 0x10, SEG_READ), -2);

	struct strbuf sb;
	struct seg_fault f;
	uint64_t out;
	sb_init(&sb);
	assert_int_equal(seg_tb_explain(&t, seg_tb_va(&t, 1, 0x100), SEG_WRITE, &sb, &out, &f), 0);
	expect_text(&sb, "-> linear address 0x2400 + 0x100 = 0x2500 (paging translates it next)");
	sb_free(&sb);
	if (seg_tb_validate(&t, &err))
		fail_msg("%s", err.msg);
	seg_tb_destroy(&t);
}

static void test_textbook_bad_input(void **state)
{
	struct mmsim_error err = { 0 };
	struct seg_tb t;
	(void)state;

	assert_int_equal(seg_tb_init(&t, SEG_TB_PURE, 16, 16, 16, 1, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "offset bits"));
	assert_int_equal(seg_tb_init(&t, SEG_TB_PURE, 65, 12, 16, 1, &err), -EINVAL);
	assert_int_equal(seg_tb_init(&t, SEG_TB_PURE, 16, 12, 0, 1, &err), -EINVAL);
	assert_int_equal(seg_tb_init(&t, SEG_TB_PURE, 16, 12, 16, 17, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "segments"));
	assert_int_equal(seg_tb_init(&t, SEG_TB_PURE, 16, 12, 16, 0, &err), -EINVAL);
	assert_int_equal(seg_tb_init(&t, (enum seg_tb_mode)7, 16, 12, 16, 1, &err), -EINVAL);
	assert_int_equal(seg_tb_init(&t, SEG_TB_PURE, 64, 40, 64, 1000, &err), 0);
	assert_int_equal(seg_tb_set(&t, 3, 0xfffffffffffff000ull, 0x1000, SEG_TB_R, &err), 0);
	assert_int_equal(seg_tb_set(&t, 4, 0xfffffffffffff001ull, 0x1000, SEG_TB_R, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "does not fit"));
	seg_tb_destroy(&t);

	assert_int_equal(seg_tb_init(&t, SEG_TB_PURE, 16, 12, 16, 4, &err), 0);
	assert_int_equal(seg_tb_set(&t, 1, 0x100, 0x10, SEG_TB_R, &err), 0);
	const struct seg_tb_entry *e = &t.ent[1];
	assert_int_equal(seg_tb_set(&t, 1, 0, 0x1001, SEG_TB_R, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "exceeds"));
	assert_int_equal(seg_tb_set(&t, 1, 0xf001, 0x1000, SEG_TB_R, &err), -EINVAL);
	assert_int_equal(seg_tb_set(&t, 1, 0, 0x10, 8, &err), -EINVAL);
	assert_int_equal(seg_tb_set(&t, 4, 0, 0x10, SEG_TB_R, &err), -EINVAL);
	assert_int_equal(seg_tb_clear(&t, 4), -EINVAL);
	assert_true(e->valid && e->base == 0x100 && e->length == 0x10 && e->prot == SEG_TB_R);
	uint64_t out;
	struct seg_fault f;
	assert_int_equal(seg_tb_translate(&t, 0x1000, 3, &out, &f), -EINVAL);
	assert_int_equal(t.stats.translations, 0);
	/* the validator catches a broken table */
	t.ent[2] = (struct seg_tb_entry){ .valid = true, .base = 0xff00, .length = 0x200 };
	assert_int_equal(seg_tb_validate(&t, &err), -EUCLEAN);
	t.ent[2].valid = false;
	assert_int_equal(seg_tb_validate(&t, &err), 0);
	t.stats.faults = 1;
	assert_int_equal(seg_tb_validate(&t, &err), -EUCLEAN);
	seg_tb_destroy(&t);
}

/* ---- random property test against a reference written here ------------------------------ */

/* The reference's own decoding of a descriptor, field by field from the SDM's figure. */
struct ref {
	uint32_t base, limit_eff;
	unsigned int type, s, dpl, p, db;
};

static void ref_decode(uint64_t raw, struct ref *r)
{
	uint32_t limit = (uint32_t)(raw & 0xffff) + (uint32_t)(((raw >> 48) & 0xf) << 16);
	bool g = (raw >> 55) & 1;

	r->base = (uint32_t)((raw >> 16) & 0xffff) + (uint32_t)(((raw >> 32) & 0xff) << 16) +
		  (uint32_t)(((raw >> 56) & 0xff) << 24);
	r->limit_eff = g ? limit * 4096u + 4095u : limit;
	r->type = (raw >> 40) & 0xf;
	r->s = (raw >> 44) & 1;
	r->dpl = (raw >> 45) & 3;
	r->p = (raw >> 47) & 1;
	r->db = (raw >> 54) & 1;
}

/* Expected outcome of MOV DS (kind, why) for descriptor r, selector RPL rpl at CPL cpl. */
static void ref_load(const struct ref *r, unsigned int rpl, unsigned int cpl, int *kind,
		     int *why)
{
	bool code = r->type >= 8, conforming = code && (r->type & 4);

	*kind = SEG_FAULT_GP;
	if (!r->s)
		*why = SEG_WHY_SYSTEM;
	else if (code && !(r->type & 2))
		*why = SEG_WHY_TYPE;
	else if (!conforming && (rpl > r->dpl || cpl > r->dpl))
		*why = SEG_WHY_DPL;
	else if (!r->p)
		*kind = SEG_FAULT_NP, *why = SEG_WHY_NOT_PRESENT;
	else
		*kind = 0, *why = 0;
}

/* Expected outcome of an access of size bytes at offset through r. */
static void ref_access(const struct ref *r, uint64_t offset, unsigned int size, bool write,
		       int *why, uint64_t *linear)
{
	bool code = r->type >= 8;
	uint64_t first = offset, last = offset + size - 1;
	bool in;

	if (write && code) {
		*why = SEG_WHY_WRITE_CODE;
		return;
	}
	if (write && !(r->type & 2)) {
		*why = SEG_WHY_WRITE_RO;
		return;
	}
	if (!code && (r->type & 4)) {
		uint64_t top = r->db ? 0xffffffffull : 0xffffull;
		in = first > r->limit_eff && last <= top;
	} else {
		in = last <= r->limit_eff || r->limit_eff == 0xffffffffu;
	}
	*why = in ? 0 : SEG_WHY_LIMIT;
	*linear = (uint64_t)(uint32_t)(r->base + (uint32_t)offset);
}

/* A random descriptor biased toward loadable code/data segments with varied limits. */
static uint64_t random_desc(struct rng *g)
{
	uint64_t raw = rng_next(g);

	if (rng_below(g, 8))
		raw |= 1ull << 44 | 1ull << 47;			/* S, P */
	if (rng_below(g, 2)) {					/* small limits */
		raw &= ~(0xfull << 48 | 0xffffull);
		raw |= rng_below(g, 0x3000);
	}
	return raw;
}

/* An offset near the interesting points of segment r, or anywhere. */
static uint64_t random_offset(struct rng *g, const struct ref *r)
{
	switch (rng_below(g, 4)) {
	case 0: return rng_next(g) & 0xffffffff;
	case 1: return ((uint64_t)r->limit_eff + rng_below(g, 32) - 16) & 0xffffffff;
	case 2: return 0xffff - rng_below(g, 32) + 16;
	default: return (0xffffffffull - rng_below(g, 32)) & 0xffffffff;
	}
}

static void test_random_property(void **state)
{
	static const unsigned int sizes[] = { 1, 2, 4, 8, 16 };
	struct seg_unit u;
	struct seg_fault f;
	struct rng g;
	(void)state;

	rng_seed(&g, 0x5e6);
	teach_unit(&u);
	for (unsigned int iter = 0; iter < 200000; iter++) {
		uint64_t raw = random_desc(&g), lin = 0, want = 0;
		unsigned int cpl = (unsigned int)rng_below(&g, 4);
		unsigned int rpl = (unsigned int)rng_below(&g, 4);
		int kind, why, rc;
		struct ref r;

		u.cpl = (uint8_t)cpl;	/* the property is about DS; CS is not consulted */
		assert_int_equal(seg_table_set(&u.gdt, 1, raw), 0);
		ref_decode(raw, &r);
		ref_load(&r, rpl, cpl, &kind, &why);
		rc = seg_load(&u, SEG_DS, (uint16_t)(8 | rpl), &f);
		if (rc != kind || (rc && (int)f.why != why))
			fail_msg("load 0x%016llx CPL %u RPL %u: rc %d why %d, reference %d %d",
				 (unsigned long long)raw, cpl, rpl, rc, f.why, kind, why);
		if (rc)
			continue;
		assert_true(u.gdt.desc[1] & (1ull << 40));	/* accessed bit set */
		for (unsigned int k = 0; k < 4; k++) {
			uint64_t off = random_offset(&g, &r);
			unsigned int size = sizes[rng_below(&g, 5)];
			bool write = rng_below(&g, 2);

			ref_access(&r, off, size, write, &why, &want);
			rc = seg_translate(&u, SEG_DS, off, size, write ? SEG_WRITE : SEG_READ,
					   &lin, &f);
			if (why ? rc != SEG_FAULT_GP || (int)f.why != why : rc != 0 || lin != want)
				fail_msg("0x%016llx %s 0x%llx size %u: rc %d why %d linear "
					 "0x%llx; reference why %d linear 0x%llx",
					 (unsigned long long)raw, write ? "write" : "read",
					 (unsigned long long)off, size, rc, f.why,
					 (unsigned long long)lin, why, (unsigned long long)want);
		}
		if (iter % 4096 == 0) {
			u.cpl = 0;
			u.reg[SEG_CS] = (struct seg_cache){ 0 };
			u.reg[SEG_SS] = (struct seg_cache){ 0 };
			check_valid(&u);
		}
	}
	seg_unit_destroy(&u);
}

/* The reference's canonical test: sign-extension from bit bits-1 gives the address back. */
static bool ref_canonical(uint64_t a, unsigned int bits)
{
	int64_t x = (int64_t)(a << (64 - bits)) >> (64 - bits);

	return (uint64_t)x == a;
}

static void test_random_property_64(void **state)
{
	static const enum seg_reg regs[] = { SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS };
	struct seg_unit u;
	struct seg_fault f;
	struct rng g;
	(void)state;

	rng_seed(&g, 64);
	for (unsigned int bits = 48; bits <= 57; bits += 9) {
		assert_int_equal(seg_linux_init(&u, SEG_LINUX_X86_64, bits, 0), 0);
		for (unsigned int iter = 0; iter < 100000; iter++) {
			enum seg_reg r = regs[rng_below(&g, 6)];
			uint64_t base = rng_next(&g), off = rng_next(&g), lin = 0, want;
			unsigned int size = 1u << rng_below(&g, 5);
			int rc;

			/* canonical bases only; offsets near the canonical boundaries too */
			base = (uint64_t)((int64_t)(base << (64 - bits)) >> (64 - bits));
			if (rng_below(&g, 2))
				off = ((1ull << (bits - 1)) - rng_below(&g, 64)) ^
				      (rng_below(&g, 2) ? ~0ull : 0);
			if (r == SEG_FS || r == SEG_GS)
				assert_int_equal(seg_write_base(&u, r, base), 0);
			want = off + ((r == SEG_FS || r == SEG_GS) ? base : 0);
			rc = seg_translate(&u, r, off, size, r == SEG_CS ? SEG_EXEC : SEG_READ,
					   &lin, &f);
			if (ref_canonical(want, bits) && ref_canonical(want + size - 1, bits)) {
				assert_int_equal(rc, 0);
				assert_int_equal(lin, want);
			} else {
				expect_fault(rc, &f, r == SEG_SS ? SEG_FAULT_SS : SEG_FAULT_GP,
					     SEG_WHY_NONCANONICAL, 0);
			}
		}
		check_valid(&u);
		seg_unit_destroy(&u);
	}
}

/* ---- counters, validators, bad input ----------------------------------------------------- */

static void test_counters_exact(void **state)
{
	struct seg_unit u;
	struct seg_fault f;
	uint64_t lin;
	(void)state;

	teach_user(&u);
	memset(&u.stats, 0, sizeof(u.stats));
	assert_int_equal(u.gdt.desc[14] & (1ull << 40), 0);
	assert_int_equal(seg_load(&u, SEG_FS, 0x73, &f), 0);		/* sets A */
	assert_int_equal(u.gdt.desc[14], 0x00cff3000000ffffull);
	assert_int_equal(u.reg[SEG_FS].desc.type, 3);
	assert_int_equal(seg_load(&u, SEG_GS, 0x73, &f), 0);		/* A already set */
	assert_int_equal(seg_load(&u, SEG_GS, 0, &f), 0);		/* null: no read */
	expect_fault(seg_load(&u, SEG_GS, 0x3b, &f), &f, SEG_FAULT_NP, SEG_WHY_NOT_PRESENT, 0x38);
	expect_fault(seg_load(&u, SEG_GS, 0xfb, &f), &f, SEG_FAULT_GP, SEG_WHY_TABLE_LIMIT, 0xf8);
	assert_int_equal(seg_translate(&u, SEG_FS, 0, 4, SEG_READ, &lin, &f), 0);
	assert_int_equal(seg_load(&u, SEG_SS, 0x4b, &f), 0);		/* expand-down stack */
	expect_fault(seg_translate(&u, SEG_SS, 0x10, 4, SEG_READ, &lin, &f), &f, SEG_FAULT_SS,
		     SEG_WHY_LIMIT, 0);
	expect_fault(seg_translate(&u, SEG_CS, 0, 4, SEG_WRITE, &lin, &f), &f, SEG_FAULT_GP,
		     SEG_WHY_WRITE_CODE, 0);
	expect_fault(seg_syscall(&u, &f), &f, SEG_FAULT_UD, SEG_WHY_MODE, 0);
	assert_int_equal(u.stats.loads, 6);
	assert_int_equal(u.stats.desc_reads, 4);
	assert_int_equal(u.stats.accessed_sets, 1);
	assert_int_equal(u.stats.translations, 3);
	assert_int_equal(u.stats.instructions, 1);
	assert_int_equal(u.stats.faults[SEG_FAULT_GP], 2);
	assert_int_equal(u.stats.faults[SEG_FAULT_NP], 1);
	assert_int_equal(u.stats.faults[SEG_FAULT_SS], 1);
	assert_int_equal(u.stats.faults[SEG_FAULT_UD], 1);
	assert_int_equal(u.stats.why[SEG_WHY_LIMIT], 1);
	assert_int_equal(u.stats.why[SEG_WHY_TABLE_LIMIT], 1);
	check_valid(&u);
	/* bad arguments count nothing */
	assert_int_equal(seg_load(&u, SEG_CS, 0x1b, &f), -EINVAL);
	assert_int_equal(seg_load(&u, (enum seg_reg)6, 0x1b, &f), -EINVAL);
	assert_int_equal(seg_translate(&u, (enum seg_reg)9, 0, 1, SEG_READ, &lin, &f), -EINVAL);
	assert_int_equal(seg_translate(&u, SEG_DS, 0, 1, 3, &lin, &f), -EINVAL);
	assert_int_equal(u.stats.loads, 6);
	assert_int_equal(u.stats.translations, 3);
	seg_unit_destroy(&u);
}

static void expect_invalid(const struct seg_unit *u, const char *what)
{
	struct mmsim_error err = { 0 };

	if (seg_unit_validate(u, &err) != -EUCLEAN)
		fail_msg("validator accepted %s", what);
	assert_true(err.msg[0] != '\0');
}

static void test_validate_catches(void **state)
{
	struct seg_unit u, bad;
	(void)state;

	teach_user(&u);
	bad = u;
	bad.cpl = 0;			/* CS RPL 3 no longer the CPL; SS DPL 3 either */
	expect_invalid(&bad, "CPL != CS.RPL");
	bad = u;
	bad.reg[SEG_SS].desc.type = 1;	/* read-only stack */
	expect_invalid(&bad, "read-only SS");
	bad = u;
	bad.reg[SEG_DS].limit = 0x1234;
	expect_invalid(&bad, "limit that disagrees with the descriptor");
	bad = u;
	bad.reg[SEG_ES].usable = false;	/* unusable with a selector */
	expect_invalid(&bad, "unusable register with a selector");
	bad = u;
	bad.reg[SEG_FS] = u.reg[SEG_CS];
	bad.reg[SEG_FS].desc.type = 0x9;	/* execute-only code in FS */
	expect_invalid(&bad, "execute-only FS");
	bad = u;
	bad.reg[SEG_DS].desc.p = false;
	expect_invalid(&bad, "not-present DS");
	bad = u;
	bad.reg[SEG_DS].base = 0x100000000ull;
	expect_invalid(&bad, "64-bit base outside IA-32e mode");
	bad = u;
	bad.stats.faults[SEG_FAULT_GP]++;
	expect_invalid(&bad, "a fault without a reason");
	bad = u;
	bad.gdt.nr = SEG_TABLE_MAX + 1;
	expect_invalid(&bad, "an oversized GDT");
	bad = u;
	bad.ldt.nr = 3;			/* no storage */
	expect_invalid(&bad, "an LDT without storage");
	check_valid(&u);
	seg_unit_destroy(&u);

	assert_int_equal(seg_linux_init(&u, SEG_LINUX_X86_64, 48, 0), 0);
	bad = u;
	bad.reg[SEG_GS].base = 0x0000800000000000ull;
	expect_invalid(&bad, "non-canonical GS base");
	bad = u;
	bad.kernel_gs_base = 0x8000000000000000ull;
	expect_invalid(&bad, "non-canonical KERNEL_GS_BASE");
	bad = u;
	bad.reg[SEG_CS].desc.db = true;
	expect_invalid(&bad, "CS with L and D");
	bad = u;
	bad.va_bits = 52;
	expect_invalid(&bad, "a 52-bit canonical width");
	seg_unit_destroy(&u);
}

static void test_bad_input(void **state)
{
	struct seg_unit u;
	struct seg_table t;
	struct seg_fault f;
	(void)state;

	assert_int_equal(seg_unit_init(&u, 0, false, 0), -EINVAL);
	assert_int_equal(seg_unit_init(&u, 8193, false, 0), -EINVAL);
	assert_int_equal(seg_unit_init(&u, 16, true, 52), -EINVAL);
	assert_int_equal(seg_table_init(&t, SEG_TABLE_MAX + 1), -EINVAL);
	assert_int_equal(seg_table_init(&t, SEG_TABLE_MAX), 0);
	assert_int_equal(seg_table_set(&t, SEG_TABLE_MAX, 0), -EINVAL);
	seg_table_destroy(&t);
	assert_int_equal(seg_linux_init(&u, SEG_LINUX_I386, 0, 0x100000000ull), -EINVAL);
	assert_int_equal(seg_linux_init(&u, SEG_LINUX_X86_64, 48, 0x0000800000000000ull),
			 -EINVAL);
	assert_int_equal(seg_linux_init(&u, (enum seg_linux_arch)5, 48, 0), -EINVAL);

	assert_int_equal(seg_linux_init(&u, SEG_LINUX_X86_64, 48, 0), 0);
	assert_int_equal(seg_write_base(&u, SEG_DS, 0x1000), -EINVAL);
	assert_int_equal(seg_write_base(&u, SEG_FS, 0x0000800000000000ull), -EINVAL);
	assert_int_equal(seg_linux_enter_user(&u, false, 0x0000800000000000ull, &f), -EINVAL);
	assert_int_equal(seg_linux_enter_kernel(&u, &f), -EINVAL);	/* already at CPL 0 */
	assert_int_equal(seg_linux_enter_user(&u, false, 0x1000, &f), 0);
	assert_int_equal(seg_linux_enter_user(&u, false, 0x1000, &f), -EINVAL);	/* CPL 3 */
	check_valid(&u);
	seg_unit_destroy(&u);

	assert_int_equal(seg_linux_init(&u, SEG_LINUX_I386, 0, 0), 0);
	assert_int_equal(seg_write_base(&u, SEG_FS, 0x1000), -EINVAL);	/* no IA-32e */
	seg_unit_destroy(&u);
}

/* The same registers, CPL, MSRs, counters and GDT bytes. */
static void expect_same_unit(const struct seg_unit *a, const struct seg_unit *b,
			     const uint64_t *gdt_before)
{
	assert_int_equal(a->cpl, b->cpl);
	assert_int_equal(a->kernel_gs_base, b->kernel_gs_base);
	for (unsigned int r = 0; r < SEG_NR_REGS; r++) {
		assert_int_equal(a->reg[r].sel, b->reg[r].sel);
		assert_int_equal(a->reg[r].usable, b->reg[r].usable);
		assert_int_equal(a->reg[r].base, b->reg[r].base);
		assert_int_equal(a->reg[r].limit, b->reg[r].limit);
	}
	assert_memory_equal(&a->stats, &b->stats, sizeof(a->stats));
	assert_memory_equal(a->gdt.desc, gdt_before, a->gdt.nr * sizeof(uint64_t));
}

/* A Linux transition that faults midway (a tampered GDT) leaves everything as it was. */
static void test_linux_transition_all_or_nothing(void **state)
{
	struct seg_unit u, before;
	struct seg_fault f;
	uint64_t gdt[32];
	(void)state;

	assert_int_equal(seg_linux_init(&u, SEG_LINUX_X86_64, 48, 0xffff888000000000ull), 0);
	u.gdt.desc[5] &= ~(1ull << 47);			/* __USER_DS not present */
	before = u;
	memcpy(gdt, u.gdt.desc, 16 * sizeof(uint64_t));
	/* compat: DS/ES load __USER_DS first and fault there */
	expect_fault(seg_linux_enter_user(&u, true, 0x1000, &f), &f, SEG_FAULT_NP,
		     SEG_WHY_NOT_PRESENT, 0x28);
	expect_same_unit(&u, &before, gdt);
	/* 64-bit: several steps succeed (null loads, SWAPGS...) before SS faults in IRET */
	expect_fault(seg_linux_enter_user(&u, false, 0x1000, &f), &f, SEG_FAULT_SS,
		     SEG_WHY_NOT_PRESENT, 0x28);
	expect_same_unit(&u, &before, gdt);
	check_valid(&u);
	seg_unit_destroy(&u);

	/* i386: the TLS slot write and the GS load come last; make the TLS load fail */
	assert_int_equal(seg_linux_init(&u, SEG_LINUX_I386, 0, 0), 0);
	u.gdt.nr = 6;				/* the GDT ends before the TLS slot */
	assert_int_equal(seg_linux_enter_user(&u, false, 0x1000, &f), -EINVAL);
	u.gdt.nr = 32;
	u.gdt.desc[14] &= ~(1ull << 47);		/* __USER_CS not present */
	before = u;
	memcpy(gdt, u.gdt.desc, sizeof(gdt));
	expect_fault(seg_linux_enter_user(&u, false, 0x1000, &f), &f, SEG_FAULT_NP,
		     SEG_WHY_NOT_PRESENT, 0x70);
	expect_same_unit(&u, &before, gdt);
	u.gdt.desc[14] |= 1ull << 47;
	assert_int_equal(seg_linux_enter_user(&u, false, 0x1000, &f), 0);
	/* entering the kernel with a broken per-CPU segment: undone after SYSENTER */
	u.gdt.desc[27] &= ~(1ull << 47);
	before = u;
	memcpy(gdt, u.gdt.desc, sizeof(gdt));
	expect_fault(seg_linux_enter_kernel(&u, &f), &f, SEG_FAULT_NP, SEG_WHY_NOT_PRESENT, 0xd8);
	expect_same_unit(&u, &before, gdt);
	assert_int_equal(u.cpl, 3);
	check_valid(&u);
	seg_unit_destroy(&u);
}

/* A fresh unit: nothing usable; a fetch through the null CS is #GP(0). */
static void test_fresh_unit(void **state)
{
	struct seg_unit u;
	struct seg_fault f;
	struct strbuf sb;
	uint64_t lin;
	(void)state;

	assert_int_equal(seg_unit_init(&u, 4, false, 0), 0);
	check_valid(&u);
	assert_int_equal(seg_mode(&u), SEG_MODE_PROTECTED);
	expect_fault(seg_translate(&u, SEG_CS, 0, 1, SEG_EXEC, &lin, &f), &f, SEG_FAULT_GP,
		     SEG_WHY_NULL_USE, 0);
	sb_init(&sb);
	seg_fault_format(&f, &sb);
	expect_text(&sb, "#GP(0x0): segment register holds a null selector [cs, selector 0x0000, "
		    "CPL 0]");
	sb_free(&sb);
	sb_init(&sb);
	seg_sel_format(0x0f, &sb);
	expect_text(&sb, "selector 0x000f = index 1, TI=LDT, RPL 3");
	sb_free(&sb);
	assert_string_equal(seg_mode_name(SEG_MODE_COMPAT), "compatibility mode");
	assert_string_equal(seg_reg_name(SEG_GS), "gs");
	seg_unit_destroy(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_linux64),
		cmocka_unit_test(test_golden_linux32),
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_encode_decode_roundtrip),
		cmocka_unit_test(test_fill_ldt_and_names),
		cmocka_unit_test(test_load_data_checks),
		cmocka_unit_test(test_load_rpl_above_dpl),
		cmocka_unit_test(test_load_ss_checks),
		cmocka_unit_test(test_ss_null_64),
		cmocka_unit_test(test_far_jump_checks),
		cmocka_unit_test(test_far_return_checks),
		cmocka_unit_test(test_access_types),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_base_wraps),
		cmocka_unit_test(test_long_mode_rules),
		cmocka_unit_test(test_linux_x86_64_states),
		cmocka_unit_test(test_linux_compat_process),
		cmocka_unit_test(test_linux_i386_states),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_textbook_pure),
		cmocka_unit_test(test_textbook_segmented_paging),
		cmocka_unit_test(test_textbook_bad_input),
		cmocka_unit_test(test_random_property),
		cmocka_unit_test(test_random_property_64),
		cmocka_unit_test(test_counters_exact),
		cmocka_unit_test(test_validate_catches),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_linux_transition_all_or_nothing),
		cmocka_unit_test(test_fresh_unit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

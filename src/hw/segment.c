/*
 * The x86 segmentation unit and textbook segmentation (the model is described in segment.h).
 *
 * Sources. Intel SDM (Order 253668, vol. 3A): 3.4.2 selectors, 3.4.3 segment registers and
 * their hidden part, 3.4.5 descriptors (Figure 3-8, Table 3-1 code/data types, Table 3-2
 * system types), 3.5.1 descriptor tables, 5.3 limit checking (and 5.3.1 none in 64-bit
 * mode), 5.4 type checking, 5.4.1.1 no null checking in 64-bit mode, 5.5-5.8 privilege
 * checks; vol. 2 the "Operation" sections of MOV (to Sreg), JMP, RET, IRET, SYSCALL,
 * SYSRET, SYSENTER, SYSEXIT, SWAPGS. Linux 6.18: arch/x86/kernel/cpu/common.c (gdt_page,
 * syscall_init, enable_sep_cpu), arch/x86/include/asm/segment.h (GDT layout, selectors),
 * desc_defs.h (DESC_* flags), desc.h (fill_ldt), kernel/process_32.c and process_64.c
 * (start_thread), kernel/setup_percpu.c (setup_percpu_segment), entry/entry_32.S.
 * Textbook mode: Silberschatz, Galvin, Gagne, "Operating System Concepts" (9th ed.) 8.4;
 * Tanenbaum, "Modern Operating Systems" (4th ed.) 3.7.
 */
#include "hw/segment.h"
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "util/error.h"
#include "util/strbuf.h"

#define DESC_A_BIT	(1ull << 40)	/* accessed bit inside a raw descriptor */
#define DESC_S_BIT	(1ull << 44)	/* S bit inside a raw descriptor */
#define U32_MAX		0xffffffffull

/* ---- descriptors ------------------------------------------------------------------------- */

/* The 8 bytes of Figure 3-8 from the fields. */
uint64_t seg_desc_encode(const struct seg_desc *d)
{
	return (uint64_t)(d->limit & 0xffffu) |
	       (uint64_t)(d->base & 0xffffffu) << 16 |
	       (uint64_t)(d->type & 0xfu) << 40 |
	       (uint64_t)d->s << 44 |
	       (uint64_t)(d->dpl & 3u) << 45 |
	       (uint64_t)d->p << 47 |
	       (uint64_t)((d->limit >> 16) & 0xfu) << 48 |
	       (uint64_t)d->avl << 52 |
	       (uint64_t)d->l << 53 |
	       (uint64_t)d->db << 54 |
	       (uint64_t)d->g << 55 |
	       (uint64_t)(d->base >> 24) << 56;
}

/* The fields of Figure 3-8 from the 8 bytes. */
void seg_desc_decode(uint64_t raw, struct seg_desc *d)
{
	d->limit = (uint32_t)(raw & 0xffff) | (uint32_t)((raw >> 32) & 0xf0000);
	d->base = (uint32_t)((raw >> 16) & 0xffffff) | (uint32_t)((raw >> 32) & 0xff000000);
	d->type = (uint8_t)((raw >> 40) & 0xf);
	d->s = (raw >> 44) & 1;
	d->dpl = (uint8_t)((raw >> 45) & 3);
	d->p = (raw >> 47) & 1;
	d->avl = (raw >> 52) & 1;
	d->l = (raw >> 53) & 1;
	d->db = (raw >> 54) & 1;
	d->g = (raw >> 55) & 1;
}

/* Flags bits 7:0 go to descriptor bits 47:40, flags bits 15:12 to bits 55:52. */
uint64_t seg_desc_pack(unsigned int flags, uint32_t base, uint32_t limit)
{
	return (uint64_t)(base & 0xff000000u) << 32 |
	       (uint64_t)(flags & 0xf0ffu) << 40 |
	       (uint64_t)(limit & 0xf0000u) << 32 |
	       (uint64_t)(base & 0xffffffu) << 16 |
	       (uint64_t)(limit & 0xffffu);
}

/* Linux-style flags of the attribute fields of d. */
unsigned int seg_desc_flags(const struct seg_desc *d)
{
	return (d->type & 0xfu) | (d->s ? SEG_F_S : 0) | SEG_F_DPL(d->dpl & 3u) |
	       (d->p ? SEG_F_P : 0) | (d->avl ? SEG_F_AVL : 0) | (d->l ? SEG_F_L : 0) |
	       (d->db ? SEG_F_DB : 0) | (d->g ? SEG_F_G : 0);
}

/* SDM Table 3-1, indexed by the 4-bit type of a code/data descriptor. */
static const char *const code_data_names[16] = {
	"data read-only", "data read-only accessed",
	"data read/write", "data read/write accessed",
	"data read-only expand-down", "data read-only expand-down accessed",
	"data read/write expand-down", "data read/write expand-down accessed",
	"code execute-only", "code execute-only accessed",
	"code execute/read", "code execute/read accessed",
	"code execute-only conforming", "code execute-only conforming accessed",
	"code execute/read conforming", "code execute/read conforming accessed",
};

/* SDM Table 3-2, system types in 32-bit mode and in IA-32e mode. */
static const char *const system_names32[16] = {
	"reserved", "16-bit TSS (available)", "LDT", "16-bit TSS (busy)",
	"16-bit call gate", "task gate", "16-bit interrupt gate", "16-bit trap gate",
	"reserved", "32-bit TSS (available)", "reserved", "32-bit TSS (busy)",
	"32-bit call gate", "reserved", "32-bit interrupt gate", "32-bit trap gate",
};
static const char *const system_names64[16] = {
	"upper 8 bytes of a 16-byte descriptor", "reserved", "LDT", "reserved",
	"reserved", "reserved", "reserved", "reserved",
	"reserved", "64-bit TSS (available)", "reserved", "64-bit TSS (busy)",
	"64-bit call gate", "reserved", "64-bit interrupt gate", "64-bit trap gate",
};

const char *seg_desc_type_name(const struct seg_desc *d, bool ia32e)
{
	if (d->s)
		return code_data_names[d->type & 0xf];
	return (ia32e ? system_names64 : system_names32)[d->type & 0xf];
}

/* fill_ldt() of Linux 6.18 (arch/x86/include/asm/desc.h). */
uint64_t seg_fill_ldt(const struct seg_user_desc *info)
{
	struct seg_desc d = {
		.base = info->base_addr,
		.limit = info->limit & 0xfffff,
		.type = (uint8_t)(((info->read_exec_only ? 0u : 1u) << 1) |
				  ((info->contents & 3u) << 2) | 1u),
		.dpl = 3,
		.s = true,
		.p = !info->seg_not_present,
		.avl = info->useable,
		.l = false,
		.db = info->seg_32bit,
		.g = info->limit_in_pages,
	};
	return seg_desc_encode(&d);
}

/* ---- tables ------------------------------------------------------------------------------ */

int seg_table_init(struct seg_table *t, unsigned int nr)
{
	if (nr > SEG_TABLE_MAX)
		return -EINVAL;
	t->desc = NULL;
	t->nr = 0;
	if (nr == 0)
		return 0;
	t->desc = calloc(nr, sizeof(*t->desc));
	if (!t->desc)
		return -ENOMEM;
	t->nr = nr;
	return 0;
}

void seg_table_destroy(struct seg_table *t)
{
	free(t->desc);
	t->desc = NULL;
	t->nr = 0;
}

int seg_table_set(struct seg_table *t, unsigned int index, uint64_t raw)
{
	if (index >= t->nr)
		return -EINVAL;
	t->desc[index] = raw;
	return 0;
}

int seg_table_validate(const struct seg_table *t, struct mmsim_error *err)
{
	if (t->nr > SEG_TABLE_MAX)
		return err_set(err, -EUCLEAN, "", 0, 0,
			       "descriptor table has %u entries; a 16-bit limit allows at most %u",
			       t->nr, SEG_TABLE_MAX);
	if ((t->nr == 0) != (t->desc == NULL))
		return err_set(err, -EUCLEAN, "", 0, 0,
			       "descriptor table of %u entries with %s storage", t->nr,
			       t->desc ? "allocated" : "no");
	return 0;
}

/* ---- names ------------------------------------------------------------------------------- */

const char *seg_reg_name(enum seg_reg r)
{
	static const char *const names[SEG_NR_REGS] = { "es", "cs", "ss", "ds", "fs", "gs" };
	return (unsigned int)r < SEG_NR_REGS ? names[r] : "?";
}

const char *seg_fault_name(enum seg_fault_kind k)
{
	static const char *const names[SEG_NR_FAULT_KINDS] = {
		"ok", "#GP", "#NP", "#SS", "#UD", "trap",
	};
	return (unsigned int)k < SEG_NR_FAULT_KINDS ? names[k] : "?";
}

const char *seg_why_name(enum seg_why w)
{
	static const char *const names[SEG_NR_WHY] = {
		[SEG_WHY_NONE] = "no fault",
		[SEG_WHY_NULL] = "null selector not allowed here",
		[SEG_WHY_NULL_USE] = "segment register holds a null selector",
		[SEG_WHY_TABLE_LIMIT] = "selector index beyond the descriptor table limit",
		[SEG_WHY_NO_LDT] = "selector names the LDT but LDTR is null",
		[SEG_WHY_SYSTEM] = "system descriptor where a code or data segment is needed",
		[SEG_WHY_TYPE] = "wrong segment type for this register",
		[SEG_WHY_RPL] = "RPL does not match CPL",
		[SEG_WHY_DPL] = "descriptor privilege level forbids it",
		[SEG_WHY_NOT_PRESENT] = "segment not present",
		[SEG_WHY_LONG_DB] = "code segment with both L and D set",
		[SEG_WHY_LIMIT] = "offset outside the segment limit",
		[SEG_WHY_WRITE_CODE] = "write into a code segment",
		[SEG_WHY_WRITE_RO] = "write into a read-only data segment",
		[SEG_WHY_READ_XO] = "read of an execute-only code segment",
		[SEG_WHY_NONCANONICAL] = "linear address not canonical",
		[SEG_WHY_MODE] = "instruction not available in this mode",
		[SEG_WHY_CPL] = "instruction needs CPL 0",
		[SEG_WHY_TB_SEGNUM] = "segment number beyond the segment table length",
		[SEG_WHY_TB_INVALID] = "segment not valid",
		[SEG_WHY_TB_LENGTH] = "offset beyond the segment length",
		[SEG_WHY_TB_PROT] = "protection bits forbid this access",
	};
	return (unsigned int)w < SEG_NR_WHY ? names[w] : "?";
}

const char *seg_mode_name(enum seg_mode m)
{
	switch (m) {
	case SEG_MODE_PROTECTED: return "32-bit protected mode";
	case SEG_MODE_COMPAT: return "compatibility mode";
	case SEG_MODE_LONG: return "64-bit mode";
	}
	return "?";
}

/* ---- faults ------------------------------------------------------------------------------ */

/* Exception vectors (SDM vol. 3A Table 6-1). */
static const uint8_t fault_vector[SEG_NR_FAULT_KINDS] = {
	[SEG_FAULT_GP] = 13, [SEG_FAULT_NP] = 11, [SEG_FAULT_SS] = 12, [SEG_FAULT_UD] = 6,
};

/* Start a fault record for one operation: what is being done, before any check. */
static void fault_begin(const struct seg_unit *u, struct seg_fault *f, int reg, uint16_t sel,
			unsigned int access, uint64_t offset, unsigned int size)
{
	memset(f, 0, sizeof(*f));
	f->reg = reg;
	f->sel = sel;
	f->cpl = u->cpl;
	f->access = access;
	f->offset = offset;
	f->size = size;
}

/* Complete *f as a fault (error code from errsel: selector faults, else 0), count it. */
static int raise_fault(struct seg_stats *st, struct seg_fault *f, enum seg_fault_kind kind,
		       enum seg_why why, uint16_t errsel)
{
	f->kind = kind;
	f->why = why;
	f->vector = fault_vector[kind];
	f->code = errsel & 0xfffc;
	st->faults[kind]++;
	st->why[why]++;
	return (int)kind;
}

/* Whether a is canonical for a bits-wide linear address space (bits 63..bits-1 equal). */
static bool canonical(uint64_t a, unsigned int bits)
{
	uint64_t top = a >> (bits - 1);
	return top == 0 || top == (UINT64_MAX >> (bits - 1));
}

/* ---- the unit ---------------------------------------------------------------------------- */

int seg_unit_init(struct seg_unit *u, unsigned int gdt_entries, bool lma, unsigned int va_bits)
{
	int rc;

	if (gdt_entries == 0 || gdt_entries > SEG_TABLE_MAX ||
	    (lma && va_bits != 48 && va_bits != 57))
		return -EINVAL;
	memset(u, 0, sizeof(*u));
	rc = seg_table_init(&u->gdt, gdt_entries);
	if (rc)
		return rc;
	u->lma = lma;
	u->va_bits = lma ? (uint8_t)va_bits : 32;
	return 0;
}

void seg_unit_destroy(struct seg_unit *u)
{
	seg_table_destroy(&u->gdt);
	seg_table_destroy(&u->ldt);
}

int seg_set_ldt(struct seg_unit *u, unsigned int nr)
{
	struct seg_table t;
	int rc = seg_table_init(&t, nr);

	if (rc)
		return rc;
	seg_table_destroy(&u->ldt);
	u->ldt = t;
	return 0;
}

enum seg_mode seg_mode(const struct seg_unit *u)
{
	if (!u->lma)
		return SEG_MODE_PROTECTED;
	return u->reg[SEG_CS].usable && u->reg[SEG_CS].desc.l ? SEG_MODE_LONG : SEG_MODE_COMPAT;
}

/* ---- loading segment registers ----------------------------------------------------------- */

/* A load that passed its checks; committed only once the whole instruction succeeds. */
struct pending {
	uint64_t *slot;		/* table entry whose accessed bit the load sets (NULL: none) */
	struct seg_cache c;
};

/* Hidden part for a code/data descriptor; the load sets the accessed bit (SDM 3.4.5). */
static void cache_load(struct seg_cache *c, uint16_t sel, const struct seg_desc *d)
{
	memset(c, 0, sizeof(*c));
	c->sel = sel;
	c->usable = true;
	c->desc = *d;
	c->desc.type |= SEG_F_ACCESSED;
	c->base = d->base;
	c->limit = seg_desc_limit(d);
}

/* Hidden part after a null selector: unusable, base and limit cleared (as Intel does). */
static void cache_null(struct seg_cache *c, uint16_t sel)
{
	memset(c, 0, sizeof(*c));
	c->sel = sel;
}

/* The fixed flat 4 GiB segment SYSCALL / SYSENTER and their returns load (no table read). */
static void cache_flat(struct seg_cache *c, uint16_t sel, unsigned int type, unsigned int dpl,
		       bool l, bool db)
{
	struct seg_desc d = {
		.base = 0, .limit = 0xfffff, .type = (uint8_t)type, .dpl = (uint8_t)dpl,
		.s = true, .p = true, .l = l, .db = db, .g = true,
	};
	cache_load(c, sel, &d);
}

/* Install a pending load into register r, setting the descriptor's accessed bit. */
static void commit(struct seg_unit *u, enum seg_reg r, const struct pending *p)
{
	if (p->slot && !(*p->slot & DESC_A_BIT)) {
		*p->slot |= DESC_A_BIT;
		u->stats.accessed_sets++;
	}
	u->reg[r] = p->c;
}

/* The table slot of sel's descriptor, or NULL with *why (no LDT, beyond the limit). */
static uint64_t *desc_slot(struct seg_unit *u, uint16_t sel, enum seg_why *why)
{
	struct seg_table *t = seg_sel_ldt(sel) ? &u->ldt : &u->gdt;

	if (seg_sel_ldt(sel) && t->nr == 0) {
		*why = SEG_WHY_NO_LDT;
		return NULL;
	}
	if (seg_sel_index(sel) >= t->nr) {
		*why = SEG_WHY_TABLE_LIMIT;
		return NULL;
	}
	return &t->desc[seg_sel_index(sel)];
}

/* Read sel's descriptor into *d (one descriptor read), or raise #GP(selector). */
static int fetch(struct seg_unit *u, uint16_t sel, struct seg_fault *f, uint64_t **slot,
		 struct seg_desc *d)
{
	enum seg_why why = SEG_WHY_NONE;

	*slot = desc_slot(u, sel, &why);
	if (!*slot)
		return raise_fault(&u->stats, f, SEG_FAULT_GP, why, sel);
	u->stats.desc_reads++;
	f->raw = **slot;
	seg_desc_decode(**slot, d);
	return 0;
}

/*
 * MOV to DS/ES/FS/GS (SDM vol. 2 MOV): a null selector loads without checks; otherwise
 * index in the table, code or data, not execute-only code, max(CPL, RPL) <= DPL unless
 * conforming code (all #GP(selector)), present (#NP(selector)).
 */
static int check_data(struct seg_unit *u, uint16_t sel, struct seg_fault *f, struct pending *p)
{
	unsigned int rpl = seg_sel_rpl(sel);
	struct seg_desc d;
	int rc;

	memset(p, 0, sizeof(*p));
	if (seg_sel_null(sel)) {
		cache_null(&p->c, sel);
		return 0;
	}
	rc = fetch(u, sel, f, &p->slot, &d);
	if (rc)
		return rc;
	if (!d.s)
		return raise_fault(&u->stats, f, SEG_FAULT_GP, SEG_WHY_SYSTEM, sel);
	if (!seg_desc_readable(&d))
		return raise_fault(&u->stats, f, SEG_FAULT_GP, SEG_WHY_TYPE, sel);
	if (!seg_desc_conforming(&d) && (rpl > d.dpl || u->cpl > d.dpl))
		return raise_fault(&u->stats, f, SEG_FAULT_GP, SEG_WHY_DPL, sel);
	if (!d.p)
		return raise_fault(&u->stats, f, SEG_FAULT_NP, SEG_WHY_NOT_PRESENT, sel);
	cache_load(&p->c, sel, &d);
	return 0;
}

/*
 * SS load against privilege level cpl for code that runs in 64-bit mode or not (SDM MOV,
 * RET, IRET): null is #GP(0) except in 64-bit mode at CPL < 3 with RPL == CPL; then index,
 * RPL == CPL, writable data, DPL == CPL (all #GP(selector)); present (#SS(selector)).
 */
static int check_ss(struct seg_unit *u, uint16_t sel, unsigned int cpl, bool long64,
		    struct seg_fault *f, struct pending *p)
{
	struct seg_desc d;
	int rc;

	memset(p, 0, sizeof(*p));
	if (seg_sel_null(sel)) {
		if (long64 && cpl < 3 && seg_sel_rpl(sel) == cpl) {
			cache_null(&p->c, sel);
			return 0;
		}
		return raise_fault(&u->stats, f, SEG_FAULT_GP, SEG_WHY_NULL, 0);
	}
	rc = fetch(u, sel, f, &p->slot, &d);
	if (rc)
		return rc;
	if (seg_sel_rpl(sel) != cpl)
		return raise_fault(&u->stats, f, SEG_FAULT_GP, SEG_WHY_RPL, sel);
	if (!d.s)
		return raise_fault(&u->stats, f, SEG_FAULT_GP, SEG_WHY_SYSTEM, sel);
	if (!seg_desc_writable(&d))
		return raise_fault(&u->stats, f, SEG_FAULT_GP, SEG_WHY_TYPE, sel);
	if (d.dpl != cpl)
		return raise_fault(&u->stats, f, SEG_FAULT_GP, SEG_WHY_DPL, sel);
	if (!d.p)
		return raise_fault(&u->stats, f, SEG_FAULT_SS, SEG_WHY_NOT_PRESENT, sel);
	cache_load(&p->c, sel, &d);
	return 0;
}

int seg_load(struct seg_unit *u, enum seg_reg r, uint16_t sel, struct seg_fault *f)
{
	struct pending p;
	int rc;

	if ((unsigned int)r >= SEG_NR_REGS || r == SEG_CS)
		return -EINVAL;
	u->stats.loads++;
	fault_begin(u, f, (int)r, sel, SEG_READ, 0, 0);
	if (r == SEG_SS)
		rc = check_ss(u, sel, u->cpl, seg_mode(u) == SEG_MODE_LONG, f, &p);
	else
		rc = check_data(u, sel, f, &p);
	if (rc)
		return rc;
	commit(u, r, &p);
	return 0;
}

/* The instruction pointer against the new code segment: canonical (64-bit) or the limit. */
static int check_ip(struct seg_unit *u, const struct seg_desc *d, uint64_t ip,
		    struct seg_fault *f)
{
	if (u->lma && d->l) {
		if (!canonical(ip, u->va_bits))
			return raise_fault(&u->stats, f, SEG_FAULT_GP, SEG_WHY_NONCANONICAL, 0);
		return 0;
	}
	f->lo = 0;
	f->hi = seg_desc_limit(d);
	if (ip > f->hi)
		return raise_fault(&u->stats, f, SEG_FAULT_GP, SEG_WHY_LIMIT, 0);
	return 0;
}

/* CS privilege rule of a far JMP/CALL (against CPL) or a far RET/IRET (against RPL). */
static enum seg_why cs_privilege(const struct seg_desc *d, unsigned int rpl, unsigned int cpl,
				 bool ret)
{
	if (ret) {
		if (rpl < cpl)
			return SEG_WHY_RPL;
		if (seg_desc_conforming(d) ? d->dpl > rpl : d->dpl != rpl)
			return SEG_WHY_DPL;
		return SEG_WHY_NONE;
	}
	if (seg_desc_conforming(d))
		return d->dpl > cpl ? SEG_WHY_DPL : SEG_WHY_NONE;
	if (rpl > cpl)
		return SEG_WHY_RPL;
	return d->dpl != cpl ? SEG_WHY_DPL : SEG_WHY_NONE;
}

/*
 * CS load of a far JMP (ret false) or far RET/IRET (ret true), SDM vol. 2 JMP and RET:
 * null #GP(0); index, code segment, privilege (#GP(selector)); present (#NP(selector));
 * L and D both set under lma (#GP(selector)); the new ip (#GP(0)).
 */
static int check_cs(struct seg_unit *u, uint16_t sel, uint64_t ip, bool ret,
		    struct seg_fault *f, struct pending *p)
{
	struct seg_desc d;
	enum seg_why why;
	int rc;

	memset(p, 0, sizeof(*p));
	if (seg_sel_null(sel))
		return raise_fault(&u->stats, f, SEG_FAULT_GP, SEG_WHY_NULL, 0);
	rc = fetch(u, sel, f, &p->slot, &d);
	if (rc)
		return rc;
	if (!seg_desc_is_code(&d))
		return raise_fault(&u->stats, f, SEG_FAULT_GP, d.s ? SEG_WHY_TYPE : SEG_WHY_SYSTEM,
				   sel);
	why = cs_privilege(&d, seg_sel_rpl(sel), u->cpl, ret);
	if (why)
		return raise_fault(&u->stats, f, SEG_FAULT_GP, why, sel);
	if (!d.p)
		return raise_fault(&u->stats, f, SEG_FAULT_NP, SEG_WHY_NOT_PRESENT, sel);
	if (u->lma && d.l && d.db)
		return raise_fault(&u->stats, f, SEG_FAULT_GP, SEG_WHY_LONG_DB, sel);
	rc = check_ip(u, &d, ip, f);
	if (rc)
		return rc;
	/* a jump keeps CPL and writes it into CS.RPL; a return's RPL becomes the CPL */
	cache_load(&p->c, ret ? sel : (uint16_t)((sel & 0xfffc) | u->cpl), &d);
	return 0;
}

int seg_far_jump(struct seg_unit *u, uint16_t sel, uint64_t ip, struct seg_fault *f)
{
	enum seg_why why = SEG_WHY_NONE;
	const uint64_t *slot = seg_sel_null(sel) ? NULL : desc_slot(u, sel, &why);
	struct pending p;
	int rc;

	/* through a call gate, task gate or TSS a jump becomes a gate call / task switch */
	if (slot && !(*slot & DESC_S_BIT))
		return -ENOTSUP;
	u->stats.loads++;
	fault_begin(u, f, SEG_CS, sel, SEG_EXEC, ip, 1);
	rc = check_cs(u, sel, ip, false, f, &p);
	if (rc)
		return rc;
	commit(u, SEG_CS, &p);
	return 0;
}

/* After a return to an outer level, null DS/ES/FS/GS the new CPL may not use (SDM RET). */
static void null_inaccessible(struct seg_unit *u)
{
	static const enum seg_reg data_regs[] = { SEG_ES, SEG_FS, SEG_GS, SEG_DS };

	for (unsigned int i = 0; i < sizeof(data_regs) / sizeof(data_regs[0]); i++) {
		enum seg_reg r = data_regs[i];
		struct seg_cache *c = &u->reg[r];
		uint64_t base = c->base;

		if (!c->usable || seg_desc_conforming(&c->desc) || c->desc.dpl >= u->cpl)
			continue;
		cache_null(c, 0);
		/* under lma the FS/GS base is an MSR that an invalidated selector leaves */
		if (u->lma && (r == SEG_FS || r == SEG_GS))
			c->base = base;
	}
}

int seg_far_return(struct seg_unit *u, uint16_t cs, uint64_t ip, uint16_t ss,
		   struct seg_fault *f)
{
	unsigned int rpl = seg_sel_rpl(cs);
	bool outer = rpl > u->cpl;
	struct pending pc, ps;
	int rc;

	u->stats.loads++;
	fault_begin(u, f, SEG_CS, cs, SEG_EXEC, ip, 1);
	rc = check_cs(u, cs, ip, true, f, &pc);
	if (rc)
		return rc;
	if (outer) {
		u->stats.loads++;
		fault_begin(u, f, SEG_SS, ss, SEG_READ, 0, 0);
		rc = check_ss(u, ss, rpl, u->lma && pc.c.desc.l, f, &ps);
		if (rc)
			return rc;
	}
	commit(u, SEG_CS, &pc);
	if (outer) {
		commit(u, SEG_SS, &ps);
		u->cpl = (uint8_t)rpl;
		null_inaccessible(u);
	}
	return 0;
}

int seg_write_base(struct seg_unit *u, enum seg_reg r, uint64_t base)
{
	if (!u->lma || (r != SEG_FS && r != SEG_GS) || !canonical(base, u->va_bits))
		return -EINVAL;
	u->reg[r].base = base;
	return 0;
}

/* Begin one of the fast system-call instructions: count it, start its fault record. */
static void instr_begin(struct seg_unit *u, struct seg_fault *f)
{
	u->stats.instructions++;
	fault_begin(u, f, -1, 0, SEG_EXEC, 0, 0);
}

/* SDM SYSCALL: #UD outside 64-bit mode (Intel); CS, SS fixed ring-0 flat; CPL 0. */
int seg_syscall(struct seg_unit *u, struct seg_fault *f)
{
	uint16_t sel = (uint16_t)(u->star >> 32);

	instr_begin(u, f);
	if (seg_mode(u) != SEG_MODE_LONG)
		return raise_fault(&u->stats, f, SEG_FAULT_UD, SEG_WHY_MODE, 0);
	cache_flat(&u->reg[SEG_CS], sel & 0xfffc, 0xb, 0, true, false);
	cache_flat(&u->reg[SEG_SS], (uint16_t)(sel + 8), 0x3, 0, false, true);
	u->cpl = 0;
	return 0;
}

/* SDM SYSRET: #UD outside 64-bit mode, #GP(0) above CPL 0; CS, SS fixed ring-3 flat. */
int seg_sysret(struct seg_unit *u, bool to64, struct seg_fault *f)
{
	uint16_t sel = (uint16_t)(u->star >> 48);

	instr_begin(u, f);
	if (seg_mode(u) != SEG_MODE_LONG)
		return raise_fault(&u->stats, f, SEG_FAULT_UD, SEG_WHY_MODE, 0);
	if (u->cpl != 0)
		return raise_fault(&u->stats, f, SEG_FAULT_GP, SEG_WHY_CPL, 0);
	if (to64)
		cache_flat(&u->reg[SEG_CS], (uint16_t)((sel + 16) | 3), 0xb, 3, true, false);
	else
		cache_flat(&u->reg[SEG_CS], (uint16_t)(sel | 3), 0xb, 3, false, true);
	cache_flat(&u->reg[SEG_SS], (uint16_t)((sel + 8) | 3), 0x3, 3, false, true);
	u->cpl = 3;
	return 0;
}

/* SDM SYSENTER: #GP(0) with a null SYSENTER_CS; CS, SS fixed ring-0 flat (64-bit under lma). */
int seg_sysenter(struct seg_unit *u, struct seg_fault *f)
{
	uint16_t sel = u->sysenter_cs & 0xfffc;

	instr_begin(u, f);
	if (sel == 0)
		return raise_fault(&u->stats, f, SEG_FAULT_GP, SEG_WHY_NULL, 0);
	cache_flat(&u->reg[SEG_CS], sel, 0xb, 0, u->lma, !u->lma);
	cache_flat(&u->reg[SEG_SS], (uint16_t)(sel + 8), 0x3, 0, false, true);
	u->cpl = 0;
	return 0;
}

/* SDM SYSEXIT (32-bit operand size): #GP(0) with a null SYSENTER_CS or above CPL 0. */
int seg_sysexit(struct seg_unit *u, struct seg_fault *f)
{
	uint16_t cs = (uint16_t)((u->sysenter_cs + 16) | 3);

	instr_begin(u, f);
	if ((u->sysenter_cs & 0xfffc) == 0)
		return raise_fault(&u->stats, f, SEG_FAULT_GP, SEG_WHY_NULL, 0);
	if (u->cpl != 0)
		return raise_fault(&u->stats, f, SEG_FAULT_GP, SEG_WHY_CPL, 0);
	cache_flat(&u->reg[SEG_CS], cs, 0xb, 3, false, true);
	cache_flat(&u->reg[SEG_SS], (uint16_t)(cs + 8), 0x3, 3, false, true);
	u->cpl = 3;
	return 0;
}

/* SDM SWAPGS: #UD outside 64-bit mode, #GP(0) above CPL 0. */
int seg_swapgs(struct seg_unit *u, struct seg_fault *f)
{
	uint64_t t;

	instr_begin(u, f);
	if (seg_mode(u) != SEG_MODE_LONG)
		return raise_fault(&u->stats, f, SEG_FAULT_UD, SEG_WHY_MODE, 0);
	if (u->cpl != 0)
		return raise_fault(&u->stats, f, SEG_FAULT_GP, SEG_WHY_CPL, 0);
	t = u->reg[SEG_GS].base;
	u->reg[SEG_GS].base = u->kernel_gs_base;
	u->kernel_gs_base = t;
	return 0;
}

/* ---- translation ------------------------------------------------------------------------- */

/* Type check of an access through a loaded segment (SDM 5.4); SEG_WHY_NONE when allowed. */
static enum seg_why access_check(const struct seg_desc *d, unsigned int kind)
{
	if (kind == SEG_WRITE) {
		if (seg_desc_is_code(d))
			return SEG_WHY_WRITE_CODE;
		if (!seg_desc_writable(d))
			return SEG_WHY_WRITE_RO;
	} else if (kind == SEG_READ && !seg_desc_readable(d)) {
		return SEG_WHY_READ_XO;
	}
	return SEG_WHY_NONE;
}

/*
 * Limit check (SDM 5.3): whether bytes [offset, offset + size - 1] lie in segment c; the
 * valid offsets go to f->lo, f->hi.
 *
 *   expand-up:    0 ......... limit                    valid: [0, limit]
 *   expand-down:  0 ... limit | limit+1 ..... 0xffff   valid: (limit, 0xffff] with B = 0
 *                                        ... 0xffffffff       (limit, 0xffffffff] with B = 1
 */
static bool within_limit(const struct seg_cache *c, uint64_t offset, unsigned int size,
			 struct seg_fault *f)
{
	uint64_t last = offset + size - 1;

	if (seg_desc_expand_down(&c->desc)) {
		f->lo = (uint64_t)c->limit + 1;
		f->hi = c->desc.db ? U32_MAX : 0xffff;
		return offset >= f->lo && last <= f->hi;
	}
	f->lo = 0;
	f->hi = c->limit;
	/* SDM 5.3: past a 4 GiB limit the fault is implementation-specific; mmsim wraps */
	return last <= f->hi || c->limit == U32_MAX;
}

/* Protected and compatibility mode: usable, type, limit; linear = base + offset mod 2^32. */
static int xlate32(struct seg_unit *u, enum seg_reg r, uint64_t offset, unsigned int size,
		   unsigned int kind, uint64_t *linear, struct seg_fault *f)
{
	const struct seg_cache *c = &u->reg[r];
	enum seg_fault_kind k = r == SEG_SS ? SEG_FAULT_SS : SEG_FAULT_GP;
	enum seg_why why;

	if (!c->usable)
		return raise_fault(&u->stats, f, k, SEG_WHY_NULL_USE, 0);
	f->raw = seg_desc_encode(&c->desc);
	why = access_check(&c->desc, kind);
	if (why)
		return raise_fault(&u->stats, f, k, why, 0);
	if (!within_limit(c, offset, size, f))
		return raise_fault(&u->stats, f, k, SEG_WHY_LIMIT, 0);
	*linear = (c->base + offset) & U32_MAX;
	return 0;
}

/* 64-bit mode: base 0 but for FS/GS, no limit or type check; first and last byte canonical. */
static int xlate64(struct seg_unit *u, enum seg_reg r, uint64_t offset, unsigned int size,
		   uint64_t *linear, struct seg_fault *f)
{
	uint64_t base = (r == SEG_FS || r == SEG_GS) ? u->reg[r].base : 0;
	uint64_t lin = base + offset;

	if (!canonical(lin, u->va_bits) || !canonical(lin + size - 1, u->va_bits))
		return raise_fault(&u->stats, f, r == SEG_SS ? SEG_FAULT_SS : SEG_FAULT_GP,
				   SEG_WHY_NONCANONICAL, 0);
	*linear = lin;
	return 0;
}

/* Whether (r, offset, size, access) is something an instruction could ask for now. */
static bool xlate_args_ok(const struct seg_unit *u, enum seg_reg r, uint64_t offset,
			  unsigned int size, unsigned int access)
{
	unsigned int kind = access & SEG_KIND_MASK;

	if ((unsigned int)r >= SEG_NR_REGS || size == 0 || size > 16 || kind == SEG_KIND_MASK)
		return false;
	if (kind == SEG_EXEC && r != SEG_CS)
		return false;
	return seg_mode(u) == SEG_MODE_LONG || offset <= U32_MAX;
}

int seg_translate(struct seg_unit *u, enum seg_reg r, uint64_t offset, unsigned int size,
		  unsigned int access, uint64_t *linear, struct seg_fault *f)
{
	unsigned int kind = access & SEG_KIND_MASK;

	if (!xlate_args_ok(u, r, offset, size, access))
		return -EINVAL;
	u->stats.translations++;
	fault_begin(u, f, (int)r, u->reg[r].sel, kind, offset, size);
	if (seg_mode(u) == SEG_MODE_LONG)
		return xlate64(u, r, offset, size, linear, f);
	return xlate32(u, r, offset, size, kind, linear, f);
}

/* ---- validation -------------------------------------------------------------------------- */

/* The register-independent invariants of a register's hidden part. */
static int validate_cache(const struct seg_unit *u, enum seg_reg r, struct mmsim_error *err)
{
	const struct seg_cache *c = &u->reg[r];
	bool msr_base = u->lma && (r == SEG_FS || r == SEG_GS);
	const char *n = seg_reg_name(r);

	if (msr_base ? !canonical(c->base, u->va_bits) : c->base > U32_MAX)
		return err_set(err, -EUCLEAN, "", 0, 0, "%s base 0x%" PRIx64 " out of range", n,
			       c->base);
	if (!c->usable) {
		if (!seg_sel_null(c->sel) || c->limit || (!msr_base && c->base))
			return err_set(err, -EUCLEAN, "", 0, 0,
				       "%s is unusable but holds selector 0x%x, base 0x%" PRIx64
				       ", limit 0x%x", n, c->sel, c->base, c->limit);
		return 0;
	}
	if (!c->desc.s || !c->desc.p)
		return err_set(err, -EUCLEAN, "", 0, 0, "%s holds a %s segment", n,
			       c->desc.s ? "not-present" : "system");
	if (c->limit != seg_desc_limit(&c->desc) || (!msr_base && c->base != c->desc.base))
		return err_set(err, -EUCLEAN, "", 0, 0,
			       "%s base/limit 0x%" PRIx64 "/0x%x disagree with its descriptor", n,
			       c->base, c->limit);
	return 0;
}

/* The per-register rules: CS code at CPL, SS writable at CPL, data registers readable. */
static int validate_reg(const struct seg_unit *u, enum seg_reg r, struct mmsim_error *err)
{
	const struct seg_cache *c = &u->reg[r];
	int rc = validate_cache(u, r, err);

	if (rc || !c->usable)
		return rc;
	if (r == SEG_CS && (!seg_desc_is_code(&c->desc) || seg_sel_rpl(c->sel) != u->cpl ||
			    (u->lma && c->desc.l && c->desc.db)))
		return err_set(err, -EUCLEAN, "", 0, 0,
			       "cs 0x%x is not a valid code segment for CPL %u", c->sel, u->cpl);
	if (r == SEG_SS && (!seg_desc_writable(&c->desc) || c->desc.dpl != u->cpl))
		return err_set(err, -EUCLEAN, "", 0, 0,
			       "ss 0x%x is not writable data of DPL %u (CPL)", c->sel, u->cpl);
	if (r != SEG_CS && r != SEG_SS && !seg_desc_readable(&c->desc))
		return err_set(err, -EUCLEAN, "", 0, 0, "%s holds execute-only code",
			       seg_reg_name(r));
	return 0;
}

/* Every fault has one reason; there are not more faults than operations. */
static int validate_stats(const struct seg_stats *st, struct mmsim_error *err)
{
	uint64_t faults = 0, whys = 0;

	for (unsigned int k = 0; k < SEG_NR_FAULT_KINDS; k++)
		faults += st->faults[k];
	for (unsigned int w = 0; w < SEG_NR_WHY; w++)
		whys += st->why[w];
	if (faults != whys || st->faults[SEG_OK] || st->why[SEG_WHY_NONE] ||
	    faults > st->translations + st->loads + st->instructions)
		return err_set(err, -EUCLEAN, "", 0, 0,
			       "segment counters disagree: %" PRIu64 " faults, %" PRIu64
			       " reasons, %" PRIu64 " operations", faults, whys,
			       st->translations + st->loads + st->instructions);
	return 0;
}

int seg_unit_validate(const struct seg_unit *u, struct mmsim_error *err)
{
	int rc = seg_table_validate(&u->gdt, err);

	if (!rc)
		rc = seg_table_validate(&u->ldt, err);
	if (rc)
		return rc;
	if (u->gdt.nr == 0 || u->cpl > 3 || (u->lma && u->va_bits != 48 && u->va_bits != 57))
		return err_set(err, -EUCLEAN, "", 0, 0,
			       "segment unit: %u GDT entries, CPL %u, %u-bit canonical width",
			       u->gdt.nr, u->cpl, u->va_bits);
	for (unsigned int r = 0; r < SEG_NR_REGS; r++) {
		rc = validate_reg(u, (enum seg_reg)r, err);
		if (rc)
			return rc;
	}
	if (u->lma && !canonical(u->kernel_gs_base, u->va_bits))
		return err_set(err, -EUCLEAN, "", 0, 0, "KERNEL_GS_BASE 0x%" PRIx64
			       " is not canonical", u->kernel_gs_base);
	return validate_stats(&u->stats, err);
}

/* ---- Linux's flat model ------------------------------------------------------------------- */

/* gdt_page of Linux 6.18 x86_64 (arch/x86/kernel/cpu/common.c). */
static void linux64_gdt(struct seg_table *g)
{
	g->desc[1] = seg_desc_pack(SEG_DESC_CODE32, 0, 0xfffff);	/* KERNEL32_CS */
	g->desc[2] = seg_desc_pack(SEG_DESC_CODE64, 0, 0xfffff);	/* KERNEL_CS */
	g->desc[3] = seg_desc_pack(SEG_DESC_DATA64, 0, 0xfffff);	/* KERNEL_DS */
	g->desc[4] = seg_desc_pack(SEG_DESC_CODE32 | SEG_DESC_USER, 0, 0xfffff); /* USER32_CS */
	g->desc[5] = seg_desc_pack(SEG_DESC_DATA64 | SEG_DESC_USER, 0, 0xfffff); /* USER_DS */
	g->desc[6] = seg_desc_pack(SEG_DESC_CODE64 | SEG_DESC_USER, 0, 0xfffff); /* USER_CS */
}

/*
 * gdt_page of Linux 6.18 i386 (cpu/common.c) with the per-CPU segment setup_percpu_segment
 * writes (DESC_DATA32, base per_cpu_offset(cpu)). The BIOS segments have byte granularity.
 */
static void linux32_gdt(struct seg_table *g, uint32_t percpu)
{
	g->desc[12] = seg_desc_pack(SEG_DESC_CODE32, 0, 0xfffff);	/* KERNEL_CS */
	g->desc[13] = seg_desc_pack(SEG_DESC_DATA32, 0, 0xfffff);	/* KERNEL_DS */
	g->desc[14] = seg_desc_pack(SEG_DESC_CODE32 | SEG_DESC_USER, 0, 0xfffff); /* USER_CS */
	g->desc[15] = seg_desc_pack(SEG_DESC_DATA32 | SEG_DESC_USER, 0, 0xfffff); /* USER_DS */
	g->desc[18] = seg_desc_pack(SEG_DESC_CODE32_BIOS, 0, 0xffff);	/* PNPBIOS_CS32 */
	g->desc[19] = seg_desc_pack(SEG_DESC_CODE16, 0, 0xffff);	/* PNPBIOS_CS16 */
	g->desc[20] = seg_desc_pack(SEG_DESC_DATA16, 0, 0xffff);	/* PNPBIOS_DS */
	g->desc[21] = seg_desc_pack(SEG_DESC_DATA16, 0, 0);		/* PNPBIOS_TS1 */
	g->desc[22] = seg_desc_pack(SEG_DESC_DATA16, 0, 0);		/* PNPBIOS_TS2 */
	g->desc[23] = seg_desc_pack(SEG_DESC_CODE32_BIOS, 0, 0xffff);	/* APMBIOS */
	g->desc[24] = seg_desc_pack(SEG_DESC_CODE16, 0, 0xffff);
	g->desc[25] = seg_desc_pack(SEG_DESC_DATA32_BIOS, 0, 0xffff);
	g->desc[26] = seg_desc_pack(SEG_DESC_DATA32, 0, 0xfffff);	/* ESPFIX_SS */
	g->desc[27] = seg_desc_pack(SEG_DESC_DATA32, percpu, 0xfffff);	/* PERCPU */
}

/* x86_64 kernel code: CS __KERNEL_CS, SS __KERNEL_DS, the rest null, GS base = per-CPU. */
static int linux64_kernel_regs(struct seg_unit *u, uint64_t percpu, struct seg_fault *f)
{
	static const enum seg_reg nulls[] = { SEG_DS, SEG_ES, SEG_FS, SEG_GS };
	int rc = seg_far_jump(u, LINUX64_KERNEL_CS, 0, f);

	if (!rc)
		rc = seg_load(u, SEG_SS, LINUX64_KERNEL_DS, f);
	for (unsigned int i = 0; !rc && i < sizeof(nulls) / sizeof(nulls[0]); i++)
		rc = seg_load(u, nulls[i], 0, f);
	if (!rc)
		rc = seg_write_base(u, SEG_GS, percpu);
	return rc;
}

/* i386 kernel code after the entry code: CS, SS kernel; DS, ES __USER_DS; FS per-CPU. */
static int linux32_kernel_regs(struct seg_unit *u, struct seg_fault *f)
{
	int rc = seg_far_jump(u, LINUX32_KERNEL_CS, 0, f);

	if (!rc)
		rc = seg_load(u, SEG_SS, LINUX32_KERNEL_DS, f);
	if (!rc)
		rc = seg_load(u, SEG_DS, LINUX32_USER_DS, f);
	if (!rc)
		rc = seg_load(u, SEG_ES, LINUX32_USER_DS, f);
	if (!rc)
		rc = seg_load(u, SEG_FS, LINUX32_KERNEL_PERCPU, f);
	if (!rc)
		rc = seg_load(u, SEG_GS, 0, f);
	return rc;
}

int seg_linux_init(struct seg_unit *u, enum seg_linux_arch arch, unsigned int va_bits,
		   uint64_t percpu_base)
{
	bool x64 = arch == SEG_LINUX_X86_64;
	struct seg_fault f;
	int rc;

	if (arch != SEG_LINUX_X86_64 && arch != SEG_LINUX_I386)
		return -EINVAL;
	if (x64 ? (va_bits != 48 && va_bits != 57) || !canonical(percpu_base, va_bits)
		: percpu_base > U32_MAX)
		return -EINVAL;
	rc = seg_unit_init(u, x64 ? LINUX64_GDT_ENTRIES : LINUX32_GDT_ENTRIES, x64, va_bits);
	if (rc)
		return rc;
	if (x64) {
		linux64_gdt(&u->gdt);
		/* syscall_init: STAR = __USER32_CS << 48 | __KERNEL_CS << 32 */
		u->star = (uint64_t)LINUX64_USER32_CS << 48 | (uint64_t)LINUX64_KERNEL_CS << 32;
		u->sysenter_cs = LINUX64_KERNEL_CS;
		rc = linux64_kernel_regs(u, percpu_base, &f);
	} else {
		linux32_gdt(&u->gdt, (uint32_t)percpu_base);
		u->sysenter_cs = LINUX32_KERNEL_CS;	/* enable_sep_cpu */
		rc = linux32_kernel_regs(u, &f);
	}
	if (rc) {
		seg_unit_destroy(u);
		return rc < 0 ? rc : -EUCLEAN;	/* Linux's own GDT faulting is a bug here */
	}
	memset(&u->stats, 0, sizeof(u->stats));	/* count what happens after boot */
	return 0;
}

/* load_gs_index(0) of x86_64: SWAPGS, MOV 0 to GS (clears the user base), SWAPGS. */
static int linux64_load_gs_index0(struct seg_unit *u, struct seg_fault *f)
{
	int rc = seg_swapgs(u, f);

	if (!rc)
		rc = seg_load(u, SEG_GS, 0, f);
	if (!rc)
		rc = seg_swapgs(u, f);
	return rc;
}

/* glibc's (and Linux's set_32bit_tls) TLS descriptor: 4 GiB data at base, useable. */
static uint64_t linux_tls_desc(uint32_t base)
{
	struct seg_user_desc ud = {
		.base_addr = base, .limit = 0xfffff, .seg_32bit = true,
		.limit_in_pages = true, .useable = true,
	};
	return seg_fill_ldt(&ud);
}

/* start_thread_common (process_64.c) then IRET to a 64-bit process. */
static int linux64_enter_user(struct seg_unit *u, uint64_t tls, struct seg_fault *f)
{
	int rc = seg_load(u, SEG_FS, 0, f);

	if (!rc)
		rc = seg_load(u, SEG_ES, 0, f);
	if (!rc)
		rc = seg_load(u, SEG_DS, 0, f);
	if (!rc)
		rc = linux64_load_gs_index0(u, f);
	if (!rc)
		rc = seg_write_base(u, SEG_FS, tls);	/* arch_prctl(ARCH_SET_FS, tls) */
	if (!rc)
		rc = seg_swapgs(u, f);
	if (!rc)
		rc = seg_far_return(u, LINUX64_USER_CS, 0, LINUX64_USER_DS, f);
	return rc;
}

/* compat_start_thread then IRET to an ia32 process, then its TLS in GS. */
static int linux64_enter_compat(struct seg_unit *u, uint32_t tls, struct seg_fault *f)
{
	int rc = seg_load(u, SEG_FS, 0, f);

	if (!rc)
		rc = seg_load(u, SEG_ES, LINUX64_USER_DS, f);
	if (!rc)
		rc = seg_load(u, SEG_DS, LINUX64_USER_DS, f);
	if (!rc)
		rc = linux64_load_gs_index0(u, f);
	if (!rc)
		rc = seg_swapgs(u, f);
	if (!rc)
		rc = seg_far_return(u, LINUX64_USER32_CS, 0, LINUX64_USER_DS, f);
	if (rc)
		return rc;
	u->gdt.desc[LINUX64_GDT_TLS_MIN] = linux_tls_desc(tls);
	return seg_load(u, SEG_GS, seg_sel_make(LINUX64_GDT_TLS_MIN, false, 3), f);
}

/* start_thread (process_32.c) then IRET to the process, then its TLS in GS. */
static int linux32_enter_user(struct seg_unit *u, uint32_t tls, struct seg_fault *f)
{
	int rc = seg_load(u, SEG_FS, 0, f);

	if (!rc)
		rc = seg_load(u, SEG_GS, 0, f);
	if (!rc)
		rc = seg_load(u, SEG_DS, LINUX32_USER_DS, f);
	if (!rc)
		rc = seg_load(u, SEG_ES, LINUX32_USER_DS, f);
	if (!rc)
		rc = seg_far_return(u, LINUX32_USER_CS, 0, LINUX32_USER_DS, f);
	if (rc)
		return rc;
	u->gdt.desc[LINUX32_GDT_TLS_MIN] = linux_tls_desc(tls);
	return seg_load(u, SEG_GS, seg_sel_make(LINUX32_GDT_TLS_MIN, false, 3), f);
}

/* The unit and its GDT as they were before a multi-step transition, to undo a failed one. */
struct snapshot {
	struct seg_unit u;
	uint64_t *gdt;
};

static int snapshot_take(struct snapshot *sn, const struct seg_unit *u)
{
	sn->u = *u;
	sn->gdt = malloc(u->gdt.nr * sizeof(*sn->gdt));
	if (!sn->gdt)
		return -ENOMEM;
	memcpy(sn->gdt, u->gdt.desc, u->gdt.nr * sizeof(*sn->gdt));
	return 0;
}

/* Finish a transition that returned rc: on failure put everything back. */
static int snapshot_end(struct snapshot *sn, struct seg_unit *u, int rc)
{
	if (rc) {
		memcpy(sn->u.gdt.desc, sn->gdt, sn->u.gdt.nr * sizeof(*sn->gdt));
		*u = sn->u;
	}
	free(sn->gdt);
	return rc;
}

int seg_linux_enter_user(struct seg_unit *u, bool compat, uint64_t tls_base,
			 struct seg_fault *f)
{
	bool x64 = u->lma;
	struct snapshot sn;
	int rc;

	if (u->cpl != 0 || u->gdt.nr < (x64 ? LINUX64_GDT_ENTRIES : LINUX32_GDT_ENTRIES) ||
	    (!x64 && compat))
		return -EINVAL;
	if (x64 && !compat ? !canonical(tls_base, u->va_bits) : tls_base > U32_MAX)
		return -EINVAL;
	rc = snapshot_take(&sn, u);
	if (rc)
		return rc;
	if (x64 && !compat)
		rc = linux64_enter_user(u, tls_base, f);
	else if (x64)
		rc = linux64_enter_compat(u, (uint32_t)tls_base, f);
	else
		rc = linux32_enter_user(u, (uint32_t)tls_base, f);
	return snapshot_end(&sn, u, rc);
}

/* The steps of seg_linux_enter_kernel. */
static int linux_enter_kernel(struct seg_unit *u, struct seg_fault *f)
{
	int rc;

	if (u->lma) {
		/* entry_SYSCALL_64, or entry_SYSENTER_compat for 32-bit code; both SWAPGS */
		rc = seg_mode(u) == SEG_MODE_LONG ? seg_syscall(u, f) : seg_sysenter(u, f);
		return rc ? rc : seg_swapgs(u, f);
	}
	/* entry_SYSENTER_32 then SAVE_ALL: DS/ES __USER_DS, FS __KERNEL_PERCPU */
	rc = seg_sysenter(u, f);
	if (!rc)
		rc = seg_load(u, SEG_DS, LINUX32_USER_DS, f);
	if (!rc)
		rc = seg_load(u, SEG_ES, LINUX32_USER_DS, f);
	if (!rc)
		rc = seg_load(u, SEG_FS, LINUX32_KERNEL_PERCPU, f);
	return rc;
}

int seg_linux_enter_kernel(struct seg_unit *u, struct seg_fault *f)
{
	struct snapshot sn;
	int rc;

	if (u->cpl != 3)
		return -EINVAL;
	rc = snapshot_take(&sn, u);
	if (rc)
		return rc;
	return snapshot_end(&sn, u, linux_enter_kernel(u, f));
}

/* ---- text: parsing ----------------------------------------------------------------------- */

/* Parse s[0..n) as 0x-hex or decimal into *v; the 0-based index of the first bad char, or -1. */
static long parse_u64(const char *s, size_t n, uint64_t *v)
{
	unsigned int radix = 10;
	size_t i = 0;

	*v = 0;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		radix = 16;
		i = 2;
	}
	if (i == n)
		return (long)i;
	for (; i < n; i++) {
		char ch = s[i];
		unsigned int dgt;

		if (ch >= '0' && ch <= '9')
			dgt = (unsigned int)(ch - '0');
		else if (radix == 16 && ch >= 'a' && ch <= 'f')
			dgt = (unsigned int)(ch - 'a' + 10);
		else if (radix == 16 && ch >= 'A' && ch <= 'F')
			dgt = (unsigned int)(ch - 'A' + 10);
		else
			return (long)i;
		if (*v > (UINT64_MAX - dgt) / radix)
			return (long)i;
		*v = *v * radix + dgt;
	}
	return -1;
}

/* The register named by s[0..n) (case-insensitive), or -1. */
static int parse_reg(const char *s, size_t n)
{
	if (n != 2)
		return -1;
	for (unsigned int r = 0; r < SEG_NR_REGS; r++) {
		const char *name = seg_reg_name((enum seg_reg)r);

		if ((s[0] | 0x20) == name[0] && (s[1] | 0x20) == name[1])
			return (int)r;
	}
	return -1;
}

int seg_parse_logical(const char *text, struct seg_logical *out, struct mmsim_error *err)
{
	const char *colon = text ? strchr(text, ':') : NULL;
	struct seg_logical la = { 0 };
	size_t left;
	uint64_t v;
	long bad;
	int reg;

	if (!colon)
		return err_set(err, -EINVAL, "", 0, 1,
			       "expected SELECTOR:OFFSET or REGISTER:OFFSET (0x2b:0x1000, "
			       "fs:0x28), got \"%.64s\"",
			       text ? text : "");
	left = (size_t)(colon - text);
	reg = parse_reg(text, left);
	if (reg >= 0) {
		la.is_reg = true;
		la.reg = (enum seg_reg)reg;
	} else {
		bad = parse_u64(text, left, &v);
		if (bad >= 0 || v > 0xffff)
			return err_set(err, -EINVAL, "", 0, bad >= 0 ? (int)bad + 1 : 1,
				       "expected a 16-bit selector (0x2b) or a segment register "
				       "(cs ds es fs gs ss) before ':', got \"%.*s\"",
				       (int)(left > 64 ? 64 : left), text);
		la.sel = (uint16_t)v;
	}
	bad = parse_u64(colon + 1, strlen(colon + 1), &v);
	if (bad >= 0)
		return err_set(err, -EINVAL, "", 0, (int)(left + 2 + (size_t)bad),
			       "expected a 64-bit offset (0x1000 or 4096) after ':', got \"%.64s\"",
			       colon + 1);
	la.offset = v;
	*out = la;
	return 0;
}

/* ---- text: rendering --------------------------------------------------------------------- */

/* A byte count as "4 GiB", "64 KiB" when a whole number of such units, else bytes. */
static void sb_size(struct strbuf *sb, uint64_t bytes)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	while (u + 1 < sizeof(units) / sizeof(units[0]) && bytes >= 1024 && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	sb_printf(sb, "%" PRIu64 " %s", bytes, units[u]);
}

void seg_sel_format(uint16_t sel, struct strbuf *sb)
{
	sb_printf(sb, "selector 0x%04x = index %u, TI=%s, RPL %u%s", sel, seg_sel_index(sel),
		  seg_sel_ldt(sel) ? "LDT" : "GDT", seg_sel_rpl(sel),
		  seg_sel_null(sel) ? " (null selector)" : "");
}

void seg_desc_format(uint64_t raw, bool ia32e, struct strbuf *sb)
{
	struct seg_desc d;

	seg_desc_decode(raw, &d);
	sb_printf(sb, "base 0x%x limit 0x%x G=%d (", d.base, d.limit, d.g);
	if (d.s) {
		sb_printf(sb, "last offset 0x%x, ", seg_desc_limit(&d));
		sb_size(sb, (uint64_t)seg_desc_limit(&d) + 1);
	} else {
		sb_puts(sb, d.g ? "4 KiB units" : "bytes");
	}
	sb_printf(sb, ") type 0x%x %s S=%d DPL %u P=%d D/B=%d L=%d AVL=%d", d.type,
		  seg_desc_type_name(&d, ia32e), d.s, d.dpl, d.p, d.db, d.l, d.avl);
}

void seg_fault_format(const struct seg_fault *f, struct strbuf *sb)
{
	if (f->kind == SEG_FAULT_TRAP) {
		sb_printf(sb, "trap: %s (segment %" PRIu64 ", offset 0x%" PRIx64 ")",
			  seg_why_name(f->why), f->segno, f->offset);
		return;
	}
	sb_puts(sb, seg_fault_name(f->kind));
	if (f->kind != SEG_FAULT_UD)
		sb_printf(sb, "(0x%x)", f->code);
	sb_printf(sb, ": %s", seg_why_name(f->why));
	if (f->reg >= 0)
		sb_printf(sb, " [%s, selector 0x%04x, CPL %u]", seg_reg_name((enum seg_reg)f->reg),
			  f->sel, f->cpl);
	if (f->why == SEG_WHY_LIMIT)
		sb_printf(sb, ": bytes 0x%" PRIx64 "..0x%" PRIx64 " not within 0x%" PRIx64
			  "..0x%" PRIx64, f->offset, f->offset + (f->size ? f->size - 1 : 0),
			  f->lo, f->hi);
}

/* The privilege rule a DS or CS load applies, with this load's numbers and the verdict. */
static void explain_privilege(unsigned int cpl, enum seg_reg r, uint16_t sel,
			      const struct seg_desc *d, struct strbuf *sb)
{
	unsigned int rpl = seg_sel_rpl(sel), eff = cpl > rpl ? cpl : rpl;

	if (r == SEG_CS && seg_desc_conforming(d))
		sb_printf(sb, "conforming code: DPL %u %s CPL %u", d->dpl,
			  d->dpl <= cpl ? "<=" : ">", cpl);
	else if (r == SEG_CS)
		sb_printf(sb, "nonconforming code: RPL %u %s CPL %u and DPL %u %s CPL %u", rpl,
			  rpl <= cpl ? "<=" : ">", cpl, d->dpl, d->dpl == cpl ? "==" : "!=", cpl);
	else if (seg_desc_conforming(d))
		sb_puts(sb, "conforming code: no privilege check");
	else
		sb_printf(sb, "max(CPL %u, RPL %u) = %u %s DPL %u", cpl, rpl, eff,
			  eff <= d->dpl ? "<=" : ">", d->dpl);
}

/* Whether a load that ended with rc / f got as far as its privilege check. */
static bool reached_privilege(int rc, const struct seg_fault *f)
{
	return rc == 0 || (rc > 0 && (f->why == SEG_WHY_DPL || f->why == SEG_WHY_RPL ||
				      f->why == SEG_WHY_NOT_PRESENT || f->why == SEG_WHY_LONG_DB ||
				      f->why == SEG_WHY_LIMIT || f->why == SEG_WHY_NONCANONICAL));
}

/* Steps 1-3: the selector, the descriptor it names, and the load with its checks. */
static int explain_load(struct seg_unit *u, uint16_t sel, uint64_t offset, unsigned int kind,
			struct strbuf *sb, struct seg_fault *f, enum seg_reg *out)
{
	enum seg_reg r = kind == SEG_EXEC ? SEG_CS : SEG_DS;
	const struct seg_table *t = seg_sel_ldt(sel) ? &u->ldt : &u->gdt;
	enum seg_why why = SEG_WHY_NONE;
	const uint64_t *slot = seg_sel_null(sel) ? NULL : desc_slot(u, sel, &why);
	struct seg_desc d = { 0 };
	unsigned int cpl = u->cpl;
	int rc;

	sb_puts(sb, "  ");
	seg_sel_format(sel, sb);
	if (slot) {
		seg_desc_decode(*slot, &d);
		sb_printf(sb, "\n  %s[%u] at byte 0x%x of the table (limit 0x%x) = "
			  "descriptor 0x%016" PRIx64 "\n    ", seg_sel_ldt(sel) ? "LDT" : "GDT",
			  seg_sel_index(sel), seg_sel_index(sel) * 8, t->nr * 8 - 1, *slot);
		seg_desc_format(*slot, u->lma, sb);
	} else if (!seg_sel_null(sel)) {
		sb_printf(sb, "\n  %s", seg_why_name(why));
	}
	sb_printf(sb, "\n  %s (CPL %u)", r == SEG_CS ? "far jmp loads CS" : "mov loads DS", cpl);
	rc = r == SEG_CS ? seg_far_jump(u, sel, offset, f) : seg_load(u, r, sel, f);
	if (rc == -ENOTSUP)
		sb_puts(sb, ": a gate or TSS; gate calls and task switches are not modelled");
	else if (rc == 0 && seg_sel_null(sel))
		sb_puts(sb, ": null selector, loaded; the register is unusable");
	else if (reached_privilege(rc, f)) {
		sb_puts(sb, ": ");
		explain_privilege(cpl, r, sel, &d, sb);
	}
	sb_puts(sb, "\n");
	if (rc > 0) {
		sb_puts(sb, "  -> ");
		seg_fault_format(f, sb);
		sb_puts(sb, "\n");
	}
	if (rc == 0)
		*out = r;
	return rc;
}

/* Step 4: the offset through a loaded register, to a linear address. */
static int explain_xlate(struct seg_unit *u, enum seg_reg r, uint64_t offset, unsigned int size,
			 unsigned int access, struct strbuf *sb, uint64_t *linear,
			 struct seg_fault *f)
{
	const struct seg_cache *c = &u->reg[r];
	bool long64 = seg_mode(u) == SEG_MODE_LONG;
	int rc;

	sb_printf(sb, "  %s = 0x%04x: base 0x%" PRIx64 " limit 0x%x%s, %s\n", seg_reg_name(r),
		  c->sel, c->base, c->limit, c->usable ? "" : " (unusable)",
		  seg_mode_name(seg_mode(u)));
	if (long64 && r != SEG_FS && r != SEG_GS)
		sb_printf(sb, "  64-bit mode: base of %s treated as 0, no limit or type check\n",
			  seg_reg_name(r));
	else if (long64)
		sb_printf(sb, "  64-bit mode: %s base applies, no limit or type check\n",
			  seg_reg_name(r));
	else if (c->usable)
		sb_printf(sb, "  %s %u byte%s at 0x%" PRIx64 " of a %s segment\n",
			  (access & SEG_KIND_MASK) == SEG_WRITE ? "write" :
			  (access & SEG_KIND_MASK) == SEG_EXEC ? "fetch" : "read", size,
			  size == 1 ? "" : "s", offset, seg_desc_type_name(&c->desc, u->lma));
	rc = seg_translate(u, r, offset, size, access, linear, f);
	if (rc > 0) {
		sb_puts(sb, "  -> ");
		seg_fault_format(f, sb);
		sb_puts(sb, "\n");
	} else if (rc == 0) {
		sb_printf(sb, "  -> linear 0x%" PRIx64 "%s\n", *linear,
			  long64 ? " (canonical)" : "");
	}
	return rc;
}

int seg_explain(struct seg_unit *u, const struct seg_logical *la, unsigned int size,
		unsigned int access, struct strbuf *sb, uint64_t *linear, struct seg_fault *f)
{
	unsigned int kind = access & SEG_KIND_MASK;
	enum seg_reg r = la->is_reg ? la->reg : (kind == SEG_EXEC ? SEG_CS : SEG_DS);
	int rc;

	if (size == 0 || size > 16 || kind == SEG_KIND_MASK)
		return -EINVAL;
	/* a fetch through a selector is a far jump, which checks the offset itself */
	if ((la->is_reg || kind != SEG_EXEC) && !xlate_args_ok(u, r, la->offset, size, access))
		return -EINVAL;
	sb_printf(sb, "logical address ");
	if (la->is_reg)
		sb_printf(sb, "%s:0x%" PRIx64 "\n", seg_reg_name(la->reg), la->offset);
	else
		sb_printf(sb, "0x%04x:0x%" PRIx64 "\n", la->sel, la->offset);
	if (!la->is_reg) {
		rc = explain_load(u, la->sel, la->offset, kind, sb, f, &r);
		if (rc)
			return rc;
	}
	return explain_xlate(u, r, la->offset, size, access, sb, linear, f);
}

/* ---- textbook segmentation -------------------------------------------------------------- */

/* Whether [base, base + length) fits a bits-wide address space. */
static bool range_fits(uint64_t base, uint64_t length, unsigned int bits)
{
	uint64_t max = bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;

	if (length == 0)
		return base <= max;
	return base <= max && length - 1 <= max - base;
}

int seg_tb_init(struct seg_tb *t, enum seg_tb_mode mode, unsigned int va_bits,
		unsigned int offset_bits, unsigned int out_bits, unsigned int nr,
		struct mmsim_error *err)
{
	unsigned int sbits = va_bits - offset_bits;

	if (mode != SEG_TB_PURE && mode != SEG_TB_PAGED)
		return err_set(err, -EINVAL, "", 0, 0, "segmentation mode must be pure or paged");
	if (va_bits > 64 || offset_bits == 0 || offset_bits >= va_bits || out_bits == 0 ||
	    out_bits > 64)
		return err_set(err, -EINVAL, "", 0, 0,
			       "expected 1 <= offset bits (%u) < address bits (%u) <= 64 and "
			       "1 <= output bits (%u) <= 64",
			       offset_bits, va_bits, out_bits);
	if (nr == 0 || nr > SEG_TB_MAX || (sbits < 32 && nr > (1ull << sbits)))
		return err_set(err, -EINVAL, "", 0, 0,
			       "expected 1..%llu segments (%u segment-number bits; at most %u), "
			       "got %u",
			       sbits < 20 ? 1ull << sbits : (unsigned long long)SEG_TB_MAX, sbits,
			       SEG_TB_MAX, nr);
	memset(t, 0, sizeof(*t));
	t->ent = calloc(nr, sizeof(*t->ent));
	if (!t->ent)
		return err_set(err, -ENOMEM, "", 0, 0, "no memory for %u segment table entries",
			       nr);
	t->mode = mode;
	t->va_bits = (uint8_t)va_bits;
	t->offset_bits = (uint8_t)offset_bits;
	t->out_bits = (uint8_t)out_bits;
	t->nr = nr;
	return 0;
}

void seg_tb_destroy(struct seg_tb *t)
{
	free(t->ent);
	t->ent = NULL;
	t->nr = 0;
}

int seg_tb_set(struct seg_tb *t, unsigned int segno, uint64_t base, uint64_t length,
	       unsigned int prot, struct mmsim_error *err)
{
	if (segno >= t->nr)
		return err_set(err, -EINVAL, "", 0, 0, "segment %u beyond the table's %u entries",
			       segno, t->nr);
	if (prot & ~(SEG_TB_R | SEG_TB_W | SEG_TB_X))
		return err_set(err, -EINVAL, "", 0, 0,
			       "protection 0x%x has bits other than R (1), W (2), X (4)", prot);
	if (length > (1ull << t->offset_bits))
		return err_set(err, -EINVAL, "", 0, 0,
			       "segment length 0x%" PRIx64 " exceeds the 0x%llx bytes a %u-bit "
			       "offset reaches",
			       length, 1ull << t->offset_bits, t->offset_bits);
	if (!range_fits(base, length, t->out_bits))
		return err_set(err, -EINVAL, "", 0, 0,
			       "segment [0x%" PRIx64 ", +0x%" PRIx64 ") does not fit a %u-bit %s "
			       "address space",
			       base, length, t->out_bits,
			       t->mode == SEG_TB_PURE ? "physical" : "linear");
	t->ent[segno] = (struct seg_tb_entry){ .valid = true, .prot = (uint8_t)prot,
					       .base = base, .length = length };
	return 0;
}

int seg_tb_clear(struct seg_tb *t, unsigned int segno)
{
	if (segno >= t->nr)
		return -EINVAL;
	t->ent[segno].valid = false;
	return 0;
}

/* Record a textbook trap for segment s, offset d. */
static int tb_trap(struct seg_tb *t, struct seg_fault *f, enum seg_why why, uint64_t s,
		   uint64_t d, unsigned int kind)
{
	memset(f, 0, sizeof(*f));
	f->kind = SEG_FAULT_TRAP;
	f->why = why;
	f->reg = -1;
	f->segno = s;
	f->offset = d;
	f->access = kind;
	f->size = 1;
	if (why == SEG_WHY_TB_LENGTH && t->ent[s].length) {
		f->lo = 0;
		f->hi = t->ent[s].length - 1;
	}
	t->stats.faults++;
	t->stats.why[why]++;
	return SEG_FAULT_TRAP;
}

int seg_tb_translate(struct seg_tb *t, uint64_t va, unsigned int access, uint64_t *out,
		     struct seg_fault *f)
{
	static const unsigned int need[3] = { SEG_TB_R, SEG_TB_W, SEG_TB_X };
	unsigned int kind = access & SEG_KIND_MASK;
	uint64_t s = va >> t->offset_bits, d = va & ((1ull << t->offset_bits) - 1);
	const struct seg_tb_entry *e;

	if (kind == SEG_KIND_MASK || (t->va_bits < 64 && (va >> t->va_bits)))
		return -EINVAL;
	t->stats.translations++;
	if (s >= t->nr)
		return tb_trap(t, f, SEG_WHY_TB_SEGNUM, s, d, kind);
	e = &t->ent[s];
	if (!e->valid)
		return tb_trap(t, f, SEG_WHY_TB_INVALID, s, d, kind);
	if (d >= e->length)
		return tb_trap(t, f, SEG_WHY_TB_LENGTH, s, d, kind);
	if (!(e->prot & need[kind]))
		return tb_trap(t, f, SEG_WHY_TB_PROT, s, d, kind);
	*out = e->base + d;
	return 0;
}

/* "R-X" style protection string into buf[4]. */
static const char *tb_prot(unsigned int prot, char buf[4])
{
	buf[0] = prot & SEG_TB_R ? 'R' : '-';
	buf[1] = prot & SEG_TB_W ? 'W' : '-';
	buf[2] = prot & SEG_TB_X ? 'X' : '-';
	buf[3] = '\0';
	return buf;
}

int seg_tb_explain(struct seg_tb *t, uint64_t va, unsigned int access, struct strbuf *sb,
		   uint64_t *out, struct seg_fault *f)
{
	uint64_t s = va >> t->offset_bits, d = va & ((1ull << t->offset_bits) - 1);
	char pbuf[4];
	int rc = seg_tb_translate(t, va, access, out, f);

	if (rc < 0)
		return rc;
	sb_printf(sb, "virtual address 0x%" PRIx64 " = segment %" PRIu64 " (bits %u..%u), "
		  "offset 0x%" PRIx64 " (bits %u..0)\n", va, s, t->va_bits - 1, t->offset_bits, d,
		  t->offset_bits - 1);
	if (s < t->nr) {
		const struct seg_tb_entry *e = &t->ent[s];

		sb_printf(sb, "  segment table[%" PRIu64 "] (table length %u): valid %d base 0x%"
			  PRIx64 " length 0x%" PRIx64 " protection %s\n", s, t->nr, e->valid,
			  e->base, e->length, tb_prot(e->prot, pbuf));
	}
	if (rc) {
		sb_puts(sb, "  -> ");
		seg_fault_format(f, sb);
		sb_puts(sb, "\n");
		return rc;
	}
	sb_printf(sb, "  offset 0x%" PRIx64 " < length 0x%" PRIx64 ", %s allowed\n", d,
		  t->ent[s].length, (access & SEG_KIND_MASK) == SEG_WRITE ? "write" :
		  (access & SEG_KIND_MASK) == SEG_EXEC ? "execute" : "read");
	sb_printf(sb, "  -> %s address 0x%" PRIx64 " + 0x%" PRIx64 " = 0x%" PRIx64 "%s\n",
		  t->mode == SEG_TB_PURE ? "physical" : "linear", t->ent[s].base, d, *out,
		  t->mode == SEG_TB_PURE ? "" : " (paging translates it next)");
	return 0;
}

int seg_tb_validate(const struct seg_tb *t, struct mmsim_error *err)
{
	unsigned int sbits = t->va_bits - t->offset_bits;
	uint64_t whys = 0;

	if (t->va_bits > 64 || t->offset_bits == 0 || t->offset_bits >= t->va_bits ||
	    t->out_bits == 0 || t->out_bits > 64 || !t->ent || t->nr == 0 ||
	    t->nr > SEG_TB_MAX || (sbits < 32 && t->nr > (1ull << sbits)))
		return err_set(err, -EUCLEAN, "", 0, 0,
			       "segment table geometry: %u address bits, %u offset bits, "
			       "%u output bits, %u entries",
			       t->va_bits, t->offset_bits, t->out_bits, t->nr);
	for (unsigned int i = 0; i < t->nr; i++) {
		const struct seg_tb_entry *e = &t->ent[i];

		if (e->valid && ((e->prot & ~7u) || e->length > (1ull << t->offset_bits) ||
				 !range_fits(e->base, e->length, t->out_bits)))
			return err_set(err, -EUCLEAN, "", 0, 0,
				       "segment %u: base 0x%" PRIx64 " length 0x%" PRIx64
				       " protection 0x%x outside the table's geometry", i, e->base,
				       e->length, e->prot);
	}
	for (unsigned int w = 0; w < SEG_NR_WHY; w++)
		whys += t->stats.why[w];
	if (whys != t->stats.faults || t->stats.faults > t->stats.translations)
		return err_set(err, -EUCLEAN, "", 0, 0,
			       "segment table counters: %" PRIu64 " faults, %" PRIu64
			       " reasons, %" PRIu64 " translations", t->stats.faults, whys,
			       t->stats.translations);
	return 0;
}

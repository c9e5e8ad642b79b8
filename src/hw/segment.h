/*
 * The x86 segmentation unit that sits in front of paging, and the two segmentation schemes
 * of the operating-systems textbooks.
 *
 * x86 (Intel SDM vol. 3A chapters 3 and 5): a logical address is a selector and an offset.
 * The selector picks an 8-byte descriptor in the GDT or the LDT; loading it into a segment
 * register checks type, privilege and presence and copies base, limit and attributes into
 * the register's hidden part; every access then checks the offset against the limit and
 * the access kind against the type and adds the base, giving a linear address for paging:
 *
 *   selector:offset --load checks--> hidden part (base, limit, type, DPL)
 *        offset --limit, type checks--> linear = base + offset --> MMU (paging)
 *
 * In 64-bit mode the bases of CS, DS, ES and SS are 0 and no limit is checked; FS and GS
 * keep a 64-bit base (Linux: FS = user TLS, GS = kernel per-CPU area) and the linear
 * address must be canonical. Linux runs the flat model: every code and data descriptor has
 * base 0 and a 4 GiB limit, so linear == offset everywhere but through FS and GS.
 *
 * Textbooks (Silberschatz "Operating System Concepts" 9th ed. 8.4, Tanenbaum "Modern
 * Operating Systems" 4th ed. 3.7): a segment table of (valid, base, length, protection)
 * indexed by the high bits of a virtual address; pure segmentation yields a physical
 * address, segmented paging a linear address that the caller hands to the MMU (hw/mmu.h)
 * to page.
 *
 * This unit knows nothing of the memory manager: a failed check yields a struct seg_fault
 * (#GP, #NP, #SS or #UD with the error code and the reason; a trap for the textbook modes).
 * Functions return 0, a positive enum seg_fault_kind (fault record filled), or a negative
 * errno for arguments no instruction could produce.
 *
 * Descriptor tables are host-side arrays of raw 8-byte descriptors, not bytes in simulated
 * RAM: only this unit reads them (Linux's GDT is a per-CPU page the memory manager never
 * walks), and fetching descriptors through paging would make the segmentation unit call
 * the MMU for its own tables. The bytes are the real format, so moving the tables into RAM
 * later only changes where seg_table reads them.
 */
#ifndef MMSIM_HW_SEGMENT_H
#define MMSIM_HW_SEGMENT_H
#include <stdbool.h>
#include <stdint.h>

struct mmsim_error;
struct strbuf;

/* ---- descriptors (SDM vol. 3A 3.4.5, Figure 3-8) -------------------------------------------
 *
 *  63      56 55 54 53 52 51   48 47 46 45 44 43   40 39          32
 * +----------+--+--+--+--+-------+--+-----+--+-------+--------------+
 * |base 31:24| G|DB| L|AV|lim19:16| P| DPL | S| type  |  base 23:16  |
 * +----------+--+--+--+--+-------+--+-----+--+-------+--------------+
 *  31                             16 15                             0
 * +--------------------------------+--------------------------------+
 * |           base 15:0            |           limit 15:0           |
 * +--------------------------------+--------------------------------+
 *
 * type (S = 1):  bit 3 = 1 code: bit 2 conforming, bit 1 readable, bit 0 accessed
 *                bit 3 = 0 data: bit 2 expand-down, bit 1 writable, bit 0 accessed
 * S = 0: a system descriptor (LDT, TSS, gates); type is a number (SDM Table 3-2).
 */

/*
 * Attribute flags in the layout of Linux's DESC_* and GDT_ENTRY_INIT(flags, base, limit)
 * (arch/x86/include/asm/desc_defs.h, 6.18): bits 7:0 are descriptor bits 47:40, bits 15:12
 * are descriptor bits 55:52.
 */
#define SEG_F_ACCESSED	0x0001u	/* type bit 0 */
#define SEG_F_RW	0x0002u	/* type bit 1: data writable / code readable */
#define SEG_F_DC	0x0004u	/* type bit 2: data expand-down / code conforming */
#define SEG_F_CODE	0x0008u	/* type bit 3: executable */
#define SEG_F_S		0x0010u	/* code or data (not system) */
#define SEG_F_DPL(d)	((unsigned int)(d) << 5)
#define SEG_F_P		0x0080u
#define SEG_F_AVL	0x1000u
#define SEG_F_L		0x2000u	/* 64-bit code segment (IA-32e mode) */
#define SEG_F_DB	0x4000u	/* default operand size / big (expand-down upper bound) */
#define SEG_F_G		0x8000u	/* limit in 4 KiB units */

/* Linux 6.18's composite flags (desc_defs.h, with the accessed bit Linux 6.8 made default). */
#define SEG_DESC_DATA	(SEG_F_S | SEG_F_P | SEG_F_ACCESSED | SEG_F_RW)
#define SEG_DESC_CODE	(SEG_F_S | SEG_F_P | SEG_F_ACCESSED | SEG_F_RW | SEG_F_CODE)
#define SEG_DESC_DATA16		SEG_DESC_DATA				/* 0x0093 */
#define SEG_DESC_CODE16		SEG_DESC_CODE				/* 0x009b */
#define SEG_DESC_DATA32		(SEG_DESC_DATA | SEG_F_G | SEG_F_DB)	/* 0xc093 */
#define SEG_DESC_DATA32_BIOS	(SEG_DESC_DATA | SEG_F_DB)		/* 0x4093 */
#define SEG_DESC_CODE32		(SEG_DESC_CODE | SEG_F_G | SEG_F_DB)	/* 0xc09b */
#define SEG_DESC_CODE32_BIOS	(SEG_DESC_CODE | SEG_F_DB)		/* 0x409b */
#define SEG_DESC_DATA64		(SEG_DESC_DATA | SEG_F_G | SEG_F_DB)	/* 0xc093 */
#define SEG_DESC_CODE64		(SEG_DESC_CODE | SEG_F_G | SEG_F_L)	/* 0xa09b */
#define SEG_DESC_USER		SEG_F_DPL(3)				/* 0x0060 */

/* A descriptor's fields, decoded. */
struct seg_desc {
	uint32_t base;		/* bits 31:0, assembled from the three base fields */
	uint32_t limit;		/* the 20-bit limit field as stored (see seg_desc_limit) */
	uint8_t type;		/* 4 bits, meaning per S */
	uint8_t dpl;		/* 0..3 */
	bool s, p, avl, l, db, g;
};

/* Raw 8 bytes of d (fields wider than theirs are masked). */
uint64_t seg_desc_encode(const struct seg_desc *d);
/* Fields of raw. */
void seg_desc_decode(uint64_t raw, struct seg_desc *d);
/* Raw descriptor from Linux-style flags, as GDT_ENTRY(flags, base, limit) builds it. */
uint64_t seg_desc_pack(unsigned int flags, uint32_t base, uint32_t limit);
/* Linux-style flags of d (inverse of the flags part of seg_desc_pack). */
unsigned int seg_desc_flags(const struct seg_desc *d);
/* Effective limit in bytes: G ? limit << 12 | 0xfff : limit (SDM 3.4.5 "G flag"). */
static inline uint32_t seg_desc_limit(const struct seg_desc *d)
{
	return d->g ? (d->limit << 12) | 0xfffu : d->limit;
}
static inline bool seg_desc_is_code(const struct seg_desc *d) { return d->s && (d->type & 8); }
static inline bool seg_desc_is_data(const struct seg_desc *d) { return d->s && !(d->type & 8); }
/* Data that may be written / code or data that may be read. */
static inline bool seg_desc_writable(const struct seg_desc *d)
{
	return seg_desc_is_data(d) && (d->type & 2);
}
static inline bool seg_desc_readable(const struct seg_desc *d)
{
	return seg_desc_is_data(d) || (seg_desc_is_code(d) && (d->type & 2));
}
static inline bool seg_desc_expand_down(const struct seg_desc *d)
{
	return seg_desc_is_data(d) && (d->type & 4);
}
static inline bool seg_desc_conforming(const struct seg_desc *d)
{
	return seg_desc_is_code(d) && (d->type & 4);
}
/* "data read/write accessed", "code execute/read conforming", "32-bit TSS (available)" ... */
const char *seg_desc_type_name(const struct seg_desc *d, bool ia32e);

/*
 * Linux's set_thread_area / modify_ldt argument (uapi/asm/ldt.h struct user_desc) and the
 * descriptor fill_ldt() (arch/x86/include/asm/desc.h, 6.18) makes of it: S = 1, DPL 3,
 * accessed set, L = 0.
 */
struct seg_user_desc {
	uint32_t base_addr;
	uint32_t limit;
	bool seg_32bit, read_exec_only, limit_in_pages, seg_not_present, useable;
	unsigned int contents;	/* 0 data, 1 expand-down data, 2 code (type bits 3:2) */
};
uint64_t seg_fill_ldt(const struct seg_user_desc *info);

/* ---- selectors (SDM 3.4.2, Figure 3-6) -------------------------------------------------------
 *
 *  15                                3  2   1 0
 * +-------------------------------------+----+---+
 * |              index                  | TI |RPL|      TI: 0 GDT, 1 LDT
 * +-------------------------------------+----+---+
 *
 * The descriptor lives at table base + index * 8. Selectors 0..3 (index 0 in the GDT) are
 * null selectors; index 0 with TI = 1 is LDT entry 0 and is not null.
 */
static inline unsigned int seg_sel_index(uint16_t sel) { return sel >> 3; }
static inline bool seg_sel_ldt(uint16_t sel) { return sel & 4; }
static inline unsigned int seg_sel_rpl(uint16_t sel) { return sel & 3; }
static inline bool seg_sel_null(uint16_t sel) { return (sel & 0xfffc) == 0; }
static inline uint16_t seg_sel_make(unsigned int index, bool ldt, unsigned int rpl)
{
	return (uint16_t)((index << 3) | (ldt ? 4u : 0u) | (rpl & 3));
}

/*
 * Linux 6.18's GDT layout (arch/x86/include/asm/segment.h) and selector values.
 * x86_64 (16 entries): 1 KERNEL32_CS, 2 KERNEL_CS, 3 KERNEL_DS, 4 USER32_CS, 5 USER_DS,
 * 6 USER_CS, 8-9 TSS, 10-11 LDT, 12-14 TLS, 15 CPUNODE. SYSRET hard-codes USER32_CS,
 * USER_DS = +8, USER_CS = +16 from IA32_STAR[63:48], hence the order.
 */
#define LINUX64_GDT_ENTRIES		16
#define LINUX64_GDT_TLS_MIN		12
#define LINUX64_KERNEL32_CS		0x08
#define LINUX64_KERNEL_CS		0x10
#define LINUX64_KERNEL_DS		0x18
#define LINUX64_USER32_CS		0x23
#define LINUX64_USER_DS			0x2b
#define LINUX64_USER_CS			0x33
/*
 * i386 (32 entries): 6-8 TLS, 12 KERNEL_CS, 13 KERNEL_DS, 14 USER_CS, 15 USER_DS, 16 TSS,
 * 17 LDT, 18-22 PNPBIOS, 23-25 APMBIOS, 26 ESPFIX_SS, 27 PERCPU, 28 CPUNODE, 31 DF TSS.
 * SYSEXIT loads CS = SYSENTER_CS + 16 and SS = + 24, hence user CS/DS right after the
 * kernel's.
 */
#define LINUX32_GDT_ENTRIES		32
#define LINUX32_GDT_TLS_MIN		6
#define LINUX32_KERNEL_CS		0x60
#define LINUX32_KERNEL_DS		0x68
#define LINUX32_USER_CS			0x73
#define LINUX32_USER_DS			0x7b
#define LINUX32_ESPFIX_SS		0xd0
#define LINUX32_KERNEL_PERCPU		0xd8

/* ---- descriptor tables ------------------------------------------------------------------- */

/* GDTR / LDTR limits are 16 bits: at most 65536 bytes = 8192 descriptors (SDM 3.5.1). */
#define SEG_TABLE_MAX	8192u

/*
 * A GDT or LDT: nr raw descriptors; the register's limit is nr * 8 - 1, so a selector
 * index >= nr is beyond the limit.
 * Invariants (seg_table_validate): nr <= SEG_TABLE_MAX; desc != NULL iff nr > 0.
 */
struct seg_table {
	uint64_t *desc;
	uint32_t nr;
};

/* A zeroed table of nr entries (nr = 0: an empty table). -EINVAL nr too large, -ENOMEM. */
int seg_table_init(struct seg_table *t, unsigned int nr);
void seg_table_destroy(struct seg_table *t);
/* Write entry index. -EINVAL beyond the table. */
int seg_table_set(struct seg_table *t, unsigned int index, uint64_t raw);
int seg_table_validate(const struct seg_table *t, struct mmsim_error *err);

/* ---- segment registers, faults ----------------------------------------------------------- */

/* Segment registers numbered as the SDM's Sreg field (ES 0, CS 1, SS 2, DS 3, FS 4, GS 5). */
enum seg_reg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_NR_REGS };

/*
 * A register's visible selector and hidden part (the "descriptor cache", SDM 3.4.3).
 * usable is false after a null selector was loaded (then base and limit are 0: Intel
 * clears them, which Linux's __loadsegment_simple relies on).
 */
struct seg_cache {
	uint16_t sel;
	bool usable;
	uint64_t base;		/* descriptor base; FS/GS in IA-32e mode: the 64-bit base MSR */
	uint32_t limit;		/* effective limit in bytes (granularity applied) */
	struct seg_desc desc;	/* attributes as loaded */
};

/* Access kinds, the same values as hw/mmu.h's MMU_READ/WRITE/EXEC and MMU_USER. */
#define SEG_READ	0u
#define SEG_WRITE	1u
#define SEG_EXEC	2u
#define SEG_KIND_MASK	3u
#define SEG_USER	4u

enum seg_fault_kind {
	SEG_OK = 0,
	SEG_FAULT_GP,		/* #GP, vector 13 */
	SEG_FAULT_NP,		/* #NP segment not present, vector 11 */
	SEG_FAULT_SS,		/* #SS stack fault, vector 12 */
	SEG_FAULT_UD,		/* #UD invalid opcode, vector 6 (SYSCALL outside 64-bit mode ...) */
	SEG_FAULT_TRAP,		/* textbook modes: addressing trap to the operating system */
	SEG_NR_FAULT_KINDS,
};

enum seg_why {
	SEG_WHY_NONE = 0,
	SEG_WHY_NULL,		/* null selector loaded into CS, or into SS where not allowed */
	SEG_WHY_NULL_USE,	/* access through a register holding a null selector */
	SEG_WHY_TABLE_LIMIT,	/* selector index beyond the GDT / LDT limit */
	SEG_WHY_NO_LDT,		/* TI = 1 while LDTR holds a null selector */
	SEG_WHY_SYSTEM,		/* a system descriptor where a code/data segment is needed */
	SEG_WHY_TYPE,		/* wrong segment type for the register */
	SEG_WHY_RPL,		/* RPL against CPL (SS: RPL != CPL; CS: RPL > CPL / < CPL) */
	SEG_WHY_DPL,		/* DPL against CPL / RPL */
	SEG_WHY_NOT_PRESENT,	/* P = 0 */
	SEG_WHY_LONG_DB,	/* code segment with L = 1 and D = 1 in IA-32e mode */
	SEG_WHY_LIMIT,		/* offset outside the segment's limit */
	SEG_WHY_WRITE_CODE,	/* write into a code segment */
	SEG_WHY_WRITE_RO,	/* write into a read-only data segment */
	SEG_WHY_READ_XO,	/* read of an execute-only code segment */
	SEG_WHY_NONCANONICAL,	/* 64-bit mode: linear address not canonical */
	SEG_WHY_MODE,		/* instruction not available in this mode */
	SEG_WHY_CPL,		/* instruction needs CPL 0 */
	SEG_WHY_TB_SEGNUM,	/* textbook: segment number >= table length (STLR) */
	SEG_WHY_TB_INVALID,	/* textbook: valid bit clear */
	SEG_WHY_TB_LENGTH,	/* textbook: offset >= segment length */
	SEG_WHY_TB_PROT,	/* textbook: protection bits forbid the access */
	SEG_NR_WHY,
};

/* What the segmentation unit reports when an access or a load fails. */
struct seg_fault {
	enum seg_fault_kind kind;
	enum seg_why why;
	uint8_t vector;		/* 13, 11, 12, 6; 0 for a textbook trap */
	uint16_t code;		/* error code: selector & 0xfffc (EXT = IDT = 0) or 0 */
	int reg;		/* enum seg_reg involved, -1 none */
	uint16_t sel;		/* selector involved (0 none) */
	uint64_t raw;		/* descriptor involved (0 none) */
	unsigned int cpl;	/* CPL at the time */
	unsigned int access;	/* SEG_READ/WRITE/EXEC of the access (loads: SEG_READ) */
	uint64_t offset;	/* offset of the access (textbook: within the segment) */
	unsigned int size;	/* bytes accessed */
	uint64_t lo, hi;	/* SEG_WHY_LIMIT / TB_LENGTH: valid offsets were [lo, hi] */
	uint64_t segno;		/* textbook: the segment number */
};

/* "#GP", "#NP", "#SS", "#UD", "trap". */
const char *seg_fault_name(enum seg_fault_kind k);
/* One phrase per reason: "selector index beyond the table limit". */
const char *seg_why_name(enum seg_why w);
/* "es", "cs", "ss", "ds", "fs", "gs". */
const char *seg_reg_name(enum seg_reg r);
/* One line: "#GP(0x28): SS load: RPL 0 != CPL 3 (selector 0x28)". */
void seg_fault_format(const struct seg_fault *f, struct strbuf *sb);

/* ---- the unit ---------------------------------------------------------------------------- */

enum seg_mode {
	SEG_MODE_PROTECTED,	/* legacy 32-bit protected mode (i386) */
	SEG_MODE_COMPAT,	/* IA-32e mode, CS.L = 0: 32-bit code under a 64-bit kernel */
	SEG_MODE_LONG,		/* IA-32e mode, CS.L = 1: 64-bit mode */
};

struct seg_stats {
	uint64_t translations;		/* seg_translate calls with valid arguments */
	uint64_t loads;			/* segment register loads attempted */
	uint64_t instructions;		/* SYSCALL, SYSRET, SYSENTER, SYSEXIT, SWAPGS executed */
	uint64_t desc_reads;		/* descriptors read from a GDT or LDT */
	uint64_t accessed_sets;		/* loads that set a descriptor's accessed bit */
	uint64_t faults[SEG_NR_FAULT_KINDS];	/* by kind (index SEG_OK unused) */
	uint64_t why[SEG_NR_WHY];	/* by reason */
};

/*
 * One CPU's segmentation state.
 * Invariants (seg_unit_validate):
 *  - the tables' own invariants; the GDT has at least the null entry;
 *  - cpl <= 3; lma implies va_bits 48 or 57;
 *  - a register that is not usable holds a null selector, base 0 except FS/GS in IA-32e
 *    mode (whose base is an MSR), limit 0;
 *  - a usable register holds a present code/data segment, limit == seg_desc_limit(desc),
 *    base == desc.base unless it is FS/GS in IA-32e mode;
 *  - CS, when usable, is code, its RPL equals cpl, and not L and D both set under lma;
 *  - SS, when usable, is writable data with DPL == cpl (SYSCALL takes its RPL from STAR);
 *  - DS/ES/FS/GS, when usable, are data or readable code;
 *  - FS/GS bases and kernel_gs_base are canonical under lma, below 2^32 otherwise;
 *  - every fault has exactly one reason: sum(faults) == sum(why) <= translations + loads
 *    + instructions.
 */
struct seg_unit {
	bool lma;			/* IA32_EFER.LMA: IA-32e (long) mode active */
	uint8_t va_bits;		/* canonical width under lma: 48, or 57 with CR4.LA57 */
	uint8_t cpl;			/* current privilege level */
	struct seg_table gdt;
	struct seg_table ldt;		/* nr == 0: LDTR holds a null selector */
	struct seg_cache reg[SEG_NR_REGS];
	uint64_t star;			/* IA32_STAR: SYSCALL/SYSRET selectors */
	uint16_t sysenter_cs;		/* IA32_SYSENTER_CS */
	uint64_t kernel_gs_base;	/* IA32_KERNEL_GS_BASE, exchanged by SWAPGS */
	struct seg_stats stats;
};

/*
 * A unit at CPL 0 with a zeroed GDT of gdt_entries entries, no LDT and every segment
 * register null (nothing usable until loaded). lma selects IA-32e mode, va_bits its
 * canonical width (48/57; ignored without lma). -EINVAL, -ENOMEM.
 */
int seg_unit_init(struct seg_unit *u, unsigned int gdt_entries, bool lma, unsigned int va_bits);
void seg_unit_destroy(struct seg_unit *u);
/* LLDT: give the unit a zeroed LDT of nr entries (0: null LDTR). -EINVAL, -ENOMEM. */
int seg_set_ldt(struct seg_unit *u, unsigned int nr);
/* The mode the unit runs in (from lma and CS.L). */
enum seg_mode seg_mode(const struct seg_unit *u);
const char *seg_mode_name(enum seg_mode m);

/*
 * MOV / POP to SS, DS, ES, FS or GS (SDM vol. 2 "MOV" operation, vol. 3A 5.5-5.7): the
 * null-selector rules, table limit, type, privilege and presence checks, in the SDM's
 * order; on success the hidden part is loaded and the descriptor's accessed bit set in
 * its table. -EINVAL for CS (MOV to CS is #UD; use seg_far_jump).
 */
int seg_load(struct seg_unit *u, enum seg_reg r, uint16_t sel, struct seg_fault *f);
/*
 * Far JMP / CALL to a code segment (no gate): conforming DPL <= CPL, nonconforming
 * RPL <= CPL and DPL == CPL; present; L and D not both set under lma; ip within the limit
 * (canonical if the target is 64-bit code). CPL is unchanged and CS.RPL becomes CPL.
 * -ENOTSUP for a gate or TSS selector (not modelled).
 */
int seg_far_jump(struct seg_unit *u, uint16_t sel, uint64_t ip, struct seg_fault *f);
/*
 * Far RET / IRET to cs:ip with stack ss: RPL >= CPL; conforming DPL <= RPL, nonconforming
 * DPL == RPL; present. Returning to an outer level (RPL > CPL) also loads SS with the
 * checks against the new CPL, sets CPL = RPL and nulls DS/ES/FS/GS holding data or
 * nonconforming code more privileged than the new CPL. ss is ignored at the same level.
 */
int seg_far_return(struct seg_unit *u, uint16_t cs, uint64_t ip, uint16_t ss,
		   struct seg_fault *f);
/* WRFSBASE / WRGSBASE (or WRMSR FS_BASE/GS_BASE): IA-32e mode, FS or GS, canonical. */
int seg_write_base(struct seg_unit *u, enum seg_reg r, uint64_t base);
/* SYSCALL (IA-32e): CS = STAR[47:32] & ~3, SS = + 8, fixed flat ring-0 attributes. */
int seg_syscall(struct seg_unit *u, struct seg_fault *f);
/* SYSRET to 64-bit (to64) or compatibility mode: CS = STAR[63:48] (+16) | 3, SS = +8 | 3. */
int seg_sysret(struct seg_unit *u, bool to64, struct seg_fault *f);
/* SYSENTER: CS = SYSENTER_CS & ~3, SS = + 8, ring 0 (64-bit code under lma). */
int seg_sysenter(struct seg_unit *u, struct seg_fault *f);
/* SYSEXIT to 32-bit code: CS = SYSENTER_CS + 16 | 3, SS = + 24 | 3. */
int seg_sysexit(struct seg_unit *u, struct seg_fault *f);
/* SWAPGS: exchange GS's base with IA32_KERNEL_GS_BASE (64-bit mode, CPL 0). */
int seg_swapgs(struct seg_unit *u, struct seg_fault *f);

/*
 * Translate offset through register r for an access of size bytes (1..16) of kind access
 * (SEG_READ/WRITE/EXEC; EXEC only through CS). Protected and compatibility mode: the
 * register must be usable; the bytes [offset, offset + size - 1] must lie in the segment
 * (expand-up: <= limit; expand-down: above limit and <= 0xffff, or 0xffffffff with B);
 * writes need writable data, reads data or readable code; linear = (base + offset) mod
 * 2^32. 64-bit mode: linear = offset (+ FS/GS base), which must be canonical. Faults
 * through SS are #SS(0), the others #GP(0). Returns 0 and *linear, a fault kind and *f,
 * or -EINVAL (bad register, size, kind, or an offset wider than 32 bits outside 64-bit
 * mode).
 */
int seg_translate(struct seg_unit *u, enum seg_reg r, uint64_t offset, unsigned int size,
		  unsigned int access, uint64_t *linear, struct seg_fault *f);
/* The MMU access for a segmented access: kind | SEG_USER at CPL 3 (chain to mmu_translate). */
static inline unsigned int seg_mmu_access(const struct seg_unit *u, unsigned int access)
{
	return (access & SEG_KIND_MASK) | (u->cpl == 3 ? SEG_USER : 0u);
}

int seg_unit_validate(const struct seg_unit *u, struct mmsim_error *err);

/* ---- Linux's flat model ------------------------------------------------------------------- */

enum seg_linux_arch { SEG_LINUX_X86_64, SEG_LINUX_I386 };

/*
 * A unit set up as Linux 6.18 sets up a CPU: the GDT of gdt_page (cpu/common.c) with the
 * per-CPU segment (i386 setup_percpu_segment: base percpu_base), IA32_STAR and
 * SYSENTER_CS as syscall_init / enable_sep_cpu write them, and the registers of kernel
 * code: x86_64 CS 0x10 SS 0x18, DS/ES/FS/GS null, GS base = percpu_base; i386 CS 0x60
 * SS 0x68, DS/ES 0x7b (__USER_DS, as the entry code loads), FS 0xd8 (__KERNEL_PERCPU).
 * va_bits: 48 or 57 (x86_64). Runtime descriptors (TSS, LDT, CPUNODE) are left zero.
 */
int seg_linux_init(struct seg_unit *u, enum seg_linux_arch arch, unsigned int va_bits,
		   uint64_t percpu_base);
/*
 * From kernel code to a freshly exec'd user process (start_thread, then IRET): x86_64
 * 64-bit: CS 0x33 SS 0x2b, DS/ES/FS/GS null, FS base tls_base (arch_prctl ARCH_SET_FS),
 * the per-CPU base parked in KERNEL_GS_BASE by SWAPGS; compat (x86_64 ia32 process):
 * CS 0x23, SS/DS/ES 0x2b; i386: CS 0x73, SS/DS/ES 0x7b. 32-bit processes then get glibc's
 * TLS descriptor (set_thread_area into the first TLS slot; tls_base below 2^32) loaded into
 * GS at CPL 3. Must start at CPL 0. -EINVAL for a bad tls_base or CPL, -ENOMEM. A fault
 * (possible only once the GDT was changed) is returned with the unit and GDT unchanged.
 */
int seg_linux_enter_user(struct seg_unit *u, bool compat, uint64_t tls_base,
			 struct seg_fault *f);
/*
 * From user mode into the kernel as Linux enters it: x86_64 64-bit SYSCALL + SWAPGS;
 * 32-bit processes SYSENTER (+ SWAPGS under lma); i386 then loads DS/ES __USER_DS and FS
 * __KERNEL_PERCPU as its entry code does. Must start at CPL 3; all or nothing, as above.
 */
int seg_linux_enter_kernel(struct seg_unit *u, struct seg_fault *f);

/* ---- explaining one translation (mmsim translate --logical SEL:OFFSET) -------------------- */

/* A parsed "SEL:OFFSET" or "REG:OFFSET" (reg names cs ds es fs gs ss). */
struct seg_logical {
	bool is_reg;
	enum seg_reg reg;	/* when is_reg */
	uint16_t sel;		/* when !is_reg */
	uint64_t offset;
};

/*
 * Parse text as SEL:OFFSET (numbers: 0x hex, or decimal; selector <= 0xffff) or
 * REG:OFFSET. -EINVAL with err naming the column and what was expected.
 */
int seg_parse_logical(const char *text, struct seg_logical *out, struct mmsim_error *err);

/* "selector 0x2b = index 5, TI=GDT, RPL 3". */
void seg_sel_format(uint16_t sel, struct strbuf *sb);
/* "base 0x0 limit 0xfffff G=1 (0xffffffff, 4 GiB) type 0x3 data read/write accessed S=1 ..." */
void seg_desc_format(uint64_t raw, bool ia32e, struct strbuf *sb);

/*
 * Translate and explain, step by step, appending the text to sb: a selector is loaded as
 * an instruction using the far pointer would (SEG_EXEC: far JMP to CS; otherwise MOV to
 * DS), then the offset is translated through that register; a register is used as loaded.
 * Side effects (loads, accessed bits, counters) are those of the real operations. Returns
 * as seg_translate.
 */
int seg_explain(struct seg_unit *u, const struct seg_logical *la, unsigned int size,
		unsigned int access, struct strbuf *sb, uint64_t *linear, struct seg_fault *f);

/* ---- textbook segmentation -------------------------------------------------------------- */

/* Protection bits of a textbook segment. */
#define SEG_TB_R	1u
#define SEG_TB_W	2u
#define SEG_TB_X	4u

enum seg_tb_mode {
	SEG_TB_PURE,		/* base + offset is a physical address */
	SEG_TB_PAGED,		/* base + offset is a linear address for the MMU to page */
};

struct seg_tb_entry {
	bool valid;
	uint8_t prot;		/* SEG_TB_R | SEG_TB_W | SEG_TB_X */
	uint64_t base;
	uint64_t length;	/* bytes; offsets 0 .. length - 1 are in the segment */
};

/*
 * A segment table with its length register (STLR) nr.
 *
 *   va_bits-1       offset_bits offset_bits-1        0
 *  +-----------------------------+--------------------+
 *  |       segment number s      |      offset d      |
 *  +-----------------------------+--------------------+
 *
 * s >= nr: trap; !valid: trap; d >= length: trap; access not in prot: trap;
 * else out = base + d (physical, or linear for SEG_TB_PAGED).
 * Invariants (seg_tb_validate): 1 <= offset_bits < va_bits <= 64; 1 <= out_bits <= 64;
 * 1 <= nr <= 2^(va_bits - offset_bits) and <= SEG_TB_MAX; ent != NULL; every valid entry
 * has prot within R|W|X, length <= 2^offset_bits and base + length <= 2^out_bits;
 * sum(why) == sum(faults) <= translations.
 */
#define SEG_TB_MAX	(1u << 20)	/* mmsim's cap on a table's entries (no hardware limit) */

struct seg_tb {
	enum seg_tb_mode mode;
	uint8_t va_bits, offset_bits, out_bits;
	unsigned int nr;
	struct seg_tb_entry *ent;
	struct {
		uint64_t translations;
		uint64_t faults;
		uint64_t why[SEG_NR_WHY];
	} stats;
};

/* An empty (all invalid) table; -EINVAL with err for a geometry outside the invariants. */
int seg_tb_init(struct seg_tb *t, enum seg_tb_mode mode, unsigned int va_bits,
		unsigned int offset_bits, unsigned int out_bits, unsigned int nr,
		struct mmsim_error *err);
void seg_tb_destroy(struct seg_tb *t);
/* Make segment segno valid with base, length, prot. -EINVAL with err, table unchanged. */
int seg_tb_set(struct seg_tb *t, unsigned int segno, uint64_t base, uint64_t length,
	       unsigned int prot, struct mmsim_error *err);
/* Clear segment segno's valid bit. -EINVAL beyond the table. */
int seg_tb_clear(struct seg_tb *t, unsigned int segno);
/* The virtual address of (segment s, offset d); both must fit their fields. */
static inline uint64_t seg_tb_va(const struct seg_tb *t, uint64_t s, uint64_t d)
{
	return (s << t->offset_bits) | d;
}
/*
 * Translate va for access (SEG_READ/WRITE/EXEC). 0 and *out, SEG_FAULT_TRAP and *f, or
 * -EINVAL for a va wider than va_bits or a bad access kind.
 */
int seg_tb_translate(struct seg_tb *t, uint64_t va, unsigned int access, uint64_t *out,
		     struct seg_fault *f);
/* The same, explained step by step into sb. */
int seg_tb_explain(struct seg_tb *t, uint64_t va, unsigned int access, struct strbuf *sb,
		   uint64_t *out, struct seg_fault *f);
int seg_tb_validate(const struct seg_tb *t, struct mmsim_error *err);
#endif

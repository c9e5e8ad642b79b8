/*
 * Software page-table operations: the kernel side that writes the tables the MMU reads
 * (Linux: mm/memory.c remap/zap, mm/mprotect.c change_protection, mm/pagewalk.c,
 * mm/pgtable-generic.c, arch pgd_alloc/pte_alloc_one).
 *
 * A struct pgtable is one set of tables in simulated RAM in the format fmt. Table pages come
 * from the buddy allocator (GFP_PGTABLE_USER, a granule each: order 0 for 4 KiB, 2 for 16 KiB,
 * 4 for 64 KiB), are zeroed, counted in NR_PAGETABLE (meminfo "PageTables:") and given back
 * as soon as the last entry in them is cleared. The root is allocated at pgtable_init and
 * freed at pgtable_destroy.
 *
 * On arm64 a pgtable has two roots: root[0] for the TTBR0 (user) half, root[1] for TTBR1
 * (kernel); elsewhere root[1] == 0 and the one root covers both halves.
 *
 * Every operation is all-or-nothing: on -ENOMEM (a table page could not be had) or -EINVAL
 * the tables are as they were before the call.
 *
 * Invariants (pgtable_validate): every table entry points at a table page this pgtable owns
 * (aligned, inside RAM, allocated, owned once); nr_tables equals the number of reachable
 * table pages, each non-root table has at least one non-zero entry; leaves sit only at
 * levels whose leaf_ok is set and are aligned to their size; every entry decodes without a
 * reserved bit.
 *
 * Bookkeeping in the struct page of a table's first frame (Linux's ptdesc): PG_table; index =
 * root[0] | level (the owner tag: which pgtable, which level); private = number of non-zero
 * entries. validate checks all three. A root smaller than a page (PAE's 32-byte PDPT, arm64
 * 16K/48's 16 bytes, 64K/48's 512) takes one whole 4 KiB page (Linux: a slab cache).
 *
 * Table entries are written as Linux's *_populate() writes them: x86 _PAGE_TABLE (P RW US A
 * D, 0x67) for the user half, _KERNPG_TABLE (0x63) for the kernel half of x86_64, PAE PDPTEs
 * P only; arm64 table descriptors with PXNTable (user half) or UXNTable (kernel half).
 * arm64 leaves are inner shareable (SH = 3, Linux's PROT_DEFAULT).
 *
 * Ranges ([va, va + size)) are non-empty, aligned as each call says and inside one half of
 * the address space (pt_va_half); -EINVAL otherwise. An operation that meets damaged tables
 * (an entry with a reserved bit, a table pointer outside RAM) returns -EUCLEAN before
 * changing anything. pgtable_write_entry is the only way around these rules; it keeps the
 * entry counts.
 */
#ifndef MMSIM_MM_PGTABLE_H
#define MMSIM_MM_PGTABLE_H
#include <stdint.h>
#include "arch/pgtable.h"

struct mm_sys;
struct mmsim_error;

struct pgtable {
	const struct pt_format *fmt;
	struct mm_sys *ms;
	uint64_t root[2];	/* physical address of the root table(s) */
	uint64_t nr_tables;	/* table pages owned, roots included */
	int cpu;		/* CPU whose pcp lists serve table allocations */
};

/*
 * Allocate the root table(s). -ENOMEM; -EINVAL when cpu is not one of the machine's or the
 * format cannot reach every table page the machine could hand out (RAM above its table
 * pointers' reach, e.g. i386 2-level on more than 4 GiB). pt must not be copied while in use
 * (its tables are tagged with root[0], not with pt's address, so copying is harmless; two
 * copies must not both be used).
 */
int pgtable_init(struct pgtable *pt, struct mm_sys *ms, const struct pt_format *fmt, int cpu);
/* Free every table page (not the pages mapped). */
void pgtable_destroy(struct pgtable *pt);

/*
 * Map [va, va + size) to [pa, pa + size) with pages of 1 << page_shift bytes (a size some
 * level of fmt can map as a leaf), permissions prot (PTE_*), memory type memtype.
 * va, pa and size must be aligned to the page size; -EINVAL otherwise or when prot cannot be
 * encoded; -EEXIST when any page of the range is already mapped (any non-zero entry, a
 * software value included); -ENOMEM. A/D are what prot says.
 */
int pgtable_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size,
		unsigned int page_shift, uint32_t prot, uint8_t memtype);

/*
 * Unmap [va, va + size) (aligned to the base page). A huge leaf only partly inside the range
 * is split into next-level entries first (needs a table page: -ENOMEM possible). Emptied
 * table pages are freed. *nr_unmapped (may be NULL) gets the number of base pages unmapped
 * (present leaves; software values in the range are cleared too). -EINVAL also when the
 * pieces of a split leaf cannot be encoded a level lower (an i386 PSE-36 page above 4 GiB).
 */
int pgtable_unmap(struct pgtable *pt, uint64_t va, uint64_t size, uint64_t *nr_unmapped);

/*
 * Replace the permissions of every leaf in [va, va + size) by prot (keeping A/D), splitting
 * huge leaves at the edges like pgtable_unmap. Unmapped holes are skipped. The A/D bits of
 * prot are ignored. arm64 keeps the dirty state as Linux's pte_modify does: a hardware-dirty
 * leaf (DBM with AP[2] = 0) gets the software dirty bit 55 (pte_desc.soft bit 0), and a leaf
 * whose new prot is writable with DBM is hardware-dirty. -EINVAL when the format cannot
 * encode prot (checked even if the range holds no leaf) or a leaf with it.
 */
int pgtable_protect(struct pgtable *pt, uint64_t va, uint64_t size, uint32_t prot);

/*
 * The entry that decides va: fills *d and *level with the leaf, or with the first non-present
 * entry (kind NONE); *entry_pa (may be NULL) gets its physical address. 0 or -EINVAL for an
 * address outside the format's range; -EUCLEAN when the walk meets a damaged entry (then
 * *d, *level and *entry_pa describe that entry).
 */
int pgtable_lookup(struct pgtable *pt, uint64_t va, struct pte_desc *d, int *level,
		   uint64_t *entry_pa);

/*
 * Raw entry access, for the fault handler later and for tests. entry_pa must be aligned to
 * the entry size and inside RAM (else read gives 0 and write does nothing); a write into one
 * of this pgtable's tables keeps its count of non-zero entries.
 */
uint64_t pgtable_read_entry(const struct pgtable *pt, uint64_t entry_pa);
void pgtable_write_entry(struct pgtable *pt, uint64_t entry_pa, uint64_t raw);

/*
 * Call fn for every leaf (and, when want_holes, every empty entry at the deepest level that
 * exists) overlapping [start, end), in address order. fn returns 0 to go on; anything else
 * stops the walk and is returned.
 *
 * A visit describes one entry and the whole range it covers, not clipped to [start, end):
 * a 2 MiB leaf partly inside is reported with its own va and size. A hole is a non-present
 * entry (zero, or a software value: kind NONE, raw != 0) in a table that exists: a missing
 * pte table under an empty pmd entry is one visit at the pmd level, of the pmd entry's size.
 * end == 0 means the top of the address space (2^64); [start, end) is clipped to the
 * halves the format translates (non-canonical addresses are skipped, not reported).
 * -EINVAL when end <= start (end != 0); -EUCLEAN on a damaged entry.
 */
struct pgtable_visit {
	uint64_t va;		/* start of the range the entry covers */
	uint64_t size;		/* bytes it covers */
	int level;
	uint64_t entry_pa;
	uint64_t raw;
	struct pte_desc desc;
};
typedef int (*pgtable_walk_fn)(const struct pgtable_visit *v, void *arg);
int pgtable_walk_range(struct pgtable *pt, uint64_t start, uint64_t end, bool want_holes,
		       pgtable_walk_fn fn, void *arg);

int pgtable_validate(const struct pgtable *pt, struct mmsim_error *err);
#endif

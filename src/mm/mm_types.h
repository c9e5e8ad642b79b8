/*
 * Types of the memory manager (Linux: include/linux/mm_types.h, page-flags.h).
 *
 * Glossary
 *   page        a PAGE_SIZE-aligned piece of physical memory (4 KiB here unless the arch
 *               or granule says otherwise).
 *   frame, pfn  the number of a physical page: pfn = physical address >> PAGE_SHIFT.
 *   struct page the 64-byte descriptor of one frame, in mem_map. It lives *inside the
 *               simulated RAM*, where memblock put the memmap, exactly as on Linux: the
 *               memmap costs simulated memory (and shows as reserved, not MemTotal).
 *   compound    2^order frames allocated together with __GFP_COMP: the first is the head,
 *   page        the others are tails pointing at it (compound_head).
 *   folio       a head page seen as the whole compound (later issues: page cache, LRU).
 *   PTE         a page-table entry (arch/ formats, issue 3).
 *   VMA         a vm_area_struct: a range of a process's virtual addresses (issue 4).
 *   buddy       a free block of 2^order frames, aligned to its size, on a free list; its
 *               buddy is the block at pfn ^ (1 << order).
 *   pageblock   2^pageblock_order frames sharing one migrate type.
 */
#ifndef MMSIM_MM_MM_TYPES_H
#define MMSIM_MM_MM_TYPES_H
#include <stdint.h>
#include <stdbool.h>
#include "util/list.h"

/*
 * Page flags, as enum pageflags in include/linux/page-flags.h (names and meaning; the bit
 * numbers are mmsim's own). The top of flags holds the node id and zone index, as Linux keeps
 * them in the top bits of page->flags (set_page_links).
 */
enum pageflags {
	PG_locked,		/* page is locked for I/O */
	PG_writeback,		/* page is being written back */
	PG_referenced,		/* recently referenced (LRU second chance) */
	PG_uptodate,		/* contents are valid */
	PG_dirty,		/* must be written back before reuse */
	PG_lru,			/* on an LRU list */
	PG_head,		/* first page of a compound page */
	PG_active,		/* on the active LRU list */
	PG_workingset,
	PG_owner_priv_1,
	PG_owner_2,
	PG_arch_1,
	PG_reserved,		/* not managed by the buddy allocator (memblock reserved, hole) */
	PG_private,
	PG_private_2,
	PG_reclaim,
	PG_swapbacked,		/* backed by swap (anonymous, shmem) */
	PG_unevictable,		/* on the unevictable LRU */
	PG_mlocked,		/* mapped by a VM_LOCKED VMA */
	PG_slab,		/* owned by the slab allocator (a page_type in Linux 6.18) */
	PG_buddy,		/* head of a free buddy block (a page_type in Linux 6.18) */
	PG_anon,		/* anonymous (Linux: low bit of page->mapping) */
	PG_swapcache,		/* in the swap cache */
	PG_table,		/* a page-table page (page_type PGTY_table) */
	PG_pcp,			/* on a per-CPU free list (mmsim's own, for validation) */
	NR_PAGEFLAGS
};

#define PAGE_ZONE_SHIFT 56	/* zone index: bits 56..59 */
#define PAGE_NODE_SHIFT 48	/* node id: bits 48..55 */
#define PAGE_FLAGS_MASK ((1ull << NR_PAGEFLAGS) - 1)

/*
 * The page descriptor: 64 bytes, as on Linux x86_64.
 *
 *   +0  flags        PG_* bits, node id (48..55), zone index (56..59)
 *   +8  lru          free list / pcp list / LRU / slab partial list links
 *   +24 mapping      address_space, anon_vma, or (slab) the kmem_cache
 *   +32 index        offset in the mapping; (slab) first free object
 *   +40 private      buddy: order of the free block; (slab) inuse/objects counters
 *   +48 mapcount     number of page-table mappings minus one (-1: unmapped)
 *   +52 refcount     references; 0 = free
 *   +56 compound     head (PG_head): order of the compound page << 1; tail: address of
 *                    the head's struct page | 1 (Linux keeps this in compound_head, bit 0)
 *
 * Invariants:
 *  - a page with PG_buddy is the head of a free block of order `private`, is on exactly
 *    one free list (its zone's free_area[private], migrate type of its pageblock at the
 *    time it was freed), has refcount 0; the pages it covers have neither PG_buddy nor
 *    a nonzero refcount, and their contents are otherwise undefined (Linux leaves tail
 *    pages of free blocks untouched too; their node/zone bits are set again when they
 *    are handed out, as deferred struct page init does);
 *  - an allocated page has refcount >= 1; a tail page has refcount 0 and compound
 *    pointing at its head;
 *  - PG_reserved pages are never on a free list and never handed out.
 */
struct page {
	uint64_t flags;
	struct list_head lru;
	void *mapping;
	uint64_t index;
	uint64_t private;
	int32_t mapcount;
	int32_t refcount;
	uint64_t compound;
};

_Static_assert(sizeof(struct page) == 64, "struct page must stay 64 bytes");

static inline bool page_test(const struct page *p, enum pageflags f) { return (p->flags >> f) & 1; }
static inline void page_set(struct page *p, enum pageflags f) { p->flags |= 1ull << f; }
static inline void page_clear(struct page *p, enum pageflags f) { p->flags &= ~(1ull << f); }

static inline unsigned int page_zonenum(const struct page *p) { return (p->flags >> PAGE_ZONE_SHIFT) & 0xf; }
static inline unsigned int page_nid(const struct page *p) { return (p->flags >> PAGE_NODE_SHIFT) & 0xff; }
static inline void set_page_links(struct page *p, unsigned int nid, unsigned int zidx)
{
	p->flags = (p->flags & ((1ull << PAGE_NODE_SHIFT) - 1)) |
		   ((uint64_t)nid << PAGE_NODE_SHIFT) | ((uint64_t)zidx << PAGE_ZONE_SHIFT);
}

static inline bool PageTail(const struct page *p) { return p->compound & 1; }
static inline struct page *compound_head(struct page *p)
{
	return PageTail(p) ? (struct page *)(uintptr_t)(p->compound - 1) : p;
}
static inline unsigned int compound_order(const struct page *p)
{
	return page_test(p, PG_head) ? (unsigned int)(p->compound >> 1) : 0;
}

/* Migrate types (include/linux/mmzone.h). */
enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES,		/* the number of types on the pcp lists */
	MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
	MIGRATE_CMA,
	MIGRATE_ISOLATE,
	MIGRATE_TYPES
};

/* Linux's names, as /proc/pagetypeinfo prints them. */
extern const char *const migratetype_names[MIGRATE_TYPES];


/* ------------------------------------------------------------------------------------------
 * Address spaces (issue 4). Both structures live in objects of the simulated slab caches
 * "vm_area_struct" (192 bytes, as Linux 6.18) and "mm_struct" (1600 bytes), so they cost
 * simulated memory and show in /proc/slabinfo; the asserts in vma.c / fork.c keep them within.
 */
#include "mm/mm.h"
#include "mm/pgtable.h"
#include "mm/vma_tree.h"

struct mm_struct;
struct file;			/* fs/fs.h */
struct anon_vma;		/* rmap.c (issue 5); NULL until the first anonymous fault */
struct anon_vma_name;

/*
 * Operations of a special mapping (vm_special_mapping in Linux): [vdso], [vvar],
 * [vvar_vclock], [vsyscall] is not a VMA but the gate area.
 */
struct vm_operations_struct {
	const char *name;		/* what /proc/PID/maps prints, e.g. "[vdso]"; NULL: none */
	int (*mremap)(struct vm_area_struct *new_vma);	/* [vdso] moves context.vdso */
};

/*
 * One virtual memory area: [vm_start, vm_end) of one mm with one set of flags, one backing
 * (anonymous, or vm_file from byte vm_pgoff << PAGE_SHIFT).
 *
 * Invariants (vma_validate):
 *  - vm_start < vm_end, both page aligned, vm_end <= mm->task_size;
 *  - the VMA is in exactly one mm's tree, at its address, and overlaps no other VMA there;
 *  - vm_page_prot == vm_get_page_prot(vm_flags) except for special mappings;
 *  - anonymous private VMAs have vm_file == NULL and vm_pgoff == vm_start >> PAGE_SHIFT
 *    when created (Linux keeps the creation-time offset through mremap, so only "was");
 *  - VM_SHARED implies VM_MAYSHARE; VM_WRITE implies VM_MAYWRITE, VM_READ VM_MAYREAD,
 *    VM_EXEC VM_MAYEXEC.
 */
struct vm_area_struct {
	uint64_t vm_start;
	uint64_t vm_end;		/* first byte after */
	struct mm_struct *vm_mm;
	uint64_t vm_page_prot;		/* pgprot: PTE_* bits (arch/pgtable.h) for new entries */
	vm_flags_t vm_flags;
	uint64_t vm_pgoff;		/* offset in vm_file, in pages; anon: vm_start >> PAGE_SHIFT */
	struct file *vm_file;		/* a reference (get_file) or NULL */
	struct anon_vma *anon_vma;
	const struct vm_operations_struct *vm_ops;
	struct anon_vma_name *anon_name;	/* prctl(PR_SET_VMA_ANON_NAME); kmalloc'd, refcounted */
	void *vm_private_data;
	uint64_t mmsim_advice;		/* MADV_* recorded for pages (bit per advice), until the
					   fault issue acts on them (madvise.c) */
	struct list_head anon_vma_chain;	/* anon_vma_chain.same_vma (rmap.h) */
	struct list_head shared;	/* on vm_file's address_space i_mmap (pagemap.h) */
};

/* A name given by PR_SET_VMA_ANON_NAME: shared by split VMAs (anon_vma_name in Linux). */
struct anon_vma_name {
	int refcount;
	char name[];			/* at most 80 bytes with the NUL */
};

/* mm->flags bits (MMF_* of include/linux/mm_types.h that mmsim uses). */
#define MMF_TOPDOWN	(1u << 0)	/* top-down get_unmapped_area (not legacy_va_layout) */
#define MMF_HAS_MDWE	(1u << 1)

/* rss_stat counters (enum of include/linux/mm_types_task.h). */
enum { MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES, NR_MM_COUNTERS };

/*
 * A process address space.
 *
 *   task_size ---------------------------------------------------------------+
 *   stack (start_stack, grows down)  |  mmap_base: mmaps grow down from here  |
 *   ...                                                                     |
 *   [start_brk, brk) heap  | end_data | start_data ... end_code | start_code  0
 *
 * Invariants (mm_validate, vma.c):
 *  - map_count == number of VMAs in mm_mt; map_count <= max_map_count + 1 (do_mmap refuses
 *    only above the limit, as Linux; the sysctl may also be lowered below a process's count);
 *  - total_vm == sum of VMA pages; data_vm, exec_vm, stack_vm as vm_stat_account counts them;
 *    locked_vm == pages of VM_LOCKED VMAs (mlock.c);
 *  - mm_users >= 0, mm_count >= 1 while the struct exists (mm_users > 0 counts as one);
 *  - start_brk <= brk (munmap may remove heap pages while brk stays where it was).
 */
struct mm_struct {
	struct vma_tree mm_mt;		/* the VMAs, by address */
	struct mm_sys *ms;
	struct pgtable pgd;		/* the page tables (root allocated by mm_alloc) */
	uint64_t mmap_base;		/* top of the top-down mmap area */
	uint64_t mmap_legacy_base;	/* bottom of the bottom-up area (legacy layout) */
	uint64_t task_size;		/* end of user space (TASK_SIZE of the task's mode) */
	unsigned int flags;		/* MMF_* */
	int map_count;
	int mm_users, mm_count;

	uint64_t total_vm, locked_vm, pinned_vm, data_vm, exec_vm, stack_vm;
	uint64_t hiwater_vm, hiwater_rss;
	vm_flags_t def_flags;		/* mlockall(MCL_FUTURE) adds VM_LOCKED to new VMAs */
	int64_t rss_stat[NR_MM_COUNTERS];

	uint64_t start_code, end_code, start_data, end_data;
	uint64_t start_brk, brk, start_stack;
	uint64_t arg_start, arg_end, env_start, env_end;
	uint64_t saved_auxv[2 * 24];	/* AT_* pairs as exec wrote them, 0-terminated */
	uint64_t vdso;			/* context.vdso: where [vdso] is mapped (0: none) */
	struct file *exe_file;		/* /proc/PID/exe */
};

#endif

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

#endif

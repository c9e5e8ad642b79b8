/*
 * The boot-time allocator (Linux: mm/memblock.c): two sorted arrays of ranges,
 * `memory` (what RAM exists, with its node) and `reserved` (what early boot took:
 * low memory, kernel image, memmap, NODE_DATA, hash tables ...). At the end of boot
 * memblock_free_all hands memory minus reserved to the buddy allocator.
 *
 * Invariants (memblock_validate): within each type the regions are sorted by base,
 * have size > 0, do not overlap and are not adjacent with equal nid (they would have
 * been merged). Reserved regions may cover holes (the low 1 MiB of a PC does), as in Linux.
 * Each reserved region keeps
 * the name of its owner so a person can see what boot took.
 */
#ifndef MMSIM_MM_MEMBLOCK_H
#define MMSIM_MM_MEMBLOCK_H
#include <stdint.h>
#include <stdbool.h>

#define MEMBLOCK_MAX_REGIONS 1024
#define NUMA_NO_NODE (-1)

struct memblock_region {
	uint64_t base, size;
	int nid;
	const char *owner;	/* static string: "kernel code", "memmap", ... ("" for memory) */
};

struct memblock_type {
	unsigned int cnt;
	struct memblock_region regions[MEMBLOCK_MAX_REGIONS];
};

struct memblock {
	struct memblock_type memory;
	struct memblock_type reserved;
	bool bottom_up;			/* allocation direction; Linux's default is top-down */
	uint64_t current_limit;		/* allocations stay below this address */
};

void memblock_init(struct memblock *mb);
/* Add [base, base+size) as RAM of node nid. -ENOSPC when the table is full. */
int memblock_add(struct memblock *mb, uint64_t base, uint64_t size, int nid);
/* Remove a range from memory (and reserved). */
int memblock_remove(struct memblock *mb, uint64_t base, uint64_t size);
/* Mark a range reserved, naming its owner. */
int memblock_reserve(struct memblock *mb, uint64_t base, uint64_t size, const char *owner);
/* Assign node nid to the memory inside [base, base+size), splitting regions. */
int memblock_set_node(struct memblock *mb, uint64_t base, uint64_t size, int nid);
/*
 * Find and reserve size bytes aligned to align inside [min, max) on node nid (or any with
 * NUMA_NO_NODE), top-down unless bottom_up. *out gets the base. -ENOMEM when none fits.
 */
int memblock_alloc_range(struct memblock *mb, uint64_t size, uint64_t align, uint64_t min,
			 uint64_t max, int nid, const char *owner, uint64_t *out);
/* Bytes of memory on node nid (NUMA_NO_NODE: all) in [base, end) not reserved. */
uint64_t memblock_free_bytes_in(const struct memblock *mb, uint64_t base, uint64_t end);
/* Bytes of memory overlapping [base, end). */
uint64_t memblock_memory_bytes_in(const struct memblock *mb, uint64_t base, uint64_t end);
/* Is [base, base+size) entirely memory? entirely free (not reserved)? */
bool memblock_is_memory(const struct memblock *mb, uint64_t base);
bool memblock_is_reserved(const struct memblock *mb, uint64_t base);
/* 0 or -EUCLEAN. */
int memblock_validate(const struct memblock *mb);

/*
 * Iterate over the free ranges (memory minus reserved) in address order: call fn for
 * each maximal [start, end) with its nid. Stops and returns fn's value when nonzero.
 */
int memblock_for_each_free_range(const struct memblock *mb,
				 int (*fn)(void *arg, uint64_t start, uint64_t end, int nid),
				 void *arg);
#endif

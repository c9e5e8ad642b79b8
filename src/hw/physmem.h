/*
 * Simulated physical RAM: one host mapping reserved with MAP_NORESERVE covering physical
 * addresses [base, base + size). A page costs host memory only once written, so a 1 TiB
 * machine boots on a small host. Holes in the physical map are part of the mapping and
 * never touched.
 *
 * Invariant: host != NULL, size is a multiple of the host page size, base is page aligned.
 */
#ifndef MMSIM_HW_PHYSMEM_H
#define MMSIM_HW_PHYSMEM_H
#include <stdint.h>
#include <stddef.h>

struct physmem {
	uint64_t base;		/* lowest physical address mapped */
	uint64_t size;		/* bytes mapped */
	uint8_t *host;		/* host address of physical address `base` */
};

/* Reserve host address space for [base, end). -ENOMEM if the host refuses. */
int physmem_init(struct physmem *pm, uint64_t base, uint64_t end);
void physmem_destroy(struct physmem *pm);
/* Host pointer of physical address pa (must lie in the mapping). */
static inline void *phys_to_host(const struct physmem *pm, uint64_t pa) { return pm->host + (pa - pm->base); }
static inline uint64_t host_to_phys(const struct physmem *pm, const void *p) { return (uint64_t)((const uint8_t *)p - pm->host) + pm->base; }
/* Give the host back the memory behind [pa, pa+len) (madvise DONTNEED): it reads as zeros. */
void physmem_discard(struct physmem *pm, uint64_t pa, uint64_t len);
/* Host bytes actually resident for the mapping (from mincore), for reports and benchmarks. */
uint64_t physmem_resident_bytes(const struct physmem *pm);
#endif

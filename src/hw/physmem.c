#include "hw/physmem.h"
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int physmem_init(struct physmem *pm, uint64_t base, uint64_t end)
{
	long hps = sysconf(_SC_PAGESIZE);
	if (hps <= 0 || end <= base)
		return -EINVAL;
	uint64_t size = (end - base + (uint64_t)hps - 1) & ~((uint64_t)hps - 1);
	if (size > SIZE_MAX)
		return -ENOMEM;
	void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	pm->base = base;
	pm->size = size;
	pm->host = p;
	return 0;
}

void physmem_destroy(struct physmem *pm)
{
	if (pm->host)
		munmap(pm->host, (size_t)pm->size);
	pm->host = NULL;
	pm->size = 0;
}

void physmem_discard(struct physmem *pm, uint64_t pa, uint64_t len)
{
	long hps = sysconf(_SC_PAGESIZE);
	uint64_t s = (pa - pm->base + (uint64_t)hps - 1) & ~((uint64_t)hps - 1);
	uint64_t e = (pa - pm->base + len) & ~((uint64_t)hps - 1);
	if (e > s)
		madvise(pm->host + s, (size_t)(e - s), MADV_DONTNEED);
}

uint64_t physmem_resident_bytes(const struct physmem *pm)
{
	long hps = sysconf(_SC_PAGESIZE);
	const size_t chunk = (size_t)1 << 30;	/* 1 GiB of mapping per mincore call */
	unsigned char *vec = malloc(chunk / (size_t)hps);
	uint64_t resident = 0;
	if (!vec)
		return 0;
	for (uint64_t off = 0; off < pm->size; off += chunk) {
		size_t len = pm->size - off < chunk ? (size_t)(pm->size - off) : chunk;
		if (mincore(pm->host + off, len, vec) != 0)
			break;
		for (size_t i = 0; i < len / (size_t)hps; i++)
			resident += vec[i] & 1;
	}
	free(vec);
	return resident * (uint64_t)hps;
}

/* SPDX-License-Identifier: MIT */
/*
 * mmsim - the Linux memory manager as a user-space library.
 *
 * Public API. Every function returns 0 (or a non-negative value) on success and a
 * negative errno on failure; none prints, aborts or exits. Where an input can be
 * wrong in a way a person must fix (a file, a line, an option), the function also
 * fills a struct mmsim_error with the place and a sentence saying what was expected.
 * A failed call leaves every object it was given as it was.
 */
#ifndef MMSIM_MMSIM_H
#define MMSIM_MMSIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MMSIM_VERSION "0.1.0"

/* Where an error was found and what was expected there. */
struct mmsim_error {
	char file[256];		/* input file, or "" when the input was an option or a string */
	int line;		/* 1-based line, 0 when not line-oriented */
	int column;		/* 1-based column, 0 when unknown */
	char msg[512];		/* one sentence: what is wrong and what was expected */
};

/* A text for a negative errno returned by this library (also works for positive). */
const char *mmsim_strerror(int err);

/* Format "file:line:col: msg" (parts left out when unknown) into buf. */
void mmsim_error_format(const struct mmsim_error *e, char *buf, size_t len);

/* ---- machine description -------------------------------------------------------- */

typedef struct mmsim_config mmsim_config;

int mmsim_config_new(mmsim_config **out);
void mmsim_config_free(mmsim_config *cfg);

/*
 * Set one key of the description ("arch", "ram", "nodes", "cpus", "memory_model",
 * "seed", "movablecore", "kernelcore", "min_free_kbytes", "thp", "check", "e820",
 * "node.N.range", "node.N.distance" ...). docs/machine.md lists every key.
 * A wrong value fails with -EINVAL and a message in err; cfg is unchanged.
 */
int mmsim_config_set(mmsim_config *cfg, const char *key, const char *value,
		     struct mmsim_error *err);

/* Read an INI machine description file ([machine], [memory], [node N] sections). */
int mmsim_config_load_ini(mmsim_config *cfg, const char *path, struct mmsim_error *err);

/* Read a file of the kernel's "BIOS-e820: [mem 0x..-0x..] type" lines (other lines ignored). */
int mmsim_config_load_e820(mmsim_config *cfg, const char *path, struct mmsim_error *err);

/* ---- the machine ---------------------------------------------------------------- */

typedef struct mmsim_machine mmsim_machine;

/* Boot a machine from a description: physical memory, memblock, zones, buddy, slab. */
int mmsim_boot(const mmsim_config *cfg, mmsim_machine **out, struct mmsim_error *err);
void mmsim_machine_free(mmsim_machine *m);

/*
 * Render a /proc file of the machine ("buddyinfo", "pagetypeinfo", "zoneinfo",
 * "meminfo", "slabinfo", "vmstat", "iomem", "memblock") into a newly malloc'd
 * NUL-terminated buffer that the caller frees. -ENOENT for a name not modelled.
 */
int mmsim_proc_render(mmsim_machine *m, const char *name, char **out, size_t *len);

/* Names of the /proc files mmsim_proc_render knows, NULL-terminated. */
const char *const *mmsim_proc_names(void);

/* All counters and the physical memory layout as one JSON document (malloc'd). */
int mmsim_machine_json(mmsim_machine *m, char **out, size_t *len);

/* Run every structure's validator; 0 or -EUCLEAN with a description in err. */
int mmsim_machine_validate(mmsim_machine *m, struct mmsim_error *err);

/* ---- the page allocator, for tests, benchmarks and scripts ----------------------- */

/* GFP masks as Linux composes them (include/linux/gfp_types.h, 6.18 bit values). */
#define MMSIM_GFP_DMA		0x01u
#define MMSIM_GFP_HIGHMEM	0x02u
#define MMSIM_GFP_DMA32		0x04u
#define MMSIM_GFP_MOVABLE	0x08u
#define MMSIM_GFP_RECLAIMABLE	0x10u
#define MMSIM_GFP_HIGH		0x20u
#define MMSIM_GFP_IO		0x40u
#define MMSIM_GFP_FS		0x80u
#define MMSIM_GFP_ZERO		0x100u
#define MMSIM_GFP_DIRECT_RECLAIM 0x400u
#define MMSIM_GFP_KSWAPD_RECLAIM 0x800u
#define MMSIM_GFP_WRITE		0x1000u
#define MMSIM_GFP_NOWARN	0x2000u
#define MMSIM_GFP_RETRY_MAYFAIL	0x4000u
#define MMSIM_GFP_NOFAIL	0x8000u
#define MMSIM_GFP_NORETRY	0x10000u
#define MMSIM_GFP_MEMALLOC	0x20000u
#define MMSIM_GFP_COMP		0x40000u
#define MMSIM_GFP_NOMEMALLOC	0x80000u
#define MMSIM_GFP_HARDWALL	0x100000u
#define MMSIM_GFP_THISNODE	0x200000u
#define MMSIM_GFP_ACCOUNT	0x400000u

#define MMSIM_GFP_RECLAIM	(MMSIM_GFP_DIRECT_RECLAIM | MMSIM_GFP_KSWAPD_RECLAIM)
#define MMSIM_GFP_ATOMIC	(MMSIM_GFP_HIGH | MMSIM_GFP_KSWAPD_RECLAIM)
#define MMSIM_GFP_KERNEL	(MMSIM_GFP_RECLAIM | MMSIM_GFP_IO | MMSIM_GFP_FS)
#define MMSIM_GFP_NOWAIT	(MMSIM_GFP_KSWAPD_RECLAIM | MMSIM_GFP_NOWARN)
#define MMSIM_GFP_USER		(MMSIM_GFP_RECLAIM | MMSIM_GFP_IO | MMSIM_GFP_FS | MMSIM_GFP_HARDWALL)
#define MMSIM_GFP_HIGHUSER	(MMSIM_GFP_USER | MMSIM_GFP_HIGHMEM)
#define MMSIM_GFP_HIGHUSER_MOVABLE (MMSIM_GFP_HIGHUSER | MMSIM_GFP_MOVABLE)

/* Parse "GFP_KERNEL|__GFP_ZERO" style text into a mask; -EINVAL on an unknown name. */
int mmsim_gfp_parse(const char *text, unsigned int *gfp);

/* Allocate 2^order pages; the first pfn in *pfn. -ENOMEM when no zone can serve it. */
int mmsim_alloc_pages(mmsim_machine *m, int cpu, unsigned int gfp, unsigned int order,
		      uint64_t *pfn);
/* Free what mmsim_alloc_pages returned; -EINVAL if pfn/order is not such an allocation. */
int mmsim_free_pages(mmsim_machine *m, int cpu, uint64_t pfn, unsigned int order);

/* Make the Nth page allocation from now fail (0 disables): for failure-path tests. */
void mmsim_fail_nth_alloc(mmsim_machine *m, uint64_t nth);

/* ---- the MMU: page tables, TLBs, translation ---------------------------------------- */

/* Kinds of memory access. */
#define MMSIM_ACCESS_READ	0u
#define MMSIM_ACCESS_WRITE	1u
#define MMSIM_ACCESS_EXEC	2u

struct mmsim_translate_opts {
	uint64_t va;		/* virtual address */
	unsigned int access;	/* MMSIM_ACCESS_* */
	int kernel;		/* nonzero: a supervisor (ring 0 / EL1) access; else user */
	int cpu;		/* which CPU's MMU and TLB */
	unsigned int repeat;	/* translate this many times (1..16; 0 = 1): the second
				   shows the TLB hit */
	int json;		/* JSON instead of text */
	const char *logical;	/* x86 only, or NULL: "SEL:OFFSET" or "REG:OFFSET" (ds:0x10,
				   0x2b:0x1000): go through the segmentation unit first, set
				   up as Linux sets up a CPU; va is then ignored */
};

/*
 * Translate one address in the machine's built-in address space (a small process image
 * and the kernel's direct map, in real page tables; built on first use) and explain every
 * step: the index at each level, each entry's address, raw value and bits, the TLB outcome,
 * the physical address or the exact fault. Text or JSON into a malloc'd buffer.
 */
int mmsim_translate(mmsim_machine *m, const struct mmsim_translate_opts *o, char **out,
		    size_t *len, struct mmsim_error *err);

/* The built-in address space's map and one example translation per region. */
int mmsim_translate_tour(mmsim_machine *m, char **out, size_t *len, struct mmsim_error *err);

/*
 * The kernel's virtual memory layout for an architecture and paging mode (levels: x86_64
 * 4/5, i386 2/3; arm64 granule 4096/16384/65536 and va_bits; 0 = default), printed the way
 * the kernel's documentation draws it.
 */
int mmsim_layout_render(const char *arch, unsigned int levels, unsigned int granule,
			unsigned int va_bits, char **out, size_t *len, struct mmsim_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MMSIM_MMSIM_H */

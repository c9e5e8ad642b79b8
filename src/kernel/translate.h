/*
 * The built-in address space of `mmsim translate` and the step-by-step record of one
 * translation (src/kernel/translate.c).
 */
#ifndef MMSIM_KERNEL_TRANSLATE_H
#define MMSIM_KERNEL_TRANSLATE_H
#include "hw/mmu.h"

struct mmsim_machine;
struct demo_space;

/* One translation with everything the MMU did. */
struct translate_attempt {
	uint64_t va;
	unsigned int access;		/* MMU_READ/WRITE/EXEC | MMU_USER */
	int rc;				/* 0 or the enum mmu_fault_type */
	struct mmu_xlat x;		/* when rc == 0 */
	struct mmu_fault fault;		/* when rc != 0 */
	unsigned int nsteps;		/* entries read (0: TLB hit or no walk) */
	struct mmu_walk_step steps[PT_MAX_LEVELS];
};

/* The machine's built-in space, built on first use (frames and tables from the buddy). */
int translate_space(struct mmsim_machine *m, struct demo_space **out);
void translate_space_free(struct mmsim_machine *m);
int translate_space_validate(struct mmsim_machine *m, struct mmsim_error *err);
/* Translate va on cpu in the built-in space (switching the CPU to it first). */
int translate_run(struct mmsim_machine *m, int cpu, uint64_t va, unsigned int access,
		  struct translate_attempt *t);
#endif

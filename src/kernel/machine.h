/*
 * One simulated machine: its description, its RAM, its random generator and its memory
 * manager. The public opaque mmsim_machine is this struct.
 */
#ifndef MMSIM_KERNEL_MACHINE_H
#define MMSIM_KERNEL_MACHINE_H
#include "hw/machine_desc.h"
#include "hw/physmem.h"
#include "mm/mmzone.h"
#include "util/rng.h"

struct mmsim_machine {
	struct machine_desc desc;	/* as booted (a copy: the config may be freed) */
	struct physmem ram;
	struct rng rng;
	struct mm_sys mm;
};

/* Run every validator when the machine was booted with check on; 0 or -EUCLEAN. */
int machine_check(struct mmsim_machine *m, struct mmsim_error *err);
#endif

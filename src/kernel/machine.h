/*
 * One simulated machine: its description, its RAM, its random generator and its memory
 * manager. The public opaque mmsim_machine is this struct.
 */
#ifndef MMSIM_KERNEL_MACHINE_H
#define MMSIM_KERNEL_MACHINE_H
#include "hw/machine_desc.h"
#include "hw/mmu.h"
#include "hw/physmem.h"
#include "mm/mmzone.h"
#include "util/rng.h"

struct mmsim_machine {
	struct machine_desc desc;	/* as booted (a copy: the config may be freed) */
	struct physmem ram;
	struct rng rng;
	struct mm_sys mm;
	const struct pt_format *paging;	/* the page-table format every CPU runs */
	struct tlb_config tlbcfg;	/* the TLB hierarchy each CPU has */
	struct mmu *cpu;		/* [desc.nr_cpus]: one MMU (and TLB) per CPU */
	struct list_head tasks;		/* kernel/sched.h: live tasks, by pid */
	int last_pid;			/* pid of the last task created (pid allocation) */
	struct demo_space *demo;	/* the built-in address space of `mmsim translate`
					   (kernel/translate.c), NULL until first used */
};

/* Start one MMU per CPU (seeded from the machine's seed). 0 or -ENOMEM. */
int machine_setup_mmus(struct mmsim_machine *m, struct mmsim_error *err);
void machine_free_mmus(struct mmsim_machine *m);

/* Run every validator when the machine was booted with check on; 0 or -EUCLEAN. */
int machine_check(struct mmsim_machine *m, struct mmsim_error *err);
#endif

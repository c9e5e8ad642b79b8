/*
 * What the fault, rmap and THP tests share (included after <cmocka.h> and the mmsim
 * headers): a task with an empty mm and ASLR off, one access, a byte stored or loaded
 * through the MMU, and every validator of the machine.
 */
#ifndef MMSIM_TESTS_TASK_HELPERS_H
#define MMSIM_TESTS_TASK_HELPERS_H
#include "kernel/access.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/mman.h"
#include "mm/mmap.h"

/* A new task pid with an empty mm, ADDR_NO_RANDOMIZE, the top-down layout. */
static inline struct task_struct *new_task(struct mmsim_machine *m, int pid)
{
	struct task_struct *t;

	assert_int_equal(task_create(m, pid, true, &t), 0);
	t->personality = ADDR_NO_RANDOMIZE;
	arch_pick_mmap_layout(t->mm, t);
	return t;
}

/* One access of kind at va; it must complete without a signal. The faults it took. */
static inline unsigned int acc(struct mmsim_machine *m, struct task_struct *t, uint64_t va,
			       unsigned int kind)
{
	struct access_result r;

	assert_int_equal(task_access(m, t, va, 1, kind, &r), 0);
	assert_int_equal(r.signo, 0);
	return r.faults;
}

static inline void put_byte(struct mmsim_machine *m, struct task_struct *t, uint64_t va,
			    uint8_t v)
{
	struct access_result r;

	assert_int_equal(task_access_data(m, t, va, 1, MMU_WRITE, &v, &r), 0);
	assert_int_equal(r.signo, 0);
}

static inline uint8_t get_byte(struct mmsim_machine *m, struct task_struct *t, uint64_t va)
{
	struct access_result r;
	uint8_t v = 0xee;

	assert_int_equal(task_access_data(m, t, va, 1, MMU_READ, &v, &r), 0);
	assert_int_equal(r.signo, 0);
	return v;
}

/* Every validator of the machine (machine_check) must pass. */
static inline void check_machine(struct mmsim_machine *m)
{
	struct mmsim_error err = { 0 };
	char msg[512];

	if (machine_check(m, &err)) {
		mmsim_error_format(&err, msg, sizeof(msg));
		fail_msg("machine_check: %s", msg);
	}
}
#endif

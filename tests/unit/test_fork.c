/*
 * fork and exit (src/kernel/fork.c, exit.c, task.c): the child's maps and counters are the
 * parent's; VM_DONTCOPY VMAs stay behind; CLONE_VM shares the mm; exit and reaping give
 * every VMA, maple node, page-table page and task object back (no growth over many rounds).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmsim/mmsim.h"
#include "kernel/exec.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/mm_types.h"
#include "mm/slab.h"
#include "mm/vma.h"
#include "util/strbuf.h"

static char *env[] = { "PATH=/usr/bin:/bin", NULL };

static mmsim_machine *boot_with_cat(struct task_struct **out)
{
	mmsim_config *cfg = NULL;
	mmsim_machine *m = NULL;
	struct mmsim_error err = { 0 };
	char *argv[] = { "cat", NULL };
	assert_int_equal(mmsim_config_new(&cfg), 0);
	assert_int_equal(mmsim_boot(cfg, &m, &err), 0);
	mmsim_config_free(cfg);
	assert_int_equal(task_create(m, 100, true, out), 0);
	(*out)->personality = ADDR_NO_RANDOMIZE;
	if (access("/usr/bin/cat", X_OK) != 0) {
		mmsim_machine_free(m);
		print_message("skipped: no /usr/bin/cat\n");
		skip();
	}
	assert_int_equal(do_execve(m, *out, "/usr/bin/cat", argv, env, &err), 0);
	return m;
}

static char *render(mmsim_machine *m, int pid, const char *file)
{
	char *out = NULL;
	size_t len;
	assert_int_equal(mmsim_proc_pid_render(m, pid, file, &out, &len), 0);
	return out;
}

static void test_fork_copies(void **state)
{
	(void)state;
	struct task_struct *p;
	mmsim_machine *m = boot_with_cat(&p);
	int cpid = 0;
	assert_int_equal(do_fork(m, p, 0, 0, &cpid), 0);
	assert_int_equal(cpid, 101);
	struct task_struct *c = find_task_by_pid(m, cpid);
	assert_non_null(c);
	assert_ptr_not_equal(c->mm, p->mm);
	char *pm = render(m, p->pid, "maps"), *cm = render(m, cpid, "maps");
	assert_string_equal(pm, cm);
	char *ps = render(m, p->pid, "status"), *cs = render(m, cpid, "status");
	assert_string_equal(ps, cs);
	assert_int_equal(c->mm->total_vm, p->mm->total_vm);
	assert_int_equal(c->mm->map_count, p->mm->map_count);
	assert_int_equal(c->mm->start_brk, p->mm->start_brk);
	assert_int_equal(c->mm->start_stack, p->mm->start_stack);
	assert_string_equal(c->comm, "cat");
	struct mmsim_error err = { 0 };
	assert_int_equal(task_validate(m, &err), 0);
	assert_int_equal(mm_validate(c->mm, &err), 0);
	free(pm);
	free(cm);
	free(ps);
	free(cs);
	/* the pid is taken */
	assert_int_equal(do_fork(m, p, 0, cpid, &cpid), -EEXIST);
	/* exit: the zombie has no mm and empty files */
	do_exit_group(m, c, 0);
	assert_true(c->exited);
	assert_null(c->mm);
	char *zm = render(m, c->pid, "maps");
	assert_string_equal(zm, "");
	free(zm);
	assert_int_equal(task_validate(m, &err), 0);
	mmsim_machine_free(m);
}

static void test_fork_dontcopy(void **state)
{
	(void)state;
	struct task_struct *p;
	mmsim_machine *m = boot_with_cat(&p);
	/* mark the first VMA MADV_DONTFORK's way */
	struct vm_area_struct *vma = find_vma(p->mm, 0);
	assert_non_null(vma);
	vma->vm_flags |= VM_DONTCOPY;
	uint64_t pages = (vma->vm_end - vma->vm_start) >> 12;
	int cpid;
	assert_int_equal(do_fork(m, p, 0, 0, &cpid), 0);
	struct task_struct *c = find_task_by_pid(m, cpid);
	assert_int_equal(c->mm->map_count, p->mm->map_count - 1);
	assert_int_equal(c->mm->total_vm, p->mm->total_vm - pages);
	assert_null(find_vma_intersection(c->mm, vma->vm_start, vma->vm_end));
	mmsim_machine_free(m);
}

static void test_clone_vm(void **state)
{
	(void)state;
	struct task_struct *p;
	mmsim_machine *m = boot_with_cat(&p);
	int cpid;
	assert_int_equal(do_fork(m, p, CLONE_SIGHAND, 0, &cpid), -EINVAL);	/* needs CLONE_VM */
	assert_int_equal(do_fork(m, p, CLONE_VM | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD, 0,
				 &cpid), 0);
	struct task_struct *c = find_task_by_pid(m, cpid);
	assert_ptr_equal(c->mm, p->mm);
	assert_ptr_equal(c->files, p->files);
	assert_int_equal(p->mm->mm_users, 2);
	assert_int_equal(c->tgid, p->tgid);
	/* vfork child execs: the parent keeps its mm */
	int vpid;
	assert_int_equal(sys_vfork(m, p, 0) > 0, 1);
	vpid = m->last_pid;
	struct task_struct *v = find_task_by_pid(m, vpid);
	assert_ptr_equal(v->mm, p->mm);
	struct mmsim_error err = { 0 };
	char *argv[] = { "true", NULL };
	assert_int_equal(do_execve(m, v, "/bin/true", argv, env, &err), 0);
	assert_ptr_not_equal(v->mm, p->mm);
	assert_int_equal(p->mm->mm_users, 2);
	do_exit_group(m, p, 0);
	assert_true(c->exited);
	assert_false(v->exited);
	assert_int_equal(task_validate(m, &err), 0);
	mmsim_machine_free(m);
}

/* Active objects of a cache in /proc/slabinfo (exact up to the per-CPU slabs). */
static long slab_active(mmsim_machine *m, const char *name)
{
	struct strbuf sb;
	sb_init(&sb);
	slabinfo_render(&m->mm, &sb);
	long active = -1;
	size_t nl = strlen(name);
	for (char *line = sb.buf; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, name, nl) && line[nl] == ' ') {
			active = strtol(line + nl, NULL, 10);
			break;
		}
	sb_free(&sb);
	return active;
}

/* 200 rounds of fork, exit and reap: no cache grows (a leak of one object a round would). */
static void test_fork_exit_returns_everything(void **state)
{
	(void)state;
	static const char *const caches[] = { "vm_area_struct", "mm_struct", "maple_node",
					      "task_struct", "files_cache", "filp", NULL };
	struct task_struct *p;
	mmsim_machine *m = boot_with_cat(&p);
	long base[8];
	struct mmsim_error err = { 0 };
	for (int round = 0; round < 200; round++) {
		int cpid;
		assert_int_equal(do_fork(m, p, 0, 0, &cpid), 0);
		struct task_struct *c = find_task_by_pid(m, cpid);
		do_exit(m, c, 0);
		task_free(m, c);
		if (round == 0) {
			for (int i = 0; caches[i]; i++)
				base[i] = slab_active(m, caches[i]);
		}
	}
	for (int i = 0; caches[i]; i++) {
		long now = slab_active(m, caches[i]);
		if (now > base[i] + 128)
			fail_msg("%s grew from %ld to %ld objects over 200 forks", caches[i], base[i], now);
	}
	/* page tables: the parent's only */
	uint64_t tables = p->mm->pgd.nr_tables;
	int cpid;
	assert_int_equal(do_fork(m, p, 0, 0, &cpid), 0);
	task_free(m, find_task_by_pid(m, cpid));
	assert_int_equal(p->mm->pgd.nr_tables, tables);
	assert_int_equal(mmsim_machine_validate(m, &err), 0);
	mmsim_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_copies),
		cmocka_unit_test(test_fork_dontcopy),
		cmocka_unit_test(test_clone_vm),
		cmocka_unit_test(test_fork_exit_returns_everything),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

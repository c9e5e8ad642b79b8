/*
 * Process exit (Linux: kernel/exit.c do_exit, do_group_exit, exit_mm, exit_files).
 *
 * An exited task keeps its task_struct and pid (a zombie) with mm and files released; the
 * machine's teardown or an explicit task_free reaps it. Leaves out: signals to the parent,
 * reparenting, wait.
 */
#include "fs/fs.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/mm_types.h"

void exit_mm(struct task_struct *t)
{
	struct mm_struct *mm = t->mm;
	if (!mm)
		return;
	t->mm = NULL;
	mmput(mm);
}

void exit_files(struct mmsim_machine *m, struct task_struct *t)
{
	struct files_struct *files = t->files;
	if (!files)
		return;
	t->files = NULL;
	if (--files->count > 0)
		return;
	/* put_files_struct -> close_files */
	for (int fd = 0; fd < MMSIM_NR_OPEN; fd++) {
		if (files->fd[fd])
			fput(m->mm.fs, files->fd[fd]);
		files->fd[fd] = NULL;
		files->cloexec[fd] = false;
	}
	files_free(&m->mm, files);
}

void do_exit(struct mmsim_machine *m, struct task_struct *t, int code)
{
	if (t->exited)
		return;
	exit_mm(t);
	exit_files(m, t);
	t->exited = true;
	t->exit_code = code;
}

void do_exit_group(struct mmsim_machine *m, struct task_struct *t, int code)
{
	struct list_head *pos;
	int tgid = t->tgid;
	list_for_each(pos, &m->tasks) {
		struct task_struct *u = list_entry(pos, struct task_struct, tasks);
		if (u->tgid == tgid)
			do_exit(m, u, code);
	}
}

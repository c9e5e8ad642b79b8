/*
 * libFuzzer target: the ELF loader (do_execve) on arbitrary bytes written as an executable
 * temporary file. Beyond "no crash, no leak": a refused file leaves the task's maps as they
 * were and the machine valid; an accepted one gives a valid address space.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kernel/exec.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mmsim/mmsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One temporary file per fuzzing process, rewritten for every input (realpath must work). */
static int input_path(const uint8_t *data, size_t size, char *path, size_t len)
{
	snprintf(path, len, "/tmp/mmsim-fuzz-elf-%d", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	if (size && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return chmod(path, 0755);
}

static char *render(mmsim_machine *m, int pid)
{
	char *out = NULL;
	size_t len;
	if (mmsim_proc_pid_render(m, pid, "maps", &out, &len))
		__builtin_trap();
	return out;
}

/* One machine for the whole run, freed at exit so that LeakSanitizer sees no leak. */
static mmsim_machine *m;
static void free_machine(void)
{
	mmsim_machine_free(m);
	m = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmsim_error err = { 0 };
	char path[64];
	char *argv[] = { "fuzz", NULL };
	char *envp[] = { "A=b", NULL };

	if (!m) {
		mmsim_config *cfg = NULL;
		if (mmsim_config_new(&cfg) || mmsim_boot(cfg, &m, &err))
			return 0;
		mmsim_config_free(cfg);
		atexit(free_machine);
	}
	if (input_path(data, size, path, sizeof(path)))
		return 0;
	struct task_struct *t;
	if (task_create(m, 0, true, &t))
		__builtin_trap();
	t->personality = ADDR_NO_RANDOMIZE;
	char *before = render(m, t->pid);
	int ret = do_execve(m, t, path, argv, envp, &err);
	if (ret && !t->exited) {
		/* refused: nothing changed, and the error says why */
		char *after = render(m, t->pid);
		if (strcmp(before, after) || !err.msg[0])
			__builtin_trap();
		free(after);
	}
	free(before);
	if (mmsim_machine_validate(m, &err))
		__builtin_trap();
	task_free(m, t);
	return 0;
}

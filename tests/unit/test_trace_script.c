/*
 * A trace run in a process a scenario script made (scenario_run_keep + trace_run with a
 * pid): the script maps and touches memory, the trace's accesses then fault in the rest of
 * the same VMAs, and the counts add up as the fault paths say.
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
#include "input/scenario.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "kernel/trace_run.h"

static const char script[] =
	"exec 1 /usr/bin/true\n"
	"1 mmap(0x10000000, 16*4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = $a\n"
	"1 write $a 16K\n";		/* pages 0-3 faulted in by the script */

static mmsim_machine *run_script(void)
{
	mmsim_config *cfg = NULL;
	mmsim_machine *m = NULL;
	struct mmsim_error err = { 0 };
	char *out = NULL;
	size_t outlen = 0;

	assert_int_equal(mmsim_config_new(&cfg), 0);
	assert_int_equal(scenario_run_keep(cfg, "t.mms", script, strlen(script), 0, &out, &outlen,
					   &err, &m), 0);
	mmsim_config_free(cfg);
	free(out);
	assert_non_null(m);
	return m;
}

static void write_trace(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void test_trace_in_script_process(void **state)
{
	(void)state;
	char path[] = "/tmp/mmsim-trace-script-XXXXXX";
	int fd = mkstemp(path);
	struct mmsim_machine *m = (struct mmsim_machine *)run_script();
	struct trace_run_opts o = { .pid = 1 };
	struct mmsim_trace_result res = { 0 };
	struct trace_run_info info = { 0 };
	struct mmsim_error err = { 0 };
	struct task_struct *t = find_task_by_pid(m, 1);
	int64_t anon0;

	assert_true(fd >= 0);
	close(fd);
	/* page 2 again (present: no fault), pages 4 and 5 (new: 2 faults), a load of page 6 (the
	   zero page: 1 fault, no RSS) */
	write_trace(path, " S 10002000,8\n S 10004000,8\n S 10005008,8\n L 10006000,4\n");
	assert_non_null(t);
	anon0 = t->mm->rss_stat[MM_ANONPAGES];
	assert_int_equal(trace_run(m, path, &o, &res, &info, &err), 0);
	assert_int_equal(info.pid, 1);
	assert_int_equal(res.signo, 0);
	assert_int_equal(res.pgfault, 3);
	assert_int_equal(t->mm->rss_stat[MM_ANONPAGES] - anon0, 2);
	/* the process stays with the machine */
	assert_ptr_equal(find_task_by_pid(m, 1), t);

	/* a pid the machine does not have */
	o.pid = 7;
	assert_int_equal(trace_run(m, path, &o, &res, &info, &err), -ESRCH);
	assert_non_null(strstr(err.msg, "no live process 7"));
	unlink(path);
	mmsim_machine_free((mmsim_machine *)m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_in_script_process),
	};

	if (access("/usr/bin/true", X_OK) != 0) {
		printf("SKIP: /usr/bin/true is absent\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}

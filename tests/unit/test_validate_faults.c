/*
 * The pieces of `mmsim validate --faults` that need no valgrind run (kernel/validate_faults.c,
 * input/trace.c): valgrind's --trace-syscalls lines as valgrind 3.19 wrote them on the
 * development machine, parsed field by field; a lackey log with every kind of valgrind line
 * in it (==PID==, --PID--, the -d log's --PID:N:, SYSCALL[...], " --> " continuations)
 * read with and without trace_options.other_line, the lines handed over in order with the
 * number of accesses before each; a callback's error stopping the reader at its line.
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

#include "mmsim/mmsim.h"
#include "input/trace.h"
#include "kernel/validate_faults.h"

static int parse(const char *line, struct vf_vgcall *c)
{
	return vf_parse_vgcall(line, strlen(line), c);
}

static void test_vgcall_forms(void **state)
{
	struct vf_vgcall c;

	(void)state;
	/* a call with its result on the same line */
	assert_int_equal(parse("SYSCALL[18455,1](9) sys_mmap ( 0x0, 8192, 3, 34, 4294967295, 0 ) "
			       "--> [pre-success] Success(0x4835000) ", &c), 1);
	assert_int_equal(c.pid, 18455);
	assert_int_equal(c.tid, 1);
	assert_int_equal(c.nr, 9);
	assert_true(c.has_args);
	assert_int_equal(c.nargs, 6);
	assert_int_equal(c.arg[0], 0);
	assert_int_equal(c.arg[1], 8192);
	assert_int_equal(c.arg[2], 3);
	assert_int_equal(c.arg[3], 34);
	assert_int_equal(c.arg[4], 4294967295u);
	assert_true(c.has_result);
	assert_false(c.failed);
	assert_int_equal(c.result, 0x4835000);
	assert_false(c.completion);

	assert_int_equal(parse("SYSCALL[18455,1](10) sys_mprotect ( 0x4a16000, 16384, 1 )[sync] "
			       "--> Success(0x0) ", &c), 1);
	assert_int_equal(c.nr, 10);
	assert_int_equal(c.nargs, 3);
	assert_int_equal(c.arg[0], 0x4a16000);
	assert_true(c.has_result);
	assert_int_equal(c.result, 0);

	/* an asynchronous call: the path of its string argument, no result yet */
	assert_int_equal(parse("SYSCALL[18455,1](257) sys_openat ( 4294967196, "
			       "0x4034bb0(/usr/libexec/valgrind/vgpreload_core-amd64-linux.so), "
			       "524288 ) --> [async] ... ", &c), 1);
	assert_int_equal(c.nargs, 3);
	assert_int_equal(c.arg[1], 0x4034bb0);
	assert_int_equal(c.arg[2], 524288);
	assert_string_equal(c.path, "/usr/libexec/valgrind/vgpreload_core-amd64-linux.so");
	assert_false(c.has_result);
	/* ... and its completion */
	assert_int_equal(parse("SYSCALL[18455,1](257) ... [async] --> Success(0x4) ", &c), 1);
	assert_true(c.completion);
	assert_true(c.has_result);
	assert_int_equal(c.result, 4);
	assert_int_equal(parse("SYSCALL[18455,1](257) ... [async] --> Failure(0x2) ", &c), 1);
	assert_true(c.failed);
	assert_int_equal(c.result, 2);		/* ENOENT */

	/* clone: the result comes on the continuation line */
	assert_int_equal(parse("SYSCALL[568,1](56) sys_clone ( 1200011, 0x0, 0x0, 0x4a29a10, 0x0 )"
			       "   clone(fork): process 568 created child 599", &c), 1);
	assert_int_equal(c.nr, 56);
	assert_false(c.has_result);
	assert_int_equal(parse(" --> [pre-success] Success(0x257) ", &c), 2);
	assert_true(c.has_result);
	assert_int_equal(c.result, 0x257);
	assert_int_equal(parse("SYSCALL[18455,1](334) unimplemented (by the kernel) syscall: 334! "
			       "(ni_syscall)", &c), 1);
	assert_int_equal(c.nr, 334);
	assert_false(c.has_args);
	assert_int_equal(parse(" --> [pre-fail] Failure(0x26) ", &c), 2);
	assert_true(c.failed);
	assert_int_equal(c.result, 38);		/* ENOSYS */

	/* arch_prctl ( %ld, %lx ): the address is hex without 0x */
	assert_int_equal(parse("SYSCALL[25247,1](158) arch_prctl ( 4098, 4af1c40 ) "
			       "--> [pre-success] Success(0x0) ", &c), 1);
	assert_int_equal(c.arg[0], 4098);
	assert_int_equal(c.arg[1], 0x4af1c40);
	/* msync's flags in hex, mremap's four arguments */
	assert_int_equal(parse("SYSCALL[568,1](26) sys_msync ( 0x4a2c000, 4096, 0x1 ) --> [async] ... ",
			       &c), 1);
	assert_int_equal(c.arg[2], 1);
	assert_int_equal(parse("SYSCALL[568,1](25) sys_mremap ( 0x483c000, 8192, 65536, 0x1 ) "
			       "--> [pre-success] Success(0x4a2c000) ", &c), 1);
	assert_int_equal(c.nargs, 4);
	assert_int_equal(c.arg[2], 65536);
	assert_int_equal(c.result, 0x4a2c000);
	assert_int_equal(parse("SYSCALL[568,1](231) exit_group( 0 ) --> [pre-success] Success(0x0) ",
			       &c), 1);
	assert_int_equal(c.nr, 231);
	assert_true(c.has_result);

	/* not valgrind's system call lines */
	assert_int_equal(parse(" S 1fff000628,8", &c), 0);
	assert_int_equal(parse("==18455== Lackey, an example Valgrind tool", &c), 0);
	assert_int_equal(parse("SYSCALLS are nice", &c), 0);
}

/* A lackey log with valgrind's lines of every kind among the accesses. */
static const char mixed_log[] =
	"==18455== Lackey, an example Valgrind tool\n"			/* 1 */
	"--18455-- TT/TC: cache: ignoring --avg-transtab-entry-size=0\n"	/* 2 */
	"--18455:1:    main Welcome to Valgrind version 3.19.0 debug logging\n" /* 3 */
	"I  0401ab70,3\n"						/* 4: access 0 */
	" S 1fff000628,8\n"						/* 5: access 1 */
	"SYSCALL[18455,1](12) sys_brk ( 0x0 ) --> [pre-success] Success(0x4035000) \n" /* 6 */
	" L 04032e40,8\n"						/* 7: access 2 */
	"SYSCALL[18455,1](334) unimplemented (by the kernel) syscall: 334! (ni_syscall)\n" /* 8 */
	" --> [pre-fail] Failure(0x26) \n"				/* 9 */
	"**18455** client message\n"					/* 10 */
	" M 04033e06,1\n"						/* 11: access 3 */
	"S 00004000,4\n"						/* 12: access 4 (hand-written) */
	"==18455== Exit code:       0\n";				/* 13 */

struct seen {
	int n;
	uint64_t line[16], before[16];
	char text[16][96];
	int fail_at;			/* return -EPIPE at this line */
};

static int collect(void *ctx, const char *line, size_t len, uint64_t lineno, uint64_t before)
{
	struct seen *s = ctx;

	if (s->n < 16) {
		s->line[s->n] = lineno;
		s->before[s->n] = before;
		snprintf(s->text[s->n], sizeof(s->text[0]), "%.*s", (int)len, line);
		s->n++;
	}
	return (int)lineno == s->fail_at ? -EPIPE : 0;
}

static size_t read_all(const struct trace_options *o, struct trace_access *a, size_t cap,
		       int *rc, struct mmsim_error *err)
{
	struct trace_reader *r;
	size_t total = 0, n;

	assert_int_equal(trace_open_mem(mixed_log, sizeof(mixed_log) - 1, "mixed", o, &r, err), 0);
	/* batches of 2: lines are handed over in order across batch ends too */
	while ((*rc = trace_next_batch(r, a + total, cap - total < 2 ? cap - total : 2, &n,
				       err)) == 0 && n)
		total += n;
	total += *rc ? n : 0;
	trace_close(r);
	return total;
}

static void test_valgrind_lines(void **state)
{
	struct trace_access a[16];
	struct mmsim_error err = { 0 };
	struct seen s = { 0 };
	int rc;

	(void)state;
	/* without a callback: valgrind's lines are skipped, strictly (no skip_bad) */
	assert_int_equal(read_all(NULL, a, 16, &rc, &err), 5);
	assert_int_equal(rc, 0);
	assert_int_equal(a[0].kind, TRACE_IFETCH);
	assert_int_equal(a[0].line, 4);
	assert_int_equal(a[1].kind, TRACE_STORE);
	assert_int_equal(a[1].addr, 0x1fff000628);
	assert_int_equal(a[2].kind, TRACE_LOAD);
	assert_int_equal(a[3].kind, TRACE_MODIFY);
	assert_int_equal(a[3].line, 11);
	assert_int_equal(a[4].kind, TRACE_STORE);
	assert_int_equal(a[4].addr, 0x4000);
	assert_int_equal(a[4].size, 4);

	/* with one: every valgrind line, in order, with the accesses before it */
	struct trace_options o = { .other_line = collect, .other_ctx = &s };
	assert_int_equal(read_all(&o, a, 16, &rc, &err), 5);
	assert_int_equal(rc, 0);
	assert_int_equal(s.n, 8);
	static const uint64_t lines[8] = { 1, 2, 3, 6, 8, 9, 10, 13 };
	static const uint64_t before[8] = { 0, 0, 0, 2, 3, 3, 3, 5 };
	for (int i = 0; i < 8; i++) {
		assert_int_equal(s.line[i], lines[i]);
		assert_int_equal(s.before[i], before[i]);
	}
	assert_string_equal(s.text[3], "SYSCALL[18455,1](12) sys_brk ( 0x0 ) --> [pre-success] "
			    "Success(0x4035000) ");
	assert_string_equal(s.text[5], " --> [pre-fail] Failure(0x26) ");

	/* a callback's error stops the reader at that line, with the file and line */
	memset(&s, 0, sizeof(s));
	s.fail_at = 8;
	assert_int_equal(read_all(&o, a, 16, &rc, &err), 3);
	assert_int_equal(rc, -EPIPE);
	assert_string_equal(err.file, "mixed");
	assert_int_equal(err.line, 8);
	assert_non_null(strstr(err.msg, "SYSCALL[18455,1](334)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vgcall_forms),
		cmocka_unit_test(test_valgrind_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

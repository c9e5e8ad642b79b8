/*
 * libFuzzer target: the strace reader and the single-line parser on arbitrary bytes.
 * Beyond "no crash, no leak" it checks the parser's promises: a failure fills the error with
 * a line and a column inside the line and leaves nothing to release; every event yielded
 * passes strace_event_validate; decoded calls have at most SYS_MAX_ARGS arguments.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "input/strace.h"
#include "mmsim/mmsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(const struct strace_event *ev)
{
	struct mmsim_error err = { 0 };
	if (strace_event_validate(ev, &err))
		abort();
	if (ev->decoded && (ev->call.nargs < 0 || ev->call.nargs > SYS_MAX_ARGS))
		abort();
	for (char **a = ev->call.argv; a && *a; a++)
		(void)strlen(*a);
	for (char **e = ev->call.envp; e && *e; e++)
		(void)strlen(*e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strace_reader *r = NULL;
	struct strace_event ev;
	struct mmsim_error err = { 0 };
	int rc, guard = 0;

	if (strace_reader_from_string("fuzz", (const char *)data, size, &r, &err))
		return 0;
	while ((rc = strace_reader_next(r, &ev, &err)) != 0 && guard++ < 100000) {
		if (rc < 0) {
			if (!err.msg[0] || err.line < 0)
				abort();
			continue;
		}
		check_event(&ev);
		strace_event_release(&ev);
	}
	strace_reader_free(r);

	/* the first line alone through the single-line parser (the scenario language's door) */
	size_t n = 0;
	while (n < size && data[n] != '\n')
		n++;
	struct strace_parse_opts o = { .file = "fuzz", .line = 1 };
	memset(&err, 0, sizeof(err));
	rc = strace_parse_line((const char *)data, n, &o, &ev, &err);
	if (rc == 0) {
		check_event(&ev);
		strace_event_release(&ev);
	} else if (err.column < 1 || (size_t)err.column > n + 1 || ev.mem) {
		abort();
	}
	return 0;
}

/*
 * libFuzzer target: the memory-access trace readers (src/input/trace.c) on arbitrary bytes,
 * plain or compressed (the magic bytes pick the decoder, so gzip and zstd inputs in the
 * corpus reach zlib and libzstd). The first byte picks the options: the format (auto,
 * lackey, page), skip_bad, and a small text window (so lines cross refills and overlong
 * lines occur). Beyond "no crash, no leak" it checks the reader's promises: every access
 * yielded passes trace_access_validate and comes in line order; the reader passes
 * trace_reader_validate after every batch; a failure fills the error with the file and,
 * for a bad line, a line and a column >= 1; an error sticks.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "input/trace.h"
#include "mmsim/mmsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t windows[4] = { 0, 16, 37, 4096 };
	struct trace_options o = { 0 };
	struct trace_reader *r;
	struct trace_access buf[13];
	struct mmsim_error err = { 0 };
	uint64_t last_line = 0;
	size_t n;
	int rc;

	if (size < 1)
		return 0;
	o.format = (enum trace_format)(data[0] % 3);
	o.skip_bad = data[0] & 4;
	o.window = windows[(data[0] >> 3) & 3];
	if (trace_open_mem(data + 1, size - 1, "fuzz", &o, &r, &err))
		return 0;
	for (;;) {
		rc = trace_next_batch(r, buf, 1 + data[0] % 13, &n, &err);
		if (trace_reader_validate(r, NULL))
			abort();
		for (size_t i = 0; i < n; i++) {
			if (trace_access_validate(&buf[i], NULL) || buf[i].line <= last_line)
				abort();
			last_line = buf[i].line;
		}
		if (rc || n == 0)
			break;
	}
	if (rc) {
		if (rc != -EINVAL && rc != -ENOMEM && rc != -EIO)
			abort();
		if (strcmp(err.file, "fuzz") || !err.msg[0] || err.line < 1 || err.column < 0)
			abort();
		size_t again;
		if (trace_next_batch(r, buf, 1, &again, NULL) != rc || again)
			abort();
	}
	trace_close(r);
	return 0;
}

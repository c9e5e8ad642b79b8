/*
 * The memory-access trace readers (src/input/trace.c): a real valgrind lackey log
 * (tests/data/traces/true-lackey.log, recorded on the development machine) and a public
 * page trace read field by field; every line form the grammar accepts; malformed lines with
 * their exact line and column; gzip and zstd (made here with zlib and libzstd) read equal
 * to the plain text, from memory, from a file and from stdin; small text windows (lines
 * split across refills); the public traces in shared/traces/ counted against their README.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "mmsim/mmsim.h"
#include "input/trace.h"

#define DATA MMSIM_SOURCE_DIR "/tests/data/traces/"
#define SHARED MMSIM_SHARED_DIR "/traces/"

/* Everything a reader yields, and how it ended. */
struct all {
	struct trace_access *a;
	size_t n;
	int rc;
	struct mmsim_error err;
	struct trace_stats st;
	enum trace_format fmt;
	enum trace_compression comp;
};

/* Drain r in batches of cap into out, validating the reader after each batch; closes r. */
static void drain(struct trace_reader *r, size_t cap, struct all *out)
{
	struct trace_access *b = malloc(cap * sizeof(*b));
	size_t n, room = 0;

	assert_non_null(b);
	memset(out, 0, sizeof(*out));
	for (;;) {
		out->rc = trace_next_batch(r, b, cap, &n, &out->err);
		struct mmsim_error verr = { 0 };
		if (trace_reader_validate(r, &verr))
			fail_msg("%s", verr.msg);
		assert_true(n <= cap);
		if (out->n + n > room) {
			room = (out->n + n) * 2 + 16;
			out->a = realloc(out->a, room * sizeof(*out->a));
			assert_non_null(out->a);
		}
		for (size_t i = 0; i < n; i++)
			assert_int_equal(trace_access_validate(&b[i], NULL), 0);
		if (n)
			memcpy(out->a + out->n, b, n * sizeof(*b));
		out->n += n;
		if (out->rc || n == 0)
			break;
	}
	trace_reader_stats(r, &out->st);
	out->fmt = trace_reader_format(r);
	out->comp = trace_reader_compression(r);
	trace_close(r);
	free(b);
}

/* Read len bytes of data with opt (NULL: defaults) in batches of cap. */
static void read_mem(const void *data, size_t len, const struct trace_options *opt, size_t cap,
		     struct all *out)
{
	struct trace_reader *r;
	struct mmsim_error err = { 0 };

	assert_int_equal(trace_open_mem(data, len, "mem", opt, &r, &err), 0);
	drain(r, cap, out);
}

static void read_str(const char *s, struct all *out)
{
	read_mem(s, strlen(s), NULL, 64, out);
}

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void assert_same(const struct all *x, const struct all *y)
{
	assert_int_equal(x->rc, y->rc);
	assert_int_equal(x->n, y->n);
	for (size_t i = 0; i < x->n; i++) {	/* field by field: padding is not compared */
		assert_int_equal(x->a[i].kind, y->a[i].kind);
		assert_int_equal(x->a[i].addr, y->a[i].addr);
		assert_int_equal(x->a[i].size, y->a[i].size);
		assert_int_equal(x->a[i].line, y->a[i].line);
	}
}

static void assert_access(const struct trace_access *a, enum trace_kind kind, uint64_t addr,
			  uint32_t size, uint64_t line)
{
	assert_int_equal(a->kind, kind);
	assert_int_equal(a->addr, addr);
	assert_int_equal(a->size, size);
	assert_int_equal(a->line, line);
}

/* ---- a real valgrind log ---------------------------------------------------------------- */

/*
 * tests/data/traces/true-lackey.log: counts from
 *   awk '/^I  /{i++} /^ L /{l++} /^ S /{s++} /^ M /{m++}' true-lackey.log
 * = I 26, L 1, S 12, M 1; first access on line 7 ("I  0401ab70,3"), last on line 46
 * (" S 04033ae0,8"); 63 lines.
 */
static void test_lackey_real_log(void **state)
{
	struct trace_reader *r;
	struct mmsim_error err = { 0 };
	struct all all;
	size_t count[4] = { 0 };

	(void)state;
	assert_int_equal(trace_open(DATA "true-lackey.log", NULL, &r, &err), 0);
	drain(r, 7, &all);
	assert_int_equal(all.rc, 0);
	assert_int_equal(all.fmt, TRACE_FORMAT_LACKEY);
	assert_int_equal(all.comp, TRACE_PLAIN);
	assert_int_equal(all.n, 40);
	for (size_t i = 0; i < all.n; i++)
		count[all.a[i].kind]++;
	assert_int_equal(count[TRACE_IFETCH], 26);
	assert_int_equal(count[TRACE_LOAD], 1);
	assert_int_equal(count[TRACE_STORE], 12);
	assert_int_equal(count[TRACE_MODIFY], 1);
	assert_access(&all.a[0], TRACE_IFETCH, 0x0401ab70, 3, 7);
	assert_access(&all.a[2], TRACE_STORE, 0x1fff000628, 8, 9);
	assert_access(&all.a[25], TRACE_STORE, 0x1fff0005a0, 16, 32);
	assert_access(&all.a[39], TRACE_STORE, 0x04033ae0, 8, 46);
	assert_int_equal(all.st.lines, 63);
	assert_int_equal(all.st.accesses, 40);
	assert_int_equal(all.st.skipped, 0);
	free(all.a);
}

/* The public page trace: its 12 lines, as `cat` shows them. */
static void test_page_trace_file(void **state)
{
	struct trace_reader *r;
	struct all all;

	(void)state;
	assert_int_equal(trace_open(DATA "vmsim-trace1", NULL, &r, NULL), 0);
	drain(r, 4096, &all);
	assert_int_equal(all.rc, 0);
	assert_int_equal(all.fmt, TRACE_FORMAT_PAGE);
	assert_int_equal(all.n, 12);
	assert_access(&all.a[0], TRACE_STORE, 0x0, 1, 1);
	assert_access(&all.a[1], TRACE_LOAD, 0x1000, 1, 2);
	assert_access(&all.a[7], TRACE_STORE, 0x3008, 1, 8);
	assert_access(&all.a[11], TRACE_LOAD, 0x2004, 1, 12);
	free(all.a);
}

/* ---- line forms ------------------------------------------------------------------------- */

static void test_lackey_forms(void **state)
{
	struct all all;

	(void)state;
	read_str("# a comment\n"
		 "\n"
		 "I  0401ab70,3\n"		/* valgrind's own forms */
		 " L 1fff000628,8\n"
		 " S 04033ad0,16\n"
		 " M 04033e06,1\n"
		 "I 00004000,1\n"		/* hand-written: one space, none in front */
		 "S 00004000,4\n"
		 " L 10,4 \n"			/* trailing space (CS:APP traces) */
		 " L 0xABCDEF,2\r\n"		/* CRLF, 0x, upper case */
		 " S 0422cac0,123\n"		/* a size of three digits */
		 "--8465-- Reading syms from /usr/bin/true\n"
		 "**8465** a client message\n"
		 "   \t\n"
		 " L ffffffffffffffff,4294967295", &all);	/* no final newline */
	assert_int_equal(all.rc, 0);
	assert_int_equal(all.fmt, TRACE_FORMAT_LACKEY);
	assert_int_equal(all.n, 10);
	assert_access(&all.a[0], TRACE_IFETCH, 0x0401ab70, 3, 3);
	assert_access(&all.a[1], TRACE_LOAD, 0x1fff000628, 8, 4);
	assert_access(&all.a[2], TRACE_STORE, 0x04033ad0, 16, 5);
	assert_access(&all.a[3], TRACE_MODIFY, 0x04033e06, 1, 6);
	assert_access(&all.a[4], TRACE_IFETCH, 0x4000, 1, 7);
	assert_access(&all.a[5], TRACE_STORE, 0x4000, 4, 8);
	assert_access(&all.a[6], TRACE_LOAD, 0x10, 4, 9);
	assert_access(&all.a[7], TRACE_LOAD, 0xabcdef, 2, 10);
	assert_access(&all.a[8], TRACE_STORE, 0x0422cac0, 123, 11);
	assert_access(&all.a[9], TRACE_LOAD, UINT64_MAX, UINT32_MAX, 15);
	assert_int_equal(all.st.lines, 15);
	free(all.a);
}

static void test_page_forms(void **state)
{
	struct all all;

	(void)state;
	read_str("0041f7a0 R\n"
		 "0x0041F7A0 w\n"
		 "000800C W\n"			/* upper-case digits (vmsim-small/trace3) */
		 "# comment\n"
		 "  13f5e2c0\tr  \r\n"
		 "\n"
		 "ffffffffffffffff W", &all);
	assert_int_equal(all.rc, 0);
	assert_int_equal(all.fmt, TRACE_FORMAT_PAGE);
	assert_int_equal(all.n, 5);
	assert_access(&all.a[0], TRACE_LOAD, 0x0041f7a0, 1, 1);
	assert_access(&all.a[1], TRACE_STORE, 0x0041f7a0, 1, 2);
	assert_access(&all.a[2], TRACE_STORE, 0x800c, 1, 3);
	assert_access(&all.a[3], TRACE_LOAD, 0x13f5e2c0, 1, 5);
	assert_access(&all.a[4], TRACE_STORE, UINT64_MAX, 1, 7);
	free(all.a);
}

static void test_detect_and_force(void **state)
{
	struct trace_options lackey = { .format = TRACE_FORMAT_LACKEY };
	struct trace_options page = { .format = TRACE_FORMAT_PAGE };
	struct all all;
	const char *t;

	(void)state;
	read_str("", &all);			/* empty: nothing, no error, no format */
	assert_int_equal(all.rc, 0);
	assert_int_equal(all.n, 0);
	assert_int_equal(all.fmt, TRACE_FORMAT_AUTO);
	read_str("# only\n\n", &all);
	assert_int_equal(all.rc, 0);
	assert_int_equal(all.n, 0);
	free(all.a);

	read_str("==1== header\n 0041f7a0 R\n", &all);	/* valgrind line: lackey */
	assert_int_equal(all.rc, -EINVAL);
	assert_int_equal(all.fmt, TRACE_FORMAT_LACKEY);
	assert_int_equal(all.err.line, 2);
	assert_int_equal(all.err.column, 2);
	free(all.a);

	t = " L 10,4\n";
	read_mem(t, strlen(t), &page, 16, &all);	/* forced: the line is then wrong */
	assert_int_equal(all.rc, -EINVAL);
	assert_int_equal(all.err.column, 2);
	assert_non_null(strstr(all.err.msg, "expected a hexadecimal address, found 'L'"));
	free(all.a);
	t = "0041f7a0 R\n";
	read_mem(t, strlen(t), &lackey, 16, &all);
	assert_int_equal(all.rc, -EINVAL);
	assert_int_equal(all.err.column, 1);
	assert_non_null(strstr(all.err.msg, "I, L, S or M"));
	free(all.a);

	read_str("\n# c\nhello world\n", &all);	/* neither */
	assert_int_equal(all.rc, -EINVAL);
	assert_int_equal(all.err.line, 3);
	assert_int_equal(all.err.column, 1);
	assert_non_null(strstr(all.err.msg, "page-trace line"));
	free(all.a);

	enum trace_format f;
	assert_int_equal(trace_format_parse("vmsim", &f), 0);
	assert_int_equal(f, TRACE_FORMAT_PAGE);
	assert_int_equal(trace_format_parse("lackey", &f), 0);
	assert_int_equal(f, TRACE_FORMAT_LACKEY);
	assert_int_equal(trace_format_parse("dinero", &f), -EINVAL);
	assert_string_equal(trace_kind_name(TRACE_MODIFY), "modify");
}

/* ---- malformed input -------------------------------------------------------------------- */

struct bad {
	const char *text;
	int line, column;
	const char *msg;
	size_t before;		/* accesses yielded before the error */
};

static const struct bad bad_lines[] = {
	{ " L 10,4\n L 0422cac\n", 2, 11, "expected ',' and the size after the address, "
	  "found the end of the line", 1 },
	{ " L 0422cac", 1, 11, "found the end of the line", 0 },	/* truncated last line */
	{ " L zz,4\n", 1, 4, "expected a hexadecimal address, found 'z'", 0 },
	{ " L ,4\n", 1, 4, "expected a hexadecimal address, found ','", 0 },
	{ " L 10,0\n", 1, 7, "expected a size of at least 1 byte, found '0'", 0 },
	{ " L 10,\n", 1, 7, "expected a decimal size after ',', found the end of the line", 0 },
	{ " L 10,4x\n", 1, 8, "expected the end of the line after the size, found 'x'", 0 },
	{ " L 10,4 5\n", 1, 9, "the end of the line after the size", 0 },
	{ " L 10,-4\n", 1, 7, "expected a decimal size after ','", 0 },
	{ " L 10,4294967296\n", 1, 7, "a size of at most 4294967295 bytes", 0 },
	{ " L 10000000000000000,4\n", 1, 4, "an address of at most 64 bits", 0 },
	{ " L 10,4\n LX 10,4\n", 2, 3, "expected a space after the access kind, found 'X'", 1 },
	{ " LX 10,4\n", 1, 2, "expected a valgrind lackey line", 0 },	/* tells nothing */
	{ " L 10,4\n X 10,4\n", 2, 2, "expected an access kind: I, L, S or M", 1 },
	{ " L 10,4\n\x01\n", 2, 1, "found byte 0x01", 1 },
	{ " L 10,4\n==12 oops\n", 2, 1, "a valgrind line", 1 },
	{ " L 10,4\n L 20,4\n\n L 30;4\n", 4, 6, "expected ',' and the size", 2 },
	/* valgrind's exact forms (the fast path) that go wrong late in the line */
	{ " L 0422cac0,0\n", 1, 13, "expected a size of at least 1 byte, found '0'", 0 },
	{ " L 0422cac0,00\n", 1, 13, "expected a size of at least 1 byte", 0 },
	{ "I  0401ab70,3x\n", 1, 14, "expected the end of the line after the size, found 'x'", 0 },
	{ "I  0401ab70,\n", 1, 13, "expected a decimal size after ','", 0 },
	{ "I  0401ab70;3\n", 1, 12, "expected ',' and the size after the address, found ';'", 0 },
	{ " L 10000000000000000,4\n", 1, 4, "an address of at most 64 bits", 0 },
	{ "0041f7a0 R\n0041f7a0 X\n", 2, 10, "expected R or W after the address", 1 },
	{ "0041f7a0 R\n0041f7a0\n", 2, 9, "expected a space, then R or W, after the address", 1 },
	{ "0041f7a0 X\n", 1, 10, "expected R or W after the address, found 'X'", 0 },
	{ "0041f7a0 RW\n", 1, 11, "expected the end of the line after R or W, found 'W'", 0 },
	{ "0041g7a0 R\n", 1, 5, "expected a space, then R or W, after the address, found 'g'",
	  0 },
	{ "0x R\n", 1, 2, "expected a space, then R or W", 0 },
};

static void test_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		const struct bad *b = &bad_lines[i];
		struct trace_reader *r;
		struct trace_access buf[8];
		struct mmsim_error err = { 0 };
		size_t n = 99;
		int rc;

		assert_int_equal(trace_open_mem(b->text, strlen(b->text), "bad.trace", NULL, &r,
						&err), 0);
		rc = trace_next_batch(r, buf, 8, &n, &err);
		if (rc != -EINVAL || err.line != b->line || err.column != b->column ||
		    !strstr(err.msg, b->msg) || n != b->before)
			fprintf(stderr, "case %zu: rc %d n %zu %s:%d:%d: %s\n", i, rc, n, err.file,
				err.line, err.column, err.msg);
		assert_int_equal(rc, -EINVAL);
		assert_string_equal(err.file, "bad.trace");
		assert_int_equal(err.line, b->line);
		assert_int_equal(err.column, b->column);
		assert_non_null(strstr(err.msg, b->msg));
		assert_int_equal(n, b->before);
		/* the error sticks, with nothing more */
		memset(&err, 0, sizeof(err));
		assert_int_equal(trace_next_batch(r, buf, 8, &n, &err), -EINVAL);
		assert_int_equal(n, 0);
		assert_int_equal(err.line, b->line);
		assert_int_equal(trace_reader_validate(r, NULL), 0);
		trace_close(r);
	}
}

/* skip_bad: a program's output inside valgrind's log (as in shared/traces/lackey-ext/ls). */
static void test_skip_bad(void **state)
{
	const char *t = "I  04001000,2\ntotal 9624\n-rwxr-xr-x 1 root root a.out\n"
			"I  04001002,1\n L 10,0\n L 10,4\n";
	struct trace_options o = { .skip_bad = true };
	struct all all;

	(void)state;
	read_mem(t, strlen(t), &o, 2, &all);
	assert_int_equal(all.rc, 0);
	assert_int_equal(all.n, 3);
	assert_int_equal(all.st.skipped, 3);
	assert_int_equal(all.st.first_skipped, 2);
	assert_access(&all.a[2], TRACE_LOAD, 0x10, 4, 6);
	free(all.a);
	/* and before the format is known */
	t = "hello\n0041f7a0 R\n";
	read_mem(t, strlen(t), &o, 2, &all);
	assert_int_equal(all.rc, 0);
	assert_int_equal(all.n, 1);
	assert_int_equal(all.st.skipped, 1);
	assert_access(&all.a[0], TRACE_LOAD, 0x41f7a0, 1, 2);
	free(all.a);
}

/* ---- text windows and batch sizes ------------------------------------------------------- */

static void test_windows_and_batches(void **state)
{
	size_t len;
	char *text = read_file(DATA "true-lackey.log", &len);
	struct all ref, all;

	(void)state;
	read_mem(text, len, NULL, 4096, &ref);
	assert_int_equal(ref.n, 40);
	static const size_t windows[] = { 17, 18, 31, 64, 100, 4096 };
	for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
		/* 17: the longest access line (" S 1fff0005a0,16\n") just fits; valgrind
		 * lines longer than the window are skipped whole */
		struct trace_options o = { .window = windows[w] };
		read_mem(text, len, &o, 3, &all);
		assert_same(&ref, &all);
		assert_int_equal(all.st.lines, 63);
		free(all.a);
	}
	read_mem(text, len, NULL, 1, &all);
	assert_same(&ref, &all);
	free(all.a);

	/* an access line longer than the window is an error, even if it were valid */
	const char *t = " L 10,4\n L 00000000000000000000000000000010,4\n";
	struct trace_options o = { .window = 16 };
	read_mem(t, strlen(t), &o, 8, &all);
	assert_int_equal(all.rc, -EINVAL);
	assert_int_equal(all.n, 1);
	assert_int_equal(all.err.line, 2);
	assert_non_null(strstr(all.err.msg, "a line longer than 16 bytes"));
	free(all.a);
	free(text);
	free(ref.a);
}

/* ---- compression ------------------------------------------------------------------------ */

/* gzip (one member) of src; *out malloc'ed. */
static size_t gzip(const void *src, size_t len, unsigned char **out)
{
	z_stream zs = { 0 };
	size_t cap = len + len / 2 + 128;

	*out = malloc(cap);
	assert_non_null(*out);
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)src;
	zs.avail_in = (unsigned)len;
	zs.next_out = *out;
	zs.avail_out = (unsigned)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	deflateEnd(&zs);
	return zs.total_out;
}

static size_t zstd(const void *src, size_t len, unsigned char **out)
{
	size_t cap = ZSTD_compressBound(len), n;
	ZSTD_CCtx *cc = ZSTD_createCCtx();

	*out = malloc(cap);
	assert_non_null(*out);
	assert_non_null(cc);
	/* with the checksum, as the zstd tool writes by default: corruption is then detected */
	assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)));
	n = ZSTD_compress2(cc, *out, cap, src, len);
	assert_false(ZSTD_isError(n));
	ZSTD_freeCCtx(cc);
	return n;
}

/* Write len bytes to a new temporary file; returns its descriptor at offset 0. */
static int temp_file(const void *data, size_t len, char *path)
{
	strcpy(path, "/tmp/mmsim-test-trace-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void test_compressed_equals_plain(void **state)
{
	size_t len, zl, gl;
	char *text = read_file(DATA "true-lackey.log", &len);
	unsigned char *gz, *zs;
	struct all ref, all;
	char path[64];

	(void)state;
	read_mem(text, len, NULL, 4096, &ref);
	gl = gzip(text, len, &gz);
	zl = zstd(text, len, &zs);
	for (int w = 0; w < 2; w++) {
		struct trace_options o = { .window = w ? 17 : 0 };
		read_mem(gz, gl, &o, 5, &all);
		assert_int_equal(all.comp, TRACE_GZIP);
		assert_same(&ref, &all);
		assert_int_equal(all.st.bytes, len);
		free(all.a);
		read_mem(zs, zl, &o, 5, &all);
		assert_int_equal(all.comp, TRACE_ZSTD);
		assert_same(&ref, &all);
		free(all.a);
	}
	/* from a file, detected by content: the name says nothing */
	struct trace_reader *r;
	int fd = temp_file(zs, zl, path);
	close(fd);
	assert_int_equal(trace_open(path, NULL, &r, NULL), 0);
	drain(r, 4096, &all);
	assert_int_equal(all.comp, TRACE_ZSTD);
	assert_same(&ref, &all);
	free(all.a);
	unlink(path);

	/* two members / two frames, as `cat a.gz b.gz` makes: the text twice */
	for (int z = 0; z < 2; z++) {
		unsigned char *one = z ? zs : gz;
		size_t l = z ? zl : gl;
		unsigned char *two = malloc(2 * l);
		memcpy(two, one, l);
		memcpy(two + l, one, l);
		read_mem(two, 2 * l, NULL, 4096, &all);
		assert_int_equal(all.rc, 0);
		assert_int_equal(all.n, 2 * ref.n);
		assert_int_equal(all.a[40].line, 63 + 7);
		free(all.a);

		/* truncated: every access before the cut, then an error */
		read_mem(one, l - 9, NULL, 4096, &all);
		assert_int_equal(all.rc, -EINVAL);
		assert_non_null(strstr(all.err.msg, "ends early"));
		assert_string_equal(all.err.file, "mem");
		free(all.a);

		/* corrupt in the middle; trailing garbage after a complete stream */
		memcpy(two, one, l);
		memset(two + l / 2, 0x55, 8);
		read_mem(two, l, NULL, 4096, &all);
		assert_int_equal(all.rc, -EINVAL);
		assert_non_null(strstr(all.err.msg, "corrupt"));
		free(all.a);
		memcpy(two, one, l);
		memcpy(two + l, "junk", 4);
		read_mem(two, l + 4, NULL, 4096, &all);
		assert_int_equal(all.rc, -EINVAL);
		assert_int_equal(all.n, ref.n);
		assert_non_null(strstr(all.err.msg, "corrupt"));
		free(all.a);
		free(two);
	}
	free(gz);
	free(zs);
	free(text);
	free(ref.a);
}

/* "-" reads standard input: plain, and gzip through a pipe (magic bytes from short reads). */
static void test_stdin(void **state)
{
	size_t len, gl;
	char *text = read_file(DATA "vmsim-trace1", &len);
	unsigned char *gz;
	struct trace_reader *r;
	struct all ref, all;
	char path[64];
	int saved = dup(STDIN_FILENO), fd, p[2];

	(void)state;
	read_mem(text, len, NULL, 4096, &ref);
	fd = temp_file(text, len, path);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	unlink(path);
	assert_int_equal(trace_open("-", NULL, &r, NULL), 0);
	drain(r, 4096, &all);
	assert_same(&ref, &all);
	free(all.a);
	assert_true(fcntl(STDIN_FILENO, F_GETFD) >= 0);	/* still open */

	gl = gzip(text, len, &gz);
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {				/* the writer: one byte at a time */
		close(p[0]);
		for (size_t i = 0; i < gl; i++)
			if (write(p[1], gz + i, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);
	struct mmsim_error err = { 0 };
	assert_int_equal(trace_open("-", NULL, &r, &err), 0);
	drain(r, 4096, &all);
	assert_int_equal(all.comp, TRACE_GZIP);
	assert_same(&ref, &all);
	free(all.a);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	free(gz);
	free(text);
	free(ref.a);
}

static void test_open_errors(void **state)
{
	struct trace_reader *r = (void *)1;
	struct mmsim_error err = { 0 };

	(void)state;
	assert_int_equal(trace_open("/nonexistent/x.trace", NULL, &r, &err), -ENOENT);
	assert_null(r);
	assert_string_equal(err.file, "/nonexistent/x.trace");
	assert_non_null(strstr(err.msg, "cannot open"));
	trace_close(NULL);
}

/* ---- the public traces, against the counts their README gives ---------------------------- */

static void count_file(const char *path, const struct trace_options *o, uint64_t count[4],
		       struct trace_stats *st)
{
	struct trace_reader *r;
	struct trace_access b[4096];
	size_t n;

	memset(count, 0, 4 * sizeof(*count));
	assert_int_equal(trace_open(path, o, &r, NULL), 0);
	while (trace_next_batch(r, b, 4096, &n, NULL) == 0 && n)
		for (size_t i = 0; i < n; i++)
			count[b[i].kind]++;
	trace_reader_stats(r, st);
	trace_close(r);
}

static void test_shared_traces(void **state)
{
	uint64_t c[4];
	struct trace_stats st;
	struct trace_options skip = { .skip_bad = true };

	(void)state;
	if (access(SHARED "lackey-ext/gcc.trace.gz", R_OK))
		skip();
	/* "1,711,823 lines (1,711,763 accesses: 1,331,724 I, 268,774 L, 108,779 S, 2,486 M)" */
	count_file(SHARED "lackey-ext/gcc.trace.gz", NULL, c, &st);
	assert_int_equal(c[TRACE_IFETCH], 1331724);
	assert_int_equal(c[TRACE_LOAD], 268774);
	assert_int_equal(c[TRACE_STORE], 108779);
	assert_int_equal(c[TRACE_MODIFY], 2486);
	assert_int_equal(st.lines, 1711823);
	/* "bzip has 877,581 R / 122,419 W" */
	count_file(SHARED "vmsim/bzip.trace.gz", NULL, c, &st);
	assert_int_equal(c[TRACE_LOAD], 877581);
	assert_int_equal(c[TRACE_STORE], 122419);
	/* ls -l's own four lines of output sit inside the log (lines 761186-761189) */
	count_file(SHARED "lackey-ext/ls.trace.gz", &skip, c, &st);
	assert_int_equal(st.skipped, 4);
	assert_int_equal(st.first_skipped, 761186);
	assert_int_equal(st.lines, 766453);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lackey_real_log),
		cmocka_unit_test(test_page_trace_file),
		cmocka_unit_test(test_lackey_forms),
		cmocka_unit_test(test_page_forms),
		cmocka_unit_test(test_detect_and_force),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_skip_bad),
		cmocka_unit_test(test_windows_and_batches),
		cmocka_unit_test(test_compressed_equals_plain),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_shared_traces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

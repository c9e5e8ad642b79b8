/*
 * Memory-access trace readers (see trace.h). The lackey forms are those valgrind's
 * lackey/lk_main.c prints (trace_instr: "I  %08lx,%lu", trace_load/trace_store/trace_modify:
 * " L", " S", " M"); valgrind's own log lines carry the prefixes coregrind/m_libcprint.c
 * gives them ("==PID==" user messages, "--PID--" debug messages, "**PID**" client messages).
 *
 * The reader is three layers: a byte source (a descriptor or a buffer, raw), a decoder
 * (copy, zlib inflate, or zstd) that fills a text window, and the line parser, which runs
 * over the window's complete lines without bounds checks: every line in [pos, limit) ends
 * in '\n', and every field scanner stops at '\n'.
 */
#include "input/trace.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include "mmsim/mmsim.h"
#include "util/error.h"

#define TRACE_WINDOW	(1u << 20)	/* default text window, and the longest line */
#define TRACE_WINDOW_MIN 16
#define TRACE_IN	(1u << 17)	/* compressed bytes read at a time */
#define TRACE_PAD	16		/* readable bytes after the window, for hex8 */

/*
 * Invariants (trace_reader_validate):
 * - 0 <= pos <= limit <= end <= wcap + 1; buf has wcap + 1 + TRACE_PAD bytes (room for a
 *   final '\n', and for the fast paths' reads past a line);
 * - limit == pos, or buf[limit - 1] == '\n' and [pos, limit) holds only whole lines;
 * - in_pos <= in_end, and in is the caller's buffer (mem != NULL) or TRACE_IN bytes of ours;
 * - comp names the decoder whose state is set up (zs for gzip, zd for zstd);
 * - st.accesses counts what trace_next_batch handed out; st.first_skipped is 0 iff
 *   st.skipped is 0;
 * - error is 0 or a negative errno, and then saved holds its message.
 */
struct trace_reader {
	char name[256];
	int fd;				/* -1 for a buffer */
	bool close_fd;			/* not for stdin */
	const unsigned char *mem;	/* the caller's buffer, or NULL */
	unsigned char *in;		/* raw bytes: our buffer, or mem */
	size_t in_pos, in_end;
	bool in_eof;			/* no raw bytes beyond in_end */

	enum trace_compression comp;
	z_stream zs;
	bool zs_member_done;		/* the last gzip member ended cleanly */
	ZSTD_DStream *zd;
	bool zd_mid_frame;		/* a zstd frame is begun and not complete */

	char *buf;			/* the text window */
	size_t wcap, pos, limit, end;
	bool text_eof;			/* the decoder has no more text */

	struct trace_options opt;
	enum trace_format fmt;
	struct trace_stats st;
	int error;
	struct mmsim_error saved;
};

/* ---- byte source ------------------------------------------------------------------------ */

/* Read more raw bytes into in[] if it is used up; 0 or -EIO (err filled). */
static int fill_in(struct trace_reader *r, struct mmsim_error *err)
{
	if (r->in_pos < r->in_end || r->in_eof)
		return 0;
	for (;;) {
		ssize_t got = read(r->fd, r->in, TRACE_IN);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return err_set(err, -EIO, r->name, 0, 0, "cannot read: %s", strerror(errno));
		r->in_pos = 0;
		r->in_end = (size_t)got;
		r->in_eof = got == 0;
		return 0;
	}
}

/* Read until in[] holds at least want bytes or the input ends (for the magic bytes). */
static int fill_in_at_least(struct trace_reader *r, size_t want, struct mmsim_error *err)
{
	while (!r->in_eof && r->in_end < want) {
		ssize_t got = read(r->fd, r->in + r->in_end, TRACE_IN - r->in_end);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return err_set(err, -EIO, r->name, 0, 0, "cannot read: %s", strerror(errno));
		r->in_end += (size_t)got;
		r->in_eof = got == 0;
	}
	return 0;
}

/* ---- decoders: text into dst[0..cap), *got bytes (0 only at the end) ------------------- */

static int trace_fail(struct trace_reader *r, struct mmsim_error *err, int code, int column,
		      const char *msg);

static int decode_plain(struct trace_reader *r, char *dst, size_t cap, size_t *got,
			struct mmsim_error *err)
{
	*got = 0;
	if (r->in_pos < r->in_end) {
		size_t k = r->in_end - r->in_pos < cap ? r->in_end - r->in_pos : cap;
		memcpy(dst, r->in + r->in_pos, k);
		r->in_pos += k;
		*got = k;
		return 0;
	}
	while (!r->in_eof) {		/* straight into the window, no copy */
		ssize_t k = read(r->fd, dst, cap);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return err_set(err, -EIO, r->name, 0, 0, "cannot read: %s", strerror(errno));
		r->in_eof = k == 0;
		*got = (size_t)k;
		return 0;
	}
	return 0;
}

/* zlib's inflate over gzip members one after the other (RFC 1952 2.2, as gzip -d does). */
static int decode_gzip(struct trace_reader *r, char *dst, size_t cap, size_t *got,
		       struct mmsim_error *err)
{
	int rc;

	*got = 0;
	r->zs.next_out = (unsigned char *)dst;
	r->zs.avail_out = (unsigned int)cap;
	while (r->zs.avail_out == cap) {
		if (r->in_pos == r->in_end) {
			if ((rc = fill_in(r, err)))
				return rc;
			if (r->in_pos == r->in_end) {
				if (r->zs_member_done)
					break;
				return trace_fail(r, err, -EINVAL, 0,
					"the gzip data ends early (a truncated file?)");
			}
		}
		if (r->zs_member_done) {	/* another member follows */
			if (inflateReset(&r->zs) != Z_OK)
				return trace_fail(r, err, -EINVAL, 0, "cannot restart zlib");
			r->zs_member_done = false;
		}
		r->zs.next_in = r->in + r->in_pos;
		r->zs.avail_in = (unsigned int)(r->in_end - r->in_pos);
		rc = inflate(&r->zs, Z_NO_FLUSH);
		r->in_pos = r->in_end - r->zs.avail_in;
		if (rc == Z_STREAM_END) {
			r->zs_member_done = true;
		} else if (rc == Z_MEM_ERROR) {
			return err_set(err, -ENOMEM, r->name, 0, 0, "out of memory in zlib");
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			char msg[200];
			snprintf(msg, sizeof(msg), "corrupt gzip data (zlib: %s)",
				 r->zs.msg ? r->zs.msg : "error");
			return trace_fail(r, err, -EINVAL, 0, msg);
		}
	}
	*got = cap - r->zs.avail_out;
	return 0;
}

/* zstd's streaming decoder; any number of frames (zstd -d accepts concatenated frames). */
static int decode_zstd(struct trace_reader *r, char *dst, size_t cap, size_t *got,
		       struct mmsim_error *err)
{
	ZSTD_outBuffer out = { dst, cap, 0 };
	int rc;

	*got = 0;
	while (out.pos == 0) {
		if (r->in_pos == r->in_end && (rc = fill_in(r, err)))
			return rc;
		ZSTD_inBuffer in = { r->in + r->in_pos, r->in_end - r->in_pos, 0 };
		size_t ret = ZSTD_decompressStream(r->zd, &out, &in);
		r->in_pos += in.pos;
		if (ZSTD_isError(ret)) {
			char msg[200];
			snprintf(msg, sizeof(msg), "corrupt zstd data (zstd: %s)",
				 ZSTD_getErrorName(ret));
			return trace_fail(r, err, -EINVAL, 0, msg);
		}
		if (in.pos || out.pos)	/* at a frame's end, an empty call asks for a header */
			r->zd_mid_frame = ret != 0;
		if (out.pos == 0 && in.pos == 0 && r->in_pos == r->in_end && r->in_eof) {
			if (r->zd_mid_frame)
				return trace_fail(r, err, -EINVAL, 0,
					"the zstd data ends early (a truncated file?)");
			break;
		}
	}
	*got = out.pos;
	return 0;
}

static int decode(struct trace_reader *r, char *dst, size_t cap, size_t *got,
		  struct mmsim_error *err)
{
	switch (r->comp) {
	case TRACE_GZIP:
		return decode_gzip(r, dst, cap, got, err);
	case TRACE_ZSTD:
		return decode_zstd(r, dst, cap, got, err);
	default:
		return decode_plain(r, dst, cap, got, err);
	}
}

/* ---- the line grammar ------------------------------------------------------------------- */

/* Hex digit values by byte, -1 for anything else (so '\n' ends every number). */
static const signed char hexdig[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, -1, -1, -1, -1, -1, -1,
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static inline int hexval(unsigned char c)
{
	return hexdig[c];
}

/* Eight hex digits at p as a number, or -1 when one of the eight bytes is not a digit. */
static inline int64_t hex8(const unsigned char *p)
{
	int d0 = hexdig[p[0]], d1 = hexdig[p[1]], d2 = hexdig[p[2]], d3 = hexdig[p[3]];
	int d4 = hexdig[p[4]], d5 = hexdig[p[5]], d6 = hexdig[p[6]], d7 = hexdig[p[7]];

	if ((d0 | d1 | d2 | d3 | d4 | d5 | d6 | d7) < 0)
		return -1;
	return (int64_t)d0 << 28 | (int64_t)d1 << 24 | (int64_t)d2 << 20 | (int64_t)d3 << 16 |
	       (int64_t)d4 << 12 | (int64_t)d5 << 8 | (int64_t)d6 << 4 | (int64_t)d7;
}

/*
 * The fast paths: the exact forms the tools print, tried first on every line. Each reads
 * at most 11 bytes past a line's start even when the line is shorter (the window has
 * TRACE_PAD readable bytes after its end), and decides on the line's own bytes only: a
 * '\n' among the eight bytes hex8 reads makes it fail. Whatever they refuse, the full
 * parsers below read or reject with the exact column.
 */

/* valgrind's exact forms "I  %08lx,%lu\n" and " L|S|M %08lx,%lu\n" with a size of 1..99;
 * false for anything else, which parse_lackey then reads (or rejects). */
/*
 * The fast paths' address: 8 or more hex digits at *pp (the common width first, then any
 * more); false when there are fewer than 8 or the value passes 64 bits. Advances *pp.
 */
static inline bool fast_hex(const unsigned char **pp, uint64_t *out)
{
	const unsigned char *p = *pp;
	int64_t h = hex8(p);
	int x;
	if (h < 0)
		return false;
	uint64_t addr = (uint64_t)h;
	p += 8;
	while ((x = hexdig[*p]) >= 0) {
		if (addr >> 60)
			return false;
		addr = addr << 4 | (uint64_t)x;
		p++;
	}
	*pp = p;
	*out = addr;
	return true;
}

static inline bool fast_lackey(const unsigned char *s, const unsigned char **next,
			       struct trace_access *a)
{
	/* kinds by (letter - 'L'): L, M, -, -, -, -, -, S */
	static const uint8_t kinds[8] = { TRACE_LOAD, TRACE_MODIFY, 0xff, 0xff, 0xff, 0xff,
					  0xff, TRACE_STORE };
	const unsigned char *p = s + 3;
	unsigned kind, c, size, d, e;
	uint64_t addr;

	if (s[0] == 'I') {
		if (s[1] != ' ' || s[2] != ' ')
			return false;
		kind = TRACE_IFETCH;
	} else {
		c = (unsigned)s[1] - 'L';
		if (s[0] != ' ' || s[2] != ' ' || c >= 8 || (kind = kinds[c]) == 0xff)
			return false;
	}
	if (!fast_hex(&p, &addr))
		return false;
	if (*p != ',' || (d = (unsigned)p[1] - '0') > 9)
		return false;
	if (p[2] == '\n') {
		size = d;
		p += 3;
	} else {
		if ((e = (unsigned)p[2] - '0') > 9 || p[3] != '\n')
			return false;
		size = d * 10 + e;
		p += 4;
	}
	if (size == 0)
		return false;
	a->addr = addr;
	a->size = size;
	a->kind = (uint8_t)kind;
	*next = p;
	return true;
}

/* The page-trace form "%08x R\n" / "%08x W\n" (8 or more digits); false for the rest. */
static inline bool fast_page(const unsigned char *s, const unsigned char **next,
			     struct trace_access *a)
{
	const unsigned char *p = s;
	uint64_t addr;

	if (!fast_hex(&p, &addr))
		return false;
	if (p[0] != ' ' || p[2] != '\n')
		return false;
	if (p[1] == 'R')
		a->kind = TRACE_LOAD;
	else if (p[1] == 'W')
		a->kind = TRACE_STORE;
	else
		return false;
	a->addr = addr;
	a->size = 1;
	*next = p + 3;
	return true;
}

/* Why a line failed: the column (1-based) and what was expected there. */
struct line_error {
	int column;
	const char *expected;
};

enum line_result {
	LINE_ERROR = -1,
	LINE_NONE = 0,		/* blank or comment */
	LINE_ACCESS = 1,
	LINE_VALGRIND = 2,	/* one of valgrind's own lines (is_valgrind_line) */
};

static inline const unsigned char *skip_blanks(const unsigned char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static inline enum line_result line_fail(struct line_error *e, const unsigned char *s,
					 const unsigned char *p, const char *expected)
{
	e->column = (int)(p - s) + 1;
	e->expected = expected;
	return LINE_ERROR;
}

/*
 * A valgrind line at p, within [p, e): "==1234==", "--1234--", "**1234**" (the prefixes of
 * coregrind/m_libcprint.c), "--1234:1:" (the -d debug log, coregrind/m_debuglog.c),
 * "SYSCALL[1234,1](9) ..." (--trace-syscalls=yes, coregrind/m_syswrap/syswrap-main.c) and
 * that trace's continuation lines, which start with "--> " after blanks.
 */
static bool is_valgrind_line(const unsigned char *p, const unsigned char *e)
{
	unsigned char c = *p;
	const unsigned char *q = p + 2;

	if (c == 'S')
		return e - p > 9 && !memcmp(p, "SYSCALL[", 8) && p[8] >= '0' && p[8] <= '9';
	if (e - p < 5 || (c != '=' && c != '-' && c != '*') || p[1] != c)
		return false;
	if (c == '-' && p[2] == '>' && p[3] == ' ')
		return true;
	while (q < e && *q >= '0' && *q <= '9')
		q++;
	if (c == '-' && q > p + 2 && q < e && *q == ':')
		return true;
	return q > p + 2 && e - q >= 2 && q[0] == c && q[1] == c;
}

/* Blank (spaces, a '\r') up to the '\n'? */
static inline bool at_eol(const unsigned char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	return *p == '\n';
}

/* A hex address at *pp (an optional 0x first); advances *pp. NULL expected on success. */
static inline const char *parse_hex(const unsigned char **pp, uint64_t *v)
{
	const unsigned char *p = *pp;
	uint64_t x = 0;
	int d;

	if (p[0] == '0' && (p[1] | 0x20) == 'x' && hexval(p[2]) >= 0)
		p += 2;
	if (hexval(*p) < 0)
		return "a hexadecimal address";
	while ((d = hexval(*p)) >= 0) {
		if (x >> 60)
			return "an address of at most 64 bits";
		x = x << 4 | (uint64_t)d;
		p++;
	}
	*v = x;
	*pp = p;
	return NULL;
}

/*
 * One lackey line starting at s (it ends in '\n'). LINE_ACCESS fills a; LINE_NONE for a
 * blank or comment line, LINE_VALGRIND for a valgrind line; *next is the start of the
 * following line unless LINE_ERROR (then e says where and why).
 */
static inline enum line_result parse_lackey(const unsigned char *s, const unsigned char *lim,
					    const unsigned char **next, struct trace_access *a,
					    struct line_error *e)
{
	const unsigned char *p = skip_blanks(s), *q;
	const char *why;
	uint64_t size = 0;
	uint8_t kind;

	switch (*p) {
	case 'I': kind = TRACE_IFETCH; break;
	case 'L': kind = TRACE_LOAD; break;
	case 'S':
		if (p[1] == 'Y' && is_valgrind_line(p, lim))
			goto valgrind;
		kind = TRACE_STORE;
		break;
	case 'M': kind = TRACE_MODIFY; break;
	case '=': case '-': case '*':
		if (!is_valgrind_line(p, lim))
			return line_fail(e, s, p, "a valgrind line (\"==PID== ...\")");
valgrind:
		*next = (const unsigned char *)memchr(p, '\n', (size_t)(lim - p)) + 1;
		return LINE_VALGRIND;
	case '#':
		*next = (const unsigned char *)memchr(p, '\n', (size_t)(lim - p)) + 1;
		return LINE_NONE;
	case '\r': case '\n':
		if (!at_eol(p))
			return line_fail(e, s, p + 1, "the end of the line");
		*next = (const unsigned char *)memchr(p, '\n', (size_t)(lim - p)) + 1;
		return LINE_NONE;
	default:
		return line_fail(e, s, p, "an access kind: I, L, S or M (valgrind lackey)");
	}
	p++;
	if (*p != ' ' && *p != '\t')
		return line_fail(e, s, p, "a space after the access kind");
	p = skip_blanks(p);
	q = p;
	if ((why = parse_hex(&p, &a->addr)))
		return line_fail(e, s, q, why);
	if (*p != ',')
		return line_fail(e, s, p, "',' and the size after the address");
	q = ++p;
	while (*p >= '0' && *p <= '9') {
		size = size * 10 + (uint64_t)(*p - '0');
		if (size > UINT32_MAX)
			return line_fail(e, s, q, "a size of at most 4294967295 bytes");
		p++;
	}
	if (p == q)
		return line_fail(e, s, p, "a decimal size after ','");
	if (size == 0)
		return line_fail(e, s, q, "a size of at least 1 byte");
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	if (*p != '\n')
		return line_fail(e, s, p, "the end of the line after the size");
	a->size = (uint32_t)size;
	a->kind = kind;
	*next = p + 1;
	return LINE_ACCESS;
}

/* One page-trace line "ADDR R|W" starting at s; as parse_lackey. */
static inline enum line_result parse_page(const unsigned char *s, const unsigned char *lim,
					  const unsigned char **next, struct trace_access *a,
					  struct line_error *e)
{
	const unsigned char *p = skip_blanks(s), *q = p;
	const char *why;

	if (*p == '#' || at_eol(p)) {
		*next = (const unsigned char *)memchr(p, '\n', (size_t)(lim - p)) + 1;
		return LINE_NONE;
	}
	if ((why = parse_hex(&p, &a->addr)))
		return line_fail(e, s, q, why);
	if (*p != ' ' && *p != '\t')
		return line_fail(e, s, p, "a space, then R or W, after the address");
	p = skip_blanks(p);
	switch (*p | 0x20) {
	case 'r': a->kind = TRACE_LOAD; break;
	case 'w': a->kind = TRACE_STORE; break;
	default:
		return line_fail(e, s, p, "R or W after the address");
	}
	p++;
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	if (*p != '\n')
		return line_fail(e, s, p, "the end of the line after R or W");
	a->size = 1;
	*next = p + 1;
	return LINE_ACCESS;
}

/* The format of the line at s, or AUTO when it says nothing (blank, comment) or is bad. */
static enum trace_format detect_line(const unsigned char *s, const unsigned char *lim)
{
	const unsigned char *p = skip_blanks(s);

	if (is_valgrind_line(p, lim))
		return TRACE_FORMAT_LACKEY;
	if ((*p == 'I' || *p == 'L' || *p == 'S' || *p == 'M') && (p[1] == ' ' || p[1] == '\t'))
		return TRACE_FORMAT_LACKEY;
	if (hexval(*p) >= 0)
		return TRACE_FORMAT_PAGE;
	return TRACE_FORMAT_AUTO;
}

/* ---- the text window -------------------------------------------------------------------- */

/* Record err as the reader's sticky error (file, current line, column) and return code. */
static int trace_fail(struct trace_reader *r, struct mmsim_error *err, int code, int column,
		      const char *msg)
{
	uint64_t line = r->st.lines + 1;

	err_set(&r->saved, code, r->name, line > INT_MAX ? INT_MAX : (int)line, column, "%s",
		msg);
	r->error = code;
	if (err)
		*err = r->saved;
	return code;
}

/* Where the last '\n' in [from, to) is, plus one; from when there is none. */
static size_t last_line_end(const char *buf, size_t from, size_t to)
{
	const char *nl = to > from ? memrchr(buf + from, '\n', to - from) : NULL;
	return nl ? (size_t)(nl - buf) + 1 : from;
}

/* A line longer than the window: skip it if it may be skipped, or fail. */
static int overlong_line(struct trace_reader *r, struct mmsim_error *err)
{
	const unsigned char *s = (const unsigned char *)r->buf + r->pos;
	const unsigned char *p = skip_blanks(s), *e = (const unsigned char *)r->buf + r->end;
	bool quiet = p < e && (*p == '#' || is_valgrind_line(p, e));
	size_t got;
	int rc;

	if (!quiet && !r->opt.skip_bad) {
		char msg[160];
		snprintf(msg, sizeof(msg), "a line longer than %zu bytes: expected a trace line",
			 r->wcap);
		return trace_fail(r, err, -EINVAL, 1, msg);
	}
	if (!quiet && !r->st.skipped++)
		r->st.first_skipped = r->st.lines + 1;
	for (;;) {		/* drop the window until the line's '\n' */
		if ((rc = decode(r, r->buf, r->wcap, &got, err)))
			return rc;
		r->st.bytes += got;
		r->pos = r->limit = 0;
		r->end = got;
		const char *nl = memchr(r->buf, '\n', got);
		if (got == 0 || nl) {
			r->st.lines++;
			r->pos = nl ? (size_t)(nl - r->buf) + 1 : 0;
			r->limit = last_line_end(r->buf, r->pos, r->end);
			r->text_eof = got == 0;
			return 0;
		}
	}
}

/* Make [pos, limit) hold whole lines again, unless the text has ended; 0 or an error. */
static int refill(struct trace_reader *r, struct mmsim_error *err)
{
	size_t got;
	int rc;

	while (r->limit == r->pos && !r->text_eof) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->pos = r->limit = 0;
		if ((rc = decode(r, r->buf + r->end, r->wcap - r->end, &got, err)))
			return rc;
		r->st.bytes += got;
		size_t old_end = r->end;
		r->end += got;
		if (got == 0) {
			r->text_eof = true;
			if (r->end > r->pos)		/* the last line has no '\n' */
				r->buf[r->end++] = '\n';
		}
		r->limit = last_line_end(r->buf, old_end, r->end);
		if (r->limit == old_end)
			r->limit = r->pos;
		if (r->limit == r->pos && r->end == r->wcap && (rc = overlong_line(r, err)))
			return rc;
	}
	return 0;
}

/* ---- batches ---------------------------------------------------------------------------- */

/* Fill in e's message for a bad line at s, which is line number line. */
static int line_error(struct trace_reader *r, struct mmsim_error *err, const unsigned char *s,
		      const struct line_error *e, uint64_t line)
{
	const unsigned char *p = s + e->column - 1;
	char found[32], msg[300];

	if (*p == '\n' || (*p == '\r' && p[1] == '\n'))
		snprintf(found, sizeof(found), "the end of the line");
	else if (*p >= 0x20 && *p < 0x7f)
		snprintf(found, sizeof(found), "'%c'", *p);
	else
		snprintf(found, sizeof(found), "byte 0x%02x", *p);
	snprintf(msg, sizeof(msg), "expected %s, found %s", e->expected, found);
	r->st.lines = line - 1;
	return trace_fail(r, err, -EINVAL, e->column, msg);
}

/* Tell the format from the first line that says it; *next past the lines it looked at. */
static int detect(struct trace_reader *r, struct mmsim_error *err)
{
	while (r->fmt == TRACE_FORMAT_AUTO) {
		int rc = refill(r, err);
		if (rc)
			return rc;
		if (r->pos == r->limit)
			return 0;		/* empty: nothing to tell */
		const unsigned char *s = (const unsigned char *)r->buf + r->pos;
		const unsigned char *lim = (const unsigned char *)r->buf + r->limit;
		const unsigned char *p = skip_blanks(s);
		r->fmt = detect_line(s, lim);
		if (r->fmt != TRACE_FORMAT_AUTO)
			return 0;
		if (*p != '#' && !at_eol(p)) {
			if (!r->opt.skip_bad) {
				struct line_error e = { (int)(p - s) + 1,
					"a valgrind lackey line (\" L 04222cac,8\") or a "
					"page-trace line (\"0041f7a0 R\")" };
				return line_error(r, err, s, &e, r->st.lines + 1);
			}
			if (!r->st.skipped++)
				r->st.first_skipped = r->st.lines + 1;
		}
		r->pos = (size_t)((const char *)memchr(s, '\n', (size_t)(lim - s)) + 1 - r->buf);
		r->st.lines++;
	}
	return 0;
}

int trace_next_batch(struct trace_reader *r, struct trace_access *buf, size_t cap, size_t *n,
		     struct mmsim_error *err)
{
	size_t k = 0;
	int rc;

	*n = 0;
	if (r->error) {
		if (err)
			*err = r->saved;
		return r->error;
	}
	if (cap == 0)
		return err_set(err, -EINVAL, r->name, 0, 0, "a batch needs room for one access");
	if ((rc = detect(r, err)))
		return rc;
	bool lackey = r->fmt == TRACE_FORMAT_LACKEY;
	while (k < cap) {
		if (r->pos == r->limit) {
			if ((rc = refill(r, err)))
				goto out;
			if (r->pos == r->limit)
				break;		/* the end */
		}
		const unsigned char *base = (const unsigned char *)r->buf;
		const unsigned char *s = base + r->pos, *lim = base + r->limit, *next = s;
		uint64_t line = r->st.lines;
		struct line_error e;

		while (k < cap && s < lim) {
			enum line_result res;
			line++;
			buf[k].line = line;
			if (lackey ? fast_lackey(s, &next, &buf[k]) : fast_page(s, &next, &buf[k])) {
				k++;
				s = next;
				continue;
			}
			res = lackey ? parse_lackey(s, lim, &next, &buf[k], &e)
				     : parse_page(s, lim, &next, &buf[k], &e);
			if (res == LINE_ACCESS) {
				k++;
			} else if (res == LINE_VALGRIND && r->opt.other_line) {
				size_t len = (size_t)(next - s) - 1;
				const unsigned char *t = skip_blanks(s);

				if (len && s[len - 1] == '\r')
					len--;
				rc = r->opt.other_line(r->opt.other_ctx, (const char *)s, len, line,
						       r->st.accesses + k);
				if (rc) {
					char msg[160];
					int shown = (int)(len - (size_t)(t - s));

					snprintf(msg, sizeof(msg), "stopped at this valgrind line "
						 "(\"%.*s\"): %s", shown > 40 ? 40 : shown,
						 (const char *)t, mmsim_strerror(rc));
					r->pos = (size_t)(next - base);
					r->st.lines = line - 1;		/* trace_fail names line */
					rc = trace_fail(r, err, rc, 1, msg);
					r->st.lines = line;
					goto out;
				}
			} else if (res == LINE_ERROR) {
				if (!r->opt.skip_bad) {
					r->pos = (size_t)(s - base);
					rc = line_error(r, err, s, &e, line);
					goto out;
				}
				if (!r->st.skipped++)
					r->st.first_skipped = line;
				next = (const unsigned char *)memchr(s, '\n',
								     (size_t)(lim - s)) + 1;
			}
			s = next;
		}
		r->pos = (size_t)(s - base);
		r->st.lines = line;
	}
out:
	r->st.accesses += k;
	*n = k;
	return rc;
}

/* ---- opening and closing ---------------------------------------------------------------- */

/* Set up the reader around its source (fd or mem already set): detect, allocate. */
static int trace_setup(struct trace_reader *r, const struct trace_options *opt,
		       struct mmsim_error *err)
{
	static const unsigned char gz_magic[2] = { 0x1f, 0x8b };
	static const unsigned char zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	int rc;

	if (opt)
		r->opt = *opt;
	if (r->opt.format > TRACE_FORMAT_PAGE)
		return err_set(err, -EINVAL, r->name, 0, 0, "unknown trace format %d",
			       (int)r->opt.format);
	r->fmt = r->opt.format;
	r->wcap = r->opt.window ? r->opt.window : TRACE_WINDOW;
	if (r->wcap < TRACE_WINDOW_MIN)
		r->wcap = TRACE_WINDOW_MIN;
	r->buf = calloc(1, r->wcap + 1 + TRACE_PAD);	/* zeroed: fast paths read past */
	if (!r->buf)
		return err_set(err, -ENOMEM, r->name, 0, 0, "out of memory for the text window");
	if (!r->mem && (rc = fill_in_at_least(r, sizeof(zstd_magic), err)))
		return rc;
	size_t have = r->in_end - r->in_pos;
	if (have >= 2 && !memcmp(r->in, gz_magic, 2)) {
		r->comp = TRACE_GZIP;
		if (inflateInit2(&r->zs, 15 + 16) != Z_OK)	/* 16: gzip wrapper only */
			return err_set(err, -ENOMEM, r->name, 0, 0, "cannot start zlib");
	} else if (have >= 4 && !memcmp(r->in, zstd_magic, 4)) {
		r->comp = TRACE_ZSTD;
		r->zd = ZSTD_createDStream();
		if (!r->zd || ZSTD_isError(ZSTD_initDStream(r->zd)))
			return err_set(err, -ENOMEM, r->name, 0, 0, "cannot start zstd");
	}
	return 0;
}

/* A reader with nothing open yet; NULL when out of memory. */
static struct trace_reader *trace_alloc(const char *name)
{
	struct trace_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "");
	r->fd = -1;
	return r;
}

int trace_open_fd(int fd, const char *name, const struct trace_options *opt,
		  struct trace_reader **rp, struct mmsim_error *err)
{
	struct trace_reader *r = trace_alloc(name);
	int rc;

	*rp = NULL;
	if (!r) {
		close(fd);
		return err_set(err, -ENOMEM, name, 0, 0, "out of memory for a trace reader");
	}
	r->fd = fd;
	r->close_fd = fd != STDIN_FILENO;
	r->in = malloc(TRACE_IN);
	if (!r->in) {
		rc = err_set(err, -ENOMEM, name, 0, 0, "out of memory for a trace reader");
		goto out_close;
	}
	if ((rc = trace_setup(r, opt, err)))
		goto out_close;
	*rp = r;
	return 0;
out_close:
	trace_close(r);
	return rc;
}

int trace_open(const char *path, const struct trace_options *opt, struct trace_reader **rp,
	       struct mmsim_error *err)
{
	int fd;

	*rp = NULL;
	if (!strcmp(path, "-"))
		return trace_open_fd(STDIN_FILENO, "<stdin>", opt, rp, err);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, -errno, path, 0, 0, "cannot open: %s", strerror(errno));
	return trace_open_fd(fd, path, opt, rp, err);
}

int trace_open_mem(const void *data, size_t len, const char *name,
		   const struct trace_options *opt, struct trace_reader **rp,
		   struct mmsim_error *err)
{
	struct trace_reader *r = trace_alloc(name);
	int rc;

	*rp = NULL;
	if (!r)
		return err_set(err, -ENOMEM, name, 0, 0, "out of memory for a trace reader");
	r->mem = data ? data : (const void *)"";
	r->in = (unsigned char *)r->mem;
	r->in_end = len;
	r->in_eof = true;
	if ((rc = trace_setup(r, opt, err))) {
		trace_close(r);
		return rc;
	}
	*rp = r;
	return 0;
}

void trace_close(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->comp == TRACE_GZIP)
		inflateEnd(&r->zs);
	ZSTD_freeDStream(r->zd);
	if (r->close_fd && r->fd >= 0)
		close(r->fd);
	if (!r->mem)
		free(r->in);
	free(r->buf);
	free(r);
}

/* ---- queries ---------------------------------------------------------------------------- */

enum trace_format trace_reader_format(const struct trace_reader *r)
{
	return r->fmt;
}

enum trace_compression trace_reader_compression(const struct trace_reader *r)
{
	return r->comp;
}

void trace_reader_stats(const struct trace_reader *r, struct trace_stats *st)
{
	*st = r->st;
}

int trace_reader_validate(const struct trace_reader *r, struct mmsim_error *err)
{
	if (!(r->pos <= r->limit && r->limit <= r->end && r->end <= r->wcap + 1) || !r->buf)
		return err_set(err, -EUCLEAN, r->name, 0, 0,
			       "trace window out of order: pos %zu limit %zu end %zu cap %zu",
			       r->pos, r->limit, r->end, r->wcap);
	if (r->limit > r->pos && r->buf[r->limit - 1] != '\n')
		return err_set(err, -EUCLEAN, r->name, 0, 0, "trace window ends mid-line");
	if (r->in_pos > r->in_end || (r->mem && r->in != r->mem) || (!r->mem && r->fd < 0))
		return err_set(err, -EUCLEAN, r->name, 0, 0, "trace input buffer inconsistent");
	if ((r->comp == TRACE_ZSTD) != (r->zd != NULL) || r->comp > TRACE_ZSTD ||
	    r->fmt > TRACE_FORMAT_PAGE)
		return err_set(err, -EUCLEAN, r->name, 0, 0, "trace decoder state inconsistent");
	if ((r->st.skipped == 0) != (r->st.first_skipped == 0) || r->error > 0)
		return err_set(err, -EUCLEAN, r->name, 0, 0, "trace counters inconsistent");
	return 0;
}

int trace_access_validate(const struct trace_access *a, struct mmsim_error *err)
{
	if (a->kind > TRACE_IFETCH || a->size == 0 || a->line == 0)
		return err_set(err, -EUCLEAN, "", 0, 0,
			       "bad trace access: kind %u size %u line %llu", a->kind, a->size,
			       (unsigned long long)a->line);
	return 0;
}

const char *trace_kind_name(enum trace_kind k)
{
	static const char *const names[] = { "load", "store", "modify", "ifetch" };
	return (unsigned)k < 4 ? names[k] : "?";
}

const char *trace_format_name(enum trace_format f)
{
	static const char *const names[] = { "auto", "lackey", "page" };
	return (unsigned)f < 3 ? names[f] : "?";
}

const char *trace_compression_name(enum trace_compression c)
{
	static const char *const names[] = { "plain", "gzip", "zstd" };
	return (unsigned)c < 3 ? names[c] : "?";
}

int trace_format_parse(const char *s, enum trace_format *f)
{
	if (!strcmp(s, "auto"))
		*f = TRACE_FORMAT_AUTO;
	else if (!strcmp(s, "lackey"))
		*f = TRACE_FORMAT_LACKEY;
	else if (!strcmp(s, "page") || !strcmp(s, "vmsim"))
		*f = TRACE_FORMAT_PAGE;
	else
		return -EINVAL;
	return 0;
}

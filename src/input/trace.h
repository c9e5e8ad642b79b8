/*
 * Memory-access traces as input: readers that turn a trace file into batches of accesses
 * {kind, address, size, line}, fast enough for traces of billions of accesses.
 *
 * Formats (docs/traces.md has the full grammar):
 *
 *   lackey   valgrind --tool=lackey --trace-mem=yes, read straight from valgrind's log.
 *            valgrind's lackey/lk_main.c prints "I  %08lx,%lu" (instruction fetch, two
 *            spaces) and " L %08lx,%lu", " S ...", " M ..." (load, store, modify = a load
 *            then a store of the same bytes); address in hex without 0x, size in decimal.
 *            valgrind's own lines are skipped (or handed to trace_options.other_line):
 *            "==PID== ...", "--PID-- ..." and "**PID** ..." (coregrind/m_libcprint.c), the
 *            debug log's "--PID:LEVEL:..." (-d), and what --trace-syscalls=yes writes into
 *            the same log: "SYSCALL[PID,TID](NR) ..." and its continuation lines that start
 *            with " --> ". Accepted beyond that: any run of spaces/tabs around the fields,
 *            so "I 00004000,1" and "S 00004000,4" (hand-written traces) read too.
 *   page     the classic page-trace format of the course simulators ("vmsim"):
 *            "0041f7a0 R" / "0041f7a0 W", address in hex with or without 0x, either case,
 *            R/W in either case. One reference to the byte at the address (size 1).
 *
 * Both: blank lines and lines starting with '#' are skipped; a line may end in "\r\n"; the
 * last line may lack its newline. Anything else is an error (-EINVAL) naming the file, the
 * line, the 1-based column and what was expected, unless trace_options.skip_bad is set, in
 * which case the line is counted (trace_stats) and skipped (a program's own output mixed
 * into valgrind's log, as in `valgrind ... --log-fd=1 ls -l`).
 *
 * Input: a path, "-" for stdin, or a buffer in memory; plain text, gzip (RFC 1952, also
 * several members one after the other, as `cat a.gz b.gz` makes) or zstd (any number of
 * frames), told apart by their magic bytes (1f 8b; 28 b5 2f fd), never by the file name.
 * The format is told from the first line that is not blank, a comment or a valgrind line,
 * unless trace_options.format says it.
 */
#ifndef MMSIM_INPUT_TRACE_H
#define MMSIM_INPUT_TRACE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mmsim_error;

enum trace_kind {
	TRACE_LOAD,		/* lackey " L", page-trace "R" */
	TRACE_STORE,		/* lackey " S", page-trace "W" */
	TRACE_MODIFY,		/* lackey " M": a load then a store of the same bytes */
	TRACE_IFETCH,		/* lackey "I" */
};

enum trace_format {
	TRACE_FORMAT_AUTO,	/* tell from the first significant line */
	TRACE_FORMAT_LACKEY,
	TRACE_FORMAT_PAGE,
};

enum trace_compression {
	TRACE_PLAIN,
	TRACE_GZIP,
	TRACE_ZSTD,
};

/*
 * One access. 24 bytes, so a batch of 4096 is 96 KiB and stays in the L2 cache.
 * Invariants (trace_access_validate): kind is one of enum trace_kind; size >= 1;
 * line >= 1.
 */
struct trace_access {
	uint64_t addr;		/* virtual address of the first byte */
	uint64_t line;		/* 1-based line of the input it came from */
	uint32_t size;		/* bytes; 1 for the page-trace format */
	uint8_t kind;		/* enum trace_kind */
};

/*
 * Called for a valgrind line of a lackey trace (see trace_options.other_line): the line
 * without its '\n' (len bytes, not NUL-terminated), its 1-based number, and how many
 * accesses the reader handed out before it (the index the next access will have), so that
 * a caller can put the line in order among the accesses of a batch. Return 0 to go on, or
 * a negative errno, which stops the reader there (sticky, as a bad line's error).
 */
typedef int (*trace_other_fn)(void *ctx, const char *line, size_t len, uint64_t lineno,
			      uint64_t accesses_before);

struct trace_options {
	enum trace_format format;	/* TRACE_FORMAT_AUTO unless forced */
	bool skip_bad;			/* skip and count lines that do not parse */
	size_t window;			/* text window in bytes, also the longest line:
					 * 0 = 1 MiB; tests use small ones (min 16) */
	trace_other_fn other_line;	/* NULL: valgrind lines are skipped silently */
	void *other_ctx;
};

/* What a reader has seen so far. */
struct trace_stats {
	uint64_t lines;			/* newline-terminated lines consumed (and a last one) */
	uint64_t accesses;		/* accesses yielded */
	uint64_t skipped;		/* lines skipped by skip_bad */
	uint64_t first_skipped;		/* line number of the first of them, 0 if none */
	uint64_t bytes;			/* bytes of text after decompression */
};

struct trace_reader;

/*
 * Open path ("-": standard input) with opt (NULL: defaults). name for errors is the path
 * ("<stdin>" for "-"). Reads the first bytes to detect the compression. Returns 0, -ENOENT
 * or another -errno of open(2) (the path and strerror in err), -EINVAL for a corrupt
 * compressed header, -ENOMEM. On failure *rp is NULL and nothing is left open.
 */
int trace_open(const char *path, const struct trace_options *opt, struct trace_reader **rp,
	       struct mmsim_error *err);

/* As trace_open, over an already open descriptor, which trace_close closes. */
int trace_open_fd(int fd, const char *name, const struct trace_options *opt,
		  struct trace_reader **rp, struct mmsim_error *err);

/* As trace_open, over len bytes at data (not copied: they must outlive the reader). */
int trace_open_mem(const void *data, size_t len, const char *name,
		   const struct trace_options *opt, struct trace_reader **rp,
		   struct mmsim_error *err);

/*
 * Fill buf[0..cap) with the next accesses, in input order; *n says how many. Returns 0 with
 * *n > 0, or 0 with *n == 0 at the end of the trace (and on every later call). On bad input
 * returns -EINVAL with err filled (file, line, column, what was expected); a corrupt or
 * truncated compressed stream is -EINVAL too; a read error -EIO. After an error *n still
 * holds the accesses of the lines before the bad one (valid: the caller may use them), and
 * every later call returns the same error again with *n == 0. cap must be >= 1.
 */
int trace_next_batch(struct trace_reader *r, struct trace_access *buf, size_t cap, size_t *n,
		     struct mmsim_error *err);

/* Release the reader, its buffers and its descriptor (not stdin's). NULL is allowed. */
void trace_close(struct trace_reader *r);

/* The format in use: the forced one, the detected one, or AUTO before the first line. */
enum trace_format trace_reader_format(const struct trace_reader *r);
enum trace_compression trace_reader_compression(const struct trace_reader *r);
void trace_reader_stats(const struct trace_reader *r, struct trace_stats *st);

/* Check the reader's invariants (see struct trace_reader in trace.c); 0 or -EUCLEAN. */
int trace_reader_validate(const struct trace_reader *r, struct mmsim_error *err);
/* Check one access's invariants; 0 or -EUCLEAN. */
int trace_access_validate(const struct trace_access *a, struct mmsim_error *err);

/* "load", "store", "modify", "ifetch"; "lackey", "page", "auto"; "plain", "gzip", "zstd". */
const char *trace_kind_name(enum trace_kind k);
const char *trace_format_name(enum trace_format f);
const char *trace_compression_name(enum trace_compression c);

/* Parse "auto", "lackey", "page" (also "vmsim") into *f; 0 or -EINVAL. */
int trace_format_parse(const char *s, enum trace_format *f);
#endif

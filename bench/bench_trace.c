/*
 * Trace reading speed (src/input/trace.c): accesses per second that trace_next_batch yields
 * from a large valgrind lackey log, read from a file in the page cache, plain and
 * compressed (zstd level 3, gzip level 1, the way such logs are kept). Read only: nothing is
 * simulated; the loop sums the addresses so the work cannot be dropped.
 *
 * The log is generated: `lines` lackey lines in valgrind's own formats ("I  %08lx,%lu",
 * " L ...", " S ...", " M ..."), kinds in the proportions of shared/traces/lackey-ext/gcc
 * (77.8% I, 15.7% L, 6.4% S, 0.1% M), instruction addresses walking forward from 0x04000000
 * with sizes 1-15, data addresses on a 16 MiB heap and a stack near 0x1fff000000 with sizes
 * 1, 2, 4, 8 or 16, as valgrind prints them for an amd64 program; a valgrind header and
 * footer around them. Generated from a fixed seed: the same bytes on every run.
 * Each figure is measured RUNS times; the median is printed with the minimum and maximum,
 * and whether the count of accesses came out exactly (the premise).
 *
 * Then read + simulate: the plain log run by trace_run (kernel/trace_run.c) with auto-vma
 * on a fresh 2 GiB machine per run (x86-64, the default skylake TLB), with the fast path
 * (an access the MMU translates at once goes straight to its inline translation) and
 * without it (every access through task_access); the premise: every access ran, no signal,
 * and the two modes gave the same pgfault, TLB and walk counts.
 *
 *   bench_trace [lines [sim-lines]]   (defaults 20000000 and 4000000; the files go to
 *                                      $TMPDIR or /tmp)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include "mmsim/mmsim.h"
#include "input/trace.h"
#include "kernel/trace_run.h"
#include "util/rng.h"
#include "bench.h"

#define RUNS	5
#define BATCH	4096

/* Append "%0*lx" of v (at least 8 digits, as lackey's %08lx) at p; returns the end. */
static char *put_hex(char *p, uint64_t v)
{
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (n < 8)
		tmp[n++] = '0';
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_dec(char *p, unsigned v)
{
	if (v >= 10)
		*p++ = (char)('0' + v / 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* One generated line at p; returns the end. */
static char *gen_line(struct rng *g, uint64_t *ip, char *p)
{
	static const unsigned dsize[8] = { 1, 2, 4, 4, 8, 8, 8, 16 };
	uint64_t x = rng_next(g);
	unsigned k = (unsigned)(x % 1000);
	uint64_t a;

	if (k < 778) {
		unsigned size = 1 + (unsigned)((x >> 10) % 15);
		memcpy(p, "I  ", 3);
		p = put_hex(p + 3, *ip);
		*ip += size;
		if (((x >> 20) & 63) == 0)	/* a jump now and then */
			*ip = 0x04000000 + ((x >> 26) & 0xfffff);
		*p++ = ',';
		p = put_dec(p, size);
	} else {
		memcpy(p, k < 935 ? " L " : k < 999 ? " S " : " M ", 3);
		a = (x >> 40) & 1 ? 0x1fff000000 + ((x >> 10) & 0xfff8)
				  : 0x04800000 + ((x >> 10) & 0xfffff8);
		p = put_hex(p + 3, a);
		*p++ = ',';
		p = put_dec(p, dsize[(x >> 50) & 7]);
	}
	*p++ = '\n';
	return p;
}

/* Write the generated log to path as plain text; returns its size in bytes. */
static size_t write_log(const char *path, long lines)
{
	FILE *f = fopen(path, "wb");
	static char chunk[1 << 20];
	struct rng g;
	uint64_t ip = 0x0401ab70;
	size_t total = 0;
	char *p = chunk;

	if (!f) {
		perror(path);
		exit(1);
	}
	rng_seed(&g, 42);
	p += sprintf(p, "==4242== Lackey, an example Valgrind tool\n==4242== Command: ./gen\n"
		     "==4242== \n");
	for (long i = 0; i < lines; i++) {
		p = gen_line(&g, &ip, p);
		if (p - chunk > (long)sizeof(chunk) - 64) {
			total += fwrite(chunk, 1, (size_t)(p - chunk), f);
			p = chunk;
		}
	}
	p += sprintf(p, "==4242== \n==4242== Exit code:       0\n");
	total += fwrite(chunk, 1, (size_t)(p - chunk), f);
	if (fclose(f)) {
		perror(path);
		exit(1);
	}
	return total;
}

/* Compress src into dst with zstd level 3 or gzip level 1; returns the compressed size. */
static size_t compress_file(const char *src, const char *dst, int zstd)
{
	static unsigned char in[1 << 20], out[1 << 21];
	FILE *fi = fopen(src, "rb"), *fo = fopen(dst, "wb");
	ZSTD_CCtx *cc = zstd ? ZSTD_createCCtx() : NULL;
	z_stream zs = { 0 };
	size_t total = 0, got;
	int last = 0;

	if (!fi || !fo || (zstd && !cc) ||
	    (!zstd && deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)) {
		fprintf(stderr, "bench_trace: cannot compress to %s\n", dst);
		exit(1);
	}
	if (zstd)
		ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 3);
	while (!last) {
		got = fread(in, 1, sizeof(in), fi);
		last = got < sizeof(in);
		if (zstd) {
			ZSTD_inBuffer ib = { in, got, 0 };
			size_t rem;
			do {
				ZSTD_outBuffer ob = { out, sizeof(out), 0 };
				rem = ZSTD_compressStream2(cc, &ob, &ib, last ? ZSTD_e_end
									      : ZSTD_e_continue);
				if (ZSTD_isError(rem))
					exit(1);
				total += fwrite(out, 1, ob.pos, fo);
			} while (last ? rem != 0 : ib.pos < ib.size);
		} else {
			zs.next_in = in;
			zs.avail_in = (unsigned)got;
			do {
				zs.next_out = out;
				zs.avail_out = sizeof(out);
				deflate(&zs, last ? Z_FINISH : Z_NO_FLUSH);
				total += fwrite(out, 1, sizeof(out) - zs.avail_out, fo);
			} while (zs.avail_out == 0);
		}
	}
	if (zstd)
		ZSTD_freeCCtx(cc);
	else
		deflateEnd(&zs);
	fclose(fi);
	if (fclose(fo))
		exit(1);
	return total;
}

/* Read path through; ns per access, premise: exactly `lines` accesses and no error. */
static struct result read_all(const char *path, long lines)
{
	static struct trace_access buf[BATCH];
	struct trace_reader *r;
	struct mmsim_error err = { 0 };
	uint64_t sum = 0, count = 0;
	size_t n;
	int rc;
	double t0 = now();

	if (trace_open(path, NULL, &r, &err)) {
		fprintf(stderr, "bench_trace: %s: %s\n", path, err.msg);
		exit(1);
	}
	while ((rc = trace_next_batch(r, buf, BATCH, &n, &err)) == 0 && n) {
		for (size_t i = 0; i < n; i++)
			sum += buf[i].addr + buf[i].size;
		count += n;
	}
	trace_close(r);
	double t = now() - t0;
	if (rc)
		fprintf(stderr, "bench_trace: %s:%d:%d: %s\n", path, err.line, err.column, err.msg);
	__asm__ volatile("" : : "r"(sum));
	return (struct result){ .ns = t * 1e9 / (double)count, .ok = !rc && count == (uint64_t)lines };
}

static void measure(const char *label, const char *path, long lines, size_t bytes)
{
	struct result r[RUNS];

	read_all(path, lines);		/* warm the page cache */
	for (int i = 0; i < RUNS; i++)
		r[i] = read_all(path, lines);
	int ok = sort_results(r, RUNS);
	printf("read  %-34s %7.2f M accesses/s  (%.2f-%.2f; %5.1f ns/access; %zu MB; %sall %ld read)\n",
	       label, 1e3 / r[RUNS / 2].ns, 1e3 / r[RUNS - 1].ns, 1e3 / r[0].ns, r[RUNS / 2].ns,
	       bytes >> 20, ok ? "" : "NOT ", lines);
}

/* The counters both modes must agree on. */
static uint64_t sim_digest(const struct mmsim_trace_result *r)
{
	return r->pgfault * 1000003 ^ r->l1i_hits * 7919 ^ r->l1d_misses * 104729 ^
	       r->l2_misses * 31 ^ r->walks * 17 ^ r->walk_refs ^ r->rss_pages << 40;
}

/* Read and simulate path once; ns per access; premise: all ran, same counters as *digest. */
static struct result simulate(const char *path, long lines, bool fast, uint64_t *digest)
{
	struct trace_run_opts o = { .auto_vma = 1, .no_fast_path = !fast };
	struct mmsim_error err = { 0 };
	struct mmsim_trace_result res;
	mmsim_machine *m = bench_boot("2G");

	double t0 = now();
	int rc = trace_run(m, path, &o, &res, NULL, &err);
	double t = now() - t0;
	uint64_t n = res.loads + res.stores + res.modifies + res.ifetches;
	int ok = rc == 0 && res.signo == 0 && n == (uint64_t)lines;

	if (rc)
		fprintf(stderr, "bench_trace: %s:%d: %s\n", path, err.line, err.msg);
	if (!*digest)
		*digest = sim_digest(&res);
	ok = ok && *digest == sim_digest(&res);
	mmsim_machine_free(m);
	return (struct result){ .ns = t * 1e9 / (double)(n ? n : 1), .ok = ok };
}

/* RUNS runs of each mode, alternated (fast, full, fast, ...), on the first sim_lines. */
static void measure_sim(const char *path, long lines)
{
	struct result fast[RUNS], full[RUNS];
	uint64_t digest = 0;

	for (int i = 0; i < RUNS; i++) {
		fast[i] = simulate(path, lines, true, &digest);
		full[i] = simulate(path, lines, false, &digest);
	}
	int okf = sort_results(fast, RUNS), okl = sort_results(full, RUNS);
	printf("sim   %-34s %7.2f M accesses/s  (%.2f-%.2f; %5.1f ns/access; %sall %ld run)\n",
	       "lackey plain, auto-vma, fast path", 1e3 / fast[RUNS / 2].ns,
	       1e3 / fast[RUNS - 1].ns, 1e3 / fast[0].ns, fast[RUNS / 2].ns, okf ? "" : "NOT ",
	       lines);
	printf("sim   %-34s %7.2f M accesses/s  (%.2f-%.2f; %5.1f ns/access; %sall %ld run)\n",
	       "same, every access task_access", 1e3 / full[RUNS / 2].ns, 1e3 / full[RUNS - 1].ns,
	       1e3 / full[0].ns, full[RUNS / 2].ns, okl ? "" : "NOT ", lines);
}

int main(int argc, char **argv)
{
	long lines = argc > 1 ? atol(argv[1]) : 20000000;
	long sim_lines = argc > 2 ? atol(argv[2]) : 4000000;
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char plain[512], zst[512], gz[512];
	int pid = (int)getpid();

	snprintf(plain, sizeof(plain), "%s/bench_trace.%d.lackey", dir, pid);
	snprintf(zst, sizeof(zst), "%s/bench_trace.%d.lackey.zst", dir, pid);
	snprintf(gz, sizeof(gz), "%s/bench_trace.%d.lackey.gz", dir, pid);
	size_t b_plain = write_log(plain, lines);
	size_t b_zst = compress_file(plain, zst, 1);
	size_t b_gz = compress_file(plain, gz, 0);
	printf("lackey log: %ld accesses, %.1f bytes/line\n", lines, (double)b_plain / (double)lines);
	measure("lackey, plain text", plain, lines, b_plain);
	measure("lackey, zstd -3", zst, lines, b_zst);
	measure("lackey, gzip -1", gz, lines, b_gz);
	unlink(zst);
	unlink(gz);
	if (sim_lines > 0) {
		/* the first sim_lines accesses: the same file as bench_fault's trace */
		if (sim_lines < lines)
			write_log(plain, sim_lines);
		measure_sim(plain, sim_lines < lines ? sim_lines : lines);
	}
	unlink(plain);
	return 0;
}

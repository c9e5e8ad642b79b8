/*
 * Oracle probe for the page cache (issue 5, src/mm/filemap.c, src/mm/readahead.c,
 * tests/unit/test_filemap.c, docs/page-cache.md). Run as root (PFNs in /proc/self/pagemap,
 * /proc/kpageflags) on the reference host, on a file of an ext4 filesystem.
 *
 * Build: gcc -O1 -Wall -o pagecache_probe pagecache_probe.c
 * Usage: pagecache_probe FILE STEP...   steps run in order:
 *   create:KB          write FILE with KB KiB of bytes (byte i = i * 7 + i / 4096), fsync
 *   sparse:KB          make FILE a hole of KB KiB (ftruncate)
 *   size:BYTES         ftruncate FILE to BYTES (after create: a partial last page)
 *   evict              fsync + posix_fadvise(POSIX_FADV_DONTNEED): drop FILE from the cache
 *   open               open FILE O_RDONLY (a fresh struct file: fresh readahead state)
 *   read:CHUNK:KB[:OFF] read(2) KB KiB from OFF KiB in CHUNK-byte calls on the open fd
 *   fadv:seq|rand|normal  posix_fadvise on the open fd
 *   mmap[:FLAGS]       mmap FILE whole, PROT_READ, MAP_PRIVATE (FLAGS: shared, exec, seq,
 *                      rand, huge = MADV_SEQUENTIAL/RANDOM/HUGEPAGE, shift=N: page 0 at
 *                      N pages past a 2 MiB boundary, else at one; comma separated)
 *   touch:P[-Q[/S]]    read one byte of each page P..Q (every S-th) of the mapping; prints
 *                      the minflt/majflt deltas of every touch that faulted
 *   smaps              Rss and FilePmdMapped of the mapping (/proc/self/smaps)
 *   ptes               print the present PTEs of the mapping (pagemap), as page ranges
 *   cache              print what mincore says is cached, as page ranges
 *   folios             print the folios holding the cached pages: runs of "start+npages"
 *                      (KPF_COMPOUND_HEAD / TAIL of /proc/kpageflags), through a second
 *                      MADV_RANDOM mapping touching only cached pages (no readahead)
 *   settle             wait until readahead I/O has completed (mincore stops changing)
 *   unmap              munmap the mapping
 * The output is one line per step: "step: result".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define PS 4096ul
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_THP 22

static const char *path;
static int fd = -1;
static char *map;
static size_t map_len;

static void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	exit(1);
}

static size_t file_size(void)
{
	struct stat st;

	if (stat(path, &st))
		die("stat");
	return (size_t)st.st_size;
}

static void flt(long *mi, long *ma)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*mi = ru.ru_minflt;
	*ma = ru.ru_majflt;
}

/* print runs of set entries of v[0..n) as "a-b" page ranges */
static void ranges(const char *tag, const unsigned char *v, size_t n)
{
	size_t i = 0, total = 0;

	printf("%s:", tag);
	while (i < n) {
		if (!v[i]) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && v[j])
			j++;
		printf(" %zu-%zu", i, j - 1);
		total += j - i;
		i = j;
	}
	printf(" (%zu pages)\n", total);
}

static void do_create(long kb)
{
	int w = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	static unsigned char buf[1 << 16];
	size_t len = (size_t)kb << 10;

	if (w < 0)
		die("create");
	for (size_t off = 0; off < len; off += sizeof(buf)) {
		size_t n = len - off < sizeof(buf) ? len - off : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = (unsigned char)((off + i) * 7 + (off + i) / PS);
		if (write(w, buf, n) != (ssize_t)n)
			die("write");
	}
	if (fsync(w))
		die("fsync");
	close(w);
	printf("create: %ld KiB\n", kb);
}

static void do_evict(void)
{
	int e = open(path, O_RDONLY);

	if (e < 0)
		die("open");
	fsync(e);
	if (posix_fadvise(e, 0, 0, POSIX_FADV_DONTNEED))
		die("fadvise");
	close(e);
	printf("evict\n");
}

static unsigned char *mincore_vec(size_t *np)
{
	size_t len = file_size();
	size_t n = (len + PS - 1) / PS;
	int e = open(path, O_RDONLY);
	unsigned char *v = calloc(n + 1, 1);

	if (e < 0 || !v)
		die("open");
	void *m = mmap(NULL, n * PS, PROT_READ, MAP_SHARED, e, 0);
	if (m == MAP_FAILED)
		die("mmap");
	if (mincore(m, n * PS, v))
		die("mincore");
	for (size_t i = 0; i < n; i++)
		v[i] &= 1;
	munmap(m, n * PS);
	close(e);
	*np = n;
	return v;
}

/*
 * mincore reports uptodate folios only, and readahead I/O completes after the fault or
 * read returned: wait until the count stops changing (3 x 50 ms) before looking.
 */
static void settle(void)
{
	size_t last = (size_t)-1, same = 0;

	while (same < 3) {
		size_t n, c = 0;
		unsigned char *v = mincore_vec(&n);
		for (size_t i = 0; i < n; i++)
			c += v[i];
		free(v);
		same = c == last ? same + 1 : 0;
		last = c;
		usleep(50000);
	}
}

static void do_cache(void)
{
	size_t n;
	unsigned char *v;

	settle();
	v = mincore_vec(&n);

	ranges("cache", v, n);
	free(v);
}

static uint64_t pagemap_entry(int pm, const void *va)
{
	uint64_t e = 0;

	if (pread(pm, &e, 8, (off_t)((uintptr_t)va / PS * 8)) != 8)
		die("pagemap");
	return e;
}

static void do_ptes(void)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	size_t n = map_len / PS;
	unsigned char *v = calloc(n + 1, 1);

	if (pm < 0 || !v)
		die("pagemap");
	for (size_t i = 0; i < n; i++)
		v[i] = (pagemap_entry(pm, map + i * PS) >> 63) & 1;
	ranges("ptes", v, n);
	free(v);
	close(pm);
}

static void do_folios(void)
{
	size_t n;
	unsigned char *v;

	settle();
	v = mincore_vec(&n);
	int e = open(path, O_RDONLY);
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int kf = open("/proc/kpageflags", O_RDONLY);

	if (e < 0 || pm < 0 || kf < 0)
		die("open");
	volatile char *m = mmap(NULL, n * PS, PROT_READ, MAP_SHARED, e, 0);
	if (m == MAP_FAILED)
		die("mmap");
	madvise((void *)m, n * PS, MADV_RANDOM);
	/* per cached page: 1 head/order-0 start, 2 tail */
	unsigned char *kind = calloc(n + 1, 1);
	unsigned long thp = 0;
	for (size_t i = 0; i < n; i++) {
		if (!v[i])
			continue;
		(void)m[i * PS];
		uint64_t pme = pagemap_entry(pm, (const void *)(m + i * PS));
		uint64_t pfn = pme & ((1ull << 55) - 1), fl = 0;
		if (!(pme >> 63) || !pfn)
			die("no pfn (not root?)");
		if (pread(kf, &fl, 8, (off_t)(pfn * 8)) != 8)
			die("kpageflags");
		kind[i] = (fl >> KPF_COMPOUND_TAIL) & 1 ? 2 : 1;
		thp += (fl >> KPF_THP) & 1;
	}
	/* histogram of folio sizes and the run list */
	unsigned long hist[16] = { 0 };
	printf("folios:");
	for (size_t i = 0; i < n;) {
		if (kind[i] != 1) {
			i++;
			continue;
		}
		size_t j = i + 1;
		while (j < n && kind[j] == 2)
			j++;
		size_t np = j - i;
		int order = 0;
		while ((1ul << order) < np)
			order++;
		hist[order]++;
		/* a run of folios of the same size: "start+npages" or "start+npages*count" */
		size_t k = j, cnt = 1;
		while (k < n && kind[k] == 1) {
			size_t e2 = k + 1;
			while (e2 < n && kind[e2] == 2)
				e2++;
			if (e2 - k != np)
				break;
			cnt++;
			hist[order]++;
			k = e2;
		}
		if (cnt > 1)
			printf(" %zu+%zu*%zu", i, np, cnt);
		else
			printf(" %zu+%zu", i, np);
		i = k;
	}
	printf("\nfolio-orders:");
	for (int o = 0; o < 16; o++)
		if (hist[o])
			printf(" o%d=%lu", o, hist[o]);
	printf(" thp-pages=%lu\n", thp);
	munmap((void *)m, n * PS);
	free(kind);
	free(v);
	close(e);
	close(pm);
	close(kf);
}

static void do_read(const char *arg)
{
	long chunk = 0, kb = 0, off = 0;
	static char buf[1 << 24];
	long mi0, ma0, mi1, ma1;

	if (sscanf(arg, "%ld:%ld:%ld", &chunk, &kb, &off) < 2 || chunk <= 0 ||
	    chunk > (long)sizeof(buf))
		die("read:CHUNK:KB[:OFF]");
	if (fd < 0 && (fd = open(path, O_RDONLY)) < 0)
		die("open");
	long total = 0, calls = 0;
	flt(&mi0, &ma0);
	for (long pos = off << 10; pos < (off + kb) << 10; pos += chunk) {
		long want = ((off + kb) << 10) - pos < chunk ? ((off + kb) << 10) - pos : chunk;
		ssize_t r = pread(fd, buf, (size_t)want, pos);
		if (r < 0)
			die("read");
		total += r;
		calls++;
		if (r < want)
			break;
	}
	flt(&mi1, &ma1);
	printf("read: %ld bytes in %ld calls (minflt %+ld majflt %+ld)\n", total, calls,
	       mi1 - mi0, ma1 - ma0);
}

static void do_mmap(const char *flags)
{
	int e = open(path, O_RDONLY);
	int share = flags && strstr(flags, "shared") ? MAP_SHARED : MAP_PRIVATE;
	int prot = PROT_READ | (flags && strstr(flags, "exec") ? PROT_EXEC : 0);

	if (e < 0)
		die("open");
	map_len = (file_size() + PS - 1) / PS * PS;
	/* 2 MiB aligned, so PMD boundaries fall on file offsets that are multiples of 2 MiB */
	char *area = mmap(NULL, map_len + (4ul << 20), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *aligned = (char *)(((uintptr_t)area + (2ul << 20) - 1) & ~((2ul << 20) - 1));
	const char *sh = flags ? strstr(flags, "shift=") : NULL;
	if (sh)		/* place page 0 N pages after the 2 MiB boundary */
		aligned += atol(sh + 6) * PS;
	map = mmap(aligned, map_len, prot, share | MAP_FIXED, e, 0);
	if (map == MAP_FAILED)
		die("mmap");
	if (flags && strstr(flags, "seq"))
		madvise(map, map_len, MADV_SEQUENTIAL);
	if (flags && strstr(flags, "rand"))
		madvise(map, map_len, MADV_RANDOM);
	if (flags && strstr(flags, "huge"))
		madvise(map, map_len, MADV_HUGEPAGE);
	close(e);
	printf("mmap: %zu pages%s%s\n", map_len / PS, flags ? " " : "", flags ? flags : "");
}

/* Rss and FilePmdMapped of the mapping, from /proc/self/smaps */
static void do_smaps(void)
{
	char line[512], want[64];
	FILE *f = fopen("/proc/self/smaps", "r");
	int in = 0;

	snprintf(want, sizeof(want), "%lx-", (unsigned long)(uintptr_t)map);
	printf("smaps:");
	while (f && fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ':') && line[0] != ' ' &&
		    strncmp(line, "Rss", 3) && !strstr(line, " kB"))
			in = !strncmp(line, want, strlen(want));
		else if (in && (!strncmp(line, "Rss:", 4) || !strncmp(line, "FilePmdMapped:", 14))) {
			line[strcspn(line, "\n")] = 0;
			char *c = line;
			printf(" %s", c);
		}
	}
	printf("\n");
	if (f)
		fclose(f);
}

static void do_touch(const char *arg)
{
	long p = 0, q = -1, st = 1, mi0, ma0, mi1, ma1, smi = 0, sma = 0;

	if (sscanf(arg, "%ld-%ld/%ld", &p, &q, &st) < 1 || st < 1)
		die("touch:P[-Q[/STRIDE]]");
	if (q < p)
		q = p;
	printf("touch %ld-%ld/%ld:", p, q, st);
	for (long i = p; i <= q; i += st) {
		flt(&mi0, &ma0);
		(void)*(volatile char *)(map + i * PS);
		flt(&mi1, &ma1);
		if (mi1 - mi0 || ma1 - ma0)
			printf(" %ld:%s%ld", i, ma1 - ma0 ? "MAJ" : "min",
			       ma1 - ma0 ? ma1 - ma0 : mi1 - mi0);
		smi += mi1 - mi0;
		sma += ma1 - ma0;
	}
	printf(" (minflt %ld majflt %ld)\n", smi, sma);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s FILE STEP...\n", argv[0]);
		return 2;
	}
	path = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 2; i < argc; i++) {
		char *s = argv[i];
		if (!strncmp(s, "sparse:", 7)) {	/* a file of holes, KB KiB */
			int w = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (w < 0 || ftruncate(w, atol(s + 7) << 10))
				die("sparse");
			close(w);
			printf("sparse: %ld KiB\n", atol(s + 7));
		} else if (!strncmp(s, "create:", 7))
			do_create(atol(s + 7));
		else if (!strncmp(s, "size:", 5)) {
			if (truncate(path, atol(s + 5)))
				die("truncate");
			printf("size: %ld\n", atol(s + 5));
		} else if (!strcmp(s, "evict"))
			do_evict();
		else if (!strcmp(s, "open")) {
			if (fd >= 0)
				close(fd);
			if ((fd = open(path, O_RDONLY)) < 0)
				die("open");
		} else if (!strncmp(s, "read:", 5))
			do_read(s + 5);
		else if (!strncmp(s, "fadv:", 5)) {
			int adv = !strcmp(s + 5, "seq") ? POSIX_FADV_SEQUENTIAL :
				  !strcmp(s + 5, "rand") ? POSIX_FADV_RANDOM : POSIX_FADV_NORMAL;
			if (fd < 0 && (fd = open(path, O_RDONLY)) < 0)
				die("open");
			posix_fadvise(fd, 0, 0, adv);
		} else if (!strncmp(s, "mmap", 4))
			do_mmap(s[4] == ':' ? s + 5 : NULL);
		else if (!strncmp(s, "touch:", 6))
			do_touch(s + 6);
		else if (!strcmp(s, "smaps"))
			do_smaps();
		else if (!strcmp(s, "ptes"))
			do_ptes();
		else if (!strcmp(s, "settle")) {
			settle();
			printf("settle\n");
		} else if (!strcmp(s, "cache"))
			do_cache();
		else if (!strcmp(s, "folios"))
			do_folios();
		else if (!strcmp(s, "unmap")) {
			munmap(map, map_len);
			map = NULL;
		} else {
			fprintf(stderr, "unknown step %s\n", s);
			return 2;
		}
	}
	return 0;
}

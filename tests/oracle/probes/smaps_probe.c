/*
 * Oracle probe for /proc/PID/smaps, smaps_rollup, status (Rss lines) and pagemap: each mode maps
 * memory at a fixed address (0x200000000, 2 MiB aligned), touches it, forks, and prints its own
 * files for that range. tests/unit/test_proc.c replays the same steps in mmsim and compares.
 *
 *   gcc -O0 -o /tmp/smaps_probe tests/oracle/probes/smaps_probe.c
 *   setarch -R /tmp/smaps_probe anon|file|filecold|readref|shmem|thp|rollup|lazyfree
 * Run it as root (pagemap shows pfns to root only; without them every frame prints "-").
 * The file modes use /tmp (ext4 on the reference host; a tmpfs /tmp would make them shmem).
 * anon, file, filecold, readref, shmem and thp printed the same text in three runs each on
 * the reference host (rollup shows the whole process; lazyfree depends on a per-CPU batch).
 *
 * For each step it prints "== step", the VMA's smaps block without its first line (the
 * header line holds the file's device and inode), the status lines RssAnon, RssFile, RssShmem
 * as the change made by the step's own accesses (measured just around them: the printing
 * faults libc pages in too), and one pagemap line per page: the flag bits by name, and the
 * pfn as "-" (none), "zero" (the shared zero page) or a name: a frame seen for the first
 * time prints "new" and is named after the page (pN) that showed it, so "p3" in a child
 * means "the frame the parent's page 3 had".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define B 0x200000000ul
#define PS 4096ul
#define RW (PROT_READ | PROT_WRITE)
#define MAXF 2048

static long base_kb[8], delta_kb[8];
static const char *const status_keys[] = { "RssAnon:", "RssFile:", "RssShmem:", NULL };
static uint64_t frames[MAXF];	/* frames seen, named by the first (address, page) */
static char frame_names[MAXF][32];
static int nframes;
static uint64_t zero_pfn;

static long status_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return v;
}

/* Before a step's accesses. */
static void mark(void)
{
	for (int i = 0; status_keys[i]; i++)
		base_kb[i] = status_kb(status_keys[i]);
}

/* After them. */
static void measure(void)
{
	for (int i = 0; status_keys[i]; i++)
		delta_kb[i] = status_kb(status_keys[i]) - base_kb[i];
}

static void show_status(void)
{
	for (int i = 0; status_keys[i]; i++)
		printf("%s %+ld kB\n", status_keys[i], delta_kb[i]);
	memset(delta_kb, 0, sizeof(delta_kb));
}

/* The smaps block of the VMA starting at va, without its header line. */
static void show_smaps(unsigned long va)
{
	char line[512], key[64];
	int in = 0;
	snprintf(key, sizeof(key), "%lx-", va);
	FILE *f = fopen("/proc/self/smaps", "r");
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, strlen(key))) {
			in = 1;
			continue;
		}
		if (in)
			fputs(line, stdout);
		if (in && !strncmp(line, "VmFlags", 7))
			break;
	}
	fclose(f);
}

static void show_rollup(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	while (fgets(line, sizeof(line), f))
		fputs(line, stdout);
	fclose(f);
}

static uint64_t pagemap_entry(unsigned long va)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	if (pread(fd, &e, 8, (off_t)(va / PS * 8)) != 8)
		e = ~0ull;
	close(fd);
	return e;
}

static const char *frame_name(uint64_t pfn, unsigned long va)
{
	static char buf[32];
	if (pfn == 0)
		return "-";
	if (pfn == zero_pfn)
		return "zero";
	for (int i = 0; i < nframes; i++)
		if (frames[i] == pfn)
			return frame_names[i];
	if (nframes < MAXF) {
		frames[nframes] = pfn;
		snprintf(frame_names[nframes], sizeof(frame_names[0]), "p%lu", (va - B) / PS);
		nframes++;
	}
	snprintf(buf, sizeof(buf), "new");
	return buf;
}

/* One line per page of [va, va + n pages): flags by name, then the frame's name. */
static void show_pagemap(unsigned long va, int n)
{
	for (int i = 0; i < n; i++) {
		unsigned long a = va + (unsigned long)i * PS;
		uint64_t e = pagemap_entry(a);
		printf("pagemap p%lu:%s%s%s%s%s%s%s %s\n", (a - B) / PS,
		       e >> 63 & 1 ? " present" : "", e >> 62 & 1 ? " swap" : "",
		       e >> 61 & 1 ? " file" : "", e >> 58 & 1 ? " guard" : "",
		       e >> 57 & 1 ? " uffd-wp" : "", e >> 56 & 1 ? " exclusive" : "",
		       e >> 55 & 1 ? " soft-dirty" : "",
		       frame_name(e & ((1ull << 55) - 1), a));
	}
}

static void step(const char *name, unsigned long va, int pages)
{
	printf("== %s\n", name);
	show_smaps(va);
	show_status();
	show_pagemap(va, pages);
	fflush(stdout);
}

static void *map_at(unsigned long va, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = mmap((void *)va, len, prot, flags | MAP_FIXED, fd, off);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static void find_zero_pfn(void)
{
	volatile char *z = map_at(B - 16 * PS, PS, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	(void)z[0];
	zero_pfn = pagemap_entry(B - 16 * PS) & ((1ull << 55) - 1);
	munmap((void *)z, PS);
}

/* anon: write 8, read 4 of 16 pages; fork (2 sharers), fork again (3), COW breaks, mlock. */
static void mode_anon(void)
{
	char *p = map_at(B, 16 * PS, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mark();
	for (int i = 0; i < 8; i++)
		p[i * PS] = (char)(i + 1);
	for (int i = 8; i < 12; i++)
		(void)((volatile char *)p)[i * PS];
	measure();
	step("anon: write p0-p7, read p8-p11", B, 16);
	if (fork() == 0) {
		step("child: 2 sharers", B, 16);
		if (fork() == 0) {
			step("grandchild: 3 sharers", B, 16);
			mark();
			p[0] = 9;
			measure();
			step("grandchild: after writing p0", B, 16);
			mark();
			p[8 * PS] = 9;
			measure();
			step("grandchild: after writing p8 (a zero-page page)", B, 16);
			_exit(0);
		}
		wait(NULL);
		step("child: grandchild gone", B, 16);
		mark();
		p[PS] = 9;
		measure();
		step("child: after writing p1", B, 16);
		_exit(0);
	}
	wait(NULL);
	step("parent: children gone", B, 16);
	char *l = map_at(B + 64 * PS, 4 * PS, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mark();
	l[0] = 1;
	int r = mlock(l, 4 * PS);
	measure();
	if (r == 0)
		step("mlock: p64 written, then mlock p64-p67", B + 64 * PS, 4);
	mark();
	munmap(p + 4 * PS, 4 * PS);
	measure();
	step("parent: p4-p7 unmapped", B, 4);
}

/* lazyfree: MADV_FREE of written pages (Linux clears the swap-backed flag in a per-CPU batch). */
static void mode_lazyfree(void)
{
	char *f = map_at(B, 4 * PS, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < 4; i++)
		f[i * PS] = 1;
	mark();
	madvise(f, 2 * PS, MADV_FREE);
	measure();
	step("madv_free: p0-p3 written, MADV_FREE p0-p1", B, 4);
}

/* file: a 16-page file, cached by read(2) and clean; private and shared mappings; COW; fork. */
static void mode_file(void)
{
	const char *path = "/tmp/smaps_probe.dat";
	static char buf[16 * PS];
	for (unsigned long i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i / PS);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) || fsync(fd))
		exit(1);
	/* out of the cache, then in again by one read(2) of the whole file: readahead sizes the
	   folios, as in mmsim, where a file enters the cache by reads and faults only */
	if (posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) ||
	    pread(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		exit(1);
	char *p = map_at(B, 16 * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	mark();
	(void)((volatile char *)p)[0];
	measure();
	step("file private: read p0 (cached file: fault-around)", B, 16);
	mark();
	p[PS] = 'x';
	measure();
	step("file private: write p1 (COW)", B, 16);
	char *s = map_at(B + 32 * PS, 16 * PS, RW, MAP_SHARED, fd, 0);
	mark();
	(void)((volatile char *)s)[0];
	measure();
	step("file shared: read p32", B + 32 * PS, 16);
	step("file private: the same pages now mapped twice", B, 16);
	mark();
	s[2 * PS] = 'y';
	measure();
	step("file shared: write p34", B + 32 * PS, 16);
	step("file private: p2 is dirty in the page cache", B, 16);
	if (fork() == 0) {
		step("child: file private", B, 16);
		step("child: file shared (no PTEs copied)", B + 32 * PS, 16);
		mark();
		(void)((volatile char *)s)[0];
		measure();
		step("child: file shared after reading p32", B + 32 * PS, 16);
		_exit(0);
	}
	wait(NULL);
	close(fd);
	unlink(path);
}

/* filecold: a 64-page file not in the cache, mapped read-only; two read faults. */
static void mode_filecold(void)
{
	const char *path = "/tmp/smaps_probe_cold.dat";
	static char buf[64 * PS];
	for (unsigned long i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i / PS % 26);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) || fsync(fd) ||
	    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
		exit(1);
	char *p = map_at(B, 64 * PS, PROT_READ, MAP_PRIVATE, fd, 0);
	mark();
	(void)((volatile char *)p)[0];
	measure();
	step("filecold: read p0 (major fault, readahead, fault-around)", B, 64);
	mark();
	(void)((volatile char *)p)[40 * PS];
	measure();
	step("filecold: read p40", B, 64);
	close(fd);
	unlink(path);
}

/*
 * readref: what read(2) leaves in PG_referenced, seen through a forked child's smaps (its
 * PTEs are old, so Referenced counts the folios marked accessed). For each case a fresh
 * 16-page file out of the cache, the reads, a private map with p0 read and p15 written (an
 * anon_vma, so that fork copies the PTEs), then the child's view. The pause after the
 * reads lets an asynchronous readahead finish: fault-around maps only uptodate folios.
 */
static void mode_readref(void)
{
	static const struct { const char *name; int n; long off[3], len[3]; } cases[] = {
		{ "one pread of 64 KiB", 1, { 0 }, { 16 * PS } },
		{ "two preads of 64 KiB", 2, { 0, 0 }, { 16 * PS, 16 * PS } },
		{ "pread 100 at 0, 100 at 200", 2, { 0, 200 }, { 100, 100 } },
		{ "pread 100 at 0, at 5000, at 0", 3, { 0, 5000, 0 }, { 100, 100, 100 } },
	};
	static char buf[16 * PS];
	const char *path = "/tmp/smaps_probe_ref.dat";

	for (unsigned int c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		unsigned long va = B + c * 64 * PS;
		for (unsigned long i = 0; i < sizeof(buf); i++)
			buf[i] = (char)('a' + i / PS);
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) || fsync(fd) ||
		    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
			exit(1);
		for (int k = 0; k < cases[c].n; k++)
			if (pread(fd, buf, (size_t)cases[c].len[k], cases[c].off[k]) != cases[c].len[k])
				exit(1);
		usleep(200000);	/* an asynchronous readahead completes (mmsim's at once) */
		char *p = map_at(va, 16 * PS, RW, MAP_PRIVATE, fd, 0);
		(void)((volatile char *)p)[0];
		p[15 * PS] = 1;
		fflush(stdout);
		if (fork() == 0) {
			char name[128];
			snprintf(name, sizeof(name), "readref child: %s", cases[c].name);
			step(name, va, 16);
			_exit(0);
		}
		wait(NULL);
		munmap(p, 16 * PS);
		close(fd);
		unlink(path);
	}
}

/* shmem: MAP_SHARED|MAP_ANONYMOUS; writes, reads, fork. */
static void mode_shmem(void)
{
	char *p = map_at(B, 16 * PS, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	mark();
	for (int i = 0; i < 4; i++)
		p[i * PS] = 1;
	for (int i = 4; i < 8; i++)
		(void)((volatile char *)p)[i * PS];
	measure();
	step("shmem: write p0-p3, read p4-p7", B, 16);
	if (fork() == 0) {
		step("child: nothing copied", B, 16);
		mark();
		for (int i = 0; i < 6; i++)
			(void)((volatile char *)p)[i * PS];
		measure();
		step("child: read p0-p5", B, 16);
		_exit(0);
	}
	wait(NULL);
	step("parent: child gone", B, 16);
}

/* thp: MADV_HUGEPAGE on 4 MiB; one write fault, one read fault; fork; COW in the child. */
static void mode_thp(void)
{
	char *p = map_at(B, 4 << 20, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (madvise(p, 4 << 20, MADV_HUGEPAGE))
		perror("madvise");
	mark();
	p[0] = 1;
	(void)((volatile char *)p)[2 << 20];
	measure();
	step("thp: write at 0, read at 2M", B, 4);
	printf("-- the read huge page (p512, p513) and the last page of the first (p511)\n");
	show_pagemap(B + (2 << 20), 2);
	show_pagemap(B + (2 << 20) - PS, 1);
	fflush(stdout);
	if (fork() == 0) {
		step("child: huge page shared", B, 4);
		mark();
		p[PS] = 2;
		measure();
		step("child: after writing p1", B, 4);
		_exit(0);
	}
	wait(NULL);
	step("parent: child gone", B, 4);
}

/* rollup: smaps_rollup of a child sharing 8 written pages with its parent. */
static void mode_rollup(void)
{
	char *p = map_at(B, 16 * PS, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < 8; i++)
		p[i * PS] = 1;
	if (fork() == 0) {
		show_rollup();
		fflush(stdout);
		_exit(0);
	}
	wait(NULL);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "anon";
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	find_zero_pfn();
	if (!strcmp(mode, "anon"))
		mode_anon();
	else if (!strcmp(mode, "file"))
		mode_file();
	else if (!strcmp(mode, "shmem"))
		mode_shmem();
	else if (!strcmp(mode, "thp"))
		mode_thp();
	else if (!strcmp(mode, "rollup"))
		mode_rollup();
	else if (!strcmp(mode, "lazyfree"))
		mode_lazyfree();
	else if (!strcmp(mode, "filecold"))
		mode_filecold();
	else if (!strcmp(mode, "readref"))
		mode_readref();
	fflush(stdout);
	return 0;
}

/*
 * The page cache over real files (src/mm/filemap.c, readahead.c, page-writeback.c, shmem.c,
 * src/fs/file.c). Expected values are the reference host's (Linux 6.18.44, ext4, x86_64,
 * /sys/block/vda/queue/read_ahead_kb 8192), measured with tests/oracle/probes/pagecache_probe.c
 * on a 16 MiB file (byte i = i * 7 + i / 4096) and tests/oracle/probes/pagecache_shmem.c:
 *
 *   pagecache_probe F evict read:CHUNK:16384 settle folios     (folios as start+pages*count)
 *     CHUNK 4096     0+1*4 4+4*5 24+8 32+16*4 96+32 128+64*4 384+128 512+256*2 1024+512*6
 *     CHUNK 65536    0+1*64 64+4*64 320+16*32 832+64*17 1920+128 2048+256*8
 *     CHUNK 131072   0+1*128 128+4*64 384+16*32 896+64*16 1920+128 2048+256*8
 *     CHUNK 1048576  0+1*512 512+4*256 1536+16*128 3584+64*8
 *   cat F (fadvise SEQUENTIAL + 128 KiB reads)
 *                    0+1*128 128+4*128 640+16*64 1664+64*32 3712+128 3840+256
 *   ... then mmap touch:0-4095: 20 minor faults after the 4 KiB reads, 153 after cat
 *   evict mmap[:ADVICE] touch:P ptes cache folios  (one major fault each)
 *     P 0      ptes 0-15       cache 0-2047 (order 0)
 *     P 1000   ptes 992-1007   cache 0-2047
 *     P 3000   ptes 2992-3007  cache 1976-4023
 *     seq 1000 ptes 1000-1007  cache 1000-3047     rand 1000  ptes 1000  cache 1000
 *     exec 1000 ptes 1000-1007 cache 1000-3047     huge 1000  ptes 512-1023 cache 512+512*2
 *   evict mmap touch:0 settle touch:1-4095: 1 major + 255 minor, folios 0+1*2048 2048+4*512
 *   96 KiB file read by 4 KiB, mmap with page 0 at 10 pages past 2 MiB:
 *     touch 21: ptes 4-21; touch 22: ptes 4-23; touch 17: ptes 4-21; then touch 15: no fault
 *   shmem (64 pages): read 16 fresh: 16 faults; write 16 fresh: 16; forked child reads the
 *     32 touched: 2; the child reads the 32 untouched: 32.
 *
 * Cold faults go through fault_retry(), the retry protocol of arch/x86/mm/fault.c (a first
 * attempt that read from the file returns VM_FAULT_RETRY; a major one is retried with
 * FAULT_FLAG_TRIED); warm ones through the CPU loop (task_access).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "boot.h"
#include "tmpfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmsim/mmsim.h"
#include "fs/fs.h"
#include "kernel/access.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/folio.h"
#include "mm/mman.h"
#include "mm/memory.h"
#include "mm/mmap.h"
#include "mm/page_alloc.h"
#include "mm/pagemap.h"
#include "mm/vma.h"
#include "util/error.h"

#define PS 4096ull
#define MIB (1ull << 20)
#define NPAGES 4096ull		/* the 16 MiB file */
#define BASE 0x7f0000000000ull	/* 2 MiB aligned: PMD boundaries at file offsets of 2 MiB */

static const char *const kv_ref[] = { "ram", "1G", "read_ahead_kb", "8192", NULL };

static struct mm_sys *msys(mmsim_machine *m) { return &((struct mmsim_machine *)m)->mm; }

static uint8_t pattern(uint64_t i) { return (uint8_t)(i * 7 + i / 4096); }

/* Every file made, removed by the group teardown even when a test fails half-way. */
static char *made[64];
static unsigned int nmade;

static int remove_files(void **state)
{
	(void)state;
	while (nmade)
		unlink(made[--nmade]);
	return 0;
}

/* A host file of size bytes of pattern(), removed when the tests end; the path is malloc'd. */
static char *make_file(uint64_t size)
{
	char *path = make_tmp_file("filemap", size, pattern);

	assert_true(nmade < sizeof(made) / sizeof(made[0]));
	made[nmade++] = strdup(path);
	return path;
}

static uint64_t host_checksum(const char *path)
{
	uint8_t buf[65536];
	uint64_t sum = 1469598103934665603ull;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			sum = (sum ^ buf[i]) * 1099511628211ull;
	close(fd);
	return sum;
}

static void check_all(mmsim_machine *m)
{
	struct mmsim_error err = { 0 };
	char msg[512];

	if (machine_check((struct mmsim_machine *)m, &err)) {
		mmsim_error_format(&err, msg, sizeof(msg));
		fail_msg("machine_check: %s", msg);
	}
}

static struct file *open_file(mmsim_machine *m, const char *path, unsigned int flags)
{
	int err = 0;
	struct file *f = filp_open(msys(m)->fs, path, flags, &err);

	if (!f)
		fail_msg("filp_open %s: %d", path, err);
	return f;
}

/* The cached folios of mapping as the probe prints them: "start+pages" runs, "*count". */
static void layout(struct address_space *mapping, char *out, size_t len)
{
	uint64_t index = 0, prev_nr = 0, run_start = 0, run = 0;
	struct page *folio;
	size_t o = 0;

	out[0] = 0;
	for (;;) {
		folio = xa_find(&mapping->i_pages, &index, UINT64_MAX, NULL, NULL);
		uint64_t nr = folio ? folio_nr_pages(folio) : 0;
		bool contiguous = folio && run && folio->index == run_start + run * prev_nr;
		if (run && (!folio || nr != prev_nr || !contiguous)) {
			o += (size_t)snprintf(out + o, len - o, "%s%llu+%llu", o ? " " : "",
					      (unsigned long long)run_start, (unsigned long long)prev_nr);
			if (run > 1)
				o += (size_t)snprintf(out + o, len - o, "*%llu", (unsigned long long)run);
			run = 0;
		}
		if (!folio)
			break;
		if (!run) {
			run_start = folio->index;
			prev_nr = nr;
		}
		run++;
		index = folio->index + nr;
	}
}

static void expect_layout(struct file *f, const char *want)
{
	char got[4096];

	layout(f->f_mapping, got, sizeof(got));
	assert_string_equal(got, want);
}

/* Cached page ranges "a-b ..." (what mincore would say). */
static void cached(struct address_space *mapping, char *out, size_t len)
{
	uint64_t index = 0, lo = 0, hi = 0;
	bool open_run = false;
	struct page *folio;
	size_t o = 0;

	out[0] = 0;
	while ((folio = xa_find(&mapping->i_pages, &index, UINT64_MAX, NULL, NULL)) != NULL) {
		if (open_run && folio->index == hi + 1) {
			hi = folio->index + folio_nr_pages(folio) - 1;
		} else {
			if (open_run)
				o += (size_t)snprintf(out + o, len - o, "%s%llu-%llu", o ? " " : "",
						      (unsigned long long)lo, (unsigned long long)hi);
			lo = folio->index;
			hi = lo + folio_nr_pages(folio) - 1;
			open_run = true;
		}
		index = folio->index + folio_nr_pages(folio);
	}
	if (open_run)
		snprintf(out + o, len - o, "%s%llu-%llu", o ? " " : "", (unsigned long long)lo,
			 (unsigned long long)hi);
}

/* ---- tasks and mappings ------------------------------------------------------------------ */

static struct task_struct *new_task(mmsim_machine *m, int pid)
{
	struct task_struct *t;

	assert_int_equal(task_create((struct mmsim_machine *)m, pid, true, &t), 0);
	t->personality = ADDR_NO_RANDOMIZE;
	arch_pick_mmap_layout(t->mm, t);
	return t;
}

static uint64_t map_at(struct task_struct *t, struct file *f, uint64_t addr, uint64_t len,
		       uint64_t prot, uint64_t flags)
{
	int64_t a = vm_mmap(t, f, addr, len, prot, flags | MAP_FIXED, 0);

	assert_int_equal(a, (int64_t)addr);
	return addr;
}

/* do_user_addr_fault's retry (arch/x86/mm/fault.c, 6.18 with per-VMA locks). */
static vm_fault_t fault_retry(struct task_struct *t, uint64_t addr, bool write)
{
	struct vm_area_struct *vma = find_vma(t->mm, addr);
	unsigned int flags = FAULT_FLAG_USER | FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_KILLABLE |
			     (write ? FAULT_FLAG_WRITE : 0);
	vm_fault_t ret;

	assert_non_null(vma);
	ret = handle_mm_fault(vma, addr, flags, t);
	if (ret & VM_FAULT_RETRY) {
		/* the VMA-lock attempt was major: the mmap_lock attempt is a "tried" one */
		if (ret & VM_FAULT_MAJOR)
			flags |= FAULT_FLAG_TRIED;
		ret = handle_mm_fault(vma, addr, flags, t);
		if (ret & VM_FAULT_RETRY)
			ret = handle_mm_fault(vma, addr, flags | FAULT_FLAG_TRIED, t);
	}
	return ret;
}

struct pte_list {
	uint64_t base;
	bool mapped[NPAGES + 64];
};

static int note_pte(uint64_t va, uint64_t size, uint64_t prot, struct page *page, bool zero,
		    void *arg)
{
	struct pte_list *l = arg;

	(void)prot; (void)page; (void)zero;
	for (uint64_t a = va; a < va + size; a += PS)
		if (a >= l->base && (a - l->base) / PS < NPAGES + 64)
			l->mapped[(a - l->base) / PS] = true;
	return 0;
}

/* The present PTEs of [base, base + npages pages) as page ranges. */
static void ptes(struct task_struct *t, uint64_t base, uint64_t npages, char *out, size_t len)
{
	static struct pte_list l;
	size_t o = 0;

	memset(&l, 0, sizeof(l));
	l.base = base;
	assert_int_equal(mm_walk_ptes(t->mm, base, base + npages * PS, note_pte, &l), 0);
	out[0] = 0;
	for (uint64_t i = 0; i < npages;) {
		if (!l.mapped[i]) {
			i++;
			continue;
		}
		uint64_t j = i;
		while (j < npages && l.mapped[j])
			j++;
		if (j - 1 == i)
			o += (size_t)snprintf(out + o, len - o, "%s%llu", o ? " " : "",
					      (unsigned long long)i);
		else
			o += (size_t)snprintf(out + o, len - o, "%s%llu-%llu", o ? " " : "",
					      (unsigned long long)i, (unsigned long long)(j - 1));
		i = j;
	}
}

static void expect_ptes(struct task_struct *t, uint64_t base, uint64_t npages, const char *want)
{
	char got[4096];

	ptes(t, base, npages, got, sizeof(got));
	assert_string_equal(got, want);
}

static void expect_cached(struct file *f, const char *want)
{
	char got[4096];

	cached(f->f_mapping, got, sizeof(got));
	assert_string_equal(got, want);
}

/* One read access through the CPU loop; returns the faults it took. */
static unsigned int touch(mmsim_machine *m, struct task_struct *t, uint64_t va)
{
	struct access_result r;

	assert_int_equal(task_access((struct mmsim_machine *)m, t, va, 1, MMU_READ, &r), 0);
	assert_int_equal(r.signo, 0);
	return r.faults;
}

/* ---- read(2) ----------------------------------------------------------------------------- */

static void read_all(struct file *f, uint64_t chunk, bool check)
{
	static uint8_t buf[1 << 20];
	uint64_t pos = 0;
	int64_t n;

	while ((n = filemap_read(f, pos, chunk, check ? buf : NULL)) > 0) {
		if (check)
			for (int64_t i = 0; i < n; i++)
				if (buf[i] != pattern(pos + (uint64_t)i))
					fail_msg("byte %llu reads %u, the file has %u",
						 (unsigned long long)(pos + (uint64_t)i), buf[i],
						 pattern(pos + (uint64_t)i));
		pos += (uint64_t)n;
	}
	assert_int_equal(n, 0);
	assert_int_equal(pos, f->f_inode->i_size);
}

/* The folio sizes readahead makes for sequential read(2) of each size, as measured. */
static void test_read_layouts(void **state)
{
	(void)state;
	static const struct {
		uint64_t chunk;
		const char *want;
	} cases[] = {
		{ 4096, "0+1*4 4+4*5 24+8 32+16*4 96+32 128+64*4 384+128 512+256*2 1024+512*6" },
		{ 65536, "0+1*64 64+4*64 320+16*32 832+64*17 1920+128 2048+256*8" },
		{ 131072, "0+1*128 128+4*64 384+16*32 896+64*16 1920+128 2048+256*8" },
		{ 1048576, "0+1*512 512+4*256 1536+16*128 3584+64*8" },
	};
	mmsim_machine *m = boot(kv_ref);
	struct mm_sys *ms = msys(m);
	char *path = make_file(NPAGES * PS);

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct file *f = open_file(m, path, O_RDONLY);
		uint64_t in0 = ms->vm_events[PGPGIN];

		read_all(f, cases[c].chunk, c == 0);
		expect_layout(f, cases[c].want);
		assert_int_equal(f->f_mapping->nrpages, NPAGES);
		assert_int_equal(global_node_page_state(ms, NR_FILE_PAGES), NPAGES);
		assert_int_equal(ms->vm_events[PGPGIN] - in0, NPAGES * 4);	/* KiB */
		check_all(m);
		/* posix_fadvise DONTNEED, as the probe's evict: clean, unmapped: all go */
		assert_int_equal(generic_fadvise(f, 0, 0, MMSIM_FADV_DONTNEED), 0);
		assert_int_equal(f->f_mapping->nrpages, 0);
		assert_int_equal(global_node_page_state(ms, NR_FILE_PAGES), 0);
		assert_int_equal(f->f_mapping->i_pages.nr_nodes, 0);
		fput(ms->fs, f);
		check_all(m);
	}
	unlink(path);
	free(path);
	mmsim_machine_free(m);
}

/* cat(1): POSIX_FADV_SEQUENTIAL doubles the window; 128 KiB reads. Then touching it all. */
static void test_cat_then_touch(void **state)
{
	(void)state;
	mmsim_machine *m = boot(kv_ref);
	struct mm_sys *ms = msys(m);
	char *path = make_file(NPAGES * PS);
	struct file *f = open_file(m, path, O_RDONLY);
	struct task_struct *t = new_task(m, 100);

	assert_int_equal(page_cache_cat(f), (int64_t)(NPAGES * PS));
	expect_layout(f, "0+1*128 128+4*128 640+16*64 1664+64*32 3712+128 3840+256");
	map_at(t, f, BASE, NPAGES * PS, PROT_READ, MAP_PRIVATE);
	fput(ms->fs, f);	/* the VMA keeps the file */
	uint64_t faults = 0;
	for (uint64_t p = 0; p < NPAGES; p++)
		faults += touch(m, t, BASE + p * PS);
	assert_int_equal(faults, 153);
	assert_int_equal(t->min_flt, 153);
	assert_int_equal(t->maj_flt, 0);
	assert_int_equal(t->mm->rss_stat[MM_FILEPAGES], NPAGES);
	check_all(m);
	mmsim_machine_free(m);
	unlink(path);
	free(path);
}

/* The 4 KiB-read layout mapped: whole large folios per fault, 20 faults. */
static void test_read_then_touch(void **state)
{
	(void)state;
	mmsim_machine *m = boot(kv_ref);
	char *path = make_file(NPAGES * PS);
	struct file *f = open_file(m, path, O_RDONLY);
	struct task_struct *t = new_task(m, 100);
	struct access_result r;
	uint8_t b;

	read_all(f, 4096, false);
	map_at(t, f, BASE, NPAGES * PS, PROT_READ, MAP_PRIVATE);
	uint64_t faults = 0;
	for (uint64_t p = 0; p < NPAGES; p++)
		faults += touch(m, t, BASE + p * PS);
	assert_int_equal(faults, 20);
	assert_int_equal(t->maj_flt, 0);
	/* the mapping shows the file's bytes */
	assert_int_equal(task_access_data((struct mmsim_machine *)m, t, BASE + 3 * MIB + 12345, 1,
					  MMU_READ, &b, &r), 0);
	assert_int_equal(b, pattern(3 * MIB + 12345));
	check_all(m);
	fput(msys(m)->fs, f);
	mmsim_machine_free(m);
	unlink(path);
	free(path);
}

/* ---- cold faults ------------------------------------------------------------------------- */

struct cold_case {
	const char *advice;	/* NULL, "seq", "rand", "huge", "exec" */
	uint64_t page;
	const char *ptes, *cache, *folios;
};

static void cold_one(const char *path, const struct cold_case *c)
{
	mmsim_machine *m = boot(kv_ref);
	struct mm_sys *ms = msys(m);
	struct file *f = open_file(m, path, O_RDONLY);
	struct task_struct *t = new_task(m, 100);
	uint64_t prot = PROT_READ | (c->advice && !strcmp(c->advice, "exec") ? PROT_EXEC : 0);

	map_at(t, f, BASE, NPAGES * PS, prot, MAP_PRIVATE);
	if (c->advice && strcmp(c->advice, "exec")) {
		int adv = !strcmp(c->advice, "seq") ? MADV_SEQUENTIAL :
			  !strcmp(c->advice, "rand") ? MADV_RANDOM : MADV_HUGEPAGE;
		assert_int_equal(sys_madvise(t, BASE, NPAGES * PS, adv), 0);
	}
	uint64_t majfault0 = ms->vm_events[PGMAJFAULT];
	assert_int_equal(fault_retry(t, BASE + c->page * PS, false) & VM_FAULT_ERROR, 0);
	assert_int_equal(t->maj_flt, 1);
	assert_int_equal(t->min_flt, 0);
	assert_int_equal(ms->vm_events[PGMAJFAULT] - majfault0, 1);
	expect_ptes(t, BASE, NPAGES, c->ptes);
	expect_cached(f, c->cache);
	expect_layout(f, c->folios);
	check_all(m);
	fput(ms->fs, f);
	mmsim_machine_free(m);
}

static void test_cold_first_touch(void **state)
{
	(void)state;
	static const struct cold_case cases[] = {
		{ NULL, 0, "0-15", "0-2047", "0+1*2048" },
		{ NULL, 1000, "992-1007", "0-2047", "0+1*2048" },
		{ NULL, 3000, "2992-3007", "1976-4023", "1976+1*2048" },
		{ "seq", 1000, "1000-1007", "1000-3047", "1000+1*2048" },
		{ "rand", 1000, "1000", "1000-1000", "1000+1" },
		{ "exec", 1000, "1000-1007", "1000-3047", "1000+1*2048" },
		/* Linux maps the first folio with a PMD (FilePmdMapped 2048 kB); mmsim with
		   512 PTEs: the same pages, the same count */
		{ "huge", 1000, "512-1023", "512-1535", "512+512*2" },
	};
	char *path = make_file(NPAGES * PS);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cold_one(path, &cases[i]);
	unlink(path);
	free(path);
}

/* A cold sequential walk: one major fault, then one per 16-page window; async readahead
   at the mark (page 1536) reads the rest in order-2 folios. */
static void test_cold_sequential_walk(void **state)
{
	(void)state;
	mmsim_machine *m = boot(kv_ref);
	char *path = make_file(NPAGES * PS);
	struct file *f = open_file(m, path, O_RDONLY);
	struct task_struct *t = new_task(m, 100);

	map_at(t, f, BASE, NPAGES * PS, PROT_READ, MAP_PRIVATE);
	for (uint64_t p = 0; p < NPAGES; p++) {
		uint64_t va = BASE + p * PS;

		if (pte_none_at(t->mm, va))
			assert_int_equal(fault_retry(t, va, false) & VM_FAULT_ERROR, 0);
	}
	assert_int_equal(t->maj_flt, 1);
	assert_int_equal(t->min_flt, 255);
	expect_layout(f, "0+1*2048 2048+4*512");
	expect_ptes(t, BASE, NPAGES, "0-4095");
	check_all(m);
	fput(msys(m)->fs, f);
	mmsim_machine_free(m);
	unlink(path);
	free(path);
}

/*
 * The last folio of a file is not mapped whole by fault-around (6.18: file_end >=
 * folio_next_index, file_end being the index of the page holding EOF): 96 KiB file read by
 * 4 KiB (folios 0+1*4 4+4*5), page 0 mapped 10 pages past a 2 MiB boundary.
 */
static void test_fault_around_last_folio(void **state)
{
	(void)state;
	mmsim_machine *m = boot(kv_ref);
	char *path = make_file(96 << 10);
	struct file *f = open_file(m, path, O_RDONLY);
	struct task_struct *t = new_task(m, 100);
	uint64_t base = BASE + 10 * PS;

	read_all(f, 4096, false);
	expect_layout(f, "0+1*4 4+4*5");
	map_at(t, f, base, 24 * PS, PROT_READ, MAP_PRIVATE);
	assert_int_equal(touch(m, t, base + 21 * PS), 1);
	expect_ptes(t, base, 24, "4-21");
	assert_int_equal(touch(m, t, base + 22 * PS), 1);
	expect_ptes(t, base, 24, "4-23");
	assert_int_equal(sys_munmap(t, base, 24 * PS), 0);
	map_at(t, f, base, 24 * PS, PROT_READ, MAP_PRIVATE);
	assert_int_equal(touch(m, t, base + 17 * PS), 1);
	expect_ptes(t, base, 24, "4-21");
	assert_int_equal(touch(m, t, base + 15 * PS), 0);
	check_all(m);
	fput(msys(m)->fs, f);
	mmsim_machine_free(m);
	unlink(path);
	free(path);
}

/* Beyond the end of the file (in the VMA): SIGBUS; the partial last page reads zeros past EOF. */
static void test_sigbus_beyond_eof(void **state)
{
	(void)state;
	mmsim_machine *m = boot(kv_ref);
	char *path = make_file(5000);
	struct file *f = open_file(m, path, O_RDONLY);
	struct task_struct *t = new_task(m, 100);
	struct access_result r;
	uint8_t b = 0xee;

	map_at(t, f, BASE, 4 * PS, PROT_READ, MAP_PRIVATE);
	assert_int_equal(task_access_data((struct mmsim_machine *)m, t, BASE + 4999, 1, MMU_READ,
					  &b, &r), 0);
	assert_int_equal(r.signo, 0);
	assert_int_equal(b, pattern(4999));
	assert_int_equal(task_access_data((struct mmsim_machine *)m, t, BASE + 5000, 1, MMU_READ,
					  &b, &r), 0);
	assert_int_equal(b, 0);
	assert_int_equal(task_access((struct mmsim_machine *)m, t, BASE + 2 * PS, 1, MMU_READ, &r), 0);
	assert_int_equal(r.signo, MMSIM_SIGBUS);
	assert_int_equal(r.addr, BASE + 2 * PS);
	expect_ptes(t, BASE, 4, "0-1");
	check_all(m);
	fput(msys(m)->fs, f);
	mmsim_machine_free(m);
	unlink(path);
	free(path);
}

/* ---- shmem ------------------------------------------------------------------------------- */

static void test_shmem_shared_across_fork(void **state)
{
	(void)state;
	mmsim_machine *m = boot(kv_ref);
	struct mmsim_machine *mm_ = (struct mmsim_machine *)m;
	struct mm_sys *ms = msys(m);
	struct task_struct *t = new_task(m, 100), *c;
	struct access_result r;
	uint64_t faults = 0;
	uint8_t v = 0x5a;
	/* 2 MiB aligned, as the probe maps it: fault-around windows follow virtual addresses */
	int64_t a = sys_mmap(t, BASE, 64 * PS, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	assert_int_equal(a, (int64_t)BASE);
	for (uint64_t i = 0; i < 16; i++)
		faults += touch(m, t, (uint64_t)a + i * PS);
	assert_int_equal(faults, 16);
	for (uint64_t i = 16; i < 32; i++) {
		assert_int_equal(task_access_data(mm_, t, (uint64_t)a + i * PS, 1, MMU_WRITE, &v, &r), 0);
		assert_int_equal(r.faults, 1);
	}
	assert_int_equal(global_node_page_state(ms, NR_SHMEM), 32);
	assert_int_equal(global_node_page_state(ms, NR_FILE_PAGES), 32);
	assert_int_equal(t->mm->rss_stat[MM_SHMEMPAGES], 32);
	assert_int_equal(global_node_page_state(ms, NR_FILE_DIRTY), 0);	/* noop_dirty_folio */
	int64_t pid = sys_fork(mm_, t, 0);
	assert_true(pid > 0);
	c = find_task_by_pid(mm_, (int)pid);
	assert_non_null(c);
	faults = 0;
	for (uint64_t i = 0; i < 32; i++)
		faults += touch(m, c, (uint64_t)a + i * PS);
	assert_int_equal(faults, 2);		/* fault-around: 16 cached pages each */
	assert_int_equal(task_access_data(mm_, c, (uint64_t)a + 20 * PS, 1, MMU_READ, &v, &r), 0);
	assert_int_equal(v, 0x5a);		/* the parent's byte */
	faults = 0;
	for (uint64_t i = 32; i < 64; i++)
		faults += touch(m, c, (uint64_t)a + i * PS);
	assert_int_equal(faults, 32);
	assert_int_equal(global_node_page_state(ms, NR_SHMEM), 64);
	assert_int_equal(t->maj_flt + c->maj_flt, 0);
	check_all(m);
	do_exit(mm_, c, 0);
	do_exit(mm_, t, 0);
	/* the last reference gone, the shmem inode goes with its pages */
	assert_int_equal(global_node_page_state(ms, NR_SHMEM), 0);
	assert_int_equal(global_node_page_state(ms, NR_FILE_PAGES), 0);
	check_all(m);
	mmsim_machine_free(m);
}

/* ---- writeback --------------------------------------------------------------------------- */

/* Write two bytes through a shared mapping, write back, look at the host files. */
static void writeback_run(bool real)
{
	static const char *const kv_real[] = { "ram", "1G", "read_ahead_kb", "8192",
					       "file_writes", "real", NULL };
	mmsim_machine *m = boot(real ? kv_real : kv_ref);
	struct mmsim_machine *mm_ = (struct mmsim_machine *)m;
	struct mm_sys *ms = msys(m);
	char *path = make_file(64 * PS);
	uint64_t sum0 = host_checksum(path);
	struct file *f = open_file(m, path, O_RDWR);
	struct task_struct *t = new_task(m, 100);
	struct access_result r;
	uint8_t v = 0xa5, w = 0x3c, b;
	char scratch[4096] = "";

	map_at(t, f, BASE, 64 * PS, PROT_READ | PROT_WRITE, MAP_SHARED);
	assert_int_equal(task_access_data(mm_, t, BASE + 5, 1, MMU_WRITE, &v, &r), 0);
	assert_int_equal(r.signo, 0);
	assert_int_equal(task_access_data(mm_, t, BASE + 40 * PS + 7, 1, MMU_WRITE, &w, &r), 0);
	/* cold: one readahead window of order-0 folios, two of them dirty */
	assert_int_equal(global_node_page_state(ms, NR_FILE_DIRTY), 2);
	assert_int_equal(global_node_page_state(ms, NR_DIRTIED), 2);
	assert_int_equal(f->f_mapping->nr_dirty, 2);
	check_all(m);
	assert_int_equal(filemap_write_and_wait_range(f->f_mapping, 0, UINT64_MAX), 0);
	assert_int_equal(global_node_page_state(ms, NR_FILE_DIRTY), 0);
	assert_int_equal(global_node_page_state(ms, NR_WRITTEN), 2);
	assert_int_equal(ms->vm_events[PGPGOUT], 8);
	check_all(m);
	if (real) {
		assert_true(host_checksum(path) != sum0);
	} else {
		assert_int_equal(host_checksum(path), sum0);	/* the user's file untouched */
		assert_non_null(ms->scratch_dir);
		snprintf(scratch, sizeof(scratch), "%s", ms->scratch_dir);
		assert_non_null(f->f_mapping->wb_path);
		int cfd = open(f->f_mapping->wb_path, O_RDONLY);
		assert_true(cfd >= 0);
		assert_int_equal(pread(cfd, &b, 1, 5), 1);
		assert_int_equal(b, 0xa5);
		assert_int_equal(pread(cfd, &b, 1, 40 * PS + 7), 1);
		assert_int_equal(b, 0x3c);
		assert_int_equal(pread(cfd, &b, 1, 6), 1);
		assert_int_equal(b, pattern(6));
		close(cfd);
	}
	/* written back, the PTE is write-protected: the next store faults and dirties again */
	assert_int_equal(task_access_data(mm_, t, BASE + 6, 1, MMU_WRITE, &v, &r), 0);
	assert_int_equal(r.faults, 1);
	assert_int_equal(global_node_page_state(ms, NR_DIRTIED), 3);
	assert_int_equal(filemap_write_and_wait_range(f->f_mapping, 0, UINT64_MAX), 0);
	/* dropped from the cache, the pages come back from where writeback put them */
	assert_int_equal(sys_munmap(t, BASE, 64 * PS), 0);
	assert_int_equal(generic_fadvise(f, 0, 0, MMSIM_FADV_DONTNEED), 0);
	assert_int_equal(f->f_mapping->nrpages, 0);
	uint8_t eight[8];
	assert_int_equal(filemap_read(f, 0, 8, eight), 8);
	assert_int_equal(eight[5], 0xa5);
	assert_int_equal(kernel_read(f, &b, 1, 5), 1);
	assert_int_equal(b, 0xa5);
	assert_int_equal(kernel_read(f, &b, 1, 40 * PS + 7), 1);
	assert_int_equal(b, 0x3c);
	check_all(m);
	fput(ms->fs, f);
	mmsim_machine_free(m);
	if (!real) {
		struct stat st;
		assert_int_equal(stat(scratch, &st), -1);	/* the scratch directory is gone */
		assert_int_equal(host_checksum(path), sum0);
	}
	unlink(path);
	free(path);
}

static void test_writeback_copy(void **state)
{
	(void)state;
	writeback_run(false);
}

static void test_writeback_real(void **state)
{
	(void)state;
	writeback_run(true);
}

/* ---- teardown ---------------------------------------------------------------------------- */

/*
 * Every folio the cache held is free after the file layer's teardown, whether its file was
 * still open, closed but cached (the inode stays), or mapped by a task that exited.
 */
static void test_teardown_frees_every_folio(void **state)
{
	(void)state;
	mmsim_machine *m = boot(kv_ref);
	struct mmsim_machine *mm_ = (struct mmsim_machine *)m;
	struct mm_sys *ms = msys(m);
	char *path = make_file(NPAGES * PS), *path2 = make_file(300 * PS);
	struct file *f = open_file(m, path, O_RDONLY), *g = open_file(m, path2, O_RDONLY);
	struct task_struct *t = new_task(m, 100);
	static uint64_t pfns[NPAGES + 400];
	size_t n = 0;

	read_all(f, 65536, false);
	map_at(t, g, BASE, 300 * PS, PROT_READ, MAP_PRIVATE);
	assert_int_equal(fault_retry(t, BASE + 100 * PS, false) & VM_FAULT_ERROR, 0);
	struct address_space *maps[2] = { f->f_mapping, g->f_mapping };
	fput(ms->fs, g);		/* closed: the VMA holds it */
	do_exit(mm_, t, 0);		/* and now nothing: the inode stays, cached */
	assert_int_equal(global_node_page_state(ms, NR_FILE_PAGES), NPAGES + 300);
	/* record every cached folio */
	for (int k = 0; k < 2; k++) {
		uint64_t index = 0;
		struct page *folio;
		while ((folio = xa_find(&maps[k]->i_pages, &index, UINT64_MAX, NULL, NULL)) != NULL) {
			assert_true(n < sizeof(pfns) / sizeof(pfns[0]));
			pfns[n++] = page_to_pfn(ms, folio);
			index = folio->index + folio_nr_pages(folio);
		}
	}
	assert_true(n > 100);
	check_all(m);
	fork_teardown(mm_);	/* the tasks, then the file layer: fs_teardown */
	assert_null(ms->fs);
	assert_int_equal(global_node_page_state(ms, NR_FILE_PAGES), 0);
	for (size_t i = 0; i < n; i++) {
		struct page *p = pfn_to_page(ms, pfns[i]);
		assert_int_equal(p->refcount, 0);
		assert_null(p->mapping);
	}
	mmsim_machine_free(m);
	unlink(path);
	unlink(path2);
	free(path);
	free(path2);
}

/* The host's cache state copied in: the same pages cached (mincore of the host file). */
static void test_mirror_host_cache(void **state)
{
	(void)state;
	mmsim_machine *m = boot(kv_ref);
	char *path = make_file(600 * PS);
	int fd = open(path, O_RDONLY);
	uint8_t b[PS];
	unsigned char vec[600];
	char want[4096] = "";
	size_t o = 0;

	assert_true(fd >= 0);
	assert_int_equal(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	assert_int_equal(pread(fd, b, PS, 0), (ssize_t)PS);
	assert_int_equal(pread(fd, b, PS, 500 * PS), (ssize_t)PS);
	void *hm = mmap(NULL, 600 * PS, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(hm != MAP_FAILED);
	/* the host's reads may still be in flight: wait until mincore stops changing */
	for (int same = 0, last = -1; same < 3;) {
		int c = 0;
		assert_int_equal(mincore(hm, 600 * PS, vec), 0);
		for (int i = 0; i < 600; i++)
			c += vec[i] & 1;
		same = c == last ? same + 1 : 0;
		last = c;
		usleep(20000);
	}
	for (int i = 0; i < 600;) {
		if (!(vec[i] & 1)) {
			i++;
			continue;
		}
		int j = i;
		while (j < 600 && (vec[j] & 1))
			j++;
		o += (size_t)snprintf(want + o, sizeof(want) - o, "%s%d-%d", o ? " " : "", i, j - 1);
		i = j;
	}
	munmap(hm, 600 * PS);
	close(fd);
	struct file *f = open_file(m, path, O_RDONLY);
	uint64_t in0 = msys(m)->vm_events[PGPGIN];
	assert_int_equal(filemap_mirror_host_cache(f), 0);
	assert_true(strlen(want) > 0);
	expect_cached(f, want);
	assert_int_equal(msys(m)->vm_events[PGPGIN], in0);
	assert_int_equal(kernel_read(f, b, 1, 500 * PS + 3), 1);
	assert_int_equal(b[0], pattern(500 * PS + 3));
	check_all(m);
	fput(msys(m)->fs, f);
	mmsim_machine_free(m);
	unlink(path);
	free(path);
}

/* An allocation failure in a fault changes nothing cached and reports OOM. */
static void test_fault_oom_changes_nothing(void **state)
{
	(void)state;
	mmsim_machine *m = boot(kv_ref);
	struct mm_sys *ms = msys(m);
	char *path = make_file(64 * PS);
	struct file *f = open_file(m, path, O_RDONLY);
	struct task_struct *t = new_task(m, 100);

	map_at(t, f, BASE, 64 * PS, PROT_READ, MAP_PRIVATE);
	assert_int_equal(sys_madvise(t, BASE, 64 * PS, MADV_RANDOM), 0);
	mmsim_fail_nth_alloc(m, 1);	/* the folio */
	vm_fault_t ret = fault_retry(t, BASE, false);
	assert_true(ret & VM_FAULT_OOM);
	assert_int_equal(f->f_mapping->nrpages, 0);
	assert_int_equal(global_node_page_state(ms, NR_FILE_PAGES), 0);
	expect_ptes(t, BASE, 64, "");
	check_all(m);
	assert_int_equal(fault_retry(t, BASE, false) & VM_FAULT_ERROR, 0);
	expect_ptes(t, BASE, 64, "0");
	check_all(m);
	fput(ms->fs, f);
	mmsim_machine_free(m);
	unlink(path);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_layouts),
		cmocka_unit_test(test_cat_then_touch),
		cmocka_unit_test(test_read_then_touch),
		cmocka_unit_test(test_cold_first_touch),
		cmocka_unit_test(test_cold_sequential_walk),
		cmocka_unit_test(test_fault_around_last_folio),
		cmocka_unit_test(test_sigbus_beyond_eof),
		cmocka_unit_test(test_shmem_shared_across_fork),
		cmocka_unit_test(test_writeback_copy),
		cmocka_unit_test(test_writeback_real),
		cmocka_unit_test(test_teardown_frees_every_folio),
		cmocka_unit_test(test_mirror_host_cache),
		cmocka_unit_test(test_fault_oom_changes_nothing),
	};
	int ret = cmocka_run_group_tests(tests, NULL, remove_files);

	for (unsigned int i = 0; i < sizeof(made) / sizeof(made[0]); i++)
		free(made[i]);
	return ret;
}

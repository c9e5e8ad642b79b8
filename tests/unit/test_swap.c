/*
 * Swap (src/mm/swapfile.c, swap_state.c, page_io.c, arch/swp_entry.c; docs/swap.md): swap
 * PTEs in each format's real layout; mkswap headers byte for byte as util-linux writes them;
 * swapon's checks; priorities and /proc/swaps as the reference kernel prints them; every page
 * checksummed through a full round trip (MADV_PAGEOUT, the bytes in the file at slot *
 * 4096, read back with readahead); fork sharing a swapped page; munmap and swapoff; failures
 * that change nothing. The numbers stated come from probes on the Linux 6.18 host
 * (docs/swap.md "Measured on the reference machine").
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
#include <sys/stat.h>
#include <unistd.h>

#include "mmsim/mmsim.h"
#include "boot.h"
#include "task_helpers.h"
#include "arch/pgtable.h"
#include "kernel/fork.h"
#include "mm/folio.h"
#include "mm/mman.h"
#include "mm/memory.h"
#include "mm/page_alloc.h"
#include "mm/rmap.h"
#include "mm/swap.h"
#include "mm/swap_internal.h"
#include "mm/vma.h"
#include "report/proc.h"
#include "util/strbuf.h"

#define PS 4096ull
#define RW (PROT_READ | PROT_WRITE)
#define A (MAP_PRIVATE | MAP_ANONYMOUS)

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mmsim-swaptest-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* dir/name */
static const char *at(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

/* A swap file of pages pages made by mmsim's mkswap. */
static const char *mkswap(const char *name, uint64_t pages)
{
	struct mmsim_error err = { 0 };
	const char *p = at(name);

	unlink(p);
	assert_int_equal(mkswap_file(p, pages * PS, &err), 0);
	return p;
}

/*
 * The swap mechanics (slots, entries, the cache, readahead) on a synchronous device
 * (nr_requests=0): a write completes before pageout returns, so a page MADV_PAGEOUT wrote
 * leaves memory at once. test_writeback_async shows the default device, where it stays in
 * the swap cache under writeback, as on the reference machine.
 */
static mmsim_machine *machine(void)
{
	static const char *const kv[] = { "ram", "256M", "nr_requests", "0", NULL };

	return boot(kv);
}

/* Every validator the swap code touches (machine_check less fs_validate, see docs/swap.md). */
static void check(struct mmsim_machine *m)
{
	struct mmsim_error err = { 0 };
	struct list_head *pos;
	char msg[512];
	int ret = page_alloc_validate(&m->mm, &err);

	if (!ret)
		ret = swap_validate(&m->mm, &err);
	list_for_each(pos, &m->tasks) {
		struct task_struct *t = list_entry(pos, struct task_struct, tasks);

		if (!ret && t->mm)
			ret = mm_validate(t->mm, &err);
		if (!ret && t->mm)
			ret = pgtable_validate(&t->mm->pgd, &err);
	}
	if (ret) {
		mmsim_error_format(&err, msg, sizeof(msg));
		fail_msg("validate: %s", msg);
	}
}

/* Every task exits, swap goes, the machine is freed. */
static void teardown(struct mmsim_machine *m)
{
	struct list_head *pos;

	list_for_each(pos, &m->tasks) {
		struct task_struct *t = list_entry(pos, struct task_struct, tasks);

		if (t->mm)
			do_exit(m, t, 0);
	}
	check(m);
	assert_int_equal(total_swapcache_pages(&m->mm), 0);
	swap_exit(&m->mm);
	mmsim_machine_free(m);
}

static char *render(struct mmsim_machine *m, const char *file)
{
	char *out = NULL;
	int rc = mmsim_proc_render(m, file, &out, NULL);

	if (rc || !out)
		fail_msg("render %s: %d", file, rc);
	return out;
}

/* The kB value of "Label:" in /proc/meminfo. */
static long long meminfo(struct mmsim_machine *m, const char *label)
{
	char *t = render(m, "meminfo"), *p = strstr(t, label);
	long long v = p ? strtoll(p + strlen(label), NULL, 10) : -1;

	free(t);
	return v;
}

/* The raw PTE of va (0 when no table). */
static uint64_t raw_pte(struct task_struct *t, uint64_t va)
{
	struct pte_desc d;
	uint64_t entry_pa;
	int level;

	if (pgtable_lookup(&t->mm->pgd, va, &d, &level, &entry_pa) ||
	    level != t->mm->pgd.fmt->nr_levels - 1)
		return 0;
	return pgtable_read_entry(&t->mm->pgd, entry_pa);
}

/*
 * The x86-64 swap PTE Linux writes (pgtable_64.h __swp_entry, _PAGE_SWP_EXCLUSIVE = bit 3):
 * type in 59..63, the offset inverted in 9..58.
 */
static uint64_t x86_64_swap_pte(unsigned int type, uint64_t offset, bool excl)
{
	return (~offset << 14 >> 5) | ((uint64_t)type << 59) | (excl ? 8u : 0u);
}

/* Seeded bytes of page i (xorshift64). */
static void fill(uint8_t *buf, uint64_t seed, uint64_t i)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + i + 1;

	for (uint64_t k = 0; k < PS; k += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + k, &x, 8);
	}
}

static void write_page(struct mmsim_machine *m, struct task_struct *t, uint64_t va,
		       const uint8_t *buf)
{
	struct access_result r;

	assert_int_equal(task_access_data(m, t, va, (uint32_t)PS, MMU_WRITE, (void *)buf, &r), 0);
	assert_int_equal(r.signo, 0);
}

/* Read the page at va; the major faults it took. */
static unsigned int read_page(struct mmsim_machine *m, struct task_struct *t, uint64_t va,
			      uint8_t *buf)
{
	struct access_result r;

	assert_int_equal(task_access_data(m, t, va, (uint32_t)PS, MMU_READ, buf, &r), 0);
	assert_int_equal(r.signo, 0);
	return r.major;
}

/* A task with n pages of seeded data at the returned address. */
static uint64_t filled(struct mmsim_machine *m, struct task_struct *t, uint64_t n, uint64_t seed)
{
	int64_t a = sys_mmap(t, 0, n * PS, RW, A, -1, 0);
	uint8_t buf[PS];

	assert_true(a > 0);
	for (uint64_t i = 0; i < n; i++) {
		fill(buf, seed, i);
		write_page(m, t, (uint64_t)a + i * PS, buf);
	}
	return (uint64_t)a;
}

/* Drop every clean swap-cache folio nothing maps, as reclaim would (__remove_mapping). */
static void drop_swap_cache(struct mmsim_machine *m, unsigned int type, uint64_t max)
{
	for (uint64_t off = 1; off < max; off++) {
		struct page *f = swap_cache_get_folio(&m->mm, swp_entry(type, off));

		if (!f || folio_mapped(f))
			continue;
		assert_false(page_test(f, PG_dirty));
		folio_get(f);
		delete_from_swap_cache(&m->mm, f, NULL);
		folio_put(&m->mm, 0, f);
	}
}

static uint64_t ev(struct mmsim_machine *m, enum vm_event_item i)
{
	return m->mm.vm_events[i];
}

/* ---- swap PTE layouts ------------------------------------------------------------------------ */

/* (type, offset, exclusive) through the format's swap PTE and back; not present to the MMU. */
static void round_trip(const struct pt_format *f, unsigned int type, uint64_t off, bool x)
{
	uint64_t raw = swp_entry_to_pte(f, swp_entry(type, off), x);
	struct pte_desc d;
	swp_entry_t e;
	bool excl;

	assert_true(pte_to_swp_entry(f, raw, &e, &excl));
	assert_int_equal(swp_type(e), type);
	assert_int_equal(swp_offset(e), off);
	assert_int_equal(excl, x);
	assert_int_equal(f->ops->decode(f, f->nr_levels - 1, raw, &d), 0);
	assert_int_equal(d.kind, PTE_KIND_NONE);
}

/*
 * The values are computed by hand from Linux 6.18's macros (arch/x86/include/asm/pgtable_64.h,
 * pgtable-2level.h, pgtable-3level.h, arch/arm64/include/asm/pgtable.h) for type 1, offset
 * 5, exclusive:
 *   x86-64  (~5 << 14 >> 5) | 1 << 59 | bit 3  = 0x0ffffffffffff408
 *   PAE     (~5 << 14 >> 5) | 1 << 59 | bit 7  = 0x0ffffffffffff480
 *   i386    1 << 1 | 5 << 9 | bit 7            = 0xa82
 *   arm64   1 << 6 | 5 << 12 | bit 2           = 0x5044
 * and type 0, offset 1, not exclusive on x86-64: ~1 << 14 >> 5 = 0x07fffffffffffc00.
 */
static void test_swp_entry_formats(void **state)
{
	(void)state;
	static const struct { enum pt_format_id id; uint64_t raw; } golden[] = {
		{ PTF_X86_64_4L, 0x0ffffffffffff408ull }, { PTF_X86_64_5L, 0x0ffffffffffff408ull },
		{ PTF_I386_PAE, 0x0ffffffffffff480ull }, { PTF_I386_2L, 0xa82ull },
		{ PTF_ARM64_4K_48, 0x5044ull }, { PTF_ARM64_16K_47, 0x5044ull },
		{ PTF_ARM64_64K_42, 0x5044ull },
	};
	for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
		const struct pt_format *f = pt_format_get(golden[i].id);
		swp_entry_t e;
		bool excl;

		assert_int_equal(swp_entry_to_pte(f, swp_entry(1, 5), true), golden[i].raw);
		assert_true(pte_to_swp_entry(f, golden[i].raw, &e, &excl));
		assert_int_equal(swp_type(e), 1);
		assert_int_equal(swp_offset(e), 5);
		assert_true(excl);
	}
	assert_int_equal(swp_entry_to_pte(pt_format_get(PTF_X86_64_4L), swp_entry(0, 1), false),
			 0x07fffffffffffc00ull);

	/* every format: round trips at the edges; not present to the hardware; 0 and present
	   entries are not swap entries */
	for (int id = 0; id < NR_PT_FORMATS; id++) {
		const struct pt_format *f = pt_format_get((enum pt_format_id)id);
		uint64_t max = swp_pte_max_offset(f), raw;
		const uint64_t offs[] = { 1, 2, 511, 512, 0x12345, max - 2 };

		for (unsigned int type = 0; type < SWAP_NR_AREAS; type += 9)
			for (size_t k = 0; k < sizeof(offs) / sizeof(offs[0]); k++)
				for (int x = 0; x < 2; x++)
					round_trip(f, type, offs[k], x);
		assert_false(pte_to_swp_entry(f, 0, NULL, NULL));
		/* a present page: P (x86) / valid + page (arm64), and A (x86) / AF (arm64) */
		raw = 0x1000 | 0x3 | (f->arch == ARCH_ARM64 ? 0x400 : 0x20);
		assert_false(pte_to_swp_entry(f, raw, NULL, NULL));
	}
	/* what a swap PTE can name (generic_max_swapfile_size) */
	assert_int_equal(swp_pte_max_offset(pt_format_get(PTF_X86_64_4L)), 1ull << 50);
	assert_int_equal(swp_pte_max_offset(pt_format_get(PTF_I386_PAE)), 1ull << 27);
	assert_int_equal(swp_pte_max_offset(pt_format_get(PTF_I386_2L)), 1ull << 23);
	assert_int_equal(swp_pte_max_offset(pt_format_get(PTF_ARM64_4K_48)), 1ull << 50);
}

/* ---- mkswap and swapon ----------------------------------------------------------------------- */

/* The header of mmsim's mkswap is util-linux mkswap's, byte for byte (same UUID and label). */
static void test_mkswap_matches_util_linux(void **state)
{
	(void)state;
	struct mmsim_error err = { 0 };
	const char *ours = at("ours"), *theirs = at("theirs");
	unsigned char a[PS], b[PS], uuid[16];
	char cmd[512], uuid_s[40];
	int fd;

	if (system("command -v mkswap >/dev/null 2>&1") != 0)
		skip();
	assert_int_equal(mkswap_file_pagesize(ours, 64 * PS, PS, "mmsim", &err), 0);
	fd = open(ours, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, a, PS, 0), (ssize_t)PS);
	close(fd);
	memcpy(uuid, a + 1036, 16);
	snprintf(uuid_s, sizeof(uuid_s),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7], uuid[8],
		 uuid[9], uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
	snprintf(cmd, sizeof(cmd), "dd if=/dev/zero of='%s' bs=4096 count=64 status=none && "
		 "mkswap -q -p 4096 -L mmsim -U %s '%s' >/dev/null 2>&1", theirs, uuid_s, theirs);
	assert_int_equal(system(cmd), 0);
	fd = open(theirs, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, b, PS, 0), (ssize_t)PS);
	close(fd);
	assert_memory_equal(a, b, PS);
	/* mkswap's minimum: 10 pages */
	assert_int_equal(mkswap_file(at("small"), 9 * PS, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "at least 40 KiB"));
}

/* A file made by the host's mkswap is accepted; /proc/swaps and meminfo show it as Linux. */
static void test_swapon_host_mkswap(void **state)
{
	(void)state;
	struct mmsim_machine *m = machine();
	struct mmsim_error err = { 0 };
	const char *p = at("host.swap");
	char cmd[4200], want[1600], *text;

	if (system("command -v mkswap >/dev/null 2>&1") != 0) {
		mmsim_machine_free(m);
		skip();
	}
	snprintf(cmd, sizeof(cmd), "rm -f '%s'; dd if=/dev/zero of='%s' bs=1M count=8 "
		 "status=none && chmod 600 '%s' && mkswap -q '%s' >/dev/null", p, p, p, p);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sys_swapon(&m->mm, p, 0, &err), 0);
	/* the host showed, for this file: "/tmp/sw1 ... file\t\t8188\t\t0\t\t-2" */
	text = render(m, "swaps");
	snprintf(want, sizeof(want), "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
		 "%s%*sfile\t\t8188\t\t0\t\t-2\n", p, (int)(40 - strlen(p)), " ");
	assert_string_equal(text, want);
	free(text);
	assert_int_equal(meminfo(m, "SwapTotal:"), 8188);
	assert_int_equal(meminfo(m, "SwapFree:"), 8188);
	assert_int_equal(meminfo(m, "SwapCached:"), 0);
	assert_int_equal(sys_swapon(&m->mm, p, 0, &err), -EBUSY);
	assert_int_equal(sys_swapoff(&m->mm, p), 0);
	assert_int_equal(sys_swapoff(&m->mm, p), -EINVAL);
	assert_int_equal(meminfo(m, "SwapTotal:"), 0);
	check(m);
	teardown(m);
}

/* Write a header page (util-linux layout) into a file of pages pages. */
static const char *header_file(const char *name, uint64_t pages, uint32_t version,
			       uint32_t last_page, uint32_t nr_bad, const char *magic, bool sparse)
{
	const char *p = at(name);
	unsigned char hdr[PS] = { 0 };
	int fd;

	unlink(p);
	fd = open(p, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	memcpy(hdr + 1024, &version, 4);
	memcpy(hdr + 1028, &last_page, 4);
	memcpy(hdr + 1032, &nr_bad, 4);
	memcpy(hdr + PS - 10, magic, 10);
	assert_int_equal(pwrite(fd, hdr, PS, 0), (ssize_t)PS);
	if (sparse) {
		assert_int_equal(ftruncate(fd, (off_t)(pages * PS)), 0);
	} else {
		unsigned char zero[PS] = { 0 };

		for (uint64_t i = 1; i < pages; i++)
			assert_int_equal(pwrite(fd, zero, PS, (off_t)(i * PS)), (ssize_t)PS);
	}
	close(fd);
	return p;
}

/*
 * sys_swapon's checks (read_swap_header and the rest), each refused as the host refused the
 * same file (docs/swap.md), with a message, and nothing changed.
 */
static void test_swapon_refuses(void **state)
{
	(void)state;
	struct mmsim_machine *m = machine();
	struct mmsim_error err = { 0 };
	char *before = render(m, "swaps"), *after;
	static const struct {
		const char *name;
		uint64_t pages;
		uint32_t version, last_page, nr_bad;
		const char *magic;
		bool sparse;
		const char *says;
	} bad[] = {
		{ "magic", 16, 1, 15, 0, "SWAPSPACE1", false, "Unable to find swap-space" },
		{ "version", 16, 2, 15, 0, "SWAPSPACE2", false, "Unable to handle swap header" },
		{ "empty", 16, 1, 0, 0, "SWAPSPACE2", false, "Empty swap-file" },
		{ "one-page", 1, 1, 0, 0, "SWAPSPACE2", false, "Empty swap-file" },
		{ "beyond", 16, 1, 16, 0, "SWAPSPACE2", false, "Swap area shorter than signature" },
		{ "swab-beyond", 16, 0x01000000, 15, 0, "SWAPSPACE2", false, "Swap area shorter" },
		{ "badpages", 16, 1, 15, 1, "SWAPSPACE2", false, "bad pages" },
		{ "sparse", 16, 1, 15, 0, "SWAPSPACE2", true, "unallocated extents" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *p = header_file(bad[i].name, bad[i].pages, bad[i].version,
					    bad[i].last_page, bad[i].nr_bad, bad[i].magic,
					    bad[i].sparse);

		memset(&err, 0, sizeof(err));
		assert_int_equal(sys_swapon(&m->mm, p, 0, &err), -EINVAL);
		if (!strstr(err.msg, bad[i].says))
			fail_msg("%s: '%s' does not say '%s'", bad[i].name, err.msg, bad[i].says);
	}
	/* a file of 100 bytes reads as zeros past its end: no signature */
	{
		const char *p = at("tiny");
		int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);

		assert_int_equal(write(fd, "x", 1), 1);
		close(fd);
		assert_int_equal(sys_swapon(&m->mm, p, 0, &err), -EINVAL);
	}
	assert_int_equal(sys_swapon(&m->mm, at("no-such-file"), 0, &err), -ENOENT);
	assert_int_equal(sys_swapon(&m->mm, dir, 0, &err), -EISDIR);
	assert_int_equal(sys_swapon(&m->mm, mkswap("ok", 16), 0x80000, &err), -EINVAL);
	after = render(m, "swaps");
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_int_equal(total_swap_pages(&m->mm), 0);
	/* the good one works, with last_page below the file's end (only that much is used) */
	assert_int_equal(sys_swapon(&m->mm, header_file("short", 16, 1, 8, 0, "SWAPSPACE2", false),
				    0, &err), 0);
	assert_int_equal(total_swap_pages(&m->mm), 8);
	check(m);
	teardown(m);
}

/*
 * Priorities as the host gave them: default ones count down from -2; swapoff of one moves
 * those after it up; a later swapon gets the next lower; /proc/swaps lists by type.
 */
static void test_priorities(void **state)
{
	(void)state;
	struct mmsim_machine *m = machine();
	struct mmsim_error err = { 0 };
	const char *a = mkswap("a", 1024), *b = mkswap("b", 1024), *c = mkswap("c", 1024);
	struct swap_state *ss;

	assert_int_equal(sys_swapon(&m->mm, a, 0, &err), 0);
	assert_int_equal(sys_swapon(&m->mm, b, 0, &err), 0);
	assert_int_equal(sys_swapon(&m->mm, c, 0, &err), 0);
	ss = m->mm.swap;
	assert_int_equal(ss->swap_info[0]->prio, -2);
	assert_int_equal(ss->swap_info[1]->prio, -3);
	assert_int_equal(ss->swap_info[2]->prio, -4);
	assert_int_equal(sys_swapoff(&m->mm, a), 0);
	assert_int_equal(ss->swap_info[1]->prio, -2);
	assert_int_equal(ss->swap_info[2]->prio, -3);
	assert_int_equal(sys_swapon(&m->mm, a, 0, &err), 0);
	assert_int_equal(ss->swap_info[0]->prio, -4);	/* type 0 again, the lowest priority */
	{
		char *t = render(m, "swaps"), *l1 = strchr(t, '\n') + 1;

		assert_true(strncmp(l1, a, strlen(a)) == 0);	/* by type, not by priority */
		assert_non_null(strstr(l1, "\t\t4092\t\t0\t\t-4\n"));
		free(t);
	}
	check(m);
	teardown(m);
}

/*
 * Two areas of priority 5 take turns page by page, the -2 one gets nothing until they are
 * full (the host: pages 0..7 went to type 0 offset 1, type 1 offset 1, type 0 offset 2 ...).
 */
static void test_round_robin(void **state)
{
	(void)state;
	struct mmsim_machine *m = machine();
	struct mmsim_error err = { 0 };
	struct task_struct *t = new_task(m, 100);
	uint64_t a;

	assert_int_equal(sys_swapon(&m->mm, mkswap("a", 1024), 0x8005, &err), 0);
	assert_int_equal(sys_swapon(&m->mm, mkswap("b", 1024), 0x8005, &err), 0);
	assert_int_equal(sys_swapon(&m->mm, mkswap("c", 1024), 0, &err), 0);
	a = filled(m, t, 8, 1);
	assert_int_equal(sys_madvise(t, a, 8 * PS, MADV_PAGEOUT), 0);
	for (uint64_t i = 0; i < 8; i++) {
		swp_entry_t e;

		assert_true(pte_to_swp_entry(t->mm->pgd.fmt, raw_pte(t, a + i * PS), &e, NULL));
		assert_int_equal(swp_type(e), i % 2);
		assert_int_equal(swp_offset(e), i / 2 + 1);
	}
	check(m);
	teardown(m);
}

/* ---- the round trip ------------------------------------------------------------------------- */

/*
 * N pages of seeded data go out with MADV_PAGEOUT and come back byte for byte:
 *  - each PTE becomes the x86-64 swap PTE of (type 0, slot i + 1), exclusive (the pages were
 *    this process's alone); RssAnon goes to the swap count;
 *  - the file holds page i at byte (i + 1) * 4096;
 *  - with the cache dropped (reclaim's part), reading the pages back in address order takes
 *    major faults at pages 0, 7, 15, ..., 63 (readahead from boot: 4 hits make the first
 *    window 8 slots, [1, 7] as slot 0 is the header; then windows of 8) and every other
 *    page is a readahead hit; pswpin counts each page once.
 */
static void test_round_trip(void **state)
{
	(void)state;
	enum { N = 64 };
	struct mmsim_machine *m = machine();
	struct mmsim_error err = { 0 };
	struct task_struct *t = new_task(m, 100);
	const char *path = mkswap("rt", 1024);
	uint8_t want[PS], got[PS];
	uint64_t a, free0, out0 = ev(m, PSWPOUT), in0, ra0, hit0, maj0, pgout0 = ev(m, PGPGOUT);
	unsigned int majors = 0;
	int fd;

	assert_int_equal(sys_swapon(&m->mm, path, 0, &err), 0);
	a = filled(m, t, N, 42);
	free0 = global_free_pages(&m->mm);
	assert_int_equal(t->mm->rss_stat[MM_ANONPAGES], N);
	assert_int_equal(sys_madvise(t, a, N * PS, MADV_PAGEOUT), 0);
	check(m);
	for (uint64_t i = 0; i < N; i++)
		assert_int_equal(raw_pte(t, a + i * PS), x86_64_swap_pte(0, i + 1, true));
	assert_int_equal(t->mm->rss_stat[MM_ANONPAGES], 0);
	assert_int_equal(t->mm->rss_stat[MM_SWAPENTS], N);
	assert_int_equal(ev(m, PSWPOUT) - out0, N);
	assert_int_equal(ev(m, PGPGOUT) - pgout0, 4 * N);
	assert_int_equal(meminfo(m, "SwapFree:"), 4092 - 4 * N);
	/* the file holds each page at its slot */
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	for (uint64_t i = 0; i < N; i++) {
		fill(want, 42, i);
		assert_int_equal(pread(fd, got, PS, (off_t)((i + 1) * PS)), (ssize_t)PS);
		assert_memory_equal(want, got, PS);
	}
	close(fd);
	/*
	 * the clean cached copies go, as reclaim drops them (the host keeps them in the swap cache
	 * after MADV_PAGEOUT, the write being in flight then; reclaim_pages may already have
	 * dropped them: docs/swap.md): the memory comes back
	 */
	drop_swap_cache(m, 0, 1024);
	assert_int_equal(meminfo(m, "SwapCached:"), 0);
	assert_int_equal(meminfo(m, "SwapFree:"), 4092 - 4 * N);
	drain_all_pages(&m->mm);
	assert_true(global_free_pages(&m->mm) >= free0 + N);
	check(m);
	in0 = ev(m, PSWPIN);
	ra0 = ev(m, SWAP_RA);
	hit0 = ev(m, SWAP_RA_HIT);
	maj0 = ev(m, PGMAJFAULT);
	for (uint64_t i = 0; i < N; i++) {
		unsigned int maj = read_page(m, t, a + i * PS, got);

		fill(want, 42, i);
		assert_memory_equal(want, got, PS);
		assert_int_equal(maj, i == 0 || i % 8 == 7);
		majors += maj;
	}
	assert_int_equal(majors, 9);
	assert_int_equal(ev(m, PGMAJFAULT) - maj0, 9);
	assert_int_equal(ev(m, PSWPIN) - in0, N);
	assert_int_equal(ev(m, SWAP_RA) - ra0, 6 + 7 * 7);
	assert_int_equal(ev(m, SWAP_RA_HIT) - hit0, 6 + 7 * 7);
	assert_int_equal(t->mm->rss_stat[MM_ANONPAGES], N);
	assert_int_equal(t->mm->rss_stat[MM_SWAPENTS], 0);
	/* read faults keep the slots (the page is in the cache and maps exclusive, writable but
	   clean): the host's SwapFree did not move after a read swap-in either */
	assert_int_equal(meminfo(m, "SwapFree:"), 4092 - 4 * N);
	check(m);
	/* a write to such a page needs no fault; the next pageout writes it again */
	fill(want, 43, 0);
	write_page(m, t, a, want);
	assert_int_equal(sys_madvise(t, a, PS, MADV_PAGEOUT), 0);
	drop_swap_cache(m, 0, 1024);
	assert_int_equal(read_page(m, t, a, got), 1);
	assert_memory_equal(want, got, PS);
	check(m);
	teardown(m);
}

/*
 * Swap-in by a write fault frees the slot (should_try_to_free_swap: a write by the only
 * user), by a read fault not; a page of zeros is never written (zeromap) and reads back as
 * zeros. The host: SwapFree +4 kB after the write, unchanged after the reads; swpout_zero
 * moved, pswpout not, for zero pages.
 */
static void test_write_fault_and_zero_pages(void **state)
{
	(void)state;
	struct mmsim_machine *m = machine();
	struct mmsim_error err = { 0 };
	struct task_struct *t = new_task(m, 100);
	uint8_t zero[PS] = { 0 }, buf[PS];
	uint64_t a, out0, zin0;

	assert_int_equal(sys_swapon(&m->mm, mkswap("wf", 64), 0, &err), 0);
	a = filled(m, t, 4, 7);
	write_page(m, t, a + 3 * PS, zero);
	out0 = ev(m, PSWPOUT);
	assert_int_equal(sys_madvise(t, a, 4 * PS, MADV_PAGEOUT), 0);
	assert_int_equal(ev(m, PSWPOUT) - out0, 3);
	assert_int_equal(ev(m, SWPOUT_ZERO), 1);
	assert_int_equal(meminfo(m, "SwapFree:"), 63 * 4 - 16);
	/* a read keeps the slot, a write frees it (page 1 is in the cache by readahead or by
	   MADV_PAGEOUT's kept copy) */
	(void)read_page(m, t, a, buf);
	assert_int_equal(meminfo(m, "SwapFree:"), 63 * 4 - 16);
	put_byte(m, t, a + PS, 1);
	assert_int_equal(meminfo(m, "SwapFree:"), 63 * 4 - 12);
	check(m);
	/* from the file: the zero page comes back without I/O */
	drop_swap_cache(m, 0, 64);
	m->mm.sysctl.page_cluster = 0;	/* no readahead: one page per fault */
	out0 = ev(m, PSWPIN);
	zin0 = ev(m, SWPIN_ZERO);
	assert_int_equal(read_page(m, t, a + 3 * PS, buf), 1);
	assert_memory_equal(buf, zero, PS);
	assert_int_equal(ev(m, PSWPIN) - out0, 0);
	assert_int_equal(ev(m, SWPIN_ZERO) - zin0, 1);
	/* a major write fault: its slot goes at once (slots 1 and 4 stay: read faults) */
	put_byte(m, t, a + 2 * PS, 5);
	assert_int_equal(meminfo(m, "SwapFree:"), 63 * 4 - 8);
	check(m);
	teardown(m);
}

/*
 * The same round trip on the other formats processes run on: each swap PTE is the format's
 * own layout for (type 0, slot i + 1), exclusive. (arm64's 16 and 64 KiB granules have the
 * same swap PTE layout; the model's processes run with 4 KiB pages only.)
 */
static void test_other_formats(void **state)
{
	(void)state;
	static const char *const machines[][8] = {
		{ "paging", "x86_64-5level", "ram", "256M", NULL },
		{ "arch", "i386", "paging", "i386-2level", "ram", "256M", NULL },
		{ "arch", "i386", "paging", "i386-pae", "ram", "256M", NULL },
		{ "arch", "arm64", "paging", "arm64-4k-48", "ram", "256M", NULL },
		{ "arch", "arm64", "paging", "arm64-4k-39", "ram", "256M", NULL },
	};
	for (size_t k = 0; k < sizeof(machines) / sizeof(machines[0]); k++) {
		struct mmsim_machine *m = boot(machines[k]);
		struct mmsim_error err = { 0 };
		struct task_struct *t = new_task(m, 100);
		const struct pt_format *f = t->mm->pgd.fmt;
		uint64_t ps = m->mm.page_size, a;
		const char *path = at("fmt");
		uint8_t *want = malloc(ps), *got = malloc(ps);
		struct access_result r;
		int64_t va;

		unlink(path);
		assert_int_equal(mkswap_file_pagesize(path, 64 * ps, ps, NULL, &err), 0);
		assert_int_equal(sys_swapon(&m->mm, path, 0, &err), 0);
		va = sys_mmap(t, 0, 4 * ps, RW, A, -1, 0);
		assert_true(va > 0);
		a = (uint64_t)va;
		for (uint64_t i = 0; i < 4; i++) {
			memset(want, (int)(0x30 + i), ps);
			assert_int_equal(task_access_data(m, t, a + i * ps, (uint32_t)ps, MMU_WRITE,
							  want, &r), 0);
			assert_int_equal(r.signo, 0);
		}
		assert_int_equal(sys_madvise(t, a, 4 * ps, MADV_PAGEOUT), 0);
		for (uint64_t i = 0; i < 4; i++)
			assert_int_equal(raw_pte(t, a + i * ps),
					 swp_entry_to_pte(f, swp_entry(0, i + 1), true));
		check(m);
		drop_swap_cache(m, 0, 64);
		for (uint64_t i = 0; i < 4; i++) {
			memset(want, (int)(0x30 + i), ps);
			assert_int_equal(task_access_data(m, t, a + i * ps, (uint32_t)ps, MMU_READ,
							  got, &r), 0);
			assert_int_equal(r.signo, 0);
			assert_memory_equal(want, got, ps);
		}
		check(m);
		free(want);
		free(got);
		teardown(m);
	}
}

/* ---- fork, munmap, swapoff ------------------------------------------------------------------- */

/*
 * A swapped page shared by fork: the slot's count is 2 and neither PTE is exclusive any more;
 * SwapPss halves; the child reads it in (one major fault) read-only and non-exclusive; the
 * parent then finds it in the cache (minor) and rmap sees both; the child's write copies.
 */
static void test_fork_shares_swap(void **state)
{
	(void)state;
	struct mmsim_machine *m = machine();
	struct mmsim_error err = { 0 };
	struct task_struct *p = new_task(m, 100), *c;
	uint8_t want[PS], got[PS];
	uint64_t a;
	swp_entry_t e;
	bool excl;
	int cpid;

	assert_int_equal(sys_swapon(&m->mm, mkswap("fork", 64), 0, &err), 0);
	a = filled(m, p, 2, 9);
	assert_int_equal(sys_madvise(p, a, 2 * PS, MADV_PAGEOUT), 0);
	drop_swap_cache(m, 0, 64);
	assert_int_equal(do_fork(m, p, 0, 0, &cpid), 0);
	c = find_task_by_pid(m, cpid);
	check(m);
	assert_true(pte_to_swp_entry(p->mm->pgd.fmt, raw_pte(p, a), &e, &excl));
	assert_false(excl);
	assert_int_equal(raw_pte(c, a), raw_pte(p, a));
	assert_int_equal(swp_swapcount(&m->mm, e), 2);
	assert_int_equal(c->mm->rss_stat[MM_SWAPENTS], 2);
	{
		struct strbuf sb;
		char *out;

		sb_init(&sb);
		assert_int_equal(proc_pid_render(m, cpid, "smaps_rollup", &sb), 0);
		assert_int_equal(sb_finish(&sb, &out, NULL), 0);
		assert_non_null(strstr(out, "\nSwap:                  8 kB\n"));
		assert_non_null(strstr(out, "\nSwapPss:               4 kB\n"));
		free(out);
	}
	m->mm.sysctl.page_cluster = 0;
	fill(want, 9, 0);
	assert_int_equal(read_page(m, c, a, got), 1);
	assert_memory_equal(want, got, PS);
	assert_int_equal(swp_swapcount(&m->mm, e), 1);
	{
		/* the host's child after reading one of the two: Swap 4 kB, SwapPss 2 kB */
		struct strbuf sb;
		char *out;

		sb_init(&sb);
		assert_int_equal(proc_pid_render(m, cpid, "smaps_rollup", &sb), 0);
		assert_int_equal(sb_finish(&sb, &out, NULL), 0);
		assert_non_null(strstr(out, "\nSwap:                  4 kB\n"));
		assert_non_null(strstr(out, "\nSwapPss:               2 kB\n"));
		free(out);
	}
	assert_int_equal(read_page(m, p, a, got), 0);
	assert_memory_equal(want, got, PS);
	assert_int_equal(swp_swapcount(&m->mm, e), 0);
	{
		struct pte_desc d;
		int level;
		struct page *f;

		assert_int_equal(pgtable_lookup(&c->mm->pgd, a, &d, &level, NULL), 0);
		assert_false(d.prot & PTE_WRITE);
		f = pfn_to_page(&m->mm, d.pa >> 12);
		assert_int_equal(folio_mapcount(f), 2);
		assert_false(page_test(f, PG_anon_exclusive));
	}
	check(m);
	put_byte(m, c, a, 0xaa);	/* COW: the parent keeps its bytes */
	assert_int_equal(get_byte(m, p, a), want[0]);
	check(m);
	teardown(m);
}

/* munmap of swapped pages frees their slots and cached folios; the memory comes back. */
static void test_munmap_frees_slots(void **state)
{
	(void)state;
	struct mmsim_machine *m = machine();
	struct mmsim_error err = { 0 };
	struct task_struct *t = new_task(m, 100);
	uint64_t a, free0;

	assert_int_equal(sys_swapon(&m->mm, mkswap("mu", 64), 0, &err), 0);
	drain_all_pages(&m->mm);
	free0 = global_free_pages(&m->mm);
	a = filled(m, t, 16, 3);
	assert_int_equal(sys_madvise(t, a, 16 * PS, MADV_PAGEOUT), 0);
	drop_swap_cache(m, 0, 8);	/* half out of the cache, half still in it */
	assert_int_equal(sys_munmap(t, a, 16 * PS), 0);
	check(m);
	assert_int_equal(meminfo(m, "SwapFree:"), 63 * 4);
	assert_int_equal(meminfo(m, "SwapCached:"), 0);
	assert_int_equal(t->mm->rss_stat[MM_SWAPENTS], 0);
	drain_all_pages(&m->mm);
	/* what stays allocated: page tables and slab the mmap made */
	assert_true(global_free_pages(&m->mm) + 8 >= free0);
	teardown(m);
}

/*
 * swapoff reads every swapped page back (try_to_unuse): bytes equal, PTEs present, old and
 * read-only (unuse_pte), the first write reuses the page without a copy.
 */
static void test_swapoff_unuse(void **state)
{
	(void)state;
	struct mmsim_machine *m = machine();
	struct mmsim_error err = { 0 };
	struct task_struct *t = new_task(m, 100);
	const char *path = mkswap("off", 64);
	uint8_t want[PS], got[PS];
	uint64_t a, reuse0;
	struct pte_desc d;
	int level;

	assert_int_equal(sys_swapon(&m->mm, path, 0, &err), 0);
	a = filled(m, t, 20, 5);
	assert_int_equal(sys_madvise(t, a, 20 * PS, MADV_PAGEOUT), 0);
	drop_swap_cache(m, 0, 11);
	assert_int_equal(sys_swapoff(&m->mm, path), 0);
	check(m);
	assert_int_equal(total_swap_pages(&m->mm), 0);
	assert_int_equal(t->mm->rss_stat[MM_SWAPENTS], 0);
	assert_int_equal(t->mm->rss_stat[MM_ANONPAGES], 20);
	assert_int_equal(pgtable_lookup(&t->mm->pgd, a, &d, &level, NULL), 0);
	assert_int_equal(d.kind, PTE_KIND_LEAF);
	assert_false(d.prot & (PTE_WRITE | PTE_ACCESSED));
	for (uint64_t i = 0; i < 20; i++) {
		fill(want, 5, i);
		assert_int_equal(read_page(m, t, a + i * PS, got), 0);
		assert_memory_equal(want, got, PS);
	}
	reuse0 = ev(m, PGREUSE);
	put_byte(m, t, a, 1);
	assert_int_equal(ev(m, PGREUSE) - reuse0, 1);
	check(m);
	teardown(m);
}

/* mremap moves swap PTEs with the rest; they still read back. */
static void test_mremap_moves_swap_ptes(void **state)
{
	(void)state;
	struct mmsim_machine *m = machine();
	struct mmsim_error err = { 0 };
	struct task_struct *t = new_task(m, 100);
	uint8_t want[PS], got[PS];
	uint64_t a;
	int64_t b;

	assert_int_equal(sys_swapon(&m->mm, mkswap("mr", 64), 0, &err), 0);
	a = filled(m, t, 4, 11);
	assert_int_equal(sys_madvise(t, a, 4 * PS, MADV_PAGEOUT), 0);
	b = sys_mremap(t, a, 4 * PS, 4 * PS, MREMAP_MAYMOVE | MREMAP_FIXED, 0x10000000);
	assert_int_equal(b, 0x10000000);
	check(m);
	for (uint64_t i = 0; i < 4; i++) {
		fill(want, 11, i);
		(void)read_page(m, t, (uint64_t)b + i * PS, got);
		assert_memory_equal(want, got, PS);
	}
	check(m);
	teardown(m);
}

/* The machine option's part: a file made when absent; a scratch one unlinked at once. */
static void test_swap_boot(void **state)
{
	(void)state;
	struct mmsim_machine *m = machine();
	struct mmsim_error err = { 0 };
	const char *p = at("boot.swap");
	struct swap_state *ss;
	char scratch[256];
	struct stat st;

	unlink(p);
	assert_int_equal(swap_boot(&m->mm, p, 1 << 20, 7, &err), 0);
	assert_int_equal(swap_boot(&m->mm, NULL, 1 << 20, -1, &err), 0);
	ss = m->mm.swap;
	assert_int_equal(ss->swap_info[0]->prio, 7);
	assert_int_equal(ss->swap_info[1]->prio, -2);
	assert_int_equal(total_swap_pages(&m->mm), 2 * 255);
	snprintf(scratch, sizeof(scratch), "%s", ss->swap_info[1]->name);
	assert_int_equal(stat(scratch, &st), -1);	/* the open area keeps it */
	assert_int_equal(meminfo(m, "SwapTotal:"), 2 * 255 * 4);
	/* an existing file is used as it is, not made again */
	assert_int_equal(swap_boot(&m->mm, p, 1 << 30, -1, &err), -EBUSY);
	teardown(m);
	assert_int_equal(stat(p, &st), 0);		/* the user's file stays */
}

/* ---- failures ------------------------------------------------------------------------------- */

/*
 * Nothing to swap to, a full area, a swap-in whose page cannot be had, a fork whose copies
 * fail at each allocation in turn: each leaves every count consistent and the data intact.
 */
static void test_failures_change_nothing(void **state)
{
	(void)state;
	struct mmsim_machine *m = machine();
	struct mmsim_error err = { 0 };
	struct task_struct *t = new_task(m, 100);
	uint8_t want[PS], got[PS];
	struct access_result r;
	uint64_t a, raw;

	/* no swap: MADV_PAGEOUT succeeds and nothing moves (activate_locked) */
	a = filled(m, t, 16, 2);
	assert_int_equal(sys_madvise(t, a, 16 * PS, MADV_PAGEOUT), 0);
	assert_int_equal(t->mm->rss_stat[MM_ANONPAGES], 16);
	check(m);
	/* ten pages of file: nine slots; the other seven pages stay */
	assert_int_equal(sys_swapon(&m->mm, mkswap("full", 10), 0, &err), 0);
	assert_int_equal(sys_madvise(t, a, 16 * PS, MADV_PAGEOUT), 0);
	assert_int_equal(t->mm->rss_stat[MM_SWAPENTS], 9);
	assert_int_equal(t->mm->rss_stat[MM_ANONPAGES], 7);
	assert_int_equal(meminfo(m, "SwapFree:"), 0);
	check(m);
	/* the swap-in's page allocation fails: -ENOMEM, the PTE and the slot as they were */
	drop_swap_cache(m, 0, 10);
	m->mm.sysctl.page_cluster = 0;
	raw = raw_pte(t, a);
	mmsim_fail_nth_alloc(m, 1);
	assert_int_equal(task_access(m, t, a, 1, MMU_READ, &r), -ENOMEM);
	mmsim_fail_nth_alloc(m, 0);
	assert_int_equal(raw_pte(t, a), raw);
	assert_int_equal(t->mm->rss_stat[MM_SWAPENTS], 9);
	check(m);
	fill(want, 2, 0);
	assert_int_equal(read_page(m, t, a, got), 1);
	assert_memory_equal(want, got, PS);
	/* fork with every allocation failing in turn */
	for (uint64_t nth = 1; nth < 200; nth++) {
		int cpid = 0, rc;

		mmsim_fail_nth_alloc(m, nth);
		rc = do_fork(m, t, 0, 0, &cpid);
		mmsim_fail_nth_alloc(m, 0);
		check(m);
		if (rc == 0) {
			do_exit(m, find_task_by_pid(m, cpid), 0);
			check(m);
			break;
		}
		assert_int_equal(rc, -ENOMEM);
	}
	for (uint64_t i = 0; i < 16; i++) {
		fill(want, 2, i);
		(void)read_page(m, t, a + i * PS, got);
		assert_memory_equal(want, got, PS);
	}
	teardown(m);
}

/* swap_validate sees a count that does not match the PTEs, and a cache flag without folio. */
static void test_validate_catches(void **state)
{
	(void)state;
	struct mmsim_machine *m = machine();
	struct mmsim_error err = { 0 };
	struct task_struct *t = new_task(m, 100);
	struct swap_info_struct *si;
	uint64_t a;

	assert_int_equal(sys_swapon(&m->mm, mkswap("v", 64), 0, &err), 0);
	a = filled(m, t, 2, 1);
	assert_int_equal(sys_madvise(t, a, 2 * PS, MADV_PAGEOUT), 0);
	si = m->mm.swap->swap_info[0];
	assert_int_equal(swap_validate(&m->mm, &err), 0);
	si->swap_map[1]++;
	assert_int_equal(swap_validate(&m->mm, &err), -EUCLEAN);
	si->swap_map[1]--;
	si->swap_map[5] = SWAP_HAS_CACHE;
	assert_int_equal(swap_validate(&m->mm, &err), -EUCLEAN);
	si->swap_map[5] = 0;
	t->mm->rss_stat[MM_SWAPENTS]++;
	assert_int_equal(mm_validate(t->mm, &err), -EUCLEAN);
	t->mm->rss_stat[MM_SWAPENTS]--;
	check(m);
	teardown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swp_entry_formats),
		cmocka_unit_test(test_mkswap_matches_util_linux),
		cmocka_unit_test(test_swapon_host_mkswap),
		cmocka_unit_test(test_swapon_refuses),
		cmocka_unit_test(test_priorities),
		cmocka_unit_test(test_round_robin),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_write_fault_and_zero_pages),
		cmocka_unit_test(test_other_formats),
		cmocka_unit_test(test_fork_shares_swap),
		cmocka_unit_test(test_munmap_frees_slots),
		cmocka_unit_test(test_swapoff_unuse),
		cmocka_unit_test(test_mremap_moves_swap_ptes),
		cmocka_unit_test(test_swap_boot),
		cmocka_unit_test(test_failures_change_nothing),
		cmocka_unit_test(test_validate_catches),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}

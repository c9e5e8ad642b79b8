/*
 * Dirty limits and dirty throttling (src/mm/page-writeback.c, mm/writeback.h).
 *
 * The thresholds /proc/vmstat prints are checked against arithmetic done here from the
 * machine's own /proc/zoneinfo and /proc/vmstat (the formula of Linux 6.18's
 * global_dirtyable_memory and domain_dirty_limits, which tests/oracle/dirty_limits.c checks
 * against the live kernel). The sysctl handlers are checked against what the reference host
 * did (sysctl -w, then reading back; Linux 6.18.44):
 *   vm.dirty_bytes=4096, =0, =8191      Invalid argument, nothing changed
 *   vm.dirty_bytes=5000000000           dirty_ratio 0, dirty_bytes 5000000000; the threshold
 *                                       is DIV_ROUND_UP(5000000001, 4096) for 5000000001
 *   vm.dirty_ratio=0 (it was 0)         dirty_bytes kept (a handler acts only on a change)
 *   vm.dirty_ratio=20                   dirty_bytes 0
 *   vm.dirty_background_bytes=N         dirty_background_ratio 0
 *   vm.dirty_background_ratio=0 (was 0) dirty_background_bytes 0 (on every write)
 *   vm.dirty_ratio=101                  Invalid argument
 * The throttling tests write a 16 MiB file through MAP_SHARED on a 64 MiB machine, whose
 * dirty threshold is 1353 pages at boot, and check after every page that nr_dirty stays under
 * the threshold plus one ratelimit batch.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "boot.h"
#include "tmpfile.h"
#include "dirty_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mmsim/mmsim.h"
#include "fs/fs.h"
#include "kernel/access.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/mman.h"
#include "mm/mmap.h"
#include "mm/page_alloc.h"
#include "mm/pagemap.h"
#include "mm/writeback.h"
#include "util/error.h"
#include "task_helpers.h"

#define PS 4096ull
#define MIB (1ull << 20)
#define FILE_PAGES 4096ull		/* 16 MiB */
#define BASE 0x7f0000000000ull

static const char *const kv_64m[] = { "ram", "64M", NULL };

static struct mm_sys *msys(mmsim_machine *m) { return &((struct mmsim_machine *)m)->mm; }

static uint8_t pattern(uint64_t i) { return (uint8_t)(i * 13 + i / 4096); }
static uint8_t stamp(uint64_t page) { return (uint8_t)(page * 7 + 1) ^ 0x5a; }

/* A temporary directory of this test's files, removed at the end. */
static char tmpdir[4096];

static int make_tmpdir(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/mmsim-test-writeback-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

/* A file of size bytes of pattern() in tmpdir; the path is malloc'd. */
static char *make_file(const char *name, uint64_t size)
{
	size_t cap = strlen(tmpdir) + strlen(name) + 2;
	char *path = malloc(cap);
	int fd;

	assert_non_null(path);
	assert_true(snprintf(path, cap, "%s/%s", tmpdir, name) < (int)cap);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fill_pattern(fd, size, pattern);
	close(fd);
	return path;
}

static char *render(mmsim_machine *m, const char *name)
{
	char *out = NULL;

	assert_int_equal(mmsim_proc_render(m, name, &out, NULL), 0);
	return out;
}

static uint64_t field(const char *text, const char *name)
{
	uint64_t v = 0;

	if (!dp_field(text, name, &v))
		fail_msg("no line %s", name);
	return v;
}

/*
 * The thresholds by hand from the machine's /proc files: dirtyable = free pages - the
 * reserve (high watermark + largest lowmem_reserve per zone, from zoneinfo) + file LRU + 1;
 * the ratios apply in 1/4096 steps: thresh = (ratio * 4096 / 100) * dirtyable / 4096; the
 * bytes forms are rounded up to pages; bg >= thresh gives bg = thresh / 2.
 */
static void by_hand(mmsim_machine *m, int ratio, int bg_ratio, uint64_t bytes, uint64_t bg_bytes,
		    uint64_t *thresh, uint64_t *bg)
{
	char *vmstat = render(m, "vmstat"), *zoneinfo = render(m, "zoneinfo");
	struct dp_zone z[DP_MAX_ZONES];
	int n = dp_parse_zoneinfo(zoneinfo, z, DP_MAX_ZONES);
	uint64_t free_pages = field(vmstat, "nr_free_pages"), reserve = dp_totalreserve(z, n);
	uint64_t avail = (free_pages > reserve ? free_pages - reserve : 0) +
			 field(vmstat, "nr_inactive_file") + field(vmstat, "nr_active_file") + 1;

	assert_true(n > 0);
	assert_int_equal(reserve, msys(m)->totalreserve_pages);
	*thresh = bytes ? (bytes + PS - 1) / PS : (uint64_t)(ratio * 4096 / 100) * avail / 4096;
	*bg = bg_bytes ? (bg_bytes + PS - 1) / PS : (uint64_t)(bg_ratio * 4096 / 100) * avail / 4096;
	if (*bg >= *thresh)
		*bg = *thresh / 2;
	free(vmstat);
	free(zoneinfo);
}

static void expect_vmstat_thresholds(mmsim_machine *m, uint64_t thresh, uint64_t bg)
{
	char *vmstat = render(m, "vmstat");
	const char *a = strstr(vmstat, "\nnr_swapcached "), *b = strstr(vmstat, "\nnr_memmap_boot");

	assert_int_equal(field(vmstat, "nr_dirty_threshold"), thresh);
	assert_int_equal(field(vmstat, "nr_dirty_background_threshold"), bg);
	/* where Linux prints them: after the node items, before the memmap lines */
	assert_non_null(a);
	assert_non_null(b);
	assert_true(strstr(vmstat, "\nnr_dirty_threshold ") > a);
	assert_true(strstr(vmstat, "\nnr_dirty_background_threshold ") < b);
	free(vmstat);
}

/* ---- the thresholds and the sysctls ------------------------------------------------------ */

static void test_thresholds_and_sysctls(void **state)
{
	mmsim_machine *m = boot(kv_64m);
	struct mm_sys *ms = msys(m);
	struct vm_sysctl *sc = &ms->sysctl;
	uint64_t thresh, bg, t2, b2;

	(void)state;
	by_hand(m, 20, 10, 0, 0, &thresh, &bg);
	expect_vmstat_thresholds(m, thresh, bg);
	assert_true(thresh > 1200 && thresh < 1500);	/* 20% of the ~6800 free pages ram=64M has */
	global_dirty_limits(ms, &b2, &t2);
	assert_int_equal(t2, thresh);
	assert_int_equal(b2, bg);

	/* dirty_bytes below 2 pages is refused, nothing changes */
	assert_int_equal(dirty_bytes_handler(ms, 4096), -EINVAL);
	assert_int_equal(dirty_bytes_handler(ms, 0), -EINVAL);
	assert_int_equal(dirty_bytes_handler(ms, 8191), -EINVAL);
	assert_int_equal(sc->dirty_ratio, 20);
	assert_int_equal(sc->dirty_bytes, 0);
	/* dirty_bytes overrides dirty_ratio: 8 MiB + 1 byte is 2049 pages */
	assert_int_equal(dirty_bytes_handler(ms, 8 * MIB + 1), 0);
	assert_int_equal(sc->dirty_ratio, 0);
	assert_int_equal(sc->dirty_bytes, 8 * MIB + 1);
	by_hand(m, 0, 10, 8 * MIB + 1, 0, &thresh, &bg);
	assert_int_equal(thresh, 2049);
	expect_vmstat_thresholds(m, thresh, bg);
	/* ratelimit_pages from the new threshold: 2049 / (2 CPUs * 32) = 32 */
	assert_int_equal(ms->wb.ratelimit_pages, 32);
	/* writing the ratio it already has (0) changes nothing; another one drops the bytes */
	assert_int_equal(dirty_ratio_handler(ms, 0), 0);
	assert_int_equal(sc->dirty_bytes, 8 * MIB + 1);
	assert_int_equal(dirty_ratio_handler(ms, 101), -EINVAL);
	assert_int_equal(dirty_ratio_handler(ms, 20), 0);
	assert_int_equal(sc->dirty_bytes, 0);
	/* a small dirty_background_bytes: bg in pages, rounded up; the ratio goes to 0 */
	assert_int_equal(dirty_background_bytes_handler(ms, 1 * MIB + 100), 0);
	assert_int_equal(sc->dirty_background_ratio, 0);
	by_hand(m, 20, 0, 0, 1 * MIB + 100, &thresh, &bg);
	assert_int_equal(bg, 257);
	expect_vmstat_thresholds(m, thresh, bg);
	/* writing the background ratio, even the same 0, drops the background bytes */
	assert_int_equal(dirty_background_ratio_handler(ms, 0), 0);
	assert_int_equal(sc->dirty_background_bytes, 0);
	assert_int_equal(dirty_background_ratio_handler(ms, 10), 0);
	/* a background threshold at or above the threshold becomes half of it */
	assert_int_equal(dirty_background_bytes_handler(ms, 64 * MIB), 0);
	by_hand(m, 20, 0, 0, 64 * MIB, &thresh, &bg);
	assert_int_equal(bg, thresh / 2);
	expect_vmstat_thresholds(m, thresh, bg);
	/* no HighMem on x86-64: vm.highmem_is_dirtyable does not exist */
	assert_int_equal(highmem_is_dirtyable_handler(ms, 1), -EINVAL);
	check_machine((struct mmsim_machine *)m);
	mmsim_machine_free(m);
}

/* The scenario's `sysctl` statement reaches the handlers and refuses what Linux refuses. */
static void test_scenario_sysctl(void **state)
{
	static const char good[] = "sysctl vm.dirty_bytes=8388608\n"
				   "sysctl vm.dirty_background_bytes=1048576\n"
				   "show vmstat\n";
	static const char bad[] = "sysctl vm.dirty_bytes=4096\n";
	mmsim_config *cfg = NULL;
	struct mmsim_error err = { 0 };
	char *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(mmsim_config_new(&cfg), 0);
	assert_int_equal(mmsim_config_set(cfg, "ram", "64M", &err), 0);
	assert_int_equal(mmsim_script_run(cfg, "t.mms", good, sizeof(good) - 1, 0, &out, &len,
					  &err), 0);
	assert_non_null(strstr(out, "\nnr_dirty_threshold 2048\n"));
	assert_non_null(strstr(out, "\nnr_dirty_background_threshold 256\n"));
	free(out);
	out = NULL;
	assert_int_equal(mmsim_script_run(cfg, "t.mms", bad, sizeof(bad) - 1, 0, &out, &len, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "vm.dirty_bytes (at least 2 pages)"));
	free(out);
	mmsim_config_free(cfg);
}

/* ---- throttling a writer ------------------------------------------------------------------ */

/* The byte at off of the file writeback wrote (the copy, or the file itself). */
static uint8_t written_byte(struct file *f, const char *path, bool real, uint64_t off)
{
	uint8_t b = 0;
	int fd = open(real ? path : f->f_mapping->wb_path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
	close(fd);
	return b;
}

/*
 * Write one byte into every page of a 16 MiB file mapped MAP_SHARED (the byte at page p is
 * at p * PS + p % PS) with dirty_bytes (0: the ratios). After every store, nr_dirty is at
 * most the threshold plus one ratelimit batch (the task's nr_dirtied_pause, at most the
 * first 32 pages). Then: pauses happened, the flusher wrote (nr_written), every dirtied page
 * is written or still dirty, and after a final writeback the file's bytes are the stores'.
 */
static void throttle_run(bool real, uint64_t dirty_bytes)
{
	static const char *const kv_real[] = { "ram", "64M", "file_writes", "real", NULL };
	mmsim_machine *m = boot(real ? kv_real : kv_64m);
	struct mmsim_machine *mach = (struct mmsim_machine *)m;
	struct mm_sys *ms = msys(m);
	char *path = make_file(real ? "real" : "copy", FILE_PAGES * PS);
	int err = 0;
	struct file *f = filp_open(ms->fs, path, O_RDWR, &err);
	struct task_struct *t = new_task(mach, 100);
	uint64_t thresh, bg, peak = 0, written_mid = 0;

	assert_non_null(f);
	if (dirty_bytes)
		assert_int_equal(dirty_bytes_handler(ms, dirty_bytes), 0);
	assert_int_equal(vm_mmap(t, f, BASE, FILE_PAGES * PS, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED, 0), (int64_t)BASE);
	for (uint64_t p = 0; p < FILE_PAGES; p++) {
		struct access_result r;
		uint8_t v = stamp(p);
		uint64_t dirty;

		assert_int_equal(task_access_data(mach, t, BASE + p * PS + p % PS, 1, MMU_WRITE, &v,
						  &r), 0);
		assert_int_equal(r.signo, 0);
		global_dirty_limits(ms, &bg, &thresh);
		dirty = (uint64_t)global_node_page_state(ms, NR_FILE_DIRTY) +
			(uint64_t)global_node_page_state(ms, NR_WRITEBACK);
		if (dirty > thresh + 32)
			fail_msg("page %llu: nr_dirty %llu above thresh %llu + 32",
				 (unsigned long long)p, (unsigned long long)dirty,
				 (unsigned long long)thresh);
		if (dirty > peak)
			peak = dirty;
		if (p == FILE_PAGES / 2)
			written_mid = (uint64_t)global_node_page_state(ms, NR_WRITTEN);
	}
	if (dirty_bytes)
		assert_int_equal(thresh, (dirty_bytes + PS - 1) / PS);
	/* the flusher ran during the run, and went on running */
	assert_true(written_mid > 0);
	assert_true((uint64_t)global_node_page_state(ms, NR_WRITTEN) > written_mid);
	assert_true(ms->wb.nr_pauses > 0);
	assert_int_equal(t->dirty_pauses, ms->wb.nr_pauses);
	assert_true(ms->wb.nr_background_runs >= ms->wb.nr_pauses);
	/* the dirtier never got far above the freerun ceiling (thresh + bg) / 2 */
	assert_true(peak <= (thresh + bg) / 2 + 32);
	assert_int_equal(global_node_page_state(ms, NR_DIRTIED),
			 global_node_page_state(ms, NR_WRITTEN) +
			 global_node_page_state(ms, NR_FILE_DIRTY));
	check_machine((struct mmsim_machine *)m);
	/* what is still dirty goes too; then every page holds its store */
	assert_int_equal(filemap_write_and_wait_range(f->f_mapping, 0, UINT64_MAX), 0);
	assert_int_equal(global_node_page_state(ms, NR_FILE_DIRTY), 0);
	for (uint64_t p = 0; p < FILE_PAGES; p++) {
		uint64_t off = p * PS + p % PS;

		assert_int_equal(written_byte(f, path, real, off), stamp(p));
		assert_int_equal(written_byte(f, path, real, off ^ 1), pattern(off ^ 1));
	}
	check_machine((struct mmsim_machine *)m);
	print_message("%s, dirty_bytes %llu: thresh %llu bg %llu, peak nr_dirty %llu, pauses %llu, "
		      "nr_written %lld\n", real ? "real" : "copy", (unsigned long long)dirty_bytes,
		      (unsigned long long)thresh, (unsigned long long)bg,
		      (unsigned long long)peak, (unsigned long long)ms->wb.nr_pauses,
		      (long long)global_node_page_state(ms, NR_WRITTEN));
	assert_int_equal(sys_munmap(t, BASE, FILE_PAGES * PS), 0);
	fput(ms->fs, f);
	mmsim_machine_free(m);
	unlink(path);
	free(path);
}

static void test_throttle_copy(void **state)
{
	(void)state;
	throttle_run(false, 0);
}

static void test_throttle_real(void **state)
{
	(void)state;
	throttle_run(true, 0);
}

/* dirty_bytes of 1 MiB (256 pages) wins over the 20% ratio: nr_dirty stays under it */
static void test_throttle_dirty_bytes(void **state)
{
	(void)state;
	throttle_run(false, 1 * MIB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thresholds_and_sysctls),
		cmocka_unit_test(test_scenario_sysctl),
		cmocka_unit_test(test_throttle_copy),
		cmocka_unit_test(test_throttle_real),
		cmocka_unit_test(test_throttle_dirty_bytes),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}

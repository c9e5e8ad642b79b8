/*
 * Writes in flight (block/blkdev.h): folios under writeback after swap-out and file
 * writeback, when their requests complete, and what that changes for reclaim, faults, exit
 * and fsync.
 *
 * The reference machine (Linux 6.18.44, a 128 MiB swap file on ext4 on virtio vda,
 * nr_requests 256), 1000 written anonymous pages, MADV_PAGEOUT, measured with
 * /proc/vmstat and getrusage: pswpout +1000; when madvise returned nr_writeback was 250 and
 * nr_written +750 (the rest still in flight); SwapCached 4000 kB (every page stays in the swap
 * cache); 200 ms later nr_writeback 0; reading the 1000 pages back took 0 major and 1000
 * minor faults. The model's device completes a request when another is submitted with all
 * 256 tags taken, so the figures here are 256 in flight and 744 written at return, and the
 * rest exactly as on the host.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "boot.h"
#include "tmpfile.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "block/blkdev.h"
#include "fs/fs.h"
#include "kernel/fork.h"
#include "mm/page_alloc.h"
#include "mm/pagemap.h"
#include "mm/swap.h"
#include "mm/vmscan.h"
#include "task_helpers.h"

#define PS 4096ull
#define NPAGES 1000ull

static uint64_t node_stat(struct mmsim_machine *m, enum node_stat_item i)
{
	return (uint64_t)global_node_page_state(&m->mm, i);
}

static uint64_t ev(struct mmsim_machine *m, enum vm_event_item i)
{
	return m->mm.vm_events[i];
}

/* n anonymous pages, each written (never all zeros, so each one is really written out). */
static uint64_t filled(struct mmsim_machine *m, struct task_struct *t, uint64_t n)
{
	int64_t a = sys_mmap(t, 0, n * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     -1, 0);

	assert_true(a > 0);
	for (uint64_t i = 0; i < n; i++)
		put_byte(m, t, (uint64_t)a + i * PS, (uint8_t)(1 + i % 200));
	return (uint64_t)a;
}

/* Faults (minor, major) taken reading one byte of each of n pages; every byte checked. */
static void read_back(struct mmsim_machine *m, struct task_struct *t, uint64_t a, uint64_t n,
		      uint64_t *minor, uint64_t *major)
{
	uint64_t min0 = t->min_flt, maj0 = t->maj_flt;

	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(get_byte(m, t, a + i * PS), (uint8_t)(1 + i % 200));
	*minor = t->min_flt - min0;
	*major = t->maj_flt - maj0;
}

/* MADV_PAGEOUT on the default device: the host's sequence (see the top of this file). */
static void test_pageout_in_flight(void **state)
{
	static const char *const kv[] = { "ram", "256M", "swap", "64M", NULL };
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv);
	struct task_struct *t = new_task(m, 100);
	uint64_t a = filled(m, t, NPAGES), out0 = ev(m, PSWPOUT), wr0 = node_stat(m, NR_WRITTEN);
	uint64_t rot0 = ev(m, PGROTATED), minor, major;

	(void)state;
	assert_int_equal(node_stat(m, NR_WRITEBACK), 0);
	assert_int_equal(sys_madvise(t, a, NPAGES * PS, MADV_PAGEOUT), 0);
	check_machine(m);
	assert_int_equal(ev(m, PSWPOUT) - out0, NPAGES);
	/* 256 tags: every submission past the 256th waited for the oldest to complete */
	assert_int_equal(node_stat(m, NR_WRITEBACK), BLKDEV_DEFAULT_RQ);
	assert_int_equal(blk_inflight(&m->mm), BLKDEV_DEFAULT_RQ);
	assert_int_equal(node_stat(m, NR_WRITTEN) - wr0, NPAGES - BLKDEV_DEFAULT_RQ);
	assert_int_equal(m->mm.bdq->nr_tag_waits, NPAGES - BLKDEV_DEFAULT_RQ);
	/*
	 * A completed folio that reclaim had marked goes to the inactive tail, if it is on the
	 * LRU: folios of an earlier page table's batch are; the batch being written is not
	 */
	assert_true(ev(m, PGROTATED) - rot0 <= NPAGES - BLKDEV_DEFAULT_RQ);
	assert_true(ev(m, PGROTATED) - rot0 >= NPAGES - BLKDEV_DEFAULT_RQ - 512);
	/* every page stayed in the swap cache: the PTEs are swap entries, memory holds them */
	assert_int_equal(total_swapcache_pages(&m->mm), NPAGES);
	assert_int_equal(t->mm->rss_stat[MM_SWAPENTS], NPAGES);
	/* reading them back finds them in the cache: minor faults only, as on the host */
	read_back(m, t, a, NPAGES, &minor, &major);
	assert_int_equal(major, 0);
	assert_int_equal(minor, NPAGES);
	assert_int_equal(ev(m, PSWPIN), 0);
	check_machine(m);
	/* two returns to user space: what was in flight at the first completes at the second */
	mm_reclaim_safe_point(&m->mm);
	assert_int_equal(node_stat(m, NR_WRITEBACK), BLKDEV_DEFAULT_RQ);
	mm_reclaim_safe_point(&m->mm);
	assert_int_equal(node_stat(m, NR_WRITEBACK), 0);
	assert_int_equal(node_stat(m, NR_WRITTEN) - wr0, NPAGES);
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

/* nr_requests=0: a synchronous device. The pages leave at once and come back from swap. */
static void test_synchronous_device(void **state)
{
	static const char *const kv[] = { "ram", "256M", "swap", "64M", "nr_requests", "0",
					  NULL };
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv);
	struct task_struct *t = new_task(m, 100);
	uint64_t a = filled(m, t, 64), wr0 = node_stat(m, NR_WRITTEN), minor, major;

	(void)state;
	assert_null(m->mm.bdq);
	assert_int_equal(sys_madvise(t, a, 64 * PS, MADV_PAGEOUT), 0);
	assert_int_equal(node_stat(m, NR_WRITEBACK), 0);
	assert_int_equal(node_stat(m, NR_WRITTEN) - wr0, 64);
	assert_int_equal(total_swapcache_pages(&m->mm), 0);
	read_back(m, t, a, 64, &minor, &major);
	assert_true(major > 0);
	assert_int_equal(ev(m, PSWPIN), 64);
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

/*
 * A task that exits while its pages are being written leaves them in the swap cache with
 * their slots (folio_free_swap refuses a folio under writeback): the slots come back when
 * reclaim frees the folios, after the writes completed. The reference machine: 64 pages
 * written, MADV_PAGEOUT, the task exiting at once: 256 kB stayed in SwapCached and in use in
 * /proc/meminfo, still 500 ms later.
 */
static void test_exit_orphans_swap_cache(void **state)
{
	static const char *const kv[] = { "ram", "256M", "swap", "64M", "nr_requests", "16",
					  NULL };
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv);
	struct task_struct *t = new_task(m, 100);
	uint64_t a = filled(m, t, 64);

	(void)state;
	assert_int_equal(sys_madvise(t, a, 64 * PS, MADV_PAGEOUT), 0);
	assert_int_equal(blk_inflight(&m->mm), 16);
	do_exit(m, t, 0);
	/* the 48 completed folios went with their last user; the 16 in flight stay */
	assert_int_equal(total_swapcache_pages(&m->mm), 16);
	assert_int_equal(nr_swap_pages(&m->mm), total_swap_pages(&m->mm) - 16);
	check_machine(m);
	blk_throttle(&m->mm);
	assert_int_equal(node_stat(m, NR_WRITEBACK), 0);
	/* now clean and held by the cache alone: direct reclaim frees them and their slots */
	assert_true(try_to_free_pages(&m->mm, 0, MMSIM_GFP_HIGHUSER_MOVABLE, 0) >= 16);
	assert_int_equal(total_swapcache_pages(&m->mm), 0);
	assert_int_equal(nr_swap_pages(&m->mm), total_swap_pages(&m->mm));
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

static uint8_t zeros(uint64_t off)
{
	(void)off;
	return 0;
}

/*
 * File writeback: the flushers' pass (wakeup_flusher_threads) leaves the folios under
 * writeback; msync(MS_SYNC) returns only when every folio of the range is written.
 */
static void test_file_writeback(void **state)
{
	static const char *const kv[] = { "ram", "256M", "nr_requests", "8", NULL };
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv);
	struct mm_sys *ms = &m->mm;
	char *path = make_tmp_file("blk", 32 * PS, zeros);
	int err = 0;
	struct file *f = filp_open(ms->fs, path, O_RDWR, &err);
	struct task_struct *t = new_task(m, 100);
	uint64_t base = 0x10000000, wr0;

	(void)state;
	assert_non_null(f);
	assert_int_equal(vm_mmap(t, f, base, 32 * PS, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED, 0), (int64_t)base);
	for (uint64_t p = 0; p < 32; p++)
		put_byte(m, t, base + p * PS, (uint8_t)(p + 1));
	assert_int_equal(node_stat(m, NR_FILE_DIRTY), 32);
	wr0 = node_stat(m, NR_WRITTEN);
	wakeup_flusher_threads(ms);
	/* all 32 written to the file, 8 of them still in flight */
	assert_int_equal(node_stat(m, NR_FILE_DIRTY), 0);
	assert_int_equal(node_stat(m, NR_WRITEBACK), 8);
	assert_int_equal(node_stat(m, NR_WRITTEN) - wr0, 24);
	check_machine(m);
	/* dirty two pages again, one of them still under writeback: fsync waits, then writes */
	put_byte(m, t, base + 31 * PS, 0xaa);
	put_byte(m, t, base + 0 * PS, 0xbb);
	assert_int_equal(sys_msync(t, base, 32 * PS, MS_SYNC), 0);
	assert_int_equal(node_stat(m, NR_WRITEBACK), 0);
	assert_int_equal(node_stat(m, NR_FILE_DIRTY), 0);
	assert_int_equal(node_stat(m, NR_WRITTEN) - wr0, 34);
	check_machine(m);
	do_exit(m, t, 0);
	fput(ms->fs, f);
	mmsim_machine_free((mmsim_machine *)m);
	unlink(path);
	free(path);
}

/* A research policy's victim is written and waited for: the frame is free when it returns. */
static void test_policy_victim_waits(void **state)
{
	static const char *const kv[] = { "ram", "256M", "swap", "64M", "policy", "fifo",
					  "policy_frames", "8", NULL };
	struct mmsim_machine *m = (struct mmsim_machine *)boot(kv);
	struct task_struct *t = new_task(m, 100);
	uint64_t a = filled(m, t, 32), minor, major;

	(void)state;
	/* 24 victims, each written and waited for, freed at once */
	assert_int_equal(ev(m, PSWPOUT), 24);
	assert_int_equal(node_stat(m, NR_WRITEBACK), 0);
	assert_int_equal(total_swapcache_pages(&m->mm), 0);
	read_back(m, t, a, 32, &minor, &major);
	assert_true(major > 0);
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pageout_in_flight),
		cmocka_unit_test(test_synchronous_device),
		cmocka_unit_test(test_exit_orphans_swap_cache),
		cmocka_unit_test(test_file_writeback),
		cmocka_unit_test(test_policy_victim_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

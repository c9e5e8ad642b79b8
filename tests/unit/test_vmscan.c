/*
 * The LRU lists and reclaim (src/mm/swap.c, vmscan.c, workingset.c) on small machines.
 *
 * Where the numbers come from (Linux 6.18 mm/vmscan.c, the classic LRU):
 *
 *  - direct reclaim of a node whose only LRU pages are N inactive, clean, unmapped file pages
 *    read once (PG_referenced, no PTE reference): folio_check_references answers
 *    FOLIOREF_RECLAIM_CLEAN and every folio scanned is freed. do_try_to_free_pages starts at
 *    priority 12 and scans size >> priority pages of the list per pass until 32
 *    (SWAP_CLUSTER_MAX) are reclaimed. With N = 2048:
 *        priority 12: 2048 >> 12 = 0
 *        priority 11: 2048 >> 11 = 1   (2047 left)
 *        priority 10: 2047 >> 10 = 1   (2046)
 *        priority  9: 2046 >>  9 = 3   (2043)
 *        priority  8: 2043 >>  8 = 7   (2036)
 *        priority  7: 2036 >>  7 = 15  (2021)
 *        priority  6: 2021 >>  6 = 31  -> 58 reclaimed >= 32: stop
 *    pgscan_direct = pgsteal_direct = pgscan_file = pgsteal_file = 58, allocstall 1; the 58
 *    oldest pages (the tail: pages 0..57 of the file) are gone, each leaving a shadow entry,
 *    and the node's non-resident age is 58.
 *  - those 58 pages read again refault (workingset_refault_file 58). The refault distance of
 *    page i is 58 - i evictions; the workingset that could have held them (the active file
 *    list: empty; no swap) is 0 pages, so none is activated (workingset_activate_file 0).
 *  - a file read twice: the first read sets PG_referenced, the second activates each folio
 *    (pgactivate = its pages, nr_active_file = its pages).
 *  - mlock of N resident anonymous pages: unevictable_pgs_mlocked N, nr_mlock N,
 *    nr_unevictable N; munlock: unevictable_pgs_munlocked N, back on the inactive anon list.
 *
 * Files are read with POSIX_FADV_RANDOM so that every folio is order 0 (force_page_cache_ra).
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
#include <unistd.h>

#include "mmsim/mmsim.h"
#include "boot.h"
#include "task_helpers.h"
#include "fs/fs.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "mm/mman.h"
#include "mm/memory.h"
#include "mm/mmap.h"
#include "mm/oom.h"
#include "mm/page_alloc.h"
#include "mm/pagemap.h"
#include "mm/swap.h"
#include "mm/vmscan.h"
#include "mm/workingset.h"

#define PS 4096ull
#define MIB (1ull << 20)
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static const char *const kv64[] = { "ram", "64M", "cpus", "1", "read_ahead_kb", "128", NULL };

static char *made[16];
static unsigned int nmade;

static int remove_files(void **state)
{
	(void)state;
	while (nmade) {
		unlink(made[--nmade]);
		free(made[nmade]);
	}
	return 0;
}

/* A host file of size bytes (a pattern), removed at the end of the group. */
static const char *make_file(uint64_t size)
{
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	static uint8_t buf[65536];
	int fd;

	snprintf(path, sizeof(path), "%s/mmsim-test-vmscan-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	for (uint64_t off = 0; off < size; off += sizeof(buf)) {
		uint64_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);

		for (uint64_t i = 0; i < n; i++)
			buf[i] = (uint8_t)((off + i) * 7 + (off + i) / 4096);
		assert_int_equal(write(fd, buf, n), (ssize_t)n);
	}
	close(fd);
	assert_true(nmade < sizeof(made) / sizeof(made[0]));
	made[nmade++] = strdup(path);
	return made[nmade - 1];
}

static struct mmsim_machine *boot64(const char *const *kv)
{
	return (struct mmsim_machine *)boot(kv ? kv : kv64);
}



static struct file *open_file(struct mmsim_machine *m, const char *path)
{
	int err = 0;
	struct file *f = filp_open(m->mm.fs, path, O_RDONLY, &err);

	if (!f)
		fail_msg("filp_open %s: %d", path, err);
	return f;
}

/* read(2) of the whole file in 128 KiB pieces, order-0 folios (POSIX_FADV_RANDOM). */
static void read_random(struct file *f)
{
	uint64_t size = f->f_inode->i_size;

	assert_int_equal(generic_fadvise(f, 0, 0, MMSIM_FADV_RANDOM), 0);
	for (uint64_t pos = 0; pos < size; pos += 128 << 10)
		assert_true(filemap_read(f, pos, 128 << 10, NULL) > 0);
}

static uint64_t ev(struct mmsim_machine *m, enum vm_event_item i) { return m->mm.vm_events[i]; }
static int64_t node(struct mmsim_machine *m, enum node_stat_item i)
{
	return global_node_page_state(&m->mm, i);
}

static uint64_t allocstalls(struct mmsim_machine *m)
{
	uint64_t n = 0;

	for (int i = ALLOCSTALL_DMA; i <= ALLOCSTALL_DEVICE; i++)
		n += ev(m, (enum vm_event_item)i);
	return n;
}

static unsigned int cached_pages(struct file *f, uint64_t from, uint64_t n)
{
	unsigned int c = 0;

	for (uint64_t i = from; i < from + n; i++)
		c += filemap_get_folio(f->f_mapping, i) != NULL;
	return c;
}

/* ---- tests -------------------------------------------------------------------------------- */

/* New folios: anonymous and page cache both start on the inactive lists, counted exactly. */
static void test_new_folios_inactive(void **state)
{
	(void)state;
	struct mmsim_machine *m = boot64(NULL);
	struct task_struct *t = new_task(m, 2);
	int64_t a = sys_mmap(t, 0, 64 * PS, RW, ANON, -1, 0);
	struct file *f = open_file(m, make_file(256 * PS));

	assert_true(a > 0);
	for (int i = 0; i < 64; i++)
		acc(m, t, (uint64_t)a + i * PS, MMU_WRITE);
	assert_int_equal(node(m, NR_INACTIVE_ANON), 64);
	assert_int_equal(node(m, NR_ACTIVE_ANON), 0);
	read_random(f);
	assert_int_equal(node(m, NR_INACTIVE_FILE), 256);
	assert_int_equal(node(m, NR_ACTIVE_FILE), 0);
	assert_int_equal(ev(m, PGACTIVATE), 0);
	/* the second read activates every folio (folio_mark_accessed twice) */
	read_random(f);
	assert_int_equal(node(m, NR_INACTIVE_FILE), 0);
	assert_int_equal(node(m, NR_ACTIVE_FILE), 256);
	assert_int_equal(ev(m, PGACTIVATE), 256);
	/* workingset_activation aged the node by the pages activated */
	assert_int_equal(node_lruvec(&m->mm, 0)->nonresident_age, 256);
	check_machine(m);
	fput(m->mm.fs, f);
	mmsim_machine_free((mmsim_machine *)m);
}

/* Direct reclaim of clean cache: the arithmetic at the top of the file, then refaults. */
static void test_direct_reclaim_exact(void **state)
{
	(void)state;
	struct mmsim_machine *m = boot64(NULL);
	struct mm_sys *ms = &m->mm;
	struct file *f = open_file(m, make_file(2048 * PS));
	gfp_t gfp = MMSIM_GFP_HIGHUSER_MOVABLE;
	enum zone_type type = ms->arch->zones[gfp_zone(ms, gfp)];
	uint64_t nr;

	read_random(f);
	assert_int_equal(node(m, NR_INACTIVE_FILE), 2048);
	nr = try_to_free_pages(ms, 0, gfp, 0);
	assert_int_equal(nr, 58);
	assert_int_equal(ev(m, PGSCAN_DIRECT), 58);
	assert_int_equal(ev(m, PGSTEAL_DIRECT), 58);
	assert_int_equal(ev(m, PGSCAN_FILE), 58);
	assert_int_equal(ev(m, PGSTEAL_FILE), 58);
	assert_int_equal(ev(m, PGSCAN_KSWAPD) + ev(m, PGSTEAL_KSWAPD), 0);
	assert_int_equal(ev(m, ALLOCSTALL_DMA + type), 1);
	assert_int_equal(allocstalls(m), 1);
	assert_int_equal(node(m, NR_INACTIVE_FILE), 2048 - 58);
	assert_int_equal(node(m, NR_FILE_PAGES), 2048 - 58);
	/* the oldest went: pages 0..57 */
	assert_int_equal(cached_pages(f, 0, 58), 0);
	assert_int_equal(cached_pages(f, 58, 2048 - 58), 2048 - 58);
	assert_int_equal(workingset_nr_shadows(ms), 58);
	assert_int_equal(node_lruvec(ms, 0)->nonresident_age, 58);
	check_machine(m);

	/* the evicted pages come back: 58 refaults, none activated (no workingset to hold them) */
	read_random(f);
	assert_int_equal(node(m, WORKINGSET_REFAULT_FILE), 58);
	assert_int_equal(node(m, WORKINGSET_ACTIVATE_FILE), 0);
	assert_int_equal(node(m, WORKINGSET_RESTORE_FILE), 0);
	assert_int_equal(workingset_nr_shadows(ms), 0);
	assert_int_equal(node(m, NR_FILE_PAGES), 2048);
	check_machine(m);
	fput(m->mm.fs, f);
	mmsim_machine_free((mmsim_machine *)m);
}

/*
 * Streaming a file twice the size of RAM: kswapd keeps the machine going (no direct reclaim
 * is needed for order-0 reads), a hot file read twice before stays cached (its folios are on
 * the active list, which kswapd only deactivates when the inactive list runs low), and every
 * counter adds up: pages scanned >= pages stolen, stolen == shadows left.
 */
static void test_kswapd_keeps_working_set(void **state)
{
	(void)state;
	struct mmsim_machine *m = boot64(NULL);
	struct mm_sys *ms = &m->mm;
	struct file *hot = open_file(m, make_file(4 * MIB));
	struct file *big = open_file(m, make_file(128 * MIB));
	uint64_t hot_pages = 4 * MIB / PS, stolen, scanned;

	read_random(hot);
	read_random(hot);
	assert_int_equal(node(m, NR_ACTIVE_FILE), (int64_t)hot_pages);
	read_random(big);
	check_machine(m);
	assert_true(ev(m, PAGEOUTRUN) > 0);
	assert_true(ev(m, PGSTEAL_KSWAPD) > 0);
	assert_int_equal(cached_pages(hot, 0, hot_pages), hot_pages);
	stolen = ev(m, PGSTEAL_KSWAPD) + ev(m, PGSTEAL_DIRECT);
	scanned = ev(m, PGSCAN_KSWAPD) + ev(m, PGSCAN_DIRECT);
	assert_int_equal(stolen, ev(m, PGSTEAL_FILE) + ev(m, PGSTEAL_ANON));
	assert_int_equal(scanned, ev(m, PGSCAN_FILE) + ev(m, PGSCAN_ANON));
	assert_true(scanned >= stolen);
	assert_int_equal(ev(m, PGSTEAL_ANON), 0);	/* no swap: no anon reclaim */
	/* what the big file lost is what reclaim stole; each left a shadow */
	assert_int_equal(128 * MIB / PS - cached_pages(big, 0, 128 * MIB / PS), stolen);
	assert_int_equal(workingset_nr_shadows(ms), stolen);
	/* the machine ends above its min watermark, with every page of the LRU accounted */
	for (unsigned int z = 0; z < ms->node_data[0]->nr_zones; z++) {
		struct zone *zone = &ms->node_data[0]->node_zones[z];

		if (zone->managed_pages)
			assert_true(zone->vm_stat[NR_FREE_PAGES] >=
				    (int64_t)wmark_pages(zone, WMARK_MIN));
	}
	fput(ms->fs, hot);
	fput(ms->fs, big);
	mmsim_machine_free((mmsim_machine *)m);
}

/* mlocked pages are unevictable: counted, never reclaimed, back to the LRU when unlocked. */
static void test_mlock_unevictable(void **state)
{
	(void)state;
	struct mmsim_machine *m = boot64(NULL);
	struct mm_sys *ms = &m->mm;
	struct task_struct *t = new_task(m, 2);
	struct file *f = open_file(m, make_file(64 * PS));
	struct file *big = open_file(m, make_file(96 * MIB));
	int64_t a = sys_mmap(t, 0, 128 * PS, RW, ANON, -1, 0);
	int64_t fm;
	int fd;

	assert_true(a > 0);
	t->cap_ipc_lock = true;
	for (int i = 0; i < 128; i++)
		acc(m, t, (uint64_t)a + i * PS, MMU_WRITE);
	assert_int_equal(sys_mlock(t, (uint64_t)a, 128 * PS), 0);
	assert_int_equal(node(m, NR_UNEVICTABLE), 128);
	assert_int_equal(node(m, NR_INACTIVE_ANON), 0);
	assert_int_equal(global_zone_page_state(ms, NR_MLOCK), 128);
	assert_int_equal(ev(m, UNEVICTABLE_PGMLOCKED), 128);
	check_machine(m);

	/* a mapped file locked with MAP_LOCKED (populated): its 64 pages stay through pressure */
	fd = 3;
	t->files->fd[fd] = f;
	f->f_count++;
	fm = sys_mmap(t, 0, 64 * PS, PROT_READ, MAP_PRIVATE | MAP_LOCKED, fd, 0);
	assert_true(fm > 0);
	/*
	 * The populate's read-around brought pages 0..31 as order-0 folios, 32..63 as eight
	 * order-2 folios (the async window). rmap mlocks a small folio when it is mapped into a
	 * VM_LOCKED VMA, a large one only when reclaim finds it there (folio_referenced).
	 */
	assert_int_equal(node(m, NR_UNEVICTABLE), 128 + 32);
	read_random(big);
	check_machine(m);
	assert_true(ev(m, PGSTEAL_KSWAPD) + ev(m, PGSTEAL_DIRECT) > 0);
	assert_int_equal(cached_pages(f, 0, 64), 64);
	assert_int_equal(node(m, NR_UNEVICTABLE), 128 + 64);

	assert_int_equal(sys_munlock(t, (uint64_t)a, 128 * PS), 0);
	assert_int_equal(ev(m, UNEVICTABLE_PGMUNLOCKED), 128);
	assert_int_equal(node(m, NR_UNEVICTABLE), 64);
	assert_int_equal(node(m, NR_INACTIVE_ANON), 128);
	assert_int_equal(global_zone_page_state(ms, NR_MLOCK), 64);
	check_machine(m);
	fput(ms->fs, big);
	mmsim_machine_free((mmsim_machine *)m);
}

/* MADV_COLD deactivates, MADV_PAGEOUT reclaims clean file pages now, drop_caches the rest. */
static void test_madvise_cold_pageout_drop(void **state)
{
	(void)state;
	struct mmsim_machine *m = boot64(NULL);
	struct mm_sys *ms = &m->mm;
	struct task_struct *t = new_task(m, 2);
	struct file *f = open_file(m, make_file(256 * PS));
	int64_t fm;

	read_random(f);
	read_random(f);		/* every folio active */
	t->files->fd[3] = f;
	f->f_count++;
	fm = sys_mmap(t, 0, 256 * PS, PROT_READ, MAP_PRIVATE, 3, 0);
	assert_true(fm > 0);
	for (int i = 0; i < 16; i++)
		acc(m, t, (uint64_t)fm + i * PS, MMU_READ);
	/* pages 0..15 are mapped by this process only: MADV_COLD moves them to the inactive list */
	assert_int_equal(sys_madvise(t, (uint64_t)fm, 16 * PS, MADV_COLD), 0);
	assert_int_equal(ev(m, PGDEACTIVATE), 16);
	assert_int_equal(node(m, NR_ACTIVE_FILE), 256 - 16);
	assert_int_equal(node(m, NR_INACTIVE_FILE), 16);
	check_machine(m);
	/* MADV_PAGEOUT: unmapped and dropped at once, leaving shadows */
	assert_int_equal(sys_madvise(t, (uint64_t)fm, 16 * PS, MADV_PAGEOUT), 0);
	assert_int_equal(cached_pages(f, 0, 16), 0);
	assert_int_equal(node(m, NR_FILE_PAGES), 256 - 16);
	assert_int_equal(t->mm->rss_stat[MM_FILEPAGES], 0);
	assert_int_equal(workingset_nr_shadows(ms), 16);
	check_machine(m);
	/* drop_caches: every clean unmapped page goes, their shadows too */
	assert_int_equal(drop_caches(ms, 1), 0);
	assert_int_equal(ev(m, DROP_PAGECACHE), 1);
	assert_int_equal(node(m, NR_FILE_PAGES), 0);
	assert_int_equal(workingset_nr_shadows(ms), 0);
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

/*
 * folio_referenced reads and clears the accessed bit through rmap. x86 does not flush the TLB
 * for it: the next access hits the TLB, the bit stays clear and the page looks idle. arm64
 * flushes: the next access walks and sets the access flag again.
 */
static void referenced_case(const char *arch, int want_second)
{
	const char *kv[] = { "arch", arch, "ram", "64M", "cpus", "1", NULL };
	struct mmsim_machine *m = boot64(kv);
	struct mm_sys *ms = &m->mm;
	struct task_struct *t = new_task(m, 2);
	int64_t a = sys_mmap(t, 0, ms->page_size, RW, ANON, -1, 0);
	struct pte_desc d;
	struct page *folio;
	vm_flags_t vm_flags;
	int level;

	assert_true(a > 0);
	acc(m, t, (uint64_t)a, MMU_WRITE);
	assert_int_equal(pgtable_lookup(&t->mm->pgd, (uint64_t)a, &d, &level, NULL), 0);
	folio = page_folio(pfn_to_page(ms, d.pa >> ms->page_shift));
	assert_int_equal(folio_referenced(ms, folio, &vm_flags), 1);
	assert_true(vm_flags & VM_WRITE);
	acc(m, t, (uint64_t)a, MMU_READ);
	assert_int_equal(folio_referenced(ms, folio, &vm_flags), want_second);
	check_machine(m);
	mmsim_machine_free((mmsim_machine *)m);
}

static void test_referenced_tlb(void **state)
{
	(void)state;
	referenced_case("x86_64", 0);
	referenced_case("arm64", 1);
}

/* lru_validate finds a count that does not match the lists (it can fail). */
static void test_lru_validate_fails(void **state)
{
	(void)state;
	struct mmsim_machine *m = boot64(NULL);
	struct task_struct *t = new_task(m, 2);
	int64_t a = sys_mmap(t, 0, 8 * PS, RW, ANON, -1, 0);
	struct mmsim_error err = { 0 };
	pg_data_t *pgdat = m->mm.node_data[0];

	for (int i = 0; i < 8; i++)
		acc(m, t, (uint64_t)a + i * PS, MMU_WRITE);
	assert_int_equal(lru_validate(&m->mm, &err), 0);
	pgdat->vm_stat[NR_INACTIVE_ANON]++;
	assert_int_equal(lru_validate(&m->mm, &err), -EUCLEAN);
	pgdat->vm_stat[NR_INACTIVE_ANON]--;
	assert_int_equal(lru_validate(&m->mm, &err), 0);
	mmsim_machine_free((mmsim_machine *)m);
}


/*
 * A mixed workload under pressure, checked as it runs: four processes (two forked from the
 * others) write and read 6000 anonymous pages each and read a 32 MiB file through a private
 * mapping, in a seeded random order, on 64 MiB without swap; the OOM killer has to act.
 * Every value read back must be the one last written by that process (COW after fork), every
 * file byte the file's; the LRU, the allocator and every page table stay consistent.
 */
#define MIX_PAGES 6000
#define MIX_PROCS 4

struct mix_proc {
	struct task_struct *t;
	int64_t anon, file;
	uint64_t val[MIX_PAGES];
};

static uint64_t mix_rng = 88172645463325252ull;

static uint64_t mix_next(void)
{
	mix_rng ^= mix_rng << 13;
	mix_rng ^= mix_rng >> 7;
	mix_rng ^= mix_rng << 17;
	return mix_rng;
}

static void mix_check(struct mmsim_machine *m, struct mix_proc *p, int n)
{
	struct mmsim_error err = { 0 };
	char msg[512];

	if (page_alloc_validate(&m->mm, &err) || lru_validate(&m->mm, &err) ||
	    oom_validate(&m->mm, &err))
		goto fail;
	for (int i = 0; i < n; i++)
		if (!p[i].t->exited && (mm_rss_validate(p[i].t->mm, &err) ||
					pgtable_validate(&p[i].t->mm->pgd, &err)))
			goto fail;
	return;
fail:
	mmsim_error_format(&err, msg, sizeof(msg));
	fail_msg("%s", msg);
}

static void test_mixed_pressure(void **state)
{
	(void)state;
	struct mmsim_machine *m = boot64(NULL);
	static struct mix_proc p[MIX_PROCS];
	const char *path = make_file(32 * MIB);
	int n = 2, bad = 0;

	m->mm.sysctl.overcommit_memory = 1;
	for (int i = 0; i < n; i++) {
		p[i].t = new_task(m, 2 + i);
		p[i].t->files->fd[3] = open_file(m, path);
		p[i].anon = sys_mmap(p[i].t, 0, MIX_PAGES * PS, RW, ANON, -1, 0);
		p[i].file = sys_mmap(p[i].t, 0, 32 * MIB, PROT_READ, MAP_PRIVATE, 3, 0);
		assert_true(p[i].anon > 0 && p[i].file > 0);
		memset(p[i].val, 0, sizeof(p[i].val));
	}
	for (int step = 0; step < 40000; step++) {
		struct mix_proc *q = &p[mix_next() % (uint64_t)n];
		uint64_t r = mix_next() % 100, pg = mix_next() % MIX_PAGES, v = 0;
		uint64_t va = (uint64_t)q->anon + pg * PS;
		struct access_result res;

		if (q->t->exited)
			continue;
		if (r < 45) {
			v = mix_next() | 1;
			if (task_access_data(m, q->t, va, 8, MMU_WRITE, &v, &res) || res.signo)
				continue;	/* killed meanwhile (ENOMEM, or SIGKILL) */
			q->val[pg] = v;
		} else if (r < 85) {
			if (task_access_data(m, q->t, va, 8, MMU_READ, &v, &res) || res.signo)
				continue;
			bad += v != q->val[pg];
		} else if (r < 99) {
			uint64_t off = (mix_next() % (32 * MIB / PS)) * PS;
			uint8_t b = 0;

			va = (uint64_t)q->file + off;
			if (task_access_data(m, q->t, va, 1, MMU_READ, &b, &res) || res.signo)
				continue;
			bad += b != (uint8_t)(off * 7 + off / 4096);
		} else if (n < MIX_PROCS) {
			int64_t pid = sys_fork(m, q->t, 2 + n);

			assert_true(pid > 0);
			p[n] = *q;
			p[n].t = find_task_by_pid(m, (int)pid);
			n++;
		}
		if (step % 10000 == 0)
			mix_check(m, p, n);
	}
	mix_check(m, p, n);
	assert_int_equal(bad, 0);
	assert_int_equal(n, MIX_PROCS);
	assert_true(m->mm.vm_events[OOM_KILL] > 0);
	assert_true(m->mm.vm_events[PGSTEAL_KSWAPD] + m->mm.vm_events[PGSTEAL_DIRECT] > 0);
	mmsim_machine_free((mmsim_machine *)m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_folios_inactive),
		cmocka_unit_test(test_direct_reclaim_exact),
		cmocka_unit_test(test_kswapd_keeps_working_set),
		cmocka_unit_test(test_mlock_unevictable),
		cmocka_unit_test(test_madvise_cold_pageout_drop),
		cmocka_unit_test(test_referenced_tlb),
		cmocka_unit_test(test_lru_validate_fails),
		cmocka_unit_test(test_mixed_pressure),
	};
	return cmocka_run_group_tests(tests, NULL, remove_files);
}

/*
 * Physical memory: zones as Linux sizes them, the buddy allocator's invariants under
 * random load, watermarks, gfp zone selection, migrate types, failure injection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include "kernel/machine.h"
#include "mm/page_alloc.h"

static mmsim_machine *boot_kv(const char *const *kv)
{
	mmsim_config *cfg;
	struct mmsim_error err;
	assert_int_equal(mmsim_config_new(&cfg), 0);
	for (; kv[0]; kv += 2) {
		int r = !strcmp(kv[0], "e820") ? mmsim_config_load_e820(cfg, kv[1], &err)
					       : mmsim_config_set(cfg, kv[0], kv[1], &err);
		if (r)
			fail_msg("config %s=%s: %s", kv[0], kv[1], err.msg);
	}
	mmsim_machine *m = NULL;
	int r = mmsim_boot(cfg, &m, &err);
	if (r)
		fail_msg("boot: %s", err.msg);
	mmsim_config_free(cfg);
	return m;
}

static struct zone *find_zone(mmsim_machine *m, unsigned int nid, const char *name)
{
	struct mm_sys *ms = &m->mm;
	for (unsigned int z = 0; z < ms->arch->nr_zones; z++)
		if (!strcmp(node_zone(ms, nid, z)->name, name))
			return node_zone(ms, nid, z);
	fail_msg("no zone %s", name);
	return NULL;
}

/* Parse "Node 0, zone X" blocks of a zoneinfo file: spanned, present, start_pfn. */
struct zi { char name[16]; unsigned long long spanned, present, start_pfn; };
static int read_zoneinfo(const char *path, struct zi *out, int max)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[512];
	int n = -1;
	while (fgets(line, sizeof(line), f)) {
		char name[16];
		unsigned long long v;
		if (sscanf(line, "Node 0, zone %15s", name) == 1 && n + 1 < max) {
			n++;
			memset(&out[n], 0, sizeof(out[n]));
			snprintf(out[n].name, sizeof(out[n].name), "%s", name);
		} else if (n >= 0 && sscanf(line, " spanned %llu", &v) == 1) {
			out[n].spanned = v;
		} else if (n >= 0 && sscanf(line, " present %llu", &v) == 1) {
			out[n].present = v;
		} else if (n >= 0 && sscanf(line, " start_pfn: %llu", &v) == 1) {
			out[n].start_pfn = v;
		}
	}
	fclose(f);
	return n + 1;
}

/* The same e820 map as the development machine gives the same zone spans as its kernel. */
static void test_zones_match_host_oracle(void **state)
{
	(void)state;
	const char *kv[] = { "e820", MMSIM_SOURCE_DIR "/tests/oracle/host-6.18/dmesg.txt", NULL };
	mmsim_machine *m = boot_kv(kv);
	struct zi zi[8];
	int n = read_zoneinfo(MMSIM_SOURCE_DIR "/tests/oracle/host-6.18/zoneinfo", zi, 8);
	assert_int_equal(n, 5);
	for (int i = 0; i < n; i++) {
		struct zone *z = find_zone(m, 0, zi[i].name);
		assert_int_equal(z->spanned_pages, zi[i].spanned);
		assert_int_equal(z->present_pages, zi[i].present);
		if (zi[i].present)
			assert_int_equal(z->zone_start_pfn, zi[i].start_pfn);
		assert_true(z->managed_pages <= z->present_pages);
	}
	/* The first MiB is reserved on x86: DMA managed is exactly what the host shows. */
	assert_int_equal(find_zone(m, 0, "DMA")->managed_pages, 3840);
	/* NODE_DATA lands where the host's dmesg says: the top of node 0. */
	const struct memblock_type *res = &m->mm.memblock.reserved;
	int found = 0;
	for (unsigned int i = 0; i < res->cnt; i++)
		if (!strcmp(res->regions[i].owner, "NODE_DATA")) {
			assert_int_equal(res->regions[i].base, 0x63ffd5500ull);
			found = 1;
		}
	assert_true(found);
	/* THP (madvise) raises min_free_kbytes to the host's 67584. */
	assert_int_equal(m->mm.min_free_kbytes, 67584);
	mmsim_machine_free(m);
}

/* The live kernel, when its dmesg and zoneinfo are readable: same check, fresh data. */
static void test_zones_match_live_kernel(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/mmsim-dmesg-XXXXXX";
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	close(fd);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "dmesg > %s 2>/dev/null && grep -q BIOS-e820 %s", tmpl, tmpl);
	if (system(cmd) != 0) {
		unlink(tmpl);
		skip();	/* no dmesg access (container without CAP_SYSLOG): skip, as documented */
	}
	struct zi zi[8];
	int n = read_zoneinfo("/proc/zoneinfo", zi, 8);
	const char *kv[] = { "e820", tmpl, NULL };
	mmsim_machine *m = boot_kv(kv);
	unlink(tmpl);
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		struct zone *z = find_zone(m, 0, zi[i].name);
		assert_int_equal(z->spanned_pages, zi[i].spanned);
		assert_int_equal(z->present_pages, zi[i].present);
	}
	mmsim_machine_free(m);
}

/* A million random allocs/frees of mixed orders, gfp masks and CPUs, every validator after
 * every one (check=1); a host bitmap proves no frame is
 * handed out twice; validators after every operation; everything coalesces at the end. */
static void test_random_alloc_free(void **state)
{
	(void)state;
	const char *kv[] = { "ram", "128M", "cpus", "2", "check", "1", NULL };
	mmsim_machine *m = boot_kv(kv);
	struct mm_sys *ms = &m->mm;
	drain_all_pages(ms);	/* boot's slab allocations left pages on the pcp lists */
	uint64_t free0 = global_free_pages(ms);
	uint8_t *owned = calloc(ms->max_pfn, 1);
	enum { N = 2048 };
	static struct { uint64_t pfn; unsigned int order; } live[N];
	int nlive = 0;
	static const unsigned int gfps[] = {
		MMSIM_GFP_KERNEL, MMSIM_GFP_HIGHUSER_MOVABLE, MMSIM_GFP_KERNEL | MMSIM_GFP_RECLAIMABLE,
		MMSIM_GFP_ATOMIC, MMSIM_GFP_KERNEL | MMSIM_GFP_DMA, MMSIM_GFP_KERNEL | MMSIM_GFP_DMA32,
		MMSIM_GFP_KERNEL | MMSIM_GFP_COMP, MMSIM_GFP_NOWAIT | MMSIM_GFP_ZERO,
	};
	struct rng r;
	rng_seed(&r, 42);
	long fails = 0;
	for (long i = 0; i < 1000000; i++) {
		if (nlive < N && (rng_below(&r, 2) || nlive == 0)) {
			unsigned int order = rng_below(&r, 4) == 0 ? (unsigned)rng_below(&r, 11) : (unsigned)rng_below(&r, 4);
			uint64_t pfn;
			int ret = mmsim_alloc_pages(m, (int)rng_below(&r, 2), gfps[rng_below(&r, 8)], order, &pfn);
			if (ret == -ENOMEM) {
				fails++;
				continue;
			}
			assert_int_equal(ret, 0);
			assert_int_equal(pfn & ((1ull << order) - 1), 0);
			for (uint64_t p = pfn; p < pfn + (1ull << order); p++) {
				assert_int_equal(owned[p], 0);	/* never handed out twice */
				owned[p] = 1;
			}
			live[nlive].pfn = pfn;
			live[nlive].order = order;
			nlive++;
		} else {
			int k = (int)rng_below(&r, (uint64_t)nlive);
			for (uint64_t p = live[k].pfn; p < live[k].pfn + (1ull << live[k].order); p++)
				owned[p] = 0;
			assert_int_equal(mmsim_free_pages(m, (int)rng_below(&r, 2), live[k].pfn, live[k].order), 0);
			live[k] = live[--nlive];
		}
	}
	while (nlive) {
		nlive--;
		assert_int_equal(mmsim_free_pages(m, 0, live[nlive].pfn, live[nlive].order), 0);
	}
	drain_all_pages(ms);
	struct mmsim_error err;
	assert_int_equal(mmsim_machine_validate(m, &err), 0);
	assert_int_equal(global_free_pages(ms), free0);
	/* Full coalescing: the validator above fails on any two free buddies left unmerged. */
	free(owned);
	mmsim_machine_free(m);
}

/* An injected failure at the Nth allocation changes nothing and says -ENOMEM. */
static void test_fail_nth_changes_nothing(void **state)
{
	(void)state;
	const char *kv[] = { "ram", "256M", NULL };
	mmsim_machine *m = boot_kv(kv);
	struct mm_sys *ms = &m->mm;
	uint64_t pfn;
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL, 0, &pfn), 0);
	uint64_t free_before = global_free_pages(ms);
	uint64_t allocs_before = ms->vm_events[PGALLOC_DMA32] + ms->vm_events[PGALLOC_NORMAL];
	mmsim_fail_nth_alloc(m, 2);
	uint64_t p2;
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL, 3, &p2), 0);
	uint64_t free_mid = global_free_pages(ms);
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL, 2, &p2 /* unchanged on failure */), -ENOMEM);
	assert_int_equal(global_free_pages(ms), free_mid);
	assert_true(free_mid <= free_before);
	assert_int_equal(ms->vm_events[PGALLOC_DMA32] + ms->vm_events[PGALLOC_NORMAL], allocs_before + 8);
	struct mmsim_error err;
	assert_int_equal(mmsim_machine_validate(m, &err), 0);
	/* The injection fires once. */
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL, 2, &p2), 0);
	mmsim_machine_free(m);
}

/* GFP zone modifiers pick the zones Linux's GFP_ZONE_TABLE names. */
static void test_gfp_zones(void **state)
{
	(void)state;
	const char *kv[] = { "ram", "6G", NULL };
	mmsim_machine *m = boot_kv(kv);
	uint64_t pfn, ev[NR_VM_EVENT_ITEMS];
	memcpy(ev, m->mm.vm_events, sizeof(ev));	/* boot itself allocated (slab) */
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL | MMSIM_GFP_DMA, 0, &pfn), 0);
	assert_true(pfn < (16u << 20) >> 12);
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL | MMSIM_GFP_DMA32, 0, &pfn), 0);
	assert_true(pfn >= (16u << 20) >> 12 && pfn < (4ull << 30) >> 12);
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_HIGHUSER_MOVABLE, 0, &pfn), 0);
	assert_true(pfn >= (4ull << 30) >> 12);
	assert_int_equal(m->mm.vm_events[PGALLOC_DMA] - ev[PGALLOC_DMA], 1);
	assert_int_equal(m->mm.vm_events[PGALLOC_DMA32] - ev[PGALLOC_DMA32], 1);
	assert_int_equal(m->mm.vm_events[PGALLOC_NORMAL] - ev[PGALLOC_NORMAL], 1);
	/* DMA|DMA32 is no valid combination. */
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_DMA | MMSIM_GFP_DMA32, 0, &pfn), -EINVAL);
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL, 11, &pfn), -EINVAL);
	assert_int_equal(mmsim_alloc_pages(m, 7, MMSIM_GFP_KERNEL, 0, &pfn), -EINVAL);
	mmsim_machine_free(m);
}

/* GFP_KERNEL stops at the min watermark; GFP_ATOMIC may go below it; both only fail then. */
static void test_watermarks_respected(void **state)
{
	(void)state;
	const char *kv[] = { "ram", "128M", "cpus", "1", NULL };
	mmsim_machine *m = boot_kv(kv);
	struct mm_sys *ms = &m->mm;
	uint64_t pfn;
	long n = 0;
	while (mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL, 0, &pfn) == 0)
		n++;
	assert_true(n > 1000);
	/* Every zone GFP_KERNEL may use is at or below its min watermark (+ reserve). */
	for (const struct zoneref *z = ms->node_data[0]->zonelist; z->zone; z++) {
		struct zone *zone = z->zone;
		int64_t limit = (int64_t)wmark_pages(zone, WMARK_MIN) + zone->lowmem_reserve[gfp_zone(ms, MMSIM_GFP_KERNEL)];
		assert_true(zone->vm_stat[NR_FREE_PAGES] <= limit + 1);
	}
	/* An atomic allocation can still dip into the reserve. */
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_ATOMIC, 0, &pfn), 0);
	struct mmsim_error err;
	assert_int_equal(mmsim_machine_validate(m, &err), 0);
	mmsim_machine_free(m);
}

/* An unmovable allocation on a fresh (all Movable) zone claims a pageblock. */
static void test_fallback_claims_pageblock(void **state)
{
	(void)state;
	const char *kv[] = { "ram", "512M", NULL };
	mmsim_machine *m = boot_kv(kv);
	struct mm_sys *ms = &m->mm;
	uint64_t pfn;
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_HIGHUSER_MOVABLE, 0, &pfn), 0);
	assert_int_equal(get_pageblock_migratetype(ms, pfn), MIGRATE_MOVABLE);
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL, 0, &pfn), 0);
	assert_int_equal(get_pageblock_migratetype(ms, pfn), MIGRATE_UNMOVABLE);
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL | MMSIM_GFP_RECLAIMABLE, 0, &pfn), 0);
	assert_int_equal(get_pageblock_migratetype(ms, pfn), MIGRATE_RECLAIMABLE);
	mmsim_machine_free(m);
}

/* Compound pages: head and tails linked; freeing the head frees all. */
static void test_compound(void **state)
{
	(void)state;
	const char *kv[] = { "ram", "256M", "check", "1", NULL };
	mmsim_machine *m = boot_kv(kv);
	struct mm_sys *ms = &m->mm;
	drain_all_pages(ms);
	uint64_t free0 = global_free_pages(ms), pfn;
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL | MMSIM_GFP_COMP, 4, &pfn), 0);
	struct page *head = pfn_to_page(ms, pfn);
	assert_true(page_test(head, PG_head));
	assert_int_equal(compound_order(head), 4);
	for (int i = 1; i < 16; i++)
		assert_ptr_equal(compound_head(pfn_to_page(ms, pfn + (uint64_t)i)), head);
	assert_int_equal(mmsim_free_pages(m, 0, pfn + 1, 0), -EINVAL);	/* a tail */
	assert_int_equal(mmsim_free_pages(m, 0, pfn, 3), -EINVAL);	/* wrong order */
	assert_int_equal(mmsim_free_pages(m, 0, pfn, 4), 0);
	assert_int_equal(mmsim_free_pages(m, 0, pfn, 4), -EINVAL);	/* double free */
	drain_all_pages(ms);
	assert_int_equal(global_free_pages(ms), free0);
	mmsim_machine_free(m);
}

/* movablecore= carves ZONE_MOVABLE out of the highest zone; kernel allocations avoid it. */
static void test_movable_zone(void **state)
{
	(void)state;
	const char *kv[] = { "ram", "8G", "movablecore", "2G", NULL };
	mmsim_machine *m = boot_kv(kv);
	struct zone *mov = find_zone(m, 0, "Movable"), *normal = find_zone(m, 0, "Normal");
	assert_int_equal(mov->present_pages, (2ull << 30) >> 12);
	assert_int_equal(zone_end_pfn(normal), mov->zone_start_pfn);
	assert_int_equal(mov->zone_start_pfn % 1024, 0);
	uint64_t pfn;
	for (int i = 0; i < 100; i++) {
		assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL, 0, &pfn), 0);
		assert_false(zone_spans_pfn(mov, pfn));
	}
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_HIGHUSER_MOVABLE, 0, &pfn), 0);
	assert_true(zone_spans_pfn(mov, pfn));
	mmsim_machine_free(m);
}

/* Two nodes: each CPU allocates from its own node first; the zonelist falls back by distance. */
static void test_numa_local_first(void **state)
{
	(void)state;
	const char *kv[] = { "ram", "8G", "nodes", "2", "cpus", "2", NULL };
	mmsim_machine *m = boot_kv(kv);
	struct mm_sys *ms = &m->mm;
	uint64_t pfn;
	assert_int_equal(mmsim_alloc_pages(m, 1, MMSIM_GFP_KERNEL, 0, &pfn), 0);
	assert_int_equal(page_nid(pfn_to_page(ms, pfn)), 1);
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL, 0, &pfn), 0);
	assert_int_equal(page_nid(pfn_to_page(ms, pfn)), 0);
	/* node 1's zonelist: its own Normal first, then node 0's zones high to low */
	const struct zoneref *zl = ms->node_data[1]->zonelist;
	assert_ptr_equal(zl[0].zone->zone_pgdat, ms->node_data[1]);
	assert_ptr_equal(zl[1].zone->zone_pgdat, ms->node_data[0]);
	assert_string_equal(zl[1].zone->name, "Normal");
	mmsim_machine_free(m);
}

/* i386: DMA below 16 MiB, Normal to 896 MiB, HighMem above; flat and sparse agree. */
static void test_i386_and_models(void **state)
{
	(void)state;
	const char *kv[] = { "arch", "i386", "ram", "2G", NULL };
	mmsim_machine *m = boot_kv(kv);
	assert_int_equal(zone_end_pfn(find_zone(m, 0, "Normal")), (896ull << 20) >> 12);
	assert_int_equal(find_zone(m, 0, "HighMem")->zone_start_pfn, (896ull << 20) >> 12);
	uint64_t pfn;
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_HIGHUSER, 0, &pfn), 0);
	assert_true(pfn >= (896ull << 20) >> 12);
	uint64_t present_sparse = find_zone(m, 0, "Normal")->present_pages;
	mmsim_machine_free(m);
	const char *kv2[] = { "arch", "i386", "ram", "2G", "memory_model", "flat", NULL };
	m = boot_kv(kv2);
	assert_int_equal(find_zone(m, 0, "Normal")->present_pages, present_sparse);
	assert_int_equal(mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL, 5, &pfn), 0);
	assert_int_equal(mmsim_free_pages(m, 0, pfn, 5), 0);
	mmsim_machine_free(m);
}

/* Impossible machines are refused with a sentence, not a crash. */
static void test_bad_machines(void **state)
{
	(void)state;
	struct { const char *k1, *v1, *k2, *v2; } bad[] = {
		{ "arch", "i386", "ram", "8G" },
		{ "ram", "64M", "nodes", "8" },
		{ "memory_model", "flat", "nodes", "2" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mmsim_config *cfg;
		struct mmsim_error err;
		mmsim_machine *m = NULL;
		assert_int_equal(mmsim_config_new(&cfg), 0);
		int r = mmsim_config_set(cfg, bad[i].k1, bad[i].v1, &err);
		if (!r)
			r = mmsim_config_set(cfg, bad[i].k2, bad[i].v2, &err);
		if (!r)
			r = mmsim_boot(cfg, &m, &err);
		assert_true(r < 0);
		assert_null(m);
		assert_true(strlen(err.msg) > 10);
		mmsim_config_free(cfg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zones_match_host_oracle),
		cmocka_unit_test(test_zones_match_live_kernel),
		cmocka_unit_test(test_random_alloc_free),
		cmocka_unit_test(test_fail_nth_changes_nothing),
		cmocka_unit_test(test_gfp_zones),
		cmocka_unit_test(test_watermarks_respected),
		cmocka_unit_test(test_fallback_claims_pageblock),
		cmocka_unit_test(test_compound),
		cmocka_unit_test(test_movable_zone),
		cmocka_unit_test(test_numa_local_first),
		cmocka_unit_test(test_i386_and_models),
		cmocka_unit_test(test_bad_machines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

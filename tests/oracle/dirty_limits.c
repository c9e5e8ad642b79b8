/*
 * The dirty thresholds of the live kernel against mmsim's formula (ctest oracle_dirty_limits).
 *
 * /proc/vmstat prints nr_dirty_threshold and nr_dirty_background_threshold from
 * global_dirty_limits (vmstat_start). This program feeds the library's dirtyable_memory and
 * domain_dirty_limits with what the kernel used: the free pages (global NR_FREE_PAGES, which
 * /proc/meminfo's MemFree shows; read just before and just after /proc/vmstat, since they
 * move), the file LRU pages of the same /proc/vmstat read, totalreserve_pages recomputed
 * from /proc/zoneinfo (tests/unit/dirty_proc.h), the HighMem part (none on x86-64) and the
 * four sysctls of /proc/sys/vm. The kernel's two numbers must lie between those computed
 * from the two MemFree readings (equal to both on a quiet machine); a miss is retried up to
 * 10 times.
 *
 * On the reference host MemFree is not vmstat's nr_free_pages: its kernel boots with
 * deferred_init=lazy (a patch: pages left to deferred_grow_zone() are counted free globally
 * but are in no zone yet), and global_dirtyable_memory counts them, so the zone sums of
 * /proc/vmstat and /proc/zoneinfo would give a threshold 4 times too small.
 *
 * Exit 0: within; 1: outside; 77: a file is missing (skipped, with a message).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mm/mm.h"
#include "mm/writeback.h"
#include "../unit/dirty_proc.h"

#define SKIP 77

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t cap = 1 << 16, len = 0, n;
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(cap + 1);
	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			char *b = realloc(buf, 2 * cap + 1);

			if (!b) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* One integer from /proc/sys/vm/name into *v; false when the file cannot be read. */
static int read_sysctl(const char *name, unsigned long long *v)
{
	char path[256], *text;

	snprintf(path, sizeof(path), "/proc/sys/vm/%s", name);
	text = slurp(path);
	if (!text)
		return 0;
	*v = strtoull(text, NULL, 10);
	free(text);
	return 1;
}

/* MemFree of /proc/meminfo in pages; false if unreadable. */
static int memfree_pages(long page_size, uint64_t *pages)
{
	char *text = slurp("/proc/meminfo");
	uint64_t kb;
	int ok = text && dp_field(text, "MemFree:", &kb);

	free(text);
	if (ok)
		*pages = kb * 1024 / (uint64_t)page_size;
	return ok;
}

/* thresh and bg_thresh by the library for free pages and the rest of in. */
static struct dirty_throttle_control limits(const struct vm_sysctl *sc, struct dirtyable_input in,
					    uint64_t free_pages, long page_size)
{
	struct dirty_throttle_control dtc;

	in.free = free_pages;
	dtc = (struct dirty_throttle_control){ .avail = dirtyable_memory(&in) };
	domain_dirty_limits(sc, (uint64_t)page_size, &dtc);
	return dtc;
}

static int within(uint64_t v, uint64_t a, uint64_t b)
{
	return a <= b ? v >= a && v <= b : v >= b && v <= a;
}

/* One attempt: 0 within, 1 outside, SKIP. */
static int attempt(void)
{
	long page_size = sysconf(_SC_PAGESIZE);
	uint64_t free_before = 0, free_after = 0;
	char *zoneinfo = slurp("/proc/zoneinfo");
	int have_before = memfree_pages(page_size, &free_before);
	char *vmstat = slurp("/proc/vmstat");
	int have_after = memfree_pages(page_size, &free_after);
	struct dp_zone zones[DP_MAX_ZONES];
	struct vm_sysctl sc;
	struct dirtyable_input in;
	struct dirty_throttle_control lo, hi;
	unsigned long long ratio, bg_ratio, bytes, bg_bytes, hd = 0;
	uint64_t vm_free, inactive, active, want_thresh, want_bg;
	int n, ret = SKIP;

	memset(&sc, 0, sizeof(sc));
	if (!zoneinfo || !vmstat || !have_before || !have_after) {
		fprintf(stderr, "skipped: cannot read /proc/zoneinfo, /proc/vmstat or "
			"/proc/meminfo's MemFree\n");
		goto out;
	}
	if (!read_sysctl("dirty_ratio", &ratio) || !read_sysctl("dirty_background_ratio", &bg_ratio) ||
	    !read_sysctl("dirty_bytes", &bytes) ||
	    !read_sysctl("dirty_background_bytes", &bg_bytes)) {
		fprintf(stderr, "skipped: cannot read the vm.dirty_* sysctls\n");
		goto out;
	}
	read_sysctl("highmem_is_dirtyable", &hd);	/* CONFIG_HIGHMEM kernels only */
	if (!dp_field(vmstat, "nr_dirty_threshold", &want_thresh) ||
	    !dp_field(vmstat, "nr_dirty_background_threshold", &want_bg) ||
	    !dp_field(vmstat, "nr_free_pages", &vm_free) ||
	    !dp_field(vmstat, "nr_inactive_file", &inactive) ||
	    !dp_field(vmstat, "nr_active_file", &active)) {
		fprintf(stderr, "skipped: /proc/vmstat lacks a line this check needs\n");
		goto out;
	}
	n = dp_parse_zoneinfo(zoneinfo, zones, DP_MAX_ZONES);
	if (n <= 0) {
		fprintf(stderr, "skipped: /proc/zoneinfo not understood\n");
		goto out;
	}
	sc.dirty_ratio = (int)ratio;
	sc.dirty_background_ratio = (int)bg_ratio;
	sc.dirty_bytes = bytes;
	sc.dirty_background_bytes = bg_bytes;
	in = (struct dirtyable_input){
		.totalreserve = dp_totalreserve(zones, n),
		.file_lru = inactive + active,
		.highmem = dp_highmem(zones, n),
		.highmem_is_dirtyable = hd != 0,
	};
	lo = limits(&sc, in, free_before, page_size);
	hi = limits(&sc, in, free_after, page_size);
	ret = within(want_thresh, lo.thresh, hi.thresh) && within(want_bg, lo.bg_thresh, hi.bg_thresh) ?
	      0 : 1;
	printf("%s: MemFree %llu..%llu pages (vmstat nr_free_pages %llu) - totalreserve %llu + "
	       "file LRU %llu (- highmem %llu) + 1 = avail %llu..%llu; ratios %llu/%llu, bytes "
	       "%llu/%llu -> thresh %llu..%llu, bg %llu..%llu; kernel: %llu %llu\n",
	       ret ? "outside" : "within", (unsigned long long)free_before,
	       (unsigned long long)free_after, (unsigned long long)vm_free,
	       (unsigned long long)in.totalreserve, (unsigned long long)in.file_lru,
	       (unsigned long long)(in.highmem_is_dirtyable ? 0 : in.highmem),
	       (unsigned long long)lo.avail, (unsigned long long)hi.avail, ratio, bg_ratio, bytes,
	       bg_bytes, (unsigned long long)lo.thresh, (unsigned long long)hi.thresh,
	       (unsigned long long)lo.bg_thresh, (unsigned long long)hi.bg_thresh,
	       (unsigned long long)want_thresh, (unsigned long long)want_bg);
out:
	free(zoneinfo);
	free(vmstat);
	return ret;
}

int main(void)
{
	int ret = 1;

	/* every attempt prints its numbers; a mismatch is retried up to 10 times */
	for (int i = 0; i < 10 && ret == 1; i++)
		ret = attempt();
	return ret;
}

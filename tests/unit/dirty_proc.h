/*
 * Reading the inputs of the dirty thresholds out of /proc/zoneinfo and /proc/vmstat text
 * (a host's or mmsim's), for tests/unit/test_writeback.c and tests/oracle/dirty_limits.c.
 *
 * totalreserve_pages is recomputed from zoneinfo as Linux's calculate_totalreserve_pages
 * does (mm/page_alloc.c): per zone, the largest lowmem_reserve[j] for j >= the zone's index
 * ("protection: (...)"), plus the high watermark ("high" less "boost"), at most "managed";
 * summed over every zone of every node.
 */
#ifndef MMSIM_TESTS_DIRTY_PROC_H
#define MMSIM_TESTS_DIRTY_PROC_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DP_MAX_ZONES 64
#define DP_MAX_PROT 8

struct dp_zone {
	char name[16];			/* "DMA32", "HighMem" ... */
	int index;			/* the zone's index in its node */
	uint64_t free, boost, high, managed, inactive_file, active_file;
	uint64_t protection[DP_MAX_PROT];
	int nprot;
};

/* The value of "name value" at the start of a line of text; false if absent. */
static inline bool dp_field(const char *text, const char *name, uint64_t *v)
{
	size_t n = strlen(name);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *q = p;

		while (*q == ' ')
			q++;
		if (!strncmp(q, name, n) && q[n] == ' ') {
			*v = strtoull(q + n, NULL, 10);
			return true;
		}
	}
	return false;
}

/* The zones of a zoneinfo text; their count, or -1 on a shape it does not know. */
static inline int dp_parse_zoneinfo(const char *text, struct dp_zone *z, int max)
{
	int n = -1, node = -1;

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *q = p;
		int nid;
		char name[16];
		unsigned long long v;

		if (sscanf(p, "Node %d, zone %15s", &nid, name) == 2) {
			if (++n >= max)
				return -1;
			memset(&z[n], 0, sizeof(z[n]));
			snprintf(z[n].name, sizeof(z[n].name), "%s", name);
			z[n].index = nid == node && n > 0 ? z[n - 1].index + 1 : 0;
			node = nid;
			continue;
		}
		if (n < 0)
			continue;
		while (*q == ' ')
			q++;
		if (sscanf(q, "pages free %llu", &v) == 1)
			z[n].free = v;
		else if (sscanf(q, "boost %llu", &v) == 1)
			z[n].boost = v;
		else if (sscanf(q, "high %llu", &v) == 1)
			z[n].high = v;
		else if (sscanf(q, "managed %llu", &v) == 1)
			z[n].managed = v;
		else if (sscanf(q, "nr_zone_inactive_file %llu", &v) == 1)
			z[n].inactive_file = v;
		else if (sscanf(q, "nr_zone_active_file %llu", &v) == 1)
			z[n].active_file = v;
		else if (!strncmp(q, "protection: (", 13)) {
			const char *r = q + 13;

			while (z[n].nprot < DP_MAX_PROT && *r && *r != ')') {
				char *end;

				z[n].protection[z[n].nprot++] = strtoull(r, &end, 10);
				r = end;
				while (*r == ',' || *r == ' ')
					r++;
			}
		}
	}
	return n + 1;
}

/* calculate_totalreserve_pages over the zones. */
static inline uint64_t dp_totalreserve(const struct dp_zone *z, int n)
{
	uint64_t total = 0;

	for (int i = 0; i < n; i++) {
		uint64_t max = 0;

		for (int j = z[i].index; j < z[i].nprot; j++)
			if (z[i].protection[j] > max)
				max = z[i].protection[j];
		max += z[i].high - z[i].boost;
		if (max > z[i].managed)
			max = z[i].managed;
		total += max;
	}
	return total;
}

/* highmem_dirtyable_memory before its cap: HighMem zones' free above high, plus file LRU. */
static inline uint64_t dp_highmem(const struct dp_zone *z, int n)
{
	uint64_t x = 0;

	for (int i = 0; i < n; i++) {
		if (strcmp(z[i].name, "HighMem") || !z[i].managed)
			continue;
		x += (z[i].free > z[i].high ? z[i].free - z[i].high : 0) + z[i].inactive_file +
		     z[i].active_file;
	}
	return x;
}
#endif

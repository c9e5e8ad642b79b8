/*
 * What the THP probes share (thp_fault.c, thp_merge.c, thp_settings.c): reading a counter
 * of /proc/vmstat, this process's minor faults, and summing smaps fields over the VMAs
 * inside a range. Each probe lists the vmstat events it reports; mark() / the probe's
 * report print their differences.
 */
#ifndef THP_PROBE_H
#define THP_PROBE_H
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define MB (1ul << 20)
#define HP (2 * MB)
#define PS 4096ul

/* The value of "KEY N" in /proc/vmstat, -1 when absent. */
static inline long vmstat(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ' ')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static inline long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/*
 * Over the smaps entries of VMAs inside [lo, hi): *vmas (may be NULL) gets how many there
 * are, *ahp the sum of AnonHugePages, *rss (may be NULL) the sum of Rss (kB).
 */
static inline void smaps_sum(uintptr_t lo, uintptr_t hi, int *vmas, long *ahp, long *rss)
{
	char line[512];
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (vmas)
		*vmas = 0;
	*ahp = 0;
	if (rss)
		*rss = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = s >= lo && e <= hi;
			if (vmas)
				*vmas += in;
			continue;
		}
		if (in && !strncmp(line, "AnonHugePages:", 14))
			*ahp += strtol(line + 14, NULL, 10);
		if (in && rss && !strncmp(line, "Rss:", 4))
			*rss += strtol(line + 4, NULL, 10);
	}
	if (f)
		fclose(f);
}
#endif

/*
 * What every benchmark program shares: the clock, one measurement's result, sorting RUNS
 * results so that the median, minimum and maximum can be printed, and booting a machine.
 */
#ifndef MMSIM_BENCH_BENCH_H
#define MMSIM_BENCH_BENCH_H
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "mmsim/mmsim.h"

/* A default machine with ram bytes ("2G"); a machine that does not boot ends the program. */
static inline mmsim_machine *bench_boot(const char *ram)
{
	struct mmsim_error err = { 0 };
	mmsim_config *cfg = NULL;
	mmsim_machine *m = NULL;

	if (mmsim_config_new(&cfg) || mmsim_config_set(cfg, "ram", ram, &err) ||
	    mmsim_boot(cfg, &m, &err)) {
		fprintf(stderr, "cannot boot a %s machine: %s\n", ram, err.msg);
		exit(1);
	}
	mmsim_config_free(cfg);
	return m;
}

/* Seconds on the monotonic clock. */
static inline double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* What one measurement returns: ns per operation and whether its premise held. */
struct result {
	double ns;
	int ok;
};

/* Sort r[0..n) by time (so r[n / 2] is the median); 1 if every run's premise held. */
static inline int sort_results(struct result *r, int n)
{
	int ok = 1;
	for (int i = 0; i < n; i++) {
		ok &= r[i].ok;
		for (int j = i + 1; j < n; j++) {
			if (r[j].ns < r[i].ns) {
				struct result x = r[i];
				r[i] = r[j];
				r[j] = x;
			}
		}
	}
	return ok;
}
#endif

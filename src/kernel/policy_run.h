/*
 * Research mode over a trace (`mmsim trace FILE --policy NAME --frames N`): the classic
 * replacement experiment. A fixed number of frames, every record of a memory-access trace
 * (valgrind lackey or "hexaddr R|W" page trace, plain, gzip or zstd: input/trace.h) turned
 * into page references, and one or more replacement policies (mm/policy/policy.h) counting
 * faults, evictions and dirty write-backs exactly. docs/policies.md describes it.
 *
 * Conventions (those of libCacheSim and of the course simulators, so numbers compare):
 *   - one trace record is one reference to the page of its first byte (page = address >>
 *     page_shift; page_shift 0: the address itself is the page number or object id);
 *     with count_second_page, an access that crosses into further pages references each of
 *     them too, in address order;
 *   - cold misses are faults; the cache size is a number of frames;
 *   - lackey S and M and page-trace W make the page dirty; a dirty page evicted is one
 *     write-back; pages still resident at the end are not written.
 *
 * Policies that need the future (OPT) make the run read the whole trace into memory first
 * and compute each reference's next use (a backward pass), then run every policy on it;
 * otherwise the trace is streamed in batches and every policy sees each batch in turn.
 */
#ifndef MMSIM_KERNEL_POLICY_RUN_H
#define MMSIM_KERNEL_POLICY_RUN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mmsim/mmsim.h"
#include "input/trace.h"
#include "mm/policy/policy.h"

struct policy_run_opts {
	const char *const *specs;	/* "name[:key=value,...]" each; "all" is expanded by
					   policy_run_expand_all, not here */
	size_t nr_specs;
	uint64_t frames;		/* >= 1 */
	unsigned page_shift;		/* 12 (4 KiB), 21 (2 MiB), 0 (raw numbers) */
	bool count_second_page;
	uint64_t seed;			/* of the policies' generators (Random) */
	enum trace_format format;	/* TRACE_FORMAT_AUTO unless forced */
	bool check;			/* policy_validate after every batch */
};

/* One policy's result. */
struct policy_run_result {
	char policy[96];		/* the spec */
	uint64_t frames;
	struct policy_stats st;
};

/* What was read. */
struct policy_run_info {
	enum trace_format format;
	enum trace_compression compression;
	uint64_t lines, records, refs;	/* refs: page references made from the records */
};

/*
 * Run the trace at path ("-": stdin) under each of o->specs; res[i] is spec i's result
 * (res has o->nr_specs entries). 0, or -EINVAL with err for a bad spec, frames 0, or a
 * trace line that does not parse (file:line:column), -ENOENT for a missing file, -ENOMEM,
 * -EUCLEAN when a policy breaks an invariant (with check, or a policy that evicted nothing).
 * The policies are all made before the trace is opened, so a bad spec costs no reading.
 */
int policy_run(const char *path, const struct policy_run_opts *o,
	       struct policy_run_result *res, struct policy_run_info *info,
	       struct mmsim_error *err);

/*
 * Turn an access into its references at out (room for max): the page of its first byte,
 * and with count_second_page the further pages it covers. Returns how many (0 when max is
 * too small to hold them all; at most 1 + size / page size).
 */
size_t policy_refs_of(const struct trace_access *a, unsigned page_shift, bool second,
		      struct policy_ref *out, size_t max);
#endif

/*
 * `show policy`: mmsim's own view (not a /proc file) of who decides reclaim, and with a
 * research policy (machine key policy=, mm/policy_reclaim.h) its counters, in the words of
 * `mmsim trace --policy` so that the two can be read side by side:
 *
 *   policy:     fifo
 *   frames:     3 (policy_frames); 3 resident
 *   accesses:   12
 *   hits:       3
 *   faults:     9 (fault rate 0.7500)
 *   evictions:  6
 *   writebacks: 0 (dirty pages evicted)
 *   admitted:   11 (pages brought in: faults, readahead, swap-ins)
 *   kept:       0 (victims the machine could not free)
 */
#include <inttypes.h>

#include "mm/policy/policy.h"
#include "mm/policy_reclaim.h"
#include "report/proc.h"

void proc_reclaim_policy(struct mm_sys *ms, struct strbuf *sb)
{
	const struct rpolicy *rp = ms->rpolicy;
	struct policy_stats s;

	if (!rp) {
		sb_printf(sb, "policy:     linux (the kernel's own reclaim: the LRU lists, kswapd and "
			  "direct reclaim; its counters are /proc/vmstat's pgscan_*, pgsteal_*, "
			  "workingset_*)\n");
		return;
	}
	policy_get_stats(rp->p, &s);
	sb_printf(sb, "policy:     %s\n", rp->p->name);
	sb_printf(sb, "frames:     %" PRIu64 " (%s); %" PRIu64 " resident\n", rp->frames,
		  rp->limited ? "policy_frames" : "all RAM; the watermarks decide when", s.resident);
	sb_printf(sb, "accesses:   %" PRIu64 "\n", s.accesses);
	sb_printf(sb, "hits:       %" PRIu64 "\n", s.hits);
	sb_printf(sb, "faults:     %" PRIu64 " (fault rate %.4f)\n", s.faults,
		  s.accesses ? (double)s.faults / (double)s.accesses : 0.0);
	sb_printf(sb, "evictions:  %" PRIu64 "\n", s.evictions);
	sb_printf(sb, "writebacks: %" PRIu64 " (dirty pages evicted)\n", s.dirty_writebacks);
	sb_printf(sb, "admitted:   %" PRIu64 " (pages brought in: faults, readahead, swap-ins)\n",
		  s.admitted);
	sb_printf(sb, "kept:       %" PRIu64 " (victims the machine could not free: pinned, no "
		  "swap)\n", s.kept);
	if (s.over_limit)
		sb_printf(sb, "over limit: %" PRIu64 " (pages admitted with no frame free and no "
			  "victim freeable)\n", s.over_limit);
}

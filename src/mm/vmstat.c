/*
 * Counter names (Linux: mm/vmstat.c vmstat_text[]), split by kind as mm/vmstat.h lists
 * the counters. The global sums are in mm/page_alloc.c.
 */
#include "mm/vmstat.h"

#define X_NAME(e, s) [e] = s,
const char *const zone_stat_names[NR_VM_ZONE_STAT_ITEMS] = { ZONE_STAT_ITEMS(X_NAME) };
const char *const node_stat_names[NR_VM_NODE_STAT_ITEMS] = { NODE_STAT_ITEMS(X_NAME) };
const char *const vm_event_names[NR_VM_EVENT_ITEMS] = { VM_EVENT_ITEMS(X_NAME) };
#undef X_NAME

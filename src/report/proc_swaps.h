/*
 * /proc/swaps (Linux 6.18: mm/swapfile.c swaps_proc_ops, swap_start / swap_next / swap_show).
 */
#ifndef MMSIM_REPORT_PROC_SWAPS_H
#define MMSIM_REPORT_PROC_SWAPS_H
struct mm_sys;
struct strbuf;

/* The file as Linux prints it: a header line, then one line per area that is on. 0. */
int proc_swaps(struct mm_sys *ms, struct strbuf *sb);
#endif

/*
 * /proc/swaps (Linux 6.18: mm/swapfile.c swaps_proc_ops; swap_show prints the lines). The
 * areas come in swap type order, not priority order, as swap_next walks swap_info[]; an area
 * being swapped off still shows. The text itself is swapfile.c's show_swaps, next to the
 * structures it reads, as Linux keeps swap_show beside them:
 *
 *   Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority
 *   /tmp/sw1                                file\t\t8188\t\t64\t\t-2
 *
 * the path (escaped as seq_file_path does) padded with spaces to 40 columns (at least one),
 * "file", then Size and Used in KiB each followed by a second tab below 10000000, then the
 * priority. Size is the usable slots (the header page excluded), Used the slots in use,
 * swap-cache-only slots included.
 */
#include "mm/swap.h"
#include "report/proc_swaps.h"

int proc_swaps(struct mm_sys *ms, struct strbuf *sb)
{
	return show_swaps(ms, sb);
}

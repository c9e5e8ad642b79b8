/*
 * Fault probe: MAP_POPULATE of private anonymous memory. Step 1 maps 16 pages with
 * MAP_POPULATE: populate_vma_page_range runs get_user_pages over them, which faults every
 * page in, writable (FOLL_WRITE for a private writable VMA), so 16 frames; the faults are
 * counted to the task like any other (mm_account_fault with no regs still counts
 * min_flt). Step 2 reads them: nothing left to fault. The window of step 1 holds the mmap
 * call. Scenario: tests/oracle/faults/populate_anon.mms.
 */
#include "fault_probe.h"

int main(void)
{
	struct probe_mark m;

	probe_begin(&m);
	char *p = probe_map(0x10000000, 16 * PS, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	probe_end("populate-anon16", &m);
	probe_begin(&m);
	probe_touch(p, 16 * PS, 0);
	probe_end("read-anon16", &m);
	return 0;
}

/*
 * Fault probe: MADV_DONTNEED then read. 16 written private anonymous pages are zapped
 * (RssAnon -64 kB, no fault) and read back: each read faults and maps the zero page.
 * Scenario: tests/oracle/faults/dontneed.mms.
 */
#include "fault_probe.h"

int main(void)
{
	struct probe_mark m;
	char *p = probe_map(0x10000000, 16 * PS, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	probe_touch(p, 16 * PS, 1);
	probe_begin(&m);
	madvise(p, 16 * PS, MADV_DONTNEED);
	probe_end("dontneed16", &m);
	probe_mincore("dontneed16", p, 16 * PS);
	probe_begin(&m);
	probe_touch(p, 16 * PS, 0);
	probe_end("read-after-dontneed", &m);
	return 0;
}

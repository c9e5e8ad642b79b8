/*
 * Fault probe: read one byte in each of 16 fresh pages of a private anonymous mapping, then
 * write them. Linux: a read fault maps the shared zero page (do_anonymous_page, no RSS;
 * mincore says resident), the write after it faults again and replaces it with a zeroed
 * frame (do_wp_page -> wp_page_copy). Scenario: tests/oracle/faults/anon_read.mms.
 */
#include "fault_probe.h"

int main(void)
{
	struct probe_mark m;
	char *p = probe_map(0x10000000, 16 * PS, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	probe_begin(&m);
	probe_touch(p, 16 * PS, 0);
	probe_end("read16", &m);
	probe_mincore("read16", p, 16 * PS);
	probe_begin(&m);
	probe_touch(p, 16 * PS, 1);
	probe_end("write-after-read", &m);
	return 0;
}

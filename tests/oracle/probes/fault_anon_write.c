/*
 * Fault probe: write one byte in each of 16 fresh pages of a private anonymous mapping.
 * Linux: do_anonymous_page allocates a zeroed frame per page: 16 minor faults, RssAnon
 * +64 kB. Scenario: tests/oracle/faults/anon_write.mms.
 */
#include "fault_probe.h"

int main(void)
{
	struct probe_mark m;
	char *p = probe_map(0x10000000, 16 * PS, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	probe_begin(&m);
	probe_touch(p, 16 * PS, 1);
	probe_end("write16", &m);
	probe_mincore("write16", p, 16 * PS);
	return 0;
}

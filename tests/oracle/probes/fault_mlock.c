/*
 * Fault probe: mlock populates. 16 private anonymous pages, mlock: populate_vma_page_range
 * faults every page in, writable (16 frames, the faults counted to the task as any
 * get_user_pages fault is); then writing them faults no more.
 * Scenario: tests/oracle/faults/mlock.mms.
 */
#include "fault_probe.h"

int main(void)
{
	struct probe_mark m;
	char *p = probe_map(0x10000000, 16 * PS, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	probe_begin(&m);
	if (mlock(p, 16 * PS)) {
		perror("mlock");
		return 2;
	}
	probe_end("mlock16", &m);
	probe_begin(&m);
	probe_touch(p, 16 * PS, 1);
	probe_end("write-after-mlock", &m);
	return 0;
}

/*
 * Fault probe: mprotect then write. 16 private anonymous pages mapped PROT_READ are read
 * (zero pages), made PROT_READ|PROT_WRITE, and written: every write faults (the zero page
 * is never mapped writable: change_protection leaves it read-only) and gets a frame. Then
 * PROT_READ again, PROT_READ|PROT_WRITE again, and writes: no fault at all (the pages are
 * exclusive anonymous pages: can_change_pte_writable makes them writable at once).
 * Scenario: tests/oracle/faults/mprotect.mms.
 */
#include "fault_probe.h"

int main(void)
{
	struct probe_mark m;
	char *p = probe_map(0x10000000, 16 * PS, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	probe_touch(p, 16 * PS, 0);
	probe_begin(&m);
	mprotect(p, 16 * PS, PROT_READ | PROT_WRITE);
	probe_touch(p, 16 * PS, 1);
	probe_end("rw-write-zeropages", &m);
	probe_begin(&m);
	mprotect(p, 16 * PS, PROT_READ);
	mprotect(p, 16 * PS, PROT_READ | PROT_WRITE);
	probe_touch(p, 16 * PS, 1);
	probe_end("ro-rw-write", &m);
	return 0;
}

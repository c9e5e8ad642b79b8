/*
 * Fault probe: stack growth. Writes one byte in each of the 16 pages right below the
 * stack VMA's start (read from /proc/self/maps), from the top down: each access is below
 * vm_start, inside RLIMIT_STACK and outside the guard gap, so the fault handler extends
 * the VMA (expand_stack) and allocates a page: 16 faults, RssAnon +64 kB.
 * Scenario: tests/oracle/faults/stack.mms.
 */
#include "fault_probe.h"

int main(void)
{
	struct probe_mark m;
	unsigned long lo = 0, hi;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[stack]"))
			sscanf(line, "%lx-%lx", &lo, &hi);
	if (f)
		fclose(f);
	if (!lo)
		return 2;
	printf("STACK start %lx\n", lo);
	probe_begin(&m);
	for (int i = 1; i <= 16; i++)
		*(volatile char *)(lo - i * PS) = 1;
	probe_end("grow16", &m);
	return 0;
}

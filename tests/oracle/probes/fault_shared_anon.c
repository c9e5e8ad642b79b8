/*
 * Fault probe: MAP_SHARED|MAP_ANONYMOUS across fork. The parent writes 16 pages (shmem
 * faults: shmem_fault allocates the folios in the shmem object, RssShmem +64 kB); the child
 * reads them: fork copied no page-table entries for a shared VMA (vma_needs_copy), so the
 * child faults, and fault-around (shmem's map_pages) maps the cached neighbours; then the
 * child writes them. Counts are the child's own and the parent's own.
 * Scenario: tests/oracle/faults/shared_anon.mms.
 */
#include <sys/wait.h>
#include "fault_probe.h"

int main(void)
{
	struct probe_mark m;
	char *p = probe_map(0x10000000, 16 * PS, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	probe_begin(&m);
	probe_touch(p, 16 * PS, 1);
	probe_end("parent-write16", &m);
	pid_t pid = fork();
	if (pid == 0) {
		probe_begin(&m);
		probe_touch(p, 16 * PS, 0);
		probe_end("child-read16", &m);
		probe_begin(&m);
		probe_touch(p, 16 * PS, 1);
		probe_end("child-write16", &m);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	probe_begin(&m);
	probe_touch(p, 16 * PS, 0);
	probe_end("parent-read16", &m);
	return 0;
}

/*
 * Fault probe: copy-on-write after fork. The parent writes 16 pages of a private anonymous
 * mapping and forks; the child writes all 16 (each a write-protect fault: do_wp_page ->
 * wp_page_copy, a new frame, the shared one stays the parent's) and exits; then the parent
 * writes them (write-protect faults again, but each page has one user left: wp_page_reuse,
 * no copy). Counts are the child's own and the parent's own (getrusage RUSAGE_SELF).
 * Scenario: tests/oracle/faults/fork_cow.mms.
 */
#include <sys/wait.h>
#include "fault_probe.h"

int main(void)
{
	struct probe_mark m;
	char *p = probe_map(0x10000000, 16 * PS, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	probe_touch(p, 16 * PS, 1);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		probe_begin(&m);
		probe_touch(p, 16 * PS, 1);
		probe_end("child-write16", &m);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	probe_begin(&m);
	probe_touch(p, 16 * PS, 1);
	probe_end("parent-write16", &m);
	return 0;
}

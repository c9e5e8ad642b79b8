/*
 * Fault probe: MAP_POPULATE of a private file mapping. The 64-page file argv[1] is dropped
 * from the page cache and read whole with read(2), then mapped with MAP_POPULATE: the
 * faults of get_user_pages go through fault-around like any other (one fault maps the
 * cached pages of its 64 KiB window), so fewer faults than pages; step 2 reads the mapping
 * and faults no more. Scenario: tests/oracle/faults/populate_file.mms.
 */
#include "fault_probe.h"

#define FILE_PAGES 64

int main(int argc, char **argv)
{
	static char buf[FILE_PAGES * PS];
	struct probe_mark m;
	int fd = probe_cached_file(argc > 1 ? argv[1] : NULL, buf, sizeof(buf));
	probe_begin(&m);
	char *f = probe_map(0x20000000, FILE_PAGES * PS, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
			    fd, 0);
	probe_end("populate-file64", &m);
	probe_begin(&m);
	probe_touch(f, FILE_PAGES * PS, 0);
	probe_end("read-file64", &m);
	return 0;
}

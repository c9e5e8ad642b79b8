/*
 * Fault probe: writes to a private file mapping (copy-on-write of file pages). The file
 * (argv[1], 64 pages) is read whole with read(2) first. Step 1 reads page 0 (a file page
 * mapped read-only, with fault-around), step 2 writes it (do_wp_page -> wp_page_copy: an
 * anonymous copy replaces the file page: RssFile -4, RssAnon +4), step 3 writes page 32,
 * which is not mapped yet and lies in another fault-around window (do_cow_fault: one fault,
 * the copy is made at once, no file page is mapped). Scenario:
 * tests/oracle/faults/file_cow.mms.
 */
#include "fault_probe.h"

#define FILE_PAGES 64

int main(int argc, char **argv)
{
	static char buf[FILE_PAGES * PS];
	struct probe_mark m;
	int fd = probe_cached_file(argc > 1 ? argv[1] : NULL, buf, sizeof(buf));
	char *p = probe_map(0x10000000, FILE_PAGES * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			    fd, 0);

	probe_begin(&m);
	probe_touch(p, PS, 0);
	probe_end("read-page0", &m);
	probe_begin(&m);
	probe_touch(p, PS, 1);
	probe_end("write-page0", &m);
	probe_begin(&m);
	probe_touch(p + 32 * PS, PS, 1);
	probe_end("write-page32", &m);
	return 0;
}

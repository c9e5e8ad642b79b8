/*
 * Fault probe: read a private file mapping of a 64-page file that is in the page cache.
 * The file (argv[1]) is dropped from the cache (posix_fadvise DONTNEED) and read whole with
 * read(2) first, so the cache holds every page, in the folios the kernel's readahead made.
 * Linux: a read fault maps the faulting page and, by fault-around (do_fault_around,
 * fault_around_bytes 64 KiB), the cached pages around it: fewer faults than pages, RssFile
 * +256 kB, no major fault. Scenario: tests/oracle/faults/file_cached.mms.
 */
#include "fault_probe.h"

#define FILE_PAGES 64

int main(int argc, char **argv)
{
	static char buf[FILE_PAGES * PS];
	struct probe_mark m;
	int fd = probe_cached_file(argc > 1 ? argv[1] : NULL, buf, sizeof(buf));
	char *p = probe_map(0x10000000, FILE_PAGES * PS, PROT_READ, MAP_PRIVATE, fd, 0);

	probe_begin(&m);
	probe_touch(p, FILE_PAGES * PS, 0);
	probe_end("read64", &m);
	return 0;
}

/*
 * Fault probe: read a private file mapping of a 64-page file that is not in the page cache
 * (dropped with posix_fadvise DONTNEED first). Linux: the first fault finds no folio, reads
 * it (and the readahead window around it: do_sync_mmap_readahead) from the disk: a major
 * fault (VM_FAULT_MAJOR); later faults of pages the readahead brought in are minor, with
 * fault-around. Scenario: tests/oracle/faults/file_cold.mms.
 */
#include "fault_probe.h"

#define FILE_PAGES 64

int main(int argc, char **argv)
{
	struct probe_mark m;
	int fd = argc > 1 ? open(argv[1], O_RDONLY) : -1;

	if (fd < 0) {
		perror("open");
		return 2;
	}
	fsync(fd);	/* dirty pages are not dropped: write them back first */
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	char *p = probe_map(0x10000000, FILE_PAGES * PS, PROT_READ, MAP_PRIVATE, fd, 0);

	probe_begin(&m);
	probe_touch(p, FILE_PAGES * PS, 0);
	probe_end("cold-read64", &m);
	return 0;
}

/*
 * Host files with known bytes for the page-cache tests (included after <cmocka.h>): the
 * byte at offset i is pattern(i), so any byte read back through the cache can be checked.
 */
#ifndef MMSIM_TESTS_TMPFILE_H
#define MMSIM_TESTS_TMPFILE_H
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Write size bytes of pattern(offset) to fd from offset 0; a short write fails the test. */
static inline void fill_pattern(int fd, uint64_t size, uint8_t (*pattern)(uint64_t))
{
	static uint8_t buf[65536];

	for (uint64_t off = 0; off < size; off += sizeof(buf)) {
		uint64_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);

		for (uint64_t i = 0; i < n; i++)
			buf[i] = pattern(off + i);
		assert_int_equal(write(fd, buf, n), (ssize_t)n);
	}
}

/* A new file "mmsim-test-TAG-XXXXXX" in $TMPDIR (or /tmp) of size bytes of pattern():
   its path, malloc'd; the caller unlinks it. */
static inline char *make_tmp_file(const char *tag, uint64_t size, uint8_t (*pattern)(uint64_t))
{
	const char *tmp = getenv("TMPDIR");
	char *path = malloc(4096);
	int fd;

	assert_non_null(path);
	snprintf(path, 4096, "%s/mmsim-test-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fill_pattern(fd, size, pattern);
	close(fd);
	return path;
}
#endif

/*
 * libFuzzer target: mmsim_config_load_e820 on arbitrary bytes. Beyond "no crash, no leak"
 * it checks the loader's promises: a failure fills the error and changes nothing; a
 * success leaves a sorted map without overlaps, marked as coming from firmware.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "hw/machine_desc.h"
#include "mmsim/mmsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One memfd reused for every input; the loader opens it by its /proc path. */
static int input_path(const uint8_t *data, size_t size, char *path, size_t len)
{
	static int fd = -1;

	if (fd < 0)
		fd = memfd_create("fuzz-e820", 0);
	if (fd < 0 || ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return -1;
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmsim_error err = { 0 };
	mmsim_config *cfg = NULL;
	char path[64];

	if (input_path(data, size, path, sizeof(path)) || mmsim_config_new(&cfg))
		return 0;
	/* start from a map of its own, so that "changes nothing" is visible */
	if (mmsim_config_set(cfg, "range", "0x0-0x9fbff usable", &err))
		__builtin_trap();
	struct machine_desc before = cfg->desc;
	int rc = mmsim_config_load_e820(cfg, path, &err);
	if (rc < 0) {
		if (!err.msg[0] || strcmp(err.file, path) != 0 ||
		    memcmp(&before, &cfg->desc, sizeof(before)) != 0)
			__builtin_trap();
	} else {
		const struct machine_desc *d = &cfg->desc;
		if (rc != 0 || !d->map_from_firmware || d->nr_ranges == 0 ||
		    d->nr_ranges > MAX_E820_ENTRIES)
			__builtin_trap();
		for (unsigned int i = 0; i < d->nr_ranges; i++)
			if (d->ranges[i].start >= d->ranges[i].end ||
			    (i && d->ranges[i - 1].end > d->ranges[i].start))
				__builtin_trap();
	}
	mmsim_config_free(cfg);
	return 0;
}

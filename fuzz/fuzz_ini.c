/*
 * libFuzzer target: mmsim_config_load_ini on arbitrary bytes. Beyond "no crash, no leak"
 * it checks the loader's promises: a failure fills the error and changes nothing; a
 * success leaves a description that passes machine_desc_validate.
 *
 * The input goes to a file in a private empty directory, so that a relative "e820 = NAME"
 * in it names nothing (a path under /proc/self/fd could name a pipe and block).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hw/machine_desc.h"
#include "mmsim/mmsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void remove_dir(void)
{
	char path[96];
	snprintf(path, sizeof(path), "%s/input.ini", dir);
	unlink(path);
	rmdir(dir);
}

/* Write the input to DIR/input.ini (the directory made once, removed at exit). */
static int input_path(const uint8_t *data, size_t size, char *path, size_t len)
{
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/mmsim-fuzz-ini-XXXXXX");
		if (!mkdtemp(dir)) {
			dir[0] = '\0';
			return -1;
		}
		atexit(remove_dir);
	}
	snprintf(path, len, "%s/input.ini", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	size_t n = fwrite(data, 1, size, f);
	return fclose(f) == 0 && n == size ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmsim_error err = { 0 };
	mmsim_config *cfg = NULL;
	char path[96];

	if (input_path(data, size, path, sizeof(path)) || mmsim_config_new(&cfg))
		return 0;
	struct machine_desc before = cfg->desc;
	int rc = mmsim_config_load_ini(cfg, path, &err);
	if (rc < 0) {
		if (!err.msg[0] || memcmp(&before, &cfg->desc, sizeof(before)) != 0)
			__builtin_trap();
	} else if (rc != 0 || machine_desc_validate(&cfg->desc, &err) != 0) {
		__builtin_trap();
	}
	mmsim_config_free(cfg);
	return 0;
}

/*
 * libFuzzer target: scenario scripts (.mms) on arbitrary bytes, run on a small machine with
 * every validator after every statement. Beyond "no crash, no leak": a script either runs
 * (0), fails an expectation (MMSIM_SCRIPT_FAILED) or is refused with a negative errno, and a
 * refusal or failure always names a line inside the script. The machine is 64 MiB so that a
 * run costs a few milliseconds; `machine` lines may change that, within what boot accepts.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mmsim/mmsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mmsim_config *cfg = NULL;
	struct mmsim_error err = { 0 };
	char *out = NULL;
	size_t len = 0;

	if (size > 4096 || mmsim_config_new(&cfg))
		return 0;
	if (mmsim_config_set(cfg, "ram", "64M", &err) || mmsim_config_set(cfg, "check", "1", &err))
		abort();
	int rc = mmsim_script_run(cfg, "fuzz.mms", (const char *)data, size, MMSIM_SCRIPT_CHECK,
				  &out, &len, &err);
	if (rc != 0 && rc != MMSIM_SCRIPT_FAILED && rc >= 0)
		abort();
	if (rc != 0 && rc != -ENOMEM && (err.line < 1 || !err.msg[0]))
		abort();
	if (out && strlen(out) != len)
		abort();
	free(out);
	mmsim_config_free(cfg);
	return 0;
}

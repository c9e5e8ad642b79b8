/*
 * Booting a machine in a unit test (included after <cmocka.h>): from NULL-terminated
 * key, value pairs as `--set KEY=VALUE` takes them; a key that is refused or a machine that
 * does not boot fails the test with the library's message.
 */
#ifndef MMSIM_TESTS_BOOT_H
#define MMSIM_TESTS_BOOT_H
#include "mmsim/mmsim.h"

static inline mmsim_machine *boot(const char *const *kv)
{
	mmsim_config *cfg = NULL;
	mmsim_machine *m = NULL;
	struct mmsim_error err = { 0 };
	char msg[1024];

	assert_int_equal(mmsim_config_new(&cfg), 0);
	for (int i = 0; kv && kv[i]; i += 2) {
		if (mmsim_config_set(cfg, kv[i], kv[i + 1], &err) != 0) {
			mmsim_error_format(&err, msg, sizeof(msg));
			fail_msg("%s=%s: %s", kv[i], kv[i + 1], msg);
		}
	}
	if (mmsim_boot(cfg, &m, &err) != 0) {
		mmsim_error_format(&err, msg, sizeof(msg));
		fail_msg("boot: %s", msg);
	}
	mmsim_config_free(cfg);
	return m;
}
#endif

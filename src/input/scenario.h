/*
 * Scenario scripts (.mms): the language is described in docs/scenario-language.md.
 *
 * A script is read whole, then run statement by statement against one machine that is
 * booted at the first statement needing it (so `machine` lines can come first). Output of
 * `show` and `echo` (and, with SCENARIO_ECHO, every system call and its result) goes into
 * a buffer; the library prints nothing.
 */
#ifndef MMSIM_INPUT_SCENARIO_H
#define MMSIM_INPUT_SCENARIO_H
#include "mmsim/mmsim.h"

/*
 * mmsim_script_run that does not free its machine: *keep gets it (NULL when the script
 * never needed one), for a caller that goes on with the processes the script made (mmsim
 * trace --script). The caller frees it with mmsim_machine_free.
 */
int scenario_run_keep(mmsim_config *cfg, const char *name, const char *text, size_t len,
		      unsigned int flags, char **out, size_t *outlen, struct mmsim_error *err,
		      mmsim_machine **keep);
#endif

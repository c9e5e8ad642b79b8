/* Filling struct mmsim_error: every parser reports file, line, column and what was expected. */
#ifndef MMSIM_UTIL_ERROR_H
#define MMSIM_UTIL_ERROR_H
#include "mmsim/mmsim.h"

/* Fill err (if not NULL) and return code (a negative errno) so callers can `return err_set(...)`. */
int err_set(struct mmsim_error *err, int code, const char *file, int line, int column,
	    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void err_clear(struct mmsim_error *err);
#endif

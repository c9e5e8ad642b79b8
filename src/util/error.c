#include "util/error.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct mmsim_error *err, int code, const char *file, int line, int column,
	    const char *fmt, ...)
{
	if (!err)
		return code;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	err->column = column;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void err_clear(struct mmsim_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

void mmsim_error_format(const struct mmsim_error *e, char *buf, size_t len)
{
	if (e->file[0] && e->line && e->column)
		snprintf(buf, len, "%s:%d:%d: %s", e->file, e->line, e->column, e->msg);
	else if (e->file[0] && e->line)
		snprintf(buf, len, "%s:%d: %s", e->file, e->line, e->msg);
	else if (e->file[0])
		snprintf(buf, len, "%s: %s", e->file, e->msg);
	else
		snprintf(buf, len, "%s", e->msg);
}

const char *mmsim_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0: return "success";
	case ENOMEM: return "out of memory (ENOMEM)";
	case EINVAL: return "invalid argument (EINVAL)";
	case ENOENT: return "no such file or object (ENOENT)";
	case EFAULT: return "bad address (EFAULT)";
	case EEXIST: return "already exists (EEXIST)";
	case EBUSY: return "busy (EBUSY)";
	case ERANGE: return "value out of range (ERANGE)";
	case EUCLEAN: return "a structure invariant does not hold (EUCLEAN)";
	case EIO: return "input/output error (EIO)";
	case ENOSPC: return "no space left (ENOSPC)";
	case ENOTSUP: return "not supported (ENOTSUP)";
	case E2BIG: return "too big (E2BIG)";
	default: return strerror(err);
	}
}

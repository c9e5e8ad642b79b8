#include "util/strbuf.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sb_init(struct strbuf *sb)
{
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	sb->err = 0;
}

static int sb_grow(struct strbuf *sb, size_t need)
{
	if (sb->err)
		return sb->err;
	if (sb->len + need + 1 <= sb->cap)
		return 0;
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + need + 1)
		cap *= 2;
	char *n = realloc(sb->buf, cap);
	if (!n)
		return sb->err = -ENOMEM;
	sb->buf = n;
	sb->cap = cap;
	return 0;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sb_grow(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void sb_puts(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s);
	if (sb_grow(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n + 1);
	sb->len += n;
}

int sb_finish(struct strbuf *sb, char **out, size_t *len)
{
	if (!sb->err && sb_grow(sb, 0) == 0)
		sb->buf[sb->len] = '\0';
	if (sb->err) {
		int e = sb->err;
		sb_free(sb);
		return e;
	}
	*out = sb->buf;
	if (len)
		*len = sb->len;
	sb->buf = NULL;
	return 0;
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb_init(sb);
}

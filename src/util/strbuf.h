/* A growable text buffer for the renderers. Allocation failure is sticky: sb->err = -ENOMEM. */
#ifndef MMSIM_UTIL_STRBUF_H
#define MMSIM_UTIL_STRBUF_H
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len, cap;
	int err;		/* 0, or -ENOMEM once an append could not grow the buffer */
};

void sb_init(struct strbuf *sb);
/* printf-style append. */
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_puts(struct strbuf *sb, const char *s);
/* Hand the text to the caller (who frees it); returns sb->err and frees on error. */
int sb_finish(struct strbuf *sb, char **out, size_t *len);
void sb_free(struct strbuf *sb);
#endif

/*
 * libFuzzer target: seg_parse_logical and seg_explain on arbitrary bytes.
 *
 * Input: byte 0 picks the machine (x86_64 kernel, x86_64 user, ia32 process on x86_64,
 * i386 kernel, i386 user), byte 1 the access kind (bits 0-1) and size (bits 2-5, + 1);
 * the rest is the "SEL:OFFSET" text. Beyond "no crash, no leak" it checks the promises:
 *  - a parse failure fills the error with a column inside the text and changes nothing;
 *  - a parsed address, explained, gives exactly what the plain operations give on a twin
 *    unit (the same load, then seg_translate): same result, linear address or fault;
 *  - the explanation is not empty, and both units stay valid.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hw/segment.h"
#include "mmsim/mmsim.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A unit in one of five Linux states. */
static int machine(struct seg_unit *u, unsigned int which)
{
	struct seg_fault f;
	bool x64 = which < 3;
	int rc = seg_linux_init(u, x64 ? SEG_LINUX_X86_64 : SEG_LINUX_I386, 48,
				x64 ? 0xffff88807dc00000ull : 0xc1a00000ull);

	if (rc)
		return rc;
	if (which == 1 || which == 2)
		rc = seg_linux_enter_user(u, which == 2, 0xf7d8e740, &f);
	else if (which == 4)
		rc = seg_linux_enter_user(u, false, 0xb7d5a6c0, &f);
	if (rc)
		seg_unit_destroy(u);
	return rc;
}

/* The plain operations seg_explain stands for. */
static int plain(struct seg_unit *u, const struct seg_logical *la, unsigned int size,
		 unsigned int access, uint64_t *linear, struct seg_fault *f)
{
	enum seg_reg r = la->is_reg ? la->reg : SEG_DS;
	unsigned int kind = access & SEG_KIND_MASK;
	int rc = 0;

	/* what no instruction can ask for is refused before any load */
	if (kind == SEG_KIND_MASK || (!la->is_reg && kind != SEG_EXEC &&
				      seg_mode(u) != SEG_MODE_LONG && la->offset > 0xffffffffull))
		return -EINVAL;
	if (!la->is_reg && kind == SEG_EXEC) {
		r = SEG_CS;
		rc = seg_far_jump(u, la->sel, la->offset, f);
	} else if (!la->is_reg) {
		rc = seg_load(u, SEG_DS, la->sel, f);
	}
	if (rc)
		return rc;
	return seg_translate(u, r, la->offset, size, access, linear, f);
}

static void check_parse_failure(const char *text, const struct mmsim_error *err,
				const struct seg_logical *la)
{
	static const struct seg_logical sentinel = { .sel = 0x1234, .offset = 0x5678 };

	if (!err->msg[0] || err->column < 1 || (size_t)err->column > strlen(text) + 1 ||
	    memcmp(la, &sentinel, sizeof(*la)) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seg_logical la = { .sel = 0x1234, .offset = 0x5678 };
	struct mmsim_error err = { 0 };
	struct seg_unit a, b;
	struct seg_fault fa, fb;
	uint64_t la_lin = 0, lb_lin = 0;
	unsigned int which, access, len;
	struct strbuf sb;
	char *text;
	int ra, rb;

	if (size < 2)
		return 0;
	which = data[0] % 5;
	access = data[1] & 3;
	len = ((data[1] >> 2) & 15) + 1;
	text = malloc(size - 1);
	if (!text)
		return 0;
	memcpy(text, data + 2, size - 2);
	text[size - 2] = '\0';
	if (seg_parse_logical(text, &la, &err)) {
		check_parse_failure(text, &err, &la);
		free(text);
		return 0;
	}
	if (machine(&a, which) || machine(&b, which))
		__builtin_trap();
	sb_init(&sb);
	ra = seg_explain(&a, &la, len, access, &sb, &la_lin, &fa);
	rb = plain(&b, &la, len, access, &lb_lin, &fb);
	if (ra != rb || (ra == 0 && la_lin != lb_lin) ||
	    (ra > 0 && (fa.kind != fb.kind || fa.why != fb.why || fa.code != fb.code)))
		__builtin_trap();
	if (ra != -EINVAL && (sb.err || sb.len == 0))
		__builtin_trap();
	if (seg_unit_validate(&a, NULL) || seg_unit_validate(&b, NULL))
		__builtin_trap();
	sb_free(&sb);
	seg_unit_destroy(&a);
	seg_unit_destroy(&b);
	free(text);
	return 0;
}

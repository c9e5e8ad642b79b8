/*
 * GFP masks written as the kernel's source and tracepoints write them:
 * "GFP_KERNEL|__GFP_ZERO", "GFP_HIGHUSER_MOVABLE", "__GFP_HIGH | __GFP_NOWARN", "0x400".
 *
 * Linux counterpart: the flag names and compositions of include/linux/gfp_types.h (6.18).
 * GFP_HIGHUSER_MOVABLE there also carries __GFP_SKIP_KASAN, and GFP_TRANSHUGE* inherit it;
 * KASAN is not modelled, so neither is that bit.
 */
#include "mmsim/mmsim.h"
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Every single-bit flag the public header defines (bit 9 is unused in 6.18). */
#define GFP_KNOWN_BITS 0x7ffdffu

#define GFP_TRANSHUGE_LIGHT \
	((MMSIM_GFP_HIGHUSER_MOVABLE | MMSIM_GFP_COMP | MMSIM_GFP_NOMEMALLOC | \
	  MMSIM_GFP_NOWARN) & ~MMSIM_GFP_RECLAIM)

static const struct { const char *name; unsigned int mask; } gfp_names[] = {
	/* the combinations */
	{ "GFP_ATOMIC", MMSIM_GFP_ATOMIC },
	{ "GFP_KERNEL", MMSIM_GFP_KERNEL },
	{ "GFP_KERNEL_ACCOUNT", MMSIM_GFP_KERNEL | MMSIM_GFP_ACCOUNT },
	{ "GFP_NOWAIT", MMSIM_GFP_NOWAIT },
	{ "GFP_NOIO", MMSIM_GFP_RECLAIM },
	{ "GFP_NOFS", MMSIM_GFP_RECLAIM | MMSIM_GFP_IO },
	{ "GFP_USER", MMSIM_GFP_USER },
	{ "GFP_DMA", MMSIM_GFP_DMA },
	{ "GFP_DMA32", MMSIM_GFP_DMA32 },
	{ "GFP_HIGHUSER", MMSIM_GFP_HIGHUSER },
	{ "GFP_HIGHUSER_MOVABLE", MMSIM_GFP_HIGHUSER_MOVABLE },
	{ "GFP_TRANSHUGE_LIGHT", GFP_TRANSHUGE_LIGHT },
	{ "GFP_TRANSHUGE", GFP_TRANSHUGE_LIGHT | MMSIM_GFP_DIRECT_RECLAIM },
	/* the single flags */
	{ "__GFP_DMA", MMSIM_GFP_DMA },
	{ "__GFP_HIGHMEM", MMSIM_GFP_HIGHMEM },
	{ "__GFP_DMA32", MMSIM_GFP_DMA32 },
	{ "__GFP_MOVABLE", MMSIM_GFP_MOVABLE },
	{ "__GFP_RECLAIMABLE", MMSIM_GFP_RECLAIMABLE },
	{ "__GFP_HIGH", MMSIM_GFP_HIGH },
	{ "__GFP_IO", MMSIM_GFP_IO },
	{ "__GFP_FS", MMSIM_GFP_FS },
	{ "__GFP_ZERO", MMSIM_GFP_ZERO },
	{ "__GFP_DIRECT_RECLAIM", MMSIM_GFP_DIRECT_RECLAIM },
	{ "__GFP_KSWAPD_RECLAIM", MMSIM_GFP_KSWAPD_RECLAIM },
	{ "__GFP_RECLAIM", MMSIM_GFP_RECLAIM },
	{ "__GFP_WRITE", MMSIM_GFP_WRITE },
	{ "__GFP_NOWARN", MMSIM_GFP_NOWARN },
	{ "__GFP_RETRY_MAYFAIL", MMSIM_GFP_RETRY_MAYFAIL },
	{ "__GFP_NOFAIL", MMSIM_GFP_NOFAIL },
	{ "__GFP_NORETRY", MMSIM_GFP_NORETRY },
	{ "__GFP_MEMALLOC", MMSIM_GFP_MEMALLOC },
	{ "__GFP_COMP", MMSIM_GFP_COMP },
	{ "__GFP_NOMEMALLOC", MMSIM_GFP_NOMEMALLOC },
	{ "__GFP_HARDWALL", MMSIM_GFP_HARDWALL },
	{ "__GFP_THISNODE", MMSIM_GFP_THISNODE },
	{ "__GFP_ACCOUNT", MMSIM_GFP_ACCOUNT },
};

/* The mask of one term: a flag name or a number made of known bits. */
static bool gfp_term(const char *s, size_t len, unsigned int *mask)
{
	for (size_t i = 0; i < sizeof(gfp_names) / sizeof(gfp_names[0]); i++)
		if (strlen(gfp_names[i].name) == len && !strncmp(gfp_names[i].name, s, len)) {
			*mask = gfp_names[i].mask;
			return true;
		}
	if (!isdigit((unsigned char)s[0]))
		return false;
	char buf[24], *end;
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	unsigned long v = strtoul(buf, &end, 0);
	if (errno || *end || (v & ~(unsigned long)GFP_KNOWN_BITS))
		return false;
	*mask = (unsigned int)v;
	return true;
}

int mmsim_gfp_parse(const char *text, unsigned int *gfp)
{
	unsigned int mask = 0;
	const char *p = text;

	if (!text || !gfp)
		return -EINVAL;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		const char *start = p;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		unsigned int term;
		if (p == start || !gfp_term(start, (size_t)(p - start), &term))
			return -EINVAL;
		mask |= term;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (*p++ != '|')
			return -EINVAL;
	}
	*gfp = mask;
	return 0;
}

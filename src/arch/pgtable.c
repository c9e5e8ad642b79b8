/*
 * The registry of page-table formats (one line per format in pt_formats[]), lookups by id,
 * name and parameters, the hardware rule that splits the virtual address space, and the
 * format validator.
 *
 * The formats themselves live in one file per architecture: pgtable_x86.c (x86-64 4/5-level,
 * i386 2-level and PAE) and pgtable_arm64.c (the arm64 granules).
 */
#include "arch/pgtable.h"
#include <errno.h>
#include <stddef.h>
#include <strings.h>
#include "util/error.h"

/* Every format, indexed by its id; NULL for a format not built in. */
static const struct pt_format *const pt_formats[NR_PT_FORMATS] = {
	[PTF_X86_64_4L] = &pt_format_x86_64_4l,
	[PTF_X86_64_5L] = &pt_format_x86_64_5l,
	[PTF_I386_2L] = &pt_format_i386_2l,
	[PTF_I386_PAE] = &pt_format_i386_pae,
	[PTF_ARM64_4K_39] = &pt_format_arm64_4k_39,
	[PTF_ARM64_4K_48] = &pt_format_arm64_4k_48,
	[PTF_ARM64_16K_47] = &pt_format_arm64_16k_47,
	[PTF_ARM64_16K_48] = &pt_format_arm64_16k_48,
	[PTF_ARM64_64K_42] = &pt_format_arm64_64k_42,
	[PTF_ARM64_64K_48] = &pt_format_arm64_64k_48,
};

const struct pt_format *pt_format_get(enum pt_format_id id)
{
	return (unsigned int)id < NR_PT_FORMATS ? pt_formats[id] : NULL;
}

const struct pt_format *pt_format_by_name(const char *name)
{
	if (!name)
		return NULL;
	for (unsigned int i = 0; i < NR_PT_FORMATS; i++)
		if (pt_formats[i] && !strcasecmp(pt_formats[i]->name, name))
			return pt_formats[i];
	return NULL;
}

/*
 * Linux's default per architecture: x86_64 runs 4-level paging unless the CPU has LA57 and
 * the kernel enables it; i386 without CONFIG_X86_PAE uses 2-level; arm64 runs the 4 KiB
 * granule with 48-bit VAs in 4 levels (a kernel configured for 52-bit VAs falls back to it
 * on a CPU without FEAT_LPA2).
 */
const struct pt_format *pt_format_default(enum arch_id arch)
{
	switch (arch) {
	case ARCH_X86_64:
		return pt_formats[PTF_X86_64_4L];
	case ARCH_I386:
		return pt_formats[PTF_I386_2L];
	case ARCH_ARM64:
		return pt_formats[PTF_ARM64_4K_48];
	default:
		return NULL;
	}
}

/*
 * Of the formats of arch that match every non-zero parameter, the one that also agrees with
 * the default format on the most of the parameters left at 0 (first in registry order on a
 * tie): so all zeros give the default, "arm64, 64 KiB" gives 64k-48, "arm64, 3 levels"
 * gives 4k-39.
 */
const struct pt_format *pt_format_find(enum arch_id arch, unsigned int levels,
				       unsigned int granule, unsigned int va_bits)
{
	const struct pt_format *def = pt_format_default(arch), *best = NULL;
	int best_score = -1;

	if (!def)
		return NULL;
	for (unsigned int i = 0; i < NR_PT_FORMATS; i++) {
		const struct pt_format *f = pt_formats[i];
		unsigned int g;
		int score;

		if (!f || f->arch != arch)
			continue;
		g = 1u << f->granule_shift;
		if ((levels && f->nr_levels != levels) || (granule && g != granule) ||
		    (va_bits && f->va_bits != va_bits))
			continue;
		score = (!levels && f->nr_levels == def->nr_levels) +
			(!granule && f->granule_shift == def->granule_shift) +
			(!va_bits && f->va_bits == def->va_bits);
		if (score > best_score) {
			best = f;
			best_score = score;
		}
	}
	return best;
}

/*
 * The hardware's rule (not the OS's split):
 *
 *   canonical (x86-64, SDM vol. 1 3.3.7.1): bits 63..va_bits-1 all equal
 *     4-level: 0x0000_0000_0000_0000 - 0x0000_7fff_ffff_ffff  lower half (0)
 *              0x0000_8000_0000_0000 - 0xffff_7fff_ffff_ffff  non-canonical (-1)
 *              0xffff_8000_0000_0000 - 0xffff_ffff_ffff_ffff  upper half (1)
 *   TTBR (arm64, Arm ARM AArch64 VMSA, the two VA ranges of the EL1&0 regime, top-byte
 *     ignore off): bits 63..va_bits all 0 -> TTBR0 (0), all 1 -> TTBR1 (1), else a
 *     translation fault (-1)
 *   none (i386): every address below 2^va_bits (4 GiB) is valid and has one root
 */
int pt_va_half(const struct pt_format *f, uint64_t va)
{
	unsigned int v = f->va_bits;
	uint64_t top;

	if (f->split == PT_SPLIT_NONE)
		return v >= 64 || !(va >> v) ? 0 : -1;
	if (v == 0 || v >= 64)
		return -1;	/* no halves to tell apart: not a valid format */
	switch (f->split) {
	case PT_SPLIT_CANONICAL:
		top = va >> (v - 1);
		return top == 0 ? 0 : top == ~0ull >> (v - 1) ? 1 : -1;
	case PT_SPLIT_TTBR:
		top = va >> v;
		return top == 0 ? 0 : top == ~0ull >> v ? 1 : -1;
	default:
		return -1;
	}
}

/* The split each architecture's hardware uses. */
static enum pt_split arch_split(enum arch_id arch)
{
	return arch == ARCH_X86_64 ? PT_SPLIT_CANONICAL :
	       arch == ARCH_ARM64 ? PT_SPLIT_TTBR : PT_SPLIT_NONE;
}

/* Invariants of the levels of f (see pt_format_validate). */
static int pt_levels_validate(const struct pt_format *f, struct mmsim_error *err)
{
	const struct pt_level *last = &f->level[f->nr_levels - 1];

	if (last->shift != f->granule_shift || !last->leaf_ok)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "format %s: the last level starts at "
			       "bit %u and leaf_ok is %d; expected granule_shift %u and 1", f->name,
			       last->shift, last->leaf_ok, f->granule_shift);
	for (unsigned int l = 0; l < f->nr_levels; l++) {
		const struct pt_level *lv = &f->level[l];
		unsigned int end = lv->shift + lv->bits;
		unsigned int want = l ? f->level[l - 1].shift : f->va_bits;

		if (!lv->name || !lv->arch_name || !lv->bits || end != want)
			return err_set(err, -EUCLEAN, NULL, 0, 0, "format %s: level %u covers bits "
				       "%u..%u; expected names and bits up to %u", f->name, l,
				       lv->shift, end ? end - 1 : 0, want - 1);
	}
	return 0;
}

int pt_format_validate(const struct pt_format *f, struct mmsim_error *err)
{
	if (!f || !f->name || !f->title || !f->ops || !f->ops->decode || !f->ops->encode ||
	    !f->ops->mkyoung || !f->ops->mkdirty || !f->ops->describe)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "a format lacks its name, title or an op");
	if ((unsigned int)f->id >= NR_PT_FORMATS || (unsigned int)f->arch >= NR_ARCHES)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "format %s: id %d or architecture %d "
			       "out of range", f->name, (int)f->id, (int)f->arch);
	if (f->nr_levels < 1 || f->nr_levels > PT_MAX_LEVELS ||
	    (f->entry_size != 4 && f->entry_size != 8) || f->va_bits > 64 ||
	    f->pa_bits <= f->granule_shift || f->pa_bits > (f->entry_size == 8 ? 52 : 40))
		return err_set(err, -EUCLEAN, NULL, 0, 0, "format %s: %u levels, %u-byte entries, "
			       "pa_bits %u; expected 1..%d levels, 4 or 8 bytes, pa_bits above the "
			       "granule and at most 52 (40 for 4-byte entries)", f->name,
			       f->nr_levels, f->entry_size, f->pa_bits, PT_MAX_LEVELS);
	if (f->split != arch_split(f->arch))
		return err_set(err, -EUCLEAN, NULL, 0, 0, "format %s: address split %d does not "
			       "match its architecture", f->name, (int)f->split);
	if (f->root_bytes != (uint32_t)f->entry_size << f->level[0].bits ||
	    !f->root_align || (f->root_align & (f->root_align - 1)) ||
	    f->root_align > (1u << f->granule_shift) || f->root_align < f->entry_size)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "format %s: root of %u bytes aligned "
			       "to %u; expected entry_size << level[0].bits bytes and a power-of-two "
			       "alignment within a granule", f->name, f->root_bytes, f->root_align);
	return pt_levels_validate(f, err);
}

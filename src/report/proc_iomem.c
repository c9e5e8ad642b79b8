/*
 * /proc/iomem (Linux: kernel/resource.c r_show, arch/x86/kernel/e820.c
 * e820__reserve_resources) and mmsim's memblock view (Linux: mm/memblock.c
 * memblock_debug_show, /sys/kernel/debug/memblock/{memory,reserved}).
 *
 * iomem shows only the top-level lines that come from the firmware map: System RAM,
 * Reserved and the other e820 types. The children (Kernel code, Kernel data ...), PCI
 * windows, device ranges and the late "RAM buffer" fillers are not modelled. On arm64 the
 * top level is the memblock memory ("System RAM") only, as there is no e820 there.
 */
#include "report/proc.h"
#include "mm/page_alloc.h"

const char *iomem_type_name(uint32_t type)
{
	switch (type) {
	case E820_TYPE_RAM:		return "System RAM";
	case E820_TYPE_ACPI:		return "ACPI Tables";
	case E820_TYPE_NVS:		return "ACPI Non-volatile Storage";
	case E820_TYPE_UNUSABLE:	return "Unusable memory";
	case E820_TYPE_PRAM:		return "Persistent Memory (legacy)";
	case E820_TYPE_PMEM:		return "Persistent Memory";
	case E820_TYPE_RESERVED:	return "Reserved";
	case E820_TYPE_SOFT_RESERVED:	return "Soft Reserved";
	default:			return "Unknown E820 type";
	}
}

/* Append [start, end) of type to the sorted table, merging with an equal-type neighbour
 * (as e820__update_table does). */
static unsigned int range_append(struct mem_range *t, unsigned int n, unsigned int max,
				 uint64_t start, uint64_t end, uint32_t type)
{
	if (start >= end)
		return n;
	if (n && t[n - 1].end == start && t[n - 1].type == type) {
		t[n - 1].end = end;
		return n;
	}
	if (n < max)
		t[n++] = (struct mem_range){ start, end, type };
	return n;
}

unsigned int iomem_ranges(const struct mmsim_machine *m, struct mem_range *out, unsigned int max)
{
	/* Boot leaves in m->desc the kernel's e820_table: the firmware map (or the default one
	 * for a RAM size) after the x86 early fixes of trim_bios_range. */
	const struct machine_desc *d = &m->desc;
	bool e820 = d->arch->id == ARCH_X86_64 || d->arch->id == ARCH_I386;
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->nr_ranges; i++) {
		const struct mem_range *r = &d->ranges[i];
		if (!e820 && r->type != E820_TYPE_RAM)
			continue;	/* arm64: firmware-reserved ranges are not in memblock */
		n = range_append(out, n, max, r->start, r->end, r->type);
	}
	return n;
}

void proc_iomem(const struct mmsim_machine *m, struct strbuf *sb)
{
	struct mem_range t[MAX_E820_ENTRIES];
	unsigned int n = iomem_ranges(m, t, MAX_E820_ENTRIES);

	/* r_show: width 8 for iomem (its root ends above 0xffff); wider values just grow. */
	for (unsigned int i = 0; i < n; i++)
		sb_printf(sb, "%08llx-%08llx : %s\n", (unsigned long long)t[i].start,
			  (unsigned long long)(t[i].end - 1), iomem_type_name(t[i].type));
}

/* One memblock type as memblock_debug_show prints it, owners as a last column. */
static void memblock_type_show(const struct mm_sys *ms, const struct memblock_type *type,
			       bool owners, struct strbuf *sb)
{
	/* %pa prints phys_addr_t: 8 hex digits where it is 32 bits (i386 without PAE). */
	int w = ms->arch->max_phys_bits > 32 ? 16 : 8;

	for (unsigned int i = 0; i < type->cnt; i++) {
		const struct memblock_region *r = &type->regions[i];
		sb_printf(sb, "%4u: 0x%0*llx..0x%0*llx ", i, w, (unsigned long long)r->base, w,
			  (unsigned long long)(r->base + r->size - 1));
		if (r->nid >= 0 && (unsigned int)r->nid < MAX_NUMNODES)
			sb_printf(sb, "%4d ", r->nid);
		else
			sb_printf(sb, "%4c ", 'x');
		/* The model keeps no memblock flags (HOTPLUG, NOMAP, RSV_KERN ...). */
		sb_puts(sb, "NONE");
		if (owners && r->owner && r->owner[0])
			sb_printf(sb, " %s", r->owner);
		sb_puts(sb, "\n");
	}
}

void proc_memblock(const struct mm_sys *ms, struct strbuf *sb)
{
	sb_puts(sb, "memory:\n");
	memblock_type_show(ms, &ms->memblock.memory, false, sb);
	sb_puts(sb, "reserved:\n");
	memblock_type_show(ms, &ms->memblock.reserved, true, sb);
}

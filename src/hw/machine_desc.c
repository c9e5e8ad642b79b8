/*
 * The description of a machine to boot: defaults, the invariant checker and the names of
 * firmware range types.
 *
 * Linux counterpart: e820_type_name() prints what e820_print_type() in
 * arch/x86/kernel/e820.c prints; the kernel parameter limits follow the vm sysctl table of
 * mm/page_alloc.c (watermark_scale_factor 1..3000, percpu_pagelist_high_fraction 0 or >= 8,
 * min_free_kbytes >= 0) and cmdline_parse_core() in mm/mm_init.c (kernelcore=/movablecore=
 * as bytes or a percentage). NUMA distances follow the SLIT rules Linux enforces
 * (LOCAL_DISTANCE 10 on the diagonal, more than that elsewhere).
 */
#include "hw/machine_desc.h"
#include "util/error.h"
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define LOCAL_DISTANCE 10
#define REMOTE_DISTANCE 20
#define MIN_PERCPU_PAGELIST_HIGH_FRACTION 8
#define MAX_WATERMARK_SCALE_FACTOR 3000

/* How the kernel prints a range: inclusive end, 16 hex digits (e820__print_table). */
#define MEM_FMT "[mem 0x%016" PRIx64 "-0x%016" PRIx64 "]"
#define MEM_ARG(s, e) (uint64_t)(s), (uint64_t)((e) - 1)

void machine_desc_init(struct machine_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->arch = arch_get(ARCH_X86_64);
	d->ram_size = (uint64_t)4 << 30;
	d->nr_nodes = 1;
	d->nr_cpus = 2;
	d->memory_model = MEMORY_MODEL_SPARSE;
	d->seed = 1;
	d->min_free_kbytes = -1;
	d->watermark_scale_factor = 10;
	d->thp = THP_MADVISE;	/* as /sys/kernel/mm/transparent_hugepage/enabled on the host */
	d->thp_defrag = THP_DEFRAG_MADVISE;	/* transparent_hugepage/defrag on the host */
	d->thp_use_zero_page = true;
	d->fault_around_bytes = 65536;	/* mm/memory.c: rounddown_pow_of_two(65536) */
	d->read_ahead_kb = 8192;	/* the reference host's disk (vda queue/read_ahead_kb); the
					   block layer's own default is 128 (VM_READAHEAD_PAGES) */
	d->nr_requests = 256;		/* the reference host's disk (vda queue/nr_requests) */
	d->file_writes = 0;		/* copy: never write the user's files */
	d->anon_vma_name = -1;	/* as the kernel profile */
	for (unsigned int i = 0; i < MAX_NUMNODES; i++)
		for (unsigned int j = 0; j < MAX_NUMNODES; j++)
			d->distance[i][j] = i == j ? LOCAL_DISTANCE : REMOTE_DISTANCE;
}

/* Exclusive upper bound of physical addresses on arch (2^max_phys_bits, saturated). */
static uint64_t phys_limit(const struct arch_info *arch)
{
	return arch->max_phys_bits >= 64 ? UINT64_MAX : (uint64_t)1 << arch->max_phys_bits;
}

/* The bytes [start, end) of RAM when only a size is given, or false if it does not fit. */
static bool ram_only_range(const struct machine_desc *d, uint64_t *start, uint64_t *end)
{
	*start = d->arch->default_ram_base;
	if (d->ram_size > UINT64_MAX - *start)
		return false;
	*end = *start + d->ram_size;
	return true;
}

/* Ranges: sorted, disjoint, non-empty, below the architecture's limit; some usable RAM. */
static int check_ranges(const struct machine_desc *d, struct mmsim_error *err)
{
	uint64_t limit = phys_limit(d->arch);
	bool have_ram = false;

	if (d->nr_ranges > MAX_E820_ENTRIES)
		return err_set(err, -EINVAL, NULL, 0, 0,
			       "the memory map has %u ranges; at most %d are allowed",
			       d->nr_ranges, MAX_E820_ENTRIES);
	if (d->nr_ranges == 0) {
		uint64_t s, e;
		if (d->ram_size == 0)
			return err_set(err, -EINVAL, NULL, 0, 0,
				       "no memory: ram is 0 and there is no memory map; "
				       "give ram (e.g. 4G) or memory ranges");
		if (!ram_only_range(d, &s, &e) || e > limit)
			return err_set(err, -EINVAL, NULL, 0, 0,
				       "ram of %" PRIu64 " bytes from 0x%" PRIx64 " does not fit "
				       "below the %u-bit physical address limit of %s",
				       d->ram_size, s, d->arch->max_phys_bits, d->arch->name);
		return 0;
	}
	for (unsigned int i = 0; i < d->nr_ranges; i++) {
		const struct mem_range *r = &d->ranges[i];
		if (r->start >= r->end)
			return err_set(err, -EINVAL, NULL, 0, 0,
				       "memory range %u is empty (start 0x%" PRIx64 ", end 0x%"
				       PRIx64 "); expected start < end", i, r->start, r->end);
		if (r->end > limit)
			return err_set(err, -EINVAL, NULL, 0, 0,
				       "memory range " MEM_FMT " %s lies above the %u-bit physical "
				       "address limit of %s", MEM_ARG(r->start, r->end),
				       e820_type_name(r->type), d->arch->max_phys_bits,
				       d->arch->name);
		if (i > 0 && d->ranges[i - 1].end > r->start)
			return err_set(err, -EINVAL, NULL, 0, 0,
				       "memory ranges " MEM_FMT " and " MEM_FMT " %s; expected "
				       "sorted ranges that do not overlap",
				       MEM_ARG(d->ranges[i - 1].start, d->ranges[i - 1].end),
				       MEM_ARG(r->start, r->end),
				       d->ranges[i - 1].start > r->start ? "are out of order"
									 : "overlap");
		if (r->type == E820_TYPE_RAM)
			have_ram = true;
	}
	if (!have_ram)
		return err_set(err, -EINVAL, NULL, 0, 0,
			       "the memory map has no usable range; expected at least one "
			       "range of type usable");
	return 0;
}

/* True when [start, end) shares a byte with usable RAM of the description. */
static bool has_usable_ram(const struct machine_desc *d, uint64_t start, uint64_t end)
{
	if (d->nr_ranges == 0) {
		uint64_t s, e;
		return ram_only_range(d, &s, &e) && start < e && s < end;
	}
	for (unsigned int i = 0; i < d->nr_ranges; i++) {
		const struct mem_range *r = &d->ranges[i];
		if (r->type == E820_TYPE_RAM && start < r->end && r->start < end)
			return true;
	}
	return false;
}

/* Node ranges: all or none, non-empty, disjoint, each with usable RAM, none beyond nr_nodes. */
static int check_node_ranges(const struct machine_desc *d, struct mmsim_error *err)
{
	uint64_t limit = phys_limit(d->arch);
	bool any = false;

	for (unsigned int i = 0; i < MAX_NUMNODES; i++)
		if (d->node_range[i].start || d->node_range[i].end)
			any = true;
	if (any != d->node_ranges_set)
		return err_set(err, -EINVAL, NULL, 0, 0,
			       "node_ranges_set is %s but %s node range is given",
			       d->node_ranges_set ? "true" : "false", any ? "a" : "no");
	if (!any)
		return 0;
	for (unsigned int i = 0; i < MAX_NUMNODES; i++) {
		uint64_t s = d->node_range[i].start, e = d->node_range[i].end;
		if (i >= d->nr_nodes) {
			if (s || e)
				return err_set(err, -EINVAL, NULL, 0, 0,
					       "node %u has a range but there are only %u nodes; "
					       "expected ranges for nodes 0..%u", i, d->nr_nodes,
					       d->nr_nodes - 1);
			continue;
		}
		if (s >= e)
			return err_set(err, -EINVAL, NULL, 0, 0,
				       "node %u has no range while other nodes have one; when "
				       "one node is given a range every node needs one", i);
		if (e > limit)
			return err_set(err, -EINVAL, NULL, 0, 0,
				       "node %u range " MEM_FMT " lies above the %u-bit physical "
				       "address limit of %s", i, MEM_ARG(s, e),
				       d->arch->max_phys_bits, d->arch->name);
		for (unsigned int j = 0; j < i; j++)
			if (s < d->node_range[j].end && d->node_range[j].start < e)
				return err_set(err, -EINVAL, NULL, 0, 0,
					       "node %u range " MEM_FMT " overlaps node %u range "
					       MEM_FMT "; expected disjoint node ranges", i,
					       MEM_ARG(s, e), j,
					       MEM_ARG(d->node_range[j].start,
						       d->node_range[j].end));
		if (!has_usable_ram(d, s, e))
			return err_set(err, -EINVAL, NULL, 0, 0,
				       "node %u range " MEM_FMT " contains no usable RAM; expected "
				       "each node range to cover part of a usable range", i,
				       MEM_ARG(s, e));
	}
	return 0;
}

/* The SLIT rules: 10 to itself, more than 10 to any other node. */
static int check_distance(const struct machine_desc *d, struct mmsim_error *err)
{
	for (unsigned int i = 0; i < d->nr_nodes; i++)
		for (unsigned int j = 0; j < d->nr_nodes; j++) {
			unsigned int v = d->distance[i][j];
			if (i == j && v != LOCAL_DISTANCE)
				return err_set(err, -EINVAL, NULL, 0, 0,
					       "distance from node %u to itself is %u; expected %d",
					       i, v, LOCAL_DISTANCE);
			if (i != j && v <= LOCAL_DISTANCE)
				return err_set(err, -EINVAL, NULL, 0, 0,
					       "distance from node %u to node %u is %u; expected "
					       "more than %d", i, j, v, LOCAL_DISTANCE);
		}
	return 0;
}

/* kernelcore=/movablecore=: bytes or a percentage, not both; percentages up to 100. */
static int check_core(const char *name, uint64_t bytes, unsigned int percent,
		      struct mmsim_error *err)
{
	if (percent > 100)
		return err_set(err, -EINVAL, NULL, 0, 0, "%s is %u%%; expected 0..100%%", name,
			       percent);
	if (percent && bytes)
		return err_set(err, -EINVAL, NULL, 0, 0,
			       "%s has both a size and a percentage; expected one of them", name);
	return 0;
}

/* Kernel parameters within the ranges Linux accepts. */
static int check_kernel_params(const struct machine_desc *d, struct mmsim_error *err)
{
	int rc = check_core("movablecore", d->movablecore, d->movablecore_percent, err);
	if (rc)
		return rc;
	rc = check_core("kernelcore", d->kernelcore, d->kernelcore_percent, err);
	if (rc)
		return rc;
	if (d->min_free_kbytes < -1 || d->min_free_kbytes > INT_MAX)
		return err_set(err, -EINVAL, NULL, 0, 0,
			       "min_free_kbytes is %" PRId64 "; expected 0..%d, or -1 (computed)",
			       d->min_free_kbytes, INT_MAX);
	if (d->watermark_scale_factor < 1 ||
	    d->watermark_scale_factor > MAX_WATERMARK_SCALE_FACTOR)
		return err_set(err, -EINVAL, NULL, 0, 0,
			       "watermark_scale_factor is %u; expected 1..%d",
			       d->watermark_scale_factor, MAX_WATERMARK_SCALE_FACTOR);
	if (d->percpu_pagelist_high_fraction &&
	    (d->percpu_pagelist_high_fraction < MIN_PERCPU_PAGELIST_HIGH_FRACTION ||
	     d->percpu_pagelist_high_fraction > INT_MAX))
		return err_set(err, -EINVAL, NULL, 0, 0,
			       "percpu_pagelist_high_fraction is %u; expected 0 or %d..%d",
			       d->percpu_pagelist_high_fraction,
			       MIN_PERCPU_PAGELIST_HIGH_FRACTION, INT_MAX);
	for (unsigned int i = 0; i < NR_ZONE_TYPES; i++) {
		unsigned int v = d->lowmem_reserve_ratio[i];
		if (v > INT_MAX || (i >= d->arch->nr_zones && v))
			return err_set(err, -EINVAL, NULL, 0, 0,
				       "lowmem_reserve_ratio entry %u is %u; expected 0..%d for "
				       "the %u zones of %s", i, v, INT_MAX, d->arch->nr_zones,
				       d->arch->name);
	}
	if (d->thp != THP_ALWAYS && d->thp != THP_MADVISE && d->thp != THP_NEVER)
		return err_set(err, -EINVAL, NULL, 0, 0,
			       "thp is %d; expected always, madvise or never", (int)d->thp);
	if (d->memory_model != MEMORY_MODEL_SPARSE && d->memory_model != MEMORY_MODEL_FLAT)
		return err_set(err, -EINVAL, NULL, 0, 0,
			       "memory_model is %d; expected sparse or flat", (int)d->memory_model);
	return 0;
}

int machine_desc_validate(const struct machine_desc *d, struct mmsim_error *err)
{
	if (!d->arch)
		return err_set(err, -EINVAL, NULL, 0, 0, "no architecture; expected x86_64, "
			       "i386 or arm64");
	if (d->nr_nodes < 1 || d->nr_nodes > MAX_NUMNODES)
		return err_set(err, -EINVAL, NULL, 0, 0, "nodes is %u; expected 1..%d",
			       d->nr_nodes, MAX_NUMNODES);
	if (d->nr_cpus < 1 || d->nr_cpus > MAX_CPUS)
		return err_set(err, -EINVAL, NULL, 0, 0, "cpus is %u; expected 1..%d",
			       d->nr_cpus, MAX_CPUS);
	int rc = check_ranges(d, err);
	if (!rc)
		rc = check_node_ranges(d, err);
	if (!rc)
		rc = check_distance(d, err);
	if (!rc)
		rc = check_kernel_params(d, err);
	if (!rc && d->paging && d->paging->arch != d->arch->id)
		rc = err_set(err, -EINVAL, NULL, 0, 0, "paging %s is a format of %s, but arch is "
			     "%s", d->paging->name, arch_get(d->paging->arch)->name, d->arch->name);
	if (!rc && d->tlb_set)
		rc = tlb_config_check(&d->tlb, err);
	return rc;
}

const struct pt_format *machine_desc_paging(const struct machine_desc *d)
{
	return d->paging ? d->paging : pt_format_default(d->arch->id);
}

/*
 * Default TLBs: a well documented recent part per architecture (figures and sources in
 * src/hw/tlb.c): Intel Skylake for x86 (i386 runs on the same cores), Cortex-A76 for arm64.
 */
const struct tlb_config *machine_desc_tlb(const struct machine_desc *d, struct tlb_config *buf)
{
	if (d->tlb_set)
		return &d->tlb;
	if (tlb_config_preset(d->arch->id == ARCH_ARM64 ? "cortex-a76" : "skylake", buf) != 0)
		return NULL;
	return buf;
}

/*
 * The kernel's words for a range type. Types the kernel prints as "type N" are formatted
 * into one of a few per-thread buffers, so that a caller may use up to four such names in
 * one printf.
 */
const char *e820_type_name(uint32_t type)
{
	static _Thread_local char bufs[4][24];
	static _Thread_local unsigned int next;

	switch (type) {
	case E820_TYPE_RAM: return "usable";
	case E820_TYPE_RESERVED: return "reserved";
	case E820_TYPE_SOFT_RESERVED: return "soft reserved";
	case E820_TYPE_ACPI: return "ACPI data";
	case E820_TYPE_NVS: return "ACPI NVS";
	case E820_TYPE_UNUSABLE: return "unusable";
	case E820_TYPE_PMEM: return "persistent (type 7)";
	case E820_TYPE_PRAM: return "persistent (type 12)";
	default: {
		char *b = bufs[next++ % 4];
		snprintf(b, sizeof(bufs[0]), "type %" PRIu32, type);
		return b;
	}
	}
}

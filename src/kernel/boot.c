/*
 * Booting a machine (Linux: init/main.c start_kernel, arch/x86/kernel/setup.c setup_arch,
 * arch/x86/kernel/e820.c, arch/x86/mm/numa_emulation.c).
 *
 *   description --> firmware map (given, or the PC/virt default for a RAM size)
 *               --> x86 trims: page 0 reserved, 640K-1M removed from RAM
 *               --> memblock.memory per node; memblock.reserved: low 1 MiB, kernel image
 *               --> mm_core_init (memmap, zones, hashes, buddy lists, watermarks)
 *               --> kmem_cache_init (slab)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "block/blkdev.h"
#include "fs/fs.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "kernel/translate.h"
#include "mm/kprofile.h"
#include "mm/oom.h"
#include "mm/page_alloc.h"
#include "mm/pagemap.h"
#include "mm/slab.h"
#include "mm/policy_reclaim.h"
#include "mm/swap.h"
#include "mm/writeback.h"
#include "mm/vma.h"
#include "util/error.h"

#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* ---- the firmware memory map ------------------------------------------------------ */

/*
 * The map a PC (QEMU, Firecracker) gives for a RAM size: low memory to 0x9fc00, the BIOS
 * area reserved to 1 MiB, RAM up to 3 GiB, the PCI hole, the rest above 4 GiB.
 *
 *   0      0x9fc00  1M             min(R,3G)     0xeec00000-0xfebfffff   4G
 *   |usable |reserv.| usable ...... |    (hole)   |  reserved (MMIO) |... | usable (R-3G)
 */
static int default_pc_map(struct machine_desc *d, uint64_t ram, struct mmsim_error *err)
{
	const uint64_t low_top = GiB(3);
	if (ram < MiB(2))
		return err_set(err, -EINVAL, NULL, 0, 0, "RAM of %llu bytes is too small to boot (at least 2 MiB)",
			       (unsigned long long)ram);
	if (!d->arch->is_64bit && machine_desc_paging(d)->id != PTF_I386_PAE && ram > low_top)
		return err_set(err, -EINVAL, NULL, 0, 0,
			       "i386 without PAE addresses 4 GiB of physical memory: with the PCI hole below 4 GiB at most 3 GiB of RAM fits (asked for %llu MiB; use --ram 3G, or PAE: --levels 3)",
			       (unsigned long long)(ram >> 20));
	unsigned int n = 0;
	d->ranges[n++] = (struct mem_range){ 0, 0x9fc00, E820_TYPE_RAM };
	d->ranges[n++] = (struct mem_range){ 0x9fc00, 0x100000, E820_TYPE_RESERVED };
	d->ranges[n++] = (struct mem_range){ 0x100000, min_u64(ram, low_top), E820_TYPE_RAM };
	d->ranges[n++] = (struct mem_range){ 0xeec00000, 0xfec00000, E820_TYPE_RESERVED };
	if (ram > low_top)
		d->ranges[n++] = (struct mem_range){ GiB(4), GiB(4) + (ram - low_top), E820_TYPE_RAM };
	d->nr_ranges = n;
	return 0;
}

/*
 * Change the type of [start, end) in ranges of type old_type (e820__range_update), or
 * drop it (new_type 0: e820__range_remove). Keeps the table sorted.
 */
static int e820_range_update(struct machine_desc *d, uint64_t start, uint64_t end, uint32_t old_type,
			     uint32_t new_type)
{
	struct mem_range out[MAX_E820_ENTRIES];
	unsigned int n = 0;
	for (unsigned int i = 0; i < d->nr_ranges; i++) {
		struct mem_range r = d->ranges[i];
		if (r.type != old_type || r.end <= start || r.start >= end) {
			if (n >= MAX_E820_ENTRIES)
				return -ENOSPC;
			out[n++] = r;
			continue;
		}
		struct mem_range parts[3] = {
			{ r.start, start > r.start ? start : r.start, r.type },
			{ r.start > start ? r.start : start, r.end < end ? r.end : end, new_type },
			{ end < r.end ? end : r.end, r.end, r.type },
		};
		for (int k = 0; k < 3; k++) {
			if (parts[k].end <= parts[k].start || parts[k].type == 0)
				continue;
			if (n >= MAX_E820_ENTRIES)
				return -ENOSPC;
			out[n++] = parts[k];
		}
	}
	memcpy(d->ranges, out, n * sizeof(out[0]));
	d->nr_ranges = n;
	return 0;
}

static int setup_memory_map(struct machine_desc *d, struct mmsim_error *err)
{
	int ret;
	if (d->nr_ranges == 0) {
		if (d->arch->id == ARCH_ARM64) {
			d->ranges[0] = (struct mem_range){ d->arch->default_ram_base,
							   d->arch->default_ram_base + d->ram_size, E820_TYPE_RAM };
			d->nr_ranges = 1;
		} else {
			ret = default_pc_map(d, d->ram_size, err);
			if (ret)
				return ret;
		}
	}
	if (d->arch->id == ARCH_X86_64 || d->arch->id == ARCH_I386) {
		/* trim_bios_range: page 0 is BIOS data; the legacy 640K-1M area is not RAM. */
		ret = e820_range_update(d, 0, 0x1000, E820_TYPE_RAM, E820_TYPE_RESERVED);
		if (!ret)
			ret = e820_range_update(d, 0xa0000, 0x100000, E820_TYPE_RAM, 0);
		if (ret)
			return err_set(err, ret, NULL, 0, 0, "the memory map has too many ranges");
	}
	return 0;
}

/* ---- nodes -------------------------------------------------------------------------- */

/* Split RAM into nr_nodes nodes of equal size on 32 MiB boundaries (numa=fake=N). */
static int split_nodes_evenly(struct mm_sys *ms, struct mmsim_error *err)
{
	const uint64_t align = MiB(32);	/* FAKE_NODE_MIN_SIZE */
	struct memblock *mb = &ms->memblock;
	uint64_t total = 0;
	for (unsigned int i = 0; i < mb->memory.cnt; i++)
		total += mb->memory.regions[i].size;
	uint64_t per = total / ms->nr_node_ids;
	uint64_t start = mb->memory.regions[0].base, acc = 0;
	unsigned int nid = 0;
	uint64_t node_start = start & ~(align - 1);
	/* Walk memory in 32 MiB steps, closing a node when it holds its share. */
	uint64_t end = mb->memory.regions[mb->memory.cnt - 1].base + mb->memory.regions[mb->memory.cnt - 1].size;
	for (uint64_t a = node_start; a < end && nid + 1 < ms->nr_node_ids; a += align) {
		acc += memblock_memory_bytes_in(mb, a, a + align);
		if (acc >= per * (nid + 1)) {
			int ret = memblock_set_node(mb, node_start, a + align - node_start, (int)nid);
			if (ret)
				return err_set(err, ret, NULL, 0, 0, "too many memory ranges to split into nodes");
			node_start = a + align;
			nid++;
		}
	}
	if (nid + 1 != ms->nr_node_ids || memblock_memory_bytes_in(mb, node_start, end) == 0)
		return err_set(err, -EINVAL, NULL, 0, 0,
			       "%u nodes do not fit in %llu MiB of RAM: each node needs at least 32 MiB",
			       ms->nr_node_ids, (unsigned long long)(total >> 20));
	return memblock_set_node(mb, node_start, end - node_start, (int)nid);
}

static int setup_nodes(struct mmsim_machine *m, struct mmsim_error *err)
{
	struct mm_sys *ms = &m->mm;
	const struct machine_desc *d = &m->desc;
	if (d->node_ranges_set) {
		for (unsigned int n = 0; n < d->nr_nodes; n++) {
			int ret = memblock_set_node(&ms->memblock, d->node_range[n].start,
						    d->node_range[n].end - d->node_range[n].start, (int)n);
			if (ret)
				return err_set(err, ret, NULL, 0, 0, "too many memory ranges");
		}
		for (unsigned int i = 0; i < ms->memblock.memory.cnt; i++)
			if (ms->memblock.memory.regions[i].nid == NUMA_NO_NODE)
				return err_set(err, -EINVAL, NULL, 0, 0,
					       "RAM at %#llx belongs to no node: the node ranges must cover all RAM",
					       (unsigned long long)ms->memblock.memory.regions[i].base);
		for (unsigned int n = 0; n < d->nr_nodes; n++)
			if (!memblock_memory_bytes_in(&ms->memblock, d->node_range[n].start, d->node_range[n].end))
				return err_set(err, -EINVAL, NULL, 0, 0, "node %u has no memory", n);
	} else if (d->nr_nodes > 1) {
		int ret = split_nodes_evenly(ms, err);
		if (ret)
			return ret;
	} else {
		int ret = memblock_set_node(&ms->memblock, 0, UINT64_MAX, 0);
		if (ret)
			return err_set(err, ret, NULL, 0, 0, "too many memory ranges");
	}
	for (unsigned int i = 0; i < d->nr_nodes; i++)
		for (unsigned int j = 0; j < d->nr_nodes; j++)
			ms->node_distance[i][j] = d->distance_set ? d->distance[i][j] : (i == j ? 10 : 20);
	/* CPUs in contiguous groups per node */
	for (unsigned int c = 0; c < ms->nr_cpus; c++)
		ms->cpu_to_node[c] = c * d->nr_nodes / ms->nr_cpus;
	return 0;
}

/* ---- the kernel image ---------------------------------------------------------------- */

/*
 * The kernel is loaded at its physical start (16 MiB on x86) when RAM is there, else at
 * the lowest 2 MiB aligned place that holds it (a relocatable kernel).
 * The init section is left out: it is freed back to the buddy lists at the end of boot.
 */
static int reserve_kernel_image(struct mm_sys *ms, struct mmsim_error *err)
{
	const struct kernel_profile *kp = kernel_profile_current();
	const struct { const char *owner; uint64_t size; } parts[] = {
		{ "kernel code", kp->image_text }, { "kernel rodata", kp->image_rodata },
		{ "kernel data", kp->image_rwdata }, { "kernel bss", kp->image_bss },
	};
	uint64_t total = 0;
	for (size_t i = 0; i < 4; i++)
		total += (parts[i].size + ms->page_size - 1) & ~(ms->page_size - 1);
	uint64_t base = ms->arch->kernel_load;
	if (memblock_free_bytes_in(&ms->memblock, base, base + total) != total) {
		struct memblock tmp_dir = ms->memblock;	/* find a place without reserving */
		tmp_dir.bottom_up = true;
		int ret = memblock_alloc_range(&tmp_dir, total, MiB(2), ms->arch->reserve_low, UINT64_MAX,
					   NUMA_NO_NODE, "kernel", &base);
		if (ret)
			return err_set(err, -EINVAL, NULL, 0, 0,
				       "RAM is too small for the kernel image (%llu KiB in one piece)",
				       (unsigned long long)(total >> 10));
	}
	for (size_t i = 0; i < 4; i++) {
		uint64_t sz = (parts[i].size + ms->page_size - 1) & ~(ms->page_size - 1);
		int ret = memblock_reserve(&ms->memblock, base, sz, parts[i].owner);
		if (ret)
			return err_set(err, ret, NULL, 0, 0, "too many reserved ranges");
		base += sz;
	}
	return 0;
}

/* ---- boot --------------------------------------------------------------------------- */

static int setup_memblock(struct mmsim_machine *m, struct mmsim_error *err)
{
	struct mm_sys *ms = &m->mm;
	const struct machine_desc *d = &m->desc;
	memblock_init(&ms->memblock);
	for (unsigned int i = 0; i < d->nr_ranges; i++) {
		const struct mem_range *r = &d->ranges[i];
		if (r->type != E820_TYPE_RAM)
			continue;
		uint64_t s = (r->start + ms->page_size - 1) & ~(ms->page_size - 1);
		uint64_t e = r->end & ~(ms->page_size - 1);
		if (e <= s)
			continue;
		int ret = memblock_add(&ms->memblock, s, e - s, NUMA_NO_NODE);
		if (ret)
			return err_set(err, ret, NULL, 0, 0, "too many memory ranges");
	}
	if (!ms->memblock.memory.cnt)
		return err_set(err, -EINVAL, NULL, 0, 0, "the memory map has no usable RAM");
	int ret = setup_nodes(m, err);
	if (ret)
		return ret;
	if (ms->arch->reserve_low) {
		ret = memblock_reserve(&ms->memblock, 0, ms->arch->reserve_low, "low 1M (BIOS, real mode)");
		if (ret)
			return err_set(err, ret, NULL, 0, 0, "too many reserved ranges");
	}
	/* i386: early allocations must come from lowmem, which the kernel maps. */
	if (ms->arch->highmem_start)
		ms->memblock.current_limit = ms->arch->highmem_start;
	return reserve_kernel_image(ms, err);
}

/* Host mapping and memmap coverage: whole sections (sparse) or MAX_ORDER blocks (flat). */
static int setup_physmem(struct mmsim_machine *m, struct mmsim_error *err)
{
	struct mm_sys *ms = &m->mm;
	const struct memblock_type *mem = &ms->memblock.memory;
	uint64_t first = mem->regions[0].base >> ms->page_shift;
	uint64_t last = (mem->regions[mem->cnt - 1].base + mem->regions[mem->cnt - 1].size) >> ms->page_shift;
	uint64_t gran = ms->model == MEMORY_MODEL_SPARSE ? (1ull << ms->section_shift) : (1ull << ms->max_order);
	ms->min_pfn = first & ~(gran - 1);
	ms->max_pfn = (last + gran - 1) & ~(gran - 1);
	int ret = physmem_init(&m->ram, ms->min_pfn << ms->page_shift, ms->max_pfn << ms->page_shift);
	if (ret)
		return err_set(err, ret, NULL, 0, 0,
			       "the host refused to reserve %llu GiB of address space for simulated RAM",
			       (unsigned long long)(((ms->max_pfn - ms->min_pfn) << ms->page_shift) >> 30));
	ms->ram = &m->ram;
	return 0;
}

/* The vm sysctls at their boot values on the reference kernel (kprofile, mm/mm.h). */
static void vm_sysctl_init(struct mm_sys *ms, const struct machine_desc *desc)
{
	const struct kernel_profile *kp = kernel_profile_current();
	ms->sysctl = (struct vm_sysctl){
		.max_map_count = 65530,			/* DEFAULT_MAX_MAP_COUNT */
		.mmap_min_addr = kp->default_mmap_min_addr,
		.legacy_va_layout = 0,
		.randomize_va_space = 2,
		.anon_vma_name = desc->anon_vma_name < 0 ? kp->config_anon_vma_name :
				 desc->anon_vma_name > 0,
		.overcommit_memory = 0,
		.overcommit_ratio = 50,
		.stack_guard_gap = 256ull << ms->page_shift,	/* mm/mmap.c: 256 pages */
		.swappiness = 60,
		.page_cluster = 3,
		.vfs_cache_pressure = 100,
		.dirty_ratio = 20,
		.dirty_background_ratio = 10,
		.dirty_bytes = 0,			/* the ratios apply */
		.dirty_background_bytes = 0,
		.highmem_is_dirtyable = 0,
		.panic_on_oom = 0,
		.oom_kill_allocating_task = 0,
	};
	/* demand paging: sysfs transparent_hugepage, debugfs fault_around_bytes, bdi readahead */
	ms->thp = (struct thp_settings){
		.enabled = desc->thp,
		.defrag = desc->thp_defrag,
		.use_zero_page = desc->thp_use_zero_page,
	};
	ms->fault_around_bytes = desc->fault_around_bytes;
	ms->read_ahead_kb = desc->read_ahead_kb;
	ms->file_writes = desc->file_writes;
}

int mmsim_boot(const mmsim_config *cfg, mmsim_machine **out, struct mmsim_error *err)
{
	err_clear(err);
	if (!cfg || !out)
		return err_set(err, -EINVAL, NULL, 0, 0, "no configuration given");
	struct mmsim_machine *m = calloc(1, sizeof(*m));
	if (!m)
		return err_set(err, -ENOMEM, NULL, 0, 0, "out of host memory");
	m->desc = cfg->desc;
	int ret = machine_desc_validate(&m->desc, err);
	if (ret)
		goto out_free_machine;
	ret = setup_memory_map(&m->desc, err);
	if (ret)
		goto out_free_machine;
	rng_seed(&m->rng, m->desc.seed);

	struct mm_sys *ms = &m->mm;
	ms->arch = m->desc.arch;
	ms->desc = &m->desc;
	ms->rng = &m->rng;
	ms->page_shift = ms->arch->page_shift;
	ms->page_size = 1ull << ms->page_shift;
	ms->max_order = ms->arch->max_page_order;
	ms->pageblock_order = ms->arch->pageblock_order;
	ms->section_shift = ms->arch->section_size_bits - ms->page_shift;
	ms->nr_cpus = m->desc.nr_cpus;
	ms->nr_node_ids = m->desc.nr_nodes;
	ms->model = m->desc.memory_model;
	/* MMSIM_CHECK=1 in the environment turns --check on for every machine (the tests do). */
	const char *env_check = getenv("MMSIM_CHECK");
	ms->check = m->desc.check || (env_check && env_check[0] == '1');
	if (ms->model == MEMORY_MODEL_FLAT && ms->nr_node_ids > 1) {
		ret = err_set(err, -EINVAL, NULL, 0, 0,
			      "the flat memory model has one mem_map and so one node (Linux's FLATMEM excludes NUMA); use sparse");
		goto out_free_machine;
	}
	ret = setup_memblock(m, err);
	if (ret)
		goto out_free_machine;
	ret = setup_physmem(m, err);
	if (ret)
		goto out_free_machine;
	ret = mm_core_init(ms, err);
	if (ret)
		goto out_destroy_mm;
	ret = kmem_cache_init(ms);
	if (ret) {
		err_set(err, ret, NULL, 0, 0, "the slab allocator could not start: %s", mmsim_strerror(ret));
		goto out_destroy_mm;
	}
	/* radix_tree_init: the page cache's xarray nodes, early in start_kernel as on Linux */
	ret = page_cache_init(ms);
	if (ret) {
		err_set(err, ret, NULL, 0, 0, "the page cache could not start: %s", mmsim_strerror(ret));
		goto out_teardown_slab;
	}
	vm_sysctl_init(ms, &m->desc);
	INIT_LIST_HEAD(&m->tasks);
	ret = zero_page_init(ms);	/* empty_zero_page: the first page of the kernel's bss */
	if (ret) {
		err_set(err, ret, NULL, 0, 0, "the machine has no kernel bss for the zero page");
		goto out_teardown_slab;
	}
	ret = vma_caches_init(ms);	/* vm_area_struct, mm_struct, maple_node, anon_vma ... */
	if (ret) {
		err_set(err, ret, NULL, 0, 0, "the VMA caches could not be created: %s",
			mmsim_strerror(ret));
		goto out_teardown_slab;
	}
	ret = fork_init(ms);		/* task_struct, files_cache, filp, inode_cache */
	if (ret) {
		err_set(err, ret, NULL, 0, 0, "the task caches could not be created: %s",
			mmsim_strerror(ret));
		goto out_teardown_slab;
	}
	ret = machine_setup_mmus(m, err);
	if (ret)
		goto out_fork_teardown;
	/* nr_requests=: the block device's writes in flight (block/blkdev.h) */
	ret = blk_queue_init(ms, m->desc.nr_requests, err);
	if (ret)
		goto out_free_mmus;
	/* swap=: swapon at boot, the file made with mkswap when absent (mm/swapfile.c) */
	if (m->desc.swap_set) {
		ret = swap_boot(ms, m->desc.swap_path[0] ? m->desc.swap_path : NULL,
				m->desc.swap_size, m->desc.swap_prio, err);
		if (ret)
			goto out_free_mmus;
	}
	/* policy=: a research policy decides reclaim (mm/policy_reclaim.c) */
	if (m->desc.policy[0] && strcmp(m->desc.policy, "linux")) {
		ret = rpolicy_init(ms, m->desc.policy, m->desc.policy_frames, m->desc.seed, err);
		if (ret)
			goto out_free_mmus;
	}
	if (ms->check) {
		ret = machine_check(m, err);
		if (ret)
			goto out_free_policy;
	}
	*out = m;
	return 0;

out_free_policy:
	rpolicy_exit(ms);
out_free_mmus:
	swap_exit(ms);
	blk_queue_exit(ms);
	machine_free_mmus(m);
out_fork_teardown:
	fork_teardown(m);
out_teardown_slab:
	kmem_cache_teardown(ms);
out_destroy_mm:
	mm_core_destroy(ms);
	physmem_destroy(&m->ram);
out_free_machine:
	free(m);
	return ret;
}

void mmsim_machine_free(mmsim_machine *m)
{
	if (!m)
		return;
	translate_space_free(m);
	blk_queue_exit(&m->mm);		/* every write in flight completes first */
	fork_teardown(m);		/* every task, then the file layer */
	oom_exit(&m->mm);		/* the kernel log, the shadow entries (mm/oom.h) */
	swap_exit(&m->mm);		/* no PTE holds a slot any more: the areas go */
	rpolicy_exit(&m->mm);		/* no folio is left for the policy */
	machine_free_mmus(m);
	kmem_cache_teardown(&m->mm);
	mm_core_destroy(&m->mm);
	physmem_destroy(&m->ram);
	free(m);
}

int machine_check(struct mmsim_machine *m, struct mmsim_error *err)
{
	int ret = memblock_validate(&m->mm.memblock);
	if (ret)
		return err_set(err, ret, NULL, 0, 0, "memblock: regions overlap or are out of order");
	ret = page_alloc_validate(&m->mm, err);
	if (ret)
		return ret;
	ret = slab_validate(&m->mm, err);
	for (unsigned int c = 0; !ret && m->cpu && c < m->desc.nr_cpus; c++)
		ret = mmu_validate(&m->cpu[c], err);
	if (!ret)
		ret = translate_space_validate(m, err);
	if (!ret)
		ret = task_validate(m, err);
	if (!ret && m->mm.fs)
		ret = fs_validate(m->mm.fs, err);
	if (!ret)
		ret = lru_validate(&m->mm, err);	/* a walk of the memmap: O(RAM) */
	if (!ret)
		ret = oom_validate(&m->mm, err);	/* the kernel log, shadow entries */
	if (!ret)
		ret = swap_validate(&m->mm, err);	/* mm/swapfile.c: areas, slots, swap cache */
	if (!ret)
		ret = rpolicy_validate(&m->mm, err);	/* the research policy and its frames */
	if (!ret)
		ret = dirty_throttle_validate(&m->mm, err);	/* mm/writeback.h */
	if (!ret)
		ret = blk_queue_validate(&m->mm, err);	/* block/blkdev.h: writes in flight */
	/* every address space once (threads share one) */
	struct list_head *pos, *pos2;
	list_for_each(pos, &m->tasks) {
		struct task_struct *t = list_entry(pos, struct task_struct, tasks);
		bool first = true;
		list_for_each(pos2, &m->tasks) {
			if (pos2 == pos)
				break;
			first &= list_entry(pos2, struct task_struct, tasks)->mm != t->mm;
		}
		if (ret || !t->mm || !first)
			continue;
		ret = mm_validate(t->mm, err);
		if (!ret)
			ret = pgtable_validate(&t->mm->pgd, err);
	}
	return ret;
}

/* ---- CPUs -------------------------------------------------------------------------- */

/*
 * Every CPU gets an MMU of the machine's format and its own TLB hierarchy. Random TLB
 * replacement draws from a generator seeded by the machine seed and the CPU number, so
 * runs repeat exactly and CPUs do not share a sequence.
 */
int machine_setup_mmus(struct mmsim_machine *m, struct mmsim_error *err)
{
	m->paging = machine_desc_paging(&m->desc);
	if (!m->paging)
		return err_set(err, -EINVAL, NULL, 0, 0, "no page-table format for %s",
			       m->desc.arch->name);
	const struct tlb_config *tc = machine_desc_tlb(&m->desc, &m->tlbcfg);
	if (!tc)
		return err_set(err, -EINVAL, NULL, 0, 0, "no TLB preset for %s", m->desc.arch->name);
	if (tc != &m->tlbcfg)
		m->tlbcfg = *tc;
	m->cpu = calloc(m->desc.nr_cpus, sizeof(*m->cpu));
	if (!m->cpu)
		return err_set(err, -ENOMEM, NULL, 0, 0, "out of host memory for %u CPUs",
			       m->desc.nr_cpus);
	for (unsigned int c = 0; c < m->desc.nr_cpus; c++) {
		uint64_t seed = m->desc.seed * 0x9e3779b97f4a7c15ull + c;
		int ret = mmu_init(&m->cpu[c], m->paging, &m->ram, &m->tlbcfg, seed, (int)c);
		if (ret) {
			err_set(err, ret, NULL, 0, 0, "cpu %u: the TLB could not be built: %s", c,
				mmsim_strerror(ret));
			while (c--)
				mmu_destroy(&m->cpu[c]);
			free(m->cpu);
			m->cpu = NULL;
			return ret;
		}
	}
	m->mm.mmus = m->cpu;
	return 0;
}

void machine_free_mmus(struct mmsim_machine *m)
{
	for (unsigned int c = 0; m->cpu && c < m->desc.nr_cpus; c++)
		mmu_destroy(&m->cpu[c]);
	free(m->cpu);
	m->cpu = NULL;
	m->mm.mmus = NULL;
}

int mmsim_machine_validate(mmsim_machine *m, struct mmsim_error *err)
{
	err_clear(err);
	return machine_check(m, err);
}

/* ---- the page allocator through the public API --------------------------------------- */

int mmsim_alloc_pages(mmsim_machine *m, int cpu, unsigned int gfp, unsigned int order, uint64_t *pfn)
{
	int ret;
	struct page *page = alloc_pages(&m->mm, cpu, gfp, order, &ret);
	if (!page)
		return ret;
	*pfn = page_to_pfn(&m->mm, page);
	if (m->mm.check && (ret = machine_check(m, NULL)))
		return ret;
	return 0;
}

int mmsim_free_pages(mmsim_machine *m, int cpu, uint64_t pfn, unsigned int order)
{
	struct mm_sys *ms = &m->mm;
	struct page *page = pfn_to_page(ms, pfn);
	if (cpu < 0 || (unsigned)cpu >= ms->nr_cpus || order > ms->max_order || !page ||
	    (pfn & ((1ull << order) - 1)))
		return -EINVAL;
	/* Only a page the allocator handed out, not a tail, not free, not reserved. */
	if (page->refcount < 1 || page_test(page, PG_buddy) || page_test(page, PG_reserved) ||
	    page_test(page, PG_pcp) || page_test(page, PG_slab) || PageTail(page))
		return -EINVAL;
	if (page_test(page, PG_head) && compound_order(page) != order)
		return -EINVAL;
	__free_pages(ms, cpu, page, order);
	if (ms->check)
		return machine_check(m, NULL);
	return 0;
}

void mmsim_fail_nth_alloc(mmsim_machine *m, uint64_t nth)
{
	m->mm.fail_nth = nth;
}

/*
 * The SLUB allocator (src/mm/slub.c) on booted machines.
 *
 *  - geometry: objects per slab and pages per slab of every cache of the development
 *    machine's /proc/slabinfo (tests/oracle/host-6.18/slabinfo, 2 CPUs) are what mmsim
 *    computes for a cache of that object size; the boot caches and kmalloc-N match the
 *    host's lines; a few named caches are created with their host object_size and flags
 *    (from /sys/kernel/slab/<name>/object_size, align, hwcache_align);
 *  - /proc/slabinfo: header bytes as the host's, a fresh cache's line, the cache order;
 *  - randomized allocation and freeing of millions of objects over many caches with the
 *    validators every few thousand operations and a host-side set of live objects (no
 *    object handed out twice, no object's bytes changed while it is allocated);
 *  - every slab page given back when the objects are freed and the caches destroyed;
 *  - failures: minimum-order fallback, -ENOMEM from the page allocator, bad arguments,
 *    -EEXIST, -EBUSY, each leaving the allocator valid and unchanged.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "boot.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmsim/mmsim.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "util/rng.h"
#include "util/strbuf.h"

#define ORACLE_SLABINFO MMSIM_SOURCE_DIR "/tests/oracle/host-6.18/slabinfo"

/* ---- machines ---------------------------------------------------------------------------- */

static struct mm_sys *mm(mmsim_machine *m) { return &((struct mmsim_machine *)m)->mm; }

static void check_valid(mmsim_machine *m)
{
	struct mmsim_error err = { 0 };
	char msg[1024];
	if (mmsim_machine_validate(m, &err) != 0) {
		mmsim_error_format(&err, msg, sizeof(msg));
		fail_msg("validate: %s", msg);
	}
}

/* NR_SLAB_RECLAIMABLE_B + NR_SLAB_UNRECLAIMABLE_B over all nodes, bytes. */
static int64_t slab_bytes(mmsim_machine *m, int reclaimable_only)
{
	struct mm_sys *ms = mm(m);
	int64_t sum = 0;
	for (unsigned int nid = 0; nid < ms->nr_node_ids; nid++) {
		sum += ms->node_data[nid]->vm_stat[NR_SLAB_RECLAIMABLE_B];
		if (!reclaimable_only)
			sum += ms->node_data[nid]->vm_stat[NR_SLAB_UNRECLAIMABLE_B];
	}
	return sum;
}

static char *slabinfo(mmsim_machine *m)
{
	char *out = NULL;
	size_t len = 0;
	int ret = mmsim_proc_render(m, "slabinfo", &out, &len);
	if (ret)
		fail_msg("render slabinfo: %s", mmsim_strerror(ret));
	return out;
}

/* One line of /proc/slabinfo. */
struct slabinfo_line {
	char name[128];
	unsigned long active_objs, num_objs, objsize, objperslab, pagesperslab;
	unsigned long active_slabs, num_slabs;
};

static bool parse_line(const char *line, struct slabinfo_line *l)
{
	unsigned long lim, batch, shared, avail;
	return sscanf(line, "%127s %lu %lu %lu %lu %lu : tunables %lu %lu %lu : slabdata %lu %lu %lu",
		      l->name, &l->active_objs, &l->num_objs, &l->objsize, &l->objperslab,
		      &l->pagesperslab, &lim, &batch, &shared, &l->active_slabs, &l->num_slabs,
		      &avail) == 12;
}

/* The line of cache `name` in text; false if absent. */
static bool find_line(const char *text, const char *name, struct slabinfo_line *out)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		struct slabinfo_line l;
		if (parse_line(p, &l) && !strcmp(l.name, name)) {
			*out = l;
			return true;
		}
	}
	return false;
}

static struct slabinfo_line cache_line(mmsim_machine *m, const char *name)
{
	struct slabinfo_line l;
	char *text = slabinfo(m);
	if (!find_line(text, name, &l))
		fail_msg("no slabinfo line for %s", name);
	free(text);
	return l;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap);
	assert_non_null(buf);
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n + 1 == cap) {
			buf = realloc(buf, cap *= 2);
			assert_non_null(buf);
		}
	}
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* ---- geometry against the host ------------------------------------------------------------ */

/* Every cache of the host's slabinfo: a cache of its objsize has its objperslab/pagesperslab. */
static void test_geometry_matches_host_slabinfo(void **state)
{
	(void)state;
	const char *kv[] = { "cpus", "2", NULL };	/* the host has 2 CPUs */
	mmsim_machine *m = boot(kv);
	struct mm_sys *ms = mm(m);
	char *host = read_text(ORACLE_SLABINFO);
	char *ours = slabinfo(m);
	int compared = 0, boot_lines = 0;

	for (char *line = strtok(host, "\n"); line; line = strtok(NULL, "\n")) {
		struct slabinfo_line h, o;
		if (!parse_line(line, &h))
			continue;
		/* the caches mmsim boots with: the very line's geometry */
		if (find_line(ours, h.name, &o)) {
			assert_int_equal(o.objsize, h.objsize);
			assert_int_equal(o.objperslab, h.objperslab);
			assert_int_equal(o.pagesperslab, h.pagesperslab);
			boot_lines++;
		}
		/* any cache: a new cache of size objsize (already aligned by the host) */
		char name[160];
		struct kmem_cache *s = NULL;
		snprintf(name, sizeof(name), "h:%s", h.name);
		assert_int_equal(kmem_cache_create(ms, name, (unsigned int)h.objsize, 0, 0, &s), 0);
		struct slabinfo_line c = cache_line(m, name);
		if (c.objsize != h.objsize || c.objperslab != h.objperslab || c.pagesperslab != h.pagesperslab)
			fail_msg("%s: objsize %lu objperslab %lu pagesperslab %lu, host %lu %lu %lu", h.name,
				 c.objsize, c.objperslab, c.pagesperslab, h.objsize, h.objperslab, h.pagesperslab);
		assert_int_equal(kmem_cache_destroy(ms, s), 0);
		compared++;
	}
	assert_true(compared >= 230);
	/* kmalloc-8 .. kmalloc-8k, kmalloc-96, kmalloc-192, kmem_cache, kmem_cache_node, and the
	   address-space caches: vm_area_struct, mm_struct, maple_node, anon_vma, anon_vma_chain,
	   task_struct, files_cache, filp, inode_cache, and the page cache's radix_tree_node */
	assert_int_equal(boot_lines, 15 + 10);
	check_valid(m);
	free(ours);
	free(host);
	mmsim_machine_free(m);
}

/*
 * Named caches created as Linux creates them (object_size, align and SLAB_HWCACHE_ALIGN
 * from the host's /sys/kernel/slab): objsize/objperslab/pagesperslab as its slabinfo.
 */
static void test_named_caches(void **state)
{
	(void)state;
	static const struct { const char *name; unsigned int object_size, align, flags; } named[] = {
		{ "vm_area_struct", 192, 0, SLAB_HWCACHE_ALIGN },
		{ "mm_struct", 1568, 0, SLAB_HWCACHE_ALIGN },
		{ "task_struct", 5840, 64, 0 },
		{ "files_cache", 704, 0, SLAB_HWCACHE_ALIGN },
		{ "filp", 184, 0, SLAB_HWCACHE_ALIGN },
		{ "names_cache", 4096, 0, SLAB_HWCACHE_ALIGN },
		{ "dentry", 192, 0, SLAB_RECLAIM_ACCOUNT },
		{ "buffer_head", 104, 0, SLAB_RECLAIM_ACCOUNT },
	};
	const char *kv[] = { "cpus", "2", NULL };
	mmsim_machine *m = boot(kv);
	char *host = read_text(ORACLE_SLABINFO);
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		struct kmem_cache *s;
		struct slabinfo_line h, o;
		/* the address-space caches exist from boot (vma.c, fork.c, fs/file.c): their line
		   is compared as it stands; the others are created here as Linux creates them */
		char *now = slabinfo(m);
		bool exists = find_line(now, named[i].name, &o);
		free(now);
		if (!exists)
			assert_int_equal(kmem_cache_create(mm(m), named[i].name, named[i].object_size,
							   named[i].align, named[i].flags, &s), 0);
		assert_true(find_line(host, named[i].name, &h));
		o = cache_line(m, named[i].name);
		if (o.objsize != h.objsize || o.objperslab != h.objperslab || o.pagesperslab != h.pagesperslab)
			fail_msg("%s: %lu %lu %lu, host %lu %lu %lu", named[i].name, o.objsize, o.objperslab,
				 o.pagesperslab, h.objsize, h.objperslab, h.pagesperslab);
	}
	check_valid(m);
	free(host);
	mmsim_machine_free(m);
}

/* More CPUs, more objects per slab: min_objects = 4 * (fls(nr_cpus) + 1). */
static void test_order_depends_on_cpus(void **state)
{
	(void)state;
	const char *kv1[] = { "cpus", "1", NULL };
	const char *kv64[] = { "cpus", "64", NULL };
	mmsim_machine *m1 = boot(kv1), *m64 = boot(kv64);
	struct kmem_cache *a, *b;
	/* 1 CPU: min_objects 8, 8 * 1024 fits order 1; 64 CPUs: 28 objects, order 3 */
	assert_int_equal(kmem_cache_create(mm(m1), "k1024", 1024, 0, 0, &a), 0);
	assert_int_equal(kmem_cache_create(mm(m64), "k1024", 1024, 0, 0, &b), 0);
	struct slabinfo_line l1 = cache_line(m1, "k1024"), l64 = cache_line(m64, "k1024");
	assert_int_equal(l1.pagesperslab, 2);
	assert_int_equal(l1.objperslab, 8);
	assert_int_equal(l64.pagesperslab, 8);
	assert_int_equal(l64.objperslab, 32);
	mmsim_machine_free(m1);
	mmsim_machine_free(m64);
}

/* ---- /proc/slabinfo ----------------------------------------------------------------------- */

static void test_slabinfo_format(void **state)
{
	(void)state;
	const char *kv[] = { "cpus", "2", NULL };
	mmsim_machine *m = boot(kv);
	struct mm_sys *ms = mm(m);
	char *host = read_text(ORACLE_SLABINFO);
	char *text = slabinfo(m);

	/* the two header lines, byte for byte */
	const char *h2 = strchr(strchr(host, '\n') + 1, '\n') + 1;
	assert_true(strncmp(text, host, (size_t)(h2 - host)) == 0);

	/* boot caches in Linux's order: newest first, as the host's last 15 lines */
	static const char *const order[] = { "kmalloc-8k", "kmalloc-4k", "kmalloc-2k", "kmalloc-1k",
		"kmalloc-512", "kmalloc-256", "kmalloc-128", "kmalloc-64", "kmalloc-32", "kmalloc-16",
		"kmalloc-8", "kmalloc-192", "kmalloc-96", "kmem_cache_node", "kmem_cache" };
	const char *p = text + (h2 - host);
	/* newest: the address-space caches, created after the slab allocator is up (as Linux's
	   proc_caches_init, vma_state_init, files_init, inode_init run after kmem_cache_init) */
	static const char *const later[] = { "vm_area_struct", "mm_struct", "maple_node",
		"anon_vma", "anon_vma_chain", "task_struct", "files_cache", "filp", "inode_cache",
		"radix_tree_node" };
	const size_t nlater = sizeof(later) / sizeof(later[0]);
	for (size_t i = 0; i < nlater; i++) {
		struct slabinfo_line l;
		bool known = false;
		assert_true(parse_line(p, &l));
		for (size_t k = 0; k < nlater; k++)
			known |= strcmp(l.name, later[k]) == 0;
		if (!known)
			fail_msg("line %zu of slabinfo is %s, expected an address-space cache", i + 3,
				 l.name);
		p = strchr(p, '\n') + 1;
	}
	for (size_t i = 0; i < 15; i++) {
		struct slabinfo_line l;
		assert_true(parse_line(p, &l));
		assert_string_equal(l.name, order[i]);
		p = strchr(p, '\n') + 1;
	}
	assert_int_equal(*p, '\0');
	const char *tail = host + strlen(host);
	for (int i = 15; i > 0; i--) {	/* the same names close the host's file */
		struct slabinfo_line l;
		tail -= 1;
		while (tail > host && tail[-1] != '\n')
			tail--;
		assert_true(parse_line(tail, &l));
		assert_string_equal(l.name, order[i - 1]);
	}
	free(text);

	/* a fresh cache: first line, Linux's widths; then with one object (its CPU slab) */
	struct kmem_cache *s;
	assert_int_equal(kmem_cache_create(ms, "golden_cache", 192, 0, SLAB_HWCACHE_ALIGN, &s), 0);
	text = slabinfo(m);
	const char *first = text + (h2 - host);
	const char *want0 = "golden_cache           0      0    192   21    1 : tunables    0    0    0 "
			    ": slabdata      0      0      0\n";
	assert_true(strncmp(first, want0, strlen(want0)) == 0);
	free(text);
	int err;
	void *obj = kmem_cache_alloc(ms, s, MMSIM_GFP_KERNEL, &err);
	assert_non_null(obj);
	text = slabinfo(m);
	first = text + (h2 - host);
	const char *want1 = "golden_cache          21     21    192   21    1 : tunables    0    0    0 "
			    ": slabdata      1      1      0\n";
	assert_true(strncmp(first, want1, strlen(want1)) == 0);
	free(text);

	/* a name longer than the 17 columns pushes the numbers right, as %-17s does */
	struct kmem_cache *l;
	assert_int_equal(kmem_cache_create(ms, "a_rather_long_cache_name", 4000, 0, 0, &l), 0);
	text = slabinfo(m);
	first = text + (h2 - host);
	const char *want2 = "a_rather_long_cache_name      0      0   4000    8    8 : tunables    0    0    0 "
			    ": slabdata      0      0      0\n";
	assert_true(strncmp(first, want2, strlen(want2)) == 0);
	free(text);

	kmem_cache_free(ms, s, obj);
	check_valid(m);
	free(host);
	mmsim_machine_free(m);
}

/* Active objects as SLUB reports them: CPU slabs and CPU partial slabs count as in use. */
static void test_active_objs_as_slub(void **state)
{
	(void)state;
	const char *kv[] = { "cpus", "2", NULL };
	mmsim_machine *m = boot(kv);
	struct mm_sys *ms = mm(m);
	struct kmem_cache *s;
	void *obj[128];
	int err;
	assert_int_equal(kmem_cache_create(ms, "obj64", 64, 0, 0, &s), 0);
	for (int i = 0; i < 65; i++) {
		obj[i] = kmem_cache_alloc(ms, s, MMSIM_GFP_KERNEL, &err);
		assert_non_null(obj[i]);
	}
	struct slabinfo_line l = cache_line(m, "obj64");
	assert_int_equal(l.num_slabs, 2);	/* the first is full, the second is the CPU slab */
	assert_int_equal(l.num_objs, 128);
	assert_int_equal(l.active_objs, 128);
	/* the objects of the first (full) slab: it becomes a CPU partial slab, still "active" */
	for (int i = 0; i < 64; i++)
		kmem_cache_free(ms, s, obj[i]);
	check_valid(m);
	l = cache_line(m, "obj64");
	assert_int_equal(l.active_objs, 128);
	assert_int_equal(l.num_slabs, 2);
	/* destroy refuses while one object is out, and changes nothing */
	char *before = slabinfo(m);
	assert_int_equal(kmem_cache_destroy(ms, s), -EBUSY);
	char *after = slabinfo(m);
	assert_string_equal(before, after);
	free(before);
	free(after);
	kmem_cache_free(ms, s, obj[64]);
	int64_t bytes = slab_bytes(m, 0);
	assert_int_equal(kmem_cache_destroy(ms, s), 0);
	assert_int_equal(slab_bytes(m, 0), bytes - 2 * 4096);
	char *text = slabinfo(m);
	assert_null(strstr(text, "obj64"));
	free(text);
	check_valid(m);
	mmsim_machine_free(m);
}

/*
 * Free objects on node partial slabs are what slabinfo subtracts. obj64: 64 objects per
 * slab, cpu_partial 120 objects -> cpu_partial_slabs DIV_ROUND_UP(240, 64) = 4. Ten full
 * slabs S0..S9 (S9 the CPU slab); one free in each of S0..S8: each full slab joins the CPU
 * partial list; the 5th and the 9th find it at 4 slabs and first move it to the node
 * partial list. So S0..S7 are on the node list with 1 free object each, S8 on the CPU's.
 * (The objects of one slab are 64 allocated in a row: each new slab is taken whole.)
 */
static void test_active_objs_node_partial(void **state)
{
	(void)state;
	const char *kv[] = { "cpus", "2", NULL };
	mmsim_machine *m = boot(kv);
	struct mm_sys *ms = mm(m);
	struct kmem_cache *s;
	static void *obj[640];
	int err;
	assert_int_equal(kmem_cache_create(ms, "obj64", 64, 0, 0, &s), 0);
	for (int i = 0; i < 640; i++)
		assert_non_null(obj[i] = kmem_cache_alloc(ms, s, MMSIM_GFP_KERNEL, &err));
	/* objects of one slab are the 64 allocated in a row (a fresh slab each time) */
	for (int slab = 0; slab < 9; slab++)
		kmem_cache_free(ms, s, obj[slab * 64 + 5]);
	check_valid(m);
	struct slabinfo_line l = cache_line(m, "obj64");
	assert_int_equal(l.num_objs, 640);
	assert_int_equal(l.num_slabs, 10);
	assert_int_equal(l.active_objs, 640 - 8);
	/*
	 * Two more objects: the first exhausts the CPU slab S9 (now full) and takes S8 from
	 * the CPU partial list, the second finds S8 full too and goes to the node list
	 * (get_partial_node): one slab for the CPU and more for its partial list until
	 * more than cpu_partial_slabs / 2 = 2 were moved, i.e. 1 + 3 slabs leave the list.
	 */
	void *more[2];
	for (int i = 0; i < 2; i++)
		assert_non_null(more[i] = kmem_cache_alloc(ms, s, MMSIM_GFP_KERNEL, &err));
	check_valid(m);
	l = cache_line(m, "obj64");
	assert_int_equal(l.num_slabs, 10);
	assert_int_equal(l.active_objs, 640 - 4);
	for (int i = 0; i < 2; i++)
		kmem_cache_free(ms, s, more[i]);
	for (int i = 0; i < 640; i++)
		if (i % 64 != 5 || i >= 9 * 64)
			kmem_cache_free(ms, s, obj[i]);
	check_valid(m);
	assert_int_equal(kmem_cache_destroy(ms, s), 0);
	mmsim_machine_free(m);
}

/*
 * The free list is threaded through the objects at offset ALIGN_DOWN(object_size / 2, 8)
 * (calculate_sizes for caches without constructor), holding the next object's address
 * (mmsim: its physical address); the rest of a freed object is left as it was.
 */
static void test_free_pointer_in_object(void **state)
{
	(void)state;
	const char *kv[] = { "cpus", "2", NULL };
	mmsim_machine *m = boot(kv);
	struct mm_sys *ms = mm(m);
	struct kmem_cache *s;
	int err;
	assert_int_equal(kmem_cache_create(ms, "fp100", 100, 0, 0, &s), 0);	/* offset 48 */
	unsigned char *a = kmem_cache_alloc(ms, s, MMSIM_GFP_KERNEL, &err);
	unsigned char *b = kmem_cache_alloc(ms, s, MMSIM_GFP_KERNEL, &err);
	memset(a, 0x11, 100);
	memset(b, 0x22, 100);
	kmem_cache_free(ms, s, a);
	kmem_cache_free(ms, s, b);	/* b is the head of the CPU free list, pointing at a */
	uint64_t next;
	memcpy(&next, b + 48, 8);
	assert_int_equal(next, (uint64_t)(a - ms->ram->host) + ms->ram->base);
	for (int i = 0; i < 100; i++)
		if (i < 48 || i >= 56)
			assert_int_equal(b[i], 0x22);
	assert_ptr_equal(kmem_cache_alloc(ms, s, MMSIM_GFP_KERNEL, &err), b);
	assert_ptr_equal(kmem_cache_alloc(ms, s, MMSIM_GFP_KERNEL, &err), a);
	kmem_cache_free(ms, s, a);
	kmem_cache_free(ms, s, b);
	assert_int_equal(kmem_cache_destroy(ms, s), 0);
	check_valid(m);
	mmsim_machine_free(m);
}

/* SLAB_RECLAIM_ACCOUNT: __GFP_RECLAIMABLE slabs, counted in nr_slab_reclaimable. */
static void test_reclaimable_cache(void **state)
{
	(void)state;
	const char *kv[] = { "cpus", "2", NULL };
	mmsim_machine *m = boot(kv);
	struct mm_sys *ms = mm(m);
	struct kmem_cache *s;
	int err;
	int64_t rec = slab_bytes(m, 1), all = slab_bytes(m, 0);
	assert_int_equal(kmem_cache_create(ms, "dentry", 192, 0, SLAB_RECLAIM_ACCOUNT, &s), 0);
	void *obj = kmem_cache_alloc(ms, s, MMSIM_GFP_KERNEL, &err);
	assert_non_null(obj);
	assert_int_equal(slab_bytes(m, 1), rec + 4096);
	assert_int_equal(slab_bytes(m, 0), all + 4096);
	uint64_t pfn = ((uint64_t)((unsigned char *)obj - ms->ram->host) + ms->ram->base) >> ms->page_shift;
	assert_int_equal(get_pageblock_migratetype(ms, pfn), MIGRATE_RECLAIMABLE);
	kmem_cache_free(ms, s, obj);
	assert_int_equal(kmem_cache_destroy(ms, s), 0);
	assert_int_equal(slab_bytes(m, 1), rec);
	check_valid(m);
	mmsim_machine_free(m);
}

/* ---- kmalloc ------------------------------------------------------------------------------ */

/* The kmalloc size class Linux serves size from (size_index table, then powers of two). */
static size_t class_of(size_t size)
{
	static const size_t small[] = { 8, 16, 32, 64, 96, 128, 192 };
	if (size <= 192) {
		for (size_t i = 0;; i++)
			if (small[i] >= size)
				return small[i];
	}
	size_t c = 256;
	while (c < size)
		c *= 2;
	return c;
}

static void test_kmalloc_classes_and_large(void **state)
{
	(void)state;
	const char *kv[] = { "cpus", "2", NULL };
	mmsim_machine *m = boot(kv);
	struct mm_sys *ms = mm(m);
	int err;
	for (size_t size = 1; size <= 8192; size++) {
		void *p = kmalloc(ms, size, MMSIM_GFP_KERNEL, &err);
		assert_non_null(p);
		assert_int_equal(err, 0);
		assert_int_equal(ksize(ms, p), class_of(size));
		kfree(ms, p);
	}
	/* kmalloc(0) is ZERO_SIZE_PTR: not NULL, size 0, kfree ignores it */
	void *z = kmalloc(ms, 0, MMSIM_GFP_KERNEL, &err);
	assert_non_null(z);
	assert_int_equal(ksize(ms, z), 0);
	kfree(ms, z);
	kfree(ms, NULL);

	/* above KMALLOC_MAX_CACHE_SIZE: compound pages, counted as unreclaimable slab */
	int64_t before = slab_bytes(m, 0);
	void *big = kmalloc(ms, 8193, MMSIM_GFP_KERNEL, &err);
	assert_non_null(big);
	assert_int_equal(ksize(ms, big), 16384);
	assert_int_equal(slab_bytes(m, 0), before + 16384);
	void *huge = kmalloc(ms, 4u << 20, MMSIM_GFP_KERNEL, &err);	/* MAX_PAGE_ORDER block */
	assert_non_null(huge);
	assert_int_equal(slab_bytes(m, 0), before + 16384 + (4 << 20));
	check_valid(m);
	kfree(ms, big);
	kfree(ms, huge);
	assert_int_equal(slab_bytes(m, 0), before);
	assert_null(kmalloc(ms, (4u << 20) + 1, MMSIM_GFP_KERNEL, &err));
	assert_int_equal(err, -ENOMEM);

	/* __GFP_ZERO clears a reused object */
	unsigned char *a = kmalloc(ms, 100, MMSIM_GFP_KERNEL, &err);
	memset(a, 0xa5, 128);
	kfree(ms, a);
	unsigned char *b = kmalloc(ms, 100, MMSIM_GFP_KERNEL | MMSIM_GFP_ZERO, &err);
	assert_ptr_equal(a, b);		/* LIFO through the CPU free list */
	for (int i = 0; i < 128; i++)
		assert_int_equal(b[i], 0);
	kfree(ms, b);
	check_valid(m);

	/* a bad free is refused and reported by the validator */
	kfree(ms, (char *)big + 8);
	struct mmsim_error e = { 0 };
	assert_int_equal(mmsim_machine_validate(m, &e), -EUCLEAN);
	assert_non_null(strstr(e.msg, "slab"));
	mmsim_machine_free(m);
}

/* ---- randomized stress ------------------------------------------------------------------- */

/* Host-side set of live object addresses (open addressing, backward-shift deletion). */
struct ptrset {
	uintptr_t *slot;
	size_t mask, n;
};

static size_t ptr_hash(uintptr_t p) { return (size_t)((p >> 3) * 0x9e3779b97f4a7c15ull); }

static void ptrset_init(struct ptrset *s, size_t cap_pow2)
{
	s->slot = calloc(cap_pow2, sizeof(uintptr_t));
	assert_non_null(s->slot);
	s->mask = cap_pow2 - 1;
	s->n = 0;
}

/* Insert p; false if it was there already. */
static bool ptrset_add(struct ptrset *s, uintptr_t p)
{
	size_t i = ptr_hash(p) & s->mask;
	while (s->slot[i]) {
		if (s->slot[i] == p)
			return false;
		i = (i + 1) & s->mask;
	}
	s->slot[i] = p;
	s->n++;
	return true;
}

/* Remove p; false if it was not there. */
static bool ptrset_del(struct ptrset *s, uintptr_t p)
{
	size_t i = ptr_hash(p) & s->mask;
	while (s->slot[i] != p) {
		if (!s->slot[i])
			return false;
		i = (i + 1) & s->mask;
	}
	s->slot[i] = 0;
	s->n--;
	for (size_t j = (i + 1) & s->mask; s->slot[j]; j = (j + 1) & s->mask) {
		size_t home = ptr_hash(s->slot[j]) & s->mask;
		/* move back if its home is not in (i, j] (cyclically) */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			s->slot[i] = s->slot[j];
			s->slot[j] = 0;
			i = j;
		}
	}
	return true;
}

/* A live object: where, how big, which cache (NULL: kmalloc), its tag. */
struct live {
	unsigned char *p;
	size_t size;
	struct kmem_cache *s;
	uint64_t tag;
};

static void stamp(struct live *o)
{
	size_t n = o->size < 8 ? o->size : 8;
	memcpy(o->p, &o->tag, n);
	if (o->size >= 16)
		memcpy(o->p + o->size - 8, &o->tag, 8);
}

static void check_stamp(const struct live *o)
{
	size_t n = o->size < 8 ? o->size : 8;
	uint64_t v = 0, w = 0;
	memcpy(&v, o->p, n);
	memcpy(&w, &o->tag, n);
	if (v != w)
		fail_msg("object %p (size %zu) changed while allocated", (void *)o->p, o->size);
	if (o->size >= 16) {
		memcpy(&v, o->p + o->size - 8, 8);
		if (v != o->tag)
			fail_msg("end of object %p (size %zu) changed while allocated", (void *)o->p, o->size);
	}
}

/*
 * ops random allocations/frees over caches (and kmalloc if use_kmalloc), at most cap
 * objects live, validators every check_every operations; everything freed at the end.
 */
static void stress(mmsim_machine *m, struct kmem_cache **caches, const unsigned int *sizes, size_t nr_caches,
		   bool use_kmalloc, uint64_t ops, size_t cap, uint64_t check_every, uint64_t seed)
{
	struct mm_sys *ms = mm(m);
	struct rng r;
	struct ptrset set;
	struct live *live = calloc(cap, sizeof(*live));
	size_t nlive = 0;
	uint64_t tag = 1;
	assert_non_null(live);
	rng_seed(&r, seed);
	ptrset_init(&set, 1u << 20);
	for (uint64_t op = 1; op <= ops; op++) {
		/* drift: fill towards cap, then hover, with phases of mostly frees */
		uint64_t phase = (op / 100000) % 4;
		unsigned int alloc_pct = phase == 3 ? 30 : 55;
		bool do_alloc = nlive == 0 || (nlive < cap && rng_below(&r, 100) < alloc_pct);
		if (do_alloc) {
			struct live o = { .tag = tag++ };
			int err = 0;
			size_t which = (size_t)rng_below(&r, nr_caches + (use_kmalloc ? 2 : 0));
			if (which < nr_caches) {
				o.s = caches[which];
				o.size = sizes[which];
				o.p = kmem_cache_alloc(ms, o.s, MMSIM_GFP_KERNEL, &err);
			} else {
				/* mostly small kmallocs, some up to 3 pages (kmalloc_large) */
				o.size = 1 + (size_t)(rng_below(&r, 8) ? rng_below(&r, 512) : rng_below(&r, 12288));
				o.p = kmalloc(ms, o.size, MMSIM_GFP_KERNEL, &err);
				if (o.p)
					assert_true(ksize(ms, o.p) >= o.size);
			}
			if (!o.p)
				fail_msg("op %llu: allocation of %zu bytes failed: %s", (unsigned long long)op,
					 o.size, mmsim_strerror(err));
			if (!ptrset_add(&set, (uintptr_t)o.p))
				fail_msg("op %llu: %p handed out twice", (unsigned long long)op, (void *)o.p);
			stamp(&o);
			live[nlive++] = o;
		} else {
			size_t i = (size_t)rng_below(&r, nlive);
			struct live o = live[i];
			check_stamp(&o);
			assert_true(ptrset_del(&set, (uintptr_t)o.p));
			if (o.s)
				kmem_cache_free(ms, o.s, o.p);
			else
				kfree(ms, o.p);
			live[i] = live[--nlive];
		}
		if (op % check_every == 0) {
			check_valid(m);
			for (size_t i = 0; i < nlive; i++)
				check_stamp(&live[i]);
		}
	}
	while (nlive) {
		struct live o = live[--nlive];
		check_stamp(&o);
		assert_true(ptrset_del(&set, (uintptr_t)o.p));
		if (o.s)
			kmem_cache_free(ms, o.s, o.p);
		else
			kfree(ms, o.p);
	}
	assert_int_equal(set.n, 0);
	check_valid(m);
	free(set.slot);
	free(live);
}

static const unsigned int stress_sizes[] = { 8, 24, 100, 192, 700, 1568, 4096, 5840, 64, 9000 };
static const unsigned int stress_flags[] = { 0, 0, SLAB_RECLAIM_ACCOUNT, SLAB_HWCACHE_ALIGN, 0,
					     SLAB_HWCACHE_ALIGN, 0, 0, SLAB_RECLAIM_ACCOUNT, 0 };
#define NR_STRESS (sizeof(stress_sizes) / sizeof(stress_sizes[0]))

static void create_stress_caches(mmsim_machine *m, struct kmem_cache **caches)
{
	for (size_t i = 0; i < NR_STRESS; i++) {
		char name[32];
		snprintf(name, sizeof(name), "stress-%u", stress_sizes[i]);
		assert_int_equal(kmem_cache_create(mm(m), name, stress_sizes[i], 0, stress_flags[i], &caches[i]), 0);
	}
}

static void destroy_caches(mmsim_machine *m, struct kmem_cache **caches, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(kmem_cache_destroy(mm(m), caches[i]), 0);
}

/*
 * Millions of objects through created caches and kmalloc_large; afterwards, with the
 * caches destroyed, the slab counters are back where they were before the caches existed.
 */
static void test_stress_caches_and_pages_back(void **state)
{
	(void)state;
	const char *kv[] = { "ram", "2G", "cpus", "2", NULL };
	mmsim_machine *m = boot(kv);
	struct kmem_cache *caches[NR_STRESS];

	/* a first create/destroy round settles the descriptors' own slabs (kmem_cache,
	 * kmem_cache_node, the random sequences in kmalloc), which stay as Linux keeps them */
	create_stress_caches(m, caches);
	destroy_caches(m, caches, NR_STRESS);
	int64_t base_all = slab_bytes(m, 0), base_rec = slab_bytes(m, 1);

	create_stress_caches(m, caches);
	stress(m, caches, stress_sizes, NR_STRESS, false, 3000000, 60000, 50000, 42);
	destroy_caches(m, caches, NR_STRESS);
	assert_int_equal(slab_bytes(m, 0), base_all);
	assert_int_equal(slab_bytes(m, 1), base_rec);
	check_valid(m);
	mmsim_machine_free(m);
}

/* kmalloc of every size class and created caches together, on a two-node machine. */
static void test_stress_kmalloc_numa(void **state)
{
	(void)state;
	const char *kv[] = { "ram", "4G", "nodes", "2", "cpus", "4", NULL };
	mmsim_machine *m = boot(kv);
	struct kmem_cache *caches[NR_STRESS];
	create_stress_caches(m, caches);
	stress(m, caches, stress_sizes, NR_STRESS, true, 1500000, 40000, 50000, 7);
	destroy_caches(m, caches, NR_STRESS);
	check_valid(m);
	mmsim_machine_free(m);
}

/* 32-bit free pointers (i386) and another page-size profile (arm64) under the same load. */
static void test_stress_other_arches(void **state)
{
	(void)state;
	static const char *const arches[] = { "i386", "arm64" };
	for (size_t a = 0; a < 2; a++) {
		const char *kv[] = { "arch", arches[a], "ram", "2G", "cpus", "2", NULL };
		mmsim_machine *m = boot(kv);
		struct kmem_cache *caches[NR_STRESS];
		create_stress_caches(m, caches);
		stress(m, caches, stress_sizes, NR_STRESS, true, 300000, 20000, 25000, 99 + a);
		destroy_caches(m, caches, NR_STRESS);
		check_valid(m);
		mmsim_machine_free(m);
	}
}

/* After everything is freed, a cache keeps at most what SLUB keeps: the CPU slab, the CPU
 * partial slabs and min_partial empty slabs per node. */
static void test_empty_slabs_kept(void **state)
{
	(void)state;
	const char *kv[] = { "cpus", "2", NULL };
	mmsim_machine *m = boot(kv);
	struct mm_sys *ms = mm(m);
	struct kmem_cache *s;
	enum { N = 16 * 40 };
	void **obj = calloc(N, sizeof(void *));
	int err;
	/* size 2048: 16 objects in order 3, min_partial 5, cpu_partial 24 -> 3 slabs */
	assert_int_equal(kmem_cache_create(ms, "k2048", 2048, 0, 0, &s), 0);
	for (int i = 0; i < N; i++)
		assert_non_null(obj[i] = kmem_cache_alloc(ms, s, MMSIM_GFP_KERNEL, &err));
	assert_int_equal(cache_line(m, "k2048").num_slabs, 40);
	for (int i = 0; i < N; i++)
		kmem_cache_free(ms, s, obj[(i * 7) % N]);	/* 7 is prime to N: each once */
	check_valid(m);
	struct slabinfo_line l = cache_line(m, "k2048");
	assert_true(l.num_slabs >= 1);
	assert_true(l.num_slabs <= 1 + 5 + 3 + 3 / 2 + 1);
	assert_int_equal(kmem_cache_destroy(ms, s), 0);
	free(obj);
	check_valid(m);
	mmsim_machine_free(m);
}

/* ---- failures --------------------------------------------------------------------------- */

static void test_bad_arguments(void **state)
{
	(void)state;
	const char *kv[] = { "cpus", "2", NULL };
	mmsim_machine *m = boot(kv);
	struct mm_sys *ms = mm(m);
	struct kmem_cache *s = NULL;
	char *before = slabinfo(m);
	int64_t bytes = slab_bytes(m, 0);

	assert_int_equal(kmem_cache_create(ms, "zero", 0, 0, 0, &s), -EINVAL);
	assert_int_equal(kmem_cache_create(ms, "huge", (4u << 20) + 1, 0, 0, &s), -EINVAL);
	assert_int_equal(kmem_cache_create(ms, NULL, 64, 0, 0, &s), -EINVAL);
	assert_int_equal(kmem_cache_create(ms, "", 64, 0, 0, &s), -EINVAL);
	assert_int_equal(kmem_cache_create(ms, "with space", 64, 0, 0, &s), -EINVAL);
	assert_int_equal(kmem_cache_create(ms, "align3", 64, 3, 0, &s), -EINVAL);
	assert_int_equal(kmem_cache_create(ms, "flags", 64, 0, 0x1u, &s), -EINVAL);
	assert_int_equal(kmem_cache_create(ms, "kmalloc-64", 64, 0, 0, &s), -EEXIST);
	assert_int_equal(kmem_cache_destroy(ms, NULL), -EINVAL);
	char *after = slabinfo(m);
	assert_string_equal(before, after);
	assert_int_equal(slab_bytes(m, 0), bytes);
	free(after);

	assert_int_equal(kmem_cache_create(ms, "dup", 64, 0, 0, &s), 0);
	struct kmem_cache *t = NULL;
	assert_int_equal(kmem_cache_create(ms, "dup", 128, 0, 0, &t), -EEXIST);
	assert_null(t);
	/* the largest size is one MAX_PAGE_ORDER block per object */
	struct kmem_cache *big;
	assert_int_equal(kmem_cache_create(ms, "biggest", 4u << 20, 0, 0, &big), 0);
	struct slabinfo_line l = cache_line(m, "biggest");
	assert_int_equal(l.objperslab, 1);
	assert_int_equal(l.pagesperslab, 1024);
	assert_int_equal(kmem_cache_destroy(ms, big), 0);
	assert_int_equal(kmem_cache_destroy(ms, s), 0);
	/* boot caches stay */
	free(before);
	before = slabinfo(m);
	char *p = strstr(before, "\nkmalloc-64 ");
	assert_non_null(p);
	check_valid(m);
	free(before);
	mmsim_machine_free(m);
}

/* The preferred order fails: the slab comes at the minimum order, as allocate_slab does. */
static void test_order_fallback(void **state)
{
	(void)state;
	const char *kv[] = { "cpus", "2", NULL };
	mmsim_machine *m = boot(kv);
	struct mm_sys *ms = mm(m);
	struct kmem_cache *s;
	void *obj[17];
	int err;
	assert_int_equal(kmem_cache_create(ms, "k1k", 1024, 0, 0, &s), 0);	/* order 2 / 16, min 0 / 4 */
	for (int i = 0; i < 16; i++)
		assert_non_null(obj[i] = kmem_cache_alloc(ms, s, MMSIM_GFP_KERNEL, &err));
	int64_t bytes = slab_bytes(m, 0);
	mmsim_fail_nth_alloc(m, 1);
	assert_non_null(obj[16] = kmem_cache_alloc(ms, s, MMSIM_GFP_KERNEL, &err));
	struct slabinfo_line l = cache_line(m, "k1k");
	assert_int_equal(l.num_slabs, 2);
	assert_int_equal(l.num_objs, 16 + 4);
	assert_int_equal(slab_bytes(m, 0), bytes + 4096);
	check_valid(m);
	for (int i = 0; i < 17; i++)
		kmem_cache_free(ms, s, obj[i]);
	assert_int_equal(kmem_cache_destroy(ms, s), 0);
	check_valid(m);
	mmsim_machine_free(m);
}

/* No page to be had: NULL with -ENOMEM, the allocator valid and its counters unchanged. */
static void test_enomem(void **state)
{
	(void)state;
	const char *kv[] = { "ram", "256M", "cpus", "2", NULL };
	mmsim_machine *m = boot(kv);
	struct mm_sys *ms = mm(m);
	struct kmem_cache *s;
	int err;
	assert_int_equal(kmem_cache_create(ms, "oom64", 64, 0, 0, &s), 0);

	/* kmalloc_large has one attempt: the injected failure is its -ENOMEM */
	int64_t bytes = slab_bytes(m, 0);
	mmsim_fail_nth_alloc(m, 1);
	assert_null(kmalloc(ms, 3 * 4096, MMSIM_GFP_KERNEL, &err));
	assert_int_equal(err, -ENOMEM);
	assert_int_equal(slab_bytes(m, 0), bytes);
	check_valid(m);

	/* take every page the page allocator will give */
	size_t cap = 1 << 17, n = 0;
	uint64_t *pfns = malloc(cap * sizeof(uint64_t));
	assert_non_null(pfns);
	for (;;) {
		uint64_t pfn;
		if (mmsim_alloc_pages(m, 0, MMSIM_GFP_KERNEL, 0, &pfn) != 0)
			break;
		assert_true(n < cap);
		pfns[n++] = pfn;
	}
	assert_true(n > 1000);
	char *before = slabinfo(m);
	assert_null(kmem_cache_alloc(ms, s, MMSIM_GFP_KERNEL, &err));
	assert_int_equal(err, -ENOMEM);
	assert_null(kmalloc(ms, 5000, MMSIM_GFP_KERNEL, &err));	/* kmalloc-8k needs a slab */
	assert_int_equal(err, -ENOMEM);
	char *after = slabinfo(m);
	assert_string_equal(before, after);
	assert_int_equal(slab_bytes(m, 0), bytes);
	check_valid(m);
	free(before);
	free(after);

	/* memory back: allocation works again */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(mmsim_free_pages(m, 0, pfns[i], 0), 0);
	void *obj = kmem_cache_alloc(ms, s, MMSIM_GFP_KERNEL, &err);
	assert_non_null(obj);
	kmem_cache_free(ms, s, obj);
	assert_int_equal(kmem_cache_destroy(ms, s), 0);
	check_valid(m);
	free(pfns);
	mmsim_machine_free(m);
}

/*
 * kmem_cache_init without enough memory gives back every page it took: start it again
 * and again with one more free page each time, until it succeeds; it runs out at every
 * stage of the boot on the way (the per-CPU page lists are drained each time so that the
 * free pages grow one by one). (The first slab state
 * is torn down without giving its pages back, as at machine teardown, and its counters
 * are cleared by hand; those pages stay allocated.)
 */
static void test_init_failure_gives_back(void **state)
{
	(void)state;
	const char *kv[] = { "ram", "128M", "cpus", "2", NULL };
	mmsim_machine *m = boot(kv);
	struct mm_sys *ms = mm(m);
	/* the layers above the slab first (tasks, files), as the machine's own teardown does */
	fork_teardown(m);
	kmem_cache_teardown(ms);
	ms->vm_area_cachep = ms->mm_cachep = ms->maple_node_cache = NULL;
	ms->task_struct_cachep = ms->files_cachep = NULL;
	assert_null(ms->slab);
	for (unsigned int nid = 0; nid < ms->nr_node_ids; nid++) {
		ms->node_data[nid]->vm_stat[NR_SLAB_RECLAIMABLE_B] = 0;
		ms->node_data[nid]->vm_stat[NR_SLAB_UNRECLAIMABLE_B] = 0;
	}
	size_t cap = 1 << 16, n = 0;
	uint64_t *pfns = malloc(cap * sizeof(uint64_t));
	uint64_t pfn;
	assert_non_null(pfns);
	/* every page, including those the per-CPU lists held (drained, then taken again) */
	for (bool more = true; more;) {
		more = false;
		drain_all_pages(ms);
		while (mmsim_alloc_pages(m, 0, MMSIM_GFP_ATOMIC, 0, &pfn) == 0) {
			assert_true(n < cap);
			pfns[n++] = pfn;
			more = true;
		}
	}
	int failures = 0, ret;
	while ((ret = kmem_cache_init(ms)) != 0) {
		assert_int_equal(ret, -ENOMEM);
		assert_null(ms->slab);
		assert_int_equal(slab_bytes(m, 0), 0);
		check_valid(m);
		failures++;
		assert_true(n > 0);
		assert_int_equal(mmsim_free_pages(m, 0, pfns[--n], 0), 0);
		drain_all_pages(ms);	/* one more page in the buddy lists, none on pcp lists */
	}
	assert_true(failures > 0);
	assert_true(slab_bytes(m, 0) > 0);
	check_valid(m);
	char *text = slabinfo(m);
	assert_non_null(strstr(text, "\nkmem_cache "));
	free(text);
	while (n)
		assert_int_equal(mmsim_free_pages(m, 0, pfns[--n], 0), 0);
	free(pfns);
	mmsim_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry_matches_host_slabinfo),
		cmocka_unit_test(test_named_caches),
		cmocka_unit_test(test_order_depends_on_cpus),
		cmocka_unit_test(test_slabinfo_format),
		cmocka_unit_test(test_active_objs_as_slub),
		cmocka_unit_test(test_active_objs_node_partial),
		cmocka_unit_test(test_free_pointer_in_object),
		cmocka_unit_test(test_reclaimable_cache),
		cmocka_unit_test(test_kmalloc_classes_and_large),
		cmocka_unit_test(test_empty_slabs_kept),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_order_fallback),
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_init_failure_gives_back),
		cmocka_unit_test(test_stress_caches_and_pages_back),
		cmocka_unit_test(test_stress_kmalloc_numa),
		cmocka_unit_test(test_stress_other_arches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

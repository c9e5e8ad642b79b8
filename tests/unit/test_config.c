/*
 * The machine description layer: sizes, every option key and its errors, INI files, the
 * kernel's BIOS-e820 lines (including the development machine's own dmesg), the invariant
 * checker, e820 type names and GFP mask parsing. Every failing call is checked to leave the
 * configuration byte-for-byte unchanged and to say what is wrong and where.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmsim/mmsim.h"
#include "hw/machine_desc.h"
#include "input/config.h"

#define GiB(x) ((uint64_t)(x) << 30)
#define MiB(x) ((uint64_t)(x) << 20)
#define HOST_DMESG MMSIM_SOURCE_DIR "/tests/oracle/host-6.18/dmesg.txt"

static char tmpdir[64];

/* ---- helpers ------------------------------------------------------------------------ */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mmsim-test-config-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static int cfg_setup(void **state)
{
	mmsim_config *cfg = NULL;
	if (mmsim_config_new(&cfg))
		return -1;
	*state = cfg;
	return 0;
}

static int cfg_teardown(void **state)
{
	mmsim_config_free(*state);
	return 0;
}

/* Write text to tmpdir/name; the path in a static rotating buffer. */
static const char *write_file(const char *name, const char *text)
{
	static char paths[4][256];
	static unsigned int next;
	char *p = paths[next++ % 4];
	snprintf(p, sizeof(paths[0]), "%s/%s", tmpdir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return p;
}

static void assert_msg_has(const struct mmsim_error *e, const char *needle)
{
	if (!strstr(e->msg, needle))
		fail_msg("message \"%s\" does not mention \"%s\"", e->msg, needle);
}

static void set_ok(mmsim_config *cfg, const char *key, const char *value)
{
	struct mmsim_error e = { 0 };
	int rc = mmsim_config_set(cfg, key, value, &e);
	if (rc)
		fail_msg("set %s=%s failed: %d %s", key, value, rc, e.msg);
}

/* A set that must fail with -EINVAL, mention every needle and leave cfg as it was. */
static void set_fails(mmsim_config *cfg, const char *key, const char *value, ...)
{
	struct machine_desc before = cfg->desc;
	struct mmsim_error e = { 0 };
	va_list ap;

	int rc = mmsim_config_set(cfg, key, value, &e);
	if (rc != -EINVAL)
		fail_msg("set %s=%s returned %d, expected -EINVAL", key, value, rc);
	va_start(ap, value);
	for (const char *n; (n = va_arg(ap, const char *));)
		assert_msg_has(&e, n);
	va_end(ap);
	assert_string_equal(e.file, "");
	assert_memory_equal(&before, &cfg->desc, sizeof(before));
}

/* Load INI text that must fail at line with every needle in the message; cfg unchanged. */
static void ini_fails(mmsim_config *cfg, const char *text, int line, ...)
{
	struct machine_desc before = cfg->desc;
	struct mmsim_error e = { 0 };
	const char *path = write_file("bad.ini", text);
	va_list ap;

	int rc = mmsim_config_load_ini(cfg, path, &e);
	if (rc >= 0)
		fail_msg("INI loaded but should fail:\n%s", text);
	assert_string_equal(e.file, path);
	if (e.line != line)
		fail_msg("error on line %d, expected %d: %s", e.line, line, e.msg);
	va_start(ap, line);
	for (const char *n; (n = va_arg(ap, const char *));)
		assert_msg_has(&e, n);
	va_end(ap);
	assert_memory_equal(&before, &cfg->desc, sizeof(before));
}

static void ini_ok(mmsim_config *cfg, const char *text)
{
	struct mmsim_error e = { 0 };
	const char *path = write_file("good.ini", text);
	int rc = mmsim_config_load_ini(cfg, path, &e);
	if (rc)
		fail_msg("INI failed (%d) at line %d col %d: %s\n%s", rc, e.line, e.column,
			 e.msg, text);
}

/* Load e820 text that must fail with rc at line (and column, when col > 0). */
static void e820_fails(mmsim_config *cfg, const char *text, int rc_expect, int line, int col,
		       ...)
{
	struct machine_desc before = cfg->desc;
	struct mmsim_error e = { 0 };
	const char *path = write_file("bad.e820", text);
	va_list ap;

	int rc = mmsim_config_load_e820(cfg, path, &e);
	if (rc != rc_expect)
		fail_msg("load_e820 returned %d, expected %d (%s)", rc, rc_expect, e.msg);
	assert_string_equal(e.file, path);
	if (e.line != line)
		fail_msg("error on line %d, expected %d: %s", e.line, line, e.msg);
	if (col && e.column != col)
		fail_msg("error at column %d, expected %d: %s", e.column, col, e.msg);
	va_start(ap, col);
	for (const char *n; (n = va_arg(ap, const char *));)
		assert_msg_has(&e, n);
	va_end(ap);
	assert_memory_equal(&before, &cfg->desc, sizeof(before));
}

static void assert_range(const struct machine_desc *d, unsigned int i, uint64_t start,
			 uint64_t last, uint32_t type)
{
	assert_true(i < d->nr_ranges);
	assert_int_equal(d->ranges[i].start, start);
	assert_int_equal(d->ranges[i].end, last + 1);
	assert_int_equal(d->ranges[i].type, type);
}

/* ---- defaults, names, validation ----------------------------------------------------- */

static void test_defaults(void **state)
{
	mmsim_config *cfg = *state;
	const struct machine_desc *d = &cfg->desc;
	struct mmsim_error e = { 0 };

	assert_string_equal(d->arch->name, "x86_64");
	assert_int_equal(d->ram_size, GiB(4));
	assert_int_equal(d->nr_ranges, 0);
	assert_false(d->map_from_firmware);
	assert_int_equal(d->nr_nodes, 1);
	assert_int_equal(d->nr_cpus, 2);
	assert_int_equal(d->memory_model, MEMORY_MODEL_SPARSE);
	assert_int_equal(d->seed, 1);
	assert_int_equal(d->min_free_kbytes, -1);
	assert_int_equal(d->watermark_scale_factor, 10);
	assert_int_equal(d->thp, THP_MADVISE);
	assert_false(d->lowmem_reserve_ratio_set);
	assert_int_equal(d->percpu_pagelist_high_fraction, 0);
	assert_false(d->check);
	assert_false(d->node_ranges_set);
	assert_false(d->distance_set);
	assert_int_equal(d->movablecore | d->kernelcore, 0);
	for (unsigned int i = 0; i < MAX_NUMNODES; i++)
		for (unsigned int j = 0; j < MAX_NUMNODES; j++)
			assert_int_equal(d->distance[i][j], i == j ? 10 : 20);
	assert_int_equal(machine_desc_validate(d, &e), 0);
}

static void test_e820_type_names(void **state)
{
	(void)state;
	assert_string_equal(e820_type_name(E820_TYPE_RAM), "usable");
	assert_string_equal(e820_type_name(E820_TYPE_RESERVED), "reserved");
	assert_string_equal(e820_type_name(E820_TYPE_ACPI), "ACPI data");
	assert_string_equal(e820_type_name(E820_TYPE_NVS), "ACPI NVS");
	assert_string_equal(e820_type_name(E820_TYPE_UNUSABLE), "unusable");
	assert_string_equal(e820_type_name(E820_TYPE_PMEM), "persistent (type 7)");
	assert_string_equal(e820_type_name(E820_TYPE_PRAM), "persistent (type 12)");
	assert_string_equal(e820_type_name(E820_TYPE_SOFT_RESERVED), "soft reserved");
	assert_string_equal(e820_type_name(13), "type 13");
	assert_string_equal(e820_type_name(0), "type 0");
	/* several unnamed types can be used in one message */
	const char *a = e820_type_name(6), *b = e820_type_name(4294967295u);
	assert_string_equal(a, "type 6");
	assert_string_equal(b, "type 4294967295");
}

/* Validate a description changed by fn; it must fail and mention needle. */
static void validate_fails(void (*fn)(struct machine_desc *), const char *needle)
{
	struct machine_desc d;
	struct mmsim_error e = { 0 };
	machine_desc_init(&d);
	fn(&d);
	assert_int_equal(machine_desc_validate(&d, &e), -EINVAL);
	assert_msg_has(&e, needle);
}

static void no_arch(struct machine_desc *d) { d->arch = NULL; }
static void zero_ram(struct machine_desc *d) { d->ram_size = 0; }
static void huge_ram(struct machine_desc *d) { d->ram_size = (uint64_t)1 << 47; }
static void zero_nodes(struct machine_desc *d) { d->nr_nodes = 0; }
static void many_nodes(struct machine_desc *d) { d->nr_nodes = MAX_NUMNODES + 1; }
static void zero_cpus(struct machine_desc *d) { d->nr_cpus = 0; }
static void many_cpus(struct machine_desc *d) { d->nr_cpus = MAX_CPUS + 1; }
static void map2(struct machine_desc *d, uint64_t s0, uint64_t e0, uint64_t s1, uint64_t e1)
{
	d->nr_ranges = 2;
	d->ranges[0] = (struct mem_range){ s0, e0, E820_TYPE_RAM };
	d->ranges[1] = (struct mem_range){ s1, e1, E820_TYPE_RAM };
}
static void unsorted(struct machine_desc *d) { map2(d, MiB(4), MiB(8), 0, MiB(1)); }
static void overlapping(struct machine_desc *d) { map2(d, 0, MiB(4), MiB(2), MiB(8)); }
static void empty_range(struct machine_desc *d) { map2(d, 0, MiB(4), MiB(8), MiB(8)); }
static void high_range(struct machine_desc *d)
{
	map2(d, 0, MiB(4), (uint64_t)1 << 46, ((uint64_t)1 << 46) + MiB(1));
}
static void no_usable(struct machine_desc *d)
{
	map2(d, 0, MiB(4), MiB(8), MiB(16));
	d->ranges[0].type = d->ranges[1].type = E820_TYPE_RESERVED;
}
static void nodes_partial(struct machine_desc *d)
{
	d->nr_nodes = 2;
	d->node_ranges_set = true;
	d->node_range[0].start = 0;
	d->node_range[0].end = GiB(2);
}
static void nodes_without_ram(struct machine_desc *d)
{
	d->nr_nodes = 2;
	d->node_ranges_set = true;
	d->node_range[0].end = GiB(4);
	d->node_range[1].start = GiB(8);
	d->node_range[1].end = GiB(12);
}
static void nodes_overlap(struct machine_desc *d)
{
	d->nr_nodes = 2;
	d->node_ranges_set = true;
	d->node_range[0].end = GiB(3);
	d->node_range[1].start = GiB(2);
	d->node_range[1].end = GiB(4);
}
static void node_beyond(struct machine_desc *d)
{
	d->node_ranges_set = true;
	d->node_range[0].end = GiB(4);
	d->node_range[5].start = GiB(5);
	d->node_range[5].end = GiB(6);
}
static void flag_without_ranges(struct machine_desc *d) { d->node_ranges_set = true; }
static void self_distance(struct machine_desc *d) { d->distance[0][0] = 20; }
static void remote_distance(struct machine_desc *d)
{
	d->nr_nodes = 2;
	d->distance[1][0] = 10;
}
static void wsf_zero(struct machine_desc *d) { d->watermark_scale_factor = 0; }
static void wsf_big(struct machine_desc *d) { d->watermark_scale_factor = 3001; }
static void pcp_small(struct machine_desc *d) { d->percpu_pagelist_high_fraction = 7; }
static void core_pct(struct machine_desc *d) { d->kernelcore_percent = 101; }
static void core_both(struct machine_desc *d)
{
	d->movablecore = GiB(1);
	d->movablecore_percent = 10;
}
static void mfk_low(struct machine_desc *d) { d->min_free_kbytes = -2; }
static void lowmem_extra(struct machine_desc *d)
{
	d->arch = arch_by_name("i386");
	d->lowmem_reserve_ratio[4] = 5;
}
static void bad_thp(struct machine_desc *d) { d->thp = (enum thp_mode)7; }
static void bad_model(struct machine_desc *d) { d->memory_model = (enum memory_model)9; }

static void test_validate(void **state)
{
	(void)state;
	validate_fails(no_arch, "no architecture");
	validate_fails(zero_ram, "no memory");
	validate_fails(huge_ram, "46-bit");
	validate_fails(zero_nodes, "nodes is 0");
	validate_fails(many_nodes, "expected 1..64");
	validate_fails(zero_cpus, "cpus is 0");
	validate_fails(many_cpus, "expected 1..256");
	validate_fails(unsorted, "out of order");
	validate_fails(overlapping, "overlap");
	validate_fails(empty_range, "empty");
	validate_fails(high_range, "46-bit physical address limit");
	validate_fails(no_usable, "no usable range");
	validate_fails(nodes_partial, "node 1 has no range");
	validate_fails(nodes_without_ram, "node 1 range [mem 0x0000000200000000-0x00000002ffffffff]"
		       " contains no usable RAM");
	validate_fails(nodes_overlap, "node 1 range");
	validate_fails(node_beyond, "node 5 has a range but there are only 1 nodes");
	validate_fails(flag_without_ranges, "node_ranges_set");
	validate_fails(self_distance, "to itself is 20");
	validate_fails(remote_distance, "node 1 to node 0 is 10");
	validate_fails(wsf_zero, "watermark_scale_factor is 0");
	validate_fails(wsf_big, "expected 1..3000");
	validate_fails(pcp_small, "expected 0 or 8..");
	validate_fails(core_pct, "kernelcore is 101%");
	validate_fails(core_both, "both a size and a percentage");
	validate_fails(mfk_low, "min_free_kbytes is -2");
	validate_fails(lowmem_extra, "entry 4");
	validate_fails(bad_thp, "thp");
	validate_fails(bad_model, "memory_model");
}

/* ---- sizes --------------------------------------------------------------------------- */

static void test_sizes(void **state)
{
	static const struct { const char *text; uint64_t bytes; } good[] = {
		{ "4G", GiB(4) }, { "4GiB", GiB(4) }, { "4GB", GiB(4) }, { "4g", GiB(4) },
		{ "4gib", GiB(4) }, { "512M", MiB(512) }, { "512MiB", MiB(512) },
		{ "1T", (uint64_t)1 << 40 }, { "65536K", MiB(64) }, { "2KiB", 2048 },
		{ "1kb", 1024 }, { "4096", 4096 }, { "4096B", 4096 }, { "0", 0 },
		{ "0x1000", 4096 }, { "0X1000", 4096 }, { "0x10G", GiB(16) },
		{ " 4 G ", GiB(4) }, { "\t8M\n", MiB(8) }, { "010", 10 },
		{ "18446744073709551615", UINT64_MAX },
		{ "16777215T", (uint64_t)16777215 << 40 },
		{ "0xffffffffffffffff", UINT64_MAX },
	};
	static const struct { const char *text; int rc; const char *needle; } bad_sizes[] = {
		{ "", -EINVAL, "expected a size" }, { "G", -EINVAL, "expected a size" },
		{ "4X", -EINVAL, "unknown size suffix \"X\"" },
		{ "4GX", -EINVAL, "after the size suffix" },
		{ "4Gi", -EINVAL, "after the size suffix" },
		{ "4P", -EINVAL, "unknown size suffix" },
		{ "-1", -EINVAL, "expected a size" },
		{ "4 4", -EINVAL, "unexpected \"4\" after the size" },
		{ "4G # four", -EINVAL, "inline comments start with ';'" },
		{ "18446744073709551616", -ERANGE, "64 bits" },
		{ "16777216T", -ERANGE, "64 bits" },
		{ "0x10000000000000000", -ERANGE, "64 bits" },
		{ "1.5G", -EINVAL, "" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct mmsim_error e = { 0 };
		uint64_t v = 12345;
		int rc = config_parse_size(good[i].text, &v, &e);
		if (rc || v != good[i].bytes)
			fail_msg("\"%s\": rc %d value %llu, expected %llu (%s)", good[i].text, rc,
				 (unsigned long long)v, (unsigned long long)good[i].bytes, e.msg);
	}
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		struct mmsim_error e = { 0 };
		uint64_t v = 12345;
		int rc = config_parse_size(bad_sizes[i].text, &v, &e);
		if (rc != bad_sizes[i].rc)
			fail_msg("\"%s\": rc %d, expected %d", bad_sizes[i].text, rc,
				 bad_sizes[i].rc);
		assert_int_equal(v, 12345);
		assert_msg_has(&e, bad_sizes[i].needle);
		assert_msg_has(&e, "expected");
	}
}

/* ---- option keys --------------------------------------------------------------------- */

static void test_key_arch(void **state)
{
	mmsim_config *cfg = *state;
	static const char *const names[][2] = {
		{ "i386", "i386" }, { "x86", "i386" }, { "i686", "i386" }, { "arm64", "arm64" },
		{ "aarch64", "arm64" }, { "AMD64", "x86_64" }, { "x86-64", "x86_64" },
		{ " x86_64 ", "x86_64" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		set_ok(cfg, "arch", names[i][0]);
		assert_string_equal(cfg->desc.arch->name, names[i][1]);
	}
	set_fails(cfg, "arch", "sparc", "arch: unknown architecture \"sparc\"", "x86_64",
		  "i386", "arm64", NULL);
	set_fails(cfg, "arch", "", "unknown architecture", NULL);
	/* a map above 4 GiB cannot go to a 32-bit machine */
	set_ok(cfg, "range", "0x100000000-0x1ffffffff usable");
	set_fails(cfg, "arch", "i386", "32-bit", "[mem 0x0000000100000000-0x00000001ffffffff]",
		  NULL);
	assert_string_equal(cfg->desc.arch->name, "x86_64");
}

static void test_key_arch_ram_limit(void **state)
{
	mmsim_config *cfg = *state;
	set_ok(cfg, "ram", "8G");
	set_fails(cfg, "arch", "i386", "ram of 8589934592 bytes", "32-bit", NULL);
	set_ok(cfg, "ram", "4G");
	set_ok(cfg, "arch", "i386");
	set_fails(cfg, "ram", "4097M", "32-bit physical address limit of i386", NULL);
	/* arm64 RAM starts at 1 GiB: 4 GiB fits easily in 48 bits */
	set_ok(cfg, "arch", "arm64");
	set_ok(cfg, "ram", "255T");
	set_fails(cfg, "ram", "256T", "from 0x40000000", "48-bit", NULL);
	set_ok(cfg, "ram", "1G");
	set_ok(cfg, "node.0.range", "0x100000000-0x13fffffff");
	set_fails(cfg, "arch", "i386", "node 0 range", "32-bit", NULL);
}

static void test_key_ram(void **state)
{
	mmsim_config *cfg = *state;
	set_ok(cfg, "ram", "512M");
	assert_int_equal(cfg->desc.ram_size, MiB(512));
	set_ok(cfg, "ram", "0x100000000");
	assert_int_equal(cfg->desc.ram_size, GiB(4));
	set_ok(cfg, "ram", "4096");
	set_fails(cfg, "ram", "0", "ram: ram is 0", "expected", NULL);
	set_fails(cfg, "ram", "0G", "ram is 0", NULL);
	set_fails(cfg, "ram", "100", "less than one 4096-byte page", NULL);
	set_fails(cfg, "ram", "4X", "ram: \"4X\" is not a size", "unknown size suffix", NULL);
	set_fails(cfg, "ram", "lots", "is not a size", "4GiB", NULL);
	set_fails(cfg, "ram", "99999999999T", "64 bits", NULL);
	set_ok(cfg, "range", "0x0-0x7fffffff usable");
	set_fails(cfg, "ram", "2G", "cannot be combined with an explicit memory map", NULL);
}

static void test_key_nodes_cpus(void **state)
{
	mmsim_config *cfg = *state;
	set_ok(cfg, "nodes", "64");
	assert_int_equal(cfg->desc.nr_nodes, 64);
	set_ok(cfg, "nodes", "0x2");
	assert_int_equal(cfg->desc.nr_nodes, 2);
	set_fails(cfg, "nodes", "0", "nodes: 0 is out of range; expected 1..64", NULL);
	set_fails(cfg, "nodes", "65", "expected 1..64", NULL);
	set_fails(cfg, "nodes", "-1", "negative", NULL);
	set_fails(cfg, "nodes", "two", "expected an integer", NULL);
	set_fails(cfg, "nodes", "2 nodes", "unexpected \"nodes\"", NULL);
	set_ok(cfg, "cpus", "1");
	set_ok(cfg, "cpus", "256");
	assert_int_equal(cfg->desc.nr_cpus, 256);
	set_fails(cfg, "cpus", "0", "cpus: 0 is out of range; expected 1..256", NULL);
	set_fails(cfg, "cpus", "257", "expected 1..256", NULL);
	set_fails(cfg, "cpus", "", "expected an integer", NULL);
	/* nodes sizes node ranges and distances: it cannot change under them */
	set_ok(cfg, "nodes", "2");
	set_ok(cfg, "node.1.distance", "20 10");
	set_ok(cfg, "nodes", "2");	/* the same count is fine */
	set_fails(cfg, "nodes", "3", "nodes must be set before node ranges and distances", NULL);
}

static void test_key_words(void **state)
{
	mmsim_config *cfg = *state;
	set_ok(cfg, "memory_model", "flat");
	assert_int_equal(cfg->desc.memory_model, MEMORY_MODEL_FLAT);
	set_ok(cfg, "memory_model", "SPARSE");
	assert_int_equal(cfg->desc.memory_model, MEMORY_MODEL_SPARSE);
	set_fails(cfg, "memory_model", "discontig", "memory_model: \"discontig\" is not valid",
		  "sparse or flat", NULL);
	set_ok(cfg, "thp", "always");
	assert_int_equal(cfg->desc.thp, THP_ALWAYS);
	set_ok(cfg, "thp", "never");
	assert_int_equal(cfg->desc.thp, THP_NEVER);
	set_ok(cfg, "thp", " madvise ");
	assert_int_equal(cfg->desc.thp, THP_MADVISE);
	set_fails(cfg, "thp", "sometimes", "always, madvise or never", NULL);
	set_ok(cfg, "check", "1");
	assert_true(cfg->desc.check);
	set_ok(cfg, "check", "false");
	assert_false(cfg->desc.check);
	set_ok(cfg, "check", "TRUE");
	assert_true(cfg->desc.check);
	set_ok(cfg, "check", "0");
	assert_false(cfg->desc.check);
	set_fails(cfg, "check", "yes", "check: \"yes\" is not valid", "0, 1, false or true", NULL);
	set_ok(cfg, "seed", "0");
	assert_int_equal(cfg->desc.seed, 0);
	set_ok(cfg, "seed", "18446744073709551615");
	assert_int_equal(cfg->desc.seed, UINT64_MAX);
	set_ok(cfg, "seed", "0xdeadbeef");
	assert_int_equal(cfg->desc.seed, 0xdeadbeef);
	set_fails(cfg, "seed", "18446744073709551616", "64 bits", NULL);
	set_fails(cfg, "seed", "-3", "negative", NULL);
}

static void test_key_core(void **state)
{
	mmsim_config *cfg = *state;
	set_ok(cfg, "movablecore", "25%");
	assert_int_equal(cfg->desc.movablecore_percent, 25);
	assert_int_equal(cfg->desc.movablecore, 0);
	set_ok(cfg, "movablecore", "1G");
	assert_int_equal(cfg->desc.movablecore, GiB(1));
	assert_int_equal(cfg->desc.movablecore_percent, 0);
	set_ok(cfg, "kernelcore", "512M");
	assert_int_equal(cfg->desc.kernelcore, MiB(512));
	set_ok(cfg, "kernelcore", "100 %");
	assert_int_equal(cfg->desc.kernelcore_percent, 100);
	assert_int_equal(cfg->desc.kernelcore, 0);
	set_fails(cfg, "kernelcore", "101%", "kernelcore: 101% is more than 100%", NULL);
	set_fails(cfg, "movablecore", "10%%", "after the percentage", NULL);
	set_fails(cfg, "movablecore", "mirror", "is not a size", "or a percentage", NULL);
	set_fails(cfg, "movablecore", "1Q", "unknown size suffix", NULL);
}

static void test_key_sysctls(void **state)
{
	mmsim_config *cfg = *state;
	set_ok(cfg, "min_free_kbytes", "67584");
	assert_int_equal(cfg->desc.min_free_kbytes, 67584);
	set_ok(cfg, "min_free_kbytes", "0");
	assert_int_equal(cfg->desc.min_free_kbytes, 0);
	set_ok(cfg, "min_free_kbytes", "auto");
	assert_int_equal(cfg->desc.min_free_kbytes, -1);
	set_ok(cfg, "min_free_kbytes", "2147483647");
	set_fails(cfg, "min_free_kbytes", "2147483648", "expected 0..2147483647", NULL);
	set_fails(cfg, "min_free_kbytes", "-1", "negative", NULL);
	set_fails(cfg, "min_free_kbytes", "64M", "unexpected \"M\"", NULL);

	set_ok(cfg, "watermark_scale_factor", "1");
	set_ok(cfg, "watermark_scale_factor", "3000");
	assert_int_equal(cfg->desc.watermark_scale_factor, 3000);
	set_fails(cfg, "watermark_scale_factor", "0", "expected 1..3000", NULL);
	set_fails(cfg, "watermark_scale_factor", "3001", "expected 1..3000", NULL);

	set_ok(cfg, "percpu_pagelist_high_fraction", "0");
	set_ok(cfg, "percpu_pagelist_high_fraction", "8");
	assert_int_equal(cfg->desc.percpu_pagelist_high_fraction, 8);
	for (int v = 1; v < 8; v++) {
		char buf[4];
		snprintf(buf, sizeof(buf), "%d", v);
		set_fails(cfg, "percpu_pagelist_high_fraction", buf, "refused by Linux",
			  "expected 0 (default sizing) or 8..", NULL);
	}
	set_fails(cfg, "percpu_pagelist_high_fraction", "2147483648", "out of range", NULL);
}

static void test_key_lowmem_reserve_ratio(void **state)
{
	mmsim_config *cfg = *state;
	const struct machine_desc *d = &cfg->desc;

	set_ok(cfg, "lowmem_reserve_ratio", "128");
	assert_true(d->lowmem_reserve_ratio_set);
	static const unsigned int want1[NR_ZONE_TYPES] = { 128, 256, 32, 0, 0, 0 };
	assert_memory_equal(d->lowmem_reserve_ratio, want1, sizeof(want1));
	set_ok(cfg, "lowmem_reserve_ratio", "  1\t2 3 4 5 ");
	static const unsigned int want2[NR_ZONE_TYPES] = { 1, 2, 3, 4, 5, 0 };
	assert_memory_equal(d->lowmem_reserve_ratio, want2, sizeof(want2));
	set_fails(cfg, "lowmem_reserve_ratio", "1 2 3 4 5 6", "more than 5 values",
		  "DMA DMA32 Normal Movable Device", NULL);
	set_fails(cfg, "lowmem_reserve_ratio", "256 -1", "negative", NULL);
	set_fails(cfg, "lowmem_reserve_ratio", "256,256", "separated by blanks", NULL);
	set_fails(cfg, "lowmem_reserve_ratio", "", "no values", NULL);
	set_fails(cfg, "lowmem_reserve_ratio", "2147483648", "out of range", NULL);
	/* the values are per zone of the architecture: it must come first */
	set_fails(cfg, "arch", "i386", "arch must be set before lowmem_reserve_ratio", NULL);
	set_ok(cfg, "arch", "x86_64");
}

static void test_key_lowmem_i386(void **state)
{
	mmsim_config *cfg = *state;
	set_ok(cfg, "arch", "i386");
	set_fails(cfg, "lowmem_reserve_ratio", "256 256 32 0 0", "more than 4 values",
		  "DMA Normal HighMem Movable", NULL);
	set_ok(cfg, "lowmem_reserve_ratio", "256 32 0 0");
	static const unsigned int want[NR_ZONE_TYPES] = { 256, 32, 0, 0, 0, 0 };
	assert_memory_equal(cfg->desc.lowmem_reserve_ratio, want, sizeof(want));
}

static void test_key_range(void **state)
{
	mmsim_config *cfg = *state;
	const struct machine_desc *d = &cfg->desc;

	set_ok(cfg, "range", "0x100000000-0x13fffffff usable");
	set_ok(cfg, "range", "0x0-0x9fbff usable");
	set_ok(cfg, "range", "[mem 0x000000000009fc00-0x00000000000fffff] reserved");
	set_ok(cfg, "range", "0x100000 - 0xbfffffff   usable");
	set_ok(cfg, "range", "0xc0000000-0xc0000fff ACPI data");
	set_ok(cfg, "range", "0xc0001000-0xc0001fff ACPI NVS");
	set_ok(cfg, "range", "0xc0002000-0xc0002fff unusable");
	set_ok(cfg, "range", "0xc0003000-0xc0003fff persistent (type 7)");
	set_ok(cfg, "range", "0xc0004000-0xc0004fff persistent (type 12)");
	set_ok(cfg, "range", "0xc0005000-0xc0005fff soft reserved");
	set_ok(cfg, "range", "0xc0006000-0xc0006fff type 20");
	assert_int_equal(d->nr_ranges, 11);
	assert_false(d->map_from_firmware);
	assert_range(d, 0, 0, 0x9fbff, E820_TYPE_RAM);
	assert_range(d, 1, 0x9fc00, 0xfffff, E820_TYPE_RESERVED);
	assert_range(d, 2, 0x100000, 0xbfffffff, E820_TYPE_RAM);
	assert_range(d, 3, 0xc0000000, 0xc0000fff, E820_TYPE_ACPI);
	assert_range(d, 4, 0xc0001000, 0xc0001fff, E820_TYPE_NVS);
	assert_range(d, 5, 0xc0002000, 0xc0002fff, E820_TYPE_UNUSABLE);
	assert_range(d, 6, 0xc0003000, 0xc0003fff, E820_TYPE_PMEM);
	assert_range(d, 7, 0xc0004000, 0xc0004fff, E820_TYPE_PRAM);
	assert_range(d, 8, 0xc0005000, 0xc0005fff, E820_TYPE_SOFT_RESERVED);
	assert_range(d, 9, 0xc0006000, 0xc0006fff, 20);
	assert_range(d, 10, 0x100000000, 0x13fffffff, E820_TYPE_RAM);

	set_fails(cfg, "range", "0x9f000-0x9ffff reserved",
		  "range [mem 0x000000000009f000-0x000000000009ffff] reserved overlaps "
		  "[mem 0x0000000000000000-0x000000000009fbff] usable already in the map", NULL);
	set_fails(cfg, "range", "0x13ffff000-0x140000fff usable", "overlaps", NULL);
	set_fails(cfg, "range", "0x200000000-0x1ffffffff usable", "below the start",
		  "inclusive", NULL);
	set_fails(cfg, "range", "0x200000000 usable", "expected '-'", NULL);
	set_fails(cfg, "range", "0x200000000-", "expected an end address", NULL);
	set_fails(cfg, "range", "0x200000000-0x2ffffffff", "expected a range type", "usable",
		  "soft reserved", NULL);
	set_fails(cfg, "range", "0x200000000-0x2ffffffff RAM", "expected a range type", NULL);
	set_fails(cfg, "range", "0x200000000-0x2ffffffff usable now", "unexpected \"now\"",
		  NULL);
	set_fails(cfg, "range", "0x200000000-0x2ffffffff persistent (type 5)",
		  "expected a range type", NULL);
	set_fails(cfg, "range", "0x200000000-0x2ffffffff type", "expected a range type", NULL);
	set_fails(cfg, "range", "0x200000000-0x2ffffffff type 4294967296", "32 bits", NULL);
	set_fails(cfg, "range", "[mem 0x200000000-0x2ffffffff usable", "expected ']'", NULL);
	set_fails(cfg, "range", "[memory 0x200000000-0x2ffffffff] usable", "[mem START-END]",
		  NULL);
	set_fails(cfg, "range", "0x0-0xffffffffffffffff usable", "below 0xffffffffffffffff",
		  NULL);
	set_fails(cfg, "range", "0x400000000000-0x400000000fff usable",
		  "46-bit physical address limit of x86_64", NULL);
	set_ok(cfg, "range", "0x3fffff000000-0x3fffffffffff usable");
}

static void test_key_range_full(void **state)
{
	mmsim_config *cfg = *state;
	char buf[64];

	for (unsigned int i = 0; i < MAX_E820_ENTRIES; i++) {
		snprintf(buf, sizeof(buf), "0x%x-0x%x usable", i * 0x2000, i * 0x2000 + 0xfff);
		set_ok(cfg, "range", buf);
	}
	assert_int_equal(cfg->desc.nr_ranges, MAX_E820_ENTRIES);
	set_fails(cfg, "range", "0x10000000-0x1000ffff usable", "already has 128 ranges", NULL);
}

static void test_key_nodes(void **state)
{
	mmsim_config *cfg = *state;
	const struct machine_desc *d = &cfg->desc;
	struct mmsim_error e = { 0 };

	set_ok(cfg, "ram", "8G");
	set_fails(cfg, "node.1.range", "0x100000000-0x1ffffffff", "node.1.range: node 1 does "
		  "not exist: nodes is 1", "set nodes first", NULL);
	set_ok(cfg, "nodes", "2");
	set_ok(cfg, "node.0.range", "0x0-0xffffffff");
	/* one node given, the other missing: a set allows it, boot's validation does not */
	assert_int_equal(machine_desc_validate(d, &e), -EINVAL);
	assert_msg_has(&e, "node 1 has no range");
	set_ok(cfg, "node.1.range", "[mem 0x0000000100000000-0x00000001ffffffff]");
	assert_true(d->node_ranges_set);
	assert_int_equal(d->node_range[0].start, 0);
	assert_int_equal(d->node_range[0].end, GiB(4));
	assert_int_equal(d->node_range[1].start, GiB(4));
	assert_int_equal(d->node_range[1].end, GiB(8));
	assert_int_equal(machine_desc_validate(d, &e), 0);
	/* a node's range may be replaced, but not onto another node */
	set_ok(cfg, "node.1.range", "0x100000000-0x1fffffffe");
	set_fails(cfg, "node.1.range", "0xfffff000-0x1ffffffff", "overlaps node 0 range", NULL);
	set_fails(cfg, "node.0.range", "0x0-0xffffffff usable", "unexpected \"usable\"",
		  "just \"START-END\"", NULL);
	set_fails(cfg, "node.0.range", "0x0", "expected '-'", NULL);
	set_fails(cfg, "node.0.range", "0x0-0x400000000000", "46-bit", NULL);
	set_fails(cfg, "node.64.range", "0x0-0xfff", "N in 0..63", NULL);
	set_fails(cfg, "node.x.range", "0x0-0xfff", "node.N.range or node.N.distance", NULL);
	set_fails(cfg, "node.0range", "0x0-0xfff", "node.N.range", NULL);
	set_fails(cfg, "node.0.size", "1G", "unknown node key \"size\"", NULL);

	set_ok(cfg, "node.0.distance", "10 21");
	set_ok(cfg, "node.1.distance", "  21   10 ");
	assert_true(d->distance_set);
	assert_int_equal(d->distance[0][1], 21);
	assert_int_equal(d->distance[1][0], 21);
	assert_int_equal(d->distance[1][1], 10);
	set_ok(cfg, "node.1.distance", "0x20 10");
	assert_int_equal(d->distance[1][0], 32);
	set_fails(cfg, "node.0.distance", "10", "1 values; expected one distance per node "
		  "(nodes is 2)", NULL);
	set_fails(cfg, "node.0.distance", "10 20 20", "more than 2 values", NULL);
	set_fails(cfg, "node.0.distance", "20 10", "from node 0 to itself is 20",
		  "LOCAL_DISTANCE", NULL);
	set_fails(cfg, "node.0.distance", "10 10", "from node 0 to node 1 is 10",
		  "expected 11..255", NULL);
	set_fails(cfg, "node.0.distance", "10 256", "expected 11..255", NULL);
	set_fails(cfg, "node.0.distance", "10,20", "separated by blanks", NULL);
	set_fails(cfg, "node.0.distance", "10 far", "expected a distance", NULL);
	set_fails(cfg, "node.2.distance", "10 20", "node 2 does not exist", NULL);
	assert_int_equal(machine_desc_validate(d, &e), 0);
}

static void test_key_unknown(void **state)
{
	mmsim_config *cfg = *state;
	struct mmsim_error e = { 0 };

	set_fails(cfg, "rma", "4G", "unknown key \"rma\"", "did you mean \"ram\"?", "arch",
		  "lowmem_reserve_ratio", NULL);
	set_fails(cfg, "min_free_kbyte", "1", "did you mean \"min_free_kbytes\"?", NULL);
	set_fails(cfg, "RAM", "4G", "unknown key \"RAM\"", NULL);
	set_fails(cfg, "", "4G", "unknown key \"\"", NULL);
	set_fails(cfg, "swappiness", "60", "unknown key \"swappiness\"", NULL);
	assert_int_equal(mmsim_config_set(cfg, NULL, "1", &e), -EINVAL);
	assert_int_equal(mmsim_config_set(cfg, "ram", NULL, &e), -EINVAL);
	assert_int_equal(mmsim_config_set(NULL, "ram", "1G", &e), -EINVAL);
	assert_int_equal(mmsim_config_set(cfg, "ram", "1X", NULL), -EINVAL);	/* no err */
}

/* ---- e820 ---------------------------------------------------------------------------- */

static void check_host_map(const struct machine_desc *d)
{
	assert_int_equal(d->nr_ranges, 5);
	assert_true(d->map_from_firmware);
	assert_range(d, 0, 0x0, 0x9fbff, E820_TYPE_RAM);
	assert_range(d, 1, 0x9fc00, 0xfffff, E820_TYPE_RESERVED);
	assert_range(d, 2, 0x100000, 0xbfffffff, E820_TYPE_RAM);
	assert_range(d, 3, 0xeec00000, 0xfebfffff, E820_TYPE_RESERVED);
	assert_range(d, 4, 0x100000000, 0x63fffffff, E820_TYPE_RAM);
}

static void test_e820_host_dmesg(void **state)
{
	mmsim_config *cfg = *state;
	struct mmsim_error e = { 0 };
	uint64_t usable = 0;

	int rc = mmsim_config_load_e820(cfg, HOST_DMESG, &e);
	if (rc)
		fail_msg("%s:%d:%d: %s", e.file, e.line, e.column, e.msg);
	check_host_map(&cfg->desc);
	for (unsigned int i = 0; i < cfg->desc.nr_ranges; i++)
		if (cfg->desc.ranges[i].type == E820_TYPE_RAM)
			usable += cfg->desc.ranges[i].end - cfg->desc.ranges[i].start;
	/* 639 KiB + 3071 MiB + 21 GiB: the machine's 24 GiB */
	assert_int_equal(usable, 0x9fc00 + 0xbff00000 + 0x540000000ull);
	assert_int_equal(machine_desc_validate(&cfg->desc, &e), 0);
}

static void test_e820_example_and_key(void **state)
{
	mmsim_config *cfg = *state;
	struct mmsim_error e = { 0 };

	assert_int_equal(mmsim_config_load_e820(cfg, MMSIM_SOURCE_DIR "/examples/pc-24g.e820",
						&e), 0);
	check_host_map(&cfg->desc);
	/* the e820 key loads a file too, replacing the map */
	set_ok(cfg, "e820", write_file("one.e820",
				       "BIOS-e820: [mem 0x0-0x7fffffff] usable\n"));
	assert_int_equal(cfg->desc.nr_ranges, 1);
	set_ok(cfg, "e820", HOST_DMESG);
	check_host_map(&cfg->desc);
	struct machine_desc before = cfg->desc;
	assert_int_equal(mmsim_config_set(cfg, "e820", "/nonexistent/dmesg.txt", &e), -ENOENT);
	assert_string_equal(e.file, "/nonexistent/dmesg.txt");
	assert_msg_has(&e, "cannot open");
	assert_memory_equal(&before, &cfg->desc, sizeof(before));
	set_fails(cfg, "e820", "  ", "e820: expected the path", NULL);
}

static void test_e820_formats(void **state)
{
	mmsim_config *cfg = *state;
	struct mmsim_error e = { 0 };
	const char *path = write_file("formats.e820",
		"Linux version 6.18.0 (builder) #1 SMP\n"
		"BIOS-provided physical RAM map:\n"
		"BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\r\n"
		"kern  :info  : [    0.000000] BIOS-e820: [mem 0x00000000fed00000-0x00000000fed00fff] reserved\n"
		"Mar 03 host kernel: BIOS-e820: [mem 0x0000000000100000-0x000000007fffffff] usable\n"
		"[Mon Mar  3 10:00:00 2025] BIOS-e820: [mem 0x0000000080000000-0x000000008000ffff] ACPI data\n"
		"[    0.000000] BIOS-e820: [mem 0x0000000080010000-0x000000008001ffff] ACPI NVS\n"
		"[    0.000000] BIOS-e820: [mem 0x0000000080020000-0x000000008002ffff] unusable\n"
		"[    0.000000] BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] persistent (type 7)\n"
		"[    0.000000] BIOS-e820: [mem 0x0000000140000000-0x000000017fffffff] persistent (type 12)\n"
		"[    0.000000] BIOS-e820: [mem 0x0000000180000000-0x00000001bfffffff] soft reserved\n"
		"[    0.000000] BIOS-e820:   [mem 0x00000001c0000000-0x00000001c0000fff]   type 13   \n"
		"[    0.000394] e820: update [mem 0x00000000-0x00000fff] usable ==> reserved\n"
		"[    0.000396] e820: remove [mem 0x000a0000-0x000fffff] usable\n"
		"[    0.001875] Faking a node at [mem 0x0000000000000000-0x000000063fffffff]\n"
		"[    0.305636] e820: reserve RAM buffer [mem 0x0009fc00-0x0009ffff]");
	int rc = mmsim_config_load_e820(cfg, path, &e);
	if (rc)
		fail_msg("%d:%d: %s", e.line, e.column, e.msg);
	const struct machine_desc *d = &cfg->desc;
	assert_int_equal(d->nr_ranges, 10);
	assert_range(d, 0, 0, 0x9fbff, E820_TYPE_RAM);
	assert_range(d, 1, 0x100000, 0x7fffffff, E820_TYPE_RAM);
	assert_range(d, 2, 0x80000000, 0x8000ffff, E820_TYPE_ACPI);
	assert_range(d, 3, 0x80010000, 0x8001ffff, E820_TYPE_NVS);
	assert_range(d, 4, 0x80020000, 0x8002ffff, E820_TYPE_UNUSABLE);
	assert_range(d, 5, 0xfed00000, 0xfed00fff, E820_TYPE_RESERVED);
	assert_range(d, 6, 0x100000000, 0x13fffffff, E820_TYPE_PMEM);
	assert_range(d, 7, 0x140000000, 0x17fffffff, E820_TYPE_PRAM);
	assert_range(d, 8, 0x180000000, 0x1bfffffff, E820_TYPE_SOFT_RESERVED);
	assert_range(d, 9, 0x1c0000000, 0x1c0000fff, 13);
	assert_true(d->map_from_firmware);
	/* loading again replaces the map instead of adding to it */
	assert_int_equal(mmsim_config_load_e820(cfg, HOST_DMESG, &e), 0);
	check_host_map(d);
}

static void test_e820_errors(void **state)
{
	mmsim_config *cfg = *state;
	struct mmsim_error e = { 0 };
	char text[8192];

	/* the configuration holds a map of its own, which every failure must keep */
	set_ok(cfg, "range", "0x0-0xfffff usable");

	e820_fails(cfg, "nothing here\n[    0.0] e820: update [mem 0x0-0xfff] usable\n",
		   -EINVAL, 0, 0, "no \"BIOS-e820:\" line", "dmesg | grep BIOS-e820", NULL);
	e820_fails(cfg, "", -EINVAL, 0, 0, "no \"BIOS-e820:\" line", NULL);
	e820_fails(cfg, "line one\n[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff usable\n",
		   -EINVAL, 2, 70, "BIOS-e820 line: expected ']' after the end address", NULL);
	e820_fails(cfg, "[    0.000000] BIOS-e820: mem 0x0-0x9fbff usable\n", -EINVAL, 1, 27,
		   "expected \"[mem 0xSTART-0xEND] TYPE\"", NULL);
	e820_fails(cfg, "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] free\n",
		   -EINVAL, 1, 71, "expected a range type", "usable", "ACPI NVS", NULL);
	e820_fails(cfg, "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable !\n",
		   -EINVAL, 1, 78, "unexpected \"!\" after the range type", NULL);
	e820_fails(cfg, "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable!\n",
		   -EINVAL, 1, 71, "expected a range type", NULL);
	e820_fails(cfg, "[    0.000000] BIOS-e820: [mem 0x00000000000a0000-0x000000000009ffff] usable\n",
		   -EINVAL, 1, 32, "below the start", NULL);
	e820_fails(cfg, "[    0.000000] BIOS-e820: [mem zz-0x9ffff] usable\n",
		   -EINVAL, 1, 32, "expected a start address", NULL);
	e820_fails(cfg, "[    0.000000] BIOS-e820: [mem 0x0-0x9ffff]\n",
		   -EINVAL, 1, 44, "expected a range type", NULL);
	e820_fails(cfg, "[    0.000000] BIOS-e820: [mem 0x10000000000000000-0x2] usable\n",
		   -EINVAL, 1, 32, "64 bits", NULL);
	e820_fails(cfg, "[    0.000000] BIOS-e820: [mem 0x0-0x9ffff] persistent (type 3)\n",
		   -EINVAL, 1, 0, "expected a range type", NULL);
	/* overlaps name both lines, whatever their order in the file */
	e820_fails(cfg,
		   "BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] usable\n"
		   "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
		   "BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved\n"
		   "BIOS-e820: [mem 0x0000000000000000-0x00000000000fffff] reserved\n",
		   -EINVAL, 4, 0, "on line 4 overlaps", "on line 2",
		   "[mem 0x0000000000000000-0x000000000009fbff] usable", NULL);
	e820_fails(cfg,
		   "BIOS-e820: [mem 0x0000000000000000-0x00000000ffffffff] usable\n"
		   "BIOS-e820: [mem 0x0000000000100000-0x00000000001fffff] reserved\n"
		   "BIOS-e820: [mem 0x0000000080000000-0x00000000800fffff] ACPI data\n",
		   -EINVAL, 2, 0, "on line 2 overlaps", "on line 1", NULL);
	e820_fails(cfg,
		   "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
		   "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n",
		   -EINVAL, 2, 0, "two boots", NULL);
	e820_fails(cfg, "BIOS-e820: [mem 0x0000400000000000-0x0000400000000fff] usable\n",
		   -EINVAL, 1, 0, "46-bit physical address limit", NULL);
	/* more lines than the map holds */
	size_t len = 0;
	for (unsigned int i = 0; i <= MAX_E820_ENTRIES; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"BIOS-e820: [mem 0x%x-0x%x] usable\n", i * 0x2000,
					i * 0x2000 + 0xfff);
	e820_fails(cfg, text, -EINVAL, MAX_E820_ENTRIES + 1, 1, "more than 128 BIOS-e820 lines",
		   NULL);
	/* a very long line is skipped unless it claims to be an e820 line */
	memset(text, 'x', 6000);
	strcpy(text + 6000, "\nBIOS-e820: [mem 0x0-0xfffff] usable\n");
	const char *path = write_file("long.e820", text);
	assert_int_equal(mmsim_config_load_e820(cfg, path, &e), 0);
	assert_int_equal(cfg->desc.nr_ranges, 1);
	memcpy(text, "BIOS-e820: ", 11);
	e820_fails(cfg, text, -EINVAL, 1, 0, "longer than 4095 characters", NULL);
	/* files that are not there or are not files */
	struct machine_desc before = cfg->desc;
	assert_int_equal(mmsim_config_load_e820(cfg, "/nonexistent.e820", &e), -ENOENT);
	assert_string_equal(e.file, "/nonexistent.e820");
	assert_msg_has(&e, "cannot open");
	assert_int_equal(mmsim_config_load_e820(cfg, tmpdir, &e), -EINVAL);
	assert_msg_has(&e, "is a directory");
	assert_int_equal(mmsim_config_load_e820(cfg, "/dev/zero", &e), -EINVAL);
	assert_msg_has(&e, "is a device");
	assert_int_equal(mmsim_config_load_e820(NULL, HOST_DMESG, &e), -EINVAL);
	assert_int_equal(mmsim_config_load_e820(cfg, NULL, &e), -EINVAL);
	assert_memory_equal(&before, &cfg->desc, sizeof(before));
}

static void test_e820_i386_limit(void **state)
{
	mmsim_config *cfg = *state;
	set_ok(cfg, "arch", "i386");
	e820_fails(cfg, "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
		   "BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] usable\n",
		   -EINVAL, 2, 0, "32-bit physical address limit of i386", NULL);
}

/* ---- INI files ----------------------------------------------------------------------- */

static void test_ini_full(void **state)
{
	mmsim_config *cfg = *state;
	const struct machine_desc *d = &cfg->desc;

	ini_ok(cfg,
	       "; a machine\n"
	       "# another comment style\n"
	       "\n"
	       "[machine]\n"
	       "arch = x86_64\n"
	       "nodes = 2   ; inline comment\n"
	       "cpus: 8\n"
	       "memory_model = flat\n"
	       "seed = 42\n"
	       "[kernel]  \n"
	       "movablecore = 10%\n"
	       "kernelcore = 2G\n"
	       "min_free_kbytes = 8192\n"
	       "watermark_scale_factor = 150\n"
	       "lowmem_reserve_ratio = 256 256 64 0 0\n"
	       "thp = never\n"
	       "percpu_pagelist_high_fraction = 16\n"
	       "[memory]\n"
	       "range = 0x100000-0x7fffffff usable\n"
	       "range = 0x0-0x9fbff usable\n"
	       "range = [mem 0x0000000100000000-0x000000017fffffff] usable\n"
	       "range = 0xfec00000-0xfecfffff reserved\n"
	       "[node 0]\n"
	       "range = 0x0-0xffffffff\n"
	       "distance = 10 30\n"
	       "[ node   1 ]\n"
	       "range = 0x100000000-0x17fffffff\n"
	       "distance = 30 10\n");
	assert_string_equal(d->arch->name, "x86_64");
	assert_int_equal(d->nr_nodes, 2);
	assert_int_equal(d->nr_cpus, 8);
	assert_int_equal(d->memory_model, MEMORY_MODEL_FLAT);
	assert_int_equal(d->seed, 42);
	assert_int_equal(d->movablecore_percent, 10);
	assert_int_equal(d->kernelcore, GiB(2));
	assert_int_equal(d->min_free_kbytes, 8192);
	assert_int_equal(d->watermark_scale_factor, 150);
	assert_int_equal(d->lowmem_reserve_ratio[2], 64);
	assert_int_equal(d->thp, THP_NEVER);
	assert_int_equal(d->percpu_pagelist_high_fraction, 16);
	assert_int_equal(d->nr_ranges, 4);
	assert_false(d->map_from_firmware);
	assert_range(d, 0, 0, 0x9fbff, E820_TYPE_RAM);
	assert_range(d, 1, 0x100000, 0x7fffffff, E820_TYPE_RAM);
	assert_range(d, 2, 0xfec00000, 0xfecfffff, E820_TYPE_RESERVED);
	assert_range(d, 3, 0x100000000, 0x17fffffff, E820_TYPE_RAM);
	assert_int_equal(d->node_range[1].start, GiB(4));
	assert_int_equal(d->node_range[1].end, GiB(6));
	assert_int_equal(d->distance[0][1], 30);
	assert_int_equal(d->distance[1][0], 30);
}

static void test_ini_examples(void **state)
{
	mmsim_config *cfg = *state;
	struct mmsim_error e = { 0 };
	int rc = mmsim_config_load_ini(cfg, MMSIM_SOURCE_DIR "/examples/numa2.ini", &e);
	if (rc)
		fail_msg("%s:%d:%d: %s", e.file, e.line, e.column, e.msg);
	const struct machine_desc *d = &cfg->desc;
	uint64_t usable = 0;
	for (unsigned int i = 0; i < d->nr_ranges; i++)
		if (d->ranges[i].type == E820_TYPE_RAM)
			usable += d->ranges[i].end - d->ranges[i].start;
	assert_int_equal(d->nr_nodes, 2);
	assert_int_equal(usable, 0x9fc00 + 0xbff00000 + GiB(5));
	assert_true(usable > GiB(8) - MiB(2) && usable <= GiB(8));
	assert_int_equal(d->node_range[1].end, 0x240000000);
	assert_int_equal(d->distance[0][1], 21);

	mmsim_config *c2;
	assert_int_equal(mmsim_config_new(&c2), 0);
	rc = mmsim_config_load_ini(c2, MMSIM_SOURCE_DIR "/examples/i386-2g.ini", &e);
	if (rc)
		fail_msg("%s:%d:%d: %s", e.file, e.line, e.column, e.msg);
	assert_string_equal(c2->desc.arch->name, "i386");
	assert_int_equal(c2->desc.ram_size, GiB(2));
	assert_int_equal(c2->desc.memory_model, MEMORY_MODEL_FLAT);
	assert_true(c2->desc.lowmem_reserve_ratio_set);
	assert_int_equal(c2->desc.lowmem_reserve_ratio[1], 32);
	mmsim_config_free(c2);
}

static void test_ini_e820_relative(void **state)
{
	mmsim_config *cfg = *state;
	struct mmsim_error e = { 0 };

	write_file("rel.e820", "BIOS-e820: [mem 0x0-0x9fbff] usable\n"
		   "BIOS-e820: [mem 0x100000-0x3fffffff] usable\n");
	ini_ok(cfg, "[machine]\ne820 = rel.e820\n[memory]\nrange = 0x40000000-0x7fffffff usable\n");
	assert_int_equal(cfg->desc.nr_ranges, 3);
	assert_true(cfg->desc.map_from_firmware);
	assert_range(&cfg->desc, 2, 0x40000000, 0x7fffffff, E820_TYPE_RAM);

	mmsim_config *c2;
	assert_int_equal(mmsim_config_new(&c2), 0);
	ini_ok(c2, "[machine]\ne820 = " HOST_DMESG "\n");
	check_host_map(&c2->desc);
	/* errors inside the e820 file name that file, and the INI line that named it */
	write_file("broken.e820", "ok\nBIOS-e820: [mem 0x0-0x9fbff] usabel\n");
	const char *ini = write_file("e.ini", "[machine]\n\ne820 = broken.e820\n");
	struct machine_desc before = c2->desc;
	assert_int_equal(mmsim_config_load_ini(c2, ini, &e), -EINVAL);
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.file, "broken.e820"));
	assert_msg_has(&e, "expected a range type");
	assert_msg_has(&e, "line 3 of");
	assert_memory_equal(&before, &c2->desc, sizeof(before));
	ini = write_file("e.ini", "[machine]\ne820 = missing.e820\n");
	assert_int_equal(mmsim_config_load_ini(c2, ini, &e), -ENOENT);
	assert_msg_has(&e, "cannot open");
	assert_msg_has(&e, "line 2 of");
	assert_memory_equal(&before, &c2->desc, sizeof(before));
	mmsim_config_free(c2);
}

static void test_ini_errors(void **state)
{
	mmsim_config *cfg = *state;

	ini_fails(cfg, "[machine]\nram = 4G\n[machin]\narch = x86_64\n", 3,
		  "unknown section [machin]", "[machine], [kernel], [memory] or [node N]", NULL);
	ini_fails(cfg, "[machine]\n[empty]\n", 2, "unknown section [empty]", NULL);
	ini_fails(cfg, "[node 64]\nrange = 0x0-0xfff\n", 1, "N in 0..63", NULL);
	ini_fails(cfg, "[node]\n", 1, "unknown section [node]", NULL);
	ini_fails(cfg, "[nodes 1]\n", 1, "unknown section", NULL);
	ini_fails(cfg, "[machine\nram = 4G\n", 1, "without ']'", NULL);
	ini_fails(cfg, "[machine] extra\n", 1, "after the section header", NULL);
	ini_fails(cfg, "[machine]\nseed = 4\n  [kernel]\n", 3, "indented section header", NULL);
	ini_fails(cfg, "[machine]\nrma = 4G\n", 2, "unknown key \"rma\" in [machine]",
		  "did you mean \"ram\"?", "arch, ram, nodes", NULL);
	ini_fails(cfg, "[kernel]\nram = 4G\n", 2, "unknown key \"ram\" in [kernel]",
		  "\"ram\" belongs in [machine]", NULL);
	ini_fails(cfg, "[machine]\nthp = never\n", 2, "belongs in [kernel]", NULL);
	ini_fails(cfg, "[memory]\ndistance = 10\n", 2, "belongs in [node N]", NULL);
	ini_fails(cfg, "[machine]\ncheck = 1\n", 2, "is an option", NULL);
	ini_fails(cfg, "ram = 4G\n[machine]\n", 1, "outside any section", NULL);
	ini_fails(cfg, "[machine]\nram = 4G\ncpus = 2\nram = 8G\n", 4, "ram is given twice",
		  "first on line 2", NULL);
	ini_fails(cfg, "[machine]\nnodes=2\n[node 1]\nrange = 0x0-0xfff\n[node 1]\n"
		  "range = 0x1000-0x1fff\n", 6, "given twice", NULL);
	ini_fails(cfg, "[machine]\njust some words\n", 2, "expected \"key = value\"", NULL);
	ini_fails(cfg, "[machine]\nram = 4G\n  cpus\n", 3, "would continue the value of \"ram\"",
		  "remove the indentation", NULL);
	ini_fails(cfg, "[memory]\nrange = 0x0-0xfff usable\n  range = 0x1000-0x1fff usable\n", 3,
		  "would continue", NULL);
	ini_fails(cfg, "[machine]\nram = 4X\n", 2, "ram: \"4X\" is not a size", NULL);
	ini_fails(cfg, "[machine]\ncpus = 1000\n", 2, "cpus: 1000 is out of range", NULL);
	ini_fails(cfg, "[kernel]\nwatermark_scale_factor = 5000\n", 2, "expected 1..3000", NULL);
	ini_fails(cfg, "[node 1]\nrange = 0x0-0xfff\n[machine]\nnodes = 2\n", 2,
		  "node 1 does not exist: nodes is 1", "nodes in [machine] before", NULL);
	ini_fails(cfg, "[node 1]\ndistance = 20 10\n", 2, "node 1 does not exist", NULL);
	ini_fails(cfg, "[machine]\nnodes = 2\n[node 0]\nrange = 0x0-0xfffff\n", 0,
		  "node 1 has no range", NULL);
	ini_fails(cfg, "[machine]\nnodes = 2\n[node 0]\ndistance = 10 20 30\n", 2 + 2,
		  "more than 2 values", NULL);
	ini_fails(cfg, "[memory]\nrange = 0x0-0xfffff usable\nrange = 0x80000-0x8ffff reserved\n",
		  3, "overlaps", "given on line 2", NULL);
	ini_fails(cfg, "[memory]\nrange = 0x0-0xfffff reserved\n", 0, "no usable range", NULL);
	ini_fails(cfg, "[machine]\nram = 4G\n[memory]\nrange = 0x0-0xfffff usable\n", 2,
		  "cannot be combined with a memory map", NULL);
	ini_fails(cfg, "[memory]\nrange = 0x0-0xfffff usable\n[machine]\ne820 = x.e820\n", 4,
		  "would replace the memory range given on line 2", NULL);
	ini_fails(cfg, "[machine]\narch = x86_64\nram = 4G ; ok\nseed = 1 # not a comment\n", 4,
		  "inline comments start with ';'", NULL);
	/* a NUL byte cannot be in an INI file (inih would stop reading the line there) */
	struct machine_desc before = cfg->desc;
	struct mmsim_error e = { 0 };
	static const char nul[] = "[machine]\ncpus = 1\0\nram = 1G\n";
	const char *path = write_file("nul.ini", "");
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(nul, 1, sizeof(nul) - 1, f), sizeof(nul) - 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(mmsim_config_load_ini(cfg, path, &e), -EINVAL);
	assert_int_equal(e.line, 2);
	assert_msg_has(&e, "NUL byte");
	assert_memory_equal(&before, &cfg->desc, sizeof(before));
}

static void test_ini_error_columns(void **state)
{
	mmsim_config *cfg = *state;
	struct mmsim_error e = { 0 };
	const char *path;

	path = write_file("col.ini", "[machine]\nram =   4X\n");
	assert_int_equal(mmsim_config_load_ini(cfg, path, &e), -EINVAL);
	assert_int_equal(e.line, 2);
	assert_int_equal(e.column, 10);		/* the 'X' */
	path = write_file("col.ini", "[memory]\nrange = 0x0-0xfff usable\n"
			  "range = 0x1000-0x1fff usabel\n");
	assert_int_equal(mmsim_config_load_ini(cfg, path, &e), -EINVAL);
	assert_int_equal(e.line, 3);
	assert_int_equal(e.column, 23);		/* the type */
	path = write_file("col.ini", "[machine]\nnodes = 3\n[node 2]\ndistance = 20 20 11\n");
	assert_int_equal(mmsim_config_load_ini(cfg, path, &e), -EINVAL);
	assert_int_equal(e.line, 4);
	assert_int_equal(e.column, 18);		/* the 11 */
	assert_msg_has(&e, "to itself is 11");
	path = write_file("col.ini", "[machine]\nbogus = 1\n");
	assert_int_equal(mmsim_config_load_ini(cfg, path, &e), -EINVAL);
	assert_int_equal(e.column, 1);
	char buf[600];
	mmsim_error_format(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf, ":2:1: unknown key \"bogus\""));
}

static void test_ini_distance_continuation(void **state)
{
	mmsim_config *cfg = *state;
	char text[20000], row[512];
	size_t len;

	/* 64 nodes: a distance row does not fit inih's line, so it goes on indented lines */
	len = (size_t)snprintf(text, sizeof(text), "[machine]\nnodes = 64\nram = 64G\n");
	for (unsigned int n = 0; n < 64; n++) {
		size_t r = 0;
		for (unsigned int j = 0; j < 64; j++)
			r += (size_t)snprintf(row + r, sizeof(row) - r, "%s%u%s",
					      j == 32 ? "\n    " : j ? " " : "",
					      j == n ? 10 : 20 + (n + j) % 10,
					      "");
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"[node %u]\ndistance = %s\n", n, row);
		if (len >= sizeof(text) - 600)
			break;
	}
	/* at least a few nodes' rows were written; the rest keep their defaults */
	ini_ok(cfg, text);
	assert_int_equal(cfg->desc.nr_nodes, 64);
	assert_int_equal(cfg->desc.distance[0][63], 20 + 63 % 10);
	assert_int_equal(cfg->desc.distance[1][33], 20 + 34 % 10);
	assert_int_equal(cfg->desc.distance[1][1], 10);
	assert_true(cfg->desc.distance_set);
	/* an error in a continued row points at the row's first line */
	mmsim_config *c2;
	assert_int_equal(mmsim_config_new(&c2), 0);
	ini_fails(c2, "[machine]\nnodes = 3\n[node 0]\ndistance = 10 20\n   5\n", 4,
		  "to node 2 is 5", NULL);
	ini_ok(c2, "[machine]\nnodes = 3\n[node 0]\ndistance = 10 20\n   \t 30 ; comment\n"
	       "; a comment line does not end the row\n  \n");
	assert_int_equal(c2->desc.distance[0][2], 30);
	/* one line too long for inih is refused, not cut */
	memset(row, '0', 300);
	row[300] = '\0';
	snprintf(text, sizeof(text), "[machine]\nseed = %s\n", row);
	ini_fails(c2, text, 2, "longer than 198 characters", NULL);
	mmsim_config_free(c2);
}

static void test_ini_files(void **state)
{
	mmsim_config *cfg = *state;
	struct mmsim_error e = { 0 };
	struct machine_desc before = cfg->desc;

	assert_int_equal(mmsim_config_load_ini(cfg, "/nonexistent/machine.ini", &e), -ENOENT);
	assert_string_equal(e.file, "/nonexistent/machine.ini");
	assert_msg_has(&e, "cannot open");
	assert_int_equal(mmsim_config_load_ini(cfg, tmpdir, &e), -EINVAL);
	assert_msg_has(&e, "is a directory");
	assert_int_equal(mmsim_config_load_ini(NULL, "x", &e), -EINVAL);
	assert_int_equal(mmsim_config_load_ini(cfg, NULL, &e), -EINVAL);
	assert_memory_equal(&before, &cfg->desc, sizeof(before));
	/* an empty file, or only comments, changes nothing and is fine */
	ini_ok(cfg, "");
	ini_ok(cfg, "; nothing\n\n# at all\n[machine]\n");
	assert_memory_equal(&before, &cfg->desc, sizeof(before));
	/* a byte order mark is allowed */
	ini_ok(cfg, "\xEF\xBB\xBF[machine]\ncpus = 3\n");
	assert_int_equal(cfg->desc.nr_cpus, 3);
}

/* ---- GFP masks ----------------------------------------------------------------------- */

static void test_gfp_parse(void **state)
{
	static const struct { const char *text; unsigned int mask; } good[] = {
		{ "GFP_KERNEL", MMSIM_GFP_KERNEL },
		{ "GFP_KERNEL|__GFP_ZERO", MMSIM_GFP_KERNEL | MMSIM_GFP_ZERO },
		{ " GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN ",
		  MMSIM_GFP_KERNEL | MMSIM_GFP_ZERO | MMSIM_GFP_NOWARN },
		{ "GFP_USER", MMSIM_GFP_USER },
		{ "GFP_HIGHUSER", MMSIM_GFP_HIGHUSER },
		{ "GFP_HIGHUSER_MOVABLE", MMSIM_GFP_HIGHUSER_MOVABLE },
		{ "GFP_ATOMIC", MMSIM_GFP_ATOMIC },
		{ "GFP_NOWAIT", MMSIM_GFP_NOWAIT },
		{ "GFP_DMA", MMSIM_GFP_DMA },
		{ "GFP_DMA32", MMSIM_GFP_DMA32 },
		{ "__GFP_DMA", MMSIM_GFP_DMA },
		{ "__GFP_DMA32", MMSIM_GFP_DMA32 },
		{ "__GFP_HIGHMEM", MMSIM_GFP_HIGHMEM },
		{ "__GFP_MOVABLE", MMSIM_GFP_MOVABLE },
		{ "__GFP_RECLAIMABLE", MMSIM_GFP_RECLAIMABLE },
		{ "__GFP_COMP", MMSIM_GFP_COMP },
		{ "__GFP_HIGH", MMSIM_GFP_HIGH },
		{ "__GFP_NORETRY", MMSIM_GFP_NORETRY },
		{ "__GFP_NOFAIL", MMSIM_GFP_NOFAIL },
		{ "__GFP_THISNODE", MMSIM_GFP_THISNODE },
		{ "__GFP_RETRY_MAYFAIL", MMSIM_GFP_RETRY_MAYFAIL },
		{ "__GFP_RECLAIM", MMSIM_GFP_RECLAIM },
		{ "__GFP_IO|__GFP_FS", MMSIM_GFP_IO | MMSIM_GFP_FS },
		{ "__GFP_ACCOUNT|__GFP_HARDWALL|__GFP_WRITE|__GFP_MEMALLOC|__GFP_NOMEMALLOC",
		  MMSIM_GFP_ACCOUNT | MMSIM_GFP_HARDWALL | MMSIM_GFP_WRITE | MMSIM_GFP_MEMALLOC |
		  MMSIM_GFP_NOMEMALLOC },
		{ "GFP_NOIO", MMSIM_GFP_RECLAIM },
		{ "GFP_NOFS", MMSIM_GFP_RECLAIM | MMSIM_GFP_IO },
		{ "GFP_KERNEL_ACCOUNT", MMSIM_GFP_KERNEL | MMSIM_GFP_ACCOUNT },
		{ "GFP_TRANSHUGE_LIGHT", (MMSIM_GFP_HIGHUSER_MOVABLE | MMSIM_GFP_COMP |
					  MMSIM_GFP_NOMEMALLOC | MMSIM_GFP_NOWARN) &
					 ~MMSIM_GFP_RECLAIM },
		{ "GFP_TRANSHUGE", ((MMSIM_GFP_HIGHUSER_MOVABLE | MMSIM_GFP_COMP |
				     MMSIM_GFP_NOMEMALLOC | MMSIM_GFP_NOWARN) &
				    ~MMSIM_GFP_RECLAIM) | MMSIM_GFP_DIRECT_RECLAIM },
		{ "0xcc0", 0xcc0 },
		{ "0", 0 },
		{ "GFP_KERNEL|0x100", MMSIM_GFP_KERNEL | MMSIM_GFP_ZERO },
	};
	static const char *const bad_masks[] = {
		"", "   ", "GFP_KERNAL", "gfp_kernel", "GFP_KERNEL|", "|GFP_KERNEL",
		"GFP_KERNEL||__GFP_ZERO", "GFP_KERNEL __GFP_ZERO", "GFP_KERNEL+__GFP_ZERO",
		"0x200", "0x1000000", "99999999999999999999", "__GFP_ZEROTAGS", "0xzz",
	};
	(void)state;
	/* Linux's values for the common masks (gfp_types.h, 6.18) */
	assert_int_equal(MMSIM_GFP_KERNEL, 0xcc0);
	assert_int_equal(MMSIM_GFP_HIGHUSER_MOVABLE, 0x100cca);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		unsigned int m = 0xdead;
		int rc = mmsim_gfp_parse(good[i].text, &m);
		if (rc || m != good[i].mask)
			fail_msg("\"%s\": rc %d mask %#x, expected %#x", good[i].text, rc, m,
				 good[i].mask);
	}
	for (size_t i = 0; i < sizeof(bad_masks) / sizeof(bad_masks[0]); i++) {
		unsigned int m = 0xdead;
		if (mmsim_gfp_parse(bad_masks[i], &m) != -EINVAL || m != 0xdead)
			fail_msg("\"%s\" was accepted or changed the mask", bad_masks[i]);
	}
	unsigned int m = 0;
	assert_int_equal(mmsim_gfp_parse(NULL, &m), -EINVAL);
	assert_int_equal(mmsim_gfp_parse("GFP_KERNEL", NULL), -EINVAL);
}

#define CFG_TEST(fn) cmocka_unit_test_setup_teardown(fn, cfg_setup, cfg_teardown)

/* paging and tlb: formats of the arch (also arch-relative names), TLB presets and geometries. */
static void test_mmu_keys(void **state)
{
	(void)state;
	mmsim_config *cfg = NULL;
	assert_int_equal(mmsim_config_new(&cfg), 0);
	set_ok(cfg, "paging", "x86_64-5level");
	assert_string_equal(cfg->desc.paging->name, "x86_64-5level");
	set_ok(cfg, "paging", "4level");
	assert_string_equal(cfg->desc.paging->name, "x86_64-4level");
	set_fails(cfg, "paging", "arm64-4k-48", "arm64-4k-48 is a format of arm64", "x86_64",
		  NULL);
	set_fails(cfg, "paging", "6level", "unknown page-table format", "x86_64-4level",
		  "x86_64-5level", NULL);
	/* the arch cannot change under a format of another arch */
	set_fails(cfg, "arch", "arm64", "arch must be set before paging", NULL);
	mmsim_config_free(cfg);

	assert_int_equal(mmsim_config_new(&cfg), 0);
	set_ok(cfg, "arch", "i386");
	set_ok(cfg, "paging", "3level");
	assert_string_equal(cfg->desc.paging->name, "i386-pae");
	set_ok(cfg, "paging", "pae");
	mmsim_config_free(cfg);

	assert_int_equal(mmsim_config_new(&cfg), 0);
	set_ok(cfg, "arch", "arm64");
	set_ok(cfg, "paging", "16k-47");
	assert_string_equal(cfg->desc.paging->name, "arm64-16k-47");
	set_ok(cfg, "tlb", "cortex-a76");
	assert_true(cfg->desc.tlb_set);
	assert_string_equal(cfg->desc.tlb.preset, "cortex-a76");
	set_ok(cfg, "tlb", "l1d=64x4:4k; l2=none");
	/* the TLB parser's column carries into the message */
	set_fails(cfg, "tlb", "l1d=60x4:4k", "tlb:", "power of two", NULL);
	set_fails(cfg, "tlb", "nonesuch", "tlb:", NULL);
	mmsim_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		CFG_TEST(test_defaults),
		cmocka_unit_test(test_e820_type_names),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_sizes),
		CFG_TEST(test_key_arch),
		CFG_TEST(test_key_arch_ram_limit),
		CFG_TEST(test_key_ram),
		CFG_TEST(test_key_nodes_cpus),
		CFG_TEST(test_key_words),
		CFG_TEST(test_key_core),
		CFG_TEST(test_key_sysctls),
		CFG_TEST(test_key_lowmem_reserve_ratio),
		CFG_TEST(test_key_lowmem_i386),
		CFG_TEST(test_key_range),
		CFG_TEST(test_key_range_full),
		CFG_TEST(test_key_nodes),
		CFG_TEST(test_key_unknown),
		CFG_TEST(test_e820_host_dmesg),
		CFG_TEST(test_e820_example_and_key),
		CFG_TEST(test_e820_formats),
		CFG_TEST(test_e820_errors),
		CFG_TEST(test_e820_i386_limit),
		CFG_TEST(test_ini_full),
		CFG_TEST(test_ini_examples),
		CFG_TEST(test_ini_e820_relative),
		CFG_TEST(test_ini_errors),
		CFG_TEST(test_ini_error_columns),
		CFG_TEST(test_ini_distance_continuation),
		CFG_TEST(test_ini_files),
		cmocka_unit_test(test_gfp_parse),
		cmocka_unit_test(test_mmu_keys),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

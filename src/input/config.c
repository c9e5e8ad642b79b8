/*
 * The public machine-description API (mmsim_config_*): option keys, INI files read with
 * libinih, and the kernel's "BIOS-e820:" boot lines.
 *
 * Linux counterpart: the values mean what the kernel's boot parameters and vm sysctls mean
 * (kernelcore=/movablecore= as in mm/mm_init.c cmdline_parse_core, the sysctl limits of
 * mm/page_alloc.c); the e820 reader parses what arch/x86/kernel/e820.c e820__print_table()
 * prints. Left out: kernelcore=mirror, memmap= syntax ('@', '#', '$', '!' forms).
 *
 * Every entry point works on a copy of the description and commits it only when the whole
 * input was good, so a failed call changes nothing. Errors name the key, the file, line and
 * column where one exists, and say what was expected.
 */
#include "block/blkdev.h"
#include "input/config.h"
#include "hw/machine_desc.h"
#include "mm/policy/policy.h"
#include "util/error.h"
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define LOCAL_DISTANCE 10
#define MAX_DISTANCE 255		/* node distances are u8 in Linux (numa_distance[]) */
#define MIN_PERCPU_PAGELIST_HIGH_FRACTION 8
#define MAX_WATERMARK_SCALE_FACTOR 3000
#define LINE_MAX_E820 4096		/* longer lines are not dmesg lines (LOG_LINE_MAX 1024) */
#define SIZE_EXAMPLES "a size such as 4G, 4GiB, 512M, 65536K, 4294967296 or 0x100000000"
#define E820_TYPES "usable, reserved, ACPI data, ACPI NVS, unusable, persistent (type 7), " \
	"persistent (type 12), soft reserved or type N"

/* How the kernel prints a range: inclusive end, 16 hex digits (e820__print_table). */
#define MEM_FMT "[mem 0x%016" PRIx64 "-0x%016" PRIx64 "]"
#define MEM_ARG(s, e) (uint64_t)(s), (uint64_t)((e) - 1)

/* ---- where a value came from, for messages ------------------------------------------ */

/* Invariant: line == 0 and col == 0 when file is NULL (an option has no place). */
struct where {
	const char *file;	/* NULL for an option */
	int line;		/* 0 for an option */
	int col;		/* 1-based column of the value's first character; 0 unknown */
	const char *key;	/* the key as the user wrote it */
	const char *dir;	/* directory relative e820 paths start from; NULL = cwd */
	int *range_line;	/* per map range, the INI line that gave it (0 = e820), or NULL */
	struct mmsim_error *err;
};

/* Report a bad value at byte offset at of the value: "key: message". Returns -EINVAL. */
__attribute__((format(printf, 3, 4)))
static int bad(const struct where *w, size_t at, const char *fmt, ...)
{
	char msg[480];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(w->err, -EINVAL, w->file, w->line, w->col ? w->col + (int)at : 0,
		       "%s: %s", w->key, msg);
}

/* ---- scanning values ------------------------------------------------------------- */

/* A cursor over a NUL-terminated value; pos <= strlen(s) at all times. */
struct scan {
	const char *s;
	size_t pos;
	char why[160];		/* after a failed scan: what was expected at pos */
};

static bool is_space(char c)
{
	return isspace((unsigned char)c) != 0;
}

static void skip_ws(struct scan *sc)
{
	while (is_space(sc->s[sc->pos]))
		sc->pos++;
}

/* True when only blanks are left (pos is moved past them). */
static bool at_end(struct scan *sc)
{
	skip_ws(sc);
	return sc->s[sc->pos] == '\0';
}

/* The complaint about text left after a value, with a hint for '#' comments. */
static void why_trailing(struct scan *sc, const char *after)
{
	const char *rest = sc->s + sc->pos;
	int len = 0;

	for (int i = 0; i < 32 && rest[i] && rest[i] != '\n' && rest[i] != '\r'; i++)
		if (!is_space(rest[i]))
			len = i + 1;
	snprintf(sc->why, sizeof(sc->why), "unexpected \"%.*s\" after %s%s", len, rest, after,
		 rest[0] == '#' ? " (INI inline comments start with ';')" : "");
}

static int digit_value(char c, unsigned int base)
{
	int v = isdigit((unsigned char)c) ? c - '0'
		: isxdigit((unsigned char)c) ? tolower((unsigned char)c) - 'a' + 10 : -1;
	return v >= 0 && (unsigned int)v < base ? v : -1;
}

/* Scan a decimal or 0x-hexadecimal number; what names it in the complaint. */
static bool scan_number(struct scan *sc, uint64_t *v, const char *what)
{
	const char *p = sc->s + sc->pos;
	unsigned int base = 10;
	uint64_t x = 0;
	size_t n = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2], 16) >= 0) {
		base = 16;
		p += 2;
	}
	for (int d; (d = digit_value(p[n], base)) >= 0; n++) {
		if (x > (UINT64_MAX - (uint64_t)d) / base) {
			snprintf(sc->why, sizeof(sc->why), "%s does not fit in 64 bits", what);
			return false;
		}
		x = x * base + (uint64_t)d;
	}
	if (n == 0) {
		snprintf(sc->why, sizeof(sc->why), "expected %s (a decimal or 0x number)", what);
		return false;
	}
	sc->pos = (size_t)(p - sc->s) + n;
	*v = x;
	return true;
}

/* Scan a size: number, optional blanks, optional K/M/G/T, optional iB or B. */
static bool scan_size(struct scan *sc, uint64_t *bytes)
{
	size_t start = sc->pos;
	uint64_t x;
	unsigned int shift = 0;

	if (!scan_number(sc, &x, "a size")) {
		if (!strstr(sc->why, "64 bits"))
			snprintf(sc->why, sizeof(sc->why), "expected " SIZE_EXAMPLES);
		return false;
	}
	size_t num_end = sc->pos;
	skip_ws(sc);
	const char *p = sc->s + sc->pos;
	switch (toupper((unsigned char)*p)) {
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	case 'T': shift = 40; break;
	case 'B': break;
	default:
		if (isalpha((unsigned char)*p)) {
			snprintf(sc->why, sizeof(sc->why), "unknown size suffix \"%.8s\"; "
				 "expected K, M, G or T, optionally followed by iB or B", p);
			return false;
		}
		sc->pos = num_end;
		*bytes = x;
		return true;
	}
	if (toupper((unsigned char)*p) != 'B') {
		p++;
		if ((p[0] == 'i' || p[0] == 'I') && (p[1] == 'B' || p[1] == 'b'))
			p += 2;
		else if (p[0] == 'B' || p[0] == 'b')
			p++;
	} else {
		p++;
	}
	if (isalnum((unsigned char)*p)) {
		sc->pos = (size_t)(p - sc->s);
		snprintf(sc->why, sizeof(sc->why), "unexpected \"%.8s\" after the size suffix; "
			 "expected K, M, G or T, optionally followed by iB or B", p);
		return false;
	}
	if (shift && x > (UINT64_MAX >> shift)) {
		sc->pos = start;
		snprintf(sc->why, sizeof(sc->why), "the size does not fit in 64 bits");
		return false;
	}
	sc->pos = (size_t)(p - sc->s);
	*bytes = x << shift;
	return true;
}

/* What to add to a size complaint that does not already say what was expected. */
static const char *size_hint(const char *why)
{
	return strstr(why, "expected") ? "" : "; expected " SIZE_EXAMPLES;
}

int config_parse_size(const char *text, uint64_t *bytes, struct mmsim_error *err)
{
	struct scan sc = { .s = text };
	uint64_t v;

	skip_ws(&sc);
	if (!scan_size(&sc, &v))
		return err_set(err, strstr(sc.why, "64 bits") ? -ERANGE : -EINVAL, NULL, 0, 0,
			       "\"%.64s\" is not a size: %s%s", text, sc.why, size_hint(sc.why));
	if (!at_end(&sc)) {
		why_trailing(&sc, "the size");
		return err_set(err, -EINVAL, NULL, 0, 0, "\"%.64s\" is not a size: %s; expected "
			       SIZE_EXAMPLES, text, sc.why);
	}
	*bytes = v;
	return 0;
}

/*
 * Scan a physical range "START-END" or "[mem START-END]" with an inclusive END, as dmesg
 * prints ranges, into [*start, *end).
 */
static bool scan_mem_range(struct scan *sc, uint64_t *start, uint64_t *end)
{
	bool wrapped = false;
	uint64_t a, b;

	skip_ws(sc);
	if (sc->s[sc->pos] == '[') {
		if (strncmp(sc->s + sc->pos, "[mem", 4) != 0 || !is_space(sc->s[sc->pos + 4])) {
			snprintf(sc->why, sizeof(sc->why), "expected \"[mem START-END]\" or "
				 "\"START-END\"");
			return false;
		}
		sc->pos += 4;
		skip_ws(sc);
		wrapped = true;
	}
	size_t at = sc->pos;
	if (!scan_number(sc, &a, "a start address such as 0x100000"))
		return false;
	skip_ws(sc);
	if (sc->s[sc->pos] != '-') {
		snprintf(sc->why, sizeof(sc->why), "expected '-' between the start and the end "
			 "address");
		return false;
	}
	sc->pos++;
	skip_ws(sc);
	if (!scan_number(sc, &b, "an end address such as 0x9fbff"))
		return false;
	if (wrapped) {
		skip_ws(sc);
		if (sc->s[sc->pos] != ']') {
			snprintf(sc->why, sizeof(sc->why), "expected ']' after the end address");
			return false;
		}
		sc->pos++;
	}
	if (b < a) {
		sc->pos = at;
		snprintf(sc->why, sizeof(sc->why), "the end 0x%" PRIx64 " is below the start 0x%"
			 PRIx64 "; the end is inclusive, as dmesg prints it", b, a);
		return false;
	}
	if (b == UINT64_MAX) {
		sc->pos = at;
		snprintf(sc->why, sizeof(sc->why), "the end must be below 0xffffffffffffffff");
		return false;
	}
	*start = a;
	*end = b + 1;
	return true;
}

/* Scan an e820 type as e820_print_type() prints it; the rest of the text must be blank. */
static bool scan_e820_type(struct scan *sc, uint32_t *type)
{
	static const struct { const char *name; uint32_t type; } names[] = {
		{ "usable", E820_TYPE_RAM }, { "reserved", E820_TYPE_RESERVED },
		{ "soft reserved", E820_TYPE_SOFT_RESERVED }, { "ACPI data", E820_TYPE_ACPI },
		{ "ACPI NVS", E820_TYPE_NVS }, { "unusable", E820_TYPE_UNUSABLE },
		{ "persistent (type 7)", E820_TYPE_PMEM },
		{ "persistent (type 12)", E820_TYPE_PRAM },
	};

	skip_ws(sc);
	const char *p = sc->s + sc->pos;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i].name);
		if (!strncmp(p, names[i].name, n) && (p[n] == '\0' || is_space(p[n]))) {
			sc->pos += n;
			*type = names[i].type;
			goto tail;
		}
	}
	if (!strncmp(p, "type", 4) && is_space(p[4])) {
		uint64_t v = 0;
		sc->pos += 4;
		skip_ws(sc);
		size_t n = 0;
		for (; isdigit((unsigned char)sc->s[sc->pos + n]); n++) {
			v = v * 10 + (uint64_t)(sc->s[sc->pos + n] - '0');
			if (v > UINT32_MAX) {
				snprintf(sc->why, sizeof(sc->why), "the type number does not fit "
					 "in 32 bits");
				return false;
			}
		}
		if (n == 0) {
			snprintf(sc->why, sizeof(sc->why), "expected a decimal number after "
				 "\"type\"");
			return false;
		}
		sc->pos += n;
		*type = (uint32_t)v;
		goto tail;
	}
	snprintf(sc->why, sizeof(sc->why), "expected a range type: " E820_TYPES);
	return false;
tail:
	if (!at_end(sc)) {
		why_trailing(sc, "the range type");
		return false;
	}
	return true;
}

/* ---- one value per key ----------------------------------------------------------- */

/* Offset of the first non-blank character of v. */
static size_t lead(const char *v)
{
	size_t i = 0;
	while (is_space(v[i]))
		i++;
	return i;
}

/* Copy v without surrounding blanks into buf; false when it does not fit. */
static bool trimmed(const char *v, char *buf, size_t size)
{
	size_t i = lead(v), n = strlen(v + i);
	while (n && is_space(v[i + n - 1]))
		n--;
	if (n >= size)
		return false;
	memcpy(buf, v + i, n);
	buf[n] = '\0';
	return true;
}

/* Parse a whole value as an unsigned integer in lo..hi. */
static int value_uint(const char *v, const struct where *w, uint64_t lo, uint64_t hi,
		      uint64_t *out)
{
	struct scan sc = { .s = v };
	uint64_t x;

	skip_ws(&sc);
	size_t at = sc.pos;
	if (v[at] == '-')
		return bad(w, at, "\"%.64s\" is negative; expected %" PRIu64 "..%" PRIu64, v, lo,
			   hi);
	if (!scan_number(&sc, &x, "an integer"))
		return bad(w, sc.pos, "%s; expected %" PRIu64 "..%" PRIu64, sc.why, lo, hi);
	if (!at_end(&sc)) {
		why_trailing(&sc, "the number");
		return bad(w, sc.pos, "%s; expected an integer in %" PRIu64 "..%" PRIu64, sc.why,
			   lo, hi);
	}
	if (x < lo || x > hi)
		return bad(w, at, "%" PRIu64 " is out of range; expected %" PRIu64 "..%" PRIu64,
			   x, lo, hi);
	*out = x;
	return 0;
}

/* Parse a whole value as a size in bytes. */
static int value_size(const char *v, const struct where *w, uint64_t *out)
{
	struct scan sc = { .s = v };

	skip_ws(&sc);
	if (!scan_size(&sc, out))
		return bad(w, sc.pos, "\"%.64s\" is not a size: %s%s", v, sc.why,
			   size_hint(sc.why));
	if (!at_end(&sc)) {
		why_trailing(&sc, "the size");
		return bad(w, sc.pos, "%s; expected " SIZE_EXAMPLES, sc.why);
	}
	return 0;
}

/* Parse a whole value as one of words (any case); its index in *idx. */
static int value_word(const char *v, const struct where *w, const char *const *words,
		      size_t n, const char *expected, unsigned int *idx)
{
	char buf[32];

	if (trimmed(v, buf, sizeof(buf)))
		for (size_t i = 0; i < n; i++)
			if (!strcasecmp(buf, words[i])) {
				*idx = (unsigned int)i;
				return 0;
			}
	return bad(w, lead(v), "\"%.64s\" is not valid; expected %s", v, expected);
}

/* The exclusive upper bound of physical addresses on arch (2^max_phys_bits, saturated). */
static uint64_t phys_limit(const struct arch_info *arch)
{
	return arch->max_phys_bits >= 64 ? UINT64_MAX : (uint64_t)1 << arch->max_phys_bits;
}

/* Everything that depends on the architecture's address width still fits after a change. */
static int check_fits_arch(const struct machine_desc *d, const struct where *w, size_t at)
{
	uint64_t limit = phys_limit(d->arch);
	const char *name = d->arch->name;
	unsigned int bits = d->arch->max_phys_bits;

	if (d->nr_ranges == 0 && (d->ram_size > limit ||
				  d->arch->default_ram_base > limit - d->ram_size))
		return bad(w, at, "ram of %" PRIu64 " bytes from 0x%" PRIx64 " does not fit below "
			   "the %u-bit physical address limit of %s", d->ram_size,
			   d->arch->default_ram_base, bits, name);
	for (unsigned int i = 0; i < d->nr_ranges; i++)
		if (d->ranges[i].end > limit)
			return bad(w, at, "memory range " MEM_FMT " lies above the %u-bit physical "
				   "address limit of %s", MEM_ARG(d->ranges[i].start,
								  d->ranges[i].end), bits, name);
	for (unsigned int i = 0; i < MAX_NUMNODES; i++)
		if (d->node_range[i].end > limit)
			return bad(w, at, "node %u range " MEM_FMT " lies above the %u-bit physical "
				   "address limit of %s", i, MEM_ARG(d->node_range[i].start,
								     d->node_range[i].end),
				   bits, name);
	return 0;
}

static int set_arch(struct machine_desc *d, const char *v, const struct where *w, unsigned int n)
{
	char name[32];
	const struct arch_info *a = trimmed(v, name, sizeof(name)) ? arch_by_name(name) : NULL;

	(void)n;
	if (!a)
		return bad(w, lead(v), "unknown architecture \"%.64s\"; expected x86_64 (x86-64, "
			   "amd64), i386 (x86, i686) or arm64 (aarch64)", v);
	if (d->paging && d->paging->arch != a->id)
		return bad(w, lead(v), "arch must be set before paging (%s is a format of %s)",
			   d->paging->name, arch_get(d->paging->arch)->name);
	if (a != d->arch && d->lowmem_reserve_ratio_set)
		return bad(w, lead(v), "arch must be set before lowmem_reserve_ratio, whose "
			   "values are per zone of the architecture");
	d->arch = a;
	return check_fits_arch(d, w, lead(v));
}

static int set_ram(struct machine_desc *d, const char *v, const struct where *w, unsigned int n)
{
	uint64_t bytes, page = (uint64_t)1 << d->arch->page_shift;
	int rc = value_size(v, w, &bytes);

	(void)n;
	if (rc)
		return rc;
	if (bytes == 0)
		return bad(w, lead(v), "ram is 0; expected " SIZE_EXAMPLES);
	if (bytes < page)
		return bad(w, lead(v), "ram of %" PRIu64 " bytes is less than one %" PRIu64
			   "-byte page; expected " SIZE_EXAMPLES, bytes, page);
	if (d->nr_ranges)
		return bad(w, lead(v), "ram cannot be combined with an explicit memory map (%u "
			   "ranges from e820 or range keys): the map gives the RAM",
			   d->nr_ranges);
	d->ram_size = bytes;
	return check_fits_arch(d, w, lead(v));
}

static int set_nodes(struct machine_desc *d, const char *v, const struct where *w,
		     unsigned int n)
{
	uint64_t x;
	int rc = value_uint(v, w, 1, MAX_NUMNODES, &x);

	(void)n;
	if (rc)
		return rc;
	if (x != d->nr_nodes && (d->node_ranges_set || d->distance_set))
		return bad(w, lead(v), "nodes must be set before node ranges and distances "
			   "(they are sized by it); in an INI file put nodes in [machine] "
			   "before the [node N] sections");
	d->nr_nodes = (unsigned int)x;
	return 0;
}

static int set_cpus(struct machine_desc *d, const char *v, const struct where *w, unsigned int n)
{
	uint64_t x;
	int rc = value_uint(v, w, 1, MAX_CPUS, &x);

	(void)n;
	if (!rc)
		d->nr_cpus = (unsigned int)x;
	return rc;
}

static int set_memory_model(struct machine_desc *d, const char *v, const struct where *w,
			    unsigned int n)
{
	static const char *const words[] = { "sparse", "flat" };
	static const enum memory_model models[] = { MEMORY_MODEL_SPARSE, MEMORY_MODEL_FLAT };
	unsigned int i = 0;
	int rc = value_word(v, w, words, 2, "sparse or flat", &i);

	(void)n;
	if (!rc)
		d->memory_model = models[i];
	return rc;
}

static int set_seed(struct machine_desc *d, const char *v, const struct where *w, unsigned int n)
{
	(void)n;
	return value_uint(v, w, 0, UINT64_MAX, &d->seed);
}

static int e820_read(struct machine_desc *d, const char *path, struct mmsim_error *err);

static int set_e820(struct machine_desc *d, const char *v, const struct where *w, unsigned int n)
{
	char path[PATH_MAX], name[PATH_MAX];

	(void)n;
	if (!trimmed(v, name, sizeof(name)) || !name[0])
		return bad(w, lead(v), "expected the path of a file with the kernel's BIOS-e820 "
			   "lines");
	if (w->range_line)
		for (unsigned int i = 0; i < d->nr_ranges; i++)
			if (w->range_line[i])
				return bad(w, lead(v), "e820 would replace the memory range given "
					   "on line %d; load e820 before the [memory] ranges",
					   w->range_line[i]);
	if (name[0] != '/' && w->dir) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", w->dir, name) >= sizeof(path))
			return bad(w, lead(v), "the path is too long");
	} else {
		memcpy(path, name, strlen(name) + 1);
	}
	int rc = e820_read(d, path, w->err);
	if (rc && w->err && w->file) {
		size_t len = strlen(w->err->msg);
		snprintf(w->err->msg + len, sizeof(w->err->msg) - len,
			 " (e820 file named on line %d of %s)", w->line, w->file);
	}
	if (!rc && w->range_line)
		memset(w->range_line, 0, sizeof(int) * MAX_E820_ENTRIES);
	return rc;
}

/* kernelcore= and movablecore=: a size, or N% of memory (cmdline_parse_core). */
static int set_core(const char *v, const struct where *w, uint64_t *bytes, unsigned int *percent)
{
	struct scan sc = { .s = v };
	uint64_t x;

	skip_ws(&sc);
	size_t at = sc.pos;
	if (scan_number(&sc, &x, "a size")) {
		skip_ws(&sc);
		if (v[sc.pos] == '%') {
			sc.pos++;
			if (!at_end(&sc)) {
				why_trailing(&sc, "the percentage");
				return bad(w, sc.pos, "%s; expected a size or N%%", sc.why);
			}
			if (x > 100)
				return bad(w, at, "%" PRIu64 "%% is more than 100%%; expected "
					   "0..100%%", x);
			*bytes = 0;
			*percent = (unsigned int)x;
			return 0;
		}
	}
	int rc = value_size(v, w, &x);
	if (rc) {
		size_t len = w->err ? strlen(w->err->msg) : 0;
		if (w->err)
			snprintf(w->err->msg + len, sizeof(w->err->msg) - len,
				 ", or a percentage such as 25%%");
		return rc;
	}
	*bytes = x;
	*percent = 0;
	return 0;
}

static int set_movablecore(struct machine_desc *d, const char *v, const struct where *w,
			   unsigned int n)
{
	(void)n;
	return set_core(v, w, &d->movablecore, &d->movablecore_percent);
}

static int set_kernelcore(struct machine_desc *d, const char *v, const struct where *w,
			  unsigned int n)
{
	(void)n;
	return set_core(v, w, &d->kernelcore, &d->kernelcore_percent);
}

static int set_min_free_kbytes(struct machine_desc *d, const char *v, const struct where *w,
			       unsigned int n)
{
	char word[8];
	uint64_t x;

	(void)n;
	if (trimmed(v, word, sizeof(word)) && !strcasecmp(word, "auto")) {
		d->min_free_kbytes = -1;
		return 0;
	}
	int rc = value_uint(v, w, 0, INT_MAX, &x);
	if (!rc)
		d->min_free_kbytes = (int64_t)x;
	return rc;
}

static int set_watermark_scale_factor(struct machine_desc *d, const char *v,
				      const struct where *w, unsigned int n)
{
	uint64_t x;
	int rc = value_uint(v, w, 1, MAX_WATERMARK_SCALE_FACTOR, &x);

	(void)n;
	if (!rc)
		d->watermark_scale_factor = (unsigned int)x;
	return rc;
}

/* "256 256 32 0 0": one ratio per zone of the architecture; missing ones keep the default. */
static int set_lowmem_reserve_ratio(struct machine_desc *d, const char *v, const struct where *w,
				    unsigned int n)
{
	const struct arch_info *a = d->arch;
	unsigned int vals[NR_ZONE_TYPES], count = 0;
	struct scan sc = { .s = v };
	char zones[64] = "";

	(void)n;
	for (unsigned int i = 0; i < a->nr_zones; i++) {
		size_t len = strlen(zones);
		snprintf(zones + len, sizeof(zones) - len, "%s%s", i ? " " : "",
			 zone_type_name(a->zones[i]));
	}
	while (!at_end(&sc)) {
		uint64_t x;
		size_t at = sc.pos;
		if (count == a->nr_zones)
			return bad(w, at, "more than %u values; expected one ratio per zone of %s "
				   "(%s)", a->nr_zones, a->name, zones);
		if (v[at] == '-')
			return bad(w, at, "a ratio is negative; expected 0..%d (0: no reserve)",
				   INT_MAX);
		if (!scan_number(&sc, &x, "a ratio"))
			return bad(w, sc.pos, "%s; expected one ratio per zone of %s (%s), such "
				   "as \"256 256 32 0 0\"", sc.why, a->name, zones);
		if (x > INT_MAX)
			return bad(w, at, "%" PRIu64 " is out of range; expected 0..%d", x, INT_MAX);
		if (v[sc.pos] && !is_space(v[sc.pos])) {
			why_trailing(&sc, "a ratio");
			return bad(w, sc.pos, "%s; expected ratios separated by blanks", sc.why);
		}
		vals[count++] = (unsigned int)x;
	}
	if (count == 0)
		return bad(w, lead(v), "no values; expected one ratio per zone of %s (%s), such "
			   "as \"256 256 32 0 0\"", a->name, zones);
	for (unsigned int i = 0; i < NR_ZONE_TYPES; i++)
		d->lowmem_reserve_ratio[i] = i < count ? vals[i]
					   : i < a->nr_zones ? a->lowmem_reserve_ratio[i] : 0;
	d->lowmem_reserve_ratio_set = true;
	return 0;
}

static int set_percpu_pagelist_high_fraction(struct machine_desc *d, const char *v,
					     const struct where *w, unsigned int n)
{
	uint64_t x;
	int rc = value_uint(v, w, 0, INT_MAX, &x);

	(void)n;
	if (rc)
		return rc;
	if (x && x < MIN_PERCPU_PAGELIST_HIGH_FRACTION)
		return bad(w, lead(v), "%" PRIu64 " is refused by Linux (the least fraction is "
			   "%d); expected 0 (default sizing) or %d..%d", x,
			   MIN_PERCPU_PAGELIST_HIGH_FRACTION, MIN_PERCPU_PAGELIST_HIGH_FRACTION,
			   INT_MAX);
	d->percpu_pagelist_high_fraction = (unsigned int)x;
	return 0;
}

static int set_thp(struct machine_desc *d, const char *v, const struct where *w, unsigned int n)
{
	static const char *const words[] = { "always", "madvise", "never" };
	static const enum thp_mode modes[] = { THP_ALWAYS, THP_MADVISE, THP_NEVER };
	unsigned int i = 0;
	int rc = value_word(v, w, words, 3, "always, madvise or never", &i);

	(void)n;
	if (!rc)
		d->thp = modes[i];
	return rc;
}

static int set_thp_defrag(struct machine_desc *d, const char *v, const struct where *w,
			  unsigned int n)
{
	static const char *const words[] = { "always", "defer", "defer+madvise", "madvise",
					     "never" };
	static const enum thp_defrag modes[] = { THP_DEFRAG_ALWAYS, THP_DEFRAG_DEFER,
						 THP_DEFRAG_DEFER_MADVISE, THP_DEFRAG_MADVISE,
						 THP_DEFRAG_NEVER };
	unsigned int i = 0;
	int rc = value_word(v, w, words, 5, "always, defer, defer+madvise, madvise or never", &i);

	(void)n;
	if (!rc)
		d->thp_defrag = modes[i];
	return rc;
}

static int set_thp_use_zero_page(struct machine_desc *d, const char *v, const struct where *w,
				 unsigned int n)
{
	static const char *const words[] = { "0", "1" };
	unsigned int i = 0;
	int rc = value_word(v, w, words, 2, "0 or 1", &i);

	(void)n;
	if (!rc)
		d->thp_use_zero_page = i == 1;
	return rc;
}

/* fault_around_bytes_set (mm/memory.c): a power of two, at most PTRS_PER_PTE pages. */
static int set_fault_around_bytes(struct machine_desc *d, const char *v, const struct where *w,
				  unsigned int n)
{
	uint64_t x;
	int rc = value_uint(v, w, 0, UINT64_MAX, &x);

	(void)n;
	if (rc)
		return rc;
	if (x > (1u << 21) || (x & (x - 1)))
		return bad(w, lead(v), "%" PRIu64 " is not a power of two of at most 2097152 bytes "
			   "(512 pages); expected e.g. 65536", x);
	d->fault_around_bytes = (unsigned int)x;
	return 0;
}

static int set_read_ahead_kb(struct machine_desc *d, const char *v, const struct where *w,
			     unsigned int n)
{
	uint64_t x;
	int rc = value_uint(v, w, 0, UINT64_MAX, &x);

	(void)n;
	if (rc)
		return rc;
	if (x > (1u << 20))
		return bad(w, lead(v), "%" PRIu64 " KiB is more than 1 GiB of readahead; expected "
			   "e.g. 128", x);
	d->read_ahead_kb = (unsigned int)x;
	return 0;
}

/* nr_requests = N: the block device's write requests in flight at most (0: synchronous). */
static int set_nr_requests(struct machine_desc *d, const char *v, const struct where *w,
			   unsigned int n)
{
	uint64_t x;
	int rc = value_uint(v, w, 0, BLKDEV_MAX_RQ, &x);

	(void)n;
	d->nr_requests = rc ? d->nr_requests : (unsigned int)x;
	return rc;
}

static int set_file_writes(struct machine_desc *d, const char *v, const struct where *w,
			   unsigned int n)
{
	static const char *const words[] = { "copy", "real" };
	unsigned int i = 0;
	int rc = value_word(v, w, words, 2, "copy or real", &i);

	(void)n;
	if (!rc)
		d->file_writes = (int)i;
	return rc;
}

/*
 * swap = PATH[:SIZE[:PRIO]] | SIZE: swapon at boot (swap_boot). PATH (absolute) is made with
 * mkswap when it does not exist, SIZE bytes; a bare SIZE makes a scratch file; PRIO 0..32767
 * is swapon's SWAP_FLAG_PREFER priority (default: the kernel's next negative one).
 */
static int set_swap(struct machine_desc *d, const char *v, const struct where *w,
		    unsigned int n)
{
	char buf[sizeof(d->swap_path)], *size, *prio = NULL;
	uint64_t x = 0;
	int rc;

	(void)n;
	if (strlen(v) >= sizeof(buf))
		return bad(w, lead(v), "a swap path of at most %zu bytes", sizeof(buf) - 1);
	strcpy(buf, v);
	d->swap_prio = -1;
	d->swap_size = 0;
	d->swap_path[0] = '\0';
	if (buf[0] != '/') {
		rc = value_size(buf, w, &x);
		if (rc)
			return rc;
		d->swap_size = x;
		d->swap_set = true;
		return 0;
	}
	size = strchr(buf, ':');
	if (size) {
		*size++ = '\0';
		prio = strchr(size, ':');
		if (prio)
			*prio++ = '\0';
		if (*size && (rc = value_size(size, w, &x)))
			return rc;
		d->swap_size = x;
		if (prio) {
			rc = value_uint(prio, w, 0, 32767, &x);
			if (rc)
				return rc;
			d->swap_prio = (int)x;
		}
	}
	strcpy(d->swap_path, buf);
	d->swap_set = true;
	return 0;
}

/*
 * policy = linux | NAME[:key=value,...]: who decides reclaim (mm/policy_reclaim.h). The
 * spec is checked here (name, parameters, a policy a machine can run) so that the error
 * names the file and line.
 */
static int set_policy(struct machine_desc *d, const char *v, const struct where *w,
		      unsigned int n)
{
	struct mmsim_error e = { 0 };
	struct policy *p;
	size_t at = lead(v);

	(void)n;
	if (strlen(v + at) >= sizeof(d->policy))
		return bad(w, at, "a policy spec of at most %zu bytes", sizeof(d->policy) - 1);
	if (strcmp(v + at, "linux")) {
		int rc = policy_create_machine(v + at, 1, 0, &p, &e);

		if (rc == -ENOMEM)
			return rc;
		if (rc)
			return bad(w, at, "%s (or linux, the kernel's own reclaim)", e.msg);
		policy_destroy(p);
	}
	strcpy(d->policy, v + at);
	return 0;
}

/* policy_frames = N: the frames a research policy may fill with user pages (0: all RAM). */
static int set_policy_frames(struct machine_desc *d, const char *v, const struct where *w,
			     unsigned int n)
{
	(void)n;
	return value_uint(v, w, 0, UINT64_C(1) << 40, &d->policy_frames);
}

static int set_check(struct machine_desc *d, const char *v, const struct where *w,
		     unsigned int n)
{
	static const char *const words[] = { "0", "1", "false", "true" };
	unsigned int i = 0;
	int rc = value_word(v, w, words, 4, "0, 1, false or true", &i);

	(void)n;
	if (!rc)
		d->check = i & 1;
	return rc;
}

/*
 * anon_vma_name = 0|1: build the kernel with CONFIG_ANON_VMA_NAME, so that
 * prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, ...) names anonymous VMAs ("[anon:NAME]" in maps).
 * The reference kernel is built without it (the call fails with EINVAL there).
 */
static int set_anon_vma_name(struct machine_desc *d, const char *v, const struct where *w,
			     unsigned int n)
{
	static const char *const words[] = { "0", "1", "false", "true", "off", "on" };
	unsigned int i = 0;
	int rc = value_word(v, w, words, 6, "0, 1, false, true, off or on", &i);

	(void)n;
	if (!rc)
		d->anon_vma_name = (int)(i & 1);
	return rc;
}

/* paging = FORMAT: a page-table format of the architecture (arch/pgtable.h names). */
static int set_paging(struct machine_desc *d, const char *v, const struct where *w,
		      unsigned int n)
{
	char name[32], full[48];
	const struct pt_format *f = trimmed(v, name, sizeof(name)) ? pt_format_by_name(name) : NULL;

	(void)n;
	/* Relative to the arch: "5level", "pae" (or "3level" on i386), "16k-48". */
	if (!f && name[0]) {
		snprintf(full, sizeof(full), "%s-%s", d->arch->name, name);
		f = pt_format_by_name(full);
		if (!f && d->arch->id == ARCH_I386 && strcmp(name, "3level") == 0)
			f = pt_format_get(PTF_I386_PAE);
	}
	if (!f) {
		char list[512] = "";
		for (unsigned int i = 0; i < NR_PT_FORMATS; i++) {
			const struct pt_format *g = pt_format_get((enum pt_format_id)i);
			if (g && g->arch == d->arch->id)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 list[0] ? ", " : "", g->name);
		}
		return bad(w, lead(v), "unknown page-table format \"%.64s\"; expected for %s: %s",
			   v, d->arch->name, list);
	}
	if (f->arch != d->arch->id)
		return bad(w, lead(v), "%s is a format of %s, but arch is %s (set arch first)",
			   f->name, arch_get(f->arch)->name, d->arch->name);
	d->paging = f;
	return 0;
}

/* tlb = PRESET or a description (grammar in docs/tlb.md). */
static int set_tlb(struct machine_desc *d, const char *v, const struct where *w, unsigned int n)
{
	struct tlb_config cfg;
	struct mmsim_error e = { 0 };

	(void)n;
	if (tlb_config_parse(v, &cfg, &e) != 0)
		return bad(w, e.column > 0 ? (size_t)(e.column - 1) : lead(v), "%s", e.msg);
	d->tlb = cfg;
	d->tlb_set = true;
	return 0;
}

/* Where the map already holds a range: "given on line N", "from the e820 file" ... */
static void range_origin(const struct where *w, unsigned int i, char *buf, size_t size)
{
	if (w->range_line && w->range_line[i])
		snprintf(buf, size, "given on line %d", w->range_line[i]);
	else if (w->range_line)
		snprintf(buf, size, "from e820 or given before this file");
	else
		snprintf(buf, size, "already in the map");
}

/* "START-END type": add one range to the map, keeping it sorted and without overlaps. */
static int set_range(struct machine_desc *d, const char *v, const struct where *w, unsigned int n)
{
	struct scan sc = { .s = v };
	uint64_t start, end;
	uint32_t type;
	unsigned int i;
	char origin[64];

	(void)n;
	if (!scan_mem_range(&sc, &start, &end))
		return bad(w, sc.pos, "%s; expected \"START-END TYPE\" such as \"0x100000-"
			   "0xbfffffff usable\" (END inclusive)", sc.why);
	size_t type_at = sc.pos;
	if (!scan_e820_type(&sc, &type))
		return bad(w, sc.pos > type_at ? sc.pos : type_at + lead(v + type_at), "%s",
			   sc.why);
	if (end > phys_limit(d->arch))
		return bad(w, lead(v), "range " MEM_FMT " lies above the %u-bit physical address "
			   "limit of %s", MEM_ARG(start, end), d->arch->max_phys_bits,
			   d->arch->name);
	for (i = 0; i < d->nr_ranges && d->ranges[i].start < end; i++) {
		if (d->ranges[i].end > start) {
			range_origin(w, i, origin, sizeof(origin));
			return bad(w, lead(v), "range " MEM_FMT " %s overlaps " MEM_FMT " %s %s; "
				   "expected ranges that do not overlap", MEM_ARG(start, end),
				   e820_type_name(type), MEM_ARG(d->ranges[i].start,
								 d->ranges[i].end),
				   e820_type_name(d->ranges[i].type), origin);
		}
	}
	if (d->nr_ranges == MAX_E820_ENTRIES)
		return bad(w, lead(v), "the memory map already has %d ranges, the most mmsim "
			   "keeps", MAX_E820_ENTRIES);
	memmove(&d->ranges[i + 1], &d->ranges[i], (d->nr_ranges - i) * sizeof(d->ranges[0]));
	d->ranges[i] = (struct mem_range){ .start = start, .end = end, .type = type };
	if (w->range_line) {
		memmove(&w->range_line[i + 1], &w->range_line[i],
			(d->nr_ranges - i) * sizeof(w->range_line[0]));
		w->range_line[i] = w->line;
	}
	d->nr_ranges++;
	return 0;
}

/* The node a node key names exists under the current node count. */
static int check_node_exists(const struct machine_desc *d, const struct where *w,
			     unsigned int node)
{
	if (node < d->nr_nodes)
		return 0;
	return bad(w, 0, "node %u does not exist: nodes is %u; set nodes first (in an INI "
		   "file: nodes in [machine] before the [node N] sections)", node, d->nr_nodes);
}

/* "START-END" (inclusive, as dmesg's "node 0: [mem ...]"): the memory node n spans. */
static int set_node_range(struct machine_desc *d, const char *v, const struct where *w,
			  unsigned int node)
{
	struct scan sc = { .s = v };
	uint64_t start, end;
	int rc = check_node_exists(d, w, node);

	if (rc)
		return rc;
	if (!scan_mem_range(&sc, &start, &end))
		return bad(w, sc.pos, "%s; expected \"START-END\" such as \"0x0-0x7fffffff\" (END "
			   "inclusive)", sc.why);
	if (!at_end(&sc)) {
		why_trailing(&sc, "the range");
		return bad(w, sc.pos, "%s; a node range is just \"START-END\"", sc.why);
	}
	if (end > phys_limit(d->arch))
		return bad(w, lead(v), "range " MEM_FMT " lies above the %u-bit physical address "
			   "limit of %s", MEM_ARG(start, end), d->arch->max_phys_bits,
			   d->arch->name);
	for (unsigned int j = 0; j < MAX_NUMNODES; j++) {
		if (j == node || d->node_range[j].end == 0)
			continue;
		if (start < d->node_range[j].end && d->node_range[j].start < end)
			return bad(w, lead(v), "range " MEM_FMT " overlaps node %u range " MEM_FMT
				   "; expected disjoint node ranges", MEM_ARG(start, end), j,
				   MEM_ARG(d->node_range[j].start, d->node_range[j].end));
	}
	d->node_range[node].start = start;
	d->node_range[node].end = end;
	d->node_ranges_set = true;
	return 0;
}

/* "10 20 20 ...": one row of the SLIT, the distances from node n to every node. */
static int set_node_distance(struct machine_desc *d, const char *v, const struct where *w,
			     unsigned int node)
{
	struct scan sc = { .s = v };
	uint8_t row[MAX_NUMNODES];
	unsigned int count = 0;
	int rc = check_node_exists(d, w, node);

	if (rc)
		return rc;
	while (!at_end(&sc)) {
		uint64_t x;
		size_t at = sc.pos;
		if (count == d->nr_nodes)
			return bad(w, at, "more than %u values; expected one distance per node "
				   "(nodes is %u)", d->nr_nodes, d->nr_nodes);
		if (!scan_number(&sc, &x, "a distance"))
			return bad(w, sc.pos, "%s; expected one distance per node, such as \"10 "
				   "20\"", sc.why);
		if (v[sc.pos] && !is_space(v[sc.pos])) {
			why_trailing(&sc, "a distance");
			return bad(w, sc.pos, "%s; expected distances separated by blanks", sc.why);
		}
		if (count == node && x != LOCAL_DISTANCE)
			return bad(w, at, "the distance from node %u to itself is %" PRIu64 "; "
				   "expected %d (LOCAL_DISTANCE)", node, x, LOCAL_DISTANCE);
		if (count != node && (x <= LOCAL_DISTANCE || x > MAX_DISTANCE))
			return bad(w, at, "the distance from node %u to node %u is %" PRIu64 "; "
				   "expected %d..%d", node, count, x, LOCAL_DISTANCE + 1,
				   MAX_DISTANCE);
		row[count++] = (uint8_t)x;
	}
	if (count != d->nr_nodes)
		return bad(w, lead(v), "%u values; expected one distance per node (nodes is %u)",
			   count, d->nr_nodes);
	memcpy(d->distance[node], row, count);
	d->distance_set = true;
	return 0;
}

/* ---- keys ----------------------------------------------------------------------- */

enum section { SEC_NONE, SEC_MACHINE, SEC_KERNEL, SEC_MEMORY, SEC_NODE, SEC_OPTION };

typedef int (*key_setter)(struct machine_desc *d, const char *value, const struct where *w,
			  unsigned int node);

struct key_def {
	const char *name;
	enum section sec;	/* the INI section it belongs in; SEC_OPTION: not in INI files */
	key_setter set;
};

static const struct key_def keys[] = {
	{ "arch", SEC_MACHINE, set_arch },
	{ "ram", SEC_MACHINE, set_ram },
	{ "nodes", SEC_MACHINE, set_nodes },
	{ "cpus", SEC_MACHINE, set_cpus },
	{ "memory_model", SEC_MACHINE, set_memory_model },
	{ "seed", SEC_MACHINE, set_seed },
	{ "e820", SEC_MACHINE, set_e820 },
	{ "paging", SEC_MACHINE, set_paging },
	{ "tlb", SEC_MACHINE, set_tlb },
	{ "movablecore", SEC_KERNEL, set_movablecore },
	{ "kernelcore", SEC_KERNEL, set_kernelcore },
	{ "min_free_kbytes", SEC_KERNEL, set_min_free_kbytes },
	{ "watermark_scale_factor", SEC_KERNEL, set_watermark_scale_factor },
	{ "lowmem_reserve_ratio", SEC_KERNEL, set_lowmem_reserve_ratio },
	{ "percpu_pagelist_high_fraction", SEC_KERNEL, set_percpu_pagelist_high_fraction },
	{ "thp", SEC_KERNEL, set_thp },
	{ "thp_defrag", SEC_KERNEL, set_thp_defrag },
	{ "thp_use_zero_page", SEC_KERNEL, set_thp_use_zero_page },
	{ "fault_around_bytes", SEC_KERNEL, set_fault_around_bytes },
	{ "read_ahead_kb", SEC_KERNEL, set_read_ahead_kb },
	{ "nr_requests", SEC_KERNEL, set_nr_requests },
	{ "file_writes", SEC_OPTION, set_file_writes },
	{ "anon_vma_name", SEC_KERNEL, set_anon_vma_name },
	{ "range", SEC_MEMORY, set_range },
	{ "range", SEC_NODE, set_node_range },
	{ "distance", SEC_NODE, set_node_distance },
	{ "check", SEC_OPTION, set_check },
	{ "swap", SEC_OPTION, set_swap },
	{ "policy", SEC_KERNEL, set_policy },
	{ "policy_frames", SEC_KERNEL, set_policy_frames },
};
#define NR_KEYS (sizeof(keys) / sizeof(keys[0]))

static const char *section_name(enum section s)
{
	switch (s) {
	case SEC_MACHINE: return "[machine]";
	case SEC_KERNEL: return "[kernel]";
	case SEC_MEMORY: return "[memory]";
	case SEC_NODE: return "[node N]";
	default: return "no section";
	}
}

static const struct key_def *find_key(const char *name, enum section sec)
{
	for (size_t i = 0; i < NR_KEYS; i++)
		if (keys[i].sec == sec && !strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

/* Edit distance of two short words, capped at 9 (enough to spot a typo). */
static unsigned int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned int row[40];

	if (la >= 39 || lb >= 39)
		return 9;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned int diag = row[0];
		row[0] = (unsigned int)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned int up = row[j];
			unsigned int best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb] < 9 ? row[lb] : 9;
}

/* Fill buf with " (did you mean \"x\"?)" for the nearest key of the sections in mask. */
static void suggest_key(const char *name, unsigned int sec_mask, char *buf, size_t size)
{
	const char *best = NULL;
	unsigned int best_d = 3;

	buf[0] = '\0';
	for (size_t i = 0; i < NR_KEYS; i++) {
		if (!(sec_mask & (1u << keys[i].sec)))
			continue;
		unsigned int dist = edit_distance(name, keys[i].name);
		if (dist < best_d) {
			best_d = dist;
			best = keys[i].name;
		}
	}
	if (best)
		snprintf(buf, size, " (did you mean \"%s\"?)", best);
}

/* The list of keys of one section, for "expected one of" messages. */
static void key_list(enum section sec, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NR_KEYS && len < size; i++)
		if (keys[i].sec == sec)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
						keys[i].name);
}

/* Split "node.N.range" / "node.N.distance"; false when key is not of that form. */
static bool split_node_key(const char *key, unsigned int *node, const char **rest, bool *bad_n)
{
	if (strncmp(key, "node.", 5) != 0)
		return false;
	const char *p = key + 5;
	unsigned int n = 0;
	size_t digits = 0;
	for (; isdigit((unsigned char)p[digits]) && digits < 4; digits++)
		n = n * 10 + (unsigned int)(p[digits] - '0');
	*bad_n = digits == 0 || p[digits] != '.' || n >= MAX_NUMNODES;
	*node = n;
	*rest = digits && p[digits] == '.' ? p + digits + 1 : p + digits;
	return true;
}

/* Apply one option key (mmsim_config_set's keys) to d. */
static int apply_option(struct machine_desc *d, const char *key, const char *value,
			const struct where *w)
{
	const struct key_def *k = NULL;
	unsigned int node = 0;
	const char *rest;
	bool bad_n;
	char hint[64];

	if (split_node_key(key, &node, &rest, &bad_n)) {
		if (bad_n)
			return err_set(w->err, -EINVAL, NULL, 0, 0, "%s: expected node.N.range or "
				       "node.N.distance with N in 0..%d", key, MAX_NUMNODES - 1);
		k = find_key(rest, SEC_NODE);
		if (!k)
			return err_set(w->err, -EINVAL, NULL, 0, 0, "%s: unknown node key \"%s\"; "
				       "expected node.N.range or node.N.distance", key, rest);
		return k->set(d, value, w, node);
	}
	for (size_t i = 0; i < NR_KEYS && !k; i++)
		if (keys[i].sec != SEC_NODE && !strcmp(keys[i].name, key))
			k = &keys[i];
	if (k)
		return k->set(d, value, w, 0);
	suggest_key(key, ~(1u << SEC_NODE), hint, sizeof(hint));
	return err_set(w->err, -EINVAL, NULL, 0, 0, "unknown key \"%.64s\"%s; expected arch, "
		       "ram, nodes, cpus, memory_model, seed, e820, range, node.N.range, "
		       "node.N.distance, movablecore, kernelcore, min_free_kbytes, "
		       "watermark_scale_factor, lowmem_reserve_ratio, "
		       "percpu_pagelist_high_fraction, thp, thp_defrag, thp_use_zero_page, fault_around_bytes, "
		       "read_ahead_kb, nr_requests, file_writes, swap, policy, policy_frames or check", key,
		       hint);
}

/* ---- the public API ------------------------------------------------------------- */

int mmsim_config_new(mmsim_config **out)
{
	mmsim_config *cfg = malloc(sizeof(*cfg));

	if (!cfg)
		return -ENOMEM;
	machine_desc_init(&cfg->desc);
	*out = cfg;
	return 0;
}

void mmsim_config_free(mmsim_config *cfg)
{
	free(cfg);
}

int mmsim_config_set(mmsim_config *cfg, const char *key, const char *value,
		     struct mmsim_error *err)
{
	if (!cfg || !key || !value)
		return err_set(err, -EINVAL, NULL, 0, 0, "mmsim_config_set needs a config, a key "
			       "and a value");
	struct machine_desc *copy = malloc(sizeof(*copy));
	if (!copy)
		return err_set(err, -ENOMEM, NULL, 0, 0, "out of memory copying the description");
	*copy = cfg->desc;
	struct where w = { .key = key, .err = err };
	int rc = apply_option(copy, key, value, &w);
	if (!rc)
		cfg->desc = *copy;
	free(copy);
	return rc;
}

/* ---- files ---------------------------------------------------------------------- */

/* Open path for reading: a regular file or a pipe (so "<(dmesg)" works), not a device. */
static FILE *open_input(const char *path, struct mmsim_error *err, int *rc)
{
	FILE *f = fopen(path, "r");
	struct stat st;

	if (!f) {
		int e = errno;
		*rc = err_set(err, -e, path, 0, 0, "cannot open: %s; expected a readable file",
			      mmsim_strerror(e));
		return NULL;
	}
	if (fstat(fileno(f), &st) == 0 &&
	    (S_ISDIR(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
		*rc = err_set(err, -EINVAL, path, 0, 0, "is a %s; expected a regular file or a "
			      "pipe", S_ISDIR(st.st_mode) ? "directory" : "device");
		fclose(f);
		return NULL;
	}
	return f;
}

/*
 * Read one line (with its '\n') into buf of size cap. A longer line is consumed to its end
 * and *too_long set; *nul tells of a NUL byte in it. False at end of file.
 */
static bool read_line(FILE *f, char *buf, size_t cap, bool *too_long, bool *nul)
{
	size_t n = 0;
	int c = EOF;

	*too_long = *nul = false;
	while ((c = getc(f)) != EOF) {
		if (c == '\0')
			*nul = true;
		if (n + 1 < cap)
			buf[n++] = (char)c;
		else
			*too_long = true;
		if (c == '\n')
			break;
	}
	buf[n] = '\0';
	if (*nul)		/* keep the text a C string without losing the fact */
		for (size_t i = 0; i < n; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
	return n > 0 || c == '\n';
}

/* One parsed BIOS-e820 line: [start, end) with start < end, from file line `line`. */
struct e820_line {
	uint64_t start, end;
	uint32_t type;
	int line;
};

/* Parse the text after "BIOS-e820:" of line; 0 or an error naming file, line and column. */
static int e820_parse_line(const char *buf, size_t body, struct e820_line *out,
			   const char *path, int lineno, struct mmsim_error *err)
{
	struct scan sc = { .s = buf, .pos = body };

	skip_ws(&sc);
	if (strncmp(buf + sc.pos, "[mem", 4) != 0)
		return err_set(err, -EINVAL, path, lineno, (int)sc.pos + 1, "BIOS-e820 line: "
			       "expected \"[mem 0xSTART-0xEND] TYPE\" after \"BIOS-e820:\"");
	if (!scan_mem_range(&sc, &out->start, &out->end) || !scan_e820_type(&sc, &out->type))
		return err_set(err, -EINVAL, path, lineno, (int)sc.pos + 1, "BIOS-e820 line: %s",
			       sc.why);
	out->line = lineno;
	return 0;
}

/* Read every BIOS-e820 line of the file at path (up to max), in file order. */
static int e820_collect(const char *path, struct e820_line *ent, unsigned int max,
			unsigned int *count, struct mmsim_error *err)
{
	static const char tag[] = "BIOS-e820:";
	char *buf = malloc(LINE_MAX_E820);
	bool too_long, nul;
	int rc = 0, lineno = 0;
	FILE *f;

	if (!buf)
		return err_set(err, -ENOMEM, path, 0, 0, "out of memory");
	f = open_input(path, err, &rc);
	*count = 0;
	while (f && !rc && read_line(f, buf, LINE_MAX_E820, &too_long, &nul)) {
		const char *p = strstr(buf, tag);
		lineno++;
		if (!p)
			continue;
		buf[strcspn(buf, "\r\n")] = '\0';	/* columns stay on the line */
		if (too_long)
			rc = err_set(err, -EINVAL, path, lineno, 0, "BIOS-e820 line longer than %d "
				     "characters; expected a kernel log line", LINE_MAX_E820 - 1);
		else if (*count == max)
			rc = err_set(err, -EINVAL, path, lineno, (int)(p - buf) + 1, "more than %u "
				     "BIOS-e820 lines; mmsim keeps at most %u ranges", max, max);
		else
			rc = e820_parse_line(buf, (size_t)(p - buf) + sizeof(tag) - 1,
					     &ent[*count], path, lineno, err);
		if (!rc)
			(*count)++;
	}
	if (f && !rc && ferror(f))
		rc = err_set(err, -EIO, path, lineno, 0, "read error after this line");
	if (f)
		fclose(f);
	free(buf);
	if (!rc && *count == 0)
		rc = err_set(err, -EINVAL, path, 0, 0, "no \"BIOS-e820:\" line; expected the "
			     "kernel's boot lines such as \"BIOS-e820: [mem 0x0000000000000000-"
			     "0x000000000009fbff] usable\" (dmesg | grep BIOS-e820)");
	return rc;
}

/* Sort by start (file order among equals) and reject overlaps, naming both lines. */
static int e820_sort_check(struct e820_line *ent, unsigned int n, const char *path,
			   const struct arch_info *arch, struct mmsim_error *err)
{
	for (unsigned int i = 1; i < n; i++) {
		struct e820_line x = ent[i];
		unsigned int j = i;
		for (; j > 0 && ent[j - 1].start > x.start; j--)
			ent[j] = ent[j - 1];
		ent[j] = x;
	}
	unsigned int far = 0;	/* the range reaching furthest so far */
	for (unsigned int i = 0; i < n; i++) {
		if (i > 0 && ent[i].start < ent[far].end) {
			const struct e820_line *a = &ent[far], *b = &ent[i];
			const struct e820_line *first = a->line < b->line ? a : b;
			const struct e820_line *second = a->line < b->line ? b : a;
			bool same = a->start == b->start && a->end == b->end;
			return err_set(err, -EINVAL, path, second->line, 0, "range " MEM_FMT " %s "
				       "on line %d overlaps " MEM_FMT " %s on line %d; expected "
				       "ranges that do not overlap%s",
				       MEM_ARG(second->start, second->end),
				       e820_type_name(second->type), second->line,
				       MEM_ARG(first->start, first->end),
				       e820_type_name(first->type), first->line,
				       same ? " (a log of two boots? keep one boot's lines)" : "");
		}
		if (ent[i].end > ent[far].end)
			far = i;
		if (ent[i].end > phys_limit(arch))
			return err_set(err, -EINVAL, path, ent[i].line, 0, "range " MEM_FMT " lies "
				       "above the %u-bit physical address limit of %s",
				       MEM_ARG(ent[i].start, ent[i].end), arch->max_phys_bits,
				       arch->name);
	}
	return 0;
}

/* Replace d's map by the BIOS-e820 lines of the file at path. */
static int e820_read(struct machine_desc *d, const char *path, struct mmsim_error *err)
{
	struct e820_line *ent = malloc(sizeof(*ent) * MAX_E820_ENTRIES);
	unsigned int n = 0;
	int rc;

	if (!ent)
		return err_set(err, -ENOMEM, path, 0, 0, "out of memory");
	rc = e820_collect(path, ent, MAX_E820_ENTRIES, &n, err);
	if (!rc)
		rc = e820_sort_check(ent, n, path, d->arch, err);
	if (!rc) {
		for (unsigned int i = 0; i < n; i++)
			d->ranges[i] = (struct mem_range){ ent[i].start, ent[i].end, ent[i].type };
		d->nr_ranges = n;
		d->map_from_firmware = true;
	}
	free(ent);
	return rc;
}

int mmsim_config_load_e820(mmsim_config *cfg, const char *path, struct mmsim_error *err)
{
	if (!cfg || !path)
		return err_set(err, -EINVAL, NULL, 0, 0, "mmsim_config_load_e820 needs a config "
			       "and a path");
	struct machine_desc *copy = malloc(sizeof(*copy));
	if (!copy)
		return err_set(err, -ENOMEM, path, 0, 0, "out of memory");
	*copy = cfg->desc;
	int rc = e820_read(copy, path, err);
	if (!rc)
		cfg->desc = *copy;
	free(copy);
	return rc;
}

/* ---- INI files ------------------------------------------------------------------ */

#define INI_RAW_MAX 4096	/* longer lines are refused (inih itself takes fewer) */
#define INI_PENDING_MAX 1024	/* a distance row over continuation lines */

struct ini_seen {
	char key[32];		/* "ram", "node.3.distance" ... */
	int line;
};

/*
 * State of one load_ini: the description being built and where the reader stands.
 * Invariants: range_line[i] is the line of desc.ranges[i] (0: not from this file) for
 * i < desc.nr_ranges; pend implies pend_node < desc.nr_nodes; failed implies fail_rc < 0
 * and err filled; nothing is read or applied once failed.
 */
struct ini_ctx {
	struct machine_desc desc;		/* the copy; committed only on success */
	int range_line[MAX_E820_ENTRIES];	/* per map range, the line that gave it */
	FILE *f;
	const char *path;
	char dir[PATH_MAX];
	struct mmsim_error *err;
	int lineno;				/* lines handed to inih so far */
	char raw[INI_RAW_MAX];			/* the current line as read, for columns */
	enum section sec;			/* section of the current line */
	unsigned int node;			/* N of [node N] */
	bool failed;				/* an error is in err; stop */
	int fail_rc;				/* its negative errno */
	int fail_line;
	int ram_line;				/* line of "ram", 0 if none */
	struct ini_seen *seen;
	size_t nr_seen, cap_seen;
	bool pend;				/* a distance row is being collected */
	bool pend_multi;			/* ... over more than one line */
	unsigned int pend_node;
	int pend_line, pend_col;
	char pend_text[INI_PENDING_MAX];
};

/* Record an error at line:col of the INI file, which stops the reading; -EINVAL. */
__attribute__((format(printf, 4, 5)))
static int ini_fail(struct ini_ctx *c, int line, int col, const char *fmt, ...)
{
	char msg[480];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->failed = true;
	c->fail_rc = -EINVAL;
	c->fail_line = line;
	return err_set(c->err, -EINVAL, c->path, line, col, "%s", msg);
}

/* A setter failed with rc on line (it filled the error): remember it. */
static void ini_failed_at(struct ini_ctx *c, int line, int rc)
{
	c->failed = true;
	c->fail_rc = rc;
	c->fail_line = line;
}

/* Apply the collected distance row, if any. */
static int ini_flush_distance(struct ini_ctx *c)
{
	if (!c->pend)
		return 0;
	c->pend = false;
	struct where w = { .file = c->path, .line = c->pend_line,
			   .col = c->pend_multi ? 0 : c->pend_col, .key = "distance",
			   .err = c->err };
	int rc = set_node_distance(&c->desc, c->pend_text, &w, c->pend_node);
	if (rc)
		ini_failed_at(c, c->pend_line, rc);
	return rc;
}

/* Parse a section name ("machine", "node 3" ...) into c->sec/c->node; 0 or an error. */
static int ini_section(struct ini_ctx *c, const char *name, size_t len, int col)
{
	static const struct { const char *name; enum section sec; } secs[] = {
		{ "machine", SEC_MACHINE }, { "kernel", SEC_KERNEL }, { "memory", SEC_MEMORY },
	};
	char buf[64];

	while (len && is_space(*name)) {
		name++;
		len--;
		col++;
	}
	while (len && is_space(name[len - 1]))
		len--;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, name, len);
	buf[len] = '\0';
	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++)
		if (!strcmp(buf, secs[i].name)) {
			c->sec = secs[i].sec;
			return 0;
		}
	if (!strncmp(buf, "node", 4)) {
		const char *p = buf + 4;
		unsigned int n = 0;
		size_t digits = 0;
		while (is_space(*p))
			p++;
		for (; isdigit((unsigned char)p[digits]) && digits < 4; digits++)
			n = n * 10 + (unsigned int)(p[digits] - '0');
		if (digits && p[digits] == '\0') {
			if (n >= MAX_NUMNODES)
				return ini_fail(c, c->lineno, col, "[%s]: node %u is out of range; "
						"expected [node N] with N in 0..%d", buf, n,
						MAX_NUMNODES - 1);
			c->sec = SEC_NODE;
			c->node = n;
			return 0;
		}
	}
	return ini_fail(c, c->lineno, col, "unknown section [%s]; expected [machine], "
			"[kernel], [memory] or [node N]", buf);
}

/* Check a line the reader got for what inih would skip or misread; 0 or an error. */
static int ini_check_line(struct ini_ctx *c, const char *line)
{
	size_t i = lead(line);
	const char *p = line + i;

	if (!*p || *p == ';' || *p == '#')
		return 0;
	if (*p == '[') {
		if (i > 0)
			return ini_fail(c, c->lineno, 1, "indented section header; remove the "
					"indentation (in INI an indented line continues the value "
					"above it)");
		int rc = ini_flush_distance(c);
		if (rc)
			return rc;
		const char *close = strchr(p, ']');
		if (!close)
			return ini_fail(c, c->lineno, (int)i + 1, "section header without ']'; "
					"expected [machine], [kernel], [memory] or [node N]");
		rc = ini_section(c, p + 1, (size_t)(close - p - 1), (int)i + 2);
		if (rc)
			return rc;
		size_t j = (size_t)(close - line) + 1;
		j += lead(line + j);
		if (line[j] && line[j] != ';' && line[j] != '#')
			return ini_fail(c, c->lineno, (int)j + 1, "unexpected \"%.32s\" after the "
					"section header; expected a comment or nothing", line + j);
		return 0;
	}
	if (i == 0 && !strpbrk(p, "=:"))
		return ini_fail(c, c->lineno, 1, "expected \"key = value\", \"[section]\" or a "
				"comment (; or #)");
	return 0;
}

/* inih's reader: one line per call, refusing what inih would cut or misread. */
static char *ini_next_line(char *str, int num, void *stream)
{
	struct ini_ctx *c = stream;
	bool too_long, nul;

	if (c->failed || !read_line(c->f, c->raw, sizeof(c->raw), &too_long, &nul))
		return NULL;
	c->lineno++;
	char *line = c->raw;
	if (c->lineno == 1 && !strncmp(line, "\xEF\xBB\xBF", 3))
		line += 3;	/* a UTF-8 byte order mark, as inih skips it */
	if (nul) {
		ini_fail(c, c->lineno, 0, "the line contains a NUL byte; expected text");
		return NULL;
	}
	if (too_long || strlen(c->raw) > (size_t)num - 1) {
		ini_fail(c, c->lineno, num - 1, "line longer than %d characters (the INI "
			 "reader's limit); a long distance row may go on over indented lines",
			 num - 2);
		return NULL;
	}
	if (ini_check_line(c, line))
		return NULL;
	memcpy(str, c->raw, strlen(c->raw) + 1);
	return str;
}

/* The 1-based column of value in the raw line: after the first '=' or ':', or its start. */
static int ini_value_col(const char *raw, bool continuation)
{
	const char *sep = continuation ? NULL : strpbrk(raw, "=:");
	size_t at = sep ? (size_t)(sep - raw) + 1 : 0;
	return (int)(at + lead(raw + at)) + 1;
}

/* An indented line inih passed as more of the previous key's value. */
static bool ini_is_continuation(const char *raw, const char *value)
{
	if (!is_space(raw[0]))
		return false;
	const char *sep = strpbrk(raw, "=:");
	if (!sep)
		return true;
	const char *after = sep + 1 + lead(sep + 1);
	return strncmp(after, value, strlen(value)) != 0;
}

/* Remember key for duplicate detection; the line it was first given on, or 0. */
static int ini_seen_before(struct ini_ctx *c, const char *key)
{
	for (size_t i = 0; i < c->nr_seen; i++)
		if (!strcmp(c->seen[i].key, key))
			return c->seen[i].line;
	if (c->nr_seen == c->cap_seen) {
		size_t cap = c->cap_seen ? c->cap_seen * 2 : 16;
		struct ini_seen *s = realloc(c->seen, cap * sizeof(*s));
		if (!s)
			return -1;
		c->seen = s;
		c->cap_seen = cap;
	}
	snprintf(c->seen[c->nr_seen].key, sizeof(c->seen[0].key), "%s", key);
	c->seen[c->nr_seen++].line = c->lineno;
	return 0;
}

/* A continuation line: more of a distance row, or an error. 1 to go on, 0 on error. */
static int ini_continue(struct ini_ctx *c, const char *name, const char *value)
{
	size_t len = strlen(c->pend_text);

	if (!c->pend || strcmp(name, "distance") != 0) {
		ini_fail(c, c->lineno, 1, "this indented line would continue the value of \"%s\" "
			 "(INI continuation); only a distance row may go on over indented lines; "
			 "remove the indentation", name);
		return 0;
	}
	/* inih strips "; comment" from key lines but not from continuation lines */
	size_t n = 0;
	while (value[n] && !(value[n] == ';' && (n == 0 || is_space(value[n - 1]))))
		n++;
	if (len + 1 + n >= sizeof(c->pend_text)) {
		ini_fail(c, c->lineno, 1, "distance row longer than %d characters",
			 INI_PENDING_MAX - 1);
		return 0;
	}
	snprintf(c->pend_text + len, sizeof(c->pend_text) - len, " %.*s", (int)n, value);
	c->pend_multi = true;
	return 1;
}

/* inih's handler: one key = value of the current section. 1 to go on, 0 on error. */
static int ini_on_key(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *c = user;
	char canon[32], hint[64], list[200];

	(void)section;	/* the reader tracked it, with the node number parsed */
	if (c->failed)
		return 0;
	bool cont = ini_is_continuation(c->raw, value);
	int col = ini_value_col(c->raw, cont);
	if (cont)
		return ini_continue(c, name, value);
	if (ini_flush_distance(c))
		return 0;
	if (c->sec == SEC_NONE) {
		ini_fail(c, c->lineno, 1, "\"%s\" is outside any section; expected it under "
			 "[machine], [kernel], [memory] or [node N]", name);
		return 0;
	}
	const struct key_def *k = find_key(name, c->sec);
	if (!k) {
		const struct key_def *elsewhere = NULL;
		for (size_t i = 0; i < NR_KEYS && !elsewhere; i++)
			if (!strcmp(keys[i].name, name))
				elsewhere = &keys[i];
		key_list(c->sec, list, sizeof(list));
		suggest_key(name, 1u << c->sec, hint, sizeof(hint));
		if (elsewhere && elsewhere->sec == SEC_OPTION)
			snprintf(hint, sizeof(hint), " (\"%s\" is an option, not a file key)",
				 name);
		else if (elsewhere)
			snprintf(hint, sizeof(hint), " (\"%s\" belongs in %s)", name,
				 section_name(elsewhere->sec));
		ini_fail(c, c->lineno, (int)lead(c->raw) + 1, "unknown key \"%.64s\" in %s%s; "
			 "expected %s", name, section_name(c->sec), hint, list);
		return 0;
	}
	if (k->sec == SEC_NODE)
		snprintf(canon, sizeof(canon), "node.%u.%s", c->node, name);
	else
		snprintf(canon, sizeof(canon), "%s", name);
	if (k->sec != SEC_MEMORY) {
		int first = ini_seen_before(c, canon);
		if (first < 0) {
			ini_failed_at(c, c->lineno, err_set(c->err, -ENOMEM, c->path, c->lineno,
							   0, "out of memory"));
			return 0;
		}
		if (first) {
			ini_fail(c, c->lineno, (int)lead(c->raw) + 1, "%s is given twice (first on "
				 "line %d); expected each key once", name, first);
			return 0;
		}
	}
	if (k->set == set_node_distance) {
		if (check_node_exists(&c->desc, &(struct where){ .file = c->path,
				.line = c->lineno, .col = col, .key = name, .err = c->err },
				c->node)) {
			ini_failed_at(c, c->lineno, -EINVAL);
			return 0;
		}
		snprintf(c->pend_text, sizeof(c->pend_text), "%s", value);
		c->pend = true;
		c->pend_multi = false;
		c->pend_node = c->node;
		c->pend_line = c->lineno;
		c->pend_col = col;
		return 1;
	}
	if (k->set == set_ram)
		c->ram_line = c->lineno;
	struct where w = { .file = c->path, .line = c->lineno, .col = col, .key = name,
			   .dir = c->dir, .range_line = c->range_line, .err = c->err };
	int rc = k->set(&c->desc, value, &w, c->node);
	if (rc) {
		ini_failed_at(c, c->lineno, rc);
		return 0;
	}
	return 1;
}

/* Checks of the whole file once read: ram vs a map, and every invariant of the result. */
static int ini_finish(struct ini_ctx *c)
{
	struct mmsim_error e = { 0 };
	int rc;

	if (c->ram_line && c->desc.nr_ranges)
		return ini_fail(c, c->ram_line, 0, "ram: cannot be combined with a memory map "
				"([memory] ranges or e820): the map gives the RAM; keep one");
	rc = machine_desc_validate(&c->desc, &e);
	if (rc)
		return err_set(c->err, rc, c->path, 0, 0, "%s", e.msg);
	return 0;
}

int mmsim_config_load_ini(mmsim_config *cfg, const char *path, struct mmsim_error *err)
{
	int rc = 0;

	if (!cfg || !path)
		return err_set(err, -EINVAL, NULL, 0, 0, "mmsim_config_load_ini needs a config and "
			       "a path");
	struct ini_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return err_set(err, -ENOMEM, path, 0, 0, "out of memory");
	c->desc = cfg->desc;
	c->path = path;
	c->err = err;
	const char *slash = strrchr(path, '/');
	if (slash)
		snprintf(c->dir, sizeof(c->dir), "%.*s", (int)(slash - path + (slash == path)),
			 path);
	else
		snprintf(c->dir, sizeof(c->dir), ".");
	c->f = open_input(path, err, &rc);
	if (c->f) {
		int line = ini_parse_stream(ini_next_line, c, ini_on_key, c);
		if (line < 0)
			rc = err_set(err, -ENOMEM, path, 0, 0, "the INI reader failed (%d)", line);
		else if (line > 0 && (!c->failed || line < c->fail_line))
			rc = err_set(err, -EINVAL, path, line, 0, "expected \"key = value\", "
				     "\"[section]\" or a comment (; or #)");
		else if (c->failed)
			rc = c->fail_rc;
		else if (ferror(c->f))
			rc = err_set(err, -EIO, path, c->lineno, 0, "read error after this line");
		else if (ini_flush_distance(c))
			rc = c->fail_rc;
		else
			rc = ini_finish(c);
		fclose(c->f);
	}
	if (!rc)
		cfg->desc = c->desc;
	free(c->seen);
	free(c);
	return rc;
}

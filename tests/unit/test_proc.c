/*
 * The /proc renderers (src/report/): every file of a few booted machines, byte for byte
 * against tests/golden/<machine>/<file>, and every line of each file against the grammar
 * of the same file saved from the development machine (tests/oracle/host-6.18/).
 *
 * Regenerate the golden files after a deliberate change with
 *     MMSIM_UPDATE_GOLDEN=1 ./test_proc
 * then read the diff (git diff tests/golden) line by line before committing it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmsim/mmsim.h"
#include "boot.h"
#include "kernel/access.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/mman.h"
#include "mm/memory.h"
#include "fs/fs.h"
#include "mm/mmap.h"
#include "mm/page_alloc.h"
#include "mm/pagemap.h"
#include "mm/vma.h"
#include "report/proc.h"

#define GOLDEN_DIR MMSIM_SOURCE_DIR "/tests/golden"
#define ORACLE_DIR MMSIM_SOURCE_DIR "/tests/oracle/host-6.18"

/* ---- machines ------------------------------------------------------------------------- */

/*
 * A machine of the golden set: its directory name under tests/golden and its description.
 * Invariant: name is a plain directory name; keys ends with a { NULL, NULL } pair.
 */
struct golden_machine {
	const char *name;
	const char *e820_file;		/* NULL, or a dmesg with BIOS-e820 lines (under the source dir) */
	const char *keys[8][2];		/* NULL-terminated */
};

static const struct golden_machine machines[] = {
	{ "x86_64-4g", NULL, { { "arch", "x86_64" }, { "ram", "4G" }, { "cpus", "2" } } },
	/* The development machine's firmware map: zone sizes can be compared with its zoneinfo. */
	{ "x86_64-host", "/tests/oracle/host-6.18/dmesg.txt", { { "cpus", "2" } } },
	{ "x86_64-2node", NULL,
	  { { "arch", "x86_64" }, { "ram", "8G" }, { "nodes", "2" }, { "cpus", "4" } } },
	{ "i386-2g", NULL, { { "arch", "i386" }, { "ram", "2G" }, { "cpus", "2" } } },
	{ "arm64-2g", NULL, { { "arch", "arm64" }, { "ram", "2G" }, { "cpus", "2" } } },
};
#define NR_MACHINES (sizeof(machines) / sizeof(machines[0]))

static mmsim_machine *boot_machine(const struct golden_machine *g)
{
	mmsim_config *cfg = NULL;
	mmsim_machine *m = NULL;
	struct mmsim_error err = { 0 };
	char msg[1024];

	assert_int_equal(mmsim_config_new(&cfg), 0);
	if (g->e820_file) {
		char path[512];
		snprintf(path, sizeof(path), "%s%s", MMSIM_SOURCE_DIR, g->e820_file);
		if (mmsim_config_load_e820(cfg, path, &err) != 0) {
			mmsim_error_format(&err, msg, sizeof(msg));
			fail_msg("%s: %s", g->name, msg);
		}
	}
	for (int i = 0; g->keys[i][0]; i++) {
		if (mmsim_config_set(cfg, g->keys[i][0], g->keys[i][1], &err) != 0) {
			mmsim_error_format(&err, msg, sizeof(msg));
			fail_msg("%s: %s=%s: %s", g->name, g->keys[i][0], g->keys[i][1], msg);
		}
	}
	if (mmsim_boot(cfg, &m, &err) != 0) {
		mmsim_error_format(&err, msg, sizeof(msg));
		fail_msg("%s: boot: %s", g->name, msg);
	}
	mmsim_config_free(cfg);
	return m;
}

static char *render(mmsim_machine *m, const char *name)
{
	char *out = NULL;
	size_t len = 0;
	int ret = mmsim_proc_render(m, name, &out, &len);
	if (ret != 0)
		fail_msg("render %s: %s", name, mmsim_strerror(ret));
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	return out;
}

/* ---- files ---------------------------------------------------------------------------- */

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		fail_msg("cannot write %s", path);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static bool update_golden(void)
{
	const char *v = getenv("MMSIM_UPDATE_GOLDEN");
	return v && strcmp(v, "1") == 0;
}

/* Fail with the first line where got differs from want. */
static void assert_same_text(const char *what, const char *got, const char *want,
			     const char *hint)
{
	if (strcmp(got, want) == 0)
		return;
	int line = 1;
	const char *g = got, *w = want;
	while (*g && *g == *w) {
		if (*g == '\n')
			line++;
		g++;
		w++;
	}
	const char *gl = g, *wl = w;
	while (gl > got && gl[-1] != '\n')
		gl--;
	while (wl > want && wl[-1] != '\n')
		wl--;
	fail_msg("%s differs at line %d:\n  got:  %.*s\n  want: %.*s\n%s", what, line,
		 (int)strcspn(gl, "\n"), gl, (int)strcspn(wl, "\n"), wl, hint);
}

static void check_golden(const char *machine, const char *file, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, machine);
	if (update_golden()) {
		mkdir(GOLDEN_DIR, 0755);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/%s/%s", GOLDEN_DIR, machine, file);
		write_file(path, text);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s/%s", GOLDEN_DIR, machine, file);
	char *want = read_file(path);
	if (!want)
		fail_msg("no golden file %s (MMSIM_UPDATE_GOLDEN=1 creates it)", path);
	assert_same_text(path, text, want,
			 "(MMSIM_UPDATE_GOLDEN=1 regenerates; read the diff before committing)");
	free(want);
}

/* ---- line grammar --------------------------------------------------------------------- */

/*
 * The shape of a line: its text with every value token (a number, a zone name, and for
 * slabinfo the cache name) replaced by '#' and the spaces before each token taken out, plus
 * for each token the spaces before it and its length. Two lines with the same skeleton have
 * the same field names and the same fixed text; the token spacing is checked separately.
 * Invariant: ntok <= MAX_TOKENS; skel is NUL-terminated.
 */
#define MAX_TOKENS 64
struct shape {
	char skel[512];
	int ntok;
	int spaces[MAX_TOKENS], len[MAX_TOKENS];
	int end[MAX_TOKENS];	/* column just after the token in the line */
};

static const char *const zone_names[] = { "DMA32", "DMA", "Normal", "HighMem", "Movable",
					   "Device" };

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_';
}

/* Length of a value token at s (0 if none): s follows a non-word character. */
static int token_at(const char *s, const char *end)
{
	int n = 0;
	while (s + n < end && s[n] >= '0' && s[n] <= '9')
		n++;
	if (n && (s + n == end || !is_alnum(s[n])))
		return n;
	for (size_t i = 0; i < sizeof(zone_names) / sizeof(zone_names[0]); i++) {
		int zl = (int)strlen(zone_names[i]);
		if (end - s >= zl && !strncmp(s, zone_names[i], (size_t)zl) &&
		    (s + zl == end || !is_alnum(s[zl])))
			return zl;
	}
	return 0;
}

/* Collapse repeated ",#" (the protection array has one value per zone the kernel compiles). */
static void collapse_lists(char *skel)
{
	char *p;
	while ((p = strstr(skel, ",#,#")) != NULL)
		memmove(p + 2, p + 4, strlen(p + 4) + 1);
}

static void line_shape(const char *line, size_t n, bool first_word_token, struct shape *s)
{
	const char *end = line + n, *p = line;
	size_t k = 0;

	s->ntok = 0;
	if (first_word_token && n && line[0] != '#' && strncmp(line, "slabinfo", 8) != 0) {
		int w = (int)strcspn(line, " ");
		s->spaces[0] = 0;
		s->len[0] = w;
		s->end[0] = w;
		s->ntok = 1;
		s->skel[k++] = '#';
		p += w;
	}
	while (p < end && k + 2 < sizeof(s->skel)) {
		const char *q = p;
		while (q < end && *q == ' ')
			q++;
		bool boundary = p == line || !is_alnum(p[-1]) || q > p;
		int t = boundary && q < end && (q == line || !is_alnum(q[-1])) ? token_at(q, end) : 0;
		if (t && s->ntok < MAX_TOKENS) {
			s->spaces[s->ntok] = (int)(q - p);
			s->len[s->ntok] = t;
			s->end[s->ntok] = (int)(q + t - line);
			s->ntok++;
			s->skel[k++] = '#';
			p = q + t;
			continue;
		}
		/* copy the spaces and one more character as fixed text */
		while (p < q && k + 2 < sizeof(s->skel))
			s->skel[k++] = *p++;
		if (p < end)
			s->skel[k++] = *p++;
	}
	s->skel[k] = '\0';
	collapse_lists(s->skel);
}

/* The host file split into shapes. Invariant: lines holds n shapes (NULL when n == 0). */
struct host_grammar {
	int n;
	struct shape *lines;
};

static void grammar_add_text(struct host_grammar *g, const char *text, bool first_word)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		g->lines = realloc(g->lines, sizeof(*g->lines) * (size_t)(g->n + 1));
		assert_non_null(g->lines);
		line_shape(p, n, first_word, &g->lines[g->n++]);
		p += n + (p[n] == '\n');
	}
}

/*
 * A field the whole host file right-aligns at one column: at least 90% of the host tokens
 * at index i (of lines with ntok tokens) end at one column, with at least two different
 * lengths among them (show_val_kb of meminfo pads every label so values end at column 24).
 * Returns that column, or -1.
 */
static int file_right_edge(const struct host_grammar *g, int ntok, int i)
{
	if (i >= ntok)
		return -1;
	for (int h = 0; h < g->n; h++) {
		const struct shape *c = &g->lines[h];
		if (c->ntok != ntok)
			continue;
		int all = 0, at = 0, minlen = 1 << 30, maxlen = 0;
		for (int k = 0; k < g->n; k++) {
			const struct shape *o = &g->lines[k];
			if (o->ntok != ntok)
				continue;
			all++;
			if (o->end[i] == c->end[i]) {
				at++;
				minlen = o->len[i] < minlen ? o->len[i] : minlen;
				maxlen = o->len[i] > maxlen ? o->len[i] : maxlen;
			}
		}
		if (at * 10 >= all * 9 && minlen != maxlen)
			return c->end[i];
	}
	return -1;
}

/*
 * Is token i of ours spaced as in the host lines of the same skeleton? Learned per field
 * from the host: constant spaces = left-aligned after padded text, constant spaces+length
 * with varying lengths = right-aligned in a field (a longer value may overflow it). When
 * the host shows one width only, a column the whole file right-aligns to decides.
 */
static bool token_spacing_ok(const struct host_grammar *g, const struct shape *ours, int i)
{
	bool same_sp = true, same_total = true, same_len = true, seen = false;
	int sp = 0, total = 0, len = 0, min_sp = 1 << 30;

	for (int h = 0; h < g->n; h++) {
		const struct shape *hs = &g->lines[h];
		if (strcmp(hs->skel, ours->skel) || i >= hs->ntok)
			continue;
		if (!seen) {
			sp = hs->spaces[i];
			total = hs->spaces[i] + hs->len[i];
			len = hs->len[i];
			seen = true;
		}
		same_sp &= hs->spaces[i] == sp;
		same_total &= hs->spaces[i] + hs->len[i] == total;
		same_len &= hs->len[i] == len;
		if (hs->spaces[i] < min_sp)
			min_sp = hs->spaces[i];
	}
	if (!seen)
		return true;	/* a list longer than the host's (collapsed): nothing to learn */
	int osp = ours->spaces[i], ototal = osp + ours->len[i];
	bool left = same_sp && osp == sp;
	bool right = same_total && (ototal == total || (ototal > total && osp <= min_sp && osp >= 1));
	if (same_len) {		/* one width seen: either reading fits, unless the file says */
		int edge = file_right_edge(g, ours->ntok, i);
		if (edge >= 0)
			return ours->end[i] == edge || (ours->end[i] > edge && osp <= min_sp && osp >= 1);
		return left || right;
	}
	if (same_sp)
		return left;
	if (same_total)
		return right;
	return true;		/* the host itself is irregular here (overflowing values) */
}

/*
 * Every line of text has a host line of the same shape, with its values spaced alike.
 * Returns NULL, or a malloc'd sentence naming the first line that breaks the grammar.
 */
static char *grammar_problem_host(const char *host, bool first_word, const char *text,
				  const char *const *extra_lines)
{
	char *msg = NULL;
	struct host_grammar g = { 0, NULL };
	grammar_add_text(&g, host, first_word);
	for (int i = 0; extra_lines && extra_lines[i]; i++)
		grammar_add_text(&g, extra_lines[i], first_word);

	int lineno = 1;
	for (const char *p = text; *p && !msg; lineno++) {
		size_t n = strcspn(p, "\n");
		struct shape s;
		line_shape(p, n, first_word, &s);
		bool found = false;
		for (int h = 0; h < g.n && !found; h++)
			found = strcmp(g.lines[h].skel, s.skel) == 0;
		if (!found)
			assert_true(asprintf(&msg, "line %d has no counterpart in the host's file: "
					     "\"%.*s\" (shape \"%s\")", lineno, (int)n, p, s.skel) > 0);
		for (int t = 0; t < s.ntok && !msg; t++)
			if (!token_spacing_ok(&g, &s, t))
				assert_true(asprintf(&msg, "line %d: value %d is spaced unlike the "
						     "host's: \"%.*s\"", lineno, t + 1, (int)n, p) > 0);
		p += n + (p[n] == '\n');
	}
	free(g.lines);
	return msg;
}

/* grammar_problem_host against the host's copy of /proc/<file>. */
static char *grammar_problem(const char *file, const char *text, const char *const *extra_lines)
{
	char path[512], *msg = NULL;
	snprintf(path, sizeof(path), "%s/%s", ORACLE_DIR, file);
	char *host = read_file(path);
	if (!host) {
		assert_true(asprintf(&msg, "no host copy %s", path) > 0);
		return msg;
	}
	msg = grammar_problem_host(host, strcmp(file, "slabinfo") == 0, text, extra_lines);
	free(host);
	return msg;
}

static void check_grammar(const char *machine, const char *file, const char *text,
			  const char *const *extra_lines)
{
	char *msg = grammar_problem(file, text, extra_lines);
	if (msg)
		fail_msg("%s/%s %s", machine, file, msg);
}

/*
 * Lines Linux prints only with a configuration the host lacks (CONFIG_HIGHMEM on i386),
 * written with the format strings of fs/proc/meminfo.c and mm/vmstat.c.
 */
static const char *const highmem_meminfo[] = {
	"HighTotal:             0 kB\nHighFree:              0 kB\n"
	"LowTotal:              0 kB\nLowFree:               0 kB\n", NULL };
static const char *const highmem_vmstat[] = { "pgalloc_high 0\n", "allocstall_high 0\n", NULL };

static const char *const *extra_for(const char *file)
{
	if (!strcmp(file, "meminfo"))
		return highmem_meminfo;
	if (!strcmp(file, "vmstat"))
		return highmem_vmstat;
	return NULL;
}

/* ---- the tests ------------------------------------------------------------------------ */

/* Files whose every line must follow the host copy's grammar. */
static const char *const host_files[] = { "buddyinfo", "pagetypeinfo", "zoneinfo", "meminfo",
					  "vmstat", "slabinfo", NULL };

static bool is_host_file(const char *name)
{
	for (int i = 0; host_files[i]; i++)
		if (!strcmp(host_files[i], name))
			return true;
	return false;
}

static void test_golden_and_grammar(void **state)
{
	(void)state;
	for (size_t i = 0; i < NR_MACHINES; i++) {
		mmsim_machine *m = boot_machine(&machines[i]);
		for (const char *const *n = mmsim_proc_names(); *n; n++) {
			char *text = render(m, *n);
			/* Rendering reads only: a second rendering is the same bytes. */
			char *again = render(m, *n);
			assert_string_equal(text, again);
			free(again);
			check_golden(machines[i].name, *n, text);
			if (is_host_file(*n))
				check_grammar(machines[i].name, *n, text, extra_for(*n));
			free(text);
		}
		char *json = NULL;
		size_t len = 0;
		assert_int_equal(mmsim_machine_json(m, &json, &len), 0);
		assert_int_equal(strlen(json), len);
		check_golden(machines[i].name, "machine.json", json);
		free(json);
		mmsim_machine_free(m);
	}
}

static void test_unknown_and_bad_arguments(void **state)
{
	(void)state;
	mmsim_machine *m = boot_machine(&machines[0]);
	char *out = (char *)"untouched";
	size_t len = 7;
	assert_int_equal(mmsim_proc_render(m, "maps", &out, &len), -ENOENT);
	assert_int_equal(mmsim_proc_render(m, "", &out, &len), -ENOENT);
	assert_int_equal(mmsim_proc_render(m, "buddyinfo ", &out, &len), -ENOENT);
	assert_string_equal(out, "untouched");
	assert_int_equal(len, 7);
	assert_int_equal(mmsim_proc_render(NULL, "buddyinfo", &out, &len), -EINVAL);
	assert_int_equal(mmsim_proc_render(m, NULL, &out, &len), -EINVAL);
	assert_int_equal(mmsim_proc_render(m, "buddyinfo", NULL, &len), -EINVAL);
	assert_int_equal(mmsim_machine_json(NULL, &out, &len), -EINVAL);
	/* len is optional */
	assert_int_equal(mmsim_proc_render(m, "meminfo", &out, NULL), 0);
	free(out);
	mmsim_machine_free(m);
}

static void test_names(void **state)
{
	(void)state;
	static const char *const want[] = { "buddyinfo", "pagetypeinfo", "zoneinfo", "meminfo",
					    "vmstat", "slabinfo", "iomem", "memblock", "swaps",
					    "dmesg", "faults", "policy" };
	const char *const *n = mmsim_proc_names();
	size_t i = 0;
	for (; n[i]; i++) {
		assert_true(i < sizeof(want) / sizeof(want[0]));
		assert_string_equal(n[i], want[i]);
	}
	assert_int_equal(i, sizeof(want) / sizeof(want[0]));
}

/* Value of "key N" (first number after key) in text, or -1. */
static long long field(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	if (!p)
		return -1;
	p += strlen(key);
	while (*p == ' ' || *p == ':')
		p++;
	return strtoll(p, NULL, 10);
}

/* The files agree with each other and with the JSON document. */
static void test_cross_file_consistency(void **state)
{
	(void)state;
	for (size_t i = 0; i < NR_MACHINES; i++) {
		mmsim_machine *m = boot_machine(&machines[i]);
		char *meminfo = render(m, "meminfo");
		char *vmstat = render(m, "vmstat");
		char *buddy = render(m, "buddyinfo");
		char *zoneinfo = render(m, "zoneinfo");
		char *json = NULL;
		assert_int_equal(mmsim_machine_json(m, &json, NULL), 0);
		json_error_t jerr;
		json_t *doc = json_loads(json, 0, &jerr);
		if (!doc)
			fail_msg("%s: JSON does not parse: %s line %d", machines[i].name, jerr.text,
				 jerr.line);
		long long page_kb = json_integer_value(json_object_get(
			json_object_get(doc, "machine"), "page_size")) / 1024;

		/* MemFree == nr_free_pages == sum of buddyinfo blocks == sum of "pages free". */
		long long memfree = field(meminfo, "MemFree:");
		long long nr_free = field(vmstat, "nr_free_pages");
		assert_int_equal(memfree, nr_free * page_kb);
		long long buddy_pages = 0, zone_free = 0;
		for (const char *p = buddy; *p; p += strcspn(p, "\n") + 1) {
			/* "Node N, zone NAME c0 c1 ..." : the counts follow the zone name */
			const char *q = strstr(p, "zone") + 4;
			q += strspn(q, " ");
			q += strcspn(q, " ");
			for (int order = 0; *q == ' ' && q[1] != '\n' && q[1]; order++) {
				char *e;
				buddy_pages += strtoll(q, &e, 10) << order;
				q = e;
			}
		}
		for (const char *p = zoneinfo; (p = strstr(p, "  pages free")); p++)
			zone_free += strtoll(p + strlen("  pages free"), NULL, 10);
		/* NR_FREE_PAGES counts the buddy lists only (pcp pages count as allocated). */
		assert_int_equal(zone_free, nr_free);
		assert_int_equal(buddy_pages, nr_free);

		/* MemTotal is the JSON's totalram and the sum of managed pages. */
		json_t *mach = json_object_get(doc, "machine");
		long long total = json_integer_value(json_object_get(mach, "totalram_pages"));
		assert_int_equal(field(meminfo, "MemTotal:"), total * page_kb);
		long long managed = 0;
		for (const char *p = zoneinfo; (p = strstr(p, "managed  ")); p++)
			managed += strtoll(p + strlen("managed  "), NULL, 10);
		assert_int_equal(managed, total);
		assert_int_equal(json_integer_value(json_object_get(
			json_object_get(doc, "meminfo_kb"), "MemFree")), memfree);
		assert_int_equal(json_integer_value(json_object_get(
			json_object_get(doc, "vm_stats"), "nr_free_pages")), nr_free);
		/* Slab is SReclaimable + SUnreclaim. */
		assert_int_equal(field(meminfo, "Slab:"),
				 field(meminfo, "SReclaimable:") + field(meminfo, "SUnreclaim:"));

		json_decref(doc);
		free(json);
		free(meminfo);
		free(vmstat);
		free(buddy);
		free(zoneinfo);
		mmsim_machine_free(m);
	}
}

/*
 * The development machine's firmware map gives the top-level e820 lines of its /proc/iomem:
 * with a copy of that file in tests/oracle/host-6.18/iomem, the x86_64-host machine's iomem
 * must be exactly its top-level lines of e820 types (the PCI and device lines are not
 * modelled).
 */
static void test_iomem_matches_host(void **state)
{
	(void)state;
	static const char *const e820_names[] = { "System RAM", "Reserved", "ACPI Tables",
		"ACPI Non-volatile Storage", "Unusable memory", "Persistent Memory (legacy)",
		"Persistent Memory", "Soft Reserved", NULL };
	char *host = read_file(ORACLE_DIR "/iomem");
	if (!host)
		skip();		/* no saved copy of the host's /proc/iomem */
	char want[4096] = "";
	for (const char *p = host; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n')) {
		size_t n = strcspn(p, "\n");
		const char *name = strstr(p, " : ");
		if (p[0] == ' ' || !name || name > p + n)
			continue;	/* nested line */
		for (int i = 0; e820_names[i]; i++)
			if ((size_t)(p + n - (name + 3)) == strlen(e820_names[i]) &&
			    !strncmp(name + 3, e820_names[i], strlen(e820_names[i])))
				snprintf(want + strlen(want), sizeof(want) - strlen(want), "%.*s\n",
					 (int)n, p);
	}
	free(host);
	mmsim_machine *m = boot_machine(&machines[1]);
	assert_string_equal(machines[1].name, "x86_64-host");
	char *got = render(m, "iomem");
	assert_same_text("x86_64-host iomem", got, want,
			 "(want: the top-level e820 lines of " ORACLE_DIR "/iomem)");
	free(got);
	mmsim_machine_free(m);
}

/* The grammar checker accepts the host's own files and rejects lines Linux would not print. */
static void test_grammar_checker(void **state)
{
	(void)state;
	static const struct { const char *file, *line; bool ok; } cases[] = {
		{ "buddyinfo", "Node 0, zone      DMA      0      0      0      0      0      0      "
			       "0      0      1      1      3 \n", true },
		/* a count one column off */
		{ "buddyinfo", "Node 0, zone      DMA     0      0      0      0      0      0      "
			       "0      0      1      1      3 \n", false },
		/* zone name not right-aligned in 8 */
		{ "buddyinfo", "Node 0, zone DMA      0      0      0      0      0      0      "
			       "0      0      1      1      3 \n", false },
		{ "zoneinfo", "Node 0, zone  HighMem\n", true },
		{ "zoneinfo", "        protection: (0, 814, 1966, 1966)\n", true },
		{ "zoneinfo", "        protection: (0,814, 1966, 1966)\n", false },
		{ "zoneinfo", "      nr_mlock     12345\n", true },
		/* %-12s: the value starts in a fixed column */
		{ "zoneinfo", "      nr_mlock   12345\n", false },
		{ "zoneinfo", "      nr_mlock 0\n", false },
		{ "zoneinfo", "  pages  free     0\n", false },
		{ "meminfo", "MemTotal:        4088532 kB\n", true },
		{ "meminfo", "MemTotal:       4088532 kB\n", false },
		{ "meminfo", "MemTotal:        4088532 KB\n", false },
		{ "meminfo", "HighTotal:       1179648 kB\n", true },
		{ "vmstat", "pgalloc_high 0\n", true },
		{ "vmstat", "pgalloc_highmem 0\n", false },
		{ "vmstat", "nr_free_pages  0\n", false },
		{ "pagetypeinfo", "Pages per block:  1024\n", true },
	};
	for (int i = 0; host_files[i]; i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", ORACLE_DIR, host_files[i]);
		char *text = read_file(path);
		assert_non_null(text);
		char *msg = grammar_problem(host_files[i], text, NULL);
		if (msg)
			fail_msg("the host's own %s: %s", host_files[i], msg);
		free(text);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *msg = grammar_problem(cases[i].file, cases[i].line, extra_for(cases[i].file));
		if (cases[i].ok && msg)
			fail_msg("case %zu (%s) rejected: %s", i, cases[i].file, msg);
		if (!cases[i].ok && !msg)
			fail_msg("case %zu (%s) accepted: %s", i, cases[i].file, cases[i].line);
		free(msg);
	}
}

/* ---- /proc/PID files against the live kernel: the smaps probe ----------------------------- */

/*
 * tests/oracle/probes/smaps_probe.c, run on the development machine (Linux 6.18 x86-64,
 * `setarch -R`, as root), printed the host_* texts at the end of this file; they are pasted
 * verbatim. The sim_* functions make the same mappings, accesses, forks and exits in mmsim
 * and print the same text by the probe's rules (its header): for each step the VMA's smaps
 * block without the header line, the change of RssAnon/RssFile/RssShmem made by the step's
 * own accesses, and the pagemap flags of its pages with each frame named by the page that
 * first showed it in that process ("zero": the shared zero page, "-": no frame). The texts
 * must be equal line for line.
 */

#define PB 0x200000000ull	/* the probe's base address B (2 MiB aligned) */
#define PPS 4096ull
#define MAX_FRAMES 128

static const char *const sim_status_keys[] = { "RssAnon:", "RssFile:", "RssShmem:" };
#define NR_SIM_KEYS (sizeof(sim_status_keys) / sizeof(sim_status_keys[0]))

/*
 * One process of a probe run and what the probe keeps per process (copied at fork, as
 * the probe's globals are). Invariant: nframes <= MAX_FRAMES.
 */
struct sim_proc {
	struct task_struct *t;
	long base_kb[NR_SIM_KEYS], delta_kb[NR_SIM_KEYS];
	int nframes;
	uint64_t frames[MAX_FRAMES];
	char frame_names[MAX_FRAMES][24];
};

/* A probe run: the machine and the text printed so far (out writes into text). */
struct sim {
	mmsim_machine *m;
	FILE *out;
	char *text;
	size_t len;
	uint64_t zero_pfn;
};

static const char *const sim_kv[] = { "ram", "1G", "check", "1", NULL };

static void sim_start(struct sim *s, struct sim_proc *p, const char *const *kv)
{
	memset(s, 0, sizeof(*s));
	memset(p, 0, sizeof(*p));
	s->m = boot(kv ? kv : sim_kv);
	s->out = open_memstream(&s->text, &s->len);
	assert_non_null(s->out);
	assert_int_equal(task_create(s->m, 100, true, &p->t), 0);
	p->t->personality = ADDR_NO_RANDOMIZE;
	arch_pick_mmap_layout(p->t->mm, p->t);
	s->zero_pfn = zero_pfn(&s->m->mm);
}

/* The text printed; the machine is freed. */
static char *sim_finish(struct sim *s)
{
	struct mmsim_error err = { 0 };
	char msg[512];

	if (machine_check(s->m, &err)) {
		mmsim_error_format(&err, msg, sizeof(msg));
		fail_msg("machine_check: %s", msg);
	}
	mmsim_machine_free(s->m);
	assert_int_equal(fclose(s->out), 0);
	return s->text;
}

static void sim_map(struct sim_proc *p, uint64_t va, uint64_t len, uint64_t prot, uint64_t flags)
{
	assert_int_equal(sys_mmap(p->t, va, len, prot, flags | MAP_FIXED, -1, 0), (int64_t)va);
}

static void sim_touch(struct sim *s, struct sim_proc *p, uint64_t va, unsigned int kind)
{
	struct access_result r;

	assert_int_equal(task_access(s->m, p->t, va, 1, kind, &r), 0);
	assert_int_equal(r.signo, 0);
}

/* fork: the child is a copy of the process, the probe's per-process state included. */
static void sim_fork(struct sim *s, struct sim_proc *parent, struct sim_proc *child)
{
	int pid;

	assert_int_equal(do_fork(s->m, parent->t, 0, 0, &pid), 0);
	*child = *parent;
	child->t = find_task_by_pid(s->m, pid);
	assert_non_null(child->t);
}

static void sim_exit(struct sim *s, struct sim_proc *p)
{
	do_exit_group(s->m, p->t, 0);
	task_free(s->m, p->t);	/* the parent's wait() reaps it */
	p->t = NULL;
}

static char *sim_render(struct sim *s, struct sim_proc *p, const char *file)
{
	char *text = NULL;
	size_t len;
	int ret = mmsim_proc_pid_render(s->m, p->t->pid, file, &text, &len);

	if (ret)
		fail_msg("/proc/%d/%s: %s", p->t->pid, file, mmsim_strerror(ret));
	return text;
}

static long sim_status_kb(struct sim *s, struct sim_proc *p, const char *key)
{
	char *st = sim_render(s, p, "status");
	const char *at = strstr(st, key);
	long v = at ? strtol(at + strlen(key), NULL, 10) : -1;

	free(st);
	assert_true(v >= 0);
	return v;
}

/* Before a step's accesses (the probe's mark). */
static void sim_mark(struct sim *s, struct sim_proc *p)
{
	for (size_t i = 0; i < NR_SIM_KEYS; i++)
		p->base_kb[i] = sim_status_kb(s, p, sim_status_keys[i]);
}

/* After them (measure). */
static void sim_measure(struct sim *s, struct sim_proc *p)
{
	for (size_t i = 0; i < NR_SIM_KEYS; i++)
		p->delta_kb[i] = sim_status_kb(s, p, sim_status_keys[i]) - p->base_kb[i];
}

static uint64_t sim_pagemap_entry(struct sim *s, struct sim_proc *p, uint64_t va)
{
	uint64_t e = 0;

	assert_int_equal(mmsim_proc_pid_read(s->m, p->t->pid, "pagemap", va / PPS * 8, &e, 8), 8);
	return e;
}

/* frame_name of the probe. */
static const char *sim_frame_name(struct sim *s, struct sim_proc *p, uint64_t pfn, uint64_t va)
{
	if (pfn == 0)
		return "-";
	if (pfn == s->zero_pfn)
		return "zero";
	for (int i = 0; i < p->nframes; i++)
		if (p->frames[i] == pfn)
			return p->frame_names[i];
	assert_true(p->nframes < MAX_FRAMES);
	p->frames[p->nframes] = pfn;
	snprintf(p->frame_names[p->nframes], sizeof(p->frame_names[0]), "p%llu",
		 (unsigned long long)((va - PB) / PPS));
	p->nframes++;
	return "new";
}

static void sim_show_pagemap(struct sim *s, struct sim_proc *p, uint64_t va, int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t a = va + (uint64_t)i * PPS, e = sim_pagemap_entry(s, p, a);

		fprintf(s->out, "pagemap p%llu:%s%s%s%s%s%s%s %s\n",
			(unsigned long long)((a - PB) / PPS),
			e >> 63 & 1 ? " present" : "", e >> 62 & 1 ? " swap" : "",
			e >> 61 & 1 ? " file" : "", e >> 58 & 1 ? " guard" : "",
			e >> 57 & 1 ? " uffd-wp" : "", e >> 56 & 1 ? " exclusive" : "",
			e >> 55 & 1 ? " soft-dirty" : "",
			sim_frame_name(s, p, e & ((1ull << 55) - 1), a));
	}
}

/* The probe's step: smaps block of the VMA at va, status deltas, pagemap of its pages. */
static void sim_step(struct sim *s, struct sim_proc *p, const char *name, uint64_t va, int pages)
{
	char key[32], *smaps = sim_render(s, p, "smaps");
	const char *at;

	fprintf(s->out, "== %s\n", name);
	snprintf(key, sizeof(key), "%llx-", (unsigned long long)va);
	at = strstr(smaps, key);
	if (!at || (at != smaps && at[-1] != '\n'))
		fail_msg("step %s: no VMA at %s in\n%s", name, key, smaps);
	at += strcspn(at, "\n") + 1;
	const char *end = strstr(at, "VmFlags:");
	assert_non_null(end);
	end += strcspn(end, "\n") + 1;
	fwrite(at, 1, (size_t)(end - at), s->out);
	free(smaps);
	for (size_t i = 0; i < NR_SIM_KEYS; i++)
		fprintf(s->out, "%s %+ld kB\n", sim_status_keys[i], p->delta_kb[i]);
	memset(p->delta_kb, 0, sizeof(p->delta_kb));
	sim_show_pagemap(s, p, va, pages);
}

static void sim_compare(const char *mode, char *got, const char *want)
{
	char what[64];

	snprintf(what, sizeof(what), "smaps probe, mode %s", mode);
	assert_same_text(what, got, want, "(want: tests/oracle/probes/smaps_probe.c on the host)");
	free(got);
}

/* The probe's mode anon. */
static char *sim_anon(void)
{
	struct sim s;
	struct sim_proc p, c, g;

	sim_start(&s, &p, NULL);
	sim_map(&p, PB, 16 * PPS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	sim_mark(&s, &p);
	for (int i = 0; i < 8; i++)
		sim_touch(&s, &p, PB + i * PPS, MMU_WRITE);
	for (int i = 8; i < 12; i++)
		sim_touch(&s, &p, PB + i * PPS, MMU_READ);
	sim_measure(&s, &p);
	sim_step(&s, &p, "anon: write p0-p7, read p8-p11", PB, 16);
	sim_fork(&s, &p, &c);
	sim_step(&s, &c, "child: 2 sharers", PB, 16);
	sim_fork(&s, &c, &g);
	sim_step(&s, &g, "grandchild: 3 sharers", PB, 16);
	sim_mark(&s, &g);
	sim_touch(&s, &g, PB, MMU_WRITE);
	sim_measure(&s, &g);
	sim_step(&s, &g, "grandchild: after writing p0", PB, 16);
	sim_mark(&s, &g);
	sim_touch(&s, &g, PB + 8 * PPS, MMU_WRITE);
	sim_measure(&s, &g);
	sim_step(&s, &g, "grandchild: after writing p8 (a zero-page page)", PB, 16);
	sim_exit(&s, &g);
	sim_step(&s, &c, "child: grandchild gone", PB, 16);
	sim_mark(&s, &c);
	sim_touch(&s, &c, PB + PPS, MMU_WRITE);
	sim_measure(&s, &c);
	sim_step(&s, &c, "child: after writing p1", PB, 16);
	sim_exit(&s, &c);
	sim_step(&s, &p, "parent: children gone", PB, 16);
	sim_map(&p, PB + 64 * PPS, 4 * PPS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	sim_mark(&s, &p);
	sim_touch(&s, &p, PB + 64 * PPS, MMU_WRITE);
	assert_int_equal(sys_mlock(p.t, PB + 64 * PPS, 4 * PPS), 0);
	sim_measure(&s, &p);
	sim_step(&s, &p, "mlock: p64 written, then mlock p64-p67", PB + 64 * PPS, 4);
	sim_mark(&s, &p);
	assert_int_equal(sys_munmap(p.t, PB + 4 * PPS, 4 * PPS), 0);
	sim_measure(&s, &p);
	sim_step(&s, &p, "parent: p4-p7 unmapped", PB, 4);
	return sim_finish(&s);
}


/* The probe's mode thp. */
static char *sim_thp(void)
{
	struct sim s;
	struct sim_proc p, c;

	sim_start(&s, &p, NULL);
	sim_map(&p, PB, 4ull << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	assert_int_equal(sys_madvise(p.t, PB, 4ull << 20, MADV_HUGEPAGE), 0);
	sim_mark(&s, &p);
	sim_touch(&s, &p, PB, MMU_WRITE);
	sim_touch(&s, &p, PB + (2ull << 20), MMU_READ);
	sim_measure(&s, &p);
	sim_step(&s, &p, "thp: write at 0, read at 2M", PB, 4);
	fprintf(s.out, "-- the read huge page (p512, p513) and the last page of the first "
		"(p511)\n");
	sim_show_pagemap(&s, &p, PB + (2ull << 20), 2);
	sim_show_pagemap(&s, &p, PB + (2ull << 20) - PPS, 1);
	sim_fork(&s, &p, &c);
	sim_step(&s, &c, "child: huge page shared", PB, 4);
	sim_mark(&s, &c);
	sim_touch(&s, &c, PB + PPS, MMU_WRITE);
	sim_measure(&s, &c);
	sim_step(&s, &c, "child: after writing p1", PB, 4);
	sim_exit(&s, &c);
	sim_step(&s, &p, "parent: child gone", PB, 4);
	return sim_finish(&s);
}

/* One access that may need a path mmsim does not model yet: 0, or -ENOSYS. */
static int sim_touch_try(struct sim *s, struct sim_proc *p, uint64_t va, unsigned int kind)
{
	struct access_result r;
	int ret = task_access(s->m, p->t, va, 1, kind, &r);

	if (ret == -ENOSYS)
		return ret;
	assert_int_equal(ret, 0);
	assert_int_equal(r.signo, 0);
	return 0;
}

/* The probe's mode shmem; NULL when shared anonymous faults are not modelled yet. */
static char *sim_shmem(void)
{
	struct sim s;
	struct sim_proc p, c;

	sim_start(&s, &p, NULL);
	sim_map(&p, PB, 16 * PPS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	sim_mark(&s, &p);
	if (sim_touch_try(&s, &p, PB, MMU_WRITE) == -ENOSYS) {
		free(sim_finish(&s));
		return NULL;
	}
	for (int i = 1; i < 4; i++)
		sim_touch(&s, &p, PB + i * PPS, MMU_WRITE);
	for (int i = 4; i < 8; i++)
		sim_touch(&s, &p, PB + i * PPS, MMU_READ);
	sim_measure(&s, &p);
	sim_step(&s, &p, "shmem: write p0-p3, read p4-p7", PB, 16);
	sim_fork(&s, &p, &c);
	sim_step(&s, &c, "child: nothing copied", PB, 16);
	sim_mark(&s, &c);
	for (int i = 0; i < 6; i++)
		sim_touch(&s, &c, PB + i * PPS, MMU_READ);
	sim_measure(&s, &c);
	sim_step(&s, &c, "child: read p0-p5", PB, 16);
	sim_exit(&s, &c);
	sim_step(&s, &p, "parent: child gone", PB, 16);
	return sim_finish(&s);
}

static void sim_map_fd(struct sim_proc *p, uint64_t va, uint64_t len, uint64_t prot,
		       uint64_t flags, int fd)
{
	assert_int_equal(sys_mmap(p->t, va, len, prot, flags | MAP_FIXED, fd, 0), (int64_t)va);
}

/*
 * A host file of pages pages, page i filled with 'a' + i % 26, in a new directory under
 * /tmp; path (PATH_MAX) gets its name. The caller unlinks both.
 */
static void make_host_file(char *path, char *dir, int pages)
{
	static char page[4096];

	snprintf(dir, 64, "/tmp/mmsim-test-proc.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, PATH_MAX, "%s/file.dat", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	for (int i = 0; i < pages; i++) {
		memset(page, 'a' + i % 26, sizeof(page));
		assert_int_equal(fwrite(page, 1, sizeof(page), f), sizeof(page));
	}
	assert_int_equal(fclose(f), 0);
}

/* Open path in the simulated process as descriptor fd (openat with flags). */
static struct file *sim_open(struct sim *s, struct sim_proc *p, const char *path,
			     unsigned int flags, int fd)
{
	int err = 0;
	struct file *f = filp_open(s->m->mm.fs, path, flags, &err);

	if (!f)
		fail_msg("filp_open %s: %s", path, mmsim_strerror(err));
	assert_null(p->t->files->fd[fd]);
	p->t->files->fd[fd] = f;
	return f;
}

/* The probe's mode file: a 16-page file cached by one read(2), private and shared maps. */
static char *sim_file(void)
{
	struct sim s;
	struct sim_proc p, c;
	char path[PATH_MAX], dir[64];

	make_host_file(path, dir, 16);
	sim_start(&s, &p, NULL);
	struct file *f = sim_open(&s, &p, path, O_RDWR, 3);
	assert_int_equal(filemap_read(f, 0, 16 * PPS, NULL), 16 * PPS);	/* the pread */
	sim_map_fd(&p, PB, 16 * PPS, PROT_READ | PROT_WRITE, MAP_PRIVATE, 3);
	sim_mark(&s, &p);
	sim_touch(&s, &p, PB, MMU_READ);
	sim_measure(&s, &p);
	sim_step(&s, &p, "file private: read p0 (cached file: fault-around)", PB, 16);
	sim_mark(&s, &p);
	sim_touch(&s, &p, PB + PPS, MMU_WRITE);
	sim_measure(&s, &p);
	sim_step(&s, &p, "file private: write p1 (COW)", PB, 16);
	sim_map_fd(&p, PB + 32 * PPS, 16 * PPS, PROT_READ | PROT_WRITE, MAP_SHARED, 3);
	sim_mark(&s, &p);
	sim_touch(&s, &p, PB + 32 * PPS, MMU_READ);
	sim_measure(&s, &p);
	sim_step(&s, &p, "file shared: read p32", PB + 32 * PPS, 16);
	sim_step(&s, &p, "file private: the same pages now mapped twice", PB, 16);
	sim_mark(&s, &p);
	sim_touch(&s, &p, PB + 34 * PPS, MMU_WRITE);
	sim_measure(&s, &p);
	sim_step(&s, &p, "file shared: write p34", PB + 32 * PPS, 16);
	sim_step(&s, &p, "file private: p2 is dirty in the page cache", PB, 16);
	sim_fork(&s, &p, &c);
	sim_step(&s, &c, "child: file private", PB, 16);
	sim_step(&s, &c, "child: file shared (no PTEs copied)", PB + 32 * PPS, 16);
	sim_mark(&s, &c);
	sim_touch(&s, &c, PB + 32 * PPS, MMU_READ);
	sim_measure(&s, &c);
	sim_step(&s, &c, "child: file shared after reading p32", PB + 32 * PPS, 16);
	sim_exit(&s, &c);
	char *text = sim_finish(&s);
	unlink(path);
	rmdir(dir);
	return text;
}

/* The probe's mode filecold: a 64-page file not cached, mapped read-only, two reads. */
static char *sim_filecold(void)
{
	struct sim s;
	struct sim_proc p;
	char path[PATH_MAX], dir[64];

	make_host_file(path, dir, 64);
	sim_start(&s, &p, NULL);
	sim_open(&s, &p, path, O_RDWR, 3);
	sim_map_fd(&p, PB, 64 * PPS, PROT_READ, MAP_PRIVATE, 3);
	sim_mark(&s, &p);
	sim_touch(&s, &p, PB, MMU_READ);
	sim_measure(&s, &p);
	sim_step(&s, &p, "filecold: read p0 (major fault, readahead, fault-around)", PB, 64);
	sim_mark(&s, &p);
	sim_touch(&s, &p, PB + 40 * PPS, MMU_READ);
	sim_measure(&s, &p);
	sim_step(&s, &p, "filecold: read p40", PB, 64);
	char *text = sim_finish(&s);
	unlink(path);
	rmdir(dir);
	return text;
}

/*
 * The probe's mode readref, cases first..last: PG_referenced after read(2)s, through a forked
 * child's smaps.
 */
static char *sim_readref(unsigned int first, unsigned int last)
{
	static const struct { const char *name; int n; uint64_t off[3], len[3]; } cases[] = {
		{ "one pread of 64 KiB", 1, { 0 }, { 16 * PPS } },
		{ "two preads of 64 KiB", 2, { 0, 0 }, { 16 * PPS, 16 * PPS } },
		{ "pread 100 at 0, 100 at 200", 2, { 0, 200 }, { 100, 100 } },
		{ "pread 100 at 0, at 5000, at 0", 3, { 0, 5000, 0 }, { 100, 100, 100 } },
	};
	struct sim s;
	struct sim_proc p, c;

	sim_start(&s, &p, NULL);
	assert_true(last < sizeof(cases) / sizeof(cases[0]));
	for (unsigned int k = first; k <= last; k++) {
		char path[PATH_MAX], dir[64], name[128];
		uint64_t va = PB + k * 64 * PPS;

		make_host_file(path, dir, 16);
		struct file *f = sim_open(&s, &p, path, O_RDWR, 3);
		for (int i = 0; i < cases[k].n; i++)
			assert_int_equal(filemap_read(f, cases[k].off[i], cases[k].len[i], NULL),
					 (int64_t)cases[k].len[i]);
		sim_map_fd(&p, va, 16 * PPS, PROT_READ | PROT_WRITE, MAP_PRIVATE, 3);
		sim_touch(&s, &p, va, MMU_READ);
		sim_touch(&s, &p, va + 15 * PPS, MMU_WRITE);
		sim_fork(&s, &p, &c);
		snprintf(name, sizeof(name), "readref child: %s", cases[k].name);
		sim_step(&s, &c, name, va, 16);
		sim_exit(&s, &c);
		assert_int_equal(sys_munmap(p.t, va, 16 * PPS), 0);
		fput(s.m->mm.fs, f);		/* close(fd) */
		p.t->files->fd[3] = NULL;
		unlink(path);
		rmdir(dir);
	}
	return sim_finish(&s);
}

/* setarch -R smaps_probe anon (Linux 6.18 x86-64, as root), its whole output. */
static const char host_anon[] =
	"== anon: write p0-p7, read p8-p11\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  32 kB\n"
	"Pss:                  32 kB\n"
	"Pss_Dirty:            32 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:        32 kB\n"
	"Referenced:           32 kB\n"
	"Anonymous:            32 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: +32 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present exclusive new\n"
	"pagemap p1: present exclusive new\n"
	"pagemap p2: present exclusive new\n"
	"pagemap p3: present exclusive new\n"
	"pagemap p4: present exclusive new\n"
	"pagemap p5: present exclusive new\n"
	"pagemap p6: present exclusive new\n"
	"pagemap p7: present exclusive new\n"
	"pagemap p8: present zero\n"
	"pagemap p9: present zero\n"
	"pagemap p10: present zero\n"
	"pagemap p11: present zero\n"
	"pagemap p12: -\n"
	"pagemap p13: -\n"
	"pagemap p14: -\n"
	"pagemap p15: -\n"
	"== child: 2 sharers\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  32 kB\n"
	"Pss:                  16 kB\n"
	"Pss_Dirty:            16 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:         32 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            0 kB\n"
	"Anonymous:            32 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present p0\n"
	"pagemap p1: present p1\n"
	"pagemap p2: present p2\n"
	"pagemap p3: present p3\n"
	"pagemap p4: present p4\n"
	"pagemap p5: present p5\n"
	"pagemap p6: present p6\n"
	"pagemap p7: present p7\n"
	"pagemap p8: present zero\n"
	"pagemap p9: present zero\n"
	"pagemap p10: present zero\n"
	"pagemap p11: present zero\n"
	"pagemap p12: -\n"
	"pagemap p13: -\n"
	"pagemap p14: -\n"
	"pagemap p15: -\n"
	"== grandchild: 3 sharers\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  32 kB\n"
	"Pss:                  10 kB\n"
	"Pss_Dirty:            10 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:         32 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            0 kB\n"
	"Anonymous:            32 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present p0\n"
	"pagemap p1: present p1\n"
	"pagemap p2: present p2\n"
	"pagemap p3: present p3\n"
	"pagemap p4: present p4\n"
	"pagemap p5: present p5\n"
	"pagemap p6: present p6\n"
	"pagemap p7: present p7\n"
	"pagemap p8: present zero\n"
	"pagemap p9: present zero\n"
	"pagemap p10: present zero\n"
	"pagemap p11: present zero\n"
	"pagemap p12: -\n"
	"pagemap p13: -\n"
	"pagemap p14: -\n"
	"pagemap p15: -\n"
	"== grandchild: after writing p0\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  32 kB\n"
	"Pss:                  13 kB\n"
	"Pss_Dirty:            13 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:         28 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         4 kB\n"
	"Referenced:            4 kB\n"
	"Anonymous:            32 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present exclusive new\n"
	"pagemap p1: present p1\n"
	"pagemap p2: present p2\n"
	"pagemap p3: present p3\n"
	"pagemap p4: present p4\n"
	"pagemap p5: present p5\n"
	"pagemap p6: present p6\n"
	"pagemap p7: present p7\n"
	"pagemap p8: present zero\n"
	"pagemap p9: present zero\n"
	"pagemap p10: present zero\n"
	"pagemap p11: present zero\n"
	"pagemap p12: -\n"
	"pagemap p13: -\n"
	"pagemap p14: -\n"
	"pagemap p15: -\n"
	"== grandchild: after writing p8 (a zero-page page)\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  36 kB\n"
	"Pss:                  17 kB\n"
	"Pss_Dirty:            17 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:         28 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         8 kB\n"
	"Referenced:            8 kB\n"
	"Anonymous:            36 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: +4 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present exclusive p0\n"
	"pagemap p1: present p1\n"
	"pagemap p2: present p2\n"
	"pagemap p3: present p3\n"
	"pagemap p4: present p4\n"
	"pagemap p5: present p5\n"
	"pagemap p6: present p6\n"
	"pagemap p7: present p7\n"
	"pagemap p8: present exclusive new\n"
	"pagemap p9: present zero\n"
	"pagemap p10: present zero\n"
	"pagemap p11: present zero\n"
	"pagemap p12: -\n"
	"pagemap p13: -\n"
	"pagemap p14: -\n"
	"pagemap p15: -\n"
	"== child: grandchild gone\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  32 kB\n"
	"Pss:                  16 kB\n"
	"Pss_Dirty:            16 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:         32 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            0 kB\n"
	"Anonymous:            32 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present p0\n"
	"pagemap p1: present p1\n"
	"pagemap p2: present p2\n"
	"pagemap p3: present p3\n"
	"pagemap p4: present p4\n"
	"pagemap p5: present p5\n"
	"pagemap p6: present p6\n"
	"pagemap p7: present p7\n"
	"pagemap p8: present zero\n"
	"pagemap p9: present zero\n"
	"pagemap p10: present zero\n"
	"pagemap p11: present zero\n"
	"pagemap p12: -\n"
	"pagemap p13: -\n"
	"pagemap p14: -\n"
	"pagemap p15: -\n"
	"== child: after writing p1\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  32 kB\n"
	"Pss:                  18 kB\n"
	"Pss_Dirty:            18 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:         28 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         4 kB\n"
	"Referenced:            4 kB\n"
	"Anonymous:            32 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present p0\n"
	"pagemap p1: present exclusive new\n"
	"pagemap p2: present p2\n"
	"pagemap p3: present p3\n"
	"pagemap p4: present p4\n"
	"pagemap p5: present p5\n"
	"pagemap p6: present p6\n"
	"pagemap p7: present p7\n"
	"pagemap p8: present zero\n"
	"pagemap p9: present zero\n"
	"pagemap p10: present zero\n"
	"pagemap p11: present zero\n"
	"pagemap p12: -\n"
	"pagemap p13: -\n"
	"pagemap p14: -\n"
	"pagemap p15: -\n"
	"== parent: children gone\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  32 kB\n"
	"Pss:                  32 kB\n"
	"Pss_Dirty:            32 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:        32 kB\n"
	"Referenced:           32 kB\n"
	"Anonymous:            32 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present exclusive p0\n"
	"pagemap p1: present exclusive p1\n"
	"pagemap p2: present exclusive p2\n"
	"pagemap p3: present exclusive p3\n"
	"pagemap p4: present exclusive p4\n"
	"pagemap p5: present exclusive p5\n"
	"pagemap p6: present exclusive p6\n"
	"pagemap p7: present exclusive p7\n"
	"pagemap p8: present zero\n"
	"pagemap p9: present zero\n"
	"pagemap p10: present zero\n"
	"pagemap p11: present zero\n"
	"pagemap p12: -\n"
	"pagemap p13: -\n"
	"pagemap p14: -\n"
	"pagemap p15: -\n"
	"== mlock: p64 written, then mlock p64-p67\n"
	"Size:                 16 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  16 kB\n"
	"Pss:                  16 kB\n"
	"Pss_Dirty:            16 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:        16 kB\n"
	"Referenced:           16 kB\n"
	"Anonymous:            16 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:               16 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me lo ac \n"
	"RssAnon: +16 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p64: present exclusive new\n"
	"pagemap p65: present exclusive new\n"
	"pagemap p66: present exclusive new\n"
	"pagemap p67: present exclusive new\n"
	"== parent: p4-p7 unmapped\n"
	"Size:                 16 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  16 kB\n"
	"Pss:                  16 kB\n"
	"Pss_Dirty:            16 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:        16 kB\n"
	"Referenced:           16 kB\n"
	"Anonymous:            16 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: -16 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present exclusive p0\n"
	"pagemap p1: present exclusive p1\n"
	"pagemap p2: present exclusive p2\n"
	"pagemap p3: present exclusive p3\n"
;

static void test_smaps_probe_anon(void **state)
{
	(void)state;
	sim_compare("anon", sim_anon(), host_anon);
}

/* setarch -R smaps_probe thp: THP "madvise", MADV_HUGEPAGE on 4 MiB, one write and one read. */
static const char host_thp[] =
	"== thp: write at 0, read at 2M\n"
	"Size:               4096 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                2048 kB\n"
	"Pss:                2048 kB\n"
	"Pss_Dirty:          2048 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:      2048 kB\n"
	"Referenced:         2048 kB\n"
	"Anonymous:          2048 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:      2048 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           1\n"
	"VmFlags: rd wr mr mw me ac hg \n"
	"RssAnon: +2048 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present exclusive new\n"
	"pagemap p1: present exclusive new\n"
	"pagemap p2: present exclusive new\n"
	"pagemap p3: present exclusive new\n"
	"-- the read huge page (p512, p513) and the last page of the first (p511)\n"
	"pagemap p512: present file new\n"
	"pagemap p513: present file new\n"
	"pagemap p511: present exclusive new\n"
	"== child: huge page shared\n"
	"Size:               4096 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                2048 kB\n"
	"Pss:                1024 kB\n"
	"Pss_Dirty:          1024 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:       2048 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            0 kB\n"
	"Anonymous:          2048 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:      2048 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           1\n"
	"VmFlags: rd wr mr mw me ac hg \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present p0\n"
	"pagemap p1: present p1\n"
	"pagemap p2: present p2\n"
	"pagemap p3: present p3\n"
	"== child: after writing p1\n"
	"Size:               4096 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                2048 kB\n"
	"Pss:                1026 kB\n"
	"Pss_Dirty:          1026 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:       2044 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         4 kB\n"
	"Referenced:            4 kB\n"
	"Anonymous:          2048 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           1\n"
	"VmFlags: rd wr mr mw me ac hg \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present p0\n"
	"pagemap p1: present exclusive new\n"
	"pagemap p2: present p2\n"
	"pagemap p3: present p3\n"
	"== parent: child gone\n"
	"Size:               4096 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                2048 kB\n"
	"Pss:                2048 kB\n"
	"Pss_Dirty:          2048 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:      2048 kB\n"
	"Referenced:         2048 kB\n"
	"Anonymous:          2048 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:      2048 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           1\n"
	"VmFlags: rd wr mr mw me ac hg \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present exclusive p0\n"
	"pagemap p1: present exclusive p1\n"
	"pagemap p2: present exclusive p2\n"
	"pagemap p3: present exclusive p3\n"
;

static void test_smaps_probe_thp(void **state)
{
	(void)state;
	sim_compare("thp", sim_thp(), host_thp);
}

/*
 * smaps_rollup of a child sharing 8 written pages with its parent (smaps_probe rollup on the
 * host): the whole process, so only its shape (labels, columns, the header) is the host's.
 * On the host, every field of smaps_rollup is the sum of that field over smaps except Pss
 * and Pss_Dirty, summed in PSS_SHIFT fixed point before rounding: a sleeping `sleep`
 * showed Pss 277 kB in smaps_rollup against 269 kB summed over its 37 VMAs' smaps.
 */
/* setarch -R smaps_probe rollup */
static const char host_rollup[] =
	"200000000-7ffffffff000 ---p 00000000 00:00 0                             [rollup]\n"
	"Rss:                 956 kB\n"
	"Pss:                 201 kB\n"
	"Pss_Dirty:            98 kB\n"
	"Pss_Anon:             90 kB\n"
	"Pss_File:            111 kB\n"
	"Pss_Shmem:             0 kB\n"
	"Shared_Clean:        808 kB\n"
	"Shared_Dirty:        100 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:        48 kB\n"
	"Referenced:          904 kB\n"
	"Anonymous:           132 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
;

/* The labels of a /proc file of "Label:   N kB" lines, in order, one per line. */
static char *kb_labels(const char *text)
{
	char *out = calloc(1, strlen(text) + 1);
	size_t n = 0;

	assert_non_null(out);
	for (const char *p = text; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n')) {
		size_t len = strcspn(p, "\n"), colon = strcspn(p, ":");
		if (colon < len && strstr(p, " kB") && strstr(p, " kB") < p + len) {
			memcpy(out + n, p, colon + 1);
			n += colon + 1;
			out[n++] = '\n';
		}
	}
	return out;
}

/* Sum over text of the kB value of every "label" line. */
static long long kb_sum(const char *text, const char *label)
{
	long long sum = 0;
	size_t ll = strlen(label);

	for (const char *p = text; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n'))
		if (!strncmp(p, label, ll))
			sum += strtoll(p + ll, NULL, 10);
	return sum;
}

static void test_smaps_rollup(void **state)
{
	struct sim s;
	struct sim_proc p, c, g;

	(void)state;
	sim_start(&s, &p, NULL);
	/* three VMAs apart from each other, one written page each (shared by 3 after the forks) */
	for (int i = 0; i < 3; i++) {
		sim_map(&p, PB + (uint64_t)i * 4 * PPS, 2 * PPS, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS);
		sim_touch(&s, &p, PB + (uint64_t)i * 4 * PPS, MMU_WRITE);
		sim_touch(&s, &p, PB + (uint64_t)i * 4 * PPS + PPS, MMU_READ);
	}
	sim_map(&p, PB + 64 * PPS, 16 * PPS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	for (int i = 0; i < 8; i++)
		sim_touch(&s, &p, PB + (64 + i) * PPS, MMU_WRITE);
	sim_fork(&s, &p, &c);
	sim_fork(&s, &c, &g);
	sim_touch(&s, &g, PB + 65 * PPS, MMU_WRITE);	/* one COW copy */

	char *smaps = sim_render(&s, &g, "smaps"), *rollup = sim_render(&s, &g, "smaps_rollup");
	/* the header: the first VMA's start to the last one's end, padded as maps pads names */
	char head[160];
	int n = snprintf(head, sizeof(head), "%08llx-%08llx ---p 00000000 00:00 0 ",
			 (unsigned long long)PB, (unsigned long long)(PB + 80 * PPS));
	while (n < 73)
		head[n++] = ' ';
	snprintf(head + n, sizeof(head) - (size_t)n, "[rollup]\n");
	assert_int_equal(strncmp(rollup, head, strlen(head)), 0);
	/* the host's labels in the host's order */
	char *want = kb_labels(host_rollup), *got = kb_labels(rollup);
	assert_string_equal(got, want);
	free(want);
	free(got);
	/* every column of the host's rollup lines */
	/* the lines after the header (whose padding depends on the addresses' widths) */
	char *gp = grammar_problem_host(host_rollup, false, rollup + strlen(head), NULL);
	if (gp)
		fail_msg("smaps_rollup: %s", gp);
	/* fields that are plain sums */
	static const char *const summed[] = { "Rss:", "Shared_Clean:", "Shared_Dirty:",
		"Private_Clean:", "Private_Dirty:", "Referenced:", "Anonymous:", "KSM:",
		"LazyFree:", "AnonHugePages:", "ShmemPmdMapped:", "FilePmdMapped:",
		"Shared_Hugetlb:", "Private_Hugetlb:", "Swap:", "SwapPss:", "Locked:" };
	for (size_t i = 0; i < sizeof(summed) / sizeof(summed[0]); i++)
		if (kb_sum(rollup, summed[i]) != kb_sum(smaps, summed[i]))
			fail_msg("%s rollup %lld, smaps sum %lld", summed[i],
				 kb_sum(rollup, summed[i]), kb_sum(smaps, summed[i]));
	/*
	 * Pss: 3 VMAs with 4096/3 bytes each (1 kB after rounding, 3 kB summed; 4 kB in the
	 * rollup), 7 pages shared by 3 and one private copy in the big one (7 * 4096 / 3 +
	 * 4096 = 13653 bytes: 13 kB): 16 kB summed, 17 kB in the rollup.
	 */
	assert_int_equal(kb_sum(smaps, "Pss:"), 16);
	assert_int_equal(kb_sum(rollup, "Pss:"), 17);
	assert_int_equal(kb_sum(rollup, "Pss_Anon:"), 17);
	assert_int_equal(kb_sum(rollup, "Pss_File:") + kb_sum(rollup, "Pss_Shmem:"), 0);
	assert_int_equal(kb_sum(rollup, "Rss:"), 3 * 4 + 32);
	assert_int_equal(kb_sum(rollup, "Private_Dirty:"), 4);
	free(smaps);
	free(rollup);
	/* an exited task: Linux's open fails with ESRCH */
	int gpid = g.t->pid;
	do_exit_group(s.m, g.t, 0);
	char *out = NULL;
	assert_int_equal(mmsim_proc_pid_render(s.m, gpid, "smaps_rollup", &out, NULL), -ESRCH);
	assert_int_equal(mmsim_proc_pid_render(s.m, gpid, "smaps", &out, NULL), 0);
	assert_string_equal(out, "");
	free(out);
	free(sim_finish(&s));
}

/*
 * status: RssAnon counts written pages only (the zero page is not RSS), VmRSS is the sum of
 * the three Rss lines, VmHWM keeps the peak after an munmap (update_hiwater_rss before the
 * zap), as task_mem prints them: "Label:\t%8lu kB".
 */
static void test_status_rss(void **state)
{
	struct sim s;
	struct sim_proc p;

	(void)state;
	sim_start(&s, &p, NULL);
	sim_map(&p, PB, 16 * PPS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	for (int i = 0; i < 8; i++)
		sim_touch(&s, &p, PB + i * PPS, MMU_WRITE);
	for (int i = 8; i < 12; i++)
		sim_touch(&s, &p, PB + i * PPS, MMU_READ);
	char *st = sim_render(&s, &p, "status");
	assert_non_null(strstr(st, "VmHWM:\t      32 kB\nVmRSS:\t      32 kB\n"
				   "RssAnon:\t      32 kB\nRssFile:\t       0 kB\n"
				   "RssShmem:\t       0 kB\n"));
	assert_non_null(strstr(st, "VmSwap:\t       0 kB\n"));
	free(st);
	assert_int_equal(sys_munmap(p.t, PB, 4 * PPS), 0);
	st = sim_render(&s, &p, "status");
	assert_non_null(strstr(st, "VmHWM:\t      32 kB\nVmRSS:\t      16 kB\n"
				   "RssAnon:\t      16 kB\n"));
	free(st);
	/* smaps agrees: Rss of the VMA is RssAnon */
	char *sm = sim_render(&s, &p, "smaps");
	assert_int_equal(kb_sum(sm, "Rss:"), 16);
	assert_int_equal(kb_sum(sm, "Anonymous:"), 16);
	free(sm);
	free(sim_finish(&s));
}

/* pagemap through mmsim_proc_pid_read: pagemap_read's rules for offsets and sizes. */
static void test_pagemap_read(void **state)
{
	struct sim s;
	struct sim_proc p;
	uint64_t e[4];

	(void)state;
	sim_start(&s, &p, NULL);
	sim_map(&p, PB, 4 * PPS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	sim_touch(&s, &p, PB, MMU_WRITE);
	sim_touch(&s, &p, PB + PPS, MMU_READ);
	mmsim_machine *m = s.m;
	int pid = p.t->pid;
	uint64_t off = PB / PPS * 8;

	assert_int_equal(mmsim_proc_pid_read(m, pid, "pagemap", off, e, sizeof(e)), 32);
	assert_true(e[0] >> 63 && (e[0] >> 56 & 1) && !(e[0] >> 61 & 1));
	uint64_t pfn = e[0] & ((1ull << 55) - 1);
	assert_true(pfn != 0);
	assert_int_equal(e[1], (1ull << 63) | s.zero_pfn);
	assert_int_equal(e[2], 0);
	assert_int_equal(e[3], 0);
	/* the pfn is the frame the page's bytes are in: a byte written shows in physical RAM */
	struct access_result r;
	uint8_t v = 0x5a;
	assert_int_equal(task_access_data(m, p.t, PB + 7, 1, MMU_WRITE, &v, &r), 0);
	assert_int_equal(r.pa, pfn * PPS + 7);
	/* misaligned offset or size: EINVAL; size 0: 0 */
	assert_int_equal(mmsim_proc_pid_read(m, pid, "pagemap", off + 4, e, 8), -EINVAL);
	assert_int_equal(mmsim_proc_pid_read(m, pid, "pagemap", off, e, 12), -EINVAL);
	assert_int_equal(mmsim_proc_pid_read(m, pid, "pagemap", off, e, 0), 0);
	/* the last page below the task size is the last entry; past it nothing */
	uint64_t last = (p.t->mm->task_size / PPS - 1) * 8;
	assert_int_equal(mmsim_proc_pid_read(m, pid, "pagemap", last, e, sizeof(e)), 8);
	assert_int_equal(mmsim_proc_pid_read(m, pid, "pagemap", last + 8, e, sizeof(e)), 0);
	assert_int_equal(mmsim_proc_pid_read(m, pid, "pagemap", UINT64_MAX - 7, e, 8), 0);
	/* other pids and names */
	assert_int_equal(mmsim_proc_pid_read(m, 4242, "pagemap", off, e, 8), -ESRCH);
	assert_int_equal(mmsim_proc_pid_read(m, pid, "pagemaps", off, e, 8), -ENOENT);
	/* a text file read in pieces gives its rendering */
	char *maps = sim_render(&s, &p, "maps"), piece[16];
	assert_int_equal(mmsim_proc_pid_read(m, pid, "maps", 3, piece, sizeof(piece)), 16);
	assert_memory_equal(piece, maps + 3, 16);
	assert_int_equal(mmsim_proc_pid_read(m, pid, "maps", strlen(maps), piece, 16), 0);
	free(maps);
	/* the text form: the VMA's maps line, then its two present pages */
	char *text = sim_render(&s, &p, "pagemap"), want[512];
	snprintf(want, sizeof(want),
		 "200000000-200004000 rw-p 00000000 00:00 0 \n"
		 "  000200000000 %016llx pfn %llx present exclusive\n"
		 "  000200001000 %016llx pfn %llx present\n",
		 (unsigned long long)((1ull << 63) | (1ull << 56) | pfn), (unsigned long long)pfn,
		 (unsigned long long)((1ull << 63) | s.zero_pfn), (unsigned long long)s.zero_pfn);
	assert_string_equal(text, want);
	free(text);
	/* an exited task: Linux's open fails with ESRCH */
	do_exit_group(m, p.t, 0);
	assert_int_equal(mmsim_proc_pid_read(m, pid, "pagemap", off, e, 8), -ESRCH);
	free(sim_finish(&s));
}

static void add_pointer(uint64_t *ptrs, int *n, const void *v)
{
	ptrs[(*n)++] = (uint64_t)(uintptr_t)v;
}

/* Does text hold pointer v (not NULL) in hex (%llx, %016llx) or in decimal? */
static bool shows_pointer(const char *text, uint64_t v)
{
	char forms[3][40];

	if (!v)
		return false;
	snprintf(forms[0], sizeof(forms[0]), "%llx", (unsigned long long)v);
	snprintf(forms[1], sizeof(forms[1]), "%016llx", (unsigned long long)v);
	snprintf(forms[2], sizeof(forms[2]), "%llu", (unsigned long long)v);
	for (int k = 0; k < 3; k++)
		if (strstr(text, forms[k]))
			return true;
	return false;
}

/*
 * No report prints a host pointer: the addresses of the machine's own objects (the machine,
 * the task, its mm and VMAs, the memmap, simulated RAM) appear in no /proc file, as text in
 * any common form, nor as a pagemap entry.
 */
static void test_no_host_pointers(void **state)
{
	struct sim s;
	struct sim_proc p, c;
	uint64_t ptrs[64];
	int n = 0;

	(void)state;
	sim_start(&s, &p, NULL);
	sim_map(&p, PB, 16 * PPS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	for (int i = 0; i < 16; i++)
		sim_touch(&s, &p, PB + i * PPS, i & 1 ? MMU_READ : MMU_WRITE);
	sim_fork(&s, &p, &c);
	add_pointer(ptrs, &n, s.m);
	add_pointer(ptrs, &n, p.t);
	add_pointer(ptrs, &n, c.t);
	add_pointer(ptrs, &n, p.t->mm);
	add_pointer(ptrs, &n, c.t->mm);
	add_pointer(ptrs, &n, find_vma(p.t->mm, PB));
	add_pointer(ptrs, &n, find_vma(c.t->mm, PB));
	add_pointer(ptrs, &n, s.m->mm.mem_map);
	add_pointer(ptrs, &n, pfn_to_page(&s.m->mm, s.zero_pfn));
	add_pointer(ptrs, &n, page_address(&s.m->mm, pfn_to_page(&s.m->mm, s.zero_pfn)));
	add_pointer(ptrs, &n, find_vma(p.t->mm, PB)->anon_vma);
	for (const int *pid = (const int[]){ p.t->pid, c.t->pid, 0 }; *pid; pid++) {
		for (const char *const *name = mmsim_proc_pid_names(); *name; name++) {
			char *text = NULL;
			assert_int_equal(mmsim_proc_pid_render(s.m, *pid, *name, &text, NULL), 0);
			for (int i = 0; i < n; i++)
				if (shows_pointer(text, ptrs[i]))
					fail_msg("/proc/%d/%s shows host pointer %llx", *pid, *name,
						 (unsigned long long)ptrs[i]);
			free(text);
		}
		uint64_t e[16];
		assert_int_equal(mmsim_proc_pid_read(s.m, *pid, "pagemap", PB / PPS * 8, e,
						     sizeof(e)), (int64_t)sizeof(e));
		for (int k = 0; k < 16; k++) {
			uint64_t pfn = e[k] & ((1ull << 55) - 1);

			assert_true(pfn < s.m->mm.max_pfn);
			for (int i = 0; i < n; i++)
				assert_true(pfn != (ptrs[i] & ((1ull << 55) - 1)));
		}
	}
	for (const char *const *name = mmsim_proc_names(); *name; name++) {
		char *text = render(s.m, *name);
		for (int i = 0; i < n; i++)
			if (shows_pointer(text, ptrs[i]))
				fail_msg("/proc/%s shows host pointer %llx", *name,
					 (unsigned long long)ptrs[i]);
		free(text);
	}
	free(sim_finish(&s));
}

/*
 * setarch -R smaps_probe shmem: MAP_SHARED|MAP_ANONYMOUS; the child's first read maps the
 * parent's 8 pages by fault-around, and the pages the parent wrote are dirty in the cache.
 */
static const char host_shmem[] =
	"== shmem: write p0-p3, read p4-p7\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  32 kB\n"
	"Pss:                  32 kB\n"
	"Pss_Dirty:            16 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:        16 kB\n"
	"Private_Dirty:        16 kB\n"
	"Referenced:           32 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr sh mr mw me ms \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +32 kB\n"
	"pagemap p0: present file exclusive new\n"
	"pagemap p1: present file exclusive new\n"
	"pagemap p2: present file exclusive new\n"
	"pagemap p3: present file exclusive new\n"
	"pagemap p4: present file exclusive new\n"
	"pagemap p5: present file exclusive new\n"
	"pagemap p6: present file exclusive new\n"
	"pagemap p7: present file exclusive new\n"
	"pagemap p8: -\n"
	"pagemap p9: -\n"
	"pagemap p10: -\n"
	"pagemap p11: -\n"
	"pagemap p12: -\n"
	"pagemap p13: -\n"
	"pagemap p14: -\n"
	"pagemap p15: -\n"
	"== child: nothing copied\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                   0 kB\n"
	"Pss:                   0 kB\n"
	"Pss_Dirty:             0 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            0 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr sh mr mw me ms \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: -\n"
	"pagemap p1: -\n"
	"pagemap p2: -\n"
	"pagemap p3: -\n"
	"pagemap p4: -\n"
	"pagemap p5: -\n"
	"pagemap p6: -\n"
	"pagemap p7: -\n"
	"pagemap p8: -\n"
	"pagemap p9: -\n"
	"pagemap p10: -\n"
	"pagemap p11: -\n"
	"pagemap p12: -\n"
	"pagemap p13: -\n"
	"pagemap p14: -\n"
	"pagemap p15: -\n"
	"== child: read p0-p5\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  32 kB\n"
	"Pss:                  16 kB\n"
	"Pss_Dirty:             8 kB\n"
	"Shared_Clean:         16 kB\n"
	"Shared_Dirty:         16 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:           32 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr sh mr mw me ms \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +32 kB\n"
	"pagemap p0: present file p0\n"
	"pagemap p1: present file p1\n"
	"pagemap p2: present file p2\n"
	"pagemap p3: present file p3\n"
	"pagemap p4: present file p4\n"
	"pagemap p5: present file p5\n"
	"pagemap p6: present file p6\n"
	"pagemap p7: present file p7\n"
	"pagemap p8: -\n"
	"pagemap p9: -\n"
	"pagemap p10: -\n"
	"pagemap p11: -\n"
	"pagemap p12: -\n"
	"pagemap p13: -\n"
	"pagemap p14: -\n"
	"pagemap p15: -\n"
	"== parent: child gone\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  32 kB\n"
	"Pss:                  32 kB\n"
	"Pss_Dirty:            16 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:        16 kB\n"
	"Private_Dirty:        16 kB\n"
	"Referenced:           32 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr sh mr mw me ms \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present file exclusive p0\n"
	"pagemap p1: present file exclusive p1\n"
	"pagemap p2: present file exclusive p2\n"
	"pagemap p3: present file exclusive p3\n"
	"pagemap p4: present file exclusive p4\n"
	"pagemap p5: present file exclusive p5\n"
	"pagemap p6: present file exclusive p6\n"
	"pagemap p7: present file exclusive p7\n"
	"pagemap p8: -\n"
	"pagemap p9: -\n"
	"pagemap p10: -\n"
	"pagemap p11: -\n"
	"pagemap p12: -\n"
	"pagemap p13: -\n"
	"pagemap p14: -\n"
	"pagemap p15: -\n"
;

static void test_smaps_probe_shmem(void **state)
{
	char *got = sim_shmem();

	(void)state;
	if (!got) {
		print_message("skipped: shared anonymous faults are not modelled yet\n");
		skip();
	}
	sim_compare("shmem", got, host_shmem);
}

/* A value of a "name value" or "Label:   value kB" line of a machine-wide /proc file. */
static long long proc_value(mmsim_machine *m, const char *file, const char *key)
{
	char *text = render(m, file);
	long long v = -1;
	size_t kl = strlen(key);

	for (const char *p = text; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n'))
		if (!strncmp(p, key, kl) && (p[kl] == ' ' || p[kl - 1] == ':'))
			v = strtoll(p + kl, NULL, 10);
	free(text);
	assert_true(v >= 0);
	return v;
}

/*
 * The machine-wide counters of anonymous memory as the pages come and go. The host (a probe
 * writing one byte into a MADV_HUGEPAGE range, deltas around the write) showed AnonPages
 * +2048 kB (plus the noise of other processes), AnonHugePages +2048 kB,
 * nr_anon_transparent_hugepages +1 (vmstat counts huge pages), nr_anon_pages +512,
 * thp_fault_alloc +1: AnonPages includes THP memory.
 */
static void test_meminfo_vmstat_anon(void **state)
{
	struct sim s;
	struct sim_proc p, c;

	(void)state;
	sim_start(&s, &p, NULL);
	mmsim_machine *m = s.m;
	long long ap0 = proc_value(m, "meminfo", "AnonPages:");
	long long na0 = proc_value(m, "vmstat", "nr_anon_pages");
	assert_int_equal(ap0, na0 * 4);
	sim_map(&p, PB, 16 * PPS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	for (int i = 0; i < 8; i++)
		sim_touch(&s, &p, PB + i * PPS, MMU_WRITE);
	for (int i = 8; i < 12; i++)
		sim_touch(&s, &p, PB + i * PPS, MMU_READ);	/* the zero page: not counted */
	assert_int_equal(proc_value(m, "meminfo", "AnonPages:") - ap0, 32);
	assert_int_equal(proc_value(m, "vmstat", "nr_anon_pages") - na0, 8);
	sim_fork(&s, &p, &c);		/* shared pages count once */
	assert_int_equal(proc_value(m, "meminfo", "AnonPages:") - ap0, 32);
	sim_touch(&s, &c, PB, MMU_WRITE);	/* a COW copy */
	assert_int_equal(proc_value(m, "meminfo", "AnonPages:") - ap0, 36);
	sim_map(&p, PB + (2ull << 20), 4ull << 20, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS);
	assert_int_equal(sys_madvise(p.t, PB + (2ull << 20), 4ull << 20, MADV_HUGEPAGE), 0);
	sim_touch(&s, &p, PB + (2ull << 20), MMU_WRITE);
	assert_int_equal(proc_value(m, "meminfo", "AnonHugePages:"), 2048);
	assert_int_equal(proc_value(m, "meminfo", "AnonPages:") - ap0, 36 + 2048);
	assert_int_equal(proc_value(m, "vmstat", "nr_anon_transparent_hugepages"), 1);
	assert_int_equal(proc_value(m, "vmstat", "nr_anon_pages") - na0, 9 + 512);
	assert_int_equal(proc_value(m, "vmstat", "thp_fault_alloc"), 1);
	/* the JSON document says the same */
	char *json = NULL;
	assert_int_equal(mmsim_machine_json(m, &json, NULL), 0);
	json_error_t jerr;
	json_t *doc = json_loads(json, 0, &jerr);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "meminfo_kb"),
							    "AnonHugePages")), 2048);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "vm_stats"),
							    "nr_anon_transparent_hugepages")), 1);
	json_decref(doc);
	free(json);
	/* every page gone: back where it started */
	sim_exit(&s, &c);
	assert_int_equal(sys_munmap(p.t, PB, 6ull << 20), 0);
	assert_int_equal(proc_value(m, "meminfo", "AnonPages:"), ap0);
	assert_int_equal(proc_value(m, "meminfo", "AnonHugePages:"), 0);
	assert_int_equal(proc_value(m, "vmstat", "nr_anon_transparent_hugepages"), 0);
	free(sim_finish(&s));
}

/*
 * setarch -R smaps_probe file: a 16-page ext4 file written, dropped from the cache
 * (POSIX_FADV_DONTNEED) and read back by one pread of 64 KiB (order-0 folios), mapped private
 * and shared; a write through the shared map dirties one page-cache page, which both maps
 * then count as dirty; the forked child shares the private map's PTEs (old: Referenced only
 * for the folios read(2) marked PG_referenced) but not the shared map's.
 */
static const char host_file[] =
	"== file private: read p0 (cached file: fault-around)\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  64 kB\n"
	"Pss:                  64 kB\n"
	"Pss_Dirty:             0 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:        64 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:           64 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: +0 kB\n"
	"RssFile: +64 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present file exclusive new\n"
	"pagemap p1: present file exclusive new\n"
	"pagemap p2: present file exclusive new\n"
	"pagemap p3: present file exclusive new\n"
	"pagemap p4: present file exclusive new\n"
	"pagemap p5: present file exclusive new\n"
	"pagemap p6: present file exclusive new\n"
	"pagemap p7: present file exclusive new\n"
	"pagemap p8: present file exclusive new\n"
	"pagemap p9: present file exclusive new\n"
	"pagemap p10: present file exclusive new\n"
	"pagemap p11: present file exclusive new\n"
	"pagemap p12: present file exclusive new\n"
	"pagemap p13: present file exclusive new\n"
	"pagemap p14: present file exclusive new\n"
	"pagemap p15: present file exclusive new\n"
	"== file private: write p1 (COW)\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  64 kB\n"
	"Pss:                  64 kB\n"
	"Pss_Dirty:             4 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:        60 kB\n"
	"Private_Dirty:         4 kB\n"
	"Referenced:           64 kB\n"
	"Anonymous:             4 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: +4 kB\n"
	"RssFile: -4 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present file exclusive p0\n"
	"pagemap p1: present exclusive new\n"
	"pagemap p2: present file exclusive p2\n"
	"pagemap p3: present file exclusive p3\n"
	"pagemap p4: present file exclusive p4\n"
	"pagemap p5: present file exclusive p5\n"
	"pagemap p6: present file exclusive p6\n"
	"pagemap p7: present file exclusive p7\n"
	"pagemap p8: present file exclusive p8\n"
	"pagemap p9: present file exclusive p9\n"
	"pagemap p10: present file exclusive p10\n"
	"pagemap p11: present file exclusive p11\n"
	"pagemap p12: present file exclusive p12\n"
	"pagemap p13: present file exclusive p13\n"
	"pagemap p14: present file exclusive p14\n"
	"pagemap p15: present file exclusive p15\n"
	"== file shared: read p32\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  64 kB\n"
	"Pss:                  34 kB\n"
	"Pss_Dirty:             0 kB\n"
	"Shared_Clean:         60 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         4 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:           64 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr sh mr mw me ms \n"
	"RssAnon: +0 kB\n"
	"RssFile: +64 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p32: present file p0\n"
	"pagemap p33: present file exclusive p1\n"
	"pagemap p34: present file p2\n"
	"pagemap p35: present file p3\n"
	"pagemap p36: present file p4\n"
	"pagemap p37: present file p5\n"
	"pagemap p38: present file p6\n"
	"pagemap p39: present file p7\n"
	"pagemap p40: present file p8\n"
	"pagemap p41: present file p9\n"
	"pagemap p42: present file p10\n"
	"pagemap p43: present file p11\n"
	"pagemap p44: present file p12\n"
	"pagemap p45: present file p13\n"
	"pagemap p46: present file p14\n"
	"pagemap p47: present file p15\n"
	"== file private: the same pages now mapped twice\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  64 kB\n"
	"Pss:                  34 kB\n"
	"Pss_Dirty:             4 kB\n"
	"Shared_Clean:         60 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         4 kB\n"
	"Referenced:           64 kB\n"
	"Anonymous:             4 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present file p0\n"
	"pagemap p1: present exclusive p1\n"
	"pagemap p2: present file p2\n"
	"pagemap p3: present file p3\n"
	"pagemap p4: present file p4\n"
	"pagemap p5: present file p5\n"
	"pagemap p6: present file p6\n"
	"pagemap p7: present file p7\n"
	"pagemap p8: present file p8\n"
	"pagemap p9: present file p9\n"
	"pagemap p10: present file p10\n"
	"pagemap p11: present file p11\n"
	"pagemap p12: present file p12\n"
	"pagemap p13: present file p13\n"
	"pagemap p14: present file p14\n"
	"pagemap p15: present file p15\n"
	"== file shared: write p34\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  64 kB\n"
	"Pss:                  34 kB\n"
	"Pss_Dirty:             2 kB\n"
	"Shared_Clean:         56 kB\n"
	"Shared_Dirty:          4 kB\n"
	"Private_Clean:         4 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:           64 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr sh mr mw me ms \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p32: present file p0\n"
	"pagemap p33: present file exclusive p1\n"
	"pagemap p34: present file p2\n"
	"pagemap p35: present file p3\n"
	"pagemap p36: present file p4\n"
	"pagemap p37: present file p5\n"
	"pagemap p38: present file p6\n"
	"pagemap p39: present file p7\n"
	"pagemap p40: present file p8\n"
	"pagemap p41: present file p9\n"
	"pagemap p42: present file p10\n"
	"pagemap p43: present file p11\n"
	"pagemap p44: present file p12\n"
	"pagemap p45: present file p13\n"
	"pagemap p46: present file p14\n"
	"pagemap p47: present file p15\n"
	"== file private: p2 is dirty in the page cache\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  64 kB\n"
	"Pss:                  34 kB\n"
	"Pss_Dirty:             6 kB\n"
	"Shared_Clean:         56 kB\n"
	"Shared_Dirty:          4 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         4 kB\n"
	"Referenced:           64 kB\n"
	"Anonymous:             4 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present file p0\n"
	"pagemap p1: present exclusive p1\n"
	"pagemap p2: present file p2\n"
	"pagemap p3: present file p3\n"
	"pagemap p4: present file p4\n"
	"pagemap p5: present file p5\n"
	"pagemap p6: present file p6\n"
	"pagemap p7: present file p7\n"
	"pagemap p8: present file p8\n"
	"pagemap p9: present file p9\n"
	"pagemap p10: present file p10\n"
	"pagemap p11: present file p11\n"
	"pagemap p12: present file p12\n"
	"pagemap p13: present file p13\n"
	"pagemap p14: present file p14\n"
	"pagemap p15: present file p15\n"
	"== child: file private\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  64 kB\n"
	"Pss:                  21 kB\n"
	"Pss_Dirty:             3 kB\n"
	"Shared_Clean:         56 kB\n"
	"Shared_Dirty:          8 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:           60 kB\n"
	"Anonymous:             4 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present file p0\n"
	"pagemap p1: present p1\n"
	"pagemap p2: present file p2\n"
	"pagemap p3: present file p3\n"
	"pagemap p4: present file p4\n"
	"pagemap p5: present file p5\n"
	"pagemap p6: present file p6\n"
	"pagemap p7: present file p7\n"
	"pagemap p8: present file p8\n"
	"pagemap p9: present file p9\n"
	"pagemap p10: present file p10\n"
	"pagemap p11: present file p11\n"
	"pagemap p12: present file p12\n"
	"pagemap p13: present file p13\n"
	"pagemap p14: present file p14\n"
	"pagemap p15: present file p15\n"
	"== child: file shared (no PTEs copied)\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                   0 kB\n"
	"Pss:                   0 kB\n"
	"Pss_Dirty:             0 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            0 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr sh mr mw me ms \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p32: -\n"
	"pagemap p33: -\n"
	"pagemap p34: -\n"
	"pagemap p35: -\n"
	"pagemap p36: -\n"
	"pagemap p37: -\n"
	"pagemap p38: -\n"
	"pagemap p39: -\n"
	"pagemap p40: -\n"
	"pagemap p41: -\n"
	"pagemap p42: -\n"
	"pagemap p43: -\n"
	"pagemap p44: -\n"
	"pagemap p45: -\n"
	"pagemap p46: -\n"
	"pagemap p47: -\n"
	"== child: file shared after reading p32\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  64 kB\n"
	"Pss:                  17 kB\n"
	"Pss_Dirty:             1 kB\n"
	"Shared_Clean:         60 kB\n"
	"Shared_Dirty:          4 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:           64 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr sh mr mw me ms \n"
	"RssAnon: +0 kB\n"
	"RssFile: +64 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p32: present file p0\n"
	"pagemap p33: present file p1\n"
	"pagemap p34: present file p2\n"
	"pagemap p35: present file p3\n"
	"pagemap p36: present file p4\n"
	"pagemap p37: present file p5\n"
	"pagemap p38: present file p6\n"
	"pagemap p39: present file p7\n"
	"pagemap p40: present file p8\n"
	"pagemap p41: present file p9\n"
	"pagemap p42: present file p10\n"
	"pagemap p43: present file p11\n"
	"pagemap p44: present file p12\n"
	"pagemap p45: present file p13\n"
	"pagemap p46: present file p14\n"
	"pagemap p47: present file p15\n"
;

/*
 * setarch -R smaps_probe filecold: a 64-page file not in the cache, mapped read-only: the
 * first read is a major fault whose fault-around maps the 16-page block around it.
 */
static const char host_filecold[] =
	"== filecold: read p0 (major fault, readahead, fault-around)\n"
	"Size:                256 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  64 kB\n"
	"Pss:                  64 kB\n"
	"Pss_Dirty:             0 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:        64 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:           64 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd mr mw me \n"
	"RssAnon: +0 kB\n"
	"RssFile: +64 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present file exclusive new\n"
	"pagemap p1: present file exclusive new\n"
	"pagemap p2: present file exclusive new\n"
	"pagemap p3: present file exclusive new\n"
	"pagemap p4: present file exclusive new\n"
	"pagemap p5: present file exclusive new\n"
	"pagemap p6: present file exclusive new\n"
	"pagemap p7: present file exclusive new\n"
	"pagemap p8: present file exclusive new\n"
	"pagemap p9: present file exclusive new\n"
	"pagemap p10: present file exclusive new\n"
	"pagemap p11: present file exclusive new\n"
	"pagemap p12: present file exclusive new\n"
	"pagemap p13: present file exclusive new\n"
	"pagemap p14: present file exclusive new\n"
	"pagemap p15: present file exclusive new\n"
	"pagemap p16: -\n"
	"pagemap p17: -\n"
	"pagemap p18: -\n"
	"pagemap p19: -\n"
	"pagemap p20: -\n"
	"pagemap p21: -\n"
	"pagemap p22: -\n"
	"pagemap p23: -\n"
	"pagemap p24: -\n"
	"pagemap p25: -\n"
	"pagemap p26: -\n"
	"pagemap p27: -\n"
	"pagemap p28: -\n"
	"pagemap p29: -\n"
	"pagemap p30: -\n"
	"pagemap p31: -\n"
	"pagemap p32: -\n"
	"pagemap p33: -\n"
	"pagemap p34: -\n"
	"pagemap p35: -\n"
	"pagemap p36: -\n"
	"pagemap p37: -\n"
	"pagemap p38: -\n"
	"pagemap p39: -\n"
	"pagemap p40: -\n"
	"pagemap p41: -\n"
	"pagemap p42: -\n"
	"pagemap p43: -\n"
	"pagemap p44: -\n"
	"pagemap p45: -\n"
	"pagemap p46: -\n"
	"pagemap p47: -\n"
	"pagemap p48: -\n"
	"pagemap p49: -\n"
	"pagemap p50: -\n"
	"pagemap p51: -\n"
	"pagemap p52: -\n"
	"pagemap p53: -\n"
	"pagemap p54: -\n"
	"pagemap p55: -\n"
	"pagemap p56: -\n"
	"pagemap p57: -\n"
	"pagemap p58: -\n"
	"pagemap p59: -\n"
	"pagemap p60: -\n"
	"pagemap p61: -\n"
	"pagemap p62: -\n"
	"pagemap p63: -\n"
	"== filecold: read p40\n"
	"Size:                256 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                 128 kB\n"
	"Pss:                 128 kB\n"
	"Pss_Dirty:             0 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:       128 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:          128 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd mr mw me \n"
	"RssAnon: +0 kB\n"
	"RssFile: +64 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present file exclusive p0\n"
	"pagemap p1: present file exclusive p1\n"
	"pagemap p2: present file exclusive p2\n"
	"pagemap p3: present file exclusive p3\n"
	"pagemap p4: present file exclusive p4\n"
	"pagemap p5: present file exclusive p5\n"
	"pagemap p6: present file exclusive p6\n"
	"pagemap p7: present file exclusive p7\n"
	"pagemap p8: present file exclusive p8\n"
	"pagemap p9: present file exclusive p9\n"
	"pagemap p10: present file exclusive p10\n"
	"pagemap p11: present file exclusive p11\n"
	"pagemap p12: present file exclusive p12\n"
	"pagemap p13: present file exclusive p13\n"
	"pagemap p14: present file exclusive p14\n"
	"pagemap p15: present file exclusive p15\n"
	"pagemap p16: -\n"
	"pagemap p17: -\n"
	"pagemap p18: -\n"
	"pagemap p19: -\n"
	"pagemap p20: -\n"
	"pagemap p21: -\n"
	"pagemap p22: -\n"
	"pagemap p23: -\n"
	"pagemap p24: -\n"
	"pagemap p25: -\n"
	"pagemap p26: -\n"
	"pagemap p27: -\n"
	"pagemap p28: -\n"
	"pagemap p29: -\n"
	"pagemap p30: -\n"
	"pagemap p31: -\n"
	"pagemap p32: present file exclusive new\n"
	"pagemap p33: present file exclusive new\n"
	"pagemap p34: present file exclusive new\n"
	"pagemap p35: present file exclusive new\n"
	"pagemap p36: present file exclusive new\n"
	"pagemap p37: present file exclusive new\n"
	"pagemap p38: present file exclusive new\n"
	"pagemap p39: present file exclusive new\n"
	"pagemap p40: present file exclusive new\n"
	"pagemap p41: present file exclusive new\n"
	"pagemap p42: present file exclusive new\n"
	"pagemap p43: present file exclusive new\n"
	"pagemap p44: present file exclusive new\n"
	"pagemap p45: present file exclusive new\n"
	"pagemap p46: present file exclusive new\n"
	"pagemap p47: present file exclusive new\n"
	"pagemap p48: -\n"
	"pagemap p49: -\n"
	"pagemap p50: -\n"
	"pagemap p51: -\n"
	"pagemap p52: -\n"
	"pagemap p53: -\n"
	"pagemap p54: -\n"
	"pagemap p55: -\n"
	"pagemap p56: -\n"
	"pagemap p57: -\n"
	"pagemap p58: -\n"
	"pagemap p59: -\n"
	"pagemap p60: -\n"
	"pagemap p61: -\n"
	"pagemap p62: -\n"
	"pagemap p63: -\n"
;

static void test_smaps_probe_file(void **state)
{
	(void)state;
	sim_compare("file", sim_file(), host_file);
}

static void test_smaps_probe_filecold(void **state)
{
	(void)state;
	sim_compare("filecold", sim_filecold(), host_filecold);
}

/*
 * setarch -R smaps_probe readref: read(2) marks each folio it copies from accessed once per
 * call (PG_referenced; a second mark activates the folio and clears it), as the child's
 * Referenced shows: 60 kB after one 64 KiB read, 0 after two, 4 kB after two reads inside
 * page 0, 4 kB (page 1) after reads of pages 0, 1, 0 (whose read of page 1, marked for
 * readahead, started the next window: Rss 48 kB once that I/O was complete).
 */
static const char host_readref[] =
	"== readref child: one pread of 64 KiB\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  64 kB\n"
	"Pss:                  32 kB\n"
	"Pss_Dirty:             2 kB\n"
	"Shared_Clean:         60 kB\n"
	"Shared_Dirty:          4 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:           60 kB\n"
	"Anonymous:             4 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p0: present file new\n"
	"pagemap p1: present file new\n"
	"pagemap p2: present file new\n"
	"pagemap p3: present file new\n"
	"pagemap p4: present file new\n"
	"pagemap p5: present file new\n"
	"pagemap p6: present file new\n"
	"pagemap p7: present file new\n"
	"pagemap p8: present file new\n"
	"pagemap p9: present file new\n"
	"pagemap p10: present file new\n"
	"pagemap p11: present file new\n"
	"pagemap p12: present file new\n"
	"pagemap p13: present file new\n"
	"pagemap p14: present file new\n"
	"pagemap p15: present new\n"
	"== readref child: two preads of 64 KiB\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  64 kB\n"
	"Pss:                  32 kB\n"
	"Pss_Dirty:             2 kB\n"
	"Shared_Clean:         60 kB\n"
	"Shared_Dirty:          4 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            0 kB\n"
	"Anonymous:             4 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p64: present file new\n"
	"pagemap p65: present file new\n"
	"pagemap p66: present file new\n"
	"pagemap p67: present file new\n"
	"pagemap p68: present file new\n"
	"pagemap p69: present file new\n"
	"pagemap p70: present file new\n"
	"pagemap p71: present file new\n"
	"pagemap p72: present file new\n"
	"pagemap p73: present file new\n"
	"pagemap p74: present file new\n"
	"pagemap p75: present file new\n"
	"pagemap p76: present file new\n"
	"pagemap p77: present file new\n"
	"pagemap p78: present file new\n"
	"pagemap p79: present new\n"
	"== readref child: pread 100 at 0, 100 at 200\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  16 kB\n"
	"Pss:                   8 kB\n"
	"Pss_Dirty:             2 kB\n"
	"Shared_Clean:         12 kB\n"
	"Shared_Dirty:          4 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            4 kB\n"
	"Anonymous:             4 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p128: present file new\n"
	"pagemap p129: -\n"
	"pagemap p130: present file new\n"
	"pagemap p131: present file new\n"
	"pagemap p132: -\n"
	"pagemap p133: -\n"
	"pagemap p134: -\n"
	"pagemap p135: -\n"
	"pagemap p136: -\n"
	"pagemap p137: -\n"
	"pagemap p138: -\n"
	"pagemap p139: -\n"
	"pagemap p140: -\n"
	"pagemap p141: -\n"
	"pagemap p142: -\n"
	"pagemap p143: present new\n"
	"== readref child: pread 100 at 0, at 5000, at 0\n"
	"Size:                 64 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  48 kB\n"
	"Pss:                  24 kB\n"
	"Pss_Dirty:             2 kB\n"
	"Shared_Clean:         44 kB\n"
	"Shared_Dirty:          4 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            4 kB\n"
	"Anonymous:             4 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"RssAnon: +0 kB\n"
	"RssFile: +0 kB\n"
	"RssShmem: +0 kB\n"
	"pagemap p192: present file new\n"
	"pagemap p193: present file new\n"
	"pagemap p194: present file new\n"
	"pagemap p195: present file new\n"
	"pagemap p196: -\n"
	"pagemap p197: -\n"
	"pagemap p198: -\n"
	"pagemap p199: -\n"
	"pagemap p200: present file new\n"
	"pagemap p201: present file new\n"
	"pagemap p202: present file new\n"
	"pagemap p203: present file new\n"
	"pagemap p204: present file new\n"
	"pagemap p205: present file new\n"
	"pagemap p206: present file new\n"
	"pagemap p207: present new\n"
;

/* The part of a probe text from its (first)th "== " step to before its (last + 1)th. */
static char *probe_steps(const char *text, unsigned int first, unsigned int last)
{
	const char *from = NULL, *to = NULL;
	unsigned int n = 0;

	for (const char *p = text; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n')) {
		if (strncmp(p, "== ", 3) != 0)
			continue;
		if (n == first)
			from = p;
		if (n == last + 1)
			to = p;
		n++;
	}
	assert_non_null(from);
	return strndup(from, to ? (size_t)(to - from) : strlen(from));
}

/* readref cases 0-2: folio_mark_accessed in read(2). */
static void test_smaps_probe_readref(void **state)
{
	char *want = probe_steps(host_readref, 0, 2);

	(void)state;
	sim_compare("readref", sim_readref(0, 2), want);
	free(want);
}

/* readref case 3: the asynchronous readahead window a read of a marked page starts. */
static void test_smaps_probe_readahead_async(void **state)
{
	char *want = probe_steps(host_readref, 3, 3);

	(void)state;
	sim_compare("readref (async readahead)", sim_readref(3, 3), want);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_grammar_checker),
		cmocka_unit_test(test_unknown_and_bad_arguments),
		cmocka_unit_test(test_golden_and_grammar),
		cmocka_unit_test(test_cross_file_consistency),
		cmocka_unit_test(test_iomem_matches_host),
		cmocka_unit_test(test_smaps_probe_anon),
		cmocka_unit_test(test_smaps_probe_thp),
		cmocka_unit_test(test_smaps_probe_shmem),
		cmocka_unit_test(test_smaps_probe_file),
		cmocka_unit_test(test_smaps_probe_filecold),
		cmocka_unit_test(test_smaps_probe_readref),
		cmocka_unit_test(test_smaps_probe_readahead_async),
		cmocka_unit_test(test_smaps_rollup),
		cmocka_unit_test(test_status_rss),
		cmocka_unit_test(test_pagemap_read),
		cmocka_unit_test(test_no_host_pointers),
		cmocka_unit_test(test_meminfo_vmstat_anon),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

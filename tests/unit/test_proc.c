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
#include <sys/stat.h>

#include "mmsim/mmsim.h"

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
static char *grammar_problem(const char *file, const char *text, const char *const *extra_lines)
{
	char path[512], *msg = NULL;
	snprintf(path, sizeof(path), "%s/%s", ORACLE_DIR, file);
	char *host = read_file(path);
	if (!host) {
		assert_true(asprintf(&msg, "no host copy %s", path) > 0);
		return msg;
	}
	bool first_word = strcmp(file, "slabinfo") == 0;
	struct host_grammar g = { 0, NULL };
	grammar_add_text(&g, host, first_word);
	for (int i = 0; extra_lines && extra_lines[i]; i++)
		grammar_add_text(&g, extra_lines[i], first_word);
	free(host);

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
static const char *const highmem_vmstat[] = { "pgalloc_high 0\n", NULL };

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
					    "vmstat", "slabinfo", "iomem", "memblock" };
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_grammar_checker),
		cmocka_unit_test(test_unknown_and_bad_arguments),
		cmocka_unit_test(test_golden_and_grammar),
		cmocka_unit_test(test_cross_file_consistency),
		cmocka_unit_test(test_iomem_matches_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

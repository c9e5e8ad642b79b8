/*
 * The overview `mmsim boot` prints when no --show or --json is given: one sentence about the
 * machine, then the buddy allocator's free lists and a few meminfo lines, each exactly as
 * Linux prints them. Every fact comes from the library (mmsim_machine_json, mmsim_proc_render).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "cli.h"

/* The meminfo lines a newcomer needs first, in the order meminfo prints them. */
static const char *const meminfo_keys[] = {
	"MemTotal:", "MemFree:", "MemAvailable:", "Slab:", NULL,
};

/* Format a byte count for a person: exact units when they fit, else two decimals. */
static void format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;
	uint64_t v = bytes;
	while (u + 1 < sizeof(units) / sizeof(units[0]) && v >= 1024 && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	if (v < 1024 || u + 1 == sizeof(units) / sizeof(units[0])) {
		snprintf(buf, len, "%" PRIu64 " %s", v, units[u]);
		return;
	}
	double d = (double)v;
	while (d >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, "%.2f %s", d, units[u]);
}

/* The RAM the kernel found: the sum of memblock.memory region sizes; 0 or -EINVAL. */
static int memblock_total(json_t *regions, uint64_t *total)
{
	size_t i;
	json_t *r;
	*total = 0;
	if (!json_is_array(regions))
		return -EINVAL;
	json_array_foreach(regions, i, r) {
		json_t *size = json_object_get(r, "size");
		if (!json_is_integer(size))
			return -EINVAL;
		*total += (uint64_t)json_integer_value(size);
	}
	return 0;
}

/* Print the sentence about the machine from mmsim_machine_json; 0 or CLI_EXIT_FAIL. */
static int print_machine(mmsim_machine *m)
{
	char *text = NULL;
	size_t len = 0;
	int rc = mmsim_machine_json(m, &text, &len);
	if (rc < 0)
		return cli_fail("json", rc, NULL);
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr);
	free(text);
	if (!root) {
		fprintf(stderr, "mmsim: overview: the machine JSON does not parse: %d:%d: %s\n",
			jerr.line, jerr.column, jerr.text);
		return CLI_EXIT_FAIL;
	}
	rc = 0;
	json_t *machine = json_object_get(root, "machine");
	const char *arch = json_string_value(json_object_get(machine, "arch"));
	json_t *nodes = json_object_get(machine, "nr_nodes");
	json_t *cpus = json_object_get(machine, "nr_cpus");
	json_t *memory = json_object_get(json_object_get(root, "memblock"), "memory");
	uint64_t ram;
	if (!arch || !json_is_integer(nodes) || !json_is_integer(cpus) ||
	    memblock_total(memory, &ram) < 0) {
		fprintf(stderr, "mmsim: overview: the machine JSON lacks machine.arch, "
			"machine.nr_nodes, machine.nr_cpus or memblock.memory[].size\n");
		rc = CLI_EXIT_FAIL;
	} else {
		char size[64];
		json_int_t n = json_integer_value(nodes), c = json_integer_value(cpus);
		format_size(ram, size, sizeof(size));
		printf("Booted a simulated %s machine: %s of RAM, %lld NUMA node%s, %lld CPU%s.\n",
		       arch, size, (long long)n, n == 1 ? "" : "s", (long long)c, c == 1 ? "" : "s");
	}
	json_decref(root);
	return rc;
}

/* Render /proc/name into *text; 0 or CLI_EXIT_FAIL with the error printed. */
static int render(mmsim_machine *m, const char *name, char **text, size_t *len)
{
	int rc = mmsim_proc_render(m, name, text, len);
	return rc < 0 ? cli_fail(name, rc, NULL) : 0;
}

/* Print the lines of meminfo text that start with one of meminfo_keys, unchanged. */
static void print_meminfo_lines(const char *text)
{
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		for (const char *const *k = meminfo_keys; *k; k++)
			if (strncmp(line, *k, strlen(*k)) == 0)
				printf("%.*s\n", (int)len, line);
		line += len + (line[len] == '\n');
	}
}

int overview_print(mmsim_machine *m)
{
	char *buddy = NULL, *meminfo = NULL;
	size_t blen, mlen;
	int rc = print_machine(m);
	if (!rc)
		rc = render(m, "buddyinfo", &buddy, &blen);
	if (!rc)
		rc = render(m, "meminfo", &meminfo, &mlen);
	if (!rc) {
		printf("\nFree memory by zone and block size (/proc/buddyinfo: column N counts free\n"
		       "blocks of 2^N pages):\n");
		rc = cli_write(buddy, blen);
	}
	if (!rc) {
		printf("\nMemory totals (from /proc/meminfo):\n");
		print_meminfo_lines(meminfo);
		printf("\nMore: mmsim boot --show zoneinfo (or meminfo,slabinfo,...), mmsim boot --json,\n"
		       "      mmsim help boot, man mmsim.\n");
	}
	free(buddy);
	free(meminfo);
	return rc;
}

/*
 * `mmsim translate [ADDRESS]`: boot a machine, then translate ADDRESS in the built-in address
 * space step by step (the walk, the TLB, the fault), or without ADDRESS print the space's
 * map with one example translation per region.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

enum translate_opt { OPT_HELP, OPT_ACCESS, OPT_KERNEL, OPT_CPU, OPT_REPEAT, OPT_JSON,
		     OPT_LOGICAL };

static const struct cli_option translate_options[] = {
	{ "help", NULL, OPT_HELP },
	CLI_MACHINE_OPTIONS,
	{ "access", "read|write|exec", OPT_ACCESS },
	{ "kernel", NULL, OPT_KERNEL },
	{ "cpu", "N", OPT_CPU },
	{ "repeat", "N", OPT_REPEAT },
	{ "json", NULL, OPT_JSON },
	{ "logical", "SEL:OFFSET", OPT_LOGICAL },
	{ NULL, NULL, 0 },
};

void translate_help(FILE *f)
{
	fputs("usage: mmsim translate [OPTION]... [ADDRESS]\n"
	      "\n"
	      "Translate a virtual address the way the MMU does: the index at every page-table\n"
	      "level, each entry's address, raw value and bits, the TLB outcome, and the physical\n"
	      "address or the exact fault. The address space is built in: a small process (text,\n"
	      "data, heap, a huge page, stack) and the kernel's direct map, in real page tables in\n"
	      "simulated RAM. Without ADDRESS it prints the space's map and one example per region.\n"
	      "\n", f);
	machine_options_help(f);
	fputs("Translation:\n"
	      "  ADDRESS                virtual address, hex (0x7fffffffebcd) or decimal\n"
	      "  --access KIND          read (default), write or exec\n"
	      "  --kernel               a kernel-mode access (default: user mode)\n"
	      "  --cpu N                the CPU whose MMU and TLB translate (default 0)\n"
	      "  --repeat N             translate N times (1-16): the second shows the TLB hit\n"
	      "  --json                 JSON instead of text\n"
	      "  --logical SEL:OFFSET   x86: a logical address (selector or ds/es/fs/gs/ss/cs,\n"
	      "                         and an offset) through the segmentation unit first\n"
	      "  -h, --help             show this help\n"
	      "\n"
	      "Examples:\n"
	      "  mmsim translate 0x7fffffffebcd\n"
	      "  mmsim translate --levels 5 --access write --repeat 2 0x7fffffffebcd\n"
	      "  mmsim translate --arch arm64 --granule 16k\n"
	      "  mmsim translate --logical fs:0x10\n", f);
}

/* Parse a hex (0x...) or decimal address; false if it is not one. */
static bool parse_address(const char *s, uint64_t *va)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*va = v;
	return true;
}

int cmd_translate(int argc, char **argv)
{
	struct machine_args args;
	struct mmsim_translate_opts o = { .repeat = 1 };
	bool have_va = false;
	int status = machine_args_init(&args, argc);

	for (int i = 1; i < argc && !status;) {
		const char *value;
		if (argv[i][0] != '-' || (argv[i][1] >= '0' && argv[i][1] <= '9')) {
			if (have_va)
				status = cli_usage_error("translate: one ADDRESS only ('%s')", argv[i]);
			else if (!parse_address(argv[i], &o.va))
				status = cli_usage_error("translate: '%s' is not an address; expected "
							 "hex (0x...) or decimal", argv[i]);
			have_va = true;
			i++;
			continue;
		}
		int id = cli_next_option(argc, argv, &i, translate_options, "translate", &value);
		if (id < 0) {
			status = CLI_EXIT_USAGE;
		} else if (id == OPT_HELP) {
			translate_help(stdout);
			machine_args_free(&args);
			return 0;
		} else if (id == OPT_ACCESS) {
			if (strcmp(value, "read") == 0 || strcmp(value, "r") == 0)
				o.access = MMSIM_ACCESS_READ;
			else if (strcmp(value, "write") == 0 || strcmp(value, "w") == 0)
				o.access = MMSIM_ACCESS_WRITE;
			else if (strcmp(value, "exec") == 0 || strcmp(value, "x") == 0)
				o.access = MMSIM_ACCESS_EXEC;
			else
				status = cli_usage_error("translate: --access '%s': expected read, "
							 "write or exec", value);
		} else if (id == OPT_KERNEL) {
			o.kernel = 1;
		} else if (id == OPT_CPU || id == OPT_REPEAT) {
			char *end;
			long v = strtol(value, &end, 10);
			if (*end || !*value || v < (id == OPT_CPU ? 0 : 1) || v > 4096)
				status = cli_usage_error("translate: --%s '%s': expected a number",
							 id == OPT_CPU ? "cpu" : "repeat", value);
			else if (id == OPT_CPU)
				o.cpu = (int)v;
			else
				o.repeat = (unsigned int)v;
		} else if (id == OPT_JSON) {
			o.json = 1;
		} else if (id == OPT_LOGICAL) {
			o.logical = value;
		} else {
			status = machine_args_add(&args, id, value, "translate");
		}
	}
	if (!status && have_va && o.logical)
		status = cli_usage_error("translate: give an ADDRESS or --logical, not both");
	if (o.logical)
		have_va = true;
	if (!status && !have_va && (o.json || o.repeat > 1 || o.kernel || o.access))
		status = cli_usage_error("translate: --json, --repeat, --kernel and --access need "
					 "an ADDRESS");
	mmsim_machine *m = NULL;
	if (!status)
		status = machine_args_boot(&args, &m);
	if (!status) {
		struct mmsim_error err = { 0 };
		char *text = NULL;
		size_t len = 0;
		int rc = have_va ? mmsim_translate(m, &o, &text, &len, &err)
				 : mmsim_translate_tour(m, &text, &len, &err);
		status = rc < 0 ? cli_fail("translate", rc, &err) : cli_write(text, len);
		free(text);
	}
	mmsim_machine_free(m);
	machine_args_free(&args);
	return status;
}

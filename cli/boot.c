/*
 * `mmsim boot`: describe a machine from options and files (applied in the order given, so a
 * later one overrides an earlier one), boot it, and print an overview, chosen /proc files
 * (--show) or every counter as JSON (--json).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

enum boot_opt { OPT_HELP, OPT_SHOW, OPT_JSON };

static const struct cli_option boot_options[] = {
	{ "help", NULL, OPT_HELP },
	CLI_MACHINE_OPTIONS,
	{ "show", "LIST", OPT_SHOW },
	{ "json", NULL, OPT_JSON },
	{ NULL, NULL, 0 },
};

void boot_help(FILE *f)
{
	fputs("usage: mmsim boot [OPTION]...\n"
	      "\n"
	      "Boot a simulated machine and show its physical memory: memblock, zones, the buddy\n"
	      "allocator, per-CPU page lists, slab. Without machine options it boots the default\n"
	      "machine (its first output line names it). Machine options are applied in the order\n"
	      "given; a later one overrides an earlier one.\n"
	      "\n", f);
	machine_options_help(f);
	fputs(
	      "Output:\n"
	      "  --show LIST            print these /proc files exactly as Linux does, in the\n"
	      "                         order given, back to back (like cat); LIST is a comma\n"
	      "                         list of:", f);
	/* The names the library renders, wrapped under the description column. */
	int col = 80;
	for (const char *const *n = mmsim_proc_names(); *n; n++) {
		int w = (int)strlen(*n) + (n[1] ? 1 : 0);
		if (col + 1 + w > 79) {
			fputs("\n                        ", f);
			col = 24;
		}
		col += fprintf(f, " %s%s", *n, n[1] ? "," : "");
	}
	fputs("\n"
	      "  --json                 print every counter and the memory layout as JSON\n"
	      "  -h, --help             show this help\n"
	      "\n"
	      "Without --show or --json it prints a short overview for a newcomer.\n"
	      "\n"
	      "Examples:\n"
	      "  mmsim boot --ram 2G --nodes 2 --show buddyinfo\n"
	      "  mmsim boot --e820 dmesg.txt --show zoneinfo,meminfo\n", f);
}

/* Is name one of the /proc files the library renders? */
static bool proc_name_known(const char *name, size_t len)
{
	for (const char *const *n = mmsim_proc_names(); *n; n++)
		if (strlen(*n) == len && strncmp(*n, name, len) == 0)
			return true;
	return false;
}

/* Check a --show LIST: non-empty comma-separated known names. 0 or CLI_EXIT_USAGE. */
static int show_list_check(const char *list)
{
	const char *p = list;
	for (;;) {
		size_t len = strcspn(p, ",");
		if (len == 0)
			return cli_usage_error("boot: --show '%s': empty name in the list", list);
		if (!proc_name_known(p, len)) {
			char known[512] = "";
			for (const char *const *n = mmsim_proc_names(); *n; n++)
				snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
					 known[0] ? "," : "", *n);
			return cli_usage_error("boot: --show: unknown file '%.*s'; known: %s",
					       (int)len, p, known);
		}
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

/* Print each /proc file of a checked --show LIST in order, back to back. */
static int show_files(mmsim_machine *m, const char *list)
{
	for (const char *p = list;; p++) {
		char name[64];
		size_t len = strcspn(p, ",");
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		char *text = NULL;
		size_t tlen = 0;
		int rc = mmsim_proc_render(m, name, &text, &tlen);
		if (rc < 0)
			return cli_fail(name, rc, NULL);
		rc = cli_write(text, tlen);
		free(text);
		if (rc)
			return rc;
		p += len;
		if (*p == '\0')
			return 0;
	}
}

/* Boot from cfg and print what was asked. Returns the exit status. */
static int boot_and_print(const struct machine_args *a, const char *show, bool json)
{
	struct mmsim_error err = { 0 };
	mmsim_machine *m = NULL;
	int rc = machine_args_boot(a, &m);
	if (rc)
		return rc;
	if (a->check && (rc = mmsim_machine_validate(m, &err)) < 0) {
		rc = cli_fail("check", rc, &err);
	} else if (json) {
		char *text = NULL;
		size_t len = 0;
		rc = mmsim_machine_json(m, &text, &len);
		rc = rc < 0 ? cli_fail("json", rc, NULL) : cli_write(text, len);
		free(text);
	} else if (show) {
		rc = show_files(m, show);
	} else {
		rc = overview_print(m);
	}
	mmsim_machine_free(m);
	return rc;
}

int cmd_boot(int argc, char **argv)
{
	struct machine_args args;
	const char *show = NULL;
	bool json = false;
	int status = machine_args_init(&args, argc);

	/* Parse everything first: a usage error anywhere wins over a wrong value. */
	for (int i = 1; i < argc && !status;) {
		const char *value;
		int id = cli_next_option(argc, argv, &i, boot_options, "boot", &value);
		if (id < 0) {
			status = CLI_EXIT_USAGE;
		} else if (id == OPT_HELP) {
			boot_help(stdout);
			machine_args_free(&args);
			return 0;
		} else if (id == OPT_SHOW) {
			status = show_list_check(value);
			show = value;
		} else if (id == OPT_JSON) {
			json = true;
		} else {
			status = machine_args_add(&args, id, value, "boot");
		}
	}
	if (!status && json && show)
		status = cli_usage_error("boot: --json and --show cannot be used together");
	if (!status)
		status = boot_and_print(&args, show, json);
	machine_args_free(&args);
	return status;
}

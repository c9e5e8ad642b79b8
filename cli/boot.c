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

enum boot_opt {
	OPT_HELP, OPT_ARCH, OPT_RAM, OPT_E820, OPT_CONFIG, OPT_NODES, OPT_CPUS,
	OPT_MEMORY_MODEL, OPT_SEED, OPT_SET, OPT_SHOW, OPT_JSON, OPT_CHECK,
};

/* In the order of enum boot_opt: boot_options[id] is option id. */
static const struct cli_option boot_options[] = {
	{ "help", NULL, OPT_HELP },
	{ "arch", "ARCH", OPT_ARCH },
	{ "ram", "SIZE", OPT_RAM },
	{ "e820", "FILE", OPT_E820 },
	{ "config", "FILE", OPT_CONFIG },
	{ "nodes", "N", OPT_NODES },
	{ "cpus", "N", OPT_CPUS },
	{ "memory-model", "sparse|flat", OPT_MEMORY_MODEL },
	{ "seed", "N", OPT_SEED },
	{ "set", "KEY=VALUE", OPT_SET },
	{ "show", "LIST", OPT_SHOW },
	{ "json", NULL, OPT_JSON },
	{ "check", NULL, OPT_CHECK },
	{ NULL, NULL, 0 },
};

/* One option as given, kept to be applied in order once every argument has parsed. */
struct boot_op {
	int id;
	const char *value;
};

void boot_help(FILE *f)
{
	fputs("usage: mmsim boot [OPTION]...\n"
	      "\n"
	      "Boot a simulated machine and show its physical memory: memblock, zones, the buddy\n"
	      "allocator, per-CPU page lists, slab. Without machine options it boots the default\n"
	      "machine (its first output line names it). Machine options are applied in the order\n"
	      "given; a later one overrides an earlier one.\n"
	      "\n"
	      "Machine:\n"
	      "  --arch ARCH            architecture (x86_64, ...)\n"
	      "  --ram SIZE             RAM size, e.g. 512M, 4G\n"
	      "  --e820 FILE            physical map from the kernel's \"BIOS-e820:\" lines (dmesg)\n"
	      "  --config FILE.ini      machine description ([machine], [memory], [node N])\n"
	      "  --nodes N              NUMA nodes\n"
	      "  --cpus N               CPUs\n"
	      "  --memory-model MODEL   sparse or flat\n"
	      "  --seed N               seed of the machine's random generator\n"
	      "  --set KEY=VALUE        any description key (docs/machine.md), e.g.\n"
	      "                         --set movablecore=1G --set min_free_kbytes=8192\n"
	      "  --check                run every structure's validator after each step\n"
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

/* Apply one machine option to cfg; 0 or CLI_EXIT_FAIL with the error printed. */
static int apply_op(mmsim_config *cfg, const struct boot_op *op)
{
	static const char *const keys[] = {
		[OPT_ARCH] = "arch", [OPT_RAM] = "ram", [OPT_NODES] = "nodes",
		[OPT_CPUS] = "cpus", [OPT_MEMORY_MODEL] = "memory_model", [OPT_SEED] = "seed",
	};
	struct mmsim_error err = { 0 };
	char what[300];
	int rc;

	switch (op->id) {
	case OPT_E820:
		rc = mmsim_config_load_e820(cfg, op->value, &err);
		snprintf(what, sizeof(what), "%s", op->value);
		break;
	case OPT_CONFIG:
		rc = mmsim_config_load_ini(cfg, op->value, &err);
		snprintf(what, sizeof(what), "%s", op->value);
		break;
	case OPT_SET: {
		size_t klen = strcspn(op->value, "=");
		char key[128];
		snprintf(key, sizeof(key), "%.*s", (int)klen, op->value);
		rc = mmsim_config_set(cfg, key, op->value + klen + 1, &err);
		snprintf(what, sizeof(what), "--set %s", op->value);
		break;
	}
	case OPT_CHECK:
		rc = mmsim_config_set(cfg, "check", "1", &err);
		snprintf(what, sizeof(what), "--check");
		break;
	default:
		rc = mmsim_config_set(cfg, keys[op->id], op->value, &err);
		snprintf(what, sizeof(what), "--%s %s", boot_options[op->id].name, op->value);
		break;
	}
	return rc < 0 ? cli_fail(what, rc, &err) : 0;
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
static int boot_and_print(const mmsim_config *cfg, const char *show, bool json, bool check)
{
	struct mmsim_error err = { 0 };
	mmsim_machine *m = NULL;
	int rc = mmsim_boot(cfg, &m, &err);
	if (rc < 0)
		return cli_fail("boot", rc, &err);
	if (check && (rc = mmsim_machine_validate(m, &err)) < 0) {
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
	struct boot_op *ops = calloc((size_t)argc, sizeof(*ops));
	size_t nr_ops = 0;
	const char *show = NULL;
	bool json = false, check = false;
	int status = 0;

	if (!ops)
		return cli_fail("boot", -ENOMEM, NULL);
	/* Parse everything first: a usage error anywhere wins over a wrong value. */
	for (int i = 1; i < argc && !status;) {
		const char *value;
		int id = cli_next_option(argc, argv, &i, boot_options, "boot", &value);
		if (id < 0) {
			status = CLI_EXIT_USAGE;
		} else if (id == OPT_HELP) {
			boot_help(stdout);
			free(ops);
			return 0;
		} else if (id == OPT_SHOW) {
			status = show_list_check(value);
			show = value;
		} else if (id == OPT_JSON) {
			json = true;
		} else {
			if (id == OPT_SET && (value[0] == '=' || !strchr(value, '=')))
				status = cli_usage_error("boot: --set '%s': expected KEY=VALUE", value);
			check |= id == OPT_CHECK;
			ops[nr_ops++] = (struct boot_op){ id, value };
		}
	}
	if (!status && json && show)
		status = cli_usage_error("boot: --json and --show cannot be used together");

	mmsim_config *cfg = NULL;
	if (!status) {
		int rc = mmsim_config_new(&cfg);
		if (rc < 0)
			status = cli_fail("boot", rc, NULL);
	}
	for (size_t k = 0; k < nr_ops && !status; k++)
		status = apply_op(cfg, &ops[k]);
	if (!status)
		status = boot_and_print(cfg, show, json, check);
	if (cfg)
		mmsim_config_free(cfg);
	free(ops);
	return status;
}

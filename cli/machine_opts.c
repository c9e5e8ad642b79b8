/*
 * The machine options every command that boots a machine accepts (boot, translate ...):
 * collected in the order given, then applied to one configuration, so a later option
 * overrides an earlier one, and a usage error anywhere is found before anything boots.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

void machine_options_help(FILE *f)
{
	fputs("Machine:\n"
	      "  --arch ARCH            architecture: x86_64, i386 or arm64\n"
	      "  --ram SIZE             RAM size, e.g. 512M, 4G\n"
	      "  --e820 FILE            physical map from the kernel's \"BIOS-e820:\" lines (dmesg)\n"
	      "  --config FILE.ini      machine description ([machine], [memory], [node N])\n"
	      "  --nodes N              NUMA nodes\n"
	      "  --cpus N               CPUs\n"
	      "  --memory-model MODEL   sparse or flat\n"
	      "  --seed N               seed of the machine's random generator\n"
	      "  --levels N             page-table levels: x86_64 4 or 5, i386 2 or 3 (PAE)\n"
	      "  --granule SIZE         arm64 translation granule: 4k, 16k or 64k\n"
	      "  --va-bits N            arm64 virtual address bits: 39, 42, 47 or 48\n"
	      "  --tlb SPEC             TLB preset (skylake, zen4, cortex-a76, tiny, none) or a\n"
	      "                         geometry, see docs/tlb.md\n"
	      "  --set KEY=VALUE        any description key (docs/machine.md), e.g.\n"
	      "                         --set movablecore=1G --set min_free_kbytes=8192\n"
	      "  --thp MODE             transparent huge pages: always, madvise (the default, as\n"
	      "                         this machine's kernel) or never\n"
	      "  --file-writes MODE     where writes to shared file mappings go back: copy (the\n"
	      "                         default: a copy of each file in a scratch directory, the\n"
	      "                         user's files are never written) or real (the files\n"
	      "                         themselves; every written byte is flushed even when mmsim\n"
	      "                         is stopped by SIGINT or SIGTERM)\n"
	      "  --check                run every structure's validator after each step\n", f);
}

int machine_args_init(struct machine_args *a, int argc)
{
	memset(a, 0, sizeof(*a));
	a->ops = calloc((size_t)argc + 1, sizeof(*a->ops));
	return a->ops ? 0 : cli_fail("options", -ENOMEM, NULL);
}

void machine_args_free(struct machine_args *a)
{
	free(a->ops);
	a->ops = NULL;
}

/* Parse an unsigned decimal option value; false when it is not one. */
static bool parse_uint(const char *v, unsigned int *out)
{
	char *end;
	if (!*v || *v == '-')
		return false;
	unsigned long x = strtoul(v, &end, 10);
	if (*end || x > 1u << 20)
		return false;
	*out = (unsigned int)x;
	return true;
}

int machine_args_add(struct machine_args *a, int id, const char *value, const char *cmd)
{
	switch (id) {
	case MOPT_SET:
		if (value[0] == '=' || !strchr(value, '='))
			return cli_usage_error("%s: --set '%s': expected KEY=VALUE", cmd, value);
		break;
	case MOPT_CHECK:
		a->check = true;
		break;
	case MOPT_LEVELS:
		if (!parse_uint(value, &a->levels))
			return cli_usage_error("%s: --levels '%s': expected a number of levels", cmd,
					       value);
		return 0;
	case MOPT_GRANULE: {
		static const char *const g[] = { "4k", "16k", "64k", "4K", "16K", "64K" };
		for (unsigned int i = 0; i < 6; i++)
			if (strcmp(value, g[i]) == 0)
				a->granule = 4u << (2 * (i % 3));
		if (!a->granule)
			return cli_usage_error("%s: --granule '%s': expected 4k, 16k or 64k", cmd,
					       value);
		return 0;
	}
	case MOPT_VA_BITS:
		if (!parse_uint(value, &a->va_bits))
			return cli_usage_error("%s: --va-bits '%s': expected a number of bits", cmd,
					       value);
		return 0;
	default:
		break;
	}
	a->ops[a->n].id = id;
	a->ops[a->n].value = value;
	a->n++;
	return 0;
}

/* Apply one option to cfg; 0 or CLI_EXIT_FAIL with the error printed. */
static int apply_op(mmsim_config *cfg, int id, const char *value)
{
	struct mmsim_error err = { 0 };
	char what[300];
	const char *key = NULL;
	int rc;

	switch (id) {
	case MOPT_E820:
		rc = mmsim_config_load_e820(cfg, value, &err);
		snprintf(what, sizeof(what), "%s", value);
		return rc < 0 ? cli_fail(what, rc, &err) : 0;
	case MOPT_CONFIG:
		rc = mmsim_config_load_ini(cfg, value, &err);
		snprintf(what, sizeof(what), "%s", value);
		return rc < 0 ? cli_fail(what, rc, &err) : 0;
	case MOPT_SET: {
		size_t klen = strcspn(value, "=");
		char k[128];
		snprintf(k, sizeof(k), "%.*s", (int)klen, value);
		rc = mmsim_config_set(cfg, k, value + klen + 1, &err);
		snprintf(what, sizeof(what), "--set %s", value);
		return rc < 0 ? cli_fail(what, rc, &err) : 0;
	}
	case MOPT_CHECK:
		rc = mmsim_config_set(cfg, "check", "1", &err);
		return rc < 0 ? cli_fail("--check", rc, &err) : 0;
	case MOPT_ARCH: key = "arch"; break;
	case MOPT_RAM: key = "ram"; break;
	case MOPT_NODES: key = "nodes"; break;
	case MOPT_CPUS: key = "cpus"; break;
	case MOPT_MEMORY_MODEL: key = "memory_model"; break;
	case MOPT_SEED: key = "seed"; break;
	case MOPT_TLB: key = "tlb"; break;
	case MOPT_PAGING: key = "paging"; break;
	case MOPT_FILE_WRITES: key = "file_writes"; break;
	case MOPT_THP: key = "thp"; break;
	default:
		return cli_fail("options", -EINVAL, NULL);
	}
	rc = mmsim_config_set(cfg, key, value, &err);
	snprintf(what, sizeof(what), "--%s %s", id == MOPT_MEMORY_MODEL ? "memory-model" :
		 id == MOPT_FILE_WRITES ? "file-writes" : key, value);
	return rc < 0 ? cli_fail(what, rc, &err) : 0;
}

/* Report which of --levels/--granule/--va-bits named a paging mode that does not exist. */
static void paging_label(const struct machine_args *a, char *buf, size_t len)
{
	int n = 0;
	if (a->levels)
		n += snprintf(buf + n, len - (size_t)n, "--levels %u ", a->levels);
	if (a->granule)
		n += snprintf(buf + n, len - (size_t)n, "--granule %uk ", a->granule);
	if (a->va_bits)
		n += snprintf(buf + n, len - (size_t)n, "--va-bits %u ", a->va_bits);
	if (n > 0)
		buf[n - 1] = '\0';
}

/*
 * --levels / --granule / --va-bits name a paging mode relative to the architecture: the
 * library's "paging" key accepts "5level", "pae", "16k-48" ... for the configured arch.
 */
static int apply_paging(mmsim_config *cfg, const struct machine_args *a)
{
	char v[32];
	if (a->granule || a->va_bits)
		snprintf(v, sizeof(v), "%uk-%u", a->granule ? a->granule : 4,
			 a->va_bits ? a->va_bits : 48);
	else if (a->levels)
		snprintf(v, sizeof(v), "%ulevel", a->levels);
	else
		return 0;
	if (a->levels && (a->granule || a->va_bits))
		return cli_usage_error("--levels is for x86; on arm64 the granule and --va-bits "
				       "fix the levels");
	struct mmsim_error err = { 0 };
	char what[96] = "";
	int rc = mmsim_config_set(cfg, "paging", v, &err);
	if (rc >= 0)
		return 0;
	paging_label(a, what, sizeof(what));
	return cli_fail(what, rc, &err);
}

int machine_args_config(const struct machine_args *a, mmsim_config **out)
{
	mmsim_config *cfg = NULL;
	int rc = mmsim_config_new(&cfg);
	if (rc < 0)
		return cli_fail("config", rc, NULL);
	int status = 0;
	for (size_t k = 0; k < a->n && !status; k++)
		status = apply_op(cfg, a->ops[k].id, a->ops[k].value);
	if (!status)
		status = apply_paging(cfg, a);
	if (status) {
		mmsim_config_free(cfg);
		return status;
	}
	*out = cfg;
	return 0;
}

int machine_args_boot(const struct machine_args *a, mmsim_machine **out)
{
	mmsim_config *cfg = NULL;
	struct mmsim_error err = { 0 };
	int status = machine_args_config(a, &cfg);
	if (status)
		return status;
	int rc = mmsim_boot(cfg, out, &err);
	if (rc < 0)
		status = cli_fail("boot", rc, &err);
	mmsim_config_free(cfg);
	return status;
}

/*
 * `mmsim layout`: the kernel's virtual memory layout for an architecture and paging mode,
 * the way the kernel's documentation draws it. The library renders it
 * (mmsim_layout_render); this file only reads the options.
 */
#include <stdlib.h>
#include "cli.h"

enum layout_opt { OPT_HELP };

static const struct cli_option layout_options[] = {
	{ "help", NULL, OPT_HELP },
	{ "arch", "ARCH", MOPT_ARCH },
	{ "levels", "N", MOPT_LEVELS },
	{ "granule", "SIZE", MOPT_GRANULE },
	{ "va-bits", "N", MOPT_VA_BITS },
	{ NULL, NULL, 0 },
};

void layout_help(FILE *f)
{
	fputs("usage: mmsim layout [--arch ARCH] [--levels N] [--granule SIZE] [--va-bits N]\n"
	      "\n"
	      "Print the kernel's virtual memory layout (Linux 6.18, without KASLR) for one\n"
	      "paging mode: where user space ends (TASK_SIZE), where the direct map starts\n"
	      "(PAGE_OFFSET), and the vmalloc, vmemmap, module, fixmap ... regions. x86_64 is\n"
	      "drawn like Documentation/arch/x86/x86_64/mm.rst, arm64 like\n"
	      "Documentation/arch/arm64/memory.rst, i386 like the old \"virtual kernel memory\n"
	      "layout:\" boot lines.\n"
	      "\n"
	      "Options:\n"
	      "  --arch ARCH      x86_64 (default), i386 or arm64\n"
	      "  --levels N       page-table levels: x86_64 4 or 5, i386 2 or 3 (PAE),\n"
	      "                   arm64 2, 3 or 4\n"
	      "  --granule SIZE   arm64 translation granule: 4k, 16k or 64k\n"
	      "  --va-bits N      arm64 virtual address bits: 39, 42, 47 or 48\n"
	      "  -h, --help       show this help\n"
	      "Options left out take the architecture's default (x86_64 4 levels, i386\n"
	      "2 levels, arm64 4k with 48 bits) where they leave a choice.\n"
	      "\n"
	      "Examples:\n"
	      "  mmsim layout --levels 5\n"
	      "  mmsim layout --arch arm64 --granule 64k --va-bits 42\n"
	      "  mmsim layout --arch i386 --levels 3\n", f);
}

/* Read the options into *arch and a's paging fields; 0, a usage status, or -1 for help. */
static int layout_args(int argc, char **argv, const char **arch, struct machine_args *a)
{
	for (int i = 1; i < argc;) {
		const char *value;
		int id = cli_next_option(argc, argv, &i, layout_options, "layout", &value);
		if (id < 0)
			return CLI_EXIT_USAGE;
		if (id == OPT_HELP)
			return -1;
		if (id == MOPT_ARCH) {
			*arch = value;
			continue;
		}
		int rc = machine_args_add(a, id, value, "layout");
		if (rc)
			return rc;
	}
	return 0;
}

int cmd_layout(int argc, char **argv)
{
	struct mmsim_error err = { 0 };
	struct machine_args a;
	const char *arch = NULL;
	char *text = NULL;
	size_t len = 0;

	int rc = machine_args_init(&a, argc);
	if (rc)
		return rc;
	rc = layout_args(argc, argv, &arch, &a);
	if (rc) {
		machine_args_free(&a);
		if (rc > 0)
			return rc;
		layout_help(stdout);
		return CLI_EXIT_OK;
	}
	/* machine_args keeps the granule in KiB; the library takes bytes. */
	rc = mmsim_layout_render(arch, a.levels, a.granule * 1024, a.va_bits, &text, &len, &err);
	machine_args_free(&a);
	if (rc < 0)
		return cli_fail("layout", rc, &err);
	rc = cli_write(text, len);
	free(text);
	return rc;
}

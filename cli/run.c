/*
 * `mmsim run FILE.mms`: run a scenario script (docs/scenario-language.md) and print what its
 * `show` and `echo` statements print. Exit status 0 when every expectation held, 1 when one
 * failed or the script is wrong (the message names file, line and column), 2 for a usage error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

enum run_opt { OPT_HELP, OPT_ECHO };

static const struct cli_option run_options[] = {
	{ "help", NULL, OPT_HELP },
	CLI_MACHINE_OPTIONS,
	{ "echo", NULL, OPT_ECHO },
	{ NULL, NULL, 0 },
};

void run_help(FILE *f)
{
	fputs("usage: mmsim run [OPTION]... FILE.mms\n"
	      "\n"
	      "Run a scenario script: machine set-up, exec of real ELF files, system calls written\n"
	      "as strace prints them (results checked when given), memory accesses through the TLB\n"
	      "and the fault handler (1 write ADDR LEN, lackey lines), /proc files shown,\n"
	      "expectations checked. FILE - reads the script from standard input. The language is\n"
	      "described in docs/scenario-language.md; lessons are in examples/.\n"
	      "\n", f);
	machine_options_help(f);
	fputs("Running:\n"
	      "  --echo                 print every system call with its result as it runs\n"
	      "  -h, --help             show this help\n"
	      "\n"
	      "Examples:\n"
	      "  mmsim run examples/mmap-merge.mms\n"
	      "  mmsim run --echo --check examples/brk-heap.mms\n", f);
}

/* Read all of path ("-": stdin) into a malloc'd buffer (NUL-terminated). */
int read_all(const char *path, char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		return -errno;
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap + 1);
	int ret = 0;
	while (buf) {
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (n < cap) {
			if (ferror(f))
				ret = -EIO;
			break;
		}
		char *nb = realloc(buf, 2 * cap + 1);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	if (f != stdin)
		fclose(f);
	if (!buf)
		return -ENOMEM;
	if (ret) {
		free(buf);
		return ret;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct machine_args args;
	const char *path = NULL;
	unsigned int flags = 0;
	int status = machine_args_init(&args, argc);

	for (int i = 1; i < argc && !status;) {
		const char *value;
		if (argv[i][0] != '-' || strcmp(argv[i], "-") == 0) {
			if (path)
				status = cli_usage_error("run: one FILE only ('%s')", argv[i]);
			path = argv[i++];
			continue;
		}
		int id = cli_next_option(argc, argv, &i, run_options, "run", &value);
		if (id < 0) {
			status = CLI_EXIT_USAGE;
		} else if (id == OPT_HELP) {
			run_help(stdout);
			machine_args_free(&args);
			return 0;
		} else if (id == OPT_ECHO) {
			flags |= MMSIM_SCRIPT_ECHO;
		} else {
			status = machine_args_add(&args, id, value, "run");
		}
	}
	if (!status && !path)
		status = cli_usage_error("run: a script FILE is needed; see 'mmsim help run'");
	if (!status && args.check)
		flags |= MMSIM_SCRIPT_CHECK;
	mmsim_config *cfg = NULL;
	if (!status)
		status = machine_args_config(&args, &cfg);
	char *text = NULL;
	size_t len = 0;
	if (!status) {
		int rc = read_all(path, &text, &len);
		if (rc < 0) {
			fprintf(stderr, "mmsim: run: %s: %s\n", path, strerror(-rc));
			status = CLI_EXIT_FAIL;
		}
	}
	if (!status) {
		struct mmsim_error err = { 0 };
		char *out = NULL;
		size_t outlen = 0;
		int rc = mmsim_script_run(cfg, strcmp(path, "-") == 0 ? "<stdin>" : path, text, len,
					  flags, &out, &outlen, &err);
		if (out)
			status = cli_write(out, outlen);
		free(out);
		if (rc != 0) {
			char msg[1024];
			mmsim_error_format(&err, msg, sizeof(msg));
			fprintf(stderr, "mmsim: %s\n", msg);
			status = CLI_EXIT_FAIL;
		}
	}
	free(text);
	mmsim_config_free(cfg);
	machine_args_free(&args);
	return status;
}

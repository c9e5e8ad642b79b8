/*
 * mmsim: the command. Dispatches to a subcommand; --help, --version, `help CMD`.
 * Shared helpers (option reading, error lines, output) live here too.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "replay.h"
#include "trace.h"

static void main_help(FILE *f)
{
	fputs("usage: mmsim COMMAND [OPTION]...\n"
	      "\n"
	      "mmsim simulates the Linux memory manager (Linux 6.18, x86-64) in user space.\n"
	      "\n"
	      "Commands:\n"
	      "  boot       boot a machine and show its physical memory (zones, buddy, slab, /proc)\n"
	      "  translate  translate a virtual address through page tables and TLBs, step by step\n"
	      "  layout     print the kernel's virtual memory layout (x86_64, i386, arm64)\n"
	      "  run        run a scenario script (.mms): exec, system calls, /proc files, checks\n"
	      "  replay     replay an strace log of a program and show its final memory map\n"
	      "  validate   run a program on this kernel and compare its memory map with mmsim's\n"
	      "  trace      run a memory-access trace (valgrind lackey, page trace): faults, TLB\n"
	      "  help       show this help, or a command's: mmsim help boot\n"
	      "\n"
	      "Options:\n"
	      "  -h, --help     show this help\n"
	      "      --version  print the version\n"
	      "\n"
	      "Exit status: 0 success, 1 an operation failed or an input is wrong,\n"
	      "2 a usage error. See mmsim(1).\n", f);
}

int cli_next_option(int argc, char **argv, int *i, const struct cli_option *table,
		    const char *cmd, const char **value)
{
	const char *a = argv[*i];
	*value = NULL;
	if (strcmp(a, "-h") == 0)
		a = "--help";
	if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
		cli_usage_error("%s: unexpected argument '%s'; see 'mmsim help %s'", cmd, a, cmd);
		return -1;
	}
	const char *name = a + 2;
	const char *eq = strchr(name, '=');
	size_t n = eq ? (size_t)(eq - name) : strlen(name);
	for (const struct cli_option *o = table; o->name; o++) {
		if (strlen(o->name) != n || strncmp(o->name, name, n) != 0)
			continue;
		if (!o->arg && eq) {
			cli_usage_error("%s: option --%s takes no value", cmd, o->name);
			return -1;
		}
		if (o->arg && !eq && *i + 1 >= argc) {
			cli_usage_error("%s: option --%s needs a value (%s)", cmd, o->name, o->arg);
			return -1;
		}
		if (o->arg)
			*value = eq ? eq + 1 : argv[++*i];
		++*i;
		return o->id;
	}
	cli_usage_error("%s: unknown option '%.*s'; see 'mmsim help %s'", cmd, (int)(n + 2), a,
			cmd);
	return -1;
}

int cli_fail(const char *what, int rc, const struct mmsim_error *err)
{
	char buf[1024];
	if (err && err->msg[0]) {
		mmsim_error_format(err, buf, sizeof(buf));
		/* A file error names its place itself; an option error is named by `what`. */
		if (err->file[0])
			fprintf(stderr, "mmsim: %s\n", buf);
		else
			fprintf(stderr, "mmsim: %s: %s\n", what, buf);
	} else {
		fprintf(stderr, "mmsim: %s: %s\n", what, mmsim_strerror(rc));
	}
	return CLI_EXIT_FAIL;
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("mmsim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_USAGE;
}

int cli_write(const char *buf, size_t len)
{
	if (len && fwrite(buf, 1, len, stdout) != len) {
		fprintf(stderr, "mmsim: writing output: %s\n", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	return 0;
}

/* The commands, in the order the help lists them. */
struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*help)(FILE *f);
};
static const struct command commands[] = {
	{ "boot", cmd_boot, boot_help },
	{ "translate", cmd_translate, translate_help },
	{ "layout", cmd_layout, layout_help },
	{ "run", cmd_run, run_help },
	{ "replay", cmd_replay, replay_help },
	{ "validate", cmd_validate, validate_help },
	{ "trace", cmd_trace, trace_help },
	{ NULL, NULL, NULL },
};

/* `mmsim help [CMD]`. */
static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		main_help(stdout);
		return 0;
	}
	if (argc > 2)
		return cli_usage_error("help: takes one command name, got %d", argc - 1);
	for (const struct command *c = commands; c->name; c++) {
		if (strcmp(argv[1], c->name) == 0) {
			c->help(stdout);
			return 0;
		}
	}
	if (strcmp(argv[1], "help") == 0) {
		main_help(stdout);
		return 0;
	}
	char names[256] = "";
	for (const struct command *c = commands; c->name; c++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s, ", c->name);
	return cli_usage_error("help: unknown command '%s'; commands: %shelp", argv[1], names);
}

/* Flush stdout and report a failed write (a full disk, a closed pipe) as a failure. */
/* SIGINT / SIGTERM: ask the library to stop between steps; the command then frees its
   machine (which writes dirty file pages back) and mmsim exits 128 + the signal. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
	mmsim_request_stop();
}

static void install_stop_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int finish(int status)
{
	if (stop_signal) {
		fflush(stdout);
		fprintf(stderr, "mmsim: stopped by signal %d; dirty file pages were written back\n",
			(int)stop_signal);
		return 128 + stop_signal;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "mmsim: writing output: %s\n", strerror(errno));
		return status ? status : CLI_EXIT_FAIL;
	}
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("no command given; try 'mmsim --help'");
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
		return finish(cmd_help(1, argv + 1));
	if (strcmp(cmd, "--version") == 0) {
		printf("mmsim %s\n", MMSIM_VERSION);
		return finish(0);
	}
	if (strcmp(cmd, "help") == 0)
		return finish(cmd_help(argc - 1, argv + 1));
	install_stop_handlers();
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(cmd, c->name) == 0)
			return finish(c->run(argc - 1, argv + 1));
	if (cmd[0] == '-')
		return cli_usage_error("unknown option '%s'; try 'mmsim --help'", cmd);
	return cli_usage_error("unknown command '%s'; try 'mmsim --help'", cmd);
}

/*
 * `mmsim replay LOG`: replay an strace log in a booted machine. stdout: the first process's
 * /proc/PID/maps as it stood at its exit_group; stderr: every return value that differs
 * ("LOG:LINE: mmap(...) = X, mmsim gave Y") and notes on what the log could not say.
 * Exit status 0 all matched, 1 some diverged, 2 the log could not be read or a usage error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "replay.h"

enum replay_opt { OPT_HELP, OPT_QUIET };

static const struct cli_option replay_options[] = {
	{ "help", NULL, OPT_HELP },
	{ "quiet", NULL, OPT_QUIET },
	CLI_MACHINE_OPTIONS,
	{ NULL, NULL, 0 },
};

void replay_help(FILE *f)
{
	fputs("usage: mmsim replay [OPTION]... LOG\n"
	      "\n"
	      "Replay a log of `strace -f -y -e trace=memory,process` (also with -v, -tt, -T,\n"
	      "with or without pids) in a booted machine: the first process is created from the\n"
	      "log's first execve with ASLR off (as `setarch -R`), every memory and process\n"
	      "system call is applied in log order, and every recorded return value is compared\n"
	      "with mmsim's. Prints the first process's /proc/PID/maps as it stood when it called\n"
	      "exit_group; on stderr, each return value that differs:\n"
	      "  LOG:LINE: mmap(NULL, 8192, ...) = 0x7ffff7fc0000, mmsim gave 0x7ffff7fbe000\n"
	      "and notes on what a log cannot say (an elided environment, calls not modelled).\n"
	      "\n"
	      "Record a log:  setarch -R strace -f -y -e trace=memory,process -o LOG CMD ARGS\n"
	      "\n"
	      "  --quiet                do not print notes, only divergences\n"
	      "  -h, --help             show this help\n"
	      "\n", f);
	machine_options_help(f);
	fputs("\n"
	      "Exit status: 0 every return value matched, 1 some diverged, 2 the log could not\n"
	      "be read (or a usage error). See docs/replay.md.\n", f);
}

void replay_print_msg(void *ctx, const struct mmsim_replay_msg *msg)
{
	const struct replay_printer *p = ctx;
	if (msg->kind == MMSIM_REPLAY_NOTE && p->quiet)
		return;
	const char *what = msg->kind == MMSIM_REPLAY_NOTE ? "note: " : "";
	if (msg->line)
		fprintf(stderr, "%s:%d: %s%s\n", p->name, msg->line, what, msg->text);
	else
		fprintf(stderr, "%s: %s%s\n", p->name, what, msg->text);
}

int cmd_replay(int argc, char **argv)
{
	struct machine_args args;
	struct replay_printer pr = { 0 };
	const char *log = NULL;
	int status = machine_args_init(&args, argc);

	for (int i = 1; i < argc && !status;) {
		const char *value;
		if (argv[i][0] != '-' || strcmp(argv[i], "-") == 0) {
			if (log)
				status = cli_usage_error("replay: one LOG only ('%s')", argv[i]);
			log = argv[i++];
			continue;
		}
		int id = cli_next_option(argc, argv, &i, replay_options, "replay", &value);
		if (id < 0) {
			status = CLI_EXIT_USAGE;
		} else if (id == OPT_HELP) {
			replay_help(stdout);
			machine_args_free(&args);
			return 0;
		} else if (id == OPT_QUIET) {
			pr.quiet = 1;
		} else {
			status = machine_args_add(&args, id, value, "replay");
		}
	}
	if (!status && !log)
		status = cli_usage_error("replay: no LOG given; see 'mmsim help replay'");
	mmsim_machine *m = NULL;
	if (!status)
		status = machine_args_boot(&args, &m);
	if (status) {
		machine_args_free(&args);
		return REPLAY_EXIT_UNREADABLE;
	}
	pr.name = log;
	struct mmsim_replay_opts o = { .report = replay_print_msg, .ctx = &pr };
	struct mmsim_replay_result res;
	struct mmsim_error err = { 0 };
	int rc = mmsim_replay(m, log, NULL, 0, &o, &res, &err);
	if (rc < 0) {
		cli_fail(log, rc, &err);
		status = REPLAY_EXIT_UNREADABLE;
	} else {
		status = cli_write(res.maps, res.maps_len) ? REPLAY_EXIT_UNREADABLE
			 : res.diverged ? REPLAY_EXIT_DIVERGED : REPLAY_EXIT_MATCH;
	}
	mmsim_replay_result_free(&res);
	mmsim_machine_free(m);
	machine_args_free(&args);
	return status;
}

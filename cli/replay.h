/*
 * `mmsim replay` and `mmsim validate` (cli/replay.c, cli/validate.c), and what they share:
 * the exit statuses of docs/replay.md and the printing of replay messages.
 */
#ifndef MMSIM_CLI_REPLAY_H
#define MMSIM_CLI_REPLAY_H
#include <stdio.h>
#include "mmsim/mmsim.h"

/* replay: 0 every value matched, 1 some diverged, 2 the log could not be read (or usage). */
enum { REPLAY_EXIT_MATCH = 0, REPLAY_EXIT_DIVERGED = 1, REPLAY_EXIT_UNREADABLE = 2 };

int cmd_replay(int argc, char **argv);
void replay_help(FILE *f);
int cmd_validate(int argc, char **argv);
void validate_help(FILE *f);

/* Where replay messages go: stderr, as "LOG:LINE: text" (notes "LOG:LINE: note: text"). */
struct replay_printer {
	const char *name;	/* the log's name as the person knows it */
	int quiet;		/* nonzero: notes are not printed */
};
/* mmsim_replay_opts.report for a struct replay_printer. */
void replay_print_msg(void *ctx, const struct mmsim_replay_msg *msg);
#endif

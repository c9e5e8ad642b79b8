/*
 * The mmsim command: helpers shared by its subcommands.
 *
 * The program is thin: it parses arguments, calls the public API (include/mmsim/mmsim.h)
 * and prints. Every error is one line on stderr starting "mmsim: "; exit status 1 for a
 * failed operation or bad input, 2 for a usage error (unknown option, missing value).
 */
#ifndef MMSIM_CLI_CLI_H
#define MMSIM_CLI_CLI_H
#include <stdio.h>
#include "mmsim/mmsim.h"

enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2 };

/* One option of a subcommand: "--name" with or without a value. */
struct cli_option {
	const char *name;	/* without the leading "--" */
	const char *arg;	/* the value's name in help and errors ("SIZE"), NULL: takes none */
	int id;
};

/*
 * Read the option at argv[*i] (advancing *i past it and its value) against table.
 * Accepts "--name value" and "--name=value"; "-h" means "--help".
 * Returns the option's id with *value set (NULL for a flag), or -1 after printing a
 * one-line usage error naming the offending argument (cmd names the subcommand).
 */
int cli_next_option(int argc, char **argv, int *i, const struct cli_option *table,
		    const char *cmd, const char **value);

/* Print "mmsim: <what>: <error>" for a failed library call; returns CLI_EXIT_FAIL. */
int cli_fail(const char *what, int rc, const struct mmsim_error *err);

/* Print "mmsim: <message>" for a usage error; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write len bytes to stdout; 0, or CLI_EXIT_FAIL after printing the write error. */
int cli_write(const char *buf, size_t len);

/* `mmsim boot ...`: argv[0] is "boot". Returns the exit status. */
int cmd_boot(int argc, char **argv);
/* The help text of `mmsim boot`. */
void boot_help(FILE *f);

/* Print the newcomer's overview of a booted machine; 0 or CLI_EXIT_FAIL (error printed). */
int overview_print(mmsim_machine *m);
#endif

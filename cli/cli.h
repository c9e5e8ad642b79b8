/*
 * The mmsim command: helpers shared by its subcommands.
 *
 * The program is thin: it parses arguments, calls the public API (include/mmsim/mmsim.h)
 * and prints. Every error is one line on stderr starting "mmsim: "; exit status 1 for a
 * failed operation or bad input, 2 for a usage error (unknown option, missing value).
 */
#ifndef MMSIM_CLI_CLI_H
#define MMSIM_CLI_CLI_H
#include <stdbool.h>
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

/* ---- machine options shared by the commands that boot a machine (machine_opts.c) ---- */

enum machine_opt {
	MOPT_ARCH = 100, MOPT_RAM, MOPT_E820, MOPT_CONFIG, MOPT_NODES, MOPT_CPUS,
	MOPT_MEMORY_MODEL, MOPT_SEED, MOPT_SET, MOPT_CHECK, MOPT_LEVELS, MOPT_GRANULE,
	MOPT_VA_BITS, MOPT_TLB, MOPT_PAGING, MOPT_FILE_WRITES, MOPT_THP,
};

/* Entries for a command's option table (the command's own ids stay below 100). */
#define CLI_MACHINE_OPTIONS \
	{ "arch", "ARCH", MOPT_ARCH }, { "ram", "SIZE", MOPT_RAM }, \
	{ "e820", "FILE", MOPT_E820 }, { "config", "FILE", MOPT_CONFIG }, \
	{ "nodes", "N", MOPT_NODES }, { "cpus", "N", MOPT_CPUS }, \
	{ "memory-model", "sparse|flat", MOPT_MEMORY_MODEL }, { "seed", "N", MOPT_SEED }, \
	{ "set", "KEY=VALUE", MOPT_SET }, { "check", NULL, MOPT_CHECK }, \
	{ "levels", "N", MOPT_LEVELS }, { "granule", "SIZE", MOPT_GRANULE }, \
	{ "va-bits", "N", MOPT_VA_BITS }, { "tlb", "SPEC", MOPT_TLB }, \
	{ "file-writes", "copy|real", MOPT_FILE_WRITES }, { "thp", "always|madvise|never", MOPT_THP }

/* Machine options in the order given (applied in that order at boot). */
struct machine_args {
	struct { int id; const char *value; } *ops;
	size_t n;
	bool check;
	unsigned int levels, granule, va_bits;	/* paging mode; 0 = default */
};

/* Room for argc options; 0 or CLI_EXIT_FAIL. */
int machine_args_init(struct machine_args *a, int argc);
void machine_args_free(struct machine_args *a);
/* Record option id (>= MOPT_ARCH); 0 or CLI_EXIT_USAGE after a usage error. */
int machine_args_add(struct machine_args *a, int id, const char *value, const char *cmd);
/* Build the configuration (the caller frees it); 0 or an exit status (error printed). */
int machine_args_config(const struct machine_args *a, mmsim_config **out);
/* Read all of path ("-": standard input) into a malloc'd, NUL-terminated buffer. -errno. */
int read_all(const char *path, char **out, size_t *len);
/* Build the configuration and boot it; 0 or an exit status (error printed). */
int machine_args_boot(const struct machine_args *a, mmsim_machine **out);
/* The "Machine:" block of a command's help. */
void machine_options_help(FILE *f);

/* `mmsim translate ...`: argv[0] is "translate". */
int cmd_translate(int argc, char **argv);
void translate_help(FILE *f);
/* `mmsim run FILE.mms` (cli/run.c). */
int cmd_run(int argc, char **argv);
void run_help(FILE *f);
/* `mmsim layout ...` (cli/layout.c). */
int cmd_layout(int argc, char **argv);
void layout_help(FILE *f);

/* `mmsim boot ...`: argv[0] is "boot". Returns the exit status. */
int cmd_boot(int argc, char **argv);
/* The help text of `mmsim boot`. */
void boot_help(FILE *f);

/* Print the newcomer's overview of a booted machine; 0 or CLI_EXIT_FAIL (error printed). */
int overview_print(mmsim_machine *m);
#endif

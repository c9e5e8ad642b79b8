/* `mmsim trace FILE` (cli/trace.c): run a memory-access trace on one simulated process. */
#ifndef MMSIM_CLI_TRACE_H
#define MMSIM_CLI_TRACE_H
#include <stdio.h>

int cmd_trace(int argc, char **argv);
void trace_help(FILE *f);
#endif

/*
 * A stop request from a signal handler (mmsim_request_stop, include/mmsim/mmsim.h): the
 * long-running loops (scripts, replays, traces) look at it between steps and end with
 * -EINTR, so the caller can free the machine, which writes every dirty file page back.
 * A plain store to a volatile sig_atomic_t is what a signal handler may do.
 */
#include <signal.h>
#include <stdbool.h>

#include "mmsim/mmsim.h"

static volatile sig_atomic_t stop_requested;

void mmsim_request_stop(void)
{
	stop_requested = 1;
}

bool mmsim_stop_requested(void)
{
	return stop_requested != 0;
}

void mmsim_clear_stop(void)
{
	stop_requested = 0;
}

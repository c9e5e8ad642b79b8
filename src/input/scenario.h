/*
 * Scenario scripts (.mms): the language is described in docs/scenario-language.md.
 *
 * A script is read whole, then run statement by statement against one machine that is
 * booted at the first statement needing it (so `machine` lines can come first). Output of
 * `show` and `echo` (and, with SCENARIO_ECHO, every system call and its result) goes into
 * a buffer; the library prints nothing.
 */
#ifndef MMSIM_INPUT_SCENARIO_H
#define MMSIM_INPUT_SCENARIO_H
#include "mmsim/mmsim.h"
#endif

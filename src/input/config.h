/*
 * Value parsers of the machine description (src/input/config.c), shared with other readers of
 * sizes (command-line options, scenario verbs) so that "4G" means the same everywhere.
 */
#ifndef MMSIM_INPUT_CONFIG_H
#define MMSIM_INPUT_CONFIG_H
#include <stdint.h>
#include "mmsim/mmsim.h"

/*
 * Parse a size: a decimal or 0x-hexadecimal number, optionally followed by K, M, G or T
 * (powers of 1024, any case) and an optional "iB" or "B" ("4G", "4GiB", "512M", "65536K",
 * "0x1000", "4096B"); spaces around it are allowed. 0 and *bytes set on success; -EINVAL or
 * -ERANGE (overflow) with err naming the text (err->file and line left empty) otherwise.
 */
int config_parse_size(const char *text, uint64_t *bytes, struct mmsim_error *err);
#endif

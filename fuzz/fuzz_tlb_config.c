/*
 * libFuzzer target: tlb_config_parse on arbitrary bytes (up to the first NUL). Beyond "no
 * crash, no leak" it checks the parser's promises: a failure fills the error, with a column
 * inside the text, and leaves the output unchanged; a success gives a configuration that
 * tlb_config_check accepts, that tlb_config_format prints so that parsing the print gives
 * the same configuration and the same print again, and, when it is small, a TLB that
 * tlb_create builds and that stays valid through a few lookups, fills and flushes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hw/tlb.h"
#include "mmsim/mmsim.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The configuration printed, malloc'd; traps when the buffer cannot be built. */
static char *format(const struct tlb_config *cfg)
{
	struct strbuf sb;
	char *s = NULL;

	sb_init(&sb);
	tlb_config_format(cfg, &sb);
	if (sb_finish(&sb, &s, NULL))
		__builtin_trap();
	return s;
}

/* Entries of every structure of cfg. */
static uint64_t total_entries(const struct tlb_config *cfg)
{
	const struct tlb_struct_cfg *u[3] = { &cfg->l1i, &cfg->l1d, &cfg->l2 };
	uint64_t n = 0;

	for (int k = 0; k < 3; k++)
		for (unsigned int i = 0; i < u[k]->nr_arrays; i++)
			n += (uint64_t)u[k]->array[i].sets * u[k]->array[i].ways;
	for (unsigned int i = 0; i < cfg->pwc.nr; i++)
		n += (uint64_t)cfg->pwc.cache[i].geom.sets * cfg->pwc.cache[i].geom.ways;
	return n;
}

/* Build a small TLB from cfg and run a few operations with the validator after each. */
static void exercise(const struct tlb_config *cfg, const uint8_t *data, size_t size)
{
	static const uint8_t shifts[4] = { 39, 30, 21, 12 };
	struct tlb *t;
	struct tlb_entry e;
	uint64_t pa;
	uint32_t prot;

	if (total_entries(cfg) > 4096)
		return;
	if (tlb_create(cfg, size, &t))
		__builtin_trap();
	tlb_set_walk_shifts(t, shifts, 4);
	for (size_t i = 0; i < size && i < 64; i++) {
		uint64_t va = (uint64_t)data[i] << 21 | (uint64_t)(data[i] & 7) << 12;
		struct tlb_entry n = { .vpn = va >> 12, .pfn = i, .asid = data[i] & 3,
				       .shift = 12, .flags = TLBE_VALID, .prot = 3 };

		if (!tlb_lookup(t, data[i] & 8, n.asid, va, &e))
			tlb_insert(t, data[i] & 8, &n);
		if (pwc_lookup(t, n.asid, va, &pa, &prot) < 2)
			pwc_insert(t, n.asid, va, 2, 0x1000, 3);
		if ((data[i] & 0x30) == 0x30)
			tlb_flush_page(t, n.asid, va, data[i] & 0x40);
		if (data[i] == 0xff)
			tlb_flush_all(t, true);
		if (tlb_validate(t, NULL))
			__builtin_trap();
	}
	tlb_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmsim_error err = { 0 };
	struct tlb_config cfg, before, again;
	char *text = malloc(size + 1), *printed, *reprinted;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&cfg, 0xa5, sizeof(cfg));
	before = cfg;
	if (tlb_config_parse(text, &cfg, &err)) {
		if (!err.msg[0] || err.column < 1 || (size_t)err.column > strlen(text) + 1 ||
		    memcmp(&before, &cfg, sizeof(cfg)) != 0)
			__builtin_trap();
		free(text);
		return 0;
	}
	if (tlb_config_check(&cfg, NULL))
		__builtin_trap();
	printed = format(&cfg);
	if (tlb_config_parse(printed, &again, &err))
		__builtin_trap();
	reprinted = format(&again);
	if (strcmp(printed, reprinted) || strcmp(cfg.preset, again.preset) ||
	    cfg.source != again.source)
		__builtin_trap();
	exercise(&cfg, data, size);
	free(reprinted);
	free(printed);
	free(text);
	return 0;
}

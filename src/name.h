/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interface names (and whole stderr messages) as they are written out:
 * the one formatter every output goes through (src/name.c has the rule).
 */
#ifndef PKTCOUNT_NAME_H
#define PKTCOUNT_NAME_H

#include <stddef.h>

enum pc_name_style {
	PC_NAME_TEXT,	/* the table: controls, invalid bytes and '%' as %HH */
	PC_NAME_PROM,	/* TEXT, then a label value's own \\ and \" */
	PC_NAME_JSON,	/* a JSON string's inside: \" \\ \u00XX, invalid bytes and '%' as %HH */
	PC_NAME_MSG,	/* a stderr message: as TEXT, but '%' is kept ("100%") */
};

/*
 * s encoded in style into out, like snprintf: at most size - 1 characters
 * and a NUL (nothing when size is 0).  Returns the length of the whole
 * encoding, so a caller can size out with a first call.
 */
size_t pc_name_encode(char *out, size_t size, const char *s, enum pc_name_style style);

/* An encoding is at most this many times as long as what it encodes. */
#define PC_NAME_GROWTH 6

#endif /* PKTCOUNT_NAME_H */

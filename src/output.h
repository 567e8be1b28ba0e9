/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKTCOUNT_OUTPUT_H
#define PKTCOUNT_OUTPUT_H

#include "pktcount.h"

/* What the outputs take from the options. */
struct pc_out {
	const char *kernel;	/* uname -r, for pktcount_info */
	unsigned int top;	/* --top; 0 when not given (table and Prometheus: 10, JSON: all) */
};

/*
 * One interval (total - prev over secs) or, with final, the totals since
 * start, of every tap: a table each, or (json) a JSON line each; with --by,
 * the breakdown entries after the protocol key.  Written to fd in one
 * write (1,000 interfaces: one call, not 1,000); 0 or -errno (-EPIPE: the
 * reader is gone).
 */
int pc_print_records(int fd, const struct pc_tap *taps, int ntaps, int json, double secs, int final,
		     double wall, const struct pc_out *out);

/*
 * Prometheus text exposition of every tap's counters since start: to fd as
 * one page followed by an empty line, or into path through a temporary file
 * renamed over it (readers see a whole page, never part of one).  0 or -errno.
 */
int pc_print_prom(int fd, const struct pc_tap *taps, int ntaps, const struct pc_out *out);
int pc_write_prom_file(const char *path, const struct pc_tap *taps, int ntaps, const struct pc_out *out);
/* Whether directory entry is a temporary file of pc_write_prom_file() for a PATH named base. */
int pc_prom_tmp_match(const char *entry, const char *base);

/*
 * A JSON event record ("detached", "attached", "renamed" with the name it
 * had in from, else NULL) for tap.  0 or -errno.
 */
int pc_print_event(int fd, const struct pc_tap *tap, const char *event, const char *from,
		   const char *reason, double wall);

#endif /* PKTCOUNT_OUTPUT_H */

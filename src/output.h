/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKTCOUNT_OUTPUT_H
#define PKTCOUNT_OUTPUT_H

#include "pktcount.h"

/*
 * One interval (total - prev over secs) or, with final, the totals since
 * start.  Written whole to fd; 0 or -errno (-EPIPE: the reader is gone).
 */
int pc_print_table(int fd, const struct pc_tap *tap, double secs, int final);
int pc_print_json(int fd, const struct pc_tap *tap, double secs, int final, double wall);

/*
 * Prometheus text exposition of every tap's counters since start: to fd as
 * one page followed by an empty line, or into path through a temporary file
 * renamed over it (readers see a whole page, never part of one).  0 or -errno.
 */
int pc_print_prom(int fd, const struct pc_tap *taps, int ntaps, const char *kernel);
int pc_write_prom_file(const char *path, const struct pc_tap *taps, int ntaps, const char *kernel);
/* Whether directory entry is a temporary file of pc_write_prom_file() for a PATH named base. */
int pc_prom_tmp_match(const char *entry, const char *base);

/*
 * A JSON event record ("detached", "attached", "renamed" with the name it
 * had in from, else NULL) for tap.  0 or -errno.
 */
int pc_print_event(int fd, const struct pc_tap *tap, const char *event, const char *from,
		   const char *reason, double wall);

#endif /* PKTCOUNT_OUTPUT_H */

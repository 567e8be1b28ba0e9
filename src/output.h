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

#endif /* PKTCOUNT_OUTPUT_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Waiting: for the event a test needs (a record, a line, a counter, a link
 * state), polled, never for a guessed time.  WAIT_MS is the ceiling of a
 * wait for what a working pktcount and kernel do in milliseconds: only a
 * broken product (or a machine stalled far beyond any load) reaches it.
 */
#ifndef PKTCOUNT_TEST_WAIT_H
#define PKTCOUNT_TEST_WAIT_H

#include <time.h>

#define WAIT_MS 30000
#define WAIT_POLL_MS 10
/*
 * The same for hundreds of taps at once: opening, reading and closing each
 * (a packet socket's close waits an RCU grace period) under rtnl, which
 * other work on the machine may hold.
 */
#define WAIT_MANY_MS (4 * WAIT_MS)

/* Milliseconds since t0 (CLOCK_MONOTONIC). */
long ms_since(const struct timespec *t0);
/* Milliseconds from a to b. */
long ms_between(const struct timespec *a, const struct timespec *b);
/* Call cond(arg) every WAIT_POLL_MS until it is nonzero (0) or max_ms passed (-ETIMEDOUT). */
int wait_until(int (*cond)(void *), void *arg, int max_ms);

#endif

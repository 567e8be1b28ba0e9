/* SPDX-License-Identifier: GPL-2.0 */
/* Work on many taps at once (src/par.c). */
#ifndef PKTCOUNT_PAR_H
#define PKTCOUNT_PAR_H

/*
 * How many threads: closing only waits (a thousand taps' grace periods
 * overlap in a few rounds); opening also verifies programs, work for the
 * CPUs, where more threads than waits only slow the one making them.
 */
#define PC_PAR_MOST 256
#define PC_PAR_CLOSE PC_PAR_MOST
#define PC_PAR_OPEN 32

/*
 * fn(arg, i) for every i below n, from up to most threads at once, all
 * joined before it returns.  fn touches only item i's state, and what it
 * shares is read-only or thread-local.  Where
 * no thread can be made, the caller does the rest itself.
 */
void pc_par_each(int n, int most, void (*fn)(void *arg, int i), void *arg);

#endif /* PKTCOUNT_PAR_H */

/* SPDX-License-Identifier: GPL-2.0 */
/* Work on many taps at once (src/par.c). */
#ifndef PKTCOUNT_PAR_H
#define PKTCOUNT_PAR_H

/*
 * fn(arg, i) for every i below n, from up to 256 threads at once, all
 * joined before it returns.  fn touches only item i's state, and what it
 * shares is read-only or thread-local (pc_err()'s last error is).  Where
 * no thread can be made, the caller does the rest itself.
 */
void pc_par_each(int n, void (*fn)(void *arg, int i), void *arg);

#endif /* PKTCOUNT_PAR_H */

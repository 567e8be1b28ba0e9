/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counts module: a tap's counts (struct pc_counts, src/pktcount.h) as
 * its back end fills them, and the marks of what the last interval
 * reported.  The back ends only add: the protocol keys (total, seen: a
 * userspace tap through pc_tap_count(), eBPF from its maps), classes, drops
 * and the breakdown (src/entries.c).  Here, and nowhere else, an interval
 * is marked done and one tap's counts are folded into another's; the
 * report (src/report.c) reads them, and nothing else does.
 */
#ifndef PKTCOUNT_COUNTS_H
#define PKTCOUNT_COUNTS_H

#include "pktcount.h"

/* The next key from k on that ever counted, or PC_NKEYS: for (k = pc_counts_next(c, 0); k < PC_NKEYS; ...) */
static inline unsigned int pc_counts_next(const struct pc_counts *c, unsigned int k)
{
	while (k < PC_NKEYS) {
		uint64_t w = c->seen[k / 64] >> (k % 64);

		if (w)
			return k + (unsigned int)__builtin_ctzll(w);
		k = (k / 64 + 1) * 64;
	}
	return PC_NKEYS;
}

/*
 * An interval was reported: every mark moves up to the counts now (the
 * next interval shows what comes after), and a breakdown key that counted
 * nothing for idle seconds (0: never) leaves the table, what it counted
 * kept in the idle entry.  now: CLOCK_MONOTONIC seconds.
 */
void pc_counts_mark(struct pc_counts *c, double now, double idle);

/*
 * Add src's counts and marks into dst (a tap renamed to the name of a
 * detached one takes its series over): what src reported stays reported.
 * src is left as it was, for its owner to free.
 */
void pc_counts_fold(struct pc_counts *dst, const struct pc_counts *src);

/* What the counts hold that was allocated (the breakdown table). */
void pc_counts_free(struct pc_counts *c);

#endif /* PKTCOUNT_COUNTS_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pktcount counting on an interface of a test's namespace, end to end:
 * started, sent known traffic, ended, its output checked; and what it is
 * expected to say on this kernel (the unit, tc's attachment).
 */
#ifndef PKTCOUNT_TEST_COUNTING_H
#define PKTCOUNT_TEST_COUNTING_H

#include <stddef.h>

struct known_traffic;
struct pktcount_proc;
struct run_output;
struct topo;

/*
 * A fresh pair, pktcount on t->b/vb with argv (its first line awaited),
 * known sent from va, pktcount ended with sig (0: it ends by itself) and
 * exited 0.  With sig, argv has it print JSON (-j), and the signal is sent
 * once its records say vb received what was sent.  Fails the test at the
 * first step that goes wrong.
 */
void run_on_known(struct topo *t, struct pktcount_proc *p, const char *const argv[], struct known_traffic *known,
		  int sig);

/*
 * Start pktcount -v -j -i 0.2 -m mode on dev in ns and wait until it has
 * attached (its first line).  "tc:clsact" is tc mode with --tc-attach clsact.
 */
void counting_start(struct pktcount_proc *p, const char *ns, const char *dev, const char *mode);
/* The mode as JSON names it: "tc" for "tc:clsact". */
const char *mode_json(const char *mode);
/* tc mode's default attachment on this kernel: "tcx" from 6.6, else "clsact". */
const char *tc_default_attach(void);
/* Stop it, check its output, and keep the -v lines in log (when not NULL). */
void counting_finish(struct pktcount_proc *p, const char *dev, struct run_output *r, char *log, size_t size);
/* The unit pktcount counts in, in mode, on this kernel (docs/counting.md, "The unit"). */
const char *unit_of(const char *mode);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pinned state (src/pin.c): with --persist tc mode's maps pinned in bpffs,
 * so that they count on with no pktcount process, and read back.
 */
#ifndef PKTCOUNT_PIN_H
#define PKTCOUNT_PIN_H

#include <stdint.h>

#include "pc_class.h"
#include "pktcount.h"
#include "tc.h"

/*
 * The pinned state of one interface: PC_PIN_ROOT/net<inode of its network
 * namespace>/<interface>/, holding
 *   counters      the protocol counters (pc_key.h), as tc mode counts them
 *   classes       the classes' counters (pc_class.h), when it counts classes
 *   prog_ingress, prog_egress   the programs (--remove finds clsact filters by their ids)
 *   link_ingress, link_egress   tcx links (6.6+): the programs stay attached while pinned
 *   meta          one struct pc_pin_meta, pinned last: a directory without
 *                 it is a --persist that did not finish
 */
#define PC_PIN_FS	"/sys/fs/bpf"
#define PC_PIN_ROOT	PC_PIN_FS "/pktcount"
#define PC_PIN_MAGIC	0x70636e74u	/* "pcnt" */
/*
 * The layout of everything pinned, counted up whenever a pinned map's
 * meaning changes (its keys, values, or this struct).  A pktcount reads only
 * its own layout; the meta map's value size stays PC_PIN_META_SIZE in every
 * layout, so any pktcount can read the layout number and say so.
 */
#define PC_PIN_LAYOUT	1
#define PC_PIN_META_SIZE 4096u

struct pc_pin_meta {
	uint32_t magic, layout;
	uint32_t ifindex;	/* the interface counted: one of that name made later is another */
	uint32_t kind;		/* enum pc_tc_kind */
	uint32_t percpu, unit;	/* per-CPU counters; enum pc_unit */
	uint32_t nkeys;		/* PC_NKEYS: the counters map's rows */
	uint32_t nclasses;	/* classes counted: 2 x (n + 1) rows in the classes map */
	uint32_t prio[2];	/* clsact: the filters' priorities, ingress and egress */
	uint32_t qdisc_created;	/* clsact: pktcount made the qdisc, --remove deletes it when empty */
	uint32_t filtered;	/* a --filter turned frames away */
	uint64_t pinned_at;	/* CLOCK_REALTIME seconds */
	char detail[64];	/* the program, as -v says it */
	char classes[PC_CLASS_MAX][PC_CLASS_NAME_MAX + 1];
};
_Static_assert(sizeof(struct pc_pin_meta) <= PC_PIN_META_SIZE, "the meta map's value holds it");

/* Counters another pktcount pinned: read, never attached or detached. */
extern const struct pc_backend pc_pinned_backend;
/*
 * Whether tap counts with no process (pinned state here): 1, 0, or -1 with
 * why filled when a --persist must not open it.  The pinned mode's claim.
 */
int pc_pinned_claims(const struct pc_tap *tap, struct pc_fail *why);

/* Whether tap's interface has pinned state in this network namespace (following renames). */
int pc_tc_pinned_here(const struct pc_tap *tap);
/* --persist: pin an open tc tap's state and say where; a pc_exit, said why. */
int pc_tc_persist(struct pc_tap *tap);
/* --persist on tap, which has a pin directory (pc_tc_pinned_here()): why not, a pc_exit, why filled. */
int pc_tc_persist_refused(const struct pc_tap *tap, struct pc_fail *why);
/* --remove IFACE: detach and unpin what --persist left; a pc_exit, said why. */
int pc_tc_remove(const char *ifname);
/* --remove-stale: unpin what counts an interface or network namespace that is gone; a pc_exit. */
int pc_tc_remove_stale(void);

#endif /* PKTCOUNT_PIN_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tc mode (src/tc.c): the counting programs at the interface's tc hooks;
 * pinned with --persist, src/pin.h.
 */
#ifndef PKTCOUNT_TC_H
#define PKTCOUNT_TC_H

#include <stdint.h>

#include "ebpf_by.h"
#include "pc_class.h"
#include "pktcount.h"
#include "tcnl.h"

enum pc_tc_kind { PC_TC_NONE, PC_TC_TCX, PC_TC_CLSACT };

/*
 * tc mode's state of a tap (tap->priv): src/tc.c's, and src/pin.c's when
 * --persist pins it.  By direction: rx on ingress, tx on egress.
 */
struct pc_tc {
	struct pc_ebpf e;	/* first: pc_ebpf_*() take tap->priv as theirs */
	enum pc_tc_kind kind;	/* how they are attached */
	int prog[2], link[2];	/* the programs; tcx: the links */
	struct pc_tc_filter filt[2];	/* clsact: the filters added */
	int added[2], qdisc;	/* clsact: which were added; the qdisc was made by pktcount */
	int keep;		/* pinned (--persist): closing leaves them attached */
	enum pc_link parked_link;	/* parked (pc_backend.park): the link type its programs read */
};

/* tc mode: attach through tcx (6.6+) or a clsact filter (4.5+). */
extern const struct pc_backend pc_tc_backend;

/* Without --tc-attach, more interfaces than this at start are counted through clsact (src/tc.c says why). */
#define PC_TCX_MOST 32
/* The hooks by direction: "ingress" (rx), "egress" (tx). */
extern const char *const pc_tc_hook[2];
/* pktcounts' lock on ifindex's clsact (pc_tc_clsact_lock()), a failure said for name: the fd, or -errno. */
int pc_tc_clsact_lock_said(const char *name, int ifindex);

#endif /* PKTCOUNT_TC_H */

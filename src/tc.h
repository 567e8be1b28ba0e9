/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tc mode (src/tc.c): the counting programs at the interface's tc hooks;
 * pinned with --persist, src/pin.h.
 */
#ifndef PKTCOUNT_TC_H
#define PKTCOUNT_TC_H

#include <stdint.h>

#include "pc_class.h"
#include "pktcount.h"

enum pc_tc_kind { PC_TC_NONE, PC_TC_TCX, PC_TC_CLSACT };

/* tc mode: attach through tcx (6.6+) or a clsact filter (4.5+). */
extern const struct pc_backend pc_tc_backend;

/* Without --tc-attach, more interfaces than this at start are counted through clsact (src/tc.c says why). */
#define PC_TCX_MOST 32
/* The hooks by direction: "ingress" (rx), "egress" (tx). */
extern const char *const pc_tc_hook[2];
/* pktcounts' lock on ifindex's clsact (pc_tc_clsact_lock()), a failure said for name: the fd, or -errno. */
int pc_tc_clsact_lock_said(const char *name, int ifindex);

#endif /* PKTCOUNT_TC_H */

/* SPDX-License-Identifier: GPL-2.0 */
/* Breakdowns in eBPF mode (src/ebpf_by.c), for the eBPF back end. */
#ifndef PKTCOUNT_EBPF_BY_H
#define PKTCOUNT_EBPF_BY_H

#include "pktcount.h"

/* How long after a flip the map flipped out may still be counted into, at most. */
#define PC_BY_GRACE_MS 10

/* The control and entry maps of tap (percpu and ncpu set); a pc_exit, said why. */
int pc_ebpf_by_open(struct pc_tap *tap);
/* Count into the other entry map from now on. */
void pc_ebpf_by_flip(struct pc_tap *tap);
/* The entries of the map flipped out into tap->ent (after the grace); 0 or -errno. */
int pc_ebpf_by_read(struct pc_tap *tap);
void pc_ebpf_by_close(struct pc_tap *tap);

#endif /* PKTCOUNT_EBPF_BY_H */

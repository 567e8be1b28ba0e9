/* SPDX-License-Identifier: GPL-2.0 */
/* What a socket filter costs its socket: net.core.optmem_max (src/optmem.c). */
#ifndef PC_OPTMEM_H
#define PC_OPTMEM_H

#include "pktcount.h"

/* A program weighed against the socket it is for. */
struct pc_optmem {
	unsigned int insns;	/* as loaded */
	long charge;		/* bytes SO_ATTACH_BPF charges, -1 unknown */
	long used;		/* what the socket holds already */
	long max;		/* net.core.optmem_max, -1 unknown */
};

/* net.core.optmem_max as this process's network namespace has it, or -errno. */
long pc_optmem_max(void);
/* What socket sock has charged to it (SO_MEMINFO, 4.12+), or -errno. */
long pc_optmem_used(int sock);
/*
 * Whether loaded socket filter prog (insns as loaded) fits on socket sock:
 * 1 or 0, with the figures in *om, or -1 when this kernel does not tell
 * (SO_ATTACH_BPF decides then).
 */
int pc_optmem_fits(int sock, int prog, unsigned int insns, struct pc_optmem *om);
/*
 * why: a program does not fit on name's socket, with what would let it
 * (auto mode adds what it does instead), why->optmem set;
 * PC_EXIT_UNSUPPORTED.
 */
int pc_optmem_refuse(struct pc_fail *why, const char *name, const struct pc_optmem *om);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The classic BPF filters of classic mode (insn/classic.c, generated). */
#ifndef PKTCOUNT_CLASSIC_H
#define PKTCOUNT_CLASSIC_H

#include "pc_uapi.h"

#include "pc_key.h"

extern const struct sock_filter pc_classic_eth[];	/* SOCK_RAW on Ethernet-like links */
extern const unsigned int pc_classic_eth_len;
extern const struct sock_filter pc_classic_raw[];	/* SOCK_DGRAM on the others */
extern const unsigned int pc_classic_raw_len;

#endif

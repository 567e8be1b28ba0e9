/* SPDX-License-Identifier: GPL-2.0 */
/* The classic BPF filters of classic mode (insn/classic.c, generated). */
#ifndef PKTCOUNT_CLASSIC_H
#define PKTCOUNT_CLASSIC_H

#include "bpf_abi.h"

#include "pc_key.h"

/* Bytes kept of a frame: enough for the key (see insn/gen-classic.sh). */
#define PC_CLASSIC_SNAP		(PC_ETH_HLEN + PC_VLAN_MAX * PC_VLAN_HLEN + PC_IPV4_PROTO_OFF + 1)
#define PC_CLASSIC_SNAP_EXT	(PC_ETH_HLEN + PC_VLAN_MAX * PC_VLAN_HLEN + PC_IPV6_HLEN + 3 * 2048 + 2)

extern const struct sock_filter pc_classic_eth[];	/* SOCK_RAW on Ethernet-like links */
extern const unsigned int pc_classic_eth_len;
extern const struct sock_filter pc_classic_raw[];	/* SOCK_DGRAM on the others */
extern const unsigned int pc_classic_raw_len;

#endif

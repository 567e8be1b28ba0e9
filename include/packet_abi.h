/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The AF_PACKET ABI that classic mode uses (linux/if_packet.h), written out
 * with a pc_ prefix: musl ships none of it, and glibc's netpacket/packet.h
 * must not clash with it.
 */
#ifndef PKTCOUNT_PACKET_ABI_H
#define PKTCOUNT_PACKET_ABI_H

#include <stdint.h>

#include "bpf_abi.h"	/* pc_aligned_u64 */

#define PC_PACKET_RX_RING	5
#define PC_PACKET_STATISTICS	6
#define PC_PACKET_AUXDATA	8	/* 2.6.21 */
#define PC_PACKET_VERSION	10	/* 2.6.27 */
#define PC_TPACKET_V3		2	/* 3.2 */

#define PC_TP_STATUS_KERNEL	0
#define PC_TP_STATUS_USER	(1u << 0)
#define PC_TP_STATUS_VLAN_VALID	(1u << 4)	/* 3.0; before, a tci of 0 meant no tag */
#define PC_TP_STATUS_VLAN_TPID_VALID (1u << 6)	/* 3.14; before, no TPID was given */

#define PC_TPACKET_ALIGN(X)	(((X) + 15u) & ~15u)

struct pc_tpacket_auxdata {
	uint32_t tp_status;
	uint32_t tp_len;
	uint32_t tp_snaplen;
	uint16_t tp_mac;
	uint16_t tp_net;
	uint16_t tp_vlan_tci;
	uint16_t tp_vlan_tpid;
};

struct pc_tpacket_stats {		/* TPACKET_V1/V2 and recvmsg sockets */
	unsigned int tp_packets;
	unsigned int tp_drops;
};

struct pc_tpacket_stats_v3 {
	unsigned int tp_packets;
	unsigned int tp_drops;
	unsigned int tp_freeze_q_cnt;
};

struct pc_tpacket_req3 {
	unsigned int tp_block_size;
	unsigned int tp_block_nr;
	unsigned int tp_frame_size;
	unsigned int tp_frame_nr;
	unsigned int tp_retire_blk_tov;	/* ms */
	unsigned int tp_sizeof_priv;
	unsigned int tp_feature_req_word;
};

struct pc_tpacket_block_desc {
	uint32_t version;
	uint32_t offset_to_priv;
	struct {
		uint32_t block_status;
		uint32_t num_pkts;
		uint32_t offset_to_first_pkt;
		uint32_t blk_len;
		pc_aligned_u64 seq_num;
		uint32_t ts_first[2];
		uint32_t ts_last[2];
	} bh1;
};

struct pc_tpacket3_hdr {
	uint32_t tp_next_offset;
	uint32_t tp_sec;
	uint32_t tp_nsec;
	uint32_t tp_snaplen;
	uint32_t tp_len;
	uint32_t tp_status;
	uint16_t tp_mac;
	uint16_t tp_net;
	uint32_t tp_rxhash;
	uint32_t tp_vlan_tci;
	uint16_t tp_vlan_tpid;
	uint16_t tp_padding;
	uint8_t tp_padding2[8];
};

#endif

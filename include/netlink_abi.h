/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rtnetlink ABI pktcount uses (linux/netlink.h, linux/rtnetlink.h,
 * linux/if_link.h), with a pc_ prefix: musl ships none of it.
 */
#ifndef PKTCOUNT_NETLINK_ABI_H
#define PKTCOUNT_NETLINK_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifndef AF_NETLINK
#define AF_NETLINK 16
#endif
#define PC_NETLINK_ROUTE	0
#define PC_RTMGRP_LINK		1
#define PC_NLM_F_REQUEST	1
#define PC_NLM_F_DUMP_INTR	0x10	/* 3.1: links changed during the dump; ask again */
#define PC_NLM_F_DUMP		0x300	/* NLM_F_ROOT | NLM_F_MATCH */
#define PC_NLMSG_ERROR		2
#define PC_NLMSG_DONE		3
#define PC_RTM_NEWLINK		16
#define PC_RTM_DELLINK		17
#define PC_RTM_GETLINK		18
#define PC_IFLA_IFNAME		3
#define PC_IFLA_STATS64		23	/* 2.6.35 */
#define PC_IFLA_LINKINFO	18	/* nested; absent for a NIC's own device */
#define PC_IFLA_INFO_KIND	1	/* in IFLA_LINKINFO: "veth", "bridge", "tun", ... */

struct pc_sockaddr_nl {
	sa_family_t nl_family;
	unsigned short nl_pad;
	uint32_t nl_pid;
	uint32_t nl_groups;
};

struct pc_nlmsghdr {
	uint32_t nlmsg_len;
	uint16_t nlmsg_type;
	uint16_t nlmsg_flags;
	uint32_t nlmsg_seq;
	uint32_t nlmsg_pid;
};

struct pc_nlmsgerr {
	int error;
	struct pc_nlmsghdr msg;
};

struct pc_ifinfomsg {
	unsigned char ifi_family;
	unsigned char ifi_pad;
	unsigned short ifi_type;
	int ifi_index;
	unsigned int ifi_flags;
	unsigned int ifi_change;
};

struct pc_rtattr {
	unsigned short rta_len;
	unsigned short rta_type;
};

#define PC_NLMSG_ALIGN(LEN)	(((LEN) + 3u) & ~3u)
#define PC_NLMSG_HDRLEN		PC_NLMSG_ALIGN(sizeof(struct pc_nlmsghdr))
#define PC_NLMSG_LENGTH(LEN)	((LEN) + PC_NLMSG_HDRLEN)
#define PC_NLMSG_DATA(NH)	((void *)((char *)(NH) + PC_NLMSG_HDRLEN))
#define PC_RTA_ALIGN(LEN)	(((LEN) + 3u) & ~3u)
#define PC_RTA_DATA(RTA)	((void *)((char *)(RTA) + PC_RTA_ALIGN(sizeof(struct pc_rtattr))))
#define PC_RTA_PAYLOAD(RTA)	((size_t)(RTA)->rta_len - PC_RTA_ALIGN(sizeof(struct pc_rtattr)))

/* ---- tc: the clsact qdisc and cls_bpf filters (src/tcnl.c) ----
 * linux/netlink.h, linux/rtnetlink.h, linux/pkt_sched.h, linux/pkt_cls.h,
 * linux/if_ether.h; clsact and cls_bpf direct-action are 4.5. */
#define PC_NLM_F_ACK		0x04
#define PC_NLM_F_ECHO		0x08	/* also send the requester what a change or get notifies */
#define PC_NLM_F_EXCL		0x200	/* with NLM_F_CREATE: fail with EEXIST, never replace */
#define PC_NLM_F_CREATE		0x400
#define PC_RTM_NEWQDISC		36
#define PC_RTM_DELQDISC		37
#define PC_RTM_GETQDISC		38
#define PC_RTM_NEWTFILTER	44
#define PC_RTM_DELTFILTER	45
#define PC_RTM_GETTFILTER	46
#define PC_NLA_TYPE_MASK	0x3fff	/* less NLA_F_NESTED and NLA_F_NET_BYTEORDER */
#define PC_TCA_KIND		1	/* string: "clsact", "bpf", "u32", ... */
#define PC_TCA_OPTIONS		2	/* nested, the kind's own attributes */
#define PC_TCA_CHAIN		11	/* u32, 4.13; absent: chain 0 */
#define PC_TCA_BPF_FD		6	/* u32: a BPF_PROG_TYPE_SCHED_CLS program */
#define PC_TCA_BPF_NAME		7	/* NUL-terminated string (cls_bpf: up to CLS_BPF_NAME_LEN, 256) */
#define PC_TCA_BPF_FLAGS	8	/* u32 */
#define PC_TCA_BPF_ID		11	/* u32, the program's id; dumped since 4.13 */
#define PC_TCA_BPF_FLAG_ACT_DIRECT 1u	/* direct-action: the program's return is the verdict */
#define PC_TC_H_MAJ(H)		((H) & 0xFFFF0000u)
#define PC_TC_H_MIN(H)		((H) & 0x0000FFFFu)
#define PC_TC_H_MAKE(MAJ, MIN)	(PC_TC_H_MAJ(MAJ) | PC_TC_H_MIN(MIN))
#define PC_TC_H_INGRESS		0xFFFFFFF1u
#define PC_TC_H_CLSACT		PC_TC_H_INGRESS
#define PC_TC_H_MIN_INGRESS	0xFFF2u
#define PC_TC_H_MIN_EGRESS	0xFFF3u
#define PC_ETH_P_ALL		0x0003

struct pc_tcmsg {
	unsigned char tcm_family;
	unsigned char tcm__pad1;
	unsigned short tcm__pad2;
	int tcm_ifindex;
	uint32_t tcm_handle;
	uint32_t tcm_parent;
	uint32_t tcm_info;	/* a filter's: priority << 16 | protocol (network order) */
};
/* ---- end of tc ---- */

/*
 * The message at *off of the len bytes at buf, every length checked against
 * what is left, *off moved past it; NULL at the end or at a message that
 * does not fit.
 */
static inline const struct pc_nlmsghdr *pc_nl_next(const char *buf, size_t len, size_t *off)
{
	const struct pc_nlmsghdr *nh = (const void *)(buf + *off);

	if (len - *off < sizeof(*nh) || nh->nlmsg_len < sizeof(*nh) || nh->nlmsg_len > len - *off)
		return NULL;
	*off += PC_NLMSG_ALIGN(nh->nlmsg_len);
	if (*off > len)
		*off = len;
	return nh;
}

#endif

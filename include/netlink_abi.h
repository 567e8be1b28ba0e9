/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rtnetlink ABI pktcount uses (linux/netlink.h, linux/rtnetlink.h,
 * linux/if_link.h), with a pc_ prefix: musl ships none of it.
 */
#ifndef PKTCOUNT_NETLINK_ABI_H
#define PKTCOUNT_NETLINK_ABI_H

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

#endif

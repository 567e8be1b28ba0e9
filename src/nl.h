/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtnetlink as src/netlink.c (links, their counters) and src/tcnl.c (clsact,
 * cls_bpf) speak it: the kernel's headers, and one walker of a reply's
 * messages that checks every length against what is left.
 */
#ifndef PKTCOUNT_NL_H
#define PKTCOUNT_NL_H

#include <stddef.h>
#include <sys/socket.h>

#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

/* fixed since 2.6 (links) and 4.5 (clsact): what every request and reply starts with */
_Static_assert(sizeof(struct nlmsghdr) == 16, "uapi struct nlmsghdr");
_Static_assert(sizeof(struct ifinfomsg) == 16, "uapi struct ifinfomsg");
_Static_assert(sizeof(struct tcmsg) == 20, "uapi struct tcmsg");
_Static_assert(sizeof(struct rtattr) == 4, "uapi struct rtattr");

/* an attribute's payload as a size */
#define PC_RTA_LEN(RTA) ((size_t)RTA_PAYLOAD(RTA))

/*
 * The message at *off of the len bytes at buf, every length checked against
 * what is left, *off moved past it; NULL at the end or at a message that
 * does not fit.
 */
static inline const struct nlmsghdr *pc_nl_next(const char *buf, size_t len, size_t *off)
{
	const struct nlmsghdr *nh = (const void *)(buf + *off);

	if (len - *off < sizeof(*nh) || nh->nlmsg_len < sizeof(*nh) || nh->nlmsg_len > len - *off)
		return NULL;
	*off += NLMSG_ALIGN(nh->nlmsg_len);
	if (*off > len)
		*off = len;
	return nh;
}

#endif /* PKTCOUNT_NL_H */

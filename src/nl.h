/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one rtnetlink transport (src/nl.c), as src/netlink.c (links, their
 * counters) and src/tcnl.c (clsact, cls_bpf) speak it: a request built
 * with its attributes, sent on a socket of its own, every answer to it
 * handed to a callback, every length checked against what is left.
 */
#ifndef PKTCOUNT_NL_H
#define PKTCOUNT_NL_H

#include <stddef.h>
#include <stdint.h>
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

/* One request: the netlink header, the family's header and attributes after it. */
struct pc_nl_req {
	struct nlmsghdr nh;
	char body[256] __attribute__((aligned(NLMSG_ALIGNTO)));
	int full;	/* an attribute did not fit: the request is never sent */
};

/* r emptied for a request of type with flags (NLM_F_REQUEST added); its family header of hdr bytes, zeroed. */
void *pc_nl_req(struct pc_nl_req *r, uint16_t type, uint16_t flags, size_t hdr);
/* Append an attribute; a nest is one with no data yet, closed by pc_nl_nest_end().  NULL when full. */
struct rtattr *pc_nl_put(struct pc_nl_req *r, unsigned short type, const void *data, size_t len);
void pc_nl_put_u32(struct pc_nl_req *r, unsigned short type, uint32_t v);
void pc_nl_put_str(struct pc_nl_req *r, unsigned short type, const char *s);
void pc_nl_nest_end(struct pc_nl_req *r, struct rtattr *nest);

/* The attribute at *off of the len bytes at base, its length checked, *off moved past it; NULL at the end. */
const struct rtattr *pc_nl_attr_next(const char *base, size_t len, size_t *off);
/* A string attribute into dst (cut to size, always terminated). */
void pc_nl_attr_str(char *dst, size_t size, const struct rtattr *rta);
/* A u32 attribute into *v, left alone when shorter. */
void pc_nl_attr_u32(const struct rtattr *rta, uint32_t *v);

/* Called for each answer but the ack and NLMSG_DONE: < 0 an error, 0 read on, > 0 enough (success). */
typedef int (*pc_nl_fn)(const struct nlmsghdr *nh, void *arg);
/*
 * r sent on a fresh NETLINK_ROUTE socket, every answer to it to fn (when
 * not NULL) until the ack (NLM_F_ACK) or NLMSG_DONE (NLM_F_DUMP): 0, or
 * -errno (the kernel's, from NLMSG_ERROR or DONE), -EAGAIN for a dump the
 * kernel marked NLM_F_DUMP_INTR (what it held changed under it: ask
 * again).  Thread-safe: a socket and a buffer per call.
 */
int pc_nl_talk(struct pc_nl_req *r, pc_nl_fn fn, void *arg);

#endif /* PKTCOUNT_NL_H */

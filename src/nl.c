// SPDX-License-Identifier: GPL-2.0
/*
 * The rtnetlink transport: a request with its attributes, sent on a socket
 * of its own, its answers read to the ack or NLMSG_DONE (src/nl.h).  Links
 * (src/netlink.c) and tc (src/tcnl.c) speak through it; only the link
 * events' subscription keeps a socket of its own.  The kernel's side:
 * net/netlink/af_netlink.c (netlink_rcv_skb(), netlink_dump()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nl.h"

/* a dump part is at most 32 KiB (netlink_dump(): NLMSG_GOODSIZE or the largest recv buffer) */
#define NL_BUF		32768

void *pc_nl_req(struct pc_nl_req *r, uint16_t type, uint16_t flags, size_t hdr)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = (uint32_t)NLMSG_LENGTH(hdr);
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	return r->body;
}

struct rtattr *pc_nl_put(struct pc_nl_req *r, unsigned short type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->nh.nlmsg_len);
	struct rtattr *rta = (void *)((char *)r + off);

	if (r->full || off + RTA_ALIGN(sizeof(*rta) + len) > offsetof(struct pc_nl_req, full)) {
		r->full = 1;
		return NULL;
	}
	rta->rta_type = type;
	rta->rta_len = (unsigned short)(sizeof(*rta) + len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	r->nh.nlmsg_len = (uint32_t)(off + RTA_ALIGN(rta->rta_len));
	return rta;
}

void pc_nl_put_u32(struct pc_nl_req *r, unsigned short type, uint32_t v)
{
	pc_nl_put(r, type, &v, sizeof(v));
}

void pc_nl_put_str(struct pc_nl_req *r, unsigned short type, const char *s)
{
	pc_nl_put(r, type, s, strlen(s) + 1);
}

void pc_nl_nest_end(struct pc_nl_req *r, struct rtattr *nest)
{
	if (nest)
		nest->rta_len = (unsigned short)((char *)r + r->nh.nlmsg_len - (char *)nest);
}

const struct rtattr *pc_nl_attr_next(const char *base, size_t len, size_t *off)
{
	const struct rtattr *rta = (const void *)(base + *off);

	if (*off > len || len - *off < sizeof(*rta) || rta->rta_len < sizeof(*rta) ||
	    rta->rta_len > len - *off)
		return NULL;
	*off += RTA_ALIGN(rta->rta_len);
	return rta;
}

void pc_nl_attr_str(char *dst, size_t size, const struct rtattr *rta)
{
	size_t n = strnlen(RTA_DATA(rta), RTA_PAYLOAD(rta));

	if (n > size - 1)
		n = size - 1;
	memcpy(dst, RTA_DATA(rta), n);
	dst[n] = '\0';
}

void pc_nl_attr_u32(const struct rtattr *rta, uint32_t *v)
{
	if (RTA_PAYLOAD(rta) >= sizeof(*v))
		memcpy(v, RTA_DATA(rta), sizeof(*v));
}

/* One answer: 1 to read on, 0 at the end (a zero ack, NLMSG_DONE, or fn had enough), or -errno. */
static int nl_one(const struct nlmsghdr *nh, pc_nl_fn fn, void *arg)
{
	const int *err = NLMSG_DATA(nh);	/* struct nlmsgerr starts with it; so does DONE */
	int ret;

	if (nh->nlmsg_type == NLMSG_ERROR)
		return nh->nlmsg_len < NLMSG_LENGTH(sizeof(*err)) || *err > 0 ? -EPROTO : *err;
	/* since 4.14 DONE carries the dump's error; before, a length (never negative) */
	if (nh->nlmsg_type == NLMSG_DONE)
		return nh->nlmsg_len >= NLMSG_LENGTH(sizeof(*err)) && *err < 0 ? *err : 0;
	ret = fn ? fn(nh, arg) : 0;
	return ret < 0 ? ret : ret == 0;
}

/*
 * Read the answers to request seq.  A request with NLM_F_ACK ends with the
 * ack; a dump with NLMSG_DONE and never an ack (netlink_rcv_skb() skips it
 * for a dump that started).  -EAGAIN for a dump the kernel marked
 * NLM_F_DUMP_INTR: what it held changed under it.
 */
static int nl_read(int fd, char *buf, uint32_t seq, pc_nl_fn fn, void *arg)
{
	int ret = 1, intr = 0;

	while (ret == 1) {
		ssize_t len = recv(fd, buf, NL_BUF, MSG_TRUNC);
		const struct nlmsghdr *nh;
		size_t off = 0;

		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			return len < 0 ? -errno : -EPROTO;
		if ((size_t)len > NL_BUF)
			return -EMSGSIZE;
		while (ret == 1 && (nh = pc_nl_next(buf, (size_t)len, &off))) {
			if (nh->nlmsg_seq != seq)
				continue;
			intr |= nh->nlmsg_flags & NLM_F_DUMP_INTR;
			ret = nl_one(nh, fn, arg);
		}
	}
	return ret == 0 && intr ? -EAGAIN : ret;
}

static uint32_t next_seq(void)
{
	static uint32_t seq;

	return __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
}

int pc_nl_talk(struct pc_nl_req *r, pc_nl_fn fn, void *arg)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char *buf;
	int fd, ret;

	if (r->full)
		return -EMSGSIZE;
	buf = malloc(NL_BUF);
	if (!buf)
		return -ENOMEM;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		ret = -errno;
	} else {
		r->nh.nlmsg_seq = next_seq();
		if (sendto(fd, r, r->nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			ret = -errno;
		else
			ret = nl_read(fd, buf, r->nh.nlmsg_seq, fn, arg);
		/* the kernel has answered (or never will): nothing a failed close could undo */
		(void)close(fd);
	}
	free(buf);
	return ret;
}


// SPDX-License-Identifier: GPL-2.0
/*
 * Link events and link counters over a plain rtnetlink socket.  libnl would
 * do the same in more code and would have to be compiled out of the static
 * binary (no static libnl fits musl), taking interface following away from
 * exactly the devices whose ppp0 and wwan0 come and go all day.  The few
 * messages needed here are stable since 2.6.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nl.h"
#include "pktcount.h"

int pc_nl_open_events(void)
{
	struct sockaddr_nl sa;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_LINK;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* IFLA_INFO_KIND out of a nested IFLA_LINKINFO, every length checked. */
static void link_kind(const struct rtattr *info, char *kind, size_t size)
{
	size_t off = RTA_ALIGN(sizeof(*info));

	while (info->rta_len >= off + sizeof(struct rtattr)) {
		const struct rtattr *rta = (const void *)((const char *)info + off);
		size_t n;

		if (rta->rta_len < sizeof(*rta) || rta->rta_len > info->rta_len - off)
			return;
		if (rta->rta_type == IFLA_INFO_KIND) {
			n = strnlen(RTA_DATA(rta), RTA_PAYLOAD(rta));
			if (n > size - 1)
				n = size - 1;
			memcpy(kind, RTA_DATA(rta), n);
			kind[n] = '\0';
			return;
		}
		off += RTA_ALIGN(rta->rta_len);
	}
}

/* One RTM_NEWLINK/DELLINK message into ev; 0 when it is not one. */
static int parse_link(const struct nlmsghdr *nh, struct pc_link_event *ev)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	size_t off = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*ifi)));

	if ((nh->nlmsg_type != RTM_NEWLINK && nh->nlmsg_type != RTM_DELLINK) ||
	    nh->nlmsg_len < off)
		return 0;
	memset(ev, 0, sizeof(*ev));
	ev->deleted = nh->nlmsg_type == RTM_DELLINK;
	ev->ifindex = ifi->ifi_index;
	ev->up = !!(ifi->ifi_flags & IFF_UP);
	while (nh->nlmsg_len - off >= sizeof(struct rtattr)) {
		const struct rtattr *rta = (const void *)((const char *)nh + off);

		if (rta->rta_len < sizeof(*rta) || rta->rta_len > nh->nlmsg_len - off)
			break;
		if (rta->rta_type == IFLA_IFNAME) {
			size_t n = RTA_PAYLOAD(rta);

			if (n > IF_NAMESIZE - 1)
				n = IF_NAMESIZE - 1;
			memcpy(ev->name, RTA_DATA(rta), n);
			ev->name[n] = '\0';
		} else if (rta->rta_type == IFLA_LINKINFO) {
			link_kind(rta, ev->kind, sizeof(ev->kind));
		} else if (rta->rta_type == IFLA_STATS64 && RTA_PAYLOAD(rta) >= sizeof(ev->stats)) {
			/* struct rtnl_link_stats64 starts rx_packets, tx_packets, rx_bytes, tx_bytes */
			memcpy(&ev->stats, RTA_DATA(rta), sizeof(ev->stats));
			ev->have_stats = 1;
		}
		off += RTA_ALIGN(rta->rta_len);
	}
	return ev->name[0] != '\0';
}

int pc_nl_read_events(int fd, struct pc_link_event *ev, int max)
{
	char buf[16384] __attribute__((aligned(4)));
	int n = 0;

	while (n < max) {
		ssize_t len = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL);
		const struct nlmsghdr *nh;
		size_t off = 0;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/* ENOBUFS: events were lost; the caller rescans the links */
			return -errno;
		}
		while (n < max && (nh = pc_nl_next(buf, (size_t)len, &off)))
			n += parse_link(nh, &ev[n]);
	}
	return n;
}

/*
 * Ask for one link (ifindex > 0) or every link (0: a dump) and hand each
 * RTM_NEWLINK answer to fn, which returns 1 to stop.  0, -EAGAIN when the
 * links changed under a dump (NLM_F_DUMP_INTR: ask again), or -errno.
 */
static int nl_getlink(int ifindex, int (*fn)(const struct pc_link_event *ev, void *arg), void *arg)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	/* a dump part is at most 32 KiB (netlink_dump: NLMSG_GOODSIZE or the largest recv buffer) */
	static char buf[32768] __attribute__((aligned(4)));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, ret = 1, intr = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | (ifindex ? 0 : NLM_F_DUMP);
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = ifindex;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		ret = -errno;
	while (ret == 1) {
		ssize_t len = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC, NULL, NULL);
		const struct nlmsghdr *nh;
		size_t off = 0;

		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0 || (size_t)len > sizeof(buf)) {
			ret = len < 0 ? -errno : -EMSGSIZE;
			break;
		}
		while (ret == 1 && (nh = pc_nl_next(buf, (size_t)len, &off))) {
			struct pc_link_event ev;

			intr |= nh->nlmsg_flags & NLM_F_DUMP_INTR;
			if (nh->nlmsg_type == NLMSG_DONE) {
				ret = 0;
			} else if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				ret = nh->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error ? e->error : -ENOENT;
			} else if (parse_link(nh, &ev) && fn(&ev, arg)) {
				ret = 0;
			}
		}
	}
	close(fd);
	return ret == 0 && intr ? -EAGAIN : ret;
}

static int take_stats(const struct pc_link_event *ev, void *arg)
{
	struct pc_link_event *out = arg;

	*out = *ev;
	return 1;
}

int pc_nl_link_stats(int ifindex, struct pc_link_stats *st, char *kind)
{
	struct pc_link_event ev = { .have_stats = 0 };
	int ret = nl_getlink(ifindex, take_stats, &ev);

	if (ret < 0)
		return ret;
	if (!ev.have_stats)
		return -ENOENT;
	*st = ev.stats;
	if (kind)
		memcpy(kind, ev.kind, sizeof(ev.kind));
	return 0;
}

struct link_list {
	struct pc_link_event *ev;
	int n, cap, oom;
};

static int add_link(const struct pc_link_event *ev, void *arg)
{
	struct link_list *l = arg;

	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 64;
		struct pc_link_event *grown = realloc(l->ev, (size_t)cap * sizeof(*grown));

		if (!grown) {
			l->oom = 1;
			return 1;
		}
		l->ev = grown;
		l->cap = cap;
	}
	l->ev[l->n++] = *ev;
	return 0;
}

int pc_nl_dump_links(struct pc_link_event **links, int *n)
{
	struct link_list l = { NULL, 0, 0, 0 };
	int ret, tries;

	/* a dump that saw links change is asked again; after 10, it is said to be partial */
	for (tries = 0; tries < 10; tries++) {
		l.n = 0;
		ret = nl_getlink(0, add_link, &l);
		if (l.oom)
			ret = -ENOMEM;
		if (ret != -EAGAIN)
			break;
	}
	if (ret < 0 && ret != -EAGAIN) {
		free(l.ev);
		return ret;
	}
	*links = l.ev;
	*n = l.n;
	return ret == -EAGAIN;
}

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
	const struct rtattr *rta;

	while ((rta = pc_nl_attr_next((const char *)info, info->rta_len, &off)))
		if (rta->rta_type == IFLA_INFO_KIND)
			pc_nl_attr_str(kind, size, rta);
}

/* One RTM_NEWLINK/DELLINK message into ev; 0 when it is not one. */
static int parse_link(const struct nlmsghdr *nh, struct pc_link_event *ev)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	size_t off = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*ifi)));
	const struct rtattr *rta;

	if ((nh->nlmsg_type != RTM_NEWLINK && nh->nlmsg_type != RTM_DELLINK) ||
	    nh->nlmsg_len < off)
		return 0;
	memset(ev, 0, sizeof(*ev));
	ev->deleted = nh->nlmsg_type == RTM_DELLINK;
	ev->ifindex = ifi->ifi_index;
	ev->up = !!(ifi->ifi_flags & IFF_UP);
	while ((rta = pc_nl_attr_next((const char *)nh, nh->nlmsg_len, &off))) {
		if (rta->rta_type == IFLA_IFNAME) {
			pc_nl_attr_str(ev->name, sizeof(ev->name), rta);
		} else if (rta->rta_type == IFLA_LINKINFO) {
			link_kind(rta, ev->kind, sizeof(ev->kind));
		} else if (rta->rta_type == IFLA_STATS64 && RTA_PAYLOAD(rta) >= sizeof(ev->stats)) {
			/* struct rtnl_link_stats64 starts rx_packets, tx_packets, rx_bytes, tx_bytes */
			memcpy(&ev->stats, RTA_DATA(rta), sizeof(ev->stats));
			ev->have_stats = 1;
		}
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

struct getlink {
	int (*fn)(const struct pc_link_event *ev, void *arg);
	void *arg;
};

static int one_link(const struct nlmsghdr *nh, void *arg)
{
	struct getlink *g = arg;
	struct pc_link_event ev;

	return parse_link(nh, &ev) ? g->fn(&ev, g->arg) : 0;
}

/*
 * Ask for one link (ifindex > 0; with an ack, which ends the answer) or
 * every link (0: a dump) and hand each RTM_NEWLINK answer to fn, which
 * returns 1 to stop.  0, -EAGAIN when the links changed under a dump
 * (NLM_F_DUMP_INTR: ask again), or -errno.
 */
static int nl_getlink(int ifindex, int (*fn)(const struct pc_link_event *ev, void *arg), void *arg)
{
	struct getlink g = { fn, arg };
	struct pc_nl_req r;
	struct ifinfomsg *ifi = pc_nl_req(&r, RTM_GETLINK, ifindex ? NLM_F_ACK : NLM_F_DUMP, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return pc_nl_talk(&r, one_link, &g);
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

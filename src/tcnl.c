// SPDX-License-Identifier: GPL-2.0
/*
 * The clsact qdisc and cls_bpf direct-action filters over a plain rtnetlink
 * socket, as src/netlink.c does links, and for the same reason: no libnl or
 * libbpf in the static binary.  The messages are the ones tc (iproute2
 * tc/f_bpf.c) and libbpf (bpf_tc_hook_create(), bpf_tc_attach()) send; the
 * kernel's side is net/sched/sch_api.c for the qdisc, net/sched/cls_api.c
 * for filters, net/sched/cls_bpf.c and net/sched/sch_ingress.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "nl.h"
#include "tcnl.h"

/* qdisc_create() gives whatever sits under TC_H_INGRESS this handle, ffff: */
#define CLSACT_HANDLE	TC_H_MAKE(TC_H_CLSACT, 0u)
#define OUR_HANDLE	1u
/* A tc request on ifindex under parent: its tcmsg. */
static struct tcmsg *req_init(struct pc_nl_req *r, uint16_t type, uint16_t flags, int ifindex, uint32_t parent)
{
	struct tcmsg *tcm = pc_nl_req(r, type, flags, sizeof(*tcm));

	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	return tcm;
}

/* What holds clsact's place, from the qdisc tc_get_qdisc() answers with. */
struct slot {
	int ifindex;
	char kind[16];
};

static int slot_kind(const struct nlmsghdr *nh, void *arg)
{
	struct slot *s = arg;
	const struct tcmsg *tcm = NLMSG_DATA(nh);
	size_t off = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*tcm)));
	const struct rtattr *rta;

	if (nh->nlmsg_type != RTM_NEWQDISC || nh->nlmsg_len < off || tcm->tcm_ifindex != s->ifindex ||
	    tcm->tcm_handle != CLSACT_HANDLE)
		return 0;
	while ((rta = pc_nl_attr_next((const char *)nh, nh->nlmsg_len, &off)))
		if ((rta->rta_type & NLA_TYPE_MASK) == TCA_KIND)
			pc_nl_attr_str(s->kind, sizeof(s->kind), rta);
	return 0;
}

/*
 * 0 when clsact holds its place on ifindex, -ENOENT when nothing does,
 * -EBUSY when another qdisc (ingress) does, -ENODEV without the device.
 * tc_get_qdisc() answers a get with a notification (qdisc_notify()), to
 * RTNLGRP_TC and only with NLM_F_ECHO to us too; with none for the builtin
 * noop qdisc a deleted clsact leaves behind; ENOENT when the device never
 * had an ingress queue.  One request, where a dump would walk every qdisc
 * of every device.
 */
static int clsact_check(int ifindex)
{
	struct slot s = { ifindex, "" };
	struct pc_nl_req r;
	int err;

	req_init(&r, RTM_GETQDISC, NLM_F_ACK | NLM_F_ECHO, ifindex, TC_H_CLSACT);
	err = pc_nl_talk(&r, slot_kind, &s);
	if (err < 0)
		return err;
	if (!s.kind[0])
		return -ENOENT;
	return strcmp(s.kind, "clsact") == 0 ? 0 : -EBUSY;
}

static uint32_t parent_of(int egress)
{
	return TC_H_MAKE(TC_H_CLSACT, egress ? TC_H_MIN_EGRESS : TC_H_MIN_INGRESS);
}

/*
 * pktcount's mark (tcnl.h) on the clsact this process just made: 0, or
 * -EOPNOTSUPP before 4.19.  tc_ctl_chain() takes the chain's block from the
 * parent as a filter does: ffff:fff2, the ingress block.
 */
static int clsact_mark(int ifindex)
{
	struct pc_nl_req r;

	req_init(&r, RTM_NEWCHAIN, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, ifindex, parent_of(0));
	pc_nl_put_u32(&r, TCA_CHAIN, PC_TC_MARK_CHAIN);
	return pc_nl_talk(&r, NULL, NULL);
}

/*
 * The qdisc this call made, marked.  When that fails but for a kernel
 * without chain objects, the qdisc goes again: unmarked, no pktcount could
 * tell it from another tool's.  Gone under us (another tool's tc qdisc del:
 * tcf_block_find() says EINVAL, clsact_check() ENOENT): -ENOENT, for the
 * caller to make it again.
 */
static int clsact_made(int ifindex)
{
	int err = clsact_mark(ifindex);

	if (err == 0 || err == -EOPNOTSUPP)
		return 1;
	if (clsact_check(ifindex) == -ENOENT)
		return -ENOENT;
	if (pc_tc_clsact_del(ifindex) == -ENOENT)
		return -ENOENT;
	return err;
}

int pc_tc_clsact_ensure(int ifindex)
{
	struct pc_nl_req r;
	int err;

	req_init(&r, RTM_NEWQDISC, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, ifindex, TC_H_CLSACT)->tcm_handle =
		CLSACT_HANDLE;
	pc_nl_put_str(&r, TCA_KIND, "clsact");
	err = pc_nl_talk(&r, NULL, NULL);
	if (err == 0)
		return clsact_made(ifindex);
	/* tc_modify_qdisc() says EEXIST for whatever holds the place, an ingress qdisc too */
	return err == -EEXIST ? clsact_check(ifindex) : err;
}

int pc_tc_clsact_del(int ifindex)
{
	struct pc_nl_req r;
	int err = clsact_check(ifindex);

	/* the kernel's EINVAL would not tell a missing clsact from an ingress qdisc */
	if (err < 0)
		return err;
	req_init(&r, RTM_DELQDISC, NLM_F_ACK, ifindex, TC_H_CLSACT)->tcm_handle = CLSACT_HANDLE;
	/* and with the kind, tc_get_qdisc() deletes nothing but a clsact */
	pc_nl_put_str(&r, TCA_KIND, "clsact");
	return pc_nl_talk(&r, NULL, NULL);
}

/* A "bpf" filter's TCA_OPTIONS (cls_bpf_dump()): its name, program id and flags. */
static void parse_bpf(const struct rtattr *opts, struct pc_tc_info *in)
{
	const char *p = RTA_DATA(opts);
	size_t off = 0, len = RTA_PAYLOAD(opts);
	const struct rtattr *rta;
	uint32_t flags = 0;

	while ((rta = pc_nl_attr_next(p, len, &off))) {
		switch (rta->rta_type & NLA_TYPE_MASK) {
		case TCA_BPF_NAME:
			pc_nl_attr_str(in->bpf_name, sizeof(in->bpf_name), rta);
			break;
		case TCA_BPF_ID:
			pc_nl_attr_u32(rta, &in->bpf_id);
			break;
		case TCA_BPF_FLAGS:
			pc_nl_attr_u32(rta, &flags);
			break;
		}
	}
	in->direct_action = !!(flags & TCA_BPF_FLAG_ACT_DIRECT);
}

/* One RTM_NEWTFILTER of a dump (tcf_fill_node()) into in; 0 when it is not one. */
static int parse_filter(const struct nlmsghdr *nh, struct pc_tc_info *in)
{
	const struct tcmsg *tcm = NLMSG_DATA(nh);
	size_t off = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*tcm)));
	const struct rtattr *rta, *opts = NULL;

	if (nh->nlmsg_type != RTM_NEWTFILTER || nh->nlmsg_len < off)
		return 0;
	memset(in, 0, sizeof(*in));
	in->prio = (uint16_t)(tcm->tcm_info >> 16);
	in->protocol = ntohs((uint16_t)TC_H_MIN(tcm->tcm_info));
	in->handle = tcm->tcm_handle;
	while ((rta = pc_nl_attr_next((const char *)nh, nh->nlmsg_len, &off))) {
		unsigned int type = rta->rta_type & NLA_TYPE_MASK;

		if (type == TCA_KIND)
			pc_nl_attr_str(in->kind, sizeof(in->kind), rta);
		else if (type == TCA_OPTIONS)
			opts = rta;
		else if (type == TCA_CHAIN)
			pc_nl_attr_u32(rta, &in->chain);
	}
	/* option numbers are each classifier's own: only cls_bpf's mean what parse_bpf() reads */
	if (opts && strcmp(in->kind, "bpf") == 0)
		parse_bpf(opts, in);
	return 1;
}

struct tc_list {
	struct pc_tc_info *v;
	size_t n, cap;
};

static int list_add(const struct nlmsghdr *nh, void *arg)
{
	struct tc_list *l = arg;
	struct pc_tc_info in;

	if (!parse_filter(nh, &in))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct pc_tc_info *grown = realloc(l->v, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		l->v = grown;
		l->cap = cap;
	}
	l->v[l->n++] = in;
	return 0;
}

/*
 * Every message of a filter dump of one clsact parent into l, each
 * classifier's head (tcf_chain_dump(): handle 0, no options) included.
 * tc_dump_tfilter() answers a missing device or qdisc with an empty dump,
 * and with an ingress qdisc dumps its one block for any parent minor:
 * clsact_check() first.  The caller frees l->v, also on failure.
 */
static int filters_dump(int ifindex, int egress, struct tc_list *l)
{
	struct pc_nl_req r;
	int err = clsact_check(ifindex), tries;

	for (tries = 0; err == 0 && tries < 5; tries++) {
		l->n = 0;
		req_init(&r, RTM_GETTFILTER, NLM_F_DUMP, ifindex, parent_of(egress));
		err = pc_nl_talk(&r, list_add, l);
		if (err != -EAGAIN)
			return err;
		err = 0;
	}
	return err < 0 ? err : -EAGAIN;
}

int pc_tc_filters_each(int ifindex, int egress, int (*fn)(const struct pc_tc_info *, void *), void *arg)
{
	struct tc_list l = { NULL, 0, 0 };
	int ret = filters_dump(ifindex, egress, &l);
	size_t i;

	/* fn runs after the socket is closed: it may change filters, and sees no interrupted dump */
	for (i = 0; ret == 0 && i < l.n; i++)
		if (l.v[i].handle)
			ret = fn(&l.v[i], arg);
	free(l.v);
	return ret;
}

static int count_one(const struct pc_tc_info *in, void *arg)
{
	(void)in;
	++*(int *)arg;
	return 0;
}

int pc_tc_filters_count(int ifindex)
{
	int n = 0, err = pc_tc_filters_each(ifindex, 0, count_one, &n);

	if (err == 0)
		err = pc_tc_filters_each(ifindex, 1, count_one, &n);
	return err < 0 ? err : n;
}

/* The chains of one clsact block, as tc_dump_chain() lists them (tc_chain_fill_node()). */
struct chains {
	int egress;
	int marked;	/* the ingress block holds pktcount's mark */
	int others;	/* chains but the mark: another tool's, or a filter's */
};

static int chain_seen(const struct nlmsghdr *nh, void *arg)
{
	struct chains *c = arg;
	const struct tcmsg *tcm = NLMSG_DATA(nh);
	size_t off = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*tcm)));
	const struct rtattr *rta;
	uint32_t index = 0;
	int found = 0;

	if (nh->nlmsg_type != RTM_NEWCHAIN || nh->nlmsg_len < off)
		return 0;
	while ((rta = pc_nl_attr_next((const char *)nh, nh->nlmsg_len, &off)))
		if ((rta->rta_type & NLA_TYPE_MASK) == TCA_CHAIN && RTA_PAYLOAD(rta) >= sizeof(index)) {
			pc_nl_attr_u32(rta, &index);
			found = 1;
		}
	if (found && index == PC_TC_MARK_CHAIN && !c->egress)
		c->marked = 1;
	else
		c->others++;
	return 0;
}

/*
 * Add one block's chains to c; 0 or -errno: -EOPNOTSUPP before 4.19 (no
 * RTM_GETCHAIN).  Every chain but those only actions hold (a "goto chain"
 * to one that does not exist) is listed, explicit or holding filters.
 */
static int chains_dump(int ifindex, int egress, struct chains *c)
{
	struct chains got = { egress, 0, 0 };
	struct pc_nl_req r;
	int err = -EAGAIN, tries;

	/* NLM_F_DUMP_INTR (nl_read()): the chains changed under the dump, read them again */
	for (tries = 0; err == -EAGAIN && tries < 5; tries++) {
		got = (struct chains){ egress, 0, 0 };
		req_init(&r, RTM_GETCHAIN, NLM_F_DUMP, ifindex, parent_of(egress));
		err = pc_nl_talk(&r, chain_seen, &got);
	}
	c->marked |= got.marked;
	c->others += got.others;
	return err;
}

/* Whether a pktcount made ifindex's clsact (tcnl.h), and nothing but its mark is on it: 1 or 0, or -errno. */
static int clsact_ours_and_empty(int ifindex, int made_here)
{
	struct chains c = { 0, 0, 0 };
	int err = chains_dump(ifindex, 0, &c), n;

	if (err == 0)
		err = chains_dump(ifindex, 1, &c);
	if (err < 0 && err != -EOPNOTSUPP)
		return err;
	if (err == -EOPNOTSUPP ? !made_here : !c.marked || c.others)
		return 0;
	n = pc_tc_filters_count(ifindex);
	return n < 0 ? n : n == 0;
}

int pc_tc_clsact_release(int ifindex, int made_here)
{
	int err = clsact_check(ifindex);

	if (err == 0)
		err = clsact_ours_and_empty(ifindex, made_here);
	if (err == 1) {
		int del = pc_tc_clsact_del(ifindex);

		err = del < 0 ? del : 1;
	}
	return err == -ENOENT || err == -EBUSY ? 0 : err;
}

/*
 * The priority to take on that parent now: on ingress the lowest no
 * classifier of any chain has, on egress the highest; -ENOSPC when all are.
 * 0 is not one: tc_new_tfilter() takes it for "choose one" (tcf_auto_prio():
 * 0xc000, then one below the first classifier's).
 */
static int free_prio(int ifindex, int egress)
{
	struct tc_list l = { NULL, 0, 0 };
	uint8_t used[0x10000 / 8];
	int err = filters_dump(ifindex, egress, &l), p;
	size_t i;

	memset(used, 0, sizeof(used));
	for (i = 0; err == 0 && i < l.n; i++)
		used[l.v[i].prio / 8] |= (uint8_t)(1u << (l.v[i].prio % 8));
	free(l.v);
	if (err < 0)
		return err;
	for (p = egress ? 0xffff : 1; p >= 1 && p <= 0xffff; p += egress ? -1 : 1)
		if (!(used[p / 8] & (1u << (p % 8))))
			return p;
	return -ENOSPC;
}

static int filter_new(int ifindex, int egress, int prio, int prog_fd, const char *name)
{
	struct rtattr *opts;
	struct pc_nl_req r;
	struct tcmsg *tcm = req_init(&r, RTM_NEWTFILTER, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, ifindex,
				     parent_of(egress));

	tcm->tcm_handle = OUR_HANDLE;
	tcm->tcm_info = TC_H_MAKE((uint32_t)prio << 16, htons(ETH_P_ALL));
	pc_nl_put_str(&r, TCA_KIND, "bpf");
	opts = pc_nl_put(&r, TCA_OPTIONS, NULL, 0);
	pc_nl_put_u32(&r, TCA_BPF_FD, (uint32_t)prog_fd);
	if (name)
		pc_nl_put_str(&r, TCA_BPF_NAME, name);
	pc_nl_put_u32(&r, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
	pc_nl_nest_end(&r, opts);
	return pc_nl_talk(&r, NULL, NULL);
}

/*
 * Another tool may take the free priority between the dump and the add.
 * tc_new_tfilter() then finds its classifier there and says EEXIST (a
 * "bpf" of protocol all with handle 1: NLM_F_EXCL) or EINVAL (another kind
 * or protocol: tcf_chain_tp_find(), the kind check); so both are tried
 * again at a priority dumped anew, and returned when that one is the same.
 * A "bpf" of protocol all with another handle is joined: the kernel keeps
 * no way to say "only a classifier of my own" in one request.
 */
int pc_tc_filter_add(int ifindex, int egress, int prog_fd, const char *name, struct pc_tc_filter *f)
{
	int prio, last = 0, err = -EAGAIN, tries;

	if (prog_fd < 0 || (name && strlen(name) >= PC_TC_NAME_MAX))
		return -EINVAL;
	for (tries = 0; tries < 4; tries++) {
		prio = free_prio(ifindex, egress);
		if (prio < 0)
			return prio;
		if (prio == last)
			return err;
		err = filter_new(ifindex, egress, prio, prog_fd, name);
		if (err == 0) {
			*f = (struct pc_tc_filter){ ifindex, !!egress, (uint16_t)prio, OUR_HANDLE };
			return 0;
		}
		if (err != -EEXIST && err != -EINVAL)
			return err;
		last = prio;
	}
	return err;
}

/*
 * Handle 0 (or priority 0) would ask tc_del_tfilter() for every filter of
 * the classifier (or the chain), another tool's with ours: refused here.
 * With an ingress qdisc in clsact's place, the egress parent would name its
 * one block: what is there is not ours, nothing is asked.
 */
int pc_tc_filter_del(const struct pc_tc_filter *f)
{
	struct pc_nl_req r;
	struct tcmsg *tcm;
	int err;

	if (!f->handle || !f->prio)
		return -EINVAL;
	err = clsact_check(f->ifindex);
	if (err == -ENODEV || err == -EBUSY)
		return -ENOENT;
	if (err < 0)
		return err;
	tcm = req_init(&r, RTM_DELTFILTER, NLM_F_ACK, f->ifindex, parent_of(f->egress));
	tcm->tcm_handle = f->handle;
	tcm->tcm_info = TC_H_MAKE((uint32_t)f->prio << 16, htons(ETH_P_ALL));
	pc_nl_put_str(&r, TCA_KIND, "bpf");
	err = pc_nl_talk(&r, NULL, NULL);
	/*
	 * tc_del_tfilter(): ENODEV without the device, EINVAL without clsact
	 * (__tcf_qdisc_find()) or with another kind or protocol at prio
	 * (tcf_chain_tp_find(), the kind check), ENOENT with no classifier at
	 * prio or no such handle in it: in each, that filter is not there.
	 */
	return err == -ENODEV || err == -EINVAL ? -ENOENT : err;
}

/* ---- pktcounts' lock on one clsact ---- */

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) < 0)
		return PC_TC_LOCK_MS;	/* cannot tell: waited enough */
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * An abstract AF_UNIX address (sun_path[0] '\0', unix(7)): the kernel looks
 * such names up only among sockets of the caller's network namespace
 * (__unix_find_socket_byname(): net_eq(); the namespace's own table from
 * 5.19) and of the same type, which is where the qdisc is; no
 * file to make, own or find stale; let go when the socket closes, also when
 * its process is killed.  Bound by one socket at a time: EADDRINUSE while
 * another holds it, tried again at 1, 2, 4 ... 32 ms.  Any local user may
 * bind the name first: a pktcount then waits PC_TC_LOCK_MS and goes on
 * without the lock (the caller says so).
 */
int pc_tc_clsact_lock(int ifindex)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timespec t0, nap = { 0, 1000000 };
	int fd, n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "pktcount/clsact/%d", ifindex);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);

	if (clock_gettime(CLOCK_MONOTONIC, &t0) < 0)
		return -errno;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	while (bind(fd, (struct sockaddr *)&sa, len) < 0) {
		int err = errno;

		if (err != EADDRINUSE || ms_since(&t0) >= PC_TC_LOCK_MS) {
			(void)close(fd);
			return err == EADDRINUSE ? -ETIMEDOUT : -err;
		}
		/* a signal cutting the nap short only tries again sooner */
		(void)nanosleep(&nap, NULL);
		if (nap.tv_nsec < 32000000)
			nap.tv_nsec *= 2;
	}
	return fd;
}

void pc_tc_clsact_unlock(int fd)
{
	/* closing the last reference unhashes the address (unix_release_sock()); nothing a failed close could undo */
	if (fd >= 0)
		(void)close(fd);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The clsact qdisc and cls_bpf direct-action filters over plain rtnetlink
 * (4.5+): what `tc qdisc add dev X clsact` and `tc filter add dev X ingress
 * bpf da fd N` do, without tc, libnl or libbpf.  Each call is one request
 * (or one dump) on a fresh NETLINK_ROUTE socket.  Every function returns 0
 * or -errno unless it says otherwise.
 *
 * "Another qdisc in clsact's place" is the ingress qdisc: both live at
 * ffff: under TC_H_INGRESS and only one of them can.  With it there, the
 * kernel takes the egress parent ffff:fff3 for the ingress block
 * (ingress_find() accepts any minor, ingress_tcf_block() ignores it), so
 * every function here checks the qdisc's kind first and answers -EBUSY.
 */
#ifndef PKTCOUNT_TCNL_H
#define PKTCOUNT_TCNL_H

#include <stdint.h>

/* A cls_bpf name pc_tc_filter_add() takes, with its NUL: what pc_tc_info holds. */
#define PC_TC_NAME_MAX 32

/* One filter pktcount added: what pc_tc_filter_del() needs to delete exactly it. */
struct pc_tc_filter {
	int ifindex;
	int egress;		/* 0: clsact's ingress parent ffff:fff2; 1: egress, ffff:fff3 */
	uint16_t prio;
	uint32_t handle;
};

/* One filter on a clsact parent, as the kernel dumps it (tcf_fill_node()). */
struct pc_tc_info {
	uint16_t prio;
	uint16_t protocol;	/* host order: 0x0003 is ETH_P_ALL */
	uint32_t handle;
	char kind[16];		/* "bpf", "u32", "matchall", ... */
	char bpf_name[PC_TC_NAME_MAX];	/* TCA_BPF_NAME of a "bpf" filter; "" without one */
	uint32_t bpf_id;	/* TCA_BPF_ID, 0 when absent (before 4.13) */
	int direct_action;	/* a "bpf" filter with TCA_BPF_FLAG_ACT_DIRECT */
	uint32_t chain;		/* TCA_CHAIN (4.13); 0 when absent */
};

/*
 * Who may delete a clsact, among pktcounts that come and go in any order
 * (live runs, --persist, --remove): the last one to leave it empty, when a
 * pktcount made it.  "A pktcount made it" is a mark that lives and dies with
 * the qdisc: an empty filter chain of this index on its ingress block,
 * added by the pktcount that creates the qdisc (RTM_NEWCHAIN, 4.19+).  The
 * kernel reaches a chain other than 0 only through a "goto chain" action
 * (tcf_classify() starts at chain 0's head, tcf_chain0_head_change()), so
 * an empty one costs no packet anything; filter dumps walk each chain's
 * classifiers (tcf_chain_dump()) and report none for it; `tc chain show
 * dev IFACE ingress` shows it.  The qdisc's block puts it when the qdisc
 * goes (tcf_block_flush_all_chains()), so a clsact made anew by another
 * tool never carries it.  The bytes of "pcnt" shifted right by 4: chain
 * indexes stop at TC_ACT_EXT_VAL_MASK, 28 bits (tc_ctl_chain()).
 *
 * Before 4.19 there are no chain objects (RTM_NEWCHAIN is past RTM_MAX:
 * EOPNOTSUPP, rtnetlink_rcv_msg()), and only the pktcount that made the
 * qdisc knows it did: this process, or the pinned state of a --persist.
 * An empty clsact is then left when its maker leaves before another
 * pktcount on it (said in docs/modes.md).
 */
#define PC_TC_MARK_CHAIN 0x070636e7u

/*
 * clsact on ifindex: 1 when this call created it (and marked it, where the
 * kernel has chain objects), 0 when one was there (EEXIST from an
 * NLM_F_EXCL create), -EBUSY when another qdisc (ingress) holds its place,
 * -ENOENT when it went away before it was marked, -errno.  Never replaces
 * another qdisc.
 */
int pc_tc_clsact_ensure(int ifindex);

/*
 * A pktcount leaving ifindex's clsact: the qdisc deleted when it is empty
 * (no filter, no chain but the mark, on either parent) and a pktcount made
 * it: it carries the mark, or, on a kernel without chain objects, made_here
 * (the caller made it and found its own filters still on it, so it is that
 * same qdisc).  1 when deleted, 0 when left (or none there, or another
 * qdisc in its place), -errno.  Call it holding pc_tc_clsact_lock().
 */
int pc_tc_clsact_release(int ifindex, int made_here);

/*
 * pktcounts' lock on ifindex's clsact, among the pktcounts of this network
 * namespace: held from making the qdisc to adding the filters, and from
 * deleting them to deleting the qdisc, so no pktcount deletes a qdisc
 * another is adding to.  The file descriptor to pass to
 * pc_tc_clsact_unlock(); -ETIMEDOUT when another process held it for
 * PC_TC_LOCK_MS (the caller may go on without it), -errno.
 */
#define PC_TC_LOCK_MS 10000
int pc_tc_clsact_lock(int ifindex);
void pc_tc_clsact_unlock(int fd);

/*
 * Every filter on clsact's ingress (egress 0) or egress parent, in the
 * kernel's order (priority, then each classifier's own), fn called for each
 * after the dump is complete (so fn may add or delete filters); fn returning
 * nonzero stops, and that value is returned.  A filter is what the kernel
 * dumps with a handle: u32 reports its hash table (800:) and each key
 * (800::800).  -ENOENT when there is no clsact, -EBUSY when another qdisc
 * holds its place, -ENODEV without the device.
 */
int pc_tc_filters_each(int ifindex, int egress, int (*fn)(const struct pc_tc_info *, void *), void *arg);

/*
 * prog_fd (a BPF_PROG_TYPE_SCHED_CLS program) as a cls_bpf filter,
 * direct-action, protocol ETH_P_ALL, handle 1, TCA_BPF_NAME name (NULL for
 * none; at most PC_TC_NAME_MAX - 1 bytes), at a priority no other filter on
 * that parent uses, in any chain: on ingress the lowest free from 1 up (so
 * pktcount runs first and sees what arrived), on egress the highest free
 * from 0xffff down (it runs last and sees what leaves).  Created with
 * NLM_F_CREATE | NLM_F_EXCL, so it never replaces another filter, nor joins
 * another's classifier unless one of kind bpf, protocol all came between
 * the dump and the add (src/tcnl.c says why); fills *f.  -ENOENT without
 * clsact, -EBUSY and -ENODEV as above, -ENOSPC when every priority is
 * taken, -EINVAL for a name too long.
 */
int pc_tc_filter_add(int ifindex, int egress, int prog_fd, const char *name, struct pc_tc_filter *f);

/*
 * Delete exactly that filter (parent, prio, protocol ETH_P_ALL, handle, kind
 * "bpf").  -ENOENT when it is gone: its device, its clsact or the filter
 * itself (the kernel says ENODEV, EINVAL or ENOENT), or when another qdisc
 * took clsact's place (then nothing is asked of the kernel).  -EINVAL for
 * handle or prio 0, which would name every filter of a classifier or chain.
 */
int pc_tc_filter_del(const struct pc_tc_filter *f);

/* The filters left on both clsact parents (counted as pc_tc_filters_each() reports them), or -errno. */
int pc_tc_filters_count(int ifindex);

/*
 * Delete the clsact qdisc of ifindex, and with it every filter on it.
 * -ENOENT when there is none, -EBUSY and -ENODEV as above.
 */
int pc_tc_clsact_del(int ifindex);

#endif /* PKTCOUNT_TCNL_H */

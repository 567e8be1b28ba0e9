// SPDX-License-Identifier: GPL-2.0
/*
 * tc mode: the socket mode's counting variants as SCHED_CLS programs, one on
 * the interface's ingress (rx) and one on its egress (tx), counting into the
 * same maps the socket's would (the variant placed at the hook, src/prog/:
 * same instructions, the direction from the hook, TC_ACT_UNSPEC out).  No
 * packet socket: nothing is cloned for a tap on transmit
 * (dev_queue_xmit_nit()) and no tap is walked on receive.
 *
 * Attached through tcx links on 6.6+ (first on ingress, last on egress;
 * other programs keep running, in their order), else through a cls_bpf
 * filter on clsact (4.5+, src/tcnl.c), the qdisc made only when missing.
 * Either way pktcount's program returns TC_ACT_UNSPEC (TCX_NEXT) and every
 * filter and program after it runs as if it were not there.
 *
 * --persist pins the maps (and tcx links) and leaves the programs attached:
 * src/pin.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bpf.h"
#include "ebpf_by.h"
#include "options.h"
#include "tc.h"

/* without --tc-attach: clsact rather than tcx, for a count of interfaces past PC_TCX_MOST */
static int clsact_for_scale;

/* The back end's begin(): how to attach ntaps interfaces, said on stderr when it is not tcx. */
static void tc_begin(const struct pc_config *cfg, int ntaps)
{
	if (cfg->tc_attach != PC_TC_NONE || ntaps <= PC_TCX_MOST)
		return;
	/*
	 * Making a tcx link and letting it go each wait for an RCU grace
	 * period while holding the RTNL lock (kernel/bpf/tcx.c:
	 * tcx_link_prog_attach() and tcx_link_release() call tcx_entry_sync(),
	 * synchronize_rcu()): one interface after another, whatever the
	 * threads, and every other rtnetlink user of the machine waits too
	 * (a thousand interfaces: 30 s at start and at exit on 2 CPUs).  A
	 * cls_bpf filter is freed after a grace period without waiting for it
	 * (cls_bpf_delete() queues tcf_queue_work()).
	 */
	clsact_for_scale = 1;
	pc_err("tc mode: %d interfaces: clsact filters rather than tcx links, which each wait for an RCU grace "
	       "period under the RTNL lock when made and when let go (--tc-attach tcx insists)", ntaps);
}

const char *const pc_tc_hook[2] = { "ingress", "egress" };

/* ---- attaching ---- */

/*
 * Both programs as tcx links; 0, or -errno of the first that failed
 * (EINVAL: no tcx here), with no link left: clsact may count instead.
 */
static int attach_tcx(struct pc_tap *tap, struct pc_tc *t)
{
	int d, err;

	for (d = 0; d < 2; d++) {
		t->link[d] = pc_bpf_tcx_attach(t->prog[d], tap->ifindex, d);
		if (t->link[d] < 0)
			break;
	}
	if (d == 2) {
		t->kind = PC_TC_TCX;
		return 0;
	}
	err = t->link[d];
	for (d = 0; d < 2; d++) {
		if (t->link[d] >= 0)
			close(t->link[d]);
		t->link[d] = -1;
	}
	return err;
}

/* why: one line for a failed rtnetlink tc request; its pc_exit. */
static int tc_refused(struct pc_fail *why, const struct pc_tap *tap, const char *what, int err)
{
	const char *hint = err == EBUSY ? ": an ingress qdisc holds clsact's place (tc qdisc show dev IFACE)"
			 : err == EPERM ? ": needs CAP_NET_ADMIN" : err == EOPNOTSUPP || err == ENOENT
			 ? ": this kernel lacks clsact or cls_bpf (4.5+, CONFIG_NET_SCH_INGRESS, CONFIG_NET_CLS_BPF)" : "";

	return pc_fail(why, err == EPERM ? PC_EXIT_PRIV : err == ENODEV ? PC_EXIT_NOIFACE
			    : err == EOPNOTSUPP || err == ENOENT ? PC_EXIT_UNSUPPORTED : PC_EXIT_FAIL,
		       "%s: %s: %s (%s)%s", tap->name, what, strerror(err), pc_errno_name(err), hint);
}

/*
 * pktcounts' lock on the tap's clsact (src/tcnl.h); without it, said, the
 * run goes on: at worst another pktcount deletes the qdisc while this one
 * adds to it, which the adder answers by making it again.
 */
int pc_tc_clsact_lock_said(const char *name, int ifindex)
{
	int fd = pc_tc_clsact_lock(ifindex);

	if (fd < 0)
		pc_err("%s: pktcount's clsact lock (abstract socket @pktcount/clsact/%d): %s; going on without it",
		       name, ifindex, strerror(-fd));
	return fd;
}

/* clsact, made and marked when missing, and both filters on it; 0 or -errno, *step the hook that failed (-1: the qdisc). */
static int clsact_add(struct pc_tap *tap, struct pc_tc *t, int *step)
{
	int ret = pc_tc_clsact_ensure(tap->ifindex), d;

	*step = -1;
	if (ret < 0)
		return ret;
	t->kind = PC_TC_CLSACT;
	t->qdisc = ret == 1;
	if (ret == 1)
		pc_log("%s: made the clsact qdisc: the last pktcount to leave it empty deletes it (pktcount's mark on "
		       "4.19+: tc chain show dev %s ingress, chain %u)", tap->name, tap->name, PC_TC_MARK_CHAIN);
	for (d = 0; d < 2; d++) {
		*step = d;
		ret = pc_tc_filter_add(tap->ifindex, d, t->prog[d], "pktcount", &t->filt[d]);
		if (ret < 0)
			return ret;
		t->added[d] = 1;
	}
	return 0;
}

/*
 * Both programs as cls_bpf filters on clsact, which is made only when
 * missing; a pc_exit.  Under pktcounts' lock; a clsact that goes away
 * between the steps (another tool's tc qdisc del, or a pktcount that
 * gave up waiting for the lock) took any filter added to it along: made
 * and added again.
 */
static int attach_clsact(struct pc_tap *tap, struct pc_tc *t, struct pc_fail *why)
{
	int lock = pc_tc_clsact_lock_said(tap->name, tap->ifindex), ret = -ENOENT, step = -1, tries;
	char what[64];

	for (tries = 0; ret == -ENOENT && tries < 3; tries++) {
		t->added[0] = t->added[1] = 0;
		ret = clsact_add(tap, t, &step);
	}
	pc_tc_clsact_unlock(lock);
	if (ret == 0)
		return PC_EXIT_OK;
	if (step < 0)
		snprintf(what, sizeof(what), "adding the clsact qdisc");
	else
		snprintf(what, sizeof(what), "adding a bpf filter on clsact %s", pc_tc_hook[step]);
	return tc_refused(why, tap, what, -ret);
}

/*
 * What pktcount added to clsact, removed: its filters, and the qdisc when
 * a pktcount made it and nothing else is on it (pc_tc_clsact_release()).
 * Finding its own filters there tells a kernel without chain objects that
 * the qdisc is still the one this process made.
 */
static void detach_clsact(struct pc_tap *tap, struct pc_tc *t)
{
	int lock = pc_tc_clsact_lock_said(tap->name, tap->ifindex), found = 0, d, ret;

	for (d = 0; d < 2; d++) {
		if (!t->added[d])
			continue;
		ret = pc_tc_filter_del(&t->filt[d]);
		found |= ret == 0;
		if (ret < 0 && ret != -ENOENT)
			pc_err("%s: removing pktcount's filter from clsact %s: %s; `tc filter del dev %s %s prio %u` "
			       "removes it", tap->name, pc_tc_hook[d], strerror(-ret), tap->name, pc_tc_hook[d], t->filt[d].prio);
		t->added[d] = 0;
	}
	ret = pc_tc_clsact_release(tap->ifindex, t->qdisc && found);
	if (ret < 0 && ret != -ENODEV)
		pc_err("%s: removing the empty clsact qdisc a pktcount made: %s; `tc qdisc del dev %s clsact` "
		       "removes it", tap->name, strerror(-ret), tap->name);
	t->qdisc = 0;
	pc_tc_clsact_unlock(lock);
}

static void tc_close(struct pc_tap *tap)
{
	struct pc_tc *t = tap->priv;
	int d;

	if (!t)
		return;
	/*
	 * A tcx link detaches with its last reference: a pinned one stays.  A
	 * deleted device took its qdiscs and their filters with it
	 * (unregister_netdevice() -> dev_shutdown()): nothing to ask rtnetlink,
	 * whose lock a burst of deletions would otherwise queue on, and an index
	 * the kernel may give the next device is left alone.
	 */
	if (t->kind == PC_TC_CLSACT && !t->keep && !tap->gone)
		detach_clsact(tap, t);
	for (d = 0; d < 2; d++) {
		if (t->link[d] >= 0)
			close(t->link[d]);
		if (t->prog[d] >= 0)
			close(t->prog[d]);
	}
	pc_ebpf_free(tap);
}

/*
 * The device went away: its tcx links are detached already (tcx_uninstall()
 * at unregister, so closing them waits for nothing) and its clsact with its
 * filters is gone; the programs and maps name no device and are kept for
 * one of the same name in this batch: a burst of re-created interfaces is
 * then attached without verifying two programs each again.  Classes may
 * hold the device's index (SKF_AD_IFINDEX, src/prog/cbpf_ebpf.c): loaded
 * anew.
 */
static int tc_park(struct pc_tap *tap)
{
	struct pc_tc *t = tap->priv;
	int d;

	if (!t || t->keep || pc_classes.n || pc_classes.filter)
		return 0;
	for (d = 0; d < 2; d++) {
		if (t->link[d] >= 0)
			close(t->link[d]);
		t->link[d] = -1;
		t->added[d] = 0;
	}
	t->qdisc = 0;
	t->parked_link = tap->link;
	return 1;
}

/* The tap's programs: those it parked, when they read this device's link type, or loaded now; a pc_exit. */
static int tc_programs(struct pc_tap *tap, struct pc_fail *why)
{
	struct pc_tc *t = tap->priv;
	int code = PC_EXIT_OK, d;

	if (tap->parked) {
		tap->parked = 0;
		if (t && t->parked_link == tap->link)
			return PC_EXIT_OK;
		tc_close(tap);
	}
	t = tap->priv = pc_ebpf_alloc(sizeof(*t));
	if (!t)
		return pc_fail(why, PC_EXIT_FAIL, "%s: %s", tap->name, strerror(ENOMEM));
	t->prog[0] = t->prog[1] = t->link[0] = t->link[1] = -1;
	code = pc_ebpf_setup(tap, why);
	for (d = 0; d < 2 && !code; d++)
		code = pc_ebpf_load(tap, d ? PC_AT_TC_EGRESS : PC_AT_TC_INGRESS, BPF_PROG_TYPE_SCHED_CLS,
				    &t->prog[d], why);
	return code;
}

static int tc_open(struct pc_tap *tap, struct pc_fail *why)
{
	struct pc_tc *t;
	int code, err;

	code = tc_programs(tap, why);
	t = tap->priv;
	if (code)
		goto fail;
	err = tap->cfg->tc_attach == PC_TC_CLSACT || clsact_for_scale ? EINVAL : -attach_tcx(tap, t);
	if (err == EINVAL && tap->cfg->tc_attach == PC_TC_TCX) {
		code = pc_fail(why, PC_EXIT_UNSUPPORTED, "bpf(BPF_LINK_CREATE) tcx on %s: %s (EINVAL): this kernel has "
			       "no tcx links (6.6+); --tc-attach clsact", tap->name, strerror(err));
	} else if (err == EINVAL) {
		/* before 6.6 BPF_LINK_CREATE knows no tcx attach type (and before 5.7 no such command) */
		pc_log("%s: %s: a clsact filter", tap->name, tap->cfg->tc_attach == PC_TC_CLSACT ? "--tc-attach clsact"
							     : clsact_for_scale ? "many interfaces" : "no tcx links (6.6+)");
		code = attach_clsact(tap, t, why);
	} else if (err) {
		code = pc_ebpf_explain(why, "bpf(BPF_LINK_CREATE) tcx on", tap->name, err);
		if (err == ENODEV)
			code = why->code = PC_EXIT_NOIFACE;
	}
	if (code)
		goto fail;
	/* "tc_eth_wire, 249 insns" (both hooks' name, the egress program's count), then how they are attached */
	snprintf(t->e.detail + strlen(t->e.detail), sizeof(t->e.detail) - strlen(t->e.detail), ", %s",
		 t->kind == PC_TC_TCX ? "tcx" : "clsact");
	pc_log("%s: tc (%s, %s); counts in %s units", tap->name, t->e.detail,
	       t->e.percpu ? "PERCPU_ARRAY" : "ARRAY+XADD", pc_unit_name(tap->unit));
	return PC_EXIT_OK;
fail:
	tc_close(tap);
	return code;
}

const struct pc_backend pc_tc_backend = {
	.name = "tc",
	.open = tc_open,
	.read = pc_ebpf_read,
	.prepare = pc_ebpf_prepare,
	.close = tc_close,
	.park = tc_park,
	.begin = tc_begin,
};

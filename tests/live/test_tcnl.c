// SPDX-License-Identifier: GPL-2.0
/*
 * The clsact qdisc and cls_bpf filters over rtnetlink (src/tcnl.c), on a
 * veth pair in namespaces the test creates: this process joins the first,
 * so `tc` run through sh() sees what the library did, and is the judge.
 * Other tools' filters are cls_bpf classic bytecode and u32, not matchall:
 * both come with cls_bpf on every kernel that has it, matchall (and its
 * gact action) not (this project's CI kernel builds neither in).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/pkt_cls.h>

#include "bpf.h"
#include "bpf_insn.h"
#include "tcnl.h"

#include "lib/netns.h"
#include "lib/proc.h"
#include "lib/sh.h"

/* cls_bpf classic bytecode: "ret #-1", one filter of kind bpf, protocol all, handle 1 as ours */
#define OTHER_BPF "bpf bytecode '1,6 0 0 4294967295,'"
#define OTHER_U32 "u32 match u32 0 0"

static struct topo topo;

static void down(void)
{
	topo_down(&topo);
}

/* A fresh pair, this process in the namespace of va; va's ifindex. */
static int up_in_a(void)
{
	int ifindex;

	topo_up(&topo, 0, 0);
	cr_assert_eq(join_netns(topo.a), 0, "join %s: %s", topo.a, strerror(errno));
	ifindex = (int)if_nametoindex("va");
	cr_assert_gt(ifindex, 0);
	return ifindex;
}

/* r0 = TC_ACT_UNSPEC; exit: a direct-action program that lets the next filter decide. */
static int load_sched_cls(void)
{
	const struct bpf_insn insns[] = {
		BPF_MOV64_IMM(BPF_REG_0, TC_ACT_UNSPEC),
		BPF_EXIT_INSN(),
	};
	char *log = NULL;
	int fd;

	pc_bpf_raise_memlock();
	fd = pc_bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, insns, 2, "pc_t_tcnl", &log);
	cr_assert_geq(fd, 0, "load: %s\n%s", strerror(errno), log ? log : "");
	free(log);
	return fd;
}

static void has(const char *text, const char *what, const char *where)
{
	cr_assert_not_null(strstr(text, what), "%s lacks \"%s\":\n%s", where, what, text);
}

struct seen {
	struct pc_tc_info v[16];
	int n;
};

static int collect(const struct pc_tc_info *in, void *arg)
{
	struct seen *s = arg;

	if (s->n == 16)
		return -E2BIG;
	s->v[s->n++] = *in;
	return 0;
}

static int stop_at_first(const struct pc_tc_info *in, void *arg)
{
	(void)in;
	(void)arg;
	return 7;
}

static struct seen filters_of(int ifindex, int egress)
{
	struct seen s = { .n = 0 };

	cr_assert_eq(pc_tc_filters_each(ifindex, egress, collect, &s), 0);
	return s;
}

/* One of ours, as filters_each reports it and as tc shows it (its program id too). */
static void check_ours(const struct pc_tc_info *in, const struct pc_tc_filter *f, const char *name,
		       const char *shown)
{
	const char *id = strstr(shown, " id ");
	unsigned int shown_id = 0;

	cr_assert_eq(in->prio, f->prio);
	cr_assert_eq(in->protocol, 0x0003, "protocol %#x, not ETH_P_ALL", in->protocol);
	cr_assert_eq(in->handle, 1);
	cr_assert_str_eq(in->kind, "bpf");
	cr_assert_str_eq(in->bpf_name, name);
	cr_assert_eq(in->direct_action, 1);
	cr_assert_eq(in->chain, 0);
	cr_assert(id && sscanf(id, " id %u", &shown_id) == 1, "tc shows no program id:\n%s", shown);
	cr_assert_eq(in->bpf_id, shown_id);
}

Test(tcnl, clsact_and_filters_round_trip, .fini = down, .timeout = 60)
{
	struct pc_tc_filter fin, feg;
	struct seen s = { .n = 0 };
	char *text;
	int ifindex, prog;

	NEED_ROOT("network namespaces and tc");
	ifindex = up_in_a();
	prog = load_sched_cls();
	cr_assert_eq(pc_tc_filters_each(ifindex, 0, collect, &s), -ENOENT);
	cr_assert_eq(pc_tc_filters_count(ifindex), -ENOENT);
	cr_assert_eq(pc_tc_filter_add(ifindex, 0, prog, "pktcount_in", &fin), -ENOENT);

	cr_assert_eq(pc_tc_clsact_ensure(ifindex), 1);
	cr_assert_eq(pc_tc_clsact_ensure(ifindex), 0);
	text = sh_out("tc qdisc show dev va");
	has(text, "qdisc clsact ffff: parent ffff:fff1", "tc qdisc show");
	free(text);
	cr_assert_eq(pc_tc_filters_count(ifindex), 0);

	cr_assert_eq(pc_tc_filter_add(ifindex, 0, prog, "pktcount_in", &fin), 0);
	cr_assert_eq(pc_tc_filter_add(ifindex, 1, prog, "pktcount_eg", &feg), 0);
	cr_assert(fin.ifindex == ifindex && fin.egress == 0 && fin.prio == 1 && fin.handle == 1);
	cr_assert(feg.ifindex == ifindex && feg.egress == 1 && feg.prio == 0xffff && feg.handle == 1);

	text = sh_out("tc filter show dev va ingress");
	has(text, "pref 1 bpf chain 0 handle 0x1 pktcount_in direct-action", "tc filter show ingress");
	cr_assert_null(strstr(text, "pktcount_eg"), "egress's filter on ingress:\n%s", text);
	s = filters_of(ifindex, 0);
	cr_assert_eq(s.n, 1);
	check_ours(&s.v[0], &fin, "pktcount_in", text);
	free(text);
	text = sh_out("tc filter show dev va egress");
	has(text, "pref 65535 bpf chain 0 handle 0x1 pktcount_eg direct-action", "tc filter show egress");
	s = filters_of(ifindex, 1);
	cr_assert_eq(s.n, 1);
	check_ours(&s.v[0], &feg, "pktcount_eg", text);
	free(text);
	cr_assert_eq(pc_tc_filters_count(ifindex), 2);

	cr_assert_eq(pc_tc_filter_del(&fin), 0);
	cr_assert_eq(pc_tc_filter_del(&fin), -ENOENT);
	text = sh_out("tc filter show dev va ingress");
	cr_assert_str_empty(text, "ingress after the delete:\n%s", text);
	free(text);
	cr_assert_eq(pc_tc_filters_count(ifindex), 1);
	cr_assert_eq(pc_tc_filter_del(&feg), 0);
	cr_assert_eq(pc_tc_filters_count(ifindex), 0);

	cr_assert_eq(pc_tc_clsact_del(ifindex), 0);
	text = sh_out("tc qdisc show dev va");
	cr_assert_null(strstr(text, "clsact"), "clsact left:\n%s", text);
	free(text);
	cr_assert_eq(pc_tc_clsact_del(ifindex), -ENOENT);
	cr_assert_eq(pc_tc_filters_each(ifindex, 1, collect, &s), -ENOENT);
	/* the kernel says EINVAL for a filter under no qdisc */
	cr_assert_eq(pc_tc_filter_del(&feg), -ENOENT);
	close(prog);
}

Test(tcnl, filters_on_a_deleted_device, .fini = down, .timeout = 60)
{
	struct pc_tc_filter f;
	struct seen s = { .n = 0 };
	int ifindex, prog;

	NEED_ROOT("network namespaces and tc");
	ifindex = up_in_a();
	prog = load_sched_cls();
	cr_assert_eq(pc_tc_clsact_ensure(ifindex), 1);
	cr_assert_eq(pc_tc_filter_add(ifindex, 1, prog, "pktcount_eg", &f), 0);
	topo_unlink(&topo);
	/* the kernel says ENODEV */
	cr_assert_eq(pc_tc_filter_del(&f), -ENOENT);
	cr_assert_eq(pc_tc_filters_each(ifindex, 1, collect, &s), -ENODEV);
	cr_assert_eq(pc_tc_filters_count(ifindex), -ENODEV);
	cr_assert_eq(pc_tc_clsact_del(ifindex), -ENODEV);
	cr_assert_eq(pc_tc_clsact_ensure(ifindex), -ENODEV);
	close(prog);
}

/*
 * Another tool's clsact and filters, in the places pktcount would like
 * best and one gap on each side: pktcount takes the gap, deletes exactly
 * its own, and leaves what `tc filter show` prints as it was.
 */
Test(tcnl, another_tools_filters_kept, .fini = down, .timeout = 60)
{
	struct pc_tc_filter fin, feg;
	char *in0, *eg0, *in1, *eg1, *text;
	struct seen s;
	int ifindex, prog;

	NEED_ROOT("network namespaces and tc");
	ifindex = up_in_a();
	prog = load_sched_cls();
	sh_ok("tc qdisc add dev va clsact && "
	      "tc filter add dev va ingress prio 1 protocol all " OTHER_BPF " && "
	      "tc filter add dev va ingress prio 3 protocol all " OTHER_U32 " && "
	      "tc filter add dev va egress prio 65535 protocol all " OTHER_BPF " && "
	      "tc filter add dev va egress prio 65533 protocol ip " OTHER_U32);
	in0 = sh_out("tc filter show dev va ingress");
	eg0 = sh_out("tc filter show dev va egress");
	/* the other bpf filters (handle 1) and u32's table and key: 2 + 2 a side */
	cr_assert_eq(pc_tc_filters_count(ifindex), 6);

	cr_assert_eq(pc_tc_clsact_ensure(ifindex), 0);
	cr_assert_eq(pc_tc_filter_add(ifindex, 0, prog, "pktcount_in", &fin), 0);
	cr_assert_eq(pc_tc_filter_add(ifindex, 1, prog, "pktcount_eg", &feg), 0);
	cr_assert_eq(fin.prio, 2);
	cr_assert_eq(feg.prio, 65534);
	cr_assert_eq(pc_tc_filters_count(ifindex), 8);

	s = filters_of(ifindex, 0);
	cr_assert_eq(s.n, 4);
	cr_assert(s.v[0].prio == 1 && !strcmp(s.v[0].kind, "bpf") && !s.v[0].direct_action &&
		  !s.v[0].bpf_name[0] && !s.v[0].bpf_id, "the other tool's classic bpf first");
	cr_assert(s.v[1].prio == 2 && !strcmp(s.v[1].bpf_name, "pktcount_in"), "ours second");
	cr_assert(s.v[2].prio == 3 && !strcmp(s.v[2].kind, "u32") && s.v[2].handle == 0x80000000u,
		  "u32's table 800: third");
	s = filters_of(ifindex, 1);
	cr_assert_eq(s.n, 4);
	cr_assert(s.v[0].prio == 65533 && s.v[0].protocol == 0x0800, "u32 for ip first");
	cr_assert(s.v[2].prio == 65534 && !strcmp(s.v[2].bpf_name, "pktcount_eg"), "ours before the last");
	cr_assert(s.v[3].prio == 65535 && !s.v[3].direct_action, "the other bpf last");
	cr_assert_eq(pc_tc_filters_each(ifindex, 1, stop_at_first, NULL), 7);

	text = sh_out("tc filter show dev va ingress");
	has(text, "pref 2 bpf chain 0 handle 0x1 pktcount_in direct-action", "tc filter show ingress");
	free(text);

	cr_assert_eq(pc_tc_filter_del(&fin), 0);
	cr_assert_eq(pc_tc_filter_del(&feg), 0);
	in1 = sh_out("tc filter show dev va ingress");
	eg1 = sh_out("tc filter show dev va egress");
	cr_assert_str_eq(in1, in0, "ingress changed:\n%s\nwas:\n%s", in1, in0);
	cr_assert_str_eq(eg1, eg0, "egress changed:\n%s\nwas:\n%s", eg1, eg0);
	cr_assert_eq(pc_tc_filters_count(ifindex), 6);
	text = sh_out("tc qdisc show dev va");
	has(text, "qdisc clsact ffff:", "tc qdisc show");
	free(text);
	free(in0);
	free(eg0);
	free(in1);
	free(eg1);
	close(prog);
}

/*
 * An ingress qdisc where clsact would go: the kernel takes clsact's egress
 * parent for its one block, so a delete of "egress prio 1 handle 1 bpf"
 * would take the other tool's ingress filter.  Every call refuses.
 */
Test(tcnl, ingress_qdisc_refused, .fini = down, .timeout = 60)
{
	struct pc_tc_filter f, theirs;
	struct seen s = { .n = 0 };
	char *before, *after;
	int ifindex, prog;

	NEED_ROOT("network namespaces and tc");
	ifindex = up_in_a();
	prog = load_sched_cls();
	sh_ok("tc qdisc add dev va ingress && tc filter add dev va ingress prio 1 protocol all " OTHER_BPF);
	before = sh_out("tc qdisc show dev va; tc filter show dev va ingress");
	theirs = (struct pc_tc_filter){ ifindex, 1, 1, 1 };

	cr_assert_eq(pc_tc_clsact_ensure(ifindex), -EBUSY);
	cr_assert_eq(pc_tc_filters_each(ifindex, 0, collect, &s), -EBUSY);
	cr_assert_eq(pc_tc_filters_each(ifindex, 1, collect, &s), -EBUSY);
	cr_assert_eq(pc_tc_filters_count(ifindex), -EBUSY);
	cr_assert_eq(pc_tc_filter_add(ifindex, 1, prog, "pktcount_eg", &f), -EBUSY);
	cr_assert_eq(pc_tc_filter_del(&theirs), -ENOENT);
	cr_assert_eq(pc_tc_clsact_del(ifindex), -EBUSY);
	after = sh_out("tc qdisc show dev va; tc filter show dev va ingress");
	cr_assert_str_eq(after, before, "changed:\n%s\nwas:\n%s", after, before);
	free(before);
	free(after);
	close(prog);
}

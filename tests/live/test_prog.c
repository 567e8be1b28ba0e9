// SPDX-License-Identifier: GPL-2.0
/*
 * The counting program over the frame table, run by the kernel through
 * BPF_PROG_TEST_RUN: each frame must land on exactly its key, with its
 * bytes, one packet, and the program must return 0.
 *
 * The kernel hands a socket filter the test packet with a 14-byte Ethernet
 * header already pulled.  So each frame goes in behind a dummy Ethernet
 * header: the program then sees exactly the frame, at offset 0, with
 * skb->len its length, as on a live socket.  The dummy header's ethertype
 * becomes skb->protocol, which is what the raw programs read; for Ethernet
 * frames it is 0x88b5 (local experimental), which the kernel's test run
 * takes at any length.  With 0x0800 or 0x86dd the test run refuses data
 * shorter than an IPv4 or IPv6 header (EINVAL, seen on 6.18), so raw frames
 * cut shorter than that cannot be run here: they are counted and reported
 * as not run.  The IP code they would reach is the same fragment the
 * Ethernet program runs, where every cut is tested.
 *
 * At tc (SCHED_CLS) the kernel's test run hands the program the whole
 * input from its Ethernet header on, as tc does (is_l2 in
 * bpf_prog_test_run_skb()): each Ethernet frame goes in as it is, its key
 * on the hook's side (egress: tx), and the program must return
 * TC_ACT_UNSPEC.  Frames shorter than an Ethernet header, or too short for
 * the IP header their ethertype announces, the test run refuses: counted
 * as not run.
 *
 * Each run also checks the new-key counter (PC_MAP0_NEWKEYS): one more
 * exactly when the frame's key had counted nothing before.  The test runs
 * on one CPU (pinned), so "nothing on this CPU" is "nothing at all".
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf.h"
#include "bpf_insn.h"
#include "lib/frames.h"
#include "lib/load.h"
#include "lib/proc.h"

/* The bytes the test run takes for frame c: behind a dummy header for a socket filter, as they are at tc. */
static size_t test_input(const struct frame_case *c, enum pc_link link, enum pc_attach at, uint8_t *in)
{
	if (at != PC_AT_SOCKET) {
		memcpy(in, c->data, c->len);
		return c->len;
	}
	/* dummy header: zero destination MAC reads as PACKET_HOST on lo */
	memset(in, 0, 12);
	in[12] = (uint8_t)((link == PC_LINK_RAW ? c->protocol : 0x88b5) >> 8);
	in[13] = (uint8_t)(link == PC_LINK_RAW ? c->protocol : 0x88b5);
	memcpy(in + 14, c->data, c->len);
	return 14 + c->len;
}

static void run_table(struct pc_variant v)
{
	static struct pc_counter before[PC_NKEYS], after[PC_NKEYS];
	enum pc_link link = v.link;
	enum pc_attach at = v.at;
	struct frame_case *cases;
	struct loaded l;
	char err[4096];
	size_t n = frames_build(&cases), i, ran = 0, failed = 0, not_run = 0;
	uint8_t in[14 + FRAME_MAX];

	int64_t newkeys, was;

	NEED_ROOT("BPF_PROG_TEST_RUN");
	pin_to_this_cpu();
	cr_assert_eq(prog_load(&v, &l, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(map_snapshot(&l, before), 0);
	cr_assert_eq(was = map_newkeys(&l), 0);

	for (i = 0; i < n; i++) {
		const struct frame_case *c = &cases[i];
		uint32_t retval = 1;
		unsigned int k, changed = 0, key = c->key + (at == PC_AT_TC_EGRESS ? PC_NSLOTS : 0);
		char want[48], got[48];

		if (c->link != link)
			continue;
		if (link == PC_LINK_RAW &&
		    ((c->protocol == 0x0800 && c->len < 20) || (c->protocol == 0x86dd && c->len < 40))) {
			not_run++;
			continue;
		}
		if (pc_bpf_prog_test_run(l.prog_fd, in, (uint32_t)test_input(c, link, at, in), NULL, &retval) < 0) {
			cr_assert(at != PC_AT_SOCKET && errno == EINVAL, "%s: test run: %s", c->name, strerror(errno));
			not_run++;
			continue;
		}
		cr_assert_eq(map_snapshot(&l, after), 0);
		ran++;

		for (k = 0; k < PC_NKEYS; k++) {
			uint64_t db = after[k].bytes - before[k].bytes;
			uint64_t dp = after[k].packets - before[k].packets;

			if (!db && !dp)
				continue;
			changed++;
			if (k != key || dp != 1 || db != c->bytes) {
				cr_log_error("%s (%u bytes): counted %s +%llu bytes +%llu packets, want %s +%llu bytes +1",
					     c->name, c->len, frames_key_str(k, got, sizeof(got)),
					     (unsigned long long)db, (unsigned long long)dp,
					     frames_key_str(key, want, sizeof(want)),
					     (unsigned long long)c->bytes);
				failed++;
			}
		}
		if (changed == 0) {
			cr_log_error("%s (%u bytes): not counted at all, want %s", c->name, c->len,
				     frames_key_str(key, want, sizeof(want)));
			failed++;
		}
		if (retval != (at == PC_AT_SOCKET ? 0 : (uint32_t)-1)) {
			cr_log_error("%s: returned %u, want %s", c->name, retval,
				     at == PC_AT_SOCKET ? "0 (nothing queued)" : "TC_ACT_UNSPEC (the next filter)");
			failed++;
		}
		newkeys = map_newkeys(&l);
		if (newkeys != was + (before[key].packets == 0)) {
			cr_log_error("%s: new-key counter %lld -> %lld, the key had %llu packets before", c->name,
				     (long long)was, (long long)newkeys, (unsigned long long)before[key].packets);
			failed++;
		}
		was = newkeys;
		memcpy(before, after, sizeof(before));
	}
	prog_unload(&l);
	free(cases);
	cr_log_info("%s: %zu frames run, %zu wrong, %zu short frames the test run refuses",
		    variant_name(&v), ran, failed, not_run);
	cr_assert_gt(ran, 100, "the table ran only %zu frames", ran);
	cr_assert_eq(failed, 0, "%zu of %zu frames counted wrong (see above)", failed, ran);
}

/* The protocol-key variant of link, counters and unit, at at */
#define V(LINK, CTR, UNIT, AT) variant_of(PC_LINK_##LINK, PC_CTR_##CTR, PC_UNIT_##UNIT, 0, PC_AT_##AT)

Test(prog, eth_percpu) { run_table(V(ETH, PERCPU, SKB, SOCKET)); }
Test(prog, eth_xadd) { run_table(V(ETH, XADD, SKB, SOCKET)); }
Test(prog, raw_percpu) { run_table(V(RAW, PERCPU, SKB, SOCKET)); }
Test(prog, raw_xadd) { run_table(V(RAW, XADD, SKB, SOCKET)); }
/* not GSO (gso_size 0): the wire programs count every frame as the others do */
Test(prog, eth_wire) { run_table(V(ETH, PERCPU, WIRE, SOCKET)); }
Test(prog, raw_wire) { run_table(V(RAW, PERCPU, WIRE, SOCKET)); }

/* The frame fills the counter once more under the same key: counts add up. */
/* At tc, both hooks: the socket's keys, the hook's direction, TC_ACT_UNSPEC out */
Test(prog, tc_eth_xadd)
{
	run_table(V(ETH, XADD, SKB, TC_INGRESS));
	run_table(V(ETH, XADD, SKB, TC_EGRESS));
}

Test(prog, tc_eth_percpu)
{
	run_table(V(ETH, PERCPU, SKB, TC_INGRESS));
	run_table(V(ETH, PERCPU, SKB, TC_EGRESS));
}

Test(prog, tc_eth_wire)
{
	run_table(V(ETH, PERCPU, WIRE, TC_INGRESS));
	run_table(V(ETH, PERCPU, WIRE, TC_EGRESS));
}

Test(prog, counts_accumulate)
{
	static struct pc_counter snap[PC_NKEYS];
	struct loaded l;
	char err[4096];
	uint8_t in[14 + 60] = { [12] = 0x88, [13] = 0xb5 };
	unsigned int key = pc_key_make(PC_DIR_RX, PC_L3_IPV4, 17);
	int i;

	NEED_ROOT("BPF_PROG_TEST_RUN");
	cr_assert_eq(prog_load(&(struct pc_variant){ .link = PC_LINK_ETH, .counters = PC_CTR_PERCPU }, &l, err, sizeof(err)),
		     0, "%s", err);
	in[14 + 12] = 0x08;		/* frame ethertype: IPv4 */
	in[14 + 14] = 0x45;
	in[14 + 14 + 9] = 17;		/* UDP */
	for (i = 0; i < 1000; i++)
		cr_assert_eq(pc_bpf_prog_test_run(l.prog_fd, in, sizeof(in), NULL, NULL), 0);
	cr_assert_eq(map_snapshot(&l, snap), 0);
	cr_expect_eq(snap[key].packets, 1000);
	cr_expect_eq(snap[key].bytes, 60000);
	prog_unload(&l);
}

/* A rejected program: EACCES, and the second pass brings the verifier's words. */
Test(bpf, verifier_log_on_rejection)
{
	static const struct bpf_insn bad[] = {
		BPF_MOV64_REG(BPF_REG_0, BPF_REG_2),	/* r2 was never written */
		BPF_EXIT_INSN(),
	};
	char *log = NULL;
	int fd;

	NEED_ROOT("BPF_PROG_LOAD");
	fd = pc_bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, bad, 2, "pc_bad", &log);
	cr_assert_lt(fd, 0);
	cr_expect_eq(errno, EACCES, "errno %d", errno);
	cr_expect_eq(fd, -EACCES);
	cr_assert_not_null(log, "no verifier log");
	cr_expect(strstr(log, "R2 !read_ok") != NULL, "log: %s", log);
	free(log);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Live counting: pktcount runs as a user would run it, on a veth pair in two
 * namespaces this test creates and removes, against traffic the test sends.
 * Every key's bytes and packets must be exact, and the sums must equal the
 * interfaces' own counters (and, for stack traffic, the namespaces' per-
 * protocol SNMP counters).
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/counting.h"
#include "lib/frames.h"
#include "lib/netns.h"
#include "lib/proc.h"
#include "lib/records.h"
#include "lib/sh.h"
#include "lib/traffic.h"
#include "lib/wait.h"

static struct topo topo;

static void down(void)
{
	topo_down(&topo);
}

/*
 * Wait until p's records say dev counted what its kernel counters saw
 * between s0 and s1, each way (counted, or dropped before a userspace tap:
 * the test's exact assertions judge).
 */
static void wait_link_counted(struct pktcount_proc *p, const char *dev, const struct link_stats *s0,
			      const struct link_stats *s1)
{
	pktcount_wait_counted(p, dev, COUNT_RX, s1->rx_packets - s0->rx_packets, WAIT_MS);
	pktcount_wait_counted(p, dev, COUNT_TX, s1->tx_packets - s0->tx_packets, WAIT_MS);
}

static void check_keys(const char *what, const struct pc_counter *got,
		       const struct pc_counter *want, int *bad)
{
	char name[48];
	unsigned int k;

	for (k = 0; k < PC_NKEYS; k++) {
		if (got[k].bytes == want[k].bytes && got[k].packets == want[k].packets)
			continue;
		cr_log_error("%s: %s counted %llu bytes %llu packets, want %llu bytes %llu packets",
			     what, frames_key_str(k, name, sizeof(name)),
			     (unsigned long long)got[k].bytes, (unsigned long long)got[k].packets,
			     (unsigned long long)want[k].bytes, (unsigned long long)want[k].packets);
		(*bad)++;
	}
}


/* ---- crafted frames through an AF_PACKET socket ---- */

/*
 * mode: the -m given; sim: a tests/seccomp-run mode or NULL; want_mode: the
 * JSON "mode" that must result; why: a piece of the -v text that must say
 * why (or NULL).
 */
static void frames_test(const char *mode, const char *sim, const char *want_mode, const char *why)
{
	static char log[8192];
	static struct pc_counter want[PC_NKEYS];
	static uint8_t jumbo[14 + 9000];
	struct frame_case *cases;
	struct tx_frame *send;
	struct inject in = { 0 };
	struct pktcount_proc pa, pb;
	struct run_output ra, rb;
	struct link_stats a0, a1, b0, b1;
	size_t n = frames_build(&cases), i;
	struct pc_counter rx, tx;
	int bad = 0;

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);

	send = calloc(n + 1, sizeof(*send));
	cr_assert_not_null(send);
	memset(want, 0, sizeof(want));
	for (i = 0; i < n; i++) {
		const struct frame_case *c = &cases[i];
		uint32_t et = c->len >= 14 ? (uint32_t)c->data[12] << 8 | c->data[13] : 0;

		/*
		 * Every Ethernet frame of the table, the cut ones too: a corpus of
		 * malformed frames on a real link.  Shorter than 14 bytes cannot be
		 * sent through a packet socket.
		 */
		if (c->link != PC_LINK_ETH || c->len < 14)
			continue;
		/*
		 * A frame whose outer tag is cut short is freed by skb_vlan_untag()
		 * before any tap runs: nothing can count it on the receiving side.
		 */
		if ((et == 0x8100 || et == 0x88a8) && c->len < 14 + 6)
			continue;
		send[in.n++] = (struct tx_frame){ c->data, c->len, c->key };
	}
	/* one jumbo frame: 9014 bytes of IPv4 UDP on the 9000-byte MTU */
	cr_assert_str_eq(cases[1].name, "ipv4 udp 60 bytes");
	memcpy(jumbo, cases[1].data, cases[1].len);
	send[in.n++] = (struct tx_frame){ jumbo, sizeof(jumbo), cases[1].key };
	in.f = send;
	for (i = 0; i < in.n; i++) {
		want[send[i].key].bytes += send[i].len * (uint64_t)tx_copies(i);
		want[send[i].key].packets += (uint64_t)tx_copies(i);
		want[send[i].key + PC_NSLOTS].bytes += send[i].len * (uint64_t)tx_copies(i);
		want[send[i].key + PC_NSLOTS].packets += (uint64_t)tx_copies(i);
	}

	pktcount_sim = sim;
	counting_start(&pa, topo.a, "va", mode);
	counting_start(&pb, topo.b, "vb", mode);
	pktcount_sim = NULL;
	cr_assert_eq(link_stats(topo.a, "va", &a0), 0);
	cr_assert_eq(link_stats(topo.b, "vb", &b0), 0);
	cr_assert_eq(in_netns(topo.a, inject_frames, &in), 0, "injecting frames failed");
	cr_assert_eq(link_stats(topo.a, "va", &a1), 0);
	cr_assert_eq(link_stats(topo.b, "vb", &b1), 0);
	wait_link_counted(&pa, "va", &a0, &a1);
	wait_link_counted(&pb, "vb", &b0, &b1);
	counting_finish(&pa, "va", &ra, NULL, 0);
	counting_finish(&pb, "vb", &rb, log, sizeof(log));
	cr_expect_str_eq(ra.mode, want_mode);
	cr_expect_str_eq(rb.mode, want_mode);
	if (why)
		cr_expect(strstr(log, why) != NULL, "-v does not say '%s':\n%s", why, log);
	cr_expect_geq(rb.intervals, 1);

	/* tx on va: the tx half of want; rx on vb: the rx half */
	{
		static struct pc_counter want_tx[PC_NKEYS], want_rx[PC_NKEYS];

		memset(want_tx, 0, sizeof(want_tx));
		memset(want_rx, 0, sizeof(want_rx));
		memcpy(want_tx + PC_NSLOTS, want + PC_NSLOTS, PC_NSLOTS * sizeof(*want));
		memcpy(want_rx, want, PC_NSLOTS * sizeof(*want));
		check_keys("va (sender)", ra.totals, want_tx, &bad);
		check_keys("vb (receiver)", rb.totals, want_rx, &bad);
	}
	cr_assert_eq(bad, 0, "%d keys counted wrong over %zu distinct frames", bad, in.n);

	/* and the sums are the interfaces' own counters */
	rx = dir_sum(rb.totals, PC_DIR_RX);
	tx = dir_sum(ra.totals, PC_DIR_TX);
	cr_expect_eq(rx.bytes, b1.rx_bytes - b0.rx_bytes, "vb rx bytes %llu, kernel %llu",
		     (unsigned long long)rx.bytes, (unsigned long long)(b1.rx_bytes - b0.rx_bytes));
	cr_expect_eq(rx.packets, b1.rx_packets - b0.rx_packets);
	cr_expect_eq(tx.bytes, a1.tx_bytes - a0.tx_bytes, "va tx bytes %llu, kernel %llu",
		     (unsigned long long)tx.bytes, (unsigned long long)(a1.tx_bytes - a0.tx_bytes));
	cr_expect_eq(tx.packets, a1.tx_packets - a0.tx_packets);
	cr_log_info("%s: %zu distinct frames, %llu packets, %llu bytes each way: exact",
		    mode, in.n, (unsigned long long)rx.packets, (unsigned long long)rx.bytes);
	free(send);
	free(cases);
}

Test(live, ebpf_crafted_frames, .fini = down, .timeout = 60)
{
	frames_test("ebpf", NULL, "ebpf", "pc_eth_wire");
}

Test(live, tc_crafted_frames, .fini = down, .timeout = 60)
{
	frames_test("tc", NULL, "tc", tc_default_attach());
}

Test(live, tc_clsact_crafted_frames, .fini = down, .timeout = 60)
{
	frames_test("tc:clsact", NULL, "tc", "clsact");
}

Test(live, classic_crafted_frames, .fini = down, .timeout = 60)
{
	frames_test("classic", NULL, "classic", "TPACKET_V3 ring");
}

Test(live, pcap_crafted_frames, .fini = down, .timeout = 60)
{
	if (!mode_built_in("pcap"))
		cr_skip_test("this pktcount was built without libpcap");
	frames_test("pcap", NULL, "pcap", "pcap (libpcap");
}

/* Old kernels, simulated: auto mode falls back and the counts stay exact. */
Test(live, auto_without_bpf_syscall, .fini = down, .timeout = 60)
{
	frames_test("auto", "nobpf", "classic", "mode auto: classic, because eBPF: this kernel has no bpf(): Function not implemented (ENOSYS");
}

Test(live, auto_without_so_attach_bpf, .fini = down, .timeout = 60)
{
	frames_test("auto", "noattach", "classic", "vb: classic, because setsockopt(SO_ATTACH_BPF) on vb: Protocol not available (ENOPROTOOPT)");
}

Test(live, classic_without_tpacket_v3, .fini = down, .timeout = 60)
{
	frames_test("classic", "nov3", "classic", "PACKET_VERSION TPACKET_V3: Invalid argument (EINVAL), using recvmsg()");
}

Test(live, auto_without_bpf_and_tpacket_v3, .fini = down, .timeout = 60)
{
	frames_test("auto", "nov3", "ebpf", "mode auto: ebpf");
}

/* ---- the kernel's own stack: UDP, TCP, ICMP over IPv4 and IPv6 ---- */

#define UDP4_N 10
#define UDP4_LEN 100
#define UDP6_N 7
#define UDP6_LEN 200
#define PING4_N 5
#define PING6_N 4
#define PING_LEN 56
#define TCP_MSGS 3
#define TCP_MSG_LEN 500

/* The receiving side, in B: listeners that drain what A sends. */
static int server(int ready_fd, int tcp_conns)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(5000) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(5000) };
	int u4 = socket(AF_INET, SOCK_DGRAM, 0), u6 = socket(AF_INET6, SOCK_DGRAM, 0);
	int t4 = socket(AF_INET, SOCK_STREAM, 0), t6 = socket(AF_INET6, SOCK_STREAM, 0);
	int one = 1, done = 0, got_udp = 0;
	char buf[4096];

	setsockopt(u6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	setsockopt(t6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(u4, (void *)&a4, sizeof(a4)) || bind(u6, (void *)&a6, sizeof(a6)))
		return 20;
	a4.sin_port = a6.sin6_port = htons(5001);
	if (bind(t4, (void *)&a4, sizeof(a4)) || bind(t6, (void *)&a6, sizeof(a6)) ||
	    listen(t4, 4) || listen(t6, 4))
		return 21;
	if (write(ready_fd, "r", 1) != 1)
		return 22;
	while (done < tcp_conns || got_udp < UDP4_N + UDP6_N) {
		struct pollfd p[4] = { { u4, POLLIN, 0 }, { u6, POLLIN, 0 }, { t4, POLLIN, 0 }, { t6, POLLIN, 0 } };
		int i;

		/* idle while the test waits for quiet between the phases: a ceiling only a lost frame reaches */
		if (poll(p, 4, WAIT_MANY_MS) <= 0)
			return 23;
		for (i = 0; i < 2; i++)
			if (p[i].revents & POLLIN && recv(p[i].fd, buf, sizeof(buf), 0) > 0)
				got_udp++;
		for (i = 2; i < 4; i++)
			if (p[i].revents & POLLIN) {
				int c = accept(p[i].fd, NULL, NULL);

				if (c < 0)
					return 24;
				while (recv(c, buf, sizeof(buf), 0) > 0)
					;
				close(c);
				done++;
			}
	}
	return 0;
}

static int tcp_send(int family, const char *addr)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	char msg[TCP_MSG_LEN], buf[64];
	int s = socket(family, SOCK_STREAM, 0), one = 1, i;

	memset(msg, 'm', sizeof(msg));
	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(5001);
		inet_pton(AF_INET, addr, &a->sin_addr);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(5001);
		inet_pton(AF_INET6, addr, &a->sin6_addr);
		len = sizeof(*a);
	}
	setsockopt(s, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof(one));
	if (connect(s, (void *)&ss, len))
		return 30;
	for (i = 0; i < TCP_MSGS; i++)
		if (send(s, msg, sizeof(msg), 0) != (ssize_t)sizeof(msg))
			return 31;
	shutdown(s, SHUT_WR);
	while (recv(s, buf, sizeof(buf), 0) > 0)
		;
	close(s);
	return 0;
}

static int ping(int family, int n)
{
	int s = family == AF_INET ? socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)
				  : socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	unsigned char pkt[8 + PING_LEN];
	int i;

	if (s < 0)
		return 40;
	for (i = 0; i < n; i++) {
		memset(pkt, 0, sizeof(pkt));
		pkt[0] = family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
		pkt[6] = (unsigned char)i;
		if (family == AF_INET) {
			struct sockaddr_in a = { .sin_family = AF_INET };
			unsigned long sum = 0;
			size_t k;

			for (k = 0; k < sizeof(pkt); k += 2)
				sum += (unsigned long)(pkt[k] << 8 | pkt[k + 1]);
			while (sum >> 16)
				sum = (sum & 0xffff) + (sum >> 16);
			pkt[2] = (unsigned char)(~sum >> 8);
			pkt[3] = (unsigned char)~sum;
			inet_pton(AF_INET, "192.0.2.2", &a.sin_addr);
			if (sendto(s, pkt, sizeof(pkt), 0, (void *)&a, sizeof(a)) != (ssize_t)sizeof(pkt))
				return 41;
		} else {
			struct sockaddr_in6 a = { .sin6_family = AF_INET6 };

			/* the kernel fills in the ICMPv6 checksum on raw ICMPv6 sockets */
			inet_pton(AF_INET6, "2001:db8::2", &a.sin6_addr);
			if (sendto(s, pkt, sizeof(pkt), 0, (void *)&a, sizeof(a)) != (ssize_t)sizeof(pkt))
				return 42;
		}
	}
	close(s);
	return 0;
}

static int udp_send(int family, int n, size_t size)
{
	char payload[UDP6_LEN];
	int s = socket(family, SOCK_DGRAM, 0), i;

	memset(payload, 'u', sizeof(payload));
	for (i = 0; i < n; i++) {
		ssize_t r;

		if (family == AF_INET) {
			struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5000) };

			inet_pton(AF_INET, "192.0.2.2", &a.sin_addr);
			r = sendto(s, payload, size, 0, (void *)&a, sizeof(a));
		} else {
			struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(5000) };

			inet_pton(AF_INET6, "2001:db8::2", &a.sin6_addr);
			r = sendto(s, payload, size, 0, (void *)&a, sizeof(a));
		}
		if (r != (ssize_t)size)
			return 50;
	}
	close(s);
	return 0;
}

static int phase1(void *arg)
{
	(void)arg;
	return udp_send(AF_INET, UDP4_N, UDP4_LEN) ?: udp_send(AF_INET6, UDP6_N, UDP6_LEN) ?:
	       ping(AF_INET, PING4_N) ?: ping(AF_INET6, PING6_N) ?: tcp_send(AF_INET, "192.0.2.2");
}

static int phase2(void *arg)
{
	(void)arg;
	return tcp_send(AF_INET6, "2001:db8::2");
}

struct snmp {
	uint64_t tcp_in, tcp_out, udp_in, udp_out, icmp_in, icmp_out, udp6_in, udp6_out,
		 icmp6_in, icmp6_out;
};

static void snmp_read(const char *ns, struct snmp *s)
{
	s->tcp_in = snmp_get(ns, "Tcp", "InSegs");
	s->tcp_out = snmp_get(ns, "Tcp", "OutSegs");
	s->udp_in = snmp_get(ns, "Udp", "InDatagrams");
	s->udp_out = snmp_get(ns, "Udp", "OutDatagrams");
	s->icmp_in = snmp_get(ns, "Icmp", "InMsgs");
	s->icmp_out = snmp_get(ns, "Icmp", "OutMsgs");
	s->udp6_in = snmp_get(ns, "Udp6", "InDatagrams");
	s->udp6_out = snmp_get(ns, "Udp6", "OutDatagrams");
	s->icmp6_in = snmp_get(ns, "Icmp6", "InMsgs");
	s->icmp6_out = snmp_get(ns, "Icmp6", "OutMsgs");
}

#define K4(P) pc_key_make(PC_DIR_RX, PC_L3_IPV4, (P))
#define K6(P) pc_key_make(PC_DIR_RX, PC_L3_IPV6, (P))

/*
 * One side's counts against its namespace's SNMP counters.  IPv4 TCP ran
 * alone in phase 1 and IPv6 TCP alone in phase 2, so the shared Tcp MIB
 * splits by phase.
 */
static void check_side(const char *dev, const struct pc_counter *c, const struct snmp *s0,
		       const struct snmp *s1, const struct snmp *s2)
{
	const unsigned int tx = PC_NSLOTS;

	cr_expect_eq(c[K4(17)].packets, s2->udp_in - s0->udp_in, "%s rx ipv4 udp", dev);
	cr_expect_eq(c[tx + K4(17)].packets, s2->udp_out - s0->udp_out, "%s tx ipv4 udp", dev);
	cr_expect_eq(c[K6(17)].packets, s2->udp6_in - s0->udp6_in, "%s rx ipv6 udp", dev);
	cr_expect_eq(c[tx + K6(17)].packets, s2->udp6_out - s0->udp6_out, "%s tx ipv6 udp", dev);
	cr_expect_eq(c[K4(1)].packets, s2->icmp_in - s0->icmp_in, "%s rx icmp", dev);
	cr_expect_eq(c[tx + K4(1)].packets, s2->icmp_out - s0->icmp_out, "%s tx icmp", dev);
	cr_expect_eq(c[K6(58)].packets, s2->icmp6_in - s0->icmp6_in, "%s rx ipv6-icmp", dev);
	cr_expect_eq(c[tx + K6(58)].packets, s2->icmp6_out - s0->icmp6_out, "%s tx ipv6-icmp", dev);
	cr_expect_eq(c[K4(6)].packets, s1->tcp_in - s0->tcp_in, "%s rx ipv4 tcp %llu, InSegs %llu", dev,
		     (unsigned long long)c[K4(6)].packets, (unsigned long long)(s1->tcp_in - s0->tcp_in));
	cr_expect_eq(c[tx + K4(6)].packets, s1->tcp_out - s0->tcp_out, "%s tx ipv4 tcp", dev);
	cr_expect_eq(c[K6(6)].packets, s2->tcp_in - s1->tcp_in, "%s rx ipv6 tcp", dev);
	cr_expect_eq(c[tx + K6(6)].packets, s2->tcp_out - s1->tcp_out, "%s tx ipv6 tcp", dev);
}

/* Identical totals, key by key, from two modes that watched the same link. */
static void same_totals(const char *dev, const struct run_output *x, const struct run_output *y)
{
	char name[48];
	unsigned int k;
	int bad = 0;

	for (k = 0; k < PC_NKEYS; k++)
		if (x->totals[k].bytes != y->totals[k].bytes || x->totals[k].packets != y->totals[k].packets) {
			cr_log_error("%s %s: %s %llu/%llu, %s %llu/%llu", dev, frames_key_str(k, name, sizeof(name)),
				     x->mode, (unsigned long long)x->totals[k].bytes,
				     (unsigned long long)x->totals[k].packets, y->mode,
				     (unsigned long long)y->totals[k].bytes, (unsigned long long)y->totals[k].packets);
			bad++;
		}
	cr_expect_eq(bad, 0, "%s: %s and %s disagree on %d keys", dev, x->mode, y->mode, bad);
}

/* mode counts; also, when not NULL, counts the same links at the same time. */
static void stack_test(const char *mode, const char *also)
{
	struct pktcount_proc qa, qb;
	struct run_output sa, sb;
	struct snmp a0, a1, a2, b0, b1, b2;
	struct link_stats la0, la1, lb0, lb1;
	struct pktcount_proc pa, pb;
	struct run_output ra, rb;
	struct pc_counter s;
	int ready[2], st;
	pid_t srv;
	char c;
	const unsigned int tx = PC_NSLOTS;

	NEED_ROOT("network namespaces");
	topo_up(&topo, 1, 1);
	topo_wait_quiet(&topo, 1500, WAIT_MS);	/* MLD reports after the addresses came up */

	cr_assert_eq(pipe(ready), 0);
	srv = fork();
	cr_assert_geq(srv, 0);
	if (srv == 0) {
		if (join_netns(topo.b) < 0)
			_exit(19);
		_exit(server(ready[1], 2));
	}
	cr_assert_eq(read(ready[0], &c, 1), 1, "the server in %s did not start", topo.b);

	counting_start(&pa, topo.a, "va", mode);
	counting_start(&pb, topo.b, "vb", mode);
	if (also) {
		counting_start(&qa, topo.a, "va", also);
		counting_start(&qb, topo.b, "vb", also);
	}
	snmp_read(topo.a, &a0);
	snmp_read(topo.b, &b0);
	cr_assert_eq(link_stats(topo.a, "va", &la0), 0);
	cr_assert_eq(link_stats(topo.b, "vb", &lb0), 0);

	cr_assert_eq(in_netns(topo.a, phase1, NULL), 0, "phase 1 traffic failed");
	/* quiet: the stack's last segments (ACKs, FINs) are out, as they come when the stack decides */
	topo_wait_quiet(&topo, 500, WAIT_MS);
	snmp_read(topo.a, &a1);
	snmp_read(topo.b, &b1);
	cr_assert_eq(in_netns(topo.a, phase2, NULL), 0, "phase 2 traffic failed");
	cr_assert_eq(waitpid(srv, &st, 0), srv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "server exited %d", WEXITSTATUS(st));
	topo_wait_quiet(&topo, 500, WAIT_MS);
	snmp_read(topo.a, &a2);
	snmp_read(topo.b, &b2);
	cr_assert_eq(link_stats(topo.a, "va", &la1), 0);
	cr_assert_eq(link_stats(topo.b, "vb", &lb1), 0);
	wait_link_counted(&pa, "va", &la0, &la1);
	wait_link_counted(&pb, "vb", &lb0, &lb1);
	if (also) {
		wait_link_counted(&qa, "va", &la0, &la1);
		wait_link_counted(&qb, "vb", &lb0, &lb1);
	}
	counting_finish(&pa, "va", &ra, NULL, 0);
	counting_finish(&pb, "vb", &rb, NULL, 0);
	cr_expect_str_eq(ra.mode, mode_json(mode));
	if (also) {
		counting_finish(&qa, "va", &sa, NULL, 0);
		counting_finish(&qb, "vb", &sb, NULL, 0);
		cr_expect_str_eq(sa.mode, also);
		same_totals("va", &ra, &sa);
		same_totals("vb", &rb, &sb);
	}

	/* what the test itself sent, to the byte */
	cr_expect_eq(ra.totals[tx + K4(17)].packets, UDP4_N);
	cr_expect_eq(ra.totals[tx + K4(17)].bytes, UDP4_N * (14 + 20 + 8 + UDP4_LEN));
	cr_expect_eq(rb.totals[K6(17)].packets, UDP6_N);
	cr_expect_eq(rb.totals[K6(17)].bytes, UDP6_N * (14 + 40 + 8 + UDP6_LEN));
	cr_expect_eq(rb.totals[K4(1)].bytes, PING4_N * (14 + 20 + 8 + PING_LEN));
	cr_expect_eq(ra.totals[K4(1)].bytes, PING4_N * (14 + 20 + 8 + PING_LEN), "echo replies");
	cr_expect_geq(ra.totals[tx + K4(6)].packets, 5, "a TCP connection is at least 5 segments");

	/* per protocol, the namespaces' own SNMP counters */
	check_side("va", ra.totals, &a0, &a1, &a2);
	check_side("vb", rb.totals, &b0, &b1, &b2);

	/* in sum, the interfaces' own counters, both ends, both ways */
	s = dir_sum(ra.totals, PC_DIR_TX);
	cr_expect_eq(s.bytes, la1.tx_bytes - la0.tx_bytes, "va tx bytes");
	cr_expect_eq(s.packets, la1.tx_packets - la0.tx_packets, "va tx packets");
	s = dir_sum(ra.totals, PC_DIR_RX);
	cr_expect_eq(s.bytes, la1.rx_bytes - la0.rx_bytes, "va rx bytes");
	cr_expect_eq(s.packets, la1.rx_packets - la0.rx_packets, "va rx packets");
	s = dir_sum(rb.totals, PC_DIR_RX);
	cr_expect_eq(s.bytes, lb1.rx_bytes - lb0.rx_bytes, "vb rx bytes %llu, kernel %llu",
		     (unsigned long long)s.bytes, (unsigned long long)(lb1.rx_bytes - lb0.rx_bytes));
	cr_expect_eq(s.packets, lb1.rx_packets - lb0.rx_packets, "vb rx packets");
	s = dir_sum(rb.totals, PC_DIR_TX);
	cr_expect_eq(s.bytes, lb1.tx_bytes - lb0.tx_bytes, "vb tx bytes");
	cr_expect_eq(s.packets, lb1.tx_packets - lb0.tx_packets, "vb tx packets");
	close(ready[0]);
	close(ready[1]);
}

Test(live, ebpf_stack_traffic, .fini = down, .timeout = 90)
{
	stack_test("ebpf", NULL);
}

Test(live, classic_stack_traffic, .fini = down, .timeout = 90)
{
	stack_test("classic", NULL);
}

/* Both modes on the same links at once: the same JSON totals, key by key. */
Test(live, ebpf_and_classic_agree, .fini = down, .timeout = 90)
{
	stack_test("ebpf", "classic");
}

/* tc mode, tcx where the kernel has it, and through clsact: the socket's totals, key by key */
Test(live, tc_and_ebpf_agree, .fini = down, .timeout = 90)
{
	stack_test("tc", "ebpf");
}

Test(live, tc_clsact_and_ebpf_agree, .fini = down, .timeout = 90)
{
	stack_test("tc:clsact", "ebpf");
}

Test(live, pcap_stack_traffic_agrees_with_ebpf, .fini = down, .timeout = 90)
{
	if (!mode_built_in("pcap"))
		cr_skip_test("this pktcount was built without libpcap");
	stack_test("pcap", "ebpf");
}

/* ---- lo: every packet seen once each way ---- */

#define LO_N 6
#define LO_LEN 50

static int lo_traffic(void *arg)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(6000) };
	char payload[LO_LEN] = { 0 }, buf[256];
	int r = socket(AF_INET, SOCK_DGRAM, 0), s = socket(AF_INET, SOCK_DGRAM, 0), i;

	(void)arg;
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (bind(r, (void *)&a, sizeof(a)))
		return 60;
	for (i = 0; i < LO_N; i++)
		if (sendto(s, payload, sizeof(payload), 0, (void *)&a, sizeof(a)) != LO_LEN ||
		    recv(r, buf, sizeof(buf), 0) != LO_LEN)
			return 61;
	return 0;
}

Test(live, ebpf_lo_both_directions, .fini = down, .timeout = 60)
{
	struct pktcount_proc p;
	struct run_output r;
	struct link_stats l0, l1;
	const unsigned int k = K4(17);
	const uint64_t frame = 14 + 20 + 8 + LO_LEN;
	struct pc_counter rx, tx;

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	counting_start(&p, topo.a, "lo", "ebpf");
	cr_assert_eq(link_stats(topo.a, "lo", &l0), 0);
	cr_assert_eq(in_netns(topo.a, lo_traffic, NULL), 0);
	cr_assert_eq(link_stats(topo.a, "lo", &l1), 0);
	wait_link_counted(&p, "lo", &l0, &l1);
	counting_finish(&p, "lo", &r, NULL, 0);
	cr_expect_eq(r.totals[k].packets, LO_N, "rx on lo");
	cr_expect_eq(r.totals[k].bytes, LO_N * frame);
	cr_expect_eq(r.totals[PC_NSLOTS + k].packets, LO_N, "tx on lo");
	cr_expect_eq(r.totals[PC_NSLOTS + k].bytes, LO_N * frame);
	/*
	 * lo counts after eth_type_trans() has pulled the 14-byte header
	 * (drivers/net/loopback.c, loopback_xmit): its bytes are ours less 14
	 * a packet.  Packets agree.
	 */
	rx = dir_sum(r.totals, PC_DIR_RX);
	tx = dir_sum(r.totals, PC_DIR_TX);
	cr_expect_eq(rx.packets, l1.rx_packets - l0.rx_packets);
	cr_expect_eq(tx.packets, l1.tx_packets - l0.tx_packets);
	cr_expect_eq(rx.bytes - 14 * rx.packets, l1.rx_bytes - l0.rx_bytes, "lo rx %llu, kernel %llu",
		     (unsigned long long)rx.bytes, (unsigned long long)(l1.rx_bytes - l0.rx_bytes));
	cr_expect_eq(tx.bytes - 14 * tx.packets, l1.tx_bytes - l0.tx_bytes, "lo tx %llu, kernel %llu",
		     (unsigned long long)tx.bytes, (unsigned long long)(l1.tx_bytes - l0.tx_bytes));
}

/* ---- interfaces that come and go ---- */

#define FOLLOW_N 25

static struct known_traffic udp_va = { "va", FOLLOW_N, 0, 0 }, udp_vd = { "vd", FOLLOW_N, 0, 0 };


static int count_str(const char *s, const char *what)
{
	int n = 0;

	for (; (s = strstr(s, what)); s += strlen(what))
		n++;
	return n;
}

/*
 * The veth deleted and made again three times while pktcount counts on vb:
 * the totals are everything sent, and the JSON says each detach and attach.
 */
static void follow_test(const char *mode)
{
	const char *argv[] = { "-j", "-i", "0.1", "-m", mode, "vb", NULL };
	const unsigned int udp = pc_key_make(PC_DIR_RX, PC_L3_IPV4, 17);
	struct pktcount_proc p;
	struct run_output r;
	char err[256];
	int k;

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0);
	for (k = 0; k < 4; k++) {
		cr_assert_eq(in_netns(topo.a, send_known_traffic, &udp_va), 0, "sending, round %d", k);
		/* counted before the interface goes: a deleted device's backlog is dropped */
		pktcount_wait_counted(&p, "vb", (int)udp, (uint64_t)(k + 1) * FOLLOW_N, WAIT_MS);
		if (k == 3)
			break;
		topo_unlink(&topo);
		cr_assert_eq(pktcount_wait_for(&p, "\"event\":\"detached\"", k + 1, WAIT_MS), 0,
			     "no detach event, round %d:\n%s", k, p.out);
		topo_relink(&topo);	/* and both ends UP */
		cr_assert_eq(pktcount_wait_for(&p, "\"event\":\"attached\"", k + 1, WAIT_MS), 0,
			     "no attach event, round %d:\n%s", k, p.out);
	}
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "exit %d: %s", p.status, p.err);
	cr_expect_eq(count_str(p.out, "\"event\":\"detached\""), 3, "%s", p.out);
	cr_expect_eq(count_str(p.out, "\"event\":\"attached\""), 3);
	/* parse_output skips event records: they are no interval or total */
	cr_assert_eq(parse_output(p.out, "vb", &r, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(r.totals[udp].packets, 4 * FOLLOW_N, "%s: %llu of %d frames", mode,
		     (unsigned long long)r.totals[udp].packets, 4 * FOLLOW_N);
	cr_expect_eq(r.totals[udp].bytes, 4 * FOLLOW_N * 60);
	cr_expect_str_eq(r.mode, mode);
	free(p.out);
	free(p.err);
}

/*
 * Frames sent, and the interface deleted at once: those still in a ring
 * block the kernel hands over only at its retire timer (classic, 10 ms)
 * or in libpcap's buffer are counted all the same.
 */
static void delete_at_once_test(const char *mode)
{
	const char *argv[] = { "-j", "-i", "0.1", "-m", mode, "vb", NULL };
	const unsigned int udp = pc_key_make(PC_DIR_RX, PC_L3_IPV4, 17);
	struct pktcount_proc p;
	struct run_output r;
	char err[256];

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0);
	cr_assert_eq(in_netns(topo.a, send_known_traffic, &udp_va), 0);
	topo_unlink(&topo);
	cr_assert_eq(pktcount_wait_for(&p, "\"event\":\"detached\"", 1, WAIT_MS), 0, "no detach event:\n%s", p.out);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "exit %d: %s", p.status, p.err);
	cr_assert_eq(parse_output(p.out, "vb", &r, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(r.totals[udp].packets, FOLLOW_N, "%s: %llu of %d frames", mode,
		     (unsigned long long)r.totals[udp].packets, FOLLOW_N);
	free(p.out);
	free(p.err);
}

Test(live, classic_counts_frames_sent_just_before_a_delete, .fini = down, .timeout = 60)
{
	delete_at_once_test("classic");
}

Test(live, pcap_counts_frames_sent_just_before_a_delete, .fini = down, .timeout = 60)
{
	if (!mode_built_in("pcap"))
		cr_skip_test("this pktcount was built without libpcap");
	delete_at_once_test("pcap");
}

Test(live, ebpf_follows_a_deleted_interface, .fini = down, .timeout = 90)
{
	follow_test("ebpf");
}

Test(live, tc_follows_a_deleted_interface, .fini = down, .timeout = 90)
{
	follow_test("tc");
}

Test(live, classic_follows_a_deleted_interface, .fini = down, .timeout = 90)
{
	follow_test("classic");
}

Test(live, pcap_follows_a_deleted_interface, .fini = down, .timeout = 90)
{
	if (!mode_built_in("pcap"))
		cr_skip_test("this pktcount was built without libpcap");
	follow_test("pcap");
}

/*
 * Down and up again: counting goes on, nothing sent while down is claimed.
 * -v: classic and pcap, which read the socket, say when they saw vb go down
 * ("vb: Network is down"); in eBPF mode the kernel alone counts.
 */
Test(live, down_and_up, .fini = down, .timeout = 60)
{
	const char *argv[] = { "-v", "-j", "-i", "0.1", "-m", "classic", "vb", NULL };
	const unsigned int udp = pc_key_make(PC_DIR_RX, PC_L3_IPV4, 17);
	static const char *const modes[] = { "ebpf", "classic", "pcap" };
	struct pktcount_proc p[3];
	struct run_output r;
	char err[256];
	int i, n = mode_built_in("pcap") ? 3 : 2;

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	for (i = 0; i < n; i++) {
		argv[5] = modes[i];
		cr_assert_eq(pktcount_start(&p[i], topo.b, argv), 0);
		cr_assert_eq(pktcount_wait_line(&p[i], WAIT_MS), 0);
	}
	cr_assert_eq(in_netns(topo.a, send_known_traffic, &udp_va), 0);
	for (i = 0; i < n; i++)
		pktcount_wait_counted(&p[i], "vb", (int)udp, FOLLOW_N, WAIT_MS);
	sh_ok("ip -n %s link set vb down", topo.b);
	/* the kernel unhooked every socket of vb at once; the modes that read it say when they saw it */
	for (i = 1; i < n; i++)
		cr_assert_eq(pktcount_wait_err(&p[i], "vb: Network is down", 1, WAIT_MS), 0,
			     "-m %s never saw vb go down: %s", modes[i], p[i].err ? p[i].err : "");
	sh_ok("ip -n %s link set vb up", topo.b);
	topo_wait_up(&topo);
	cr_assert_eq(in_netns(topo.a, send_known_traffic, &udp_va), 0);
	for (i = 0; i < n; i++)
		pktcount_wait_counted(&p[i], "vb", (int)udp, 2 * FOLLOW_N, WAIT_MS);
	for (i = 0; i < n; i++) {
		cr_assert_eq(pktcount_finish(&p[i], SIGTERM, WAIT_MS), 0, "exit %d: %s", p[i].status, p[i].err);
		cr_assert_eq(parse_output(p[i].out, "vb", &r, err, sizeof(err)), 0, "%s", err);
		cr_expect_eq(r.totals[udp].packets, 2 * FOLLOW_N, "%s: %llu", r.mode,
			     (unsigned long long)r.totals[udp].packets);
		free(p[i].out);
		free(p[i].err);
	}
}


/* -a: an interface that appears while counting is counted from then on. */
Test(live, all_picks_up_new_interfaces, .fini = down, .timeout = 60)
{
	const char *argv[] = { "-a", "-j", "-i", "0.1", NULL };
	const unsigned int udp = pc_key_make(PC_DIR_RX, PC_L3_IPV4, 17);
	struct pktcount_proc p;
	struct run_output r;
	char err[256], want[128];

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0);
	sh_ok("ip -n %s link add vd type veth peer name vc netns %s && ip -n %s link set vd up && "
	      "ip -n %s link set vc up", topo.a, topo.b, topo.a, topo.b);
	snprintf(want, sizeof(want), "\"iface\":\"vc\",\"mode\":\"ebpf\",\"unit\":\"%s\",\"event\":\"attached\"",
		 unit_of("ebpf"));
	cr_assert_eq(pktcount_wait_for(&p, want, 1, WAIT_MS), 0, "%s", p.out);
	/* IPv6 is off: nothing else crosses vc; vd carries frames once both ends are UP */
	wait_links_up(topo.a, "vd", 1, WAIT_MS);
	wait_links_up(topo.b, "vc", 1, WAIT_MS);
	cr_assert_eq(in_netns(topo.a, send_known_traffic, &udp_vd), 0);
	pktcount_wait_counted(&p, "vc", (int)udp, FOLLOW_N, WAIT_MS);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "exit %d: %s", p.status, p.err);
	cr_assert_eq(parse_output(p.out, "vc", &r, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(r.totals[udp].packets, FOLLOW_N);
	cr_expect_eq(r.totals[udp].bytes, FOLLOW_N * 60);
	free(p.out);
	free(p.err);
}

/* ---- classic mode's ring: its size is resident memory, decided at open ---- */

#define RING_EXTRA 99	/* veth pairs besides va/vb: with lo and vb, 101 interfaces in b */

/* The packet socket mappings of pid (socket:[...] in smaps): how many, and each one's Rss. */
static int ring_mappings(pid_t pid, unsigned long *rss_kb, int max)
{
	char path[64], line[512];
	int n = 0, in_socket = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long kb;

		if (strchr(line, '-') && strchr(line, ' ') && strchr(line, '-') < strchr(line, ' '))
			in_socket = strstr(line, " socket:[") != NULL;
		else if (in_socket && sscanf(line, "Rss: %lu kB", &kb) == 1 && n < max)
			rss_kb[n++] = kb;
	}
	fclose(f);
	return n;
}

static int ifaces_in(const char *ns)
{
	char cmd[128];
	int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip -n %s -o link show | wc -l", ns);
	f = popen(cmd, "r");
	cr_assert_not_null(f, "%s", cmd);
	cr_assert_eq(fscanf(f, "%d", &n), 1, "%s: no number", cmd);
	pclose(f);
	return n;
}

/*
 * The default ring for nif interfaces, from /proc/meminfo (docs/modes.md, --ring-size:
 * 1/128 of the memory over the interfaces, 256 KiB to 4 MiB, whole 32 KiB blocks).
 */
static unsigned long default_ring_kb(int nif)
{
	unsigned long long mem_kb = 0, share;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) && sscanf(line, "MemTotal: %llu kB", &mem_kb) != 1)
		;
	fclose(f);
	cr_assert_gt(mem_kb, 0);
	share = mem_kb * 1024 / 128 / (unsigned int)nif;
	share = share < (256 << 10) ? (256 << 10) : share > (4 << 20) ? (4 << 20) : share;
	return (unsigned long)(((share + (32 << 10) - 1) & ~((32ull << 10) - 1)) >> 10);
}

/* pktcount -m classic -a in b: every interface's ring mapping holds exactly want_kb resident */
static void ring_rss(const char *ring_size, unsigned long want_kb)
{
	const char *argv[] = { "-m", "classic", "-a", "-j", "-i", "0.5", NULL, NULL, NULL };
	static unsigned long rss[4 * (RING_EXTRA + 2)];
	struct pktcount_proc p;
	unsigned long total = 0;
	int n, i, nif = ifaces_in(topo.b);

	if (ring_size) {
		argv[6] = "--ring-size";
		argv[7] = ring_size;
	}
	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	cr_assert_eq(pktcount_wait_line(&p, WAIT_MANY_MS), 0, "pktcount -a printed nothing");
	n = ring_mappings(p.pid, rss, (int)(sizeof(rss) / sizeof(rss[0])));
	for (i = 0; i < n; i++) {
		cr_expect_eq(rss[i], want_kb, "ring %d of %d: Rss %lu kB, want %lu", i, n, rss[i], want_kb);
		total += rss[i];
	}
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MANY_MS), 0, "exit %d: %s", p.status, p.err);
	cr_expect_eq(n, nif, "%d ring mappings for %d interfaces", n, nif);
	cr_expect_eq(total, (unsigned long)nif * want_kb, "rings hold %lu kB, want %d x %lu kB",
		     total, nif, want_kb);
	cr_log_info("--ring-size %s: %d interfaces, %lu kB of rings resident",
		    ring_size ? ring_size : "(default)", nif, total);
	free(p.out);
	free(p.err);
}

Test(live, classic_ring_resident_memory, .fini = down, .timeout = 120)
{
	char path[64];
	FILE *f;
	int i;

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	snprintf(path, sizeof(path), "/tmp/pktcount-ring-%d.batch", (int)getpid());
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	for (i = 0; i < RING_EXTRA; i++)
		fprintf(f, "link add r%d type veth peer name s%d netns %s\n", i, i, topo.b);
	cr_assert_eq(fclose(f), 0);
	sh_ok("ip -n %s -batch %s", topo.a, path);
	unlink(path);
	cr_assert_eq(ifaces_in(topo.b), RING_EXTRA + 2);
	ring_rss(NULL, default_ring_kb(RING_EXTRA + 2));
	ring_rss("1M", 1024);
	ring_rss("100000", 128);	/* rounded up to whole 32 KiB blocks */
}

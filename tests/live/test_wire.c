// SPDX-License-Identifier: GPL-2.0
/*
 * The wire unit (docs/counting.md, "The unit") in the eBPF wire programs,
 * run by the kernel through BPF_PROG_TEST_RUN with the skb's gso_segs and
 * gso_size set from a struct __sk_buff (5.2+ test runs take them).
 *
 * Each GSO case is built header by header here, so the length of the
 * headers every segment repeats is known by construction, not computed by
 * any code of pktcount's: the expected bytes are the skb's length plus
 * (segments - 1) times that length, the expected packets the segments
 * (gso_segs, or for gso_segs 0 the payload over gso_size rounded up).
 *
 * The test run keeps data to about a page, so the super-packets here are
 * small (gso_size 100 to 700); the arithmetic does not care.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf.h"
#include "lib/counting.h"
#include "lib/frames.h"
#include "lib/load.h"
#include "lib/netns.h"
#include "lib/proc.h"
#include "lib/records.h"
#include "lib/sh.h"
#include "lib/wait.h"

struct gso_case {
	const char *name;
	uint8_t data[FRAME_MAX];
	uint32_t len;		/* the frame */
	uint32_t hdr;		/* the headers each segment carries, by construction */
	uint32_t gso_size, gso_segs;
	unsigned int key;
	uint64_t packets, bytes;	/* expected */
};

struct b {
	uint8_t *p;
	uint32_t len;
};

static void put8(struct b *b, uint8_t v) { b->p[b->len++] = v; }
static void put16(struct b *b, uint16_t v) { put8(b, (uint8_t)(v >> 8)); put8(b, (uint8_t)v); }
static void fill(struct b *b, uint32_t n, uint8_t v) { memset(b->p + b->len, v, n); b->len += n; }

static void eth(struct b *b, uint16_t et)
{
	fill(b, 12, 0x02);
	put16(b, et);
}

/* IPv4 with ihl 32-bit words of header (5 = no options) */
static void ipv4(struct b *b, uint8_t proto, unsigned int ihl)
{
	put8(b, (uint8_t)(0x40 | ihl));
	fill(b, 8, 0);
	put8(b, proto);
	fill(b, ihl * 4 - 10, 0x01);	/* checksum, addresses, options (NOPs) */
}

static void ipv6(struct b *b, uint8_t nh)
{
	put8(b, 0x60);
	fill(b, 5, 0);
	put8(b, nh);
	fill(b, 33, 0x20);
}

/* hop-by-hop, routing or destination options of (hdrlen + 1) * 8 bytes */
static void ext6(struct b *b, uint8_t nh, uint8_t hdrlen)
{
	put8(b, nh);
	put8(b, hdrlen);
	fill(b, (hdrlen + 1u) * 8 - 2, 0x01);
}

/* a TCP header of doff 32-bit words */
static void tcp(struct b *b, unsigned int doff)
{
	fill(b, 12, 0x33);
	put8(b, (uint8_t)(doff << 4));
	fill(b, doff * 4 - 13, 0x01);
}

static void udp(struct b *b)
{
	fill(b, 8, 0x44);
}

/* Finish a case: payload bytes after the headers built so far. */
static void finish(struct gso_case *c, struct b *b, uint32_t payload, uint32_t gso_size,
		   uint32_t gso_segs, unsigned int key)
{
	uint32_t segs;

	c->hdr = b->len;
	fill(b, payload, 0xab);
	c->len = b->len;
	c->gso_size = gso_size;
	c->gso_segs = gso_segs;
	c->key = key;
	segs = !gso_size ? 1 : gso_segs ? gso_segs
		: c->len > c->hdr ? (c->len - c->hdr + gso_size - 1) / gso_size : 1;
	c->packets = segs;
	c->bytes = c->len + (uint64_t)(segs - 1) * c->hdr;
}

#define RX(L3, P) pc_key_make(PC_DIR_RX, PC_L3_##L3, (P))

static size_t build(struct gso_case *t)
{
	size_t n = 0;
	struct b b;

#define START(NAME) (t[n].name = (NAME), b = (struct b){ t[n].data, 0 })
	/* TCP over IPv4, timestamps (doff 8): 6 full segments of 448 */
	START("ipv4 tcp doff 8, 6 full segments");
	eth(&b, 0x0800);
	ipv4(&b, 6, 5); tcp(&b, 8); finish(&t[n++], &b, 6 * 448, 448, 6, RX(IPV4, 6));
	/* IP options and a short last segment */
	START("ipv4 ihl 7 tcp doff 5, last segment short");
	eth(&b, 0x0800);
	ipv4(&b, 6, 7); tcp(&b, 5); finish(&t[n++], &b, 2 * 700 + 13, 700, 3, RX(IPV4, 6));
	/* one 802.1Q tag in the frame: it is in every segment's headers */
	START("vlan ipv4 tcp");
	eth(&b, 0x8100); put16(&b, 7); put16(&b, 0x0800);
	ipv4(&b, 6, 5); tcp(&b, 8); finish(&t[n++], &b, 5 * 300, 300, 5, RX(IPV4, 6));
	/* QinQ */
	START("qinq ipv4 tcp");
	eth(&b, 0x88a8); put16(&b, 7); put16(&b, 0x8100);
	put16(&b, 8); put16(&b, 0x0800);
	ipv4(&b, 6, 5); tcp(&b, 5); finish(&t[n++], &b, 4 * 500, 500, 4, RX(IPV4, 6));
	/* UDP GSO over IPv4: 8 bytes of UDP header a segment */
	START("ipv4 udp gso");
	eth(&b, 0x0800);
	ipv4(&b, 17, 5); udp(&b); finish(&t[n++], &b, 7 * 400 - 100, 400, 7, RX(IPV4, 17));
	/* TCP over IPv6 */
	START("ipv6 tcp doff 8");
	eth(&b, 0x86dd);
	ipv6(&b, 6); tcp(&b, 8); finish(&t[n++], &b, 8 * 300, 300, 8, RX(IPV6, 6));
	/* IPv6 with hop-by-hop and destination options before TCP */
	START("ipv6 hbh dstopts tcp");
	eth(&b, 0x86dd);
	ipv6(&b, 0); ext6(&b, 60, 0); ext6(&b, 6, 2); tcp(&b, 5);
	finish(&t[n++], &b, 3 * 600, 600, 3, RX(IPV6, 6));
	/* IPv6 routing header before UDP GSO */
	START("ipv6 routing udp gso");
	eth(&b, 0x86dd);
	ipv6(&b, 43); ext6(&b, 17, 4); udp(&b); finish(&t[n++], &b, 5 * 500, 500, 5, RX(IPV6, 17));
	/* SKB_GSO_DODGY: gso_segs 0 until segmented; the payload over gso_size, rounded up */
	START("dodgy ipv4 tcp, gso_segs 0");
	eth(&b, 0x0800);
	ipv4(&b, 6, 5); tcp(&b, 8); finish(&t[n++], &b, 2000, 448, 0, RX(IPV4, 6));
	START("dodgy ipv6 udp, gso_segs 0, exact multiple");
	eth(&b, 0x86dd);
	ipv6(&b, 17); udp(&b); finish(&t[n++], &b, 1200, 400, 0, RX(IPV6, 17));
	/* not GSO: gso_size 0 is one packet, whatever gso_segs says */
	START("gso_size 0");
	eth(&b, 0x0800);
	ipv4(&b, 6, 5); tcp(&b, 5); finish(&t[n++], &b, 1000, 0, 1, RX(IPV4, 6));
	START("gso_size 0, gso_segs 0 (a received skb GRO left alone)");
	eth(&b, 0x86dd);
	ipv6(&b, 17); udp(&b); finish(&t[n++], &b, 1000, 0, 0, RX(IPV6, 17));
#undef START
	return n;
}

/*
 * The same case as a device with no link header sees it (tun, ppp,
 * wireguard): the Ethernet header gone, skb->protocol its ethertype.
 */
static int as_raw(const struct gso_case *c, struct gso_case *r)
{
	uint16_t et = (uint16_t)(c->data[12] << 8 | c->data[13]);

	if (et != 0x0800 && et != 0x86dd)
		return 0;	/* tags: a raw device has none */
	*r = *c;
	memcpy(r->data, c->data + 14, c->len - 14);
	r->len = c->len - 14;
	r->hdr = c->hdr - 14;
	r->bytes = r->len + (r->packets - 1) * r->hdr;
	return et;
}

/*
 * A breakdown program (--by host) put the case's wire counts in one entry
 * too: rx, in entry map 0, which is emptied for the next case.
 */
static int by_entry_is(const struct loaded *l, const struct gso_case *c)
{
	struct pc_counter rx;
	int n = by_entries_take(l, &rx, NULL);

	cr_assert_geq(n, 0, "%s: %s", c->name, strerror(-n));
	if (n == 1 && rx.bytes == c->bytes && rx.packets == c->packets)
		return 0;
	cr_log_error("%s: --by host: %d entries, +%llu bytes +%llu packets, want 1 entry, +%llu +%llu", c->name, n,
		     (unsigned long long)rx.bytes, (unsigned long long)rx.packets, (unsigned long long)c->bytes,
		     (unsigned long long)c->packets);
	return 1;
}

/* How a GSO case went; 0 when the program counted it exactly. */
static int run_case(const struct loaded *l, const struct gso_case *c, uint16_t raw_protocol,
		    struct pc_counter *before, struct pc_counter *after)
{
	struct __sk_buff ctx;
	uint8_t in[14 + FRAME_MAX] = { [12] = 0x88, [13] = 0xb5 };
	uint32_t retval = 1;
	unsigned int k;
	int bad = 0;

	/* behind the dummy header the test run pulls (tests/live/test_prog.c), whose
	 * ethertype becomes skb->protocol for a raw program */
	if (raw_protocol) {
		in[12] = (uint8_t)(raw_protocol >> 8);
		in[13] = (uint8_t)raw_protocol;
	}
	memcpy(in + 14, c->data, c->len);
	memset(&ctx, 0, sizeof(ctx));
	ctx.gso_size = c->gso_size;
	ctx.gso_segs = c->gso_segs;
	cr_assert_eq(pc_bpf_prog_test_run(l->prog_fd, in, 14 + c->len, &ctx, &retval), 0,
		     "%s: test run: %s", c->name, strerror(errno));
	cr_assert_eq(map_snapshot(l, after), 0);
	for (k = 0; k < PC_NKEYS; k++) {
		uint64_t db = after[k].bytes - before[k].bytes, dp = after[k].packets - before[k].packets;
		char got[48];

		if (k != c->key && !db && !dp)
			continue;
		if (k != c->key || dp != c->packets || db != c->bytes) {
			cr_log_error("%s (%u bytes, %u of headers, gso_size %u, gso_segs %u): %s +%llu bytes +%llu packets, want +%llu +%llu",
				     c->name, c->len, c->hdr, c->gso_size, c->gso_segs,
				     frames_key_str(k, got, sizeof(got)), (unsigned long long)db,
				     (unsigned long long)dp, (unsigned long long)c->bytes,
				     (unsigned long long)c->packets);
			bad = 1;
		}
	}
	if (retval != 0) {
		cr_log_error("%s: returned %u, want 0", c->name, retval);
		bad = 1;
	}
	memcpy(before, after, sizeof(struct pc_counter) * PC_NKEYS);
	if (l->by_fds[0] >= 0)
		bad |= by_entry_is(l, c);
	return bad;
}

static void run_all(struct pc_variant v)
{
	static struct gso_case t[32], raw;
	static struct pc_counter before[PC_NKEYS], after[PC_NKEYS];
	struct loaded l;
	char err[4096];
	size_t n = build(t), i, ran = 0, failed = 0;
	int r;

	NEED_ROOT("BPF_PROG_TEST_RUN");
	r = prog_load(&v, &l, err, sizeof(err));
	cr_assert_eq(r, 0, "the kernel refused %s (socket filters read gso_size since 5.7): %s",
		     variant_name(&v), err);
	cr_assert_eq(map_snapshot(&l, before), 0);
	if (l.by_fds[0] >= 0) {
		const uint32_t zero = 0, ctl[4] = { 0, PC_BY_HOST, 0, 0 };

		cr_assert_eq(pc_bpf_map_update(l.by_fds[0], &zero, ctl, 0), 0);
	}
	for (i = 0; i < n; i++) {
		if (v.link == PC_LINK_ETH) {
			failed += (size_t)run_case(&l, &t[i], 0, before, after);
			ran++;
		} else if ((r = as_raw(&t[i], &raw)) != 0) {
			failed += (size_t)run_case(&l, &raw, (uint16_t)r, before, after);
			ran++;
		}
	}
	prog_unload(&l);
	cr_log_info("%s: %zu GSO cases, %zu wrong", variant_name(&v), ran, failed);
	cr_assert_geq(ran, 10, "only %zu cases ran", ran);
	cr_assert_eq(failed, 0, "%zu of %zu GSO cases counted wrong (see above)", failed, ran);
}

/* The wire variant of link, with a breakdown or not, at a socket */
#define WIRE(LINK, BY) variant_of(PC_LINK_##LINK, PC_CTR_PERCPU, PC_UNIT_WIRE, BY, PC_AT_SOCKET)

Test(wire, eth_gso_skbs_count_their_segments) { run_all(WIRE(ETH, 0)); }
Test(wire, raw_gso_skbs_count_their_segments) { run_all(WIRE(RAW, 0)); }
Test(wire, eth_breakdown_counts_the_segments) { run_all(WIRE(ETH, 1)); }
Test(wire, raw_breakdown_counts_the_segments) { run_all(WIRE(RAW, 1)); }

/* ---- live: TCP bulk transfers in namespaces this test makes and removes ---- */

#define BULK_BYTES (64u << 20)	/* at least 50 MiB, as the issue asks */
#define BULK_PORT 5002

static struct topo topo;

static void down(void)
{
	topo_down(&topo);
}

/* In the receiving namespace: take one connection, read it to the end. */
static int sink(int ready_fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(BULK_PORT) };
	int l = socket(AF_INET, SOCK_STREAM, 0), c, one = 1;
	static char buf[1 << 16];

	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 1))
		return 20;
	if (write(ready_fd, "r", 1) != 1)
		return 21;
	c = accept(l, NULL, NULL);
	if (c < 0)
		return 22;
	while (recv(c, buf, sizeof(buf), 0) > 0)
		;
	close(c);
	close(l);
	return 0;
}

/*
 * The payload bytes the sender's TCP put on the wire, retransmissions
 * included (tcpi_bytes_sent, 4.19+), shared with the child that sends.
 */
static uint64_t *bytes_sent;

/* In the sending namespace: BULK_BYTES to the sink at arg, then an orderly close. */
static int bulk(void *arg)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(BULK_PORT) };
	static char buf[1 << 16];
	struct tcp_info ti;
	socklen_t tlen = sizeof(ti);
	size_t sent = 0;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	memset(buf, 'w', sizeof(buf));
	inet_pton(AF_INET, arg, &a.sin_addr);
	if (s < 0 || connect(s, (void *)&a, sizeof(a)))
		return 30;
	while (sent < BULK_BYTES) {
		ssize_t n = send(s, buf, sizeof(buf), 0);

		if (n <= 0)
			return 31;
		sent += (size_t)n;
	}
	shutdown(s, SHUT_WR);
	while (recv(s, buf, sizeof(buf), 0) > 0)
		;
	if (getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &tlen) || tlen < offsetof(struct tcp_info, tcpi_bytes_retrans))
		return 32;
	*bytes_sent = ti.tcpi_bytes_sent;
	close(s);
	return 0;
}

/* A sink in ns, then BULK_BYTES to it from topo.a. */
static void transfer(const char *ns, const char *to)
{
	int ready[2], st;
	pid_t srv;
	char c;

	bytes_sent = mmap(NULL, sizeof(*bytes_sent), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(bytes_sent, MAP_FAILED);
	cr_assert_eq(pipe(ready), 0);
	srv = fork();
	cr_assert_geq(srv, 0);
	if (srv == 0) {
		if (join_netns(ns) < 0)
			_exit(19);
		_exit(sink(ready[1]));
	}
	cr_assert_eq(read(ready[0], &c, 1), 1, "the sink in %s did not start", ns);
	cr_assert_eq(in_netns(topo.a, bulk, (void *)to), 0, "the bulk transfer failed");
	cr_assert_eq(waitpid(srv, &st, 0), srv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the sink exited %d", WEXITSTATUS(st));
	close(ready[0]);
	close(ready[1]);
	/* quiet: the stack's last segments (ACKs, FIN) are out, as they come when the stack decides */
	topo_wait_quiet(&topo, 500, WAIT_MS);
}

#define TX(L3, P) pc_key_make(PC_DIR_TX, PC_L3_##L3, (P))

/* A namespace's TCP segment counters (/proc/net/snmp). */
struct tcp_mib {
	uint64_t out, retrans, in;
};

static void tcp_mib(const char *ns, struct tcp_mib *m)
{
	m->out = snmp_get(ns, "Tcp", "OutSegs");
	m->retrans = snmp_get(ns, "Tcp", "RetransSegs");
	m->in = snmp_get(ns, "Tcp", "InSegs");
}

/* Segments the sender put out between two readings, retransmissions included. */
static uint64_t segs_sent(const struct tcp_mib *a, const struct tcp_mib *b)
{
	return b->out - a->out + b->retrans - a->retrans;
}

/*
 * The bytes of a bulk transfer's segments, sender to sink, on the wire:
 * the payload the sender's TCP sent (retransmissions included), and each
 * segment's headers, Ethernet, IPv4 (20) and TCP with the options Linux
 * sends by default: timestamps on every segment (doff 8, 32 bytes), and on
 * the SYN MSS, SACK-permitted, timestamps and window scale (doff 10, 40).
 */
static uint64_t bulk_wire_bytes(uint64_t segments)
{
	cr_assert_geq(*bytes_sent, BULK_BYTES);
	return *bytes_sent + segments * (14 + 20 + 32) + (40 - 32);
}

/*
 * TSO on the sender.  A (va, TSO on as veth has it) sends through a router
 * R (vb in, vr out with TSO and GSO off) to C.  The tap on va sees the
 * stack's super-packets; R segments them in software on the way out, so
 * vr's own tx counters are the wire, segment by segment, and so are A's
 * Tcp OutSegs + RetransSegs.  eBPF on va must equal both; classic on va,
 * which counts skbs, must equal va's own (skb) counters and say "skb".
 */
static void same_keys(const char *what, const struct pc_counter *x, enum pc_dir dx,
		      const struct pc_counter *y, enum pc_dir dy);

/* tc mode beside the socket on one link: its totals, both directions, key by key */
static void tc_as_socket(const char *what, const struct run_output *rt, const struct run_output *re)
{
	char name[64];

	cr_expect_str_eq(rt->unit, re->unit, "%s: tc counts in %s units", what, rt->unit);
	snprintf(name, sizeof(name), "%s tx, tc against the socket", what);
	same_keys(name, rt->totals, PC_DIR_TX, re->totals, PC_DIR_TX);
	snprintf(name, sizeof(name), "%s rx, tc against the socket", what);
	same_keys(name, rt->totals, PC_DIR_RX, re->totals, PC_DIR_RX);
}

Test(wire, tso_sender_counts_the_segments, .fini = down, .timeout = 120)
{
	struct pktcount_proc pe, pc, pt;
	struct run_output re, rc, rt;
	struct link_stats va0, va1, vr0, vr1;
	struct tcp_mib m0, m1;
	struct pc_counter tx;

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	topo_third(&topo);
	sh_ok("ip -n %s link add vr address 02:00:00:00:0c:01 type veth peer name vc "
	      "address 02:00:00:00:0c:02 netns %s", topo.b, topo.c);
	sh_ok("ip netns exec %s ethtool -K vr tso off gso off >/dev/null", topo.b);
	sh_ok("ip -n %s addr add 198.51.100.1/24 dev va && ip -n %s route add default via 198.51.100.2 dev va",
	      topo.a, topo.a);
	sh_ok("ip -n %s addr add 198.51.100.2/24 dev vb && ip -n %s addr add 203.0.113.1/24 dev vr && "
	      "ip netns exec %s sysctl -qw net.ipv4.ip_forward=1", topo.b, topo.b, topo.b);
	sh_ok("ip -n %s addr add 203.0.113.2/24 dev vc && ip -n %s link set vc up && "
	      "ip -n %s link set vr up && ip -n %s route add default via 203.0.113.1 dev vc",
	      topo.c, topo.c, topo.b, topo.c);
	/* permanent neighbours: no ARP on any link, so every frame is the transfer's */
	sh_ok("ip -n %s neigh add 198.51.100.2 lladdr %s dev va nud permanent && "
	      "ip -n %s neigh add 198.51.100.1 lladdr %s dev vb nud permanent && "
	      "ip -n %s neigh add 203.0.113.2 lladdr 02:00:00:00:0c:02 dev vr nud permanent && "
	      "ip -n %s neigh add 203.0.113.1 lladdr 02:00:00:00:0c:01 dev vc nud permanent",
	      topo.a, topo.mac_b, topo.b, topo.mac_a, topo.b, topo.c);
	wait_links_up(topo.b, "vr", 1, WAIT_MS);
	wait_links_up(topo.c, "vc", 1, WAIT_MS);
	topo_wait_quiet(&topo, 300, WAIT_MS);

	counting_start(&pe, topo.a, "va", "ebpf");
	counting_start(&pc, topo.a, "va", "classic");
	counting_start(&pt, topo.a, "va", "tc");
	cr_assert_eq(link_stats(topo.a, "va", &va0), 0);
	cr_assert_eq(link_stats(topo.b, "vr", &vr0), 0);
	tcp_mib(topo.a, &m0);
	transfer(topo.c, "203.0.113.2");
	cr_assert_eq(link_stats(topo.a, "va", &va1), 0);
	cr_assert_eq(link_stats(topo.b, "vr", &vr1), 0);
	tcp_mib(topo.a, &m1);
	/* each tap counted what the kernel's counters say went by: segments (R's vr) or skbs (va's own) */
	pktcount_wait_counted(&pe, "va", COUNT_TX, vr1.tx_packets - vr0.tx_packets, WAIT_MS);
	pktcount_wait_counted(&pe, "va", COUNT_RX, va1.rx_packets - va0.rx_packets, WAIT_MS);
	pktcount_wait_counted(&pc, "va", COUNT_TX, va1.tx_packets - va0.tx_packets, WAIT_MS);
	pktcount_wait_counted(&pt, "va", COUNT_TX, vr1.tx_packets - vr0.tx_packets, WAIT_MS);
	counting_finish(&pe, "va", &re, NULL, 0);
	counting_finish(&pc, "va", &rc, NULL, 0);
	counting_finish(&pt, "va", &rt, NULL, 0);

	cr_log_info("va: %llu skbs sent (va's tx_packets), %llu segments (R's vr), OutSegs+RetransSegs %llu; "
		    "ebpf counted %llu packets %llu bytes, classic %llu packets",
		    (unsigned long long)(va1.tx_packets - va0.tx_packets),
		    (unsigned long long)(vr1.tx_packets - vr0.tx_packets),
		    (unsigned long long)segs_sent(&m0, &m1),
		    (unsigned long long)re.totals[TX(IPV4, 6)].packets,
		    (unsigned long long)re.totals[TX(IPV4, 6)].bytes,
		    (unsigned long long)rc.totals[TX(IPV4, 6)].packets);
	/* the test means something only if TSO made super-packets */
	cr_assert_lt(2 * (va1.tx_packets - va0.tx_packets), vr1.tx_packets - vr0.tx_packets,
		     "TSO made no super-packets on va: nothing to count in segments");

	cr_expect_str_eq(re.unit, "wire");
	tx = dir_sum(re.totals, PC_DIR_TX);
	cr_expect_eq(tx.packets, re.totals[TX(IPV4, 6)].packets, "va sent something besides TCP");
	cr_expect_eq(re.totals[TX(IPV4, 6)].packets, segs_sent(&m0, &m1), "tx packets against OutSegs + RetransSegs");
	cr_expect_eq(tx.packets, vr1.tx_packets - vr0.tx_packets, "tx packets against the segments R sent");
	cr_expect_eq(tx.bytes, vr1.tx_bytes - vr0.tx_bytes, "tx bytes %llu against the segments' bytes %llu",
		     (unsigned long long)tx.bytes, (unsigned long long)(vr1.tx_bytes - vr0.tx_bytes));
	cr_expect_eq(tx.bytes, bulk_wire_bytes(tx.packets), "tx bytes %llu against the payload and every segment's headers %llu",
		     (unsigned long long)tx.bytes, (unsigned long long)bulk_wire_bytes(tx.packets));
	/* the other direction: C's ACKs, one segment each */
	cr_expect_eq(re.totals[pc_key_make(PC_DIR_RX, PC_L3_IPV4, 6)].packets, m1.in - m0.in, "rx packets against InSegs");

	/* tc's egress sees the TSO skbs before the device: the same segments in wire units */
	tc_as_socket("va", &rt, &re);

	/* classic counts the skbs, and says so */
	cr_expect_str_eq(rc.unit, "skb");
	tx = dir_sum(rc.totals, PC_DIR_TX);
	cr_expect_eq(tx.packets, va1.tx_packets - va0.tx_packets, "classic: tx packets against va's own");
	cr_expect_eq(tx.bytes, va1.tx_bytes - va0.tx_bytes, "classic: tx bytes against va's own");
}

/* Key by key, the same counts on both ends of a link: x's dir_x as y's dir_y. */
static void same_keys(const char *what, const struct pc_counter *x, enum pc_dir dx,
		      const struct pc_counter *y, enum pc_dir dy)
{
	char name[48];
	unsigned int slot;
	int bad = 0;

	for (slot = 0; slot < PC_NSLOTS; slot++) {
		const struct pc_counter *a = &x[dx * PC_NSLOTS + slot], *b = &y[dy * PC_NSLOTS + slot];

		if (a->bytes == b->bytes && a->packets == b->packets)
			continue;
		cr_log_error("%s: %s %llu bytes %llu packets, other end %llu bytes %llu packets", what,
			     frames_key_str(slot, name, sizeof(name)), (unsigned long long)a->bytes,
			     (unsigned long long)a->packets, (unsigned long long)b->bytes,
			     (unsigned long long)b->packets);
		bad++;
	}
	cr_expect_eq(bad, 0, "%s: %d keys differ", what, bad);
}

/*
 * GRO on the receiver.  A sends with TSO and GSO off on va, so every skb
 * its tap sees is one wire segment; vb has GRO on (veth does GRO in NAPI
 * since 5.13 when its peer sends without TSO), so vb's tap sees merged
 * skbs.  vb's rx must equal va's tx key by key, and the kernel's counters
 * of the segments; classic on vb counts the merged skbs and says "skb".
 */
Test(wire, gro_receiver_counts_the_segments, .fini = down, .timeout = 120)
{
	struct pktcount_proc pa, pb, pc, pt;
	struct run_output ra, rb, rc, rt;
	struct link_stats va0, va1, vb0, vb1;
	struct tcp_mib m0, m1;
	struct pc_counter rx;
	const unsigned int rx_tcp = pc_key_make(PC_DIR_RX, PC_L3_IPV4, 6);

	NEED_ROOT("network namespaces");
	topo_up(&topo, 1, 0);
	sh_ok("ip netns exec %s ethtool -K va tso off gso off >/dev/null && "
	      "ip netns exec %s ethtool -K vb gro on >/dev/null", topo.a, topo.b);
	topo_wait_quiet(&topo, 300, WAIT_MS);

	counting_start(&pa, topo.a, "va", "ebpf");
	counting_start(&pb, topo.b, "vb", "ebpf");
	counting_start(&pc, topo.b, "vb", "classic");
	counting_start(&pt, topo.b, "vb", "tc");
	cr_assert_eq(link_stats(topo.a, "va", &va0), 0);
	cr_assert_eq(link_stats(topo.b, "vb", &vb0), 0);
	tcp_mib(topo.a, &m0);
	transfer(topo.b, "192.0.2.2");
	cr_assert_eq(link_stats(topo.a, "va", &va1), 0);
	cr_assert_eq(link_stats(topo.b, "vb", &vb1), 0);
	tcp_mib(topo.a, &m1);
	/* the taps in wire units counted the segments the kernel's counters saw (classic: skbs, settled at exit) */
	pktcount_wait_counted(&pa, "va", COUNT_TX, va1.tx_packets - va0.tx_packets, WAIT_MS);
	pktcount_wait_counted(&pb, "vb", COUNT_RX, vb1.rx_packets - vb0.rx_packets, WAIT_MS);
	pktcount_wait_counted(&pt, "vb", COUNT_RX, vb1.rx_packets - vb0.rx_packets, WAIT_MS);
	counting_finish(&pa, "va", &ra, NULL, 0);
	counting_finish(&pb, "vb", &rb, NULL, 0);
	counting_finish(&pc, "vb", &rc, NULL, 0);
	counting_finish(&pt, "vb", &rt, NULL, 0);

	cr_log_info("vb: %llu frames arrived (vb's rx_packets), ebpf counted %llu packets %llu bytes, "
		    "classic (skbs after GRO) %llu packets",
		    (unsigned long long)(vb1.rx_packets - vb0.rx_packets),
		    (unsigned long long)rb.totals[rx_tcp].packets, (unsigned long long)rb.totals[rx_tcp].bytes,
		    (unsigned long long)rc.totals[rx_tcp].packets);
	/* the test means something only if GRO merged */
	cr_assert_lt(2 * rc.totals[rx_tcp].packets, rb.totals[rx_tcp].packets,
		     "GRO merged nothing on vb: nothing to count in segments");

	cr_expect_str_eq(rb.unit, "wire");
	same_keys("vb rx against va tx", rb.totals, PC_DIR_RX, ra.totals, PC_DIR_TX);
	same_keys("va rx against vb tx", ra.totals, PC_DIR_RX, rb.totals, PC_DIR_TX);
	rx = dir_sum(rb.totals, PC_DIR_RX);
	/*
	 * The kernel's own counters: vb's rx_packets, and va's tx_packets (va
	 * sends without TSO or GSO: one skb a segment).  Not their bytes: a
	 * veth whose peer receives in NAPI mode counts bytes after
	 * eth_type_trans() pulled the Ethernet header (veth_xdp_rcv()), 14
	 * bytes a frame short (seen here: exactly 14 x the frames on va's tx).
	 */
	cr_expect_eq(rx.packets, vb1.rx_packets - vb0.rx_packets, "vb rx packets against vb's own");
	cr_expect_eq(rx.packets, va1.tx_packets - va0.tx_packets, "vb rx packets against va's own tx");
	cr_expect_eq(rb.totals[rx_tcp].bytes, bulk_wire_bytes(rb.totals[rx_tcp].packets),
		     "vb rx tcp bytes %llu against the payload and every segment's headers %llu",
		     (unsigned long long)rb.totals[rx_tcp].bytes,
		     (unsigned long long)bulk_wire_bytes(rb.totals[rx_tcp].packets));
	cr_expect_eq(ra.totals[TX(IPV4, 6)].packets, segs_sent(&m0, &m1), "va tx against OutSegs + RetransSegs");
	cr_expect_str_eq(rc.unit, "skb");
	/* tc's ingress sees the skbs GRO made, as the tap does */
	tc_as_socket("vb", &rt, &rb);
}

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
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf.h"
#include "frames.h"
#include "helpers.h"

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

/* How a GSO case went; 0 when the program counted it exactly. */
static int run_case(const struct loaded *l, const struct gso_case *c, uint16_t raw_protocol,
		    struct pc_counter *before, struct pc_counter *after)
{
	struct __sk_buff ctx;
	uint8_t in[14 + FRAME_MAX] = { [12] = 0x88, [13] = 0xb5 };
	uint32_t retval = 1;
	unsigned int k;
	int bad = 0;

	/* behind the dummy header the test run pulls (tests/test_prog.c), whose
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
	return bad;
}

static void run_all(enum pc_prog_id id)
{
	static struct gso_case t[32], raw;
	static struct pc_counter before[PC_NKEYS], after[PC_NKEYS];
	struct loaded l;
	char err[4096];
	size_t n = build(t), i, ran = 0, failed = 0;
	int r;

	NEED_ROOT("BPF_PROG_TEST_RUN");
	r = prog_load_with_map(id, &l, err, sizeof(err));
	cr_assert_eq(r, 0, "the kernel refused %s (socket filters read gso_size since 5.7): %s",
		     pc_progs[id].name, err);
	cr_assert_eq(map_snapshot(&l, before), 0);
	for (i = 0; i < n; i++) {
		if (id == PC_PROG_ETH_WIRE) {
			failed += (size_t)run_case(&l, &t[i], 0, before, after);
			ran++;
		} else if ((r = as_raw(&t[i], &raw)) != 0) {
			failed += (size_t)run_case(&l, &raw, (uint16_t)r, before, after);
			ran++;
		}
	}
	prog_unload(&l);
	cr_log_info("%s: %zu GSO cases, %zu wrong", pc_progs[id].name, ran, failed);
	cr_assert_geq(ran, 10, "only %zu cases ran", ran);
	cr_assert_eq(failed, 0, "%zu of %zu GSO cases counted wrong (see above)", failed, ran);
}

Test(wire, eth_gso_skbs_count_their_segments) { run_all(PC_PROG_ETH_WIRE); }
Test(wire, raw_gso_skbs_count_their_segments) { run_all(PC_PROG_RAW_WIRE); }

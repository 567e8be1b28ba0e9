// SPDX-License-Identifier: GPL-2.0
/*
 * Classes against a live tcpdump, compound expressions (issue 21, item 5).
 *
 * tests/live/test_class.c compares each class with libpcap one primitive at a
 * time.  Here a small seeded grammar over pcap-filter's primitives (vlan,
 * vlan N, mpls, pppoes, ip6 proto, icmp6[icmp6type], tcp[tcpflags], net,
 * portrange, less, greater, and, or, not, parentheses) makes a few hundred
 * expressions; for each, a live `tcpdump -i vb EXPR` runs beside pktcount's
 * classes in every mode (ebpf, classic, pcap and tc, all four at once) while
 * real captures (Wireshark's test captures: tests/captures.sh puts them in
 * build/captures) and generated frames (vlan, QinQ, mpls, pppoes, IPv6 with
 * extension headers, icmp6, tcp flags, fragments) cross a veth pair in two
 * namespaces of the test's own.  The frames and bytes each class counted
 * must equal what that tcpdump wrote, exactly.
 *
 * The truth is libpcap's live matcher on the live interface: tcpdump
 * compiles EXPR on vb and the kernel runs it on vb's packet socket, where
 * the kernel has moved each outer VLAN tag out of the frame
 * (skb_vlan_untag(), net/core/dev.c) and libpcap's live code reads it with
 * ancillary loads (gencode.c, gen_vlan_bpf_extensions()).  Its options do
 * not change what matches: -s 96 and -B 4096 only keep the ring small,
 * --immediate-mode hands each frame over at once (TPACKET_V2, no block
 * timeout), -U -w - writes each record as it comes.  A record's length is
 * the frame's with the moved-out tag put back (pcap-linux.c), as pktcount
 * counts bytes.
 *
 * Every wait is for an event.  The frames go out in chunks from one CPU
 * (so one backlog takes them in order), each chunk followed by a sentinel
 * frame of ethertype 0x88b5 that a packet socket bound to that ethertype
 * on vb receives: such a socket is served after every tap and tc's ingress
 * hook (__netif_receive_skb_core(): ptype_all, then sch_handle_ingress(),
 * then the protocol's handlers), so when it has the last sentinel, every
 * tcpdump's socket and every pktcount has been handed every frame.  Then
 * each tcpdump is asked its counts (SIGUSR1: "N packets received by
 * filter", the kernel's count of frames its filter kept) and read until it
 * has written that many records; each pktcount prints its totals on
 * SIGTERM after reading what its ring still holds.
 *
 * Half the batches run with vb's namespace's lo down, as `ip netns add`
 * leaves it: classes compiled as for a live device must not need lo.
 *
 * PKTCOUNT_CLASSDIFF_SEED picks another grammar seed (the default is
 * fixed); a mismatch prints the seed, the expression and both counts.
 */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>

#include "class_pcap.h"
#include "class.h"
#include "prog/build.h"
#include "pktcount.h"

#include "lib/frames.h"
#include "lib/netns.h"
#include "lib/proc.h"
#include "lib/sh.h"

#define SEED_DEFAULT	0x21005ULL	/* issue 21, item 5 */
#define NEXPRS		320
#define PER_CAPTURE	400		/* frames from one capture at most: no one capture drowns the rest */
#define NGENERATED	1200
#define CHUNK		250		/* frames between sentinels: far below a backlog's 1000 */
#define SENTINEL_TYPE	0x88b5
#define JUDGE_BUF	4096		/* tcpdump -B: KiB of ring, 16,000 slots of a 96-byte snap */
#define MAX_FRAME	65000

static const char *const modes[] = { "ebpf", "classic", "pcap", "tc" };
#define NMODES (sizeof(modes) / sizeof(modes[0]))

/* ---- a seeded generator (splitmix64) ---- */

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int pick(uint64_t *s, unsigned int n)
{
	return (unsigned int)(rnd(s) % n);
}

#define ONE_OF(S, ARR) ((ARR)[pick((S), sizeof(ARR) / sizeof((ARR)[0]))])

/* ---- the frames ---- */

struct wire {
	uint8_t *p;
	uint32_t len;
};

struct frames {
	struct wire *f;
	size_t n, cap, real;
	char source[256];
};

static void frames_add(struct frames *fs, const uint8_t *p, uint32_t len)
{
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? 2 * fs->cap : 1024;
		fs->f = realloc(fs->f, fs->cap * sizeof(*fs->f));
		cr_assert_not_null(fs->f);
	}
	fs->f[fs->n].p = malloc(len);
	cr_assert_not_null(fs->f[fs->n].p);
	memcpy(fs->f[fs->n].p, p, len);
	fs->f[fs->n++].len = len;
}

static void frames_free(struct frames *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->f[i].p);
	free(fs->f);
	memset(fs, 0, sizeof(*fs));
}

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static uint32_t rd32(const uint8_t *p, int swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/*
 * The Ethernet captures in dir (pcap files, as tests/captures.sh writes
 * them), in name order, PER_CAPTURE frames of each at most.  Wireshark's
 * captures have no VLAN tag, and the frames that matter here are tagged:
 * some of them are sent as a trunk would carry them, deterministically by
 * their place (every sixth with an 802.1Q tag, every thirteenth in QinQ).
 */
static void load_captures(struct frames *fs, const char *dir)
{
	static uint8_t buf[MAX_FRAME + 8];
	static const unsigned int vids[] = { 10, 20, 100 };
	struct dirent *de;
	char **names = NULL, path[4200];
	size_t nnames = 0, i;
	DIR *d = opendir(dir);
	FILE *f;

	cr_assert_not_null(d, "%s: %s: run `make captures` (tests/captures.sh fetches Wireshark's test captures "
			   "from Debian's wireshark source package)", dir, strerror(errno));
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l > 5 && !strcmp(de->d_name + l - 5, ".pcap")) {
			names = realloc(names, (nnames + 1) * sizeof(*names));
			cr_assert_not_null(names);
			names[nnames++] = strdup(de->d_name);
		}
	}
	closedir(d);
	cr_assert_gt(nnames, 0, "no capture in %s: run `make captures`", dir);
	qsort(names, nnames, sizeof(*names), name_cmp);
	snprintf(path, sizeof(path), "%s/SOURCE", dir);
	if ((f = fopen(path, "r"))) {
		if (!fgets(fs->source, sizeof(fs->source), f))
			fs->source[0] = 0;
		fs->source[strcspn(fs->source, "\n")] = 0;
		fclose(f);
	}
	for (i = 0; i < nnames; i++) {
		uint8_t gh[24], rh[16];
		unsigned int taken = 0;
		int swap;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		f = fopen(path, "r");
		cr_assert_not_null(f, "%s: %s", path, strerror(errno));
		cr_assert_eq(fread(gh, 1, 24, f), 24, "%s: no pcap header", path);
		swap = rd32(gh, 0) == 0xd4c3b2a1 || rd32(gh, 0) == 0x4d3cb2a1;
		cr_assert(rd32(gh, swap) == 0xa1b2c3d4 || rd32(gh, swap) == 0xa1b23c4d, "%s: not a pcap file", path);
		if (rd32(gh + 20, swap) != 1) {	/* DLT_EN10MB */
			fclose(f);
			continue;
		}
		while (taken < PER_CAPTURE && fread(rh, 1, 16, f) == 16) {
			uint32_t caplen = rd32(rh + 8, swap), et;

			cr_assert_leq(caplen, MAX_FRAME, "%s: a record of %u bytes", path, caplen);
			cr_assert_eq(fread(buf + 8, 1, caplen, f), caplen, "%s: cut short", path);
			/* a packet socket sends no frame shorter than the link header */
			if (caplen < 14)
				continue;
			et = (uint32_t)buf[8 + 12] << 8 | buf[8 + 13];
			if (et != 0x8100 && et != 0x88a8 && taken % 13 == 5) {
				/* 88a8 VID 20, then 8100 VID 10 */
				memmove(buf, buf + 8, 12);
				put16(buf + 12, 0x88a8), put16(buf + 14, 20);
				put16(buf + 16, 0x8100), put16(buf + 18, 10);
				frames_add(fs, buf, caplen + 8);
			} else if (et != 0x8100 && et != 0x88a8 && taken % 6 == 1) {
				memmove(buf + 4, buf + 8, 12);
				put16(buf + 16, 0x8100);
				put16(buf + 18, (taken % 8) << 13 | vids[taken / 6 % 3]);
				frames_add(fs, buf + 4, caplen + 4);
			} else {
				frames_add(fs, buf + 8, caplen);
			}
			taken++;
		}
		fclose(f);
	}
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	fs->real = fs->n;
}

/* The values both the frames and the expressions draw on, so that they meet. */
static const uint8_t v4addr[][4] = {
	{ 192, 0, 2, 1 }, { 192, 0, 2, 200 }, { 198, 51, 100, 7 }, { 10, 1, 2, 3 }, { 10, 200, 0, 1 },
	{ 172, 16, 5, 4 }, { 224, 0, 0, 251 }, { 255, 255, 255, 255 },
};
static const char *const v6addr[] = {
	"2001:db8::1", "2001:db8::2", "2001:db8:1::5", "fe80::1", "ff02::1", "2001:db9::1", "::1",
};
static const unsigned int ports[] = { 0, 53, 67, 68, 80, 123, 443, 500, 1000, 1023, 1024, 2000, 4500, 5000,
				      8080, 12345, 33000, 65535 };
static const unsigned int vlan_ids[] = { 10, 20, 100, 0 };
static const unsigned int mpls_labels[] = { 16, 100, 200 };
static const unsigned int pppoe_sessions[] = { 0x1234, 0x11 };

/*
 * One generated frame: up to two tags (802.1Q, 802.1ad, or two 802.1Q),
 * then MPLS or PPPoE session or neither, then IPv4 (options, fragments),
 * IPv6 (up to three extension headers, a fragment header among them), ARP
 * or another ethertype, then TCP (flags), UDP, ICMP, ICMPv6 (types), SCTP,
 * GRE, ESP, with ports and sizes the expressions test for.
 */
static uint32_t gen_frame(uint64_t *s, uint8_t *f)
{
	static const uint8_t dsts[][6] = {
		{ 2, 0, 0, 0, 0, 2 }, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, { 1, 0, 0x5e, 0, 0, 1 },
		{ 0x33, 0x33, 0, 0, 0, 1 },
	};
	static const uint8_t tcpflags[] = { 0x02, 0x12, 0x10, 0x11, 0x04, 0x14, 0x18, 0x01, 0x00, 0x20, 0xc2, 0x3f };
	static const uint8_t icmp6types[] = { 1, 128, 129, 133, 134, 135, 136, 143 };
	static const uint8_t icmptypes[] = { 0, 3, 8, 11 };
	static const unsigned int payloads[] = { 0, 1, 6, 18, 40, 100, 200, 472, 1000, 1400 };
	uint32_t at = 12, l3, l4, len, pppoe = 0;
	unsigned int tags = pick(s, 10), enc = pick(s, 10), kind, proto, i, n;
	int v6;

	memcpy(f, ONE_OF(s, dsts), 6);
	memcpy(f + 6, (const uint8_t[]){ 2, 0, 0, 0, 0, (uint8_t)(1 + pick(s, 3)) }, 6);
	/* tags: none (half), one 802.1Q, 802.1ad then 802.1Q, two 802.1Q, one 802.1ad */
	tags = tags < 5 ? 0 : tags < 8 ? 1 : tags == 8 ? 2 : pick(s, 2) ? 3 : 4;
	for (i = 0; i < (tags == 0 ? 0u : tags == 1 || tags == 4 ? 1u : 2u); i++, at += 4) {
		put16(f + at, (tags == 2 && i == 0) || tags == 4 ? 0x88a8 : 0x8100);
		unsigned int pcp = pick(s, 8);

		put16(f + at + 2, pcp << 13 | ONE_OF(s, vlan_ids));
	}
	/* then MPLS (a fifth), PPPoE session (a fifth), or the network layer */
	v6 = pick(s, 2);
	kind = pick(s, 20);
	if (enc < 2) {
		put16(f + at, 0x8847);
		at += 2;
		n = 1 + pick(s, 2);
		for (i = 0; i < n; i++, at += 4)
			put32(f + at, ONE_OF(s, mpls_labels) << 12 | (i == n - 1 ? 0x100u : 0) | 64);
	} else if (enc < 4) {
		put16(f + at, 0x8864);
		f[at + 2] = 0x11, f[at + 3] = 0;
		put16(f + at + 4, ONE_OF(s, pppoe_sessions));
		/* the length (set at the end), and the PPP protocol: IPv4, IPv6 or LCP */
		pppoe = at + 6;
		at += 8;
		put16(f + at, kind == 0 ? 0xc021 : v6 ? 0x0057 : 0x0021);
		at += 2;
		if (kind == 0) {
			memset(f + at, 0, 20);
			put16(f + pppoe, 22);
			return at + 20;
		}
	} else {
		if (kind < 2) {	/* ARP, or LLDP's ethertype */
			put16(f + at, kind == 0 ? 0x0806 : 0x88cc);
			memset(f + at + 2, 0, 28);
			if (kind == 0)
				put16(f + at + 2, 1), put16(f + at + 4, 0x0800), f[at + 6] = 6, f[at + 7] = 4;
			return at + 30;
		}
		put16(f + at, v6 ? 0x86dd : 0x0800);
		at += 2;
	}
	l3 = at;
	proto = ((const unsigned int[]){ 6, 6, 6, 17, 17, 17, 1, 58, 132, 47, 50, 253 })[pick(s, 12)];
	if (!v6 && proto == 58)
		proto = 1;
	if (v6 && proto == 1)
		proto = 58;
	if (!v6) {
		unsigned int ihl = pick(s, 5) ? 5 : 6, frag = pick(s, 8);

		memset(f + l3, 0, 4 * ihl);
		f[l3] = (uint8_t)(0x40 | ihl);
		f[l3 + 8] = 64;
		f[l3 + 9] = (uint8_t)proto;
		/* a first fragment (MF), a later one, or none */
		put16(f + l3 + 6, frag == 0 ? 0x2000 : frag == 1 ? 0x00b9 : pick(s, 2) ? 0x4000 : 0);
		memcpy(f + l3 + 12, ONE_OF(s, v4addr), 4);
		memcpy(f + l3 + 16, ONE_OF(s, v4addr), 4);
		if (ihl == 6)
			memset(f + l3 + 20, 1, 4);	/* NOPs */
		l4 = l3 + 4 * ihl;
	} else {
		unsigned int next_at = l3 + 6, nexts = pick(s, 4) == 3 ? 1 + pick(s, 3) : 0;

		memset(f + l3, 0, 40);
		f[l3] = 0x60;
		f[l3 + 7] = 64;
		inet_pton(AF_INET6, ONE_OF(s, v6addr), f + l3 + 8);
		inet_pton(AF_INET6, ONE_OF(s, v6addr), f + l3 + 24);
		l4 = l3 + 40;
		/* extension headers: hop-by-hop, destination options, routing, fragment */
		for (i = 0; i < nexts; i++) {
			uint8_t eh = ((const uint8_t[]){ 0, 60, 43, 44 })[pick(s, 4)];

			f[next_at] = eh;
			memset(f + l4, 0, 8);
			if (eh == 44)
				put16(f + l4 + 2, pick(s, 2) ? 0x0001 : 0x00b8);	/* M, or a later fragment */
			next_at = l4;
			l4 += 8;
		}
		f[next_at] = (uint8_t)proto;
	}
	/* the transport header, and a payload */
	len = ONE_OF(s, payloads);
	len += pick(s, 4);
	switch (proto) {
	case 6:
		memset(f + l4, 0, 20);
		put16(f + l4, ONE_OF(s, ports)), put16(f + l4 + 2, ONE_OF(s, ports));
		f[l4 + 12] = pick(s, 4) ? 0x50 : 0x80;
		f[l4 + 13] = ONE_OF(s, tcpflags);
		l4 += 20;
		break;
	case 17:
	case 132:
		memset(f + l4, 0, proto == 17 ? 8 : 12);
		put16(f + l4, ONE_OF(s, ports)), put16(f + l4 + 2, ONE_OF(s, ports));
		if (proto == 17)
			put16(f + l4 + 4, 8 + len);
		l4 += proto == 17 ? 8 : 12;
		break;
	case 1:
	case 58:
		memset(f + l4, 0, 8);
		f[l4] = proto == 1 ? ONE_OF(s, icmptypes) : ONE_OF(s, icmp6types);
		l4 += 8;
		break;
	default:
		memset(f + l4, 0, 8);
		l4 += 8;
		break;
	}
	for (i = 0; i < len; i++)
		f[l4 + i] = (uint8_t)rnd(s);
	len += l4;
	if (v6)
		put16(f + l3 + 4, len - l3 - 40);
	else
		put16(f + l3 + 2, len - l3);
	if (pppoe)
		put16(f + pppoe, len - pppoe - 2);
	return len;
}

static void gen_frames(struct frames *fs, uint64_t seed)
{
	static uint8_t f[4096];
	uint64_t s = seed ^ 0xf4a3e5ULL;

	for (size_t i = 0; i < NGENERATED; i++)
		frames_add(fs, f, gen_frame(&s, f));
}

/* ---- the expressions ---- */

struct sbuf {
	char s[1024];
	size_t n;
};

static void add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (b->n < sizeof(b->s))
		b->n += (size_t)vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, ap);
	va_end(ap);
}

/* One primitive of pcap-filter (libpcap has no `icmp6 type N`: icmp6[icmp6type] it is). */
static void primitive(uint64_t *s, struct sbuf *b)
{
	/* one draw a statement: the order C evaluates arguments in is its own */
	const char *w1, *w2;

	static const char *const plain[] = {
		"ip", "ip6", "tcp", "udp", "icmp", "icmp6", "arp", "sctp", "vlan", "mpls", "pppoes",
		"ip[6:2] & 0x3fff != 0", "ip6[6] == 44", "port 53", "ip multicast", "ip6 multicast",
	};
	static const char *const flags[] = { "tcp-syn", "tcp-ack", "tcp-fin", "tcp-rst", "tcp-push", "tcp-urg",
					     "tcp-ece", "tcp-cwr" };
	static const char *const icmp6t[] = { "icmp6-echo", "icmp6-echoreply", "icmp6-neighborsolicit",
					      "icmp6-routeradvert", "1", "143" };
	static const char *const nets[] = { "192.0.2.0/24", "10.0.0.0/8", "198.51.100.0/24", "172.16.0.0/12",
					    "2001:db8::/32", "2001:db8:1::/48", "fe80::/10", "ff00::/8" };
	static const char *const ranges[] = { "1-1023", "53-68", "80-443", "1000-5000", "1024-65535", "4500-4500",
					      "0-0", "12000-13000" };
	static const char *const dirs[] = { "", "src ", "dst " };
	static const char *const l4[] = { "", "tcp ", "udp " };
	static const unsigned int sizes[] = { 54, 60, 64, 74, 100, 128, 200, 500, 1000, 1500, 1518, 9000 };

	switch (pick(s, 14)) {
	case 0: case 1: add(b, "%s", ONE_OF(s, plain)); break;
	case 2: add(b, "vlan %u", ONE_OF(s, vlan_ids)); break;
	case 3:
		if (pick(s, 2))
			add(b, "mpls %u", ONE_OF(s, mpls_labels));
		else
			add(b, "pppoes 0x%x", ONE_OF(s, pppoe_sessions));
		break;
	case 4: add(b, "ip6 proto %u", ((const unsigned int[]){ 6, 17, 58, 0, 43, 44, 60, 132 })[pick(s, 8)]); break;
	case 5: add(b, "ip proto %u", ((const unsigned int[]){ 1, 6, 17, 47, 50, 132 })[pick(s, 6)]); break;
	case 6:
		w1 = pick(s, 4) ? "==" : "!=";
		add(b, "icmp6[icmp6type] %s %s", w1, ONE_OF(s, icmp6t));
		break;
	case 7: add(b, "icmp[icmptype] == %s", pick(s, 2) ? "icmp-echo" : "icmp-echoreply"); break;
	case 8:
		if (pick(s, 3))
			add(b, "tcp[tcpflags] & %s != 0", ONE_OF(s, flags));
		else
			add(b, "tcp[tcpflags] & (tcp-syn|tcp-ack) == %s", pick(s, 2) ? "tcp-syn" : "tcp-ack");
		break;
	case 9:
		w1 = ONE_OF(s, dirs);
		add(b, "%snet %s", w1, ONE_OF(s, nets));
		break;
	case 10:
		w1 = ONE_OF(s, l4);
		w2 = ONE_OF(s, dirs);
		add(b, "%s%sportrange %s", w1, w2, ONE_OF(s, ranges));
		break;
	case 11: add(b, "less %u", ONE_OF(s, sizes)); break;
	case 12: add(b, "greater %u", ONE_OF(s, sizes)); break;
	default: add(b, "%s", pick(s, 2) ? "tcp" : pick(s, 2) ? "udp" : "icmp6"); break;
	}
}

static void expr(uint64_t *s, struct sbuf *b, int depth);

/* An operand of and/or: a compound one in parentheses (most of the time: precedence is tested too). */
static void operand(uint64_t *s, struct sbuf *b, int depth)
{
	struct sbuf o = { .n = 0 };

	expr(s, &o, depth + 1);
	add(b, strchr(o.s, ' ') && pick(s, 5) ? "(%s)" : "%s", o.s);
}

/*
 * An expression: a primitive, A and B, A or B, not A, or an encapsulation
 * then the rest ("vlan [N] and ...", "vlan and vlan and ...", "mpls [N] and
 * ...", "pppoes [N] and ...", "vlan and mpls and ..."): the family that
 * tests a protocol after vlan is the one this test was written for.
 */
static void expr(uint64_t *s, struct sbuf *b, int depth)
{
	unsigned int r = pick(s, 100);

	if (depth >= 3 || r < 25) {
		primitive(s, b);
		return;
	}
	if (r < 50) {
		operand(s, b, depth);
		add(b, " and ");
		operand(s, b, depth);
	} else if (r < 65) {
		operand(s, b, depth);
		add(b, " or ");
		operand(s, b, depth);
	} else if (r < 75) {
		add(b, "not ");
		operand(s, b, depth);
	} else {
		switch (pick(s, 8)) {
		case 0: case 1: add(b, "vlan and "); break;
		case 2: add(b, "vlan %u and ", ONE_OF(s, vlan_ids)); break;
		case 3: add(b, "vlan and vlan and "); break;
		case 4: add(b, "mpls%s and ", pick(s, 2) ? "" : " 100"); break;
		case 5: add(b, "pppoes%s and ", pick(s, 2) ? "" : " 0x1234"); break;
		case 6: add(b, "vlan and %s and ", pick(s, 2) ? "mpls" : "pppoes"); break;
		default: add(b, "vlan %u and vlan and ", ONE_OF(s, vlan_ids)); break;
		}
		operand(s, b, depth);
	}
}

struct exprs {
	char *e[NEXPRS];
	unsigned int n, tried, refused_by_libpcap, refused_by_kernel;
};

/* Whether the kernel takes libpcap's program as a socket filter (bpf_check_classic(), net/core/filter.c). */
/* pc_class_add() of expr, what it said on stderr into out; its result */
static int class_add_said(const char *expr, char *out, size_t size)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO), ret;
	size_t n;

	cr_assert(tmp && saved >= 0);
	fflush(stderr);
	cr_assert_geq(dup2(fileno(tmp), STDERR_FILENO), 0);
	ret = pc_class_add("e", expr, "test");
	fflush(stderr);
	cr_assert_geq(dup2(saved, STDERR_FILENO), 0);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, size - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return ret;
}

static int kernel_takes(const void *insns, unsigned int n)
{
	struct sock_fprog prog = { (unsigned short)n, (struct sock_filter *)insns };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ok;

	cr_assert_geq(fd, 0);
	ok = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) == 0;
	cr_assert(ok || errno == EINVAL, "SO_ATTACH_FILTER: %s", strerror(errno));
	close(fd);
	return ok;
}

/*
 * NEXPRS distinct expressions libpcap compiles for a live Ethernet device
 * (as tcpdump -i would: those it refuses, like "mpls and vlan", are left
 * out) into a program the kernel takes.  Where the kernel refuses
 * libpcap's program, tcpdump filters in userspace with M[] undefined
 * (src/cbpf.c, check_mem_reads()): there is no verdict to compare with,
 * and pktcount must refuse the expression.  pktcount must take every
 * other one in every mode: one it refuses fails the test.
 */
static void make_exprs(struct exprs *x, uint64_t seed)
{
	uint64_t s = seed;
	char err[256], said[1024];
	struct pc_fail why;
	unsigned int i, refused = 0;

	memset(x, 0, sizeof(*x));
	pc_classes_free();
	while (x->n < NEXPRS) {
		struct sbuf b = { .n = 0 };
		void *insns = NULL, *pcap = NULL;
		unsigned int n;
		int dup = 0, taken;

		cr_assert_lt(x->tried, 100 * NEXPRS, "the grammar makes too few expressions libpcap takes");
		x->tried++;
		expr(&s, &b, 0);
		if (b.n >= sizeof(b.s) - 1)
			continue;
		for (i = 0; i < x->n && !dup; i++)
			dup = !strcmp(x->e[i], b.s);
		if (dup)
			continue;
		if (pc_pcap_compile(b.s, 1, &insns, &n, &pcap, err, sizeof(err)) < 0) {
			x->refused_by_libpcap++;
			continue;
		}
		cr_assert(pc_pcap_live(), "libpcap compiled for a capture here, not for a live device: %s", err);
		taken = kernel_takes(insns, n);
		free(insns);
		pc_pcap_free(pcap);
		pc_classes_free();
		if (!taken) {
			x->refused_by_kernel++;
			cr_expect(class_add_said(b.s, said, sizeof(said)) < 0 && strstr(said, "check_load_and_stores"),
				  "seed %#llx: pktcount takes \"%s\", whose program the kernel refuses (%s)",
				  (unsigned long long)seed, b.s, said);
			continue;
		}
		if (pc_class_add("e", b.s, "test") < 0 || pc_classes_fit(PC_CLASSIC_SNAP_EXT - 4, "pcap", &why)) {
			cr_log_error("seed %#llx: pktcount refuses \"%s\", which tcpdump takes",
				     (unsigned long long)seed, b.s);
			refused++;
		}
		x->e[x->n] = strdup(b.s);
		cr_assert_not_null(x->e[x->n]);
		x->n++;
	}
	pc_classes_free();
	cr_assert_eq(refused, 0, "pktcount refused %u expressions tcpdump takes", refused);
}

/*
 * The batches: as many expressions a pktcount run as it takes (64 classes
 * at most, and the eBPF program must compose: at most PC_PROG_MAX_INSNS).
 * Returns the number of batches; starts[b] is batch b's first expression.
 */
static unsigned int make_batches(const struct exprs *x, unsigned int *starts)
{
	const struct pc_build_env env = { 1, PC_PROG_MAX_INSNS };
	const struct pc_variant v = { .link = PC_LINK_ETH, .counters = PC_CTR_PERCPU, .unit = PC_UNIT_WIRE, .copy = 1,
				      .classes = &pc_classes };
	unsigned int i, nb = 0, in = 0;
	char name[16], err[512];

	pc_classes_free();
	for (i = 0; i < x->n; i++) {
		struct pc_built b;
		int fits;

		if (in == PC_CLASS_MAX) {
			pc_classes_free();
			in = 0;
		}
		snprintf(name, sizeof(name), "e%03u", i);
		cr_assert_eq(pc_class_add(name, x->e[i], "test"), 0, "%s", x->e[i]);
		fits = pc_build(&v, &env, &b, err, sizeof(err)) == 0;
		pc_built_free(&b);
		if (!fits) {
			cr_assert_gt(in, 0, "\"%s\" alone does not fit a program: %s", x->e[i], err);
			pc_classes_free();
			in = 0;
			cr_assert_eq(pc_class_add(name, x->e[i], "test"), 0);
		}
		if (in == 0)
			starts[nb++] = i;
		in++;
	}
	pc_classes_free();
	starts[nb] = x->n;
	return nb;
}

/* ---- tcpdump, the judge ---- */

struct judge {
	pid_t pid;
	int out, err;
	char errtext[8192];
	size_t errlen;
	uint8_t buf[65536];	/* the pcap stream not yet parsed */
	size_t buflen;
	int header_seen, listening, stats_lines, eof_out, eof_err;
	uint64_t records, bytes;
	long long received, dropped;	/* from its last stats line */
};

static void judge_start(struct judge *j, const char *ns, const char *expr)
{
	int o[2], e[2];

	memset(j, 0, sizeof(*j));
	j->received = -1;
	cr_assert_eq(pipe2(o, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(e, O_CLOEXEC), 0);
	/* a megabyte of records in the pipe while the test is busy elsewhere */
	fcntl(o[1], F_SETPIPE_SZ, 1 << 20);
	j->pid = fork();
	cr_assert_geq(j->pid, 0);
	if (j->pid == 0) {
		char b[16];

		if (join_netns(ns) < 0)
			_exit(126);
		dup2(o[1], STDOUT_FILENO);
		dup2(e[1], STDERR_FILENO);
		snprintf(b, sizeof(b), "%d", JUDGE_BUF);
		execlp("tcpdump", "tcpdump", "-i", "vb", "-n", "-U", "-w", "-", "-s", "96", "-B", b,
		       "--immediate-mode", expr, (char *)NULL);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	j->out = o[0];
	j->err = e[0];
	fcntl(j->out, F_SETFL, O_NONBLOCK);
	fcntl(j->err, F_SETFL, O_NONBLOCK);
}

/* The records in the stream so far: count them and their lengths on the wire. */
static void judge_parse(struct judge *j)
{
	size_t at = 0;

	if (!j->header_seen) {
		if (j->buflen < 24)
			return;
		cr_assert_eq(rd32(j->buf, 0), 0xa1b2c3d4, "tcpdump -w -: not a pcap stream");
		j->header_seen = 1;
		at = 24;
	}
	while (j->buflen - at >= 16) {
		uint32_t caplen = rd32(j->buf + at + 8, 0), len = rd32(j->buf + at + 12, 0);

		cr_assert_leq(caplen, 96u, "a record of %u bytes from a 96-byte snap", caplen);
		if (j->buflen - at < 16 + caplen)
			break;
		j->records++;
		j->bytes += len;
		at += 16 + caplen;
	}
	memmove(j->buf, j->buf + at, j->buflen - at);
	j->buflen -= at;
}

/* Its stderr's lines: "listening on", and the counts SIGUSR1 prints. */
static void judge_lines(struct judge *j)
{
	char *line = j->errtext, *nl;
	int stats = 0;

	j->listening = strstr(j->errtext, "listening on") != NULL;
	while ((nl = strchr(line, '\n'))) {
		unsigned long long cap, rec, drop;

		/* "packet" or "packets" */
		if (sscanf(line, "tcpdump: %llu %*s captured, %llu %*s received by filter, %llu %*s dropped by kernel",
			   &cap, &rec, &drop) == 3) {
			stats++;
			j->received = (long long)rec;
			j->dropped = (long long)drop;
		}
		line = nl + 1;
	}
	j->stats_lines = stats;
}

/* Read what is there on fd; 0 at EOF, 1 if something or nothing came. */
static int judge_read(struct judge *j, int err)
{
	for (;;) {
		ssize_t n;

		if (err) {
			if (j->errlen >= sizeof(j->errtext) - 1)
				j->errlen = 0;	/* a runaway stderr: the last lines are what count */
			n = read(j->err, j->errtext + j->errlen, sizeof(j->errtext) - 1 - j->errlen);
		} else {
			n = read(j->out, j->buf + j->buflen, sizeof(j->buf) - j->buflen);
		}
		if (n == 0)
			return 0;
		if (n < 0)
			return 1;
		if (err) {
			j->errlen += (size_t)n;
			j->errtext[j->errlen] = 0;
			judge_lines(j);
		} else {
			j->buflen += (size_t)n;
			judge_parse(j);
		}
	}
}

/* Wait up to timeout_ms for output of any judge, and take it in. */
static void judges_pump(struct judge *js, unsigned int n, int timeout_ms)
{
	struct pollfd p[2 * PC_CLASS_MAX + 1];
	unsigned int i, k = 0;

	for (i = 0; i < n; i++) {
		if (!js[i].eof_out)
			p[k++] = (struct pollfd){ .fd = js[i].out, .events = POLLIN };
		if (!js[i].eof_err)
			p[k++] = (struct pollfd){ .fd = js[i].err, .events = POLLIN };
	}
	if (!k || poll(p, k, timeout_ms) <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (!js[i].eof_out && !judge_read(&js[i], 0))
			js[i].eof_out = 1;
		if (!js[i].eof_err && !judge_read(&js[i], 1))
			js[i].eof_err = 1;
	}
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Pump until cond holds for every judge, or fail after timeout_s saying what. */
static void judges_until(struct judge *js, unsigned int n, int (*cond)(const struct judge *), const char *what,
			 double timeout_s, const char *const *exprs)
{
	double end = now_s() + timeout_s;
	unsigned int i;

	for (;;) {
		for (i = 0; i < n && cond(&js[i]); i++)
			;
		if (i == n)
			return;
		if (js[i].eof_err && js[i].eof_out)
			cr_assert_fail("tcpdump \"%s\" ended before %s: %s", exprs[i], what, js[i].errtext);
		cr_assert_lt(now_s(), end, "tcpdump \"%s\": no %s in %.0f s (%llu records; its stderr: %s)", exprs[i],
			     what, timeout_s, (unsigned long long)js[i].records, js[i].errtext);
		judges_pump(js, n, 200);
	}
}

static int is_listening(const struct judge *j)
{
	/* the kernel runs the filter, or the test compares with something else */
	cr_assert_null(strstr(j->errtext, "Kernel filter failed"), "tcpdump filters in userspace: %s", j->errtext);
	return j->listening;
}

static int has_stats(const struct judge *j)
{
	return j->stats_lines > 0;
}

static int has_all(const struct judge *j)
{
	return j->received >= 0 && j->records >= (uint64_t)j->received;
}

static int has_ended(const struct judge *j)
{
	return j->eof_out && j->eof_err;
}

/* ---- sending ---- */

struct sending {
	const struct frames *fs;
	int sentinel_fd;	/* a packet socket of ethertype 0x88b5 on vb, made in vb's namespace */
	unsigned int batch;
};

static void sentinel_frame(uint8_t *f, unsigned int batch, unsigned int seq)
{
	memset(f, 0, 60);
	memcpy(f, (const uint8_t[]){ 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 0x99 }, 12);
	put16(f + 12, SENTINEL_TYPE);
	memcpy(f + 14, "pktcount-classdiff", 18);
	put32(f + 32, batch);
	put32(f + 36, seq);
}

/*
 * In va's namespace, on one CPU (one backlog: vb takes the frames in the
 * order sent): the frames in chunks, each followed by a sentinel, and the
 * next chunk only once vb has delivered that sentinel, so no backlog ever
 * holds more than a chunk.  0, or a code naming what failed.
 */
static int send_all(void *arg)
{
	const struct sending *in = arg;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	uint8_t sent[60], got[128];
	cpu_set_t one;
	size_t i = 0;
	unsigned int seq = 0;
	int s = socket(AF_PACKET, SOCK_RAW, 0);

	CPU_ZERO(&one);
	CPU_SET((size_t)sched_getcpu(), &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0)
		return 9;
	if (s < 0)
		return 10;
	sll.sll_ifindex = (int)if_nametoindex("va");
	if (!sll.sll_ifindex)
		return 11;
	while (i < in->fs->n) {
		size_t end = i + CHUNK < in->fs->n ? i + CHUNK : in->fs->n;

		for (; i < end; i++)
			if (sendto(s, in->fs->f[i].p, in->fs->f[i].len, 0, (struct sockaddr *)&sll, sizeof(sll)) !=
			    (ssize_t)in->fs->f[i].len)
				return 12;
		sentinel_frame(sent, in->batch, ++seq);
		if (sendto(s, sent, 60, 0, (struct sockaddr *)&sll, sizeof(sll)) != 60)
			return 13;
		for (;;) {
			struct pollfd p = { .fd = in->sentinel_fd, .events = POLLIN };

			/* an event, not a guess: the bound only ends a test that would hang */
			if (poll(&p, 1, 30000) != 1)
				return 14;
			if (recv(in->sentinel_fd, got, sizeof(got), 0) >= 60 && !memcmp(got + 14, sent + 14, 26))
				break;
		}
	}
	close(s);
	return 0;
}

/* ---- pktcount's side ---- */

/* Each class's totals (rx + tx) from the total record, by expression index - first; and the frames counted. */
static void class_totals(const char *out, unsigned int first, unsigned int n, struct pc_counter *got,
			 uint64_t *frames, uint64_t *drops)
{
	const char *line;

	memset(got, 0, n * sizeof(*got));
	*frames = *drops = 0;
	for (line = out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *nl = strchr(line, '\n');
		cJSON *j = cJSON_ParseWithLength(line, nl ? (size_t)(nl - line) : strlen(line)), *c;
		cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "type");

		if (!cJSON_IsString(type) || strcmp(type->valuestring, "total")) {
			cJSON_Delete(j);
			continue;
		}
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j, "classes")) {
			cJSON *cn = cJSON_GetObjectItemCaseSensitive(c, "class");
			cJSON *b = cJSON_GetObjectItemCaseSensitive(c, "bytes");
			cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "packets");
			unsigned int k;

			cr_assert(cJSON_IsString(cn) && cJSON_IsNumber(b) && cJSON_IsNumber(p));
			if (!strcmp(cn->valuestring, "unmatched"))
				continue;
			k = (unsigned int)atoi(cn->valuestring + 1) - first;
			cr_assert_lt(k, n, "class %s", cn->valuestring);
			got[k].bytes += (uint64_t)b->valuedouble;
			got[k].packets += (uint64_t)p->valuedouble;
		}
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j, "counts")) {
			cJSON *d = cJSON_GetObjectItemCaseSensitive(c, "dir");
			cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "packets");

			if (cJSON_IsString(d) && !strcmp(d->valuestring, "rx") && cJSON_IsNumber(p))
				*frames += (uint64_t)p->valuedouble;
		}
		if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "drops")))
			*drops = (uint64_t)cJSON_GetObjectItemCaseSensitive(j, "drops")->valuedouble;
		cJSON_Delete(j);
		return;
	}
	cr_assert_fail("no total record");
}

static struct topo topo;
/* what a batch started: ended here when an assertion ends the test first */
static struct judge js[PC_CLASS_MAX];
static struct pktcount_proc pc[NMODES];

static void down(void)
{
	unsigned int i;

	for (i = 0; i < PC_CLASS_MAX; i++)
		if (js[i].pid > 0 && kill(js[i].pid, SIGKILL) == 0)
			waitpid(js[i].pid, NULL, 0);
	for (i = 0; i < NMODES; i++)
		if (pc[i].pid > 0 && kill(pc[i].pid, SIGKILL) == 0)
			waitpid(pc[i].pid, NULL, 0);
	topo_down(&topo);
	sh("rm -f /tmp/pktcount-classdiff-%d-*", (int)getpid());
}

/* One batch: its tcpdumps and the pktcounts of every mode, the frames, the comparison.  Mismatches. */
static unsigned int run_batch(const struct exprs *x, unsigned int first, unsigned int n, unsigned int batch,
			      const struct frames *fs, int sentinel_fd, uint64_t seed, const int *mode_on,
			      unsigned int *matched)
{
	static struct pc_counter got[PC_CLASS_MAX];
	struct sending in = { fs, sentinel_fd, batch };
	char file[128];
	unsigned int i, m, bad = 0;
	pid_t pid;
	int st, done[2];
	FILE *f;

	/* lo down in every other batch: pktcount's classes must not need it (tcpdump -i vb does not) */
	sh_ok("ip -n %s link set lo %s", topo.b, batch % 2 ? "up" : "down");
	snprintf(file, sizeof(file), "/tmp/pktcount-classdiff-%d-%u.txt", (int)getpid(), batch);
	f = fopen(file, "w");
	cr_assert_not_null(f);
	for (i = 0; i < n; i++)
		fprintf(f, "e%03u %s\n", first + i, x->e[first + i]);
	fclose(f);

	for (i = 0; i < n; i++)
		judge_start(&js[i], topo.b, x->e[first + i]);
	judges_until(js, n, is_listening, "\"listening on\"", 60, (const char *const *)x->e + first);
	for (m = 0; m < NMODES; m++) {
		const char *argv[] = { "-j", "-i", "0.5", "-m", modes[m], "--classes", file, "vb", NULL, NULL, NULL };

		if (!mode_on[m])
			continue;
		if (!strcmp(modes[m], "classic") || !strcmp(modes[m], "pcap"))
			argv[7] = "--ring-size", argv[8] = "16M", argv[9] = "vb";
		cr_assert_eq(pktcount_start(&pc[m], topo.b, argv), 0);
		if (pktcount_wait_line(&pc[m], 30000) != 0) {
			const char *named;

			pktcount_finish(&pc[m], SIGTERM, 5000);
			pc[m].pid = 0;
			named = pc[m].err ? strstr(pc[m].err, "class e") : NULL;
			cr_assert_fail("seed %#llx, batch %u (lo %s): pktcount -m %s printed nothing, exit %d: %s(\"%s\")",
				       (unsigned long long)seed, batch, batch % 2 ? "up" : "down", modes[m], pc[m].status,
				       pc[m].err ? pc[m].err : "",
				       named && (unsigned int)atoi(named + 7) < x->n ? x->e[atoi(named + 7)] : "");
		}
	}

	/* the frames, from a child in va's namespace; its pipe ends when it does */
	cr_assert_eq(pipe2(done, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(done[0]);
		_exit(join_netns(topo.a) < 0 ? 126 : send_all(&in));
	}
	close(done[1]);
	for (;;) {
		struct pollfd p = { .fd = done[0], .events = POLLIN };
		char c;

		/* the judges' pipes are read meanwhile: a full one would stop its tcpdump */
		judges_pump(js, n, 0);
		if (poll(&p, 1, 100) == 1 && read(done[0], &c, 1) <= 0)
			break;
	}
	close(done[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "batch %u: sending the frames failed (%d)", batch,
		  WIFEXITED(st) ? WEXITSTATUS(st) : -1);

	/* every socket has every frame: each tcpdump's count, then that many records */
	for (i = 0; i < n; i++)
		kill(js[i].pid, SIGUSR1);
	judges_until(js, n, has_stats, "counts after SIGUSR1", 60, (const char *const *)x->e + first);
	judges_until(js, n, has_all, "records for every frame its filter kept", 60, (const char *const *)x->e + first);
	for (i = 0; i < n; i++) {
		cr_assert_eq(js[i].dropped, 0, "tcpdump \"%s\" dropped %lld frames", x->e[first + i], js[i].dropped);
		kill(js[i].pid, SIGTERM);
	}
	judges_until(js, n, has_ended, "end after SIGTERM", 60, (const char *const *)x->e + first);
	for (i = 0; i < n; i++) {
		waitpid(js[i].pid, NULL, 0);
		js[i].pid = 0;
		close(js[i].out);
		close(js[i].err);
	}

	for (m = 0; m < NMODES; m++) {
		uint64_t frames, drops;

		if (!mode_on[m])
			continue;
		st = pktcount_finish(&pc[m], SIGTERM, 30000);
		pc[m].pid = 0;
		cr_assert_eq(st, 0, "batch %u: pktcount -m %s exited %d: %s", batch, modes[m], pc[m].status,
			     pc[m].err ? pc[m].err : "");
		class_totals(pc[m].out, first, n, got, &frames, &drops);
		cr_assert_eq(drops, 0, "batch %u: pktcount -m %s dropped %llu frames", batch, modes[m],
			     (unsigned long long)drops);
		/* every frame sent, and the sentinels: nothing was lost on the way, for either side */
		cr_expect_eq(frames, fs->n + (fs->n + CHUNK - 1) / CHUNK, "batch %u: pktcount -m %s counted %llu frames "
			     "received, %zu were sent", batch, modes[m], (unsigned long long)frames,
			     fs->n + (fs->n + CHUNK - 1) / CHUNK);
		for (i = 0; i < n; i++) {
			if (got[i].packets == js[i].records && got[i].bytes == js[i].bytes)
				continue;
			bad++;
			cr_log_error("seed %#llx, batch %u (lo %s), %s: \"%s\": pktcount %llu frames %llu bytes, "
				     "tcpdump -i vb %llu frames %llu bytes", (unsigned long long)seed, batch,
				     batch % 2 ? "up" : "down", modes[m], x->e[first + i],
				     (unsigned long long)got[i].packets, (unsigned long long)got[i].bytes,
				     (unsigned long long)js[i].records, (unsigned long long)js[i].bytes);
		}
		free(pc[m].out);
		free(pc[m].err);
	}
	for (i = 0; i < n; i++) {
		matched[0] += js[i].records > 0;
		matched[1] += js[i].records > 0 && strstr(x->e[first + i], "vlan");
	}
	unlink(file);
	return bad;
}

Test(classdiff, compound_expressions_against_live_tcpdump, .fini = down, .timeout = 600)
{
	static struct exprs x;
	static unsigned int starts[NEXPRS + 1];
	static struct frames fs;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(SENTINEL_TYPE) };
	const char *env = getenv("PKTCOUNT_CLASSDIFF_SEED");
	const char *dir = getenv("PKTCOUNT_CAPTURES") ? getenv("PKTCOUNT_CAPTURES") : "build/captures";
	uint64_t seed = env && *env ? strtoull(env, NULL, 0) : SEED_DEFAULT;
	int mode_on[NMODES], sentinel, size = 4 << 20;
	unsigned int nb, b, m, bad = 0, on = 0, matched[2] = { 0, 0 };
	double t0 = now_s();

	NEED_ROOT("network namespaces, tcpdump on a veth pair");
	if (sh("command -v tcpdump >/dev/null") != 0)
		cr_skip_test("no tcpdump to judge with (make deps-test installs it)");
	for (m = 0; m < NMODES; m++) {
		mode_on[m] = mode_built_in(modes[m]);
		on += (unsigned int)mode_on[m];
		if (!mode_on[m])
			cr_log_warn("this pktcount was built without %s mode: not compared", modes[m]);
	}
	load_captures(&fs, dir);
	gen_frames(&fs, seed);
	make_exprs(&x, seed);
	nb = make_batches(&x, starts);

	topo_up(&topo, 0, 0);
	/*
	 * The captures hold frames of up to 22,000 bytes (taken behind GRO);
	 * no GRO on vb, so that each frame stays one skb: tcpdump sees skbs,
	 * pktcount's eBPF counts wire segments (docs/counting.md, "The unit").
	 */
	sh_ok("ip -n %s link set va mtu 65535 && ip -n %s link set vb mtu 65535", topo.a, topo.b);
	sh_ok("ip netns exec %s ethtool -K vb gro off", topo.b);
	cr_assert_eq(join_netns(topo.b), 0);
	sentinel = socket(AF_PACKET, SOCK_RAW, htons(SENTINEL_TYPE));
	cr_assert_geq(sentinel, 0, "%s", strerror(errno));
	setsockopt(sentinel, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	sll.sll_ifindex = (int)if_nametoindex("vb");
	cr_assert_eq(bind(sentinel, (struct sockaddr *)&sll, sizeof(sll)), 0, "%s", strerror(errno));

	for (b = 0; b < nb; b++)
		bad += run_batch(&x, starts[b], starts[b + 1] - starts[b], b, &fs, sentinel, seed, mode_on, matched);
	close(sentinel);
	cr_log_info("seed %#llx: %u expressions (of %u made: %u refused by libpcap, %u whose program the kernel refuses "
		    "and pktcount too; %u match a frame, %u of them with vlan) in %u batches, "
		    "%zu frames each (%zu from %s, %d generated) and the sentinels, %u modes: %u mismatches, %.1f s",
		    (unsigned long long)seed, x.n, x.tried, x.refused_by_libpcap, x.refused_by_kernel, matched[0],
		    matched[1], nb, fs.n, fs.real, fs.source[0] ? fs.source : dir, NGENERATED, on, bad, now_s() - t0);
	for (b = 0; b < x.n; b++)
		free(x.e[b]);
	frames_free(&fs);
	cr_assert_eq(bad, 0, "%u class counts differ from tcpdump's (seed %#llx)", bad, (unsigned long long)seed);
}

// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"

/* ---- the reference model ---- */

static int rd16(const uint8_t *f, uint32_t len, uint32_t off, uint32_t *v)
{
	if (off + 2 > len)
		return 0;
	*v = (uint32_t)f[off] << 8 | f[off + 1];
	return 1;
}

static int is_tpid(uint32_t et)
{
	return et == 0x8100 || et == 0x88a8 || et == 0x9100;
}

static unsigned int ref_l3(const uint8_t *f, uint32_t len, uint32_t et, uint32_t off)
{
	uint32_t nh, v;
	int i;

	switch (et) {
	case 0x0800:
		if (off + 9 >= len)
			return pc_key_make(PC_DIR_RX, PC_L3_IPV4, PC_PROTO_UNKNOWN);
		return pc_key_make(PC_DIR_RX, PC_L3_IPV4, f[off + 9]);
	case 0x86dd:
		if (off + 6 >= len)
			return pc_key_make(PC_DIR_RX, PC_L3_IPV6, PC_PROTO_UNKNOWN);
		nh = f[off + 6];
		off += 40;
		for (i = 0; i < 4; i++) {
			uint32_t hl;

			if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51)
				break;
			if (!rd16(f, len, off, &v))
				break;
			hl = v & 0xff;
			if (nh == 44)
				off += 8;
			else if (nh == 51)
				off += (hl + 2) * 4;
			else
				off += (hl + 1) * 8;
			nh = v >> 8;
		}
		return pc_key_make(PC_DIR_RX, PC_L3_IPV6, (int)nh);
	case 0x0806: return pc_key_make(PC_DIR_RX, PC_L3_ARP, PC_PROTO_NONE);
	case 0x8035: return pc_key_make(PC_DIR_RX, PC_L3_RARP, PC_PROTO_NONE);
	case 0x88cc: return pc_key_make(PC_DIR_RX, PC_L3_LLDP, PC_PROTO_NONE);
	case 0x888e: return pc_key_make(PC_DIR_RX, PC_L3_EAPOL, PC_PROTO_NONE);
	case 0x8863: return pc_key_make(PC_DIR_RX, PC_L3_PPPOE_DISC, PC_PROTO_NONE);
	case 0x8864: return pc_key_make(PC_DIR_RX, PC_L3_PPPOE_SESS, PC_PROTO_NONE);
	case 0x8847:
	case 0x8848: return pc_key_make(PC_DIR_RX, PC_L3_MPLS, PC_PROTO_NONE);
	default:
		if (et < 0x0600)
			return pc_key_make(PC_DIR_RX, PC_L3_LLC, PC_PROTO_NONE);
		return pc_key_make(PC_DIR_RX, PC_L3_OTHER, PC_PROTO_NONE);
	}
}

unsigned int frames_ref_key(const uint8_t *f, uint32_t len, enum pc_link link,
			    uint16_t protocol, int vlan_moved)
{
	uint32_t et, off = 14;
	int tags = vlan_moved ? 1 : 0;

	if (link == PC_LINK_RAW) {
		if (is_tpid(protocol))
			return pc_key_make(PC_DIR_RX, PC_L3_OTHER, PC_PROTO_NONE);
		return ref_l3(f, len, protocol, 0);
	}
	if (len < 14)
		return pc_key_make(PC_DIR_RX, PC_L3_RUNT, PC_PROTO_NONE);
	et = (uint32_t)f[12] << 8 | f[13];
	while (is_tpid(et)) {
		if (tags == 2)
			return pc_key_make(PC_DIR_RX, PC_L3_OTHER, PC_PROTO_NONE);
		if (!rd16(f, len, off + 2, &et))
			return pc_key_make(PC_DIR_RX, PC_L3_OTHER, PC_PROTO_NONE);
		off += 4;
		tags++;
	}
	return ref_l3(f, len, et, off);
}

const char *frames_key_str(unsigned int key, char *buf, size_t size)
{
	struct pc_kpart k[PC_KPARTS_MAX];

	/* the number, not the name: the tables of tests/ write protocols by number */
	if (pc_proto_parts(key, k) == 1)
		snprintf(buf, size, "%s %s", pc_dir_name(pc_key_split(key).dir), k[0].text);
	else
		snprintf(buf, size, "%s %s %s", pc_dir_name(pc_key_split(key).dir), k[0].text,
			 strcmp(k[1].text, "null") ? k[1].text : k[2].text);
	return buf;
}

/* ---- frame builders ---- */

struct fb {
	uint8_t *p;
	uint32_t len;
};

static void put(struct fb *b, const void *d, uint32_t n)
{
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void put8(struct fb *b, uint8_t v)
{
	b->p[b->len++] = v;
}

static void put16(struct fb *b, uint16_t v)
{
	put8(b, (uint8_t)(v >> 8));
	put8(b, (uint8_t)v);
}

static void fill(struct fb *b, uint32_t n, uint8_t v)
{
	memset(b->p + b->len, v, n);
	b->len += n;
}

static void eth(struct fb *b, uint16_t et)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	put(b, dst, 6);
	put(b, src, 6);
	put16(b, et);
}

static void vlan(struct fb *b, uint16_t tci, uint16_t et)
{
	put16(b, tci);
	put16(b, et);
}

/* IPv4 header (no options), protocol proto, payload of plen bytes follows */
static void ipv4(struct fb *b, uint8_t proto, uint16_t plen, uint16_t frag)
{
	put8(b, 0x45);
	put8(b, 0);
	put16(b, (uint16_t)(20 + plen));
	put16(b, 0x1234);
	put16(b, frag);
	put8(b, 64);
	put8(b, proto);
	put16(b, 0);		/* checksum: nobody checks it here */
	put16(b, 0xc000);	/* 192.0.2.1 */
	put16(b, 0x0201);
	put16(b, 0xc000);	/* 192.0.2.2 */
	put16(b, 0x0202);
}

static void ipv6(struct fb *b, uint8_t nh, uint16_t plen)
{
	static const uint8_t a1[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t a2[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

	put8(b, 0x60);
	fill(b, 3, 0);
	put16(b, plen);
	put8(b, nh);
	put8(b, 64);
	put(b, a1, 16);
	put(b, a2, 16);
}

/* an extension header of type `type`, total length per docs/counting.md ("ipproto") */
static void ext(struct fb *b, uint8_t type, uint8_t nh, uint8_t hdrlen)
{
	uint32_t total = type == 44 ? 8 : type == 51 ? (hdrlen + 2u) * 4 : (hdrlen + 1u) * 8;

	put8(b, nh);
	put8(b, hdrlen);
	/* 59 (no next header): a walk that lands in a body by a wrong length stops on it */
	fill(b, total - 2, 59);
}

static void l4(struct fb *b, uint8_t proto, uint32_t payload)
{
	uint32_t hl = proto == 6 ? 20 : proto == 17 ? 8 : proto == 1 || proto == 58 ? 8 : 4;

	fill(b, hl, 0x11);
	fill(b, payload, 0xab);
}

/* ---- the table ---- */

struct table {
	struct frame_case *c;
	size_t n, cap;
};

static struct frame_case *add(struct table *t, const char *name, enum pc_link link,
			      uint16_t protocol)
{
	struct frame_case *c;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->c = realloc(t->c, t->cap * sizeof(*t->c));
		if (!t->c) {
			perror("frames");
			exit(1);
		}
	}
	c = &t->c[t->n++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->link = link;
	c->protocol = protocol;
	return c;
}

#define KEY(L3, P) pc_key_make(PC_DIR_RX, PC_L3_##L3, (P))
#define NONE PC_PROTO_NONE
#define UNKNOWN PC_PROTO_UNKNOWN

/* A hand-checked case: expected key written out, bytes = the frame's length. */
#define LINK_CASE(NAME, LINK, PROTO, EXPKEY, BUILD) do {		\
	struct frame_case *c_ = add(&t, NAME, LINK, PROTO);		\
	struct fb b_ = { c_->data, 0 }, *b = &b_;			\
	BUILD;								\
	c_->len = b_.len;						\
	c_->key = (EXPKEY);						\
	c_->bytes = b_.len;						\
} while (0)
#define CASE(NAME, EXPKEY, BUILD) LINK_CASE(NAME, PC_LINK_ETH, 0, EXPKEY, BUILD)
#define RAW_CASE(NAME, PROTO, EXPKEY, BUILD) LINK_CASE(NAME, PC_LINK_RAW, PROTO, EXPKEY, BUILD)

size_t frames_build(struct frame_case **out)
{
	struct table t = { 0 };
	size_t hand, i;
	char name[96];

	/* IPv4 */
	CASE("ipv4 tcp", KEY(IPV4, 6), (eth(b, 0x0800), ipv4(b, 6, 20 + 10, 0), l4(b, 6, 10)));
	CASE("ipv4 udp 60 bytes", KEY(IPV4, 17), (eth(b, 0x0800), ipv4(b, 17, 26, 0), l4(b, 17, 18)));
	CASE("ipv4 icmp", KEY(IPV4, 1), (eth(b, 0x0800), ipv4(b, 1, 64, 0), l4(b, 1, 56)));
	CASE("ipv4 igmp", KEY(IPV4, 2), (eth(b, 0x0800), ipv4(b, 2, 8, 0), fill(b, 8, 0)));
	CASE("ipv4 gre", KEY(IPV4, 47), (eth(b, 0x0800), ipv4(b, 47, 4, 0), fill(b, 4, 0)));
	CASE("ipv4 esp", KEY(IPV4, 50), (eth(b, 0x0800), ipv4(b, 50, 40, 0), fill(b, 40, 0)));
	CASE("ipv4 sctp", KEY(IPV4, 132), (eth(b, 0x0800), ipv4(b, 132, 12, 0), fill(b, 12, 0)));
	CASE("ipv4 proto 0", KEY(IPV4, 0), (eth(b, 0x0800), ipv4(b, 0, 0, 0)));
	CASE("ipv4 proto 255", KEY(IPV4, 255), (eth(b, 0x0800), ipv4(b, 255, 0, 0)));
	CASE("ipv4 first fragment (MF)", KEY(IPV4, 17), (eth(b, 0x0800), ipv4(b, 17, 48, 0x2000), l4(b, 17, 40)));
	CASE("ipv4 later fragment", KEY(IPV4, 17), (eth(b, 0x0800), ipv4(b, 17, 40, 0x0005), fill(b, 40, 0)));
	CASE("ipv4 with options", KEY(IPV4, 6), (eth(b, 0x0800), ipv4(b, 6, 24, 0), b->p[14] = 0x46, l4(b, 6, 0)));
	CASE("ipv4 ends before protocol (20 bytes)", KEY(IPV4, UNKNOWN), (eth(b, 0x0800), fill(b, 6, 0x45)));
	CASE("ipv4 ends just after protocol", KEY(IPV4, 17), (eth(b, 0x0800), ipv4(b, 17, 0, 0), b->len = 24));
	CASE("ipv4 bare ethertype", KEY(IPV4, UNKNOWN), (eth(b, 0x0800)));
	CASE("ipv4 large 3000 bytes", KEY(IPV4, 17), (eth(b, 0x0800), ipv4(b, 17, 3000 - 34, 0), l4(b, 17, 3000 - 42)));

	/* IPv6 and its extension headers */
	CASE("ipv6 tcp", KEY(IPV6, 6), (eth(b, 0x86dd), ipv6(b, 6, 20), l4(b, 6, 0)));
	CASE("ipv6 udp", KEY(IPV6, 17), (eth(b, 0x86dd), ipv6(b, 17, 8 + 4), l4(b, 17, 4)));
	CASE("ipv6 icmpv6", KEY(IPV6, 58), (eth(b, 0x86dd), ipv6(b, 58, 8), l4(b, 58, 0)));
	CASE("ipv6 hop-by-hop tcp (94 bytes)", KEY(IPV6, 6),
	     (eth(b, 0x86dd), ipv6(b, 0, 8 + 32), ext(b, 0, 6, 0), l4(b, 6, 12)));
	CASE("ipv6 routing udp", KEY(IPV6, 17),
	     (eth(b, 0x86dd), ipv6(b, 43, 24 + 8), ext(b, 43, 17, 2), l4(b, 17, 0)));
	CASE("ipv6 dest options udp", KEY(IPV6, 17),
	     (eth(b, 0x86dd), ipv6(b, 60, 16 + 8), ext(b, 60, 17, 1), l4(b, 17, 0)));
	CASE("ipv6 fragment udp", KEY(IPV6, 17),
	     (eth(b, 0x86dd), ipv6(b, 44, 8 + 8), ext(b, 44, 17, 0xff), l4(b, 17, 0)));
	CASE("ipv6 later fragment udp", KEY(IPV6, 17),
	     (eth(b, 0x86dd), ipv6(b, 44, 8 + 100), ext(b, 44, 17, 0), fill(b, 100, 0)));
	CASE("ipv6 ah tcp", KEY(IPV6, 6),
	     (eth(b, 0x86dd), ipv6(b, 51, 24 + 20), ext(b, 51, 6, 4), l4(b, 6, 0)));
	CASE("ipv6 ah esp", KEY(IPV6, 50),
	     (eth(b, 0x86dd), ipv6(b, 51, 16 + 20), ext(b, 51, 50, 2), fill(b, 20, 0)));
	CASE("ipv6 esp", KEY(IPV6, 50), (eth(b, 0x86dd), ipv6(b, 50, 20), fill(b, 20, 0)));
	CASE("ipv6 no next header", KEY(IPV6, 59), (eth(b, 0x86dd), ipv6(b, 59, 0)));
	CASE("ipv6 chain of 4 then udp", KEY(IPV6, 17),
	     (eth(b, 0x86dd), ipv6(b, 0, 8 + 8 + 8 + 8 + 8), ext(b, 0, 60, 0), ext(b, 60, 43, 0),
	      ext(b, 43, 44, 0), ext(b, 44, 17, 0), l4(b, 17, 0)));
	CASE("ipv6 chain of 5: stops after 4", KEY(IPV6, 44),
	     (eth(b, 0x86dd), ipv6(b, 0, 48), ext(b, 0, 60, 0), ext(b, 60, 43, 0),
	      ext(b, 43, 60, 0), ext(b, 60, 44, 0), ext(b, 44, 17, 0), l4(b, 17, 0)));
	CASE("ipv6 chain of 6: stops after 4", KEY(IPV6, 51),
	     (eth(b, 0x86dd), ipv6(b, 0, 64), ext(b, 0, 0, 0), ext(b, 0, 0, 0),
	      ext(b, 0, 0, 0), ext(b, 0, 51, 0), ext(b, 51, 6, 2), l4(b, 6, 0)));
	CASE("ipv6 ah (hdrlen 4) then dest options then udp", KEY(IPV6, 17),
	     (eth(b, 0x86dd), ipv6(b, 51, 24 + 16 + 8), ext(b, 51, 60, 4), ext(b, 60, 17, 1), l4(b, 17, 0)));
	CASE("ipv6 hop-by-hop (hdrlen 1) then routing (hdrlen 2) then tcp", KEY(IPV6, 6),
	     (eth(b, 0x86dd), ipv6(b, 0, 16 + 24 + 20), ext(b, 0, 43, 1), ext(b, 43, 6, 2), l4(b, 6, 0)));
	CASE("ipv6 fragment (hdrlen byte 0xff) then dest options then udp", KEY(IPV6, 17),
	     (eth(b, 0x86dd), ipv6(b, 44, 8 + 8 + 8), ext(b, 44, 60, 0xff), ext(b, 60, 17, 0), l4(b, 17, 0)));
	CASE("ipv6 dest options (hdrlen 3) then ah (hdrlen 1) then icmpv6", KEY(IPV6, 58),
	     (eth(b, 0x86dd), ipv6(b, 60, 32 + 12 + 8), ext(b, 60, 51, 3), ext(b, 51, 58, 1), l4(b, 58, 0)));
	CASE("ipv6 hop-by-hop, long (hdrlen 255)", KEY(IPV6, 17),
	     (eth(b, 0x86dd), ipv6(b, 0, 2048 + 8), ext(b, 0, 17, 255), l4(b, 17, 0)));
	CASE("ipv6 ends before next header", KEY(IPV6, UNKNOWN),
	     (eth(b, 0x86dd), ipv6(b, 6, 0), b->len = 14 + 6));
	CASE("ipv6 ends just after next header", KEY(IPV6, 6),
	     (eth(b, 0x86dd), ipv6(b, 6, 0), b->len = 14 + 7));
	CASE("ipv6 hop-by-hop cut before its first two bytes", KEY(IPV6, 0),
	     (eth(b, 0x86dd), ipv6(b, 0, 8), put8(b, 17)));
	CASE("ipv6 hop-by-hop cut after its first two bytes", KEY(IPV6, 17),
	     (eth(b, 0x86dd), ipv6(b, 0, 8), put8(b, 17), put8(b, 0)));
	CASE("ipv6 extension header past the frame end", KEY(IPV6, 60),
	     (eth(b, 0x86dd), ipv6(b, 0, 8), put8(b, 60), put8(b, 200), fill(b, 6, 0)));

	/* other ethertypes */
	CASE("arp request 42 bytes", KEY(ARP, NONE), (eth(b, 0x0806), fill(b, 28, 0x01)));
	CASE("arp padded to 60", KEY(ARP, NONE), (eth(b, 0x0806), fill(b, 46, 0)));
	CASE("rarp", KEY(RARP, NONE), (eth(b, 0x8035), fill(b, 28, 0)));
	CASE("lldp", KEY(LLDP, NONE), (eth(b, 0x88cc), fill(b, 46, 0)));
	CASE("eapol", KEY(EAPOL, NONE), (eth(b, 0x888e), fill(b, 46, 0)));
	CASE("pppoe discovery", KEY(PPPOE_DISC, NONE), (eth(b, 0x8863), fill(b, 46, 0)));
	CASE("pppoe session", KEY(PPPOE_SESS, NONE), (eth(b, 0x8864), fill(b, 46, 0)));
	CASE("mpls unicast", KEY(MPLS, NONE), (eth(b, 0x8847), fill(b, 46, 0)));
	CASE("mpls multicast", KEY(MPLS, NONE), (eth(b, 0x8848), fill(b, 46, 0)));
	CASE("802.3 stp, length 0x0026", KEY(LLC, NONE), (eth(b, 0x0026), fill(b, 0x26, 0x42)));
	CASE("802.3 length 0", KEY(LLC, NONE), (eth(b, 0x0000), fill(b, 46, 0)));
	CASE("802.3 length 0x05ff", KEY(LLC, NONE), (eth(b, 0x05ff), fill(b, 46, 0)));
	CASE("ethertype 0x0600", KEY(OTHER, NONE), (eth(b, 0x0600), fill(b, 46, 0)));
	CASE("ethertype 0x9000 loopback", KEY(OTHER, NONE), (eth(b, 0x9000), fill(b, 46, 0)));
	CASE("ethertype 0xffff", KEY(OTHER, NONE), (eth(b, 0xffff), fill(b, 46, 0)));

	/* VLAN tags in the frame */
	CASE("802.1q ipv4 udp", KEY(IPV4, 17),
	     (eth(b, 0x8100), vlan(b, 10, 0x0800), ipv4(b, 17, 8, 0), l4(b, 17, 0)));
	CASE("802.1ad+802.1q ipv6 tcp", KEY(IPV6, 6),
	     (eth(b, 0x88a8), vlan(b, 100, 0x8100), vlan(b, 10, 0x86dd), ipv6(b, 6, 20), l4(b, 6, 0)));
	CASE("0x9100 tag arp", KEY(ARP, NONE), (eth(b, 0x9100), vlan(b, 5, 0x0806), fill(b, 28, 0)));
	CASE("two tags then llc", KEY(LLC, NONE),
	     (eth(b, 0x8100), vlan(b, 1, 0x8100), vlan(b, 2, 0x0030), fill(b, 0x30, 0)));
	CASE("three tags: other", KEY(OTHER, NONE),
	     (eth(b, 0x8100), vlan(b, 1, 0x8100), vlan(b, 2, 0x8100), vlan(b, 3, 0x0800),
	      ipv4(b, 17, 8, 0), l4(b, 17, 0)));
	CASE("tag cut before its ethertype", KEY(OTHER, NONE), (eth(b, 0x8100), put16(b, 10)));
	CASE("tag cut inside its ethertype", KEY(OTHER, NONE), (eth(b, 0x8100), put16(b, 10), put8(b, 8)));
	CASE("tag, ipv4 cut before protocol", KEY(IPV4, UNKNOWN),
	     (eth(b, 0x8100), vlan(b, 10, 0x0800), fill(b, 9, 0x45)));
	CASE("tag, ipv6 hop-by-hop icmpv6", KEY(IPV6, 58),
	     (eth(b, 0x8100), vlan(b, 10, 0x86dd), ipv6(b, 0, 8 + 8), ext(b, 0, 58, 0), l4(b, 58, 0)));

	/* runts: shorter than an Ethernet header */
	for (i = 0; i < 14; i++) {
		snprintf(name, sizeof(name), "runt of %zu bytes", i);
		CASE(name, KEY(RUNT, NONE), (fill(b, (uint32_t)i, 0x08)));
	}

	/* links without a link-layer header: class from skb->protocol */
	RAW_CASE("raw ipv4 udp", 0x0800, KEY(IPV4, 17), (ipv4(b, 17, 8, 0), l4(b, 17, 0)));
	RAW_CASE("raw ipv4 tcp", 0x0800, KEY(IPV4, 6), (ipv4(b, 6, 20, 0), l4(b, 6, 0)));
	RAW_CASE("raw ipv6 hop-by-hop icmpv6", 0x86dd, KEY(IPV6, 58),
		 (ipv6(b, 0, 16), ext(b, 0, 58, 0), l4(b, 58, 0)));
	RAW_CASE("raw ipv4 cut before protocol", 0x0800, KEY(IPV4, UNKNOWN), (fill(b, 9, 0x45)));
	RAW_CASE("raw ipv6 cut before next header", 0x86dd, KEY(IPV6, UNKNOWN), (fill(b, 6, 0x60)));
	RAW_CASE("raw empty ipv4", 0x0800, KEY(IPV4, UNKNOWN), (void)b);
	RAW_CASE("raw arp", 0x0806, KEY(ARP, NONE), (fill(b, 28, 0)));
	RAW_CASE("raw mpls", 0x8847, KEY(MPLS, NONE), (fill(b, 8, 0)));
	RAW_CASE("raw vlan protocol: other", 0x8100, KEY(OTHER, NONE), (fill(b, 40, 0)));
	RAW_CASE("raw ethertype 0x1234: other", 0x1234, KEY(OTHER, NONE), (fill(b, 40, 0)));

	/* The model must agree with every hand-written case before it may judge cuts. */
	hand = t.n;
	for (i = 0; i < hand; i++) {
		struct frame_case *c = &t.c[i];
		unsigned int k = frames_ref_key(c->data, c->len, c->link, c->protocol, 0);

		if (k != c->key) {
			char a[48], e[48];

			fprintf(stderr, "frames: reference model says %s for '%s', the table %s\n",
				frames_key_str(k, a, sizeof(a)), c->name, frames_key_str(c->key, e, sizeof(e)));
			abort();
		}
	}

	/* Every base frame cut at every length from 0 to its own. */
	for (i = 0; i < hand; i++) {
		struct frame_case base = t.c[i];
		uint32_t cut;

		if (base.len > 200)
			continue;	/* the large ones add nothing but time */
		for (cut = 0; cut < base.len; cut++) {
			struct frame_case *c;

			snprintf(name, sizeof(name), "%.70s cut to %u", base.name, cut);
			c = add(&t, name, base.link, base.protocol);
			memcpy(c->data, base.data, cut);
			c->len = cut;
			c->key = frames_ref_key(c->data, cut, c->link, c->protocol, 0);
			c->bytes = cut;
		}
	}
	*out = t.c;
	return t.n;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace classifier: the same key as the eBPF program in insn/count.c,
 * step for step, over the header bytes a classic or pcap tap copied out.
 * Every read is checked against both the bytes captured and the frame's
 * length; a byte the frame has but the capture lacks is read as the end of
 * the frame (the classic filter's snaplen is chosen so that cannot happen:
 * see insn/classic.c).
 */
#include <string.h>

#include "pc_key.h"

struct frame {
	const uint8_t *p;
	uint32_t end;	/* min(caplen, len) */
};

static int have(const struct frame *f, uint32_t off, uint32_t n)
{
	return off <= f->end && n <= f->end - off;
}

static unsigned int be16(const struct frame *f, uint32_t off)
{
	return (unsigned int)f->p[off] << 8 | f->p[off + 1];
}

static int is_tpid(unsigned int et)
{
	return et == PC_ETHERTYPE_VLAN || et == PC_ETHERTYPE_QINQ || et == PC_ETHERTYPE_QINQ_OLD;
}

/*
 * What the walk of one frame found: its slot (the key without direction),
 * and for the breakdowns (--by) where the network header starts, where the
 * transport header starts (0: not reached) and whether that header is a
 * fragment's first (the only one with ports).
 */
struct walk {
	unsigned int slot;
	uint32_t l3off, l4off;
	int first_frag;
};

static void ipv6_walk(const struct frame *f, uint32_t off, struct walk *w)
{
	unsigned int nh;
	int i;

	if (!have(f, off + PC_IPV6_NEXTHDR_OFF, 1)) {
		w->slot = PC_SLOT_IPV6 + PC_PROTO_UNKNOWN;
		return;
	}
	nh = f->p[off + PC_IPV6_NEXTHDR_OFF];
	off += PC_IPV6_HLEN;
	for (i = 0; i < PC_IPV6_EXT_MAX; i++) {
		unsigned int next, hdrlen;

		if (nh != PC_IPPROTO_HOPOPTS && nh != PC_IPPROTO_ROUTING && nh != PC_IPPROTO_DSTOPTS &&
		    nh != PC_IPPROTO_FRAGMENT && nh != PC_IPPROTO_AH)
			break;
		if (!have(f, off, 2))
			break;
		next = f->p[off];
		hdrlen = f->p[off + 1];
		if (nh == PC_IPPROTO_FRAGMENT) {
			/* the fragment offset: bytes 2-3, all but the low 3 bits */
			if (!have(f, off + 2, 2) || (be16(f, off + 2) & ~7u))
				w->first_frag = 0;
			off += PC_IPV6_FRAG_HLEN;
		} else if (nh == PC_IPPROTO_AH) {
			off += (hdrlen + 2) * 4;
		} else {
			off += (hdrlen + 1) * 8;
		}
		nh = next;
	}
	w->slot = PC_SLOT_IPV6 + nh;
	w->l4off = off;
}

/* The slot of the header announced by ethertype et at offset off. */
static void l3_walk(const struct frame *f, unsigned int et, uint32_t off, struct walk *w)
{
	w->l3off = off;
	w->first_frag = 1;
	switch (et) {
	case PC_ETHERTYPE_IPV4:
		if (!have(f, off + PC_IPV4_PROTO_OFF, 1)) {
			w->slot = PC_SLOT_IPV4 + PC_PROTO_UNKNOWN;
			return;
		}
		w->slot = PC_SLOT_IPV4 + f->p[off + PC_IPV4_PROTO_OFF];
		/* fragment offset (bytes 6-7, low 13 bits), header length (IHL) */
		w->first_frag = !(be16(f, off + PC_IPV4_FRAG_OFF) & PC_IPV4_FRAG_MASK);
		w->l4off = off + (f->p[off] & PC_IPV4_IHL_MASK) * 4u;
		return;
	case PC_ETHERTYPE_IPV6:
		ipv6_walk(f, off, w);
		return;
#define CLASS(ETHERTYPE, L3) case ETHERTYPE: w->slot = PC_SLOT_L3(L3); return;
	PC_NONIP_ETHERTYPES(CLASS)
#undef CLASS
	default:
		w->slot = PC_SLOT_L3(et < PC_ETHERTYPE_MIN ? PC_L3_LLC : PC_L3_OTHER);
	}
}

static void walk(const struct frame *f, enum pc_link link, uint16_t protocol, int vlan_moved,
		 struct walk *w)
{
	unsigned int et, tags = vlan_moved ? 1 : 0;
	uint32_t off = PC_ETH_HLEN;

	w->l3off = w->l4off = 0;
	w->first_frag = 0;
	if (link == PC_LINK_RAW) {
		if (is_tpid(protocol))
			w->slot = PC_SLOT_L3(PC_L3_OTHER);
		else
			l3_walk(f, protocol, 0, w);
		return;
	}
	if (f->end < PC_ETH_HLEN) {
		w->slot = PC_SLOT_L3(PC_L3_RUNT);
		return;
	}
	et = be16(f, PC_ETH_TYPE_OFF);
	while (is_tpid(et)) {
		/* a third tag, or a tag the frame ends inside: other */
		if (tags == PC_VLAN_MAX || !have(f, off + 2, 2)) {
			w->slot = PC_SLOT_L3(PC_L3_OTHER);
			return;
		}
		et = be16(f, off + 2);
		off += PC_VLAN_HLEN;
		tags++;
	}
	l3_walk(f, et, off, w);
}

unsigned int pc_classify(const uint8_t *p, uint32_t caplen, uint32_t len, enum pc_link link,
			 uint16_t protocol, int vlan_moved, int outgoing, uint64_t *bytes)
{
	struct frame f = { p, caplen < len ? caplen : len };
	struct walk w;

	*bytes = (uint64_t)len + (vlan_moved ? PC_VLAN_HLEN : 0);
	walk(&f, link, protocol, vlan_moved, &w);
	return (outgoing ? PC_NSLOTS : 0) + w.slot;
}

/* Transport protocols whose first four bytes are the ports (docs/counting.md, "Breakdowns"). */
static int has_ports(unsigned int ipproto)
{
	return ipproto == PC_IPPROTO_TCP || ipproto == PC_IPPROTO_UDP ||
	       ipproto == PC_IPPROTO_UDPLITE || ipproto == PC_IPPROTO_SCTP;
}

/* The addresses of the IP header at w->l3off into k->a (source) and k->b; 0 if cut short. */
static int addresses(const struct frame *f, const struct walk *w, int v6, struct pc_bkey *k)
{
	uint32_t off = w->l3off + (v6 ? PC_IPV6_SRC_OFF : PC_IPV4_SRC_OFF);
	uint32_t n = v6 ? 16 : 4;

	if (!have(f, off, 2 * n))
		return 0;
	memcpy(k->a, f->p + off, n);
	memcpy(k->b, f->p + off + n, n);
	return 1;
}

void pc_bkey_make(const uint8_t *p, uint32_t caplen, uint32_t len, enum pc_link link,
		  uint16_t protocol, int vlan_moved, int outgoing, enum pc_by by, struct pc_bkey *k)
{
	struct frame f = { p, caplen < len ? caplen : len };
	struct pc_key_parts parts;
	struct walk w;
	int v6;

	walk(&f, link, protocol, vlan_moved, &w);
	parts = pc_key_split(w.slot);
	memset(k, 0, sizeof(*k));
	k->l3 = (uint8_t)parts.l3;
	k->what = PC_BKEY_CLASS;	/* until the key can be built */
	if (by == PC_BY_MAC) {
		if (link != PC_LINK_ETH || f.end < PC_ETH_HLEN)
			return;
		/* the other end: rx the source, tx the destination */
		memcpy(k->a, f.p + (outgoing ? 0 : PC_ETH_ALEN), PC_ETH_ALEN);
		k->l3 = PC_L3_COUNT;	/* one entry per MAC, whatever it carries */
		k->what = PC_BKEY_BUILT;
		return;
	}
	if ((parts.l3 != PC_L3_IPV4 && parts.l3 != PC_L3_IPV6) || parts.ipproto == PC_PROTO_UNKNOWN)
		return;
	v6 = parts.l3 == PC_L3_IPV6;
	if (!addresses(&f, &w, v6, k))
		return;
	k->what = PC_BKEY_BUILT;
	if (by == PC_BY_HOST) {
		if (outgoing)
			memcpy(k->a, k->b, sizeof(k->a));
		memset(k->b, 0, sizeof(k->b));
		return;
	}
	if (by != PC_BY_FLOW)
		return;
	k->ipproto = (uint8_t)parts.ipproto;
	if (has_ports((unsigned int)parts.ipproto) && w.first_frag && w.l4off && have(&f, w.l4off, 4)) {
		k->sport = (uint16_t)be16(&f, w.l4off);
		k->dport = (uint16_t)be16(&f, w.l4off + 2);
	}
}

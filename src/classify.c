// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace classifier: the same key as the eBPF program in insn/count.c,
 * step for step, over the header bytes a classic or pcap tap copied out.
 * Every read is checked against both the bytes captured and the frame's
 * length; a byte the frame has but the capture lacks is read as the end of
 * the frame (the classic filter's snaplen is chosen so that cannot happen:
 * see insn/classic.c).
 */
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

static unsigned int ipv6_slot(const struct frame *f, uint32_t off)
{
	unsigned int nh;
	int i;

	if (!have(f, off + PC_IPV6_NEXTHDR_OFF, 1))
		return PC_SLOT_IPV6 + PC_PROTO_UNKNOWN;
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
		if (nh == PC_IPPROTO_FRAGMENT)
			off += PC_IPV6_FRAG_HLEN;
		else if (nh == PC_IPPROTO_AH)
			off += (hdrlen + 2) * 4;
		else
			off += (hdrlen + 1) * 8;
		nh = next;
	}
	return PC_SLOT_IPV6 + nh;
}

/* The slot of the header announced by ethertype et at offset off. */
static unsigned int l3_slot(const struct frame *f, unsigned int et, uint32_t off)
{
	switch (et) {
	case PC_ETHERTYPE_IPV4:
		if (!have(f, off + PC_IPV4_PROTO_OFF, 1))
			return PC_SLOT_IPV4 + PC_PROTO_UNKNOWN;
		return PC_SLOT_IPV4 + f->p[off + PC_IPV4_PROTO_OFF];
	case PC_ETHERTYPE_IPV6:
		return ipv6_slot(f, off);
#define CLASS(ETHERTYPE, L3) case ETHERTYPE: return PC_SLOT_L3(L3);
	PC_NONIP_ETHERTYPES(CLASS)
#undef CLASS
	default:
		return PC_SLOT_L3(et < PC_ETHERTYPE_MIN ? PC_L3_LLC : PC_L3_OTHER);
	}
}

unsigned int pc_classify(const uint8_t *p, uint32_t caplen, uint32_t len, enum pc_link link,
			 uint16_t protocol, int vlan_moved, int outgoing, uint64_t *bytes)
{
	struct frame f = { p, caplen < len ? caplen : len };
	unsigned int slot, et, tags = vlan_moved ? 1 : 0;
	uint32_t off = PC_ETH_HLEN;

	*bytes = (uint64_t)len + (vlan_moved ? PC_VLAN_HLEN : 0);
	if (link == PC_LINK_RAW) {
		slot = is_tpid(protocol) ? PC_SLOT_L3(PC_L3_OTHER) : l3_slot(&f, protocol, 0);
	} else if (f.end < PC_ETH_HLEN) {
		slot = PC_SLOT_L3(PC_L3_RUNT);
	} else {
		et = be16(&f, PC_ETH_TYPE_OFF);
		slot = PC_NSLOTS;	/* not yet known */
		while (is_tpid(et)) {
			/* a third tag, or a tag the frame ends inside: other */
			if (tags == PC_VLAN_MAX || !have(&f, off + 2, 2)) {
				slot = PC_SLOT_L3(PC_L3_OTHER);
				break;
			}
			et = be16(&f, off + 2);
			off += PC_VLAN_HLEN;
			tags++;
		}
		if (slot == PC_NSLOTS)
			slot = l3_slot(&f, et, off);
	}
	return (outgoing ? PC_NSLOTS : 0) + slot;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counting key (docs/counting.md, "The counting key"), shared by the eBPF
 * program in insn/, every userspace classifier and the output.
 *
 * A key is an index into one flat array of counters:
 *
 *   key  = dir * PC_NSLOTS + slot
 *   slot = PC_SLOT_IPV4 + ipproto   ipv4, ipproto 0..255 or PC_PROTO_UNKNOWN
 *        | PC_SLOT_IPV6 + ipproto   ipv6, likewise
 *        | PC_SLOT_NONIP + (l3 - PC_L3_FIRST_NONIP)   every other class
 *
 * so the program only ever adds constants and a loaded byte to build it,
 * and the array map it indexes needs no hashing.
 */
#ifndef PKTCOUNT_KEY_H
#define PKTCOUNT_KEY_H

#include <stdint.h>

enum pc_dir { PC_DIR_RX = 0, PC_DIR_TX = 1, PC_DIR_COUNT };

enum pc_l3 {
	PC_L3_IPV4,
	PC_L3_IPV6,
	PC_L3_ARP,
	PC_L3_RARP,
	PC_L3_LLDP,
	PC_L3_EAPOL,
	PC_L3_PPPOE_DISC,
	PC_L3_PPPOE_SESS,
	PC_L3_MPLS,
	PC_L3_LLC,	/* an 802.3 length field, below 0x0600 */
	PC_L3_OTHER,	/* any other ethertype, a third VLAN tag, a cut tag */
	PC_L3_RUNT,	/* shorter than an Ethernet header */
	PC_L3_COUNT
};
#define PC_L3_FIRST_NONIP PC_L3_ARP

/* ipproto value for "the frame ends before the protocol byte" */
#define PC_PROTO_UNKNOWN 256
/* ipproto value for classes that have none (non-IP) */
#define PC_PROTO_NONE (-1)

#define PC_SLOT_IPV4	0
#define PC_SLOT_IPV6	(PC_SLOT_IPV4 + 257)
#define PC_SLOT_NONIP	(PC_SLOT_IPV6 + 257)
#define PC_SLOT_L3(L3)	(PC_SLOT_NONIP + (L3) - PC_L3_FIRST_NONIP)
#define PC_NSLOTS	(PC_SLOT_NONIP + PC_L3_COUNT - PC_L3_FIRST_NONIP)
#define PC_NKEYS	(PC_DIR_COUNT * PC_NSLOTS)
/*
 * Map 0 of every eBPF counting program (insn/count.c): the PC_NKEYS
 * protocol counters; then, with --by, per direction the frames whose key
 * found the entry map full; then the new-key counter, one more at the
 * first packet of each key (per CPU), so that a read can skip the keys that
 * never counted until it moves (src/ebpf.c).
 */
#define PC_MAP0_OVERFLOW	PC_NKEYS
#define PC_MAP0_NEWKEYS		(PC_NKEYS + PC_DIR_COUNT)
#define PC_MAP0_SLOTS		(PC_MAP0_NEWKEYS + 1)

/* Ethertypes the key names (spec table). */
#define PC_ETH_HLEN		14
#define PC_ETH_TYPE_OFF		12
#define PC_VLAN_HLEN		4
#define PC_VLAN_MAX		2	/* tags walked, a moved-out tag included */
#define PC_ETHERTYPE_MIN	0x0600	/* below: an 802.3 length */
#define PC_ETHERTYPE_IPV4	0x0800
#define PC_ETHERTYPE_ARP	0x0806
#define PC_ETHERTYPE_RARP	0x8035
#define PC_ETHERTYPE_VLAN	0x8100
#define PC_ETHERTYPE_QINQ	0x88a8
#define PC_ETHERTYPE_QINQ_OLD	0x9100
#define PC_ETHERTYPE_IPV6	0x86dd
#define PC_ETHERTYPE_PPPOE_DISC	0x8863
#define PC_ETHERTYPE_PPPOE_SESS	0x8864
#define PC_ETHERTYPE_MPLS_UC	0x8847
#define PC_ETHERTYPE_MPLS_MC	0x8848
#define PC_ETHERTYPE_EAPOL	0x888e
#define PC_ETHERTYPE_LLDP	0x88cc

/*
 * The ethertypes that name a non-IP class, as X(ETHERTYPE, L3) pairs: the
 * eBPF program and the userspace classifier both expand this one list.
 */
#define PC_NONIP_ETHERTYPES(X)			\
	X(PC_ETHERTYPE_ARP, PC_L3_ARP)		\
	X(PC_ETHERTYPE_RARP, PC_L3_RARP)	\
	X(PC_ETHERTYPE_LLDP, PC_L3_LLDP)	\
	X(PC_ETHERTYPE_EAPOL, PC_L3_EAPOL)	\
	X(PC_ETHERTYPE_PPPOE_DISC, PC_L3_PPPOE_DISC) \
	X(PC_ETHERTYPE_PPPOE_SESS, PC_L3_PPPOE_SESS) \
	X(PC_ETHERTYPE_MPLS_UC, PC_L3_MPLS)	\
	X(PC_ETHERTYPE_MPLS_MC, PC_L3_MPLS)

/* IPv4 and IPv6 header facts the program and the classifiers use. */
#define PC_IPV4_PROTO_OFF	9
#define PC_IPV6_NEXTHDR_OFF	6
#define PC_IPV6_HLEN		40
#define PC_IPV6_EXT_MAX		4	/* extension headers walked */
#define PC_IPPROTO_HOPOPTS	0
#define PC_IPPROTO_ROUTING	43
#define PC_IPPROTO_FRAGMENT	44
#define PC_IPPROTO_AH		51
#define PC_IPPROTO_DSTOPTS	60
#define PC_IPV6_FRAG_HLEN	8
#define PC_IPV4_IHL_MASK	0x0f	/* of the first byte: header length in 4-byte words */
#define PC_IPV4_HLEN		20	/* without options */
#define PC_IPV4_FRAG_OFF	6	/* flags and fragment offset */
#define PC_IPV4_FRAG_MASK	0x1fff	/* the fragment offset: not 0 after the first */
#define PC_IPV4_SRC_OFF		12	/* then the destination, 4 bytes each */
#define PC_IPV6_SRC_OFF		8	/* then the destination, 16 bytes each */
#define PC_ETH_ALEN		6	/* destination MAC at 0, source at 6 */

/* Transport facts the wire unit uses (docs/counting.md, "The unit"). */
#define PC_IPPROTO_TCP		6
#define PC_IPPROTO_UDP		17
#define PC_TCP_DOFF_OFF		12	/* data offset, in 4-byte words, in the high nibble */
#define PC_UDP_HLEN		8
#define PC_IPPROTO_SCTP		132
#define PC_IPPROTO_UDPLITE	136

/*
 * Bytes of a frame a userspace tap must keep for its key (see
 * insn/gen-classic.sh): up to the IPv4 protocol byte behind two tags, or, for
 * IPv6 with extension headers, the fourth one's first two bytes behind three
 * of the largest (2048 bytes) size.
 */
#define PC_CLASSIC_SNAP		(PC_ETH_HLEN + PC_VLAN_MAX * PC_VLAN_HLEN + PC_IPV4_PROTO_OFF + 1)
#define PC_CLASSIC_SNAP_EXT	(PC_ETH_HLEN + PC_VLAN_MAX * PC_VLAN_HLEN + PC_IPV6_HLEN + 3 * 2048 + 2)
/*
 * With --by: up to the ports behind an IPv4 header of 60 bytes and two tags
 * (an IPv6 header without extension headers needs less; with them, the
 * filter keeps PC_CLASSIC_SNAP_EXT as before).
 */
#define PC_CLASSIC_SNAP_BY	(PC_ETH_HLEN + PC_VLAN_MAX * PC_VLAN_HLEN + 60 + 4)

/*
 * Traffic classes (--class; include/pc_class.h): at most PC_CLASS_MAX, each
 * counted per direction, and per direction one row for the frames no class
 * matched.
 */
#define PC_CLASS_MAX		64
#define PC_CLASS_ROWS		(PC_DIR_COUNT * (PC_CLASS_MAX + 1))

/* map_update_elem's answer when another CPU made the key first (EEXIST, the same on every arch Linux has) */
#define PC_EEXIST		17

/* packet type of a frame the host sent (linux/if_packet.h) */
#define PC_PACKET_OUTGOING	4

/*
 * What one counted packet is (docs/counting.md, "The unit"): an skb as the
 * tap sees it, or the frames it stands for on the wire (a GSO or GRO skb
 * counts its segments, and the headers each of them carries).
 */
enum pc_unit { PC_UNIT_SKB, PC_UNIT_WIRE };

/* One counter, as stored in the map (per CPU where the map is per-CPU). */
struct pc_counter {
	uint64_t bytes;
	uint64_t packets;
};

struct pc_key_parts {
	enum pc_dir dir;
	enum pc_l3 l3;
	int ipproto;	/* 0..255, PC_PROTO_UNKNOWN, or PC_PROTO_NONE for non-IP */
};

static inline unsigned int pc_key_make(enum pc_dir dir, enum pc_l3 l3, int ipproto)
{
	unsigned int slot;

	if (l3 == PC_L3_IPV4)
		slot = PC_SLOT_IPV4 + (unsigned int)ipproto;
	else if (l3 == PC_L3_IPV6)
		slot = PC_SLOT_IPV6 + (unsigned int)ipproto;
	else
		slot = PC_SLOT_L3(l3);
	return (unsigned int)dir * PC_NSLOTS + slot;
}

static inline struct pc_key_parts pc_key_split(unsigned int key)
{
	struct pc_key_parts p;
	unsigned int slot = key % PC_NSLOTS;

	p.dir = key / PC_NSLOTS ? PC_DIR_TX : PC_DIR_RX;
	if (slot < PC_SLOT_IPV6) {
		p.l3 = PC_L3_IPV4;
		p.ipproto = (int)(slot - PC_SLOT_IPV4);
	} else if (slot < PC_SLOT_NONIP) {
		p.l3 = PC_L3_IPV6;
		p.ipproto = (int)(slot - PC_SLOT_IPV6);
	} else {
		p.l3 = (enum pc_l3)(slot - PC_SLOT_NONIP + PC_L3_FIRST_NONIP);
		p.ipproto = PC_PROTO_NONE;
	}
	return p;
}

/*
 * The userspace classifier (src/classify.c), for every mode that sees frames
 * in userspace: f holds the first caplen bytes of a frame of len bytes (as
 * the tap saw it); vlan_moved says the kernel took a tag out of it; for
 * PC_LINK_RAW, protocol is the skb's protocol (host order).  Returns the key
 * and sets *bytes.  Reads nothing past caplen or len; allocates nothing.
 */
enum pc_link { PC_LINK_ETH, PC_LINK_RAW };
unsigned int pc_classify(const uint8_t *f, uint32_t caplen, uint32_t len, enum pc_link link,
			 uint16_t protocol, int vlan_moved, int outgoing, uint64_t *bytes);

/*
 * Breakdowns (--by; docs/counting.md, "Breakdowns"): besides the protocol
 * key, each frame counts under one entry of a table keyed by struct
 * pc_bkey, whose value holds rx and tx counters.
 *   host  a = the other end's address (rx: source, tx: destination)
 *   pair  a = source, b = destination
 *   flow  a, b, ipproto, and the ports of TCP, UDP, UDP-Lite and SCTP
 *   mac   a = the other end's MAC (rx: source, tx: destination)
 * Addresses are in network byte order, IPv4 in the first 4 bytes; ports in
 * host order.  A frame the key cannot be built for counts under its l3
 * class (what = PC_BKEY_CLASS, the rest 0); a key that finds the table full
 * counts under the one overflow entry (what = PC_BKEY_OTHER).  A key idle
 * for --idle seconds leaves the table; what it counted stays, summed in the
 * idle entry (what = PC_BKEY_IDLE).
 */
enum pc_by { PC_BY_PROTO, PC_BY_HOST, PC_BY_PAIR, PC_BY_FLOW, PC_BY_MAC, PC_BY_COUNT };
enum { PC_BKEY_BUILT, PC_BKEY_CLASS, PC_BKEY_OTHER, PC_BKEY_IDLE };
/* The fixed entries of a table: one per l3 class, then other, then idle. */
#define PC_FIXED_OTHER	PC_L3_COUNT
#define PC_FIXED_IDLE	(PC_L3_COUNT + 1)
#define PC_NFIXED	(PC_L3_COUNT + 2)

struct pc_bkey {
	uint8_t what;		/* PC_BKEY_* */
	uint8_t l3;		/* enum pc_l3; PC_L3_COUNT for a MAC entry */
	uint8_t ipproto;	/* flow */
	uint8_t pad;
	uint16_t sport, dport;	/* flow, host order; 0 where there are none */
	uint8_t a[16], b[16];
};
_Static_assert(sizeof(struct pc_bkey) == 40, "struct pc_bkey is a map key: no hidden padding");

/*
 * The breakdown key of a frame, by the rules above: the same walk as
 * pc_classify(), the same arguments.  Reads nothing past caplen or len.
 */
void pc_bkey_make(const uint8_t *p, uint32_t caplen, uint32_t len, enum pc_link link,
		  uint16_t protocol, int vlan_moved, int outgoing, enum pc_by by, struct pc_bkey *k);

/*
 * One part of a key as every output names it (src/key.c): JSON field or
 * Prometheus label name, and its text; number: JSON prints it bare.
 */
struct pc_kpart {
	const char *name;
	char text[48];
	int number;
};
#define PC_KPARTS_MAX 6
/*
 * The parts of breakdown key k under --by by: host; src, dst; src, dst,
 * ipproto, proto, sport, dport; mac.  A class entry is its l3, the
 * overflow entry "other".  Returns how many (at most PC_KPARTS_MAX).
 */
int pc_bkey_parts(const struct pc_bkey *k, enum pc_by by, struct pc_kpart *parts);
/*
 * The parts of protocol key key (its direction aside): l3; for IP also
 * ipproto (a number, or null when the frame ended before it) and proto
 * (its name, "unknown", or the number when it has no name).  Returns 1 or
 * 3.  Table, JSON and Prometheus print these, each in its own syntax.
 */
int pc_proto_parts(unsigned int key, struct pc_kpart *parts);
/* "host" for PC_BY_HOST, ...: the --by names */
const char *pc_by_name(enum pc_by by);

/* Names, in src/key.c: the spec's class names and IANA protocol keywords. */
const char *pc_dir_name(enum pc_dir dir);
const char *pc_l3_name(enum pc_l3 l3);
/* "wire" or "skb": the JSON "unit", the table's, the pktcount_info label's */
const char *pc_unit_name(enum pc_unit unit);
/* The protocol's name, or NULL when it has none (print the number then). */
const char *pc_ipproto_name(int ipproto);

#endif /* PKTCOUNT_KEY_H */

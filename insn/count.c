// SPDX-License-Identifier: GPL-2.0
/*
 * The counting program: an eBPF socket filter, hand-assembled, that counts
 * every frame under the key of docs/counting.md ("The counting key") and returns
 * 0, so that nothing is ever queued to the socket.
 *
 *   slot = classify(frame);
 *   key  = slot + (pkt_type == PACKET_OUTGOING ? PC_NSLOTS : 0);
 *   c    = map[key];
 *   c->bytes   += skb->len + (skb->vlan_present ? 4 : 0);
 *   c->packets += 1;
 *   return 0;
 *
 * Two units (docs/counting.md, "The unit"):
 *   skb   one skb is one packet, as above (4.1+).
 *   wire  a GSO or GRO skb counts the segments it stands for, each with the
 *         headers the NIC (or the sender) replicated (5.7+: gso_size):
 *           segs = skb->gso_size ? (skb->gso_segs ?: DIV_ROUND_UP(len - hdr, gso_size)) : 1;
 *           c->bytes   += len + (segs - 1) * hdr + segs * (skb->vlan_present ? 4 : 0);
 *           c->packets += segs;
 *         hdr being everything up to the transport payload (below, "wire").
 *
 * Two link kinds:
 *   eth  Ethernet-like devices (and lo), opened SOCK_RAW: offset 0 is the
 *        MAC header; the ethertype is read from the frame and up to two VLAN
 *        tags are walked (a tag the kernel moved out counts toward the two).
 *   raw  every other device, opened SOCK_DGRAM: offset 0 is the network
 *        header and the class comes from skb->protocol.
 * Two counter kinds:
 *   percpu  PERCPU_ARRAY (4.6+): a plain load-add-store on this CPU's copy.
 *   xadd    ARRAY with atomic adds, for 4.1-4.5.
 *
 * Each variant uses only what the oldest kernel that runs it allows
 * (pc_variant_since(), src/prog/variant.c; tests/unit/test_lint.c checks): the
 * instructions of 4.1 for
 * all (no JLT/JLE (4.14), no JMP32 (5.1), no loops (5.3), 4-byte context
 * loads, packet bytes through LD_ABS/LD_IND), and the __sk_buff fields and
 * helpers of its kernel: map_lookup_elem and map_update_elem (4.1), and for
 * the breakdown variants of 4.13+ skb_load_bytes.  Which fragments a variant
 * has is at the end of this file.
 *
 * LD_ABS/LD_IND past the end of the frame ends the program with 0 and the
 * frame would go uncounted, so every load is preceded by a length check.
 * They are helper calls on current kernels and clobber r1-r5, so all state
 * that must survive a load lives in r6-r9:
 *   r6  skb (LD_ABS/LD_IND require it there)
 *   r7  the slot; during the IPv6 walk, the next-header value
 *   r8  offset of the header being looked at; in the wire count, the
 *       replicated header length, then the segments
 *   r9  skb->len; in the wire count, the wire bytes but the moved-out tags
 * Loads use positive offsets only: the kernel reads those with
 * skb_header_pointer(), which copes with non-linear skbs; SKF_LL_OFF and
 * SKF_NET_OFF loads reach linear data only and would drop frames.
 */
#include <stddef.h>

#include "bpf_insn.h"
#include "pc_key.h"
#include "pc_prog.h"

#define SKB(FIELD) offsetof(struct __sk_buff, FIELD)
#define CTR(FIELD) offsetof(struct pc_counter, FIELD)
#define SLOT(L3) PC_SLOT_L3(PC_L3_##L3)

_Static_assert(PC_SLOT_IPV4 == 0, "the IPv4 path uses the protocol byte as the slot");

enum label {
	L_ETH_HDR, L_VLAN1, L_VLAN2, L_IPV4, L_IPV6, L_NONIP, L_ETHERTYPE,
	L_COUNT, L_KEY, L_OUT,
	/* the wire count */
	L_W_NOTV4, L_W_L4, L_W_UDP, L_W_HDR, L_W_BYTES, L_W_ONE, L_DIR,
	/* the IPv6 extension-header walk, unrolled: one set per header */
	L_V6_STEP1, L_V6_HDR1, L_V6_FRAG1, L_V6_AH1, L_V6_ADV1,
	L_V6_STEP2, L_V6_HDR2, L_V6_FRAG2, L_V6_AH2, L_V6_ADV2,
	L_V6_STEP3, L_V6_HDR3, L_V6_FRAG3, L_V6_AH3, L_V6_ADV3,
	L_V6_STEP4, L_V6_HDR4, L_V6_FRAG4, L_V6_AH4, L_V6_ADV4,
	L_V6_DONE,
	/* the breakdown variants */
	L_V6_NOPORTS1, L_V6_PORTSOK1, L_V6_NOPORTS2, L_V6_PORTSOK2,
	L_V6_NOPORTS3, L_V6_PORTSOK3, L_V6_NOPORTS4, L_V6_PORTSOK4,
	L_BY, L_B_TX, L_B_SLOT, L_B_MAC, L_B_MACSRC, L_B_IP, L_B_NOT4, L_B_IHL, L_B_KIND,
	L_B_HOSTZ, L_B_FLOW, L_B_PORTS, L_B_CLASS, L_B_C6, L_B_CNONIP, L_B_CSET, L_B_UPDATE,
	L_B_VALTX, L_B_VAL, L_B_M1, L_B_MAP, L_B_RETRY, L_B_ADD, L_B_ADDTX, L_B_FULL,
	L_B_GEN0, L_B_SETFULL, L_B_FULL1,
	L_NLABELS
};
_Static_assert(L_NLABELS <= PC_L_RET, "raise PC_ASM_MAX_LABELS");

/*
 * Dispatch on the ethertype in r0, the header it announces at r8.
 * A VLAN TPID goes to VLAN; for the last allowed level that is L_COUNT with
 * r7 already holding the "other" slot.
 */
#define DISPATCH(VLAN)							\
	JI(BPF_JEQ, BPF_REG_0, PC_ETHERTYPE_IPV4, L_IPV4),		\
	JI(BPF_JEQ, BPF_REG_0, PC_ETHERTYPE_IPV6, L_IPV6),		\
	JI(BPF_JEQ, BPF_REG_0, PC_ETHERTYPE_VLAN, VLAN),		\
	JI(BPF_JEQ, BPF_REG_0, PC_ETHERTYPE_QINQ, VLAN),		\
	JI(BPF_JEQ, BPF_REG_0, PC_ETHERTYPE_QINQ_OLD, VLAN),		\
	JA(L_NONIP)

/*
 * Step over one VLAN tag at r8: "other" if the frame ends inside it, else
 * r0 = the ethertype after it and r8 = the header after it.
 */
#define VLAN_TAG()							\
	/* r7 = slot(other) */						\
	I(BPF_MOV64_IMM(BPF_REG_7, SLOT(OTHER))),			\
	/* r1 = r8 + 4 */						\
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_8)),				\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, PC_VLAN_HLEN)),		\
	/* if (r1 > len) goto count: the frame ends inside the tag */	\
	JR(BPF_JGT, BPF_REG_1, BPF_REG_9, L_COUNT),			\
	/* r0 = ethertype after the tag */				\
	I(BPF_LD_IND(BPF_H, BPF_REG_8, 2)),				\
	/* r8 += 4 */							\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_8, PC_VLAN_HLEN))

static const struct pc_asm eth_head[] = {
	/* r6 = skb */
	I(BPF_MOV64_REG(BPF_REG_6, BPF_REG_1)),
	/* r9 = skb->len */
	I(BPF_LDX_MEM(BPF_W, BPF_REG_9, BPF_REG_6, SKB(len))),
	/* r8 = 0: no header past the link header is known yet */
	I(BPF_MOV64_IMM(BPF_REG_8, 0)),
	/* if (len >= 14) goto eth_hdr */
	JI(BPF_JGT, BPF_REG_9, PC_ETH_HLEN - 1, L_ETH_HDR),
	/* r7 = slot(runt); goto count */
	I(BPF_MOV64_IMM(BPF_REG_7, SLOT(RUNT))),
	JA(L_COUNT),
LABEL(L_ETH_HDR),
	/* r0 = eth->h_proto */
	I(BPF_LD_ABS(BPF_H, PC_ETH_TYPE_OFF)),
	/* r8 = 14 */
	I(BPF_MOV64_IMM(BPF_REG_8, PC_ETH_HLEN)),
	DISPATCH(L_VLAN1),

LABEL(L_VLAN1),
	VLAN_TAG(),
	DISPATCH(L_VLAN2),

LABEL(L_VLAN2),
	/* r1 = skb->vlan_present */
	I(BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, SKB(vlan_present))),
	/* r7 = slot(other) */
	I(BPF_MOV64_IMM(BPF_REG_7, SLOT(OTHER))),
	/* if (r1 != 0) goto count: the kernel's tag plus two in the frame */
	JI(BPF_JNE, BPF_REG_1, 0, L_COUNT),
	VLAN_TAG(),
	/* a third tag: other */
	DISPATCH(L_COUNT),
};

static const struct pc_asm raw_head[] = {
	/* r6 = skb */
	I(BPF_MOV64_REG(BPF_REG_6, BPF_REG_1)),
	/* r9 = skb->len */
	I(BPF_LDX_MEM(BPF_W, BPF_REG_9, BPF_REG_6, SKB(len))),
	/* r0 = ntohs(skb->protocol) */
	I(BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_6, SKB(protocol))),
	I(BPF_ENDIAN_TO_BE(BPF_REG_0, 16)),
	/* r8 = 0: the network header starts the data */
	I(BPF_MOV64_IMM(BPF_REG_8, 0)),
	/* r7 = slot(other), for a VLAN protocol: no tag to walk here */
	I(BPF_MOV64_IMM(BPF_REG_7, SLOT(OTHER))),
	DISPATCH(L_COUNT),
};

/* Instructions only the breakdown variants have (BY 1). */
#define BY_0(...)
#define BY_1(...) __VA_ARGS__,

/*
 * The breakdown variants' stack (fp-relative; 8-aligned where 8 bytes are
 * stored).  Set before they are read on every path: the verifier refuses
 * a read of stack never written.
 */
#define FP_CTL_KEY	(-8)	/* u32 0: the control map's key */
#define FP_L3OFF	(-16)	/* IPv6: where its header starts */
#define FP_NOPORTS	(-24)	/* 1: a later fragment, no ports */
#define FP_BYTES	PC_FP_BYTES	/* this frame's bytes */
#define FP_AT_COUNT	(-40)	/* r8 at count: IPv4 header, or past IPv6's extension headers */
#define FP_BKEY		(-80)	/* struct pc_bkey, 40 bytes */
#define FP_VAL		(-112)	/* a new entry's value: struct pc_counter[2] */
#define FP_GEN		(-120)	/* which of the two maps counts now */
#define FP_DIR		(-128)	/* 0 rx, 1 tx */
#define FP_BY		(-136)	/* enum pc_by */
#define FP_SAVE		(-144)	/* r0 across a load */
#define FP_FULL		(-152)	/* the map counted into is full: no update tried */
#define FP_PKTS		PC_FP_PKTS	/* this frame's packets: 1, or in wire units its segments */
#define FP_PORTS	(-168)	/* the transport's first 4 bytes (the ports), in network order */
#define FP_HDR		(-192)	/* IPv4: the header's first 20 bytes, in network order */
#define BKEY(FIELD)	(FP_BKEY + (int)offsetof(struct pc_bkey, FIELD))

/*
 * In a fragment header: a fragment offset other than 0 (or a header cut
 * before it) means no ports; r0 (the next header) is kept across the load.
 *   if (r8 + 4 > len || (frag->frag_off & ~7)) noports = 1;
 */
#define FRAG_PORTS(N)							\
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_0, FP_SAVE)),		\
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_8)),				\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, 4)),			\
	JR(BPF_JGT, BPF_REG_1, BPF_REG_9, L_V6_NOPORTS##N),		\
	I(BPF_LD_IND(BPF_H, BPF_REG_8, 2)),				\
	I(BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xfff8)),			\
	JI(BPF_JEQ, BPF_REG_0, 0, L_V6_PORTSOK##N),			\
LABEL(L_V6_NOPORTS##N),							\
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_NOPORTS, 1)),		\
LABEL(L_V6_PORTSOK##N),							\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, FP_SAVE))

/* Step over one IPv6 extension header at r8, of type r7. */
#define V6_STEP(N, BY)						\
LABEL(L_V6_STEP##N),							\
	/* if r7 is not an extension header walked, goto done */	\
	JI(BPF_JEQ, BPF_REG_7, PC_IPPROTO_HOPOPTS, L_V6_HDR##N),	\
	JI(BPF_JEQ, BPF_REG_7, PC_IPPROTO_ROUTING, L_V6_HDR##N),	\
	JI(BPF_JEQ, BPF_REG_7, PC_IPPROTO_DSTOPTS, L_V6_HDR##N),	\
	JI(BPF_JEQ, BPF_REG_7, PC_IPPROTO_FRAGMENT, L_V6_HDR##N),	\
	JI(BPF_JEQ, BPF_REG_7, PC_IPPROTO_AH, L_V6_HDR##N),		\
	JA(L_V6_DONE),							\
LABEL(L_V6_HDR##N),							\
	/* r1 = r8 + 2 */						\
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_8)),				\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, 2)),			\
	/* if (r1 > len) goto done: ipproto stays r7 */			\
	JR(BPF_JGT, BPF_REG_1, BPF_REG_9, L_V6_DONE),			\
	/* r0 = ext->nexthdr << 8 | ext->hdrlen */			\
	I(BPF_LD_IND(BPF_H, BPF_REG_8, 0)),				\
	/* r1 = hdrlen */						\
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_0)),				\
	I(BPF_ALU64_IMM(BPF_AND, BPF_REG_1, 0xff)),			\
	/* r0 = nexthdr */						\
	I(BPF_ALU64_IMM(BPF_RSH, BPF_REG_0, 8)),			\
	JI(BPF_JEQ, BPF_REG_7, PC_IPPROTO_FRAGMENT, L_V6_FRAG##N),	\
	JI(BPF_JEQ, BPF_REG_7, PC_IPPROTO_AH, L_V6_AH##N),		\
	/* r1 = (hdrlen + 1) * 8: hop-by-hop, routing, dest options */	\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, 1)),			\
	I(BPF_ALU64_IMM(BPF_LSH, BPF_REG_1, 3)),			\
	JA(L_V6_ADV##N),						\
LABEL(L_V6_FRAG##N),							\
	BY_##BY(FRAG_PORTS(N))						\
	/* r1 = 8: the fragment header's length is fixed */		\
	I(BPF_MOV64_IMM(BPF_REG_1, PC_IPV6_FRAG_HLEN)),			\
	JA(L_V6_ADV##N),						\
LABEL(L_V6_AH##N),							\
	/* r1 = (hdrlen + 2) * 4 */					\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, 2)),			\
	I(BPF_ALU64_IMM(BPF_LSH, BPF_REG_1, 2)),			\
LABEL(L_V6_ADV##N),							\
	/* r8 += r1; r7 = nexthdr */					\
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_8, BPF_REG_1)),		\
	I(BPF_MOV64_REG(BPF_REG_7, BPF_REG_0))

/*
 * The network layer: the IPv4 protocol byte, or the IPv6 next header after
 * the extension headers; ethertypes of non-IP classes.  BY 1 adds what the
 * breakdown variants keep on the stack.
 */
#define CLASS(ETHERTYPE, L3)						\
	I(BPF_MOV64_IMM(BPF_REG_7, PC_SLOT_L3(L3))),			\
	JI(BPF_JEQ, BPF_REG_0, ETHERTYPE, L_COUNT),
/*
 * r7 = the protocol byte at r8 + OFF; where the frame ends before it,
 * r7 = slot(L3, unknown) and goto count.
 */
#define PROTO_BYTE(L3_SLOT, OFF)					\
	I(BPF_MOV64_IMM(BPF_REG_7, (L3_SLOT) + PC_PROTO_UNKNOWN)),	\
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_8)),				\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, (OFF) + 1)),		\
	JR(BPF_JGT, BPF_REG_1, BPF_REG_9, L_COUNT),			\
	I(BPF_LD_IND(BPF_B, BPF_REG_8, (OFF))),				\
	I(BPF_MOV64_REG(BPF_REG_7, BPF_REG_0))

#define L3_FRAG(BY)	\
LABEL(L_IPV4),	\
	/* r7 = ip->protocol (+ PC_SLOT_IPV4, which is 0), or slot(ipv4, unknown) */	\
	PROTO_BYTE(PC_SLOT_IPV4, PC_IPV4_PROTO_OFF),	\
	JA(L_COUNT),	\
LABEL(L_IPV6),	\
	/* breakdowns: where the IPv6 header starts */	\
	BY_##BY(I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_8, FP_L3OFF)))	\
	/* r7 = ip6->nexthdr, or slot(ipv6, unknown) */	\
	PROTO_BYTE(PC_SLOT_IPV6, PC_IPV6_NEXTHDR_OFF),	\
	/* r8 += 40 */	\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_8, PC_IPV6_HLEN)),	\
	V6_STEP(1, BY),	\
	V6_STEP(2, BY),	\
	V6_STEP(3, BY),	\
	V6_STEP(4, BY),	\
LABEL(L_V6_DONE),	\
	/* r7 = slot(ipv6, r7) */	\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_7, PC_SLOT_IPV6)),	\
	JA(L_COUNT),	\
LABEL(L_NONIP),	\
	/* r7 = slot(llc); if (r0 < 0x600) goto count */	\
	I(BPF_MOV64_IMM(BPF_REG_7, SLOT(LLC))),	\
	JI(BPF_JGE, BPF_REG_0, PC_ETHERTYPE_MIN, L_ETHERTYPE),	\
	JA(L_COUNT),	\
LABEL(L_ETHERTYPE),	\
	/* r7 = slot(class); if (r0 == ethertype) goto count, for each */	\
	PC_NONIP_ETHERTYPES(CLASS)	\
	/* r7 = slot(other); fall through to count */	\
	I(BPF_MOV64_IMM(BPF_REG_7, SLOT(OTHER))),

static const struct pc_asm l3[] = { L3_FRAG(0) };
static const struct pc_asm l3_by[] = { L3_FRAG(1) };
#undef CLASS

/* The key from r7 and the direction, then r0 = &map[key]; NULL (cannot happen) goes to NULLTO. */
#define COUNT_LOOKUP() COUNT_LOOKUP_TO(L_OUT)
#define COUNT_LOOKUP_TO(NULLTO)						\
	/* if (pkt_type == PACKET_OUTGOING) r7 += PC_NSLOTS */		\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, PC_FP_PKT_TYPE)),	\
	JI(BPF_JNE, BPF_REG_0, PC_PACKET_OUTGOING, L_KEY),		\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_7, PC_NSLOTS)),		\
LABEL(L_KEY),								\
	/* *(u32 *)(fp - 4) = r7 */					\
	I(BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_7, -4)),		\
	/* r0 = map_lookup_elem(map, fp - 4) */				\
	I(BPF_MOV64_REG(BPF_REG_2, BPF_REG_10)),			\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4)),			\
	LD_MAP(BPF_REG_1, PC_MAP_COUNTERS),				\
	I(BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem)),			\
	/* if (!r0) goto out: cannot happen, every key is in range */	\
	JI(BPF_JEQ, BPF_REG_0, 0, NULLTO)

/*
 * skb unit: r0 = &map[key]; r1 = len + 4 * skb->vlan_present, kept with
 * the packet count of 1 for the classes.
 */
#define COUNT_HEAD()							\
LABEL(L_COUNT),								\
	COUNT_LOOKUP(),							\
	/* r1 = len + 4 * skb->vlan_present: a moved-out tag was on the wire */ \
	I(BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, SKB(vlan_present))),	\
	I(BPF_ALU64_IMM(BPF_LSH, BPF_REG_1, 2)),			\
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_1, BPF_REG_9)),		\
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, FP_BYTES)),	\
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_PKTS, 1))

/*
 * Every variant ends at L_OUT, then ret0: the classes (insn/classes.c) go
 * in between, after the count, where every path that counted comes.
 */
#define COUNT_TAIL()							\
LABEL(L_OUT)

/* return 0: keep nothing, queue nothing */
static const struct pc_asm ret0[] = {
LABEL(PC_L_RET),
	I(BPF_MOV64_IMM(BPF_REG_0, 0)),
	I(BPF_EXIT_INSN()),
};

/* At tc: return TC_ACT_UNSPEC (TCX_NEXT), on to the next filter or program. */
static const struct pc_asm ret_next[] = {
LABEL(PC_L_RET),
	I(BPF_MOV64_IMM(BPF_REG_0, -1)),
	I(BPF_EXIT_INSN()),
};

/*
 * Every counting variant starts here, from r1 = skb, and leaves r1.
 *   pkt_type = skb->pkt_type;         // a socket's filter, tc ingress
 *   pkt_type = PACKET_OUTGOING;       // tc egress
 */
static const struct pc_asm dir_skb[] = {
	I(BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, SKB(pkt_type))),
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_0, PC_FP_PKT_TYPE)),
};
static const struct pc_asm dir_out[] = {
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, PC_FP_PKT_TYPE, PC_PACKET_OUTGOING)),
};

/*
 * The first packet of a key (on this CPU, per CPU): one more in the new-key
 * counter, the counters' PC_MAP0_NEWKEYS.  Userspace reads only the keys that
 * counted so far, until this counter moves (src/ebpf.c, read_proto).
 *   if (!(v = counters[PC_MAP0_NEWKEYS])) goto NEXT; v->packets += 1;
 */
#define NEW_KEY(ONE, NEXT)						\
	I(BPF_ST_MEM(BPF_W, BPF_REG_10, -4, PC_MAP0_NEWKEYS)),		\
	I(BPF_MOV64_REG(BPF_REG_2, BPF_REG_10)),			\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4)),			\
	LD_MAP(BPF_REG_1, PC_MAP_COUNTERS),				\
	I(BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem)),			\
	JI(BPF_JEQ, BPF_REG_0, 0, (NEXT)),				\
	ONE()
/* v->packets += 1, on this CPU's copy or atomically */
#define ONE_PERCPU()							\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_0, CTR(packets))),	\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, 1)),			\
	I(BPF_STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_2, CTR(packets)))
#define ONE_XADD()							\
	I(BPF_MOV64_IMM(BPF_REG_1, 1)),					\
	I(BPF_STX_XADD(BPF_DW, BPF_REG_0, BPF_REG_1, CTR(packets)))

static const struct pc_asm count_percpu[] = {
	COUNT_HEAD(),
	/* this CPU's copy: no other writer while the filter runs here */
	/* c->bytes += r1 */
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_0, CTR(bytes))),
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_2, BPF_REG_1)),
	I(BPF_STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_2, CTR(bytes))),
	/* c->packets += 1; if (c->packets != 1) goto out */
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_0, CTR(packets))),
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, 1)),
	I(BPF_STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_2, CTR(packets))),
	JI(BPF_JNE, BPF_REG_2, 1, L_OUT),
	NEW_KEY(ONE_PERCPU, L_OUT),
	COUNT_TAIL(),
};
static const struct pc_asm count_xadd[] = {
	COUNT_HEAD(),
	/* r2 = c->packets before this one: 0 for a new key (two CPUs may both see 0: both count it new) */
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_0, CTR(packets))),
	/* one copy for all CPUs: atomic adds, or counts get lost */
	/* lock c->bytes += r1 */
	I(BPF_STX_XADD(BPF_DW, BPF_REG_0, BPF_REG_1, CTR(bytes))),
	/* lock c->packets += 1 */
	I(BPF_MOV64_IMM(BPF_REG_1, 1)),
	I(BPF_STX_XADD(BPF_DW, BPF_REG_0, BPF_REG_1, CTR(packets))),
	JI(BPF_JNE, BPF_REG_2, 0, L_OUT),
	NEW_KEY(ONE_XADD, L_OUT),
	COUNT_TAIL(),
};

/*
 * Wire units (5.7+): the segments of a GSO/GRO skb into r8 and its wire
 * bytes, but for moved-out tags, into r9; then the count.  The replicated
 * header is what qdisc_pkt_len_init() (net/core/dev.c) takes for a GSO
 * skb's length on the wire, and what NIC drivers add to their tx bytes
 * (ixgbe_tso, ice_tso, mlx5e_tx_get_gso_ihs): everything before the
 * transport header, plus the TCP header (data offset x 4), or for any other
 * transport 8 bytes (a UDP header: UDP GSO and GRO).  gso_segs is 0 for an
 * skb from an untrusted source (SKB_GSO_DODGY: virtio, tun, packet sockets
 * with a vnet header) until it is segmented; then the segments are the
 * payload over gso_size, rounded up, as qdisc_pkt_len_init() takes them.
 *
 *   if (!skb->gso_size) { segs = 1; goto dir; }    // not GSO: the common path
 *   if (slot is ipv4 with a protocol) { r8 += ip->ihl * 4; proto = slot; }
 *   else if (slot is ipv6 with a protocol) proto = slot - PC_SLOT_IPV6;
 *   else goto hdr;                                  // no transport header known: hdr = r8
 *   if (proto == TCP) { if (r8 + 13 <= len) r8 += tcp->doff * 4; }
 *   else r8 += 8;
 * hdr:
 *   segs = skb->gso_segs;
 *   if (!segs) segs = len > r8 ? (len - r8 + gso_size - 1) / gso_size : 1;
 *   len += (segs - 1) * r8;  r8 = segs;
 * dir: ...lookup...
 *   c->bytes   += len + segs * 4 * skb->vlan_present;
 *   c->packets += segs;
 */
#define WIRE_SEGS()	\
	/* r1 = skb->gso_size; if (r1 == 0) goto one */	\
	I(BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, SKB(gso_size))),	\
	JI(BPF_JEQ, BPF_REG_1, 0, L_W_ONE),	\
	/* if (r7 >= PC_PROTO_UNKNOWN) goto notv4: not IPv4 with a protocol byte */	\
	JI(BPF_JGE, BPF_REG_7, PC_SLOT_IPV4 + PC_PROTO_UNKNOWN, L_W_NOTV4),	\
	/* r8 += (ip->ihl & 0xf) * 4: the protocol byte at r8 + 9 was there, so is this */	\
	I(BPF_LD_IND(BPF_B, BPF_REG_8, 0)),	\
	I(BPF_ALU64_IMM(BPF_AND, BPF_REG_0, PC_IPV4_IHL_MASK)),	\
	I(BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 2)),	\
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_8, BPF_REG_0)),	\
	/* r1 = ipproto; goto l4 */	\
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_7)),	\
	JA(L_W_L4),	\
LABEL(L_W_NOTV4),	\
	/* if (r7 >= slot(ipv6, unknown)) goto hdr: not IPv6 with a protocol */	\
	JI(BPF_JGE, BPF_REG_7, PC_SLOT_IPV6 + PC_PROTO_UNKNOWN, L_W_HDR),	\
	/* r1 = ipproto; r8 is already past the extension headers */	\
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_7)),	\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -PC_SLOT_IPV6)),	\
LABEL(L_W_L4),	\
	/* if (r1 != TCP) goto udp */	\
	JI(BPF_JNE, BPF_REG_1, PC_IPPROTO_TCP, L_W_UDP),	\
	/* if (r8 + 13 > len) goto hdr: no data offset to read */	\
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_8)),	\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, PC_TCP_DOFF_OFF + 1)),	\
	JR(BPF_JGT, BPF_REG_1, BPF_REG_9, L_W_HDR),	\
	/* r8 += (tcp->doff >> 4) * 4 */	\
	I(BPF_LD_IND(BPF_B, BPF_REG_8, PC_TCP_DOFF_OFF)),	\
	I(BPF_ALU64_IMM(BPF_RSH, BPF_REG_0, 4)),	\
	I(BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 2)),	\
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_8, BPF_REG_0)),	\
	JA(L_W_HDR),	\
LABEL(L_W_UDP),	\
	/* r8 += 8: the kernel's UDP header for every other transport */	\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_8, PC_UDP_HLEN)),	\
LABEL(L_W_HDR),	\
	/* r0 = skb->gso_segs; if (r0 != 0) goto bytes */	\
	I(BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_6, SKB(gso_segs))),	\
	JI(BPF_JNE, BPF_REG_0, 0, L_W_BYTES),	\
	/* DODGY: r0 = 1; if (r8 >= len) goto bytes */	\
	I(BPF_MOV64_IMM(BPF_REG_0, 1)),	\
	JR(BPF_JGE, BPF_REG_8, BPF_REG_9, L_W_BYTES),	\
	/* r0 = (len - r8 + gso_size - 1) / gso_size */	\
	I(BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, SKB(gso_size))),	\
	I(BPF_MOV64_REG(BPF_REG_0, BPF_REG_9)),	\
	I(BPF_ALU64_REG(BPF_SUB, BPF_REG_0, BPF_REG_8)),	\
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1)),	\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, -1)),	\
	I(BPF_ALU64_REG(BPF_DIV, BPF_REG_0, BPF_REG_1)),	\
LABEL(L_W_BYTES),	\
	/* r9 += (r0 - 1) * r8; r8 = r0 */	\
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_0)),	\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -1)),	\
	I(BPF_ALU64_REG(BPF_MUL, BPF_REG_1, BPF_REG_8)),	\
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_9, BPF_REG_1)),	\
	I(BPF_MOV64_REG(BPF_REG_8, BPF_REG_0)),	\
	JA(L_DIR),	\
LABEL(L_W_ONE),	\
	/* r8 = 1 */	\
	I(BPF_MOV64_IMM(BPF_REG_8, 1)),	\
LABEL(L_DIR)

/*
 * r1 = r9 + r8 * 4 * skb->vlan_present (each segment carried the tag): the
 * frame's wire bytes, kept with its segments (r8) for the breakdown and the
 * classes.
 */
#define WIRE_BYTES()							\
	I(BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, SKB(vlan_present))),	\
	I(BPF_ALU64_IMM(BPF_LSH, BPF_REG_1, 2)),			\
	I(BPF_ALU64_REG(BPF_MUL, BPF_REG_1, BPF_REG_8)),		\
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_1, BPF_REG_9)),		\
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, FP_BYTES)),	\
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_8, FP_PKTS))

static const struct pc_asm wire[] = {
LABEL(L_COUNT),
	WIRE_SEGS(),
	COUNT_LOOKUP(),
	WIRE_BYTES(),
	/* this CPU's copy: c->bytes += r1; c->packets += r8 (r3: before) */
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_0, CTR(bytes))),
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_2, BPF_REG_1)),
	I(BPF_STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_2, CTR(bytes))),
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_3, BPF_REG_0, CTR(packets))),
	I(BPF_MOV64_REG(BPF_REG_2, BPF_REG_3)),
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_2, BPF_REG_8)),
	I(BPF_STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_2, CTR(packets))),
	JI(BPF_JNE, BPF_REG_3, 0, L_OUT),
	NEW_KEY(ONE_PERCPU, L_OUT),
	COUNT_TAIL(),
};

/*
 * Breakdowns (--by; docs/counting.md, "Breakdowns"): after the protocol
 * key, the frame's entry in one of two hash maps, whose key is struct
 * pc_bkey built on the stack from the same walk.  The program's maps, by
 * slot (include/pc_prog.h):
 *   COUNTERS  the protocol counters (PC_MAP0_SLOTS): after the PC_NKEYS
 *      keys two overflow slots count, per direction, the frames whose key
 *      found the hash map full (PC_MAP0_OVERFLOW), then the new-key counter
 *   BY_CTL  control: { u32 gen, u32 by, u32 full[2] }: userspace writes gen
 *      and by, and clears full[gen] at each flip (that map was just drained);
 *      the program sets full[gen] when an update finds the map full, so the
 *      frames after it skip the update, the costly part of that path
 *   BY_GEN0, BY_GEN1  the entries: gen picks the one counted into;
 *      userspace drains the other, an interval after it stopped being
 *      counted into
 *
 *   key = 0; dir = r7 >= PC_NSLOTS; slot = r7 % PC_NSLOTS;
 *   if (by == mac) key = built(other end's MAC)          // eth only
 *   else if (IPv4 or IPv6 with both addresses in the frame) {
 *       key = built(l3, src, dst);
 *       if (by == host) { key.a = dir ? dst : src; key.b = 0; }
 *       if (by == flow) { key.ipproto = p; if (ports there) key.ports = ...; }
 *   } else key = class(l3 of slot);
 *   map = gen ? map3 : map2;
 *   if ((v = lookup(map, key)) ||
 *       (!ctl->full[gen] && (r = update(map, key, {this frame}, NOEXIST)) == -EEXIST && (v = lookup(...))))
 *       v[dir] += { bytes, pkts };       // per CPU, or XADD
 *   else if (!r) ;                       // the update counted it
 *   else { if (r) ctl->full[gen] = 1; counters[PC_MAP0_OVERFLOW + dir] += { bytes, pkts }; }
 *
 * Three kinds, by kernel:
 *   xadd  (4.1)  HASH with atomic adds; header words through LD_IND.
 *   pcpu  (4.13) PERCPU_HASH; skb_load_bytes copies the IPv4 header, the
 *                IPv6 addresses, the ports and the MAC in one call each.
 *   wire  (5.7)  pcpu, in wire units: pkts is the skb's segments.
 * Every LD_IND is a helper call on current kernels, and where the headers
 * sit in page fragments (drivers that build skbs with napi_gro_frags,
 * AF_PACKET's TX ring) each goes through skb_copy_bits(); one copy per
 * header instead of one per word is most of --by flow's cost there
 * (bench/run.sh: 208 ns a frame with words, 124 with the headers copied).
 */
static const struct pc_asm by_init[] = {
	/* noports = 0: only a later fragment sets it */
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_NOPORTS, 0)),
	/*
	 * l3off = bytes = 0: set on every path that reads them, but verifiers
	 * before about 4.14 follow paths the slot's range rules out (seen on
	 * 4.4 to 5.10: "invalid read from stack off -16"), and refuse a read of
	 * stack no path of theirs wrote.
	 */
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_L3OFF, 0)),
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_BYTES, 0)),
};

/* r0 = the counter, r1 = bytes, r3 = packets: on this CPU's copy, or atomically */
#define ADD_PERCPU(OFF)							\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_0, (OFF))),		\
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_2, BPF_REG_1)),		\
	I(BPF_STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_2, (OFF))),		\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_0, (OFF) + 8)),	\
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_2, BPF_REG_3)),		\
	I(BPF_STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_2, (OFF) + 8))
#define ADD_XADD(OFF)							\
	I(BPF_STX_XADD(BPF_DW, BPF_REG_0, BPF_REG_1, (OFF))),		\
	I(BPF_STX_XADD(BPF_DW, BPF_REG_0, BPF_REG_3, (OFF) + 8))

/* r1 = this frame's bytes, r3 = its packets, from the stack */
#define BYTES_PKTS()							\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, FP_BYTES)),	\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_3, BPF_REG_10, FP_PKTS))

/*
 * The protocol key counted as the other variants count it, its bytes and
 * packets kept for the entry; then on to the breakdown (by_head follows).
 */
#define COUNT_BY(ADD, ONE)						\
LABEL(L_COUNT),								\
	/* *(fp - 40) = r8: the IPv4 header, or past IPv6's extension headers */ \
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_8, FP_AT_COUNT)),	\
	/* bytes = len + 4 * skb->vlan_present; pkts = 1 */		\
	I(BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, SKB(vlan_present))),	\
	I(BPF_ALU64_IMM(BPF_LSH, BPF_REG_1, 2)),			\
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_1, BPF_REG_9)),		\
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, FP_BYTES)),	\
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_PKTS, 1)),			\
	COUNT_LOOKUP_TO(L_BY),						\
	BYTES_PKTS(),							\
	ADD_NEW_KEY(ADD, ONE)

/* The counter at r0 += { r1, r3 }; for a new key, the new-key counter too; then on to L_BY */
#define ADD_NEW_KEY(ADD, ONE)						\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_4, BPF_REG_0, CTR(packets))),	\
	ADD(CTR(bytes)),						\
	JI(BPF_JNE, BPF_REG_4, 0, L_BY),				\
	NEW_KEY(ONE, L_BY)

static const struct pc_asm count_by_percpu[] = { COUNT_BY(ADD_PERCPU, ONE_PERCPU) };
static const struct pc_asm count_by_xadd[] = { COUNT_BY(ADD_XADD, ONE_XADD) };

/* Wire units (5.7+): as the wire variants count, r9 is skb->len again at L_BY. */
static const struct pc_asm count_by_wire[] = {
LABEL(L_COUNT),
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_8, FP_AT_COUNT)),
	/* r8 = segs, r9 = their bytes but the moved-out tags */
	WIRE_SEGS(),
	WIRE_BYTES(),
	COUNT_LOOKUP_TO(L_BY),
	BYTES_PKTS(),
	ADD_NEW_KEY(ADD_PERCPU, ONE_PERCPU),
};

/* Store the 4-byte word at r8 + OFF, in network order, at fp + TO. */
#define WORD(OFF, TO)							\
	I(BPF_LD_IND(BPF_W, BPF_REG_8, (OFF))),				\
	I(BPF_ENDIAN_TO_BE(BPF_REG_0, 32)),				\
	I(BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_0, (TO)))

/*
 * Copy LEN bytes at r8 + OFF to fp + TO in one call (4.13+).  The frame was
 * checked to hold them; should the copy fail all the same, the frame counts
 * under other, as a key with no room does (the sum over entries stays the
 * total), and no half-built key goes on through the verifier's paths.  r8
 * survives the call, as it survives LD_IND.
 */
#define LOAD_BYTES(OFF, TO, LEN)					\
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_6)),				\
	I(BPF_MOV64_REG(BPF_REG_2, BPF_REG_8)),				\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, (OFF))),			\
	I(BPF_MOV64_REG(BPF_REG_3, BPF_REG_10)),			\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, (TO))),			\
	I(BPF_MOV64_IMM(BPF_REG_4, (LEN))),				\
	I(BPF_EMIT_CALL(BPF_FUNC_skb_load_bytes)),			\
	JI(BPF_JNE, BPF_REG_0, 0, L_B_FULL)

/*
 * The header bytes a key is built from, by kind: LD words one at a time
 * (4.1), or each header in one copy (4.13).  Both leave them in network
 * order on the stack.
 */
/* the other end's MAC at r8 into key.a[0..5] */
#define MAC_LD								\
	WORD(0, BKEY(a)),						\
	I(BPF_LD_IND(BPF_H, BPF_REG_8, 4)),				\
	I(BPF_ENDIAN_TO_BE(BPF_REG_0, 16)),				\
	I(BPF_STX_MEM(BPF_H, BPF_REG_10, BPF_REG_0, BKEY(a) + 4))
#define MAC_LB	LOAD_BYTES(0, BKEY(a), PC_ETH_ALEN)
/* the IPv4 header at r8: words 0, 1 (IHL, fragment offset), 3 and 4 (the addresses) at FP_HDR */
#define IP4_HDR_LD							\
	WORD(0, FP_HDR), WORD(4, FP_HDR + 4),				\
	WORD(PC_IPV4_SRC_OFF, FP_HDR + PC_IPV4_SRC_OFF),		\
	WORD(PC_IPV4_SRC_OFF + 4, FP_HDR + PC_IPV4_SRC_OFF + 4)
#define IP4_HDR_LB	LOAD_BYTES(0, FP_HDR, PC_IPV4_HLEN)
/* the IPv6 addresses at r8 into key.a and key.b */
#define IP6_ADDRS_LD							\
	WORD(PC_IPV6_SRC_OFF, BKEY(a)),					\
	WORD(PC_IPV6_SRC_OFF + 4, BKEY(a) + 4),				\
	WORD(PC_IPV6_SRC_OFF + 8, BKEY(a) + 8),				\
	WORD(PC_IPV6_SRC_OFF + 12, BKEY(a) + 12),			\
	WORD(PC_IPV6_SRC_OFF + 16, BKEY(b)),				\
	WORD(PC_IPV6_SRC_OFF + 20, BKEY(b) + 4),			\
	WORD(PC_IPV6_SRC_OFF + 24, BKEY(b) + 8),			\
	WORD(PC_IPV6_SRC_OFF + 28, BKEY(b) + 12)
#define IP6_ADDRS_LB	LOAD_BYTES(PC_IPV6_SRC_OFF, BKEY(a), 32)
/* the transport's first 4 bytes at r8 (the ports) at FP_PORTS */
#define PORTS_LD	WORD(0, FP_PORTS)
#define PORTS_LB	LOAD_BYTES(0, FP_PORTS, 4)
_Static_assert(offsetof(struct pc_bkey, b) == offsetof(struct pc_bkey, a) + 16,
	       "one copy fills both IPv6 addresses");

/* The key's start: the control map, the direction, the slot in r7. */
static const struct pc_asm by_head[] = {
LABEL(L_BY),
	/* r9 = skb->len: the wire count took r9 for its bytes */
	I(BPF_LDX_MEM(BPF_W, BPF_REG_9, BPF_REG_6, SKB(len))),
	/* r0 = &ctl[0]; if (!r0) goto out */
	I(BPF_ST_MEM(BPF_W, BPF_REG_10, FP_CTL_KEY, 0)),
	I(BPF_MOV64_REG(BPF_REG_2, BPF_REG_10)),
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, FP_CTL_KEY)),
	LD_MAP(BPF_REG_1, PC_MAP_BY_CTL),
	I(BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem)),
	JI(BPF_JEQ, BPF_REG_0, 0, L_OUT),
	/* gen and by onto the stack */
	I(BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_0, 0)),
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, FP_GEN)),
	I(BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_0, 4)),
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, FP_BY)),
	/* full = ctl->full[gen] */
	I(BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_0, 8)),
	I(BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_0, 0)),
	JI(BPF_JEQ, BPF_REG_2, 0, L_B_GEN0),
	I(BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_0, 12)),
LABEL(L_B_GEN0),
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, FP_FULL)),
	/* key = 0 */
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_BKEY, 0)),
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_BKEY + 8, 0)),
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_BKEY + 16, 0)),
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_BKEY + 24, 0)),
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_BKEY + 32, 0)),
	/* dir = 0; if (r7 > PC_NSLOTS - 1) { dir = 1; r7 -= PC_NSLOTS; } */
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_DIR, 0)),
	JI(BPF_JGT, BPF_REG_7, PC_NSLOTS - 1, L_B_TX),
	JA(L_B_SLOT),
LABEL(L_B_TX),
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_DIR, 1)),
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_7, -PC_NSLOTS)),
LABEL(L_B_SLOT),
	/* if (by != mac) goto ip */
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, FP_BY)),
	JI(BPF_JNE, BPF_REG_1, PC_BY_MAC, L_B_IP),
};

/* Ethernet: the other end's MAC, rx the source (6), tx the destination (0); a runt is its class. */
#define BY_MAC_ETH(HOW)							\
	JI(BPF_JGT, BPF_REG_9, PC_ETH_HLEN - 1, L_B_MAC),		\
	JA(L_B_CLASS),							\
LABEL(L_B_MAC),								\
	/* r8 = dir ? 0 : 6 */						\
	I(BPF_MOV64_IMM(BPF_REG_8, 0)),					\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, FP_DIR)),		\
	JI(BPF_JNE, BPF_REG_1, 0, L_B_MACSRC),				\
	I(BPF_MOV64_IMM(BPF_REG_8, PC_ETH_ALEN)),			\
LABEL(L_B_MACSRC),							\
	/* key.a[0..5] = the MAC; key.l3 = PC_L3_COUNT; goto update */	\
	MAC_##HOW,							\
	I(BPF_ST_MEM(BPF_B, BPF_REG_10, BKEY(l3), PC_L3_COUNT)),	\
	JA(L_B_UPDATE)

static const struct pc_asm by_mac_eth_ld[] = { BY_MAC_ETH(LD) };
static const struct pc_asm by_mac_eth_lb[] = { BY_MAC_ETH(LB) };

/* No link header: a MAC key is the frame's class. */
static const struct pc_asm by_mac_raw[] = {
	JA(L_B_CLASS),
};

/* Copy the 4-byte word at fp + FROM to fp + TO. */
#define MOVE(FROM, TO)							\
	I(BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_10, (FROM))),		\
	I(BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_0, (TO)))

/* r0 = the 2 bytes at fp + FROM, from network order */
#define HALF_NET(FROM)							\
	I(BPF_LDX_MEM(BPF_H, BPF_REG_0, BPF_REG_10, (FROM))),		\
	I(BPF_ENDIAN_TO_BE(BPF_REG_0, 16))

/*
 * r8 = the IP header's offset, kept on the stack at FP; if the frame ends
 * before the two addresses (of ALEN bytes, the first at SRC) goto class.
 */
#define ADDRESSES_IN_FRAME(FP, SRC, ALEN)				\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_8, BPF_REG_10, (FP))),		\
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_8)),				\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, (SRC) + 2 * (ALEN))),	\
	JR(BPF_JGT, BPF_REG_1, BPF_REG_9, L_B_CLASS)

#define BY_IP(HOW)							\
LABEL(L_B_IP),								\
	/* if (slot >= slot(ipv4, unknown)) goto not4 */		\
	JI(BPF_JGE, BPF_REG_7, PC_SLOT_IPV4 + PC_PROTO_UNKNOWN, L_B_NOT4),	\
	/* r8 = the IPv4 header; if (r8 + 20 > len) goto class */	\
	ADDRESSES_IN_FRAME(FP_AT_COUNT, PC_IPV4_SRC_OFF, 4),		\
	/* hdr = the header; key.a = src; key.b = dst; key.l3 = ipv4 */	\
	IP4_HDR_##HOW,							\
	MOVE(FP_HDR + PC_IPV4_SRC_OFF, BKEY(a)),			\
	MOVE(FP_HDR + PC_IPV4_SRC_OFF + 4, BKEY(b)),			\
	I(BPF_ST_MEM(BPF_B, BPF_REG_10, BKEY(l3), PC_L3_IPV4)),		\
	/* if (hdr->frag_off & 0x1fff) noports = 1 */			\
	HALF_NET(FP_HDR + PC_IPV4_FRAG_OFF),				\
	I(BPF_ALU64_IMM(BPF_AND, BPF_REG_0, PC_IPV4_FRAG_MASK)),	\
	JI(BPF_JEQ, BPF_REG_0, 0, L_B_IHL),				\
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_NOPORTS, 1)),		\
LABEL(L_B_IHL),								\
	/* r8 += hdr->ihl * 4: the transport header; goto kind (r7 is the protocol) */ \
	I(BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_10, FP_HDR)),		\
	I(BPF_ALU64_IMM(BPF_AND, BPF_REG_0, PC_IPV4_IHL_MASK)),		\
	I(BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 2)),			\
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_8, BPF_REG_0)),		\
	JA(L_B_KIND),							\
LABEL(L_B_NOT4),							\
	/* if (slot >= slot(ipv6, unknown)) goto class */		\
	JI(BPF_JGE, BPF_REG_7, PC_SLOT_IPV6 + PC_PROTO_UNKNOWN, L_B_CLASS),	\
	/* r8 = the IPv6 header; if (r8 + 40 > len) goto class */	\
	ADDRESSES_IN_FRAME(FP_L3OFF, PC_IPV6_SRC_OFF, 16),		\
	/* key.a = src; key.b = dst; key.l3 = ipv6 */			\
	IP6_ADDRS_##HOW,						\
	I(BPF_ST_MEM(BPF_B, BPF_REG_10, BKEY(l3), PC_L3_IPV6)),		\
	/* r8 = past the extension headers; r7 = the protocol */	\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_8, BPF_REG_10, FP_AT_COUNT)),	\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_7, -PC_SLOT_IPV6)),		\
LABEL(L_B_KIND),							\
	/* r7 = ipproto, r8 = the transport header */			\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, FP_BY)),		\
	JI(BPF_JEQ, BPF_REG_1, PC_BY_PAIR, L_B_UPDATE),			\
	JI(BPF_JEQ, BPF_REG_1, PC_BY_FLOW, L_B_FLOW),			\
	/* host: the other end; if (dir) key.a = key.b */		\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, FP_DIR)),		\
	JI(BPF_JEQ, BPF_REG_1, 0, L_B_HOSTZ),				\
	MOVE(BKEY(b), BKEY(a)),						\
	MOVE(BKEY(b) + 4, BKEY(a) + 4),					\
	MOVE(BKEY(b) + 8, BKEY(a) + 8),					\
	MOVE(BKEY(b) + 12, BKEY(a) + 12),				\
LABEL(L_B_HOSTZ),							\
	/* key.b = 0 */							\
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, BKEY(b), 0)),			\
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, BKEY(b) + 8, 0)),		\
	JA(L_B_UPDATE),							\
LABEL(L_B_FLOW),							\
	/* key.ipproto = r7; ports for TCP, UDP, UDP-Lite, SCTP */	\
	I(BPF_STX_MEM(BPF_B, BPF_REG_10, BPF_REG_7, BKEY(ipproto))),	\
	JI(BPF_JEQ, BPF_REG_7, PC_IPPROTO_TCP, L_B_PORTS),		\
	JI(BPF_JEQ, BPF_REG_7, PC_IPPROTO_UDP, L_B_PORTS),		\
	JI(BPF_JEQ, BPF_REG_7, PC_IPPROTO_UDPLITE, L_B_PORTS),		\
	JI(BPF_JEQ, BPF_REG_7, PC_IPPROTO_SCTP, L_B_PORTS),		\
	JA(L_B_UPDATE),							\
LABEL(L_B_PORTS),							\
	/* not in a later fragment, not past the end */			\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, FP_NOPORTS)),	\
	JI(BPF_JNE, BPF_REG_1, 0, L_B_UPDATE),				\
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_8)),				\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, 4)),			\
	JR(BPF_JGT, BPF_REG_1, BPF_REG_9, L_B_UPDATE),			\
	/* key.sport, key.dport, in host order as userspace keeps them */	\
	PORTS_##HOW,							\
	HALF_NET(FP_PORTS),						\
	I(BPF_STX_MEM(BPF_H, BPF_REG_10, BPF_REG_0, BKEY(sport))),	\
	HALF_NET(FP_PORTS + 2),						\
	I(BPF_STX_MEM(BPF_H, BPF_REG_10, BPF_REG_0, BKEY(dport))),	\
	JA(L_B_UPDATE),							\
LABEL(L_B_CLASS),							\
	/* key = class: what, and the l3 of slot r7 */			\
	I(BPF_ST_MEM(BPF_B, BPF_REG_10, BKEY(what), PC_BKEY_CLASS)),	\
	I(BPF_MOV64_IMM(BPF_REG_1, PC_L3_IPV4)),			\
	JI(BPF_JGE, BPF_REG_7, PC_SLOT_IPV6, L_B_C6),			\
	JA(L_B_CSET),							\
LABEL(L_B_C6),								\
	I(BPF_MOV64_IMM(BPF_REG_1, PC_L3_IPV6)),			\
	JI(BPF_JGE, BPF_REG_7, PC_SLOT_NONIP, L_B_CNONIP),		\
	JA(L_B_CSET),							\
LABEL(L_B_CNONIP),							\
	/* r1 = slot - PC_SLOT_NONIP + PC_L3_FIRST_NONIP */		\
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_7)),				\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, PC_L3_FIRST_NONIP - PC_SLOT_NONIP)),	\
LABEL(L_B_CSET),							\
	I(BPF_STX_MEM(BPF_B, BPF_REG_10, BPF_REG_1, BKEY(l3)))

static const struct pc_asm by_ip_ld[] = { BY_IP(LD) };
static const struct pc_asm by_ip_lb[] = { BY_IP(LB) };

/* r1 = the entry map (r8), r2 = &key: a call's first two arguments */
#define MAP_AND_KEY()							\
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_8)),				\
	I(BPF_MOV64_REG(BPF_REG_2, BPF_REG_10)),			\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, FP_BKEY))

/*
 * The entry: found, or made with this frame's counts, or (map full) the
 * overflow counter.  r8 keeps the map across the calls.
 */
#define BY_UPDATE(ADD)							\
LABEL(L_B_UPDATE),							\
	/* r8 = the entry map of gen */					\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, FP_GEN)),		\
	JI(BPF_JNE, BPF_REG_1, 0, L_B_M1),				\
	LD_MAP(BPF_REG_8, PC_MAP_BY_GEN0),				\
	JA(L_B_MAP),							\
LABEL(L_B_M1),								\
	LD_MAP(BPF_REG_8, PC_MAP_BY_GEN1),				\
LABEL(L_B_MAP),								\
	/* r0 = lookup(r8, key); if (r0) goto add */			\
	MAP_AND_KEY(),							\
	I(BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem)),			\
	JI(BPF_JNE, BPF_REG_0, 0, L_B_ADD),				\
	/* if (full) goto overflow: an update would be refused */	\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, FP_FULL)),		\
	JI(BPF_JNE, BPF_REG_1, 0, L_B_FULL),				\
	/* a new key: value = { 0 }; value[dir] = { bytes, pkts } (a hit never builds it) */ \
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_VAL, 0)),			\
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_VAL + 8, 0)),		\
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_VAL + 16, 0)),		\
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, FP_VAL + 24, 0)),		\
	BYTES_PKTS(),							\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_10, FP_DIR)),		\
	JI(BPF_JNE, BPF_REG_2, 0, L_B_VALTX),				\
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, FP_VAL)),		\
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_3, FP_VAL + 8)),	\
	JA(L_B_VAL),							\
LABEL(L_B_VALTX),							\
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, FP_VAL + 16)),	\
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_3, FP_VAL + 24)),	\
LABEL(L_B_VAL),								\
	/* r0 = update(r8, key, value, BPF_NOEXIST); if (!r0) goto out */ \
	MAP_AND_KEY(),							\
	I(BPF_MOV64_REG(BPF_REG_3, BPF_REG_10)),			\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, FP_VAL)),			\
	I(BPF_MOV64_IMM(BPF_REG_4, BPF_NOEXIST)),			\
	I(BPF_EMIT_CALL(BPF_FUNC_map_update_elem)),			\
	JI(BPF_JEQ, BPF_REG_0, 0, L_OUT),				\
	/* another CPU made it meanwhile (EEXIST): look it up again; else full */ \
	JI(BPF_JNE, BPF_REG_0, -PC_EEXIST, L_B_SETFULL),		\
LABEL(L_B_RETRY),							\
	MAP_AND_KEY(),							\
	I(BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem)),			\
	JI(BPF_JEQ, BPF_REG_0, 0, L_B_FULL),				\
LABEL(L_B_ADD),								\
	/* value[dir] += { bytes, pkts } */				\
	BYTES_PKTS(),							\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_10, FP_DIR)),		\
	JI(BPF_JNE, BPF_REG_2, 0, L_B_ADDTX),				\
	ADD(0),								\
	JA(L_OUT),							\
LABEL(L_B_ADDTX),							\
	ADD(16),							\
	JA(L_OUT),							\
LABEL(L_B_SETFULL),							\
	/* ctl->full[gen] = 1: the frames after this one skip the update */ \
	I(BPF_MOV64_REG(BPF_REG_2, BPF_REG_10)),			\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, FP_CTL_KEY)),		\
	LD_MAP(BPF_REG_1, PC_MAP_BY_CTL),				\
	I(BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem)),			\
	JI(BPF_JEQ, BPF_REG_0, 0, L_B_FULL),				\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, FP_GEN)),		\
	JI(BPF_JNE, BPF_REG_1, 0, L_B_FULL1),				\
	I(BPF_ST_MEM(BPF_W, BPF_REG_0, 8, 1)),				\
	JA(L_B_FULL),							\
LABEL(L_B_FULL1),							\
	I(BPF_ST_MEM(BPF_W, BPF_REG_0, 12, 1)),				\
LABEL(L_B_FULL),							\
	/* counters[PC_MAP0_OVERFLOW + dir] += { bytes, pkts } */	\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, FP_DIR)),		\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, PC_MAP0_OVERFLOW)),		\
	I(BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, -4)),		\
	I(BPF_MOV64_REG(BPF_REG_2, BPF_REG_10)),			\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4)),			\
	LD_MAP(BPF_REG_1, PC_MAP_COUNTERS),				\
	I(BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem)),			\
	JI(BPF_JEQ, BPF_REG_0, 0, L_OUT),				\
	BYTES_PKTS(),							\
	ADD(0),								\
	COUNT_TAIL(),

static const struct pc_asm by_update_percpu[] = { BY_UPDATE(ADD_PERCPU) };
static const struct pc_asm by_update_xadd[] = { BY_UPDATE(ADD_XADD) };

/*
 * ---- What the builder takes (include/pc_prog.h), by what the variant is ----
 * A program is, in order:
 *   dir[at], [by_init], link[link], l3[by], count[by][counters][unit],
 *   [by_head, by_mac[link][copy], by_ip[copy], by_update[counters]], ret[at]
 * and with classes, their head after dir and their rows before ret
 * (insn/classes.c).  A breakdown copies headers exactly where it counts per
 * CPU: the word-at-a-time reads are for the kernels before 4.13, which have
 * no skb_load_bytes for socket filters and count with XADD.
 */
const struct pc_frag pc_frag_dir[PC_AT_COUNT] = {
	[PC_AT_SOCKET] = PC_FRAG(dir_skb),
	[PC_AT_TC_INGRESS] = PC_FRAG(dir_skb),
	[PC_AT_TC_EGRESS] = PC_FRAG(dir_out),
};
const struct pc_frag pc_frag_by_init = PC_FRAG(by_init);
const struct pc_frag pc_frag_link[2] = {
	[PC_LINK_ETH] = PC_FRAG(eth_head),
	[PC_LINK_RAW] = PC_FRAG(raw_head),
};
const struct pc_frag pc_frag_l3[2] = { PC_FRAG(l3), PC_FRAG(l3_by) };
/* no XADD in wire units: every kernel with gso_size (5.7) has per-CPU maps */
const struct pc_frag pc_frag_count[2][PC_CTR_COUNT][2] = {
	[0][PC_CTR_PERCPU][PC_UNIT_SKB] = PC_FRAG(count_percpu),
	[0][PC_CTR_XADD][PC_UNIT_SKB] = PC_FRAG(count_xadd),
	[0][PC_CTR_PERCPU][PC_UNIT_WIRE] = PC_FRAG(wire),
	[1][PC_CTR_PERCPU][PC_UNIT_SKB] = PC_FRAG(count_by_percpu),
	[1][PC_CTR_XADD][PC_UNIT_SKB] = PC_FRAG(count_by_xadd),
	[1][PC_CTR_PERCPU][PC_UNIT_WIRE] = PC_FRAG(count_by_wire),
};
const struct pc_frag pc_frag_by_head = PC_FRAG(by_head);
const struct pc_frag pc_frag_by_mac[2][2] = {
	[PC_LINK_ETH] = { PC_FRAG(by_mac_eth_ld), PC_FRAG(by_mac_eth_lb) },
	[PC_LINK_RAW] = { PC_FRAG(by_mac_raw), PC_FRAG(by_mac_raw) },
};
const struct pc_frag pc_frag_by_ip[2] = { PC_FRAG(by_ip_ld), PC_FRAG(by_ip_lb) };
const struct pc_frag pc_frag_by_update[PC_CTR_COUNT] = {
	[PC_CTR_PERCPU] = PC_FRAG(by_update_percpu),
	[PC_CTR_XADD] = PC_FRAG(by_update_xadd),
};
const struct pc_frag pc_frag_ret[PC_AT_COUNT] = {
	[PC_AT_SOCKET] = PC_FRAG(ret0),
	[PC_AT_TC_INGRESS] = PC_FRAG(ret_next),
	[PC_AT_TC_EGRESS] = PC_FRAG(ret_next),
};

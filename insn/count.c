// SPDX-License-Identifier: GPL-2.0
/*
 * The counting program: an eBPF socket filter, hand-assembled, that counts
 * every frame under the key of README.md ("The counting key") and returns
 * 0, so that nothing is ever queued to the socket.
 *
 *   slot = classify(frame);
 *   key  = slot + (skb->pkt_type == PACKET_OUTGOING ? PC_NSLOTS : 0);
 *   c    = map[key];
 *   c->bytes   += skb->len + (skb->vlan_present ? 4 : 0);
 *   c->packets += 1;
 *   return 0;
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
 * What the kernel allows here is what 4.1 allows (tests/test_lint.c checks):
 * no JLT/JLE (4.14), no JMP32 (5.1), no loops (5.3), 4-byte context loads,
 * no helper but map_lookup_elem, packet bytes only through LD_ABS/LD_IND.
 *
 * LD_ABS/LD_IND past the end of the frame ends the program with 0 and the
 * frame would go uncounted, so every load is preceded by a length check.
 * They are helper calls on current kernels and clobber r1-r5, so all state
 * that must survive a load lives in r6-r9:
 *   r6  skb (LD_ABS/LD_IND require it there)
 *   r7  the slot; during the IPv6 walk, the next-header value
 *   r8  offset of the header being looked at
 *   r9  skb->len
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
	/* the IPv6 extension-header walk, unrolled: one set per header */
	L_V6_STEP1, L_V6_HDR1, L_V6_FRAG1, L_V6_AH1, L_V6_ADV1,
	L_V6_STEP2, L_V6_HDR2, L_V6_FRAG2, L_V6_AH2, L_V6_ADV2,
	L_V6_STEP3, L_V6_HDR3, L_V6_FRAG3, L_V6_AH3, L_V6_ADV3,
	L_V6_STEP4, L_V6_HDR4, L_V6_FRAG4, L_V6_AH4, L_V6_ADV4,
	L_V6_DONE,
	L_NLABELS
};
_Static_assert(L_NLABELS <= PC_ASM_MAX_LABELS, "raise PC_ASM_MAX_LABELS");

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

/* Step over one IPv6 extension header at r8, of type r7. */
#define V6_STEP(N)						\
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

static const struct pc_asm l3[] = {
LABEL(L_IPV4),
	/* r7 = slot(ipv4, unknown) */
	I(BPF_MOV64_IMM(BPF_REG_7, PC_SLOT_IPV4 + PC_PROTO_UNKNOWN)),
	/* if (r8 + 10 > len) goto count: no protocol byte */
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_8)),
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, PC_IPV4_PROTO_OFF + 1)),
	JR(BPF_JGT, BPF_REG_1, BPF_REG_9, L_COUNT),
	/* r7 = ip->protocol (+ PC_SLOT_IPV4, which is 0) */
	I(BPF_LD_IND(BPF_B, BPF_REG_8, PC_IPV4_PROTO_OFF)),
	I(BPF_MOV64_REG(BPF_REG_7, BPF_REG_0)),
	JA(L_COUNT),

LABEL(L_IPV6),
	/* r7 = slot(ipv6, unknown) */
	I(BPF_MOV64_IMM(BPF_REG_7, PC_SLOT_IPV6 + PC_PROTO_UNKNOWN)),
	/* if (r8 + 7 > len) goto count: no next-header byte */
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_8)),
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, PC_IPV6_NEXTHDR_OFF + 1)),
	JR(BPF_JGT, BPF_REG_1, BPF_REG_9, L_COUNT),
	/* r7 = ip6->nexthdr */
	I(BPF_LD_IND(BPF_B, BPF_REG_8, PC_IPV6_NEXTHDR_OFF)),
	I(BPF_MOV64_REG(BPF_REG_7, BPF_REG_0)),
	/* r8 += 40 */
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_8, PC_IPV6_HLEN)),
	V6_STEP(1),
	V6_STEP(2),
	V6_STEP(3),
	V6_STEP(4),
LABEL(L_V6_DONE),
	/* r7 = slot(ipv6, r7) */
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_7, PC_SLOT_IPV6)),
	JA(L_COUNT),

LABEL(L_NONIP),
	/* r7 = slot(llc); if (r0 < 0x600) goto count */
	I(BPF_MOV64_IMM(BPF_REG_7, SLOT(LLC))),
	JI(BPF_JGE, BPF_REG_0, PC_ETHERTYPE_MIN, L_ETHERTYPE),
	JA(L_COUNT),
LABEL(L_ETHERTYPE),
#define CLASS(ETHERTYPE, L3)						\
	I(BPF_MOV64_IMM(BPF_REG_7, PC_SLOT_L3(L3))),			\
	JI(BPF_JEQ, BPF_REG_0, ETHERTYPE, L_COUNT),
	/* r7 = slot(class); if (r0 == ethertype) goto count, for each */
	PC_NONIP_ETHERTYPES(CLASS)
#undef CLASS
	/* r7 = slot(other); fall through to count */
	I(BPF_MOV64_IMM(BPF_REG_7, SLOT(OTHER))),
};

/* The key from r7 and the direction, then r0 = &map[key]; r1 = bytes. */
#define COUNT_HEAD()							\
LABEL(L_COUNT),								\
	/* if (skb->pkt_type == PACKET_OUTGOING) r7 += PC_NSLOTS */	\
	I(BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_6, SKB(pkt_type))),	\
	JI(BPF_JNE, BPF_REG_0, PC_PACKET_OUTGOING, L_KEY),		\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_7, PC_NSLOTS)),		\
LABEL(L_KEY),								\
	/* *(u32 *)(fp - 4) = r7 */					\
	I(BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_7, -4)),		\
	/* r0 = map_lookup_elem(map, fp - 4) */				\
	I(BPF_MOV64_REG(BPF_REG_2, BPF_REG_10)),			\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4)),			\
	LD_MAP(BPF_REG_1),						\
	I(BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem)),			\
	/* if (!r0) goto out: cannot happen, every key is in range */	\
	JI(BPF_JEQ, BPF_REG_0, 0, L_OUT),				\
	/* r1 = len + 4 * skb->vlan_present: a moved-out tag was on the wire */ \
	I(BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, SKB(vlan_present))),	\
	I(BPF_ALU64_IMM(BPF_LSH, BPF_REG_1, 2)),			\
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_1, BPF_REG_9))

#define COUNT_TAIL()							\
LABEL(L_OUT),								\
	/* return 0: keep nothing, queue nothing */			\
	I(BPF_MOV64_IMM(BPF_REG_0, 0)),					\
	I(BPF_EXIT_INSN())

static const struct pc_asm count_percpu[] = {
	COUNT_HEAD(),
	/* this CPU's copy: no other writer while the filter runs here */
	/* c->bytes += r1 */
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_0, CTR(bytes))),
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_2, BPF_REG_1)),
	I(BPF_STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_2, CTR(bytes))),
	/* c->packets += 1 */
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_0, CTR(packets))),
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, 1)),
	I(BPF_STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_2, CTR(packets))),
	COUNT_TAIL(),
};

static const struct pc_asm count_xadd[] = {
	COUNT_HEAD(),
	/* one copy for all CPUs: atomic adds, or counts get lost */
	/* lock c->bytes += r1 */
	I(BPF_STX_XADD(BPF_DW, BPF_REG_0, BPF_REG_1, CTR(bytes))),
	/* lock c->packets += 1 */
	I(BPF_MOV64_IMM(BPF_REG_1, 1)),
	I(BPF_STX_XADD(BPF_DW, BPF_REG_0, BPF_REG_1, CTR(packets))),
	COUNT_TAIL(),
};

/* r0 = 0; return: the floor of any socket-filter tap. */
static const struct pc_asm empty[] = {
	I(BPF_MOV64_IMM(BPF_REG_0, 0)),
	I(BPF_EXIT_INSN()),
};

/*
 * The probe: reads every __sk_buff field the counting programs read.  4.0
 * loads the empty program but refuses any context read ("invalid
 * bpf_context access": its socket filters had no __sk_buff), so only this
 * program proves a kernel can count.
 *   r0 = skb->len; r0 = skb->protocol; r0 = skb->pkt_type;
 *   r0 = skb->vlan_present; return 0;
 */
static const struct pc_asm probe[] = {
	I(BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, SKB(len))),
	I(BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, SKB(protocol))),
	I(BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, SKB(pkt_type))),
	I(BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, SKB(vlan_present))),
	I(BPF_MOV64_IMM(BPF_REG_0, 0)),
	I(BPF_EXIT_INSN()),
};

static const struct pc_frag frags_eth_percpu[] = {
	PC_FRAG(eth_head), PC_FRAG(l3), PC_FRAG(count_percpu),
};
static const struct pc_frag frags_eth_xadd[] = {
	PC_FRAG(eth_head), PC_FRAG(l3), PC_FRAG(count_xadd),
};
static const struct pc_frag frags_raw_percpu[] = {
	PC_FRAG(raw_head), PC_FRAG(l3), PC_FRAG(count_percpu),
};
static const struct pc_frag frags_raw_xadd[] = {
	PC_FRAG(raw_head), PC_FRAG(l3), PC_FRAG(count_xadd),
};
static const struct pc_frag frags_empty[] = {
	PC_FRAG(empty),
};
static const struct pc_frag frags_probe[] = {
	PC_FRAG(probe),
};

#define PROG(NAME, FRAGS) { NAME, FRAGS, sizeof(FRAGS) / sizeof((FRAGS)[0]) }

const struct pc_prog pc_progs[PC_PROG_COUNT] = {
	[PC_PROG_ETH_PERCPU] = PROG("pc_eth_percpu", frags_eth_percpu),
	[PC_PROG_ETH_XADD]   = PROG("pc_eth_xadd", frags_eth_xadd),
	[PC_PROG_RAW_PERCPU] = PROG("pc_raw_percpu", frags_raw_percpu),
	[PC_PROG_RAW_XADD]   = PROG("pc_raw_xadd", frags_raw_xadd),
	[PC_PROG_EMPTY]      = PROG("pc_empty", frags_empty),
	[PC_PROG_PROBE]      = PROG("pc_probe", frags_probe),
};

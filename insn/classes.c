// SPDX-License-Identifier: GPL-2.0
/*
 * The classes inside the counting program (docs/counting.md, "Classes"):
 * a counting variant of insn/count.c with the filter ahead of it and the
 * classes after its count, each class's classic program translated by
 * src/prog/cbpf_ebpf.c, put together by src/prog/classes.c from the pieces
 * below.  One program, one socket, one pass over the frame:
 *
 *   bytes = pkts = 0;
 *   if (--filter && !filter(frame)) return 0;        // nothing counted
 *   ... the variant's count: key (and entry); bytes, pkts of the frame ...
 *   base = (pkt_type == PACKET_OUTGOING) * (n + 1); hit = 0;
 *   for (i = 0; i < n; i++)                          // unrolled
 *       if (class_i(frame)) { c = classes[base + i]; c->bytes += bytes; c->packets += pkts; hit = 1; }
 *   if (!hit) { c = classes[base + n]; c->bytes += bytes; c->packets += pkts; }
 *   return 0;
 *
 * classes is the map in slot PC_MAP_CLASSES, an ARRAY (XADD) or
 * PERCPU_ARRAY as the variant's counters are, of 2 x (n + 1) counters:
 * include/pc_class.h, pc_class_index().  A class's code falls through on a
 * match, and jumps over its match block on no match (pc_cbpf_translate).
 * The pieces below are copied and patched where include/pc_prog.h says
 * (PC_CLS_*): their jumps are counted here, in the piece, not by labels,
 * since a row is copied once per class.
 */
#include <stddef.h>

#include "bpf_insn.h"
#include "pc_prog.h"

#define SKB(FIELD) offsetof(struct __sk_buff, FIELD)
#define CTR(FIELD) offsetof(struct pc_counter, FIELD)

/* Before everything: the slots the classes read, written on every path. */
static const struct pc_asm head[] = {
	/* r6 = skb (r1 stays: the variant's head starts from it) */
	I(BPF_MOV64_REG(BPF_REG_6, BPF_REG_1)),
	/* bytes = pkts = hit = key = 0 */
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, PC_FP_BYTES, 0)),
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, PC_FP_PKTS, 0)),
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, PC_FP_CLS_HIT, 0)),
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, PC_FP_CLS_KEY, 0)),
};

/*
 * The tag the kernel moved out, read once for every class's ancillary
 * loads, where a class or the filter reads it:
 *   vlan = skb->vlan_present; tci = skb->vlan_tci; tpid = ntohs(skb->vlan_proto);
 */
static const struct pc_asm head_vlan[] = {
	I(BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, SKB(vlan_present))),
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, PC_FP_CLS_VLAN)),
	I(BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, SKB(vlan_tci))),
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, PC_FP_CLS_TCI)),
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_6)),
};
static const struct pc_asm head_tpid[] = {
	I(BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, SKB(vlan_proto))),
	I(BPF_ENDIAN_TO_BE(BPF_REG_1, 16)),
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, PC_FP_CLS_TPID)),
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_6)),
};

/*
 * With env->copy (4.13+): the frame's first min(len, 64) bytes to the stack
 * in one call, for the classes' constant loads (the bounds of each load
 * keep it inside what was copied; a frame of 0 bytes copies 1, fails, and
 * no load passes its bounds).  A shorter frame's copy area is zeroed first:
 * verifiers before 5.x take a copy of a size they only know the range of
 * as writing none of it (4.14 to 5.4: "invalid read from stack" at the
 * first load); a whole copy of 64 they know.
 *   if (skb->len > 63) n = 64;
 *   else { copy[0..64) = 0; n = skb->len ?: 1; }
 *   skb_load_bytes(skb, 0, copy, n); r1 = skb;
 */
#define ZERO8(N) I(BPF_ST_MEM(BPF_DW, BPF_REG_10, PC_FP_CLS_COPY + 8 * (N), 0))
_Static_assert(PC_CLS_COPY == 64, "head_copy zeroes 8 words");
static const struct pc_asm head_copy[] = {
	I(BPF_LDX_MEM(BPF_W, BPF_REG_4, BPF_REG_6, SKB(len))),
	I(BPF_JMP_IMM(BPF_JGT, BPF_REG_4, PC_CLS_COPY - 1, 11)),
	ZERO8(0), ZERO8(1), ZERO8(2), ZERO8(3), ZERO8(4), ZERO8(5), ZERO8(6), ZERO8(7),
	/* not JNE: a verifier learns n >= 1 from JGT only ("invalid zero-sized read", 6.1) */
	I(BPF_JMP_IMM(BPF_JGT, BPF_REG_4, 0, 3)),
	I(BPF_MOV64_IMM(BPF_REG_4, 1)),
	I(BPF_JMP_A(1)),
	I(BPF_MOV64_IMM(BPF_REG_4, PC_CLS_COPY)),
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_6)),
	I(BPF_MOV64_IMM(BPF_REG_2, 0)),
	I(BPF_MOV64_REG(BPF_REG_3, BPF_REG_10)),
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, PC_FP_CLS_COPY)),
	I(BPF_EMIT_CALL(BPF_FUNC_skb_load_bytes)),
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_6)),
};

/*
 * A filter libpcap refused for this link type matches nothing here:
 * if (skb->len != 0xffffffff) return 0, a test that always holds, so the
 * code after it stays reachable for the verifier's eyes (check_cfg).
 */
static const struct pc_asm filter_none[] = {
	I(BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, SKB(len))),
	I(BPF_JMP_IMM(BPF_JNE, BPF_REG_1, -1, 2)),
};

/*
 * After the filter's code: a match goes on to the count (r1 = skb), no
 * match (PC_FILTER_NOMATCH_SKIP past the filter's last instruction, as
 * filter_none's jump) to the variant's return (at tc: on to the next
 * filter, counted nowhere).
 */
static const struct pc_asm filter_exit[] = {
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_6)),
	I(BPF_JMP_A(1)),
	JA(PC_L_RET),
};

/*
 * After the count: r0, r7-r9 = 0, base = dir * (n + 1) (patched in at
 * PC_CLS_BASE_ROWS).  The registers are dead here, but the variant's paths arrive
 * with hundreds of different values in them, and the verifier (6.18)
 * walked the classes once for each: made equal, it prunes (one class: 22
 * thousand instructions processed down to 8; each class's code clears its
 * own again, src/prog/cbpf_ebpf.c).
 */
static const struct pc_asm base_of_dir[] = {
	I(BPF_MOV64_IMM(BPF_REG_0, 0)),
	I(BPF_MOV64_IMM(BPF_REG_7, 0)),
	I(BPF_MOV64_IMM(BPF_REG_8, 0)),
	I(BPF_MOV64_IMM(BPF_REG_9, 0)),
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, PC_FP_PKT_TYPE)),
	I(BPF_MOV64_IMM(BPF_REG_2, 0)),
	I(BPF_JMP_IMM(BPF_JNE, BPF_REG_1, PC_PACKET_OUTGOING, 1)),
	I(BPF_MOV64_IMM(BPF_REG_2, 0 /* n + 1 */)),
	I(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, PC_FP_CLS_BASE)),
};

/*
 * A matching frame counts in row base + i (patched in at PC_CLS_ROW_IMM),
 * on this CPU's copy or atomically:
 *   key = base + i; c = lookup(classes, &key); key = 0;
 *   if (c) { c += { bytes, pkts }; hit = 1; }
 */
#define COUNT_ROW(ADD)							\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, PC_FP_CLS_BASE)),	\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, 0 /* i */)),		\
	I(BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, PC_FP_CLS_KEY)),	\
	I(BPF_MOV64_REG(BPF_REG_2, BPF_REG_10)),			\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, PC_FP_CLS_KEY)),		\
	LD_MAP(BPF_REG_1, PC_MAP_CLASSES),				\
	I(BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem)),			\
	/* key = 0: the same slot after every class (PC_FP_CLS_KEY) */	\
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, PC_FP_CLS_KEY, 0)),		\
	I(BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, ADD##_LEN + 3)),		\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, PC_FP_BYTES)),	\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_3, BPF_REG_10, PC_FP_PKTS)),	\
	ADD,								\
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, PC_FP_CLS_HIT, 1))
#define ADD_PERCPU_LEN 6
#define ADD_PERCPU							\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_0, CTR(bytes))),	\
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_2, BPF_REG_1)),		\
	I(BPF_STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_2, CTR(bytes))),	\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_0, CTR(packets))),	\
	I(BPF_ALU64_REG(BPF_ADD, BPF_REG_2, BPF_REG_3)),		\
	I(BPF_STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_2, CTR(packets)))
#define ADD_XADD_LEN 2
#define ADD_XADD							\
	I(BPF_STX_XADD(BPF_DW, BPF_REG_0, BPF_REG_1, CTR(bytes))),	\
	I(BPF_STX_XADD(BPF_DW, BPF_REG_0, BPF_REG_3, CTR(packets)))
/* the jump on NULL (cannot happen: every row is in range) passes the loads, the add and hit = 1 */
static const struct pc_asm count_row_percpu[] = { COUNT_ROW(ADD_PERCPU) };
static const struct pc_asm count_row_xadd[] = { COUNT_ROW(ADD_XADD) };

/* The unmatched row: if (!hit) count row base + n. */
static const struct pc_asm unmatched_test[] = {
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, PC_FP_CLS_HIT)),
	I(BPF_JMP_IMM(BPF_JNE, BPF_REG_1, 0, 0 /* past the row's count */)),
};

const struct pc_frag pc_frag_cls_head = PC_FRAG(head);
const struct pc_frag pc_frag_cls_vlan = PC_FRAG(head_vlan);
const struct pc_frag pc_frag_cls_tpid = PC_FRAG(head_tpid);
const struct pc_frag pc_frag_cls_copy = PC_FRAG(head_copy);
const struct pc_frag pc_frag_filter_none = PC_FRAG(filter_none);
const struct pc_frag pc_frag_filter_exit = PC_FRAG(filter_exit);
const struct pc_frag pc_frag_cls_base = PC_FRAG(base_of_dir);
const struct pc_frag pc_frag_cls_row[PC_CTR_COUNT] = {
	[PC_CTR_PERCPU] = PC_FRAG(count_row_percpu),
	[PC_CTR_XADD] = PC_FRAG(count_row_xadd),
};
const struct pc_frag pc_frag_cls_unmatched = PC_FRAG(unmatched_test);

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The eBPF programs as data (insn/): the fragments every program pktcount
 * loads is put together from, and what the fragments share: the maps they
 * load by slot, the stack slots they leave values in for each other, the
 * label every fragment may jump to.  Which fragments a program has, in
 * which order, and how they are linked and linted against the oldest
 * kernel that runs them is the builder's (src/prog/build.h).
 */
#ifndef PKTCOUNT_PROG_H
#define PKTCOUNT_PROG_H

#include "bpf_insn.h"
#include "pc_key.h"

/* A kernel release as a number that compares: PC_KV(4, 1) < PC_KV(5, 7). */
#define PC_KV(MAJOR, MINOR) ((MAJOR) << 8 | (MINOR))

/*
 * The maps a program loads (LD_MAP(DST, SLOT)), each in its slot; the
 * linker patches the descriptor of the map in that slot in.
 *   COUNTERS  ARRAY, or PERCPU_ARRAY, of PC_MAP0_SLOTS counters (include/
 *             pc_key.h): the protocol keys, --by's two overflow slots, the
 *             new-key counter
 *   BY_CTL    --by: ARRAY of one { u32 gen, by, full[2] } (src/ebpf_by.c)
 *   BY_GEN0/1 --by: HASH, or PERCPU_HASH, of the entries: gen names the
 *             one counted into, userspace drains the other
 *   CLASSES   with classes: ARRAY, or PERCPU_ARRAY, of pc_class_rows()
 *             counters (include/pc_class.h)
 * A map is per CPU where the program's counters are (enum pc_counters).
 */
enum pc_map_slot {
	PC_MAP_COUNTERS,
	PC_MAP_BY_CTL,
	PC_MAP_BY_GEN0,
	PC_MAP_BY_GEN1,
	PC_MAP_CLASSES,
	PC_MAP_SLOTS
};
/* The entry map counted into while the control map's gen is GEN (0 or 1). */
#define PC_MAP_BY_GEN(GEN) (PC_MAP_BY_GEN0 + (GEN))

/*
 * How a program adds to a counter: on this CPU's copy of a per-CPU map
 * (PERCPU_ARRAY, PERCPU_HASH: 4.6), a plain load-add-store; or on the one
 * copy of an ARRAY or HASH, with atomic adds (XADD, 4.1).
 */
enum pc_counters { PC_CTR_PERCPU, PC_CTR_XADD, PC_CTR_COUNT };

/*
 * Where a counting program runs.  A packet socket's filter returns 0 (queue
 * nothing); at tc it returns TC_ACT_UNSPEC, which is also TCX_NEXT, so
 * every filter and program after it runs as if it were not there
 * (cls_bpf_classify(): "continue"; tcx_run()).  At tc the direction is the
 * hook's.  tc needs SCHED_CLS with direct-action on clsact (4.5).
 */
enum pc_attach { PC_AT_SOCKET, PC_AT_TC_INGRESS, PC_AT_TC_EGRESS, PC_AT_COUNT };
#define PC_TC_SINCE PC_KV(4, 5)

#define PC_ASM_MAX_LABELS 128
/* The program's return (pc_frag_ret): a label every fragment may jump to. */
#define PC_L_RET (PC_ASM_MAX_LABELS - 1)
/*
 * The most a program of ours may have: the kernel takes 4096 (BPF_MAXINSNS)
 * before 5.2, a million from root after; ours are a few hundred but for
 * the classes' (insn/classes.c), which the kernel's limit bounds.
 */
#define PC_PROG_MAX_INSNS 32768
#define PC_KERNEL_MAX_INSNS_OLD 4096	/* before 5.2 */

/*
 * The stack the counting programs share with the class code appended to
 * them (insn/classes.c, src/prog/cbpf_ebpf.c): at the count, every variant
 * leaves the frame's bytes and packets here; the class code's own slots
 * lie below the breakdown variants' (insn/count.c, down to -192).  Each is
 * a whole 8-byte slot written with 8-byte stores: the verifier's liveness
 * counts only those as overwriting a slot, and a slot it thinks live with
 * another class's leftovers in it keeps it from pruning the paths of the
 * classes after (seen: 24 classes past a million instructions processed).
 */
#define PC_FP_BYTES		(-32)	/* u64: the frame's bytes, as its key counted them */
#define PC_FP_PKTS		(-160)	/* u64: its packets (in wire units, its segments) */
#define PC_FP_CLS_KEY		(-200)	/* u32: the class map's key, 0 again after each lookup */
#define PC_FP_CLS_BASE		(-208)	/* u64: the direction's first row, dir * (classes + 1) */
#define PC_FP_CLS_HIT		(-216)	/* u64: a class matched */
#define PC_FP_CLS_M(I)		(-368 + 8 * (int)(I))	/* u64: classic M[0..15] */
/* The tag the kernel moved out, read once at the start for every class's ancillary loads. */
#define PC_FP_CLS_VLAN		(-224)	/* u64: skb->vlan_present */
#define PC_FP_CLS_TCI		(-232)	/* u64: skb->vlan_tci */
#define PC_FP_CLS_TPID		(-240)	/* u64: ntohs(skb->vlan_proto) */
/*
 * skb->pkt_type as the direction reads it (PACKET_OUTGOING: tx), written
 * first by every counting variant: a socket's filter and tc's ingress copy
 * the skb's; tc's egress, where the skb has no PACKET_OUTGOING (a packet
 * socket's clone gets it, dev_queue_xmit_nit()), writes PACKET_OUTGOING.
 */
#define PC_FP_PKT_TYPE		(-376)
/* the frame's first PC_CLS_COPY bytes, where skb_load_bytes can copy them (4.13+) */
#define PC_CLS_COPY		64
#define PC_FP_CLS_COPY		(-464)

/*
 * ---- The counting program's fragments (insn/count.c), in program order ----
 * Indexed by what the variant is (src/prog/build.h, struct pc_variant); an
 * entry of length 0 is a variant insn/ does not have.
 *
 *   dir[at]                      pkt_type onto the stack: the skb's, or PACKET_OUTGOING at tc egress
 *   by_init                      --by: the stack slots a later path reads
 *   link[link]                   the link header: eth walks the ethertype and VLAN tags, raw has skb->protocol
 *   l3[by]                       the network layer: the slot (by: and what the key needs later)
 *   count[by][counters][unit]    the protocol key counted
 *   by_head                      --by: the control map, the direction, the key cleared
 *   by_mac[link][copy]           --by mac: the other end's address
 *   by_ip[copy]                  --by host, pair, flow: addresses, ports; else the class
 *   by_update[counters]          --by: the entry found, made, or the overflow counted
 *   ret[at]                      return: 0 from a socket's filter, TC_ACT_UNSPEC at tc
 * copy: header bytes copied onto the stack with skb_load_bytes (4.13),
 * else read a word at a time (LD_IND).
 */
extern const struct pc_frag pc_frag_dir[PC_AT_COUNT];
extern const struct pc_frag pc_frag_by_init;
extern const struct pc_frag pc_frag_link[2];
extern const struct pc_frag pc_frag_l3[2];
extern const struct pc_frag pc_frag_count[2][PC_CTR_COUNT][2];
extern const struct pc_frag pc_frag_by_head;
extern const struct pc_frag pc_frag_by_mac[2][2];
extern const struct pc_frag pc_frag_by_ip[2];
extern const struct pc_frag pc_frag_by_update[PC_CTR_COUNT];
extern const struct pc_frag pc_frag_ret[PC_AT_COUNT];

/* ---- The probes' programs (insn/probes.c): each one fragment ---- */
extern const struct pc_frag pc_frag_empty;		/* return 0: the benchmark's floor */
extern const struct pc_frag pc_frag_probe_ctx;		/* reads the __sk_buff fields the skb count reads (4.1) */
extern const struct pc_frag pc_frag_probe_gso;		/* and those the wire count reads (5.7) */
extern const struct pc_frag pc_frag_probe_load_bytes;	/* calls skb_load_bytes, as --by's per-CPU programs do (4.13) */

/*
 * ---- The classes' code (insn/classes.c) ----
 * Copied around a counting program's fragments for one tap, with the
 * classes' own code between (src/prog/classes.c): the head after dir, the
 * filter's code, the rows after the count.
 *   cls_head         the slots every class reads, cleared
 *   cls_vlan, _tpid  the tag the kernel moved out, for the ancillary loads
 *   cls_copy         the frame's first PC_CLS_COPY bytes onto the stack (4.13)
 *   filter_none      a filter that never matches on this link
 *   filter_exit      after the filter: on to the count, or to the return
 *   cls_base         after the count: the direction's first row; its
 *                    instruction PC_CLS_BASE_ROWS has imm = a direction's rows
 *   cls_row[ctr]     a class's row counted on a match; its instruction
 *                    PC_CLS_ROW_IMM has imm = the row
 *   cls_unmatched    if no class matched, count its row (which follows):
 *                    instruction PC_CLS_UNMATCHED_JUMP jumps past that row
 */
extern const struct pc_frag pc_frag_cls_head, pc_frag_cls_vlan, pc_frag_cls_tpid, pc_frag_cls_copy;
extern const struct pc_frag pc_frag_filter_none, pc_frag_filter_exit;
extern const struct pc_frag pc_frag_cls_base, pc_frag_cls_row[PC_CTR_COUNT], pc_frag_cls_unmatched;
#define PC_CLS_BASE_ROWS	7
#define PC_CLS_ROW_IMM		1
#define PC_CLS_UNMATCHED_JUMP	1
/* A filter that does not match jumps this far past its last instruction: filter_exit's return. */
#define PC_FILTER_NOMATCH_SKIP	2

#endif /* PKTCOUNT_PROG_H */

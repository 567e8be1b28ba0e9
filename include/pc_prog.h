/* SPDX-License-Identifier: GPL-2.0 */
/* The eBPF programs of insn/, and the linker and lint of src/asm.c. */
#ifndef PKTCOUNT_PROG_H
#define PKTCOUNT_PROG_H

#include <stddef.h>

#include "bpf_insn.h"
#include "pc_key.h"

/* A kernel release as a number that compares: PC_KV(4, 1) < PC_KV(5, 7). */
#define PC_KV(MAJOR, MINOR) ((MAJOR) << 8 | (MINOR))

enum pc_prog_id {
	PC_PROG_ETH_PERCPU,	/* Ethernet-like link, PERCPU_ARRAY (4.6+) */
	PC_PROG_ETH_XADD,	/* Ethernet-like link, ARRAY + XADD (4.1+) */
	PC_PROG_RAW_PERCPU,	/* no link header, PERCPU_ARRAY */
	PC_PROG_RAW_XADD,	/* no link header, ARRAY + XADD */
	PC_PROG_ETH_WIRE,	/* Ethernet-like link, wire units, PERCPU_ARRAY (5.7+) */
	PC_PROG_RAW_WIRE,	/* no link header, wire units, PERCPU_ARRAY (5.7+) */
	PC_PROG_ETH_BY_PERCPU,	/* with a breakdown (--by): PERCPU_HASH entries, skb_load_bytes (4.13+) */
	PC_PROG_ETH_BY_XADD,	/* with a breakdown: HASH entries, XADD, LD_IND (4.1+) */
	PC_PROG_ETH_BY_WIRE,	/* with a breakdown, in wire units (5.7+) */
	PC_PROG_RAW_BY_PERCPU,
	PC_PROG_RAW_BY_XADD,
	PC_PROG_RAW_BY_WIRE,
	PC_PROG_EMPTY,		/* r0 = 0; exit: the benchmark's floor */
	PC_PROG_PROBE,		/* reads the __sk_buff fields the skb counters read (4.1+) */
	PC_PROG_PROBE_WIRE,	/* and those the wire counters read (5.7+) */
	PC_PROG_PROBE_LOAD_BYTES, /* calls skb_load_bytes, as the breakdown programs do (4.13+) */
	PC_PROG_COUNT
};

struct pc_prog {
	const char *name;	/* also the kernel's prog_name (4.15+) */
	const struct pc_frag *frags;
	size_t nfrags;
	unsigned int since;	/* the oldest kernel that runs it, PC_KV(); the lint's yardstick */
	enum pc_unit unit;	/* what a counted packet is */
	int percpu;		/* counts into a PERCPU_ARRAY (else an ARRAY, with XADD) */
	unsigned int nmaps;	/* 1: the counters; PC_BY_NMAPS: and a breakdown's (insn/count.c) */
};
/* A breakdown program's maps: counters (+ 2 overflow slots), control, two entry maps */
#define PC_BY_NMAPS 4
extern const struct pc_prog pc_progs[PC_PROG_COUNT];

#define PC_ASM_MAX_LABELS 128
/* The program's return (pc_ret0, pc_ret_next): a label every fragment may jump to. */
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
 * them (insn/classes.c, src/cbpf_ebpf.c): at the count, every variant
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

struct pc_cprog;

/*
 * Where a counting program runs.  A packet socket's filter returns 0 (queue
 * nothing); at tc it returns TC_ACT_UNSPEC, which is also TCX_NEXT, so
 * every filter and program after it runs as if it were not there
 * (cls_bpf_classify(): "continue"; tcx_run()).  At tc the direction is the
 * hook's.  tc needs SCHED_CLS with direct-action on clsact (4.5).
 */
enum pc_attach { PC_AT_SOCKET, PC_AT_TC_INGRESS, PC_AT_TC_EGRESS };
#define PC_TC_SINCE PC_KV(4, 5)
#define PC_PLACED_MAX_FRAGS 12
struct pc_placed {
	struct pc_prog prog;
	struct pc_frag frags[PC_PLACED_MAX_FRAGS];
	char name[16];		/* BPF_OBJ_NAME_LEN */
};
/* Counting variant base as it runs at at: 0, or -1 when base is not a counting variant. */
int pc_prog_place(const struct pc_prog *base, enum pc_attach at, struct pc_placed *out);
/* Whether the program's last fragment is a return that classes may come before. */
int pc_prog_ends_in_ret(const struct pc_prog *prog);

/* How the class code is built for a tap. */
struct pc_cls_env {
	int ifindex;		/* the tap's interface: SKF_AD_IFINDEX */
	unsigned int max_insns;	/* the kernel's limit on a program */
	/*
	 * The program copies the frame's first PC_CLS_COPY bytes to the stack
	 * once (skb_load_bytes, 4.13+) and the classes' constant loads read
	 * them there: an LD_ABS is a helper call, and where headers sit in page
	 * fragments a copy (bench: 8 classes 166 ns above the empty program
	 * without it).
	 */
	int copy;
};

/*
 * A class's classic program as eBPF (src/cbpf_ebpf.c): falls through past
 * its last instruction on a match, jumps nomatch_skip instructions further
 * on no match.  The instruction count, or -1 with err.
 */
int pc_cbpf_translate(const struct pc_cprog *cp, const struct pc_cls_env *env, unsigned int nomatch_skip,
		      struct pc_asm *out, size_t cap, char *err, size_t errlen);

/* A counting program with the classes and filter of this run (insn/classes.c). */
struct pc_composed {
	struct pc_prog prog;	/* what pc_asm_link() takes */
	struct pc_frag *frags;
	struct pc_asm *head, *body;
	unsigned int ninsns;	/* its instructions */
	unsigned int class_insns[PC_CLASS_MAX];	/* each class's, for -v */
};
/*
 * base with the filter ahead of everything and the classes after its
 * count, counting into map base->nmaps (pc_class_rows() counters, per CPU
 * where base counts per CPU).  At most env->max_insns; else -1 with one
 * line in err naming the class that does not fit.
 */
int pc_prog_compose(const struct pc_prog *base, enum pc_link link, const struct pc_cls_env *env,
		    struct pc_composed *out, char *err, size_t errlen);
void pc_prog_composed_free(struct pc_composed *c);

/*
 * Link a program: resolve labels (forward jumps only), patch the fd of its
 * map number N (map_fds[N], of nmaps) into every load of that map.  Returns
 * the instruction count, or -1 with a message in err naming the fragment
 * and instruction at fault.
 */
int pc_asm_link(const struct pc_prog *prog, const int *map_fds, unsigned int nmaps,
		struct bpf_insn *out, size_t cap, char *err, size_t errlen);

/*
 * Check a linked socket-filter program against what kernel since (PC_KV())
 * accepts: the instructions of 4.1 (no newer opcode is used), the helpers
 * that kernel lets a socket filter call, 4-byte context loads of the __sk_buff fields
 * that kernel lets a socket filter read, forward jumps that land inside the
 * program.  Returns 0, or -1 with a message in err naming the instruction.
 */
int pc_lint(const struct bpf_insn *insns, size_t n, unsigned int since, char *err, size_t errlen);

#endif /* PKTCOUNT_PROG_H */

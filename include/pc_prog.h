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
#define PC_PROG_MAX_INSNS 1024	/* a quarter of 4.1's 4096 */

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

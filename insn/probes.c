// SPDX-License-Identifier: GPL-2.0
/*
 * The probes' programs: each the smallest socket filter that needs one
 * thing of the kernel, loaded once by eBPF mode's probe table (src/ebpf.c)
 * to learn whether the kernel has it; and the empty program, the
 * benchmark's floor (bench/tap.c).  Their names and oldest kernels are in
 * src/prog/build.c (pc_probes[]).
 */
#include <stddef.h>

#include "bpf_insn.h"
#include "pc_prog.h"

#define SKB(FIELD) offsetof(struct __sk_buff, FIELD)

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

/*
 * The wire probe (5.7+): reads gso_segs (5.1) and gso_size (5.7), which a
 * kernel refuses before it has them ("invalid bpf_context access").
 *   r0 = skb->gso_segs; r0 = skb->gso_size; return 0;
 */
static const struct pc_asm probe_wire[] = {
	I(BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, SKB(gso_segs))),
	I(BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, SKB(gso_size))),
	I(BPF_MOV64_IMM(BPF_REG_0, 0)),
	I(BPF_EXIT_INSN()),
};

/*
 * The load-bytes probe (4.13+): a call a kernel refuses before it lets
 * socket filters copy packet bytes ("unknown func skb_load_bytes#26").
 *   skb_load_bytes(skb, 0, fp - 8, 1); return 0;
 */
static const struct pc_asm probe_load_bytes[] = {
	I(BPF_MOV64_IMM(BPF_REG_2, 0)),
	I(BPF_MOV64_REG(BPF_REG_3, BPF_REG_10)),
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -8)),
	I(BPF_MOV64_IMM(BPF_REG_4, 1)),
	I(BPF_EMIT_CALL(BPF_FUNC_skb_load_bytes)),
	I(BPF_MOV64_IMM(BPF_REG_0, 0)),
	I(BPF_EXIT_INSN()),
};

const struct pc_frag pc_frag_empty = PC_FRAG(empty);
const struct pc_frag pc_frag_probe_ctx = PC_FRAG(probe);
const struct pc_frag pc_frag_probe_gso = PC_FRAG(probe_wire);
const struct pc_frag pc_frag_probe_load_bytes = PC_FRAG(probe_load_bytes);

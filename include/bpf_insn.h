/* SPDX-License-Identifier: GPL-2.0 */
/*
 * eBPF instruction macros in the style of the kernel's samples/bpf/bpf_insn.h,
 * plus the labels that pktcount's programs jump by.
 *
 * A program in insn/ is an array of struct pc_asm: plain instructions, jumps
 * that name a label instead of an offset, and label definitions.  The linker
 * in src/prog/asm.c resolves the labels, rejects backward jumps (no loops
 * before 5.3) and patches map file descriptors, so no jump offset is ever
 * counted by hand.
 */
#ifndef PKTCOUNT_BPF_INSN_H
#define PKTCOUNT_BPF_INSN_H

#include "pc_uapi.h"

#define BPF_INSN(CODE, DST, SRC, OFF, IMM)				\
	((struct bpf_insn) {						\
		.code = (CODE), .dst_reg = (DST), .src_reg = (SRC),	\
		.off = (OFF), .imm = (IMM) })

/* dst = dst OP src */
#define BPF_ALU64_REG(OP, DST, SRC)  BPF_INSN(BPF_ALU64 | BPF_OP(OP) | BPF_X, DST, SRC, 0, 0)
/* dst = dst OP imm */
#define BPF_ALU64_IMM(OP, DST, IMM)  BPF_INSN(BPF_ALU64 | BPF_OP(OP) | BPF_K, DST, 0, 0, IMM)
/* dst = src */
#define BPF_MOV64_REG(DST, SRC)      BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_X, DST, SRC, 0, 0)
/* dst = imm (sign-extended) */
#define BPF_MOV64_IMM(DST, IMM)      BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_K, DST, 0, 0, IMM)
/* dst = (u32)dst OP (u32)src, zero-extended */
#define BPF_ALU32_REG(OP, DST, SRC)  BPF_INSN(BPF_ALU | BPF_OP(OP) | BPF_X, DST, SRC, 0, 0)
/* dst = (u32)dst OP (u32)imm, zero-extended */
#define BPF_ALU32_IMM(OP, DST, IMM)  BPF_INSN(BPF_ALU | BPF_OP(OP) | BPF_K, DST, 0, 0, IMM)
/* dst = (u32)src */
#define BPF_MOV32_REG(DST, SRC)      BPF_INSN(BPF_ALU | BPF_MOV | BPF_X, DST, SRC, 0, 0)
/* dst = (u32) imm */
#define BPF_MOV32_IMM(DST, IMM)      BPF_INSN(BPF_ALU | BPF_MOV | BPF_K, DST, 0, 0, IMM)
/* dst = htobe##LEN(dst) (a byte swap on little-endian, a truncation on big) */
#define BPF_ENDIAN_TO_BE(DST, LEN)   BPF_INSN(BPF_ALU | BPF_END | BPF_TO_BE, DST, 0, 0, LEN)

/* dst = *(SIZE *)(src + off) */
#define BPF_LDX_MEM(SIZE, DST, SRC, OFF) BPF_INSN(BPF_LDX | BPF_SIZE(SIZE) | BPF_MEM, DST, SRC, OFF, 0)
/* *(SIZE *)(dst + off) = src */
#define BPF_STX_MEM(SIZE, DST, SRC, OFF) BPF_INSN(BPF_STX | BPF_SIZE(SIZE) | BPF_MEM, DST, SRC, OFF, 0)
/* *(SIZE *)(dst + off) = imm */
#define BPF_ST_MEM(SIZE, DST, OFF, IMM) BPF_INSN(BPF_ST | BPF_SIZE(SIZE) | BPF_MEM, DST, 0, OFF, IMM)
/* *(SIZE *)(dst + off) += src, atomically */
#define BPF_STX_XADD(SIZE, DST, SRC, OFF) BPF_INSN(BPF_STX | BPF_SIZE(SIZE) | BPF_XADD, DST, SRC, OFF, 0)

/* r0 = ntoh(*(SIZE *)(skb->data + imm)); r1-r5 are clobbered */
#define BPF_LD_ABS(SIZE, IMM)        BPF_INSN(BPF_LD | BPF_SIZE(SIZE) | BPF_ABS, 0, 0, 0, IMM)
/* r0 = ntoh(*(SIZE *)(skb->data + src + imm)); r1-r5 are clobbered */
#define BPF_LD_IND(SIZE, SRC, IMM)   BPF_INSN(BPF_LD | BPF_SIZE(SIZE) | BPF_IND, 0, SRC, 0, IMM)

/* dst = map, as the first of two instruction slots; the fd is patched in */
#define BPF_LD_MAP_FD_LO(DST)        BPF_INSN(BPF_LD | BPF_DW | BPF_IMM, DST, BPF_PSEUDO_MAP_FD, 0, 0)
#define BPF_LD_IMM64_HI()            BPF_INSN(0, 0, 0, 0, 0)

/* if (dst OP imm) goto off */
#define BPF_JMP_IMM(OP, DST, IMM, OFF) BPF_INSN(BPF_JMP | BPF_OP(OP) | BPF_K, DST, 0, OFF, IMM)
/* if (dst OP src) goto off */
#define BPF_JMP_REG(OP, DST, SRC, OFF) BPF_INSN(BPF_JMP | BPF_OP(OP) | BPF_X, DST, SRC, OFF, 0)
/* goto off */
#define BPF_JMP_A(OFF)               BPF_INSN(BPF_JMP | BPF_JA, 0, 0, OFF, 0)
/* r0 = helper(r1, ..., r5) */
#define BPF_EMIT_CALL(FUNC)          BPF_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, FUNC)
/* return r0 */
#define BPF_EXIT_INSN()              BPF_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* ---- the assembler's view: instructions, label references, labels ---- */
enum pc_asm_kind {
	PC_ASM_INSN,	/* an instruction, used as is */
	PC_ASM_JUMP,	/* a jump whose offset comes from .label */
	PC_ASM_LABEL,	/* defines .label here; emits nothing */
	PC_ASM_MAPFD,	/* the first half of a map load: imm = the fd of the map in slot .label */
};

struct pc_asm {
	struct bpf_insn insn;
	unsigned short kind;
	unsigned short label;
};

/* An instruction as it is. */
#define I(INSN)		{ .insn = INSN, .kind = PC_ASM_INSN }
/* if (dst OP imm) goto LABEL */
#define JI(OP, DST, IMM, LABEL)	{ .insn = BPF_JMP_IMM(OP, DST, IMM, 0), .kind = PC_ASM_JUMP, .label = (LABEL) }
/* if (dst OP src) goto LABEL */
#define JR(OP, DST, SRC, LABEL)	{ .insn = BPF_JMP_REG(OP, DST, SRC, 0), .kind = PC_ASM_JUMP, .label = (LABEL) }
/* goto LABEL */
#define JA(LABEL)	{ .insn = BPF_JMP_A(0), .kind = PC_ASM_JUMP, .label = (LABEL) }
/* LABEL: */
#define LABEL(LABEL)	{ .kind = PC_ASM_LABEL, .label = (LABEL) }
/* dst = the map in slot SLOT (enum pc_map_slot, include/pc_prog.h): two instruction slots */
#define LD_MAP(DST, SLOT) { .insn = BPF_LD_MAP_FD_LO(DST), .kind = PC_ASM_MAPFD, .label = (SLOT) }, \
			  I(BPF_LD_IMM64_HI())

/* A piece of a program; a program is a list of them, linked in order. */
struct pc_frag {
	const char *name;
	const struct pc_asm *asm_;
	unsigned int len;
};

#define PC_FRAG(ARR) { #ARR, ARR, sizeof(ARR) / sizeof((ARR)[0]) }

#endif /* PKTCOUNT_BPF_INSN_H */

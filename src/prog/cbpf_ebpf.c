// SPDX-License-Identifier: GPL-2.0
/*
 * A class's classic program translated to eBPF, to run inside the counting
 * program (src/prog/classes.c puts the pieces together).  As the kernel's own
 * bpf_convert_filter() (net/core/filter.c) does it, with what a class needs
 * besides:
 *
 *   A in r0, X in r7, M[] on the stack (PC_FP_CLS_M, 8 bytes a word: see
 *   there), r6 the skb, r9 the
 *   frame's length as the program sees it, r8 and r1-r5 scratch.  A and X
 *   stay 32-bit: every ALU op is a 32-bit one, which zero-extends.
 *
 *   Every packet load is checked against the length first: an eBPF LD_ABS
 *   or LD_IND past the end ends the whole counting program with 0, while a
 *   classic load past the end only fails the class.  A failed load, a
 *   division by an X of 0 and a return of 0 go to "no match".
 *
 *   A constant above 0x7fffffff is compared through r1: an eBPF immediate
 *   is sign-extended to 64 bits, A is not.
 *
 *   The program runs on the frame as the kernel holds it, as the kernel
 *   would run it attached to a packet socket: a VLAN tag the kernel moved
 *   out is read through the ancillary loads libpcap's live code uses
 *   (src/class_pcap.c), mapped to __sk_buff fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"

#define SKB(FIELD) ((int16_t)offsetof(struct __sk_buff, FIELD))
#define TO_MATCH	0xfffffffeu
#define TO_NOMATCH	0xffffffffu

/* A translation in progress: instructions, and jumps whose targets come at the end. */
struct tx {
	struct pc_asm *out;
	size_t n, cap;
	uint32_t *start;	/* where each classic instruction's code starts */
	struct fix {
		size_t at;
		uint32_t to;	/* a classic instruction, TO_MATCH or TO_NOMATCH */
	} *fix;
	size_t nfix;
	const struct pc_cls_env *env;
};

static void emit(struct tx *t, struct bpf_insn in)
{
	if (t->n < t->cap)
		t->out[t->n] = (struct pc_asm){ .insn = in, .kind = PC_ASM_INSN };
	t->n++;
}

/* A jump to classic instruction to (or TO_MATCH, TO_NOMATCH), resolved at the end. */
static void jump(struct tx *t, struct bpf_insn in, uint32_t to)
{
	t->fix[t->nfix++] = (struct fix){ t->n, to };
	emit(t, in);
}

/* if (end > r9) no match: a load that would end past the frame */
static void bounds_const(struct tx *t, uint32_t end)
{
	emit(t, BPF_MOV64_IMM(BPF_REG_1, (int32_t)end));
	jump(t, BPF_JMP_REG(BPF_JGT, BPF_REG_1, BPF_REG_9, 0), TO_NOMATCH);
}

static int load_size(uint16_t code)
{
	return BPF_SIZE(code) == BPF_W ? 4 : BPF_SIZE(code) == BPF_H ? 2 : 1;
}

/* dst = the copy's size bytes at k, in host order (k aligned to size: the verifier wants it) */
static void copy_load(struct tx *t, int dst, int size, uint32_t k)
{
	emit(t, BPF_LDX_MEM(size == 4 ? BPF_W : size == 2 ? BPF_H : BPF_B, dst, BPF_REG_10,
			    PC_FP_CLS_COPY + (int)k));
	if (size > 1)
		emit(t, BPF_ENDIAN_TO_BE(dst, size * 8));
}

/*
 * A = the packet at constant k: from the stack copy where there is one (the
 * bounds hold it).  A stack load must be aligned to its size: an IPv4
 * address behind an Ethernet header (26, 30) is two halves, a half at an
 * odd offset two bytes; a word at an odd offset is left to LD_ABS.
 */
static void ld_abs(struct tx *t, uint16_t code, uint32_t k)
{
	int size = load_size(code), half = size / 2;

	bounds_const(t, k + (uint32_t)size);
	if (!t->env->copy || k + (uint32_t)size > PC_CLS_COPY || (size == 4 && k % 2)) {
		emit(t, BPF_LD_ABS(BPF_SIZE(code), (int32_t)k));
		return;
	}
	if (k % (uint32_t)size == 0) {
		copy_load(t, BPF_REG_0, size, k);
		return;
	}
	/* A = part(k) << 8 * half | part(k + half) */
	copy_load(t, BPF_REG_0, half, k);
	emit(t, BPF_ALU32_IMM(BPF_LSH, BPF_REG_0, 8 * half));
	copy_load(t, BPF_REG_1, half, k + (uint32_t)half);
	emit(t, BPF_ALU32_REG(BPF_OR, BPF_REG_0, BPF_REG_1));
}

/* A = the packet at X + k */
static void ld_ind(struct tx *t, uint16_t code, uint32_t k)
{
	/* r8 = X + k, the 32-bit sum the kernel takes; if it ends past the frame, no match */
	emit(t, BPF_MOV32_REG(BPF_REG_8, BPF_REG_7));
	emit(t, BPF_ALU32_IMM(BPF_ADD, BPF_REG_8, (int32_t)k));
	emit(t, BPF_MOV64_REG(BPF_REG_1, BPF_REG_8));
	emit(t, BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, load_size(code)));
	jump(t, BPF_JMP_REG(BPF_JGT, BPF_REG_1, BPF_REG_9, 0), TO_NOMATCH);
	emit(t, BPF_LD_IND(BPF_SIZE(code), BPF_REG_8, 0));
}

/* A = an ancillary field (pc_cprog_check let only these through) */
static void ld_ancillary(struct tx *t, uint32_t what)
{
	switch (what) {
	case SKF_AD_PROTOCOL:
		emit(t, BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_6, SKB(protocol)));
		emit(t, BPF_ENDIAN_TO_BE(BPF_REG_0, 16));
		break;
	case SKF_AD_PKTTYPE:
		/* the direction's: at tc egress PACKET_OUTGOING (include/pc_prog.h) */
		emit(t, BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, PC_FP_PKT_TYPE));
		break;
	case SKF_AD_IFINDEX:
		/* the device the socket is bound to: the tap's */
		emit(t, BPF_MOV32_IMM(BPF_REG_0, t->env->ifindex));
		break;
	/* the tag: read at the start of the program (insn/classes.c, head_vlan) */
	case SKF_AD_VLAN_TAG:
		emit(t, BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, PC_FP_CLS_TCI));
		break;
	case SKF_AD_VLAN_TAG_PRESENT:
		emit(t, BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, PC_FP_CLS_VLAN));
		break;
	default:	/* SKF_AD_VLAN_TPID */
		emit(t, BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, PC_FP_CLS_TPID));
		break;
	}
}

/* if (A op src) goto jt else goto jf, for classic instruction pc */
static void cond_jump(struct tx *t, const struct sock_filter *f, uint32_t pc)
{
	uint32_t jt = pc + 1 + f->jt, jf = pc + 1 + f->jf;
	uint8_t op = BPF_OP(f->code);
	struct bpf_insn j;

	if (BPF_SRC(f->code) == BPF_X) {
		j = BPF_JMP_REG(op, BPF_REG_0, BPF_REG_7, 0);
	} else if (f->k > 0x7fffffffu) {
		/* an immediate is sign-extended; A is not */
		emit(t, BPF_MOV32_IMM(BPF_REG_1, (int32_t)f->k));
		j = BPF_JMP_REG(op, BPF_REG_0, BPF_REG_1, 0);
	} else {
		j = BPF_JMP_IMM(op, BPF_REG_0, (int32_t)f->k, 0);
	}
	if (jt == jf) {
		jump(t, BPF_JMP_A(0), jt);
		return;
	}
	jump(t, j, jt);
	if (jf != pc + 1)
		jump(t, BPF_JMP_A(0), jf);
}

static void alu(struct tx *t, const struct sock_filter *f)
{
	uint8_t op = BPF_OP(f->code);

	if (op == BPF_NEG) {
		emit(t, BPF_ALU32_IMM(BPF_NEG, BPF_REG_0, 0));
		return;
	}
	if (BPF_SRC(f->code) == BPF_K) {
		emit(t, BPF_ALU32_IMM(op, BPF_REG_0, (int32_t)f->k));
		return;
	}
	/* a classic division by an X of 0 returns 0: no match (an eBPF one would go on) */
	if (op == BPF_DIV || op == BPF_MOD)
		jump(t, BPF_JMP_IMM(BPF_JEQ, BPF_REG_7, 0, 0), TO_NOMATCH);
	emit(t, BPF_ALU32_REG(op, BPF_REG_0, BPF_REG_7));
}

/* One classic instruction. */
static void one(struct tx *t, const struct sock_filter *f, uint32_t pc)
{
	uint32_t k = f->k;

	switch (BPF_CLASS(f->code)) {
	case BPF_LD:
		switch (BPF_MODE(f->code)) {
		case BPF_ABS:
			if (k >= (uint32_t)SKF_AD_OFF)
				ld_ancillary(t, k - (uint32_t)SKF_AD_OFF);
			else
				ld_abs(t, f->code, k);
			return;
		case BPF_IND:	ld_ind(t, f->code, k); return;
		case BPF_LEN:	emit(t, BPF_MOV32_REG(BPF_REG_0, BPF_REG_9)); return;
		case BPF_IMM:	emit(t, BPF_MOV32_IMM(BPF_REG_0, (int32_t)k)); return;
		default:	emit(t, BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, PC_FP_CLS_M(k))); return;
		}
	case BPF_LDX:
		switch (BPF_MODE(f->code)) {
		case BPF_IMM:	emit(t, BPF_MOV32_IMM(BPF_REG_7, (int32_t)k)); return;
		case BPF_LEN:	emit(t, BPF_MOV32_REG(BPF_REG_7, BPF_REG_9)); return;
		case BPF_MEM:	emit(t, BPF_LDX_MEM(BPF_DW, BPF_REG_7, BPF_REG_10, PC_FP_CLS_M(k))); return;
		default:	/* MSH: X = 4 * (P[k] & 0xf); the A of the moment is kept in r8 */
			emit(t, BPF_MOV64_REG(BPF_REG_7, BPF_REG_0));
			ld_abs(t, BPF_LD | BPF_B | BPF_ABS, k);
			emit(t, BPF_ALU32_IMM(BPF_AND, BPF_REG_0, 0xf));
			emit(t, BPF_ALU32_IMM(BPF_LSH, BPF_REG_0, 2));
			emit(t, BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_7));	/* swap r0, r7 */
			emit(t, BPF_ALU64_REG(BPF_XOR, BPF_REG_7, BPF_REG_0));
			emit(t, BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_7));
			return;
		}
	case BPF_ST:
		emit(t, BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_0, PC_FP_CLS_M(k)));
		return;
	case BPF_STX:
		emit(t, BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_7, PC_FP_CLS_M(k)));
		return;
	case BPF_ALU:
		alu(t, f);
		return;
	case BPF_JMP:
		if (BPF_OP(f->code) == BPF_JA)
			jump(t, BPF_JMP_A(0), pc + 1 + k);
		else
			cond_jump(t, f, pc);
		return;
	case BPF_RET:
		if (BPF_RVAL(f->code) == BPF_A) {
			jump(t, BPF_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 0), TO_MATCH);
			jump(t, BPF_JMP_A(0), TO_NOMATCH);
		} else {
			jump(t, BPF_JMP_A(0), k ? TO_MATCH : TO_NOMATCH);
		}
		return;
	default:	/* MISC */
		if (BPF_MISCOP(f->code) == BPF_TAX)
			emit(t, BPF_MOV32_REG(BPF_REG_7, BPF_REG_0));
		else
			emit(t, BPF_MOV32_REG(BPF_REG_0, BPF_REG_7));
		return;
	}
}

/*
 * Which classic instructions a run can reach: the verifier refuses eBPF
 * that none reaches, where the kernel's classic check lets it be.
 */
static uint8_t *reachable(const struct pc_cprog *cp)
{
	uint8_t *r = calloc(cp->n + 1, 1);
	uint32_t pc;

	if (!r)
		return NULL;
	r[0] = 1;
	for (pc = 0; pc < cp->n; pc++) {
		const struct sock_filter *f = &cp->insns[pc];

		if (!r[pc])
			continue;
		if (BPF_CLASS(f->code) == BPF_RET)
			continue;
		if (BPF_CLASS(f->code) != BPF_JMP)
			r[pc + 1] = 1;
		else if (BPF_OP(f->code) == BPF_JA)
			r[pc + 1 + f->k] = 1;
		else
			r[pc + 1 + f->jt] = r[pc + 1 + f->jf] = 1;
	}
	return r;
}

/*
 * Whether a run of the program can end in a match (a reachable RET of A or
 * of a constant other than 0), and whether in no match (a RET of A or 0, a
 * packet load, a division by X: all of them can fail).
 */
static void exits(const struct pc_cprog *cp, const uint8_t *reach, int *yes, int *no)
{
	uint32_t pc;

	*yes = *no = 0;
	for (pc = 0; pc < cp->n; pc++) {
		uint16_t c = cp->insns[pc].code;

		if (!reach[pc])
			continue;
		if (BPF_CLASS(c) == BPF_RET) {
			*yes |= BPF_RVAL(c) == BPF_A || cp->insns[pc].k;
			*no |= BPF_RVAL(c) == BPF_A || !cp->insns[pc].k;
		} else if ((BPF_CLASS(c) == BPF_LD && (BPF_MODE(c) == BPF_IND ||
							(BPF_MODE(c) == BPF_ABS && cp->insns[pc].k < (uint32_t)SKF_AD_OFF))) ||
			   c == (BPF_LDX | BPF_B | BPF_MSH) ||
			   c == (BPF_ALU | BPF_DIV | BPF_X) || c == (BPF_ALU | BPF_MOD | BPF_X)) {
			*no = 1;
		}
	}
}

/* Every word of M[] the program touches: the verifier refuses a read of stack never written. */
static unsigned int mem_words(const struct pc_cprog *cp)
{
	unsigned int i, words = 0;

	for (i = 0; i < cp->n; i++) {
		uint16_t c = cp->insns[i].code;

		if (c == BPF_ST || c == BPF_STX || c == (BPF_LD | BPF_MEM) || c == (BPF_LDX | BPF_MEM))
			words |= 1u << (cp->insns[i].k & (PC_CBPF_MEMWORDS - 1));
	}
	return words;
}

int pc_cbpf_translate(const struct pc_cprog *cp, const struct pc_cls_env *env, unsigned int nomatch_skip,
		      struct pc_asm *out, size_t cap, char *err, size_t errlen)
{
	struct tx t = { .out = out, .cap = cap, .env = env };
	unsigned int words = mem_words(cp), w;
	uint32_t pc;
	size_t i;
	int yes, no;

	uint8_t *reach = reachable(cp);

	t.start = calloc(cp->n + 1, sizeof(*t.start));
	/* at most two jumps an instruction resolved at the end, and the two of exits() */
	t.fix = calloc(2 * (size_t)cp->n + 2, sizeof(*t.fix));
	if (!t.start || !t.fix || !reach) {
		free(t.start);
		free(t.fix);
		free(reach);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/*
	 * A = X = r8 = 0, the M[] words it uses = 0; r9 = skb->len.  Whatever the class before left in them, every path
	 * enters the same: the verifier prunes here instead of walking the
	 * classes after once per path of the ones before.
	 */
	emit(&t, BPF_MOV32_IMM(BPF_REG_0, 0));
	emit(&t, BPF_MOV32_IMM(BPF_REG_7, 0));
	emit(&t, BPF_MOV64_IMM(BPF_REG_8, 0));
	for (w = 0; w < PC_CBPF_MEMWORDS; w++)
		if (words >> w & 1)
			emit(&t, BPF_ST_MEM(BPF_DW, BPF_REG_10, PC_FP_CLS_M(w), 0));
	emit(&t, BPF_LDX_MEM(BPF_W, BPF_REG_9, BPF_REG_6, SKB(len)));
	/*
	 * A program that always matches (libpcap's code for "ip or not ip" is
	 * one return) or never does leaves one exit unreached, and the
	 * verifier refuses code no path reaches (check_cfg): a test that never
	 * holds (a 32-bit length equal to 2^64 - 1) reaches it.
	 */
	exits(cp, reach, &yes, &no);
	if (!yes)
		jump(&t, BPF_JMP_IMM(BPF_JEQ, BPF_REG_9, -1, 0), TO_MATCH);
	if (!no)
		jump(&t, BPF_JMP_IMM(BPF_JEQ, BPF_REG_9, -1, 0), TO_NOMATCH);
	for (pc = 0; pc < cp->n; pc++) {
		t.start[pc] = (uint32_t)t.n;
		if (reach[pc])
			one(&t, &cp->insns[pc], pc);
	}
	free(reach);
	if (t.n > cap) {
		free(t.start);
		free(t.fix);
		snprintf(err, errlen, "%zu eBPF instructions, room for %zu", t.n, cap);
		return -1;
	}
	for (i = 0; i < t.nfix; i++) {
		const struct fix *f = &t.fix[i];
		size_t to = f->to == TO_MATCH ? t.n : f->to == TO_NOMATCH ? t.n + nomatch_skip : t.start[f->to];
		long off = (long)to - (long)f->at - 1;

		if (off < 0 || off > INT16_MAX) {
			free(t.start);
			free(t.fix);
			snprintf(err, errlen, "a jump of %ld instructions", off);
			return -1;
		}
		out[f->at].insn.off = (int16_t)off;
	}
	free(t.start);
	free(t.fix);
	return (int)t.n;
}

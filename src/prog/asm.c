// SPDX-License-Identifier: GPL-2.0
/*
 * The linker that turns the programs of insn/ into struct bpf_insn arrays,
 * and the lint that holds each to what the oldest kernel that runs it
 * accepts.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Pass 1: where every label of prog lands (label_at[], -1 where none); the instruction count, or -1 with err. */
static long place_labels(const struct pc_prog *prog, int *label_at, char *err, size_t errlen)
{
	size_t f, i, pc = 0;

	for (i = 0; i < PC_ASM_MAX_LABELS; i++)
		label_at[i] = -1;
	for (f = 0; f < prog->nfrags; f++) {
		const struct pc_frag *fr = &prog->frags[f];

		for (i = 0; i < fr->len; i++) {
			const struct pc_asm *a = &fr->asm_[i];

			if (a->kind != PC_ASM_LABEL) {
				pc++;
				continue;
			}
			if (a->label >= PC_ASM_MAX_LABELS)
				return fail(err, errlen, "%s: %s[%zu]: label %u out of range",
					    prog->name, fr->name, i, a->label);
			if (label_at[a->label] >= 0)
				return fail(err, errlen, "%s: %s[%zu]: label %u defined twice",
					    prog->name, fr->name, i, a->label);
			label_at[a->label] = (int)pc;
		}
	}
	return (long)pc;
}

/* One instruction of fragment fr at pc, its jump or map filled in, into *insn; 0 or -1 with err. */
static int resolve(const struct pc_prog *prog, const struct pc_frag *fr, size_t i, size_t pc, const int *label_at,
		   const int *map_fds, struct bpf_insn *insn, char *err, size_t errlen)
{
	const struct pc_asm *a = &fr->asm_[i];
	long off;

	*insn = a->insn;
	switch (a->kind) {
	case PC_ASM_JUMP:
		if (a->label >= PC_ASM_MAX_LABELS || label_at[a->label] < 0)
			return fail(err, errlen, "%s: %s[%zu]: jump to undefined label %u",
				    prog->name, fr->name, i, a->label);
		off = (long)label_at[a->label] - (long)pc - 1;
		if (off < 0)
			return fail(err, errlen, "%s: %s[%zu]: backward jump to label %u (no loops before 5.3)",
				    prog->name, fr->name, i, a->label);
		if (off > INT16_MAX)
			return fail(err, errlen, "%s: %s[%zu]: jump offset %ld too far",
				    prog->name, fr->name, i, off);
		insn->off = (int16_t)off;
		return 0;
	case PC_ASM_MAPFD:
		if (a->label >= PC_MAP_SLOTS || !(prog->maps >> a->label & 1) || !map_fds)
			return fail(err, errlen, "%s: %s[%zu]: a map of slot %u, not one of the program's",
				    prog->name, fr->name, i, a->label);
		insn->imm = map_fds[a->label];
		return 0;
	default:
		return 0;
	}
}

int pc_asm_link(const struct pc_prog *prog, const int *map_fds, struct bpf_insn *out, size_t cap, char *err,
		size_t errlen)
{
	int label_at[PC_ASM_MAX_LABELS];
	long n = place_labels(prog, label_at, err, errlen);
	size_t f, i, pc = 0;

	if (n < 0)
		return -1;
	if ((size_t)n > cap)
		return fail(err, errlen, "%s: %ld instructions, room for %zu", prog->name, n, cap);
	/* pass 2: emit, with jump offsets and map fds filled in */
	for (f = 0; f < prog->nfrags; f++) {
		const struct pc_frag *fr = &prog->frags[f];

		for (i = 0; i < fr->len; i++) {
			if (fr->asm_[i].kind == PC_ASM_LABEL)
				continue;
			if (resolve(prog, fr, i, pc, label_at, map_fds, &out[pc], err, errlen) < 0)
				return -1;
			pc++;
		}
	}
	return (int)pc;
}

/* Registers that hold the context pointer, as a bit set; ALL = not reached yet. */
#define CTX_UNSEEN 0xffffu

/*
 * The __sk_buff fields a socket filter may read, and the kernel that first
 * lets it: 4.1 brought len through vlan_tci (commit 9bac3d6d548e), 4.2
 * vlan_proto and priority;
 * gso_segs came in 5.1 (d9ff286a0f59) and gso_size in 5.7 (cf62089b0edd),
 * both allowed to socket filters by bpf_skb_is_valid_access(), since
 * sk_filter_is_valid_access() (net/core/filter.c) does not deny them as it
 * denies wire_len, data and data_end.
 */
/* What a kernel first allowed: a context field (its offset) or a helper (its id). */
struct since {
	int32_t what;
	unsigned int since;
};

static const struct since ctx_fields[] = {
	{ offsetof(struct __sk_buff, len), PC_KV(4, 1) },
	{ offsetof(struct __sk_buff, pkt_type), PC_KV(4, 1) },
	{ offsetof(struct __sk_buff, mark), PC_KV(4, 1) },
	{ offsetof(struct __sk_buff, queue_mapping), PC_KV(4, 1) },
	{ offsetof(struct __sk_buff, protocol), PC_KV(4, 1) },
	{ offsetof(struct __sk_buff, vlan_present), PC_KV(4, 1) },
	{ offsetof(struct __sk_buff, vlan_tci), PC_KV(4, 1) },
	{ offsetof(struct __sk_buff, vlan_proto), PC_KV(4, 2) },
	{ offsetof(struct __sk_buff, gso_segs), PC_KV(5, 1) },
	{ offsetof(struct __sk_buff, gso_size), PC_KV(5, 7) },
};

/*
 * The helpers a socket filter may call, and the kernel that first lets it:
 * the map helpers with eBPF socket filters themselves (4.1), skb_load_bytes
 * (4.5, for tc) once sk_filter_func_proto() returns it, in 4.13 ("bpf:
 * enable load bytes helper for filter/reuseport progs"); the vm test sees
 * 4.9 refuse it and 4.14 take it, and auto mode probes it (src/ebpf.c).
 */
static const struct since helpers[] = {
	{ BPF_FUNC_map_lookup_elem, PC_KV(4, 1) },
	{ BPF_FUNC_map_update_elem, PC_KV(4, 1) },
	{ BPF_FUNC_skb_load_bytes, PC_KV(4, 13) },
};

/* 0 when kernel since has what (table t of n rows), else the kernel that does; -1 when t lacks it */
static int since_in(const struct since *t, size_t n, int32_t what, unsigned int since)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].what == what)
			return t[i].since <= since ? 0 : (int)t[i].since;
	return -1;
}
#define SINCE_IN(TABLE, WHAT, SINCE) since_in(TABLE, sizeof(TABLE) / sizeof((TABLE)[0]), WHAT, SINCE)

static int alu_op_ok(uint8_t op, int alu32)
{
	switch (op) {
	case BPF_ADD: case BPF_SUB: case BPF_MUL: case BPF_DIV:
	case BPF_OR: case BPF_AND: case BPF_LSH: case BPF_RSH:
	case BPF_NEG: case BPF_MOD: case BPF_XOR: case BPF_MOV:
	case BPF_ARSH:
		return 1;
	case BPF_END:
		return alu32;	/* byte swaps live in the 32-bit class only */
	default:
		return 0;
	}
}

static int jmp_op_ok(uint8_t op)
{
	switch (op) {
	case BPF_JA: case BPF_JEQ: case BPF_JGT: case BPF_JGE:
	case BPF_JSET: case BPF_JNE: case BPF_JSGT: case BPF_JSGE:
	case BPF_CALL: case BPF_EXIT:
		return 1;
	default:
		return 0;	/* JLT, JLE, JSLT, JSLE came in 4.14 */
	}
}

static void merge(uint16_t *state, size_t to, uint16_t in)
{
	state[to] = state[to] == CTX_UNSEEN ? in : (uint16_t)(state[to] & in);
}

/* What one instruction does to the walk: the context registers after it, and where it goes on. */
struct step {
	uint16_t ctx;
	int falls;	/* on to the next instruction */
	int jumps;	/* to i + 1 + off */
	int width;	/* instruction slots it takes: 2 for a 64-bit load */
};

#define CLOBBER_R0_R5(CTX) ((CTX) &= (uint16_t)~0x3fu)

static int lint_alu(const struct bpf_insn *in, size_t i, struct step *s, char *err, size_t errlen)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	uint16_t before = s->ctx;

	if (!alu_op_ok(op, cls == BPF_ALU))
		return fail(err, errlen, "insn %zu: ALU op 0x%02x not in 4.1", i, in->code);
	if (op == BPF_END && in->imm != 16 && in->imm != 32 && in->imm != 64)
		return fail(err, errlen, "insn %zu: byte swap of %d bits", i, in->imm);
	if (in->dst_reg == BPF_REG_10)
		return fail(err, errlen, "insn %zu: writes the frame pointer", i);
	s->ctx &= (uint16_t)~(1u << in->dst_reg);
	if (cls == BPF_ALU64 && op == BPF_MOV && BPF_SRC(in->code) == BPF_X && (before >> in->src_reg & 1))
		s->ctx |= (uint16_t)(1u << in->dst_reg);
	return 0;
}

/* A load from the context: 4 bytes of a field kernel since lets a socket filter read. */
static int lint_ctx_load(const struct bpf_insn *in, size_t i, unsigned int since, char *err, size_t errlen)
{
	int need;

	if (BPF_SIZE(in->code) != BPF_W)
		return fail(err, errlen, "insn %zu: context load narrower or wider than 4 bytes (4.13+)", i);
	need = SINCE_IN(ctx_fields, in->off, since);
	if (need < 0)
		return fail(err, errlen, "insn %zu: __sk_buff offset %d: no field the lint knows the kernel of", i,
			    in->off);
	if (need > 0)
		return fail(err, errlen, "insn %zu: __sk_buff offset %d is not in %u.%u (%u.%u+)", i, in->off,
			    since >> 8, since & 0xff, (unsigned int)need >> 8, (unsigned int)need & 0xff);
	return 0;
}

static int lint_ldx(const struct bpf_insn *in, size_t i, unsigned int since, struct step *s, char *err,
		    size_t errlen)
{
	if (BPF_MODE(in->code) != BPF_MEM)
		return fail(err, errlen, "insn %zu: LDX mode 0x%02x", i, in->code);
	if (s->ctx >> in->src_reg & 1) {
		if (lint_ctx_load(in, i, since, err, errlen) < 0)
			return -1;
	} else if (in->src_reg == BPF_REG_10 && (in->off >= 0 || in->off < -512)) {
		return fail(err, errlen, "insn %zu: stack offset %d", i, in->off);
	}
	s->ctx &= (uint16_t)~(1u << in->dst_reg);
	return 0;
}

static int lint_store(const struct bpf_insn *in, size_t i, const struct step *s, char *err, size_t errlen)
{
	if (BPF_MODE(in->code) == BPF_XADD) {
		if (BPF_CLASS(in->code) != BPF_STX || (BPF_SIZE(in->code) != BPF_W && BPF_SIZE(in->code) != BPF_DW))
			return fail(err, errlen, "insn %zu: XADD form 0x%02x", i, in->code);
		if (in->imm != 0)
			return fail(err, errlen, "insn %zu: atomic op %d is newer than XADD (5.12)", i, in->imm);
	} else if (BPF_MODE(in->code) != BPF_MEM) {
		return fail(err, errlen, "insn %zu: store mode 0x%02x", i, in->code);
	}
	if (s->ctx >> in->dst_reg & 1)
		return fail(err, errlen, "insn %zu: store into the context", i);
	if (in->dst_reg == BPF_REG_10 && (in->off >= 0 || in->off < -512))
		return fail(err, errlen, "insn %zu: stack offset %d", i, in->off);
	return 0;
}

/* A 64-bit immediate (two slots, of p's n), or a packet load through the context in r6. */
static int lint_ld(const struct bpf_insn *p, size_t n, size_t i, struct step *s, char *err, size_t errlen)
{
	const struct bpf_insn *in = &p[i];

	if (in->code == (BPF_LD | BPF_IMM | BPF_DW)) {
		if (in->src_reg != 0 && in->src_reg != BPF_PSEUDO_MAP_FD)
			return fail(err, errlen, "insn %zu: 64-bit load kind %d not in 4.1", i, in->src_reg);
		if (i + 1 >= n || p[i + 1].code || p[i + 1].dst_reg || p[i + 1].src_reg || p[i + 1].off)
			return fail(err, errlen, "insn %zu: 64-bit load without its second half", i);
		s->ctx &= (uint16_t)~(1u << in->dst_reg);
		s->width = 2;
		return 0;
	}
	if (BPF_MODE(in->code) != BPF_ABS && BPF_MODE(in->code) != BPF_IND)
		return fail(err, errlen, "insn %zu: LD mode 0x%02x", i, in->code);
	if (BPF_SIZE(in->code) == BPF_DW)
		return fail(err, errlen, "insn %zu: 8-byte packet load", i);
	if (!(s->ctx >> BPF_REG_6 & 1))
		return fail(err, errlen, "insn %zu: packet load without the context in r6", i);
	if (in->imm < 0)
		return fail(err, errlen, "insn %zu: negative packet offset %d reaches linear data only", i, in->imm);
	CLOBBER_R0_R5(s->ctx);
	return 0;
}

/* A helper call: one kernel since lets a socket filter call. */
static int lint_call(const struct bpf_insn *in, size_t i, unsigned int since, struct step *s, char *err,
		     size_t errlen)
{
	int need;

	if (in->src_reg != 0)
		return fail(err, errlen, "insn %zu: bpf-to-bpf call (4.16)", i);
	need = SINCE_IN(helpers, in->imm, since);
	if (need < 0)
		return fail(err, errlen, "insn %zu: helper %d: not one the lint knows the kernel of", i, in->imm);
	if (need > 0)
		return fail(err, errlen, "insn %zu: helper %d is not in %u.%u for socket filters (%u.%u+)", i,
			    in->imm, since >> 8, since & 0xff, (unsigned int)need >> 8, (unsigned int)need & 0xff);
	CLOBBER_R0_R5(s->ctx);
	return 0;
}

static int lint_jmp(const struct bpf_insn *in, size_t n, size_t i, unsigned int since, struct step *s, char *err,
		    size_t errlen)
{
	uint8_t op = BPF_OP(in->code);

	if (!jmp_op_ok(op))
		return fail(err, errlen, "insn %zu: jump op 0x%02x not in 4.1", i, in->code);
	if (op == BPF_EXIT) {
		s->falls = 0;
		return 0;
	}
	if (op == BPF_CALL)
		return lint_call(in, i, since, s, err, errlen);
	if (in->off < 0)
		return fail(err, errlen, "insn %zu: backward jump (no loops before 5.3)", i);
	if (i + 1 + (size_t)in->off >= n)
		return fail(err, errlen, "insn %zu: jump past the end", i);
	s->jumps = 1;
	s->falls = op != BPF_JA;
	return 0;
}

/* Instruction i of p: 0 with what it does in *s, or -1 with err. */
static int lint_one(const struct bpf_insn *p, size_t n, size_t i, unsigned int since, struct step *s, char *err,
		    size_t errlen)
{
	const struct bpf_insn *in = &p[i];

	if (in->dst_reg >= MAX_BPF_REG || in->src_reg >= MAX_BPF_REG)
		return fail(err, errlen, "insn %zu: bad register", i);
	switch (BPF_CLASS(in->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		return lint_alu(in, i, s, err, errlen);
	case BPF_LDX:
		return lint_ldx(in, i, since, s, err, errlen);
	case BPF_ST:
	case BPF_STX:
		return lint_store(in, i, s, err, errlen);
	case BPF_LD:
		return lint_ld(p, n, i, s, err, errlen);
	case BPF_JMP:
		return lint_jmp(in, n, i, since, s, err, errlen);
	default:
		return fail(err, errlen, "insn %zu: class 0x%02x not in 4.1 (JMP32 is 5.1)", i, BPF_CLASS(in->code));
	}
}

/*
 * What a register holds, per instruction (state[]: a bit per register that
 * holds the context), walked forward: every instruction is reached, by
 * the instructions before it, with the registers they leave.
 */
static int lint(const struct bpf_insn *p, size_t n, unsigned int since, uint16_t *state, char *err,
		size_t errlen)
{
	size_t i;

	for (i = 0; i <= n; i++)
		state[i] = CTX_UNSEEN;
	state[0] = 1u << BPF_REG_1;
	for (i = 0; i < n; i++) {
		struct step s = { state[i], 1, 0, 1 };

		if (state[i] == CTX_UNSEEN)
			return fail(err, errlen, "insn %zu: unreachable (the verifier rejects it)", i);
		if (lint_one(p, n, i, since, &s, err, errlen) < 0)
			return -1;
		if (s.width == 2) {
			merge(state, i + 2, s.ctx);
			i++;
			continue;
		}
		if (s.jumps)
			merge(state, i + 1 + (size_t)p[i].off, s.ctx);
		if (s.falls) {
			if (i + 1 >= n)
				return fail(err, errlen, "insn %zu: falls off the end", i);
			merge(state, i + 1, s.ctx);
		}
	}
	return 0;
}

int pc_lint(const struct bpf_insn *p, size_t n, unsigned int since, char *err, size_t errlen)
{
	uint16_t *state;
	int ret;

	if (n == 0 || n > PC_PROG_MAX_INSNS)
		return fail(err, errlen, "%zu instructions: want 1 to %d", n, PC_PROG_MAX_INSNS);
	state = calloc(n + 1, sizeof(*state));
	if (!state)
		return fail(err, errlen, "out of memory");
	ret = lint(p, n, since, state, err, errlen);
	free(state);
	return ret;
}

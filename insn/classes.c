// SPDX-License-Identifier: GPL-2.0
/*
 * The classes inside the counting program (docs/counting.md, "Classes"):
 * a counting variant of insn/count.c with the filter ahead of it and the
 * classes after its count, each class's classic program translated by
 * src/cbpf_ebpf.c.  One program, one socket, one pass over the frame:
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
 * classes is the program's last map, an ARRAY (XADD) or PERCPU_ARRAY as
 * the variant's counters are, of 2 x (n + 1) counters: include/pc_class.h,
 * pc_class_index().  A class's code falls through on a match, and jumps
 * over its match block on no match (pc_cbpf_translate).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_insn.h"
#include "pc_class.h"
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
 * match to the variant's return (at tc: on to the next filter, counted
 * nowhere).
 */
#define FILTER_EXIT_LEN 3
static const struct pc_asm filter_exit[FILTER_EXIT_LEN] = {
	I(BPF_MOV64_REG(BPF_REG_1, BPF_REG_6)),
	I(BPF_JMP_A(1)),
	JA(PC_L_RET),
};

/*
 * After the count: r0, r7-r9 = 0, base = dir * (n + 1) (patched in at
 * BASE_ROWS).  The registers are dead here, but the variant's paths arrive
 * with hundreds of different values in them, and the verifier (6.18)
 * walked the classes once for each: made equal, it prunes (one class: 22
 * thousand instructions processed down to 8; each class's code clears its
 * own again, src/cbpf_ebpf.c).
 */
#define BASE_LEN 9
#define BASE_ROWS 7
static const struct pc_asm base_of_dir[BASE_LEN] = {
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
 * A matching frame counts in row base + i (patched in at ROW_IMM), the
 * class map being MAP (patched), on this CPU's copy or atomically:
 *   key = base + i; c = lookup(classes, &key); key = 0;
 *   if (c) { c += { bytes, pkts }; hit = 1; }
 */
#define ROW_IMM 1
#define COUNT_ROW(ADD)							\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, PC_FP_CLS_BASE)),	\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, 0 /* i */)),		\
	I(BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, PC_FP_CLS_KEY)),	\
	I(BPF_MOV64_REG(BPF_REG_2, BPF_REG_10)),			\
	I(BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, PC_FP_CLS_KEY)),		\
	LD_MAP_N(BPF_REG_1, 0 /* the class map */),			\
	I(BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem)),			\
	/* key = 0: the same slot after every class (PC_FP_CLS_KEY) */	\
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, PC_FP_CLS_KEY, 0)),		\
	I(BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, ADD##_LEN + 3)),		\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, PC_FP_BYTES)),	\
	I(BPF_LDX_MEM(BPF_DW, BPF_REG_3, BPF_REG_10, PC_FP_PKTS)),	\
	ADD,								\
	I(BPF_ST_MEM(BPF_DW, BPF_REG_10, PC_FP_CLS_HIT, 1))
#define MAPFD_AT 5
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

#define N(ARR) (sizeof(ARR) / sizeof((ARR)[0]))

struct build {
	struct pc_asm *a;
	size_t n, cap;
};

static int put(struct build *b, const struct pc_asm *src, size_t n)
{
	if (b->n + n > b->cap)
		return -1;
	memcpy(b->a + b->n, src, n * sizeof(*src));
	b->n += n;
	return 0;
}

/* A row's count, for row i (patched in), of map number map. */
static int put_row(struct build *b, int percpu, unsigned int i, unsigned int map)
{
	const struct pc_asm *row = percpu ? count_row_percpu : count_row_xadd;
	size_t at = b->n;

	if (put(b, row, percpu ? N(count_row_percpu) : N(count_row_xadd)) < 0)
		return -1;
	b->a[at + ROW_IMM].insn.imm = (int32_t)i;
	b->a[at + MAPFD_AT].label = map;
	return 0;
}

static unsigned int row_len(int percpu)
{
	return percpu ? N(count_row_percpu) : N(count_row_xadd);
}

/* One class's code, or the filter's; its size, or -1 with err. */
static int put_class(struct build *b, const struct pc_cprog *cp, const struct pc_cls_env *env,
		     unsigned int nomatch_skip, char *err, size_t errlen)
{
	int n = pc_cbpf_translate(cp, env, nomatch_skip, b->a + b->n, b->cap - b->n, err, errlen);

	if (n < 0)
		return -1;
	b->n += (size_t)n;
	return n;
}

/* The instructions of a fragment list: what it emits, its labels not. */
static unsigned int frag_insns(const struct pc_frag *f, size_t nfrags)
{
	unsigned int n = 0;
	size_t i, j;

	for (i = 0; i < nfrags; i++)
		for (j = 0; j < f[i].len; j++)
			n += f[i].asm_[j].kind != PC_ASM_LABEL;
	return n;
}

/* The head: slots, the copy, the filter. */
static int build_head(struct build *b, enum pc_link link, const struct pc_cls_env *env, char *err, size_t errlen)
{
	const struct pc_class *f = pc_classes.filter;

	if (put(b, head, N(head)) < 0)
		goto full;
	/* the slots are written whether read or not: a verifier refuses a read of stack never written */
	if (pc_classes_read_tag(link) && put(b, head_vlan, N(head_vlan)) < 0)
		goto full;
	if (pc_classes_read_anc(link, SKF_AD_VLAN_TPID) && put(b, head_tpid, N(head_tpid)) < 0)
		goto full;
	if (env->copy && put(b, head_copy, N(head_copy)) < 0)
		goto full;
	if (!f)
		return 0;
	if (!f->prog[link].n) {
		if (put(b, filter_none, N(filter_none)) < 0)
			goto full;
	} else if (put_class(b, &f->prog[link], env, 2, err, errlen) < 0) {
		snprintf(err + strlen(err), errlen - strlen(err), " (--filter)");
		return -1;
	}
	return put(b, filter_exit, FILTER_EXIT_LEN) < 0 ? -1 : 0;
full:
	snprintf(err, errlen, "no room for the program's head");
	return -1;
}

/* The classes after the count, and the unmatched row; -1 with err naming the class that does not fit. */
static int build_body(struct build *b, const struct pc_prog *base, enum pc_link link, const struct pc_cls_env *env,
		      unsigned int before, struct pc_composed *out, char *err, size_t errlen)
{
	unsigned int i, map = base->nmaps, rl = row_len(base->percpu);
	size_t at = b->n;

	if (!pc_classes.n)
		return 0;	/* --filter alone */
	if (put(b, base_of_dir, BASE_LEN) < 0)
		return -1;
	b->a[at + BASE_ROWS].insn.imm = (int32_t)(pc_classes.n + 1);
	for (i = 0; i < pc_classes.n; i++) {
		const struct pc_cprog *cp = &pc_classes.c[i].prog[link];
		size_t at_class = b->n;
		int n;

		if (!cp->n) {
			out->class_insns[i] = 0;	/* never matches on this link */
			continue;
		}
		n = put_class(b, cp, env, rl, err, errlen);
		if (n < 0 || put_row(b, base->percpu, i, map) < 0 ||
		    before + b->n + N(unmatched_test) + rl > env->max_insns) {
			snprintf(err, errlen, "class %s does not fit: with it and the classes before it the program "
				 "has more than %u instructions, which %s", pc_classes.c[i].name, env->max_insns,
				 env->max_insns == PC_KERNEL_MAX_INSNS_OLD ? "is all a kernel before 5.2 takes"
									  : "is all pktcount builds");
			return -1;
		}
		out->class_insns[i] = (unsigned int)(b->n - at_class);
	}
	at = b->n;
	if (put(b, unmatched_test, N(unmatched_test)) < 0 || put_row(b, base->percpu, pc_classes.n, map) < 0)
		return -1;
	b->a[at + 1].insn.off = (int16_t)rl;
	return 0;
}

int pc_prog_compose(const struct pc_prog *base, enum pc_link link, const struct pc_cls_env *env_in,
		    struct pc_composed *out, char *err, size_t errlen)
{
	unsigned int base_n = frag_insns(base->frags, base->nfrags), room, max_insns = env_in->max_insns;
	struct pc_cls_env envb = *env_in, *env = &envb;
	struct build h = { 0 }, b = { 0 };
	size_t i;

	memset(out, 0, sizeof(*out));
	if (base->nfrags < 2 || !pc_prog_ends_in_ret(base)) {
		snprintf(err, errlen, "%s: no classes can follow it", base->name);
		return -1;
	}
	if (max_insns > PC_PROG_MAX_INSNS)
		max_insns = envb.max_insns = PC_PROG_MAX_INSNS;
	h.cap = b.cap = max_insns;
	h.a = calloc(h.cap, sizeof(*h.a));
	b.a = calloc(b.cap, sizeof(*b.a));
	out->frags = calloc(base->nfrags + 2, sizeof(*out->frags));
	if (!h.a || !b.a || !out->frags) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (build_head(&h, link, env, err, errlen) < 0)
		goto fail;
	room = max_insns > base_n + h.n ? max_insns - base_n - (unsigned int)h.n : 0;
	b.cap = room;
	if (build_body(&b, base, link, env, base_n + (unsigned int)h.n, out, err, errlen) < 0)
		goto fail;
	out->head = h.a;
	out->body = b.a;
	/* the direction first: the filter may read it (inbound, outbound) */
	out->frags[0] = base->frags[0];
	out->frags[1] = (struct pc_frag){ "classes_head", h.a, (unsigned int)h.n };
	for (i = 1; i + 1 < base->nfrags; i++)
		out->frags[i + 1] = base->frags[i];
	out->frags[i + 1] = (struct pc_frag){ "classes", b.a, (unsigned int)b.n };
	out->frags[i + 2] = base->frags[i];
	out->prog = *base;
	out->prog.frags = out->frags;
	out->prog.nfrags = base->nfrags + 2;
	out->prog.nmaps = base->nmaps + (pc_classes.n ? 1 : 0);
	/* a program that reads the tag's TPID reads __sk_buff.vlan_proto, which came in 4.2 */
	if (pc_classes_read_anc(link, SKF_AD_VLAN_TPID) && out->prog.since < PC_KV(4, 2))
		out->prog.since = PC_KV(4, 2);
	/* socket filters call skb_load_bytes from 4.13 */
	if (env->copy && out->prog.since < PC_KV(4, 13))
		out->prog.since = PC_KV(4, 13);
	out->ninsns = base_n + (unsigned int)(h.n + b.n);
	return 0;
fail:
	free(h.a);
	free(b.a);
	free(out->frags);
	memset(out, 0, sizeof(*out));
	return -1;
}

void pc_prog_composed_free(struct pc_composed *c)
{
	free(c->head);
	free(c->body);
	free(c->frags);
	memset(c, 0, sizeof(*c));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The classes and the filter composed into a counting program for one tap
 * (insn/classes.c says what the program does): the head after the
 * direction, with the filter's code; the classes' code and rows after the
 * count, before the return.  Each class's classic program is translated
 * for the tap (src/prog/cbpf_ebpf.c); the pieces of insn/classes.c are
 * copied and patched where include/pc_prog.h says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"

/* Instructions being put together: the head's, or the body's. */
struct build {
	struct pc_asm *a;
	size_t n, cap;
};

static int put(struct build *b, const struct pc_frag *f)
{
	if (b->n + f->len > b->cap)
		return -1;
	memcpy(b->a + b->n, f->asm_, f->len * sizeof(*f->asm_));
	b->n += f->len;
	return 0;
}

/* A row's count, for row i: on this CPU's copy or atomically as the variant counts. */
static int put_row(struct build *b, enum pc_counters counters, unsigned int i)
{
	size_t at = b->n;

	if (put(b, &pc_frag_cls_row[counters]) < 0)
		return -1;
	b->a[at + PC_CLS_ROW_IMM].insn.imm = (int32_t)i;
	return 0;
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

static int reads_tag(const struct pc_variant *v)
{
	return pc_variant_reads_anc(v, SKF_AD_VLAN_TAG) || pc_variant_reads_anc(v, SKF_AD_VLAN_TAG_PRESENT) ||
	       pc_variant_reads_anc(v, SKF_AD_VLAN_TPID);
}

/* The head: slots, the tag, the copy, the filter. */
static int build_head(struct build *b, const struct pc_variant *v, const struct pc_cls_env *env, char *err,
		      size_t errlen)
{
	const struct pc_class *f = v->classes->filter;

	if (put(b, &pc_frag_cls_head) < 0)
		goto full;
	/* the slots are written whether read or not: a verifier refuses a read of stack never written */
	if (reads_tag(v) && put(b, &pc_frag_cls_vlan) < 0)
		goto full;
	if (pc_variant_reads_anc(v, SKF_AD_VLAN_TPID) && put(b, &pc_frag_cls_tpid) < 0)
		goto full;
	if (env->copy && put(b, &pc_frag_cls_copy) < 0)
		goto full;
	if (!f)
		return 0;
	if (!f->prog[v->link].n) {
		if (put(b, &pc_frag_filter_none) < 0)
			goto full;
	} else if (put_class(b, &f->prog[v->link], env, PC_FILTER_NOMATCH_SKIP, err, errlen) < 0) {
		snprintf(err + strlen(err), errlen - strlen(err), " (--filter)");
		return -1;
	}
	if (put(b, &pc_frag_filter_exit) == 0)
		return 0;
full:
	snprintf(err, errlen, "no room for the program's head");
	return -1;
}

static int too_many(const struct pc_class *c, unsigned int max_insns, char *err, size_t errlen)
{
	snprintf(err, errlen, "class %s does not fit: with it and the classes before it the program has more than %u "
		 "instructions, which %s", c->name, max_insns,
		 max_insns == PC_KERNEL_MAX_INSNS_OLD ? "is all a kernel before 5.2 takes" : "is all pktcount builds");
	return -1;
}

/*
 * The classes after the count, and the unmatched row, before at most
 * max_insns with the before instructions ahead; -1 with err naming the
 * class that does not fit.
 */
static int build_body(struct build *b, const struct pc_variant *v, const struct pc_cls_env *env, unsigned int before,
		      unsigned int max_insns, struct pc_built *out, char *err, size_t errlen)
{
	const struct pc_class_set *s = v->classes;
	unsigned int i, rl = pc_frag_cls_row[v->counters].len;
	size_t at = b->n;

	if (!s->n)
		return 0;	/* --filter alone */
	if (put(b, &pc_frag_cls_base) < 0)
		return too_many(&s->c[0], max_insns, err, errlen);
	b->a[at + PC_CLS_BASE_ROWS].insn.imm = (int32_t)(s->n + 1);
	for (i = 0; i < s->n; i++) {
		const struct pc_cprog *cp = &s->c[i].prog[v->link];
		size_t at_class = b->n;

		if (!cp->n) {
			out->class_insns[i] = 0;	/* never matches on this link */
			continue;
		}
		if (put_class(b, cp, env, rl, err, errlen) < 0 || put_row(b, v->counters, i) < 0 ||
		    before + b->n + pc_frag_cls_unmatched.len + rl > max_insns)
			return too_many(&s->c[i], max_insns, err, errlen);
		out->class_insns[i] = (unsigned int)(b->n - at_class);
	}
	at = b->n;
	if (put(b, &pc_frag_cls_unmatched) < 0 || put_row(b, v->counters, s->n) < 0)
		return too_many(&s->c[s->n - 1], max_insns, err, errlen);
	b->a[at + PC_CLS_UNMATCHED_JUMP].insn.off = (int16_t)rl;
	return 0;
}

/* b's fragments with the head after nhead of them and the body before the last. */
static void splice(struct pc_built *b, unsigned int nhead, const struct build *h, const struct build *body)
{
	size_t n = b->prog.nfrags;

	b->head = h->a;
	b->body = body->a;
	memmove(&b->frags[nhead + 1], &b->frags[nhead], (n - nhead) * sizeof(b->frags[0]));
	b->frags[nhead] = (struct pc_frag){ "classes_head", h->a, (unsigned int)h->n };
	n++;
	b->frags[n] = b->frags[n - 1];
	b->frags[n - 1] = (struct pc_frag){ "classes", body->a, (unsigned int)body->n };
	b->prog.nfrags = n + 1;
	b->ninsns += (unsigned int)(h->n + body->n);
}

int pc_classes_compose(const struct pc_variant *v, const struct pc_build_env *env, unsigned int nhead,
		       struct pc_built *b, char *err, size_t errlen)
{
	const struct pc_cls_env cls = { env->ifindex, v->copy };
	unsigned int max_insns = env->max_insns < PC_PROG_MAX_INSNS ? env->max_insns : PC_PROG_MAX_INSNS;
	struct build h = { .cap = max_insns }, body = { 0 };

	if (b->prog.nfrags + 2 > PC_BUILT_MAX_FRAGS || nhead >= b->prog.nfrags) {
		snprintf(err, errlen, "%s: no room for the classes' fragments", b->prog.name);
		return -1;
	}
	h.a = calloc(h.cap, sizeof(*h.a));
	body.a = calloc(max_insns, sizeof(*body.a));
	if (!h.a || !body.a) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (build_head(&h, v, &cls, err, errlen) < 0)
		goto fail;
	body.cap = max_insns > b->ninsns + h.n ? max_insns - b->ninsns - h.n : 0;
	if (build_body(&body, v, &cls, b->ninsns + (unsigned int)h.n, max_insns, b, err, errlen) < 0)
		goto fail;
	splice(b, nhead, &h, &body);
	return 0;
fail:
	free(h.a);
	free(body.a);
	return -1;
}

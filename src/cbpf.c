// SPDX-License-Identifier: GPL-2.0
/*
 * Classic BPF for the classes: `tcpdump -dd` text in, the kernel's checks
 * (sk_chk_filter, net/core/filter.c) plus pktcount's, how far into a frame
 * a program can read, and a bounds-checked interpreter that runs it as the
 * kernel's classic interpreter would (a load past the end returns 0).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class.h"
#include "pktcount.h"

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- `tcpdump -dd` and `-ddd` text ---- */

/*
 * Numbers as long long: a long is 32 bits on 32-bit ARM, and strtol()
 * would saturate an ancillary offset such as 0xfffff030 to 0x7fffffff (the
 * vm test's armhf run counted no `vlan` class from a -dd file).
 */
static int parse_dd_line(const char *line, struct sock_filter *f)
{
	long long code, jt, jf, k;
	int used = 0;

	if (sscanf(line, " { %lli , %lli , %lli , %lli } %n", &code, &jt, &jf, &k, &used) != 4 || !used)
		return -1;
	line += used;
	if (*line == ',')
		line++;
	while (*line == ' ' || *line == '\t' || *line == '\r')
		line++;
	if (*line || code < 0 || code > 0xffff || jt < 0 || jt > 0xff || jf < 0 || jf > 0xff || k < 0 ||
	    k > 0xffffffffLL)
		return -1;
	*f = (struct sock_filter){ (uint16_t)code, (uint8_t)jt, (uint8_t)jf, (uint32_t)k };
	return 0;
}

static int parse_ddd_line(const char *line, struct sock_filter *f)
{
	long long code, jt, jf, k;
	int used = 0;

	if (sscanf(line, " %lld %lld %lld %lld %n", &code, &jt, &jf, &k, &used) != 4 || line[used] || code < 0 ||
	    code > 0xffff || jt < 0 || jt > 0xff || jf < 0 || jf > 0xff || k < 0 || k > 0xffffffffLL)
		return -1;
	*f = (struct sock_filter){ (uint16_t)code, (uint8_t)jt, (uint8_t)jf, (uint32_t)k };
	return 0;
}

static int blank(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return !*s;
}

int pc_cprog_parse(const char *text, struct sock_filter **out, unsigned int *n, char *err, size_t errlen)
{
	struct sock_filter *f = calloc(PC_CBPF_MAX_INSNS, sizeof(*f));
	unsigned int count = 0, lineno = 0;
	long want = -1;
	int ddd = -1;
	const char *line, *next;
	char buf[256];

	if (!f)
		return fail(err, errlen, " %s", strerror(ENOMEM));
	for (line = text; *line; line = next) {
		size_t len;

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		len = (size_t)(next - line);
		lineno++;
		if (len >= sizeof(buf))
			goto bad;
		memcpy(buf, line, len);
		buf[len] = 0;
		if (len && buf[len - 1] == '\n')
			buf[len - 1] = 0;
		if (blank(buf))
			continue;
		if (ddd < 0) {
			char *end;

			ddd = buf[strspn(buf, " \t")] != '{';
			if (ddd) {
				/* -ddd: the instruction count first */
				want = strtol(buf, &end, 10);
				if (!blank(end) || want <= 0 || want > PC_CBPF_MAX_INSNS)
					goto bad;
				continue;
			}
		}
		if (count == PC_CBPF_MAX_INSNS) {
			free(f);
			return fail(err, errlen, "%u: more than %d instructions", lineno, PC_CBPF_MAX_INSNS);
		}
		if ((ddd ? parse_ddd_line(buf, &f[count]) : parse_dd_line(buf, &f[count])) < 0)
			goto bad;
		count++;
	}
	if (!count || (want >= 0 && count != (unsigned long)want)) {
		free(f);
		return fail(err, errlen, "%u: %s", lineno,
			    !count ? "no instructions: not the output of tcpdump -dd"
				   : "fewer or more instructions than the count of its first line (tcpdump -ddd)");
	}
	*out = f;
	*n = count;
	return 0;
bad:
	free(f);
	return fail(err, errlen, "%u: not tcpdump -dd output (\"{ 0x28, 0, 0, 0x0000000c },\") "
		    "nor -ddd (\"40 0 0 12\" after the count)", lineno);
}

/* ---- the check, and how far a program reads ---- */

#define UNBOUNDED 0xffffffffULL

/* The largest value each register and M[] word can hold at an instruction. */
struct bound {
	uint64_t a, x, m[PC_CBPF_MEMWORDS];
	int reached;
};

static uint64_t cap(uint64_t v)
{
	return v > UNBOUNDED ? UNBOUNDED : v;
}

/* The largest value of A op v, from the largest of each (all values unsigned). */
static uint64_t alu_bound(unsigned int op, uint64_t a, uint64_t v, uint32_t k, int is_k)
{
	switch (op) {
	case BPF_ADD: return cap(a + v);
	case BPF_MUL: return a && v > UNBOUNDED / a ? UNBOUNDED : cap(a * v);
	case BPF_DIV: return is_k ? a / k : a;
	case BPF_MOD: return is_k ? (k - 1 < a ? k - 1 : a) : a;
	case BPF_AND: return a < v ? a : v;
	case BPF_RSH: return is_k ? a >> (k & 31) : a;
	case BPF_LSH: return is_k && a <= (UNBOUNDED >> (k & 31)) ? a << (k & 31) : UNBOUNDED;
	default:      return UNBOUNDED;	/* SUB wraps, OR, XOR, NEG */
	}
}

static int anc_ok(uint32_t off)
{
	switch (off) {
	case SKF_AD_PROTOCOL: case SKF_AD_PKTTYPE: case SKF_AD_IFINDEX:
	case SKF_AD_VLAN_TAG: case SKF_AD_VLAN_TAG_PRESENT: case SKF_AD_VLAN_TPID:
		return 1;
	default:
		return 0;
	}
}

static unsigned int load_size(uint16_t code)
{
	return BPF_SIZE(code) == BPF_W ? 4 : BPF_SIZE(code) == BPF_H ? 2 : 1;
}

static void merge(struct bound *to, const struct bound *from)
{
	unsigned int i;

	if (!to->reached) {
		*to = *from;
		return;
	}
	to->a = to->a > from->a ? to->a : from->a;
	to->x = to->x > from->x ? to->x : from->x;
	for (i = 0; i < PC_CBPF_MEMWORDS; i++)
		to->m[i] = to->m[i] > from->m[i] ? to->m[i] : from->m[i];
}

/* A = a packet load of code at from: the extent reaches its end, A holds at most its size's largest value. */
static void packet_load(struct bound *b, uint64_t *extent, uint64_t from, uint16_t code)
{
	uint64_t end = cap(from + load_size(code));

	*extent = *extent > end ? *extent : end;
	b->a = BPF_SIZE(code) == BPF_B ? 0xff : BPF_SIZE(code) == BPF_H ? 0xffff : UNBOUNDED;
}

/*
 * The word k of M[] a load or store names: bpf_check_classic()
 * (net/core/filter.c) refuses an index past BPF_MEMWORDS with EINVAL,
 * after the opcode passed: the index is what is wrong, not the opcode.
 */
static int mem_word(unsigned int pc, uint32_t k, char *err, size_t errlen)
{
	if (k < PC_CBPF_MEMWORDS)
		return 0;
	return fail(err, errlen, "instruction %u: M[%u]: scratch memory has %d words, M[0] to M[%d] (the kernel's "
		    "bpf_check_classic() refuses any other)", pc, k, PC_CBPF_MEMWORDS, PC_CBPF_MEMWORDS - 1);
}

/* One instruction's own check, and its effect on the bounds and the extent; 0 or -1. */
static int check_one(struct pc_cprog *cp, unsigned int pc, struct bound *b, uint64_t *extent, char *err,
		     size_t errlen)
{
	const struct sock_filter *f = &cp->insns[pc];
	uint16_t code = f->code;
	uint32_t k = f->k;

	switch (BPF_CLASS(code)) {
	case BPF_LD:
		switch (BPF_MODE(code)) {
		case BPF_ABS:
			if (BPF_SIZE(code) == BPF_DW)
				break;
			if (k >= (uint32_t)SKF_AD_OFF) {
				if (!anc_ok(k - (uint32_t)SKF_AD_OFF))
					return fail(err, errlen, "instruction %u: ancillary load SKF_AD_OFF%+d, "
						    "which pktcount does not run", pc, (int)(k - (uint32_t)SKF_AD_OFF));
				cp->ancillary = 1;
				b->a = UNBOUNDED;
				return 0;
			}
			if (k >= 0x80000000u)
				return fail(err, errlen, "instruction %u: a load relative to the network or link "
					    "header (SKF_NET_OFF, SKF_LL_OFF), which pktcount does not run", pc);
			packet_load(b, extent, k, code);
			return 0;
		case BPF_IND:
			if (BPF_SIZE(code) == BPF_DW)
				break;
			if (k >= 0x80000000u)
				return fail(err, errlen, "instruction %u: a load at a negative offset, "
					    "which pktcount does not run", pc);
			packet_load(b, extent, b->x + k, code);
			return 0;
		case BPF_LEN:
			if (BPF_SIZE(code) != BPF_W)
				break;
			b->a = UNBOUNDED;
			return 0;
		case BPF_IMM:
			if (BPF_SIZE(code) != BPF_W)
				break;
			b->a = k;
			return 0;
		case BPF_MEM:
			if (BPF_SIZE(code) != BPF_W)
				break;
			if (mem_word(pc, k, err, errlen) < 0)
				return -1;
			b->a = b->m[k];
			return 0;
		}
		break;
	case BPF_LDX:
		if (code == (BPF_LDX | BPF_W | BPF_IMM)) {
			b->x = k;
			return 0;
		}
		if (code == (BPF_LDX | BPF_W | BPF_MEM)) {
			if (mem_word(pc, k, err, errlen) < 0)
				return -1;
			b->x = b->m[k];
			return 0;
		}
		if (code == (BPF_LDX | BPF_W | BPF_LEN)) {
			b->x = UNBOUNDED;
			return 0;
		}
		if (code == (BPF_LDX | BPF_B | BPF_MSH)) {
			if (k >= 0x80000000u)
				return fail(err, errlen, "instruction %u: a load at a negative offset", pc);
			*extent = *extent > (uint64_t)k + 1 ? *extent : (uint64_t)k + 1;
			b->x = 60;	/* 4 * (P[k] & 0xf) */
			return 0;
		}
		break;
	case BPF_ST:
	case BPF_STX:
		if (code != BPF_ST && code != BPF_STX)
			break;
		if (mem_word(pc, k, err, errlen) < 0)
			return -1;
		b->m[k] = BPF_CLASS(code) == BPF_ST ? b->a : b->x;
		return 0;
	case BPF_ALU:
		switch (BPF_OP(code)) {
		case BPF_DIV: case BPF_MOD:
			if (BPF_SRC(code) == BPF_K && !k)
				return fail(err, errlen, "instruction %u: division by 0", pc);
			/* fall through */
		case BPF_ADD: case BPF_SUB: case BPF_MUL: case BPF_OR: case BPF_AND:
		case BPF_LSH: case BPF_RSH: case BPF_XOR:
			if ((BPF_OP(code) == BPF_LSH || BPF_OP(code) == BPF_RSH) && BPF_SRC(code) == BPF_K && k >= 32)
				return fail(err, errlen, "instruction %u: a shift by %u", pc, k);
			b->a = alu_bound(BPF_OP(code), b->a, BPF_SRC(code) == BPF_K ? k : b->x, k,
					 BPF_SRC(code) == BPF_K);
			return 0;
		case BPF_NEG:
			b->a = UNBOUNDED;
			return 0;
		}
		break;
	case BPF_JMP:
		return 0;	/* targets: pc_cprog_check */
	case BPF_RET:
		if (code == (BPF_RET | BPF_K) || code == (BPF_RET | BPF_A))
			return 0;
		break;
	case BPF_MISC:
		if (BPF_MISCOP(code) == BPF_TAX) {
			b->x = b->a;
			return 0;
		}
		if (BPF_MISCOP(code) == BPF_TXA) {
			b->a = b->x;
			return 0;
		}
		break;
	}
	return fail(err, errlen, "instruction %u: opcode 0x%02x is not classic BPF the kernel takes", pc, code);
}

/* The instructions a jump at pc goes to, or -1 for an opcode that is no jump. */
static int jump_targets(const struct sock_filter *f, unsigned int pc, uint64_t *t1, uint64_t *t2)
{
	switch (BPF_OP(f->code)) {
	case BPF_JA:
		if (BPF_SRC(f->code) != BPF_K)
			return -1;
		*t1 = *t2 = (uint64_t)pc + 1 + f->k;
		return 0;
	case BPF_JEQ: case BPF_JGT: case BPF_JGE: case BPF_JSET:
		*t1 = (uint64_t)pc + 1 + f->jt;
		*t2 = (uint64_t)pc + 1 + f->jf;
		return 0;
	default:
		return -1;
	}
}

/*
 * The kernel's own check that no path reads a word of M[] before a store
 * to it (check_load_and_stores(), net/core/filter.c, the last step of
 * bpf_check_classic()), as it makes it: one pass in order, a jump target
 * keeping the words valid on every jump to it, and the instruction after
 * a jump starting from those alone.  SO_ATTACH_FILTER refuses a program it
 * fails (EINVAL).  libpcap's optimizer makes such programs (seen: `vlan`
 * inside an `or` whose other branches it found always false, "ld M[1]"
 * first): tcpdump then warns "Kernel filter failed" and filters in
 * userspace, where M[] is an uninitialised array (bpf_filter.c), so what
 * it shows is not defined; pktcount refuses the class instead.
 */
static int check_mem_reads(const struct pc_cprog *cp, char *err, size_t errlen)
{
	uint16_t *masks = malloc(cp->n * sizeof(*masks)), valid = 0;
	unsigned int pc;

	if (!masks)
		return fail(err, errlen, "%s", strerror(ENOMEM));
	memset(masks, 0xff, cp->n * sizeof(*masks));
	for (pc = 0; pc < cp->n; pc++) {
		const struct sock_filter *f = &cp->insns[pc];

		valid &= masks[pc];
		switch (f->code) {
		case BPF_ST:
		case BPF_STX:
			valid |= (uint16_t)(1u << f->k);
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
			if (valid & 1u << f->k)
				break;
			free(masks);
			return fail(err, errlen, "instruction %u reads M[%u] where a path to it stored nothing there: "
				    "the kernel refuses such a program (check_load_and_stores()), and tcpdump runs it "
				    "in userspace with M[] undefined", pc, f->k);
		case BPF_JMP | BPF_JA:
			masks[pc + 1 + f->k] &= valid;
			valid = 0xffff;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
		case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
		case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
		case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
			masks[pc + 1 + f->jt] &= valid;
			masks[pc + 1 + f->jf] &= valid;
			valid = 0xffff;
			break;
		}
	}
	free(masks);
	return 0;
}

int pc_cprog_check(struct pc_cprog *cp, char *err, size_t errlen)
{
	struct bound *b = calloc(cp->n + 1, sizeof(*b));
	uint64_t extent = 0;
	unsigned int pc;

	if (!b)
		return fail(err, errlen, "%s", strerror(ENOMEM));
	cp->ancillary = 0;
	if (!cp->n || cp->n > PC_CBPF_MAX_INSNS || BPF_CLASS(cp->insns[cp->n - 1].code) != BPF_RET) {
		free(b);
		return fail(err, errlen, "%u instructions: 1 to %d, the last a return", cp->n, PC_CBPF_MAX_INSNS);
	}
	b[0].reached = 1;
	for (pc = 0; pc < cp->n; pc++) {
		const struct sock_filter *f = &cp->insns[pc];
		struct bound now = b[pc];
		uint64_t t1, t2;

		if (BPF_CLASS(f->code) == BPF_JMP) {
			if (jump_targets(f, pc, &t1, &t2) < 0 || t1 >= cp->n || t2 >= cp->n) {
				free(b);
				return fail(err, errlen, "instruction %u: %s", pc,
					    jump_targets(f, pc, &t1, &t2) < 0 ? "no such jump"
					    : "jumps back or past the end (a loop, as libpcap's protochain makes: "
					      "the kernel takes no such classic program)");
			}
			if (now.reached) {
				merge(&b[t1], &now);
				merge(&b[t2], &now);
			}
			continue;
		}
		/* unreached code is checked too: the kernel would refuse it */
		if (check_one(cp, pc, &now, &extent, err, errlen) < 0) {
			free(b);
			return -1;
		}
		if (now.reached && BPF_CLASS(f->code) != BPF_RET)
			merge(&b[pc + 1], &now);
	}
	free(b);
	cp->extent = (uint32_t)cap(extent);
	return check_mem_reads(cp, err, errlen);
}

/* ---- the interpreter ---- */

/*
 * The frame a program sees: the frame as the kernel holds it, as the kernel
 * would run the program on it.  A frame libpcap took in (pcap mode) has
 * the tag the kernel moved out put back at byte 12 (pc_frame_tag_put_back):
 * the view leaves that hole out again, and the tag is the ancillary one.
 */
struct view {
	const uint8_t *p;
	uint32_t caplen, len;
	int hole;
	uint8_t tag[4];
};

static uint8_t byte_at(const struct view *v, uint32_t i)
{
	return v->hole && i >= 12 ? v->p[i + 4] : v->p[i];
}

/* A big-endian load of size bytes at off; 0 when it reaches past what there is. */
static int load(const struct view *v, uint64_t off, unsigned int size, uint32_t *out)
{
	uint32_t val = 0;
	unsigned int i;

	if (off + size > v->caplen)
		return 0;
	for (i = 0; i < size; i++)
		val = val << 8 | byte_at(v, (uint32_t)off + i);
	*out = val;
	return 1;
}

static uint32_t ancillary(const struct pc_frame *f, const struct view *v, uint32_t off)
{
	switch (off) {
	case SKF_AD_PROTOCOL:		return f->protocol;
	case SKF_AD_PKTTYPE:		return (uint32_t)f->pkttype;
	case SKF_AD_IFINDEX:		return (uint32_t)f->ifindex;
	case SKF_AD_VLAN_TAG:		return v->hole ? (uint32_t)(v->tag[2] << 8 | v->tag[3]) : f->vlan_tci;
	case SKF_AD_VLAN_TAG_PRESENT:	return f->vlan_moved || v->hole;
	case SKF_AD_VLAN_TPID:		return v->hole ? (uint32_t)(v->tag[0] << 8 | v->tag[1]) : f->vlan_tpid;
	default:			return 0;
	}
}

static void view_of(const struct pc_frame *f, struct view *v)
{
	*v = (struct view){ f->p, f->caplen, f->len, 0, { 0 } };
	if (pc_frame_tag_put_back(f)) {
		v->hole = 1;
		memcpy(v->tag, f->p + 12, 4);
		v->caplen -= 4, v->len -= 4;
	}
}

int pc_cprog_match(const struct pc_cprog *cp, const struct pc_frame *f)
{
	uint32_t a = 0, x = 0, mem[PC_CBPF_MEMWORDS] = { 0 }, t;
	struct view v;
	unsigned int pc;

	if (!cp->n)
		return 0;
	view_of(f, &v);
	for (pc = 0; pc < cp->n; pc++) {
		const struct sock_filter *i = &cp->insns[pc];
		uint32_t k = i->k, src = BPF_SRC(i->code) == BPF_X ? x : k;

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_H | BPF_ABS: case BPF_LD | BPF_B | BPF_ABS:
			if (k >= (uint32_t)SKF_AD_OFF)
				a = ancillary(f, &v, k - (uint32_t)SKF_AD_OFF);
			else if (!load(&v, k, load_size(i->code), &a))
				return 0;
			continue;
		case BPF_LD | BPF_W | BPF_IND: case BPF_LD | BPF_H | BPF_IND: case BPF_LD | BPF_B | BPF_IND:
			if (!load(&v, (uint64_t)x + k, load_size(i->code), &a))
				return 0;
			continue;
		case BPF_LD | BPF_W | BPF_LEN:	a = v.len; continue;
		case BPF_LDX | BPF_W | BPF_LEN:	x = v.len; continue;
		case BPF_LD | BPF_IMM:		a = k; continue;
		case BPF_LDX | BPF_IMM:		x = k; continue;
		case BPF_LD | BPF_MEM:		a = mem[k]; continue;
		case BPF_LDX | BPF_MEM:		x = mem[k]; continue;
		case BPF_ST:			mem[k] = a; continue;
		case BPF_STX:			mem[k] = x; continue;
		case BPF_LDX | BPF_B | BPF_MSH:
			if (!load(&v, k, 1, &t))
				return 0;
			x = (t & 0xf) << 2;
			continue;
		case BPF_MISC | BPF_TAX:	x = a; continue;
		case BPF_MISC | BPF_TXA:	a = x; continue;
		case BPF_RET | BPF_K:		return k != 0;
		case BPF_RET | BPF_A:		return a != 0;
		case BPF_JMP | BPF_JA:		pc += k; continue;
		}
		if (BPF_CLASS(i->code) == BPF_JMP) {
			int yes;

			switch (BPF_OP(i->code)) {
			case BPF_JEQ:	yes = a == src; break;
			case BPF_JGT:	yes = a > src; break;
			case BPF_JGE:	yes = a >= src; break;
			default:	yes = (a & src) != 0; break;	/* JSET */
			}
			pc += yes ? i->jt : i->jf;
			continue;
		}
		switch (BPF_OP(i->code)) {	/* BPF_ALU */
		case BPF_ADD:	a += src; break;
		case BPF_SUB:	a -= src; break;
		case BPF_MUL:	a *= src; break;
		case BPF_DIV:	if (!src) return 0; a /= src; break;
		case BPF_MOD:	if (!src) return 0; a %= src; break;
		case BPF_AND:	a &= src; break;
		case BPF_OR:	a |= src; break;
		case BPF_XOR:	a ^= src; break;
		case BPF_LSH:	a = src >= 32 ? 0 : a << src; break;
		case BPF_RSH:	a = src >= 32 ? 0 : a >> src; break;
		case BPF_NEG:	a = -a; break;
		}
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A counting variant: what it is, its name and its oldest kernel, all read
 * off its description; and the policy that picks one for a tap from what
 * the kernel has.
 */
#include <stdio.h>
#include <string.h>

#include "build.h"

#define LINKS 2
_Static_assert(PC_LINK_RAW == LINKS - 1, "one link type more: insn/ and the tables here need it");

int pc_variant_has_classes(const struct pc_variant *v)
{
	return v->classes && (v->classes->n || v->classes->filter);
}

/*
 * The policy: the fastest count this kernel runs, in the finest unit.
 *   - Counters per CPU wherever the kernel has per-CPU maps (4.6): no
 *     atomic add, no cache line bouncing between CPUs; but a breakdown
 *     counts per CPU only where its program can copy the headers it keys
 *     on (skb_load_bytes, 4.13): its per-CPU fragments are written so.
 *   - Wire units where the filter reads gso_size (5.7) and counts per CPU:
 *     the wire fragments add per CPU only (every kernel with gso_size has
 *     per-CPU maps).
 *   - Headers copied with skb_load_bytes where the kernel has it and the
 *     counters are per CPU, for whatever reads them (--by, classes).  A
 *     kernel with the helper and no per-CPU maps is only one whose map
 *     type failed (tests/seccomp-run): it keeps the 4.1 programs.
 */
struct pc_variant pc_variant_choose(const struct pc_kernel *k, enum pc_link link, int by, enum pc_attach at,
				    const struct pc_class_set *classes)
{
	int copy = k->load_bytes && k->percpu;
	int percpu = k->percpu && (!by || copy);
	struct pc_variant v = {
		.link = link,
		.counters = percpu ? PC_CTR_PERCPU : PC_CTR_XADD,
		.unit = k->gso && percpu ? PC_UNIT_WIRE : PC_UNIT_SKB,
		.by = !!by,
		.at = at,
		.classes = classes,
	};

	v.copy = copy && (v.by || pc_variant_has_classes(&v));
	return v;
}

int pc_variant_check(const struct pc_variant *v, char *err, size_t errlen)
{
	const char *why = NULL;

	if ((unsigned int)v->link >= LINKS || (unsigned int)v->counters >= PC_CTR_COUNT ||
	    (v->unit != PC_UNIT_SKB && v->unit != PC_UNIT_WIRE) || (unsigned int)v->at >= PC_AT_COUNT)
		why = "a field out of range";
	else if (!pc_frag_count[!!v->by][v->counters][v->unit].len)
		why = "no such count in insn/count.c (wire units count per CPU only)";
	else if (v->by && v->copy != (v->counters == PC_CTR_PERCPU))
		why = "a breakdown copies its headers exactly where it counts per CPU";
	else if (v->copy && !v->by && !pc_variant_has_classes(v))
		why = "headers copied for nothing that reads them";
	if (!why)
		return 0;
	snprintf(err, errlen, "not a variant: %s", why);
	return -1;
}

/* Whether the classes or the filter on link have an ancillary load of what (SKF_AD_*). */
static int reads_anc(const struct pc_class_set *s, enum pc_link link, uint32_t what)
{
	unsigned int i, j;

	for (i = 0; s && i <= s->n; i++) {
		const struct pc_class *c = i < s->n ? &s->c[i] : s->filter;

		for (j = 0; c && j < c->prog[link].n; j++)
			if (BPF_CLASS(c->prog[link].insns[j].code) == BPF_LD &&
			    BPF_MODE(c->prog[link].insns[j].code) == BPF_ABS &&
			    c->prog[link].insns[j].k == (uint32_t)SKF_AD_OFF + what)
				return 1;
	}
	return 0;
}

int pc_variant_reads_anc(const struct pc_variant *v, uint32_t what)
{
	return reads_anc(v->classes, v->link, what);
}

#define AT_LEAST(SINCE, KV) ((SINCE) = (SINCE) > (KV) ? (SINCE) : (KV))

/*
 * What a variant uses, and the kernel that first has it.  The lint
 * (src/prog/asm.c) checks the instructions against that kernel, down to
 * each __sk_buff field and helper; the map types and the hooks it cannot
 * see are here.
 */
unsigned int pc_variant_since(const struct pc_variant *v)
{
	unsigned int since = PC_KV(4, 1);	/* socket filters reading __sk_buff; ARRAY, HASH, XADD */

	if (v->counters == PC_CTR_PERCPU)
		AT_LEAST(since, PC_KV(4, 6));	/* PERCPU_ARRAY, PERCPU_HASH */
	if (v->at != PC_AT_SOCKET)
		AT_LEAST(since, PC_TC_SINCE);	/* clsact, direct-action cls_bpf */
	if (pc_variant_reads_anc(v, SKF_AD_VLAN_TPID))
		AT_LEAST(since, PC_KV(4, 2));	/* __sk_buff.vlan_proto */
	if (v->copy)
		AT_LEAST(since, PC_KV(4, 13));	/* skb_load_bytes from a socket filter */
	if (v->unit == PC_UNIT_WIRE)
		AT_LEAST(since, PC_KV(5, 7));	/* __sk_buff.gso_size */
	return since;
}

/*
 * "pc_eth_percpu", "tci_raw_by_xadd": where it runs, the link, --by, and
 * how it counts.  With --by "pcpu": "tci_eth_by_percpu" would be past the
 * 15 characters of a prog_name (BPF_OBJ_NAME_LEN).
 */
void pc_variant_name(const struct pc_variant *v, enum pc_name_kind kind, char *buf, size_t len)
{
	static const char *const at_prog[PC_AT_COUNT] = { "pc", "tci", "tce" };
	static const char *const at_shown[PC_AT_COUNT] = { "pc", "tc", "tc" };
	static const char *const link[LINKS] = { [PC_LINK_ETH] = "eth", [PC_LINK_RAW] = "raw" };
	const char *how = v->unit == PC_UNIT_WIRE ? "wire" : v->counters == PC_CTR_XADD ? "xadd"
			  : v->by ? "pcpu" : "percpu";

	snprintf(buf, len, "%s_%s_%s%s%s", (kind == PC_NAME_PROG ? at_prog : at_shown)[v->at], link[v->link],
		 v->by ? "by_" : "", how, kind == PC_NAME_SHOWN && pc_variant_has_classes(v) ? "+classes" : "");
}

int pc_variant_nth(unsigned int i, enum pc_attach at, struct pc_variant *v)
{
	unsigned int j, found = 0;
	char err[80];

	/* by, link, unit, counters: from the most significant digit */
	for (j = 0; j < 2 * LINKS * 2 * PC_CTR_COUNT; j++) {
		*v = (struct pc_variant){
			.by = (int)(j / (LINKS * 2 * PC_CTR_COUNT)),
			.link = (enum pc_link)(j / (2 * PC_CTR_COUNT) % LINKS),
			.unit = j / PC_CTR_COUNT % 2 ? PC_UNIT_WIRE : PC_UNIT_SKB,
			.counters = (enum pc_counters)(j % PC_CTR_COUNT),
			.at = at,
		};
		v->copy = v->by && v->counters == PC_CTR_PERCPU;
		if (pc_variant_check(v, err, sizeof(err)) == 0 && found++ == i)
			return 1;
	}
	return 0;
}

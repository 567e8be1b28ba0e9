// SPDX-License-Identifier: GPL-2.0
/*
 * A variant's program: insn/'s fragments in the order include/pc_prog.h
 * gives, named and held to its oldest kernel by its description
 * (src/prog/variant.c), the classes composed around it where it has some
 * (src/prog/classes.c).  And the probes' programs.
 */
#include <stdlib.h>
#include <string.h>

#include "build.h"

#define MAP(SLOT) (1u << (SLOT))

/* Each probe with the kernel that first loads it: the probe table's rows (src/ebpf.c). */
const struct pc_prog pc_probes[PC_PROBE_COUNT] = {
	[PC_PROBE_EMPTY] = { "pc_empty", &pc_frag_empty, 1, PC_KV(4, 1), 0 },
	[PC_PROBE_CTX] = { "pc_probe", &pc_frag_probe_ctx, 1, PC_KV(4, 1), 0 },
	[PC_PROBE_GSO] = { "pc_probe_wire", &pc_frag_probe_gso, 1, PC_KV(5, 7), 0 },
	[PC_PROBE_LOAD_BYTES] = { "pc_probe_ldb", &pc_frag_probe_load_bytes, 1, PC_KV(4, 13), 0 },
};

/* v's fragments into f, in order; *nhead: how many go before the classes' head. */
static size_t frags_of(const struct pc_variant *v, struct pc_frag *f, unsigned int *nhead)
{
	int by = !!v->by, copy = !!v->copy;
	size_t n = 0;

	f[n++] = pc_frag_dir[v->at];
	*nhead = (unsigned int)n;	/* the direction first: the filter may read it (inbound, outbound) */
	if (by)
		f[n++] = pc_frag_by_init;
	f[n++] = pc_frag_link[v->link];
	f[n++] = pc_frag_l3[by];
	f[n++] = pc_frag_count[by][v->counters][v->unit];
	if (by) {
		f[n++] = pc_frag_by_head;
		f[n++] = pc_frag_by_mac[v->link][copy];
		f[n++] = pc_frag_by_ip[copy];
		f[n++] = pc_frag_by_update[v->counters];
	}
	f[n++] = pc_frag_ret[v->at];
	return n;
}

static unsigned int maps_of(const struct pc_variant *v)
{
	unsigned int maps = MAP(PC_MAP_COUNTERS);

	if (v->by)
		maps |= MAP(PC_MAP_BY_CTL) | MAP(PC_MAP_BY_GEN0) | MAP(PC_MAP_BY_GEN1);
	if (v->classes && v->classes->n)
		maps |= MAP(PC_MAP_CLASSES);	/* a filter alone counts nothing of its own */
	return maps;
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

int pc_build(const struct pc_variant *v, const struct pc_build_env *env, struct pc_built *out, char *err,
	     size_t errlen)
{
	unsigned int nhead;

	memset(out, 0, sizeof(*out));
	if (pc_variant_check(v, err, errlen) < 0)
		return -1;
	pc_variant_name(v, PC_NAME_PROG, out->name, sizeof(out->name));
	out->prog.name = out->name;
	out->prog.frags = out->frags;
	out->prog.nfrags = frags_of(v, out->frags, &nhead);
	out->prog.since = pc_variant_since(v);
	out->prog.maps = maps_of(v);
	out->ninsns = frag_insns(out->frags, out->prog.nfrags);
	if (pc_variant_has_classes(v))
		return pc_classes_compose(v, env, nhead, out, err, errlen);
	return 0;
}

void pc_built_free(struct pc_built *b)
{
	free(b->head);
	free(b->body);
	memset(b, 0, sizeof(*b));
}

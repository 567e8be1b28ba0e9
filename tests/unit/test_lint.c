// SPDX-License-Identifier: GPL-2.0
/*
 * Every program pktcount can load stays inside what the oldest kernel that
 * runs it accepts (pc_variant_since(), the probes' since), and the lint
 * itself catches what it is there to catch.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "prog/build.h"

/* Any descriptors: the lint reads none. */
static const int fds[PC_MAP_SLOTS] = { 3, 4, 5, 6, 7 };

/* v built and linked into insns: its instruction count (the test fails if it cannot be). */
static int link_variant(const struct pc_variant *v, struct pc_built *b, struct bpf_insn *insns)
{
	static const struct pc_build_env env = { 1, PC_PROG_MAX_INSNS };
	char err[256];
	int n;

	cr_assert_eq(pc_build(v, &env, b, err, sizeof(err)), 0, "%s", err);
	n = pc_asm_link(&b->prog, fds, insns, PC_PROG_MAX_INSNS, err, sizeof(err));
	cr_assert_gt(n, 0, "%s: link: %s", b->name, err);
	return n;
}

/*
 * Every counting variant at every placement, and every probe: clean for
 * its oldest kernel, named within prog_name's 15 characters, one name each.
 */
Test(lint, every_program_is_clean_for_its_oldest_kernel)
{
	static struct bpf_insn insns[PC_PROG_MAX_INSNS];
	static char names[3 * 32][PC_NAME_MAX];
	struct pc_variant v;
	struct pc_built b;
	char err[256];
	unsigned int i, k, nnames = 0;
	int at, n;

	for (at = 0; at < PC_AT_COUNT; at++)
		for (i = 0; pc_variant_nth(i, (enum pc_attach)at, &v); i++) {
			n = link_variant(&v, &b, insns);
			cr_expect_eq(pc_lint(insns, (size_t)n, b.prog.since, err, sizeof(err)), 0, "%s: %s", b.name,
				     err);
			cr_expect_leq(strlen(b.name), 15, "%s: prog_name too long", b.name);
			for (k = 0; k < nnames; k++)
				cr_expect_str_neq(names[k], b.name, "two variants named %s", b.name);
			cr_assert_lt(nnames, sizeof(names) / sizeof(names[0]));
			snprintf(names[nnames++], sizeof(names[0]), "%s", b.name);
			cr_log_info("%s: %d instructions, %u.%u+", b.name, n, b.prog.since >> 8, b.prog.since & 0xff);
			pc_built_free(&b);
		}
	cr_expect_eq(nnames, 3 * 12, "every counting variant, at a socket and both tc hooks");
	for (i = 0; i < PC_PROBE_COUNT; i++) {
		n = pc_asm_link(&pc_probes[i], NULL, insns, PC_PROG_MAX_INSNS, err, sizeof(err));
		cr_assert_gt(n, 0, "%s: link: %s", pc_probes[i].name, err);
		cr_expect_eq(pc_lint(insns, (size_t)n, pc_probes[i].since, err, sizeof(err)), 0, "%s: %s",
			     pc_probes[i].name, err);
	}
}

/*
 * At tc, both hooks: the socket's instructions but for the direction and
 * the return (TC_ACT_UNSPEC), the oldest kernel clsact's (4.5) or the
 * variant's own if later.  The lint holds them to what a socket filter may
 * use, which a tc program may too.
 */
Test(lint, tc_placements_differ_from_the_socket_only_in_direction_and_return)
{
	static struct bpf_insn sock[PC_PROG_MAX_INSNS], tc[PC_PROG_MAX_INSNS];
	struct pc_variant v;
	struct pc_built b;
	unsigned int i, since;
	int at, ns, n;

	for (i = 0; pc_variant_nth(i, PC_AT_SOCKET, &v); i++) {
		ns = link_variant(&v, &b, sock);
		since = b.prog.since;
		pc_built_free(&b);
		for (at = PC_AT_TC_INGRESS; at <= PC_AT_TC_EGRESS; at++) {
			v.at = (enum pc_attach)at;
			n = link_variant(&v, &b, tc);
			cr_expect_eq(b.prog.since, since > PC_TC_SINCE ? since : PC_TC_SINCE, "%s", b.name);
			cr_expect_eq(tc[n - 2].imm, -1, "%s: returns TC_ACT_UNSPEC", b.name);
			/* egress writes PACKET_OUTGOING in one instruction where the others copy pkt_type in two */
			cr_expect_eq(n, ns - (at == PC_AT_TC_EGRESS), "%s", b.name);
			cr_expect(!memcmp(sock + 2, tc + 2 - (at == PC_AT_TC_EGRESS), (size_t)(ns - 4) * sizeof(*sock)),
				  "%s: the count differs from the socket's", b.name);
			pc_built_free(&b);
		}
		v.at = PC_AT_SOCKET;
	}
}

/*
 * Each program is held to kernel since by the lint: clean there, refused
 * one kernel older (older) with a message that has expect in it.
 */
static void held_to(const struct pc_prog *p, const struct bpf_insn *insns, int len, unsigned int since,
		    unsigned int older, const char *expect)
{
	char err[256];

	cr_expect_eq(p->since, since, "%s", p->name);
	cr_expect_eq(pc_lint(insns, (size_t)len, since, err, sizeof(err)), 0, "%s: %s", p->name, err);
	cr_expect_eq(pc_lint(insns, (size_t)len, older, err, sizeof(err)), -1, "%s passes one kernel older", p->name);
	cr_expect(strstr(err, expect) != NULL, "%s: %s", p->name, err);
}

/*
 * The counting variants at a socket that use what since brought (wire
 * units; else copies, in skb units: the wire ones are held to 5.7), want
 * of them, and the probe of it.
 */
static void variants_held_to(int wire, unsigned int want, enum pc_probe probe, unsigned int since, unsigned int older,
			     const char *expect)
{
	static struct bpf_insn insns[PC_PROG_MAX_INSNS];
	struct pc_variant v;
	struct pc_built b;
	char err[256];
	unsigned int i, held = 0;
	int n;

	for (i = 0; pc_variant_nth(i, PC_AT_SOCKET, &v); i++) {
		if (wire ? v.unit != PC_UNIT_WIRE : !v.copy || v.unit == PC_UNIT_WIRE)
			continue;
		n = link_variant(&v, &b, insns);
		held_to(&b.prog, insns, n, since, older, expect);
		pc_built_free(&b);
		held++;
	}
	cr_expect_eq(held, want, "the variants that need %u.%u", since >> 8, since & 0xff);
	n = pc_asm_link(&pc_probes[probe], NULL, insns, PC_PROG_MAX_INSNS, err, sizeof(err));
	cr_assert_gt(n, 0, "%s", err);
	held_to(&pc_probes[probe], insns, n, since, older, expect);
}

/* The lint holds a wire program to 5.7: one kernel older, it names the field. */
Test(lint, wire_programs_need_57)
{
	variants_held_to(1, 4, PC_PROBE_GSO, PC_KV(5, 7), PC_KV(5, 6), "not in 5.6 (5.7+)");
}

/*
 * The per-CPU breakdown programs copy headers with skb_load_bytes: the lint
 * holds them to 4.13, and one kernel older it names the helper.
 */
Test(lint, load_bytes_programs_need_413)
{
	variants_held_to(0, 2, PC_PROBE_LOAD_BYTES, PC_KV(4, 13), PC_KV(4, 12), "helper 26 is not in 4.12");
}

/* The per-CPU programs must not use XADD (some 32-bit JITs lack it). */
Test(lint, percpu_programs_have_no_xadd)
{
	static struct bpf_insn insns[PC_PROG_MAX_INSNS];
	struct pc_variant v;
	struct pc_built b;
	unsigned int k;
	int n, i;

	for (k = 0; pc_variant_nth(k, PC_AT_SOCKET, &v); k++) {
		if (v.counters != PC_CTR_PERCPU)
			continue;
		n = link_variant(&v, &b, insns);
		for (i = 0; i < n; i++)
			cr_expect(BPF_CLASS(insns[i].code) != BPF_STX || BPF_MODE(insns[i].code) != BPF_XADD,
				  "%s insn %d: XADD", b.name, i);
		pc_built_free(&b);
	}
}

struct bad {
	const char *what;
	struct bpf_insn insns[4];
	int n;
	const char *expect;	/* a piece of the message */
};

Test(lint, rejects_what_41_lacks)
{
	static const struct bad bad[] = {
		{ "JLT (4.14)", { BPF_JMP_IMM(BPF_JLT, BPF_REG_1, 1, 0), BPF_MOV64_IMM(BPF_REG_0, 0),
				  BPF_EXIT_INSN() }, 3, "jump op" },
		{ "JMP32 (5.1)", { BPF_INSN(BPF_JMP32 | BPF_JEQ | BPF_K, BPF_REG_1, 0, 0, 0),
				   BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN() }, 3, "class" },
		{ "loop", { BPF_MOV64_IMM(BPF_REG_0, 0), BPF_JMP_A(-2), BPF_EXIT_INSN() }, 3, "backward" },
		{ "helper 9", { BPF_EMIT_CALL(9), BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN() }, 3, "helper" },
		{ "2-byte ctx load", { BPF_LDX_MEM(BPF_H, BPF_REG_0, BPF_REG_1, 0), BPF_EXIT_INSN() }, 2,
		  "context load" },
		{ "ctx field the lint has no kernel for", { BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, 40),
							    BPF_EXIT_INSN() }, 2, "no field the lint knows" },
		{ "gso_segs (5.1) on 4.1", { BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, 164), BPF_EXIT_INSN() }, 2,
		  "not in 4.1 (5.1+)" },
		{ "gso_size (5.7) via r6 on 4.1", { BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
						    BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_6, 176), BPF_EXIT_INSN() }, 3,
		  "not in 4.1 (5.7+)" },
		{ "LD_ABS without ctx in r6", { BPF_LD_ABS(BPF_B, 0), BPF_EXIT_INSN() }, 2, "r6" },
		{ "negative LD_ABS", { BPF_MOV64_REG(BPF_REG_6, BPF_REG_1), BPF_LD_ABS(BPF_B, SKF_LL_OFF),
				       BPF_EXIT_INSN() }, 3, "negative" },
		{ "falls off the end", { BPF_MOV64_IMM(BPF_REG_0, 0) }, 1, "falls off" },
		{ "unreachable", { BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN(), BPF_EXIT_INSN() }, 3,
		  "unreachable" },
		{ "atomic fetch-add (5.12)", { BPF_INSN(BPF_STX | BPF_DW | BPF_XADD, BPF_REG_10, BPF_REG_0, -8, 1),
					       BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN() }, 3, "atomic" },
	};
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_expect_eq(pc_lint(bad[i].insns, (size_t)bad[i].n, PC_KV(4, 1), err, sizeof(err)), -1,
			     "%s: accepted", bad[i].what);
		cr_expect(strstr(err, bad[i].expect) != NULL, "%s: message '%s' lacks '%s'",
			  bad[i].what, err, bad[i].expect);
	}
}

/* The linker refuses what would make a wrong program. */
Test(lint, linker_checks_labels)
{
	static const struct pc_asm undefined[] = { JA(5), I(BPF_EXIT_INSN()) };
	static const struct pc_asm twice[] = { LABEL(1), LABEL(1), I(BPF_EXIT_INSN()) };
	static const struct pc_asm backward[] = { LABEL(2), I(BPF_MOV64_IMM(BPF_REG_0, 0)), JA(2) };
	static const struct pc_frag f_undef[] = { PC_FRAG(undefined) };
	static const struct pc_frag f_twice[] = { PC_FRAG(twice) };
	static const struct pc_frag f_back[] = { PC_FRAG(backward) };
	static const struct pc_asm other_map[] = { LD_MAP(BPF_REG_1, PC_MAP_CLASSES), I(BPF_EXIT_INSN()) };
	static const struct pc_frag f_map[] = { PC_FRAG(other_map) };
	static const struct pc_prog progs[] = {
		{ "undefined", f_undef, 1, PC_KV(4, 1), 1u << PC_MAP_COUNTERS },
		{ "twice", f_twice, 1, PC_KV(4, 1), 1u << PC_MAP_COUNTERS },
		{ "backward", f_back, 1, PC_KV(4, 1), 1u << PC_MAP_COUNTERS },
		{ "other_map", f_map, 1, PC_KV(4, 1), 1u << PC_MAP_COUNTERS },
	};
	static const char *const expect[] = { "undefined", "twice", "backward", "not one of the program's" };
	struct bpf_insn out[8];
	char err[256];

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		cr_expect_eq(pc_asm_link(&progs[i], fds, out, 8, err, sizeof(err)), -1, "%s linked", progs[i].name);
		cr_expect(strstr(err, expect[i]) != NULL, "%s: '%s'", progs[i].name, err);
	}
}

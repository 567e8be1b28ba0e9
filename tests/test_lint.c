// SPDX-License-Identifier: GPL-2.0
/*
 * Every program pktcount can load stays inside what the oldest kernel that
 * runs it accepts (pc_progs[].since), and the lint itself catches what it is
 * there to catch.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "pc_prog.h"

static int link_prog(enum pc_prog_id id, struct bpf_insn *out, char *err, size_t errlen)
{
	return pc_asm_link(&pc_progs[id], (const int[]){ 3, 4, 5, 6 } /* any fds */, 4, out, PC_PROG_MAX_INSNS, err, errlen);
}

Test(lint, every_program_is_clean_for_its_oldest_kernel)
{
	struct bpf_insn insns[PC_PROG_MAX_INSNS];
	char err[256];
	int id, n;

	for (id = 0; id < PC_PROG_COUNT; id++) {
		n = link_prog((enum pc_prog_id)id, insns, err, sizeof(err));
		cr_assert_gt(n, 0, "%s: link: %s", pc_progs[id].name, err);
		cr_expect_eq(pc_lint(insns, (size_t)n, pc_progs[id].since, err, sizeof(err)), 0,
			     "%s: %s", pc_progs[id].name, err);
		cr_expect_leq(strlen(pc_progs[id].name), 15, "%s: prog_name too long", pc_progs[id].name);
		cr_log_info("%s: %d instructions", pc_progs[id].name, n);
	}
}

/*
 * Every counting variant at tc, both hooks: clean for its oldest kernel,
 * which is clsact's (4.5) or the variant's own if later.  The lint holds
 * them to what a socket filter may use, which a tc program may too.
 */
Test(lint, every_tc_placement_is_clean_for_its_oldest_kernel)
{
	struct bpf_insn insns[PC_PROG_MAX_INSNS];
	struct pc_placed p;
	char err[256];
	int id, at, n, placed = 0;

	for (id = 0; id < PC_PROG_COUNT; id++)
		for (at = PC_AT_TC_INGRESS; at <= PC_AT_TC_EGRESS; at++) {
			if (pc_prog_place(&pc_progs[id], (enum pc_attach)at, &p) < 0)
				continue;
			placed++;
			n = pc_asm_link(&p.prog, (const int[]){ 3, 4, 5, 6 }, 4, insns, PC_PROG_MAX_INSNS, err,
					sizeof(err));
			cr_assert_gt(n, 0, "%s: link: %s", p.prog.name, err);
			cr_expect_eq(p.prog.since, pc_progs[id].since > PC_TC_SINCE ? pc_progs[id].since : PC_TC_SINCE);
			cr_expect_eq(pc_lint(insns, (size_t)n, p.prog.since, err, sizeof(err)), 0, "%s: %s", p.prog.name,
				     err);
			cr_expect_eq(insns[n - 2].imm, -1, "%s: returns TC_ACT_UNSPEC", p.prog.name);
		}
	cr_expect_eq(placed, 2 * 12, "every counting variant, both hooks");
}

/*
 * Each of ids is held to kernel since by the lint: clean there, refused one
 * kernel older (older) with a message that has expect in it.
 */
static void held_to(const enum pc_prog_id *ids, size_t n, unsigned int since, unsigned int older,
		    const char *expect)
{
	struct bpf_insn insns[PC_PROG_MAX_INSNS];
	char err[256];

	for (size_t k = 0; k < n; k++) {
		const char *name = pc_progs[ids[k]].name;
		int len = link_prog(ids[k], insns, err, sizeof(err));

		cr_assert_gt(len, 0, "%s", err);
		cr_expect_eq(pc_progs[ids[k]].since, since, "%s", name);
		cr_expect_eq(pc_lint(insns, (size_t)len, since, err, sizeof(err)), 0, "%s: %s", name, err);
		cr_expect_eq(pc_lint(insns, (size_t)len, older, err, sizeof(err)), -1, "%s passes one kernel older",
			     name);
		cr_expect(strstr(err, expect) != NULL, "%s: %s", name, err);
	}
}

/* The lint holds a wire program to 5.7: one kernel older, it names the field. */
Test(lint, wire_programs_need_57)
{
	static const enum pc_prog_id ids[] = { PC_PROG_ETH_WIRE, PC_PROG_RAW_WIRE, PC_PROG_PROBE_WIRE,
					       PC_PROG_ETH_BY_WIRE, PC_PROG_RAW_BY_WIRE };

	held_to(ids, sizeof(ids) / sizeof(ids[0]), PC_KV(5, 7), PC_KV(5, 6), "not in 5.6 (5.7+)");
}

/*
 * The per-CPU breakdown programs copy headers with skb_load_bytes: the lint
 * holds them to 4.13, and one kernel older it names the helper.
 */
Test(lint, load_bytes_programs_need_413)
{
	static const enum pc_prog_id ids[] = { PC_PROG_ETH_BY_PERCPU, PC_PROG_RAW_BY_PERCPU,
					       PC_PROG_PROBE_LOAD_BYTES };

	held_to(ids, sizeof(ids) / sizeof(ids[0]), PC_KV(4, 13), PC_KV(4, 12), "helper 26 is not in 4.12");
}

/* The per-CPU program must not use XADD (some 32-bit JITs lack it). */
Test(lint, percpu_programs_have_no_xadd)
{
	struct bpf_insn insns[PC_PROG_MAX_INSNS];
	char err[256];
	int n, i;
	enum pc_prog_id ids[] = { PC_PROG_ETH_PERCPU, PC_PROG_RAW_PERCPU, PC_PROG_ETH_WIRE, PC_PROG_RAW_WIRE,
				  PC_PROG_ETH_BY_PERCPU, PC_PROG_RAW_BY_PERCPU, PC_PROG_ETH_BY_WIRE,
				  PC_PROG_RAW_BY_WIRE };

	for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
		n = link_prog(ids[k], insns, err, sizeof(err));
		cr_assert_gt(n, 0, "%s", err);
		for (i = 0; i < n; i++)
			cr_expect(BPF_CLASS(insns[i].code) != BPF_STX || BPF_MODE(insns[i].code) != BPF_XADD,
				      "%s insn %d: XADD", pc_progs[ids[k]].name, i);
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
	static const struct pc_prog progs[] = {
		{ "undefined", f_undef, 1, PC_KV(4, 1), PC_UNIT_SKB, 0, 1 },
		{ "twice", f_twice, 1, PC_KV(4, 1), PC_UNIT_SKB, 0, 1 },
		{ "backward", f_back, 1, PC_KV(4, 1), PC_UNIT_SKB, 0, 1 },
	};
	static const char *const expect[] = { "undefined", "twice", "backward" };
	struct bpf_insn out[8];
	char err[256];

	for (size_t i = 0; i < 3; i++) {
		cr_expect_eq(pc_asm_link(&progs[i], (const int[]){ 0 }, 1, out, 8, err, sizeof(err)), -1, "%s linked", progs[i].name);
		cr_expect(strstr(err, expect[i]) != NULL, "%s: '%s'", progs[i].name, err);
	}
}

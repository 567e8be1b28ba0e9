// SPDX-License-Identifier: GPL-2.0
/*
 * Classes (docs/counting.md, "Classes") compiled in userspace: too many
 * for an old kernel's 4,096 instructions are refused, naming the first
 * that does not fit; random classic programs, as a -dd file could bring
 * them, pass the check only where the kernel takes them too, run in the
 * interpreter and translate into eBPF the lint passes.  The classes against
 * libpcap and the kernel are tests/live/test_class.c's.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_packet.h>

#include "bpf.h"
#include "bpf_insn.h"
#include "class.h"
#include "prog/build.h"

#include "lib/frames.h"

/*
 * Before 5.2 the kernel takes 4,096 instructions: the classes that do not
 * fit are refused, the first of them named, with the count.
 */
Test(class, too_many_for_an_old_kernel)
{
	const struct pc_variant v = { .link = PC_LINK_ETH, .counters = PC_CTR_XADD, .classes = &pc_classes };
	struct pc_built b;
	char name[16], expr[96], err[512];
	unsigned int i;

	pc_classes_free();
	for (i = 0; i < PC_CLASS_MAX; i++) {
		snprintf(name, sizeof(name), "k%u", i);
		snprintf(expr, sizeof(expr), "tcp port %u or udp port %u or icmp6", 1000 + i, 2000 + i);
		cr_assert_eq(pc_class_add(name, expr, "test"), 0);
	}
	cr_assert_eq(pc_build(&v, &(struct pc_build_env){ 1, PC_KERNEL_MAX_INSNS_OLD }, &b, err, sizeof(err)), -1);
	pc_built_free(&b);
	cr_log_info("%s", err);
	cr_expect(strstr(err, "does not fit") && strstr(err, "more than 4096 instructions"), "%s", err);
	cr_assert_eq(pc_build(&v, &(struct pc_build_env){ 1, PC_PROG_MAX_INSNS }, &b, err, sizeof(err)), 0, "%s", err);
	cr_log_info("64 such classes: %u instructions", b.ninsns);
	pc_built_free(&b);
}

/*
 * Random classic programs, as a -dd file could bring them: whatever the
 * check lets through the kernel must take as a socket filter
 * (SO_ATTACH_FILTER: bpf_check_classic(), net/core/filter.c), and it must
 * run in the interpreter without reading outside the frame or M[], and
 * translate into eBPF that the lint passes for 4.1 (the verifier would
 * refuse an unreachable or out-of-range jump).
 */
static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

static struct sock_filter random_insn(uint64_t *s, unsigned int pc, unsigned int n)
{
	static const uint16_t codes[] = {
		BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_B | BPF_ABS,
		BPF_LD | BPF_W | BPF_IND, BPF_LD | BPF_H | BPF_IND, BPF_LD | BPF_B | BPF_IND,
		BPF_LD | BPF_W | BPF_LEN, BPF_LD | BPF_IMM, BPF_LDX | BPF_IMM, BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM,
		BPF_LDX | BPF_W | BPF_LEN, BPF_LDX | BPF_B | BPF_MSH, BPF_ST, BPF_STX,
		BPF_ALU | BPF_ADD | BPF_K, BPF_ALU | BPF_SUB | BPF_X, BPF_ALU | BPF_MUL | BPF_K,
		BPF_ALU | BPF_DIV | BPF_X, BPF_ALU | BPF_MOD | BPF_K, BPF_ALU | BPF_AND | BPF_K,
		BPF_ALU | BPF_OR | BPF_X, BPF_ALU | BPF_XOR | BPF_K, BPF_ALU | BPF_LSH | BPF_K,
		BPF_ALU | BPF_RSH | BPF_X, BPF_ALU | BPF_NEG,
		BPF_JMP | BPF_JA, BPF_JMP | BPF_JEQ | BPF_K, BPF_JMP | BPF_JGT | BPF_X, BPF_JMP | BPF_JGE | BPF_K,
		BPF_JMP | BPF_JSET | BPF_K, BPF_RET | BPF_K, BPF_RET | BPF_A, BPF_MISC | BPF_TAX,
		BPF_MISC | BPF_TXA,
	};
	uint16_t code = codes[rnd(s) % (sizeof(codes) / sizeof(codes[0]))];
	uint32_t left = n - pc - 1, k;

	switch (rnd(s) % 5) {	/* small offsets, ancillary ones, big constants, the rest */
	case 0: k = rnd(s) % 80; break;
	case 1: k = (uint32_t)SKF_AD_OFF + 4 * (rnd(s) % 16); break;
	case 2: k = 0x80000000u | rnd(s); break;
	default: k = rnd(s) % 16; break;
	}
	if (code == (BPF_JMP | BPF_JA))
		k = left ? rnd(s) % left : 0;
	if (pc == n - 1)
		code = BPF_RET | BPF_K;
	return (struct sock_filter){ code, (uint8_t)(left ? rnd(s) % (left < 4 ? left : 4) : 0),
				     (uint8_t)(left ? rnd(s) % (left < 4 ? left : 4) : 0), k };
}

/* Load insns, run it on a spread of the table's Ethernet frames: its verdicts must be the interpreter's. */
static int run_against_interpreter(const struct pc_cprog *cp, const struct bpf_insn *insns, size_t ninsns,
				   const struct frame_case *t, size_t n, int prog)
{
	static uint8_t in[14 + FRAME_MAX] = { [12] = 0x88, [13] = 0xb5 };
	char *log = NULL;
	int fd = pc_bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, insns, ninsns, "pc_t_rnd", &log);
	size_t i;

	cr_assert(fd >= 0, "program %d refused: %s\n%.2000s", prog, strerror(errno), log ? log : "");
	free(log);
	for (i = prog % 13; i < n; i += 61) {
		/* as test_prog.c: the frame behind a dummy header, skb->protocol 0x88b5, PACKET_HOST */
		struct pc_frame fr = { .p = t[i].data, .caplen = t[i].len, .len = t[i].len, .link = PC_LINK_ETH,
				       .protocol = 0x88b5, .ifindex = 3 };
		uint32_t ret = 9;

		if (t[i].link != PC_LINK_ETH)
			continue;
		memcpy(in + 14, t[i].data, t[i].len);
		cr_assert_eq(pc_bpf_prog_test_run(fd, in, 14 + t[i].len, NULL, &ret), 0, "%s", strerror(errno));
		cr_assert_eq(ret, (uint32_t)pc_cprog_match(cp, &fr), "program %d on %s: eBPF %u, the interpreter %d",
			     prog, t[i].name, ret, pc_cprog_match(cp, &fr));
	}
	close(fd);
	return 1;
}

Test(class, random_programs_check_run_and_translate)
{
	static struct sock_filter f[24];
	static struct pc_asm out[4096];
	static struct bpf_insn insns[4096];
	static const struct pc_cls_env env[2] = { { 3, 0 }, { 3, 1 } };
	struct frame_case *t;
	size_t n = frames_build(&t), taken = 0, i;
	uint64_t s = 42;
	char err[256];
	int prog, verified = 0, sock = socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert_geq(sock, 0);
	pc_bpf_raise_memlock();
	for (prog = 0; prog < 20000; prog++) {
		struct pc_cprog cp = { .insns = f, .n = 1 + rnd(&s) % 24 };
		unsigned int pc;
		int m, e;

		for (pc = 0; pc < cp.n; pc++)
			f[pc] = random_insn(&s, pc, cp.n);
		if (pc_cprog_check(&cp, err, sizeof(err)) < 0)
			continue;
		taken++;
		cr_assert_eq(setsockopt(sock, SOL_SOCKET, SO_ATTACH_FILTER, &(struct sock_fprog){ (unsigned short)cp.n, f },
					sizeof(struct sock_fprog)), 0, "program %d (%u insns): the check takes it, the kernel "
			     "does not: %s", prog, cp.n, strerror(errno));
		for (i = 0; i < n; i += 97) {
			struct pc_frame fr = { .p = t[i].data, .caplen = t[i].len, .len = t[i].len, .link = t[i].link };

			(void)pc_cprog_match(&cp, &fr);
		}
		for (e = 0; e < 2; e++) {
			m = pc_cbpf_translate(&cp, &env[e], 2, out, 4096, err, sizeof(err));
			cr_assert_gt(m, 0, "program %d: %s", prog, err);
			/* r6 = ctx; the class; return 1 on a match, 0 on none */
			insns[0] = BPF_MOV64_REG(BPF_REG_6, BPF_REG_1);
			for (pc = 0; pc < (unsigned int)m; pc++)
				insns[1 + pc] = out[pc].insn;
			insns[1 + m] = BPF_MOV64_IMM(BPF_REG_0, 1);
			insns[2 + m] = BPF_EXIT_INSN();
			insns[3 + m] = BPF_MOV64_IMM(BPF_REG_0, 0);
			insns[4 + m] = BPF_EXIT_INSN();
			if (e)
				continue;
			cr_assert_eq(pc_lint(insns, (size_t)m + 5, PC_KV(4, 1), err, sizeof(err)), 0,
				     "program %d (%u insns): %s", prog, cp.n, err);
			/* and, as root, one in 25 through this kernel's verifier and on frames: as the interpreter */
			if (geteuid() == 0 && taken % 25 == 0)
				verified += run_against_interpreter(&cp, insns, (size_t)m + 5, t, n, prog);
		}
	}
	cr_log_info("%d random programs, %zu taken by the check, run and translated; %d loaded and run on frames "
		    "as the interpreter decides", prog, taken, verified);
	cr_expect_gt(taken, 1000);
	close(sock);
	free(t);
}

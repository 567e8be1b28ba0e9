// SPDX-License-Identifier: GPL-2.0
/*
 * Every program pktcount can load, as it loads it: for each kernel (what it
 * has: PERCPU maps, gso_size readable, skb_load_bytes, its instruction
 * limit) and each tap (link type, --by, where it runs, classes and filter),
 * the program chosen, its name, oldest kernel, map kinds and instruction
 * bytes, linked with a fixed descriptor per map, against
 * tests/programs.golden.  A change to any program's instructions shows here
 * first; when it is meant, PC_GOLDEN_WRITE=1 writes the file anew and the
 * diff goes in the same commit.  No root: nothing is loaded.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc_class.h"
#include "prog/build.h"

#define GOLDEN "tests/programs.golden"
#define IFINDEX 7	/* SKF_AD_IFINDEX: the tap's interface */

/* The descriptor each map is linked with: the counters, --by's control and entries, the classes. */
#define FD_COUNTERS 100
#define FD_BY_CTL 101
#define FD_BY_GEN0 102
#define FD_BY_GEN1 103
#define FD_CLASSES 104

/* ---- classes: classic programs written out, as `tcpdump -dd` would give them ---- */

#define AD(WHAT) ((uint32_t)SKF_AD_OFF + (WHAT))
#define STMT(CODE, K) { (uint16_t)(CODE), 0, 0, (uint32_t)(K) }
#define JUMP(CODE, K, JT, JF) { (uint16_t)(CODE), JT, JF, (uint32_t)(K) }

/* the tag the kernel moved out: present, 802.1Q, VLAN 10 (the tag's loads and TPID: 4.2) */
static struct sock_filter vlan10[] = {
	STMT(BPF_LD | BPF_W | BPF_ABS, AD(SKF_AD_VLAN_TAG_PRESENT)),
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 6, 0),
	STMT(BPF_LD | BPF_W | BPF_ABS, AD(SKF_AD_VLAN_TPID)),
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x8100, 0, 4),
	STMT(BPF_LD | BPF_W | BPF_ABS, AD(SKF_AD_VLAN_TAG)),
	STMT(BPF_ALU | BPF_AND | BPF_K, 0xfff),
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, 10, 0, 1),
	STMT(BPF_RET | BPF_K, 0xffff),
	STMT(BPF_RET | BPF_K, 0),
};

/* IPv4 with a source port: MSH, LD_IND, M[], the ancillary loads, a division by X, a big constant, RET A */
static struct sock_filter mix[] = {
	STMT(BPF_LD | BPF_H | BPF_ABS, 12),
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x800, 0, 15),
	STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
	STMT(BPF_LD | BPF_H | BPF_IND, 14),
	STMT(BPF_ST, 3),
	STMT(BPF_LD | BPF_W | BPF_ABS, AD(SKF_AD_IFINDEX)),
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, IFINDEX, 0, 10),
	STMT(BPF_LD | BPF_W | BPF_ABS, AD(SKF_AD_PKTTYPE)),
	JUMP(BPF_JMP | BPF_JSET | BPF_K, 4, 8, 0),
	STMT(BPF_LD | BPF_MEM, 3),
	STMT(BPF_MISC | BPF_TAX, 0),
	STMT(BPF_LD | BPF_IMM, 0xffff0000u),
	STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
	JUMP(BPF_JMP | BPF_JGT | BPF_K, 0x8000000fu, 0, 3),
	STMT(BPF_LD | BPF_W | BPF_ABS, AD(SKF_AD_PROTOCOL)),
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x800, 0, 1),
	STMT(BPF_RET | BPF_A, 0),
	STMT(BPF_RET | BPF_K, 0),
};

/* Loads the stack copy takes whole, in halves, or not at all (an odd word; past 64 bytes) */
static struct sock_filter words[] = {
	STMT(BPF_LD | BPF_W | BPF_ABS, 26),
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0a000001, 6, 0),
	STMT(BPF_LD | BPF_H | BPF_ABS, 13),
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 4, 0),
	STMT(BPF_LD | BPF_W | BPF_ABS, 27),
	JUMP(BPF_JMP | BPF_JGT | BPF_K, 5, 2, 0),
	STMT(BPF_LD | BPF_B | BPF_ABS, 100),
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
	STMT(BPF_RET | BPF_K, 0xffff),
	STMT(BPF_RET | BPF_K, 0),
};

/* ip or ip6 */
static struct sock_filter ip46[] = {
	STMT(BPF_LD | BPF_H | BPF_ABS, 12),
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x800, 1, 0),
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x86dd, 0, 1),
	STMT(BPF_RET | BPF_K, 0xffff),
	STMT(BPF_RET | BPF_K, 0),
};

#define NELEM(A) (sizeof(A) / sizeof((A)[0]))
#define BIG 60	/* classes of mix: past 4096 instructions, inside 32768 */

static struct pc_class classes[BIG], filter;

/* A class of prog on Ethernet, and on raw links too unless eth_only (then it never matches there). */
static void class_set(struct pc_class *c, const char *name, struct sock_filter *prog, unsigned int n, int eth_only)
{
	char err[160];
	int l;

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	for (l = 0; l < 2; l++) {
		if (l == PC_LINK_RAW && eth_only) {
			snprintf(c->refused, sizeof(c->refused), "not on raw links");
			continue;
		}
		c->prog[l].insns = prog;
		c->prog[l].n = n;
		cr_assert_eq(pc_cprog_check(&c->prog[l], err, sizeof(err)), 0, "%s: %s", name, err);
	}
}

/* The class sets a tap may have; 0 when set is past the last. */
static int classes_of(int set, const char **name, struct pc_class_set *out)
{
	static const char *const names[] = { "none", "filter", "classes", "both", "big" };
	int i;

	if (set >= (int)NELEM(names))
		return 0;
	*name = names[set];
	memset(out, 0, sizeof(*out));
	class_set(&filter, "filter", ip46, NELEM(ip46), 1);
	if (set == 1 || set == 3)
		out->filter = &filter;
	if (set == 2 || set == 3) {
		class_set(&classes[0], "vlan10", vlan10, NELEM(vlan10), 0);
		class_set(&classes[1], "mix", mix, NELEM(mix), 1);
		class_set(&classes[2], "words", words, NELEM(words), 1);
		out->n = 3;
	}
	if (set == 4) {
		for (i = 0; i < BIG; i++) {
			char n[16];

			snprintf(n, sizeof(n), "c%d", i);
			class_set(&classes[i], n, mix, NELEM(mix), 0);
		}
		out->n = BIG;
	}
	out->c = classes;
	return 1;
}

/* FNV-1a over the instructions' bytes */
static uint64_t fnv(const struct bpf_insn *insns, int n)
{
	const unsigned char *p = (const unsigned char *)insns;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < (size_t)n * sizeof(*insns); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void put_linked(char *line, size_t len, const char *name, unsigned int since, const struct bpf_insn *insns,
		       int n)
{
	size_t at = strlen(line);

	snprintf(line + at, len - at, " %s since=%u.%u insns=%d fnv=%016llx\n", name, since >> 8, since & 0xff, n,
		 (unsigned long long)fnv(insns, n));
}

/*
 * The tap's program as src/ebpf.c chooses, builds and links it: its line
 * (after the case's words already in line).
 */
static void tap_line(const struct pc_kernel *k, enum pc_link link, int by, enum pc_attach at, char *line, size_t len,
		     struct bpf_insn *insns)
{
	static const int fds[PC_MAP_SLOTS] = {
		[PC_MAP_COUNTERS] = FD_COUNTERS, [PC_MAP_BY_CTL] = FD_BY_CTL, [PC_MAP_BY_GEN0] = FD_BY_GEN0,
		[PC_MAP_BY_GEN1] = FD_BY_GEN1, [PC_MAP_CLASSES] = FD_CLASSES,
	};
	const struct pc_variant v = pc_variant_choose(k, link, by, at, &pc_classes);
	const struct pc_build_env env = { IFINDEX, k->max_insns };
	struct pc_built b;
	char err[320];
	size_t at_len = strlen(line);
	int n;

	if (pc_build(&v, &env, &b, err, sizeof(err)) < 0) {
		snprintf(line + at_len, len - at_len, " refused: %s\n", err);
		pc_built_free(&b);
		return;
	}
	n = pc_asm_link(&b.prog, fds, insns, PC_PROG_MAX_INSNS, err, sizeof(err));
	cr_assert_gt(n, 0, "%s", err);
	snprintf(line + at_len, len - at_len, " %s %s", v.counters == PC_CTR_PERCPU ? "percpu" : "xadd",
		 pc_unit_name(v.unit));
	put_linked(line, len, b.prog.name, b.prog.since, insns, n);
	pc_built_free(&b);
}

static const char *const at_names[] = { "socket", "tc-ingress", "tc-egress" };

/* Every kernel, link, --by, placement and class set: one line each. */
static void taps_lines(FILE *out, struct bpf_insn *insns)
{
	static char line[1024];
	struct pc_kernel k;
	int bits, max, link, by, at, set;
	const char *set_name;

	for (bits = 0; bits < 8; bits++)
		for (max = 0; max < 2; max++) {
			k = (struct pc_kernel){ bits & 1, bits >> 1 & 1, bits >> 2 & 1,
						max ? PC_PROG_MAX_INSNS : PC_KERNEL_MAX_INSNS_OLD };
			for (set = 0; classes_of(set, &set_name, &pc_classes); set++)
				for (link = 0; link < 2; link++)
					for (by = 0; by < 2; by++)
						for (at = 0; at < 3; at++) {
							snprintf(line, sizeof(line),
								 "percpu=%d gso=%d load_bytes=%d max=%u %s %s %s %s:",
								 k.percpu, k.gso, k.load_bytes, k.max_insns,
								 link == PC_LINK_ETH ? "eth" : "raw", by ? "by" : "proto",
								 at_names[at], set_name);
							tap_line(&k, (enum pc_link)link, by, (enum pc_attach)at, line,
								 sizeof(line), insns);
							fputs(line, out);
						}
		}
}

/* The programs the probe table loads, and the benchmark's floor. */
static void probes_lines(FILE *out, struct bpf_insn *insns)
{
	char line[256], err[160];
	int i, n;

	for (i = 0; i < PC_PROBE_COUNT; i++) {
		n = pc_asm_link(&pc_probes[i], NULL, insns, PC_PROG_MAX_INSNS, err, sizeof(err));
		cr_assert_gt(n, 0, "%s", err);
		snprintf(line, sizeof(line), "probe:");
		put_linked(line, sizeof(line), pc_probes[i].name, pc_probes[i].since, insns, n);
		fputs(line, out);
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		buf[n] = '\0';
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The first line where a and b differ, for the failure message. */
static void first_difference(const char *a, const char *b)
{
	const char *a0 = a, *b0 = b;
	size_t line = 1;

	for (; *a && *a == *b; a++, b++)
		line += *a == '\n';
	while (a > a0 && a[-1] != '\n')
		a--;
	while (b > b0 && b[-1] != '\n')
		b--;
	cr_log_error("line %zu:\n  golden: %.*s\n  now:    %.*s", line, (int)strcspn(a, "\n"), a,
		     (int)strcspn(b, "\n"), b);
}

Test(prog, every_program_links_as_recorded)
{
	struct bpf_insn *insns = calloc(PC_PROG_MAX_INSNS, sizeof(*insns));
	char *now = NULL, *golden;
	size_t now_len = 0, golden_len = 0;
	FILE *out = open_memstream(&now, &now_len);

	cr_assert(insns && out);
	probes_lines(out, insns);
	taps_lines(out, insns);
	fclose(out);
	if (getenv("PC_GOLDEN_WRITE")) {
		FILE *g = fopen(GOLDEN, "w");

		cr_assert(g && fwrite(now, 1, now_len, g) == now_len && fclose(g) == 0, "writing %s", GOLDEN);
		cr_log_warn("wrote %s", GOLDEN);
	}
	golden = slurp(GOLDEN, &golden_len);
	cr_assert_not_null(golden, "%s: missing (PC_GOLDEN_WRITE=1 writes it)", GOLDEN);
	if (golden_len != now_len || memcmp(golden, now, now_len))
		first_difference(golden, now);
	cr_expect(golden_len == now_len && !memcmp(golden, now, now_len), "programs differ from %s", GOLDEN);
	free(golden);
	free(now);
	free(insns);
}

/*
 * The chooser against the kernels of tests/vm/expect: what each has, the
 * Ethernet socket programs it then counts with (tests/vm/expect names
 * them), and for every tap it can have, a program no newer than itself.
 */
Test(prog, each_kernel_gets_a_program_it_runs)
{
	static const struct {
		unsigned int kv;
		struct pc_kernel has;
		const char *proto, *by;
	} kernels[] = {
		{ PC_KV(4, 1), { 0, 0, 0, PC_KERNEL_MAX_INSNS_OLD }, "pc_eth_xadd", "pc_eth_by_xadd" },
		{ PC_KV(4, 6), { 1, 0, 0, PC_KERNEL_MAX_INSNS_OLD }, "pc_eth_percpu", "pc_eth_by_xadd" },
		{ PC_KV(4, 13), { 1, 0, 1, PC_KERNEL_MAX_INSNS_OLD }, "pc_eth_percpu", "pc_eth_by_pcpu" },
		{ PC_KV(5, 2), { 1, 0, 1, PC_PROG_MAX_INSNS }, "pc_eth_percpu", "pc_eth_by_pcpu" },
		{ PC_KV(5, 7), { 1, 1, 1, PC_PROG_MAX_INSNS }, "pc_eth_wire", "pc_eth_by_wire" },
	};
	char name[PC_NAME_MAX], err[160];
	size_t i;
	int link, by, at;

	for (i = 0; i < NELEM(kernels); i++)
		for (link = 0; link < 2; link++)
			for (by = 0; by < 2; by++)
				for (at = 0; at < PC_AT_COUNT; at++) {
					struct pc_variant v = pc_variant_choose(&kernels[i].has, (enum pc_link)link, by,
										(enum pc_attach)at, NULL);

					pc_variant_name(&v, PC_NAME_PROG, name, sizeof(name));
					cr_expect_eq(pc_variant_check(&v, err, sizeof(err)), 0, "%s: %s", name, err);
					cr_expect_leq(pc_variant_since(&v), kernels[i].kv > PC_TC_SINCE || at == PC_AT_SOCKET
						      ? kernels[i].kv : PC_TC_SINCE, "%s on %u.%u", name,
						      kernels[i].kv >> 8, kernels[i].kv & 0xff);
					if (link == PC_LINK_ETH && at == PC_AT_SOCKET)
						cr_expect_str_eq(name, by ? kernels[i].by : kernels[i].proto, "on %u.%u",
								 kernels[i].kv >> 8, kernels[i].kv & 0xff);
				}
}

/* The names -v, the pins and --version show: tc's two hooks as one, the classes said. */
Test(prog, shown_names_are_those_the_vm_test_matches)
{
	static const struct pc_kernel wire = { 1, 1, 1, PC_PROG_MAX_INSNS };
	struct pc_class_set set = { .filter = &filter };
	char name[PC_NAME_MAX];
	struct pc_variant v;

	v = pc_variant_choose(&wire, PC_LINK_ETH, 0, PC_AT_TC_EGRESS, NULL);
	pc_variant_name(&v, PC_NAME_SHOWN, name, sizeof(name));
	cr_expect_str_eq(name, "tc_eth_wire");
	pc_variant_name(&v, PC_NAME_PROG, name, sizeof(name));
	cr_expect_str_eq(name, "tce_eth_wire");
	v = pc_variant_choose(&wire, PC_LINK_RAW, 1, PC_AT_TC_INGRESS, &set);
	pc_variant_name(&v, PC_NAME_SHOWN, name, sizeof(name));
	cr_expect_str_eq(name, "tc_raw_by_wire+classes");
	pc_variant_name(&v, PC_NAME_PROG, name, sizeof(name));
	cr_expect_str_eq(name, "tci_raw_by_wire");
	v = pc_variant_choose(&wire, PC_LINK_ETH, 0, PC_AT_SOCKET, &set);
	pc_variant_name(&v, PC_NAME_SHOWN, name, sizeof(name));
	cr_expect_str_eq(name, "pc_eth_wire+classes");
}

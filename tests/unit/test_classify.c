// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace classifier against the same frame table the eBPF program
 * passes (a differential test: any disagreement is a bug in one of them),
 * with the kernel's moved-out VLAN tag and the outgoing direction, which
 * BPF_PROG_TEST_RUN cannot produce; and the generated classic filters, run
 * by a small interpreter, keep every frame and always enough of it.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_packet.h>

#include "pc_classic.h"

#include "lib/frames.h"
#include "lib/fuzz_check.h"
#include "lib/sh.h"

Test(classify, frame_table_as_the_ebpf_program)
{
	struct frame_case *cases;
	size_t n = frames_build(&cases), i, bad = 0;

	for (i = 0; i < n; i++) {
		const struct frame_case *c = &cases[i];
		uint64_t bytes;
		unsigned int k = pc_classify(c->data, c->len, c->len, c->link, c->protocol, 0, 0, &bytes);
		char got[48], want[48];

		if (k != c->key || bytes != c->bytes) {
			cr_log_error("%s: %s %llu bytes, want %s %llu", c->name,
				     frames_key_str(k, got, sizeof(got)), (unsigned long long)bytes,
				     frames_key_str(c->key, want, sizeof(want)), (unsigned long long)c->bytes);
			bad++;
		}
	}
	cr_log_info("%zu frames", n);
	cr_assert_eq(bad, 0, "%zu of %zu frames classified unlike the eBPF program", bad, n);
	free(cases);
}

/* A tag the kernel moved out: +4 bytes, and it counts toward the two. */
Test(classify, moved_out_tag_and_direction)
{
	struct frame_case *cases;
	size_t n = frames_build(&cases), i, bad = 0;

	for (i = 0; i < n; i++) {
		const struct frame_case *c = &cases[i];
		int out;

		for (out = 0; out < 2; out++) {
			uint64_t bytes;
			unsigned int k = pc_classify(c->data, c->len, c->len, c->link, c->protocol, 1, out, &bytes);
			unsigned int want = frames_ref_key(c->data, c->len, c->link, c->protocol, 1) +
					    (out ? PC_NSLOTS : 0);

			if (k != want || bytes != c->len + 4u) {
				cr_log_error("%s (tag moved out, %s): key %u bytes %llu, want %u %u",
					     c->name, out ? "tx" : "rx", k, (unsigned long long)bytes,
					     want, c->len + 4u);
				bad++;
			}
		}
	}
	cr_assert_eq(bad, 0, "%zu wrong", bad);
	free(cases);
}

/* The classic filters as the kernel runs them: a load past the end returns 0. */
static uint32_t cbpf_run(const struct sock_filter *f, unsigned int n, const uint8_t *p, uint32_t len)
{
	uint32_t A = 0, pc;

	for (pc = 0; pc < n; pc++) {
		const struct sock_filter *in = &f[pc];

		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (in->k + 4 > len || in->k + 4 < in->k)
				return 0;
			A = (uint32_t)p[in->k] << 24 | (uint32_t)p[in->k + 1] << 16 |
			    (uint32_t)p[in->k + 2] << 8 | p[in->k + 3];
			break;
		case BPF_LD | BPF_H | BPF_ABS:
			if (in->k + 2 > len || in->k + 2 < in->k)
				return 0;
			A = (uint32_t)p[in->k] << 8 | p[in->k + 1];
			break;
		case BPF_LD | BPF_B | BPF_ABS:
			if (in->k + 1 > len || in->k + 1 < in->k)
				return 0;
			A = p[in->k];
			break;
		case BPF_LD | BPF_W | BPF_LEN:
			A = len;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			A &= in->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += A == in->k ? in->jt : in->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += A >= in->k ? in->jt : in->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += A > in->k ? in->jt : in->jf;
			break;
		case BPF_RET | BPF_K:
			return in->k;
		default:
			cr_assert_fail("classic opcode 0x%x at %u: teach the interpreter", in->code, pc);
			return 0;
		}
	}
	cr_assert_fail("classic filter ran off its end");
	return 0;
}

Test(classify, classic_filters_keep_every_frame_and_enough_of_it)
{
	struct frame_case *cases;
	size_t n = frames_build(&cases), i, bad = 0, ext = 0;

	for (i = 0; i < n; i++) {
		const struct frame_case *c = &cases[i];
		uint32_t snap = c->link == PC_LINK_ETH
			? cbpf_run(pc_classic_eth, pc_classic_eth_len, c->data, c->len)
			: cbpf_run(pc_classic_raw, pc_classic_raw_len, c->data, c->len);
		uint32_t cap = snap < c->len ? snap : c->len;
		uint64_t bytes;
		unsigned int k = pc_classify(c->data, cap, c->len, c->link, c->protocol, 0, 0, &bytes);

		if (snap == 0) {
			cr_log_error("%s (%u bytes): the classic filter drops it", c->name, c->len);
			bad++;
		} else if (k != c->key || bytes != c->bytes) {
			cr_log_error("%s (%u bytes): with %u kept, key %u, want %u", c->name, c->len, snap, k, c->key);
			bad++;
		}
		ext += snap == PC_CLASSIC_SNAP_EXT;
	}
	cr_log_info("%zu frames, %zu kept at %d bytes", n, ext, PC_CLASSIC_SNAP_EXT);
	cr_assert_eq(bad, 0, "%zu frames lost or misread behind the classic filters", bad);
	cr_assert_gt(ext, 0, "no frame took the extension-header snap: the filter is not what it says");
	free(cases);
}

/* insn/classic.c is what insn/gen-classic.sh makes with the tcpdump here. */
Test(classify, generated_classic_filters_are_current)
{
	char out[] = "/tmp/pktcount-classic-XXXXXX";
	int fd;

	if (system("command -v tcpdump >/dev/null 2>&1") != 0)
		cr_skip_test("needs tcpdump to regenerate insn/classic.c");
	fd = mkstemp(out);
	cr_assert_geq(fd, 0);
	close(fd);
	sh_ok("sh insn/gen-classic.sh > %s", out);
	cr_expect_eq(sh("cmp -s %s insn/classic.c", out), 0,
		     "insn/classic.c differs from what make classic-gen makes now: diff %s insn/classic.c", out);
	unlink(out);
}

/* Every input the fuzzer ever crashed on stays a test (tests/fuzz-regressions/). */
Test(classify, fuzz_regressions)
{
	FILE *ls = popen("ls tests/fuzz-regressions/ 2>/dev/null", "r");
	char name[512];
	int files = 0;

	cr_assert_not_null(ls);
	while (fgets(name, sizeof(name), ls)) {
		char path[600];
		uint8_t buf[65536];
		size_t len;
		FILE *f;

		name[strcspn(name, "\n")] = '\0';
		if (!strcmp(name, "README"))
			continue;
		snprintf(path, sizeof(path), "tests/fuzz-regressions/%s", name);
		f = fopen(path, "rb");
		cr_assert_not_null(f, "%s", path);
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		cr_expect_eq(fuzz_check(buf, len), 0, "%s", path);
		files++;
	}
	pclose(ls);
	cr_log_info("%d regression inputs", files);
	cr_assert_gt(files, 0, "tests/fuzz-regressions/ is empty");
}

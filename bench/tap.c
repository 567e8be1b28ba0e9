// SPDX-License-Identifier: GPL-2.0
/*
 * bench/tap: attach one of pktcount's programs to an interface and hold it
 * until SIGTERM, then print what it counted.  The benchmark uses it for the
 * taps pktcount itself does not offer (the empty program, a forced XADD),
 * and for the floor of any tc program: an empty one (TC_ACT_UNSPEC) on a
 * tcx link, ingress or egress.
 *
 *   tap empty|eth_percpu|eth_xadd|eth_wire IFACE
 *   tap tc_empty IFACE in|out
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/if_ether.h>
#include <netpacket/packet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bpf.h"
#include "bpf_insn.h"
#include "pc_key.h"
#include "prog/build.h"

static volatile sig_atomic_t done;

static void on_term(int sig)
{
	(void)sig;
	done = 1;
}

static int die(const char *what)
{
	fprintf(stderr, "tap: %s: %s\n", what, strerror(errno));
	return 1;
}

/* r0 = TC_ACT_UNSPEC; exit: on a tcx link until SIGTERM */
static int tc_empty(const char *ifname, int egress)
{
	const struct bpf_insn insns[] = { BPF_MOV64_IMM(BPF_REG_0, -1), BPF_EXIT_INSN() };
	struct sigaction sa = { .sa_handler = on_term };
	char *log = NULL;
	int prog = pc_bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, insns, 2, "tc_empty", &log);

	if (prog < 0)
		return die(log ? log : "load");
	if (pc_bpf_tcx_attach(prog, (int)if_nametoindex(ifname), egress) < 0)
		return die("tcx link (6.6+)");
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready tc_empty 2 insns\n");
	fflush(stdout);
	while (!done)
		pause();
	return 0;
}

int main(int argc, char **argv)
{
	/* the Ethernet variants at a socket: empty (the probe's program), or by counters and unit */
	static const struct { const char *name; int empty; enum pc_counters counters; enum pc_unit unit; } progs[] = {
		{ "empty", 1, PC_CTR_XADD, PC_UNIT_SKB }, { "eth_percpu", 0, PC_CTR_PERCPU, PC_UNIT_SKB },
		{ "eth_xadd", 0, PC_CTR_XADD, PC_UNIT_SKB }, { "eth_wire", 0, PC_CTR_PERCPU, PC_UNIT_WIRE },
	};
	static const struct pc_build_env env = { 0, PC_PROG_MAX_INSNS };
	struct bpf_insn insns[PC_PROG_MAX_INSNS];
	int fds[PC_MAP_SLOTS] = { -1, -1, -1, -1, -1 };
	struct pc_variant variant = { .link = PC_LINK_ETH };
	struct pc_built b;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct sigaction sa = { .sa_handler = on_term };
	char err[160], *log = NULL;
	int i, id = -1, map = -1, prog, s, n, percpu;

	if (argc == 4 && strcmp(argv[1], "tc_empty") == 0)
		return tc_empty(argv[2], strcmp(argv[3], "out") == 0);
	for (i = 0; argc == 3 && i < (int)(sizeof(progs) / sizeof(progs[0])); i++)
		if (strcmp(argv[1], progs[i].name) == 0)
			id = i;
	if (id < 0) {
		fprintf(stderr, "usage: tap empty|eth_percpu|eth_xadd|eth_wire IFACE, or tap tc_empty IFACE in|out\n");
		return 2;
	}
	variant.counters = progs[id].counters;
	variant.unit = progs[id].unit;
	percpu = variant.counters == PC_CTR_PERCPU;
	if (progs[id].empty)
		b.prog = pc_probes[PC_PROBE_EMPTY];
	else if (pc_build(&variant, &env, &b, err, sizeof(err)) < 0) {
		fprintf(stderr, "tap: %s\n", err);
		return 1;
	}
	pc_bpf_raise_memlock();
	if (!progs[id].empty) {
		map = pc_bpf_map_create(percpu ? BPF_MAP_TYPE_PERCPU_ARRAY : BPF_MAP_TYPE_ARRAY,
					4, sizeof(struct pc_counter), PC_MAP0_SLOTS, "pc_bench");
		if (map < 0)
			return die("map");
	}
	fds[PC_MAP_COUNTERS] = map;
	n = pc_asm_link(&b.prog, fds, insns, PC_PROG_MAX_INSNS, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "tap: %s\n", err);
		return 1;
	}
	prog = pc_bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, insns, (size_t)n, b.prog.name, &log);
	if (prog < 0)
		return die(log ? log : "load");
	sll.sll_ifindex = (int)if_nametoindex(argv[2]);
	if (!sll.sll_ifindex)
		return die(argv[2]);
	s = socket(AF_PACKET, SOCK_RAW, 0);
	if (s < 0)
		return die("socket");
	if (setsockopt(s, SOL_SOCKET, SO_ATTACH_BPF, &prog, sizeof(prog)) < 0)
		return die("SO_ATTACH_BPF");
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return die("bind");
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready %s %d insns\n", b.prog.name, n);
	fflush(stdout);
	while (!done)
		pause();
	if (map >= 0) {
		static struct pc_counter v[PC_NKEYS * 256];
		static uint32_t keys[PC_NKEYS];
		int ncpu = percpu ? pc_bpf_possible_cpus() : 1;
		unsigned long long pk = 0;

		if (pc_bpf_array_read(map, 0, PC_NKEYS, keys, v, (size_t)ncpu * sizeof(*v)) < 0)
			return die("read");
		for (i = 0; i < PC_NKEYS * ncpu; i++)
			pk += v[i].packets;
		printf("counted %llu\n", pk);
	}
	return 0;
}

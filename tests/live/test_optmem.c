// SPDX-License-Identifier: GPL-2.0
/*
 * Class sets the socket refuses (issue 22, item 8): an eBPF socket filter
 * is charged to its socket, bpf_prog_size() of the program as the kernel
 * keeps it, against net.core.optmem_max (src/optmem.c).  In the test's own
 * namespace (per namespace since 6.8) optmem_max is set below what a
 * modest class set takes: -m ebpf refuses with exit 5 and the sizes, auto
 * says it counts in classic mode and counts every class exactly, and the
 * size pktcount names is the kernel's: its own program, attached to a
 * socket of the test's, is taken at the optmem_max pktcount says it needs
 * and refused one byte below.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "bpf.h"
#include "lib/netns.h"
#include "lib/proc.h"
#include "lib/records.h"
#include "lib/sh.h"
#include "lib/traffic.h"
#include "lib/wait.h"

static struct topo topo;

static void down(void)
{
	topo_down(&topo);
}

#define SMALL 8192	/* under the class set's program, over classic's filter (about 1 KiB) */
#define OPTMEM "/proc/sys/net/core/optmem_max"

/* Two classes that count the known traffic, and two of eight IPv6 hosts each that swell the program. */
#define V6A "host 2001:db8::1 or host 2001:db8::2 or host 2001:db8::3 or host 2001:db8::4 or " \
	    "host 2001:db8::5 or host 2001:db8::6 or host 2001:db8::7 or host 2001:db8::8"
#define V6B "host 2001:db8::11 or host 2001:db8::12 or host 2001:db8::13 or host 2001:db8::14 or " \
	    "host 2001:db8::15 or host 2001:db8::16 or host 2001:db8::17 or host 2001:db8::18"
#define CLASSES "--class", "udp=udp", "--class", "arp=arp", "--class", "v6a=" V6A, "--class", "v6b=" V6B

static long read_optmem(const char *ns)
{
	char *s = ns ? sh_out("ip netns exec %s cat " OPTMEM, ns) : sh_out("cat " OPTMEM);
	long v = strtol(s, NULL, 10);

	free(s);
	return v;
}

/* optmem_max of namespace b; skips the test where the setting is global (before 6.8). */
static void set_optmem(long v)
{
	long host = read_optmem(NULL);

	sh_ok("ip netns exec %s sh -c 'echo %ld > " OPTMEM "'", topo.b, v);
	if (read_optmem(NULL) != host) {
		sh_ok("echo %ld > " OPTMEM, host);
		cr_skip_test("net.core.optmem_max is one global setting on this kernel (per namespace from 6.8)");
	}
	cr_assert_eq(read_optmem(topo.b), v);
}

/* pktcount in b with argv until it ends by itself (-c 1); its exit status, output in p. */
static int run_once(struct pktcount_proc *p, const char *const argv[])
{
	cr_assert_eq(pktcount_start(p, topo.b, argv), 0);
	return pktcount_finish(p, 0, WAIT_MS);
}

/* The sizes of -m ebpf's refusal: what the program takes, what optmem_max must be; fails without them. */
static void refusal(const char *err, long max, long *takes, long *needs)
{
	char want[96];
	const char *p;
	unsigned int insns;

	snprintf(want, sizeof(want), "over net.core.optmem_max (%ld; eBPF needs ", max);
	p = strstr(err, "vb: eBPF program of ");
	cr_assert(p && strstr(p, want), "no refusal naming net.core.optmem_max (%ld) in: %s", max, err);
	cr_assert_eq(sscanf(p, "vb: eBPF program of %u instructions takes %ld bytes of socket option memory",
			    &insns, takes), 2, "no sizes in: %s", p);
	*needs = strtol(strstr(p, want) + strlen(want), NULL, 10);
	cr_assert_gt(*takes, max, "%s", p);
	cr_assert_eq(*needs, *takes + 1, "%s", p);
}

/* -m ebpf with the class set at SMALL: exit 5, the sizes named; returns what it takes. */
static long ebpf_refused(void)
{
	static const char *const argv[] = { "-m", "ebpf", "-c", "1", "-i", "0.2", CLASSES, "vb", NULL };
	struct pktcount_proc p;
	long takes, needs;

	set_optmem(SMALL);
	cr_assert_eq(run_once(&p, argv), 5, "exit %d, not 5: %s", p.status, p.err ? p.err : "");
	refusal(p.err, SMALL, &takes, &needs);
	cr_log_info("-m ebpf at optmem_max %d: %s", SMALL, p.err);
	free(p.out);
	free(p.err);
	return takes;
}

Test(optmem, ebpf_refuses_with_sizes, .fini = down, .timeout = 60)
{
	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	ebpf_refused();
}

/* A class's rx and tx of iface's total record; fails when absent. */
static void class_total(const char *out, const char *name, struct pc_counter *rx, struct pc_counter *tx)
{
	char want[64];
	const char *t = strstr(out, "\"type\":\"total\"");
	int i;

	cr_assert_not_null(t, "no total record");
	for (i = 0; i < 2; i++) {
		struct pc_counter *c = i ? tx : rx;
		const char *p;

		snprintf(want, sizeof(want), "{\"class\":\"%s\",\"dir\":\"%s\",\"bytes\":", name, i ? "tx" : "rx");
		p = strstr(t, want);
		cr_assert_not_null(p, "no %s in %.400s", want, t);
		c->bytes = strtoull(p + strlen(want), NULL, 10);
		p = strstr(p, "\"packets\":");
		cr_assert_not_null(p);
		c->packets = strtoull(p + 10, NULL, 10);
	}
}

/* auto at SMALL: one line naming optmem_max, the sizes and classic; every class counted exactly. */
Test(optmem, auto_counts_in_classic, .fini = down, .timeout = 60)
{
	static const char *const argv[] = { "-j", "-i", "0.2", CLASSES, "vb", NULL };
	static const struct { const char *name; uint64_t packets, bytes; } want[] = {
		{ "udp", 30, 30 * 60 }, { "arp", 12, 12 * 42 }, { "v6a", 0, 0 }, { "v6b", 0, 0 }, { "unmatched", 0, 0 },
	};
	struct known_traffic known = { "va", 30, 12, 0 };
	struct pktcount_proc p;
	struct run_output ro;
	long takes, needs;
	size_t i;

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	set_optmem(SMALL);
	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0, "pktcount printed nothing");
	cr_assert_eq(in_netns(topo.a, send_known_traffic, &known), 0);
	pktcount_wait_counted(&p, "vb", COUNT_RX, (uint64_t)(known.udp + known.arp), WAIT_MS);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "exit %d: %s", p.status, p.err ? p.err : "");
	refusal(p.err, SMALL, &takes, &needs);
	cr_assert(strstr(p.err, "takes none): counting in classic mode\n"), "auto did not say classic: %s", p.err);
	cr_assert_eq(parse_output(p.out, "vb", &ro, NULL, 0), 0);
	cr_assert_str_eq(ro.mode, "classic");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct pc_counter rx, tx;

		class_total(p.out, want[i].name, &rx, &tx);
		cr_expect(rx.packets == want[i].packets && rx.bytes == want[i].bytes && !tx.packets && !tx.bytes,
			  "class %s: rx %llu packets %llu bytes, tx %llu; sent %llu packets %llu bytes", want[i].name,
			  (unsigned long long)rx.packets, (unsigned long long)rx.bytes, (unsigned long long)tx.packets,
			  (unsigned long long)want[i].packets, (unsigned long long)want[i].bytes);
	}
	cr_log_info("auto: %s", p.err);
	free(p.out);
	free(p.err);
}

/* The id of the socket filter pktcount pid holds (its fdinfo); fails when none. */
static unsigned int prog_id_of(pid_t pid)
{
	char *ids = sh_out("for f in /proc/%d/fdinfo/*; do awk '/^prog_type:/ { t = $2 } /^prog_id:/ && t == 1 "
			   "{ print $2 }' $f; done", (int)pid);
	unsigned int id = (unsigned int)strtoul(ids, NULL, 10);

	cr_assert_gt(id, 0, "pktcount %d holds no socket filter", (int)pid);
	free(ids);
	return id;
}

/* Attach program id to a fresh packet socket in b: 0, 1 when the kernel refused it (ENOMEM), else 100+. */
struct try_attach {
	unsigned int id;
};

static int attach_in_b(void *arg)
{
	const struct try_attach *t = arg;
	int prog = pc_bpf_prog_get_fd_by_id(t->id), s;

	s = socket(AF_PACKET, SOCK_RAW, 0);
	if (prog < 0 || s < 0)
		return 100;
	if (setsockopt(s, SOL_SOCKET, SO_ATTACH_BPF, &prog, sizeof(prog)) < 0)
		return errno == ENOMEM ? 1 : 101;
	return 0;
}

/*
 * What pktcount says the program takes is what the kernel charges: at the
 * optmem_max it names, -m ebpf counts, and its very program attaches to a
 * socket of the test's; one byte lower, pktcount refuses and so does the
 * kernel.  Taken under takes + 1 and refused at takes (__sk_filter_charge():
 * sk_omem_alloc + size < optmem_max, on a socket holding nothing) is a
 * charge of exactly takes.
 */
Test(optmem, charge_is_the_kernels, .fini = down, .timeout = 60)
{
	static const char *const argv[] = { "-m", "ebpf", "-j", "-i", "0.2", CLASSES, "vb", NULL };
	static const char *const once[] = { "-m", "ebpf", "-c", "1", "-i", "0.2", CLASSES, "vb", NULL };
	struct try_attach t;
	struct pktcount_proc p, q;
	long takes;

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	takes = ebpf_refused();
	set_optmem(takes + 1);
	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0, "-m ebpf at optmem_max %ld printed nothing", takes + 1);
	t.id = prog_id_of(p.pid);
	cr_expect_eq(in_netns(topo.b, attach_in_b, &t), 0, "the kernel refused pktcount's program at optmem_max %ld",
		     takes + 1);
	set_optmem(takes);
	cr_expect_eq(in_netns(topo.b, attach_in_b, &t), 1, "the kernel took pktcount's program at optmem_max %ld",
		     takes);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "exit %d: %s", p.status, p.err ? p.err : "");
	cr_expect(strstr(p.out, "\"mode\":\"ebpf\""), "not counted in eBPF at optmem_max %ld", takes + 1);
	cr_expect_eq(run_once(&q, once), 5, "-m ebpf at optmem_max %ld: exit %d", takes, q.status);
	free(p.out);
	free(p.err);
	free(q.out);
	free(q.err);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The binary as a user meets it: -c 3 -j against known traffic, the table,
 * without privileges or some of them, every mode --version lists, every
 * interface, the default route's, --netns and --check.  Bad input, --help
 * and --version are tests/unit/test_cli.c's.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lib/counting.h"
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

static void run(struct ran *r, const char *ns, int uid, const char *const argv[])
{
	run_as(r, ns, uid, 0, argv);
}

/*
 * The binary where an unprivileged user may run it: a build tree under a
 * 0700 directory (mktemp -d, /root) is out of nobody's reach.
 */
static char *public_copy(char *dir)
{
	static char path[4096];

	strcpy(dir, "/tmp/pktcount-unpriv-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	chmod(dir, 0755);
	snprintf(path, sizeof(path), "%s/pktcount", dir);
	sh_ok("cp '%s' '%s' && chmod 0755 '%s'", pktcount_path(), path, path);
	return path;
}

/* Without CAP_NET_RAW: say so, exit 4, print no record. */
Test(cli, unprivileged_says_what_is_missing)
{
	static const char *const argv[] = { "-j", "-c", "1", "lo", NULL };
	struct passwd *nobody = getpwnam("nobody");
	struct ran *r = malloc(sizeof(*r));
	char dir[64];

	NEED_ROOT("to become nobody");
	cr_assert_not_null(nobody);
	cr_assert_not_null(r);
	setenv("PKTCOUNT", public_copy(dir), 1);
	run(r, NULL, (int)nobody->pw_uid, argv);
	sh("rm -rf '%s'", dir);
	cr_expect_eq(r->status, 4, "exit %d: %s", r->status, r->err);
	cr_expect(strstr(r->err, "missing CAP_NET_RAW") != NULL, "%s", r->err);
	cr_expect_eq(count_lines(r->err), 1, "%s", r->err);
	cr_expect_str_eq(r->out, "");
	free(r);
}

/*
 * With CAP_NET_RAW alone.  Where the kernel lets unprivileged users load
 * socket filters (kernel.unprivileged_bpf_disabled = 0) that is all eBPF
 * needs; elsewhere -m ebpf names CAP_BPF and exits 4, and auto mode counts
 * in classic mode, which needs nothing more.
 */
Test(cli, net_raw_without_cap_bpf)
{
	static const char *const ebpf[] = { "-m", "ebpf", "-j", "-c", "1", "-i", "0.1", "lo", NULL };
	static const char *const autom[] = { "-j", "-c", "1", "-i", "0.1", "lo", NULL };
	struct passwd *nobody = getpwnam("nobody");
	struct ran *r = malloc(sizeof(*r));
	char dir[64];
	FILE *f;
	int disabled = -1;

	NEED_ROOT("to become nobody with CAP_NET_RAW");
	cr_assert_not_null(nobody);
	cr_assert_not_null(r);
	f = fopen("/proc/sys/kernel/unprivileged_bpf_disabled", "r");
	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%d", &disabled), 1);
	fclose(f);
	setenv("PKTCOUNT", public_copy(dir), 1);

	run_as(r, NULL, (int)nobody->pw_uid, 1, ebpf);
	if (disabled == 0) {
		cr_expect_eq(r->status, 0, "exit %d: %s", r->status, r->err);
		cr_expect(strstr(r->out, "\"type\":\"total\"") != NULL, "%s", r->out);
	} else {
		cr_expect_eq(r->status, 4, "exit %d: %s", r->status, r->err);
		cr_expect(strstr(r->err, "CAP_BPF") != NULL, "%s", r->err);
		cr_expect_eq(count_lines(r->err), 1, "%s", r->err);
		cr_expect_str_eq(r->out, "");
	}

	run_as(r, NULL, (int)nobody->pw_uid, 1, autom);
	sh("rm -rf '%s'", dir);
	cr_expect_eq(r->status, 0, "exit %d: %s", r->status, r->err);
	cr_expect(strstr(r->out, disabled == 0 ? "\"mode\":\"ebpf\"" : "\"mode\":\"classic\""),
		  "%s", r->out);
	free(r);
}

Test(cli, ebpf_without_bpf_syscall)
{
	static const char *const argv[] = { "-m", "ebpf", "-c", "1", "lo", NULL };
	struct ran *r = malloc(sizeof(*r));

	NEED_ROOT("to get past the privilege checks");
	cr_assert_not_null(r);
	pktcount_sim = "nobpf";
	run(r, NULL, -1, argv);
	pktcount_sim = NULL;
	cr_expect_eq(r->status, 5, "exit %d: %s", r->status, r->err);
	cr_expect(strstr(r->err, "Function not implemented") && strstr(r->err, "no bpf()"), "%s", r->err);
	cr_expect_eq(count_lines(r->err), 1, "%s", r->err);
	cr_expect_str_eq(r->out, "");
	free(r);
}

/*
 * Every mode --version lists counts; any other is refused with exit 5 and
 * one line (the static build has no libpcap: make check runs this with it).
 */
Test(cli, modes_listed_by_version_work)
{
	static const char *const modes[] = { "ebpf", "classic", "pcap" };
	struct ran *r = malloc(sizeof(*r));

	NEED_ROOT("to open packet sockets");
	cr_assert_not_null(r);
	for (size_t i = 0; i < 3; i++) {
		const char *argv[] = { "-m", modes[i], "-j", "-c", "1", "-i", "0.1", "lo", NULL };

		run(r, NULL, -1, argv);
		if (mode_built_in(modes[i])) {
			cr_expect_eq(r->status, 0, "-m %s: exit %d: %s", modes[i], r->status, r->err);
		} else {
			cr_expect_eq(r->status, 5, "-m %s: exit %d: %s", modes[i], r->status, r->err);
			cr_expect(strstr(r->err, "not built into this pktcount") != NULL, "%s", r->err);
			cr_expect_eq(count_lines(r->err), 1, "%s", r->err);
		}
	}
	free(r);
}

/* ---- -c 3 -j against known traffic ---- */

#define N_UDP 20
#define N_ARP 3

static struct known_traffic known = { "va", N_UDP, N_ARP, 0 };


Test(cli, count_3_json_exact, .fini = down, .timeout = 60)
{
	static const char *const argv[] = { "-c", "3", "-i", "0.5", "-j", "vb", NULL };
	struct pktcount_proc p;
	struct run_output r;
	char err[256];
	unsigned int udp = pc_key_make(PC_DIR_RX, PC_L3_IPV4, 17);
	unsigned int arp = pc_key_make(PC_DIR_RX, PC_L3_ARP, PC_PROTO_NONE);
	unsigned int k;

	NEED_ROOT("network namespaces");
	run_on_known(&topo, &p, argv, &known, 0);
	cr_assert_eq(parse_output(p.out, "vb", &r, err, sizeof(err)), 0, "%s\n%s", err, p.out);
	cr_expect_eq(r.intervals, 3, "%d interval records", r.intervals);
	cr_expect_str_eq(r.mode, "ebpf");
	cr_expect_eq(r.totals[udp].packets, N_UDP);
	cr_expect_eq(r.totals[udp].bytes, N_UDP * 60);
	cr_expect_eq(r.totals[arp].packets, N_ARP);
	cr_expect_eq(r.totals[arp].bytes, N_ARP * 42);
	for (k = 0; k < PC_NKEYS; k++)
		if (k != udp && k != arp)
			cr_expect_eq(r.totals[k].packets, 0, "key %u counted %llu", k,
				     (unsigned long long)r.totals[k].packets);
	free(p.out);
	free(p.err);
}

/* The human table: protocol rows, zero rows hidden, a total row. */
Test(cli, table_output, .fini = down, .timeout = 60)
{
	static const char *const argv[] = { "-c", "2", "-i", "0.5", "vb", NULL };
	struct pktcount_proc p;
	const char *tot;

	NEED_ROOT("network namespaces");
	run_on_known(&topo, &p, argv, &known, 0);
	tot = strstr(p.out, "vb  ebpf  wire units  total over");
	cr_assert_not_null(tot, "%s", p.out);
	cr_expect(strstr(tot, "ipv4 udp") && strstr(tot, "1.17 KiB"), "%s", tot);
	cr_expect(strstr(tot, "\narp ") != NULL, "%s", tot);
	cr_expect(strstr(tot, "ipv6") == NULL, "a zero row shown: %s", tot);
	cr_expect(strstr(tot, "\ntotal ") != NULL, "%s", tot);
	free(p.out);
	free(p.err);
}

/* SIGINT ends the run with the totals and exit 0. */
Test(cli, sigint_prints_totals, .fini = down, .timeout = 60)
{
	static const char *const argv[] = { "-j", "-i", "0.2", "vb", NULL };
	struct pktcount_proc p;
	struct run_output r;
	char err[256];

	NEED_ROOT("network namespaces");
	run_on_known(&topo, &p, argv, &known, SIGINT);
	cr_assert_eq(parse_output(p.out, "vb", &r, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(r.totals[pc_key_make(PC_DIR_RX, PC_L3_IPV4, 17)].packets, N_UDP);
	free(p.out);
	free(p.err);
}

/* Not root, with only CAP_NET_RAW and CAP_BPF (setcap's way): eBPF mode counts. */
Test(cli, net_raw_and_cap_bpf_suffice)
{
	static const char *const argv[] = { "-m", "ebpf", "-j", "-c", "1", "-i", "0.1", "lo", NULL };
	struct passwd *nobody = getpwnam("nobody");
	struct ran *r = malloc(sizeof(*r));
	char dir[64];

	NEED_ROOT("to become nobody with CAP_NET_RAW and CAP_BPF");
	cr_assert_not_null(nobody);
	cr_assert_not_null(r);
	setenv("PKTCOUNT", public_copy(dir), 1);
	run_as(r, NULL, (int)nobody->pw_uid, 2, argv);
	sh("rm -rf '%s'", dir);
	cr_expect_eq(r->status, 0, "exit %d: %s", r->status, r->err);
	cr_expect(strstr(r->out, "\"type\":\"total\"") && strstr(r->out, "\"mode\":\"ebpf\""), "%s", r->out);
	free(r);
}

/* -a: every interface of the namespace, lo included, each with its own records. */
Test(cli, all_interfaces, .fini = down, .timeout = 60)
{
	static const char *const argv[] = { "-a", "-j", "-c", "1", "-i", "0.2", NULL };
	struct run_output r;
	struct ran *out = malloc(sizeof(*out));
	char err[256];

	NEED_ROOT("network namespaces");
	cr_assert_not_null(out);
	topo_up(&topo, 0, 0);
	run(out, topo.b, -1, argv);
	cr_expect_eq(out->status, 0, "%s", out->err);
	cr_expect_eq(parse_output(out->out, "lo", &r, err, sizeof(err)), 0, "lo: %s", err);
	cr_expect_eq(parse_output(out->out, "vb", &r, err, sizeof(err)), 0, "vb: %s", err);
	cr_expect_eq(r.intervals, 1);
	free(out);
}

/* No interface named: the default route's. */
Test(cli, default_route_interface, .fini = down, .timeout = 60)
{
	static const char *const argv[] = { "-v", "-j", "-c", "1", "-i", "0.2", NULL };
	struct run_output r;
	struct ran *out = malloc(sizeof(*out));
	char err[256];

	NEED_ROOT("network namespaces");
	cr_assert_not_null(out);
	topo_up(&topo, 1, 0);
	sh_ok("ip -n %s route add default via 192.0.2.1 dev vb", topo.b);
	run(out, topo.b, -1, argv);
	cr_expect_eq(out->status, 0, "%s", out->err);
	cr_expect(strstr(out->err, "default interface vb: from the default route") != NULL, "%s", out->err);
	cr_expect_eq(parse_output(out->out, "vb", &r, err, sizeof(err)), 0, "%s", err);
	free(out);
}

/* --netns: counted from the host namespace, by name and by /proc/PID/ns/net */
Test(cli, netns_by_name_and_path, .fini = down, .timeout = 60)
{
	struct pktcount_proc p;
	struct run_output r;
	char err[256], nspath[64];
	unsigned int udp = pc_key_make(PC_DIR_RX, PC_L3_IPV4, 17);
	pid_t holder;
	int pass, joined[2];
	char c;

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	/* a process that lives in the namespace, for the /proc path; it says when it is in */
	cr_assert_eq(pipe(joined), 0);
	holder = fork();
	cr_assert_geq(holder, 0);
	if (holder == 0) {
		if (join_netns(topo.b) < 0 || write(joined[1], "j", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(joined[1]);
	cr_assert_eq(read(joined[0], &c, 1), 1, "the holder did not join %s", topo.b);
	close(joined[0]);
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)holder);
	for (pass = 0; pass < 2; pass++) {
		const char *argv[] = { "-n", pass ? nspath : topo.b, "-j", "-i", "0.2", "vb", NULL };

		cr_assert_eq(pktcount_start(&p, NULL, argv), 0);	/* started in the host namespace */
		cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0, "no first line (pass %d)", pass);
		cr_assert_eq(in_netns(topo.a, send_known_traffic, &known), 0);
		pktcount_wait_counted(&p, "vb", (int)udp, N_UDP, WAIT_MS);
		cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "exit %d: %s", p.status, p.err);
		cr_assert_eq(parse_output(p.out, "vb", &r, err, sizeof(err)), 0, "%s", err);
		cr_expect_eq(r.totals[udp].packets, N_UDP, "pass %d", pass);
		cr_expect_eq(r.totals[udp].bytes, N_UDP * 60, "pass %d", pass);
		free(p.out);
		free(p.err);
	}
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
}

/* --check: the interface's own counters beside ours; on a veth, 100% both ways */
Test(cli, check_coverage_is_complete, .fini = down, .timeout = 60)
{
	static const char *const argv_b[] = { "--check", "-j", "-c", "3", "-i", "0.3", "vb", NULL };
	static const char *const argv_a[] = { "--check", "-j", "-c", "3", "-i", "0.3", "va", NULL };
	struct pktcount_proc pa, pb;
	int side;

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	cr_assert_eq(pktcount_start(&pb, topo.b, argv_b), 0);
	cr_assert_eq(pktcount_start(&pa, topo.a, argv_a), 0);
	cr_assert_eq(pktcount_wait_line(&pb, WAIT_MS), 0);
	cr_assert_eq(pktcount_wait_line(&pa, WAIT_MS), 0);
	cr_assert_eq(in_netns(topo.a, send_known_traffic, &known), 0);
	cr_assert_eq(pktcount_finish(&pb, 0, WAIT_MS), 0, "%s", pb.err);
	cr_assert_eq(pktcount_finish(&pa, 0, WAIT_MS), 0, "%s", pa.err);
	for (side = 0; side < 2; side++) {
		const char *out = side ? pa.out : pb.out, *dir = side ? "tx" : "rx";
		const char *last = strstr(out, "\"type\":\"total\"");
		char field[64];
		cJSON *j, *check, *v;

		cr_assert_not_null(last, "%s", out);
		while (last > out && last[-1] != '\n')
			last--;
		j = cJSON_Parse(last);
		cr_assert_not_null(j, "%s", last);
		check = cJSON_GetObjectItemCaseSensitive(j, "check");
		cr_assert(cJSON_IsObject(check), "no check object: %s", last);
		snprintf(field, sizeof(field), "%s_bytes", dir);
		v = cJSON_GetObjectItemCaseSensitive(check, field);
		cr_expect(cJSON_IsNumber(v) && v->valuedouble == N_UDP * 60 + N_ARP * 42,
			  "%s %s: %s", side ? "va" : "vb", field, last);
		snprintf(field, sizeof(field), "%s_packets", dir);
		v = cJSON_GetObjectItemCaseSensitive(check, field);
		cr_expect(cJSON_IsNumber(v) && v->valuedouble == N_UDP + N_ARP, "%s: %s", field, last);
		snprintf(field, sizeof(field), "%s_bytes_coverage", dir);
		v = cJSON_GetObjectItemCaseSensitive(check, field);
		cr_expect(cJSON_IsNumber(v) && v->valuedouble == 1.0, "%s: %s", field, last);
		snprintf(field, sizeof(field), "%s_packets_coverage", dir);
		v = cJSON_GetObjectItemCaseSensitive(check, field);
		cr_expect(cJSON_IsNumber(v) && v->valuedouble == 1.0, "%s: %s", field, last);
		/* a veth counts skbs (docs/counting.md, "What the interface's own counters count") */
		v = cJSON_GetObjectItemCaseSensitive(check, "kernel_unit");
		cr_expect(cJSON_IsString(v) && !strcmp(v->valuestring, "skb"), "kernel_unit: %s", last);
		cJSON_Delete(j);
	}
	free(pa.out);
	free(pa.err);
	free(pb.out);
	free(pb.err);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * tc mode's place on the system, in namespaces the tests make: another
 * tool's clsact filter keeps working and stays as it was; nothing of
 * pktcount's is left after it exits; --persist counts with no process and
 * the next pktcount reads exactly the traffic sent since; --remove leaves
 * nothing; pinned state of another layout, of a deleted interface, left by
 * a crash, or with no bpffs mounted, each answered with one line.  tc
 * mode's counts themselves are tests/live/test_live.c's (tc_*), key by key
 * against the socket's.  `tc` and `bpftool` are the judges of what is
 * attached.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpf.h"
#include "pin.h"

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

#define UDP_N 7
#define ARP_N 5
/* another tool's filter: classic bytecode that drops ARP (TC_ACT_SHOT) and passes the rest on (-1) */
#define DROP_ARP "bpf da bytecode '4,40 0 0 12,21 0 1 2054,6 0 0 2,6 0 0 4294967295'"

static const unsigned int udp_rx = PC_SLOT_IPV4 + 17;
static const unsigned int arp_rx = PC_SLOT_L3(PC_L3_ARP);

/* pktcount with argv in t->b, run to its end; its exit status, what it printed in p. */
static int run(struct pktcount_proc *p, const char *const argv[])
{
	cr_assert_eq(pktcount_start(p, topo.b, argv), 0);
	return pktcount_finish(p, 0, WAIT_MS);
}

static void run_ok(const char *const argv[], struct run_output *r)
{
	struct pktcount_proc p;
	char err[256];

	cr_assert_eq(run(&p, argv), 0, "%s exit %d: %s", argv[0], p.status, p.err ? p.err : "");
	if (r)
		cr_assert_eq(parse_output(p.out, "vb", r, err, sizeof(err)), 0, "%s", err);
	free(p.out);
	free(p.err);
}

/* pktcount with argv exits code and says want on stderr, in one line */
static void refused(const char *const argv[], int code, const char *want)
{
	struct pktcount_proc p;

	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	pktcount_finish(&p, 0, WAIT_MS);
	cr_expect_eq(p.status, code, "%s: exit %d, not %d: %s", argv[0], p.status, code, p.err ? p.err : "");
	cr_expect(p.err && strstr(p.err, want), "stderr lacks \"%s\": %s", want, p.err ? p.err : "");
	free(p.out);
	free(p.err);
}

/* UDP_N UDP frames, then ARP_N ARP requests, out of va; the caller waits for what it needs of them */
static void send_known(void)
{
	struct known_traffic known = { "va", UDP_N, ARP_N, 0 };

	cr_assert_eq(in_netns(topo.a, send_known_traffic, &known), 0);
}

/* Whether the qdisc on vb says it dropped ARP_N frames (another tool's filter) */
static int arp_dropped(void *arg)
{
	(void)arg;
	return sh("ip netns exec %s tc -s qdisc show dev vb | grep -q 'dropped %d,'", topo.b, ARP_N) == 0;
}

/* vb's pin directory (src/tc.h): under the inode of t->b's namespace */
static void pin_dir(char *dir, size_t size)
{
	struct stat st;
	char ns[96];

	snprintf(ns, sizeof(ns), "/run/netns/%s", topo.b);
	cr_assert_eq(stat(ns, &st), 0);
	snprintf(dir, size, PC_PIN_ROOT "/net%llu/vb", (unsigned long long)st.st_ino);
}

/*
 * bpffs at /sys/fs/bpf for the tests that pin: pktcount mounts one itself
 * only from PID 1's mount namespace (bpffs_not_mounted tests that part).
 */
static void need_bpffs(void)
{
	sh_ok("mount | grep -q ' %s type bpf' || mount -t bpf bpf %s", PC_PIN_FS, PC_PIN_FS);
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Nothing of pktcount's on vb: no filter or tcx program of its name, and the qdisc only if it was there */
static void nothing_attached(int clsact_wanted)
{
	char *tc_in = sh_out("ip netns exec %s tc filter show dev vb ingress", topo.b);
	char *tc_out = sh_out("ip netns exec %s tc filter show dev vb egress", topo.b);
	char *qdisc = sh_out("ip netns exec %s tc qdisc show dev vb", topo.b);
	char *net = sh_out("ip netns exec %s bpftool net show dev vb", topo.b);

	cr_expect(!strstr(tc_in, "pktcount") && !strstr(tc_out, "pktcount"), "a filter left:\n%s%s", tc_in, tc_out);
	cr_expect(!strstr(net, "tci_") && !strstr(net, "tce_"), "a tcx program left:\n%s", net);
	cr_expect_eq(strstr(qdisc, "clsact") != NULL, clsact_wanted, "clsact qdisc %s:\n%s",
		     clsact_wanted ? "gone" : "left", qdisc);
	free(tc_in);
	free(tc_out);
	free(qdisc);
	free(net);
}

/*
 * Another tool's clsact with a filter dropping ARP on vb's ingress: with
 * pktcount in tc mode it still drops every ARP frame (the qdisc's drop
 * count), its filters read the same after pktcount exits, and the qdisc
 * stays.  pktcount counts the ARP frames through tcx, which runs before
 * clsact; through clsact its filter comes after the other's priority 1.
 */
static void other_tool_test(const char *attach)
{
	const char *argv[] = { "-j", "-i", "0.2", "-m", "tc", "--tc-attach", attach, "vb", NULL };
	struct pktcount_proc p;
	struct run_output r;
	char *in0, *out0, *in1, *out1, *stats, err[256], dropped[40];
	int tcx = !strcmp(attach, "tcx");

	NEED_ROOT("network namespaces");
	if (tcx && strcmp(tc_default_attach(), "tcx"))
		cr_skip_test("tcx links need 6.6+");
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	sh_ok("ip netns exec %s tc qdisc add dev vb clsact", topo.b);
	sh_ok("ip netns exec %s tc filter add dev vb ingress prio 1 protocol all " DROP_ARP, topo.b);
	in0 = sh_out("ip netns exec %s tc filter show dev vb ingress", topo.b);
	out0 = sh_out("ip netns exec %s tc filter show dev vb egress", topo.b);

	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0, "pktcount printed nothing");
	send_known();
	/* the ARP frames, sent last, are through vb's ingress once the other filter dropped them all */
	if (wait_until(arp_dropped, NULL, WAIT_MS))
		cr_log_info("the qdisc never said it dropped %d", ARP_N);
	pktcount_wait_counted(&p, "vb", COUNT_RX, UDP_N + (tcx ? ARP_N : 0), WAIT_MS);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "exit %d: %s", p.status, p.err ? p.err : "");
	cr_assert_eq(parse_output(p.out, "vb", &r, err, sizeof(err)), 0, "%s", err);

	stats = sh_out("ip netns exec %s tc -s qdisc show dev vb", topo.b);
	snprintf(dropped, sizeof(dropped), "dropped %d,", ARP_N);
	cr_expect(strstr(stats, dropped) != NULL, "the other filter did not drop the %d ARP frames:\n%s", ARP_N, stats);
	cr_expect_eq(r.totals[udp_rx].packets, UDP_N);
	cr_expect_eq(r.totals[udp_rx].bytes, UDP_N * 60);
	cr_expect_eq(r.totals[arp_rx].packets, tcx ? ARP_N : 0, "%s: ARP frames counted", attach);
	in1 = sh_out("ip netns exec %s tc filter show dev vb ingress", topo.b);
	out1 = sh_out("ip netns exec %s tc filter show dev vb egress", topo.b);
	cr_expect_str_eq(in1, in0, "ingress filters changed");
	cr_expect_str_eq(out1, out0, "egress filters changed");
	nothing_attached(1);
	free(p.out);
	free(p.err);
	free(in0);
	free(out0);
	free(in1);
	free(out1);
	free(stats);
}

Test(tc, other_tools_clsact_filter_kept_tcx, .fini = down, .timeout = 60) { other_tool_test("tcx"); }
Test(tc, other_tools_clsact_filter_kept_clsact, .fini = down, .timeout = 60) { other_tool_test("clsact"); }

/* A run that made the clsact qdisc takes it away again; a tcx run leaves no link. */
static void leaves_nothing(const char *attach)
{
	const char *argv[] = { "-j", "-c", "2", "-i", "0.2", "-m", "tc", "--tc-attach", attach, "vb", NULL };

	NEED_ROOT("network namespaces");
	if (!strcmp(attach, "tcx") && strcmp(tc_default_attach(), "tcx"))
		cr_skip_test("tcx links need 6.6+");
	topo_up(&topo, 0, 0);
	run_ok(argv, NULL);
	nothing_attached(0);
}

Test(tc, leaves_nothing_behind_tcx, .fini = down, .timeout = 60) { leaves_nothing("tcx"); }
Test(tc, leaves_nothing_behind_clsact, .fini = down, .timeout = 60) { leaves_nothing("clsact"); }

/*
 * --persist, the process gone, traffic sent: a new pktcount reads exactly
 * it from the pinned counters (twice: reading takes nothing away); then
 * --remove leaves nothing attached or pinned, and the next pktcount
 * attaches a socket again.
 */
static void persist_test(const char *attach)
{
	const char *persist[] = { "--persist", "--tc-attach", attach, "vb", NULL };
	const char *read[] = { "-j", "-c", "1", "-i", "0.1", "vb", NULL };
	const char *rm[] = { "--remove", "vb", NULL };
	struct pktcount_proc p;
	struct run_output r;
	char dir[160], path[200];
	struct timespec t0, t1;
	int i;

	NEED_ROOT("network namespaces");
	if (!strcmp(attach, "tcx") && strcmp(tc_default_attach(), "tcx"))
		cr_skip_test("tcx links need 6.6+");
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	need_bpffs();
	pin_dir(dir, sizeof(dir));
	cr_assert_eq(run(&p, persist), 0, "--persist exit %d: %s", p.status, p.err ? p.err : "");
	cr_expect(strstr(p.out, dir) != NULL, "--persist does not say where: %s", p.out);
	free(p.out);
	free(p.err);
	snprintf(path, sizeof(path), "%s/meta", dir);
	cr_assert(exists(path), "%s missing", path);

	send_known();
	/* no process counts: the pinned counters have every frame once a reader sees them (reading takes nothing) */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		run_ok(read, &r);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (dir_sum(r.totals, PC_DIR_RX).packets >= UDP_N + ARP_N || (t1.tv_sec - t0.tv_sec) * 1000 >= WAIT_MS)
			break;
	}
	for (i = 0; i < 2; i++) {
		run_ok(read, &r);
		cr_expect_str_eq(r.mode, "tc");
		cr_expect_eq(r.totals[udp_rx].packets, UDP_N, "read %d: %llu UDP", i,
			     (unsigned long long)r.totals[udp_rx].packets);
		cr_expect_eq(r.totals[udp_rx].bytes, UDP_N * 60);
		cr_expect_eq(r.totals[arp_rx].packets, ARP_N);
		cr_expect_eq(r.totals[arp_rx].bytes, ARP_N * 42);
		cr_expect_eq(dir_sum(r.totals, PC_DIR_RX).packets, UDP_N + ARP_N, "nothing else arrived");
		cr_expect_eq(dir_sum(r.totals, PC_DIR_TX).packets, 0);
	}

	run_ok(rm, NULL);
	cr_expect(!exists(dir), "%s left", dir);
	nothing_attached(0);
	run_ok(read, &r);
	cr_expect_str_eq(r.mode, "ebpf", "after --remove a socket counts again");
}

Test(pins, persist_read_remove_tcx, .fini = down, .timeout = 90) { persist_test("tcx"); }
Test(pins, persist_read_remove_clsact, .fini = down, .timeout = 90) { persist_test("clsact"); }

static void persisted(void)
{
	const char *persist[] = { "--persist", "vb", NULL };

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	need_bpffs();
	run_ok(persist, NULL);
}

/* Another layout: the reader says so, reads nothing, and --remove still clears it. */
Test(pins, pinned_layout_not_understood, .fini = down, .timeout = 60)
{
	const char *read[] = { "-j", "-c", "1", "vb", NULL };
	const char *rm[] = { "--remove", "vb", NULL };
	static uint8_t val[PC_PIN_META_SIZE];
	struct pc_pin_meta *m = (struct pc_pin_meta *)val;
	char dir[160], path[200];
	uint32_t key = 0;
	int fd;

	persisted();
	pin_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/meta", dir);
	fd = pc_bpf_obj_get(path);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(pc_bpf_map_lookup(fd, &key, val), 0);
	m->layout = PC_PIN_LAYOUT + 98;
	cr_assert_eq(pc_bpf_map_update(fd, &key, val, 0), 0);
	close(fd);
	refused(read, PC_EXIT_UNSUPPORTED, "pinned layout 99");
	run_ok(rm, NULL);
	cr_expect(!exists(dir));
}

/* The interface deleted and made again while pinned: nothing counts the new one; --remove clears it. */
Test(pins, pinned_interface_deleted, .fini = down, .timeout = 60)
{
	const char *read[] = { "-j", "-c", "1", "vb", NULL };
	const char *rm[] = { "--remove", "vb", NULL };
	char dir[160];

	persisted();
	topo_unlink(&topo);
	topo_relink(&topo);
	refused(read, PC_EXIT_NOIFACE, "deleted since");
	run_ok(rm, NULL);
	pin_dir(dir, sizeof(dir));
	cr_expect(!exists(dir));
}

/* A directory without its description (a --persist killed half way): said, and --remove clears it. */
Test(pins, pin_directory_left_by_a_crash, .fini = down, .timeout = 60)
{
	const char *read[] = { "-j", "-c", "1", "vb", NULL };
	const char *rm[] = { "--remove", "vb", NULL };
	const char *persist[] = { "--persist", "vb", NULL };
	char dir[160];

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	pin_dir(dir, sizeof(dir));
	need_bpffs();
	sh_ok("mkdir -p %s", dir);
	refused(read, PC_EXIT_FAIL, "no complete pinned state");
	refused(persist, PC_EXIT_FAIL, "did not finish");
	run_ok(rm, NULL);
	cr_expect(!exists(dir));
	refused(rm, PC_EXIT_NOIFACE, "nothing is pinned");
}

/*
 * No bpffs: in a mount namespace of its own with /sys/fs/bpf unmounted,
 * --remove says nothing is pinned; --persist refuses to mount one there,
 * where it would end with the process, and once one is mounted pins.
 */
static int remove_vb(const char *b)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "'%s' --netns %s --remove vb >/dev/null", pktcount_path(), b);
	return system(cmd) != 0 ? 24 : 0;
}

static int without_bpffs(void *arg)
{
	const char *b = arg;
	char cmd[600];
	struct statfs sf;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 20;
	while (statfs(PC_PIN_FS, &sf) == 0 && (unsigned long)sf.f_type == 0xcafe4a11)
		if (umount2(PC_PIN_FS, MNT_DETACH) < 0)
			return 21;
	snprintf(cmd, sizeof(cmd), "out=$('%s' --netns %s --remove vb 2>&1); r=$?; "
		 "echo \"$out\" | grep -q 'bpffs is not mounted' && test $r = 3", pktcount_path(), b);
	if (system(cmd) != 0)
		return 22;
	/* (where PID 1's mount namespace cannot be read, pktcount asks its ancestors: the test's is another) */
	snprintf(cmd, sizeof(cmd), "out=$('%s' --netns %s --persist vb 2>&1); r=$?; "
		 "echo \"$out\" | grep -q 'would end with this process.s mount namespace' && test $r = 1",
		 pktcount_path(), b);
	if (system(cmd) != 0)
		return 23;
	if (mount("bpf", PC_PIN_FS, "bpf", 0, "mode=0700") < 0)
		return 25;
	snprintf(cmd, sizeof(cmd), "'%s' --netns %s --persist vb | grep -q 'pinned at'", pktcount_path(), b);
	if (system(cmd) != 0)
		return 26;
	return remove_vb(b);
}

/* steps(vb's namespace) in a child, as it may unshare its mount namespace: 0, or the step that failed */
static void in_child(int (*steps)(void *))
{
	pid_t pid;
	int st;

	NEED_ROOT("network namespaces and mounts");
	topo_up(&topo, 0, 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(steps(topo.b));
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "step %d failed", WEXITSTATUS(st));
	nothing_attached(0);
}

Test(pins, bpffs_not_mounted, .fini = down, .timeout = 60) { in_child(without_bpffs); }

/* The ifindex of dev in namespace ns. */
static int ifindex_in(const char *ns, const char *dev)
{
	char *out = sh_out("ip -n %s -o link show %s", ns, dev);
	int idx = atoi(out);

	free(out);
	cr_assert_gt(idx, 0, "%s has no %s", ns, dev);
	return idx;
}

/* vb deleted and made again with its index, up: another interface to the kernel, the same name and index. */
static void vb_again_same_index(void)
{
	int idx = ifindex_in(topo.b, "vb");

	topo_unlink(&topo);
	sh_ok("ip -n %s link add vb index %d mtu 9000 type veth peer name va netns %s mtu 9000 && "
	      "ip -n %s link set va up && ip -n %s link set vb up", topo.b, idx, topo.a, topo.a, topo.b);
	topo_wait_up(&topo);
	cr_assert_eq(ifindex_in(topo.b, "vb"), idx);
}

/*
 * --persist, vb deleted and made again with the same index: the pins count
 * nothing (their programs went with the old vb), so the reader and
 * --persist refuse with exit 3 and the --remove line; --remove clears
 * them, and a reader then counts the new vb exactly.
 */
static void stale_same_index(const char *attach)
{
	const char *persist[] = { "--persist", "--tc-attach", attach, "vb", NULL };
	const char *persist_again[] = { "--persist", "vb", NULL };
	const char *read[] = { "-j", "-c", "1", "-i", "0.1", "vb", NULL };
	const char *rm[] = { "--remove", "vb", NULL };
	char dir[160];

	NEED_ROOT("network namespaces");
	if (!strcmp(attach, "tcx") && strcmp(tc_default_attach(), "tcx"))
		cr_skip_test("tcx links need 6.6+");
	topo_up(&topo, 0, 0);
	need_bpffs();
	run_ok(persist, NULL);
	vb_again_same_index();
	refused(read, PC_EXIT_NOIFACE, "pktcount --remove vb clears them");
	refused(persist_again, PC_EXIT_NOIFACE, "counted an interface deleted since");
	run_ok(rm, NULL);
	pin_dir(dir, sizeof(dir));
	cr_expect(!exists(dir), "%s left", dir);
	nothing_attached(0);
}

Test(pins, stale_same_index_tcx, .fini = down, .timeout = 60) { stale_same_index("tcx"); }
Test(pins, stale_same_index_clsact, .fini = down, .timeout = 60) { stale_same_index("clsact"); }

/* The inode of network namespace ns (pins are kept by it). */
static unsigned long long netns_ino(const char *ns)
{
	char path[96];
	struct stat st;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	cr_assert_eq(stat(path, &st), 0, "%s: %s", path, strerror(errno));
	return (unsigned long long)st.st_ino;
}

struct reuse {
	unsigned long long ino;
	char name[32];
	int tries;
};

/* A new namespace that got inode r->ino (the kernel reuses a freed namespace's: ida, lowest free); 1 once made. */
static int ns_with_ino(void *arg)
{
	struct reuse *r = arg;

	snprintf(r->name, sizeof(r->name), "pct%dr%d", (int)getpid(), r->tries++);
	sh_ok("ip netns add %s", r->name);
	if (netns_ino(r->name) == r->ino)
		return 1;
	sh_ok("ip netns del %s", r->name);
	return 0;
}

/*
 * This test's own bpffs, in a mount namespace of its own that what it runs
 * inherits: --remove-stale sweeps every namespace's pins, and in the
 * shared bpffs would sweep those of tests running beside it (a vb made
 * again is stale for a moment), and they this one's (a namespace of theirs
 * may get the inode this test's had).
 */
static void own_pin_fs(void)
{
	cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare: %s", strerror(errno));
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0, "mount: %s", strerror(errno));
	cr_assert_eq(mount("bpf", PC_PIN_FS, "bpf", 0, "mode=0700"), 0, "bpffs: %s", strerror(errno));
}

/*
 * --persist in vb's namespace, the namespace deleted, and a new one that
 * the kernel gives the same inode number, with a vb of the same index:
 * the reader there refuses with exit 3; --remove-stale, run from the
 * host's namespace, joins it, finds the pins count nothing, and unpins.
 */
Test(pins, stale_namespace_inode_reused, .fini = down, .timeout = 90)
{
	const char *persist[] = { "--persist", "vb", NULL };
	char dir[160], cmd[512];
	struct reuse r = { 0, "", 0 };
	int idx;

	NEED_ROOT("network namespaces");
	own_pin_fs();
	topo_up(&topo, 0, 0);
	run_ok(persist, NULL);
	pin_dir(dir, sizeof(dir));
	idx = ifindex_in(topo.b, "vb");
	r.ino = netns_ino(topo.b);
	sh_ok("ip netns del %s", topo.b);
	if (wait_until(ns_with_ino, &r, WAIT_MS)) {
		sh("ip netns del %s 2>/dev/null", r.name);
		sh("rm -rf %s", dir);
		cr_skip_test("no namespace got inode %llu back in %d tries", r.ino, r.tries);
	}
	snprintf(topo.b, sizeof(topo.b), "%s", r.name);	/* down() deletes it */
	/* veth registers the peer first: its index chosen too, so it does not take vb's */
	sh_ok("ip -n %s link add vb index %d type veth peer name vc index %d && ip -n %s link set vb up && "
	      "ip -n %s link set vc up", topo.b, idx, idx + 1000, topo.b, topo.b);
	snprintf(cmd, sizeof(cmd), "out=$('%s' --netns %s -c 1 -i 0.1 vb 2>&1); r=$?; echo \"$out\" >&2; "
		 "echo \"$out\" | grep -q 'counted an interface deleted since' && test $r = 3", pktcount_path(), topo.b);
	cr_expect_eq(sh("%s", cmd), 0, "the reader in the new namespace did not refuse with exit 3");
	cr_expect(exists(dir), "%s went before --remove-stale", dir);
	cr_expect_eq(sh("'%s' --remove-stale | grep -q '%s: its interface is gone: unpinned'", pktcount_path(), dir), 0);
	cr_expect(!exists(dir), "%s left by --remove-stale", dir);
}

/*
 * Pins of a namespace deleted with nothing in its place: --remove-stale
 * from the host unpins them, and keeps the pins of a live interface in
 * another namespace (a veth pair of its own: deleting vb's namespace
 * deletes va with it).
 */
Test(pins, remove_stale_namespace_gone, .fini = down, .timeout = 60)
{
	const char *persist[] = { "--persist", "vb", NULL };
	char dir[160], live[160], cmd[600];

	NEED_ROOT("network namespaces");
	own_pin_fs();
	topo_up(&topo, 0, 0);
	run_ok(persist, NULL);
	pin_dir(dir, sizeof(dir));
	sh_ok("ip -n %s link add vx type veth peer name vy", topo.a);
	snprintf(cmd, sizeof(cmd), "'%s' --netns %s --persist vx >/dev/null", pktcount_path(), topo.a);
	cr_assert_eq(sh("%s", cmd), 0);
	snprintf(live, sizeof(live), PC_PIN_ROOT "/net%llu/vx", netns_ino(topo.a));
	cr_assert(exists(live));
	sh_ok("ip netns del %s", topo.b);
	cr_expect_eq(sh("'%s' --remove-stale | grep -q '%s: its network namespace is gone: unpinned'", pktcount_path(),
			dir), 0);
	cr_expect(!exists(dir), "%s left by --remove-stale", dir);
	cr_expect(exists(live), "%s, a live interface's, unpinned", live);
	cr_expect_eq(sh("'%s' --netns %s --remove vx >/dev/null", pktcount_path(), topo.a), 0);
	cr_expect(!exists(live));
}

/* The pinned map dir/name replaced by one of another shape. */
static void replace_pin(const char *dir, const char *name, uint32_t type, uint32_t value, uint32_t entries)
{
	char path[200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_eq(unlink(path), 0, "%s: %s", path, strerror(errno));
	fd = pc_bpf_map_create(type, sizeof(uint32_t), value, entries, "other");
	cr_assert_geq(fd, 0, "map: %s", strerror(errno));
	cr_assert_eq(pc_bpf_obj_pin(fd, path), 0, "%s: %s", path, strerror(errno));
	close(fd);
}

/*
 * A pinned map of another shape: refused with exit 5 before any read,
 * never a read into a buffer of another size (the ASan build runs this).
 */
static void wrong_shape(const char *name, uint32_t type, uint32_t value, uint32_t entries)
{
	const char *persist[] = { "--persist", "--class", "a=udp", "vb", NULL };
	const char *read[] = { "-j", "-c", "1", "-i", "0.1", "vb", NULL };
	const char *rm[] = { "--remove", "vb", NULL };
	char dir[160];

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	need_bpffs();
	if (!mode_built_in("pcap"))
		persist[2] = "a=@/dev/null";
	run_ok(persist, NULL);
	pin_dir(dir, sizeof(dir));
	replace_pin(dir, name, type, value, entries);
	refused(read, PC_EXIT_UNSUPPORTED, "refusing to read it");
	run_ok(rm, NULL);
	cr_expect(!exists(dir));
	nothing_attached(0);
}

Test(pins, counters_percpu_32_byte_values, .fini = down, .timeout = 60)
{
	wrong_shape("counters", BPF_MAP_TYPE_PERCPU_ARRAY, 32, PC_MAP0_SLOTS);
}
Test(pins, counters_8_byte_values, .fini = down, .timeout = 60)
{
	wrong_shape("counters", BPF_MAP_TYPE_ARRAY, 8, PC_MAP0_SLOTS);
}
Test(pins, counters_64_byte_values, .fini = down, .timeout = 60)
{
	wrong_shape("counters", BPF_MAP_TYPE_PERCPU_ARRAY, 64, PC_MAP0_SLOTS);
}
Test(pins, counters_fewer_entries, .fini = down, .timeout = 60)
{
	wrong_shape("counters", BPF_MAP_TYPE_PERCPU_ARRAY, 16, 4);
}
Test(pins, classes_24_byte_values, .fini = down, .timeout = 60)
{
	wrong_shape("classes", BPF_MAP_TYPE_PERCPU_ARRAY, 24, PC_DIR_COUNT * 2);
}
Test(pins, meta_of_another_size, .fini = down, .timeout = 60)
{
	wrong_shape("meta", BPF_MAP_TYPE_ARRAY, 8192, 1);
}

/*
 * `ip netns exec` gives pktcount a mount namespace of its own with a fresh
 * /sys, without bpffs: --persist refuses (a bpffs mounted there would end
 * with the command) and leaves nothing pinned or attached.
 */
Test(pins, persist_under_ip_netns_exec_refused, .fini = down, .timeout = 60)
{
	char dir[160];

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	need_bpffs();
	pin_dir(dir, sizeof(dir));
	cr_expect_eq(sh("out=$(ip netns exec %s '%s' --persist vb 2>&1); r=$?; echo \"$out\" >&2; "
			"echo \"$out\" | grep -q 'would end with this process.s mount namespace' && test $r = 1",
			topo.b, pktcount_path()), 0);
	cr_expect(!exists(dir), "%s pinned", dir);
	nothing_attached(0);
}

/*
 * --persist on vb, vb renamed vb9: `pktcount vb9` reads the pins (renamed
 * with it), attaching nothing beside them, and reads exactly the traffic
 * sent since; --remove vb9 clears them.
 */
static void renamed(const char *attach)
{
	const char *persist[] = { "--persist", "--tc-attach", attach, "vb", NULL };
	const char *read[] = { "-j", "-c", "1", "-i", "0.1", "vb9", NULL };
	const char *rm[] = { "--remove", "vb9", NULL };
	struct pktcount_proc p;
	struct run_output r;
	char dir[160], dir9[170], err[256], *before, *after;

	NEED_ROOT("network namespaces");
	if (!strcmp(attach, "tcx") && strcmp(tc_default_attach(), "tcx"))
		cr_skip_test("tcx links need 6.6+");
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	need_bpffs();
	run_ok(persist, NULL);
	pin_dir(dir, sizeof(dir));
	snprintf(dir9, sizeof(dir9), "%s9", dir);
	sh_ok("ip -n %s link set vb down && ip -n %s link set vb name vb9 && ip -n %s link set vb9 up", topo.b,
	      topo.b, topo.b);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	before = sh_out("ip netns exec %s tc filter show dev vb9 ingress; ip netns exec %s bpftool net show dev vb9",
			topo.b, topo.b);
	send_known();
	cr_assert_eq(run(&p, read), 0, "exit %d: %s", p.status, p.err ? p.err : "");
	cr_expect(p.err && strstr(p.err, "renamed since --persist"), "not said: %s", p.err ? p.err : "");
	cr_assert_eq(parse_output(p.out, "vb9", &r, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(r.mode, "tc");
	/* the kernel counted at receive, before send_known() saw the frames arrive */
	cr_expect_eq(r.totals[udp_rx].packets, UDP_N, "%llu UDP", (unsigned long long)r.totals[udp_rx].packets);
	cr_expect_eq(r.totals[udp_rx].bytes, UDP_N * 60);
	cr_expect_eq(r.totals[arp_rx].packets, ARP_N);
	cr_expect_eq(dir_sum(r.totals, PC_DIR_RX).packets, UDP_N + ARP_N, "nothing else arrived");
	after = sh_out("ip netns exec %s tc filter show dev vb9 ingress; ip netns exec %s bpftool net show dev vb9",
		       topo.b, topo.b);
	cr_expect_str_eq(after, before, "a reader of the renamed vb9 attached something");
	cr_expect(exists(dir9) && !exists(dir), "the pins did not move to %s", dir9);
	run_ok(rm, NULL);
	cr_expect(!exists(dir9));
	free(p.out);
	free(p.err);
	free(before);
	free(after);
}

Test(pins, renamed_tcx, .fini = down, .timeout = 60) { renamed("tcx"); }
Test(pins, renamed_clsact, .fini = down, .timeout = 60) { renamed("clsact"); }

/*
 * A pin directory with an entry that is not pktcount's: --remove takes
 * its own pins (the programs detach), names what it left, exits 1.
 */
Test(pins, remove_leaves_what_is_not_ours, .fini = down, .timeout = 60)
{
	const char *persist[] = { "--persist", "--tc-attach", "clsact", "vb", NULL };
	const char *rm[] = { "--remove", "vb", NULL };
	char dir[160], path[200];

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	need_bpffs();
	run_ok(persist, NULL);
	pin_dir(dir, sizeof(dir));
	sh_ok("mkdir %s/extra", dir);
	refused(rm, PC_EXIT_FAIL, "extra: not pktcount's");
	snprintf(path, sizeof(path), "%s/counters", dir);
	cr_expect(!exists(path), "%s left", path);
	snprintf(path, sizeof(path), "%s/extra", dir);
	cr_expect(exists(path), "%s, not pktcount's, removed", path);
	nothing_attached(0);
	sh_ok("rm -r %s", dir);
}

/* In a mount namespace of its own with a bpffs of its own (1777, as systemd mounts it): the ownership checks. */
static int own_bpffs(void *arg)
{
	const char *b = arg;
	char cmd[700];

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("bpf", PC_PIN_FS, "bpf", 0, "mode=1777") < 0)
		return 20;
	/* another user's directory first: --persist and --remove refuse, a reader trusts nothing in it */
	if (mkdir(PC_PIN_ROOT, 0777) < 0 || chmod(PC_PIN_ROOT, 0777) < 0 || chown(PC_PIN_ROOT, 65534, 65534) < 0)
		return 21;
	snprintf(cmd, sizeof(cmd), "out=$('%s' --netns %s --persist vb 2>&1); r=$?; echo \"$out\" >&2; "
		 "echo \"$out\" | grep -q 'of uid 65534, mode 0777: pktcount pins only in a directory of root' && "
		 "test $r = 1", pktcount_path(), b);
	if (system(cmd) != 0)
		return 22;
	snprintf(cmd, sizeof(cmd), "'%s' --netns %s --remove vb 2>&1 | grep -q 'of uid 65534'", pktcount_path(), b);
	if (system(cmd) != 0)
		return 23;
	/* root's, but open to all: refused too */
	if (chown(PC_PIN_ROOT, 0, 0) < 0 || chmod(PC_PIN_ROOT, 0755) < 0)
		return 24;
	snprintf(cmd, sizeof(cmd), "'%s' --netns %s --persist vb 2>&1 | grep -q 'of uid 0, mode 0755'",
		 pktcount_path(), b);
	if (system(cmd) != 0)
		return 25;
	/* none there: made root's and 0700, whatever the umask */
	if (rmdir(PC_PIN_ROOT) < 0)
		return 26;
	snprintf(cmd, sizeof(cmd), "umask 0; '%s' --netns %s --persist vb >/dev/null && test \"$(stat -c %%u:%%a %s)\" = "
		 "0:700 && '%s' --netns %s --remove vb >/dev/null", pktcount_path(), b, PC_PIN_ROOT, pktcount_path(), b);
	return system(cmd) != 0 ? 27 : 0;
}

Test(pins, pin_root_owned_by_root_0700, .fini = down, .timeout = 60) { in_child(own_bpffs); }

/*
 * A device without a link header (tun): tc hands the program the network
 * header at offset 0, as the socket's SOCK_DGRAM does.  IPv4 UDP written
 * into the tun (rx, to an address not ours: dropped with forwarding off,
 * no ICMP) and sent out of it (tx), counted by the socket and by tc at
 * once: the same totals, key by key, and the bytes of the IP packets.
 */
#define TUN_RX 6
#define TUN_TX 4
#define TUN_PAYLOAD 50

struct pc_ifreq {
	char name[IFNAMSIZ];
	short flags;
	char pad[22];
};

static int tun_open(const char *name)
{
	struct pc_ifreq ifr = { .flags = 0x0001 | 0x1000 };	/* IFF_TUN | IFF_NO_PI */
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	snprintf(ifr.name, sizeof(ifr.name), "%s", name);
	cr_assert_geq(fd, 0, "/dev/net/tun: %s", strerror(errno));
	cr_assert_eq(ioctl(fd, 0x400454ca /* TUNSETIFF */, &ifr), 0, "TUNSETIFF: %s", strerror(errno));
	return fd;
}

static void tun_traffic(int fd)
{
	uint8_t pkt[20 + 8 + TUN_PAYLOAD] = { 0x45, 0, 0, sizeof(pkt), 0, 0, 0, 0, 64, 17, 0, 0,
					      198, 51, 100, 2, 198, 51, 100, 77, 0x10, 0, 0, 9, 0, 8 + TUN_PAYLOAD };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	char payload[TUN_PAYLOAD] = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), i;

	cr_assert_geq(s, 0);
	inet_pton(AF_INET, "198.51.100.2", &to.sin_addr);
	for (i = 0; i < TUN_RX; i++)
		cr_assert_eq(write(fd, pkt, sizeof(pkt)), (ssize_t)sizeof(pkt), "tun write: %s", strerror(errno));
	for (i = 0; i < TUN_TX; i++)
		cr_assert_eq(sendto(s, payload, sizeof(payload), 0, (struct sockaddr *)&to, sizeof(to)),
			     (ssize_t)sizeof(payload), "sendto: %s", strerror(errno));
	close(s);
}

/* p's records say pctun0 counted the tun's frames each way (or more: the assertions judge) */
static void wait_tun_counted(struct pktcount_proc *p)
{
	pktcount_wait_counted(p, "pctun0", (int)udp_rx, TUN_RX, WAIT_MS);
	pktcount_wait_counted(p, "pctun0", (int)(PC_NSLOTS + udp_rx), TUN_TX, WAIT_MS);
}

Test(tc, raw_link_counts_as_the_socket, .fini = down, .timeout = 60)
{
	const char *sock[] = { "-j", "-i", "0.2", "-m", "ebpf", "pctun0", NULL };
	const char *tc[] = { "-j", "-i", "0.2", "-m", "tc", "pctun0", NULL };
	struct pktcount_proc ps, pt;
	struct run_output rs, rt;
	char err[256];
	unsigned int k;
	int fd;

	NEED_ROOT("network namespaces, tun");
	topo_up(&topo, 0, 0);
	cr_assert_eq(join_netns(topo.b), 0);
	fd = tun_open("pctun0");
	sh_ok("ip link set pctun0 up && ip addr add 198.51.100.1/24 dev pctun0 && sysctl -qw net.ipv4.ip_forward=0");
	cr_assert_eq(pktcount_start(&ps, topo.b, sock), 0);
	cr_assert_eq(pktcount_start(&pt, topo.b, tc), 0);
	cr_assert_eq(pktcount_wait_line(&ps, WAIT_MS), 0);
	cr_assert_eq(pktcount_wait_line(&pt, WAIT_MS), 0);
	tun_traffic(fd);
	wait_tun_counted(&ps);
	wait_tun_counted(&pt);
	cr_assert_eq(pktcount_finish(&ps, SIGTERM, WAIT_MS), 0, "%s", ps.err ? ps.err : "");
	cr_assert_eq(pktcount_finish(&pt, SIGTERM, WAIT_MS), 0, "%s", pt.err ? pt.err : "");
	cr_assert_eq(parse_output(ps.out, "pctun0", &rs, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(parse_output(pt.out, "pctun0", &rt, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(rt.mode, "tc");
	for (k = 0; k < PC_NKEYS; k++) {
		cr_expect_eq(rt.totals[k].packets, rs.totals[k].packets, "key %u: tc %llu packets, socket %llu", k,
			     (unsigned long long)rt.totals[k].packets, (unsigned long long)rs.totals[k].packets);
		cr_expect_eq(rt.totals[k].bytes, rs.totals[k].bytes, "key %u bytes", k);
	}
	cr_expect_eq(rt.totals[udp_rx].packets, TUN_RX);
	cr_expect_eq(rt.totals[udp_rx].bytes, TUN_RX * (20 + 8 + TUN_PAYLOAD));
	cr_expect_eq(rt.totals[PC_NSLOTS + udp_rx].packets, TUN_TX);
	cr_expect_eq(rt.totals[PC_NSLOTS + udp_rx].bytes, TUN_TX * (20 + 8 + TUN_PAYLOAD));
	close(fd);
	free(ps.out);
	free(ps.err);
	free(pt.out);
	free(pt.err);
}

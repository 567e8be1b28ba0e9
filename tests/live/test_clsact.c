// SPDX-License-Identifier: GPL-2.0
/*
 * Who removes a clsact qdisc, among pktcounts that come and go in any order
 * (src/tcnl.h): the last pktcount to leave it empty, when a pktcount made
 * it, as the mark (an empty chain, 4.19+) it carries says; never a qdisc
 * another tool made, empty or not.  Each sequence in namespaces the tests
 * make, judged after every step by what `tc qdisc show`, `tc filter show`
 * and `tc chain show` report, and by exact counts where a run counts.
 * tests/live/test_tc.c has the single runs.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pin.h"
#include "tcnl.h"

#include "lib/counting.h"
#include "lib/netns.h"
#include "lib/proc.h"
#include "lib/records.h"
#include "lib/sh.h"
#include "lib/traffic.h"
#include "lib/wait.h"

static struct topo topo;

/* vb's pin directory (src/tc.h), to clear what a failed test left pinned */
static void pin_dir(char *dir, size_t size)
{
	struct stat st;
	char ns[96];

	snprintf(ns, sizeof(ns), "/run/netns/%s", topo.b);
	dir[0] = '\0';
	if (stat(ns, &st) == 0)
		snprintf(dir, size, PC_PIN_ROOT "/net%llu/vb", (unsigned long long)st.st_ino);
}

/* vb's pins, and its namespace's directory when that is empty */
static void unpin(void)
{
	char dir[160];

	pin_dir(dir, sizeof(dir));
	if (dir[0])
		sh("rm -rf %s; rmdir \"$(dirname %s)\" 2>/dev/null", dir, dir);
}

static void down(void)
{
	unpin();
	topo_down(&topo);
}

#define UDP_N 7
#define ARP_N 5
#define MARK_CHAIN_STR "chain 117847783"
_Static_assert(PC_TC_MARK_CHAIN == 117847783u, "MARK_CHAIN_STR is pktcount's mark");

static const unsigned int udp_rx = PC_SLOT_IPV4 + 17;
static const unsigned int arp_rx = PC_SLOT_L3(PC_L3_ARP);

/* Whether the kernel has chain objects (4.19): where it does, a clsact pktcount made carries the mark. */
static int chain_objects(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	cr_assert_eq(uname(&u), 0);
	sscanf(u.release, "%d.%d", &major, &minor);
	return major > 4 || (major == 4 && minor >= 19);
}

static int occurrences(const char *s, const char *what)
{
	int n = 0;

	for (; (s = strstr(s, what)); s++)
		n++;
	return n;
}

/*
 * vb's qdisc after a step: clsact there or not; when there, with pktcount's
 * mark or not (where the kernel has chains), and this many pktcount filters
 * on each of ingress and egress.
 */
static void expect_clsact(const char *step, int present, int marked, int filters)
{
	char *qdisc = sh_out("ip netns exec %s tc qdisc show dev vb", topo.b);
	char *in = sh_out("ip netns exec %s tc filter show dev vb ingress", topo.b);
	char *eg = sh_out("ip netns exec %s tc filter show dev vb egress", topo.b);
	char *chains = present && chain_objects() ? sh_out("ip netns exec %s tc chain show dev vb ingress", topo.b)
						  : NULL;

	cr_expect_eq(strstr(qdisc, "qdisc clsact") != NULL, present, "%s: clsact %s:\n%s", step,
		     present ? "gone" : "left", qdisc);
	if (chains)
		cr_expect_eq(strstr(chains, MARK_CHAIN_STR) != NULL, marked, "%s: pktcount's mark %s:\n%s", step,
			     marked ? "missing" : "on a clsact pktcount did not make", chains);
	cr_expect_eq(occurrences(in, " pktcount direct-action"), filters, "%s: ingress:\n%s", step, in);
	cr_expect_eq(occurrences(eg, " pktcount direct-action"), filters, "%s: egress:\n%s", step, eg);
	free(qdisc);
	free(in);
	free(eg);
	free(chains);
}

/* A live run in tc mode through clsact on vb, attached (its first record printed). */
static void live(struct pktcount_proc *p)
{
	counting_start(p, topo.b, "vb", "tc:clsact");
}

/* End a live run with sig (0: signalled already); it exits 0 and counted rounds of send_known(). */
static void live_end(struct pktcount_proc *p, int sig, int rounds)
{
	struct run_output r;
	char err[256];

	cr_assert_eq(pktcount_finish(p, sig, WAIT_MS), 0, "exit %d: %s", p->status, p->err ? p->err : "");
	cr_assert_eq(parse_output(p->out, "vb", &r, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(r.totals[udp_rx].packets, (uint64_t)rounds * UDP_N, "UDP %llu, want %d",
		     (unsigned long long)r.totals[udp_rx].packets, rounds * UDP_N);
	cr_expect_eq(r.totals[udp_rx].bytes, (uint64_t)rounds * UDP_N * 60);
	cr_expect_eq(r.totals[arp_rx].packets, (uint64_t)rounds * ARP_N);
	cr_expect_eq(dir_sum(r.totals, PC_DIR_RX).packets, (uint64_t)rounds * (UDP_N + ARP_N), "nothing else arrived");
	free(p->out);
	free(p->err);
}

/* UDP_N UDP frames and ARP_N ARP requests out of va, and each run's records say it has them all so far */
static void send_known(struct pktcount_proc *const runs[], int n, int rounds)
{
	struct known_traffic known = { "va", UDP_N, ARP_N, 0 };
	int i;

	cr_assert_eq(in_netns(topo.a, send_known_traffic, &known), 0);
	for (i = 0; i < n; i++)
		pktcount_wait_counted(runs[i], "vb", COUNT_RX, (uint64_t)rounds * (UDP_N + ARP_N), WAIT_MS);
}

/* pktcount with argv in topo.b, run to its end with exit 0 */
static void run_ok(const char *const argv[])
{
	struct pktcount_proc p;

	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	cr_assert_eq(pktcount_finish(&p, 0, WAIT_MS), 0, "%s exit %d: %s", argv[0], p.status, p.err ? p.err : "");
	free(p.out);
	free(p.err);
}

static const char *const persist[] = { "--persist", "--tc-attach", "clsact", "vb", NULL };
static const char *const rm[] = { "--remove", "vb", NULL };

static void up(void)
{
	NEED_ROOT("network namespaces and tc");
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	sh_ok("mount | grep -q ' %s type bpf' || mount -t bpf bpf %s", PC_PIN_FS, PC_PIN_FS);
	/* pins a crashed run left under a deleted namespace of the same inode (issue 22, item 1) */
	unpin();
}

/* Live A makes the qdisc, live B joins; A exits first, B's filters stay and count, B's exit removes it. */
Test(clsact, maker_exits_first, .fini = down, .timeout = 90)
{
	struct pktcount_proc a, b;

	up();
	live(&a);
	expect_clsact("A attached", 1, 1, 1);
	live(&b);
	expect_clsact("B attached", 1, 1, 2);
	send_known((struct pktcount_proc *[]){ &a, &b }, 2, 1);
	live_end(&a, SIGTERM, 1);
	expect_clsact("A exited", 1, 1, 1);
	send_known((struct pktcount_proc *[]){ &b }, 1, 2);
	live_end(&b, SIGTERM, 2);
	expect_clsact("B exited", 0, 0, 0);
}

/*
 * Live A makes it, B joins and exits first, then A; then both again, ended
 * at once, a few times: whichever finds it empty last removes it.
 */
#define AT_ONCE 5
Test(clsact, maker_exits_last_and_both_at_once, .fini = down, .timeout = 120)
{
	struct pktcount_proc a, b;
	int i;

	up();
	live(&a);
	live(&b);
	expect_clsact("A and B attached", 1, 1, 2);
	live_end(&b, SIGTERM, 0);
	expect_clsact("B exited", 1, 1, 1);
	live_end(&a, SIGTERM, 0);
	expect_clsact("A exited", 0, 0, 0);

	for (i = 0; i < AT_ONCE; i++) {
		live(&a);
		live(&b);
		expect_clsact("A and B again", 1, 1, 2);
		kill(a.pid, SIGTERM);
		kill(b.pid, SIGTERM);
		live_end(&a, 0, 0);
		live_end(&b, 0, 0);
		expect_clsact("both ended at once", 0, 0, 0);
	}
}

/*
 * --persist and live runs in either order.  --persist makes it, a live run
 * reads the pinned counters (attaching nothing), --remove removes it while
 * that run still reads; then a live run makes it, --persist joins, the
 * live run exits (the pinned filters stay, counting), --remove removes it.
 */
Test(clsact, persist_and_live_in_either_order, .fini = down, .timeout = 90)
{
	struct pktcount_proc a;

	up();
	run_ok(persist);
	expect_clsact("--persist", 1, 1, 1);
	live(&a);
	cr_expect_eq(pktcount_wait_err(&a, "reading the counters pinned", 1, WAIT_MS), 0, "the live run attached: %s",
		     a.err);
	expect_clsact("a live run reading the pins", 1, 1, 1);
	run_ok(rm);
	expect_clsact("--remove", 0, 0, 0);
	cr_assert_eq(pktcount_finish(&a, SIGTERM, WAIT_MS), 0, "exit %d: %s", a.status, a.err);
	free(a.out);
	free(a.err);
	expect_clsact("the reader exited", 0, 0, 0);

	live(&a);
	expect_clsact("live", 1, 1, 1);
	run_ok(persist);
	expect_clsact("--persist beside it", 1, 1, 2);
	send_known((struct pktcount_proc *[]){ &a }, 1, 1);
	live_end(&a, SIGTERM, 1);
	expect_clsact("the live run exited", 1, 1, 1);
	run_ok(rm);
	expect_clsact("--remove", 0, 0, 0);
}

/*
 * A clsact another tool made is never removed, even empty: made before
 * pktcount (live runs in both orders, --persist and --remove), or made
 * anew in the place of one a pktcount made (which took that pktcount's
 * filters with it).
 */
Test(clsact, another_tools_qdisc_never_removed, .fini = down, .timeout = 120)
{
	struct pktcount_proc a, b;

	up();
	sh_ok("ip netns exec %s tc qdisc add dev vb clsact", topo.b);
	expect_clsact("the user's clsact", 1, 0, 0);
	live(&a);
	live(&b);
	expect_clsact("A and B on it", 1, 0, 2);
	live_end(&a, SIGTERM, 0);
	live_end(&b, SIGTERM, 0);
	expect_clsact("A, then B exited", 1, 0, 0);
	live(&a);
	live(&b);
	live_end(&b, SIGTERM, 0);
	live_end(&a, SIGTERM, 0);
	expect_clsact("B, then A exited", 1, 0, 0);
	run_ok(persist);
	live(&a);
	run_ok(rm);
	live_end(&a, SIGTERM, 0);
	expect_clsact("--persist, live, --remove, live exit", 1, 0, 0);

	sh_ok("ip netns exec %s tc qdisc del dev vb clsact", topo.b);
	live(&a);
	expect_clsact("a live run made it", 1, 1, 1);
	sh_ok("ip netns exec %s tc qdisc del dev vb clsact && ip netns exec %s tc qdisc add dev vb clsact", topo.b,
	      topo.b);
	live_end(&a, SIGTERM, 0);
	expect_clsact("the user's, made in its place: the live run exited", 1, 0, 0);
	sh_ok("ip netns exec %s tc qdisc del dev vb clsact", topo.b);
	run_ok(persist);
	sh_ok("ip netns exec %s tc qdisc del dev vb clsact && ip netns exec %s tc qdisc add dev vb clsact", topo.b,
	      topo.b);
	run_ok(rm);
	expect_clsact("the user's, made in the place of --persist's: --remove", 1, 0, 0);
}

/*
 * Holding pktcounts' lock on vb's clsact (src/tcnl.h) in topo.b, in a
 * child: it binds the name and says so on ready, then holds it until
 * release is closed.
 */
struct holder {
	pid_t pid;
	int release;
};

static void hold_lock(struct holder *h)
{
	int ready[2], release[2];
	char c;

	/* close-on-exec: a pktcount started while it holds must not keep release open */
	cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(release, O_CLOEXEC), 0);
	h->pid = fork();
	cr_assert_geq(h->pid, 0);
	if (h->pid == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd, n;

		close(ready[0]);
		close(release[1]);
		if (join_netns(topo.b) < 0)
			_exit(20);
		n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "pktcount/clsact/%u", if_nametoindex("vb"));
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
									  (size_t)n)) < 0)
			_exit(21);
		if (write(ready[1], "1", 1) != 1)
			_exit(22);
		while (read(release[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	cr_assert_eq(read(ready[0], &c, 1), 1, "the lock holder failed");
	close(ready[0]);
	h->release = release[1];
}

static void release_lock(struct holder *h)
{
	int st;

	close(h->release);
	cr_assert_eq(waitpid(h->pid, &st, 0), h->pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "lock holder: %d", st);
}

/*
 * The last pktcount leaving deletes the empty qdisc while another is
 * adding to it: the test plays the one leaving (its lock held, A killed,
 * the qdisc deleted), B waits for the lock, then makes the qdisc again and
 * counts on it; B's filters are never deleted under it.
 */
Test(clsact, no_qdisc_deleted_under_an_adder, .fini = down, .timeout = 90)
{
	const char *argv[] = { "-v", "-j", "-i", "0.2", "-m", "tc", "--tc-attach", "clsact", "vb", NULL };
	struct pktcount_proc a, b;
	struct holder h;

	up();
	live(&a);
	hold_lock(&h);
	cr_assert_eq(pktcount_start(&b, topo.b, argv), 0);
	cr_assert_eq(pktcount_wait_err(&b, "vb: --tc-attach clsact: a clsact filter", 1, WAIT_MS), 0,
		     "B never came to attaching: %s", b.err);
	pktcount_finish(&a, SIGKILL, WAIT_MS);
	free(a.out);
	free(a.err);
	sh_ok("ip netns exec %s tc qdisc del dev vb clsact", topo.b);
	release_lock(&h);
	cr_assert_eq(pktcount_wait_line(&b, WAIT_MS), 0, "B did not attach: %s", b.err);
	expect_clsact("B attached", 1, 1, 1);
	send_known((struct pktcount_proc *[]){ &b }, 1, 1);
	live_end(&b, SIGTERM, 1);
	expect_clsact("B exited", 0, 0, 0);
}

/*
 * Another tool's chain on a clsact pktcount made (a chain template, or one
 * kept for a goto) is its set-up too: the qdisc stays while it is there,
 * and the next pktcount to leave it empty once it is gone removes it.
 */
Test(clsact, another_tools_chain_keeps_it, .fini = down, .timeout = 90)
{
	struct pktcount_proc a;

	up();
	live(&a);
	sh_ok("ip netns exec %s tc chain add dev vb egress chain 7", topo.b);
	live_end(&a, SIGTERM, 0);
	expect_clsact("chain 7 added, the maker exited", 1, 1, 0);
	sh_ok("ip netns exec %s tc chain show dev vb egress | grep -q 'chain 7'", topo.b);
	sh_ok("ip netns exec %s tc chain del dev vb egress chain 7", topo.b);
	live(&a);
	expect_clsact("chain 7 gone, a live run", 1, 1, 1);
	live_end(&a, SIGTERM, 0);
	expect_clsact("that run exited", 0, 0, 0);
}

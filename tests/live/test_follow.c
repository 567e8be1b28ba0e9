// SPDX-License-Identifier: GPL-2.0
/*
 * Interfaces that come, go and change names under a running pktcount, as on
 * a router whose links churn: bursts of deletions and re-creations among
 * hundreds of veth pairs (with and without pktcount stopped meanwhile, so
 * that its link events overflow), renames, interfaces that vanish while -a
 * starts.  Every test checks the totals against the frames it sent, that
 * no event is false, and that no descriptor leaks.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

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

#define FRAMES 5	/* UDP frames of 60 bytes per interface per round */

/* rx IPv4 UDP: what send_known_traffic() sends */
static unsigned int udp_key(void)
{
	return pc_key_make(PC_DIR_RX, PC_L3_IPV4, 17);
}

/* ip -n ns -batch over what fill() writes, one command a line, for pairs 1..n */
static void ip_batch(const char *ns, int n, void (*fill)(FILE *f, int n))
{
	char path[] = "/tmp/pktcount-batch-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	cr_assert_not_null(f);
	fill(f, n);
	cr_assert_eq(fclose(f), 0);
	sh_ok("ip -n %s -batch %s", ns, path);
	unlink(path);
}

static void add_pairs(FILE *f, int n)
{
	for (int i = 1; i <= n; i++)
		fprintf(f, "link add pa%d type veth peer name pb%d netns %s\n", i, i, topo.b);
	for (int i = 1; i <= n; i++)
		fprintf(f, "link set pa%d up\n", i);
}

static void del_pairs(FILE *f, int n)
{
	for (int i = 1; i <= n; i++)
		fprintf(f, "link del pa%d\n", i);
}

static void del_and_add_pairs(FILE *f, int n)
{
	del_pairs(f, n);
	add_pairs(f, n);
}

static void up_b_ends(FILE *f, int n)
{
	for (int i = 1; i <= n; i++)
		fprintf(f, "link set pb%d up\n", i);
}

/*
 * Both ends of pairs 1..n UP: the kernel's link watch has run for them, so
 * a frame sent now goes out (before, the qdisc drops it, and sendto() says
 * nothing).
 */
static void wait_pairs_up(int n)
{
	wait_links_up(topo.a, "pa*", n, WAIT_MS);
	wait_links_up(topo.b, "pb*", n, WAIT_MS);
}

/* npairs veth pairs paI (in topo.a) and pbI (in topo.b), I from 1, all up. */
static void pairs_up(int npairs)
{
	ip_batch(topo.a, npairs, add_pairs);
	ip_batch(topo.b, npairs, up_b_ends);
	wait_pairs_up(npairs);
}

/*
 * One ip -batch: delete pairs 1..n, make them again, bring both ends up;
 * then wait until they are UP: every link event of the burst has been sent.
 */
static void churn(int n, int npairs)
{
	ip_batch(topo.a, n, del_and_add_pairs);
	ip_batch(topo.b, n, up_b_ends);
	wait_pairs_up(npairs);
}

struct send_range {
	int first, last;
};

/* FRAMES UDP frames out of each of paFIRST..paLAST (in topo.a). */
static int send_range(void *arg)
{
	const struct send_range *r = arg;
	char name[16];
	int i, ret;

	for (i = r->first; i <= r->last; i++) {
		struct known_traffic k = { name, FRAMES, 0, 0 };

		snprintf(name, sizeof(name), "pa%d", i);
		ret = send_known_traffic(&k);
		if (ret)
			return ret;
	}
	return 0;
}

static void send_on(int first, int last)
{
	struct send_range r = { first, last };

	cr_assert_eq(in_netns(topo.a, send_range, &r), 0, "sending on pa%d..pa%d", first, last);
}

/* Interfaces and how many of send_known_traffic()'s UDP frames each has counted, or more */
#define NAMES_MAX 300
struct counted {
	char name[NAMES_MAX][IF_NAMESIZE];
	uint64_t want[NAMES_MAX];
	int n, done;	/* done: the first ones that have (totals never go back) */
};

static void counted_add(struct counted *c, const char *name, uint64_t want)
{
	cr_assert_lt(c->n, NAMES_MAX);
	snprintf(c->name[c->n], sizeof(c->name[0]), "%s", name);
	c->want[c->n++] = want;
}

/* pbFIRST..pbLAST, want each */
static void counted_range(struct counted *c, int first, int last, uint64_t want)
{
	char name[IF_NAMESIZE];

	for (int i = first; i <= last; i++) {
		snprintf(name, sizeof(name), "pb%d", i);
		counted_add(c, name, want);
	}
}

static int all_counted(struct pktcount_proc *p, void *arg)
{
	struct counted *c = arg;

	while (c->done < c->n && json_counted(p->out, p->out_len, c->name[c->done], (int)udp_key()) >=
				 (int64_t)c->want[c->done])
		c->done++;
	return c->done == c->n;
}

/*
 * Wait until pktcount's interval records say every interface of c counted
 * its frames (counted or dropped by the kernel: expect_frames() judges which).
 * On a timeout the test goes on to its exact assertions, which say what is wrong.
 */
static void wait_counted(struct pktcount_proc *p, struct counted *c, int max_ms)
{
	c->done = 0;
	if (pktcount_wait_until(p, all_counted, c, max_ms))
		cr_log_info("%s: counted %lld of %llu after %d ms", c->name[c->done],
			    (long long)json_counted(p->out, p->out_len, c->name[c->done], (int)udp_key()),
			    (unsigned long long)c->want[c->done], max_ms);
}

static void wait_range_counted(struct pktcount_proc *p, int first, int last, uint64_t want, int max_ms)
{
	static struct counted c;

	memset(&c, 0, sizeof(c));
	counted_range(&c, first, last, want);
	wait_counted(p, &c, max_ms);
}

static int open_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	cr_assert_not_null(d, "%s", path);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The descriptors pid has open, once they are want: one of the moment (a link query's) goes; a leak stays */
static int fds_settled(pid_t pid, int want, int max_ms)
{
	int n, waited;

	for (waited = 0; (n = open_fds(pid)) != want && waited < max_ms; waited += WAIT_POLL_MS)
		usleep(WAIT_POLL_MS * 1000);
	return n;
}

static int count_str(const char *s, const char *what)
{
	int n = 0;

	for (; s && (s = strstr(s, what)); s += strlen(what))
		n++;
	return n;
}

/* How many event records of kind ev name iface exactly. */
static int events_of(const char *out, const char *iface, const char *mode, const char *ev)
{
	char what[128];

	snprintf(what, sizeof(what), "\"iface\":\"%s\",\"mode\":\"%s\",\"unit\":\"%s\",\"event\":\"%s\"",
		 iface, mode, unit_of(mode), ev);
	return count_str(out, what);
}

/* iface's total record, as pktcount wrote it: up to its newline, or NULL. */
static const char *total_record(const char *out, const char *iface, size_t *len)
{
	char what[64];
	const char *t;

	snprintf(what, sizeof(what), "\"iface\":\"%s\",", iface);
	for (t = out; (t = strstr(t, "\"type\":\"total\"")); t++) {
		const char *eol = strchr(t, '\n'), *w = strstr(t, what);

		*len = eol ? (size_t)(eol - t) : strlen(t);
		if (w && w < t + *len)
			return t;
	}
	return NULL;
}

/* The value of a record's "name":N, 0 when it has none. */
static uint64_t record_u64(const char *rec, size_t len, const char *name)
{
	const char *v = rec ? memmem(rec, len, name, strlen(name)) : NULL;

	return v ? strtoull(v + strlen(name), NULL, 10) : 0;
}

/*
 * The running pktcount's totals for iface: exactly want frames of 60 bytes,
 * but for those the kernel says it dropped before the tap saw them (a
 * userspace ring full under the burst's load: the record then says
 * lower_bound).  Counted plus dropped is what was sent, exactly: the kernel
 * counts a drop per frame a socket's ring had no room for.  But in pcap mode,
 * where each direction's libpcap handle gets every frame and sorts them in
 * userspace (src/pcap.c), a frame the tx handle dropped may be one the rx
 * handle counted: there the drops bound what was lost from above.
 */
static void expect_frames(const char *out, const char *iface, uint64_t want)
{
	struct run_output r;
	char err[256];
	size_t len = 0;
	const char *rec = total_record(out, iface, &len);
	uint64_t drops = record_u64(rec, len, "\"drops\":"), got;
	int pcap = rec && memmem(rec, len, "\"mode\":\"pcap\"", 13);

	cr_assert_eq(parse_output(out, iface, &r, err, sizeof(err)), 0, "%s: %s", iface, err);
	got = r.totals[udp_key()].packets;
	if (got != want)
		/* info, not warn: Criterion exits 1 after any warning, whatever passed */
		cr_log_info("%s's total record: %.*s", iface, (int)(len < 400 ? len : 400), rec ? rec : "");
	if (pcap)
		cr_expect(got <= want && want <= got + drops, "%s: %llu frames, %llu dropped by the kernel, sent %llu",
			  iface, (unsigned long long)got, (unsigned long long)drops, (unsigned long long)want);
	else
		cr_expect_eq(got + drops, want, "%s: %llu frames and %llu dropped by the kernel, sent %llu", iface,
			     (unsigned long long)got, (unsigned long long)drops, (unsigned long long)want);
	cr_expect_eq(r.totals[udp_key()].bytes, got * 60, "%s: bytes", iface);
}

struct churn_case {
	const char *mode;
	int stop;	/* SIGSTOP pktcount during the burst: its events overflow for sure */
};

#define PAIRS 300
#define CHURNED 100

/*
 * 300 pairs counted with -a, 100 of them deleted and made again in one
 * burst: every one is detached and attached exactly once, the others not at
 * all, every frame is counted, and the descriptors are as many as before.
 * The soft descriptor limit is set to 256, below what 300 taps need: pktcount
 * must raise it itself.
 */
static void churn_test(const struct churn_case *cc)
{
	const char *argv[] = { "-a", "-j", "-i", "1", "-m", cc->mode, NULL };
	struct rlimit rl, low;
	struct pktcount_proc p;
	char name[16];
	int i, fds0, fds1;

	NEED_ROOT("network namespaces");
	if (!mode_built_in(cc->mode))
		cr_skip_test("this pktcount was built without %s mode", cc->mode);
	topo_up(&topo, 0, 0);
	pairs_up(PAIRS);
	topo_wait_quiet(&topo, 200, WAIT_MS);
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	low = rl;
	low.rlim_cur = 256;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	i = pktcount_start(&p, topo.b, argv);
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	cr_assert_eq(i, 0);
	cr_assert_eq(pktcount_wait_for(&p, "\"type\":\"interval\"", PAIRS + 3, WAIT_MANY_MS), 0,
		     "pktcount did not start on %d interfaces", PAIRS + 3);
	send_on(1, CHURNED + 20);
	/* the frames reach the taps before their interfaces go: a deleted device's backlog is dropped */
	wait_range_counted(&p, 1, CHURNED + 20, FRAMES, WAIT_MANY_MS);
	fds0 = open_fds(p.pid);
	if (cc->stop)
		cr_assert_eq(kill(p.pid, SIGSTOP), 0);
	/* stopped, it sees none of the burst's events, the link watch's last ones included */
	churn(CHURNED, PAIRS);
	if (cc->stop)
		cr_assert_eq(kill(p.pid, SIGCONT), 0);
	cr_assert_eq(pktcount_wait_for(&p, "\"event\":\"attached\"", CHURNED, WAIT_MANY_MS), 0,
		     "%d attached events of %d", count_str(p.out, "\"event\":\"attached\""), CHURNED);
	send_on(1, CHURNED + 20);
	wait_range_counted(&p, 1, CHURNED + 20, 2 * FRAMES, WAIT_MANY_MS);
	/*
	 * A leak stays; a descriptor of the moment goes (the netlink socket of
	 * a link query, src/netlink.c nl_getlink(); an ioctl's socket): ask
	 * again until it went.
	 */
	fds1 = fds_settled(p.pid, fds0, WAIT_MS);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MANY_MS), 0, "exit %d: %s", p.status, p.err);
	cr_expect_eq(fds1, fds0, "%d descriptors before the burst, %d after", fds0, fds1);
	cr_expect_eq(count_str(p.out, "\"event\":\"detached\""), CHURNED);
	cr_expect_eq(count_str(p.out, "\"event\":\"attached\""), CHURNED);
	cr_expect_eq(count_str(p.out, "\"event\":\"renamed\""), 0);
	cr_expect(strstr(p.err, "raising the open-file limit from 256 to") != NULL, "%s", p.err);
	for (i = 1; i <= PAIRS; i++) {
		int churned = i <= CHURNED;

		snprintf(name, sizeof(name), "pb%d", i);
		cr_expect_eq(events_of(p.out, name, cc->mode, "detached"), churned, "%s", name);
		cr_expect_eq(events_of(p.out, name, cc->mode, "attached"), churned, "%s", name);
		expect_frames(p.out, name, i <= CHURNED + 20 ? 2 * FRAMES : 0);
	}
	free(p.out);
	free(p.err);
}

Test(follow, ebpf_burst, .fini = down, .timeout = 600)
{
	churn_test(&(struct churn_case){ "ebpf", 0 });
}

Test(follow, tc_burst, .fini = down, .timeout = 600)
{
	churn_test(&(struct churn_case){ "tc", 0 });
}

Test(follow, classic_burst, .fini = down, .timeout = 600)
{
	churn_test(&(struct churn_case){ "classic", 0 });
}

Test(follow, ebpf_stopped_during_burst, .fini = down, .timeout = 600)
{
	churn_test(&(struct churn_case){ "ebpf", 1 });
}

Test(follow, classic_stopped_during_burst, .fini = down, .timeout = 600)
{
	churn_test(&(struct churn_case){ "classic", 1 });
}

Test(follow, pcap_burst, .fini = down, .timeout = 600)
{
	churn_test(&(struct churn_case){ "pcap", 0 });
}

Test(follow, pcap_stopped_during_burst, .fini = down, .timeout = 600)
{
	churn_test(&(struct churn_case){ "pcap", 1 });
}

/* Three pairs, pktcount started on them in b, and FRAMES sent on each. */
static void start_on_3_pairs(struct pktcount_proc *p, const char *const argv[])
{
	topo_up(&topo, 0, 0);
	pairs_up(3);
	topo_wait_quiet(&topo, 200, WAIT_MS);
	cr_assert_eq(pktcount_start(p, topo.b, argv), 0);
	cr_assert_eq(pktcount_wait_line(p, WAIT_MS), 0);
	send_on(1, 3);
	wait_range_counted(p, 1, 3, FRAMES, WAIT_MS);
}

/* As udev renames: down, new name, up (a name cannot change while up). */
static void rename_link(const char *from, const char *to)
{
	sh_ok("ip -n %s link set %s down && ip -n %s link set %s name %s && ip -n %s link set %s up",
	      topo.b, from, topo.b, from, to, topo.b, to);
}

/*
 * ip link set pb1 down; ip link set pb1 name renamed1; ip link set renamed1
 * up: the tap follows the device and takes its new name, one "renamed"
 * event and no other, its totals go on from what it had, no other tap is
 * touched, and no descriptor leaks.
 */
static void rename_test(const char *mode)
{
	const char *argv[] = { "-a", "-j", "-i", "0.2", "-m", mode, NULL };
	struct pktcount_proc p;
	struct run_output r;
	char err[256];
	int fds0, fds1;

	NEED_ROOT("network namespaces");
	if (!mode_built_in(mode))
		cr_skip_test("this pktcount was built without %s mode", mode);
	start_on_3_pairs(&p, argv);
	fds0 = open_fds(p.pid);
	rename_link("pb1", "renamed1");
	cr_assert_eq(pktcount_wait_for(&p, "\"event\":\"renamed\"", 1, WAIT_MS), 0, "%s", p.out);
	/* down and up again: pa1 carries frames once the link watch made both ends UP */
	wait_links_up(topo.a, "pa1", 1, WAIT_MS);
	wait_links_up(topo.b, "renamed1", 1, WAIT_MS);
	send_on(1, 3);
	{
		static struct counted c;

		memset(&c, 0, sizeof(c));
		counted_add(&c, "renamed1", 2 * FRAMES);
		counted_range(&c, 2, 3, 2 * FRAMES);
		wait_counted(&p, &c, WAIT_MS);
	}
	fds1 = fds_settled(p.pid, fds0, WAIT_MS);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "exit %d: %s", p.status, p.err);
	cr_expect_eq(fds1, fds0, "%d descriptors before the rename, %d after", fds0, fds1);
	cr_expect_eq(events_of(p.out, "renamed1", mode, "renamed"), 1, "%s", p.out);
	cr_expect(strstr(p.out, "\"event\":\"renamed\",\"from\":\"pb1\"") != NULL, "%s", p.out);
	cr_expect_eq(count_str(p.out, "\"type\":\"event\""), 1, "%s", p.out);
	expect_frames(p.out, "renamed1", 2 * FRAMES);
	expect_frames(p.out, "pb2", 2 * FRAMES);
	expect_frames(p.out, "pb3", 2 * FRAMES);
	cr_expect_neq(parse_output(p.out, "pb1", &r, err, sizeof(err)), 0,
		      "a total record for the old name pb1");
	free(p.out);
	free(p.err);
}

Test(follow, ebpf_rename, .fini = down, .timeout = 60)
{
	rename_test("ebpf");
}

Test(follow, classic_rename, .fini = down, .timeout = 60)
{
	rename_test("classic");
}

Test(follow, pcap_rename, .fini = down, .timeout = 60)
{
	rename_test("pcap");
}

/*
 * A named interface renamed as udev renames at boot (eth0 -> enx...): it
 * is reported under its new name.  Then pb2 is deleted and pb3 takes its
 * name: pb3's counts are folded into the series "pb2", which never goes
 * back, and there is no second tap of one name.
 */
Test(follow, udev_rename_and_a_name_taken_over, .fini = down, .timeout = 60)
{
	const char *argv[] = { "-j", "-i", "0.2", "pb1", "pb2", "pb3", NULL };
	struct pktcount_proc p;

	NEED_ROOT("network namespaces");
	start_on_3_pairs(&p, argv);
	rename_link("pb1", "enx001122");
	sh_ok("ip -n %s link del pa2", topo.a);
	cr_assert_eq(pktcount_wait_for(&p, "\"event\":\"detached\"", 1, WAIT_MS), 0, "%s", p.out);
	rename_link("pb3", "pb2");
	cr_assert_eq(pktcount_wait_for(&p, "\"event\":\"renamed\"", 2, WAIT_MS), 0, "%s", p.out);
	wait_links_up(topo.a, "pa1", 1, WAIT_MS);
	wait_links_up(topo.a, "pa3", 1, WAIT_MS);
	wait_links_up(topo.b, "enx001122", 1, WAIT_MS);
	wait_links_up(topo.b, "pb2", 1, WAIT_MS);
	send_on(1, 1);
	send_on(3, 3);
	{
		static struct counted c;

		memset(&c, 0, sizeof(c));
		counted_add(&c, "enx001122", 2 * FRAMES);
		counted_add(&c, "pb2", 3 * FRAMES);	/* its series: the old pb2's, then pb3's folded in */
		wait_counted(&p, &c, WAIT_MS);
	}
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "exit %d: %s", p.status, p.err);
	cr_expect_eq(events_of(p.out, "enx001122", "ebpf", "renamed"), 1, "%s", p.out);
	cr_expect_eq(events_of(p.out, "pb2", "ebpf", "detached"), 1, "%s", p.out);
	cr_expect_eq(events_of(p.out, "pb2", "ebpf", "renamed"), 1, "%s", p.out);
	cr_expect_eq(count_str(p.out, "\"type\":\"event\""), 3, "%s", p.out);
	expect_frames(p.out, "enx001122", 2 * FRAMES);
	/* the old pb2's frames, and the old pb3's before and after it took the name */
	expect_frames(p.out, "pb2", 3 * FRAMES);
	cr_expect_eq(count_str(p.out, "\"type\":\"total\""), 2, "%s", p.out);
	free(p.out);
	free(p.err);
}

/*
 * Interfaces deleted while -a starts (auto mode): each one that vanished is
 * skipped with a line saying so, the others are counted, exactly.  Which
 * ones vanish before the list and which between the list and the attach
 * depends on timing; every outcome must hold.
 */
Test(follow, deleted_while_all_starts, .fini = down, .timeout = 600)
{
	const char *argv[] = { "-a", "-j", "-i", "0.5", NULL };
	struct pktcount_proc p;
	char name[16];
	int i;

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	pairs_up(200);
	topo_wait_quiet(&topo, 200, WAIT_MS);
	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	ip_batch(topo.a, 100, del_pairs);
	cr_assert_eq(pktcount_wait_line(&p, WAIT_MANY_MS), 0, "exit %d: %s", pktcount_finish(&p, 0, 1000), p.err);
	/* pb101..pb200 each in a record: their taps count (every tap opens before the first record) */
	wait_range_counted(&p, 101, 200, 0, WAIT_MS);
	send_on(101, 200);
	wait_range_counted(&p, 101, 200, FRAMES, WAIT_MS);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MANY_MS), 0, "exit %d: %s", p.status, p.err);
	for (i = 101; i <= 200; i++) {
		snprintf(name, sizeof(name), "pb%d", i);
		expect_frames(p.out, name, FRAMES);
	}
	/* which outcomes this run saw: the race is timing's (here, 4 skipped of 100 is usual) */
	{
		int skipped = 0;

		for (const char *l = p.err; (l = strstr(l, "skipped: it vanished")); l++)
			skipped++;
		cr_log_info("deleted while -a started: %d skipped at open, %d detached after", skipped,
			    count_str(p.err, ": detached ("));
	}
	/* every stderr line is a skip, a detach of one counted a moment, or the limit raised */
	for (const char *l = p.err; *l; l = strchr(l, '\n') + 1) {
		cr_assert_not_null(strchr(l, '\n'));
		cr_expect(strstr(l, "skipped: it vanished while pktcount started") ||
			  strstr(l, ": No such device") || strstr(l, ": detached (") ||
			  strstr(l, "raising the open-file limit"), "unexpected line: %.*s",
			  (int)(strchr(l, '\n') - l), l);
	}
	free(p.out);
	free(p.err);
}

/* Whether name's records count an ARP frame (received) */
static int arp_counted(struct pktcount_proc *p, void *name)
{
	return json_counted(p->out, p->out_len, name, (int)pc_key_make(PC_DIR_RX, PC_L3_ARP, PC_PROTO_NONE)) >= 1;
}

/*
 * libpcap refuses an interface that is down; -m pcap -a must count the
 * others at once and that one from when it comes up.
 */
Test(follow, pcap_interface_down_at_start, .fini = down, .timeout = 60)
{
	const char *argv[] = { "-m", "pcap", "-a", "-j", "-i", "0.2", NULL };
	struct known_traffic probe = { "pa1", 0, 1, 0 };
	struct pktcount_proc p;
	struct timespec t0, t1;

	NEED_ROOT("network namespaces");
	if (!mode_built_in("pcap"))
		cr_skip_test("this pktcount was built without libpcap");
	topo_up(&topo, 0, 0);
	pairs_up(2);
	sh_ok("ip -n %s link set pb1 down", topo.b);
	topo_wait_quiet(&topo, 200, WAIT_MS);
	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0, "exit %d: %s", pktcount_finish(&p, 0, 1000), p.err);
	send_on(2, 2);
	sh_ok("ip -n %s link set pb1 up", topo.b);
	wait_links_up(topo.a, "pa1", 1, WAIT_MS);
	wait_links_up(topo.b, "pb1", 1, WAIT_MS);
	/*
	 * Its handles open on the link event, and nothing says when (no
	 * "attached": it was a tap from the start): ARP probes out of pa1 until
	 * pb1's records count one.  The UDP frames the test counts come after.
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		cr_assert_eq(in_netns(topo.a, send_known_traffic, &probe), 0);
		if (!pktcount_wait_until(&p, arp_counted, "pb1", 500))
			break;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		cr_assert_lt((t1.tv_sec - t0.tv_sec) * 1000, WAIT_MS, "pb1 never counted a probe:\n%s", p.out);
	}
	send_on(1, 2);
	{
		static struct counted c;

		memset(&c, 0, sizeof(c));
		counted_add(&c, "pb1", FRAMES);
		counted_add(&c, "pb2", 2 * FRAMES);
		wait_counted(&p, &c, WAIT_MS);
	}
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "exit %d: %s", p.status, p.err);
	expect_frames(p.out, "pb1", FRAMES);
	expect_frames(p.out, "pb2", 2 * FRAMES);
	free(p.out);
	free(p.err);
}

/* 150 veth pairs made and deleted: 600 link events, more than a stopped reader's socket holds */
static void flood_events(FILE *f, int n)
{
	for (int i = 0; i < n; i++)
		fprintf(f, "link add fl%d type veth peer name fm%d\n", i, i);
	for (int i = 0; i < n; i++)
		fprintf(f, "link del fl%d\n", i);
}

static int ifindex_in(const char *ns, const char *dev)
{
	char cmd[256];
	int v = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /sys/class/net/%s/ifindex", ns, dev);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	pclose(f);
	return v;
}

/*
 * While pktcount is stopped and its link events overflow, pb1 is moved to
 * another namespace and back: same name, same ifindex, but its packet
 * socket lost the device (unregistered) and would count nothing.  The
 * reading of all links must see that (getsockname) and attach again.
 */
Test(follow, back_under_the_same_index_after_lost_events, .fini = down, .timeout = 90)
{
	const char *argv[] = { "-a", "-j", "-i", "0.2", NULL };
	struct pktcount_proc p;
	int before;
	char want[128];

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	pairs_up(2);
	topo_third(&topo);
	topo_wait_quiet(&topo, 200, WAIT_MS);
	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0);
	before = ifindex_in(topo.b, "pb1");
	cr_assert_eq(kill(p.pid, SIGSTOP), 0);
	ip_batch(topo.b, 150, flood_events);
	sh_ok("ip -n %s link set pb1 netns %s && ip -n %s link set pb1 netns %s && ip -n %s link set pb1 up",
	      topo.b, topo.c, topo.c, topo.b, topo.b);
	cr_assert_eq(ifindex_in(topo.b, "pb1"), before, "pb1 came back under another index: no test");
	cr_assert_eq(kill(p.pid, SIGCONT), 0);
	snprintf(want, sizeof(want), "\"iface\":\"pb1\",\"mode\":\"ebpf\",\"unit\":\"%s\",\"event\":\"attached\"",
		 unit_of("ebpf"));
	cr_assert_eq(pktcount_wait_for(&p, want, 1, WAIT_MS), 0, "pb1 not attached again:\n%s", p.out);
	/* pb1 was down in between: both pairs carry frames again once the link watch made them UP */
	wait_pairs_up(2);
	send_on(1, 2);
	wait_range_counted(&p, 1, 2, FRAMES, WAIT_MS);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "exit %d: %s", p.status, p.err);
	expect_frames(p.out, "pb1", FRAMES);
	expect_frames(p.out, "pb2", FRAMES);
	free(p.out);
	free(p.err);
}

/*
 * --check on an interface deleted right after it sent, before any interval
 * read its counters: they come from its RTM_DELLINK, so the kernel's count
 * and pktcount's agree exactly (coverage 1, not above it).  Its tx: a veth's
 * rx counters are its peer's, gone with it.
 */
static int send_pb1(void *arg)
{
	struct known_traffic k = { "pb1", FRAMES, 0, 0 };

	(void)arg;
	return send_known_traffic(&k);
}

Test(follow, check_counters_of_a_deleted_interface, .fini = down, .timeout = 60)
{
	const char *argv[] = { "-j", "--check", "-i", "30", "-m", "ebpf", "pb1", NULL };
	struct pktcount_proc p;
	const char *total;
	char want[128];

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	pairs_up(1);
	topo_wait_quiet(&topo, 200, WAIT_MS);
	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	/* the first record is 30 s away: nobody means attached, --check's start read, root given up */
	wait_dropped_root(p.pid, WAIT_MS);
	cr_assert_eq(in_netns(topo.b, send_pb1, NULL), 0);
	sh_ok("ip -n %s link del pa1", topo.a);
	cr_assert_eq(pktcount_wait_for(&p, "\"event\":\"detached\"", 1, WAIT_MS), 0, "%s", p.out);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "exit %d: %s", p.status, p.err);
	total = strstr(p.out, "\"type\":\"total\"");
	cr_assert_not_null(total, "%s", p.out);
	snprintf(want, sizeof(want), "\"tx_bytes\":%d,\"tx_packets\":%d,", FRAMES * 60, FRAMES);
	cr_expect(strstr(total, want) != NULL, "want %s in %s", want, total);
	cr_expect(strstr(total, "\"tx_packets_coverage\":1.0000") != NULL, "%s", total);
	free(p.out);
	free(p.err);
}

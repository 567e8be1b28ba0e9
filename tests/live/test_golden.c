// SPDX-License-Identifier: GPL-2.0
/*
 * Golden output: what every mode prints over the same crafted traffic (JSON
 * Lines, Prometheus pages on stdout and in --prom-file, the table, the
 * event lines of a rename that folds one tap into another), compared byte
 * for byte with tests/golden/, recorded by the pktcount of main at da04dd1,
 * before its output was rebuilt around one report (issue 23).  What varies
 * from run to run is masked first, and only that (normalize()): the clock,
 * the length of each interval and the rates it gives, the kernel's release,
 * and the unit the kernel has a mode count in.
 *
 * The traffic lands in known intervals: -i 1, and each batch is sent right
 * after the interval records before it, in a few milliseconds, so every
 * interval holds one batch whole, or nothing.
 *
 * PKTCOUNT_GOLDEN=write records the files instead of comparing: run it with
 * the binary whose output is the reference (PKTCOUNT=path).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <netpacket/packet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/netns.h"
#include "lib/proc.h"
#include "lib/sh.h"
#include "lib/wait.h"

static struct topo topo;

static void down(void)
{
	topo_down(&topo);
}

/* ---- the traffic ---- */

struct fr {
	uint8_t p[256];
	uint32_t len;
};

static void put(struct fr *f, const void *d, uint32_t n) { memcpy(f->p + f->len, d, n); f->len += n; }
static void put8(struct fr *f, unsigned int v) { f->p[f->len++] = (uint8_t)v; }
static void put16(struct fr *f, unsigned int v) { put8(f, v >> 8); put8(f, v & 0xff); }
static void zeros(struct fr *f, uint32_t n) { memset(f->p + f->len, 0, n); f->len += n; }

#define NHOSTS 14
static const uint8_t far_mac[6] = { 0x02, 0, 0, 0, 0, 0x99 };	/* no one's: nothing answers */
static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 2, 0x01 };

/*
 * Host i's frame of batch b, received (out of the peer) or sent (tx, out of
 * the counted end): IPv4 for the first ten hosts, IPv6 after; UDP to port 53,
 * every third TCP to 443; lengths and copies varied, so the entries sort in
 * an order of their own (some tie, and fall back to the key's order).
 */
static unsigned int host_frame(struct fr *f, int i, int b, int tx)
{
	const uint8_t here4[4] = { 10, 0, 1, 1 }, here6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };
	uint8_t there[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = (uint8_t)(i + 1) }, mac[6] = { 0x02, 0, 0, 0, 1, (uint8_t)(i + 1) };
	int v6 = i >= 10, tcp = i % 3 == 2;
	unsigned int sport = 1000u + (unsigned int)i, dport = tcp ? 443 : 53;

	if (!v6)
		memcpy(there, (const uint8_t[4]){ 10, 0, 0, (uint8_t)(i + 1) }, 4);
	f->len = 0;
	put(f, tx ? mac : far_mac, 6);
	put(f, tx ? our_mac : mac, 6);
	put16(f, v6 ? 0x86dd : 0x0800);
	if (v6) {
		put8(f, 0x60); zeros(f, 5); put8(f, tcp ? 6 : 17); put8(f, 64);
		put(f, tx ? here6 : there, 16);
		put(f, tx ? there : here6, 16);
	} else {
		put8(f, 0x45); zeros(f, 5); put16(f, 0); put8(f, 64); put8(f, tcp ? 6 : 17); zeros(f, 2);
		put(f, tx ? here4 : there, 4);
		put(f, tx ? there : here4, 4);
	}
	put16(f, tx ? dport : sport);
	put16(f, tx ? sport : dport);
	zeros(f, tcp ? 16 : 4);
	zeros(f, 16 + 8 * (unsigned int)(i % 5));
	return 1 + (unsigned int)(i * 7 + b * 3) % 5;
}

/* The frames no --by key is built for, and a tagged one: received in batch 0 only. */
static unsigned int odd_frame(struct fr *f, int i)
{
	f->len = 0;
	put(f, far_mac, 6);
	put(f, (const uint8_t[6]){ 0x02, 0, 0, 0, 3, (uint8_t)(i + 1) }, 6);
	switch (i) {
	case 0:	/* ARP request */
		put16(f, 0x0806); put16(f, 1); put16(f, 0x0800); put8(f, 6); put8(f, 4); put16(f, 1);
		zeros(f, 20);
		return 2;
	case 1:	/* LLDP */
		put16(f, 0x88cc); zeros(f, 46);
		return 1;
	case 2:	/* IPv4 ending before its protocol byte */
		put16(f, 0x0800); put8(f, 0x45); zeros(f, 5);
		return 1;
	case 3:	/* an ethertype no class names */
		put16(f, 0x88b5); zeros(f, 30);
		return 3;
	case 4:	/* ICMP */
		put16(f, 0x0800);
		put8(f, 0x45); zeros(f, 5); put16(f, 0); put8(f, 64); put8(f, 1); zeros(f, 2);
		put(f, (const uint8_t[4]){ 10, 0, 0, 77 }, 4); put(f, (const uint8_t[4]){ 10, 0, 1, 1 }, 4);
		zeros(f, 8 + 32);
		return 1;
	default:	/* 802.1Q, then IPv4 UDP */
		put16(f, 0x8100); put16(f, 7);
		put16(f, 0x0800);
		put8(f, 0x45); zeros(f, 5); put16(f, 0); put8(f, 64); put8(f, 17); zeros(f, 2);
		put(f, (const uint8_t[4]){ 10, 0, 0, 88 }, 4); put(f, (const uint8_t[4]){ 10, 0, 1, 1 }, 4);
		put16(f, 4000); put16(f, 53); zeros(f, 4 + 12);
		return 2;
	}
}
#define NODD 6

struct batch {
	const char *ifname;
	int b, tx;
};

static int send_frame(int s, const struct sockaddr_ll *sll, const struct fr *f, unsigned int copies)
{
	while (copies--)
		if (sendto(s, f->p, f->len, 0, (const struct sockaddr *)sll, sizeof(*sll)) != (ssize_t)f->len)
			return -1;
	return 0;
}

/* For in_netns(): batch b out of ifname, the hosts' frames (and in batch 0 on rx, the odd ones). */
static int send_batch(void *arg)
{
	const struct batch *bt = arg;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int s = socket(AF_PACKET, SOCK_RAW, 0), i;
	struct fr f;

	sll.sll_ifindex = (int)if_nametoindex(bt->ifname);
	if (s < 0 || !sll.sll_ifindex)
		return 10;
	for (i = 0; i < NHOSTS; i++)
		if (send_frame(s, &sll, &f, host_frame(&f, i, bt->b, bt->tx)))
			return 11;
	for (i = 0; i < NODD && !bt->b && !bt->tx; i++)
		if (send_frame(s, &sll, &f, odd_frame(&f, i)))
			return 12;
	close(s);
	return 0;
}

static void send_on(const char *ns, const char *ifname, int b, int tx)
{
	struct batch bt = { ifname, b, tx };

	cr_assert_eq(in_netns(ns, send_batch, &bt), 0, "sending batch %d out of %s failed", b, ifname);
}

/* ---- the runs ---- */

/*
 * One pktcount and what it prints.  Each counts interfaces of its own, and
 * each batch is sent to them right after it printed the interval before:
 * pktcounts started together begin their intervals hundreds of
 * milliseconds apart (loading a --by program takes that long), so no one
 * moment suits them all.
 */
struct view {
	const char *name;
	const char *args[16];	/* "PROM": the --prom-file path */
	const char *marker;	/* one in each interval's output per interface */
	int prom_file;		/* also compare the --prom-file */
	/* filled in by the run */
	int index;		/* its interfaces: vbN (peer vaN) ...; N = index + 1 */
	int steps;		/* intervals it was served */
	struct pktcount_proc p;
	char path[128];
};

#define JSON_MARK "\"type\":\"interval\""
#define PROM_MARK "# TYPE pktcount_info gauge\n"
#define TABLE_MARK " units  interval "

/* The --class options of the runs that have them (their compiler is libpcap's). */
#define CLASSES "--class", "web=tcp", "--class", "dns=udp port 53"

static struct view views[] = {
	{ .name = "json", .marker = JSON_MARK, .prom_file = 1,
	  .args = { "-j", "--by", "flow", "--top", "5", "--check", CLASSES, "--prom-file", "PROM", NULL } },
	{ .name = "prom", .marker = PROM_MARK, .args = { "-f", "prom", "--by", "host", CLASSES, NULL } },
	{ .name = "pair", .marker = JSON_MARK, .args = { "-j", "--by", "pair", NULL } },
	{ .name = "mac", .marker = JSON_MARK, .args = { "-j", "--by", "mac", "--top", "2", "--check", NULL } },
	{ .name = "plain", .marker = JSON_MARK, .prom_file = 1, .args = { "-j", "--prom-file", "PROM", NULL } },
	{ .name = "table", .marker = TABLE_MARK, .args = { "--by", "flow", "--top", "4", "--check", CLASSES, NULL } },
};
#define NVIEWS ((int)(sizeof(views) / sizeof(views[0])))

static char tmpdir[64];

static void tmpdir_make(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pktcount-golden-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	/* pktcount rewrites its --prom-file as nobody once it has dropped root */
	cr_assert_eq(chmod(tmpdir, 01777), 0);
}

/* A veth pair: a in topo.a, b in topo.b, both up. */
static void pair_add(const char *a, const char *b)
{
	sh_ok("ip -n %s link add %s type veth peer name %s netns %s && ip -n %s link set %s up && "
	      "ip -n %s link set %s up", topo.a, a, b, topo.b, topo.a, a, topo.b, b);
	wait_links_up(topo.b, b, 1, WAIT_MS);
}

/* Start v's pktcount in mode (tc:clsact: tc through clsact) on ifaces, -c count intervals of -i interval. */
static void view_start(struct view *v, const char *mode, const char *interval, const char *count,
		       const char *const *ifaces)
{
	const char *argv[40];
	int n = 0, i;

	snprintf(v->path, sizeof(v->path), "%s/%s.prom", tmpdir, v->name);
	for (i = 0; v->args[i]; i++)
		argv[n++] = strcmp(v->args[i], "PROM") ? v->args[i] : v->path;
	argv[n++] = "-m";
	argv[n++] = strncmp(mode, "tc", 2) ? mode : "tc";
	if (!strcmp(mode, "tc:clsact")) {
		argv[n++] = "--tc-attach";
		argv[n++] = "clsact";
	}
	argv[n++] = "-i";
	argv[n++] = interval;
	argv[n++] = "-c";
	argv[n++] = count;
	for (i = 0; ifaces[i]; i++)
		argv[n++] = ifaces[i];
	argv[n] = NULL;
	v->steps = 0;
	cr_assert_eq(pktcount_start(&v->p, topo.b, argv), 0);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int occurrences(const char *s, const char *what)
{
	int n = 0;

	for (; s && (s = strstr(s, what)); s += strlen(what))
		n++;
	return n;
}

/* What v printed so far, appended to v->p.out as the helpers keep it; 0 at its end. */
static ssize_t view_read(struct view *v)
{
	char buf[65536], *grown;
	ssize_t n = read(v->p.out_fd, buf, sizeof(buf));

	if (n <= 0)
		return n;
	grown = realloc(v->p.out, v->p.out_len + (size_t)n + 1);
	cr_assert_not_null(grown);
	v->p.out = grown;
	memcpy(v->p.out + v->p.out_len, buf, (size_t)n);
	v->p.out_len += (size_t)n;
	v->p.out[v->p.out_len] = '\0';
	return n;
}

/* Everything v has printed by now, without waiting. */
static void view_drain(struct view *v)
{
	struct pollfd one = { .fd = v->p.out_fd, .events = POLLIN };

	while (poll(&one, 1, 0) == 1 && (one.revents & POLLIN) && view_read(v) > 0)
		;
}

/*
 * What a run does once a view printed interval k (from 1), and how many
 * markers that interval's output has printed by its end (its interfaces'
 * records or tables, or one Prometheus page).
 */
struct script {
	int intervals;			/* steps, for intervals 1 .. intervals */
	int interval_ms;
	int (*printed)(int k);		/* markers printed by the end of interval k */
	void (*step)(struct view *v, int k);
};

/*
 * Serve one view its step k: at once, and before it ends interval k + 1.
 * A frame takes 150 ms at most to be read (a userspace ring hands its block
 * over within 10 ms); the step must be done by then.
 */
static void view_serve(const struct script *s, struct view *v, int k)
{
	long long t0 = now_ms(), took;

	s->step(v, k);
	took = now_ms() - t0;
	view_drain(v);
	cr_assert_lt(occurrences(v->p.out, v->marker), s->printed(k + 1),
		     "%s: interval %d ended while the test was still busy with its step", v->name, k + 1);
	cr_assert_lt(took, s->interval_ms - 150, "%s: step %d took %lld ms of an interval of %d", v->name, k,
		     took, s->interval_ms);
	v->steps = k;
}

/* Every view through the script: each served its step as soon as it printed an interval. */
static void views_run(const struct script *s, struct view *const *v, int nv)
{
	long long deadline = now_ms() + WAIT_MS + (long long)s->intervals * s->interval_ms;
	struct pollfd pfd[16];
	int i, n, left;

	for (;;) {
		for (i = 0, n = 0, left = 0; i < nv; i++) {
			int k = v[i]->steps + 1;

			if (k > s->intervals)
				continue;
			left++;
			if (occurrences(v[i]->p.out, v[i]->marker) >= s->printed(k)) {
				view_serve(s, v[i], k);
				continue;
			}
			pfd[n].fd = v[i]->p.out_fd;
			pfd[n++].events = POLLIN;
		}
		if (!left)
			return;
		cr_assert_lt(now_ms(), deadline, "%d of %d views still waiting for an interval", left, nv);
		cr_assert_geq(poll(pfd, (nfds_t)n, 20), 0);
		for (i = 0; i < nv; i++)
			for (int j = 0; j < n; j++)
				if (pfd[j].fd == v[i]->p.out_fd && (pfd[j].revents & (POLLIN | POLLHUP)))
					cr_assert_gt(view_read(v[i]), 0, "%s ended early: %s", v[i]->name,
						     v[i]->p.err ? v[i]->p.err : "");
	}
}

/* ---- normalizing and comparing ---- */

/*
 * What varies from run to run, masked: the wall clock and interval lengths
 * (JSON "time", "seconds"; the table's "interval 1.00 s"), the rates they
 * give (the table's rate and pkt/s columns), the kernel's release, and the
 * unit (docs/counting.md, "The unit": the kernel's version decides it).
 */
static const char sed_script[] =
	"s/\"time\":[0-9.]+/\"time\":T/g\n"
	"s/\"seconds\":[0-9.]+/\"seconds\":S/g\n"
	"s/\"(unit|kernel_unit)\":\"(wire|skb)\"/\"\\1\":\"U\"/g\n"
	"s/kernel=\"[^\"]*\"/kernel=\"K\"/g\n"
	"s/unit=\"(wire|skb)\"/unit=\"U\"/g\n"
	"s/ (wire|skb) units  (interval|total over) [0-9.]+ s$/ U units  \\2 S/\n"
	"s/ +[0-9.]+ [kMGT]?bit\\/s +[0-9]+/ R/g\n"
	"s/^units .*/units U/\n";

static char *normalized(const char *text, size_t len)
{
	char in[128], script[128];
	char *out;
	FILE *f;

	snprintf(in, sizeof(in), "%s/in", tmpdir);
	snprintf(script, sizeof(script), "%s/normalize.sed", tmpdir);
	f = fopen(script, "w");
	cr_assert_not_null(f);
	fputs(sed_script, f);
	cr_assert_eq(fclose(f), 0);
	f = fopen(in, "w");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(text, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
	out = sh_out("sed -E -f '%s' '%s'", script, in);
	return out ? out : strdup("");
}

static char *file_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t size = 0, n;
	FILE *m = open_memstream(&text, &size);
	char chunk[4096];

	cr_assert_not_null(m);
	while (f && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	if (f)
		fclose(f);
	fclose(m);
	*len = size;
	return text;
}

/* Append a section to the run's text: a header line, then text normalized. */
static void section(FILE *all, const char *name, const char *stream, const char *text, size_t len)
{
	char *n = normalized(text, len);

	fprintf(all, "### %s: %s\n%s", name, stream, n);
	free(n);
}

/* tests/golden/NAME: written (PKTCOUNT_GOLDEN=write), or compared, a diff shown when it differs. */
static void golden(const char *name, const char *got, size_t len)
{
	char path[128], tmp[160];
	const char *mode = getenv("PKTCOUNT_GOLDEN");
	size_t wlen;
	char *want;
	FILE *f;

	snprintf(path, sizeof(path), "tests/golden/%s", name);
	if (mode && !strcmp(mode, "write")) {
		f = fopen(path, "w");
		cr_assert_not_null(f, "%s: %s", path, strerror(errno));
		cr_assert_eq(fwrite(got, 1, len, f), len);
		cr_assert_eq(fclose(f), 0);
		cr_log_warn("%s written", path);
		return;
	}
	want = file_text(path, &wlen);
	if (wlen != len || memcmp(want, got, len)) {
		snprintf(tmp, sizeof(tmp), "%s/got-%s", tmpdir, name);
		f = fopen(tmp, "w");
		cr_assert_not_null(f);
		fwrite(got, 1, len, f);
		fclose(f);
		sh("diff -u '%s' '%s' | head -80 >&2", path, tmp);
		cr_expect_fail("%s: output differs from the golden file (diff above; this run's in %s)", path, tmp);
	}
	free(want);
}

/* The output of every view, sections of one text. */
static void views_compare(const char *name, struct view *const *v, int nv)
{
	char *text = NULL;
	size_t size = 0;
	FILE *all = open_memstream(&text, &size);
	int i;

	cr_assert_not_null(all);
	for (i = 0; i < nv; i++) {
		section(all, v[i]->name, "stdout", v[i]->p.out ? v[i]->p.out : "", v[i]->p.out_len);
		if (v[i]->prom_file) {
			size_t len;
			char *page = file_text(v[i]->path, &len);

			section(all, v[i]->name, "--prom-file", page, len);
			free(page);
		}
	}
	cr_assert_eq(fclose(all), 0);
	golden(name, text, size);
	free(text);
}

static void views_finish(struct view *const *v, int nv)
{
	for (int i = 0; i < nv; i++)
		cr_assert_eq(pktcount_finish(&v[i]->p, 0, WAIT_MS), 0, "%s: exit %d: %s", v[i]->name,
			     v[i]->p.status, v[i]->p.err);
}

static void views_free(struct view *const *v, int nv)
{
	for (int i = 0; i < nv; i++) {
		free(v[i]->p.out);
		free(v[i]->p.err);
	}
}

static void need_mode(const char *mode)
{
	NEED_ROOT("network namespaces");
	/* the runs with classes need libpcap's compiler: the binaries with pcap mode have it */
	if (!mode_built_in("pcap"))
		cr_skip_test("this pktcount was built without libpcap");
	if (strncmp(mode, "tc", 2) && !mode_built_in(mode))
		cr_skip_test("this pktcount was built without %s mode", mode);
}

static void ifname(char *out, const char *prefix, const struct view *v)
{
	snprintf(out, IF_NAMESIZE, "%s%d", prefix, v->index + 1);
}

/* One interface each: batch 0 in interval 2 (both directions), batch 1 in 3 (received), 4 quiet. */
static int one_a_interval(int k)
{
	return k;
}

static void mode_step(struct view *v, int k)
{
	char a[IF_NAMESIZE], b[IF_NAMESIZE];

	ifname(a, "va", v);
	ifname(b, "vb", v);
	if (k == 1) {
		send_on(topo.a, a, 0, 0);
		send_on(topo.b, b, 0, 1);
	} else if (k == 2) {
		send_on(topo.a, a, 1, 0);
	}
}

static void golden_mode(const char *mode, const char *file)
{
	static const struct script s = { 3, 1000, one_a_interval, mode_step };
	struct view *v[NVIEWS];
	int i;

	need_mode(mode);
	tmpdir_make();
	topo_up(&topo, 0, 0);
	for (i = 0; i < NVIEWS; i++) {
		char a[IF_NAMESIZE], b[IF_NAMESIZE];

		v[i] = &views[i];
		v[i]->index = i;
		ifname(a, "va", v[i]);
		ifname(b, "vb", v[i]);
		pair_add(a, b);
	}
	topo_wait_quiet(&topo, 300, WAIT_MS);
	for (i = 0; i < NVIEWS; i++) {
		char b[IF_NAMESIZE];
		const char *ifaces[] = { b, NULL };

		ifname(b, "vb", v[i]);
		view_start(v[i], mode, "1", "4", ifaces);
	}
	views_run(&s, v, NVIEWS);
	views_finish(v, NVIEWS);
	views_compare(file, v, NVIEWS);
	views_free(v, NVIEWS);
	sh("rm -rf '%s'", tmpdir);
}

Test(golden, ebpf, .fini = down, .timeout = 90) { golden_mode("ebpf", "ebpf"); }
Test(golden, classic, .fini = down, .timeout = 90) { golden_mode("classic", "classic"); }
Test(golden, pcap, .fini = down, .timeout = 90) { golden_mode("pcap", "pcap"); }
Test(golden, tc, .fini = down, .timeout = 90) { golden_mode("tc", "tc"); }
Test(golden, tc_clsact, .fini = down, .timeout = 90) { golden_mode("tc:clsact", "tc-clsact"); }

/*
 * Interfaces that go and change names (src/follow.c), every mode: each
 * counts fxN and fyN; fyN's pair is deleted (fyN detached, its totals
 * kept), then fxN is renamed fyN, which folds the detached tap's counts
 * into it: one series "fyN" from then on, whose intervals show only what
 * came after.  Records per interval: 2 until the fold, 1 after.
 */
#define FOLLOW_ARGS "-j", "--by", "host", "--check", "--prom-file", "PROM", NULL
static struct view follow_views[] = {
	{ .name = "ebpf", .marker = JSON_MARK, .prom_file = 1, .args = { FOLLOW_ARGS } },
	{ .name = "classic", .marker = JSON_MARK, .prom_file = 1, .args = { FOLLOW_ARGS } },
	{ .name = "pcap", .marker = JSON_MARK, .prom_file = 1, .args = { FOLLOW_ARGS } },
	{ .name = "tc", .marker = JSON_MARK, .prom_file = 1, .args = { FOLLOW_ARGS } },
};
#define NFOLLOW ((int)(sizeof(follow_views) / sizeof(follow_views[0])))

static int two_then_one(int k)
{
	return k <= 2 ? 2 * k : k + 2;
}

/*
 * Interval 1: batch 0 into fxN, batch 1 into fyN; 2: fyN's pair deleted,
 * fxN renamed fyN (down, the name, up, as udev does); 3: batch 1 into the
 * renamed fyN, once its link is up again; 4 quiet.
 */
static void follow_step(struct view *v, int k)
{
	char gx[IF_NAMESIZE], gy[IF_NAMESIZE], fx[IF_NAMESIZE], fy[IF_NAMESIZE];

	ifname(gx, "gx", v);
	ifname(gy, "gy", v);
	ifname(fx, "fx", v);
	ifname(fy, "fy", v);
	if (k == 1) {
		send_on(topo.a, gx, 0, 0);
		send_on(topo.a, gy, 1, 0);
	} else if (k == 2) {
		sh_ok("ip -n %s link del %s && ip -n %s link set %s down && ip -n %s link set %s name %s && "
		      "ip -n %s link set %s up", topo.a, gy, topo.b, fx, topo.b, fx, fy, topo.b, fy);
	} else if (k == 3) {
		wait_links_up(topo.a, gx, 1, 500);
		wait_links_up(topo.b, fy, 1, 500);
		send_on(topo.a, gx, 1, 0);
	}
}

Test(golden, follow_rename_folds, .fini = down, .timeout = 120)
{
	static const struct script s = { 4, 2000, two_then_one, follow_step };
	struct view *v[NFOLLOW];
	int i;

	need_mode("pcap");
	tmpdir_make();
	topo_up(&topo, 0, 0);
	for (i = 0; i < NFOLLOW; i++) {
		char names[4][IF_NAMESIZE];

		v[i] = &follow_views[i];
		v[i]->index = i;
		ifname(names[0], "gx", v[i]);
		ifname(names[1], "fx", v[i]);
		ifname(names[2], "gy", v[i]);
		ifname(names[3], "fy", v[i]);
		pair_add(names[0], names[1]);
		pair_add(names[2], names[3]);
	}
	topo_wait_quiet(&topo, 300, WAIT_MS);
	for (i = 0; i < NFOLLOW; i++) {
		char fx[IF_NAMESIZE], fy[IF_NAMESIZE];
		const char *ifaces[] = { fx, fy, NULL };

		ifname(fx, "fx", v[i]);
		ifname(fy, "fy", v[i]);
		view_start(v[i], v[i]->name, "2", "5", ifaces);
	}
	views_run(&s, v, NFOLLOW);
	views_finish(v, NFOLLOW);
	views_compare("follow", v, NFOLLOW);
	views_free(v, NFOLLOW);
	sh("rm -rf '%s'", tmpdir);
}

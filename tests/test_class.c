// SPDX-License-Identifier: GPL-2.0
/*
 * Classes (docs/counting.md, "Classes") against libpcap's own matcher.
 *
 * Fifty expressions, compiled by libpcap, run over the frame table (every
 * hand-written frame, each cut at every length, and copies with other
 * addresses, ports, flags and types written in): a class must match a frame
 * exactly when pcap_offline_filter() does, in pktcount's interpreter
 * (classic mode) and in the counting program through BPF_PROG_TEST_RUN
 * (eBPF mode), every class in one program.  The interpreter also runs each
 * tagged frame with its outer tag moved out, as the kernel hands it over:
 * it must decide as libpcap did on the frame with the tag in place.
 */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bpf.h"
#include "bpf_insn.h"
#include "class_pcap.h"
#include "frames.h"
#include "helpers.h"
#include "pc_class.h"
#include "pc_prog.h"

/* libpcap's expressions, as the issue lists them: no class may be trivial on the table */
static const char *const exprs[] = {
	"ip", "ip6", "arp", "tcp", "udp", "icmp", "icmp6", "sctp",
	"host 192.0.2.1", "src host 192.0.2.1", "dst host 192.0.2.2", "net 192.0.2.0/24",
	"net 10.0.0.0/8", "host 2001:db8::1", "dst net 2001:db8::/32",
	"port 53", "udp port 53", "tcp port 80 or tcp port 443", "portrange 1000-5000",
	"tcp dst portrange 400-500", "src port 12345",
	"proto 47", "ip proto 50", "ip6 proto 50",
	"tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-fin|tcp-ack) == (tcp-fin|tcp-ack)",
	"icmp[icmptype] == icmp-echo", "icmp6[icmp6type] == icmp6-echo",
	"vlan", "vlan 10", "vlan and ip", "vlan 100 and vlan 10", "vlan and vlan and ip6 and tcp",
	"ip6 and ip6[6] == 0", "ip6[6] == 44", "ip6 and ip6[6] == 43 and ip6[40] == 17",
	"ip[6:2] & 0x1fff != 0", "ip[6] & 0x20 != 0",
	"less 48", "greater 200", "len >= 100 and len <= 300",
	"ether dst 02:00:00:00:00:02 and arp", "ether broadcast", "ether multicast", "ether proto 0x88cc",
	"not ip and not ip6 and greater 50", "udp and not port 53", "(tcp or udp) and host 192.0.2.2",
	"ip and ip[8] == 64", "llc", "mpls", "pppoes",
};
#define NEXPRS (sizeof(exprs) / sizeof(exprs[0]))

static void add_classes(void)
{
	char name[16];
	size_t i;

	pc_classes_free();
	for (i = 0; i < NEXPRS; i++) {
		snprintf(name, sizeof(name), "c%02zu", i);
		cr_assert_eq(pc_class_add(name, exprs[i], "test"), 0, "%s", exprs[i]);
	}
	cr_assert_eq(pc_classes.n, NEXPRS);
}

/* libpcap's verdict: the frame as tcpdump would show it */
static int truth(unsigned int cls, const struct frame_case *c)
{
	const struct pc_cprog *cp = &pc_classes.c[cls].prog[c->link];

	return cp->n && pc_pcap_match(cp->pcap, c->data, c->len, c->len);
}

/* Where the frame's transport header starts, for the copies below; 0 when none; *v4: its IPv4 header's. */
static uint32_t l4_at(const struct frame_case *c, uint32_t *v4)
{
	uint32_t at = c->link == PC_LINK_ETH ? 14 : 0, et = c->link == PC_LINK_ETH ? 0 : c->protocol;

	if (c->link == PC_LINK_ETH) {
		if (c->len < 14)
			return 0;
		et = (uint32_t)(c->data[12] << 8 | c->data[13]);
		while ((et == 0x8100 || et == 0x88a8) && c->len >= at + 4) {
			et = (uint32_t)(c->data[at + 2] << 8 | c->data[at + 3]);
			at += 4;
		}
	}
	*v4 = 0;
	if (et == 0x0800 && c->len >= at + 20 && (c->data[at] & 0xf) >= 5) {
		*v4 = at;
		return at + 4u * (c->data[at] & 0xf);
	}
	return et == 0x86dd ? at + 40 : 0;
}

/* The table, and copies of its whole frames with other values written in. */
static size_t class_frames(struct frame_case **out)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	static const uint16_t ports[][2] = { { 12345, 53 }, { 443, 80 }, { 1000, 5000 }, { 53, 450 } };
	struct frame_case *t;
	size_t n = frames_build(&t), hand = 0, i, k, m;

	while (hand < n && !strstr(t[hand].name, " cut to "))
		hand++;
	t = realloc(t, (n + hand * 9) * sizeof(*t));
	cr_assert_not_null(t);
	m = n;
	for (i = 0; i < hand; i++) {
		uint32_t v4, l4 = l4_at(&t[i], &v4);

		if (t[i].link == PC_LINK_ETH && t[i].len >= 14) {
			t[m] = t[i];
			memcpy(t[m++].data, bcast, 6);
			t[m] = t[i];
			memcpy(t[m++].data, mcast, 6);
		}
		if (!l4 || t[i].len < l4 + 4)
			continue;
		if (v4) {
			/* source 10.1.2.3 */
			t[m] = t[i];
			memcpy(t[m].data + v4 + 12, (const uint8_t[]){ 10, 1, 2, 3 }, 4);
			m++;
		}
		for (k = 0; k < 4; k++) {
			t[m] = t[i];
			t[m].data[l4] = (uint8_t)(ports[k][0] >> 8), t[m].data[l4 + 1] = (uint8_t)ports[k][0];
			t[m].data[l4 + 2] = (uint8_t)(ports[k][1] >> 8), t[m].data[l4 + 3] = (uint8_t)ports[k][1];
			m++;
		}
		/* icmp echo request (8), icmp6 echo request (128), tcp SYN */
		t[m] = t[i];
		t[m].data[l4] = 8;
		if (t[m].len > l4 + 13)
			t[m].data[l4 + 13] = 0x02;
		m++;
		t[m] = t[i];
		t[m].data[l4] = 128;
		m++;
	}
	*out = t;
	return m;
}

/* The frame with its outer tag moved out, as the kernel hands it to a socket; 0 when it has none. */
static int untag(const struct frame_case *c, struct pc_frame *f, uint8_t *buf)
{
	uint16_t tpid;

	if (c->link != PC_LINK_ETH || c->len < 18)
		return 0;
	tpid = (uint16_t)(c->data[12] << 8 | c->data[13]);
	if (tpid != 0x8100 && tpid != 0x88a8)
		return 0;
	memcpy(buf, c->data, 12);
	memcpy(buf + 12, c->data + 16, c->len - 16);
	*f = (struct pc_frame){ .p = buf, .caplen = c->len - 4, .len = c->len - 4, .link = PC_LINK_ETH,
				.vlan_moved = 1, .vlan_tpid = tpid,
				.vlan_tci = (uint16_t)(c->data[14] << 8 | c->data[15]) };
	return 1;
}

Test(class, interpreter_matches_libpcap)
{
	static uint8_t buf[FRAME_MAX];
	struct frame_case *t;
	size_t n, i, runs = 0, wrong = 0, hits[NEXPRS] = { 0 };
	unsigned int k;

	add_classes();
	n = class_frames(&t);
	for (i = 0; i < n; i++) {
		const struct frame_case *c = &t[i];
		struct pc_frame f = { .p = c->data, .caplen = c->len, .len = c->len, .link = c->link,
				      .protocol = c->protocol }, moved;
		int tagged = untag(c, &moved, buf);

		for (k = 0; k < NEXPRS; k++) {
			const struct pc_cprog *cp = &pc_classes.c[k].prog[c->link];
			int want = truth(k, c), got = pc_cprog_match(cp, &f);

			hits[k] += (size_t)want;
			runs++;
			if (got != want && wrong++ < 20)
				cr_log_error("%s: \"%s\": %d, libpcap %d", c->name, exprs[k], got, want);
			if (tagged && pc_cprog_match(cp, &moved) != want && wrong++ < 20)
				cr_log_error("%s, tag moved out: \"%s\": %d, libpcap %d (tag in the frame)", c->name,
					     exprs[k], !want, want);
		}
	}
	for (k = 0; k < NEXPRS; k++)
		cr_expect(hits[k] > 0, "\"%s\" matches no frame of the table: it tests nothing", exprs[k]);
	cr_log_info("%zu frames x %zu classes: %zu runs, %zu wrong", n, NEXPRS, runs, wrong);
	free(t);
	cr_assert_eq(wrong, 0);
}

/* A counting variant with every class, loaded: its counters, its class map. */
struct composed {
	int map_fd, cls_fd, prog_fd, ncpu;
	unsigned int ninsns;
};

static void composed_load(enum pc_prog_id id, enum pc_link link, struct composed *m)
{
	const struct pc_prog *base = &pc_progs[id];
	uint32_t type = base->percpu ? BPF_MAP_TYPE_PERCPU_ARRAY : BPF_MAP_TYPE_ARRAY;
	struct bpf_insn *insns = calloc(PC_PROG_MAX_INSNS, sizeof(*insns));
	struct pc_composed c;
	char err[512], *log = NULL;
	int fds[2], n;

	cr_assert_not_null(insns);
	pc_bpf_raise_memlock();
	m->ncpu = base->percpu ? pc_bpf_possible_cpus() : 1;
	m->map_fd = pc_bpf_map_create(type, 4, sizeof(struct pc_counter), PC_MAP0_SLOTS, "pc_t_ctr");
	m->cls_fd = pc_bpf_map_create(type, 4, sizeof(struct pc_counter), pc_class_rows(), "pc_t_cls");
	cr_assert(m->map_fd >= 0 && m->cls_fd >= 0, "map create: %s", strerror(errno));
	cr_assert_eq(pc_prog_compose(base, link, 1, PC_PROG_MAX_INSNS, &c, err, sizeof(err)), 0, "%s", err);
	fds[0] = m->map_fd;
	fds[1] = m->cls_fd;
	n = pc_asm_link(&c.prog, fds, 2, insns, PC_PROG_MAX_INSNS, err, sizeof(err));
	cr_assert_gt(n, 0, "%s", err);
	cr_assert_eq(pc_lint(insns, (size_t)n, c.prog.since, err, sizeof(err)), 0, "%s: %s", base->name, err);
	m->ninsns = (unsigned int)n;
	m->prog_fd = pc_bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, insns, (size_t)n, base->name, &log);
	cr_assert(m->prog_fd >= 0, "load %s with %zu classes (%d insns): %s\n%.4000s", base->name, NEXPRS, n,
		  strerror(errno), log ? log + (strlen(log) > 4000 ? strlen(log) - 4000 : 0) : "");
	free(log);
	free(insns);
	pc_prog_composed_free(&c);
}

/* Every row of the class map, summed over CPUs. */
static void class_rows(const struct composed *m, struct pc_counter *out)
{
	static struct pc_counter v[PC_CLASS_ROWS * 512];
	static uint32_t keys[PC_CLASS_ROWS];
	unsigned int r, rows = pc_class_rows();
	int c;

	cr_assert_lt(m->ncpu, 512);
	cr_assert_eq(pc_bpf_array_read(m->cls_fd, 0, rows, keys, v, (size_t)m->ncpu * sizeof(*v)), 0, "%s",
		     strerror(errno));
	for (r = 0; r < rows; r++) {
		out[r] = (struct pc_counter){ 0, 0 };
		for (c = 0; c < m->ncpu; c++) {
			out[r].bytes += v[(size_t)r * (size_t)m->ncpu + (size_t)c].bytes;
			out[r].packets += v[(size_t)r * (size_t)m->ncpu + (size_t)c].packets;
		}
	}
}

/*
 * Each frame of the table through the program (test_prog.c says how the
 * dummy header works): exactly the rows of the classes libpcap matches
 * grow, by the frame's bytes and one packet, or the unmatched row.
 */
static void ebpf_table(enum pc_prog_id id, enum pc_link link)
{
	static struct pc_counter before[PC_CLASS_ROWS], after[PC_CLASS_ROWS];
	static uint8_t in[14 + FRAME_MAX];
	struct frame_case *t;
	struct composed m;
	size_t n, i, ran = 0, wrong = 0;
	unsigned int k;

	NEED_ROOT("BPF_PROG_TEST_RUN");
	add_classes();
	composed_load(id, link, &m);
	n = class_frames(&t);
	class_rows(&m, before);
	for (i = 0; i < n; i++) {
		const struct frame_case *c = &t[i];
		int any = 0;

		if (c->link != link ||
		    (link == PC_LINK_RAW && ((c->protocol == 0x0800 && c->len < 20) ||
					     (c->protocol == 0x86dd && c->len < 40))))
			continue;
		memset(in, 0, 12);
		in[12] = (uint8_t)((link == PC_LINK_RAW ? c->protocol : 0x88b5) >> 8);
		in[13] = (uint8_t)(link == PC_LINK_RAW ? c->protocol : 0x88b5);
		memcpy(in + 14, c->data, c->len);
		cr_assert_eq(pc_bpf_prog_test_run(m.prog_fd, in, 14 + c->len, NULL, NULL), 0, "%s: %s", c->name,
			     strerror(errno));
		ran++;
		class_rows(&m, after);
		for (k = 0; k <= NEXPRS; k++) {
			unsigned int r = pc_class_index(PC_DIR_RX, k);
			int want = k < NEXPRS ? truth(k, c) : !any;
			uint64_t dp = after[r].packets - before[r].packets, db = after[r].bytes - before[r].bytes;

			any |= want;
			if ((dp != (uint64_t)want || db != (want ? c->bytes : 0)) && wrong++ < 20)
				cr_log_error("%s (%u bytes): \"%s\": +%llu packets +%llu bytes, libpcap %s", c->name,
					     c->len, k < NEXPRS ? exprs[k] : "unmatched", (unsigned long long)dp,
					     (unsigned long long)db, want ? "matches" : "does not");
		}
		memcpy(before, after, sizeof(before));
	}
	cr_log_info("%s with %zu classes, %u instructions: %zu frames, %zu wrong", pc_progs[id].name, NEXPRS,
		    m.ninsns, ran, wrong);
	close(m.prog_fd);
	close(m.map_fd);
	close(m.cls_fd);
	free(t);
	cr_assert_gt(ran, 100);
	cr_assert_eq(wrong, 0);
}

Test(class, eth_xadd_matches_libpcap) { ebpf_table(PC_PROG_ETH_XADD, PC_LINK_ETH); }
Test(class, eth_percpu_matches_libpcap) { ebpf_table(PC_PROG_ETH_PERCPU, PC_LINK_ETH); }
Test(class, eth_wire_matches_libpcap) { ebpf_table(PC_PROG_ETH_WIRE, PC_LINK_ETH); }
Test(class, raw_wire_matches_libpcap) { ebpf_table(PC_PROG_RAW_WIRE, PC_LINK_RAW); }
Test(class, raw_xadd_matches_libpcap) { ebpf_table(PC_PROG_RAW_XADD, PC_LINK_RAW); }

/* ---- live: crafted frames over a veth pair, counted on the receiving end ---- */

static struct topo topo;

static void down(void)
{
	topo_down(&topo);
}

struct send_set {
	const struct frame_case **f;
	size_t n;
};

/* 1, 2 or 3 copies of each frame: counts that cannot line up by chance */
static int copies(size_t i)
{
	return (int)(i % 3) + 1;
}

static int inject(void *arg)
{
	const struct send_set *s = arg;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int fd = socket(AF_PACKET, SOCK_RAW, 0), k;
	size_t i;

	if (fd < 0)
		return 10;
	sll.sll_ifindex = (int)if_nametoindex("va");
	if (!sll.sll_ifindex)
		return 11;
	for (i = 0; i < s->n; i++)
		for (k = 0; k < copies(i); k++)
			if (sendto(fd, s->f[i]->data, s->f[i]->len, 0, (struct sockaddr *)&sll, sizeof(sll)) !=
			    (ssize_t)s->f[i]->len)
				return 12;
	close(fd);
	return 0;
}

/* The class counts of iface's total record: rows by pc_class_index(). */
static void total_classes(const char *out, const char *iface, struct pc_counter *rows)
{
	const char *line;

	memset(rows, 0, PC_CLASS_ROWS * sizeof(*rows));
	for (line = out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *nl = strchr(line, '\n');
		cJSON *j = cJSON_ParseWithLength(line, nl ? (size_t)(nl - line) : strlen(line)), *cls, *c;
		cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "type");
		cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "iface");

		if (!cJSON_IsString(type) || strcmp(type->valuestring, "total") || !cJSON_IsString(name) ||
		    strcmp(name->valuestring, iface)) {
			cJSON_Delete(j);
			continue;
		}
		cls = cJSON_GetObjectItemCaseSensitive(j, "classes");
		cr_assert(cJSON_IsArray(cls), "no classes in %.200s", line);
		cJSON_ArrayForEach(c, cls) {
			cJSON *cn = cJSON_GetObjectItemCaseSensitive(c, "class");
			cJSON *d = cJSON_GetObjectItemCaseSensitive(c, "dir");
			cJSON *b = cJSON_GetObjectItemCaseSensitive(c, "bytes");
			cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "packets");
			unsigned int k;

			cr_assert(cJSON_IsString(cn) && cJSON_IsString(d) && cJSON_IsNumber(b) && cJSON_IsNumber(p));
			k = !strcmp(cn->valuestring, "unmatched") ? (unsigned int)NEXPRS
								   : (unsigned int)atoi(cn->valuestring + 1);
			rows[pc_class_index(strcmp(d->valuestring, "tx") ? PC_DIR_RX : PC_DIR_TX, k)] =
				(struct pc_counter){ (uint64_t)b->valuedouble, (uint64_t)p->valuedouble };
		}
		cJSON_Delete(j);
		return;
	}
	cr_assert_fail("no total record for %s", iface);
}

/* This test's own file name for name, in path: tests run in parallel. */
static const char *tmp_path(char *path, size_t size, const char *name)
{
	snprintf(path, size, "/tmp/pktcount-class-%d-%s", (int)getpid(), name);
	return path;
}

/* An empty capture file of link type EN10MB, for `tcpdump -r FILE -dd EXPR`. */
static void empty_pcap(const char *path)
{
	static const uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 262144, 1 };
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(hdr, sizeof(hdr), 1, f), 1);
	fclose(f);
}

/*
 * The classes file: `cNN EXPR`, or with dd `cNN @FILE` where FILE is what
 * tcpdump -dd printed for EXPR on a capture of Ethernet frames.
 */
static void classes_file(const char *path, int dd)
{
	FILE *f = fopen(path, "w");
	char empty[128], dd_name[16], dd_path[128];
	size_t i;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	tmp_path(empty, sizeof(empty), "empty.pcap");
	if (dd)
		empty_pcap(empty);
	for (i = 0; i < NEXPRS; i++) {
		if (!dd) {
			fprintf(f, "c%02zu %s   # expression %zu\n", i, exprs[i], i);
			continue;
		}
		snprintf(dd_name, sizeof(dd_name), "%02zu.dd", i);
		tmp_path(dd_path, sizeof(dd_path), dd_name);
		cr_assert_eq(sh("tcpdump -r %s -dd '%s' > %s 2>/dev/null", empty, exprs[i], dd_path), 0,
			     "tcpdump -dd '%s'", exprs[i]);
		fprintf(f, "c%02zu @%s\n", i, dd_path);
	}
	fclose(f);
}

/*
 * Every Ethernet frame of class_frames() 1 to 3 times from va, pktcount in
 * mode on vb (its kernel moves each outer tag out on the way in): each
 * class counts exactly the frames libpcap matches as they were sent, and
 * the frames none matched count as unmatched.
 */
static void live_test_filtered(const char *mode, int dd, const char *by, const char *filter);

static void live_test(const char *mode, int dd, const char *by)
{
	live_test_filtered(mode, dd, by, NULL);
}

/* With --filter: only frames libpcap matches with it count, under their key and in the classes. */
static void live_test_filtered(const char *mode, int dd, const char *by, const char *filter)
{
	static struct pc_counter got[PC_CLASS_ROWS], want[PC_CLASS_ROWS];
	char path[128];
	const char *file = tmp_path(path, sizeof(path), "classes.txt");
	const char *argv[] = { "-j", "-i", "0.2", "-m", mode, "--classes", file, "vb", by ? "--by" : NULL, by, NULL,
			       NULL, NULL };
	struct run_output ro;
	uint64_t passed = 0, passed_bytes = 0;
	char err[256];
	struct frame_case *t;
	struct send_set s = { 0 };
	struct pktcount_proc p;
	size_t n, i;
	unsigned int k;
	int bad = 0;

	NEED_ROOT("network namespaces");
	if (!mode_built_in(mode))
		cr_skip_test("this pktcount was built without %s mode", mode);
	if (dd && sh("command -v tcpdump >/dev/null") != 0)
		cr_skip_test("no tcpdump to write -dd files");
	add_classes();
	if (filter) {
		argv[by ? 10 : 8] = "--filter";
		argv[by ? 11 : 9] = filter;
		cr_assert_eq(pc_class_add(NULL, filter, "test"), 0);
	}
	classes_file(file, dd);
	n = class_frames(&t);
	s.f = calloc(n, sizeof(*s.f));
	cr_assert_not_null(s.f);
	memset(want, 0, sizeof(want));
	for (i = 0; i < n; i++) {
		const struct frame_case *c = &t[i];
		uint32_t et = c->len >= 14 ? (uint32_t)c->data[12] << 8 | c->data[13] : 0;
		int any = 0;

		/* as test_live.c: shorter than a header cannot be sent, a cut outer tag never arrives */
		if (c->link != PC_LINK_ETH || c->len < 14 || ((et == 0x8100 || et == 0x88a8) && c->len < 20))
			continue;
		s.f[s.n] = c;
		if (filter && !pc_pcap_match(pc_classes.filter->prog[PC_LINK_ETH].pcap, c->data, c->len, c->len)) {
			s.n++;
			continue;
		}
		passed += (uint64_t)copies(s.n);
		passed_bytes += c->len * (uint64_t)copies(s.n);
		for (k = 0; k <= NEXPRS; k++) {
			int match = k < NEXPRS ? truth(k, c) : !any;
			struct pc_counter *w = &want[pc_class_index(PC_DIR_RX, k)];

			any |= match;
			w->bytes += match ? c->len * (uint64_t)copies(s.n) : 0;
			w->packets += match ? (uint64_t)copies(s.n) : 0;
		}
		s.n++;
	}
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, 5000);
	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	if (pktcount_wait_line(&p, 10000) != 0) {
		pktcount_finish(&p, SIGTERM, 5000);
		cr_assert_fail("pktcount printed nothing, exit %d: %s", p.status, p.err ? p.err : "");
	}
	cr_assert_eq(in_netns(topo.a, inject, &s), 0, "injecting frames failed");
	topo_wait_quiet(&topo, 300, 5000);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, 5000), 0, "exit %d: %s", p.status, p.err ? p.err : "");
	total_classes(p.out, "vb", got);
	cr_assert_eq(parse_output(p.out, "vb", &ro, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(dir_sum(ro.totals, PC_DIR_RX).packets, passed, "%s: %llu packets under their keys, %llu %s",
		     mode, (unsigned long long)dir_sum(ro.totals, PC_DIR_RX).packets, (unsigned long long)passed,
		     filter ? "pass the filter" : "sent");
	cr_expect_eq(dir_sum(ro.totals, PC_DIR_RX).bytes, passed_bytes);
	for (k = 0; k <= NEXPRS; k++) {
		unsigned int r = pc_class_index(PC_DIR_RX, k), x = pc_class_index(PC_DIR_TX, k);

		if (got[r].bytes != want[r].bytes || got[r].packets != want[r].packets || got[x].packets) {
			cr_log_error("%s%s: \"%s\": %llu packets %llu bytes, libpcap %llu packets %llu bytes", mode,
				     dd ? " (-dd files)" : "", k < NEXPRS ? exprs[k] : "unmatched",
				     (unsigned long long)got[r].packets, (unsigned long long)got[r].bytes,
				     (unsigned long long)want[r].packets, (unsigned long long)want[r].bytes);
			bad++;
		}
	}
	cr_log_info("%s%s%s%s%s%s: %zu distinct frames, %llu counted, %llu unmatched, every class as libpcap", mode,
		    dd ? " with -dd files" : "", by ? " --by " : "", by ? by : "", filter ? " --filter " : "",
		    filter ? filter : "", s.n, (unsigned long long)passed,
		    (unsigned long long)want[pc_class_index(PC_DIR_RX, NEXPRS)].packets);
	free(p.out);
	free(p.err);
	free(s.f);
	free(t);
	sh("rm -f /tmp/pktcount-class-%d-*", (int)getpid());
	if (!filter)
		cr_expect_gt(want[pc_class_index(PC_DIR_RX, NEXPRS)].packets, 0,
			     "no frame is unmatched: the row tests nothing");
	cr_assert_eq(bad, 0, "%d of %zu classes counted wrong", bad, NEXPRS + 1);
}

Test(class, live_ebpf, .fini = down, .timeout = 90) { live_test("ebpf", 0, NULL); }
Test(class, live_classic, .fini = down, .timeout = 90) { live_test("classic", 0, NULL); }
Test(class, live_pcap, .fini = down, .timeout = 90) { live_test("pcap", 0, NULL); }
Test(class, live_ebpf_dd_files, .fini = down, .timeout = 90) { live_test("ebpf", 1, NULL); }
Test(class, live_classic_dd_files, .fini = down, .timeout = 90) { live_test("classic", 1, NULL); }
Test(class, live_ebpf_by_flow, .fini = down, .timeout = 90) { live_test("ebpf", 0, "flow"); }
Test(class, live_ebpf_filter, .fini = down, .timeout = 90) { live_test_filtered("ebpf", 0, NULL, "udp or vlan"); }
Test(class, live_classic_filter, .fini = down, .timeout = 90) { live_test_filtered("classic", 0, NULL, "udp or vlan"); }
Test(class, live_pcap_filter, .fini = down, .timeout = 90) { live_test_filtered("pcap", 0, NULL, "udp or vlan"); }

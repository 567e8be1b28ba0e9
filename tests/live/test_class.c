// SPDX-License-Identifier: GPL-2.0
/*
 * Classes (docs/counting.md, "Classes") against libpcap and the kernel.
 *
 * Fifty-two expressions, compiled as tcpdump compiles them for a live
 * device, run over the frame table (every hand-written frame, each cut at
 * every length, and copies with other addresses, ports, flags and types
 * written in).  None of those frames had a tag moved out, so there a class
 * must match exactly when libpcap's own matcher does with the expression
 * compiled for a capture: in pktcount's interpreter (classic mode) and in
 * the counting program through BPF_PROG_TEST_RUN (eBPF mode), every class
 * in one program.
 *
 * Live, over a veth pair whose receiving end moves each outer tag out, the
 * kernel judges: each class's `tcpdump -i vb -dd` program filters a packet
 * socket of its own, and what that socket received is what the class must
 * count, in every mode, from expressions and from -dd files alike.  What
 * needs no kernel (too many classes, random -dd programs) is
 * tests/unit/test_class.c's.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_packet.h>

#include "bpf.h"
#include "bpf_insn.h"
#include "class_pcap.h"
#include "class.h"
#include "prog/build.h"

#include "lib/frames.h"
#include "lib/load.h"
#include "lib/netns.h"
#include "lib/proc.h"
#include "lib/records.h"
#include "lib/sh.h"
#include "lib/traffic.h"
#include "lib/wait.h"

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

/* libpcap's programs for a capture, by class and link (NULL: libpcap refused the expression there) */
static void *capture[NEXPRS][2];

static void add_classes(void)
{
	char name[16], err[256];
	size_t i;
	int l;

	pc_classes_free();
	for (i = 0; i < NEXPRS; i++) {
		snprintf(name, sizeof(name), "c%02zu", i);
		cr_assert_eq(pc_class_add(name, exprs[i], "test"), 0, "%s", exprs[i]);
		for (l = 0; l < 2; l++) {
			pc_pcap_free(capture[i][l]);
			capture[i][l] = NULL;
			if (pc_pcap_compile_capture(exprs[i], l == PC_LINK_ETH, &capture[i][l], err, sizeof(err)) < 0)
				capture[i][l] = NULL;
		}
	}
	cr_assert_eq(pc_classes.n, NEXPRS);
	cr_assert(pc_pcap_live(), "the classes were not compiled for a live device: %s", pc_classes.offline);
}

/* libpcap's verdict on a frame no tag was moved out of */
static int truth(unsigned int cls, const struct frame_case *c)
{
	return capture[cls][c->link] && pc_pcap_match(capture[cls][c->link], c->data, c->len, c->len);
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

Test(class, interpreter_matches_libpcap)
{
	struct frame_case *t;
	size_t n, i, runs = 0, wrong = 0, hits[NEXPRS] = { 0 };
	unsigned int k;

	add_classes();
	n = class_frames(&t);
	for (i = 0; i < n; i++) {
		const struct frame_case *c = &t[i];
		struct pc_frame f = { .p = c->data, .caplen = c->len, .len = c->len, .link = c->link,
				      .protocol = c->protocol };

		for (k = 0; k < NEXPRS; k++) {
			const struct pc_cprog *cp = &pc_classes.c[k].prog[c->link];
			int want = truth(k, c), got = pc_cprog_match(cp, &f);

			hits[k] += (size_t)want;
			runs++;
			if (got != want && wrong++ < 20)
				cr_log_error("%s: \"%s\": %d, libpcap %d", c->name, exprs[k], got, want);
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

static void composed_load(struct pc_variant *v, struct composed *m)
{
	const struct pc_build_env env = { 1, PC_PROG_MAX_INSNS };
	uint32_t type = v->counters == PC_CTR_PERCPU ? BPF_MAP_TYPE_PERCPU_ARRAY : BPF_MAP_TYPE_ARRAY;
	struct bpf_insn *insns = calloc(PC_PROG_MAX_INSNS, sizeof(*insns));
	struct pc_built b;
	char err[512], *log = NULL;
	int fds[PC_MAP_SLOTS] = { -1, -1, -1, -1, -1 }, n;

	cr_assert_not_null(insns);
	pc_bpf_raise_memlock();
	v->classes = &pc_classes;
	m->ncpu = v->counters == PC_CTR_PERCPU ? pc_bpf_possible_cpus() : 1;
	m->map_fd = pc_bpf_map_create(type, 4, sizeof(struct pc_counter), PC_MAP0_SLOTS, "pc_t_ctr");
	m->cls_fd = pc_bpf_map_create(type, 4, sizeof(struct pc_counter), pc_class_rows(), "pc_t_cls");
	cr_assert(m->map_fd >= 0 && m->cls_fd >= 0, "map create: %s", strerror(errno));
	cr_assert_eq(pc_build(v, &env, &b, err, sizeof(err)), 0, "%s", err);
	fds[PC_MAP_COUNTERS] = m->map_fd;
	fds[PC_MAP_CLASSES] = m->cls_fd;
	n = pc_asm_link(&b.prog, fds, insns, PC_PROG_MAX_INSNS, err, sizeof(err));
	cr_assert_gt(n, 0, "%s", err);
	cr_assert_eq(pc_lint(insns, (size_t)n, b.prog.since, err, sizeof(err)), 0, "%s: %s", b.name, err);
	m->ninsns = (unsigned int)n;
	m->prog_fd = pc_bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, insns, (size_t)n, b.name, &log);
	cr_assert(m->prog_fd >= 0, "load %s with %zu classes (%d insns): %s\n%.4000s", b.name, NEXPRS, n,
		  strerror(errno), log ? log + (strlen(log) > 4000 ? strlen(log) - 4000 : 0) : "");
	free(log);
	free(insns);
	pc_built_free(&b);
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
static void ebpf_table(struct pc_variant v)
{
	enum pc_link link = v.link;
	static struct pc_counter before[PC_CLASS_ROWS], after[PC_CLASS_ROWS];
	static uint8_t in[14 + FRAME_MAX];
	struct frame_case *t;
	struct composed m;
	size_t n, i, ran = 0, wrong = 0;
	unsigned int k;

	NEED_ROOT("BPF_PROG_TEST_RUN");
	add_classes();
	composed_load(&v, &m);
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
	cr_log_info("%s with %zu classes%s, %u instructions: %zu frames, %zu wrong", variant_name(&v), NEXPRS,
		    v.copy ? " (loads from the copy)" : "", m.ninsns, ran, wrong);
	close(m.prog_fd);
	close(m.map_fd);
	close(m.cls_fd);
	free(t);
	cr_assert_gt(ran, 100);
	cr_assert_eq(wrong, 0);
}

/* The variant of link, counters, unit and copy, at a socket (the classes: composed_load()) */
#define CLS(LINK, CTR, UNIT, COPY)						\
	((struct pc_variant){ .link = PC_LINK_##LINK, .counters = PC_CTR_##CTR, .unit = PC_UNIT_##UNIT, .copy = COPY })

/* loads through LD_ABS (4.1+), or from the copy of the frame's first bytes (4.13+) */
Test(class, eth_xadd_matches_libpcap) { ebpf_table(CLS(ETH, XADD, SKB, 0)); }
Test(class, eth_percpu_matches_libpcap) { ebpf_table(CLS(ETH, PERCPU, SKB, 0)); }
Test(class, eth_percpu_copy_matches_libpcap) { ebpf_table(CLS(ETH, PERCPU, SKB, 1)); }
Test(class, eth_wire_copy_matches_libpcap) { ebpf_table(CLS(ETH, PERCPU, WIRE, 1)); }
Test(class, raw_wire_copy_matches_libpcap) { ebpf_table(CLS(RAW, PERCPU, WIRE, 1)); }
Test(class, raw_xadd_matches_libpcap) { ebpf_table(CLS(RAW, XADD, SKB, 0)); }


/* ---- live: crafted frames over a veth pair, the kernel judging ---- */

static struct topo topo;

static void down(void)
{
	topo_down(&topo);
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

/* `tcpdump -i vb -dd EXPR` into path: libpcap's program for the live device */
static void live_dd(const char *expr, const char *path)
{
	sh_ok("ip netns exec %s tcpdump -i vb -dd '%s' > %s 2>/dev/null", topo.b, expr, path);
}

/* A -dd file's program (malloc'ed). */
static struct sock_filter *dd_read(const char *dd, unsigned int *n)
{
	char err[200], *text = NULL;
	struct sock_filter *insns;
	FILE *f = fopen(dd, "r");
	size_t len = 0;

	cr_assert_not_null(f, "%s: %s", dd, strerror(errno));
	cr_assert_geq(getdelim(&text, &len, 0, f), 0);
	fclose(f);
	cr_assert_eq(pc_cprog_parse(text, &insns, n, err, sizeof(err)), 0, "%s: %s", dd, err);
	free(text);
	return insns;
}

/*
 * Where a chained program goes when it returns: on to the next program,
 * or to the chain's end, which keeps the frame (PASS) or drops it (FAIL).
 */
enum chain_to { TO_NEXT, TO_PASS, TO_FAIL };

struct chain {
	struct sock_filter f[PC_CBPF_MAX_INSNS];
	unsigned int n;
	struct {
		unsigned int start, end;
		enum chain_to match, miss;
	} part[NEXPRS + 2];
	unsigned int nparts;
};

/*
 * Chain libpcap's programs as they are, each with where a match and a miss
 * go: its returns become jumps (PASS then FAIL close the chain).  Expressions
 * joined in one (A or vlan or B) would not do: libpcap reads everything
 * after vlan, mpls or pppoes 4 bytes or a header further on.
 */
static void chain_add(struct chain *c, const char *dd, enum chain_to match, enum chain_to miss)
{
	unsigned int n;
	struct sock_filter *p = dd_read(dd, &n);

	cr_assert_lt(c->n + n + 2, PC_CBPF_MAX_INSNS);
	memcpy(c->f + c->n, p, n * sizeof(*p));
	free(p);
	c->part[c->nparts].start = c->n;
	c->part[c->nparts].end = c->n + n;
	c->part[c->nparts].match = match;
	c->part[c->nparts++].miss = miss;
	c->n += n;
}

static struct sock_fprog chain_close(struct chain *c)
{
	unsigned int i, pc, pass = c->n, fail = c->n + 1;

	c->f[pass] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 64);
	c->f[fail] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	for (i = 0; i < c->nparts; i++)
		for (pc = c->part[i].start; pc < c->part[i].end; pc++) {
			enum chain_to to;
			unsigned int at;

			if (c->f[pc].code != (BPF_RET | BPF_K))
				continue;
			to = c->f[pc].k ? c->part[i].match : c->part[i].miss;
			at = to == TO_NEXT ? c->part[i].end : to == TO_PASS ? pass : fail;
			c->f[pc] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, at - pc - 1);
		}
	return (struct sock_fprog){ (unsigned short)(c->n + 2), c->f };
}

/*
 * A packet socket on vb (this process is in b) filtered by a chain: the
 * kernel's own verdicts.  A pass keeps 64 bytes: the socket holds many
 * frames in little memory, and PACKET_AUXDATA still gives each one's length
 * before the filter cut it.
 */
static int judge_socket(struct chain *c)
{
	struct sock_fprog prog = chain_close(c);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(0x0003) };
	int fd = socket(AF_PACKET, SOCK_RAW, 0), one = 1, size = 16 << 20;

	cr_assert(fd >= 0, "%s", strerror(errno));
	cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)), 0, "%s", strerror(errno));
	cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)), 0);
	cr_assert_eq(setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)), 0);
	sll.sll_ifindex = (int)if_nametoindex("vb");
	cr_assert_eq(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0, "%s", strerror(errno));
	return fd;
}

/* Add what the socket received: frames, and their bytes on the wire (a moved-out tag too). */
static void judge_take(int fd, struct pc_counter *c)
{
	static uint8_t buf[64];
	struct tpacket_stats st;
	socklen_t sl = sizeof(st);

	for (;;) {
		union {
			struct cmsghdr h;
			uint8_t b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} ctl;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
				    .msg_controllen = sizeof(ctl.b) };
		const struct tpacket_auxdata *aux;

		if (recvmsg(fd, &m, MSG_DONTWAIT) < 0)
			break;
		aux = (const void *)CMSG_DATA(CMSG_FIRSTHDR(&m));
		c->packets++;
		c->bytes += aux->tp_len + ((aux->tp_status & TP_STATUS_VLAN_VALID) ? 4 : 0);
	}
	cr_assert_eq(getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl), 0);
	cr_assert_eq(st.tp_drops, 0, "a judging socket dropped %u frames", st.tp_drops);
}

#define BATCH 400

/*
 * Every Ethernet frame of class_frames() 1 to 3 times from va, in batches;
 * pktcount in mode on vb, the classes as expressions or (dd) as the -dd
 * files of tcpdump -i vb: each class counts what its judge received (with
 * --filter, the judge of "(FILTER) and (EXPR)"), unmatched what the judge
 * of "not (any class)" received, the keys what the filter's judge did.
 */
static void live_test(const char *mode, int dd, const char *by, const char *filter)
{
	static struct pc_counter got[PC_CLASS_ROWS], want[NEXPRS + 2];
	char file[128], path[128], fpath[128], name[32];
	const char *argv[] = { "-j", "-i", "0.2", "-m", mode, "--classes", file, "vb", NULL, NULL, NULL, NULL, NULL };
	int judge[NEXPRS + 2], bad = 0, a = 8;
	struct frame_case *t;
	struct inject s = { 0 };
	struct tx_frame *send;
	struct pktcount_proc p;
	struct run_output ro;
	struct watch w;
	struct link_stats vb0, vb1;
	size_t n, i, k;
	FILE *f;

	NEED_ROOT("network namespaces");
	if (!mode_built_in(mode))
		cr_skip_test("this pktcount was built without %s mode", mode);
	if (sh("command -v tcpdump >/dev/null") != 0)
		cr_skip_test("no tcpdump to judge with");
	add_classes();
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	/* the oldest socket on vb, so handed each frame last: once it has them, so have the judges */
	watch_start(&w, topo.b, "vb");
	if (by)
		argv[a++] = "--by", argv[a++] = by;
	if (filter)
		argv[a++] = "--filter", argv[a++] = filter;

	/* the classes for pktcount, as expressions or tcpdump -i vb -dd files; the filter's file */
	f = fopen(tmp_path(file, sizeof(file), "classes.txt"), "w");
	cr_assert_not_null(f);
	for (k = 0; k < NEXPRS; k++) {
		snprintf(name, sizeof(name), "c%02zu.dd", k);
		live_dd(exprs[k], tmp_path(path, sizeof(path), name));
		if (dd)
			fprintf(f, "c%02zu @%s\n", k, path);
		else
			fprintf(f, "c%02zu %s   # class %zu\n", k, exprs[k], k);
	}
	fclose(f);
	live_dd(filter ? filter : "", tmp_path(fpath, sizeof(fpath), "filter.dd"));

	/* the judges: filter then class k; filter then none of the classes; the filter alone */
	cr_assert_eq(join_netns(topo.b), 0);
	for (k = 0; k < NEXPRS + 2; k++) {
		static struct chain c;
		size_t j;

		c.n = c.nparts = 0;
		chain_add(&c, fpath, k == NEXPRS + 1 ? TO_PASS : TO_NEXT, TO_FAIL);
		for (j = 0; j < NEXPRS && k <= NEXPRS; j++) {
			if (k < NEXPRS && j != k)
				continue;
			snprintf(name, sizeof(name), "c%02zu.dd", j);
			if (k < NEXPRS)
				chain_add(&c, tmp_path(path, sizeof(path), name), TO_PASS, TO_FAIL);
			else
				chain_add(&c, tmp_path(path, sizeof(path), name), TO_FAIL, TO_NEXT);
		}
		judge[k] = judge_socket(&c);
		want[k] = (struct pc_counter){ 0, 0 };
	}
	n = class_frames(&t);
	s.f = send = calloc(n, sizeof(*send));
	cr_assert_not_null(send);
	for (i = 0; i < n; i++) {
		uint32_t et = t[i].len >= 14 ? (uint32_t)t[i].data[12] << 8 | t[i].data[13] : 0;

		/* as test_live.c: shorter than a header cannot be sent, a cut outer tag never arrives */
		if (t[i].link == PC_LINK_ETH && t[i].len >= 14 && !((et == 0x8100 || et == 0x88a8) && t[i].len < 20))
			send[s.n++] = (struct tx_frame){ t[i].data, t[i].len, 0 };
	}
	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	if (pktcount_wait_line(&p, WAIT_MS) != 0) {
		pktcount_finish(&p, SIGTERM, WAIT_MS);
		cr_assert_fail("pktcount printed nothing, exit %d: %s", p.status, p.err ? p.err : "");
	}
	cr_assert_eq(link_stats(topo.b, "vb", &vb0), 0);
	for (s.from = 0; s.from < s.n; s.from = s.to) {
		s.to = s.from + BATCH < s.n ? s.from + BATCH : s.n;
		cr_assert_eq(in_netns(topo.a, inject_frames, &s), 0, "injecting frames failed");
		/* vb's own counter: what arrived there, and so what the watcher will have */
		cr_assert_eq(link_stats(topo.b, "vb", &vb1), 0);
		watch_wait(&w, (long)(vb1.rx_packets - vb0.rx_packets), WAIT_MS);
		for (k = 0; k < NEXPRS + 2; k++)
			judge_take(judge[k], &want[k]);
	}
	watch_stop(&w);
	/* pktcount counts what the filter's judge received (--filter restricts all counting) */
	pktcount_wait_counted(&p, "vb", COUNT_RX, want[NEXPRS + 1].packets, WAIT_MS);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "exit %d: %s", p.status, p.err ? p.err : "");
	total_classes(p.out, "vb", got);
	cr_assert_eq(parse_output(p.out, "vb", &ro, NULL, 0), 0);
	for (k = 0; k <= NEXPRS; k++) {
		const struct pc_counter *g = &got[pc_class_index(PC_DIR_RX, (unsigned int)k)];

		close(judge[k]);
		if (g->bytes != want[k].bytes || g->packets != want[k].packets ||
		    got[pc_class_index(PC_DIR_TX, (unsigned int)k)].packets) {
			cr_log_error("%s%s: \"%s\": %llu packets %llu bytes, the kernel's socket %llu packets %llu bytes",
				     mode, dd ? " (-dd files)" : "", k < NEXPRS ? exprs[k] : "unmatched",
				     (unsigned long long)g->packets, (unsigned long long)g->bytes,
				     (unsigned long long)want[k].packets, (unsigned long long)want[k].bytes);
			bad++;
		}
	}
	close(judge[NEXPRS + 1]);
	cr_expect_eq(dir_sum(ro.totals, PC_DIR_RX).packets, want[NEXPRS + 1].packets, "%llu packets under their keys, "
		     "the kernel's socket %llu", (unsigned long long)dir_sum(ro.totals, PC_DIR_RX).packets,
		     (unsigned long long)want[NEXPRS + 1].packets);
	cr_expect_eq(dir_sum(ro.totals, PC_DIR_RX).bytes, want[NEXPRS + 1].bytes);
	if (!filter)
		cr_expect_gt(want[NEXPRS].packets, 0, "no frame is unmatched: the row tests nothing");
	cr_log_info("%s%s%s%s%s%s: %zu distinct frames, %llu counted, %llu unmatched, every class as the kernel's socket",
		    mode, dd ? " with -dd files" : "", by ? " --by " : "", by ? by : "", filter ? " --filter " : "",
		    filter ? filter : "", s.n, (unsigned long long)want[NEXPRS + 1].packets,
		    (unsigned long long)want[NEXPRS].packets);
	free(p.out);
	free(p.err);
	free(send);
	free(t);
	sh("rm -f /tmp/pktcount-class-%d-*", (int)getpid());
	cr_assert_eq(bad, 0, "%d of %zu classes counted wrong", bad, NEXPRS + 1);
}

Test(class, live_ebpf, .fini = down, .timeout = 120) { live_test("ebpf", 0, NULL, NULL); }
Test(class, live_tc, .fini = down, .timeout = 120) { live_test("tc", 0, NULL, NULL); }
Test(class, live_tc_by_flow_filter, .fini = down, .timeout = 120) { live_test("tc", 0, "flow", "udp or vlan"); }
Test(class, live_classic, .fini = down, .timeout = 120) { live_test("classic", 0, NULL, NULL); }
Test(class, live_pcap, .fini = down, .timeout = 120) { live_test("pcap", 0, NULL, NULL); }
Test(class, live_ebpf_dd_files, .fini = down, .timeout = 120) { live_test("ebpf", 1, NULL, NULL); }
Test(class, live_classic_dd_files, .fini = down, .timeout = 120) { live_test("classic", 1, NULL, NULL); }
Test(class, live_pcap_dd_files, .fini = down, .timeout = 120) { live_test("pcap", 1, NULL, NULL); }
Test(class, live_ebpf_by_flow, .fini = down, .timeout = 120) { live_test("ebpf", 0, "flow", NULL); }
Test(class, live_ebpf_filter, .fini = down, .timeout = 120) { live_test("ebpf", 0, NULL, "udp or vlan"); }
Test(class, live_classic_filter, .fini = down, .timeout = 120) { live_test("classic", 0, NULL, "udp or vlan"); }
Test(class, live_pcap_filter, .fini = down, .timeout = 120) { live_test("pcap", 0, NULL, "udp or vlan"); }

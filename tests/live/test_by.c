// SPDX-License-Identifier: GPL-2.0
/*
 * Breakdowns (--by; docs/counting.md, "Breakdowns") live: in every mode,
 * exact counts per entry against frames the test sent, and a flood of
 * distinct flows past --max-keys that still adds up to every frame; the
 * eBPF breakdown programs through BPF_PROG_TEST_RUN build the keys of the
 * frames of tests/lib/bykeys.c as the userspace classifier does
 * (tests/unit/test_by.c), and count past a full map in overflow.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <cjson/cJSON.h>
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
#include "pktcount.h"

#include "lib/bykeys.h"
#include "lib/frames.h"
#include "lib/load.h"
#include "lib/netns.h"
#include "lib/proc.h"
#include "lib/records.h"
#include "lib/wait.h"

/* ---- live: frames from several hosts, in classic and pcap mode ---- */

static struct topo topo;

static void down(void)
{
	topo_down(&topo);
}

/* One host's frames: IPv4 UDP or IPv6 TCP from address a and MAC m, copies of them. */
struct host {
	enum pc_l3 l3;
	uint8_t a[16], m[6];
	uint16_t sport;
	unsigned int copies, payload;
};

#define NHOSTS 8
static struct host hosts[NHOSTS];
static const uint8_t far_mac[6] = { 0x02, 0, 0, 0, 0, 0x99 };	/* no one's: nothing answers */
static const uint8_t dst4[4] = { 10, 0, 1, 1 };
static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0xff };

static void make_hosts(void)
{
	int i;

	for (i = 0; i < NHOSTS; i++) {
		struct host *h = &hosts[i];

		memset(h, 0, sizeof(*h));
		h->l3 = i < 5 ? PC_L3_IPV4 : PC_L3_IPV6;
		if (h->l3 == PC_L3_IPV4) {
			memcpy(h->a, (const uint8_t[4]){ 10, 0, 0, (uint8_t)(i + 1) }, 4);
		} else {
			memcpy(h->a, dst6, 16);
			h->a[15] = (uint8_t)(i + 1);
		}
		memcpy(h->m, (const uint8_t[6]){ 0x02, 0, 0, 0, 1, (uint8_t)(i + 1) }, 6);
		h->sport = (uint16_t)(1000 + i);
		h->copies = (unsigned int)i + 1;
		h->payload = 20 + 10 * (unsigned int)i;
	}
}

static void host_frame(const struct host *h, struct fr *f)
{
	f->len = 0;
	put(f, far_mac, 6);
	put(f, h->m, 6);
	if (h->l3 == PC_L3_IPV4) {
		put16(f, 0x0800);
		put8(f, 0x45); zeros(f, 5); put16(f, 0); put8(f, 64); put8(f, 17); zeros(f, 2);
		put(f, h->a, 4);
		put(f, dst4, 4);
		l4(f, h->sport, 53, 8);
	} else {
		put16(f, 0x86dd);
		put8(f, 0x60); zeros(f, 5); put8(f, 6); put8(f, 64);
		put(f, h->a, 16);
		put(f, dst6, 16);
		l4(f, h->sport, 443, 20);
	}
	zeros(f, h->payload);
}

static int send_hosts(void *arg)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int s = socket(AF_PACKET, SOCK_RAW, 0), i;
	unsigned int k;
	struct fr f;

	(void)arg;
	sll.sll_ifindex = (int)if_nametoindex("va");
	if (s < 0 || !sll.sll_ifindex)
		return 10;
	for (i = 0; i < NHOSTS; i++) {
		host_frame(&hosts[i], &f);
		for (k = 0; k < hosts[i].copies; k++)
			if (sendto(s, f.p, f.len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)f.len)
				return 11;
	}
	close(s);
	return 0;
}

/* "dir|name=text|..." of an entry: the key parts as output names them */
static void entry_id(char *out, size_t size, const char *dir, const struct pc_kpart *p, int n)
{
	size_t len = (size_t)snprintf(out, size, "%s", dir);
	int i;

	for (i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "|%s=%s", p[i].name, p[i].text);
}

/* The same from a JSON entry object: every field but dir and the counts, in order. */
static void json_id(char *out, size_t size, const cJSON *e)
{
	const cJSON *f;
	size_t len = (size_t)snprintf(out, size, "%s", cJSON_GetObjectItemCaseSensitive(e, "dir")->valuestring);

	cJSON_ArrayForEach(f, e) {
		if (!strcmp(f->string, "dir") || strstr(f->string, "bytes") || strstr(f->string, "packets"))
			continue;
		if (cJSON_IsString(f))
			len += (size_t)snprintf(out + len, size - len, "|%s=%s", f->string, f->valuestring);
		else if (cJSON_IsBool(f))
			len += (size_t)snprintf(out + len, size - len, "|%s=%s", f->string, cJSON_IsTrue(f) ? "true" : "false");
		else
			len += (size_t)snprintf(out + len, size - len, "|%s=%.0f", f->string, f->valuedouble);
	}
}

/* The expected entries of the hosts' frames under --by by, seen in direction dir. */
static int expected(enum pc_by by, enum pc_dir dir, char ids[][160], struct pc_counter *c)
{
	int i, n = 0;

	for (i = 0; i < NHOSTS; i++) {
		const struct host *h = &hosts[i];
		size_t alen = h->l3 == PC_L3_IPV6 ? 16 : 4;
		const uint8_t *dst = h->l3 == PC_L3_IPV6 ? dst6 : dst4;
		uint32_t flen = 14 + (h->l3 == PC_L3_IPV6 ? 40 + 20 : 20 + 8) + h->payload;
		struct pc_kpart p[PC_KPARTS_MAX];
		struct pc_bkey k;

		switch (by) {
		case PC_BY_HOST:
			k = built_ip(h->l3, dir == PC_DIR_RX ? h->a : dst, NULL, alen, 0, 0, 0);
			break;
		case PC_BY_PAIR:
			k = built_ip(h->l3, h->a, dst, alen, 0, 0, 0);
			break;
		case PC_BY_FLOW:
			k = built_ip(h->l3, h->a, dst, alen, h->l3 == PC_L3_IPV6 ? 6 : 17, h->sport,
				     h->l3 == PC_L3_IPV6 ? 443 : 53);
			break;
		default:
			k = mac_of(dir == PC_DIR_RX ? h->m : far_mac);
			break;
		}
		entry_id(ids[n], sizeof(ids[n]), pc_dir_name(dir), p, pc_bkey_parts(&k, by, p));
		/* host and mac on tx: every frame goes to the same other end */
		if (n && !strcmp(ids[n], ids[n - 1])) {
			c[n - 1].bytes += (uint64_t)flen * h->copies;
			c[n - 1].packets += h->copies;
			continue;
		}
		c[n].bytes = (uint64_t)flen * h->copies;
		c[n].packets = h->copies;
		n++;
	}
	return n;
}

/* pktcount's total record for iface: every entry must be one expected, with its counts, and all there. */
static void check_entries(const char *out, const char *iface, enum pc_by by, enum pc_dir dir, const char *mode)
{
	char want[NHOSTS][160], got[160];
	struct pc_counter wc[NHOSTS];
	int nw = expected(by, dir, want, wc), seen[NHOSTS] = { 0 }, i;
	const char *line = strstr(out, "\"type\":\"total\"");
	cJSON *j, *e;

	cr_assert_not_null(line, "%s --by %s: no total record", mode, pc_by_name(by));
	while (line > out && line[-1] != '\n')
		line--;
	j = cJSON_ParseWithLength(line, strcspn(line, "\n"));
	cr_assert_not_null(j);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "entries")) {
		double bytes = cJSON_GetObjectItemCaseSensitive(e, "bytes")->valuedouble;
		double packets = cJSON_GetObjectItemCaseSensitive(e, "packets")->valuedouble;

		json_id(got, sizeof(got), e);
		if (strncmp(got, pc_dir_name(dir), 2))
			continue;	/* the other direction */
		for (i = 0; i < nw && strcmp(got, want[i]); i++)
			;
		if (i == nw) {
			cr_log_error("%s %s --by %s: unexpected entry %s", mode, iface, pc_by_name(by), got);
			cr_expect_fail();
			continue;
		}
		seen[i] = 1;
		cr_expect(bytes == (double)wc[i].bytes && packets == (double)wc[i].packets,
			  "%s %s --by %s: %s counted %.0f bytes %.0f packets, sent %llu and %llu", mode, iface,
			  pc_by_name(by), got, bytes, packets, (unsigned long long)wc[i].bytes,
			  (unsigned long long)wc[i].packets);
	}
	for (i = 0; i < nw; i++)
		cr_expect(seen[i], "%s %s --by %s: no entry %s", mode, iface, pc_by_name(by), want[i]);
	cJSON_Delete(j);
}

static void hosts_test(const char *mode)
{
	struct pktcount_proc rx[PC_BY_COUNT], tx[PC_BY_COUNT];
	struct link_stats a0, a1;
	int by;

	NEED_ROOT("network namespaces");
	if (!strcmp(mode, "pcap") && !mode_built_in("pcap"))
		cr_skip_test("this pktcount was built without libpcap");
	make_hosts();
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	for (by = PC_BY_HOST; by < PC_BY_COUNT; by++) {
		const char *argv_b[] = { "-j", "-i", "0.2", "-m", mode, "--by", pc_by_name((enum pc_by)by), "vb", NULL };
		const char *argv_a[] = { "-j", "-i", "0.2", "-m", mode, "--by", pc_by_name((enum pc_by)by), "va", NULL };

		cr_assert_eq(pktcount_start(&rx[by], topo.b, argv_b), 0);
		cr_assert_eq(pktcount_start(&tx[by], topo.a, argv_a), 0);
		cr_assert_eq(pktcount_wait_line(&rx[by], WAIT_MS), 0);
		cr_assert_eq(pktcount_wait_line(&tx[by], WAIT_MS), 0);
	}
	cr_assert_eq(link_stats(topo.a, "va", &a0), 0);
	cr_assert_eq(in_netns(topo.a, send_hosts, NULL), 0, "sending the hosts' frames failed");
	/* what va sent (its own counter) is what vb received: counted so by each pktcount */
	cr_assert_eq(link_stats(topo.a, "va", &a1), 0);
	for (by = PC_BY_HOST; by < PC_BY_COUNT; by++) {
		pktcount_wait_counted(&rx[by], "vb", COUNT_RX, a1.tx_packets - a0.tx_packets, WAIT_MS);
		pktcount_wait_counted(&tx[by], "va", COUNT_TX, a1.tx_packets - a0.tx_packets, WAIT_MS);
	}
	for (by = PC_BY_HOST; by < PC_BY_COUNT; by++) {
		cr_assert_eq(pktcount_finish(&rx[by], SIGTERM, WAIT_MS), 0, "%s", rx[by].err);
		cr_assert_eq(pktcount_finish(&tx[by], SIGTERM, WAIT_MS), 0, "%s", tx[by].err);
		check_entries(rx[by].out, "vb", (enum pc_by)by, PC_DIR_RX, mode);
		check_entries(tx[by].out, "va", (enum pc_by)by, PC_DIR_TX, mode);
		free(rx[by].out);
		free(rx[by].err);
		free(tx[by].out);
		free(tx[by].err);
	}
}

Test(by, ebpf_counts_every_host_exactly, .fini = down, .timeout = 60) { hosts_test("ebpf"); }
Test(by, tc_counts_every_host_exactly, .fini = down, .timeout = 60) { hosts_test("tc"); }
Test(by, classic_counts_every_host_exactly, .fini = down, .timeout = 60) { hosts_test("classic"); }
Test(by, pcap_counts_every_host_exactly, .fini = down, .timeout = 60) { hosts_test("pcap"); }

/* ---- a flood of distinct flows past --max-keys ---- */

#define FLOOD 100000
#define FLOOD_MAX_KEYS 1000

static int occurrences_of(const char *s, const char *what)
{
	int n = 0;

	for (; s && (s = strstr(s, what)); s++)
		n++;
	return n;
}

/* FLOOD IPv4 UDP frames of 60 bytes, each a flow of its own, back to back. */
static int send_flood(void *arg)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int s = socket(AF_PACKET, SOCK_RAW, 0), i;
	struct fr f = { .len = 0 };

	(void)arg;
	sll.sll_ifindex = (int)if_nametoindex("va");
	if (s < 0 || !sll.sll_ifindex)
		return 10;
	put(&f, far_mac, 6);
	put(&f, mac_a, 6);
	put16(&f, 0x0800);
	put8(&f, 0x45); zeros(&f, 5); put16(&f, 0); put8(&f, 64); put8(&f, 17); zeros(&f, 2);
	put(&f, v4a, 4);
	put(&f, v4b, 4);
	l4(&f, 0, 53, 8);
	zeros(&f, 60 - f.len);
	for (i = 0; i < FLOOD; i++) {
		/* source port and the source address's last byte: 100,000 flows */
		f.p[14 + 15] = (uint8_t)(i >> 16);
		f.p[14 + 20] = (uint8_t)(i >> 8);
		f.p[14 + 21] = (uint8_t)i;
		if (sendto(s, f.p, f.len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)f.len)
			return 11;
	}
	close(s);
	return 0;
}

/*
 * The flood, counted with --max-keys 1000, and with idle (not NULL) --idle:
 * the first flood's keys then leave before a second flood comes, and its
 * keys take their room.  FLOOD_IDLE is longer than a flood takes even on a
 * loaded machine (100,000 sendto() calls), so no key of a flood goes idle
 * while that flood still runs, and exactly 1,000 keys a flood are kept.
 */
#define FLOOD_IDLE "3"
static void flood_test(const char *mode, const char *idle)
{
	const char *argv[] = { "-j", "-i", "0.1", "-m", mode, "--by", "flow", "--max-keys", "1000",
			       "--ring-size", "64M", idle ? "--idle" : "vb", idle ? idle : NULL, "vb", NULL };
	struct pktcount_proc p;
	struct pc_counter sum = { 0, 0 };
	const char *line;
	cJSON *j, *e;
	int entries = 0, other = 0, idled = 0;
	uint64_t keyed = 0;	/* frames counted under a key, kept or idle */
	const unsigned int floods = idle ? 2 : 1;

	NEED_ROOT("network namespaces");
	if (!strcmp(mode, "pcap") && !mode_built_in("pcap"))
		cr_skip_test("this pktcount was built without libpcap");
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0);
	cr_assert_eq(in_netns(topo.a, send_flood, NULL), 0, "the flood failed");
	if (idle) {
		/* a second flood once the first one's keys went idle (reading the output meanwhile): they make room */
		int seen = occurrences_of(p.out, "\"type\":\"interval\"");

		cr_assert_eq(pktcount_wait_for(&p, "\"type\":\"interval\"", seen + 40, WAIT_MS), 0,
			     "%s: 40 more intervals (4 s) did not come", mode);
		cr_assert_eq(in_netns(topo.a, send_flood, NULL), 0, "the second flood failed");
	}
	pktcount_wait_counted(&p, "vb", (int)pc_key_make(PC_DIR_RX, PC_L3_IPV4, 17), (uint64_t)floods * FLOOD,
			      WAIT_MS);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "%s", p.err);
	line = strstr(p.out, "\"type\":\"total\"");
	cr_assert_not_null(line);
	while (line > p.out && line[-1] != '\n')
		line--;
	j = cJSON_ParseWithLength(line, strcspn(line, "\n"));
	cr_assert_not_null(j);
	cr_expect_eq(cJSON_GetObjectItemCaseSensitive(j, "drops")->valuedouble, 0, "frames dropped: %s", mode);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "entries")) {
		sum.bytes += (uint64_t)cJSON_GetObjectItemCaseSensitive(e, "bytes")->valuedouble;
		sum.packets += (uint64_t)cJSON_GetObjectItemCaseSensitive(e, "packets")->valuedouble;
		entries++;
		other += cJSON_GetObjectItemCaseSensitive(e, "other") != NULL;
		idled += cJSON_GetObjectItemCaseSensitive(e, "idle") != NULL;
		if (!cJSON_GetObjectItemCaseSensitive(e, "other"))
			keyed += (uint64_t)cJSON_GetObjectItemCaseSensitive(e, "packets")->valuedouble;
	}
	cr_log_info("%s: %d entries (%d other), overflow %.0f, %llu packets", mode, entries, other,
		    cJSON_GetObjectItemCaseSensitive(j, "overflow")->valuedouble, (unsigned long long)sum.packets);
	cr_expect_eq(sum.packets, floods * FLOOD, "%s: the entries add up to %llu frames, sent %u", mode,
		     (unsigned long long)sum.packets, floods * FLOOD);
	cr_expect_eq(sum.bytes, (uint64_t)floods * FLOOD * 60);
	cr_expect_eq(other, 1, "%s: no overflow entry", mode);
	if (!idle) {
		cr_expect_eq(entries, FLOOD_MAX_KEYS + 1, "%s: %d entries", mode, entries);
		cr_expect_eq(cJSON_GetObjectItemCaseSensitive(j, "overflow")->valuedouble, FLOOD - FLOOD_MAX_KEYS);
	} else {
		/*
		 * The first flood's keys went idle and the second's took their room:
		 * 1,000 keys a flood, kept or (by the time of the total) idle too.
		 */
		cr_expect_eq(idled, 1, "%s: no idle entry", mode);
		cr_expect_eq(keyed, 2 * FLOOD_MAX_KEYS, "%s: %llu frames under keys", mode, (unsigned long long)keyed);
		cr_expect_eq(cJSON_GetObjectItemCaseSensitive(j, "overflow")->valuedouble,
			     2 * (FLOOD - FLOOD_MAX_KEYS));
	}
	cJSON_Delete(j);
	free(p.out);
	free(p.err);
}

Test(by, ebpf_flood_past_max_keys_adds_up, .fini = down, .timeout = 120) { flood_test("ebpf", NULL); }
Test(by, classic_flood_past_max_keys_adds_up, .fini = down, .timeout = 120) { flood_test("classic", NULL); }
Test(by, ebpf_flood_with_idle_keys_adds_up, .fini = down, .timeout = 120) { flood_test("ebpf", FLOOD_IDLE); }
Test(by, classic_flood_with_idle_keys_adds_up, .fini = down, .timeout = 120) { flood_test("classic", FLOOD_IDLE); }
Test(by, pcap_flood_with_idle_keys_adds_up, .fini = down, .timeout = 120) { flood_test("pcap", FLOOD_IDLE); }
Test(by, pcap_flood_past_max_keys_adds_up, .fini = down, .timeout = 120) { flood_test("pcap", NULL); }

/* ---- the eBPF breakdown programs through BPF_PROG_TEST_RUN ---- */

/* A breakdown program with its maps (tests/lib/load.c); the test fails if the kernel refuses it. */
static void by_load(const struct pc_variant *v, struct loaded *m)
{
	char err[4096];

	cr_assert_eq(prog_load(v, m, err, sizeof(err)), 0, "%s", err);
}

/* The breakdown variant of link, counters and unit, at a socket */
#define BY(LINK, CTR, UNIT) variant_of(PC_LINK_##LINK, PC_CTR_##CTR, PC_UNIT_##UNIT, 1, PC_AT_SOCKET)

/*
 * Run one frame (rx, as the test run gives it) under --by by; the one entry
 * in map gen must be pc_bkey_make()'s key with { len, 1 } rx; it is then
 * deleted.  0, or 1 with the difference logged.
 */
static int by_run(struct loaded *m, const uint8_t *f, uint32_t len, enum pc_link link, uint16_t protocol,
		  enum pc_by by, const char *name)
{
	uint8_t in[14 + 3200] = { [12] = 0x88, [13] = 0xb5 };
	uint32_t zero = 0, ctl[4] = { 0, (uint32_t)by, 0, 0 }, retval = 1;
	struct pc_bkey want, got = { 0 };
	struct pc_kpart pg[PC_KPARTS_MAX], pw[PC_KPARTS_MAX];
	struct pc_counter rx;
	int entries, bad = 0;

	if (link == PC_LINK_RAW) {
		in[12] = (uint8_t)(protocol >> 8);
		in[13] = (uint8_t)protocol;
	}
	memcpy(in + 14, f, len);
	cr_assert_eq(pc_bpf_map_update(m->by_fds[0], &zero, ctl, 0), 0);
	cr_assert_eq(pc_bpf_prog_test_run(m->prog_fd, in, 14 + len, NULL, &retval), 0, "%s: %s", name, strerror(errno));
	pc_bkey_make(f, len, len, link, protocol, 0, 0, by, &want);
	entries = by_entries_take(m, &rx, &got);
	cr_assert_geq(entries, 0, "%s: %s", name, strerror(-entries));
	if (entries != 1 || memcmp(&got, &want, sizeof(got)) || rx.packets != 1 || rx.bytes != len || retval) {
		pc_bkey_parts(&got, by, pg);
		pc_bkey_parts(&want, by, pw);
		cr_log_error("%s (%u bytes) --by %s: %d entries, last %s=%s what %u l3 %u proto %u ports %u %u "
			     "(+%llu/%llu), want %s=%s what %u l3 %u proto %u ports %u %u", name, len, pc_by_name(by),
			     entries, pg[0].name, pg[0].text, got.what, got.l3, got.ipproto, got.sport, got.dport,
			     (unsigned long long)rx.bytes, (unsigned long long)rx.packets, pw[0].name, pw[0].text,
			     want.what, want.l3, want.ipproto, want.sport, want.dport);
		bad = 1;
	}
	return bad;
}

static void by_program(struct pc_variant v)
{
	enum pc_link link = v.link;
	static struct want t[32];
	struct frame_case *fc;
	struct loaded m;
	static struct pc_counter snap[PC_NKEYS];
	size_t n = by_cases(t), nf = frames_build(&fc), i, ran = 0, bad = 0;
	int64_t keys = 0;
	int by;

	NEED_ROOT("BPF_PROG_TEST_RUN");
	/* one CPU: the new-key counter then counts each protocol key once */
	pin_to_this_cpu();
	by_load(&v, &m);
	for (by = PC_BY_HOST; by < PC_BY_COUNT; by++) {
		for (i = 0; i < n; i++) {
			if (t[i].link != link || t[i].f.len < (link == PC_LINK_RAW ? 40u : 0u))
				continue;
			bad += (size_t)by_run(&m, t[i].f.p, t[i].f.len, t[i].link, t[i].protocol, (enum pc_by)by, t[i].name);
			ran++;
		}
		/* and the whole frame table, cut at every length: the same keys as the classifier */
		for (i = 0; i < nf; i++) {
			const struct frame_case *c = &fc[i];

			if (c->link != link || (link == PC_LINK_RAW &&
						((c->protocol == 0x0800 && c->len < 20) ||
						 (c->protocol == 0x86dd && c->len < 40))))
				continue;
			bad += (size_t)by_run(&m, c->data, c->len, c->link, c->protocol, (enum pc_by)by, c->name);
			ran++;
		}
	}
	cr_assert_eq(map_snapshot(&m, snap), 0);
	for (i = 0; i < PC_NKEYS; i++)
		keys += snap[i].packets != 0;
	cr_expect_eq(map_newkeys(&m), keys, "%s: the new-key counter is not the %lld protocol keys that counted",
		     variant_name(&v), (long long)keys);
	prog_unload(&m);
	free(fc);
	cr_log_info("%s: %zu runs, %zu wrong", variant_name(&v), ran, bad);
	cr_assert_eq(bad, 0, "%zu of %zu runs wrong (see above)", bad, ran);
}

Test(by, ebpf_eth_percpu_builds_the_classifier_keys) { by_program(BY(ETH, PERCPU, SKB)); }
Test(by, ebpf_eth_xadd_builds_the_classifier_keys) { by_program(BY(ETH, XADD, SKB)); }
Test(by, ebpf_raw_percpu_builds_the_classifier_keys) { by_program(BY(RAW, PERCPU, SKB)); }
Test(by, ebpf_raw_xadd_builds_the_classifier_keys) { by_program(BY(RAW, XADD, SKB)); }
Test(by, ebpf_eth_wire_builds_the_classifier_keys) { by_program(BY(ETH, PERCPU, WIRE)); }
Test(by, ebpf_raw_wire_builds_the_classifier_keys) { by_program(BY(RAW, PERCPU, WIRE)); }

/*
 * A full entry map: the frames past its LOADED_BY_KEYS count in the
 * overflow slot, and the program marks the map full, so the later ones skip
 * the update.
 */
static void full_map(struct pc_variant by)
{
	struct loaded m;
	struct fr f;
	uint8_t in[14 + 256] = { [12] = 0x88, [13] = 0xb5 };
	uint32_t zero = 0, ctl[4] = { 0, PC_BY_FLOW, 0, 0 }, key = PC_MAP0_OVERFLOW, i;
	struct pc_counter v[256];
	uint64_t over = 0;
	int c;

	NEED_ROOT("BPF_PROG_TEST_RUN");
	by_load(&by, &m);
	cr_assert_eq(pc_bpf_map_update(m.by_fds[0], &zero, ctl, 0), 0);
	for (i = 0; i < 100; i++) {
		f.len = 0;
		eth(&f, 0x0800);
		ip4(&f, 5, 0, 17);
		l4(&f, 1000 + i, 53, 8);
		memcpy(in + 14, f.p, f.len);
		cr_assert_eq(pc_bpf_prog_test_run(m.prog_fd, in, 14 + f.len, NULL, NULL), 0);
	}
	cr_assert_eq(pc_bpf_map_lookup(m.by_fds[0], &zero, ctl), 0);
	cr_expect_eq(ctl[2], 1, "full[0] not set");
	cr_expect_eq(ctl[3], 0, "full[1] set, that map was not counted into");
	cr_assert_eq(pc_bpf_map_lookup(m.map_fd, &key, v), 0);
	for (c = 0; c < m.ncpu; c++)
		over += v[c].packets;
	cr_expect_eq(over, 100 - LOADED_BY_KEYS, "%s: %llu frames in the overflow slot", variant_name(&by),
		     (unsigned long long)over);
	prog_unload(&m);
}

Test(by, ebpf_full_map_counts_in_overflow_and_says_full) { full_map(BY(ETH, PERCPU, SKB)); }
Test(by, ebpf_xadd_full_map_counts_in_overflow_and_says_full) { full_map(BY(ETH, XADD, SKB)); }
Test(by, ebpf_wire_full_map_counts_in_overflow_and_says_full) { full_map(BY(ETH, PERCPU, WIRE)); }

// SPDX-License-Identifier: GPL-2.0
/*
 * The formats rendered from hand-built reports, and the report built from
 * hand-filled counts (src/report.h, src/counts.h): no root, no namespace,
 * no traffic.  What each format prints of a report is written out here by
 * hand, from the schema the README gives and the table's columns; the
 * report's work (intervals, sums, one ranking per basis, --top's defaults,
 * the rest past it) is checked against counts set by hand.  And that an
 * interval's report is built once, and a tap's entries sorted once for
 * each ranking it needs, whatever renders it (pc_report_stats).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "counts.h"
#include "output.h"
#include "pc_class.h"
#include "report.h"

/* ---- rendering into memory ---- */

/* What render(fd) wrote, NUL-terminated (malloc'd); its return value in *ret. */
static char *captured(int (*render)(int fd, const void *arg), const void *arg, int *ret)
{
	int fd = memfd_create("pktcount-view", MFD_CLOEXEC);
	off_t len;
	char *text;

	cr_assert_geq(fd, 0);
	*ret = render(fd, arg);
	len = lseek(fd, 0, SEEK_END);
	cr_assert_geq(len, 0);
	text = calloc(1, (size_t)len + 1);
	cr_assert_not_null(text);
	cr_assert_eq(pread(fd, text, (size_t)len, 0), len);
	close(fd);
	return text;
}

static int json_of(int fd, const void *r) { return pc_render_records(fd, r, PC_VIEW_JSON); }
static int table_of(int fd, const void *r) { return pc_render_records(fd, r, PC_VIEW_TABLE); }
static int prom_of(int fd, const void *r) { return pc_render_prom(fd, r); }

static char *render(int (*fn)(int fd, const void *arg), const struct pc_report *r)
{
	int ret;
	char *text = captured(fn, r, &ret);

	cr_assert_eq(ret, 0, "rendering: %s", strerror(-ret));
	return text;
}

/* ---- a hand-built report ---- */

#define C(B, P) { (B), (P) }
#define NONE C(0, 0)

static const struct pc_bkey host_a = { .what = PC_BKEY_BUILT, .l3 = PC_L3_IPV4, .a = { 10, 0, 0, 1 } };
static const struct pc_bkey host_b = { .what = PC_BKEY_BUILT, .l3 = PC_L3_IPV4, .a = { 10, 0, 0, 2 } };
/* an IPv6 host whose name is longer than the table's first column */
static const struct pc_bkey host_c = { .what = PC_BKEY_BUILT, .l3 = PC_L3_IPV6,
				       .a = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0xff, 0xff, [15] = 1 } };

/* ipv4 udp both ways, arp received (nothing of it in the interval) */
static struct pc_report_row rows[] = {
	{ PC_SLOT_IPV4 + 17, { C(1000, 12), NONE }, { C(5000, 50), C(300, 3) } },
	{ PC_SLOT_L3(PC_L3_ARP), { NONE, NONE }, { C(42, 1), NONE } },
};
static struct pc_report_class classes[] = {
	{ "dns", { C(1000, 12), NONE }, { C(5000, 50), C(300, 3) } },
	{ "unmatched", { NONE, NONE }, { C(42, 1), NONE } },
};
/* the entries ranked by what they counted in the interval, and since start */
static struct pc_report_entry by_interval[] = {
	{ &host_a, { C(600, 6), NONE }, { C(3000, 30), C(100, 1) } },
	{ &host_b, { C(300, 4), NONE }, { C(1500, 15), NONE } },
	{ &host_c, { C(100, 2), NONE }, { C(542, 6), C(200, 2) } },
};
static struct pc_report_entry by_total[] = {
	{ &host_a, { C(3000, 30), C(100, 1) }, { C(3000, 30), C(100, 1) } },
	{ &host_b, { C(1500, 15), NONE }, { C(1500, 15), NONE } },
	{ &host_c, { C(542, 6), C(200, 2) }, { C(542, 6), C(200, 2) } },
};
static struct pc_counter sums[PC_BASIS_COUNT][4][PC_DIR_COUNT];
/* the same at the end: what a final report shows is what was counted since start */
static struct pc_report_row rows_final[2];
static struct pc_report_class classes_final[2];

static struct pc_report_tap tap;
static struct pc_report report;

/* A ranking of entries e[0..n), its running sums worked out here, one addition at a time. */
static struct pc_report_ranking ranking(struct pc_report_entry *e, uint32_t n, struct pc_counter (*sum)[PC_DIR_COUNT])
{
	struct pc_report_ranking k = { e, sum, n, 1, 0 };

	memset(sum[0], 0, sizeof(sum[0]));
	for (uint32_t i = 0; i < n; i++)
		for (int d = 0; d < PC_DIR_COUNT; d++) {
			sum[i + 1][d].bytes = sum[i][d].bytes + e[i].c[d].bytes;
			sum[i + 1][d].packets = sum[i][d].packets + e[i].c[d].packets;
		}
	return k;
}

/* eth0, counted in eBPF mode: an interval of 2 s (final: the run's 2 s), --top as given (0: not) */
static struct pc_report *hand_built(int final, unsigned int top)
{
	static const struct pc_out out = { "6.1.0-test", 0 };

	for (int i = 0; i < 2; i++) {
		rows_final[i] = rows[i];
		memcpy(rows_final[i].c, rows[i].total, sizeof(rows[i].total));
		classes_final[i] = classes[i];
		memcpy(classes_final[i].c, classes[i].total, sizeof(classes[i].total));
	}
	memset(&tap, 0, sizeof(tap));
	tap.id = (struct pc_report_id){ "eth0", "ebpf", PC_UNIT_WIRE };
	tap.rows = final ? rows_final : rows;
	tap.nrows = 2;
	tap.sum[PC_DIR_RX] = final ? (struct pc_counter)C(5042, 51) : (struct pc_counter)C(1000, 12);
	tap.sum[PC_DIR_TX] = final ? (struct pc_counter)C(300, 3) : (struct pc_counter)NONE;
	tap.cls = final ? classes_final : classes;
	tap.ncls = 2;
	tap.drops = final ? 5 : 2;
	tap.drops_total = 5;
	tap.by = PC_BY_HOST;
	tap.rank[PC_BASIS_INTERVAL] = ranking(by_interval, 3, sums[PC_BASIS_INTERVAL]);
	tap.rank[PC_BASIS_TOTAL] = ranking(by_total, 3, sums[PC_BASIS_TOTAL]);
	tap.max_keys = 65536;
	tap.check = 1;
	tap.chk.kernel = (struct pc_link_stats){ .rx_packets = 102, .tx_packets = 3, .rx_bytes = 5042, .tx_bytes = 300 };
	tap.chk.share[PC_DIR_RX][0] = 100.0;
	tap.chk.share[PC_DIR_RX][1] = 50.0;
	tap.chk.share[PC_DIR_TX][0] = 100.0;
	tap.chk.share[PC_DIR_TX][1] = 100.0;
	tap.chk.unit = PC_UNIT_SKB;
	tap.chk.kind = "veth";
	memset(&report, 0, sizeof(report));
	report.final = final;
	report.secs = 2.0;
	report.wall = 1700000000.5;
	report.kernel = out.kernel;
	for (int v = 0; v < PC_VIEW_COUNT; v++)
		report.top[v] = pc_report_top(top, (enum pc_view)v);
	report.nclasses = 1;
	report.taps = &tap;
	report.ntaps = 1;
	return &report;
}

/* ---- JSON Lines ---- */

Test(views, json_interval_record)
{
	char *got = render(json_of, hand_built(0, 0));

	cr_expect_str_eq(got,
		"{\"type\":\"interval\",\"time\":1700000000.500,\"iface\":\"eth0\",\"mode\":\"ebpf\",\"unit\":\"wire\","
		"\"seconds\":2.000,\"drops\":2,\"drops_total\":5,\"lower_bound\":true,"
		"\"counts\":["
		"{\"dir\":\"rx\",\"l3\":\"ipv4\",\"ipproto\":17,\"proto\":\"udp\",\"bytes\":1000,\"packets\":12,"
		"\"bytes_total\":5000,\"packets_total\":50},"
		"{\"dir\":\"rx\",\"l3\":\"arp\",\"bytes\":0,\"packets\":0,\"bytes_total\":42,\"packets_total\":1},"
		"{\"dir\":\"tx\",\"l3\":\"ipv4\",\"ipproto\":17,\"proto\":\"udp\",\"bytes\":0,\"packets\":0,"
		"\"bytes_total\":300,\"packets_total\":3}],"
		"\"by\":\"host\",\"entries\":["
		"{\"dir\":\"rx\",\"host\":\"10.0.0.1\",\"bytes\":600,\"packets\":6,\"bytes_total\":3000,\"packets_total\":30},"
		"{\"dir\":\"rx\",\"host\":\"10.0.0.2\",\"bytes\":300,\"packets\":4,\"bytes_total\":1500,\"packets_total\":15},"
		"{\"dir\":\"rx\",\"host\":\"2001:db8:ffff:ffff::1\",\"bytes\":100,\"packets\":2,\"bytes_total\":542,\"packets_total\":6}],"
		"\"overflow\":0,"
		"\"classes\":["
		"{\"class\":\"dns\",\"dir\":\"rx\",\"bytes\":1000,\"packets\":12,\"bytes_total\":5000,\"packets_total\":50},"
		"{\"class\":\"dns\",\"dir\":\"tx\",\"bytes\":0,\"packets\":0,\"bytes_total\":300,\"packets_total\":3},"
		"{\"class\":\"unmatched\",\"dir\":\"rx\",\"bytes\":0,\"packets\":0,\"bytes_total\":42,\"packets_total\":1},"
		"{\"class\":\"unmatched\",\"dir\":\"tx\",\"bytes\":0,\"packets\":0,\"bytes_total\":0,\"packets_total\":0}],"
		"\"check\":{\"rx_bytes\":5042,\"rx_packets\":102,\"tx_bytes\":300,\"tx_packets\":3,"
		"\"rx_bytes_coverage\":1.0000,\"rx_packets_coverage\":0.5000,"
		"\"tx_bytes_coverage\":1.0000,\"tx_packets_coverage\":1.0000,\"kernel_unit\":\"skb\"}}\n");
	free(got);
}

/* the totals at the end: counts since start, no *_total twins, the entries ranked since start */
Test(views, json_final_record)
{
	char *got = render(json_of, hand_built(1, 2));

	cr_expect_str_eq(got,
		"{\"type\":\"total\",\"time\":1700000000.500,\"iface\":\"eth0\",\"mode\":\"ebpf\",\"unit\":\"wire\","
		"\"seconds\":2.000,\"drops\":5,\"lower_bound\":true,"
		"\"counts\":["
		"{\"dir\":\"rx\",\"l3\":\"ipv4\",\"ipproto\":17,\"proto\":\"udp\",\"bytes\":5000,\"packets\":50},"
		"{\"dir\":\"rx\",\"l3\":\"arp\",\"bytes\":42,\"packets\":1},"
		"{\"dir\":\"tx\",\"l3\":\"ipv4\",\"ipproto\":17,\"proto\":\"udp\",\"bytes\":300,\"packets\":3}],"
		"\"by\":\"host\",\"entries\":["
		"{\"dir\":\"rx\",\"host\":\"10.0.0.1\",\"bytes\":3000,\"packets\":30},"
		"{\"dir\":\"tx\",\"host\":\"10.0.0.1\",\"bytes\":100,\"packets\":1},"
		"{\"dir\":\"rx\",\"host\":\"10.0.0.2\",\"bytes\":1500,\"packets\":15},"
		"{\"dir\":\"rx\",\"rest\":1,\"bytes\":542,\"packets\":6},"
		"{\"dir\":\"tx\",\"rest\":1,\"bytes\":200,\"packets\":2}],"
		"\"overflow\":0,"
		"\"classes\":["
		"{\"class\":\"dns\",\"dir\":\"rx\",\"bytes\":5000,\"packets\":50},"
		"{\"class\":\"dns\",\"dir\":\"tx\",\"bytes\":300,\"packets\":3},"
		"{\"class\":\"unmatched\",\"dir\":\"rx\",\"bytes\":42,\"packets\":1},"
		"{\"class\":\"unmatched\",\"dir\":\"tx\",\"bytes\":0,\"packets\":0}],"
		"\"check\":{\"rx_bytes\":5042,\"rx_packets\":102,\"tx_bytes\":300,\"tx_packets\":3,"
		"\"rx_bytes_coverage\":1.0000,\"rx_packets_coverage\":0.5000,"
		"\"tx_bytes_coverage\":1.0000,\"tx_packets_coverage\":1.0000,\"kernel_unit\":\"skb\"}}\n");
	free(got);
}

/* --top 1 at an interval: one entry, the rest of the direction that counted after it */
Test(views, json_rest_past_top)
{
	char *got = render(json_of, hand_built(0, 1));

	cr_expect(strstr(got, "\"entries\":[{\"dir\":\"rx\",\"host\":\"10.0.0.1\",\"bytes\":600,\"packets\":6,"
			      "\"bytes_total\":3000,\"packets_total\":30},"
			      "{\"dir\":\"rx\",\"rest\":2,\"bytes\":400,\"packets\":6}],\"overflow\":0") != NULL, "%s", got);
	free(got);
}

/* No memory to rank the entries: no record at all, never part of one */
Test(views, json_without_a_ranking_writes_nothing)
{
	struct pc_report *r = hand_built(0, 0);
	char *got;
	int ret;

	tap.rank[PC_BASIS_INTERVAL] = (struct pc_report_ranking){ .ranked = 1, .oom = 1 };
	got = captured(json_of, r, &ret);
	cr_expect_eq(ret, -ENOMEM);
	cr_expect_str_empty(got);
	free(got);
}

Test(views, event_line)
{
	static const struct pc_report_id id = { "enx001122", "classic", PC_UNIT_SKB };
	int fd = memfd_create("pktcount-event", MFD_CLOEXEC);
	char got[512] = "";

	cr_assert_geq(fd, 0);
	cr_assert_eq(pc_render_event(fd, &id, "renamed", "eth0", "renamed from eth0; totals kept", 12.25), 0);
	cr_assert_gt(pread(fd, got, sizeof(got) - 1, 0), 0);
	cr_expect_str_eq(got, "{\"type\":\"event\",\"time\":12.250,\"iface\":\"enx001122\",\"mode\":\"classic\","
			      "\"unit\":\"skb\",\"event\":\"renamed\",\"from\":\"eth0\","
			      "\"reason\":\"renamed from eth0; totals kept\"}\n");
	close(fd);
}

/* ---- the table ---- */

/* A row as the table's columns lay it out: the label in 16, then bytes, packets, rate, pkt/s each way */
static void row(FILE *f, const char *label, const char *rxb, int rxp, const char *rxr, int rxpps,
		const char *txb, int txp, const char *txr, int txpps)
{
	fprintf(f, "%-16s %11s %9d %12s %9d %11s %9d %12s %9d\n", label, rxb, rxp, rxr, rxpps, txb, txp, txr, txpps);
}

static void heading(FILE *f, const char *first)
{
	fprintf(f, "%-16s %11s %9s %12s %9s %11s %9s %12s %9s\n", first, "rx bytes", "rx pkts", "rx rate",
		"rx pkt/s", "tx bytes", "tx pkts", "tx rate", "tx pkt/s");
}

Test(views, table_interval)
{
	char *want = NULL, *got = render(table_of, hand_built(0, 2));
	size_t size = 0;
	FILE *f = open_memstream(&want, &size);

	fprintf(f, "eth0  ebpf  wire units  interval 2.00 s\n");
	heading(f, "proto");
	/* arp counted nothing in the interval: hidden */
	row(f, "ipv4 udp", "1000 B", 12, "4.0 kbit/s", 6, "0 B", 0, "0 bit/s", 0);
	row(f, "total", "1000 B", 12, "4.0 kbit/s", 6, "0 B", 0, "0 bit/s", 0);
	heading(f, "host");
	row(f, "10.0.0.1", "600 B", 6, "2.4 kbit/s", 3, "0 B", 0, "0 bit/s", 0);
	row(f, "10.0.0.2", "300 B", 4, "1.2 kbit/s", 2, "0 B", 0, "0 bit/s", 0);
	row(f, "1 more", "100 B", 2, "400 bit/s", 1, "0 B", 0, "0 bit/s", 0);
	fprintf(f, "%-16s\n", "class");
	row(f, "dns", "1000 B", 12, "4.0 kbit/s", 6, "0 B", 0, "0 bit/s", 0);
	row(f, "unmatched", "0 B", 0, "0 bit/s", 0, "0 B", 0, "0 bit/s", 0);
	/* --check: bytes and packets under rx's and tx's, the rates' columns left empty */
	fprintf(f, "%-16s %11d %9d %22s %11d %9d\n", "kernel (total)", 5042, 102, "", 300, 3);
	fprintf(f, "%-16s %11s %9s %22s %11s %9s\n", "coverage", "100.0%", "50.0%", "", "100.0%", "100.0%");
	fprintf(f, "%-16s veth counts skbs, pktcount frames on the wire: pktcount is higher where GSO "
		   "or GRO merged frames\n", "units");
	fprintf(f, "%-16s %11d frames the kernel dropped before counting (5 since start): "
		   "the counts are a lower bound\n\n", "drops", 2);
	fclose(f);
	cr_expect_str_eq(got, want);
	free(want);
	free(got);
}

/* --top's default in the table is 10: all three shown; a label past 16 columns gets a line of its own */
Test(views, table_default_top_and_long_labels)
{
	char *got = render(table_of, hand_built(0, 0)), want[128];

	snprintf(want, sizeof(want), "\n2001:db8:ffff:ffff::1\n%-16s %11s %9d", "", "100 B", 2);
	cr_expect(strstr(got, want) != NULL, "%s", got);
	cr_expect(strstr(got, "more") == NULL, "%s", got);
	free(got);
}

Test(views, table_without_a_ranking_says_so)
{
	char *got;

	hand_built(0, 0);
	tap.rank[PC_BASIS_INTERVAL] = (struct pc_report_ranking){ .ranked = 1, .oom = 1 };
	got = render(table_of, &report);
	cr_expect(strstr(got, "\nhost: no memory to sort the entries\nclass") != NULL, "%s", got);
	free(got);
}

/* ---- Prometheus ---- */

/* The lines of page that start with prefix, joined. */
static char *lines_of(const char *page, const char *prefix)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	for (const char *l = page; *l; l = strchr(l, '\n') + 1) {
		if (!strncmp(l, prefix, strlen(prefix)))
			fprintf(f, "%.*s\n", (int)(strchr(l, '\n') - l), l);
		if (!strchr(l, '\n'))
			break;
	}
	fclose(f);
	return out;
}

static void expect_lines(const char *page, const char *prefix, const char *want)
{
	char *got = lines_of(page, prefix);

	cr_expect_str_eq(got, want, "%s lines of:\n%s", prefix, page);
	free(got);
}

Test(views, prom_page)
{
	char *page = render(prom_of, hand_built(0, 0));

	/* the families, in their order, contiguous */
	expect_lines(page, "# TYPE",
		     "# TYPE pktcount_bytes_total counter\n# TYPE pktcount_packets_total counter\n"
		     "# TYPE pktcount_by_bytes_total counter\n# TYPE pktcount_by_rest_bytes gauge\n"
		     "# TYPE pktcount_by_packets_total counter\n# TYPE pktcount_by_rest_packets gauge\n"
		     "# TYPE pktcount_class_bytes_total counter\n# TYPE pktcount_class_packets_total counter\n"
		     "# TYPE pktcount_drops_total counter\n# TYPE pktcount_info gauge\n");
	/* since start, whatever the interval did; every key that counted, empty proto where not IP */
	expect_lines(page, "pktcount_bytes_total",
		     "pktcount_bytes_total{iface=\"eth0\",direction=\"rx\",l3=\"ipv4\",proto=\"udp\"} 5000\n"
		     "pktcount_bytes_total{iface=\"eth0\",direction=\"rx\",l3=\"arp\",proto=\"\"} 42\n"
		     "pktcount_bytes_total{iface=\"eth0\",direction=\"tx\",l3=\"ipv4\",proto=\"udp\"} 300\n");
	expect_lines(page, "pktcount_packets_total",
		     "pktcount_packets_total{iface=\"eth0\",direction=\"rx\",l3=\"ipv4\",proto=\"udp\"} 50\n"
		     "pktcount_packets_total{iface=\"eth0\",direction=\"rx\",l3=\"arp\",proto=\"\"} 1\n"
		     "pktcount_packets_total{iface=\"eth0\",direction=\"tx\",l3=\"ipv4\",proto=\"udp\"} 3\n");
	/* ranked since start, --top 10: all three, nothing past */
	expect_lines(page, "pktcount_by_bytes_total{",
		     "pktcount_by_bytes_total{iface=\"eth0\",direction=\"rx\",host=\"10.0.0.1\"} 3000\n"
		     "pktcount_by_bytes_total{iface=\"eth0\",direction=\"tx\",host=\"10.0.0.1\"} 100\n"
		     "pktcount_by_bytes_total{iface=\"eth0\",direction=\"rx\",host=\"10.0.0.2\"} 1500\n"
		     "pktcount_by_bytes_total{iface=\"eth0\",direction=\"rx\",host=\"2001:db8:ffff:ffff::1\"} 542\n"
		     "pktcount_by_bytes_total{iface=\"eth0\",direction=\"tx\",host=\"2001:db8:ffff:ffff::1\"} 200\n");
	expect_lines(page, "pktcount_by_rest_packets{",
		     "pktcount_by_rest_packets{iface=\"eth0\",direction=\"rx\"} 0\n"
		     "pktcount_by_rest_packets{iface=\"eth0\",direction=\"tx\"} 0\n");
	expect_lines(page, "pktcount_class_packets_total{",
		     "pktcount_class_packets_total{iface=\"eth0\",direction=\"rx\",class=\"dns\"} 50\n"
		     "pktcount_class_packets_total{iface=\"eth0\",direction=\"tx\",class=\"dns\"} 3\n"
		     "pktcount_class_packets_total{iface=\"eth0\",direction=\"rx\",class=\"unmatched\"} 1\n"
		     "pktcount_class_packets_total{iface=\"eth0\",direction=\"tx\",class=\"unmatched\"} 0\n");
	expect_lines(page, "pktcount_drops_total{", "pktcount_drops_total{iface=\"eth0\"} 5\n");
	expect_lines(page, "pktcount_info{",
		     "pktcount_info{iface=\"eth0\",mode=\"ebpf\",unit=\"wire\",version=\"" PC_VERSION "\","
		     "kernel=\"6.1.0-test\"} 1\n");
	/* a page on a stream ends with an empty line */
	cr_expect(strlen(page) > 2 && !strcmp(page + strlen(page) - 2, "\n\n"));
	free(page);
}

/* --top 1: one entry's series, the other two in the rest gauge, per direction */
Test(views, prom_rest_past_top)
{
	char *page = render(prom_of, hand_built(0, 1));

	expect_lines(page, "pktcount_by_packets_total{",
		     "pktcount_by_packets_total{iface=\"eth0\",direction=\"rx\",host=\"10.0.0.1\"} 30\n"
		     "pktcount_by_packets_total{iface=\"eth0\",direction=\"tx\",host=\"10.0.0.1\"} 1\n");
	expect_lines(page, "pktcount_by_rest_bytes{",
		     "pktcount_by_rest_bytes{iface=\"eth0\",direction=\"rx\"} 2042\n"
		     "pktcount_by_rest_bytes{iface=\"eth0\",direction=\"tx\"} 200\n");
	free(page);
}

/* --prom-file: the same page, without the stream's empty line, renamed into place */
Test(views, prom_file_is_the_page)
{
	char dir[] = "/tmp/pktcount-views-XXXXXX", path[64];
	struct pc_report *r = hand_built(0, 0);
	char *page = render(prom_of, r), file[16384] = "";
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/eth0.prom", dir);
	cr_assert_eq(pc_render_prom_file(path, r), 0);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_gt(fread(file, 1, sizeof(file) - 1, f), 0);
	fclose(f);
	page[strlen(page) - 1] = '\0';
	cr_expect_str_eq(file, page);
	unlink(path);
	rmdir(dir);
	free(page);
}

/* Every format takes the name through the one encoder: a quote stays a quote, escaped as each needs */
Test(views, names_as_each_format_writes_them)
{
	char *json, *prom, *table;

	hand_built(0, 0);
	tap.id.name = "a\"b";
	json = render(json_of, &report);
	prom = render(prom_of, &report);
	table = render(table_of, &report);
	cr_expect(strstr(json, "\"iface\":\"a\\\"b\"") != NULL, "%s", json);
	cr_expect(strstr(prom, "pktcount_drops_total{iface=\"a\\\"b\"} 5\n") != NULL, "%s", prom);
	cr_expect(!strncmp(table, "a\"b  ebpf", 9), "%s", table);
	free(json);
	free(prom);
	free(table);
}

/* ---- the report, from counts ---- */

Test(report, top_defaults_decided_once)
{
	cr_expect_eq(pc_report_top(0, PC_VIEW_TABLE), 10);
	cr_expect_eq(pc_report_top(0, PC_VIEW_JSON), 0, "JSON: every entry");
	cr_expect_eq(pc_report_top(0, PC_VIEW_PROM), 10);
	for (int v = 0; v < PC_VIEW_COUNT; v++)
		cr_expect_eq(pc_report_top(3, (enum pc_view)v), 3);
}

Test(report, rest_from_running_sums)
{
	struct pc_counter rest[PC_DIR_COUNT];
	struct pc_report_ranking k = ranking(by_total, 3, sums[PC_BASIS_TOTAL]);

	cr_expect_eq(pc_report_rest(&k, 0, rest), 0, "top 0: every entry shown");
	cr_expect(rest[0].bytes == 0 && rest[1].bytes == 0);
	cr_expect_eq(pc_report_rest(&k, 1, rest), 2);
	cr_expect(rest[0].bytes == 2042 && rest[0].packets == 21 && rest[1].bytes == 200 && rest[1].packets == 2);
	cr_expect_eq(pc_report_rest(&k, 3, rest), 0);
	cr_expect_eq(pc_report_rest(&k, 7, rest), 0);
	cr_expect(rest[0].packets == 0 && rest[1].packets == 0);
}

static const struct pc_backend fake_be = { .name = "classic" };
static const struct pc_out out = { "6.1.0-test", 0 };

/* A tap named name, --by by, as a back end would have filled it. */
static struct pc_tap *tap_new(const char *name, enum pc_by by)
{
	struct pc_tap *t = calloc(1, sizeof(*t));

	cr_assert_not_null(t);
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->be = &fake_be;
	t->unit = PC_UNIT_SKB;
	t->by = by;
	pc_entries_init(&t->ent, 100);
	return t;
}

static void count(struct pc_tap *t, unsigned int key, uint64_t bytes, uint64_t packets)
{
	t->total[key].bytes += bytes;
	t->total[key].packets += packets;
	pc_key_saw(t, key);
}

static void count_host(struct pc_tap *t, uint8_t last, enum pc_dir d, uint64_t bytes, uint64_t packets)
{
	struct pc_bkey k = { .what = PC_BKEY_BUILT, .l3 = PC_L3_IPV4, .a = { 10, 0, 0, last } };

	pc_entries_add(&t->ent, &k, d, bytes, packets);
}

static void tap_free(struct pc_tap *t)
{
	pc_counts_free(&t->counts);
	free(t);
}

static struct pc_report *build(const struct pc_tap *taps, int ntaps, int final, unsigned int views)
{
	struct pc_report_spec s = { 2.0, 100.0, final, views, &out };
	struct pc_report *r = pc_report_build(taps, ntaps, &s);

	cr_assert_not_null(r);
	return r;
}

/* Intervals are the counts less the marks; a final report, the counts; marked, the next interval is 0. */
Test(report, intervals_from_counts_and_marks)
{
	struct pc_tap *t = tap_new("eth0", PC_BY_PROTO);
	unsigned int udp = pc_key_make(PC_DIR_RX, PC_L3_IPV4, 17), arp_tx = pc_key_make(PC_DIR_TX, PC_L3_ARP, 0);
	struct pc_report *r;

	count(t, udp, 600, 10);
	t->drops = 4;
	pc_counts_mark(&t->counts, 1.0, 0);
	count(t, udp, 60, 1);
	count(t, arp_tx, 42, 1);
	t->drops = 7;
	r = build(t, 1, 0, 1u << PC_VIEW_JSON);
	cr_assert_eq(r->taps[0].nrows, 2, "ipv4 udp, arp: one row per slot, both directions");
	cr_expect_eq(r->taps[0].rows[0].slot, PC_SLOT_IPV4 + 17);
	cr_expect(r->taps[0].rows[0].c[PC_DIR_RX].bytes == 60 && r->taps[0].rows[0].total[PC_DIR_RX].bytes == 660);
	cr_expect_eq(r->taps[0].rows[1].slot, (unsigned int)PC_SLOT_L3(PC_L3_ARP));
	cr_expect(r->taps[0].rows[1].c[PC_DIR_TX].packets == 1 && r->taps[0].rows[1].c[PC_DIR_RX].packets == 0);
	cr_expect(r->taps[0].sum[PC_DIR_RX].bytes == 60 && r->taps[0].sum[PC_DIR_TX].bytes == 42);
	cr_expect(r->taps[0].drops == 3 && r->taps[0].drops_total == 7);
	cr_expect_str_eq(r->taps[0].id.mode, "classic");
	pc_report_free(r);
	r = build(t, 1, 1, 1u << PC_VIEW_JSON);
	cr_expect(r->taps[0].rows[0].c[PC_DIR_RX].bytes == 660 && r->taps[0].drops == 7);
	pc_report_free(r);
	pc_counts_mark(&t->counts, 2.0, 0);
	r = build(t, 1, 0, 1u << PC_VIEW_JSON);
	cr_expect(r->taps[0].sum[PC_DIR_RX].packets == 0 && r->taps[0].sum[PC_DIR_TX].packets == 0);
	cr_expect_eq(r->taps[0].rows[0].total[PC_DIR_RX].packets, 11);
	pc_report_free(r);
	tap_free(t);
}

/*
 * A renamed tap takes over a detached one: its counts and marks come
 * along, so what the detached one reported is not reported again.
 */
Test(report, fold_keeps_what_was_reported)
{
	struct pc_tap *dst = tap_new("eth0", PC_BY_HOST), *src = tap_new("eth1", PC_BY_HOST);
	unsigned int udp = pc_key_make(PC_DIR_RX, PC_L3_IPV4, 17);
	struct pc_report *r;

	count(src, udp, 100, 2);
	count_host(src, 9, PC_DIR_RX, 100, 2);
	pc_counts_mark(&src->counts, 1.0, 0);
	count(src, udp, 50, 1);		/* after its last interval: still to be reported */
	count_host(src, 9, PC_DIR_RX, 50, 1);
	count(dst, udp, 10, 1);
	count_host(dst, 1, PC_DIR_RX, 10, 1);
	pc_counts_fold(&dst->counts, &src->counts);
	r = build(dst, 1, 0, 1u << PC_VIEW_JSON);
	cr_expect(r->taps[0].rows[0].c[PC_DIR_RX].packets == 2 && r->taps[0].rows[0].total[PC_DIR_RX].packets == 4);
	cr_assert_eq(r->taps[0].rank[PC_BASIS_INTERVAL].n, 2);
	cr_expect(r->taps[0].rank[PC_BASIS_INTERVAL].e[0].c[PC_DIR_RX].bytes == 50, "10.0.0.9: 50 of 150 unreported");
	cr_expect(r->taps[0].rank[PC_BASIS_INTERVAL].e[0].total[PC_DIR_RX].bytes == 150);
	pc_report_free(r);
	tap_free(dst);
	tap_free(src);
}

/* ---- built once, sorted once ---- */

/* Three taps, two with a breakdown whose two rankings differ (interval and since start). */
static struct pc_tap *three_taps(void)
{
	struct pc_tap *t = calloc(3, sizeof(*t));
	unsigned int udp = pc_key_make(PC_DIR_RX, PC_L3_IPV4, 17);

	cr_assert_not_null(t);
	for (int i = 0; i < 3; i++) {
		struct pc_tap *one = tap_new(i == 0 ? "eth0" : i == 1 ? "eth1" : "eth2", i == 2 ? PC_BY_PROTO : PC_BY_HOST);

		t[i] = *one;
		free(one);
		count(&t[i], udp, 1000, 10);
		count_host(&t[i], 1, PC_DIR_RX, 900, 9);
		count_host(&t[i], 2, PC_DIR_RX, 100, 1);
		pc_counts_mark(&t[i].counts, 1.0, 0);
		count_host(&t[i], 2, PC_DIR_RX, 200, 2);	/* 10.0.0.2 first in the interval, second since start */
	}
	return t;
}

/* Render r in every view, twice: no view sorts or builds anything. */
static void render_all(const struct pc_report *r)
{
	struct pc_report_stats before = pc_report_stats;
	char dir[] = "/tmp/pktcount-views-XXXXXX", path[64];

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.prom", dir);
	for (int i = 0; i < 2; i++) {
		free(render(json_of, r));
		free(render(table_of, r));
		free(render(prom_of, r));
		cr_assert_eq(pc_render_prom_file(path, r), 0);
	}
	unlink(path);
	rmdir(dir);
	cr_expect_eq(pc_report_stats.sorts, before.sorts, "rendering sorted");
	cr_expect_eq(pc_report_stats.builds, before.builds, "rendering built a report");
}

Test(report, one_sort_per_tap_and_basis_whatever_renders_it)
{
	struct pc_tap *t = three_taps();
	struct pc_report *r;

	/* a Prometheus page on stdout and in --prom-file: one ranking, since start */
	r = build(t, 3, 0, 1u << PC_VIEW_PROM);
	cr_expect_eq(r->sorts, 2, "one sort for each tap with a breakdown");
	cr_expect_eq(r->taps[0].rank[PC_BASIS_TOTAL].e[0].key->a[3], 1, "10.0.0.1 leads since start");
	render_all(r);
	pc_report_free(r);
	/* the table, JSON: one, by the interval */
	r = build(t, 3, 0, 1u << PC_VIEW_TABLE | 1u << PC_VIEW_JSON);
	cr_expect_eq(r->sorts, 2);
	cr_expect_eq(r->taps[1].rank[PC_BASIS_INTERVAL].e[0].key->a[3], 2);
	pc_report_free(r);
	/* the totals at the end, in JSON and --prom-file: one, since start */
	r = build(t, 3, 1, 1u << PC_VIEW_JSON | 1u << PC_VIEW_PROM);
	cr_expect_eq(r->sorts, 2);
	render_all(r);
	pc_report_free(r);
	/*
	 * An interval in JSON and in --prom-file: two rankings that differ
	 * (10.0.0.2 leads the interval, 10.0.0.1 the run), one sort each.
	 */
	r = build(t, 3, 0, 1u << PC_VIEW_JSON | 1u << PC_VIEW_PROM);
	cr_expect_eq(r->sorts, 4);
	cr_expect_eq(r->taps[0].rank[PC_BASIS_INTERVAL].e[0].key->a[3], 2);
	cr_expect_eq(r->taps[0].rank[PC_BASIS_TOTAL].e[0].key->a[3], 1);
	render_all(r);
	pc_report_free(r);
	for (int i = 0; i < 3; i++)
		pc_counts_free(&t[i].counts);
	free(t);
}

/* What the counting loop does once an interval: one report, rendered to stdout and the --prom-file. */
Test(report, an_interval_is_built_once)
{
	struct pc_tap *t = three_taps();
	char dir[] = "/tmp/pktcount-views-XXXXXX", path[64];
	struct pc_report_spec s = { 1.0, 100.0, 0, 0, &out };
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	cr_assert_geq(fd, 0);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.prom", dir);
	for (int v = 0; v < PC_VIEW_COUNT; v++) {
		struct pc_emit e = { fd, (enum pc_view)v, path, 0 };
		struct pc_report_stats before = pc_report_stats;

		cr_expect_eq(pc_report_emit(&e, t, 3, &s), 0);
		cr_expect_eq(e.prom_err, 0);
		cr_expect_eq(pc_report_stats.builds, before.builds + 1, "view %d: built once", v);
		/* two taps with a breakdown, ranked by the interval for the table and JSON, since start for the file */
		cr_expect_eq(pc_report_stats.sorts, before.sorts + (v == PC_VIEW_PROM ? 2 : 4), "view %d", v);
	}
	close(fd);
	unlink(path);
	rmdir(dir);
	for (int i = 0; i < 3; i++)
		pc_counts_free(&t[i].counts);
	free(t);
}

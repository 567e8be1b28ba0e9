// SPDX-License-Identifier: GPL-2.0
/*
 * The formats, each rendered from the report alone (src/report.h): the
 * human table, JSON Lines, Prometheus text, the event lines.  Each record or
 * table is built whole in memory and written with one write loop, so a
 * reader never gets a partial record from us; a failed write is reported to
 * the caller.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "name.h"
#include "output.h"

struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void bprintf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Room for n more bytes and a NUL; 0, or -1 (b->oom set) */
static int bgrow(struct buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -1;
	if (b->cap - b->len > n)
		return 0;
	cap = b->cap ? b->cap * 2 : 4096;
	while (cap - b->len <= n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static void bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		if (b->oom)
			return;
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		bgrow(b, (size_t)n);
	}
}

/* Append b's text to all and free b: an interval's records go out in one write. */
static void bmove(struct buf *all, struct buf *b)
{
	if (b->oom || bgrow(all, b->len) < 0) {
		all->oom = 1;
	} else if (b->len) {
		memcpy(all->p + all->len, b->p, b->len);
		all->len += b->len;
	}
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* 0, or -errno; EPIPE when the reader went away */
static int bflush(struct buf *b, int fd)
{
	size_t off = 0;
	int ret = 0;

	if (b->oom)
		ret = -ENOMEM;
	while (!ret && off < b->len) {
		ssize_t n = write(fd, b->p + off, b->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = -errno;
		else
			off += (size_t)n;
	}
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	return ret;
}

/*
 * A name as style wants it (src/name.c): every name and label value goes
 * out through here, whatever the format.
 */
static void bname(struct buf *b, const char *s, enum pc_name_style style)
{
	size_t n = pc_name_encode(NULL, 0, s, style);

	if (bgrow(b, n))
		return;
	pc_name_encode(b->p + b->len, n + 1, s, style);
	b->len += n;
}

static void bjson_str(struct buf *b, const char *s)
{
	bprintf(b, "\"");
	bname(b, s, PC_NAME_JSON);
	bprintf(b, "\"");
}

static void fmt_bytes(char *out, size_t size, uint64_t v)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double d = (double)v;
	int u = -1;

	if (v < 1024) {
		snprintf(out, size, "%" PRIu64 " B", v);
		return;
	}
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	snprintf(out, size, d < 10 ? "%.2f %s" : d < 100 ? "%.1f %s" : "%.0f %s", d, unit[u]);
}

static void fmt_rate(char *out, size_t size, double bits)
{
	static const char *const unit[] = { "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s" };
	int u = 0;

	while (bits >= 1000 && u < 4) {
		bits /= 1000;
		u++;
	}
	snprintf(out, size, u == 0 ? "%.0f %s" : "%.1f %s", bits, unit[u]);
}


/* A protocol row's key in direction d. */
static unsigned int row_key(const struct pc_report_row *row, enum pc_dir d)
{
	return row->slot + (unsigned int)d * PC_NSLOTS;
}

/* The table's row label of a protocol key: "ipv4 udp", "ipv6 unknown", "arp" */
static void row_name(char *out, size_t size, unsigned int key)
{
	struct pc_kpart k[PC_KPARTS_MAX];

	if (pc_proto_parts(key, k) == 1)
		snprintf(out, size, "%s", k[0].text);
	else
		snprintf(out, size, "%s %s", k[0].text, k[2].text);
}

/* ,"name":value for each part: numbers bare (null too), names as JSON strings */
static void bjson_parts(struct buf *b, const struct pc_kpart *parts, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		bprintf(b, ",\"%s\":", parts[i].name);
		if (parts[i].number)
			bprintf(b, "%s", parts[i].text);
		else
			bjson_str(b, parts[i].text);
	}
}

static void cells(struct buf *b, struct pc_counter c, double secs)
{
	char bytes[24], rate[24];

	fmt_bytes(bytes, sizeof(bytes), c.bytes);
	fmt_rate(rate, sizeof(rate), secs > 0 ? (double)c.bytes * 8 / secs : 0);
	bprintf(b, " %11s %9" PRIu64 " %12s %9.0f", bytes, c.packets, rate,
		secs > 0 ? (double)c.packets / secs : 0);
}

/* A table row: its label, then rx and tx */
static void table_row(struct buf *b, const char *label, const struct pc_counter c[PC_DIR_COUNT], double secs)
{
	bprintf(b, "%-16s", label);
	cells(b, c[PC_DIR_RX], secs);
	cells(b, c[PC_DIR_TX], secs);
	bprintf(b, "\n");
}

/* A Prometheus label value: UTF-8 always, '\\' and '"' escaped, never a newline. */
static void bprom_str(struct buf *b, const char *s)
{
	bname(b, s, PC_NAME_PROM);
}

/* ---- classes (--class): a row per class and direction, then the unmatched ---- */

static void class_table(struct buf *b, const struct pc_report_tap *t, double secs)
{
	unsigned int i;

	bprintf(b, "%-16s\n", "class");
	for (i = 0; i < t->ncls; i++)
		table_row(b, t->cls[i].name, t->cls[i].c, secs);
}

/* ,"classes":[{"class","dir","bytes","packets"}...]: every class, both directions, zeros too */
static void class_json(struct buf *b, const struct pc_report_tap *t, int final)
{
	unsigned int i;
	int d;

	bprintf(b, ",\"classes\":[");
	for (i = 0; i < t->ncls; i++)
		for (d = 0; d < PC_DIR_COUNT; d++) {
			const struct pc_counter *c = &t->cls[i].c[d], *total = &t->cls[i].total[d];

			bprintf(b, "%s{\"class\":\"%s\",\"dir\":\"%s\",\"bytes\":%" PRIu64 ",\"packets\":%" PRIu64,
				i || d ? "," : "", t->cls[i].name, pc_dir_name((enum pc_dir)d), c->bytes, c->packets);
			if (!final)
				bprintf(b, ",\"bytes_total\":%" PRIu64 ",\"packets_total\":%" PRIu64, total->bytes,
					total->packets);
			bprintf(b, "}");
		}
	bprintf(b, "]");
}

/* pktcount_class_bytes_total and _packets_total {iface, direction, class}, since start */
static void prom_classes(struct buf *b, const struct pc_report *r, int bytes)
{
	const char *what = bytes ? "bytes" : "packets";
	unsigned int i;
	int t, d;

	bprintf(b, "# HELP pktcount_class_%s_total %s matching each --class expression (unmatched: none "
		   "did), per interface and direction.\n# TYPE pktcount_class_%s_total counter\n", what,
		bytes ? "Bytes of the frames" : "Frames", what);
	for (t = 0; t < r->ntaps; t++)
		for (i = 0; i < r->taps[t].ncls; i++)
			for (d = 0; d < PC_DIR_COUNT; d++) {
				const struct pc_counter *c = &r->taps[t].cls[i].total[d];

				bprintf(b, "pktcount_class_%s_total{iface=\"", what);
				bprom_str(b, r->taps[t].id.name);
				bprintf(b, "\",direction=\"%s\",class=\"%s\"} %" PRIu64 "\n",
					pc_dir_name((enum pc_dir)d), r->taps[t].cls[i].name, bytes ? c->bytes : c->packets);
			}
}

/* ---- breakdowns (--by): the entries with most bytes first, as the report ranked them ---- */

/* src:port, [src]:port for IPv6; the address alone without a port */
static int endpoint(char *out, size_t size, const char *addr, const char *port)
{
	if (!port || !strcmp(port, "0"))
		return snprintf(out, size, "%s", addr);
	return snprintf(out, size, strchr(addr, ':') ? "[%s]:%s" : "%s:%s", addr, port);
}

/* The key as the table's row label: "host", "src > dst", "src:sport > dst:dport proto", "mac". */
static void row_label(char *out, size_t size, const struct pc_bkey *key, enum pc_by by)
{
	struct pc_kpart k[PC_KPARTS_MAX];
	int n = pc_bkey_parts(key, by, k), len;

	if (key->what == PC_BKEY_OTHER) {
		snprintf(out, size, "other (keys past --max-keys)");
	} else if (key->what == PC_BKEY_IDLE) {
		snprintf(out, size, "idle (keys quiet for --idle)");
	} else if (n >= 2 && !strcmp(k[0].name, "src")) {
		/* pair: src, dst; flow: src, dst, ipproto, proto, sport, dport */
		len = endpoint(out, size, k[0].text, n == 6 ? k[4].text : NULL);
		len += snprintf(out + len, size - (size_t)len, " > ");
		len += endpoint(out + len, size - (size_t)len, k[1].text, n == 6 ? k[5].text : NULL);
		if (n == 6)
			snprintf(out + len, size - (size_t)len, " %s", k[3].text);
	} else {
		snprintf(out, size, "%s", n ? k[0].text : "?");
	}
}

static void by_table(struct buf *b, const struct pc_report *r, const struct pc_report_tap *t)
{
	const struct pc_report_ranking *k = pc_report_ranked(r, t, PC_VIEW_TABLE);
	unsigned int top = r->top[PC_VIEW_TABLE];
	struct pc_counter rest[PC_DIR_COUNT];
	uint32_t i, more = pc_report_rest(k, top, rest);
	char label[160];

	if (k->oom) {
		bprintf(b, "%s: no memory to sort the entries\n", pc_by_name(t->by));
		return;
	}
	bprintf(b, "%-16s %11s %9s %12s %9s %11s %9s %12s %9s\n", pc_by_name(t->by),
		"rx bytes", "rx pkts", "rx rate", "rx pkt/s", "tx bytes", "tx pkts", "tx rate", "tx pkt/s");
	for (i = 0; i < k->n - more; i++) {
		row_label(label, sizeof(label), k->e[i].key, t->by);
		/* a label too long for the column goes on a line of its own */
		if (strlen(label) > 16)
			bprintf(b, "%s\n%-16s", label, "");
		else
			bprintf(b, "%-16s", label);
		cells(b, k->e[i].c[PC_DIR_RX], r->secs);
		cells(b, k->e[i].c[PC_DIR_TX], r->secs);
		bprintf(b, "\n");
	}
	if (more) {
		snprintf(label, sizeof(label), "%u more", more);
		table_row(b, label, rest, r->secs);
	}
	if (t->overflow)
		bprintf(b, "%-16s %" PRIu64 " frames found the table full (--max-keys %u): counted under other\n",
			"overflow", t->overflow, t->max_keys);
}

/* One JSON object of a breakdown entry's counts in one direction (total: since start). */
static void bjson_entry(struct buf *b, const struct pc_report_entry *e, enum pc_dir d, enum pc_by by, int final)
{
	struct pc_kpart parts[PC_KPARTS_MAX];

	bprintf(b, "{\"dir\":\"%s\"", pc_dir_name(d));
	bjson_parts(b, parts, pc_bkey_parts(e->key, by, parts));
	bprintf(b, ",\"bytes\":%" PRIu64 ",\"packets\":%" PRIu64, e->c[d].bytes, e->c[d].packets);
	if (!final)
		bprintf(b, ",\"bytes_total\":%" PRIu64 ",\"packets_total\":%" PRIu64,
			e->total[d].bytes, e->total[d].packets);
	bprintf(b, "}");
}

/* ,"by":KEY,"entries":[...]: every entry that counted (at most top, when given), then the rest */
static void by_json(struct buf *b, const struct pc_report *r, const struct pc_report_tap *t)
{
	const struct pc_report_ranking *k = pc_report_ranked(r, t, PC_VIEW_JSON);
	struct pc_counter rest[PC_DIR_COUNT];
	uint32_t i, more = pc_report_rest(k, r->top[PC_VIEW_JSON], rest);
	int d, first = 1;

	bprintf(b, ",\"by\":\"%s\",\"entries\":[", pc_by_name(t->by));
	for (i = 0; i < k->n - more; i++)
		for (d = 0; d < PC_DIR_COUNT; d++) {
			if (!k->e[i].c[d].packets)
				continue;
			bprintf(b, "%s", first ? "" : ",");
			bjson_entry(b, &k->e[i], (enum pc_dir)d, t->by, r->final);
			first = 0;
		}
	/* past --top: their sum per direction, so the entries still add up to the total */
	for (d = 0; more && d < PC_DIR_COUNT; d++) {
		if (!rest[d].packets)
			continue;
		bprintf(b, "%s{\"dir\":\"%s\",\"rest\":%u,\"bytes\":%" PRIu64 ",\"packets\":%" PRIu64 "}",
			first ? "" : ",", pc_dir_name((enum pc_dir)d), more, rest[d].bytes, rest[d].packets);
		first = 0;
	}
	bprintf(b, "],\"overflow\":%" PRIu64, t->overflow);
	if (k->oom)
		b->oom = 1;	/* no partial record */
}

/* ---- the table ---- */

/*
 * --check: why coverage may not be 100% under GSO/GRO.  A NIC counts the
 * frames on its wire, a virtual device the skbs that pass it; pktcount
 * counts in its tap's unit (docs/counting.md, "The unit").
 */
static void check_units(struct buf *b, const struct pc_report_tap *t)
{
	const struct pc_report_check *k = &t->chk;
	const char *dev = k->kind[0] ? k->kind : k->unit == PC_UNIT_SKB ? "lo" : "a NIC";

	if (k->unit == t->id.unit)
		bprintf(b, "%-16s %s and pktcount both count %s\n", "units", dev,
			t->id.unit == PC_UNIT_WIRE ? "frames on the wire" : "skbs");
	else if (k->unit == PC_UNIT_SKB)
		bprintf(b, "%-16s %s counts skbs, pktcount frames on the wire: pktcount is higher "
			"where GSO or GRO merged frames\n", "units", dev);
	else
		bprintf(b, "%-16s %s counts frames on the wire, pktcount skbs: pktcount is lower "
			"where TSO or GRO merged frames\n", "units", dev);
}

/* since start: the interface's counters beside ours, and our share of them */
static void check_table(struct buf *b, const struct pc_report_tap *t)
{
	const struct pc_link_stats *k = &t->chk.kernel;

	bprintf(b, "%-16s %11" PRIu64 " %9" PRIu64 " %22s %11" PRIu64 " %9" PRIu64 "\n",
		"kernel (total)", k->rx_bytes, k->rx_packets, "", k->tx_bytes, k->tx_packets);
	bprintf(b, "%-16s %10.1f%% %8.1f%% %22s %10.1f%% %8.1f%%\n", "coverage",
		t->chk.share[PC_DIR_RX][0], t->chk.share[PC_DIR_RX][1], "",
		t->chk.share[PC_DIR_TX][0], t->chk.share[PC_DIR_TX][1]);
	check_units(b, t);
}

/* What every record of one report shares, formatted once: not a float conversion per tap */
struct stamp {
	char when[32], span[32], span2[32];	/* wall clock %.3f; interval %.3f and %.2f */
};

/* One interface's table, appended to out. */
static void table_record(struct buf *out, const struct pc_report *r, const struct pc_report_tap *t,
			 const struct stamp *st)
{
	struct buf b = { 0 };
	char name[2 * sizeof(((struct pc_kpart *)0)->text)];
	unsigned int i;

	bname(&b, t->id.name, PC_NAME_TEXT);
	bprintf(&b, "  %s  %s units  %s %s s\n", t->id.mode, pc_unit_name(t->id.unit),
		r->final ? "total over" : "interval", st->span2);
	bprintf(&b, "%-16s %11s %9s %12s %9s %11s %9s %12s %9s\n", "proto",
		"rx bytes", "rx pkts", "rx rate", "rx pkt/s",
		"tx bytes", "tx pkts", "tx rate", "tx pkt/s");
	for (i = 0; i < t->nrows; i++) {
		if (!t->rows[i].c[0].packets && !t->rows[i].c[1].packets)
			continue;	/* zero rows hidden */
		row_name(name, sizeof(name), t->rows[i].slot);
		table_row(&b, name, t->rows[i].c, r->secs);
	}
	table_row(&b, "total", t->sum, r->secs);
	if (t->by != PC_BY_PROTO)
		by_table(&b, r, t);
	if (t->ncls)
		class_table(&b, t, r->secs);
	if (t->check)
		check_table(&b, t);
	if (t->drops_total)
		bprintf(&b, "%-16s %11" PRIu64 " frames the kernel dropped before counting (%" PRIu64
			" since start): the counts are a lower bound\n", "drops", t->drops, t->drops_total);
	bprintf(&b, "\n");
	bmove(out, &b);
}

/* ---- JSON Lines ---- */

/* ,"counts":[...]: every protocol key that ever counted, rx then tx */
static void counts_json(struct buf *b, const struct pc_report_tap *t, int final)
{
	unsigned int i;
	int d, first = 1;

	bprintf(b, ",\"counts\":[");
	for (d = 0; d < PC_DIR_COUNT; d++)
		for (i = 0; i < t->nrows; i++) {
			const struct pc_counter *c = &t->rows[i].c[d], *total = &t->rows[i].total[d];
			struct pc_kpart parts[PC_KPARTS_MAX];

			if (!total->packets)
				continue;	/* never seen */
			bprintf(b, "%s{\"dir\":\"%s\"", first ? "" : ",", pc_dir_name((enum pc_dir)d));
			bjson_parts(b, parts, pc_proto_parts(row_key(&t->rows[i], (enum pc_dir)d), parts));
			bprintf(b, ",\"bytes\":%" PRIu64 ",\"packets\":%" PRIu64, c->bytes, c->packets);
			if (!final)
				bprintf(b, ",\"bytes_total\":%" PRIu64 ",\"packets_total\":%" PRIu64,
					total->bytes, total->packets);
			bprintf(b, "}");
			first = 0;
		}
	bprintf(b, "]");
}

static void check_json(struct buf *b, const struct pc_report_tap *t)
{
	const struct pc_link_stats *k = &t->chk.kernel;

	bprintf(b, ",\"check\":{\"rx_bytes\":%" PRIu64 ",\"rx_packets\":%" PRIu64
		",\"tx_bytes\":%" PRIu64 ",\"tx_packets\":%" PRIu64
		",\"rx_bytes_coverage\":%.4f,\"rx_packets_coverage\":%.4f"
		",\"tx_bytes_coverage\":%.4f,\"tx_packets_coverage\":%.4f,\"kernel_unit\":\"%s\"}",
		k->rx_bytes, k->rx_packets, k->tx_bytes, k->tx_packets,
		t->chk.share[PC_DIR_RX][0] / 100, t->chk.share[PC_DIR_RX][1] / 100,
		t->chk.share[PC_DIR_TX][0] / 100, t->chk.share[PC_DIR_TX][1] / 100, pc_unit_name(t->chk.unit));
}

/* One interface's JSON record, a line, appended to out. */
static void json_record(struct buf *out, const struct pc_report *r, const struct pc_report_tap *t,
			const struct stamp *st)
{
	struct buf b = { 0 };

	bprintf(&b, "{\"type\":\"%s\",\"time\":%s,\"iface\":", r->final ? "total" : "interval", st->when);
	bjson_str(&b, t->id.name);
	bprintf(&b, ",\"mode\":\"%s\",\"unit\":\"%s\",\"seconds\":%s,\"drops\":%" PRIu64,
		t->id.mode, pc_unit_name(t->id.unit), st->span, t->drops);
	if (!r->final)
		bprintf(&b, ",\"drops_total\":%" PRIu64, t->drops_total);
	/* a count that missed frames the kernel dropped says so */
	bprintf(&b, ",\"lower_bound\":%s", t->drops_total ? "true" : "false");
	counts_json(&b, t, r->final);
	if (t->by != PC_BY_PROTO)
		by_json(&b, r, t);
	if (t->ncls)
		class_json(&b, t, r->final);
	if (t->check)
		check_json(&b, t);
	bprintf(&b, "}\n");
	bmove(out, &b);
}

int pc_render_records(int fd, const struct pc_report *r, enum pc_view view)
{
	struct buf all = { 0 };
	struct stamp st;
	int i;

	snprintf(st.when, sizeof(st.when), "%.3f", r->wall);
	snprintf(st.span, sizeof(st.span), "%.3f", r->secs);
	snprintf(st.span2, sizeof(st.span2), "%.2f", r->secs);
	for (i = 0; i < r->ntaps; i++) {
		if (view == PC_VIEW_JSON)
			json_record(&all, r, &r->taps[i], &st);
		else
			table_record(&all, r, &r->taps[i], &st);
	}
	return bflush(&all, fd);
}

int pc_render_event(int fd, const struct pc_report_id *id, const char *event, const char *from,
		    const char *reason, double wall)
{
	struct buf b = { 0 };

	bprintf(&b, "{\"type\":\"event\",\"time\":%.3f,\"iface\":", wall);
	bjson_str(&b, id->name);
	bprintf(&b, ",\"mode\":\"%s\",\"unit\":\"%s\",\"event\":", id->mode, pc_unit_name(id->unit));
	bjson_str(&b, event);
	if (from) {
		bprintf(&b, ",\"from\":");
		bjson_str(&b, from);
	}
	bprintf(&b, ",\"reason\":");
	bjson_str(&b, reason);
	bprintf(&b, "}\n");
	return bflush(&b, fd);
}

/* ---- Prometheus ---- */

static void prom_counters(struct buf *b, const struct pc_report *r, int bytes)
{
	unsigned int i;
	int t, d;

	bprintf(b, bytes ? "# HELP pktcount_bytes_total Bytes on the link, link-layer header included, "
			   "per interface, direction, link-layer class and IP protocol.\n"
			   "# TYPE pktcount_bytes_total counter\n"
			 : "# HELP pktcount_packets_total Frames per interface, direction, link-layer "
			   "class and IP protocol.\n"
			   "# TYPE pktcount_packets_total counter\n");
	for (t = 0; t < r->ntaps; t++)
		for (d = 0; d < PC_DIR_COUNT; d++)
			for (i = 0; i < r->taps[t].nrows; i++) {
				const struct pc_counter *c = &r->taps[t].rows[i].total[d];
				struct pc_kpart k[PC_KPARTS_MAX];
				int n;

				if (!c->packets)
					continue;
				n = pc_proto_parts(row_key(&r->taps[t].rows[i], (enum pc_dir)d), k);
				bprintf(b, "pktcount_%s_total{iface=\"", bytes ? "bytes" : "packets");
				bprom_str(b, r->taps[t].id.name);
				/* proto is a label of every series: empty where the frame is not IP */
				bprintf(b, "\",direction=\"%s\",l3=\"%s\",proto=\"%s\"} %" PRIu64 "\n",
					pc_dir_name((enum pc_dir)d), k[0].text, n == 3 ? k[2].text : "",
					bytes ? c->bytes : c->packets);
			}
}

/* iface="...",direction="...",<the key's parts> */
static void prom_entry_labels(struct buf *b, const struct pc_report_tap *t, const struct pc_report_entry *e,
			      enum pc_dir d)
{
	struct pc_kpart parts[PC_KPARTS_MAX];
	int n = pc_bkey_parts(e->key, t->by, parts), i;

	bprintf(b, "iface=\"");
	bprom_str(b, t->id.name);
	bprintf(b, "\",direction=\"%s\"", pc_dir_name(d));
	for (i = 0; i < n; i++) {
		bprintf(b, ",%s=\"", parts[i].name);
		bprom_str(b, parts[i].text);
		bprintf(b, "\"");
	}
}

/* pktcount_by_{bytes,packets}_total: the top entries since start, as counters */
static void prom_by_top(struct buf *b, const struct pc_report *r, int bytes)
{
	const char *what = bytes ? "bytes" : "packets";
	struct pc_counter rest[PC_DIR_COUNT];
	uint32_t j, top;
	int t, d;

	bprintf(b, "# HELP pktcount_by_%s_total %s per interface, direction and --by key, "
		   "for the entries with most bytes (--top).\n# TYPE pktcount_by_%s_total counter\n",
		what, bytes ? "Bytes" : "Frames", what);
	for (t = 0; t < r->ntaps; t++) {
		const struct pc_report_ranking *k = pc_report_ranked(r, &r->taps[t], PC_VIEW_PROM);

		if (r->taps[t].by == PC_BY_PROTO || k->oom)
			continue;
		top = k->n - pc_report_rest(k, r->top[PC_VIEW_PROM], rest);
		for (j = 0; j < top; j++)
			for (d = 0; d < PC_DIR_COUNT; d++) {
				const struct pc_counter *c = &k->e[j].c[d];

				if (!c->packets)
					continue;
				bprintf(b, "pktcount_by_%s_total{", what);
				prom_entry_labels(b, &r->taps[t], &k->e[j], (enum pc_dir)d);
				bprintf(b, "} %" PRIu64 "\n", bytes ? c->bytes : c->packets);
			}
	}
}

/*
 * With --by: the top entries since start (--top, default 10) as counters,
 * and the rest as a gauge: which entries are on top changes, so their sum
 * can go down and is no counter.  Cardinality: at most top + 1 series per
 * interface and direction.
 */
static void prom_by(struct buf *b, const struct pc_report *r, int bytes)
{
	const char *what = bytes ? "bytes" : "packets";
	int t, d;

	prom_by_top(b, r, bytes);
	bprintf(b, "# HELP pktcount_by_rest_%s %s of the --by entries past --top, per interface and "
		   "direction.\n# TYPE pktcount_by_rest_%s gauge\n", what, bytes ? "Bytes" : "Frames", what);
	for (t = 0; t < r->ntaps; t++) {
		const struct pc_report_ranking *k = pc_report_ranked(r, &r->taps[t], PC_VIEW_PROM);
		struct pc_counter rest[PC_DIR_COUNT];

		if (r->taps[t].by == PC_BY_PROTO || k->oom)
			continue;
		pc_report_rest(k, r->top[PC_VIEW_PROM], rest);
		for (d = 0; d < PC_DIR_COUNT; d++) {
			bprintf(b, "pktcount_by_rest_%s{iface=\"", what);
			bprom_str(b, r->taps[t].id.name);
			bprintf(b, "\",direction=\"%s\"} %" PRIu64 "\n", pc_dir_name((enum pc_dir)d),
				bytes ? rest[d].bytes : rest[d].packets);
		}
	}
}

/* pktcount_drops_total and pktcount_info, a series per interface each */
static void prom_taps(struct buf *b, const struct pc_report *r)
{
	int t;

	bprintf(b, "# HELP pktcount_drops_total Frames the kernel dropped before they were counted "
		   "(classic and pcap modes); above 0 the counts are a lower bound.\n"
		   "# TYPE pktcount_drops_total counter\n");
	for (t = 0; t < r->ntaps; t++) {
		bprintf(b, "pktcount_drops_total{iface=\"");
		bprom_str(b, r->taps[t].id.name);
		bprintf(b, "\"} %" PRIu64 "\n", r->taps[t].drops_total);
	}
	bprintf(b, "# HELP pktcount_info The mode counting each interface and its unit (wire: GSO/GRO skbs count "
		   "their segments; skb: as the tap sees them), pktcount's version and the kernel's.\n"
		   "# TYPE pktcount_info gauge\n");
	for (t = 0; t < r->ntaps; t++) {
		bprintf(b, "pktcount_info{iface=\"");
		bprom_str(b, r->taps[t].id.name);
		bprintf(b, "\",mode=\"%s\",unit=\"%s\",version=\"%s\",kernel=\"", r->taps[t].id.mode,
			pc_unit_name(r->taps[t].id.unit), PC_VERSION);
		bprom_str(b, r->kernel);
		bprintf(b, "\"} 1\n");
	}
}

/* One exposition page for every tap: counters since start, families contiguous. */
static void prom_page(struct buf *b, const struct pc_report *r)
{
	int t, by = 0;

	for (t = 0; t < r->ntaps; t++)
		by |= r->taps[t].by != PC_BY_PROTO;
	prom_counters(b, r, 1);
	prom_counters(b, r, 0);
	if (by) {
		prom_by(b, r, 1);
		prom_by(b, r, 0);
	}
	if (r->nclasses) {
		prom_classes(b, r, 1);
		prom_classes(b, r, 0);
	}
	prom_taps(b, r);
}

int pc_render_prom(int fd, const struct pc_report *r)
{
	struct buf b = { 0 };

	prom_page(&b, r);
	bprintf(&b, "\n");	/* pages on a stream are parted by an empty line */
	return bflush(&b, fd);
}

/*
 * The temporary file of --prom-file PATH: DIR/.BASE.pktcount-XXXXXX, in the
 * same directory (renamed over PATH: readers see old or new, whole), hidden
 * and not ending in .prom (node_exporter reads *.prom only), and named so
 * that no file of anyone else's is taken for a stale one of ours.
 */
#define PROM_TMP_TAG ".pktcount-"

int pc_prom_tmp_match(const char *entry, const char *base)
{
	size_t blen = strlen(base), tlen = strlen(PROM_TMP_TAG), i;

	if (entry[0] != '.' || strncmp(entry + 1, base, blen) || strncmp(entry + 1 + blen, PROM_TMP_TAG, tlen))
		return 0;
	entry += 1 + blen + tlen;
	for (i = 0; entry[i]; i++)
		if (!isalnum((unsigned char)entry[i]))
			return 0;
	return i == 6;	/* mkstemp's XXXXXX */
}

int pc_render_prom_file(const char *path, const struct pc_report *r)
{
	struct buf b = { 0 };
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path + 1) : 0;
	char *tmp = malloc(strlen(path) + sizeof(PROM_TMP_TAG) + 8);
	int fd, ret;

	if (!tmp)
		return -ENOMEM;
	sprintf(tmp, "%.*s.%s" PROM_TMP_TAG "XXXXXX", (int)dlen, path, path + dlen);
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		free(tmp);
		return ret;
	}
	prom_page(&b, r);
	ret = bflush(&b, fd);
	if (!ret && fchmod(fd, 0644) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret)
		unlink(tmp);
	free(tmp);
	return ret;
}

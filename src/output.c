// SPDX-License-Identifier: GPL-2.0
/*
 * Output: the human table and JSON Lines.  Each record or table is built
 * whole in memory and written with one write loop, so a reader never gets a
 * partial record from us; a failed write is reported to the caller.
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
#include "pc_class.h"

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

/* Every key's counts since start, summed per direction. */
static void pc_totals(const struct pc_tap *tap, struct pc_counter *all)
{
	unsigned int key;

	memset(all, 0, PC_DIR_COUNT * sizeof(*all));
	for (key = pc_key_seen(tap, 0); key < PC_NKEYS; key = pc_key_seen(tap, key + 1)) {
		all[key / PC_NSLOTS].bytes += tap->total[key].bytes;
		all[key / PC_NSLOTS].packets += tap->total[key].packets;
	}
}

/* ours as a percentage of the kernel's; 100 when both are 0 */
static double pc_share(uint64_t ours, uint64_t kernel)
{
	return kernel ? 100.0 * (double)ours / (double)kernel : ours ? 0 : 100.0;
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

static struct pc_counter diff(const struct pc_counter *now, const struct pc_counter *then)
{
	struct pc_counter d = { now->bytes - then->bytes, now->packets - then->packets };

	return d;
}

static void cells(struct buf *b, struct pc_counter c, double secs)
{
	char bytes[24], rate[24];

	fmt_bytes(bytes, sizeof(bytes), c.bytes);
	fmt_rate(rate, sizeof(rate), secs > 0 ? (double)c.bytes * 8 / secs : 0);
	bprintf(b, " %11s %9" PRIu64 " %12s %9.0f", bytes, c.packets, rate,
		secs > 0 ? (double)c.packets / secs : 0);
}

/* ---- classes (--class): a row per class and direction, then the unmatched ---- */

static void bprom_str(struct buf *b, const char *s);

static const char *class_name(unsigned int i)
{
	return i < pc_classes.n ? pc_classes.c[i].name : "unmatched";
}

/* Class i's counts in direction d: in the interval, or since start (final). */
static struct pc_counter class_counts(const struct pc_tap *tap, unsigned int i, enum pc_dir d, int final)
{
	static const struct pc_counter zero;
	unsigned int r = pc_class_index(d, i);

	return diff(&tap->cls[r], final ? &zero : &tap->cls_prev[r]);
}

static void class_table(struct buf *b, const struct pc_tap *tap, double secs, int final)
{
	unsigned int i;

	bprintf(b, "%-16s\n", "class");
	for (i = 0; i <= pc_classes.n; i++) {
		bprintf(b, "%-16s", class_name(i));
		cells(b, class_counts(tap, i, PC_DIR_RX, final), secs);
		cells(b, class_counts(tap, i, PC_DIR_TX, final), secs);
		bprintf(b, "\n");
	}
}

/* ,"classes":[{"class","dir","bytes","packets"}...]: every class, both directions, zeros too */
static void class_json(struct buf *b, const struct pc_tap *tap, int final)
{
	unsigned int i;
	int d;

	bprintf(b, ",\"classes\":[");
	for (i = 0; i <= pc_classes.n; i++)
		for (d = 0; d < PC_DIR_COUNT; d++) {
			struct pc_counter c = class_counts(tap, i, (enum pc_dir)d, final);
			const struct pc_counter *t = &tap->cls[pc_class_index((enum pc_dir)d, i)];

			bprintf(b, "%s{\"class\":\"%s\",\"dir\":\"%s\",\"bytes\":%" PRIu64 ",\"packets\":%" PRIu64,
				i || d ? "," : "", class_name(i), pc_dir_name((enum pc_dir)d), c.bytes, c.packets);
			if (!final)
				bprintf(b, ",\"bytes_total\":%" PRIu64 ",\"packets_total\":%" PRIu64, t->bytes,
					t->packets);
			bprintf(b, "}");
		}
	bprintf(b, "]");
}

/* pktcount_class_bytes_total and _packets_total {iface, direction, class}, since start */
static void prom_classes(struct buf *b, const struct pc_tap *taps, int ntaps, int bytes)
{
	const char *what = bytes ? "bytes" : "packets";
	unsigned int i;
	int t, d;

	bprintf(b, "# HELP pktcount_class_%s_total %s matching each --class expression (unmatched: none "
		   "did), per interface and direction.\n# TYPE pktcount_class_%s_total counter\n", what,
		bytes ? "Bytes of the frames" : "Frames", what);
	for (t = 0; t < ntaps; t++)
		for (i = 0; i <= pc_classes.n; i++)
			for (d = 0; d < PC_DIR_COUNT; d++) {
				struct pc_counter c = class_counts(&taps[t], i, (enum pc_dir)d, 1);

				bprintf(b, "pktcount_class_%s_total{iface=\"", what);
				bprom_str(b, taps[t].name);
				bprintf(b, "\",direction=\"%s\",class=\"%s\"} %" PRIu64 "\n",
					pc_dir_name((enum pc_dir)d), class_name(i), bytes ? c.bytes : c.packets);
			}
}

/* ---- breakdowns (--by): the entries with most bytes first ---- */

struct pick {
	const struct pc_entry *e;
	struct pc_counter d[PC_DIR_COUNT];	/* in the interval, or since start */
};

static int pick_cmp(const void *x, const void *y)
{
	const struct pick *a = x, *b = y;
	uint64_t ba = a->d[0].bytes + a->d[1].bytes, bb = b->d[0].bytes + b->d[1].bytes;

	if (ba != bb)
		return ba > bb ? -1 : 1;
	return memcmp(&a->e->key, &b->e->key, sizeof(a->e->key));
}

/*
 * The entries that counted anything (in the interval, or since start with
 * final), most bytes first; their number, or -1 without memory.  *out is
 * malloc'd.
 */
static int picks(const struct pc_entries *t, int final, struct pick **out)
{
	const struct pc_entry *e;
	struct pick *p = malloc(((size_t)t->n + PC_NFIXED) * sizeof(*p));
	uint32_t i = 0;
	int n = 0, d;

	if (!p)
		return -1;
	while ((e = pc_entries_next(t, &i))) {
		for (d = 0; d < PC_DIR_COUNT; d++)
			p[n].d[d] = final ? e->c[d] : diff(&e->c[d], &e->prev[d]);
		if (!p[n].d[0].packets && !p[n].d[1].packets)
			continue;
		p[n++].e = e;
	}
	qsort(p, (size_t)n, sizeof(*p), pick_cmp);
	*out = p;
	return n;
}

/* src:port, [src]:port for IPv6; the address alone without a port */
static int endpoint(char *out, size_t size, const char *addr, const char *port)
{
	if (!port || !strcmp(port, "0"))
		return snprintf(out, size, "%s", addr);
	return snprintf(out, size, strchr(addr, ':') ? "[%s]:%s" : "%s:%s", addr, port);
}

/* The key as the table's row label: "host", "src > dst", "src:sport > dst:dport proto", "mac". */
static void row_label(char *out, size_t size, const struct pc_entry *e, enum pc_by by)
{
	struct pc_kpart k[PC_KPARTS_MAX];
	int n = pc_bkey_parts(&e->key, by, k), len;

	if (e->key.what == PC_BKEY_OTHER) {
		snprintf(out, size, "other (keys past --max-keys)");
	} else if (e->key.what == PC_BKEY_IDLE) {
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

static void by_table(struct buf *b, const struct pc_tap *tap, double secs, int final, unsigned int top)
{
	struct pick *p;
	struct pc_counter rest[PC_DIR_COUNT] = { { 0, 0 }, { 0, 0 } };
	int n = picks(&tap->ent, final, &p), i, d;
	char label[160];

	if (n < 0) {
		bprintf(b, "%s: no memory to sort the entries\n", pc_by_name(tap->by));
		return;
	}
	bprintf(b, "%-16s %11s %9s %12s %9s %11s %9s %12s %9s\n", pc_by_name(tap->by),
		"rx bytes", "rx pkts", "rx rate", "rx pkt/s", "tx bytes", "tx pkts", "tx rate", "tx pkt/s");
	for (i = 0; i < n; i++) {
		if ((unsigned int)i >= top) {
			for (d = 0; d < PC_DIR_COUNT; d++) {
				rest[d].bytes += p[i].d[d].bytes;
				rest[d].packets += p[i].d[d].packets;
			}
			continue;
		}
		row_label(label, sizeof(label), p[i].e, tap->by);
		/* a label too long for the column goes on a line of its own */
		if (strlen(label) > 16)
			bprintf(b, "%s\n%-16s", label, "");
		else
			bprintf(b, "%-16s", label);
		cells(b, p[i].d[PC_DIR_RX], secs);
		cells(b, p[i].d[PC_DIR_TX], secs);
		bprintf(b, "\n");
	}
	if ((unsigned int)n > top) {
		snprintf(label, sizeof(label), "%d more", n - (int)top);
		bprintf(b, "%-16s", label);
		cells(b, rest[PC_DIR_RX], secs);
		cells(b, rest[PC_DIR_TX], secs);
		bprintf(b, "\n");
	}
	if (tap->ent.overflow)
		bprintf(b, "%-16s %" PRIu64 " frames found the table full (--max-keys %u): counted under other\n",
			"overflow", tap->ent.overflow, tap->ent.max);
	free(p);
}

/* One JSON object of a breakdown entry's counts in one direction (total: since start). */
static void bjson_entry(struct buf *b, const struct pick *p, enum pc_dir d, enum pc_by by, int final)
{
	struct pc_kpart parts[PC_KPARTS_MAX];

	bprintf(b, "{\"dir\":\"%s\"", pc_dir_name(d));
	bjson_parts(b, parts, pc_bkey_parts(&p->e->key, by, parts));
	bprintf(b, ",\"bytes\":%" PRIu64 ",\"packets\":%" PRIu64, p->d[d].bytes, p->d[d].packets);
	if (!final)
		bprintf(b, ",\"bytes_total\":%" PRIu64 ",\"packets_total\":%" PRIu64,
			p->e->c[d].bytes, p->e->c[d].packets);
	bprintf(b, "}");
}

/* ,"by":KEY,"entries":[...]: every entry that counted (at most top, when given), then the rest */
static void by_json(struct buf *b, const struct pc_tap *tap, int final, unsigned int top)
{
	struct pc_counter rest[PC_DIR_COUNT] = { { 0, 0 }, { 0, 0 } };
	struct pick *p;
	int n = picks(&tap->ent, final, &p), i, d, first = 1, more = 0;

	bprintf(b, ",\"by\":\"%s\",\"entries\":[", pc_by_name(tap->by));
	for (i = 0; i < n; i++) {
		if (top && (unsigned int)i >= top) {
			more++;
			for (d = 0; d < PC_DIR_COUNT; d++) {
				rest[d].bytes += p[i].d[d].bytes;
				rest[d].packets += p[i].d[d].packets;
			}
			continue;
		}
		for (d = 0; d < PC_DIR_COUNT; d++) {
			if (!p[i].d[d].packets)
				continue;
			bprintf(b, "%s", first ? "" : ",");
			bjson_entry(b, &p[i], (enum pc_dir)d, tap->by, final);
			first = 0;
		}
	}
	/* past --top: their sum per direction, so the entries still add up to the total */
	for (d = 0; more && d < PC_DIR_COUNT; d++) {
		if (!rest[d].packets)
			continue;
		bprintf(b, "%s{\"dir\":\"%s\",\"rest\":%d,\"bytes\":%" PRIu64 ",\"packets\":%" PRIu64 "}",
			first ? "" : ",", pc_dir_name((enum pc_dir)d), more, rest[d].bytes, rest[d].packets);
		first = 0;
	}
	bprintf(b, "],\"overflow\":%" PRIu64, tap->ent.overflow);
	if (n < 0)
		b->oom = 1;	/* no partial record */
	free(n < 0 ? NULL : p);
}

/*
 * --check: why coverage may not be 100% under GSO/GRO.  A NIC counts the
 * frames on its wire, a virtual device the skbs that pass it; pktcount
 * counts in its tap's unit (docs/counting.md, "The unit").
 */
static void check_units(struct buf *b, const struct pc_tap *tap)
{
	const char *dev = tap->kind[0] ? tap->kind : tap->k_unit == PC_UNIT_SKB ? "lo" : "a NIC";

	if (tap->k_unit == tap->unit)
		bprintf(b, "%-16s %s and pktcount both count %s\n", "units", dev,
			tap->unit == PC_UNIT_WIRE ? "frames on the wire" : "skbs");
	else if (tap->k_unit == PC_UNIT_SKB)
		bprintf(b, "%-16s %s counts skbs, pktcount frames on the wire: pktcount is higher "
			"where GSO or GRO merged frames\n", "units", dev);
	else
		bprintf(b, "%-16s %s counts frames on the wire, pktcount skbs: pktcount is lower "
			"where TSO or GRO merged frames\n", "units", dev);
}

/* One interface's table, appended to out_buf. */
/* What every record of one report shares, formatted once: not a float conversion per tap */
struct stamp {
	char when[32], span[32], span2[32];	/* wall clock %.3f; interval %.3f and %.2f */
};

static void table_record(struct buf *out_buf, const struct pc_tap *tap, double secs, int final,
			 const struct stamp *st, const struct pc_out *out)
{
	static const struct pc_counter zero;
	struct pc_counter sum[PC_DIR_COUNT] = { { 0, 0 }, { 0, 0 } };
	struct buf b = { 0 };
	unsigned int slot;

	bname(&b, tap->name, PC_NAME_TEXT);
	bprintf(&b, "  %s  %s units  %s %s s\n", tap->be->name, pc_unit_name(tap->unit),
		final ? "total over" : "interval", st->span2);
	bprintf(&b, "%-16s %11s %9s %12s %9s %11s %9s %12s %9s\n", "proto",
		"rx bytes", "rx pkts", "rx rate", "rx pkt/s",
		"tx bytes", "tx pkts", "tx rate", "tx pkt/s");
	for (slot = 0; slot < PC_NSLOTS; slot++) {
		struct pc_counter c[PC_DIR_COUNT];
		char name[2 * sizeof(((struct pc_kpart *)0)->text)];
		int d;

		for (d = 0; d < PC_DIR_COUNT; d++) {
			unsigned int key = slot + (unsigned int)d * PC_NSLOTS;

			c[d] = diff(&tap->total[key], final ? &zero : &tap->prev[key]);
			sum[d].bytes += c[d].bytes;
			sum[d].packets += c[d].packets;
		}
		if (!c[0].packets && !c[1].packets)
			continue;	/* zero rows hidden */
		row_name(name, sizeof(name), slot);
		bprintf(&b, "%-16s", name);
		cells(&b, c[PC_DIR_RX], secs);
		cells(&b, c[PC_DIR_TX], secs);
		bprintf(&b, "\n");
	}
	bprintf(&b, "%-16s", "total");
	cells(&b, sum[PC_DIR_RX], secs);
	cells(&b, sum[PC_DIR_TX], secs);
	bprintf(&b, "\n");
	if (tap->by != PC_BY_PROTO)
		by_table(&b, tap, secs, final, out->top ? out->top : PC_TOP_DEFAULT);
	if (pc_classes.n)
		class_table(&b, tap, secs, final);
	if (tap->check) {
		struct pc_counter all[PC_DIR_COUNT];
		const struct pc_link_stats *k = &tap->k_now;

		/* since start: the interface's counters beside ours, and our share of them */
		pc_totals(tap, all);
		bprintf(&b, "%-16s %11" PRIu64 " %9" PRIu64 " %22s %11" PRIu64 " %9" PRIu64 "\n",
			"kernel (total)", k->rx_bytes, k->rx_packets, "", k->tx_bytes, k->tx_packets);
		bprintf(&b, "%-16s %10.1f%% %8.1f%% %22s %10.1f%% %8.1f%%\n", "coverage",
			pc_share(all[PC_DIR_RX].bytes, k->rx_bytes), pc_share(all[PC_DIR_RX].packets, k->rx_packets), "",
			pc_share(all[PC_DIR_TX].bytes, k->tx_bytes), pc_share(all[PC_DIR_TX].packets, k->tx_packets));
		check_units(&b, tap);
	}
	if (tap->drops)
		bprintf(&b, "%-16s %11" PRIu64 " frames the kernel dropped before counting (%" PRIu64
			" since start): the counts are a lower bound\n", "drops",
			final ? tap->drops : tap->drops - tap->prev_drops, tap->drops);
	bprintf(&b, "\n");
	bmove(out_buf, &b);
}

/* One interface's JSON record, a line, appended to out_buf. */
static void json_record(struct buf *out_buf, const struct pc_tap *tap, int final,
			const struct stamp *st, const struct pc_out *out)
{
	struct buf b = { 0 };
	unsigned int key;
	int first = 1;

	bprintf(&b, "{\"type\":\"%s\",\"time\":%s,\"iface\":",
		final ? "total" : "interval", st->when);
	bjson_str(&b, tap->name);
	bprintf(&b, ",\"mode\":\"%s\",\"unit\":\"%s\",\"seconds\":%s,\"drops\":%" PRIu64,
		tap->be->name, pc_unit_name(tap->unit), st->span,
		final ? tap->drops : tap->drops - tap->prev_drops);
	if (!final)
		bprintf(&b, ",\"drops_total\":%" PRIu64, tap->drops);
	/* a count that missed frames the kernel dropped says so */
	bprintf(&b, ",\"lower_bound\":%s,\"counts\":[", tap->drops ? "true" : "false");
	for (key = pc_key_seen(tap, 0); key < PC_NKEYS; key = pc_key_seen(tap, key + 1)) {
		const struct pc_counter *t = &tap->total[key];
		struct pc_kpart parts[PC_KPARTS_MAX];
		struct pc_counter c;

		if (!t->packets)
			continue;	/* never seen */
		c = final ? *t : diff(t, &tap->prev[key]);
		bprintf(&b, "%s{\"dir\":\"%s\"", first ? "" : ",", pc_dir_name(pc_key_split(key).dir));
		bjson_parts(&b, parts, pc_proto_parts(key, parts));
		bprintf(&b, ",\"bytes\":%" PRIu64 ",\"packets\":%" PRIu64, c.bytes, c.packets);
		if (!final)
			bprintf(&b, ",\"bytes_total\":%" PRIu64 ",\"packets_total\":%" PRIu64,
				t->bytes, t->packets);
		bprintf(&b, "}");
		first = 0;
	}
	bprintf(&b, "]");
	if (tap->by != PC_BY_PROTO)
		by_json(&b, tap, final, out->top);
	if (pc_classes.n)
		class_json(&b, tap, final);
	if (tap->check) {
		struct pc_counter all[PC_DIR_COUNT];
		const struct pc_link_stats *k = &tap->k_now;

		pc_totals(tap, all);
		bprintf(&b, ",\"check\":{\"rx_bytes\":%" PRIu64 ",\"rx_packets\":%" PRIu64
			",\"tx_bytes\":%" PRIu64 ",\"tx_packets\":%" PRIu64
			",\"rx_bytes_coverage\":%.4f,\"rx_packets_coverage\":%.4f"
			",\"tx_bytes_coverage\":%.4f,\"tx_packets_coverage\":%.4f,\"kernel_unit\":\"%s\"}",
			k->rx_bytes, k->rx_packets, k->tx_bytes, k->tx_packets,
			pc_share(all[PC_DIR_RX].bytes, k->rx_bytes) / 100,
			pc_share(all[PC_DIR_RX].packets, k->rx_packets) / 100,
			pc_share(all[PC_DIR_TX].bytes, k->tx_bytes) / 100,
			pc_share(all[PC_DIR_TX].packets, k->tx_packets) / 100, pc_unit_name(tap->k_unit));
	}
	bprintf(&b, "}\n");
	bmove(out_buf, &b);
}

/* A Prometheus label value: UTF-8 always, '\\' and '"' escaped, never a newline. */
static void bprom_str(struct buf *b, const char *s)
{
	bname(b, s, PC_NAME_PROM);
}

static void prom_counters(struct buf *b, const struct pc_tap *taps, int ntaps, int bytes)
{
	int i;

	bprintf(b, bytes ? "# HELP pktcount_bytes_total Bytes on the link, link-layer header included, "
			   "per interface, direction, link-layer class and IP protocol.\n"
			   "# TYPE pktcount_bytes_total counter\n"
			 : "# HELP pktcount_packets_total Frames per interface, direction, link-layer "
			   "class and IP protocol.\n"
			   "# TYPE pktcount_packets_total counter\n");
	for (i = 0; i < ntaps; i++) {
		unsigned int key;

		for (key = pc_key_seen(&taps[i], 0); key < PC_NKEYS; key = pc_key_seen(&taps[i], key + 1)) {
			const struct pc_counter *c = &taps[i].total[key];
			struct pc_kpart k[PC_KPARTS_MAX];
			int n;

			if (!c->packets)
				continue;
			n = pc_proto_parts(key, k);
			bprintf(b, "pktcount_%s_total{iface=\"", bytes ? "bytes" : "packets");
			bprom_str(b, taps[i].name);
			/* proto is a label of every series: empty where the frame is not IP */
			bprintf(b, "\",direction=\"%s\",l3=\"%s\",proto=\"%s\"} %" PRIu64 "\n",
				pc_dir_name(pc_key_split(key).dir), k[0].text, n == 3 ? k[2].text : "",
				bytes ? c->bytes : c->packets);
		}
	}
}

/* iface="...",direction="...",<the key's parts> */
static void prom_entry_labels(struct buf *b, const struct pc_tap *tap, const struct pick *p, enum pc_dir d)
{
	struct pc_kpart parts[PC_KPARTS_MAX];
	int n = pc_bkey_parts(&p->e->key, tap->by, parts), i;

	bprintf(b, "iface=\"");
	bprom_str(b, tap->name);
	bprintf(b, "\",direction=\"%s\"", pc_dir_name(d));
	for (i = 0; i < n; i++) {
		bprintf(b, ",%s=\"", parts[i].name);
		bprom_str(b, parts[i].text);
		bprintf(b, "\"");
	}
}

/*
 * With --by: the top entries since start (--top, default 10) as counters,
 * and the rest as a gauge: which entries are on top changes, so their sum
 * can go down and is no counter.  Cardinality: at most top + 1 series per
 * interface and direction.
 */
static void prom_by(struct buf *b, const struct pc_tap *taps, int ntaps, unsigned int top, int bytes)
{
	const char *what = bytes ? "bytes" : "packets";
	int i, j, n, d;

	bprintf(b, "# HELP pktcount_by_%s_total %s per interface, direction and --by key, "
		   "for the entries with most bytes (--top).\n# TYPE pktcount_by_%s_total counter\n",
		what, bytes ? "Bytes" : "Frames", what);
	for (i = 0; i < ntaps; i++) {
		struct pick *p;

		if (taps[i].by == PC_BY_PROTO || (n = picks(&taps[i].ent, 1, &p)) < 0)
			continue;
		for (j = 0; j < n && (unsigned int)j < top; j++)
			for (d = 0; d < PC_DIR_COUNT; d++) {
				if (!p[j].d[d].packets)
					continue;
				bprintf(b, "pktcount_by_%s_total{", what);
				prom_entry_labels(b, &taps[i], &p[j], (enum pc_dir)d);
				bprintf(b, "} %" PRIu64 "\n", bytes ? p[j].d[d].bytes : p[j].d[d].packets);
			}
		free(p);
	}
	bprintf(b, "# HELP pktcount_by_rest_%s %s of the --by entries past --top, per interface and "
		   "direction.\n# TYPE pktcount_by_rest_%s gauge\n", what, bytes ? "Bytes" : "Frames", what);
	for (i = 0; i < ntaps; i++) {
		struct pc_counter rest[PC_DIR_COUNT] = { { 0, 0 }, { 0, 0 } };
		struct pick *p;

		if (taps[i].by == PC_BY_PROTO || (n = picks(&taps[i].ent, 1, &p)) < 0)
			continue;
		for (j = (int)top; j < n; j++)
			for (d = 0; d < PC_DIR_COUNT; d++) {
				rest[d].bytes += p[j].d[d].bytes;
				rest[d].packets += p[j].d[d].packets;
			}
		free(p);
		for (d = 0; d < PC_DIR_COUNT; d++) {
			bprintf(b, "pktcount_by_rest_%s{iface=\"", what);
			bprom_str(b, taps[i].name);
			bprintf(b, "\",direction=\"%s\"} %" PRIu64 "\n", pc_dir_name((enum pc_dir)d),
				bytes ? rest[d].bytes : rest[d].packets);
		}
	}
}

/* One exposition page for every tap: counters since start, families contiguous. */
static void prom_page(struct buf *b, const struct pc_tap *taps, int ntaps, const struct pc_out *out)
{
	unsigned int top = out->top ? out->top : PC_TOP_DEFAULT;
	int i, by = 0;

	prom_counters(b, taps, ntaps, 1);
	prom_counters(b, taps, ntaps, 0);
	for (i = 0; i < ntaps; i++)
		by |= taps[i].by != PC_BY_PROTO;
	if (by) {
		prom_by(b, taps, ntaps, top, 1);
		prom_by(b, taps, ntaps, top, 0);
	}
	if (pc_classes.n) {
		prom_classes(b, taps, ntaps, 1);
		prom_classes(b, taps, ntaps, 0);
	}
	bprintf(b, "# HELP pktcount_drops_total Frames the kernel dropped before they were counted "
		   "(classic and pcap modes); above 0 the counts are a lower bound.\n"
		   "# TYPE pktcount_drops_total counter\n");
	for (i = 0; i < ntaps; i++) {
		bprintf(b, "pktcount_drops_total{iface=\"");
		bprom_str(b, taps[i].name);
		bprintf(b, "\"} %" PRIu64 "\n", taps[i].drops);
	}
	bprintf(b, "# HELP pktcount_info The mode counting each interface and its unit (wire: GSO/GRO skbs count "
		   "their segments; skb: as the tap sees them), pktcount's version and the kernel's.\n"
		   "# TYPE pktcount_info gauge\n");
	for (i = 0; i < ntaps; i++) {
		bprintf(b, "pktcount_info{iface=\"");
		bprom_str(b, taps[i].name);
		bprintf(b, "\",mode=\"%s\",unit=\"%s\",version=\"%s\",kernel=\"", taps[i].be->name,
			pc_unit_name(taps[i].unit), PC_VERSION);
		bprom_str(b, out->kernel);
		bprintf(b, "\"} 1\n");
	}
}

int pc_print_prom(int fd, const struct pc_tap *taps, int ntaps, const struct pc_out *out)
{
	struct buf b = { 0 };

	prom_page(&b, taps, ntaps, out);
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

int pc_write_prom_file(const char *path, const struct pc_tap *taps, int ntaps, const struct pc_out *out)
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
	prom_page(&b, taps, ntaps, out);
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

int pc_print_event(int fd, const struct pc_tap *tap, const char *event, const char *from,
		   const char *reason, double wall)
{
	struct buf b = { 0 };

	bprintf(&b, "{\"type\":\"event\",\"time\":%.3f,\"iface\":", wall);
	bjson_str(&b, tap->name);
	bprintf(&b, ",\"mode\":\"%s\",\"unit\":\"%s\",\"event\":", tap->be->name, pc_unit_name(tap->unit));
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

int pc_print_records(int fd, const struct pc_tap *taps, int ntaps, int json, double secs, int final,
		     double wall, const struct pc_out *out)
{
	struct buf all = { 0 };
	struct stamp st;
	int i;

	snprintf(st.when, sizeof(st.when), "%.3f", wall);
	snprintf(st.span, sizeof(st.span), "%.3f", secs);
	snprintf(st.span2, sizeof(st.span2), "%.2f", secs);
	for (i = 0; i < ntaps; i++) {
		if (json)
			json_record(&all, &taps[i], final, &st, out);
		else
			table_record(&all, &taps[i], secs, final, &st, out);
	}
	return bflush(&all, fd);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * pktcount's output read back: its JSON Lines checked against the
 * documented schema, what its interval records say it counted, and
 * promtool's verdict on a Prometheus page.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "proc.h"
#include "records.h"
#include "sh.h"

void need_promtool(void)
{
	if (system("command -v promtool >/dev/null 2>&1") != 0)
		cr_assert_fail("promtool missing: make check installs it (Debian package prometheus)");
}

int promtool_ok(const char *page, size_t len)
{
	char path[] = "/tmp/pktcount-prom-XXXXXX";
	int fd = mkstemp(path), ret;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, page, len), (ssize_t)len);
	close(fd);
	ret = sh("promtool check metrics < %s > /dev/null 2>&1", path);
	if (ret)
		sh("echo '--- promtool on this page:' >&2; promtool check metrics < %s >&2; cat %s >&2", path, path);
	unlink(path);
	return ret;
}

static int l3_from_name(const char *s)
{
	int l3;

	for (l3 = 0; l3 < PC_L3_COUNT; l3++)
		if (strcmp(pc_l3_name((enum pc_l3)l3), s) == 0)
			return l3;
	return -1;
}

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

static int parse_count(cJSON *c, unsigned int *key, uint64_t *bytes, uint64_t *packets,
		       char *err, size_t errlen)
{
	cJSON *dir = cJSON_GetObjectItemCaseSensitive(c, "dir");
	cJSON *l3 = cJSON_GetObjectItemCaseSensitive(c, "l3");
	cJSON *ipp = cJSON_GetObjectItemCaseSensitive(c, "ipproto");
	cJSON *proto = cJSON_GetObjectItemCaseSensitive(c, "proto");
	cJSON *b = cJSON_GetObjectItemCaseSensitive(c, "bytes");
	cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "packets");
	int l, d, ip;

	if (!cJSON_IsString(dir) || (strcmp(dir->valuestring, "rx") && strcmp(dir->valuestring, "tx")))
		BAD("count without dir rx|tx");
	d = strcmp(dir->valuestring, "tx") == 0;
	if (!cJSON_IsString(l3) || (l = l3_from_name(l3->valuestring)) < 0)
		BAD("count with bad l3");
	if (l == PC_L3_IPV4 || l == PC_L3_IPV6) {
		if (!cJSON_IsString(proto))
			BAD("ip count without proto");
		if (cJSON_IsNull(ipp)) {
			if (strcmp(proto->valuestring, "unknown"))
				BAD("null ipproto with proto %s", proto->valuestring);
			ip = PC_PROTO_UNKNOWN;
		} else if (cJSON_IsNumber(ipp) && ipp->valueint >= 0 && ipp->valueint <= 255 &&
			   (double)ipp->valueint == ipp->valuedouble) {
			const char *name = pc_ipproto_name(ipp->valueint);
			char num[8];

			snprintf(num, sizeof(num), "%d", ipp->valueint);
			if (strcmp(proto->valuestring, name ? name : num))
				BAD("ipproto %d named %s", ipp->valueint, proto->valuestring);
			ip = ipp->valueint;
		} else {
			BAD("ip count with bad ipproto");
		}
	} else {
		if (ipp || proto)
			BAD("non-IP count %s with ipproto/proto", l3->valuestring);
		ip = PC_PROTO_NONE;
	}
	if (!cJSON_IsNumber(b) || !cJSON_IsNumber(p) || b->valuedouble < 0 || p->valuedouble < 0)
		BAD("count without bytes/packets");
	*key = pc_key_make(d ? PC_DIR_TX : PC_DIR_RX, (enum pc_l3)l, ip);
	*bytes = (uint64_t)b->valuedouble;
	*packets = (uint64_t)p->valuedouble;
	return 0;
fail:
	return -1;
}

int parse_output(const char *out, const char *iface, struct run_output *r,
		 char *err, size_t errlen)
{
	static struct pc_counter last_total[PC_NKEYS];
	const char *line = out;
	cJSON *j = NULL;
	int rebase = 0;

	memset(r, 0, sizeof(*r));
	memset(last_total, 0, sizeof(last_total));
	while (*line) {
		const char *nl = strchr(line, '\n');
		cJSON *type, *name, *mode, *counts, *c, *t, *s, *unit;
		int total;

		if (!nl)
			BAD("a partial line at the end: '%.80s'", line);
		j = cJSON_ParseWithLength(line, (size_t)(nl - line));
		if (!j || !cJSON_IsObject(j))
			BAD("not a JSON object: '%.80s'", line);
		type = cJSON_GetObjectItemCaseSensitive(j, "type");
		unit = cJSON_GetObjectItemCaseSensitive(j, "unit");
		/* every record says what a packet is (docs/counting.md, "The unit") */
		if (!cJSON_IsString(unit) || (strcmp(unit->valuestring, "wire") && strcmp(unit->valuestring, "skb")))
			BAD("record without unit wire or skb: '%.80s'", line);
		if (cJSON_IsString(type) && !strcmp(type->valuestring, "event")) {
			cJSON *ev = cJSON_GetObjectItemCaseSensitive(j, "event");

			if (!cJSON_IsString(ev) || (strcmp(ev->valuestring, "attached") &&
						    strcmp(ev->valuestring, "detached") &&
						    strcmp(ev->valuestring, "renamed")))
				BAD("event record without attached/detached/renamed: '%.80s'", line);
			/* a series that takes over another's name goes on from that one's totals */
			name = cJSON_GetObjectItemCaseSensitive(j, "iface");
			if (!strcmp(ev->valuestring, "renamed") && cJSON_IsString(name) &&
			    !strcmp(name->valuestring, iface))
				rebase = 1;
			cJSON_Delete(j);
			j = NULL;
			line = nl + 1;
			continue;
		}
		name = cJSON_GetObjectItemCaseSensitive(j, "iface");
		mode = cJSON_GetObjectItemCaseSensitive(j, "mode");
		counts = cJSON_GetObjectItemCaseSensitive(j, "counts");
		t = cJSON_GetObjectItemCaseSensitive(j, "time");
		s = cJSON_GetObjectItemCaseSensitive(j, "seconds");
		if (!cJSON_IsString(type) || !cJSON_IsString(name) || !cJSON_IsString(mode) ||
		    !cJSON_IsArray(counts) || !cJSON_IsNumber(t) || !cJSON_IsNumber(s))
			BAD("record lacks type/iface/mode/counts/time/seconds: '%.80s'", line);
		total = strcmp(type->valuestring, "total") == 0;
		if (!total && strcmp(type->valuestring, "interval"))
			BAD("record type %s", type->valuestring);
		if (strcmp(name->valuestring, iface) == 0) {
			snprintf(r->mode, sizeof(r->mode), "%s", mode->valuestring);
			snprintf(r->unit, sizeof(r->unit), "%s", unit->valuestring);
			if (total)
				r->total_records++;
			else
				r->intervals++;
			if (total && r->total_records > 1)
				BAD("two total records for %s", iface);
			cJSON_ArrayForEach(c, counts) {
				unsigned int key;
				uint64_t bytes, packets;

				if (parse_count(c, &key, &bytes, &packets, err, errlen))
					goto fail;
				if (total) {
					r->totals[key].bytes = bytes;
					r->totals[key].packets = packets;
					if (bytes < last_total[key].bytes || packets < last_total[key].packets)
						BAD("total below an interval's running total");
				} else {
					cJSON *bt = cJSON_GetObjectItemCaseSensitive(c, "bytes_total");
					cJSON *pt = cJSON_GetObjectItemCaseSensitive(c, "packets_total");

					if (!cJSON_IsNumber(bt) || !cJSON_IsNumber(pt))
						BAD("interval count without bytes_total/packets_total");
					if (rebase && bt->valuedouble >= (double)bytes && pt->valuedouble >= (double)packets) {
						last_total[key].bytes = (uint64_t)bt->valuedouble - bytes;
						last_total[key].packets = (uint64_t)pt->valuedouble - packets;
					}
					if ((uint64_t)bt->valuedouble < last_total[key].bytes ||
					    (uint64_t)pt->valuedouble < last_total[key].packets)
						BAD("running total went backwards");
					if ((uint64_t)bt->valuedouble - last_total[key].bytes != bytes ||
					    (uint64_t)pt->valuedouble - last_total[key].packets != packets)
						BAD("interval counts are not the step of the running total");
					last_total[key].bytes = (uint64_t)bt->valuedouble;
					last_total[key].packets = (uint64_t)pt->valuedouble;
				}
			}
			rebase = 0;
		}
		cJSON_Delete(j);
		j = NULL;
		line = nl + 1;
	}
	if (r->total_records != 1)
		BAD("%d total records for %s", r->total_records, iface);
	return 0;
fail:
	cJSON_Delete(j);
	return -1;
}

/* The "iface":"NAME", of a record, as pktcount writes it. */
static int record_of(const char *line, size_t len, const char *iface)
{
	char what[64];

	snprintf(what, sizeof(what), "\"iface\":\"%s\",", iface);
	return memmem(line, len, what, strlen(what)) != NULL;
}

int64_t json_counted(const char *out, size_t len, const char *iface, int which)
{
	const char *end = out ? out + len : NULL, *line;
	int64_t n = 0;
	cJSON *j, *c, *drops;

	if (!out)
		return -1;
	/* back from the end: the last whole line first */
	while (end > out && end[-1] != '\n')
		end--;
	for (; end > out; end = line) {
		for (line = end - 1; line > out && line[-1] != '\n'; line--)
			;
		if (memmem(line, (size_t)(end - line), "\"type\":\"interval\"", 17) &&
		    record_of(line, (size_t)(end - line), iface))
			break;
	}
	if (end <= out)
		return -1;
	j = cJSON_ParseWithLength(line, (size_t)(end - line));
	if (!j)
		return -1;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j, "counts")) {
		cJSON *dir = cJSON_GetObjectItemCaseSensitive(c, "dir");
		cJSON *pt = cJSON_GetObjectItemCaseSensitive(c, "packets_total");
		unsigned int key;
		uint64_t b, pk;
		char err[64];

		if (!cJSON_IsString(dir) || !cJSON_IsNumber(pt))
			continue;
		if (which == COUNT_RX ? strcmp(dir->valuestring, "rx") :
		    which == COUNT_TX ? strcmp(dir->valuestring, "tx") :
		    parse_count(c, &key, &b, &pk, err, sizeof(err)) || key != (unsigned int)which)
			continue;
		n += (int64_t)pt->valuedouble;
	}
	drops = cJSON_GetObjectItemCaseSensitive(j, "drops_total");
	if (cJSON_IsNumber(drops))
		n += (int64_t)drops->valuedouble;
	cJSON_Delete(j);
	return n;
}

struct counted_arg {
	const char *iface;
	int which;
	uint64_t want;
};

static int counted_enough(struct pktcount_proc *p, void *arg)
{
	const struct counted_arg *a = arg;

	return json_counted(p->out, p->out_len, a->iface, a->which) >= (int64_t)a->want;
}

int pktcount_wait_counted(struct pktcount_proc *p, const char *iface, int which, uint64_t want, int max_ms)
{
	struct counted_arg a = { iface, which, want };
	int ret = pktcount_wait_until(p, counted_enough, &a, max_ms);

	/* info, not warn: Criterion exits 1 after any warning; the test's own assertions say what is wrong */
	if (ret)
		cr_log_info("%s never counted %llu (%s) in %d ms: its last interval record has %lld",
			    iface, (unsigned long long)want,
			    which == COUNT_RX ? "rx" : which == COUNT_TX ? "tx" : "one key", max_ms,
			    (long long)json_counted(p->out, p->out_len, iface, which));
	return ret;
}

struct pc_counter dir_sum(const struct pc_counter *c, enum pc_dir dir)
{
	struct pc_counter s = { 0, 0 };
	unsigned int k;

	for (k = dir * PC_NSLOTS; k < (dir + 1u) * PC_NSLOTS; k++) {
		s.bytes += c[k].bytes;
		s.packets += c[k].packets;
	}
	return s;
}

/*
 * Whether s is well-formed UTF-8 by RFC 3629's table of byte ranges (not
 * by src/name.c's arithmetic), with no control (C0, DEL, C1) when
 * no_controls; newlines are allowed when lines.
 */
int utf8_clean(const unsigned char *s, size_t len, int no_controls, int lines)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xbf;
		size_t n;

		if (c < 0x80) {
			if (no_controls && (c < 0x20 || c == 0x7f) && !(lines && c == '\n'))
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 2;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		else
			return 0;
		if (i + n > len || s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t k = 2; k < n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return 0;
		if (no_controls && c == 0xc2 && s[i + 1] <= 0x9f)
			return 0;	/* C1 */
		i += n;
	}
	return 1;
}

void expect_clean(const char *what, const char *s, size_t len)
{
	cr_expect(utf8_clean((const unsigned char *)s, len, 1, 1),
		  "%s: a control byte or invalid UTF-8 in: %s", what, s);
}

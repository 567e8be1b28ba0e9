// SPDX-License-Identifier: GPL-2.0
/*
 * Interface names in output (src/name.c), live: pktcount on interfaces
 * named with UTF-8, invalid bytes and controls, inside a namespace of
 * their own: JSON, Prometheus, the table, stderr and event records.  The
 * encoding itself is tests/unit/test_names.c's.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/netns.h"
#include "lib/proc.h"
#include "lib/records.h"
#include "lib/sh.h"
#include "lib/wait.h"

static struct topo topo;

static void down(void)
{
	topo_down(&topo);
}

struct live_name {
	const char *name;
	const char *json;	/* the JSON "iface" once parsed */
	const char *text;	/* the table's, stderr's and (no quote or backslash here) Prometheus' */
};

static const struct live_name live[] = {
	{ "a\xc3\xbc", "a\xc3\xbc", "a\xc3\xbc" },
	{ "a\xc3\xa9", "a\xc3\xa9", "a\xc3\xa9" },
	{ "a\xff", "a%FF", "a%FF" },
	{ "a\x01" "b", "a\x01" "b", "a%01b" },
};

#define NLIVE (sizeof(live) / sizeof(live[0]))

/* name as a sh word: printf gives its bytes back, whatever they are */
static const char *sh_word(const char *name)
{
	static char out[4][96];
	static int next;
	char *o = out[next++ % 4];
	int len = snprintf(o, 96, "\"$(printf '");

	for (; *name; name++)
		len += snprintf(o + len, 96 - (size_t)len, "\\%03o", (unsigned char)*name);
	snprintf(o + len, 96 - (size_t)len, "')\"");
	return o;
}

/* aü and a\xff, aé and a\x01b: two veth pairs, up, in topo.b */
static void names_up(void)
{
	topo_up(&topo, 0, 0);
	sh_ok("ip -n %s link add %s type veth peer name %s", topo.b, sh_word(live[0].name), sh_word(live[2].name));
	sh_ok("ip -n %s link add %s type veth peer name %s", topo.b, sh_word(live[1].name), sh_word(live[3].name));
	for (size_t i = 0; i < NLIVE; i++)
		sh_ok("ip -n %s link set %s up", topo.b, sh_word(live[i].name));
}

/* pktcount with opts then every live name, in topo.b, to its end */
static void run_named(struct pktcount_proc *p, const char *const opts[])
{
	const char *argv[16];
	size_t n = 0;

	while (opts[n]) {
		argv[n] = opts[n];
		n++;
	}
	for (size_t i = 0; i < NLIVE; i++)
		argv[n++] = live[i].name;
	argv[n] = NULL;
	cr_assert_eq(pktcount_start(p, topo.b, argv), 0);
	cr_assert_eq(pktcount_finish(p, 0, WAIT_MS), 0, "exit %d: %s", p->status, p->err);
}

/* Each JSON line parses; its iface is one of live[]'s, seen[] counts them. */
static void json_ifaces(const char *out, const char *type, int seen[NLIVE])
{
	const char *line = out, *nl;

	memset(seen, 0, NLIVE * sizeof(*seen));
	for (; (nl = strchr(line, '\n')); line = nl + 1) {
		char *copy = strndup(line, (size_t)(nl - line));
		cJSON *j = cJSON_Parse(copy), *t, *iface;
		size_t i;

		cr_assert_not_null(j, "not JSON: %s", copy);
		t = cJSON_GetObjectItemCaseSensitive(j, "type");
		iface = cJSON_GetObjectItemCaseSensitive(j, "iface");
		cr_assert(cJSON_IsString(t) && cJSON_IsString(iface), "%s", copy);
		for (i = 0; i < NLIVE && strcmp(iface->valuestring, live[i].json); i++)
			;
		cr_assert_lt(i, NLIVE, "iface %s is none of the names: %s", iface->valuestring, copy);
		seen[i] += !strcmp(t->valuestring, type);
		cJSON_Delete(j);
		free(copy);
	}
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* No two samples of a page share metric name and labels. */
static void no_duplicate_series(char *page)
{
	char *series[256], *line, *save;
	size_t n = 0;

	for (line = strtok_r(page, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *space = strrchr(line, ' ');

		if (line[0] == '#')
			continue;
		cr_assert_not_null(space, "%s", line);
		cr_assert_lt(n, 256);
		*space = '\0';
		series[n++] = line;
	}
	qsort(series, n, sizeof(series[0]), by_str);
	for (size_t i = 1; i < n; i++)
		cr_expect_str_neq(series[i - 1], series[i], "a series twice");
	cr_expect_geq(n, 2 * NLIVE, "%zu samples", n);
}

static int starts_a_line(const char *s, const char *what)
{
	const char *p = s;

	while ((p = strstr(p, what)) && p != s && p[-1] != '\n')
		p++;
	return p != NULL;
}

Test(names, live_json_prom_table_stderr, .fini = down, .timeout = 90)
{
	static const char *const json[] = { "-j", "-c", "1", "-i", "0.2", NULL };
	static const char *const prom[] = { "-f", "prom", "-c", "1", "-i", "0.2", NULL };
	static const char *const table[] = { "-v", "-c", "1", "-i", "0.2", NULL };
	struct pktcount_proc p;
	int seen[NLIVE];
	char want[64];

	NEED_ROOT("network namespaces");
	need_promtool();
	names_up();

	run_named(&p, json);
	expect_clean("JSON", p.out, p.out_len);
	expect_clean("JSON's stderr", p.err, p.err_len);
	json_ifaces(p.out, "total", seen);
	for (size_t i = 0; i < NLIVE; i++)
		cr_expect_eq(seen[i], 1, "%s: %d total records:\n%s", live[i].text, seen[i], p.out);
	json_ifaces(p.out, "interval", seen);
	for (size_t i = 0; i < NLIVE; i++)
		cr_expect_eq(seen[i], 1, "%s: %d interval records", live[i].text, seen[i]);
	free(p.out);
	free(p.err);

	run_named(&p, prom);
	expect_clean("Prometheus", p.out, p.out_len);
	expect_clean("Prometheus' stderr", p.err, p.err_len);
	cr_expect_eq(promtool_ok(p.out, p.out_len), 0, "promtool refused:\n%s", p.out);
	for (size_t i = 0; i < NLIVE; i++) {
		snprintf(want, sizeof(want), "\npktcount_info{iface=\"%s\",", live[i].text);
		cr_expect_not_null(strstr(p.out, want), "no %s in:\n%s", want + 1, p.out);
	}
	no_duplicate_series(p.out);
	free(p.out);
	free(p.err);

	run_named(&p, table);
	expect_clean("table", p.out, p.out_len);
	expect_clean("table's stderr (-v)", p.err, p.err_len);
	for (size_t i = 0; i < NLIVE; i++) {
		snprintf(want, sizeof(want), "%s  ", live[i].text);
		cr_expect(starts_a_line(p.out, want), "no table headed %s in:\n%s", live[i].text, p.out);
		snprintf(want, sizeof(want), "pktcount: %s: ", live[i].text);
		cr_expect_not_null(strstr(p.err, want), "-v never names %s:\n%s", live[i].text, p.err);
	}
	free(p.out);
	free(p.err);
}

/* An interface named a\x01b deleted: its event record and stderr line name it escaped. */
Test(names, events_name_it, .fini = down, .timeout = 60)
{
	const char *argv[] = { "-j", "-i", "0.2", live[3].name, NULL };
	struct pktcount_proc p;
	const char *ev;
	cJSON *j;

	NEED_ROOT("network namespaces");
	names_up();
	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0);
	sh_ok("ip -n %s link del %s", topo.b, sh_word(live[3].name));
	cr_assert_eq(pktcount_wait_for(&p, "\"event\":\"detached\"", 1, WAIT_MS), 0, "%s", p.out);
	cr_assert_eq(pktcount_finish(&p, SIGINT, WAIT_MS), 0, "exit %d: %s", p.status, p.err);
	expect_clean("JSON", p.out, p.out_len);
	expect_clean("stderr", p.err, p.err_len);
	ev = strstr(p.out, "{\"type\":\"event\"");
	cr_assert_not_null(ev, "%s", p.out);
	j = cJSON_ParseWithOpts(ev, NULL, 0);
	cr_assert_not_null(j, "%s", ev);
	cr_expect_str_eq(cJSON_GetObjectItemCaseSensitive(j, "iface")->valuestring, live[3].json);
	cJSON_Delete(j);
	cr_expect_not_null(strstr(p.err, "pktcount: a%01b: detached ("), "%s", p.err);
	free(p.out);
	free(p.err);
}

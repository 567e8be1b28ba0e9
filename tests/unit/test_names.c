// SPDX-License-Identifier: GPL-2.0
/*
 * Interface names in output (src/name.c): UTF-8 goes out as itself, any
 * other byte as %HH, '%' as %25, controls never raw; every encoding
 * decodes back to the name, and no two names share one.  Then the binary
 * on interfaces named so: JSON, Prometheus, the table and stderr.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "name.h"
#include "pktcount.h"

#include "lib/proc.h"
#include "lib/records.h"
#include "lib/wait.h"

struct name_case {
	const char *name, *json, *text, *prom;
};

/* Expected by the rule in docs/output.md ("Interface names in output"). */
static const struct name_case cases[] = {
	{ "a\xc3\xbc", "a\xc3\xbc", "a\xc3\xbc", "a\xc3\xbc" },			/* aü */
	{ "a\xc3\xa9", "a\xc3\xa9", "a\xc3\xa9", "a\xc3\xa9" },			/* aé */
	{ "a??", "a??", "a??", "a??" },
	{ "\xc3\xbc\xe2\x82\xac\xc3\xa9", "\xc3\xbc\xe2\x82\xac\xc3\xa9",	/* ü€é */
	  "\xc3\xbc\xe2\x82\xac\xc3\xa9", "\xc3\xbc\xe2\x82\xac\xc3\xa9" },
	{ "\xf0\x9f\x98\x80x", "\xf0\x9f\x98\x80x", "\xf0\x9f\x98\x80x", "\xf0\x9f\x98\x80x" },	/* U+1F600 */
	{ "a\xff", "a%FF", "a%FF", "a%FF" },
	{ "\xc3", "%C3", "%C3", "%C3" },					/* a lead byte alone */
	{ "a\xc3" "b", "a%C3b", "a%C3b", "a%C3b" },
	{ "\xe2\x82", "%E2%82", "%E2%82", "%E2%82" },				/* € cut short */
	{ "\x80x", "%80x", "%80x", "%80x" },					/* a continuation alone */
	{ "\xc0\xaf", "%C0%AF", "%C0%AF", "%C0%AF" },				/* overlong '/' */
	{ "\xe0\x80\xaf", "%E0%80%AF", "%E0%80%AF", "%E0%80%AF" },		/* overlong, 3 bytes */
	{ "\xed\xa0\x80", "%ED%A0%80", "%ED%A0%80", "%ED%A0%80" },		/* surrogate U+D800 */
	{ "\xf4\x90\x80\x80", "%F4%90%80%80", "%F4%90%80%80", "%F4%90%80%80" },	/* U+110000 */
	{ "\xf5\x80", "%F5%80", "%F5%80", "%F5%80" },
	{ "a\x01" "b", "a\\u0001b", "a%01b", "a%01b" },
	{ "a\nb", "a\\u000ab", "a%0Ab", "a%0Ab" },
	{ "\x1b[31m", "\\u001b[31m", "%1B[31m", "%1B[31m" },
	{ "a\x7f", "a\\u007f", "a%7F", "a%7F" },				/* DEL */
	{ "a\xc2\x85", "a\xc2\x85", "a%C2%85", "a%C2%85" },			/* U+0085, C1 */
	{ "a\xc2\xa0", "a\xc2\xa0", "a\xc2\xa0", "a\xc2\xa0" },			/* U+00A0 is no control */
	{ "a\"b", "a\\\"b", "a\"b", "a\\\"b" },
	{ "a\\b", "a\\\\b", "a\\b", "a\\\\b" },
	{ "a%d", "a%25d", "a%25d", "a%25d" },
	{ "%25", "%2525", "%2525", "%2525" },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static char *enc(const char *name, enum pc_name_style style)
{
	size_t n = pc_name_encode(NULL, 0, name, style);
	char *out = malloc(n + 1);

	cr_assert_not_null(out);
	cr_assert_eq(pc_name_encode(out, n + 1, name, style), n);
	cr_assert_eq(strlen(out), n, "an encoding holds a NUL");
	cr_assert_leq(n, strlen(name) * PC_NAME_GROWTH);
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;	/* lowercase is not what the rule writes */
}

/*
 * The rule undone: each %HH back to its byte, and with prom also a label
 * value's \\ and \".  NULL when s is not something the rule writes.
 */
static char *decode_pct(const char *s, int prom)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	cr_assert_not_null(out);
	while (*s) {
		if (*s == '%') {
			int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				goto bad;
			*o++ = (char)(hi << 4 | lo);
			s += 3;
		} else if (prom && *s == '\\') {
			if (s[1] != '\\' && s[1] != '"')
				goto bad;
			*o++ = s[1];
			s += 2;
		} else if (prom && *s == '"') {
			goto bad;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

/* A JSON string's inside undone by cJSON, then the %HH */
static char *decode_json(const char *s)
{
	size_t n = strlen(s);
	char *quoted = malloc(n + 3), *out = NULL;
	cJSON *j;

	cr_assert_not_null(quoted);
	quoted[0] = '"';
	memcpy(quoted + 1, s, n);
	memcpy(quoted + 1 + n, "\"", 2);
	j = cJSON_Parse(quoted);
	if (cJSON_IsString(j))
		out = decode_pct(j->valuestring, 0);
	cJSON_Delete(j);
	free(quoted);
	return out;
}

static int str_clean(const char *s, int no_controls)
{
	return utf8_clean((const unsigned char *)s, strlen(s), no_controls, 0);
}

/* Each style's encoding decodes back to name; the outputs are clean. */
static void round_trip(const char *name)
{
	char *j = enc(name, PC_NAME_JSON), *t = enc(name, PC_NAME_TEXT), *p = enc(name, PC_NAME_PROM);
	char *dj = decode_json(j), *dt = decode_pct(t, 0), *dp = decode_pct(p, 1);

	cr_assert_not_null(dj, "JSON %s: not the rule's", j);
	cr_assert_not_null(dt, "TEXT %s: not the rule's", t);
	cr_assert_not_null(dp, "PROM %s: not the rule's", p);
	cr_assert_str_eq(dj, name, "JSON %s decodes to another name", j);
	cr_assert_str_eq(dt, name, "TEXT %s decodes to another name", t);
	cr_assert_str_eq(dp, name, "PROM %s decodes to another name", p);
	cr_assert(str_clean(j, 0), "JSON %s: not UTF-8", j);
	cr_assert(str_clean(t, 1), "TEXT %s: not UTF-8, or a control in it", t);
	cr_assert(str_clean(p, 1), "PROM %s: not UTF-8, or a control in it", p);
	for (const char *c = j; *c; c++)
		cr_assert((unsigned char)*c >= 0x20 && *c != 0x7f, "JSON %s: a raw control", j);
	free(j);
	free(t);
	free(p);
	free(dj);
	free(dt);
	free(dp);
}

Test(names, table_of_names)
{
	for (size_t i = 0; i < NCASES; i++) {
		char *j = enc(cases[i].name, PC_NAME_JSON);
		char *t = enc(cases[i].name, PC_NAME_TEXT);
		char *p = enc(cases[i].name, PC_NAME_PROM);

		cr_expect_str_eq(j, cases[i].json, "case %zu JSON", i);
		cr_expect_str_eq(t, cases[i].text, "case %zu TEXT", i);
		cr_expect_str_eq(p, cases[i].prom, "case %zu PROM", i);
		round_trip(cases[i].name);
		free(j);
		free(t);
		free(p);
	}
}

/* The duplicate series of issue 10: aü, aé and a?? are three names. */
Test(names, distinct_where_question_marks_were)
{
	static const char *const three[] = { "a\xc3\xbc", "a\xc3\xa9", "a??" };
	enum pc_name_style styles[] = { PC_NAME_JSON, PC_NAME_TEXT, PC_NAME_PROM };

	for (size_t s = 0; s < 3; s++) {
		char *e[3];

		for (size_t i = 0; i < 3; i++)
			e[i] = enc(three[i], styles[s]);
		cr_expect_str_neq(e[0], e[1]);
		cr_expect_str_neq(e[0], e[2]);
		cr_expect_str_neq(e[1], e[2]);
		for (size_t i = 0; i < 3; i++)
			free(e[i]);
	}
}

/* snprintf's contract: cut to size, always terminated, the full length returned */
Test(names, truncates_like_snprintf)
{
	char out[5];

	memset(out, 'z', sizeof(out));
	cr_expect_eq(pc_name_encode(out, sizeof(out), "a\xff\x01q", PC_NAME_TEXT), 8);
	cr_expect_str_eq(out, "a%FF");
	cr_expect_eq(pc_name_encode(out, 1, "abc", PC_NAME_TEXT), 3);
	cr_expect_str_eq(out, "");
	cr_expect_eq(pc_name_encode(NULL, 0, "a\"", PC_NAME_JSON), 3);
}

#define NRANDOM 200000

/* Pieces random names are made of: bytes, and sequences that are (almost) UTF-8. */
static const char *const pieces[] = {
	"a", "Z", "0", "-", "%", "\"", "\\", "\x01", "\x1b", "\n", "\x7f", "\xc2\x85", "\xc2\xa0",
	"\xc3\xbc", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\xc3", "\xe2\x82",
	"\x80", "\xbf", "\xc0\xaf", "\xed\xa0\x80", "\xed\x9f\xbf", "\xf4\x90\x80\x80", "\xff", "\xfe",
};

static void random_name(char *out, size_t max)
{
	size_t want = 1 + (size_t)rand() % max, len = 0;

	while (len < want) {
		if (rand() % 3 == 0) {
			out[len++] = (char)(1 + rand() % 255);	/* any byte but NUL */
		} else {
			const char *p = pieces[(size_t)rand() % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t n = strlen(p);

			if (n > want - len)
				n = want - len;
			memcpy(out + len, p, n);
			len += n;
		}
	}
	out[len] = '\0';
}

struct pair {
	char name[16];
	char *enc;
};

static int by_enc(const void *a, const void *b)
{
	return strcmp(((const struct pair *)a)->enc, ((const struct pair *)b)->enc);
}

/* Sorted by encoding, equal neighbours must be equal names: no two names share one. */
static void no_collisions(struct pair *p, size_t n, enum pc_name_style style)
{
	size_t i, same = 0;

	for (i = 0; i < n; i++) {
		free(p[i].enc);
		p[i].enc = enc(p[i].name, style);
	}
	qsort(p, n, sizeof(*p), by_enc);
	for (i = 1; i < n; i++) {
		if (strcmp(p[i - 1].enc, p[i].enc))
			continue;
		cr_assert_str_eq(p[i - 1].name, p[i].name, "two names, one encoding: %s", p[i].enc);
		same++;
	}
	cr_log_info("style %d: %zu names, %zu repeated", (int)style, n, same);
}

Test(names, random_names_round_trip_and_never_collide, .timeout = 120)
{
	struct pair *p = calloc(NRANDOM, sizeof(*p));
	unsigned int seed = (unsigned int)getpid();

	cr_assert_not_null(p);
	cr_log_info("seed %u", seed);
	srand(seed);
	for (size_t i = 0; i < NRANDOM; i++) {
		random_name(p[i].name, 15);
		round_trip(p[i].name);
	}
	no_collisions(p, NRANDOM, PC_NAME_JSON);
	no_collisions(p, NRANDOM, PC_NAME_TEXT);
	no_collisions(p, NRANDOM, PC_NAME_PROM);
	for (size_t i = 0; i < NRANDOM; i++)
		free(p[i].enc);
	free(p);
}

/* What fn printed on stderr, NUL-terminated in out. */
static void capture_stderr(void (*fn)(void), char *out, size_t size)
{
	char path[] = "/tmp/pktcount-stderr-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t n;

	cr_assert_geq(fd, 0);
	cr_assert_geq(saved, 0);
	unlink(path);
	fflush(stderr);
	cr_assert_geq(dup2(fd, STDERR_FILENO), 0);
	fn();
	fflush(stderr);
	cr_assert_geq(dup2(saved, STDERR_FILENO), 0);
	close(saved);
	n = pread(fd, out, size - 1, 0);
	cr_assert_geq(n, 0);
	out[n] = '\0';
	close(fd);
}

static void say_bad_things(void)
{
	pc_err("interface %s: %s", "x\x1b[31m\n\xff", "No such device");
	pc_verbose = 1;
	pc_log("100%% of %s", "a\xc2\x85\xc3\xbc");
	pc_verbose = 0;
}

/* stderr: controls and invalid bytes as %HH, '%' kept, one line each */
Test(names, messages_escape_controls)
{
	char out[1024];

	capture_stderr(say_bad_things, out, sizeof(out));
	cr_expect_str_eq(out, "pktcount: interface x%1B[31m%0A%FF: No such device\n"
			      "pktcount: 100% of a%C2%85\xc3\xbc\n");
}

static void say_bad_fail(void)
{
	struct pc_fail why;

	/* kept unescaped: a fallback names it through pc_log, which escapes it then */
	cr_expect_eq(pc_fail(&why, PC_EXIT_NOIFACE, "interface %s: %s", "x\x1b[31m\n\xff", "No such device"),
		     PC_EXIT_NOIFACE);
	cr_expect_str_eq(why.msg, "interface x\x1b[31m\n\xff: No such device");
	cr_expect_eq(pc_fail_say(&why), PC_EXIT_NOIFACE);
}

/* an error handed back (struct pc_fail) is kept as made, and said escaped */
Test(names, failures_escape_controls_when_said)
{
	char out[1024];

	capture_stderr(say_bad_fail, out, sizeof(out));
	cr_expect_str_eq(out, "pktcount: interface x%1B[31m%0A%FF: No such device\n");
}

/* Names given on the command line reach stderr escaped, in one line. */
Test(names, bad_names_on_command_line)
{
	static const struct {
		const char *argv[4];
		int code;
		const char *says;
	} bad[] = {
		{ { "x\x1b[31m", NULL }, 3, "pktcount: interface x%1B[31m: No such device\n" },
		{ { "a\nb\xff", NULL }, 3, "pktcount: interface a%0Ab%FF: No such device\n" },
		{ { "-i", "\x01\xc3", "lo", NULL }, 2, "pktcount: bad interval '%01%C3'" },
	};
	struct pktcount_proc p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(pktcount_start(&p, NULL, bad[i].argv), 0);
		cr_expect_eq(pktcount_finish(&p, 0, WAIT_MS), bad[i].code, "case %zu: exit %d: %s",
			     i, p.status, p.err);
		cr_expect(strncmp(p.err, bad[i].says, strlen(bad[i].says)) == 0,
			  "case %zu: stderr '%s', want '%s'", i, p.err, bad[i].says);
		cr_expect_eq(strchr(p.err, '\n'), p.err + p.err_len - 1, "case %zu: not one line: %s", i, p.err);
		expect_clean("stderr", p.err, p.err_len);
		free(p.out);
		free(p.err);
	}
}

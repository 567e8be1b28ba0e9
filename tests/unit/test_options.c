// SPDX-License-Identifier: GPL-2.0
/*
 * The option table (src/options.c) and what is written from it: --help,
 * pktcount.8's OPTIONS and the README's reference say the same options
 * with the same arguments, and the table parses into the configuration
 * that is handed on.  No root needed.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "options.h"

#include "lib/proc.h"
#include "lib/sh.h"

#define README_OPEN "<!-- options: pktcount --help -->"
#define README_CLOSE "<!-- /options -->"
#define MAX_ENTRIES 64

/* One option as a reference shows it: "-i, --interval SECONDS" */
struct entry {
	char text[96];
};

static char *slurp_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long len;

	cr_assert_not_null(f, "%s: missing (the tests run from the top of the tree)", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)len + 1);
	cr_assert_not_null(s);
	cr_assert_eq(fread(s, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return s;
}

static char *help_text(void)
{
	return sh_out("'%s' --help", pktcount_path());
}

/*
 * --help's options: each line that starts an option ("  -i, --interval
 * SECONDS  ..." or "      --persist  ..."), up to the two spaces before
 * its text.  A continuation line starts at column 26, never with "-".
 */
static int help_entries(const char *help, struct entry *e)
{
	const char *line;
	int n = 0;

	for (line = help; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		size_t lead = strspn(line, " "), len;
		const char *end;

		if ((lead != 2 && lead != 6) || line[lead] != '-')
			continue;
		end = strstr(line + lead, "  ");
		len = strcspn(line + lead, "\n");
		if (end && (size_t)(end - line - (long)lead) < len)
			len = (size_t)(end - line) - lead;
		cr_assert_lt(n, MAX_ENTRIES);
		snprintf(e[n++].text, sizeof(e->text), "%.*s", (int)len, line + lead);
	}
	return n;
}

/* One roff argument of a font macro line, quotes kept together; NULL past the last */
static const char *roff_arg(const char *p, char *out, size_t size)
{
	size_t k = 0;
	int quoted;

	while (*p == ' ')
		p++;
	if (!*p)
		return NULL;
	quoted = *p == '"';
	p += quoted;
	while (*p && (quoted ? *p != '"' : *p != ' ')) {
		if (k + 1 < size)
			out[k++] = *p;
		p++;
	}
	p += quoted && *p == '"';
	out[k] = '\0';
	return p;
}

/* A roff tag line (".BR \-i ", " \-\-interval " \fIseconds\fR"") as plain text: "-i, --interval seconds" */
static void roff_plain(const char *line, char *out, size_t size)
{
	char arg[128], joined[256] = "";
	const char *p = line;
	size_t i, k = 0;
	/* .B and .I join their words with spaces; .BR, .BI, .IR ... alternate fonts, no space */
	int spaced = line[0] != '.' || !isupper((unsigned char)line[2]);

	if (line[0] == '.')
		p = line + strcspn(line, " ");
	while ((p = roff_arg(p, arg, sizeof(arg)))) {
		if (spaced && *joined)
			strncat(joined, " ", sizeof(joined) - strlen(joined) - 1);
		strncat(joined, arg, sizeof(joined) - strlen(joined) - 1);
	}
	for (i = 0; joined[i] && k + 1 < size; i++) {
		if (joined[i] == '\\' && joined[i + 1] == 'f' && joined[i + 2]) {
			i += 2;	/* \fB, \fI, \fR, \fP */
			continue;
		}
		if (joined[i] == '\\' && joined[i + 1] == '-')
			i++;
		out[k++] = joined[i];
	}
	out[k] = '\0';
}

/* pktcount.8's OPTIONS: the tag line after each .TP up to the next .SH */
static int man_entries(const char *man, struct entry *e)
{
	const char *p = strstr(man, "\n.SH OPTIONS\n"), *end;
	int n = 0;

	cr_assert_not_null(p, "pktcount.8 has no .SH OPTIONS");
	p += strlen("\n.SH OPTIONS\n");
	end = strstr(p, "\n.SH ");
	cr_assert_not_null(end);
	while ((p = strstr(p, ".TP\n")) && p < end) {
		char line[256];

		p += 4;
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
		cr_assert_lt(n, MAX_ENTRIES);
		roff_plain(line, e[n++].text, sizeof(e->text));
	}
	return n;
}

/* "-i, --interval SECONDS": the names ("-i, --interval") and the argument ("SECONDS", or "") */
static void split(const char *s, char *names, char *arg, size_t size)
{
	const char *l = strstr(s, "--");
	size_t n = l ? (size_t)(l - s) + strcspn(l, " ") : strlen(s);

	snprintf(names, size, "%.*s", (int)n, s);
	snprintf(arg, size, "%s", s[n] ? s + n + 1 : "");
}

/*
 * --help and pktcount.8 name the same options in the same order, each with
 * its argument: the man page writes it in italics and lower case
 * (man-pages(7)), --help in capitals, so arguments are compared without
 * case, names with it.
 */
Test(options, man_page_options_are_help_options)
{
	struct entry h[MAX_ENTRIES], m[MAX_ENTRIES];
	char *help = help_text(), *man = slurp_file("pktcount.8");
	int nh = help_entries(help, h), nm = man_entries(man, m), i;

	cr_assert_eq((size_t)nh, pc_noptions, "--help shows %d options, the table has %zu", nh, pc_noptions);
	for (i = 0; i < nh || i < nm; i++) {
		char hn[96], ha[96], mn[96], ma[96];

		split(i < nh ? h[i].text : "(none)", hn, ha, sizeof(hn));
		split(i < nm ? m[i].text : "(none)", mn, ma, sizeof(mn));
		cr_expect(!strcmp(hn, mn) && !strcasecmp(ha, ma),
			  "option %d: --help says \"%s\", pktcount.8's OPTIONS says \"%s\"", i + 1,
			  i < nh ? h[i].text : "(none)", i < nm ? m[i].text : "(none)");
	}
	cr_expect_eq(nm, nh, "pktcount.8's OPTIONS has %d entries, --help %d", nm, nh);
	free(help);
	free(man);
}

/* The README's option reference is what --help prints, as it prints it, in a ``` block between the markers. */
Test(options, readme_reference_is_help)
{
	char *help = help_text(), *readme = slurp_file("README.md"), *open, *close, *fence, *body, *last;

	open = strstr(readme, README_OPEN);
	cr_assert_not_null(open, "README.md lacks the line " README_OPEN);
	close = strstr(open, README_CLOSE);
	cr_assert_not_null(close, "README.md lacks " README_CLOSE " after " README_OPEN);
	*close = '\0';
	fence = strstr(open, "\n```");
	cr_assert_not_null(fence, "no ``` block between the README's option markers");
	body = strchr(fence + 1, '\n');
	cr_assert_not_null(body);
	body++;
	last = strstr(body, "```");
	cr_assert_not_null(last, "the ``` block between the README's option markers is not closed");
	cr_expect(last == body || last[-1] == '\n', "the closing ``` is not on a line of its own");
	*last = '\0';
	if (strcmp(body, help)) {
		const char *a = body, *b = help;
		int line = 1;

		for (; *a && *a == *b; a++, b++)
			line += *a == '\n';
		while (a > body && a[-1] != '\n')
			a--, b--;
		cr_expect_fail("README.md's reference differs from pktcount --help at its line %d:\n"
			       "README: %.*s\n--help: %.*s", line, (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
	}
	for (last += 3; *last == '\n' || *last == ' '; last++)
		;
	cr_expect_eq(*last, '\0', "after the ``` block, before " README_CLOSE ": %s", last);
	free(help);
	free(readme);
}

/* The table itself: names and letters once each, arguments in capitals, help within 80 columns. */
Test(options, table_is_well_formed)
{
	size_t i, k;

	for (i = 0; i < pc_noptions; i++) {
		const struct pc_option *o = &pc_options[i];
		const char *line = o->help;

		cr_expect(o->name && *o->name && o->parse && o->help && *o->help, "row %zu", i);
		for (k = 0; k < i; k++) {
			cr_expect(strcmp(o->name, pc_options[k].name), "--%s twice", o->name);
			cr_expect(!o->letter || o->letter != pc_options[k].letter, "-%c twice", o->letter);
		}
		for (k = 0; o->arg && o->arg[k]; k++)
			cr_expect(!islower((unsigned char)o->arg[k]), "--%s %s: --help writes arguments in capitals",
				  o->name, o->arg);
		while (line) {
			size_t len = strcspn(line, "\n");

			cr_expect_leq(26 + len, 80, "--%s: a help line of %zu characters past column 26", o->name, len);
			line = line[len] ? line + len + 1 : NULL;
		}
	}
}

/* argv for pc_config_read(), from a NULL-terminated list after the program name */
static int read_config(struct pc_config *cfg, const char *const *args)
{
	static char *argv[32];
	int argc = 0;

	argv[argc++] = "pktcount";
	while (*args && argc < 31)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	optind = 0;	/* glibc: start over, as a first call would */
	return pc_config_read(argc, argv, cfg);
}

/* Each option lands in its field; what implies a mode makes it; operands are the interfaces. */
Test(options, options_land_in_the_configuration)
{
	static const char *const none[] = { NULL };
	static const char *const many[] = { "-i", "0.5", "-c", "3", "--by", "flow", "--top", "5", "--max-keys", "99",
					    "--idle", "0", "--ring-size", "64K", "-j", "-p", "lo", "eth0", NULL };
	static const char *const tc[] = { "--tc-attach", "clsact", "--check", "lo", NULL };
	static const char *const persist[] = { "--persist", "-Z", "root", "--no-seccomp", NULL };
	struct pc_config c;

	cr_assert_eq(read_config(&c, none), -1);
	cr_expect(c.interval == 1.0 && c.count == 0 && c.mode == PC_MODE_AUTO && c.format == PC_FORMAT_TABLE &&
		  c.by == PC_BY_PROTO && c.max_keys == PC_MAX_KEYS_DEFAULT && c.idle == PC_IDLE_DEFAULT &&
		  c.ring_size == 0 && c.tc_attach == PC_TC_NONE && c.classes == NULL && c.nifaces == 0,
		  "the defaults");
	cr_assert_eq(read_config(&c, many), -1);
	cr_expect(c.interval == 0.5 && c.count == 3 && c.by == PC_BY_FLOW && c.out.top == 5 && c.max_keys == 99 &&
		  c.idle == 0 && c.ring_size == 64 << 10 && c.format == PC_FORMAT_JSON && c.promisc, "values");
	cr_expect(c.nifaces == 2 && !strcmp(c.ifaces[0], "lo") && !strcmp(c.ifaces[1], "eth0"), "interfaces");
	cr_assert_eq(read_config(&c, tc), -1);
	cr_expect(c.mode == PC_MODE_TC && c.tc_attach == PC_TC_CLSACT && c.check, "--tc-attach is tc mode");
	cr_assert_eq(read_config(&c, persist), -1);
	cr_expect(c.mode == PC_MODE_TC && c.persist && !strcmp(c.user, "root") && c.no_seccomp, "--persist");
}

/* Refusals come from the table's parsers and config_check(), with exit 2; -h exits 0. */
Test(options, refusals_and_help_exit_codes)
{
	static const char *const twice[] = { "-f", "json", "--format", "json", NULL };
	static const char *const value[] = { "--json=yes", NULL };
	static const char *const contra[] = { "-p", "--persist", NULL };
	static const char *const help[] = { "-h", "--bogus", NULL };
	struct pc_config c;

	cr_expect_eq(read_config(&c, twice), PC_EXIT_USAGE);
	cr_expect_eq(read_config(&c, value), PC_EXIT_USAGE);
	cr_expect_eq(read_config(&c, contra), PC_EXIT_USAGE);
	cr_expect(freopen("/dev/null", "w", stdout) != NULL);
	cr_expect_eq(read_config(&c, help), PC_EXIT_OK, "-h before a bad option: the help, exit 0");
}

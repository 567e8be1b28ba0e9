// SPDX-License-Identifier: GPL-2.0
/*
 * The options: the table (each option once), the parsers it names, the
 * getopt_long tables and --help made from it, and config_check(), the one
 * place where options are weighed against each other.  src/options.h says
 * how the configuration is handed on.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "modes.h"
#include "options.h"
#include "prog/build.h"

static const char *const format_names[] = { "table", "json", "prom" };
static const char *const by_names[PC_BY_COUNT] = { "proto", "host", "pair", "flow", "mac" };
static const char *const tc_attach_names[] = { "auto", "tcx", "clsact" };
_Static_assert(sizeof(format_names) / sizeof(format_names[0]) == PC_FORMAT_PROM + 1, "a name per enum pc_format");
_Static_assert(sizeof(tc_attach_names) / sizeof(tc_attach_names[0]) == PC_TC_CLSACT + 1,
	       "a name per enum pc_tc_kind");

int pc_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pc_vsay(" (see pktcount --help)", fmt, ap);
	va_end(ap);
	return PC_EXIT_USAGE;
}

int pc_stdout_done(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return PC_EXIT_OK;
	pc_err("writing to standard output: %s", strerror(errno));
	return PC_EXIT_FAIL;
}

/* The parsers: each takes the argument into its field, or says why not and returns -1. */
#define REFUSE(...) (pc_usage_error(__VA_ARGS__), -1)

/* -i: 1 ms to a year, finite, nothing after the number */
static int parse_interval(const char *s, void *to)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	/* strtod would skip leading white space and take a sign: a digit or a point first */
	if ((!isdigit((unsigned char)*s) && *s != '.') || end == s || *end || errno || !isfinite(v) ||
	    v < 0.001 || v > 31536000.0)
		return REFUSE("bad interval '%.40s': want seconds from 0.001 to 31536000", s);
	*(double *)to = v;
	return 0;
}

/* s as a whole number above 0, digits only: strtoull would skip white space and take a sign ("\t-1" is 2^64-1) */
static int whole_number(const char *s, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	*out = strtoull(s, &end, 10);
	return *end || errno || *out == 0 ? -1 : 0;
}

/* -c */
static int parse_count(const char *s, void *to)
{
	if (whole_number(s, to))
		return REFUSE("bad count '%.40s': want a whole number from 1 to %llu", s, (unsigned long long)-1);
	return 0;
}

/* a whole number from 1 to max, for option what */
static int parse_upto(const char *s, unsigned long long max, const char *what, unsigned long long *out)
{
	if (whole_number(s, out) || *out > max)
		return REFUSE("bad %s '%.40s': want a whole number from 1 to %llu", what, s, max);
	return 0;
}

static int parse_top(const char *s, void *to)
{
	unsigned long long v;

	if (parse_upto(s, PC_TOP_MAX, "--top", &v))
		return -1;
	*(unsigned int *)to = (unsigned int)v;
	return 0;
}

static int parse_max_keys(const char *s, void *to)
{
	unsigned long long v;

	if (parse_upto(s, PC_MAX_KEYS_MAX, "--max-keys", &v))
		return -1;
	*(uint32_t *)to = (uint32_t)v;
	return 0;
}

/* s as the index of one of the n words, for an option of values "want" */
static int parse_word(const char *s, const char *const *words, size_t n, const char *what, const char *want,
		      int *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, words[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	return REFUSE("bad %s '%.40s': want %s", what, s, want);
}

/* -m: auto, or a mode of the table (src/modes.c), built in or not (one that is not is said so when chosen) */
static int parse_mode(const char *s, void *to)
{
	const struct pc_mode_row *m = pc_mode_named(s);

	if (!m && strcmp(s, "auto"))
		return REFUSE("bad mode '%.40s': want %s", s, pc_modes_asked_list());
	*(enum pc_mode *)to = m ? m->id : PC_MODE_AUTO;
	return 0;
}

static int parse_tc_attach(const char *s, void *to)
{
	int i;

	if (parse_word(s, tc_attach_names, PC_TC_CLSACT + 1, "tc-attach", "auto, tcx or clsact", &i))
		return -1;
	*(enum pc_tc_kind *)to = (enum pc_tc_kind)i;
	return 0;
}

static int parse_format(const char *s, void *to)
{
	int i;

	if (parse_word(s, format_names, PC_FORMAT_PROM + 1, "format", "table, json or prom", &i))
		return -1;
	*(enum pc_format *)to = (enum pc_format)i;
	return 0;
}

/* --by: the key of the breakdown (docs/counting.md, "Breakdowns") */
static int parse_by(const char *s, void *to)
{
	int i;

	if (parse_word(s, by_names, PC_BY_COUNT, "--by key", "proto, host, pair, flow or mac", &i))
		return -1;
	*(enum pc_by *)to = (enum pc_by)i;
	return 0;
}

/* --idle: seconds, 0 (never) to a year */
static int parse_idle(const char *s, void *to)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !(v >= 0 && v <= 365 * 86400.0) || isspace((unsigned char)*s))
		return REFUSE("bad --idle '%.40s': want seconds from 0 (never) to a year", s);
	*(double *)to = v;
	return 0;
}

static int parse_ring_size(const char *s, void *to)
{
	if (pc_ring_size_parse(s, to))
		return REFUSE("bad ring size '%s': want bytes from 64K to 1G (K, M or G suffix)", s);
	return 0;
}

/*
 * --class NAME=EXPR, --classes FILE, --filter EXPR: each compiled at once
 * into the class set (src/class.c says its own errors), which the
 * configuration then names.
 */
static int parse_class(const char *s, void *to)
{
	const char *eq = strchr(s, '=');
	char name[PC_CLASS_NAME_MAX + 2];

	if (!eq || eq == s)
		return REFUSE("--class %s: want NAME=EXPR", s);
	snprintf(name, sizeof(name), "%.*s", (int)(eq - s < PC_CLASS_NAME_MAX + 1 ? eq - s : PC_CLASS_NAME_MAX + 1), s);
	if (pc_class_add(name, eq + 1, "--class") < 0)
		return -1;
	*(const struct pc_class_set **)to = &pc_classes;
	return 0;
}

static int parse_classes(const char *s, void *to)
{
	if (pc_classes_file(s) < 0)
		return -1;
	*(const struct pc_class_set **)to = &pc_classes;
	return 0;
}

static int parse_filter(const char *s, void *to)
{
	if (pc_class_add(NULL, s, "--filter") < 0)
		return -1;
	*(const struct pc_class_set **)to = &pc_classes;
	return 0;
}

/* A value the option keeps as given (a path, a name: checked where it is used) */
static int parse_string(const char *s, void *to)
{
	*(const char **)to = s;
	return 0;
}

/* An option without an argument: 1 in its field */
static int parse_flag(const char *s, void *to)
{
	(void)s;
	*(int *)to = 1;
	return 0;
}

/* -j: --format json, decided in config_check(), where a --format after it is known too */
static int parse_json(const char *s, void *to)
{
	(void)s;
	(void)to;
	return 0;
}

static int parse_help(const char *s, void *to)
{
	(void)s;
	(void)to;
	pc_options_help(stdout);
	return 1;
}

/* -V: the version, the modes built in, tc mode's ways in and its programs with the oldest kernel of each */
static int parse_version(const char *s, void *to)
{
	struct pc_variant v;
	char name[PC_NAME_MAX];
	unsigned int i, since;

	(void)s;
	(void)to;
	printf("pktcount %s\nmodes: %s\n", PC_VERSION, pc_modes_built_list());
	printf("tc: tcx links (6.6+), else a clsact cls_bpf filter (4.5+); --persist pins in bpffs\ntc programs:");
	for (i = 0; pc_variant_nth(i, PC_AT_TC_INGRESS, &v); i++) {
		pc_variant_name(&v, PC_NAME_SHOWN, name, sizeof(name));
		since = pc_variant_since(&v);
		printf(" %s (%u.%u)", name, since >> 8, since & 0xff);
	}
	printf("\nfeatures: rtnetlink (following interfaces, --check) prometheus netns\n");
	return 1;
}

#define TO(field) offsetof(struct pc_config, field)

/* Every option, once, in --help's order. */
const struct pc_option pc_options[] = {
	{ "interval", 'i', "SECONDS", parse_interval, TO(interval), NULL,
	  "print every SECONDS (fractions allowed; default 1)" },
	{ "count", 'c', "N", parse_count, TO(count), NULL,
	  "stop after N intervals and print the totals" },
	{ "mode", 'm', "MODE", parse_mode, TO(mode), NULL,
	  "auto (default), ebpf, classic, pcap or tc\n"
	  "(pcap when built with libpcap: see --version);\n"
	  "tc counts at the interface's tc hooks, no socket" },
	{ "persist", 0, NULL, parse_flag, TO(persist), NULL,
	  "tc mode, then exit: the counters pinned under\n"
	  "/sys/fs/bpf/pktcount count on with no process, and\n"
	  "a later pktcount on the interface reads them" },
	{ "remove", 0, "IFACE", parse_string, TO(remove), NULL,
	  "detach and unpin what --persist left on IFACE" },
	{ "remove-stale", 0, NULL, parse_flag, TO(remove_stale), NULL,
	  "unpin what counts an interface or network\n"
	  "namespace that is gone, in every namespace" },
	{ "tc-attach", 0, "HOW", parse_tc_attach, TO(tc_attach), NULL,
	  "tc mode through tcx links or a clsact filter:\n"
	  "auto (tcx where the kernel has it, 6.6+), tcx\n"
	  "or clsact; implies -m tc" },
	{ "promisc", 'p', NULL, parse_flag, TO(promisc), NULL,
	  "put the interfaces in promiscuous mode" },
	{ "ring-size", 0, "SIZE", parse_ring_size, TO(ring_size), NULL,
	  "kernel buffer per interface in classic mode, per\n"
	  "handle in pcap mode (K, M, G; 64K to 1G; default\n"
	  "1/128 of memory over the interfaces, 256K to 4M);\n"
	  "raise it when the drops count grows" },
	{ "json", 'j', NULL, parse_json, TO(format), NULL,
	  "JSON Lines: a record per interface per interval,\n"
	  "and one with \"type\":\"total\" at the end" },
	{ "format", 'f', "FORMAT", parse_format, TO(format), "one format per run",
	  "table (default), json (as -j) or prom (Prometheus\n"
	  "text, a page per interval)" },
	{ "prom-file", 0, "PATH", parse_string, TO(prom_file), NULL,
	  "also rewrite PATH every interval, atomically, for\n"
	  "node_exporter's textfile collector" },
	{ "all", 'a', NULL, parse_flag, TO(all), NULL,
	  "every interface" },
	{ "check", 0, NULL, parse_flag, TO(check), NULL,
	  "show the interfaces' own counters and the share of\n"
	  "them pktcount counted (coverage)" },
	{ "by", 0, "KEY", parse_by, TO(by), "one key per run",
	  "also count per KEY: host (the other end's address),\n"
	  "pair (source and destination), flow (and protocol\n"
	  "and ports) or mac (the other end's MAC); proto, the\n"
	  "default, is the protocol key alone" },
	{ "top", 0, "N", parse_top, TO(out.top), NULL,
	  "with --by: the N entries with most bytes per\n"
	  "interface, and one line for the rest (default 10)" },
	{ "max-keys", 0, "N", parse_max_keys, TO(max_keys), NULL,
	  "with --by: keys kept per interface; new keys past\n"
	  "it count under \"other\" (default 65536)" },
	{ "idle", 0, "SECONDS", parse_idle, TO(idle), NULL,
	  "with --by: a key that counted nothing for this\n"
	  "long leaves, its counts kept under \"idle\"\n"
	  "(default 300; 0: never)" },
	{ "class", 0, "NAME=EXPR", parse_class, TO(classes), NULL,
	  "also count the frames matching EXPR, a pcap-filter\n"
	  "expression (as tcpdump takes it), or @FILE, the\n"
	  "output of tcpdump -dd EXPR; repeatable (at most 64);\n"
	  "the frames no class matched count as \"unmatched\"" },
	{ "classes", 0, "FILE", parse_classes, TO(classes), NULL,
	  "a class per line: NAME EXPR (# starts a comment)" },
	{ "filter", 0, "EXPR", parse_filter, TO(classes), NULL,
	  "count only the frames matching EXPR (or @FILE)" },
	{ "netns", 'n', "NAME", parse_string, TO(netns), NULL,
	  "count inside network namespace NAME (ip netns) or\n"
	  "the one at a path such as /proc/PID/ns/net" },
	{ "user", 'Z', "USER", parse_string, TO(user), NULL,
	  "once counting, run as USER (default nobody when\n"
	  "started as root; -Z root keeps root)" },
	{ "no-seccomp", 0, NULL, parse_flag, TO(no_seccomp), NULL,
	  "no seccomp allowlist (for valgrind, strace, gdb)" },
	{ "verbose", 'v', NULL, parse_flag, TO(verbose), NULL,
	  "say which mode was chosen and why" },
	{ "help", 'h', NULL, parse_help, 0, NULL,
	  "this text" },
	{ "version", 'V', NULL, parse_version, 0, NULL,
	  "version and the modes built in" },
};
#define NOPTIONS (sizeof(pc_options) / sizeof(pc_options[0]))
const size_t pc_noptions = NOPTIONS;
_Static_assert(PC_CLASS_MAX == 64, "--class's help says at most 64");

/* ---- --help ---- */

/* The column the help text starts at; an option wider than it gets a line of its own. */
#define HELP_COL 26

static void help_row(FILE *f, const struct pc_option *o)
{
	const char *line = o->help, *nl;
	char left[64];
	int n;

	if (o->letter)
		n = snprintf(left, sizeof(left), "  -%c, --%s%s%s", o->letter, o->name, o->arg ? " " : "",
			     o->arg ? o->arg : "");
	else
		n = snprintf(left, sizeof(left), "      --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	if (n > HELP_COL - 2)
		fprintf(f, "%s\n%*s", left, HELP_COL, "");
	else
		fprintf(f, "%-*s", HELP_COL, left);
	while ((nl = strchr(line, '\n'))) {
		fprintf(f, "%.*s\n%*s", (int)(nl - line), line, HELP_COL, "");
		line = nl + 1;
	}
	fprintf(f, "%s\n", line);
}

void pc_options_help(FILE *f)
{
	size_t i;

	fputs("Usage: pktcount [OPTIONS] [IFACE...]\n"
	      "Count bytes and packets per protocol and direction, inside the kernel.\n"
	      "With no IFACE, the interface of the default route.\n"
	      "\n", f);
	for (i = 0; i < NOPTIONS; i++)
		help_row(f, &pc_options[i]);
	fputs("\n"
	      "Exit status: 0 ok, 1 system error, 2 bad usage, 3 no such interface,\n"
	      "4 missing privilege, 5 mode not available, 6 program rejected by the kernel.\n", f);
}

/* ---- parsing ---- */

/* What a parse keeps beside the configuration: how often each option came. */
struct parse {
	struct pc_config *cfg;
	unsigned char given[NOPTIONS];
};

/* getopt_long's val of row i: its letter, else past every char */
#define LONG_ONLY(i) (256 + (int)(i))

/* The row of getopt_long's val c, or -1 */
static int row_of(int c)
{
	size_t i;

	if (c >= LONG_ONLY(0))
		return c < LONG_ONLY(NOPTIONS) ? c - LONG_ONLY(0) : -1;
	for (i = 0; i < NOPTIONS; i++)
		if (pc_options[i].letter && pc_options[i].letter == c)
			return (int)i;
	return -1;
}

/* How often the option called name came */
static int given(const struct parse *p, const char *name)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++)
		if (!strcmp(pc_options[i].name, name))
			return p->given[i];
	return 0;
}

/* getopt_long's tables from the option table: ":" first, so a missing value is told from an unknown option */
static void getopt_tables(struct option *longopts, char *shorts)
{
	size_t i, k = 0;

	shorts[k++] = ':';
	for (i = 0; i < NOPTIONS; i++) {
		const struct pc_option *o = &pc_options[i];

		longopts[i] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL,
					       o->letter ? o->letter : LONG_ONLY(i) };
		if (o->letter) {
			shorts[k++] = o->letter;
			if (o->arg)
				shorts[k++] = ':';
		}
	}
	longopts[i] = (struct option){ 0 };
	shorts[k] = '\0';
}

/* What getopt_long refused: said, PC_EXIT_USAGE */
static int bad_option(int c, char **argv)
{
	int i = row_of(optopt);

	if (c == ':')
		return pc_usage_error("option '%s' needs a value", argv[optind - 1]);
	/* a known option refused: a long one given =VALUE it takes none of */
	if (optopt && i >= 0)
		return pc_usage_error("option '--%s' takes no value", pc_options[i].name);
	if (optopt)
		return pc_usage_error("unknown option '-%c'", optopt);
	return pc_usage_error("unknown option '%s'", argv[optind - 1]);
}

/* Option i with its argument: 0, -1 refused (said), 1 done (-h, -V) */
static int take(struct parse *p, size_t i, const char *arg)
{
	const struct pc_option *o = &pc_options[i];

	/* a second --by or --format contradicts the first: never one silently */
	if (o->once && p->given[i])
		return REFUSE("--%s given twice: %s", o->name, o->once);
	if (p->given[i] < UINT8_MAX)
		p->given[i]++;
	return o->parse(arg, (char *)p->cfg + o->to);
}

/* The options in argv, each as it comes; -1 to go on (the operands are the interfaces), else the exit code. */
static int parse_args(int argc, char **argv, struct parse *p)
{
	struct option longopts[NOPTIONS + 1];
	char shorts[2 + 2 * NOPTIONS];
	int c, i, ret;

	getopt_tables(longopts, shorts);
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		i = c == ':' || c == '?' ? -1 : row_of(c);
		if (i < 0)
			return bad_option(c, argv);
		ret = take(p, (size_t)i, optarg);
		if (ret)
			return ret < 0 ? PC_EXIT_USAGE : pc_stdout_done();
	}
	p->cfg->ifaces = argv + optind;
	p->cfg->nifaces = argc - optind;
	return -1;
}

/* ---- validation: the options against each other ---- */

/*
 * --prom-file must name a regular file (or none yet) in a directory that
 * exists: a symlink or a directory there is refused, before anything runs.
 */
static int check_prom_file(const char *path)
{
	struct stat st;
	char *dir = strdup(path), *slash;
	int failed;

	if (!dir)
		return pc_usage_error("--prom-file %s: %s", path, strerror(ENOMEM));
	if (!*path) {
		free(dir);
		return pc_usage_error("--prom-file: empty path");
	}
	slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir ? 1 : 0] = '\0';
	failed = stat(slash ? dir : ".", &st) < 0;
	if (failed || !S_ISDIR(st.st_mode)) {
		int e = failed ? errno : ENOTDIR;

		e = pc_usage_error("--prom-file %s: directory %s: %s", path, slash ? dir : ".", strerror(e));
		free(dir);
		return e;
	}
	free(dir);
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return pc_usage_error("--prom-file %s: is %s, not a regular file", path, pc_file_kind(st.st_mode));
	return 0;
}

/* --persist, --remove, --remove-stale and --tc-attach against the rest; 0, or PC_EXIT_USAGE said. */
static int check_tc(struct pc_config *cfg, int tc_attach)
{
	if (cfg->remove && (cfg->nifaces || cfg->all || cfg->persist))
		return pc_usage_error("--remove IFACE takes no other interface and no --persist");
	if (cfg->remove_stale && (cfg->nifaces || cfg->all || cfg->persist || cfg->remove))
		return pc_usage_error("--remove-stale takes no interface, --persist or --remove");
	/* --tc-attach auto too (PC_TC_NONE): it counted in eBPF, or in -m classic, and said nothing */
	if (tc_attach && cfg->mode != PC_MODE_AUTO && cfg->mode != PC_MODE_TC)
		return pc_usage_error("--tc-attach is for tc mode, not -m %s", pc_mode_row(cfg->mode)->name);
	if (tc_attach)
		cfg->mode = PC_MODE_TC;
	if (cfg->promisc && (cfg->mode == PC_MODE_TC || cfg->persist))
		return pc_usage_error("--promisc needs a packet socket: tc mode has none");
	if (!cfg->persist)
		return 0;
	if (cfg->mode != PC_MODE_AUTO && cfg->mode != PC_MODE_TC)
		return pc_usage_error("--persist counts in tc mode: no socket outlives the process");
	if (cfg->by != PC_BY_PROTO)
		return pc_usage_error("--persist counts protocols and classes: --by entries leave the kernel "
				      "for the process that reads them");
	cfg->mode = PC_MODE_TC;
	return 0;
}

/*
 * The one place options are weighed against each other (each parser has
 * checked its own value), in the order of the messages a run with several
 * faults gets: 0, or PC_EXIT_USAGE said.
 */
static int config_check(const struct parse *p)
{
	struct pc_config *cfg = p->cfg;

	if (cfg->all && cfg->nifaces)
		return pc_usage_error("-a counts every interface: name none with it");
	if (given(p, "json") && given(p, "format") && cfg->format != PC_FORMAT_JSON)
		return pc_usage_error("-j is --format json: it contradicts --format %s", format_names[cfg->format]);
	if (given(p, "json"))
		cfg->format = PC_FORMAT_JSON;
	if (check_tc(cfg, given(p, "tc-attach")))
		return PC_EXIT_USAGE;
	/* the --prom-file path is the caller's, checked before --netns leaves its namespace */
	if (cfg->prom_file && check_prom_file(cfg->prom_file))
		return PC_EXIT_USAGE;
	/* the logger's switch, which the back ends read too: set once, here */
	pc_verbose = cfg->verbose;
	return 0;
}

int pc_config_read(int argc, char **argv, struct pc_config *cfg)
{
	struct parse p = { .cfg = cfg };
	int code;

	*cfg = (struct pc_config){ .interval = 1.0, .mode = PC_MODE_AUTO, .tc_attach = PC_TC_NONE,
				   .format = PC_FORMAT_TABLE, .by = PC_BY_PROTO, .max_keys = PC_MAX_KEYS_DEFAULT,
				   .idle = PC_IDLE_DEFAULT };
	code = parse_args(argc, argv, &p);
	if (code >= 0)
		return code;
	return config_check(&p) ? PC_EXIT_USAGE : -1;
}

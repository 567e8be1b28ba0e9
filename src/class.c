// SPDX-License-Identifier: GPL-2.0
/*
 * Traffic classes (docs/counting.md, "Classes"): the options that name
 * them, and how a userspace mode counts a frame into them.
 *
 * A class matches a frame exactly when `tcpdump -i IFACE EXPR` would show
 * it: libpcap compiles EXPR as for a live device (src/class_pcap.c), and
 * the program runs on the frame as the kernel holds it, a tag the kernel
 * moved out read through ancillary loads (src/cbpf.c interprets it for
 * classic and pcap modes, src/prog/cbpf_ebpf.c translates it for eBPF mode).
 *
 * A load past the end of the frame ends the program with 0, as the
 * kernel's classic interpreter does: no match, and the frame still counts
 * under its key and the other classes.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "class_pcap.h"
#include "class.h"
#include "pktcount.h"

struct pc_class_set pc_classes;

/* One line for bad input (options are read before any mode runs: pc_err says it), and -1 */
#define say(...) (pc_err(__VA_ARGS__), -1)

static int valid_name(const char *s, size_t len)
{
	size_t i;

	if (!len || len > PC_CLASS_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

/* Room for 4 KiB more at buf + len, growing by doubling up to 64 MiB; 0, or -errno. */
static int room(char **buf, size_t len, size_t *cap)
{
	char *nb;

	if (*cap - len >= 4096)
		return 0;
	if (*cap > (64u << 20))
		return -EFBIG;
	nb = realloc(*buf, *cap * 2 + 8192);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	*cap = *cap * 2 + 8192;
	return 0;
}

/*
 * The whole of a small regular file, NUL-terminated, or NULL with one line
 * said, label (the option and the path) first.  Opened as every file
 * argument is (src/file.c): a FIFO or a directory is refused, not waited on.
 */
static char *slurp(const char *path, const char *label)
{
	mode_t mode = 0;
	int fd = pc_open_regular(path, &mode), e = 0;
	size_t len = 0, cap = 0;
	char *buf = NULL;
	ssize_t got = 1;

	if (fd < 0) {
		if (fd == PC_FILE_NOT_REGULAR)
			pc_err("%s: is %s, not a regular file", label, pc_file_kind(mode));
		else
			pc_err("%s: %s", label, strerror(-fd));
		return NULL;
	}
	while (got > 0 && !(e = room(&buf, len, &cap))) {
		got = read(fd, buf + len, cap - len - 1);
		if (got > 0)
			len += (size_t)got;
		else if (got < 0)
			e = -errno;
	}
	close(fd);
	if (e) {
		free(buf);
		pc_err("%s: %s", label, strerror(-e));
		return NULL;
	}
	buf[len] = 0;
	return buf;
}

/* One program for both links from @FILE: as tcpdump -dd wrote it. */
static int from_file(struct pc_class *c, const char *path, const char *what)
{
	char err[200], label[PC_CLASS_NAME_MAX + 96 + PATH_MAX];
	struct sock_filter *insns;
	unsigned int n;
	char *text;

	snprintf(label, sizeof(label), "%s: %s", what, path);
	text = slurp(path, label);
	if (!text)
		return -1;
	if (pc_cprog_parse(text, &insns, &n, err, sizeof(err)) < 0) {
		free(text);
		return say("%s: %s:%s", what, path, err);
	}
	free(text);
	c->prog[PC_LINK_ETH].insns = insns;
	c->prog[PC_LINK_ETH].n = n;
	c->prog[PC_LINK_RAW].insns = malloc(n * sizeof(*insns));
	if (!c->prog[PC_LINK_RAW].insns)
		return say("%s: %s", what, strerror(ENOMEM));
	memcpy(c->prog[PC_LINK_RAW].insns, insns, n * sizeof(*insns));
	c->prog[PC_LINK_RAW].n = n;
	return 0;
}

/*
 * libpcap's programs for both links.  An expression only one link type can
 * have (`ether host` has no meaning without a link header) never matches
 * on the other; one neither can have is an error.
 */
static int from_expr(struct pc_class *c, const char *expr, const char *what)
{
	char err[2][160];
	int ok[2], l;

	for (l = 0; l < 2; l++) {
		void *insns = NULL, *pcap = NULL;

		ok[l] = !pc_pcap_compile(expr, l == PC_LINK_ETH, &insns, &c->prog[l].n, &pcap, err[l],
					 sizeof(err[l]));
		c->prog[l].insns = insns;
		c->prog[l].pcap = pcap;
		if (!ok[l])
			c->prog[l].n = 0;
	}
	if (ok[PC_LINK_ETH] && *err[PC_LINK_ETH])
		snprintf(pc_classes.offline, sizeof(pc_classes.offline), "%s", err[PC_LINK_ETH]);
	if (!ok[PC_LINK_ETH] && !ok[PC_LINK_RAW])
		return say("%s: %s", what, err[PC_LINK_ETH]);
	if (!ok[PC_LINK_RAW])
		snprintf(c->refused, sizeof(c->refused), "%s", err[PC_LINK_RAW]);
	if (!ok[PC_LINK_ETH])
		snprintf(c->refused, sizeof(c->refused), "%s", err[PC_LINK_ETH]);
	return 0;
}

/*
 * The terms of expression s, counted on its text: one more than the
 * and, or, && and || in it.  Words as libpcap's scanner reads them
 * (scanner.l), so `band` or `tcp-or` count nothing, nor does a lone
 * & or | (arithmetic).
 */
static unsigned long expr_terms(const char *s)
{
	static const char word[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.:\\";
	unsigned long n = 1;
	size_t len;

	while (*s) {
		if ((s[0] == '&' && s[1] == '&') || (s[0] == '|' && s[1] == '|')) {
			n++;
			s += 2;
			continue;
		}
		len = strspn(s, word);
		n += (len == 3 && !strncmp(s, "and", 3)) || (len == 2 && !strncmp(s, "or", 2));
		s += len ? len : 1;
	}
	return n;
}

static void class_free(struct pc_class *c)
{
	int l;

	for (l = 0; l < 2; l++) {
		free(c->prog[l].insns);
		pc_pcap_free(c->prog[l].pcap);
	}
	free(c->expr);
	memset(c, 0, sizeof(*c));
}

/* Check both programs; the furthest byte either reads widens the set's extent. */
static int check_both(struct pc_class *c, const char *what)
{
	char err[160];
	int l;

	for (l = 0; l < 2; l++) {
		if (!c->prog[l].n)
			continue;
		if (pc_cprog_check(&c->prog[l], err, sizeof(err)) < 0)
			return say("%s: %s", what, err);
		if (c->prog[l].extent > pc_classes.extent)
			pc_classes.extent = c->prog[l].extent;
	}
	return 0;
}

int pc_class_add(const char *name, const char *expr, const char *where)
{
	char what[PC_CLASS_NAME_MAX + 96];
	struct pc_class c = { 0 };
	unsigned int i;

	if (name) {
		if (!valid_name(name, strlen(name)))
			return say("%s: class name \"%s\": 1 to %d letters, digits, '-' or '_'", where, name,
				   PC_CLASS_NAME_MAX);
		if (!strcmp(name, "unmatched"))
			return say("%s: \"unmatched\" is the row of the frames no class matched", where);
		for (i = 0; i < pc_classes.n; i++)
			if (!strcmp(pc_classes.c[i].name, name))
				return say("%s: class \"%s\" given twice", where, name);
		if (pc_classes.n == PC_CLASS_MAX)
			return say("%s: class \"%s\": at most %d classes", where, name, PC_CLASS_MAX);
		snprintf(c.name, sizeof(c.name), "%s", name);
	} else if (pc_classes.filter) {
		return say("%s: --filter given twice", where);
	}
	snprintf(what, sizeof(what), "%s%s%s", where, name ? ": class " : "", name ? name : "");
	if (!*expr)
		return say("%s: empty expression", what);
	if (expr[0] != '@' && expr_terms(expr) > PC_CLASS_TERMS_MAX)
		return say("%s: %lu terms joined by and/or, more than %d: a class's program has at most %d "
			   "instructions (BPF_MAXINSNS), about 700 host or port terms, and libpcap would spend "
			   "minutes on a longer expression before refusing it", what, expr_terms(expr),
			   PC_CLASS_TERMS_MAX, PC_CBPF_MAX_INSNS);
	c.expr = strdup(expr);
	if (!c.expr)
		return say("%s: %s", what, strerror(ENOMEM));
	if ((expr[0] == '@' ? from_file(&c, expr + 1, what) : from_expr(&c, expr, what)) < 0 ||
	    check_both(&c, what) < 0) {
		class_free(&c);
		return -1;
	}
	if (!name) {
		pc_classes.filter = malloc(sizeof(c));
		if (!pc_classes.filter) {
			class_free(&c);
			return say("%s: %s", what, strerror(ENOMEM));
		}
		*pc_classes.filter = c;
		return 0;
	}
	if (!pc_classes.c && !(pc_classes.c = calloc(PC_CLASS_MAX, sizeof(c)))) {
		class_free(&c);
		return say("%s: %s", what, strerror(ENOMEM));
	}
	pc_classes.c[pc_classes.n++] = c;
	return 0;
}

int pc_classes_file(const char *path)
{
	char label[PATH_MAX + 16], *text, *line, *next;
	unsigned int lineno = 0;

	snprintf(label, sizeof(label), "--classes %s", path);
	text = slurp(path, label);
	if (!text)
		return -1;
	for (line = text; line; line = next) {
		char where[300], *name, *expr, *end;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		lineno++;
		if ((end = strchr(line, '#')))
			*end = 0;
		for (name = line; isspace((unsigned char)*name); name++)
			;
		if (!*name)
			continue;
		for (expr = name; *expr && !isspace((unsigned char)*expr); expr++)
			;
		if (*expr)
			*expr++ = 0;
		while (isspace((unsigned char)*expr))
			expr++;
		end = expr + strlen(expr);
		while (end > expr && isspace((unsigned char)end[-1]))
			*--end = 0;
		snprintf(where, sizeof(where), "--classes %s:%u", path, lineno);
		if (!*expr) {
			free(text);
			return say("%s: \"%s\" has no expression (NAME EXPR)", where, name);
		}
		if (pc_class_add(name, expr, where) < 0) {
			free(text);
			return -1;
		}
	}
	free(text);
	return 0;
}

void pc_classes_free(void)
{
	unsigned int i;

	for (i = 0; i < pc_classes.n; i++)
		class_free(&pc_classes.c[i]);
	free(pc_classes.c);
	if (pc_classes.filter)
		class_free(pc_classes.filter);
	free(pc_classes.filter);
	memset(&pc_classes, 0, sizeof(pc_classes));
	pc_pcap_compiler_close();
}

/*
 * Whether class program cp matches f: libpcap's own matcher where libpcap
 * took the frame in and the program needs nothing libpcap's matcher lacks
 * (ancillary data, the frame without the tag libpcap put back).
 */
static int matches(const struct pc_cprog *cp, const struct pc_frame *f)
{
	if (f->from_pcap && cp->pcap && !cp->ancillary && !pc_frame_tag_put_back(f))
		return pc_pcap_match(cp->pcap, f->p, f->caplen, f->len);
	return pc_cprog_match(cp, f);
}

int pc_filter_pass(const struct pc_frame *f)
{
	return !pc_classes.filter || matches(&pc_classes.filter->prog[f->link], f);
}

void pc_classes_count(struct pc_counter *cls, const struct pc_frame *f, uint64_t bytes, uint64_t packets)
{
	enum pc_dir dir = f->outgoing ? PC_DIR_TX : PC_DIR_RX;
	unsigned int i, matched = 0;

	for (i = 0; i <= pc_classes.n; i++) {
		struct pc_counter *c = &cls[pc_class_index(dir, i)];

		if (i < pc_classes.n ? !matches(&pc_classes.c[i].prog[f->link], f) : matched)
			continue;
		matched++;
		c->bytes += bytes;
		c->packets += packets;
	}
}

int pc_classes_fit(uint32_t keep, const char *mode, struct pc_fail *why)
{
	unsigned int i;
	int l;

	for (i = 0; i <= pc_classes.n; i++) {
		const struct pc_class *c = i < pc_classes.n ? &pc_classes.c[i] : pc_classes.filter;
		char label[PC_CLASS_NAME_MAX + 16];

		for (l = 0; c && l < 2; l++) {
			uint32_t e = c->prog[l].extent;

			if (!c->prog[l].n || e <= keep)
				continue;
			snprintf(label, sizeof(label), c == pc_classes.filter ? "--filter" : "class %s", c->name);
			if (e == UINT32_MAX)
				return pc_fail(why, PC_EXIT_USAGE, "%s reads at offsets it takes from the frame, with no "
					       "bound: %s mode keeps %u bytes of each frame", label, mode, keep);
			return pc_fail(why, PC_EXIT_USAGE, "%s reads up to byte %u of a frame: %s mode keeps %u bytes "
				       "of each", label, e, mode, keep);
		}
	}
	return PC_EXIT_OK;
}

int pc_classes_read_anc(enum pc_link link, uint32_t what)
{
	unsigned int i, j;

	for (i = 0; i <= pc_classes.n; i++) {
		const struct pc_class *c = i < pc_classes.n ? &pc_classes.c[i] : pc_classes.filter;

		for (j = 0; c && j < c->prog[link].n; j++)
			if (BPF_CLASS(c->prog[link].insns[j].code) == BPF_LD &&
			    BPF_MODE(c->prog[link].insns[j].code) == BPF_ABS &&
			    c->prog[link].insns[j].k == (uint32_t)SKF_AD_OFF + what)
				return 1;
	}
	return 0;
}

int pc_classes_read_tag(enum pc_link link)
{
	return pc_classes_read_anc(link, SKF_AD_VLAN_TAG) || pc_classes_read_anc(link, SKF_AD_VLAN_TAG_PRESENT) ||
	       pc_classes_read_anc(link, SKF_AD_VLAN_TPID);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The options (src/options.c): one table declares each option once (its
 * names, its argument, its parser, its help text, the field of struct
 * pc_config it lands in); getopt_long's tables and --help are made from
 * it, and tests/unit/test_options.c holds pktcount.8 and the README to --help.
 *
 * pc_config_read() parses, then validates the whole in one place.  From
 * then on the configuration is frozen: main() hands out only
 * `const struct pc_config *` (the loop's context, every tap's tap->cfg),
 * and no option lives in a global.  Adding an option: a field here, a row
 * in the table, a check in config_check() if it contradicts another, an
 * entry in pktcount.8's OPTIONS; `make` and tests/unit/test_options.c say the
 * rest (the README's reference is --help's text).
 */
#ifndef PKTCOUNT_OPTIONS_H
#define PKTCOUNT_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "output.h"
#include "pc_class.h"
#include "pktcount.h"
#include "tc.h"

enum pc_format { PC_FORMAT_TABLE, PC_FORMAT_JSON, PC_FORMAT_PROM };

/* One run's configuration: the options, validated; then read-only. */
struct pc_config {
	double interval;		/* -i: seconds */
	unsigned long long count;	/* -c: intervals; 0: until a signal */
	enum pc_mode mode;		/* -m; --persist and --tc-attach make it tc */
	enum pc_tc_kind tc_attach;	/* --tc-attach; PC_TC_NONE: tcx where the kernel has it */
	int persist;			/* --persist: attach in tc mode, pin, exit */
	const char *remove;		/* --remove IFACE */
	int remove_stale;		/* --remove-stale */
	int promisc;			/* -p */
	size_t ring_size;		/* --ring-size: bytes in whole blocks; 0: sized for the device */
	enum pc_format format;		/* -f, and -j (which is -f json) */
	const char *prom_file;		/* --prom-file */
	int all;			/* -a */
	int check;			/* --check */
	enum pc_by by;			/* --by */
	struct pc_out out;		/* --top; the kernel's release, which main() adds */
	uint32_t max_keys;		/* --max-keys: built keys per interface */
	double idle;			/* --idle: seconds a key may count nothing before it leaves */
	/*
	 * --class, --classes, --filter: the class set they built, which is
	 * pc_classes (include/pc_class.h says why that stays a global); NULL
	 * when none was given.
	 */
	const struct pc_class_set *classes;
	const char *netns;		/* -n */
	const char *user;		/* -Z */
	int no_seccomp;			/* --no-seccomp */
	int verbose;			/* -v: also the logger's pc_verbose, set from it once */
	char *const *ifaces;		/* the IFACE operands, in argv */
	int nifaces;
	char kernel[65];		/* uname -r, for out.kernel: main() fills it, not an option */
};

/* One row of the option table. */
struct pc_option {
	const char *name;	/* --name */
	char letter;		/* -l, or 0: long only */
	const char *arg;	/* the argument as --help and pktcount.8 name it; NULL: takes none */
	/*
	 * The argument (NULL for a flag) into the field at offset to of struct
	 * pc_config: 0, -1 refused with one line said (exit 2), or 1 when the
	 * option printed what was asked and pktcount exits (-h, -V).
	 */
	int (*parse)(const char *arg, void *to);
	size_t to;		/* offsetof(struct pc_config, the field) */
	const char *once;	/* given twice, refused saying why; NULL: repeatable */
	const char *help;	/* --help's text, lines joined by '\n' */
};

/* The table, in --help's order. */
extern const struct pc_option pc_options[];
extern const size_t pc_noptions;

/*
 * The command line into *cfg (defaults, then each option as it comes, then
 * validated as a whole); -1 to go on, else the exit code (-h, -V, bad
 * usage, said).  The caller hands cfg out as const from then on.
 */
int pc_config_read(int argc, char **argv, struct pc_config *cfg);

/* --help's text, from the table. */
void pc_options_help(FILE *f);

/* One line for bad usage, " (see pktcount --help)" after it; PC_EXIT_USAGE. */
int pc_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* What was printed (-h, -V, --persist) must have been written: a pc_exit. */
int pc_stdout_done(void);

#endif /* PKTCOUNT_OPTIONS_H */

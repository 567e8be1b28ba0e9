/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The report: what one interval (or, final, the whole run) shows of every
 * tap, built once from the taps' counts (src/counts.h), then rendered by
 * every format (src/output.c: the table, JSON Lines, Prometheus on stdout
 * and in --prom-file, the event lines), which read nothing else.  Every
 * interval count, sum, ranking of the breakdown and --top default is
 * worked out here, once; a format only chooses what to show and how.
 */
#ifndef PKTCOUNT_REPORT_H
#define PKTCOUNT_REPORT_H

#include "pktcount.h"

/* What the outputs take from the options. */
struct pc_out {
	const char *kernel;	/* uname -r, for pktcount_info */
	unsigned int top;	/* --top; 0 when not given (pc_report_top()) */
};

/* The formats a report is rendered in. */
enum pc_view { PC_VIEW_TABLE, PC_VIEW_JSON, PC_VIEW_PROM, PC_VIEW_COUNT, PC_VIEW_NONE = PC_VIEW_COUNT };

/*
 * --top as view shows it: given, or the view's default (the table and
 * Prometheus 10, JSON every entry); 0: every entry.
 */
unsigned int pc_report_top(unsigned int given, enum pc_view view);

/* What a tap is, as every record and event line names it. */
struct pc_report_id {
	const char *name;	/* its interface's */
	const char *mode;	/* the mode counting it: the JSON "mode" */
	enum pc_unit unit;	/* what it counts a packet as */
};

/*
 * One protocol row, both directions: a slot (the key's rx form) some key of
 * which ever counted.  c: in the interval, or since start in a final
 * report; total: since start.
 */
struct pc_report_row {
	unsigned int slot;
	struct pc_counter c[PC_DIR_COUNT], total[PC_DIR_COUNT];
};

/* One --class row, both directions; the last one of a tap's: "unmatched". */
struct pc_report_class {
	const char *name;
	struct pc_counter c[PC_DIR_COUNT], total[PC_DIR_COUNT];
};

/* One --by entry: c by its ranking's basis (below), total since start. */
struct pc_report_entry {
	const struct pc_bkey *key;
	struct pc_counter c[PC_DIR_COUNT], total[PC_DIR_COUNT];
};

/*
 * The bases entries are ranked by: what they counted in the interval (the
 * table and JSON at an interval), or since start (Prometheus, and every
 * view of a final report).  A report ranks a tap's entries once for each
 * basis its views need: one sort each, never one per view.
 */
enum pc_basis { PC_BASIS_INTERVAL, PC_BASIS_TOTAL, PC_BASIS_COUNT };

/*
 * A tap's entries that counted anything by the basis, most bytes first
 * (then by key), and their running sums: sum[i] is entries [0, i), so the
 * rest past any --top is one subtraction (pc_report_rest()).
 */
struct pc_report_ranking {
	struct pc_report_entry *e;
	struct pc_counter (*sum)[PC_DIR_COUNT];	/* n + 1 of them */
	uint32_t n;
	int ranked;		/* built for this report */
	int oom;		/* no memory to rank them */
};

/* --check: the interface's own counters since pktcount began, and our share of them. */
struct pc_report_check {
	struct pc_link_stats kernel;
	/* ours over theirs, in percent (100 when both are 0): [direction][0: bytes, 1: packets] */
	double share[PC_DIR_COUNT][2];
	enum pc_unit unit;	/* what the device's counters count */
	const char *kind;	/* the device's kind; "" for a NIC's own */
};

struct pc_report_tap {
	struct pc_report_id id;
	struct pc_report_row *rows;	/* in slot order */
	unsigned int nrows;
	struct pc_counter sum[PC_DIR_COUNT];	/* every row's c */
	struct pc_report_class *cls;	/* every class, then unmatched; none without --class */
	unsigned int ncls;
	uint64_t drops;			/* in the interval, or since start in a final report */
	uint64_t drops_total;		/* since start: above 0, the counts are a lower bound */
	enum pc_by by;			/* PC_BY_PROTO: no breakdown */
	struct pc_report_ranking rank[PC_BASIS_COUNT];
	uint64_t overflow;		/* frames whose key found the table full */
	uint32_t max_keys;
	int check;			/* --check: chk holds what it shows */
	struct pc_report_check chk;
};

struct pc_report {
	int final;			/* the totals since start, at the end */
	double secs;			/* the interval's length, or the run's */
	double wall;			/* when, CLOCK_REALTIME seconds */
	const char *kernel;
	unsigned int top[PC_VIEW_COUNT];	/* each view's --top, resolved: 0 every entry */
	unsigned int nclasses;		/* --class: the run's classes (each tap's cls: one more) */
	struct pc_report_tap *taps;
	int ntaps;
	unsigned int sorts;		/* rankings sorted to build it */
};

/* What a report is built for. */
struct pc_report_spec {
	double secs, wall;
	int final;
	unsigned int views;		/* 1 << enum pc_view of each view that renders it */
	const struct pc_out *out;
};

/* The basis of the ranking view shows of r. */
enum pc_basis pc_report_basis(const struct pc_report *r, enum pc_view view);
/* The ranking of tap t that view shows. */
const struct pc_report_ranking *pc_report_ranked(const struct pc_report *r, const struct pc_report_tap *t,
						 enum pc_view view);
/* How many entries of k are past top (0: none is), and their sum per direction into rest. */
uint32_t pc_report_rest(const struct pc_report_ranking *k, unsigned int top, struct pc_counter rest[PC_DIR_COUNT]);

/*
 * The report of taps: an interval (total - marks over secs) or, final, the
 * totals since start; the rankings its views need, each sorted once.  NULL
 * without memory.  It points into the taps' counts: use it before they are
 * marked or change.
 */
struct pc_report *pc_report_build(const struct pc_tap *taps, int ntaps, const struct pc_report_spec *s);
void pc_report_free(struct pc_report *r);
/* The tap's identity, as its event lines name it. */
struct pc_report_id pc_report_id_of(const struct pc_tap *tap);

/* Reports built and rankings sorted since the start: what tests count. */
struct pc_report_stats {
	unsigned long builds, sorts;
};
extern struct pc_report_stats pc_report_stats;

/*
 * Where an interval's report goes: to fd in view (PC_VIEW_NONE: nowhere),
 * and into the --prom-file when prom_file is set; prom_err: that file's
 * last failure (-errno), or 0.
 */
struct pc_emit {
	int fd;
	enum pc_view view;
	const char *prom_file;
	int prom_err;
};
/*
 * Build the report of taps once and render it everywhere e says: the prom
 * file first (a failure is in e->prom_err; counting goes on), then fd.
 * 0, or -errno of the build or of writing to fd (-EPIPE: the reader left).
 */
int pc_report_emit(struct pc_emit *e, const struct pc_tap *taps, int ntaps, const struct pc_report_spec *s);

/*
 * The Prometheus page of taps as they are, into path (the file as it is at
 * the start, counts at zero); 0 or -errno.
 */
int pc_write_prom_file(const char *path, const struct pc_tap *taps, int ntaps, const struct pc_out *out);
/* A JSON event record ("detached", "attached", "renamed" from from) of tap; 0 or -errno. */
int pc_print_event(int fd, const struct pc_tap *tap, const char *event, const char *from,
		   const char *reason, double wall);

#endif /* PKTCOUNT_REPORT_H */

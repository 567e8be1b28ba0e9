/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pktcount's output read back: its JSON Lines checked against the
 * documented schema, what its interval records say it counted, and
 * promtool's verdict on a Prometheus page.
 */
#ifndef PKTCOUNT_TEST_RECORDS_H
#define PKTCOUNT_TEST_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "pc_key.h"

struct pktcount_proc;

/*
 * pktcount's JSON Lines, checked against the documented schema line by line;
 * the totals of the "total" record for iface go into totals[].  0, or -1
 * with the reason in err.
 */
struct run_output {
	struct pc_counter totals[PC_NKEYS];
	int intervals, total_records;
	char mode[16];
	char unit[8];		/* "wire" or "skb" */
};
int parse_output(const char *out, const char *iface, struct run_output *r,
		 char *err, size_t errlen);

/*
 * In pktcount's JSON output out (len bytes): iface's last interval record,
 * its packets_total over which (a key, COUNT_RX or COUNT_TX: every key of
 * that direction) plus its drops_total (frames the kernel dropped before a
 * userspace tap saw them); -1 before any such record.
 */
#define COUNT_RX (-1)
#define COUNT_TX (-2)
int64_t json_counted(const char *out, size_t len, const char *iface, int which);
/*
 * Read its stdout until iface's interval records say it counted want (as
 * json_counted()): 0, or -ETIMEDOUT/-EPIPE, said with cr_log_info(), for
 * the test's own exact assertions to judge.
 */
int pktcount_wait_counted(struct pktcount_proc *p, const char *iface, int which, uint64_t want, int max_ms);

/* The sum over one direction's keys. */
struct pc_counter dir_sum(const struct pc_counter *c, enum pc_dir dir);

/*
 * Whether s is well-formed UTF-8 by RFC 3629's table of byte ranges (not
 * by src/name.c's arithmetic), with no control (C0, DEL, C1) when
 * no_controls; newlines are allowed when lines.
 */
int utf8_clean(const unsigned char *s, size_t len, int no_controls, int lines);
/* An expectation (not an assertion): s, len bytes, is clean UTF-8 with no control but newlines. */
void expect_clean(const char *what, const char *s, size_t len);

/* Fail the test unless promtool is installed. */
void need_promtool(void);
/* promtool check metrics on one page; its verdict as an exit status */
int promtool_ok(const char *page, size_t len);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The formats: each renders a report (src/report.h) and reads nothing else.
 * A record, table or page is built whole in memory and written with one
 * write loop; 0 or -errno (-EPIPE: the reader is gone).
 */
#ifndef PKTCOUNT_OUTPUT_H
#define PKTCOUNT_OUTPUT_H

#include "report.h"

/*
 * Every tap's record of r in view (PC_VIEW_TABLE: a table each, PC_VIEW_JSON:
 * a JSON line each), in one write to fd (1,000 interfaces: one call).
 */
int pc_render_records(int fd, const struct pc_report *r, enum pc_view view);

/*
 * r's Prometheus text exposition (counters since start): to fd as one page
 * followed by an empty line, or into path through a temporary file renamed
 * over it (readers see a whole page, never part of one).
 */
int pc_render_prom(int fd, const struct pc_report *r);
int pc_render_prom_file(const char *path, const struct pc_report *r);
/* Whether directory entry is a temporary file of pc_render_prom_file() for a PATH named base. */
int pc_prom_tmp_match(const char *entry, const char *base);

/* A JSON event record ("detached", "attached", "renamed" with the name it had in from, else NULL). */
int pc_render_event(int fd, const struct pc_report_id *id, const char *event, const char *from,
		    const char *reason, double wall);

#endif /* PKTCOUNT_OUTPUT_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * The report of an interval, built once from every tap's counts (see
 * src/report.h); src/output.c renders it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "counts.h"
#include "output.h"
#include "pc_class.h"
#include "report.h"

struct pc_report_stats pc_report_stats;

unsigned int pc_report_top(unsigned int given, enum pc_view view)
{
	if (given)
		return given;
	return view == PC_VIEW_JSON ? 0 : PC_TOP_DEFAULT;
}

enum pc_basis pc_report_basis(const struct pc_report *r, enum pc_view view)
{
	return r->final || view == PC_VIEW_PROM ? PC_BASIS_TOTAL : PC_BASIS_INTERVAL;
}

const struct pc_report_ranking *pc_report_ranked(const struct pc_report *r, const struct pc_report_tap *t,
						 enum pc_view view)
{
	return &t->rank[pc_report_basis(r, view)];
}

uint32_t pc_report_rest(const struct pc_report_ranking *k, unsigned int top, struct pc_counter rest[PC_DIR_COUNT])
{
	uint32_t from = top && top < k->n ? top : k->n;
	int d;

	for (d = 0; d < PC_DIR_COUNT; d++) {
		rest[d].bytes = k->n ? k->sum[k->n][d].bytes - k->sum[from][d].bytes : 0;
		rest[d].packets = k->n ? k->sum[k->n][d].packets - k->sum[from][d].packets : 0;
	}
	return k->n - from;
}

struct pc_report_id pc_report_id_of(const struct pc_tap *tap)
{
	struct pc_report_id id = { tap->name, tap->be->name, tap->unit };

	return id;
}

static struct pc_counter diff(const struct pc_counter *now, const struct pc_counter *then)
{
	struct pc_counter d = { now->bytes - then->bytes, now->packets - then->packets };

	return d;
}

/* In the interval (now less the mark), or since start (final). */
static struct pc_counter shown(const struct pc_counter *now, const struct pc_counter *mark, int final)
{
	static const struct pc_counter zero;

	return diff(now, final ? &zero : mark);
}

/* ---- protocol rows ---- */

/* The first slot from slot on that a key of either direction ever counted in, or PC_NSLOTS. */
static unsigned int next_slot(const struct pc_counts *c, unsigned int slot)
{
	unsigned int rx = pc_counts_next(c, slot), tx = pc_counts_next(c, PC_NSLOTS + slot) - PC_NSLOTS;

	if (rx > PC_NSLOTS)
		rx = PC_NSLOTS;
	return rx < tx ? rx : tx;
}

static int rows_build(struct pc_report_tap *t, const struct pc_counts *c, int final)
{
	unsigned int slot, n = 0;
	int d;

	for (slot = next_slot(c, 0); slot < PC_NSLOTS; slot = next_slot(c, slot + 1))
		n++;
	t->rows = calloc(n ? n : 1, sizeof(*t->rows));
	if (!t->rows)
		return -ENOMEM;
	for (slot = next_slot(c, 0); slot < PC_NSLOTS; slot = next_slot(c, slot + 1)) {
		struct pc_report_row *row = &t->rows[t->nrows++];

		row->slot = slot;
		for (d = 0; d < PC_DIR_COUNT; d++) {
			unsigned int key = slot + (unsigned int)d * PC_NSLOTS;

			row->total[d] = c->total[key];
			row->c[d] = shown(&c->total[key], &c->prev[key], final);
			t->sum[d].bytes += row->c[d].bytes;
			t->sum[d].packets += row->c[d].packets;
		}
	}
	return 0;
}

/* ---- classes ---- */

static int classes_build(struct pc_report_tap *t, const struct pc_counts *c, int final)
{
	unsigned int i;
	int d;

	if (!pc_classes.n)
		return 0;
	t->cls = calloc(pc_classes.n + 1, sizeof(*t->cls));
	if (!t->cls)
		return -ENOMEM;
	t->ncls = pc_classes.n + 1;
	for (i = 0; i < t->ncls; i++) {
		t->cls[i].name = i < pc_classes.n ? pc_classes.c[i].name : "unmatched";
		for (d = 0; d < PC_DIR_COUNT; d++) {
			unsigned int r = pc_class_index((enum pc_dir)d, i);

			t->cls[i].total[d] = c->cls[r];
			t->cls[i].c[d] = shown(&c->cls[r], &c->cls_prev[r], final);
		}
	}
	return 0;
}

/* ---- the breakdown, ranked ---- */

static int entry_cmp(const void *x, const void *y)
{
	const struct pc_report_entry *a = x, *b = y;
	uint64_t ba = a->c[0].bytes + a->c[1].bytes, bb = b->c[0].bytes + b->c[1].bytes;

	if (ba != bb)
		return ba > bb ? -1 : 1;
	return memcmp(a->key, b->key, sizeof(*a->key));
}

/* The running sums of k's entries, sum[0] zero. */
static void rank_sums(struct pc_report_ranking *k)
{
	uint32_t i;
	int d;

	memset(k->sum[0], 0, sizeof(k->sum[0]));
	for (i = 0; i < k->n; i++)
		for (d = 0; d < PC_DIR_COUNT; d++) {
			k->sum[i + 1][d].bytes = k->sum[i][d].bytes + k->e[i].c[d].bytes;
			k->sum[i + 1][d].packets = k->sum[i][d].packets + k->e[i].c[d].packets;
		}
}

/* The entries of t that counted anything by basis, sorted once; k->oom without memory. */
static void rank(struct pc_report *r, struct pc_report_ranking *k, const struct pc_entries *t, enum pc_basis basis)
{
	const struct pc_entry *e;
	uint32_t i = 0;
	int d;

	k->ranked = 1;
	k->e = malloc(((size_t)t->n + PC_NFIXED) * sizeof(*k->e));
	k->sum = malloc(((size_t)t->n + PC_NFIXED + 1) * sizeof(*k->sum));
	if (!k->e || !k->sum) {
		k->oom = 1;
		return;
	}
	while ((e = pc_entries_next(t, &i))) {
		struct pc_report_entry *p = &k->e[k->n];

		for (d = 0; d < PC_DIR_COUNT; d++) {
			p->total[d] = e->c[d];
			p->c[d] = shown(&e->c[d], &e->prev[d], basis == PC_BASIS_TOTAL);
		}
		if (!p->c[0].packets && !p->c[1].packets)
			continue;
		p->key = &e->key;
		k->n++;
	}
	qsort(k->e, k->n, sizeof(*k->e), entry_cmp);
	r->sorts++;
	pc_report_stats.sorts++;
	rank_sums(k);
}

/* ---- --check ---- */

/* ours as a percentage of the kernel's; 100 when both are 0 */
static double share(uint64_t ours, uint64_t kernel)
{
	return kernel ? 100.0 * (double)ours / (double)kernel : ours ? 0 : 100.0;
}

static void check_build(struct pc_report_tap *t, const struct pc_tap *tap)
{
	struct pc_counter all[PC_DIR_COUNT] = { { 0, 0 }, { 0, 0 } };
	const struct pc_link_stats *k = &tap->k_now;
	unsigned int key;

	t->check = 1;
	t->chk.kernel = *k;
	t->chk.unit = tap->k_unit;
	t->chk.kind = tap->kind;
	/* since start: every key that counted, summed per direction */
	for (key = pc_counts_next(&tap->counts, 0); key < PC_NKEYS; key = pc_counts_next(&tap->counts, key + 1)) {
		all[key / PC_NSLOTS].bytes += tap->total[key].bytes;
		all[key / PC_NSLOTS].packets += tap->total[key].packets;
	}
	t->chk.share[PC_DIR_RX][0] = share(all[PC_DIR_RX].bytes, k->rx_bytes);
	t->chk.share[PC_DIR_RX][1] = share(all[PC_DIR_RX].packets, k->rx_packets);
	t->chk.share[PC_DIR_TX][0] = share(all[PC_DIR_TX].bytes, k->tx_bytes);
	t->chk.share[PC_DIR_TX][1] = share(all[PC_DIR_TX].packets, k->tx_packets);
}

/* ---- the report ---- */

/* Which bases the views in views rank by (bit per enum pc_basis). */
static unsigned int bases_needed(const struct pc_report *r, unsigned int views)
{
	unsigned int bases = 0;
	int v;

	for (v = 0; v < PC_VIEW_COUNT; v++)
		if (views & (1u << v))
			bases |= 1u << pc_report_basis(r, (enum pc_view)v);
	return bases;
}

static int tap_build(struct pc_report *r, struct pc_report_tap *t, const struct pc_tap *tap, unsigned int bases)
{
	const struct pc_counts *c = &tap->counts;
	int b;

	t->id = pc_report_id_of(tap);
	t->drops = r->final ? c->drops : c->drops - c->prev_drops;
	t->drops_total = c->drops;
	t->by = tap->by;
	t->overflow = c->ent.overflow;
	t->max_keys = c->ent.max;
	if (tap->check)
		check_build(t, tap);
	for (b = 0; tap->by != PC_BY_PROTO && b < PC_BASIS_COUNT; b++)
		if (bases & (1u << b))
			rank(r, &t->rank[b], &c->ent, (enum pc_basis)b);
	if (rows_build(t, c, r->final) || classes_build(t, c, r->final))
		return -ENOMEM;
	return 0;
}

struct pc_report *pc_report_build(const struct pc_tap *taps, int ntaps, const struct pc_report_spec *s)
{
	struct pc_report *r = calloc(1, sizeof(*r));
	unsigned int bases;
	int i, v;

	if (!r)
		return NULL;
	r->final = s->final;
	r->secs = s->secs;
	r->wall = s->wall;
	r->kernel = s->out->kernel;
	r->nclasses = pc_classes.n;
	for (v = 0; v < PC_VIEW_COUNT; v++)
		r->top[v] = pc_report_top(s->out->top, (enum pc_view)v);
	r->taps = calloc(ntaps ? (size_t)ntaps : 1, sizeof(*r->taps));
	if (!r->taps) {
		free(r);
		return NULL;
	}
	r->ntaps = ntaps;
	bases = bases_needed(r, s->views);
	for (i = 0; i < ntaps; i++)
		if (tap_build(r, &r->taps[i], &taps[i], bases)) {
			pc_report_free(r);
			return NULL;
		}
	pc_report_stats.builds++;
	return r;
}

void pc_report_free(struct pc_report *r)
{
	int i, b;

	if (!r)
		return;
	for (i = 0; i < r->ntaps; i++) {
		free(r->taps[i].rows);
		free(r->taps[i].cls);
		for (b = 0; b < PC_BASIS_COUNT; b++) {
			free(r->taps[i].rank[b].e);
			free(r->taps[i].rank[b].sum);
		}
	}
	free(r->taps);
	free(r);
}

/* ---- built and rendered ---- */

int pc_report_emit(struct pc_emit *e, const struct pc_tap *taps, int ntaps, const struct pc_report_spec *s)
{
	struct pc_report_spec spec = *s;
	struct pc_report *r;
	int ret = 0;

	spec.views = (e->view != PC_VIEW_NONE ? 1u << e->view : 0) | (e->prom_file ? 1u << PC_VIEW_PROM : 0);
	e->prom_err = 0;
	if (!spec.views)
		return 0;
	r = pc_report_build(taps, ntaps, &spec);
	e->prom_err = e->prom_file ? (r ? pc_render_prom_file(e->prom_file, r) : -ENOMEM) : 0;
	if (e->view == PC_VIEW_NONE)
		ret = 0;
	else if (!r)
		ret = -ENOMEM;
	else if (e->view == PC_VIEW_PROM)
		ret = pc_render_prom(e->fd, r);
	else
		ret = pc_render_records(e->fd, r, e->view);
	pc_report_free(r);
	return ret;
}

int pc_write_prom_file(const char *path, const struct pc_tap *taps, int ntaps, const struct pc_out *out)
{
	struct pc_emit e = { -1, PC_VIEW_NONE, path, 0 };
	struct pc_report_spec s = { 0, 0, 0, 0, out };

	pc_report_emit(&e, taps, ntaps, &s);
	return e.prom_err;
}

int pc_print_event(int fd, const struct pc_tap *tap, const char *event, const char *from,
		   const char *reason, double wall)
{
	struct pc_report_id id = pc_report_id_of(tap);

	return pc_render_event(fd, &id, event, from, reason, wall);
}

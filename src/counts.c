// SPDX-License-Identifier: GPL-2.0
/*
 * A tap's counts between its back end and the report: the userspace taps'
 * way in (pc_tap_count()), an interval marked done, one tap's counts folded
 * into another's (src/counts.h).
 */
#include <string.h>

#include "counts.h"
#include "class.h"

void pc_tap_count(struct pc_tap *tap, const struct pc_frame *f)
{
	uint64_t bytes;
	unsigned int key;
	struct pc_bkey k;

	if (!pc_filter_pass(f))
		return;
	key = pc_classify(f->p, f->caplen, f->len, f->link, f->protocol, f->vlan_moved, f->outgoing, &bytes);
	tap->total[key].bytes += bytes;
	tap->total[key].packets++;
	pc_key_saw(tap, key);
	if (pc_classes.n)
		pc_classes_count(tap->cls, f, bytes, 1);
	if (tap->by == PC_BY_PROTO)
		return;
	pc_bkey_make(f->p, f->caplen, f->len, f->link, f->protocol, f->vlan_moved, f->outgoing, tap->by, &k);
	pc_entries_add(&tap->ent, &k, f->outgoing ? PC_DIR_TX : PC_DIR_RX, bytes, 1);
}

void pc_counts_mark(struct pc_counts *c, double now, double idle)
{
	unsigned int k;

	/* over the keys that ever counted only: the others' marks stay 0, as their counts */
	for (k = pc_counts_next(c, 0); k < PC_NKEYS; k = pc_counts_next(c, k + 1))
		c->prev[k] = c->total[k];
	if (pc_classes.n)
		memcpy(c->cls_prev, c->cls, pc_class_rows() * sizeof(c->cls[0]));
	c->prev_drops = c->drops;
	pc_entries_mark(&c->ent, now, idle);
}

static void add(struct pc_counter *dst, const struct pc_counter *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		dst[i].bytes += src[i].bytes;
		dst[i].packets += src[i].packets;
	}
}

void pc_counts_fold(struct pc_counts *dst, const struct pc_counts *src)
{
	add(dst->total, src->total, PC_NKEYS);
	add(dst->prev, src->prev, PC_NKEYS);
	for (size_t w = 0; w < sizeof(dst->seen) / sizeof(dst->seen[0]); w++)
		dst->seen[w] |= src->seen[w];
	add(dst->cls, src->cls, PC_CLASS_ROWS);
	add(dst->cls_prev, src->cls_prev, PC_CLASS_ROWS);
	pc_entries_fold(&dst->ent, &src->ent);
	dst->drops += src->drops;
	dst->prev_drops += src->prev_drops;
}

void pc_counts_free(struct pc_counts *c)
{
	pc_entries_free(&c->ent);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The breakdown table of one interface (--by; docs/counting.md,
 * "Breakdowns"): struct pc_bkey -> rx and tx counters since start, in an
 * open-addressing hash that grows by doubling.  At most max built keys get
 * an entry; after that a new key counts under the one overflow entry, so
 * the sum over the entries is always every frame counted.  Class entries
 * (a frame no key can be built for) and the overflow entry are fixed, not
 * held to max and never allocated: when memory runs out, a new key counts
 * under the overflow entry too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pktcount.h"

#define FIRST_SLOTS 64u

static uint32_t hash(const struct pc_bkey *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The slot holding k, or the empty one where it would go. */
static struct pc_entry *find(struct pc_entry *e, uint32_t cap, const struct pc_bkey *k)
{
	uint32_t i = hash(k) & (cap - 1);

	while (e[i].used && memcmp(&e[i].key, k, sizeof(*k)))
		i = (i + 1) & (cap - 1);
	return &e[i];
}

static int grow(struct pc_entries *t)
{
	uint32_t cap = t->cap ? 2 * t->cap : FIRST_SLOTS, i;
	struct pc_entry *e = calloc(cap, sizeof(*e));

	if (!e)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++)
		if (t->e[i].used)
			*find(e, cap, &t->e[i].key) = t->e[i];
	free(t->e);
	t->e = e;
	t->cap = cap;
	return 0;
}

void pc_entries_init(struct pc_entries *t, uint32_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
}

void pc_entries_free(struct pc_entries *t)
{
	free(t->e);
	t->e = NULL;
	t->cap = t->n = 0;
}

/*
 * The entry for k: class and overflow entries live in t->fixed, built keys
 * in the hash while there is room (max, and memory).  Never NULL: a key
 * without room gets the overflow entry.
 */
static struct pc_entry *entry(struct pc_entries *t, const struct pc_bkey *k, int *full)
{
	static const struct pc_bkey other = { .what = PC_BKEY_OTHER };
	struct pc_entry *e;

	if (k->what == PC_BKEY_CLASS && k->l3 < PC_L3_COUNT)
		e = &t->fixed[k->l3];
	else if (k->what == PC_BKEY_IDLE)
		e = &t->fixed[PC_FIXED_IDLE];
	else if (k->what != PC_BKEY_BUILT)
		e = &t->fixed[PC_FIXED_OTHER];
	else if (t->cap && (e = find(t->e, t->cap, k))->used)
		return e;
	else if (t->n < t->max && (2 * (t->n + 1) <= t->cap || grow(t) == 0)) {
		/* at most half full, so probes stay short */
		e = find(t->e, t->cap, k);
		t->n++;
	} else {
		*full = 1;
		k = &other;
		e = &t->fixed[PC_FIXED_OTHER];
	}
	if (!e->used) {
		e->key = *k;
		e->used = 1;
	}
	return e;
}

void pc_entries_add(struct pc_entries *t, const struct pc_bkey *k, enum pc_dir dir,
		    uint64_t bytes, uint64_t packets)
{
	int full = 0;
	struct pc_entry *e = entry(t, k, &full);

	e->c[dir].bytes += bytes;
	e->c[dir].packets += packets;
	if (full)
		t->overflow += packets;
}

const struct pc_entry *pc_entries_next(const struct pc_entries *t, uint32_t *i)
{
	const uint32_t nfixed = PC_NFIXED;

	for (; *i < nfixed + t->cap; (*i)++) {
		const struct pc_entry *e = *i < nfixed ? &t->fixed[*i] : &t->e[*i - nfixed];

		if (e->used) {
			(*i)++;
			return e;
		}
	}
	return NULL;
}

/* Whether built entry e has counted nothing for idle seconds (0: never idle). */
static int is_idle(const struct pc_entry *e, double now, double idle)
{
	return idle > 0 && e->used && now - e->active >= idle;
}

void pc_entries_mark(struct pc_entries *t, double now, double idle)
{
	static const struct pc_bkey idle_key = { .what = PC_BKEY_IDLE };
	struct pc_entry *e, *fresh, *sum = &t->fixed[PC_FIXED_IDLE];
	uint32_t i, gone = 0;
	int d;

	for (i = 0; i < PC_NFIXED; i++)
		memcpy(t->fixed[i].prev, t->fixed[i].c, sizeof(t->fixed[i].c));
	for (i = 0; i < t->cap; i++) {
		e = &t->e[i];
		if (!e->used)
			continue;
		if (memcmp(e->prev, e->c, sizeof(e->c)) || !e->active)
			e->active = now;
		memcpy(e->prev, e->c, sizeof(e->c));
		gone += (uint32_t)is_idle(e, now, idle);
	}
	/* open addressing has no holes: the ones that stay go into a fresh array (none: next time) */
	if (!gone || !(fresh = calloc(t->cap, sizeof(*fresh))))
		return;
	for (i = 0; i < t->cap; i++) {
		e = &t->e[i];
		if (!is_idle(e, now, idle)) {
			if (e->used)
				*find(fresh, t->cap, &e->key) = *e;
			continue;
		}
		/* what it counted goes on in the idle entry, reported already (prev too) */
		for (d = 0; d < PC_DIR_COUNT; d++) {
			sum->c[d].bytes += e->c[d].bytes;
			sum->c[d].packets += e->c[d].packets;
			sum->prev[d] = sum->c[d];
		}
	}
	sum->key = idle_key;
	sum->used = 1;
	free(t->e);
	t->e = fresh;
	t->n -= gone;
	t->retired += gone;
}

void pc_entries_fold(struct pc_entries *dst, const struct pc_entries *src)
{
	const struct pc_entry *s;
	uint32_t i = 0;
	int d;

	while ((s = pc_entries_next(src, &i))) {
		int full = 0;
		struct pc_entry *e = entry(dst, &s->key, &full);

		/* what src reported before stays reported: its prev comes along */
		for (d = 0; d < PC_DIR_COUNT; d++) {
			e->c[d].bytes += s->c[d].bytes;
			e->c[d].packets += s->c[d].packets;
			e->prev[d].bytes += s->prev[d].bytes;
			e->prev[d].packets += s->prev[d].packets;
		}
		if (full)
			dst->overflow += s->c[0].packets + s->c[1].packets;
	}
	dst->overflow += src->overflow;
}

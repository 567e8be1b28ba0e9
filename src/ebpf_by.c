// SPDX-License-Identifier: GPL-2.0
/*
 * Breakdowns in eBPF mode (--by; docs/counting.md, "Breakdowns"): the maps
 * the breakdown programs of insn/count.c count into (slots PC_MAP_BY_*,
 * include/pc_prog.h), and how their entries reach the interface's table
 * (src/entries.c) without losing one.
 *
 * The program counts into one of two hash maps, the one the control map's
 * gen names.  Before every read (each interval, at exit, when the interface
 * goes away) the loop flips gen on every tap (pc_ebpf_by_flip, the back
 * end's prepare step); the read then waits until PC_BY_GRACE_MS have passed
 * since its tap's flip and drains the map flipped out: walk it whole, then
 * lookup, add and delete each key.  A filter that read the old gen has long
 * finished by then (socket filters run with bottom halves off, to the end,
 * for microseconds), so no count can land between a lookup and its delete;
 * one that reads gen after the flip counts into the other map, drained at
 * the next read.
 *
 * Entries leave the kernel maps every interval, so the maps hold only what
 * one interval brings; when one is full, a new key counts in the overflow
 * slots after the protocol counters (the counters' map, keys
 * PC_MAP0_OVERFLOW + dir).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf.h"
#include "ebpf_by.h"

/* control map value (insn/count.c): the map counted into, the key, and which map is full */
struct ctl {
	uint32_t gen, by, full[2];
};

/* Kernel memory for both entry maps, whatever the number of CPUs (the cap). */
#define BY_MAP_BUDGET (16u << 20)
/* Entries a drain takes per bpf() call, where the kernel takes them in batches (5.6+). */
#define BY_BATCH 1024u
/* What a hash map element costs besides key and value (struct htab_elem, rounded up). */
#define BY_ELEM_OVERHEAD 48u

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int set_ctl(struct pc_tap *tap)
{
	struct pc_ebpf *e = tap->priv;
	const uint32_t zero = 0;
	/* the map counted into from now on was drained: not full */
	const struct ctl c = { e->by_gen, (uint32_t)tap->by, { 0, 0 } };

	return pc_bpf_map_update(PC_EBPF_BY_FD(e, PC_MAP_BY_CTL), &zero, &c, 0) < 0 ? -errno : 0;
}

int pc_ebpf_by_open(struct pc_tap *tap, struct pc_fail *why)
{
	struct pc_ebpf *e = tap->priv;
	uint32_t type = e->percpu ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH;
	size_t value = 2 * sizeof(struct pc_counter) * (size_t)e->ncpu;
	size_t elem = sizeof(struct pc_bkey) + value + BY_ELEM_OVERHEAD;
	uint32_t cap = tap->ent.max;
	int slot;

	if (cap > BY_MAP_BUDGET / 2 / elem)
		cap = (uint32_t)(BY_MAP_BUDGET / 2 / elem);
	e->by_cap = cap;
	e->by_gen = 0;
	e->by_flipped = now();
	memset(e->by_over_seen, 0, sizeof(e->by_over_seen));
	e->by_keys = calloc(cap, sizeof(struct pc_bkey));
	e->by_batch = cap < BY_BATCH ? cap : BY_BATCH;
	e->by_val = calloc(e->by_batch ? e->by_batch : 1, value);
	if (!e->by_keys || !e->by_val)
		return pc_fail(why, PC_EXIT_FAIL, "%s: %s", tap->name, strerror(ENOMEM));
	for (slot = PC_MAP_BY_CTL; slot <= PC_MAP_BY_GEN1; slot++) {
		int *fd = &PC_EBPF_BY_FD(e, slot);

		*fd = slot == PC_MAP_BY_CTL
		      ? pc_bpf_map_create(BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), sizeof(struct ctl), 1, "pktcount_ctl")
		      : pc_bpf_map_create(type, sizeof(struct pc_bkey), 2 * sizeof(struct pc_counter), cap,
					  "pktcount_by");
		if (*fd < 0)
			return pc_fail(why, errno == EPERM ? PC_EXIT_PRIV : PC_EXIT_FAIL,
				       "bpf(BPF_MAP_CREATE) for %s's breakdown (%u keys): %s (%s)", tap->name, cap,
				       strerror(errno), pc_errno_name(errno));
	}
	if (set_ctl(tap) < 0)
		return pc_fail(why, PC_EXIT_FAIL, "%s: writing the breakdown's control map: %s", tap->name,
			       strerror(errno));
	pc_log("%s: --by %s: two %s maps of %u keys, about %zu KiB of kernel memory", tap->name,
	       pc_by_name(tap->by), e->percpu ? "PERCPU_HASH" : "HASH", cap, 2 * (size_t)cap * elem >> 10);
	return PC_EXIT_OK;
}

void pc_ebpf_by_close(struct pc_tap *tap)
{
	struct pc_ebpf *e = tap->priv;
	int i;

	for (i = 0; i < 3; i++) {
		if (e->by_fds[i] >= 0)
			close(e->by_fds[i]);
		e->by_fds[i] = -1;
	}
	free(e->by_keys);
	free(e->by_val);
	e->by_keys = NULL;
	e->by_val = NULL;
}

/* One entry's value, every CPU's, both directions, into the table. */
static void take(struct pc_tap *tap, const struct pc_bkey *key, const struct pc_counter *v)
{
	struct pc_ebpf *e = tap->priv;
	int c, d;

	for (d = 0; d < PC_DIR_COUNT; d++) {
		struct pc_counter sum = { 0, 0 };

		for (c = 0; c < e->ncpu; c++) {
			sum.bytes += v[2 * c + d].bytes;
			sum.packets += v[2 * c + d].packets;
		}
		if (sum.packets)
			pc_entries_add(&tap->ent, key, (enum pc_dir)d, sum.bytes, sum.packets);
	}
}

/*
 * Every entry of map fd into the table, by_batch at a time, each deleted
 * as the kernel copies it (5.6+): a full map of 55,000 keys in 54 calls
 * instead of 165,000.  0, -errno, or 1 when this kernel has no such call.
 */
static int drain_batch(struct pc_tap *tap, int fd)
{
	struct pc_ebpf *e = tap->priv;
	const size_t vsize = 2 * sizeof(struct pc_counter) * (size_t)e->ncpu;
	uint32_t token = 0, n, i;
	int ret, first = 1;

	if (!pc_features[PC_F_TAKE_BATCH])
		return 1;
	do {
		n = e->by_batch;
		ret = pc_bpf_map_take_batch(fd, first, &token, e->by_keys, e->by_val, &n);
		if (ret < 0) {
			/* before 5.6: EINVAL; a map type without it: ENOTSUPP (524) */
			if (first && pc_features[PC_F_TAKE_BATCH] < 0 && (errno == EINVAL || errno == 524))
				return pc_features[PC_F_TAKE_BATCH] = 0, 1;
			return -errno;
		}
		pc_features[PC_F_TAKE_BATCH] = 1;
		first = 0;
		for (i = 0; i < n; i++)
			take(tap, &e->by_keys[i], (const struct pc_counter *)((const char *)e->by_val + i * vsize));
	} while (ret == 0);
	return 0;
}

/* Every entry of map fd into the table, each deleted once taken; 0 or -errno. */
static int drain(struct pc_tap *tap, int fd)
{
	struct pc_ebpf *e = tap->priv;
	/*
	 * No filter counts into it: walk it whole, then take what the walk
	 * found.  The walk starts from a key no entry has: a NULL key for "the
	 * first" came in 4.12, and 4.4 answers it EFAULT; a key not in the map
	 * gives the first on every kernel (htab_map_get_next_key).
	 */
	static const struct pc_bkey none = { .what = 0xff };
	uint32_t n, i;
	int ret = drain_batch(tap, fd);

	if (ret <= 0)
		return ret;
	for (n = 0; n < e->by_cap; n++)
		if (pc_bpf_map_next_key(fd, n ? &e->by_keys[n - 1] : &none, &e->by_keys[n]) < 0)
			break;
	if (n < e->by_cap && errno != ENOENT)
		return -errno;
	for (i = 0; i < n; i++) {
		if (pc_bpf_map_lookup(fd, &e->by_keys[i], e->by_val) < 0)
			return -errno;
		take(tap, &e->by_keys[i], e->by_val);
		if (pc_bpf_map_delete(fd, &e->by_keys[i]) < 0)
			return -errno;
	}
	return 0;
}

/* The overflow slots since the last read, into the table's overflow entry. */
static int overflow(struct pc_tap *tap)
{
	struct pc_ebpf *e = tap->priv;
	static const struct pc_bkey other = { .what = PC_BKEY_OTHER };
	const struct pc_counter *v = e->by_val;
	uint32_t key;
	int c;

	for (key = PC_MAP0_OVERFLOW; key < PC_MAP0_OVERFLOW + PC_DIR_COUNT; key++) {
		struct pc_counter sum = { 0, 0 }, *seen = &e->by_over_seen[key - PC_MAP0_OVERFLOW];

		if (pc_bpf_map_lookup(e->map_fd, &key, e->by_val) < 0)
			return -errno;
		for (c = 0; c < e->ncpu; c++) {
			sum.bytes += v[c].bytes;
			sum.packets += v[c].packets;
		}
		if (sum.packets > seen->packets) {
			pc_entries_add(&tap->ent, &other, (enum pc_dir)(key - PC_MAP0_OVERFLOW), sum.bytes - seen->bytes,
				       sum.packets - seen->packets);
			tap->ent.overflow += sum.packets - seen->packets;
			*seen = sum;
		}
	}
	return 0;
}

/* Until PC_BY_GRACE_MS after the last flip: no filter that read the old gen runs then. */
static void grace(const struct pc_tap *tap)
{
	const struct pc_ebpf *e = tap->priv;
	double left = e->by_flipped + PC_BY_GRACE_MS / 1000.0 - now();

	if (left > 0) {
		/* ppoll: the counting loop's seccomp list has it for waiting */
		const struct timespec ts = { 0, (long)(left * 1e9) };

		ppoll(NULL, 0, &ts, NULL);
	}
}

void pc_ebpf_by_flip(struct pc_tap *tap)
{
	struct pc_ebpf *e = tap->priv;
	e->by_gen ^= 1;
	e->by_flipped = now();
	if (set_ctl(tap) < 0)
		pc_err("%s: writing the breakdown's control map: %s; its entries wait", tap->name, strerror(errno));
}

int pc_ebpf_by_read(struct pc_tap *tap)
{
	struct pc_ebpf *e = tap->priv;
	int ret = overflow(tap);

	/* the map flipped out at the prepare step: once no filter can still be writing it */
	grace(tap);
	return ret ? ret : drain(tap, PC_EBPF_BY_FD(e, PC_MAP_BY_GEN(e->by_gen ^ 1)));
}

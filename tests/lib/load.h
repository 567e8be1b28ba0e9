/* SPDX-License-Identifier: GPL-2.0 */
/* Counting programs loaded with maps of their own, and those maps read. */
#ifndef PKTCOUNT_TEST_LOAD_H
#define PKTCOUNT_TEST_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "pc_key.h"
#include "prog/build.h"

/* A counting program with its own maps, loaded. */
struct loaded {
	int map_fd, prog_fd, percpu, ncpu;
	int ninsns;
	int by_fds[3];	/* a breakdown program's: control, entries 0 and 1 (of LOADED_BY_KEYS); else -1 */
};
#define LOADED_BY_KEYS 64

/*
 * A counting variant without classes; a breakdown copies headers where it
 * counts per CPU, as pc_variant_choose() makes it.
 */
struct pc_variant variant_of(enum pc_link link, enum pc_counters counters, enum pc_unit unit, int by, enum pc_attach at);
/* Its name as the kernel knows it (a static buffer) */
const char *variant_name(const struct pc_variant *v);
/*
 * Variant v built, linked with maps of its own and loaded (at tc: a
 * SCHED_CLS program); 0, or -errno with a message in err.
 */
int prog_load(const struct pc_variant *v, struct loaded *l, char *err, size_t errlen);
void prog_unload(struct loaded *l);
/* every key's counts, summed over CPUs */
int map_snapshot(const struct loaded *l, struct pc_counter *out);
/*
 * Keep this thread on the CPU it runs on: BPF_PROG_TEST_RUN then runs the
 * program there every time, so per-CPU "first packet" means "first packet".
 * Fails the test if the kernel refuses.
 */
void pin_to_this_cpu(void);
/* the program's new-key counter (PC_MAP0_NEWKEYS), summed over CPUs; -errno */
int64_t map_newkeys(const struct loaded *l);
/*
 * A breakdown program's entry map 0 emptied: how many entries it had, the
 * rx counts of them all summed over CPUs into *rx, the last key into *last
 * (when not NULL); -errno.
 */
int by_entries_take(const struct loaded *l, struct pc_counter *rx, struct pc_bkey *last);

#endif

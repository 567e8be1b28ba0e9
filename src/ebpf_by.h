/* SPDX-License-Identifier: GPL-2.0 */
/* Breakdowns in eBPF mode (src/ebpf_by.c), for the eBPF back end. */
#ifndef PKTCOUNT_EBPF_BY_H
#define PKTCOUNT_EBPF_BY_H

#include <stddef.h>

#include "pc_prog.h"
#include "pktcount.h"

/*
 * The eBPF counting state of one tap, first in the state (tap->priv) of
 * each mode that counts in eBPF: the socket's (src/ebpf.c), tc's (struct
 * pc_tc, src/tc.h) and pinned counters' (src/pin.c).
 */
struct pc_ebpf {
	int map_fd, prog_fd;
	unsigned int insns;	/* prog_fd's, as handed to the kernel */
	int percpu, ncpu;	/* per-CPU maps, and the CPUs their values are for */
	void *valbuf;		/* PC_NKEYS (or PC_CLASS_ROWS) values, ncpu counters each */
	uint32_t *keybuf;	/* as many keys, for batch reads */
	/* the protocol counters at the last read: totals grow by what they gained since */
	struct pc_counter seen[PC_NKEYS];
	/* the keys that counted, read while the new-key counter stays at newkeys */
#define PC_EBPF_RANGES 32
	struct pc_key_range {
		uint32_t start, end;
	} range[PC_EBPF_RANGES];
	uint32_t nranges;
	int ranges_known;	/* 0: read every key next */
	uint64_t newkeys;
	/* with classes: their map (pc_class_index()), and its counters at the last read */
	int cls_fd;
	struct pc_counter cls_seen[PC_CLASS_ROWS];
	/* --by */
	int by_fds[3];		/* the maps of slots PC_MAP_BY_CTL, _GEN0, _GEN1: PC_EBPF_BY_FD() */
	uint32_t by_gen, by_cap;	/* the entry map counted into; keys each holds */
	double by_flipped;	/* when by_gen last changed (CLOCK_MONOTONIC) */
	struct pc_counter by_over_seen[PC_DIR_COUNT];	/* the overflow slots at the last read */
	struct pc_bkey *by_keys;	/* by_cap keys, for a drain */
	void *by_val;		/* by_batch entries' values, every CPU's, for a drain */
	uint32_t by_batch;	/* entries a drain takes per call */
	char detail[64];	/* the program, for -v ("pc_eth_wire, 246 insns") */
	const char *unit_why;	/* why it counts in its unit, for -v */
};

/* The breakdown's map of slot (PC_MAP_BY_CTL, PC_MAP_BY_GEN(gen): include/pc_prog.h) in struct pc_ebpf E. */
#define PC_EBPF_BY_FD(E, SLOT) ((E)->by_fds[(SLOT) - PC_MAP_BY_CTL])
_Static_assert(PC_MAP_BY_GEN1 - PC_MAP_BY_CTL == 2, "by_fds holds the breakdown's three slots");

/* Shared by the socket's and tc's back ends (src/ebpf.c, src/tc.c); each a pc_exit, why filled. */
/* One line for a failed bpf() call on obj, into why; its pc_exit. */
int pc_ebpf_explain(struct pc_fail *why, const char *what, const char *obj, int err);
/*
 * A mode's state of size bytes, a struct pc_ebpf first: zeroed, every
 * descriptor -1, so that pc_ebpf_free() can take it at any step; NULL
 * without memory.  The mode sets tap->priv to it before the calls below.
 */
void *pc_ebpf_alloc(size_t size);
/* tap->priv's eBPF state (pc_ebpf_alloc()'s) counting per CPU or not: its buffers. */
int pc_ebpf_new(struct pc_tap *tap, int percpu, struct pc_fail *why);
/* The probe, then pc_ebpf_new() and the maps tap's counting program counts into. */
int pc_ebpf_setup(struct pc_tap *tap, struct pc_fail *why);
/* tap's counting variant at at, loaded as a program of type into *fd. */
int pc_ebpf_load(struct pc_tap *tap, enum pc_attach at, uint32_t type, int *fd, struct pc_fail *why);
/* Close what tap->priv's eBPF state holds, free tap->priv. */
void pc_ebpf_free(struct pc_tap *tap);
/* The back end's read and prepare (struct pc_backend): the maps into the totals. */
int pc_ebpf_read(struct pc_tap *tap);
void pc_ebpf_prepare(struct pc_tap *tap);

/* How long after a flip the map flipped out may still be counted into, at most. */
#define PC_BY_GRACE_MS 10

/* The control and entry maps of tap (percpu and ncpu set); a pc_exit, why filled. */
int pc_ebpf_by_open(struct pc_tap *tap, struct pc_fail *why);
/* Count into the other entry map from now on. */
void pc_ebpf_by_flip(struct pc_tap *tap);
/* The entries of the map flipped out into tap->ent (after the grace); 0 or -errno. */
int pc_ebpf_by_read(struct pc_tap *tap);
void pc_ebpf_by_close(struct pc_tap *tap);

#endif /* PKTCOUNT_EBPF_BY_H */

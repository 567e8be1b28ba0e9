/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The modes (src/modes.c): a row each, naming its back end, its probe, and
 * what the counting loop keeps for it once privileges are dropped.  A mode
 * is its back end's file and its row: the front end (src/taps.c), the
 * privilege drop (src/privs.c) and the seccomp list (src/seccomp.c) read
 * the rows, and none of them names a back end.
 */
#ifndef PKTCOUNT_MODES_H
#define PKTCOUNT_MODES_H

#include <stdint.h>

#include "pktcount.h"

/* What attaching to an interface again needs; src/privs.c makes capabilities of it. */
enum {
	PC_NEED_PACKET = 1 << 0,	/* AF_PACKET sockets: CAP_NET_RAW */
	PC_NEED_BPF = 1 << 1,		/* maps and socket filters: CAP_BPF where unprivileged bpf() is off */
	PC_NEED_BPF_ADMIN = 1 << 2,	/* SCHED_CLS programs and tcx links: CAP_BPF always */
	PC_NEED_NET_ADMIN = 1 << 3,	/* tc changes over rtnetlink (clsact filters): CAP_NET_ADMIN */
};

/* A bpf() command as a bit of pc_keep.bpf_cmds (every command pktcount uses is below 64). */
#define PC_BPF_CMD(cmd) (1ull << (cmd))

#define PC_KEEP_SYS_MAX 4

/*
 * What the counting loop keeps for a mode, or for every mode in use: it
 * attaches again when an interface comes back, so it keeps what an open
 * needs, and nothing more.
 */
struct pc_keep {
	unsigned int needs;		/* PC_NEED_* */
	uint64_t bpf_cmds;		/* bpf() commands seccomp lets through (PC_BPF_CMD) */
	unsigned int nsys;		/* system calls of its own, beyond the loop's (src/seccomp.c) */
	int sys[PC_KEEP_SYS_MAX];
};

/* How a row is chosen. */
enum {
	PC_ROW_ASKED = 1 << 0,	/* -m names it */
	PC_ROW_AUTO = 1 << 1,	/* auto tries it, in table order: the first whose probe passes, the next when a tap fails */
};

/* One mode. */
struct pc_mode_row {
	const char *name;		/* as -m takes it, --version lists it and -v says it */
	enum pc_mode id;
	const struct pc_backend *be;	/* NULL: not built into this pktcount, */
	const char *absent;		/* and why not */
	/* Whether this kernel counts so: PC_EXIT_OK, else the pc_exit with why filled (NULL: nothing to ask). */
	int (*probe)(struct pc_fail *why);
	/*
	 * Whether this mode counts tap whatever mode was asked (NULL: never):
	 * 1 or 0, or -1 with why filled when tap must not be opened at all.
	 */
	int (*claims)(const struct pc_tap *tap, struct pc_fail *why);
	unsigned int flags;		/* PC_ROW_* */
	const char *auto_why;		/* auto chose it without a fallback: why, for -v */
	struct pc_keep keep;
};

/* The table, in auto's order. */
extern const struct pc_mode_row pc_modes[];
extern const unsigned int pc_nmodes;

/* The row of mode id (NULL for PC_MODE_AUTO, which is a policy, not a row). */
const struct pc_mode_row *pc_mode_row(enum pc_mode id);
/* The row -m name means, or NULL (for "auto" too: a policy, not a row). */
const struct pc_mode_row *pc_mode_named(const char *name);
/* The row of back end be (every tap's be is one). */
const struct pc_mode_row *pc_mode_of(const struct pc_backend *be);
/* The row auto tries after m (NULL: its first), or NULL. */
const struct pc_mode_row *pc_mode_auto_next(const struct pc_mode_row *m);
/* What every mode auto may choose needs (PC_NEED_*), or the row of id's needs. */
unsigned int pc_mode_needs(enum pc_mode id);
/* -m's names as "auto, ebpf, classic, pcap or tc", or the built in ones as "ebpf classic tc". */
const char *pc_modes_asked_list(void);
const char *pc_modes_built_list(void);
/*
 * The row that counts tap whatever mode was asked into *m (left alone when
 * none does); a pc_exit, why filled when tap must not be opened.
 */
int pc_mode_claiming(const struct pc_tap *tap, const struct pc_mode_row **m, struct pc_fail *why);
/*
 * What the counting loop keeps: for mode, chosen for the interfaces to come,
 * and for the mode of every tap.
 */
struct pc_keep pc_modes_keep(const struct pc_mode_row *mode, const struct pc_tap *taps, int ntaps);

#endif /* PKTCOUNT_MODES_H */

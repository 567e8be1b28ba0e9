/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the front end's files share: the configuration, the counting loop's
 * state, the set of taps (src/taps.c) and link following (src/follow.c).
 */
#ifndef PKTCOUNT_FRONT_H
#define PKTCOUNT_FRONT_H

#include <poll.h>
#include <time.h>

#include "modes.h"
#include "options.h"
#include "output.h"
#include "pktcount.h"

/* What the counting loop works on. */
struct ctx {
	const struct pc_config *cfg;	/* frozen (src/options.h) */
	struct pc_tap *taps;
	int ntaps;
	const struct pc_mode_row *mode;	/* the mode chosen, for interfaces that come */
	int nl_fd;			/* link events, or -1 */
	int relist;			/* reading all links failed: try again */
	int ep;				/* the epoll set the loop waits on (src/main.c), or -1 */
	int ready_dirty;		/* taps came, went or moved: make it anew */
	int prom_failed;		/* a write of --prom-file failed: exit 1 at the end */
};

static inline double pc_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The taps (src/taps.c); those returning int return a pc_exit and say why. */

/* A tap for the interface pc_iface_lookup() found, at the end of *taps; why filled on failure. */
int pc_tap_append(struct pc_tap **taps, int *ntaps, const struct pc_tap *found, struct pc_fail *why);
/* A tap for the interface name, unless one counts it already; why filled on failure. */
int pc_tap_add(struct pc_tap **taps, int *ntaps, const char *name, struct pc_fail *why);
/* -a: a tap for every link there is now (one that vanished meanwhile is skipped). */
int pc_taps_add_all(struct pc_tap **taps, int *ntaps);
/* The interfaces asked for: -a, the n names, or (none) the default route's. */
int pc_taps_pick(struct pc_tap **taps, int *ntaps, int all, char *const names[], int n);
/* What the options say of every tap: promiscuous, the breakdown and its cap. */
void pc_tap_options(struct pc_tap *tap, const struct pc_config *cfg);
/* Open them all in mode (with -a, skipping any that vanished); attached after. */
int pc_taps_open(struct pc_tap *taps, int *ntaps, const struct pc_config *cfg, const struct pc_mode_row *mode);
/*
 * Open taps[idx[0..n)] in mode (chosen for -m asked) at once, codes[i] each
 * one's pc_exit (-1: not tried, after the first failed); not marked attached.
 */
void pc_taps_open_some(struct pc_tap *taps, const int *idx, int n, enum pc_mode asked,
		       const struct pc_mode_row *mode, int *codes);
/* Every attached tap closed, all at once; detached after. */
void pc_taps_close(struct pc_tap *taps, int ntaps);
/* Raise the soft open-file limit for n taps, as far as the hard one allows. */
void pc_fd_room(int n);
/*
 * The mode for every tap of ntaps: the one -m asked (cfg->mode), if built
 * in, its privilege there and its probe passing; auto, the first of its
 * modes whose probe passes (eBPF where the kernel has it, else classic).
 * Said why on failure; -v says what was chosen.
 */
int pc_choose_mode(const struct pc_config *cfg, int ntaps, const struct pc_mode_row **mode);
/*
 * Open a tap in mode (chosen for -m asked), or in the mode that claims it
 * (pinned); in auto mode a failure falls back to auto's next mode for it
 * (eBPF to classic).  What failed is said here: the back ends hand it back.
 */
int pc_tap_open(struct pc_tap *tap, enum pc_mode asked, const struct pc_mode_row *mode);
/* --check: the interface's counters at attach, and since then */
void pc_check_start(struct pc_tap *tap, int check);
void pc_check_read(struct pc_tap *tap);
void pc_check_update(struct pc_tap *tap, const struct pc_link_stats *st);

/* Take in the link events waiting on c->nl_fd; 0, or -errno from writing an event. */
int pc_follow_links(struct ctx *c);
/*
 * Read every link instead of the events, which were lost; a failure sets
 * c->relist for the loop to try again.  0, or -errno from writing an event.
 */
int pc_follow_rescan(struct ctx *c);

#endif /* PKTCOUNT_FRONT_H */

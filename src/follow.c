// SPDX-License-Identifier: GPL-2.0
/*
 * Interfaces that come, go and change names while pktcount counts: link
 * events from rtnetlink, and a reading of every link when events were lost.
 * A tap follows its device (the socket is bound to it by index); its name
 * is how the user and the output know it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "counts.h"
#include "front.h"
#include "output.h"
#include "par.h"
#include "pktcount.h"

/* An event line: on stderr always, and as a JSON record when that is the format. */
static int say_event(struct ctx *c, const struct pc_tap *tap, const char *event, const char *from,
		     const char *why)
{
	pc_err("%s: %s (%s)", tap->name, event, why);
	if (c->cfg->format != PC_FORMAT_JSON)
		return 0;
	return pc_print_event(STDOUT_FILENO, tap, event, from, why, pc_wall_now());
}

/*
 * --check: the counters an RTM_DELLINK carries, where they are more than the
 * last reading.  Counters only grow, so the larger is the truer; a veth's
 * rx counters are its peer's tx (veth_get_stats64), gone with the peer, and
 * read 0 there.
 */
static void check_final(struct pc_tap *tap, const struct pc_link_stats *st)
{
	struct pc_link_stats last = tap->k_now;

	pc_check_update(tap, st);
	if (tap->k_now.rx_packets < last.rx_packets || tap->k_now.rx_bytes < last.rx_bytes) {
		tap->k_now.rx_packets = last.rx_packets;
		tap->k_now.rx_bytes = last.rx_bytes;
	}
	if (tap->k_now.tx_packets < last.tx_packets || tap->k_now.tx_bytes < last.tx_bytes) {
		tap->k_now.tx_packets = last.tx_packets;
		tap->k_now.tx_bytes = last.tx_bytes;
	}
}

/*
 * The interface went away: what it counted is read now, while its socket
 * still holds what reached it, and the tap is marked for closing; its
 * RTM_DELLINK (ev, when there is one) carries its counters as they ended.
 * The closing itself waits for the kernel (src/par.c), so every tap a
 * burst of events detaches is closed at once, by detach_finish().
 */
static void detach_begin(struct pc_tap *tap, const struct pc_link_event *ev)
{
	int ret;

	if (tap->be->prepare)
		tap->be->prepare(tap);
	ret = tap->be->read(tap);
	if (ret < 0 && ret != -ENETDOWN)
		pc_err("reading the last counts of %s: %s", tap->name, strerror(-ret));
	if (ev && ev->have_stats)
		check_final(tap, &ev->stats);
	tap->attached = 0;
	tap->closing = 1;
	tap->gone = 1;
}

struct closing {
	struct pc_tap *taps;
	int *idx;
};

static void close_closing(void *arg, int i)
{
	struct closing *cl = arg;
	struct pc_tap *tap = &cl->taps[cl->idx[i]];

	tap->be->close(tap);
}

/*
 * Every tap detach_begin() marked: one wait for the frames still on their
 * way, their last reads, all closed at once, and a "detached" line each.
 */
static int detach_finish(struct ctx *c)
{
	struct closing cl = { c->taps, malloc((size_t)c->ntaps * sizeof(int)) };
	int i, n = 0, settle = 0, ret = 0;

	for (i = 0; i < c->ntaps; i++)
		if (c->taps[i].closing && c->taps[i].settle_ms > settle)
			settle = c->taps[i].settle_ms;
	/*
	 * Frames that reached a userspace ring just before the device went may
	 * still sit in a block the kernel hands over only at its retire timer
	 * (classic's TPACKET_V3), or in libpcap's buffer: the timer keeps
	 * running after the device is gone (packet_notifier() unhooks the
	 * socket, not the ring), so wait what the exit waits, once for all of
	 * them, and read again.
	 */
	if (settle) {
		struct timespec ts = { settle / 1000, (long)(settle % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	for (i = 0; i < c->ntaps; i++) {
		struct pc_tap *tap = &c->taps[i];
		int r;

		if (!tap->closing)
			continue;
		if (tap->settle_ms && (r = tap->be->read(tap)) < 0 && r != -ENETDOWN)
			pc_err("reading the last counts of %s: %s", tap->name, strerror(-r));
		if (tap->be->drops)
			tap->be->drops(tap);
		if (tap->be->park && tap->be->park(tap))
			tap->parked = 1;	/* kept for a device of its name in this batch (park_end()) */
		else if (cl.idx)
			cl.idx[n++] = i;
		else
			tap->be->close(tap);	/* no memory for the list: one after another */
	}
	pc_par_each(n, PC_PAR_CLOSE, close_closing, &cl);
	free(cl.idx);
	for (i = 0; i < c->ntaps; i++) {
		struct pc_tap *tap = &c->taps[i];

		if (!tap->closing)
			continue;
		tap->closing = 0;
		tap->gone = tap->parked;	/* a parked tap's close asks the device for nothing */
		tap->ifindex = 0;
		/* what the next attachment counts comes on top: the back ends add to the totals */
		/* the kernel's counters died with the device: keep them as last read */
		tap->k_before = tap->k_now;
		if (!ret)
			ret = say_event(c, tap, "detached", NULL, "the interface was deleted; totals kept");
	}
	return ret;
}

static struct pc_tap *tap_of_ifindex(struct ctx *c, int ifindex)
{
	for (int i = 0; i < c->ntaps; i++)
		if (c->taps[i].attached && c->taps[i].ifindex == ifindex)
			return &c->taps[i];
	return NULL;
}

/* The index of the detached tap of that name (not one still closing), or -1. */
static int detached_named(const struct ctx *c, const char *name)
{
	for (int i = 0; i < c->ntaps; i++)
		if (!c->taps[i].attached && !c->taps[i].closing && !strcmp(c->taps[i].name, name))
			return i;
	return -1;
}

/* Names whose interfaces may be counted again (or, with -a, for the first time). */
struct wanted {
	char (*name)[IF_NAMESIZE];
	int n, cap;
};

static void want(struct wanted *w, const char *name)
{
	for (int i = 0; i < w->n; i++)
		if (!strcmp(w->name[i], name))
			return;
	if (w->n == w->cap) {
		int cap = w->cap ? 2 * w->cap : 16;
		void *grown = realloc(w->name, (size_t)cap * sizeof(*w->name));

		if (!grown) {
			pc_err("%s: %s; will try when it changes next", name, strerror(ENOMEM));
			return;
		}
		w->name = grown;
		w->cap = cap;
	}
	snprintf(w->name[w->n++], IF_NAMESIZE, "%s", name);
}

/*
 * The tap for the interface that has the name now: a detached one of that
 * name, or (with -a) a new one at the end; its index, or -1 when the name
 * is gone again, or another tap counts the interface already (renamed: its
 * event is on the way).
 */
static int attach_slot(struct ctx *c, const char *name)
{
	struct pc_tap fresh, *tap;
	struct pc_fail why;
	int i;

	/* a name gone again (its deletion is on the way as an event) is no news */
	if (pc_iface_lookup(&fresh, name, &why) || tap_of_ifindex(c, fresh.ifindex))
		return -1;
	i = detached_named(c, name);
	if (i < 0) {
		if (!c->cfg->all)
			return -1;
		if (pc_tap_append(&c->taps, &c->ntaps, &fresh, &why)) {
			pc_fail_say(&why);
			return -1;
		}
		i = c->ntaps - 1;
		c->taps[i].fresh = 1;
	}
	tap = &c->taps[i];
	tap->gone = 0;
	tap->ifindex = fresh.ifindex;
	tap->arphrd = fresh.arphrd;
	tap->link = fresh.link;
	tap->attached = 1;	/* for tap_of_ifindex() while the others are found; opened below */
	pc_tap_options(tap, c->cfg);
	return i;
}

/* A tap that just opened: counting, and said (pcap: once its device is up). */
static int attached(struct ctx *c, struct pc_tap *tap)
{
	pc_check_start(tap, c->cfg->check);
	/* pcap opens a device that is down only when it comes up: "attached" says counting began */
	tap->unannounced = tap->nfds == 0 && tap->be->up;
	if (tap->unannounced)
		return 0;
	return say_event(c, tap, "attached", NULL, "the interface appeared; counting goes on from the totals");
}

/*
 * Attach every wanted name's interface, all at once (src/par.c).  A tap
 * that fails stays detached (a new one is dropped: nothing counted to keep)
 * and is tried again when its interface changes next.
 */
static int attach_wanted(struct ctx *c, struct wanted *w)
{
	int *idx = calloc((size_t)w->n + 1, 2 * sizeof(int)), *codes, n = 0, i, kept, ret = 0;

	if (!idx) {
		pc_err("attaching %d interfaces: %s; will try when they change next", w->n, strerror(ENOMEM));
		return 0;
	}
	codes = idx + w->n + 1;
	for (i = 0; i < w->n; i++)
		if ((idx[n] = attach_slot(c, w->name[i])) >= 0)
			n++;
	pc_fd_room(c->ntaps);
	pc_ring_size_default(c->cfg->ring_size, c->ntaps);
	pc_taps_open_some(c->taps, idx, n, c->cfg->mode, c->mode, codes);
	for (i = 0; i < n; i++) {
		struct pc_tap *tap = &c->taps[idx[i]];

		tap->attached = codes[i] == PC_EXIT_OK;
		if (codes[i] > 0)
			pc_err("%s: could not attach (exit code %d); will try when it changes next", tap->name, codes[i]);
		else if (!codes[i] && !ret)
			ret = attached(c, tap);
	}
	/* new taps that did not open: dropped, the others keep their order */
	for (i = 0, kept = 0; i < c->ntaps; i++) {
		if (c->taps[i].fresh && !c->taps[i].attached) {
			pc_entries_free(&c->taps[i].ent);
			continue;
		}
		c->taps[i].fresh = 0;
		c->taps[kept++] = c->taps[i];
	}
	c->ntaps = kept;
	free(idx);
	w->n = 0;
	return ret;
}

/* Fold what tap src counted into dst (src is then dropped by the caller). */
static void fold(struct pc_tap *dst, const struct pc_tap *src)
{
	pc_counts_fold(&dst->counts, &src->counts);
	/* --check: src's device is gone; its counters as they ended count among dst's earlier ones */
	dst->k_before.rx_packets += src->k_now.rx_packets;
	dst->k_before.tx_packets += src->k_now.tx_packets;
	dst->k_before.rx_bytes += src->k_now.rx_bytes;
	dst->k_before.tx_bytes += src->k_now.tx_bytes;
}

/*
 * A counted interface has a new name (ip link set X name Y; udev renames
 * eth0 to enx... at boot).  The socket is bound to the device, not the
 * name, so the tap follows the device and is reported under the new name.
 * A detached tap of that name is folded in: one name, one series, and it
 * never goes back.
 */
static int rename_tap(struct ctx *c, int t, const char *name)
{
	char old[IF_NAMESIZE], reason[64 + IF_NAMESIZE];
	int d = detached_named(c, name);

	memcpy(old, c->taps[t].name, sizeof(old));
	snprintf(reason, sizeof(reason), "renamed from %s; totals kept", old);
	if (d >= 0) {
		if (c->taps[d].parked)	/* its kept programs go with it */
			c->taps[d].be->close(&c->taps[d]);
		fold(&c->taps[t], &c->taps[d]);
		pc_entries_free(&c->taps[d].ent);
		memmove(&c->taps[d], &c->taps[d + 1], (size_t)(c->ntaps - d - 1) * sizeof(c->taps[0]));
		c->ntaps--;
		t -= t > d;
	}
	snprintf(c->taps[t].name, sizeof(c->taps[t].name), "%s", name);
	return say_event(c, &c->taps[t], "renamed", old, reason);
}

/* A link as the kernel has it now: from an event, or from a dump of all; one to attach goes into w. */
static int link_seen(struct ctx *c, const struct pc_link_event *ev, struct wanted *w)
{
	struct pc_tap *tap = tap_of_ifindex(c, ev->ifindex);
	int ret = 0;

	if (!tap) {
		if (detached_named(c, ev->name) >= 0 || c->cfg->all)
			want(w, ev->name);
		return 0;
	}
	if (strcmp(tap->name, ev->name))
		ret = rename_tap(c, (int)(tap - c->taps), ev->name);
	tap = tap_of_ifindex(c, ev->ifindex);
	if (!ret && ev->up && tap->be->up) {
		struct pc_fail why;

		if (tap->be->up(tap, &why)) {
			pc_fail_say(&why);
			pc_err("%s: %s: could not open it; tried again at its next change", tap->name, tap->be->name);
		}
		if (tap->unannounced && tap->nfds) {
			tap->unannounced = 0;
			ret = say_event(c, tap, "attached", NULL,
					"the interface appeared and came up; counting goes on from the totals");
		}
	}
	return ret;
}

/* The end of a batch: a parked tap whose name did not come back closes (its device is gone). */
static void park_end(struct ctx *c)
{
	for (int i = 0; i < c->ntaps; i++)
		if (c->taps[i].parked && !c->taps[i].attached) {
			c->taps[i].be->close(&c->taps[i]);
			c->taps[i].parked = 0;
			c->taps[i].gone = 0;
		}
}

/*
 * A batch of link changes, in two passes: the deleted interfaces first,
 * closed at once (detach_finish()), then every other change in order, the
 * interfaces to count collected and attached at once.  A deletion that
 * carries another name than the tap's was renamed first: the tap takes the
 * name it went away with, as it would have one event at a time.
 */
static int batch(struct ctx *c, const struct pc_link_event *ev, int n)
{
	struct wanted w = { NULL, 0, 0 };
	struct pc_tap *tap;
	int i, ret = 0, dying = 0;

	c->ready_dirty = 1;	/* taps may come, go and move; pcap opens its handles when a device comes up */

	for (i = 0; i < n && !ret; i++) {
		if (!ev[i].deleted || !(tap = tap_of_ifindex(c, ev[i].ifindex)))
			continue;
		if (strcmp(tap->name, ev[i].name))
			ret = rename_tap(c, (int)(tap - c->taps), ev[i].name);
		if ((tap = tap_of_ifindex(c, ev[i].ifindex))) {
			detach_begin(tap, &ev[i]);
			dying = 1;
		}
	}
	if (dying && !ret)
		ret = detach_finish(c);
	for (i = 0; i < n && !ret; i++)
		if (!ev[i].deleted)
			ret = link_seen(c, &ev[i], &w);
	if (!ret && w.n)
		ret = attach_wanted(c, &w);
	park_end(c);
	free(w.name);
	return ret;
}

/*
 * Link events were lost: the socket's buffer overflowed in a burst of
 * changes, or while pktcount was stopped.  What is queued is dropped and
 * all links are read instead: a tap whose interface is gone detaches, and
 * every link goes through link_seen() as an event would.  Events queued
 * after the dump are newer than it, so they are handled as usual after.
 */
int pc_follow_rescan(struct ctx *c)
{
	struct pc_link_event *links, ev[32];
	int n, i, j, partial, ret = 0, dying = 0;
	struct wanted w = { NULL, 0, 0 };

	while ((n = pc_nl_read_events(c->nl_fd, ev, 32)) > 0 || n == -ENOBUFS)
		;
	n = 0;
	partial = pc_nl_dump_links(&links, &n);
	if (partial < 0) {
		pc_err("link events were lost, and reading the links failed: %s; trying again next interval",
		       strerror(-partial));
		c->relist = 1;
		return 0;
	}
	c->relist = 0;
	c->ready_dirty = 1;	/* taps may come, go and move */
	pc_log("link events were lost: read all %d links again%s", n, partial ? " (a partial list)" : "");
	for (i = 0; i < c->ntaps; i++) {
		struct pc_tap *tap = &c->taps[i];

		for (j = 0; j < n && links[j].ifindex != tap->ifindex; j++)
			;
		/*
		 * Gone, or gone and back under its old index (its socket lost it).
		 * Absence from a partial list proves nothing.
		 */
		if (tap->attached && ((j == n && !partial) || (tap->be->bound && !tap->be->bound(tap)))) {
			detach_begin(tap, NULL);
			dying = 1;
		}
	}
	if (dying)
		ret = detach_finish(c);
	for (j = 0; j < n && !ret; j++)
		ret = link_seen(c, &links[j], &w);
	if (!ret && w.n)
		ret = attach_wanted(c, &w);
	park_end(c);
	free(w.name);
	free(links);
	return ret;
}

/* Events taken in at most this many at a time: a burst is one batch, and memory stays bounded. */
#define PC_EVENTS_BATCH 1024

int pc_follow_links(struct ctx *c)
{
	struct pc_link_event *ev = malloc(PC_EVENTS_BATCH * sizeof(*ev));
	int n = 0, got, ret = 0;

	if (!ev) {
		pc_err("reading link events: %s; trying again", strerror(ENOMEM));
		return 0;
	}
	do {
		got = pc_nl_read_events(c->nl_fd, ev + n, PC_EVENTS_BATCH - n);
		if (got > 0)
			n += got;
		if (n == PC_EVENTS_BATCH || (got <= 0 && n)) {
			ret = batch(c, ev, n);
			n = 0;
		}
	} while (!ret && got > 0);
	free(ev);
	if (!ret && got == -ENOBUFS)
		return pc_follow_rescan(c);
	if (!ret && got < 0 && got != -EINTR) {
		/* a socket that keeps failing stays readable: stop polling it, say so once */
		pc_err("reading link events: %s: interfaces that come and go are no longer followed",
		       strerror(-got));
		c->nl_fd = -1;
		c->ready_dirty = 1;
	}
	return ret;
}

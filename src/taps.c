// SPDX-License-Identifier: GPL-2.0
/*
 * The taps: the interfaces to count, the mode each is counted in, the
 * descriptors they need, and --check's reading of their own counters.
 */
#include <errno.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "front.h"
#include "modes.h"
#include "options.h"
#include "par.h"
#include "pktcount.h"

/* A tap for the interface pc_iface_lookup() found, at the end of *taps; a pc_exit, why filled. */
int pc_tap_append(struct pc_tap **taps, int *ntaps, const struct pc_tap *found, struct pc_fail *why)
{
	struct pc_tap *grown = realloc(*taps, (size_t)(*ntaps + 1) * sizeof(**taps)), *t;

	if (!grown)
		return pc_fail(why, PC_EXIT_FAIL, "interface %s: %s", found->name, strerror(ENOMEM));
	*taps = grown;
	t = &grown[(*ntaps)++];
	memset(t, 0, sizeof(*t));
	memcpy(t->name, found->name, sizeof(t->name));
	t->ifindex = found->ifindex;
	t->arphrd = found->arphrd;
	t->link = found->link;
	return PC_EXIT_OK;
}

int pc_tap_add(struct pc_tap **taps, int *ntaps, const char *name, struct pc_fail *why)
{
	struct pc_tap found;
	int code, i;

	memset(&found, 0, sizeof(found));
	code = pc_iface_lookup(&found, name, why);
	if (code)
		return code;
	for (i = 0; i < *ntaps; i++)
		if ((*taps)[i].ifindex == found.ifindex)
			return PC_EXIT_OK;	/* named twice: count once */
	return pc_tap_append(taps, ntaps, &found, why);
}

/*
 * Descriptors for n taps: up to four each (pcap: two sockets and libpcap's
 * two wake-up eventfds; eBPF: socket and map), and some to spare.  The soft
 * limit (1024 by default) is raised as far as the hard one allows, which
 * needs no privilege, and said: -a on a router with 600 interfaces needs it.
 */
void pc_fd_room(int n)
{
	static int said_hard;	/* the hard limit is said once, not at every attach */
	struct rlimit rl;
	rlim_t need = (rlim_t)n * 4 + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= need)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		if (!said_hard++)
			pc_err("%d interfaces need up to %llu descriptors; the hard limit is %llu (ulimit -Hn)",
			       n, (unsigned long long)need, (unsigned long long)rl.rlim_max);
		need = rl.rlim_max;
		if (rl.rlim_cur >= need)
			return;
	}
	/* room to grow: -a adds interfaces as they appear */
	if (rl.rlim_max == RLIM_INFINITY || need + need / 2 <= rl.rlim_max)
		need += need / 2;
	pc_err("raising the open-file limit from %llu to %llu for %d interfaces",
	       (unsigned long long)rl.rlim_cur, (unsigned long long)need, n);
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		pc_err("setrlimit(RLIMIT_NOFILE, %llu): %s", (unsigned long long)need, strerror(errno));
}

/* -a: every link there is now; one that vanishes meanwhile is skipped, said in a line. */
int pc_taps_add_all(struct pc_tap **taps, int *ntaps)
{
	struct pc_link_event *links;
	int n, i, code = pc_nl_dump_links(&links, &n);

	if (code < 0) {
		pc_err("listing interfaces (rtnetlink RTM_GETLINK): %s", strerror(-code));
		return PC_EXIT_FAIL;
	}
	for (i = 0, code = 0; i < n && !code; i++) {
		struct pc_fail why;

		code = pc_tap_add(taps, ntaps, links[i].name, &why);
		if (code == PC_EXIT_NOIFACE) {
			pc_err("%s; skipped: it vanished while pktcount started", why.msg);
			code = PC_EXIT_OK;
		} else if (code) {
			pc_fail_say(&why);
		}
	}
	free(links);
	if (!code && !*ntaps) {
		pc_err("no interface to count");
		code = PC_EXIT_NOIFACE;
	}
	return code;
}

/*
 * The mode asked for can count here at all: built into this pktcount, and
 * the privilege every mode it may be needs, said before anything else fails
 * (ebpf, classic, pcap, and so auto, open AF_PACKET sockets).  A pc_exit.
 */
static int mode_usable(enum pc_mode asked, const struct pc_mode_row *m)
{
	if (m && !m->be) {
		pc_err("mode %s is not built into this pktcount (built in: %s): %s", m->name, pc_modes_built_list(),
		       m->absent);
		return PC_EXIT_UNSUPPORTED;
	}
	if ((pc_mode_needs(asked) & PC_NEED_PACKET) && !pc_have_cap(CAP_NET_RAW)) {
		pc_err("missing CAP_NET_RAW, which packet sockets need: run as root, "
		       "or setcap cap_net_raw,cap_bpf+ep on the binary");
		return PC_EXIT_PRIV;
	}
	return PC_EXIT_OK;
}

/* Auto: the first of its modes (src/modes.c, in table order) whose probe passes; -v says why. */
static int choose_auto(const struct pc_mode_row **mode)
{
	struct pc_fail why = { 0, 0, "" }, now;
	const struct pc_mode_row *m;

	for (m = pc_mode_auto_next(NULL); m; m = pc_mode_auto_next(m)) {
		if (m->probe && m->probe(&now)) {
			why = now;
			continue;
		}
		if (why.code)
			pc_log("mode auto: %s, because %s", m->name, why.msg);
		else
			pc_log("mode auto: %s, %s", m->name, m->auto_why);
		*mode = m;
		return PC_EXIT_OK;
	}
	return pc_fail_say(&why);
}

int pc_choose_mode(const struct pc_config *cfg, int ntaps, const struct pc_mode_row **mode)
{
	const struct pc_mode_row *m = pc_mode_row(cfg->mode);
	struct pc_fail why = { 0, 0, "" };
	int code = mode_usable(cfg->mode, m);

	if (code)
		return code;
	if (!m) {
		if ((code = choose_auto(&m)))
			return code;
	} else if (m->probe && (code = m->probe(&why))) {
		return pc_fail_say(&why);
	} else {
		pc_log("mode %s: asked for", m->name);
	}
	if (m->be->begin)
		m->be->begin(cfg, ntaps);
	*mode = m;
	return PC_EXIT_OK;
}

/*
 * Auto mode counts tap in next instead, the mode before having failed as
 * why says.  Too large for its socket (src/optmem.c): classic's filter is
 * small and its classes are matched in userspace.  tc takes the program
 * uncharged, but auto never changes the interface's tc setup: said on every
 * run, since the counts move to classic's units and its drops.
 */
static void fall_back(const struct pc_tap *tap, const struct pc_mode_row *next, const struct pc_fail *why)
{
	if (why->optmem)
		pc_err("%s: counting in %s mode", why->msg, next->name);
	else
		pc_log("mode auto: %s: %s, because %s", tap->name, next->name, why->msg);
}

int pc_tap_open(struct pc_tap *tap, enum pc_mode asked, const struct pc_mode_row *mode)
{
	struct pc_fail why = { 0, 0, "" };
	const struct pc_mode_row *m = mode, *next;
	int code = pc_mode_claiming(tap, &m, &why), fallback;

	if (code)
		return pc_fail_say(&why);
	/* a tap another mode claims (pinned: read, not attached to) has no fallback */
	fallback = asked == PC_MODE_AUTO && m == mode;
	/* parked by a back end other than the one opening it: its kept state goes */
	if (tap->parked && tap->be != m->be) {
		tap->be->close(tap);
		tap->parked = 0;
	}
	for (;;) {
		tap->be = m->be;
		why.code = why.optmem = 0;
		if (!(code = m->be->open(tap, &why)))
			return PC_EXIT_OK;
		/* gone: no other mode would find it either */
		if (!fallback || code == PC_EXIT_NOIFACE || !(next = pc_mode_auto_next(m)))
			return pc_fail_say(&why);
		fall_back(tap, next, &why);
		m = next;
	}
}

/* --check: the interface's counters now, as the start of what it is compared with */
void pc_check_start(struct pc_tap *tap, int check)
{
	int ret;

	if (!check)
		return;
	ret = pc_nl_link_stats(tap->ifindex, &tap->k_at_attach, tap->kind);
	tap->check = ret == 0;
	/*
	 * A NIC's driver counts the frames on its wire: each segment it made of
	 * a TSO skb (ixgbe, ice, mlx5 add gso_segs to tx_packets), each frame
	 * before GRO merged them.  A virtual device (veth, bridge, tun: it has a
	 * link kind) and lo count the skbs that pass them, a GSO skb as one.
	 */
	tap->k_unit = tap->kind[0] || tap->arphrd == ARPHRD_LOOPBACK ? PC_UNIT_SKB : PC_UNIT_WIRE;
	if (ret < 0)
		pc_err("%s: reading its own counters (IFLA_STATS64, 2.6.35+): %s; no --check for it",
		       tap->name, strerror(-ret));
	tap->k_now = tap->k_before;
}

/* --check: the interface's counters st, as counted since pktcount began counting it */
void pc_check_update(struct pc_tap *tap, const struct pc_link_stats *st)
{
	if (!tap->check)
		return;
	tap->k_now.rx_packets = tap->k_before.rx_packets + st->rx_packets - tap->k_at_attach.rx_packets;
	tap->k_now.tx_packets = tap->k_before.tx_packets + st->tx_packets - tap->k_at_attach.tx_packets;
	tap->k_now.rx_bytes = tap->k_before.rx_bytes + st->rx_bytes - tap->k_at_attach.rx_bytes;
	tap->k_now.tx_bytes = tap->k_before.tx_bytes + st->tx_bytes - tap->k_at_attach.tx_bytes;
}

/* --check: read the interface's counters now */
void pc_check_read(struct pc_tap *tap)
{
	struct pc_link_stats st;
	int ret;

	if (!tap->check)
		return;
	ret = pc_nl_link_stats(tap->ifindex, &st, NULL);
	if (ret < 0) {
		pc_log("%s: reading its own counters: %s", tap->name, strerror(-ret));
		return;
	}
	pc_check_update(tap, &st);
}

/* The interfaces asked for: -a, names, or the default route's; a pc_exit. */
int pc_taps_pick(struct pc_tap **taps, int *ntaps, int all, char *const names[], int n)
{
	char name[IF_NAMESIZE];
	int code = PC_EXIT_OK, i;
	struct pc_fail why;

	if (all)
		return pc_taps_add_all(taps, ntaps);
	if (n == 0 && (code = pc_iface_default(name, sizeof(name))))
		return code;
	if (n == 0)
		return pc_tap_add(taps, ntaps, name, &why) ? pc_fail_say(&why) : PC_EXIT_OK;
	for (i = 0; !code && i < n; i++)
		code = pc_tap_add(taps, ntaps, names[i], &why);
	return code ? pc_fail_say(&why) : PC_EXIT_OK;
}

void pc_tap_options(struct pc_tap *tap, const struct pc_config *cfg)
{
	tap->cfg = cfg;
	tap->promisc = cfg->promisc;
	tap->by = cfg->by;
	/* a tap attached again keeps its table, and the cap it was made with */
	if (!tap->ent.max)
		tap->ent.max = cfg->max_keys;
}

/* Opening taps[idx[i]] for every i, from several threads (src/par.c). */
struct open_job {
	struct pc_tap *taps;
	const int *idx;
	enum pc_mode asked;
	const struct pc_mode_row *mode;
	int *codes;
};

static void open_one(void *arg, int i)
{
	struct open_job *j = arg;

	j->codes[i] = pc_tap_open(&j->taps[j->idx[i]], j->asked, j->mode);
}

/*
 * Open taps[idx[0..n)] in mode, all at once (src/par.c: each waits for
 * grace periods, not work); codes[i] is each one's pc_exit.  The first is
 * opened alone: what fails for one tap (a verifier, a privilege, a kernel
 * feature) fails for all, and is said once, not n times.
 */
void pc_taps_open_some(struct pc_tap *taps, const int *idx, int n, enum pc_mode asked,
		       const struct pc_mode_row *mode, int *codes)
{
	struct open_job j = { taps, idx + 1, asked, mode, codes + 1 };

	if (n <= 0)
		return;
	codes[0] = pc_tap_open(&taps[idx[0]], asked, mode);
	if (codes[0] && codes[0] != PC_EXIT_NOIFACE) {
		for (int i = 1; i < n; i++)
			codes[i] = -1;	/* not tried */
		return;
	}
	pc_par_each(n - 1, PC_PAR_OPEN, open_one, &j);
}

/*
 * Open every tap in mode; with -a, one whose interface vanished since it
 * was listed is dropped with a line (its deletion is on the way as an
 * event) and the others are counted.  A pc_exit; open taps are attached.
 */
int pc_taps_open(struct pc_tap *taps, int *ntaps, const struct pc_config *o, const struct pc_mode_row *mode)
{
	int *idx = malloc(2 * (size_t)*ntaps * sizeof(int)), *codes, code = PC_EXIT_OK, i, kept = 0;

	if (!idx) {
		pc_err("opening %d taps: %s", *ntaps, strerror(ENOMEM));
		return PC_EXIT_FAIL;
	}
	codes = idx + *ntaps;
	pc_fd_room(*ntaps);
	pc_ring_size_default(o->ring_size, *ntaps);
	for (i = 0; i < *ntaps; i++) {
		idx[i] = i;
		pc_tap_options(&taps[i], o);
	}
	pc_taps_open_some(taps, idx, *ntaps, o->mode, mode, codes);
	for (i = 0; i < *ntaps; i++) {
		if (codes[i] == PC_EXIT_NOIFACE && o->all) {
			pc_err("%s: skipped: it vanished while pktcount started", taps[i].name);
			continue;
		}
		if (codes[i] && !code)
			code = codes[i];
		taps[kept] = taps[i];
		taps[kept].attached = codes[i] == PC_EXIT_OK;
		if (!codes[i])
			pc_check_start(&taps[kept], o->check);
		kept++;
	}
	*ntaps = kept;
	free(idx);
	return code;
}

/* Closing taps[i] for every attached i, from several threads. */
static void close_one(void *arg, int i)
{
	struct pc_tap *tap = &((struct pc_tap *)arg)[i];

	if (tap->attached)
		tap->be->close(tap);
	tap->attached = 0;
}

/* Every attached tap let go of, all at once (src/par.c): the exit waits a few grace periods, not n. */
void pc_taps_close(struct pc_tap *taps, int ntaps)
{
	pc_par_each(ntaps, PC_PAR_CLOSE, close_one, taps);
}

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
#include "options.h"
#include "par.h"
#include "pktcount.h"
#include "pin.h"

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
	t->sock = -1;
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

/* The mode for every tap: eBPF where the kernel has it, else (auto) classic. */
int pc_choose_backend(enum pc_mode mode, const struct pc_backend **be)
{
	struct pc_fail why = { 0, 0, "" };
	int code;

	switch (mode) {
	case PC_MODE_CLASSIC:
		pc_log("mode classic: asked for");
		*be = &pc_classic_backend;
		return PC_EXIT_OK;
#ifdef PC_HAVE_PCAP
	case PC_MODE_PCAP:
		pc_log("mode pcap: asked for");
		*be = &pc_pcap_backend;
		return PC_EXIT_OK;
#endif
	case PC_MODE_EBPF:
	case PC_MODE_TC:	/* the same programs, at tc: the same probe */
		code = pc_ebpf_probe(&why);
		if (code)
			return pc_fail_say(&why);
		*be = mode == PC_MODE_TC ? &pc_tc_backend : &pc_ebpf_backend;
		pc_log("mode %s: asked for", (*be)->name);
		return PC_EXIT_OK;
	case PC_MODE_AUTO:
		code = pc_ebpf_probe(&why);
		if (code) {
			pc_log("mode auto: classic, because %s", why.msg);
			*be = &pc_classic_backend;
		} else {
			pc_log("mode auto: ebpf, the kernel counts in eBPF");
			*be = &pc_ebpf_backend;
		}
		return PC_EXIT_OK;
	default:
		return PC_EXIT_UNSUPPORTED;	/* refused in main() already */
	}
}

/*
 * Open a tap; in auto mode an eBPF failure falls back to classic for it.
 * What failed is said here: the back ends hand it back unsaid.
 */
int pc_tap_open(struct pc_tap *tap, enum pc_mode mode, const struct pc_backend *be)
{
	struct pc_fail why = { 0, 0, "" };
	int code, pinned = pc_tc_pinned_here(tap);

	if (pinned && tap->cfg->persist) {
		if ((code = pc_tc_persist_refused(tap, &why)))
			return pc_fail_say(&why);
		pinned = 0;	/* gone meanwhile */
	}
	/* parked by a back end other than the one opening it: its kept state goes */
	if (tap->parked && tap->be != (pinned ? &pc_pinned_backend : be)) {
		tap->be->close(tap);
		tap->parked = 0;
	}
	/* counted with no process since a --persist: read that, attach nothing */
	tap->be = pinned ? &pc_pinned_backend : be;
	code = tap->be->open(tap, &why);
	/* gone: no other mode would find it either */
	if (code == PC_EXIT_OK || pinned || mode != PC_MODE_AUTO || be != &pc_ebpf_backend ||
	    code == PC_EXIT_NOIFACE)
		return code ? pc_fail_say(&why) : code;
	/*
	 * Too large for its socket (src/optmem.c): classic's filter is small
	 * and its classes are matched in userspace.  tc takes the program
	 * uncharged, but auto never changes the interface's tc setup: said on
	 * every run, since the counts move to classic's units and its drops.
	 */
	if (why.optmem)
		pc_err("%s: counting in classic mode", why.msg);
	else
		pc_log("mode auto: %s: classic, because %s", tap->name, why.msg);
	tap->be = &pc_classic_backend;
	memset(&why, 0, sizeof(why));
	code = tap->be->open(tap, &why);
	return code ? pc_fail_say(&why) : code;
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
	enum pc_mode mode;
	const struct pc_backend *be;
	int *codes;
};

static void open_one(void *arg, int i)
{
	struct open_job *j = arg;

	j->codes[i] = pc_tap_open(&j->taps[j->idx[i]], j->mode, j->be);
}

/*
 * Open taps[idx[0..n)] in mode be, all at once (src/par.c: each waits for
 * grace periods, not work); codes[i] is each one's pc_exit.  The first is
 * opened alone: what fails for one tap (a verifier, a privilege, a kernel
 * feature) fails for all, and is said once, not n times.
 */
void pc_taps_open_some(struct pc_tap *taps, const int *idx, int n, enum pc_mode mode,
		       const struct pc_backend *be, int *codes)
{
	struct open_job j = { taps, idx + 1, mode, be, codes + 1 };

	if (n <= 0)
		return;
	codes[0] = pc_tap_open(&taps[idx[0]], mode, be);
	if (codes[0] && codes[0] != PC_EXIT_NOIFACE) {
		for (int i = 1; i < n; i++)
			codes[i] = -1;	/* not tried */
		return;
	}
	pc_par_each(n - 1, PC_PAR_OPEN, open_one, &j);
}

/*
 * Open every tap in mode be; with -a, one whose interface vanished since it
 * was listed is dropped with a line (its deletion is on the way as an
 * event) and the others are counted.  A pc_exit; open taps are attached.
 */
int pc_taps_open(struct pc_tap *taps, int *ntaps, const struct pc_config *o, const struct pc_backend *be)
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
	pc_taps_open_some(taps, idx, *ntaps, o->mode, be, codes);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * The pcap back end: the baseline every other tool stands on.  libpcap
 * copies frames to userspace and the userspace classifier counts them.
 *
 * libpcap reports no direction per frame, so each interface gets two
 * handles, one per pcap_setdirection() direction.  libpcap sorts the
 * directions in userspace, after the kernel copied every frame into both
 * rings: pcap mode pays two copies a frame, as `tcpdump -Q in` plus `-Q out`
 * would.  (A kernel filter on SKF_AD_PKTTYPE would spare the second copy,
 * but after pcap_setfilter() libpcap re-runs the filter in userspace on the
 * first frames, its interpreter has no SKF_AD loads, and those frames would
 * be lost.)  The snaplen is PC_CLASSIC_SNAP_EXT, enough for the IPv6
 * extension-header walk, so frames up to that size are copied whole, as
 * libpcap tools do.  libpcap puts a tag the kernel moved out back into the
 * frame and adds 4 to its length, so the classifier sees it in-band.
 *
 * One libpcap behaviour shows in the counts: on lo it drops the outgoing
 * copy of every packet (it would otherwise see each twice), so pcap mode
 * counts lo's packets as rx only.
 */
#include <errno.h>
#include <net/if_arp.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pktcount.h"

#define PCAP_TIMEOUT_MS 10
/*
 * libpcap (pcap-linux.c, create_ring) makes a TPACKET_V3 ring of 256 KiB
 * blocks (its MAXIMUM_SNAPLEN "frame"), rounding the buffer size up to whole
 * blocks.  A ring of one block freezes whenever the block is full or timed
 * out until libpcap gives it back, dropping what comes meanwhile: each
 * handle gets at least two.
 */
#define PCAP_BUFFER_MIN (2 * (256 << 10))

/* --ring-size, per handle: each handle gets a copy of every frame */
/* The pcap back end's state of a tap (tap->priv). */
struct pcap_tap {
	pcap_t *h[2];		/* a handle per direction: rx, tx */
	uint64_t drops_seen[2];	/* each handle's pcap_stats() drops at the last read */
};

static struct pcap_tap *P(struct pc_tap *tap)
{
	return tap->priv;
}

static int pcap_buffer_size(const struct pc_tap *tap)
{
	size_t size = pc_ring_size(tap);

	return size < PCAP_BUFFER_MIN ? PCAP_BUFFER_MIN : (int)size;
}

struct dispatch {
	struct pc_tap *tap;
	int outgoing;
	int dlt;
};

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *p)
{
	struct dispatch *d = (struct dispatch *)user;
	struct pc_frame f = {
		.p = p, .caplen = h->caplen, .len = h->len, .link = PC_LINK_ETH, .outgoing = d->outgoing,
		.pkttype = d->outgoing ? PC_PACKET_OUTGOING : 0, .ifindex = d->tap->ifindex, .from_pcap = 1,
	};

	if (d->dlt == DLT_LINUX_SLL) {
		/* cooked: 16-byte header, protocol at 14, then the network header */
		f.protocol = h->caplen >= 16 ? (uint16_t)(p[14] << 8 | p[15]) : 0;
		f.pkttype = h->caplen >= 2 ? p[0] << 8 | p[1] : f.pkttype;
		f.p = p + 16;
		f.caplen = h->caplen >= 16 ? h->caplen - 16 : 0;
		f.len = h->len >= 16 ? h->len - 16 : 0;
		f.link = PC_LINK_RAW;
	} else if (d->dlt == DLT_RAW) {
		/* tun, wireguard, raw-IP modems: libpcap gives no protocol, the version nibble tells */
		unsigned int v = h->caplen ? p[0] >> 4 : 0;

		f.protocol = v == 4 ? PC_ETHERTYPE_IPV4 : v == 6 ? PC_ETHERTYPE_IPV6 : 0;
		f.link = PC_LINK_RAW;
	}
	pc_tap_count(d->tap, &f);
}

static int pcap_drain(struct pc_tap *tap)
{
	int dir;

	for (dir = 0; dir < 2 && P(tap)->h[dir]; dir++) {
		struct dispatch d = { tap, dir, pcap_datalink(P(tap)->h[dir]) };

		/* bounded: a flood must not keep the loop from its deadline or a signal */
		if (pcap_dispatch(P(tap)->h[dir], PC_DRAIN_MAX, on_frame, (u_char *)&d) >= 0)
			continue;
		/*
		 * libpcap fails a read when the interface went down or away ("The
		 * interface disappeared", plain PCAP_ERROR); its link event is on
		 * the way (detach, or up again), so that is no error of ours.
		 */
		if (!pc_iface_up(tap->ifindex))
			return -ENETDOWN;
		pc_err("pcap_dispatch on %s: %s", tap->name, pcap_geterr(P(tap)->h[dir]));
		return -EIO;
	}
	return 0;
}

static int pcap_drops(struct pc_tap *tap)
{
	int dir;

	for (dir = 0; dir < 2 && P(tap)->h[dir]; dir++) {
		struct pcap_stat st;

		if (pcap_stats(P(tap)->h[dir], &st) < 0) {
			pc_err("pcap_stats on %s: %s", tap->name, pcap_geterr(P(tap)->h[dir]));
			return -EIO;
		}
		/* 32-bit and cumulative in libpcap (its #1733): good for 4 G drops a handle */
		if (st.ps_drop > P(tap)->drops_seen[dir])
			tap->drops += st.ps_drop - P(tap)->drops_seen[dir];
		P(tap)->drops_seen[dir] = st.ps_drop;
	}
	return 0;
}

/* Both handles closed: the interface went down, or the tap closes. */
static void close_handles(struct pc_tap *tap)
{
	int dir;

	for (dir = 0; dir < 2; dir++) {
		if (P(tap)->h[dir])
			pcap_close(P(tap)->h[dir]);
		P(tap)->h[dir] = NULL;
	}
	tap->nfds = 0;
}

static void pcap_close_tap(struct pc_tap *tap)
{
	if (!tap->priv)
		return;
	close_handles(tap);
	free(tap->priv);
	tap->priv = NULL;
}

/* One direction's handle: activated, non-blocking; a pc_exit, why filled, or -1: the interface is down. */
static int open_handle(struct pc_tap *tap, int outgoing, struct pc_fail *why)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	int ret, fd;

	/* a new handle's stats start at 0 */
	P(tap)->drops_seen[outgoing] = 0;
	p = P(tap)->h[outgoing] = pcap_create(tap->name, errbuf);
	if (!p)
		return pc_fail(why, PC_EXIT_FAIL, "pcap_create on %s: %s", tap->name, errbuf);
	/*
	 * Not immediate mode: libpcap then takes a TPACKET_V3 ring whose blocks
	 * are handed over when full or PCAP_TIMEOUT_MS after their first frame.
	 */
	if (pcap_set_snaplen(p, PC_CLASSIC_SNAP_EXT) || pcap_set_promisc(p, tap->promisc) ||
	    pcap_set_timeout(p, PCAP_TIMEOUT_MS) || pcap_set_buffer_size(p, pcap_buffer_size(tap)))
		return pc_fail(why, PC_EXIT_FAIL, "pcap settings on %s: %s", tap->name, pcap_geterr(p));
	ret = pcap_activate(p);
	if (ret == PCAP_ERROR_IFACE_NOT_UP)
		return -1;	/* the caller waits for it to come up */
	if (ret < 0)
		return pc_fail(why, ret == PCAP_ERROR_PERM_DENIED ? PC_EXIT_PRIV : ret == PCAP_ERROR_NO_SUCH_DEVICE ?
			       PC_EXIT_NOIFACE : PC_EXIT_FAIL, "pcap_activate on %s: %s", tap->name, pcap_geterr(p));
	/* whatever libpcap chose for the device: Ethernet, raw IP, or cooked */
	if (pcap_datalink(p) != DLT_EN10MB && pcap_datalink(p) != DLT_RAW && pcap_datalink(p) != DLT_LINUX_SLL)
		return pc_fail(why, PC_EXIT_UNSUPPORTED, "pcap on %s: link type %s is not one pcap mode reads (EN10MB, "
			       "RAW, LINUX_SLL)", tap->name, pcap_datalink_val_to_name(pcap_datalink(p)));
	if (pcap_setdirection(p, outgoing ? PCAP_D_OUT : PCAP_D_IN) < 0)
		return pc_fail(why, PC_EXIT_UNSUPPORTED, "pcap_setdirection on %s: %s", tap->name, pcap_geterr(p));
	if (pcap_setnonblock(p, 1, errbuf) < 0)
		return pc_fail(why, PC_EXIT_FAIL, "pcap_setnonblock on %s: %s", tap->name, errbuf);
	fd = pcap_get_selectable_fd(p);
	if (fd < 0)
		return pc_fail(why, PC_EXIT_FAIL, "pcap on %s: no descriptor to poll", tap->name);
	tap->fds[tap->nfds++] = fd;
	return PC_EXIT_OK;
}

/*
 * libpcap refuses an interface that is down (pcap-linux.c: the bind leaves
 * ENETDOWN in SO_ERROR, and activation fails PCAP_ERROR_IFACE_NOT_UP), where
 * a packet socket of our own simply starts receiving once it is up.  Such a
 * tap counts nothing (a down interface carries nothing) until its link event
 * says it is up, and opens then: frames in the moment between the interface
 * coming up and the handles opening are not seen.
 */
static int pcap_up(struct pc_tap *tap, struct pc_fail *why)
{
	int code = PC_EXIT_OK, dir;

	for (dir = 0; dir < 2 && !code; dir++)
		if (!P(tap)->h[dir])
			code = open_handle(tap, dir, why);
	if (code)
		close_handles(tap);
	if (code < 0)
		pc_log("%s: pcap: down; opened when it comes up", tap->name);
	return code < 0 ? PC_EXIT_OK : code;
}

static int pcap_open_tap(struct pc_tap *tap, struct pc_fail *why)
{
	char detail[128];
	const char *unit_why;
	int code;

	tap->nfds = 0;
	/* 4 bytes short: a class runs on a received frame without the tag libpcap put back */
	if ((code = pc_classes_fit(PC_CLASSIC_SNAP_EXT - 4, "pcap", why)))
		return code;
	tap->priv = calloc(1, sizeof(struct pcap_tap));
	if (!tap->priv)
		return pc_fail(why, PC_EXIT_FAIL, "%s: %s", tap->name, strerror(ENOMEM));
	code = pcap_up(tap, why);
	if (code) {
		pcap_close_tap(tap);
		return code;
	}
	tap->settle_ms = 2 * PCAP_TIMEOUT_MS;
	snprintf(detail, sizeof(detail), "%s, snaplen %d, buffer 2x%d KiB", pcap_lib_version(), PC_CLASSIC_SNAP_EXT,
		 pcap_buffer_size(tap) >> 10);
	/* the baseline counts what libpcap hands over: an skb is a packet */
	tap->unit = PC_UNIT_SKB;
	unit_why = "pcap mode counts what libpcap sees, the baseline";
	pc_log("%s: pcap (%s); counts in skb units: %s", tap->name, detail, unit_why);
	return PC_EXIT_OK;
}

/* A rescan (src/follow.c): libpcap's descriptor is its packet socket, which lost its device with the device. */
static int pcap_bound(const struct pc_tap *tap)
{
	return !tap->nfds || pc_sock_bound_to(tap->fds[0], tap->ifindex);
}

const struct pc_backend pc_pcap_backend = {
	.name = "pcap",
	.open = pcap_open_tap,
	.read = pcap_drain,
	.drain = pcap_drain,
	.read_when_ready = 1,
	.drops = pcap_drops,
	.close = pcap_close_tap,
	.up = pcap_up,
	.bound = pcap_bound,
};

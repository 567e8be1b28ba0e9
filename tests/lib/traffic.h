/* SPDX-License-Identifier: GPL-2.0 */
/* Frames a test sends out of an interface, and a socket of its own counting what arrives. */
#ifndef PKTCOUNT_TEST_TRAFFIC_H
#define PKTCOUNT_TEST_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Known traffic out of one interface, for in_netns(): udp 60-byte IPv4 UDP
 * frames, then arp 42-byte ARP requests, gap_us apart; frames to a MAC no
 * one owns, so nothing answers.  Returns 0 or a code naming the failure.
 */
struct known_traffic {
	const char *ifname;
	int udp, arp, gap_us;
};
int send_known_traffic(void *known);

/*
 * Crafted frames out of va, for in_netns(): frames [from, to) of f (to 0:
 * all n), frame i tx_copies(i) times.  0, or a code naming the failure.
 */
struct tx_frame {
	const uint8_t *data;
	uint32_t len;
	unsigned int key;	/* the key the test expects it under, where it says */
};
struct inject {
	const struct tx_frame *f;
	size_t n, from, to;
};
/* 1, 2 or 3 copies of frame i: counts that cannot line up by chance */
int tx_copies(size_t i);
int inject_frames(void *arg);

/*
 * A packet socket of the test's own on ifname in namespace ns, in a child,
 * counting every frame that arrives there (not the outgoing ones; with the
 * ones its full buffer dropped), until watch_stop().  The kernel hands a
 * frame to the sockets bound to a device in one pass of its receive path
 * (__netif_receive_skb_core(), the newest socket first, tc's ingress just
 * after the last): a watcher started before pktcount's and the test's own
 * sockets is handed each frame after them, so once it has N frames, so
 * have they.
 */
struct watch {
	pid_t pid;
	int ctl, res;
	volatile long *seen;	/* shared with the child: what it has received so far */
};
void watch_start(struct watch *w, const char *ns, const char *ifname);
/* Wait until it has received n frames: 0, or -ETIMEDOUT (said with cr_log_info()). */
int watch_wait(const struct watch *w, long n, int max_ms);
/* The frames that arrived; fails the test if the watcher failed. */
long watch_stop(struct watch *w);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network namespaces as tests make them: the veth pair between two (and a
 * third), their links and the kernel's counters read inside them.
 */
#ifndef PKTCOUNT_TEST_NETNS_H
#define PKTCOUNT_TEST_NETNS_H

#include <stdint.h>

/* An interface's kernel counters, read inside namespace ns (sysfs). */
struct link_stats {
	uint64_t rx_bytes, rx_packets, tx_bytes, tx_packets;
};
int link_stats(const char *ns, const char *ifname, struct link_stats *st);

/*
 * Links of namespace ns named name (or, when name ends in '*', what comes
 * before it and then digits: "pb*") that are operationally UP.  Until the
 * kernel's link watch has made a link UP, its qdisc is still noop: a frame
 * sent then is dropped, and sendto() says nothing.
 */
int links_up(const char *ns, const char *name);
/* Wait until n of them are UP; fails the test after max_ms. */
void wait_links_up(const char *ns, const char *name, int n, int max_ms);

/*
 * Two namespaces joined by a veth pair: a.ns/va and b.ns/vb.  Addresses,
 * when asked for, are documentation ones (192.0.2.0/24, 2001:db8::/64) that
 * exist only inside the pair, with static neighbours so no ARP or ND is
 * sent.  IPv6 is off unless asked for, so the link carries nothing but
 * what a test sends.  topo_down() removes everything, and runs from the
 * fixture's fini on every exit path; topo_up() first removes what a crashed
 * run may have left.
 */
struct topo {
	char a[32], b[32];
	char c[32];	/* a third namespace, once topo_third() made it; "" before */
	char mac_a[18], mac_b[18];
	int up;
};
void topo_up(struct topo *t, int with_addrs, int with_ipv6);
/* Wait until va and vb are UP (wait_links_up()): topo_up() and topo_relink() end with it. */
void topo_wait_up(const struct topo *t);
/* Delete the veth pair (both ends go), or make it again, up, as topo_up did. */
void topo_unlink(struct topo *t);
void topo_relink(struct topo *t);
void topo_down(struct topo *t);
/* A third namespace, t->c, with IPv6 off and lo up; topo_down() removes it too. */
void topo_third(struct topo *t);
/* Wait until neither end has sent or received anything for quiet_ms. */
void topo_wait_quiet(const struct topo *t, int quiet_ms, int max_ms);

/* A counter from /proc/net/snmp ("Tcp", "OutSegs") or snmp6 ("Udp6OutDatagrams"). */
uint64_t snmp_get(const char *ns, const char *proto, const char *field);

#endif

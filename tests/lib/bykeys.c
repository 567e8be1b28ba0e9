// SPDX-License-Identifier: GPL-2.0
/* Frames built field by field, and the breakdown keys each must give. */
#include <string.h>

#include "bykeys.h"

/* rx keys of an IPv4 or IPv6 frame from a to b with ports sport, dport (0, 0: none) */
static void ip_keys(struct want *w, enum pc_l3 l3, unsigned int proto, unsigned int sport, unsigned int dport)
{
	const uint8_t *a = l3 == PC_L3_IPV6 ? v6a : v4a, *b = l3 == PC_L3_IPV6 ? v6b : v4b;
	size_t n = l3 == PC_L3_IPV6 ? 16 : 4;

	w->k[PC_BY_HOST] = built_ip(l3, a, NULL, n, 0, 0, 0);
	w->k[PC_BY_PAIR] = built_ip(l3, a, b, n, 0, 0, 0);
	w->k[PC_BY_FLOW] = built_ip(l3, a, b, n, proto, sport, dport);
	w->k[PC_BY_MAC] = mac_of(mac_a);
}

size_t by_cases(struct want *t)
{
	size_t n = 0;
	struct fr *f;

#define CASE(NAME) (memset(&t[n], 0, sizeof(t[n])), t[n].name = (NAME), t[n].link = PC_LINK_ETH, \
		    f = &t[n].f, &t[n++])
	/* UDP over IPv4: every key built */
	CASE("ipv4 udp");
	eth(f, 0x0800); ip4(f, 5, 0, 17); l4(f, 4000, 53, 8);
	ip_keys(&t[n - 1], PC_L3_IPV4, 17, 4000, 53);
	/* IP options before TCP: the ports come after them */
	CASE("ipv4 ihl 7 tcp");
	eth(f, 0x0800); ip4(f, 7, 0, 6); l4(f, 40000, 443, 20);
	ip_keys(&t[n - 1], PC_L3_IPV4, 6, 40000, 443);
	/* a first fragment (MF, offset 0) has the ports; a later one none */
	CASE("ipv4 first fragment udp");
	eth(f, 0x0800); ip4(f, 5, 0x2000, 17); l4(f, 1111, 2222, 8);
	ip_keys(&t[n - 1], PC_L3_IPV4, 17, 1111, 2222);
	CASE("ipv4 later fragment udp");
	eth(f, 0x0800); ip4(f, 5, 0x00b9, 17); l4(f, 1111, 2222, 8);
	ip_keys(&t[n - 1], PC_L3_IPV4, 17, 0, 0);
	/* ICMP: no ports */
	CASE("ipv4 icmp");
	eth(f, 0x0800); ip4(f, 5, 0, 1); zeros(f, 8);
	ip_keys(&t[n - 1], PC_L3_IPV4, 1, 0, 0);
	/* SCTP and UDP-Lite have ports too; GRE does not */
	CASE("ipv4 sctp");
	eth(f, 0x0800); ip4(f, 5, 0, 132); l4(f, 38412, 36412, 12);
	ip_keys(&t[n - 1], PC_L3_IPV4, 132, 38412, 36412);
	CASE("ipv4 udplite");
	eth(f, 0x0800); ip4(f, 5, 0, 136); l4(f, 7, 9, 8);
	ip_keys(&t[n - 1], PC_L3_IPV4, 136, 7, 9);
	CASE("ipv4 gre");
	eth(f, 0x0800); ip4(f, 5, 0, 47); l4(f, 7, 9, 8);
	ip_keys(&t[n - 1], PC_L3_IPV4, 47, 0, 0);
	/* behind an 802.1Q tag */
	CASE("vlan ipv4 udp");
	eth(f, 0x8100); put16(f, 5); put16(f, 0x0800); ip4(f, 5, 0, 17); l4(f, 5353, 5353, 8);
	ip_keys(&t[n - 1], PC_L3_IPV4, 17, 5353, 5353);
	/* IPv6 with a hop-by-hop header before TCP */
	CASE("ipv6 hbh tcp");
	eth(f, 0x86dd); ip6(f, 0); put8(f, 6); put8(f, 0); zeros(f, 6); l4(f, 50000, 22, 20);
	ip_keys(&t[n - 1], PC_L3_IPV6, 6, 50000, 22);
	/* an IPv6 fragment header, offset 0 then not */
	CASE("ipv6 first fragment udp");
	eth(f, 0x86dd); ip6(f, 44); put8(f, 17); put8(f, 0); put16(f, 0x0001); zeros(f, 4); l4(f, 9, 10, 8);
	ip_keys(&t[n - 1], PC_L3_IPV6, 17, 9, 10);
	CASE("ipv6 later fragment udp");
	eth(f, 0x86dd); ip6(f, 44); put8(f, 17); put8(f, 0); put16(f, 0x0170); zeros(f, 4); l4(f, 9, 10, 8);
	ip_keys(&t[n - 1], PC_L3_IPV6, 17, 0, 0);
	/* cut before the ports: the addresses are there, the ports not */
	CASE("ipv4 udp cut inside the ports");
	eth(f, 0x0800); ip4(f, 5, 0, 17); put8(f, 0x0f);
	ip_keys(&t[n - 1], PC_L3_IPV4, 17, 0, 0);
	/* cut inside the destination address: no IP key, the class */
	CASE("ipv4 cut inside the destination");
	eth(f, 0x0800); ip4(f, 5, 0, 17); f->len -= 2;
	t[n - 1].k[PC_BY_HOST] = t[n - 1].k[PC_BY_PAIR] = t[n - 1].k[PC_BY_FLOW] = class_of(PC_L3_IPV4);
	t[n - 1].k[PC_BY_MAC] = mac_of(mac_a);
	/* not IP: the class, but for mac */
	CASE("arp");
	eth(f, 0x0806); zeros(f, 28);
	t[n - 1].k[PC_BY_HOST] = t[n - 1].k[PC_BY_PAIR] = t[n - 1].k[PC_BY_FLOW] = class_of(PC_L3_ARP);
	t[n - 1].k[PC_BY_MAC] = mac_of(mac_a);
	/* shorter than an Ethernet header: runt for every key */
	CASE("runt");
	zeros(f, 10);
	t[n - 1].k[PC_BY_HOST] = t[n - 1].k[PC_BY_PAIR] = t[n - 1].k[PC_BY_FLOW] = t[n - 1].k[PC_BY_MAC] =
		class_of(PC_L3_RUNT);
	/* no link header (tun, wireguard): IP keys built, no MAC */
	CASE("raw ipv6 udp");
	t[n - 1].link = PC_LINK_RAW;
	t[n - 1].protocol = 0x86dd;
	ip6(f, 17); l4(f, 51820, 51820, 8);
	ip_keys(&t[n - 1], PC_L3_IPV6, 17, 51820, 51820);
	t[n - 1].k[PC_BY_MAC] = class_of(PC_L3_IPV6);
#undef CASE
	return n;
}

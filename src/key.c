// SPDX-License-Identifier: GPL-2.0
/* Names of the counting key's parts: the spec's classes, IANA's protocols. */
#include <stddef.h>

#include "pc_key.h"

const char *pc_dir_name(enum pc_dir dir)
{
	return dir == PC_DIR_TX ? "tx" : "rx";
}

const char *pc_unit_name(enum pc_unit unit)
{
	return unit == PC_UNIT_WIRE ? "wire" : "skb";
}

const char *pc_l3_name(enum pc_l3 l3)
{
	static const char *const names[PC_L3_COUNT] = {
		[PC_L3_IPV4] = "ipv4",
		[PC_L3_IPV6] = "ipv6",
		[PC_L3_ARP] = "arp",
		[PC_L3_RARP] = "rarp",
		[PC_L3_LLDP] = "lldp",
		[PC_L3_EAPOL] = "eapol",
		[PC_L3_PPPOE_DISC] = "pppoe-disc",
		[PC_L3_PPPOE_SESS] = "pppoe-sess",
		[PC_L3_MPLS] = "mpls",
		[PC_L3_LLC] = "llc",
		[PC_L3_OTHER] = "other",
		[PC_L3_RUNT] = "runt",
	};

	return (unsigned int)l3 < PC_L3_COUNT ? names[l3] : "?";
}

/* The names of /etc/protocols (IANA keywords, lower case). */
const char *pc_ipproto_name(int ipproto)
{
	switch (ipproto) {
	case 0: return "hopopt";
	case 1: return "icmp";
	case 2: return "igmp";
	case 4: return "ipencap";
	case 6: return "tcp";
	case 8: return "egp";
	case 17: return "udp";
	case 27: return "rdp";
	case 33: return "dccp";
	case 41: return "ipv6";
	case 43: return "ipv6-route";
	case 44: return "ipv6-frag";
	case 46: return "rsvp";
	case 47: return "gre";
	case 50: return "esp";
	case 51: return "ah";
	case 58: return "ipv6-icmp";
	case 59: return "ipv6-nonxt";
	case 60: return "ipv6-opts";
	case 88: return "eigrp";
	case 89: return "ospf";
	case 94: return "ipip";
	case 97: return "etherip";
	case 103: return "pim";
	case 108: return "ipcomp";
	case 112: return "vrrp";
	case 115: return "l2tp";
	case 132: return "sctp";
	case 136: return "udplite";
	case 137: return "mpls-in-ip";
	case 143: return "ethernet";
	default: return NULL;
	}
}

// SPDX-License-Identifier: GPL-2.0
/* Names of the counting key's parts: the spec's classes, IANA's protocols. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>

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

const char *pc_by_name(enum pc_by by)
{
	static const char *const names[PC_BY_COUNT] = { "proto", "host", "pair", "flow", "mac" };

	return (unsigned int)by < PC_BY_COUNT ? names[by] : "?";
}

static struct pc_kpart *part(struct pc_kpart *p, const char *name, int number)
{
	p->name = name;
	p->number = number;
	return p;
}

static void address(struct pc_kpart *p, const char *name, const struct pc_bkey *k, const uint8_t *a)
{
	part(p, name, 0);
	if (!inet_ntop(k->l3 == PC_L3_IPV6 ? AF_INET6 : AF_INET, a, p->text, sizeof(p->text)))
		snprintf(p->text, sizeof(p->text), "?");
}

int pc_proto_parts(unsigned int key, struct pc_kpart *parts)
{
	struct pc_key_parts k = pc_key_split(key);
	const char *pn;

	snprintf(part(&parts[0], "l3", 0)->text, sizeof(parts->text), "%s", pc_l3_name(k.l3));
	if (k.ipproto == PC_PROTO_NONE)
		return 1;
	if (k.ipproto == PC_PROTO_UNKNOWN) {
		snprintf(part(&parts[1], "ipproto", 1)->text, sizeof(parts->text), "null");
		snprintf(part(&parts[2], "proto", 0)->text, sizeof(parts->text), "unknown");
		return 3;
	}
	snprintf(part(&parts[1], "ipproto", 1)->text, sizeof(parts->text), "%d", k.ipproto);
	pn = pc_ipproto_name(k.ipproto);
	snprintf(part(&parts[2], "proto", 0)->text, sizeof(parts->text), "%s", pn ? pn : parts[1].text);
	return 3;
}

int pc_bkey_parts(const struct pc_bkey *k, enum pc_by by, struct pc_kpart *parts)
{
	const char *pn;
	int n = 0;

	if (k->what == PC_BKEY_OTHER || k->what == PC_BKEY_IDLE) {
		snprintf(part(&parts[n++], k->what == PC_BKEY_OTHER ? "other" : "idle", 1)->text,
			 sizeof(parts->text), "true");
		return n;
	}
	if (k->what == PC_BKEY_CLASS) {
		snprintf(part(&parts[n++], "l3", 0)->text, sizeof(parts->text), "%s", pc_l3_name(k->l3));
		return n;
	}
	switch (by) {
	case PC_BY_MAC:
		snprintf(part(&parts[n++], "mac", 0)->text, sizeof(parts->text),
			 "%02x:%02x:%02x:%02x:%02x:%02x", k->a[0], k->a[1], k->a[2], k->a[3], k->a[4], k->a[5]);
		break;
	case PC_BY_HOST:
		address(&parts[n++], "host", k, k->a);
		break;
	case PC_BY_FLOW:
	case PC_BY_PAIR:
		address(&parts[n++], "src", k, k->a);
		address(&parts[n++], "dst", k, k->b);
		if (by == PC_BY_PAIR)
			break;
		snprintf(part(&parts[n++], "ipproto", 1)->text, sizeof(parts->text), "%u", k->ipproto);
		pn = pc_ipproto_name(k->ipproto);
		snprintf(part(&parts[n], "proto", 0)->text, sizeof(parts->text), "%s", pn ? pn : parts[n - 1].text);
		n++;
		snprintf(part(&parts[n++], "sport", 1)->text, sizeof(parts->text), "%u", k->sport);
		snprintf(part(&parts[n++], "dport", 1)->text, sizeof(parts->text), "%u", k->dport);
		break;
	default:
		break;
	}
	return n;
}

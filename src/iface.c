// SPDX-License-Identifier: GPL-2.0
/*
 * Interfaces: names to indexes and link types, the default one, all of them.
 * Only /proc and ioctl(): these work from 2.6 on, inside any namespace, and
 * need no netlink library.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pktcount.h"

/* Any socket serves for interface ioctls; AF_UNIX exists on every kernel. */
static int ioctl_sock(void)
{
	return socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

int pc_iface_lookup(struct pc_tap *tap, const char *name, struct pc_fail *why)
{
	struct ifreq ifr;
	size_t len = strlen(name);
	int s;

	if (len == 0 || len >= IF_NAMESIZE)
		return pc_fail(why, PC_EXIT_USAGE, "interface name '%.*s%s': must be 1 to %d characters",
			       32, name, len > 32 ? "..." : "", IF_NAMESIZE - 1);
	memcpy(tap->name, name, len + 1);
	/* 0 would mean "every interface" to bind(): never let it through */
	tap->ifindex = (int)if_nametoindex(name);
	if (tap->ifindex == 0)
		return pc_fail(why, PC_EXIT_NOIFACE, "interface %s: %s", name, strerror(errno == ENXIO ? ENODEV : errno));

	s = ioctl_sock();
	if (s < 0)
		return pc_fail(why, PC_EXIT_FAIL, "socket(AF_UNIX) for interface ioctls: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, len);
	if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0) {
		int e = errno;

		close(s);
		return pc_fail(why, e == ENODEV ? PC_EXIT_NOIFACE : PC_EXIT_FAIL, "ioctl(SIOCGIFHWADDR) on %s: %s",
			       name, strerror(e));
	}
	close(s);
	tap->arphrd = ifr.ifr_hwaddr.sa_family;
	/*
	 * Ethernet and lo carry a 14-byte MAC header in every frame; every other
	 * link type is counted from its network header and skb->protocol.
	 */
	tap->link = (tap->arphrd == ARPHRD_ETHER || tap->arphrd == ARPHRD_LOOPBACK)
		? PC_LINK_ETH : PC_LINK_RAW;
	return PC_EXIT_OK;
}

int pc_tap_socket(const struct pc_tap *tap, int *fd, struct pc_fail *why)
{
	int e;

	/*
	 * Protocol 0 until bind: no frame reaches the socket before its filter
	 * is in place.  Non-Ethernet links are opened SOCK_DGRAM so offset 0 is
	 * the network header whatever link header the device has.
	 */
	*fd = socket(AF_PACKET, (tap->link == PC_LINK_ETH ? SOCK_RAW : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	if (*fd >= 0)
		return PC_EXIT_OK;
	e = errno;
	return pc_fail(why, e == EPERM ? PC_EXIT_PRIV : e == EAFNOSUPPORT ? PC_EXIT_UNSUPPORTED : PC_EXIT_FAIL,
		       "socket(AF_PACKET) for %s: %s%s", tap->name, strerror(e),
		       e == EPERM ? " (needs CAP_NET_RAW: run as root)" : "");
}

int pc_tap_bind(const struct pc_tap *tap, int fd, struct pc_fail *why)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = tap->ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int e = errno;

		return pc_fail(why, e == ENODEV ? PC_EXIT_NOIFACE : PC_EXIT_FAIL, "bind(AF_PACKET) to %s: %s",
			       tap->name, strerror(e));
	}
	if (!tap->promisc)
		return PC_EXIT_OK;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = tap->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		return pc_fail(why, PC_EXIT_FAIL, "setsockopt(PACKET_ADD_MEMBERSHIP promisc) on %s: %s", tap->name,
			       strerror(errno));
	return PC_EXIT_OK;
}

/* The device of the lowest-metric IPv4 default route, from /proc/net/route. */
static int default_v4(char *name, size_t size)
{
	char line[256], dev[IF_NAMESIZE + 1];
	unsigned long dst, gw, mask;
	unsigned int flags, refcnt, use, metric, best_metric = ~0u;
	int found = 0;
	FILE *f = fopen("/proc/net/route", "re");

	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f)) {	/* header */
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%16s %lx %lx %x %u %u %u %lx", dev, &dst, &gw, &flags,
			   &refcnt, &use, &metric, &mask) != 8)
			continue;
		if (dst != 0 || mask != 0 || !(flags & 0x1 /* RTF_UP */))
			continue;
		if (!found || metric < best_metric) {
			snprintf(name, size, "%s", dev);
			best_metric = metric;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/* The device of an IPv6 default route (::/0), not the lo "unreachable" one. */
static int default_v6(char *name, size_t size)
{
	char line[512], dst[33], src[33], hop[33], dev[IF_NAMESIZE + 1];
	unsigned int dlen, slen, metric, refcnt, use, flags;
	int found = 0;
	FILE *f = fopen("/proc/net/ipv6_route", "re");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%32s %x %32s %x %32s %x %x %x %x %16s", dst, &dlen, src, &slen,
			   hop, &metric, &refcnt, &use, &flags, dev) != 10)
			continue;
		if (dlen != 0 || strspn(dst, "0") != 32 || strcmp(dev, "lo") == 0 ||
		    !(flags & 0x1 /* RTF_UP */) || (flags & 0x0200 /* RTF_REJECT */))
			continue;
		snprintf(name, size, "%s", dev);
		found = 1;
	}
	fclose(f);
	return found;
}

int pc_iface_default(char *name, size_t size)
{
	struct if_nameindex *ifs, *i;
	int s, found = 0;

	if (default_v4(name, size) || default_v6(name, size)) {
		pc_log("default interface %s: from the default route", name);
		return PC_EXIT_OK;
	}
	/* no default route: the first interface that is up and not loopback */
	ifs = if_nameindex();
	if (!ifs) {
		pc_err("listing interfaces: %s", strerror(errno));
		return PC_EXIT_FAIL;
	}
	s = ioctl_sock();
	for (i = ifs; s >= 0 && i->if_index && !found; i++) {
		struct ifreq ifr;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
		if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
			continue;
		if ((ifr.ifr_flags & IFF_UP) && !(ifr.ifr_flags & IFF_LOOPBACK)) {
			snprintf(name, size, "%s", i->if_name);
			found = 1;
		}
	}
	if (s >= 0)
		close(s);
	if_freenameindex(ifs);
	if (!found) {
		pc_err("no interface given, no default route, and no interface up but lo; name one");
		return PC_EXIT_NOIFACE;
	}
	pc_log("default interface %s: the first one up (no default route)", name);
	return PC_EXIT_OK;
}

int pc_iface_up(int ifindex)
{
	struct ifreq ifr;
	int s = ioctl_sock(), up;

	if (s < 0)
		return 1;	/* cannot tell: do not claim it is gone */
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = ifindex;
	up = ioctl(s, SIOCGIFNAME, &ifr) == 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0 &&
	     (ifr.ifr_flags & IFF_UP);
	close(s);
	return up;
}

int pc_sock_bound_to(int fd, int ifindex)
{
	struct sockaddr_ll sll;
	socklen_t len = sizeof(sll);

	if (getsockname(fd, (struct sockaddr *)&sll, &len) < 0)
		return 1;	/* cannot tell: do not claim it lost its device */
	return sll.sll_ifindex == ifindex;
}

int pc_have_cap(int cap)
{
	char line[256];
	unsigned long long eff = 0;
	int found = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 1;	/* cannot tell: do not claim it is missing */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			found = 1;
			break;
		}
	fclose(f);
	return !found || (eff >> cap & 1);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Network namespaces as tests make them: the veth pair between two (and a
 * third), their links and the kernel's counters read inside them.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"
#include "sh.h"
#include "wait.h"

/* /proc/net/dev is the reading process's namespace: read it from a child inside. */
int link_stats(const char *ns, const char *ifname, struct link_stats *st)
{
	char cmd[256], line[512];
	FILE *f;
	int found = 0;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /proc/net/dev", ns);
	f = popen(cmd, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *name = line;
		unsigned long long v[16];

		if (!colon)
			continue;
		*colon = '\0';
		while (*name == ' ')
			name++;
		if (strcmp(name, ifname) != 0)
			continue;
		if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]) == 10) {
			st->rx_bytes = v[0];
			st->rx_packets = v[1];
			st->tx_bytes = v[8];
			st->tx_packets = v[9];
			found = 1;
		}
	}
	pclose(f);
	return found ? 0 : -ENODEV;
}

/* One line of ip -br link: the name (before any @) matches name, and the state is UP */
static int link_line_up(const char *line, const char *name)
{
	size_t n = strcspn(line, "@ \t"), plen = strlen(name);
	const char *state = line + n;

	if (plen && name[plen - 1] == '*') {
		plen--;
		if (n <= plen || strncmp(line, name, plen) != 0 || strspn(line + plen, "0123456789") != n - plen)
			return 0;
	} else if (n != plen || strncmp(line, name, plen) != 0) {
		return 0;
	}
	state += strcspn(state, " \t");	/* the rest of name@peer */
	state += strspn(state, " \t");
	return strncmp(state, "UP ", 3) == 0 || strncmp(state, "UP\t", 3) == 0;
}

int links_up(const char *ns, const char *name)
{
	char cmd[256], line[512];
	int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip -n %s -br link show 2>/dev/null", ns);
	f = popen(cmd, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		n += link_line_up(line, name);
	pclose(f);
	return n;
}

struct links_arg {
	const char *ns, *name;
	int n;
};

static int enough_links_up(void *arg)
{
	const struct links_arg *a = arg;

	return links_up(a->ns, a->name) >= a->n;
}

void wait_links_up(const char *ns, const char *name, int n, int max_ms)
{
	struct links_arg a = { ns, name, n };

	cr_assert_eq(wait_until(enough_links_up, &a, max_ms), 0, "%s: %d of %d links %s up after %d ms",
		     ns, links_up(ns, name), n, name, max_ms);
}

static void read_mac(const char *ns, const char *dev, char *out)
{
	char cmd[256];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /sys/class/net/%s/address", ns, dev);
	f = popen(cmd, "r");
	cr_assert_not_null(f, "%s", cmd);
	cr_assert_not_null(fgets(out, 18, f), "%s: no output", cmd);
	pclose(f);
	out[17] = '\0';
}

/* Remove namespaces that earlier runs of the tests left behind (their pid is gone). */
static void remove_stale(void)
{
	FILE *f = popen("ip netns list 2>/dev/null", "r");
	char line[256];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		int pid;
		char side;

		if (sscanf(line, "pct%d%c", &pid, &side) == 2 && kill(pid, 0) < 0 && errno == ESRCH)
			sh("ip netns del pct%d%c 2>/dev/null", pid, side);
	}
	pclose(f);
}

void topo_up(struct topo *t, int with_addrs, int with_ipv6)
{
	const char *ns[2] = { t->a, t->b }, *dev[2] = { "va", "vb" };
	int i;

	remove_stale();
	snprintf(t->a, sizeof(t->a), "pct%da", (int)getpid());
	snprintf(t->b, sizeof(t->b), "pct%db", (int)getpid());
	t->up = 1;
	sh_ok("ip netns add %s && ip netns add %s", t->a, t->b);
	for (i = 0; i < 2; i++)
		sh_ok("ip netns exec %s sysctl -qw net.ipv6.conf.default.disable_ipv6=%d "
		      "net.ipv6.conf.all.disable_ipv6=%d net.ipv6.conf.default.accept_dad=0 "
		      "net.ipv6.conf.default.router_solicitations=0 && ip -n %s link set lo up",
		      ns[i], !with_ipv6, !with_ipv6, ns[i]);
	sh_ok("ip -n %s link add va mtu 9000 type veth peer name vb netns %s mtu 9000", t->a, t->b);
	read_mac(t->a, "va", t->mac_a);
	read_mac(t->b, "vb", t->mac_b);
	if (with_addrs) {
		sh_ok("ip -n %s addr add 192.0.2.1/24 dev va && ip -n %s addr add 192.0.2.2/24 dev vb",
		      t->a, t->b);
		sh_ok("ip -n %s neigh add 192.0.2.2 lladdr %s dev va nud permanent && "
		      "ip -n %s neigh add 192.0.2.1 lladdr %s dev vb nud permanent",
		      t->a, t->mac_b, t->b, t->mac_a);
		if (with_ipv6) {
			sh_ok("ip -n %s addr add 2001:db8::1/64 dev va nodad && "
			      "ip -n %s addr add 2001:db8::2/64 dev vb nodad", t->a, t->b);
			sh_ok("ip -n %s neigh add 2001:db8::2 lladdr %s dev va nud permanent && "
			      "ip -n %s neigh add 2001:db8::1 lladdr %s dev vb nud permanent",
			      t->a, t->mac_b, t->b, t->mac_a);
		}
	}
	for (i = 0; i < 2; i++)
		sh_ok("ip -n %s link set %s up", ns[i], dev[i]);
	topo_wait_up(t);
}

void topo_wait_up(const struct topo *t)
{
	wait_links_up(t->a, "va", 1, WAIT_MS);
	wait_links_up(t->b, "vb", 1, WAIT_MS);
}

void topo_unlink(struct topo *t)
{
	sh_ok("ip -n %s link del va", t->a);
}

void topo_relink(struct topo *t)
{
	sh_ok("ip -n %s link add va mtu 9000 type veth peer name vb netns %s mtu 9000 && "
	      "ip -n %s link set va up && ip -n %s link set vb up", t->a, t->b, t->a, t->b);
	topo_wait_up(t);
}

void topo_down(struct topo *t)
{
	if (!t->up)
		return;
	/* deleting one namespace deletes the veth pair with it */
	sh("ip netns del %s 2>/dev/null", t->a);
	sh("ip netns del %s 2>/dev/null", t->b);
	if (t->c[0])
		sh("ip netns del %s 2>/dev/null", t->c);
	t->c[0] = '\0';
	t->up = 0;
}

void topo_third(struct topo *t)
{
	snprintf(t->c, sizeof(t->c), "pct%dc", (int)getpid());
	sh_ok("ip netns add %s && ip netns exec %s sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
	      "net.ipv6.conf.default.disable_ipv6=1 && ip -n %s link set lo up", t->c, t->c, t->c);
}

void topo_wait_quiet(const struct topo *t, int quiet_ms, int max_ms)
{
	struct link_stats last = { 0 }, now;
	int waited = 0, still = 0;

	cr_assert_eq(link_stats(t->a, "va", &last), 0);
	while (still < quiet_ms) {
		usleep(100 * 1000);
		waited += 100;
		cr_assert_eq(link_stats(t->a, "va", &now), 0);
		if (memcmp(&now, &last, sizeof(now)) == 0) {
			still += 100;
		} else {
			still = 0;
			last = now;
		}
		cr_assert_lt(waited, max_ms, "the veth pair never went quiet (%d ms)", max_ms);
	}
}

uint64_t snmp_get(const char *ns, const char *proto, const char *field)
{
	char cmd[256], names[4096], vals[4096];
	size_t plen = strlen(proto);
	int six = strchr(proto, '6') != NULL;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /proc/net/%s", ns, six ? "snmp6" : "snmp");
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	while (fgets(names, sizeof(names), f)) {
		if (six) {
			char name[128];
			unsigned long long v;

			if (sscanf(names, "%127s %llu", name, &v) == 2 &&
			    strncmp(name, proto, plen) == 0 && strcmp(name + plen, field) == 0) {
				pclose(f);
				return v;
			}
			continue;
		}
		/* "Tcp: A B C" then "Tcp: 1 2 3" */
		if (strncmp(names, proto, plen) != 0 || names[plen] != ':')
			continue;
		cr_assert_not_null(fgets(vals, sizeof(vals), f));
		char *sn, *sv, *n = strtok_r(names + plen + 1, " \n", &sn);
		char *v = strtok_r(vals + plen + 1, " \n", &sv);

		for (; n && v; n = strtok_r(NULL, " \n", &sn), v = strtok_r(NULL, " \n", &sv))
			if (strcmp(n, field) == 0) {
				pclose(f);
				return strtoull(v, NULL, 10);
			}
	}
	pclose(f);
	cr_assert_fail("no %s %s in /proc/net/snmp of %s", proto, field, ns);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * libpcap compiles the class expressions and, in pcap mode, matches them:
 * a class counts the frames `tcpdump -i IFACE EXPR` would show.
 *
 * So an Ethernet expression is compiled as tcpdump compiles it for a live
 * device: on a live handle of lo (an Ethernet-like device everywhere), where
 * libpcap tests a VLAN tag the kernel moved out of the frame through
 * ancillary loads (BPF_SPECIAL_VLAN_HANDLING, pcap-linux.c), and the
 * program then runs on the frame as the kernel holds it.  Compiled for a
 * capture file instead (pcap_open_dead, as `tcpdump -r` does), `vlan` would
 * look for the tag in the frame, where the kernel no longer has it: every
 * `vlan ... and ip` class counts 0 of the frames whose tag was moved out.
 *
 * libpcap opens no live handle on a device that is down (iface_bind(),
 * pcap-linux.c: PCAP_ERROR_IFACE_NOT_UP), and lo is down in every network
 * namespace nobody brought it up in (`ip netns add` leaves it so, and
 * many containers too), while `tcpdump -i eth0` there compiles live on
 * eth0.  So where lo cannot be opened, any other device that is up and
 * Ethernet-like is: which one does not matter, libpcap's code for
 * DLT_EN10MB depends on the link type and the codegen flags alone, and a
 * live handle gets BPF_SPECIAL_VLAN_HANDLING from the kernel, not the
 * device (setup_socket(), pcap-linux.c: SO_BPF_EXTENSIONS at least
 * SKF_AD_VLAN_TAG_PRESENT).  Only where no device can be opened live (no
 * CAP_NET_RAW, nothing up) are expressions compiled for a capture, and
 * pc_pcap_compile() says so.
 */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class_pcap.h"

#ifdef PC_HAVE_PCAP
#include <pcap/pcap.h>

/* As tcpdump's default: no load of a program is cut short by it. */
#define CLASS_SNAPLEN 262144

/* The handles programs are compiled on: lo live (or a capture's), and bare IP's. */
static pcap_t *on[2];
static int on_live;

/* A live handle of dev if it is Ethernet-like, or NULL with why in err (when err is not NULL). */
static pcap_t *live(const char *dev, char *err, size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_create(dev, errbuf);

	if (!p) {
		if (err)
			snprintf(err, errlen, "%s: %s", dev, errbuf);
		return NULL;
	}
	/* the smallest ring libpcap takes: nothing is read from it */
	if (!pcap_set_snaplen(p, CLASS_SNAPLEN) && !pcap_set_buffer_size(p, 1) && pcap_activate(p) >= 0 &&
	    pcap_datalink(p) == DLT_EN10MB)
		return p;
	if (err)
		snprintf(err, errlen, "%s: %s", dev, pcap_geterr(p));
	pcap_close(p);
	return NULL;
}

/* lo live, else the first other device that is up and Ethernet-like; NULL with why lo was not */
static pcap_t *live_ethernet(char *err, size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_if_t *devs, *d;
	pcap_t *p = live("lo", err, errlen);

	if (p || pcap_findalldevs(&devs, errbuf) < 0)
		return p;
	for (d = devs; d && !p; d = d->next)
		/* interfaces only (not "any", nflog, usbmon, ...), and up: a down one cannot be opened */
		if (strcmp(d->name, "lo") && if_nametoindex(d->name) && (d->flags & PCAP_IF_UP))
			p = live(d->name, NULL, 0);
	pcap_freealldevs(devs);
	if (!p && strlen(err) + 40 < errlen)
		strcat(err, ", nor another Ethernet-like interface");
	return p;
}

static pcap_t *handle(int eth, char *err, size_t errlen)
{
	if (on[eth])
		return on[eth];
	if (eth && (on[eth] = live_ethernet(err, errlen))) {
		on_live = 1;
		return on[eth];
	}
	on[eth] = pcap_open_dead(eth ? DLT_EN10MB : DLT_RAW, CLASS_SNAPLEN);
	return on[eth];
}

int pc_pcap_compile(const char *expr, int eth, void **insns, unsigned int *n, void **pcap, char *err,
		    size_t errlen)
{
	struct bpf_program *prog = calloc(1, sizeof(*prog));
	char why[PCAP_ERRBUF_SIZE + 8] = "";
	pcap_t *p = handle(eth, why, sizeof(why));

	if (!p || !prog) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "%s", pcap_geterr(p));
		goto fail;
	}
	*insns = malloc(prog->bf_len * sizeof(prog->bf_insns[0]));
	if (!*insns) {
		pcap_freecode(prog);
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	memcpy(*insns, prog->bf_insns, prog->bf_len * sizeof(prog->bf_insns[0]));
	*n = prog->bf_len;
	*pcap = prog;
	/* a note, not an error: the caller says it with -v */
	snprintf(err, errlen, "%s", eth && !on_live ? why : "");
	return 0;
fail:
	free(prog);
	return -1;
}

int pc_pcap_live(void)
{
	return on_live;
}

int pc_pcap_compile_capture(const char *expr, int eth, void **pcap, char *err, size_t errlen)
{
	pcap_t *p = pcap_open_dead(eth ? DLT_EN10MB : DLT_RAW, CLASS_SNAPLEN);
	struct bpf_program *prog = calloc(1, sizeof(*prog));

	if (!p || !prog || pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "%s", p ? pcap_geterr(p) : "out of memory");
		free(prog);
		if (p)
			pcap_close(p);
		return -1;
	}
	pcap_close(p);
	*pcap = prog;
	return 0;
}

void pc_pcap_compiler_close(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (on[i])
			pcap_close(on[i]);
		on[i] = NULL;
	}
}

int pc_pcap_match(const void *pcap, const uint8_t *p, uint32_t caplen, uint32_t len)
{
	struct pcap_pkthdr h = { .caplen = caplen, .len = len };

	return pcap_offline_filter(pcap, &h, p) != 0;
}

void pc_pcap_free(void *pcap)
{
	if (!pcap)
		return;
	pcap_freecode(pcap);
	free(pcap);
}

#else

int pc_pcap_compile(const char *expr, int eth, void **insns, unsigned int *n, void **pcap, char *err,
		    size_t errlen)
{
	(void)expr, (void)eth, (void)insns, (void)n, (void)pcap;
	snprintf(err, errlen, "this pktcount was built without libpcap: give the class as @FILE, "
		 "the output of `tcpdump -dd EXPR`");
	return -1;
}

int pc_pcap_match(const void *pcap, const uint8_t *p, uint32_t caplen, uint32_t len)
{
	(void)pcap, (void)p, (void)caplen, (void)len;
	return 0;
}

void pc_pcap_free(void *pcap)
{
	(void)pcap;
}

int pc_pcap_live(void)
{
	return 0;
}

int pc_pcap_compile_capture(const char *expr, int eth, void **pcap, char *err, size_t errlen)
{
	(void)expr, (void)eth, (void)pcap;
	snprintf(err, errlen, "no libpcap in this build");
	return -1;
}

void pc_pcap_compiler_close(void)
{
}

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * libpcap compiles the class expressions and, in pcap mode, matches them:
 * the frames tcpdump would show are the frames a class counts.
 *
 * The expression is compiled for a capture of the link type, not for the
 * live device (pcap_open_dead, as `tcpdump -r` does): libpcap then tests a
 * VLAN tag in the frame, where tcpdump -r sees it, and pktcount puts back
 * a tag the kernel moved out before a class looks (docs/counting.md,
 * "Classes").  A live handle would test the kernel's tag through SKF_AD
 * loads instead, which libpcap's own userspace filter cannot run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class_pcap.h"

#ifdef PC_HAVE_PCAP
#include <pcap/pcap.h>

/* As tcpdump's default: no load of a program is cut short by it. */
#define CLASS_SNAPLEN 262144

int pc_pcap_compile(const char *expr, int eth, void **insns, unsigned int *n, void **pcap, char *err,
		    size_t errlen)
{
	pcap_t *p = pcap_open_dead(eth ? DLT_EN10MB : DLT_RAW, CLASS_SNAPLEN);
	struct bpf_program *prog = calloc(1, sizeof(*prog));

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
	pcap_close(p);
	return 0;
fail:
	free(prog);
	if (p)
		pcap_close(p);
	return -1;
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

#endif

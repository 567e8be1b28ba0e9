/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libpcap's compiler and matcher for the classes (src/class_pcap.c).  Apart
 * from include/: pcap/bpf.h has its own struct bpf_insn, so that file sees
 * no header of ours.  Without libpcap in the build these fail, said why.
 */
#ifndef PKTCOUNT_CLASS_PCAP_H
#define PKTCOUNT_CLASS_PCAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Compile expr for the DLT of an Ethernet-like link (DLT_EN10MB, as for a
 * live device: src/class_pcap.c) or of one without a link header (DLT_RAW),
 * into a malloc'ed copy of its instructions (8 bytes each, struct
 * sock_filter's layout) and libpcap's own program for pc_pcap_match(); 0
 * (err: why it was compiled for a capture instead, or ""), or -1 with
 * libpcap's message in err.
 */
int pc_pcap_compile(const char *expr, int eth, void **insns, unsigned int *n, void **pcap, char *err,
		    size_t errlen);
/* The same for a capture file (pcap_open_dead), as `tcpdump -r` compiles: what the tests judge with. */
int pc_pcap_compile_capture(const char *expr, int eth, void **pcap, char *err, size_t errlen);
/* pcap_offline_filter() of a program from pc_pcap_compile(): 1 on a match */
int pc_pcap_match(const void *pcap, const uint8_t *p, uint32_t caplen, uint32_t len);
void pc_pcap_free(void *pcap);
/* 1 when Ethernet expressions were compiled for a live device */
int pc_pcap_live(void);
/* Close the handles programs were compiled on (the options are all read). */
void pc_pcap_compiler_close(void);

#endif /* PKTCOUNT_CLASS_PCAP_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Classes matched in userspace (src/class.c, src/cbpf.c): the classic and
 * pcap modes run each class's program over a struct pc_frame, as the
 * kernel's programs do in the eBPF modes.  The classes themselves, which
 * the programs in insn/ read too, are include/pc_class.h's.
 */
#ifndef PKTCOUNT_SRC_CLASS_H
#define PKTCOUNT_SRC_CLASS_H

#include "pc_class.h"
#include "pktcount.h"

/*
 * Whether libpcap put back a tag the kernel had moved out of the frame
 * (pcap mode): a received frame whose outer TPID is one the kernel moves
 * out (skb_vlan_untag(), net/core/dev.c: 802.1Q and 802.1ad).  For a sent
 * frame libpcap does not say; it is taken as it is.
 */
static inline int pc_frame_tag_put_back(const struct pc_frame *f)
{
	uint16_t t = f->caplen >= 18 ? (uint16_t)(f->p[12] << 8 | f->p[13]) : 0;

	return f->from_pcap && !f->outgoing && f->link == PC_LINK_ETH &&
	       (t == PC_ETHERTYPE_VLAN || t == PC_ETHERTYPE_QINQ);
}

/* Whether the classic program matches the frame, as the kernel would decide. */
int pc_cprog_match(const struct pc_cprog *cp, const struct pc_frame *f);

/*
 * Count the frame (bytes, packets) into cls (pc_class_rows() counters):
 * every class it matches, or the unmatched row.
 */
void pc_classes_count(struct pc_counter *cls, const struct pc_frame *f, uint64_t bytes, uint64_t packets);
/* Whether the filter or a class on link has an ancillary load of what (SKF_AD_*). */
int pc_classes_read_anc(enum pc_link link, uint32_t what);
/* Whether one reads the tag the kernel moved out (SKF_AD_VLAN_*). */
int pc_classes_read_tag(enum pc_link link);
/* Whether the frame passes --filter (1 when there is none). */
int pc_filter_pass(const struct pc_frame *f);

#endif /* PKTCOUNT_SRC_CLASS_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The frame table: crafted frames with the key and bytes docs/counting.md gives
 * them.  One table drives every path that classifies frames (the eBPF
 * program through BPF_PROG_TEST_RUN now, userspace classifiers later).
 */
#ifndef PKTCOUNT_TEST_FRAMES_H
#define PKTCOUNT_TEST_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "pc_key.h"
#include "pktcount.h"

#define FRAME_MAX 3200	/* BPF_PROG_TEST_RUN takes about a page */

struct frame_case {
	char name[96];
	uint8_t data[FRAME_MAX];
	uint32_t len;
	enum pc_link link;
	uint16_t protocol;	/* PC_LINK_RAW: skb->protocol, host order */
	/* expected */
	unsigned int key;
	uint64_t bytes;
};

/*
 * Build the table: the hand-written cases, then every base frame cut at
 * every length, with the expected key from the reference model.  Returns the
 * number of cases; *out is malloc'd.
 */
size_t frames_build(struct frame_case **out);

/*
 * The reference model: docs/counting.md read as plainly as possible, one field at a
 * time, independent of the program and of any product classifier.
 */
unsigned int frames_ref_key(const uint8_t *f, uint32_t len, enum pc_link link,
			    uint16_t protocol, int vlan_moved);

/* "rx ipv4 17", for messages */
const char *frames_key_str(unsigned int key, char *buf, size_t size);

#endif

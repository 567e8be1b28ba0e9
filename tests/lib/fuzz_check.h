/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKTCOUNT_FUZZ_CHECK_H
#define PKTCOUNT_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>

/*
 * One fuzz input through the userspace classifier, checked against the
 * reference model of tests/lib/frames.c.  Input: a flags byte (bit 0 raw link,
 * bit 1 tag moved out, bit 2 outgoing), the protocol (2 bytes, big-endian),
 * the captured length (2 bytes), then the frame.  0 when all holds, else the
 * number of the broken rule (the fuzzer aborts on it, the tests report it).
 */
int fuzz_check(const uint8_t *data, size_t size);

#endif

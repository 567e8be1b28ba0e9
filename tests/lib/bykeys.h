/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Frames built field by field, and the breakdown keys (--by;
 * docs/counting.md, "Breakdowns") each must give, written out by hand:
 * what the userspace classifier builds (tests/unit/test_by.c) and the eBPF
 * breakdown programs too (tests/live/test_by.c).
 */
#ifndef PKTCOUNT_TEST_BYKEYS_H
#define PKTCOUNT_TEST_BYKEYS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pc_key.h"
#include "pktcount.h"

struct fr {
	uint8_t p[256];
	uint32_t len;
};

static inline void put(struct fr *f, const void *d, uint32_t n) { memcpy(f->p + f->len, d, n); f->len += n; }
static inline void put8(struct fr *f, unsigned int v) { f->p[f->len++] = (uint8_t)v; }
static inline void put16(struct fr *f, unsigned int v) { put8(f, v >> 8); put8(f, v & 0xff); }
static inline void zeros(struct fr *f, uint32_t n) { memset(f->p + f->len, 0, n); f->len += n; }

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a }, mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t v4a[4] = { 192, 0, 2, 1 }, v4b[4] = { 198, 51, 100, 7 };
static const uint8_t v6a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t v6b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, [14] = 0xab, [15] = 0xcd };

/* Ethernet from mac_a to mac_b */
static inline void eth(struct fr *f, unsigned int et)
{
	put(f, mac_b, 6);
	put(f, mac_a, 6);
	put16(f, et);
}

/* IPv4, ihl words of header, flags and fragment offset frag */
static inline void ip4(struct fr *f, unsigned int ihl, unsigned int frag, unsigned int proto)
{
	put8(f, 0x40 | ihl);
	zeros(f, 5);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	zeros(f, 2);
	put(f, v4a, 4);
	put(f, v4b, 4);
	zeros(f, ihl * 4 - 20);
}

static inline void ip6(struct fr *f, unsigned int nh)
{
	put8(f, 0x60);
	zeros(f, 5);
	put8(f, nh);
	put8(f, 64);
	put(f, v6a, 16);
	put(f, v6b, 16);
}

/* the ports, then the rest of a transport header of hlen bytes */
static inline void l4(struct fr *f, unsigned int sport, unsigned int dport, uint32_t hlen)
{
	put16(f, sport);
	put16(f, dport);
	zeros(f, hlen - 4);
}

struct want {
	const char *name;
	struct fr f;
	enum pc_link link;
	uint16_t protocol;
	/* the keys, rx, by host, pair, flow, mac; built is 1 for a built key, else the class */
	struct pc_bkey k[PC_BY_COUNT];
};

static inline struct pc_bkey built_ip(enum pc_l3 l3, const uint8_t *a, const uint8_t *b, size_t n,
				      unsigned int proto, unsigned int sport, unsigned int dport)
{
	struct pc_bkey k;

	memset(&k, 0, sizeof(k));
	k.what = PC_BKEY_BUILT;
	k.l3 = (uint8_t)l3;
	memcpy(k.a, a, n);
	if (b)
		memcpy(k.b, b, n);
	k.ipproto = (uint8_t)proto;
	k.sport = (uint16_t)sport;
	k.dport = (uint16_t)dport;
	return k;
}

static inline struct pc_bkey class_of(enum pc_l3 l3)
{
	struct pc_bkey k;

	memset(&k, 0, sizeof(k));
	k.what = PC_BKEY_CLASS;
	k.l3 = (uint8_t)l3;
	return k;
}

static inline struct pc_bkey mac_of(const uint8_t *m)
{
	struct pc_bkey k;

	memset(&k, 0, sizeof(k));
	k.what = PC_BKEY_BUILT;
	k.l3 = PC_L3_COUNT;
	memcpy(k.a, m, 6);
	return k;
}

/* The cases into t (room for 32): frames of every shape, each with its rx keys; how many. */
size_t by_cases(struct want *t);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * Breakdowns (--by; docs/counting.md, "Breakdowns"): the keys the userspace
 * classifier builds, against keys written out by hand for frames built
 * field by field (tests/lib/bykeys.c); the key parts as output writes
 * them; the table's cap, overflow and idle keys.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "pktcount.h"

#include "lib/bykeys.h"

/* tx: host and mac name the other end, the destination; pair and flow stay as the frame has them */
static struct pc_bkey tx_key(const struct want *w, enum pc_by by)
{
	struct pc_bkey k = w->k[by];

	if (k.what != PC_BKEY_BUILT)
		return k;
	if (by == PC_BY_MAC)
		return mac_of(mac_b);
	if (by == PC_BY_HOST)
		memcpy(k.a, k.l3 == PC_L3_IPV6 ? v6b : v4b, k.l3 == PC_L3_IPV6 ? 16 : 4);
	return k;
}

Test(by, keys_of_crafted_frames)
{
	static struct want t[32];
	size_t n = by_cases(t), i;
	int by, out, bad = 0;

	for (i = 0; i < n; i++)
		for (by = PC_BY_HOST; by < PC_BY_COUNT; by++)
			for (out = 0; out < 2; out++) {
				struct pc_bkey got, want = out ? tx_key(&t[i], (enum pc_by)by) : t[i].k[by];
				struct pc_kpart pg[PC_KPARTS_MAX], pw[PC_KPARTS_MAX];

				pc_bkey_make(t[i].f.p, t[i].f.len, t[i].f.len, t[i].link, t[i].protocol, 0, out,
					     (enum pc_by)by, &got);
				if (!memcmp(&got, &want, sizeof(got)))
					continue;
				pc_bkey_parts(&got, (enum pc_by)by, pg);
				pc_bkey_parts(&want, (enum pc_by)by, pw);
				cr_log_error("%s, --by %s, %s: got %s=%s (what %u l3 %u), want %s=%s (what %u l3 %u)",
					     t[i].name, pc_by_name((enum pc_by)by), out ? "tx" : "rx",
					     pg[0].name, pg[0].text, got.what, got.l3, pw[0].name, pw[0].text,
					     want.what, want.l3);
				bad++;
			}
	cr_assert_eq(bad, 0, "%d keys wrong (see above)", bad);
}

/* The formatter: the usual text forms. */
Test(by, key_parts_in_their_usual_forms)
{
	static struct want t[32];
	struct pc_kpart p[PC_KPARTS_MAX];
	struct pc_bkey k;
	size_t n = by_cases(t);

	cr_assert_gt(n, 10);
	cr_assert_eq(pc_bkey_parts(&t[0].k[PC_BY_FLOW], PC_BY_FLOW, p), 6);
	cr_expect_str_eq(p[0].text, "192.0.2.1");
	cr_expect_str_eq(p[1].text, "198.51.100.7");
	cr_expect_str_eq(p[2].text, "17");
	cr_expect_str_eq(p[3].text, "udp");
	cr_expect_str_eq(p[4].text, "4000");
	cr_expect_str_eq(p[5].text, "53");
	k = built_ip(PC_L3_IPV6, v6b, NULL, 16, 0, 0, 0);
	cr_assert_eq(pc_bkey_parts(&k, PC_BY_HOST, p), 1);
	cr_expect_str_eq(p[0].name, "host");
	cr_expect_str_eq(p[0].text, "2001:db8:ff00::abcd");
	k = mac_of((const uint8_t[6]){ 0xAA, 0xbb, 0x0c, 0, 1, 0xFF });
	cr_assert_eq(pc_bkey_parts(&k, PC_BY_MAC, p), 1);
	cr_expect_str_eq(p[0].text, "aa:bb:0c:00:01:ff");
	k = class_of(PC_L3_ARP);
	cr_assert_eq(pc_bkey_parts(&k, PC_BY_HOST, p), 1);
	cr_expect_str_eq(p[0].name, "l3");
	cr_expect_str_eq(p[0].text, "arp");
}

/* A full table: 100 keys, then the overflow entry; every frame in some entry, once. */
Test(by, full_table_loses_nothing)
{
	struct pc_entries t, folded;
	const struct pc_entry *e;
	struct pc_counter sum = { 0, 0 };
	uint32_t i, cursor = 0, entries = 0;

	pc_entries_init(&t, 100);
	for (i = 0; i < 10000; i++) {
		struct pc_bkey k = built_ip(PC_L3_IPV4, v4a, v4b, 4, 17, i % 65536, i / 65536 + 1);

		pc_entries_add(&t, &k, (enum pc_dir)(i & 1), 60, 1);
	}
	pc_entries_add(&t, &(struct pc_bkey){ .what = PC_BKEY_CLASS, .l3 = PC_L3_ARP }, PC_DIR_RX, 42, 1);
	while ((e = pc_entries_next(&t, &cursor))) {
		entries++;
		sum.bytes += e->c[0].bytes + e->c[1].bytes;
		sum.packets += e->c[0].packets + e->c[1].packets;
	}
	cr_expect_eq(t.n, 100, "%u built keys", t.n);
	cr_expect_eq(t.overflow, 9900);
	cr_expect_eq(entries, 102, "100 keys, arp and other: %u", entries);
	cr_expect_eq(sum.packets, 10001);
	cr_expect_eq(sum.bytes, 10000 * 60 + 42);

	/* folding into a table of its own cap keeps every count, and what was reported */
	pc_entries_mark(&t, 1.0, 0);
	pc_entries_init(&folded, 100);
	pc_entries_fold(&folded, &t);
	cursor = 0;
	memset(&sum, 0, sizeof(sum));
	while ((e = pc_entries_next(&folded, &cursor))) {
		sum.packets += e->c[0].packets + e->c[1].packets;
		cr_expect_eq(e->prev[0].packets, e->c[0].packets, "prev came along");
	}
	cr_expect_eq(sum.packets, 10001);
	pc_entries_free(&t);
	pc_entries_free(&folded);
}

/* Keys quiet for --idle leave; their counts stay in the idle entry; new keys take the room. */
Test(by, idle_keys_leave_their_counts_stay)
{
	struct pc_entries t;
	const struct pc_entry *e;
	struct pc_counter sum = { 0, 0 };
	uint32_t i, cursor = 0;

	pc_entries_init(&t, 10);
	for (i = 0; i < 10; i++) {
		struct pc_bkey k = built_ip(PC_L3_IPV4, v4a, v4b, 4, 17, i + 1, 1);

		pc_entries_add(&t, &k, PC_DIR_RX, 100, 1);
	}
	pc_entries_mark(&t, 1.0, 3.0);		/* all seen counting at 1 */
	for (i = 0; i < 3; i++) {
		struct pc_bkey k = built_ip(PC_L3_IPV4, v4a, v4b, 4, 17, i + 1, 1);

		pc_entries_add(&t, &k, PC_DIR_TX, 10, 1);
	}
	pc_entries_mark(&t, 2.0, 3.0);		/* not idle yet */
	cr_expect_eq(t.n, 10);
	pc_entries_mark(&t, 4.5, 3.0);		/* 7 quiet since 1: gone */
	cr_expect_eq(t.n, 3, "%u keys left", t.n);
	cr_expect_eq(t.retired, 7);
	for (i = 100; i < 107; i++) {		/* room for 7 new keys, none to overflow */
		struct pc_bkey k = built_ip(PC_L3_IPV4, v4a, v4b, 4, 17, i, 1);

		pc_entries_add(&t, &k, PC_DIR_RX, 1, 1);
	}
	cr_expect_eq(t.overflow, 0);
	while ((e = pc_entries_next(&t, &cursor))) {
		sum.bytes += e->c[0].bytes + e->c[1].bytes;
		sum.packets += e->c[0].packets + e->c[1].packets;
		if (e->key.what == PC_BKEY_IDLE) {
			cr_expect_eq(e->c[0].packets, 7);
			cr_expect_eq(e->c[0].bytes, 700);
			cr_expect_eq(e->prev[0].packets, 7, "reported already: no interval shows it again");
		}
	}
	cr_expect_eq(sum.packets, 10 + 3 + 7);
	cr_expect_eq(sum.bytes, 1000 + 30 + 7);
	pc_entries_free(&t);
}

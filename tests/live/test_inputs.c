// SPDX-License-Identifier: GPL-2.0
/*
 * Inputs that must never hang, mislead or pass silently, where the verdict
 * needs privileges: very long expressions (one at the limit compiled for
 * a live device, as root does), and --tc-attach auto counting in tc mode.
 * The refusals any user meets are tests/unit/test_inputs.c's.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/netns.h"
#include "lib/proc.h"
#include "lib/wait.h"

/*
 * n terms, malloc'd: "ip src host" (a single comparison each, 1.8
 * instructions: 1,024 fit) and every eighth "ether[0:4] & 65535 = i" (a
 * lone & is arithmetic, no join), joined by "or", "||" and "or" after a
 * tab in turn.
 */
static char *mixed_list(int n)
{
	static const char *const joins[] = { " or ", "||", " or\t" };
	char *s = malloc((size_t)n * 40 + 1), *at = s;
	int i;

	cr_assert_not_null(s);
	for (i = 0; i < n; i++) {
		at += sprintf(at, "%s", i ? joins[i % 3] : "");
		if (i % 8)
			at += sprintf(at, "ip src host 10.0.%d.%d", i / 250, i % 250 + 1);
		else
			at += sprintf(at, "(ether[0:4] & 65535 = %d)", i);
	}
	return s;
}

/* n "host" terms, malloc'd: about 5.7 instructions each on Ethernet */
static char *host_list(int n)
{
	char *s = malloc((size_t)n * 32 + 1), *at = s;
	int i;

	cr_assert_not_null(s);
	for (i = 0; i < n; i++)
		at += sprintf(at, "%shost 10.%d.%d.%d", i ? " or " : "", i / 62500, i / 250 % 250, i % 250 + 1);
	return s;
}

/*
 * A 1,999-term expression kept libpcap's optimizer busy for six minutes
 * before a message about instruction counts.  Past PC_CLASS_TERMS_MAX
 * (1,024) terms an expression is refused at once, saying the limit and
 * why; at the limit one that fits is still taken.
 */
Test(inputs, long_expression_refused_at_once, .timeout = 60)
{
	char *hosts = host_list(1999), *over = mixed_list(1025), *at = mixed_list(1024);
	char cls[16 + 1025 * 40];
	const char *const too_long[][4] = {
		{ "--filter", hosts, "lo", NULL },
		{ "--class", cls, "lo", NULL },
	};
	const char *const fits[] = { "--filter", at, "pcnosuch0", NULL };

	snprintf(cls, sizeof(cls), "x=%s", over);
	pktcount_refused(too_long[0], 2, "--filter: 1999 terms joined by and/or, more than 1024: a class's program has at "
		"most 4096 instructions (BPF_MAXINSNS)");
	pktcount_refused(too_long[1], 2, "--class: class x: 1025 terms joined by and/or, more than 1024");
	/* compiled and checked, then the interface: no such device (without libpcap: nothing compiles) */
	if (mode_built_in("pcap"))
		pktcount_refused(fits, 3, "interface pcnosuch0: No such device");
	free(hosts);
	free(over);
	free(at);
}

static struct topo topo;

static void down(void)
{
	topo_down(&topo);
}

/* --tc-attach auto alone is tc mode, as --tc-attach tcx or clsact always was; -j -f json is JSON. */
Test(inputs, tc_attach_auto_is_tc_mode, .fini = down, .timeout = 60)
{
	static const char *const argvs[][9] = {
		{ "--tc-attach", "auto", "-j", "-c", "1", "-i", "0.1", "vb", NULL },
		{ "-j", "-f", "json", "-c", "1", "-i", "0.1", "vb", NULL },
	};
	static const char *const mode[] = { "\"mode\":\"tc\"", "\"mode\":" };
	size_t i;

	NEED_ROOT("network namespaces, tc");
	topo_up(&topo, 0, 0);
	for (i = 0; i < 2; i++) {
		struct pktcount_proc p;
		int st;

		cr_assert_eq(pktcount_start(&p, topo.b, argvs[i]), 0);
		st = pktcount_finish(&p, 0, WAIT_MS);
		cr_expect_eq(st, 0, "%s %s: exit %d: %s", argvs[i][0], argvs[i][1], st, p.err);
		cr_expect(p.out && strstr(p.out, "{\"type\":\"total\"") && strstr(p.out, mode[i]),
			  "%s %s: want JSON with %s, got: %s", argvs[i][0], argvs[i][1], mode[i], p.out);
		free(p.out);
		free(p.err);
	}
}

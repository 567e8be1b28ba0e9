// SPDX-License-Identifier: GPL-2.0
/*
 * The table of modes (src/modes.c): what each mode keeps once privileges
 * are dropped, as SECURITY.md says it; -m's names and auto's order; what
 * the loop keeps with taps of several modes; an open's error handed back
 * unsaid.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "modes.h"
#include "pin.h"

/* The bpf() commands a row may name (every one pktcount makes) */
static const struct {
	uint32_t cmd;
	const char *name;
} bpf_cmd_names[] = {
	{ BPF_MAP_CREATE, "BPF_MAP_CREATE" }, { BPF_MAP_LOOKUP_ELEM, "BPF_MAP_LOOKUP_ELEM" },
	{ BPF_MAP_UPDATE_ELEM, "BPF_MAP_UPDATE_ELEM" }, { BPF_MAP_DELETE_ELEM, "BPF_MAP_DELETE_ELEM" },
	{ BPF_MAP_GET_NEXT_KEY, "BPF_MAP_GET_NEXT_KEY" }, { BPF_PROG_LOAD, "BPF_PROG_LOAD" },
	{ BPF_OBJ_PIN, "BPF_OBJ_PIN" }, { BPF_OBJ_GET, "BPF_OBJ_GET" },
	{ BPF_OBJ_GET_INFO_BY_FD, "BPF_OBJ_GET_INFO_BY_FD" }, { BPF_MAP_LOOKUP_BATCH, "BPF_MAP_LOOKUP_BATCH" },
	{ BPF_MAP_LOOKUP_AND_DELETE_BATCH, "BPF_MAP_LOOKUP_AND_DELETE_BATCH" },
	{ BPF_LINK_CREATE, "BPF_LINK_CREATE" }, { BPF_PROG_TEST_RUN, "BPF_PROG_TEST_RUN" },
};

/* The cells of SECURITY.md's row for mode name (| name | caps | bpf | calls |), trimmed, into cell[4] */
static void security_row(const char *name, char cell[4][512])
{
	char line[2048], want[64], *p, *bar;
	FILE *f = fopen("SECURITY.md", "r");
	int found = 0, i;

	cr_assert_not_null(f, "SECURITY.md: %s", strerror(errno));
	snprintf(want, sizeof(want), "| %s |", name);
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, want, strlen(want));
	fclose(f);
	cr_assert(found, "SECURITY.md has no row for mode %s in its table of modes", name);
	for (i = 0, p = line + 1; i < 4; i++, p = bar + 1) {
		bar = strchr(p, '|');
		cr_assert_not_null(bar, "SECURITY.md, mode %s: four cells", name);
		*bar = '\0';
		while (*p == ' ')
			p++;
		cr_assert_lt(strlen(p), sizeof(cell[i]), "SECURITY.md, mode %s: a cell too long", name);
		memcpy(cell[i], p, strlen(p) + 1);
		for (char *e = cell[i] + strlen(cell[i]); e > cell[i] && e[-1] == ' ';)
			*--e = '\0';
	}
}

/* What a row's needs are called in SECURITY.md */
static void needs_text(unsigned int needs, char *out, size_t size)
{
	out[0] = '\0';
	if (needs & PC_NEED_PACKET)
		snprintf(out + strlen(out), size - strlen(out), "%sCAP_NET_RAW", *out ? "; " : "");
	if (needs & PC_NEED_NET_ADMIN)
		snprintf(out + strlen(out), size - strlen(out), "%sCAP_NET_ADMIN", *out ? "; " : "");
	if (needs & PC_NEED_BPF_ADMIN)
		snprintf(out + strlen(out), size - strlen(out), "%sCAP_BPF always", *out ? "; " : "");
	else if (needs & PC_NEED_BPF)
		snprintf(out + strlen(out), size - strlen(out), "%sCAP_BPF where unprivileged bpf() is off",
			 *out ? "; " : "");
}

/* Every row says in SECURITY.md exactly what it keeps: its capabilities, its bpf() commands, its calls. */
Test(modes, security_md_says_what_each_keeps)
{
	for (unsigned int r = 0; r < pc_nmodes; r++) {
		const struct pc_mode_row *m = &pc_modes[r];
		char cell[4][512], caps[256], word[64];
		uint64_t named = 0;
		const char *p;
		int n;

		security_row(m->name, cell);
		needs_text(m->keep.needs, caps, sizeof(caps));
		cr_expect_str_eq(cell[1], caps, "SECURITY.md, mode %s: capabilities", m->name);
		for (p = cell[2]; sscanf(p, "%63s%n", word, &n) == 1; p += n) {
			size_t i;

			for (i = 0; i < sizeof(bpf_cmd_names) / sizeof(bpf_cmd_names[0]); i++)
				if (!strcmp(word, bpf_cmd_names[i].name))
					break;
			cr_assert_lt(i, sizeof(bpf_cmd_names) / sizeof(bpf_cmd_names[0]), "SECURITY.md, mode %s: "
				     "%s is no bpf() command", m->name, word);
			named |= PC_BPF_CMD(bpf_cmd_names[i].cmd);
		}
		cr_expect_eq(named, m->keep.bpf_cmds, "SECURITY.md, mode %s: bpf() commands %#llx, the row's %#llx",
			     m->name, (unsigned long long)named, (unsigned long long)m->keep.bpf_cmds);
#ifdef SYS_eventfd2
		cr_expect_str_eq(cell[3], m->keep.nsys == 1 && m->keep.sys[0] == SYS_eventfd2 ? "eventfd2" : "",
				 "SECURITY.md, mode %s: system calls of its own", m->name);
		cr_expect(m->keep.nsys == 0 || (m->keep.nsys == 1 && m->keep.sys[0] == SYS_eventfd2),
			  "mode %s: a system call this test cannot name", m->name);
#endif
	}
}

/* -m's names, auto's order, and the pinned back end: a row of its own that reports "tc". */
Test(modes, names_and_auto)
{
	const struct pc_mode_row *m;

	cr_expect_str_eq(pc_modes_asked_list(), "auto, ebpf, classic, pcap or tc");
#ifdef PC_HAVE_PCAP
	cr_expect_str_eq(pc_modes_built_list(), "ebpf classic pcap tc");
#else
	cr_expect_str_eq(pc_modes_built_list(), "ebpf classic tc");
#endif
	cr_expect_null(pc_mode_named("auto"));
	cr_expect_null(pc_mode_named("pinned"), "pinned is found by its claim, not asked for");
	cr_expect_eq(pc_mode_named("tc"), pc_mode_row(PC_MODE_TC));
	m = pc_mode_auto_next(NULL);
	cr_assert_not_null(m);
	cr_expect_eq(m->id, PC_MODE_EBPF, "auto tries eBPF first");
	m = pc_mode_auto_next(m);
	cr_assert_not_null(m);
	cr_expect_eq(m->id, PC_MODE_CLASSIC, "then classic");
	cr_expect_null(pc_mode_auto_next(m));
	cr_expect(pc_mode_needs(PC_MODE_AUTO) & PC_NEED_PACKET, "whatever auto chooses opens packet sockets");
	cr_expect(!(pc_mode_needs(PC_MODE_TC) & PC_NEED_PACKET), "tc opens none");
	m = pc_mode_of(&pc_pinned_backend);
	cr_assert_not_null(m);
	cr_expect_str_eq(m->name, "pinned");
	cr_expect_str_eq(m->be->name, "tc", "a pinned reader reports the mode that counts: tc");
}

/* What the loop keeps is the union of the mode chosen and every tap's; privs.c makes capabilities of it. */
Test(modes, keep_is_the_union)
{
	struct pc_tap taps[2];
	struct pc_keep k;
	uint64_t caps;

	memset(taps, 0, sizeof(taps));
	taps[0].be = &pc_classic_backend;	/* auto chose eBPF, this tap fell back */
	taps[1].be = &pc_pinned_backend;	/* counts with no process since a --persist */
	k = pc_modes_keep(pc_mode_row(PC_MODE_CLASSIC), taps, 1);
	cr_expect_eq(k.needs, (unsigned int)PC_NEED_PACKET);
	cr_expect_eq(k.bpf_cmds, 0, "classic alone: no bpf() at all");
	k = pc_modes_keep(pc_mode_row(PC_MODE_CLASSIC), taps, 2);
	cr_expect_eq(k.needs, (unsigned int)(PC_NEED_PACKET | PC_NEED_BPF));
	cr_expect(k.bpf_cmds & PC_BPF_CMD(BPF_OBJ_GET), "pinned counters found again");
	cr_expect(!(k.bpf_cmds & PC_BPF_CMD(BPF_PROG_LOAD)), "nothing loads a program");
	k = pc_modes_keep(pc_mode_row(PC_MODE_EBPF), taps, 1);
	cr_expect(k.bpf_cmds & PC_BPF_CMD(BPF_PROG_LOAD), "eBPF for the interfaces to come");
	cr_expect(!(k.bpf_cmds & PC_BPF_CMD(BPF_LINK_CREATE)), "a socket filter makes no link");
	caps = pc_privs_caps(&pc_mode_row(PC_MODE_CLASSIC)->keep);
	cr_expect_eq(caps, 1ull << CAP_NET_RAW);
	caps = pc_privs_caps(&pc_mode_row(PC_MODE_TC)->keep);
	cr_expect(caps & (1ull << CAP_NET_ADMIN) && !(caps & (1ull << CAP_NET_RAW)), "tc: %#llx",
		  (unsigned long long)caps);
	cr_expect(caps & ((1ull << CAP_BPF) | (1ull << CAP_SYS_ADMIN)), "tc: CAP_BPF always: %#llx",
		  (unsigned long long)caps);
}

/* An open's error comes back to the caller unsaid (struct pc_fail): nothing on stderr. */
Test(modes, lookup_failure_handed_back)
{
	struct pc_tap tap;
	struct pc_fail why;
	char path[] = "/tmp/pktcount-fail-XXXXXX", out[256];
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t n;

	cr_assert(fd >= 0 && saved >= 0);
	unlink(path);
	memset(&tap, 0, sizeof(tap));
	fflush(stderr);
	cr_assert_geq(dup2(fd, STDERR_FILENO), 0);
	cr_expect_eq(pc_iface_lookup(&tap, "pc-none0", &why), PC_EXIT_NOIFACE);
	fflush(stderr);
	cr_assert_geq(dup2(saved, STDERR_FILENO), 0);
	close(saved);
	n = pread(fd, out, sizeof(out) - 1, 0);
	close(fd);
	cr_expect_eq(n, 0, "said: %.*s", (int)(n > 0 ? n : 0), out);
	cr_expect_eq(why.code, PC_EXIT_NOIFACE);
	cr_expect_str_eq(why.msg, "interface pc-none0: No such device");
}

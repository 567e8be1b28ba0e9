// SPDX-License-Identifier: GPL-2.0
/*
 * The table of modes.  Each row names a back end and declares what the
 * counting loop keeps for it once privileges are dropped (SECURITY.md):
 * capabilities by need (src/privs.c turns them into CAP_* for this kernel)
 * and the bpf() commands and system calls of its own (src/seccomp.c).  A
 * mode keeps what attaching to an interface again needs, since one that was
 * deleted is attached to when it comes back.
 *
 * Adding a mode: its back end in a file of its own (struct pc_backend), a
 * row here, and an enum pc_mode value when -m names it.
 */
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "modes.h"
#include "pc_uapi.h"
#include "pin.h"
#include "tc.h"

#ifdef PC_HAVE_PCAP
#define PCAP_BACKEND (&pc_pcap_backend)
#else
#define PCAP_BACKEND NULL
#endif

/*
 * bpf() of an eBPF tap: a map and a program for an interface that comes
 * back, the counters read (a batch, or key by key), --by's entry maps
 * drained (the control map written, entries taken in a batch or found,
 * read and deleted one by one), and the program's size as the kernel keeps
 * it, weighed against net.core.optmem_max before attaching (src/optmem.c).
 */
#define EBPF_CMDS (PC_BPF_CMD(BPF_MAP_CREATE) | PC_BPF_CMD(BPF_PROG_LOAD) | PC_BPF_CMD(BPF_MAP_LOOKUP_ELEM) | \
		   PC_BPF_CMD(BPF_MAP_LOOKUP_BATCH) | PC_BPF_CMD(BPF_MAP_UPDATE_ELEM) | \
		   PC_BPF_CMD(BPF_MAP_DELETE_ELEM) | PC_BPF_CMD(BPF_MAP_GET_NEXT_KEY) | \
		   PC_BPF_CMD(BPF_MAP_LOOKUP_AND_DELETE_BATCH) | PC_BPF_CMD(BPF_OBJ_GET_INFO_BY_FD))
/*
 * bpf() of pinned counters: the pins of an interface that comes back
 * found and checked (their shape, the links' and programs' ids), and read.
 */
#define PINNED_CMDS (PC_BPF_CMD(BPF_OBJ_GET) | PC_BPF_CMD(BPF_OBJ_GET_INFO_BY_FD) | \
		     PC_BPF_CMD(BPF_MAP_LOOKUP_ELEM) | PC_BPF_CMD(BPF_MAP_LOOKUP_BATCH))

const struct pc_mode_row pc_modes[] = {
	{
		.name = "ebpf", .id = PC_MODE_EBPF, .be = &pc_ebpf_backend,
		.probe = pc_ebpf_probe,
		.flags = PC_ROW_ASKED | PC_ROW_AUTO, .auto_why = "the kernel counts in eBPF",
		.keep = { .needs = PC_NEED_PACKET | PC_NEED_BPF, .bpf_cmds = EBPF_CMDS },
	},
	{
		/* no bpf() at all: its filter is classic BPF, set with setsockopt() */
		.name = "classic", .id = PC_MODE_CLASSIC, .be = &pc_classic_backend,
		.flags = PC_ROW_ASKED | PC_ROW_AUTO, .auto_why = "asked of every kernel",
		.keep = { .needs = PC_NEED_PACKET },
	},
	{
		.name = "pcap", .id = PC_MODE_PCAP, .be = PCAP_BACKEND, .absent = "it was built without libpcap",
		.flags = PC_ROW_ASKED,
#ifdef SYS_eventfd2
		/* libpcap 1.10 makes an eventfd a handle (pcap_breakloop()), each time it attaches */
		.keep = { .needs = PC_NEED_PACKET, .nsys = 1, .sys = { SYS_eventfd2 } },
#else
		.keep = { .needs = PC_NEED_PACKET },
#endif
	},
	{
		/*
		 * The socket mode's programs at the tc hooks: the same probe.  No
		 * packet socket; removing its clsact filters at exit takes
		 * CAP_NET_ADMIN, and SCHED_CLS programs are privileged.  An
		 * interface that comes back may come back pinned (src/pin.c).
		 */
		.name = "tc", .id = PC_MODE_TC, .be = &pc_tc_backend,
		.probe = pc_ebpf_probe,
		.flags = PC_ROW_ASKED,
		.keep = { .needs = PC_NEED_NET_ADMIN | PC_NEED_BPF_ADMIN,
			  .bpf_cmds = EBPF_CMDS | PC_BPF_CMD(BPF_LINK_CREATE) | PINNED_CMDS },
	},
	{
		/*
		 * Counters a --persist left counting with no process: any mode reads
		 * them instead of attaching (its claim).  Reading a map through a
		 * descriptor held takes CAP_BPF before 5.19 where unprivileged
		 * bpf() is off.
		 */
		.name = "pinned", .id = PC_MODE_PINNED, .be = &pc_pinned_backend,
		.claims = pc_pinned_claims,
		.keep = { .needs = PC_NEED_BPF, .bpf_cmds = PINNED_CMDS },
	},
};

const unsigned int pc_nmodes = sizeof(pc_modes) / sizeof(pc_modes[0]);

#define EACH_ROW(r) for (const struct pc_mode_row *r = pc_modes; r < pc_modes + pc_nmodes; r++)

const struct pc_mode_row *pc_mode_row(enum pc_mode id)
{
	EACH_ROW(r)
		if (r->id == id)
			return r;
	return NULL;
}

const struct pc_mode_row *pc_mode_named(const char *name)
{
	EACH_ROW(r)
		if ((r->flags & PC_ROW_ASKED) && !strcmp(r->name, name))
			return r;
	return NULL;
}

const struct pc_mode_row *pc_mode_of(const struct pc_backend *be)
{
	EACH_ROW(r)
		if (r->be == be)
			return r;
	return NULL;
}

const struct pc_mode_row *pc_mode_auto_next(const struct pc_mode_row *m)
{
	for (m = m ? m + 1 : pc_modes; m < pc_modes + pc_nmodes; m++)
		if ((m->flags & PC_ROW_AUTO) && m->be)
			return m;
	return NULL;
}

unsigned int pc_mode_needs(enum pc_mode id)
{
	const struct pc_mode_row *m = pc_mode_row(id);
	unsigned int needs = ~0u;

	if (m)
		return m->keep.needs;
	for (m = pc_mode_auto_next(NULL); m; m = pc_mode_auto_next(m))
		needs &= m->keep.needs;
	return needs;
}

/* The names of the rows that have every bit of flags (and a back end, when built), joined. */
static void names(char *buf, size_t size, unsigned int flags, int built, const char *first, const char *sep,
		  const char *last)
{
	const char *name[16];
	unsigned int n = 0, i;
	size_t len = 0;

	if (first)
		name[n++] = first;
	EACH_ROW(r)
		if ((r->flags & flags) == flags && (!built || r->be) && n < 16)
			name[n++] = r->name;
	buf[0] = '\0';
	for (i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i == 0 ? "" : i + 1 == n ? last : sep, name[i]);
}

const char *pc_modes_asked_list(void)
{
	static char list[128];

	if (!list[0])
		names(list, sizeof(list), PC_ROW_ASKED, 0, "auto", ", ", " or ");
	return list;
}

const char *pc_modes_built_list(void)
{
	static char list[128];

	if (!list[0])
		names(list, sizeof(list), PC_ROW_ASKED, 1, NULL, " ", " ");
	return list;
}

int pc_mode_claiming(const struct pc_tap *tap, const struct pc_mode_row **m, struct pc_fail *why)
{
	EACH_ROW(r) {
		int ret = r->claims && r->be ? r->claims(tap, why) : 0;

		if (ret < 0)
			return why->code;
		if (ret > 0) {
			*m = r;
			break;
		}
	}
	return PC_EXIT_OK;
}

/* k's with what row r keeps added. */
static void keep_add(struct pc_keep *k, const struct pc_mode_row *r)
{
	unsigned int i, j;

	k->needs |= r->keep.needs;
	k->bpf_cmds |= r->keep.bpf_cmds;
	for (i = 0; i < r->keep.nsys; i++) {
		for (j = 0; j < k->nsys && k->sys[j] != r->keep.sys[i]; j++)
			;
		if (j == k->nsys && k->nsys < PC_KEEP_SYS_MAX)
			k->sys[k->nsys++] = r->keep.sys[i];
	}
}

struct pc_keep pc_modes_keep(const struct pc_mode_row *mode, const struct pc_tap *taps, int ntaps)
{
	struct pc_keep k;
	int i;

	memset(&k, 0, sizeof(k));
	keep_add(&k, mode);
	for (i = 0; i < ntaps; i++) {
		const struct pc_mode_row *r = taps[i].be ? pc_mode_of(taps[i].be) : NULL;

		if (r)
			keep_add(&k, r);
	}
	return k;
}

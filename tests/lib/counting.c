// SPDX-License-Identifier: GPL-2.0
/*
 * pktcount counting on an interface of a test's namespace, end to end:
 * started, sent known traffic, ended, its output checked; and what it is
 * expected to say on this kernel (the unit, tc's attachment).
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bpf.h"
#include "counting.h"
#include "prog/build.h"
#include "netns.h"
#include "proc.h"
#include "records.h"
#include "traffic.h"
#include "wait.h"

const char *mode_json(const char *mode)
{
	static char name[16];

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(mode, ":"), mode);
	return name;
}

void counting_start(struct pktcount_proc *p, const char *ns, const char *dev, const char *mode)
{
	const char *attach = strchr(mode, ':');
	char m[16];
	const char *argv[] = { "-v", "-j", "-i", "0.2", "-m", m, dev, NULL, NULL, NULL };

	snprintf(m, sizeof(m), "%s", mode_json(mode));
	if (attach) {
		argv[6] = "--tc-attach";
		argv[7] = attach + 1;
		argv[8] = dev;
	}

	cr_assert_eq(pktcount_start(p, ns, argv), 0);
	cr_assert_eq(pktcount_wait_line(p, WAIT_MS), 0, "pktcount on %s/%s printed nothing", ns, dev);
}

void counting_finish(struct pktcount_proc *p, const char *dev, struct run_output *r, char *log, size_t size)
{
	char err[256];

	cr_assert_eq(pktcount_finish(p, SIGTERM, WAIT_MS), 0, "pktcount on %s exited %d: %s", dev,
		     p->status, p->err ? p->err : "");
	cr_assert_eq(parse_output(p->out, dev, r, err, sizeof(err)), 0, "%s: %s", dev, err);
	if (log)
		snprintf(log, size, "%s", p->err ? p->err : "");
	free(p->out);
	free(p->err);
}

const char *tc_default_attach(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (uname(&u) == 0)
		sscanf(u.release, "%u.%u", &major, &minor);
	return major > 6 || (major == 6 && minor >= 6) ? "tcx" : "clsact";
}

const char *unit_of(const char *mode)
{
	static int wire = -1;

	if (wire < 0) {
		struct bpf_insn insns[8];
		char err[256];
		int n = pc_asm_link(&pc_probes[PC_PROBE_GSO], NULL, insns, 8, err, sizeof(err)), fd;

		fd = n < 0 ? -1 : pc_bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, insns, (size_t)n, "pc_t_probe", NULL);
		wire = fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	return (!strcmp(mode, "ebpf") || !strncmp(mode, "tc", 2)) && wire ? "wire" : "skb";
}

void run_on_known(struct topo *t, struct pktcount_proc *p, const char *const argv[], struct known_traffic *known,
		  int sig)
{
	topo_up(t, 0, 0);
	topo_wait_quiet(t, 300, WAIT_MS);
	cr_assert_eq(pktcount_start(p, t->b, argv), 0);
	cr_assert_eq(pktcount_wait_line(p, WAIT_MS), 0, "pktcount printed nothing");
	cr_assert_eq(in_netns(t->a, send_known_traffic, known), 0);
	/* a signal ends it once its records say it counted what was sent */
	if (sig)
		pktcount_wait_counted(p, "vb", COUNT_RX, (uint64_t)(known->udp + known->arp), WAIT_MS);
	cr_assert_eq(pktcount_finish(p, sig, WAIT_MS), 0, "exit %d: %s", p->status, p->err ? p->err : "");
}


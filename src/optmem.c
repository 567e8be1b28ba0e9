// SPDX-License-Identifier: GPL-2.0
/*
 * What a socket filter costs its socket, known before it is attached.
 *
 * SO_ATTACH_BPF and SO_ATTACH_FILTER end in __sk_attach_prog()
 * (net/core/filter.c; in sk_attach_filter() and sk_attach_bpf() themselves
 * on the first kernels that have them), which charges the socket through
 * __sk_filter_charge() (sk_filter_charge() on 3.17-3.19):
 *
 *	filter_size = bpf_prog_size(fp->prog->len);
 *	if (filter_size <= optmem_max &&
 *	    atomic_read(&sk->sk_omem_alloc) + filter_size < optmem_max)
 *
 * else ENOMEM.  bpf_prog_size(len) (include/linux/filter.h) is
 * max(sizeof(struct bpf_prog), offsetof(struct bpf_prog, insns[len])): a
 * header whose size varies with the kernel's version and build (x86_64: 48
 * bytes on 4.14, 56 on 4.19 to 5.10, 96 on 6.18), then 8 bytes an
 * instruction.  prog->len is the program as
 * the kernel keeps it, not as it was handed in: the verifier rewrites
 * context reads, inlines map lookups and helpers (a 654-instruction class
 * program is 781 on 6.18); a classic filter is charged as the eBPF program
 * bpf_migrate_filter() converted it to.  BPF_OBJ_GET_INFO_BY_FD's
 * xlated_prog_len is that length in bytes, bpf_prog_insn_size(prog) (4.13+,
 * for CAP_BPF or, before 5.8, CAP_SYS_ADMIN; else 0).  The header is
 * measured once: a two-instruction program attached to a socket of our own,
 * the socket's sk_omem_alloc read before and after (SO_MEMINFO,
 * SK_MEMINFO_OPTMEM, 4.12+).
 *
 * sk_omem_alloc is per socket: a program loaded once and attached to many
 * sockets is charged to each.  Replacing a socket's filter charges the new
 * one before the old is uncharged (__sk_attach_prog()), so a swap needs room
 * for both; pktcount never swaps, it attaches to a socket made for the
 * purpose.  Nothing else an AF_PACKET socket sets up is charged there: its
 * rings, fanout and memberships are plain allocations (on 6.18 a socket
 * with a TPACKET_V3 ring, PACKET_AUXDATA, promiscuity and a fanout group
 * holds only its filter's bytes), and tc programs are never charged.
 *
 * optmem_max is read from /proc/sys/net/core/optmem_max at every attach, as
 * it is then (a 0644 file, open to the -Z user and the seccomp list: an
 * interface that returns is weighed against today's value).  It became per
 * network namespace in 6.8 (f5769faeec36, "net: Namespace-ify
 * sysctl_optmem_max": sock_net(sk)->core.sysctl_optmem_max, 128 KiB in each
 * new namespace, 4944566706b2); before, one global value, by default
 * sizeof(unsigned long) * (2 * UIO_MAXIOV + 512): 20 KiB on 64-bit kernels,
 * 10 KiB on 32-bit ones.  /proc/sys/net shows the reading process's
 * namespace, the one pktcount's sockets are made in (--netns is entered
 * first).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/sock_diag.h>

#include "bpf.h"
#include "optmem.h"
#include "pktcount.h"

#define OPTMEM_PATH "/proc/sys/net/core/optmem_max"

long pc_optmem_max(void)
{
	char buf[32];
	ssize_t n;
	long v;
	char *end;
	int fd = open(OPTMEM_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	return end == buf || v < 0 ? -EPROTO : v;
}

long pc_optmem_used(int sock)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	memset(mem, 0, sizeof(mem));
	if (getsockopt(sock, SOL_SOCKET, SO_MEMINFO, mem, &len) < 0)
		return -errno;
	return len > SK_MEMINFO_OPTMEM * sizeof(mem[0]) ? (long)mem[SK_MEMINFO_OPTMEM] : -EPROTO;
}

/* A program's length as the kernel keeps it, in bytes (bpf_prog_insn_size()); 0: not told. */
static long xlated_len(int prog)
{
	uint32_t info[offsetof(struct bpf_prog_info, xlated_prog_len) / 4 + 1];
	unsigned int n = sizeof(info) / sizeof(info[0]);

	if (pc_bpf_obj_info(prog, info, n) < 0)
		return 0;
	return info[n - 1];
}

/* What attaching prog charges a socket of our own: SO_MEMINFO before and after; -errno. */
static long charge_of(int prog)
{
	int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	long before, after = -EPROTO;

	if (sock < 0)
		return -errno;
	before = pc_optmem_used(sock);
	if (before >= 0 && setsockopt(sock, SOL_SOCKET, SO_ATTACH_BPF, &prog, sizeof(prog)) < 0)
		before = -errno;
	if (before >= 0)
		after = pc_optmem_used(sock);
	close(sock);
	return before < 0 ? before : after < 0 ? after : after - before;
}

/* offsetof(struct bpf_prog, insns) of this kernel, measured; -errno when it cannot be. */
static long measure_header(void)
{
	static const struct bpf_insn two[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	long charge, kept;
	int prog = pc_bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, two, 2, "pc_optmem", NULL);

	if (prog < 0)
		return prog;
	charge = charge_of(prog);
	kept = xlated_len(prog);
	close(prog);
	if (charge < 0)
		return charge;
	return charge - (kept ? kept : (long)sizeof(two));
}

/* The header, measured at the first call (the first tap opened, before privileges go); -errno. */
static long header(void)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static long h;
	static int done;
	long ret;

	pthread_mutex_lock(&lock);
	if (!done) {
		h = measure_header();
		/* ENOMEM: optmem_max is below even that program; measured again at the next attach */
		done = h != -ENOMEM;
		if (h >= 0)
			pc_log("socket filters: %ld bytes of net.core.optmem_max, and 8 an instruction as the kernel "
			       "keeps it", h);
		else
			pc_log("socket filters: their header not measured (%s)", pc_errno_name((int)-h));
	}
	ret = h;
	pthread_mutex_unlock(&lock);
	return ret;
}

int pc_optmem_fits(int sock, int prog, unsigned int insns, struct pc_optmem *om)
{
	long h = header(), kept = xlated_len(prog);

	om->insns = insns;
	om->max = pc_optmem_max();
	/* a fresh socket holds nothing (before 4.12 it cannot say) */
	om->used = pc_optmem_used(sock);
	if (om->used < 0)
		om->used = 0;
	om->charge = h >= 0 && kept > 0 ? h + kept : -1;
	if (om->max < 0 || om->charge < 0)
		return -1;
	/* __sk_filter_charge() */
	return om->charge <= om->max && om->used + om->charge < om->max;
}

int pc_optmem_refuse(struct pc_fail *why, const char *name, const struct pc_optmem *om)
{
	char held[48] = "";
	long h = header();

	why->optmem = 1;
	if (om->used > 0)
		snprintf(held, sizeof(held), " besides the %ld it holds", om->used);
	if (om->max < 0)
		return pc_fail(why, PC_EXIT_UNSUPPORTED, "%s: eBPF program of %u instructions refused by its socket "
			       "(ENOMEM); %s: %s", name, om->insns, OPTMEM_PATH, strerror((int)-om->max));
	if (om->charge < 0)	/* not told its size: SO_ATTACH_BPF refused it */
		return pc_fail(why, PC_EXIT_UNSUPPORTED, "%s: eBPF program of %u instructions takes over "
			       "net.core.optmem_max (%ld) of socket option memory, at least %ld bytes%s (-m tc takes "
			       "none)", name, om->insns, om->max, (h > 0 ? h : 0) + 8l * om->insns, held);
	return pc_fail(why, PC_EXIT_UNSUPPORTED, "%s: eBPF program of %u instructions takes %ld bytes of socket "
		       "option memory%s, over net.core.optmem_max (%ld; eBPF needs %ld or more; -m tc takes none)",
		       name, om->insns, om->charge, held, om->max, om->used + om->charge + 1);
}

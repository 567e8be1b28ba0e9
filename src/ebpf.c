// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF back end: one counter map and one counting program per interface,
 * attached to an AF_PACKET socket that never queues a frame.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bpf.h"
#include "pc_prog.h"
#include "pktcount.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* kernel-internal: a JIT that cannot do XADD, with JIT_ALWAYS_ON */
#endif

/* What the probe found; -1 before it ran. */
static int have_percpu = -1;

/* One line naming the call, the object and the errno text, with a hint where one helps. */
static int explain_bpf_error(const char *what, const char *obj, int err)
{
	const char *hint = "";
	int code = PC_EXIT_FAIL;

	switch (err) {
	case EPERM:
		if (!pc_have_cap(PC_CAP_BPF) && !pc_have_cap(PC_CAP_SYS_ADMIN))
			hint = ": needs CAP_BPF (5.8+) or CAP_SYS_ADMIN; run as root";
		else
			hint = ": on 4.4-5.10 kernels RLIMIT_MEMLOCK may be too low (ulimit -l)";
		code = PC_EXIT_PRIV;
		break;
	case ENOSYS:
		hint = ": this kernel has no bpf() (CONFIG_BPF_SYSCALL off, or before 3.18)";
		code = PC_EXIT_UNSUPPORTED;
		break;
	case EACCES:
		hint = pc_verbose ? ": the verifier's log follows" : ": the verifier refused it; -v shows why";
		code = PC_EXIT_VERIFIER;
		break;
	case ENOTSUPP:
		hint = ": this kernel's JIT cannot run XADD and its interpreter is off";
		code = PC_EXIT_UNSUPPORTED;
		break;
	}
	pc_err("%s %s: %s (%s)%s", what, obj, err == ENOTSUPP ? "Operation not supported" : strerror(err),
	       pc_errno_name(err), hint);
	return code;
}

int pc_ebpf_probe(void)
{
	struct bpf_insn insns[PC_PROG_MAX_INSNS];
	char err[160], *log = NULL;
	int fd, n;

	if (have_percpu >= 0)
		return PC_EXIT_OK;
	if (pc_bpf_raise_memlock() < 0)
		pc_log("RLIMIT_MEMLOCK: %s (matters on 4.4-5.10 only)", strerror(errno));

	fd = pc_bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(uint32_t),
			       sizeof(struct pc_counter), 1, "pc_probe");
	if (fd >= 0) {
		have_percpu = 1;
		close(fd);
		pc_log("bpf(): ok; PERCPU_ARRAY: ok");
	} else if (errno == EINVAL) {
		/* 3.18-4.5: no per-CPU maps; fall back to one shared copy */
		pc_log("bpf(): ok; PERCPU_ARRAY: EINVAL, using ARRAY+XADD");
		fd = pc_bpf_map_create(BPF_MAP_TYPE_ARRAY, sizeof(uint32_t),
				       sizeof(struct pc_counter), 1, "pc_probe");
		if (fd < 0)
			return explain_bpf_error("bpf(BPF_MAP_CREATE)", "ARRAY map", errno);
		close(fd);
		have_percpu = 0;
	} else {
		return explain_bpf_error("bpf(BPF_MAP_CREATE)", "PERCPU_ARRAY map", errno);
	}
	pc_log("prog_name/map_name: %s", pc_bpf_names_supported() ? "ok" : "not taken (before 4.15)");

	n = pc_asm_link(&pc_progs[PC_PROG_EMPTY], -1, insns, PC_PROG_MAX_INSNS, err, sizeof(err));
	if (n < 0) {
		pc_err("internal: %s", err);
		return PC_EXIT_FAIL;
	}
	fd = pc_bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, insns, (size_t)n,
			      pc_progs[PC_PROG_EMPTY].name, &log);
	if (fd < 0) {
		int e = errno;

		have_percpu = -1;
		e = explain_bpf_error("bpf(BPF_PROG_LOAD)", "socket filter", e);
		if (log && pc_verbose)
			fprintf(stderr, "%s", log);
		free(log);
		return e;
	}
	close(fd);
	pc_log("socket filter: ok");
	return PC_EXIT_OK;
}

static int load_counter(struct pc_tap *tap)
{
	enum pc_prog_id id;
	struct bpf_insn insns[PC_PROG_MAX_INSNS];
	char err[160], *log = NULL;
	int n;

	if (tap->link == PC_LINK_ETH)
		id = tap->percpu ? PC_PROG_ETH_PERCPU : PC_PROG_ETH_XADD;
	else
		id = tap->percpu ? PC_PROG_RAW_PERCPU : PC_PROG_RAW_XADD;

	n = pc_asm_link(&pc_progs[id], tap->map_fd, insns, PC_PROG_MAX_INSNS, err, sizeof(err));
	if (n < 0) {
		pc_err("internal: %s", err);
		return PC_EXIT_FAIL;
	}
	tap->prog_fd = pc_bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, insns, (size_t)n,
					pc_progs[id].name, &log);
	if (tap->prog_fd < 0) {
		int e = errno, code;

		code = explain_bpf_error("bpf(BPF_PROG_LOAD)", pc_progs[id].name, e);
		if (log && pc_verbose)
			fprintf(stderr, "%s", log);
		free(log);
		return code;
	}
	snprintf(tap->detail, sizeof(tap->detail), "%s, %d insns", pc_progs[id].name, n);
	return PC_EXIT_OK;
}

static void ebpf_close(struct pc_tap *tap)
{
	if (tap->sock >= 0)
		close(tap->sock);
	if (tap->prog_fd >= 0)
		close(tap->prog_fd);
	if (tap->map_fd >= 0)
		close(tap->map_fd);
	free(tap->valbuf);
	free(tap->keybuf);
	tap->sock = tap->prog_fd = tap->map_fd = -1;
	tap->valbuf = NULL;
	tap->keybuf = NULL;
}

static int ebpf_open(struct pc_tap *tap)
{
	int code, ncpu = 1;

	tap->sock = tap->prog_fd = tap->map_fd = -1;
	tap->valbuf = NULL;
	tap->keybuf = NULL;
	code = pc_ebpf_probe();
	if (code)
		return code;
	tap->percpu = have_percpu;
	if (tap->percpu) {
		ncpu = pc_bpf_possible_cpus();
		if (ncpu < 0) {
			pc_err("/sys/devices/system/cpu/possible: %s", strerror(-ncpu));
			code = PC_EXIT_FAIL;
			goto out_close;
		}
	}
	tap->ncpu = ncpu;
	/* sizeof(struct pc_counter) is a multiple of 8: no per-CPU padding */
	tap->valbuf = calloc((size_t)PC_NKEYS * (size_t)ncpu, sizeof(struct pc_counter));
	tap->keybuf = calloc(PC_NKEYS, sizeof(uint32_t));
	if (!tap->valbuf || !tap->keybuf) {
		pc_err("%s: %s", tap->name, strerror(ENOMEM));
		code = PC_EXIT_FAIL;
		goto out_close;
	}

	tap->map_fd = pc_bpf_map_create(tap->percpu ? BPF_MAP_TYPE_PERCPU_ARRAY : BPF_MAP_TYPE_ARRAY,
					sizeof(uint32_t), sizeof(struct pc_counter), PC_NKEYS,
					"pktcount");
	if (tap->map_fd < 0) {
		code = explain_bpf_error("bpf(BPF_MAP_CREATE) for", tap->name, errno);
		goto out_close;
	}
	code = load_counter(tap);
	if (code)
		goto out_close;

	code = pc_tap_socket(tap);
	if (code)
		goto out_close;
	if (setsockopt(tap->sock, SOL_SOCKET, SO_ATTACH_BPF, &tap->prog_fd, sizeof(tap->prog_fd)) < 0) {
		int e = errno;

		pc_err("setsockopt(SO_ATTACH_BPF) on %s: %s (%s)", tap->name, strerror(e), pc_errno_name(e));
		code = e == ENOPROTOOPT ? PC_EXIT_UNSUPPORTED : PC_EXIT_FAIL;
		goto out_close;
	}
	code = pc_tap_bind(tap);
	if (code)
		goto out_close;
	pc_log("%s: ebpf (%s, %s)", tap->name, tap->detail,
	       tap->percpu ? "PERCPU_ARRAY" : "ARRAY+XADD");
	return PC_EXIT_OK;

out_close:
	ebpf_close(tap);
	return code;
}

static int ebpf_read(struct pc_tap *tap)
{
	const struct pc_counter *v = tap->valbuf;
	uint32_t key;
	int c;

	if (pc_bpf_array_read(tap->map_fd, PC_NKEYS, tap->keybuf, tap->valbuf,
			      (size_t)tap->ncpu * sizeof(struct pc_counter)) < 0)
		return -errno;
	for (key = 0; key < PC_NKEYS; key++, v += tap->ncpu) {
		uint64_t bytes = 0, packets = 0;

		for (c = 0; c < tap->ncpu; c++) {
			bytes += v[c].bytes;
			packets += v[c].packets;
		}
		/* on top of what earlier attachments of this interface counted */
		tap->total[key].bytes = tap->base[key].bytes + bytes;
		tap->total[key].packets = tap->base[key].packets + packets;
	}
	return 0;
}

const struct pc_backend pc_ebpf_backend = {
	.name = "ebpf",
	.open = ebpf_open,
	.read = ebpf_read,
	.close = ebpf_close,
};

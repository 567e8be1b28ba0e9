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
#include <sys/utsname.h>
#include <unistd.h>

#include "bpf.h"
#include "ebpf_by.h"
#include "optmem.h"
#include "pc_class.h"
#include "pktcount.h"
#include "prog/build.h"

/* The rows a read takes at most: the protocol keys, or the classes' */
#define ROWS_MAX (PC_NKEYS > PC_CLASS_ROWS ? PC_NKEYS : PC_CLASS_ROWS)

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* kernel-internal: a JIT that cannot do XADD, with JIT_ALWAYS_ON */
#endif


/* why: one line naming the call, the object and the errno text, with a hint where one helps; its pc_exit. */
int pc_ebpf_explain(struct pc_fail *why, const char *what, const char *obj, int err)
{
	const char *hint = "";
	int code = PC_EXIT_FAIL;

	switch (err) {
	case EPERM:
		if (!pc_have_cap(CAP_BPF) && !pc_have_cap(CAP_SYS_ADMIN))
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
	return pc_fail(why, code, "%s %s: %s (%s)%s", what, obj,
		       err == ENOTSUPP ? "Operation not supported" : strerror(err), pc_errno_name(err), hint);
}

/*
 * A program the builder made, loaded as a program of type, with the maps
 * in its slots (fds: PC_MAP_SLOTS of them, or NULL for none); fd or
 * -errno, the verifier's log in *log, its length in *ninsns.
 */
static int load_prog(const struct pc_prog *prog, uint32_t type, const int *fds, char **log, int *ninsns)
{
	struct bpf_insn *insns = malloc(PC_PROG_MAX_INSNS * sizeof(*insns));
	char err[160];
	int n;

	if (!insns)
		return -ENOMEM;
	n = pc_asm_link(prog, fds, insns, PC_PROG_MAX_INSNS, err, sizeof(err));
	if (n < 0) {
		pc_err("internal: %s", err);
		free(insns);
		return -EINVAL;
	}
	*ninsns = n;
	n = pc_bpf_prog_load(type, insns, (size_t)n, prog->name, log);
	n = n < 0 ? -errno : n;
	free(insns);
	return n;
}

/*
 * The most instructions this kernel takes in a program: BPF_MAXINSNS (4096)
 * before 5.2, then a million from a privileged loader
 * (BPF_COMPLEXITY_LIMIT_INSNS, kernel/bpf/syscall.c bpf_prog_load()).
 */
static unsigned int kernel_max_insns(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return PC_KERNEL_MAX_INSNS_OLD;
	return PC_KV(major, minor) < PC_KV(5, 2) ? PC_KERNEL_MAX_INSNS_OLD : PC_PROG_MAX_INSNS;
}

/*
 * What the probe table found this kernel has, for the builder: facts only,
 * each as the probe answered it (the policy is pc_variant_choose()'s).
 */
static struct pc_kernel kernel_has(void)
{
	return (struct pc_kernel){
		.percpu = pc_features[PC_F_PERCPU] == 1,
		.gso = pc_features[PC_F_WIRE] == 1,
		.load_bytes = pc_features[PC_F_LOAD_BYTES] == 1,
		.max_insns = kernel_max_insns(),
	};
}

/* The variant tap counts with at at, on this kernel. */
static struct pc_variant tap_variant(const struct pc_tap *tap, enum pc_attach at)
{
	const struct pc_kernel k = kernel_has();

	return pc_variant_choose(&k, tap->link, tap->by != PC_BY_PROTO, at, &pc_classes);
}

static int probe_map(uint32_t type)
{
	int fd = pc_bpf_map_create(type, sizeof(uint32_t), sizeof(struct pc_counter), 1, "pc_probe");

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int probe_array(void)
{
	return probe_map(BPF_MAP_TYPE_ARRAY);
}

static int probe_percpu(void)
{
	return probe_map(BPF_MAP_TYPE_PERCPU_ARRAY);
}

static int probe_prog(enum pc_probe id)
{
	char *log = NULL;
	int n, fd = load_prog(&pc_probes[id], BPF_PROG_TYPE_SOCKET_FILTER, NULL, &log, &n);

	if (fd < 0 && log && pc_verbose)
		fprintf(stderr, "%s", log);
	free(log);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static int probe_ctx_read(void)
{
	return probe_prog(PC_PROBE_CTX);
}

static int probe_gso_read(void)
{
	return probe_prog(PC_PROBE_GSO);
}

static int probe_load_bytes(void)
{
	return probe_prog(PC_PROBE_LOAD_BYTES);
}

/* Names for maps and programs: the ARRAY map's probe (named) found it out. */
static int probe_names(void)
{
	return pc_bpf_names_supported() ? 0 : -E2BIG;
}

/*
 * A read of a one-key array of the kind the counters will be (PERCPU_ARRAY
 * where there is one): in one BPF_MAP_LOOKUP_BATCH where the kernel has it
 * for that kind (5.6 for ARRAY; PERCPU_ARRAY later: ENOTSUPP on 5.10).
 */
static int probe_lookup_batch(void)
{
	const struct pc_kernel has = kernel_has();
	int percpu = pc_variant_choose(&has, PC_LINK_ETH, 0, PC_AT_SOCKET, NULL).counters == PC_CTR_PERCPU;
	int ncpu = percpu ? pc_bpf_possible_cpus() : 1;
	struct pc_counter *v = calloc(ncpu > 0 ? (size_t)ncpu : 1, sizeof(*v));
	uint32_t key;
	int fd = pc_bpf_map_create(percpu ? BPF_MAP_TYPE_PERCPU_ARRAY : BPF_MAP_TYPE_ARRAY,
				   sizeof(uint32_t), sizeof(struct pc_counter), 1, "pc_probe");
	int ret = fd < 0 ? -errno : ncpu < 0 ? ncpu : !v ? -ENOMEM : 0;

	if (!ret) {
		pc_features[PC_F_LOOKUP_BATCH] = -1;
		ret = pc_bpf_array_read(fd, 0, 1, &key, v, (size_t)ncpu * sizeof(*v)) < 0 ? -errno : 0;
	}
	if (fd >= 0)
		close(fd);
	free(v);
	return ret ? ret : pc_features[PC_F_LOOKUP_BATCH] ? 0 : -EINVAL;
}

/* Entries taken from an empty hash map of the breakdowns' kind, with BPF_MAP_LOOKUP_AND_DELETE_BATCH. */
static int probe_take_batch(void)
{
	const struct pc_kernel has = kernel_has();
	int percpu = pc_variant_choose(&has, PC_LINK_ETH, 1, PC_AT_SOCKET, NULL).counters == PC_CTR_PERCPU;
	int ncpu = percpu ? pc_bpf_possible_cpus() : 1;
	struct pc_counter *v = calloc(ncpu > 0 ? 2 * (size_t)ncpu : 2, sizeof(*v));
	struct pc_bkey k;
	uint32_t token = 0, n = 1;
	int fd = pc_bpf_map_create(percpu ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH, sizeof(k),
				   2 * sizeof(struct pc_counter), 1, "pc_probe");
	int ret = fd < 0 ? -errno : ncpu < 0 ? ncpu : !v ? -ENOMEM : 0;

	if (!ret)
		ret = pc_bpf_map_take_batch(fd, 1, &token, &k, v, &n);
	if (fd >= 0)
		close(fd);
	free(v);
	return ret < 0 ? ret : 0;
}

/*
 * What eBPF counting needs, asked once, in order.  A step that is needed and
 * fails refuses eBPF (auto mode picks classic): the kernel lacks it, exit 5,
 * unless it is a privilege, exit 4.  Only a counting program refused after
 * these passed is the verifier's exit 6.  Each row is a kernel that was
 * booted and refused it (tests/vm/).
 */
static const struct probe_step {
	const char *what;
	const char *since;	/* the kernel that has it */
	int (*run)(void);	/* 0 or -errno */
	int needed;		/* else: a fallback (ARRAY+XADD for PERCPU_ARRAY, skb units, ...) */
	int feature;		/* the pc_features[] row an optional step answers, or -1 */
} probe_steps[] = {
	{ "bpf() with an ARRAY map", "3.19 with CONFIG_BPF_SYSCALL", probe_array, 1, -1 },
	{ "PERCPU_ARRAY map", "4.6", probe_percpu, 0, PC_F_PERCPU },
	{ "socket filter reading __sk_buff", "4.1", probe_ctx_read, 1, -1 },
	{ "socket filter reading gso_segs and gso_size", "5.7", probe_gso_read, 0, PC_F_WIRE },
	{ "socket filter calling skb_load_bytes", "4.13", probe_load_bytes, 0, PC_F_LOAD_BYTES },
	{ "prog_name and map_name", "4.15", probe_names, 0, PC_F_NAMES },
	{ "BPF_MAP_LOOKUP_BATCH on the counters' map", "5.6; PERCPU_ARRAY not in 5.10", probe_lookup_batch, 0, PC_F_LOOKUP_BATCH },
	{ "BPF_MAP_LOOKUP_AND_DELETE_BATCH", "5.6", probe_take_batch, 0, PC_F_TAKE_BATCH },
};

static int probe_refused(struct pc_fail *why, const struct probe_step *st, int err)
{
	if (err == EPERM || err == ENOTSUPP)
		return pc_ebpf_explain(why, "bpf()", st->what, err);
	if (err == ENOSYS)
		return pc_fail(why, PC_EXIT_UNSUPPORTED, "eBPF: this kernel has no bpf(): %s (ENOSYS; "
			       "CONFIG_BPF_SYSCALL off, or before 3.18)", strerror(err));
	return pc_fail(why, PC_EXIT_UNSUPPORTED, "eBPF: %s: %s (%s): this kernel lacks it (needs %s)", st->what,
		       strerror(err), pc_errno_name(err), st->since);
}

/* -v: what the chooser makes of the kernel's answers, for a tap without and with --by. */
static void log_choices(void)
{
	const struct pc_kernel k = kernel_has();
	const struct pc_variant proto = pc_variant_choose(&k, PC_LINK_ETH, 0, PC_AT_SOCKET, NULL);
	const struct pc_variant by = pc_variant_choose(&k, PC_LINK_ETH, 1, PC_AT_SOCKET, NULL);

	pc_log("counters: %s", proto.counters == PC_CTR_PERCPU ? "PERCPU_ARRAY" : "ARRAY+XADD (no PERCPU_ARRAY before 4.6)");
	pc_log("gso_segs and gso_size: %s", proto.unit == PC_UNIT_WIRE ? "readable: counts in wire units"
								      : "not readable (5.7+): skb units");
	pc_log("breakdowns: %s", by.counters == PC_CTR_PERCPU ? "PERCPU_HASH, headers copied with skb_load_bytes"
							      : "HASH+XADD, headers read a word at a time (no skb_load_bytes before 4.13)");
}

/*
 * The probe steps, in order; a pc_exit, why filled.  Asked once, first from
 * the main thread (the mode's probe), before any tap opens in parallel:
 * every later asking gets the answer kept.
 */
int pc_ebpf_probe(struct pc_fail *why)
{
	static struct pc_fail result = { -1, 0, "" };
	size_t i;

	if (result.code >= 0) {
		if (result.code)
			*why = result;
		return result.code;
	}
	if (pc_bpf_raise_memlock() < 0)
		pc_log("RLIMIT_MEMLOCK: %s (matters on 4.4-5.10 only)", strerror(errno));
	for (i = 0; i < sizeof(probe_steps) / sizeof(probe_steps[0]); i++) {
		const struct probe_step *st = &probe_steps[i];
		int ret = st->run();

		pc_log("probe: %s (%s): %s", st->what, st->since, ret ? pc_errno_name(-ret) : "ok");
		if (st->feature >= 0)
			pc_features[st->feature] = ret == 0;
		if (ret && st->needed) {
			probe_refused(&result, st, -ret);
			*why = result;
			return result.code;
		}
	}
	log_choices();
	return result.code = PC_EXIT_OK;
}

/* -v: each class's instructions in the program */
static void log_classes(const struct pc_tap *tap, const struct pc_built *b)
{
	unsigned int i;

	for (i = 0; i < pc_classes.n && pc_verbose; i++) {
		const struct pc_class *k = &pc_classes.c[i];

		if (k->prog[tap->link].n)
			pc_log("%s: class %s: %u classic instructions, %u eBPF", tap->name, k->name,
			       k->prog[tap->link].n, b->class_insns[i]);
		else
			pc_log("%s: class %s: never matches on this link type (%s)", tap->name, k->name, k->refused);
	}
}

/* tap->priv's maps, each in the slot its program loads it from (include/pc_prog.h). */
static void map_slots(const struct pc_ebpf *e, int fds[PC_MAP_SLOTS])
{
	fds[PC_MAP_COUNTERS] = e->map_fd;
	fds[PC_MAP_BY_CTL] = PC_EBPF_BY_FD(e, PC_MAP_BY_CTL);
	fds[PC_MAP_BY_GEN0] = PC_EBPF_BY_FD(e, PC_MAP_BY_GEN0);
	fds[PC_MAP_BY_GEN1] = PC_EBPF_BY_FD(e, PC_MAP_BY_GEN1);
	fds[PC_MAP_CLASSES] = e->cls_fd;
}

/* The tap's program at at, for this kernel, into *b; a pc_exit, why filled. */
static int build(const struct pc_tap *tap, enum pc_attach at, struct pc_variant *v, struct pc_built *b,
		 struct pc_fail *why)
{
	const struct pc_ebpf *e = tap->priv;
	const struct pc_build_env env = { tap->ifindex, kernel_max_insns() };
	char err[320];

	*v = tap_variant(tap, at);
	/* the maps were made for the variant at pc_ebpf_setup(): the same choice */
	if ((v->counters == PC_CTR_PERCPU) != !!e->percpu || pc_variant_check(v, err, sizeof(err)) < 0)
		return pc_fail(why, PC_EXIT_FAIL, "internal: %s: the variant chosen does not match its maps",
			       tap->name);
	if (pc_build(v, &env, b, err, sizeof(err)) < 0) {
		pc_built_free(b);
		return pc_fail(why, PC_EXIT_USAGE, "%s: %s", tap->name, err);
	}
	if (pc_variant_has_classes(v))
		log_classes(tap, b);
	return PC_EXIT_OK;
}

/*
 * The tap's counting variant at at, loaded as a program of type into *fd
 * with the maps of tap->priv; a pc_exit, why filled.
 */
int pc_ebpf_load(struct pc_tap *tap, enum pc_attach at, uint32_t type, int *fd, struct pc_fail *why)
{
	struct pc_ebpf *e = tap->priv;
	int fds[PC_MAP_SLOTS], n = 0, code;
	struct pc_variant v;
	struct pc_built b;
	char *log = NULL, shown[PC_NAME_MAX];

	code = build(tap, at, &v, &b, why);
	if (code)
		return code;
	map_slots(e, fds);
	*fd = load_prog(&b.prog, type, fds, &log, &n);
	if (*fd < 0) {
		code = pc_ebpf_explain(why, "bpf(BPF_PROG_LOAD)", b.prog.name, -*fd);
		if (log && pc_verbose)
			fprintf(stderr, "%s", log);
		free(log);
		pc_built_free(&b);
		*fd = -1;
		return code;
	}
	free(log);
	pc_built_free(&b);
	e->insns = (unsigned int)n;
	pc_variant_name(&v, PC_NAME_SHOWN, shown, sizeof(shown));
	snprintf(e->detail, sizeof(e->detail), "%s, %d insns", shown, n);
	tap->unit = v.unit;
	e->unit_why = tap->unit == PC_UNIT_WIRE ? "the kernel gives the filter each skb's gso_segs and gso_size"
		      : "socket filters read no gso_size before kernel 5.7";
	return PC_EXIT_OK;
}

void pc_ebpf_free(struct pc_tap *tap)
{
	struct pc_ebpf *e = tap->priv;

	if (!e)
		return;
	if (e->prog_fd >= 0)
		close(e->prog_fd);
	if (e->map_fd >= 0)
		close(e->map_fd);
	if (e->cls_fd >= 0)
		close(e->cls_fd);
	pc_ebpf_by_close(tap);
	free(e->valbuf);
	free(e->keybuf);
	free(e);
	tap->priv = NULL;
}

/* The socket mode's state of a tap (tap->priv): the eBPF counting state, and the socket it counts on. */
struct ebpf_tap {
	struct pc_ebpf e;	/* first: pc_ebpf_*() take tap->priv as theirs */
	int sock;
};

static void ebpf_close(struct pc_tap *tap)
{
	struct ebpf_tap *s = tap->priv;

	if (s && s->sock >= 0)
		close(s->sock);
	pc_ebpf_free(tap);
}

void *pc_ebpf_alloc(size_t size)
{
	struct pc_ebpf *e = calloc(1, size);

	if (e) {
		e->prog_fd = e->map_fd = e->cls_fd = -1;
		e->by_fds[0] = e->by_fds[1] = e->by_fds[2] = -1;
	}
	return e;
}

int pc_ebpf_new(struct pc_tap *tap, int percpu, struct pc_fail *why)
{
	struct pc_ebpf *e = tap->priv;
	int ncpu = 1;

	/* its counters start at 0: seen is all zero */
	e->percpu = percpu;
	if (e->percpu) {
		ncpu = pc_bpf_possible_cpus();
		if (ncpu < 0)
			return pc_fail(why, PC_EXIT_FAIL, "/sys/devices/system/cpu/possible: %s", strerror(-ncpu));
	}
	e->ncpu = ncpu;
	/* sizeof(struct pc_counter) is a multiple of 8: no per-CPU padding */
	e->valbuf = calloc((size_t)ROWS_MAX * (size_t)ncpu, sizeof(struct pc_counter));
	e->keybuf = calloc(ROWS_MAX, sizeof(uint32_t));
	if (!e->valbuf || !e->keybuf)
		return pc_fail(why, PC_EXIT_FAIL, "%s: %s", tap->name, strerror(ENOMEM));
	return PC_EXIT_OK;
}

int pc_ebpf_setup(struct pc_tap *tap, struct pc_fail *why)
{
	struct pc_ebpf *e;
	int code = pc_ebpf_probe(why);

	if (code)
		return code;
	/* the maps as the variant counts: per CPU or not (pc_variant_choose()) */
	code = pc_ebpf_new(tap, tap_variant(tap, PC_AT_SOCKET).counters == PC_CTR_PERCPU, why);
	if (code)
		return code;
	e = tap->priv;
	/* the protocol counters, --by's overflow slots, the new-key counter (pc_key.h) */
	e->map_fd = pc_bpf_map_create(e->percpu ? BPF_MAP_TYPE_PERCPU_ARRAY : BPF_MAP_TYPE_ARRAY,
				      sizeof(uint32_t), sizeof(struct pc_counter), PC_MAP0_SLOTS, "pktcount");
	if (e->map_fd < 0)
		return pc_ebpf_explain(why, "bpf(BPF_MAP_CREATE) for", tap->name, errno);
	if (tap->by != PC_BY_PROTO && (code = pc_ebpf_by_open(tap, why)))
		return code;
	/* the classes' counters, as the protocol counters are kept (pc_class.h) */
	if (pc_classes.n) {
		e->cls_fd = pc_bpf_map_create(e->percpu ? BPF_MAP_TYPE_PERCPU_ARRAY : BPF_MAP_TYPE_ARRAY,
					      sizeof(uint32_t), sizeof(struct pc_counter), pc_class_rows(),
					      "pktcount_cls");
		if (e->cls_fd < 0)
			return pc_ebpf_explain(why, "bpf(BPF_MAP_CREATE) of the classes for", tap->name, errno);
	}
	return PC_EXIT_OK;
}

/*
 * The counting program onto the tap's socket, weighed first against
 * net.core.optmem_max (src/optmem.c): a program the socket cannot take is
 * refused with the sizes, exit 5 (auto counts in classic then).
 */
static int attach(struct pc_tap *tap, struct pc_fail *why)
{
	struct ebpf_tap *s = tap->priv;
	struct pc_ebpf *e = &s->e;
	struct pc_optmem om;
	int fits = pc_optmem_fits(s->sock, e->prog_fd, e->insns, &om), err;

	if (fits == 0)
		return pc_optmem_refuse(why, tap->name, &om);
	if (fits > 0)
		pc_log("%s: the eBPF program takes %ld bytes of its socket's option memory (net.core.optmem_max %ld)",
		       tap->name, om.charge, om.max);
	else
		pc_log("%s: the eBPF program's size as the kernel keeps it is not told (4.13+, CAP_BPF): "
		       "SO_ATTACH_BPF weighs it against net.core.optmem_max (%ld)", tap->name, om.max);
	if (setsockopt(s->sock, SOL_SOCKET, SO_ATTACH_BPF, &e->prog_fd, sizeof(e->prog_fd)) == 0)
		return PC_EXIT_OK;
	err = errno;
	/* ENOMEM from __sk_filter_charge(), unless the sizes say otherwise: optmem_max may have just changed */
	if (err == ENOMEM && pc_optmem_fits(s->sock, e->prog_fd, e->insns, &om) <= 0)
		return pc_optmem_refuse(why, tap->name, &om);
	return pc_fail(why, err == ENOPROTOOPT ? PC_EXIT_UNSUPPORTED : PC_EXIT_FAIL,
		       "setsockopt(SO_ATTACH_BPF) on %s: %s (%s)", tap->name, strerror(err), pc_errno_name(err));
}

static int ebpf_open(struct pc_tap *tap, struct pc_fail *why)
{
	struct ebpf_tap *s = tap->priv = pc_ebpf_alloc(sizeof(*s));
	int code;

	if (!s)
		return pc_fail(why, PC_EXIT_FAIL, "%s: %s", tap->name, strerror(ENOMEM));
	s->sock = -1;
	code = pc_ebpf_setup(tap, why);
	if (code)
		goto out_close;
	code = pc_ebpf_load(tap, PC_AT_SOCKET, BPF_PROG_TYPE_SOCKET_FILTER, &s->e.prog_fd, why);
	if (code)
		goto out_close;
	code = pc_tap_socket(tap, &s->sock, why);
	if (code)
		goto out_close;
	code = attach(tap, why);
	if (code)
		goto out_close;
	code = pc_tap_bind(tap, s->sock, why);
	if (code)
		goto out_close;
	pc_log("%s: ebpf (%s, %s); counts in %s units: %s", tap->name, s->e.detail,
	       s->e.percpu ? "PERCPU_ARRAY" : "ARRAY+XADD", pc_unit_name(tap->unit), s->e.unit_why);
	return PC_EXIT_OK;

out_close:
	ebpf_close(tap);
	return code;
}

/* Keys that counted less than this apart are read in one range: a call costs about 14 keys' copying. */
#define RANGE_GAP 16

/*
 * The totals grow by what rows [first, first + n) of array map fd gained
 * since the last read (seen: the rows then).
 */
static int read_rows(struct pc_tap *tap, int fd, uint32_t first, uint32_t n, struct pc_counter *seen,
		     struct pc_counter *total)
{
	struct pc_ebpf *e = tap->priv;
	const struct pc_counter *v = e->valbuf;
	uint32_t key;
	int c;

	if (pc_bpf_array_read(fd, first, n, e->keybuf, e->valbuf, (size_t)e->ncpu * sizeof(struct pc_counter)) < 0)
		return -errno;
	for (key = first; key < first + n; key++, v += e->ncpu) {
		uint64_t bytes = 0, packets = 0;

		for (c = 0; c < e->ncpu; c++) {
			bytes += v[c].bytes;
			packets += v[c].packets;
		}
		if (bytes > seen[key].bytes) {
			total[key].bytes += bytes - seen[key].bytes;
			seen[key].bytes = bytes;
		}
		if (packets > seen[key].packets) {
			total[key].packets += packets - seen[key].packets;
			seen[key].packets = packets;
		}
		if (total == tap->total && total[key].packets)
			pc_key_saw(tap, key);	/* the protocol key's rows, not the classes' */
	}
	return 0;
}

static int read_keys(struct pc_tap *tap, uint32_t first, uint32_t n)
{
	struct pc_ebpf *e = tap->priv;

	return read_rows(tap, e->map_fd, first, n, e->seen, tap->total);
}

/* The ranges of keys this attachment saw count, gaps under RANGE_GAP folded in. */
static void find_ranges(struct pc_ebpf *e)
{
	uint32_t key;

	e->nranges = 0;
	for (key = 0; key < PC_NKEYS; key++) {
		if (!e->seen[key].packets)
			continue;
		if (e->nranges && (key - e->range[e->nranges - 1].end < RANGE_GAP ||
				   e->nranges == PC_EBPF_RANGES))
			e->range[e->nranges - 1].end = key + 1;
		else
			e->range[e->nranges++] = (struct pc_key_range){ key, key + 1 };
	}
}

/*
 * The protocol counters.  The totals grow by what each counter gained since
 * the last read, so they go on from earlier attachments, and never go
 * backwards: on 32-bit systems the kernel copies a 64-bit counter out in
 * two halves, and a read can catch one half updated (the next is whole).
 * Most keys never count: while the program's new-key counter stands still,
 * only the ranges of keys that counted are read; when it moves, every key
 * is, and the ranges are found again.  It is read first: a key whose first
 * packet comes after it is read whole at the next read, never lost.
 */
static int read_proto(struct pc_tap *tap)
{
	struct pc_ebpf *e = tap->priv;
	const struct pc_counter *v = e->valbuf;
	uint32_t key = PC_MAP0_NEWKEYS, i;
	uint64_t newkeys = 0;
	int c, ret;

	if (pc_bpf_map_lookup(e->map_fd, &key, e->valbuf) < 0)
		return -errno;
	for (c = 0; c < e->ncpu; c++)
		newkeys += v[c].packets;
	if (!e->ranges_known || newkeys != e->newkeys) {
		ret = read_keys(tap, 0, PC_NKEYS);
		if (ret)
			return ret;
		e->newkeys = newkeys;
		e->ranges_known = 1;
		find_ranges(e);
		return 0;
	}
	for (i = 0; i < e->nranges; i++)
		if ((ret = read_keys(tap, e->range[i].start, e->range[i].end - e->range[i].start)))
			return ret;
	return 0;
}

int pc_ebpf_read(struct pc_tap *tap)
{
	struct pc_ebpf *e = tap->priv;
	int ret = read_proto(tap);

	if (!ret && e->cls_fd >= 0)
		ret = read_rows(tap, e->cls_fd, 0, pc_class_rows(), e->cls_seen, tap->cls);
	if (!ret && tap->by != PC_BY_PROTO)
		ret = pc_ebpf_by_read(tap);
	return ret;
}

/* Before a read: with --by, the entries go to the other map from now on. */
void pc_ebpf_prepare(struct pc_tap *tap)
{
	if (tap->by != PC_BY_PROTO)
		pc_ebpf_by_flip(tap);
}

/* A rescan (src/follow.c): the socket lost its device when the device was deleted. */
static int ebpf_bound(const struct pc_tap *tap)
{
	const struct ebpf_tap *s = tap->priv;

	return !s || s->sock < 0 || pc_sock_bound_to(s->sock, tap->ifindex);
}

const struct pc_backend pc_ebpf_backend = {
	.name = "ebpf",
	.open = ebpf_open,
	.read = pc_ebpf_read,
	.prepare = pc_ebpf_prepare,
	.close = ebpf_close,
	.bound = ebpf_bound,
};

// SPDX-License-Identifier: GPL-2.0
/* Counting programs loaded with maps of their own, and those maps read. */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf.h"
#include "load.h"

/* A breakdown program's maps but the counters: control, and two entry maps of LOADED_BY_KEYS */
static int by_maps_create(struct loaded *l)
{
	uint32_t ht = l->percpu ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH;

	l->by_fds[0] = pc_bpf_map_create(BPF_MAP_TYPE_ARRAY, 4, 16, 1, "pc_t_ctl");
	l->by_fds[1] = pc_bpf_map_create(ht, sizeof(struct pc_bkey), 2 * sizeof(struct pc_counter),
					 LOADED_BY_KEYS, "pc_t_by0");
	l->by_fds[2] = pc_bpf_map_create(ht, sizeof(struct pc_bkey), 2 * sizeof(struct pc_counter),
					 LOADED_BY_KEYS, "pc_t_by1");
	return l->by_fds[0] < 0 || l->by_fds[1] < 0 || l->by_fds[2] < 0 ? -errno : 0;
}

struct pc_variant variant_of(enum pc_link link, enum pc_counters counters, enum pc_unit unit, int by, enum pc_attach at)
{
	return (struct pc_variant){ .link = link, .counters = counters, .unit = unit, .by = by,
				    .copy = by && counters == PC_CTR_PERCPU, .at = at };
}

int prog_load(const struct pc_variant *v, struct loaded *l, char *err, size_t errlen)
{
	static const struct pc_build_env env = { 1, PC_PROG_MAX_INSNS };
	struct bpf_insn insns[PC_PROG_MAX_INSNS];
	int fds[PC_MAP_SLOTS];
	struct pc_built b;
	char *log = NULL;
	int n, e;

	memset(l, 0, sizeof(*l));
	l->map_fd = l->prog_fd = l->by_fds[0] = l->by_fds[1] = l->by_fds[2] = -1;
	if (pc_build(v, &env, &b, err, errlen) < 0) {
		pc_built_free(&b);
		return -EINVAL;
	}
	l->percpu = v->counters == PC_CTR_PERCPU;
	l->ncpu = l->percpu ? pc_bpf_possible_cpus() : 1;
	pc_bpf_raise_memlock();
	l->map_fd = pc_bpf_map_create(l->percpu ? BPF_MAP_TYPE_PERCPU_ARRAY : BPF_MAP_TYPE_ARRAY,
				      sizeof(uint32_t), sizeof(struct pc_counter),
				      PC_MAP0_SLOTS, "pc_test");
	if (l->map_fd < 0 || (v->by && by_maps_create(l) < 0)) {
		e = errno;
		snprintf(err, errlen, "map create: %s", strerror(e));
		pc_built_free(&b);
		prog_unload(l);
		return -e;
	}
	fds[PC_MAP_COUNTERS] = l->map_fd;
	fds[PC_MAP_BY_CTL] = l->by_fds[0];
	fds[PC_MAP_BY_GEN0] = l->by_fds[1];
	fds[PC_MAP_BY_GEN1] = l->by_fds[2];
	fds[PC_MAP_CLASSES] = -1;
	n = pc_asm_link(&b.prog, fds, insns, PC_PROG_MAX_INSNS, err, errlen);
	if (n < 0) {
		pc_built_free(&b);
		prog_unload(l);
		return -EINVAL;
	}
	l->ninsns = n;
	l->prog_fd = pc_bpf_prog_load(v->at == PC_AT_SOCKET ? BPF_PROG_TYPE_SOCKET_FILTER : BPF_PROG_TYPE_SCHED_CLS,
				      insns, (size_t)n, b.prog.name, &log);
	if (l->prog_fd < 0) {
		e = errno;
		snprintf(err, errlen, "load %s: %s\n%.3000s", b.prog.name, strerror(e),
			 log ? log : "");
		free(log);
		pc_built_free(&b);
		prog_unload(l);
		return -e;
	}
	free(log);
	pc_built_free(&b);
	return 0;
}

const char *variant_name(const struct pc_variant *v)
{
	static char name[PC_NAME_MAX];

	pc_variant_name(v, PC_NAME_PROG, name, sizeof(name));
	return name;
}

void prog_unload(struct loaded *l)
{
	if (l->prog_fd >= 0)
		close(l->prog_fd);
	if (l->map_fd >= 0)
		close(l->map_fd);
	for (int i = 0; i < 3; i++)
		if (l->by_fds[i] >= 0)
			close(l->by_fds[i]);
	l->prog_fd = l->map_fd = l->by_fds[0] = l->by_fds[1] = l->by_fds[2] = -1;
}

int map_snapshot(const struct loaded *l, struct pc_counter *out)
{
	static uint32_t keys[PC_NKEYS];
	size_t vsize = (size_t)l->ncpu * sizeof(struct pc_counter);
	struct pc_counter *vals = malloc(PC_NKEYS * vsize);
	unsigned int k;
	int c;

	if (!vals)
		return -ENOMEM;
	if (pc_bpf_array_read(l->map_fd, 0, PC_NKEYS, keys, vals, vsize) < 0) {
		int e = errno;

		free(vals);
		return -e;
	}
	for (k = 0; k < PC_NKEYS; k++) {
		out[k].bytes = out[k].packets = 0;
		for (c = 0; c < l->ncpu; c++) {
			out[k].bytes += vals[k * (unsigned int)l->ncpu + (unsigned int)c].bytes;
			out[k].packets += vals[k * (unsigned int)l->ncpu + (unsigned int)c].packets;
		}
	}
	free(vals);
	return 0;
}

void pin_to_this_cpu(void)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET((size_t)sched_getcpu(), &one);
	cr_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0, "sched_setaffinity: %s", strerror(errno));
}

int64_t map_newkeys(const struct loaded *l)
{
	struct pc_counter v[256];
	uint32_t key = PC_MAP0_NEWKEYS;
	int64_t n = 0;
	int c;

	if (l->ncpu > 256 || pc_bpf_map_lookup(l->map_fd, &key, v) < 0)
		return -errno;
	for (c = 0; c < l->ncpu; c++)
		n += (int64_t)v[c].packets;
	return n;
}

int by_entries_take(const struct loaded *l, struct pc_counter *rx, struct pc_bkey *last)
{
	struct pc_counter v[2 * 256];
	struct pc_bkey k;
	int n = 0, c;

	rx->bytes = rx->packets = 0;
	if (l->ncpu > 256)
		return -E2BIG;
	while (pc_bpf_map_next_key(l->by_fds[1], NULL, &k) == 0) {
		if (pc_bpf_map_lookup(l->by_fds[1], &k, v) < 0 || pc_bpf_map_delete(l->by_fds[1], &k) < 0)
			return -errno;
		for (c = 0; c < l->ncpu; c++) {
			rx->bytes += v[2 * c].bytes;
			rx->packets += v[2 * c].packets;
		}
		if (last)
			*last = k;
		n++;
	}
	return n;
}

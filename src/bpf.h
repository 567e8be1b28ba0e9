/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bpf() layer: the only code that makes the syscall.  Every function
 * returns a file descriptor or 0 on success and -errno on failure, with errno
 * left set to that error.
 */
#ifndef PKTCOUNT_BPF_H
#define PKTCOUNT_BPF_H

#include <stddef.h>
#include <stdint.h>

#include "pc_uapi.h"

int pc_bpf_map_create(uint32_t type, uint32_t key_size, uint32_t value_size,
		      uint32_t max_entries, const char *name);
int pc_bpf_map_lookup(int map_fd, const void *key, void *value);
int pc_bpf_map_update(int map_fd, const void *key, const void *value, uint64_t flags);
int pc_bpf_map_delete(int map_fd, const void *key);
/* The key after key into next (a key not in a hash map: its first); -ENOENT after the last. */
int pc_bpf_map_next_key(int map_fd, const void *key, void *next);
/*
 * Take up to *count entries of a hash map, each deleted as it is copied
 * (BPF_MAP_LOOKUP_AND_DELETE_BATCH, 5.6+): keys and values (every CPU's, for
 * a per-CPU map) into the buffers, *count set to how many.  *token says
 * where the walk goes on; first 1 starts it.  Returns 0 with more to take,
 * 1 when the walk reached the map's end, or -errno (-EINVAL before 5.6: the
 * caller takes entries one by one instead).
 */
int pc_bpf_map_take_batch(int map_fd, int first, uint32_t *token, void *keys, void *values,
			  uint32_t *count);

/*
 * The n elements of an array map from key first on, in as few syscalls as
 * the kernel allows: BPF_MAP_LOOKUP_BATCH (5.6+), else one lookup per key.
 * values holds n values (value_size each: every CPU's for per-CPU maps);
 * keys is scratch for n keys.
 */
int pc_bpf_array_read(int map_fd, uint32_t first, uint32_t n, uint32_t *keys, void *values,
		      size_t value_size);

/*
 * Load a program.  The first load goes without a verifier log (cheap, and
 * kernels before 6.4 refuse a log buffer under 128 bytes); when it fails and
 * log is not NULL, the load is repeated with a log that grows on ENOSPC, and
 * *log is set to that text (malloc'd, the caller frees it).
 */
int pc_bpf_prog_load(uint32_t type, const struct bpf_insn *insns, size_t n,
		     const char *name, char **log);

/*
 * BPF_PROG_TEST_RUN once over data; 4.16+ for socket filters, root only.
 * ctx (or NULL) sets the skb's fields the kernel lets a test set (5.2+;
 * gso_segs and gso_size among them on today's kernels).
 */
int pc_bpf_prog_test_run(int prog_fd, const void *data, uint32_t size,
			 const struct __sk_buff *ctx, uint32_t *retval);

/* Pin fd at path in a bpffs (4.4); 0 or -errno. */
int pc_bpf_obj_pin(int fd, const char *path);
/* A descriptor of the loaded program of id (BPF_PROG_GET_FD_BY_ID, 4.13, CAP_SYS_ADMIN); fd or -errno. */
int pc_bpf_prog_get_fd_by_id(uint32_t id);
/* The map or program pinned at path (4.4); fd or -errno. */
int pc_bpf_obj_get(const char *path);
/*
 * prog_fd, a SCHED_CLS program, on ifindex's tcx ingress or egress (6.6):
 * BPF_LINK_CREATE, first on ingress and last on egress (BPF_F_BEFORE,
 * BPF_F_AFTER with no relative program).  The link's fd, or -errno; the
 * program stays attached while the link has a reference (fd or pin).
 */
int pc_bpf_tcx_attach(int prog_fd, int ifindex, int egress);
/*
 * The first n words of a program's or map's info (BPF_OBJ_GET_INFO_BY_FD,
 * 4.13): both start { type, id }; a map's go on { key_size, value_size,
 * max_entries }.  0 or -errno.
 */
int pc_bpf_obj_info(int fd, uint32_t *info, uint32_t n);

/* What a map is: its type (enum bpf_map_type), key and value sizes, entries. */
struct pc_map_shape {
	uint32_t type, key, value, entries;
};
/*
 * The shape of map fd: from BPF_OBJ_GET_INFO_BY_FD (4.13), before that from
 * /proc/self/fdinfo/FD (bpf_map_show_fdinfo(), 4.2).  0, or -errno (-EINVAL:
 * fd is not a map).
 */
int pc_bpf_map_shape(int fd, struct pc_map_shape *s);

/* Whether the kernel took prog_name/map_name (4.15+); known after a create. */
int pc_bpf_names_supported(void);

/*
 * What this kernel offers, one answer each: -1 until asked, then 0 or 1.
 * eBPF mode's probe table (src/ebpf.c) asks every row in order and -v
 * prints them; the calls below that have a fallback also learn their row
 * the first time they try, for callers that never probe (tests, bench/tap).
 */
enum pc_feature {
	PC_F_PERCPU,		/* PERCPU_ARRAY and PERCPU_HASH maps (4.6) */
	PC_F_WIRE,		/* socket filters read gso_segs and gso_size (5.7) */
	PC_F_LOAD_BYTES,	/* socket filters call skb_load_bytes (4.13) */
	PC_F_NAMES,		/* prog_name and map_name (4.15) */
	PC_F_LOOKUP_BATCH,	/* BPF_MAP_LOOKUP_BATCH (5.6) */
	PC_F_TAKE_BATCH,	/* BPF_MAP_LOOKUP_AND_DELETE_BATCH (5.6) */
	PC_F_COUNT
};
extern int pc_features[PC_F_COUNT];

/*
 * 4.4-5.10 charge maps and programs to RLIMIT_MEMLOCK and say EPERM when it
 * runs out: raise it (to the hard limit when unprivileged).  0 or -errno.
 */
int pc_bpf_raise_memlock(void);

/* CPUs a per-CPU map holds values for: /sys/devices/system/cpu/possible. */
int pc_bpf_possible_cpus(void);

#endif /* PKTCOUNT_BPF_H */

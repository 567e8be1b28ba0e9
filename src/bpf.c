// SPDX-License-Identifier: GPL-2.0
/*
 * The bpf() syscall layer, done as libbpf's src/bpf.c does it: zero the attr,
 * pass the size up to the last field the command uses, keep errno.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bpf.h"

#define offsetofend(TYPE, FIELD) \
	(offsetof(TYPE, FIELD) + sizeof(((TYPE *)0)->FIELD))

#define ptr_to_u64(P) ((uint64_t)(uintptr_t)(P))

/* kernel-internal, but bpf() hands it out: a map type without the operation */
#define PC_ENOTSUPP 524

int pc_features[PC_F_COUNT] = { -1, -1, -1, -1, -1, -1 };
_Static_assert(PC_F_COUNT == 6, "every feature starts unasked");

static int sys_bpf(int cmd, union bpf_attr *attr, size_t size)
{
	long ret = syscall(__NR_bpf, cmd, attr, (unsigned int)size);

	return ret < 0 ? -errno : (int)ret;
}

static void set_name(char *dst, const char *name)
{
	size_t len;

	if (!name || pc_features[PC_F_NAMES] == 0)
		return;
	len = strlen(name);
	if (len >= BPF_OBJ_NAME_LEN)
		len = BPF_OBJ_NAME_LEN - 1;
	memcpy(dst, name, len);
}

/*
 * A kernel before 4.15 answers E2BIG to a non-zero name (past its attr), and
 * some answer EINVAL: retry once without, and remember.
 */
static int with_name_retry(int cmd, union bpf_attr *attr, size_t size, char *name_field)
{
	int ret = sys_bpf(cmd, attr, size);

	if (ret >= 0) {
		if (name_field[0])
			pc_features[PC_F_NAMES] = 1;
		return ret;
	}
	if ((ret == -E2BIG || ret == -EINVAL) && name_field[0] && pc_features[PC_F_NAMES] != 1) {
		memset(name_field, 0, BPF_OBJ_NAME_LEN);
		ret = sys_bpf(cmd, attr, size);
		if (ret >= 0)
			pc_features[PC_F_NAMES] = 0;
	}
	errno = -ret > 0 ? -ret : errno;
	return ret;
}

int pc_bpf_names_supported(void)
{
	return pc_features[PC_F_NAMES] == 1;
}

int pc_bpf_map_create(uint32_t type, uint32_t key_size, uint32_t value_size,
		      uint32_t max_entries, const char *name)
{
	const size_t size = offsetofend(union bpf_attr, map_name);
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = type;
	attr.key_size = key_size;
	attr.value_size = value_size;
	attr.max_entries = max_entries;
	set_name(attr.map_name, name);
	return with_name_retry(BPF_MAP_CREATE, &attr, size, attr.map_name);
}

/* One element command: key, value (or next key), flags. */
static int map_elem(uint32_t cmd, int map_fd, const void *key, const void *value, uint64_t flags)
{
	const size_t size = offsetofend(union bpf_attr, flags);
	union bpf_attr attr;
	int ret;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)map_fd;
	attr.key = ptr_to_u64(key);
	attr.value = ptr_to_u64(value);
	attr.flags = flags;
	ret = sys_bpf(cmd, &attr, size);
	if (ret < 0)
		errno = -ret;
	return ret;
}

int pc_bpf_map_lookup(int map_fd, const void *key, void *value)
{
	return map_elem(BPF_MAP_LOOKUP_ELEM, map_fd, key, value, 0);
}

int pc_bpf_map_update(int map_fd, const void *key, const void *value, uint64_t flags)
{
	return map_elem(BPF_MAP_UPDATE_ELEM, map_fd, key, value, flags);
}

int pc_bpf_map_delete(int map_fd, const void *key)
{
	return map_elem(BPF_MAP_DELETE_ELEM, map_fd, key, NULL, 0);
}

int pc_bpf_map_next_key(int map_fd, const void *key, void *next)
{
	return map_elem(BPF_MAP_GET_NEXT_KEY, map_fd, key, next, 0);
}

int pc_bpf_map_take_batch(int map_fd, int first, uint32_t *token, void *keys, void *values,
			  uint32_t *count)
{
	/* a hash map's batch token is its next bucket, a u32 (kernel/bpf/hashtab.c) */
	uint32_t in = *token;
	union bpf_attr attr;
	int ret;

	memset(&attr, 0, sizeof(attr));
	attr.batch.in_batch = first ? 0 : ptr_to_u64(&in);
	attr.batch.out_batch = ptr_to_u64(token);
	attr.batch.keys = ptr_to_u64(keys);
	attr.batch.values = ptr_to_u64(values);
	attr.batch.count = *count;
	attr.batch.map_fd = (uint32_t)map_fd;
	ret = sys_bpf(BPF_MAP_LOOKUP_AND_DELETE_BATCH, &attr, offsetofend(union bpf_attr, batch.flags));
	/* at the end: -ENOENT, with what the last buckets held counted */
	*count = ret < 0 && ret != -ENOENT ? 0 : attr.batch.count;
	if (ret == -ENOENT)
		return 1;
	if (ret < 0) {
		errno = -ret;
		return ret;
	}
	return 0;
}


int pc_bpf_array_read(int map_fd, uint32_t first, uint32_t n, uint32_t *keys, void *values,
		      size_t value_size)
{
	const size_t size = offsetofend(union bpf_attr, batch.flags);
	uint32_t done = 0, token = 0, i, key;
	union bpf_attr attr;
	int ret;

	/* zeroed first: the kernel fills it, and tools that do not know the
	 * command (valgrind) then see defined bytes */
	memset(values, 0, (size_t)n * value_size);
	memset(keys, 0, (size_t)n * sizeof(*keys));
	while (pc_features[PC_F_LOOKUP_BATCH] != 0 && done < n) {
		memset(&attr, 0, sizeof(attr));
		/* the walk goes on after the key in in_batch: first - 1, or from the start */
		token = done ? token : first - 1;
		attr.batch.in_batch = done || first ? ptr_to_u64(&token) : 0;
		attr.batch.out_batch = ptr_to_u64(&token);
		attr.batch.keys = ptr_to_u64(keys + done);
		attr.batch.values = ptr_to_u64((char *)values + (size_t)done * value_size);
		attr.batch.count = n - done;
		attr.batch.map_fd = (uint32_t)map_fd;
		ret = sys_bpf(BPF_MAP_LOOKUP_BATCH, &attr, size);
		if (ret < 0 && ret != -ENOENT) {
			/*
			 * Before 5.6: EINVAL (no such command).  ENOTSUPP (524): the
			 * map type has no batch op, as PERCPU_ARRAY on 5.10
			 * (arraymap.c: only array_map_ops has map_lookup_batch).
			 * Either on the first call: one lookup per key, for good.
			 */
			if (done || (ret != -EINVAL && ret != -PC_ENOTSUPP)) {
				errno = -ret;
				return ret;
			}
			pc_features[PC_F_LOOKUP_BATCH] = 0;
			break;
		}
		pc_features[PC_F_LOOKUP_BATCH] = 1;
		/* an array map hands back its keys in order */
		for (i = 0; i < attr.batch.count; i++)
			if (keys[done + i] != first + done + i) {
				errno = EPROTO;
				return -EPROTO;
			}
		done += attr.batch.count;
		if (ret == -ENOENT || attr.batch.count == 0)
			break;
	}
	if (pc_features[PC_F_LOOKUP_BATCH] == 1) {
		if (done != n) {
			errno = EPROTO;
			return -EPROTO;
		}
		return 0;
	}
	for (i = 0; i < n; i++) {
		key = first + i;
		ret = pc_bpf_map_lookup(map_fd, &key, (char *)values + (size_t)i * value_size);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int prog_load_once(uint32_t type, const struct bpf_insn *insns, size_t n,
			  const char *name, char *log, size_t log_size)
{
	const size_t size = offsetofend(union bpf_attr, prog_name);
	static const char license[] = "GPL";
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = type;
	attr.insn_cnt = (uint32_t)n;
	attr.insns = ptr_to_u64(insns);
	attr.license = ptr_to_u64(license);
	if (log) {
		log[0] = '\0';
		attr.log_level = 1;
		attr.log_size = (uint32_t)log_size;
		attr.log_buf = ptr_to_u64(log);
	}
	set_name(attr.prog_name, name);
	return with_name_retry(BPF_PROG_LOAD, &attr, size, attr.prog_name);
}

int pc_bpf_prog_load(uint32_t type, const struct bpf_insn *insns, size_t n,
		     const char *name, char **log)
{
	/* 64 KiB up to UINT_MAX >> 8, the kernel's log_size limit before 5.2 */
	const size_t log_max = 0xffffffu;
	size_t log_size = 64 * 1024;
	char *buf = NULL;
	int fd, err;

	if (log)
		*log = NULL;
	fd = prog_load_once(type, insns, n, name, NULL, 0);
	if (fd >= 0 || !log)
		return fd;
	err = fd;

	for (;; log_size = log_size * 4 > log_max ? log_max : log_size * 4) {
		char *grown = realloc(buf, log_size);

		if (!grown)
			break;
		buf = grown;
		fd = prog_load_once(type, insns, n, name, buf, log_size);
		if (fd >= 0) {
			/* a flaky first failure (EAGAIN on old kernels): take the program */
			free(buf);
			return fd;
		}
		if (fd != -ENOSPC || log_size == log_max)
			break;	/* a log cut short by ENOSPC still says most of it */
	}
	if (buf && buf[0])
		*log = buf;
	else
		free(buf);
	errno = -err;
	return err;
}

int pc_bpf_obj_pin(int fd, const char *path)
{
	union bpf_attr attr;
	int ret;

	memset(&attr, 0, sizeof(attr));
	attr.pathname = ptr_to_u64(path);
	attr.bpf_fd = (uint32_t)fd;
	ret = sys_bpf(BPF_OBJ_PIN, &attr, offsetofend(union bpf_attr, bpf_fd));
	if (ret < 0)
		errno = -ret;
	return ret;
}

int pc_bpf_prog_get_fd_by_id(uint32_t id)
{
	union bpf_attr attr;
	int ret;

	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;
	ret = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr, offsetofend(union bpf_attr, open_flags));
	if (ret < 0)
		errno = -ret;
	return ret;
}

int pc_bpf_obj_get(const char *path)
{
	union bpf_attr attr;
	int ret;

	memset(&attr, 0, sizeof(attr));
	attr.pathname = ptr_to_u64(path);
	ret = sys_bpf(BPF_OBJ_GET, &attr, offsetofend(union bpf_attr, bpf_fd));
	if (ret < 0)
		errno = -ret;
	return ret;
}

int pc_bpf_tcx_attach(int prog_fd, int ifindex, int egress)
{
	union bpf_attr attr;
	int ret;

	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = (uint32_t)prog_fd;
	attr.link_create.target_ifindex = (uint32_t)ifindex;
	attr.link_create.attach_type = egress ? BPF_TCX_EGRESS : BPF_TCX_INGRESS;
	attr.link_create.flags = egress ? BPF_F_AFTER : BPF_F_BEFORE;
	ret = sys_bpf(BPF_LINK_CREATE, &attr, offsetofend(union bpf_attr, link_create.flags));
	if (ret < 0)
		errno = -ret;
	return ret;
}

int pc_bpf_obj_info(int fd, uint32_t *info, uint32_t n)
{
	union bpf_attr attr;
	int ret;

	memset(info, 0, n * sizeof(*info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = n * (uint32_t)sizeof(*info);
	attr.info.info = ptr_to_u64(info);
	ret = sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr, offsetofend(union bpf_attr, info.info));
	if (ret < 0)
		errno = -ret;
	return ret < 0 ? ret : 0;
}

/* The map's shape as its fdinfo lines say it ("map_type:\t2"); no map_type line: not a map. */
static int fdinfo_shape(int fd, struct pc_map_shape *s)
{
	static const char *const field[4] = { "map_type:", "key_size:", "value_size:", "max_entries:" };
	uint32_t *val[4] = { &s->type, &s->key, &s->value, &s->entries };
	char path[48], line[128];
	unsigned int seen = 0, i, v;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		for (i = 0; i < 4; i++)
			if (!strncmp(line, field[i], strlen(field[i])) &&
			    sscanf(line + strlen(field[i]), "%u", &v) == 1) {
				*val[i] = v;
				seen |= 1u << i;
			}
	fclose(f);
	return seen == 0xf ? 0 : -EINVAL;
}

int pc_bpf_map_shape(int fd, struct pc_map_shape *s)
{
	uint32_t info[5];

	memset(s, 0, sizeof(*s));
	/* (a program's info starts { type, id, tag[8] }: no map of pktcount's shape) */
	if (pc_bpf_obj_info(fd, info, 5) < 0)
		return errno == EINVAL ? fdinfo_shape(fd, s) : -errno;
	s->type = info[0];
	s->key = info[2];
	s->value = info[3];
	s->entries = info[4];
	return 0;
}

int pc_bpf_prog_test_run(int prog_fd, const void *data, uint32_t size,
			 const struct __sk_buff *ctx, uint32_t *retval)
{
	/* without a context, the attr of 4.12; with one, 5.2's */
	const size_t size_attr = ctx ? offsetofend(union bpf_attr, test.ctx_out)
				     : offsetofend(union bpf_attr, test.duration);
	union bpf_attr attr;
	int ret;

	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = (uint32_t)prog_fd;
	attr.test.data_in = ptr_to_u64(data);
	attr.test.data_size_in = size;
	attr.test.repeat = 1;
	if (ctx) {
		/* up to gso_size: the kernel wants every byte past what it takes zero */
		attr.test.ctx_in = ptr_to_u64(ctx);
		attr.test.ctx_size_in = offsetofend(struct __sk_buff, gso_size);
	}
	ret = sys_bpf(BPF_PROG_TEST_RUN, &attr, size_attr);
	if (ret < 0) {
		errno = -ret;
		return ret;
	}
	if (retval)
		*retval = attr.test.retval;
	return 0;
}

int pc_bpf_raise_memlock(void)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	if (setrlimit(RLIMIT_MEMLOCK, &rl) == 0)
		return 0;
	/* unprivileged: as far as the hard limit allows */
	if (getrlimit(RLIMIT_MEMLOCK, &rl) < 0)
		return -errno;
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_MEMLOCK, &rl) < 0 ? -errno : 0;
}

int pc_bpf_possible_cpus(void)
{
	static int cached;
	char buf[256], *p;
	FILE *f;
	int n = 0;

	if (cached > 0)
		return cached;
	f = fopen("/sys/devices/system/cpu/possible", "re");
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	/* "0-3" or "0,2-5,7": count every CPU named, as the kernel does */
	for (p = buf; *p && *p != '\n';) {
		char *end;
		long a = strtol(p, &end, 10), b;

		if (end == p || a < 0)
			return -EINVAL;
		b = a;
		if (*end == '-') {
			p = end + 1;
			b = strtol(p, &end, 10);
			if (end == p || b < a)
				return -EINVAL;
		}
		n += (int)(b - a + 1);
		p = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\n' && *end != '\0')
			return -EINVAL;
	}
	if (n <= 0)
		return -EINVAL;
	cached = n;
	return n;
}

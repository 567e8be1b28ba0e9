// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpf.h"
#include "helpers.h"

int prog_load_with_map(enum pc_prog_id id, struct loaded *l, char *err, size_t errlen)
{
	struct bpf_insn insns[PC_PROG_MAX_INSNS];
	char *log = NULL;
	int n;

	memset(l, 0, sizeof(*l));
	l->map_fd = l->prog_fd = -1;
	l->percpu = id == PC_PROG_ETH_PERCPU || id == PC_PROG_RAW_PERCPU;
	l->ncpu = l->percpu ? pc_bpf_possible_cpus() : 1;
	pc_bpf_raise_memlock();
	l->map_fd = pc_bpf_map_create(l->percpu ? BPF_MAP_TYPE_PERCPU_ARRAY : BPF_MAP_TYPE_ARRAY,
				      sizeof(uint32_t), sizeof(struct pc_counter), PC_NKEYS, "pc_test");
	if (l->map_fd < 0) {
		snprintf(err, errlen, "map create: %s", strerror(errno));
		return -errno;
	}
	n = pc_asm_link(&pc_progs[id], l->map_fd, insns, PC_PROG_MAX_INSNS, err, errlen);
	if (n < 0)
		return -EINVAL;
	l->ninsns = n;
	l->prog_fd = pc_bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, insns, (size_t)n,
				      pc_progs[id].name, &log);
	if (l->prog_fd < 0) {
		int e = errno;

		snprintf(err, errlen, "load %s: %s\n%.3000s", pc_progs[id].name, strerror(e),
			 log ? log : "");
		free(log);
		close(l->map_fd);
		return -e;
	}
	return 0;
}

void prog_unload(struct loaded *l)
{
	if (l->prog_fd >= 0)
		close(l->prog_fd);
	if (l->map_fd >= 0)
		close(l->map_fd);
	l->prog_fd = l->map_fd = -1;
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
	if (pc_bpf_array_read(l->map_fd, PC_NKEYS, keys, vals, vsize) < 0) {
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

static int vsh(const char *fmt, va_list ap, char *cmd, size_t size)
{
	int st;

	vsnprintf(cmd, size, fmt, ap);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vsh(fmt, ap, cmd, sizeof(cmd));
	va_end(ap);
	return ret;
}

void sh_ok(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vsh(fmt, ap, cmd, sizeof(cmd));
	va_end(ap);
	cr_assert_eq(ret, 0, "command failed (%d): %s", ret, cmd);
}

static int join_netns(const char *ns)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = setns(fd, CLONE_NEWNET);
	close(fd);
	return ret < 0 ? -errno : 0;
}

int in_netns(const char *ns, int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (join_netns(ns) < 0)
			_exit(126);
		_exit(fn(arg));
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* /proc/net/dev is the reading process's namespace: read it from a child inside. */
int link_stats(const char *ns, const char *ifname, struct link_stats *st)
{
	char cmd[256], line[512];
	FILE *f;
	int found = 0;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /proc/net/dev", ns);
	f = popen(cmd, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *name = line;
		unsigned long long v[16];

		if (!colon)
			continue;
		*colon = '\0';
		while (*name == ' ')
			name++;
		if (strcmp(name, ifname) != 0)
			continue;
		if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]) == 10) {
			st->rx_bytes = v[0];
			st->rx_packets = v[1];
			st->tx_bytes = v[8];
			st->tx_packets = v[9];
			found = 1;
		}
	}
	pclose(f);
	return found ? 0 : -ENODEV;
}

const char *pktcount_path(void)
{
	static char path[4096];
	const char *env = getenv("PKTCOUNT");

	if (env && *env)
		return env;
	if (!path[0] && !realpath("./pktcount", path))
		snprintf(path, sizeof(path), "./pktcount");
	return path;
}

int pktcount_start(struct pktcount_proc *p, const char *ns, const char *const argv[])
{
	const char *args[64];
	int fds[2], n = 0;

	memset(p, 0, sizeof(*p));
	args[n++] = pktcount_path();
	while (argv[n - 1] && n < 63) {
		args[n] = argv[n - 1];
		n++;
	}
	args[n] = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	p->pid = fork();
	if (p->pid < 0)
		return -errno;
	if (p->pid == 0) {
		if (ns && join_netns(ns) < 0)
			_exit(126);
		dup2(fds[1], STDOUT_FILENO);
		execv(args[0], (char *const *)args);
		_exit(127);
	}
	close(fds[1]);
	p->out_fd = fds[0];
	return 0;
}

static int read_some(struct pktcount_proc *p, int timeout_ms)
{
	struct pollfd pfd = { .fd = p->out_fd, .events = POLLIN };
	char buf[65536], *grown;
	ssize_t n;
	int r = poll(&pfd, 1, timeout_ms);

	if (r <= 0)
		return r == 0 ? -ETIMEDOUT : -errno;
	n = read(p->out_fd, buf, sizeof(buf));
	if (n <= 0)
		return n == 0 ? 0 : -errno;
	grown = realloc(p->out, p->out_len + (size_t)n + 1);
	if (!grown)
		return -ENOMEM;
	p->out = grown;
	memcpy(p->out + p->out_len, buf, (size_t)n);
	p->out_len += (size_t)n;
	p->out[p->out_len] = '\0';
	return (int)n;
}

int pktcount_wait_line(struct pktcount_proc *p, int timeout_ms)
{
	size_t seen = p->out_len;

	while (!p->out || !memchr(p->out + seen, '\n', p->out_len - seen)) {
		int r = read_some(p, timeout_ms);

		if (r <= 0)
			return r == 0 ? -EPIPE : r;
	}
	return 0;
}

int pktcount_finish(struct pktcount_proc *p, int sig, int timeout_ms)
{
	struct timespec t0, t1;
	int st;

	if (sig)
		kill(p->pid, sig);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int r = read_some(p, 200), waited;

		if (r == 0)
			break;	/* EOF */
		clock_gettime(CLOCK_MONOTONIC, &t1);
		waited = (int)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (r < 0 && r != -ETIMEDOUT)
			break;
		if (waited > timeout_ms) {
			kill(p->pid, SIGKILL);
			break;
		}
	}
	close(p->out_fd);
	if (waitpid(p->pid, &st, 0) < 0)
		return -1;
	p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (!p->out) {
		p->out = calloc(1, 1);
		p->out_len = 0;
	}
	return p->status;
}

// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bpf.h"
#include "helpers.h"

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

/* What a command line prints (malloc'd, the caller frees); fails the test unless it exits 0. */
char *sh_out(const char *fmt, ...)
{
	char cmd[512], chunk[4096];
	char *text = NULL;
	size_t size = 0, n;
	va_list ap;
	FILE *p, *m;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	m = open_memstream(&text, &size);
	cr_assert(p && m, "popen %s", cmd);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		cr_assert_eq(fwrite(chunk, 1, n, m), n);
	cr_assert_eq(pclose(p), 0, "exit status of %s", cmd);
	cr_assert_eq(fclose(m), 0);
	return text;
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

void need_promtool(void)
{
	if (system("command -v promtool >/dev/null 2>&1") != 0)
		cr_assert_fail("promtool missing: make check installs it (Debian package prometheus)");
}

int promtool_ok(const char *page, size_t len)
{
	char path[] = "/tmp/pktcount-prom-XXXXXX";
	int fd = mkstemp(path), ret;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, page, len), (ssize_t)len);
	close(fd);
	ret = sh("promtool check metrics < %s > /dev/null 2>&1", path);
	if (ret)
		sh("echo '--- promtool on this page:' >&2; promtool check metrics < %s >&2; cat %s >&2", path, path);
	unlink(path);
	return ret;
}

int join_netns(const char *ns)
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

int send_known_traffic(void *arg)
{
	const struct known_traffic *k = arg;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	unsigned char udp[60] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, [14 + 9] = 17 };
	unsigned char arp[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06 };
	int s = socket(AF_PACKET, SOCK_RAW, 0), i;

	sll.sll_ifindex = (int)if_nametoindex(k->ifname);
	if (s < 0 || !sll.sll_ifindex)
		return 10;
	for (i = 0; i < k->udp + k->arp; i++) {
		const unsigned char *f = i < k->udp ? udp : arp;
		size_t len = i < k->udp ? sizeof(udp) : sizeof(arp);

		if (sendto(s, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)len)
			return 11;
		if (k->gap_us)
			usleep((useconds_t)k->gap_us);
	}
	close(s);
	return 0;
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

const char *pktcount_sim;

int mode_built_in(const char *mode)
{
	char cmd[4200], line[256];
	FILE *f;
	int found = 0;

	snprintf(cmd, sizeof(cmd), "'%s' --version", pktcount_path());
	f = popen(cmd, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "modes:", 6)) {
			char *tok, *save;

			for (tok = strtok_r(line + 6, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
				found |= !strcmp(tok, mode);
		}
	pclose(f);
	return found;
}

int pktcount_start(struct pktcount_proc *p, const char *ns, const char *const argv[])
{
	const char *args[64];
	int fds[2], efds[2], n = 0, i;

	memset(p, 0, sizeof(*p));
	if (pktcount_sim) {
		args[n++] = "./tests/seccomp-run";
		args[n++] = pktcount_sim;
	}
	args[n++] = pktcount_path();
	for (i = 0; argv[i] && n < 63; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0 || pipe2(efds, O_CLOEXEC) < 0)
		return -errno;
	/*
	 * Room for a megabyte of output (fs.pipe-max-size's default) while the
	 * test is busy sending: a full pipe would stop pktcount's loop, which is
	 * not what a test of its counting means to measure.
	 */
	fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
	p->pid = fork();
	if (p->pid < 0)
		return -errno;
	if (p->pid == 0) {
		if (ns && join_netns(ns) < 0)
			_exit(126);
		dup2(fds[1], STDOUT_FILENO);
		dup2(efds[1], STDERR_FILENO);
		execv(args[0], (char *const *)args);
		_exit(127);
	}
	close(fds[1]);
	close(efds[1]);
	p->out_fd = fds[0];
	p->err_fd = efds[0];
	return 0;
}

/* room for all it says on stderr */
#define ERR_MAX 65536

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

static int occurrences(const char *s, const char *what)
{
	int n = 0;

	for (; s && (s = strstr(s, what)); s += strlen(what))
		n++;
	return n;
}

int pktcount_wait_for(struct pktcount_proc *p, const char *what, int times, int timeout_ms)
{
	struct timespec t0, t1;

	/* a deadline by the clock: output that keeps coming must not wait forever */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (occurrences(p->out, what) < times) {
		int r = read_some(p, 100);

		if (r == 0)
			return -EPIPE;
		if (r < 0 && r != -ETIMEDOUT)
			return r;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= timeout_ms)
			return -ETIMEDOUT;
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
	/* stderr is a few lines at most: it never fills its pipe (pktcount_wait_err() may have read some) */
	if (!p->err)
		p->err = calloc(1, ERR_MAX);
	if (p->err) {
		ssize_t n;

		while (p->err_len < ERR_MAX - 1 &&
		       (n = read(p->err_fd, p->err + p->err_len, ERR_MAX - 1 - p->err_len)) > 0)
			p->err_len += (size_t)n;
		p->err[p->err_len] = '\0';
	}
	close(p->err_fd);
	if (waitpid(p->pid, &st, 0) < 0)
		return -1;
	p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (!p->out) {
		p->out = calloc(1, 1);
		p->out_len = 0;
	}
	return p->status;
}

/* ---- waiting for what a test needs, never for a guessed time ---- */

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

int wait_until(int (*cond)(void *), void *arg, int max_ms)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!cond(arg)) {
		if (ms_since(&t0) >= max_ms)
			return -ETIMEDOUT;
		usleep(WAIT_POLL_MS * 1000);
	}
	return 0;
}

int pktcount_wait_until(struct pktcount_proc *p, int (*cond)(struct pktcount_proc *, void *), void *arg,
			int max_ms)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!cond(p, arg)) {
		long left = max_ms - ms_since(&t0);
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = read_some(p, left < 100 ? (int)left : 100);
		if (r == 0)
			return cond(p, arg) ? 0 : -EPIPE;	/* it ended */
		if (r < 0 && r != -ETIMEDOUT)
			return r;
	}
	return 0;
}

/* Read stdout and stderr for up to timeout_ms; what came goes into out and err. */
static int read_both(struct pktcount_proc *p, int timeout_ms)
{
	struct pollfd pfd[2] = { { .fd = p->out_fd, .events = POLLIN }, { .fd = p->err_fd, .events = POLLIN } };
	int r = poll(pfd, 2, timeout_ms);
	ssize_t n;

	if (r <= 0)
		return r == 0 ? -ETIMEDOUT : -errno;
	if (pfd[0].revents) {
		r = read_some(p, 0);
		if (r < 0 && r != -ETIMEDOUT)
			return r;
	}
	if (!pfd[1].revents)
		return 1;
	if (!p->err && !(p->err = calloc(1, ERR_MAX)))
		return -ENOMEM;
	if (p->err_len >= ERR_MAX - 1)
		return -ENOBUFS;
	n = read(p->err_fd, p->err + p->err_len, ERR_MAX - 1 - p->err_len);
	if (n <= 0)
		return n == 0 ? 0 : -errno;
	p->err_len += (size_t)n;
	p->err[p->err_len] = '\0';
	return 1;
}

int pktcount_wait_err(struct pktcount_proc *p, const char *what, int times, int max_ms)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (occurrences(p->err, what) < times) {
		long left = max_ms - ms_since(&t0);
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = read_both(p, left < 100 ? (int)left : 100);
		if (r == 0)
			return -EPIPE;
		if (r < 0 && r != -ETIMEDOUT)
			return r;
	}
	return 0;
}

static int status_uid(pid_t pid)
{
	char path[64], line[256];
	int uid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %d", &uid) == 1)
			break;
	fclose(f);
	return uid;
}

static int dropped_root(void *arg)
{
	return status_uid(*(pid_t *)arg) == 65534;
}

void wait_dropped_root(pid_t pid, int max_ms)
{
	cr_assert_eq(wait_until(dropped_root, &pid, max_ms), 0, "pid %d never dropped to nobody in %d ms (uid %d)",
		     (int)pid, max_ms, status_uid(pid));
}

/* One line of ip -br link: the name (before any @) matches name, and the state is UP */
static int link_line_up(const char *line, const char *name)
{
	size_t n = strcspn(line, "@ \t"), plen = strlen(name);
	const char *state = line + n;

	if (plen && name[plen - 1] == '*') {
		plen--;
		if (n <= plen || strncmp(line, name, plen) != 0 || strspn(line + plen, "0123456789") != n - plen)
			return 0;
	} else if (n != plen || strncmp(line, name, plen) != 0) {
		return 0;
	}
	state += strcspn(state, " \t");	/* the rest of name@peer */
	state += strspn(state, " \t");
	return strncmp(state, "UP ", 3) == 0 || strncmp(state, "UP\t", 3) == 0;
}

int links_up(const char *ns, const char *name)
{
	char cmd[256], line[512];
	int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip -n %s -br link show 2>/dev/null", ns);
	f = popen(cmd, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		n += link_line_up(line, name);
	pclose(f);
	return n;
}

struct links_arg {
	const char *ns, *name;
	int n;
};

static int enough_links_up(void *arg)
{
	const struct links_arg *a = arg;

	return links_up(a->ns, a->name) >= a->n;
}

void wait_links_up(const char *ns, const char *name, int n, int max_ms)
{
	struct links_arg a = { ns, name, n };

	cr_assert_eq(wait_until(enough_links_up, &a, max_ms), 0, "%s: %d of %d links %s up after %d ms",
		     ns, links_up(ns, name), n, name, max_ms);
}

/*
 * What watch_start() runs in its child: counts what arrives until ctl
 * closes, then writes it to res.  A frame its full buffer had no room for
 * arrived all the same: the kernel's drop count (PACKET_STATISTICS, read
 * once the queue is empty, so none is missed) counts it.
 */
static void watch_loop(const char *ifname, int ctl, int res, volatile long *seen)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), size = 16 << 20;
	long frames = 0;
	char ready = 'r';

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (s < 0 || !sll.sll_ifindex || setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 ||
	    bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		_exit(10);
	if (write(res, &ready, 1) != 1)
		_exit(11);
	for (;;) {
		struct pollfd pfd[2] = { { .fd = s, .events = POLLIN }, { .fd = ctl, .events = POLLIN } };
		struct sockaddr_ll from;
		struct tpacket_stats st;
		socklen_t len = sizeof(from), sl = sizeof(st);
		static char frame[65536];

		if (poll(pfd, 2, -1) < 0)
			_exit(12);
		if (pfd[0].revents & POLLIN) {
			while (recvfrom(s, frame, sizeof(frame), MSG_DONTWAIT, (struct sockaddr *)&from, &len) >= 0) {
				frames += from.sll_pkttype != PACKET_OUTGOING;
				len = sizeof(from);
			}
			if (errno != EAGAIN || getsockopt(s, SOL_PACKET, PACKET_STATISTICS, &st, &sl) < 0)
				_exit(13);
			frames += st.tp_drops;	/* the count since the last reading */
			*seen = frames;
			continue;
		}
		if (pfd[1].revents)
			break;
	}
	_exit(write(res, &frames, sizeof(frames)) == sizeof(frames) ? 0 : 14);
}

void watch_start(struct watch *w, const char *ns, const char *ifname)
{
	int ctl[2], res[2];
	char ready;

	/* close-on-exec: a pktcount started later must not hold ctl open (its end is the watcher's signal) */
	cr_assert_eq(pipe2(ctl, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(res, O_CLOEXEC), 0);
	w->seen = mmap(NULL, sizeof(*w->seen), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq((void *)w->seen, MAP_FAILED);
	*w->seen = 0;
	w->pid = fork();
	cr_assert_geq(w->pid, 0);
	if (w->pid == 0) {
		close(ctl[1]);
		close(res[0]);
		if (join_netns(ns) < 0)
			_exit(9);
		watch_loop(ifname, ctl[0], res[1], w->seen);
	}
	close(ctl[0]);
	close(res[1]);
	w->ctl = ctl[1];
	w->res = res[0];
	cr_assert_eq(read(w->res, &ready, 1), 1, "the watching socket did not start");
}

struct watch_want {
	const struct watch *w;
	long n;
};

static int watch_saw(void *arg)
{
	const struct watch_want *ww = arg;

	return *ww->w->seen >= ww->n;
}

int watch_wait(const struct watch *w, long n, int max_ms)
{
	struct watch_want ww = { w, n };
	int ret = wait_until(watch_saw, &ww, max_ms);

	if (ret)
		cr_log_info("the watching socket saw %ld of %ld frames in %d ms", *w->seen, n, max_ms);
	return ret;
}

long watch_stop(struct watch *w)
{
	long frames = -1;
	int st;

	close(w->ctl);
	cr_assert_eq(read(w->res, &frames, sizeof(frames)), (ssize_t)sizeof(frames));
	close(w->res);
	cr_assert_eq(waitpid(w->pid, &st, 0), w->pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "watcher: %d", st);
	munmap((void *)w->seen, sizeof(*w->seen));
	return frames;
}

static void read_mac(const char *ns, const char *dev, char *out)
{
	char cmd[256];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /sys/class/net/%s/address", ns, dev);
	f = popen(cmd, "r");
	cr_assert_not_null(f, "%s", cmd);
	cr_assert_not_null(fgets(out, 18, f), "%s: no output", cmd);
	pclose(f);
	out[17] = '\0';
}

/* Remove namespaces that earlier runs of the tests left behind (their pid is gone). */
static void remove_stale(void)
{
	FILE *f = popen("ip netns list 2>/dev/null", "r");
	char line[256];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		int pid;
		char side;

		if (sscanf(line, "pct%d%c", &pid, &side) == 2 && kill(pid, 0) < 0 && errno == ESRCH)
			sh("ip netns del pct%d%c 2>/dev/null", pid, side);
	}
	pclose(f);
}

void topo_up(struct topo *t, int with_addrs, int with_ipv6)
{
	const char *ns[2] = { t->a, t->b }, *dev[2] = { "va", "vb" };
	int i;

	remove_stale();
	snprintf(t->a, sizeof(t->a), "pct%da", (int)getpid());
	snprintf(t->b, sizeof(t->b), "pct%db", (int)getpid());
	t->up = 1;
	sh_ok("ip netns add %s && ip netns add %s", t->a, t->b);
	for (i = 0; i < 2; i++)
		sh_ok("ip netns exec %s sysctl -qw net.ipv6.conf.default.disable_ipv6=%d "
		      "net.ipv6.conf.all.disable_ipv6=%d net.ipv6.conf.default.accept_dad=0 "
		      "net.ipv6.conf.default.router_solicitations=0 && ip -n %s link set lo up",
		      ns[i], !with_ipv6, !with_ipv6, ns[i]);
	sh_ok("ip -n %s link add va mtu 9000 type veth peer name vb netns %s mtu 9000", t->a, t->b);
	read_mac(t->a, "va", t->mac_a);
	read_mac(t->b, "vb", t->mac_b);
	if (with_addrs) {
		sh_ok("ip -n %s addr add 192.0.2.1/24 dev va && ip -n %s addr add 192.0.2.2/24 dev vb",
		      t->a, t->b);
		sh_ok("ip -n %s neigh add 192.0.2.2 lladdr %s dev va nud permanent && "
		      "ip -n %s neigh add 192.0.2.1 lladdr %s dev vb nud permanent",
		      t->a, t->mac_b, t->b, t->mac_a);
		if (with_ipv6) {
			sh_ok("ip -n %s addr add 2001:db8::1/64 dev va nodad && "
			      "ip -n %s addr add 2001:db8::2/64 dev vb nodad", t->a, t->b);
			sh_ok("ip -n %s neigh add 2001:db8::2 lladdr %s dev va nud permanent && "
			      "ip -n %s neigh add 2001:db8::1 lladdr %s dev vb nud permanent",
			      t->a, t->mac_b, t->b, t->mac_a);
		}
	}
	for (i = 0; i < 2; i++)
		sh_ok("ip -n %s link set %s up", ns[i], dev[i]);
	topo_wait_up(t);
}

void topo_wait_up(const struct topo *t)
{
	wait_links_up(t->a, "va", 1, WAIT_MS);
	wait_links_up(t->b, "vb", 1, WAIT_MS);
}

void topo_unlink(struct topo *t)
{
	sh_ok("ip -n %s link del va", t->a);
}

void topo_relink(struct topo *t)
{
	sh_ok("ip -n %s link add va mtu 9000 type veth peer name vb netns %s mtu 9000 && "
	      "ip -n %s link set va up && ip -n %s link set vb up", t->a, t->b, t->a, t->b);
	topo_wait_up(t);
}

void topo_down(struct topo *t)
{
	if (!t->up)
		return;
	/* deleting one namespace deletes the veth pair with it */
	sh("ip netns del %s 2>/dev/null", t->a);
	sh("ip netns del %s 2>/dev/null", t->b);
	if (t->c[0])
		sh("ip netns del %s 2>/dev/null", t->c);
	t->c[0] = '\0';
	t->up = 0;
}

void topo_third(struct topo *t)
{
	snprintf(t->c, sizeof(t->c), "pct%dc", (int)getpid());
	sh_ok("ip netns add %s && ip netns exec %s sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
	      "net.ipv6.conf.default.disable_ipv6=1 && ip -n %s link set lo up", t->c, t->c, t->c);
}

void topo_wait_quiet(const struct topo *t, int quiet_ms, int max_ms)
{
	struct link_stats last = { 0 }, now;
	int waited = 0, still = 0;

	cr_assert_eq(link_stats(t->a, "va", &last), 0);
	while (still < quiet_ms) {
		usleep(100 * 1000);
		waited += 100;
		cr_assert_eq(link_stats(t->a, "va", &now), 0);
		if (memcmp(&now, &last, sizeof(now)) == 0) {
			still += 100;
		} else {
			still = 0;
			last = now;
		}
		cr_assert_lt(waited, max_ms, "the veth pair never went quiet (%d ms)", max_ms);
	}
}

uint64_t snmp_get(const char *ns, const char *proto, const char *field)
{
	char cmd[256], names[4096], vals[4096];
	size_t plen = strlen(proto);
	int six = strchr(proto, '6') != NULL;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /proc/net/%s", ns, six ? "snmp6" : "snmp");
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	while (fgets(names, sizeof(names), f)) {
		if (six) {
			char name[128];
			unsigned long long v;

			if (sscanf(names, "%127s %llu", name, &v) == 2 &&
			    strncmp(name, proto, plen) == 0 && strcmp(name + plen, field) == 0) {
				pclose(f);
				return v;
			}
			continue;
		}
		/* "Tcp: A B C" then "Tcp: 1 2 3" */
		if (strncmp(names, proto, plen) != 0 || names[plen] != ':')
			continue;
		cr_assert_not_null(fgets(vals, sizeof(vals), f));
		char *sn, *sv, *n = strtok_r(names + plen + 1, " \n", &sn);
		char *v = strtok_r(vals + plen + 1, " \n", &sv);

		for (; n && v; n = strtok_r(NULL, " \n", &sn), v = strtok_r(NULL, " \n", &sv))
			if (strcmp(n, field) == 0) {
				pclose(f);
				return strtoull(v, NULL, 10);
			}
	}
	pclose(f);
	cr_assert_fail("no %s %s in /proc/net/snmp of %s", proto, field, ns);
	return 0;
}

#include <cjson/cJSON.h>

static int l3_from_name(const char *s)
{
	int l3;

	for (l3 = 0; l3 < PC_L3_COUNT; l3++)
		if (strcmp(pc_l3_name((enum pc_l3)l3), s) == 0)
			return l3;
	return -1;
}

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

static int parse_count(cJSON *c, unsigned int *key, uint64_t *bytes, uint64_t *packets,
		       char *err, size_t errlen)
{
	cJSON *dir = cJSON_GetObjectItemCaseSensitive(c, "dir");
	cJSON *l3 = cJSON_GetObjectItemCaseSensitive(c, "l3");
	cJSON *ipp = cJSON_GetObjectItemCaseSensitive(c, "ipproto");
	cJSON *proto = cJSON_GetObjectItemCaseSensitive(c, "proto");
	cJSON *b = cJSON_GetObjectItemCaseSensitive(c, "bytes");
	cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "packets");
	int l, d, ip;

	if (!cJSON_IsString(dir) || (strcmp(dir->valuestring, "rx") && strcmp(dir->valuestring, "tx")))
		BAD("count without dir rx|tx");
	d = strcmp(dir->valuestring, "tx") == 0;
	if (!cJSON_IsString(l3) || (l = l3_from_name(l3->valuestring)) < 0)
		BAD("count with bad l3");
	if (l == PC_L3_IPV4 || l == PC_L3_IPV6) {
		if (!cJSON_IsString(proto))
			BAD("ip count without proto");
		if (cJSON_IsNull(ipp)) {
			if (strcmp(proto->valuestring, "unknown"))
				BAD("null ipproto with proto %s", proto->valuestring);
			ip = PC_PROTO_UNKNOWN;
		} else if (cJSON_IsNumber(ipp) && ipp->valueint >= 0 && ipp->valueint <= 255 &&
			   (double)ipp->valueint == ipp->valuedouble) {
			const char *name = pc_ipproto_name(ipp->valueint);
			char num[8];

			snprintf(num, sizeof(num), "%d", ipp->valueint);
			if (strcmp(proto->valuestring, name ? name : num))
				BAD("ipproto %d named %s", ipp->valueint, proto->valuestring);
			ip = ipp->valueint;
		} else {
			BAD("ip count with bad ipproto");
		}
	} else {
		if (ipp || proto)
			BAD("non-IP count %s with ipproto/proto", l3->valuestring);
		ip = PC_PROTO_NONE;
	}
	if (!cJSON_IsNumber(b) || !cJSON_IsNumber(p) || b->valuedouble < 0 || p->valuedouble < 0)
		BAD("count without bytes/packets");
	*key = pc_key_make(d ? PC_DIR_TX : PC_DIR_RX, (enum pc_l3)l, ip);
	*bytes = (uint64_t)b->valuedouble;
	*packets = (uint64_t)p->valuedouble;
	return 0;
fail:
	return -1;
}

int parse_output(const char *out, const char *iface, struct run_output *r,
		 char *err, size_t errlen)
{
	static struct pc_counter last_total[PC_NKEYS];
	const char *line = out;
	cJSON *j = NULL;
	int rebase = 0;

	memset(r, 0, sizeof(*r));
	memset(last_total, 0, sizeof(last_total));
	while (*line) {
		const char *nl = strchr(line, '\n');
		cJSON *type, *name, *mode, *counts, *c, *t, *s, *unit;
		int total;

		if (!nl)
			BAD("a partial line at the end: '%.80s'", line);
		j = cJSON_ParseWithLength(line, (size_t)(nl - line));
		if (!j || !cJSON_IsObject(j))
			BAD("not a JSON object: '%.80s'", line);
		type = cJSON_GetObjectItemCaseSensitive(j, "type");
		unit = cJSON_GetObjectItemCaseSensitive(j, "unit");
		/* every record says what a packet is (docs/counting.md, "The unit") */
		if (!cJSON_IsString(unit) || (strcmp(unit->valuestring, "wire") && strcmp(unit->valuestring, "skb")))
			BAD("record without unit wire or skb: '%.80s'", line);
		if (cJSON_IsString(type) && !strcmp(type->valuestring, "event")) {
			cJSON *ev = cJSON_GetObjectItemCaseSensitive(j, "event");

			if (!cJSON_IsString(ev) || (strcmp(ev->valuestring, "attached") &&
						    strcmp(ev->valuestring, "detached") &&
						    strcmp(ev->valuestring, "renamed")))
				BAD("event record without attached/detached/renamed: '%.80s'", line);
			/* a series that takes over another's name goes on from that one's totals */
			name = cJSON_GetObjectItemCaseSensitive(j, "iface");
			if (!strcmp(ev->valuestring, "renamed") && cJSON_IsString(name) &&
			    !strcmp(name->valuestring, iface))
				rebase = 1;
			cJSON_Delete(j);
			j = NULL;
			line = nl + 1;
			continue;
		}
		name = cJSON_GetObjectItemCaseSensitive(j, "iface");
		mode = cJSON_GetObjectItemCaseSensitive(j, "mode");
		counts = cJSON_GetObjectItemCaseSensitive(j, "counts");
		t = cJSON_GetObjectItemCaseSensitive(j, "time");
		s = cJSON_GetObjectItemCaseSensitive(j, "seconds");
		if (!cJSON_IsString(type) || !cJSON_IsString(name) || !cJSON_IsString(mode) ||
		    !cJSON_IsArray(counts) || !cJSON_IsNumber(t) || !cJSON_IsNumber(s))
			BAD("record lacks type/iface/mode/counts/time/seconds: '%.80s'", line);
		total = strcmp(type->valuestring, "total") == 0;
		if (!total && strcmp(type->valuestring, "interval"))
			BAD("record type %s", type->valuestring);
		if (strcmp(name->valuestring, iface) == 0) {
			snprintf(r->mode, sizeof(r->mode), "%s", mode->valuestring);
			snprintf(r->unit, sizeof(r->unit), "%s", unit->valuestring);
			if (total)
				r->total_records++;
			else
				r->intervals++;
			if (total && r->total_records > 1)
				BAD("two total records for %s", iface);
			cJSON_ArrayForEach(c, counts) {
				unsigned int key;
				uint64_t bytes, packets;

				if (parse_count(c, &key, &bytes, &packets, err, errlen))
					goto fail;
				if (total) {
					r->totals[key].bytes = bytes;
					r->totals[key].packets = packets;
					if (bytes < last_total[key].bytes || packets < last_total[key].packets)
						BAD("total below an interval's running total");
				} else {
					cJSON *bt = cJSON_GetObjectItemCaseSensitive(c, "bytes_total");
					cJSON *pt = cJSON_GetObjectItemCaseSensitive(c, "packets_total");

					if (!cJSON_IsNumber(bt) || !cJSON_IsNumber(pt))
						BAD("interval count without bytes_total/packets_total");
					if (rebase && bt->valuedouble >= (double)bytes && pt->valuedouble >= (double)packets) {
						last_total[key].bytes = (uint64_t)bt->valuedouble - bytes;
						last_total[key].packets = (uint64_t)pt->valuedouble - packets;
					}
					if ((uint64_t)bt->valuedouble < last_total[key].bytes ||
					    (uint64_t)pt->valuedouble < last_total[key].packets)
						BAD("running total went backwards");
					if ((uint64_t)bt->valuedouble - last_total[key].bytes != bytes ||
					    (uint64_t)pt->valuedouble - last_total[key].packets != packets)
						BAD("interval counts are not the step of the running total");
					last_total[key].bytes = (uint64_t)bt->valuedouble;
					last_total[key].packets = (uint64_t)pt->valuedouble;
				}
			}
			rebase = 0;
		}
		cJSON_Delete(j);
		j = NULL;
		line = nl + 1;
	}
	if (r->total_records != 1)
		BAD("%d total records for %s", r->total_records, iface);
	return 0;
fail:
	cJSON_Delete(j);
	return -1;
}

/* The "iface":"NAME", of a record, as pktcount writes it. */
static int record_of(const char *line, size_t len, const char *iface)
{
	char what[64];

	snprintf(what, sizeof(what), "\"iface\":\"%s\",", iface);
	return memmem(line, len, what, strlen(what)) != NULL;
}

int64_t json_counted(const char *out, size_t len, const char *iface, int which)
{
	const char *end = out ? out + len : NULL, *line;
	int64_t n = 0;
	cJSON *j, *c, *drops;

	if (!out)
		return -1;
	/* back from the end: the last whole line first */
	while (end > out && end[-1] != '\n')
		end--;
	for (; end > out; end = line) {
		for (line = end - 1; line > out && line[-1] != '\n'; line--)
			;
		if (memmem(line, (size_t)(end - line), "\"type\":\"interval\"", 17) &&
		    record_of(line, (size_t)(end - line), iface))
			break;
	}
	if (end <= out)
		return -1;
	j = cJSON_ParseWithLength(line, (size_t)(end - line));
	if (!j)
		return -1;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j, "counts")) {
		cJSON *dir = cJSON_GetObjectItemCaseSensitive(c, "dir");
		cJSON *pt = cJSON_GetObjectItemCaseSensitive(c, "packets_total");
		unsigned int key;
		uint64_t b, pk;
		char err[64];

		if (!cJSON_IsString(dir) || !cJSON_IsNumber(pt))
			continue;
		if (which == COUNT_RX ? strcmp(dir->valuestring, "rx") :
		    which == COUNT_TX ? strcmp(dir->valuestring, "tx") :
		    parse_count(c, &key, &b, &pk, err, sizeof(err)) || key != (unsigned int)which)
			continue;
		n += (int64_t)pt->valuedouble;
	}
	drops = cJSON_GetObjectItemCaseSensitive(j, "drops_total");
	if (cJSON_IsNumber(drops))
		n += (int64_t)drops->valuedouble;
	cJSON_Delete(j);
	return n;
}

struct counted_arg {
	const char *iface;
	int which;
	uint64_t want;
};

static int counted_enough(struct pktcount_proc *p, void *arg)
{
	const struct counted_arg *a = arg;

	return json_counted(p->out, p->out_len, a->iface, a->which) >= (int64_t)a->want;
}

int pktcount_wait_counted(struct pktcount_proc *p, const char *iface, int which, uint64_t want, int max_ms)
{
	struct counted_arg a = { iface, which, want };
	int ret = pktcount_wait_until(p, counted_enough, &a, max_ms);

	/* info, not warn: Criterion exits 1 after any warning; the test's own assertions say what is wrong */
	if (ret)
		cr_log_info("%s never counted %llu (%s) in %d ms: its last interval record has %lld",
			    iface, (unsigned long long)want,
			    which == COUNT_RX ? "rx" : which == COUNT_TX ? "tx" : "one key", max_ms,
			    (long long)json_counted(p->out, p->out_len, iface, which));
	return ret;
}

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

struct pc_counter dir_sum(const struct pc_counter *c, enum pc_dir dir)
{
	struct pc_counter s = { 0, 0 };
	unsigned int k;

	for (k = dir * PC_NSLOTS; k < (dir + 1u) * PC_NSLOTS; k++) {
		s.bytes += c[k].bytes;
		s.packets += c[k].packets;
	}
	return s;
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

int tx_copies(size_t i)
{
	return (int)(i % 3) + 1;
}

int inject_frames(void *arg)
{
	const struct inject *in = arg;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int s = socket(AF_PACKET, SOCK_RAW, 0), k;
	size_t i;

	if (s < 0)
		return 10;
	sll.sll_ifindex = (int)if_nametoindex("va");
	if (!sll.sll_ifindex)
		return 11;
	for (i = in->from; i < (in->to ? in->to : in->n); i++)
		for (k = 0; k < tx_copies(i); k++)
			if (sendto(s, in->f[i].data, in->f[i].len, 0, (struct sockaddr *)&sll, sizeof(sll)) !=
			    (ssize_t)in->f[i].len)
				return 12;
	close(s);
	return 0;
}

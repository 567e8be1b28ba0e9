// SPDX-License-Identifier: GPL-2.0
/*
 * Commands and pktcount as processes: started (in a namespace), their
 * output read as it comes, waited for, ended and reaped.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "wait.h"

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

/* ---- pktcount run to its end ---- */

unsigned int run_alarm;

/*
 * Become uid (and its group) keeping only CAP_NET_RAW when net_raw is 1,
 * CAP_NET_RAW and CAP_BPF when it is 2 (as setcap cap_net_raw,cap_bpf+ep
 * would give); 0 or -1.
 */
static int become(int uid, int net_raw)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	if (net_raw && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		return -1;
	if (setgroups(0, NULL) || setgid((gid_t)uid) || setuid((uid_t)uid))
		return -1;
	if (!net_raw)
		return 0;
	d[0].effective = d[0].permitted = d[0].inheritable = 1u << CAP_NET_RAW;
	if (net_raw == 2)	/* CAP_BPF is 39: the second word */
		d[1].effective = d[1].permitted = d[1].inheritable = 1u << (39 - 32);
	if (syscall(SYS_capset, &h, d))
		return -1;
	/* ambient: the capabilities survive the exec of an unprivileged binary */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0))
		return -1;
	return net_raw == 2 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 39, 0, 0) ? -1 : 0;
}

void run_as(struct ran *r, const char *ns, int uid, int net_raw, const char *const argv[])
{
	int o[2], e[2], st;
	const char **args;
	size_t n = 0, k = 0, ol = 0, el = 0;
	pid_t pid;

	while (argv[n])
		n++;
	args = calloc(n + 4, sizeof(*args));
	cr_assert_not_null(args);
	/* pktcount_sim: under tests/seccomp-run, as a kernel without that feature */
	if (pktcount_sim) {
		args[k++] = "./tests/seccomp-run";
		args[k++] = pktcount_sim;
	}
	args[k++] = pktcount_path();
	memcpy(args + k, argv, n * sizeof(*args));
	cr_assert_eq(pipe(o), 0);
	cr_assert_eq(pipe(e), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		alarm(run_alarm);	/* kept across execve: a hang ends as SIGALRM */
		if (ns && join_netns(ns) < 0)
			_exit(126);
		if (uid >= 0 && become(uid, net_raw))
			_exit(125);
		dup2(o[1], 1);
		dup2(e[1], 2);
		close(o[0]);
		close(e[0]);
		execv(args[0], (char *const *)args);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	for (;;) {
		ssize_t a = read(o[0], r->out + ol, sizeof(r->out) - 1 - ol);
		ssize_t b = a > 0 ? 0 : read(e[0], r->err + el, sizeof(r->err) - 1 - el);

		if (a > 0)
			ol += (size_t)a;
		if (b > 0)
			el += (size_t)b;
		if (a <= 0 && b <= 0)
			break;
	}
	r->out[ol] = r->err[el] = '\0';
	close(o[0]);
	close(e[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	free(args);
}

int count_lines(const char *s)
{
	int n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

void pktcount_refused(const char *const argv[], int code, const char *what)
{
	const char *arg = argv[1] ? argv[1] : "";
	struct pktcount_proc p;
	struct timespec t0, t1;
	int st;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(pktcount_start(&p, NULL, argv), 0);
	st = pktcount_finish(&p, 0, PROMPT_MS);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* (an argument is cut to 60 bytes in what the test says: some are a thousand terms) */
	cr_expect_eq(st, code, "%s %.60s: exit %d, want %d (stderr: %s)", argv[0], arg, st, code, p.err);
	cr_expect_lt(ms_between(&t0, &t1), PROMPT_MS, "%s %.60s: took %ld ms", argv[0], arg, ms_between(&t0, &t1));
	cr_expect(p.err && strstr(p.err, what), "%s %.60s: stderr '%s' lacks '%s'", argv[0], arg, p.err, what);
	cr_expect_eq(count_lines(p.err), 1, "%s %.60s: want one line, got: %s", argv[0], arg, p.err);
	cr_expect_eq(p.out_len, 0, "%s %.60s: printed to stdout: %.200s", argv[0], arg, p.out);
	free(p.out);
	free(p.err);
}

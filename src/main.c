// SPDX-License-Identifier: GPL-2.0
/*
 * pktcount: count bytes and packets per protocol and direction on network
 * interfaces, inside the kernel.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "class_pcap.h"
#include "counts.h"
#include "front.h"
#include "modes.h"
#include "options.h"
#include "pc_class.h"
#include "output.h"
#include "pktcount.h"
#include "pin.h"

static volatile sig_atomic_t stop_signal;
/* the signal mask while waiting: SIGINT, SIGTERM and SIGHUP are blocked elsewhere */
static sigset_t wait_mask;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/*
 * Descriptors 0, 1 and 2 must be open before anything else is: started with
 * one closed, the first packet socket (or eBPF map) would get its number,
 * and every record and message would then be sent out on the counted
 * interface as a frame (or written into the map).  A closed one becomes
 * /dev/null.  0, or -1 when that cannot be done (said if stderr is open).
 */
static int std_fds_open(void)
{
	int fd, got;

	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		got = open("/dev/null", O_RDWR);
		if (got == fd)
			continue;
		if (got >= 0)
			close(got);
		if (fcntl(STDERR_FILENO, F_GETFD) >= 0)
			pc_err("/dev/null, for the closed descriptor %d: %s", fd,
			       got < 0 ? strerror(errno) : "opened as another descriptor");
		return -1;
	}
	return 0;
}

/*
 * SIGINT, SIGTERM and SIGHUP are caught once the options are read, and
 * blocked until the counting loop waits in epoll_pwait() (see wait_until):
 * one that comes while the taps are opened (seconds, with -a on hundreds
 * of interfaces) ends the run with the totals instead of killing it.  No
 * SA_RESTART: a signal must end the sleep at once.
 *
 * While the options are read they keep their default action: nothing is
 * attached yet and nothing counted, and compiling a class can keep
 * libpcap's optimizer busy for minutes (src/class.c), so a signal then
 * ends pktcount at once, as it ends any command.
 */
static int signals_setup(void)
{
	struct sigaction sa;
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &block, &wait_mask) < 0) {
		pc_err("sigprocmask: %s", strerror(errno));
		return -1;
	}
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGHUP);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGHUP, &sa, NULL) < 0) {
		pc_err("sigaction: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* From the start: a closed reader shows up as EPIPE from write() (-h and -V too), not as a death. */
static int sigpipe_ignore(void)
{
	if (signal(SIGPIPE, SIG_IGN) != SIG_ERR)
		return 0;
	pc_err("signal(SIGPIPE): %s", strerror(errno));
	return -1;
}

/* Temporary files of --prom-file a killed pktcount left (pc_prom_tmp_match), removed at start. */
static void remove_stale_prom_tmp(const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char *dirpath = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	struct dirent *d;
	struct stat st;
	DIR *dir = dirpath ? opendir(dirpath) : NULL;

	if (!dir) {
		pc_err("--prom-file %s: looking for stale temporary files: %s", path, strerror(errno));
		free(dirpath);
		return;
	}
	while ((errno = 0, d = readdir(dir))) {
		if (!pc_prom_tmp_match(d->d_name, base) ||
		    fstatat(dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dirfd(dir), d->d_name, 0) < 0)
			pc_err("warning: --prom-file %s: removing stale %s/%s: %s", path, dirpath, d->d_name,
			       strerror(errno));
		else
			pc_log("--prom-file %s: removed %s/%s, left by a pktcount that was killed", path,
			       dirpath, d->d_name);
	}
	if (errno)
		pc_err("warning: --prom-file %s: reading directory %s: %s", path, dirpath, strerror(errno));
	closedir(dir);
	free(dirpath);
}

/*
 * Join a network namespace before any socket exists: every socket, /proc/net
 * file and interface name from then on is that namespace's.
 */
static int enter_netns(const char *name)
{
	char path[PATH_MAX];
	mode_t mode = 0;
	int fd, e;

	if (!*name)
		return pc_usage_error("--netns: empty name");
	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else if (snprintf(path, sizeof(path), "/run/netns/%s", name) >= (int)sizeof(path))
		return pc_usage_error("--netns %.40s...: name too long", name);
	/* a namespace is a regular file: an nsfs inode (fs/nsfs.c), a proc one before 3.19 */
	fd = pc_open_regular(path, &mode);
	if (fd == PC_FILE_NOT_REGULAR) {
		pc_err("--netns %s: not a network namespace (%s)", name, pc_file_kind(mode));
		return PC_EXIT_USAGE;
	}
	if (fd < 0) {
		pc_err("--netns %s: %s: %s", name, path, strerror(-fd));
		return fd == -EACCES || fd == -EPERM ? PC_EXIT_PRIV : PC_EXIT_NOIFACE;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		e = errno;
		close(fd);
		if (e == EINVAL)
			pc_err("--netns %s: not a network namespace (setns: %s)", name, strerror(e));
		else
			pc_err("setns(%s): %s%s", path, strerror(e), e == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		return e == EPERM ? PC_EXIT_PRIV : e == EINVAL ? PC_EXIT_USAGE : PC_EXIT_FAIL;
	}
	close(fd);
	pc_log("counting inside network namespace %s", path);
	return PC_EXIT_OK;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


/* epoll data for the link event socket; a tap's is its index and the slot of its descriptor */
#define PC_READY_NL UINT64_MAX

/*
 * The descriptors the loop waits on, in an epoll set made anew when taps
 * came, went or moved (c->ready_dirty): poll() over a thousand packet
 * sockets costs 5 to 10 ms of the kernel's time at every wake-up, while
 * epoll_wait() costs what is ready.  epoll_pwait() is 2.6.19+.
 */
static int ready_rebuild(struct ctx *c)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int i, j;

	if (c->ep >= 0)
		close(c->ep);
	c->ep = epoll_create1(EPOLL_CLOEXEC);
	if (c->ep < 0) {
		pc_err("epoll_create1: %s", strerror(errno));
		return PC_EXIT_FAIL;
	}
	for (i = 0; i < c->ntaps; i++)
		for (j = 0; c->taps[i].attached && j < c->taps[i].nfds; j++) {
			ev.data.u64 = (uint64_t)i << 8 | (uint64_t)j;
			if (epoll_ctl(c->ep, EPOLL_CTL_ADD, c->taps[i].fds[j], &ev) < 0) {
				pc_err("epoll_ctl: the descriptor of %s: %s", c->taps[i].name, strerror(errno));
				return PC_EXIT_FAIL;
			}
		}
	ev.data.u64 = PC_READY_NL;
	if (c->nl_fd >= 0 && epoll_ctl(c->ep, EPOLL_CTL_ADD, c->nl_fd, &ev) < 0) {
		pc_err("epoll_ctl: the link event socket: %s", strerror(errno));
		return PC_EXIT_FAIL;
	}
	c->ready_dirty = 0;
	return PC_EXIT_OK;
}

/* A tap's descriptor is ready: an error to clear, frames to take in; a pc_exit. */
static int tap_ready(struct ctx *c, const struct epoll_event *ev)
{
	struct pc_tap *tap = &c->taps[ev->data.u64 >> 8];
	int fd = tap->fds[ev->data.u64 & 0xff], ret;

	tap->woke = 1;

	if (ev->events & EPOLLERR) {
		int err = 0;
		socklen_t len = sizeof(err);

		/* the interface went down: clear the error, keep counting */
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err)
			pc_log("%s: %s", tap->name, strerror(err));
	}
	if ((ev->events & EPOLLIN) && (ret = tap->be->drain(tap)) < 0 && ret != -ENETDOWN) {
		pc_err("reading frames on %s: %s", tap->name, strerror(-ret));
		return PC_EXIT_FAIL;
	}
	return PC_EXIT_OK;
}

/*
 * Until the monotonic time t (or a signal), take in what the userspace taps
 * have ready and follow links that come and go.  With nothing to wait on,
 * epoll_pwait() is just the sleep.  Returns a pc_exit, or -errno from writing.
 */
static int wait_until(struct ctx *c, double t)
{
	struct epoll_event ev[64];
	sigset_t held;

	while (!stop_signal) {
		double left = t - mono_now();
		int i, ready, links = 0, code;

		if (left <= 0)
			return PC_EXIT_OK;
		if (c->ready_dirty && (code = ready_rebuild(c)))
			return code;
		/*
		 * Signals are unblocked only here: one that came since the check
		 * above ends this wait at once instead of being noticed an
		 * interval later.  Rounded up: never a busy loop below 1 ms.
		 */
		ready = epoll_pwait(c->ep, ev, 64, (int)ceil(left * 1000.0), &wait_mask);
		/*
		 * A wait that returns descriptors restores the blocking mask
		 * without delivering a signal that is pending (fs/eventpoll.c,
		 * restore_saved_sigmask_unless(error == -EINTR)): with a
		 * descriptor always readable, SIGTERM would wait for ever.  Open
		 * the mask for a moment so that it is taken now.
		 */
		if (ready > 0 && (sigprocmask(SIG_SETMASK, &wait_mask, &held) < 0 ||
				  sigprocmask(SIG_SETMASK, &held, NULL) < 0)) {
			pc_err("sigprocmask: %s", strerror(errno));
			return PC_EXIT_FAIL;
		}
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0) {
			pc_err("epoll_pwait: %s", strerror(errno));
			return PC_EXIT_FAIL;
		}
		for (i = 0; i < ready; i++) {
			if (ev[i].data.u64 == PC_READY_NL)
				links = 1;
			else if ((code = tap_ready(c, &ev[i])))
				return code;
		}
		/* last: following links moves taps, and the events above name them by index */
		if (links && (code = pc_follow_links(c)) < 0)
			return code;
	}
	return PC_EXIT_OK;
}

/*
 * The report of the interval (or, final, of the run since start), built once
 * and rendered in every output: the --prom-file, and stdout in the format
 * (unless to_stdout is 0).  A failed write of the --prom-file is said every
 * time, and counting goes on (exit 1 at the end).  0, or -errno of stdout.
 */
static int report(struct ctx *c, double secs, int final, int to_stdout)
{
	static const enum pc_view view[] = {
		[PC_FORMAT_TABLE] = PC_VIEW_TABLE, [PC_FORMAT_JSON] = PC_VIEW_JSON, [PC_FORMAT_PROM] = PC_VIEW_PROM,
	};
	struct pc_report_spec s = { secs, pc_wall_now(), final, 0, &c->cfg->out };
	struct pc_emit e = { STDOUT_FILENO, to_stdout ? view[c->cfg->format] : PC_VIEW_NONE, c->cfg->prom_file, 0 };
	int ret = pc_report_emit(&e, c->taps, c->ntaps, &s);

	if (e.prom_err) {
		pc_err("--prom-file %s: %s (still counting)", c->cfg->prom_file, strerror(-e.prom_err));
		c->prom_failed = 1;
	}
	return ret;
}

/*
 * What the userspace taps have ready now, taken in before every tap is
 * read.  Readiness alone does not say what a ring holds: on 3.17 a
 * TPACKET_V3 ring with frames stayed unreadable to epoll (the vm test's
 * 3.17 boot counted nothing at intervals), so an interval still reads
 * every tap.  Level-triggered: a tap with more than one drain's worth is
 * ready again.
 */
static int drain_ready(struct ctx *c)
{
	struct epoll_event ev[64];
	int i, ready, rounds = 64, code;

	if (c->ready_dirty && (code = ready_rebuild(c)))
		return code;
	while (rounds-- && (ready = epoll_pwait(c->ep, ev, 64, 0, NULL)) > 0)
		for (i = 0; i < ready; i++)
			if (ev[i].data.u64 != PC_READY_NL && (code = tap_ready(c, &ev[i])))
				return code;
	return PC_EXIT_OK;
}

/*
 * Every attached tap's counts; a detached one keeps what it had.  At an
 * interval a userspace tap's counts are what it drained, and what is ready
 * now; at the end (all) each reads everything it holds.
 */
static int read_all(struct ctx *c, int all)
{
	int i, ret;

	if (!all && (ret = drain_ready(c)))
		return ret;

	for (i = 0; i < c->ntaps; i++)
		if (c->taps[i].attached && c->taps[i].be->prepare)
			c->taps[i].be->prepare(&c->taps[i]);
	for (i = 0; i < c->ntaps; i++) {
		struct pc_tap *tap = &c->taps[i];

		if (!tap->attached)
			continue;
		ret = all || !tap->be->read_when_ready || tap->woke ? tap->be->read(tap) : 0;
		if (ret < 0 && ret != -ENETDOWN) {
			pc_err("reading the counters of %s: %s", tap->name, strerror(-ret));
			return PC_EXIT_FAIL;
		}
		/*
		 * A ring or socket buffer drops only when full, and then it is
		 * readable (tpacket_rcv() and packet_rcv() wake the socket on
		 * their drop paths too): a tap that never woke since its last
		 * reading has no drops to read.  Where a kernel's wake-up is late
		 * (3.17, above) a drop is said an interval late, never lost: at
		 * the end every tap reads its own.
		 */
		if (tap->be->drops && (all || tap->woke) && (ret = tap->be->drops(tap)) < 0) {
			pc_err("reading the drop counter of %s: %s", tap->name, strerror(-ret));
			return PC_EXIT_FAIL;
		}
		tap->woke = 0;
		pc_check_read(tap);
	}
	return PC_EXIT_OK;
}

/* The counting loop; returns the exit code. */
static int run(struct ctx *c)
{
	double start = mono_now(), last = start, next = start;
	unsigned long long n = 0;
	int code = PC_EXIT_OK, out_err = 0, settle = 0, i;

	for (i = 0; i < c->ntaps; i++)
		if (c->taps[i].settle_ms > settle)
			settle = c->taps[i].settle_ms;
	while (!stop_signal) {
		double now;

		next += c->cfg->interval;
		code = wait_until(c, next);
		if (code < 0) {
			out_err = code;
			code = PC_EXIT_OK;
			break;
		}
		if (code)
			break;
		now = mono_now();
		code = read_all(c, 0);
		if (code)
			break;
		/* lost link events whose reading of all links failed: once an interval */
		if (c->relist && (out_err = pc_follow_rescan(c)))
			break;
		if (stop_signal)
			break;	/* a partial interval goes into the totals only */
		out_err = report(c, now - last, 0, 1);
		if (out_err)
			break;
		for (i = 0; i < c->ntaps; i++)
			pc_counts_mark(&c->taps[i].counts, now, c->cfg->idle);
		last = now;
		if (c->cfg->count && ++n >= c->cfg->count)
			break;
		if (now > next + c->cfg->interval)
			next = now;	/* suspended or starved: don't catch up in a burst */
	}
	if (stop_signal)
		pc_log("signal %d: printing the totals", (int)stop_signal);
	if (!code && !out_err) {
		/* frames still on their way to userspace (a ring block not yet handed over) */
		if (settle) {
			stop_signal = 0;
			code = wait_until(c, mono_now() + settle / 1000.0);
			if (code < 0) {
				out_err = code;
				code = PC_EXIT_OK;
			}
		}
		if (!code && !out_err)
			code = read_all(c, 1);
		/* a prom page is cumulative: after -c N the last one printed is current */
		if (!code && !out_err)
			out_err = report(c, mono_now() - start, 1,
					 c->cfg->format != PC_FORMAT_PROM || !c->cfg->count || n < c->cfg->count);
	}
	if (out_err && out_err != -EPIPE) {	/* EPIPE: the reader went away, not our error */
		pc_err("writing to standard output: %s", strerror(-out_err));
		return PC_EXIT_FAIL;
	}
	return code ? code : c->prom_failed ? PC_EXIT_FAIL : PC_EXIT_OK;
}

/*
 * The options (src/options.c), then the place they name: stale temporary
 * files of --prom-file removed, the network namespace entered, the kernel
 * it runs on noted.  -1 to go on, else the exit code.
 */
static int options(int argc, char **argv, struct pc_config *cfg)
{
	struct utsname uts;
	int code = pc_config_read(argc, argv, cfg);

	if (code >= 0)
		return code;
	if (cfg->prom_file)
		remove_stale_prom_tmp(cfg->prom_file);
	if (cfg->netns && (code = enter_netns(cfg->netns)))
		return code;
	snprintf(cfg->kernel, sizeof(cfg->kernel), "%s", uname(&uts) == 0 ? uts.release : "unknown");
	cfg->out.kernel = cfg->kernel;
	return -1;
}

/* The interfaces named (or all), each opened in the mode chosen; a pc_exit. */
static int taps_open(struct ctx *c)
{
	int code = pc_taps_pick(&c->taps, &c->ntaps, c->cfg->all, c->cfg->ifaces, c->cfg->nifaces);

	if (!code)
		code = pc_choose_mode(c->cfg, c->ntaps, &c->mode);
	return code ? code : pc_taps_open(c->taps, &c->ntaps, c->cfg, c->mode);
}

/*
 * Everything that needs privilege is open: give it up, then allow only the
 * system calls the counting loop makes.  The prom file is written after, as
 * the user that will rewrite it, so a directory that user cannot write is a
 * startup error, not a failure an interval later.  A pc_exit.
 */
static int privileges_drop(struct ctx *c)
{
	const struct pc_config *cfg = c->cfg;
	/* what the mode of every tap keeps, and the mode chosen for the interfaces to come (src/modes.c) */
	struct pc_keep keep = pc_modes_keep(c->mode, c->taps, c->ntaps);
	int code;

	if ((geteuid() == 0 || cfg->user) &&
	    (code = pc_privs_drop(cfg->user ? cfg->user : "nobody", cfg->user != NULL, pc_privs_caps(&keep))))
		return code;
	if (!cfg->no_seccomp && (code = pc_seccomp_install(&keep)))
		return code;
	/* the file exists from the start, counts at zero: a first scrape is never absent */
	if (cfg->prom_file && (code = pc_write_prom_file(cfg->prom_file, c->taps, c->ntaps, &cfg->out)) < 0) {
		pc_err("--prom-file %s: %s%s", cfg->prom_file, strerror(-code),
		       code == -EACCES && geteuid() ? " (pktcount no longer runs as root: make the "
						       "directory writable for its -Z user, nobody by default)" : "");
		return PC_EXIT_USAGE;
	}
	return PC_EXIT_OK;
}

/* In the order they run: options, taps, privileges, the counting loop. */
int main(int argc, char **argv)
{
	struct pc_config config;
	/* written by options() alone: from then on everything reads it through this */
	const struct pc_config *cfg = &config;
	struct ctx c = { .cfg = cfg, .nl_fd = -1, .ep = -1, .ready_dirty = 1 };
	int code, i;

	if (std_fds_open() || sigpipe_ignore())
		return PC_EXIT_FAIL;
	code = options(argc, argv, &config);
	if (code >= 0) {
		pc_classes_free();
		return code;
	}
	if (signals_setup()) {
		pc_classes_free();
		return PC_EXIT_FAIL;
	}
	pc_pcap_compiler_close();
	if (cfg->classes && *cfg->classes->offline)
		pc_err("classes: compiled for a capture, not a live device (%s): `vlan` then looks for "
		       "the tag in the frame, where the kernel no longer has it", cfg->classes->offline);
	if (cfg->remove || cfg->remove_stale) {
		code = cfg->remove ? pc_tc_remove(cfg->remove) : pc_tc_remove_stale();
		pc_classes_free();
		return code;
	}
	/* subscribed before the interfaces are listed: no change falls in between */
	c.nl_fd = pc_nl_open_events();
	code = taps_open(&c);
	for (i = 0; i < c.ntaps && !code && cfg->persist; i++)
		code = pc_tc_persist(&c.taps[i]);
	if (!code && cfg->persist)
		code = pc_stdout_done();
	else if (!code)
		code = privileges_drop(&c);
	if (!code && !cfg->persist) {
		/* without link events pktcount still counts; it cannot follow interfaces then */
		if (c.nl_fd < 0)
			pc_err("rtnetlink: %s: interfaces that are deleted will not be followed", strerror(-c.nl_fd));
		code = run(&c);
	}
	pc_taps_close(c.taps, c.ntaps);
	for (i = 0; i < c.ntaps; i++)
		pc_entries_free(&c.taps[i].ent);
	pc_classes_free();
	free(c.taps);
	if (c.ep >= 0)
		close(c.ep);
	if (c.nl_fd >= 0)
		close(c.nl_fd);
	return code;
}

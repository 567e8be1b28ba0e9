// SPDX-License-Identifier: GPL-2.0
/*
 * pktcount: count bytes and packets per protocol and direction on network
 * interfaces, inside the kernel.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
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
#include "front.h"
#include "pc_class.h"
#include "pc_prog.h"
#include "output.h"
#include "pktcount.h"
#include "pin.h"

static volatile sig_atomic_t stop_signal;
/* the signal mask while waiting: SIGINT, SIGTERM and SIGHUP are blocked elsewhere */
static sigset_t wait_mask;

static const char usage_text[] =
	"Usage: pktcount [OPTIONS] [IFACE...]\n"
	"Count bytes and packets per protocol and direction, inside the kernel.\n"
	"With no IFACE, the interface of the default route.\n"
	"\n"
	"  -i, --interval SECONDS  print every SECONDS (fractions allowed; default 1)\n"
	"  -c, --count N           stop after N intervals and print the totals\n"
	"  -m, --mode MODE         auto (default), ebpf, classic, pcap or tc\n"
	"                          (pcap when built with libpcap: see --version);\n"
	"                          tc counts at the interface's tc hooks, no socket\n"
	"      --persist           tc mode, then exit: the counters pinned under\n"
	"                          /sys/fs/bpf/pktcount count on with no process, and\n"
	"                          a later pktcount on the interface reads them\n"
	"      --remove IFACE      detach and unpin what --persist left on IFACE\n"
	"      --remove-stale      unpin what counts an interface or network\n"
	"                          namespace that is gone, in every namespace\n"
	"      --tc-attach HOW     tc mode through tcx links or a clsact filter:\n"
	"                          auto (tcx where the kernel has it, 6.6+), tcx\n"
	"                          or clsact; implies -m tc\n"
	"  -p, --promisc           put the interfaces in promiscuous mode\n"
	"      --ring-size SIZE    kernel buffer per interface in classic mode, per\n"
	"                          handle in pcap mode (K, M, G; 64K to 1G; default\n"
	"                          1/128 of memory over the interfaces, 256K to 4M);\n"
	"                          raise it when the drops count grows\n"
	"  -j, --json              JSON Lines: a record per interface per interval,\n"
	"                          and one with \"type\":\"total\" at the end\n"
	"  -f, --format FORMAT     table (default), json (as -j) or prom (Prometheus\n"
	"                          text, a page per interval)\n"
	"      --prom-file PATH    also rewrite PATH every interval, atomically, for\n"
	"                          node_exporter's textfile collector\n"
	"  -a, --all               every interface\n"
	"      --check             show the interfaces' own counters and the share of\n"
	"                          them pktcount counted (coverage)\n"
	"      --by KEY            also count per KEY: host (the other end's address),\n"
	"                          pair (source and destination), flow (and protocol\n"
	"                          and ports) or mac (the other end's MAC); proto, the\n"
	"                          default, is the protocol key alone\n"
	"      --top N             with --by: the N entries with most bytes per\n"
	"                          interface, and one line for the rest (default 10)\n"
	"      --max-keys N        with --by: keys kept per interface; new keys past\n"
	"                          it count under \"other\" (default 65536)\n"
	"      --idle SECONDS      with --by: a key that counted nothing for this\n"
	"                          long leaves, its counts kept under \"idle\"\n"
	"                          (default 300; 0: never)\n"
	"      --class NAME=EXPR   also count the frames matching EXPR, a pcap-filter\n"
	"                          expression (as tcpdump takes it), or @FILE, the\n"
	"                          output of tcpdump -dd EXPR; repeatable (at most 64);\n"
	"                          the frames no class matched count as \"unmatched\"\n"
	"      --classes FILE      a class per line: NAME EXPR (# starts a comment)\n"
	"      --filter EXPR       count only the frames matching EXPR (or @FILE)\n"
	"  -n, --netns NAME        count inside network namespace NAME (ip netns) or\n"
	"                          the one at a path such as /proc/PID/ns/net\n"
	"  -Z, --user USER         once counting, run as USER (default nobody when\n"
	"                          started as root; -Z root keeps root)\n"
	"      --no-seccomp        no seccomp allowlist (for valgrind, strace, gdb)\n"
	"  -v, --verbose           say which mode was chosen and why\n"
	"  -h, --help              this text\n"
	"  -V, --version           version and the modes built in\n"
	"\n"
	"Exit status: 0 ok, 1 system error, 2 bad usage, 3 no such interface,\n"
	"4 missing privilege, 5 mode not available, 6 program rejected by the kernel.\n";

/* --version: tc mode's ways in, and its programs with the oldest kernel of each */
static void print_tc_variants(void)
{
	struct pc_placed p;
	int id;

	printf("tc: tcx links (6.6+), else a clsact cls_bpf filter (4.5+); --persist pins in bpffs\ntc programs:");
	for (id = 0; id < PC_PROG_COUNT; id++)
		if (pc_prog_place(&pc_progs[id], PC_AT_TC_INGRESS, &p) == 0)
			printf(" tc%s (%u.%u)", p.prog.name + 3, p.prog.since >> 8, p.prog.since & 0xff);
	printf("\n");
}

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

/* -h, -V: what was printed must have been written (a full disk, a closed pipe) */
static int stdout_done(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return PC_EXIT_OK;
	pc_err("writing to standard output: %s", strerror(errno));
	return PC_EXIT_FAIL;
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pc_vsay(" (see pktcount --help)", fmt, ap);
	va_end(ap);
	return PC_EXIT_USAGE;
}

/* 1 ms to a year, finite, nothing after the number */
static int parse_interval(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	/* strtod would skip leading white space and take a sign: a digit or a point first */
	if ((!isdigit((unsigned char)*s) && *s != '.') || end == s || *end || errno || !isfinite(v) ||
	    v < 0.001 || v > 31536000.0)
		return usage_error("bad interval '%.40s': want seconds from 0.001 to 31536000", s);
	*out = v;
	return 0;
}

/* s as a whole number above 0, digits only: strtoull would skip white space and take a sign ("\t-1" is 2^64-1) */
static int whole_number(const char *s, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	*out = strtoull(s, &end, 10);
	return *end || errno || *out == 0 ? -1 : 0;
}

static int parse_count(const char *s, unsigned long long *out)
{
	if (whole_number(s, out))
		return usage_error("bad count '%.40s': want a whole number from 1 to %llu", s,
				   (unsigned long long)-1);
	return 0;
}

/* s as the index of one of the n words, for an option of values "want" */
static int parse_word(const char *s, const char *const *words, size_t n, const char *what,
		      const char *want, int *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, words[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	return usage_error("bad %s '%.40s': want %s", what, s, want);
}

static int parse_format(const char *s, enum pc_format *out)
{
	static const char *const names[] = { "table", "json", "prom" };
	int i = 0;

	if (parse_word(s, names, 3, "format", "table, json or prom", &i))
		return -1;
	*out = (enum pc_format)i;
	return 0;
}

/* --idle: seconds, 0 (never) to a year */
static int parse_idle(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !(v >= 0 && v <= 365 * 86400.0) || isspace((unsigned char)*s))
		return usage_error("bad --idle '%.40s': want seconds from 0 (never) to a year", s);
	*out = v;
	return 0;
}

/* --class NAME=EXPR */
static int parse_class(const char *s)
{
	const char *eq = strchr(s, '=');
	char name[PC_CLASS_NAME_MAX + 2];

	if (!eq || eq == s)
		return usage_error("--class %s: want NAME=EXPR", s);
	snprintf(name, sizeof(name), "%.*s", (int)(eq - s < PC_CLASS_NAME_MAX + 1 ? eq - s : PC_CLASS_NAME_MAX + 1), s);
	return pc_class_add(name, eq + 1, "--class") < 0 ? -1 : 0;
}

/* --by: the key of the breakdown (docs/counting.md, "Breakdowns") */
static int parse_by(const char *s, enum pc_by *out)
{
	static const char *const names[PC_BY_COUNT] = { "proto", "host", "pair", "flow", "mac" };
	int i = 0;

	if (parse_word(s, names, PC_BY_COUNT, "--by key", "proto, host, pair, flow or mac", &i))
		return -1;
	*out = (enum pc_by)i;
	return 0;
}

/* a whole number from 1 to max, for option what */
static int parse_upto(const char *s, unsigned long long max, const char *what, unsigned long long *out)
{
	unsigned long long v;

	if (whole_number(s, &v) || v > max)
		return usage_error("bad %s '%.40s': want a whole number from 1 to %llu", what, s, max);
	*out = v;
	return 0;
}

/*
 * --prom-file must name a regular file (or none yet) in a directory that
 * exists: a symlink or a directory there is refused, before anything runs.
 */
static int check_prom_file(const char *path)
{
	struct stat st;
	char *dir = strdup(path), *slash;
	int failed;

	if (!dir)
		return usage_error("--prom-file %s: %s", path, strerror(ENOMEM));
	if (!*path) {
		free(dir);
		return usage_error("--prom-file: empty path");
	}
	slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir ? 1 : 0] = '\0';
	failed = stat(slash ? dir : ".", &st) < 0;
	if (failed || !S_ISDIR(st.st_mode)) {
		int e = failed ? errno : ENOTDIR;

		e = usage_error("--prom-file %s: directory %s: %s", path, slash ? dir : ".", strerror(e));
		free(dir);
		return e;
	}
	free(dir);
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return usage_error("--prom-file %s: is %s, not a regular file", path, pc_file_kind(st.st_mode));
	return 0;
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
		return usage_error("--netns: empty name");
	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else if (snprintf(path, sizeof(path), "/run/netns/%s", name) >= (int)sizeof(path))
		return usage_error("--netns %.40s...: name too long", name);
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

static int parse_mode(const char *s, enum pc_mode *out)
{
	static const char *const names[] = { "auto", "ebpf", "classic", "pcap", "tc" };
	int i = 0;

	if (parse_word(s, names, 5, "mode", "auto, ebpf, classic, pcap or tc", &i))
		return -1;
	*out = (enum pc_mode)i;
	return 0;
}

static int parse_tc_attach(const char *s)
{
	static const char *const names[] = { "auto", "tcx", "clsact" };
	int i = 0;

	if (parse_word(s, names, 3, "tc-attach", "auto, tcx or clsact", &i))
		return -1;
	pc_tc_attach = (enum pc_tc_kind)i;
	return 0;
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

/* --prom-file: a failed write is said every time, and counting goes on */
static void write_prom_file(struct opts *o, const struct pc_tap *taps, int ntaps)
{
	int ret;

	if (!o->prom_file)
		return;
	ret = pc_write_prom_file(o->prom_file, taps, ntaps, &o->out);
	if (ret < 0) {
		pc_err("--prom-file %s: %s (still counting)", o->prom_file, strerror(-ret));
		o->prom_failed = 1;
	}
}

static int report(struct ctx *c, double secs, int final)
{
	double wall = pc_wall_now();

	write_prom_file(c->o, c->taps, c->ntaps);
	if (c->o->format == PC_FORMAT_PROM)
		return pc_print_prom(STDOUT_FILENO, c->taps, c->ntaps, &c->o->out);
	return pc_print_records(STDOUT_FILENO, c->taps, c->ntaps, c->o->format == PC_FORMAT_JSON, secs, final,
				wall, &c->o->out);
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

		next += c->o->interval;
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
		out_err = report(c, now - last, 0);
		if (out_err)
			break;
		for (i = 0; i < c->ntaps; i++) {
			struct pc_tap *tap = &c->taps[i];
			unsigned int k;

			for (k = pc_key_seen(tap, 0); k < PC_NKEYS; k = pc_key_seen(tap, k + 1))
				tap->prev[k] = tap->total[k];
			if (pc_classes.n)
				memcpy(tap->cls_prev, tap->cls, sizeof(tap->cls));
			c->taps[i].prev_drops = c->taps[i].drops;
			pc_entries_mark(&c->taps[i].ent, now, c->o->idle);
		}
		last = now;
		if (c->o->count && ++n >= c->o->count)
			break;
		if (now > next + c->o->interval)
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
		if (!code && !out_err && c->o->format == PC_FORMAT_PROM && c->o->count && n >= c->o->count)
			write_prom_file(c->o, c->taps, c->ntaps);
		else if (!code && !out_err)
			out_err = report(c, mono_now() - start, 1);
	}
	if (out_err && out_err != -EPIPE) {	/* EPIPE: the reader went away, not our error */
		pc_err("writing to standard output: %s", strerror(-out_err));
		return PC_EXIT_FAIL;
	}
	return code ? code : c->o->prom_failed ? PC_EXIT_FAIL : PC_EXIT_OK;
}

/* Options given once at most, and those that say the same thing two ways (parse_args). */
struct given {
	int format, json, by, tc_attach;
};

/* A second --by or --format, or -j beside --format, contradicts the first: never one silently. */
static int given_twice(struct given *g, int c)
{
	if (c == 'B' && g->by++)
		return usage_error("--by given twice: one key per run");
	if (c == 'f' && g->format++)
		return usage_error("--format given twice: one format per run");
	if (c == 'j')
		g->json = 1;
	return 0;
}

/* --persist, --remove and --tc-attach against the rest; -1 to go on, else the exit code. */
static int tc_options(struct opts *o, int named, const struct given *g)
{
	static const char *const modes[] = { "auto", "ebpf", "classic", "pcap", "tc" };

	if (o->remove && (named || o->all || o->persist))
		return usage_error("--remove IFACE takes no other interface and no --persist");
	if (o->remove_stale && (named || o->all || o->persist || o->remove))
		return usage_error("--remove-stale takes no interface, --persist or --remove");
	/* --tc-attach auto too (PC_TC_NONE): it counted in eBPF, or in -m classic, and said nothing */
	if (g->tc_attach && o->mode != PC_MODE_AUTO && o->mode != PC_MODE_TC)
		return usage_error("--tc-attach is for tc mode, not -m %s", modes[o->mode]);
	if (g->tc_attach)
		o->mode = PC_MODE_TC;
	if (o->promisc && (o->mode == PC_MODE_TC || o->persist))
		return usage_error("--promisc needs a packet socket: tc mode has none");
	if (!o->persist)
		return -1;
	if (o->mode != PC_MODE_AUTO && o->mode != PC_MODE_TC)
		return usage_error("--persist counts in tc mode: no socket outlives the process");
	if (o->by != PC_BY_PROTO)
		return usage_error("--persist counts protocols and classes: --by entries leave the kernel "
				   "for the process that reads them");
	o->mode = PC_MODE_TC;
	pc_tc_persisting = 1;
	return -1;
}

/*
 * The options into o; -1 to go on (argv[optind..] are the interfaces), or
 * the exit code (-h, -V, bad usage).
 */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, 'm' },
		{ "promisc", no_argument, NULL, 'p' },
		{ "ring-size", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "prom-file", required_argument, NULL, 'P' },
		{ "all", no_argument, NULL, 'a' },
		{ "check", no_argument, NULL, 'K' },
		{ "by", required_argument, NULL, 'B' },
		{ "top", required_argument, NULL, 'T' },
		{ "max-keys", required_argument, NULL, 'M' },
		{ "idle", required_argument, NULL, 'I' },
		{ "class", required_argument, NULL, 'C' },
		{ "classes", required_argument, NULL, 'L' },
		{ "filter", required_argument, NULL, 'F' },
		{ "netns", required_argument, NULL, 'n' },
		{ "user", required_argument, NULL, 'Z' },
		{ "no-seccomp", no_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "persist", no_argument, NULL, 'E' },
		{ "remove", required_argument, NULL, 'X' },
		{ "remove-stale", no_argument, NULL, 'Y' },
		{ "tc-attach", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v = 0;
	struct given g = { 0 };
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:c:m:f:n:Z:pjavhV", longopts, NULL)) != -1) {
		if (given_twice(&g, c))
			return PC_EXIT_USAGE;
		switch (c) {
		case 'i':
			if (parse_interval(optarg, &o->interval))
				return PC_EXIT_USAGE;
			break;
		case 'c':
			if (parse_count(optarg, &o->count))
				return PC_EXIT_USAGE;
			break;
		case 'm':
			if (parse_mode(optarg, &o->mode))
				return PC_EXIT_USAGE;
			break;
		case 'E': o->persist = 1; break;
		case 'X': o->remove = optarg; break;
		case 'Y': o->remove_stale = 1; break;
		case 'A':
			if (parse_tc_attach(optarg))
				return PC_EXIT_USAGE;
			g.tc_attach = 1;
			break;
		case 'f':
			if (parse_format(optarg, &o->format))
				return PC_EXIT_USAGE;
			break;
		case 'P':
			o->prom_file = optarg;
			break;
		case 'B':
			if (parse_by(optarg, &o->by))
				return PC_EXIT_USAGE;
			break;
		case 'T':
			if (parse_upto(optarg, PC_TOP_MAX, "--top", &v))
				return PC_EXIT_USAGE;
			o->out.top = (unsigned int)v;
			break;
		case 'I':
			if (parse_idle(optarg, &o->idle))
				return PC_EXIT_USAGE;
			break;
		case 'M':
			if (parse_upto(optarg, PC_MAX_KEYS_MAX, "--max-keys", &v))
				return PC_EXIT_USAGE;
			o->max_keys = (uint32_t)v;
			break;
		case 'C':
			if (parse_class(optarg))
				return PC_EXIT_USAGE;
			break;
		case 'L':
			if (pc_classes_file(optarg) < 0)
				return PC_EXIT_USAGE;
			break;
		case 'F':
			if (pc_class_add(NULL, optarg, "--filter") < 0)
				return PC_EXIT_USAGE;
			break;
		case 'R':
			if (pc_ring_size_parse(optarg, &pc_ring_size))
				return usage_error("bad ring size '%s': want bytes from 64K to 1G "
						   "(K, M or G suffix)", optarg);
			break;
		case 'n':
			o->netns = optarg;
			break;
		case 'Z':
			o->user = optarg;
			break;
		case 'S':
			o->no_seccomp = 1;
			break;
		case 'K': o->check = 1; break;
		case 'p': o->promisc = 1; break;
		case 'j': break;	/* after the loop: --format may come later */
		case 'a': o->all = 1; break;
		case 'v': pc_verbose = 1; break;
		case 'h':
			fputs(usage_text, stdout);
			return stdout_done();
		case 'V':
			printf("pktcount %s\nmodes: " PC_MODES "\n", PC_VERSION);
			print_tc_variants();
			printf("features: rtnetlink (following interfaces, --check) prometheus netns\n");
			return stdout_done();
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (o->all && optind < argc)
		return usage_error("-a counts every interface: name none with it");
	if (g.json && g.format && o->format != PC_FORMAT_JSON)
		return usage_error("-j is --format json: it contradicts --format %s",
				   o->format == PC_FORMAT_PROM ? "prom" : "table");
	if (g.json)
		o->format = PC_FORMAT_JSON;
	return tc_options(o, optind < argc, &g);
}

/*
 * The options, then the place they name: the --prom-file path checked as
 * the caller gives it, then the network namespace entered.  -1 to go on,
 * else the exit code.
 */
static int options(int argc, char **argv, struct opts *o)
{
	struct utsname uts;
	int code = parse_args(argc, argv, o);

	if (code >= 0)
		return code;
	/* the --prom-file path is the caller's, checked before leaving its namespace */
	if (o->prom_file && check_prom_file(o->prom_file))
		return PC_EXIT_USAGE;
	if (o->prom_file)
		remove_stale_prom_tmp(o->prom_file);
	if (o->netns && (code = enter_netns(o->netns)))
		return code;
	snprintf(o->kernel, sizeof(o->kernel), "%s", uname(&uts) == 0 ? uts.release : "unknown");
	o->out.kernel = o->kernel;
	return -1;
}

/* The interfaces named (or all), each opened in the mode chosen; a pc_exit. */
static int taps_open(struct ctx *c, char **names, int nnames)
{
	int code = pc_taps_pick(&c->taps, &c->ntaps, c->o->all, names, nnames);

	if (code)
		return code;
#ifndef PC_HAVE_PCAP
	if (c->o->mode == PC_MODE_PCAP) {
		pc_err("mode pcap is not built into this pktcount (built in: " PC_MODES
		       "): it was built without libpcap");
		return PC_EXIT_UNSUPPORTED;
	}
#endif
	/* every mode but tc opens AF_PACKET sockets: say so before anything else fails */
	if (c->o->mode != PC_MODE_TC && !pc_have_cap(CAP_NET_RAW)) {
		pc_err("missing CAP_NET_RAW, which packet sockets need: run as root, "
		       "or setcap cap_net_raw,cap_bpf+ep on the binary");
		return PC_EXIT_PRIV;
	}
	code = pc_choose_backend(c->o->mode, &c->be);
	if (!code && c->be == &pc_tc_backend)
		pc_tc_choose(c->ntaps);
	return code ? code : pc_taps_open(c->taps, &c->ntaps, c->o, c->be);
}

/*
 * Everything that needs privilege is open: give it up, then allow only the
 * system calls the counting loop makes.  The prom file is written after, as
 * the user that will rewrite it, so a directory that user cannot write is a
 * startup error, not a failure an interval later.  A pc_exit.
 */
static int privileges_drop(struct ctx *c)
{
	struct opts *o = c->o;
	int tc = c->be == &pc_tc_backend, ebpf = c->be == &pc_ebpf_backend || tc, sockets = !tc, i, code;

	/* eBPF's capability and bpf() only where a tap counts in it, or one that comes would */
	for (i = 0; i < c->ntaps; i++) {
		const struct pc_backend *be = c->taps[i].be;

		ebpf |= be == &pc_ebpf_backend || be == &pc_tc_backend || be == &pc_pinned_backend;
		sockets |= be == &pc_ebpf_backend || be == &pc_classic_backend;
	}
	if ((geteuid() == 0 || o->user) &&
	    (code = pc_privs_drop(o->user ? o->user : "nobody", o->user != NULL, pc_privs_needed(sockets, ebpf, tc))))
		return code;
	if (!o->no_seccomp && (code = pc_seccomp_install(ebpf)))
		return code;
	/* the file exists from the start, counts at zero: a first scrape is never absent */
	if (o->prom_file && (code = pc_write_prom_file(o->prom_file, c->taps, c->ntaps, &o->out)) < 0) {
		pc_err("--prom-file %s: %s%s", o->prom_file, strerror(-code),
		       code == -EACCES && geteuid() ? " (pktcount no longer runs as root: make the "
						       "directory writable for its -Z user, nobody by default)" : "");
		return PC_EXIT_USAGE;
	}
	return PC_EXIT_OK;
}

/* In the order they run: options, taps, privileges, the counting loop. */
int main(int argc, char **argv)
{
	struct opts o = { .interval = 1.0, .mode = PC_MODE_AUTO, .format = PC_FORMAT_TABLE,
			  .by = PC_BY_PROTO, .max_keys = PC_MAX_KEYS_DEFAULT, .idle = PC_IDLE_DEFAULT };
	struct ctx c = { .o = &o, .nl_fd = -1, .ep = -1, .ready_dirty = 1 };
	int code, i;

	if (std_fds_open() || sigpipe_ignore())
		return PC_EXIT_FAIL;
	code = options(argc, argv, &o);
	if (code >= 0) {
		pc_classes_free();
		return code;
	}
	if (signals_setup()) {
		pc_classes_free();
		return PC_EXIT_FAIL;
	}
	pc_pcap_compiler_close();
	if (*pc_classes.offline)
		pc_err("classes: compiled for a capture, not a live device (%s): `vlan` then looks for "
		       "the tag in the frame, where the kernel no longer has it", pc_classes.offline);
	if (o.remove || o.remove_stale) {
		code = o.remove ? pc_tc_remove(o.remove) : pc_tc_remove_stale();
		pc_classes_free();
		return code;
	}
	/* subscribed before the interfaces are listed: no change falls in between */
	c.nl_fd = pc_nl_open_events();
	code = taps_open(&c, argv + optind, argc - optind);
	for (i = 0; i < c.ntaps && !code && o.persist; i++)
		code = pc_tc_persist(&c.taps[i]);
	if (!code && o.persist)
		code = stdout_done();
	else if (!code)
		code = privileges_drop(&c);
	if (!code && !o.persist) {
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

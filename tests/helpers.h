/* SPDX-License-Identifier: GPL-2.0 */
/* What the tests share: privileges, loaded programs, namespaces, the binary. */
#ifndef PKTCOUNT_TEST_HELPERS_H
#define PKTCOUNT_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pc_key.h"
#include "prog/build.h"

/* Skip the calling test, saying why, unless we are root. */
#define NEED_ROOT(WHY) do {						\
	if (geteuid() != 0)						\
		cr_skip_test("needs root (%s)", WHY);		\
} while (0)

/* A counting program with its own maps, loaded. */
struct loaded {
	int map_fd, prog_fd, percpu, ncpu;
	int ninsns;
	int by_fds[3];	/* a breakdown program's: control, entries 0 and 1 (of LOADED_BY_KEYS); else -1 */
};
#define LOADED_BY_KEYS 64

/*
 * A counting variant without classes; a breakdown copies headers where it
 * counts per CPU, as pc_variant_choose() makes it.
 */
struct pc_variant variant_of(enum pc_link link, enum pc_counters counters, enum pc_unit unit, int by, enum pc_attach at);
/* Its name as the kernel knows it (a static buffer) */
const char *variant_name(const struct pc_variant *v);
/*
 * Variant v built, linked with maps of its own and loaded (at tc: a
 * SCHED_CLS program); 0, or -errno with a message in err.
 */
int prog_load(const struct pc_variant *v, struct loaded *l, char *err, size_t errlen);
void prog_unload(struct loaded *l);
/* every key's counts, summed over CPUs */
int map_snapshot(const struct loaded *l, struct pc_counter *out);
/*
 * Keep this thread on the CPU it runs on: BPF_PROG_TEST_RUN then runs the
 * program there every time, so per-CPU "first packet" means "first packet".
 * Fails the test if the kernel refuses.
 */
void pin_to_this_cpu(void);
/* the program's new-key counter (PC_MAP0_NEWKEYS), summed over CPUs; -errno */
int64_t map_newkeys(const struct loaded *l);
/*
 * A breakdown program's entry map 0 emptied: how many entries it had, the
 * rx counts of them all summed over CPUs into *rx, the last key into *last
 * (when not NULL); -errno.
 */
int by_entries_take(const struct loaded *l, struct pc_counter *rx, struct pc_bkey *last);

/* Run a command line through sh; returns its exit status, -1 if it did not run. */
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like sh(), failing the test with the command line when it exits non-zero. */
void sh_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What a command line prints (malloc'd, the caller frees); fails the test unless it exits 0. */
char *sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Fail the test unless promtool is installed. */
void need_promtool(void);
/* promtool check metrics on one page; its verdict as an exit status */
int promtool_ok(const char *page, size_t len);

/* Join network namespace ns (this process); 0 or -errno. */
int join_netns(const char *ns);
/* Run fn(arg) in a child that has joined network namespace ns; its exit code. */
int in_netns(const char *ns, int (*fn)(void *), void *arg);

/* An interface's kernel counters, read inside namespace ns (sysfs). */
struct link_stats {
	uint64_t rx_bytes, rx_packets, tx_bytes, tx_packets;
};
int link_stats(const char *ns, const char *ifname, struct link_stats *st);

/* A pktcount started in the background (inside ns when ns is not NULL). */
struct pktcount_proc {
	pid_t pid;
	int out_fd, err_fd;	/* its stdout and stderr */
	char *out, *err;	/* all it printed, once reaped */
	size_t out_len, err_len;
	int status;
};
/*
 * When set, pktcount runs under tests/seccomp-run with this mode (nobpf,
 * noattach, nov3): a kernel without that feature.
 */
extern const char *pktcount_sim;
/* argv is NULL-terminated and does not include the program */
int pktcount_start(struct pktcount_proc *p, const char *ns, const char *const argv[]);
/* Wait for one whole line of its output (up to timeout_ms); 0 on success. */
int pktcount_wait_line(struct pktcount_proc *p, int timeout_ms);
/* Wait until its stdout holds what, times times (up to timeout_ms); 0 on success. */
int pktcount_wait_for(struct pktcount_proc *p, const char *what, int times, int timeout_ms);
/* Send sig (0: none), read everything, reap; returns the exit status or -1. */
int pktcount_finish(struct pktcount_proc *p, int sig, int timeout_ms);

/*
 * Waiting: for the event a test needs (a record, a line, a counter, a link
 * state), polled, never for a guessed time.  WAIT_MS is the ceiling of a
 * wait for what a working pktcount and kernel do in milliseconds: only a
 * broken product (or a machine stalled far beyond any load) reaches it.
 */
#define WAIT_MS 30000
#define WAIT_POLL_MS 10
/*
 * The same for hundreds of taps at once: opening, reading and closing each
 * (a packet socket's close waits an RCU grace period) under rtnl, which
 * other work on the machine may hold.
 */
#define WAIT_MANY_MS (4 * WAIT_MS)
/* Call cond(arg) every WAIT_POLL_MS until it is nonzero (0) or max_ms passed (-ETIMEDOUT). */
int wait_until(int (*cond)(void *), void *arg, int max_ms);
/* Read its stdout until cond(p, arg) holds: 0, -ETIMEDOUT, or -EPIPE when it ended first. */
int pktcount_wait_until(struct pktcount_proc *p, int (*cond)(struct pktcount_proc *, void *), void *arg,
			int max_ms);
/* Read its stdout and stderr until stderr holds what, times times: 0, -ETIMEDOUT or -EPIPE. */
int pktcount_wait_err(struct pktcount_proc *p, const char *what, int times, int max_ms);
/*
 * In pktcount's JSON output out (len bytes): iface's last interval record,
 * its packets_total over which (a key, COUNT_RX or COUNT_TX: every key of
 * that direction) plus its drops_total (frames the kernel dropped before a
 * userspace tap saw them); -1 before any such record.
 */
#define COUNT_RX (-1)
#define COUNT_TX (-2)
int64_t json_counted(const char *out, size_t len, const char *iface, int which);
/*
 * Read its stdout until iface's interval records say it counted want (as
 * json_counted()): 0, or -ETIMEDOUT/-EPIPE, said with cr_log_info(), for
 * the test's own exact assertions to judge.
 */
int pktcount_wait_counted(struct pktcount_proc *p, const char *iface, int which, uint64_t want, int max_ms);
/* Wait until pid runs as nobody: pktcount has opened every tap, read --check's start, dropped root. */
void wait_dropped_root(pid_t pid, int max_ms);
/*
 * Links of namespace ns named name (or, when name ends in '*', what comes
 * before it and then digits: "pb*") that are operationally UP.  Until the
 * kernel's link watch has made a link UP, its qdisc is still noop: a frame
 * sent then is dropped, and sendto() says nothing.
 */
int links_up(const char *ns, const char *name);
/* Wait until n of them are UP; fails the test after max_ms. */
void wait_links_up(const char *ns, const char *name, int n, int max_ms);

/*
 * A packet socket of the test's own on ifname in namespace ns, in a child,
 * counting every frame that arrives there (not the outgoing ones; with the
 * ones its full buffer dropped), until watch_stop().  The kernel hands a
 * frame to the sockets bound to a device in one pass of its receive path
 * (__netif_receive_skb_core(), the newest socket first, tc's ingress just
 * after the last): a watcher started before pktcount's and the test's own
 * sockets is handed each frame after them, so once it has N frames, so
 * have they.
 */
struct watch {
	pid_t pid;
	int ctl, res;
	volatile long *seen;	/* shared with the child: what it has received so far */
};
void watch_start(struct watch *w, const char *ns, const char *ifname);
/* Wait until it has received n frames: 0, or -ETIMEDOUT (said with cr_log_info()). */
int watch_wait(const struct watch *w, long n, int max_ms);
/* The frames that arrived; fails the test if the watcher failed. */
long watch_stop(struct watch *w);

/* The path of the binary under test: $PKTCOUNT or ./pktcount */
const char *pktcount_path(void);
/* Whether its --version lists mode */
int mode_built_in(const char *mode);

#endif

/*
 * Two namespaces joined by a veth pair: a.ns/va and b.ns/vb.  Addresses,
 * when asked for, are documentation ones (192.0.2.0/24, 2001:db8::/64) that
 * exist only inside the pair, with static neighbours so no ARP or ND is
 * sent.  IPv6 is off unless asked for, so the link carries nothing but
 * what a test sends.  topo_down() removes everything, and runs from the
 * fixture's fini on every exit path; topo_up() first removes what a crashed
 * run may have left.
 */
struct topo {
	char a[32], b[32];
	char c[32];	/* a third namespace, once topo_third() made it; "" before */
	char mac_a[18], mac_b[18];
	int up;
};
void topo_up(struct topo *t, int with_addrs, int with_ipv6);
/* Wait until va and vb are UP (wait_links_up()): topo_up() and topo_relink() end with it. */
void topo_wait_up(const struct topo *t);
/* Delete the veth pair (both ends go), or make it again, up, as topo_up did. */
void topo_unlink(struct topo *t);
void topo_relink(struct topo *t);
void topo_down(struct topo *t);
/* A third namespace, t->c, with IPv6 off and lo up; topo_down() removes it too. */
void topo_third(struct topo *t);
/* Wait until neither end has sent or received anything for quiet_ms. */
void topo_wait_quiet(const struct topo *t, int quiet_ms, int max_ms);

/*
 * Known traffic out of one interface, for in_netns(): udp 60-byte IPv4 UDP
 * frames, then arp 42-byte ARP requests, gap_us apart; frames to a MAC no
 * one owns, so nothing answers.  Returns 0 or a code naming the failure.
 */
struct known_traffic {
	const char *ifname;
	int udp, arp, gap_us;
};
int send_known_traffic(void *known);
/*
 * Crafted frames out of va, for in_netns(): frames [from, to) of f (to 0:
 * all n), frame i tx_copies(i) times.  0, or a code naming the failure.
 */
struct tx_frame {
	const uint8_t *data;
	uint32_t len;
	unsigned int key;	/* the key the test expects it under, where it says */
};
struct inject {
	const struct tx_frame *f;
	size_t n, from, to;
};
/* 1, 2 or 3 copies of frame i: counts that cannot line up by chance */
int tx_copies(size_t i);
int inject_frames(void *arg);

/*
 * A fresh pair, pktcount on t->b/vb with argv (its first line awaited),
 * known sent from va, pktcount ended with sig (0: it ends by itself) and
 * exited 0.  With sig, argv has it print JSON (-j), and the signal is sent
 * once its records say vb received what was sent.  Fails the test at the
 * first step that goes wrong.
 */
void run_on_known(struct topo *t, struct pktcount_proc *p, const char *const argv[], struct known_traffic *known,
		  int sig);

/* A counter from /proc/net/snmp ("Tcp", "OutSegs") or snmp6 ("Udp6OutDatagrams"). */
uint64_t snmp_get(const char *ns, const char *proto, const char *field);

/*
 * pktcount's JSON Lines, checked against the documented schema line by line;
 * the totals of the "total" record for iface go into totals[].  0, or -1
 * with the reason in err.
 */
struct run_output {
	struct pc_counter totals[PC_NKEYS];
	int intervals, total_records;
	char mode[16];
	char unit[8];		/* "wire" or "skb" */
};
int parse_output(const char *out, const char *iface, struct run_output *r,
		 char *err, size_t errlen);

/*
 * Start pktcount -v -j -i 0.2 -m mode on dev in ns and wait until it has
 * attached (its first line).  "tc:clsact" is tc mode with --tc-attach clsact.
 */
void counting_start(struct pktcount_proc *p, const char *ns, const char *dev, const char *mode);
/* The mode as JSON names it: "tc" for "tc:clsact". */
const char *mode_json(const char *mode);
/* tc mode's default attachment on this kernel: "tcx" from 6.6, else "clsact". */
const char *tc_default_attach(void);
/* Stop it, check its output, and keep the -v lines in log (when not NULL). */
void counting_finish(struct pktcount_proc *p, const char *dev, struct run_output *r, char *log, size_t size);
/* The unit pktcount counts in, in mode, on this kernel (docs/counting.md, "The unit"). */
const char *unit_of(const char *mode);
/* The sum over one direction's keys. */
struct pc_counter dir_sum(const struct pc_counter *c, enum pc_dir dir);

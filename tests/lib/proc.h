/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Commands and pktcount as processes: started (in a namespace), their
 * output read as it comes, waited for, ended and reaped; and whether this
 * process may do what a test needs (root).
 */
#ifndef PKTCOUNT_TEST_PROC_H
#define PKTCOUNT_TEST_PROC_H

#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

/* Skip the calling test, saying why, unless we are root. */
#define NEED_ROOT(WHY) do {						\
	if (geteuid() != 0)						\
		cr_skip_test("needs root (%s)", WHY);		\
} while (0)

/* Join network namespace ns (this process); 0 or -errno. */
int join_netns(const char *ns);
/* Run fn(arg) in a child that has joined network namespace ns; its exit code. */
int in_netns(const char *ns, int (*fn)(void *), void *arg);

/* The path of the binary under test: $PKTCOUNT or ./pktcount */
const char *pktcount_path(void);
/* Whether its --version lists mode */
int mode_built_in(const char *mode);

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
/* Read its stdout until cond(p, arg) holds: 0, -ETIMEDOUT, or -EPIPE when it ended first. */
int pktcount_wait_until(struct pktcount_proc *p, int (*cond)(struct pktcount_proc *, void *), void *arg,
			int max_ms);
/* Read its stdout and stderr until stderr holds what, times times: 0, -ETIMEDOUT or -EPIPE. */
int pktcount_wait_err(struct pktcount_proc *p, const char *what, int times, int max_ms);
/* Wait until pid runs as nobody: pktcount has opened every tap, read --check's start, dropped root. */
void wait_dropped_root(pid_t pid, int max_ms);

/*
 * pktcount run to its end with argv, both streams collected: in ns when
 * not NULL; as uid (and its group) when uid >= 0, keeping CAP_NET_RAW when
 * net_raw is 1, CAP_NET_RAW and CAP_BPF when it is 2 (as setcap
 * cap_net_raw,cap_bpf+ep would give); under tests/seccomp-run when
 * pktcount_sim is set.
 */
struct ran {
	int status;
	char out[65536], err[65536];
};
/* seconds pktcount may take in run_as() before SIGALRM ends it; 0: no limit */
extern unsigned int run_alarm;
void run_as(struct ran *r, const char *ns, int uid, int net_raw, const char *const argv[]);
/* The lines of s (none when s is NULL). */
int count_lines(const char *s);

/* What a user waits for a refusal, or for the end after a signal. */
#define PROMPT_MS 2000
/*
 * Run pktcount with argv and wait at most PROMPT_MS for its exit (a hang
 * ends as SIGKILL, status 137); check the exit code, one line naming what,
 * nothing on stdout, and that it took less than PROMPT_MS.
 */
void pktcount_refused(const char *const argv[], int code, const char *what);

#endif

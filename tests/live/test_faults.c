// SPDX-License-Identifier: GPL-2.0
/*
 * Faults a long-running counter meets: a reader that goes away, a hang-up,
 * a full disk under --prom-file, memory errors (valgrind), descriptors 0-2
 * closed at start, signals while it starts.  What each mode keeps once
 * privileges are dropped (the table of modes) is tests/unit/test_modes.c's.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/netns.h"
#include "lib/proc.h"
#include "lib/records.h"
#include "lib/sh.h"
#include "lib/traffic.h"
#include "lib/wait.h"

/* `pktcount -j | head -1`: one whole record, then a quiet exit 0. */
Test(faults, reader_goes_away)
{
	char cmd[4300], err[] = "/tmp/pktcount-epipe-XXXXXX";
	int fd, st;
	FILE *f;
	char line[256] = "";

	NEED_ROOT("packet sockets");
	fd = mkstemp(err);
	cr_assert_geq(fd, 0);
	close(fd);
	/* bash for PIPESTATUS: pktcount's own exit status, not head's */
	snprintf(cmd, sizeof(cmd), "bash -c \"'%s' -j -i 0.05 lo 2>%s | head -1 >/dev/null; "
		 "exit \\${PIPESTATUS[0]}\"", pktcount_path(), err);
	st = system(cmd);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "pktcount exited %d after its reader left",
		  WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	f = fopen(err, "r");
	cr_assert_not_null(f);
	cr_expect_null(fgets(line, sizeof(line), f), "it said something on stderr: %s", line);
	fclose(f);
	unlink(err);
}

/* SIGHUP, like SIGINT and SIGTERM, ends with the totals and exit 0. */
Test(faults, sighup_prints_totals)
{
	static const char *const argv[] = { "-j", "-i", "0.2", "lo", NULL };
	struct pktcount_proc p;

	NEED_ROOT("packet sockets");
	cr_assert_eq(pktcount_start(&p, NULL, argv), 0);
	cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0);
	cr_assert_eq(pktcount_finish(&p, SIGHUP, WAIT_MS), 0, "exit %d", p.status);
	cr_expect(strstr(p.out, "\"type\":\"total\"") != NULL, "%s", p.out);
	free(p.out);
	free(p.err);
}

/*
 * --prom-file on a full filesystem: every failed rewrite is reported, the
 * counting goes on, the exit status says it failed.  A 64 KiB tmpfs in a
 * mount namespace of the test's own.
 */
Test(faults, prom_file_on_a_full_disk, .timeout = 60)
{
	static const char *const argv[] = { "-j", "-c", "5", "-i", "0.1", "--prom-file",
					    "/tmp/pktcount-full/pktcount.prom", "lo", NULL };
	struct pktcount_proc p;
	pid_t pid;
	int st;

	NEED_ROOT("mount namespaces");
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		FILE *f;
		char fill[4096];

		/* everything below happens in a mount namespace of this child's */
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			_exit(20);
		mkdir("/tmp/pktcount-full", 0755);
		if (mount("tmpfs", "/tmp/pktcount-full", "tmpfs", 0, "size=64k"))
			_exit(21);
		if (pktcount_start(&p, NULL, argv) || pktcount_wait_line(&p, WAIT_MS))
			_exit(22);
		/* now fill the disk */
		f = fopen("/tmp/pktcount-full/filler", "w");
		memset(fill, 'x', sizeof(fill));
		while (f && fwrite(fill, 1, sizeof(fill), f) == sizeof(fill))
			;
		if (f)
			fclose(f);
		pktcount_finish(&p, 0, WAIT_MS);
		/* exit 1, a line per failed rewrite, and the totals all the same */
		if (p.status != 1)
			_exit(30 + (p.status & 7));
		if (!strstr(p.err, "--prom-file /tmp/pktcount-full/pktcount.prom: No space left on device (still counting)"))
			_exit(40);
		if (!strstr(p.out, "\"type\":\"total\""))
			_exit(41);
		{
			int lines = 0;
			const char *s;

			for (s = p.err; (s = strstr(s, "No space left")); s++)
				lines++;
			if (lines < 3)
				_exit(42);
		}
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "child said %d (20s: setup, 3x: pktcount's exit, 40: no error line, 41: no totals, "
		  "42: fewer than 3 error lines)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* Every mode under valgrind: no invalid access, no leak, at exit. */
Test(faults, valgrind_clean, .timeout = 240)
{
	static const char *const modes[] = { "ebpf", "classic", "pcap" };
	size_t i;

	NEED_ROOT("packet sockets and bpf()");
	if (system("command -v valgrind >/dev/null 2>&1") != 0)
		cr_assert_fail("valgrind missing: make check installs it");
	for (i = 0; i < 3; i++) {
		if (!mode_built_in(modes[i]))
			continue;
		cr_expect_eq(sh("valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "
				"'%s' --no-seccomp -m %s -j -c 3 -i 0.2 lo >/dev/null", pktcount_path(), modes[i]), 0,
			     "valgrind found errors in %s mode (above)", modes[i]);
	}
}

/* The capability set pktcount should keep here, as /proc/PID/status prints it. */
static unsigned long long expected_caps(void)
{
	FILE *f = fopen("/proc/sys/kernel/unprivileged_bpf_disabled", "r");
	int disabled = 1;

	if (f) {
		if (fscanf(f, "%d", &disabled) != 1)
			disabled = 1;
		fclose(f);
	}
	/* CAP_NET_RAW (13), and CAP_BPF (39) where unprivileged bpf() is off (5.8+ kernels here) */
	return (1ull << 13) | (disabled ? 1ull << 39 : 0);
}

static void status_of(pid_t pid, const char *field, char *out, size_t size)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)) && line[strlen(field)] == ':') {
			snprintf(out, size, "%s", line + strlen(field) + 1);
			out[strcspn(out, "\n")] = '\0';
		}
	fclose(f);
}

/* Started as root, it runs as nobody with only what re-attaching needs, and counts. */
Test(faults, drops_root, .timeout = 60)
{
	static const char *const argv[] = { "-j", "-i", "0.2", "lo", NULL };
	struct pktcount_proc p;
	char v[128];
	unsigned long long eff = 0, bnd = 0;

	NEED_ROOT("to start as root");
	cr_assert_eq(pktcount_start(&p, NULL, argv), 0);
	cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0);
	status_of(p.pid, "Uid", v, sizeof(v));
	cr_expect(!strncmp(v, "\t65534\t65534\t65534\t65534", 24), "Uid:%s", v);
	status_of(p.pid, "Gid", v, sizeof(v));
	cr_expect(!strncmp(v, "\t65534\t65534\t65534\t65534", 24), "Gid:%s", v);
	status_of(p.pid, "CapEff", v, sizeof(v));
	eff = strtoull(v, NULL, 16);
	cr_expect_eq(eff, expected_caps(), "CapEff %llx, want %llx", eff, expected_caps());
	status_of(p.pid, "CapBnd", v, sizeof(v));
	bnd = strtoull(v, NULL, 16);
	cr_expect_eq(bnd, expected_caps(), "CapBnd %llx", bnd);
	status_of(p.pid, "NoNewPrivs", v, sizeof(v));
	cr_expect_str_eq(v, "\t1");
	status_of(p.pid, "Seccomp", v, sizeof(v));
	cr_expect_str_eq(v, "\t2", "Seccomp:%s (2: a filter)", v);
	/* and it still counts: traffic on lo after the drop */
	cr_assert_eq(sh("bash -c 'exec 3<>/dev/udp/127.0.0.1/9; for i in 1 2 3 4 5; do printf x >&3; done'"), 0);
	/*
	 * What the test needs is a UDP count at all (port 9's ICMP errors fail
	 * some of the writes, and lo is the host's: others' UDP counts too)
	 */
	pktcount_wait_counted(&p, "lo", (int)pc_key_make(PC_DIR_RX, PC_L3_IPV4, 17), 1, WAIT_MS);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "exit %d: %s", p.status, p.err);
	cr_expect(strstr(p.out, "\"type\":\"total\"") && strstr(p.out, "\"l3\":\"ipv4\",\"ipproto\":17"),
		  "%s", p.out);
	free(p.out);
	free(p.err);
}

/*
 * Auto mode on a kernel without eBPF (bpf() failing ENOSYS, as before 3.18)
 * counts in classic and keeps CAP_NET_RAW alone: no capability for a mode
 * it does not use.  Before, auto mode kept CAP_BPF or CAP_SYS_ADMIN.
 */
Test(faults, auto_in_classic_keeps_only_net_raw, .timeout = 60)
{
	static const char *const argv[] = { "-j", "-i", "0.2", "lo", NULL };
	struct pktcount_proc p;
	char v[128];

	NEED_ROOT("to start as root");
	pktcount_sim = "nobpf";
	cr_assert_eq(pktcount_start(&p, NULL, argv), 0);
	pktcount_sim = NULL;
	cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0);
	status_of(p.pid, "CapEff", v, sizeof(v));
	cr_expect_eq(strtoull(v, NULL, 16), 1ull << 13, "CapEff %s, want 2000 (CAP_NET_RAW)", v);
	status_of(p.pid, "CapBnd", v, sizeof(v));
	cr_expect_eq(strtoull(v, NULL, 16), 1ull << 13, "CapBnd %s", v);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "exit %d: %s", p.status, p.err);
	cr_expect(strstr(p.out, "\"mode\":\"classic\"") != NULL, "%s", p.out);
	free(p.out);
	free(p.err);
}

/* -Z root keeps root; -Z for a user that does not exist is bad usage. */
Test(faults, user_option)
{
	static const char *const keep[] = { "-Z", "root", "-j", "-i", "0.2", "lo", NULL };
	static const char *const bad[] = { "-Z", "pktcount-no-such-user", "-j", "-c", "1", "lo", NULL };
	struct pktcount_proc p;
	char v[128];

	NEED_ROOT("to start as root");
	cr_assert_eq(pktcount_start(&p, NULL, keep), 0);
	cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0);
	status_of(p.pid, "Uid", v, sizeof(v));
	cr_expect(!strncmp(v, "\t0\t0\t0\t0", 8), "Uid:%s", v);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0);
	free(p.out);
	free(p.err);
	cr_assert_eq(pktcount_start(&p, NULL, bad), 0);
	cr_expect_eq(pktcount_finish(&p, 0, WAIT_MS), 2, "exit %d: %s", p.status, p.err);
	cr_expect(strstr(p.err, "-Z pktcount-no-such-user: no such user") != NULL, "%s", p.err);
	cr_expect_str_eq(p.out, "");
	free(p.out);
	free(p.err);
}

/* A --prom-file directory the dropped user cannot write: said at start, exit 2. */
Test(faults, prom_dir_not_writable_after_drop)
{
	char dir[] = "/tmp/pktcount-rootonly-XXXXXX", path[96];
	const char *argv[] = { "--prom-file", path, "-c", "1", "lo", NULL };
	struct pktcount_proc p;

	NEED_ROOT("to start as root");
	cr_assert_not_null(mkdtemp(dir));	/* 0700, root's */
	snprintf(path, sizeof(path), "%s/pktcount.prom", dir);
	cr_assert_eq(pktcount_start(&p, NULL, argv), 0);
	cr_expect_eq(pktcount_finish(&p, 0, WAIT_MS), 2, "exit %d: %s", p.status, p.err);
	cr_expect(strstr(p.err, "Permission denied") != NULL, "%s", p.err);
	cr_expect_str_eq(p.out, "");
	rmdir(dir);
	free(p.out);
	free(p.err);
}

/* ---- descriptors 0, 1 and 2 closed at start; signals during startup ---- */

static struct topo topo;

static void down(void)
{
	topo_down(&topo);
}

static const char *const all_modes[] = { "ebpf", "classic", "pcap" };

/* pktcount in namespace ns with the descriptors in closed (bit n: fd n) closed. */
static pid_t start_closed(const char *ns, unsigned int closed, const char *const argv[])
{
	const char *args[16] = { pktcount_path() };
	pid_t pid;
	int i, fd;

	for (i = 0; argv[i] && i < 14; i++)
		args[i + 1] = argv[i];
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (join_netns(ns) < 0)
			_exit(126);
		/* the others quiet: what it prints is not the test's output */
		for (fd = 0; fd <= 2; fd++)
			if (closed & (1u << fd) ? close(fd) < 0 && errno != EBADF :
			    dup2(open("/dev/null", O_RDWR | O_CLOEXEC), fd) != fd)
				_exit(125);
		execv(args[0], (char *const *)args);
		_exit(127);
	}
	return pid;
}

static int reap(pid_t pid)
{
	int st;

	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * `pktcount -j -c 2 vb >&-` (or 2>&-, or both): nothing it prints may leave
 * as a frame on vb, in any mode, and it exits 0.  -v: stderr has lines too.
 */
Test(faults, closed_stdout_sends_no_frames, .fini = down, .timeout = 120)
{
	static const unsigned int closed[] = { 1u << 1, 1u << 2, 1u << 1 | 1u << 2 };
	size_t m, k;

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	for (m = 0; m < 3; m++) {
		if (!mode_built_in(all_modes[m]))
			continue;
		for (k = 0; k < 3; k++) {
			const char *argv[] = { "-v", "-j", "-c", "2", "-i", "0.2", "-m", all_modes[m], "vb", NULL };
			struct watch w;
			struct link_stats before, after;
			long frames;
			int status;

			watch_start(&w, topo.a, "va");
			cr_assert_eq(link_stats(topo.a, "va", &before), 0);
			status = reap(start_closed(topo.b, closed[k], argv));
			/* frames still on their way: va's kernel counter has them all, the watcher may not yet */
			cr_assert_eq(link_stats(topo.a, "va", &after), 0);
			watch_wait(&w, (long)(after.rx_packets - before.rx_packets), WAIT_MS);
			frames = watch_stop(&w);
			cr_expect_eq(frames, 0, "-m %s, fd %s closed: %ld frames arrived on va",
				     all_modes[m], k == 0 ? "1" : k == 1 ? "2" : "1 and 2", frames);
			cr_expect_eq(status, 0, "-m %s, fd %s closed: exit %d", all_modes[m],
				     k == 0 ? "1" : k == 1 ? "2" : "1 and 2", status);
		}
	}
}

/* Started with 0, 1 and 2 closed, they are /dev/null while it counts. */
Test(faults, closed_std_fds_are_dev_null, .fini = down, .timeout = 60)
{
	size_t m;
	int fd;

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	for (m = 0; m < 3; m++) {
		const char *argv[] = { "-j", "-i", "0.2", "-m", all_modes[m], "vb", NULL };
		pid_t pid;

		if (!mode_built_in(all_modes[m]))
			continue;
		pid = start_closed(topo.b, 7, argv);
		wait_dropped_root(pid, WAIT_MS);	/* everything it opens is open then */
		for (fd = 0; fd <= 2; fd++) {
			char path[64], target[256];
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
			n = readlink(path, target, sizeof(target) - 1);
			target[n > 0 ? n : 0] = '\0';
			cr_expect_str_eq(target, "/dev/null", "-m %s: fd %d is %s", all_modes[m], fd,
					 n > 0 ? target : strerror(errno));
		}
		cr_expect_eq(kill(pid, SIGTERM), 0);
		cr_expect_eq(reap(pid), 0, "-m %s", all_modes[m]);
	}
}

/* Wait until pid runs path (its execve done); the time it was seen. */
static struct timespec wait_exec(pid_t pid, const char *path)
{
	char link[64], target[4096];
	struct timespec t0, now;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ssize_t n = readlink(link, target, sizeof(target) - 1);

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (n > 0) {
			target[n] = '\0';
			if (!strcmp(target, path))
				return now;
		}
		cr_assert_lt((now.tv_sec - t0.tv_sec) * 1000, WAIT_MS, "pid %d never ran %s", (int)pid, path);
	}
}

static long us_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000000L + (now.tv_nsec - t->tv_nsec) / 1000;
}

/* Whether pid has a socket or an eBPF object open: main() is opening taps. */
static int has_socket(pid_t pid)
{
	char path[64], target[64];
	struct dirent *d;
	DIR *dir;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while (!found && (d = readdir(dir))) {
		char link[400];
		ssize_t n;

		if (atoi(d->d_name) < 3)
			continue;
		snprintf(link, sizeof(link), "%s/%s", path, d->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		found = !strncmp(target, "socket:", 7) || !strncmp(target, "anon_inode:", 11);
	}
	closedir(dir);
	return found;
}

/*
 * SIGTERM in the first milliseconds of main(): from its first socket or
 * eBPF map on, 0 to 2 ms later.  Every time: exit 0, and the totals.  (The
 * several milliseconds the dynamic loader takes before main() are out of
 * any program's reach.)
 */
Test(faults, sigterm_at_start_prints_totals, .fini = down, .timeout = 120)
{
	enum { REPS = 30 };
	char path[4096], err[256];
	size_t m;

	NEED_ROOT("network namespaces");
	cr_assert_not_null(realpath(pktcount_path(), path));
	topo_up(&topo, 0, 0);
	for (m = 0; m < 3; m++) {
		const char *argv[] = { "-j", "-i", "0.2", "-m", all_modes[m], "vb", NULL };
		int i;

		if (!mode_built_in(all_modes[m]))
			continue;
		for (i = 0; i < REPS; i++) {
			struct pktcount_proc p;
			struct run_output r;
			struct timespec exec_at;

			cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
			exec_at = wait_exec(p.pid, path);
			while (!has_socket(p.pid))
				cr_assert_lt(us_since(&exec_at), WAIT_MS * 1000L, "-m %s: no socket in %d ms", all_modes[m],
					     WAIT_MS);
			usleep((useconds_t)(i * 2000 / (REPS - 1)));
			cr_assert_eq(kill(p.pid, SIGTERM), 0);
			cr_expect_eq(pktcount_finish(&p, 0, WAIT_MS), 0, "-m %s, SIGTERM %d us after its first socket: exit %d: %s",
				     all_modes[m], i * 2000 / (REPS - 1), p.status, p.err);
			cr_expect_eq(parse_output(p.out, "vb", &r, err, sizeof(err)), 0, "-m %s, %d us: %s",
				     all_modes[m], i * 2000 / (REPS - 1), err);
			free(p.out);
			free(p.err);
		}
	}
}

/*
 * SIGTERM while -a opens some 200 interfaces (seconds with a few hundred):
 * exit 0, and a total record for every interface.
 */
Test(faults, sigterm_while_opening_all, .fini = down, .timeout = 240)
{
	enum { PAIRS = 100 };
	char path[4096], err[256];
	size_t m;

	NEED_ROOT("network namespaces");
	cr_assert_not_null(realpath(pktcount_path(), path));
	topo_up(&topo, 0, 0);
	sh_ok("for i in $(seq %d); do echo \"link add s$i type veth peer name t$i\"; "
	      "echo \"link set s$i up\"; echo \"link set t$i up\"; done | ip -n %s -batch -", PAIRS, topo.b);
	for (m = 0; m < 3; m++) {
		const char *argv[] = { "-a", "-j", "-i", "0.2", "-m", all_modes[m], NULL };
		struct pktcount_proc p;
		struct run_output r;
		struct timespec exec_at;
		char name[16];
		int i;

		if (!mode_built_in(all_modes[m]))
			continue;
		cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
		exec_at = wait_exec(p.pid, path);
		while (!has_socket(p.pid))
			cr_assert_lt(us_since(&exec_at), WAIT_MS * 1000L, "-m %s: no socket in %d ms", all_modes[m],
				     WAIT_MS);
		usleep(20 * 1000);
		cr_assert_eq(kill(p.pid, SIGTERM), 0);
		cr_expect_eq(pktcount_finish(&p, 0, WAIT_MANY_MS), 0, "-m %s: exit %d: %s", all_modes[m], p.status, p.err);
		cr_expect_eq(parse_output(p.out, "lo", &r, err, sizeof(err)), 0, "-m %s lo: %s", all_modes[m], err);
		cr_expect_eq(parse_output(p.out, "vb", &r, err, sizeof(err)), 0, "-m %s vb: %s", all_modes[m], err);
		for (i = 1; i <= 2 * PAIRS; i++) {
			snprintf(name, sizeof(name), "%c%d", i <= PAIRS ? 's' : 't', (i - 1) % PAIRS + 1);
			cr_expect_eq(parse_output(p.out, name, &r, err, sizeof(err)), 0, "-m %s %s: %s",
				     all_modes[m], name, err);
		}
		free(p.out);
		free(p.err);
	}
}

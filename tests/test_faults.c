// SPDX-License-Identifier: GPL-2.0
/*
 * Faults a long-running counter meets: a reader that goes away, a hang-up,
 * a full disk under --prom-file, and memory errors (valgrind).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

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
	cr_assert_eq(pktcount_wait_line(&p, 5000), 0);
	cr_assert_eq(pktcount_finish(&p, SIGHUP, 5000), 0, "exit %d", p.status);
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
		if (pktcount_start(&p, NULL, argv) || pktcount_wait_line(&p, 5000))
			_exit(22);
		/* now fill the disk */
		f = fopen("/tmp/pktcount-full/filler", "w");
		memset(fill, 'x', sizeof(fill));
		while (f && fwrite(fill, 1, sizeof(fill), f) == sizeof(fill))
			;
		if (f)
			fclose(f);
		pktcount_finish(&p, 0, 10000);
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
	cr_assert_eq(pktcount_wait_line(&p, 5000), 0);
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
	usleep(300 * 1000);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, 5000), 0, "exit %d: %s", p.status, p.err);
	cr_expect(strstr(p.out, "\"type\":\"total\"") && strstr(p.out, "\"l3\":\"ipv4\",\"ipproto\":17"),
		  "%s", p.out);
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
	cr_assert_eq(pktcount_wait_line(&p, 5000), 0);
	status_of(p.pid, "Uid", v, sizeof(v));
	cr_expect(!strncmp(v, "\t0\t0\t0\t0", 8), "Uid:%s", v);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, 5000), 0);
	free(p.out);
	free(p.err);
	cr_assert_eq(pktcount_start(&p, NULL, bad), 0);
	cr_expect_eq(pktcount_finish(&p, 0, 5000), 2, "exit %d: %s", p.status, p.err);
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
	cr_expect_eq(pktcount_finish(&p, 0, 5000), 2, "exit %d: %s", p.status, p.err);
	cr_expect(strstr(p.err, "Permission denied") != NULL, "%s", p.err);
	cr_expect_str_eq(p.out, "");
	rmdir(dir);
	free(p.out);
	free(p.err);
}

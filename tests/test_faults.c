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
				"'%s' -m %s -j -c 3 -i 0.2 lo >/dev/null", pktcount_path(), modes[i]), 0,
			     "valgrind found errors in %s mode (above)", modes[i]);
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The binary as a user meets it, before anything is opened: every kind of
 * bad input giving one clear line and its exit code, --help and --version
 * (to a full disk too), and the man page documenting every option --help
 * lists.  Counting is tests/live/test_cli.c's.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/proc.h"
#include "lib/sh.h"
#include "lib/wait.h"

static void run(struct ran *r, const char *ns, int uid, const char *const argv[])
{
	run_as(r, ns, uid, 0, argv);
}

struct bad_input {
	const char *argv[8];
	int code;
	const char *says;	/* a piece of the one stderr line */
};

/* Needs no privileges: every one of these fails before anything is opened. */
Test(cli, bad_input_one_line_and_exit_code, .timeout = 120)
{
	static char long_name[64], fifo[64], dir[64], file[64], dd_bad[64], dd_loop[64], classes65[64];
	static const struct bad_input bad[] = {
		{ { "-i", "0", "lo", NULL }, 2, "bad interval '0'" },
		{ { "-i", "-1", "lo", NULL }, 2, "bad interval" },
		{ { "-i", "abc", "lo", NULL }, 2, "bad interval 'abc'" },
		{ { "-i", "", "lo", NULL }, 2, "bad interval" },
		{ { "-i", "1e999", "lo", NULL }, 2, "bad interval" },
		{ { "-i", "nan", "lo", NULL }, 2, "bad interval" },
		{ { "-i", "0.0001", "lo", NULL }, 2, "bad interval" },
		{ { "-i", "1s", "lo", NULL }, 2, "bad interval '1s'" },
		{ { "-c", "0", "lo", NULL }, 2, "bad count '0'" },
		{ { "-c", "-3", "lo", NULL }, 2, "bad count" },
		{ { "-c", "99999999999999999999999", "lo", NULL }, 2, "bad count" },
		{ { "-c", "x", "lo", NULL }, 2, "bad count" },
		{ { "-m", "turbo", "lo", NULL }, 2, "bad mode 'turbo'" },
		{ { "--bogus", NULL }, 2, "unknown option '--bogus'" },
		{ { "-q", NULL }, 2, "unknown option '-q'" },
		{ { "-i", NULL }, 2, "needs a value" },
		{ { "-a", "lo", NULL }, 2, "-a counts every interface" },
		{ { "nosuchif0", NULL }, 3, "interface nosuchif0: No such device" },
		{ { "", NULL }, 2, "interface name ''" },
		{ { "-f", "xml", "lo", NULL }, 2, "bad format 'xml'" },
		{ { "--ring-size", "63K", "lo", NULL }, 2, "bad ring size '63K': want bytes from 64K to 1G" },
		{ { "--ring-size", "1025M", "lo", NULL }, 2, "bad ring size '1025M'" },
		{ { "--ring-size", "2G", "lo", NULL }, 2, "bad ring size '2G'" },
		{ { "--ring-size", "0", "lo", NULL }, 2, "bad ring size '0'" },
		{ { "--ring-size", "-1M", "lo", NULL }, 2, "bad ring size '-1M'" },
		{ { "--ring-size", "1MB", "lo", NULL }, 2, "bad ring size '1MB'" },
		{ { "--ring-size", "", "lo", NULL }, 2, "bad ring size ''" },
		{ { "--ring-size", "99999999999999999999K", "lo", NULL }, 2, "bad ring size" },
		{ { "--ring-size", NULL }, 2, "needs a value" },
		{ { "--prom-file", "/nonexistent-dir/x.prom", "lo", NULL }, 2, "directory /nonexistent-dir: No such file" },
		{ { "--prom-file", "/tmp", "lo", NULL }, 2, "is a directory, not a regular file" },
		{ { "--prom-file", "/etc/passwd/x", "lo", NULL }, 2, "Not a directory" },
		{ { "--prom-file", "", "lo", NULL }, 2, "--prom-file: empty path" },
		{ { "--netns", "pktcount-no-such-ns", "lo", NULL }, 3, "--netns pktcount-no-such-ns: /run/netns/pktcount-no-such-ns: No such file" },
		{ { "--netns", "", "lo", NULL }, 2, "--netns: empty name" },
		{ { long_name, NULL }, 2, "must be 1 to 15 characters" },
		/* digits from the first character: strtoull and strtod skip white space, take a sign */
		{ { "-c", "\t-1", "lo", NULL }, 2, "bad count '%09-1'" },
		{ { "-c", " 5", "lo", NULL }, 2, "bad count ' 5'" },
		{ { "-c", "\n3", "lo", NULL }, 2, "bad count '%0A3'" },
		{ { "-c", "+3", "lo", NULL }, 2, "bad count '+3'" },
		{ { "-i", "\t-1", "lo", NULL }, 2, "bad interval '%09-1'" },
		{ { "-i", " 5", "lo", NULL }, 2, "bad interval ' 5'" },
		{ { "-i", "\n3", "lo", NULL }, 2, "bad interval '%0A3'" },
		{ { "-i", "+3", "lo", NULL }, 2, "bad interval '+3'" },
		/* --netns on anything but a namespace: refused at once (a FIFO blocked open()) */
		{ { "--netns", fifo, "lo", NULL }, 2, "not a network namespace (a FIFO)" },
		{ { "--netns", "/dev/null", "lo", NULL }, 2,
		  "--netns /dev/null: not a network namespace (a character device)" },
		{ { "--netns", dir, "lo", NULL }, 2, "not a network namespace (a directory)" },
		{ { "--netns", file, "lo", NULL }, 2, "not a network namespace (setns: Invalid argument)" },
		{ { "--netns", "/proc/self/ns/mnt", "lo", NULL }, 2,
		  "--netns /proc/self/ns/mnt: not a network namespace (setns: Invalid argument)" },
		/* classes: nothing is counted when one is wrong */
		{ { "--class", "x=foo bar", "lo", NULL }, 2, "--class: class x: can't parse filter expression: syntax error" },
		{ { "--class", "noequals", "lo", NULL }, 2, "--class noequals: want NAME=EXPR" },
		{ { "--class", "=ip", "lo", NULL }, 2, "--class =ip: want NAME=EXPR" },
		{ { "--class", "a b=ip", "lo", NULL }, 2, "class name \"a b\": 1 to 32 letters, digits, '-' or '_'" },
		{ { "--class", "abcdefghijabcdefghijabcdefghijabc=ip", "lo", NULL }, 2, "1 to 32 letters" },
		{ { "--class", "unmatched=ip", "lo", NULL }, 2, "\"unmatched\" is the row of the frames no class matched" },
		{ { "--class", "a=ip", "--class", "a=udp", "lo", NULL }, 2, "class \"a\" given twice" },
		{ { "--class", "a=", "lo", NULL }, 2, "--class: class a: empty expression" },
		{ { "--class", "a=@/nonexistent.dd", "lo", NULL }, 2, "/nonexistent.dd: No such file or directory" },
		{ { "--class", "a=@/etc/passwd", "lo", NULL }, 2, "/etc/passwd:1: not tcpdump -dd output" },
		{ { "--class", "a=@", "lo", NULL }, 2, "class a: : No such file" },
		{ { "--class", dd_bad, "lo", NULL }, 2, ".dd:3: not tcpdump -dd output" },
		{ { "--class", dd_loop, "lo", NULL }, 2, "instruction 2: jumps back or past the end" },
		{ { "--classes", "/nonexistent.txt", "lo", NULL }, 2, "--classes /nonexistent.txt: No such file" },
		{ { "--classes", classes65, "lo", NULL }, 2, ":65: class \"c64\": at most 64 classes" },
		{ { "--filter", "ip", "--filter", "udp", "lo", NULL }, 2, "--filter given twice" },
		{ { "--filter", "bogus((", "lo", NULL }, 2, "--filter: can't parse filter expression" },
		/* tc mode and pinned counters */
		{ { "--persist", "-m", "classic", "lo", NULL }, 2, "--persist counts in tc mode" },
		{ { "--persist", "--by", "flow", "lo", NULL }, 2, "--persist counts protocols and classes" },
		{ { "--remove", "lo", "lo", NULL }, 2, "--remove IFACE takes no other interface" },
		{ { "--remove", "lo", "--persist", NULL }, 2, "--remove IFACE takes no other interface" },
		{ { "--tc-attach", "xdp", "lo", NULL }, 2, "bad tc-attach 'xdp'" },
		{ { "--tc-attach", "tcx", "-m", "ebpf", "lo", NULL }, 2, "--tc-attach is for tc mode" },
		{ { "-m", "tc", "-p", "lo", NULL }, 2, "--promisc needs a packet socket" },
		{ { "--remove", "pcnosuch0", NULL }, 3, "pcnosuch0: " },
		{ { "--remove", "../../x", NULL }, 2, "--remove '../../x': not a name an interface can have" },
		{ { "--remove", "..", NULL }, 2, "not a name an interface can have" },
	};
	struct ran *r = malloc(sizeof(*r));

	memset(long_name, 'x', 40);
	/* a -dd file with a bad third line, one with a backward jump, 65 classes */
	snprintf(dd_bad, sizeof(dd_bad), "a=@/tmp/pktcount-test-%d-bad.dd", (int)getpid());
	snprintf(dd_loop, sizeof(dd_loop), "a=@/tmp/pktcount-test-%d-loop.dd", (int)getpid());
	snprintf(classes65, sizeof(classes65), "/tmp/pktcount-test-%d-many.txt", (int)getpid());
	sh_ok("printf '{ 0x28, 0, 0, 0x0000000c },\\n{ 0x15, 0, 1, 0x00000800 },\\n{ 0x6 0 0 1 },\\n' > %s", dd_bad + 3);
	sh_ok("printf '4\\n40 0 0 12\\n21 0 1 2048\\n5 0 0 4294967294\\n6 0 0 0\\n' > %s", dd_loop + 3);
	sh_ok("for i in $(seq 0 64); do echo \"c$i udp port $i\"; done > %s", classes65);
	snprintf(fifo, sizeof(fifo), "/tmp/pktcount-test-%d.fifo", (int)getpid());
	snprintf(dir, sizeof(dir), "/tmp/pktcount-test-%d.dir", (int)getpid());
	snprintf(file, sizeof(file), "/tmp/pktcount-test-%d.file", (int)getpid());
	cr_assert_eq(mkfifo(fifo, 0600), 0, "%s: %s", fifo, strerror(errno));
	cr_assert_eq(mkdir(dir, 0700), 0, "%s: %s", dir, strerror(errno));
	cr_assert_eq(close(open(file, O_WRONLY | O_CREAT | O_EXCL, 0600)), 0, "%s: %s", file, strerror(errno));
	run_alarm = WAIT_MS / 1000;	/* a ceiling: each of these ends at once */
	/* a symbolic link is refused too, whatever it points at */
	unlink("/tmp/pktcount-test-link.prom");
	cr_assert_eq(symlink("/tmp/pktcount-test-target.prom", "/tmp/pktcount-test-link.prom"), 0);
	cr_assert_not_null(r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		run(r, NULL, -1, bad[i].argv);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		cr_expect_lt((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000, 1000,
			     "%s %s: took a second or more", bad[i].argv[0], bad[i].argv[1] ? bad[i].argv[1] : "");
		cr_expect_eq(r->status, bad[i].code, "%s %s: exit %d, want %d (stderr: %s)",
			     bad[i].argv[0], bad[i].argv[1] ? bad[i].argv[1] : "", r->status,
			     bad[i].code, r->err);
		cr_expect(strstr(r->err, bad[i].says) != NULL, "%s: stderr '%s' lacks '%s'",
			  bad[i].argv[0], r->err, bad[i].says);
		cr_expect_eq(count_lines(r->err), 1, "%s: want one line, got: %s", bad[i].argv[0], r->err);
		cr_expect_str_eq(r->out, "", "%s: printed to stdout: %s", bad[i].argv[0], r->out);
	}
	{
		static const char *const link_argv[] = { "--prom-file", "/tmp/pktcount-test-link.prom", "lo", NULL };

		run(r, NULL, -1, link_argv);
		cr_expect_eq(r->status, 2, "symlink: exit %d", r->status);
		cr_expect(strstr(r->err, "is a symbolic link") != NULL, "%s", r->err);
		cr_expect_eq(count_lines(r->err), 1, "%s", r->err);
	}
	unlink("/tmp/pktcount-test-link.prom");
	unlink(fifo);
	rmdir(dir);
	unlink(file);
	unlink(dd_bad + 3);
	unlink(dd_loop + 3);
	unlink(classes65);
	run_alarm = 0;

	/* 2,000 interface names, none of them there: one line, the first one named */
	{
		static char names[2000][16];
		static const char *many[2002];

		for (int i = 0; i < 2000; i++) {
			snprintf(names[i], sizeof(names[i]), "nosuch%d", i);
			many[i] = names[i];
		}
		many[2000] = NULL;
		run(r, NULL, -1, many);
		cr_expect_eq(r->status, 3, "2000 names: exit %d", r->status);
		cr_expect(strstr(r->err, "interface nosuch0: No such device") != NULL, "%s", r->err);
		cr_expect_eq(count_lines(r->err), 1, "%s", r->err);
	}
	free(r);
}

Test(cli, help_and_version)
{
	static const char *const help[] = { "--help", NULL }, *const ver[] = { "-V", NULL };
	static const char *const opts[] = { "--interval", "--count", "--mode", "--promisc", "--json",
					    "--format", "--prom-file", "--all", "--netns", "--check", "--ring-size",
					    "--verbose", "--help", "--version" };
	struct ran *r = malloc(sizeof(*r));

	cr_assert_not_null(r);
	run(r, NULL, -1, help);
	cr_expect_eq(r->status, 0);
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		cr_expect(strstr(r->out, opts[i]) != NULL, "--help lacks %s", opts[i]);
	run(r, NULL, -1, ver);
	cr_expect_eq(r->status, 0);
	cr_expect(strstr(r->out, "modes: ebpf classic") != NULL, "%s", r->out);
	cr_expect(mode_built_in("ebpf") && mode_built_in("classic"));
	free(r);
}

/* -h and -V to a full disk: one line naming the failed write, exit 1. */
Test(cli, help_and_version_to_a_full_disk)
{
	static const char *const opts[] = { "-h", "-V" };
	char err[] = "/tmp/pktcount-full-XXXXXX", line[256];
	int fd = mkstemp(err);

	cr_assert_geq(fd, 0);
	close(fd);
	for (size_t i = 0; i < 2; i++) {
		FILE *f;
		int status = sh("'%s' %s >/dev/full 2>%s", pktcount_path(), opts[i], err);

		cr_expect_eq(status, 1, "%s >/dev/full: exit %d", opts[i], status);
		f = fopen(err, "r");
		cr_assert_not_null(f);
		cr_expect_not_null(fgets(line, sizeof(line), f), "%s >/dev/full: said nothing", opts[i]);
		cr_expect_str_eq(line, "pktcount: writing to standard output: No space left on device\n", "%s", opts[i]);
		cr_expect_null(fgets(line, sizeof(line), f), "%s: a second line: %s", opts[i], line);
		fclose(f);
	}
	unlink(err);
}

/* man ./pktcount.8 documents every option --help lists. */
Test(cli, man_page_documents_every_option)
{
	static const char *const argv[] = { "--help", NULL };
	struct ran *r = malloc(sizeof(*r));
	char *man, *p;
	FILE *f = fopen("pktcount.8", "r");
	long len;
	int options = 0;

	cr_assert_not_null(r);
	cr_assert_not_null(f, "pktcount.8 missing");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	man = calloc(1, (size_t)len + 1);
	cr_assert_eq(fread(man, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	run(r, NULL, -1, argv);
	for (p = r->out; (p = strstr(p, "--")); ) {
		char opt[64], roff[160];
		size_t n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
		size_t i, k = 0;

		snprintf(opt, sizeof(opt), "%.*s", (int)n, p + 2);
		p += 2 + n;
		if (!n)
			continue;
		/* in roff every - of the name is written \- */
		for (i = 0; i < n && k + 3 < sizeof(roff); i++) {
			if (opt[i] == '-')
				roff[k++] = '\\';
			roff[k++] = opt[i];
		}
		roff[k] = '\0';
		cr_expect(strstr(man, roff) != NULL, "--%s is in --help but not in pktcount.8", opt);
		options++;
	}
	cr_expect_geq(options, 12, "--help lists only %d long options", options);
	free(man);
	free(r);
}

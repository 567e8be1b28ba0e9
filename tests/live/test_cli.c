// SPDX-License-Identifier: GPL-2.0
/*
 * The binary as a user meets it: -c 3 -j against known traffic, the table,
 * and every kind of bad input giving one clear line and its exit code.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <grp.h>
#include <linux/capability.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lib/counting.h"
#include "lib/netns.h"
#include "lib/proc.h"
#include "lib/records.h"
#include "lib/sh.h"
#include "lib/traffic.h"
#include "lib/wait.h"

static struct topo topo;

static void down(void)
{
	topo_down(&topo);
}

struct ran {
	int status;
	char out[65536], err[65536];
};

/* seconds pktcount may take in run_as() before SIGALRM ends it; 0: no limit */
static unsigned int run_alarm;


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

/*
 * Run pktcount with argv (in ns when not NULL; as uid when uid >= 0, with
 * CAP_NET_RAW when net_raw), collecting both streams.
 */
static void run_as(struct ran *r, const char *ns, int uid, int net_raw, const char *const argv[])
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

static void run(struct ran *r, const char *ns, int uid, const char *const argv[])
{
	run_as(r, ns, uid, 0, argv);
}


static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
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

/*
 * The binary where an unprivileged user may run it: a build tree under a
 * 0700 directory (mktemp -d, /root) is out of nobody's reach.
 */
static char *public_copy(char *dir)
{
	static char path[4096];

	strcpy(dir, "/tmp/pktcount-unpriv-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	chmod(dir, 0755);
	snprintf(path, sizeof(path), "%s/pktcount", dir);
	sh_ok("cp '%s' '%s' && chmod 0755 '%s'", pktcount_path(), path, path);
	return path;
}

/* Without CAP_NET_RAW: say so, exit 4, print no record. */
Test(cli, unprivileged_says_what_is_missing)
{
	static const char *const argv[] = { "-j", "-c", "1", "lo", NULL };
	struct passwd *nobody = getpwnam("nobody");
	struct ran *r = malloc(sizeof(*r));
	char dir[64];

	NEED_ROOT("to become nobody");
	cr_assert_not_null(nobody);
	cr_assert_not_null(r);
	setenv("PKTCOUNT", public_copy(dir), 1);
	run(r, NULL, (int)nobody->pw_uid, argv);
	sh("rm -rf '%s'", dir);
	cr_expect_eq(r->status, 4, "exit %d: %s", r->status, r->err);
	cr_expect(strstr(r->err, "missing CAP_NET_RAW") != NULL, "%s", r->err);
	cr_expect_eq(count_lines(r->err), 1, "%s", r->err);
	cr_expect_str_eq(r->out, "");
	free(r);
}

/*
 * With CAP_NET_RAW alone.  Where the kernel lets unprivileged users load
 * socket filters (kernel.unprivileged_bpf_disabled = 0) that is all eBPF
 * needs; elsewhere -m ebpf names CAP_BPF and exits 4, and auto mode counts
 * in classic mode, which needs nothing more.
 */
Test(cli, net_raw_without_cap_bpf)
{
	static const char *const ebpf[] = { "-m", "ebpf", "-j", "-c", "1", "-i", "0.1", "lo", NULL };
	static const char *const autom[] = { "-j", "-c", "1", "-i", "0.1", "lo", NULL };
	struct passwd *nobody = getpwnam("nobody");
	struct ran *r = malloc(sizeof(*r));
	char dir[64];
	FILE *f;
	int disabled = -1;

	NEED_ROOT("to become nobody with CAP_NET_RAW");
	cr_assert_not_null(nobody);
	cr_assert_not_null(r);
	f = fopen("/proc/sys/kernel/unprivileged_bpf_disabled", "r");
	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%d", &disabled), 1);
	fclose(f);
	setenv("PKTCOUNT", public_copy(dir), 1);

	run_as(r, NULL, (int)nobody->pw_uid, 1, ebpf);
	if (disabled == 0) {
		cr_expect_eq(r->status, 0, "exit %d: %s", r->status, r->err);
		cr_expect(strstr(r->out, "\"type\":\"total\"") != NULL, "%s", r->out);
	} else {
		cr_expect_eq(r->status, 4, "exit %d: %s", r->status, r->err);
		cr_expect(strstr(r->err, "CAP_BPF") != NULL, "%s", r->err);
		cr_expect_eq(count_lines(r->err), 1, "%s", r->err);
		cr_expect_str_eq(r->out, "");
	}

	run_as(r, NULL, (int)nobody->pw_uid, 1, autom);
	sh("rm -rf '%s'", dir);
	cr_expect_eq(r->status, 0, "exit %d: %s", r->status, r->err);
	cr_expect(strstr(r->out, disabled == 0 ? "\"mode\":\"ebpf\"" : "\"mode\":\"classic\""),
		  "%s", r->out);
	free(r);
}

Test(cli, ebpf_without_bpf_syscall)
{
	static const char *const argv[] = { "-m", "ebpf", "-c", "1", "lo", NULL };
	struct ran *r = malloc(sizeof(*r));

	NEED_ROOT("to get past the privilege checks");
	cr_assert_not_null(r);
	pktcount_sim = "nobpf";
	run(r, NULL, -1, argv);
	pktcount_sim = NULL;
	cr_expect_eq(r->status, 5, "exit %d: %s", r->status, r->err);
	cr_expect(strstr(r->err, "Function not implemented") && strstr(r->err, "no bpf()"), "%s", r->err);
	cr_expect_eq(count_lines(r->err), 1, "%s", r->err);
	cr_expect_str_eq(r->out, "");
	free(r);
}

/*
 * Every mode --version lists counts; any other is refused with exit 5 and
 * one line (the static build has no libpcap: make check runs this with it).
 */
Test(cli, modes_listed_by_version_work)
{
	static const char *const modes[] = { "ebpf", "classic", "pcap" };
	struct ran *r = malloc(sizeof(*r));

	NEED_ROOT("to open packet sockets");
	cr_assert_not_null(r);
	for (size_t i = 0; i < 3; i++) {
		const char *argv[] = { "-m", modes[i], "-j", "-c", "1", "-i", "0.1", "lo", NULL };

		run(r, NULL, -1, argv);
		if (mode_built_in(modes[i])) {
			cr_expect_eq(r->status, 0, "-m %s: exit %d: %s", modes[i], r->status, r->err);
		} else {
			cr_expect_eq(r->status, 5, "-m %s: exit %d: %s", modes[i], r->status, r->err);
			cr_expect(strstr(r->err, "not built into this pktcount") != NULL, "%s", r->err);
			cr_expect_eq(count_lines(r->err), 1, "%s", r->err);
		}
	}
	free(r);
}

/* ---- -c 3 -j against known traffic ---- */

#define N_UDP 20
#define N_ARP 3

static struct known_traffic known = { "va", N_UDP, N_ARP, 0 };


Test(cli, count_3_json_exact, .fini = down, .timeout = 60)
{
	static const char *const argv[] = { "-c", "3", "-i", "0.5", "-j", "vb", NULL };
	struct pktcount_proc p;
	struct run_output r;
	char err[256];
	unsigned int udp = pc_key_make(PC_DIR_RX, PC_L3_IPV4, 17);
	unsigned int arp = pc_key_make(PC_DIR_RX, PC_L3_ARP, PC_PROTO_NONE);
	unsigned int k;

	NEED_ROOT("network namespaces");
	run_on_known(&topo, &p, argv, &known, 0);
	cr_assert_eq(parse_output(p.out, "vb", &r, err, sizeof(err)), 0, "%s\n%s", err, p.out);
	cr_expect_eq(r.intervals, 3, "%d interval records", r.intervals);
	cr_expect_str_eq(r.mode, "ebpf");
	cr_expect_eq(r.totals[udp].packets, N_UDP);
	cr_expect_eq(r.totals[udp].bytes, N_UDP * 60);
	cr_expect_eq(r.totals[arp].packets, N_ARP);
	cr_expect_eq(r.totals[arp].bytes, N_ARP * 42);
	for (k = 0; k < PC_NKEYS; k++)
		if (k != udp && k != arp)
			cr_expect_eq(r.totals[k].packets, 0, "key %u counted %llu", k,
				     (unsigned long long)r.totals[k].packets);
	free(p.out);
	free(p.err);
}

/* The human table: protocol rows, zero rows hidden, a total row. */
Test(cli, table_output, .fini = down, .timeout = 60)
{
	static const char *const argv[] = { "-c", "2", "-i", "0.5", "vb", NULL };
	struct pktcount_proc p;
	const char *tot;

	NEED_ROOT("network namespaces");
	run_on_known(&topo, &p, argv, &known, 0);
	tot = strstr(p.out, "vb  ebpf  wire units  total over");
	cr_assert_not_null(tot, "%s", p.out);
	cr_expect(strstr(tot, "ipv4 udp") && strstr(tot, "1.17 KiB"), "%s", tot);
	cr_expect(strstr(tot, "\narp ") != NULL, "%s", tot);
	cr_expect(strstr(tot, "ipv6") == NULL, "a zero row shown: %s", tot);
	cr_expect(strstr(tot, "\ntotal ") != NULL, "%s", tot);
	free(p.out);
	free(p.err);
}

/* SIGINT ends the run with the totals and exit 0. */
Test(cli, sigint_prints_totals, .fini = down, .timeout = 60)
{
	static const char *const argv[] = { "-j", "-i", "0.2", "vb", NULL };
	struct pktcount_proc p;
	struct run_output r;
	char err[256];

	NEED_ROOT("network namespaces");
	run_on_known(&topo, &p, argv, &known, SIGINT);
	cr_assert_eq(parse_output(p.out, "vb", &r, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(r.totals[pc_key_make(PC_DIR_RX, PC_L3_IPV4, 17)].packets, N_UDP);
	free(p.out);
	free(p.err);
}

/* Not root, with only CAP_NET_RAW and CAP_BPF (setcap's way): eBPF mode counts. */
Test(cli, net_raw_and_cap_bpf_suffice)
{
	static const char *const argv[] = { "-m", "ebpf", "-j", "-c", "1", "-i", "0.1", "lo", NULL };
	struct passwd *nobody = getpwnam("nobody");
	struct ran *r = malloc(sizeof(*r));
	char dir[64];

	NEED_ROOT("to become nobody with CAP_NET_RAW and CAP_BPF");
	cr_assert_not_null(nobody);
	cr_assert_not_null(r);
	setenv("PKTCOUNT", public_copy(dir), 1);
	run_as(r, NULL, (int)nobody->pw_uid, 2, argv);
	sh("rm -rf '%s'", dir);
	cr_expect_eq(r->status, 0, "exit %d: %s", r->status, r->err);
	cr_expect(strstr(r->out, "\"type\":\"total\"") && strstr(r->out, "\"mode\":\"ebpf\""), "%s", r->out);
	free(r);
}

/* -a: every interface of the namespace, lo included, each with its own records. */
Test(cli, all_interfaces, .fini = down, .timeout = 60)
{
	static const char *const argv[] = { "-a", "-j", "-c", "1", "-i", "0.2", NULL };
	struct run_output r;
	struct ran *out = malloc(sizeof(*out));
	char err[256];

	NEED_ROOT("network namespaces");
	cr_assert_not_null(out);
	topo_up(&topo, 0, 0);
	run(out, topo.b, -1, argv);
	cr_expect_eq(out->status, 0, "%s", out->err);
	cr_expect_eq(parse_output(out->out, "lo", &r, err, sizeof(err)), 0, "lo: %s", err);
	cr_expect_eq(parse_output(out->out, "vb", &r, err, sizeof(err)), 0, "vb: %s", err);
	cr_expect_eq(r.intervals, 1);
	free(out);
}

/* No interface named: the default route's. */
Test(cli, default_route_interface, .fini = down, .timeout = 60)
{
	static const char *const argv[] = { "-v", "-j", "-c", "1", "-i", "0.2", NULL };
	struct run_output r;
	struct ran *out = malloc(sizeof(*out));
	char err[256];

	NEED_ROOT("network namespaces");
	cr_assert_not_null(out);
	topo_up(&topo, 1, 0);
	sh_ok("ip -n %s route add default via 192.0.2.1 dev vb", topo.b);
	run(out, topo.b, -1, argv);
	cr_expect_eq(out->status, 0, "%s", out->err);
	cr_expect(strstr(out->err, "default interface vb: from the default route") != NULL, "%s", out->err);
	cr_expect_eq(parse_output(out->out, "vb", &r, err, sizeof(err)), 0, "%s", err);
	free(out);
}

/* --netns: counted from the host namespace, by name and by /proc/PID/ns/net */
Test(cli, netns_by_name_and_path, .fini = down, .timeout = 60)
{
	struct pktcount_proc p;
	struct run_output r;
	char err[256], nspath[64];
	unsigned int udp = pc_key_make(PC_DIR_RX, PC_L3_IPV4, 17);
	pid_t holder;
	int pass, joined[2];
	char c;

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	/* a process that lives in the namespace, for the /proc path; it says when it is in */
	cr_assert_eq(pipe(joined), 0);
	holder = fork();
	cr_assert_geq(holder, 0);
	if (holder == 0) {
		if (join_netns(topo.b) < 0 || write(joined[1], "j", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(joined[1]);
	cr_assert_eq(read(joined[0], &c, 1), 1, "the holder did not join %s", topo.b);
	close(joined[0]);
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)holder);
	for (pass = 0; pass < 2; pass++) {
		const char *argv[] = { "-n", pass ? nspath : topo.b, "-j", "-i", "0.2", "vb", NULL };

		cr_assert_eq(pktcount_start(&p, NULL, argv), 0);	/* started in the host namespace */
		cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0, "no first line (pass %d)", pass);
		cr_assert_eq(in_netns(topo.a, send_known_traffic, &known), 0);
		pktcount_wait_counted(&p, "vb", (int)udp, N_UDP, WAIT_MS);
		cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "exit %d: %s", p.status, p.err);
		cr_assert_eq(parse_output(p.out, "vb", &r, err, sizeof(err)), 0, "%s", err);
		cr_expect_eq(r.totals[udp].packets, N_UDP, "pass %d", pass);
		cr_expect_eq(r.totals[udp].bytes, N_UDP * 60, "pass %d", pass);
		free(p.out);
		free(p.err);
	}
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
}

/* --check: the interface's own counters beside ours; on a veth, 100% both ways */
Test(cli, check_coverage_is_complete, .fini = down, .timeout = 60)
{
	static const char *const argv_b[] = { "--check", "-j", "-c", "3", "-i", "0.3", "vb", NULL };
	static const char *const argv_a[] = { "--check", "-j", "-c", "3", "-i", "0.3", "va", NULL };
	struct pktcount_proc pa, pb;
	int side;

	NEED_ROOT("network namespaces");
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	cr_assert_eq(pktcount_start(&pb, topo.b, argv_b), 0);
	cr_assert_eq(pktcount_start(&pa, topo.a, argv_a), 0);
	cr_assert_eq(pktcount_wait_line(&pb, WAIT_MS), 0);
	cr_assert_eq(pktcount_wait_line(&pa, WAIT_MS), 0);
	cr_assert_eq(in_netns(topo.a, send_known_traffic, &known), 0);
	cr_assert_eq(pktcount_finish(&pb, 0, WAIT_MS), 0, "%s", pb.err);
	cr_assert_eq(pktcount_finish(&pa, 0, WAIT_MS), 0, "%s", pa.err);
	for (side = 0; side < 2; side++) {
		const char *out = side ? pa.out : pb.out, *dir = side ? "tx" : "rx";
		const char *last = strstr(out, "\"type\":\"total\"");
		char field[64];
		cJSON *j, *check, *v;

		cr_assert_not_null(last, "%s", out);
		while (last > out && last[-1] != '\n')
			last--;
		j = cJSON_Parse(last);
		cr_assert_not_null(j, "%s", last);
		check = cJSON_GetObjectItemCaseSensitive(j, "check");
		cr_assert(cJSON_IsObject(check), "no check object: %s", last);
		snprintf(field, sizeof(field), "%s_bytes", dir);
		v = cJSON_GetObjectItemCaseSensitive(check, field);
		cr_expect(cJSON_IsNumber(v) && v->valuedouble == N_UDP * 60 + N_ARP * 42,
			  "%s %s: %s", side ? "va" : "vb", field, last);
		snprintf(field, sizeof(field), "%s_packets", dir);
		v = cJSON_GetObjectItemCaseSensitive(check, field);
		cr_expect(cJSON_IsNumber(v) && v->valuedouble == N_UDP + N_ARP, "%s: %s", field, last);
		snprintf(field, sizeof(field), "%s_bytes_coverage", dir);
		v = cJSON_GetObjectItemCaseSensitive(check, field);
		cr_expect(cJSON_IsNumber(v) && v->valuedouble == 1.0, "%s: %s", field, last);
		snprintf(field, sizeof(field), "%s_packets_coverage", dir);
		v = cJSON_GetObjectItemCaseSensitive(check, field);
		cr_expect(cJSON_IsNumber(v) && v->valuedouble == 1.0, "%s: %s", field, last);
		/* a veth counts skbs (docs/counting.md, "What the interface's own counters count") */
		v = cJSON_GetObjectItemCaseSensitive(check, "kernel_unit");
		cr_expect(cJSON_IsString(v) && !strcmp(v->valuestring, "skb"), "kernel_unit: %s", last);
		cJSON_Delete(j);
	}
	free(pa.out);
	free(pa.err);
	free(pb.out);
	free(pb.err);
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

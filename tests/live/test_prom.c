// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus output: every page pktcount prints or writes passes promtool,
 * carries exactly the counts of the traffic the test sent, and a reader of
 * --prom-file never sees part of a page while it is being rewritten; the
 * service's ExecStart line, run as it is, counts exactly.  The unit file's
 * own checks (systemd-analyze) are tests/unit/test_prom.c's.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

#define N_UDP 30
#define N_ARP 4

/* spread over several rewrites of the file */
static struct known_traffic known = { "va", N_UDP, N_ARP, 2000 };


/* The value of one sample in a page, or -1 when the page lacks it. */
static long long sample(const char *page, const char *series)
{
	const char *p = page;
	size_t n = strlen(series);

	while ((p = strstr(p, series))) {
		if ((p == page || p[-1] == '\n') && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
		p += n;
	}
	return -1;
}

static void check_counts(const char *page)
{
	char info[96];

	cr_expect_eq(sample(page, "pktcount_packets_total{iface=\"vb\",direction=\"rx\",l3=\"ipv4\",proto=\"udp\"}"),
		     N_UDP, "%s", page);
	cr_expect_eq(sample(page, "pktcount_bytes_total{iface=\"vb\",direction=\"rx\",l3=\"ipv4\",proto=\"udp\"}"),
		     N_UDP * 60);
	cr_expect_eq(sample(page, "pktcount_packets_total{iface=\"vb\",direction=\"rx\",l3=\"arp\",proto=\"\"}"),
		     N_ARP);
	cr_expect_eq(sample(page, "pktcount_bytes_total{iface=\"vb\",direction=\"rx\",l3=\"arp\",proto=\"\"}"),
		     N_ARP * 42);
	cr_expect_eq(sample(page, "pktcount_drops_total{iface=\"vb\"}"), 0);
	snprintf(info, sizeof(info), "pktcount_info{iface=\"vb\",mode=\"ebpf\",unit=\"%s\",version=", unit_of("ebpf"));
	cr_expect(strstr(page, info) != NULL, "%s", page);
}

/* Every page of out valid (promtool), each cut at its closing empty line; the last page, and how many */
static char *pages_valid(char *out, int *pages)
{
	char *page, *end, *last = NULL;

	*pages = 0;
	for (page = out; *page; page = end + 2) {
		end = strstr(page, "\n\n");
		cr_assert_not_null(end, "a page without its closing empty line: %s", page);
		cr_expect_eq(promtool_ok(page, (size_t)(end - page) + 1), 0, "page %d rejected", *pages);
		last = page;
		(*pages)++;
		end[1] = '\0';
	}
	cr_assert_not_null(last);
	return last;
}

/* --format prom: a page per interval, each one valid, the last one exact */
Test(prom, stdout_pages_valid_and_exact, .fini = down, .timeout = 60)
{
	static const char *const argv[] = { "-f", "prom", "-c", "3", "-i", "0.3", "vb", NULL };
	struct pktcount_proc p;
	char *last;
	int pages;

	NEED_ROOT("network namespaces");
	need_promtool();
	run_on_known(&topo, &p, argv, &known, 0);
	last = pages_valid(p.out, &pages);
	cr_expect_eq(pages, 3, "%d pages for -c 3", pages);
	check_counts(last);
	free(p.out);
	free(p.err);
}

/* --prom-file rewritten every 50 ms while a reader reads it as fast as it can */
Test(prom, file_rewrites_are_atomic, .fini = down, .timeout = 90)
{
	char dir[] = "/tmp/pktcount-promdir-XXXXXX", path[128], buf[65536];
	const char *argv[] = { "-j", "-i", "0.05", "--prom-file", path, "vb", NULL };
	struct pktcount_proc p;
	int reads = 0, partial = 0, i;
	pid_t sender;

	NEED_ROOT("network namespaces");
	need_promtool();
	cr_assert_not_null(mkdtemp(dir));
	/* pktcount rewrites it as nobody once it has dropped root */
	cr_assert_eq(chmod(dir, 01777), 0);
	snprintf(path, sizeof(path), "%s/pktcount.prom", dir);
	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	cr_assert_eq(pktcount_start(&p, topo.b, argv), 0);
	cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0);

	sender = fork();
	cr_assert_geq(sender, 0);
	if (sender == 0)
		_exit(in_netns(topo.a, send_known_traffic, &known));
	for (i = 0; i < 2000; i++) {
		FILE *f = fopen(path, "r");
		size_t n;

		cr_assert_not_null(f, "%s vanished while being rewritten: %s", path, strerror(errno));
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		reads++;
		/* whole: ends in a newline, and the last family (pktcount_info) is there */
		if (n == 0 || buf[n - 1] != '\n' || !strstr(buf, "pktcount_info{iface=\"vb\""))
			partial++;
		if (i % 400 == 0)
			cr_expect_eq(promtool_ok(buf, n), 0, "read %d rejected", i);
	}
	cr_assert_eq(waitpid(sender, &i, 0), sender);
	cr_assert(WIFEXITED(i) && WEXITSTATUS(i) == 0);
	pktcount_wait_counted(&p, "vb", COUNT_RX, N_UDP + N_ARP, WAIT_MS);
	cr_assert_eq(pktcount_finish(&p, SIGTERM, WAIT_MS), 0, "exit %d: %s", p.status, p.err);
	cr_expect_eq(partial, 0, "%d of %d reads saw part of a page", partial, reads);

	{
		FILE *f = fopen(path, "r");
		size_t n;

		cr_assert_not_null(f);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		cr_expect_eq(promtool_ok(buf, n), 0);
		check_counts(buf);
	}
	sh("rm -rf '%s'", dir);
	free(p.out);
	free(p.err);
}

static int file_exists(void *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* The names in dir that are .base.pktcount-XXXXXX as mkstemp makes them, counted. */
static int stale_files(const char *dir, const char *base)
{
	char pattern[256];
	int n;

	snprintf(pattern, sizeof(pattern), "ls -A '%s' | grep -cxE '\\.%s\\.pktcount-[A-Za-z0-9]{6}'", dir, base);
	n = sh("exit $(%s)", pattern);
	return n;
}

static int exists(const char *dir, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

/* A directory nobody (the user pktcount drops to) may write in. */
static void prom_dir(char *dir)
{
	strcpy(dir, "/tmp/pktcount-stale-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(chmod(dir, 0777), 0);
}

/*
 * At start, the temporary files of an earlier pktcount that was killed
 * mid-rewrite go: regular files named exactly .x.prom.pktcount- and six of
 * mkstemp's characters.  Anything else stays, a user's x.prom.backup or
 * x.prom.202401 above all.
 */
Test(prom, stale_temporary_files_removed, .timeout = 30)
{
	static const char *const stale[] = { ".x.prom.pktcount-abcDE1", ".x.prom.pktcount-ZZ9zz0" };
	static const char *const keep[] = { "x.prom.backup", "x.prom.202401", ".x.prom.pktcount-abcdefg",
					    ".y.prom.pktcount-abcdef", ".x.prom.pktcount-ab-def",
					    ".x.prom.pktcount-abcde", "x.prom.pktcount-abcdef" };
	char dir[64], path[128];
	const char *argv[] = { "-v", "--prom-file", path, "-c", "1", "-i", "0.1", "lo", NULL };
	struct pktcount_proc p;
	size_t i;

	NEED_ROOT("packet sockets");
	prom_dir(dir);
	snprintf(path, sizeof(path), "%s/x.prom", dir);
	for (i = 0; i < 2; i++)
		sh_ok("touch '%s/%s'", dir, stale[i]);
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		sh_ok("touch '%s/%s'", dir, keep[i]);
	sh_ok("mkdir '%s/.x.prom.pktcount-dir123' && ln -s /etc/passwd '%s/.x.prom.pktcount-lnk123'", dir, dir);
	cr_assert_eq(pktcount_start(&p, NULL, argv), 0);
	cr_expect_eq(pktcount_finish(&p, 0, WAIT_MS), 0, "exit %d: %s", p.status, p.err);
	for (i = 0; i < 2; i++) {
		char line[512];

		cr_expect(!exists(dir, stale[i]), "%s is still there", stale[i]);
		snprintf(line, sizeof(line), "pktcount: --prom-file %s: removed %s/%s, left by a pktcount that was killed\n",
			 path, dir, stale[i]);
		cr_expect(strstr(p.err, line) != NULL, "no '%s' in: %s", line, p.err);
	}
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		cr_expect(exists(dir, keep[i]), "%s was removed", keep[i]);
	cr_expect(exists(dir, ".x.prom.pktcount-dir123") && exists(dir, ".x.prom.pktcount-lnk123"),
		  "a directory or link was removed");
	cr_expect(exists(dir, "x.prom"));
	sh("rm -rf '%s'", dir);
	free(p.out);
	free(p.err);
}

/*
 * The real thing: SIGKILL at random moments while it rewrites every millisecond,
 * until a temporary file is left behind; the next start removes it.
 */
Test(prom, sigkill_leftovers_removed_at_next_start, .timeout = 180)
{
	char dir[64], path[128];
	const char *run[] = { "--prom-file", path, "-i", "0.001", "lo", NULL };
	const char *once[] = { "--prom-file", path, "-c", "1", "-i", "0.1", "lo", NULL };
	struct pktcount_proc p;
	int kills, left = 0;

	NEED_ROOT("packet sockets");
	prom_dir(dir);
	snprintf(path, sizeof(path), "%s/x.prom", dir);
	srand((unsigned int)getpid());
	for (kills = 0; kills < 1500 && !left; kills++) {
		cr_assert_eq(pktcount_start(&p, NULL, run), 0);
		cr_assert_eq(pktcount_wait_line(&p, WAIT_MS), 0);
		usleep((useconds_t)(rand() % 10000));	/* a random moment of its rewrites: the test's own */
		pktcount_finish(&p, SIGKILL, WAIT_MS);
		cr_assert_eq(p.status, 128 + SIGKILL, "exit %d", p.status);
		free(p.out);
		free(p.err);
		left = stale_files(dir, "x\\.prom");
	}
	cr_assert_gt(left, 0, "%d kills left no temporary file", kills);
	cr_assert_eq(pktcount_start(&p, NULL, once), 0);
	cr_expect_eq(pktcount_finish(&p, 0, WAIT_MS), 0, "exit %d: %s", p.status, p.err);
	cr_expect_eq(stale_files(dir, "x\\.prom"), 0, "%d temporary files left after %d kills and a start",
		     stale_files(dir, "x\\.prom"), kills);
	cr_expect(exists(dir, "x.prom"));
	sh("rm -rf '%s'", dir);
	free(p.out);
	free(p.err);
}

/* With classes: every page valid, the last one's class counters exact (docs/counting.md, "Classes") */
Test(prom, class_counters_valid_and_exact, .fini = down, .timeout = 60)
{
	static const char *const argv[] = { "-f", "prom", "-c", "2", "-i", "0.5", "--class", "udp=udp",
					    "--class", "arp=arp", "--class", "tcp=tcp", "vb", NULL };
	struct pktcount_proc p;
	char *last;
	int pages;

	NEED_ROOT("network namespaces");
	need_promtool();
	if (!mode_built_in("pcap"))
		cr_skip_test("this pktcount was built without libpcap: no expressions");
	run_on_known(&topo, &p, argv, &known, 0);
	last = pages_valid(p.out, &pages);
	cr_expect_eq(pages, 2, "%d pages for -c 2", pages);
	cr_expect_eq(sample(last, "pktcount_class_packets_total{iface=\"vb\",direction=\"rx\",class=\"udp\"}"), N_UDP,
		     "%s", last);
	cr_expect_eq(sample(last, "pktcount_class_bytes_total{iface=\"vb\",direction=\"rx\",class=\"udp\"}"),
		     N_UDP * 60);
	cr_expect_eq(sample(last, "pktcount_class_packets_total{iface=\"vb\",direction=\"rx\",class=\"arp\"}"), N_ARP);
	cr_expect_eq(sample(last, "pktcount_class_packets_total{iface=\"vb\",direction=\"rx\",class=\"tcp\"}"), 0);
	cr_expect_eq(sample(last, "pktcount_class_packets_total{iface=\"vb\",direction=\"rx\",class=\"unmatched\"}"), 0);
	free(p.out);
	free(p.err);
}

/* ---- the systemd unit (debian/pktcount@.service) ---- */

#define UNIT "debian/pktcount@.service"

/* The value of KEY= in file (the first such line), or NULL; malloc'd. */
static char *unit_value(const char *file, const char *key)
{
	FILE *f = fopen(file, "r");
	char line[1024], *v = NULL;
	size_t n = strlen(key);

	cr_assert_not_null(f, "%s: %s", file, strerror(errno));
	while (!v && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == '=') {
			line[strcspn(line, "\n")] = '\0';
			v = strdup(line + n + 1);
		}
	fclose(f);
	return v;
}

/* "CAP_NET_RAW CAP_BPF" as setpriv takes it: "-all,+net_raw,+bpf" */
static void setpriv_caps(const char *caps, char *out, size_t size)
{
	char buf[256], *tok, *save;
	size_t len = (size_t)snprintf(out, size, "-all");

	snprintf(buf, sizeof(buf), "%s", caps);
	for (tok = strtok_r(buf, " ", &save); tok && len < size; tok = strtok_r(NULL, " ", &save)) {
		len += (size_t)snprintf(out + len, size - len, ",+");
		for (tok += strncmp(tok, "CAP_", 4) ? 0 : 4; *tok && len + 1 < size; tok++)
			out[len++] = (char)(*tok >= 'A' && *tok <= 'Z' ? *tok - 'A' + 'a' : *tok);
		out[len] = '\0';
	}
}

/*
 * The unit's ExecStart= as systemd runs it for instance vb: $PKTCOUNT_OPTS
 * (from the default file) split into words, ${STATE_DIRECTORY} the state
 * directory, %i the instance; /usr/sbin/pktcount is the binary under test.
 */
static int execstart_argv(const char *line, const char *opts, const char *state, char **argv, int max)
{
	static char words[2048];
	char *tok, *save, *w = words;
	int n = 0;

	snprintf(words, sizeof(words), "%s", line);
	for (tok = strtok_r(w, " ", &save); tok && n < max - 1; tok = strtok_r(NULL, " ", &save)) {
		char buf[512], *o, *os;

		if (!strcmp(tok, "$PKTCOUNT_OPTS")) {
			snprintf(buf, sizeof(buf), "%s", opts);
			for (o = strtok_r(buf, " ", &os); o && n < max - 1; o = strtok_r(NULL, " ", &os))
				argv[n++] = strdup(o);
			continue;
		}
		if (n == 0) {
			cr_assert_str_eq(tok, "/usr/sbin/pktcount", "ExecStart runs %s", tok);
			argv[n++] = strdup(pktcount_path());
			continue;
		}
		snprintf(buf, sizeof(buf), "%s", tok);
		if ((o = strstr(buf, "${STATE_DIRECTORY}"))) {
			char rest[512];

			snprintf(rest, sizeof(rest), "%s", o + strlen("${STATE_DIRECTORY}"));
			snprintf(o, sizeof(buf) - (size_t)(o - buf), "%s%s", state, rest);
		}
		if ((o = strstr(buf, "%i")))
			memcpy(o, "vb", 2);
		argv[n++] = strdup(buf);
	}
	argv[n] = NULL;
	return n;
}

/*
 * The unit's ExecStart line for instance vb, run as a user of its own with
 * only the unit's capabilities (setpriv: ambient, inheritable, bounding
 * set, no_new_privs) in the test's namespace: the .prom file in the state
 * directory passes promtool, carries exactly the traffic sent, and belongs
 * to that user with the unit's umask.
 */
Test(prom, service_execstart_counts_exactly, .fini = down, .timeout = 60)
{
	char *exec = unit_value(UNIT, "ExecStart"), *ambient = unit_value(UNIT, "AmbientCapabilities");
	char *bounding = unit_value(UNIT, "CapabilityBoundingSet"), *opts = unit_value("debian/pktcount.default",
										  "PKTCOUNT_OPTS");
	char state[] = "/tmp/pktcount-unit-XXXXXX", prom[96], amb[128], bnd[128], amb_arg[160], bnd_arg[160];
	char inh_arg[160];
	char *argv[64], *page;
	size_t len;
	struct stat st;
	struct watch w;
	FILE *f;
	pid_t pid;
	int i, n, status;

	NEED_ROOT("network namespaces, setpriv");
	need_promtool();
	cr_assert(exec && ambient && bounding && opts, "the unit or its default file lacks a line");
	opts[strcspn(opts + 1, "\"") + 1] = '\0';	/* PKTCOUNT_OPTS="-i 15" */
	cr_assert_not_null(mkdtemp(state));
	cr_assert_eq(chown(state, 65534, 65534), 0);
	snprintf(prom, sizeof(prom), "%s/vb.prom", state);
	setpriv_caps(ambient, amb, sizeof(amb));
	setpriv_caps(bounding, bnd, sizeof(bnd));
	snprintf(amb_arg, sizeof(amb_arg), "--ambient-caps=%s", amb);
	snprintf(bnd_arg, sizeof(bnd_arg), "--bounding-set=%s", bnd);
	argv[0] = "setpriv";
	argv[1] = "--reuid=65534";
	argv[2] = "--regid=65534";
	argv[3] = "--clear-groups";
	snprintf(inh_arg, sizeof(inh_arg), "--inh-caps=%s", amb);
	argv[4] = inh_arg;
	argv[5] = amb_arg;
	argv[6] = bnd_arg;
	argv[7] = "--no-new-privs";
	argv[8] = "--";
	n = execstart_argv(exec, opts + 1, state, argv + 9, 50);
	cr_assert_gt(n, 3);

	topo_up(&topo, 0, 0);
	topo_wait_quiet(&topo, 300, WAIT_MS);
	watch_start(&w, topo.b, "vb");
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (join_netns(topo.b) < 0 || null < 0)
			_exit(126);
		dup2(null, STDOUT_FILENO);	/* StandardOutput=null */
		execvp("setpriv", argv);
		_exit(127);
	}
	/* written once its taps are open and root is given up (src/main.c privileges_drop()) */
	cr_assert_eq(wait_until(file_exists, prom, WAIT_MS), 0, "no %s after %d ms", prom, WAIT_MS);
	cr_assert_eq(in_netns(topo.a, send_known_traffic, &known), 0);
	/* its stdout is /dev/null: the receive path has run for every frame once the watcher has them */
	watch_wait(&w, N_UDP + N_ARP, WAIT_MS);
	kill(pid, SIGTERM);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status %d", status);
	watch_stop(&w);

	cr_assert_eq(stat(prom, &st), 0);
	cr_expect_eq(st.st_uid, 65534, "the file belongs to uid %u", st.st_uid);
	cr_expect_eq(st.st_mode & 0777, 0644, "mode %o", st.st_mode & 0777);
	f = fopen(prom, "r");
	cr_assert_not_null(f);
	page = calloc(1, 1 << 16);
	len = fread(page, 1, (1 << 16) - 1, f);
	fclose(f);
	cr_expect_eq(promtool_ok(page, len), 0, "%s rejected", prom);
	check_counts(page);
	free(page);
	sh("rm -rf %s", state);
	for (i = 9; argv[i]; i++)
		free(argv[i]);
	free(exec);
	free(ambient);
	free(bounding);
	free(opts);
}

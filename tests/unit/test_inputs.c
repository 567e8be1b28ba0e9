// SPDX-License-Identifier: GPL-2.0
/*
 * Inputs that must never hang, mislead or pass silently: file arguments
 * that are no regular file, signals during a long class compile, classic
 * programs the kernel refuses, options that conflict.  Each is refused at
 * once with one line and its exit code.  Very long expressions and
 * --tc-attach auto are tests/live/test_inputs.c's.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <linux/filter.h>
#include <unistd.h>

#include "lib/proc.h"
#include "lib/wait.h"

struct refusal {
	const char *argv[8];
	int code;
	const char *says;	/* a piece of the one stderr line; %s: the test's path */
};

static char fifo[64], dir[64], dd[64];

/* The test's own FIFO, directory and a -dd file, under this process's id. */
static void paths_make(void)
{
	snprintf(fifo, sizeof(fifo), "/tmp/pktcount-inputs-%d.fifo", (int)getpid());
	snprintf(dir, sizeof(dir), "/tmp/pktcount-inputs-%d.dir", (int)getpid());
	snprintf(dd, sizeof(dd), "/tmp/pktcount-inputs-%d.dd", (int)getpid());
	cr_assert_eq(mkfifo(fifo, 0600), 0, "%s: %s", fifo, strerror(errno));
	cr_assert_eq(mkdir(dir, 0700), 0, "%s: %s", dir, strerror(errno));
}

static void paths_remove(void)
{
	unlink(fifo);
	rmdir(dir);
	unlink(dd);
}

/* argv with "@PATH" and "x=@PATH" spelled out: %s in an argument is the path */
static void expand(const char *const in[], const char *path, char buf[][256], const char *out[])
{
	int i;

	for (i = 0; in[i]; i++) {
		snprintf(buf[i], sizeof(buf[i]), in[i], path);
		out[i] = buf[i];
	}
	out[i] = NULL;
}

/* Each argv of the table, %s its path, refused as says (%s: the path). */
static void refused_table(const struct refusal *t, size_t n, const char *path)
{
	char args[8][256], says[512];
	const char *argv[8];
	size_t i;

	for (i = 0; i < n; i++) {
		expand(t[i].argv, path, args, argv);
		snprintf(says, sizeof(says), t[i].says, path);
		pktcount_refused(argv, t[i].code, says);
	}
}

/*
 * A FIFO as a class or filter file: open() waited for a writer, with
 * SIGINT and SIGTERM blocked, for ever.  A directory read as "Input/output
 * error"; a device was read.  Each is now refused at once, exit 2.
 */
Test(inputs, file_arguments_not_regular_refused_at_once, .fini = paths_remove, .timeout = 60)
{
	static const struct refusal fifo_args[] = {
		{ { "--class", "x=@%s", "lo", NULL }, 2, "--class: class x: %s: is a FIFO, not a regular file" },
		{ { "--classes", "%s", "lo", NULL }, 2, "--classes %s: is a FIFO, not a regular file" },
		{ { "--filter", "@%s", "lo", NULL }, 2, "--filter: %s: is a FIFO, not a regular file" },
		{ { "--netns", "%s", "lo", NULL }, 2, "--netns %s: not a network namespace (a FIFO)" },
		{ { "--prom-file", "%s", "lo", NULL }, 2, "--prom-file %s: is a FIFO, not a regular file" },
	};
	static const struct refusal dir_args[] = {
		{ { "--filter", "@%s", "lo", NULL }, 2, "--filter: %s: is a directory, not a regular file" },
		{ { "--class", "x=@%s", "lo", NULL }, 2, "--class: class x: %s: is a directory, not a regular file" },
		{ { "--classes", "%s", "lo", NULL }, 2, "--classes %s: is a directory, not a regular file" },
	};
	static const struct refusal dev_args[] = {
		{ { "--filter", "@%s", "lo", NULL }, 2, "--filter: %s: is a character device, not a regular file" },
		{ { "--classes", "%s", "lo", NULL }, 2, "--classes %s: is a character device, not a regular file" },
	};

	paths_make();
	refused_table(fifo_args, sizeof(fifo_args) / sizeof(fifo_args[0]), fifo);
	refused_table(dir_args, sizeof(dir_args) / sizeof(dir_args[0]), dir);
	refused_table(dir_args, 1, "/tmp");
	refused_table(dev_args, sizeof(dev_args) / sizeof(dev_args[0]), "/dev/null");
}

/*
 * A regular -ddd file is read whole: 1,500 instructions (33 KB, many
 * reads) after their count, which pktcount checks against the lines.
 */
Test(inputs, regular_files_read_whole, .fini = paths_remove)
{
	char arg[128];
	FILE *f;
	int i;

	paths_make();
	f = fopen(dd, "w");
	cr_assert_not_null(f);
	fprintf(f, "1500\n40 0 0 12\n");
	for (i = 1; i < 1500; i++)
		fprintf(f, "6 0 0 %d\n", 262144 + i);
	cr_assert_eq(fclose(f), 0);
	snprintf(arg, sizeof(arg), "x=@%s", dd);
	{
		/* read and checked, then the interface: no such device (exit 3) says the file passed */
		const char *argv[] = { "--class", arg, "--filter", arg + 2, "pcnosuch0", NULL };

		pktcount_refused(argv, 3, "interface pcnosuch0: No such device");
	}
}

/* CPU time pid has used, in ms (/proc/PID/stat utime + stime); -1 once it is gone. */
static long cpu_ms(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	p = strrchr(buf, ')');	/* the name may hold spaces */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)((ut + st) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK));
}

/* n terms "port 1 or port 2 ...", malloc'd: libpcap's optimizer takes minutes on 1,000 */
static char *port_list(int n)
{
	char *s = malloc((size_t)n * 16 + 1), *at = s;
	int i;

	cr_assert_not_null(s);
	for (i = 1; i <= n; i++)
		at += sprintf(at, "%sport %d", i > 1 ? " or " : "", i);
	return s;
}

static int compiling(void *arg)
{
	/* everything before the compile takes a few ms: past 300 ms of CPU it is libpcap's optimizer */
	return cpu_ms(*(pid_t *)arg) >= 300;
}

/*
 * SIGINT and SIGTERM while a long class compiles: they were blocked from
 * the start of main(), so pktcount went on compiling for minutes.  Each
 * must end it within PROMPT_MS of the signal, as the signal's death.
 */
Test(inputs, signal_during_class_compile_ends_it, .timeout = 120)
{
	static const int sigs[] = { SIGINT, SIGTERM };
	char *expr;
	size_t i;

	if (!mode_built_in("pcap"))
		cr_skip_test("this pktcount has no libpcap: it compiles no expression");
	expr = port_list(1000);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		const char *argv[] = { "--filter", expr, "lo", NULL };
		struct pktcount_proc p;
		struct timespec t0, t1;
		int st;

		cr_assert_eq(pktcount_start(&p, NULL, argv), 0);
		cr_assert_eq(wait_until(compiling, &p.pid, WAIT_MS), 0, "pktcount never got busy compiling");
		clock_gettime(CLOCK_MONOTONIC, &t0);
		st = pktcount_finish(&p, sigs[i], PROMPT_MS);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		cr_expect_eq(st, 128 + sigs[i], "%s while compiling: status %d, want %d (stderr: %s)",
			     strsignal(sigs[i]), st, 128 + sigs[i], p.err);
		cr_expect_lt(ms_between(&t0, &t1), PROMPT_MS, "%s while compiling: %ld ms to end",
			     strsignal(sigs[i]), ms_between(&t0, &t1));
		free(p.out);
		free(p.err);
	}
	free(expr);
}

/* A -dd program, what pktcount says of it (NULL: it takes it), and whether the kernel takes it. */
struct dd_case {
	const char *name;
	struct sock_filter insns[6];
	unsigned short n;
	const char *says;
};

#define MEM_WORDS_SAY "M[16]: scratch memory has 16 words, M[0] to M[15] (the kernel's bpf_check_classic()"
#define NOT_STORED_SAY "reads M[3] where a path to it stored nothing there"

/*
 * Scratch memory as the kernel checks it: bpf_check_classic()
 * (net/core/filter.c) refuses an index past 15 after the opcode passed
 * (pktcount said "opcode 0x60 is not classic BPF"), and
 * check_load_and_stores() a read of a word a path to it never stored.
 * The kernel judges each program too (SO_ATTACH_FILTER): pktcount takes
 * exactly what it takes.
 */
static const struct dd_case mem_cases[] = {
	{ "ld M[16]", { BPF_STMT(BPF_LD | BPF_IMM, 1), BPF_STMT(BPF_ST, 0), BPF_STMT(BPF_LD | BPF_MEM, 16),
			BPF_STMT(BPF_RET | BPF_A, 0) }, 4, "instruction 2: " MEM_WORDS_SAY },
	{ "ldx M[16]", { BPF_STMT(BPF_LD | BPF_IMM, 1), BPF_STMT(BPF_ST, 0), BPF_STMT(BPF_LDX | BPF_MEM, 16),
			 BPF_STMT(BPF_RET | BPF_A, 0) }, 4, "instruction 2: " MEM_WORDS_SAY },
	{ "st M[16]", { BPF_STMT(BPF_LD | BPF_IMM, 1), BPF_STMT(BPF_ST, 16), BPF_STMT(BPF_RET | BPF_A, 0) }, 3,
	  "instruction 1: " MEM_WORDS_SAY },
	{ "stx M[16]", { BPF_STMT(BPF_LDX | BPF_IMM, 1), BPF_STMT(BPF_STX, 16), BPF_STMT(BPF_RET | BPF_A, 0) }, 3,
	  "instruction 1: " MEM_WORDS_SAY },
	{ "ld M[3] first", { BPF_STMT(BPF_LD | BPF_MEM, 3), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
	  "instruction 0 " NOT_STORED_SAY },
	/* stored on the true branch only: the join has it on one path */
	{ "ld M[3] after one branch", { BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 60, 0, 1),
					BPF_STMT(BPF_ST, 3), BPF_STMT(BPF_LD | BPF_MEM, 3), BPF_STMT(BPF_RET | BPF_A, 0) },
	  5, "instruction 3 " NOT_STORED_SAY },
	{ "st and ld M[15]", { BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), BPF_STMT(BPF_ST, 15), BPF_STMT(BPF_LDX | BPF_MEM, 15),
			       BPF_STMT(BPF_MISC | BPF_TXA, 0), BPF_STMT(BPF_RET | BPF_A, 0) }, 5, NULL },
};

static void dd_write(const char *path, const struct dd_case *c)
{
	FILE *f = fopen(path, "w");
	unsigned short i;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	for (i = 0; i < c->n; i++)
		fprintf(f, "{ 0x%x, %u, %u, 0x%08x },\n", c->insns[i].code, c->insns[i].jt, c->insns[i].jf, c->insns[i].k);
	cr_assert_eq(fclose(f), 0);
}

Test(inputs, scratch_memory_as_the_kernel_checks_it, .fini = paths_remove)
{
	int sock = socket(AF_INET, SOCK_DGRAM, 0);
	char arg[128];
	size_t i;

	cr_assert_geq(sock, 0, "socket: %s", strerror(errno));
	paths_make();
	snprintf(arg, sizeof(arg), "x=@%s", dd);
	for (i = 0; i < sizeof(mem_cases) / sizeof(mem_cases[0]); i++) {
		const struct dd_case *c = &mem_cases[i];
		struct sock_fprog fp = { c->n, (struct sock_filter *)c->insns };
		const char *argv[] = { "--class", arg, "pcnosuch0", NULL };
		int kernel = setsockopt(sock, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp));

		cr_expect_eq(kernel == 0, c->says == NULL, "%s: the kernel %s it (%s)", c->name,
			     kernel ? "refuses" : "takes", kernel ? strerror(errno) : "");
		dd_write(dd, c);
		cr_log_info("%s", c->name);
		/* taken: checked, then the interface (no such device, exit 3) */
		pktcount_refused(argv, c->says ? 2 : 3, c->says ? c->says : "interface pcnosuch0: No such device");
	}
	close(sock);
}

/*
 * Options that contradict each other or another: each was taken without a
 * word (--tc-attach auto counted in eBPF mode, even beside -m classic;
 * the second --by or --format won; -j and --format: the later one won).
 */
Test(inputs, conflicting_options_refused, .timeout = 60)
{
	static const struct refusal t[] = {
		{ { "--tc-attach", "auto", "-m", "classic", "lo", NULL }, 2, "--tc-attach is for tc mode, not -m classic" },
		{ { "-m", "ebpf", "--tc-attach", "auto", "lo", NULL }, 2, "--tc-attach is for tc mode, not -m ebpf" },
		{ { "--tc-attach", "clsact", "-m", "ebpf", "lo", NULL }, 2, "--tc-attach is for tc mode, not -m ebpf" },
		{ { "--by", "host", "--by", "flow", "lo", NULL }, 2, "--by given twice" },
		{ { "--by", "host", "--by", "host", "lo", NULL }, 2, "--by given twice" },
		{ { "-f", "prom", "-f", "json", "lo", NULL }, 2, "--format given twice" },
		{ { "-j", "-f", "prom", "lo", NULL }, 2, "-j is --format json: it contradicts --format prom" },
		{ { "--format", "table", "--json", "lo", NULL }, 2, "-j is --format json: it contradicts --format table" },
	};

	refused_table(t, sizeof(t) / sizeof(t[0]), "");
}

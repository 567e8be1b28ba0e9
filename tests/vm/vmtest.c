// SPDX-License-Identifier: GPL-2.0
/*
 * vmtest: the live counting test inside a VM booted by `make vm-test`, as a
 * static binary beside pktcount-static in the initramfs.
 *
 *   vmtest PKTCOUNT MODE [nobpf|follow|by|class|optmem|persist|clsact]
 *
 * Runs PKTCOUNT -m MODE -j on both ends of a veth pair (va sends, veth0
 * receives; the VM is the isolation, so both ends live in its one
 * namespace), sends known frames on va, stops pktcount with SIGTERM and
 * compares its total records with what was sent, key by key.  With nobpf,
 * pktcount runs under a seccomp filter that makes bpf() fail with ENOSYS,
 * as a kernel without CONFIG_BPF_SYSCALL would.  With follow, the receiving
 * interface is renamed and renamed back while pktcount counts it: link
 * events must arrive (rtnetlink through the seccomp list of that
 * architecture) and the counts go on.  With by, pktcount counts --by flow
 * too: the breakdown programs and their hash maps must load on that kernel,
 * and each total record's entries must add up to its frames.  With optmem,
 * classes whose program is over the 20 KiB net.core.optmem_max of kernels
 * before 6.8: -m ebpf must first refuse naming optmem_max, then count at
 * the value it named, where the kernel takes its very program and one byte
 * lower refuses it; auto must say so and count in classic.  With persist,
 * --persist on veth0, frames sent with no pktcount running, a reader's
 * totals exact, and --remove leaving nothing pinned.  With clsact (MODE
 * tc), two runs share one clsact and end in turn: clsact_run().  Prints
 * one line:
 *   vmtest: PASS kernel=K arch=A mode=M counted-by=MODE/VARIANT caps=HEX frames=...
 * (VARIANT: the eBPF program, or classic's ring or recvmsg; caps: what the
 * running receiver kept), or, when pktcount exits before counting,
 *   vmtest: EXIT kernel=K arch=A mode=M code=N says=FIRST STDERR LINE
 * or FAIL with the first difference.  tests/vm/run.sh judges the line
 * against what the kernel must give (tests/vm/expect).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct frame {
	const char *key;	/* as pktcount's JSON names it */
	unsigned char data[128];
	unsigned int len, copies;
};

static struct frame frames[] = {
	/* IPv4 UDP, 60 bytes */
	{ "\"l3\":\"ipv4\",\"ipproto\":17,", { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45,
	  [14 + 9] = 17 }, 60, 100 },
	/* IPv6 + hop-by-hop + TCP, 94 bytes */
	{ "\"l3\":\"ipv6\",\"ipproto\":6,", { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd, 0x60,
	  [14 + 6] = 0, [14 + 40] = 6, [14 + 41] = 0 }, 94, 50 },
	/* ARP, 42 bytes */
	{ "\"l3\":\"arp\",", { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06 }, 42, 20 },
	/* 802.1Q-tagged IPv4 ICMP, 64 bytes: the receiver's kernel moves the tag out */
	{ "\"l3\":\"ipv4\",\"ipproto\":1,", { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x81, 0x00, 0x00, 0x0a,
	  0x08, 0x00, 0x45, [18 + 9] = 1 }, 64, 10 },
};
#define NFRAMES (sizeof(frames) / sizeof(frames[0]))

static int no_bpf(void)
{
#if defined(__x86_64__)
# define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
# define ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__)
# define ARCH AUDIT_ARCH_ARM
#endif
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_bpf, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

struct run {
	pid_t pid;
	int fd, efd;		/* its stdout and stderr */
	char out[65536];
	char err[262144];	/* -v: room for a verifier's log, and the mode line after it */
	size_t len, elen;
};

/* argv run with its stdout and stderr into r's pipes (nobpf: bpf() failing as without CONFIG_BPF_SYSCALL) */
static int spawn(struct run *r, char *const argv[], int nobpf)
{
	int p[2], e[2];

	memset(r, 0, sizeof(*r));
	if (pipe(p) || pipe(e))
		return -1;
	r->pid = fork();
	if (r->pid < 0)
		return -1;
	if (r->pid == 0) {
		dup2(p[1], 1);
		dup2(e[1], 2);
		close(p[0]);
		close(e[0]);
		if (nobpf && no_bpf())
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	close(e[1]);
	r->fd = p[0];
	r->efd = e[0];
	return 0;
}

static int start(struct run *r, const char *pktcount, const char *mode, const char *dev, int nobpf, int by,
		 const char *classes)
{
	char *argv[12] = { (char *)pktcount, "-v", "-j", "-i", "0.2", "-m", (char *)mode };
	int n = 7;

	if (by) {
		argv[n++] = "--by";
		argv[n++] = "flow";
	} else if (classes) {
		argv[n++] = "--classes";
		argv[n++] = (char *)classes;
	}
	argv[n++] = (char *)dev;
	return spawn(r, argv, nobpf);
}

/* what pktcount said on stderr so far (a few lines: it never fills the pipe) */
static void drain_err(struct run *r)
{
	struct pollfd pfd = { r->efd, POLLIN, 0 };
	ssize_t n;

	while (r->elen < sizeof(r->err) - 1 && poll(&pfd, 1, 0) > 0 &&
	       (n = read(r->efd, r->err + r->elen, sizeof(r->err) - 1 - r->elen)) > 0) {
		r->elen += (size_t)n;
		r->err[r->elen] = '\0';
	}
}

/*
 * "ebpf/pc_eth_percpu", "classic/ring", "classic/recvmsg" or
 * "tc/tc_eth_wire/clsact" (program and attachment): from the -v line for dev
 */
static void variant(struct run *r, const char *dev, char *out, size_t size)
{
	char want[64];
	const char *p;

	drain_err(r);
	snprintf(want, sizeof(want), "pktcount: %s: ", dev);
	snprintf(out, size, "?");
	for (p = r->err; (p = strstr(p, want)); p++) {
		p += strlen(want);
		if (!strncmp(p, "ebpf (", 6))
			snprintf(out, size, "ebpf/%.*s", (int)strcspn(p + 6, ","), p + 6);
		else if (!strncmp(p, "tc (", 4) && strstr(p, " insns, "))
			snprintf(out, size, "tc/%.*s/%.*s", (int)strcspn(p + 4, ","), p + 4,
				 (int)strcspn(strstr(p, " insns, ") + 8, ",)"), strstr(p, " insns, ") + 8);
		else if (!strncmp(p, "classic (", 9))
			snprintf(out, size, "classic/%s", strncmp(p + 9, "TPACKET_V3", 10) ? "recvmsg" : "ring");
		else
			continue;
		return;
	}
}

/* CapEff of a running process, as /proc prints it */
static void caps(pid_t pid, char *out, size_t size)
{
	char path[64], line[128];
	FILE *f;

	snprintf(out, size, "?");
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %63s", out) == 1)
			break;
	if (f)
		fclose(f);
}

/* pktcount ended before its first line: its exit code and last stderr line (the refusal) */
static int exited(struct run *r, const struct utsname *u, const char *mode, const char *tag)
{
	const char *last;
	int st = 0;

	waitpid(r->pid, &st, 0);
	drain_err(r);
	while (r->elen && r->err[r->elen - 1] == '\n')
		r->err[--r->elen] = '\0';
	last = strrchr(r->err, '\n');
	printf("vmtest: EXIT kernel=%s arch=%s mode=%s%s code=%d says=%s\n", u->release, u->machine,
	       mode, tag, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
	       last ? last + 1 : r->err);
	return 1;
}

/* read until a newline arrives (first == 1) or EOF; 0, or -1 on timeout (a
 * minute: under TCG on a loaded CI machine a guest runs many times slower) */
static int collect(struct run *r, int first)
{
	for (;;) {
		struct pollfd pfd = { r->fd, POLLIN, 0 };
		ssize_t n;

		if (first && memchr(r->out, '\n', r->len))
			return 0;
		if (poll(&pfd, 1, 60000) <= 0)
			return -1;
		n = read(r->fd, r->out + r->len, sizeof(r->out) - 1 - r->len);
		if (n <= 0)
			return first ? -1 : 0;
		r->len += (size_t)n;
		r->out[r->len] = '\0';
	}
}

/* Rename from to to, as udev does, and wait for pktcount's n-th renamed event; 0 or -1. */
static int renamed(struct run *r, const char *from, const char *to, int n)
{
	char cmd[128];
	const char *p;
	int seen;

	snprintf(cmd, sizeof(cmd), "ip link set %s down && ip link set %s name %s && ip link set %s up",
		 from, from, to, to);
	if (system(cmd) != 0)
		return -1;
	for (;;) {
		struct pollfd pfd = { r->fd, POLLIN, 0 };
		ssize_t got;

		for (seen = 0, p = r->out; (p = strstr(p, "\"event\":\"renamed\"")); p++)
			seen++;
		if (seen >= n)
			return 0;
		if (poll(&pfd, 1, 60000) <= 0)
			return -1;
		got = read(r->fd, r->out + r->len, sizeof(r->out) - 1 - r->len);
		if (got <= 0)
			return -1;
		r->len += (size_t)got;
		r->out[r->len] = '\0';
	}
}

/*
 * Wait (up to a minute, as collect()) until dev's operstate is "up": after a
 * veth end comes back up, the kernel gives its pair a qdisc again only when
 * linkwatch runs (linkwatch_do_dev() -> dev_activate(), up to a second
 * later), and until then noop_qdisc drops what is sent, before any tap sees
 * it.  0 or -1.
 */
static int wait_up(const char *dev)
{
	char path[64], state[16];
	int i;

	snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", dev);
	for (i = 0; i < 1200; i++) {
		FILE *f = fopen(path, "r");
		int up = f && fgets(state, sizeof(state), f) && !strncmp(state, "up", 2);

		if (f)
			fclose(f);
		if (up)
			return 0;
		usleep(50 * 1000);
	}
	return -1;
}

/*
 * In the last whole interval record: the packets_total of every count of
 * direction dir (the "counts" array, not --by's entries), and drops_total;
 * -1 before any record.
 */
static long long counted(const char *out, const char *dir)
{
	const char *rec = NULL, *p, *end, *eol;
	char want[32];
	long long n = 0;

	for (p = out; (p = strstr(p, "{\"type\":\"interval\"")); p++)
		if (strchr(p, '\n'))
			rec = p;
	if (!rec)
		return -1;
	eol = strchr(rec, '\n');
	snprintf(want, sizeof(want), "{\"dir\":\"%s\",", dir);
	if ((p = strstr(rec, "\"drops_total\":")) && p < eol)
		n += strtoll(p + 14, NULL, 10);
	if (!(p = strstr(rec, "\"counts\":[")) || p > eol || !(end = strchr(p, ']')) || end > eol)
		return n;
	while ((p = strstr(p, want)) && p < end) {
		const char *t = strstr(p, "\"packets_total\":");

		if (t && t < end)
			n += strtoll(t + 16, NULL, 10);
		p++;
	}
	return n;
}

/*
 * Read r's output until its interval records say it counted want frames in
 * dir (or the kernel dropped them before it saw them), for up to a minute
 * (as collect()); 0 or -1.
 */
static int wait_counted(struct run *r, const char *dir, unsigned long long want)
{
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (counted(r->out, dir) < (long long)want) {
		struct pollfd pfd = { r->fd, POLLIN, 0 };
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= 60 || r->len >= sizeof(r->out) - 1 || poll(&pfd, 1, 1000) < 0)
			return -1;
		if (!(pfd.revents & POLLIN))
			continue;
		n = read(r->fd, r->out + r->len, sizeof(r->out) - 1 - r->len);
		if (n <= 0)
			return -1;
		r->len += (size_t)n;
		r->out[r->len] = '\0';
	}
	return 0;
}

/* The packets of every entry (--by) in the total record, both directions. */
static unsigned long long entries_of(const char *out)
{
	const char *t = strstr(out, "\"type\":\"total\""), *p, *end;
	unsigned long long sum = 0;

	if (!t || !(p = strstr(t, "\"entries\":[")) || !(end = strchr(p, ']')))
		return 0;
	while ((p = strstr(p, "\"packets\":")) && p < end) {
		p += 10;
		sum += strtoull(p, NULL, 10);
	}
	return sum;
}

/* packets and bytes of key in dir, from the total record */
static void total_of(const char *out, const char *dir, const char *key, unsigned long long *pk,
		     unsigned long long *by)
{
	const char *t = strstr(out, "\"type\":\"total\""), *p;
	char want[128];

	*pk = *by = 0;
	if (!t)
		return;
	snprintf(want, sizeof(want), "{\"dir\":\"%s\",%s", dir, key);
	p = strstr(t, want);
	if (!p)
		return;
	if ((p = strstr(p, "\"bytes\":")))
		*by = strtoull(p + 8, NULL, 10);
	if ((p = strstr(p, "\"packets\":")))
		*pk = strtoull(p + 10, NULL, 10);
}

/*
 * The class run (tests/vm/classes: tcpdump -i lo -dd programs): what each
 * class counts of the frames above, each way.  icmp is live tcpdump's: the
 * tagged ICMP frame matches where the kernel moved its tag out (rx), not
 * where the tag is in the frame (tx, as sent); vlan 10 matches both.
 */
struct class_want {
	const char *name;
	unsigned long long tx_pk, tx_by, rx_pk, rx_by;
};
static const struct class_want class_want[] = {
	{ "udp", 100, 6000, 100, 6000 },
	{ "ip6", 50, 4700, 50, 4700 },
	{ "arp", 20, 840, 20, 840 },
	{ "vlan10", 10, 640, 10, 640 },
	{ "icmp", 0, 0, 10, 640 },
	{ "unmatched", 0, 0, 0, 0 },
};
#define NCLASSES (sizeof(class_want) / sizeof(class_want[0]))

/* A class's bytes and packets in direction dir of the total record (0 when absent). */
static void class_of(const char *out, const char *dir, const char *name, unsigned long long *pk,
		     unsigned long long *by)
{
	char what[96];
	const char *p = strstr(out, "\"type\":\"total\"");

	*pk = *by = 0;
	snprintf(what, sizeof(what), "{\"class\":\"%s\",\"dir\":\"%s\",\"bytes\":", name, dir);
	if (!p || !(p = strstr(p, what)))
		return;
	*by = strtoull(p + strlen(what), NULL, 10);
	if ((p = strstr(p, "\"packets\":")))
		*pk = strtoull(p + 10, NULL, 10);
}

/*
 * The optmem run: the class run's classes and IPv6 host sets that match
 * nothing, a program over the 20 KiB net.core.optmem_max that kernels
 * before 6.8 have by default, under the 4,096 instructions they load.
 * Before 4.13 a class reads the frame with LD_ABS, one instruction a load;
 * from 4.13 from a copy on the stack, about twice as many: seven host sets
 * there would pass 4,096, four here would fit 20 KiB.
 */
static const char *optmem_classes(const struct utsname *u)
{
	unsigned int major = 0, minor = 0;

	if (sscanf(u->release, "%u.%u", &major, &minor) != 2 || major > 4 || (major == 4 && minor >= 13))
		return "/classes/optmem.txt";
	return "/classes/optmem-4.1.txt";
}

#define OPTMEM "/proc/sys/net/core/optmem_max"

static long optmem_get(void)
{
	FILE *f = fopen(OPTMEM, "r");
	long v = -1;

	if (f && fscanf(f, "%ld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

static int optmem_set(long v)
{
	FILE *f = fopen(OPTMEM, "w");
	int ok = f && fprintf(f, "%ld\n", v) > 0;

	return (f && fclose(f) == 0 && ok) ? 0 : -1;
}

/* pktcount's refusal in r's stderr: the optmem_max it says eBPF needs (0: not told, before 4.13), or -1 */
static long optmem_needs(const struct run *r)
{
	const char *p = strstr(r->err, "over net.core.optmem_max (");

	if (p && (p = strstr(p, "; eBPF needs ")))
		return strtol(p + 13, NULL, 10);
	return strstr(r->err, "takes over net.core.optmem_max") ? 0 : -1;
}

/* A socket filter's tag (fdinfo's prog_tag, 4.10+) in process pid; 0 or -1. */
static int prog_tag_of(pid_t pid, char tag[17])
{
	char path[64], line[128];
	unsigned int fd, type = 0;

	for (fd = 3; fd < 64; fd++) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%u", (int)pid, fd);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f)) {
			if (sscanf(line, "prog_type: %u", &type) == 1 || type != 1 ||
			    sscanf(line, "prog_tag: %16s", tag) != 1)
				continue;
			fclose(f);
			return 0;
		}
		if (f)
			fclose(f);
		type = 0;
	}
	return -1;
}

/*
 * The id of the socket filter process pid holds: the program of its tag
 * (fdinfo shows no prog_id before 4.20; ids and BPF_PROG_GET_NEXT_ID are
 * 4.13's); 0 when none.  Two with that tag (the other end's pktcount) are
 * the same program, of the same size.
 */
/* bpf() (a static binary of its own, built without pktcount's sources: its one call site) */
static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static unsigned int prog_id_of(pid_t pid)
{
	char want[17], tag[17];
	union bpf_attr attr;
	struct bpf_prog_info info;
	unsigned int id = 0, i;
	int fd, ok;

	if (prog_tag_of(pid, want) < 0)
		return 0;
	for (;;) {
		memset(&attr, 0, sizeof(attr));
		attr.start_id = id;
		if (sys_bpf(BPF_PROG_GET_NEXT_ID, &attr) < 0)
			return 0;
		id = attr.next_id;
		memset(&attr, 0, sizeof(attr));
		attr.prog_id = id;
		fd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		memset(&attr, 0, sizeof(attr));
		attr.info.bpf_fd = (unsigned int)fd;
		attr.info.info_len = offsetof(struct bpf_prog_info, jited_prog_len);
		attr.info.info = (unsigned long)&info;
		ok = sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) == 0;
		close(fd);
		for (i = 0, tag[0] = '\0'; ok && i < sizeof(info.tag); i++)
			sprintf(tag + 2 * i, "%02x", info.tag[i]);
		if (ok && !strcmp(tag, want))
			return id;
	}
}

/* Whether a fresh packet socket takes program id now: 1, 0 (ENOMEM: over optmem_max), -1. */
static int kernel_takes(unsigned int id)
{
	union bpf_attr attr;
	int prog, s, ret;

	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;
	prog = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
	s = socket(AF_PACKET, SOCK_RAW, 0);
	ret = prog < 0 || s < 0 ? -1 : setsockopt(s, SOL_SOCKET, SO_ATTACH_BPF, &prog, sizeof(prog)) == 0 ? 1 :
	      errno == ENOMEM ? 0 : -1;
	if (prog >= 0)
		close(prog);
	if (s >= 0)
		close(s);
	return ret;
}

/*
 * -m ebpf with the optmem classes at optmem_max as the kernel has it: it
 * must refuse, naming optmem_max.  Then optmem_max is set to what it says
 * eBPF needs (before 4.13, where it cannot say, four times as much) for the
 * counting run.  *needs: that value, 0 when not told; -1 with the line
 * printed (a kernel without eBPF: EXIT).
 */
static int optmem_refusal(const char *pktcount, const char *classes, const struct utsname *u, long *needs)
{
	static struct run r;
	long dflt = optmem_get();
	const char *line;

	if (start(&r, pktcount, "ebpf", "veth0", 0, 0, classes))
		return -1;
	if (collect(&r, 1) == 0) {
		kill(r.pid, SIGTERM);
		waitpid(r.pid, NULL, 0);
		printf("vmtest: FAIL kernel=%s arch=%s mode=ebpf+optmem: counted at optmem_max %ld\n", u->release,
		       u->machine, dflt);
		return -1;
	}
	drain_err(&r);
	*needs = optmem_needs(&r);
	if (*needs < 0) {
		exited(&r, u, "ebpf", "+optmem");
		return -1;
	}
	waitpid(r.pid, NULL, 0);
	line = strstr(r.err, "pktcount: veth0: eBPF program");
	if (!line)
		line = r.err;
	printf("vmtest: NOTE kernel=%s optmem_max=%ld says=%.*s\n", u->release, dflt, (int)strcspn(line, "\n"), line);
	return optmem_set(*needs ? *needs : 4 * dflt);
}

/*
 * At the optmem_max pktcount named, its own program is taken; one byte
 * under, refused: "agrees", or what was seen.
 */
static void optmem_agrees(pid_t pid, long needs, char *out, size_t size)
{
	unsigned int id = prog_id_of(pid);
	int at = id ? kernel_takes(id) : -1, under;

	optmem_set(needs - 1);
	under = id ? kernel_takes(id) : -1;
	optmem_set(needs);
	if (at == 1 && under == 0)
		snprintf(out, size, "agrees");
	else
		snprintf(out, size, "DISAGREES(prog %u: %d at needs, %d under)", id, at, under);
}

/* Every frame of frames[], its copies, out of va; what was sent into *pk and *by. */
static void send_frames(unsigned long long *pk, unsigned long long *by)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int s = socket(AF_PACKET, SOCK_RAW, 0);
	unsigned int i, k;

	sll.sll_ifindex = (int)if_nametoindex("va");
	for (i = 0; i < NFRAMES; i++)
		for (k = 0; k < frames[i].copies; k++)
			if (sendto(s, frames[i].data, frames[i].len, 0, (struct sockaddr *)&sll, sizeof(sll)) ==
			    (ssize_t)frames[i].len) {
				(*pk)++;
				*by += frames[i].len;
			}
	close(s);
}

/* argv run to its end, its output in r: its exit code (128 + a signal's number). */
static int run_all(struct run *r, char *const argv[])
{
	int st = 0;

	if (spawn(r, argv, 0))
		return -1;
	collect(r, 0);
	waitpid(r->pid, &st, 0);
	drain_err(r);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* "pinned/tc_eth_wire/clsact": from the -v line of a reader of pinned counters */
static void pinned_variant(struct run *r, char *out, size_t size)
{
	const char *p, *d, *a;

	drain_err(r);
	snprintf(out, size, "?");
	if ((p = strstr(r->err, "reading the counters pinned at ")) && (d = strstr(p, " (")) && (a = strstr(d, " insns, ")))
		snprintf(out, size, "pinned/%.*s/%.*s", (int)strcspn(d + 2, ","), d + 2, (int)strcspn(a + 8, ",)"),
			 a + 8);
}

/*
 * tc+persist: --persist on veth0 (pktcount mounts bpffs: the VM's PID 1
 * shares its mount namespace), the frames sent with no pktcount running,
 * a reader's totals exact key by key, and --remove leaves nothing pinned.
 * The pinned maps' shapes (fdinfo before 4.13) and the programs' filters
 * (by priority and name before 4.13, without program ids) are checked on
 * every kernel that has tc mode.
 */
static int persist_main(const char *pktcount, const struct utsname *u)
{
	char *persist[] = { (char *)pktcount, "--persist", "veth0", NULL };
	char *rm[] = { (char *)pktcount, "--remove", "veth0", NULL };
	char *reader[] = { (char *)pktcount, "-v", "-j", "-i", "0.2", "veth0", NULL };
	unsigned long long sent_pk = 0, sent_by = 0, pk, by;
	char seen[64], dir[96];
	struct stat st;
	struct run r;
	unsigned int i;
	int code = run_all(&r, persist);

	if (code) {
		while (r.elen && r.err[r.elen - 1] == '\n')
			r.err[--r.elen] = '\0';
		printf("vmtest: EXIT kernel=%s arch=%s mode=tc+persist code=%d says=%s\n", u->release, u->machine, code,
		       strrchr(r.err, '\n') ? strrchr(r.err, '\n') + 1 : r.err);
		return 1;
	}
	send_frames(&sent_pk, &sent_by);
	if (spawn(&r, reader, 0) || collect(&r, 1)) {
		printf("vmtest: FAIL kernel=%s arch=%s mode=tc+persist: the reader printed nothing\n", u->release,
		       u->machine);
		return 1;
	}
	pinned_variant(&r, seen, sizeof(seen));
	if (wait_counted(&r, "rx", sent_pk))
		fprintf(stderr, "vmtest: the reader never counted the %llu frames sent\n", sent_pk);
	kill(r.pid, SIGTERM);
	collect(&r, 0);
	waitpid(r.pid, NULL, 0);
	for (i = 0; i < NFRAMES; i++) {
		total_of(r.out, "rx", frames[i].key, &pk, &by);
		if (pk != frames[i].copies || by != (unsigned long long)frames[i].len * frames[i].copies) {
			printf("vmtest: FAIL kernel=%s arch=%s mode=tc+persist: rx %s %llu/%llu, want %u/%llu\n",
			       u->release, u->machine, frames[i].key, pk, by, frames[i].copies,
			       (unsigned long long)frames[i].len * frames[i].copies);
			fprintf(stderr, "reader output:\n%s\n%s\n", r.out, r.err);
			return 1;
		}
	}
	stat("/proc/self/ns/net", &st);
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/pktcount/net%llu/veth0", (unsigned long long)st.st_ino);
	if ((code = run_all(&r, rm)) != 0 || stat(dir, &st) == 0) {
		printf("vmtest: FAIL kernel=%s arch=%s mode=tc+persist: --remove exit %d, %s %s\n", u->release,
		       u->machine, code, dir, stat(dir, &st) == 0 ? "left" : "gone");
		return 1;
	}
	printf("vmtest: PASS kernel=%s arch=%s mode=tc+persist counted-by=%s caps=- frames=%llu bytes=%llu rx\n",
	       u->release, u->machine, seen, sent_pk, sent_by);
	return 0;
}

static int clsact_there(void)
{
	return system("tc qdisc show dev veth0 | grep -q clsact") == 0;
}

/* pktcount -m tc --tc-attach clsact on veth0, as start() runs the other modes */
static int start_clsact(struct run *r, const char *pktcount)
{
	char *argv[] = { (char *)pktcount, "-v", "-j", "-i", "0.2", "-m", "tc", "--tc-attach", "clsact", "veth0",
			 NULL };

	return spawn(r, argv, 0);
}

/*
 * Two tc runs through clsact on veth0, A (which makes the qdisc) and B, and
 * the one named first ended first: 0 with *mid whether the qdisc stayed
 * while the other counted, or a line said and nonzero.
 */
static int clsact_pair(const char *pktcount, const struct utsname *u, int maker_first, int *mid)
{
	static struct run a, b;
	struct run *first = maker_first ? &a : &b, *second = maker_first ? &b : &a;

	if (start_clsact(&a, pktcount) || collect(&a, 1))
		return exited(&a, u, "tc", "+clsact");
	if (start_clsact(&b, pktcount) || collect(&b, 1)) {
		kill(a.pid, SIGTERM);
		waitpid(a.pid, NULL, 0);
		return exited(&b, u, "tc", "+clsact");
	}
	kill(first->pid, SIGTERM);
	collect(first, 0);
	waitpid(first->pid, NULL, 0);
	*mid = clsact_there();
	kill(second->pid, SIGTERM);
	collect(second, 0);
	waitpid(second->pid, NULL, 0);
	return 0;
}

/*
 * The clsact run: the maker ended last, then (the qdisc gone) first.  The
 * qdisc must stay while the other run counts, and go after the maker's
 * exit; after the other's, "clsact/gone" where the kernel has chain
 * objects (4.19: pktcount's mark on the qdisc tells the other run a
 * pktcount made it), "clsact/left" before (only the maker may remove it:
 * src/tcnl.h).
 */
static int clsact_run(const char *pktcount, const struct utsname *u)
{
	int mid, ret = clsact_pair(pktcount, u, 0, &mid);
	const char *bad = NULL;

	if (ret)
		return ret;
	if (!mid || clsact_there())
		bad = !mid ? "the other run's exit took the qdisc from the maker" : "the maker left it when last";
	if (!bad && (ret = clsact_pair(pktcount, u, 1, &mid)))
		return ret;
	if (!bad && !mid)
		bad = "the maker's exit took the qdisc from the other run";
	if (bad) {
		printf("vmtest: FAIL kernel=%s arch=%s mode=tc+clsact: %s\n", u->release, u->machine, bad);
		return 1;
	}
	printf("vmtest: PASS kernel=%s arch=%s mode=tc+clsact counted-by=clsact/%s caps=0 frames=0 bytes=0\n",
	       u->release, u->machine, clsact_there() ? "left" : "gone");
	return 0;
}

int main(int argc, char **argv)
{
	struct run rx, tx;
	struct utsname u;
	char seen[64], capeff[64];
	unsigned long long sent_pk = 0, sent_by = 0;
	const char *tag = argc > 3 && !strcmp(argv[3], "nobpf") ? "+nobpf" :
			  argc > 3 && !strcmp(argv[3], "follow") ? "+follow" :
			  argc > 3 && !strcmp(argv[3], "by") ? "+by" :
			  argc > 3 && !strcmp(argv[3], "class") ? "+class" :
			  argc > 3 && !strcmp(argv[3], "optmem") ? "+optmem" : "";
	int nobpf = !strcmp(tag, "+nobpf"), follow = !strcmp(tag, "+follow"), by = !strcmp(tag, "+by"), bad = 0;
	int optmem = !strcmp(tag, "+optmem"), classes = optmem || !strcmp(tag, "+class");
	const char *cls = NULL;
	long dflt = optmem_get(), needs = 0;
	char said[128] = "";
	unsigned int i;

	if (argc < 3) {
		fprintf(stderr, "usage: vmtest PKTCOUNT MODE [nobpf|follow|by|class|optmem|persist|clsact]\n");
		return 2;
	}
	uname(&u);
	if (argc > 3 && !strcmp(argv[3], "persist"))
		return persist_main(argv[1], &u);
	if (argc > 3 && !strcmp(argv[3], "clsact"))
		return clsact_run(argv[1], &u);
	if (classes)
		cls = optmem ? optmem_classes(&u) : "/classes/classes.txt";
	if (optmem && !strcmp(argv[2], "ebpf") && optmem_refusal(argv[1], cls, &u, &needs) < 0) {
		optmem_set(dflt);
		return 1;
	}
	if (start(&rx, argv[1], argv[2], "veth0", nobpf, by, cls) ||
	    start(&tx, argv[1], argv[2], "va", nobpf, by, cls)) {
		printf("vmtest: FAIL kernel=%s arch=%s mode=%s%s: fork or pipe failed\n",
		       u.release, u.machine, argv[2], tag);
		return 1;
	}
	if (collect(&rx, 1) || collect(&tx, 1)) {
		kill(tx.pid, SIGTERM);
		waitpid(tx.pid, NULL, 0);
		if (optmem)
			optmem_set(dflt);
		return exited(&rx, &u, argv[2], tag);
	}
	variant(&rx, "veth0", seen, sizeof(seen));
	/* -m ebpf at the optmem_max it said it needs: the kernel's own verdict at that value and one under */
	if (optmem && needs > 0) {
		char verdict[64];

		optmem_agrees(rx.pid, needs, verdict, sizeof(verdict));
		snprintf(said, sizeof(said), " optmem_max=%ld needs=%ld kernel=%s", dflt, needs, verdict);
	} else if (optmem && !strcmp(argv[2], "ebpf"))
		snprintf(said, sizeof(said), " optmem_max=%ld needs=untold", dflt);
	/* a breakdown run's probes and program, whatever it counted by (-v) */
	if (by)
		fprintf(stderr, "vmtest: --by flow said:\n%s\n", rx.elen > 3000 ? rx.err + rx.elen - 3000 : rx.err);
	if (!strcmp(seen, "?"))
		fprintf(stderr, "vmtest: no mode line for veth0 in:\n%s\n", rx.elen > 3000 ? rx.err + rx.elen - 3000 : rx.err);
	caps(rx.pid, capeff, sizeof(capeff));
	if (follow && (renamed(&rx, "veth0", "vrn", 1) || renamed(&rx, "vrn", "veth0", 2) ||
		       wait_up("veth0") || wait_up("va"))) {
		printf("vmtest: FAIL kernel=%s arch=%s mode=%s%s: no renamed event, or the pair not up again\n",
		       u.release, u.machine, argv[2], tag);
		fprintf(stderr, "rx output:\n%s\n%s\n", rx.out, rx.err);
		return 1;
	}
	send_frames(&sent_pk, &sent_by);
	/* counted, as the records say, before the end: the judging below is on the totals */
	if (wait_counted(&rx, "rx", sent_pk) || wait_counted(&tx, "tx", sent_pk))
		fprintf(stderr, "vmtest: the records never counted the %llu frames sent (rx %lld, tx %lld)\n",
			sent_pk, counted(rx.out, "rx"), counted(tx.out, "tx"));
	kill(rx.pid, SIGTERM);
	kill(tx.pid, SIGTERM);
	collect(&rx, 0);
	collect(&tx, 0);
	waitpid(rx.pid, NULL, 0);
	waitpid(tx.pid, NULL, 0);

	for (i = 0; i < NFRAMES && !bad; i++) {
		unsigned long long pk, by, want_by = (unsigned long long)frames[i].len * frames[i].copies;

		total_of(tx.out, "tx", frames[i].key, &pk, &by);
		if (pk != frames[i].copies || by != want_by) {
			printf("vmtest: FAIL kernel=%s arch=%s mode=%s%s: tx %s %llu/%llu, want %u/%llu\n",
			       u.release, u.machine, argv[2], tag, frames[i].key, pk, by,
			       frames[i].copies, want_by);
			bad = 1;
		}
		total_of(rx.out, "rx", frames[i].key, &pk, &by);
		if (!bad && (pk != frames[i].copies || by != want_by)) {
			printf("vmtest: FAIL kernel=%s arch=%s mode=%s%s: rx %s %llu/%llu, want %u/%llu\n",
			       u.release, u.machine, argv[2], tag, frames[i].key, pk, by,
			       frames[i].copies, want_by);
			bad = 1;
		}
	}
	if (!bad && by && (entries_of(tx.out) != sent_pk || entries_of(rx.out) != sent_pk)) {
		printf("vmtest: FAIL kernel=%s arch=%s mode=%s%s: the entries add up to %llu and %llu frames, "
		       "want %llu\n", u.release, u.machine, argv[2], tag, entries_of(tx.out), entries_of(rx.out), sent_pk);
		bad = 1;
	}
	for (i = 0; classes && !bad && i < NCLASSES; i++) {
		const struct class_want *c = &class_want[i];
		unsigned long long tpk, tby, rpk, rby;

		class_of(tx.out, "tx", c->name, &tpk, &tby);
		class_of(rx.out, "rx", c->name, &rpk, &rby);
		if (tpk != c->tx_pk || tby != c->tx_by || rpk != c->rx_pk || rby != c->rx_by) {
			printf("vmtest: FAIL kernel=%s arch=%s mode=%s%s: class %s tx %llu/%llu rx %llu/%llu, "
			       "want tx %llu/%llu rx %llu/%llu\n", u.release, u.machine, argv[2], tag, c->name, tpk, tby,
			       rpk, rby, c->tx_pk, c->tx_by, c->rx_pk, c->rx_by);
			bad = 1;
		}
	}
	if (classes)
		fprintf(stderr, "vmtest: the class run said:\n%s\n", rx.elen > 2000 ? rx.err + rx.elen - 2000 : rx.err);
	/* auto: a refusal said, and classic counting */
	if (optmem && !strcmp(argv[2], "auto") && strstr(rx.err, "net.core.optmem_max") &&
	    strstr(rx.err, ": counting in classic mode\n"))
		strncat(seen, "+optmem", sizeof(seen) - strlen(seen) - 1);
	if (optmem)
		optmem_set(dflt);
	if (!bad && strstr(said, "DISAGREES")) {
		printf("vmtest: FAIL kernel=%s arch=%s mode=%s%s: the kernel's verdict at%s\n", u.release, u.machine,
		       argv[2], tag, said);
		bad = 1;
	}
	if (!bad)
		printf("vmtest: PASS kernel=%s arch=%s mode=%s%s counted-by=%s caps=%s frames=%llu bytes=%llu each way%s\n",
		       u.release, u.machine, argv[2], tag, seen, capeff, sent_pk, sent_by, said);
	else
		fprintf(stderr, "rx output:\n%s\ntx output:\n%s\n", rx.out, tx.out);
	return bad;
}

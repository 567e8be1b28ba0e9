// SPDX-License-Identifier: GPL-2.0
/*
 * The seccomp allowlist installed once privileges are gone: the system
 * calls the counting loop makes in every mode, re-attaching to an interface
 * included, those the modes in use declare in their rows (src/modes.c), and
 * bpf() only for the commands those modes declare (map lookups, and a new
 * map and program when an interface comes back; none in classic or pcap
 * mode).  Anything else fails with EPERM rather than killing the process: a
 * path missed here degrades one feature, it does not end months of
 * counting.  A classic BPF program, assembled here with its jumps computed,
 * not counted.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/audit.h>
#include <linux/seccomp.h>

#include "modes.h"
#include "pc_uapi.h"
#include "pktcount.h"

/* what the filter reads of each call: fixed since 3.5 */
_Static_assert(sizeof(struct seccomp_data) == 64, "uapi struct seccomp_data");

/* The architecture the filter lets through: this build's (the audit numbers of linux/audit.h). */
#if defined(__x86_64__)
#define PC_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define PC_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PC_AUDIT_ARCH AUDIT_ARCH_ARM
#elif defined(__i386__)
#define PC_AUDIT_ARCH AUDIT_ARCH_I386
#endif

/* Every mode's: every name that exists on this architecture; the 32-bit ones have *64 twins. */
static const int allowed[] = {
	SYS_read, SYS_write, SYS_close, SYS_exit, SYS_exit_group, SYS_rt_sigreturn,
#ifdef SYS_sigreturn
	SYS_sigreturn,	/* 32-bit ARM returns from a plain handler with it: the totals at SIGTERM */
#endif
	SYS_rt_sigprocmask, SYS_brk, SYS_munmap, SYS_madvise, SYS_mremap,
#ifdef SYS_mmap
	SYS_mmap,
#endif
#ifdef SYS_mmap2
	SYS_mmap2,
#endif
	SYS_ppoll, SYS_epoll_create1, SYS_epoll_ctl, SYS_epoll_pwait,
#ifdef SYS_ppoll_time64
	SYS_ppoll_time64,
#endif
#ifdef SYS_poll
	SYS_poll,
#endif
	SYS_clock_gettime,
#ifdef SYS_clock_gettime64
	SYS_clock_gettime64,
#endif
	SYS_clock_nanosleep,
#ifdef SYS_clock_nanosleep_time64
	SYS_clock_nanosleep_time64,
#endif
#ifdef SYS_nanosleep
	SYS_nanosleep,
#endif
	SYS_getpid, SYS_gettid, SYS_getuid, SYS_geteuid, SYS_getrandom,
	/* threads of src/par.c (clone() itself below): their stacks, joining, and what libc sets up in each */
	SYS_mprotect, SYS_futex, SYS_set_robust_list, SYS_set_tid_address,
#ifdef SYS_futex_time64
	SYS_futex_time64,
#endif
#ifdef SYS_rseq
	SYS_rseq,
#endif
	/* packet, netlink and ioctl sockets: reading, and attaching again */
	SYS_socket, SYS_bind, SYS_setsockopt, SYS_getsockopt, SYS_sendto, SYS_recvfrom,
	SYS_recvmsg, SYS_ioctl, SYS_getsockname,
#ifdef SYS_recv
	SYS_recv,	/* 32-bit ARM's glibc: recv() is its own system call there */
#endif
#ifdef SYS_send
	SYS_send,
#endif
	/* -a: more descriptors as interfaces appear (soft limit, within the hard one) */
	SYS_prlimit64,
#ifdef SYS_getrlimit
	SYS_getrlimit,
#endif
#ifdef SYS_setrlimit
	SYS_setrlimit,
#endif
#ifdef SYS_ugetrlimit
	SYS_ugetrlimit,
#endif
	/* --prom-file, /proc and /sys reads */
	SYS_openat, SYS_fchmod, SYS_renameat, SYS_unlinkat, SYS_lseek, SYS_fcntl,
#ifdef SYS_open
	SYS_open,
#endif
#ifdef SYS_rename
	SYS_rename,
#endif
#ifdef SYS_renameat2
	SYS_renameat2,
#endif
#ifdef SYS_unlink
	SYS_unlink,
#endif
#ifdef SYS_fcntl64
	SYS_fcntl64,
#endif
#ifdef SYS__llseek
	SYS__llseek,
#endif
#ifdef SYS_fstat
	SYS_fstat,
#endif
#ifdef SYS_fstat64
	SYS_fstat64,
#endif
#ifdef SYS_newfstatat
	SYS_newfstatat,
#endif
	/* tc mode, attaching again: is the interface's state pinned (statfs of bpffs) */
#ifdef SYS_statfs
	SYS_statfs,
#endif
#ifdef SYS_statfs64
	SYS_statfs64,
#endif
#ifdef SYS_stat
	SYS_stat,
#endif
#ifdef SYS_fstatat64
	SYS_fstatat64,
#endif
#ifdef SYS_statx
	SYS_statx,
#endif
#ifdef SYS_readv
	SYS_readv,
#endif
	SYS_writev, SYS_uname, SYS_faccessat, SYS_readlinkat, SYS_getdents64,
#ifdef SYS_access
	SYS_access,
#endif
#ifdef SYS_readlink
	SYS_readlink,
#endif
#ifdef SYS_stat
	SYS_stat,
#endif
#ifdef SYS_lstat
	SYS_lstat,
#endif
};

/* the low half of args[0] (bpf()'s command, clone()'s flags): its first word on a little-endian machine */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG0_LOW offsetof(struct seccomp_data, args[0])
#else
#define ARG0_LOW (offsetof(struct seccomp_data, args[0]) + 4)
#endif

#define NALLOWED (sizeof(allowed) / sizeof(allowed[0]))

/*
 * The longest program: the arch check and the number loaded (4), the lists
 * (a jump each), the three jumps and three returns after them, clone()'s
 * flags (5), and bpf()'s command loaded, two instructions a command (every
 * command is below 64: PC_BPF_CMD) and the refusal.
 */
#define PROG_MAX (4 + NALLOWED + PC_KEEP_SYS_MAX + 6 + 5 + 1 + 2 * 64 + 1)

struct filter {
	struct sock_filter f[PROG_MAX];
	unsigned int n;
};

/* insn at the end of p; its place */
static unsigned int emit(struct filter *p, struct sock_filter insn)
{
	if (p->n < PROG_MAX)	/* never short: PROG_MAX counts the longest */
		p->f[p->n] = insn;
	return p->n++;
}

#define STMT(code, k) emit(p, (struct sock_filter)BPF_STMT(code, k))
#define JUMP(code, k, jt, jf) emit(p, (struct sock_filter)BPF_JUMP(code, k, jt, jf))
#define RET(k) STMT(BPF_RET | BPF_K, k)

/* if (A == nr[i]) goto allow, for each i: the targets are set once allow's place is known */
static void list(struct filter *p, const int *nr, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr[i], 0, 0);
}

/*
 * clone(): only a thread (src/par.c opens and closes many taps at once).  A
 * clone() that makes a thread shares this filter, creds and capabilities;
 * one that would make a process (fork) is refused.  args[0] holds the flags on every architecture of this list
 * (s390 and cris, which swap the first two, are not on it).
 */
static void clone_args(struct filter *p)
{
	STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LOW);
	STMT(BPF_ALU | BPF_AND | BPF_K, CLONE_THREAD);
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, CLONE_THREAD, 0, 1);
	RET(SECCOMP_RET_ALLOW);
	RET(SECCOMP_RET_ERRNO | EPERM);
}

/* bpf(): the commands of cmds (PC_BPF_CMD bits) only; without any (classic, pcap), none */
static void bpf_args(struct filter *p, uint64_t cmds)
{
	uint32_t cmd;

	STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LOW);
	for (cmd = 0; cmd < 64; cmd++) {
		if (!(cmds >> cmd & 1))
			continue;
		/* backward jumps do not exist: allow and deny are before, so each command has its own return */
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, cmd, 0, 1);
		RET(SECCOMP_RET_ALLOW);
	}
	RET(SECCOMP_RET_ERRNO | EPERM);
}

/*
 *   0  A = arch;  if (A != ARCH) deny
 *   3  A = nr;    if (A == allowed[i]) allow   (for each i, then each of keep->sys)
 *      if (A == bpf) goto bpf_args
 *      if (A == clone) goto clone_args
 *      if (A == clone3) goto enosys
 *      deny: return EPERM
 *      allow: return ALLOW
 *      enosys: return ENOSYS
 *      clone_args: A = args[0] & CLONE_THREAD; if (A) return ALLOW; return EPERM
 *      bpf_args: A = args[0]; if (A == cmd[j]) return ALLOW (for each j); return EPERM
 *
 * clone3() passes its flags in memory the filter cannot read: ENOSYS, on
 * which glibc falls back to clone() (musl never uses clone3).  0, or -1
 * when a list is too long for the 8-bit jumps to allow.
 */
static int assemble(struct filter *p, const struct pc_keep *keep)
{
	unsigned int first, last, bpf_jump, clone_jump, clone3_jump, allow, enosys, i;

	STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, PC_AUDIT_ARCH, 1, 0);
	RET(SECCOMP_RET_ERRNO | EPERM);
	STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	first = p->n;
	list(p, allowed, NALLOWED);
	list(p, keep->sys, keep->nsys < PC_KEEP_SYS_MAX ? keep->nsys : PC_KEEP_SYS_MAX);
	last = p->n;
	bpf_jump = JUMP(BPF_JMP | BPF_JA, 0, 0, 0);
	clone_jump = JUMP(BPF_JMP | BPF_JA, 0, 0, 0);
	clone3_jump = JUMP(BPF_JMP | BPF_JA, 0, 0, 0);
	RET(SECCOMP_RET_ERRNO | EPERM);
	allow = RET(SECCOMP_RET_ALLOW);
	enosys = RET(SECCOMP_RET_ERRNO | ENOSYS);
	if (allow - first > 255)
		return -1;
	for (i = first; i < last; i++)
		p->f[i].jt = (uint8_t)(allow - i - 1);
	p->f[clone_jump] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone,
							(uint8_t)(p->n - clone_jump - 1), 0);
#ifdef SYS_clone3
	p->f[clone3_jump] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3,
							 (uint8_t)(enosys - clone3_jump - 1), 0);
#else
	(void)enosys;
	(void)clone3_jump;	/* a jump to the next instruction */
#endif
	clone_args(p);
	p->f[bpf_jump] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_bpf,
						      (uint8_t)(p->n - bpf_jump - 1), 0);
	bpf_args(p, keep->bpf_cmds);
	return p->n <= PROG_MAX ? 0 : -1;
}

int pc_seccomp_install(const struct pc_keep *keep)
{
#ifndef PC_AUDIT_ARCH
	(void)keep;
	pc_log("seccomp: no allowlist for this architecture");
	return PC_EXIT_OK;
#else
	struct filter filter = { .n = 0 };
	struct sock_fprog prog;

	if (assemble(&filter, keep) < 0) {
		pc_err("seccomp: the allowlist does not fit its program");
		return PC_EXIT_FAIL;
	}
	prog.len = (unsigned short)filter.n;
	prog.filter = filter.f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
		pc_err("seccomp: %s", strerror(errno));
		return PC_EXIT_FAIL;
	}
	pc_log("seccomp: %u system calls allowed, bpf() for %u commands", (unsigned int)NALLOWED + keep->nsys,
	       (unsigned int)__builtin_popcountll(keep->bpf_cmds));
	return PC_EXIT_OK;
#endif
}

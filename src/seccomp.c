// SPDX-License-Identifier: GPL-2.0
/*
 * The seccomp allowlist installed once privileges are gone: the system
 * calls the counting loop makes, re-attaching to an interface included, and
 * bpf() only for what that needs (map lookups, and a new map and program
 * when an interface comes back).  Anything else fails with EPERM rather
 * than killing the process: a path missed here degrades one feature, it
 * does not end months of counting.  A classic BPF program, assembled here
 * with its jumps computed, not counted.
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

/* Every name that exists on this architecture; the 32-bit ones have *64 twins. */
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
#ifdef SYS_eventfd2
	SYS_eventfd2,	/* libpcap 1.10 makes one per handle, re-attaching in pcap mode */
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

/*
 * bpf() commands: lookups, and a map and program for an interface that
 * returns; with --by, draining the entry maps (update: the control map);
 * tc mode: its tcx links, and the pinned counters of an interface that
 * returns pinned (get, and the meta map's value size).
 */
static const uint32_t bpf_cmds[] = {
	BPF_MAP_CREATE, BPF_MAP_LOOKUP_ELEM, BPF_PROG_LOAD, BPF_MAP_LOOKUP_BATCH,
	BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM, BPF_MAP_GET_NEXT_KEY, BPF_MAP_LOOKUP_AND_DELETE_BATCH,
	BPF_LINK_CREATE, BPF_OBJ_GET, BPF_OBJ_GET_INFO_BY_FD,
};

/* the low half of args[0] (bpf()'s command, clone()'s flags): its first word on a little-endian machine */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG0_LOW offsetof(struct seccomp_data, args[0])
#else
#define ARG0_LOW (offsetof(struct seccomp_data, args[0]) + 4)
#endif

#define NALLOWED (sizeof(allowed) / sizeof(allowed[0]))
#define NCMDS (sizeof(bpf_cmds) / sizeof(bpf_cmds[0]))

int pc_seccomp_install(int with_bpf)
{
#ifndef PC_AUDIT_ARCH
	pc_log("seccomp: no allowlist for this architecture");
	return PC_EXIT_OK;
#else
	/*
	 *   0  A = arch;  if (A != ARCH) deny
	 *   3  A = nr;    if (A == allowed[i]) allow   (for each i)
	 *      if (A == bpf) goto bpf_args
	 *      if (A == clone) goto clone_args
	 *      if (A == clone3) goto enosys
	 *      deny: return EPERM
	 *      allow: return ALLOW
	 *      enosys: return ENOSYS
	 *      clone_args: A = args[0] & CLONE_THREAD; if (A) return ALLOW; return EPERM
	 *      bpf_args: A = args[0]; if (A == cmd[j]) allow (for each j); deny
	 *
	 * Threads: src/par.c opens and closes many taps at once.  A clone()
	 * that makes a thread shares this filter, creds and capabilities; one
	 * that would make a process (fork) is refused.  clone3() passes its
	 * flags in memory the filter cannot read: ENOSYS, on which glibc falls
	 * back to clone() (musl never uses clone3).  args[0] holds the flags on
	 * every architecture of this list (s390 and cris, which swap the first
	 * two, are not on it).
	 */
	struct sock_filter f[24 + NALLOWED + 2 * NCMDS];
	unsigned int n = 0, i, deny, allow, enosys, bpf_args, bpf_jump, clone_jump, clone3_jump, clone_args;
	struct sock_fprog prog;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PC_AUDIT_ARCH, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	/* the list; jt filled in below, once allow's place is known */
	for (i = 0; i < NALLOWED; i++)
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)allowed[i], 0, 0);
	bpf_jump = n++;
	clone_jump = n++;
	clone3_jump = n++;
	deny = n++;
	allow = n++;
	enosys = n++;
	clone_args = n;
	f[deny] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	f[allow] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[enosys] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	f[clone_jump] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone,
						     (uint8_t)(clone_args - clone_jump - 1), 0);
#ifdef SYS_clone3
	f[clone3_jump] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3,
						      (uint8_t)(enosys - clone3_jump - 1), 0);
#else
	f[clone3_jump] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0);
#endif
	for (i = 0; i < NALLOWED; i++)
		f[4 + i].jt = (uint8_t)(allow - (4 + i) - 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, CLONE_THREAD);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CLONE_THREAD, 0, 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	bpf_args = n;
	f[bpf_jump] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_bpf,
						   (uint8_t)(bpf_args - bpf_jump - 1), 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LOW);
	/* without eBPF in use (classic or pcap mode), no bpf() command at all */
	for (i = 0; with_bpf && i < NCMDS; i++) {
		/* backward jumps do not exist: allow and deny are before, so each command has its own return */
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, bpf_cmds[i], 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	if (allow - 4 > 255 || n > sizeof(f) / sizeof(f[0])) {
		pc_err("seccomp: the allowlist does not fit its program");
		return PC_EXIT_FAIL;
	}
	prog.len = (unsigned short)n;
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
		pc_err("seccomp: %s", strerror(errno));
		return PC_EXIT_FAIL;
	}
	pc_log("seccomp: %u system calls allowed, bpf() for %u commands", (unsigned int)NALLOWED,
	       with_bpf ? (unsigned int)NCMDS : 0);
	return PC_EXIT_OK;
#endif
}

// SPDX-License-Identifier: GPL-2.0
/*
 * tests/seccomp-run: run a command as if on an older kernel, by making one
 * call fail under a seccomp filter:
 *
 *   nobpf     bpf() fails with ENOSYS         (no CONFIG_BPF_SYSCALL, < 3.18)
 *   noattach  SO_ATTACH_BPF fails, ENOPROTOOPT (< 3.19)
 *   nov3      PACKET_VERSION fails, EINVAL     (no TPACKET_V3, < 3.2)
 *
 *   seccomp-run MODE PROGRAM [ARG...]
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pc_uapi.h"

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__)
#define ARCH AUDIT_ARCH_ARM
#elif defined(__i386__)
#define ARCH AUDIT_ARCH_I386
#else
#error "seccomp-run: add this architecture's AUDIT_ARCH"
#endif

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "seccomp-run reads the low half of 64-bit arguments at their start"
#endif

#define NR	offsetof(struct seccomp_data, nr)
#define ARG(N)	offsetof(struct seccomp_data, args[N])

int main(int argc, char **argv)
{
	/* setsockopt(fd, LEVEL, OPTNAME, ...) fails with ERR; everything else runs */
	#define SETSOCKOPT_FAILS(LEVEL, OPTNAME, ERR)				\
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH_OFF),			\
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),		\
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),			\
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),				\
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_setsockopt, 0, 5),	\
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG(1)),			\
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, LEVEL, 0, 3),		\
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG(2)),			\
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, OPTNAME, 0, 1),		\
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ERR)),		\
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
	#define ARCH_OFF offsetof(struct seccomp_data, arch)
	static struct sock_filter nobpf[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_bpf, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	static struct sock_filter noattach[] = {
		SETSOCKOPT_FAILS(SOL_SOCKET, SO_ATTACH_BPF, ENOPROTOOPT),
	};
	static struct sock_filter nov3[] = {
		SETSOCKOPT_FAILS(263 /* SOL_PACKET */, 10 /* PACKET_VERSION */, EINVAL),
	};
	struct sock_fprog prog;

	if (argc < 3) {
		fprintf(stderr, "usage: seccomp-run nobpf|noattach|nov3 PROGRAM [ARG...]\n");
		return 2;
	}
	if (!strcmp(argv[1], "nobpf"))
		prog = (struct sock_fprog){ sizeof(nobpf) / sizeof(nobpf[0]), nobpf };
	else if (!strcmp(argv[1], "noattach"))
		prog = (struct sock_fprog){ sizeof(noattach) / sizeof(noattach[0]), noattach };
	else if (!strcmp(argv[1], "nov3"))
		prog = (struct sock_fprog){ sizeof(nov3) / sizeof(nov3[0]), nov3 };
	else {
		fprintf(stderr, "seccomp-run: unknown mode %s\n", argv[1]);
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		fprintf(stderr, "seccomp-run: installing the filter: %s\n", strerror(errno));
		return 1;
	}
	execv(argv[2], argv + 2);
	fprintf(stderr, "seccomp-run: %s: %s\n", argv[2], strerror(errno));
	return 127;
}

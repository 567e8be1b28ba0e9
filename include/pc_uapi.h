/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's own UAPI headers (linux-libc-dev, the build architecture's:
 * the Makefile gives musl-gcc a directory holding only their linux/, asm/
 * and asm-generic/, and the cross compilers have their own), and the few
 * definitions Debian 12's 6.1 headers lack, each with the kernel it comes
 * from.  The headers name the ABI; what a binary asks of the kernel it runs
 * on is what its probe found there (src/ebpf.c), never what the build host's
 * headers knew.
 */
#ifndef PKTCOUNT_UAPI_H
#define PKTCOUNT_UAPI_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/version.h>

/* 6.6: tcx links (BPF_LINK_CREATE) and where in the chain they go */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
#define BPF_TCX_INGRESS	46
#define BPF_TCX_EGRESS	47
#define BPF_F_BEFORE	(1U << 3)
#define BPF_F_AFTER	(1U << 4)
#endif

/*
 * Layouts pktcount hands the kernel, fixed since the kernel that has them:
 * a header that disagreed would make the binary wrong, not just old.
 */
_Static_assert(sizeof(struct bpf_insn) == 8, "uapi struct bpf_insn");
_Static_assert(sizeof(struct sock_filter) == 8, "uapi struct sock_filter");
_Static_assert(offsetof(struct __sk_buff, gso_segs) == 164, "uapi __sk_buff.gso_segs (5.1)");
_Static_assert(offsetof(struct __sk_buff, gso_size) == 176, "uapi __sk_buff.gso_size (5.7)");
_Static_assert(offsetof(union bpf_attr, prog_name) == 48, "uapi bpf_attr.prog_name (4.15)");
_Static_assert(offsetof(union bpf_attr, map_name) == 28, "uapi bpf_attr.map_name (4.15)");
_Static_assert(offsetof(union bpf_attr, link_create.flags) == 12, "uapi bpf_attr.link_create.flags (5.7)");

#endif /* PKTCOUNT_UAPI_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of the kernel's BPF ABI that pktcount uses, written out here so
 * that a build needs no kernel headers: musl-gcc and cross compilers often
 * ship none, and a newer linux/bpf.h on the build host must not decide what
 * the binary asks of an older kernel.
 *
 * Every layout below is the kernel's include/uapi/linux/bpf.h; only fields
 * that pktcount fills are named.  __aligned_u64 matters on 32-bit ARM, where
 * a plain uint64_t is 4-byte aligned inside a struct and the kernel would
 * read the pointers from the wrong place.
 */
#ifndef PKTCOUNT_BPF_ABI_H
#define PKTCOUNT_BPF_ABI_H

#include <stdint.h>
#include <sys/syscall.h>

#define pc_aligned_u64 uint64_t __attribute__((aligned(8)))

/* bpf(2) syscall number: from libc where it knows it, else per architecture. */
#ifndef __NR_bpf
# if defined(__x86_64__)
#  define __NR_bpf 321
# elif defined(__i386__)
#  define __NR_bpf 357
# elif defined(__aarch64__) || defined(__riscv)
#  define __NR_bpf 280
# elif defined(__arm__)
#  define __NR_bpf 386
# elif defined(__mips__) && _MIPS_SIM == _ABIO32
#  define __NR_bpf 4355
# elif defined(__mips__) && _MIPS_SIM == _ABIN32
#  define __NR_bpf 6319
# elif defined(__mips__) && _MIPS_SIM == _ABI64
#  define __NR_bpf 5315
# elif defined(__powerpc__)
#  define __NR_bpf 361
# else
#  error "__NR_bpf unknown for this architecture"
# endif
#endif

/* SO_ATTACH_BPF is 50 everywhere but on sparc and parisc. */
#ifndef SO_ATTACH_BPF
# if defined(__sparc__)
#  define SO_ATTACH_BPF 0x0034
# elif defined(__hppa__)
#  define SO_ATTACH_BPF 0x402B
# else
#  define SO_ATTACH_BPF 50
# endif
#endif

/* ---- instruction encoding (classic fields, then eBPF additions) ---- */
#define BPF_CLASS(code) ((code) & 0x07)
#define BPF_LD		0x00
#define BPF_LDX		0x01
#define BPF_ST		0x02
#define BPF_STX		0x03
#define BPF_ALU		0x04
#define BPF_JMP		0x05
#define BPF_JMP32	0x06	/* 5.1: never used, the lint rejects it */
#define BPF_ALU64	0x07

#define BPF_SIZE(code)	((code) & 0x18)
#define BPF_W		0x00
#define BPF_H		0x08
#define BPF_B		0x10
#define BPF_DW		0x18

#define BPF_MODE(code)	((code) & 0xe0)
#define BPF_IMM		0x00
#define BPF_ABS		0x20
#define BPF_IND		0x40
#define BPF_MEM		0x60
#define BPF_XADD	0xc0

#define BPF_OP(code)	((code) & 0xf0)
#define BPF_ADD		0x00
#define BPF_SUB		0x10
#define BPF_MUL		0x20
#define BPF_DIV		0x30
#define BPF_OR		0x40
#define BPF_AND		0x50
#define BPF_LSH		0x60
#define BPF_RSH		0x70
#define BPF_NEG		0x80
#define BPF_MOD		0x90
#define BPF_XOR		0xa0
#define BPF_MOV		0xb0
#define BPF_ARSH	0xc0
#define BPF_END		0xd0

#define BPF_JA		0x00
#define BPF_JEQ		0x10
#define BPF_JGT		0x20
#define BPF_JGE		0x30
#define BPF_JSET	0x40
#define BPF_JNE		0x50
#define BPF_JSGT	0x60
#define BPF_JSGE	0x70
#define BPF_CALL	0x80
#define BPF_EXIT	0x90
#define BPF_JLT		0xa0	/* 4.14 */
#define BPF_JLE		0xb0	/* 4.14 */
#define BPF_JSLT	0xc0	/* 4.14 */
#define BPF_JSLE	0xd0	/* 4.14 */

#define BPF_SRC(code)	((code) & 0x08)
#define BPF_K		0x00
#define BPF_X		0x08
#define BPF_TO_LE	0x00
#define BPF_TO_BE	0x08

enum {
	BPF_REG_0 = 0, BPF_REG_1, BPF_REG_2, BPF_REG_3, BPF_REG_4, BPF_REG_5,
	BPF_REG_6, BPF_REG_7, BPF_REG_8, BPF_REG_9, BPF_REG_10, MAX_BPF_REG
};

struct bpf_insn {
	uint8_t code;
	uint8_t dst_reg:4;
	uint8_t src_reg:4;
	int16_t off;
	int32_t imm;
};

#define BPF_PSEUDO_MAP_FD 1

/* ---- commands, map and program types ---- */
enum pc_bpf_cmd {
	BPF_MAP_CREATE = 0,
	BPF_MAP_LOOKUP_ELEM = 1,
	BPF_MAP_UPDATE_ELEM = 2,
	BPF_MAP_DELETE_ELEM = 3,
	BPF_MAP_GET_NEXT_KEY = 4,
	BPF_PROG_LOAD = 5,
	BPF_OBJ_PIN = 6,		/* 4.4 */
	BPF_OBJ_GET = 7,		/* 4.4 */
	BPF_PROG_TEST_RUN = 10,		/* 4.12; socket filters 4.16 */
	BPF_OBJ_GET_INFO_BY_FD = 15,	/* 4.13 */
	BPF_MAP_LOOKUP_BATCH = 24,	/* 5.6 */
	BPF_MAP_LOOKUP_AND_DELETE_BATCH = 25,	/* 5.6, hash maps */
	BPF_LINK_CREATE = 28,		/* 5.7; tcx 6.6 */
};

/* link_create's attach types for tc (6.6) */
enum {
	BPF_TCX_INGRESS = 46,
	BPF_TCX_EGRESS = 47,
};
#define BPF_F_BEFORE	(1U << 3)	/* 6.6: first, with no relative program */
#define BPF_F_AFTER	(1U << 4)	/* 6.6: last */

enum {
	BPF_MAP_TYPE_HASH = 1,		/* 3.19 */
	BPF_MAP_TYPE_ARRAY = 2,		/* 3.19 */
	BPF_MAP_TYPE_PERCPU_HASH = 5,	/* 4.6 */
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,	/* 4.6 */
};

enum {
	BPF_PROG_TYPE_SOCKET_FILTER = 1,
	BPF_PROG_TYPE_SCHED_CLS = 3,	/* 4.1; clsact 4.5; tcx 6.6 */
};

enum {
	BPF_FUNC_map_lookup_elem = 1,
	BPF_FUNC_map_update_elem = 2,	/* both 4.1 for socket filters */
	BPF_FUNC_skb_load_bytes = 26,	/* 4.5; socket filters 4.13 (src/asm.c) */
};

/* map_update_elem's flags */
#define BPF_NOEXIST	1	/* only a new key */

#define BPF_OBJ_NAME_LEN 16U

/*
 * The members of union bpf_attr that pktcount fills.  The kernel wants the
 * attr zeroed up to the last field a command uses, and that size passed; the
 * bpf layer does so with offsetofend() on these structs.
 */
union bpf_attr {
	struct {			/* BPF_MAP_CREATE */
		uint32_t map_type;
		uint32_t key_size;
		uint32_t value_size;
		uint32_t max_entries;
		uint32_t map_flags;	/* 4.6 */
		uint32_t inner_map_fd;	/* 4.12 */
		uint32_t numa_node;	/* 4.14 */
		char map_name[BPF_OBJ_NAME_LEN];	/* 4.15 */
	};
	struct {			/* BPF_MAP_*_ELEM, BPF_MAP_GET_NEXT_KEY */
		uint32_t map_fd;
		pc_aligned_u64 key;
		pc_aligned_u64 value;	/* or next_key */
		pc_aligned_u64 flags;
	};
	struct {			/* BPF_PROG_LOAD */
		uint32_t prog_type;
		uint32_t insn_cnt;
		pc_aligned_u64 insns;
		pc_aligned_u64 license;
		uint32_t log_level;
		uint32_t log_size;
		pc_aligned_u64 log_buf;
		uint32_t kern_version;	/* 4.1 */
		uint32_t prog_flags;	/* 4.12 */
		char prog_name[BPF_OBJ_NAME_LEN];	/* 4.15 */
	};
	struct {			/* BPF_PROG_TEST_RUN */
		uint32_t prog_fd;
		uint32_t retval;
		uint32_t data_size_in;
		uint32_t data_size_out;
		pc_aligned_u64 data_in;
		pc_aligned_u64 data_out;
		uint32_t repeat;
		uint32_t duration;
		uint32_t ctx_size_in;	/* 5.2: a struct __sk_buff in */
		uint32_t ctx_size_out;
		pc_aligned_u64 ctx_in;
		pc_aligned_u64 ctx_out;
	} test;
	struct {			/* BPF_MAP_LOOKUP_BATCH, BPF_MAP_LOOKUP_AND_DELETE_BATCH */
		pc_aligned_u64 in_batch;
		pc_aligned_u64 out_batch;
		pc_aligned_u64 keys;
		pc_aligned_u64 values;
		uint32_t count;
		uint32_t map_fd;
		pc_aligned_u64 elem_flags;
		pc_aligned_u64 flags;
	} batch;
	struct {			/* BPF_OBJ_GET_INFO_BY_FD */
		uint32_t bpf_fd;
		uint32_t info_len;
		pc_aligned_u64 info;
	} info;
	struct {			/* BPF_OBJ_PIN, BPF_OBJ_GET */
		pc_aligned_u64 pathname;
		uint32_t bpf_fd;
		uint32_t file_flags;	/* 4.15 */
	} obj;
	struct {			/* BPF_LINK_CREATE for tcx (6.6) */
		uint32_t prog_fd;
		uint32_t target_ifindex;
		uint32_t attach_type;
		uint32_t flags;
		uint32_t relative_fd;	/* tcx.relative_fd: 0, none */
		pc_aligned_u64 expected_revision;
	} link;
	/*
	 * Room as large as today's kernels' attr, zeroed with the rest: the
	 * kernel reads only the size passed, but checkers such as valgrind read
	 * every field they know of.
	 */
	uint8_t pad[160];
} __attribute__((aligned(8)));

/*
 * struct __sk_buff as a socket filter sees it (include/uapi/linux/bpf.h),
 * up to the last field a program of insn/ reads.  Which kernel first lets a
 * socket filter read which field is src/asm.c's table (ctx_fields[]); the
 * lint holds each program to the fields of the oldest kernel that runs it.
 */
struct __sk_buff {
	uint32_t len;
	uint32_t pkt_type;
	uint32_t mark;
	uint32_t queue_mapping;
	uint32_t protocol;	/* network byte order */
	uint32_t vlan_present;
	uint32_t vlan_tci;
	uint32_t vlan_proto;
	uint32_t priority;
	uint32_t ingress_ifindex;
	uint32_t ifindex;
	uint32_t tc_index;
	uint32_t cb[5];
	uint32_t hash;
	uint32_t tc_classid;
	uint32_t data;
	uint32_t data_end;
	uint32_t napi_id;
	uint32_t family;
	uint32_t remote_ip4;
	uint32_t local_ip4;
	uint32_t remote_ip6[4];
	uint32_t local_ip6[4];
	uint32_t remote_port;
	uint32_t local_port;
	uint32_t data_meta;
	uint64_t flow_keys;	/* __bpf_md_ptr: 8 bytes, 8-aligned */
	uint64_t tstamp;
	uint32_t wire_len;	/* tc only: socket filters may not read it */
	uint32_t gso_segs;	/* skb_shinfo(skb)->gso_segs, 5.1 */
	uint64_t sk;		/* __bpf_md_ptr */
	uint32_t gso_size;	/* skb_shinfo(skb)->gso_size, 5.7 */
} __attribute__((aligned(8)));
_Static_assert(__builtin_offsetof(struct __sk_buff, gso_segs) == 164, "uapi __sk_buff.gso_segs");
_Static_assert(__builtin_offsetof(struct __sk_buff, gso_size) == 176, "uapi __sk_buff.gso_size");

/* ---- classic BPF (SO_ATTACH_FILTER, seccomp), as linux/filter.h has it ---- */
struct sock_filter {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};

struct sock_fprog {
	unsigned short len;
	const struct sock_filter *filter;
};

#define BPF_RET		0x06
#define BPF_LEN		0x80
#define BPF_A		0x10
#define BPF_STMT(CODE, K)		{ (uint16_t)(CODE), 0, 0, (uint32_t)(K) }
#define BPF_JUMP(CODE, K, JT, JF)	{ (uint16_t)(CODE), JT, JF, (uint32_t)(K) }

#ifndef SO_ATTACH_FILTER
# if defined(__hppa__)
#  define SO_ATTACH_FILTER 0x401a
# else
#  define SO_ATTACH_FILTER 26
# endif
#endif

#define SKF_AD_OFF	(-0x1000)
#define SKF_NET_OFF	(-0x100000)
#define SKF_LL_OFF	(-0x200000)

#endif /* PKTCOUNT_BPF_ABI_H */

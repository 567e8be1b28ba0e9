/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The program builder: which counting program a tap runs, and that program
 * put together from insn/'s fragments, linked and linted.
 *
 *   variant.c    a variant: what it is, its name, its oldest kernel; the
 *                choice of one from what the kernel has (policy)
 *   build.c      a variant's fragments in order; the probes' programs
 *   classes.c    the classes and the filter composed into a program
 *   cbpf_ebpf.c  a class's classic program as eBPF
 *   asm.c        the linker, and the lint against the oldest kernel
 *
 * Nothing here calls bpf(): the eBPF back ends (src/ebpf.c, src/tc.c)
 * probe the kernel, create the maps and load what this builds.
 */
#ifndef PKTCOUNT_PROG_BUILD_H
#define PKTCOUNT_PROG_BUILD_H

#include <stddef.h>

#include "pc_class.h"
#include "pc_prog.h"

/*
 * What a counting program is.  Each field picks fragments of insn/count.c
 * (include/pc_prog.h says which); a combination insn/ has no fragments for
 * is not a variant (pc_variant_check()).
 */
struct pc_variant {
	enum pc_link link;		/* eth: the frame from its MAC header (SOCK_RAW); raw: from the network header */
	enum pc_counters counters;	/* per CPU (4.6), or XADD on shared maps */
	enum pc_unit unit;		/* skb: an skb is a packet; wire: its segments (5.7, per CPU only) */
	int by;				/* a breakdown (--by) besides the protocol key: the control map says which */
	/*
	 * Header bytes past the key's walk copied onto the stack with
	 * skb_load_bytes (4.13) and read there: --by's key fields, the
	 * classes' constant loads; else read a word at a time (LD_ABS,
	 * LD_IND).  With --by: exactly when per CPU.
	 */
	int copy;
	enum pc_attach at;		/* a packet socket's filter, or tc's ingress or egress (4.5) */
	const struct pc_class_set *classes;	/* the classes and --filter, or NULL for none */
};

/* What the kernel has, as eBPF mode's probe table found it (src/ebpf.c): facts, no policy. */
struct pc_kernel {
	int percpu;		/* PERCPU_ARRAY and PERCPU_HASH maps (4.6) */
	int gso;		/* socket filters read gso_segs and gso_size (5.7) */
	int load_bytes;		/* socket filters call skb_load_bytes (4.13) */
	unsigned int max_insns;	/* the most instructions it takes in a program: 4096 before 5.2 */
};

/*
 * The variant a tap counts with on kernel k: the policy.  A tap on link,
 * with a breakdown or not, at at, with classes (or NULL).
 */
struct pc_variant pc_variant_choose(const struct pc_kernel *k, enum pc_link link, int by, enum pc_attach at,
				    const struct pc_class_set *classes);
/* Whether v is a variant insn/ has: 0, or -1 with why in err. */
int pc_variant_check(const struct pc_variant *v, char *err, size_t errlen);
/* Whether v has classes or a filter: code composed around its count (src/prog/classes.c). */
int pc_variant_has_classes(const struct pc_variant *v);
/* Whether v's classes or filter have an ancillary load of what (SKF_AD_*) on its link. */
int pc_variant_reads_anc(const struct pc_variant *v, uint32_t what);
/* The oldest kernel that runs v's program, PC_KV(): what the lint holds it to. */
unsigned int pc_variant_since(const struct pc_variant *v);

/*
 * v's name.  PC_NAME_PROG: the kernel's prog_name, 15 characters at most:
 * "pc_eth_wire" at a socket, "tci_eth_wire" and "tce_eth_wire" at tc's
 * hooks.  PC_NAME_SHOWN: what -v, the pins and --version show, the two tc
 * hooks' programs as one, with "+classes" where it has classes or a filter:
 * "pc_eth_wire", "tc_eth_by_pcpu+classes".
 */
enum pc_name_kind { PC_NAME_PROG, PC_NAME_SHOWN };
#define PC_NAME_MAX 32
void pc_variant_name(const struct pc_variant *v, enum pc_name_kind kind, char *buf, size_t len);

/*
 * The i-th counting variant (from 0) without classes, at at: every variant
 * insn/ has, for the lint, the tests and --version.  0 past the last.
 */
int pc_variant_nth(unsigned int i, enum pc_attach at, struct pc_variant *v);

/* A program as the linker takes it. */
struct pc_prog {
	const char *name;
	const struct pc_frag *frags;	/* linked in this order */
	size_t nfrags;
	unsigned int since;		/* the oldest kernel that runs it, PC_KV(): the lint's yardstick */
	unsigned int maps;		/* the slots it loads maps from: a bit per enum pc_map_slot */
};

/* The probes' programs (insn/probes.c), each needing one thing of the kernel. */
enum pc_probe {
	PC_PROBE_EMPTY,		/* r0 = 0; exit: the benchmark's floor (4.1) */
	PC_PROBE_CTX,		/* reads the __sk_buff fields the skb count reads (4.1) */
	PC_PROBE_GSO,		/* reads gso_segs and gso_size (5.7) */
	PC_PROBE_LOAD_BYTES,	/* calls skb_load_bytes (4.13) */
	PC_PROBE_COUNT
};
extern const struct pc_prog pc_probes[PC_PROBE_COUNT];

/* Where a tap's program is built for. */
struct pc_build_env {
	int ifindex;		/* the tap's interface: the classes' SKF_AD_IFINDEX */
	unsigned int max_insns;	/* the kernel's limit on a program (struct pc_kernel) */
};

/* A variant's program, built for one tap. */
#define PC_BUILT_MAX_FRAGS 12
struct pc_built {
	struct pc_prog prog;		/* what pc_asm_link() takes */
	char name[PC_NAME_MAX];		/* prog.name: the kernel's (PC_NAME_PROG) */
	struct pc_frag frags[PC_BUILT_MAX_FRAGS];
	struct pc_asm *head, *body;	/* the classes' code (src/prog/classes.c), or NULL */
	unsigned int ninsns;		/* its instructions */
	unsigned int class_insns[PC_CLASS_MAX];	/* each class's, for -v */
};
/*
 * v's program for env: 0, or -1 with one line in err (a class that does
 * not fit in env->max_insns named).  pc_built_free() frees it either way.
 */
int pc_build(const struct pc_variant *v, const struct pc_build_env *env, struct pc_built *out, char *err,
	     size_t errlen);
void pc_built_free(struct pc_built *b);

/* ---- the classes (src/prog/classes.c, src/prog/cbpf_ebpf.c) ---- */

/* How a class's code is made for a tap. */
struct pc_cls_env {
	int ifindex;		/* the tap's interface: SKF_AD_IFINDEX */
	/*
	 * The program copies the frame's first PC_CLS_COPY bytes to the stack
	 * once (skb_load_bytes, 4.13+) and the classes' constant loads read
	 * them there: an LD_ABS is a helper call, and where headers sit in page
	 * fragments a copy (bench: 8 classes 166 ns above the empty program
	 * without it).  The variant's copy.
	 */
	int copy;
};

/*
 * Inside the builder (pc_build() calls it): the classes of v and its
 * filter around the fragments of b (b->frags: nhead fragments before the
 * classes' head, the rest after; the last is the return, the classes' rows
 * go before it).  0, or -1 with err.
 */
int pc_classes_compose(const struct pc_variant *v, const struct pc_build_env *env, unsigned int nhead,
		       struct pc_built *b, char *err, size_t errlen);

/*
 * A class's classic program as eBPF: falls through past its last
 * instruction on a match, jumps nomatch_skip instructions further on no
 * match.  The instruction count, or -1 with err.
 */
int pc_cbpf_translate(const struct pc_cprog *cp, const struct pc_cls_env *env, unsigned int nomatch_skip,
		      struct pc_asm *out, size_t cap, char *err, size_t errlen);

/* ---- linking (src/prog/asm.c) ---- */

/*
 * Link a program: resolve labels (forward jumps only), patch the
 * descriptor of the map in slot s (map_fds[s], of PC_MAP_SLOTS; NULL for a
 * program that loads none) into every load of it.  Returns the instruction
 * count, or -1 with a message in err naming the fragment and instruction at
 * fault.
 */
int pc_asm_link(const struct pc_prog *prog, const int *map_fds, struct bpf_insn *out, size_t cap, char *err,
		size_t errlen);

/*
 * Check a linked socket-filter program against what kernel since (PC_KV())
 * accepts: the instructions of 4.1 (no newer opcode is used), the helpers
 * that kernel lets a socket filter call, 4-byte context loads of the __sk_buff fields
 * that kernel lets a socket filter read, forward jumps that land inside the
 * program.  Returns 0, or -1 with a message in err naming the instruction.
 */
int pc_lint(const struct bpf_insn *insns, size_t n, unsigned int since, char *err, size_t errlen);

#endif /* PKTCOUNT_PROG_BUILD_H */

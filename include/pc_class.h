/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Traffic classes: --class NAME=EXPR, --classes FILE and --filter EXPR
 * (docs/counting.md, "Classes").  Each class is a classic BPF program, from
 * libpcap's pcap_compile() or from `tcpdump -dd` output, checked here once;
 * eBPF mode runs it translated inside the counting program
 * (src/prog/cbpf_ebpf.c, insn/classes.c), classic and pcap modes in userspace
 * (src/cbpf.c, src/class.c).
 */
#ifndef PKTCOUNT_CLASS_H
#define PKTCOUNT_CLASS_H

#include <stddef.h>
#include <stdint.h>

#include "pc_uapi.h"
#include "pc_key.h"

#define PC_CLASS_NAME_MAX	32
#define PC_CBPF_MAX_INSNS	BPF_MAXINSNS	/* 4096: what SO_ATTACH_FILTER takes */
#define PC_CBPF_MEMWORDS	BPF_MEMWORDS	/* 16: M[] */
/*
 * The most terms (primitives joined by and, or, && or ||) an expression
 * may have.  Its program, in every mode, has at most PC_CBPF_MAX_INSNS
 * instructions, and libpcap 1.10 fills them with about 720 `host` or
 * `port` terms of an Ethernet link (4,079 for 720 hosts, 3,972 for 700
 * ports; 250 `net`s), 1,100 `ip host`s; only single comparisons such as
 * `ip src host` or `tcp dst port` (1.8 each) fit beyond this.  Past it
 * libpcap's optimizer, cubic in the terms, ran for minutes before the
 * program was refused (1,999 hosts: 6 minutes), so longer expressions are
 * refused before libpcap sees them.
 */
#define PC_CLASS_TERMS_MAX	1024

/*
 * The ancillary loads (SKF_AD_OFF + these, linux/filter.h) a class may use:
 * SKF_AD_PROTOCOL ntohs(skb->protocol), SKF_AD_PKTTYPE skb->pkt_type,
 * SKF_AD_IFINDEX the tap's interface, SKF_AD_VLAN_TAG and _TAG_PRESENT the
 * tag the kernel moved out (its TCI, 1 when there is one), SKF_AD_VLAN_TPID
 * its TPID.
 */

/* One class's classic program, checked (pc_cprog_check). */
struct pc_cprog {
	struct sock_filter *insns;
	unsigned int n;		/* 0: libpcap refused the expression for this link type: never matches */
	uint32_t extent;	/* a load reads below this byte at most; UINT32_MAX: no bound */
	int ancillary;		/* reads SKF_AD_ data: libpcap's userspace filter cannot run it */
	void *pcap;		/* pcap mode: libpcap's struct bpf_program of it (src/class_pcap.c) */
};

struct pc_class {
	char name[PC_CLASS_NAME_MAX + 1];
	char *expr;			/* EXPR, or @FILE, as given */
	struct pc_cprog prog[2];	/* by enum pc_link: DLT_EN10MB, DLT_RAW */
	char refused[160];		/* why the program of one link is empty, for -v */
};

/* The classes of this run, in the order given; row n counts the frames none matched. */
struct pc_class_set {
	struct pc_class *c;
	unsigned int n;
	struct pc_class *filter;	/* --filter, or NULL */
	uint32_t extent;		/* the furthest any class or the filter reads, both links */
	/* why Ethernet expressions were compiled for a capture, not a live device ("" when they were not) */
	char offline[160];
};
/*
 * The run's class set.  Built while the options are read (--class,
 * --classes, --filter: src/options.c), then only read; the configuration
 * names it (struct pc_config's classes).  It stays a global, not an option
 * field, because the counting programs (insn/classes.c, src/ebpf.c), the
 * userspace modes (src/class.c, src/classic.c), the pins (src/pin.c), the
 * output and the row helpers below all read it.  One write after start: a
 * run that names no class takes the class names of the pinned counters it
 * reads (src/pin.c, classes_agree()), at the first of them it opens.
 */
extern struct pc_class_set pc_classes;

/* Rows of the class counters, and the index of (dir, class); class n is "unmatched". */
static inline unsigned int pc_class_rows(void)
{
	return PC_DIR_COUNT * (pc_classes.n + 1);
}
static inline unsigned int pc_class_index(enum pc_dir dir, unsigned int cls)
{
	return (unsigned int)dir * (pc_classes.n + 1) + cls;
}

/*
 * Add a class NAME=EXPR (or the filter, name NULL); EXPR is an expression
 * or @FILE.  Returns 0, or -1 with one line said (exit 2).  where: the
 * option or "FILE:LINE" it came from, for the message.
 */
int pc_class_add(const char *name, const char *expr, const char *where);
/* --classes FILE: one `NAME EXPR` a line, # comments; 0 or -1, said. */
int pc_classes_file(const char *path);
/* Free them all. */
void pc_classes_free(void);

/*
 * Check a classic program as the kernel would take it (sk_chk_filter) and
 * as pktcount runs it: known opcodes, jumps inside, M[] in range, no
 * division by a constant 0, ancillary loads of the list above only, no
 * SKF_NET_OFF/SKF_LL_OFF loads, a RET last, no read of a word of M[] a path
 * to it has stored nothing in.  Fills extent and ancillary.
 * 0, or -1 with the reason in err.
 */
int pc_cprog_check(struct pc_cprog *cp, char *err, size_t errlen);

/*
 * Parse `tcpdump -dd` ({ 0x28, 0, 0, 0x0000000c },) or `-ddd` (a count,
 * then "40 0 0 12" lines) text.  0, or -1 with err naming the line.
 */
int pc_cprog_parse(const char *text, struct sock_filter **out, unsigned int *n, char *err, size_t errlen);


#endif /* PKTCOUNT_CLASS_H */

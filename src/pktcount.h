/* SPDX-License-Identifier: GPL-2.0 */
/* What the front end and the back ends share: taps, modes, exit codes. */
#ifndef PKTCOUNT_H
#define PKTCOUNT_H

#include <net/if.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>	/* mode_t */

#include <linux/capability.h>	/* CAP_NET_RAW ..., for pc_have_cap() */

#include "pc_key.h"

#ifndef PC_VERSION
#define PC_VERSION "0.1"
#endif

/* Exit codes (README and pktcount.8 list them). */
enum pc_exit {
	PC_EXIT_OK = 0,
	PC_EXIT_FAIL = 1,		/* a system call failed while counting */
	PC_EXIT_USAGE = 2,		/* bad option or value */
	PC_EXIT_NOIFACE = 3,		/* no such interface, or none to count */
	PC_EXIT_PRIV = 4,		/* missing privilege (CAP_NET_RAW, CAP_BPF) */
	PC_EXIT_UNSUPPORTED = 5,	/* the kernel or build lacks the mode asked for */
	PC_EXIT_VERIFIER = 6,		/* the kernel's verifier rejected the program */
};

/* Longer messages are cut: every one is a line about one thing. */
#define PC_MSG_MAX 1024

/*
 * Why something the front end asked for failed (a mode opening a tap, its
 * probe, an interface looked up): its pc_exit and its one line, handed back
 * to the caller unsaid.  The caller decides: say it (pc_fail_say()), name
 * it in the fallback it takes instead (auto mode: "classic, because ..."),
 * or drop it (a name that vanished again while being followed).  Warnings
 * that do not stop anything are said where they happen, with pc_err().
 */
struct pc_fail {
	int code;		/* a pc_exit; PC_EXIT_OK: nothing failed */
	int optmem;		/* eBPF: its program over net.core.optmem_max (src/optmem.c) */
	char msg[PC_MSG_MAX];
};
/* why->code = code, why->msg = the message; returns code. */
int pc_fail(struct pc_fail *why, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Say why->msg as pc_err() would; returns why->code. */
int pc_fail_say(const struct pc_fail *why);

/* The modes (src/modes.c has a row for each, auto excepted: a policy over them) */
enum pc_mode { PC_MODE_AUTO, PC_MODE_EBPF, PC_MODE_CLASSIC, PC_MODE_PCAP, PC_MODE_TC, PC_MODE_PINNED };

/* An interface's own counters (IFLA_STATS64). */
struct pc_link_stats {
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
};

struct pc_tap;
struct pc_config;

/* Frames a drain takes at most before the loop looks at its clock and signals again. */
#define PC_DRAIN_MAX 4096

struct pc_backend {
	const char *name;	/* the mode its records report (JSON "mode", Prometheus mode=): pinned's is "tc" */
	/*
	 * Attach to tap->ifindex: PC_EXIT_OK, or the pc_exit with why filled
	 * and nothing said (the front end says it, or falls back to another
	 * mode), and nothing held.
	 */
	int (*open)(struct pc_tap *tap, struct pc_fail *why);
	/*
	 * Bring tap->total up to date: every key since the first attachment;
	 * 0 or -errno.  The back end owns the totals: a read leaves them
	 * cumulative and never decreasing, and a tap opened again counts on
	 * top of them.  Userspace modes count into them as they drain, so their
	 * read is their drain.
	 */
	int (*read)(struct pc_tap *tap);
	/*
	 * Userspace modes: take in what tap->fds have ready, at most
	 * PC_DRAIN_MAX frames (NULL for eBPF, which counts in the kernel);
	 * 0 or -errno.
	 */
	int (*drain)(struct pc_tap *tap);
	/*
	 * 1: its read costs system calls per handle (pcap: a poll() inside
	 * libpcap each), so an interval reads it only when epoll said it was
	 * ready; the end reads it always.  0: read every interval (classic's
	 * ring is read from memory, and a 3.17 V3 ring can hold frames epoll
	 * does not report).
	 */
	int read_when_ready;
	/*
	 * Called on every tap before their reads (NULL: nothing to do).  eBPF
	 * with --by flips its entry maps here, so one grace period serves every
	 * tap (src/ebpf_by.c).
	 */
	void (*prepare)(struct pc_tap *tap);
	/*
	 * Add the frames the kernel dropped before we saw them, since the last
	 * call, to tap->drops (NULL: it drops none); 0 or -errno.
	 */
	int (*drops)(struct pc_tap *tap);
	void (*close)(struct pc_tap *tap);
	/*
	 * The device was deleted, and one of the same name may come back in
	 * the same batch of link events (src/follow.c): let go of what held
	 * the device, keep what counts on any (programs, maps) for the next
	 * open to use instead of loading anew; 1 when parked, 0 when the tap
	 * must close (NULL: never parks).  A parked tap not opened again by the
	 * end of the batch is closed.
	 */
	int (*park)(struct pc_tap *tap);
	/*
	 * The interface of an open tap is up (NULL: nothing to do).  pcap mode
	 * opens here what libpcap refused while the interface was down.  A
	 * pc_exit, why filled as by open; the tap stays open.
	 */
	int (*up)(struct pc_tap *tap, struct pc_fail *why);
	/*
	 * Once, before the first tap opens in this mode, with the count of taps
	 * to open (NULL: nothing to do).  tc mode chooses how to attach there.
	 */
	void (*begin)(const struct pc_config *cfg, int ntaps);
	/*
	 * Whether what the tap holds still counts the device of tap->ifindex
	 * (a rescan after lost link events asks): a device deleted and made
	 * again under the same index leaves a packet socket bound to nothing
	 * (pc_sock_bound_to()).  1 when it cannot be told (NULL: the same).
	 */
	int (*bound)(const struct pc_tap *tap);
};

/* One breakdown entry (src/entries.c): its key, counters since start, and at the last interval. */
struct pc_entry {
	struct pc_bkey key;
	struct pc_counter c[PC_DIR_COUNT];
	struct pc_counter prev[PC_DIR_COUNT];
	double active;		/* when it last counted, as of a mark */
	int used;
};

/* An interface's breakdown table: at most max built keys, then the overflow entry. */
struct pc_entries {
	struct pc_entry *e;	/* open addressing, cap slots, n used */
	uint32_t cap, n, max;
	struct pc_entry fixed[PC_NFIXED];	/* class entries by l3, other, idle */
	uint64_t overflow;	/* frames whose key found the table full */
	uint64_t retired;	/* keys that left for idle */
};
void pc_entries_init(struct pc_entries *t, uint32_t max);
void pc_entries_free(struct pc_entries *t);
/* Count a frame of key k (never lost: a key without room goes to the overflow entry). */
void pc_entries_add(struct pc_entries *t, const struct pc_bkey *k, enum pc_dir dir,
		    uint64_t bytes, uint64_t packets);
/* The next used entry from cursor *i (start at 0), or NULL. */
const struct pc_entry *pc_entries_next(const struct pc_entries *t, uint32_t *i);
/*
 * Every entry's prev = its counters now: an interval was reported.  A built
 * key that counted nothing for idle seconds (0: never) leaves the table,
 * its counts summed into the idle entry; now is CLOCK_MONOTONIC seconds.
 */
void pc_entries_mark(struct pc_entries *t, double now, double idle);
/* Add src's entries, counters and prev, into dst. */
void pc_entries_fold(struct pc_entries *dst, const struct pc_entries *src);
/* A frame as a userspace tap took it in. */
struct pc_frame {
	const uint8_t *p;
	uint32_t caplen, len;	/* what was kept, what the frame had (but a moved-out tag) */
	enum pc_link link;
	uint16_t protocol;	/* the skb's, host order (0: unknown) */
	int outgoing;
	int pkttype;		/* PACKET_HOST ..., as sll_pkttype */
	int ifindex;
	int vlan_moved;		/* the kernel moved a tag out of it: */
	uint16_t vlan_tci, vlan_tpid;
	int from_pcap;		/* libpcap took it in: a moved-out tag is back in the frame */
};

/*
 * A frame a userspace tap took in (classic, pcap): unless --filter turns it
 * away, its protocol key, with --by its breakdown entry, and with classes
 * the classes it matches, counted in tap's table.
 */
void pc_tap_count(struct pc_tap *tap, const struct pc_frame *f);
/*
 * Classes (include/pc_class.h): a userspace mode keeps keep bytes of a
 * frame: PC_EXIT_OK when every class and the filter read within them, else
 * PC_EXIT_USAGE, why naming the class.
 */
int pc_classes_fit(uint32_t keep, const char *mode, struct pc_fail *why);
/* --max-keys and --top: their defaults and largest values */
#define PC_MAX_KEYS_DEFAULT 65536u
#define PC_MAX_KEYS_MAX (1u << 24)
#define PC_TOP_DEFAULT 10u
#define PC_IDLE_DEFAULT 300.0
#define PC_TOP_MAX 100000u

/*
 * The counts of one tap (src/counts.h): what its back end fills, through
 * these fields and nothing else, only ever adding (a tap opened again
 * counts on top of what it had); then the marks of the last interval
 * reported, which the counts module alone moves.
 */
#define PC_COUNTS_MEMBERS							\
	/* filled by the back end: since the first attachment */		\
	struct pc_counter total[PC_NKEYS];	/* by protocol key */		\
	/*									\
	 * The keys that ever counted (pc_key_saw()): a thousand idle taps are	\
	 * reported and marked over the few keys each has seen, not over all	\
	 * PC_NKEYS of each (16 KB copied per tap per interval).		\
	 */									\
	uint64_t seen[(PC_NKEYS + 63) / 64];					\
	struct pc_counter cls[PC_CLASS_ROWS];	/* classes, by pc_class_index() */ \
	uint64_t drops;		/* frames the kernel dropped before the tap saw them */ \
	struct pc_entries ent;	/* the breakdown, with --by */		\
	/* the marks: as at the last interval reported (pc_counts_mark()) */	\
	struct pc_counter prev[PC_NKEYS];					\
	struct pc_counter cls_prev[PC_CLASS_ROWS];				\
	uint64_t prev_drops;
struct pc_counts {
	PC_COUNTS_MEMBERS
};

struct pc_tap {
	const struct pc_config *cfg;	/* the run's options, frozen (src/options.h); set before any open */
	char name[IF_NAMESIZE];
	int ifindex;
	unsigned short arphrd;
	enum pc_link link;
	int promisc;
	enum pc_by by;		/* PC_BY_PROTO: the protocol key only */
	int attached;		/* 0 once its interface was deleted, until one of its name returns */
	int unannounced;	/* attached, but its "attached" event waits for the device to come up (pcap) */
	int closing;		/* detached, its handles waiting to be closed with the others of a burst */
	int gone;		/* its device was deleted: what was attached to it went with it */
	int parked;		/* detached, its programs and maps kept for a device of its name (be->park) */
	int fresh;		/* made for an interface that appeared, not opened yet */
	const struct pc_backend *be;
	enum pc_unit unit;	/* what it counts a packet as, set at open */
	/* what the main loop polls, calling be->drain when one is readable */
#define PC_TAP_MAX_FDS 2
	int fds[PC_TAP_MAX_FDS], nfds;
	/*
	 * The back end's own state (its socket, maps, ring, handles, what -v
	 * says of it): opened with it, freed at its close; only its mode's
	 * files see inside.
	 */
	void *priv;
	int settle_ms;		/* how long frames may take to reach userspace */
	int woke;		/* its descriptor was ready since the last interval: its drops are read */
	/*
	 * Its counts, as one struct (tap->counts, for the counts module and the
	 * report) and as the fields the back ends fill (tap->total): the same
	 * memory, as the kernel's struct_group() makes it.
	 */
	union {
		struct { PC_COUNTS_MEMBERS };
		struct pc_counts counts;
	};
	/* --check: the interface's own counters since pktcount started counting it */
	int check;
	char kind[16];		/* the device's kind ("" for a NIC's own device) */
	enum pc_unit k_unit;	/* what the device's counters count: a NIC, wire frames */
	struct pc_link_stats k_at_attach, k_before, k_now;	/* k_before: earlier attachments */
};

/* Key k of tap counted (once it has, it is reported every interval) */
static inline void pc_key_saw(struct pc_tap *tap, unsigned int k)
{
	tap->seen[k / 64] |= 1ULL << (k % 64);
}

extern int pc_verbose;

void pc_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* -v only */
void pc_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* always */
/* pc_err()'s line with tail after the message */
void pc_vsay(const char *tail, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* "ENOSYS" for ENOSYS: the reasons -v gives name the errno */
const char *pc_errno_name(int err);

/* eBPF back end (src/ebpf.c) */
extern const struct pc_backend pc_ebpf_backend;
/* Probe what eBPF counting needs (once; asked again, the same answer): 0, or a pc_exit, why filled. */
int pc_ebpf_probe(struct pc_fail *why);

/* classic back end (src/classic.c) */
extern const struct pc_backend pc_classic_backend;
/*
 * --ring-size: the bytes of kernel buffer each userspace ring gets, classic's
 * TPACKET_V3 ring (or its recvmsg() receive buffer) and each of pcap's two
 * handles; decided at open, resident from then on.
 */
#define PC_RING_DEFAULT_MIN	(256u << 10)
#define PC_RING_DEFAULT_MAX	(4u << 20)
#define PC_RING_MEM_SHARE	128	/* the default: 1/128 of memory over the interfaces */
#define PC_RING_MIN	(64u << 10)
#define PC_RING_MAX	(1u << 30)
/* The ring size tap is opened with: --ring-size, else the device's share (pc_ring_size_default()). */
size_t pc_ring_size(const struct pc_tap *tap);
/* Without --ring-size (asked 0): the share for the next interfaces, ntaps being counted, on this device. */
void pc_ring_size_default(size_t asked, int ntaps);
/* SIZE in bytes with an optional K, M or G, rounded up to whole blocks; 0 or -EINVAL/-ERANGE */
int pc_ring_size_parse(const char *s, size_t *out);
#ifdef PC_HAVE_PCAP
/* pcap back end (src/pcap.c), when libpcap was found at build time */
extern const struct pc_backend pc_pcap_backend;
#endif

/* Interfaces (src/iface.c); each returns a pc_exit, said why (pc_iface_lookup: why filled) */
int pc_iface_lookup(struct pc_tap *tap, const char *name, struct pc_fail *why);
int pc_iface_default(char *name, size_t size);
/* Whether interface ifindex exists and is up (1 when that cannot be told). */
int pc_iface_up(int ifindex);
/*
 * Whether packet socket fd is still bound to ifindex.  When its device is
 * unregistered (deleted, or moved to another namespace, even if it comes
 * back under the same index) packet_notifier() (net/packet/af_packet.c)
 * sets the socket's ifindex to -1, which getsockname() reports; the socket
 * then receives nothing until bound again.  1 when that cannot be told.
 */
int pc_sock_bound_to(int fd, int ifindex);

/*
 * The packet socket of a tap: opened with protocol 0 (SOCK_RAW on Ethernet-
 * like links, SOCK_DGRAM on the others) into *fd, then, once its filter is
 * attached, bound to the interface for every protocol (and made promiscuous
 * when asked).  Each returns a pc_exit, why filled on failure.
 */
int pc_tap_socket(const struct pc_tap *tap, int *fd, struct pc_fail *why);
int pc_tap_bind(const struct pc_tap *tap, int fd, struct pc_fail *why);

/* Link events and counters (src/netlink.c, plain rtnetlink) */

struct pc_link_event {
	int ifindex, deleted, up, have_stats;
	char name[IF_NAMESIZE];
	char kind[16];		/* IFLA_INFO_KIND of a virtual device; "" for a NIC (and lo) */
	struct pc_link_stats stats;
};
/* A non-blocking socket subscribed to link changes; fd or -errno. */
int pc_nl_open_events(void);
/* Up to max events that are waiting; their number, or -errno (ENOBUFS: some lost). */
int pc_nl_read_events(int fd, struct pc_link_event *ev, int max);
/* An interface's own counters (IFLA_STATS64), and kind (NULL or 16 bytes); 0 or -errno. */
int pc_nl_link_stats(int ifindex, struct pc_link_stats *st, char *kind);
/*
 * Every link now (an RTM_GETLINK dump, asked again while links change under
 * it); the caller frees *links.  0, 1 when links kept changing under every
 * try (the list may lack a link that was there all along), or -errno.
 */
int pc_nl_dump_links(struct pc_link_event **links, int *n);

/* Privileges (src/privs.c), from what the modes in use keep (struct pc_keep, src/modes.h) */
struct pc_keep;
/*
 * The capabilities attaching again needs on this kernel, as a bit set: the
 * modes' PC_NEED_* made CAP_NET_RAW, CAP_NET_ADMIN, and CAP_BPF (5.8+,
 * CAP_SYS_ADMIN before) always or only where unprivileged bpf() is off.
 */
uint64_t pc_privs_caps(const struct pc_keep *keep);
/*
 * Become user keeping only the capabilities in caps; a pc_exit, said why.
 * asked: the user was named with -Z (else nobody, or uid 65534 without one).
 */
int pc_privs_drop(const char *user, int asked, uint64_t caps);

/*
 * The seccomp allowlist of the counting loop (src/seccomp.c): its own
 * system calls, those the modes keep, and bpf() for their commands only;
 * a pc_exit.
 */
int pc_seccomp_install(const struct pc_keep *keep);

/* Privilege hints (src/iface.c) */
int pc_have_cap(int cap);

/* Files named on the command line (src/file.c) */
/* What a file of this mode is, for a message: "a FIFO", "a directory" ... */
const char *pc_file_kind(mode_t mode);
/* Below every -errno (the kernel's are above -4096): the file is no regular file, *mode says what it is. */
#define PC_FILE_NOT_REGULAR (-4096)
/*
 * Open path to read, only if it is a regular file, never waiting (a FIFO,
 * a device); the descriptor (O_CLOEXEC, blocking as usual), -errno, or
 * PC_FILE_NOT_REGULAR with what it is in *mode.
 */
int pc_open_regular(const char *path, mode_t *mode);

#endif /* PKTCOUNT_H */

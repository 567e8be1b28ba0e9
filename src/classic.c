// SPDX-License-Identifier: GPL-2.0
/*
 * The classic back end, for kernels without usable eBPF: a classic filter
 * (SO_ATTACH_FILTER, from tcpdump -dd: insn/classic.c) keeps only the header
 * bytes the key needs, the kernel hands them over through a TPACKET_V3 ring
 * (3.2+) or, before that, recvmsg() with PACKET_AUXDATA (2.6.21+), and the
 * userspace classifier counts them.  The original length and a moved-out
 * VLAN tag come from the ring header or the aux data.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/if_packet.h>

#include "pc_classic.h"
#include "optmem.h"
#include "options.h"
#include "pc_class.h"
#include "pktcount.h"

/*
 * The ring, sized at open from --ring-size (pc_ring_size()), never resized
 * while live: packet_set_ring() (net/packet/af_packet.c) refuses a mapped
 * ring (EBUSY), and replacing one means unregistering the protocol hook
 * while the block vectors are swapped (frames in that window are never
 * delivered) and skb_queue_purge() of the receive queue.  alloc_pg_vec()
 * allocates every block zeroed (__GFP_ZERO) at PACKET_RX_RING time, so the
 * whole ring is resident memory from the start: the size is a memory budget.
 *
 * Blocks of RING_BLOCK_MIN (or a page, if larger: packet_set_ring wants
 * PAGE_ALIGNED block sizes), doubled for large rings so the kernel's
 * kcalloc'd block vector stays at most RING_BLOCK_NR_MAX entries.  A block
 * is handed over when full or RING_RETIRE_MS after it was opened, so counts
 * lag by at most that and the final read waits it out.
 *
 * A frame's slot in a V3 block is ALIGN(tp_mac + snaplen, 8) (tpacket_rcv,
 * TOTAL_PKT_LEN_INCL_ALIGN), where tp_mac is the tpacket3 header and
 * sockaddr_ll rounded to 16 plus the gap before the network header: 82 on
 * Ethernet, at most RING_MACOFF_MAX.  A 32-byte snap costs 120 bytes, so
 * 8 blocks of 32 KiB (the smallest default) hold 8 x 272 = 2,176 frames: at
 * 100,000 frames a second, 20 ms of the counting loop not being scheduled;
 * 4 MiB (the largest default) holds 34,816.
 */
#define RING_BLOCK_MIN		(32u << 10)
#define RING_BLOCK_NR_MIN	2u	/* a full ring freezes on the block userspace holds */
#define RING_BLOCK_NR_MAX	1024u
#define RING_FRAME_SIZE		2048u	/* V3 packs frames by length; this only sets tp_frame_nr */
/* the ring's and the aux data's layouts, fixed since 3.2 (TPACKET_V3) and 2.6.27 */
_Static_assert(sizeof(struct tpacket_req3) == 28, "uapi struct tpacket_req3");
_Static_assert(sizeof(struct tpacket_block_desc) == 48, "uapi struct tpacket_block_desc");
_Static_assert(sizeof(struct tpacket3_hdr) == 48, "uapi struct tpacket3_hdr");
_Static_assert(sizeof(struct tpacket_auxdata) == 20, "uapi struct tpacket_auxdata");

#define RING_RETIRE_MS		10u
/* the block descriptor (BLK_PLUS_PRIV(0)), and where a frame's MAC header starts at most */
#define RING_BLK_HDR		TPACKET_ALIGN(sizeof(struct tpacket_block_desc))
#define RING_MACOFF_MAX		TPACKET_ALIGN(TPACKET3_HDRLEN + 16)
/*
 * tpacket_rcv() clamps a frame to the block's max_frame_len (block size less
 * the descriptor) and stores one only if ALIGN(len, 8) fits before the
 * block's end: the smallest block must take the longest snap whole.
 */
_Static_assert(RING_BLOCK_MIN > RING_BLK_HDR + ((RING_MACOFF_MAX + PC_CLASSIC_SNAP_EXT + 7u) & ~7u),
	       "a ring block must hold a frame of PC_CLASSIC_SNAP_EXT bytes");

/* without --ring-size, each interface's share of the device's memory (pc_ring_size_default()) */
static size_t ring_share;

struct ring_geom {
	unsigned int block_size, block_nr;
};

/* The blocks for a ring of at least bytes (at most PC_RING_MAX). */
static struct ring_geom ring_geom(size_t bytes)
{
	long page = sysconf(_SC_PAGESIZE);	/* from the aux vector: no system call */
	size_t block = RING_BLOCK_MIN, nr;

	if (page > 0 && (size_t)page > block)
		block = (size_t)page;
	while (bytes / block > RING_BLOCK_NR_MAX)
		block <<= 1;
	nr = (bytes + block - 1) / block;
	if (nr < RING_BLOCK_NR_MIN)
		nr = RING_BLOCK_NR_MIN;
	return (struct ring_geom){ (unsigned int)block, (unsigned int)nr };
}

int pc_ring_size_parse(const char *s, size_t *out)
{
	unsigned long long v, mult = 1;
	struct ring_geom g;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	switch (*end) {
	case 'k': case 'K': mult = 1ull << 10; end++; break;
	case 'm': case 'M': mult = 1ull << 20; end++; break;
	case 'g': case 'G': mult = 1ull << 30; end++; break;
	}
	if (*end)
		return -EINVAL;
	if (v > PC_RING_MAX / mult || v * mult < PC_RING_MIN || v * mult > PC_RING_MAX)
		return -ERANGE;
	g = ring_geom((size_t)(v * mult));
	*out = (size_t)g.block_size * g.block_nr;
	return 0;
}

/*
 * Without --ring-size, the rings are sized for the device: 1/128 of its
 * memory shared by the interfaces counted, from 256 KiB to 4 MiB each.  A
 * server counting a few interfaces gets 4 MiB rings, which ride out bursts
 * while the counting loop waits for a CPU; a router with 600 interfaces, or
 * one with 64 MiB of memory, gets 256 KiB each.  Asked again for each
 * interface -a adds, with the count then: a router that starts with three
 * interfaces and gains 300 PPPoE sessions gives the late ones less.  The
 * memory is read at start (sysinfo() is not in the seccomp list).
 */
void pc_ring_size_default(size_t asked, int ntaps)
{
	static unsigned long long budget;	/* 0: --ring-size was given, or not read yet */
	static int sized;
	unsigned long long share;
	struct sysinfo si;
	struct ring_geom g;

	if (asked)
		return;	/* --ring-size */
	if (!sized) {
		budget = sysinfo(&si) == 0 ? (unsigned long long)si.totalram * si.mem_unit / PC_RING_MEM_SHARE : 0;
		sized = 1;
	}
	share = ntaps > 0 ? budget / (unsigned int)ntaps : 0;
	if (share < PC_RING_DEFAULT_MIN)
		share = PC_RING_DEFAULT_MIN;
	if (share > PC_RING_DEFAULT_MAX)
		share = PC_RING_DEFAULT_MAX;
	g = ring_geom((size_t)share);
	if (ring_share != (size_t)g.block_size * g.block_nr)
		pc_log("ring size: %u KiB an interface (1/%d of memory over %d interfaces, %u to %u KiB)",
		       g.block_size / 1024 * g.block_nr, PC_RING_MEM_SHARE, ntaps, PC_RING_DEFAULT_MIN >> 10,
		       PC_RING_DEFAULT_MAX >> 10);
	ring_share = (size_t)g.block_size * g.block_nr;
}

size_t pc_ring_size(const struct pc_tap *tap)
{
	return tap->cfg->ring_size ? tap->cfg->ring_size : ring_share;
}

/* The classic back end's state of a tap (tap->priv): a TPACKET_V3 ring, or a buffer for recvmsg() */
struct classic_tap {
	int sock;		/* the packet socket, filtered */
	uint8_t *ring;
	size_t ring_len;
	unsigned int block_size, block_nr, block;	/* the ring's blocks, and the next to read */
	uint8_t *rxbuf;
};

static struct classic_tap *C(const struct pc_tap *tap)
{
	return tap->priv;
}

/*
 * A frame from the ring or recvmsg(), with what the kernel says of its tag:
 * a tag it moved out (TP_STATUS_VLAN_VALID, 3.0; before, a TCI of 0 meant
 * none), and its TPID from 3.14 (TP_STATUS_VLAN_TPID_VALID; before, 802.1Q).
 */
static void count(struct pc_tap *tap, const uint8_t *data, uint32_t caplen, uint32_t len,
		  const struct sockaddr_ll *sll, uint32_t status, uint16_t tci, uint16_t tpid)
{
	struct pc_frame f = {
		.p = data, .caplen = caplen, .len = len, .link = tap->link,
		.protocol = ntohs(sll->sll_protocol), .outgoing = sll->sll_pkttype == PACKET_OUTGOING,
		.pkttype = sll->sll_pkttype, .ifindex = tap->ifindex,
		.vlan_moved = (status & TP_STATUS_VLAN_VALID) || tci, .vlan_tci = tci,
		.vlan_tpid = status & TP_STATUS_VLAN_TPID_VALID ? tpid : PC_ETHERTYPE_VLAN,
	};

	pc_tap_count(tap, &f);
}

/* The frames taken (at most about PC_DRAIN_MAX), or -errno; likewise drain_recvmsg(). */
static int drain_ring(struct pc_tap *tap)
{
	int frames = 0;

	while (frames < PC_DRAIN_MAX) {
		struct tpacket_block_desc *bd =
			(void *)(C(tap)->ring + (size_t)C(tap)->block * C(tap)->block_size);
		const uint8_t *p;
		uint32_t i;

		if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			return frames;
		p = (const uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
		for (i = 0; i < bd->hdr.bh1.num_pkts; i++) {
			const struct tpacket3_hdr *h = (const void *)p;
			const struct sockaddr_ll *sll =
				(const void *)(p + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));

			count(tap, p + h->tp_mac, h->tp_snaplen, h->tp_len, sll, h->tp_status, (uint16_t)h->hv1.tp_vlan_tci,
			      h->hv1.tp_vlan_tpid);
			p += h->tp_next_offset;
		}
		frames += (int)bd->hdr.bh1.num_pkts;
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		C(tap)->block = (C(tap)->block + 1) % C(tap)->block_nr;
	}
	return frames;
}

static int drain_recvmsg(struct pc_tap *tap)
{
	int frames;

	for (frames = 0; frames < PC_DRAIN_MAX; frames++) {
		union {
			struct cmsghdr h;
			uint8_t buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} ctl;
		struct sockaddr_ll sll;
		struct iovec iov = { C(tap)->rxbuf, PC_CLASSIC_SNAP_EXT };
		struct msghdr m = {
			.msg_name = &sll, .msg_namelen = sizeof(sll),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		const struct tpacket_auxdata *aux = NULL;
		struct cmsghdr *c;
		ssize_t n = recvmsg(C(tap)->sock, &m, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return frames;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA &&
			    c->cmsg_len >= CMSG_LEN(sizeof(*aux)))
				aux = (const void *)CMSG_DATA(c);
		if (!aux)
			return -EPROTO;	/* asked for on every socket: never absent */
		count(tap, C(tap)->rxbuf, (uint32_t)n, aux->tp_len, &sll, aux->tp_status, aux->tp_vlan_tci,
		      aux->tp_vlan_tpid);
	}
	return frames;
}

/* What is ready, bounded: the loop looks at its clock and signals between passes. */
static int classic_drain(struct pc_tap *tap)
{
	int n = C(tap)->ring ? drain_ring(tap) : drain_recvmsg(tap);

	return n < 0 ? n : 0;
}

/*
 * Everything that is ready: the counts of an interval, and the last ones of
 * an interface that was deleted (its ring is closed right after, and can
 * hold 30,000 frames and more).
 */
static int classic_read(struct pc_tap *tap)
{
	/* bounded all the same: a pass takes a block at least, so the ring once over */
	unsigned int passes = C(tap)->ring ? C(tap)->block_nr + 1 : 64;
	int n;

	do
		n = C(tap)->ring ? drain_ring(tap) : drain_recvmsg(tap);
	while (n >= PC_DRAIN_MAX && --passes);
	return n < 0 ? n : 0;
}

static int classic_drops(struct pc_tap *tap)
{
	/* reset on read: add up; the v3 struct starts like the old one */
	struct tpacket_stats_v3 st;
	socklen_t len = C(tap)->ring ? sizeof(st) : sizeof(struct tpacket_stats);

	memset(&st, 0, sizeof(st));
	if (getsockopt(C(tap)->sock, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
		return -errno;
	tap->drops += st.tp_drops;
	return 0;
}

static void classic_close(struct pc_tap *tap)
{
	tap->nfds = 0;
	if (!tap->priv)
		return;
	if (C(tap)->sock >= 0)
		close(C(tap)->sock);
	if (C(tap)->ring)
		munmap(C(tap)->ring, C(tap)->ring_len);
	free(C(tap)->rxbuf);
	free(tap->priv);
	tap->priv = NULL;
}

/* 0 with a ring set up, or -errno: the caller falls back to recvmsg(). */
static int setup_ring(struct pc_tap *tap)
{
	struct ring_geom g = ring_geom(pc_ring_size(tap));
	struct tpacket_req3 req = {
		.tp_block_size = g.block_size,
		.tp_block_nr = g.block_nr,
		.tp_frame_size = RING_FRAME_SIZE,
		.tp_frame_nr = g.block_size / RING_FRAME_SIZE * g.block_nr,
		.tp_retire_blk_tov = RING_RETIRE_MS,
	};
	int v = TPACKET_V3;
	void *ring;

	if (setsockopt(C(tap)->sock, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0) {
		pc_log("%s: PACKET_VERSION TPACKET_V3: %s (%s), using recvmsg()", tap->name,
		       strerror(errno), pc_errno_name(errno));
		return -errno;
	}
	if (setsockopt(C(tap)->sock, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0) {
		pc_log("%s: PACKET_RX_RING of %u blocks of %u bytes: %s (%s), using recvmsg()",
		       tap->name, req.tp_block_nr, req.tp_block_size, strerror(errno),
		       pc_errno_name(errno));
		return -errno;
	}
	ring = mmap(NULL, (size_t)req.tp_block_size * req.tp_block_nr, PROT_READ | PROT_WRITE,
		    MAP_SHARED, C(tap)->sock, 0);
	if (ring == MAP_FAILED) {
		pc_log("%s: mmap of the ring: %s, using recvmsg()", tap->name, strerror(errno));
		return -errno;
	}
	C(tap)->ring = ring;
	C(tap)->ring_len = (size_t)req.tp_block_size * req.tp_block_nr;
	C(tap)->block_size = req.tp_block_size;
	C(tap)->block_nr = req.tp_block_nr;
	C(tap)->block = 0;
	return 0;
}

/* The bytes of a frame the filter keeps: what the key, the breakdown and the classes read. */
static uint32_t snap_of(const struct pc_tap *tap)
{
	uint32_t snap = tap->by == PC_BY_PROTO ? PC_CLASSIC_SNAP : PC_CLASSIC_SNAP_BY;

	if ((pc_classes.n || pc_classes.filter) && pc_classes.extent > snap)
		snap = pc_classes.extent;
	return snap;
}

/*
 * The filter for tap: insn/classic.c's, with every PC_CLASSIC_SNAP (the
 * short-frame test and the returns) raised to snap_of(tap) when that is
 * more (--by, classes), so the addresses, ports and whatever the classes
 * read reach userspace.  Raising it is safe: gen-classic.sh checks that no
 * load of tcpdump's reaches past PC_CLASSIC_SNAP, and the frames shorter
 * than the new snap are kept whole.  The caller checked it is at most
 * PC_CLASSIC_SNAP_EXT (pc_classes_fit).
 */
static struct sock_fprog filter(const struct pc_tap *tap, struct sock_filter *buf, size_t cap)
{
	const struct sock_filter *f = tap->link == PC_LINK_ETH ? pc_classic_eth : pc_classic_raw;
	unsigned int n = tap->link == PC_LINK_ETH ? pc_classic_eth_len : pc_classic_raw_len, i;
	uint32_t snap = snap_of(tap);

	if (snap == PC_CLASSIC_SNAP || n > cap)
		return (struct sock_fprog){ (unsigned short)n, (struct sock_filter *)f };	/* the kernel copies it */
	for (i = 0; i < n; i++) {
		buf[i] = f[i];
		if ((f[i].code == (BPF_RET | BPF_K) || f[i].code == (BPF_JMP | BPF_JGE | BPF_K)) &&
		    f[i].k == PC_CLASSIC_SNAP)
			buf[i].k = snap;
	}
	return (struct sock_fprog){ (unsigned short)n, buf };
}

/*
 * The filter on the tap's socket.  The kernel charges it to the socket as
 * the eBPF program bpf_migrate_filter() converts it to (src/optmem.c): 328
 * bytes on 4.14, about 1 KiB from 4.19, far under eBPF's program with
 * classes, but net.core.optmem_max can be set lower still.
 */
static int attach_filter(struct pc_tap *tap, const struct sock_fprog *prog, struct pc_fail *why)
{
	long max, used;
	int err;

	if (setsockopt(C(tap)->sock, SOL_SOCKET, SO_ATTACH_FILTER, prog, sizeof(*prog)) == 0) {
		if ((used = pc_optmem_used(C(tap)->sock)) >= 0)
			pc_log("%s: the classic filter takes %ld bytes of its socket's option memory", tap->name, used);
		return PC_EXIT_OK;
	}
	err = errno;
	max = err == ENOMEM ? pc_optmem_max() : -1;
	if (max >= 0)
		return pc_fail(why, PC_EXIT_UNSUPPORTED, "setsockopt(SO_ATTACH_FILTER) on %s: %s (ENOMEM): its %u "
			       "instructions, converted to eBPF, take more than net.core.optmem_max (%ld) of socket "
			       "option memory", tap->name, strerror(err), prog->len, max);
	return pc_fail(why, PC_EXIT_UNSUPPORTED, "setsockopt(SO_ATTACH_FILTER) on %s: %s", tap->name, strerror(err));
}

/* A ring that failed half way leaves the socket unusable for recvmsg: start over. */
static int new_socket(struct pc_tap *tap, struct pc_fail *why)
{
	struct sock_filter buf[64];
	const struct sock_fprog prog = filter(tap, buf, sizeof(buf) / sizeof(buf[0]));
	int one = 1, code = pc_tap_socket(tap, &C(tap)->sock, why);

	if (code)
		return code;
	/* the filter before bind: no frame arrives unfiltered */
	code = attach_filter(tap, &prog, why);
	if (code)
		return code;
	if (setsockopt(C(tap)->sock, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0)
		return pc_fail(why, PC_EXIT_UNSUPPORTED, "setsockopt(PACKET_AUXDATA) on %s: %s", tap->name,
			       strerror(errno));
	return PC_EXIT_OK;
}

static int classic_open(struct pc_tap *tap, struct pc_fail *why)
{
	char detail[96];
	const char *unit_why;
	int code;

	if ((code = pc_classes_fit(PC_CLASSIC_SNAP_EXT, "classic", why)))
		return code;
	tap->priv = calloc(1, sizeof(struct classic_tap));
	if (!tap->priv)
		return pc_fail(why, PC_EXIT_FAIL, "%s: %s", tap->name, strerror(ENOMEM));
	C(tap)->sock = -1;
	code = new_socket(tap, why);
	if (code)
		goto out_close;
	if (setup_ring(tap) < 0) {
		close(C(tap)->sock);
		code = new_socket(tap, why);
		if (code)
			goto out_close;
		/*
		 * A frame cut to 32 bytes still costs its whole truesize against the
		 * receive buffer: make it as large as the ring would have been
		 * (PC_RING_MAX fits an int; the kernel doubles it for overhead).
		 */
		{
			int size = (int)pc_ring_size(tap);

			if (setsockopt(C(tap)->sock, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
			    setsockopt(C(tap)->sock, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
				pc_log("%s: SO_RCVBUF: %s", tap->name, strerror(errno));
		}
		C(tap)->rxbuf = malloc(PC_CLASSIC_SNAP_EXT);
		if (!C(tap)->rxbuf) {
			code = pc_fail(why, PC_EXIT_FAIL, "%s: %s", tap->name, strerror(ENOMEM));
			goto out_close;
		}
	}

	code = pc_tap_bind(tap, C(tap)->sock, why);
	if (code)
		goto out_close;
	tap->settle_ms = C(tap)->ring ? 2 * RING_RETIRE_MS : 0;
	tap->fds[0] = C(tap)->sock;
	tap->nfds = 1;
	if (C(tap)->ring)
		snprintf(detail, sizeof(detail), "TPACKET_V3 ring %ux%u KiB, snap %u/%d",
			 C(tap)->block_nr, C(tap)->block_size >> 10,
			 snap_of(tap), PC_CLASSIC_SNAP_EXT);
	else
		snprintf(detail, sizeof(detail), "recvmsg+PACKET_AUXDATA, rcvbuf %u KiB, snap %u/%d",
			 (unsigned int)(pc_ring_size(tap) >> 10),
			 snap_of(tap), PC_CLASSIC_SNAP_EXT);
	tap->unit = PC_UNIT_SKB;
	/*
	 * AF_PACKET gives userspace an skb's gso_size only in a virtio_net_hdr
	 * (PACKET_VNET_HDR), and tpacket_rcv() drops the frame when
	 * virtio_net_hdr_from_skb() cannot describe its GSO type (5.10:
	 * net/packet/af_packet.c "goto drop_n_account"; TCP only, UDP_L4 from
	 * 6.2): counting in wire units would lose UDP GSO, SCTP and ESP frames.
	 */
	unit_why = "AF_PACKET tells userspace the segment size only by dropping the GSO types it cannot describe";
	pc_log("%s: classic (%s); counts in skb units: %s", tap->name, detail, unit_why);
	return PC_EXIT_OK;

out_close:
	classic_close(tap);
	return code;
}

/* A rescan (src/follow.c): the socket lost its device when the device was deleted. */
static int classic_bound(const struct pc_tap *tap)
{
	return !tap->priv || C(tap)->sock < 0 || pc_sock_bound_to(C(tap)->sock, tap->ifindex);
}

const struct pc_backend pc_classic_backend = {
	.name = "classic",
	.open = classic_open,
	.read = classic_read,
	.drain = classic_drain,
	.drops = classic_drops,
	.close = classic_close,
	.bound = classic_bound,
};

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
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "packet_abi.h"
#include "pc_classic.h"
#include "pktcount.h"

/*
 * 64 blocks of 64 KiB: 4 MiB, about 20,000 frames of a 32-byte snap at
 * ~200 bytes a slot.  A block is handed over when full or 10 ms after its
 * first frame, so counts lag by at most that and the final read waits it out.
 */
#define RING_BLOCK_SIZE		(1u << 16)
#define RING_BLOCK_NR		64u
#define RING_FRAME_SIZE		2048u
#define RING_RETIRE_MS		10u

static void count(struct pc_tap *tap, const uint8_t *data, uint32_t caplen, uint32_t len,
		  const struct sockaddr_ll *sll, int vlan_moved)
{
	uint64_t bytes;
	unsigned int key = pc_classify(data, caplen, len, tap->link, ntohs(sll->sll_protocol),
				       vlan_moved, sll->sll_pkttype == PACKET_OUTGOING, &bytes);

	tap->total[key].bytes += bytes;
	tap->total[key].packets++;
}

static int drain_ring(struct pc_tap *tap)
{
	unsigned int frames = 0;

	while (frames < PC_DRAIN_MAX) {
		struct pc_tpacket_block_desc *bd =
			(void *)(tap->ring + (size_t)tap->block * tap->block_size);
		const uint8_t *p;
		uint32_t i;

		if (!(__atomic_load_n(&bd->bh1.block_status, __ATOMIC_ACQUIRE) & PC_TP_STATUS_USER))
			return 0;
		p = (const uint8_t *)bd + bd->bh1.offset_to_first_pkt;
		for (i = 0; i < bd->bh1.num_pkts; i++) {
			const struct pc_tpacket3_hdr *h = (const void *)p;
			const struct sockaddr_ll *sll =
				(const void *)(p + PC_TPACKET_ALIGN(sizeof(struct pc_tpacket3_hdr)));
			int vlan = (h->tp_status & PC_TP_STATUS_VLAN_VALID) || h->tp_vlan_tci;

			count(tap, p + h->tp_mac, h->tp_snaplen, h->tp_len, sll, vlan);
			p += h->tp_next_offset;
		}
		frames += bd->bh1.num_pkts;
		__atomic_store_n(&bd->bh1.block_status, PC_TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		tap->block = (tap->block + 1) % tap->block_nr;
	}
	return 0;
}

static int drain_recvmsg(struct pc_tap *tap)
{
	unsigned int frames;

	for (frames = 0; frames < PC_DRAIN_MAX; frames++) {
		union {
			struct cmsghdr h;
			uint8_t buf[CMSG_SPACE(sizeof(struct pc_tpacket_auxdata))];
		} ctl;
		struct sockaddr_ll sll;
		struct iovec iov = { tap->rxbuf, PC_CLASSIC_SNAP_EXT };
		struct msghdr m = {
			.msg_name = &sll, .msg_namelen = sizeof(sll),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		const struct pc_tpacket_auxdata *aux = NULL;
		struct cmsghdr *c;
		ssize_t n = recvmsg(tap->sock, &m, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PC_PACKET_AUXDATA &&
			    c->cmsg_len >= CMSG_LEN(sizeof(*aux)))
				aux = (const void *)CMSG_DATA(c);
		if (!aux)
			return -EPROTO;	/* asked for on every socket: never absent */
		count(tap, tap->rxbuf, (uint32_t)n, aux->tp_len, &sll,
		      (aux->tp_status & PC_TP_STATUS_VLAN_VALID) || aux->tp_vlan_tci);
	}
	return 0;
}

static int classic_drain(struct pc_tap *tap)
{
	return tap->ring ? drain_ring(tap) : drain_recvmsg(tap);
}

static int classic_drops(struct pc_tap *tap, uint64_t *total)
{
	/* reset on read: add up; the v3 struct starts like the old one */
	struct pc_tpacket_stats_v3 st;
	socklen_t len = tap->ring ? sizeof(st) : sizeof(struct pc_tpacket_stats);

	memset(&st, 0, sizeof(st));
	if (getsockopt(tap->sock, SOL_PACKET, PC_PACKET_STATISTICS, &st, &len) < 0)
		return -errno;
	tap->drops += st.tp_drops;
	*total = tap->drops;
	return 0;
}

static void classic_close(struct pc_tap *tap)
{
	if (tap->ring)
		munmap(tap->ring, tap->ring_len);
	if (tap->sock >= 0)
		close(tap->sock);
	free(tap->rxbuf);
	tap->ring = NULL;
	tap->rxbuf = NULL;
	tap->sock = -1;
	tap->nfds = 0;
}

/* 0 with a ring set up, or -errno: the caller falls back to recvmsg(). */
static int setup_ring(struct pc_tap *tap)
{
	struct pc_tpacket_req3 req = {
		.tp_block_size = RING_BLOCK_SIZE,
		.tp_block_nr = RING_BLOCK_NR,
		.tp_frame_size = RING_FRAME_SIZE,
		.tp_frame_nr = RING_BLOCK_SIZE / RING_FRAME_SIZE * RING_BLOCK_NR,
		.tp_retire_blk_tov = RING_RETIRE_MS,
	};
	int v = PC_TPACKET_V3;
	void *ring;

	if (setsockopt(tap->sock, SOL_PACKET, PC_PACKET_VERSION, &v, sizeof(v)) < 0) {
		pc_log("%s: PACKET_VERSION TPACKET_V3: %s (%s), using recvmsg()", tap->name,
		       strerror(errno), pc_errno_name(errno));
		return -errno;
	}
	if (setsockopt(tap->sock, SOL_PACKET, PC_PACKET_RX_RING, &req, sizeof(req)) < 0) {
		pc_log("%s: PACKET_RX_RING: %s (%s), using recvmsg()", tap->name,
		       strerror(errno), pc_errno_name(errno));
		return -errno;
	}
	ring = mmap(NULL, (size_t)req.tp_block_size * req.tp_block_nr, PROT_READ | PROT_WRITE,
		    MAP_SHARED, tap->sock, 0);
	if (ring == MAP_FAILED) {
		pc_log("%s: mmap of the ring: %s, using recvmsg()", tap->name, strerror(errno));
		return -errno;
	}
	tap->ring = ring;
	tap->ring_len = (size_t)req.tp_block_size * req.tp_block_nr;
	tap->block_size = req.tp_block_size;
	tap->block_nr = req.tp_block_nr;
	tap->block = 0;
	return 0;
}

/* A ring that failed half way leaves the socket unusable for recvmsg: start over. */
static int new_socket(struct pc_tap *tap)
{
	const struct sock_fprog prog = tap->link == PC_LINK_ETH
		? (struct sock_fprog){ (unsigned short)pc_classic_eth_len, pc_classic_eth }
		: (struct sock_fprog){ (unsigned short)pc_classic_raw_len, pc_classic_raw };
	int one = 1, code = pc_tap_socket(tap);

	if (code)
		return code;
	/* the filter before bind: no frame arrives unfiltered */
	if (setsockopt(tap->sock, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0) {
		pc_err("setsockopt(SO_ATTACH_FILTER) on %s: %s", tap->name, strerror(errno));
		return PC_EXIT_UNSUPPORTED;
	}
	if (setsockopt(tap->sock, SOL_PACKET, PC_PACKET_AUXDATA, &one, sizeof(one)) < 0) {
		pc_err("setsockopt(PACKET_AUXDATA) on %s: %s", tap->name, strerror(errno));
		return PC_EXIT_UNSUPPORTED;
	}
	return PC_EXIT_OK;
}

static int classic_open(struct pc_tap *tap)
{
	int code;

	tap->sock = -1;
	tap->ring = tap->rxbuf = NULL;
	code = new_socket(tap);
	if (code)
		goto out_close;
	if (setup_ring(tap) < 0) {
		close(tap->sock);
		code = new_socket(tap);
		if (code)
			goto out_close;
		/*
		 * A frame cut to 32 bytes still costs its whole truesize against the
		 * receive buffer: make it as large as the ring would have been.
		 */
		{
			int size = (int)(RING_BLOCK_SIZE * RING_BLOCK_NR);

			if (setsockopt(tap->sock, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
			    setsockopt(tap->sock, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
				pc_log("%s: SO_RCVBUF: %s", tap->name, strerror(errno));
		}
		tap->rxbuf = malloc(PC_CLASSIC_SNAP_EXT);
		if (!tap->rxbuf) {
			pc_err("%s: %s", tap->name, strerror(ENOMEM));
			code = PC_EXIT_FAIL;
			goto out_close;
		}
	}

	code = pc_tap_bind(tap);
	if (code)
		goto out_close;
	tap->settle_ms = tap->ring ? 2 * RING_RETIRE_MS : 0;
	tap->fds[0] = tap->sock;
	tap->nfds = 1;
	snprintf(tap->detail, sizeof(tap->detail), "%s, snap %d/%d",
		 tap->ring ? "TPACKET_V3 ring" : "recvmsg+PACKET_AUXDATA",
		 PC_CLASSIC_SNAP, PC_CLASSIC_SNAP_EXT);
	pc_log("%s: classic (%s)", tap->name, tap->detail);
	return PC_EXIT_OK;

out_close:
	classic_close(tap);
	return code;
}

const struct pc_backend pc_classic_backend = {
	.name = "classic",
	.open = classic_open,
	.read = classic_drain,
	.drain = classic_drain,
	.drops = classic_drops,
	.close = classic_close,
};

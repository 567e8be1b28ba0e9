// SPDX-License-Identifier: GPL-2.0
/* Frames a test sends out of an interface, and a socket of its own counting what arrives. */
#include <criterion/criterion.h>
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "traffic.h"
#include "wait.h"

int send_known_traffic(void *arg)
{
	const struct known_traffic *k = arg;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	unsigned char udp[60] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, [14 + 9] = 17 };
	unsigned char arp[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06 };
	int s = socket(AF_PACKET, SOCK_RAW, 0), i;

	sll.sll_ifindex = (int)if_nametoindex(k->ifname);
	if (s < 0 || !sll.sll_ifindex)
		return 10;
	for (i = 0; i < k->udp + k->arp; i++) {
		const unsigned char *f = i < k->udp ? udp : arp;
		size_t len = i < k->udp ? sizeof(udp) : sizeof(arp);

		if (sendto(s, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)len)
			return 11;
		if (k->gap_us)
			usleep((useconds_t)k->gap_us);
	}
	close(s);
	return 0;
}

/*
 * What watch_start() runs in its child: counts what arrives until ctl
 * closes, then writes it to res.  A frame its full buffer had no room for
 * arrived all the same: the kernel's drop count (PACKET_STATISTICS, read
 * once the queue is empty, so none is missed) counts it.
 */
static void watch_loop(const char *ifname, int ctl, int res, volatile long *seen)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), size = 16 << 20;
	long frames = 0;
	char ready = 'r';

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (s < 0 || !sll.sll_ifindex || setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 ||
	    bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		_exit(10);
	if (write(res, &ready, 1) != 1)
		_exit(11);
	for (;;) {
		struct pollfd pfd[2] = { { .fd = s, .events = POLLIN }, { .fd = ctl, .events = POLLIN } };
		struct sockaddr_ll from;
		struct tpacket_stats st;
		socklen_t len = sizeof(from), sl = sizeof(st);
		static char frame[65536];

		if (poll(pfd, 2, -1) < 0)
			_exit(12);
		if (pfd[0].revents & POLLIN) {
			while (recvfrom(s, frame, sizeof(frame), MSG_DONTWAIT, (struct sockaddr *)&from, &len) >= 0) {
				frames += from.sll_pkttype != PACKET_OUTGOING;
				len = sizeof(from);
			}
			if (errno != EAGAIN || getsockopt(s, SOL_PACKET, PACKET_STATISTICS, &st, &sl) < 0)
				_exit(13);
			frames += st.tp_drops;	/* the count since the last reading */
			*seen = frames;
			continue;
		}
		if (pfd[1].revents)
			break;
	}
	_exit(write(res, &frames, sizeof(frames)) == sizeof(frames) ? 0 : 14);
}

void watch_start(struct watch *w, const char *ns, const char *ifname)
{
	int ctl[2], res[2];
	char ready;

	/* close-on-exec: a pktcount started later must not hold ctl open (its end is the watcher's signal) */
	cr_assert_eq(pipe2(ctl, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(res, O_CLOEXEC), 0);
	w->seen = mmap(NULL, sizeof(*w->seen), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq((void *)w->seen, MAP_FAILED);
	*w->seen = 0;
	w->pid = fork();
	cr_assert_geq(w->pid, 0);
	if (w->pid == 0) {
		close(ctl[1]);
		close(res[0]);
		if (join_netns(ns) < 0)
			_exit(9);
		watch_loop(ifname, ctl[0], res[1], w->seen);
	}
	close(ctl[0]);
	close(res[1]);
	w->ctl = ctl[1];
	w->res = res[0];
	cr_assert_eq(read(w->res, &ready, 1), 1, "the watching socket did not start");
}

struct watch_want {
	const struct watch *w;
	long n;
};

static int watch_saw(void *arg)
{
	const struct watch_want *ww = arg;

	return *ww->w->seen >= ww->n;
}

int watch_wait(const struct watch *w, long n, int max_ms)
{
	struct watch_want ww = { w, n };
	int ret = wait_until(watch_saw, &ww, max_ms);

	if (ret)
		cr_log_info("the watching socket saw %ld of %ld frames in %d ms", *w->seen, n, max_ms);
	return ret;
}

long watch_stop(struct watch *w)
{
	long frames = -1;
	int st;

	close(w->ctl);
	cr_assert_eq(read(w->res, &frames, sizeof(frames)), (ssize_t)sizeof(frames));
	close(w->res);
	cr_assert_eq(waitpid(w->pid, &st, 0), w->pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "watcher: %d", st);
	munmap((void *)w->seen, sizeof(*w->seen));
	return frames;
}

int tx_copies(size_t i)
{
	return (int)(i % 3) + 1;
}

int inject_frames(void *arg)
{
	const struct inject *in = arg;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int s = socket(AF_PACKET, SOCK_RAW, 0), k;
	size_t i;

	if (s < 0)
		return 10;
	sll.sll_ifindex = (int)if_nametoindex("va");
	if (!sll.sll_ifindex)
		return 11;
	for (i = in->from; i < (in->to ? in->to : in->n); i++)
		for (k = 0; k < tx_copies(i); k++)
			if (sendto(s, in->f[i].data, in->f[i].len, 0, (struct sockaddr *)&sll, sizeof(sll)) !=
			    (ssize_t)in->f[i].len)
				return 12;
	close(s);
	return 0;
}

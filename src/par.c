// SPDX-License-Identifier: GPL-2.0
/*
 * Work on many taps at once, for the system calls that wait for the kernel
 * rather than work.  Letting go of a packet socket waits for an RCU grace
 * period (packet_release() calls synchronize_net(), net/packet/af_packet.c),
 * so does giving a socket a ring or taking it away (packet_set_ring()), and
 * so does binding a socket made for ETH_P_ALL to a device (packet_do_bind()
 * unhooks it first, __unregister_prot_hook(sk, true)): libpcap's
 * pcap_activate() and pcap_close() do all three for each handle.  One after
 * another, a thousand taps wait a thousand grace periods (14 to 62 s at exit
 * on a 2-CPU machine); from many threads the waits overlap, and the whole
 * takes a few.
 *
 * The threads are made when needed and joined before pc_par_each() returns:
 * between two calls pktcount is one thread, as the privilege drop and the
 * seccomp list expect.  A thread inherits the caller's credentials,
 * capabilities and seccomp filter (copy_process(), kernel/fork.c), and the
 * list lets through a clone() that makes a thread and nothing else
 * (src/seccomp.c).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "par.h"
#include "pktcount.h"

/*
 * Each thread's stack is small (the open and close paths keep their
 * buffers on the heap or in a few KiB), and only what it touches is ever
 * resident.
 */
#define PC_PAR_STACK (256u << 10)

struct par {
	void (*fn)(void *arg, int i);
	void *arg;
	int n;
	atomic_int next;
};

static void *worker(void *p)
{
	struct par *w = p;
	int i;

	while ((i = atomic_fetch_add(&w->next, 1)) < w->n)
		w->fn(w->arg, i);
	return NULL;
}

void pc_par_each(int n, int most, void (*fn)(void *arg, int i), void *arg)
{
	pthread_t th[PC_PAR_MOST];
	struct par w = { fn, arg, n, 0 };
	pthread_attr_t attr;
	int t, made = 0, ret = 0;

	if (n <= 1 || pthread_attr_init(&attr)) {
		worker(&w);
		return;
	}
	pthread_attr_setstacksize(&attr, PC_PAR_STACK);
	for (t = 0; t < n && t < most && t < PC_PAR_MOST; t++) {
		ret = pthread_create(&th[t], &attr, worker, &w);
		if (ret)
			break;
		made++;
	}
	pthread_attr_destroy(&attr);
	/* no thread to be had (RLIMIT_NPROC, memory): slower, never skipped */
	if (ret)
		pc_log("working on %d taps with %d threads: %s; the rest one after another", n, made, strerror(ret));
	worker(&w);
	for (t = 0; t < made; t++)
		pthread_join(th[t], NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The data threads' loops.  Each thread sleeps in its own direction's epoll
 * set (rx: the UDP sockets; tx: the TUNs) and does that direction's work.
 *
 * Latency: waking a sleeping thread costs tens of microseconds on a VM
 * whose vCPU has halted (tests/bench/wake-lat), and a packet that is
 * answered at once (a ping, a TCP ACK, a DNS reply) would wake both data
 * threads in turn.  So after any work a thread polls BOTH directions,
 * taking whatever is ready, until both are empty: the rx thread that has
 * just written a request to the TUN finds the kernel's answer there (the
 * TUN write runs the local stack synchronously) and sends it itself.
 * MCVPN_DP_SPIN_US (dp->spin_ns) makes it go on polling for that long
 * after the last work, so that the tx thread that has just sent a request
 * takes the answer from the socket: CPU time for latency, off by default.
 *
 * A direction's work (its buffers, its SAs' sequence numbers or replay
 * windows, its counters) belongs to whoever holds dp->work[dir]: the owning
 * thread takes it for each readiness event, the other one only with a
 * trylock while polling, so neither ever waits for the other to poll. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "daemon/dataplane/priv.h"
#include "daemon/base/log.h"

#define DP_EVENTS 16

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int dir_epoll(const struct dataplane *dp, int dir)
{
	return dir == DP_RX ? dp->rx_epoll : dp->tx_epoll;
}

/* Handle n events of direction dir (its work lock held).  False on stop. */
static bool dir_handle(struct dataplane *dp, int dir, const struct epoll_event *ev, int n)
{
	for (int i = 0; i < n; i++) {
		if (ev[i].data.u64 == DP_EV_STOP)
			return false;
		if (dir == DP_RX)
			dp_rx_drain(dp, (int)ev[i].data.u64);
		else
			dp_tx_drain(dp, (int)(uint32_t)ev[i].data.u64);
	}
	return true;
}

/* Whatever direction dir has ready now, unless its owner is at it.
 * Returns the events handled, -1 on stop.  A failed poll counts as nothing
 * ready: the owner's blocking epoll_wait reports real errors. */
static int dir_poll(struct dataplane *dp, int dir)
{
	struct epoll_event ev[DP_EVENTS];
	int n;

	if (pthread_mutex_trylock(&dp->work[dir]) != 0)
		return 0;
	n = epoll_wait(dir_epoll(dp, dir), ev, DP_EVENTS, 0);
	if (n > 0 && !dir_handle(dp, dir, ev, n))
		n = -1;
	else if (n < 0)
		n = 0;
	pthread_mutex_unlock(&dp->work[dir]);
	return n;
}

/* Poll both directions while they have work, then on until spin_ns passes
 * with nothing to do (with spin_ns 0: one empty pass).  The first pass
 * skips our own direction, just drained (anything left or new there wakes
 * the epoll_wait that follows at once).  False on stop. */
static bool poll_both(struct dataplane *dp, int dir)
{
	uint64_t until = mono_ns() + dp->spin_ns;

	for (bool first = true;; first = false) {
		int a = first ? 0 : dir_poll(dp, dir), b = dir_poll(dp, !dir);

		if (a < 0 || b < 0)
			return false;
		if (a > 0 || b > 0) {
			until = mono_ns() + dp->spin_ns;
			continue;
		}
		if (mono_ns() >= until)
			return true;
		/* others on this CPU (the peer's thread, the application)
		 * come first: spinning must not delay the answer it waits for */
		sched_yield();
	}
}

static void *dir_main(struct dataplane *dp, int dir)
{
	struct epoll_event ev[DP_EVENTS];

	for (;;) {
		int n = epoll_wait(dir_epoll(dp, dir), ev, DP_EVENTS, -1);
		bool go_on;

		if (n < 0 && errno != EINTR) {
			log_err("data plane: %s epoll_wait: %s", dir == DP_RX ? "rx" : "tx",
				strerror(errno));
			return NULL;
		}
		if (n <= 0)
			continue;
		pthread_mutex_lock(&dp->work[dir]);
		go_on = dir_handle(dp, dir, ev, n);
		pthread_mutex_unlock(&dp->work[dir]);
		if (!go_on || !poll_both(dp, dir))
			return NULL;
	}
}

void *dp_rx_main(void *arg)
{
	return dir_main(arg, DP_RX);
}

void *dp_tx_main(void *arg)
{
	return dir_main(arg, DP_TX);
}

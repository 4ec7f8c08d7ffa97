/* SPDX-License-Identifier: Apache-2.0 */
/* The data plane object: its threads, the stop eventfd, tunnels and the
 * global counters.  SAs live in dataplane/sa_table.c, sockets in dataplane/sockets.c, the packet
 * paths in dataplane/rx.c and dataplane/tx.c. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "daemon/dataplane/offload.h"
#include "daemon/dataplane/priv.h"
#include "daemon/base/log.h"

/* USO arrived in Linux 6.2; older headers lack the flags. */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

struct dp_tunnel *dp_tunnel_find(struct dataplane *dp, int id)
{
	struct dp_tunnel *t = dp->tunnels;

	while (t && t->id != id)
		t = t->next;
	return t;
}

static int epoll_add(int epfd, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* Threads start with every signal blocked: signals belong to the control
 * thread, and a write to a closed TUN/socket must not raise SIGPIPE. */
static int start_threads(struct dataplane *dp)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&dp->rx_thread, NULL, dp_rx_main, dp);
	dp->rx_running = r == 0;
	if (r == 0) {
		r = pthread_create(&dp->tx_thread, NULL, dp_tx_main, dp);
		dp->tx_running = r == 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -r;
}

static int dp_init(struct dataplane *dp)
{
	pthread_rwlockattr_t attr;
	int r;

	/* Writer preference: control calls must get in between the data
	 * threads' read locks even under full load. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&dp->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_init(&dp->work[DP_RX], NULL);
	pthread_mutex_init(&dp->work[DP_TX], NULL);
	dp->rx_epoll = epoll_create1(EPOLL_CLOEXEC);
	dp->tx_epoll = epoll_create1(EPOLL_CLOEXEC);
	dp->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	dp->rx_buf = malloc((size_t)DP_RX_BATCH * DP_BUF_LEN);
	dp->tx_buf = malloc(DP_TUN_READ_LEN);
	dp->train = malloc(DP_TRAIN_BUF);
	dp->gro = malloc(sizeof(*dp->gro));
	if (dp->rx_epoll < 0 || dp->tx_epoll < 0 || dp->stop_fd < 0)
		return -errno;
	if (!dp->rx_buf || !dp->tx_buf || !dp->train || !dp->gro)
		return -ENOMEM;
	dp_gro_init(dp->gro);
	r = epoll_add(dp->rx_epoll, dp->stop_fd, DP_EV_STOP);
	if (r == 0)
		r = epoll_add(dp->tx_epoll, dp->stop_fd, DP_EV_STOP);
	return r ? r : start_threads(dp);
}

static unsigned offloads_off(void)
{
	static const char *const names[] = { "tso", "coalesce", "gso", "gro", "bufs" };
	const char *env = getenv("MCVPN_DP_OFF");
	unsigned off = 0;

	for (unsigned i = 0; env && i < sizeof(names) / sizeof(names[0]); i++)
		if (strstr(env, names[i]))
			off |= 1u << i;
	if (off)
		log_warn("data plane: MCVPN_DP_OFF=%s: offloads left off (a benchmark setting)", env);
	return off;
}

/* MCVPN_DP_SPIN_US: the busy-poll window (dataplane/loop.c), in microseconds. */
static uint64_t spin_window(void)
{
	const char *env = getenv("MCVPN_DP_SPIN_US");
	char *end;
	unsigned long us;

	if (!env)
		return 0;
	us = strtoul(env, &end, 10);
	if (*end || us > 10000) {
		log_warn("data plane: MCVPN_DP_SPIN_US=%s: not 0..10000; no busy-poll", env);
		return 0;
	}
	return (uint64_t)us * 1000;
}

struct dataplane *dp_new(void)
{
	struct dataplane *dp = calloc(1, sizeof(*dp));
	int r;

	if (!dp)
		return NULL;
	dp->rx_epoll = dp->tx_epoll = dp->stop_fd = -1;
	dp->off = offloads_off();
	dp->spin_ns = spin_window();
	r = dp_init(dp);
	if (r < 0) {
		log_err("data plane: cannot start: %s", strerror(-r));
		dp_free(dp);
		return NULL;
	}
	return dp;
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

void dp_free(struct dataplane *dp)
{
	uint64_t one = 1;

	if (!dp)
		return;
	/* The eventfd stays readable (nobody reads it): both threads see it. */
	if (dp->stop_fd >= 0 && write(dp->stop_fd, &one, sizeof(one)) < 0)
		log_err("data plane: cannot signal stop: %s", strerror(errno));
	if (dp->rx_running)
		pthread_join(dp->rx_thread, NULL);
	if (dp->tx_running)
		pthread_join(dp->tx_thread, NULL);
	dp_sa_free_all(dp);
	dp_sock_free_all(dp);
	while (dp->tunnels) {
		struct dp_tunnel *t = dp->tunnels;

		dp->tunnels = t->next;
		free(t);
	}
	close_fd(dp->rx_epoll);
	close_fd(dp->tx_epoll);
	close_fd(dp->stop_fd);
	pthread_rwlock_destroy(&dp->lock);
	pthread_mutex_destroy(&dp->work[DP_RX]);
	pthread_mutex_destroy(&dp->work[DP_TX]);
	free(dp->rx_buf);
	free(dp->tx_buf);
	free(dp->train);
	free(dp->gro);
	free(dp);
}

/* Under the write lock. */
static int tunnel_link(struct dataplane *dp, struct dp_tunnel *t)
{
	int r;

	if (dp_tunnel_find(dp, t->id))
		return -EEXIST;
	r = epoll_add(dp->tx_epoll, t->fd, (uint32_t)t->id);
	if (r < 0)
		return r;
	t->next = dp->tunnels;
	dp->tunnels = t;
	return 0;
}

/* A TUN opened with IFF_VNET_HDR (tun_open does) gets every offload the
 * data plane can undo: partial checksums, TSO for IPv4 and IPv6, and USO
 * where the kernel has it (6.2 on).  Anything else is read and written as
 * bare packets. */
size_t dp_tun_offloads(const struct dataplane *dp, int fd)
{
	const unsigned base = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
	struct ifreq ifr;
	int sz = 0;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0 || !(ifr.ifr_flags & IFF_VNET_HDR))
		return 0;
	if (ioctl(fd, TUNGETVNETHDRSZ, &sz) < 0 || sz < DP_VNET_HDR_LEN || sz > 16)
		sz = DP_VNET_HDR_LEN;
	if (dp->off & DP_OFF_TSO) {
		(void)ioctl(fd, TUNSETOFFLOAD, 0);
		return (size_t)sz;
	}
	if (ioctl(fd, TUNSETOFFLOAD, base | TUN_F_USO4 | TUN_F_USO6) == 0)
		return (size_t)sz;
	if (ioctl(fd, TUNSETOFFLOAD, base) < 0)
		log_warn("data plane: TUN offloads refused: %s", strerror(errno));
	return (size_t)sz;
}

int dp_tunnel_add(struct dataplane *dp, int id, int tun_fd)
{
	struct dp_tunnel *t;
	int flags = fcntl(tun_fd, F_GETFL), r;

	/* Reads and writes happen under the read lock: they must never block. */
	if (flags < 0 || fcntl(tun_fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->id = id;
	t->fd = tun_fd;
	t->probe_fd = -1;
	t->vnet_len = dp_tun_offloads(dp, tun_fd);
	pthread_rwlock_wrlock(&dp->lock);
	r = tunnel_link(dp, t);
	pthread_rwlock_unlock(&dp->lock);
	if (r < 0)
		free(t);
	return r;
}

int dp_tunnel_remove(struct dataplane *dp, int id)
{
	struct dp_tunnel **pp, *t;

	pthread_rwlock_wrlock(&dp->lock);
	for (pp = &dp->tunnels; *pp && (*pp)->id != id; pp = &(*pp)->next)
		;
	t = *pp;
	if (t) {
		*pp = t->next;
		epoll_ctl(dp->tx_epoll, EPOLL_CTL_DEL, t->fd, NULL);
	}
	pthread_rwlock_unlock(&dp->lock);
	if (!t)
		return -ENOENT;
	free(t);
	return 0;
}

int dp_tunnel_set_fd(struct dataplane *dp, int id, int tun_fd)
{
	struct dp_tunnel *t;
	int flags = fcntl(tun_fd, F_GETFL), r = -ENOENT;
	size_t vnet_len;

	if (flags < 0 || fcntl(tun_fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	vnet_len = dp_tun_offloads(dp, tun_fd);
	pthread_rwlock_wrlock(&dp->lock);
	t = dp_tunnel_find(dp, id);
	if (t) {
		epoll_ctl(dp->tx_epoll, EPOLL_CTL_DEL, t->fd, NULL);
		t->fd = tun_fd;
		t->vnet_len = vnet_len;
		r = epoll_add(dp->tx_epoll, tun_fd, (uint32_t)t->id);
	}
	pthread_rwlock_unlock(&dp->lock);
	return r;
}

int dp_tunnel_set_mss(struct dataplane *dp, int id, uint16_t mss4, uint16_t mss6)
{
	struct dp_tunnel *t;

	pthread_rwlock_wrlock(&dp->lock);
	t = dp_tunnel_find(dp, id);
	if (t) {
		t->mss4 = mss4;
		t->mss6 = mss6;
	}
	pthread_rwlock_unlock(&dp->lock);
	return t ? 0 : -ENOENT;
}

int dp_tunnel_set_probe(struct dataplane *dp, int id, uint16_t ident, int fd)
{
	struct dp_tunnel *t;

	pthread_rwlock_wrlock(&dp->lock);
	t = dp_tunnel_find(dp, id);
	if (t) {
		t->probe_fd = fd;
		t->probe_ident = ident;
	}
	pthread_rwlock_unlock(&dp->lock);
	return t ? 0 : -ENOENT;
}

void dp_get_global_stats(struct dataplane *dp, struct dp_global_stats *out)
{
	pthread_rwlock_wrlock(&dp->lock);
	*out = dp->stats;
	pthread_rwlock_unlock(&dp->lock);
}

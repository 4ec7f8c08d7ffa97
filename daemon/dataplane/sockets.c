/* SPDX-License-Identifier: Apache-2.0 */
/* Data plane UDP sockets: registration, the IKE socketpair, and the socket
 * options that tell the rx thread our address (IP_PKTINFO), let the kernel
 * hand over trains of coalesced datagrams (UDP_GRO) and give bursts room. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "daemon/dataplane/priv.h"

struct dp_sock *dp_sock_find(struct dataplane *dp, int fd)
{
	struct dp_sock *s = dp->socks;

	while (s && s->fd != fd)
		s = s->next;
	return s;
}

/* Ask for the destination address of every datagram, so IKE replies can
 * leave from the address the peer used. */
static int enable_pktinfo(int fd, int family)
{
	int on = 1;

	if (family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) < 0)
		return -1;
	/* A dual-stack socket also reports IPv4 destinations this way; an
	 * IPv6-only socket refuses, which is fine. */
	(void)setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	return 0;
}

#ifndef UDP_GRO
#define UDP_GRO 104
#endif

/* Room for bursts: a GRO train is up to 64 KB, and at the default
 * rmem_default (208 KB) a few of them queued while the rx thread waits for
 * a CPU overflow the socket, which TCP inside then sees as loss. */
#define DP_SOCK_BUF (8 << 20)

/* Datagrams of one flow and size may come as one train (Linux 5.0 on); a
 * kernel without it just hands them over one by one.  Buffers: the FORCE
 * options pass net.core.[rw]mem_max (CAP_NET_ADMIN, which the daemon has);
 * without them the plain ones take what the limits allow. */
static void tune_socket(const struct dataplane *dp, int fd)
{
	int on = 1, size = DP_SOCK_BUF;

	if (!(dp->off & DP_OFF_GRO))
		(void)setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on));
	if (dp->off & DP_OFF_BUFS)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

static struct dp_sock *sock_new(const struct dataplane *dp, int udp_fd, int *theirs, int *err)
{
	struct dp_sock *s = calloc(1, sizeof(*s));
	socklen_t len = sizeof(struct sockaddr_storage);
	int sv[2];

	*err = -ENOMEM;
	if (!s)
		return NULL;
	s->fd = udp_fd;
	if (getsockname(udp_fd, (struct sockaddr *)&s->local, &len) < 0 ||
	    enable_pktinfo(udp_fd, s->local.ss_family) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		*err = -errno;
		free(s);
		return NULL;
	}
	tune_socket(dp, udp_fd);
	s->no_gso = (dp->off & DP_OFF_GSO) != 0;
	s->ike_fd = sv[0];
	*theirs = sv[1];
	return s;
}

static void sock_free(struct dp_sock *s)
{
	close(s->ike_fd);	/* the control plane reads EOF on its end */
	free(s);
}

/* Under the write lock. */
static int sock_link(struct dataplane *dp, struct dp_sock *s)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint32_t)s->fd };

	if (dp_sock_find(dp, s->fd))
		return -EEXIST;
	if (epoll_ctl(dp->rx_epoll, EPOLL_CTL_ADD, s->fd, &ev) < 0)
		return -errno;
	s->next = dp->socks;
	dp->socks = s;
	return 0;
}

int dp_socket_add(struct dataplane *dp, int udp_fd, int *ike_fd)
{
	int theirs = -1, r;
	struct dp_sock *s = sock_new(dp, udp_fd, &theirs, &r);

	if (!s)
		return r;
	pthread_rwlock_wrlock(&dp->lock);
	r = sock_link(dp, s);
	pthread_rwlock_unlock(&dp->lock);
	if (r) {
		sock_free(s);
		close(theirs);
		return r;
	}
	*ike_fd = theirs;
	return 0;
}

int dp_socket_remove(struct dataplane *dp, int udp_fd)
{
	struct dp_sock **pp, *s;

	pthread_rwlock_wrlock(&dp->lock);
	for (pp = &dp->socks; *pp && (*pp)->fd != udp_fd; pp = &(*pp)->next)
		;
	s = *pp;
	if (s) {
		*pp = s->next;
		epoll_ctl(dp->rx_epoll, EPOLL_CTL_DEL, udp_fd, NULL);
	}
	pthread_rwlock_unlock(&dp->lock);
	if (!s)
		return -ENOENT;
	sock_free(s);
	return 0;
}

void dp_sock_free_all(struct dataplane *dp)
{
	while (dp->socks) {
		struct dp_sock *s = dp->socks;

		dp->socks = s->next;
		sock_free(s);
	}
}

/* SPDX-License-Identifier: Apache-2.0 */
/* UDP sockets 500/4500 (RFC 7296 2.11, RFC 3948 2.2). */
#include "daemon/udp.h"

#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "daemon/dataplane/dataplane.h"
#include "daemon/ikemsg/proto.h"
#include "daemon/base/log.h"
#include "daemon/base/sockaddr.h"

void udp_init(struct udp *u, struct event_base *base, struct dataplane *dp, udp_recv_fn fn,
	      void *arg)
{
	memset(u, 0, sizeof(*u));
	u->base = base;
	u->dp = dp;
	u->recv = fn;
	u->arg = arg;
}

static void with_port(struct sockaddr_storage *ss, const struct sockaddr_storage *addr,
		      uint16_t port)
{
	*ss = *addr;
	sockaddr_set_port(ss, port);
}

static int bind_one(const struct sockaddr_storage *addr, uint16_t port, uint32_t mark)
{
	struct sockaddr_storage ss;
	char a[64];
	int one = 1;
	int fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	with_port(&ss, addr, port);
	/* IP_FREEBIND: the address may appear after we start (cloud-init, DHCP) */
	if (addr->ss_family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)))
		log_warn("cannot set SO_MARK %u: %s", mark, strerror(errno));
	if (bind(fd, (struct sockaddr *)&ss, sockaddr_len(&ss))) {
		int err = errno;
		sockaddr_str(addr, a, sizeof(a), false);
		log_err("cannot bind UDP %s port %u: %s", a, port, strerror(err));
		close(fd);
		return -1;
	}
	return fd;
}

/* Port 500: plain IKE datagrams. */
static void read500(evutil_socket_t fd, short what, void *arg)
{
	struct udp_sock *s = arg;
	static uint8_t buf[IKE_MAX_MSG];
	struct sockaddr_storage local;

	with_port(&local, &s->addr, IKE_PORT);
	for (int i = 0; i < 64; i++) {	/* bounded: let other events run */
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (n < 0)
			return;
		s->u->recv(s->u->arg, &local, &from, false, buf, (size_t)n);
	}
}

/* Port 4500: IKE messages the data plane passed on, after struct dp_ike_hdr. */
static void read4500(evutil_socket_t fd, short what, void *arg)
{
	struct udp_sock *s = arg;
	static uint8_t buf[sizeof(struct dp_ike_hdr) + IKE_MAX_MSG];
	struct dp_ike_hdr h;

	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < (ssize_t)sizeof(h))
			return;
		memcpy(&h, buf, sizeof(h));
		if (h.esp_spi && s->u->elsewhere)
			s->u->elsewhere(s->u->arg, h.esp_spi, &h.to, &h.from);
		else if (!h.esp_spi)
			s->u->recv(s->u->arg, &h.to, &h.from, true, buf + sizeof(h),
				   (size_t)n - sizeof(h));
	}
}

static void sock_close(struct udp_sock *s)
{
	if (s->ev500)
		event_free(s->ev500);
	if (s->ev4500)
		event_free(s->ev4500);
	if (s->fd4500 >= 0 && s->u->dp)
		dp_socket_remove(s->u->dp, s->fd4500);
	if (s->ike4500 >= 0)
		close(s->ike4500);
	if (s->fd500 >= 0)
		close(s->fd500);
	if (s->fd4500 >= 0)
		close(s->fd4500);
}

struct udp_sock *udp_find(struct udp *u, const struct sockaddr_storage *local)
{
	for (size_t i = 0; i < u->n; i++)
		if (sockaddr_same_ip(&u->socks[i].addr, local))
			return &u->socks[i];
	return NULL;
}

struct udp_sock *udp_open(struct udp *u, const struct sockaddr_storage *local, uint32_t mark)
{
	struct udp_sock *s = udp_find(u, local);

	if (s)
		return s;
	if (u->n == UDP_MAX_SOCKS) {
		log_err("too many local addresses (at most %d)", UDP_MAX_SOCKS);
		return NULL;
	}
	s = &u->socks[u->n];
	memset(s, 0, sizeof(*s));
	s->u = u;
	with_port(&s->addr, local, 0);
	s->fd500 = bind_one(local, IKE_PORT, mark);
	s->fd4500 = bind_one(local, IKE_NATT_PORT, mark);
	s->ike4500 = -1;
	if (s->fd500 < 0 || s->fd4500 < 0 || dp_socket_add(u->dp, s->fd4500, &s->ike4500)) {
		if (s->fd4500 >= 0 && s->ike4500 < 0)
			log_err("cannot hand the UDP 4500 socket to the data plane");
		sock_close(s);
		return NULL;
	}
	s->ev500 = event_new(u->base, s->fd500, EV_READ | EV_PERSIST, read500, s);
	s->ev4500 = event_new(u->base, s->ike4500, EV_READ | EV_PERSIST, read4500, s);
	if (!s->ev500 || !s->ev4500 || event_add(s->ev500, NULL) || event_add(s->ev4500, NULL)) {
		sock_close(s);
		return NULL;
	}
	u->n++;
	return s;
}

void udp_close_all(struct udp *u)
{
	for (size_t i = 0; i < u->n; i++)
		sock_close(&u->socks[i]);
	u->n = 0;
}

int udp_send_keepalive(struct udp *u, const struct sockaddr_storage *local,
		       const struct sockaddr_storage *remote)
{
	static const uint8_t keepalive = 0xff;
	struct udp_sock *s = udp_find(u, local);

	if (!s || sendto(s->fd4500, &keepalive, 1, 0, (const struct sockaddr *)remote,
			 sockaddr_len(remote)) < 0)
		return -1;
	return 0;
}

int udp_send_ike(struct udp *u, const struct sockaddr_storage *local,
		 const struct sockaddr_storage *remote, bool natt, const uint8_t *msg, size_t len)
{
	static const uint8_t marker[4];
	struct udp_sock *s = udp_find(u, local);
	struct iovec iov[2] = { { (void *)marker, 4 }, { (void *)msg, len } };
	struct msghdr mh = { .msg_name = (void *)remote, .msg_namelen = sockaddr_len(remote) };

	if (!s)
		return -1;
	mh.msg_iov = natt ? iov : iov + 1;
	mh.msg_iovlen = natt ? 2 : 1;
	if (sendmsg(natt ? s->fd4500 : s->fd500, &mh, 0) < 0) {
		log_debug("sendmsg: %s", strerror(errno));
		return -1;
	}
	return 0;
}

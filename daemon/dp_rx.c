/* The receiving thread: UDP (port 4500) -> keepalive / IKE / ESP -> TUN.
 *
 * Per datagram (RFC 3948): one byte 0xFF is a NAT-T keepalive; four zero
 * bytes (the non-ESP marker) start an IKE message, handed to the control
 * plane over the socketpair; anything else is ESP, looked up by SPI,
 * decapsulated and written to the SA's tunnel. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "daemon/dp_priv.h"
#include "daemon/log.h"

#define NON_ESP_MARKER_LEN 4
#define KEEPALIVE_BYTE 0xff

/* One received datagram with where it came from and where it went to. */
struct rx_pkt {
	uint8_t *data;
	size_t len;
	struct sockaddr_storage from;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			 CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} cmsg;
	size_t cmsg_len;
};

static ssize_t rx_recv(int fd, struct rx_pkt *p, uint8_t *buf)
{
	struct iovec iov = { .iov_base = buf, .iov_len = DP_MAX_DATAGRAM };
	struct msghdr mh = {
		.msg_name = &p->from, .msg_namelen = sizeof(p->from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = p->cmsg.buf, .msg_controllen = sizeof(p->cmsg.buf),
	};
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

	if (n < 0)
		return n;
	if (mh.msg_flags & MSG_TRUNC)
		n = DP_MAX_DATAGRAM + 1;	/* cannot happen with UDP; refuse it */
	p->data = buf;
	p->len = (size_t)n;
	p->cmsg_len = mh.msg_controllen;
	return n;
}

/* An IPv4 destination from IP_PKTINFO; on a dual-stack IPv6 socket it
 * becomes the v4-mapped address, the form the peer's address has there. */
static void set_v4_dst(struct sockaddr_storage *to, const struct cmsghdr *c)
{
	struct in_pktinfo pi;

	memcpy(&pi, CMSG_DATA(c), sizeof(pi));
	if (to->ss_family == AF_INET) {
		((struct sockaddr_in *)to)->sin_addr = pi.ipi_addr;
	} else {
		uint8_t *a = ((struct sockaddr_in6 *)to)->sin6_addr.s6_addr;

		memset(a, 0, 10);
		memset(a + 10, 0xff, 2);
		memcpy(a + 12, &pi.ipi_addr, 4);
	}
}

static void set_v6_dst(struct sockaddr_storage *to, const struct cmsghdr *c)
{
	struct in6_pktinfo pi;

	memcpy(&pi, CMSG_DATA(c), sizeof(pi));
	if (to->ss_family == AF_INET6)
		((struct sockaddr_in6 *)to)->sin6_addr = pi.ipi6_addr;
}

/* Our address from IP_PKTINFO / IPV6_PKTINFO, our port from getsockname(). */
static void rx_local_addr(const struct rx_pkt *p, const struct dp_sock *s,
			  struct sockaddr_storage *to)
{
	struct msghdr mh = { .msg_control = (void *)p->cmsg.buf, .msg_controllen = p->cmsg_len };

	*to = s->local;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
			set_v4_dst(to, c);
		else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)
			set_v6_dst(to, c);
	}
}

static void rx_ike(struct dataplane *dp, struct dp_sock *s, struct rx_pkt *p)
{
	struct dp_ike_hdr hdr = { .from = p->from };
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = p->data + NON_ESP_MARKER_LEN, .iov_len = p->len - NON_ESP_MARKER_LEN },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

	if (p->len == NON_ESP_MARKER_LEN) {
		dp->stats.drop_malformed++;
		return;
	}
	rx_local_addr(p, s, &hdr.to);
	/* A full socketpair means the control plane is behind: drop, the
	 * peer retransmits. */
	if (sendmsg(s->ike_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("data plane: IKE message dropped: %s", strerror(errno));
}

static void rx_count_error(struct dataplane *dp, struct dp_sa *sa, enum esp_err e)
{
	switch (e) {
	case ESP_ERR_LENGTH:
		dp->stats.drop_malformed++;
		break;
	case ESP_ERR_REPLAY:
		sa->stats.drop_replay++;
		break;
	case ESP_ERR_AUTH:
		sa->stats.drop_auth++;
		break;
	case ESP_ERR_TS:
		sa->stats.drop_ts++;
		break;
	default:
		sa->stats.drop_other++;
		break;
	}
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void rx_esp(struct dataplane *dp, struct rx_pkt *p)
{
	struct dp_sa *sa;
	struct dp_tunnel *t;
	uint8_t *inner;
	size_t inner_len;
	enum esp_err e;

	if (p->len < ESP_HDR_LEN) {
		dp->stats.drop_malformed++;
		return;
	}
	sa = dp_sa_find(dp, true, get_be32(p->data));
	if (!sa) {
		dp->stats.drop_unknown_spi++;
		return;
	}
	e = esp_sa_decap(sa->esp, p->data, p->len, &inner, &inner_len);
	t = e == ESP_OK ? dp_tunnel_find(dp, sa->tunnel) : NULL;
	if (e != ESP_OK)
		rx_count_error(dp, sa, e);
	else if (!t || write(t->fd, inner, inner_len) != (ssize_t)inner_len)
		sa->stats.drop_other++;
	else
		dp_sa_count(sa, inner_len);
}

static void rx_dispatch(struct dataplane *dp, struct dp_sock *s, struct rx_pkt *p)
{
	if (p->len == 1 && p->data[0] == KEEPALIVE_BYTE)
		dp->stats.keepalives_rx++;
	else if (p->len > DP_MAX_DATAGRAM)
		dp->stats.drop_malformed++;
	else if (p->len >= NON_ESP_MARKER_LEN && get_be32(p->data) == 0)
		rx_ike(dp, s, p);
	else
		rx_esp(dp, p);
}

/* Up to DP_BUDGET datagrams from one socket, each under the read lock (the
 * socket may be removed and closed between two of them). */
static void rx_drain(struct dataplane *dp, int fd)
{
	struct rx_pkt p;

	for (int i = 0; i < DP_BUDGET; i++) {
		struct dp_sock *s;
		ssize_t n = -1;

		pthread_rwlock_rdlock(&dp->lock);
		s = dp_sock_find(dp, fd);
		if (s)
			n = rx_recv(fd, &p, dp->rx_buf);
		if (n >= 0)
			rx_dispatch(dp, s, &p);
		pthread_rwlock_unlock(&dp->lock);
		if (n < 0)
			return;
	}
}

void *dp_rx_main(void *arg)
{
	struct dataplane *dp = arg;
	struct epoll_event ev[16];

	for (;;) {
		int n = epoll_wait(dp->rx_epoll, ev, 16, -1);

		if (n < 0 && errno != EINTR) {
			log_err("data plane: rx epoll_wait: %s", strerror(errno));
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u64 == DP_EV_STOP)
				return NULL;
			rx_drain(dp, (int)ev[i].data.u64);
		}
	}
}

/* The offload paths end to end with real TUN devices and the kernel's own
 * TCP, in two private network namespaces of this process (root only;
 * skipped otherwise):
 *
 *   netns A (the test's)                                 netns B
 *   TCP/UDP client                                       TCP/UDP servers
 *   mcvoffA 10.201.0.1/24 fd01::1/64                     mcvoffB 10.201.0.2/24 fd01::2/64
 *     | TSO/USO super-packets                              ^ GSO writes (coalesced TCP)
 *   [dp A] --ESP, UDP GSO over lo 127.0.0.1--> [dp B] -----'
 *          <--------------- ACKs, ESP ----------
 *
 * Both data planes' UDP sockets live in A on lo (GSO and GRO pass through
 * lo whole).  4 MB over TCP/IPv4 and TCP/IPv6 must arrive intact, a UDP
 * GSO send of odd-sized datagrams must arrive datagram by datagram, and
 * the counters must show that TSO split, UDP GSO, UDP GRO and coalesced
 * TUN writes all happened.  Every wait is bounded. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "check.h"
#include "crypto/alg.h"
#include "daemon/dataplane.h"
#include "daemon/tun.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

#define SKIP 77
#define MTU 1438
#define XFER (4u << 20)

struct in6_ifreq_ {		/* linux/ipv6.h's in6_ifreq */
	struct in6_addr addr;
	uint32_t prefixlen;
	int ifindex;
};

static int ctl4 = -1, ctl6 = -1;

static int set_flags_mtu(const char *name, int mtu)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (mtu) {
		ifr.ifr_mtu = mtu;
		if (ioctl(ctl4, SIOCSIFMTU, &ifr) < 0)
			return -1;
	}
	if (ioctl(ctl4, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(ctl4, SIOCSIFFLAGS, &ifr);
}

static int set_addr4(const char *name, const char *addr, const char *mask)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
	if (ioctl(ctl4, SIOCSIFADDR, &ifr) < 0)
		return -1;
	inet_pton(AF_INET, mask, &sin->sin_addr);
	return ioctl(ctl4, SIOCSIFNETMASK, &ifr);
}

static int set_addr6(int ifindex, const char *addr)
{
	struct in6_ifreq_ r = { .prefixlen = 64, .ifindex = ifindex };

	inet_pton(AF_INET6, addr, &r.addr);
	return ioctl(ctl6, SIOCSIFADDR, &r);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			fprintf(stderr, "cannot write %s\n", path);
		close(fd);
	}
}

/* A new network namespace for this thread with lo up and no IPv6 DAD (the
 * addresses must be usable at once); its fd for setns.  -1: not possible. */
static int new_netns(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return -1;
	write_file("/proc/sys/net/ipv6/conf/default/accept_dad", "0");
	write_file("/proc/sys/net/ipv6/conf/all/accept_dad", "0");
	if (ctl4 >= 0)
		close(ctl4), close(ctl6);
	ctl4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ctl6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ctl4 < 0 || ctl6 < 0 || set_flags_mtu("lo", 0) < 0)
		return -1;
	return open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
}

/* The TUN of one side, up, with its addresses. */
static int side_tun(const char *name, const char *a4, const char *a6)
{
	int ifindex = 0, fd = tun_open(name, &ifindex);

	if (fd < 0 || set_flags_mtu(name, MTU) < 0 || set_addr4(name, a4, "255.255.255.0") < 0 ||
	    set_addr6(ifindex, a6) < 0) {
		fprintf(stderr, "  %s: %s\n", name, strerror(fd < 0 ? -fd : errno));
		return -1;
	}
	return fd;
}

static int udp_lo(struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof(*a);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof(*a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)a, &len) < 0)
		return -1;
	return fd;
}

/* Any IPv4 and any IPv6 address. */
static void all_ts(struct dp_sa_params *p)
{
	p->n_remote_ts = p->n_local_ts = 2;
	p->remote_ts[0] = (struct dp_range){ .family = AF_INET };
	memset(p->remote_ts[0].end, 0xff, 4);
	p->remote_ts[1] = (struct dp_range){ .family = AF_INET6 };
	memset(p->remote_ts[1].end, 0xff, 16);
	p->local_ts[0] = p->remote_ts[0];
	p->local_ts[1] = p->remote_ts[1];
}

static struct dp_sa_params params(uint32_t spi, uint8_t key, int sock,
				  const struct sockaddr_in *peer)
{
	struct dp_sa_params p = {
		.spi = spi, .encr = ENCR_AES_GCM_16, .encr_keybits = 256, .integ = AUTH_NONE,
		.keymat_len = 36, .tunnel = 1, .sock = sock,
	};

	for (size_t i = 0; i < p.keymat_len; i++)
		p.keymat[i] = (uint8_t)(key * 11 + i);
	if (peer)
		memcpy(&p.peer, peer, sizeof(*peer));
	all_ts(&p);
	return p;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 131 + i / 4099);
}

/* XFER bytes from a client in A to a listener in B (created there before);
 * true when every byte arrived in order within 20 s. */
static bool tcp_transfer(int listener, const struct sockaddr *to, socklen_t to_len)
{
	int c = socket(to->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), s = -1;
	static uint8_t out[65536], in[65536];
	size_t sent = 0, got = 0;
	bool ok = true;
	double end = now() + 20;

	if (c < 0 || (connect(c, to, to_len) < 0 && errno != EINPROGRESS))
		return false;
	while (got < XFER && ok && now() < end) {
		struct pollfd pf[2] = { { .fd = c, .events = sent < XFER ? POLLOUT : 0 },
					{ .fd = s >= 0 ? s : listener, .events = POLLIN } };

		if (poll(pf, 2, 200) < 0)
			break;
		if (s < 0 && (pf[1].revents & POLLIN))
			s = accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (pf[0].revents & POLLOUT) {
			size_t n = XFER - sent < sizeof(out) ? XFER - sent : sizeof(out);
			ssize_t w;

			for (size_t i = 0; i < n; i++)
				out[i] = pattern(sent + i);
			w = send(c, out, n, MSG_NOSIGNAL);
			sent += w > 0 ? (size_t)w : 0;
		}
		if (s >= 0 && (pf[1].revents & POLLIN)) {
			ssize_t r = recv(s, in, sizeof(in), 0);

			for (ssize_t i = 0; i < r && ok; i++)
				ok = in[i] == pattern(got + (size_t)i);
			got += r > 0 ? (size_t)r : 0;
		}
	}
	if (got != XFER || !ok)
		fprintf(stderr, "  TCP: %zu of %u bytes arrived, %s\n", got, XFER,
			ok ? "in order" : "corrupted");
	close(c);
	if (s >= 0)
		close(s);
	return ok && got == XFER;
}

/* One UDP GSO send of n datagrams of seg bytes (the last shorter) from A;
 * the listener in B must get each one, intact. */
static void udp_gso_transfer(int listener, const struct sockaddr_in *to)
{
	const size_t seg = 999, n = 20, total = seg * (n - 1) + 123;
	static uint8_t buf[65536], got[2048];
	union {
		char b[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { buf, total };
	struct msghdr mh = { .msg_name = (void *)to, .msg_namelen = sizeof(*to), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof(cm.b) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	uint16_t gso = (uint16_t)seg;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	size_t k;

	for (size_t i = 0; i < total; i++)
		buf[i] = pattern(i);
	c->cmsg_level = SOL_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(gso));
	memcpy(CMSG_DATA(c), &gso, sizeof(gso));
	CHECK_INT(sendmsg(fd, &mh, 0), total);
	for (k = 0; k < n; k++) {
		struct pollfd pf = { .fd = listener, .events = POLLIN };
		size_t want = k + 1 == n ? 123 : seg;
		ssize_t r;

		if (poll(&pf, 1, 2000) != 1)
			break;
		r = recv(listener, got, sizeof(got), 0);
		CHECK_INT(r, want);
		if (r == (ssize_t)want)
			CHECK_MEM(got, buf + k * seg, want);
	}
	CHECK_INT(k, n);
	close(fd);
}

static int listener(int family, int type, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	int fd = socket(family, type | SOCK_CLOEXEC, 0), one = 1;
	socklen_t len;

	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_port = htons(port);
		inet_pton(AF_INET, addr, &s->sin_addr);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &s->sin6_addr);
		len = sizeof(*s);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 4) < 0)) {
		fprintf(stderr, "  listener %s: %s\n", addr, strerror(errno));
		return -1;
	}
	return fd;
}

int main(void)
{
	struct dataplane *a, *b;
	struct sockaddr_in ua_addr, ub_addr, to4 = { .sin_family = AF_INET, .sin_port = htons(5555) };
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6, .sin6_port = htons(5555) };
	struct sockaddr_in udp_to = { .sin_family = AF_INET, .sin_port = htons(5556) };
	int ns_a, ns_b, tun_a, tun_b, ua, ub, ike_a, ike_b, l4, l6, lu;
	struct dp_global_stats ga, gb;
	struct dp_sa_params p;
	struct dp_sa_stats st;

	if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0) {
		fprintf(stderr, "not root or no /dev/net/tun: skipped\n");
		return SKIP;
	}
	ns_a = new_netns();
	if (ns_a < 0) {
		fprintf(stderr, "cannot make a network namespace (%s): skipped\n", strerror(errno));
		return SKIP;
	}
	tun_a = side_tun("mcvoffA", "10.201.0.1", "fd01::1");
	ua = udp_lo(&ua_addr);
	ub = udp_lo(&ub_addr);
	ns_b = new_netns();
	CHECK(ns_b >= 0);
	tun_b = side_tun("mcvoffB", "10.201.0.2", "fd01::2");
	l4 = listener(AF_INET, SOCK_STREAM, "10.201.0.2", 5555);
	l6 = listener(AF_INET6, SOCK_STREAM, "fd01::2", 5555);
	lu = listener(AF_INET, SOCK_DGRAM, "10.201.0.2", 5556);
	CHECK_INT(setns(ns_a, CLONE_NEWNET), 0);
	if (tun_a < 0 || tun_b < 0 || ua < 0 || ub < 0 || l4 < 0 || l6 < 0 || lu < 0)
		return check_summary("esp-offload-tun");

	a = dp_new();
	b = dp_new();
	CHECK(a && b);
	CHECK_INT(dp_tunnel_add(a, 1, tun_a), 0);
	CHECK_INT(dp_tunnel_add(b, 1, tun_b), 0);
	CHECK_INT(dp_socket_add(a, ua, &ike_a), 0);
	CHECK_INT(dp_socket_add(b, ub, &ike_b), 0);
	p = params(0xa0b0, 1, ua, &ub_addr);
	CHECK_INT(dp_sa_add_outbound(a, &p), 0);
	p = params(0xa0b0, 1, ub, NULL);
	CHECK_INT(dp_sa_add_inbound(b, &p), 0);
	p = params(0xb0a0, 2, ub, &ua_addr);
	CHECK_INT(dp_sa_add_outbound(b, &p), 0);
	p = params(0xb0a0, 2, ua, NULL);
	CHECK_INT(dp_sa_add_inbound(a, &p), 0);

	inet_pton(AF_INET, "10.201.0.2", &to4.sin_addr);
	inet_pton(AF_INET6, "fd01::2", &to6.sin6_addr);
	inet_pton(AF_INET, "10.201.0.2", &udp_to.sin_addr);
	CHECK(tcp_transfer(l4, (struct sockaddr *)&to4, sizeof(to4)));
	CHECK(tcp_transfer(l6, (struct sockaddr *)&to6, sizeof(to6)));
	udp_gso_transfer(lu, &udp_to);

	dp_get_global_stats(a, &ga);
	dp_get_global_stats(b, &gb);
	fprintf(stderr, "A: tso_split %lu gso_sent %lu; B: gro_received %lu gro_written %lu\n",
		(unsigned long)ga.tso_split, (unsigned long)ga.gso_sent,
		(unsigned long)gb.gro_received, (unsigned long)gb.gro_written);
	CHECK(ga.tso_split > 0);
	CHECK(ga.gso_sent > 0);
	CHECK(gb.gro_received > 0);
	CHECK(gb.gro_written > 0);
	CHECK_INT(ga.drop_malformed + gb.drop_malformed + ga.drop_unknown_spi +
		  gb.drop_unknown_spi, 0);
	CHECK_INT(dp_sa_get_stats(b, true, 0xa0b0, &st), 0);
	CHECK_INT(st.drop_auth + st.drop_replay + st.drop_ts + st.drop_other, 0);
	CHECK(st.packets > XFER * 2 / MTU);
	CHECK_INT(dp_sa_get_stats(a, false, 0xa0b0, &st), 0);
	CHECK_INT(st.drop_other, 0);

	dp_free(a);
	dp_free(b);
	close(ike_a), close(ike_b), close(ua), close(ub);
	close(l4), close(l6), close(lu);
	tun_close(tun_a);
	tun_close(tun_b);
	return check_summary("esp-offload-tun");
}

/* SPDX-License-Identifier: Apache-2.0 */
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
 * TUN writes all happened.
 *
 * Then traffic selectors on super-packets: a third TUN in A (mcvoffC, no
 * IPv6, so no chatter of its own) under an SA for 10.201.0.1 -> 10.201.0.2
 * only, whose ESP goes to a tap socket.  TSO super-packets are sent into
 * mcvoffC through a packet socket with a virtio_net_hdr (as a VM's NIC
 * would), so the data plane reads each whole: those outside the selectors
 * must be dropped whole, the one inside split and sent.  Every wait is
 * bounded.
 *
 * The SAs are AES-256-GCM, or ChaCha20-Poly1305 with
 * OFFLOAD_ENCR=chacha20poly1305 in the environment (meson runs both): the
 * offload paths must not care which AEAD seals the packets. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
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
#include "daemon/dataplane/dataplane.h"
#include "daemon/dataplane/offload.h"
#include "daemon/dataplane/tun.h"

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

static unsigned sa_encr = ENCR_AES_GCM_16;

static struct dp_sa_params params(uint32_t spi, uint8_t key, int sock,
				  const struct sockaddr_in *peer)
{
	struct dp_sa_params p = {
		.spi = spi, .encr = sa_encr, .encr_keybits = 256, .integ = AUTH_NONE,
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

/* ---- traffic selectors on super-packets ---- */

#define SEL_SPI	0xc0c0
#define SEL_MSS	1000
#define SEL_SEGS 8

/* A TCP super-packet of SEL_SEGS segments from src to dst (4 or 16 bytes
 * each), as the kernel's TCP hands one to a TUN with TSO: vnet header
 * (GSO, checksum partial), IP, TCP with the pseudo-header sum; its length. */
static size_t make_tso(uint8_t *b, bool v6, const void *src, const void *dst)
{
	size_t l4 = v6 ? 40 : 20, len = l4 + 20 + SEL_SEGS * SEL_MSS;
	struct dp_vnet_hdr h = { .flags = DP_VNET_F_NEEDS_CSUM, .hdr_len = (uint16_t)(l4 + 20),
				 .gso_type = v6 ? DP_VNET_GSO_TCPV6 : DP_VNET_GSO_TCPV4,
				 .gso_size = SEL_MSS, .csum_start = (uint16_t)l4, .csum_offset = 16 };
	uint8_t *p = b + DP_VNET_HDR_LEN;

	dp_vnet_build(&h, b);
	memset(p, 0, l4 + 20);
	for (size_t i = l4 + 20; i < len; i++)
		p[i] = pattern(i);
	if (v6) {
		p[0] = 0x60, p[4] = (uint8_t)((len - 40) >> 8), p[5] = (uint8_t)(len - 40);
		p[6] = 6, p[7] = 64;
		memcpy(p + 8, src, 16), memcpy(p + 24, dst, 16);
	} else {
		p[0] = 0x45, p[2] = (uint8_t)(len >> 8), p[3] = (uint8_t)len;
		p[8] = 64, p[9] = 6;
		memcpy(p + 12, src, 4), memcpy(p + 16, dst, 4);
		dp_csum_ip4_header(p);
	}
	p[l4] = 0x9c, p[l4 + 1] = 0x40, p[l4 + 3] = 80;		/* ports 40000 -> 80 */
	p[l4 + 12] = 5 << 4, p[l4 + 13] = 0x10, p[l4 + 14] = 0xff;	/* 20 bytes, ACK */
	dp_csum_set_pseudo(p, len, l4, 16);
	return DP_VNET_HDR_LEN + len;
}

/* Send a super-packet out of the device ifindex, to the TUN's reader.
 * SOCK_RAW: the only type that takes a vnet header; a TUN has no link
 * header, so the frame is the IP packet. */
static void inject_tso(int ifindex, bool v6, const char *src, const char *dst)
{
	static uint8_t b[DP_VNET_HDR_LEN + 60 + SEL_SEGS * SEL_MSS];
	uint8_t s[16], d[16];
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = ifindex,
				  .sll_protocol = htons(v6 ? 0x86dd : 0x0800) };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), one = 1;
	size_t len;

	inet_pton(v6 ? AF_INET6 : AF_INET, src, s);
	inet_pton(v6 ? AF_INET6 : AF_INET, dst, d);
	len = make_tso(b, v6, s, d);
	CHECK(fd >= 0);
	CHECK_INT(setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)), 0);
	CHECK_INT(sendto(fd, b, len, 0, (struct sockaddr *)&to, sizeof(to)), len);
	close(fd);
}

static uint64_t sel_stat(struct dataplane *dp, bool drops)
{
	struct dp_sa_stats st = { 0 };

	dp_sa_get_stats(dp, false, SEL_SPI, &st);
	return drops ? st.drop_ts_out : st.packets;
}

/* Counters move on the tx thread: wait up to 2 s for the value. */
static uint64_t sel_wait(struct dataplane *dp, bool drops, uint64_t want)
{
	for (int i = 0; i < 200 && sel_stat(dp, drops) != want; i++)
		usleep(10000);
	return sel_stat(dp, drops);
}

/* The TUN mcvoffC in this namespace, up, without IPv6 (no router
 * solicitations or MLD reports of its own to count); its fd, ifindex. */
static int sel_tun(int *ifindex)
{
	int fd = tun_open("mcvoffC", ifindex);

	close(ctl4);		/* made in B: the ioctls need a socket of A */
	ctl4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	write_file("/proc/sys/net/ipv6/conf/mcvoffC/disable_ipv6", "1");
	if (fd < 0 || set_flags_mtu("mcvoffC", MTU) < 0) {
		fprintf(stderr, "  mcvoffC: %s\n", strerror(fd < 0 ? -fd : errno));
		return -1;
	}
	return fd;
}

/* Tunnel 2 on tun with SEL_SPI, selectors 10.201.0.1 -> 10.201.0.2 only,
 * its ESP to tap_addr. */
static void sel_install(struct dataplane *a, int tun, int ua, const struct sockaddr_in *tap_addr)
{
	struct dp_sa_params p = params(SEL_SPI, 3, ua, tap_addr);

	p.tunnel = 2;
	p.n_local_ts = p.n_remote_ts = 1;
	inet_pton(AF_INET, "10.201.0.1", p.local_ts[0].start);
	inet_pton(AF_INET, "10.201.0.1", p.local_ts[0].end);
	inet_pton(AF_INET, "10.201.0.2", p.remote_ts[0].start);
	inet_pton(AF_INET, "10.201.0.2", p.remote_ts[0].end);
	CHECK_INT(dp_tunnel_add(a, 2, tun), 0);
	CHECK_INT(dp_sa_add_outbound(a, &p), 0);
}

/* Three super-packets outside 10.201.0.1 -> 10.201.0.2 (dst outside, src
 * outside, IPv6) each dropped whole and counted once, nothing on the wire,
 * no sequence number spent; then one inside, cut into SEL_SEGS ESP packets
 * numbered from 1. */
static void test_tso_selectors(struct dataplane *a, int ua)
{
	struct sockaddr_in tap_addr;
	int ifindex = 0, tun = sel_tun(&ifindex), tap = udp_lo(&tap_addr);
	struct pollfd pf = { .fd = tap, .events = POLLIN };
	struct dp_global_stats g0, g1;
	uint8_t esp[2048];
	unsigned k;

	CHECK(tun >= 0 && tap >= 0);
	if (tun < 0 || tap < 0)
		return;
	sel_install(a, tun, ua, &tap_addr);
	dp_get_global_stats(a, &g0);
	inject_tso(ifindex, false, "10.201.0.1", "10.201.0.9");
	CHECK_INT(sel_wait(a, true, 1), 1);
	inject_tso(ifindex, false, "10.201.0.7", "10.201.0.2");
	CHECK_INT(sel_wait(a, true, 2), 2);
	inject_tso(ifindex, true, "fd01::1", "fd01::2");
	CHECK_INT(sel_wait(a, true, 3), 3);
	CHECK_INT(poll(&pf, 1, 50), 0);				/* nothing was sent */
	inject_tso(ifindex, false, "10.201.0.1", "10.201.0.2");
	for (k = 0; k < SEL_SEGS && poll(&pf, 1, 2000) == 1; k++) {
		/* SPI, seq, IV; IP, TCP, one MSS; 2 pad, pad len, next header; ICV */
		CHECK_INT(recv(tap, esp, sizeof(esp), 0), 8 + 8 + 20 + 20 + SEL_MSS + 2 + 2 + 16);
		CHECK_INT((uint32_t)esp[4] << 24 | esp[5] << 16 | esp[6] << 8 | esp[7], k + 1);
	}
	CHECK_INT(k, SEL_SEGS);
	CHECK_INT(sel_wait(a, false, SEL_SEGS), SEL_SEGS);
	CHECK_INT(sel_stat(a, true), 3);
	dp_get_global_stats(a, &g1);
	CHECK_INT(g1.tso_split - g0.tso_split, 1);		/* only the one inside was cut */
	CHECK_INT(dp_sa_remove(a, false, SEL_SPI), 0);
	CHECK_INT(dp_tunnel_remove(a, 2), 0);
	tun_close(tun);
	close(tap);
}

static int listener(int family, int type, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	int fd = socket(family, type | SOCK_CLOEXEC, 0), one = 1;
	bool bound = false;
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
	/* Even without DAD a new IPv6 address stays tentative until the
	 * kernel's link watch has seen the TUN come up (asynchronous): wait
	 * for it, at most 2 s. */
	for (int i = 0; fd >= 0 && i < 200; i++) {
		struct timespec ms10 = { 0, 10000000 };

		bound = bind(fd, (struct sockaddr *)&ss, len) == 0;
		if (bound || errno != EADDRNOTAVAIL)
			break;
		nanosleep(&ms10, NULL);
	}
	if (!bound || (type == SOCK_STREAM && listen(fd, 4) < 0)) {
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
	const char *encr = getenv("OFFLOAD_ENCR");

	if (encr && strcmp(encr, "chacha20poly1305") == 0)
		sa_encr = ENCR_CHACHA20_POLY1305;
	else if (encr && *encr && strcmp(encr, "aes_gcm256") != 0) {
		fprintf(stderr, "OFFLOAD_ENCR=%s: expected aes_gcm256 or chacha20poly1305\n", encr);
		return 1;
	}
	printf("SAs: %s\n", encr_name(sa_encr));
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
	/* a setup failure is a failure, not a short pass */
	CHECK(tun_a >= 0 && tun_b >= 0 && ua >= 0 && ub >= 0 && l4 >= 0 && l6 >= 0 && lu >= 0);
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
	CHECK_INT(st.drop_other + st.drop_ts_out, 0);
	test_tso_selectors(a, ua);

	dp_free(a);
	dp_free(b);
	close(ike_a), close(ike_b), close(ua), close(ub);
	close(l4), close(l6), close(lu);
	tun_close(tun_a);
	tun_close(tun_b);
	return check_summary("esp-offload-tun");
}

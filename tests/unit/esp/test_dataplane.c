/* SPDX-License-Identifier: Apache-2.0 */
/* Two data planes in one process, no namespaces, no root:
 *
 *   test --tunA[0]==tunA[1]--> [dp A] --udpA--> tap --(test relays)--> udpB --> [dp B] --tunB[1]==tunB[0]--> test
 *   test <--tunA[0]==tunA[1]-- [dp A] <--udpA------------------------- udpB <-- [dp B] <--tunB[1]==tunB[0]-- test
 *
 * A "TUN" is a SOCK_SEQPACKET socketpair: one packet per read/write, like a
 * TUN fd.  A's ESP goes to a tap socket so the test can look at it, replay
 * it, tamper with it and then pass it on to B.  The SAs are AES-GCM, then
 * AES-CBC with each HMAC (test_cbc).  Every wait is bounded. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "crypto/alg.h"
#include "daemon/base/bytes.h"
#include "daemon/dataplane/dataplane.h"
#include "daemon/dataplane/offload.h"
#include "daemon/dataplane/esp.h"
#include "esp_test_util.h"

#define SPI_AB	0xab000001u	/* A -> B */
#define SPI_AB2	0xab000002u	/* A -> B after rekey */
#define SPI_BA	0xba000001u	/* B -> A */
#define TUN_ID	1
#define WAIT_MS	2000

struct side {
	struct dataplane *dp;
	int udp, ike;
	struct sockaddr_in addr;
	int tun[2];		/* [0] the test's end, [1] the data plane's */
};

static const uint8_t a_host[4] = { 10, 1, 0, 1 }, b_host[4] = { 10, 2, 0, 1 };

static int udp_socket(struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof(*addr);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(fd >= 0);
	CHECK_INT(bind(fd, (struct sockaddr *)addr, sizeof(*addr)), 0);
	CHECK_INT(getsockname(fd, (struct sockaddr *)addr, &len), 0);
	return fd;
}

static void side_up(struct side *s)
{
	s->dp = dp_new();
	CHECK(s->dp != NULL);
	s->udp = udp_socket(&s->addr);
	CHECK_INT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s->tun), 0);
	CHECK_INT(dp_tunnel_add(s->dp, TUN_ID, s->tun[1]), 0);
	CHECK_INT(dp_socket_add(s->dp, s->udp, &s->ike), 0);
}

static void side_down(struct side *s)
{
	dp_free(s->dp);
	close(s->udp);
	close(s->ike);
	close(s->tun[0]);
	close(s->tun[1]);
}

/* Key i, selectors remote -> local as /16s, outbound to peer. */
static struct dp_sa_params sa_params(uint32_t spi, uint8_t key, const struct side *s,
				     const struct sockaddr_in *peer, const uint8_t remote[4],
				     const uint8_t local[4])
{
	struct dp_sa_params p = {
		.spi = spi, .encr = ENCR_AES_GCM_16, .encr_keybits = 256, .integ = AUTH_NONE,
		.keymat_len = 36, .tunnel = TUN_ID, .sock = s->udp,
		.n_remote_ts = 1, .n_local_ts = 1,
	};
	uint8_t lo[4], hi[4];

	for (size_t i = 0; i < p.keymat_len; i++)
		p.keymat[i] = (uint8_t)(key + i * 3);
	if (peer)
		memcpy(&p.peer, peer, sizeof(*peer));
	memcpy(lo, remote, 2), lo[2] = 0, lo[3] = 0;
	memcpy(hi, remote, 2), hi[2] = 255, hi[3] = 255;
	p.remote_ts[0] = range4(lo, hi);
	memcpy(lo, local, 2);
	memcpy(hi, local, 2);
	p.local_ts[0] = range4(lo, hi);
	return p;
}

/* The same with AES-CBC and an HMAC: keymat = AES key | integrity key. */
static struct dp_sa_params cbc_params(uint32_t spi, uint8_t key, const struct side *s,
				      const struct sockaddr_in *peer, const uint8_t remote[4],
				      const uint8_t local[4], unsigned keybits, unsigned integ)
{
	struct dp_sa_params p = sa_params(spi, key, s, peer, remote, local);

	p.encr = ENCR_AES_CBC;
	p.encr_keybits = keybits;
	p.integ = integ;
	p.keymat_len = keybits / 8 + integ_key_len(integ);
	for (size_t i = 0; i < p.keymat_len; i++)
		p.keymat[i] = (uint8_t)(key + i * 5);
	return p;
}

/* One datagram/packet from fd within WAIT_MS (or ms); -1 on timeout. */
static ssize_t recv_wait(int fd, void *buf, size_t cap, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	return recv(fd, buf, cap, MSG_DONTWAIT);
}

/* Reports of ESP from elsewhere counted (and skipped) by ike_wait. */
static unsigned elsewhere_reports;
static struct dp_ike_hdr last_report;

/* The next IKE message on an ike fd; reports of ESP from elsewhere (B's
 * outbound SA goes straight to A, its inbound ESP comes from the tap) are
 * counted and skipped. */
static ssize_t ike_wait(int fd, void *buf, size_t cap, int ms)
{
	for (;;) {
		ssize_t n = recv_wait(fd, buf, cap, ms);
		struct dp_ike_hdr h;

		if (n != (ssize_t)sizeof(h))
			return n;
		memcpy(&h, buf, sizeof(h));
		if (!h.esp_spi)
			return n;
		elsewhere_reports++;
		last_report = h;
	}
}

static struct dp_global_stats gstats(struct dataplane *dp)
{
	struct dp_global_stats g;

	dp_get_global_stats(dp, &g);
	return g;
}

static struct dp_sa_stats sstats(struct dataplane *dp, bool inbound, uint32_t spi)
{
	struct dp_sa_stats st = { 0 };

	CHECK_INT(dp_sa_get_stats(dp, inbound, spi, &st), 0);
	return st;
}

/* Counters move on another thread: poll them, bounded. */
#define WAIT_FOR(cond) do { \
	for (int w_ = 0; w_ < WAIT_MS / 10 && !(cond); w_++) \
		usleep(10000); \
} while (0)

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static struct side A, B;
static int tap;
static struct sockaddr_in tap_addr;

static void send_to_b(const void *p, size_t len)
{
	CHECK_INT(sendto(tap, p, len, 0, (struct sockaddr *)&B.addr, sizeof(B.addr)), len);
}

/* Write inner into A's TUN and catch the ESP datagram at the tap. */
static ssize_t a_sends(const uint8_t *inner, size_t len, uint8_t *esp, size_t cap)
{
	CHECK_INT(write(A.tun[0], inner, len), len);
	return recv_wait(tap, esp, cap, WAIT_MS);
}

static void test_install_errors(void)
{
	struct dp_sa_params p = sa_params(0x1234, 1, &A, &tap_addr, b_host, a_host);

	p.tunnel = 7;
	CHECK_INT(dp_sa_add_inbound(A.dp, &p), -ENOENT);
	p = sa_params(0x1234, 1, &A, &tap_addr, b_host, a_host);
	p.sock = 12345;
	CHECK_INT(dp_sa_add_outbound(A.dp, &p), -ENOENT);
	p = sa_params(0x1234, 1, &A, &tap_addr, b_host, a_host);
	p.encr = ENCR_AES_CBC;				/* CBC needs an integrity algorithm */
	CHECK_INT(dp_sa_add_inbound(A.dp, &p), -EPROTONOSUPPORT);
	p.integ = AUTH_HMAC_SHA2_256_128;		/* GCM takes none */
	p.encr = ENCR_AES_GCM_16;
	CHECK_INT(dp_sa_add_inbound(A.dp, &p), -EPROTONOSUPPORT);
	p = cbc_params(0x1234, 1, &A, &tap_addr, b_host, a_host, 256, AUTH_HMAC_SHA2_256_128);
	p.integ = 99;
	CHECK_INT(dp_sa_add_inbound(A.dp, &p), -EPROTONOSUPPORT);
	p = cbc_params(0x1234, 1, &A, &tap_addr, b_host, a_host, 256, AUTH_HMAC_SHA2_256_128);
	p.keymat_len = 32 + 31;				/* integrity key one short */
	CHECK_INT(dp_sa_add_inbound(A.dp, &p), -EINVAL);
	p = cbc_params(0x1234, 1, &A, &tap_addr, b_host, a_host, 256, AUTH_HMAC_SHA2_256_128);
	p.encr_keybits = 64;
	CHECK_INT(dp_sa_add_inbound(A.dp, &p), -EINVAL);
	p = cbc_params(0x1234, 1, &A, &tap_addr, b_host, a_host, 256, AUTH_HMAC_SHA2_512_256);
	CHECK_INT(dp_sa_add_inbound(A.dp, &p), 0);	/* the largest keymat: 32 + 64 */
	CHECK_INT(dp_sa_remove(A.dp, true, 0x1234), 0);
	p = sa_params(0x1234, 1, &A, &tap_addr, b_host, a_host);
	p.encr = ENCR_AES_GCM_16;
	p.keymat_len = 32;
	CHECK_INT(dp_sa_add_inbound(A.dp, &p), -EINVAL);
	p.keymat_len = 36;
	p.peer.ss_family = AF_UNIX;
	CHECK_INT(dp_sa_add_outbound(A.dp, &p), -EAFNOSUPPORT);
	CHECK_INT(dp_sa_add_inbound(A.dp, &p), 0);
	CHECK_INT(dp_sa_add_inbound(A.dp, &p), -EEXIST);
	CHECK_INT(dp_sa_remove(A.dp, true, 0x1234), 0);
	CHECK_INT(dp_sa_remove(A.dp, true, 0x1234), -ENOENT);
	p = sa_params(0x1234, 1, &A, &tap_addr, b_host, a_host);
	p.encr = ENCR_CHACHA20_POLY1305;		/* RFC 7634: AEAD, 256-bit key | salt */
	p.integ = AUTH_HMAC_SHA2_256_128;
	CHECK_INT(dp_sa_add_inbound(A.dp, &p), -EPROTONOSUPPORT);
	p.integ = AUTH_NONE;
	p.encr_keybits = 128;
	p.keymat_len = 20;
	CHECK_INT(dp_sa_add_inbound(A.dp, &p), -EINVAL);
	p.encr_keybits = 256;
	p.keymat_len = 36;
	CHECK_INT(dp_sa_add_inbound(A.dp, &p), 0);
	CHECK_INT(dp_sa_remove(A.dp, true, 0x1234), 0);
	CHECK_INT(dp_sa_remove(A.dp, false, 0x1234), -ENOENT);
	CHECK_INT(dp_tunnel_add(A.dp, TUN_ID, A.tun[1]), -EEXIST);
	CHECK_INT(dp_tunnel_remove(A.dp, 99), -ENOENT);
	CHECK_INT(dp_socket_remove(A.dp, 12345), -ENOENT);
}

static void install_sas(void)
{
	struct dp_sa_params p;

	p = sa_params(SPI_AB, 1, &A, &tap_addr, b_host, a_host);
	CHECK_INT(dp_sa_add_outbound(A.dp, &p), 0);
	p = sa_params(SPI_AB, 1, &B, NULL, a_host, b_host);
	CHECK_INT(dp_sa_add_inbound(B.dp, &p), 0);
	p = sa_params(SPI_BA, 2, &B, &A.addr, a_host, b_host);
	CHECK_INT(dp_sa_add_outbound(B.dp, &p), 0);
	p = sa_params(SPI_BA, 2, &A, NULL, b_host, a_host);
	CHECK_INT(dp_sa_add_inbound(A.dp, &p), 0);
}

static void test_a_to_b(void)
{
	uint8_t in[100], esp[2048], out[2048];
	ssize_t n;

	make_ipv4(in, sizeof(in), a_host, b_host);
	n = a_sends(in, sizeof(in), esp, sizeof(esp));
	CHECK_INT(n, ESP_HEADROOM + 100 + 2 + 2 + ESP_ICV_LEN);
	CHECK_INT(be32(esp), SPI_AB);
	CHECK_INT(be32(esp + 4), 1);
	CHECK(memmem(esp, (size_t)(n > 0 ? n : 0), in + 20, 16) == NULL);	/* encrypted */
	send_to_b(esp, (size_t)n);
	CHECK_INT(recv_wait(B.tun[0], out, sizeof(out), WAIT_MS), sizeof(in));
	CHECK_MEM(out, in, sizeof(in));

	/* The same datagram again: a replay, and nothing reaches the TUN. */
	send_to_b(esp, (size_t)n);
	WAIT_FOR(sstats(B.dp, true, SPI_AB).drop_replay == 1);
	CHECK_INT(sstats(B.dp, true, SPI_AB).drop_replay, 1);
	CHECK_INT(recv_wait(B.tun[0], out, sizeof(out), 100), -1);
}

/* A forged copy of seq 2 is refused and does not spend seq 2. */
static void test_tampered(void)
{
	uint8_t in[64], esp[2048], bad[2048], out[2048];
	ssize_t n;

	make_ipv4(in, sizeof(in), a_host, b_host);
	n = a_sends(in, sizeof(in), esp, sizeof(esp));
	CHECK(n > 0);
	memcpy(bad, esp, (size_t)n);
	bad[n - 1] ^= 1;
	send_to_b(bad, (size_t)n);
	WAIT_FOR(sstats(B.dp, true, SPI_AB).drop_auth == 1);
	CHECK_INT(sstats(B.dp, true, SPI_AB).drop_auth, 1);
	send_to_b(esp, (size_t)n);
	CHECK_INT(recv_wait(B.tun[0], out, sizeof(out), WAIT_MS), sizeof(in));
}

static void test_b_to_a(void)
{
	uint8_t in[1400], out[2048];

	make_ipv4(in, sizeof(in), b_host, a_host);
	CHECK_INT(write(B.tun[0], in, sizeof(in)), sizeof(in));
	CHECK_INT(recv_wait(A.tun[0], out, sizeof(out), WAIT_MS), sizeof(in));
	CHECK_MEM(out, in, sizeof(in));
}

/* An ICMP echo (type 8 request, 0 reply) of 36 bytes, identifier ident. */
static void make_echo(uint8_t p[36], const uint8_t src[4], const uint8_t dst[4], uint8_t type,
		      uint16_t ident)
{
	make_ipv4(p, 36, src, dst);
	p[9] = 1;
	memset(p + 20, 0, 16);
	p[20] = type;
	put_be16(p + 24, ident);
	p[27] = 7;	/* sequence number */
}

/* The probe's two hooks: a request sent through A's tunnel as if read from
 * its TUN reaches B's TUN; B's echo replies with the probe's identifier are
 * copied to the probe's socket and still written to A's TUN; other ICMP is
 * not copied. */
static void test_probe(void)
{
	uint8_t req[36], rep[36], other[36], out[2048], esp[2048];
	uint8_t outside[4] = { 10, 9, 0, 1 };
	int pfd[2], tun2[2];
	ssize_t n;

	CHECK_INT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pfd), 0);
	CHECK_INT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, tun2), 0);
	make_echo(req, a_host, b_host, 8, 0x4242);
	CHECK_INT(dp_tunnel_send(A.dp, 99, req, sizeof(req)), -ENOENT);
	CHECK_INT(dp_tunnel_set_probe(A.dp, 99, 0x4242, pfd[1]), -ENOENT);
	CHECK_INT(dp_tunnel_add(A.dp, 2, tun2[1]), 0);
	CHECK_INT(dp_tunnel_send(A.dp, 2, req, sizeof(req)), -ENOTCONN);
	CHECK_INT(dp_tunnel_remove(A.dp, 2), 0);
	CHECK_INT(dp_tunnel_send(A.dp, TUN_ID, req, 0), -EINVAL);

	CHECK_INT(dp_tunnel_send(A.dp, TUN_ID, req, sizeof(req)), 0);
	n = recv_wait(tap, esp, sizeof(esp), WAIT_MS);
	CHECK(n > 0);
	send_to_b(esp, (size_t)(n > 0 ? n : 0));
	CHECK_INT(recv_wait(B.tun[0], out, sizeof(out), WAIT_MS), sizeof(req));
	CHECK_MEM(out, req, sizeof(req));
	make_echo(req, outside, b_host, 8, 0x4242);
	CHECK_INT(dp_tunnel_send(A.dp, TUN_ID, req, sizeof(req)), -EINVAL);	/* outside A's selectors */

	/* not watched yet: the reply reaches the TUN only */
	make_echo(rep, b_host, a_host, 0, 0x4242);
	CHECK_INT(write(B.tun[0], rep, sizeof(rep)), sizeof(rep));
	CHECK_INT(recv_wait(A.tun[0], out, sizeof(out), WAIT_MS), sizeof(rep));
	CHECK_INT(recv_wait(pfd[0], out, sizeof(out), 50), -1);
	/* watched: another identifier and a request are not copied, the reply is */
	CHECK_INT(dp_tunnel_set_probe(A.dp, TUN_ID, 0x4242, pfd[1]), 0);
	make_echo(other, b_host, a_host, 0, 0x4243);
	CHECK_INT(write(B.tun[0], other, sizeof(other)), sizeof(other));
	make_echo(other, b_host, a_host, 8, 0x4242);
	CHECK_INT(write(B.tun[0], other, sizeof(other)), sizeof(other));
	CHECK_INT(write(B.tun[0], rep, sizeof(rep)), sizeof(rep));
	for (int i = 0; i < 3; i++)
		CHECK_INT(recv_wait(A.tun[0], out, sizeof(out), WAIT_MS), sizeof(rep));
	CHECK_MEM(out, rep, sizeof(rep));
	CHECK_INT(recv_wait(pfd[0], out, sizeof(out), WAIT_MS), sizeof(rep));
	CHECK_MEM(out, rep, sizeof(rep));
	CHECK_INT(recv_wait(pfd[0], out, sizeof(out), 50), -1);
	/* stopped */
	CHECK_INT(dp_tunnel_set_probe(A.dp, TUN_ID, 0, -1), 0);
	CHECK_INT(write(B.tun[0], rep, sizeof(rep)), sizeof(rep));
	CHECK_INT(recv_wait(A.tun[0], out, sizeof(out), WAIT_MS), sizeof(rep));
	CHECK_INT(recv_wait(pfd[0], out, sizeof(out), 50), -1);
	close(pfd[0]);
	close(pfd[1]);
	close(tun2[0]);
	close(tun2[1]);
}

/* mss-clamp= on A's tunnel: A's SYN leaves with the MSS lowered, B's
 * SYN-ACK reaches A's TUN lowered, checksums right; other segments and
 * B's own tunnel untouched. */
static size_t make_syn(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], uint8_t flags)
{
	static const uint8_t opts[] = { 1, 2, 4, 0x05, 0xb4, 1, 1, 0 };	/* MSS 1460 at an odd offset */
	size_t len = 20 + 20 + sizeof(opts);

	memset(p, 0, len);
	p[0] = 0x45;
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 6;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	dp_csum_ip4_header(p);
	p[20] = 0x9c;
	p[23] = 0x50;
	p[32] = (20 + sizeof(opts)) / 4 << 4;
	p[33] = flags;
	p[34] = 0xfa;
	memcpy(p + 40, opts, sizeof(opts));
	dp_csum_l4_fill(p, len, 20, 16);
	return len;
}

static void test_mss_clamp(void)
{
	uint8_t in[64], esp[2048], out[2048];
	size_t len;
	ssize_t n;

	CHECK_INT(dp_tunnel_set_mss(A.dp, 99, 1300, 1300), -ENOENT);
	CHECK_INT(dp_tunnel_set_mss(A.dp, TUN_ID, 1300, 0), 0);
	len = make_syn(in, a_host, b_host, 0x02);
	n = a_sends(in, len, esp, sizeof(esp));
	CHECK(n > 0);
	send_to_b(esp, (size_t)n);
	CHECK_INT(recv_wait(B.tun[0], out, sizeof(out), WAIT_MS), len);
	CHECK_INT(out[43] << 8 | out[44], 1300);
	CHECK(dp_csum_l4_ok(out, len, 20, 6));
	CHECK_MEM(out, in, 36);				/* only the checksum and the MSS changed */
	CHECK_MEM(out + 38, in + 38, 5);
	len = make_syn(in, b_host, a_host, 0x12);	/* B's SYN-ACK: B does not clamp, A does */
	CHECK_INT(write(B.tun[0], in, len), len);
	CHECK_INT(recv_wait(A.tun[0], out, sizeof(out), WAIT_MS), len);
	CHECK_INT(out[43] << 8 | out[44], 1300);
	CHECK(dp_csum_l4_ok(out, len, 20, 6));
	len = make_syn(in, a_host, b_host, 0x10);	/* an ACK with the option: left alone */
	n = a_sends(in, len, esp, sizeof(esp));
	send_to_b(esp, (size_t)(n > 0 ? n : 0));
	CHECK_INT(recv_wait(B.tun[0], out, sizeof(out), WAIT_MS), len);
	CHECK_MEM(out, in, len);
	CHECK_INT(dp_tunnel_set_mss(A.dp, TUN_ID, 0, 0), 0);
	len = make_syn(in, a_host, b_host, 0x02);	/* off again */
	n = a_sends(in, len, esp, sizeof(esp));
	send_to_b(esp, (size_t)(n > 0 ? n : 0));
	CHECK_INT(recv_wait(B.tun[0], out, sizeof(out), WAIT_MS), len);
	CHECK_MEM(out, in, len);
	while (ike_wait(B.ike, out, sizeof(out), 50) >= 0)
		;	/* B's reports of ESP from the tap (test_elsewhere's SAs) */
}

static void test_counters(void)
{
	struct dp_sa_stats ao = sstats(A.dp, false, SPI_AB), bi = sstats(B.dp, true, SPI_AB);
	struct dp_sa_stats bo = sstats(B.dp, false, SPI_BA), ai = sstats(A.dp, true, SPI_BA);

	CHECK_INT(ao.packets, 2);
	CHECK_INT(ao.bytes, 164);
	CHECK(ao.last_packet != 0);
	CHECK_INT(bi.packets, 2);
	CHECK_INT(bi.bytes, 164);
	CHECK(bi.last_packet != 0);
	CHECK_INT(bo.packets, 1);
	CHECK_INT(bo.bytes, 1400);
	CHECK_INT(ai.packets, 1);
	CHECK_INT(ai.bytes, 1400);
	CHECK_INT(ai.drop_replay + ai.drop_auth + ai.drop_ts + ai.drop_other, 0);
	CHECK_INT(ao.drop_ts_out + bo.drop_ts_out + ao.drop_other + bo.drop_other, 0);
}

/* A peer that does not check its own selectors: the test encrypts under
 * A->B's key itself (A would refuse to, test_selector_out), at a sequence
 * number A will not reach, and B drops the packet after decrypting it. */
static void test_selector_drop(void)
{
	struct dp_sa_params p = sa_params(SPI_AB, 1, &A, &tap_addr, b_host, a_host);
	struct esp_sa *peer = esp_sa_new(SPI_AB, p.keymat, p.keymat_len);
	uint8_t esp[2048], out[2048];
	size_t n = 0;

	CHECK(peer != NULL);
	if (!peer)
		return;
	peer->seq = 999;
	make_ipv4(esp + ESP_HEADROOM, 60, (uint8_t[]){ 10, 9, 0, 1 }, b_host);
	CHECK_INT(esp_sa_encap(peer, esp, sizeof(esp), 60, ESP_NH_IPV4, &n), ESP_OK);
	esp_sa_free(peer);
	send_to_b(esp, n);
	WAIT_FOR(sstats(B.dp, true, SPI_AB).drop_ts == 1);
	CHECK_INT(sstats(B.dp, true, SPI_AB).drop_ts, 1);
	CHECK_INT(recv_wait(B.tun[0], out, sizeof(out), 50), -1);
}

/* A drops what its selectors (10.1/16 -> 10.2/16) do not cover before
 * encrypting it: nothing reaches the wire, no sequence number is spent,
 * each is counted in drop_ts_out.  A packet inside still goes, with the
 * next number, and B takes it. */
static void test_selector_out(void)
{
	static const uint8_t other[4] = { 10, 9, 0, 1 };
	static const uint8_t a6[16] = { 0xfd, 1, [15] = 1 }, b6[16] = { 0xfd, 2, [15] = 1 };
	uint8_t in[3][80], ok[80], esp[2048], out[2048];
	struct dp_sa_stats before = sstats(A.dp, false, SPI_AB);
	ssize_t n;

	make_ipv4(in[0], sizeof(in[0]), other, b_host);		/* src outside */
	make_ipv4(in[1], sizeof(in[1]), a_host, other);		/* dst outside */
	make_ipv6(in[2], sizeof(in[2]), a6, b6);		/* IPv6, IPv4-only SA */
	for (uint64_t k = 0; k < 3; k++) {
		CHECK_INT(write(A.tun[0], in[k], sizeof(in[k])), sizeof(in[k]));
		WAIT_FOR(sstats(A.dp, false, SPI_AB).drop_ts_out == before.drop_ts_out + k + 1);
		CHECK_INT(sstats(A.dp, false, SPI_AB).drop_ts_out, before.drop_ts_out + k + 1);
		CHECK_INT(recv_wait(tap, esp, sizeof(esp), 50), -1);
	}
	make_ipv4(ok, sizeof(ok), a_host, b_host);
	n = a_sends(ok, sizeof(ok), esp, sizeof(esp));
	CHECK(n > 0);
	if (n <= 0)
		return;
	/* every packet before took one number, the three dropped none */
	CHECK_INT(be32(esp + 4), before.packets + 1);
	CHECK_INT(sstats(A.dp, false, SPI_AB).packets, before.packets + 1);
	CHECK_INT(sstats(A.dp, false, SPI_AB).drop_other, before.drop_other);
	send_to_b(esp, (size_t)n);
	CHECK_INT(recv_wait(B.tun[0], out, sizeof(out), WAIT_MS), sizeof(ok));
	CHECK_MEM(out, ok, sizeof(ok));
}

static void test_ike_forwarding(void)
{
	const char msg[] = "\0\0\0\0IKE_SA_INIT";
	uint8_t got[512];
	struct dp_ike_hdr hdr;
	const struct sockaddr_in *from = (const struct sockaddr_in *)&hdr.from;
	const struct sockaddr_in *to = (const struct sockaddr_in *)&hdr.to;
	ssize_t n;

	send_to_b(msg, sizeof(msg) - 1);
	n = ike_wait(B.ike, got, sizeof(got), WAIT_MS);
	CHECK_INT(n, sizeof(hdr) + sizeof(msg) - 1 - 4);
	if (n < (ssize_t)sizeof(hdr))
		return;
	memcpy(&hdr, got, sizeof(hdr));
	CHECK_MEM(got + sizeof(hdr), "IKE_SA_INIT", 11);
	CHECK_INT(from->sin_family, AF_INET);
	CHECK_INT(from->sin_port, tap_addr.sin_port);
	CHECK_INT(from->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	CHECK_INT(to->sin_family, AF_INET);
	CHECK_INT(to->sin_port, B.addr.sin_port);
	CHECK_INT(to->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
}

/* A dual-stack IPv6 socket receiving IPv4: both addresses v4-mapped. */
static void test_ike_dual_stack(void)
{
	struct sockaddr_in6 addr = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in to4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 };
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), off = 0, ike = -1;
	uint8_t got[512];
	struct dp_ike_hdr hdr;
	const struct sockaddr_in6 *from = (const struct sockaddr_in6 *)&hdr.from;
	const struct sockaddr_in6 *to = (const struct sockaddr_in6 *)&hdr.to;

	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0 ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "no IPv6 socket here (%s): dual-stack case skipped\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	CHECK_INT(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	CHECK_INT(dp_socket_add(B.dp, fd, &ike), 0);
	to4.sin_port = addr.sin6_port;
	CHECK_INT(sendto(tap, "\0\0\0\0v6", 6, 0, (struct sockaddr *)&to4, sizeof(to4)), 6);
	CHECK_INT(recv_wait(ike, got, sizeof(got), WAIT_MS), sizeof(hdr) + 2);
	memcpy(&hdr, got, sizeof(hdr));
	CHECK_INT(from->sin6_family, AF_INET6);
	CHECK_MEM(from->sin6_addr.s6_addr, mapped, 16);
	CHECK_INT(from->sin6_port, tap_addr.sin_port);
	CHECK_INT(to->sin6_family, AF_INET6);
	CHECK_MEM(to->sin6_addr.s6_addr, mapped, 16);
	CHECK_INT(to->sin6_port, addr.sin6_port);
	CHECK_INT(dp_socket_remove(B.dp, fd), 0);
	close(ike);
	close(fd);
}

static void test_odd_datagrams(void)
{
	uint8_t ka = 0xff, junk[40] = { 1, 2, 3, 4 }, known[28] = { 0xab, 0, 0, 1, 0, 0, 0, 9 };
	struct dp_global_stats g;

	send_to_b(&ka, 1);
	WAIT_FOR(gstats(B.dp).keepalives_rx == 1);
	send_to_b(junk, sizeof(junk));				/* nobody's SPI */
	WAIT_FOR(gstats(B.dp).drop_unknown_spi == 1);
	send_to_b(junk, 3);					/* shorter than SPI|seq */
	send_to_b("\0\0\0\0", 4);				/* marker, no message */
	send_to_b(known, sizeof(known));			/* SA's SPI, too short */
	WAIT_FOR(gstats(B.dp).drop_malformed == 3);
	g = gstats(B.dp);
	CHECK_INT(g.keepalives_rx, 1);
	CHECK_INT(g.drop_unknown_spi, 1);
	CHECK_INT(g.drop_malformed, 3);
	CHECK_INT(g.drop_no_sa, 0);
	CHECK_INT(ike_wait(B.ike, junk, sizeof(junk), 50), -1);
}

/* Not an IP packet on the TUN: dropped, counted on the outbound SA. */
static void test_non_ip(void)
{
	uint8_t in[20] = { 0x10 }, esp[2048];

	CHECK_INT(write(A.tun[0], in, sizeof(in)), sizeof(in));
	WAIT_FOR(sstats(A.dp, false, SPI_AB).drop_other == 1);
	CHECK_INT(sstats(A.dp, false, SPI_AB).drop_other, 1);
	CHECK_INT(recv_wait(tap, esp, sizeof(esp), 50), -1);
}

/* A new outbound SA takes over; the old one can be made current again and
 * carries on with its own sequence numbers.  Removing the current one
 * leaves the tunnel without an SA: packets are dropped, never sent in the
 * clear nor with another SA. */
static void test_rekey_and_remove(void)
{
	struct dp_sa_params p = sa_params(SPI_AB2, 3, &A, &tap_addr, b_host, a_host);
	uint8_t in[80], esp[2048];

	CHECK_INT(dp_sa_add_outbound(A.dp, &p), 0);
	make_ipv4(in, sizeof(in), a_host, b_host);
	CHECK(a_sends(in, sizeof(in), esp, sizeof(esp)) > 0);
	CHECK_INT(be32(esp), SPI_AB2);
	CHECK_INT(be32(esp + 4), 1);
	CHECK_INT(dp_sa_prefer_outbound(A.dp, SPI_AB), 0);
	CHECK(a_sends(in, sizeof(in), esp, sizeof(esp)) > 0);
	CHECK_INT(be32(esp), SPI_AB);
	CHECK_INT(be32(esp + 4), 4);
	CHECK_INT(dp_sa_prefer_outbound(A.dp, SPI_AB2), 0);
	CHECK_INT(dp_sa_prefer_outbound(A.dp, 0x77777777), -ENOENT);
	CHECK(a_sends(in, sizeof(in), esp, sizeof(esp)) > 0);
	CHECK_INT(be32(esp), SPI_AB2);
	CHECK_INT(be32(esp + 4), 2);
	CHECK_INT(dp_sa_remove(A.dp, false, SPI_AB2), 0);
	CHECK_INT(write(A.tun[0], in, sizeof(in)), sizeof(in));
	WAIT_FOR(gstats(A.dp).drop_no_sa == 1);
	CHECK_INT(gstats(A.dp).drop_no_sa, 1);
	CHECK_INT(recv_wait(tap, esp, sizeof(esp), 50), -1);
	CHECK_INT(dp_sa_get_stats(A.dp, false, SPI_AB2, &(struct dp_sa_stats){ 0 }), -ENOENT);
	CHECK_INT(sstats(A.dp, false, SPI_AB).packets, 4);
	CHECK_INT(dp_sa_prefer_outbound(A.dp, SPI_AB2), -ENOENT);
}

/* AES-CBC + HMAC SA pairs, every key size with every integrity algorithm:
 * each new outbound SA takes over its tunnel, packets of several sizes go
 * both ways, the ESP on the wire has CBC's layout.  The last pair also
 * sees a replay and a forgery dropped without reaching the TUN. */
static void cbc_pair(uint32_t n, unsigned keybits, unsigned integ)
{
	static const size_t sizes[] = { 20, 41, 100, 1400 };
	uint32_t ab = 0xc0de0000u + n, ba = 0xdec00000u + n;
	size_t icv = integ_icv_len(integ);
	uint8_t in[1400], esp[2048], out[2048];
	struct dp_sa_params p;
	ssize_t got;

	p = cbc_params(ab, (uint8_t)n, &A, &tap_addr, b_host, a_host, keybits, integ);
	CHECK_INT(dp_sa_add_outbound(A.dp, &p), 0);
	p = cbc_params(ab, (uint8_t)n, &B, NULL, a_host, b_host, keybits, integ);
	CHECK_INT(dp_sa_add_inbound(B.dp, &p), 0);
	p = cbc_params(ba, (uint8_t)(n + 100), &B, &A.addr, a_host, b_host, keybits, integ);
	CHECK_INT(dp_sa_add_outbound(B.dp, &p), 0);
	p = cbc_params(ba, (uint8_t)(n + 100), &A, NULL, b_host, a_host, keybits, integ);
	CHECK_INT(dp_sa_add_inbound(A.dp, &p), 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = sizes[i], plen = (len + 2 + 15) / 16 * 16;

		make_ipv4(in, len, a_host, b_host);
		got = a_sends(in, len, esp, sizeof(esp));
		CHECK_INT(got, ESP_HDR_LEN + ESP_CBC_IV_LEN + plen + icv);
		CHECK_INT(be32(esp), ab);
		CHECK_INT(be32(esp + 4), i + 1);
		if (got <= 0)
			continue;
		send_to_b(esp, (size_t)got);
		CHECK_INT(recv_wait(B.tun[0], out, sizeof(out), WAIT_MS), len);
		CHECK_MEM(out, in, len);
		make_ipv4(in, len, b_host, a_host);
		CHECK_INT(write(B.tun[0], in, len), len);
		CHECK_INT(recv_wait(A.tun[0], out, sizeof(out), WAIT_MS), len);
		CHECK_MEM(out, in, len);
	}
	CHECK_INT(sstats(B.dp, true, ab).packets, 4);
	CHECK_INT(sstats(A.dp, true, ba).packets, 4);
	CHECK_INT(sstats(A.dp, true, ba).bytes, 20 + 41 + 100 + 1400);
	if (got <= 0)
		return;
	send_to_b(esp, (size_t)got);				/* the last one again */
	WAIT_FOR(sstats(B.dp, true, ab).drop_replay == 1);
	CHECK_INT(sstats(B.dp, true, ab).drop_replay, 1);
	make_ipv4(in, 60, a_host, b_host);
	got = a_sends(in, 60, esp, sizeof(esp));
	CHECK(got > 0);
	if (got <= 0)
		return;
	esp[ESP_HDR_LEN + ESP_CBC_IV_LEN] ^= 0x80;		/* first ciphertext byte */
	send_to_b(esp, (size_t)got);
	WAIT_FOR(sstats(B.dp, true, ab).drop_auth == 1);
	CHECK_INT(sstats(B.dp, true, ab).drop_auth, 1);
	esp[ESP_HDR_LEN + ESP_CBC_IV_LEN] ^= 0x80;		/* the genuine one still passes */
	send_to_b(esp, (size_t)got);
	CHECK_INT(recv_wait(B.tun[0], out, sizeof(out), WAIT_MS), 60);
	CHECK_INT(sstats(B.dp, true, ab).packets, 5);
}

static void test_cbc(void)
{
	static const unsigned integs[] = { AUTH_HMAC_SHA1_96, AUTH_HMAC_SHA2_256_128,
					   AUTH_HMAC_SHA2_384_192, AUTH_HMAC_SHA2_512_256 };
	static const unsigned bits[] = { 128, 192, 256 };
	uint32_t n = 1;

	for (size_t k = 0; k < 3; k++) {
		for (size_t i = 0; i < 4; i++) {
			unsigned fails = check_fail_count;

			cbc_pair(n++, bits[k], integs[i]);
			if (check_fail_count != fails)
				fprintf(stderr, "  in AES-%u-CBC with %s\n", bits[k], integ_name(integs[i]));
		}
	}
}

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

/* Send buf as one UDP GSO train of seg-byte datagrams (the last shorter). */
static void send_train_to_b(const uint8_t *buf, size_t len, size_t seg)
{
	union {
		char b[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_name = &B.addr, .msg_namelen = sizeof(B.addr), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof(cm.b) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	uint16_t v = (uint16_t)seg;

	memset(&cm, 0, sizeof(cm));
	c->cmsg_level = SOL_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(v));
	memcpy(CMSG_DATA(c), &v, sizeof(v));
	CHECK_INT(sendmsg(tap, &mh, 0), len);
}

/* A GRO train (UDP_GRO on B's socket): eight ESP packets of one size, a
 * replayed one among them, an IKE message of the same size, and a shorter
 * ESP packet last.  Each is handled on its own: every inner packet reaches
 * B's TUN once and in order, the replay is counted, the IKE message goes
 * to the control plane. */
static void test_gro_train(void)
{
	static uint8_t train[65536], esp[10][2048], out[2048], in[10][400];
	size_t seg = 0, len = 0, esp_len[10];
	uint32_t spi = 0;
	struct dp_global_stats before = gstats(B.dp);
	uint64_t replay0;

	for (int k = 0; k < 9; k++) {
		size_t l = k < 8 ? 300 : 100;
		ssize_t n;

		make_ipv4(in[k], l, a_host, b_host);
		in[k][30] = (uint8_t)k;
		n = a_sends(in[k], l, esp[k], sizeof(esp[k]));
		CHECK(n > 0);
		if (n <= 0)
			return;
		esp_len[k] = (size_t)n;
	}
	seg = esp_len[0];
	spi = be32(esp[0]);
	replay0 = sstats(B.dp, true, spi).drop_replay;
	for (int k = 0; k < 9; k++) {
		if (k == 4) {			/* packet 3 again: a replay */
			memcpy(train + len, esp[3], seg);
			len += seg;
		}
		if (k == 6) {			/* an IKE message of the same size */
			memset(train + len, 'I', seg);
			memset(train + len, 0, 4);
			len += seg;
		}
		memcpy(train + len, esp[k], esp_len[k]);
		len += esp_len[k];
	}
	send_train_to_b(train, len, seg);
	for (int k = 0; k < 9; k++) {
		size_t l = k < 8 ? 300 : 100;

		CHECK_INT(recv_wait(B.tun[0], out, sizeof(out), WAIT_MS), l);
		CHECK_MEM(out, in[k], l);
	}
	CHECK_INT(recv_wait(B.tun[0], out, sizeof(out), 50), -1);
	CHECK_INT(ike_wait(B.ike, out, sizeof(out), WAIT_MS), sizeof(struct dp_ike_hdr) + seg - 4);
	CHECK_INT(sstats(B.dp, true, spi).drop_replay, replay0 + 1);
	CHECK(gstats(B.dp).gro_received > before.gro_received);
}

/* Wait (at most 2 s) for the next monotonic second: the reports of ESP
 * from elsewhere come at most once a second per SA. */
static void next_second(void)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &a);
	for (int i = 0; i < 200; i++) {
		usleep(10000);
		clock_gettime(CLOCK_MONOTONIC_COARSE, &b);
		if (b.tv_sec != a.tv_sec)
			return;
	}
}

/* A -> B one packet through the tap, delivered. */
static void a_to_b_once(void)
{
	uint8_t in[64], esp[2048], out[2048];
	ssize_t n;

	make_ipv4(in, sizeof(in), a_host, b_host);
	n = a_sends(in, sizeof(in), esp, sizeof(esp));
	send_to_b(esp, (size_t)(n > 0 ? n : 0));
	CHECK_INT(recv_wait(B.tun[0], out, sizeof(out), WAIT_MS), sizeof(in));
}

/* B's outbound SA goes to A's address, its inbound ESP comes from the tap:
 * authentic ESP from elsewhere, reported on B's ike fd (the SPI, where it
 * came from) at most once a second; moved to the tap (dp_sa_set_peer), B's
 * ESP goes there and the reports stop. */
#define SPI_EAB 0xe1000001u
#define SPI_EBA 0xe2000001u

static void test_elsewhere(void)
{
	struct sockaddr_storage tap_ss = { 0 }, a_ss = { 0 };
	struct dp_sa_params p;
	const struct sockaddr_in *from = (const struct sockaddr_in *)&last_report.from;
	uint8_t buf[2048], in[100];
	unsigned before;

	memcpy(&tap_ss, &tap_addr, sizeof(tap_addr));
	memcpy(&a_ss, &A.addr, sizeof(A.addr));
	p = sa_params(SPI_EAB, 7, &A, &tap_addr, b_host, a_host);
	CHECK_INT(dp_sa_add_outbound(A.dp, &p), 0);
	p = sa_params(SPI_EAB, 7, &B, NULL, a_host, b_host);
	CHECK_INT(dp_sa_add_inbound(B.dp, &p), 0);
	p = sa_params(SPI_EBA, 8, &B, &A.addr, a_host, b_host);
	CHECK_INT(dp_sa_add_outbound(B.dp, &p), 0);
	p = sa_params(SPI_EBA, 8, &A, NULL, b_host, a_host);
	CHECK_INT(dp_sa_add_inbound(A.dp, &p), 0);
	a_to_b_once();
	while (ike_wait(B.ike, buf, sizeof(buf), 50) >= 0)
		;
	CHECK(elsewhere_reports >= 1);
	CHECK_INT(last_report.esp_spi, SPI_EAB);
	CHECK_INT(from->sin_port, tap_addr.sin_port);
	next_second();
	before = elsewhere_reports;
	for (int i = 0; i < 5; i++)
		a_to_b_once();
	while (ike_wait(B.ike, buf, sizeof(buf), 50) >= 0)
		;
	CHECK_INT(elsewhere_reports, before + 1);		/* five packets, one report */

	CHECK_INT(dp_sa_set_peer(B.dp, SPI_EBA, &tap_ss, B.udp), 0);
	CHECK_INT(dp_sa_set_peer(B.dp, 0xdeadbeef, &tap_ss, B.udp), -ENOENT);
	CHECK_INT(dp_sa_set_peer(B.dp, SPI_EBA, &tap_ss, tap), -ENOENT);	/* not B's socket */
	make_ipv4(in, sizeof(in), b_host, a_host);
	CHECK_INT(write(B.tun[0], in, sizeof(in)), sizeof(in));
	CHECK(recv_wait(tap, buf, sizeof(buf), WAIT_MS) > 8 && be32(buf) == SPI_EBA);
	next_second();
	before = elsewhere_reports;
	for (int i = 0; i < 3; i++)
		a_to_b_once();
	while (ike_wait(B.ike, buf, sizeof(buf), 50) >= 0)
		;
	CHECK_INT(elsewhere_reports, before);
	CHECK_INT(dp_sa_set_peer(B.dp, SPI_EBA, &a_ss, B.udp), 0);	/* back, for the rest */
}

static void test_socket_remove(void)
{
	uint8_t b[8];

	CHECK_INT(dp_socket_remove(B.dp, B.udp), 0);
	CHECK_INT(ike_wait(B.ike, b, sizeof(b), WAIT_MS), 0);	/* EOF */
	CHECK_INT(dp_tunnel_remove(B.dp, TUN_ID), 0);
}

int main(void)
{
	tap = udp_socket(&tap_addr);
	side_up(&A);
	side_up(&B);
	test_install_errors();
	install_sas();
	test_a_to_b();
	test_tampered();
	test_b_to_a();
	test_counters();
	test_selector_drop();
	test_selector_out();
	test_ike_forwarding();
	test_ike_dual_stack();
	test_odd_datagrams();
	test_non_ip();
	test_rekey_and_remove();
	test_cbc();
	test_gro_train();
	test_elsewhere();
	test_mss_clamp();
	test_probe();
	test_socket_remove();
	side_down(&A);
	side_down(&B);
	close(tap);
	return check_summary("esp-dataplane");
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The probe's parts that need no network: the echo requests it builds
 * (known answers, IPv4 and IPv6, checksums computed apart from the
 * code's), the replies it takes and the ones it refuses (every other
 * source, identifier, token, serial, type; every truncation; a bad
 * checksum), the RTT histogram's buckets, the loss window, the moments
 * the log tells of, and the log's limit. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "check.h"
#include "daemon/base/bytes.h"
#include "daemon/probe/echo.h"
#include "daemon/probe/probe.h"

#define SERIAL 0x0102030405060708ull

static const uint8_t want4[] = {
	0x45, 0x00, 0x00, 0x2c, 0x07, 0x08, 0x00, 0x00, 0x40, 0x01, 0xee, 0x75, 0xc0, 0xa8, 0x02, 0x01,
	0xc0, 0xa8, 0x02, 0x02, 0x08, 0x00, 0x10, 0x0f, 0x42, 0x42, 0x07, 0x08, 0xa0, 0xa1, 0xa2, 0xa3,
	0xa4, 0xa5, 0xa6, 0xa7, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
};
static const uint8_t want6[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x3a, 0x40, 0xfd, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfd, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x80, 0x00, 0x9d, 0xb3, 0x42, 0x42, 0x07, 0x08,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
};

static struct probe_echo echo(int family)
{
	struct probe_echo e = { .family = family, .ident = 0x4242 };

	inet_pton(family, family == AF_INET ? "192.168.2.1" : "fd00:2::1", e.src);
	inet_pton(family, family == AF_INET ? "192.168.2.2" : "fd00:2::2", e.dst);
	for (int i = 0; i < PROBE_TOKEN_LEN; i++)
		e.token[i] = (uint8_t)(0xa0 + i);
	return e;
}

/* RFC 1071, written apart from echo.c's. */
static uint16_t csum(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sum += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* What the peer's host makes of request req (len bytes): addresses
 * swapped, the type a reply's, checksums again.  hlen: the IP header's
 * length (IPv4 with options: more than 20). */
static void reply_of(uint8_t *p, size_t len, size_t hlen)
{
	uint8_t t[16];

	if (p[0] >> 4 == 4) {
		memcpy(t, p + 12, 4), memcpy(p + 12, p + 16, 4), memcpy(p + 16, t, 4);
		p[hlen] = 0;
		put_be16(p + 10, 0), put_be16(p + 10, csum(0, p, hlen));
		put_be16(p + hlen + 2, 0), put_be16(p + hlen + 2, csum(0, p + hlen, len - hlen));
		return;
	}
	memcpy(t, p + 8, 16), memcpy(p + 8, p + 24, 16), memcpy(p + 24, t, 16);
	p[40] = 129;
	put_be16(p + 42, 0);
	{
		uint32_t pseudo = (uint32_t)(len - 40) + 58;

		for (int i = 8; i < 40; i += 2)
			pseudo += (uint32_t)p[i] << 8 | p[i + 1];
		put_be16(p + 42, csum(pseudo, p + 40, len - 40));
	}
}

static void test_build(void)
{
	struct probe_echo e4 = echo(AF_INET), e6 = echo(AF_INET6), bad = echo(AF_INET);
	uint8_t out[PROBE_ECHO_MAX];

	CHECK_INT(probe_echo_build(&e4, SERIAL, out, sizeof(out)), sizeof(want4));
	CHECK_MEM(out, want4, sizeof(want4));
	CHECK_INT(probe_echo_build(&e6, SERIAL, out, sizeof(out)), sizeof(want6));
	CHECK_MEM(out, want6, sizeof(want6));
	CHECK_INT(sizeof(want6), PROBE_ECHO_MAX);
	CHECK_INT(probe_echo_build(&e6, SERIAL, out, sizeof(want6) - 1), 0);
	CHECK_INT(probe_echo_build(&e4, SERIAL, out, sizeof(want4) - 1), 0);
	bad.family = AF_UNIX;
	CHECK_INT(probe_echo_build(&bad, SERIAL, out, sizeof(out)), 0);
}

/* A request made by the code, answered by reply_of, checked against every
 * way it can differ. */
static void check_match(int family)
{
	struct probe_echo e = echo(family), other;
	uint8_t rep[PROBE_ECHO_MAX + 4], p[PROBE_ECHO_MAX + 4];
	size_t len = probe_echo_build(&e, 7, rep, sizeof(rep));
	size_t icmp = family == AF_INET ? 20 : 40;

	reply_of(rep, len, icmp);
	CHECK_INT(probe_echo_match(&e, 7, rep, len), PROBE_REPLY_OK);
	CHECK_INT(probe_echo_match(&e, 8, rep, len), PROBE_REPLY_LATE);
	CHECK_INT(probe_echo_match(&e, 6, rep, len), PROBE_REPLY_NOT_OURS);	/* never sent */
	CHECK_INT(probe_echo_match(&e, 0, rep, len), PROBE_REPLY_NOT_OURS);
	/* our own request, looped back */
	probe_echo_build(&e, 7, p, sizeof(p));
	CHECK_INT(probe_echo_match(&e, 7, p, len), PROBE_REPLY_NOT_OURS);
	/* another identifier, token: someone else's echo */
	other = e;
	other.ident = 0x4243;
	CHECK_INT(probe_echo_match(&other, 7, rep, len), PROBE_REPLY_NOT_OURS);
	other = e;
	other.token[3] ^= 1;
	CHECK_INT(probe_echo_match(&other, 7, rep, len), PROBE_REPLY_NOT_OURS);
	/* from anyone else, or to another address of ours */
	other = e;
	other.dst[3] ^= 1;
	CHECK_INT(probe_echo_match(&other, 7, rep, len), PROBE_REPLY_WRONG_PEER);
	other = e;
	other.src[3] ^= 1;
	CHECK_INT(probe_echo_match(&other, 7, rep, len), PROBE_REPLY_WRONG_PEER);
	/* a flipped bit anywhere past the addresses: a checksum catches it, or a field differs */
	for (size_t i = icmp; i < len; i++) {
		memcpy(p, rep, len);
		p[i] ^= 0x10;
		CHECK(probe_echo_match(&e, 7, p, len) != PROBE_REPLY_OK);
	}
	/* the data's serial and the sequence number disagree, checksums right */
	probe_echo_build(&e, 7, p, sizeof(p));
	p[len - 1] = 6;
	reply_of(p, len, icmp);
	CHECK_INT(probe_echo_match(&e, 7, p, len), PROBE_REPLY_NOT_OURS);
	memcpy(p, rep, len);
	p[icmp + 2] ^= 0x01;
	CHECK_INT(probe_echo_match(&e, 7, p, len), PROBE_REPLY_MALFORMED);
	/* every truncation, and a byte more */
	for (size_t n = 0; n < len; n++)
		CHECK(probe_echo_match(&e, 7, rep, n) != PROBE_REPLY_OK);
	memcpy(p, rep, len);
	p[len] = 0;
	CHECK_INT(probe_echo_match(&e, 7, p, len + 1), PROBE_REPLY_MALFORMED);
	/* the other family's packet */
	other = echo(family == AF_INET ? AF_INET6 : AF_INET);
	CHECK_INT(probe_echo_match(&other, 7, rep, len), PROBE_REPLY_NOT_OURS);
}

/* IPv4 only: options, fragments, another protocol, the header checksum. */
static void test_match_ipv4(void)
{
	struct probe_echo e = echo(AF_INET);
	uint8_t req[PROBE_ECHO_MAX], p[PROBE_ECHO_MAX + 8];
	size_t len = probe_echo_build(&e, 9, req, sizeof(req));

	/* 4 bytes of options (NOPs) after the header */
	memcpy(p, req, 20);
	memset(p + 20, 1, 4);
	memcpy(p + 24, req + 20, len - 20);
	p[0] = 0x46;
	put_be16(p + 2, (uint16_t)(len + 4));
	reply_of(p, len + 4, 24);
	CHECK_INT(probe_echo_match(&e, 9, p, len + 4), PROBE_REPLY_OK);
	p[0] = 0x44;		/* IHL 4 */
	CHECK_INT(probe_echo_match(&e, 9, p, len + 4), PROBE_REPLY_MALFORMED);
	p[0] = 0x4f;		/* IHL 15: 60 bytes, more than there are */
	CHECK_INT(probe_echo_match(&e, 9, p, len + 4), PROBE_REPLY_MALFORMED);

	memcpy(p, req, len);
	reply_of(p, len, 20);
	p[6] = 0x20;		/* more fragments */
	CHECK_INT(probe_echo_match(&e, 9, p, len), PROBE_REPLY_NOT_OURS);
	p[6] = 0x40;		/* don't fragment: fine, once the header checksum agrees */
	CHECK_INT(probe_echo_match(&e, 9, p, len), PROBE_REPLY_MALFORMED);
	put_be16(p + 10, 0), put_be16(p + 10, csum(0, p, 20));
	CHECK_INT(probe_echo_match(&e, 9, p, len), PROBE_REPLY_OK);
	p[9] = 17;		/* UDP */
	CHECK_INT(probe_echo_match(&e, 9, p, len), PROBE_REPLY_NOT_OURS);
	memcpy(p, req, len);
	reply_of(p, len, 20);
	put_be16(p + 2, (uint16_t)(len - 1));	/* total length short of the packet */
	CHECK_INT(probe_echo_match(&e, 9, p, len), PROBE_REPLY_MALFORMED);
}

static void test_match_ipv6(void)
{
	struct probe_echo e = echo(AF_INET6);
	uint8_t p[PROBE_ECHO_MAX];
	size_t len = probe_echo_build(&e, 9, p, sizeof(p));

	reply_of(p, len, 40);
	CHECK_INT(probe_echo_match(&e, 9, p, len), PROBE_REPLY_OK);
	p[6] = 0;		/* a hop-by-hop header first: not the reply we asked for */
	CHECK_INT(probe_echo_match(&e, 9, p, len), PROBE_REPLY_NOT_OURS);
	p[6] = 58;
	put_be16(p + 4, (uint16_t)(len - 41));
	CHECK_INT(probe_echo_match(&e, 9, p, len), PROBE_REPLY_MALFORMED);
	CHECK_STR(probe_reply_name(PROBE_REPLY_WRONG_PEER), "from elsewhere");
}

static void test_histogram(void)
{
	static const double rtts[] = { 0, 0.0005, 0.00051, 0.003, 1, 5, 5.5, 0.2 };
	/* answers with an RTT <= each bound, by hand */
	static const uint64_t le[PROBE_RTT_BUCKETS] = { 2, 3, 3, 4, 4, 4, 4, 4, 5, 5, 6, 6, 7 };
	struct probe_stats s = { .last_rtt = -1 };
	double sum = 0;

	for (size_t i = 0; i < sizeof(rtts) / sizeof(rtts[0]); i++) {
		probe_stats_answered(&s, rtts[i]);
		sum += rtts[i];
	}
	for (unsigned i = 0; i < PROBE_RTT_BUCKETS; i++) {
		CHECK_INT(s.rtt_le[i], le[i]);
		if (i)
			CHECK(probe_rtt_bounds[i] > probe_rtt_bounds[i - 1]);
	}
	CHECK(probe_rtt_bounds[0] == 0.0005 && probe_rtt_bounds[PROBE_RTT_BUCKETS - 1] == 5);
	CHECK_INT(s.rtt_count, 8);
	CHECK_INT(s.received, 8);
	CHECK(s.rtt_sum > sum - 1e-9 && s.rtt_sum < sum + 1e-9);
	CHECK(s.last_rtt == 0.2);
	probe_stats_answered(&s, -0.001);	/* a clock step: counted as 0 */
	CHECK_INT(s.rtt_le[0], 3);
	CHECK(s.last_rtt == 0);
}

static double ratio(const struct probe_stats *s)
{
	return probe_stats_loss_ratio(s);
}

static void test_window(void)
{
	struct probe_stats s = { .last_rtt = -1 };

	CHECK(ratio(&s) == 0);
	probe_stats_lost(&s);
	CHECK(ratio(&s) == 1);
	probe_stats_answered(&s, 0.01);
	CHECK(ratio(&s) == 0.5);
	for (int i = 0; i < 100; i++)
		probe_stats_lost(&s);
	CHECK_INT(s.window_len, PROBE_WINDOW);
	CHECK(ratio(&s) == 1);
	for (int i = 0; i < PROBE_WINDOW / 2; i++)
		probe_stats_answered(&s, 0.01);
	CHECK(ratio(&s) == 0.5);
	for (int i = 0; i < PROBE_WINDOW / 2 - 1; i++)
		probe_stats_answered(&s, 0.01);
	CHECK(ratio(&s) > 0.0166 && ratio(&s) < 0.0167);	/* 1 of 60 */
	probe_stats_answered(&s, 0.01);
	CHECK(ratio(&s) == 0);		/* the losses have left the window */
	CHECK_INT(s.lost, 101);
	CHECK_INT(s.received, 61);
}

/* The results the log tells of: each change once, the first result too. */
static void test_changes(void)
{
	struct probe_stats s = { .last_rtt = -1 };

	CHECK(!s.up);
	CHECK(probe_stats_answered(&s, 0.001));		/* first: up */
	CHECK(s.up);
	CHECK(!probe_stats_answered(&s, 0.001));
	CHECK(probe_stats_lost(&s));			/* up -> failing */
	CHECK(!s.up);
	CHECK(!probe_stats_lost(&s));
	CHECK(!probe_stats_lost(&s));
	CHECK_INT(s.lost_run, 3);
	CHECK(probe_stats_answered(&s, 0.001));		/* failing -> up */
	CHECK_INT(s.lost_run, 0);
	probe_stats_stopped(&s);
	CHECK(!s.up);
	CHECK(probe_stats_answered(&s, 0.001));		/* after a stop: a change again */
	probe_stats_stopped(&s);
	CHECK(probe_stats_lost(&s));
	CHECK_INT(s.sent, 0);				/* the runtime counts what it sends */
}

static void test_log_limit(void)
{
	struct probe_log_limit l = { 0 };
	unsigned held = 99;
	double t = 1000;

	for (int i = 0; i < PROBE_LOG_BURST; i++) {
		CHECK(probe_log_pass(&l, t + i, &held));
		CHECK_INT(held, 0);
	}
	CHECK(!probe_log_pass(&l, t + 10, &held));
	CHECK(!probe_log_pass(&l, t + 59, &held));
	CHECK(probe_log_pass(&l, t + PROBE_LOG_WINDOW_S, &held));
	CHECK_INT(held, 2);
	CHECK(probe_log_pass(&l, t + PROBE_LOG_WINDOW_S + 1, &held));
	CHECK_INT(held, 0);
	CHECK(probe_log_pass(&l, 5, &held));	/* the clock went back: a new window */
}

static void test_config(void)
{
	struct probe_config a = { .family = AF_INET, .interval = 10 }, b;

	CHECK_INT(probe_timeout(&a), 5);
	a.interval = 1;
	CHECK_INT(probe_timeout(&a), 1);
	a.interval = 5;
	CHECK_INT(probe_timeout(&a), 5);
	b = a;
	strcpy(b.conn, "another name");
	CHECK(probe_config_equal(&a, &b));
	b.dst[3] = 2;
	CHECK(!probe_config_equal(&a, &b));
	b = a;
	b.interval = 6;
	CHECK(!probe_config_equal(&a, &b));
	CHECK_STR(probe_state_name(PROBE_FAILING), "failing");
	CHECK(probe_get_stats(NULL) == NULL);
}

int main(void)
{
	test_build();
	check_match(AF_INET);
	check_match(AF_INET6);
	test_match_ipv4();
	test_match_ipv6();
	test_histogram();
	test_window();
	test_changes();
	test_log_limit();
	test_config();
	return check_summary("probe");
}

/* SPDX-License-Identifier: Apache-2.0 */
/* dp_mss_clamp (daemon/dp_mss.c) on crafted packets: SYNs and SYN-ACKs
 * over IPv4 and IPv6 (with extension headers) with the MSS option first,
 * after others, at odd and even offsets, twice, or absent; truncated and
 * malformed option lists, short packets (each in a buffer of exactly its
 * length, so a sanitizer build catches any read past it); everything that
 * must be left alone.  Every checksum is checked by a full recompute here,
 * independent of the data plane's checksum code. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "daemon/dataplane/mss.h"

#define SYN 0x02
#define ACK 0x10
#define MSS4 1398
#define MSS6 1378

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* RFC 1071, big-endian words, the odd byte padded. */
static uint32_t sum(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += get16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The TCP segment at l4 .. end of packet p, with its pseudo-header. */
static uint32_t tcp_sum(const uint8_t *p, size_t l4, size_t end)
{
	uint32_t s = 6 + (uint32_t)(end - l4);

	s = (p[0] >> 4) == 4 ? sum(s, p + 12, 8) : sum(s, p + 8, 32);
	return sum(s, p + l4, end - l4);
}

static bool tcp_ok(const uint8_t *p, size_t l4, size_t end)
{
	return fold(tcp_sum(p, l4, end)) == 0xffff;
}

static void tcp_fill(uint8_t *p, size_t l4, size_t end)
{
	put16(p + l4 + 16, 0);
	put16(p + l4 + 16, (uint16_t)~fold(tcp_sum(p, l4, end)));
}

/* A TCP header with opts (padded with EOL to 4 bytes) and payload bytes
 * at p + l4; returns the end of the segment. */
static size_t tcp_put(uint8_t *p, size_t l4, uint8_t flags, const uint8_t *opts, size_t olen,
		      size_t payload)
{
	size_t hlen = 20 + (olen + 3) / 4 * 4;
	uint8_t *t = p + l4;

	memset(t, 0, hlen);
	put16(t, 40000);
	put16(t + 2, 5001);
	memcpy(t + 4, "\x11\x22\x33\x44", 4);
	t[12] = (uint8_t)(hlen / 4 << 4);
	t[13] = flags;
	put16(t + 14, 64240);
	if (olen)
		memcpy(t + 20, opts, olen);
	for (size_t i = 0; i < payload; i++)
		t[hlen + i] = (uint8_t)(i * 7 + 1);
	return l4 + hlen + payload;
}

/* IPv4 SYN (or other flags) in p; its length. */
static size_t v4(uint8_t *p, uint8_t flags, const uint8_t *opts, size_t olen, size_t payload)
{
	size_t end;

	memset(p, 0, 20);
	p[0] = 0x45;
	p[8] = 64;
	p[9] = 6;
	memcpy(p + 12, "\x0a\x02\x00\x0a\x0a\x69\x00\x0a", 8);
	end = tcp_put(p, 20, flags, opts, olen, payload);
	put16(p + 2, end);
	tcp_fill(p, 20, end);
	return end;
}

/* IPv6 SYN with ext (extension headers, already chained: ext[0] is the
 * first's next header... given as bytes) in front of TCP. */
static size_t v6(uint8_t *p, uint8_t first_nh, const uint8_t *ext, size_t elen, uint8_t flags,
		 const uint8_t *opts, size_t olen)
{
	size_t end;

	memset(p, 0, 40);
	p[0] = 0x60;
	p[6] = first_nh;
	p[7] = 64;
	p[8] = 0xfd;
	p[23] = 0x10;
	p[24] = 0xfd;
	p[25] = 0x01;
	p[39] = 0x10;
	if (elen)
		memcpy(p + 40, ext, elen);
	end = tcp_put(p, 40 + elen, flags, opts, olen, 0);
	put16(p + 4, end - 40);
	tcp_fill(p, 40 + elen, end);
	return end;
}

static const uint8_t MSS1460[] = { 2, 4, 0x05, 0xb4 };

/* dp_mss_clamp on a copy of exactly len bytes; the result in out. */
static unsigned clamp_copy(const uint8_t *p, size_t len, uint8_t *out, uint16_t m4, uint16_t m6)
{
	uint8_t *c = malloc(len ? len : 1);
	unsigned n;

	memcpy(c, p, len);
	n = dp_mss_clamp(c, len, m4, m6);
	memcpy(out, c, len);
	free(c);
	return n;
}

static void test_first(void)
{
	uint8_t p[128], q[128];
	size_t n = v4(p, SYN, MSS1460, 4, 0);

	CHECK(tcp_ok(p, 20, n));
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 1);
	CHECK_INT(get16(q + 42), MSS4);
	CHECK(tcp_ok(q, 20, n));
	/* nothing else changed */
	CHECK(memcmp(p, q, 36) == 0 && memcmp(p + 38, q + 38, 4) == 0);
	/* a SYN-ACK too, and one with data (TFO) */
	n = v4(p, SYN | ACK, MSS1460, 4, 33);
	CHECK_INT(clamp_copy(p, n, q, MSS4, 0), 1);
	CHECK_INT(get16(q + 42), MSS4);
	CHECK(tcp_ok(q, 20, n));
}

/* MSS after 0..7 NOPs, SACK-permitted and a timestamp: odd and even offsets. */
static void test_layouts(void)
{
	for (size_t lead = 0; lead < 8; lead++) {
		uint8_t opts[40], p[128], q[128];
		size_t o = 0, at, n;

		memset(opts, 1, lead);
		o = lead;
		opts[o++] = 4;			/* SACK permitted */
		opts[o++] = 2;
		memcpy(opts + o, "\x08\x0a\x01\x02\x03\x04\x00\x00\x00\x00", 10);	/* timestamp */
		o += 10;
		at = 20 + 20 + o + 2;		/* the MSS value in the packet */
		memcpy(opts + o, MSS1460, 4);
		o += 4;
		opts[o++] = 1;
		memcpy(opts + o, "\x03\x03\x07", 3);	/* window scale */
		o += 3;
		n = v4(p, SYN, opts, o, 0);
		CHECK_INT(clamp_copy(p, n, q, MSS4, 0), 1);
		CHECK_INT(get16(q + at), MSS4);
		CHECK(tcp_ok(q, 20, n));
		if (!tcp_ok(q, 20, n))
			fprintf(stderr, "  %zu leading NOPs: MSS at offset %zu of the TCP header\n", lead, at - 20);
	}
}

/* Two MSS options: both lowered; one below the limit: left. */
static void test_twice_and_below(void)
{
	static const uint8_t two[] = { 2, 4, 0x05, 0xb4, 1, 2, 4, 0x23, 0x28 };	/* 1460, 9000 */
	static const uint8_t low[] = { 2, 4, 0x04, 0xb0 };			/* 1200 */
	uint8_t p[128], q[128];
	size_t n = v4(p, SYN, two, sizeof(two), 0);

	CHECK_INT(clamp_copy(p, n, q, MSS4, 0), 2);
	CHECK_INT(get16(q + 42), MSS4);
	CHECK_INT(get16(q + 47), MSS4);
	CHECK(tcp_ok(q, 20, n));
	n = v4(p, SYN, low, sizeof(low), 0);
	CHECK_INT(clamp_copy(p, n, q, MSS4, 0), 0);
	CHECK(memcmp(p, q, n) == 0);
	n = v4(p, SYN, MSS1460, 4, 0);
	CHECK_INT(clamp_copy(p, n, q, 1460, 0), 0);	/* equal: no change */
	CHECK_INT(clamp_copy(p, n, q, 1459, 0), 1);
	CHECK_INT(get16(q + 42), 1459);
	CHECK(tcp_ok(q, 20, n));
}

/* What must be left alone, byte for byte. */
static void test_untouched(void)
{
	static const uint8_t no_mss[] = { 1, 1, 3, 3, 7, 4, 2 };
	static const uint8_t after_eol[] = { 1, 0, 2, 4, 0x05, 0xb4 };
	static const uint8_t bad_len[][8] = {
		{ 2, 3, 0x05, 0xb4 },		/* MSS of length 3 */
		{ 2, 6, 0x05, 0xb4, 0, 0 },	/* MSS of length 6 */
		{ 8, 0, 2, 4, 0x05, 0xb4 },	/* a length of 0 stops the walk */
		{ 8, 1, 2, 4, 0x05, 0xb4 },	/* and of 1 */
		{ 1, 1, 1, 1, 1, 1, 1, 2 },	/* MSS kind at the last byte: no length */
		{ 1, 1, 1, 1, 1, 1, 2, 4 },	/* MSS needing 2 bytes past the header */
	};
	uint8_t p[128], q[128];
	size_t n;

	n = v4(p, ACK, MSS1460, 4, 0);				/* not a SYN */
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 0);
	n = v4(p, SYN, no_mss, sizeof(no_mss), 0);		/* no MSS option */
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 0);
	n = v4(p, SYN, NULL, 0, 0);				/* no options */
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 0);
	n = v4(p, SYN, after_eol, sizeof(after_eol), 0);	/* after the end of the list */
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 0);
	for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
		n = v4(p, SYN, bad_len[i], 8, 0);
		CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 0);
		CHECK(memcmp(p, q, n) == 0);
	}
	n = v4(p, SYN, MSS1460, 4, 0);
	CHECK_INT(clamp_copy(p, n, q, 0, MSS6), 0);		/* IPv4 not asked for */
	p[6] = 0x20;						/* more fragments */
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 0);
	p[6] = 0x00;
	p[7] = 0x01;						/* a later fragment */
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 0);
	p[7] = 0;
	p[9] = 17;						/* UDP */
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 0);
	p[9] = 6;
	p[0] = 0x44;						/* IHL 4 */
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 0);
	p[0] = 0x45;
	p[32] = 0xf0;						/* data offset 60 > the segment */
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 0);
	p[32] = 0x40;						/* data offset 16 < 20 */
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 0);
	p[32] = 0x60;
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 1);		/* as built: it was all the rest */
}

/* Every length short of the packet (total length past it): nothing read
 * past len (the copies are exactly len bytes), nothing changed. */
static void test_truncated(void)
{
	static const uint8_t opts[] = { 1, 1, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 2, 4, 0x05, 0xb4 };
	uint8_t p[128], q[128];
	size_t n = v4(p, SYN, opts, sizeof(opts), 0);

	for (size_t len = 0; len < n; len++)
		CHECK_INT(clamp_copy(p, len, q, MSS4, MSS6), 0);
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 1);
	/* total length shorter than the TCP header it says it has */
	put16(p + 2, n - 4);
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 0);
	/* IPv6 likewise */
	n = v6(p, 6, NULL, 0, SYN, opts, sizeof(opts));
	for (size_t len = 0; len < n; len++)
		CHECK_INT(clamp_copy(p, len, q, MSS4, MSS6), 0);
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 1);
}

static void test_ipv6(void)
{
	/* hop-by-hop (8 bytes, next: destination options) and destination
	 * options (16 bytes, next: TCP), padded with PadN */
	static const uint8_t ext[] = {
		60, 0, 1, 4, 0, 0, 0, 0,
		6, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	static const uint8_t frag[] = { 6, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t mss[] = { 1, 2, 4, 0x05, 0xa0 };	/* 1440 at an odd offset */
	uint8_t p[160], q[160];
	size_t n = v6(p, 6, NULL, 0, SYN | ACK, mss, sizeof(mss));

	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 1);
	CHECK_INT(get16(q + 40 + 23), MSS6);
	CHECK(tcp_ok(q, 40, n));
	CHECK_INT(clamp_copy(p, n, q, MSS4, 0), 0);		/* IPv6 not asked for */
	n = v6(p, 0, ext, sizeof(ext), SYN, mss, sizeof(mss));
	CHECK_INT(clamp_copy(p, n, q, 0, MSS6), 1);
	CHECK_INT(get16(q + 64 + 23), MSS6);
	CHECK(tcp_ok(q, 64, n));
	n = v6(p, 44, frag, sizeof(frag), SYN, mss, sizeof(mss));	/* a fragment header */
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 0);
	n = v6(p, 0, ext, sizeof(ext), SYN, mss, sizeof(mss));
	q[0] = 0;
	p[41] = 200;			/* hop-by-hop of 1608 bytes: past the payload */
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 0);
	p[41] = 0;
	put16(p + 4, 20);		/* payload shorter than the headers it has */
	CHECK_INT(clamp_copy(p, n, q, MSS4, MSS6), 0);
}

/* Random option lists in random SYNs: the checksum stays right, only the
 * TCP header may change, and a change is a lowered MSS. */
static void test_random(void)
{
	uint8_t p[200], q[200], opts[40];
	unsigned seed = 12345, changed = 0;
	size_t bad = 0;

	for (int iter = 0; iter < 200000; iter++) {
		size_t olen = (size_t)rand_r(&seed) % 41, n, hlen;
		unsigned r;

		for (size_t i = 0; i < olen; i++) {
			r = (unsigned)rand_r(&seed);
			opts[i] = (uint8_t)(r % 4 == 0 ? 2 : r % 4 == 1 ? 4 : r % 4 == 2 ? 1 : r >> 8);
		}
		n = v4(p, (uint8_t)(SYN | (rand_r(&seed) & ACK)), opts, olen, (size_t)rand_r(&seed) % 50);
		hlen = 20 + (olen + 3) / 4 * 4;
		r = clamp_copy(p, n, q, (uint16_t)(500 + rand_r(&seed) % 1500), 0);
		changed += r > 0;
		if (!tcp_ok(q, 20, n) || memcmp(p, q, 36) || memcmp(p + 38, q + 38, 2) ||
		    memcmp(p + 20 + hlen, q + 20 + hlen, n - 20 - hlen) || (r == 0 && memcmp(p, q, n)))
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK(changed > 1000);
}

int main(void)
{
	test_first();
	test_layouts();
	test_twice_and_below();
	test_untouched();
	test_truncated();
	test_ipv6();
	test_random();
	return check_summary("esp-mss");
}

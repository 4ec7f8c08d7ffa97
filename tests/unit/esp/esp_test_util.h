/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the ESP tests: inner packets and selectors. */
#ifndef MCVPN_TEST_ESP_UTIL_H
#define MCVPN_TEST_ESP_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/dataplane/dataplane.h"
#include "daemon/dataplane/esp.h"

#define ESP_TEST_BUF 2048	/* an ESP packet of any inner packet the tests make */

/* An IPv4 packet of len bytes (>= 20) from src to dst, UDP, payload filler. */
static inline void make_ipv4(uint8_t *p, size_t len, const uint8_t src[4], const uint8_t dst[4])
{
	for (size_t i = 20; i < len; i++)
		p[i] = (uint8_t)(i * 31 + 7);
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 17;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
}

/* An IPv6 packet of len bytes (>= 40). */
static inline void make_ipv6(uint8_t *p, size_t len, const uint8_t src[16], const uint8_t dst[16])
{
	for (size_t i = 40; i < len; i++)
		p[i] = (uint8_t)(i * 17 + 3);
	memset(p, 0, 40);
	p[0] = 0x60;
	p[4] = (uint8_t)((len - 40) >> 8);
	p[5] = (uint8_t)(len - 40);
	p[6] = 17;
	p[7] = 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
}

static inline struct dp_range range4(const uint8_t lo[4], const uint8_t hi[4])
{
	struct dp_range r = { .family = AF_INET };

	memcpy(r.start, lo, 4);
	memcpy(r.end, hi, 4);
	return r;
}

static inline struct dp_range range6(const uint8_t lo[16], const uint8_t hi[16])
{
	struct dp_range r = { .family = AF_INET6 };

	memcpy(r.start, lo, 16);
	memcpy(r.end, hi, 16);
	return r;
}

/* The ESP packet of a 60-byte IPv4 packet from src to dst that out seals
 * as number seq, into buf (ESP_TEST_BUF bytes); out stays the caller's.
 * Its length, 0 when out refused it. */
static inline size_t esp_test_packet(struct esp_sa *out, uint8_t *buf, uint32_t seq,
				     const uint8_t src[4], const uint8_t dst[4])
{
	size_t elen = 0;

	out->seq = seq - 1;
	make_ipv4(buf + ESP_HEADROOM, 60, src, dst);
	return esp_sa_encap(out, buf, ESP_TEST_BUF, 60, ESP_NH_IPV4, &elen) == ESP_OK ? elen : 0;
}

/* in's verdict on a copy of pkt (decapsulation works in place: pkt stays
 * as it is for the next try); *touched, when asked, whether the copy
 * changed (was decrypted). */
static inline enum esp_err esp_test_decap_copy(struct esp_sa *in, const uint8_t *pkt, size_t len,
					       bool *touched)
{
	uint8_t copy[ESP_TEST_BUF], *inner;
	size_t ilen;
	enum esp_err e;

	memcpy(copy, pkt, len);
	e = esp_sa_decap(in, copy, len, &inner, &ilen);
	if (touched)
		*touched = memcmp(copy, pkt, len) != 0;
	return e;
}

#endif

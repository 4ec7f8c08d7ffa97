/* SPDX-License-Identifier: Apache-2.0 */
/* The COOKIE function (RFC 7296 2.6): version | SHA-256(Ni | IPi | SPIi | secret).
 * Given the secret it is deterministic and binds every input but the port;
 * the responder's secret rotates every IKE_COOKIE_ROTATE_S, the previous one
 * still verifies, the one before it and a secret left unused too long do not. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "crypto/hash.h"
#include "crypto/secret.h"
#include "daemon/ike/cookie.h"

#define R IKE_COOKIE_ROTATE_S

static const uint64_t SPII = 0x0123456789abcdefULL;
static uint8_t ni[32];

static struct sockaddr_storage v4(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s = (struct sockaddr_in *)&ss;
	memset(&ss, 0, sizeof(ss));
	s->sin_family = AF_INET;
	s->sin_port = htons(port);
	inet_pton(AF_INET, ip, &s->sin_addr);
	return ss;
}

static struct sockaddr_storage v6(const char *ip)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
	memset(&ss, 0, sizeof(ss));
	s->sin6_family = AF_INET6;
	s->sin6_port = htons(500);
	inet_pton(AF_INET6, ip, &s->sin6_addr);
	return ss;
}

static bool differ(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, IKE_COOKIE_LEN) != 0;
}

/* Same inputs, same cookie; the layout is the RFC's, byte for byte. */
static void deterministic(const struct secret *key)
{
	struct sockaddr_storage ip = v4("198.51.100.10", 500);
	uint8_t c1[IKE_COOKIE_LEN], c2[IKE_COOKIE_LEN], want[32];
	uint8_t in[sizeof(ni) + 4 + 8 + IKE_COOKIE_SECRET_LEN];
	static const uint8_t spi_be[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	static const uint8_t addr[4] = { 198, 51, 100, 10 };

	CHECK_INT(ike_cookie_compute(key, 7, ni, sizeof(ni), &ip, SPII, c1), 0);
	CHECK_INT(ike_cookie_compute(key, 7, ni, sizeof(ni), &ip, SPII, c2), 0);
	CHECK_MEM(c1, c2, IKE_COOKIE_LEN);
	CHECK_INT(c1[0], 7);
	memcpy(in, ni, sizeof(ni));
	memcpy(in + sizeof(ni), addr, 4);
	memcpy(in + sizeof(ni) + 4, spi_be, 8);
	memcpy(in + sizeof(ni) + 12, key->buf, key->len);
	CHECK_INT(hash_sha256(in, sizeof(in), want), 0);
	CHECK_MEM(c1 + 1, want, 32);
}

/* Every input but the port changes the cookie. */
static void bound_to_inputs(const struct secret *key)
{
	struct sockaddr_storage ip = v4("198.51.100.10", 500);
	struct sockaddr_storage other_ip = v4("198.51.100.11", 500);
	struct sockaddr_storage other_port = v4("198.51.100.10", 4500);
	struct sockaddr_storage ip6 = v6("2001:db8::1"), other6 = v6("2001:db8::2");
	struct sockaddr_storage unix_ss = { .ss_family = AF_UNIX };
	uint8_t base[IKE_COOKIE_LEN], c[IKE_COOKIE_LEN], n2[sizeof(ni)];
	struct secret *key2 = secret_dup(key->buf, key->len);

	CHECK_INT(ike_cookie_compute(key, 1, ni, sizeof(ni), &ip, SPII, base), 0);
	memcpy(n2, ni, sizeof(ni));
	n2[31] ^= 1;
	CHECK_INT(ike_cookie_compute(key, 1, n2, sizeof(n2), &ip, SPII, c), 0);
	CHECK(differ(base, c));			/* nonce */
	CHECK_INT(ike_cookie_compute(key, 1, ni, sizeof(ni) - 1, &ip, SPII, c), 0);
	CHECK(differ(base, c));			/* nonce length */
	CHECK_INT(ike_cookie_compute(key, 1, ni, sizeof(ni), &other_ip, SPII, c), 0);
	CHECK(differ(base, c));			/* address */
	CHECK_INT(ike_cookie_compute(key, 1, ni, sizeof(ni), &ip, SPII ^ 1, c), 0);
	CHECK(differ(base, c));			/* SPIi */
	CHECK_INT(ike_cookie_compute(key, 2, ni, sizeof(ni), &ip, SPII, c), 0);
	CHECK(differ(base, c));			/* version */
	CHECK(memcmp(base + 1, c + 1, 32) == 0);	/* ... which is only the first byte */
	key2->buf[0] ^= 0x80;
	CHECK_INT(ike_cookie_compute(key2, 1, ni, sizeof(ni), &ip, SPII, c), 0);
	CHECK(differ(base, c));			/* secret */
	CHECK_INT(ike_cookie_compute(key, 1, ni, sizeof(ni), &other_port, SPII, c), 0);
	CHECK_MEM(base, c, IKE_COOKIE_LEN);	/* the port is not part of it */

	uint8_t c6[IKE_COOKIE_LEN];
	CHECK_INT(ike_cookie_compute(key, 1, ni, sizeof(ni), &ip6, SPII, c6), 0);
	CHECK_INT(ike_cookie_compute(key, 1, ni, sizeof(ni), &other6, SPII, c), 0);
	CHECK(differ(c6, c));
	CHECK_INT(ike_cookie_compute(key, 1, ni, sizeof(ni), &unix_ss, SPII, c), -1);
	static uint8_t big[257];
	CHECK_INT(ike_cookie_compute(key, 1, big, sizeof(big), &ip, SPII, c), -1);
	CHECK_INT(ike_cookie_compute(key, 1, big, 256, &ip, SPII, c), 0);
	secret_free(key2);
}

static bool check(struct ike_cookies *c, double now, const uint8_t *ck, size_t len,
		  const struct sockaddr_storage *ip)
{
	return ike_cookie_check(c, now, ck, len, ni, sizeof(ni), ip, SPII);
}

/* What the responder accepts: its own cookie, nothing bent, through one rotation. */
static void verify_and_rotate(void)
{
	struct ike_cookies c = { 0 };
	struct sockaddr_storage ip = v4("198.51.100.10", 500), nat = v4("198.51.100.10", 61234);
	struct sockaddr_storage other = v4("192.0.2.1", 500);
	uint8_t c0[IKE_COOKIE_LEN], c1[IKE_COOKIE_LEN], c2[IKE_COOKIE_LEN], x[IKE_COOKIE_LEN];
	const double t0 = 1000.0;

	CHECK_INT(ike_cookie_make(&c, t0, ni, sizeof(ni), &ip, SPII, c0), 0);
	CHECK(c.cur != NULL && c.prev == NULL);
	CHECK(check(&c, t0, c0, sizeof(c0), &ip));
	CHECK(check(&c, t0 + 1, c0, sizeof(c0), &nat));	/* another port: still good */
	CHECK(!check(&c, t0, c0, sizeof(c0), &other));
	CHECK(!check(&c, t0, c0, sizeof(c0) - 1, &ip));	/* truncated */
	CHECK(!check(&c, t0, c0, 0, &ip));
	CHECK(!ike_cookie_check(&c, t0, c0, sizeof(c0), ni, sizeof(ni), &ip, SPII + 1));
	for (size_t i = 0; i < sizeof(c0); i++) {	/* any byte changed, version included */
		memcpy(x, c0, sizeof(x));
		x[i] ^= 0x01;
		if (check(&c, t0, x, sizeof(x), &ip))
			fprintf(stderr, "  a cookie with byte %zu changed verified\n", i);
		CHECK(!check(&c, t0, x, sizeof(x), &ip));
	}
	/* the same secret within the period: the same cookie */
	CHECK_INT(ike_cookie_make(&c, t0 + R - 1, ni, sizeof(ni), &ip, SPII, x), 0);
	CHECK_MEM(x, c0, IKE_COOKIE_LEN);

	/* one period later: a new secret and version, the old cookie still verifies */
	CHECK_INT(ike_cookie_make(&c, t0 + R, ni, sizeof(ni), &ip, SPII, c1), 0);
	CHECK(differ(c0, c1));
	CHECK_INT(c1[0], (uint8_t)(c0[0] + 1));
	CHECK(c.prev != NULL);
	CHECK(check(&c, t0 + R, c0, sizeof(c0), &ip));
	CHECK(check(&c, t0 + R, c1, sizeof(c1), &ip));

	/* and another: the first secret is gone, the second still verifies */
	CHECK_INT(ike_cookie_make(&c, t0 + 2 * R, ni, sizeof(ni), &ip, SPII, c2), 0);
	CHECK(!check(&c, t0 + 2 * R, c0, sizeof(c0), &ip));
	CHECK(check(&c, t0 + 2 * R, c1, sizeof(c1), &ip));
	CHECK(check(&c, t0 + 2 * R, c2, sizeof(c2), &ip));
	/* the first cookie with the current version byte does not pass either */
	memcpy(x, c0, sizeof(x));
	x[0] = c2[0];
	CHECK(!check(&c, t0 + 2 * R, x, sizeof(x), &ip));

	/* unused for two periods: even the last secret is too old to be the previous one */
	CHECK(!check(&c, t0 + 4 * R + 1, c2, sizeof(c2), &ip));
	CHECK(c.prev == NULL);

	ike_cookies_clear(&c);
	CHECK(c.cur == NULL && c.prev == NULL);
	ike_cookies_clear(&c);	/* twice is harmless */
}

/* Lazy rotation also happens on a check alone (no make in between). */
static void rotate_on_check(void)
{
	struct ike_cookies c = { 0 };
	struct sockaddr_storage ip = v4("203.0.113.20", 500);
	uint8_t c0[IKE_COOKIE_LEN];

	CHECK_INT(ike_cookie_make(&c, 0, ni, sizeof(ni), &ip, SPII, c0), 0);
	CHECK(check(&c, R + 5, c0, sizeof(c0), &ip));	/* rotated: c0 is the previous */
	CHECK(c.prev != NULL);
	CHECK(check(&c, 2 * R, c0, sizeof(c0), &ip));	/* still within the new period */
	CHECK(!check(&c, 2 * R + 5, c0, sizeof(c0), &ip));
	ike_cookies_clear(&c);
}

int main(void)
{
	struct secret *key = secret_new(IKE_COOKIE_SECRET_LEN);

	for (size_t i = 0; i < sizeof(ni); i++)
		ni[i] = (uint8_t)(0x80 + i);
	for (size_t i = 0; key && i < key->len; i++)
		key->buf[i] = (uint8_t)(0x40 + i);
	CHECK(key != NULL);
	if (key) {
		deterministic(key);
		bound_to_inputs(key);
	}
	verify_and_rotate();
	rotate_on_check();
	secret_free(key);
	return check_summary("ike-cookie");
}

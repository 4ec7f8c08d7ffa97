/* SPDX-License-Identifier: Apache-2.0 */
/* Not a test: how many 1400-byte inner packets per second one thread
 * encapsulates and decapsulates with AES-GCM-16 and with AES-CBC + each
 * HMAC.  Run with `meson test -C BUILD --benchmark` or directly; nothing
 * here asserts a speed.  Packets go in batches of BATCH buffers (1.5 MB,
 * cache-warm as a busy data plane is), timed per batch, so the clock is
 * read twice per BATCH packets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/alg.h"
#include "daemon/dataplane/esp.h"
#include "esp_test_util.h"

#define INNER	1400
#define BATCH	1000
#define ROUNDS	60
#define SLOT	(INNER + ESP_HEADROOM + ESP_TAILROOM)

struct transform {
	const char *name;
	unsigned encr, bits, integ;
};

static const struct transform transforms[] = {
	{ "AES-256-GCM-16", ENCR_AES_GCM_16, 256, AUTH_NONE },
	{ "AES-128-GCM-16", ENCR_AES_GCM_16, 128, AUTH_NONE },
	{ "ChaCha20-Poly1305", ENCR_CHACHA20_POLY1305, 256, AUTH_NONE },
	{ "AES-256-CBC + HMAC-SHA2-256-128", ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128 },
	{ "AES-128-CBC + HMAC-SHA2-256-128", ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_256_128 },
	{ "AES-256-CBC + HMAC-SHA1-96", ENCR_AES_CBC, 256, AUTH_HMAC_SHA1_96 },
	{ "AES-256-CBC + HMAC-SHA2-384-192", ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_384_192 },
	{ "AES-256-CBC + HMAC-SHA2-512-256", ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_512_256 },
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct esp_sa *sa_for(const struct transform *t, const uint8_t *keymat)
{
	size_t len = encr_keymat_len(t->encr, t->bits) + integ_key_len(t->integ);

	return esp_sa_new_alg(0x01020304, t->encr, t->bits, t->integ, keymat, len);
}

/* Seconds spent encapsulating and decapsulating ROUNDS * BATCH packets. */
static int run(const struct transform *t, uint8_t *bufs, double *enc_s, double *dec_s)
{
	static const uint8_t src[4] = { 10, 1, 0, 1 }, dst[4] = { 10, 2, 0, 1 };
	uint8_t keymat[96], inner[INNER];
	struct esp_sa *out, *in;
	struct dp_range r = range4(src, dst);
	size_t lens[BATCH];

	for (size_t i = 0; i < sizeof(keymat); i++)
		keymat[i] = (uint8_t)(i * 7 + 1);
	out = sa_for(t, keymat);
	in = sa_for(t, keymat);
	if (!out || !in || esp_sa_set_ts(in, &r, 1, &r, 1))
		return -1;
	make_ipv4(inner, INNER, src, dst);
	*enc_s = *dec_s = 0;
	for (int round = 0; round < ROUNDS; round++) {
		double t0, t1, t2;

		for (size_t i = 0; i < BATCH; i++)
			memcpy(bufs + i * SLOT + ESP_HEADROOM, inner, INNER);
		t0 = now();
		for (size_t i = 0; i < BATCH; i++)
			if (esp_sa_encap(out, bufs + i * SLOT, SLOT, INNER, ESP_NH_IPV4, &lens[i]))
				return -1;
		t1 = now();
		for (size_t i = 0; i < BATCH; i++) {
			uint8_t *p;
			size_t plen;

			if (esp_sa_decap(in, bufs + i * SLOT, lens[i], &p, &plen) || plen != INNER)
				return -1;
		}
		t2 = now();
		*enc_s += t1 - t0;
		*dec_s += t2 - t1;
	}
	esp_sa_free(out);
	esp_sa_free(in);
	return 0;
}

int main(void)
{
	uint8_t *bufs = malloc((size_t)BATCH * SLOT);
	double n = (double)ROUNDS * BATCH;

	if (!bufs)
		return 1;
	printf("%d-byte IPv4 inner packets, one thread, %d packets each way\n", INNER, ROUNDS * BATCH);
	printf("%-34s %12s %12s %10s %10s\n", "transform", "encap pkt/s", "decap pkt/s",
	       "encap Gb/s", "decap Gb/s");
	for (size_t i = 0; i < sizeof(transforms) / sizeof(transforms[0]); i++) {
		const struct transform *t = &transforms[i];
		double enc, dec;

		if (run(t, bufs, &enc, &dec)) {
			printf("%-34s failed\n", t->name);
			free(bufs);
			return 1;
		}
		printf("%-34s %12.0f %12.0f %10.2f %10.2f\n", t->name, n / enc, n / dec,
		       n * INNER * 8 / enc / 1e9, n * INNER * 8 / dec / 1e9);
	}
	free(bufs);
	return 0;
}

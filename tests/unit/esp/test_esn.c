/* SPDX-License-Identifier: Apache-2.0 */
/* Extended Sequence Numbers (RFC 4304; RFC 4303 2.2.1, 3.3.3, 3.4.3 and
 * appendix A2): the replay window's inference of the high 32 bits around
 * each 2^32 boundary, then ESP packets with ESN for AES-GCM and AES-CBC +
 * HMAC checked against the RFC text with OpenSSL and the one-shot crypto
 * functions (the AAD and the ICV input built here by hand), the counter's
 * end, and what a receiver refuses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "check.h"
#include "crypto/alg.h"
#include "crypto/cipher.h"
#include "crypto/integ.h"
#include "daemon/base/bytes.h"
#include "daemon/dataplane/esp.h"
#include "daemon/dataplane/replay.h"
#include "esp_test_util.h"

#define E32 ((uint64_t)1 << 32)		/* the first number of epoch 1 */
#define SPI 0x0a0b0c0d
#define BUF 2048

static const uint8_t src4[4] = { 10, 1, 0, 1 }, dst4[4] = { 10, 2, 0, 1 };

/* ---- the replay window ---- */

/* What the ESP receive path does with a packet carrying low: infer, check,
 * record.  Returns the full number accepted, or 0 when refused. */
static uint64_t receive(struct replay *r, uint32_t low)
{
	uint64_t seq = replay_esn_infer(r, low);

	if (!replay_check(r, seq))
		return 0;
	replay_update(r, seq);
	return seq;
}

/* A window whose top is top (numbers received up to it, in order, from
 * as far back as the window reaches). */
static void window_at(struct replay *r, uint64_t top)
{
	replay_init(r);
	for (uint64_t s = top > REPLAY_WINDOW ? top - REPLAY_WINDOW + 1 : 1; s <= top; s++)
		replay_update(r, s);
	CHECK_INT(r->top, top);
}

static void test_infer_epoch0(void)
{
	struct replay r;

	replay_init(&r);
	CHECK_INT(replay_esn_infer(&r, 1), 1);
	CHECK_INT(replay_esn_infer(&r, 5000), 5000);
	/* Behind a window still reaching below 0: epoch -1, no such number. */
	CHECK_INT(replay_esn_infer(&r, UINT32_MAX), 0);
	CHECK_INT(replay_esn_infer(&r, UINT32_MAX - REPLAY_WINDOW + 2), 0);
	CHECK_INT(receive(&r, 0), 0);			/* 0 is never valid */
	CHECK_INT(receive(&r, 1), 1);
	CHECK_INT(receive(&r, 1), 0);			/* replay */
}

/* Window inside epoch 0, near its end (RFC 4303 A2.2 case A). */
static void test_infer_before_boundary(void)
{
	struct replay r;
	uint64_t top = E32 - 10;

	window_at(&r, top);
	CHECK_INT(replay_esn_infer(&r, (uint32_t)(E32 - 5)), E32 - 5);		/* ahead, same epoch */
	CHECK_INT(replay_esn_infer(&r, (uint32_t)(E32 - 100)), E32 - 100);	/* inside */
	CHECK_INT(replay_esn_infer(&r, (uint32_t)(top - REPLAY_WINDOW + 1)), top - REPLAY_WINDOW + 1);
	CHECK_INT(replay_esn_infer(&r, 3), E32 + 3);				/* across 2^32 */
	CHECK_INT(replay_esn_infer(&r, 0), E32);				/* 2^32: low bits 0 */
	/* Below the window: taken for the next epoch (its ICV will fail). */
	CHECK_INT(replay_esn_infer(&r, (uint32_t)(top - REPLAY_WINDOW)), E32 + (top - REPLAY_WINDOW));
	CHECK_INT(receive(&r, 0), E32);
	CHECK_INT(r.top, E32);
	CHECK_INT(receive(&r, 0), 0);					/* 2^32 again: replay */
}

/* Window straddling 2^32 (case B): late packets of epoch 0 still count. */
static void test_infer_straddling(void)
{
	struct replay r;
	uint64_t top = E32 + 10;

	replay_init(&r);
	replay_update(&r, E32 - 200);
	replay_update(&r, top);
	CHECK_INT(replay_esn_infer(&r, (uint32_t)(E32 - 100)), E32 - 100);	/* late, epoch 0 */
	CHECK_INT(replay_esn_infer(&r, (uint32_t)(top - REPLAY_WINDOW + 1)), top - REPLAY_WINDOW + 1);
	CHECK_INT(replay_esn_infer(&r, 5), E32 + 5);
	CHECK_INT(replay_esn_infer(&r, 20), E32 + 20);				/* ahead */
	CHECK_INT(receive(&r, (uint32_t)(E32 - 100)), E32 - 100);
	CHECK_INT(receive(&r, (uint32_t)(E32 - 100)), 0);			/* replay */
	CHECK_INT(receive(&r, (uint32_t)(E32 - 200)), 0);			/* seen before */
	CHECK_INT(receive(&r, 5), E32 + 5);
	CHECK_INT(receive(&r, 5), 0);
	CHECK_INT(r.top, top);
	/* Just below the window (in epoch 0): taken for epoch 1, wrong, and
	 * the ICV refuses it. */
	CHECK_INT(replay_esn_infer(&r, (uint32_t)(top - REPLAY_WINDOW)), E32 + (uint32_t)(top - REPLAY_WINDOW));
}

/* Every number from 2^32 - 3000 to 2^32 + 3000, in blocks of 64 received
 * backwards: each inferred right and accepted once, duplicates refused. */
static void test_run_across(void)
{
	struct replay r;
	unsigned ok = 0, wrong = 0, dup = 0;

	window_at(&r, E32 - 3000);
	for (uint64_t b = E32 - 2999; b <= E32 + 3000; b += 64) {
		for (uint64_t s = b + 63; s + 1 > b; s--) {
			uint64_t got = receive(&r, (uint32_t)s);
			ok += got == s;
			wrong += got != s;
			dup += receive(&r, (uint32_t)s) != 0;
		}
	}
	CHECK_INT(ok, 6016);
	CHECK_INT(wrong, 0);
	CHECK_INT(dup, 0);
}

/* Random windows anywhere in the 64-bit space: every number from the
 * window's bottom to 2^31 - 1 past its top comes back whole. */
static void test_infer_random(void)
{
	struct replay r;
	unsigned bad = 0;

	srand(4304);
	for (int i = 0; i < 20000; i++) {
		uint64_t top = (((uint64_t)rand() << 33 ^ (uint64_t)rand() << 2 ^ (uint64_t)rand()) &
				~((uint64_t)1 << 63)) | REPLAY_WINDOW;
		int64_t delta = i % 2 ? -(int64_t)(rand() % REPLAY_WINDOW) : rand() % (1 << 30);

		replay_init(&r);
		replay_update(&r, top);
		if (replay_esn_infer(&r, (uint32_t)(top + (uint64_t)delta)) != top + (uint64_t)delta)
			bad++;
	}
	CHECK_INT(bad, 0);
}

/* The last epoch: nothing lies past 2^64 - 1. */
static void test_infer_end(void)
{
	struct replay r;
	uint64_t top = UINT64_MAX - 10;

	replay_init(&r);
	replay_update(&r, top);
	CHECK(replay_esn_infer(&r, UINT32_MAX) == UINT64_MAX);
	CHECK_INT(replay_esn_infer(&r, 5), 0);		/* would be epoch 2^32 */
}

/* ---- framing ---- */

/* AES-256-GCM key | salt. */
static const uint8_t gcm_km[36] = {
	0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0,
	0x85, 0x7d, 0x77, 0x81, 0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7,
	0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4, 0xca, 0xfe, 0xba, 0xbe,
};

static void set_ts(struct esp_sa *sa)
{
	struct dp_range remote = range4((uint8_t[]){ 10, 1, 0, 0 }, (uint8_t[]){ 10, 1, 255, 255 });
	struct dp_range local = range4((uint8_t[]){ 10, 2, 0, 0 }, (uint8_t[]){ 10, 2, 255, 255 });

	CHECK_INT(esp_sa_set_ts(sa, &remote, 1, &local, 1), 0);
}

static struct esp_sa *gcm_sa(bool esn)
{
	struct esp_sa *sa = esp_sa_new(SPI, gcm_km, sizeof(gcm_km));

	CHECK(sa != NULL);
	if (!sa)
		exit(check_summary("esp-esn"));
	sa->esn = esn;
	set_ts(sa);
	return sa;
}

/* RFC 4106 by hand: nonce = salt | IV, AAD = SPI | seq hi | seq lo (section
 * 5, ESN), plaintext = inner | 1, 2, .. | pad len | next header. */
static size_t gcm_expect(uint64_t seq, const uint8_t *inner, size_t len, uint8_t *out)
{
	uint8_t nonce[12], aad[12], pt[BUF];
	size_t npad = (4 - (len + 2) % 4) % 4, plen = len + npad + 2;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0;

	memcpy(pt, inner, len);
	for (size_t i = 0; i < npad; i++)
		pt[len + i] = (uint8_t)(i + 1);
	pt[len + npad] = (uint8_t)npad;
	pt[len + npad + 1] = ESP_NH_IPV4;
	memcpy(nonce, gcm_km + 32, 4);
	put_be64(nonce + 4, seq);
	put_be32(aad, SPI);
	put_be32(aad + 4, (uint32_t)(seq >> 32));
	put_be32(aad + 8, (uint32_t)seq);
	put_be32(out, SPI);
	put_be32(out + 4, (uint32_t)seq);		/* the low 32 bits only */
	put_be64(out + 8, seq);				/* IV */
	CHECK(c && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, gcm_km, nonce) == 1);
	CHECK(EVP_EncryptUpdate(c, NULL, &n, aad, sizeof(aad)) == 1);
	CHECK(EVP_EncryptUpdate(c, out + 16, &n, pt, (int)plen) == 1);
	CHECK(EVP_EncryptFinal_ex(c, out + 16 + n, &n) == 1);
	CHECK(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out + 16 + plen) == 1);
	EVP_CIPHER_CTX_free(c);
	return 16 + plen + 16;
}

/* Encapsulate one 60-byte packet as number seq; returns its length. */
static size_t encap_at(struct esp_sa *out, uint64_t seq, uint8_t *buf, uint8_t *inner)
{
	size_t elen = 0;

	make_ipv4(inner, 60, src4, dst4);
	inner[30] = (uint8_t)seq;			/* tell packets apart */
	memcpy(buf + ESP_HEADROOM, inner, 60);
	out->seq = seq - 1;
	CHECK_INT(esp_sa_encap(out, buf, BUF, 60, ESP_NH_IPV4, &elen), ESP_OK);
	CHECK(out->seq == seq);
	return elen;
}

static void test_gcm_kat(void)
{
	static const uint64_t seqs[] = { 1, E32 - 1, E32, E32 + 1, 0x123456789abcdefull };
	struct esp_sa *out = gcm_sa(true), *in = gcm_sa(true), *plain = gcm_sa(false);
	uint8_t buf[BUF], want[BUF], inner[60];

	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		size_t elen = encap_at(out, seqs[i], buf, inner);
		size_t wlen = gcm_expect(seqs[i], inner, 60, want);

		CHECK_INT(elen, wlen);
		CHECK_MEM(buf, want, wlen);
		/* A receiver whose window is just below seq takes it whole. */
		replay_init(&in->replay);
		replay_update(&in->replay, seqs[i] > 100 ? seqs[i] - 100 : 1);
		if (seqs[i] == 1)
			replay_init(&in->replay);
		CHECK_INT(esp_test_decap_copy(in, buf, elen, NULL), ESP_OK);
		CHECK(in->replay.top == seqs[i]);
		CHECK_INT(esp_test_decap_copy(in, buf, elen, NULL), ESP_ERR_REPLAY);
		/* Without ESN the AAD is 8 bytes: the tag cannot match (and
		 * low bits 0 are no sequence number at all). */
		replay_init(&plain->replay);
		CHECK_INT(esp_test_decap_copy(plain, buf, elen, NULL), (uint32_t)seqs[i] ? ESP_ERR_AUTH : ESP_ERR_REPLAY);
	}
	esp_sa_free(out);
	esp_sa_free(in);
	esp_sa_free(plain);
}

/* Late packets of epoch 0 across the boundary, and one from below the
 * window, which takes the next epoch's high bits and fails the tag. */
static void test_gcm_boundary(void)
{
	struct esp_sa *out = gcm_sa(true), *in = gcm_sa(true);
	uint8_t late[BUF], old[BUF], b[BUF], inner[60];
	size_t llen = encap_at(out, E32 - 3, late, inner);
	size_t olen = encap_at(out, E32 - 5000, old, inner);
	size_t blen;

	replay_update(&in->replay, E32 - 6000);
	blen = encap_at(out, E32 - 4000, b, inner);
	CHECK_INT(esp_test_decap_copy(in, b, blen, NULL), ESP_OK);
	blen = encap_at(out, E32 + 2, b, inner);
	CHECK_INT(esp_test_decap_copy(in, b, blen, NULL), ESP_OK);
	CHECK(in->replay.top == E32 + 2);
	CHECK_INT(esp_test_decap_copy(in, late, llen, NULL), ESP_OK);		/* epoch 0 inside the window */
	CHECK_INT(esp_test_decap_copy(in, late, llen, NULL), ESP_ERR_REPLAY);
	CHECK_INT(esp_test_decap_copy(in, old, olen, NULL), ESP_ERR_AUTH);	/* below: wrong epoch guessed */
	CHECK(in->replay.top == E32 + 2);			/* the window did not move */
	esp_sa_free(out);
	esp_sa_free(in);
}

/* The counter's ends: 2^64 - 1 with ESN, 2^32 - 1 without. */
static void test_counter_end(void)
{
	struct esp_sa *esn = gcm_sa(true), *plain = gcm_sa(false);
	uint8_t buf[BUF];
	size_t elen;

	make_ipv4(buf + ESP_HEADROOM, 40, src4, dst4);
	esn->seq = UINT32_MAX;
	CHECK_INT(esp_sa_encap(esn, buf, BUF, 40, ESP_NH_IPV4, &elen), ESP_OK);	/* on past 2^32 */
	CHECK(esn->seq == E32);
	CHECK_INT(get_be32(buf + 4), 0);
	esn->seq = UINT64_MAX - 1;
	make_ipv4(buf + ESP_HEADROOM, 40, src4, dst4);
	CHECK_INT(esp_sa_encap(esn, buf, BUF, 40, ESP_NH_IPV4, &elen), ESP_OK);
	CHECK(esn->seq == UINT64_MAX);
	make_ipv4(buf + ESP_HEADROOM, 40, src4, dst4);
	CHECK_INT(esp_sa_encap(esn, buf, BUF, 40, ESP_NH_IPV4, &elen), ESP_ERR_SEQ_EXHAUSTED);
	CHECK(esn->seq == UINT64_MAX);
	plain->seq = UINT32_MAX;
	CHECK_INT(esp_sa_encap(plain, buf, BUF, 40, ESP_NH_IPV4, &elen), ESP_ERR_SEQ_EXHAUSTED);
	esp_sa_free(esn);
	esp_sa_free(plain);
}

/* AES-256-CBC + HMAC-SHA2-256-128 with ESN: the ICV is the HMAC of SPI |
 * seq lo | IV | ciphertext | seq hi (RFC 4303 2.2.1), built here by hand;
 * seq hi is not on the wire. */
static void test_cbc_kat(void)
{
	static const uint64_t seqs[] = { 7, E32, 3 * E32 + 0xfffffff0u };
	uint8_t km[32 + 32], buf[BUF], input[BUF], icv[32], pt[BUF], inner[60];
	size_t hdr = ESP_HDR_LEN + ESP_CBC_IV_LEN, plen = 64, icvlen = 16;	/* 60 + 2 + 2 pad */
	struct esp_sa *out, *in, *plain;

	for (size_t i = 0; i < sizeof(km); i++)
		km[i] = (uint8_t)(i * 7 + 1);
	out = esp_sa_new_alg(SPI, ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128, km, sizeof(km));
	in = esp_sa_new_alg(SPI, ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128, km, sizeof(km));
	plain = esp_sa_new_alg(SPI, ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128, km, sizeof(km));
	CHECK(out && in && plain);
	if (!out || !in || !plain)
		exit(check_summary("esp-esn"));
	out->esn = in->esn = true;
	set_ts(in);
	set_ts(plain);
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		size_t elen = encap_at(out, seqs[i], buf, inner);

		CHECK_INT(elen, hdr + plen + icvlen);
		CHECK_INT(get_be32(buf), SPI);
		CHECK_INT(get_be32(buf + 4), (uint32_t)seqs[i]);
		memcpy(input, buf, hdr + plen);
		put_be32(input + hdr + plen, (uint32_t)(seqs[i] >> 32));
		CHECK_INT(integ_compute(AUTH_HMAC_SHA2_256_128, km + 32, input, hdr + plen + 4, icv), 0);
		CHECK_MEM(buf + hdr + plen, icv, icvlen);
		CHECK_INT(cipher_cbc_decrypt(km, 32, buf + ESP_HDR_LEN, buf + hdr, pt, plen), 0);
		CHECK_MEM(pt, inner, 60);
		CHECK_INT(pt[62], 2);
		replay_init(&in->replay);
		replay_update(&in->replay, seqs[i] - 1);
		CHECK_INT(esp_test_decap_copy(in, buf, elen, NULL), ESP_OK);
		CHECK_INT(esp_test_decap_copy(in, buf, elen, NULL), ESP_ERR_REPLAY);
		/* Without ESN the HMAC leaves seq hi out: refused. */
		replay_init(&plain->replay);
		CHECK_INT(esp_test_decap_copy(plain, buf, elen, NULL), (uint32_t)seqs[i] ? ESP_ERR_AUTH : ESP_ERR_REPLAY);
	}
	esp_sa_free(out);
	esp_sa_free(in);
	esp_sa_free(plain);
}

int main(void)
{
	test_infer_epoch0();
	test_infer_before_boundary();
	test_infer_straddling();
	test_run_across();
	test_infer_random();
	test_infer_end();
	test_gcm_kat();
	test_gcm_boundary();
	test_counter_end();
	test_cbc_kat();
	return check_summary("esp-esn");
}

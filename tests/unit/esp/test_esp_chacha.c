/* SPDX-License-Identifier: Apache-2.0 */
/* ESP framing with ChaCha20-Poly1305 (RFC 7634 2): the ESP example of RFC
 * 7634 Appendix A (SPI 01020304, sequence number 5, IV 1011121314151617, an
 * 84-byte ICMP echo from 198.51.100.5 to 192.0.2.5) sealed byte for byte and
 * opened, the wire layout (8-byte
 * IV, 4-byte alignment, 16-byte ICV), each packet checked against an
 * independent seal through aead_* (keymat = key | salt, nonce = salt | IV,
 * AAD = SPI | sequence number, RFC 7634 2.1), round trips of many sizes,
 * and the refusals: forged bits, replays, truncation, wrong transform. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "crypto/aead.h"
#include "crypto/alg.h"
#include "daemon/dataplane/esp.h"
#include "daemon/base/bytes.h"
#include "esp_test_util.h"

#define SPI 0x0c0c2020
#define BUF 2048

static const uint8_t src4[4] = { 10, 1, 0, 1 }, dst4[4] = { 10, 2, 0, 1 };
static const uint8_t src6[16] = { 0xfd, 0, 0, 1, [15] = 1 };
static const uint8_t dst6[16] = { 0xfd, 0, 0, 2, [15] = 1 };
static uint8_t keymat[36];

static struct esp_sa *new_sa(void)
{
	struct esp_sa *sa = esp_sa_new_alg(SPI, ENCR_CHACHA20_POLY1305, 256, AUTH_NONE,
					   keymat, sizeof(keymat));
	uint8_t a[16] = { 0xfd, 0, 0, 1 }, b[16] = { 0xfd, 0, 0, 1 };
	uint8_t c[16] = { 0xfd, 0, 0, 2 }, d[16] = { 0xfd, 0, 0, 2 };
	struct dp_range remote[2], local[2];

	CHECK(sa != NULL);
	if (!sa)
		exit(check_summary("esp-chacha"));
	memset(b + 4, 0xff, 12);
	memset(d + 4, 0xff, 12);
	remote[0] = range4((uint8_t[]){ 10, 1, 0, 0 }, (uint8_t[]){ 10, 1, 255, 255 });
	remote[1] = range6(a, b);
	local[0] = range4((uint8_t[]){ 10, 2, 0, 0 }, (uint8_t[]){ 10, 2, 255, 255 });
	local[1] = range6(c, d);
	CHECK_INT(esp_sa_set_ts(sa, remote, 2, local, 2), 0);
	return sa;
}

/* Seal payload | pad 1,2,.. | pad length | next header ourselves, as RFC
 * 7634 says, and compare with what esp_sa_encap made of the same packet. */
static void check_against_aead(const uint8_t *esp, size_t elen, const uint8_t *inner,
			       size_t len, uint8_t nh)
{
	size_t npad = (4 - (len + 2) % 4) % 4, plen = len + npad + 2;
	uint8_t pt[BUF], ct[BUF], tag[16];
	struct aead *a = aead_new_alg(ENCR_CHACHA20_POLY1305, keymat, sizeof(keymat));

	CHECK(a != NULL);
	if (!a)
		return;
	memcpy(pt, inner, len);
	for (size_t i = 0; i < npad; i++)
		pt[len + i] = (uint8_t)(i + 1);
	pt[len + npad] = (uint8_t)npad;
	pt[len + npad + 1] = nh;
	CHECK_INT(elen, 8 + 8 + plen + 16);
	CHECK_INT(aead_encrypt(a, esp + 8, esp, 8, pt, plen, ct, tag), 0);
	CHECK_MEM(esp + 16, ct, plen);
	CHECK_MEM(esp + 16 + plen, tag, 16);
	aead_free(a);
}

static void roundtrip(struct esp_sa *out, struct esp_sa *in, const uint8_t *inner, size_t len,
		      uint8_t nh)
{
	uint8_t buf[BUF], iv[8] = { 0 }, *got = NULL;
	size_t elen = 0, glen = 0;
	uint32_t seq = out->seq + 1;

	memcpy(buf + ESP_HEADROOM, inner, len);
	CHECK_INT(esp_sa_encap(out, buf, sizeof(buf), len, nh, &elen), ESP_OK);
	CHECK_INT(elen, esp_sa_out_len(out, len));
	CHECK_INT((elen - ESP_HEADROOM - 16) % 4, 0);
	CHECK_INT(get_be32(buf), SPI);
	CHECK_INT(get_be32(buf + 4), seq);
	iv[4] = (uint8_t)(seq >> 24), iv[5] = (uint8_t)(seq >> 16);
	iv[6] = (uint8_t)(seq >> 8), iv[7] = (uint8_t)seq;
	CHECK_MEM(buf + 8, iv, 8);		/* IV = 64-bit sequence number, never reused */
	check_against_aead(buf, elen, inner, len, nh);
	CHECK_INT(esp_sa_decap(in, buf, elen, &got, &glen), ESP_OK);
	CHECK(got == buf + ESP_HEADROOM);
	CHECK_INT(glen, len);
	if (glen == len)
		CHECK_MEM(got, inner, len);
}

static void test_roundtrips(void)
{
	struct esp_sa *out = new_sa(), *in = new_sa();
	uint8_t pkt[1500];

	CHECK_INT(out->iv_len, 8);
	CHECK_INT(out->block_len, 4);
	CHECK_INT(out->icv_len, 16);
	CHECK(out->aead != NULL && out->cbc == NULL && out->integ == NULL);
	for (size_t len = 20; len <= 1500; len += len < 100 ? 1 : 53) {
		make_ipv4(pkt, len, src4, dst4);
		roundtrip(out, in, pkt, len, ESP_NH_IPV4);
	}
	for (size_t len = 40; len <= 1500; len += len < 100 ? 1 : 61) {
		make_ipv6(pkt, len, src6, dst6);
		roundtrip(out, in, pkt, len, ESP_NH_IPV6);
	}
	esp_sa_free(out);
	esp_sa_free(in);
}

/* RFC 7634 Appendix A: KEYMAT = key 80..9f | salt a0a1a2a3. */
static const char a1_keymat[] =
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3";
static const char a1_inner[] =
	"45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec10"
	"0007362708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
	"2425262728292a2b2c2d2e2f3031323334353637";
static const char a1_esp[] =
	"0102030400000005" "1011121314151617"
	"24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c6"
	"14ee8099d52844eb61aa95dfab4c02f72aa71e7c4c4f64c9befe2facc638e8f3"
	"cbec163fac469b502773f6fb94e664da9165b82829f641e0"
	"76aaa8266b7fb0f7b11b369907e1ad43";

static void test_rfc7634_example(void)
{
	uint8_t km[36], inner[84], esp[128], buf[BUF], *got = NULL;
	const uint8_t iv[8] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17 };
	size_t elen = 0, glen = 0, want_len;
	struct dp_range src = { .family = AF_INET }, dst = { .family = AF_INET };
	struct esp_sa *out, *in;

	CHECK_INT(check_unhex(a1_keymat, km, sizeof(km)), 36);
	CHECK_INT(check_unhex(a1_inner, inner, sizeof(inner)), 84);
	want_len = check_unhex(a1_esp, esp, sizeof(esp));
	CHECK_INT(want_len, 8 + 8 + 84 + 2 + 2 + 16);
	out = esp_sa_new_alg(0x01020304, ENCR_CHACHA20_POLY1305, 256, AUTH_NONE, km, sizeof(km));
	in = esp_sa_new_alg(0x01020304, ENCR_CHACHA20_POLY1305, 256, AUTH_NONE, km, sizeof(km));
	CHECK(out && in);
	if (!out || !in)
		goto done;
	memcpy(buf + ESP_HEADROOM, inner, sizeof(inner));
	CHECK_INT(esp_sa_encap_iv(out, 5, iv, buf, sizeof(buf), sizeof(inner), ESP_NH_IPV4, &elen),
		  ESP_OK);
	CHECK_INT(elen, want_len);
	if (elen == want_len)
		CHECK_MEM(buf, esp, want_len);
	/* and the published packet opens: inner source 198.51.100.5, destination 192.0.2.5 */
	memcpy(src.start, inner + 12, 4), memcpy(src.end, inner + 12, 4);
	memcpy(dst.start, inner + 16, 4), memcpy(dst.end, inner + 16, 4);
	CHECK_INT(esp_sa_set_ts(in, &src, 1, &dst, 1), 0);
	memcpy(buf, esp, want_len);
	CHECK_INT(esp_sa_decap(in, buf, want_len, &got, &glen), ESP_OK);
	CHECK_INT(glen, sizeof(inner));
	if (glen == sizeof(inner))
		CHECK_MEM(got, inner, sizeof(inner));
	memcpy(buf, esp, want_len);
	CHECK_INT(esp_sa_decap(in, buf, want_len, &got, &glen), ESP_ERR_REPLAY);
done:
	esp_sa_free(out);
	esp_sa_free(in);
}

static size_t valid_packet(uint8_t *buf, uint32_t seq)
{
	struct esp_sa *out = new_sa();
	size_t elen = esp_test_packet(out, buf, seq, src4, dst4);

	CHECK(elen > 0);
	esp_sa_free(out);
	return elen;
}

/* Every bit of every byte flipped: SPI -> ESP_ERR_SPI, anything else fails
 * Poly1305 (the sequence number is AAD, the IV is the nonce), and the
 * replay window does not move. */
static void test_tamper(void)
{
	struct esp_sa *in = new_sa();
	uint8_t pkt[BUF], bad[BUF];
	size_t len = valid_packet(pkt, 7);
	struct replay before = in->replay;
	unsigned wrong = 0;

	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++) {
			enum esp_err want = i < 4 ? ESP_ERR_SPI : ESP_ERR_AUTH;

			memcpy(bad, pkt, len);
			bad[i] ^= (uint8_t)(1 << bit);
			wrong += esp_test_decap_copy(in, bad, len, NULL) != want;
		}
	CHECK_INT(wrong, 0);
	CHECK(memcmp(&before, &in->replay, sizeof(before)) == 0);
	for (size_t l = 0; l < ESP_MIN_LEN; l++)
		wrong += esp_test_decap_copy(in, pkt, l, NULL) != ESP_ERR_LENGTH;
	CHECK_INT(wrong, 0);
	CHECK_INT(esp_test_decap_copy(in, pkt, len - 4, NULL), ESP_ERR_AUTH);
	CHECK_INT(esp_test_decap_copy(in, pkt, len, NULL), ESP_OK);
	CHECK_INT(esp_test_decap_copy(in, pkt, len, NULL), ESP_ERR_REPLAY);
	esp_sa_free(in);
}

/* An AES-256-GCM SA with the same 36 bytes must not open the packet: the
 * transform, not the key length, picks the cipher. */
static void test_not_gcm(void)
{
	struct esp_sa *gcm = esp_sa_new_alg(SPI, ENCR_AES_GCM_16, 256, AUTH_NONE, keymat,
					    sizeof(keymat));
	uint8_t pkt[BUF];
	size_t len = valid_packet(pkt, 1);

	CHECK(gcm != NULL);
	if (!gcm)
		return;
	CHECK_INT(esp_test_decap_copy(gcm, pkt, len, NULL), ESP_ERR_AUTH);
	esp_sa_free(gcm);
}

static void test_refused(void)
{
	uint8_t km[68] = { 0 };

	CHECK(esp_sa_new_alg(SPI, ENCR_CHACHA20_POLY1305, 256, AUTH_HMAC_SHA2_256_128, km, 68) == NULL);
	CHECK(esp_sa_new_alg(SPI, ENCR_CHACHA20_POLY1305, 128, AUTH_NONE, km, 20) == NULL);
	CHECK(esp_sa_new_alg(SPI, ENCR_CHACHA20_POLY1305, 256, AUTH_NONE, km, 35) == NULL);
	CHECK(esp_sa_new_alg(SPI, ENCR_CHACHA20_POLY1305, 256, AUTH_NONE, km, 37) == NULL);
	CHECK(esp_sa_new_alg(SPI, ENCR_CHACHA20_POLY1305, 256, AUTH_NONE, km, 32) == NULL);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(keymat); i++)
		keymat[i] = (uint8_t)(0x80 + i);
	test_rfc7634_example();
	test_roundtrips();
	test_tamper();
	test_not_gcm();
	test_refused();
	return check_summary("esp-chacha");
}

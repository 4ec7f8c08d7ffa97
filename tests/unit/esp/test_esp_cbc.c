/* SPDX-License-Identifier: Apache-2.0 */
/* ESP framing with AES-CBC + HMAC (RFC 4303, RFC 3602, RFC 2404, RFC 4868):
 * RFC 3602's ESP packets with an ICV added, round trips for every key size
 * and integrity algorithm checked against the one-shot crypto functions,
 * the IVs, and every way a packet must be refused. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "crypto/alg.h"
#include "crypto/cipher.h"
#include "crypto/integ.h"
#include "daemon/dataplane/esp.h"
#include "esp_test_util.h"

#define SPI 0x0a0b0c0d
#define BUF 2048
#define HDR (ESP_HDR_LEN + ESP_CBC_IV_LEN)	/* payload offset on the wire */

static const uint8_t src4[4] = { 10, 1, 0, 1 }, dst4[4] = { 10, 2, 0, 1 };
static const uint8_t src6[16] = { 0xfd, 0, 0, 1, [15] = 1 };
static const uint8_t dst6[16] = { 0xfd, 0, 0, 2, [15] = 1 };

static const unsigned integs[] = {
	AUTH_HMAC_SHA1_96, AUTH_HMAC_SHA2_256_128, AUTH_HMAC_SHA2_384_192, AUTH_HMAC_SHA2_512_256,
};
static const unsigned keybits[] = { 128, 192, 256 };

/* One transform: AES key | integrity key, as the SA gets them. */
struct suite {
	unsigned kb, integ;
	uint8_t keymat[32 + 64];
	size_t enc_len, keymat_len, icv_len;
};

static struct suite suite_of(unsigned kb, unsigned integ)
{
	struct suite s = { .kb = kb, .integ = integ, .enc_len = kb / 8 };

	s.keymat_len = s.enc_len + integ_key_len(integ);
	s.icv_len = integ_icv_len(integ);
	for (size_t i = 0; i < s.keymat_len; i++)
		s.keymat[i] = (uint8_t)(i * 13 + kb + integ);
	return s;
}

static const uint8_t *ikey(const struct suite *s)
{
	return s->keymat + s->enc_len;
}

/* Inbound selectors: remote 10.1/16 and fd00:1::/32, local 10.2/16 and fd00:2::/32. */
static void set_test_ts(struct esp_sa *sa)
{
	uint8_t a[16] = { 0xfd, 0, 0, 1 }, b[16] = { 0xfd, 0, 0, 1 };
	uint8_t c[16] = { 0xfd, 0, 0, 2 }, d[16] = { 0xfd, 0, 0, 2 };
	struct dp_range remote[2], local[2];

	memset(b + 4, 0xff, 12);
	memset(d + 4, 0xff, 12);
	remote[0] = range4((uint8_t[]){ 10, 1, 0, 0 }, (uint8_t[]){ 10, 1, 255, 255 });
	remote[1] = range6(a, b);
	local[0] = range4((uint8_t[]){ 10, 2, 0, 0 }, (uint8_t[]){ 10, 2, 255, 255 });
	local[1] = range6(c, d);
	CHECK_INT(esp_sa_set_ts(sa, remote, 2, local, 2), 0);
}

static struct esp_sa *new_out(const struct suite *s)
{
	struct esp_sa *sa = esp_sa_new_alg(SPI, ENCR_AES_CBC, s->kb, s->integ, s->keymat,
					   s->keymat_len);

	CHECK(sa != NULL);
	if (!sa)
		exit(check_summary("esp-cbc"));
	return sa;
}

static struct esp_sa *new_in(const struct suite *s)
{
	struct esp_sa *sa = new_out(s);

	set_test_ts(sa);
	return sa;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static size_t pad_for(size_t len)
{
	return (16 - (len + 2) % 16) % 16;
}

/* The wire bytes checked without esp.c: the ICV is the truncated HMAC of
 * everything before it, and the ciphertext decrypts under the IV to
 * inner | 1, 2, .. npad | npad | nh. */
static void check_wire(const struct suite *s, const uint8_t *pkt, size_t elen,
		       const uint8_t *inner, size_t len, uint8_t nh)
{
	size_t npad = pad_for(len), plen = len + npad + 2;
	uint8_t icv[32], pt[BUF];

	CHECK_INT(elen, HDR + plen + s->icv_len);
	if (elen != HDR + plen + s->icv_len)
		return;
	CHECK_INT(integ_compute(s->integ, ikey(s), pkt, HDR + plen, icv), 0);
	CHECK_MEM(pkt + HDR + plen, icv, s->icv_len);
	CHECK_INT(cipher_cbc_decrypt(s->keymat, s->enc_len, pkt + ESP_HDR_LEN, pkt + HDR, pt, plen), 0);
	CHECK_MEM(pt, inner, len);
	for (size_t i = 0; i < npad; i++)
		CHECK_INT(pt[len + i], i + 1);
	CHECK_INT(pt[len + npad], npad);
	CHECK_INT(pt[len + npad + 1], nh);
}

/* Encap inner through out, check the wire independently, decap through in. */
static void roundtrip(const struct suite *s, struct esp_sa *out, struct esp_sa *in,
		      const uint8_t *inner, size_t len, uint8_t nh, enum esp_err want)
{
	uint8_t buf[BUF], *got = NULL;
	size_t elen = 0, glen = 0;
	uint32_t seq = out->seq + 1;

	memcpy(buf + ESP_HEADROOM, inner, len);
	CHECK_INT(esp_sa_encap(out, buf, sizeof(buf), len, nh, &elen), ESP_OK);
	CHECK_INT(elen, esp_sa_out_len(out, len));
	CHECK(elen <= len + ESP_HEADROOM + ESP_TAILROOM);
	CHECK_INT(be32(buf), SPI);
	CHECK_INT(be32(buf + 4), seq);
	check_wire(s, buf, elen, inner, len, nh);
	CHECK_INT(esp_sa_decap(in, buf, elen, &got, &glen), want);
	if (want != ESP_OK)
		return;
	CHECK(got == buf + HDR);
	CHECK_INT(glen, len);
	CHECK_MEM(got, inner, len);
}

/* Every size 20..100, then a spread up to 1500. */
static size_t next_size(size_t s)
{
	return s < 100 ? s + 1 : s + 37 > 1500 && s < 1500 ? 1500 : s + 37;
}

static void test_roundtrips(void)
{
	uint8_t pkt[1500];

	for (size_t k = 0; k < 3; k++) {
		for (size_t i = 0; i < 4; i++) {
			unsigned fails = check_fail_count;
			struct suite s = suite_of(keybits[k], integs[i]);
			struct esp_sa *out = new_out(&s), *in = new_in(&s);

			for (size_t len = 20; len <= 1500; len = next_size(len)) {
				make_ipv4(pkt, len, src4, dst4);
				roundtrip(&s, out, in, pkt, len, ESP_NH_IPV4, ESP_OK);
			}
			for (size_t len = 40; len <= 1500; len = next_size(len)) {
				make_ipv6(pkt, len, src6, dst6);
				roundtrip(&s, out, in, pkt, len, ESP_NH_IPV6, ESP_OK);
			}
			/* Shorter than an IP header: framed fine, refused on the way in. */
			for (size_t len = 0; len < 20; len++) {
				make_ipv4(pkt, 20, src4, dst4);
				roundtrip(&s, out, in, pkt, len, ESP_NH_IPV4, ESP_ERR_INNER_LENGTH);
			}
			if (check_fail_count != fails)
				fprintf(stderr, "  in AES-%u-CBC with %s\n", s.kb, integ_name(s.integ));
			esp_sa_free(out);
			esp_sa_free(in);
		}
	}
}

/* RFC 3602 section 4, cases #5 to #8: ESP packets with AES-128-CBC (SPI,
 * seq, IV, ciphertext; the outer IP header left out) but no ICV.  The
 * encryption must give these bytes; the ICV appended for each integrity
 * algorithm is checked with the one-shot integ_compute (RFC 4868 / 2202
 * vectors in test_hmac.c).  #5 and #6 are transport mode (next header 1,
 * ICMP), refused by a tunnel-mode SA after authenticating; #7 and #8 are
 * tunnel mode (next header 4) from 192.168.123.3 to 192.168.123.200. */
struct kat {
	const char *name, *key, *iv, *inner, *packet;
	uint32_t spi, seq;
	uint8_t nh;
};

static const struct kat kats[] = {
	{ "#5 transport", "90d382b410eeba7ad938c46cec1a82bf", "e96e8c08ab465763fd098d45dd3ff893",
	  "08000ebda70a00008e9c083db95b0700 08090a0b0c0d0e0f1011121314151617"
	  "18191a1b1c1d1e1f2021222324252627 28292a2b2c2d2e2f3031323334353637",
	  "0000432100000001e96e8c08ab465763 fd098d45dd3ff893f663c25d325c18c6"
	  "a9453e194e120849a4870b66cc6b9965 330013b4898dc856a4699e523a55db08"
	  "0b59ec3a8e4b7e52775b07d1db34ed9c 538ab50c551b874aa269add047ad2d59"
	  "13ac19b7cfbad4a6", 0x4321, 1, 1 },
	{ "#6 transport", "90d382b410eeba7ad938c46cec1a82bf", "69d08df7d203329db093fc4924e5bd80",
	  "0800b5e8a80a0500a69c083d0b660e00 777777777777777777777777",
	  "000043210000000869d08df7d203329d b093fc4924e5bd80f51995881ec4e0c4"
	  "488987ce742e8109689bb379d2d750c0 d915dca346a89f75", 0x4321, 8, 1 },
	{ "#7 tunnel", "0123456789abcdef0123456789abcdef", "f4e765244f6407adf13dc1380f673f37",
	  "45000054090400004001f988c0a87b03 c0a87bc808009f76a90a0100b49c083d"
	  "02a2040008090a0b0c0d0e0f10111213 1415161718191a1b1c1d1e1f20212223"
	  "2425262728292a2b2c2d2e2f30313233 34353637",
	  "0000876500000002f4e765244f6407ad f13dc1380f673f37773b5241a4c44922"
	  "5e4f3ce5ed611b0c237ca96cf74a9301 3c1b0ea1a0cf70f8e4ecaec78ac53aad"
	  "7a0f022b859243c647752e94a859352b 8a4d4d2decd136e5c177f132ad3fbfb2"
	  "201ac9904c74ee0a109e0ca1e4dfe9d5 a100b842f1c22f0d", 0x8765, 2, 4 },
	{ "#8 tunnel", "0123456789abcdef0123456789abcdef", "85d47224b5f3dd5d2101d4ea8dffab22",
	  "45000044090c00004001f990c0a87b03 c0a87bc80800d63caa0a0200c69c083d"
	  "a3de0300ffffffffffffffffffffffff ffffffffffffffffffffffffffffffff"
	  "ffffffff",
	  "000087650000000585d47224b5f3dd5d 2101d4ea8dffab2215b92683819596a8"
	  "047232cc00f7048fe45318e11f8a0f62 ede3c3fc61203bb50f980a08c9843fd3"
	  "a1b06d5c07ff9639b7eb7dfb3512e5de 435e7207ed971ef3d2726d9b5ef6affc"
	  "6d17a0decbb13892", 0x8765, 5, 4 },
};

static void kat_sa_ts(struct esp_sa *sa)
{
	struct dp_range r = range4((uint8_t[]){ 192, 168, 123, 0 }, (uint8_t[]){ 192, 168, 123, 255 });

	CHECK_INT(esp_sa_set_ts(sa, &r, 1, &r, 1), 0);
}

static void test_kat(const struct kat *k, unsigned integ)
{
	unsigned fails = check_fail_count;
	struct suite s = suite_of(128, integ);
	uint8_t iv[16], inner[128], want[256], buf[BUF], copy[BUF], icv[32], nh = 0, *payload;
	size_t ilen = check_unhex(k->inner, inner, sizeof(inner));
	size_t wlen = check_unhex(k->packet, want, sizeof(want)), elen = 0, plen = 0;
	struct esp_sa *out, *in;

	CHECK_INT(check_unhex(k->key, s.keymat, 16), 16);
	check_unhex(k->iv, iv, sizeof(iv));
	CHECK_INT(wlen, HDR + ilen + pad_for(ilen) + 2);
	out = esp_sa_new_alg(k->spi, ENCR_AES_CBC, 128, integ, s.keymat, s.keymat_len);
	in = esp_sa_new_alg(k->spi, ENCR_AES_CBC, 128, integ, s.keymat, s.keymat_len);
	CHECK(out && in);
	if (!out || !in)
		return;
	memcpy(buf + ESP_HEADROOM, inner, ilen);
	CHECK_INT(esp_sa_encap_iv(out, k->seq, iv, buf, sizeof(buf), ilen, k->nh, &elen), ESP_OK);
	CHECK_INT(elen, wlen + s.icv_len);
	CHECK_MEM(buf, want, wlen);
	CHECK_INT(integ_compute(integ, ikey(&s), want, wlen, icv), 0);
	CHECK_MEM(buf + wlen, icv, s.icv_len);
	CHECK_INT(out->seq, 0);			/* the hook leaves the counter alone */
	memcpy(copy, buf, elen);
	CHECK_INT(esp_sa_decrypt(in, copy, elen, &payload, &plen, &nh), ESP_OK);
	CHECK_INT(plen, ilen);
	CHECK_INT(nh, k->nh);
	CHECK_MEM(payload, inner, ilen);
	/* The whole inbound path: tunnel mode takes #7 and #8 only. */
	esp_sa_free(in);
	in = esp_sa_new_alg(k->spi, ENCR_AES_CBC, 128, integ, s.keymat, s.keymat_len);
	kat_sa_ts(in);
	memcpy(copy, buf, elen);
	CHECK_INT(esp_sa_decap(in, copy, elen, &payload, &plen),
		  k->nh == ESP_NH_IPV4 ? ESP_OK : ESP_ERR_NEXT_HEADER);
	memcpy(copy, buf, elen);
	CHECK_INT(esp_sa_decap(in, copy, elen, &payload, &plen), ESP_ERR_REPLAY);
	esp_sa_free(out);
	esp_sa_free(in);
	if (check_fail_count != fails)
		fprintf(stderr, "  in RFC 3602 %s with %s\n", k->name, integ_name(integ));
}

/* One valid packet of a 60-byte IPv4 inner packet with sequence number seq. */
static size_t valid_packet(const struct suite *s, uint8_t *buf, uint32_t seq)
{
	struct esp_sa *out = new_out(s);
	size_t elen = esp_test_packet(out, buf, seq, src4, dst4);

	CHECK(elen > 0);
	esp_sa_free(out);
	return elen;
}

/* Every bit flipped at every byte: refused before anything is decrypted,
 * and the window does not move.  A flipped ciphertext bit also spoils the
 * padding: ESP_ERR_AUTH, never ESP_ERR_PADDING, shows the ICV is checked
 * first. */
static void test_tamper(unsigned integ)
{
	struct suite s = suite_of(256, integ);
	struct esp_sa *in = new_in(&s);
	uint8_t pkt[BUF], bad[BUF];
	size_t len = valid_packet(&s, pkt, 7), older = valid_packet(&s, bad, 5);
	struct replay before;
	unsigned wrong = 0, decrypted = 0;

	CHECK_INT(esp_test_decap_copy(in, bad, older, NULL), ESP_OK);
	before = in->replay;
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			enum esp_err e, want = i < 4 ? ESP_ERR_SPI : ESP_ERR_AUTH;
			bool touched = false;

			memcpy(bad, pkt, len);
			bad[i] ^= (uint8_t)(1 << bit);
			e = esp_test_decap_copy(in, bad, len, &touched);
			/* A flipped seq may also fall on a number already seen. */
			if (e != want && !(i >= 4 && i < 8 && e == ESP_ERR_REPLAY))
				wrong++;
			decrypted += touched;
		}
	}
	CHECK_INT(wrong, 0);
	CHECK_INT(decrypted, 0);
	CHECK(memcmp(&before, &in->replay, sizeof(before)) == 0);
	CHECK_INT(esp_test_decap_copy(in, pkt, len, NULL), ESP_OK);
	CHECK_INT(esp_test_decap_copy(in, pkt, len, NULL), ESP_ERR_REPLAY);
	if (wrong || decrypted)
		fprintf(stderr, "  in %s\n", integ_name(integ));
	esp_sa_free(in);
}

/* Cut short or padded out: ESP_ERR_LENGTH unless the length is a plausible
 * one (whole blocks), then ESP_ERR_AUTH; the window never moves. */
static void test_lengths(unsigned integ)
{
	struct suite s = suite_of(256, integ);
	struct esp_sa *in = new_in(&s);
	uint8_t pkt[BUF];
	size_t len = valid_packet(&s, pkt, 1), min = HDR + 16 + s.icv_len;
	unsigned wrong = 0;

	for (size_t l = 0; l < len + 40; l++) {
		bool whole = l >= min && (l - HDR - s.icv_len) % 16 == 0;
		enum esp_err want = l == len ? ESP_OK : whole ? ESP_ERR_AUTH : ESP_ERR_LENGTH;

		if (l == len)
			continue;
		wrong += esp_test_decap_copy(in, pkt, l, NULL) != want;
	}
	CHECK_INT(wrong, 0);
	CHECK_INT(in->replay.top, 0);
	CHECK_INT(esp_test_decap_copy(in, pkt, len, NULL), ESP_OK);
	esp_sa_free(in);
}

/* Seal a hand-made plaintext (payload | trailer, whole blocks) as seq with
 * the one-shot functions, bypassing esp.c, to reach the checks behind the
 * ICV.  The IV's last byte is iv_last. */
static size_t seal(const struct suite *s, uint8_t *out, uint32_t seq, const uint8_t *pt,
		   size_t plen, uint8_t iv_last)
{
	uint8_t *iv = out + ESP_HDR_LEN;

	out[0] = SPI >> 24, out[1] = (SPI >> 16) & 0xff, out[2] = (SPI >> 8) & 0xff;
	out[3] = SPI & 0xff;
	out[4] = (uint8_t)(seq >> 24), out[5] = (uint8_t)(seq >> 16);
	out[6] = (uint8_t)(seq >> 8), out[7] = (uint8_t)seq;
	for (size_t i = 0; i < 16; i++)
		iv[i] = (uint8_t)(seq * 7 + i);
	iv[15] = iv_last;
	CHECK_INT(cipher_cbc_encrypt(s->keymat, s->enc_len, iv, pt, out + HDR, plen), 0);
	CHECK_INT(integ_compute(s->integ, ikey(s), out, HDR + plen, out + HDR + plen), 0);
	return HDR + plen + s->icv_len;
}

/* inner | pad 1..npad (bad_pad_at >= 0 spoils one) | npad_field | nh,
 * sealed and decapsulated: the result.  Authentic packets spend their
 * number whatever comes after. */
static enum esp_err craft(const struct suite *s, struct esp_sa *in, uint32_t seq,
			  const uint8_t *inner, size_t len, size_t npad, uint8_t npad_field,
			  uint8_t nh, int bad_pad_at)
{
	uint8_t pt[BUF], pkt[BUF];
	size_t plen = len + npad + 2, elen;
	enum esp_err e;

	CHECK_INT(plen % 16, 0);
	memcpy(pt, inner, len);
	for (size_t i = 0; i < npad; i++)
		pt[len + i] = (uint8_t)(i + 1);
	if (bad_pad_at >= 0)
		pt[len + bad_pad_at] ^= 0x40;
	pt[len + npad] = npad_field;
	pt[len + npad + 1] = nh;
	elen = seal(s, pkt, seq, pt, plen, 0x33);
	e = esp_test_decap_copy(in, pkt, elen, NULL);
	CHECK_INT(esp_test_decap_copy(in, pkt, elen, NULL), ESP_ERR_REPLAY);
	return e;
}

static void test_trailer(void)
{
	struct suite s = suite_of(256, AUTH_HMAC_SHA2_256_128);
	struct esp_sa *in = new_in(&s);
	uint8_t p4[64], p6[40], p47[47];
	uint32_t q = 1;

	make_ipv4(p4, 40, src4, dst4);
	make_ipv4(p47, 47, src4, dst4);
	make_ipv6(p6, 40, src6, dst6);
	CHECK_INT(craft(&s, in, q++, p4, 40, 6, 6, 4, -1), ESP_OK);
	CHECK_INT(craft(&s, in, q++, p4, 40, 6, 6, 4, 0), ESP_ERR_PADDING);
	CHECK_INT(craft(&s, in, q++, p4, 40, 6, 6, 4, 5), ESP_ERR_PADDING);
	CHECK_INT(craft(&s, in, q++, p4, 40, 6, 5, 4, -1), ESP_ERR_PADDING);	/* "2..6" as pad */
	CHECK_INT(craft(&s, in, q++, p4, 40, 6, 47, 4, -1), ESP_ERR_PADDING);	/* beyond start */
	CHECK_INT(craft(&s, in, q++, p4, 40, 6, 255, 4, -1), ESP_ERR_PADDING);
	CHECK_INT(craft(&s, in, q++, p4, 40, 22, 22, 4, -1), ESP_OK);		/* a block more */
	CHECK_INT(craft(&s, in, q++, p47, 47, 255, 255, 4, -1), ESP_OK);	/* longest pad */
	CHECK_INT(craft(&s, in, q++, p47, 47, 255, 255, 4, 254), ESP_ERR_PADDING);
	CHECK_INT(craft(&s, in, q++, p4, 40, 6, 6, 17, -1), ESP_ERR_NEXT_HEADER);
	CHECK_INT(craft(&s, in, q++, p4, 40, 6, 6, 59, -1), ESP_ERR_NEXT_HEADER);	/* dummy */
	CHECK_INT(craft(&s, in, q++, p4, 40, 6, 6, 41, -1), ESP_ERR_NEXT_HEADER);
	CHECK_INT(craft(&s, in, q++, p6, 40, 6, 6, 4, -1), ESP_ERR_NEXT_HEADER);
	CHECK_INT(craft(&s, in, q++, p6, 40, 6, 6, 41, -1), ESP_OK);
	p4[13] = 9;						/* from 10.9.0.1: not ours */
	CHECK_INT(craft(&s, in, q++, p4, 40, 6, 6, 4, -1), ESP_ERR_TS);
	p4[3] = 41;						/* total length 41 in 40 */
	CHECK_INT(craft(&s, in, q++, p4, 40, 6, 6, 4, -1), ESP_ERR_INNER_LENGTH);
	esp_sa_free(in);
}

/* A pad length one past the payload start: the byte before it is the IV's
 * last byte, here 1, so a check that reads one byte too far would see
 * 1,2,3.. and accept. */
static void test_pad_overrun(void)
{
	struct suite s = suite_of(128, AUTH_HMAC_SHA1_96);
	struct esp_sa *in = new_in(&s);
	uint8_t pt[48], pkt[BUF];
	size_t elen;

	for (size_t i = 0; i < 46; i++)
		pt[i] = (uint8_t)(i + 2);
	pt[46] = 47;
	pt[47] = ESP_NH_IPV4;
	elen = seal(&s, pkt, 1, pt, sizeof(pt), 1);
	CHECK_INT(pkt[HDR - 1], 1);
	CHECK_INT(esp_test_decap_copy(in, pkt, elen, NULL), ESP_ERR_PADDING);
	pt[46] = 46;				/* all padding, no inner packet */
	elen = seal(&s, pkt, 2, pt, sizeof(pt), 1);
	CHECK_INT(esp_test_decap_copy(in, pkt, elen, NULL), ESP_ERR_PADDING);
	esp_sa_free(in);
}

static int cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* IVs: never repeated within an SA, not the bare sequence number, and an SA
 * with the same keys (another random IV key) picks others. */
static void test_ivs(void)
{
	enum { N = 2000 };
	struct suite s = suite_of(256, AUTH_HMAC_SHA2_256_128);
	struct esp_sa *a = new_out(&s), *b = new_out(&s);
	uint8_t (*ivs)[16] = malloc(N * 16), buf[BUF], bare[16] = { 0 };
	unsigned dup = 0, same = 0, plain = 0;
	size_t elen;

	CHECK(ivs != NULL);
	if (!ivs)
		return;
	for (uint32_t n = 0; n < N; n++) {
		make_ipv4(buf + ESP_HEADROOM, 40, src4, dst4);
		CHECK_INT(esp_sa_encap(a, buf, sizeof(buf), 40, ESP_NH_IPV4, &elen), ESP_OK);
		memcpy(ivs[n], buf + ESP_HDR_LEN, 16);
		bare[15] = (uint8_t)(n + 1), bare[14] = (uint8_t)((n + 1) >> 8);
		plain += memcmp(ivs[n], bare, 16) == 0;
		if (n < 64) {
			make_ipv4(buf + ESP_HEADROOM, 40, src4, dst4);
			CHECK_INT(esp_sa_encap(b, buf, sizeof(buf), 40, ESP_NH_IPV4, &elen), ESP_OK);
			same += memcmp(ivs[n], buf + ESP_HDR_LEN, 16) == 0;
		}
	}
	qsort(ivs, N, 16, cmp16);
	for (size_t i = 1; i < N; i++)
		dup += memcmp(ivs[i - 1], ivs[i], 16) == 0;
	CHECK_INT(dup, 0);
	CHECK_INT(plain, 0);
	CHECK_INT(same, 0);
	free(ivs);
	esp_sa_free(a);
	esp_sa_free(b);
}

static void test_seq_and_space(void)
{
	struct suite s = suite_of(256, AUTH_HMAC_SHA2_256_128);
	struct esp_sa *out = new_out(&s);
	uint8_t buf[BUF], iv[16] = { 0 };
	size_t elen = 0;

	/* 40 + 6 pad + 2 = 48, + header 8 + IV 16 + ICV 16 = 88. */
	CHECK_INT(esp_sa_out_len(out, 40), 88);
	make_ipv4(buf + ESP_HEADROOM, 40, src4, dst4);
	CHECK_INT(esp_sa_encap(out, buf, 87, 40, ESP_NH_IPV4, &elen), ESP_ERR_NOSPACE);
	CHECK_INT(out->seq, 0);
	CHECK_INT(esp_sa_encap(out, buf, 88, 40, ESP_NH_IPV4, &elen), ESP_OK);
	CHECK_INT(elen, 88);
	CHECK_INT(esp_sa_encap_iv(out, 9, iv, buf, 87, 40, ESP_NH_IPV4, &elen), ESP_ERR_NOSPACE);
	CHECK_INT(esp_sa_encap_iv(out, 9, iv, buf, 30, 40, ESP_NH_IPV4, &elen), ESP_ERR_NOSPACE);
	out->seq = UINT32_MAX - 1;
	CHECK_INT(esp_sa_encap(out, buf, BUF, 40, ESP_NH_IPV4, &elen), ESP_OK);
	CHECK_INT(be32(buf + 4), UINT32_MAX);
	CHECK_INT(esp_sa_encap(out, buf, BUF, 40, ESP_NH_IPV4, &elen), ESP_ERR_SEQ_EXHAUSTED);
	CHECK_INT(out->seq, UINT32_MAX);
	esp_sa_free(out);
	/* The most any transform grows a packet stays within the tailroom. */
	for (size_t i = 0; i < 4; i++) {
		struct suite t = suite_of(128, integs[i]);
		struct esp_sa *sa = new_out(&t);
		unsigned over = 0;

		for (size_t len = 0; len < 64; len++)
			over += esp_sa_out_len(sa, len) > len + ESP_HEADROOM + ESP_TAILROOM;
		CHECK_INT(over, 0);
		esp_sa_free(sa);
	}
}

static void test_new_refused(void)
{
	struct suite s = suite_of(256, AUTH_HMAC_SHA2_512_256);	/* 32 + 64 bytes */
	struct esp_sa *sa;

	CHECK(esp_sa_new_alg(SPI, ENCR_AES_CBC, 256, AUTH_NONE, s.keymat, 32) == NULL);
	CHECK(esp_sa_new_alg(SPI, ENCR_AES_CBC, 256, 99, s.keymat, 64) == NULL);
	CHECK(esp_sa_new_alg(SPI, ENCR_AES_GCM_16, 256, AUTH_HMAC_SHA2_256_128, s.keymat, 68) == NULL);
	CHECK(esp_sa_new_alg(SPI, ENCR_NONE, 256, AUTH_HMAC_SHA2_256_128, s.keymat, 64) == NULL);
	CHECK(esp_sa_new_alg(SPI, ENCR_AES_CBC, 64, AUTH_HMAC_SHA2_256_128, s.keymat, 40) == NULL);
	CHECK(esp_sa_new_alg(SPI, ENCR_AES_CBC, 512, AUTH_HMAC_SHA2_256_128, s.keymat, 96) == NULL);
	CHECK(esp_sa_new_alg(SPI, ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128, s.keymat, 63) == NULL);
	CHECK(esp_sa_new_alg(SPI, ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128, s.keymat, 65) == NULL);
	CHECK(esp_sa_new_alg(SPI, ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_512_256, s.keymat, 95) == NULL);
	sa = esp_sa_new_alg(SPI, ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_512_256, s.keymat, 96);
	CHECK(sa != NULL);
	if (sa) {
		CHECK_INT(sa->iv_len, 16);
		CHECK_INT(sa->icv_len, 32);
		CHECK_INT(sa->encr, ENCR_AES_CBC);
	}
	esp_sa_free(sa);
}

/* The generic constructor makes AES-GCM SAs that frame byte for byte as
 * esp_sa_new's. */
static void test_gcm_same(void)
{
	uint8_t km[36], a[BUF], b[BUF], iv[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct esp_sa *x, *y;
	size_t la = 0, lb = 0;

	for (size_t i = 0; i < sizeof(km); i++)
		km[i] = (uint8_t)(i * 5 + 3);
	x = esp_sa_new(SPI, km, sizeof(km));
	y = esp_sa_new_alg(SPI, ENCR_AES_GCM_16, 256, AUTH_NONE, km, sizeof(km));
	CHECK(x && y);
	if (!x || !y)
		return;
	CHECK_INT(y->iv_len, ESP_IV_LEN);
	CHECK_INT(y->icv_len, ESP_ICV_LEN);
	make_ipv4(a + ESP_HEADROOM, 99, src4, dst4);
	make_ipv4(b + ESP_HEADROOM, 99, src4, dst4);
	CHECK_INT(esp_sa_encap_iv(x, 3, iv, a, BUF, 99, ESP_NH_IPV4, &la), ESP_OK);
	CHECK_INT(esp_sa_encap_iv(y, 3, iv, b, BUF, 99, ESP_NH_IPV4, &lb), ESP_OK);
	CHECK_INT(la, ESP_HEADROOM + 99 + 3 + 2 + ESP_ICV_LEN);
	CHECK_INT(lb, la);
	CHECK_MEM(a, b, la);
	CHECK(esp_sa_new_alg(SPI, ENCR_AES_GCM_16, 256, AUTH_NONE, km, 35) == NULL);
	esp_sa_free(x);
	esp_sa_free(y);
}

int main(void)
{
	test_roundtrips();
	for (size_t k = 0; k < sizeof(kats) / sizeof(kats[0]); k++)
		for (size_t i = 0; i < 4; i++)
			test_kat(&kats[k], integs[i]);
	for (size_t i = 0; i < 4; i++) {
		test_tamper(integs[i]);
		test_lengths(integs[i]);
	}
	test_trailer();
	test_pad_overrun();
	test_ivs();
	test_seq_and_space();
	test_new_refused();
	test_gcm_same();
	return check_summary("esp-cbc");
}

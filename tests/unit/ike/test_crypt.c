/* SPDX-License-Identifier: Apache-2.0 */
/* The SK payload (RFC 7296 3.14, RFC 5282, RFC 7634 3): seal and open with
 * AES-CBC-256 + HMAC-SHA2-384-192, with AES-GCM-16-256 and with
 * ChaCha20-Poly1305 (and RFC 7634 Appendix B's INFORMATIONAL opened), the
 * wire layout checked against the crypto primitives directly, every flipped
 * bit refused, and bad padding lengths refused.  The same for an Encrypted
 * Fragment (SKF, RFC 7383), its numbers parsed and checked, and the room a
 * fragment has in a datagram of each size. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "crypto/aead.h"
#include "crypto/alg.h"
#include "crypto/cipher.h"
#include "crypto/integ.h"
#include "crypto/secret.h"
#include "daemon/ikemsg/sk.h"
#include "ike_test.h"

#define BUF 4096

static struct secret *cbc_ke, *cbc_ka, *gcm_ke;
static struct ike_crypt_keys cbc, gcm, chacha;

static struct secret *fixed_secret(size_t len, uint8_t seed)
{
	struct secret *s = secret_new(len);

	for (size_t i = 0; s && i < len; i++)
		s->buf[i] = (uint8_t)(seed + i * 3);
	return s;
}

static void keys_setup(void)
{
	cbc_ke = fixed_secret(32, 0x01);
	cbc_ka = fixed_secret(48, 0x40);
	gcm_ke = fixed_secret(36, 0x80);	/* 32-byte key | 4-byte salt */
	cbc = (struct ike_crypt_keys){ .encr = ENCR_AES_CBC, .encr_keybits = 256,
				       .integ = AUTH_HMAC_SHA2_384_192, .ke = cbc_ke, .ka = cbc_ka };
	gcm = (struct ike_crypt_keys){ .encr = ENCR_AES_GCM_16, .encr_keybits = 256,
				       .integ = AUTH_NONE, .ke = gcm_ke, .ka = NULL };
	/* RFC 7634 3: the same 36-byte SK_e layout (key | salt) as GCM */
	chacha = (struct ike_crypt_keys){ .encr = ENCR_CHACHA20_POLY1305, .encr_keybits = 256,
					  .integ = AUTH_NONE, .ke = gcm_ke, .ka = NULL };
}

static const struct ike_hdr auth_hdr = {
	.spii = 0x0102030405060708ull, .spir = 0x1112131415161718ull,
	.exchange = IKE_AUTH, .flags = IKE_FLAG_I, .msgid = 1,
};

static const uint8_t auth_data[48] = { 0xa1, 0xa2, 0xa3 };

/* An IKE_AUTH request: IDi, AUTH, SA, TSi, TSr, N(INITIAL_CONTACT) inside;
 * with_outer puts a notify before the SK payload. Returns the length. */
static int build_auth(const struct ike_crypt_keys *k, bool with_outer, uint8_t *out, size_t cap)
{
	struct ike_proposal prop = { .num = 1, .protocol = PROTO_ESP, .spi_size = 4,
				     .spi = { 0xca, 0xfe, 0x00, 0x01 }, .n_trans = 2,
				     .trans = { { TRANS_ENCR, ENCR_AES_GCM_16, 256 }, { TRANS_ESN, 0, 0 } } };
	struct ike_ts any = { .type = TS_IPV4_ADDR_RANGE, .end_port = 65535,
			      .end = { 255, 255, 255, 255 } };
	uint8_t inner[BUF];
	struct ike_msgb b;

	ike_msgb_init(&b, out, cap, inner, sizeof(inner), &auth_hdr);
	if (with_outer)
		pl_notify_build(&b, 0, NULL, 0, N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	ike_msgb_begin_encrypted(&b);
	pl_data_build(&b, PL_IDI, ID_FQDN, (const uint8_t *)"left.example", 12);
	pl_data_build(&b, PL_AUTH, AUTH_METHOD_PSK, auth_data, sizeof(auth_data));
	pl_sa_build(&b, &prop, 1);
	pl_ts_build(&b, PL_TSI, &any, 1);
	pl_ts_build(&b, PL_TSR, &any, 1);
	pl_notify_build(&b, 0, NULL, 0, N_INITIAL_CONTACT, NULL, 0);
	return ike_crypt_seal(&b, k);
}

/* Length of the inner chain build_auth writes. */
#define AUTH_INNER_LEN ((8 + 12) + (8 + 48) + (4 + 8 + 4 + 12 + 8) + (8 + 16) * 2 + 8)

/* Parse, open and parse the inside; 0 when every step succeeds. */
static int open_all(const uint8_t *buf, size_t len, const struct ike_crypt_keys *k,
		    struct ike_msg *m, uint8_t *plain, size_t cap, size_t *n)
{
	if (parse_all(buf, len, m) != IKE_OK)
		return 1;
	if (ike_crypt_open(m, k, plain, cap, n) != 0)
		return 2;
	return ike_msg_parse_inner(m, plain, *n) == IKE_OK ? 0 : 3;
}

static void roundtrip(const struct ike_crypt_keys *k, bool with_outer)
{
	uint8_t out[BUF], plain[BUF];
	struct ike_msg m;
	size_t n = 0;
	int len = build_auth(k, with_outer, out, sizeof(out));

	CHECK(len > 0);
	if (len <= 0)
		return;
	CHECK_INT(open_all(out, (size_t)len, k, &m, plain, sizeof(plain), &n), 0);
	CHECK_INT(m.hdr.length, len);
	CHECK(m.outer == (PL_BIT(PL_SK) | (with_outer ? PL_BIT(PL_NOTIFY) : 0)));
	CHECK(m.inner == (PL_BIT(PL_IDI) | PL_BIT(PL_AUTH) | PL_BIT(PL_SA) | PL_BIT(PL_TSI) |
			  PL_BIT(PL_TSR) | PL_BIT(PL_NOTIFY)));
	CHECK_INT(m.sk.first_inner, PL_IDI);
	CHECK_INT(m.sk.offset, IKE_HDR_LEN + (with_outer ? 8 : 0));
	CHECK_INT(out[with_outer ? IKE_HDR_LEN : 16], PL_SK);	/* the payload before SK names it */
	CHECK_INT(n, AUTH_INNER_LEN);
	CHECK_INT(m.idi.kind, ID_FQDN);
	CHECK_INT(m.idi.len, 12);
	CHECK_INT(m.auth.len, 48);
	if (m.auth.len == 48)
		CHECK_MEM(m.auth.data, auth_data, 48);
	CHECK_INT(m.sa.n_prop, 1);
	CHECK_INT(m.sa.prop[0].spi[1], 0xfe);
	CHECK_INT(m.tsi.n, 1);
	CHECK_INT(m.tsr.ts[0].end_port, 65535);
	CHECK_INT(m.n_notify, with_outer ? 2 : 1);
	CHECK(ike_msg_notify(&m, N_INITIAL_CONTACT) != NULL);
}

/* CBC layout: IV(16) | E(inner | pad | padlen) | ICV(24), the ICV over
 * everything before it; decrypted here with the primitives alone. */
static void test_cbc_layout(void)
{
	uint8_t out[BUF], pt[BUF], icv[24];
	int len = build_auth(&cbc, false, out, sizeof(out));
	size_t sk_len = (size_t)out[IKE_HDR_LEN + 2] << 8 | out[IKE_HDR_LEN + 3];
	size_t ctlen = sk_len - 4 - 16 - 24;

	CHECK(len > 0);
	CHECK_INT(sk_len, (size_t)len - IKE_HDR_LEN);
	CHECK_INT(ctlen % 16, 0);
	CHECK_INT(ctlen, (AUTH_INNER_LEN + 1 + 15) / 16 * 16);
	CHECK_INT(out[IKE_HDR_LEN], PL_IDI);
	CHECK_INT(integ_compute(AUTH_HMAC_SHA2_384_192, cbc_ka->buf, out, (size_t)len - 24, icv), 0);
	CHECK_MEM(out + len - 24, icv, 24);
	CHECK_INT(cipher_cbc_decrypt(cbc_ke->buf, 32, out + IKE_HDR_LEN + 4,
				     out + IKE_HDR_LEN + 4 + 16, pt, ctlen), 0);
	CHECK_INT(pt[ctlen - 1], ctlen - 1 - AUTH_INNER_LEN);	/* pad length */
	CHECK_INT(pt[0], PL_AUTH);	/* IDi's next payload */
	CHECK_INT(pt[4], ID_FQDN);
}

/* GCM layout (RFC 5282): IV(8) | C | ICV(16), AAD = header .. SK header. */
static void test_gcm_layout(void)
{
	uint8_t out[BUF], pt[BUF];
	int len = build_auth(&gcm, false, out, sizeof(out));
	size_t sk_len = (size_t)out[IKE_HDR_LEN + 2] << 8 | out[IKE_HDR_LEN + 3];
	size_t ctlen = sk_len - 4 - 8 - 16;
	struct aead *a = aead_new(gcm_ke->buf, gcm_ke->len);

	CHECK(len > 0 && a != NULL);
	if (len <= 0 || !a)
		return;
	CHECK_INT(sk_len, (size_t)len - IKE_HDR_LEN);
	CHECK(ctlen >= AUTH_INNER_LEN + 1);
	CHECK_INT(aead_decrypt(a, out + IKE_HDR_LEN + 4, out, IKE_HDR_LEN + 4,
			       out + IKE_HDR_LEN + 4 + 8, ctlen, pt, out + len - 16), 0);
	CHECK_INT(pt[ctlen - 1], ctlen - 1 - AUTH_INNER_LEN);
	CHECK_INT(pt[0], PL_AUTH);
	aead_free(a);
}

/* ChaCha20-Poly1305 layout (RFC 7634 3, framed as RFC 5282): IV(8) | C |
 * ICV(16), AAD = header .. SK header, padding to 4 bytes at most; opened
 * here with the primitive whose RFC 7539 vector passes in crypto-chacha. */
static void test_chacha_layout(void)
{
	uint8_t out[BUF], pt[BUF];
	int len = build_auth(&chacha, false, out, sizeof(out));
	size_t sk_len = (size_t)out[IKE_HDR_LEN + 2] << 8 | out[IKE_HDR_LEN + 3];
	size_t ctlen = sk_len - 4 - 8 - 16;
	struct aead *a = aead_new_alg(ENCR_CHACHA20_POLY1305, gcm_ke->buf, gcm_ke->len);
	struct aead *g = aead_new(gcm_ke->buf, gcm_ke->len);

	CHECK(len > 0 && a != NULL && g != NULL);
	if (len <= 0 || !a || !g)
		goto out;
	CHECK_INT(sk_len, (size_t)len - IKE_HDR_LEN);
	CHECK(ctlen >= AUTH_INNER_LEN + 1 && ctlen <= AUTH_INNER_LEN + 4);
	CHECK_INT(ctlen % 4, 0);
	/* not AES-GCM under the same bytes */
	CHECK_INT(aead_decrypt(g, out + IKE_HDR_LEN + 4, out, IKE_HDR_LEN + 4,
			       out + IKE_HDR_LEN + 4 + 8, ctlen, pt, out + len - 16), -1);
	CHECK_INT(aead_decrypt(a, out + IKE_HDR_LEN + 4, out, IKE_HDR_LEN + 4,
			       out + IKE_HDR_LEN + 4 + 8, ctlen, pt, out + len - 16), 0);
	CHECK_INT(pt[ctlen - 1], ctlen - 1 - AUTH_INNER_LEN);
	CHECK_INT(pt[0], PL_AUTH);
out:
	aead_free(a);
	aead_free(g);
}

/* RFC 7634 Appendix B: an INFORMATIONAL request (SPIs c0..c7 / d0..d7,
 * message ID 9) whose SK payload holds one Notify, SET_WINDOW_SIZE 10,
 * under SK_e = key 80..9f | salt a0a1a2a3 and IV 1011121314151617. */
static void test_rfc7634_ike_example(void)
{
	static const char msg_hex[] =
		"c0c1c2c3c4c5c6c7d0d1d2d3d4d5d6d72e20250000000009000000452900" "0029"
		"1011121314151617" "610394701f8d017f7c12924889"
		"6b71bfe25236efd7cdc67066906315b2";
	uint8_t msg[128], plain[128];
	struct secret *ke = fixed_secret(36, 0x80);
	struct ike_crypt_keys k = { .encr = ENCR_CHACHA20_POLY1305, .encr_keybits = 256,
				    .integ = AUTH_NONE };
	const struct pl_notify *n;
	struct ike_msg m;
	size_t len, plen = 0;

	CHECK(ke != NULL);
	if (!ke)
		return;
	for (size_t i = 0; i < 32; i++)
		ke->buf[i] = (uint8_t)(0x80 + i);
	for (size_t i = 0; i < 4; i++)
		ke->buf[32 + i] = (uint8_t)(0xa0 + i);
	k.ke = ke;
	len = check_unhex(msg_hex, msg, sizeof(msg));
	CHECK_INT(len, 69);
	CHECK_INT(parse_all(msg, len, &m), IKE_OK);
	CHECK_INT(m.hdr.exchange, INFORMATIONAL);
	CHECK_INT(m.hdr.msgid, 9);
	CHECK_INT(ike_crypt_open(&m, &k, plain, sizeof(plain), &plen), 0);
	CHECK_INT(plen, 12);				/* one Notify, pad length 0 */
	CHECK_INT(ike_msg_parse_inner(&m, plain, plen), IKE_OK);
	n = ike_msg_notify(&m, N_SET_WINDOW_SIZE);
	CHECK(n != NULL);
	if (n) {
		CHECK_INT(n->len, 4);
		CHECK(n->len == 4 && n->data[3] == 10);
	}
	/* as AES-GCM, the same bytes do not open */
	k.encr = ENCR_AES_GCM_16;
	CHECK_INT(parse_all(msg, len, &m), IKE_OK);
	CHECK_INT(ike_crypt_open(&m, &k, plain, sizeof(plain), &plen), -1);
	secret_free(ke);
}

/* Two seals of one message differ (fresh IV), both open. */
static void test_fresh_iv(void)
{
	const struct ike_crypt_keys *ks[3] = { &cbc, &gcm, &chacha };
	uint8_t a[BUF], b[BUF], plain[BUF];
	struct ike_msg m;
	size_t n;

	for (unsigned i = 0; i < 3; i++) {
		int la = build_auth(ks[i], false, a, sizeof(a));
		int lb = build_auth(ks[i], false, b, sizeof(b));
		CHECK_INT(la, lb);
		CHECK(la > 0 && memcmp(a + IKE_HDR_LEN + 4, b + IKE_HDR_LEN + 4, 8) != 0);
		CHECK_INT(open_all(b, (size_t)lb, ks[i], &m, plain, sizeof(plain), &n), 0);
	}
}

/* Each bit of the sealed message flipped in turn: never opens. */
static void flip_every_bit(const struct ike_crypt_keys *k, const char *what)
{
	uint8_t out[BUF], plain[BUF];
	int len = build_auth(k, true, out, sizeof(out));
	unsigned opened = 0, tried = 0;
	struct ike_msg m;
	size_t n;

	CHECK(len > 0);
	for (int i = 0; i < len; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			out[i] ^= (uint8_t)(1u << bit);
			if (parse_all(out, (size_t)len, &m) == IKE_OK &&
			    ike_crypt_open(&m, k, plain, sizeof(plain), &n) == 0) {
				if (!opened)
					fprintf(stderr, "  %s: opened with byte %d bit %u flipped\n",
						what, i, bit);
				opened++;
			}
			out[i] ^= (uint8_t)(1u << bit);
			tried++;
		}
	}
	CHECK_INT(opened, 0);
	CHECK_INT(tried, len * 8);
	CHECK_INT(open_all(out, (size_t)len, k, &m, plain, sizeof(plain), &n), 0);
}

/* The wrong key or the other algorithm: refused. */
static void test_wrong_key(void)
{
	uint8_t out[BUF], plain[BUF];
	struct ike_crypt_keys k = cbc;
	struct secret *other = fixed_secret(48, 0x41);
	struct ike_msg m;
	size_t n;
	int len = build_auth(&cbc, false, out, sizeof(out));

	k.ka = other;
	CHECK_INT(parse_all(out, (size_t)len, &m), IKE_OK);
	CHECK_INT(ike_crypt_open(&m, &k, plain, sizeof(plain), &n), -1);
	CHECK_INT(ike_crypt_open(&m, &gcm, plain, sizeof(plain), &n), -1);
	len = build_auth(&gcm, false, out, sizeof(out));
	CHECK_INT(parse_all(out, (size_t)len, &m), IKE_OK);
	CHECK_INT(ike_crypt_open(&m, &cbc, plain, sizeof(plain), &n), -1);
	CHECK_INT(ike_crypt_open(&m, &chacha, plain, sizeof(plain), &n), -1);
	len = build_auth(&chacha, false, out, sizeof(out));
	CHECK_INT(parse_all(out, (size_t)len, &m), IKE_OK);
	CHECK_INT(ike_crypt_open(&m, &gcm, plain, sizeof(plain), &n), -1);
	CHECK_INT(ike_crypt_open(&m, &chacha, plain, sizeof(plain), &n), 0);
	secret_free(other);
}

/* No SK payload, or a plaintext buffer too small: refused, not overrun. */
static void test_open_refusals(void)
{
	uint8_t out[BUF], plain[BUF];
	struct ike_msg m;
	size_t n;
	int len;

	CHECK_INT(parse_all(sa_init_req, SAI_LEN, &m), IKE_OK);
	CHECK_INT(ike_crypt_open(&m, &cbc, plain, sizeof(plain), &n), -1);
	len = build_auth(&cbc, false, out, sizeof(out));
	CHECK_INT(parse_all(out, (size_t)len, &m), IKE_OK);
	CHECK_INT(ike_crypt_open(&m, &cbc, plain, AUTH_INNER_LEN, &n), -1);
	len = build_auth(&gcm, false, out, sizeof(out));
	CHECK_INT(parse_all(out, (size_t)len, &m), IKE_OK);
	CHECK_INT(ike_crypt_open(&m, &gcm, plain, AUTH_INNER_LEN, &n), -1);
}

/* An empty INFORMATIONAL (liveness check): no inner payloads at all. */
static void test_empty_inner(void)
{
	const struct ike_crypt_keys *ks[2] = { &cbc, &gcm };
	struct ike_hdr h = auth_hdr;
	uint8_t out[BUF], inner[64], plain[BUF];
	struct ike_msgb b;
	struct ike_msg m;
	size_t n = 99;

	h.exchange = INFORMATIONAL;
	for (unsigned i = 0; i < 2; i++) {
		ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
		ike_msgb_begin_encrypted(&b);
		int len = ike_crypt_seal(&b, ks[i]);
		CHECK(len > 0);
		CHECK_INT(open_all(out, (size_t)len, ks[i], &m, plain, sizeof(plain), &n), 0);
		CHECK_INT(n, 0);
		CHECK_INT(m.sk.first_inner, PL_NONE);
		CHECK_INT(m.inner, 0);
	}
}

/* ---- hand-sealed messages: any plaintext, including bad padding ---- */

/* Header, SK header, then IV | E(pt) | ICV with the primitives alone. */
static size_t seal_raw_cbc(uint8_t *out, const uint8_t *pt, size_t ptlen)
{
	const uint8_t iv[16] = { 0x1f, 0x2e };
	size_t len = IKE_HDR_LEN + 4 + 16 + ptlen + 24;
	const struct rawpl sk = { PL_SK, 0, NULL, 0 };

	assemble(out, IKE_VERSION, &sk, 1);
	put16(out + IKE_HDR_LEN + 2, len - IKE_HDR_LEN);
	put32(out + 24, len);
	memcpy(out + IKE_HDR_LEN + 4, iv, 16);
	cipher_cbc_encrypt(cbc_ke->buf, 32, iv, pt, out + IKE_HDR_LEN + 20, ptlen);
	integ_compute(AUTH_HMAC_SHA2_384_192, cbc_ka->buf, out, len - 24, out + len - 24);
	return len;
}

static size_t seal_raw_gcm(uint8_t *out, const uint8_t *pt, size_t ptlen)
{
	const uint8_t iv[8] = { 0x3c, 0x4d };
	size_t len = IKE_HDR_LEN + 4 + 8 + ptlen + 16;
	const struct rawpl sk = { PL_SK, 0, NULL, 0 };
	struct aead *a = aead_new(gcm_ke->buf, gcm_ke->len);

	assemble(out, IKE_VERSION, &sk, 1);
	put16(out + IKE_HDR_LEN + 2, len - IKE_HDR_LEN);
	put32(out + 24, len);
	memcpy(out + IKE_HDR_LEN + 4, iv, 8);
	aead_encrypt(a, iv, out, IKE_HDR_LEN + 4, pt, ptlen, out + IKE_HDR_LEN + 12, out + len - 16);
	aead_free(a);
	return len;
}

/* Open a hand-sealed plaintext whose last byte is padlen; the result of
 * ike_crypt_open, and *n the inner length it gave. */
static int open_padded(bool use_gcm, size_t ptlen, uint8_t padlen, size_t *n)
{
	uint8_t pt[256] = { 0 }, out[BUF], plain[BUF];
	struct ike_msg m;

	pt[ptlen - 1] = padlen;
	size_t len = use_gcm ? seal_raw_gcm(out, pt, ptlen) : seal_raw_cbc(out, pt, ptlen);
	uint8_t *exact = malloc(len);
	memcpy(exact, out, len);
	int r = parse_all(exact, len, &m);
	if (r == IKE_OK)
		r = ike_crypt_open(&m, use_gcm ? &gcm : &cbc, plain, sizeof(plain), n);
	free(exact);
	return r;
}

static void test_padding(void)
{
	size_t n = 99;

	/* CBC, 32 bytes: the pad length byte must leave room for itself */
	CHECK_INT(open_padded(false, 32, 31, &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(open_padded(false, 32, 0, &n), 0);
	CHECK_INT(n, 31);
	CHECK_INT(open_padded(false, 32, 32, &n), -1);
	CHECK_INT(open_padded(false, 32, 33, &n), -1);
	CHECK_INT(open_padded(false, 32, 255, &n), -1);
	CHECK_INT(open_padded(false, 16, 16, &n), -1);
	CHECK_INT(open_padded(false, 16, 15, &n), 0);
	/* GCM, any length */
	CHECK_INT(open_padded(true, 1, 0, &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(open_padded(true, 1, 1, &n), -1);
	CHECK_INT(open_padded(true, 5, 4, &n), 0);
	CHECK_INT(open_padded(true, 5, 5, &n), -1);
	CHECK_INT(open_padded(true, 200, 200, &n), -1);
	CHECK_INT(open_padded(true, 200, 255, &n), -1);
}

/* CBC ciphertext not a whole number of blocks, with a valid ICV. */
static void test_cbc_partial_block(void)
{
	uint8_t pt[48] = { 0 }, out[BUF], plain[BUF];
	struct ike_msg m;
	size_t n;
	size_t len = seal_raw_cbc(out, pt, 32);

	/* drop 4 ciphertext bytes and recompute lengths and ICV */
	memmove(out + len - 24 - 4, out + len - 24, 24);
	len -= 4;
	put16(out + IKE_HDR_LEN + 2, len - IKE_HDR_LEN);
	put32(out + 24, len);
	integ_compute(AUTH_HMAC_SHA2_384_192, cbc_ka->buf, out, len - 24, out + len - 24);
	CHECK_INT(parse_all(out, len, &m), IKE_OK);
	CHECK_INT(ike_crypt_open(&m, &cbc, plain, sizeof(plain), &n), -1);
	/* SK too short to hold IV and ICV */
	for (size_t skb = 0; skb < 16 + 16 + 24; skb++) {
		const struct rawpl sk = { PL_SK, 0, pt, skb < sizeof(pt) ? skb : sizeof(pt) };
		len = assemble(out, IKE_VERSION, &sk, 1);
		CHECK_INT(parse_all(out, len, &m), IKE_OK);
		CHECK_INT(ike_crypt_open(&m, &cbc, plain, sizeof(plain), &n), -1);
		CHECK_INT(ike_crypt_open(&m, &gcm, plain, sizeof(plain), &n), -1);
	}
}

/* ---- Encrypted Fragments ---- */

/* Larger than any room test_fragment_room asks of it (datagrams below 400). */
static const uint8_t piece[400] = { 0x11, 0x22, 0x33, [299] = 0x99, [399] = 0x77 };

static int seal_frag(const struct ike_crypt_keys *k, uint16_t num, uint16_t total, size_t len,
		     uint8_t *out, size_t cap)
{
	uint8_t scratch[BUF];

	return ike_crypt_seal_fragment(&auth_hdr, PL_IDI, num, total, piece, len, k, out, cap,
				       scratch, sizeof(scratch));
}

/* Fragment 1 names the first inner payload, the others 0; the numbers
 * parse; the piece comes back; GCM's AAD runs to the end of Total Fragments. */
static void test_fragment_roundtrip(const struct ike_crypt_keys *k, bool is_gcm)
{
	uint8_t out[BUF], plain[BUF];
	struct ike_msg m;
	size_t n = 0;

	for (uint16_t num = 1; num <= 3; num++) {
		int len = seal_frag(k, num, 3, 40 + num, out, sizeof(out));
		CHECK(len > 0);
		CHECK_INT(parse_all(out, (size_t)len, &m), IKE_OK);
		CHECK_INT(m.outer, PL_BIT(PL_SKF));
		CHECK_INT(m.hdr.next, PL_SKF);
		CHECK_INT(m.hdr.length, len);
		CHECK_INT(m.sk.frag_num, num);
		CHECK_INT(m.sk.frag_total, 3);
		CHECK_INT(m.sk.hdr_len, 8);
		CHECK_INT(m.sk.first_inner, num == 1 ? PL_IDI : PL_NONE);
		CHECK_INT(ike_crypt_open(&m, k, plain, sizeof(plain), &n), 0);
		CHECK_INT(n, 40 + num);
		CHECK_MEM(plain, piece, 40 + num);
		if (!is_gcm)
			continue;
		struct aead *a = aead_new(gcm_ke->buf, gcm_ke->len);
		size_t ctlen = (size_t)len - IKE_HDR_LEN - 8 - 8 - 16;
		CHECK_INT(aead_decrypt(a, out + IKE_HDR_LEN + 8, out, IKE_HDR_LEN + 8,
				       out + IKE_HDR_LEN + 16, ctlen, plain, out + len - 16), 0);
		aead_free(a);
	}
}

/* Any bit of a fragment flipped (its numbers too): never opens. */
static void test_fragment_flips(const struct ike_crypt_keys *k, const char *what)
{
	uint8_t out[BUF], plain[BUF];
	int len = seal_frag(k, 2, 3, 64, out, sizeof(out));
	unsigned opened = 0;
	struct ike_msg m;
	size_t n;

	CHECK(len > 0);
	for (int i = 0; i < len; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			out[i] ^= (uint8_t)(1u << bit);
			if (parse_all(out, (size_t)len, &m) == IKE_OK &&
			    ike_crypt_open(&m, k, plain, sizeof(plain), &n) == 0) {
				if (!opened)
					fprintf(stderr, "  %s fragment: opened with byte %d bit %u "
						"flipped\n", what, i, bit);
				opened++;
			}
			out[i] ^= (uint8_t)(1u << bit);
		}
	}
	CHECK_INT(opened, 0);
}

/* Numbers 0, above the total, a header cut short: refused by the parser;
 * the sealer refuses to write such numbers. */
static void test_fragment_numbers(void)
{
	uint8_t out[BUF];
	struct ike_msg m;
	int len = seal_frag(&cbc, 2, 3, 32, out, sizeof(out));
	size_t nf = IKE_HDR_LEN + 4;	/* Fragment Number's offset */

	CHECK(len > 0);
	out[nf + 1] = 0;	/* 0 of 3 */
	CHECK_INT(parse_all(out, (size_t)len, &m), IKE_ERR_FRAGMENT);
	out[nf + 1] = 4;	/* 4 of 3 */
	CHECK_INT(parse_all(out, (size_t)len, &m), IKE_ERR_FRAGMENT);
	out[nf + 1] = 3;	/* 3 of 3: the parser takes it (the ICV will not) */
	CHECK_INT(parse_all(out, (size_t)len, &m), IKE_OK);
	/* an SKF payload of 7 bytes: its numbers cut short */
	uint8_t shortm[IKE_HDR_LEN + 7];
	memcpy(shortm, out, IKE_HDR_LEN + 7);
	shortm[24] = shortm[25] = shortm[26] = 0;
	shortm[27] = sizeof(shortm);
	shortm[IKE_HDR_LEN + 2] = 0;
	shortm[IKE_HDR_LEN + 3] = 7;
	CHECK_INT(parse_all(shortm, sizeof(shortm), &m), IKE_ERR_TRUNCATED);
	CHECK_INT(seal_frag(&cbc, 0, 3, 32, out, sizeof(out)), -1);
	CHECK_INT(seal_frag(&cbc, 4, 3, 32, out, sizeof(out)), -1);
	CHECK_STR(ike_parse_strerror(IKE_ERR_FRAGMENT),
		  "Encrypted Fragment numbered 0 or above its Total Fragments");
}

/* For every datagram size: a piece of ike_crypt_fragment_room bytes seals
 * into at most that many, one byte more into more; ike_crypt_sealed_len
 * is what ike_crypt_seal makes. */
static void test_fragment_room(const struct ike_crypt_keys *k, const char *what)
{
	uint8_t out[BUF];
	unsigned bad = 0;

	for (size_t d = 60; d < 400; d++) {
		size_t room = ike_crypt_fragment_room(k, d);
		if (!room)
			continue;
		int fits = seal_frag(k, 1, 1, room, out, sizeof(out));
		int over = room + 1 <= sizeof(piece) ? seal_frag(k, 1, 1, room + 1, out, sizeof(out))
						      : (int)d + 1;
		if (fits <= 0 || (size_t)fits > d || (size_t)over <= d) {
			if (!bad)
				fprintf(stderr, "  %s: datagram %zu, room %zu: %d and %d bytes\n", what,
					d, room, fits, over);
			bad++;
		}
	}
	CHECK_INT(bad, 0);
	CHECK_INT(ike_crypt_fragment_room(k, 40), 0);
	for (size_t n = 0; n < 64; n++) {
		uint8_t inner[BUF];
		struct ike_msgb b;

		ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &auth_hdr);
		ike_msgb_begin_encrypted(&b);
		wbuf_bytes(&b.inner, piece, n);
		b.first_inner = PL_IDI;
		size_t want = ike_crypt_sealed_len(k, b.out.len, n);
		CHECK_INT(ike_crypt_seal(&b, k), (int)want);
	}
}

int main(void)
{
	keys_setup();
	CHECK(cbc_ke && cbc_ka && gcm_ke);
	roundtrip(&cbc, false);
	roundtrip(&cbc, true);
	roundtrip(&gcm, false);
	roundtrip(&gcm, true);
	roundtrip(&chacha, false);
	roundtrip(&chacha, true);
	test_cbc_layout();
	test_gcm_layout();
	test_chacha_layout();
	test_rfc7634_ike_example();
	test_fresh_iv();
	flip_every_bit(&cbc, "AES-CBC-256/HMAC-SHA2-384-192");
	flip_every_bit(&gcm, "AES-GCM-16-256");
	flip_every_bit(&chacha, "ChaCha20-Poly1305");
	test_wrong_key();
	test_open_refusals();
	test_empty_inner();
	test_padding();
	test_cbc_partial_block();
	test_fragment_roundtrip(&cbc, false);
	test_fragment_roundtrip(&gcm, true);
	test_fragment_flips(&cbc, "AES-CBC-256/HMAC-SHA2-384-192");
	test_fragment_flips(&gcm, "AES-GCM-16-256");
	test_fragment_numbers();
	test_fragment_room(&cbc, "AES-CBC-256/HMAC-SHA2-384-192");
	test_fragment_room(&gcm, "AES-GCM-16-256");
	secret_free(cbc_ke);
	secret_free(cbc_ka);
	secret_free(gcm_ke);
	return check_summary("ike-crypt");
}

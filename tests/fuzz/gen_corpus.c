/* SPDX-License-Identifier: Apache-2.0 */
/* Writes the seed corpora of the fuzz targets, from the daemon's own
 * builders, so they can be made again after a wire format change:
 *
 *   build-fuzz/tests/fuzz/fuzz-gen-corpus tests/fuzz/corpus tests/configs [tests/import]
 *
 * (the libreswan files of fuzz_import: tests/import, by default beside
 * tests/configs).
 * Each seed is one realistic message framed the way its target reads input
 * (see the comment at the top of each fuzz_*.c); fuzz_ike_engine's are
 * programs (gen_engine_corpus.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/aead.h"
#include "crypto/alg.h"
#include "crypto/cipher.h"
#include "crypto/secret.h"
#include "daemon/base/bytes.h"
#include "daemon/ctl/proto.h"
#include "daemon/dataplane/offload.h"
#include "daemon/dataplane/esp.h"
#include "daemon/ikemsg/sk.h"
#include "daemon/ike/nat.h"
#include "daemon/probe/echo.h"
#include "gen_corpus.h"

static const char *root;
static int failed;

void gen_put_dir(const char *dir, const char *name, const void *p, size_t n)
{
	char path[1024];
	FILE *f;

	if (mkdir(dir, 0755) && errno != EEXIST)
		failed = 1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n) {
		fprintf(stderr, "gen-corpus: cannot write %s\n", path);
		failed = 1;
	}
	if (f)
		fclose(f);
}

static void put(const char *target, const char *name, const void *p, size_t n)
{
	char dir[1024];

	snprintf(dir, sizeof(dir), "%s/%s", root, target);
	gen_put_dir(dir, name, p, n);
}

/* ---- IKE ---- */

static const uint8_t nonce[32] = { 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87 };
static const uint8_t ke[64] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17 };

static struct secret *cbc_ke, *cbc_ka, *gcm_ke;
static struct ike_crypt_keys cbc, gcm, chacha;

static struct secret *fixed(size_t len, uint8_t seed)
{
	struct secret *s = secret_new(len);

	for (size_t i = 0; s && i < len; i++)
		s->buf[i] = (uint8_t)(seed + i * 3);
	return s;
}

static int sa_init(uint8_t *out, size_t cap, bool response)
{
	struct ike_hdr h = { .spii = 0x0123456789abcdefull, .exchange = IKE_SA_INIT,
			     .flags = response ? IKE_FLAG_R : IKE_FLAG_I };
	struct ike_proposal p[2] = {
		{ .num = 1, .protocol = PROTO_IKE, .n_trans = 4, .trans = {
			{ TRANS_ENCR, ENCR_AES_CBC, 256 }, { TRANS_PRF, PRF_HMAC_SHA2_384, 0 },
			{ TRANS_INTEG, AUTH_HMAC_SHA2_384_192, 0 }, { TRANS_DH, ECP_256, 0 } } },
		{ .num = 2, .protocol = PROTO_IKE, .n_trans = 3, .trans = {
			{ TRANS_ENCR, ENCR_AES_GCM_16, 256 }, { TRANS_PRF, PRF_HMAC_SHA2_512, 0 },
			{ TRANS_DH, CURVE25519, 0 } } },
	};
	struct sockaddr_storage a = { .ss_family = AF_INET }, b = { .ss_family = AF_INET6 };
	uint8_t inner[16];
	struct ike_msgb mb;

	if (response)
		h.spir = 0xfedcba9876543210ull;
	ike_msgb_init(&mb, out, cap, inner, sizeof(inner), &h);
	pl_sa_build(&mb, p, response ? 1 : 2);
	pl_data_build(&mb, PL_KE, ECP_256, ke, sizeof(ke));
	pl_data_build(&mb, PL_NONCE, 0, nonce, sizeof(nonce));
	nat_build_notifies(&mb, h.spii, h.spir, &a, &b, false);
	pl_notify_build(&mb, 0, NULL, 0, N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	return ike_msgb_finish_plain(&mb);
}

/* IKE_AUTH request payloads, into the SK payload or in the clear. */
static void auth_payloads(struct ike_msgb *mb)
{
	struct ike_proposal esp = { .num = 1, .protocol = PROTO_ESP, .spi_size = 4,
				    .spi = { 0xc0, 0xff, 0xee, 0x01 }, .n_trans = 2, .trans = {
					    { TRANS_ENCR, ENCR_AES_GCM_16, 256 }, { TRANS_ESN, 0, 0 } } };
	struct ike_ts ts[2] = {
		{ .type = TS_IPV4_ADDR_RANGE, .end_port = 65535, .end = { 255, 255, 255, 255 } },
		{ .type = TS_IPV6_ADDR_RANGE, .end_port = 65535,
		  .start = { 0x20, 0x01, 0x0d, 0xb8 }, .end = { 0x20, 0x01, 0x0d, 0xb8, 0xff } },
	};
	const uint8_t auth[48] = { 0xa1 }, id[4] = { 198, 51, 100, 10 };

	pl_data_build(mb, PL_IDI, ID_IPV4_ADDR, id, sizeof(id));
	pl_notify_build(mb, 0, NULL, 0, N_INITIAL_CONTACT, NULL, 0);
	pl_data_build(mb, PL_IDR, ID_FQDN, (const uint8_t *)"vpn.example", 11);
	pl_data_build(mb, PL_AUTH, AUTH_METHOD_PSK, auth, sizeof(auth));
	pl_sa_build(mb, &esp, 1);
	pl_ts_build(mb, PL_TSI, ts, 2);
	pl_ts_build(mb, PL_TSR, ts, 1);
}

static int ike_auth(uint8_t *out, size_t cap, const struct ike_crypt_keys *k)
{
	struct ike_hdr h = { .spii = 0x0123456789abcdefull, .spir = 0xfedcba9876543210ull,
			     .exchange = IKE_AUTH, .flags = IKE_FLAG_I, .msgid = 1 };
	uint8_t inner[2048];
	struct ike_msgb mb;

	ike_msgb_init(&mb, out, cap, inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&mb);
	auth_payloads(&mb);
	return ike_crypt_seal(&mb, k);
}

static int informational(uint8_t *out, size_t cap, const struct ike_crypt_keys *k)
{
	struct ike_hdr h = { .spii = 0x0123456789abcdefull, .spir = 0xfedcba9876543210ull,
			     .exchange = INFORMATIONAL, .flags = IKE_FLAG_R, .msgid = 7 };
	const uint8_t spis[8] = { 0xc0, 0xff, 0xee, 0x01, 0xc0, 0xff, 0xee, 0x02 };
	uint8_t inner[256];
	struct ike_msgb mb;

	ike_msgb_init(&mb, out, cap, inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&mb);
	pl_delete_build(&mb, PROTO_ESP, 4, spis, 2);
	pl_delete_build(&mb, PROTO_IKE, 0, NULL, 0);
	return ike_crypt_seal(&mb, k);
}

/* Encrypted Fragment num of 3 of the IKE_AUTH request (RFC 7383). */
static int ike_auth_fragment(uint8_t *out, size_t cap, const struct ike_crypt_keys *k,
			     uint16_t num)
{
	struct ike_hdr h = { .spii = 0x0123456789abcdefull, .spir = 0xfedcba9876543210ull,
			     .exchange = IKE_AUTH, .flags = IKE_FLAG_I, .msgid = 1 };
	uint8_t hdr[64], inner[2048], scratch[2048 + 32];
	struct ike_msgb mb;

	ike_msgb_init(&mb, hdr, sizeof(hdr), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&mb);
	auth_payloads(&mb);
	size_t piece = (mb.inner.len + 2) / 3, off = (num - 1u) * piece;
	size_t len = num < 3 ? piece : mb.inner.len - off;
	return ike_crypt_seal_fragment(&h, mb.first_inner, num, 3, inner + off, len, k, out, cap,
				       scratch, sizeof(scratch));
}

/* The IKE_AUTH payloads in the clear: the SK-less view the inner parser sees. */
static int ike_auth_plain(uint8_t *out, size_t cap)
{
	struct ike_hdr h = { .spii = 1, .spir = 2, .exchange = IKE_AUTH, .flags = IKE_FLAG_I,
			     .msgid = 1 };
	uint8_t inner[16];
	struct ike_msgb mb;

	ike_msgb_init(&mb, out, cap, inner, sizeof(inner), &h);
	auth_payloads(&mb);
	return ike_msgb_finish_plain(&mb);
}

/* ---- certificates (CERT, CERTREQ) for the parser ---- */

/* Bytes that look like a DER certificate (the parser keeps them as they
 * are; the engine's x509 code reads them, not this target). */
static void fake_der(uint8_t *out, size_t len, uint8_t seed)
{
	out[0] = 0x30;
	out[1] = 0x82;
	out[2] = (uint8_t)((len - 4) >> 8);
	out[3] = (uint8_t)(len - 4);
	for (size_t i = 4; i < len; i++)
		out[i] = (uint8_t)(seed + i * 7);
}

enum cert_shape {
	CERTS_CHAIN,		/* IDi as a DN, a certificate and two intermediates,
				 * CERTREQ with two CA hashes, AUTH by RFC 7427 */
	CERTS_ODD,		/* an empty CERTREQ (any CA), one of another encoding
				 * and odd length, a CERT in PKCS #7 (1), a one-byte CERT */
	CERTS_TOO_MANY,		/* IKE_MAX_CERT + 1 CERT payloads (counted, not kept) */
	CERTS_CERTREQ_ODD,	/* an X.509 CERTREQ of 21 bytes: refused */
	CERTS_EMPTY_CERT,	/* a CERT with its encoding only: refused */
	CERTS_CERTREQ_BARE,	/* a CERTREQ without even its encoding: refused */
};

static void cert_payloads(struct ike_msgb *mb, enum cert_shape shape)
{
	static const uint8_t dn[] = { 0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04,
				      0x03, 0x0c, 0x04, 't', 'e', 's', 't' };
	uint8_t der[700], hashes[40], auth[1 + 16 + 64] = { 16 };
	const uint8_t odd[7] = { 1, 2, 3, 4, 5, 6, 7 };

	for (size_t i = 0; i < sizeof(hashes); i++)
		hashes[i] = (uint8_t)(0xa0 + i);
	pl_data_build(mb, PL_IDI, ID_DER_ASN1_DN, dn, sizeof(dn));
	switch (shape) {
	case CERTS_CHAIN:
		for (uint8_t i = 0; i < 3; i++) {
			size_t len = i ? 500 : 680;
			fake_der(der, len, i);
			pl_cert_build(mb, PL_CERT, CERT_X509_SIGNATURE, der, len);
		}
		pl_cert_build(mb, PL_CERTREQ, CERT_X509_SIGNATURE, hashes, sizeof(hashes));
		break;
	case CERTS_ODD:
		pl_cert_build(mb, PL_CERTREQ, CERT_X509_SIGNATURE, NULL, 0);
		pl_cert_build(mb, PL_CERTREQ, 12, odd, sizeof(odd));
		fake_der(der, 300, 9);
		pl_cert_build(mb, PL_CERT, 1, der, 300);
		pl_cert_build(mb, PL_CERT, CERT_X509_SIGNATURE, der, 1);
		break;
	case CERTS_TOO_MANY:
		fake_der(der, 40, 3);
		for (unsigned i = 0; i <= IKE_MAX_CERT; i++)
			pl_cert_build(mb, PL_CERT, CERT_X509_SIGNATURE, der, 40);
		break;
	case CERTS_CERTREQ_ODD:
		pl_cert_build(mb, PL_CERTREQ, CERT_X509_SIGNATURE, hashes, 21);
		break;
	case CERTS_EMPTY_CERT:
		pl_cert_build(mb, PL_CERT, CERT_X509_SIGNATURE, NULL, 0);
		break;
	default: {
		size_t off = ike_msgb_pl_begin(mb, PL_CERTREQ);
		ike_msgb_pl_end(mb, off);
	}
	}
	for (size_t i = 1; i < sizeof(auth); i++)
		auth[i] = (uint8_t)(0x30 + i);
	pl_data_build(mb, PL_AUTH, AUTH_METHOD_DIGITAL_SIGNATURE, auth, sizeof(auth));
}

/* An IKE_AUTH request with the certificate payloads of shape in the clear. */
static int ike_auth_certs(uint8_t *out, size_t cap, enum cert_shape shape)
{
	struct ike_hdr h = { .spii = 1, .spir = 2, .exchange = IKE_AUTH, .flags = IKE_FLAG_I,
			     .msgid = 1 };
	uint8_t inner[16];
	struct ike_msgb mb;

	ike_msgb_init(&mb, out, cap, inner, sizeof(inner), &h);
	cert_payloads(&mb, shape);
	return ike_msgb_finish_plain(&mb);
}

/* The responder's IKE_SA_INIT with a CERTREQ naming two CAs after it. */
static int sa_init_certreq(uint8_t *out, size_t cap)
{
	struct ike_hdr h = { .spii = 0x0123456789abcdefull, .spir = 0xfedcba9876543210ull,
			     .exchange = IKE_SA_INIT, .flags = IKE_FLAG_R };
	struct ike_proposal p = { .num = 1, .protocol = PROTO_IKE, .n_trans = 3, .trans = {
		{ TRANS_ENCR, ENCR_AES_GCM_16, 256 }, { TRANS_PRF, PRF_HMAC_SHA2_256, 0 },
		{ TRANS_DH, CURVE25519, 0 } } };
	const uint8_t hashes[40] = { 0x11, 0x22, 0x33 }, algs[6] = { 0, 2, 0, 3, 0, 4 };
	uint8_t inner[16];
	struct ike_msgb mb;

	ike_msgb_init(&mb, out, cap, inner, sizeof(inner), &h);
	pl_sa_build(&mb, &p, 1);
	pl_data_build(&mb, PL_KE, CURVE25519, ke, 32);
	pl_data_build(&mb, PL_NONCE, 0, nonce, sizeof(nonce));
	pl_cert_build(&mb, PL_CERTREQ, CERT_X509_SIGNATURE, hashes, sizeof(hashes));
	pl_notify_build(&mb, 0, NULL, 0, N_SIGNATURE_HASH_ALGORITHMS, algs, sizeof(algs));
	return ike_msgb_finish_plain(&mb);
}

static void gen_ike_certs(void)
{
	static const char *const names[] = {
		[CERTS_CHAIN] = "ike_auth_certs_chain",
		[CERTS_ODD] = "ike_auth_certs_odd",
		[CERTS_TOO_MANY] = "ike_auth_certs_too_many",
		[CERTS_CERTREQ_ODD] = "ike_auth_certreq_21_bytes",
		[CERTS_EMPTY_CERT] = "ike_auth_cert_empty",
		[CERTS_CERTREQ_BARE] = "ike_auth_certreq_bare",
	};
	uint8_t m[8192], seed[8192];
	int n;

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = ike_auth_certs(m, sizeof(m), (enum cert_shape)i);
		if (n < 0) {
			failed = 1;
			continue;
		}
		put("fuzz_ike_msg", names[i], m, (size_t)n);
	}
	/* the inner parser alone: first payload type, then the chain */
	n = ike_auth_certs(m, sizeof(m), CERTS_CHAIN);
	if (n > IKE_HDR_LEN) {
		seed[0] = m[16];
		memcpy(seed + 1, m + IKE_HDR_LEN, (size_t)n - IKE_HDR_LEN);
		put("fuzz_ike_msg", "inner_certs_chain", seed, (size_t)n - IKE_HDR_LEN + 1);
		/* the first CERT's body for the body parsers */
		put("fuzz_ike_msg", "cert_body", m + IKE_HDR_LEN + 4 + 4 + 17 + 4, 681);
	}
	n = sa_init_certreq(m, sizeof(m));
	put("fuzz_ike_msg", "ike_sa_init_response_certreq", m, n > 0 ? (size_t)n : 0);
	if (n < 0)
		failed = 1;
}

/* fuzz_ike_sk "sealed here" seeds: mode byte, first inner type, plaintext
 * (the inner chain as it is after the IKE header, then pad length 0...). */
static void sk_plain_seed(const char *name, uint8_t mode, const uint8_t *plain_msg, int len)
{
	uint8_t seed[4096];
	size_t chain = (size_t)len - IKE_HDR_LEN, n = 2 + chain;

	seed[0] = mode;
	seed[1] = plain_msg[16];
	memcpy(seed + 2, plain_msg + IKE_HDR_LEN, chain);
	/* pad so that chain | pad | padlen is whole CBC blocks */
	size_t pad = (16 - (chain + 1) % 16) % 16;
	memset(seed + n, 0, pad);
	n += pad;
	seed[n++] = (uint8_t)pad;
	put("fuzz_ike_sk", name, seed, n);
}

static void gen_ike(void)
{
	uint8_t m[4096], seed[4097];
	int n;

	cbc_ke = fixed(32, 0x01);
	cbc_ka = fixed(48, 0x40);
	gcm_ke = fixed(36, 0x80);
	cbc = (struct ike_crypt_keys){ .encr = ENCR_AES_CBC, .encr_keybits = 256,
				       .integ = AUTH_HMAC_SHA2_384_192, .ke = cbc_ke, .ka = cbc_ka };
	gcm = (struct ike_crypt_keys){ .encr = ENCR_AES_GCM_16, .encr_keybits = 256,
				       .integ = AUTH_NONE, .ke = gcm_ke };
	chacha = (struct ike_crypt_keys){ .encr = ENCR_CHACHA20_POLY1305, .encr_keybits = 256,
					  .integ = AUTH_NONE, .ke = gcm_ke };

	n = sa_init(m, sizeof(m), false);
	put("fuzz_ike_msg", "ike_sa_init_request", m, (size_t)n);
	n = sa_init(m, sizeof(m), true);
	put("fuzz_ike_msg", "ike_sa_init_response", m, (size_t)n);
	put("fuzz_ike_msg", "sa_body", m + IKE_HDR_LEN + 4, 44);	/* one proposal */
	n = ike_auth_plain(m, sizeof(m));
	put("fuzz_ike_msg", "ike_auth_cleartext", m, (size_t)n);
	sk_plain_seed("cbc_sealed_here_ike_auth", 0x02, m, n);
	sk_plain_seed("gcm_sealed_here_ike_auth", 0x03, m, n);
	sk_plain_seed("chacha_sealed_here_ike_auth", 0x83, m, n);
	n = ike_auth(m, sizeof(m), &cbc);
	put("fuzz_ike_msg", "ike_auth_sk_cbc", m, (size_t)n);
	seed[0] = 0x00;
	memcpy(seed + 1, m, (size_t)n);
	put("fuzz_ike_sk", "cbc_ike_auth", seed, (size_t)n + 1);
	n = ike_auth(m, sizeof(m), &gcm);
	seed[0] = 0x01;
	memcpy(seed + 1, m, (size_t)n);
	put("fuzz_ike_sk", "gcm_ike_auth", seed, (size_t)n + 1);
	for (uint16_t f = 1; f <= 2; f++) {	/* SKF: the first fragment and a later one */
		const struct ike_crypt_keys *k = f == 1 ? &cbc : &gcm;
		char name[64];

		n = ike_auth_fragment(m, sizeof(m), k, f);
		snprintf(name, sizeof(name), "ike_auth_skf_%s_%u_of_3", f == 1 ? "cbc" : "gcm", f);
		put("fuzz_ike_msg", name, m, (size_t)n);
		seed[0] = f == 1 ? 0x00 : 0x01;
		memcpy(seed + 1, m, (size_t)n);
		snprintf(name, sizeof(name), "%s_ike_auth_fragment_%u_of_3", f == 1 ? "cbc" : "gcm", f);
		put("fuzz_ike_sk", name, seed, (size_t)n + 1);
	}
	n = informational(m, sizeof(m), &gcm);
	put("fuzz_ike_msg", "informational_delete_gcm", m, (size_t)n);
	memcpy(seed + 1, m, (size_t)n);
	put("fuzz_ike_sk", "gcm_informational", seed, (size_t)n + 1);
	n = ike_auth(m, sizeof(m), &chacha);
	seed[0] = 0x81;
	memcpy(seed + 1, m, (size_t)n);
	put("fuzz_ike_sk", "chacha_ike_auth", seed, (size_t)n + 1);
	secret_free(cbc_ke);
	secret_free(cbc_ka);
	secret_free(gcm_ke);
	gen_ike_certs();
}

/* ---- ESP (key, SPI and selectors as in fuzz_esp.c) ---- */

static const uint8_t esp_key[36] = {
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b,
	0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0xca, 0xfe, 0xba, 0xbe,
};

/* IPv4 UDP 10.1.0.1 -> 10.2.0.1 or IPv6 fd00:1::1 -> fd00:2::1, len bytes. */
static size_t inner_packet(uint8_t *p, size_t len, bool v6)
{
	memset(p, 0, len);
	if (v6) {
		p[0] = 0x60;
		p[4] = (uint8_t)((len - 40) >> 8);
		p[5] = (uint8_t)(len - 40);
		p[6] = 17;
		p[7] = 64;
		memcpy(p + 8, (const uint8_t[]){ 0xfd, 0, 0, 1, [15] = 1 }, 16);
		memcpy(p + 24, (const uint8_t[]){ 0xfd, 0, 0, 2, [15] = 1 }, 16);
	} else {
		p[0] = 0x45;
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
		p[8] = 64;
		p[9] = 17;
		memcpy(p + 12, (const uint8_t[]){ 10, 1, 0, 1 }, 4);
		memcpy(p + 16, (const uint8_t[]){ 10, 2, 0, 1 }, 4);
	}
	return len;
}

/* Append one record: kind, u16 length, bytes. */
static size_t record(uint8_t *out, uint8_t kind, const uint8_t *b, size_t n)
{
	out[0] = kind;
	out[1] = (uint8_t)(n >> 8);
	out[2] = (uint8_t)n;
	memcpy(out + 3, b, n);
	return 3 + n;
}

/* A real packet from esp_sa_encap_iv with sequence number seq. */
static size_t real_packet(struct esp_sa *sa, uint32_t seq, bool v6, size_t len, uint8_t *out)
{
	uint8_t buf[2048], iv[8] = { 0, 0, 0, 0, (uint8_t)(seq >> 24), (uint8_t)(seq >> 16),
				     (uint8_t)(seq >> 8), (uint8_t)seq };
	size_t n = 0;

	inner_packet(buf + ESP_HEADROOM, len, v6);
	if (esp_sa_encap_iv(sa, seq, iv, buf, sizeof(buf), len, v6 ? ESP_NH_IPV6 : ESP_NH_IPV4,
			    &n) != ESP_OK)
		failed = 1;
	memcpy(out, buf, n);
	return n;
}

/* seq | inner | pad 1,2.. | pad length | next header, for the sealed kind. */
static size_t plain_record(uint8_t *out, uint8_t kind, uint32_t seq, bool v6, size_t len)
{
	uint8_t b[2048];
	size_t n = 4, pad = (4 - (len + 2) % 4) % 4;

	b[0] = (uint8_t)(seq >> 24);
	b[1] = (uint8_t)(seq >> 16);
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	n += inner_packet(b + n, len, v6);
	for (size_t i = 0; i < pad; i++)
		b[n++] = (uint8_t)(i + 1);
	b[n++] = (uint8_t)pad;
	b[n++] = v6 ? ESP_NH_IPV6 : ESP_NH_IPV4;
	return record(out, kind, b, n);
}

/* ESN: high | low | inner | trailer, sealed by fuzz_esp with the high bits
 * in the AAD; kind 3 on the first record turns ESN on for the input. */
static size_t esn_record(uint8_t *out, uint8_t kind, uint32_t hi, uint32_t lo, size_t len)
{
	uint8_t b[2048];
	size_t n = plain_record(b, 0, lo, false, len) - 3;	/* its bytes, past kind and length */

	memmove(b + 4, b + 3, n);
	b[0] = (uint8_t)(hi >> 24);
	b[1] = (uint8_t)(hi >> 16);
	b[2] = (uint8_t)(hi >> 8);
	b[3] = (uint8_t)hi;
	return record(out, kind, b, n + 4);
}

static void gen_esp(void)
{
	struct esp_sa *sa = esp_sa_new(0x0a0b0c0d, esp_key, sizeof(esp_key));
	uint8_t seed[8192], pkt[2048];
	size_t n, k;

	if (!sa) {
		failed = 1;
		return;
	}
	k = real_packet(sa, 1, false, 60, pkt);
	n = record(seed, 0, pkt, k);
	put("fuzz_esp", "ipv4_packet", seed, n);
	k = real_packet(sa, 1, true, 101, pkt);
	n = record(seed, 0, pkt, k);
	put("fuzz_esp", "ipv6_packet", seed, n);
	/* a window story: 1, 3, 2, 2 again, then 200 */
	n = 0;
	const uint32_t seqs[] = { 1, 3, 2, 2, 200 };
	for (unsigned i = 0; i < 5; i++) {
		k = real_packet(sa, seqs[i], i % 2, 40 + 20 * i, pkt);
		n += record(seed + n, 0, pkt, k);
	}
	put("fuzz_esp", "replay_sequence", seed, n);
	n = plain_record(seed, 1, 5, false, 33);
	put("fuzz_esp", "sealed_here_ipv4", seed, n);
	n = plain_record(seed, 1, 6, true, 48);
	put("fuzz_esp", "sealed_here_ipv6", seed, n);
	/* ESN across 2^32: 5, near the end of epoch 0, into epoch 1, a late
	 * one of epoch 0, a replay (all accepted but the last) */
	n = esn_record(seed, 3, 0, 5, 40);
	n += esn_record(seed + n, 1, 0, 0xfffff000u, 40);
	n += esn_record(seed + n, 1, 1, 2, 41);
	n += esn_record(seed + n, 1, 0, 0xfffffff8u, 42);
	n += esn_record(seed + n, 1, 1, 2, 41);
	put("fuzz_esp", "esn_boundary", seed, n);
	esp_sa_free(sa);
	/* ChaCha20-Poly1305 (kind bit 1): a real packet, then one sealed there. */
	sa = esp_sa_new_alg(0x0a0b0c0d, ENCR_CHACHA20_POLY1305, 256, AUTH_NONE, esp_key,
			    sizeof(esp_key));
	if (!sa) {
		failed = 1;
		return;
	}
	k = real_packet(sa, 1, false, 60, pkt);
	n = record(seed, 2, pkt, k);
	n += plain_record(seed + n, 3, 2, true, 48);
	put("fuzz_esp", "chacha_packets", seed, n);
	esp_sa_free(sa);
}

/* ---- TUN offloads (the input format of fuzz_dp_offload.c) ---- */

/* A TCP packet of plen payload bytes: IPv4 10.1.0.1 -> 10.2.0.1 (ID 0x1234,
 * DF) or IPv6 fd00:1::1 -> fd00:2::1, ports 40000 -> 5201, 12 bytes of
 * options (NOP NOP timestamps), ACK plus flags, its checksum; its length. */
static size_t tcp_packet(uint8_t *p, bool v6, uint32_t seq, uint8_t flags, size_t plen)
{
	size_t l4 = v6 ? 40 : 20, len = l4 + 32 + plen;
	uint8_t *t = p + l4;

	memset(p, 0, len);
	inner_packet(p, len, v6);
	p[v6 ? 6 : 9] = 6;
	if (!v6) {
		p[4] = 0x12, p[5] = 0x34, p[6] = 0x40;
		dp_csum_ip4_header(p);
	}
	t[0] = 40000 >> 8, t[1] = 40000 & 0xff, t[2] = 5201 >> 8, t[3] = 5201 & 0xff;
	t[4] = (uint8_t)(seq >> 24), t[5] = (uint8_t)(seq >> 16);
	t[6] = (uint8_t)(seq >> 8), t[7] = (uint8_t)seq;
	t[11] = 7;					/* ack 7 */
	t[12] = 8 << 4, t[13] = (uint8_t)(0x10 | flags), t[14] = 2;	/* window 512 */
	t[20] = 1, t[21] = 1, t[22] = 8, t[23] = 10, t[27] = 9, t[31] = 5;
	for (size_t i = 0; i < plen; i++)
		t[32 + i] = (uint8_t)(i * 13 + i / 251);
	dp_csum_l4_fill(p, len, l4, 16);
	return len;
}

/* mode | room | vnet header | packet, the checksum field left partial. */
static void split_seed(const char *name, uint8_t mode, uint8_t room, uint8_t gso_type,
		       size_t mss, bool v6, bool udp, size_t plen)
{
	static uint8_t seed[20000];
	uint8_t *p = seed + 2 + DP_VNET_HDR_LEN;
	size_t l4 = v6 ? 40 : 20, len;
	struct dp_vnet_hdr h = {
		.flags = DP_VNET_F_NEEDS_CSUM, .gso_type = gso_type, .gso_size = (uint16_t)mss,
		.csum_start = (uint16_t)l4, .csum_offset = udp ? 6 : 16,
	};

	if (udp) {
		len = inner_packet(p, l4 + 8 + plen, v6);
		p[l4 + 4] = (uint8_t)((len - l4) >> 8), p[l4 + 5] = (uint8_t)(len - l4);
	} else {
		len = tcp_packet(p, v6, 1000, 0x08, plen);
	}
	h.hdr_len = (uint16_t)(l4 + (udp ? 8 : 32));
	dp_csum_set_pseudo(p, len, l4, h.csum_offset);
	seed[0] = mode;
	seed[1] = room;
	dp_vnet_build(&h, seed + 2);
	put("fuzz_dp_offload", name, seed, 2 + DP_VNET_HDR_LEN + len);
}

/* mode 1: a run of segments of one flow (the first whole, the next ones as
 * continuations), a second flow's segment between, a UDP packet. */
static void gro_seed(const char *name, bool v6, unsigned segs, size_t mss)
{
	static uint8_t seed[20000], pkt[2048], pay[2048];
	size_t n = 0, len;

	seed[n++] = 1;
	len = tcp_packet(pkt, v6, 5000, 0, mss);
	n += record(seed + n, 0, pkt, len);
	for (unsigned k = 1; k < segs; k++) {
		for (size_t i = 0; i < mss; i++)
			pay[i] = (uint8_t)(k * 31 + i);
		n += record(seed + n, 0x10, pay, k + 1 == segs ? mss / 2 : mss);
		if (k == segs / 2) {
			len = tcp_packet(pkt, !v6, 9000, 0, 100);
			n += record(seed + n, 0, pkt, len);
		}
	}
	len = inner_packet(pkt, 60, v6);
	n += record(seed + n, 0x01, pkt, len);
	put("fuzz_dp_offload", name, seed, n);
}

static void gen_dp_offload(void)
{
	split_seed("tso_ipv4", 0, 0, DP_VNET_GSO_TCPV4, 1386, false, false, 4000);
	split_seed("tso_ipv6", 0, 0, DP_VNET_GSO_TCPV6, 1000, true, false, 2500);
	split_seed("uso_ipv4", 0, 0, DP_VNET_GSO_UDP_L4, 700, false, true, 2000);
	split_seed("tso_ipv4_small_room", 0, 20, DP_VNET_GSO_TCPV4, 1386, false, false, 3000);
	split_seed("partial_csum_tcp", 2, 0, DP_VNET_GSO_NONE, 0, false, false, 300);
	split_seed("partial_csum_udp6", 2, 0, DP_VNET_GSO_NONE, 0, true, true, 99);
	gro_seed("gro_ipv4_run", false, 6, 1000);
	gro_seed("gro_ipv6_run", true, 5, 1200);
}

/* ---- libreswan files (the input format of fuzz_import.c) ---- */

/* Appends file dir/name to buf at *n; false when it cannot be read. */
static bool append_file(char *buf, size_t cap, size_t *n, const char *dir, const char *name)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "gen-corpus: cannot read %s\n", path);
		failed = 1;
		return false;
	}
	*n += fread(buf + *n, 1, cap - *n, f);
	fclose(f);
	return true;
}

/* conn file [NUL secrets [NUL script]], each a file of dir (NULL: none). */
static void import_seed(const char *name, const char *dir, const char *conf, const char *secrets,
			const char *script)
{
	static char buf[65536];
	size_t n = 0;

	if (!append_file(buf, sizeof(buf) - 2, &n, dir, conf))
		return;
	if (secrets) {
		buf[n++] = '\0';
		if (!append_file(buf, sizeof(buf) - 2, &n, dir, secrets))
			return;
	}
	if (script) {
		buf[n++] = '\0';
		if (!append_file(buf, sizeof(buf) - 1, &n, dir, script))
			return;
	}
	put("fuzz_import", name, buf, n);
}

static void gen_import(const char *imports, const char *configs)
{
	char d[1024];

	snprintf(d, sizeof(d), "%s/aws", imports);
	import_seed("aws", d, "oracle-tunnel-1.conf", "oracle-tunnel-1.secrets", "reboot.sh");
	snprintf(d, sizeof(d), "%s/oci", imports);
	import_seed("oci", d, "oracle-tunnel-1.conf", "oracle-tunnel-1.secrets", "vti.sh");
	snprintf(d, sizeof(d), "%s/two", imports);
	import_seed("two", d, "tunnels.conf", "tunnels.secrets", "ipsec-routes.sh");
	snprintf(d, sizeof(d), "%s/refuse", imports);
	import_seed("refuse_bad_values", d, "bad-values.conf", "other.secrets", NULL);
	import_seed("refuse_no_conn", d, "no-conn.conf", NULL, NULL);
	import_seed("refuse_mixed", d, "mixed.conf", NULL, NULL);
	/* mcvpn's own drop-ins are libreswan files too */
	snprintf(d, sizeof(d), "%s/aws", configs);
	import_seed("dropin_aws", d, "oracle-tunnel-1.conf", "oracle-tunnel-1.secrets", NULL);
	snprintf(d, sizeof(d), "%s/oci", configs);
	import_seed("dropin_oci", d, "oracle-tunnel-1.conf", "oracle-tunnel-1.secrets", NULL);
}

/* ---- configuration and control protocol ---- */

static void gen_conf(const char *configs, const char *which)
{
	char path[1024], buf[65536];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/oracle-tunnel-1.conf", configs, which);
	f = fopen(path, "rb");
	if (f) {
		n = fread(buf, 1, sizeof(buf) / 2, f);
		fclose(f);
	}
	buf[n++] = '\0';
	snprintf(path, sizeof(path), "%s/%s/oracle-tunnel-1.secrets", configs, which);
	f = fopen(path, "rb");
	if (f) {
		n += fread(buf + n, 1, sizeof(buf) / 2 - 1, f);
		fclose(f);
	}
	if (n < 2) {
		fprintf(stderr, "gen-corpus: nothing read from %s/%s\n", configs, which);
		failed = 1;
		return;
	}
	put("fuzz_conf", which, buf, n);
}

static void ctl_request(const char *name, int argc, char *const *argv)
{
	uint8_t buf[512];
	struct wbuf w = wbuf_init(buf, sizeof(buf));

	if (ctl_proto_request_build(&w, argc, argv) != CTL_PROTO_OK)
		failed = 1;
	put("fuzz_ctl", name, buf + CTL_PROTO_LEN_SIZE, w.len - CTL_PROTO_LEN_SIZE);
}

static void ctl_response(const char *name, enum ctl_status st, const char *text)
{
	uint8_t buf[512];
	size_t n = strlen(text);

	ctl_proto_response_prefix(buf, st, n);
	memcpy(buf + CTL_RESP_PREFIX_LEN, text, n);
	put("fuzz_ctl", name, buf + CTL_PROTO_LEN_SIZE, CTL_PROTO_HDR_LEN + n);
}

static void gen_ctl(void)
{
	char *status[] = { "status" };
	char *up[] = { "up", "oracle-tunnel-1" };
	char *empty_word[] = { "trafficstatus", "", "x" };

	ctl_request("request_status", 1, status);
	ctl_request("request_up", 2, up);
	ctl_request("request_empty_word", 3, empty_word);
	ctl_response("response_ok", CTL_STATUS_OK,
		     "oracle-tunnel-1: ESTABLISHED, ESP SPI in c0ffee01 out 0a0b0c0d\n");
	ctl_response("response_error", CTL_STATUS_ERROR, "no such conn: nope");
}

/* ---- the probe's replies (fuzz_probe_echo) ---- */

/* The reply to request serial of fuzz_probe_echo's probe: a request the
 * other way round (probe= to the device's address), its type a reply's
 * and its ICMP checksum made again.  Seed: the mode byte, then it. */
static void probe_seed(const char *name, bool v6, uint64_t serial, uint8_t mode_serial)
{
	struct probe_echo e = { .family = v6 ? AF_INET6 : AF_INET, .ident = 0x4242 };
	uint8_t seed[1 + PROBE_ECHO_MAX], *p = seed + 1;
	size_t n, h = v6 ? 40 : 20;
	uint32_t sum;

	inet_pton(e.family, v6 ? "fd00:2::2" : "192.168.2.2", e.src);	/* from probe= ... */
	inet_pton(e.family, v6 ? "fd00:2::1" : "192.168.2.1", e.dst);	/* ... to the device */
	for (int i = 0; i < PROBE_TOKEN_LEN; i++)
		e.token[i] = (uint8_t)(0xa0 + i);
	n = probe_echo_build(&e, serial, p, PROBE_ECHO_MAX);
	p[h] = v6 ? 129 : 0;
	put_be16(p + h + 2, 0);
	sum = v6 ? (uint32_t)(n - h) + 58 : 0;
	for (size_t i = v6 ? 8 : h; i < n; i += 2)
		sum += get_be16(p + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put_be16(p + h + 2, (uint16_t)~sum);
	seed[0] = (uint8_t)(mode_serial << 1 | v6);
	put("fuzz_probe_echo", name, seed, 1 + n);
}

static void gen_probe(void)
{
	probe_seed("reply4", false, 7, 7);
	probe_seed("reply4_late", false, 5, 7);
	probe_seed("reply6", true, 7, 7);
	probe_seed("reply6_unsent", true, 9, 7);
}

/* dir's sibling name ("tests/configs" -> "tests/import") into out. */
static void sibling(const char *dir, const char *name, char *out, size_t cap)
{
	size_t n = strlen(dir);
	const char *slash;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	snprintf(out, cap, "%.*s", (int)n, dir);
	slash = strrchr(out, '/');
	snprintf(out, cap, "%.*s%s", slash ? (int)(slash + 1 - out) : 0, dir, name);
}

int main(int argc, char **argv)
{
	char imports[1024], dir[1024];

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s CORPUS_DIR CONFIGS_DIR [IMPORT_DIR]\n", argv[0]);
		return 2;
	}
	root = argv[1];
	if (argc == 4)
		snprintf(imports, sizeof(imports), "%s", argv[3]);
	else
		sibling(argv[2], "import", imports, sizeof(imports));
	gen_ike();
	gen_esp();
	gen_conf(argv[2], "aws");
	gen_conf(argv[2], "oci");
	gen_ctl();
	gen_dp_offload();
	gen_probe();
	gen_import(imports, argv[2]);
	snprintf(dir, sizeof(dir), "%s/fuzz_ike_engine", root);
	gen_engine(dir);
	return failed;
}

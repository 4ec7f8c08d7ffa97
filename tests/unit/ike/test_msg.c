/* SPDX-License-Identifier: Apache-2.0 */
/* IKE message layer, the good paths: an IKE_SA_INIT request written by hand
 * from RFC 7296 section 3, parsed field by field and written again by the
 * builder byte for byte; then every payload type built and parsed back. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "crypto/alg.h"
#include "daemon/ikemsg/msg.h"
#include "ike_test.h"

#define BUF 4096

static void test_hand_header(void)
{
	struct ike_msg m;

	CHECK_PARSE(ike_msg_parse_header(sa_init_req, sizeof(sa_init_req), &m), IKE_OK);
	CHECK(m.hdr.spii == 0x0123456789abcdefull);
	CHECK(m.hdr.spir == 0);
	CHECK_INT(m.hdr.next, PL_SA);
	CHECK_INT(m.hdr.version, 0x20);
	CHECK_INT(m.hdr.exchange, IKE_SA_INIT);
	CHECK_INT(m.hdr.flags, IKE_FLAG_I);
	CHECK_INT(m.hdr.msgid, 0);
	CHECK_INT(m.hdr.length, SAI_LEN);
	CHECK(m.raw == sa_init_req);
	CHECK_INT(m.raw_len, SAI_LEN);
	CHECK_INT(m.outer, 0);
}

static void test_hand_payloads(void)
{
	struct ike_msg m;

	CHECK_PARSE(parse_all(sa_init_req, sizeof(sa_init_req), &m), IKE_OK);
	CHECK(m.outer == (PL_BIT(PL_SA) | PL_BIT(PL_KE) | PL_BIT(PL_NONCE) | PL_BIT(PL_NOTIFY)));
	CHECK_INT(m.inner, 0);
	CHECK_INT(m.unsupported_critical, 0);

	CHECK_INT(m.sa.n_prop, 1);
	const struct ike_proposal *p = &m.sa.prop[0];
	CHECK_INT(p->num, 1);
	CHECK_INT(p->protocol, PROTO_IKE);
	CHECK_INT(p->spi_size, 0);
	CHECK_INT(p->n_trans, 4);
	CHECK_INT(p->trans[0].type, TRANS_ENCR);
	CHECK_INT(p->trans[0].id, ENCR_AES_CBC);
	CHECK_INT(p->trans[0].keylen, 256);
	CHECK_INT(p->trans[1].type, TRANS_PRF);
	CHECK_INT(p->trans[1].id, PRF_HMAC_SHA2_384);
	CHECK_INT(p->trans[1].keylen, 0);
	CHECK_INT(p->trans[2].type, TRANS_INTEG);
	CHECK_INT(p->trans[2].id, AUTH_HMAC_SHA2_384_192);
	CHECK_INT(p->trans[3].type, TRANS_DH);
	CHECK_INT(p->trans[3].id, ECP_256);

	/* KE: group, and the data borrowed from the message itself */
	CHECK_INT(m.ke.kind, ECP_256);
	CHECK_INT(m.ke.len, 64);
	CHECK(m.ke.data == sa_init_req + SAI_OFF_KE + 8);
	CHECK(m.ke.body == sa_init_req + SAI_OFF_KE + 4);
	CHECK_INT(m.ke.body_len, 68);
	CHECK_INT(m.ke.data[0], 0x10);
	CHECK_INT(m.ke.data[63], 0x4f);

	CHECK_INT(m.nonce.len, 32);
	CHECK(m.nonce.data == sa_init_req + SAI_OFF_NONCE + 4);
	CHECK_INT(m.nonce.body_len, 32);

	CHECK_INT(m.n_notify, 2);
	CHECK_INT(m.notify[0].type, N_NAT_DETECTION_SOURCE_IP);
	CHECK_INT(m.notify[0].protocol, 0);
	CHECK_INT(m.notify[0].spi_size, 0);
	CHECK(m.notify[0].spi == NULL);
	CHECK_INT(m.notify[0].len, 20);
	CHECK(m.notify[0].data == sa_init_req + SAI_OFF_N1 + 8);
	CHECK_INT(m.notify[1].type, N_NAT_DETECTION_DESTINATION_IP);
	CHECK(m.notify[1].data == sa_init_req + SAI_OFF_N2 + 8);
	CHECK(ike_msg_notify(&m, N_NAT_DETECTION_DESTINATION_IP) == &m.notify[1]);
	CHECK(ike_msg_notify(&m, N_COOKIE) == NULL);
	CHECK(ike_msg_error_notify(&m) == NULL);
	CHECK_INT(m.n_delete, 0);
}

/* The builder writes the same 240 bytes from the same values. */
static void test_hand_rebuild(void)
{
	struct ike_hdr h = { .spii = 0x0123456789abcdefull, .exchange = IKE_SA_INIT,
			     .flags = IKE_FLAG_I };
	struct ike_proposal prop = { .num = 1, .protocol = PROTO_IKE, .n_trans = 4, .trans = {
		{ TRANS_ENCR, ENCR_AES_CBC, 256 }, { TRANS_PRF, PRF_HMAC_SHA2_384, 0 },
		{ TRANS_INTEG, AUTH_HMAC_SHA2_384_192, 0 }, { TRANS_DH, ECP_256, 0 } } };
	uint8_t out[BUF], inner[16];
	struct ike_msgb b;

	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	pl_sa_build(&b, &prop, 1);
	pl_data_build(&b, PL_KE, ECP_256, sa_init_req + SAI_OFF_KE + 8, 64);
	pl_data_build(&b, PL_NONCE, 0, sa_init_req + SAI_OFF_NONCE + 4, 32);
	pl_notify_build(&b, 0, NULL, 0, N_NAT_DETECTION_SOURCE_IP, sa_init_req + SAI_OFF_N1 + 8, 20);
	pl_notify_build(&b, 0, NULL, 0, N_NAT_DETECTION_DESTINATION_IP,
			sa_init_req + SAI_OFF_N2 + 8, 20);
	CHECK_INT(ike_msgb_finish_plain(&b), SAI_LEN);
	CHECK_MEM(out, sa_init_req, SAI_LEN);
}

/* A minor version above 0 is accepted (RFC 7296 2.5: ignore it). */
static void test_minor_version(void)
{
	uint8_t buf[SAI_LEN];
	struct ike_msg m;

	memcpy(buf, sa_init_req, SAI_LEN);
	buf[17] = 0x2f;
	CHECK_PARSE(parse_all(buf, SAI_LEN, &m), IKE_OK);
	CHECK_INT(m.hdr.version, 0x2f);
}

/* ---- build -> parse, every payload type ---- */

static const struct ike_hdr auth_hdr = {
	.spii = 0x1111222233334444ull, .spir = 0x5555666677778888ull,
	.exchange = IKE_AUTH, .flags = IKE_FLAG_I, .msgid = 1,
};

static void check_prop(const struct ike_proposal *got, const struct ike_proposal *want)
{
	CHECK_INT(got->num, want->num);
	CHECK_INT(got->protocol, want->protocol);
	CHECK_INT(got->spi_size, want->spi_size);
	CHECK_MEM(got->spi, want->spi, want->spi_size);
	CHECK_INT(got->n_trans, want->n_trans);
	for (unsigned i = 0; i < want->n_trans && i < got->n_trans; i++) {
		CHECK_INT(got->trans[i].type, want->trans[i].type);
		CHECK_INT(got->trans[i].id, want->trans[i].id);
		CHECK_INT(got->trans[i].keylen, want->trans[i].keylen);
	}
}

/* Build a plain message with the given SA proposals; parse it back. */
static void roundtrip_sa(const struct ike_proposal *props, size_t n)
{
	uint8_t out[BUF], inner[16];
	struct ike_msgb b;
	struct ike_msg m;

	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &auth_hdr);
	pl_sa_build(&b, props, n);
	int len = ike_msgb_finish_plain(&b);
	CHECK(len > 0);
	CHECK_PARSE(parse_all(out, (size_t)len, &m), IKE_OK);
	CHECK(m.outer == PL_BIT(PL_SA));
	CHECK_INT(m.sa.n_prop, n);
	for (size_t i = 0; i < n && i < m.sa.n_prop; i++)
		check_prop(&m.sa.prop[i], &props[i]);
}

static void test_sa(void)
{
	/* IKE: two proposals, key length on AES only */
	struct ike_proposal ike[3] = {
		{ .num = 1, .protocol = PROTO_IKE, .n_trans = 4, .trans = {
			{ TRANS_ENCR, ENCR_AES_CBC, 256 }, { TRANS_PRF, PRF_HMAC_SHA2_384, 0 },
			{ TRANS_INTEG, AUTH_HMAC_SHA2_384_192, 0 }, { TRANS_DH, MODP_1536, 0 } } },
		{ .num = 2, .protocol = PROTO_IKE, .n_trans = 6, .trans = {
			{ TRANS_ENCR, ENCR_AES_GCM_16, 256 }, { TRANS_ENCR, ENCR_AES_GCM_16, 128 },
			{ TRANS_PRF, PRF_HMAC_SHA2_512, 0 }, { TRANS_PRF, PRF_HMAC_SHA2_256, 0 },
			{ TRANS_DH, ECP_256, 0 }, { TRANS_DH, CURVE25519, 0 } } },
		/* the same number again: "this or the previous one" (RFC 7296 3.3.1) */
		{ .num = 2, .protocol = PROTO_IKE, .spi_size = 8,
		  .spi = { 1, 2, 3, 4, 5, 6, 7, 8 }, .n_trans = 1, .trans = {
			{ TRANS_ENCR, ENCR_AES_CBC, 128 } } },
	};
	/* ESP: 4-byte SPI, ESN transform */
	struct ike_proposal esp[2] = {
		{ .num = 1, .protocol = PROTO_ESP, .spi_size = 4, .spi = { 0xc0, 0xff, 0xee, 0x01 },
		  .n_trans = 2, .trans = { { TRANS_ENCR, ENCR_AES_GCM_16, 256 }, { TRANS_ESN, 0, 0 } } },
		{ .num = 2, .protocol = PROTO_ESP, .spi_size = 4, .spi = { 0xc0, 0xff, 0xee, 0x01 },
		  .n_trans = 4, .trans = { { TRANS_ENCR, ENCR_AES_CBC, 256 },
			{ TRANS_INTEG, AUTH_HMAC_SHA2_256_128, 0 }, { TRANS_ESN, 1, 0 },
			{ TRANS_ESN, 0, 0 } } },
	};
	struct ike_proposal many[IKE_MAX_PROPOSALS];
	struct ike_proposal full = { .num = 1, .protocol = PROTO_ESP, .spi_size = 4,
				     .n_trans = IKE_MAX_TRANSFORMS };

	roundtrip_sa(ike, 3);
	roundtrip_sa(esp, 2);
	for (unsigned i = 0; i < IKE_MAX_PROPOSALS; i++)
		many[i] = (struct ike_proposal){ .num = (uint8_t)(i + 1), .protocol = PROTO_IKE,
			.n_trans = 1, .trans = { { TRANS_ENCR, ENCR_AES_CBC, (uint16_t)(128 + i) } } };
	roundtrip_sa(many, IKE_MAX_PROPOSALS);	/* the most we keep */
	for (unsigned i = 0; i < IKE_MAX_TRANSFORMS; i++)
		full.trans[i] = (struct ike_transform){ (uint8_t)(1 + i % 5), (uint16_t)i,
							(uint16_t)(i % 2 ? 0 : 8 * i) };
	roundtrip_sa(&full, 1);
}

static void check_data(const struct pl_data *d, uint16_t kind, const uint8_t *data, size_t len,
		       size_t fixed)
{
	CHECK_INT(d->kind, kind);
	CHECK_INT(d->len, len);
	CHECK_INT(d->body_len, len + fixed);
	if (d->len == len)
		CHECK_MEM(d->data, data, len);
	CHECK(d->body + fixed == d->data);
}

/* KE, Nonce, IDi, IDr, AUTH in one message. */
static void test_data(void)
{
	uint8_t ke[256], nonce[256], auth[48], out[BUF], inner[16];
	const uint8_t fqdn[] = "vpn.example", ip[4] = { 198, 51, 100, 10 };
	struct ike_msgb b;
	struct ike_msg m;

	for (unsigned i = 0; i < sizeof(ke); i++) {
		ke[i] = (uint8_t)(i * 7 + 1);
		nonce[i] = (uint8_t)(i * 13 + 5);
	}
	memset(auth, 0xa5, sizeof(auth));
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &auth_hdr);
	pl_data_build(&b, PL_KE, MODP_2048, ke, sizeof(ke));
	pl_data_build(&b, PL_NONCE, 0, nonce, 16);	/* the shortest allowed */
	pl_data_build(&b, PL_IDI, ID_FQDN, fqdn, sizeof(fqdn) - 1);
	pl_data_build(&b, PL_IDR, ID_IPV4_ADDR, ip, sizeof(ip));
	pl_data_build(&b, PL_AUTH, AUTH_METHOD_PSK, auth, sizeof(auth));
	int len = ike_msgb_finish_plain(&b);
	CHECK_INT(len, IKE_HDR_LEN + (8 + 256) + (4 + 16) + (8 + 11) + (8 + 4) + (8 + 48));
	CHECK_PARSE(parse_all(out, (size_t)len, &m), IKE_OK);
	CHECK(m.outer == (PL_BIT(PL_KE) | PL_BIT(PL_NONCE) | PL_BIT(PL_IDI) | PL_BIT(PL_IDR) |
			  PL_BIT(PL_AUTH)));
	check_data(&m.ke, MODP_2048, ke, sizeof(ke), 4);
	check_data(&m.nonce, 0, nonce, 16, 0);
	check_data(&m.idi, ID_FQDN, fqdn, 11, 4);
	check_data(&m.idr, ID_IPV4_ADDR, ip, 4, 4);
	check_data(&m.auth, AUTH_METHOD_PSK, auth, sizeof(auth), 4);

	/* the longest nonce allowed */
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &auth_hdr);
	pl_data_build(&b, PL_NONCE, 0, nonce, 256);
	len = ike_msgb_finish_plain(&b);
	CHECK_PARSE(parse_all(out, (size_t)len, &m), IKE_OK);
	check_data(&m.nonce, 0, nonce, 256, 0);
}

static void test_notify(void)
{
	const uint8_t spi4[4] = { 0xde, 0xad, 0xbe, 0xef };
	const uint8_t spi8[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	const uint8_t cookie[24] = { 0x42 };
	uint8_t out[BUF], inner[16];
	struct ike_msgb b;
	struct ike_msg m;

	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &auth_hdr);
	pl_notify_build(&b, 0, NULL, 0, N_COOKIE, cookie, sizeof(cookie));
	pl_notify_build(&b, PROTO_ESP, spi4, 4, N_REKEY_SA, NULL, 0);
	pl_notify_build(&b, PROTO_IKE, spi8, 8, N_INVALID_SYNTAX, cookie, 3);
	pl_notify_build(&b, 0, NULL, 0, N_INITIAL_CONTACT, NULL, 0);
	int len = ike_msgb_finish_plain(&b);
	CHECK_PARSE(parse_all(out, (size_t)len, &m), IKE_OK);
	CHECK(m.outer == PL_BIT(PL_NOTIFY));
	CHECK_INT(m.n_notify, 4);

	const struct pl_notify *n = &m.notify[0];
	CHECK_INT(n->type, N_COOKIE);
	CHECK_INT(n->protocol, 0);
	CHECK_INT(n->spi_size, 0);
	CHECK(n->spi == NULL);
	CHECK_INT(n->len, 24);
	CHECK_MEM(n->data, cookie, 24);

	n = &m.notify[1];
	CHECK_INT(n->type, N_REKEY_SA);
	CHECK_INT(n->protocol, PROTO_ESP);
	CHECK_INT(n->spi_size, 4);
	CHECK(n->spi != NULL);
	if (n->spi)
		CHECK_MEM(n->spi, spi4, 4);
	CHECK_INT(n->len, 0);

	n = &m.notify[2];
	CHECK_INT(n->type, N_INVALID_SYNTAX);
	CHECK_INT(n->spi_size, 8);
	if (n->spi)
		CHECK_MEM(n->spi, spi8, 8);
	CHECK_INT(n->len, 3);
	CHECK(ike_msg_error_notify(&m) == n);

	CHECK_INT(m.notify[3].type, N_INITIAL_CONTACT);
	CHECK_INT(m.notify[3].len, 0);
	CHECK(ike_msg_notify(&m, N_REKEY_SA) == &m.notify[1]);
}

static void test_delete(void)
{
	const uint8_t spis[12] = { 0, 0, 0, 1, 0xc0, 0xff, 0xee, 0x02, 0xff, 0xff, 0xff, 0xff };
	uint8_t out[BUF], inner[16];
	struct ike_msgb b;
	struct ike_msg m;

	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &auth_hdr);
	pl_delete_build(&b, PROTO_IKE, 0, NULL, 0);
	pl_delete_build(&b, PROTO_ESP, 4, spis, 3);
	int len = ike_msgb_finish_plain(&b);
	CHECK_INT(len, IKE_HDR_LEN + 8 + 8 + 12);
	CHECK_PARSE(parse_all(out, (size_t)len, &m), IKE_OK);
	CHECK(m.outer == PL_BIT(PL_DELETE));
	CHECK_INT(m.n_delete, 2);
	CHECK_INT(m.del[0].protocol, PROTO_IKE);
	CHECK_INT(m.del[0].spi_size, 0);
	CHECK_INT(m.del[0].n_spi, 0);
	CHECK_INT(m.del[1].protocol, PROTO_ESP);
	CHECK_INT(m.del[1].spi_size, 4);
	CHECK_INT(m.del[1].n_spi, 3);
	CHECK_MEM(m.del[1].spis, spis, sizeof(spis));
}

static struct ike_ts ts4(uint8_t proto, uint16_t p0, uint16_t p1, uint32_t a, uint32_t z)
{
	struct ike_ts t = { .type = TS_IPV4_ADDR_RANGE, .ip_proto = proto,
			    .start_port = p0, .end_port = p1 };

	put32(t.start, a);
	put32(t.end, z);
	return t;
}

static void check_ts(const struct ike_ts *got, const struct ike_ts *want)
{
	size_t n = want->type == TS_IPV4_ADDR_RANGE ? 4 : 16;

	CHECK_INT(got->type, want->type);
	CHECK_INT(got->ip_proto, want->ip_proto);
	CHECK_INT(got->start_port, want->start_port);
	CHECK_INT(got->end_port, want->end_port);
	CHECK_MEM(got->start, want->start, n);
	CHECK_MEM(got->end, want->end, n);
}

static void test_ts(void)
{
	struct ike_ts tsi[3], tsr[IKE_MAX_TS];
	uint8_t out[BUF], inner[16];
	struct ike_msgb b;
	struct ike_msg m;

	tsi[0] = ts4(0, 0, 65535, 0, 0xffffffff);		/* 0.0.0.0/0 */
	tsi[1] = (struct ike_ts){ .type = TS_IPV6_ADDR_RANGE, .end_port = 65535,
				  .start = { 0x20, 0x01, 0x0d, 0xb8 },
				  .end = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	tsi[2] = ts4(17, 500, 500, 0xc6336400, 0xc633640a);	/* UDP 500, not a CIDR block */
	for (unsigned i = 0; i < IKE_MAX_TS; i++)
		tsr[i] = ts4((uint8_t)i, (uint16_t)i, (uint16_t)(1000 + i), 0x0a000000 + i,
			     0x0a0000ff + i);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &auth_hdr);
	pl_ts_build(&b, PL_TSI, tsi, 3);
	pl_ts_build(&b, PL_TSR, tsr, IKE_MAX_TS);
	int len = ike_msgb_finish_plain(&b);
	CHECK_INT(len, IKE_HDR_LEN + (8 + 16 + 40 + 16) + (8 + 16 * IKE_MAX_TS));
	CHECK_PARSE(parse_all(out, (size_t)len, &m), IKE_OK);
	CHECK(m.outer == (PL_BIT(PL_TSI) | PL_BIT(PL_TSR)));
	CHECK_INT(m.tsi.n, 3);
	for (unsigned i = 0; i < 3; i++)
		check_ts(&m.tsi.ts[i], &tsi[i]);
	CHECK_INT(m.tsr.n, IKE_MAX_TS);
	for (unsigned i = 0; i < IKE_MAX_TS; i++)
		check_ts(&m.tsr.ts[i], &tsr[i]);
}

/* Every kind at once, with payloads we accept but do not use (V, CERTREQ,
 * CP, EAP) mixed in: they are skipped, the rest are unaffected. */
static void test_all_together(void)
{
	struct ike_proposal prop = { .num = 1, .protocol = PROTO_ESP, .spi_size = 4,
				     .spi = { 9, 8, 7, 6 }, .n_trans = 2,
				     .trans = { { TRANS_ENCR, ENCR_AES_GCM_16, 256 }, { TRANS_ESN, 0, 0 } } };
	struct ike_ts any = ts4(0, 0, 65535, 0, 0xffffffff);
	const uint8_t vid[16] = { 0x4d, 0x43 }, spi4[4] = { 9, 8, 7, 6 }, blob[32] = { 0 };
	uint8_t out[BUF], inner[16];
	struct ike_msgb b;
	struct ike_msg m;
	size_t off;

	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &auth_hdr);
	off = ike_msgb_pl_begin(&b, PL_VENDOR);
	wbuf_bytes(b.cur, vid, sizeof(vid));
	ike_msgb_pl_end(&b, off);
	pl_data_build(&b, PL_IDI, ID_FQDN, (const uint8_t *)"a", 1);
	off = ike_msgb_pl_begin(&b, PL_CERTREQ);
	wbuf_u8(b.cur, 4);
	ike_msgb_pl_end(&b, off);
	pl_data_build(&b, PL_IDR, ID_FQDN, (const uint8_t *)"b", 1);
	pl_data_build(&b, PL_AUTH, AUTH_METHOD_PSK, blob, sizeof(blob));
	off = ike_msgb_pl_begin(&b, PL_CP);
	wbuf_u32(b.cur, 0x01000000);
	ike_msgb_pl_end(&b, off);
	pl_sa_build(&b, &prop, 1);
	pl_ts_build(&b, PL_TSI, &any, 1);
	pl_ts_build(&b, PL_TSR, &any, 1);
	pl_notify_build(&b, PROTO_ESP, spi4, 4, N_USE_TRANSPORT_MODE, NULL, 0);
	pl_delete_build(&b, PROTO_ESP, 4, spi4, 1);
	off = ike_msgb_pl_begin(&b, PL_EAP);
	ike_msgb_pl_end(&b, off);
	int len = ike_msgb_finish_plain(&b);
	CHECK(len > 0);
	int r = parse_all(out, (size_t)len, &m);
	CHECK_PARSE(r, IKE_OK);
	if (r)
		return;
	CHECK(m.outer == (PL_BIT(PL_VENDOR) | PL_BIT(PL_IDI) | PL_BIT(PL_CERTREQ) |
			  PL_BIT(PL_IDR) | PL_BIT(PL_AUTH) | PL_BIT(PL_CP) | PL_BIT(PL_SA) |
			  PL_BIT(PL_TSI) | PL_BIT(PL_TSR) | PL_BIT(PL_NOTIFY) |
			  PL_BIT(PL_DELETE) | PL_BIT(PL_EAP)));
	CHECK_INT(m.idi.len, 1);
	CHECK_INT(m.idr.len, 1);
	if (m.idr.len == 1)
		CHECK_INT(m.idr.data[0], 'b');
	CHECK_INT(m.sa.n_prop, 1);
	check_prop(&m.sa.prop[0], &prop);
	CHECK_INT(m.tsr.n, 1);
	check_ts(&m.tsr.ts[0], &any);
	CHECK_INT(m.n_notify, 1);
	CHECK_INT(m.n_delete, 1);
}

/* Payloads we accept but do not use are skipped whatever their body: a
 * peer's Vendor ID or CERTREQ in IKE_SA_INIT must not fail the message. */
static void test_skipped_payloads(void)
{
	static const uint8_t types[] = { PL_CERT, PL_CERTREQ, PL_VENDOR, PL_CP, PL_EAP };
	const uint8_t body[20] = { 0x4d, 0x43, 0x56, 0x50 };
	struct rawpl pl[2] = { { 0, 0, body, sizeof(body) },
			       { PL_NONCE, 0, sa_init_req + SAI_OFF_NONCE + 4, 32 } };
	uint8_t buf[256];
	struct ike_msg m;

	for (unsigned i = 0; i < sizeof(types); i++) {
		pl[0].type = types[i];
		size_t len = assemble(buf, IKE_VERSION, pl, 2);
		int r = parse_all(buf, len, &m);
		CHECK_PARSE(r, IKE_OK);
		if (r) {
			fprintf(stderr, "  for a %s payload of 20 bytes\n", ike_payload_name(types[i]));
			continue;
		}
		CHECK(m.outer == (PL_BIT(types[i]) | PL_BIT(PL_NONCE)));
		CHECK_INT(m.nonce.len, 32);
	}
}

/* A message of only a header (an empty INFORMATIONAL would be encrypted,
 * but the layer itself allows it). */
static void test_empty(void)
{
	uint8_t out[64], inner[16];
	struct ike_msgb b;
	struct ike_msg m;

	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &auth_hdr);
	CHECK_INT(ike_msgb_finish_plain(&b), IKE_HDR_LEN);
	CHECK_PARSE(parse_all(out, IKE_HDR_LEN, &m), IKE_OK);
	CHECK_INT(m.hdr.next, PL_NONE);
	CHECK_INT(m.outer, 0);
}

/* The writer refuses to overflow its buffer rather than truncating. */
static void test_build_overflow(void)
{
	uint8_t out[IKE_HDR_LEN + 20], inner[16], nonce[32] = { 0 };
	struct ike_msgb b;

	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &auth_hdr);
	pl_data_build(&b, PL_NONCE, 0, nonce, sizeof(nonce));
	CHECK_INT(ike_msgb_finish_plain(&b), -1);
}

static void test_names(void)
{
	CHECK_STR(ike_exchange_name(IKE_SA_INIT), "IKE_SA_INIT");
	CHECK_STR(ike_payload_name(PL_SK), "SK");
	CHECK_STR(ike_notify_name(N_AUTHENTICATION_FAILED), "AUTHENTICATION_FAILED");
	CHECK_STR(ike_parse_strerror(IKE_ERR_SK_NOT_LAST), "SK payload is not the last payload");
	CHECK_STR(ike_parse_strerror(42), "unknown error");
}

int main(void)
{
	test_hand_header();
	test_hand_payloads();
	test_hand_rebuild();
	test_minor_version();
	test_sa();
	test_data();
	test_notify();
	test_delete();
	test_ts();
	test_all_together();
	test_skipped_payloads();
	test_empty();
	test_build_overflow();
	test_names();
	return check_summary("ike-msg");
}

/* SPDX-License-Identifier: Apache-2.0 */
/* IKE message layer, the bad paths: every way a peer's bytes can be wrong
 * is refused with its own error, and nothing reads outside the datagram
 * (run under -Db_sanitize=address to see the second half). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "daemon/ikemsg/msg.h"
#include "ike_test.h"

#define BUF 8192

/* ---- the header and the chain ---- */

/* Cut anywhere: the length field no longer matches (header refuses), and
 * with the length field patched to the cut, the payload chain refuses. */
static void test_every_truncation(void)
{
	uint8_t buf[SAI_LEN];
	struct ike_msg m;
	unsigned bad_hdr = 0, bad_chain = 0;

	for (size_t n = 0; n < SAI_LEN; n++) {
		uint8_t *cut = malloc(n ? n : 1);	/* exact size, for the sanitizers */
		memcpy(cut, sa_init_req, n);
		if (ike_msg_parse_header(cut, n, &m) != IKE_ERR_TRUNCATED)
			bad_hdr++;
		if (n >= 28)
			put32(cut + 24, n);
		if (parse_all(cut, n, &m) != IKE_ERR_TRUNCATED) {
			if (!bad_chain)
				fprintf(stderr, "  first wrong result at length %zu: %s\n", n,
					ike_parse_strerror(parse_all(cut, n, &m)));
			bad_chain++;
		}
		free(cut);
	}
	CHECK_INT(bad_hdr, 0);
	CHECK_INT(bad_chain, 0);
	memcpy(buf, sa_init_req, SAI_LEN);
	CHECK_PARSE(parse_all(buf, SAI_LEN, &m), IKE_OK);	/* the control */
}

static void test_header_length(void)
{
	uint8_t buf[SAI_LEN + 4];
	struct ike_msg m;

	memcpy(buf, sa_init_req, SAI_LEN);
	put32(buf + 24, SAI_LEN + 1);		/* says more than came */
	CHECK_PARSE(ike_msg_parse_header(buf, SAI_LEN, &m), IKE_ERR_TRUNCATED);
	put32(buf + 24, SAI_LEN - 1);		/* says less than came */
	CHECK_PARSE(ike_msg_parse_header(buf, SAI_LEN, &m), IKE_ERR_TRUNCATED);
	put32(buf + 24, 0);
	CHECK_PARSE(ike_msg_parse_header(buf, SAI_LEN, &m), IKE_ERR_TRUNCATED);
	put32(buf + 24, 0xffffffff);
	CHECK_PARSE(ike_msg_parse_header(buf, SAI_LEN, &m), IKE_ERR_TRUNCATED);

	/* bytes after the last payload, counted in the header length */
	memcpy(buf, sa_init_req, SAI_LEN);
	memset(buf + SAI_LEN, 0, 4);
	put32(buf + 24, SAI_LEN + 4);
	CHECK_PARSE(parse_all(buf, SAI_LEN + 4, &m), IKE_ERR_TRUNCATED);
}

static void test_version(void)
{
	static const uint8_t bad[] = { 0x30, 0x10, 0x00, 0xf2, 0x3f };
	uint8_t buf[SAI_LEN];
	struct ike_msg m;

	memcpy(buf, sa_init_req, SAI_LEN);
	for (unsigned i = 0; i < sizeof(bad); i++) {
		buf[17] = bad[i];
		CHECK_PARSE(ike_msg_parse_header(buf, SAI_LEN, &m), IKE_ERR_VERSION);
	}
}

/* Generic header length below 4 or past the end of the message. */
static void test_payload_length(void)
{
	static const size_t sa_lens[] = { 0, 1, 2, 3 };
	uint8_t buf[SAI_LEN];
	struct ike_msg m;

	for (unsigned i = 0; i < sizeof(sa_lens) / sizeof(sa_lens[0]); i++) {
		memcpy(buf, sa_init_req, SAI_LEN);
		put16(buf + SAI_OFF_SA + 2, sa_lens[i]);
		CHECK_PARSE(parse_all(buf, SAI_LEN, &m), IKE_ERR_TRUNCATED);
		memcpy(buf, sa_init_req, SAI_LEN);
		put16(buf + SAI_OFF_N2 + 2, sa_lens[i]);
		CHECK_PARSE(parse_all(buf, SAI_LEN, &m), IKE_ERR_TRUNCATED);
	}
	memcpy(buf, sa_init_req, SAI_LEN);
	put16(buf + SAI_OFF_N2 + 2, 29);	/* one past the end */
	CHECK_PARSE(parse_all(buf, SAI_LEN, &m), IKE_ERR_TRUNCATED);
	memcpy(buf, sa_init_req, SAI_LEN);
	put16(buf + SAI_OFF_SA + 2, 0xffff);
	CHECK_PARSE(parse_all(buf, SAI_LEN, &m), IKE_ERR_TRUNCATED);
	/* shorter: the next "payload" starts inside the SA body */
	memcpy(buf, sa_init_req, SAI_LEN);
	put16(buf + SAI_OFF_SA + 2, 44);
	CHECK(parse_all(buf, SAI_LEN, &m) < 0);
	/* the last payload says there is another */
	memcpy(buf, sa_init_req, SAI_LEN);
	buf[SAI_OFF_N2] = PL_NOTIFY;
	CHECK_PARSE(parse_all(buf, SAI_LEN, &m), IKE_ERR_TRUNCATED);
}

/* ---- payload bodies in a message ---- */

static const uint8_t nonce16[16] = { 1, 2, 3 };
static const uint8_t ke_body[8] = { 0x00, 0x13, 0x00, 0x00, 0xaa, 0xbb, 0xcc, 0xdd };
static const uint8_t id_body[5] = { ID_FQDN, 0, 0, 0, 'x' };
static const uint8_t auth_body[5] = { AUTH_METHOD_PSK, 0, 0, 0, 0x55 };
static const uint8_t ts_body[20] = { 1, 0, 0, 0, TS_IPV4_ADDR_RANGE, 0, 0, 16,
				     0, 0, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
static const uint8_t n_body[4] = { 0, 0, 0x40, 0x00 };		/* INITIAL_CONTACT */
static const uint8_t d_body[4] = { PROTO_IKE, 0, 0, 0 };

static int parse_pl(const struct rawpl *pl, size_t n, struct ike_msg *m)
{
	static uint8_t buf[BUF];
	size_t len = assemble(buf, IKE_VERSION, pl, n);
	uint8_t *exact = malloc(len);
	int r;

	memcpy(exact, buf, len);
	r = parse_all(exact, len, m);
	free(exact);
	return r;
}

static int parse_one(uint8_t type, const uint8_t *body, size_t len)
{
	struct rawpl pl = { type, 0, body, len };
	struct ike_msg m;

	return parse_pl(&pl, 1, &m);
}

static void test_nonce_length(void)
{
	uint8_t nonce[300] = { 0 };

	CHECK_PARSE(parse_one(PL_NONCE, nonce, 0), IKE_ERR_SYNTAX);
	CHECK_PARSE(parse_one(PL_NONCE, nonce, 1), IKE_ERR_SYNTAX);
	CHECK_PARSE(parse_one(PL_NONCE, nonce, 15), IKE_ERR_SYNTAX);
	CHECK_PARSE(parse_one(PL_NONCE, nonce, 16), IKE_OK);
	CHECK_PARSE(parse_one(PL_NONCE, nonce, 256), IKE_OK);
	CHECK_PARSE(parse_one(PL_NONCE, nonce, 257), IKE_ERR_SYNTAX);
	CHECK_PARSE(parse_one(PL_NONCE, nonce, 300), IKE_ERR_SYNTAX);
}

/* KE, ID and AUTH need their fixed fields and at least one byte of data. */
static void test_data_length(void)
{
	static const uint8_t types[] = { PL_KE, PL_IDI, PL_IDR, PL_AUTH };
	const uint8_t body[8] = { 0, 14 };

	for (unsigned i = 0; i < sizeof(types); i++) {
		for (size_t n = 0; n <= 4; n++)
			CHECK_PARSE(parse_one(types[i], body, n), IKE_ERR_SYNTAX);
		CHECK_PARSE(parse_one(types[i], body, 5), IKE_OK);
	}
}

/* Each singleton twice, also split between the outer and the inner chain. */
static void test_duplicates(void)
{
	const struct rawpl one[] = {
		{ PL_SA, 0, sa_init_req + SAI_OFF_PROP, 44 },
		{ PL_KE, 0, ke_body, sizeof(ke_body) },
		{ PL_NONCE, 0, nonce16, sizeof(nonce16) },
		{ PL_IDI, 0, id_body, sizeof(id_body) },
		{ PL_IDR, 0, id_body, sizeof(id_body) },
		{ PL_AUTH, 0, auth_body, sizeof(auth_body) },
		{ PL_TSI, 0, ts_body, sizeof(ts_body) },
		{ PL_TSR, 0, ts_body, sizeof(ts_body) },
	};
	const struct rawpl n = { PL_NOTIFY, 0, n_body, sizeof(n_body) };
	struct ike_msg m;

	for (unsigned i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		struct rawpl pl[3] = { one[i], n, one[i] };
		CHECK_PARSE(parse_pl(pl, 1, &m), IKE_OK);
		CHECK_PARSE(parse_pl(pl, 3, &m), IKE_ERR_DUPLICATE);
		CHECK_PARSE(parse_pl(pl + 1, 2, &m), IKE_OK);
		/* TSi and TSr are different payloads; so are IDi and IDr */
		if (i + 1 < sizeof(one) / sizeof(one[0])) {
			struct rawpl two[2] = { one[i], one[i + 1] };
			CHECK_PARSE(parse_pl(two, 2, &m), IKE_OK);
		}
	}
	/* notifies and deletes are not singletons */
	const struct rawpl nd[4] = { n, n, { PL_DELETE, 0, d_body, 4 }, { PL_DELETE, 0, d_body, 4 } };
	CHECK_PARSE(parse_pl(nd, 4, &m), IKE_OK);
	CHECK_INT(m.n_notify, 2);
	CHECK_INT(m.n_delete, 2);
}

/* The most notifies and deletes we keep, and one more. */
static void test_too_many(void)
{
	struct rawpl pl[IKE_MAX_NOTIFY + 1];
	struct ike_msg m;

	for (unsigned i = 0; i <= IKE_MAX_NOTIFY; i++)
		pl[i] = (struct rawpl){ PL_NOTIFY, 0, n_body, sizeof(n_body) };
	CHECK_PARSE(parse_pl(pl, IKE_MAX_NOTIFY, &m), IKE_OK);
	CHECK_PARSE(parse_pl(pl, IKE_MAX_NOTIFY + 1, &m), IKE_ERR_TOO_MANY);
	for (unsigned i = 0; i <= IKE_MAX_DELETE; i++)
		pl[i] = (struct rawpl){ PL_DELETE, 0, d_body, sizeof(d_body) };
	CHECK_PARSE(parse_pl(pl, IKE_MAX_DELETE, &m), IKE_OK);
	CHECK_PARSE(parse_pl(pl, IKE_MAX_DELETE + 1, &m), IKE_ERR_TOO_MANY);
}

static void test_critical(void)
{
	const uint8_t junk[6] = { 1, 2, 3, 4, 5, 6 };
	const struct rawpl nonce = { PL_NONCE, 0, nonce16, sizeof(nonce16) };
	struct ike_msg m;

	/* unknown and not critical: skipped, the rest parsed */
	struct rawpl pl[3] = { nonce, { 50, 0, junk, sizeof(junk) },
			       { PL_NOTIFY, 0, n_body, sizeof(n_body) } };
	CHECK_PARSE(parse_pl(pl, 3, &m), IKE_OK);
	CHECK_INT(m.unsupported_critical, 0);
	CHECK_INT(m.n_notify, 1);
	CHECK_INT(m.nonce.len, 16);

	/* unknown and critical: refused, and its type kept for the notify */
	pl[1].flags = PL_CRITICAL;
	CHECK_PARSE(parse_pl(pl, 3, &m), IKE_ERR_CRITICAL);
	CHECK_INT(m.unsupported_critical, 50);
	pl[1].type = 255;
	CHECK_PARSE(parse_pl(pl, 3, &m), IKE_ERR_CRITICAL);
	CHECK_INT(m.unsupported_critical, 255);
	/* the first of two is the one reported */
	struct rawpl two[2] = { { 49, PL_CRITICAL, junk, 2 }, { 200, PL_CRITICAL, NULL, 0 } };
	CHECK_PARSE(parse_pl(two, 2, &m), IKE_ERR_CRITICAL);
	CHECK_INT(m.unsupported_critical, 49);
	/* the critical bit on a payload we know changes nothing */
	pl[1] = (struct rawpl){ PL_VENDOR, PL_CRITICAL, NULL, 0 };
	CHECK_PARSE(parse_pl(pl, 3, &m), IKE_OK);
	CHECK_INT(m.unsupported_critical, 0);
}

/* An unknown critical payload before SK: the message is refused, at the
 * latest when the inner chain is parsed. */
static void test_critical_before_sk(void)
{
	const uint8_t sk[40] = { 0 };
	const struct rawpl pl[2] = { { 60, PL_CRITICAL, NULL, 0 }, { PL_SK, 0, sk, sizeof(sk) } };
	struct ike_msg m;
	int r = parse_pl(pl, 2, &m);

	if (r == IKE_OK)
		r = ike_msg_parse_inner(&m, NULL, 0);
	CHECK_PARSE(r, IKE_ERR_CRITICAL);
	CHECK_INT(m.unsupported_critical, 60);
}

static void test_sk_position(void)
{
	const uint8_t sk[40] = { 0 };
	const struct rawpl n = { PL_NOTIFY, 0, n_body, sizeof(n_body) };
	const struct rawpl s = { PL_SK, 0, sk, sizeof(sk) };
	struct ike_msg m;

	struct rawpl last[2] = { n, s };
	CHECK_PARSE(parse_pl(last, 2, &m), IKE_OK);
	CHECK(m.outer == (PL_BIT(PL_NOTIFY) | PL_BIT(PL_SK)));
	CHECK_INT(m.sk.offset, IKE_HDR_LEN + 8);
	CHECK_INT(m.sk.len, sizeof(sk));

	struct rawpl first[2] = { s, n };
	CHECK_PARSE(parse_pl(first, 2, &m), IKE_ERR_SK_NOT_LAST);
	struct rawpl twice[2] = { s, s };
	CHECK_PARSE(parse_pl(twice, 2, &m), IKE_ERR_SK_NOT_LAST);
}

/* Inner chains: SK inside SK, singletons seen outside, and a clean one. */
static void test_inner(void)
{
	const uint8_t sk[40] = { 0 };
	const struct rawpl outer[2] = { { PL_NONCE, 0, nonce16, sizeof(nonce16) },
					{ PL_SK, 0, sk, sizeof(sk) } };
	uint8_t plain[BUF] = { 0 };
	struct ike_msg m;

	/* inner: IDi, AUTH, N */
	const struct rawpl in_ok[3] = { { PL_IDI, 0, id_body, 5 }, { PL_AUTH, 0, auth_body, 5 },
					{ PL_NOTIFY, 0, n_body, 4 } };
	size_t n = assemble(plain, IKE_VERSION, in_ok, 3) - IKE_HDR_LEN;
	CHECK_PARSE(parse_pl(outer, 2, &m), IKE_OK);
	m.sk.first_inner = PL_IDI;
	CHECK_PARSE(ike_msg_parse_inner(&m, plain + IKE_HDR_LEN, n), IKE_OK);
	CHECK(m.inner == (PL_BIT(PL_IDI) | PL_BIT(PL_AUTH) | PL_BIT(PL_NOTIFY)));
	CHECK(m.outer == (PL_BIT(PL_NONCE) | PL_BIT(PL_SK)));
	/* bytes after the inner chain */
	CHECK_PARSE(parse_pl(outer, 2, &m), IKE_OK);
	m.sk.first_inner = PL_IDI;
	CHECK_PARSE(ike_msg_parse_inner(&m, plain + IKE_HDR_LEN, n + 1), IKE_ERR_TRUNCATED);
	/* an inner chain cut short */
	CHECK_PARSE(parse_pl(outer, 2, &m), IKE_OK);
	m.sk.first_inner = PL_IDI;
	CHECK_PARSE(ike_msg_parse_inner(&m, plain + IKE_HDR_LEN, n - 1), IKE_ERR_TRUNCATED);

	/* a Nonce inside when one came outside */
	const struct rawpl in_dup[1] = { { PL_NONCE, 0, nonce16, sizeof(nonce16) } };
	n = assemble(plain, IKE_VERSION, in_dup, 1) - IKE_HDR_LEN;
	CHECK_PARSE(parse_pl(outer, 2, &m), IKE_OK);
	m.sk.first_inner = PL_NONCE;
	CHECK_PARSE(ike_msg_parse_inner(&m, plain + IKE_HDR_LEN, n), IKE_ERR_DUPLICATE);

	/* an SK inside the SK */
	const struct rawpl in_sk[1] = { { PL_SK, 0, sk, sizeof(sk) } };
	n = assemble(plain, IKE_VERSION, in_sk, 1) - IKE_HDR_LEN;
	CHECK_PARSE(parse_pl(outer, 2, &m), IKE_OK);
	m.sk.first_inner = PL_SK;
	CHECK_PARSE(ike_msg_parse_inner(&m, plain + IKE_HDR_LEN, n), IKE_ERR_DUPLICATE);
	/* ... and an SK inside when none came outside is still not last */
	const struct rawpl plain_n[1] = { { PL_NOTIFY, 0, n_body, 4 } };
	CHECK_PARSE(parse_pl(plain_n, 1, &m), IKE_OK);
	m.sk.first_inner = PL_SK;
	CHECK_PARSE(ike_msg_parse_inner(&m, plain + IKE_HDR_LEN, n), IKE_ERR_SK_NOT_LAST);
}

/* A bad SA / TS / D body inside a whole message comes out as SYNTAX. */
static void test_bad_bodies_in_message(void)
{
	uint8_t buf[SAI_LEN];
	struct ike_msg m;

	memcpy(buf, sa_init_req, SAI_LEN);
	buf[SAI_OFF_PROP + 7] = 3;		/* 3 transforms announced, 4 present */
	CHECK_PARSE(parse_all(buf, SAI_LEN, &m), IKE_ERR_SYNTAX);
	memcpy(buf, sa_init_req, SAI_LEN);
	buf[SAI_OFF_TRANS1 + 8] = 0x00;		/* TLV key length */
	CHECK_PARSE(parse_all(buf, SAI_LEN, &m), IKE_ERR_SYNTAX);

	uint8_t ts[20];
	memcpy(ts, ts_body, sizeof(ts));
	ts[4] = 9;
	CHECK_PARSE(parse_one(PL_TSR, ts, sizeof(ts)), IKE_ERR_SYNTAX);
	const uint8_t d[8] = { PROTO_ESP, 8, 0, 1, 1, 2, 3, 4 };
	CHECK_PARSE(parse_one(PL_DELETE, d, sizeof(d)), IKE_ERR_SYNTAX);
	CHECK_PARSE(parse_one(PL_NOTIFY, n_body, 3), IKE_ERR_SYNTAX);
}

/* ---- body parsers through a cursor ---- */

static int sa_parse(const uint8_t *p, size_t n)
{
	uint8_t *exact = malloc(n ? n : 1);
	struct pl_sa sa;
	struct cur c;
	int r;

	memcpy(exact, p, n);
	c = cur_init(exact, n);
	r = pl_sa_parse(&c, &sa);
	free(exact);
	return r;
}

/* The proposal of the hand-written request with one byte changed. */
static int sa_patched(size_t off, uint8_t v)
{
	uint8_t b[44];

	memcpy(b, sa_init_req + SAI_OFF_PROP, sizeof(b));
	b[off] = v;
	return sa_parse(b, sizeof(b));
}

/* Offsets in the proposal: 0 last, 2 length, 4 number, 6 SPI size,
 * 7 transform count; transforms at 8 (12 bytes), 20, 28, 36 (8 each). */
static void test_sa_body(void)
{
	const uint8_t *good = sa_init_req + SAI_OFF_PROP;

	CHECK_PARSE(sa_parse(good, 44), IKE_OK);
	CHECK_PARSE(sa_parse(good, 0), IKE_ERR_SYNTAX);
	CHECK_PARSE(sa_parse(good, 43), IKE_ERR_SYNTAX);
	for (size_t n = 1; n < 44; n++)
		CHECK(sa_parse(good, n) < 0);
	/* transform count */
	CHECK_PARSE(sa_patched(7, 5), IKE_ERR_SYNTAX);
	CHECK_PARSE(sa_patched(7, 3), IKE_ERR_SYNTAX);
	CHECK_PARSE(sa_patched(7, 0), IKE_ERR_SYNTAX);
	CHECK_PARSE(sa_patched(7, 1), IKE_ERR_SYNTAX);
	CHECK_PARSE(sa_patched(7, IKE_MAX_TRANSFORMS + 1), IKE_ERR_TOO_MANY);
	CHECK_PARSE(sa_patched(7, 255), IKE_ERR_TOO_MANY);
	/* last-substructure flags: 3 = more transforms, 2 = more proposals, 0 = last */
	CHECK_PARSE(sa_patched(20, 0), IKE_ERR_SYNTAX);	/* second transform says last */
	CHECK_PARSE(sa_patched(36, 3), IKE_ERR_SYNTAX);	/* last transform says more */
	CHECK_PARSE(sa_patched(8, 2), IKE_ERR_SYNTAX);	/* a proposal's value on a transform */
	CHECK_PARSE(sa_patched(8, 1), IKE_ERR_SYNTAX);
	CHECK_PARSE(sa_patched(0, 2), IKE_ERR_SYNTAX);	/* only proposal says more */
	CHECK_PARSE(sa_patched(0, 3), IKE_ERR_SYNTAX);	/* a transform's value on a proposal */
	/* proposal numbers start at 1; a response's one proposal keeps the
	 * number the responder chose (RFC 7296 3.3.1), so 2 alone is fine */
	CHECK_PARSE(sa_patched(4, 0), IKE_ERR_SYNTAX);
	CHECK_PARSE(sa_patched(4, 2), IKE_OK);
	CHECK_PARSE(sa_patched(4, 255), IKE_OK);
	/* TLV attribute (AF=0) */
	CHECK_PARSE(sa_patched(16, 0x00), IKE_ERR_SYNTAX);
	/* lengths: transform below 8, cut in an attribute, past the proposal */
	CHECK_PARSE(sa_patched(11, 4), IKE_ERR_SYNTAX);
	CHECK_PARSE(sa_patched(11, 7), IKE_ERR_SYNTAX);
	CHECK_PARSE(sa_patched(11, 10), IKE_ERR_SYNTAX);
	CHECK_PARSE(sa_patched(11, 200), IKE_ERR_SYNTAX);
	CHECK_PARSE(sa_patched(39, 16), IKE_ERR_SYNTAX);	/* last transform: 16, 8 there */
	CHECK_PARSE(sa_patched(3, 4), IKE_ERR_SYNTAX);	/* proposal length below 8 */
	CHECK_PARSE(sa_patched(3, 43), IKE_ERR_SYNTAX);
	CHECK_PARSE(sa_patched(3, 45), IKE_ERR_SYNTAX);
	/* SPI size larger than any SPI, or eating into the transforms */
	CHECK_PARSE(sa_patched(6, 9), IKE_ERR_SYNTAX);
	CHECK_PARSE(sa_patched(6, 4), IKE_ERR_SYNTAX);
	/* a trailing byte after the last proposal */
	uint8_t b[45];
	memcpy(b, good, 44);
	b[44] = 0;
	CHECK_PARSE(sa_parse(b, 45), IKE_ERR_SYNTAX);
}

/* Proposals p[0..n) with the given numbers, each one ESP transform. */
static int sa_numbered(const uint8_t *nums, size_t n, uint8_t last_flag_of_last)
{
	uint8_t b[40 * 16];
	size_t off = 0;

	for (size_t i = 0; i < n; i++) {
		const uint8_t prop[16] = { i + 1 < n ? 2 : last_flag_of_last, 0, 0, 16,
					   nums[i], PROTO_ESP, 0, 1,
					   0, 0, 0, 8, TRANS_ENCR, 0, 0, 12 };
		memcpy(b + off, prop, sizeof(prop));
		off += sizeof(prop);
	}
	return sa_parse(b, off);
}

static void test_sa_numbering(void)
{
	uint8_t nums[IKE_MAX_PROPOSALS + 1];

	CHECK_PARSE(sa_numbered((const uint8_t[]){ 1, 2, 3 }, 3, 0), IKE_OK);
	CHECK_PARSE(sa_numbered((const uint8_t[]){ 1, 1, 2 }, 3, 0), IKE_OK);
	CHECK_PARSE(sa_numbered((const uint8_t[]){ 1, 3 }, 2, 0), IKE_ERR_SYNTAX);
	CHECK_PARSE(sa_numbered((const uint8_t[]){ 2, 3 }, 2, 0), IKE_OK);
	CHECK_PARSE(sa_numbered((const uint8_t[]){ 2, 4 }, 2, 0), IKE_ERR_SYNTAX);
	CHECK_PARSE(sa_numbered((const uint8_t[]){ 0, 1 }, 2, 0), IKE_ERR_SYNTAX);
	CHECK_PARSE(sa_numbered((const uint8_t[]){ 255, 0 }, 2, 0), IKE_ERR_SYNTAX);
	CHECK_PARSE(sa_numbered((const uint8_t[]){ 1, 2, 1 }, 3, 0), IKE_ERR_SYNTAX);
	/* the last proposal says more follow */
	CHECK_PARSE(sa_numbered((const uint8_t[]){ 1, 2 }, 2, 2), IKE_ERR_SYNTAX);
	for (unsigned i = 0; i <= IKE_MAX_PROPOSALS; i++)
		nums[i] = (uint8_t)(i + 1);
	CHECK_PARSE(sa_numbered(nums, IKE_MAX_PROPOSALS, 0), IKE_OK);
	CHECK_PARSE(sa_numbered(nums, IKE_MAX_PROPOSALS + 1, 0), IKE_ERR_TOO_MANY);

	/* the first proposal says it is the last, and another follows */
	uint8_t b[32];
	memcpy(b, (const uint8_t[]){ 0, 0, 0, 16, 1, PROTO_ESP, 0, 1,
				     0, 0, 0, 8, TRANS_ENCR, 0, 0, 12 }, 16);
	memcpy(b + 16, b, 16);
	CHECK_PARSE(sa_parse(b, 32), IKE_ERR_SYNTAX);
}

static int ts_parse(const uint8_t *p, size_t n)
{
	uint8_t *exact = malloc(n ? n : 1);
	struct pl_ts ts;
	struct cur c;
	int r;

	memcpy(exact, p, n);
	c = cur_init(exact, n);
	r = pl_ts_parse(&c, &ts);
	free(exact);
	return r;
}

static void test_ts_body(void)
{
	uint8_t b[8 + 40 * (IKE_MAX_TS + 1)];
	const uint8_t v6[40] = { TS_IPV6_ADDR_RANGE, 6, 0, 40, 0, 80, 0, 80, 0xfd, [39] = 1 };

	memcpy(b, ts_body, sizeof(ts_body));
	CHECK_PARSE(ts_parse(b, 20), IKE_OK);
	for (size_t n = 0; n < 20; n++)
		CHECK_PARSE(ts_parse(b, n), IKE_ERR_SYNTAX);
	b[20] = 0;
	CHECK_PARSE(ts_parse(b, 21), IKE_ERR_SYNTAX);	/* trailing byte */
	b[0] = 0;
	CHECK_PARSE(ts_parse(b, 20), IKE_ERR_SYNTAX);	/* count 0 */
	CHECK_PARSE(ts_parse(b, 4), IKE_ERR_SYNTAX);	/* count 0, nothing after */
	b[0] = 2;
	CHECK_PARSE(ts_parse(b, 20), IKE_ERR_SYNTAX);	/* count 2, one there */
	b[0] = 1;
	for (unsigned t = 0; t < 256; t++) {		/* types other than 7 and 8 */
		if (t == TS_IPV4_ADDR_RANGE || t == TS_IPV6_ADDR_RANGE)
			continue;
		b[4] = (uint8_t)t;
		if (ts_parse(b, 20) != IKE_ERR_SYNTAX) {
			CHECK_PARSE(ts_parse(b, 20), IKE_ERR_SYNTAX);
			fprintf(stderr, "  for TS type %u\n", t);
		}
	}
	b[4] = TS_IPV6_ADDR_RANGE;			/* IPv6 with an IPv4 length */
	CHECK_PARSE(ts_parse(b, 20), IKE_ERR_SYNTAX);
	b[4] = TS_IPV4_ADDR_RANGE;
	b[7] = 40;					/* IPv4 with an IPv6 length */
	CHECK_PARSE(ts_parse(b, 20), IKE_ERR_SYNTAX);
	b[7] = 15;
	CHECK_PARSE(ts_parse(b, 20), IKE_ERR_SYNTAX);

	/* IPv6 entry; IPv6 type with a length of 40 but only 16 bytes there */
	memset(b, 0, 4);
	b[0] = 1;
	memcpy(b + 4, v6, 40);
	CHECK_PARSE(ts_parse(b, 44), IKE_OK);
	CHECK_PARSE(ts_parse(b, 20), IKE_ERR_SYNTAX);

	/* the most selectors we keep, and one more */
	for (unsigned i = 0; i <= IKE_MAX_TS; i++)
		memcpy(b + 4 + 16 * i, ts_body + 4, 16);
	b[0] = IKE_MAX_TS;
	CHECK_PARSE(ts_parse(b, 4 + 16 * IKE_MAX_TS), IKE_OK);
	b[0] = IKE_MAX_TS + 1;
	CHECK_PARSE(ts_parse(b, 4 + 16 * (IKE_MAX_TS + 1)), IKE_ERR_TOO_MANY);
	b[0] = 255;					/* more than the bytes could hold */
	CHECK_PARSE(ts_parse(b, 4 + 16 * (IKE_MAX_TS + 1)), IKE_ERR_SYNTAX);
}

static int d_parse(const uint8_t *p, size_t n)
{
	uint8_t *exact = malloc(n ? n : 1);
	struct pl_delete d;
	struct cur c;
	int r;

	memcpy(exact, p, n);
	c = cur_init(exact, n);
	r = pl_delete_parse(&c, &d);
	free(exact);
	return r;
}

static void test_delete_body(void)
{
	const uint8_t esp[12] = { PROTO_ESP, 4, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t b[16];

	CHECK_PARSE(d_parse(d_body, 4), IKE_OK);
	CHECK_PARSE(d_parse(esp, 12), IKE_OK);
	for (size_t n = 0; n < 4; n++)
		CHECK_PARSE(d_parse(esp, n), IKE_ERR_SYNTAX);
	CHECK_PARSE(d_parse(esp, 11), IKE_ERR_SYNTAX);	/* count says 2, 1.75 there */
	CHECK_PARSE(d_parse(esp, 8), IKE_ERR_SYNTAX);	/* count says 2, 1 there */
	memcpy(b, esp, 12);
	b[1] = 8;					/* ESP SPIs are 4 bytes */
	b[3] = 1;
	CHECK_PARSE(d_parse(b, 12), IKE_ERR_SYNTAX);
	b[1] = 0;
	b[3] = 0;
	CHECK_PARSE(d_parse(b, 4), IKE_ERR_SYNTAX);
	b[0] = PROTO_IKE;				/* IKE: no SPI size, no count */
	b[1] = 8;
	b[3] = 1;
	CHECK_PARSE(d_parse(b, 12), IKE_ERR_SYNTAX);
	b[1] = 0;
	CHECK_PARSE(d_parse(b, 4), IKE_ERR_SYNTAX);
	b[3] = 0;
	b[4] = 0;
	CHECK_PARSE(d_parse(b, 5), IKE_ERR_SYNTAX);	/* trailing byte */
}

static int n_parse(const uint8_t *p, size_t n, struct pl_notify *out)
{
	struct cur c = cur_init(p, n);

	return pl_notify_parse(&c, out);
}

static void test_notify_body(void)
{
	uint8_t b[4 + 255 + 3] = { PROTO_ESP, 4, 0x40, 0x09, 1, 2, 3, 4 };
	struct pl_notify n;

	CHECK_PARSE(n_parse(b, 8, &n), IKE_OK);
	CHECK_INT(n.len, 0);
	for (size_t len = 0; len < 8; len++)
		CHECK_PARSE(n_parse(b, len, &n), IKE_ERR_SYNTAX);
	b[1] = 255;
	CHECK_PARSE(n_parse(b, 4 + 255, &n), IKE_OK);
	CHECK_PARSE(n_parse(b, 4 + 254, &n), IKE_ERR_SYNTAX);
	CHECK_PARSE(n_parse(b, sizeof(b), &n), IKE_OK);
	CHECK_INT(n.len, 3);
	CHECK(n.data == b + 4 + 255);
}

int main(void)
{
	test_every_truncation();
	test_header_length();
	test_version();
	test_payload_length();
	test_nonce_length();
	test_data_length();
	test_duplicates();
	test_too_many();
	test_critical();
	test_critical_before_sk();
	test_sk_position();
	test_inner();
	test_bad_bodies_in_message();
	test_sa_body();
	test_sa_numbering();
	test_ts_body();
	test_delete_body();
	test_notify_body();
	return check_summary("ike-msg-bad");
}

/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the IKE message parsers (ikemsg/parse.c) on any bytes.
 *
 * One input goes through
 *   - the header and the outer payload chain, then the SK contents as if
 *     they were the decrypted inner chain (duplicates across both),
 *   - the inner chain alone, its first payload type taken from byte 0,
 *   - each payload body parser (SA, TS, Notify, Delete, CERT and CERTREQ)
 *     through a cursor; an SA, TS, CERT or CERTREQ body that parses is
 *     built again with the ike_msgb writer and must parse back to the same
 *     values.
 * After a successful parse every borrowed pointer is checked to lie inside
 * the input and read back, so the sanitizers see any range that does not. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ikemsg/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *in_p;
static size_t in_n;
static volatile uint8_t sink;

/* p[0..n) must be inside the input; read every byte of it. */
static void touch(const uint8_t *p, size_t n)
{
	uint8_t x = 0;

	if (n == 0)
		return;
	if (!p || p < in_p || n > in_n || p - in_p > (ptrdiff_t)(in_n - n))
		abort();
	for (size_t i = 0; i < n; i++)
		x ^= p[i];
	sink ^= x;
}

static void touch_data(const struct ike_msg *m, const struct pl_data *d, uint8_t type)
{
	if (!((m->outer | m->inner) & PL_BIT(type)))
		return;
	touch(d->body, d->body_len);
	touch(d->data, d->len);
	if (d->data < d->body || d->len > d->body_len)
		abort();
	if (type == PL_NONCE && (d->len < 16 || d->len > 256))
		abort();
}

static void check_ts(const struct ike_msg *m, const struct pl_ts *ts, uint8_t type)
{
	if (!((m->outer | m->inner) & PL_BIT(type)))
		return;
	if (ts->n == 0 || ts->n > IKE_MAX_TS)
		abort();
	for (unsigned i = 0; i < ts->n; i++)
		if (ts->ts[i].type != TS_IPV4_ADDR_RANGE && ts->ts[i].type != TS_IPV6_ADDR_RANGE)
			abort();
}

static void check_sa(const struct pl_sa *sa)
{
	if (sa->n_prop == 0 || sa->n_prop > IKE_MAX_PROPOSALS || sa->prop[0].num == 0)
		abort();
	for (unsigned i = 0; i < sa->n_prop; i++)
		if (sa->prop[i].n_trans > IKE_MAX_TRANSFORMS ||
		    sa->prop[i].spi_size > sizeof(sa->prop[i].spi))
			abort();
}

/* A CERT is never empty; an X.509 CERTREQ is whole SHA-1 hashes. */
static void check_cert(const struct pl_cert *c, uint8_t type)
{
	touch(c->data, c->len);
	if (type == PL_CERT && c->len == 0)
		abort();
	if (type == PL_CERTREQ && c->encoding == CERT_X509_SIGNATURE && c->len % 20)
		abort();
}

/* Invariants of a message that parsed without error. */
static void check_msg(const struct ike_msg *m)
{
	touch_data(m, &m->ke, PL_KE);
	touch_data(m, &m->nonce, PL_NONCE);
	touch_data(m, &m->idi, PL_IDI);
	touch_data(m, &m->idr, PL_IDR);
	touch_data(m, &m->auth, PL_AUTH);
	check_ts(m, &m->tsi, PL_TSI);
	check_ts(m, &m->tsr, PL_TSR);
	if ((m->outer | m->inner) & PL_BIT(PL_SA))
		check_sa(&m->sa);
	if (m->n_notify > IKE_MAX_NOTIFY || m->n_delete > IKE_MAX_DELETE)
		abort();
	for (unsigned i = 0; i < m->n_notify; i++) {
		touch(m->notify[i].spi, m->notify[i].spi_size);
		touch(m->notify[i].data, m->notify[i].len);
	}
	for (unsigned i = 0; i < m->n_delete; i++)
		touch(m->del[i].spis, (size_t)m->del[i].n_spi * m->del[i].spi_size);
	if (m->n_cert > IKE_MAX_CERT || m->n_certreq > IKE_MAX_CERT)
		abort();
	for (unsigned i = 0; i < m->n_cert; i++)
		check_cert(&m->cert[i], PL_CERT);
	for (unsigned i = 0; i < m->n_certreq; i++)
		check_cert(&m->certreq[i], PL_CERTREQ);
	if (m->outer & (PL_BIT(PL_SK) | PL_BIT(PL_SKF)))
		touch(m->sk.data, m->sk.len);
	/* an Encrypted Fragment: numbered 1..total, its header 8 bytes */
	if ((m->outer & PL_BIT(PL_SKF)) &&
	    (m->sk.hdr_len != 8 || m->sk.frag_num == 0 || m->sk.frag_num > m->sk.frag_total ||
	     (m->outer & PL_BIT(PL_SK))))
		abort();
	(void)ike_msg_error_notify(m);
}

static void fuzz_message(const uint8_t *data, size_t size)
{
	struct ike_msg m;

	if (ike_msg_parse_header(data, size, &m) != IKE_OK)
		return;
	if (m.raw != data || m.raw_len != size || m.hdr.length != size)
		abort();
	int r = ike_msg_parse_payloads(&m);
	if (r == IKE_ERR_CRITICAL && m.unsupported_critical == 0)
		abort();
	if (r != IKE_OK)
		return;
	check_msg(&m);
	if (!(m.outer & (PL_BIT(PL_SK) | PL_BIT(PL_SKF))))
		return;
	/* the SK (SKF) bytes as the plaintext: an inner chain after an outer one */
	if (m.sk.offset + m.sk.hdr_len + m.sk.len != size)
		abort();
	if (ike_msg_parse_inner(&m, m.sk.data, m.sk.len) == IKE_OK)
		check_msg(&m);
}

static void fuzz_inner(const uint8_t *data, size_t size)
{
	struct ike_msg m;

	if (size == 0)
		return;
	memset(&m, 0, sizeof(m));
	m.sk.first_inner = data[0];
	if (ike_msg_parse_inner(&m, data + 1, size - 1) == IKE_OK) {
		if (m.outer != 0)
			abort();
		check_msg(&m);
	}
}

/* Build one payload with the writer; its body is at out + 28 + 4. */
static size_t rebuild(uint8_t *out, size_t cap, const struct pl_sa *sa, const struct pl_ts *ts)
{
	static const struct ike_hdr h = { .exchange = IKE_AUTH };
	uint8_t inner[16];
	struct ike_msgb b;

	ike_msgb_init(&b, out, cap, inner, sizeof(inner), &h);
	if (sa)
		pl_sa_build(&b, sa->prop, sa->n_prop);
	else
		pl_ts_build(&b, PL_TSI, ts->ts, ts->n);
	int len = ike_msgb_finish_plain(&b);
	if (len < IKE_HDR_LEN + 4)
		abort();	/* everything parsed fits the writer */
	return (size_t)len - IKE_HDR_LEN - 4;
}

static bool same_prop(const struct ike_proposal *a, const struct ike_proposal *b)
{
	if (a->num != b->num || a->protocol != b->protocol || a->spi_size != b->spi_size ||
	    memcmp(a->spi, b->spi, a->spi_size) || a->n_trans != b->n_trans)
		return false;
	for (unsigned i = 0; i < a->n_trans; i++)
		if (a->trans[i].type != b->trans[i].type || a->trans[i].id != b->trans[i].id ||
		    a->trans[i].keylen != b->trans[i].keylen)
			return false;
	return true;
}

static void sa_roundtrip(const struct pl_sa *sa)
{
	static uint8_t out[IKE_MAX_MSG];
	struct pl_sa again;
	size_t n = rebuild(out, sizeof(out), sa, NULL);
	struct cur c = cur_init(out + IKE_HDR_LEN + 4, n);

	if (pl_sa_parse(&c, &again) != IKE_OK || again.n_prop != sa->n_prop)
		abort();
	for (unsigned i = 0; i < sa->n_prop; i++)
		if (!same_prop(&sa->prop[i], &again.prop[i]))
			abort();
}

static void ts_roundtrip(const struct pl_ts *ts)
{
	uint8_t out[IKE_HDR_LEN + 4 + 4 + 40 * IKE_MAX_TS];
	struct pl_ts again;
	size_t n = rebuild(out, sizeof(out), NULL, ts);
	struct cur c = cur_init(out + IKE_HDR_LEN + 4, n);

	if (pl_ts_parse(&c, &again) != IKE_OK || again.n != ts->n ||
	    memcmp(again.ts, ts->ts, ts->n * sizeof(ts->ts[0])))
		abort();
}

/* A CERT or CERTREQ built again parses back to the same bytes. */
static void cert_roundtrip(const struct pl_cert *c, uint8_t type)
{
	static const struct ike_hdr h = { .exchange = IKE_AUTH };
	static uint8_t out[IKE_MAX_MSG];
	uint8_t inner[16];
	struct ike_msgb b;
	struct pl_cert again;

	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	pl_cert_build(&b, type, c->encoding, c->data, c->len);
	int len = ike_msgb_finish_plain(&b);
	if (len < IKE_HDR_LEN + 4)
		return;	/* longer than a message may be: nothing to compare */
	struct cur cc = cur_init(out + IKE_HDR_LEN + 4, (size_t)len - IKE_HDR_LEN - 4);
	if (pl_cert_parse(&cc, type, &again) != IKE_OK || again.encoding != c->encoding ||
	    again.len != c->len || (c->len && memcmp(again.data, c->data, c->len)))
		abort();
}

static void fuzz_bodies(const uint8_t *data, size_t size)
{
	struct cur c;
	struct pl_sa sa;
	struct pl_ts ts;
	struct pl_notify n;
	struct pl_delete d;
	struct pl_cert cert;

	c = cur_init(data, size);
	if (pl_sa_parse(&c, &sa) == IKE_OK) {
		check_sa(&sa);
		sa_roundtrip(&sa);
	}
	c = cur_init(data, size);
	memset(&ts, 0, sizeof(ts));
	if (pl_ts_parse(&c, &ts) == IKE_OK) {
		if (ts.n == 0 || ts.n > IKE_MAX_TS)
			abort();
		ts_roundtrip(&ts);
	}
	c = cur_init(data, size);
	if (pl_notify_parse(&c, &n) == IKE_OK) {
		touch(n.spi, n.spi_size);
		touch(n.data, n.len);
	}
	c = cur_init(data, size);
	if (pl_delete_parse(&c, &d) == IKE_OK)
		touch(d.spis, (size_t)d.n_spi * d.spi_size);
	for (int i = 0; i < 2; i++) {
		uint8_t type = i ? PL_CERTREQ : PL_CERT;
		c = cur_init(data, size);
		if (pl_cert_parse(&c, type, &cert) == IKE_OK) {
			check_cert(&cert, type);
			cert_roundtrip(&cert, type);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	in_p = data;
	in_n = size;
	fuzz_message(data, size);
	fuzz_inner(data, size);
	fuzz_bodies(data, size);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* IKE message parsing (RFC 7296 section 3): header, payload chain, and each
 * payload body in a cursor bounded to its own length. */
#include "daemon/ikemsg/msg.h"

#include <string.h>

const char *ike_parse_strerror(int err)
{
	switch (err) {
	case IKE_OK: return "ok";
	case IKE_ERR_TRUNCATED: return "length fields disagree with the datagram";
	case IKE_ERR_VERSION: return "unsupported IKE major version";
	case IKE_ERR_SYNTAX: return "malformed payload";
	case IKE_ERR_DUPLICATE: return "duplicate singleton payload";
	case IKE_ERR_TOO_MANY: return "too many proposals, transforms or notifies";
	case IKE_ERR_SK_NOT_LAST: return "SK payload is not the last payload";
	case IKE_ERR_CRITICAL: return "unsupported critical payload";
	case IKE_ERR_OUTSIDE_SK: return "payloads outside the SK payload";
	case IKE_ERR_FRAGMENT: return "Encrypted Fragment numbered 0 or above its Total Fragments";
	}
	return "unknown error";
}

int ike_msg_parse_header(const uint8_t *buf, size_t len, struct ike_msg *msg)
{
	struct cur c = cur_init(buf, len);
	struct ike_hdr *h = &msg->hdr;

	memset(msg, 0, sizeof(*msg));
	h->spii = cur_u64(&c);
	h->spir = cur_u64(&c);
	h->next = cur_u8(&c);
	h->version = cur_u8(&c);
	h->exchange = cur_u8(&c);
	h->flags = cur_u8(&c);
	h->msgid = cur_u32(&c);
	h->length = cur_u32(&c);
	if (!cur_ok(&c) || h->length != len || len < IKE_HDR_LEN)
		return IKE_ERR_TRUNCATED;
	if ((h->version >> 4) != 2)
		return IKE_ERR_VERSION;
	msg->raw = buf;
	msg->raw_len = len;
	return IKE_OK;
}

/* Transform: last(1) reserved(1) length(2) type(1) reserved(1) id(2) attributes. */
static int transform_parse(struct cur *c, struct ike_transform *t, uint8_t *last)
{
	*last = cur_u8(c);
	cur_skip(c, 1);
	uint16_t len = cur_u16(c);
	if (!cur_ok(c) || len < 8 || (*last != 0 && *last != 3))
		return IKE_ERR_SYNTAX;
	struct cur b = cur_sub(c, len - 4);
	t->type = cur_u8(&b);
	cur_skip(&b, 1);
	t->id = cur_u16(&b);
	t->keylen = 0;
	while (cur_ok(&b) && cur_left(&b) > 0) {
		uint16_t at = cur_u16(&b);
		uint16_t av = cur_u16(&b);
		if (!(at & TRANS_ATTR_TV))
			return IKE_ERR_SYNTAX;	/* no TLV attributes are defined for us */
		if ((at & ~TRANS_ATTR_TV) == TRANS_ATTR_KEYLEN)
			t->keylen = av;
	}
	return cur_done(&b) ? IKE_OK : IKE_ERR_SYNTAX;
}

/* Proposal: last(1) reserved(1) length(2) num(1) proto(1) spisize(1) ntrans(1) spi transforms. */
static int proposal_parse(struct cur *c, struct ike_proposal *p, uint8_t *last)
{
	*last = cur_u8(c);
	cur_skip(c, 1);
	uint16_t len = cur_u16(c);
	if (!cur_ok(c) || len < 8 || (*last != 0 && *last != 2))
		return IKE_ERR_SYNTAX;
	struct cur b = cur_sub(c, len - 4);
	p->num = cur_u8(&b);
	p->protocol = cur_u8(&b);
	p->spi_size = cur_u8(&b);
	p->n_trans = cur_u8(&b);
	if (!cur_ok(&b) || p->spi_size > sizeof(p->spi))
		return IKE_ERR_SYNTAX;
	if (p->n_trans > IKE_MAX_TRANSFORMS)
		return IKE_ERR_TOO_MANY;
	if ((size_t)p->n_trans * 8 > cur_left(&b))
		return IKE_ERR_SYNTAX;
	cur_bytes(&b, p->spi, p->spi_size);
	for (unsigned i = 0; i < p->n_trans; i++) {
		uint8_t tlast;
		int r = transform_parse(&b, &p->trans[i], &tlast);
		if (r)
			return r;
		if ((tlast == 0) != (i + 1 == p->n_trans))
			return IKE_ERR_SYNTAX;
	}
	return cur_done(&b) ? IKE_OK : IKE_ERR_SYNTAX;
}

int pl_sa_parse(struct cur *c, struct pl_sa *sa)
{
	uint8_t last = 2;

	sa->n_prop = 0;
	while (last == 2) {
		if (sa->n_prop == IKE_MAX_PROPOSALS)
			return IKE_ERR_TOO_MANY;
		int r = proposal_parse(c, &sa->prop[sa->n_prop], &last);
		if (r)
			return r;
		/* numbered from 1, each the same as or one more than the previous */
		uint8_t num = sa->prop[sa->n_prop].num;
		uint8_t prev = sa->n_prop ? sa->prop[sa->n_prop - 1].num : 0;
		if (sa->n_prop == 0 ? num == 0 : num != prev + 1 && num != prev)
			return IKE_ERR_SYNTAX;
		sa->n_prop++;
	}
	return cur_done(c) && sa->n_prop ? IKE_OK : IKE_ERR_SYNTAX;
}

static int ts_one_parse(struct cur *c, struct ike_ts *ts)
{
	ts->type = cur_u8(c);
	ts->ip_proto = cur_u8(c);
	uint16_t len = cur_u16(c);
	size_t alen = ts->type == TS_IPV4_ADDR_RANGE ? 4 : ts->type == TS_IPV6_ADDR_RANGE ? 16 : 0;
	if (!cur_ok(c) || alen == 0 || len != 8 + 2 * alen)
		return IKE_ERR_SYNTAX;
	ts->start_port = cur_u16(c);
	ts->end_port = cur_u16(c);
	memset(ts->start, 0, sizeof(ts->start));
	memset(ts->end, 0, sizeof(ts->end));
	cur_bytes(c, ts->start, alen);
	cur_bytes(c, ts->end, alen);
	return cur_ok(c) ? IKE_OK : IKE_ERR_SYNTAX;
}

int pl_ts_parse(struct cur *c, struct pl_ts *ts)
{
	uint8_t n = cur_u8(c);
	cur_skip(c, 3);
	if (!cur_ok(c) || n == 0 || (size_t)n * 16 > cur_left(c))
		return IKE_ERR_SYNTAX;
	if (n > IKE_MAX_TS)
		return IKE_ERR_TOO_MANY;
	ts->n = n;
	for (unsigned i = 0; i < n; i++) {
		int r = ts_one_parse(c, &ts->ts[i]);
		if (r)
			return r;
	}
	return cur_done(c) ? IKE_OK : IKE_ERR_SYNTAX;
}

int pl_notify_parse(struct cur *c, struct pl_notify *n)
{
	n->protocol = cur_u8(c);
	n->spi_size = cur_u8(c);
	n->type = cur_u16(c);
	n->spi = n->spi_size ? cur_take(c, n->spi_size) : NULL;
	if (!cur_ok(c))
		return IKE_ERR_SYNTAX;
	n->len = cur_left(c);
	n->data = cur_take(c, n->len);
	return IKE_OK;
}

int pl_delete_parse(struct cur *c, struct pl_delete *d)
{
	d->protocol = cur_u8(c);
	d->spi_size = cur_u8(c);
	d->n_spi = cur_u16(c);
	if (!cur_ok(c))
		return IKE_ERR_SYNTAX;
	if (d->protocol != PROTO_IKE && d->protocol != PROTO_AH && d->protocol != PROTO_ESP)
		return IKE_ERR_SYNTAX;
	if (d->protocol == PROTO_IKE ? d->spi_size != 0 || d->n_spi != 0 : d->spi_size != 4)
		return IKE_ERR_SYNTAX;
	if ((size_t)d->n_spi * d->spi_size != cur_left(c))
		return IKE_ERR_SYNTAX;
	d->spis = cur_take(c, cur_left(c));
	return IKE_OK;
}

/* CERT: encoding, a certificate (never empty); CERTREQ: encoding, hashes of
 * CAs, 20 bytes each for X.509 (none: any CA, RFC 7296 3.7).  Other
 * encodings are kept as they are: the engine says it cannot use them. */
int pl_cert_parse(struct cur *c, uint8_t type, struct pl_cert *out)
{
	out->encoding = cur_u8(c);
	if (!cur_ok(c))
		return IKE_ERR_SYNTAX;
	out->len = cur_left(c);
	out->data = cur_take(c, out->len);
	if (type == PL_CERT && out->len == 0)
		return IKE_ERR_SYNTAX;
	if (type == PL_CERTREQ && out->encoding == CERT_X509_SIGNATURE && out->len % 20)
		return IKE_ERR_SYNTAX;
	return IKE_OK;
}

/* KE: group(2) reserved(2); ID and AUTH: type(1) reserved(3); Nonce: none. */
static int data_parse(struct cur *c, uint8_t type, struct pl_data *d)
{
	d->body = c->p;
	d->body_len = cur_left(c);
	if (type == PL_KE) {
		d->kind = cur_u16(c);
		cur_skip(c, 2);
	} else if (type != PL_NONCE) {
		d->kind = cur_u8(c);
		cur_skip(c, 3);
	}
	if (!cur_ok(c))
		return IKE_ERR_SYNTAX;
	d->len = cur_left(c);
	d->data = cur_take(c, d->len);
	if (type == PL_NONCE && (d->len < IKE_NONCE_MIN || d->len > IKE_NONCE_MAX))
		return IKE_ERR_SYNTAX;	/* RFC 7296 3.9 */
	if (d->len == 0)
		return IKE_ERR_SYNTAX;
	return IKE_OK;
}

static struct pl_data *data_slot(struct ike_msg *m, uint8_t type)
{
	switch (type) {
	case PL_KE: return &m->ke;
	case PL_NONCE: return &m->nonce;
	case PL_IDI: return &m->idi;
	case PL_IDR: return &m->idr;
	case PL_AUTH: return &m->auth;
	}
	return NULL;
}

static bool is_singleton(uint8_t type)
{
	return type == PL_SA || type == PL_KE || type == PL_IDI || type == PL_IDR ||
	       type == PL_AUTH || type == PL_NONCE || type == PL_TSI || type == PL_TSR ||
	       type == PL_SK || type == PL_SKF;
}

static bool is_known(uint8_t type)
{
	return (type >= PL_SA && type <= PL_EAP) || type == PL_SKF;
}

static int body_parse(struct ike_msg *m, uint8_t type, struct cur *b)
{
	struct pl_data *d = data_slot(m, type);

	if (d)
		return data_parse(b, type, d);
	switch (type) {
	case PL_SA: return pl_sa_parse(b, &m->sa);
	case PL_TSI: return pl_ts_parse(b, &m->tsi);
	case PL_TSR: return pl_ts_parse(b, &m->tsr);
	case PL_NOTIFY:
		if (m->n_notify == IKE_MAX_NOTIFY)
			return IKE_ERR_TOO_MANY;
		return pl_notify_parse(b, &m->notify[m->n_notify++]);
	case PL_DELETE:
		if (m->n_delete == IKE_MAX_DELETE)
			return IKE_ERR_TOO_MANY;
		return pl_delete_parse(b, &m->del[m->n_delete++]);
	case PL_CERT:
	case PL_CERTREQ: {
		struct pl_cert spare;
		uint8_t *n = type == PL_CERT ? &m->n_cert : &m->n_certreq;
		struct pl_cert *slot = type == PL_CERT ? m->cert : m->certreq;
		/* beyond the kept ones only counted: the rules refuse so many */
		return pl_cert_parse(b, type, *n < IKE_MAX_CERT ? &slot[(*n)++] : &spare);
	}
	}
	cur_skip(b, cur_left(b));	/* V, CP, EAP: accepted, not used */
	return IKE_OK;
}

/* SK or SKF, the last payload; its next-payload field names the first inner
 * payload.  SKF numbers its fragments from 1 to Total Fragments (RFC 7383
 * 2.5); whether the total is one we reassemble is the engine's to say. */
static int sk_parse(struct ike_msg *m, uint8_t type, uint8_t next, size_t off, struct cur *b)
{
	m->sk.first_inner = next;
	m->sk.offset = off;
	m->sk.hdr_len = IKE_GENERIC_HDR_LEN;
	if (type == PL_SKF) {
		m->sk.frag_num = cur_u16(b);
		m->sk.frag_total = cur_u16(b);
		if (!cur_ok(b))
			return IKE_ERR_TRUNCATED;
		if (m->sk.frag_num == 0 || m->sk.frag_num > m->sk.frag_total)
			return IKE_ERR_FRAGMENT;
		m->sk.hdr_len = IKE_GENERIC_HDR_LEN + 4;
	}
	m->sk.len = cur_left(b);
	m->sk.data = cur_take(b, m->sk.len);
	return IKE_OK;
}

static int chain_parse(struct ike_msg *m, struct cur *c, uint8_t next, bool inner)
{
	while (next != PL_NONE) {
		uint8_t type = next;
		size_t off = (size_t)(c->p - m->raw);
		next = cur_u8(c);
		uint8_t flags = cur_u8(c);
		uint16_t len = cur_u16(c);
		if (!cur_ok(c) || len < IKE_GENERIC_HDR_LEN || len - 4u > cur_left(c))
			return IKE_ERR_TRUNCATED;
		struct cur b = cur_sub(c, len - 4u);
		if (!is_known(type)) {
			if ((flags & PL_CRITICAL) && !m->unsupported_critical)
				m->unsupported_critical = type;
			continue;
		}
		uint64_t bit = PL_BIT(type);
		if (is_singleton(type) && ((m->outer | m->inner) & bit))
			return IKE_ERR_DUPLICATE;
		if (m->count[type - PL_FIRST] < UINT8_MAX)
			m->count[type - PL_FIRST]++;
		if (inner)
			m->inner |= bit;
		else
			m->outer |= bit;
		if (type == PL_SK || type == PL_SKF) {
			if (inner || cur_left(c) != 0)
				return IKE_ERR_SK_NOT_LAST;
			int r = sk_parse(m, type, next, off, &b);
			if (r)
				return r;
			return m->unsupported_critical ? IKE_ERR_CRITICAL : IKE_OK;
		}
		int r = body_parse(m, type, &b);
		if (r)
			return r;
		if (!cur_done(&b))
			return IKE_ERR_SYNTAX;
	}
	if (cur_left(c) != 0)
		return IKE_ERR_TRUNCATED;	/* bytes after the last payload */
	return m->unsupported_critical ? IKE_ERR_CRITICAL : IKE_OK;
}

int ike_msg_parse_payloads(struct ike_msg *msg)
{
	struct cur c = cur_init(msg->raw + IKE_HDR_LEN, msg->raw_len - IKE_HDR_LEN);
	return chain_parse(msg, &c, msg->hdr.next, false);
}

int ike_msg_parse_inner(struct ike_msg *msg, const uint8_t *plain, size_t len)
{
	struct cur c = cur_init(plain, len);
	return chain_parse(msg, &c, msg->sk.first_inner, true);
}

const struct pl_notify *ike_msg_notify(const struct ike_msg *msg, uint16_t type)
{
	for (unsigned i = 0; i < msg->n_notify; i++)
		if (msg->notify[i].type == type)
			return &msg->notify[i];
	return NULL;
}

const struct pl_notify *ike_msg_error_notify(const struct ike_msg *msg)
{
	for (unsigned i = 0; i < msg->n_notify; i++)
		if (msg->notify[i].type <= N_ERROR_MAX)
			return &msg->notify[i];
	return NULL;
}

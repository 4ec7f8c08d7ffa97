/* SPDX-License-Identifier: Apache-2.0 */
/* IKE message building: a header, then payloads chained through their
 * next-payload fields, written with the bounded writer. */
#include "daemon/ikemsg/msg.h"

#include <string.h>

void ike_msgb_init(struct ike_msgb *b, uint8_t *out, size_t outcap, uint8_t *inner,
		   size_t innercap, const struct ike_hdr *h)
{
	memset(b, 0, sizeof(*b));
	b->out = wbuf_init(out, outcap);
	b->inner = wbuf_init(inner, innercap);
	b->cur = &b->out;
	wbuf_u64(&b->out, h->spii);
	wbuf_u64(&b->out, h->spir);
	wbuf_u8(&b->out, PL_NONE);	/* patched by the first payload */
	wbuf_u8(&b->out, IKE_VERSION);
	wbuf_u8(&b->out, h->exchange);
	wbuf_u8(&b->out, h->flags);
	wbuf_u32(&b->out, h->msgid);
	wbuf_u32(&b->out, 0);		/* length, patched at the end */
	b->next_off = 16;
	b->prev_in_out = true;
	b->has_prev = true;
}

void ike_msgb_begin_encrypted(struct ike_msgb *b)
{
	b->outer_next_off = b->next_off;
	b->cur = &b->inner;
	b->has_prev = false;	/* the first inner type goes into the SK header */
}

static void set_next(struct ike_msgb *b, uint8_t type)
{
	if (!b->has_prev) {
		b->first_inner = type;
		return;
	}
	struct wbuf *w = b->prev_in_out ? &b->out : &b->inner;
	if (b->next_off < w->len)
		w->p[b->next_off] = type;
}

size_t ike_msgb_pl_begin(struct ike_msgb *b, uint8_t type)
{
	set_next(b, type);
	size_t off = b->cur->len;
	wbuf_u8(b->cur, PL_NONE);
	wbuf_u8(b->cur, 0);
	wbuf_u16(b->cur, 0);
	b->next_off = off;
	b->prev_in_out = b->cur == &b->out;
	b->has_prev = true;
	return off;
}

void ike_msgb_pl_end(struct ike_msgb *b, size_t off)
{
	size_t len = b->cur->len - off;
	if (len > 0xffff)
		b->cur->err = true;
	wbuf_put_u16_at(b->cur, off + 2, (uint16_t)len);
}

static void transform_build(struct wbuf *w, const struct ike_transform *t, bool last)
{
	wbuf_u8(w, last ? 0 : 3);
	wbuf_u8(w, 0);
	wbuf_u16(w, t->keylen ? 12 : 8);
	wbuf_u8(w, t->type);
	wbuf_u8(w, 0);
	wbuf_u16(w, t->id);
	if (t->keylen) {
		wbuf_u16(w, TRANS_ATTR_TV | TRANS_ATTR_KEYLEN);
		wbuf_u16(w, t->keylen);
	}
}

static void proposal_build(struct wbuf *w, const struct ike_proposal *p, bool last)
{
	size_t off = w->len;
	wbuf_u8(w, last ? 0 : 2);
	wbuf_u8(w, 0);
	wbuf_u16(w, 0);
	wbuf_u8(w, p->num);
	wbuf_u8(w, p->protocol);
	wbuf_u8(w, p->spi_size);
	wbuf_u8(w, p->n_trans);
	wbuf_bytes(w, p->spi, p->spi_size);
	for (unsigned i = 0; i < p->n_trans; i++)
		transform_build(w, &p->trans[i], i + 1 == p->n_trans);
	wbuf_put_u16_at(w, off + 2, (uint16_t)(w->len - off));
}

void pl_sa_build(struct ike_msgb *b, const struct ike_proposal *props, size_t n)
{
	size_t off = ike_msgb_pl_begin(b, PL_SA);
	for (size_t i = 0; i < n; i++)
		proposal_build(b->cur, &props[i], i + 1 == n);
	ike_msgb_pl_end(b, off);
}

void pl_data_build(struct ike_msgb *b, uint8_t type, uint16_t kind, const uint8_t *data,
		   size_t len)
{
	size_t off = ike_msgb_pl_begin(b, type);
	if (type == PL_KE) {
		wbuf_u16(b->cur, kind);
		wbuf_u16(b->cur, 0);
	} else if (type != PL_NONCE) {
		wbuf_u8(b->cur, (uint8_t)kind);
		wbuf_u8(b->cur, 0);
		wbuf_u16(b->cur, 0);
	}
	wbuf_bytes(b->cur, data, len);
	ike_msgb_pl_end(b, off);
}

void pl_cert_build(struct ike_msgb *b, uint8_t type, uint8_t encoding, const uint8_t *data,
		   size_t len)
{
	size_t off = ike_msgb_pl_begin(b, type);
	wbuf_u8(b->cur, encoding);
	wbuf_bytes(b->cur, data, len);
	ike_msgb_pl_end(b, off);
}

void pl_notify_build(struct ike_msgb *b, uint8_t proto, const uint8_t *spi, uint8_t spi_size,
		     uint16_t type, const uint8_t *data, size_t len)
{
	size_t off = ike_msgb_pl_begin(b, PL_NOTIFY);
	wbuf_u8(b->cur, proto);
	wbuf_u8(b->cur, spi_size);
	wbuf_u16(b->cur, type);
	wbuf_bytes(b->cur, spi, spi_size);
	wbuf_bytes(b->cur, data, len);
	ike_msgb_pl_end(b, off);
}

void pl_delete_build(struct ike_msgb *b, uint8_t proto, uint8_t spi_size, const uint8_t *spis,
		     uint16_t n)
{
	size_t off = ike_msgb_pl_begin(b, PL_DELETE);
	wbuf_u8(b->cur, proto);
	wbuf_u8(b->cur, spi_size);
	wbuf_u16(b->cur, n);
	wbuf_bytes(b->cur, spis, (size_t)spi_size * n);
	ike_msgb_pl_end(b, off);
}

void pl_ts_build(struct ike_msgb *b, uint8_t type, const struct ike_ts *ts, size_t n)
{
	size_t off = ike_msgb_pl_begin(b, type);
	wbuf_u8(b->cur, (uint8_t)n);
	wbuf_u8(b->cur, 0);
	wbuf_u16(b->cur, 0);
	for (size_t i = 0; i < n; i++) {
		size_t alen = ts[i].type == TS_IPV4_ADDR_RANGE ? 4 : 16;
		wbuf_u8(b->cur, ts[i].type);
		wbuf_u8(b->cur, ts[i].ip_proto);
		wbuf_u16(b->cur, (uint16_t)(8 + 2 * alen));
		wbuf_u16(b->cur, ts[i].start_port);
		wbuf_u16(b->cur, ts[i].end_port);
		wbuf_bytes(b->cur, ts[i].start, alen);
		wbuf_bytes(b->cur, ts[i].end, alen);
	}
	ike_msgb_pl_end(b, off);
}

int ike_msgb_finish_plain(struct ike_msgb *b)
{
	wbuf_put_u32_at(&b->out, 24, (uint32_t)b->out.len);
	return b->out.err ? -1 : (int)b->out.len;
}

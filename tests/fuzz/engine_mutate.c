/* SPDX-License-Identifier: Apache-2.0 */
/* OP_MUTATE: change a message waiting in the queue.  Inner mode opens its SK
 * payload with the keys of the SA that sent it (the harness holds both
 * engines, so the sender's SA is found by its SPIs), mutates the plaintext
 * payload chain and the header, and seals the result with the same keys: the
 * receiver's integrity check passes and its parsers and handlers see the
 * mutation.  Outer mode mutates the datagram as it is (the IKE_SA_INIT
 * payloads are in clear; anything else fails the integrity check, after the
 * cheap checks ran).  When there is nothing to mutate the mutations run on an
 * empty chain, so the op reads the same bytes either way. */
#include "engine_fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "engine_prog.h"
#include "daemon/base/bytes.h"

#define CHAIN_CAP 16384
#define MAX_PL 32

/* A payload chain being edited, with the header of its message. */
struct edit {
	struct ike_hdr h;
	bool raw;		/* shorter than a header: bytes only */
	bool keep_len;		/* MUT_HDR set the length field: write it as is */
	uint8_t first;		/* type of the first payload */
	uint8_t buf[CHAIN_CAP];
	size_t len;
	int side;		/* the sender, for MUT_APPEND's templates */
};

/* Offsets and types of the payloads that parse as generic headers. */
static unsigned walk(const struct edit *e, size_t *off, uint8_t *type)
{
	size_t o = 0;
	uint8_t t = e->first;
	unsigned n = 0;

	while (t != PL_NONE && n < MAX_PL && o + 4 <= e->len) {
		size_t plen = (size_t)e->buf[o + 2] << 8 | e->buf[o + 3];
		if (plen < 4 || plen > e->len - o)
			break;
		off[n] = o;
		type[n++] = t;
		t = e->buf[o];
		o += plen;
	}
	return n;
}

static size_t pl_len(const struct edit *e, size_t off)
{
	return (size_t)e->buf[off + 2] << 8 | e->buf[off + 3];
}

/* Make room for n bytes at pos (n bytes of garbage there); false if full. */
static bool open_gap(struct edit *e, size_t pos, size_t n)
{
	if (pos > e->len || n > CHAIN_CAP - e->len)
		return false;
	memmove(e->buf + pos + n, e->buf + pos, e->len - pos);
	e->len += n;
	return true;
}

static void close_gap(struct edit *e, size_t pos, size_t n)
{
	if (pos >= e->len)
		return;
	if (n > e->len - pos)
		n = e->len - pos;
	memmove(e->buf + pos, e->buf + pos + n, e->len - pos - n);
	e->len -= n;
}

/* The next-payload field that names payload i. */
static uint8_t *link_to(struct edit *e, const size_t *off, unsigned i)
{
	return i == 0 ? &e->first : &e->buf[off[i - 1]];
}

/* Byte position from (pl, off): inside payload pl (modulo their number) and
 * on to the end of the chain; at_end: the end itself counts. */
static size_t position(const struct edit *e, uint8_t pl, uint16_t off, bool at_end)
{
	size_t offs[MAX_PL];
	uint8_t types[MAX_PL];
	unsigned n = walk(e, offs, types);
	size_t base = n ? offs[pl % n] : 0;
	size_t span = e->len - base + (at_end ? 1 : 0);

	return span ? base + off % span : base;
}

static void mut_hdr(struct fz *f, struct edit *e)
{
	static const uint8_t exchanges[4] = { IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA, INFORMATIONAL };
	uint8_t field = fz_u8(f) % HDR_COUNT;
	uint32_t v = fz_u32(f);
	uint64_t t;

	switch (field) {
	case HDR_EXCHANGE: e->h.exchange = (v & 0xff) < 4 ? exchanges[v & 3] : (uint8_t)v; break;
	case HDR_FLAGS: e->h.flags ^= (uint8_t)v; break;
	case HDR_MSGID_ADD: e->h.msgid += (uint32_t)(int32_t)(int8_t)v; break;
	case HDR_MSGID_SET: e->h.msgid = v; break;
	case HDR_SPIR: e->h.spir = v ? e->h.spir ^ v : 0; break;
	case HDR_SWAP_SPIS:
		t = e->h.spii;
		e->h.spii = e->h.spir;
		e->h.spir = t;
		break;
	case HDR_VERSION: e->h.version = (uint8_t)v; break;
	default:
		e->keep_len = true;
		e->h.length = v & 0xffff;
	}
}

/* Payload-level mutations: pl and what follows it in the program. */
static void mut_payload(struct fz *f, struct edit *e, unsigned kind)
{
	size_t off[MAX_PL];
	uint8_t type[MAX_PL];
	unsigned n = walk(e, off, type);
	uint8_t pl = fz_u8(f);
	uint8_t t = kind == MUT_PL_TYPE ? fz_u8(f) : 0;
	uint16_t delta = kind == MUT_PL_LEN ? fz_u16(f) : 0;

	if (!n)
		return;
	unsigned i = pl % n;
	size_t o = off[i], len = pl_len(e, o);
	switch (kind) {
	case MUT_PL_TYPE: *link_to(e, off, i) = t; break;
	case MUT_PL_LEN: {
		uint16_t l = (uint16_t)(len + (uint16_t)delta);
		e->buf[o + 2] = (uint8_t)(l >> 8);
		e->buf[o + 3] = (uint8_t)l;
		break;
	}
	case MUT_PL_DROP:
		*link_to(e, off, i) = e->buf[o];
		close_gap(e, o, len);
		break;
	case MUT_PL_DUP:
		if (open_gap(e, o + len, len)) {
			memcpy(e->buf + o + len, e->buf + o, len);
			e->buf[o] = type[i];	/* the original now leads to its copy */
		}
		break;
	default:
		e->buf[o + 1] ^= PL_CRITICAL;
	}
}

/* One payload of type (len bytes of pl, generic header first) after the last
 * one that parses (before any garbage). */
static void append(struct edit *e, uint8_t type, const uint8_t *pl, size_t len)
{
	size_t off[MAX_PL];
	uint8_t types[MAX_PL];
	unsigned n = walk(e, off, types);
	size_t at = n ? off[n - 1] + pl_len(e, off[n - 1]) : 0;
	uint8_t *link = n ? &e->buf[off[n - 1]] : &e->first;
	uint8_t follows = *link;

	if (!open_gap(e, at, len))
		return;
	memcpy(e->buf + at, pl, len);
	e->buf[at] = follows;	/* one payload: its next is what came next */
	link = n ? &e->buf[off[n - 1]] : &e->first;
	*link = type;
}

/* A template payload after the last one that parses (before any garbage). */
static void mut_append(struct fz *f, struct edit *e)
{
	static uint8_t inner[4096];
	uint8_t scratch[64];
	struct ike_hdr h = { 0 };
	struct ike_msgb b;

	ike_msgb_init(&b, scratch, sizeof(scratch), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	fz_template(f, &b, e->side, false);
	if (b.inner.err || b.inner.len == 0)
		return;
	append(e, b.first_inner, b.inner.p, b.inner.len);
}

/* Payload i's length field set to len. */
static void set_pl_len(struct edit *e, size_t o, size_t len)
{
	e->buf[o + 2] = (uint8_t)(len >> 8);
	e->buf[o + 3] = (uint8_t)len;
}

/* CM_SWAP: payload o's DER (after its encoding byte) replaced by der. */
static void swap_der(struct edit *e, size_t o, const uint8_t *der, size_t len)
{
	size_t old = pl_len(e, o);

	if (!der || old < 5 || 5 + len > 0xffff)
		return;
	close_gap(e, o + 5, old - 5);
	if (!open_gap(e, o + 5, len)) {
		set_pl_len(e, o, 5);
		return;
	}
	memcpy(e->buf + o + 5, der, len);
	set_pl_len(e, o, 5 + len);
}

/* CM_CERTREQ: encoding 4 (or value itself with bit 7), value % 48 bytes:
 * the root's hash while it fits, then filler. */
static void add_certreq(struct edit *e, uint8_t value)
{
	uint8_t pl[5 + 48];
	size_t n = value % 48;
	const uint8_t *ca = fz_pki_ca_hash();

	pl[0] = PL_NONE;
	pl[1] = 0;
	put_be16(pl + 2, (uint16_t)(5 + n));
	pl[4] = value & 0x80 ? value : CERT_X509_SIGNATURE;
	fz_fill(pl + 5, n, value);
	if (ca && n >= 20)
		memcpy(pl + 5, ca, 20);
	append(e, PL_CERTREQ, pl, 5 + n);
}

/* MUT_CERT: the certificate payloads and the AUTH that their key signed. */
static void mut_cert(struct fz *f, struct edit *e)
{
	size_t off[MAX_PL];
	uint8_t type[MAX_PL];
	unsigned cert[MAX_PL], ncert = 0, auth = MAX_PL;
	unsigned what = fz_u8(f) % CM_COUNT;
	uint8_t nb = fz_u8(f);
	uint16_t at = fz_u16(f);
	uint8_t value = fz_u8(f);
	unsigned n = walk(e, off, type);

	for (unsigned i = 0; i < n; i++) {
		if (type[i] == PL_CERT)
			cert[ncert++] = i;
		else if (type[i] == PL_AUTH && auth == MAX_PL)
			auth = i;
	}
	unsigned i = ncert ? cert[nb % ncert] : MAX_PL;
	size_t o = i < MAX_PL ? off[i] : 0, len = i < MAX_PL ? pl_len(e, o) : 0;
	switch (what) {
	case CM_DROP:
		if (ncert) {
			*link_to(e, off, i) = e->buf[o];
			close_gap(e, o, len);
		}
		break;
	case CM_DUP:
		if (ncert && open_gap(e, o + len, len)) {
			memcpy(e->buf + o + len, e->buf + o, len);
			e->buf[o] = PL_CERT;
		}
		break;
	case CM_DER:
		if (ncert && len > 5)
			e->buf[o + 5 + at % (len - 5)] = value;
		break;
	case CM_SWAP:
		if (ncert) {
			size_t dl = 0;
			const uint8_t *der = fz_pki_der(value, &dl);
			swap_der(e, o, der, dl);
		}
		break;
	case CM_ENCODING:
		if (ncert && len > 4)
			e->buf[o + 4] = value;
		break;
	case CM_ROTATE:
		/* the chosen one moves before the first CERT: both are CERTs, so
		 * the links around the first stay as they are */
		if (ncert > 1 && i != cert[0]) {
			static uint8_t copy[CHAIN_CAP];
			size_t first = off[cert[0]];
			memcpy(copy, e->buf + o, len);
			*link_to(e, off, i) = e->buf[o];
			close_gap(e, o, len);
			if (open_gap(e, first, len)) {
				memcpy(e->buf + first, copy, len);
				e->buf[first] = PL_CERT;
			}
		}
		break;
	case CM_AUTH_FLIP:
		if (auth < MAX_PL && pl_len(e, off[auth]) > 8)
			e->buf[off[auth] + 8 + at % (pl_len(e, off[auth]) - 8)] ^= value | 1;
		break;
	case CM_AUTH_METHOD:
		if (auth < MAX_PL && pl_len(e, off[auth]) > 4)
			e->buf[off[auth] + 4] = value;
		break;
	default:
		add_certreq(e, value);
	}
}

static void mutate_once(struct fz *f, struct edit *e)
{
	unsigned kind = fz_u8(f) % MUT_COUNT;
	uint8_t pl, v;
	uint16_t off;

	switch (kind) {
	case MUT_FLIP:
	case MUT_SET:
		pl = fz_u8(f);
		off = fz_u16(f);
		v = fz_u8(f);
		if (e->len) {
			size_t pos = position(e, pl, off, false);
			e->buf[pos] = kind == MUT_FLIP ? e->buf[pos] ^ (uint8_t)(1u << (v % 8)) : v;
		}
		break;
	case MUT_TRUNC:
		off = fz_u16(f);
		if (e->len)
			e->len = off % e->len;
		break;
	case MUT_INSERT: {
		uint8_t bytes[16];
		pl = fz_u8(f);
		off = fz_u16(f);
		size_t n = fz_u8(f) % 17;
		size_t have = cur_left(&f->prog) < n ? cur_left(&f->prog) : n;
		cur_bytes(&f->prog, bytes, have);
		fz_fill(bytes + have, n - have, (uint8_t)n);
		size_t pos = position(e, pl, off, true);
		if (open_gap(e, pos, n))
			memcpy(e->buf + pos, bytes, n);
		break;
	}
	case MUT_CUT:
		pl = fz_u8(f);
		off = fz_u16(f);
		v = fz_u8(f);
		if (e->len)
			close_gap(e, position(e, pl, off, false), v % 33);
		break;
	case MUT_HDR: mut_hdr(f, e); break;
	case MUT_APPEND: mut_append(f, e); break;
	case MUT_CERT: mut_cert(f, e); break;
	default: mut_payload(f, e, kind);
	}
}

/* The header's fields from its bytes, unchecked (outer mode). */
static void hdr_read(const uint8_t *p, struct ike_hdr *h)
{
	h->spii = get_be64(p);
	h->spir = get_be64(p + 8);
	h->next = p[16];
	h->version = p[17];
	h->exchange = p[18];
	h->flags = p[19];
	h->msgid = get_be32(p + 20);
	h->length = get_be32(p + 24);
}

static void hdr_write(const struct ike_hdr *h, uint8_t first, uint32_t length, uint8_t *p)
{
	put_be64(p, h->spii);
	put_be64(p + 8, h->spir);
	p[16] = first;
	p[17] = h->version;
	p[18] = h->exchange;
	p[19] = h->flags;
	put_be32(p + 20, h->msgid);
	put_be32(p + 24, length);
}

/* The message replaced by len bytes of out. */
static void replace(struct pkt *p, const uint8_t *out, size_t len)
{
	uint8_t *nb = malloc(len ? len : 1);
	struct ike_msg m;

	if (!nb)
		return;
	memcpy(nb, out, len);
	free(p->buf);
	p->buf = nb;
	p->len = len;
	memset(&p->hdr, 0, sizeof(p->hdr));
	if (ike_msg_parse_header(nb, len, &m) == IKE_OK)
		p->hdr = m.hdr;
}

/* Inner mode: the chain is the opened SK payload; false if it cannot open. */
static bool open_inner(struct fz *f, const struct pkt *p, struct edit *e,
		       struct ike_crypt_keys *k)
{
	static struct ike_msg m;
	size_t n = 0;

	if (ike_msg_parse_header(p->buf, p->len, &m) || ike_msg_parse_payloads(&m) ||
	    !(m.outer & PL_BIT(PL_SK)))
		return false;
	struct ike_sa *sa = fz_sa_of(&f->net.s[p->from], m.hdr.spii, m.hdr.spir);
	if (!sa)
		return false;
	ike_sa_keys_out(sa, k);
	if (ike_crypt_open(&m, k, e->buf, sizeof(e->buf), &n))
		return false;
	e->h = m.hdr;
	e->first = m.sk.first_inner;
	e->len = n;
	return true;
}

static void outer_edit(const struct pkt *p, struct edit *e)
{
	if (p->len < IKE_HDR_LEN || p->len - IKE_HDR_LEN > sizeof(e->buf)) {
		e->raw = true;
		e->len = p->len < sizeof(e->buf) ? p->len : sizeof(e->buf);
		memcpy(e->buf, p->buf, e->len);
		return;
	}
	hdr_read(p->buf, &e->h);
	e->first = e->h.next;
	e->len = p->len - IKE_HDR_LEN;
	memcpy(e->buf, p->buf + IKE_HDR_LEN, e->len);
}

void fz_mutate(struct fz *f)
{
	static struct edit e;
	static uint8_t out[IKE_HDR_LEN + CHAIN_CAP + 128];
	uint8_t qi = fz_u8(f), where = fz_u8(f);
	unsigned count = 1 + fz_u8(f) % 3;
	size_t nq = f->net.nq;
	struct pkt *p = nq ? &f->net.q[qi < 128 ? qi % nq : nq - 1 - (qi - 128u) % nq] : NULL;
	struct ike_crypt_keys k;

	memset(&e.h, 0, sizeof(e.h));
	e.raw = e.keep_len = false;
	e.first = PL_NONE;
	e.len = 0;
	e.side = p ? p->from : SIDE_A;
	bool inner = p && !(where & 1) && open_inner(f, p, &e, &k);
	if (p && !inner)
		outer_edit(p, &e);
	for (unsigned i = 0; i < count; i++)
		mutate_once(f, &e);
	if (!p)
		return;
	if (inner) {
		int len = fz_seal(&e.h, e.first, e.buf, e.len, &k, out, sizeof(out));
		if (len > 0)
			replace(p, out, (size_t)len);
		return;
	}
	if (e.raw) {
		replace(p, e.buf, e.len);
		return;
	}
	size_t total = IKE_HDR_LEN + e.len;
	hdr_write(&e.h, e.first, e.keep_len ? e.h.length : (uint32_t)total, out);
	memcpy(out + IKE_HDR_LEN, e.buf, e.len);
	replace(p, out, total);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Crafted messages for fuzz_ike_engine: payload templates read from the
 * program (engine_prog.h, TPL_*), messages sealed with the keys of an SA one
 * of the engines holds (OP_INJECT), and IKE_SA_INIT requests and responses
 * built from scratch (OP_INJECT_INIT).  Every op reads the same bytes whatever
 * the engines' state, so a mutation of one op's bytes never shifts the next. */
#include "engine_fuzz.h"

#include <string.h>

#include "conf/conf.h"
#include "crypto/alg.h"
#include "crypto/dh.h"
#include "daemon/ike/nat.h"
#include "daemon/ike/proposal.h"
#include "engine_prog.h"
#include "daemon/base/bytes.h"

#define MAX_POOL 128
#define MAX_KE 1024

void fz_fill(uint8_t *out, size_t n, uint8_t seed)
{
	uint32_t x = 0x9e3779b9u ^ (uint32_t)seed * 0x01000193u;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		out[i] = (uint8_t)x;
	}
}

struct ike_sa *fz_sa_of(const struct side *s, uint64_t spii, uint64_t spir)
{
	for (struct ike_sa *sa = s->eng.sas; sa; sa = sa->next)
		if (sa->state != IKE_S_DEAD && sa->keys.sk_ei && sa->spii == spii && sa->spir == spir)
			return sa;
	return NULL;
}

struct ike_sa *fz_sa_nth(const struct side *s, unsigned i)
{
	unsigned n = 0;

	for (struct ike_sa *sa = s->eng.sas; sa; sa = sa->next)
		n += sa->state != IKE_S_DEAD && sa->keys.sk_ei != NULL;
	if (!n)
		return NULL;
	i %= n;
	for (struct ike_sa *sa = s->eng.sas; sa; sa = sa->next)
		if (sa->state != IKE_S_DEAD && sa->keys.sk_ei && i-- == 0)
			return sa;
	return NULL;
}

/* ---- SPIs the engines know, for DELETE, REKEY_SA and the like ---- */

struct pool {
	uint32_t esp[MAX_POOL];
	uint64_t ike[MAX_POOL];
	unsigned nesp, nike;
};

static void pool_add_esp(struct pool *p, uint32_t spi)
{
	if (p->nesp < MAX_POOL)
		p->esp[p->nesp++] = spi;
}

/* Current SPIs of both sides (Child SAs' both directions, IKE SAs' both
 * SPIs), then the ones the data plane had earlier (stale SAs). */
static void pool_fill(const struct net *n, struct pool *p)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < 2; i++) {
		for (const struct ike_sa *sa = n->s[i].eng.sas; sa; sa = sa->next) {
			if (p->nike + 2 <= MAX_POOL) {
				p->ike[p->nike++] = sa->spii;
				p->ike[p->nike++] = sa->spir;
			}
			for (const struct child_sa *c = sa->children; c; c = c->next) {
				pool_add_esp(p, c->spi_in);
				pool_add_esp(p, c->spi_out);
			}
		}
	}
	for (int i = 0; i < 2; i++)
		for (unsigned k = 0; k < n->s[i].n_up; k++)
			pool_add_esp(p, n->s[i].up[k].spi_in);
}

static uint32_t pool_esp(const struct pool *p, uint8_t b)
{
	return p->nesp ? p->esp[b % p->nesp] : 0x01010101u * b;
}

static uint64_t pool_ike(const struct pool *p, uint8_t b)
{
	return p->nike ? p->ike[b % p->nike] : 0x0101010101010101ull * b;
}

/* ---- templates ---- */

static const uint16_t notify_table[NOTIFY_TABLE_LEN] = {
	N_UNSUPPORTED_CRITICAL_PAYLOAD, N_INVALID_IKE_SPI, N_INVALID_SYNTAX, N_INVALID_MESSAGE_ID,
	N_INVALID_SPI, N_NO_PROPOSAL_CHOSEN, N_INVALID_KE_PAYLOAD, N_AUTHENTICATION_FAILED,
	N_SINGLE_PAIR_REQUIRED, N_NO_ADDITIONAL_SAS, N_INTERNAL_ADDRESS_FAILURE,
	N_FAILED_CP_REQUIRED, N_TS_UNACCEPTABLE, N_INVALID_SELECTORS, N_TEMPORARY_FAILURE,
	N_CHILD_SA_NOT_FOUND, N_INITIAL_CONTACT, N_SET_WINDOW_SIZE,
	N_NAT_DETECTION_SOURCE_IP, N_NAT_DETECTION_DESTINATION_IP, N_COOKIE,
	N_USE_TRANSPORT_MODE, N_REKEY_SA, N_ESP_TFC_PADDING_NOT_SUPPORTED,
};

static const struct conf_conn *cfg_of(const struct fz *f, int side)
{
	return f->net.s[side].conn.cfg;
}

/* The group table: the side's first ike= group, then others; from 7 on the
 * byte is the group number itself (unknown ones included). */
static unsigned group_of(const struct fz *f, int side, uint8_t b)
{
	static const unsigned table[6] = { CURVE25519, ECP_256, MODP_1536, ECP_384, MODP_2048, 0 };
	const struct conf_conn *cfg = cfg_of(f, side);

	if (b == 0)
		return cfg->n_ike ? cfg->ike[0].dh : CURVE25519;
	return b < 7 ? table[b - 1] : b;
}

static void put_be(uint8_t *out, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* len bytes from the program, filler where it ends. */
static void take(struct fz *f, uint8_t *out, size_t len)
{
	size_t have = cur_left(&f->prog) < len ? cur_left(&f->prog) : len;

	cur_bytes(&f->prog, out, have);
	fz_fill(out + have, len - have, (uint8_t)len);
}

static void tpl_notify(struct fz *f, struct ike_msgb *b, int side, struct pool *pool)
{
	uint8_t t = fz_u8(f), proto = fz_u8(f) % 4, spimode = fz_u8(f) % 4;
	uint16_t type = t < NOTIFY_TABLE_LEN ? notify_table[t] : fz_u16(f);
	uint8_t spi[16], data[40];
	size_t spilen = 0;

	if (spimode == 1) {
		put_be(spi, pool_esp(pool, fz_u8(f)), 4);
		spilen = 4;
	} else if (spimode == 2) {
		put_be(spi, pool_ike(pool, fz_u8(f)), 8);
		spilen = 8;
	} else if (spimode == 3) {
		spilen = fz_u8(f) % 17;
		take(f, spi, spilen);
	}
	size_t len = fz_u8(f) % 40;
	if (len == 2)
		put_be(data, group_of(f, side, fz_u8(f)), 2);
	else
		take(f, data, len);
	pl_notify_build(b, proto, spi, (uint8_t)spilen, type, data, len);
}

static void tpl_delete(struct fz *f, struct ike_msgb *b, struct pool *pool)
{
	static const uint8_t protos[3] = { PROTO_IKE, PROTO_ESP, PROTO_AH };
	uint8_t kind = fz_u8(f) % 4, proto = kind < 3 ? protos[kind] : fz_u8(f);
	uint8_t size = kind == 0 ? 0 : kind < 3 ? 4 : fz_u8(f) % 9;
	unsigned n = fz_u8(f) % 8;
	uint8_t spis[8 * 8];

	for (unsigned i = 0; i < n; i++) {
		uint8_t s = fz_u8(f);
		if (size == 4)
			put_be(spis + 4 * i, pool_esp(pool, s), 4);
		else
			fz_fill(spis + size * i, size, s);
	}
	pl_delete_build(b, proto, size, spis, (uint16_t)(kind == 0 ? 0 : n));
}

static void tpl_nonce(struct fz *f, struct ike_msgb *b, bool init_request)
{
	uint8_t nonce[300];
	unsigned len = nonce_len(fz_u8(f));
	uint8_t first = fz_u8(f);

	fz_fill(nonce, len, first);
	if (len)
		nonce[0] = first;
	pl_data_build(b, PL_NONCE, 0, nonce, len);
}

/* Does either engine use this group?  A KE of any other group is refused
 * before any DH work, so its value need not be a real public key. */
static bool group_used(const struct fz *f, unsigned group)
{
	for (int i = 0; i < 2; i++) {
		const struct conf_conn *cfg = cfg_of(f, i);
		for (size_t k = 0; k < cfg->n_ike; k++)
			if (cfg->ike[k].dh == group)
				return true;
		for (size_t k = 0; k < cfg->n_esp; k++)
			if (cfg->esp[k].dh == group)
				return true;
	}
	return false;
}

/* A KE payload's value; its length.  A real key pair only for a group the
 * engines use (a MODP key costs milliseconds), else bytes of the right
 * length. */
static size_t ke_value(const struct fz *f, unsigned group, unsigned mode, uint8_t seed,
		       uint8_t *out)
{
	size_t len = dh_pub_len(group);

	if (mode == KE_OTHER_GROUP) {
		group = group == CURVE25519 ? ECP_256 : CURVE25519;
		len = dh_pub_len(group);
		mode = KE_VALID;
	}
	if (mode == KE_VALID && !group_used(f, group) && len && len <= MAX_KE) {
		fz_fill(out, len, seed);
		return len;
	}
	if (mode == KE_RAW || len == 0 || len > MAX_KE) {
		len = (seed * 7u) % 600;
		fz_fill(out, len, seed);
		return len;
	}
	if (mode == KE_ZEROS) {
		memset(out, 0, len);
		return len;
	}
	struct dh *dh = dh_new(group);
	if (!dh || dh_public(dh, out, len))
		len = 0;
	dh_free(dh);
	return len;
}

static void tpl_ke(struct fz *f, struct ike_msgb *b, int side)
{
	static uint8_t pub[MAX_KE];
	unsigned group = group_of(f, side, fz_u8(f));
	uint8_t mode = fz_u8(f);
	size_t len = ke_value(f, group, mode % KE_COUNT, mode, pub);

	pl_data_build(b, PL_KE, (uint16_t)group, pub, len);
}

static void tweak(struct ike_proposal *props, size_t n, const uint8_t t[6])
{
	struct ike_proposal *p = &props[t[0] % n];
	uint16_t v = (uint16_t)(t[4] << 8 | t[5]);

	if (!p->n_trans)
		return;
	unsigned k = t[1] % p->n_trans;
	switch (t[2] % 4) {
	case 0: p->trans[k].type = (uint8_t)v; break;
	case 1: p->trans[k].id = v; break;
	case 2: p->trans[k].keylen = v; break;
	default:
		memmove(&p->trans[k], &p->trans[k + 1], (p->n_trans - k - 1) * sizeof(p->trans[0]));
		p->n_trans--;
	}
}

static void tpl_sa(struct fz *f, struct ike_msgb *b, int side)
{
	const struct conf_conn *cfg = cfg_of(f, side);
	struct ike_proposal props[CONF_MAX_ALGS];
	uint8_t flags = fz_u8(f), count = fz_u8(f) % 4, spi[8], t[6];
	bool ike = flags & 1;
	unsigned spimode = (flags >> 1) & 3;
	uint8_t spi_size = spimode == 1 ? 4 : spimode == 2 ? 8 : spimode == 3 ? (ike ? 8 : 4) : 0;

	fz_fill(spi, sizeof(spi), flags);
	size_t n = ike ? proposal_offer(cfg->ike, cfg->n_ike, PROTO_IKE, spi, spi_size, flags & 8, props)
		       : proposal_offer(cfg->esp, cfg->n_esp, PROTO_ESP, spi, spi_size, flags & 8, props);
	for (unsigned i = 0; i < count; i++) {
		take(f, t, sizeof(t));
		if (n)
			tweak(props, n, t);
	}
	pl_sa_build(b, props, n);
}

static void tpl_ts(struct fz *f, struct ike_msgb *b)
{
	struct ike_ts ts[4];
	uint8_t which = fz_u8(f), n = fz_u8(f) % 4, e[6];

	memset(ts, 0, sizeof(ts));
	for (unsigned i = 0; i < n; i++) {
		take(f, e, sizeof(e));
		uint16_t port = (uint16_t)(e[2] << 8 | e[3]);
		unsigned kind = e[0] % 4;
		ts[i].type = kind == 1 ? TS_IPV6_ADDR_RANGE : kind == 3 ? e[4] : TS_IPV4_ADDR_RANGE;
		ts[i].ip_proto = e[1];
		ts[i].start_port = port;
		ts[i].end_port = port ? port : 0xffff;
		memset(ts[i].end, 0xff, sizeof(ts[i].end));
		if (kind == 2) {
			uint8_t a[4] = { 10, e[4], e[5], 1 };
			memcpy(ts[i].start, a, 4);
			memcpy(ts[i].end, a, 4);
		}
	}
	pl_ts_build(b, which & 1 ? PL_TSR : PL_TSI, ts, n);
}

static void tpl_id(struct fz *f, struct ike_msgb *b, int side)
{
	const struct conf_conn *cfg = cfg_of(f, side);
	uint8_t which = fz_u8(f), mode = fz_u8(f), data[40];
	uint8_t type = which & 1 ? PL_IDR : PL_IDI;

	if (mode < 2) {
		const struct conf_id *id = mode ? &cfg->rightid : &cfg->leftid;
		pl_data_build(b, type, (uint16_t)id->type, id->data, id->len);
		return;
	}
	uint8_t kind = fz_u8(f);
	size_t len = fz_u8(f) % 40;
	fz_fill(data, len, kind);
	pl_data_build(b, type, kind, data, len);
}

static void tpl_raw(struct fz *f, struct ike_msgb *b, uint8_t type, uint8_t flags, size_t len)
{
	uint8_t body[80];
	size_t off = ike_msgb_pl_begin(b, type);

	if (off + 1 < b->cur->len)
		b->cur->p[off + 1] = flags;
	fz_fill(body, len, (uint8_t)(type ^ len));
	wbuf_bytes(b->cur, body, len);
	ike_msgb_pl_end(b, off);
}

void fz_template(struct fz *f, struct ike_msgb *b, int side, bool init_request)
{
	static struct pool pool;

	switch (fz_u8(f) % TPL_COUNT) {
	case TPL_NOTIFY:
		pool_fill(&f->net, &pool);
		tpl_notify(f, b, side, &pool);
		break;
	case TPL_DELETE:
		pool_fill(&f->net, &pool);
		tpl_delete(f, b, &pool);
		break;
	case TPL_NONCE: tpl_nonce(f, b, init_request); break;
	case TPL_KE: tpl_ke(f, b, side); break;
	case TPL_SA: tpl_sa(f, b, side); break;
	case TPL_TS: tpl_ts(f, b); break;
	case TPL_ID: tpl_id(f, b, side); break;
	case TPL_AUTH: {
		uint8_t method = fz_u8(f);
		uint8_t len = fz_u8(f) % 80;
		uint8_t data[80];
		fz_fill(data, len, method);
		pl_data_build(b, PL_AUTH, method, data, len);
		break;
	}
	default: {
		uint8_t type = fz_u8(f), flags = fz_u8(f);
		tpl_raw(f, b, type, flags, fz_u8(f) % 64);
	}
	}
}

int fz_seal(const struct ike_hdr *h, uint8_t first, const uint8_t *plain, size_t len,
	    const struct ike_crypt_keys *k, uint8_t *out, size_t cap)
{
	static uint8_t inner[IKE_MAX_MSG];
	struct ike_msgb b;

	if (len + 64 > sizeof(inner))
		return -1;
	ike_msgb_init(&b, out, cap, inner, sizeof(inner), h);
	ike_msgb_begin_encrypted(&b);
	wbuf_bytes(&b.inner, plain, len);
	b.first_inner = first;
	return ike_crypt_seal(&b, k);
}

/* ---- OP_INJECT ---- */

static uint32_t msgid_for(struct fz *f, const struct ike_sa *sa, bool response, unsigned mode)
{
	uint32_t raw = mode == MSGID_RAW ? fz_u32(f) : 0;
	const struct ike_sa *r = NULL;

	/* the peer's copy of the SA: in the other engine, with the same SPIs */
	for (int i = 0; i < 2; i++)
		if (&f->net.s[i].eng != sa->eng)
			r = fz_sa_of(&f->net.s[i], sa->spii, sa->spir);
	uint32_t own = response ? sa->peer_msgid - 1 : sa->next_msgid;
	uint32_t expected = r ? (response ? r->next_msgid : r->peer_msgid) : own;
	switch (mode) {
	case MSGID_EXPECTED: return expected;
	case MSGID_PREV: return expected - 1;
	case MSGID_NEXT: return expected + 1;
	case MSGID_SENDER: return own;
	case MSGID_ZERO: return 0;
	}
	return raw;
}

void fz_inject(struct fz *f)
{
	static const uint8_t exchanges[4] = { IKE_AUTH, CREATE_CHILD_SA, INFORMATIONAL, IKE_SA_INIT };
	static uint8_t out[IKE_MAX_MSG], inner[16384], scratch[64];
	int side = fz_u8(f) & 1;
	struct ike_sa *sa = fz_sa_nth(&f->net.s[side], fz_u8(f));
	uint8_t x = fz_u8(f), flags = fz_u8(f), mode = fz_u8(f) % MSGID_COUNT;
	struct ike_hdr h = { .exchange = x < 4 ? exchanges[x] : x };
	uint32_t msgid = sa ? msgid_for(f, sa, flags & FLAG_RESPONSE, mode)
			    : (mode == MSGID_RAW ? fz_u32(f) : 0);
	unsigned count = fz_u8(f) % 8;
	struct ike_msgb b;

	/* the payloads, in a buffer of their own: the header comes with the SA */
	ike_msgb_init(&b, scratch, sizeof(scratch), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	for (unsigned i = 0; i < count; i++)
		fz_template(f, &b, side, false);
	if (!sa || b.inner.err)
		return;
	struct ike_crypt_keys k;
	ike_sa_keys_out(sa, &k);
	h.spii = sa->spii;
	h.spir = sa->spir;
	h.msgid = msgid;
	h.flags = (uint8_t)(((sa->initiator != !!(flags & FLAG_FLIP_I)) ? IKE_FLAG_I : 0) |
			    (flags & FLAG_RESPONSE ? IKE_FLAG_R : 0) | (flags & FLAG_V ? IKE_FLAG_V : 0));
	int len = fz_seal(&h, b.first_inner, b.inner.p, b.inner.len, &k, out, sizeof(out));
	if (len < 0)
		return;
	net_inject(&f->net, side, sa->natt, out, (size_t)len);
	if (flags & FLAG_NOW)
		net_step(&f->net, f->net.nq - 1, V_PASS);
}

/* ---- OP_INJECT_INIT ---- */

/* The other side's i-th SA (modulo) waiting for its IKE_SA_INIT response. */
static struct ike_sa *init_sent_nth(const struct side *s, uint8_t i)
{
	unsigned n = 0;

	for (struct ike_sa *sa = s->eng.sas; sa; sa = sa->next)
		n += sa->state == IKE_S_INIT_SENT;
	unsigned k = n ? i % n : 0;
	for (struct ike_sa *sa = s->eng.sas; n && sa; sa = sa->next)
		if (sa->state == IKE_S_INIT_SENT && k-- == 0)
			return sa;
	return NULL;
}

/* SPIi of a crafted request. */
static uint64_t init_spii(struct fz *f, int side, unsigned how)
{
	uint8_t b[8];

	switch (how) {
	case INIT_SPI_FRESH:
		fz_fill(b, 8, fz_u8(f));
		break;
	case INIT_SPI_REUSE: {
		uint8_t i = fz_u8(f);
		for (struct ike_sa *sa = f->net.s[side].eng.sas; sa; sa = sa->next)
			if (sa->initiator && i-- == 0)
				return sa->spii;
		return 0x1122334455667788ull;
	}
	case INIT_SPI_ZERO:
		return 0;
	default:
		take(f, b, 8);
	}
	return get_be64(b);
}

/* The usual payloads: SA, KE, Nonce, NAT detection (a response offers only
 * the first proposal, as an answer must). */
static void init_usual(struct fz *f, struct ike_msgb *b, int side, const struct ike_hdr *h,
		       bool request)
{
	const struct conf_conn *cfg = cfg_of(f, side);
	const struct side *s = &f->net.s[side], *peer = &f->net.s[!side];
	struct ike_proposal props[CONF_MAX_ALGS];
	static uint8_t pub[MAX_KE];
	size_t n = proposal_offer(cfg->ike, cfg->n_ike, PROTO_IKE, NULL, 0, true, props);

	pl_sa_build(b, props, request ? n : (n > 0));
	unsigned group = group_of(f, side, fz_u8(f));
	uint8_t mode = fz_u8(f);
	size_t len = ke_value(f, group, mode % KE_COUNT, mode, pub);
	pl_data_build(b, PL_KE, (uint16_t)group, pub, len);
	uint8_t nb[2] = { fz_u8(f), fz_u8(f) };
	uint8_t nonce[300];
	unsigned nlen = nonce_len(nb[0]);
	fz_fill(nonce, nlen, nb[1]);
	if (nlen)
		nonce[0] = nb[1];
	pl_data_build(b, PL_NONCE, 0, nonce, nlen);
	nat_build_notifies(b, h->spii, h->spir, &s->priv, &peer->pub, cfg->encapsulation);
}

void fz_inject_init(struct fz *f)
{
	static uint8_t out[16384];
	int side = fz_u8(f) & 1;
	uint8_t mode = fz_u8(f);
	bool response = mode & INIT_RESPONSE;
	struct ike_hdr h = { .exchange = IKE_SA_INIT };
	struct ike_msgb b;

	if (response) {
		struct ike_sa *t = init_sent_nth(&f->net.s[!side], fz_u8(f));
		uint8_t spir[8];
		fz_fill(spir, 8, mode);
		h.spii = t ? t->spii : 0;
		h.spir = get_be64(spir);
		h.flags = IKE_FLAG_R;
	} else {
		h.spii = init_spii(f, side, INIT_SPI(mode));
		h.flags = IKE_FLAG_I;
	}
	ike_msgb_init(&b, out, sizeof(out), NULL, 0, &h);
	if (mode & INIT_COOKIE) {
		uint8_t ck[64];
		size_t len = fz_u8(f) % 65;
		take(f, ck, len);
		pl_notify_build(&b, 0, NULL, 0, N_COOKIE, ck, len);
	}
	if (mode & INIT_TEMPLATES) {
		unsigned count = fz_u8(f) % 8;
		for (unsigned i = 0; i < count; i++)
			fz_template(f, &b, side, !response);
	} else {
		init_usual(f, &b, side, &h, !response);
	}
	int len = ike_msgb_finish_plain(&b);
	if (len > 0)
		net_inject(&f->net, side, mode & INIT_NATT, out, (size_t)len);
}

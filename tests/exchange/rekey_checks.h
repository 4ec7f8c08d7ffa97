/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the rekey scenarios (test_rekey.c, test_ike_rekey.c):
 * bring a tunnel up, snapshot its SAs, start rekeys the way the engine's
 * timers do (want_* and ike_exchange_run_queue), and check the result. */
#ifndef MCVPN_TESTS_EXCHANGE_REKEY_CHECKS_H
#define MCVPN_TESTS_EXCHANGE_REKEY_CHECKS_H

#include <stdio.h>
#include <string.h>

#include "harness.h"

static const struct side_opts a_pfs = { .autostart = "start" };	/* phase2alg ...;modp1536 */
static const struct side_opts b_pfs = { .autostart = "add" };
static const struct side_opts a_nopfs = { .autostart = "start", .esp = "aes_gcm256" };
static const struct side_opts b_nopfs = { .autostart = "add", .esp = "aes_gcm256" };

static const char *const side_name[2] = { "A", "B" };

/* ---- helpers ---- */

static inline struct ike_sa *ike_of(struct net *n, int side)
{
	return n->s[side].conn.ike;
}

static inline unsigned n_children(const struct ike_sa *sa)
{
	unsigned k = 0;
	for (const struct child_sa *c = sa ? sa->children : NULL; c; c = c->next)
		k++;
	return k;
}

/* Establish A -> B (the harness's one fixture). */
static inline bool bring_up(struct net *n, const struct side_opts *a, const struct side_opts *b)
{
	return net_up(n, a, b);
}

/* What the engines hold now, to compare with after a rekey. */
struct snap {
	uint32_t in[2], out[2];		/* per side */
	uint8_t key_in[2][128];
	size_t key_in_len[2];
	uint64_t spii, spir;		/* the IKE SA */
	uint8_t sk_d[2][128];
	size_t sk_d_len[2];
	unsigned io[2];			/* n_io */
};

static inline void snap_take(struct net *n, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < 2; i++) {
		const struct ike_sa *sa = ike_of(n, i);
		s->io[i] = n->s[i].n_io;
		if (!sa)
			continue;
		s->spii = sa->spii;
		s->spir = sa->spir;
		if (sa->keys.sk_d && sa->keys.sk_d->len <= sizeof(s->sk_d[i])) {
			memcpy(s->sk_d[i], sa->keys.sk_d->buf, sa->keys.sk_d->len);
			s->sk_d_len[i] = sa->keys.sk_d->len;
		}
		if (!sa->child)
			continue;
		s->in[i] = sa->child->spi_in;
		s->out[i] = sa->child->spi_out;
		if (sa->child->key_in && sa->child->key_in->len <= sizeof(s->key_in[i])) {
			memcpy(s->key_in[i], sa->child->key_in->buf, sa->child->key_in->len);
			s->key_in_len[i] = sa->child->key_in->len;
		}
	}
}

/* As mcvpnctl rekey asks it (the lifetime timers start the same work). */
static inline void start_child_rekey(struct net *n, int side)
{
	ike_engine_request_rekey(&n->s[side].eng, &n->s[side].conn, IKE_REKEY_CHILD);
}

static inline void start_ike_rekey(struct net *n, int side)
{
	ike_engine_request_rekey(&n->s[side].eng, &n->s[side].conn, IKE_REKEY_IKE);
}

/* One io call came before another (across sides): gseq order. */
#define CHECK_BEFORE(first, then, what) do { \
	const struct io_rec *f_ = (first), *t_ = (then); \
	bool ok_ = f_ && t_ && f_->gseq < t_->gseq; \
	check_report(ok_, __FILE__, __LINE__, what); \
	if (!ok_) \
		fprintf(stderr, "  expected %s (%s) before %s (%s); got data plane call #%u vs #%u\n", \
			#first, f_ ? "seen" : "never seen", #then, t_ ? "seen" : "never seen", \
			f_ ? f_->gseq : 0, t_ ? t_->gseq : 0); \
} while (0)

static inline void check_no_blackhole(const struct net *n)
{
	if (n->blackholes)
		fprintf(stderr, "  make-before-break broken %u time(s); first: %s\n", n->blackholes,
			n->blackhole);
	CHECK_INT(n->blackholes, 0);
}

/* After any kind of Child SA rekey: one pair, new SPIs and keys, the old ones
 * gone from both data planes (child_down seen), nothing else left behind. */
static inline void check_rekeyed(struct net *n, const struct snap *old)
{
	if (!check_one_tunnel(n))
		return;
	for (int i = 0; i < 2; i++) {
		const struct side *s = &n->s[i];
		const struct child_sa *c = ike_of(n, i)->child;
		CHECK_INT(n_children(ike_of(n, i)), 1);
		CHECK(c->spi_in != old->in[i] && c->spi_in != old->in[!i]);
		CHECK(c->spi_out != old->out[i] && c->spi_out != old->out[!i]);
		if (c->key_in->len == old->key_in_len[i] &&
		    memcmp(c->key_in->buf, old->key_in[i], old->key_in_len[i]) == 0)
			fprintf(stderr, "  side %s: the new inbound key is the old one\n", s->name);
		CHECK(c->key_in->len != old->key_in_len[i] ||
		      memcmp(c->key_in->buf, old->key_in[i], old->key_in_len[i]) != 0);
		CHECK(!side_installed(s, old->in[i]));
		CHECK(side_io_find(s, IO_DOWN, old->in[i], 0) != NULL);
		CHECK_INT(s->n_up - s->n_down, 1);
		CHECK_INT(s->n_conn_down, 0);
		CHECK(!c->out_standby);
	}
}


static inline enum verdict hold_ccs_responses(struct net *n, struct pkt *p, void *arg)
{
	return p->hdr.exchange == CREATE_CHILD_SA && (p->hdr.flags & IKE_FLAG_R) ? V_HOLD : V_PASS;
}

/* Holds the other side's CREATE_CHILD_SA request until released. */

struct drop_first {
	uint8_t exchange;
	bool response;
	unsigned dropped;
};

static inline enum verdict drop_first_one(struct net *n, struct pkt *p, void *arg)
{
	struct drop_first *d = arg;
	bool resp = p->hdr.flags & IKE_FLAG_R;

	if (p->hdr.exchange == d->exchange && resp == d->response && !d->dropped) {
		d->dropped++;
		return V_DROP;
	}
	return V_PASS;
}

/* Identical bytes: a retransmission, or an answer from the cache. */
static inline bool same_bytes(const struct pkt *x, const struct pkt *y)
{
	return x && y && x->len == y->len && memcmp(x->buf, y->buf, x->len) == 0;
}


#endif

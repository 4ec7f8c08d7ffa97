/* SPDX-License-Identifier: Apache-2.0 */
/* The responder's side of COOKIEs (RFC 7296 2.6): with as many half-open IKE
 * SAs as its threshold (0 here: always), B answers an IKE_SA_INIT request
 * that has no valid COOKIE with N(COOKIE) alone, creating no SA and doing no
 * DH, and goes on with the request that echoes it.  A wrong cookie (or one
 * moved to another SPI or nonce) gets a new COOKIE; below the threshold none
 * is asked for and a wrong one is ignored; a flood of requests from the
 * peer's address leaves B with threshold-many half-open SAs and the real
 * initiator still gets through. */
#include <stdio.h>
#include <string.h>

#include "daemon/ike/cookie.h"
#include "daemon/base/log.h"
#include "harness.h"

static const struct side_opts waits = { .autostart = "add" };

/* A parsed copy of a traced message (the ike_msg borrows from p->buf). */
static bool parse(const struct pkt *p, struct ike_msg *m)
{
	return p && ike_msg_parse_header(p->buf, p->len, m) == IKE_OK &&
	       ike_msg_parse_payloads(m) == IKE_OK;
}

/* HDR(SPIi, 0), N(COOKIE) and nothing else (RFC 7296 2.6); the cookie is ours. */
static bool check_cookie_only(const struct pkt *p, uint64_t spii)
{
	static struct ike_msg m;

	CHECK(parse(p, &m));
	if (!parse(p, &m))
		return false;
	CHECK_INT(m.hdr.exchange, IKE_SA_INIT);
	CHECK_INT(m.hdr.flags, IKE_FLAG_R);
	CHECK_INT(m.hdr.msgid, 0);
	CHECK(m.hdr.spii == spii);
	CHECK(m.hdr.spir == 0);
	CHECK(m.outer == PL_BIT(PL_NOTIFY));
	CHECK_INT(m.n_notify, 1);
	CHECK_INT(m.notify[0].type, N_COOKIE);
	CHECK_INT(m.notify[0].len, IKE_COOKIE_LEN);
	return m.outer == PL_BIT(PL_NOTIFY) && m.n_notify == 1 && m.notify[0].type == N_COOKIE;
}

/* The COOKIE data of a traced message, or NULL. */
static const uint8_t *cookie_of(const struct pkt *p, size_t *len)
{
	static struct ike_msg m;
	const struct pl_notify *nt = parse(p, &m) ? ike_msg_notify(&m, N_COOKIE) : NULL;

	*len = nt ? nt->len : 0;
	return nt ? nt->data : NULL;
}

/* Offset of the first COOKIE notify's data in an IKE_SA_INIT request, 0 none. */
static size_t cookie_off(const uint8_t *buf, size_t len)
{
	static struct ike_msg m;
	if (ike_msg_parse_header(buf, len, &m) || ike_msg_parse_payloads(&m))
		return 0;
	const struct pl_notify *nt = ike_msg_notify(&m, N_COOKIE);
	return nt && nt->len ? (size_t)(nt->data - buf) : 0;
}

static bool is_init_request(const struct pkt *p)
{
	return p->from == SIDE_A && p->hdr.exchange == IKE_SA_INIT && !(p->hdr.flags & IKE_FLAG_R);
}

/* No log line about COOKIEs above debug (a flood must not flood the log). */
static void check_no_cookie_info(void)
{
	char *t = logcap_text();
	unsigned loud = 0;

	for (char *line = t ? strtok(t, "\n") : NULL; line; line = strtok(NULL, "\n"))
		if (strstr(line, "COOKIE") && !strstr(line, " debug: ")) {
			if (!loud)
				fprintf(stderr, "  logged above debug: %s\n", line);
			loud++;
		}
	CHECK_INT(loud, 0);
	free(t);
}

/* What B looked like when each of A's IKE_SA_INIT requests reached it. */
struct seen {
	unsigned n;
	unsigned b_live[16];		/* live IKE SAs */
	unsigned b_serial[16];		/* next_serial: 1 means none was ever made */
	bool tamper;			/* flip the last byte of every COOKIE A sends */
	unsigned tampered;
};

static enum verdict watch_init(struct net *n, struct pkt *p, void *arg)
{
	struct seen *s = arg;
	size_t off;

	if (!is_init_request(p))
		return V_PASS;
	if (s->n < 16) {
		s->b_live[s->n] = side_n_live(&n->s[SIDE_B]);
		s->b_serial[s->n] = n->s[SIDE_B].eng.next_serial;
	}
	s->n++;
	if (s->tamper && (off = cookie_off(p->buf, p->len))) {
		p->buf[off + IKE_COOKIE_LEN - 1] ^= 0x01;
		s->tampered++;
	}
	return V_PASS;
}

/* Threshold 0: the first request gets N(COOKIE) alone and leaves nothing on
 * B; A repeats it with the cookie first and the rest unchanged; the tunnel
 * comes up on the second. */
static void cookie_demanded(void)
{
	static struct ike_msg m1, m2;
	struct seen s = { 0 };
	struct net n;
	size_t clen = 0;

	scenario_begin("COOKIE demanded and echoed (threshold 0)");
	CHECK_INT(net_init(&n, NULL, &waits), 0);
	CHECK_INT(n.s[SIDE_B].eng.cookie_threshold, IKE_COOKIE_THRESHOLD);
	n.s[SIDE_B].eng.cookie_threshold = 0;
	n.hook = watch_init;
	n.hook_arg = &s;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	net_advance(&n, 3000);
	check_net_sane(&n);
	CHECK_INT(net_count(&n, SIDE_A, IKE_SA_INIT, 0), 2);
	CHECK_INT(net_count(&n, SIDE_B, IKE_SA_INIT, 1), 2);
	CHECK_INT(s.n, 2);
	/* when the retry arrived, B had made no SA at all for the first request */
	CHECK_INT(s.b_live[1], 0);
	CHECK_INT(s.b_serial[1], 1);
	const struct pkt *q1 = net_find(&n, SIDE_A, IKE_SA_INIT, 0, 0);
	const struct pkt *r1 = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 0);
	const struct pkt *q2 = net_find(&n, SIDE_A, IKE_SA_INIT, 0, 1);
	const struct pkt *r2 = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 1);
	if (!q1 || !r1 || !q2 || !r2 || !parse(q1, &m1) || !parse(q2, &m2)) {
		CHECK(!"four IKE_SA_INIT messages that parse");
		goto out;
	}
	check_cookie_only(r1, q1->hdr.spii);
	CHECK(r1->dst.ss_family == q1->src.ss_family && !r1->natt);	/* back on port 500 */
	const uint8_t *ck = cookie_of(r1, &clen);
	const struct pl_notify *echo = ike_msg_notify(&m2, N_COOKIE);
	CHECK_INT(m1.n_notify > 0 && m1.notify[0].type == N_COOKIE, 0);
	CHECK_INT(m2.hdr.next, PL_NOTIFY);	/* the echo is the first payload */
	CHECK(echo && ck && echo->len == clen && memcmp(echo->data, ck, clen) == 0);
	CHECK(q2->hdr.spii == q1->hdr.spii);
	/* the second response is a real one */
	CHECK(r2->view.outer & PL_BIT(PL_SA));
	CHECK(r2->view.outer & PL_BIT(PL_KE));
	CHECK(r2->hdr.spir != 0);
	CHECK_INT(n.s[SIDE_B].eng.cookies_sent, 1);
	if (check_one_tunnel(&n))
		CHECK_INT(ike_sa_count_halfopen(&n.s[SIDE_B].eng), 0);
	CHECK_INT(n.s[SIDE_B].eng.next_serial, 3);	/* one IKE SA, one Child SA */
	CHECK_INT(n.s[SIDE_A].n_conn_down, 0);
	CHECK_LOG("with a COOKIE");
	check_no_cookie_info();
out:
	net_free(&n);
	scenario_end(true);
}

/* Threshold 0 and every cookie A echoes is wrong (its last byte flipped on the
 * way): each request, retries and retransmissions alike, gets a new N(COOKIE)
 * alone and B never creates an SA.  A gives up after its restarts and
 * retransmissions. */
static void cookie_wrong(void)
{
	struct seen s = { .tamper = true };
	struct net n;

	scenario_begin("wrong COOKIE answered with a new COOKIE");
	CHECK_INT(net_init(&n, NULL, &waits), 0);
	n.s[SIDE_B].eng.cookie_threshold = 0;
	n.hook = watch_init;
	n.hook_arg = &s;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	for (int i = 0; i < 7 && side_n_live(&n.s[SIDE_A]); i++)
		net_advance(&n, 10000);
	check_net_sane(&n);
	unsigned reqs = net_count(&n, SIDE_A, IKE_SA_INIT, 0);
	CHECK(reqs >= 4);		/* the first, then three restarts at least */
	CHECK_INT(s.tampered, reqs - 1);
	CHECK_INT(net_count(&n, SIDE_B, IKE_SA_INIT, 1), reqs);
	CHECK_INT(n.s[SIDE_B].eng.cookies_sent, reqs);
	for (unsigned i = 0; i < reqs; i++) {
		const struct pkt *r = net_find(&n, SIDE_B, IKE_SA_INIT, 1, i);
		CHECK(r != NULL);
		if (r && !check_cookie_only(r, r->hdr.spii))
			fprintf(stderr, "  response %u is not N(COOKIE) alone\n", i + 1);
	}
	/* nothing ever made on B */
	CHECK_INT(n.s[SIDE_B].eng.next_serial, 1);
	CHECK_INT(side_n_live(&n.s[SIDE_B]), 0);
	CHECK_INT(net_count(&n, -1, IKE_AUTH, -1), 0);
	CHECK_INT(side_n_live(&n.s[SIDE_A]), 0);
	CHECK_INT(n.s[SIDE_A].n_conn_down, 1);
	check_nothing_installed(&n);
	CHECK_LOG("(its COOKIE is invalid)");
	check_no_cookie_info();
	net_free(&n);
	scenario_end(true);
}

/* A request saved out of the trace (which moves when it grows). */
struct saved {
	uint8_t buf[2048];
	size_t len;
	uint64_t spii;
};

static bool save(const struct pkt *p, struct saved *sv)
{
	sv->len = 0;
	CHECK(p && p->len <= sizeof(sv->buf));
	if (!p || p->len > sizeof(sv->buf))
		return false;
	memcpy(sv->buf, p->buf, p->len);
	sv->len = p->len;
	sv->spii = p->hdr.spii;
	return true;
}

/* A copy of a saved request with SPIi set to spii and, when nonce_flip, one
 * Nonce byte changed, queued as if A had sent it. */
static void inject_copy(struct net *n, const struct saved *sv, uint64_t spii, bool nonce_flip)
{
	static struct ike_msg m;
	uint8_t buf[sizeof(sv->buf)];

	if (!sv->len)
		return;
	memcpy(buf, sv->buf, sv->len);
	for (int i = 0; i < 8; i++)
		buf[i] = (uint8_t)(spii >> (56 - 8 * i));
	if (nonce_flip && ike_msg_parse_header(buf, sv->len, &m) == IKE_OK &&
	    ike_msg_parse_payloads(&m) == IKE_OK)
		buf[m.nonce.data - buf] ^= 0x01;
	net_inject(n, SIDE_A, false, buf, sv->len);
}

struct bound_state {
	unsigned k;			/* A's IKE_SA_INIT requests seen */
	bool mute_b;			/* drop B's IKE_SA_INIT responses */
};

/* Holds A's second IKE_SA_INIT request (the one with the cookie) once; while
 * mute_b, A does not hear the COOKIEs that the tampered copies earn (one of
 * them carries A's SPI and would restart A's exchange). */
static enum verdict bound_hook(struct net *n, struct pkt *p, void *arg)
{
	struct bound_state *b = arg;

	if (p->from == SIDE_B && p->hdr.exchange == IKE_SA_INIT)
		return b->mute_b ? V_DROP : V_PASS;
	if (!is_init_request(p) || p->hdr.spii == 0x1111111111111111ULL)
		return V_PASS;
	return ++b->k == 2 ? V_HOLD : V_PASS;
}

/* A valid cookie is good only with the SPIi and Nonce it was made for: the
 * echoing request moved to another SPI, or with another nonce, gets a new
 * COOKIE and makes no SA; the original still goes through. */
static void cookie_bound(void)
{
	struct bound_state bs = { 0 };
	struct net n;

	scenario_begin("COOKIE bound to SPIi and Nonce");
	CHECK_INT(net_init(&n, NULL, &waits), 0);
	n.s[SIDE_B].eng.cookie_threshold = 0;
	n.hook = bound_hook;
	n.hook_arg = &bs;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	CHECK_INT(n.nheld, 1);
	struct saved q2;
	if (save(net_find(&n, SIDE_A, IKE_SA_INIT, 0, 1), &q2))
		CHECK(cookie_off(q2.buf, q2.len) != 0);
	bs.mute_b = true;
	inject_copy(&n, &q2, 0x1111111111111111ULL, false);
	inject_copy(&n, &q2, q2.spii, true);
	net_run(&n);
	CHECK_INT(n.s[SIDE_B].eng.cookies_sent, 3);
	CHECK_INT(side_n_live(&n.s[SIDE_B]), 0);
	CHECK_INT(n.s[SIDE_B].eng.next_serial, 1);
	const struct pkt *r2 = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 1);
	const struct pkt *r3 = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 2);
	CHECK(r2 && r3);
	if (r2)
		check_cookie_only(r2, 0x1111111111111111ULL);
	if (r3)
		check_cookie_only(r3, q2.spii);
	/* now the held original, with its cookie */
	bs.mute_b = false;
	net_release(&n);
	net_run(&n);
	net_advance(&n, 3000);
	check_net_sane(&n);
	check_one_tunnel(&n);
	CHECK_INT(n.s[SIDE_B].eng.cookies_sent, 3);
	CHECK_INT(net_count(&n, SIDE_A, IKE_SA_INIT, 0), 4);	/* A's two, the two copies */
	net_free(&n);
	scenario_end(true);
}

/* Default threshold, nothing half-open: no cookie asked for; four messages. */
static void below_threshold(void)
{
	struct net n;

	scenario_begin("below the threshold: no COOKIE");
	CHECK_INT(net_init(&n, NULL, &waits), 0);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	check_net_sane(&n);
	check_one_tunnel(&n);
	CHECK_INT(n.ntrace, 4);
	CHECK_INT(net_count(&n, SIDE_A, IKE_SA_INIT, 0), 1);
	const struct pkt *r = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 0);
	CHECK(r && !view_has_notify(&r->view, N_COOKIE));
	CHECK_INT(n.s[SIDE_B].eng.cookies_sent, 0);
	net_free(&n);
	scenario_end(true);
}

/* B asks for a cookie, then is no longer under load when a request with a
 * wrong one arrives (A's echo moved to another SPI): RFC 7296 2.6, the cookie
 * is ignored and the request answered as if it had none.  (The request's own
 * bytes cannot be bent instead: IKE_AUTH signs them.)  A's real echo, held
 * back until then, brings the tunnel up; the other half-open SA times out. */
static void wrong_cookie_ignored_below(void)
{
	struct bound_state bs = { 0 };
	struct net n;
	struct saved q2;

	scenario_begin("below the threshold: a wrong COOKIE is ignored");
	CHECK_INT(net_init(&n, NULL, &waits), 0);
	struct ike_engine *b = &n.s[SIDE_B].eng;
	b->cookie_threshold = 0;
	n.hook = bound_hook;
	n.hook_arg = &bs;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	CHECK_INT(n.nheld, 1);
	CHECK_INT(b->cookies_sent, 1);
	save(net_find(&n, SIDE_A, IKE_SA_INIT, 0, 1), &q2);
	b->cookie_threshold = IKE_COOKIE_THRESHOLD;
	inject_copy(&n, &q2, 0x1111111111111111ULL, false);
	net_run(&n);
	CHECK_INT(b->cookies_sent, 1);
	const struct pkt *r = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 1);
	CHECK(r && r->hdr.spii == 0x1111111111111111ULL && r->hdr.spir != 0 &&
	      (r->view.outer & PL_BIT(PL_SA)) && !view_has_notify(&r->view, N_COOKIE));
	CHECK_INT(ike_sa_count_halfopen(b), 1);
	net_release(&n);
	net_run(&n);
	CHECK_INT(b->cookies_sent, 1);
	net_advance(&n, 31000);
	check_net_sane(&n);
	check_one_tunnel(&n);
	net_free(&n);
	scenario_end(true);
}

static enum verdict hold_auth_once(struct net *n, struct pkt *p, void *arg)
{
	bool *held = arg;
	if (*held || p->from != SIDE_A || p->hdr.exchange != IKE_AUTH)
		return V_PASS;
	*held = true;
	return V_HOLD;
}

/* Threshold 1: the half-open count is what decides.  With A's IKE_AUTH held
 * back, B has one half-open SA and a further request gets a COOKIE; once
 * IKE_AUTH completes it has none, and the next request gets a real answer
 * (and a half-open SA, which times out). */
static void threshold_counts_halfopen(void)
{
	bool held = false;
	struct net n;

	scenario_begin("threshold 1: half-open SAs counted");
	CHECK_INT(net_init(&n, NULL, &waits), 0);
	struct ike_engine *b = &n.s[SIDE_B].eng;
	b->cookie_threshold = 1;
	n.hook = hold_auth_once;
	n.hook_arg = &held;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	CHECK(held);
	CHECK_INT(ike_sa_count_halfopen(b), 1);
	CHECK_INT(b->cookies_sent, 0);
	struct saved q1;
	save(net_find(&n, SIDE_A, IKE_SA_INIT, 0, 0), &q1);
	inject_copy(&n, &q1, 0x1111111111111111ULL, false);
	net_run(&n);
	CHECK_INT(b->cookies_sent, 1);
	CHECK_INT(side_n_live(&n.s[SIDE_B]), 1);
	const struct pkt *r2 = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 1);
	if (r2)
		check_cookie_only(r2, 0x1111111111111111ULL);

	net_release(&n);
	net_run(&n);
	if (!check_one_tunnel(&n))
		goto out;
	CHECK_INT(ike_sa_count_halfopen(b), 0);
	inject_copy(&n, &q1, 0x2222222222222222ULL, false);
	net_run(&n);
	CHECK_INT(b->cookies_sent, 1);
	const struct pkt *r3 = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 2);
	CHECK(r3 && r3->hdr.spii == 0x2222222222222222ULL && (r3->view.outer & PL_BIT(PL_SA)));
	CHECK_INT(ike_sa_count_halfopen(b), 1);
	net_advance(&n, 31000);	/* the half-open timeout */
	CHECK_INT(ike_sa_count_halfopen(b), 0);
	check_net_sane(&n);
	check_one_tunnel(&n);
out:
	net_free(&n);
	scenario_end(true);
}

static enum verdict hold_first_init(struct net *n, struct pkt *p, void *arg)
{
	bool *held = arg;
	if (*held || !is_init_request(p))
		return V_PASS;
	*held = true;
	return V_HOLD;
}

#define FLOOD 100

/* A flood of IKE_SA_INIT requests from the peer's address (other SPIs, as a
 * spoofer would send them): B keeps as many half-open SAs as the lower of its
 * thresholds (per peer address: IKE_COOKIE_THRESHOLD_PEER by default; with
 * that one out of the way, the total IKE_COOKIE_THRESHOLD) and answers the
 * rest with COOKIEs, logging none of them above debug; A's real request, held
 * back until then, gets a COOKIE too and comes up with it.  The flood's SAs
 * time out. */
static void flood(bool per_peer)
{
	unsigned keep = per_peer ? IKE_COOKIE_THRESHOLD_PEER : IKE_COOKIE_THRESHOLD;
	bool held = false;
	struct net n;

	scenario_begin(per_peer ? "flood of IKE_SA_INIT requests: the per-peer threshold" :
				  "flood of IKE_SA_INIT requests: the total threshold");
	CHECK_INT(net_init(&n, NULL, &waits), 0);
	struct ike_engine *b = &n.s[SIDE_B].eng;
	if (!per_peer)
		b->cookie_threshold_peer = b->halfopen_max_peer = FLOOD;
	n.hook = hold_first_init;
	n.hook_arg = &held;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	CHECK(held);
	static struct saved q1;
	save(net_find(&n, SIDE_A, IKE_SA_INIT, 0, 0), &q1);
	for (uint64_t i = 0; i < FLOOD; i++)
		inject_copy(&n, &q1, 0xf100d00000000000ULL + i, false);
	net_run(&n);
	CHECK_INT(ike_sa_count_halfopen(b), keep);
	CHECK_INT(side_n_live(&n.s[SIDE_B]), keep);
	CHECK_INT(b->cookies_sent, FLOOD - keep);
	check_no_cookie_info();

	net_release(&n);
	net_run(&n);
	CHECK_INT(b->cookies_sent, FLOOD - keep + 1);
	const struct ike_sa *a = n.s[SIDE_A].conn.ike;
	CHECK(a && a->state == IKE_S_ESTABLISHED);
	CHECK(n.s[SIDE_B].conn.ike && n.s[SIDE_B].conn.ike->state == IKE_S_ESTABLISHED);
	CHECK_INT(ike_sa_count_halfopen(b), keep);
	net_advance(&n, 31000);
	CHECK_INT(ike_sa_count_halfopen(b), 0);
	check_net_sane(&n);
	check_one_tunnel(&n);
	net_free(&n);
	scenario_end(true);
}

int main(void)
{
	if (!net_test_start())
		return 1;
	cookie_demanded();
	cookie_wrong();
	cookie_bound();
	below_threshold();
	wrong_cookie_ignored_below();
	threshold_counts_halfopen();
	flood(true);
	flood(false);
	return check_summary("exchange-cookie");
}

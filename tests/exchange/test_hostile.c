/* SPDX-License-Identifier: Apache-2.0 */
/* What an outsider, or a peer that lies, can send, and what the engine must
 * do with it:
 *  - nonces of any length the RFC allows (16..256 bytes) in every exchange:
 *    from an unauthenticated IKE_SA_INIT request (the half-open SA holds it
 *    until its timeout frees it) to both rekeys in both roles;
 *  - a response must answer the request in its own exchange type: an
 *    INFORMATIONAL "answer" to IKE_AUTH is ignored, and the initiator gives
 *    up and starts over instead of waiting for ever;
 *  - only IKE_AUTH may follow IKE_SA_INIT: INFORMATIONAL (a DELETE) and
 *    CREATE_CHILD_SA on a half-open SA are ignored;
 *  - every state but established has a deadline, even when the timers that
 *    normally end it are gone. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "craft.h"
#include "daemon/ike/cookie.h"
#include "daemon/base/log.h"
#include "daemon/base/sockaddr.h"
#include "harness.h"
#include "rekey_checks.h"
#include "daemon/base/bytes.h"

static const struct side_opts waits = { .autostart = "add" };
static const struct side_opts starts = { .autostart = "start" };

/* ---- nonces ---- */

/* An IKE_SA_INIT request from the peer's address with a 256-byte nonce: B
 * keeps all of it in its half-open SA and frees the SA at the timeout. */
static void long_nonce_halfopen(void)
{
	uint8_t buf[2048];
	struct net n;

	scenario_begin("IKE_SA_INIT request with a 256-byte nonce, then the half-open timeout");
	CHECK_INT(net_init(&n, &waits, &waits), 0);
	int len = craft_init_request(&n.s[SIDE_A], &(struct craft_init){ .nonce_len = 256 }, buf,
				     sizeof(buf));
	CHECK(len > 0);
	net_inject(&n, SIDE_A, false, buf, (size_t)len);
	net_run(&n);
	CHECK_INT(side_n_live(&n.s[SIDE_B]), 1);
	struct ike_sa *sb = side_live(&n.s[SIDE_B], 0);
	if (sb) {
		CHECK_STR(ike_state_name(sb->state), ike_state_name(IKE_S_INIT_DONE));
		CHECK_INT(sb->nilen, 256);
		CHECK_INT(sb->ni[0], 0xa0);
		CHECK_INT(sb->ni[255], (uint8_t)(0xa0 + 255));
		CHECK(sb->init_req != NULL && sb->init_resp != NULL);
	}
	CHECK_INT(net_count(&n, SIDE_B, IKE_SA_INIT, 1), 1);
	net_advance(&n, (IKE_HALFOPEN_TIMEOUT_S + 1) * 1000);
	CHECK_INT(side_n_live(&n.s[SIDE_B]), 0);
	CHECK_LOG("IKE SA down (no IKE_AUTH from the initiator)");
	net_free(&n);
	scenario_end(true);
}

/* Every nonce one side sends is len bytes long: the initial exchange, both
 * rekeys started by either side; the tunnel is whole after each step.  The
 * messages go whole (a 256-byte nonce and a MODP KE outgrow a 576-byte
 * packet), so that the trace decodes each one's nonce; test_frag.c covers
 * fragments. */
static const struct side_opts a_pfs_whole = { .autostart = "start", .extra = "fragmentation=no" };
static const struct side_opts b_pfs_whole = { .autostart = "add", .extra = "fragmentation=no" };

static void nonces_everywhere(int longer, size_t len)
{
	char name[128];
	struct net n;
	struct snap old;

	snprintf(name, sizeof(name), "%s sends %zu-byte nonces in every exchange, both roles",
		 side_name[longer], len);
	scenario_begin(name);
	CHECK_INT(net_init(&n, &a_pfs_whole, &b_pfs_whole), 0);
	n.s[longer].eng.nonce_len = (unsigned)len;	/* before the start: net_up won't do */
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	if (!check_one_tunnel(&n))
		goto out;
	const struct pkt *p = net_find(&n, longer, IKE_SA_INIT, longer == SIDE_B, 0);
	CHECK_INT(p ? p->view.nonce_len : 0, len);
	for (int step = 0; step < 4; step++) {
		int by = step % 2;
		snap_take(&n, &old);
		unsigned before = net_count(&n, longer, CREATE_CHILD_SA, -1);
		if (step < 2)
			start_child_rekey(&n, by);
		else
			start_ike_rekey(&n, by);
		net_run(&n);
		if (!check_one_tunnel(&n))
			goto out;
		if (step < 2)
			check_rekeyed(&n, &old);
		else
			CHECK(ike_of(&n, SIDE_A)->spii != old.spii);
		const struct pkt *q = net_find(&n, longer, CREATE_CHILD_SA, -1, before);
		CHECK_INT(q ? q->view.nonce_len : 0, len);
	}
	for (int i = 0; i < 2; i++)
		CHECK_INT(n.s[i].n_conn_down, 0);
out:
	check_net_sane(&n);
	net_free(&n);
	scenario_end(true);
}

/* The same with the longer side as the responder of the first exchange. */
static void nonces_responder_gets_long(void)
{
	struct net n;

	scenario_begin("a 256-byte Ni in IKE_SA_INIT and IKE_AUTH (key derivation, AUTH)");
	CHECK_INT(net_init(&n, &waits, &a_pfs), 0);
	n.s[SIDE_B].eng.nonce_len = IKE_NONCE_MAX;
	CHECK_INT(net_initiate(&n, SIDE_B), 0);
	net_run(&n);
	check_one_tunnel(&n);
	check_net_sane(&n);
	net_free(&n);
	scenario_end(true);
}

/* ---- what a flood of IKE_SA_INIT requests may cost ---- */

#define FLOOD 60

/* Requests from the peer's address whose KE is the right length but not a
 * public value of MODP 1536 (0, 1, above p; the unit test of dh_check_peer
 * has p - 1 and p): none makes an SA or a key of ours
 * (no DH), each counts toward the COOKIE threshold though no SA is left, so
 * the flood ends in COOKIEs; the log says so at most LOG_LIMIT_BURST times. */
static void bad_ke_flood(void)
{
	uint8_t ke[3][192], buf[2048];
	struct net n;

	scenario_begin("a flood of IKE_SA_INIT requests with invalid KE values");
	memset(ke, 0, sizeof(ke));
	ke[1][191] = 1;
	memset(ke[2], 0xff, sizeof(ke[2]));
	CHECK_INT(net_init(&n, &waits, &waits), 0);
	struct ike_engine *b = &n.s[SIDE_B].eng;
	unsigned serial = b->next_serial;
	for (unsigned i = 0; i < FLOOD; i++) {
		struct craft_init c = { .spii = 0xbad0000000000000ull + i, .ke = ke[i % 3],
					.ke_len = sizeof(ke[0]) };
		int len = craft_init_request(&n.s[SIDE_A], &c, buf, sizeof(buf));
		net_inject(&n, SIDE_A, false, buf, (size_t)len);
		net_run(&n);
	}
	CHECK_INT(b->next_serial, serial);	/* no SA, so no key of ours, no DH */
	CHECK_INT(side_n_live(&n.s[SIDE_B]), 0);
	CHECK_INT(b->cookies_sent, FLOOD - IKE_COOKIE_THRESHOLD);
	CHECK_INT(net_count(&n, SIDE_B, IKE_SA_INIT, 1), FLOOD - IKE_COOKIE_THRESHOLD);
	unsigned lines = log_count("invalid MODP_1536 public value");
	CHECK(lines >= 1 && lines <= LOG_LIMIT_BURST);
	/* the failures fade out: a while later the peer gets in without a cookie */
	net_advance(&n, 2 * IKE_HALFOPEN_TIMEOUT_S * 1000);
	CHECK_INT(ike_admit_load(b), 0);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	check_one_tunnel(&n);
	CHECK_INT(b->cookies_sent, FLOOD - IKE_COOKIE_THRESHOLD);
	net_free(&n);
	scenario_end(true);
}

/* Someone who receives the cookies (on the path) floods with valid ones: the
 * caps hold, per peer address and in all, and are logged within the limit. */
static void halfopen_caps(bool per_peer)
{
	uint8_t buf[2048], ck[IKE_COOKIE_LEN];
	struct net n;

	scenario_begin(per_peer ? "half-open cap per peer address, with valid COOKIEs" :
				  "half-open cap in all, with valid COOKIEs");
	CHECK_INT(net_init(&n, &waits, &waits), 0);
	struct ike_engine *b = &n.s[SIDE_B].eng;
	b->cookie_threshold = 0;		/* cookies always */
	unsigned cap = per_peer ? IKE_HALFOPEN_MAX_PEER : 15;
	if (!per_peer) {
		b->halfopen_max = cap;
		b->halfopen_max_peer = 1000;
	}
	for (unsigned i = 0; i < FLOOD; i++) {
		struct craft_init c = { .spii = 0xc00c000000000000ull + i };
		int len = craft_init_request(&n.s[SIDE_A], &c, buf, sizeof(buf));
		struct ike_msg m;
		CHECK(len > 0 && ike_msg_parse_header(buf, (size_t)len, &m) == 0 &&
		      ike_msg_parse_payloads(&m) == 0);
		CHECK_INT(ike_cookie_make(&b->cookies, ike_engine_now(), m.nonce.data, m.nonce.len,
					  &n.s[SIDE_A].pub, c.spii, ck), 0);
		c.cookie = ck;
		c.cookie_len = sizeof(ck);
		len = craft_init_request(&n.s[SIDE_A], &c, buf, sizeof(buf));
		net_inject(&n, SIDE_A, false, buf, (size_t)len);
		net_run(&n);
	}
	CHECK_INT(ike_sa_count_halfopen(b), cap);
	CHECK_INT(side_n_live(&n.s[SIDE_B]), cap);
	CHECK_INT(b->halfopen_refused, FLOOD - cap);
	CHECK_INT(b->cookies_sent, 0);
	unsigned lines = log_count("IKE_SA_INIT from 198.51.100.10:500 refused:");
	CHECK(lines >= 1 && lines <= LOG_LIMIT_BURST);
	net_advance(&n, (IKE_HALFOPEN_TIMEOUT_S + 1) * 1000);
	CHECK_INT(ike_sa_count_halfopen(b), 0);
	CHECK_INT(side_n_live(&n.s[SIDE_B]), 0);
	net_free(&n);
	scenario_end(true);
}

/* An IKE_SA_INIT request longer than a half-open SA may keep is dropped. */
static void init_too_long(void)
{
	uint8_t buf[8192];
	struct net n;

	scenario_begin("an IKE_SA_INIT request over IKE_INIT_MAX_LEN makes no SA");
	CHECK_INT(net_init(&n, &waits, &waits), 0);
	struct craft_init c = { .vendor_len = IKE_INIT_MAX_LEN };
	int len = craft_init_request(&n.s[SIDE_A], &c, buf, sizeof(buf));
	CHECK(len > IKE_INIT_MAX_LEN);
	net_inject(&n, SIDE_A, false, buf, (size_t)len);
	c.vendor_len = IKE_INIT_MAX_LEN - 600;	/* within the bound: taken */
	c.spii = 2;
	len = craft_init_request(&n.s[SIDE_A], &c, buf, sizeof(buf));
	CHECK(len <= IKE_INIT_MAX_LEN);
	net_inject(&n, SIDE_A, false, buf, (size_t)len);
	net_run(&n);
	CHECK_INT(side_n_live(&n.s[SIDE_B]), 1);
	CHECK_INT(net_count(&n, SIDE_B, IKE_SA_INIT, 1), 1);
	CHECK_LOG("dropping IKE_SA_INIT from 198.51.100.10:500");
	net_free(&n);
	scenario_end(true);
}

/* ---- a response in another exchange type ---- */

struct liar {
	bool injected;
	unsigned dropped;
};

/* B answers IKE_AUTH with an (authenticated) INFORMATIONAL instead, and its
 * real answers never arrive. */
static enum verdict info_for_auth(struct net *n, struct pkt *p, void *arg)
{
	struct liar *l = arg;
	uint8_t buf[512];

	if (p->from != SIDE_B || p->hdr.exchange != IKE_AUTH || !(p->hdr.flags & IKE_FLAG_R))
		return V_PASS;
	l->dropped++;
	if (!l->injected) {
		struct ike_sa *sb = side_live(&n->s[SIDE_B], 0);
		int len = sb ? craft_sealed(sb, INFORMATIONAL, true, p->hdr.msgid, NULL, NULL, buf,
					    sizeof(buf)) : -1;
		if (len > 0) {
			net_inject(n, SIDE_B, p->natt, buf, (size_t)len);
			l->injected = true;
		}
	}
	return V_DROP;
}

static void info_answers_auth(void)
{
	struct liar l = { 0 };
	struct net n;

	scenario_begin("an INFORMATIONAL response to IKE_AUTH is ignored; the initiator gives up");
	CHECK_INT(net_init(&n, &starts, &waits), 0);
	n.hook = info_for_auth;
	n.hook_arg = &l;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	CHECK(l.injected);
	struct ike_sa *sa = side_live(&n.s[SIDE_A], 0);
	CHECK(sa != NULL);
	if (sa) {
		CHECK_STR(ike_state_name(sa->state), ike_state_name(IKE_S_AUTH_SENT));
		CHECK_INT(sa->pending, PEND_AUTH);
		CHECK(sa->req != NULL);
	}
	CHECK_LOG("ignoring INFORMATIONAL response 1: our request is IKE_AUTH");
	/* the retransmissions run out and the conn starts over */
	net_advance(&n, 70 * 1000);
	CHECK(l.dropped > 1);
	CHECK_INT(n.s[SIDE_A].n_conn_down, 1);
	CHECK_LOG("\"A\": #1: IKE SA down (peer not responding)");
	for (unsigned i = 0; i < side_n_live(&n.s[SIDE_A]); i++)
		CHECK(side_live(&n.s[SIDE_A], i)->state != IKE_S_AUTH_SENT);
	CHECK_INT(n.s[SIDE_A].n_up, 0);
	net_free(&n);
	scenario_end(true);
}

/* ---- exchanges before IKE_AUTH ---- */

static enum verdict hold_auth(struct net *n, struct pkt *p, void *arg)
{
	return p->hdr.exchange == IKE_AUTH && !(p->hdr.flags & IKE_FLAG_R) ? V_HOLD : V_PASS;
}

static void fill_delete_ike(struct ike_msgb *b, void *arg)
{
	pl_delete_build(b, PROTO_IKE, 0, NULL, 0);
}

static void fill_ccs(struct ike_msgb *b, void *arg)
{
	uint8_t nonce[32] = { 1 };
	pl_data_build(b, PL_NONCE, 0, nonce, sizeof(nonce));
}

static void before_auth(void)
{
	uint8_t buf[1024];
	struct net n;

	scenario_begin("INFORMATIONAL and CREATE_CHILD_SA before IKE_AUTH are ignored");
	CHECK_INT(net_init(&n, &starts, &waits), 0);
	n.hook = hold_auth;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	struct ike_sa *sa = side_live(&n.s[SIDE_A], 0), *sb = side_live(&n.s[SIDE_B], 0);
	CHECK(sa && sb);
	if (!sa || !sb)
		goto out;
	/* A holds the keys after IKE_SA_INIT: it can seal anything */
	int len = craft_sealed(sa, INFORMATIONAL, false, 1, fill_delete_ike, NULL, buf, sizeof(buf));
	net_inject(&n, SIDE_A, sa->natt, buf, (size_t)len);
	len = craft_sealed(sa, CREATE_CHILD_SA, false, 1, fill_ccs, NULL, buf, sizeof(buf));
	net_inject(&n, SIDE_A, sa->natt, buf, (size_t)len);
	/* and B, once it holds keys, cannot talk to A's IKE_AUTH-sent SA either */
	len = craft_sealed(sb, INFORMATIONAL, false, 0, fill_delete_ike, NULL, buf, sizeof(buf));
	net_inject(&n, SIDE_B, sb->natt, buf, (size_t)len);
	net_run(&n);
	CHECK_STR(ike_state_name(sb->state), ike_state_name(IKE_S_INIT_DONE));
	CHECK_STR(ike_state_name(sa->state), ike_state_name(IKE_S_AUTH_SENT));
	CHECK_INT(ike_sa_count_halfopen(&n.s[SIDE_B].eng), 1);
	CHECK_INT(net_count(&n, SIDE_B, INFORMATIONAL, 1), 0);
	CHECK_INT(net_count(&n, SIDE_B, CREATE_CHILD_SA, 1), 0);
	CHECK_LOG("ignoring INFORMATIONAL request 1 in state IKE_SA_INIT answered");
	CHECK_LOG("ignoring CREATE_CHILD_SA request 1 in state IKE_SA_INIT answered");
	CHECK_LOG("ignoring INFORMATIONAL request 0 in state IKE_AUTH sent");
	/* the real IKE_AUTH still completes */
	n.hook = NULL;
	net_release(&n);
	net_run(&n);
	check_one_tunnel(&n);
	check_net_sane(&n);
out:
	net_free(&n);
	scenario_end(true);
}

/* ---- the previous request repeated ---- */

static unsigned b_auth_answers(const struct net *n)
{
	return net_count(n, SIDE_B, IKE_AUTH, 1);
}

/* A repeated request is answered from the cache only once it proves itself:
 * of the cached answer's exchange type, passing the integrity check; then
 * where it came from, on the port it came in on.  A forged repeat (right
 * SPIs and message ID, anyone who saw them can send one) from anywhere gets
 * nothing: the answer is many times larger (reflection). */
static void repeat_answers(void)
{
	uint8_t buf[4096];
	struct net n;

	scenario_begin("a repeated request is answered only when authentic");
	if (!net_up(&n, &starts, &waits))
		goto out;
	const struct pkt *req = net_find(&n, SIDE_A, IKE_AUTH, 0, 0);
	struct ike_sa *sa = side_live(&n.s[SIDE_A], 0), *sb = side_live(&n.s[SIDE_B], 0);
	CHECK(req && sa && sb && req->len <= sizeof(buf));
	if (!req || !sa || !sb || req->len > sizeof(buf))
		goto out;
	size_t len = req->len;
	memcpy(buf, req->buf, len);
	unsigned answers = b_auth_answers(&n);

	/* the genuine repeat, on the other port than the SA's (encapsulation=yes
	 * keeps it on 4500) */
	CHECK(sb->natt);
	net_inject(&n, SIDE_A, !sb->natt, buf, len);
	net_run(&n);
	CHECK_INT(b_auth_answers(&n), answers + 1);
	const struct pkt *ans = net_find(&n, SIDE_B, IKE_AUTH, 1, answers);
	CHECK(ans && ans->natt == !sb->natt &&
	      ntohs(((const struct sockaddr_in *)&ans->dst)->sin_port) ==
		      (sb->natt ? IKE_PORT : IKE_NATT_PORT));
	CHECK_INT(n.bad_ports, 0);

	/* forged: the ICV broken, from the peer and from a stranger */
	buf[len - 1] ^= 0x5a;
	net_inject(&n, SIDE_A, false, buf, len);
	struct sockaddr_storage local = n.s[SIDE_B].pub, stranger = n.s[SIDE_A].pub;
	sockaddr_set_port(&local, IKE_PORT);
	sockaddr_set_port(&stranger, 7777);
	ike_receive(&n.s[SIDE_B].eng, &local, &stranger, false, buf, len);
	net_run(&n);
	CHECK_LOG("dropping repeated IKE_AUTH 1: integrity check failed");
	CHECK_INT(b_auth_answers(&n), answers + 1);

	/* authentic, but not of the cached answer's exchange type */
	int l = craft_sealed(sa, INFORMATIONAL, false, 1, NULL, NULL, buf, sizeof(buf));
	CHECK(l > 0);
	unsigned infos = net_count(&n, SIDE_B, INFORMATIONAL, 1);
	if (l > 0)
		net_inject(&n, SIDE_A, sa->natt, buf, (size_t)l);
	net_run(&n);
	CHECK_INT(net_count(&n, SIDE_B, INFORMATIONAL, 1), infos);
	CHECK_INT(b_auth_answers(&n), answers + 1);
	check_one_tunnel(&n);
out:
	net_free(&n);
	scenario_end(true);
}

/* ---- two conns to one peer ---- */

#define PSK2_LINE "@a2 @b2 : PSK \"the second conn's own pre-shared key, 0123456789\"\n"

static bool up(const struct conn *c)
{
	return c->ike && c->ike->state == IKE_S_ESTABLISHED && c->ike->child &&
	       c->ike->child->installed;
}

/* B has two conns to A's address; A's IDs (and PSK) are the second's: B
 * answers as the second, with its PSK. */
static void two_conns_by_ids(void)
{
	static const struct side_opts b2 = { .autostart = "add", .leftid = "@b2", .rightid = "@a2" };
	struct side_opts a = { .leftid = "@a2", .rightid = "@b2", .secrets2 = PSK2_LINE };
	struct side_opts b = { .autostart = "add", .conn2 = &b2, .secrets2 = PSK2_LINE };
	struct net n;

	scenario_begin("two conns to one peer: the peer's IDs choose the second");
	CHECK_INT(net_init(&n, &a, &b), 0);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	CHECK(up(&n.s[SIDE_A].conn));
	CHECK(up(&n.s[SIDE_B].conn2));
	CHECK(n.s[SIDE_B].conn.ike == NULL);
	CHECK_LOG("peer @a2 belongs to conn \"B2\"");
	net_free(&n);
	scenario_end(true);
}

/* FQDN IDs compare without regard to case (DNS names), on the wire as in
 * the config. */
static void ids_without_case(void)
{
	struct side_opts a = { .leftid = "@A2.Example.NET", .rightid = "@b2.example.net",
			       .secrets2 = "@a2.example.net @b2.example.net : PSK \"k2 0123456789\"\n" };
	struct side_opts b = { .autostart = "add", .leftid = "@B2.example.net",
			       .rightid = "@a2.EXAMPLE.net",
			       .secrets2 = "@a2.example.net @b2.example.net : PSK \"k2 0123456789\"\n" };
	struct net n;

	scenario_begin("FQDN IDs match without regard to case");
	CHECK_INT(net_init(&n, &a, &b), 0);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	check_one_tunnel(&n);
	net_free(&n);
	scenario_end(true);
}

/* The same IDs, other selectors: the conn whose selectors take the peer's. */
static void two_conns_by_selectors(void)
{
	static const struct side_opts b2 = { .autostart = "add", .leftsubnet = "10.105.2.0/24",
					      .rightsubnet = "10.2.2.0/24" };
	struct side_opts a = { .leftsubnet = "10.2.2.0/24", .rightsubnet = "10.105.2.0/24" };
	struct side_opts b = { .autostart = "add", .leftsubnet = "10.105.1.0/24",
			       .rightsubnet = "10.2.1.0/24", .conn2 = &b2 };
	struct net n;

	scenario_begin("two conns to one peer, the same IDs: the selectors choose the second");
	CHECK_INT(net_init(&n, &a, &b), 0);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	CHECK(up(&n.s[SIDE_A].conn));
	CHECK(up(&n.s[SIDE_B].conn2));
	CHECK(n.s[SIDE_B].conn.ike == NULL);
	net_free(&n);
	scenario_end(true);
}

/* Both sides have both conns; the second comes up after the first with
 * INITIAL_CONTACT (its conn's first IKE SA): the first conn's SA stays. */
static void two_conns_initial_contact(void)
{
	static const struct side_opts a2 = { .leftid = "@a2", .rightid = "@b2" };
	static const struct side_opts b2 = { .autostart = "add", .leftid = "@b2", .rightid = "@a2" };
	struct side_opts a = { .conn2 = &a2, .secrets2 = PSK2_LINE };
	struct side_opts b = { .autostart = "add", .conn2 = &b2, .secrets2 = PSK2_LINE };
	struct net n;

	scenario_begin("two conns to one peer: INITIAL_CONTACT of one leaves the other up");
	CHECK_INT(net_init(&n, &a, &b), 0);
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	CHECK(up(&n.s[SIDE_B].conn));
	CHECK_INT(ike_engine_initiate(&n.s[SIDE_A].eng, &n.s[SIDE_A].conn2), 0);
	net_run(&n);
	const struct pkt *auth = net_find(&n, SIDE_A, IKE_AUTH, 0, 1);
	CHECK(auth && view_has_notify(&auth->view, N_INITIAL_CONTACT));
	for (int i = 0; i < 2; i++) {
		CHECK(up(&n.s[i].conn));
		CHECK(up(&n.s[i].conn2));
		CHECK(n.s[i].conn.ike != n.s[i].conn2.ike);
		CHECK_INT(n.s[i].n_conn_down, 0);
	}
	CHECK(!log_has("replaced (INITIAL_CONTACT)"));
	net_free(&n);
	scenario_end(true);
}

/* ---- conformance a peer can probe ---- */

static void fill_critical(struct ike_msgb *b, void *arg)
{
	craft_unknown_payload(b, 200, true);
}

static void fill_unknown(struct ike_msgb *b, void *arg)
{
	craft_unknown_payload(b, 201, false);
}

static void fill_notify(struct ike_msgb *b, void *arg)
{
	pl_notify_build(b, 0, NULL, 0, N_INITIAL_CONTACT, NULL, 0);
}

static void fill_delete_proto(struct ike_msgb *b, void *arg)
{
	uint8_t spi[4] = { 1, 2, 3, 4 };
	pl_delete_build(b, *(uint8_t *)arg, 4, spi, 1);
}

/* The data of the first UNSUPPORTED_CRITICAL_PAYLOAD notify B sent, -1 none. */
static int critical_answer(struct net *n, uint8_t exchange, bool encrypted)
{
	for (size_t i = 0; i < n->ntrace; i++) {
		const struct pkt *p = &n->trace[i];
		if (p->from != SIDE_B || p->hdr.exchange != exchange || !(p->hdr.flags & IKE_FLAG_R) ||
		    !view_has_notify(&p->view, N_UNSUPPORTED_CRITICAL_PAYLOAD))
			continue;
		CHECK(encrypted == ((p->view.outer & PL_BIT(PL_SK)) != 0));
		struct ike_msg m;
		if (encrypted)
			return 200;	/* the view keeps no notify data: the log line names it */
		if (ike_msg_parse_header(p->buf, p->len, &m) || ike_msg_parse_payloads(&m))
			return -1;
		const struct pl_notify *nt = ike_msg_notify(&m, N_UNSUPPORTED_CRITICAL_PAYLOAD);
		return nt && nt->len == 1 ? nt->data[0] : -1;
	}
	return -1;
}

/* RFC 7296 2.5: an unknown payload marked critical gets
 * UNSUPPORTED_CRITICAL_PAYLOAD with its type (IKE_SA_INIT: statelessly; an
 * encrypted request: inside SK); one not marked critical is skipped. */
static void critical_payloads(void)
{
	uint8_t buf[2048];
	struct net n;

	scenario_begin("unknown critical payloads are answered UNSUPPORTED_CRITICAL_PAYLOAD");
	CHECK_INT(net_init(&n, &waits, &waits), 0);
	/* IKE_SA_INIT: an unknown critical payload after the others */
	int len = craft_init_request(&n.s[SIDE_A], &(struct craft_init){ .vendor_len = 8 }, buf,
				     sizeof(buf));
	struct ike_msg m;
	CHECK(ike_msg_parse_header(buf, (size_t)len, &m) == 0 && ike_msg_parse_payloads(&m) == 0);
	/* turn the Vendor ID into type 200, critical: its type is in the byte
	 * before (the header's or the previous payload's next-payload field) */
	size_t type_at = 16;
	for (size_t off = IKE_HDR_LEN; off + 4 <= (size_t)len && buf[type_at] != PL_NONE;) {
		if (buf[type_at] == PL_VENDOR) {
			buf[type_at] = 200;
			buf[off + 1] = PL_CRITICAL;
			break;
		}
		type_at = off;
		off += (size_t)(buf[off + 2] << 8 | buf[off + 3]);
	}
	net_inject(&n, SIDE_A, false, buf, (size_t)len);
	net_run(&n);
	CHECK_INT(critical_answer(&n, IKE_SA_INIT, false), 200);
	CHECK_INT(side_n_live(&n.s[SIDE_B]), 0);
	net_free(&n);

	/* an established SA: an INFORMATIONAL request with one inside SK */
	if (!bring_up(&n, &a_pfs, &b_pfs))
		goto out;
	struct ike_sa *sa = ike_of(&n, SIDE_A);
	len = craft_sealed(sa, INFORMATIONAL, false, sa->next_msgid, fill_critical, NULL, buf,
			   sizeof(buf));
	net_inject(&n, SIDE_A, true, buf, (size_t)len);
	net_run(&n);
	CHECK_INT(critical_answer(&n, INFORMATIONAL, true), 200);
	CHECK_LOG("carries unknown critical payload type 200: UNSUPPORTED_CRITICAL_PAYLOAD");
	sa->next_msgid++;	/* B answered it: the next request is the next number */
	/* not critical: skipped, the request answered as usual */
	unsigned before = net_count(&n, SIDE_B, INFORMATIONAL, 1);
	len = craft_sealed(sa, INFORMATIONAL, false, sa->next_msgid, fill_unknown, NULL, buf,
			   sizeof(buf));
	net_inject(&n, SIDE_A, true, buf, (size_t)len);
	net_run(&n);
	CHECK_INT(net_count(&n, SIDE_B, INFORMATIONAL, 1), before + 1);
	sa->next_msgid++;
	check_one_tunnel(&n);
out:
	net_free(&n);
	scenario_end(true);
}

/* Payloads outside SK in an encrypted exchange: dropped before decryption,
 * though the ICV covers them. */
static void outside_sk(void)
{
	uint8_t buf[2048];
	struct net n;

	scenario_begin("a payload outside SK in an encrypted exchange is dropped");
	if (!bring_up(&n, &a_pfs, &b_pfs))
		goto out;
	struct ike_sa *sa = ike_of(&n, SIDE_A);
	unsigned before = net_count(&n, SIDE_B, INFORMATIONAL, 1);
	int len = craft_sealed_outer(sa, INFORMATIONAL, false, sa->next_msgid, fill_notify,
				     NULL, NULL, buf, sizeof(buf));
	net_inject(&n, SIDE_A, true, buf, (size_t)len);
	net_run(&n);
	CHECK_INT(net_count(&n, SIDE_B, INFORMATIONAL, 1), before);
	CHECK_LOG("dropping INFORMATIONAL: payloads outside the SK payload");
	check_one_tunnel(&n);
out:
	net_free(&n);
	scenario_end(true);
}

/* DELETE of protocol AH deletes nothing; an unknown protocol is a syntax error. */
static void delete_protocols(void)
{
	uint8_t buf[2048];
	struct net n;

	scenario_begin("DELETE: AH deletes nothing, an unknown protocol is refused");
	if (!bring_up(&n, &a_pfs, &b_pfs))
		goto out;
	struct ike_sa *sa = ike_of(&n, SIDE_A);
	uint8_t proto = PROTO_AH;
	/* AH with the ESP SA's SPI: answered, the ESP SA stays */
	uint8_t spi[4];
	put_be32(spi, sa->child->spi_out);
	unsigned before = net_count(&n, SIDE_B, INFORMATIONAL, 1);
	int len = craft_sealed(sa, INFORMATIONAL, false, sa->next_msgid, fill_delete_proto, &proto,
			       buf, sizeof(buf));
	net_inject(&n, SIDE_A, true, buf, (size_t)len);
	net_run(&n);
	CHECK_INT(net_count(&n, SIDE_B, INFORMATIONAL, 1), before + 1);
	sa->next_msgid++;
	proto = 7;
	len = craft_sealed(sa, INFORMATIONAL, false, sa->next_msgid, fill_delete_proto, &proto,
			   buf, sizeof(buf));
	net_inject(&n, SIDE_A, true, buf, (size_t)len);
	net_run(&n);
	CHECK_INT(net_count(&n, SIDE_B, INFORMATIONAL, 1), before + 1);
	CHECK_LOG("inner payloads: malformed payload");
	check_one_tunnel(&n);
out:
	net_free(&n);
	scenario_end(true);
}

/* ---- an answer that cannot be used ---- */

/* The first transform of the first SA payload in a decrypted chain becomes
 * 3DES (nobody here offered it). */
static void to_3des(uint8_t *p, size_t len, void *arg)
{
	uint8_t type = *(uint8_t *)arg;	/* the chain's first payload type */
	size_t off = 0;

	while (type != PL_NONE && off + 4 <= len) {
		size_t plen = (size_t)(p[off + 2] << 8 | p[off + 3]);
		if (type == PL_SA && off + 4 + 8 + 4 + 8 <= len) {
			uint8_t *t = p + off + 4 + 8 + p[off + 4 + 6];	/* past proposal hdr, SPI */
			if (t + 8 <= p + len && t[4] == TRANS_ENCR) {
				t[6] = 0;
				t[7] = 3;	/* ENCR_3DES */
				*(uint8_t *)arg = 0;	/* done */
			}
			return;
		}
		type = p[off];
		off += plen ? plen : len;
	}
}

struct lie {
	int changed;
};

static enum verdict unusable_answer(struct net *n, struct pkt *p, void *arg)
{
	struct lie *l = arg;
	uint8_t buf[4096];
	struct ike_msg m;

	if (l->changed || p->from != SIDE_B || p->hdr.exchange != CREATE_CHILD_SA ||
	    !(p->hdr.flags & IKE_FLAG_R))
		return V_PASS;
	struct ike_sa *sb = ike_of(n, SIDE_B);
	if (!sb || ike_msg_parse_header(p->buf, p->len, &m) || ike_msg_parse_payloads(&m))
		return V_PASS;
	uint8_t first = m.sk.first_inner;
	int len = craft_reseal(sb, p->buf, p->len, to_3des, &first, buf, sizeof(buf));
	if (len <= 0 || first != 0)
		return V_PASS;
	free(p->buf);
	p->buf = malloc((size_t)len);
	memcpy(p->buf, buf, (size_t)len);
	p->len = (size_t)len;
	l->changed = 1;
	return V_PASS;
}

/* B answers A's Child SA rekey with a proposal A never made: A keeps the old
 * SA and deletes, at B, the SA B made and installed (by the inbound SPI A
 * offered); B never switches to it. */
static void unusable_child_rekey_answer(void)
{
	struct lie l = { 0 };
	struct net n;
	struct snap old;

	scenario_begin("an unusable Child SA rekey answer: the peer's new SA is deleted there");
	if (!bring_up(&n, &a_pfs, &b_pfs))
		goto out;
	snap_take(&n, &old);
	n.hook = unusable_answer;
	n.hook_arg = &l;
	start_child_rekey(&n, SIDE_A);
	net_run(&n);
	n.hook = NULL;
	CHECK_INT(l.changed, 1);
	CHECK_LOG("unusable Child SA rekey answer (payloads, proposal or KE); keeping the old SA");
	CHECK_LOG("deleting the peer's Child SA for SPI");
	net_advance(&n, 20 * 1000);	/* longer than B's wait for a switch */
	if (!check_one_tunnel(&n))
		goto out;
	for (int i = 0; i < 2; i++) {
		CHECK_INT(ike_of(&n, i)->child->spi_in, old.in[i]);	/* the old pair, still */
		CHECK_INT(n.s[i].n_inst, 1);
	}
	check_no_blackhole(&n);
	check_net_sane(&n);
out:
	net_free(&n);
	scenario_end(true);
}

/* ---- deadlines ---- */

static enum verdict drop_all(struct net *n, struct pkt *p, void *arg)
{
	return V_DROP;
}

static enum verdict drop_auth(struct net *n, struct pkt *p, void *arg)
{
	return p->hdr.exchange == IKE_AUTH ? V_DROP : V_PASS;
}

/* Whatever happened to the timers that normally end a state, its deadline
 * does: here the retransmission timer is cancelled by hand. */
static void deadline(enum ike_state st, const char *why)
{
	char name[128], line[160];
	struct net n;

	snprintf(name, sizeof(name), "state \"%s\" ends at its deadline", ike_state_name(st));
	scenario_begin(name);
	CHECK_INT(net_init(&n, &starts, &waits), 0);
	n.hook = st == IKE_S_INIT_SENT ? drop_all : st == IKE_S_AUTH_SENT ? drop_auth : NULL;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	struct ike_sa *sa = side_live(&n.s[SIDE_A], 0);
	if (st == IKE_S_DELETING && sa) {
		n.hook = drop_all;
		ike_info_send_delete(sa);
		net_run(&n);
	}
	CHECK(sa != NULL);
	if (!sa)
		goto out;
	CHECK_STR(ike_state_name(sa->state), ike_state_name(st));
	evtimer_del(sa->retx_ev);	/* no retransmission will end it */
	net_advance(&n, (IKE_SETUP_DEADLINE_S - 1) * 1000);
	CHECK_INT(side_n_live(&n.s[SIDE_A]), 1);
	net_advance(&n, 2000);
	CHECK_INT(side_n_live(&n.s[SIDE_A]), 0);
	snprintf(line, sizeof(line), "\"A\": #1: IKE SA down (%s)", why);
	CHECK(log_has(line));
	if (!log_has(line))
		fprintf(stderr, "  expected a log line containing \"%s\"\n", line);
out:
	net_free(&n);
	scenario_end(true);
}

/* ---- payload rules ---- */

static void fill_auth_only(struct ike_msgb *b, void *arg)
{
	uint8_t auth[48] = { 0 };
	pl_data_build(b, PL_AUTH, AUTH_METHOD_PSK, auth, sizeof(auth));
}

/* An IKE_AUTH request of an AUTH payload alone (ike/rules.c): answered INVALID_SYNTAX,
 * the half-open SA ended, nothing installed. */
static void auth_request_broken(void)
{
	uint8_t buf[1024];
	struct net n;

	scenario_begin("an IKE_AUTH request of AUTH alone: INVALID_SYNTAX, the half-open SA ends");
	CHECK_INT(net_init(&n, &starts, &waits), 0);
	n.hook = drop_auth;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	struct ike_sa *sa = side_live(&n.s[SIDE_A], 0);
	CHECK(sa != NULL);
	if (!sa)
		goto out;
	/* a fresh window of the log limit for the half-open SA's lines */
	net_advance(&n, LOG_LIMIT_WINDOW_S * 1000);
	n.hook = NULL;
	int len = craft_sealed(sa, IKE_AUTH, false, 1, fill_auth_only, NULL, buf, sizeof(buf));
	net_inject(&n, SIDE_A, sa->natt, buf, (size_t)len);
	net_run(&n);
	const struct pkt *r = net_find(&n, SIDE_B, IKE_AUTH, 1, 0);
	CHECK(r && view_has_notify(&r->view, N_INVALID_SYNTAX));
	CHECK_LOG("IKE_AUTH request 1 is broken: it carries no SA payload");
	net_advance(&n, 1000);
	CHECK_INT(side_n_live(&n.s[SIDE_B]), 0);
	CHECK_INT(n.s[SIDE_B].n_up, 0);
out:
	net_free(&n);
	scenario_end(true);
}

int main(void)
{
	if (!net_test_start())
		return 1;
	long_nonce_halfopen();
	nonces_everywhere(SIDE_B, IKE_NONCE_MAX);
	nonces_everywhere(SIDE_A, IKE_NONCE_MAX);
	nonces_everywhere(SIDE_B, IKE_NONCE_MIN);
	nonces_responder_gets_long();
	bad_ke_flood();
	halfopen_caps(true);
	halfopen_caps(false);
	init_too_long();
	two_conns_by_ids();
	ids_without_case();
	two_conns_by_selectors();
	two_conns_initial_contact();
	critical_payloads();
	outside_sk();
	delete_protocols();
	unusable_child_rekey_answer();
	auth_request_broken();
	info_answers_auth();
	before_auth();
	repeat_answers();
	deadline(IKE_S_INIT_SENT, "IKE_SA_INIT not answered");
	deadline(IKE_S_AUTH_SENT, "IKE_AUTH not answered");
	deadline(IKE_S_DELETING, "DELETE not answered");
	return check_summary("exchange-hostile");
}

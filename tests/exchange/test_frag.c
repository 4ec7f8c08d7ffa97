/* SPDX-License-Identifier: Apache-2.0 */
/* IKE fragmentation (RFC 7383) between two engines: negotiated in
 * IKE_SA_INIT or not; IKE_AUTH in fragments both ways (CBC and GCM), a
 * rekey too; fragments reordered and duplicated; one lost, then the
 * retransmission; a lost answer fragment, the whole answer repeated once
 * from the cache; a forged fragment not kept; the bounds on what
 * reassembly keeps (fragments, bytes, time); a smaller or larger Total
 * Fragments; no fragments where fragmentation was not negotiated. */
#include <stdio.h>
#include <string.h>

#include "craft.h"
#include "daemon/ikemsg/sk.h"
#include "harness.h"
#include "rekey_checks.h"

/* 256-byte packets: 224 bytes of IKE message on port 4500 */
#define SMALL "fragmentation=force\nike-fragment-size=256"
#define SMALL_ROOM (256 - 20 - 8 - 4)
static const struct side_opts a_force = { .autostart = "start", .extra = SMALL };
static const struct side_opts b_force = { .autostart = "add", .extra = SMALL };

static bool established(const struct side *s)
{
	const struct ike_sa *sa = s->conn.ike;
	return sa && sa->state == IKE_S_ESTABLISHED && s->n_inst >= 1;
}

static bool both_up(struct net *n)
{
	return established(&n->s[SIDE_A]) && established(&n->s[SIDE_B]);
}

/* The packet's Encrypted Fragment numbers; false if it carries none. */
static bool frag_of(const struct pkt *p, uint16_t *num, uint16_t *total)
{
	static struct ike_msg m;

	if (ike_msg_parse_header(p->buf, p->len, &m) || ike_msg_parse_payloads(&m) ||
	    m.outer != PL_BIT(PL_SKF))
		return false;
	*num = m.sk.frag_num;
	*total = m.sk.frag_total;
	return true;
}

/* The trace's messages from side of an exchange and direction: how many,
 * how many of them fragments, the largest, and the fragments' common total
 * (0 if none, UINT16_MAX if they disagree). */
struct frag_count {
	unsigned msgs, frags;
	size_t largest;
	uint16_t total;
};

static struct frag_count count_frags(const struct net *n, int side, unsigned exchange,
				     int response)
{
	struct frag_count c = { 0 };
	uint16_t num, total;
	const struct pkt *p;

	for (unsigned i = 0; (p = net_find(n, side, exchange, response, i)); i++) {
		c.msgs++;
		c.largest = p->len > c.largest ? p->len : c.largest;
		if (!frag_of(p, &num, &total))
			continue;
		c.frags++;
		c.total = !c.total || c.total == total ? total : UINT16_MAX;
	}
	return c;
}

/* The lines a stranger can cause are rate-limited (LOG_LIMIT_BURST per
 * LOG_LIMIT_WINDOW_S of the virtual clock, which runs on across
 * scenarios): a scenario that looks for one starts in a window of its own. */
static void fresh_log_window(struct net *n)
{
	net_tick(n, (LOG_LIMIT_WINDOW_S + 1) * 1000, 1000);
}

/* ---- negotiation and the happy path ---- */

/* Both force (the same as yes), small packets: IKE_AUTH both ways and a
 * Child SA rekey (with its KE) in several fragments each, none larger than
 * the packet allows; the DELETE after the rekey fits and goes whole. */
static void force_small(const char *name, const char *ike)
{
	struct side_opts a = a_force, b = b_force;
	struct net n;

	a.ike = b.ike = ike;
	if (ike)	/* GCM's ICV is shorter: more proposals make IKE_AUTH need several */
		a.esp = b.esp = "aes_gcm256,aes_gcm128,aes_cbc256-sha2_256,aes_cbc128-sha2_256";
	scenario_begin(name);
	bool up = net_up(&n, &a, &b);
	check_net_sane(&n);
	if (!up)
		goto out;
	CHECK(ike_of(&n, SIDE_A)->frag);
	CHECK(ike_of(&n, SIDE_B)->frag);
	CHECK_LOG("NAT-T on port 4500, IKE fragmentation");
	const struct pkt *ir = net_find(&n, SIDE_A, IKE_SA_INIT, 0, 0);
	const struct pkt *rr = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 0);
	CHECK(ir && view_has_notify(&ir->view, N_IKEV2_FRAGMENTATION_SUPPORTED));
	CHECK(rr && view_has_notify(&rr->view, N_IKEV2_FRAGMENTATION_SUPPORTED));
	/* (with GCM's shorter ICV the answers, one proposal, fit one packet:
	 * whole; the requests carry four proposals) */
	for (int side = 0; side < (ike ? 1 : 2); side++) {
		struct frag_count c = count_frags(&n, side, IKE_AUTH, side == SIDE_B);
		CHECK(c.msgs >= 2);
		CHECK_INT(c.frags, c.msgs);		/* every packet a fragment */
		CHECK_INT(c.total, c.msgs);		/* of one message, sent once */
		CHECK(c.largest <= SMALL_ROOM);
	}
	CHECK_LOG("IKE_AUTH request 1 reassembled from");
	if (!ike)
		CHECK_LOG("IKE_AUTH response 1 reassembled from");
	/* later exchanges too: a Child SA rekey with PFS */
	struct snap old;
	snap_take(&n, &old);
	start_child_rekey(&n, SIDE_A);
	net_run(&n);
	if (!check_one_tunnel(&n))
		goto out;
	check_rekeyed(&n, &old);
	struct frag_count c = count_frags(&n, SIDE_A, CREATE_CHILD_SA, 0);
	CHECK(c.msgs >= 2);
	CHECK_INT(c.frags, c.msgs);
	CHECK_LOG("CREATE_CHILD_SA request 2 reassembled from");
	if (!ike)	/* (GCM: no PFS in this esp= list, so the answer fits) */
		CHECK_LOG("CREATE_CHILD_SA response 2 reassembled from");
	c = count_frags(&n, SIDE_A, INFORMATIONAL, 0);
	CHECK(c.msgs >= 1);
	CHECK_INT(c.frags, 0);
	/* the IKE SA rekeyed (its own exchange in fragments): the new one
	 * keeps fragmenting, as its next Child SA rekey shows */
	uint64_t spii = ike_of(&n, SIDE_A)->spii;
	start_ike_rekey(&n, SIDE_B);
	net_run(&n);
	if (!check_one_tunnel(&n))
		goto out;
	CHECK(ike_of(&n, SIDE_A)->spii != spii);
	CHECK(ike_of(&n, SIDE_A)->frag && ike_of(&n, SIDE_B)->frag);
	CHECK_LOG("CREATE_CHILD_SA request 0 reassembled from");
	unsigned before = count_frags(&n, SIDE_A, CREATE_CHILD_SA, 0).frags;
	start_child_rekey(&n, SIDE_A);
	net_run(&n);
	check_one_tunnel(&n);
	CHECK(count_frags(&n, SIDE_A, CREATE_CHILD_SA, 0).frags >= before + 2);
out:
	net_free(&n);
	scenario_end(true);
}

/* fragmentation=yes: only what does not fit goes in fragments.  A's packets
 * are small, B's the IPv4 default (576): A's IKE_AUTH request is cut, B's
 * answer goes whole. */
static void yes_only_when_too_big(void)
{
	static const struct side_opts a = { .autostart = "start",
					    .extra = "ike-fragment-size=256" };
	static const struct side_opts b = { .autostart = "add" };
	struct net n;

	scenario_begin("fragmentation=yes: only a message too big for the packet is cut");
	bool up = net_up(&n, &a, &b);
	check_net_sane(&n);
	if (!up)
		goto out;
	CHECK(ike_of(&n, SIDE_A)->frag && ike_of(&n, SIDE_B)->frag);
	struct frag_count ca = count_frags(&n, SIDE_A, IKE_AUTH, 0);
	struct frag_count cb = count_frags(&n, SIDE_B, IKE_AUTH, 1);
	CHECK(ca.frags >= 2);
	CHECK_INT(ca.frags, ca.msgs);
	CHECK_INT(cb.msgs, 1);
	CHECK_INT(cb.frags, 0);
	CHECK(cb.largest > SMALL_ROOM);	/* it would have been cut at A's size */
	CHECK(cb.largest <= 576 - 20 - 8 - 4);
out:
	net_free(&n);
	scenario_end(true);
}

/* One side has fragmentation=no: it neither announces nor answers the
 * notify, nothing is fragmented although the other side's packets are small, and a
 * fragment sent anyway (sealed with the right keys) is dropped unkept. */
static void not_negotiated(int refuser)
{
	struct side_opts a = a_force, b = b_force;
	struct side_opts *no = refuser == SIDE_A ? &a : &b;
	char name[96];
	uint8_t buf[512], piece[64] = { 0 };
	struct net n;

	no->extra = "fragmentation=no";
	snprintf(name, sizeof(name), "%s has fragmentation=no: no fragments either way",
		 side_name[refuser]);
	scenario_begin(name);
	bool up = net_up(&n, &a, &b);
	check_net_sane(&n);
	if (!up)
		goto out;
	CHECK(!ike_of(&n, SIDE_A)->frag);
	CHECK(!ike_of(&n, SIDE_B)->frag);
	CHECK(!log_has("IKE fragmentation"));
	const struct pkt *ir = net_find(&n, SIDE_A, IKE_SA_INIT, 0, 0);
	const struct pkt *rr = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 0);
	CHECK(ir && view_has_notify(&ir->view, N_IKEV2_FRAGMENTATION_SUPPORTED) == (refuser != SIDE_A));
	CHECK(rr && !view_has_notify(&rr->view, N_IKEV2_FRAGMENTATION_SUPPORTED));
	for (int side = 0; side < 2; side++)
		CHECK_INT(count_frags(&n, side, IKE_AUTH, side == SIDE_B).frags, 0);
	/* the forcing side sends one anyway */
	int from = !refuser;
	struct ike_sa *s = ike_of(&n, from), *r = ike_of(&n, refuser);
	uint32_t before = r->peer_msgid;
	int len = craft_fragment(s, INFORMATIONAL, false, s->next_msgid, PL_NOTIFY, 1, 2, piece,
				 sizeof(piece), buf, sizeof(buf));
	CHECK(len > 0);
	fresh_log_window(&n);
	net_inject(&n, from, true, buf, (size_t)len);
	net_run(&n);
	CHECK_LOG("fragmentation was not negotiated");
	CHECK(!r->frag_rx[0].active);
	CHECK_INT(r->peer_msgid, before);
out:
	net_free(&n);
	scenario_end(true);
}

/* IKE_SA_INIT is never fragmented (RFC 7383 2.5: only encrypted messages
 * are): a request made of an Encrypted Fragment makes no SA, whatever
 * the responder's fragmentation=. */
static void init_fragment_refused(void)
{
	struct ike_hdr h = { .spii = 0x5eed5eed5eed5eedull, .exchange = IKE_SA_INIT,
			     .flags = IKE_FLAG_I };
	uint8_t buf[512], scratch[512], piece[64] = { 0 };
	struct ike_crypt_keys k;
	struct net n;

	scenario_begin("an IKE_SA_INIT request in a fragment makes no SA");
	bool up = net_up(&n, &a_force, &b_force);
	if (!up)
		goto out;
	ike_sa_keys_out(ike_of(&n, SIDE_A), &k);
	int len = ike_crypt_seal_fragment(&h, PL_SA, 1, 1, piece, sizeof(piece), &k, buf,
					  sizeof(buf), scratch, sizeof(scratch));
	CHECK(len > 0);
	fresh_log_window(&n);
	net_inject(&n, SIDE_A, false, buf, (size_t)len);
	net_run(&n);
	CHECK_LOG("dropping IKE_SA_INIT from 198.51.100.10:500: it carries");
	CHECK_INT(side_n_live(&n.s[SIDE_B]), 1);
	check_one_tunnel(&n);
out:
	check_net_sane(&n);
	net_free(&n);
	scenario_end(true);
}

/* ---- loss, order, duplicates, forgeries ---- */

/* Each fragment delivered twice, the queue served last-in first-out: every
 * message is reassembled once, whatever the order. */
static enum verdict dup_frags(struct net *n, struct pkt *p, void *arg)
{
	uint16_t num, total;

	(void)n;
	(void)arg;
	return frag_of(p, &num, &total) ? V_DUP : V_PASS;
}

static void reordered_duplicated(void)
{
	struct net n;

	scenario_begin("fragments reversed and each delivered twice");
	CHECK_INT(net_init(&n, &a_force, &b_force), 0);
	fresh_log_window(&n);
	n.order = ORDER_LIFO;
	n.hook = dup_frags;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	check_net_sane(&n);
	check_one_tunnel(&n);
	CHECK_INT(log_count("IKE_AUTH request 1 reassembled from"), 1);
	CHECK_INT(log_count("IKE_AUTH response 1 reassembled from"), 1);
	/* the trace shows the reversed order: fragment 1 of the request last */
	const struct pkt *p = net_find(&n, SIDE_A, IKE_AUTH, 0, 0);
	uint16_t num = 0, total = 0;
	CHECK(p && frag_of(p, &num, &total) && num == 1 && total >= 2);
	net_free(&n);
	scenario_end(true);
}

/* Fragment 2 of one side's first IKE_AUTH message dropped, or tampered. */
struct hit_frag2 {
	int from;
	bool tamper;
	unsigned hits;
	bool tampered_ok;
	unsigned checked;	/* the watch ran after the tampered delivery */
	bool kept;		/* ... and found the forged piece kept */
	uint16_t have;
};

static enum verdict frag2_hook(struct net *n, struct pkt *p, void *arg)
{
	struct hit_frag2 *h = arg;
	uint16_t num, total;

	(void)n;
	if (h->hits || p->from != h->from || p->hdr.exchange != IKE_AUTH ||
	    !frag_of(p, &num, &total) || num != 2)
		return V_PASS;
	h->hits++;
	if (!h->tamper)
		return V_DROP;
	h->tampered_ok = pkt_tamper_sk(p);
	return V_PASS;
}

/* After the tampered fragment reached B: nothing of it kept. */
static void frag2_watch(struct net *n, const struct pkt *p, bool after, void *arg)
{
	struct hit_frag2 *h = arg;
	uint16_t num, total;

	if (!after || h->checked || h->hits != 1 || p->from != SIDE_A ||
	    !frag_of(p, &num, &total) || num != 2)
		return;
	struct ike_sa *b = side_live(&n->s[SIDE_B], 0);
	h->checked++;
	if (!b)
		return;
	h->kept = b->frag_rx[0].piece[1] != NULL;
	h->have = b->frag_rx[0].have;
}

static void frag_lost(int from, bool tamper, const char *name)
{
	struct hit_frag2 h = { .from = from, .tamper = tamper };
	struct net n;

	scenario_begin(name);
	CHECK_INT(net_init(&n, &a_force, &b_force), 0);
	fresh_log_window(&n);
	n.hook = frag2_hook;
	n.hook_arg = &h;
	n.watch = frag2_watch;
	n.watch_arg = &h;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	CHECK_INT(h.hits, 1);
	CHECK(!both_up(&n));
	CHECK(net_run_until(&n, both_up, 5000));
	check_net_sane(&n);
	check_one_tunnel(&n);
	CHECK_LOG("retransmitting request (1)");
	struct frag_count req = count_frags(&n, SIDE_A, IKE_AUTH, 0);
	struct frag_count resp = count_frags(&n, SIDE_B, IKE_AUTH, 1);
	/* every fragment of the request sent twice; the answer built once, and
	 * when lost repeated whole, once (at the repeat's fragment 1), not once
	 * per fragment of the repeated request */
	CHECK_INT(req.msgs, 2u * req.total);
	CHECK_INT(resp.msgs, (from == SIDE_B ? 2u : 1u) * resp.total);
	/* (B's lines about its SA are rate-limited until IKE_AUTH: A's are not) */
	CHECK_INT(log_count("IKE_AUTH response 1 reassembled from"), 1);
	if (tamper) {
		CHECK(h.tampered_ok);
		CHECK_INT(h.checked, 1);
		CHECK(!h.kept);
		CHECK_INT(h.have, 1);	/* fragment 1 came first and stays */
		CHECK_LOG("dropping Encrypted Fragment 2/");
	}
	net_free(&n);
	scenario_end(true);
}

/* ---- what reassembly may keep ---- */

/* A fragment of an INFORMATIONAL request as A's IKE SA would seal it. */
static void inject_frag(struct net *n, uint16_t num, uint16_t total, size_t len)
{
	static uint8_t buf[4096], piece[2048];
	struct ike_sa *a = ike_of(n, SIDE_A);
	int l;

	memset(piece, 0x5a, sizeof(piece));
	l = craft_fragment(a, INFORMATIONAL, false, a->next_msgid, PL_NOTIFY, num, total, piece,
			   len, buf, sizeof(buf));
	CHECK(l > 0);
	if (l > 0)
		net_inject(n, SIDE_A, true, buf, (size_t)l);
	net_run(n);
}

static void bounds(void)
{
	/* no liveness check: A's would take the message ID the crafted ones use */
	static const struct side_opts a = { .autostart = "start", .extra = SMALL "\ndpddelay=0" };
	struct net n;

	scenario_begin("reassembly bounds: fragments, bytes, totals, time");
	bool up = net_up(&n, &a, &b_force);
	if (!up)
		goto out;
	struct ike_sa *b = ike_of(&n, SIDE_B);
	struct ike_frag_rx *rx = &b->frag_rx[0];
	uint32_t peer_msgid = b->peer_msgid;

	fresh_log_window(&n);
	/* more fragments than kept: refused before any crypto */
	inject_frag(&n, 1, IKE_FRAG_MAX + 1, 32);
	CHECK_LOG("we reassemble at most 32 fragments");
	CHECK(!rx->active);

	/* more bytes than kept: the message is given up */
	for (uint16_t i = 1; i <= 17; i++)
		inject_frag(&n, i, 20, 1000);
	CHECK_LOG("its fragments hold more than 16384 bytes");
	CHECK(!rx->active);
	CHECK_INT(rx->bytes, 0);

	/* Total Fragments changes (RFC 7383 2.6) */
	inject_frag(&n, 1, 3, 32);
	CHECK(rx->active && rx->total == 3 && rx->have == 1);
	inject_frag(&n, 2, 5, 32);		/* larger: cut again finer, start over */
	CHECK(rx->active && rx->total == 5 && rx->have == 1 && rx->piece[1] && !rx->piece[0]);
	inject_frag(&n, 1, 2, 32);		/* smaller: stale, dropped */
	CHECK(rx->active && rx->total == 5 && rx->have == 1 && !rx->piece[0]);
	inject_frag(&n, 2, 5, 32);		/* a duplicate changes nothing */
	CHECK(rx->active && rx->have == 1);

	/* and a message never completed is given up */
	net_advance(&n, (IKE_FRAG_TIMEOUT_S + 1) * 1000);
	CHECK(!rx->active);
	CHECK_INT(rx->have, 0);
	CHECK_LOG("gave up reassembling INFORMATIONAL");
	CHECK_INT(b->peer_msgid, peer_msgid);	/* nothing reached a handler */
	check_one_tunnel(&n);
out:
	check_net_sane(&n);
	net_free(&n);
	scenario_end(true);
}

/* A whole message sent in fragments that are not ours: fragment 1 without
 * a first payload is refused; a request carried in 3 crafted fragments is
 * answered like one sent whole. */
static void crafted_whole(void)
{
	struct net n;
	uint8_t buf[1024];

	scenario_begin("a crafted request in three fragments is answered");
	bool up = net_up(&n, &a_force, &b_force);
	if (!up)
		goto out;
	struct ike_sa *a = ike_of(&n, SIDE_A), *b = ike_of(&n, SIDE_B);
	uint32_t before = b->peer_msgid;

	fresh_log_window(&n);
	/* one Notify payload (SET_WINDOW_SIZE 1: a status nobody acts on),
	 * 12 bytes in three pieces of 4 */
	uint8_t inner[12] = { PL_NONE, 0, 0, 12, 0, 0, (uint8_t)(N_SET_WINDOW_SIZE >> 8),
			      (uint8_t)N_SET_WINDOW_SIZE, 0, 0, 0, 1 };
	int l = craft_fragment(a, INFORMATIONAL, false, a->next_msgid, PL_NONE, 1, 3, inner, 4,
			       buf, sizeof(buf));
	net_inject(&n, SIDE_A, true, buf, (size_t)l);
	net_run(&n);
	CHECK_LOG("Encrypted Fragment 1/3 of INFORMATIONAL request 2: it names no first payload");
	CHECK(!b->frag_rx[0].active);
	for (uint16_t i = 3; i >= 1; i--) {	/* backwards, for good measure */
		l = craft_fragment(a, INFORMATIONAL, false, a->next_msgid, PL_NOTIFY, i, 3,
				   inner + (i - 1) * 4, 4, buf, sizeof(buf));
		net_inject(&n, SIDE_A, true, buf, (size_t)l);
		net_run(&n);
	}
	CHECK_LOG("INFORMATIONAL request 2 reassembled from 3 fragments");
	CHECK_INT(b->peer_msgid, before + 1);
	CHECK(count_frags(&n, SIDE_B, INFORMATIONAL, 1).msgs >= 1);
out:
	check_net_sane(&n);
	net_free(&n);
	scenario_end(true);
}

int main(void)
{
	if (!net_test_start())
		return 1;
	force_small("256-byte packets: IKE_AUTH and a rekey in fragments (CBC)", NULL);
	force_small("256-byte packets: IKE_AUTH and a rekey in fragments (GCM)",
		    "aes_gcm256-sha2_256;modp1536");
	yes_only_when_too_big();
	not_negotiated(SIDE_A);
	not_negotiated(SIDE_B);
	init_fragment_refused();
	reordered_duplicated();
	frag_lost(SIDE_A, false, "a request fragment lost: all of them again");
	frag_lost(SIDE_B, false, "an answer fragment lost: the whole answer again, once");
	frag_lost(SIDE_A, true, "a forged request fragment is dropped, not kept");
	bounds();
	crafted_whole();
	return check_summary("exchange-frag");
}

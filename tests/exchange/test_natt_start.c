/* SPDX-License-Identifier: Apache-2.0 */
/* An initiator may send its very first IKE_SA_INIT to UDP port 4500, with
 * the non-ESP marker (RFC 7296 2.23, RFC 3948 2.2): the responder answers on
 * 4500 from 4500, and its half-open SA stays there (a repeated request
 * answered from the cache, IKE_AUTH, ESP in UDP).  A request on port 500
 * is still answered on 500, and the responder moves to 4500 only when the
 * initiator does.
 *
 * Our engine always starts on 500, so the path plays the initiator that
 * starts on 4500: A's IKE_SA_INIT requests are carried to B on 4500 with the
 * marker (natt and both ports changed together, in the queue and in the trace,
 * so the harness's bad_ports check still holds every message to its port). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "daemon/base/log.h"
#include "daemon/base/sockaddr.h"
#include "harness.h"

static const struct side_opts waits = { .autostart = "add" };

struct path {
	bool start4500;			/* A's IKE_SA_INIT requests travel on port 4500 */
	bool hold_auth;			/* hold A's first IKE_AUTH request back */
	bool drop_init_resp;		/* drop B's first IKE_SA_INIT response */
	unsigned moved, held, dropped;
};

static bool is_init_request(const struct pkt *p)
{
	return p->from == SIDE_A && p->hdr.exchange == IKE_SA_INIT && !(p->hdr.flags & IKE_FLAG_R);
}

static enum verdict path_hook(struct net *n, struct pkt *p, void *arg)
{
	struct path *w = arg;
	bool resp = p->hdr.flags & IKE_FLAG_R;

	if (w->start4500 && is_init_request(p) && !p->natt) {
		struct pkt *t = &n->trace[p->seq - 1];
		sockaddr_set_port(&p->src, IKE_NATT_PORT);
		sockaddr_set_port(&p->dst, IKE_NATT_PORT);
		p->natt = true;
		t->src = p->src;
		t->dst = p->dst;
		t->natt = true;
		w->moved++;
	}
	if (w->hold_auth && !w->held && p->from == SIDE_A && p->hdr.exchange == IKE_AUTH) {
		w->held++;
		return V_HOLD;
	}
	if (w->drop_init_resp && !w->dropped && p->from == SIDE_B &&
	    p->hdr.exchange == IKE_SA_INIT && resp) {
		w->dropped++;
		return V_DROP;
	}
	return V_PASS;
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* A traced message went on port (4500 with the marker, or 500 without); says
 * what came when not. */
static bool pkt_on(const struct pkt *p, const char *what, uint16_t port)
{
	bool natt = port == IKE_NATT_PORT;
	bool ok = p && p->natt == natt && port_of(&p->src) == port && port_of(&p->dst) == port;

	if (p && !ok)
		fprintf(stderr, "  %s: natt %d, ports %u -> %u; expected natt %d, %u -> %u\n", what,
			p->natt, port_of(&p->src), port_of(&p->dst), natt, port, port);
	else if (!p)
		fprintf(stderr, "  %s: not in the trace\n", what);
	return ok;
}

/* An IKE SA is on port (its natt, and both addresses' ports); says what it
 * is on when not. */
static bool sa_on(const struct ike_sa *sa, const char *what, uint16_t port)
{
	bool natt = port == IKE_NATT_PORT;
	bool ok = sa && sa->natt == natt && port_of(&sa->local) == port &&
		  port_of(&sa->remote) == port;

	if (sa && !ok)
		fprintf(stderr, "  %s: natt %d, ports %u local, %u remote; expected natt %d, %u\n",
			what, sa->natt, port_of(&sa->local), port_of(&sa->remote), natt, port);
	else if (!sa)
		fprintf(stderr, "  %s: none\n", what);
	return ok;
}

/* B's only IKE SA, half-open: IKE_SA_INIT answered, IKE_AUTH not yet here. */
static const struct ike_sa *b_halfopen(const struct net *n)
{
	const struct ike_sa *sa = side_live(&n->s[SIDE_B], 0);

	CHECK_INT(side_n_live(&n->s[SIDE_B]), 1);
	CHECK(sa && !sa->initiator && sa->state == IKE_S_INIT_DONE);
	return sa && sa->state == IKE_S_INIT_DONE ? sa : NULL;
}

/* Up, one Child SA installed each side; every message on 4500, A's
 * IKE_SA_INIT included, and both IKE SAs there (io.c gives the data plane
 * the SA's remote as the ESP-in-UDP peer). */
static void check_up_on_4500(struct net *n)
{
	check_net_sane(n);
	if (!check_one_tunnel(n))
		return;
	CHECK_INT(n->s[SIDE_A].n_up, 1);
	CHECK_INT(n->s[SIDE_B].n_up, 1);
	CHECK_INT(n->s[SIDE_A].n_conn_down, 0);
	CHECK(sa_on(side_live(&n->s[SIDE_A], 0), "A's IKE SA", IKE_NATT_PORT));
	CHECK(sa_on(side_live(&n->s[SIDE_B], 0), "B's IKE SA", IKE_NATT_PORT));
	for (size_t i = 0; i < n->ntrace; i++) {
		const struct pkt *p = &n->trace[i];
		char what[64];
		snprintf(what, sizeof(what), "message %zu (%s %s)", i + 1,
			 ike_exchange_name(p->hdr.exchange),
			 p->hdr.flags & IKE_FLAG_R ? "response" : "request");
		CHECK(pkt_on(p, what, IKE_NATT_PORT));
	}
	CHECK_LOG("IKE SA established as responder");
}

/* The first IKE_SA_INIT request arrives on 4500: B's response leaves on 4500
 * from 4500 and its half-open SA is on 4500 before IKE_AUTH arrives; the
 * tunnel then comes up with four messages, all on 4500. */
static void start_on_4500(void)
{
	struct path w = { .start4500 = true, .hold_auth = true };
	struct net n;

	scenario_begin("first IKE_SA_INIT on 4500 answered on 4500");
	CHECK_INT(net_init(&n, NULL, &waits), 0);
	n.hook = path_hook;
	n.hook_arg = &w;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	CHECK_INT(w.moved, 1);
	CHECK_INT(w.held, 1);
	const struct pkt *q = net_find(&n, SIDE_A, IKE_SA_INIT, 0, 0);
	const struct pkt *r = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 0);
	CHECK(pkt_on(q, "A's IKE_SA_INIT request", IKE_NATT_PORT));
	CHECK(pkt_on(r, "B's IKE_SA_INIT response", IKE_NATT_PORT));
	CHECK(r && r->hdr.spir != 0 && (r->view.outer & PL_BIT(PL_SA)) &&
	      (r->view.outer & PL_BIT(PL_KE)));
	CHECK(sa_on(b_halfopen(&n), "B's half-open IKE SA", IKE_NATT_PORT));

	net_release(&n);
	net_run(&n);
	net_advance(&n, 3000);
	CHECK_INT(n.ntrace, 4);
	check_up_on_4500(&n);
	net_free(&n);
	scenario_end(true);
}

/* B's response to the request on 4500 is lost: A's retransmission, on 4500
 * too, is answered from B's half-open SA's cache, the same bytes on 4500. */
static void start_on_4500_response_lost(void)
{
	struct path w = { .start4500 = true, .drop_init_resp = true };
	struct net n;

	scenario_begin("first IKE_SA_INIT on 4500, response lost, answered again on 4500");
	CHECK_INT(net_init(&n, NULL, &waits), 0);
	n.hook = path_hook;
	n.hook_arg = &w;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	CHECK_INT(w.dropped, 1);
	net_advance(&n, 3000);
	CHECK_INT(w.moved, 2);
	CHECK_INT(net_count(&n, SIDE_A, IKE_SA_INIT, 0), 2);
	CHECK_INT(net_count(&n, SIDE_B, IKE_SA_INIT, 1), 2);
	const struct pkt *r1 = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 0);
	const struct pkt *r2 = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 1);
	CHECK(pkt_on(r1, "B's IKE_SA_INIT response", IKE_NATT_PORT));
	CHECK(pkt_on(r2, "B's IKE_SA_INIT response, from the cache", IKE_NATT_PORT));
	if (r1 && r2) {
		CHECK_INT(r2->len, r1->len);
		if (r1->len == r2->len)
			CHECK_MEM(r2->buf, r1->buf, r1->len);
	}
	CHECK_INT(n.s[SIDE_B].eng.next_serial, 3);	/* one IKE SA, one Child SA */
	check_up_on_4500(&n);
	net_free(&n);
	scenario_end(true);
}

/* Under load (threshold 0) the COOKIE goes back on 4500, and so does the real
 * response to the request that echoes it. */
static void start_on_4500_cookie(void)
{
	struct path w = { .start4500 = true };
	struct net n;

	scenario_begin("first IKE_SA_INIT on 4500 under load: COOKIE and response on 4500");
	CHECK_INT(net_init(&n, NULL, &waits), 0);
	n.s[SIDE_B].eng.cookie_threshold = 0;
	n.hook = path_hook;
	n.hook_arg = &w;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	net_advance(&n, 3000);
	CHECK_INT(w.moved, 2);
	CHECK_INT(n.s[SIDE_B].eng.cookies_sent, 1);
	const struct pkt *r1 = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 0);
	const struct pkt *r2 = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 1);
	CHECK(r1 && view_has_notify(&r1->view, N_COOKIE) && r1->hdr.spir == 0);
	CHECK(pkt_on(r1, "B's COOKIE", IKE_NATT_PORT));
	CHECK(r2 && (r2->view.outer & PL_BIT(PL_SA)) && r2->hdr.spir != 0);
	CHECK(pkt_on(r2, "B's IKE_SA_INIT response", IKE_NATT_PORT));
	check_up_on_4500(&n);
	net_free(&n);
	scenario_end(true);
}

/* The ordinary start on 500, unchanged: B answers on 500 from 500, its
 * half-open SA is on 500, and it moves to 4500 with IKE_AUTH, which A sends
 * there (NAT detected, encapsulation=yes). */
static void start_on_500(void)
{
	struct path w = { .hold_auth = true };
	struct net n;

	scenario_begin("IKE_SA_INIT on 500 answered on 500");
	CHECK_INT(net_init(&n, NULL, &waits), 0);
	n.hook = path_hook;
	n.hook_arg = &w;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	CHECK_INT(w.held, 1);
	const struct pkt *q = net_find(&n, SIDE_A, IKE_SA_INIT, 0, 0);
	const struct pkt *r = net_find(&n, SIDE_B, IKE_SA_INIT, 1, 0);
	CHECK(pkt_on(q, "A's IKE_SA_INIT request", IKE_PORT));
	CHECK(pkt_on(r, "B's IKE_SA_INIT response", IKE_PORT));
	CHECK(sa_on(b_halfopen(&n), "B's half-open IKE SA", IKE_PORT));

	net_release(&n);
	net_run(&n);
	net_advance(&n, 3000);
	check_net_sane(&n);
	if (check_one_tunnel(&n))
		CHECK(sa_on(side_live(&n.s[SIDE_B], 0), "B's SA after IKE_AUTH", IKE_NATT_PORT));
	CHECK_INT(n.ntrace, 4);
	q = net_find(&n, SIDE_A, IKE_AUTH, 0, 0);
	r = net_find(&n, SIDE_B, IKE_AUTH, 1, 0);
	CHECK(pkt_on(q, "A's IKE_AUTH request", IKE_NATT_PORT));
	CHECK(pkt_on(r, "B's IKE_AUTH response", IKE_NATT_PORT));
	net_free(&n);
	scenario_end(true);
}

int main(void)
{
	if (!net_test_start())
		return 1;
	start_on_4500();
	start_on_4500_response_lost();
	start_on_4500_cookie();
	start_on_500();
	return check_summary("exchange-natt-start");
}

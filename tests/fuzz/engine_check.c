/* SPDX-License-Identifier: Apache-2.0 */
/* What no input may do to the engines, whatever the peer sends or the network
 * does: the fuzz target aborts when one of these breaks, with the reason on
 * stderr.  They are the engine's own bookkeeping, never a protocol outcome (a
 * hostile peer may refuse, delete or stall anything):
 *
 *   window   a request outstanding exactly when something is pending, except
 *            an IKE SA held during an IKE SA rekey collision (rekey_ike_sa.c)
 *   states   none left "new" once an op is over; every state but established
 *            and dead with its deadline armed (ike/state.c: nothing a peer
 *            does leaves an SA half-way for ever); IKE_SA_INIT / IKE_AUTH
 *            sent: that request is the one pending; half-open responder:
 *            nothing pending; set up or deleting: no IKE_SA_INIT or IKE_AUTH
 *            pending
 *   set-up   an SA still setting up takes part in no exchange but IKE_SA_INIT
 *            and IKE_AUTH (RFC 7296 1.2: before IKE_AUTH completes nothing
 *            else is authenticated); checked around every delivery (fz_watch)
 *   owners   a Child SA belongs to the IKE SA whose list holds it; the conn's
 *            IKE SA is one of the engine's live ones
 *   data plane  the fake data plane holds exactly the Child SAs the engine
 *            says are installed, and no call surprised it: removing or
 *            preferring an SA that is not installed, or installing a second
 *            SA with the same inbound SPI, cannot follow from anything a peer
 *            sends (the engine makes those calls only for SAs it marked
 *            installed, and picks its inbound SPIs itself), so the harness's
 *            complaint is the engine's bug; a call refused because the
 *            harness's tables are full (an authenticated peer may well make
 *            256 Child SAs) is not, and does not count
 *   addresses  every message from an engine's own address to the peer's
 *            public one, natt matching the ports, every send accepted
 *   storms   no chain of STORM_DEPTH messages each sent in answer to the one
 *            before (a request's answer may start the next queued request,
 *            but the work queue is short: two engines answering each other
 *            for ever is a loop)
 */
#include "engine_fuzz.h"
#include "daemon/base/bytes.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fz_fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "\n==fuzz_ike_engine== invariant broken: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

static bool setting_up(enum ike_state s)
{
	return s == IKE_S_INIT_SENT || s == IKE_S_AUTH_SENT || s == IKE_S_INIT_DONE;
}

static void check_window(const struct side *s, const struct ike_sa *sa, const char *where)
{
	bool held = sa->rk.held && sa->pending == PEND_REKEY_IKE && !sa->req;

	if ((sa->req != NULL) != (sa->pending != PEND_NONE) && !held)
		fz_fail("%s: side %s IKE SA #%u (%s): request %s but pending %d", where, s->name,
			sa->serial, ike_state_name(sa->state), sa->req ? "outstanding" : "none",
			sa->pending);
}

static void check_state(const struct side *s, const struct ike_sa *sa, const char *where)
{
	const char *bad = NULL;

	switch (sa->state) {
	case IKE_S_NEW:
		bad = "left new";
		break;
	case IKE_S_INIT_SENT:
		bad = sa->pending != PEND_INIT ? "IKE_SA_INIT sent but not pending" : NULL;
		break;
	case IKE_S_AUTH_SENT:
		bad = sa->pending != PEND_AUTH ? "IKE_AUTH sent but not pending" : NULL;
		break;
	case IKE_S_INIT_DONE:
		bad = sa->pending != PEND_NONE ? "half-open responder has a request out" : NULL;
		break;
	default:
		bad = sa->pending == PEND_INIT || sa->pending == PEND_AUTH
			      ? "set up or deleting, yet IKE_SA_INIT/IKE_AUTH pending" : NULL;
	}
	if (!bad && sa->state != IKE_S_ESTABLISHED && !evtimer_pending(sa->state_ev, NULL))
		bad = "no deadline armed";
	if (bad)
		fz_fail("%s: side %s IKE SA #%u (%s, pending %d, next msgid %u, peer msgid %u): %s",
			where, s->name, sa->serial, ike_state_name(sa->state), sa->pending,
			sa->next_msgid, sa->peer_msgid, bad);
}

/* Installed Child SAs of the SA; fails on a stranger in its list. */
static unsigned check_children(const struct side *s, const struct ike_sa *sa, const char *where)
{
	unsigned installed = 0;
	bool child_listed = sa->child == NULL;

	for (const struct child_sa *c = sa->children; c; c = c->next) {
		if (c->ike != sa)
			fz_fail("%s: side %s: Child SA #%u in IKE SA #%u's list names another owner",
				where, s->name, c->serial, sa->serial);
		child_listed |= c == sa->child;
		if (!c->installed)
			continue;
		installed++;
		if (!side_installed(s, c->spi_in))
			fz_fail("%s: side %s: Child SA #%u (%08x) installed for the engine, not in "
				"the data plane", where, s->name, c->serial, c->spi_in);
	}
	if (!child_listed)
		fz_fail("%s: side %s: IKE SA #%u carries a Child SA not in its list", where, s->name,
			sa->serial);
	return installed;
}

static void check_side(const struct fz *f, const struct side *s, const char *where)
{
	unsigned installed = 0;
	bool conn_found = s->conn.ike == NULL;

	for (const struct ike_sa *sa = s->eng.sas; sa; sa = sa->next) {
		conn_found |= sa == s->conn.ike && sa->state != IKE_S_DEAD;
		installed += check_children(s, sa, where);
		if (sa->state == IKE_S_DEAD)
			continue;
		check_window(s, sa, where);
		check_state(s, sa, where);
	}
	if (!conn_found)
		fz_fail("%s: side %s: the conn's IKE SA is not a live SA of the engine", where,
			s->name);
	if (installed != s->n_inst)
		fz_fail("%s: side %s: %u Child SAs installed for the engine, %u in the data plane",
			where, s->name, installed, s->n_inst);
	if (s->dp_errors && !strstr(s->dp_error, "cannot record"))
		fz_fail("%s: side %s: data plane: %s", where, s->name, s->dp_error);
	if (s->wrong_conn)
		fz_fail("%s: side %s: io callback with a conn that is not ours", where, s->name);
}

void fz_check(struct fz *f, const char *where)
{
	const struct net *n = &f->net;

	for (int i = 0; i < 2; i++)
		check_side(f, &n->s[i], where);
	if (n->misrouted || n->bad_ports || n->send_fail)
		fz_fail("%s: messages misrouted %u, on the wrong port %u, not sent %u", where,
			n->misrouted, n->bad_ports, n->send_fail);
}

/* ---- around each delivery ---- */

static void snap_take(struct fz *f, const struct side *to)
{
	f->nsnap = 0;
	for (const struct ike_sa *sa = to->eng.sas; sa && f->nsnap < FZ_MAX_SNAP; sa = sa->next)
		if (setting_up(sa->state))
			f->snap[f->nsnap++] = (struct fz_snap){ sa, sa->state, sa->next_msgid,
								sa->peer_msgid, sa->pending };
}

static bool in_list(const struct side *s, const struct ike_sa *x)
{
	for (const struct ike_sa *sa = s->eng.sas; sa; sa = sa->next)
		if (sa == x)
			return true;
	return false;
}

static uint16_t port(const struct sockaddr_storage *ss)
{
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* The harness's port rule (harness.c deliver), said at once with the message
 * that broke it rather than as a count at the end. */
static void ports_check(const struct pkt *p, const struct side *to)
{
	uint16_t want = p->natt ? IKE_NATT_PORT : IKE_PORT;
	uint16_t sport = port(&p->src), dport = port(&p->dst);

	if (sport == want && (dport == want || (p->natt && to->nat_port)))
		return;
	fz_fail("side %s sent %s %s (message ID %u, %zu bytes, natt %d) from port %u to port %u",
		to->net->s[p->from].name, ike_exchange_name(p->hdr.exchange),
		p->hdr.flags & IKE_FLAG_R ? "response" : "request", p->hdr.msgid, p->len, p->natt,
		sport, dport);
}

#define STORM_DEPTH 64

static uint16_t depth_of(const struct fz *f, size_t seq)
{
	return seq < f->depth_cap ? f->depth[seq] : 0;
}

/* Messages sent during the delivery just over are one step further down. */
static void depth_note(struct fz *f, const struct net *n)
{
	if (n->ntrace + 1 > f->depth_cap) {
		size_t cap = (n->ntrace + 1) * 2;
		uint16_t *d = realloc(f->depth, cap * sizeof(*d));
		if (!d)
			return;
		memset(d + f->depth_cap, 0, (cap - f->depth_cap) * sizeof(*d));
		f->depth = d;
		f->depth_cap = cap;
	}
	for (size_t seq = f->trace_before + 1; seq <= n->ntrace; seq++)
		f->depth[seq] = (uint16_t)(f->cur_depth + 1);
	if (n->ntrace > f->trace_before && f->cur_depth + 1 >= STORM_DEPTH)
		fz_fail("message storm: a chain of %d messages, each sent in answer to the one "
			"before, without time passing", STORM_DEPTH);
}

/* No SA is freed during one ike_receive (ike_sa_kill defers it to a loop
 * turn, which comes after the watch), so the snapshot's pointers still hold. */
void fz_watch(struct net *n, const struct pkt *p, bool after, void *arg)
{
	struct fz *f = arg;
	const struct side *to = &n->s[!p->from];
	uint8_t exch = p->len >= IKE_HDR_LEN ? p->buf[18] : 0;

	if (!after && f->show)
		fprintf(stderr, "deliver %s %s %u from %s, natt %d, port %u -> %u\n",
			ike_exchange_name(p->hdr.exchange),
			p->hdr.flags & IKE_FLAG_R ? "response" : "request", p->hdr.msgid,
			n->s[p->from].name, p->natt, port(&p->src), port(&p->dst));
	if (!after) {
		ports_check(p, to);
		snap_take(f, to);
		f->cur_depth = depth_of(f, p->seq);
		f->trace_before = n->ntrace;
		return;
	}
	depth_note(f, n);
	/* shorter than a header: ike_receive drops it before looking at any SA */
	if (exch == IKE_SA_INIT || exch == IKE_AUTH || p->len < IKE_HDR_LEN)
		return;
	for (unsigned i = 0; i < f->nsnap; i++) {
		const struct fz_snap *w = &f->snap[i];
		const struct ike_sa *sa = w->sa;
		if (!in_list(to, sa))
			fz_fail("side %s: a half-open IKE SA vanished during one delivery", to->name);
		if (sa->state != w->state || sa->next_msgid != w->next_msgid ||
		    sa->peer_msgid != w->peer_msgid || sa->pending != w->pending)
			fz_fail("side %s: IKE SA #%u, still setting up (%s), took part in %s %s "
				"(message ID %u): now %s, next msgid %u -> %u, peer msgid %u -> %u",
				to->name, sa->serial, ike_state_name(w->state),
				ike_exchange_name(exch), p->buf[19] & IKE_FLAG_R ? "response" : "request",
				get_be32(p->buf + 20), ike_state_name(sa->state), w->next_msgid,
				sa->next_msgid, w->peer_msgid, sa->peer_msgid);
	}
}

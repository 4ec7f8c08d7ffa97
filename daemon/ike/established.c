/* SPDX-License-Identifier: Apache-2.0 */
/* An IKE SA that completed IKE_AUTH: its Child SA goes into the data plane,
 * and if both peers initiated at once (one SA started by each side), the
 * duplicate is resolved the way
 * RFC 7296 2.8.1 resolves rekey collisions: the SA holding the lowest of the
 * four nonces is redundant, so both sides pick the same survivor. */
#include "daemon/ike/engine.h"

#include <string.h>

#include "conf/conf.h"
#include "daemon/base/log.h"
#include "daemon/ike/proposal.h"

static const uint8_t *lowest(const struct ike_sa *sa, size_t *len)
{
	bool ni_low = ike_nonce_cmp(sa->ni, sa->nilen, sa->nr, sa->nrlen) < 0;
	*len = ni_low ? sa->nilen : sa->nrlen;
	return ni_low ? sa->ni : sa->nr;
}

/* Two SAs established this close together, one started by each side, come
 * from both peers initiating at once.  Otherwise the newer one replaces an
 * older one its initiator has given up on (a peer that restarted, or that
 * dropped its SA without telling us, as libreswan does when its kernel
 * refuses the Child SA), and the older one goes. */
#define SIMULTANEOUS_S 10

static bool crossed(const struct ike_sa *a, const struct ike_sa *b)
{
	return a->initiator != b->initiator && a->established + SIMULTANEOUS_S >= b->established &&
	       b->established + SIMULTANEOUS_S >= a->established;
}

/* Which of two established SAs of one conn is redundant. */
static struct ike_sa *redundant(struct ike_sa *a, struct ike_sa *b)
{
	if (!crossed(a, b))	/* the older one; serials break a tie within a second */
		return a->established != b->established
			       ? (a->established < b->established ? a : b)
			       : (a->serial < b->serial ? a : b);
	size_t la, lb;
	const uint8_t *na = lowest(a, &la), *nb = lowest(b, &lb);
	return ike_nonce_cmp(na, la, nb, lb) < 0 ? a : b;
}

static struct ike_sa *other_established(struct ike_sa *sa)
{
	for (struct ike_sa *o = sa->eng->sas; o; o = o->next)
		if (o != sa && o->conn == sa->conn && o->state == IKE_S_ESTABLISHED)
			return o;
	return NULL;
}

static void log_up(struct ike_sa *sa)
{
	struct proposal_choice c = { .encr = sa->alg.encr, .encr_keybits = sa->alg.encr_keybits,
				     .prf = sa->alg.prf, .integ = sa->alg.integ,
				     .dh = sa->dh_group };
	char algs[160];

	proposal_describe(&c, algs, sizeof(algs));
	IKE_SA_LOG(sa, LOG_NOTICE, "IKE SA established as %s (%s)%s%s",
		   sa->initiator ? "initiator" : "responder", algs,
		   sa->natt ? ", NAT-T on port 4500" : "",
		   sa->frag ? ", IKE fragmentation" : "");
	if (sa->child) {
		struct proposal_choice e = { .encr = sa->child->encr,
					     .encr_keybits = sa->child->encr_keybits,
					     .integ = sa->child->integ };
		proposal_describe(&e, algs, sizeof(algs));
		IKE_SA_LOG(sa, LOG_NOTICE, "Child SA #%u established: ESP %s, SPIs %08x in / %08x out%s",
			   sa->child->serial, algs, sa->child->spi_in, sa->child->spi_out,
			   sa->child->esn ? ", ESN" : "");
	}
}

void ike_established(struct ike_sa *sa)
{
	struct conn *conn = sa->conn;

	sa->authenticated = true;
	ike_state_set(sa, IKE_S_ESTABLISHED);
	sa->established = time(NULL);
	sa->est_mark = sa->eng->next_serial;
	log_up(sa);
	if (sa->child && child_sa_install(sa, sa->child)) {
		IKE_SA_LOG(sa, LOG_ERR, "cannot install Child SA #%u in the data plane",
			   sa->child->serial);
		ike_info_send_delete(sa);
		return;
	}
	if (sa->child)
		child_sa_start_timers(sa->child);
	ike_lifetime_start(sa);
	ike_dpd_start(sa);
	ike_keepalive_start(sa);
	if (!conn->ike || conn->ike->state != IKE_S_ESTABLISHED)
		conn->ike = sa;
	if (sa->eng->io.conn_up)
		sa->eng->io.conn_up(sa->eng->io.arg, conn);
	struct ike_sa *o = other_established(sa);
	if (!o)
		return;
	struct ike_sa *loser = redundant(sa, o), *winner = loser == sa ? o : sa;
	IKE_SA_LOG(sa, LOG_INFO, "%s: keeping IKE SA #%u, deleting #%u",
		   crossed(sa, o) ? "both sides initiated"
		   : sa->initiator ? "replaced an older IKE SA" : "peer replaced an older IKE SA",
		   winner->serial, loser->serial);
	conn->ike = winner;
	if (winner->child && winner->child->installed && sa->eng->io.child_prefer)
		sa->eng->io.child_prefer(sa->eng->io.arg, conn, winner->child);
	ike_info_send_delete(loser);
}


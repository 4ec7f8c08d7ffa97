/* SPDX-License-Identifier: Apache-2.0 */
/* Following the peer to a new address or port (RFC 7296 2.23).
 *
 * A NAT may forget a mapping and give the peer's next packets another port
 * (or address).  Only authenticated traffic moves an established IKE SA, and
 * with it the data plane's outbound SAs: a response to our request comes from
 * where the peer is now (its message ID makes it fresh), so it moves us at
 * once.  A request, or ESP (the data plane reports it), from a new place is
 * answered there, and checked: our outstanding request, or else a liveness
 * check, goes to the new place as well as to the old one, retransmitted to
 * both, and its answer says where the peer is.  So a copy of a packet that
 * someone on the path sends from elsewhere moves nothing (the peer answers
 * where it was), and a peer that moved is followed as soon as it answers.
 * (Keepalives that keep our own NAT's mapping: keepalive.c.) */
#include "daemon/ike/engine.h"

#include <event2/event.h>

#include "conf/conf.h"
#include "daemon/base/log.h"
#include "daemon/base/sockaddr.h"

static bool same_place(const struct ike_sa *sa, const struct sockaddr_storage *local,
		       const struct sockaddr_storage *remote)
{
	return sockaddr_same(&sa->remote, remote) && sockaddr_same(&sa->local, local);
}

static void move(struct ike_sa *sa, const struct sockaddr_storage *local,
		 const struct sockaddr_storage *remote)
{
	struct ike_io *io = &sa->eng->io;
	char from[64], to[64];

	sockaddr_str(&sa->remote, from, sizeof(from), true);
	sockaddr_str(remote, to, sizeof(to), true);
	IKE_SA_LOG(sa, LOG_NOTICE, "peer moved from %s to %s (authenticated): IKE and ESP follow",
		   from, to);
	sa->local = *local;
	sa->remote = *remote;
	if (io->peer_moved && sa->conn)
		io->peer_moved(io->arg, sa->conn, sa);
}

/* Check the new place: our outstanding request goes there now as well, or
 * a liveness check goes to both places. */
static void probe(struct ike_sa *sa, const struct sockaddr_storage *local,
		  const struct sockaddr_storage *remote)
{
	char to[64];

	if (sa->req_alt && sockaddr_same(&sa->alt_remote, remote))
		return;		/* being checked */
	sockaddr_str(remote, to, sizeof(to), true);
	IKE_SA_LOG(sa, LOG_INFO, "authenticated traffic from %s: checking that the peer is there",
		   to);
	sa->alt_local = *local;
	sa->alt_remote = *remote;
	sa->req_alt = true;
	if (sa->pending != PEND_NONE) {
		ike_exchange_send_msgs(sa->eng, local, remote, sa->natt, sa->req, sa->req_len);
		return;
	}
	sa->want.probe = true;
	ike_exchange_run_queue(sa);
}

void ike_move_seen(struct ike_sa *sa, const struct sockaddr_storage *local,
		   const struct sockaddr_storage *remote, bool natt, bool response)
{
	if (natt == sa->natt && same_place(sa, local, remote)) {
		if (response && sa->req_alt)
			IKE_SA_LOG(sa, LOG_INFO, "the peer answered where it was: it did not move");
		return;
	}
	if (sa->state != IKE_S_ESTABLISHED && sa->state != IKE_S_DELETING) {
		/* setting up: the initiator's move to port 4500 (RFC 3948) */
		if (natt) {
			sa->natt = true;
			sa->local = *local;
			sa->remote = *remote;
		}
		return;
	}
	if (!natt || !sa->natt)
		return;	/* an established SA talks on port 4500 only */
	if (response)
		move(sa, local, remote);
	else
		probe(sa, local, remote);
}

void ike_move_peer_seen(struct ike_engine *eng, uint32_t spi_in,
			const struct sockaddr_storage *local,
			const struct sockaddr_storage *remote)
{
	for (struct ike_sa *sa = eng->sas; sa; sa = sa->next) {
		if (sa->state != IKE_S_ESTABLISHED || !child_sa_by_spi_in(sa, spi_in))
			continue;
		if (sa->natt && !same_place(sa, local, remote))
			probe(sa, local, remote);
		return;
	}
}

int ike_move_probe_send(struct ike_sa *sa)
{
	uint8_t out[256], inner[64];
	struct ike_msgb b;
	struct ike_hdr h;

	ike_sa_hdr(sa, &h, INFORMATIONAL, false, sa->next_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	return ike_exchange_send_sealed(sa, &b, false, PEND_PROBE);
}

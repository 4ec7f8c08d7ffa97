/* SPDX-License-Identifier: Apache-2.0 */
/* NAT-T keepalives (RFC 3948 4): while we are behind a NAT, a one-byte
 * datagram to the peer's port 4500 every nat-keepalive= seconds keeps the
 * NAT's mapping alive when the tunnel is idle. */
#include "daemon/ike/engine.h"

#include <event2/event.h>

#include "conf/conf.h"

static void keepalive_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ike_sa *sa = arg;
	struct ike_io *io = &sa->eng->io;

	if (sa->state == IKE_S_ESTABLISHED && sa->natt && io->send_keepalive)
		io->send_keepalive(io->arg, sa->conn, &sa->local, &sa->remote);
}

void ike_keepalive_start(struct ike_sa *sa)
{
	unsigned every = sa->conn->cfg->nat_keepalive;
	struct timeval tv = { every, 0 };

	if (!every || !sa->nat_local || !sa->natt)
		return;
	if (!sa->keepalive_ev)
		sa->keepalive_ev = event_new(sa->eng->base, -1, EV_PERSIST, keepalive_cb, sa);
	if (sa->keepalive_ev)
		evtimer_add(sa->keepalive_ev, &tv);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's entry points (ike.h) that act on the whole engine or on a
 * conn: set up and tear down, start a conn, delete its SAs, ask for a rekey,
 * the clock.  A datagram comes in through ike_receive (receive.c), ESP from
 * another place through ike_move_peer_seen (move.c). */
#include "daemon/ike/engine.h"

#include <string.h>
#include <time.h>

#include "crypto/rand.h"
#include "daemon/ike/cookie.h"

void ike_engine_init(struct ike_engine *eng, struct event_base *base, const struct ike_io *io)
{
	memset(eng, 0, sizeof(*eng));
	eng->base = base;
	eng->io = *io;
	eng->next_serial = 1;
	ike_admit_init_defaults(eng);
	rand_bytes(&eng->index.key, sizeof(eng->index.key));
	eng->nonce_len = IKE_NONCE_LEN;
}

void ike_engine_set_conns(struct ike_engine *eng, struct conn **conns, size_t n)
{
	eng->conns = conns;
	eng->n_conns = n;
}

void ike_engine_clear(struct ike_engine *eng)
{
	ike_sa_free_all(eng);
	ike_cookies_clear(&eng->cookies);
}

double ike_engine_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int ike_engine_initiate(struct ike_engine *eng, struct conn *conn)
{
	struct ike_sa *sa = ike_sa_new(eng, conn, true, 0);

	if (!sa)
		return -1;
	if (!conn->ike)
		conn->ike = sa;
	if (ike_init_start(sa)) {
		ike_sa_kill(sa, "cannot build IKE_SA_INIT");	/* the glue counts its -1 */
		return -1;
	}
	return 0;
}

void ike_engine_delete_conn_why(struct ike_engine *eng, struct conn *conn, const char *why)
{
	for (struct ike_sa *sa = eng->sas; sa; sa = sa->next) {
		if (conn && sa->conn != conn)
			continue;
		if (sa->state == IKE_S_ESTABLISHED) {
			sa->pending = PEND_NONE;	/* going away: no need to wait */
			ike_info_send_delete(sa);
		}
		ike_sa_kill(sa, why);
	}
}

void ike_engine_delete_conn(struct ike_engine *eng, struct conn *conn)
{
	ike_engine_delete_conn_why(eng, conn, "shutting down");
}

enum ike_request_err ike_engine_request_rekey(struct ike_engine *eng, struct conn *conn,
					      enum ike_rekey_what what)
{
	struct ike_sa *sa = conn->ike;

	if (!sa || sa->eng != eng || sa->state != IKE_S_ESTABLISHED)
		return IKE_REQ_NOT_UP;
	if (what == IKE_REKEY_IKE) {
		sa->want.rekey_ike = true;
		sa->want.rekey_ike_by = IKE_REKEY_BY_HAND;
	} else if (!sa->child) {
		return IKE_REQ_NO_CHILD;
	} else {
		sa->want.rekey_child = sa->child->spi_in;
		sa->want.rekey_child_by = IKE_REKEY_BY_HAND;
	}
	ike_exchange_run_queue(sa);
	return IKE_REQ_OK;
}

const char *ike_fail_name(enum ike_fail f)
{
	static const char *const names[IKE_FAIL_COUNT] = {
		[IKE_FAIL_NONE] = "none", [IKE_FAIL_TIMEOUT] = "timeout", [IKE_FAIL_DPD] = "dpd",
		[IKE_FAIL_AUTH] = "auth", [IKE_FAIL_PROPOSAL] = "proposal",
		[IKE_FAIL_REFUSED] = "refused", [IKE_FAIL_PROTOCOL] = "protocol",
		[IKE_FAIL_EXPIRED] = "expired", [IKE_FAIL_LOCAL] = "local",
	};
	return (unsigned)f < IKE_FAIL_COUNT ? names[f] : "?";
}

const char *ike_rekey_by_name(enum ike_rekey_by by)
{
	static const char *const names[IKE_REKEY_BY_COUNT] = {
		[IKE_REKEY_BY_LIFETIME] = "lifetime", [IKE_REKEY_BY_VOLUME] = "volume",
		[IKE_REKEY_BY_HAND] = "manual", [IKE_REKEY_BY_PEER] = "peer",
	};
	return (unsigned)by < IKE_REKEY_BY_COUNT ? names[by] : "?";
}

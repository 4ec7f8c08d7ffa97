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
		ike_sa_kill(sa, "cannot build IKE_SA_INIT");
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
	} else if (!sa->child) {
		return IKE_REQ_NO_CHILD;
	} else {
		sa->want.rekey_child = sa->child->spi_in;
	}
	ike_exchange_run_queue(sa);
	return IKE_REQ_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Liveness (dead peer detection, RFC 7296 2.4): an empty INFORMATIONAL after
 * dpddelay of silence — no authenticated IKE message and no ESP packet — and
 * the peer declared dead when nothing has come back for dpdtimeout. */
#include "daemon/ike/engine.h"

#include <event2/event.h>

#include "conf/conf.h"
#include "daemon/base/log.h"

static double since(const struct timespec *ts)
{
	if (ts->tv_sec == 0 && ts->tv_nsec == 0)
		return 1e9;
	return ike_engine_now() - ((double)ts->tv_sec + ts->tv_nsec / 1e9);
}

/* Seconds since anything authenticated arrived from the peer. */
double ike_dpd_silence(struct ike_sa *sa)
{
	double s = since(&sa->last_rx);
	struct ike_io *io = &sa->eng->io;

	for (struct child_sa *c = sa->children; c && io->child_idle; c = c->next) {
		double idle = c->installed ? io->child_idle(io->arg, sa->conn, c) : 1e9;
		if (idle < s)
			s = idle;
	}
	return s;
}

void ike_dpd_dead(struct ike_sa *sa)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	static const char *const names[] = { "restart", "clear", "hold" };

	IKE_SA_LOG(sa, LOG_WARNING, "peer dead: nothing received for %.0fs; dpdaction=%s",
		   ike_dpd_silence(sa), names[cfg->dpdaction]);
	sa->down_wait = cfg->dpdaction != CONF_DPD_RESTART;
	sa->down_soon = !sa->down_wait;	/* come back quickly once the peer does */
	sa->down_why = "peer dead (DPD)";
	ike_sa_fail(sa, IKE_FAIL_DPD, "peer dead (DPD)");
}

static void dpd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ike_sa *sa = arg;
	const struct conf_conn *cfg = sa->conn->cfg;

	if (sa->state != IKE_S_ESTABLISHED || sa->rekeyed)
		return;
	double quiet = ike_dpd_silence(sa);
	if (quiet >= cfg->dpdtimeout && sa->pending != PEND_NONE) {
		ike_dpd_dead(sa);
		return;
	}
	if (quiet >= cfg->dpddelay && sa->pending == PEND_NONE && !sa->want.dpd) {
		sa->want.dpd = true;
		ike_exchange_run_queue(sa);
	}
}

void ike_dpd_start(struct ike_sa *sa)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	/* check every second when the delay is short, else a few times per delay */
	unsigned step = cfg->dpddelay <= 5 ? 1 : cfg->dpddelay / 5;
	struct timeval tv = { step, 0 };

	if (!cfg->dpddelay)
		return;
	if (!sa->dpd_ev)
		sa->dpd_ev = event_new(sa->eng->base, -1, EV_PERSIST, dpd_cb, sa);
	if (sa->dpd_ev)
		evtimer_add(sa->dpd_ev, &tv);
}

int ike_dpd_send(struct ike_sa *sa)
{
	uint8_t out[256], inner[64];
	struct ike_msgb b;
	struct ike_hdr h;

	IKE_SA_LOG(sa, LOG_DEBUG, "liveness check");
	ike_sa_hdr(sa, &h, INFORMATIONAL, false, sa->next_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	return ike_exchange_send_sealed(sa, &b, false, PEND_DPD);
}

void ike_dpd_on_response(struct ike_sa *sa)
{
	ike_exchange_done(sa);
}

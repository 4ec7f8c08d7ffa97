/* SPDX-License-Identifier: Apache-2.0 */
/* IKE SA lifetimes as libreswan defines them: rekey rekeymargin before the
 * end, plus up to rekeyfuzz percent of it at random; the original initiator
 * rekeys earlier than the responder, so both rarely start at once. */
#include "daemon/ike/engine.h"

#include <event2/event.h>

#include "conf/conf.h"
#include "crypto/rand.h"
#include "daemon/base/log.h"

unsigned ike_lifetime_rekey_after(const struct conf_conn *cfg, unsigned lifetime, bool initiator)
{
	uint32_t r = 0;
	unsigned margin = cfg->rekeymargin;

	if (!initiator)	/* half the margin: after any initiator's choice */
		return lifetime > margin / 2 ? lifetime - margin / 2 : 1;
	unsigned fuzz = (unsigned)((uint64_t)margin * cfg->rekeyfuzz / 100);
	if (fuzz && rand_bytes(&r, sizeof(r)) == 0)
		margin += r % (fuzz + 1);
	return lifetime > margin ? lifetime - margin : 1;
}

static void rekey_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ike_sa *sa = arg;

	if (sa->state != IKE_S_ESTABLISHED || sa->rekeyed)
		return;
	IKE_SA_LOG(sa, LOG_INFO, "rekeying the IKE SA (ikelifetime)");
	sa->want.rekey_ike = true;
	sa->want.rekey_ike_by = IKE_REKEY_BY_LIFETIME;
	ike_exchange_run_queue(sa);
}

static void expire_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ike_sa *sa = arg;

	IKE_SA_LOG(sa, LOG_WARNING, "IKE SA expired without a rekey");
	if (sa->state == IKE_S_ESTABLISHED) {
		sa->fail = sa->fail ? sa->fail : IKE_FAIL_EXPIRED;	/* for the DELETE's end */
		ike_info_send_delete(sa);
	} else {
		ike_sa_fail(sa, IKE_FAIL_EXPIRED, "expired");
	}
}

void ike_lifetime_start(struct ike_sa *sa)
{
	const struct conf_conn *cfg = sa->conn->cfg;
	struct timeval rk = { ike_lifetime_rekey_after(cfg, cfg->ikelifetime, sa->initiator), 0 };
	struct timeval ex = { cfg->ikelifetime, 0 };

	if (!sa->rekey_ev)
		sa->rekey_ev = evtimer_new(sa->eng->base, rekey_cb, sa);
	if (!sa->expire_ev)
		sa->expire_ev = evtimer_new(sa->eng->base, expire_cb, sa);
	if (cfg->rekey && sa->rekey_ev) {
		evtimer_add(sa->rekey_ev, &rk);
		sa->rekey_at = ike_engine_now() + (double)rk.tv_sec;
	}
	if (sa->expire_ev)
		evtimer_add(sa->expire_ev, &ex);
}

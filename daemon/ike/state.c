/* SPDX-License-Identifier: Apache-2.0 */
/* An IKE SA's state as a checked machine: which moves are legal, how long
 * each state may last before the SA is ended, and which exchanges each state
 * takes.  Every state but ESTABLISHED and DEAD has a deadline, so nothing a
 * peer does (or fails to do) leaves an SA half-way for ever. */
#include "daemon/ike/engine.h"

#include <event2/event.h>

#include "daemon/base/log.h"

#define X(e) (1u << ((e) - IKE_SA_INIT))

static const struct {
	const char *name;
	unsigned next;		/* bit per legal next state */
	unsigned deadline_s;	/* ended this long after entering it; 0 never */
	const char *why;	/* the reason the log gives then */
	unsigned req, resp;	/* X() of the exchanges taken as requests / responses */
} states[] = {
	[IKE_S_NEW] = { "new",
		1u << IKE_S_INIT_SENT | 1u << IKE_S_INIT_DONE | 1u << IKE_S_ESTABLISHED |
		1u << IKE_S_DEAD, 0, NULL, 0, 0 },
	[IKE_S_INIT_SENT] = { "IKE_SA_INIT sent",
		1u << IKE_S_INIT_SENT | 1u << IKE_S_AUTH_SENT | 1u << IKE_S_DEAD,
		IKE_SETUP_DEADLINE_S, "IKE_SA_INIT not answered", 0, X(IKE_SA_INIT) },
	[IKE_S_AUTH_SENT] = { "IKE_AUTH sent",
		1u << IKE_S_ESTABLISHED | 1u << IKE_S_DEAD,
		IKE_SETUP_DEADLINE_S, "IKE_AUTH not answered", 0, X(IKE_AUTH) },
	[IKE_S_INIT_DONE] = { "IKE_SA_INIT answered",
		1u << IKE_S_ESTABLISHED | 1u << IKE_S_DEAD,
		IKE_HALFOPEN_TIMEOUT_S, "no IKE_AUTH from the initiator", X(IKE_AUTH), 0 },
	[IKE_S_ESTABLISHED] = { "established",
		1u << IKE_S_DELETING | 1u << IKE_S_DEAD, 0, NULL,
		X(CREATE_CHILD_SA) | X(INFORMATIONAL), X(CREATE_CHILD_SA) | X(INFORMATIONAL) },
	/* a CREATE_CHILD_SA request is still answered (TEMPORARY_FAILURE) */
	[IKE_S_DELETING] = { "deleting",
		1u << IKE_S_DEAD, IKE_SETUP_DEADLINE_S, "DELETE not answered",
		X(CREATE_CHILD_SA) | X(INFORMATIONAL), X(INFORMATIONAL) },
	[IKE_S_DEAD] = { "dead", 0, 0, NULL, 0, 0 },
};

const char *ike_state_name(enum ike_state s)
{
	return (unsigned)s < sizeof(states) / sizeof(states[0]) ? states[s].name : "?";
}

bool ike_state_accepts(enum ike_state s, uint8_t exchange, bool response)
{
	if (exchange < IKE_SA_INIT || exchange > INFORMATIONAL)
		return false;
	return ((response ? states[s].resp : states[s].req) & X(exchange)) != 0;
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ike_sa *sa = arg;
	const char *why = states[sa->state].why;

	if (states[sa->state].deadline_s)
		ike_sa_fail(sa, IKE_FAIL_TIMEOUT, why);
}

int ike_state_set(struct ike_sa *sa, enum ike_state to)
{
	enum ike_state from = sa->state;

	if (!(states[from].next & 1u << to)) {
		IKE_SA_LOG(sa, LOG_ERR, "refusing state change %s -> %s", states[from].name,
			   states[to].name);
		return -1;
	}
	if (from != to)
		IKE_SA_LOG(sa, LOG_DEBUG, "%s -> %s", states[from].name, states[to].name);
	sa->state = to;
	if (!sa->initiator)	/* a responder's half-open SAs are counted, for admission */
		sa->eng->n_halfopen += (to == IKE_S_INIT_DONE) - (from == IKE_S_INIT_DONE);
	evtimer_del(sa->state_ev);
	if (states[to].deadline_s) {
		struct timeval tv = { states[to].deadline_s, 0 };
		event_assign(sa->state_ev, sa->eng->base, -1, 0, deadline_cb, sa);
		evtimer_add(sa->state_ev, &tv);
	}
	return 0;
}

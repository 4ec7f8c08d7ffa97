/* SPDX-License-Identifier: Apache-2.0 */
/* The series of each loaded conn, labelled conn="NAME": whether its tunnel
 * is up and its IKE SA's state, the ages of its SAs and the time to their
 * rekeys, its traffic and drops (the data plane's counters, as
 * trafficstatus sums them across rekeys), rekeys and IKE failures by
 * reason, liveness, NAT-T keepalives.  Every conn is looked at once per
 * scrape (struct snap), then each family is written for all of them. */
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

#include "conf/conf.h"
#include "daemon/daemon.h"
#include "daemon/metrics/collect.h"

/* One conn as this scrape sees it. */
struct snap {
	const struct conn *c;
	struct metrics_label conn;
	const struct ike_sa *sa;	/* its IKE SA (any state), or NULL */
	bool established;
	const struct child_sa *child;	/* carrying its traffic (installed), or NULL */
	struct conn_counters t;
	double silence;			/* seconds since the peer was last heard (established) */
};

/* Write a family of one sample per conn, for the conns get() answers
 * (false: none for that conn). */
typedef bool (*snap_get)(const struct snap *s, time_t now, double t, double *v);

static void per_conn(struct metrics_out *m, const struct snap *s, size_t n, const char *name,
		     enum metrics_type type, const char *help, snap_get get)
{
	time_t now = time(NULL);
	double t = ike_engine_now(), v;

	if (metrics_family(m, name, type, help) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (get(&s[i], now, t, &v))
			metrics_sample(m, &s[i].conn, 1, v);
}

static bool g_up(const struct snap *s, time_t now, double t, double *v)
{
	*v = s->established && s->child;
	return true;
}

static bool g_ike_age(const struct snap *s, time_t now, double t, double *v)
{
	*v = s->established ? (double)(now - s->sa->established) : 0;
	return s->established;
}

static bool g_child_age(const struct snap *s, time_t now, double t, double *v)
{
	*v = s->child ? (double)(now - s->child->add_time) : 0;
	return s->child != NULL;
}

/* Negative once a rekey is overdue; no sample without a rekey scheduled. */
static bool g_ike_rekey(const struct snap *s, time_t now, double t, double *v)
{
	*v = s->established ? s->sa->rekey_at - t : 0;
	return s->established && s->sa->rekey_at > 0;
}

static bool g_child_rekey(const struct snap *s, time_t now, double t, double *v)
{
	*v = s->child ? s->child->rekey_at - t : 0;
	return s->child && s->child->rekey_at > 0;
}

static bool g_heard(const struct snap *s, time_t now, double t, double *v)
{
	*v = s->silence;
	return s->established;
}

static bool g_keepalives(const struct snap *s, time_t now, double t, double *v)
{
	*v = (double)s->c->events.keepalives_sent;
	return true;
}

/* A state set: one sample per state of each conn, 1 for the one it is in. */
static void states(struct metrics_out *m, const struct snap *s, size_t n, const char *name,
		   const char *help, const char *const *names, size_t k,
		   size_t (*which)(const struct snap *s))
{
	if (metrics_family(m, name, METRICS_GAUGE, help) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < k; j++)
			metrics_sample(m, (struct metrics_label[]){ s[i].conn, { "state", names[j] } },
				       2, which(&s[i]) == j);
}

static const char *const ike_states[] = {
	"none", "new", "init_sent", "auth_sent", "init_answered", "established", "deleting",
};

static size_t ike_state_of(const struct snap *s)
{
	static const size_t of[] = {
		[IKE_S_NEW] = 1, [IKE_S_INIT_SENT] = 2, [IKE_S_AUTH_SENT] = 3, [IKE_S_INIT_DONE] = 4,
		[IKE_S_ESTABLISHED] = 5, [IKE_S_DELETING] = 6, [IKE_S_DEAD] = 0,
	};
	return s->sa && (unsigned)s->sa->state < sizeof(of) / sizeof(of[0]) ? of[s->sa->state] : 0;
}

static const char *const dpd_states[] = { "off", "inactive", "alive", "checking" };

static size_t dpd_state_of(const struct snap *s)
{
	if (!s->c->cfg->dpddelay)
		return 0;
	if (!s->established)
		return 1;
	return s->sa->pending == PEND_DPD ? 3 : 2;
}

/* Counters of struct conn_counters: traffic, then drops by cause. */
static const struct {
	const char *name, *help;
	size_t off;
} traffic[] = {
	{ "mcvpn_receive_bytes_total", "Inner (decrypted) bytes received through the tunnel, "
	  "across rekeys (trafficstatus inBytes)", offsetof(struct conn_counters, in_bytes) },
	{ "mcvpn_transmit_bytes_total", "Inner bytes sent through the tunnel before encryption, "
	  "across rekeys (trafficstatus outBytes)", offsetof(struct conn_counters, out_bytes) },
	{ "mcvpn_receive_packets_total", "Inner packets received through the tunnel",
	  offsetof(struct conn_counters, in_packets) },
	{ "mcvpn_transmit_packets_total", "Inner packets sent through the tunnel",
	  offsetof(struct conn_counters, out_packets) },
};

static const struct {
	const char *cause;
	size_t off;
} drop_causes[] = {
	{ "replay", offsetof(struct conn_counters, drop_replay) },
	{ "integrity", offsetof(struct conn_counters, drop_auth) },
	{ "selector", offsetof(struct conn_counters, drop_ts) },
	{ "selector_out", offsetof(struct conn_counters, drop_ts_out) },
	{ "other", offsetof(struct conn_counters, drop_other) },
};

static uint64_t counter(const struct conn_counters *t, size_t off)
{
	return *(const uint64_t *)((const char *)t + off);
}

static void traffic_families(struct metrics_out *m, const struct snap *s, size_t n)
{
	for (size_t f = 0; f < sizeof(traffic) / sizeof(traffic[0]); f++) {
		if (metrics_family(m, traffic[f].name, METRICS_COUNTER, traffic[f].help) < 0)
			continue;
		for (size_t i = 0; i < n; i++)
			metrics_sample_u64(m, &s[i].conn, 1, counter(&s[i].t, traffic[f].off));
	}
	if (metrics_family(m, "mcvpn_drops_total", METRICS_COUNTER,
			   "Packets of the conn's SAs dropped, by cause: replayed, failed integrity, "
			   "outside the traffic selectors (in; out: never sent), other") < 0)
		return;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < sizeof(drop_causes) / sizeof(drop_causes[0]); k++)
			metrics_sample_u64(m, (struct metrics_label[]){ s[i].conn,
					   { "cause", drop_causes[k].cause } }, 2,
					   counter(&s[i].t, drop_causes[k].off));
}

/* What the engine told (conn->events): every label pair, from 0. */
static void event_families(struct metrics_out *m, const struct snap *s, size_t n)
{
	static const char *const kinds[] = { [IKE_REKEY_CHILD] = "child", [IKE_REKEY_IKE] = "ike" };

	if (metrics_family(m, "mcvpn_rekeys_total", METRICS_COUNTER,
			   "Rekeys completed, by SA (child, ike) and by what started them: lifetime, "
			   "volume (2^31 packets), manual (mcvpnctl rekey), peer") == 0)
		for (size_t i = 0; i < n; i++)
			for (unsigned w = 0; w < 2; w++)
				for (unsigned b = 0; b < IKE_REKEY_BY_COUNT; b++)
					metrics_sample_u64(m, (struct metrics_label[]){ s[i].conn,
							   { "sa", kinds[w] }, { "reason", ike_rekey_by_name(b) } },
							   3, s[i].c->events.rekeys[w][b]);
	if (metrics_family(m, "mcvpn_ike_failures_total", METRICS_COUNTER,
			   "Times the conn was left without an IKE SA by a failure (a setup that "
			   "failed, or an IKE SA lost), by reason") == 0)
		for (size_t i = 0; i < n; i++)
			for (unsigned f = IKE_FAIL_NONE + 1; f < IKE_FAIL_COUNT; f++)
				metrics_sample_u64(m, (struct metrics_label[]){ s[i].conn,
						   { "reason", ike_fail_name(f) } }, 2,
						   s[i].c->events.ike_failures[f]);
}

static void snap_take(struct daemon *d, const struct conn *c, struct snap *s)
{
	struct ike_sa *sa = c->ike;

	s->c = c;
	s->conn = metrics_conn_label(c);
	s->sa = sa;
	s->established = sa && sa->state == IKE_S_ESTABLISHED;
	s->child = s->established && sa->child && sa->child->installed ? sa->child : NULL;
	status_conn_counters(d, c, &s->t);
	s->silence = s->established ? ike_dpd_silence(sa) : 0;
}

void metrics_conns_source(struct daemon *d, struct metrics_out *m)
{
	struct snap *s = calloc(d->n_conns ? d->n_conns : 1, sizeof(*s));
	size_t n = 0;

	if (!s)
		return;
	for (size_t i = 0; i < d->n_conns; i++)
		if (metrics_conn_shown(d->conns[i]))
			snap_take(d, d->conns[i], &s[n++]);
	per_conn(m, s, n, "mcvpn_tunnel_up", METRICS_GAUGE,
		 "1 while the conn's IKE SA is established and its Child SA carries traffic, else 0",
		 g_up);
	states(m, s, n, "mcvpn_ike_state", "The state of the conn's IKE SA: 1 for the one it is in "
	       "(none: no IKE SA)", ike_states, sizeof(ike_states) / sizeof(ike_states[0]),
	       ike_state_of);
	per_conn(m, s, n, "mcvpn_ike_sa_age_seconds", METRICS_GAUGE,
		 "Seconds since the conn's IKE SA was established (a rekey makes a new one)", g_ike_age);
	per_conn(m, s, n, "mcvpn_ike_sa_rekey_in_seconds", METRICS_GAUGE,
		 "Seconds until the IKE SA's rekey is due; negative when overdue", g_ike_rekey);
	per_conn(m, s, n, "mcvpn_child_sa_age_seconds", METRICS_GAUGE,
		 "Seconds since the Child SA carrying the traffic was added", g_child_age);
	per_conn(m, s, n, "mcvpn_child_sa_rekey_in_seconds", METRICS_GAUGE,
		 "Seconds until the Child SA's rekey is due; negative when overdue", g_child_rekey);
	traffic_families(m, s, n);
	event_families(m, s, n);
	states(m, s, n, "mcvpn_dpd_state", "Dead peer detection: off (dpddelay=0), inactive (no "
	       "established IKE SA), alive, checking (a liveness check is out)", dpd_states,
	       sizeof(dpd_states) / sizeof(dpd_states[0]), dpd_state_of);
	per_conn(m, s, n, "mcvpn_peer_last_heard_seconds", METRICS_GAUGE,
		 "Seconds since anything authenticated (IKE or ESP) came from the peer", g_heard);
	per_conn(m, s, n, "mcvpn_nat_keepalives_sent_total", METRICS_COUNTER,
		 "NAT-T keepalives sent to the peer while behind a NAT", g_keepalives);
	free(s);
}

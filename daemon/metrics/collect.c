/* SPDX-License-Identifier: Apache-2.0 */
/* The exposition: the sources in order (collect.h), and the daemon-wide
 * series: build, start time, what IKE_SA_INIT floods cost, and the data
 * plane's drops that no conn's SA accounts for. */
#include "daemon/metrics/collect.h"

#include <event2/buffer.h>

#include "conf/conf.h"
#include "daemon/base/log.h"
#include "daemon/daemon.h"
#include "daemon/dataplane/dataplane.h"

#ifndef MCVPN_VERSION
#define MCVPN_VERSION "unknown"
#endif

/* Every source of series, in the order of the exposition.  A module adds
 * its own families with one function of this shape and one line here. */
static const struct {
	const char *name;
	void (*write)(struct daemon *d, struct metrics_out *m);
} sources[] = {
	{ "daemon", metrics_daemon_source },
	{ "conns", metrics_conns_source },
	{ "probe", metrics_probe_source },
};

bool metrics_conn_shown(const struct conn *c)
{
	return c && c->cfg->autostart != CONF_AUTO_IGNORE;
}

struct metrics_label metrics_conn_label(const struct conn *c)
{
	return (struct metrics_label){ "conn", c->cfg->name };
}

static void one(struct metrics_out *m, const char *name, enum metrics_type t, const char *help,
		uint64_t v)
{
	if (metrics_family(m, name, t, help) == 0)
		metrics_sample_u64(m, NULL, 0, v);
}

static void drops(struct metrics_out *m, const struct dp_global_stats *g)
{
	static const char *const causes[] = { "unknown_spi", "malformed", "no_sa" };
	const uint64_t v[] = { g->drop_unknown_spi, g->drop_malformed, g->drop_no_sa };

	if (metrics_family(m, "mcvpn_daemon_drops_total", METRICS_COUNTER,
			   "ESP packets dropped before any conn's SA took them: unknown SPI, malformed, "
			   "or no outbound SA for their tunnel") < 0)
		return;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		metrics_sample_u64(m, &(struct metrics_label){ "cause", causes[i] }, 1, v[i]);
}

void metrics_daemon_source(struct daemon *d, struct metrics_out *m)
{
	struct dp_global_stats g;

	if (metrics_family(m, "mcvpn_build_info", METRICS_GAUGE,
			   "Always 1; the version of the running mcvpnd in its label") == 0)
		metrics_sample(m, &(struct metrics_label){ "version", MCVPN_VERSION }, 1, 1);
	one(m, "mcvpn_start_time_seconds", METRICS_GAUGE,
	    "When mcvpnd started, in seconds since the Unix epoch", (uint64_t)d->started);
	one(m, "mcvpn_ike_halfopen_sas", METRICS_GAUGE,
	    "Responder IKE SAs with IKE_SA_INIT answered and IKE_AUTH not yet done",
	    ike_sa_count_halfopen(&d->eng));
	one(m, "mcvpn_ike_cookies_sent_total", METRICS_COUNTER,
	    "IKE_SA_INIT requests answered with a COOKIE (RFC 7296 2.6)", d->eng.cookies_sent);
	one(m, "mcvpn_ike_halfopen_refused_total", METRICS_COUNTER,
	    "IKE_SA_INIT requests refused at the caps on half-open IKE SAs", d->eng.halfopen_refused);
	dp_get_global_stats(d->dp, &g);
	drops(m, &g);
	one(m, "mcvpn_nat_keepalives_received_total", METRICS_COUNTER,
	    "NAT-T keepalives (RFC 3948) received on port 4500", g.keepalives_rx);
}

void metrics_collect(struct daemon *d, struct evbuffer *out)
{
	struct metrics_out m;
	static struct log_limit limit;

	metrics_out_init(&m, out);
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		sources[i].write(d, &m);
		if (m.err && log_limit_pass(&limit, LOG_ERR))
			log_err("metrics: the %s series: %s (left out)", sources[i].name, m.err);
		m.err = NULL;
	}
}

void metrics_collect_fill(void *arg, struct evbuffer *out)
{
	metrics_collect(arg, out);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The in-tunnel probe's series (probe= with interface-ip=), labelled
 * conn="NAME", for the conns that have a probe: requests sent and
 * answered, whether the last was answered, the share lost of the last
 * PROBE_WINDOW, and the round-trip times as a histogram.  What they are is
 * probe.h's; they start at 0 with the probe (daemon start, a reload that
 * changed it). */
#include <stddef.h>

#include "conf/conf.h"
#include "daemon/daemon.h"
#include "daemon/metrics/collect.h"
#include "daemon/probe/probe.h"

static bool has_probe(const struct conn *c)
{
	return metrics_conn_shown(c) && c->probe;
}

/* One family of one sample per conn with a probe. */
static void per_probe(struct daemon *d, struct metrics_out *m, const char *name,
		      enum metrics_type type, const char *help,
		      double (*get)(const struct probe_stats *s))
{
	if (metrics_family(m, name, type, help) < 0)
		return;
	for (size_t i = 0; i < d->n_conns; i++) {
		struct metrics_label conn;

		if (!has_probe(d->conns[i]))
			continue;
		conn = metrics_conn_label(d->conns[i]);
		metrics_sample(m, &conn, 1, get(probe_get_stats(d->conns[i]->probe)));
	}
}

static double g_sent(const struct probe_stats *s)
{
	return (double)s->sent;
}

static double g_received(const struct probe_stats *s)
{
	return (double)s->received;
}

static double g_up(const struct probe_stats *s)
{
	return s->up;
}

/* probe.h's buckets are cumulative, the writer's are not. */
static void rtt_histogram(struct metrics_out *m, const struct conn *c)
{
	const struct probe_stats *s = probe_get_stats(c->probe);
	struct metrics_label conn = metrics_conn_label(c);
	uint64_t counts[PROBE_RTT_BUCKETS];

	for (size_t i = 0; i < PROBE_RTT_BUCKETS; i++)
		counts[i] = s->rtt_le[i] - (i ? s->rtt_le[i - 1] : 0);
	metrics_histogram(m, &conn, 1, probe_rtt_bounds, counts, PROBE_RTT_BUCKETS,
			  s->rtt_count, s->rtt_sum);
}

void metrics_probe_source(struct daemon *d, struct metrics_out *m)
{
	per_probe(d, m, "mcvpn_probe_sent_total", METRICS_COUNTER,
		  "Echo requests the in-tunnel probe sent through the tunnel", g_sent);
	per_probe(d, m, "mcvpn_probe_received_total", METRICS_COUNTER,
		  "Echo requests of the in-tunnel probe answered in time", g_received);
	per_probe(d, m, "mcvpn_probe_up", METRICS_GAUGE,
		  "1 while the probe's last finished request was answered, else 0 (stopped: "
		  "no Child SA)", g_up);
	per_probe(d, m, "mcvpn_probe_loss_ratio", METRICS_GAUGE,
		  "Share of the probe's last 60 finished requests that were lost (0 before any)",
		  probe_stats_loss_ratio);
	if (metrics_family(m, "mcvpn_probe_rtt_seconds", METRICS_HISTOGRAM,
			   "Round-trip times of the probe's answered requests, in seconds") < 0)
		return;
	for (size_t i = 0; i < d->n_conns; i++)
		if (has_probe(d->conns[i]))
			rtt_histogram(m, d->conns[i]);
}

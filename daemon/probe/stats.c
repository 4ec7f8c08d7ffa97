/* SPDX-License-Identifier: Apache-2.0 */
/* A probe's results: counts, the round-trip histogram, the loss window
 * and the moments worth a log line, and the limit on those lines.  No
 * clock of its own: times come from the caller. */
#include <string.h>

#include "daemon/probe/probe.h"

/* Prometheus-style bounds from 0.5 ms (a ping inside one cloud region)
 * to 5 s (PROBE_TIMEOUT_MAX: no answer comes later). */
const double probe_rtt_bounds[PROBE_RTT_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
};

_Static_assert(PROBE_WINDOW <= 64, "the loss window is one 64-bit word");

static void window_push(struct probe_stats *s, bool lost)
{
	s->window = s->window << 1 | (lost ? 1u : 0u);
	if (s->window_len < PROBE_WINDOW)
		s->window_len++;
}

/* Returns whether the last result changed. */
static bool finish(struct probe_stats *s, enum probe_result r)
{
	bool changed = s->last != r;

	s->last = r;
	s->up = r == PROBE_ANSWERED;
	window_push(s, r == PROBE_LOST);
	return changed;
}

bool probe_stats_answered(struct probe_stats *s, double rtt)
{
	if (rtt < 0)
		rtt = 0;
	s->received++;
	s->last_rtt = rtt;
	s->rtt_sum += rtt;
	s->rtt_count++;
	for (unsigned i = 0; i < PROBE_RTT_BUCKETS; i++)
		s->rtt_le[i] += rtt <= probe_rtt_bounds[i];
	s->lost_run = 0;
	return finish(s, PROBE_ANSWERED);
}

bool probe_stats_lost(struct probe_stats *s)
{
	s->lost++;
	s->lost_run++;
	return finish(s, PROBE_LOST);
}

void probe_stats_stopped(struct probe_stats *s)
{
	s->up = false;
	s->last = PROBE_NONE;
}

double probe_stats_loss_ratio(const struct probe_stats *s)
{
	uint64_t mask = s->window_len >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << s->window_len) - 1;

	if (!s->window_len)
		return 0;
	return (double)__builtin_popcountll(s->window & mask) / s->window_len;
}

bool probe_log_pass(struct probe_log_limit *l, double now, unsigned *left_out)
{
	if (now - l->start >= PROBE_LOG_WINDOW_S || now < l->start) {
		l->start = now;
		l->lines = 0;
	}
	if (l->lines >= PROBE_LOG_BURST) {
		l->held++;
		return false;
	}
	l->lines++;
	*left_out = l->held;
	l->held = 0;
	return true;
}

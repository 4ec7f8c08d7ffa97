/* SPDX-License-Identifier: Apache-2.0 */
/* The in-tunnel probe (probe=, probe-interval=): while a conn has a Child
 * SA, an ICMP echo request from its tunnel device's address to probe=
 * every interval, through the tunnel (ICMPv6 for IPv6), and what came of
 * it.  How the echoes travel, and why so: probe.c.
 *
 * The glue makes one probe per conn with probe= and interface-ip=
 * (conn->probe), starts it when the conn's first Child SA is in the data
 * plane and stops it when the last goes.  Everything runs on the control
 * thread (the event loop), where the results are also read: no lock.
 *
 * For the metrics collector, per conn (label conn=conn->cfg->name), from
 * probe_get_stats(conn->probe) (conn->probe NULL: the conn has no probe):
 *   mcvpn_probe_sent_total               sent
 *   mcvpn_probe_received_total           received
 *   mcvpn_probe_loss_ratio               probe_stats_loss_ratio()
 *   mcvpn_probe_up                       up (0/1)
 *   mcvpn_probe_rtt_seconds_bucket{le}   rtt_le[i] for le=probe_rtt_bounds[i];
 *                                        le="+Inf": rtt_count
 *   mcvpn_probe_rtt_seconds_sum, _count  rtt_sum, rtt_count
 * The counts start at 0 when the probe is made (daemon start, a reload that
 * changed the conn's probe), as a restarted process's would. */
#ifndef MCVPN_PROBE_H
#define MCVPN_PROBE_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

struct dataplane;
struct event_base;

/* Round-trip time buckets, upper bounds in seconds (Prometheus' le=). */
#define PROBE_RTT_BUCKETS 13
extern const double probe_rtt_bounds[PROBE_RTT_BUCKETS];
/* The loss ratio's window: the last 60 finished requests (10 minutes at
 * the default interval). */
#define PROBE_WINDOW 60
/* A request is lost after its interval or this many seconds, the shorter. */
#define PROBE_TIMEOUT_MAX 5
/* Transition lines in the log: at most this many per window, per probe. */
#define PROBE_LOG_BURST 6
#define PROBE_LOG_WINDOW_S 60

enum probe_result { PROBE_NONE, PROBE_ANSWERED, PROBE_LOST };

struct probe_stats {
	uint64_t sent;			/* requests made */
	uint64_t received;		/* answered in time */
	uint64_t lost;			/* no answer in time, or none before the Child SA went */
	bool up;			/* the last finished request was answered; false while
					 * the probe is stopped */
	enum probe_result last;		/* of the last finished request since the start */
	unsigned lost_run;		/* requests lost in a row */
	double last_rtt;		/* seconds, of the last answer; < 0: none yet */
	uint64_t rtt_le[PROBE_RTT_BUCKETS];	/* answers with an RTT <= probe_rtt_bounds[i]
						 * (cumulative) */
	uint64_t rtt_count;		/* every answer: the +Inf bucket, = received */
	double rtt_sum;			/* seconds */
	uint64_t window;		/* bit i: the (i+1)-th latest finished request was lost */
	unsigned window_len;		/* finished requests in the window, <= PROBE_WINDOW */
};

/* One finished request.  Each returns true when what the last finished
 * request says changed (the first one since the start is a change): the
 * moments the log tells of. */
bool probe_stats_answered(struct probe_stats *s, double rtt);
bool probe_stats_lost(struct probe_stats *s);
/* No Child SA any more: up false; the next result is a change again. */
void probe_stats_stopped(struct probe_stats *s);
/* Lost over finished requests of the window; 0 when none finished yet. */
double probe_stats_loss_ratio(const struct probe_stats *s);

/* The log's limit: a line passes unless PROBE_LOG_BURST passed already in
 * this PROBE_LOG_WINDOW_S window; *left_out (when it passes) is how many
 * were held back since the last that passed. */
struct probe_log_limit {
	double start;
	unsigned lines, held;
};
bool probe_log_pass(struct probe_log_limit *l, double now, unsigned *left_out);

/* What a probe is given (copied by probe_new). */
struct probe_config {
	char conn[64];			/* the conn's name, for the log */
	char device[IFNAMSIZ];		/* its tunnel device, for the log */
	int family;			/* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];	/* interface-ip='s address, probe= */
	unsigned interval;		/* seconds */
};

enum probe_state {
	PROBE_STOPPED,			/* no Child SA */
	PROBE_WAITING,			/* started, no request finished yet */
	PROBE_UP,			/* the last request was answered */
	PROBE_FAILING,			/* the last request was lost */
};

struct probe;

/* A stopped probe; base and dp borrowed (they outlive it).  NULL on ENOMEM. */
struct probe *probe_new(struct event_base *base, struct dataplane *dp, const struct probe_config *cfg);
/* Stops it first; NULL is a no-op. */
void probe_free(struct probe *p);
/* Probe through data plane tunnel id from now on (a no-op when running):
 * the first request a second later, then one per interval.  0 or -errno. */
int probe_start(struct probe *p, int tunnel);
/* No more requests; one still waiting counts as lost.  A no-op when stopped. */
void probe_stop(struct probe *p);

const struct probe_config *probe_get_config(const struct probe *p);
/* NULL for a NULL probe. */
const struct probe_stats *probe_get_stats(const struct probe *p);
enum probe_state probe_get_state(const struct probe *p);
const char *probe_state_name(enum probe_state s);
/* Seconds after which a request is lost: the interval, at most PROBE_TIMEOUT_MAX. */
unsigned probe_timeout(const struct probe_config *cfg);
bool probe_config_equal(const struct probe_config *a, const struct probe_config *b);

#endif

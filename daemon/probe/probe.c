/* SPDX-License-Identifier: Apache-2.0 */
/* The in-tunnel probe at run time: its timers, its requests and their
 * answers, and the log of its changes.
 *
 * How the echoes travel.  A request is built here as a whole IP packet
 * (echo.c) and handed to the data plane, which encrypts it under the
 * tunnel's current outbound SA as if it had been read from the tunnel
 * device (dp_tunnel_send).  The peer decrypts it and writes it to its
 * device, its host answers, and the answer comes back under the peer's
 * outbound SA; our data plane copies each decrypted echo reply that
 * carries this probe's identifier to a socketpair read here, on the loop
 * (dp_tunnel_set_probe), and writes it on to our device as any packet.  So
 * the probe takes the traffic's own path: our outbound SA, the network,
 * the peer's inbound SA, device and host, its outbound SA, our inbound SA.
 * What it leaves out is our kernel's routing into our device, which
 * mcvpnd keeps itself (conn.c puts back a deleted address, route or
 * device).
 *
 * Why not a socket.  Under its unit (packaging/mcvpnd.service) mcvpnd has
 * CAP_NET_ADMIN and CAP_NET_BIND_SERVICE and nothing else.  A raw ICMP
 * socket needs CAP_NET_RAW, and would see every ICMP packet of the host.
 * An unprivileged ICMP socket (SOCK_DGRAM, IPPROTO_ICMP) is refused unless
 * the daemon's group lies in net.ipv4.ping_group_range, which is "1 0"
 * (nobody) in the kernel, in every new network namespace and on Debian 12,
 * and which the unit's ProtectKernelTunables=yes keeps mcvpnd from
 * changing: the probe would work on some hosts only.  The data plane's way
 * needs no privilege, no socket but a socketpair, and no host setting.
 *
 * Not fooled by a stray reply.  A packet counts as the answer only if it
 * was decrypted under one of this tunnel's inbound SAs (authenticated
 * ESP), is an echo reply with this probe's identifier (random at each
 * start), comes from probe= to the device's address, and brings back the
 * random token and the serial number of the request still waiting, with
 * its checksums right (echo.c).  An answer to an earlier request, after
 * its timeout, is late and counts for nothing; anything else is ignored
 * with a rate-limited debug line.
 *
 * Time: a request is lost when its timeout (probe_timeout) passes, an
 * event of its own; when the timeout is the interval, the next request's
 * timer settles the last one first.  Round trips are measured on
 * CLOCK_MONOTONIC from the handing over to the data plane to the reading
 * of the copy. */
#include "daemon/probe/probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto/rand.h"
#include "daemon/base/log.h"
#include "daemon/dataplane/dataplane.h"
#include "daemon/probe/echo.h"

#define FIRST_AFTER_S 1		/* the peer installs its inbound SA after ours */
#define READS_PER_EVENT 16

struct probe {
	struct probe_config cfg;
	struct probe_stats stats;
	struct event_base *base;	/* borrowed */
	struct dataplane *dp;		/* borrowed */
	bool running;
	int tunnel;			/* while running */
	struct probe_echo echo;		/* identifier and token: new at each start */
	uint64_t serial;		/* of the last request made */
	bool waiting;			/* that request has no answer yet, nor was it lost */
	double sent_at;			/* monotonic seconds */
	int fd[2];			/* owned while running: [0] read here, [1] lent to
					 * the data plane */
	struct event *tick;		/* owned: the next request */
	struct event *deadline;		/* owned: the waiting request's timeout, when
					 * shorter than the interval */
	struct event *read_ev;		/* owned while running */
	struct probe_log_limit limit;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *target(const struct probe *p, char *buf, size_t len)
{
	if (!inet_ntop(p->cfg.family, p->cfg.dst, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

unsigned probe_timeout(const struct probe_config *cfg)
{
	return cfg->interval < PROBE_TIMEOUT_MAX ? cfg->interval : PROBE_TIMEOUT_MAX;
}

/* A change of the last result, rate-limited (PROBE_LOG_BURST a window). */
static void log_change(struct probe *p, int prio, const char *text)
{
	char dst[INET6_ADDRSTRLEN], more[64] = "";
	unsigned held;

	if (!probe_log_pass(&p->limit, now_s(), &held))
		return;
	if (held)
		snprintf(more, sizeof(more), " (%u earlier changes not logged)", held);
	log_conn(prio, p->cfg.conn, "probe %s: %s%s", target(p, dst, sizeof(dst)), text, more);
}

static void answered(struct probe *p, double rtt)
{
	enum probe_result before = p->stats.last;
	unsigned run = p->stats.lost_run;
	char text[96];

	p->waiting = false;
	evtimer_del(p->deadline);
	if (!probe_stats_answered(&p->stats, rtt))
		return;
	if (before == PROBE_LOST) {
		snprintf(text, sizeof(text), "answered again after %u lost, RTT %.2f ms", run, rtt * 1e3);
		log_change(p, LOG_NOTICE, text);
	} else {
		snprintf(text, sizeof(text), "answered through %s, RTT %.2f ms", p->cfg.device, rtt * 1e3);
		log_change(p, LOG_INFO, text);
	}
}

static void lost(struct probe *p)
{
	char text[96];

	p->waiting = false;
	evtimer_del(p->deadline);
	if (!probe_stats_lost(&p->stats))
		return;
	snprintf(text, sizeof(text), "no answer within %us: failing", probe_timeout(&p->cfg));
	log_change(p, LOG_WARNING, text);
}

static void send_next(struct probe *p)
{
	uint8_t pkt[PROBE_ECHO_MAX];
	size_t len = probe_echo_build(&p->echo, ++p->serial, pkt, sizeof(pkt));
	struct timeval tv = { (time_t)probe_timeout(&p->cfg), 0 };
	int r;

	p->stats.sent++;
	p->waiting = true;
	p->sent_at = now_s();
	r = len ? dp_tunnel_send(p->dp, p->tunnel, pkt, len) : -EINVAL;
	if (r)		/* no outbound SA for a moment, the send failed: lost in time */
		log_limited(LOG_DEBUG, p->cfg.conn, "probe request %llu not sent: %s",
			    (unsigned long long)p->serial, strerror(-r));
	if (probe_timeout(&p->cfg) < p->cfg.interval)
		evtimer_add(p->deadline, &tv);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	struct timeval tv = { (time_t)p->cfg.interval, 0 };

	if (p->waiting)
		lost(p);
	send_next(p);
	evtimer_add(p->tick, &tv);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;

	if (p->waiting)
		lost(p);
}

static void on_reply(struct probe *p, const uint8_t *pkt, size_t len, double at)
{
	enum probe_reply r = probe_echo_match(&p->echo, p->serial, pkt, len);

	if (r == PROBE_REPLY_OK && p->waiting) {
		answered(p, at - p->sent_at);
		return;
	}
	if (r == PROBE_REPLY_OK)	/* its request timed out already */
		r = PROBE_REPLY_LATE;
	log_limited(LOG_DEBUG, p->cfg.conn, "probe: ignored a packet of %zu bytes (%s)", len,
		    probe_reply_name(r));
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	uint8_t buf[2048];

	for (int i = 0; i < READS_PER_EVENT; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0)
			return;
		if ((size_t)n <= sizeof(buf))	/* longer: no echo of ours */
			on_reply(p, buf, (size_t)n, now_s());
	}
}

struct probe *probe_new(struct event_base *base, struct dataplane *dp, const struct probe_config *cfg)
{
	struct probe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->cfg = *cfg;
	p->cfg.conn[sizeof(p->cfg.conn) - 1] = '\0';
	p->cfg.device[sizeof(p->cfg.device) - 1] = '\0';
	p->base = base;
	p->dp = dp;
	p->fd[0] = p->fd[1] = -1;
	p->stats.last_rtt = -1;
	p->echo.family = cfg->family;
	memcpy(p->echo.src, cfg->src, sizeof(p->echo.src));
	memcpy(p->echo.dst, cfg->dst, sizeof(p->echo.dst));
	p->tick = evtimer_new(base, on_tick, p);
	p->deadline = evtimer_new(base, on_deadline, p);
	if (!p->tick || !p->deadline) {
		probe_free(p);
		return NULL;
	}
	return p;
}

void probe_free(struct probe *p)
{
	if (!p)
		return;
	probe_stop(p);
	if (p->tick)
		event_free(p->tick);
	if (p->deadline)
		event_free(p->deadline);
	free(p);
}

/* A new identifier (never 0) and token for this start. */
static int new_echo(struct probe *p)
{
	do {
		if (rand_bytes(&p->echo.ident, sizeof(p->echo.ident)))
			return -EIO;
	} while (p->echo.ident == 0);
	return rand_bytes(p->echo.token, sizeof(p->echo.token)) ? -EIO : 0;
}

static void close_fds(struct probe *p)
{
	for (int i = 0; i < 2; i++) {
		if (p->fd[i] >= 0)
			close(p->fd[i]);
		p->fd[i] = -1;
	}
}

int probe_start(struct probe *p, int tunnel)
{
	struct timeval first = { FIRST_AFTER_S, 0 };
	int r;

	if (p->running)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, p->fd) < 0) {
		p->fd[0] = p->fd[1] = -1;
		return -errno;
	}
	p->read_ev = event_new(p->base, p->fd[0], EV_READ | EV_PERSIST, on_read, p);
	r = !p->read_ev || event_add(p->read_ev, NULL) ? -ENOMEM : new_echo(p);
	if (r == 0)
		r = dp_tunnel_set_probe(p->dp, tunnel, p->echo.ident, p->fd[1]);
	if (r) {
		if (p->read_ev)
			event_free(p->read_ev);
		p->read_ev = NULL;
		close_fds(p);
		return r;
	}
	p->running = true;
	p->tunnel = tunnel;
	evtimer_add(p->tick, &first);
	return 0;
}

void probe_stop(struct probe *p)
{
	if (!p || !p->running)
		return;
	/* the data plane lets go of the socket before it is closed */
	dp_tunnel_set_probe(p->dp, p->tunnel, 0, -1);
	if (p->waiting) {
		p->waiting = false;
		probe_stats_lost(&p->stats);
	}
	probe_stats_stopped(&p->stats);
	evtimer_del(p->tick);
	evtimer_del(p->deadline);
	event_free(p->read_ev);
	p->read_ev = NULL;
	close_fds(p);
	p->running = false;
}

const struct probe_config *probe_get_config(const struct probe *p)
{
	return &p->cfg;
}

const struct probe_stats *probe_get_stats(const struct probe *p)
{
	return p ? &p->stats : NULL;
}

enum probe_state probe_get_state(const struct probe *p)
{
	if (!p->running)
		return PROBE_STOPPED;
	return p->stats.last == PROBE_ANSWERED ? PROBE_UP :
	       p->stats.last == PROBE_LOST ? PROBE_FAILING : PROBE_WAITING;
}

const char *probe_state_name(enum probe_state s)
{
	static const char *const names[] = {
		[PROBE_STOPPED] = "stopped", [PROBE_WAITING] = "waiting", [PROBE_UP] = "up",
		[PROBE_FAILING] = "failing",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

bool probe_config_equal(const struct probe_config *a, const struct probe_config *b)
{
	return a->family == b->family && a->interval == b->interval &&
	       memcmp(a->src, b->src, sizeof(a->src)) == 0 && memcmp(a->dst, b->dst, sizeof(a->dst)) == 0 &&
	       strcmp(a->device, b->device) == 0;
}

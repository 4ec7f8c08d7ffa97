/* SPDX-License-Identifier: Apache-2.0 */
/* Daemon lifecycle: set-up in dependency order, the event loop, and a
 * tear-down that sends DELETE and removes every interface it created. */
#include "daemon/daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "conf/conf.h"
#include "daemon/ctl/server.h"
#include "daemon/dataplane/dataplane.h"
#include "daemon/hook/hook.h"
#include "daemon/linger.h"
#include "daemon/base/log.h"
#include "daemon/metrics/collect.h"
#include "daemon/metrics/http.h"
#include "daemon/probe/probe.h"
#include "netlink/nl.h"

static void engine_recv(void *arg, const struct sockaddr_storage *local,
			const struct sockaddr_storage *remote, bool natt, const uint8_t *msg,
			size_t len)
{
	struct daemon *d = arg;
	ike_receive(&d->eng, local, remote, natt, msg, len);
}

static void engine_esp_elsewhere(void *arg, uint32_t spi_in, const struct sockaddr_storage *local,
				 const struct sockaddr_storage *remote)
{
	struct daemon *d = arg;
	ike_move_peer_seen(&d->eng, spi_in, local, remote);
}

/* The host changed a moment ago (events come in bursts): the same files
 * resolved on it again. */
static void host_cb(evutil_socket_t fd, short what, void *arg)
{
	daemon_resolve_again(arg);
}

/* An address added or removed, a default route added, changed or removed,
 * or events lost: which end is this host and %defaultroute may have moved. */
static bool host_event(const struct nl_event *ev)
{
	switch (ev->type) {
	case NL_EV_ADDR_NEW:
	case NL_EV_ADDR_DEL:
	case NL_EV_RESYNC:
		return true;
	case NL_EV_ROUTE_NEW:
	case NL_EV_ROUTE_DEL:
		/* a default route of the main table, not one of ours */
		return ev->prefix.len == 0 && ev->table == NL_TABLE_MAIN &&
		       ev->protocol != NL_RTPROT_MCVPN;
	default:
		return false;
	}
}

static void nl_event_cb(const struct nl_event *ev, void *arg)
{
	struct daemon *d = arg;
	struct timeval soon = { 1, 0 };

	conn_netlink_event(d, ev->type, ev->type == NL_EV_RESYNC ? 0 : ev->ifindex);
	if (host_event(ev) && d->host_ev && !evtimer_pending(d->host_ev, NULL))
		evtimer_add(d->host_ev, &soon);
}

static void monitor_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	nl_monitor_read(d->mon, nl_event_cb, d);
}

static void notify_status(struct daemon *d);

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	if (sig == SIGHUP) {
		log_notice("SIGHUP: reloading %s", d->config_dir);
		sd_notify(0, "RELOADING=1");
		daemon_reload(d, NULL);
		sd_notify(0, "READY=1");
		notify_status(d);
		return;
	}
	if (d->stopping) {	/* waiting for the conns' down hooks: stop waiting */
		log_notice("%s again: not waiting for hooks", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		d->stop_now = true;
		return;
	}
	log_notice("%s: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	event_base_loopexit(d->base, NULL);
}

static int setup_conns(struct daemon *d)
{
	d->n_conns = d->conf->n_conns;
	d->conns = calloc(d->n_conns ? d->n_conns : 1, sizeof(*d->conns));
	if (!d->conns)
		return -1;
	for (size_t i = 0; i < d->n_conns; i++)
		if (!(d->conns[i] = conn_new(d, &d->conf->conns[i])))
			return -1;
	for (size_t i = 0; i < d->n_conns; i++)
		if (d->conns[i]->cfg->autostart != CONF_AUTO_IGNORE && conn_setup(d, d->conns[i]))
			return -1;
	return 0;
}

static int setup_netlink(struct daemon *d)
{
	d->nl = nl_open();
	d->mon = nl_monitor_open();
	if (!d->nl || !d->mon) {
		log_err("cannot open rtnetlink: %s", strerror(errno));
		return -1;
	}
	d->mon_ev = event_new(d->base, nl_monitor_fd(d->mon), EV_READ | EV_PERSIST, monitor_cb, d);
	d->host_ev = evtimer_new(d->base, host_cb, d);
	return d->mon_ev && d->host_ev && event_add(d->mon_ev, NULL) == 0 ? 0 : -1;
}

/* "127.0.0.1:9447", "[::1]:9447" */
static void listen_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(sin6->sin6_port));
	} else {
		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
	}
}

int daemon_metrics_listen(struct daemon *d, const struct conf_setup *was, struct evbuffer *out)
{
	const struct sockaddr_storage *at = &d->conf->setup.metrics_listen;
	char where[INET6_ADDRSTRLEN + 16];
	int err = 0;

	if (was && conf_setup_metrics_equal(was, &d->conf->setup))
		return 0;
	if (d->metrics)
		log_notice("metrics: no longer listening (metrics-listen= changed)");
	metrics_http_free(d->metrics);
	d->metrics = NULL;
	if (!at->ss_family) {
		if (was && out)
			evbuffer_add_printf(out, "metrics-listen: off\n");
		return 0;
	}
	listen_str(at, where, sizeof(where));
	d->metrics = metrics_http_new(d->base, at, metrics_collect_fill, d, &err);
	if (!d->metrics) {
		log_err("metrics-listen=%s: cannot listen: %s; no metrics over HTTP (mcvpnctl metrics "
			"still answers)", where, strerror(err));
		if (out)
			evbuffer_add_printf(out, "metrics-listen=%s: cannot listen: %s\n", where,
					    strerror(err));
		return -1;
	}
	log_notice("metrics: GET /metrics on %s", where);
	if (was && out)
		evbuffer_add_printf(out, "metrics-listen: now %s\n", where);
	return 0;
}

int daemon_init(struct daemon *d, struct conf *conf, const char *config_dir, const char *ctl_path)
{
	struct ike_io io;
	const int sigs[3] = { SIGTERM, SIGINT, SIGHUP };

	memset(d, 0, sizeof(*d));
	d->conf = conf;
	d->config_dir = config_dir;
	d->started = time(NULL);
	signal(SIGPIPE, SIG_IGN);
	d->base = event_base_new();
	d->dp = dp_new();
	d->hooks = d->base ? hook_runner_new(d->base, NULL) : NULL;
	if (!d->base || !d->dp || !d->hooks) {
		log_err("cannot start the event loop or the data plane threads");
		return -1;
	}
	udp_init(&d->udp, d->base, d->dp, engine_recv, d);
	d->udp.elsewhere = engine_esp_elsewhere;
	daemon_io(d, &io);
	ike_engine_init(&d->eng, d->base, &io);
	if (setup_netlink(d) || setup_conns(d))
		return -1;
	ike_engine_set_conns(&d->eng, d->conns, d->n_conns);
	d->ctl = ctl_server_new(d->base, ctl_path, ctl_commands_handler, d);
	if (!d->ctl)
		return -1;
	daemon_metrics_listen(d, NULL, NULL);	/* the tunnels matter more: on without it */
	for (int i = 0; i < 3; i++) {
		d->sig_ev[i] = evsignal_new(d->base, sigs[i], signal_cb, d);
		if (!d->sig_ev[i] || event_add(d->sig_ev[i], NULL))
			return -1;
	}
	return 0;
}

/* "1 conn: oracle-tunnel-1 up 2h13m" for systemctl status. */
static void notify_status(struct daemon *d)
{
	char buf[512];
	size_t used = 0;
	time_t now = time(NULL);

	used += (size_t)snprintf(buf, sizeof(buf), "%zu conn%s:", d->n_conns,
				 d->n_conns == 1 ? "" : "s");
	for (size_t i = 0; i < d->n_conns && used < sizeof(buf) - 64; i++) {
		struct conn *c = d->conns[i];
		const struct ike_sa *sa = c->ike;
		if (sa && sa->state == IKE_S_ESTABLISHED) {
			long up = (long)(now - sa->established);
			for (const struct ike_sa *o = d->eng.sas; o; o = o->next)
				if (o->conn == c && o->state == IKE_S_ESTABLISHED && o->established < now - up)
					up = (long)(now - o->established);
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, " %.40s up %ldh%02ldm",
						 c->cfg->name, up / 3600, up / 60 % 60);
		} else {
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, " %.40s %s",
						 c->cfg->name, c->tun_fd < 0 ? (c->cfg->left.ss_family ? "ignored" :
						 "waiting for a default route") : sa ? "connecting" : "down");
		}
	}
	sd_notifyf(0, "STATUS=%s", buf);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	notify_status(arg);
}

/* WATCHDOG=1 comes from the loop itself, so a stuck loop gets restarted. */
static void watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	sd_notify(0, "WATCHDOG=1");
}

static void start_notify_timers(struct daemon *d)
{
	uint64_t usec = 0;
	struct timeval tick = { 5, 0 };

	d->tick_ev = event_new(d->base, -1, EV_PERSIST, tick_cb, d);
	if (d->tick_ev)
		event_add(d->tick_ev, &tick);
	if (sd_watchdog_enabled(0, &usec) > 0 && usec) {
		struct timeval half = { (time_t)(usec / 2 / 1000000), (suseconds_t)(usec / 2 % 1000000) };
		d->watchdog_ev = event_new(d->base, -1, EV_PERSIST, watchdog_cb, d);
		if (d->watchdog_ev)
			event_add(d->watchdog_ev, &half);
	}
}

/* The conns' down hooks (and what ran before them) finish before mcvpnd
 * exits, each within its updown-timeout=; no conn is matched meanwhile, so
 * nothing comes up again.  A second SIGTERM stops the wait. */
static void hooks_drain(struct daemon *d)
{
	if (hook_runner_idle(d->hooks))
		return;
	log_notice("waiting for the conns' hooks to finish (SIGTERM again: do not wait)");
	ike_engine_set_conns(&d->eng, NULL, 0);
	while (!hook_runner_idle(d->hooks) && !d->stop_now)
		event_base_loop(d->base, EVLOOP_ONCE);
}

int daemon_run(struct daemon *d)
{
	for (size_t i = 0; i < d->n_conns; i++)
		conn_start(d->conns[i]);
	start_notify_timers(d);
	sd_notify(0, "READY=1");
	notify_status(d);
	log_notice("mcvpnd started: %zu conn%s", d->n_conns, d->n_conns == 1 ? "" : "s");
	event_base_dispatch(d->base);
	sd_notify(0, "STOPPING=1");
	d->stopping = true;
	ike_engine_delete_conn(&d->eng, NULL);
	hooks_drain(d);
	return 0;
}

void daemon_free(struct daemon *d)
{
	d->stopping = true;
	metrics_http_free(d->metrics);
	ctl_server_free(d->ctl);
	hook_runner_free(d->hooks);	/* kills what still runs */
	d->hooks = NULL;
	ike_engine_clear(&d->eng);
	for (size_t i = 0; i < d->n_conns; i++)
		if (d->conns[i])
			conn_teardown(d, d->conns[i]);
	linger_flush(d, NULL);
	udp_close_all(&d->udp);
	dp_free(d->dp);
	for (int i = 0; i < 3; i++)
		if (d->sig_ev[i])
			event_free(d->sig_ev[i]);
	if (d->mon_ev)
		event_free(d->mon_ev);
	if (d->host_ev)
		event_free(d->host_ev);
	if (d->tick_ev)
		event_free(d->tick_ev);
	if (d->watchdog_ev)
		event_free(d->watchdog_ev);
	nl_monitor_close(d->mon);
	nl_close(d->nl);
	for (size_t i = 0; i < d->n_conns; i++) {
		if (d->conns && d->conns[i])
			probe_free(d->conns[i]->probe);
		free(d->conns ? d->conns[i] : NULL);
	}
	free(d->conns);
	conf_free(d->conf);
	if (d->base)
		event_base_free(d->base);
}

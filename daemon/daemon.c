/* Daemon lifecycle: set-up in dependency order, the event loop, and a
 * tear-down that sends DELETE and removes every interface it created. */
#include "daemon/daemon.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "conf/conf.h"
#include "daemon/ctl.h"
#include "daemon/dataplane.h"
#include "daemon/log.h"
#include "netlink/nl.h"

static void engine_recv(void *arg, const struct sockaddr_storage *local,
			const struct sockaddr_storage *remote, bool natt, const uint8_t *msg,
			size_t len)
{
	struct daemon *d = arg;
	ike_receive(&d->eng, local, remote, natt, msg, len);
}

static void nl_event_cb(const struct nl_event *ev, void *arg)
{
	struct daemon *d = arg;
	conn_netlink_event(d, ev->type, ev->type == NL_EV_RESYNC ? 0 : ev->ifindex);
}

static void monitor_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	nl_monitor_read(d->mon, nl_event_cb, d);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	if (sig == SIGHUP) {
		log_notice("SIGHUP: reload is not implemented yet; configuration unchanged");
		return;
	}
	log_notice("%s: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	event_base_loopexit(d->base, NULL);
}

static int setup_conns(struct daemon *d)
{
	d->n_conns = d->conf->n_conns;
	d->conns = calloc(d->n_conns ? d->n_conns : 1, sizeof(*d->conns));
	d->conn_ptrs = calloc(d->n_conns ? d->n_conns : 1, sizeof(*d->conn_ptrs));
	if (!d->conns || !d->conn_ptrs)
		return -1;
	for (size_t i = 0; i < d->n_conns; i++) {
		struct conn *c = &d->conns[i];
		c->cfg = &d->conf->conns[i];
		c->d = d;
		c->tun_fd = -1;
		c->tunnel_id = (int)i + 1;
		d->conn_ptrs[i] = c;
	}
	for (size_t i = 0; i < d->n_conns; i++) {
		const struct conf_conn *cfg = d->conns[i].cfg;
		if (cfg->autostart == CONF_AUTO_IGNORE)
			continue;	/* as in libreswan: written down, not loaded */
		uint32_t mark = cfg->has_mark ? cfg->mark & cfg->mark_mask : 0;
		if (!udp_open(&d->udp, &cfg->left, mark) || conn_setup(d, &d->conns[i]))
			return -1;
	}
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
	return d->mon_ev && event_add(d->mon_ev, NULL) == 0 ? 0 : -1;
}

int daemon_init(struct daemon *d, struct conf *conf, const char *ctl_path)
{
	struct ike_io io;
	const int sigs[3] = { SIGTERM, SIGINT, SIGHUP };

	memset(d, 0, sizeof(*d));
	d->conf = conf;
	d->started = time(NULL);
	signal(SIGPIPE, SIG_IGN);
	d->base = event_base_new();
	d->dp = dp_new();
	if (!d->base || !d->dp) {
		log_err("cannot start the event loop or the data plane threads");
		return -1;
	}
	udp_init(&d->udp, d->base, d->dp, engine_recv, d);
	daemon_io(d, &io);
	ike_engine_init(&d->eng, d->base, &io);
	if (setup_netlink(d) || setup_conns(d))
		return -1;
	ike_engine_set_conns(&d->eng, d->conn_ptrs, d->n_conns);
	d->ctl = ctl_new(d->base, ctl_path, ctl_cmds_handler, d);
	if (!d->ctl)
		return -1;
	for (int i = 0; i < 3; i++) {
		d->sig_ev[i] = evsignal_new(d->base, sigs[i], signal_cb, d);
		if (!d->sig_ev[i] || event_add(d->sig_ev[i], NULL))
			return -1;
	}
	return 0;
}

int daemon_run(struct daemon *d)
{
	for (size_t i = 0; i < d->n_conns; i++)
		conn_start(&d->conns[i]);
	sd_notifyf(0, "READY=1\nSTATUS=%zu conn%s configured", d->n_conns,
		   d->n_conns == 1 ? "" : "s");
	log_notice("mcvpnd started: %zu conn%s", d->n_conns, d->n_conns == 1 ? "" : "s");
	event_base_dispatch(d->base);
	sd_notify(0, "STOPPING=1");
	d->stopping = true;
	ike_delete_conn(&d->eng, NULL);
	return 0;
}

void daemon_free(struct daemon *d)
{
	d->stopping = true;
	ctl_free(d->ctl);
	ike_engine_clear(&d->eng);
	for (size_t i = 0; i < d->n_conns; i++)
		conn_teardown(d, &d->conns[i]);
	udp_close_all(&d->udp);
	dp_free(d->dp);
	for (int i = 0; i < 3; i++)
		if (d->sig_ev[i])
			event_free(d->sig_ev[i]);
	if (d->mon_ev)
		event_free(d->mon_ev);
	nl_monitor_close(d->mon);
	nl_close(d->nl);
	free(d->conns);
	free(d->conn_ptrs);
	conf_free(d->conf);
	if (d->base)
		event_base_free(d->base);
}

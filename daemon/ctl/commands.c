/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's answers to the control socket's commands (mcvpnctl): each in
 * words an operator can act on (metrics: in the Prometheus text format).
 * Which commands there are, their arguments and usage: ctl/catalog.c. */
#include <event2/buffer.h>
#include <event2/event.h>
#include <string.h>

#include "conf/conf.h"
#include "daemon/ctl/catalog.h"
#include "daemon/daemon.h"
#include "daemon/host.h"
#include "daemon/base/log.h"
#include "daemon/metrics/collect.h"

typedef int (*cmd_fn)(struct daemon *d, int argc, char **argv, struct evbuffer *out);

static struct conn *find_conn(struct daemon *d, const char *name, struct evbuffer *out)
{
	for (size_t i = 0; i < d->n_conns; i++)
		if (strcmp(d->conns[i]->cfg->name, name) == 0) {
			if (d->conns[i]->tun_fd >= 0)
				return d->conns[i];
			if (d->conns[i]->cfg->left.ss_family == AF_UNSPEC)
				evbuffer_add_printf(out, "\"%.64s\": waiting for a default route "
						    "(left=%%defaultroute)", name);
			else
				evbuffer_add_printf(out, "conn \"%.64s\" is auto=ignore: not loaded", name);
			return NULL;
		}
	evbuffer_add_printf(out, "no conn named \"%.64s\" (see mcvpnctl status)", name);
	return NULL;
}

/* The optional --json of status and trafficstatus. */
static int json_flag(int argc, char **argv, struct evbuffer *out, bool *json)
{
	*json = argc == 2 && strcmp(argv[1], "--json") == 0;
	if (argc == 2 && !*json) {
		evbuffer_add_printf(out, "usage: %s [--json]", argv[0]);
		return -1;
	}
	return 0;
}

static int cmd_status(struct daemon *d, int argc, char **argv, struct evbuffer *out)
{
	bool json;

	if (json_flag(argc, argv, out, &json))
		return -1;
	if (json)
		status_json(d, out);
	else
		status_write(d, out);
	return 0;
}

static int cmd_trafficstatus(struct daemon *d, int argc, char **argv, struct evbuffer *out)
{
	bool json;

	if (json_flag(argc, argv, out, &json))
		return -1;
	if (json)
		status_json_trafficstatus(d, out);
	else
		status_trafficstatus(d, out);
	return 0;
}

static int cmd_up(struct daemon *d, int argc, char **argv, struct evbuffer *out)
{
	struct conn *c = find_conn(d, argv[1], out);

	if (!c)
		return -1;
	c->hold = false;
	c->admin_down = false;
	if (c->ike) {
		evbuffer_add_printf(out, "\"%s\": already %s\n", c->cfg->name,
				    c->ike->state == IKE_S_ESTABLISHED ? "up" : "connecting");
		return 0;
	}
	c->retries = 0;
	if (ike_engine_initiate(&d->eng, c)) {
		evbuffer_add_printf(out, "\"%s\": cannot initiate (see the log)", c->cfg->name);
		return -1;
	}
	evbuffer_add_printf(out, "\"%s\": initiating\n", c->cfg->name);
	return 0;
}

static int cmd_down(struct daemon *d, int argc, char **argv, struct evbuffer *out)
{
	struct conn *c = find_conn(d, argv[1], out);

	if (!c)
		return -1;
	c->admin_down = true;	/* we never initiate it again until "up" */
	if (c->retry_ev)
		evtimer_del(c->retry_ev);
	c->retry_at = 0;
	ike_engine_delete_conn_why(&d->eng, c, "mcvpnctl down");
	evbuffer_add_printf(out, "\"%s\": SAs deleted; %s\n", c->cfg->name,
			    c->cfg->routing == CONF_ROUTING_EXTERNAL ?
			    "interface stays, without a carrier (routing=external)" :
			    c->cfg->routes_when_down == CONF_ROUTES_WITHDRAW && c->n_routes ?
			    "interface stays, routes withdrawn (routes-when-down=withdraw)" :
			    "interface and routes stay (traffic is dropped)");
	return 0;
}

static int cmd_rekey(struct daemon *d, int argc, char **argv, struct evbuffer *out)
{
	struct conn *c = find_conn(d, argv[1], out);
	const char *what = argc > 2 ? argv[2] : "child";

	if (!c)
		return -1;
	if (strcmp(what, "ike") != 0 && strcmp(what, "child") != 0) {
		evbuffer_add_printf(out, "rekey takes NAME [child|ike], not \"%.32s\"", what);
		return -1;
	}
	switch (ike_engine_request_rekey(&d->eng, c, strcmp(what, "ike") == 0 ? IKE_REKEY_IKE
								   : IKE_REKEY_CHILD)) {
	case IKE_REQ_OK:
		break;
	case IKE_REQ_NOT_UP:
		evbuffer_add_printf(out, "\"%s\": not up, nothing to rekey", c->cfg->name);
		return -1;
	case IKE_REQ_NO_CHILD:
		evbuffer_add_printf(out, "\"%s\": has no Child SA to rekey", c->cfg->name);
		return -1;
	}
	evbuffer_add_printf(out, "\"%s\": rekeying the %s SA\n", c->cfg->name,
			    strcmp(what, "ike") == 0 ? "IKE" : "Child");
	return 0;
}

/* debug on|off [NAME]: debug lines for the whole daemon, or for one
 * conn's lines alone (any configured conn, loaded or not). */
static int cmd_debug(struct daemon *d, int argc, char **argv, struct evbuffer *out)
{
	const char *name = argc > 2 ? argv[2] : NULL;
	bool on = strcmp(argv[1], "on") == 0, known = false;

	if (!on && strcmp(argv[1], "off") != 0) {
		evbuffer_add_printf(out, "debug takes on|off [NAME], not \"%.32s\"", argv[1]);
		return -1;
	}
	if (!name) {
		log_debug_set(on);
		log_notice("debug logging %s for the whole daemon (mcvpnctl debug)", on ? "on" : "off");
		evbuffer_add_printf(out, "debug logging %s\n", on ? "on for the whole daemon" :
				    "off (for the whole daemon and every conn)");
		return 0;
	}
	for (size_t i = 0; i < d->n_conns && !known; i++)
		known = strcmp(d->conns[i]->cfg->name, name) == 0;
	if (!known) {
		evbuffer_add_printf(out, "no conn named \"%.64s\" (see mcvpnctl status)", name);
		return -1;
	}
	if (log_debug_conn_set(name, on)) {
		evbuffer_add_printf(out, "debug logging is on for %d conns already: turn it on for the "
				    "whole daemon instead (mcvpnctl debug on)", LOG_DEBUG_CONNS);
		return -1;
	}
	log_conn(LOG_NOTICE, name, "debug logging %s (mcvpnctl debug)", on ? "on" : "off");
	evbuffer_add_printf(out, "\"%s\": debug logging %s%s\n", name, on ? "on" : "off",
			    !on && log_debug_get() ? ", but on for the whole daemon still "
			    "(mcvpnctl debug off)" : "");
	return 0;
}

/* What --check would say of the config dir now, without applying it. */
static int cmd_check(struct daemon *d, int argc, char **argv, struct evbuffer *out)
{
	struct conf_diag diag = { 0 };
	struct conf *conf = NULL;
	int r = host_conf_load(d->nl, d->config_dir, &conf, &diag);

	for (size_t i = 0; i < diag.n_notes; i++)
		evbuffer_add_printf(out, "%s\n", diag.notes[i]);
	for (size_t i = 0; i < diag.n; i++)
		evbuffer_add_printf(out, "%s\n", diag.msgs[i]);
	if (r)
		evbuffer_add_printf(out, "%zu problem%s in %s", diag.n, diag.n == 1 ? "" : "s",
				    d->config_dir);
	else
		evbuffer_add_printf(out, "%s: configuration OK, %zu conn%s\n", d->config_dir,
				    conf->n_conns, conf->n_conns == 1 ? "" : "s");
	conf_diag_free(&diag);
	conf_free(conf);
	return r ? -1 : 0;
}

static int cmd_reload(struct daemon *d, int argc, char **argv, struct evbuffer *out)
{
	return daemon_reload(d, out);
}

/* The names of the configured conns, one per line (shell completion). */
static int cmd_conns(struct daemon *d, int argc, char **argv, struct evbuffer *out)
{
	for (size_t i = 0; i < d->n_conns; i++)
		evbuffer_add_printf(out, "%s\n", d->conns[i]->cfg->name);
	return 0;
}

/* The series GET /metrics serves, for node_exporter's textfile collector. */
static int cmd_metrics(struct daemon *d, int argc, char **argv, struct evbuffer *out)
{
	metrics_collect(d, out);
	return 0;
}

static const struct {
	const char *name;	/* in ctl_catalog, not offline */
	cmd_fn fn;
} handlers[] = {
	{ "status", cmd_status },
	{ "trafficstatus", cmd_trafficstatus },
	{ "conns", cmd_conns },
	{ "up", cmd_up },
	{ "down", cmd_down },
	{ "rekey", cmd_rekey },
	{ "reload", cmd_reload },
	{ "check", cmd_check },
	{ "metrics", cmd_metrics },
	{ "debug", cmd_debug },
};

static void known_commands(struct evbuffer *out)
{
	const char *sep = "";

	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		evbuffer_add_printf(out, "%s%s", sep, handlers[i].name);
		sep = ", ";
	}
}

int ctl_commands_handler(void *arg, int argc, char **argv, struct evbuffer *out)
{
	const struct ctl_command *c = ctl_catalog_find(argv[0]);
	struct daemon *d = arg;

	for (size_t i = 0; c && i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (strcmp(argv[0], handlers[i].name) != 0)
			continue;
		if (argc - 1 < c->min_args || argc - 1 > c->max_args) {
			evbuffer_add_printf(out, "usage: %s", c->usage);
			return -1;
		}
		return handlers[i].fn(d, argc, argv, out);
	}
	if (c && c->offline)
		evbuffer_add_printf(out, "'%s' is run by mcvpnctl itself, not by mcvpnd", c->name);
	else {
		evbuffer_add_printf(out, "unknown command '%.64s' (known: ", argv[0]);
		known_commands(out);
		evbuffer_add_printf(out, ")");
	}
	return -1;
}

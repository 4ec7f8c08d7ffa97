/* SPDX-License-Identifier: Apache-2.0 */
/* Reload: the new config replaces the old one conn by conn.  An unchanged
 * conn keeps its SAs, TUN, counters and traffic (only its config pointer
 * moves to the new, equal copy); a removed one sends DELETE and loses its
 * interface; a changed one restarts; a new one starts.  A config with any
 * error changes nothing.  The same happens, from the files already read,
 * when the host's addresses or default route change
 * (daemon_resolve_again): a conn whose %defaultroute or local end moved
 * restarts, the others are not touched. */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "daemon/daemon.h"
#include "daemon/host.h"
#include "daemon/base/log.h"

static struct conn *take_old(struct daemon *d, const char *name)
{
	for (size_t i = 0; i < d->n_conns; i++) {
		struct conn *c = d->conns[i];
		if (c && strcmp(c->cfg->name, name) == 0) {
			d->conns[i] = NULL;
			return c;
		}
	}
	return NULL;
}

struct apply {
	struct evbuffer *out;		/* borrowed; NULL: the log only */
	const char *why;		/* "reload", "host changed" */
	const char *restart;		/* what a changed conn's restart is called */
	size_t changed;			/* conns added, changed or removed */
	int failed;
};

static void say(struct apply *a, const char *name, const char *what)
{
	log_conn(LOG_NOTICE, name, "%s: %s", a->why, what);
	if (a->out)
		evbuffer_add_printf(a->out, "\"%s\": %s\n", name, what);
}

static int refuse(struct evbuffer *out, struct conf_diag *diag)
{
	log_err("reload refused: %zu problem%s in the configuration; nothing changed", diag->n,
		diag->n == 1 ? "" : "s");
	for (size_t i = 0; i < diag->n; i++) {
		log_err("%s", diag->msgs[i]);
		if (out)
			evbuffer_add_printf(out, "%s\n", diag->msgs[i]);
	}
	if (out)
		evbuffer_add_printf(out, "reload refused: the running configuration is unchanged");
	conf_diag_free(diag);
	return -1;
}

/* Old conns no longer configured: DELETE, interface removed. */
static void drop_rest(struct daemon *d, struct apply *a)
{
	for (size_t i = 0; i < d->n_conns; i++) {
		if (!d->conns[i])
			continue;
		a->changed++;
		say(a, d->conns[i]->cfg->name, "removed");
		log_debug_conn_set(d->conns[i]->cfg->name, false);
		conn_free(d, d->conns[i]);
		d->conns[i] = NULL;
	}
}

/* The conn for new config entry cfg: the old one if it is unchanged. */
static struct conn *place(struct daemon *d, const struct conf_conn *cfg, struct apply *a)
{
	struct conn *old = take_old(d, cfg->name), *c;

	if (old && conf_conn_equal(old->cfg, cfg)) {
		if (!conf_conn_hook_equal(old->cfg, cfg))	/* read at each event */
			say(a, cfg->name, "hook changed: applied from its next run, the tunnel untouched");
		old->cfg = cfg;
		if (conn_probe_apply(d, old))	/* the probe is not the tunnel's */
			say(a, cfg->name, "probe changed: applied, the tunnel untouched");
		return old;
	}
	a->changed++;
	if (old) {
		say(a, cfg->name, a->restart);
		conn_free(d, old);
	} else {
		say(a, cfg->name, "added");
	}
	c = conn_new(d, cfg);
	if (c && conn_bring_up(d, c) == 0)
		return c;
	say(a, cfg->name, "cannot start (see the log)");
	a->failed = 1;
	return c;
}

/* conf (taken) replaces the running one; 0, or -1 if a conn could not start
 * (the rest is applied all the same). */
static int apply(struct daemon *d, struct conf *conf, struct apply *a)
{
	struct conn **conns = calloc(conf->n_conns ? conf->n_conns : 1, sizeof(*conns));
	struct conf_setup was = d->conf->setup;

	if (!conns) {
		conf_free(conf);
		return -1;
	}
	for (size_t i = 0; i < conf->n_conns; i++)
		conns[i] = place(d, &conf->conns[i], a);
	drop_rest(d, a);
	free(d->conns);
	conf_free(d->conf);
	d->conf = conf;
	d->conns = conns;
	d->n_conns = conf->n_conns;
	ike_engine_set_conns(&d->eng, d->conns, d->n_conns);
	if (daemon_metrics_listen(d, &was, a->out))
		a->failed = 1;
	return a->failed ? -1 : 0;
}

static void log_notes(const struct conf_diag *diag)
{
	for (size_t i = 0; i < diag->n_notes; i++)
		log_notice("%s", diag->notes[i]);
}

int daemon_reload(struct daemon *d, struct evbuffer *out)
{
	struct conf_diag diag = { 0 };
	struct conf *conf = NULL;
	struct apply a = { .out = out, .why = "reload", .restart = "changed: restarting" };
	int r;

	if (host_conf_load(d->nl, d->config_dir, &conf, &diag))
		return refuse(out, &diag);
	log_notes(&diag);
	conf_diag_free(&diag);
	r = apply(d, conf, &a);
	log_notice("reload done: %zu conn%s", d->n_conns, d->n_conns == 1 ? "" : "s");
	if (out)
		evbuffer_add_printf(out, "reloaded %s: %zu conn%s\n", d->config_dir, d->n_conns,
				    d->n_conns == 1 ? "" : "s");
	return r;
}

int daemon_resolve_again(struct daemon *d)
{
	struct conf_diag diag = { 0 };
	struct conf *conf = NULL;
	struct host_view v;
	struct apply a = { .why = "host changed",
			   .restart = "restarting (its end on this host moved: address or default route)" };
	int r = host_view_read(d->nl, &v);

	if (r < 0) {
		log_warn("cannot read this host's addresses and routes: %s", strerror(-r));
		return -1;
	}
	r = conf_resolve_again(d->conf, &v.h, &conf, &diag);
	host_view_free(&v);
	if (r) {
		log_err("the configuration does not resolve on this host as it is now; the running "
			"conns are unchanged:");
		for (size_t i = 0; i < diag.n; i++)
			log_err("%s", diag.msgs[i]);
		conf_diag_free(&diag);
		return -1;
	}
	conf_diag_free(&diag);
	r = apply(d, conf, &a);
	if (a.changed)
		log_notice("host changed: %zu conn%s restarted, added or removed", a.changed,
			   a.changed == 1 ? "" : "s");
	return r;
}

/* Reload: the new config replaces the old one conn by conn.  An unchanged
 * conn keeps its SAs, TUN, counters and traffic (only its config pointer
 * moves to the new, equal copy); a removed one sends DELETE and loses its
 * interface; a changed one restarts; a new one starts.  A config with any
 * error changes nothing. */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "daemon/daemon.h"
#include "daemon/log.h"

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

static void say(struct evbuffer *out, const char *name, const char *what)
{
	log_conn(LOG_NOTICE, name, "reload: %s", what);
	if (out)
		evbuffer_add_printf(out, "\"%s\": %s\n", name, what);
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
static void drop_rest(struct daemon *d, struct evbuffer *out)
{
	for (size_t i = 0; i < d->n_conns; i++) {
		if (!d->conns[i])
			continue;
		say(out, d->conns[i]->cfg->name, "removed");
		conn_free(d, d->conns[i]);
		d->conns[i] = NULL;
	}
}

/* The conn for new config entry cfg: the old one if it is unchanged. */
static struct conn *place(struct daemon *d, const struct conf_conn *cfg, struct evbuffer *out,
			  int *failed)
{
	struct conn *old = take_old(d, cfg->name), *c;

	if (old && conf_conn_equal(old->cfg, cfg)) {
		old->cfg = cfg;
		return old;
	}
	if (old) {
		say(out, cfg->name, "changed: restarting");
		conn_free(d, old);
	} else {
		say(out, cfg->name, "added");
	}
	c = conn_new(d, cfg);
	if (c && conn_bring_up(d, c) == 0)
		return c;
	say(out, cfg->name, "cannot start (see the log)");
	*failed = 1;
	return c;
}

int daemon_reload(struct daemon *d, struct evbuffer *out)
{
	struct conf_diag diag = { 0 };
	struct conf *conf = NULL;
	int failed = 0;

	if (conf_load_dir(d->config_dir, &conf, &diag))
		return refuse(out, &diag);
	conf_diag_free(&diag);
	struct conn **conns = calloc(conf->n_conns ? conf->n_conns : 1, sizeof(*conns));
	if (!conns) {
		conf_free(conf);
		return -1;
	}
	for (size_t i = 0; i < conf->n_conns; i++)
		conns[i] = place(d, &conf->conns[i], out, &failed);
	drop_rest(d, out);
	free(d->conns);
	conf_free(d->conf);
	d->conf = conf;
	d->conns = conns;
	d->n_conns = conf->n_conns;
	ike_engine_set_conns(&d->eng, d->conns, d->n_conns);
	log_notice("reload done: %zu conn%s", d->n_conns, d->n_conns == 1 ? "" : "s");
	if (out)
		evbuffer_add_printf(out, "reloaded %s: %zu conn%s\n", d->config_dir, d->n_conns,
				    d->n_conns == 1 ? "" : "s");
	return failed ? -1 : 0;
}

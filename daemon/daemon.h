/* SPDX-License-Identifier: Apache-2.0 */
/* The running daemon: one struct owns the event loop, the loaded config, the
 * conns, the IKE engine, the data plane, sockets, netlink and the control
 * socket. */
#ifndef MCVPN_DAEMON_H
#define MCVPN_DAEMON_H

#include <stdbool.h>

#include "daemon/conn.h"
#include "daemon/ike/sa.h"
#include "daemon/udp.h"

struct dp_sa_stats;

struct conf;
struct conf_setup;
struct ctl;
struct hook_job;
struct hook_runner;
struct dataplane;
struct evbuffer;
struct event;
struct event_base;
struct metrics_http;
struct nl;
struct nl_monitor;

struct daemon {
	struct event_base *base;	/* owned */
	struct conf *conf;		/* owned */
	struct conn **conns;		/* owned array of owned conns, one per configured conn */
	size_t n_conns;
	int next_tunnel_id;
	const char *config_dir;		/* borrowed (argv) */
	struct ike_engine eng;
	struct dataplane *dp;		/* owned */
	struct udp udp;
	struct nl *nl;			/* owned */
	struct nl_monitor *mon;		/* owned */
	struct event *mon_ev;		/* owned */
	struct event *host_ev;		/* owned: resolve again, a moment after the host changed */
	struct ctl *ctl;		/* owned */
	struct metrics_http *metrics;	/* owned: GET /metrics at metrics-listen=; NULL none */
	struct event *sig_ev[3];	/* owned: TERM, INT, HUP */
	struct event *tick_ev;		/* owned: STATUS= refresh */
	struct event *watchdog_ev;	/* owned: WATCHDOG=1 */
	struct sa_linger *lingering;	/* owned: rekeyed inbound SAs (linger.c) */
	struct hook_runner *hooks;	/* owned: the conns' updown= runs (conn_hook.c) */
	bool stopping;
	bool stop_now;			/* a second SIGTERM: no more waiting for hooks */
	time_t started;
};

/* Take ownership of conf; set up sockets, tunnels and the control socket. 0 or -1. */
int daemon_init(struct daemon *d, struct conf *conf, const char *config_dir, const char *ctl_path);
/* Re-read the config dir: new conns start, removed ones end, changed ones restart,
 * unchanged ones are not touched. A config with errors changes nothing. Messages
 * (errors, or a summary) go to out if not NULL. 0 or -1. */
int daemon_reload(struct daemon *d, struct evbuffer *out);
/* The same files resolved on the host as it is now (after its addresses or
 * default route changed): conns whose ends moved restart.  0 or -1. */
int daemon_resolve_again(struct daemon *d);
/* metrics-listen= of the running config: listen there (was NULL: at
 * start), or again when a reload changed it from was (nothing happens if
 * it did not).  A failure to listen is logged, and told to out if not
 * NULL; the daemon runs on without it.  0 or -1. */
int daemon_metrics_listen(struct daemon *d, const struct conf_setup *was, struct evbuffer *out);
/* Start the auto=start conns and run until SIGTERM/SIGINT. */
int daemon_run(struct daemon *d);
void daemon_free(struct daemon *d);

/* conn.c */
struct conn *conn_new(struct daemon *d, const struct conf_conn *cfg);
/* Set up its TUN, sockets; start it if auto=start. 0 or -1 (c is then torn down). */
int conn_bring_up(struct daemon *d, struct conn *c);
/* DELETE its SAs, remove its TUN and routes, free it. */
void conn_free(struct daemon *d, struct conn *c);
int conn_setup(struct daemon *d, struct conn *c);
void conn_teardown(struct daemon *d, struct conn *c);
void conn_start(struct conn *c);
struct ike_down;
/* The engine's word on a conn (ike_io): up, rekeyed, down. */
void conn_up_cb(void *arg, struct conn *c);
struct ike_rekeyed;
void conn_rekeyed_cb(void *arg, struct conn *c, const struct ike_rekeyed *r);
void conn_down_cb(void *arg, struct conn *c, const struct ike_down *down);
/* conn_down_cb for the glue's own reasons (cannot initiate): a failure. */
void conn_failed(struct daemon *d, struct conn *c, const char *why);
void conn_netlink_event(struct daemon *d, int type, int ifindex);
/* The conn's probe as its config says: made (again, when probe= or
 * probe-interval= changed: true) or dropped; running if a Child SA is. */
bool conn_probe_apply(struct daemon *d, struct conn *c);
/* A Child SA went in or out of the data plane: the probe starts with the
 * first and stops with the last. */
void conn_probe_follow(struct daemon *d, struct conn *c);
/* The same for the device's carrier with routing=external: on while a
 * Child SA is in the data plane, off otherwise (and logged on change). */
void conn_carrier_follow(struct daemon *d, struct conn *c);

/* conn_hook.c: the conn's updown= on the engine's word (up once until
 * down; rekeys while up), run by d->hooks */
void conn_hook_up(struct daemon *d, struct conn *c);
void conn_hook_rekeyed(struct daemon *d, struct conn *c, const struct ike_rekeyed *r);
void conn_hook_down(struct daemon *d, struct conn *c, const struct ike_down *down);
/* The job for one event of c (NULL: out of memory), not run: for the
 * above, and for tests.  sa, child may be NULL (the config's facts then). */
enum conn_hook_verb { CONN_HOOK_UP, CONN_HOOK_DOWN, CONN_HOOK_REKEY };
struct conn_hook_event {
	enum conn_hook_verb verb;
	const struct ike_sa *sa;	/* borrowed */
	const struct child_sa *child;	/* borrowed */
	enum ike_rekey_what rekey;	/* CONN_HOOK_REKEY: of which */
	const char *why;		/* CONN_HOOK_DOWN: the reason */
};
struct hook_job *conn_hook_job(const struct conn *c, const struct conn_hook_event *ev);

/* conn_routes.c: a conn's routes on its device */
/* routes= (and rightsubnet=) as the conn's routes, none installed yet. */
void conn_routes_init(struct conn *c);
/* Install the routes that belong on the device now and are missing (again
 * after a delete); 0, -ENODEV when the device is gone, else the first
 * other error (each logged). */
int conn_routes_install(struct daemon *d, struct conn *c);
/* Delete the conn's routes that mcvpnd installed (its protocol only). */
void conn_routes_remove(struct daemon *d, struct conn *c);
/* A Child SA of c was installed in the data plane (up) or taken out: with
 * routes-when-down=withdraw the routes follow the first and the last. */
void conn_routes_child(struct daemon *d, struct conn *c, bool up);
/* Someone else's route went away: routes it kept out may go in now. */
void conn_routes_retry(struct daemon *d, struct conn *c);

/* status.c */
struct evbuffer;
void status_write(struct daemon *d, struct evbuffer *out);
void status_trafficstatus(struct daemon *d, struct evbuffer *out);

/* ctl/commands.c: the control socket's commands */
int ctl_commands_handler(void *arg, int argc, char **argv, struct evbuffer *out);

/* io.c: the engine's callbacks into the data plane and sockets */
void daemon_io(struct daemon *d, struct ike_io *io);
void io_child_counters(struct daemon *d, const struct child_sa *ch, struct conn_counters *sum);
/* Add an inbound SA's counters now, less those at before (NULL: none), to sum. */
void io_count_inbound(struct conn_counters *sum, const struct dp_sa_stats *now,
		      const struct dp_sa_stats *before);
/* The conn's counters: removed Child SAs plus the installed ones. */
void status_conn_counters(struct daemon *d, const struct conn *c, struct conn_counters *sum);

/* ctl/status_json.c */
void status_json(struct daemon *d, struct evbuffer *out);
void status_json_trafficstatus(struct daemon *d, struct evbuffer *out);

#endif

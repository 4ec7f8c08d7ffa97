/* The running daemon: one struct owns the event loop, the loaded config, the
 * conns, the IKE engine, the data plane, sockets, netlink and the control
 * socket. */
#ifndef MCVPN_DAEMON_H
#define MCVPN_DAEMON_H

#include <stdbool.h>

#include "daemon/conn.h"
#include "daemon/ike_sa.h"
#include "daemon/udp.h"

struct conf;
struct ctl;
struct dataplane;
struct event;
struct event_base;
struct nl;
struct nl_monitor;

struct daemon {
	struct event_base *base;	/* owned */
	struct conf *conf;		/* owned */
	struct conn *conns;		/* owned array, one per configured conn */
	struct conn **conn_ptrs;	/* owned: pointers into conns for the engine */
	size_t n_conns;
	struct ike_engine eng;
	struct dataplane *dp;		/* owned */
	struct udp udp;
	struct nl *nl;			/* owned */
	struct nl_monitor *mon;		/* owned */
	struct event *mon_ev;		/* owned */
	struct ctl *ctl;		/* owned */
	struct event *sig_ev[3];	/* owned: TERM, INT, HUP */
	bool stopping;
	time_t started;
};

/* Take ownership of conf; set up sockets, tunnels and the control socket. 0 or -1. */
int daemon_init(struct daemon *d, struct conf *conf, const char *ctl_path);
/* Start the auto=start conns and run until SIGTERM/SIGINT. */
int daemon_run(struct daemon *d);
void daemon_free(struct daemon *d);

/* conn.c */
int conn_setup(struct daemon *d, struct conn *c);
void conn_teardown(struct daemon *d, struct conn *c);
void conn_start(struct conn *c);
void conn_down_cb(void *arg, struct conn *c, const char *why);
void conn_netlink_event(struct daemon *d, int type, int ifindex);

/* status.c */
struct evbuffer;
void status_write(struct daemon *d, struct evbuffer *out);
void status_trafficstatus(struct daemon *d, struct evbuffer *out);

/* ctl_cmds.c: the control socket's commands */
int ctl_cmds_handler(void *arg, int argc, char **argv, struct evbuffer *out);

/* io.c: the engine's callbacks into the data plane and sockets */
void daemon_io(struct daemon *d, struct ike_io *io);

#endif

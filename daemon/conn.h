/* SPDX-License-Identifier: Apache-2.0 */
/* A configured conn at run time: its config, the IKE SA that carries its
 * traffic, its TUN device and its retry timer.  The IKE engine reads cfg and
 * owns ike (it alone writes it); everything else belongs to conn.c, which
 * hears from the engine through ike_io (conn_up, conn_rekeyed, conn_down). */
#ifndef MCVPN_CONN_H
#define MCVPN_CONN_H

#include <stdbool.h>
#include <time.h>

#include "conf/conf.h"
#include "daemon/ike/ike.h"

#define CONN_MAX_ROUTES (CONF_MAX_ROUTES + CONF_MAX_SUBNETS)

struct conf_conn;
struct event;
struct ike_sa;
struct daemon;
struct probe;

/* Traffic of a conn, summed over every Child SA it has had. */
struct conn_counters {
	uint64_t in_bytes, out_bytes, in_packets, out_packets;
	uint64_t drop_replay, drop_auth, drop_ts, drop_other;
	uint64_t drop_ts_out;		/* outbound: outside the selectors, not sent */
};

/* What the engine told of a conn since it was loaded (ike_io), for the
 * metrics: rekeys completed by SA kind (enum ike_rekey_what) and by what
 * started them, IKE SAs lost or never made by each failure, NAT-T
 * keepalives sent. */
struct conn_events {
	uint64_t rekeys[2][IKE_REKEY_BY_COUNT];
	uint64_t ike_failures[IKE_FAIL_COUNT];
	uint64_t keepalives_sent;
};

/* One route of a conn: not installed (withdrawn, or the device is new),
 * installed (by us, or the kernel's own prefix route of the device's
 * address), or kept out by a route mcvpnd did not make (logged once). */
enum conn_route_state { CONN_ROUTE_OFF, CONN_ROUTE_ON, CONN_ROUTE_REFUSED };

struct conn {
	const struct conf_conn *cfg;	/* borrowed from the loaded config */
	struct ike_sa *ike;		/* the IKE SA carrying traffic (or being set up), or NULL:
					 * written by the engine only */
	struct daemon *d;		/* borrowed */
	int tunnel_id;
	int tun_fd;			/* owned; -1 when none */
	int ifindex;
	struct conf_prefix routes[CONN_MAX_ROUTES];	/* routes= and, with vti-routing, rightsubnet= */
	size_t n_routes;
	uint8_t route_state[CONN_MAX_ROUTES];	/* enum conn_route_state, conn_routes.c's */
	bool routes_wanted;		/* the routes belong on the device now: always with
					 * routes-when-down=keep, else while a Child SA is up */
	unsigned children_up;		/* Child SAs installed in the data plane (io.c) */
	bool carrier;			/* the TUN has a carrier (routing=external: while
					 * children_up) */
	struct event *retry_ev;		/* owned */
	unsigned retries;
	bool hold;			/* dpdaction=clear/hold fired: wait for the peer */
	bool admin_down;		/* mcvpnctl down: never initiate until mcvpnctl up */
	time_t last_rekey;		/* wall clock of the last completed rekey; 0 none */
	bool hook_up;			/* the hook (conn_hook.c) was told "up" and not yet
					 * "down" */
	double retry_at;		/* ike_engine_now() of the next attempt; 0 none */
	char last_error[128];
	struct conn_counters past;	/* of the Child SAs already removed */
	struct conn_events events;
	struct probe *probe;		/* owned: the in-tunnel probe (probe= with
					 * interface-ip=), running while children_up; NULL
					 * without one (daemon/probe/probe.h) */
};

#endif

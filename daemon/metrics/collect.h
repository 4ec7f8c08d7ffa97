/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's series (built into the glue, beside ctl/'s answers): the
 * exposition that GET /metrics and mcvpnctl metrics answer with.
 *
 * It is made of sources, each one function that writes its own families
 * with the writer of expo.h (each family's samples together), called in
 * the order of collect.c's sources[] table.  A module adds its series
 * with one such function and one line in that table; its per-conn series
 * carry metrics_conn_label() and cover the conns metrics_conn_shown()
 * says, like the others.  A source reads what it needs as status does:
 * the engine's structs read-only, the data plane's counters through
 * dp_sa_get_stats/dp_get_global_stats (each a brief lock, none held
 * across the data plane's work), never blocking the loop. */
#ifndef MCVPN_METRICS_COLLECT_H
#define MCVPN_METRICS_COLLECT_H

#include <stdbool.h>

#include "daemon/metrics/expo.h"

struct conn;
struct daemon;
struct evbuffer;

/* Every source's families, appended to out. */
void metrics_collect(struct daemon *d, struct evbuffer *out);
/* The same as a metrics_fill_fn (http.h): arg is the daemon. */
void metrics_collect_fill(void *arg, struct evbuffer *out);

/* A conn has series while it is loaded (auto=add or start, a
 * %defaultroute waiting for its route too); auto=ignore conns have none. */
bool metrics_conn_shown(const struct conn *c);
/* {conn="NAME"}: borrowed from c's config. */
struct metrics_label metrics_conn_label(const struct conn *c);

/* The sources (collect.c, collect_conns.c, collect_probe.c). */
void metrics_daemon_source(struct daemon *d, struct metrics_out *m);
void metrics_conns_source(struct daemon *d, struct metrics_out *m);
void metrics_probe_source(struct daemon *d, struct metrics_out *m);

#endif

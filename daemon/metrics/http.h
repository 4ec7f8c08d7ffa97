/* SPDX-License-Identifier: Apache-2.0 */
/* metrics-listen=: GET /metrics over HTTP on the event loop (libevent's
 * evhttp), for Prometheus to scrape.  Bound tightly: GET and HEAD only
 * (others: 501 from evhttp), /metrics only (404), no request body, 8 KB of
 * headers, 10 s to send a request and to read the answer, a listen backlog
 * of 16.  Nothing is kept per client beyond evhttp's connection. */
#ifndef MCVPN_METRICS_HTTP_H
#define MCVPN_METRICS_HTTP_H

#include <sys/socket.h>

struct event_base;
struct evbuffer;
struct metrics_http;

#define METRICS_HTTP_TIMEOUT_S 10
#define METRICS_HTTP_HEADERS_MAX 8192
#define METRICS_HTTP_BACKLOG 16

/* Writes the exposition to out, on the loop, once per GET /metrics. */
typedef void (*metrics_fill_fn)(void *arg, struct evbuffer *out);

/* Listen on at (address and port; IPv6 only for an IPv6 address).  base,
 * at and arg are borrowed.  NULL with *err set (an errno: EADDRINUSE ...).
 * Caller frees with metrics_http_free. */
struct metrics_http *metrics_http_new(struct event_base *base, const struct sockaddr_storage *at,
				      metrics_fill_fn fill, void *arg, int *err);
/* Closes the socket and every client connection; NULL is a no-op. */
void metrics_http_free(struct metrics_http *h);

#endif

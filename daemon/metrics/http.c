/* SPDX-License-Identifier: Apache-2.0 */
/* GET /metrics on evhttp (http.h).  The listening socket is made here
 * (address family, IPV6_V6ONLY, close-on-exec, non-blocking), so evhttp
 * never resolves a name; evhttp owns it from then on and closes it. */
#include "daemon/metrics/http.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/metrics/expo.h"

struct metrics_http {
	struct evhttp *http;		/* owned; owns the listening socket */
	metrics_fill_fn fill;
	void *arg;
};

static void handle(struct evhttp_request *req, void *arg)
{
	struct metrics_http *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);

	if (!path || strcmp(path, "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, "only /metrics is here");
		return;
	}
	h->fill(h->arg, evhttp_request_get_output_buffer(req));
	evhttp_add_header(hdr, "Content-Type", METRICS_CONTENT_TYPE);
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	evhttp_send_reply(req, HTTP_OK, "OK", NULL);
}

/* A listening TCP socket at at; -errno on failure. */
static int listen_at(const struct sockaddr_storage *at)
{
	socklen_t len = at->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						  : sizeof(struct sockaddr_in);
	int one = 1, err;
	int fd = socket(at->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (at->ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, (const struct sockaddr *)at, len) || listen(fd, METRICS_HTTP_BACKLOG)) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

struct metrics_http *metrics_http_new(struct event_base *base, const struct sockaddr_storage *at,
				      metrics_fill_fn fill, void *arg, int *err)
{
	struct metrics_http *h;
	int fd;

	if (at->ss_family != AF_INET && at->ss_family != AF_INET6) {
		*err = EAFNOSUPPORT;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h || !(h->http = evhttp_new(base))) {
		free(h);
		*err = ENOMEM;
		return NULL;
	}
	h->fill = fill;
	h->arg = arg;
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(h->http, METRICS_HTTP_HEADERS_MAX);
	evhttp_set_max_body_size(h->http, 0);
	evhttp_set_timeout(h->http, METRICS_HTTP_TIMEOUT_S);
	evhttp_set_gencb(h->http, handle, h);
	fd = listen_at(at);
	if (fd < 0 || !evhttp_accept_socket_with_handle(h->http, fd)) {
		*err = fd < 0 ? -fd : ENOMEM;
		if (fd >= 0)
			close(fd);
		metrics_http_free(h);
		return NULL;
	}
	return h;
}

void metrics_http_free(struct metrics_http *h)
{
	if (!h)
		return;
	if (h->http)
		evhttp_free(h->http);
	free(h);
}

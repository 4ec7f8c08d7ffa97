/* SPDX-License-Identifier: Apache-2.0 */
/* struct nl_host (netlink's view) -> struct conf_host (conf's), and a
 * configuration loaded on it. */
#include "daemon/host.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void to_sockaddr(int family, const uint8_t *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		memcpy(&s->sin_addr, a, 4);
	} else if (family == AF_INET6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

		s->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, a, 16);
	}
}

int host_view_read(struct nl *nl, struct host_view *v)
{
	int r;

	memset(v, 0, sizeof(*v));
	if (!nl)
		return -EBADF;
	r = nl_host_dump(nl, &v->nl);
	if (r < 0)
		return r;
	v->addrs = calloc(v->nl.n_addrs + 1, sizeof(*v->addrs));
	v->routes = calloc(v->nl.n_routes + 1, sizeof(*v->routes));
	if (!v->addrs || !v->routes) {
		host_view_free(v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < v->nl.n_addrs; i++) {
		const struct nl_host_addr *a = &v->nl.addrs[i];

		to_sockaddr(a->addr.family, a->addr.addr, &v->addrs[i].addr);
		snprintf(v->addrs[i].dev, sizeof(v->addrs[i].dev), "%s", a->ifname);
	}
	for (size_t i = 0; i < v->nl.n_routes; i++) {
		const struct nl_host_route *nr = &v->nl.routes[i];
		struct conf_host_route *c = &v->routes[i];

		c->dst.family = nr->dst.family;
		c->dst.len = nr->dst.len;
		memcpy(c->dst.addr, nr->dst.addr, sizeof(c->dst.addr));
		snprintf(c->dev, sizeof(c->dev), "%s", nr->ifname);
		to_sockaddr(nr->gw_family, nr->gw, &c->gw);
		to_sockaddr(nr->src_family, nr->src, &c->src);
		c->metric = nr->metric;
		c->table = nr->table;
		c->mcvpnd = nr->protocol == NL_RTPROT_MCVPN;
	}
	v->h = (struct conf_host){ .addrs = v->addrs, .n_addrs = v->nl.n_addrs,
				   .routes = v->routes, .n_routes = v->nl.n_routes };
	return 0;
}

void host_view_free(struct host_view *v)
{
	free(v->addrs);
	free(v->routes);
	nl_host_free(&v->nl);
	memset(v, 0, sizeof(*v));
}

static void note(struct conf_diag *diag, const char *dir, int err)
{
	char *msg = NULL, **grown;

	if (!diag || asprintf(&msg, "%s: warning: cannot read this host's addresses and routes (%s): "
			      "the checks that need them are left out", dir, strerror(err)) < 0)
		return;
	grown = realloc(diag->notes, (diag->n_notes + 1) * sizeof(*grown));
	if (!grown) {
		free(msg);
		return;
	}
	diag->notes = grown;
	diag->notes[diag->n_notes++] = msg;
	diag->n_warnings++;
}

int host_conf_load(struct nl *nl, const char *dir, struct conf **out, struct conf_diag *diag)
{
	struct host_view v;
	int r = host_view_read(nl, &v);

	if (r < 0) {
		note(diag, dir, -r);
		r = conf_load(dir, NULL, out, diag);
	} else {
		r = conf_load(dir, &v.h, out, diag);
	}
	host_view_free(&v);
	return r;
}

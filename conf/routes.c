/* SPDX-License-Identifier: Apache-2.0 */
/* What mcvpnd --check knows about a conn's routes before any is installed,
 * on the host it runs on (struct conf_host; without one, as if the host
 * had no routes):
 *  - refused: a route that covers the peer's address (IKE and ESP to the
 *    peer would loop into the tunnel) or this host's own address, unless a
 *    more specific route outside the tunnel keeps that address out of it
 *    (in another table than main: a warning, the host's rules decide);
 *    a route that would take precedence over one in its table that mcvpnd
 *    did not make (a default route above all), unless routes-replace=yes,
 *    and even then an IPv6 route at the other's metric (IPv6 cannot put
 *    one in front of another);
 *  - warned: interface-ip= without a prefix length, routes= outside the
 *    peer's selectors, one prefix routed by two conns at one metric (or by
 *    a preferred conn that keeps its routes when down), a conn that never
 *    starts, a mark= that marks nothing.
 * mcvpnd's own routes on the host (its protocol) are no one else's. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "conf/internal.h"

size_t conf_conn_routes(const struct conf_conn *c, struct conf_prefix *out, size_t max)
{
	size_t n = 0;

	if (c->routing == CONF_ROUTING_EXTERNAL)
		return 0;
	for (size_t i = 0; i < c->n_routes && n < max; i++)
		out[n++] = c->routes[i];
	for (size_t i = 0; c->vti_routing && i < c->n_rightsubnet && n < max; i++)
		if (c->rightsubnet[i].len > 0)
			out[n++] = c->rightsubnet[i];
	return n;
}

static int line_of(const struct conn_build *cb, enum key_id k)
{
	return cb->key_line[k] ? cb->key_line[k] : cb->c.line;
}

static const char *file_of(const struct conn_build *cb, enum key_id k)
{
	return cb->key_line[k] ? cb->key_file[k] : cb->c.file;
}

/* The key that gave route i: routes=, or the peer's leftsubnet(s)= as written. */
static enum key_id route_key(const struct conn_build *cb, size_t i)
{
	int peer = !cb->local;

	if (i < cb->c.n_routes)
		return KEY_ROUTES;
	return cb->set[KEY_LEFTSUBNETS + peer] ? KEY_LEFTSUBNETS + peer : KEY_LEFTSUBNET + peer;
}

/* The first len bits of a and b agree. */
static bool bits_equal(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned full = len / 8, rest = len % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	return !rest || ((a[full] ^ b[full]) & (uint8_t)(0xff00 >> rest)) == 0;
}

static bool covers(const struct conf_prefix *p, const struct sockaddr_storage *a)
{
	return prefix_covers(p, a);
}

static bool within(const struct conf_prefix *inner, const struct conf_prefix *outer)
{
	return inner->family == outer->family && inner->len >= outer->len &&
	       bits_equal(inner->addr, outer->addr, outer->len);
}

static bool same_prefix(const struct conf_prefix *a, const struct conf_prefix *b)
{
	return a->family == b->family && a->len == b->len && bits_equal(a->addr, b->addr, a->len);
}

static bool same_table(const struct conf_host_route *hr, uint32_t table)
{
	return host_route_main(hr) ? table == CONF_TABLE_MAIN : hr->table == table;
}

/* The metric the kernel gives a route of family added with metric. */
static uint32_t stored_metric(int family, uint32_t metric)
{
	return family == AF_INET6 && metric == 0 ? 1024 : metric;
}

/* A host route of table more specific than len that takes a out of the
 * tunnel (not into another of mcvpnd's). */
static const struct conf_host_route *escape(const struct conf_host *h, const struct sockaddr_storage *a,
					    unsigned len, const char *tunnel, uint32_t table)
{
	for (size_t i = 0; h && i < h->n_routes; i++)
		if (h->routes[i].dst.len > len && covers(&h->routes[i].dst, a) &&
		    same_table(&h->routes[i], table) && !h->routes[i].mcvpnd &&
		    strcmp(h->routes[i].dev, tunnel) != 0)
			return &h->routes[i];
	return NULL;
}

static const char *addr_text(const struct sockaddr_storage *a, char *buf, size_t len)
{
	struct conf_id id;

	id_from_addr(a, &id);
	snprintf(buf, len, "%.63s", id.text);
	return buf;
}

/* A route into the tunnel must not take the peer's address or ours.  In
 * another table than main, the host's rules decide which packets see it:
 * a warning. */
static void check_loops(struct loader *ld, const struct conn_build *cb, size_t i,
			const struct conf_prefix *r)
{
	const struct conf_conn *c = &cb->c;
	enum key_id k = route_key(cb, i);
	bool main_table = c->route_table == CONF_TABLE_MAIN;
	char p[64], a[64], tbl[48] = "";

	prefix_format(r, p, sizeof(p));
	if (!main_table)
		snprintf(tbl, sizeof(tbl), " (table %u)", c->route_table);
	if (covers(r, &c->right) && !escape(ld->host, &c->right, r->len, c->vti_interface, c->route_table)) {
		if (main_table)
			diag_add(ld, file_of(cb, k), line_of(cb, k),
				 "conn \"%s\": the route %s into %s covers the peer's address %s: IKE and ESP to "
				 "the peer would be routed into the tunnel itself; leave that address out, or give "
				 "the peer a more specific route outside the tunnel (ip route add %s/%d via "
				 "GATEWAY)", c->name, p, c->vti_interface, addr_text(&c->right, a, sizeof(a)), a,
				 c->right.ss_family == AF_INET ? 32 : 128);
		else
			diag_note(ld, CONF_WARNING, file_of(cb, k), line_of(cb, k),
				  "conn \"%s\": the route %s into %s%s covers the peer's address %s: if an ip "
				  "rule sends this host's own packets to table %u, IKE and ESP to the peer loop "
				  "into the tunnel", c->name, p, c->vti_interface, tbl,
				  addr_text(&c->right, a, sizeof(a)), c->route_table);
	}
	if (covers(r, &c->left) && !escape(ld->host, &c->left, r->len, c->vti_interface, c->route_table)) {
		if (main_table)
			diag_add(ld, file_of(cb, k), line_of(cb, k),
				 "conn \"%s\": the route %s into %s covers this host's own address %s (left=): "
				 "IKE and ESP from it, and its own network, would be routed into the tunnel; "
				 "leave that address out of the routes", c->name, p, c->vti_interface,
				 addr_text(&c->left, a, sizeof(a)));
		else
			diag_note(ld, CONF_WARNING, file_of(cb, k), line_of(cb, k),
				  "conn \"%s\": the route %s into %s%s covers this host's own address %s "
				  "(left=): if an ip rule sends this host's own packets to table %u, IKE and ESP "
				  "loop into the tunnel", c->name, p, c->vti_interface, tbl,
				  addr_text(&c->left, a, sizeof(a)), c->route_table);
	}
}

/* The host's route hr to r's destination, in words: "0.0.0.0/0 via
 * 10.3.1.1 dev eth0". */
static void host_route_text(const struct conf_host_route *hr, const char *p, char *out, size_t len)
{
	char g[64], gw[80] = "";

	if (hr->gw.ss_family)
		snprintf(gw, sizeof(gw), " via %s", addr_text(&hr->gw, g, sizeof(g)));
	snprintf(out, len, "%s%s dev %s", p, gw, hr->dev[0] ? hr->dev : "(several)");
}

/* With routes-replace=yes mcvpnd's route goes beside the other one and
 * must win on its own: by a lower metric, or at the same metric in front
 * of it (IPv4 only). */
static void check_precedence(struct loader *ld, const struct conn_build *cb, size_t i,
			     const struct conf_prefix *r, const struct conf_host_route *hr)
{
	const struct conf_conn *c = &cb->c;
	enum key_id k = cb->set[KEY_ROUTE_METRIC] ? KEY_ROUTE_METRIC : route_key(cb, i);
	uint32_t m = stored_metric(r->family, c->route_metric);
	char p[64], t[200];

	if (r->family != AF_INET6 || hr->metric != m)
		return;
	prefix_format(r, p, sizeof(p));
	host_route_text(hr, p, t, sizeof(t));
	diag_add(ld, file_of(cb, k), line_of(cb, k),
		 "conn \"%s\": the route %s into %s cannot take precedence over the route %s that mcvpnd did "
		 "not make: both have metric %u, and IPv6 uses the older one; give this conn a lower "
		 "route-metric=", c->name, p, c->vti_interface, t, m);
}

/* A route that takes over a destination someone else routes in its table. */
static void check_replace(struct loader *ld, const struct conn_build *cb, size_t i,
			  const struct conf_prefix *r)
{
	const struct conf_conn *c = &cb->c;
	const struct conf_host *h = ld->host;
	enum key_id k = route_key(cb, i);
	char p[64], t[200];

	prefix_format(r, p, sizeof(p));
	for (size_t j = 0; h && j < h->n_routes; j++) {
		const struct conf_host_route *hr = &h->routes[j];

		if (!same_prefix(&hr->dst, r) || !same_table(hr, c->route_table) || hr->mcvpnd ||
		    !strcmp(hr->dev, c->vti_interface))
			continue;
		if (c->routes_replace) {
			check_precedence(ld, cb, i, r, hr);
			continue;
		}
		host_route_text(hr, p, t, sizeof(t));
		diag_add(ld, file_of(cb, k), line_of(cb, k),
			 "conn \"%s\": the route %s into %s would replace (or take precedence over) the "
			 "route %s that mcvpnd did not make%s; if that is meant, add routes-replace=yes",
			 c->name, p, c->vti_interface, t, r->len || !host_route_main(hr) ? "" :
			 ": the host's default route, SSH and all, would go into the tunnel");
		return;
	}
	if (r->len == 0 && !c->routes_replace && c->route_table == CONF_TABLE_MAIN)
		diag_add(ld, file_of(cb, k), line_of(cb, k),
			 "conn \"%s\": the route %s into %s is a default route: it would replace the "
			 "host's default route whenever there is one, and everything, SSH too, would go "
			 "into the tunnel; route the networks meant instead, or add routes-replace=yes if "
			 "that is meant", c->name, p, c->vti_interface);
}

static void warn_outside(struct loader *ld, const struct conn_build *cb, const struct conf_prefix *r)
{
	const struct conf_conn *c = &cb->c;
	char p[64], s[64];

	for (size_t i = 0; i < c->n_rightsubnet; i++)
		if (within(r, &c->rightsubnet[i]))
			return;
	prefix_format(r, p, sizeof(p));
	prefix_format(&c->rightsubnet[0], s, sizeof(s));
	diag_note(ld, CONF_WARNING, file_of(cb, KEY_ROUTES), line_of(cb, KEY_ROUTES),
		  "conn \"%s\": routes=%s is outside the peer's traffic selectors (%s%s): packets routed "
		  "there are dropped, never sent", c->name, p, s, c->n_rightsubnet > 1 ? ", ..." : "");
}

/* Conns a (earlier) and b route one prefix in one table: at one metric
 * only the first installed is used; at two, the preferred one must
 * withdraw its routes when down for the other to take over. */
static void twice(struct loader *ld, const struct conn_build *cb, enum key_id key,
		  const struct conf_conn *a, const struct conf_prefix *r)
{
	const struct conf_conn *b = &cb->c;
	uint32_t ma = stored_metric(r->family, a->route_metric), mb = stored_metric(r->family, b->route_metric);
	const struct conf_conn *pref = ma < mb ? a : b, *backup = ma < mb ? b : a;
	char p[64];

	prefix_format(r, p, sizeof(p));
	if (ma == mb)
		diag_note(ld, CONF_WARNING, file_of(cb, key), line_of(cb, key),
			  "conn \"%s\": %s is routed into %s by conn \"%s\" (%s:%d) too, at the same metric "
			  "%u: only the route installed first is used, the other is refused; give one of them "
			  "another route-metric= (and routes-when-down=withdraw) for a failover", b->name, p,
			  a->vti_interface, a->name, a->file, a->line, ma);
	else if (pref->routes_when_down == CONF_ROUTES_KEEP)
		diag_note(ld, CONF_WARNING, file_of(cb, key), line_of(cb, key),
			  "conn \"%s\": %s is routed by conn \"%s\" too: \"%s\" (metric %u) is preferred "
			  "over \"%s\" (metric %u) but keeps its route while it is down, so its traffic is "
			  "dropped then and never goes through \"%s\"; add routes-when-down=withdraw to "
			  "conn \"%s\" for a failover", b->name, p, a->name, pref->name,
			  stored_metric(r->family, pref->route_metric), backup->name,
			  stored_metric(r->family, backup->route_metric), backup->name, pref->name);
}

/* The same prefix routed, in the same table, by a conn before this one. */
static void warn_twice(struct loader *ld, size_t i, size_t k, const struct conf_prefix *r)
{
	const struct conn_build *cb = &ld->conns[i];
	struct conf_prefix other[CONF_MAX_CONN_ROUTES];
	enum key_id key = route_key(cb, k);

	for (size_t j = 0; j < i; j++) {
		const struct conf_conn *a = &ld->conns[j].c;
		size_t n = conf_conn_routes(a, other, CONF_MAX_CONN_ROUTES);

		if (a->route_table != cb->c.route_table)
			continue;
		for (size_t m = 0; m < n; m++)
			if (same_prefix(&other[m], r)) {
				twice(ld, cb, key, a, r);
				return;
			}
	}
}

/* mark= that marks nothing: 0 under its mask, or the sockets of left= are
 * marked by an earlier conn (they are shared, and take the first mark). */
static void warn_mark(struct loader *ld, size_t i)
{
	const struct conn_build *cb = &ld->conns[i];
	const struct conf_conn *c = &cb->c;

	if (!c->has_mark)
		return;
	if (!(c->mark & c->mark_mask)) {
		diag_note(ld, CONF_WARNING, file_of(cb, KEY_MARK), line_of(cb, KEY_MARK),
			  "conn \"%s\": mark=%u/0x%x sets no mark (a mark of 0): it has no effect", c->name,
			  c->mark, c->mark_mask);
		return;
	}
	for (size_t j = 0; j < i; j++) {
		const struct conf_conn *a = &ld->conns[j].c;

		if (a->autostart != CONF_AUTO_IGNORE && sockaddr_ip_equal(&a->left, &c->left) &&
		    (a->mark & a->mark_mask) != (c->mark & c->mark_mask)) {
			diag_note(ld, CONF_WARNING, file_of(cb, KEY_MARK), line_of(cb, KEY_MARK),
				  "conn \"%s\": mark= has no effect: the sockets of its address are shared "
				  "with conn \"%s\" (%s:%d), which marks them with %u", c->name, a->name,
				  a->file, a->line, a->has_mark ? a->mark & a->mark_mask : 0);
			return;
		}
	}
}

static void warn_conn(struct loader *ld, size_t i)
{
	const struct conn_build *cb = &ld->conns[i];
	const struct conf_conn *c = &cb->c;
	enum key_id ip = cb->set[KEY_INTERFACE_IP] ? KEY_INTERFACE_IP : KEY_LEFTVTI + cb->local;
	char p[64];

	if (c->has_interface_ip && cb->interface_ip_bare) {
		prefix_format(&c->interface_ip, p, sizeof(p));
		diag_note(ld, CONF_WARNING, file_of(cb, ip), line_of(cb, ip),
			  "conn \"%s\": the device's address has no prefix length: it means %s, so no "
			  "other address is on-link through %s; write the length meant, such as /30",
			  c->name, p, c->vti_interface);
	}
	if (c->autostart == CONF_AUTO_IGNORE)
		diag_note(ld, CONF_WARNING, file_of(cb, KEY_AUTO), line_of(cb, KEY_AUTO),
			  "conn \"%s\" never starts: auto=ignore%s; add auto=start (or auto=add to answer "
			  "the peer only)", c->name, cb->set[KEY_AUTO] ? "" : " (the default, as in libreswan)");
	warn_mark(ld, i);
}

void routes_check(struct loader *ld, size_t i)
{
	const struct conn_build *cb = &ld->conns[i];
	struct conf_prefix r[CONF_MAX_CONN_ROUTES];
	size_t n = conf_conn_routes(&cb->c, r, CONF_MAX_CONN_ROUTES);

	for (size_t k = 0; k < n; k++) {
		check_loops(ld, cb, k, &r[k]);
		check_replace(ld, cb, k, &r[k]);
		if (k < cb->c.n_routes)
			warn_outside(ld, cb, &r[k]);
		warn_twice(ld, i, k, &r[k]);
	}
	warn_conn(ld, i);
}

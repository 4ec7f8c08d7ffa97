/* SPDX-License-Identifier: Apache-2.0 */
/* A conn's routes on its tunnel device (routes=, and rightsubnet= with
 * vti-routing=yes): installed with mcvpnd's routing protocol in the conn's
 * table at its metric, never over a route mcvpnd did not make (with
 * routes-replace=yes beside it, and in front of it at the same IPv4
 * metric), installed again when someone deletes them, withdrawn while
 * the conn has no Child SA with routes-when-down=withdraw, and deleted at
 * the end, naming mcvpnd's protocol so that no other route goes.  A route
 * kept out is logged once, with the way out, and tried again whenever a
 * route goes away. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "daemon/daemon.h"
#include "daemon/base/log.h"
#include "netlink/nl.h"

_Static_assert(CONN_MAX_ROUTES <= NL_ROUTE_LOOKUP_MAX, "a conn's routes are looked up with one dump");

static void route_of(const struct conn *c, size_t i, struct nl_route *r)
{
	const struct conf_prefix *p = &c->routes[i];

	memset(r, 0, sizeof(*r));
	r->ifindex = c->ifindex;
	r->dst.family = p->family;
	memcpy(r->dst.addr, p->addr, sizeof(r->dst.addr));
	r->dst.len = p->len;
	r->table = c->cfg->route_table;
	r->metric = c->cfg->route_metric;
}

/* "10.105.0.0/16 (table 100, metric 100)": the table and metric only when set. */
static const char *route_text(const struct conn *c, size_t i, char *out, size_t len)
{
	const struct conf_prefix *p = &c->routes[i];
	const struct conf_conn *cfg = c->cfg;
	char a[INET6_ADDRSTRLEN] = "?", t[32] = "", m[32] = "";

	inet_ntop(p->family, p->addr, a, sizeof(a));
	if (cfg->route_table != CONF_TABLE_MAIN)
		snprintf(t, sizeof(t), "table %u", cfg->route_table);
	if (cfg->route_metric)
		snprintf(m, sizeof(m), "metric %u", cfg->route_metric);
	snprintf(out, len, "%s/%u%s%s%s%s%s", a, p->len, t[0] || m[0] ? " (" : "", t,
		 t[0] && m[0] ? ", " : "", m, t[0] || m[0] ? ")" : "");
	return out;
}

static const char *proto_name(uint8_t p, char *buf, size_t len)
{
	static const struct { uint8_t n; const char *name; } names[] = {
		{ 2, "kernel" }, { 3, "boot" }, { 4, "static" }, { 9, "ra" }, { 16, "dhcp" },
		{ NL_RTPROT_MCVPN, "mcvpn" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].n == p)
			return names[i].name;
	snprintf(buf, len, "%u", p);
	return buf;
}

/* The other route in words: "dev eth0 proto static metric 0". */
static const char *other_text(const struct nl_route_other *o, char *out, size_t len)
{
	char dev[IF_NAMESIZE] = "", pn[8];

	if (!o->oif || !if_indextoname((unsigned)o->oif, dev))
		snprintf(dev, sizeof(dev), o->oif ? "#%d" : "(several)", o->oif);
	snprintf(out, len, "dev %s proto %s metric %u", dev, proto_name(o->protocol, pn, sizeof(pn)),
		 o->metric);
	return out;
}

/* Route i stays out because of o; logged once until that changes. */
static int refuse(struct conn *c, size_t i, const struct nl_route_other *o, const char *why)
{
	char r[96], other[96];

	if (c->route_state[i] != CONN_ROUTE_REFUSED)
		log_conn(LOG_ERR, c->cfg->name, "route %s into %s not installed: the table routes it %s, %s",
			 route_text(c, i, r, sizeof(r)), c->cfg->vti_interface,
			 other_text(o, other, sizeof(other)), why);
	c->route_state[i] = CONN_ROUTE_REFUSED;
	return -EEXIST;
}

/* Install route i, which the table has as s says, unless it is there;
 * -EEXIST when it is kept out (logged). */
static int install_one(struct daemon *d, struct conn *c, size_t i, const struct nl_route_seen *sp)
{
	enum nl_route_mode mode = NL_ROUTE_EXCL;
	struct nl_route_seen s = *sp;
	struct nl_route r;
	char t[96], other[96];
	int e;

	route_of(c, i, &r);
	if (s.here) {
		c->route_state[i] = CONN_ROUTE_ON;
		return 0;
	}
	if (s.foreign && !c->cfg->routes_replace)
		return refuse(c, i, &s.foreign_route, "a route mcvpnd did not make; routes-replace=yes would "
			      "put this conn's route beside it, taking precedence");
	if (s.taken && !s.taken_foreign)
		return refuse(c, i, &s.taken_route, "another conn's route at the same metric; give one of "
			      "them another route-metric=");
	if (s.taken && r.dst.family != AF_INET)
		return refuse(c, i, &s.taken_route, "a route mcvpnd did not make, at the same metric, which "
			      "IPv6 keeps using; give this conn a lower route-metric=");
	if (s.taken)
		mode = NL_ROUTE_PREPEND;
	if ((e = nl_route_add(d->nl, &r, mode)) < 0)
		return e;
	if (s.foreign)
		log_conn(LOG_NOTICE, c->cfg->name, "route %s into %s installed %s the route %s that mcvpnd did "
			 "not make (routes-replace=yes); that one stays", route_text(c, i, t, sizeof(t)),
			 c->cfg->vti_interface, mode == NL_ROUTE_PREPEND ? "in front of" : "beside",
			 other_text(&s.foreign_route, other, sizeof(other)));
	else if (c->route_state[i] == CONN_ROUTE_REFUSED)
		log_conn(LOG_NOTICE, c->cfg->name, "route %s into %s installed: nothing keeps it out now",
			 route_text(c, i, t, sizeof(t)), c->cfg->vti_interface);
	c->route_state[i] = CONN_ROUTE_ON;
	return 0;
}

void conn_routes_init(struct conn *c)
{
	c->n_routes = conf_conn_routes(c->cfg, c->routes, CONN_MAX_ROUTES);
	memset(c->route_state, CONN_ROUTE_OFF, sizeof(c->route_state));
	c->routes_wanted = c->cfg->routes_when_down == CONF_ROUTES_KEEP || c->children_up > 0;
}

int conn_routes_install(struct daemon *d, struct conn *c)
{
	struct nl_route want[CONN_MAX_ROUTES];
	struct nl_route_seen seen[CONN_MAX_ROUTES];
	char t[96];
	int failed = 0, e;

	if (!c->routes_wanted || c->tun_fd < 0 || !c->n_routes)
		return 0;
	for (size_t i = 0; i < c->n_routes; i++)
		route_of(c, i, &want[i]);
	/* one dump of the routes for all of them */
	if ((e = nl_route_lookup_all(d->nl, want, c->n_routes, seen)) < 0) {
		if (e != -ENODEV)
			log_conn(LOG_ERR, c->cfg->name, "cannot read the routes: %s", strerror(-e));
		return e;
	}
	for (size_t i = 0; i < c->n_routes; i++) {
		e = install_one(d, c, i, &seen[i]);

		if (e == -ENODEV)
			return e;	/* the device is gone: its LINK_DEL event re-creates it */
		if (e == 0 || e == -EEXIST)
			continue;
		log_conn(LOG_ERR, c->cfg->name, "cannot add route %s via %s: %s",
			 route_text(c, i, t, sizeof(t)), c->cfg->vti_interface, strerror(-e));
		failed = failed ? failed : e;
	}
	return failed;
}

void conn_routes_remove(struct daemon *d, struct conn *c)
{
	for (size_t i = 0; i < c->n_routes; i++) {
		struct nl_route r;

		route_of(c, i, &r);
		/* our protocol only: the kernel's prefix route or someone's stays */
		if (r.ifindex > 0)
			nl_route_del(d->nl, &r);
		c->route_state[i] = CONN_ROUTE_OFF;
	}
}

void conn_routes_child(struct daemon *d, struct conn *c, bool up)
{
	if (up)
		c->children_up++;
	else if (c->children_up)
		c->children_up--;
	if (c->cfg->routes_when_down != CONF_ROUTES_WITHDRAW || !c->n_routes)
		return;
	if (up && c->children_up == 1 && !c->routes_wanted) {
		c->routes_wanted = true;
		log_conn(LOG_INFO, c->cfg->name, "Child SA up: installing %zu route%s", c->n_routes,
			 c->n_routes == 1 ? "" : "s");
		conn_routes_install(d, c);
	} else if (!up && c->children_up == 0 && c->routes_wanted) {
		c->routes_wanted = false;
		if (!d->stopping)
			log_conn(LOG_NOTICE, c->cfg->name, "no Child SA: %zu route%s withdrawn "
				 "(routes-when-down=withdraw)", c->n_routes, c->n_routes == 1 ? "" : "s");
		conn_routes_remove(d, c);
	}
}

void conn_routes_retry(struct daemon *d, struct conn *c)
{
	for (size_t i = 0; i < c->n_routes; i++)
		if (c->route_state[i] == CONN_ROUTE_REFUSED) {
			conn_routes_install(d, c);
			return;
		}
}

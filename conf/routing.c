/* SPDX-License-Identifier: Apache-2.0 */
/* routing=external: a routing daemon (FRR's bgpd) routes into the tunnel
 * device, peering over its interface-ip= address, and mcvpnd installs no
 * route.  A route that mcvpnd is asked for and would not install is a
 * problem, not a silent no-op (routes=, and vti-routing=yes written out:
 * the default yes is libreswan's and means nothing here); the keys that
 * only place mcvpnd's routes are warned of as having no effect; so is a
 * device without an address, or one whose /30 the selectors do not carry,
 * since the daemons' BGP session would then have nothing to run over. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "conf/internal.h"

static int line_of(const struct conn_build *cb, enum key_id k)
{
	return cb->key_line[k] ? cb->key_line[k] : cb->c.line;
}

static const char *file_of(const struct conn_build *cb, enum key_id k)
{
	return cb->key_line[k] ? cb->key_file[k] : cb->c.file;
}

/* The keys that only say where mcvpnd's own routes go. */
static const enum key_id placing[] = {
	KEY_ROUTES_REPLACE, KEY_ROUTE_METRIC, KEY_ROUTE_TABLE, KEY_ROUTES_WHEN_DOWN,
};

/* Some selector of list (n) holds all of p. */
static bool carried(const struct conf_prefix *list, size_t n, const struct conf_prefix *p)
{
	struct sockaddr_storage a;

	memset(&a, 0, sizeof(a));
	a.ss_family = (sa_family_t)p->family;
	if (p->family == AF_INET)
		memcpy(&((struct sockaddr_in *)&a)->sin_addr, p->addr, 4);
	else
		memcpy(&((struct sockaddr_in6 *)&a)->sin6_addr, p->addr, 16);
	for (size_t i = 0; i < n; i++)
		if (list[i].len <= p->len && prefix_covers(&list[i], &a))
			return true;
	return false;
}

/* The device's address and its prefix: the peering's two ends. */
static void check_peering(struct loader *ld, const struct conn_build *cb)
{
	const struct conf_conn *c = &cb->c;
	enum key_id ip = cb->set[KEY_INTERFACE_IP] ? KEY_INTERFACE_IP : KEY_LEFTVTI + cb->local;
	struct conf_prefix self = c->interface_ip;
	char p[64];

	if (!c->has_interface_ip) {
		diag_note(ld, CONF_WARNING, file_of(cb, KEY_ROUTING), line_of(cb, KEY_ROUTING),
			  "conn \"%s\": routing=external without interface-ip=: %s has no address for the "
			  "routing daemon to peer from; give it one with the peer's end in the same /30 "
			  "(interface-ip=192.168.2.1/30)", c->name, c->vti_interface);
		return;
	}
	prefix_format(&c->interface_ip, p, sizeof(p));
	self.len = self.family == AF_INET ? 32 : 128;
	if (!carried(c->leftsubnet, c->n_leftsubnet, &self))
		diag_note(ld, CONF_WARNING, file_of(cb, ip), line_of(cb, ip),
			  "conn \"%s\": routing=external: the device's address %s is outside this end's "
			  "traffic selectors (leftsubnet=): the routing daemon's packets from it are dropped, "
			  "never sent", c->name, p);
	else if (!carried(c->rightsubnet, c->n_rightsubnet, &c->interface_ip))
		diag_note(ld, CONF_WARNING, file_of(cb, ip), line_of(cb, ip),
			  "conn \"%s\": routing=external: the device's network %s is outside the peer's "
			  "traffic selectors (rightsubnet=): the routing daemon's packets to the peer's end "
			  "are dropped, never sent", c->name, p);
}

void routing_check(struct loader *ld, size_t i)
{
	const struct conn_build *cb = &ld->conns[i];
	const struct conf_conn *c = &cb->c;

	if (c->routing != CONF_ROUTING_EXTERNAL)
		return;
	if (c->n_routes)
		diag_add(ld, file_of(cb, KEY_ROUTES), line_of(cb, KEY_ROUTES),
			 "conn \"%s\": routes= with routing=external: mcvpnd installs no route for this "
			 "conn, the routing daemon does; announce these networks from the peer's daemon "
			 "(and drop routes=), or drop routing=external", c->name);
	if (cb->set[KEY_VTI_ROUTING] && c->vti_routing)
		diag_add(ld, file_of(cb, KEY_VTI_ROUTING), line_of(cb, KEY_VTI_ROUTING),
			 "conn \"%s\": vti-routing=yes with routing=external: mcvpnd routes no "
			 "rightsubnet= into %s, the routing daemon does; write vti-routing=no or drop "
			 "the key", c->name, c->vti_interface);
	for (size_t k = 0; k < sizeof(placing) / sizeof(placing[0]); k++)
		if (cb->set[placing[k]])
			diag_note(ld, CONF_WARNING, file_of(cb, placing[k]), line_of(cb, placing[k]),
				  "conn \"%s\": %s= has no effect with routing=external: it places "
				  "mcvpnd's routes, and there are none (the routing daemon places its own)",
				  c->name, keys_name(placing[k]));
	check_peering(ld, cb);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Which end of a conn is this host, as libreswan decides it: the end whose
 * address is one of the host's (left= or right=, so one file can serve
 * both ends), else the end written %defaultroute, else left (with a
 * warning when the host is known).  Then the conn's fields are filled
 * local first: addresses (%defaultroute: the default route's source, or
 * nothing yet), identities and selectors with their defaults, the device's
 * address from the local leftvti=/leftinterface-ip=, and the device's
 * name: vti-interface=, ipsec-interface= (ipsecN), else one made from the
 * conn's name, so that a policy-based conn becomes route-based as it is;
 * and the hook of this host's end. */
#include <stdio.h>
#include <string.h>

#include "conf/internal.h"

static const char *const side[2] = { "left", "right" };

static int line_of(const struct conn_build *cb, enum key_id k)
{
	return cb->key_line[k] ? cb->key_line[k] : cb->c.line;
}

static const char *file_of(const struct conn_build *cb, enum key_id k)
{
	return cb->key_line[k] ? cb->key_file[k] : cb->c.file;
}

static const char *addr_text(const struct sockaddr_storage *a, char *buf, size_t len)
{
	struct conf_id id;

	id_from_addr(a, &id);
	snprintf(buf, len, "%.63s", id.text);
	return buf;
}

/* Problems of the ends as written; false when there is no pair to orient. */
static bool ends_ok(struct loader *ld, const struct conn_build *cb)
{
	const struct conf_conn *c = &cb->c;
	const struct end_build *e = cb->end;

	if (!cb->set[KEY_LEFT])
		diag_add(ld, c->file, c->line, "conn \"%s\": missing left= (one end: an address or %%defaultroute)",
			 c->name);
	if (!cb->set[KEY_RIGHT])
		diag_add(ld, c->file, c->line, "conn \"%s\": missing right= (the other end)", c->name);
	if (e[0].kind == END_UNSET || e[1].kind == END_UNSET)
		return false;	/* missing, or its value was refused */
	if (e[0].kind == END_DEFAULTROUTE && e[1].kind == END_DEFAULTROUTE) {
		diag_add(ld, file_of(cb, KEY_RIGHT), line_of(cb, KEY_RIGHT),
			 "conn \"%s\": left= and right= are both %%defaultroute (one end is the peer)", c->name);
		return false;
	}
	if (e[0].kind != END_IP || e[1].kind != END_IP)
		return true;
	if (e[0].addr.ss_family != e[1].addr.ss_family) {
		diag_add(ld, file_of(cb, KEY_RIGHT), line_of(cb, KEY_RIGHT),
			 "conn \"%s\": left and right are not of the same address family", c->name);
		return false;
	}
	if (sockaddr_ip_equal(&e[0].addr, &e[1].addr)) {
		diag_add(ld, file_of(cb, KEY_RIGHT), line_of(cb, KEY_RIGHT),
			 "conn \"%s\": left and right are the same address", c->name);
		return false;
	}
	return true;
}

static void mine(const struct conf_host *h, const struct conn_build *cb, bool m[2])
{
	for (int i = 0; i < 2; i++)
		m[i] = cb->end[i].kind == END_IP && host_has_addr(h, &cb->end[i].addr);
}

int ends_local(const struct conf_host *h, const struct conn_build *cb)
{
	bool m[2];

	mine(h, cb, m);
	for (int i = 0; i < 2; i++)
		if (m[i] || (!m[!i] && cb->end[i].kind == END_DEFAULTROUTE))
			return i;
	return 0;
}

/* 0 (left) or 1 (right): the end that is this host. */
static int local_end(struct loader *ld, const struct conn_build *cb)
{
	const struct end_build *e = cb->end;
	bool mine[2];
	char a[64], b[64];

	for (int i = 0; i < 2; i++)
		mine[i] = e[i].kind == END_IP && host_has_addr(ld->host, &e[i].addr);
	if (mine[0] && mine[1])
		diag_add(ld, file_of(cb, KEY_RIGHT), line_of(cb, KEY_RIGHT),
			 "conn \"%s\": left= and right= are both addresses of this host: which end is this "
			 "host is unclear", cb->c.name);
	for (int i = 0; i < 2; i++)
		if (mine[i] && e[!i].kind == END_DEFAULTROUTE)
			diag_add(ld, file_of(cb, KEY_LEFT + !i), line_of(cb, KEY_LEFT + !i),
				 "conn \"%s\": %s=%%defaultroute names this host, but %s=%s is this host's "
				 "address already", cb->c.name, side[!i], side[i], addr_text(&e[i].addr, a, sizeof(a)));
	for (int i = 0; i < 2; i++)
		if (mine[i] || (!mine[!i] && e[i].kind == END_DEFAULTROUTE))
			return i;
	if (ld->host)
		diag_note(ld, CONF_WARNING, cb->c.file, cb->c.line,
			  "conn \"%s\": neither left=%s nor right=%s is an address of this host: left is taken "
			  "as this host's end (the conn cannot start until that address is configured)",
			  cb->c.name, addr_text(&e[0].addr, a, sizeof(a)), addr_text(&e[1].addr, b, sizeof(b)));
	return 0;
}

/* %defaultroute at the local end: the default route's source address, or
 * AF_UNSPEC until there is one. */
static void default_route(struct loader *ld, struct conn_build *cb, int local)
{
	const struct end_build *peer = &cb->end[!local];
	int family = peer->kind == END_IP ? peer->addr.ss_family : AF_INET;

	cb->c.left_defaultroute = true;
	if (host_default_source(ld->host, family, &cb->c.left) || !ld->host)
		return;
	diag_note(ld, CONF_WARNING, file_of(cb, KEY_LEFT + local), line_of(cb, KEY_LEFT + local),
		  "conn \"%s\": %s=%%defaultroute: this host has no %s default route (with an address) "
		  "now: the conn waits for one", cb->c.name, side[local], family == AF_INET6 ? "IPv6" : "IPv4");
}

static void default_subnet(struct conf_prefix *p, size_t *n, int family)
{
	memset(p, 0, sizeof(*p));
	p->family = family == AF_INET6 ? AF_INET6 : AF_INET;
	*n = 1;
}

/* leftid/rightid, leftsubnet/rightsubnet, local first, with their defaults. */
static void orient(struct conn_build *cb, int local)
{
	struct conf_conn *c = &cb->c;
	const struct end_build *me = &cb->end[local], *peer = &cb->end[!local];
	int family = peer->kind == END_IP ? peer->addr.ss_family : c->left.ss_family;

	c->swapped = local == 1;
	if (me->kind == END_IP)
		c->left = me->addr;
	c->right = peer->addr;
	/* %fromcert, %any, and no ID with a certificate: certs.c */
	if (me->id_kind == ID_GIVEN)
		c->leftid = me->id;
	else if (me->id_kind == ID_UNSET && !me->cert[0] && c->left.ss_family)
		id_from_addr(&c->left, &c->leftid);
	if (peer->id_kind != ID_UNSET)
		c->rightid = peer->id;
	else
		id_from_addr(&c->right, &c->rightid);
	memcpy(c->leftsubnet, me->subnet, sizeof(c->leftsubnet));
	c->n_leftsubnet = me->n_subnet;
	if (!me->n_subnet)
		default_subnet(c->leftsubnet, &c->n_leftsubnet, family);
	memcpy(c->rightsubnet, peer->subnet, sizeof(c->rightsubnet));
	c->n_rightsubnet = peer->n_subnet;
	if (!peer->n_subnet)
		default_subnet(c->rightsubnet, &c->n_rightsubnet, family);
}

/* The local leftvti= / leftinterface-ip= is the device's address. */
static void device_address(struct loader *ld, struct conn_build *cb, int local)
{
	const struct end_build *me = &cb->end[local];

	if (!me->has_vti)
		return;
	if (cb->set[KEY_INTERFACE_IP]) {
		diag_add(ld, file_of(cb, KEY_LEFTVTI + local), line_of(cb, KEY_LEFTVTI + local),
			 "conn \"%s\": interface-ip= and %svti= (or %sinterface-ip=) both give the device's "
			 "address: keep one", cb->c.name, side[local], side[local]);
		return;
	}
	cb->c.interface_ip = me->vti;
	cb->c.has_interface_ip = true;
	cb->interface_ip_bare = me->vti_bare;
}

/* FNV-1a, for device names made from long conn names. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* vti-interface=, ipsec-interface=, else the conn's name (cut to 10
 * characters and 4 of a hash when it is longer than an interface name). */
void ends_device_name(struct loader *ld, struct conn_build *cb)
{
	struct conf_conn *c = &cb->c;

	if (cb->ipsec_interface[0] && cb->set[KEY_VTI_INTERFACE]) {
		diag_add(ld, file_of(cb, KEY_IPSEC_INTERFACE), line_of(cb, KEY_IPSEC_INTERFACE),
			 "conn \"%s\": vti-interface= and ipsec-interface= both name the tunnel device: keep "
			 "one", c->name);
		return;
	}
	if (cb->set[KEY_VTI_INTERFACE])
		return;
	if (cb->ipsec_interface[0])
		snprintf(c->vti_interface, sizeof(c->vti_interface), "%s", cb->ipsec_interface);
	else if (strlen(c->name) < sizeof(c->vti_interface))
		snprintf(c->vti_interface, sizeof(c->vti_interface), "%s", c->name);
	else
		snprintf(c->vti_interface, sizeof(c->vti_interface), "%.10s-%04x", c->name,
			 name_hash(c->name) & 0xffff);
}

/* This host's leftnexthop= as an address: the peer itself (direct), or the
 * gateway of the host's own route to the peer; else it cannot be honoured
 * (the peer's nexthop is the peer's business). */
static void check_nexthop(struct loader *ld, const struct conn_build *cb, int local)
{
	const struct sockaddr_storage *nh = &cb->end[local].nexthop, *peer = &cb->c.right;
	const struct conf_host_route *r = host_route_to(ld->host, peer);
	enum key_id k = KEY_LEFTNEXTHOP + local;
	char a[64], p[64], g[64] = "unknown here";

	if (!nh->ss_family || sockaddr_ip_equal(nh, peer) || (r && sockaddr_ip_equal(nh, &r->gw)))
		return;
	if (r && r->gw.ss_family)
		addr_text(&r->gw, g, sizeof(g));
	else if (r)
		snprintf(g, sizeof(g), "direct");
	diag_add(ld, file_of(cb, k), line_of(cb, k),
		 "conn \"%s\": %snexthop=%s: mcvpn sends IKE and ESP by the host's routes, and the "
		 "route to the peer is not via %s (its gateway: %s); add one (ip route add %s/%d via %s) "
		 "and drop %snexthop=", cb->c.name, side[local], addr_text(nh, a, sizeof(a)), a, g,
		 addr_text(peer, p, sizeof(p)), peer->ss_family == AF_INET ? 32 : 128, a, side[local]);
}

/* The hook: updown=, or this host's leftupdown= / rightupdown= (libreswan's
 * spelling; the other end's is the peer's own and not run here). */
static void hook(struct loader *ld, struct conn_build *cb, int local)
{
	enum key_id mine = KEY_LEFTUPDOWN + local, peers = KEY_LEFTUPDOWN + !local;

	if (cb->set[KEY_UPDOWN] && cb->set[mine]) {
		diag_add(ld, file_of(cb, mine), line_of(cb, mine),
			 "conn \"%s\": updown= and %supdown= both name this host's hook: keep one",
			 cb->c.name, side[local]);
		return;
	}
	if (cb->set[peers] && cb->updown[!local].argc)
		diag_note(ld, CONF_NOTE, file_of(cb, peers), line_of(cb, peers),
			  "conn \"%s\": %supdown= is the peer's hook (this host is %s): not run here",
			  cb->c.name, side[!local], side[local]);
	cb->c.updown = cb->updown[cb->set[KEY_UPDOWN] ? 2 : local];
}

void ends_finish(struct loader *ld, struct conn_build *cb)
{
	int local;

	ends_device_name(ld, cb);
	if (!ends_ok(ld, cb))
		return;
	local = local_end(ld, cb);
	cb->local = local;
	cb->oriented = true;
	if (cb->end[local].kind == END_DEFAULTROUTE)
		default_route(ld, cb, local);
	orient(cb, local);
	device_address(ld, cb, local);
	check_nexthop(ld, cb, local);
	hook(ld, cb, local);
}

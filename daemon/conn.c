/* SPDX-License-Identifier: Apache-2.0 */
/* Conns at run time: the TUN device with its address and routes (installed
 * at start, kept while the daemon runs, removed at exit) and, with
 * routing=external, its carrier following the Child SA; starting the IKE
 * SA of auto=start conns with a capped backoff after failures, and the
 * conn's in-tunnel probe (daemon/probe), running while it has a Child SA. */
#include "daemon/conn.h"

#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "crypto/alg.h"
#include "daemon/daemon.h"
#include "daemon/dataplane/dataplane.h"
#include "daemon/linger.h"
#include "daemon/base/log.h"
#include "daemon/dataplane/tun.h"
#include "daemon/probe/probe.h"
#include "netlink/nl.h"

#define PATH_MTU 1500
#define RETRY_FIRST_S 1
#define RETRY_MAX_S 60

static void to_nl(const struct conf_prefix *p, struct nl_prefix *n)
{
	memset(n, 0, sizeof(*n));
	n->family = p->family;
	memcpy(n->addr, p->addr, sizeof(n->addr));
	n->len = p->len;
}

/* Address and routes on the TUN; safe to call again (add is idempotent). */
static int install_addrs(struct daemon *d, struct conn *c)
{
	const struct conf_conn *cfg = c->cfg;
	struct nl_prefix p;
	int r, failed = 0;

	if (cfg->has_interface_ip) {
		to_nl(&cfg->interface_ip, &p);
		if ((r = nl_addr_add(d->nl, c->ifindex, &p)) == -ENODEV)
			return r;	/* the device is gone: its LINK_DEL event re-creates it */
		if (r) {
			log_conn(LOG_ERR, cfg->name, "cannot add interface-ip to %s: %s",
				 cfg->vti_interface, strerror(-r));
			failed = r;
		}
	}
	r = conn_routes_install(d, c);
	return r == -ENODEV ? r : failed ? failed : r;
}

/* The largest inner packet whose ESP-in-UDP packet still fits a 1500-byte path,
 * for the costliest proposal: outer IP, UDP 8, ESP header 8, IV, padding to the
 * block, trailer 2, ICV.  AES-GCM or ChaCha20-Poly1305 over IPv4: 1438;
 * AES-CBC + SHA2-256: 1422. */
static unsigned tun_mtu(const struct conf_conn *cfg)
{
	unsigned ip = cfg->left.ss_family == AF_INET ? 20 : 40, best = PATH_MTU;

	for (size_t i = 0; i < cfg->n_esp; i++) {
		bool aead = encr_is_aead(cfg->esp[i].encr);
		unsigned iv = aead ? 8 : 16, block = aead ? 4 : 16;
		unsigned icv = aead ? 16 : (unsigned)integ_icv_len(cfg->esp[i].integ);
		unsigned room = PATH_MTU - ip - 8 - 8 - iv - icv;
		unsigned mtu = room / block * block - 2;
		best = mtu < best ? mtu : best;
	}
	return best;
}

/* mss-clamp=: what a TCP segment may carry through a device of this MTU
 * (IPv4 and TCP headers: 40 bytes, IPv6: 60), or the conn's number. */
static void set_mss(struct daemon *d, struct conn *c, unsigned mtu)
{
	const struct conf_conn *cfg = c->cfg;
	uint16_t m4 = cfg->mss_clamp_to ? cfg->mss_clamp_to : (uint16_t)(mtu - 40);
	uint16_t m6 = cfg->mss_clamp_to ? cfg->mss_clamp_to : (uint16_t)(mtu - 60);

	if (!cfg->mss_clamp)
		return;
	if (dp_tunnel_set_mss(d->dp, c->tunnel_id, m4, m6) == 0)
		log_conn(LOG_INFO, cfg->name, "TCP MSS of SYNs through %s clamped to %u (IPv4), %u (IPv6)",
			 cfg->vti_interface, m4, m6);
}

struct conn *conn_new(struct daemon *d, const struct conf_conn *cfg)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cfg = cfg;
	c->d = d;
	c->tun_fd = -1;
	c->tunnel_id = ++d->next_tunnel_id;
	conn_probe_apply(d, c);
	return c;
}

int conn_bring_up(struct daemon *d, struct conn *c)
{
	if (c->cfg->autostart == CONF_AUTO_IGNORE)
		return 0;
	if (conn_setup(d, c)) {
		conn_teardown(d, c);
		return -1;
	}
	conn_start(c);
	return 0;
}

void conn_free(struct daemon *d, struct conn *c)
{
	if (!c)
		return;
	c->hold = true;	/* no retry from the conn_down callback */
	ike_engine_delete_conn_why(&d->eng, c, "conn removed");
	conn_teardown(d, c);
	probe_free(c->probe);
	free(c);
}

int conn_setup(struct daemon *d, struct conn *c)
{
	const struct conf_conn *cfg = c->cfg;
	uint32_t mark = cfg->has_mark ? cfg->mark & cfg->mark_mask : 0;
	int r;

	if (cfg->left.ss_family == AF_UNSPEC) {	/* left=%defaultroute, no default route yet */
		log_conn(LOG_WARNING, cfg->name, "waiting for a default route (%%defaultroute): no tunnel "
			 "device until there is one");
		return 0;
	}
	if (!udp_open(&d->udp, &cfg->left, mark))
		return -1;
	conn_routes_init(c);
	c->tun_fd = tun_open(cfg->vti_interface, &c->ifindex);
	if (c->tun_fd < 0) {
		log_conn(LOG_ERR, cfg->name, "cannot create TUN device %s: %s", cfg->vti_interface,
			 strerror(-c->tun_fd));
		return -1;
	}
	c->carrier = true;		/* a new TUN has one */
	conn_carrier_follow(d, c);
	unsigned mtu = tun_mtu(cfg);
	if ((r = nl_link_up(d->nl, c->ifindex, mtu))) {
		log_conn(LOG_ERR, cfg->name, "cannot bring %s up: %s", cfg->vti_interface,
			 strerror(-r));
		return -1;
	}
	if (install_addrs(d, c))
		return -1;
	if ((r = dp_tunnel_add(d->dp, c->tunnel_id, c->tun_fd))) {
		log_conn(LOG_ERR, cfg->name, "data plane refused %s: %s", cfg->vti_interface,
			 strerror(-r));
		return -1;
	}
	set_mss(d, c, mtu);
	log_conn(LOG_INFO, cfg->name, "%s up (MTU %u), %zu route%s %s", cfg->vti_interface, mtu,
		 c->n_routes, c->n_routes == 1 ? "" : "s",
		 c->routes_wanted ? "installed" : "to install once a Child SA is up");
	return 0;
}

void conn_teardown(struct daemon *d, struct conn *c)
{
	probe_stop(c->probe);		/* before its tunnel leaves the data plane */
	linger_flush(d, c);
	if (c->retry_ev) {
		event_free(c->retry_ev);
		c->retry_ev = NULL;
	}
	if (c->tun_fd < 0)
		return;
	dp_tunnel_remove(d->dp, c->tunnel_id);
	/* closing a non-persistent TUN deletes the device, and with it the
	 * address and routes; delete them first so nothing is left if it was
	 * made persistent by someone else */
	conn_routes_remove(d, c);
	tun_close(c->tun_fd);
	c->tun_fd = -1;
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	c->retry_at = 0;
	if (c->d->stopping || c->ike || c->admin_down)
		return;
	log_conn(LOG_INFO, c->cfg->name, "retrying (attempt %u)", c->retries + 1);
	if (ike_engine_initiate(&c->d->eng, c))
		conn_failed(c->d, c, "cannot initiate");
}

void conn_start(struct conn *c)
{
	if (c->cfg->autostart != CONF_AUTO_START || c->ike || c->cfg->left.ss_family == AF_UNSPEC)
		return;
	if (ike_engine_initiate(&c->d->eng, c))
		conn_failed(c->d, c, "cannot initiate");
}

void conn_up_cb(void *arg, struct conn *c)
{
	c->retries = 0;
	c->hold = false;
	c->last_error[0] = 0;
	conn_hook_up(arg, c);
}

void conn_rekeyed_cb(void *arg, struct conn *c, const struct ike_rekeyed *r)
{
	c->last_rekey = time(NULL);
	if ((unsigned)r->what < 2 && (unsigned)r->by < IKE_REKEY_BY_COUNT)
		c->events.rekeys[r->what][r->by]++;
	conn_hook_rekeyed(arg, c, r);
}

void conn_failed(struct daemon *d, struct conn *c, const char *why)
{
	struct ike_down down = { .why = why, .fail = IKE_FAIL_LOCAL };
	conn_down_cb(d, c, &down);
}

void conn_down_cb(void *arg, struct conn *c, const struct ike_down *down)
{
	struct daemon *d = arg;
	const char *why = down->why;

	if (down->wait_for_peer)
		c->hold = true;
	if (down->again_soon)
		c->retries = 0;
	if (down->fail != IKE_FAIL_NONE && (unsigned)down->fail < IKE_FAIL_COUNT)
		c->events.ike_failures[down->fail]++;
	snprintf(c->last_error, sizeof(c->last_error), "%s", why);
	conn_hook_down(d, c, down);
	if (d->stopping || c->cfg->autostart != CONF_AUTO_START)
		return;
	if (c->hold || c->admin_down) {
		log_conn(LOG_INFO, c->cfg->name, "no IKE SA (%s); waiting for the peer or 'mcvpnctl up'",
			 why);
		return;
	}
	if (!c->retry_ev)
		c->retry_ev = evtimer_new(d->base, retry_cb, c);
	if (!c->retry_ev || evtimer_pending(c->retry_ev, NULL))
		return;
	unsigned s = c->retries < 6 ? RETRY_FIRST_S << c->retries : RETRY_MAX_S;
	struct timeval tv = { s < RETRY_MAX_S ? s : RETRY_MAX_S, 0 };
	c->retries++;
	c->retry_at = ike_engine_now() + (double)tv.tv_sec;
	log_conn(LOG_INFO, c->cfg->name, "no IKE SA (%s); retrying in %lds", why,
		 (long)tv.tv_sec);
	evtimer_add(c->retry_ev, &tv);
}

/* Someone deleted our TUN device: make it again under the same name, with its
 * address and routes; the data plane keeps the tunnel's SAs. */
static void conn_recreate_tun(struct daemon *d, struct conn *c)
{
	const struct conf_conn *cfg = c->cfg;
	int ifindex, r;
	int fd = tun_open(cfg->vti_interface, &ifindex);

	log_conn(LOG_WARNING, cfg->name, "%s was deleted by someone else; re-creating it",
		 cfg->vti_interface);
	if (fd < 0) {
		log_conn(LOG_ERR, cfg->name, "cannot re-create %s: %s", cfg->vti_interface,
			 strerror(-fd));
		return;
	}
	if ((r = dp_tunnel_set_fd(d->dp, c->tunnel_id, fd))) {
		log_conn(LOG_ERR, cfg->name, "data plane refused the new %s: %s",
			 cfg->vti_interface, strerror(-r));
		tun_close(fd);
		return;
	}
	tun_close(c->tun_fd);
	c->tun_fd = fd;
	c->ifindex = ifindex;
	c->carrier = true;
	conn_carrier_follow(d, c);
	if ((r = nl_link_up(d->nl, ifindex, tun_mtu(cfg))))
		log_conn(LOG_ERR, cfg->name, "cannot bring %s up: %s", cfg->vti_interface,
			 strerror(-r));
	install_addrs(d, c);
}

/* Someone removed our address or a route: put it back; someone else's
 * route went away: a route of ours it kept out may go in.  (Additions are
 * the host changing: daemon_resolve_again's business.) */
void conn_netlink_event(struct daemon *d, int type, int ifindex)
{
	if (type == NL_EV_ADDR_NEW || type == NL_EV_ROUTE_NEW)
		return;
	for (size_t i = 0; i < d->n_conns; i++) {
		struct conn *c = d->conns[i];
		if (c->tun_fd >= 0 && type == NL_EV_ROUTE_DEL && ifindex && c->ifindex != ifindex)
			conn_routes_retry(d, c);
		if (c->tun_fd < 0 || (ifindex && c->ifindex != ifindex))
			continue;
		if (type == NL_EV_LINK_DEL) {
			conn_recreate_tun(d, c);
			continue;
		}
		if (install_addrs(d, c) == 0)
			log_conn(LOG_DEBUG, c->cfg->name, "address and routes checked");
	}
}

/* routing=external: the device has a carrier while the conn has a Child
 * SA, so that a routing daemon sees the tunnel's state as the link's
 * (zebra takes the connected /30 away, bgpd drops the session at once
 * rather than at its hold time, and starts it again when the carrier is
 * back).  With routing=mcvpnd the carrier stays on: routes-when-down=
 * says what happens to the routes. */
void conn_carrier_follow(struct daemon *d, struct conn *c)
{
	bool on = c->children_up > 0;
	int r;

	if (c->cfg->routing != CONF_ROUTING_EXTERNAL || c->tun_fd < 0 || c->carrier == on)
		return;
	if ((r = tun_set_carrier(c->tun_fd, on))) {
		log_conn(LOG_ERR, c->cfg->name, "cannot %s %s's carrier: %s", on ? "raise" : "drop",
			 c->cfg->vti_interface, strerror(-r));
		return;
	}
	c->carrier = on;
	if (!d->stopping)
		log_conn(on ? LOG_INFO : LOG_NOTICE, c->cfg->name, "%s: %s (routing=external)",
			 c->cfg->vti_interface, on ? "carrier up, a Child SA is up" :
			 "no carrier, no Child SA");
}

/* probe= and interface-ip= as the probe's own copy; false without either. */
static bool probe_config_of(const struct conf_conn *cfg, struct probe_config *pc)
{
	const struct sockaddr_storage *p = &cfg->probe;

	memset(pc, 0, sizeof(*pc));
	if (p->ss_family == AF_UNSPEC || !cfg->has_interface_ip || p->ss_family != cfg->interface_ip.family)
		return false;
	snprintf(pc->conn, sizeof(pc->conn), "%s", cfg->name);
	snprintf(pc->device, sizeof(pc->device), "%s", cfg->vti_interface);
	pc->family = p->ss_family;
	memcpy(pc->src, cfg->interface_ip.addr, sizeof(pc->src));
	if (p->ss_family == AF_INET)
		memcpy(pc->dst, &((const struct sockaddr_in *)p)->sin_addr, 4);
	else
		memcpy(pc->dst, &((const struct sockaddr_in6 *)p)->sin6_addr, 16);
	pc->interval = cfg->probe_interval;
	return true;
}

bool conn_probe_apply(struct daemon *d, struct conn *c)
{
	struct probe_config pc;
	bool want = probe_config_of(c->cfg, &pc);

	if (c->probe && want && probe_config_equal(probe_get_config(c->probe), &pc))
		return false;
	if (!c->probe && !want)
		return false;
	probe_free(c->probe);
	c->probe = want ? probe_new(d->base, d->dp, &pc) : NULL;
	if (want && !c->probe)
		log_conn(LOG_ERR, c->cfg->name, "cannot make the probe: out of memory");
	conn_probe_follow(d, c);
	return true;
}

void conn_probe_follow(struct daemon *d, struct conn *c)
{
	int r;

	if (!c->probe)
		return;
	if (!c->children_up || c->tun_fd < 0) {
		probe_stop(c->probe);
		return;
	}
	if ((r = probe_start(c->probe, c->tunnel_id)))
		log_conn(LOG_ERR, c->cfg->name, "cannot start the probe: %s", strerror(-r));
}

/* SPDX-License-Identifier: Apache-2.0 */
/* rtnetlink through libmnl: link state, addresses, routes, and a monitor of
 * changes made by others.  Every call is synchronous (request + ACK) on the
 * caller's thread.  Functions return 0 or a negative errno: the kernel's,
 * or -ENODEV for an ifindex <= 0, -EAFNOSUPPORT for a family other than
 * AF_INET/AF_INET6, -EINVAL for a prefix length past 32/128.  Route calls
 * clear a destination's host bits (10.105.1.2/16 is 10.105.0.0/16). */
#ifndef MCVPN_NETLINK_NL_H
#define MCVPN_NETLINK_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl;

struct nl_prefix {
	int family;		/* AF_INET / AF_INET6 */
	uint8_t addr[16];	/* network byte order */
	uint8_t len;
};

/* A NETLINK_ROUTE socket for requests. Caller frees with nl_close. NULL on error (errno set). */
struct nl *nl_open(void);
void nl_close(struct nl *nl);

/* Set the MTU (0 = leave) and bring the link up. */
int nl_link_up(struct nl *nl, int ifindex, unsigned mtu);

/* Add an address with prefix length (192.168.2.1/30); already present counts as success. */
int nl_addr_add(struct nl *nl, int ifindex, const struct nl_prefix *p);
int nl_addr_del(struct nl *nl, int ifindex, const struct nl_prefix *p);
/* 1 if the interface has exactly this address/len, 0 if not, <0 on error. */
int nl_addr_present(struct nl *nl, int ifindex, const struct nl_prefix *p);

/* mcvpnd's routes carry an rtnetlink protocol of their own, named "mcvpn"
 * for ip(8) in /etc/iproute2/rt_protos.d/mcvpn.conf (packaging/), so that
 * "ip route show proto mcvpn" lists them and a delete that names it never
 * removes a route mcvpnd did not make.  Not one of the kernel's RTPROT_*
 * numbers nor one that iproute2 or a routing daemon names. */
#define NL_RTPROT_MCVPN 77
#define NL_TABLE_MAIN 254		/* RT_TABLE_MAIN */
#define NL_METRIC6_DEFAULT 1024		/* the metric IPv6 gives a route added without one */

/* One of mcvpnd's routes: dst through the device ifindex, scope link, no
 * gateway, protocol mcvpn. */
struct nl_route {
	int ifindex;
	struct nl_prefix dst;
	uint32_t table;			/* 0: the main table */
	uint32_t metric;		/* 0: none (the kernel's default: 0 for IPv4, 1024 for IPv6) */
};

/* What nl_route_add does when dst already has a route in the table at the
 * same metric: NL_ROUTE_EXCL fails with -EEXIST (nothing is replaced or
 * hidden); NL_ROUTE_PREPEND (IPv4 only, as "ip route prepend") puts the
 * new route in front of it, where lookups find it first, and leaves it in
 * place: it is used again once ours is deleted.  A route that is the same
 * as ours is -EEXIST either way.  Routes at other metrics are never
 * touched. */
enum nl_route_mode { NL_ROUTE_EXCL, NL_ROUTE_PREPEND };
int nl_route_add(struct nl *nl, const struct nl_route *r, enum nl_route_mode mode);
/* Delete r, only if it is mcvpnd's (protocol mcvpn); -ESRCH if there is
 * no such route.  A metric of 0 matches any. */
int nl_route_del(struct nl *nl, const struct nl_route *r);

/* The unicast routes to exactly r->dst in r->table, as they concern r. */
struct nl_route_other {
	int oif;			/* 0: none or several */
	uint32_t metric;
	uint8_t protocol;		/* RTPROT_*, or NL_RTPROT_MCVPN */
};
struct nl_route_seen {
	bool here;		/* through r->ifindex already: ours at r's metric, or
				 * one of any metric that mcvpnd did not make (the
				 * kernel's prefix route of the device's address) */
	bool foreign;		/* another device's route, of any metric, that
				 * mcvpnd did not make */
	struct nl_route_other foreign_route;	/* the first of them */
	bool taken;		/* another device's route has r's metric: an add
				 * with NL_ROUTE_EXCL fails */
	bool taken_foreign;	/* ... and mcvpnd did not make it */
	struct nl_route_other taken_route;	/* that one (one not mcvpnd's if any) */
};
/* IPv6 metrics are compared as the kernel stores them (0 is 1024). */
int nl_route_lookup(struct nl *nl, const struct nl_route *r, struct nl_route_seen *out);
/* The same for rs[0 .. n) into out[0 .. n) with one dump of the routes;
 * -E2BIG past NL_ROUTE_LOOKUP_MAX. */
#define NL_ROUTE_LOOKUP_MAX 64
int nl_route_lookup_all(struct nl *nl, const struct nl_route *rs, size_t n, struct nl_route_seen *out);

/* The host's addresses and the unicast routes of all its tables, for the
 * configuration (which end of a conn is this host, %defaultroute, routes
 * a conn would replace).  Caller frees with nl_host_free. */
struct nl_host_addr {
	int ifindex;
	char ifname[16];	/* IFNAMSIZ; "" if the link was not seen */
	struct nl_prefix addr;
};
struct nl_host_route {
	struct nl_prefix dst;
	int oif;		/* 0: none or several */
	char ifname[16];
	int gw_family;		/* 0: no gateway */
	uint8_t gw[16];
	int src_family;		/* 0: no preferred source */
	uint8_t src[16];
	uint32_t metric;
	uint8_t protocol;	/* RTPROT_*, or NL_RTPROT_MCVPN */
	uint32_t table;		/* RT_TABLE_*, or any other number */
};
struct nl_host {
	struct nl_host_addr *addrs;	/* owned */
	size_t n_addrs;
	struct nl_host_route *routes;	/* owned */
	size_t n_routes;
};
int nl_host_dump(struct nl *nl, struct nl_host *out);
void nl_host_free(struct nl_host *h);

/* Monitor: a separate socket subscribed to link, IPv4/IPv6 address and route groups.
 * Register nl_monitor_fd() with the event loop; nl_monitor_read() drains it and calls
 * cb for each event. */
/* NL_EV_RESYNC: the kernel dropped notifications (socket overrun); the
 * caller cannot know what it missed and must re-check its links, addresses
 * and routes.  ifindex is 0 and prefix is empty for it. */
/* NL_EV_ADDR_NEW and NL_EV_ROUTE_NEW (an address or a unicast route of
 * any table added or changed) tell of changes to the host, which may move
 * a %defaultroute or the end of a conn that is this host. */
enum nl_event_type {
	NL_EV_LINK_DEL, NL_EV_LINK_DOWN, NL_EV_ADDR_DEL, NL_EV_ROUTE_DEL, NL_EV_RESYNC,
	NL_EV_ADDR_NEW, NL_EV_ROUTE_NEW,
};
struct nl_event {
	enum nl_event_type type;
	int ifindex;
	struct nl_prefix prefix;	/* for ADDR_* / ROUTE_* */
	uint32_t table;			/* ROUTE_*: its table */
	uint8_t protocol;		/* ROUTE_*: RTPROT_*, or NL_RTPROT_MCVPN */
};
struct nl_monitor;
struct nl_monitor *nl_monitor_open(void);
void nl_monitor_close(struct nl_monitor *m);
int nl_monitor_fd(const struct nl_monitor *m);
int nl_monitor_read(struct nl_monitor *m, void (*cb)(const struct nl_event *ev, void *arg), void *arg);

#endif

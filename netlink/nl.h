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

/* Route dst via the interface (scope link, no gateway) in the main table.
 * metric 0 = none. Add uses NLM_F_REPLACE semantics. */
int nl_route_add(struct nl *nl, int ifindex, const struct nl_prefix *dst, uint32_t metric);
int nl_route_del(struct nl *nl, int ifindex, const struct nl_prefix *dst, uint32_t metric);
int nl_route_present(struct nl *nl, int ifindex, const struct nl_prefix *dst);

/* The host's addresses and the unicast routes of its main table, for the
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
	uint8_t protocol;	/* RTPROT_* */
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
/* NL_EV_ADDR_NEW and NL_EV_ROUTE_NEW (an address or a main-table route
 * added or changed) tell of changes to the host, which may move a
 * %defaultroute or the end of a conn that is this host. */
enum nl_event_type {
	NL_EV_LINK_DEL, NL_EV_LINK_DOWN, NL_EV_ADDR_DEL, NL_EV_ROUTE_DEL, NL_EV_RESYNC,
	NL_EV_ADDR_NEW, NL_EV_ROUTE_NEW,
};
struct nl_event {
	enum nl_event_type type;
	int ifindex;
	struct nl_prefix prefix;	/* for ADDR_* / ROUTE_* */
};
struct nl_monitor;
struct nl_monitor *nl_monitor_open(void);
void nl_monitor_close(struct nl_monitor *m);
int nl_monitor_fd(const struct nl_monitor *m);
int nl_monitor_read(struct nl_monitor *m, void (*cb)(const struct nl_event *ev, void *arg), void *arg);

#endif

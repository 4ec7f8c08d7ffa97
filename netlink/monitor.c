/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor: a non-blocking socket on the link, address and route
 * multicast groups, turning the kernel's notifications into nl_events:
 * things going away (the daemon puts back what it set up), and addresses
 * and unicast routes added (the host changed under a %defaultroute or the
 * end of a conn that is this host). */
#include "netlink/nl_priv.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Room for bursts (an interface going away takes its addresses and routes
 * with it); past this the kernel drops and we report NL_EV_RESYNC. */
#define NL_MON_RCVBUF (1 << 20)

typedef void (*nl_event_cb)(const struct nl_event *ev, void *arg);

struct nl_monitor {
	struct mnl_socket *sock;	/* owned */
	uint8_t buf[NL_RECV_SIZE];
};

static const unsigned mon_groups[] = {
	RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
	RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE,
};

static int mon_subscribe(struct mnl_socket *sock)
{
	int fd = mnl_socket_get_fd(sock);
	int size = NL_MON_RCVBUF;

	for (size_t i = 0; i < sizeof(mon_groups) / sizeof(mon_groups[0]); i++) {
		unsigned g = mon_groups[i];
		if (mnl_socket_setsockopt(sock, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
			return -1;
	}
	/* FORCE passes net.core.rmem_max with CAP_NET_ADMIN; without it the
	 * plain option still gets as much as the sysctl allows.  Either way a
	 * small buffer only costs resyncs, so failures are not fatal. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return 0;
}

struct nl_monitor *nl_monitor_open(void)
{
	struct nl_monitor *m = calloc(1, sizeof(*m));
	int saved;

	if (!m)
		return NULL;
	m->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!m->sock)
		goto fail;
	if (mnl_socket_bind(m->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	if (mon_subscribe(m->sock) < 0)
		goto fail;
	return m;
fail:
	saved = errno;
	nl_monitor_close(m);
	errno = saved;
	return NULL;
}

void nl_monitor_close(struct nl_monitor *m)
{
	if (!m)
		return;
	if (m->sock)
		mnl_socket_close(m->sock);
	free(m);
}

int nl_monitor_fd(const struct nl_monitor *m)
{
	return mnl_socket_get_fd(m->sock);
}

/* RTM_DELLINK, or RTM_NEWLINK for a link that is not up (any change to a
 * down link repeats it: callers filter on their own ifindex). */
static bool mon_link(const struct nlmsghdr *nlh, struct nl_event *ev)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return false;
	ev->ifindex = ifi->ifi_index;
	if (nlh->nlmsg_type == RTM_DELLINK) {
		ev->type = NL_EV_LINK_DEL;
		return true;
	}
	ev->type = NL_EV_LINK_DOWN;
	return !(ifi->ifi_flags & IFF_UP);
}

static bool mon_addr(const struct nlmsghdr *nlh, struct nl_event *ev)
{
	struct nl_addr_info ai;

	if (nl_addr_parse(nlh, &ai) < 0)
		return false;
	ev->type = nlh->nlmsg_type == RTM_NEWADDR ? NL_EV_ADDR_NEW : NL_EV_ADDR_DEL;
	ev->ifindex = ai.ifindex;
	ev->prefix = ai.prefix;
	return true;
}

/* Only unicast routes, of any table (a conn's routes may be in another):
 * the local table's entries come and go with every address and are not
 * ours. */
static bool mon_route(const struct nlmsghdr *nlh, struct nl_event *ev)
{
	struct nl_route_info ri;

	if (nl_route_parse(nlh, &ri) < 0 || !nl_route_is_unicast(&ri))
		return false;
	ev->type = nlh->nlmsg_type == RTM_NEWROUTE ? NL_EV_ROUTE_NEW : NL_EV_ROUTE_DEL;
	ev->ifindex = ri.oif;
	ev->prefix = ri.dst;
	ev->table = ri.table;
	ev->protocol = ri.protocol;
	return true;
}

/* A malformed notification is skipped: the kernel does not send them, and
 * one bad message must not hide the rest of the datagram. */
static void mon_msg(const struct nlmsghdr *nlh, nl_event_cb cb, void *arg)
{
	struct nl_event ev;
	bool hit = false;

	memset(&ev, 0, sizeof(ev));
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		hit = mon_link(nlh, &ev);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		hit = mon_addr(nlh, &ev);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		hit = mon_route(nlh, &ev);
		break;
	}
	if (hit)
		cb(&ev, arg);
}

static void mon_datagram(const uint8_t *buf, size_t n, nl_event_cb cb, void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int left = (int)n;

	while (mnl_nlmsg_ok(nlh, left)) {
		mon_msg(nlh, cb, arg);
		nlh = mnl_nlmsg_next(nlh, &left);
	}
}

static void mon_resync(nl_event_cb cb, void *arg)
{
	struct nl_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = NL_EV_RESYNC;
	cb(&ev, arg);
}

int nl_monitor_read(struct nl_monitor *m, nl_event_cb cb, void *arg)
{
	int fd = mnl_socket_get_fd(m->sock);
	ssize_t n;

	for (;;) {
		n = nl_recv(fd, m->buf, sizeof(m->buf));
		if (n == -EAGAIN || n == -EWOULDBLOCK)
			return 0;
		if (n == -EINTR)
			continue;
		/* ENOBUFS: the kernel dropped notifications; ENOSPC: we dropped
		 * one too large for us.  Both lose state, neither is fatal. */
		if (n == -ENOBUFS || n == -ENOSPC)
			mon_resync(cb, arg);
		else if (n < 0)
			return (int)n;
		else
			mon_datagram(m->buf, (size_t)n, cb, arg);
	}
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The host as the configuration needs to see it: every interface address
 * and every unicast route of every table (with its device's name,
 * gateway, preferred source, metric, protocol and table), read with three
 * dumps.  The
 * daemon turns it into conf's struct conf_host (daemon/host.c). */
#include "netlink/nl_priv.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/base/grow.h"

struct link_name {
	int ifindex;
	char name[IFNAMSIZ];
};

struct dump {
	struct nl_host *h;
	struct link_name *links;
	size_t n_links, cap_links;
	size_t cap_addrs, cap_routes;
};


static int link_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump *d = arg;
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct link_name *l;

	if (!nlh) {
		d->n_links = 0;
		return 0;
	}
	if (nlh->nlmsg_type != RTM_NEWLINK || nl_attr_table(nlh, sizeof(*ifi), tb, IFLA_MAX) < 0 ||
	    !tb[IFLA_IFNAME] || mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) < 0)
		return 0;
	if (!grow_room((void **)&d->links, &d->cap_links, d->n_links, sizeof(*l)))
		return -ENOMEM;
	l = &d->links[d->n_links++];
	l->ifindex = ifi->ifi_index;
	snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	return 0;
}

static void name_of(const struct dump *d, int ifindex, char *out)
{
	out[0] = '\0';
	for (size_t i = 0; i < d->n_links; i++)
		if (d->links[i].ifindex == ifindex)
			snprintf(out, IFNAMSIZ, "%s", d->links[i].name);
}

static int addr_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump *d = arg;
	struct nl_addr_info ai;
	struct nl_host_addr *a;
	int r;

	if (!nlh) {
		d->h->n_addrs = 0;
		return 0;
	}
	if (nlh->nlmsg_type != RTM_NEWADDR)
		return 0;
	r = nl_addr_parse(nlh, &ai);
	if (r < 0)
		return r == -EAFNOSUPPORT ? 0 : r;
	if (!grow_room((void **)&d->h->addrs, &d->cap_addrs, d->h->n_addrs, sizeof(*a)))
		return -ENOMEM;
	a = &d->h->addrs[d->h->n_addrs++];
	a->ifindex = ai.ifindex;
	a->addr = ai.prefix;
	name_of(d, ai.ifindex, a->ifname);
	return 0;
}

/* Gateway and preferred source, which nl_route_parse leaves out. */
static int route_extra(const struct nlmsghdr *nlh, struct nl_host_route *r)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	size_t alen = nl_prefix_alen(rtm->rtm_family);

	if (nl_attr_table(nlh, sizeof(*rtm), tb, RTA_MAX) < 0)
		return -EPROTO;
	if (tb[RTA_GATEWAY] && mnl_attr_validate2(tb[RTA_GATEWAY], MNL_TYPE_BINARY, alen) == 0) {
		r->gw_family = rtm->rtm_family;
		memcpy(r->gw, mnl_attr_get_payload(tb[RTA_GATEWAY]), alen);
	}
	if (tb[RTA_PREFSRC] && mnl_attr_validate2(tb[RTA_PREFSRC], MNL_TYPE_BINARY, alen) == 0) {
		r->src_family = rtm->rtm_family;
		memcpy(r->src, mnl_attr_get_payload(tb[RTA_PREFSRC]), alen);
	}
	return 0;
}

static int route_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump *d = arg;
	struct nl_route_info ri;
	struct nl_host_route *r;
	int e;

	if (!nlh) {
		d->h->n_routes = 0;
		return 0;
	}
	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	e = nl_route_parse(nlh, &ri);
	if (e < 0)
		return e == -EAFNOSUPPORT ? 0 : e;
	if (!nl_route_is_unicast(&ri))
		return 0;
	if (!grow_room((void **)&d->h->routes, &d->cap_routes, d->h->n_routes, sizeof(*r)))
		return -ENOMEM;
	r = &d->h->routes[d->h->n_routes];
	memset(r, 0, sizeof(*r));
	r->dst = ri.dst;
	r->oif = ri.oif;
	r->metric = ri.metric;
	r->protocol = ri.protocol;
	r->table = ri.table;
	name_of(d, ri.oif, r->ifname);
	e = route_extra(nlh, r);
	if (e == 0)
		d->h->n_routes++;
	return e;
}

static int dump(struct nl *nl, uint16_t type, size_t hdr, nl_msg_cb cb, struct dump *d)
{
	uint8_t buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	/* family AF_UNSPEC: every family (the first byte of each header) */
	memset(mnl_nlmsg_put_extra_header(nlh, hdr), 0, hdr);
	return nl_dump(nl, nlh, cb, d);
}

int nl_host_dump(struct nl *nl, struct nl_host *out)
{
	struct dump d = { .h = out };
	int r;

	memset(out, 0, sizeof(*out));
	r = dump(nl, RTM_GETLINK, sizeof(struct ifinfomsg), link_cb, &d);
	if (r == 0)
		r = dump(nl, RTM_GETADDR, sizeof(struct ifaddrmsg), addr_cb, &d);
	if (r == 0)
		r = dump(nl, RTM_GETROUTE, sizeof(struct rtmsg), route_cb, &d);
	free(d.links);
	if (r < 0)
		nl_host_free(out);
	return r;
}

void nl_host_free(struct nl_host *h)
{
	if (!h)
		return;
	free(h->addrs);
	free(h->routes);
	memset(h, 0, sizeof(*h));
}

/* SPDX-License-Identifier: Apache-2.0 */
/* mcvpnd's routes through its tunnel devices: one destination prefix via
 * an interface, scope link, no gateway, protocol mcvpn, in the table and
 * at the metric a conn asks for; and what else routes the same prefix.
 * Nothing here ever replaces a route (no NLM_F_REPLACE): an add either
 * creates ours beside the others or fails. */
#include "netlink/nl_priv.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>

/* NL_ROUTE_LOOKUP_MAX routes looked up with one dump. */
struct route_want {
	struct nl_route r;		/* dst with host bits cleared */
	uint32_t table;			/* r's, 0 resolved */
	uint32_t metric;		/* r's, as the kernel stores it */
};
struct route_scan {
	struct route_want want[NL_ROUTE_LOOKUP_MAX];
	size_t n;
	struct nl_route_seen *seen;	/* n of them */
};

static int route_args_check(const struct nl_route *r)
{
	if (r->ifindex <= 0)
		return -ENODEV;
	return nl_prefix_check(&r->dst);
}

static uint32_t table_of(const struct nl_route *r)
{
	return r->table ? r->table : NL_TABLE_MAIN;
}

/* The metric the kernel gives a route added with r->metric. */
static uint32_t stored_metric(int family, uint32_t metric)
{
	return family == AF_INET6 && metric == 0 ? NL_METRIC6_DEFAULT : metric;
}

/* One RTM_NEWROUTE/RTM_DELROUTE for r, built in buf.  dst has its host
 * bits cleared already. */
static struct nlmsghdr *route_msg(uint8_t *buf, uint16_t type, const struct nl_route *r,
				  const struct nl_prefix *dst)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	uint32_t table = table_of(r);
	struct rtmsg *rtm;

	nlh->nlmsg_type = type;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)dst->family;
	rtm->rtm_dst_len = dst->len;
	/* Tables above 255 only fit in RTA_TABLE, which then decides. */
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = NL_RTPROT_MCVPN;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (dst->len)
		mnl_attr_put(nlh, RTA_DST, nl_prefix_alen(dst->family), dst->addr);
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->ifindex);
	if (r->metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	return nlh;
}

/* Add and delete share everything but the message type and flags. */
static int route_change(struct nl *nl, uint16_t type, uint16_t flags, const struct nl_route *r)
{
	uint8_t buf[NL_REQ_SIZE];
	struct nl_prefix net;
	struct nlmsghdr *nlh;
	int e = route_args_check(r);

	if (e < 0)
		return e;
	/* 10.105.1.2/16 means 10.105.0.0/16; IPv4 would refuse the former. */
	net = r->dst;
	nl_prefix_mask(&net);
	nlh = route_msg(buf, type, r, &net);
	nlh->nlmsg_flags = flags;
	return nl_request(nl, nlh);
}

int nl_route_add(struct nl *nl, const struct nl_route *r, enum nl_route_mode mode)
{
	/* NLM_F_CREATE alone inserts before the routes of the same metric
	 * (IPv4); IPv6 would put it after them, where it is not used. */
	if (mode == NL_ROUTE_PREPEND && r->dst.family != AF_INET)
		return -EOPNOTSUPP;
	return route_change(nl, RTM_NEWROUTE,
			    NLM_F_CREATE | (mode == NL_ROUTE_EXCL ? NLM_F_EXCL : 0), r);
}

int nl_route_del(struct nl *nl, const struct nl_route *r)
{
	return route_change(nl, RTM_DELROUTE, 0, r);
}

static int route_table_fill(struct nl_route_info *ri, const struct rtmsg *rtm,
			    const struct nlattr *const *tb)
{
	ri->table = rtm->rtm_table;
	ri->type = rtm->rtm_type;
	ri->flags = rtm->rtm_flags;
	ri->protocol = rtm->rtm_protocol;
	ri->oif = 0;
	ri->metric = 0;
	/* Tables above 255 only fit in RTA_TABLE. */
	if (tb[RTA_TABLE]) {
		if (mnl_attr_validate(tb[RTA_TABLE], MNL_TYPE_U32) < 0)
			return -EPROTO;
		ri->table = mnl_attr_get_u32(tb[RTA_TABLE]);
	}
	if (tb[RTA_OIF]) {
		if (mnl_attr_validate(tb[RTA_OIF], MNL_TYPE_U32) < 0)
			return -EPROTO;
		ri->oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	}
	if (tb[RTA_PRIORITY]) {
		if (mnl_attr_validate(tb[RTA_PRIORITY], MNL_TYPE_U32) < 0)
			return -EPROTO;
		ri->metric = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	}
	return 0;
}

int nl_route_parse(const struct nlmsghdr *nlh, struct nl_route_info *ri)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	int r;

	if (nl_attr_table(nlh, sizeof(*rtm), tb, RTA_MAX) < 0)
		return -EPROTO;
	if (nl_prefix_alen(rtm->rtm_family) == 0)
		return -EAFNOSUPPORT;
	r = route_table_fill(ri, rtm, tb);
	if (r < 0)
		return r;
	return nl_prefix_from_attr(&ri->dst, rtm->rtm_family, rtm->rtm_dst_len, tb[RTA_DST]);
}

bool nl_route_is_unicast(const struct nl_route_info *ri)
{
	/* Cloned entries are the IPv6 route cache, not routes anyone added. */
	return ri->type == RTN_UNICAST && !(ri->flags & RTM_F_CLONED);
}

static struct nl_route_other other_of(const struct nl_route_info *ri)
{
	return (struct nl_route_other){ .oif = ri->oif, .metric = ri->metric, .protocol = ri->protocol };
}

/* One route to the prefix w looks for, sorted into s. */
static void scan_one(const struct route_want *w, struct nl_route_seen *s, const struct nl_route_info *ri)
{
	bool ours = ri->protocol == NL_RTPROT_MCVPN;

	if (ri->oif == w->r.ifindex) {
		s->here |= ri->metric == w->metric || !ours;
		return;
	}
	if (!ours && !s->foreign) {
		s->foreign = true;
		s->foreign_route = other_of(ri);
	}
	if (ri->metric == w->metric && (!s->taken || (!ours && !s->taken_foreign))) {
		s->taken = true;
		s->taken_foreign = !ours;
		s->taken_route = other_of(ri);
	}
}

static int route_scan_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct route_scan *sc = arg;
	struct nl_route_info ri;
	int r;

	if (!nlh) {
		memset(sc->seen, 0, sc->n * sizeof(*sc->seen));
		return 0;
	}
	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	r = nl_route_parse(nlh, &ri);
	if (r < 0)
		return r == -EAFNOSUPPORT ? 0 : r;
	if (!nl_route_is_unicast(&ri))
		return 0;
	for (size_t i = 0; i < sc->n; i++)
		if (ri.table == sc->want[i].table && nl_prefix_equal(&ri.dst, &sc->want[i].r.dst))
			scan_one(&sc->want[i], &sc->seen[i], &ri);
	return 0;
}

int nl_route_lookup_all(struct nl *nl, const struct nl_route *rs, size_t n, struct nl_route_seen *out)
{
	uint8_t buf[NL_REQ_SIZE];
	struct route_scan sc = { .n = n, .seen = out };
	struct nlmsghdr *nlh;
	int e;

	if (n > NL_ROUTE_LOOKUP_MAX)
		return -E2BIG;
	memset(out, 0, n * sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		if ((e = route_args_check(&rs[i])) < 0)
			return e;
		sc.want[i].r = rs[i];
		nl_prefix_mask(&sc.want[i].r.dst);
		sc.want[i].table = table_of(&rs[i]);
		sc.want[i].metric = stored_metric(rs[i].dst.family, rs[i].metric);
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	/* family AF_UNSPEC: IPv4 and IPv6 in one dump */
	memset(mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtmsg)), 0, sizeof(struct rtmsg));
	return nl_dump(nl, nlh, route_scan_cb, &sc);
}

int nl_route_lookup(struct nl *nl, const struct nl_route *r, struct nl_route_seen *out)
{
	return nl_route_lookup_all(nl, r, 1, out);
}

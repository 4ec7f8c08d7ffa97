/* Routes through the tunnel: one destination prefix via an interface,
 * scope link, no gateway, in the main table. */
#include "netlink/nl_priv.h"

#include <errno.h>
#include <linux/rtnetlink.h>

/* RTPROT_STATIC, as "ip route add" makes: the routes show up as ordinary
 * static routes to operators and tools.  Deletes name it too, so we never
 * remove the kernel's own prefix route for the same destination. */
#define NL_ROUTE_PROTO RTPROT_STATIC

struct route_match {
	int ifindex;
	struct nl_prefix want;
	bool found;
};

static int route_args_check(int ifindex, const struct nl_prefix *dst)
{
	if (ifindex <= 0)
		return -ENODEV;
	return nl_prefix_check(dst);
}

/* One RTM_NEWROUTE/RTM_DELROUTE for dst via ifindex, built in buf.  dst
 * has its host bits cleared already. */
static struct nlmsghdr *route_msg(uint8_t *buf, uint16_t type, int ifindex,
				  const struct nl_prefix *dst, uint32_t metric)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = type;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)dst->family;
	rtm->rtm_dst_len = dst->len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = NL_ROUTE_PROTO;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (dst->len)
		mnl_attr_put(nlh, RTA_DST, nl_prefix_alen(dst->family), dst->addr);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	if (metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
	return nlh;
}

/* Add and delete share everything but the message type and flags. */
static int route_change(struct nl *nl, uint16_t type, uint16_t flags, int ifindex,
			const struct nl_prefix *dst, uint32_t metric)
{
	uint8_t buf[NL_REQ_SIZE];
	struct nl_prefix net;
	struct nlmsghdr *nlh;
	int r = route_args_check(ifindex, dst);

	if (r < 0)
		return r;
	/* 10.105.1.2/16 means 10.105.0.0/16; IPv4 would refuse the former. */
	net = *dst;
	nl_prefix_mask(&net);
	nlh = route_msg(buf, type, ifindex, &net, metric);
	nlh->nlmsg_flags = flags;
	return nl_request(nl, nlh);
}

int nl_route_add(struct nl *nl, int ifindex, const struct nl_prefix *dst, uint32_t metric)
{
	return route_change(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, ifindex, dst, metric);
}

int nl_route_del(struct nl *nl, int ifindex, const struct nl_prefix *dst, uint32_t metric)
{
	return route_change(nl, RTM_DELROUTE, 0, ifindex, dst, metric);
}

static int route_table_fill(struct nl_route_info *ri, const struct rtmsg *rtm,
			    const struct nlattr *const *tb)
{
	ri->table = rtm->rtm_table;
	ri->type = rtm->rtm_type;
	ri->flags = rtm->rtm_flags;
	ri->oif = 0;
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

bool nl_route_is_main_unicast(const struct nl_route_info *ri)
{
	/* Cloned entries are the IPv6 route cache, not routes anyone added. */
	return ri->table == RT_TABLE_MAIN && ri->type == RTN_UNICAST &&
	       !(ri->flags & RTM_F_CLONED);
}

static int route_match_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct route_match *m = arg;
	struct nl_route_info ri;
	int r;

	if (!nlh) {
		m->found = false;
		return 0;
	}
	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	r = nl_route_parse(nlh, &ri);
	if (r < 0)
		return r == -EAFNOSUPPORT ? 0 : r;
	if (nl_route_is_main_unicast(&ri) && ri.oif == m->ifindex &&
	    nl_prefix_equal(&ri.dst, &m->want))
		m->found = true;
	return 0;
}

int nl_route_present(struct nl *nl, int ifindex, const struct nl_prefix *dst)
{
	uint8_t buf[NL_REQ_SIZE];
	struct route_match m = { .ifindex = ifindex, .want = *dst };
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int r = route_args_check(ifindex, dst);

	if (r < 0)
		return r;
	nl_prefix_mask(&m.want);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)dst->family;
	r = nl_dump(nl, nlh, route_match_cb, &m);
	if (r < 0)
		return r;
	return m.found;
}

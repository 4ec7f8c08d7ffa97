/* SPDX-License-Identifier: Apache-2.0 */
/* Interface addresses: add, delete, and "is it there" by a dump filtered
 * here (the kernel's own dump filters need strict checking, which older
 * kernels lack). */
#include "netlink/nl_priv.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <string.h>

struct addr_match {
	int ifindex;
	const struct nl_prefix *want;
	bool found;
};

/* One RTM_NEWADDR/RTM_DELADDR for p on ifindex, built in buf. */
static struct nlmsghdr *addr_msg(uint8_t *buf, uint16_t type, int ifindex,
				 const struct nl_prefix *p)
{
	size_t alen = nl_prefix_alen(p->family);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)p->family;
	ifa->ifa_prefixlen = p->len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	/* Local and peer address the same: not a point-to-point pair. */
	mnl_attr_put(nlh, IFA_LOCAL, alen, p->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, p->addr);
	return nlh;
}

static int addr_args_check(int ifindex, const struct nl_prefix *p)
{
	if (ifindex <= 0)
		return -ENODEV;
	return nl_prefix_check(p);
}

int nl_addr_add(struct nl *nl, int ifindex, const struct nl_prefix *p)
{
	uint8_t buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	int r = addr_args_check(ifindex, p);

	if (r < 0)
		return r;
	nlh = addr_msg(buf, RTM_NEWADDR, ifindex, p);
	/* No NLM_F_REPLACE: that would reset an address someone else tuned. */
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	r = nl_request(nl, nlh);
	return r == -EEXIST ? 0 : r;
}

int nl_addr_del(struct nl *nl, int ifindex, const struct nl_prefix *p)
{
	uint8_t buf[NL_REQ_SIZE];
	int r = addr_args_check(ifindex, p);

	if (r < 0)
		return r;
	return nl_request(nl, addr_msg(buf, RTM_DELADDR, ifindex, p));
}

int nl_addr_parse(const struct nlmsghdr *nlh, struct nl_addr_info *ai)
{
	const struct nlattr *tb[IFA_MAX + 1];
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (nl_attr_table(nlh, sizeof(*ifa), tb, IFA_MAX) < 0)
		return -EPROTO;
	if (nl_prefix_alen(ifa->ifa_family) == 0)
		return -EAFNOSUPPORT;
	/* IFA_LOCAL is ours; IFA_ADDRESS is the peer on point-to-point links
	 * and the only one IPv6 usually sends. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a)
		return -EPROTO;
	ai->ifindex = (int)ifa->ifa_index;
	return nl_prefix_from_attr(&ai->prefix, ifa->ifa_family, ifa->ifa_prefixlen, a);
}

static int addr_match_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct addr_match *m = arg;
	struct nl_addr_info ai;
	int r;

	if (!nlh) {
		m->found = false;
		return 0;
	}
	if (nlh->nlmsg_type != RTM_NEWADDR)
		return 0;
	r = nl_addr_parse(nlh, &ai);
	if (r < 0)
		return r == -EAFNOSUPPORT ? 0 : r;
	if (ai.ifindex == m->ifindex && nl_prefix_equal(&ai.prefix, m->want))
		m->found = true;
	return 0;
}

int nl_addr_present(struct nl *nl, int ifindex, const struct nl_prefix *p)
{
	uint8_t buf[NL_REQ_SIZE];
	struct addr_match m = { .ifindex = ifindex, .want = p };
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int r = addr_args_check(ifindex, p);

	if (r < 0)
		return r;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)p->family;
	r = nl_dump(nl, nlh, addr_match_cb, &m);
	if (r < 0)
		return r;
	return m.found;
}

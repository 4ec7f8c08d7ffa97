/* SPDX-License-Identifier: Apache-2.0 */
/* Link state: set the MTU and bring an interface up in one RTM_NEWLINK. */
#include "netlink/nl_priv.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>

int nl_link_up(struct nl *nl, int ifindex, unsigned mtu)
{
	uint8_t buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (ifindex <= 0)
		return -ENODEV;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	/* ifi_change names the flags we set; every other flag is left alone. */
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nl_request(nl, nlh);
}

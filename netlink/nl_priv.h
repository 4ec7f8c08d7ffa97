/* SPDX-License-Identifier: Apache-2.0 */
/* Private to netlink/: the request socket, the request/reply loop shared
 * by every call, prefix helpers, and the reply parsers that both the
 * "present" dumps and the monitor use.  Not installed, not included
 * outside netlink/. */
#ifndef MCVPN_NETLINK_NL_PRIV_H
#define MCVPN_NETLINK_NL_PRIV_H

#include "netlink/nl.h"

#include <libmnl/libmnl.h>
#include <stddef.h>
#include <sys/types.h>

/* Large enough for one datagram of a dump (the kernel sizes dump skbs to
 * what the reader took before, capped at 32 KiB) and of any notification. */
#define NL_RECV_SIZE 32768
/* Every request we build is one header, one fixed struct and a few attributes. */
#define NL_REQ_SIZE 512

struct nl {
	struct mnl_socket *sock;	/* owned */
	uint32_t portid;
	uint32_t seq;
	uint8_t buf[NL_RECV_SIZE];	/* replies land here */
};

/* Called for every data message of a reply.  Returns 0 to go on or a
 * negative errno, which becomes the result of the call (the rest of the
 * reply is still drained).  nl_dump calls it with nlh == NULL before a
 * retry: the callback must forget what it collected. */
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *arg);

/* Receive one datagram from the kernel on fd into buf.  Returns its length,
 * 0 for a datagram to ignore (not from the kernel), or -errno; a datagram
 * larger than len is dropped and reported as -ENOSPC. */
ssize_t nl_recv(int fd, void *buf, size_t len);

/* Send req (built in caller storage) with NLM_F_REQUEST|NLM_F_ACK and wait
 * for its ACK.  Returns 0 or the kernel's -errno. */
int nl_request(struct nl *nl, struct nlmsghdr *req);

/* Send req as a dump (NLM_F_REQUEST|NLM_F_DUMP) and feed every reply to
 * cb.  An interrupted dump (the table changed meanwhile) is retried a few
 * times, then fails with -EAGAIN. */
int nl_dump(struct nl *nl, struct nlmsghdr *req, nl_msg_cb cb, void *arg);

/* Prefix helpers. */
size_t nl_prefix_alen(int family);	/* 4, 16, or 0 for an unknown family */
int nl_prefix_check(const struct nl_prefix *p);	/* 0, -EAFNOSUPPORT, -EINVAL */
void nl_prefix_mask(struct nl_prefix *p);	/* clear the host bits */
bool nl_prefix_equal(const struct nl_prefix *a, const struct nl_prefix *b);
/* Fill p from an address attribute; -EPROTO if its length does not fit family. */
int nl_prefix_from_attr(struct nl_prefix *p, int family, uint8_t len, const struct nlattr *a);

/* Attributes of one message, indexed by type; absent ones are NULL.  Only
 * bounds are checked here: readers validate the types they use. */
int nl_attr_table(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb, unsigned max);

/* An address message (RTM_NEWADDR/RTM_DELADDR), parsed. */
struct nl_addr_info {
	int ifindex;
	struct nl_prefix prefix;
};
/* 0, -EAFNOSUPPORT for a family other than IPv4/IPv6, -EPROTO if malformed. */
int nl_addr_parse(const struct nlmsghdr *nlh, struct nl_addr_info *ai);

/* A route message (RTM_NEWROUTE/RTM_DELROUTE), parsed. */
struct nl_route_info {
	int oif;		/* 0 when absent (multipath, blackhole) */
	uint32_t table;
	uint8_t type;		/* RTN_* */
	uint32_t flags;		/* RTM_F_* */
	uint8_t protocol;	/* RTPROT_* */
	uint32_t metric;	/* RTA_PRIORITY; 0 when absent */
	struct nl_prefix dst;
};
/* 0, -EAFNOSUPPORT for a family other than IPv4/IPv6, -EPROTO if malformed. */
int nl_route_parse(const struct nlmsghdr *nlh, struct nl_route_info *ri);
/* True for a unicast route someone added (of any table): the kind
 * nl_route_add makes, not the local table's entries, not the IPv6 route
 * cache. */
bool nl_route_is_unicast(const struct nl_route_info *ri);

#endif

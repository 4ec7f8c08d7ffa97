/* SPDX-License-Identifier: Apache-2.0 */
/* The request socket and the one request/reply loop: send a message, read
 * datagrams until the reply with our sequence number ends (ACK, error or
 * NLMSG_DONE), ignoring anything else that is queued. */
#include "netlink/nl_priv.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <sys/socket.h>

/* Tries for a dump the kernel marked NLM_F_DUMP_INTR (the table changed
 * while it was being walked). */
#define NL_DUMP_TRIES 3

struct reply {
	uint32_t seq;
	nl_msg_cb cb;
	void *arg;
	int err;
	bool done;
	bool intr;
};

struct nl *nl_open(void)
{
	struct nl *nl = calloc(1, sizeof(*nl));
	int saved;

	if (!nl)
		return NULL;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		goto fail;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	nl->portid = mnl_socket_get_portid(nl->sock);
	return nl;
fail:
	saved = errno;
	nl_close(nl);
	errno = saved;
	return NULL;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}

ssize_t nl_recv(int fd, void *buf, size_t len)
{
	struct sockaddr_nl from = { 0 };
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n = recvmsg(fd, &msg, 0);

	if (n < 0)
		return -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -ENOSPC;
	/* Only the kernel speaks for rtnetlink; drop anything a process sent. */
	if (msg.msg_namelen != sizeof(from) || from.nl_pid != 0)
		return 0;
	return n;
}

/* The result carried by the message that ends a reply: an ACK or error
 * (struct nlmsgerr), or the end of a dump (an int). */
static int reply_code(const struct nlmsghdr *nlh)
{
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const int *done = mnl_nlmsg_get_payload(nlh);
	int code;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (plen < sizeof(*e))
			return -EPROTO;
		code = e->error;
	} else {
		if (plen < sizeof(*done))
			return 0;	/* old kernels send an empty DONE */
		code = *done;
	}
	return code > 0 ? -EPROTO : code;	/* errors are negative errnos */
}

static void reply_end(struct reply *st, const struct nlmsghdr *nlh)
{
	int code = reply_code(nlh);

	st->done = true;
	if (!st->err)
		st->err = code;
}

static void reply_msg(struct nl *nl, struct reply *st, const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_seq != st->seq || nlh->nlmsg_pid != nl->portid)
		return;		/* left over from an earlier, abandoned call */
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		st->intr = true;
	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
	case NLMSG_DONE:
		reply_end(st, nlh);
		break;
	case NLMSG_NOOP:
	case NLMSG_OVERRUN:
		break;
	default:
		if (st->cb && !st->err)
			st->err = st->cb(nlh, st->arg);
	}
}

/* Walk one datagram; mnl_nlmsg_ok bounds every header by what is left. */
static void reply_datagram(struct nl *nl, struct reply *st, size_t n)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)nl->buf;
	int left = (int)n;

	while (mnl_nlmsg_ok(nlh, left) && !st->done) {
		reply_msg(nl, st, nlh);
		nlh = mnl_nlmsg_next(nlh, &left);
	}
}

static int talk(struct nl *nl, struct nlmsghdr *req, struct reply *st)
{
	int fd = mnl_socket_get_fd(nl->sock);
	ssize_t n;

	req->nlmsg_seq = st->seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;
	while (!st->done) {
		n = nl_recv(fd, nl->buf, sizeof(nl->buf));
		if (n == -EINTR)
			continue;
		if (n < 0)
			return (int)n;
		reply_datagram(nl, st, (size_t)n);
	}
	return st->err;
}

int nl_request(struct nl *nl, struct nlmsghdr *req)
{
	struct reply st = { 0 };

	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	return talk(nl, req, &st);
}

int nl_dump(struct nl *nl, struct nlmsghdr *req, nl_msg_cb cb, void *arg)
{
	struct reply st;
	int tries, r;

	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
	for (tries = 0; tries < NL_DUMP_TRIES; tries++) {
		if (tries > 0)
			cb(NULL, arg);
		st = (struct reply){ .cb = cb, .arg = arg };
		r = talk(nl, req, &st);
		if (r < 0 || !st.intr)
			return r;
	}
	return -EAGAIN;
}

struct attr_table {
	const struct nlattr **tb;
	unsigned max;
};

static int attr_table_cb(const struct nlattr *a, void *data)
{
	struct attr_table *t = data;
	unsigned type = mnl_attr_get_type(a);

	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

int nl_attr_table(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb, unsigned max)
{
	struct attr_table t = { .tb = tb, .max = max };

	for (unsigned i = 0; i <= max; i++)
		tb[i] = NULL;
	if (mnl_nlmsg_get_payload_len(nlh) < hdrlen)
		return -EPROTO;
	/* mnl_attr_parse stops at the first attribute that overruns the message. */
	if (mnl_attr_parse(nlh, (unsigned)hdrlen, attr_table_cb, &t) < 0)
		return -EPROTO;
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* NATs that change their minds (RFC 7296 2.23, RFC 3948): the NAT in front
 * of A forgets its mapping and gives A's packets a new public port; B must
 * follow, for IKE and for ESP, on authenticated traffic only, after checking
 * the new port when what came from there was a request or ESP, and never on
 * a copy that someone sends from elsewhere.  Behind a NAT each side sends
 * keepalives every nat-keepalive seconds.
 *
 *   A 10.3.1.200:4500 --[NAT: port 4500 -> 40001 after the change]-- 198.51.100.10:40001
 *                                                              ~~~ 203.0.113.20:4500 B */
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "daemon/base/log.h"
#include "harness.h"
#include "rekey_checks.h"

#define NEW_PORT 40001

static const struct side_opts a_opts = { .autostart = "start", .extra = "nat-keepalive=no" };
static const struct side_opts b_opts = { .autostart = "add", .extra = "nat-keepalive=no" };

static uint16_t remote_port(const struct ike_sa *sa)
{
	return ntohs(((const struct sockaddr_in *)&sa->remote)->sin_port);
}

static bool up(struct net *n)
{
	if (!net_up(n, &a_opts, &b_opts))
		return false;
	CHECK_INT(remote_port(ike_of(n, SIDE_B)), IKE_NATT_PORT);
	CHECK_INT(n->s[SIDE_B].esp_port, IKE_NATT_PORT);
	return true;
}

static void start_dpd(struct net *n, int side)
{
	struct ike_sa *sa = ike_of(n, side);

	sa->want.dpd = true;
	ike_exchange_run_queue(sa);
}

/* B follows A to its new port: IKE (its next request gets through) and the
 * ESP of the Child SA (peer_moved). */
static void check_followed(struct net *n)
{
	struct ike_sa *sb = ike_of(n, SIDE_B);

	CHECK_INT(n->s[SIDE_B].n_moved, 1);
	CHECK_INT(remote_port(sb), NEW_PORT);
	CHECK_INT(n->s[SIDE_B].esp_port, NEW_PORT);
	CHECK_LOG("peer moved from 198.51.100.10:4500 to 198.51.100.10:40001 (authenticated)");
	unsigned dropped = n->nat_dropped, answers = net_count(n, SIDE_A, INFORMATIONAL, 1);
	start_dpd(n, SIDE_B);
	net_run(n);
	CHECK_INT(n->nat_dropped, dropped);
	CHECK_INT(net_count(n, SIDE_A, INFORMATIONAL, 1), answers + 1);
	check_one_tunnel(n);
	check_net_sane(n);
}

/* A's NAT changes its mapping; A's next request (a liveness check) comes
 * from the new port: B answers it there, checks the port, and follows. */
static void request_from_new_port(void)
{
	struct net n;

	scenario_begin("the peer's NAT changes its port: a request from there, checked, moves B");
	if (!up(&n))
		goto out;
	n.s[SIDE_A].nat_port = NEW_PORT;
	start_dpd(&n, SIDE_B);		/* B -> the old port: lost now */
	net_run(&n);
	CHECK(n.nat_dropped > 0);
	start_dpd(&n, SIDE_A);
	net_run(&n);
	CHECK_LOG("authenticated traffic from 198.51.100.10:40001: checking that the peer is there");
	check_followed(&n);
out:
	net_free(&n);
	scenario_end(true);
}

/* The data plane reports ESP from A's new port (an ESP packet authenticated
 * there): B checks the port and follows, ESP first of all. */
static void esp_from_new_port(void)
{
	struct sockaddr_storage local, remote;
	struct net n;

	scenario_begin("ESP from the peer's new port: checked, then IKE and ESP follow");
	if (!up(&n))
		goto out;
	n.s[SIDE_A].nat_port = NEW_PORT;
	struct ike_sa *sb = ike_of(&n, SIDE_B);
	local = sb->local;
	remote = sb->remote;
	((struct sockaddr_in *)&remote)->sin_port = htons(NEW_PORT);
	ike_move_peer_seen(&n.s[SIDE_B].eng, 0x1, &local, &remote);	/* no such SA: nothing */
	net_run(&n);
	CHECK_INT(n.s[SIDE_B].n_moved, 0);
	CHECK_INT(net_count(&n, SIDE_B, INFORMATIONAL, 0), 0);
	ike_move_peer_seen(&n.s[SIDE_B].eng, sb->child->spi_in, &local, &remote);
	ike_move_peer_seen(&n.s[SIDE_B].eng, sb->child->spi_in, &local, &remote);	/* once is enough */
	net_run(&n);
	/* one liveness check, to both places: the old one's copy is lost */
	CHECK_INT(net_count(&n, SIDE_B, INFORMATIONAL, 0), 2);
	const struct pkt *q0 = net_find(&n, SIDE_B, INFORMATIONAL, 0, 0);
	const struct pkt *q1 = net_find(&n, SIDE_B, INFORMATIONAL, 0, 1);
	CHECK(same_bytes(q0, q1));
	check_followed(&n);
out:
	net_free(&n);
	scenario_end(true);
}

/* A response to B's request from a new port moves B at once: its message ID
 * makes it fresh. */
static enum verdict change_on_response(struct net *n, struct pkt *p, void *arg)
{
	if (p->from == SIDE_A && p->hdr.exchange == INFORMATIONAL && (p->hdr.flags & IKE_FLAG_R))
		n->s[SIDE_A].nat_port = NEW_PORT;
	return V_PASS;
}

static void response_from_new_port(void)
{
	struct net n;

	scenario_begin("a response from the peer's new port moves B without a check");
	if (!up(&n))
		goto out;
	n.hook = change_on_response;
	start_dpd(&n, SIDE_B);
	net_run(&n);
	n.hook = NULL;
	CHECK_INT(net_count(&n, SIDE_B, INFORMATIONAL, 0), 1);	/* no check sent */
	check_followed(&n);
out:
	net_free(&n);
	scenario_end(true);
}

static enum verdict hold_a_info_request(struct net *n, struct pkt *p, void *arg)
{
	return p->from == SIDE_A && p->hdr.exchange == INFORMATIONAL &&
	       !(p->hdr.flags & IKE_FLAG_R) ? V_HOLD : V_PASS;
}

/* Someone on the path sends a copy of A's request from another port, ahead
 * of the original: B answers the copy there and checks, at both places; A
 * answers at the old one, and B stays.  The original gets its answer (from
 * the cache) where it came from. */
static void copy_from_elsewhere(void)
{
	struct net n;

	scenario_begin("a copy of a request from elsewhere moves nothing");
	if (!up(&n))
		goto out;
	n.s[SIDE_A].nat_port = IKE_NATT_PORT;	/* A's NAT maps 4500 to 4500 and nothing else */
	n.hook = hold_a_info_request;
	start_dpd(&n, SIDE_A);
	net_run(&n);
	CHECK_INT(n.nheld, 1);
	if (n.nheld != 1)
		goto out;
	struct ike_sa *sb = ike_of(&n, SIDE_B);
	struct sockaddr_storage from = n.s[SIDE_A].pub, to = sb->local;
	((struct sockaddr_in *)&from)->sin_port = htons(666);
	ike_receive(&n.s[SIDE_B].eng, &to, &from, true, n.held[0].buf, n.held[0].len);
	n.hook = NULL;
	net_release(&n);
	net_run(&n);
	CHECK_LOG("authenticated traffic from 198.51.100.10:666: checking that the peer is there");
	CHECK_INT(ike_of(&n, SIDE_A)->pending, PEND_NONE);	/* A's check got its answer */
	CHECK_LOG("the peer answered where it was: it did not move");
	net_advance(&n, 70 * 1000);
	CHECK_INT(n.s[SIDE_B].n_moved, 0);
	CHECK_INT(remote_port(sb), IKE_NATT_PORT);
	CHECK_INT(n.s[SIDE_B].esp_port, IKE_NATT_PORT);
	CHECK_STR(ike_state_name(sb->state), ike_state_name(IKE_S_ESTABLISHED));
	check_one_tunnel(&n);
out:
	net_free(&n);
	scenario_end(true);
}

/* Keepalives every nat-keepalive seconds from a side behind a NAT, none with
 * nat-keepalive=no, none after the IKE SA is gone. */
static void keepalives(void)
{
	static const struct side_opts a = { .autostart = "start", .extra = "nat-keepalive=5s" };
	struct net n;

	scenario_begin("NAT-T keepalives every nat-keepalive seconds while behind a NAT");
	if (!net_up(&n, &a, &b_opts))
		goto out;
	CHECK(ike_of(&n, SIDE_A)->nat_local);
	net_advance(&n, 21000);
	const struct side *s = &n.s[SIDE_A];
	CHECK_INT(s->n_keepalives, 4);
	for (unsigned i = 1; i < s->n_keepalives && i < 4; i++)
		CHECK_INT(s->keepalive_ms[i] - s->keepalive_ms[i - 1], 5000);
	CHECK_INT(n.s[SIDE_B].n_keepalives, 0);		/* nat-keepalive=no */
	ike_info_send_delete(ike_of(&n, SIDE_A));
	net_run(&n);
	unsigned k = s->n_keepalives;
	net_advance(&n, 11000);
	CHECK_INT(s->n_keepalives, k);
	check_net_sane(&n);
out:
	net_free(&n);
	scenario_end(true);
}

int main(void)
{
	if (!net_test_start())
		return 1;
	request_from_new_port();
	esp_from_new_port();
	response_from_new_port();
	copy_from_elsewhere();
	keepalives();
	return check_summary("exchange-nat");
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Liveness checks (dead peer detection): an empty INFORMATIONAL once neither
 * an authenticated IKE message nor an ESP packet (child_idle) has arrived for
 * dpddelay; none while packets keep arriving; the peer declared dead when
 * nothing has come back for dpdtimeout, with conn_down("peer dead (DPD)"),
 * and for dpdaction=clear/hold the conn's hold flag set.  dpddelay=10s,
 * dpdtimeout=30s: the engine looks every 2 s (dpddelay / 5). */
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "daemon/base/log.h"
#include "harness.h"

#define DELAY_MS 10000
#define TIMEOUT_MS 30000
#define TICK_MS 2000

static enum verdict drop_all(struct net *n, struct pkt *p, void *arg)
{
	return V_DROP;
}

static bool is_probe(const struct pkt *p)
{
	return p->hdr.exchange == INFORMATIONAL && !(p->hdr.flags & IKE_FLAG_R) &&
	       p->view.opened && p->view.n_delete == 0 && p->view.n_notify == 0 &&
	       p->view.inner == 0;
}

/* INFORMATIONAL requests a side sent, retransmissions counted once; with
 * decoded_only, only those that arrived and were empty (lost ones were never
 * decoded). */
static unsigned probes(const struct net *n, int from, bool decoded_only)
{
	unsigned k = 0;
	for (size_t i = 0; i < n->ntrace; i++) {
		const struct pkt *p = &n->trace[i];
		if (p->from != from || p->hdr.exchange != INFORMATIONAL || (p->hdr.flags & IKE_FLAG_R))
			continue;
		bool repeat = false;
		for (size_t j = 0; j < i && !repeat; j++)
			repeat = n->trace[j].from == from && n->trace[j].hdr.exchange == INFORMATIONAL &&
				 !(n->trace[j].hdr.flags & IKE_FLAG_R) &&
				 n->trace[j].hdr.msgid == p->hdr.msgid &&
				 n->trace[j].hdr.spii == p->hdr.spii;
		if (!repeat)
			k += decoded_only ? is_probe(p) : 1;
	}
	return k;
}

/* A with dpd*, B without (auto=add, no dpddelay): only A probes. */
static bool bring_up(struct net *n, const char *action)
{
	static char extra[128];
	struct side_opts a = { .autostart = "start", .extra = extra };
	struct side_opts b = { .autostart = "add" };

	snprintf(extra, sizeof(extra), "dpddelay=10s\ndpdtimeout=30s\ndpdaction=%s", action);
	CHECK_INT(net_init(n, &a, &b), 0);
	if (!n->base)
		return false;
	CHECK_INT(n->s[SIDE_A].conn.cfg->dpddelay, 10);
	CHECK_INT(n->s[SIDE_A].conn.cfg->dpdtimeout, 30);
	CHECK_INT(n->s[SIDE_B].conn.cfg->dpddelay, 0);
	CHECK_INT(net_initiate(n, SIDE_A), 0);
	net_run(n);
	return check_one_tunnel(n);
}

/* Packets keep arriving (child_idle stays under a second): no probe at all,
 * for many times dpddelay, even though no IKE message comes. */
static void busy_tunnel(void)
{
	struct net n;

	scenario_begin("DPD: no probe while ESP packets arrive");
	if (!bring_up(&n, "restart"))
		goto out;
	n.s[SIDE_A].idle_s = 0.5;
	size_t before = n.ntrace;
	net_advance(&n, 10 * DELAY_MS);
	check_net_sane(&n);
	CHECK_INT(n.ntrace - before, 0);
	CHECK_INT(probes(&n, SIDE_A, false), 0);
	CHECK(n.s[SIDE_A].n_idle_calls > 0);	/* the engine did ask */
	CHECK_INT(n.s[SIDE_A].n_conn_down, 0);
	check_one_tunnel(&n);
	/* packets stop: the first probe comes dpddelay after the last one */
	n.s[SIDE_A].idle_s = 1e9;
	side_packet_now(&n.s[SIDE_A]);
	uint64_t t1 = net_now_ms();
	net_advance(&n, DELAY_MS - 10);
	CHECK_INT(probes(&n, SIDE_A, false), 0);
	net_advance(&n, TICK_MS + 10);
	CHECK_INT(probes(&n, SIDE_A, true), 1);
	const struct pkt *q = net_find(&n, SIDE_A, INFORMATIONAL, 0, 0);
	CHECK(q && q->sent_ms - t1 >= DELAY_MS && q->sent_ms - t1 <= DELAY_MS + TICK_MS);
	CHECK_INT(net_count(&n, SIDE_B, INFORMATIONAL, 1), 1);	/* answered */
	CHECK_INT(n.s[SIDE_A].n_conn_down, 0);
out:
	net_free(&n);
	scenario_end(true);
}

/* The traffic mode of the fake data plane: B sends on its current SA, so A's
 * inbound SA reports 0 s idle; nothing is probed. */
static void peer_sending(void)
{
	struct net n;

	scenario_begin("DPD: no probe while the peer's tunnel sends (traffic)");
	if (!bring_up(&n, "restart"))
		goto out;
	n.s[SIDE_A].traffic = true;
	net_advance(&n, 5 * DELAY_MS);
	CHECK_INT(probes(&n, SIDE_A, false), 0);
	CHECK_INT(n.s[SIDE_A].n_conn_down, 0);
	check_net_sane(&n);
out:
	net_free(&n);
	scenario_end(true);
}

/* Silence: a probe after dpddelay (checked every 2 s), answered by B; again
 * after each further dpddelay of silence; the tunnel stays. */
static void silent_but_alive(void)
{
	struct net n;

	scenario_begin("DPD: probe after dpddelay of silence, answered");
	if (!bring_up(&n, "restart"))
		goto out;
	uint64_t t0 = net_now_ms();
	net_advance(&n, DELAY_MS - 10);
	CHECK_INT(probes(&n, SIDE_A, false), 0);
	net_advance(&n, TICK_MS + 10);
	check_net_sane(&n);
	CHECK_INT(probes(&n, SIDE_A, true), 1);
	const struct pkt *q = net_find(&n, SIDE_A, INFORMATIONAL, 0, 0);
	const struct pkt *a = net_find(&n, SIDE_B, INFORMATIONAL, 1, 0);
	CHECK(q && is_probe(q));
	if (q) {
		uint64_t at = q->sent_ms - t0;
		if (at < DELAY_MS || at > DELAY_MS + TICK_MS)
			fprintf(stderr, "  probe %llu ms after the last message; expected %u-%u ms\n",
				(unsigned long long)at, DELAY_MS, DELAY_MS + TICK_MS);
		CHECK(at >= DELAY_MS && at <= DELAY_MS + TICK_MS);
	}
	CHECK(a && a->view.opened && a->view.n_delete == 0 && a->hdr.msgid == q->hdr.msgid);
	check_one_tunnel(&n);
	/* long silence with a live peer: one probe per dpddelay, never dead */
	net_advance(&n, 10 * DELAY_MS);
	unsigned k = probes(&n, SIDE_A, true);
	if (k < 9 || k > 11)
		fprintf(stderr, "  %u probes in %u s of silence; expected about 11\n", k,
			11 * DELAY_MS / 1000);
	CHECK(k >= 9 && k <= 11);
	CHECK_INT(net_count(&n, SIDE_A, INFORMATIONAL, 0), net_count(&n, SIDE_B, INFORMATIONAL, 1));
	CHECK_INT(probes(&n, SIDE_B, false), 0);	/* B has no dpddelay */
	CHECK_INT(n.s[SIDE_A].n_conn_down, 0);
	CHECK_INT(n.s[SIDE_B].n_conn_down, 0);
	check_one_tunnel(&n);
	check_net_sane(&n);
out:
	net_free(&n);
	scenario_end(true);
}

/* The peer is gone (every message lost): A probes after dpddelay, repeats the
 * probe, and declares the peer dead dpdtimeout after the last message it got. */
static void peer_dead(const char *action)
{
	struct net n;
	char name[96];
	bool hold = strcmp(action, "restart") != 0;

	snprintf(name, sizeof(name), "DPD: peer dead after dpdtimeout, dpdaction=%s", action);
	scenario_begin(name);
	if (!bring_up(&n, action))
		goto out;
	CHECK(!n.s[SIDE_A].conn.hold);
	uint32_t spi = n.s[SIDE_A].conn.ike->child->spi_in;
	n.hook = drop_all;
	uint64_t t0 = net_now_ms();
	net_advance(&n, TIMEOUT_MS - 10);
	CHECK_INT(n.s[SIDE_A].n_conn_down, 0);
	CHECK_INT(side_n_live(&n.s[SIDE_A]), 1);
	CHECK_INT(probes(&n, SIDE_A, false), 1);
	CHECK(net_count(&n, SIDE_A, INFORMATIONAL, 0) >= 2);	/* and its retransmissions */
	net_advance(&n, TICK_MS + 10);
	CHECK_INT(n.s[SIDE_A].n_conn_down, 1);
	CHECK_STR(n.s[SIDE_A].conn_down_why, "peer dead (DPD)");
	CHECK_INT(n.s[SIDE_A].fails[IKE_FAIL_DPD], 1);	/* the metrics' reason="dpd" */
	uint64_t at = n.s[SIDE_A].conn_down_ms - t0;
	if (at < TIMEOUT_MS || at > TIMEOUT_MS + TICK_MS)
		fprintf(stderr, "  declared dead %llu ms after the last message; expected %u-%u ms\n",
			(unsigned long long)at, TIMEOUT_MS, TIMEOUT_MS + TICK_MS);
	CHECK(at >= TIMEOUT_MS && at <= TIMEOUT_MS + TICK_MS);
	CHECK_INT(side_n_live(&n.s[SIDE_A]), 0);
	CHECK(n.s[SIDE_A].conn.ike == NULL);
	CHECK(!side_installed(&n.s[SIDE_A], spi));
	CHECK_INT(n.s[SIDE_A].n_inst, 0);
	if (hold)
		CHECK(n.s[SIDE_A].conn.hold);
	else
		CHECK(!n.s[SIDE_A].conn.hold);
	CHECK_LOG("\"A\": #1: peer dead: nothing received for 30s");
	if (hold)
		CHECK(log_has("dpdaction=clear") || log_has("dpdaction=hold"));
	else
		CHECK_LOG("dpdaction=restart");
	/* nothing more from A's engine: no stray timer on the dead SA */
	size_t before = n.ntrace;
	net_advance(&n, 70000);
	CHECK_INT(n.ntrace, before);
	CHECK_INT(n.s[SIDE_A].n_conn_down, 1);
	check_net_sane(&n);
out:
	net_free(&n);
	scenario_end(true);
}

/* IKE is silent but the tunnel busy until the peer vanishes: the probe and
 * the verdict count from the last ESP packet, not from the last IKE message. */
static void dead_after_traffic_stops(void)
{
	struct net n;

	scenario_begin("DPD: probe and verdict count from the last ESP packet");
	if (!bring_up(&n, "restart"))
		goto out;
	n.s[SIDE_A].traffic = true;
	net_advance(&n, 4 * DELAY_MS);
	CHECK_INT(probes(&n, SIDE_A, false), 0);
	/* the peer vanishes: the last packet now, nothing arrives any more */
	n.hook = drop_all;
	n.s[SIDE_A].traffic = false;
	side_packet_now(&n.s[SIDE_A]);
	uint64_t t1 = net_now_ms();
	net_advance(&n, DELAY_MS - 10);
	CHECK_INT(probes(&n, SIDE_A, false), 0);
	net_advance(&n, TICK_MS + 10);
	CHECK_INT(probes(&n, SIDE_A, false), 1);
	const struct pkt *q = net_find(&n, SIDE_A, INFORMATIONAL, 0, 0);
	CHECK(q && q->sent_ms - t1 >= DELAY_MS && q->sent_ms - t1 <= DELAY_MS + TICK_MS);
	net_advance(&n, TIMEOUT_MS - DELAY_MS - TICK_MS - 20);
	CHECK_INT(n.s[SIDE_A].n_conn_down, 0);
	net_advance(&n, TICK_MS + 20);
	CHECK_INT(n.s[SIDE_A].n_conn_down, 1);
	CHECK_STR(n.s[SIDE_A].conn_down_why, "peer dead (DPD)");
	uint64_t at = n.s[SIDE_A].conn_down_ms - t1;
	if (at < TIMEOUT_MS || at > TIMEOUT_MS + TICK_MS)
		fprintf(stderr, "  declared dead %llu ms after the last packet; expected %u-%u ms\n",
			(unsigned long long)at, TIMEOUT_MS, TIMEOUT_MS + TICK_MS);
	CHECK(at >= TIMEOUT_MS && at <= TIMEOUT_MS + TICK_MS);
	check_net_sane(&n);
out:
	net_free(&n);
	scenario_end(true);
}

static enum verdict drop_from_a(struct net *n, struct pkt *p, void *arg)
{
	return p->from == SIDE_A ? V_DROP : V_PASS;
}

/* B has no dpddelay (auto=add: dpdaction=hold by default) but a request of
 * its own goes unanswered: when its retransmissions run out (63.5 s) the
 * peer is dead all the same, and dpdaction applies. */
static void retransmissions_exhausted(void)
{
	struct net n;

	scenario_begin("retransmissions run out on an established SA: dpdaction applies");
	if (!bring_up(&n, "restart"))
		goto out;
	CHECK_INT(n.s[SIDE_B].conn.cfg->dpdaction, CONF_DPD_HOLD);
	n.hook = drop_from_a;
	struct ike_sa *sb = n.s[SIDE_B].conn.ike;
	sb->want.rekey_child = sb->child->spi_in;
	uint64_t t0 = net_now_ms();
	ike_exchange_run_queue(sb);
	net_advance(&n, 63400);
	CHECK_INT(n.s[SIDE_B].n_conn_down, 0);
	net_advance(&n, 200);
	CHECK_INT(net_count(&n, SIDE_B, CREATE_CHILD_SA, 0), 7);
	CHECK_INT(n.s[SIDE_B].n_conn_down, 1);
	CHECK_STR(n.s[SIDE_B].conn_down_why, "peer dead (DPD)");
	CHECK_INT(n.s[SIDE_B].conn_down_ms - t0, 63500);
	CHECK(n.s[SIDE_B].conn.hold);
	CHECK_INT(n.s[SIDE_B].n_inst, 0);
	CHECK_LOG("\"B\": #1: no response from peer after 6 retransmissions");
	check_net_sane(&n);
out:
	net_free(&n);
	scenario_end(true);
}

int main(void)
{
	if (!net_test_start())
		return 1;
	busy_tunnel();
	peer_sending();
	silent_but_alive();
	peer_dead("restart");
	peer_dead("clear");
	peer_dead("hold");
	dead_after_traffic_stops();
	retransmissions_exhausted();
	return check_summary("exchange-dpd");
}

/* SPDX-License-Identifier: Apache-2.0 */
/* How SAs end: DELETE from either side, a peer that never answers (the
 * retransmission schedule, in virtual time), a half-open SA whose IKE_AUTH
 * never comes, and a peer that restarts and forgets its SA. */
#include <stdio.h>
#include <string.h>

#include "daemon/base/log.h"
#include "harness.h"

static const struct side_opts starts = { .autostart = "start" };
static const struct side_opts waits = { .autostart = "add" };

static bool established(const struct side *s)
{
	const struct ike_sa *sa = s->conn.ike;
	return sa && sa->state == IKE_S_ESTABLISHED && s->n_inst == 1;
}

static bool both_up(struct net *n)
{
	return established(&n->s[SIDE_A]) && established(&n->s[SIDE_B]);
}

static enum verdict drop_all(struct net *n, struct pkt *p, void *arg)
{
	return V_DROP;
}

static enum verdict drop_auth_requests(struct net *n, struct pkt *p, void *arg)
{
	return p->hdr.exchange == IKE_AUTH && !(p->hdr.flags & IKE_FLAG_R) ? V_DROP : V_PASS;
}

/* (9) One side deletes the conn: the other receives DELETE and tears down
 * (child_down, conn_down); the deleter's SA is gone at once. */
static void deleted_by(int deleter, const char *name)
{
	struct net n;
	int other = !deleter;

	scenario_begin(name);
	if (!net_up(&n, &starts, &waits))
		goto out;
	uint32_t spi_d = side_live(&n.s[deleter], 0)->child->spi_in;
	uint32_t spi_o = side_live(&n.s[other], 0)->child->spi_in;
	size_t before = n.ntrace;

	ike_engine_delete_conn(&n.s[deleter].eng, &n.s[deleter].conn);
	CHECK_INT(side_n_live(&n.s[deleter]), 0);
	CHECK(n.s[deleter].conn.ike == NULL);
	CHECK_INT(n.s[deleter].n_down, 1);
	CHECK(!side_installed(&n.s[deleter], spi_d));
	CHECK_INT(n.s[deleter].n_conn_down, 1);
	net_run(&n);
	net_advance(&n, 5000);
	check_net_sane(&n);

	/* on the wire: one DELETE (IKE) request, answered once */
	CHECK_INT(n.ntrace - before, 2);
	const struct pkt *del = net_find(&n, deleter, INFORMATIONAL, 0, 0);
	CHECK(del && del->view.opened && del->view.n_delete == 1 &&
	      del->view.delete_proto == PROTO_IKE);
	CHECK_INT(net_count(&n, other, INFORMATIONAL, 1), 1);
	/* the other side tore down */
	const struct side *o = &n.s[other];
	CHECK_INT(side_n_live(o), 0);
	CHECK(o->conn.ike == NULL);
	CHECK_INT(o->n_down, 1);
	CHECK(!side_installed(o, spi_o));
	CHECK_INT(o->n_inst, 0);
	CHECK_INT(o->n_conn_down, 1);
	CHECK_CONTAINS(o->conn_down_why, "deleted by peer");
	/* a DELETE is no failure, on either side (the metrics count none) */
	CHECK_INT(o->fails[IKE_FAIL_NONE], 1);
	CHECK_INT(n.s[deleter].fails[IKE_FAIL_NONE], 1);
	CHECK_INT(side_n_live(&n.s[deleter]), 0);
	CHECK_INT(n.s[deleter].n_inst, 0);
	/* child_down came before conn_down on both sides */
	for (int i = 0; i < 2; i++) {
		const struct side *s = &n.s[i];
		CHECK(s->n_io >= 2 && s->io[s->n_io - 2].kind == IO_DOWN &&
		      s->io[s->n_io - 1].kind == IO_CONN_DOWN);
	}
out:
	net_free(&n);
	scenario_end(true);
}

/* (11) B never answers: A sends IKE_SA_INIT 7 times, 0.5 1 2 4 8 16 32 s
 * apart less the last (ike/exchange.c), and gives up 63.5 s after the first
 * with conn_down("peer not responding"). */
static void peer_silent(void)
{
	static const unsigned at_ms[] = { 0, 500, 1500, 3500, 7500, 15500, 31500 };
	const size_t n_at = sizeof(at_ms) / sizeof(at_ms[0]);
	struct net n;

	scenario_begin("peer never answers");
	CHECK_INT(net_init(&n, &starts, &waits), 0);
	n.hook = drop_all;
	uint64_t t0 = net_now_ms();
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_advance(&n, 63400);
	CHECK_INT(n.s[SIDE_A].n_conn_down, 0);
	CHECK_INT(side_n_live(&n.s[SIDE_A]), 1);
	net_advance(&n, 200);
	check_net_sane(&n);
	CHECK_INT(net_count(&n, SIDE_A, IKE_SA_INIT, 0), n_at);
	CHECK_INT(n.ntrace, n_at);
	for (size_t i = 0; i < n_at && i < n.ntrace; i++) {
		const struct pkt *p = &n.trace[i];
		CHECK_INT(p->sent_ms - t0, at_ms[i]);
		CHECK(p->len == n.trace[0].len && memcmp(p->buf, n.trace[0].buf, p->len) == 0);
	}
	CHECK_INT(n.s[SIDE_A].n_conn_down, 1);
	CHECK_STR(n.s[SIDE_A].conn_down_why, "peer not responding");
	CHECK_INT(n.s[SIDE_A].fails[IKE_FAIL_TIMEOUT], 1);	/* the metrics' reason="timeout" */
	CHECK_INT(n.s[SIDE_A].conn_down_ms - t0, 63500);
	CHECK_INT(side_n_live(&n.s[SIDE_A]), 0);
	CHECK(n.s[SIDE_A].conn.ike == NULL);
	CHECK_INT(side_n_live(&n.s[SIDE_B]), 0);
	check_nothing_installed(&n);
	CHECK_LOG("\"A\": #1: no response from peer after 6 retransmissions");
	net_free(&n);
	scenario_end(true);
}

/* The IKE_AUTH requests never arrive: B drops its half-open SA 30 s after
 * answering IKE_SA_INIT; A gives up on its IKE_AUTH 63.5 s after sending it. */
static void halfopen_timeout(void)
{
	struct net n;

	scenario_begin("half-open SA times out");
	CHECK_INT(net_init(&n, &starts, &waits), 0);
	n.hook = drop_auth_requests;
	uint64_t t0 = net_now_ms();
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	CHECK_INT(side_n_live(&n.s[SIDE_B]), 1);
	net_advance(&n, 29900);
	CHECK_INT(side_n_live(&n.s[SIDE_B]), 1);
	net_advance(&n, 200);
	CHECK_INT(side_n_live(&n.s[SIDE_B]), 0);
	CHECK_LOG("\"B\": #1: IKE SA down (no IKE_AUTH from the initiator)");
	CHECK_INT(n.s[SIDE_A].n_conn_down, 0);
	net_advance(&n, 34000);
	check_net_sane(&n);
	CHECK_INT(net_count(&n, SIDE_A, IKE_AUTH, 0), 7);
	CHECK_INT(net_count(&n, SIDE_B, 0, 1), 1);	/* the IKE_SA_INIT response only */
	CHECK_INT(n.s[SIDE_A].n_conn_down, 1);
	CHECK_STR(n.s[SIDE_A].conn_down_why, "peer not responding");
	CHECK_INT(n.s[SIDE_A].conn_down_ms - t0, 63500);
	CHECK_INT(side_n_live(&n.s[SIDE_A]), 0);
	check_nothing_installed(&n);
	net_free(&n);
	scenario_end(true);
}

/* Is the tunnel up on the SA A has now (not on one A forgot)? */
static bool up_on_new_sa(struct net *n)
{
	const struct side *a = &n->s[SIDE_A], *b = &n->s[SIDE_B];
	const struct ike_sa *sa = a->conn.ike, *sb = b->conn.ike;

	return established(a) && sb && sb->state == IKE_S_ESTABLISHED && sa->spii == sb->spii &&
	       sa->spir == sb->spir && sb->child && sb->child->installed &&
	       b->dp_out == sb->child->spi_out && sa->child->spi_out == sb->child->spi_in;
}

/* A's daemon restarts after seconds up (no DELETE sent) and initiates again:
 * B still holds the old SA; the new one must replace it, and B's tunnel must
 * send on the new Child SA. */
static void peer_restarts(unsigned after_ms, int runs, unsigned within_ms)
{
	char name[96];
	unsigned failed = 0, worst = 0;

	snprintf(name, sizeof(name), "peer restarts %.1f s after coming up (%d runs)",
		 after_ms / 1000.0, runs);
	scenario_begin(name);
	for (int run = 0; run < runs; run++) {
		struct net n;
		unsigned fail_before = check_fail_count;

		CHECK_INT(net_init(&n, &starts, &waits), 0);
		n.retry_ms = 1000;	/* as conn.c does after conn_down */
		CHECK_INT(net_initiate(&n, SIDE_A), 0);
		net_run(&n);
		CHECK(both_up(&n));
		net_advance(&n, after_ms);
		uint32_t old_b_spi = n.s[SIDE_B].conn.ike && n.s[SIDE_B].conn.ike->child
					     ? n.s[SIDE_B].conn.ike->child->spi_in : 0;
		side_restart(&n, SIDE_A);
		uint64_t t_restart = net_now_ms();
		CHECK_INT(net_initiate(&n, SIDE_A), 0);
		bool up = net_run_until(&n, up_on_new_sa, 30000);
		unsigned took = (unsigned)(net_now_ms() - t_restart);
		worst = took > worst ? took : worst;
		if (!up || took > within_ms)
			fprintf(stderr, "  run %d: tunnel on the new SA %s %u ms after the restart "
					"(wanted within %u ms)\n", run, up ? "after" : "not up",
				took, within_ms);
		CHECK(up);
		CHECK(took <= within_ms);
		/* B's old SA goes away, at the latest when its DELETE times out */
		net_advance(&n, 70000);
		check_net_sane(&n);
		check_one_tunnel(&n);
		CHECK(!side_installed(&n.s[SIDE_B], old_b_spi));
		CHECK_INT(n.s[SIDE_B].n_conn_down, 0);
		net_free(&n);
		failed += check_fail_count != fail_before;
	}
	if (failed)
		fprintf(stderr, "  %u of %d runs failed; the slowest took %u ms\n", failed, runs,
			worst);
	scenario_end(true);
}

int main(void)
{
	if (!net_test_start())
		return 1;
	deleted_by(SIDE_A, "initiator deletes");
	deleted_by(SIDE_B, "responder deletes");
	peer_silent();
	halfopen_timeout();
	peer_restarts(20000, 5, 1000);
	peer_restarts(1000, 20, 1000);
	return check_summary("exchange-lifetime");
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Lifetimes in simulated time: with salifetime=12s, ikelifetime=25s and
 * rekeymargin=4s (rekeyfuzz 100%) the engines rekey by themselves for five
 * IKE SA lifetimes, the original initiator always first (after 4-8 s for a
 * Child SA, 17-21 s for the IKE SA; the responder would wait 10 s and 23 s),
 * and the tunnel never has more or less than one installed pair between
 * exchanges.  With rekey=no the SAs are deleted when their lifetime ends.
 * 2^31 packets sent on a Child SA rekey it too (2^63 with ESN). */
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "daemon/base/log.h"
#include "harness.h"

#define SALIFE 12
#define IKELIFE 25
#define MARGIN 4
#define AUTO_RUNS 20

static const struct side_opts a_auto = {
	.autostart = "start", .extra = "salifetime=12s\nikelifetime=25s\nrekeymargin=4s" };
static const struct side_opts b_auto = {
	.autostart = "add", .extra = "salifetime=12s\nikelifetime=25s\nrekeymargin=4s" };

/* check_one_tunnel without counting: for sampling every second. */
static bool tunnel_ok(const struct net *n)
{
	const struct side *a = &n->s[SIDE_A], *b = &n->s[SIDE_B];
	if (side_n_live(a) != 1 || side_n_live(b) != 1)
		return false;
	const struct ike_sa *sa = side_live(a, 0), *sb = side_live(b, 0);
	if (sa->state != IKE_S_ESTABLISHED || sb->state != IKE_S_ESTABLISHED ||
	    sa->spii != sb->spii || sa->spir != sb->spir || !ike_keys_match(sa, sb) ||
	    a->conn.ike != sa ||
	    b->conn.ike != sb || sa->next_msgid != sb->peer_msgid ||
	    sb->next_msgid != sa->peer_msgid || sa->pending != PEND_NONE ||
	    sb->pending != PEND_NONE || !sa->child || !sb->child)
		return false;
	const struct child_sa *ca = sa->child, *cb = sb->child;
	return a->n_inst == 1 && b->n_inst == 1 && ca->installed && cb->installed &&
	       ca->spi_in == cb->spi_out && ca->spi_out == cb->spi_in &&
	       a->dp_out == ca->spi_out && b->dp_out == cb->spi_out &&
	       ca->key_in->len == cb->key_out->len &&
	       memcmp(ca->key_in->buf, cb->key_out->buf, ca->key_in->len) == 0;
}

static bool is_ike_rekey(const struct pkt *p)
{
	return p->hdr.exchange == CREATE_CHILD_SA && !(p->hdr.flags & IKE_FLAG_R) &&
	       p->view.opened && !(p->view.inner & PL_BIT(PL_TSI));
}

static bool is_child_rekey(const struct pkt *p)
{
	return p->hdr.exchange == CREATE_CHILD_SA && !(p->hdr.flags & IKE_FLAG_R) &&
	       p->view.opened && (p->view.inner & PL_BIT(PL_TSI));
}

/* The rekey schedule: ike_lifetime_rekey_after() as the engine uses it. */
static void rekey_after_values(void)
{
	struct net n;

	scenario_begin("rekey times from rekeymargin and rekeyfuzz");
	CHECK_INT(net_init(&n, &a_auto, &b_auto), 0);
	if (!n.base)
		goto out;
	const struct conf_conn *cfg = n.s[SIDE_A].conn.cfg;
	CHECK_INT(cfg->salifetime, SALIFE);
	CHECK_INT(cfg->ikelifetime, IKELIFE);
	CHECK_INT(cfg->rekeymargin, MARGIN);
	CHECK_INT(cfg->rekeyfuzz, 100);
	unsigned lo = 99, hi = 0;
	for (int i = 0; i < 1000; i++) {
		unsigned t = ike_lifetime_rekey_after(cfg, SALIFE, true);
		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
	}
	CHECK_INT(lo, SALIFE - 2 * MARGIN);	/* margin plus up to 100% of it */
	CHECK_INT(hi, SALIFE - MARGIN);
	CHECK_INT(ike_lifetime_rekey_after(cfg, SALIFE, false), SALIFE - MARGIN / 2);
	CHECK_INT(ike_lifetime_rekey_after(cfg, IKELIFE, false), IKELIFE - MARGIN / 2);
out:
	net_free(&n);
	scenario_end(true);
}

/* (2) Five IKE SA lifetimes of automatic rekeys. */
static bool auto_run(int run, unsigned *full_logs, unsigned *n_child, unsigned *n_ike)
{
	struct net n;
	char name[64];
	const unsigned total_ms = 5 * IKELIFE * 1000;

	snprintf(name, sizeof(name), "automatic rekeys over 5 lifetimes, run %d", run);
	scenario_begin(name);
	CHECK_INT(net_init(&n, &a_auto, &b_auto), 0);
	if (!n.base)
		goto out;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	if (!check_one_tunnel(&n))
		goto out;
	n.blackholes = 0;
	uint64_t t0 = net_now_ms();
	unsigned bad = 0, first_bad = 0;
	for (unsigned ms = 1000; ms <= total_ms; ms += 1000) {
		net_advance(&n, 1000);
		if (!tunnel_ok(&n) && !bad++)
			first_bad = ms;
		if (ms % (SALIFE * 1000) == 0 || ms % (IKELIFE * 1000) == 0)
			check_one_tunnel(&n);	/* at the end of each lifetime */
	}
	if (bad)
		fprintf(stderr, "  the tunnel was not exactly one matching pair at %u of %u "
				"one-second samples, first %u ms after coming up\n",
			bad, total_ms / 1000, first_bad);
	CHECK_INT(bad, 0);
	check_net_sane(&n);
	if (n.blackholes)
		fprintf(stderr, "  make-before-break broken: %s\n", n.blackhole);
	CHECK_INT(n.blackholes, 0);

	/* who rekeyed, and when: A always, B never (its timers come later) */
	CHECK_INT(net_count(&n, SIDE_B, CREATE_CHILD_SA, 0), 0);
	uint64_t last_child = t0, last_ike = t0;
	unsigned nc = 0, ni = 0, early = 0, late = 0;
	for (size_t i = 0; i < n.ntrace; i++) {
		const struct pkt *p = &n.trace[i];
		if (p->from != SIDE_A || (!is_child_rekey(p) && !is_ike_rekey(p)))
			continue;
		bool ike = is_ike_rekey(p);
		uint64_t since = p->sent_ms - (ike ? last_ike : last_child);
		uint64_t lo = (ike ? IKELIFE : SALIFE) - 2 * MARGIN, hi = (ike ? IKELIFE : SALIFE) - MARGIN;
		if (since < lo * 1000 || since > hi * 1000) {
			fprintf(stderr, "  %s rekey at %llu ms, %llu ms after the SA came up; expected "
					"%llu-%llu s\n", ike ? "IKE SA" : "Child SA",
				(unsigned long long)(p->sent_ms - t0), (unsigned long long)since,
				(unsigned long long)lo, (unsigned long long)hi);
			early += since < lo * 1000;
			late += since > hi * 1000;
		}
		*(ike ? &last_ike : &last_child) = p->sent_ms;
		ike ? ni++ : nc++;
	}
	CHECK_INT(early, 0);
	CHECK_INT(late, 0);
	CHECK(nc >= total_ms / 1000 / (SALIFE - MARGIN));
	CHECK(ni >= total_ms / 1000 / (IKELIFE - MARGIN));
	*n_child += nc;
	*n_ike += ni;
	/* every rekey accepted; no SA ran out */
	for (unsigned k = 0; k < net_count(&n, SIDE_B, CREATE_CHILD_SA, 1); k++) {
		const struct pkt *r = net_find(&n, SIDE_B, CREATE_CHILD_SA, 1, k);
		if (r->view.n_notify)
			fprintf(stderr, "  B answered a CREATE_CHILD_SA with %s\n",
				ike_notify_name(r->view.notify[0]));
		CHECK_INT(r->view.n_notify, 0);
	}
	CHECK(!log_has("expired without a rekey"));
	for (int i = 0; i < 2; i++) {
		CHECK_INT(n.s[i].n_conn_down, 0);
		CHECK_INT(n.s[i].n_up - n.s[i].n_down, 1);
		CHECK_INT(n.s[i].n_up, nc + 1);
	}
	/* the metrics' counts: A's rekeys by their lifetimes, B's by the peer */
	CHECK_INT(n.s[SIDE_A].rekeys[IKE_REKEY_CHILD][IKE_REKEY_BY_LIFETIME], nc);
	CHECK_INT(n.s[SIDE_A].rekeys[IKE_REKEY_IKE][IKE_REKEY_BY_LIFETIME], ni);
	CHECK_INT(n.s[SIDE_B].rekeys[IKE_REKEY_CHILD][IKE_REKEY_BY_PEER], nc);
	CHECK_INT(n.s[SIDE_B].rekeys[IKE_REKEY_IKE][IKE_REKEY_BY_PEER], ni);
	if (check_fail_count != scenario_fail_before && *full_logs < 2)
		net_dump_io(&n);
out:
	net_free(&n);
	bool ok = scenario_end(*full_logs < 2);
	if (!ok)
		(*full_logs)++;
	return ok;
}

static void auto_rekeys(void)
{
	unsigned full_logs = 0, failed = 0, nc = 0, ni = 0;
	bool quiet = scenario_quiet;

	scenario_quiet = true;
	for (int run = 0; run < AUTO_RUNS; run++)
		failed += !auto_run(run, &full_logs, &nc, &ni);
	scenario_quiet = quiet;
	printf("%s  automatic rekeys over 5 lifetimes: %d runs, %u failed (%u Child SA and %u IKE "
	       "SA rekeys in all)\n", failed ? "FAIL" : "ok  ", AUTO_RUNS, failed, nc, ni);
}

/* (7) rekey=no: nothing is rekeyed; the Child SA is deleted when salifetime
 * ends (and with it the IKE SA, which would carry nothing), or the IKE SA
 * when ikelifetime ends first. */
static void no_rekey(bool child_first)
{
	static const struct side_opts a1 = { .autostart = "start",
		.extra = "rekey=no\nsalifetime=12s\nikelifetime=25s" };
	static const struct side_opts b1 = { .autostart = "add",
		.extra = "rekey=no\nsalifetime=12s\nikelifetime=25s" };
	static const struct side_opts a2 = { .autostart = "start",
		.extra = "rekey=no\nsalifetime=30s\nikelifetime=20s" };
	static const struct side_opts b2 = { .autostart = "add",
		.extra = "rekey=no\nsalifetime=30s\nikelifetime=20s" };
	unsigned end_ms = child_first ? 12000 : 20000;
	struct net n;

	scenario_begin(child_first ? "rekey=no: the Child SA is deleted at salifetime"
				   : "rekey=no: the IKE SA is deleted at ikelifetime");
	CHECK_INT(net_init(&n, child_first ? &a1 : &a2, child_first ? &b1 : &b2), 0);
	if (!n.base)
		goto out;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	if (!check_one_tunnel(&n))
		goto out;
	uint64_t t0 = net_now_ms();
	net_advance(&n, end_ms - 10);
	check_one_tunnel(&n);
	CHECK_INT(net_count(&n, -1, CREATE_CHILD_SA, -1), 0);
	net_advance(&n, 5000);
	check_net_sane(&n);
	CHECK_INT(net_count(&n, -1, CREATE_CHILD_SA, -1), 0);
	for (int i = 0; i < 2; i++) {
		const struct side *s = &n.s[i];
		CHECK_INT(side_n_live(s), 0);
		CHECK_INT(s->n_inst, 0);
		CHECK_INT(s->n_down, 1);
		CHECK_INT(s->n_conn_down, 1);
		if (s->n_io && s->io[0].kind == IO_UP) {
			const struct io_rec *d = side_io_find(s, IO_DOWN, s->io[0].spi_in, 0);
			CHECK(d != NULL);
			if (d)
				CHECK_INT(d->ms - t0, end_ms);
		}
		CHECK_INT(s->conn_down_ms - t0, end_ms);
	}
	/* the DELETEs: for the Child SA (ESP), or straight for the IKE SA */
	const struct pkt *d = net_find(&n, SIDE_A, INFORMATIONAL, 0, 0);
	CHECK(d && d->view.n_delete == 1);
	CHECK_INT(d ? d->view.delete_proto : 0, child_first ? PROTO_ESP : PROTO_IKE);
	if (child_first)
		CHECK_LOG("expired without a rekey; deleting it");
	else
		CHECK_LOG("IKE SA expired without a rekey");
out:
	net_free(&n);
	scenario_end(true);
}

/* The data plane has sent 2^31 packets on the Child SA (32-bit sequence
 * numbers: esn=no): the engine rekeys it at its next look (every 10 s),
 * whatever the lifetime; one packet fewer, and nothing happens. */
static void volume_rekey(void)
{
	static const struct side_opts a = { .autostart = "start", .extra = "esn=no" };	/* 8h */
	static const struct side_opts b = { .autostart = "add", .extra = "esn=no" };
	struct net n;

	scenario_begin("Child SA rekeyed after 2^31 packets");
	CHECK_INT(net_init(&n, &a, &b), 0);
	if (!n.base)
		goto out;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	if (!check_one_tunnel(&n))
		goto out;
	uint64_t t0 = net_now_ms();
	uint32_t old_out = n.s[SIDE_A].conn.ike->child->spi_out;
	n.s[SIDE_A].sent_spi = old_out;
	n.s[SIDE_A].sent_packets = (1ull << 31) - 1;
	net_advance(&n, 25000);
	CHECK_INT(net_count(&n, -1, CREATE_CHILD_SA, -1), 0);
	n.s[SIDE_A].sent_packets = 1ull << 31;
	net_advance(&n, 10000);
	check_net_sane(&n);
	CHECK_INT(net_count(&n, SIDE_A, CREATE_CHILD_SA, 0), 1);
	const struct pkt *q = net_find(&n, SIDE_A, CREATE_CHILD_SA, 0, 0);
	CHECK_INT(q ? q->sent_ms - t0 : 0, 30000);	/* the look after 30 s */
	if (check_one_tunnel(&n))
		CHECK(n.s[SIDE_A].conn.ike->child->spi_out != old_out);
	CHECK_LOG("rekeying (2^31 packets sent)");
	CHECK_INT(n.s[SIDE_A].rekeys[IKE_REKEY_CHILD][IKE_REKEY_BY_VOLUME], 1);
	CHECK_INT(n.s[SIDE_B].rekeys[IKE_REKEY_CHILD][IKE_REKEY_BY_PEER], 1);
	net_advance(&n, 30000);	/* the new SA has sent nothing: no more rekeys */
	CHECK_INT(net_count(&n, SIDE_A, CREATE_CHILD_SA, 0), 1);
	CHECK_INT(n.s[SIDE_A].n_conn_down, 0);
out:
	net_free(&n);
	scenario_end(true);
}

/* With ESN (esn=either on both sides, the default) 2^31 packets are no
 * reason to rekey; 2^63 are. */
static void volume_rekey_esn(void)
{
	static const struct side_opts a = { .autostart = "start" };
	static const struct side_opts b = { .autostart = "add" };
	struct net n;

	scenario_begin("Child SA with ESN rekeyed after 2^63 packets, not 2^31");
	CHECK_INT(net_init(&n, &a, &b), 0);
	if (!n.base)
		goto out;
	CHECK_INT(net_initiate(&n, SIDE_A), 0);
	net_run(&n);
	if (!check_one_tunnel(&n))
		goto out;
	CHECK(n.s[SIDE_A].conn.ike->child->esn);
	uint32_t old_out = n.s[SIDE_A].conn.ike->child->spi_out;
	n.s[SIDE_A].sent_spi = old_out;
	n.s[SIDE_A].sent_packets = 1ull << 31;
	net_advance(&n, 25000);
	CHECK_INT(net_count(&n, -1, CREATE_CHILD_SA, -1), 0);
	n.s[SIDE_A].sent_packets = (1ull << 63) - 1;
	net_advance(&n, 10000);
	CHECK_INT(net_count(&n, -1, CREATE_CHILD_SA, -1), 0);
	n.s[SIDE_A].sent_packets = 1ull << 63;
	net_advance(&n, 10000);
	check_net_sane(&n);
	CHECK_INT(net_count(&n, SIDE_A, CREATE_CHILD_SA, 0), 1);
	if (check_one_tunnel(&n)) {
		CHECK(n.s[SIDE_A].conn.ike->child->spi_out != old_out);
		CHECK(n.s[SIDE_A].conn.ike->child->esn);	/* the rekey keeps ESN */
	}
	CHECK_LOG("rekeying (2^63 packets sent)");
	CHECK_INT(n.s[SIDE_A].rekeys[IKE_REKEY_CHILD][IKE_REKEY_BY_VOLUME], 1);
out:
	net_free(&n);
	scenario_end(true);
}

int main(void)
{
	if (!net_test_start())
		return 1;
	rekey_after_values();
	no_rekey(true);
	no_rekey(false);
	volume_rekey();
	volume_rekey_esn();
	auto_rekeys();
	return check_summary("exchange-rekey-auto");
}

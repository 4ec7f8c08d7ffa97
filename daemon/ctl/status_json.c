/* SPDX-License-Identifier: Apache-2.0 */
/* mcvpnctl status --json and trafficstatus --json (schema "version": 1,
 * documented in mcvpnctl(8)).  Keys are stable; new keys may be added. */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "daemon/daemon.h"
#include "daemon/base/log.h"
#include "daemon/dataplane/dataplane.h"
#include "daemon/hook/hook.h"
#include "daemon/linger.h"
#include "daemon/ike/proposal.h"
#include "daemon/ctl/status.h"
#include "daemon/base/sockaddr.h"
#include "daemon/probe/probe.h"

/* A JSON string: quotes, backslashes and control characters escaped. */
static void jstr(struct evbuffer *out, const char *s)
{
	evbuffer_add(out, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			evbuffer_add_printf(out, "\\%c", ch);
		else if (ch < 0x20)
			evbuffer_add_printf(out, "\\u%04x", ch);
		else
			evbuffer_add(out, s, 1);
	}
	evbuffer_add(out, "\"", 1);
}

static void jkey(struct evbuffer *out, const char *k, bool first)
{
	if (!first)
		evbuffer_add(out, ",", 1);
	jstr(out, k);
	evbuffer_add(out, ":", 1);
}

static void jkv_str(struct evbuffer *out, const char *k, const char *v, bool first)
{
	jkey(out, k, first);
	jstr(out, v);
}

static void jkv_u64(struct evbuffer *out, const char *k, uint64_t v, bool first)
{
	jkey(out, k, first);
	evbuffer_add_printf(out, "%" PRIu64, v);
}

static void jkv_bool(struct evbuffer *out, const char *k, bool v, bool first)
{
	jkey(out, k, first);
	evbuffer_add_printf(out, "%s", v ? "true" : "false");
}

static const char *conn_state(const struct conn *c)
{
	if (c->tun_fd < 0)	/* auto=ignore, or a %defaultroute waiting for its route */
		return c->cfg->left.ss_family == AF_UNSPEC ? "down" : "ignored";
	if (c->ike && c->ike->state == IKE_S_ESTABLISHED)
		return "up";
	return c->ike ? "connecting" : "down";
}

static void counters(struct evbuffer *out, const struct conn_counters *t)
{
	jkey(out, "counters", false);
	evbuffer_add_printf(out,
			    "{\"in_bytes\":%" PRIu64 ",\"out_bytes\":%" PRIu64 ",\"in_packets\":%" PRIu64
			    ",\"out_packets\":%" PRIu64 ",\"drops\":{\"replay\":%" PRIu64
			    ",\"integrity\":%" PRIu64 ",\"selector\":%" PRIu64 ",\"other\":%" PRIu64
			    ",\"selector_out\":%" PRIu64 "}}",
			    t->in_bytes, t->out_bytes, t->in_packets, t->out_packets, t->drop_replay,
			    t->drop_auth, t->drop_ts, t->drop_other, t->drop_ts_out);
}

/* ESN as the data plane has the installed SA (what the packets get),
 * else as negotiated. */
static bool child_esn(struct daemon *d, const struct child_sa *ch)
{
	struct dp_sa_stats st;

	if (ch->installed && dp_sa_get_stats(d->dp, true, ch->spi_in, &st) == 0)
		return st.esn;
	return ch->esn;
}

static void child_json(struct daemon *d, struct evbuffer *out, const struct ike_sa *sa,
		       const struct child_sa *ch)
{
	struct proposal_choice e = { .encr = ch->encr, .encr_keybits = ch->encr_keybits,
				     .integ = ch->integ };
	char buf[400], spi[16];

	evbuffer_add(out, "{", 1);
	jkv_u64(out, "serial", ch->serial, true);
	snprintf(spi, sizeof(spi), "%08x", ch->spi_in);
	jkv_str(out, "spi_in", spi, false);
	snprintf(spi, sizeof(spi), "%08x", ch->spi_out);
	jkv_str(out, "spi_out", spi, false);
	proposal_describe(&e, buf, sizeof(buf));
	jkv_str(out, "algorithms", buf, false);
	jkey(out, "esn", false);
	evbuffer_add_printf(out, "%s", child_esn(d, ch) ? "true" : "false");
	jkv_u64(out, "add_time", (uint64_t)ch->add_time, false);
	status_ts_list(ch->ts_local, ch->n_ts_local, buf, sizeof(buf));
	jkv_str(out, "local_ts", buf, false);
	status_ts_list(ch->ts_remote, ch->n_ts_remote, buf, sizeof(buf));
	jkv_str(out, "remote_ts", buf, false);
	jkey(out, "carrying_traffic", false);
	evbuffer_add_printf(out, "%s}", sa->child == ch && ch->installed ? "true" : "false");
}

static void ike_json(struct daemon *d, struct evbuffer *out, const struct ike_sa *sa)
{
	struct proposal_choice c = { .encr = sa->alg.encr, .encr_keybits = sa->alg.encr_keybits,
				     .prf = sa->alg.prf, .integ = sa->alg.integ, .dh = sa->dh_group };
	char buf[160];
	bool first = true;

	evbuffer_add(out, "{", 1);
	jkv_u64(out, "serial", sa->serial, true);
	jkv_str(out, "state", ike_state_name(sa->state), false);
	jkv_str(out, "role", sa->initiator ? "initiator" : "responder", false);
	jkv_u64(out, "established", (uint64_t)sa->established, false);
	sockaddr_str(&sa->local, buf, sizeof(buf), true);
	jkv_str(out, "local", buf, false);
	sockaddr_str(&sa->remote, buf, sizeof(buf), true);
	jkv_str(out, "remote", buf, false);
	proposal_describe(&c, buf, sizeof(buf));
	jkv_str(out, "algorithms", buf, false);
	snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)sa->spii);
	jkv_str(out, "spi_i", buf, false);
	snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)sa->spir);
	jkv_str(out, "spi_r", buf, false);
	jkey(out, "nat_t", false);
	evbuffer_add_printf(out, "%s", sa->natt ? "true" : "false");
	jkey(out, "fragmentation", false);
	evbuffer_add_printf(out, "%s", sa->frag ? "true" : "false");
	jkv_str(out, "peer_auth", sa->peer_auth, false);
	jkey(out, "child_sas", false);
	evbuffer_add(out, "[", 1);
	for (const struct child_sa *ch = sa->children; ch; ch = ch->next, first = false) {
		if (!first)
			evbuffer_add(out, ",", 1);
		child_json(d, out, sa, ch);
	}
	evbuffer_add(out, "]}", 2);
}

static void iface_json(struct evbuffer *out, const struct conn *c)
{
	char buf[64];

	jkey(out, "interface", false);
	evbuffer_add(out, "{", 1);
	jkv_str(out, "name", c->cfg->vti_interface, true);
	jkey(out, "present", false);
	evbuffer_add_printf(out, "%s", c->tun_fd >= 0 ? "true" : "false");
	if (c->cfg->has_interface_ip) {
		status_prefix(&c->cfg->interface_ip, buf, sizeof(buf));
		jkv_str(out, "address", buf, false);
	}
	jkey(out, "routes", false);
	evbuffer_add(out, "[", 1);
	for (size_t i = 0; i < c->n_routes; i++) {
		status_prefix(&c->routes[i], buf, sizeof(buf));
		if (i)
			evbuffer_add(out, ",", 1);
		jstr(out, buf);
	}
	evbuffer_add(out, "]", 1);
	jkey(out, "routes_installed", false);
	evbuffer_add(out, "[", 1);
	for (size_t i = 0, n = 0; i < c->n_routes; i++) {
		if (c->route_state[i] != CONN_ROUTE_ON)
			continue;
		status_prefix(&c->routes[i], buf, sizeof(buf));
		if (n++)
			evbuffer_add(out, ",", 1);
		jstr(out, buf);
	}
	evbuffer_add(out, "]", 1);
	jkv_u64(out, "route_metric", c->cfg->route_metric, false);
	jkv_u64(out, "route_table", c->cfg->route_table, false);
	jkv_str(out, "routing", c->cfg->routing == CONF_ROUTING_EXTERNAL ? "external" : "mcvpnd", false);
	jkv_bool(out, "carrier", c->tun_fd >= 0 && c->carrier, false);
	evbuffer_add(out, "}", 1);
}

/* Seconds until an ike_engine_now() deadline, or -1 when none. */
static long until(double at)
{
	double d = at - ike_engine_now();
	return at <= 0 ? -1 : d < 0 ? 0 : (long)d;
}

static void lifecycle_json(struct evbuffer *out, const struct conn *c)
{
	struct ike_sa *sa = c->ike;
	bool up = sa && sa->state == IKE_S_ESTABLISHED;

	jkey(out, "next_retry_in", false);
	evbuffer_add_printf(out, "%ld", c->ike ? -1 : until(c->retry_at));
	jkv_u64(out, "last_rekey", (uint64_t)c->last_rekey, false);
	jkey(out, "next_child_rekey_in", false);
	evbuffer_add_printf(out, "%ld", up && sa->child ? until(sa->child->rekey_at) : -1);
	jkey(out, "next_ike_rekey_in", false);
	evbuffer_add_printf(out, "%ld", up ? until(sa->rekey_at) : -1);
	jkey(out, "dpd", false);
	evbuffer_add_printf(out, "{\"delay\":%u,\"timeout\":%u,\"state\":\"%s\",\"peer_silent_for\":%ld}",
			    c->cfg->dpddelay, c->cfg->dpdtimeout,
			    !up ? "none" : !c->cfg->dpddelay ? "off" : sa->pending == PEND_DPD ? "checking" : "alive",
			    up ? (long)ike_dpd_silence(sa) : -1);
}

/* "updown": {"command": "", "timeout": 30, "running": "", "waiting": 0} */
static void updown_json(struct daemon *d, struct evbuffer *out, const struct conn *c)
{
	char cmd[CONF_COMMAND_LEN + CONF_COMMAND_ARGS];
	size_t waiting = 0;
	const char *running = d->hooks ? hook_runner_state(d->hooks, c->cfg->name, &waiting) : NULL;

	status_updown_text(c->cfg, cmd, sizeof(cmd));
	jkey(out, "updown", false);
	evbuffer_add(out, "{", 1);
	jkv_str(out, "command", cmd, true);
	jkv_u64(out, "timeout", c->cfg->updown_timeout, false);
	jkv_str(out, "running", running ? running : "", false);
	jkv_u64(out, "waiting", waiting, false);
	evbuffer_add(out, "}", 1);
}

static void jkv_num(struct evbuffer *out, const char *k, double v, bool first)
{
	jkey(out, k, first);
	evbuffer_add_printf(out, "%.9g", v);
}

/* The in-tunnel probe, null without probe=: its counts, the last RTT and
 * a histogram of them (seconds, cumulative buckets as Prometheus'). */
static void probe_json(struct evbuffer *out, const struct conn *c)
{
	static const struct probe_stats none = { .last_rtt = -1 };
	const struct conf_conn *cfg = c->cfg;
	const struct probe_stats *st = c->probe ? probe_get_stats(c->probe) : &none;
	char buf[64] = "";

	jkey(out, "probe", false);
	if (cfg->probe.ss_family == AF_UNSPEC) {
		evbuffer_add_printf(out, "null");
		return;
	}
	evbuffer_add(out, "{", 1);
	sockaddr_str(&cfg->probe, buf, sizeof(buf), false);
	jkv_str(out, "address", buf, true);
	buf[0] = '\0';
	if (cfg->has_interface_ip)
		inet_ntop(cfg->interface_ip.family, cfg->interface_ip.addr, buf, sizeof(buf));
	jkv_str(out, "source", buf, false);
	jkv_u64(out, "interval", cfg->probe_interval, false);
	jkv_u64(out, "timeout", c->probe ? probe_timeout(probe_get_config(c->probe)) : 0, false);
	jkv_str(out, "state", c->probe ? probe_state_name(probe_get_state(c->probe)) : "off", false);
	jkey(out, "up", false);
	evbuffer_add_printf(out, "%s", st->up ? "true" : "false");
	jkv_u64(out, "sent", st->sent, false);
	jkv_u64(out, "received", st->received, false);
	jkv_u64(out, "lost", st->lost, false);
	jkv_num(out, "last_rtt", st->last_rtt, false);
	jkv_num(out, "loss_ratio", probe_stats_loss_ratio(st), false);
	jkv_u64(out, "window", st->window_len, false);
	jkey(out, "rtt", false);
	evbuffer_add(out, "{\"buckets\":[", 12);
	for (unsigned i = 0; i < PROBE_RTT_BUCKETS; i++) {
		evbuffer_add(out, i ? ",{" : "{", i ? 2 : 1);
		jkv_num(out, "le", probe_rtt_bounds[i], true);
		jkv_u64(out, "count", st->rtt_le[i], false);
		evbuffer_add(out, "}", 1);
	}
	evbuffer_add(out, "]", 1);
	jkv_num(out, "sum", st->rtt_sum, false);
	jkv_u64(out, "count", st->rtt_count, false);
	evbuffer_add(out, "}}", 2);
}

static void conn_json(struct daemon *d, struct evbuffer *out, const struct conn *c)
{
	static const char *const autos[] = { "ignore", "add", "start" };
	struct conn_counters t;
	char buf[64];
	bool first = true;

	evbuffer_add(out, "{", 1);
	jkv_str(out, "name", c->cfg->name, true);
	jkv_str(out, "state", conn_state(c), false);
	jkv_str(out, "auto", autos[c->cfg->autostart], false);
	sockaddr_str(&c->cfg->left, buf, sizeof(buf), false);
	jkv_str(out, "left", buf, false);
	sockaddr_str(&c->cfg->right, buf, sizeof(buf), false);
	jkv_str(out, "right", buf, false);
	jkv_str(out, "leftid", c->cfg->leftid.text, false);
	jkv_str(out, "rightid", c->cfg->rightid.text, false);
	iface_json(out, c);
	status_conn_counters(d, c, &t);
	counters(out, &t);
	jkv_u64(out, "rekeyed_sas_draining", linger_count(d, c), false);
	jkv_str(out, "last_error", c->last_error, false);
	jkv_u64(out, "retries", c->retries, false);
	jkv_bool(out, "debug", log_enabled_for(LOG_DEBUG, c->cfg->name), false);
	updown_json(d, out, c);
	lifecycle_json(out, c);
	probe_json(out, c);
	jkey(out, "ike_sas", false);
	evbuffer_add(out, "[", 1);
	for (const struct ike_sa *sa = d->eng.sas; sa; sa = sa->next) {
		if (sa->conn != c || sa->state == IKE_S_DEAD)
			continue;
		if (!first)
			evbuffer_add(out, ",", 1);
		first = false;
		ike_json(d, out, sa);
	}
	evbuffer_add(out, "]}", 2);
}

/* "debug":false,"debug_conns":["a"] in the daemon object. */
static void debug_json(struct evbuffer *out)
{
	const char *names[LOG_DEBUG_CONNS];
	size_t n = log_debug_conns(names, LOG_DEBUG_CONNS);

	jkv_bool(out, "debug", log_debug_get(), false);
	jkey(out, "debug_conns", false);
	evbuffer_add(out, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			evbuffer_add(out, ",", 1);
		jstr(out, names[i]);
	}
	evbuffer_add(out, "]", 1);
}

void status_json(struct daemon *d, struct evbuffer *out)
{
	struct dp_global_stats g;

	dp_get_global_stats(d->dp, &g);
	evbuffer_add_printf(out,
			    "{\"version\":1,\"daemon\":{\"uptime\":%lld,\"drops\":{\"unknown_spi\":%" PRIu64
			    ",\"malformed\":%" PRIu64 ",\"no_sa\":%" PRIu64 "},\"keepalives_rx\":%" PRIu64
			    ",\"offloads\":{\"tso_split\":%" PRIu64 ",\"gso_sent\":%" PRIu64
			    ",\"gro_received\":%" PRIu64 ",\"gro_written\":%" PRIu64
			    "},\"ike_halfopen\":%u,\"cookies_sent\":%" PRIu64
			    ",\"halfopen_refused\":%" PRIu64,
			    (long long)(time(NULL) - d->started), g.drop_unknown_spi, g.drop_malformed,
			    g.drop_no_sa, g.keepalives_rx, g.tso_split, g.gso_sent, g.gro_received,
			    g.gro_written, ike_sa_count_halfopen(&d->eng), (uint64_t)d->eng.cookies_sent,
			    (uint64_t)d->eng.halfopen_refused);
	debug_json(out);
	evbuffer_add_printf(out, "},\"conns\":[");
	for (size_t i = 0; i < d->n_conns; i++) {
		if (i)
			evbuffer_add(out, ",", 1);
		conn_json(d, out, d->conns[i]);
	}
	evbuffer_add(out, "]}\n", 3);
}

void status_json_trafficstatus(struct daemon *d, struct evbuffer *out)
{
	bool first = true;

	evbuffer_add_printf(out, "{\"version\":1,\"sas\":[");
	for (struct ike_sa *sa = d->eng.sas; sa; sa = sa->next) {
		const struct child_sa *ch = sa->child;
		struct conn_counters t;
		if (!status_sa_carries(sa))
			continue;
		status_conn_counters(d, sa->conn, &t);
		evbuffer_add(out, first ? "{" : ",{", first ? 1 : 2);
		first = false;
		jkv_u64(out, "serial", ch->serial, true);
		jkv_str(out, "conn", sa->conn->cfg->name, false);
		jkv_str(out, "type", "ESP", false);
		jkv_u64(out, "add_time", (uint64_t)ch->add_time, false);
		jkv_u64(out, "in_bytes", t.in_bytes, false);
		jkv_u64(out, "out_bytes", t.out_bytes, false);
		jkv_u64(out, "in_packets", t.in_packets, false);
		jkv_u64(out, "out_packets", t.out_packets, false);
		jkv_str(out, "id", sa->conn->cfg->rightid.text, false);
		evbuffer_add(out, "}", 1);
	}
	evbuffer_add(out, "]}\n", 3);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* mcvpnctl status and trafficstatus output. trafficstatus keeps libreswan's
 * line format so existing scripts and habits carry over. */
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
#include "daemon/ike/proposal.h"
#include "daemon/ctl/status.h"
#include "daemon/ike/ts.h"
#include "daemon/base/sockaddr.h"
#include "daemon/probe/probe.h"

void status_prefix(const struct conf_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	inet_ntop(p->family, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
}

static uint64_t sa_bytes(struct daemon *d, bool inbound, uint32_t spi)
{
	struct dp_sa_stats st;
	return dp_sa_get_stats(d->dp, inbound, spi, &st) == 0 ? st.bytes : 0;
}

void status_conn_counters(struct daemon *d, const struct conn *c, struct conn_counters *sum)
{
	*sum = c->past;
	for (struct ike_sa *sa = d->eng.sas; sa; sa = sa->next) {
		if (sa->conn != c)
			continue;
		for (const struct child_sa *ch = sa->children; ch; ch = ch->next)
			if (ch->installed)
				io_child_counters(d, ch, sum);
	}
}

bool status_sa_carries(const struct ike_sa *sa)
{
	return sa->state == IKE_S_ESTABLISHED && sa->child && sa->child->installed &&
	       sa->conn->ike == sa;
}

/* One line per conn's Child SA carrying traffic; bytes are the conn's since it
 * was loaded (across rekeys), add_time the current Child SA's. */
void status_trafficstatus(struct daemon *d, struct evbuffer *out)
{
	for (struct ike_sa *sa = d->eng.sas; sa; sa = sa->next) {
		const struct child_sa *ch = sa->child;
		struct conn_counters t;
		if (!status_sa_carries(sa))
			continue;
		status_conn_counters(d, sa->conn, &t);
		evbuffer_add_printf(out,
				    "#%u: \"%s\", type=ESP, add_time=%lld, inBytes=%" PRIu64
				    ", outBytes=%" PRIu64 ", maxBytes=2^63B, id='%s'\n",
				    ch->serial, sa->conn->cfg->name, (long long)ch->add_time,
				    t.in_bytes, t.out_bytes, sa->conn->cfg->rightid.text);
	}
}

static void ike_line(struct ike_sa *sa, struct evbuffer *out, time_t now)
{
	struct proposal_choice c = { .encr = sa->alg.encr, .encr_keybits = sa->alg.encr_keybits,
				     .prf = sa->alg.prf, .integ = sa->alg.integ,
				     .dh = sa->dh_group };
	char algs[160], local[64], remote[64];

	proposal_describe(&c, algs, sizeof(algs));
	sockaddr_str(&sa->local, local, sizeof(local), true);
	sockaddr_str(&sa->remote, remote, sizeof(remote), true);
	evbuffer_add_printf(out, "  IKE SA #%u: %s", sa->serial, ike_state_name(sa->state));
	if (sa->state == IKE_S_ESTABLISHED)
		evbuffer_add_printf(out, " %llds ago", (long long)(now - sa->established));
	evbuffer_add_printf(out, ", %s, %s <-> %s\n", sa->initiator ? "initiator" : "responder",
			    local, remote);
	if (sa->state != IKE_S_ESTABLISHED && sa->state != IKE_S_DELETING)
		return;
	evbuffer_add_printf(out, "    %s, SPIs %016llx_i %016llx_r\n", algs,
			    (unsigned long long)sa->spii, (unsigned long long)sa->spir);
	evbuffer_add_printf(out, "    NAT-T: %s (NAT %s us: %s, in front of peer: %s); "
			    "IKE fragmentation: %s\n",
			    sa->natt ? "yes, UDP 4500" : "no", "in front of",
			    sa->nat_local ? "yes" : "no", sa->nat_remote ? "yes" : "no",
			    sa->frag ? "yes" : "no");
	if (sa->peer_auth[0])
		evbuffer_add_printf(out, "    peer authenticated by %s\n", sa->peer_auth);
}

/* "0.0.0.0/0,::/0" for a selector list. */
void status_ts_list(const struct ike_ts *ts, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && used + 1 < len; i++) {
		char one[96];
		ts_describe(&ts[i], one, sizeof(one));
		int w = snprintf(buf + used, len - used, "%s%s", i ? "," : "", one);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static void child_line(struct daemon *d, const struct child_sa *ch, struct evbuffer *out)
{
	struct proposal_choice e = { .encr = ch->encr, .encr_keybits = ch->encr_keybits,
				     .integ = ch->integ };
	char algs[160], l[400], r[400];

	proposal_describe(&e, algs, sizeof(algs));
	status_ts_list(ch->ts_local, ch->n_ts_local, l, sizeof(l));
	status_ts_list(ch->ts_remote, ch->n_ts_remote, r, sizeof(r));
	evbuffer_add_printf(out,
			    "  Child SA #%u: ESP %s%s in UDP, SPIs %08x_i %08x_o, %s === %s,"
			    " in %" PRIu64 " bytes, out %" PRIu64 " bytes%s\n",
			    ch->serial, algs, ch->esn ? " ESN" : "", ch->spi_in, ch->spi_out, l, r,
			    sa_bytes(d, true, ch->spi_in), sa_bytes(d, false, ch->spi_out),
			    ch->installed ? "" : " (not installed)");
}

/* "2h13m", "41m05s", "12s" */
static void span(long s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s >= 3600)
		snprintf(buf, len, "%ldh%02ldm", s / 3600, s / 60 % 60);
	else if (s >= 60)
		snprintf(buf, len, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, len, "%lds", s);
}

/* Lifecycle of the conn's working IKE SA: rekeys, liveness. */
static void lifecycle_lines(const struct conn *c, struct evbuffer *out, time_t now)
{
	struct ike_sa *sa = c->ike;
	const struct conf_conn *cfg = c->cfg;
	char a[32], b[32], e[32];
	double t = ike_engine_now();

	if (!sa || sa->state != IKE_S_ESTABLISHED)
		return;
	span((long)(now - sa->established), e, sizeof(e));
	strcpy(a, "never");
	strcpy(b, "never");
	if (sa->child && sa->child->rekey_at > 0)
		span((long)(sa->child->rekey_at - t), a, sizeof(a));
	if (sa->rekey_at > 0)
		span((long)(sa->rekey_at - t), b, sizeof(b));
	evbuffer_add_printf(out, "  up: IKE SA established %s ago; next rekey: Child SA in %s, IKE SA in %s",
			    e, a, b);
	if (c->last_rekey) {
		span((long)(now - c->last_rekey), a, sizeof(a));
		evbuffer_add_printf(out, "; last rekey %s ago\n", a);
	} else {
		evbuffer_add_printf(out, "; no rekey yet\n");
	}
	span((long)ike_dpd_silence(sa), a, sizeof(a));
	if (cfg->dpddelay)
		evbuffer_add_printf(out, "  DPD: after %us of silence, dead after %us; peer last heard %s ago (%s)\n",
				    cfg->dpddelay, cfg->dpdtimeout, a,
				    sa->pending == PEND_DPD ? "checking" : "alive");
	else
		evbuffer_add_printf(out, "  DPD: off; peer last heard %s ago\n", a);
}

/* The in-tunnel probe (probe=): "probe 192.168.2.2 every 10s: up, last RTT
 * 0.52 ms; 120 sent, 118 answered, 2 lost (3.3% of the last 60)". */
static void probe_line(const struct conn *c, struct evbuffer *out)
{
	const struct conf_conn *cfg = c->cfg;
	const struct probe_stats *st = probe_get_stats(c->probe);
	enum probe_state state;
	char dst[64];

	if (cfg->probe.ss_family == AF_UNSPEC)
		return;
	sockaddr_str(&cfg->probe, dst, sizeof(dst), false);
	if (!c->probe) {
		evbuffer_add_printf(out, "  probe %s: off (no interface-ip=, the probe's source)\n", dst);
		return;
	}
	state = probe_get_state(c->probe);
	evbuffer_add_printf(out, "  probe %s every %us: %s%s", dst, cfg->probe_interval,
			    probe_state_name(state), state == PROBE_STOPPED ? " (no Child SA)" : "");
	if (st->last_rtt >= 0)
		evbuffer_add_printf(out, ", last RTT %.2f ms", st->last_rtt * 1e3);
	evbuffer_add_printf(out, "; %" PRIu64 " sent, %" PRIu64 " answered, %" PRIu64 " lost", st->sent,
			    st->received, st->lost);
	if (st->window_len)
		evbuffer_add_printf(out, " (%.1f%% of the last %u)", probe_stats_loss_ratio(st) * 100,
				    st->window_len);
	evbuffer_add_printf(out, "\n");
}

/* After the routes: their metric and table when set, and withdrawn. */
static void routes_line_end(const struct conn *c, struct evbuffer *out)
{
	const struct conf_conn *cfg = c->cfg;
	const char *sep = " (";

	if (!c->n_routes) {
		evbuffer_add_printf(out, " none\n");
		return;
	}
	if (cfg->route_metric) {
		evbuffer_add_printf(out, "%smetric %u", sep, cfg->route_metric);
		sep = ", ";
	}
	if (cfg->route_table != CONF_TABLE_MAIN) {
		evbuffer_add_printf(out, "%stable %u", sep, cfg->route_table);
		sep = ", ";
	}
	if (!c->routes_wanted) {
		evbuffer_add_printf(out, "%swithdrawn while down", sep);
		sep = ", ";
	}
	evbuffer_add_printf(out, "%s\n", sep[0] == ',' ? ")" : "");
}

void status_updown_text(const struct conf_conn *cfg, char *buf, size_t len)
{
	const char *argv[CONF_COMMAND_ARGS + 1];
	size_t n = conf_command_argv(&cfg->updown, argv, CONF_COMMAND_ARGS + 1), used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used + 1 < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? " " : "", argv[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* The hook: its command, and what it does now. */
static void hook_line(struct daemon *d, const struct conn *c, struct evbuffer *out)
{
	char cmd[CONF_COMMAND_LEN + CONF_COMMAND_ARGS];
	size_t waiting = 0;
	const char *running = d->hooks ? hook_runner_state(d->hooks, c->cfg->name, &waiting) : NULL;

	if (!c->cfg->updown.argc && !running)
		return;
	status_updown_text(c->cfg, cmd, sizeof(cmd));
	evbuffer_add_printf(out, "  updown: %s (timeout %us)", cmd[0] ? cmd : "none now",
			    c->cfg->updown_timeout);
	if (running)
		evbuffer_add_printf(out, "; running: %s, %zu waiting", running, waiting);
	evbuffer_add_printf(out, "\n");
}

static void conn_block(struct daemon *d, struct conn *c, struct evbuffer *out, time_t now)
{
	const struct conf_conn *cfg = c->cfg;
	char left[64], right[64], ip[64] = "none";
	const char *autos[] = { "ignore", "add", "start" };
	bool up = c->ike && c->ike->state == IKE_S_ESTABLISHED;

	sockaddr_str(&cfg->left, left, sizeof(left), false);
	sockaddr_str(&cfg->right, right, sizeof(right), false);
	if (cfg->has_interface_ip)
		status_prefix(&cfg->interface_ip, ip, sizeof(ip));
	evbuffer_add_printf(out, "\"%s\": %s[%s]...%s[%s], auto=%s, %s\n", cfg->name, left,
			    cfg->leftid.text, right, cfg->rightid.text, autos[cfg->autostart],
			    up ? "UP" : c->ike ? "CONNECTING" : "DOWN");
	evbuffer_add_printf(out, "  interface %s%s, address %s, routes", cfg->vti_interface,
			    c->tun_fd >= 0 ? "" : " (missing)", ip);
	if (cfg->routing == CONF_ROUTING_EXTERNAL) {
		evbuffer_add_printf(out, " by a routing daemon (routing=external), %s\n",
				    c->tun_fd >= 0 && c->carrier ? "carrier on" : "no carrier");
	} else {
		for (size_t i = 0; i < c->n_routes; i++) {
			status_prefix(&c->routes[i], ip, sizeof(ip));
			evbuffer_add_printf(out, "%s%s%s", i ? "," : " ", ip, c->route_state[i] ==
					    CONN_ROUTE_REFUSED ? " (kept out by another route)" : "");
		}
		routes_line_end(c, out);
	}
	hook_line(d, c, out);
	if (log_debug_conn_get(cfg->name))
		evbuffer_add_printf(out, "  debug logging on (mcvpnctl debug off %s)\n", cfg->name);
	for (struct ike_sa *sa = d->eng.sas; sa; sa = sa->next) {
		if (sa->conn != c || sa->state == IKE_S_DEAD)
			continue;
		ike_line(sa, out, now);
		if (sa->child)
			child_line(d, sa->child, out);
	}
	lifecycle_lines(c, out, now);
	probe_line(c, out);
	if (!c->ike && c->last_error[0])
		evbuffer_add_printf(out, "  last failure: %s (attempt %u)\n", c->last_error,
				    c->retries);
	if (!c->ike && c->retry_at > 0) {
		char in[32];
		span((long)(c->retry_at - ike_engine_now()), in, sizeof(in));
		evbuffer_add_printf(out, "  next retry (attempt %u) in %s\n", c->retries + 1, in);
	} else if (!c->ike && c->admin_down) {
		evbuffer_add_printf(out, "  down by mcvpnctl down: answers the peer, never initiates until 'mcvpnctl up'\n");
	} else if (!c->ike && c->hold) {
		evbuffer_add_printf(out, "  waiting for the peer or 'mcvpnctl up'\n");
	}
}

void status_write(struct daemon *d, struct evbuffer *out)
{
	time_t now = time(NULL);

	const char *names[LOG_DEBUG_CONNS];
	size_t n = log_debug_conns(names, LOG_DEBUG_CONNS);

	evbuffer_add_printf(out, "mcvpnd: %zu conn%s, up %llds\n", d->n_conns,
			    d->n_conns == 1 ? "" : "s", (long long)(now - d->started));
	evbuffer_add_printf(out, "debug logging: %s", log_debug_get() ? "on for the whole daemon" :
			    n ? "on for" : "off");
	for (size_t i = 0; i < n && !log_debug_get(); i++)
		evbuffer_add_printf(out, "%s\"%s\"", i ? ", " : " ", names[i]);
	evbuffer_add_printf(out, "\n");
	for (size_t i = 0; i < d->n_conns; i++)
		conn_block(d, d->conns[i], out, now);
}

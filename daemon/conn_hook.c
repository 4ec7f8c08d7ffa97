/* SPDX-License-Identifier: Apache-2.0 */
/* A conn's hook (updown=, see mcvpn.conf(5)): the engine's word on the
 * conn (conn_up, conn_rekeyed, conn_down through ike_io) becomes a job
 * for the hook runner (daemon/hook/): the program with its words, and an
 * environment of facts about the conn and its SAs, by libreswan's names
 * (PLUTO_VERB=up-client ...) so that operators' scripts keep working, and
 * by mcvpn's own (MCVPN_*).  Only what mcvpnctl status shows goes there:
 * never a key, a nonce or the PSK.  "up" runs once when the conn comes up
 * (an IKE SA that replaces one while the conn stays up runs nothing),
 * "rekey" after each completed rekey while up, "down" once it has no IKE
 * SA left. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "daemon/base/log.h"
#include "daemon/base/sockaddr.h"
#include "daemon/ctl/status.h"
#include "daemon/daemon.h"
#include "daemon/hook/hook.h"
#include "daemon/ike/ts.h"

/* Where the hook's programs are found by name (mcvpnd's own PATH is not
 * passed on). */
#define HOOK_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *const verbs[] = {
	[CONN_HOOK_UP] = "up", [CONN_HOOK_DOWN] = "down", [CONN_HOOK_REKEY] = "rekey",
};

/* The selectors of the event: the Child SA's, else the config's. */
struct sel {
	struct ike_ts local[IKE_MAX_TS], remote[IKE_MAX_TS];
	size_t n_local, n_remote;
};

static void selectors(const struct conn *c, const struct child_sa *ch, struct sel *s)
{
	if (ch) {
		memcpy(s->local, ch->ts_local, sizeof(s->local));
		memcpy(s->remote, ch->ts_remote, sizeof(s->remote));
		s->n_local = ch->n_ts_local;
		s->n_remote = ch->n_ts_remote;
		return;
	}
	s->n_local = ts_local_conf(c->cfg, s->local);
	s->n_remote = ts_remote_conf(c->cfg, s->remote);
}

static int ts_family(const struct ike_ts *t)
{
	return t->type == TS_IPV6_ADDR_RANGE ? AF_INET6 : AF_INET;
}

static const uint8_t *ip_bytes(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr
					 : (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
}

/* libreswan's verb: "-host" when this end's selector is its own address
 * alone, else "-client"; "-v6" after it for an IPv6 selector. */
static void pluto_verb(enum conn_hook_verb v, const struct ike_ts *t, size_t n,
		       const struct sockaddr_storage *me, char *buf, size_t len)
{
	static const char *const words[] = {
		[CONN_HOOK_UP] = "up", [CONN_HOOK_DOWN] = "down", [CONN_HOOK_REKEY] = "rekey",
	};
	int af = n ? ts_family(t) : me->ss_family;
	size_t alen = af == AF_INET6 ? 16 : 4;
	bool host = n && me->ss_family == af && memcmp(t->start, t->end, alen) == 0 &&
		    memcmp(t->start, ip_bytes(me), alen) == 0;

	snprintf(buf, len, "%s-%s%s", words[v], host ? "host" : "client", af == AF_INET6 ? "-v6" : "");
}

/* "10.1.0.0/16" (or a range "a-b"), its network and mask when a prefix:
 * PLUTO_MY_CLIENT, _NET, _MASK (what = "MY"), or PLUTO_PEER_... */
static void client(struct hook_job *j, const char *what, const struct ike_ts *t, size_t n)
{
	char name[40], text[96], a[INET6_ADDRSTRLEN];
	uint8_t m[16] = { 0 };
	int af, len;

	if (!n)
		return;
	ts_describe(t, text, sizeof(text));
	snprintf(name, sizeof(name), "PLUTO_%s_CLIENT", what);
	hook_job_env(j, name, "%s", text);
	snprintf(name, sizeof(name), "PLUTO_%s_PORT", what);
	hook_job_env(j, name, "0");
	snprintf(name, sizeof(name), "PLUTO_%s_PROTOCOL", what);
	hook_job_env(j, name, "0");
	if ((len = ts_prefix_len(t)) < 0)
		return;
	af = ts_family(t);
	for (int i = 0; i < len; i++)
		m[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	inet_ntop(af, t->start, a, sizeof(a));
	snprintf(name, sizeof(name), "PLUTO_%s_CLIENT_NET", what);
	hook_job_env(j, name, "%s", a);
	inet_ntop(af, m, a, sizeof(a));
	snprintf(name, sizeof(name), "PLUTO_%s_CLIENT_MASK", what);
	hook_job_env(j, name, "%s", a);
}

static unsigned port_of(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)ss)->sin6_port)
					 : ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* The ends: the IKE SA's addresses (where the peer is now), else the config's. */
static void ends(struct hook_job *j, const struct conn *c, const struct ike_sa *sa,
		 const struct sel *s)
{
	const struct conf_conn *cfg = c->cfg;
	const struct sockaddr_storage *me = sa ? &sa->local : &cfg->left;
	const struct sockaddr_storage *peer = sa ? &sa->remote : &cfg->right;
	char a[64];

	sockaddr_str(me, a, sizeof(a), false);
	hook_job_env(j, "PLUTO_ME", "%s", a);
	hook_job_env(j, "MCVPN_LOCAL", "%s", a);
	hook_job_env(j, "MCVPN_LOCAL_PORT", "%u", port_of(me));
	hook_job_env(j, "PLUTO_MY_ID", "%s", cfg->leftid.text);
	hook_job_env(j, "MCVPN_LOCAL_ID", "%s", cfg->leftid.text);
	client(j, "MY", s->local, s->n_local);
	sockaddr_str(peer, a, sizeof(a), false);
	hook_job_env(j, "PLUTO_PEER", "%s", a);
	hook_job_env(j, "MCVPN_PEER", "%s", a);
	hook_job_env(j, "MCVPN_PEER_PORT", "%u", port_of(peer));
	hook_job_env(j, "PLUTO_PEER_ID", "%s", cfg->rightid.text);
	hook_job_env(j, "MCVPN_PEER_ID", "%s", cfg->rightid.text);
	client(j, "PEER", s->remote, s->n_remote);
	hook_job_env(j, "PLUTO_CONN_ADDRFAMILY", "ipv%c", me->ss_family == AF_INET6 ? '6' : '4');
	if (s->n_local)
		hook_job_env(j, "PLUTO_CLIENT_FAMILY", "ipv%c",
			     ts_family(s->local) == AF_INET6 ? '6' : '4');
}

/* The tunnel device and its address. */
static void device(struct hook_job *j, const struct conf_conn *cfg)
{
	char ip[64];

	hook_job_env(j, "PLUTO_VIRT_INTERFACE", "%s", cfg->vti_interface);
	hook_job_env(j, "VTI_IFACE", "%s", cfg->vti_interface);
	hook_job_env(j, "MCVPN_DEVICE", "%s", cfg->vti_interface);
	if (cfg->has_interface_ip) {
		status_prefix(&cfg->interface_ip, ip, sizeof(ip));
		hook_job_env(j, "INTERFACE_IP", "%s", ip);
		hook_job_env(j, "VTI_IP", "%s", ip);
		hook_job_env(j, "MCVPN_INTERFACE_IP", "%s", ip);
	}
	if (cfg->route_metric)
		hook_job_env(j, "PLUTO_METRIC", "%u", cfg->route_metric);
}

static void sas(struct hook_job *j, const struct ike_sa *sa, const struct child_sa *ch,
		const struct sel *s)
{
	char l[400], r[400];

	status_ts_list(s->local, s->n_local, l, sizeof(l));
	status_ts_list(s->remote, s->n_remote, r, sizeof(r));
	hook_job_env(j, "MCVPN_LOCAL_TS", "%s", l);
	hook_job_env(j, "MCVPN_REMOTE_TS", "%s", r);
	hook_job_env(j, "PLUTO_SA_TYPE", "%s", ch ? "ESP" : "none");
	hook_job_env(j, "PLUTO_ADDTIME", "%lld", ch ? (long long)ch->add_time : 0LL);
	hook_job_env(j, "SPI_IN", "0x%08x", ch ? ch->spi_in : 0);
	hook_job_env(j, "SPI_OUT", "0x%08x", ch ? ch->spi_out : 0);
	if (sa) {
		hook_job_env(j, "MCVPN_ROLE", "%s", sa->initiator ? "initiator" : "responder");
		hook_job_env(j, "MCVPN_IKE_SA", "%u", sa->serial);
		hook_job_env(j, "MCVPN_IKE_SPI_I", "%016llx", (unsigned long long)sa->spii);
		hook_job_env(j, "MCVPN_IKE_SPI_R", "%016llx", (unsigned long long)sa->spir);
		hook_job_env(j, "MCVPN_NAT_T", "%s", sa->natt ? "yes" : "no");
	}
	if (ch) {
		hook_job_env(j, "MCVPN_CHILD_SA", "%u", ch->serial);
		hook_job_env(j, "MCVPN_CHILD_SPI_IN", "%08x", ch->spi_in);
		hook_job_env(j, "MCVPN_CHILD_SPI_OUT", "%08x", ch->spi_out);
	}
}

struct hook_job *conn_hook_job(const struct conn *c, const struct conn_hook_event *ev)
{
	const struct conf_conn *cfg = c->cfg;
	const char *argv[CONF_COMMAND_ARGS + 1];
	size_t argc = conf_command_argv(&cfg->updown, argv, CONF_COMMAND_ARGS + 1);
	struct hook_job *j = hook_job_new(cfg->name, verbs[ev->verb], cfg->updown_timeout * 1000);
	const struct sockaddr_storage *me = ev->sa ? &ev->sa->local : &cfg->left;
	struct sel s;
	char verb[32];

	if (!j)
		return NULL;
	for (size_t i = 0; i < argc; i++)
		hook_job_arg(j, argv[i]);
	selectors(c, ev->child, &s);
	pluto_verb(ev->verb, s.local, s.n_local, me, verb, sizeof(verb));
	hook_job_env(j, "PATH", "%s", HOOK_PATH);
	hook_job_env(j, "PLUTO_VERB", "%s", verb);
	hook_job_env(j, "PLUTO_CONNECTION", "%s", cfg->name);
	hook_job_env(j, "PLUTO_CONNECTION_TYPE", "tunnel");
	hook_job_env(j, "PLUTO_STACK", "mcvpn");
	hook_job_env(j, "MCVPN_VERB", "%s", verbs[ev->verb]);
	hook_job_env(j, "MCVPN_CONN", "%s", cfg->name);
	if (ev->verb == CONN_HOOK_REKEY)
		hook_job_env(j, "MCVPN_REKEY", "%s", ev->rekey == IKE_REKEY_IKE ? "ike" : "child");
	if (ev->verb == CONN_HOOK_DOWN)
		hook_job_env(j, "MCVPN_REASON", "%s", ev->why ? ev->why : "");
	device(j, cfg);
	ends(j, c, ev->sa, &s);
	sas(j, ev->sa, ev->child, &s);
	return j;
}

static void submit(struct daemon *d, const struct conn *c, const struct conn_hook_event *ev)
{
	struct hook_job *j;

	if (!c->cfg->updown.argc || !d->hooks)
		return;
	if (!(j = conn_hook_job(c, ev))) {
		log_conn(LOG_ERR, c->cfg->name, "updown %s: out of memory: not run", verbs[ev->verb]);
		return;
	}
	hook_runner_submit(d->hooks, j);
}

void conn_hook_up(struct daemon *d, struct conn *c)
{
	struct conn_hook_event ev = { .verb = CONN_HOOK_UP, .sa = c->ike };

	if (c->hook_up || d->stopping)
		return;		/* an IKE SA beside the one that is up, or the end */
	c->hook_up = true;
	ev.child = c->ike ? c->ike->child : NULL;
	submit(d, c, &ev);
}

void conn_hook_rekeyed(struct daemon *d, struct conn *c, const struct ike_rekeyed *r)
{
	struct conn_hook_event ev = { .verb = CONN_HOOK_REKEY, .sa = r->sa, .child = r->child,
				      .rekey = r->what };

	if (c->hook_up)
		submit(d, c, &ev);
}

void conn_hook_down(struct daemon *d, struct conn *c, const struct ike_down *down)
{
	struct conn_hook_event ev = { .verb = CONN_HOOK_DOWN, .sa = down->sa, .why = down->why };

	if (!c->hook_up)
		return;		/* it never came up: nothing to undo */
	c->hook_up = false;
	ev.child = down->sa ? down->sa->child : NULL;
	submit(d, c, &ev);
}

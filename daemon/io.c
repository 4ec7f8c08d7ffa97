/* SPDX-License-Identifier: Apache-2.0 */
/* The IKE engine's view of the world: sending through the UDP sockets and
 * installing Child SAs in the data plane. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "crypto/secret.h"
#include "daemon/daemon.h"
#include "daemon/dataplane/dataplane.h"
#include "daemon/ikemsg/proto.h"
#include "daemon/linger.h"
#include "daemon/base/log.h"
#include "daemon/base/sockaddr.h"
#include "daemon/ike/ts.h"

_Static_assert(DP_MAX_TS >= IKE_MAX_TS, "the data plane keeps every selector IKE negotiates");

static int io_send(void *arg, const struct sockaddr_storage *local,
		   const struct sockaddr_storage *remote, bool natt, const uint8_t *msg, size_t len)
{
	struct daemon *d = arg;
	return udp_send_ike(&d->udp, local, remote, natt, msg, len);
}

/* Where the outbound ESP of sa's Child SAs goes: the peer's address, its
 * port 4500 (RFC 3948) or the NAT's in front of it; 0 or -1 (no socket). */
static int esp_peer(struct daemon *d, const struct ike_sa *sa, struct sockaddr_storage *peer,
		    int *sock)
{
	struct udp_sock *s = udp_find(&d->udp, &sa->local);

	*peer = sa->remote;
	if (!sa->natt)
		sockaddr_set_port(peer, IKE_NATT_PORT);
	*sock = s ? s->fd4500 : -1;
	return s ? 0 : -1;
}

static void params(struct conn *c, const struct child_sa *ch, bool inbound,
		   struct dp_sa_params *p)
{
	const struct secret *k = inbound ? ch->key_in : ch->key_out;
	const struct ike_sa *sa = ch->ike;

	memset(p, 0, sizeof(*p));
	p->spi = inbound ? ch->spi_in : ch->spi_out;
	p->encr = ch->encr;
	p->encr_keybits = ch->encr_keybits;
	p->integ = ch->integ;
	p->esn = ch->esn;
	p->keymat_len = k->len <= sizeof(p->keymat) ? k->len : 0;
	memcpy(p->keymat, k->buf, p->keymat_len);
	p->tunnel = c->tunnel_id;
	esp_peer(c->d, sa, &p->peer, &p->sock);
	p->standby = !inbound && ch->out_standby;
	p->n_remote_ts = ts_to_ranges(ch->ts_remote, ch->n_ts_remote, p->remote_ts, DP_MAX_TS);
	p->n_local_ts = ts_to_ranges(ch->ts_local, ch->n_ts_local, p->local_ts, DP_MAX_TS);
}

static int io_child_up(void *arg, struct conn *c, const struct child_sa *ch)
{
	struct daemon *d = arg;
	struct dp_sa_params in, out;
	int r;

	params(c, ch, true, &in);
	params(c, ch, false, &out);
	if (in.sock < 0 || !in.keymat_len || !out.keymat_len) {
		r = -EINVAL;
	} else if ((r = dp_sa_add_inbound(d->dp, &in)) == 0) {
		r = dp_sa_add_outbound(d->dp, &out);
		if (r)
			dp_sa_remove(d->dp, true, in.spi);
	}
	secret_wipe(&in, sizeof(in));
	secret_wipe(&out, sizeof(out));
	if (r)
		log_conn(LOG_ERR, c->cfg->name, "data plane refused Child SA #%u: %s", ch->serial,
			 strerror(-r));
	else {
		conn_routes_child(d, c, true);
		conn_probe_follow(d, c);
		conn_carrier_follow(d, c);
	}
	return r ? -1 : 0;
}

void io_count_inbound(struct conn_counters *sum, const struct dp_sa_stats *now,
		      const struct dp_sa_stats *before)
{
	static const struct dp_sa_stats zero;

	if (!before)
		before = &zero;
	sum->in_bytes += now->bytes - before->bytes;
	sum->in_packets += now->packets - before->packets;
	sum->drop_replay += now->drop_replay - before->drop_replay;
	sum->drop_auth += now->drop_auth - before->drop_auth;
	sum->drop_ts += now->drop_ts - before->drop_ts;
	sum->drop_other += now->drop_other - before->drop_other;
}

/* Add one Child SA's counters (both directions) to sum. */
void io_child_counters(struct daemon *d, const struct child_sa *ch, struct conn_counters *sum)
{
	struct dp_sa_stats in, out;

	if (dp_sa_get_stats(d->dp, true, ch->spi_in, &in) == 0)
		io_count_inbound(sum, &in, NULL);
	if (dp_sa_get_stats(d->dp, false, ch->spi_out, &out) == 0) {
		sum->out_bytes += out.bytes;
		sum->out_packets += out.packets;
		sum->drop_other += out.drop_other;
		sum->drop_ts_out += out.drop_ts_out;
	}
}

static void io_child_down(void *arg, struct conn *c, const struct child_sa *ch)
{
	struct daemon *d = arg;

	const struct ike_sa *sa = ch->ike;

	io_child_counters(d, ch, &c->past);	/* counters are per conn, across rekeys */
	dp_sa_remove(d->dp, false, ch->spi_out);
	/* replaced by a rekey (another Child SA carries the traffic): the
	 * peer's last packets on it may still come (linger.h) */
	if (!d->stopping && sa && sa->child && sa->child != ch && sa->child->installed)
		linger_add(d, c, ch->spi_in);
	else
		dp_sa_remove(d->dp, true, ch->spi_in);
	conn_routes_child(d, c, false);
	conn_probe_follow(d, c);
	conn_carrier_follow(d, c);
}

static void io_child_prefer(void *arg, struct conn *c, const struct child_sa *ch)
{
	struct daemon *d = arg;

	if (dp_sa_prefer_outbound(d->dp, ch->spi_out))
		log_conn(LOG_ERR, c->cfg->name, "cannot switch to Child SA #%u", ch->serial);
}

static double io_child_idle(void *arg, struct conn *c, const struct child_sa *ch)
{
	struct daemon *d = arg;
	struct dp_sa_stats st;
	struct timespec now;

	if (dp_sa_get_stats(d->dp, true, ch->spi_in, &st) || !st.last_packet)
		return 1e9;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec - st.last_packet;
}

static uint64_t io_child_sent(void *arg, struct conn *c, const struct child_sa *ch)
{
	struct daemon *d = arg;
	struct dp_sa_stats st;

	return dp_sa_get_stats(d->dp, false, ch->spi_out, &st) == 0 ? st.packets : 0;
}

static void io_peer_moved(void *arg, struct conn *c, const struct ike_sa *sa)
{
	struct daemon *d = arg;
	struct sockaddr_storage peer;
	int sock;

	if (esp_peer(d, sa, &peer, &sock))
		return;
	for (const struct child_sa *ch = sa->children; ch; ch = ch->next)
		if (ch->installed && dp_sa_set_peer(d->dp, ch->spi_out, &peer, sock))
			log_conn(LOG_ERR, c->cfg->name, "cannot move Child SA #%u's ESP", ch->serial);
}

static int io_send_keepalive(void *arg, struct conn *c, const struct sockaddr_storage *local,
			     const struct sockaddr_storage *remote)
{
	struct daemon *d = arg;
	int r = udp_send_keepalive(&d->udp, local, remote);

	if (r == 0 && c)
		c->events.keepalives_sent++;
	return r;
}

void daemon_io(struct daemon *d, struct ike_io *io)
{
	memset(io, 0, sizeof(*io));
	io->arg = d;
	io->send = io_send;
	io->child_up = io_child_up;
	io->child_down = io_child_down;
	io->child_prefer = io_child_prefer;
	io->child_idle = io_child_idle;
	io->child_sent = io_child_sent;
	io->conn_down = conn_down_cb;
	io->conn_up = conn_up_cb;
	io->conn_rekeyed = conn_rekeyed_cb;
	io->peer_moved = io_peer_moved;
	io->send_keepalive = io_send_keepalive;
}

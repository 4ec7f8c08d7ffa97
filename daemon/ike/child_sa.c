/* SPDX-License-Identifier: Apache-2.0 */
/* Child SA objects: keys from the creating exchange, the IKE SA's list of
 * them, their lifetimes, and installation in the data plane through the
 * engine's io callbacks. */
#include "daemon/ike/engine.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "crypto/alg.h"
#include "crypto/rand.h"
#include "crypto/secret.h"
#include "daemon/base/log.h"
#include "daemon/ike/proposal.h"
#include "daemon/base/bytes.h"

struct child_sa *child_sa_new(struct ike_sa *sa, const struct proposal_choice *c,
			      uint32_t spi_in, bool we_initiated, const uint8_t *ni, size_t nilen,
			      const uint8_t *nr, size_t nrlen, const struct secret *gir)
{
	struct child_sa *ch = calloc(1, sizeof(*ch));
	struct secret *i2r = NULL, *r2i = NULL;
	size_t each = encr_keymat_len(c->encr, c->encr_keybits) + integ_key_len(c->integ);

	if (!ch || nilen > IKE_NONCE_MAX || nrlen > IKE_NONCE_MAX)
		goto fail;
	if (keymat_child(sa->alg.prf, sa->keys.sk_d, gir, ni, nilen, nr, nrlen, each, &i2r, &r2i))
		goto fail;
	ch->ike = sa;
	ch->serial = sa->eng->next_serial++;
	ch->spi_in = spi_in;
	ch->spi_out = get_be32(c->spi);
	ch->encr = c->encr;
	ch->encr_keybits = c->encr_keybits;
	ch->integ = c->integ;
	ch->esn = c->esn;
	ch->we_initiated = we_initiated;
	ch->key_out = we_initiated ? i2r : r2i;
	ch->key_in = we_initiated ? r2i : i2r;
	ch->add_time = time(NULL);
	memcpy(ch->ni, ni, nilen);
	memcpy(ch->nr, nr, nrlen);
	ch->nilen = nilen;
	ch->nrlen = nrlen;
	ch->next = sa->children;
	sa->children = ch;
	return ch;
fail:
	free(ch);
	return NULL;
}

uint32_t child_sa_spi_new(void)
{
	uint32_t spi = 0;
	while (spi < 256)	/* 1-255 are reserved (RFC 4303 2.1) */
		if (rand_bytes(&spi, sizeof(spi)))
			return 0;
	return spi;
}

void child_sa_set_ts(struct child_sa *ch, const struct ike_ts *l, size_t nl,
		     const struct ike_ts *r, size_t nr)
{
	ch->n_ts_local = (uint8_t)nl;
	ch->n_ts_remote = (uint8_t)nr;
	memcpy(ch->ts_local, l, nl * sizeof(*l));
	memcpy(ch->ts_remote, r, nr * sizeof(*r));
}

void child_sa_free(struct child_sa *c)
{
	if (!c)
		return;
	if (c->rekey_ev)
		event_free(c->rekey_ev);
	if (c->expire_ev)
		event_free(c->expire_ev);
	if (c->switch_ev)
		event_free(c->switch_ev);
	if (c->volume_ev)
		event_free(c->volume_ev);
	secret_free(c->key_in);
	secret_free(c->key_out);
	secret_wipe(c, sizeof(*c));
	free(c);
}

static void unlink_child(struct ike_sa *sa, struct child_sa *c)
{
	for (struct child_sa **pp = &sa->children; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (sa->child == c)
		sa->child = NULL;
}

void child_sa_destroy(struct child_sa *c)
{
	struct ike_sa *sa = c->ike;

	if (c->installed)
		child_sa_uninstall(sa, c);
	unlink_child(sa, c);
	child_sa_free(c);
}

int child_sa_install(struct ike_sa *sa, struct child_sa *c)
{
	struct ike_io *io = &sa->eng->io;

	if (!io->child_up || io->child_up(io->arg, sa->conn, c))
		return -1;
	c->installed = true;
	return 0;
}

void child_sa_uninstall(struct ike_sa *sa, struct child_sa *c)
{
	struct ike_io *io = &sa->eng->io;

	if (c->installed && io->child_down)
		io->child_down(io->arg, sa->conn, c);
	c->installed = false;
}

struct child_sa *child_sa_by_spi_in(struct ike_sa *sa, uint32_t spi)
{
	for (struct child_sa *c = sa->children; c; c = c->next)
		if (c->spi_in == spi)
			return c;
	return NULL;
}

struct child_sa *child_sa_by_spi_out(struct ike_sa *sa, uint32_t spi)
{
	for (struct child_sa *c = sa->children; c; c = c->next)
		if (c->spi_out == spi)
			return c;
	return NULL;
}

void child_sa_use(struct ike_sa *sa, struct child_sa *c)
{
	struct ike_io *io = &sa->eng->io;

	sa->child = c;
	/* idempotent: also re-selects an SA a collision left in the background */
	if (c->installed && io->child_prefer)
		io->child_prefer(io->arg, sa->conn, c);
	c->out_standby = false;
	if (c->switch_ev)
		evtimer_del(c->switch_ev);
}

static void rekey_cb(evutil_socket_t fd, short what, void *arg)
{
	struct child_sa *c = arg;
	struct ike_sa *sa = c->ike;

	if (c->deleting || sa->state != IKE_S_ESTABLISHED)
		return;
	IKE_SA_LOG(sa, LOG_INFO, "Child SA #%u: rekeying (salifetime)", c->serial);
	sa->want.rekey_child = c->spi_in;
	sa->want.rekey_child_by = IKE_REKEY_BY_LIFETIME;
	ike_exchange_run_queue(sa);
}

static void expire_cb(evutil_socket_t fd, short what, void *arg)
{
	struct child_sa *c = arg;
	struct ike_sa *sa = c->ike;

	IKE_SA_LOG(sa, LOG_WARNING, "Child SA #%u expired without a rekey; deleting it",
		   c->serial);
	if (sa->state == IKE_S_ESTABLISHED && !c->deleting)
		ike_info_send_delete_child(sa, c);
	else
		child_sa_destroy(c);
}

/* ESP sequence numbers are 32 bits without ESN: rekey well before 2^32
 * packets, whatever the time (the data plane refuses to send the 2^32nd).
 * With ESN the counter is 64 bits and the GCM IV (the counter) never
 * repeats under a key either; 2^63 only keeps the count from ever
 * reaching the data plane's hard stop at 2^64 - 1: the lifetimes rekey
 * first (at 10 Mpps 2^63 packets take 29,000 years). */
#define REKEY_PACKETS (1ull << 31)
#define REKEY_PACKETS_ESN (1ull << 63)
#define VOLUME_CHECK_S 10

static void volume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct child_sa *c = arg;
	struct ike_sa *sa = c->ike;
	struct ike_io *io = &sa->eng->io;

	if (c->deleting || sa->state != IKE_S_ESTABLISHED || !io->child_sent)
		return;
	if (io->child_sent(io->arg, sa->conn, c) >= (c->esn ? REKEY_PACKETS_ESN : REKEY_PACKETS) &&
	    !sa->want.rekey_child) {
		IKE_SA_LOG(sa, LOG_INFO, "Child SA #%u: rekeying (2^%d packets sent)", c->serial,
			   c->esn ? 63 : 31);
		sa->want.rekey_child = c->spi_in;
		sa->want.rekey_child_by = IKE_REKEY_BY_VOLUME;
		ike_exchange_run_queue(sa);
		return;
	}
	struct timeval tv = { VOLUME_CHECK_S, 0 };
	evtimer_add(c->volume_ev, &tv);
}

static void arm(struct event **ev, struct event_base *base, event_callback_fn fn, void *arg,
		unsigned secs)
{
	struct timeval tv = { secs, 0 };

	if (!*ev)
		*ev = evtimer_new(base, fn, arg);
	if (*ev)
		evtimer_add(*ev, &tv);
}

void child_sa_start_timers(struct child_sa *c)
{
	const struct conf_conn *cfg = c->ike->conn->cfg;
	struct event_base *base = c->ike->eng->base;

	if (cfg->rekey) {
		unsigned after = ike_lifetime_rekey_after(cfg, cfg->salifetime, c->we_initiated);
		arm(&c->rekey_ev, base, rekey_cb, c, after);
		c->rekey_at = ike_engine_now() + after;
	}
	arm(&c->expire_ev, base, expire_cb, c, cfg->salifetime);
	arm(&c->volume_ev, base, volume_cb, c, VOLUME_CHECK_S);
}

/* Rebinding an event to a new owner keeps its callback argument (the child). */
void child_sa_move_all(struct ike_sa *from, struct ike_sa *to)
{
	while (from->children) {
		struct child_sa *c = from->children;
		from->children = c->next;
		c->ike = to;
		c->next = to->children;
		to->children = c;
	}
	to->child = from->child;
	from->child = NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* IKE SA objects: creation, lookup, logging, teardown.  An SA is freed from a
 * zero-delay timer so that no handler frees the object its caller still uses. */
#include "daemon/ike/engine.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "crypto/dh.h"
#include "crypto/rand.h"
#include "crypto/secret.h"
#include "daemon/ikemsg/sk.h"
#include "daemon/base/log.h"
#include "daemon/base/sockaddr.h"

/* A responder SA that never got as far as IKE_AUTH is anyone's to make, as
 * often as they like: its lines share one limit (debug lines another, so that
 * they cannot crowd the others out). */
static bool unauthenticated_pass(const struct ike_sa *sa, int prio)
{
	static struct log_limit lines, debug;
	const char *conn = sa->conn ? sa->conn->cfg->name : NULL;

	if (sa->initiator || sa->authenticated)
		return log_enabled_for(prio, conn);
	return log_limit_pass_for(prio == LOG_DEBUG ? &debug : &lines, prio, conn);
}

void ike_sa_log(const struct ike_sa *sa, int prio, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (!unauthenticated_pass(sa, prio))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const struct conf_conn *cfg = sa->conn ? sa->conn->cfg : NULL;
	log_sa(prio, cfg ? cfg->name : NULL, cfg ? cfg->rightid.text : NULL, sa->serial, "#%u: %s",
	       sa->serial, msg);
}

static void free_cb(evutil_socket_t fd, short what, void *arg);

/* ---- the index ---- */

static size_t bucket(const struct ike_engine *eng, uint64_t v)
{
	v ^= eng->index.key;	/* then splitmix64's finaliser */
	v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ull;
	v = (v ^ (v >> 27)) * 0x94d049bb133111ebull;
	return (size_t)((v ^ (v >> 31)) % IKE_SA_BUCKETS);
}

static void chain_remove(struct ike_sa **pp, struct ike_sa *sa, bool ours)
{
	for (; *pp; pp = ours ? &(*pp)->by_ours : &(*pp)->by_peer) {
		if (*pp == sa) {
			*pp = ours ? sa->by_ours : sa->by_peer;
			return;
		}
	}
}

void ike_sa_index_peer(struct ike_sa *sa)
{
	struct ike_sa **head = &sa->eng->index.peers[bucket(sa->eng, sa->spii)];

	if (sa->peer_indexed || sa->initiator)
		return;
	sa->by_peer = *head;
	*head = sa;
	sa->peer_indexed = true;
}

struct ike_sa *ike_sa_find(struct ike_engine *eng, uint64_t spi, bool we_initiated)
{
	for (struct ike_sa *sa = eng->index.ours[bucket(eng, spi)]; sa; sa = sa->by_ours)
		if (sa->our_spi == spi && sa->initiator == we_initiated && sa->state != IKE_S_DEAD)
			return sa;
	return NULL;
}

static bool spi_in_use(struct ike_engine *eng, uint64_t spi)
{
	for (struct ike_sa *sa = eng->index.ours[bucket(eng, spi)]; sa; sa = sa->by_ours)
		if (sa->our_spi == spi)
			return true;
	return false;
}

/* ---- SA objects ---- */

struct ike_sa *ike_sa_new(struct ike_engine *eng, struct conn *conn, bool initiator,
			  uint64_t our_spi)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	uint64_t spi = our_spi;

	if (!sa)
		return NULL;
	while (spi == 0 || (!our_spi && spi_in_use(eng, spi)))
		if (rand_bytes(&spi, sizeof(spi)))
			goto fail;
	sa->eng = eng;
	sa->conn = conn;
	sa->initiator = initiator;
	sa->serial = eng->next_serial++;
	sa->our_spi = spi;
	if (initiator)
		sa->spii = spi;
	else
		sa->spir = spi;
	sa->retx_ev = evtimer_new(eng->base, NULL, NULL);	/* callback set on first use */
	sa->free_ev = evtimer_new(eng->base, free_cb, sa);
	sa->state_ev = evtimer_new(eng->base, NULL, NULL);	/* ike_state_set sets it */
	if (!sa->retx_ev || !sa->free_ev || !sa->state_ev)
		goto fail;
	sa->next = eng->sas;
	eng->sas = sa;
	struct ike_sa **head = &eng->index.ours[bucket(eng, spi)];
	sa->by_ours = *head;
	*head = sa;
	return sa;
fail:
	if (sa->retx_ev)
		event_free(sa->retx_ev);
	if (sa->free_ev)
		event_free(sa->free_ev);
	if (sa->state_ev)
		event_free(sa->state_ev);
	free(sa);
	return NULL;
}

static void unlink_sa(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;

	chain_remove(&eng->index.ours[bucket(eng, sa->our_spi)], sa, true);
	if (sa->peer_indexed)
		chain_remove(&eng->index.peers[bucket(eng, sa->spii)], sa, false);
	for (struct ike_sa **pp = &eng->sas; *pp; pp = &(*pp)->next) {
		if (*pp == sa) {
			*pp = sa->next;
			break;
		}
	}
	for (struct ike_sa *o = eng->sas; o; o = o->next)	/* no pointer into freed memory */
		if (o->rekeyed_to == sa)
			o->rekeyed_to = NULL;
}

static void sa_free(struct ike_sa *sa)
{
	unlink_sa(sa);
	while (sa->children) {
		struct child_sa *c = sa->children;
		sa->children = c->next;
		child_sa_free(c);
	}
	dh_free(sa->dh);
	dh_free(sa->rk.dh);
	if (sa->rekey_ev)
		event_free(sa->rekey_ev);
	if (sa->expire_ev)
		event_free(sa->expire_ev);
	if (sa->dpd_ev)
		event_free(sa->dpd_ev);
	if (sa->keepalive_ev)
		event_free(sa->keepalive_ev);
	ike_keys_wipe(&sa->keys);
	free(sa->init_req);
	free(sa->init_resp);
	free(sa->cookie);
	free(sa->req);
	free(sa->resp);
	ike_frag_clear(sa);
	event_free(sa->retx_ev);
	event_free(sa->free_ev);
	event_free(sa->state_ev);
	secret_wipe(sa->ni, sizeof(sa->ni));
	secret_wipe(sa->nr, sizeof(sa->nr));
	free(sa);
}

static void free_cb(evutil_socket_t fd, short what, void *arg)
{
	sa_free(arg);
}

/* Another IKE SA of the same conn to take over its traffic: an established
 * one first, else one still being set up. */
static struct ike_sa *sibling(struct ike_sa *sa)
{
	struct ike_sa *live = NULL;
	for (struct ike_sa *o = sa->eng->sas; o; o = o->next) {
		if (o == sa || o->conn != sa->conn || o->state == IKE_S_DEAD ||
		    o->state == IKE_S_DELETING || o->rekeyed)
			continue;
		if (o->state == IKE_S_ESTABLISHED)
			return o;
		live = live ? live : o;
	}
	return live;
}

void ike_sa_kill(struct ike_sa *sa, const char *why)
{
	struct conn *conn = sa->conn;
	struct ike_io *io = &sa->eng->io;

	if (sa->state == IKE_S_DEAD)
		return;
	if (sa->down_why)
		why = sa->down_why;
	IKE_SA_LOG(sa, LOG_INFO, "IKE SA down (%s)", why);
	ike_state_set(sa, IKE_S_DEAD);
	evtimer_del(sa->retx_ev);
	if (sa->rekey_ev)
		evtimer_del(sa->rekey_ev);
	if (sa->expire_ev)
		evtimer_del(sa->expire_ev);
	if (sa->dpd_ev)
		evtimer_del(sa->dpd_ev);
	if (sa->keepalive_ev)
		evtimer_del(sa->keepalive_ev);
	for (struct child_sa *c = sa->children; c; c = c->next) {
		if (c->installed)
			child_sa_uninstall(sa, c);
		if (c->rekey_ev)
			evtimer_del(c->rekey_ev);
		if (c->expire_ev)
			evtimer_del(c->expire_ev);
		if (c->switch_ev)
			evtimer_del(c->switch_ev);
		if (c->volume_ev)
			evtimer_del(c->volume_ev);
	}
	if (conn && conn->ike == sa && sa->rekeyed_to && sa->rekeyed_to->state != IKE_S_DEAD) {
		conn->ike = sa->rekeyed_to;	/* its Child SAs moved there */
	} else if (conn && conn->ike == sa) {
		struct ike_sa *o = sibling(sa);
		conn->ike = o;
		if (o && o->child && o->child->installed && io->child_prefer)
			io->child_prefer(io->arg, conn, o->child);
	}
	if (conn && !conn->ike && io->conn_down) {
		struct ike_down down = { .why = why, .wait_for_peer = sa->down_wait,
					 .again_soon = sa->down_soon, .fail = sa->fail, .sa = sa };
		io->conn_down(io->arg, conn, &down);
	}
	struct timeval now = { 0, 0 };
	evtimer_add(sa->free_ev, &now);
}

void ike_sa_fail(struct ike_sa *sa, enum ike_fail fail, const char *why)
{
	if (!sa->fail && sa->state != IKE_S_DEAD)
		sa->fail = fail;
	ike_sa_kill(sa, why);
}

enum ike_fail ike_fail_of_notify(uint16_t type)
{
	switch (type) {
	case N_AUTHENTICATION_FAILED:
		return IKE_FAIL_AUTH;
	case N_NO_PROPOSAL_CHOSEN:
	case N_INVALID_KE_PAYLOAD:
	case N_TS_UNACCEPTABLE:
	case N_SINGLE_PAIR_REQUIRED:
		return IKE_FAIL_PROPOSAL;
	case N_INVALID_SYNTAX:
	case N_UNSUPPORTED_CRITICAL_PAYLOAD:
	case N_INVALID_MESSAGE_ID:
		return IKE_FAIL_PROTOCOL;
	default:
		return IKE_FAIL_REFUSED;
	}
}

struct ike_sa *ike_sa_find_halfopen(struct ike_engine *eng, uint64_t spii,
				    const struct sockaddr_storage *remote)
{
	for (struct ike_sa *sa = eng->index.peers[bucket(eng, spii)]; sa; sa = sa->by_peer)
		if (sa->spii == spii && sockaddr_same(&sa->remote, remote) &&
		    sa->state != IKE_S_DEAD)
			return sa;
	return NULL;
}

unsigned ike_sa_count_halfopen(const struct ike_engine *eng)
{
	return eng->n_halfopen;
}

void ike_sa_hdr(const struct ike_sa *sa, struct ike_hdr *h, uint8_t exchange, bool response,
		uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	h->spii = sa->spii;
	h->spir = sa->spir;
	h->exchange = exchange;
	h->flags = (uint8_t)((sa->initiator ? IKE_FLAG_I : 0) | (response ? IKE_FLAG_R : 0));
	h->msgid = msgid;
}

void ike_sa_keys_out(const struct ike_sa *sa, struct ike_crypt_keys *k)
{
	k->encr = sa->alg.encr;
	k->encr_keybits = sa->alg.encr_keybits;
	k->integ = sa->alg.integ;
	k->ke = sa->initiator ? sa->keys.sk_ei : sa->keys.sk_er;
	k->ka = sa->initiator ? sa->keys.sk_ai : sa->keys.sk_ar;
}

void ike_sa_keys_in(const struct ike_sa *sa, struct ike_crypt_keys *k)
{
	k->encr = sa->alg.encr;
	k->encr_keybits = sa->alg.encr_keybits;
	k->integ = sa->alg.integ;
	k->ke = sa->initiator ? sa->keys.sk_er : sa->keys.sk_ei;
	k->ka = sa->initiator ? sa->keys.sk_ar : sa->keys.sk_ai;
}

void ike_sa_free_all(struct ike_engine *eng)
{
	while (eng->sas)
		sa_free(eng->sas);
}

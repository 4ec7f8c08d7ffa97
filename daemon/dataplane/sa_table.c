/* SPDX-License-Identifier: Apache-2.0 */
/* Data plane SA tables: install, remove, look up by SPI, counters. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/alg.h"
#include "daemon/dataplane/priv.h"
#include "daemon/base/sockaddr.h"

static unsigned bucket_of(uint32_t spi)
{
	/* SPIs are random, but a peer may pick sequential ones: mix first. */
	return (spi * 0x9e3779b1u) >> 24;
}

static struct dp_sa **table_of(struct dataplane *dp, bool inbound)
{
	return inbound ? dp->in : dp->out;
}

struct dp_sa *dp_sa_find(struct dataplane *dp, bool inbound, uint32_t spi)
{
	struct dp_sa *sa = table_of(dp, inbound)[bucket_of(spi)];

	while (sa && sa->esp->spi != spi)
		sa = sa->next;
	return sa;
}

void dp_sa_count(struct dp_sa *sa, size_t inner_bytes, unsigned packets)
{
	struct timespec now;

	sa->stats.bytes += inner_bytes;
	sa->stats.packets += packets;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* 0 means "never": a packet in the first second after boot still counts. */
	sa->stats.last_packet = now.tv_sec > 0 ? (uint32_t)now.tv_sec : 1;
}

/* AES-GCM-16 or ChaCha20-Poly1305 without a separate integrity algorithm
 * (RFC 4106, RFC 7634), or AES-CBC (RFC 3602) with one of the HMACs of
 * RFC 2404 / RFC 4868.  keymat = encryption key (| AEAD salt) | integrity key. */
static bool integ_fits(unsigned encr, unsigned integ)
{
	switch (encr) {
	case ENCR_AES_GCM_16:
	case ENCR_CHACHA20_POLY1305:
		return integ == AUTH_NONE;
	case ENCR_AES_CBC:
		return integ == AUTH_HMAC_SHA1_96 || integ == AUTH_HMAC_SHA2_256_128 ||
		       integ == AUTH_HMAC_SHA2_384_192 || integ == AUTH_HMAC_SHA2_512_256;
	}
	return false;
}

static int check_params(const struct dp_sa_params *p)
{
	unsigned kb = p->encr_keybits;

	if (!integ_fits(p->encr, p->integ))
		return -EPROTONOSUPPORT;
	if (kb != 128 && kb != 192 && kb != 256)
		return -EINVAL;
	if (p->keymat_len != encr_keymat_len(p->encr, kb) + integ_key_len(p->integ) ||
	    p->keymat_len > sizeof(p->keymat))
		return -EINVAL;
	if (p->n_remote_ts > DP_MAX_TS || p->n_local_ts > DP_MAX_TS)
		return -EINVAL;
	return 0;
}

static void sa_free(struct dp_sa *sa)
{
	if (!sa)
		return;
	esp_sa_free(sa->esp);	/* the cipher objects wipe their keys */
	free(sa);
}

/* Build the SA (key schedule included) before taking the lock. */
static struct dp_sa *sa_new(const struct dp_sa_params *p, bool inbound, int *err)
{
	struct dp_sa *sa = calloc(1, sizeof(*sa));

	*err = -ENOMEM;
	if (!sa)
		return NULL;
	sa->esp = esp_sa_new_alg(p->spi, p->encr, p->encr_keybits, p->integ, p->keymat,
				 p->keymat_len);
	if (!sa->esp) {
		free(sa);
		return NULL;
	}
	sa->esp->esn = p->esn;
	sa->inbound = inbound;
	sa->tunnel = p->tunnel;
	sa->sock = p->sock;
	sa->peer = p->peer;
	sa->peer_len = sockaddr_len(&p->peer);
	*err = esp_sa_set_ts(sa->esp, p->remote_ts, p->n_remote_ts, p->local_ts, p->n_local_ts);
	if (*err) {
		sa_free(sa);
		return NULL;
	}
	return sa;
}

/* Under the write lock: refuse duplicates and dangling references. */
static int sa_link(struct dataplane *dp, struct dp_sa *sa, bool make_current)
{
	struct dp_sa **head = &table_of(dp, sa->inbound)[bucket_of(sa->esp->spi)];
	struct dp_tunnel *t = dp_tunnel_find(dp, sa->tunnel);

	if (dp_sa_find(dp, sa->inbound, sa->esp->spi))
		return -EEXIST;
	if (!t || (!sa->inbound && !dp_sock_find(dp, sa->sock)))
		return -ENOENT;
	sa->next = *head;
	*head = sa;
	if (!sa->inbound && make_current)
		t->out = sa;
	return 0;
}

static int sa_add(struct dataplane *dp, const struct dp_sa_params *p, bool inbound)
{
	struct dp_sa *sa;
	int r = check_params(p);

	if (r)
		return r;
	if (!inbound && !sockaddr_len(&p->peer))
		return -EAFNOSUPPORT;
	sa = sa_new(p, inbound, &r);
	if (!sa)
		return r;
	pthread_rwlock_wrlock(&dp->lock);
	r = sa_link(dp, sa, !p->standby);
	pthread_rwlock_unlock(&dp->lock);
	if (r)
		sa_free(sa);
	return r;
}

int dp_sa_add_inbound(struct dataplane *dp, const struct dp_sa_params *p)
{
	return sa_add(dp, p, true);
}

int dp_sa_add_outbound(struct dataplane *dp, const struct dp_sa_params *p)
{
	return sa_add(dp, p, false);
}

/* Under the write lock: take sa out of its chain and out of any tunnel. */
static struct dp_sa *sa_unlink(struct dataplane *dp, bool inbound, uint32_t spi)
{
	struct dp_sa **pp = &table_of(dp, inbound)[bucket_of(spi)];
	struct dp_sa *sa;

	while (*pp && (*pp)->esp->spi != spi)
		pp = &(*pp)->next;
	sa = *pp;
	if (!sa)
		return NULL;
	*pp = sa->next;
	for (struct dp_tunnel *t = dp->tunnels; t; t = t->next)
		if (t->out == sa)
			t->out = NULL;
	return sa;
}

int dp_sa_remove(struct dataplane *dp, bool inbound, uint32_t spi)
{
	struct dp_sa *sa;

	/* The write lock waits out any packet the data threads are handling
	 * with this SA, so freeing it afterwards is safe. */
	pthread_rwlock_wrlock(&dp->lock);
	sa = sa_unlink(dp, inbound, spi);
	pthread_rwlock_unlock(&dp->lock);
	if (!sa)
		return -ENOENT;
	sa_free(sa);
	return 0;
}

int dp_sa_set_peer(struct dataplane *dp, uint32_t spi, const struct sockaddr_storage *peer,
		   int sock)
{
	socklen_t len = sockaddr_len(peer);
	struct dp_sa *sa;
	int r = -ENOENT;

	if (!len)
		return -EAFNOSUPPORT;
	pthread_rwlock_wrlock(&dp->lock);
	sa = dp_sa_find(dp, false, spi);
	if (sa && dp_sock_find(dp, sock)) {
		sa->peer = *peer;
		sa->peer_len = len;
		sa->sock = sock;
		r = 0;
	}
	pthread_rwlock_unlock(&dp->lock);
	return r;
}

int dp_sa_get_stats(struct dataplane *dp, bool inbound, uint32_t spi, struct dp_sa_stats *out)
{
	struct dp_sa *sa;

	pthread_rwlock_wrlock(&dp->lock);
	sa = dp_sa_find(dp, inbound, spi);
	if (sa) {
		*out = sa->stats;
		out->esn = sa->esp->esn;
	}
	pthread_rwlock_unlock(&dp->lock);
	return sa ? 0 : -ENOENT;
}

void dp_sa_free_all(struct dataplane *dp)
{
	for (int inbound = 0; inbound <= 1; inbound++) {
		struct dp_sa **table = table_of(dp, inbound);

		for (unsigned i = 0; i < DP_SA_BUCKETS; i++) {
			while (table[i]) {
				struct dp_sa *sa = table[i];

				table[i] = sa->next;
				sa_free(sa);
			}
		}
	}
}

int dp_sa_prefer_outbound(struct dataplane *dp, uint32_t spi)
{
	struct dp_sa *sa;
	struct dp_tunnel *t = NULL;

	pthread_rwlock_wrlock(&dp->lock);
	sa = dp_sa_find(dp, false, spi);
	if (sa && (t = dp_tunnel_find(dp, sa->tunnel)))
		t->out = sa;	/* its sequence number carries on: no IV reuse */
	pthread_rwlock_unlock(&dp->lock);
	return sa && t ? 0 : -ENOENT;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The IKE engine's API, for the glue (daemon/) and the tests: the engine,
 * what it needs from the world (struct ike_io), and what it can be asked.
 * The engine never touches a socket, TUN or netlink: it sends through ike_io
 * and installs Child SAs through it, so two engines can talk to each other
 * inside one process in tests.  What an SA holds is in daemon/ike/sa.h,
 * read-only outside the engine; the engine's own functions are in
 * daemon/ike/engine.h. */
#ifndef MCVPN_IKE_H
#define MCVPN_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "daemon/ike/cookie.h"

struct child_sa;
struct conn;

/* Why an IKE SA ended, as a failure or not (ike_down.fail; the metrics'
 * reason label: ike_fail_name). */
enum ike_fail {
	IKE_FAIL_NONE,		/* no failure: deleted by us or by the peer, replaced, removed */
	IKE_FAIL_TIMEOUT,	/* no answer: retransmissions spent, a state's deadline */
	IKE_FAIL_DPD,		/* the peer declared dead (dead peer detection) */
	IKE_FAIL_AUTH,		/* authentication failed, either way; the peer's ID not rightid */
	IKE_FAIL_PROPOSAL,	/* no common proposal, DH group or traffic selectors */
	IKE_FAIL_REFUSED,	/* the peer answered another error notify */
	IKE_FAIL_PROTOCOL,	/* the peer broke the protocol (payloads, its KE value) */
	IKE_FAIL_EXPIRED,	/* the IKE SA's lifetime ended without a rekey */
	IKE_FAIL_LOCAL,		/* we failed: memory, building a message, cannot initiate */
	IKE_FAIL_COUNT
};
/* "none", "timeout", "dpd", "auth", "proposal", "refused", "protocol",
 * "expired", "local". */
const char *ike_fail_name(enum ike_fail f);
struct event_base;
struct ike_sa;

/* Why a conn lost its last IKE SA (ike_io.conn_down). */
struct ike_down {
	const char *why;		/* static text for the log and status */
	bool wait_for_peer;		/* dpdaction=clear|hold: no retry until the peer comes */
	bool again_soon;		/* dpdaction=restart: retry at once, backoff from zero */
	enum ike_fail fail;		/* IKE_FAIL_NONE when nothing failed */
	const struct ike_sa *sa;	/* borrowed, for the call only: the IKE SA that went
					 * (its addresses, SPIs, Child SA); NULL: none (the
					 * glue's own failures) */
};

enum ike_rekey_what { IKE_REKEY_CHILD, IKE_REKEY_IKE };
/* Who or what started a rekey (ike_rekeyed.by): the SA's lifetime
 * (salifetime=, ikelifetime=), the packets sent on a Child SA (2^31), an
 * operator (mcvpnctl rekey), the peer. */
enum ike_rekey_by {
	IKE_REKEY_BY_LIFETIME, IKE_REKEY_BY_VOLUME, IKE_REKEY_BY_HAND, IKE_REKEY_BY_PEER,
	IKE_REKEY_BY_COUNT
};
/* "lifetime", "volume", "manual", "peer". */
const char *ike_rekey_by_name(enum ike_rekey_by by);

/* A rekey that completed (ike_io.conn_rekeyed). */
struct ike_rekeyed {
	enum ike_rekey_what what;
	const struct ike_sa *sa;	/* borrowed, for the call only: the IKE SA (after an
					 * IKE SA rekey, the new one) */
	const struct child_sa *child;	/* borrowed, for the call only: the new Child SA
					 * (Child SA rekey), or the one the IKE SA carries
					 * (IKE SA rekey; NULL: none) */
	enum ike_rekey_by by;		/* what started it */
};

/* What the engine needs from the world (set by the daemon, or by a test). */
struct ike_io {
	void *arg;
	/* Send one IKE message; natt adds the non-ESP marker on port 4500. */
	int (*send)(void *arg, const struct sockaddr_storage *local,
		    const struct sockaddr_storage *remote, bool natt, const uint8_t *msg,
		    size_t len);
	/* Install (both directions) / remove a Child SA in the data plane. */
	int (*child_up)(void *arg, struct conn *conn, const struct child_sa *child);
	void (*child_down)(void *arg, struct conn *conn, const struct child_sa *child);
	/* Make this (installed) Child SA the one the tunnel sends on. */
	void (*child_prefer)(void *arg, struct conn *conn, const struct child_sa *child);
	/* Seconds since the Child SA last received a good packet (huge if never). */
	double (*child_idle)(void *arg, struct conn *conn, const struct child_sa *child);
	/* Packets sent on the Child SA's outbound SA so far. */
	uint64_t (*child_sent)(void *arg, struct conn *conn, const struct child_sa *child);
	/* An IKE SA of the conn is established (retries and holds are over). */
	void (*conn_up)(void *arg, struct conn *conn);
	/* A rekey of the conn's Child SA or IKE SA completed (both of a
	 * collision's, each with its own by). */
	void (*conn_rekeyed)(void *arg, struct conn *conn, const struct ike_rekeyed *r);
	/* The conn has no working IKE SA any more (failed or deleted); down says
	 * why and, after a dead peer, what dpdaction= asks of the glue. */
	void (*conn_down)(void *arg, struct conn *conn, const struct ike_down *down);
	/* The peer of sa is at sa->remote now (and we at sa->local): the outbound
	 * ESP of its Child SAs goes there. */
	void (*peer_moved)(void *arg, struct conn *conn, const struct ike_sa *sa);
	/* Send one NAT-T keepalive (RFC 3948 2.3) of conn's IKE SA from local to
	 * remote (port 4500). */
	int (*send_keepalive)(void *arg, struct conn *conn, const struct sockaddr_storage *local,
			      const struct sockaddr_storage *remote);
};

#define IKE_NONCE_LEN 32	/* ours: half the key size of our largest PRF, SHA2-512 (RFC 7296 2.10) */

/* Admission of IKE_SA_INIT requests (ike/admit.c), the defaults. */
#define IKE_COOKIE_THRESHOLD_PEER 5	/* half-open SAs from one address: COOKIEs for it */
#define IKE_HALFOPEN_MAX_PEER 10	/* cap per peer address, cookie or not */
#define IKE_HALFOPEN_MAX 256		/* cap in all */
#define IKE_INIT_MAX_LEN 3000		/* longest IKE_SA_INIT request we keep a copy of */

struct ike_admit_rate {			/* admitted requests that failed, recently */
	double start;			/* ike_engine_now() when cur began */
	unsigned cur, prev;		/* this window's and the previous one's */
};

/* Every IKE SA by the SPI we chose (what a message's header names for us),
 * and responder SAs by the initiator's SPI (IKE_SA_INIT retransmissions):
 * a lookup costs one short chain, not a scan of every SA. */
#define IKE_SA_BUCKETS 256
struct ike_sa_index {
	struct ike_sa *ours[IKE_SA_BUCKETS];
	struct ike_sa *peers[IKE_SA_BUCKETS];
	uint64_t key;			/* random: the initiator's SPI is the peer's choice */
};

struct ike_engine {
	struct event_base *base;	/* borrowed */
	struct ike_io io;
	struct ike_sa *sas;		/* owned list */
	struct conn **conns;		/* borrowed array, for responder lookups */
	size_t n_conns;
	unsigned next_serial;
	struct ike_sa_index index;
	/* RFC 7296 2.6: with a load (half-open responder SAs plus admitted requests
	 * that failed lately) this high or more (0: always), or this many half-open
	 * SAs from one address, an IKE_SA_INIT request needs a valid COOKIE */
	unsigned cookie_threshold, cookie_threshold_peer;
	unsigned halfopen_max, halfopen_max_peer;	/* caps, cookie or not */
	unsigned n_halfopen;		/* responder SAs in IKE_SA_INIT answered */
	struct ike_admit_rate init_fails;
	uint64_t cookies_sent;		/* requests answered with a COOKIE */
	uint64_t halfopen_refused;	/* requests refused at a cap */
	unsigned nonce_len;		/* of the nonces we send: IKE_NONCE_LEN by default
					 * (tests send the longest the RFC allows) */
	struct ike_cookies cookies;	/* owned: the secrets */
};

void ike_engine_init(struct ike_engine *eng, struct event_base *base, const struct ike_io *io);
/* Frees every SA (without sending anything) and wipes the cookie secrets. */
void ike_engine_clear(struct ike_engine *eng);
void ike_engine_set_conns(struct ike_engine *eng, struct conn **conns, size_t n);

/* Start an IKE SA (and its Child SA) for conn as initiator. 0 or -1. */
int ike_engine_initiate(struct ike_engine *eng, struct conn *conn);
/* One received IKE message (marker already stripped). natt: it came on port 4500. */
void ike_receive(struct ike_engine *eng, const struct sockaddr_storage *local,
		 const struct sockaddr_storage *remote, bool natt, const uint8_t *buf, size_t len);
/* An ESP packet of our inbound SA spi_in authenticated, coming from remote to
 * local, where its IKE SA's peer is not: check whether the peer moved there
 * (ike/move.c).  The data plane reports it at most once a second per SA. */
void ike_move_peer_seen(struct ike_engine *eng, uint32_t spi_in,
			const struct sockaddr_storage *local,
			const struct sockaddr_storage *remote);
/* Send DELETE for every established IKE SA of conn (NULL: all) and drop them. */
void ike_engine_delete_conn(struct ike_engine *eng, struct conn *conn);
/* The same, with the reason the log gives. */
void ike_engine_delete_conn_why(struct ike_engine *eng, struct conn *conn, const char *why);

/* Responder SAs that IKE_SA_INIT made and IKE_AUTH has not completed yet. */
unsigned ike_sa_count_halfopen(const struct ike_engine *eng);

/* Monotonic seconds, the engine's clock (lifetimes, liveness, retries). */
double ike_engine_now(void);
/* Seconds since anything authenticated (IKE or ESP) came from sa's peer. */
double ike_dpd_silence(struct ike_sa *sa);

enum ike_request_err {
	IKE_REQ_OK = 0,
	IKE_REQ_NOT_UP = -1,		/* the conn has no established IKE SA */
	IKE_REQ_NO_CHILD = -2,		/* ... or no Child SA to rekey */
};
/* Rekey conn's Child SA or IKE SA now (mcvpnctl rekey; the lifetime timers
 * do the same): started at once, or when the exchange window frees. */
enum ike_request_err ike_engine_request_rekey(struct ike_engine *eng, struct conn *conn,
					      enum ike_rekey_what what);

#endif

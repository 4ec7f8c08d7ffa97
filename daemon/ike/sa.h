/* SPDX-License-Identifier: Apache-2.0 */
/* IKE and Child SA objects and their explicit states.  Read-only outside the
 * engine (daemon/ike/): the glue reads them for status and the data plane's
 * parameters; only the engine's files write them. */
#ifndef MCVPN_IKE_SA_H
#define MCVPN_IKE_SA_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "crypto/keymat.h"
#include "daemon/ike/ike.h"
#include "daemon/ikemsg/msg.h"

struct conn;
struct dh;
struct event;
struct secret;

enum ike_state {
	IKE_S_NEW,		/* just made, not yet in a state below */
	IKE_S_INIT_SENT,	/* initiator: IKE_SA_INIT request out */
	IKE_S_AUTH_SENT,	/* initiator: IKE_AUTH request out */
	IKE_S_INIT_DONE,	/* responder: IKE_SA_INIT answered, waiting for IKE_AUTH */
	IKE_S_ESTABLISHED,
	IKE_S_DELETING,		/* our DELETE is out */
	IKE_S_DEAD,		/* freed at the next loop turn */
};
const char *ike_state_name(enum ike_state s);

enum ike_pending {		/* what our outstanding request is */
	PEND_NONE, PEND_INIT, PEND_AUTH, PEND_DELETE, PEND_INFO,
	PEND_REKEY_CHILD, PEND_REKEY_IKE, PEND_DELETE_CHILD, PEND_DPD,
	PEND_PROBE,		/* a liveness check at the peer's new address (ike/move.c) */
};

/* Work waiting for the exchange window (window size 1): ike/exchange.c's
 * ike_exchange_run_queue starts the most important first. */
struct ike_queue {
	bool delete_ike;		/* send DELETE once the outstanding exchange ends */
	bool probe;			/* a liveness check, to alt_remote too (ike/move.c) */
	uint32_t delete_child;		/* spi_in of a Child SA to delete; 0 none */
	uint32_t delete_spi;		/* our inbound SPI of a Child SA the peer made in a rekey
					 * whose answer we could not use: delete it there */
	bool rekey_ike;
	uint32_t rekey_child;		/* spi_in of a Child SA due for rekey; 0 none */
	uint8_t rekey_ike_by, rekey_child_by;	/* enum ike_rekey_by: what asked for each */
	bool dpd;
};

/* A CREATE_CHILD_SA (or Child SA DELETE) we initiated, while it is in flight,
 * and the IKE SA rekey collision state (RFC 7296 2.8.2). */
struct ike_rekey_out {
	struct dh *dh;			/* owned */
	uint8_t ni[IKE_NONCE_MAX];
	size_t nilen;
	uint32_t spi_in;		/* Child rekey: our new inbound SPI */
	uint64_t spi;			/* IKE rekey: our new IKE SPI */
	uint32_t old;			/* Child rekey: spi_in of the Child SA being rekeyed */
	unsigned group;			/* DH group to use (after INVALID_KE_PAYLOAD) */
	uint32_t del;			/* spi_in of the Child SA our DELETE is about */
	uint64_t passive;		/* our SPI of the new IKE SA the peer's rekey made while
					 * ours was out; 0 none */
	bool held;			/* this SA was made by a rekey that crossed ours: holds
					 * the Child SAs, sends and hears nothing until our
					 * rekey's outcome says which new IKE SA survives */
	uint8_t by;			/* enum ike_rekey_by of our rekey in flight */
};

/* An encrypted message arriving in Encrypted Fragments (RFC 7383 2.6,
 * ike/frag.c): each piece is stored decrypted, only after its own integrity
 * check passed.  One message per direction of the SA at a time (the peer's
 * request, the answer to ours), bounded in pieces and bytes. */
#define IKE_FRAG_MAX 32			/* Total Fragments we reassemble, at most */
#define IKE_FRAG_MAX_BYTES 16384	/* decrypted bytes of one message, at most */
#define IKE_FRAG_TIMEOUT_S 30		/* from its first fragment to the last */
struct ike_frag_rx {
	bool active;
	uint32_t msgid;
	uint8_t exchange;
	uint16_t total, have;
	uint8_t first_inner;		/* from fragment 1 */
	size_t bytes;
	uint8_t *piece[IKE_FRAG_MAX];	/* owned, wiped when freed; by number - 1 */
	uint16_t piece_len[IKE_FRAG_MAX];
	struct event *ev;		/* owned: the timeout; made at first use */
	struct ike_sa *sa;		/* borrowed: the owner, for the timeout */
};

struct child_sa {
	struct ike_sa *ike;		/* owner */
	struct child_sa *next;		/* in ike->children */
	unsigned serial;		/* #N in trafficstatus */
	uint32_t spi_in, spi_out;	/* host order */
	unsigned encr, encr_keybits, integ;
	bool esn;			/* extended sequence numbers (RFC 4304) */
	struct secret *key_in, *key_out;	/* owned */
	struct ike_ts ts_local[IKE_MAX_TS], ts_remote[IKE_MAX_TS];
	uint8_t n_ts_local, n_ts_remote;
	time_t add_time;		/* wall clock, for trafficstatus */
	bool installed;
	bool out_standby;		/* rekey responder: outbound installed, not yet used */
	bool we_initiated;		/* of the exchange that created it: selects i2r/r2i */
	bool deleting;			/* our DELETE for it is out / it was replaced */
	uint32_t replaces;		/* spi_in of the Child SA this one rekeyed; 0 none */
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];	/* of the creating exchange (collisions) */
	size_t nilen, nrlen;
	struct event *rekey_ev, *expire_ev, *switch_ev, *volume_ev;	/* owned */
	unsigned switch_ticks;		/* seconds waited for the initiator to switch */
	double rekey_at;		/* ike_engine_now() when its rekey is due; 0 none */
};

struct ike_sa {
	struct ike_engine *eng;		/* borrowed */
	struct conn *conn;		/* borrowed; the conn this SA serves */
	struct ike_sa *next;		/* engine list */
	uint64_t our_spi;		/* spii as initiator, spir as responder: the index key */
	struct ike_sa *by_ours, *by_peer;	/* index chains (ike/sa.c) */
	bool peer_indexed;		/* in the index by the initiator's SPI too */
	unsigned serial;
	bool initiator;
	enum ike_state state;
	uint64_t spii, spir;
	struct sockaddr_storage local, remote;
	bool natt;			/* on port 4500 with the non-ESP marker */
	bool nat_local, nat_remote;	/* NAT detected in front of us / the peer */

	struct ike_alg alg;
	unsigned dh_group;
	struct dh *dh;			/* owned, freed once the keys exist */
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t nilen, nrlen;
	struct ike_keys keys;		/* owned */
	uint8_t *init_req, *init_resp;	/* owned: the IKE_SA_INIT messages, for AUTH */
	size_t init_req_len, init_resp_len;
	uint8_t *cookie;		/* owned: COOKIE notify data to echo */
	size_t cookie_len;
	unsigned init_restarts;		/* after COOKIE / INVALID_KE_PAYLOAD */

	/* exchanges (window size 1) */
	uint32_t next_msgid;		/* our next request */
	uint32_t peer_msgid;		/* the peer request we expect next */
	enum ike_pending pending;
	uint8_t *req;			/* owned: our outstanding request, for retransmission */
	size_t req_len;
	struct sockaddr_storage req_local, req_remote;	/* where it goes */
	bool req_alt;			/* and, while the peer may have moved (ike/move.c), */
	struct sockaddr_storage alt_local, alt_remote;	/* here too */
	struct sockaddr_storage reply_local, reply_remote;	/* where the request being
					 * handled came from: its response goes there (2.11) */
	bool reply_natt;		/* ... and whether on port 4500 (with the marker) */
	unsigned retries;
	struct event *retx_ev;		/* owned */
	uint8_t *resp;			/* owned: our last response, for duplicate requests */
	size_t resp_len;
	/* req and resp hold one message, or its fragments back to back (each a
	 * whole IKE message with its own length): sent and resent all together */
	bool frag;			/* both sides sent IKEV2_FRAGMENTATION_SUPPORTED */
	uint8_t peer_sig_hashes;	/* the peer's SIGNATURE_HASH_ALGORITHMS (RFC 7427 4):
					 * 1 << enum sig_hash for each; 0 none sent */
	bool peer_certreq;		/* the peer sent a CERTREQ (leftsendcert=ifasked) */
	bool certreq_sent;		/* we sent one */
	char peer_auth[240];		/* how the peer authenticated, for status: "pre-shared
					 * key", or its certificate's subject and algorithm */
	struct ike_frag_rx frag_rx[2];	/* [0] the peer's request, [1] a response */

	struct child_sa *children;	/* owned list */
	struct child_sa *child;		/* borrowed from children: the one carrying traffic */
	uint32_t child_spi_in;		/* initiator: SPI offered in IKE_AUTH */

	struct ike_rekey_out rk;	/* our CREATE_CHILD_SA (or DELETE) in flight */
	struct ike_queue want;		/* work waiting for the exchange window */
	struct event *rekey_ev, *expire_ev, *dpd_ev;	/* owned: IKE SA lifetime, liveness */
	struct event *keepalive_ev;	/* owned: NAT-T keepalives */
	struct timespec last_rx;	/* CLOCK_MONOTONIC of the last authenticated message */
	bool rekeyed;			/* replaced by a rekey: no rekey, DPD or takeover of it */
	struct ike_sa *rekeyed_to;	/* borrowed: the SA it was rekeyed into; NULL once
					 * that one is freed (ike/sa.c) */
	double rekey_at;		/* ike_engine_now() when its rekey is due; 0 none */
	time_t established;		/* wall clock */
	bool authenticated;		/* the peer's AUTH verified (or a rekey made it) */
	struct event *free_ev;		/* owned: deferred free */
	struct event *state_ev;		/* owned: the state's deadline (ike/state.c) */
	const char *down_why;		/* static: reported instead of the kill reason */
	enum ike_fail fail;		/* why it failed (ike_sa_fail), for ike_down */
	bool down_wait, down_soon;	/* for ike_down (a dead peer's dpdaction) */
	unsigned est_mark;		/* eng->next_serial when established, for INITIAL_CONTACT */
};

#endif

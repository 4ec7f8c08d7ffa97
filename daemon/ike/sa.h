/* IKE and Child SA objects, their explicit states, and the engine that owns
 * them.  The engine never touches a socket, TUN or netlink: it sends through
 * ike_io callbacks and installs Child SAs through them, so two engines can
 * talk to each other inside one process in tests. */
#ifndef MCVPN_IKE_SA_H
#define MCVPN_IKE_SA_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "crypto/keymat.h"
#include "daemon/conn.h"
#include "daemon/ike/cookie.h"
#include "daemon/ikemsg/msg.h"
#include "daemon/base/log.h"

struct conf_conn;
struct conn;
struct dh;
struct event;
struct event_base;
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

/* ike/state.c: the legal moves and how long each state may last. */
#define IKE_SETUP_DEADLINE_S 90		/* IKE_SA_INIT / IKE_AUTH sent, deleting: after the
					 * retransmissions (63.5 s), a backstop */
#define IKE_HALFOPEN_TIMEOUT_S 30	/* responder: IKE_SA_INIT answered, no IKE_AUTH */
struct ike_sa;
/* Move sa to state to (logged at debug), arming that state's deadline; an
 * illegal move is refused (-1, logged as an error) and changes nothing. */
int ike_sa_set_state(struct ike_sa *sa, enum ike_state to);
/* Whether an SA in state s takes a request (response false) or a response of
 * this exchange type; anything else is dropped unread. */
bool ike_state_accepts(enum ike_state s, uint8_t exchange, bool response);

enum ike_pending {		/* what our outstanding request is */
	PEND_NONE, PEND_INIT, PEND_AUTH, PEND_DELETE, PEND_INFO,
	PEND_REKEY_CHILD, PEND_REKEY_IKE, PEND_DELETE_CHILD, PEND_DPD,
	PEND_PROBE,		/* a liveness check at the peer's new address (ike/move.c) */
};

struct child_sa {
	struct ike_sa *ike;		/* owner */
	struct child_sa *next;		/* in ike->children */
	unsigned serial;		/* #N in trafficstatus */
	uint32_t spi_in, spi_out;	/* host order */
	unsigned encr, encr_keybits, integ;
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
	double rekey_at;		/* ike_now() when its rekey is due; 0 none */
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
	unsigned retries;
	struct event *retx_ev;		/* owned */
	uint8_t *resp;			/* owned: our last response, for duplicate requests */
	size_t resp_len;
	bool delete_queued;		/* send DELETE once the outstanding exchange ends */

	struct child_sa *children;	/* owned list */
	struct child_sa *child;		/* borrowed from children: the one carrying traffic */
	uint32_t child_spi_in;		/* initiator: SPI offered in IKE_AUTH */

	/* a CREATE_CHILD_SA we initiated, while it is in flight */
	struct dh *rk_dh;		/* owned */
	uint8_t rk_ni[IKE_NONCE_MAX];
	size_t rk_nilen;
	uint32_t rk_spi_in;		/* Child rekey: our new inbound SPI */
	uint64_t rk_spi;		/* IKE rekey: our new IKE SPI */
	uint64_t rk_passive;		/* IKE rekey collision (RFC 7296 2.8.2): our SPI of the new
					 * IKE SA the peer's rekey made while ours was out; 0 none */
	uint32_t rk_old;		/* Child rekey: spi_in of the Child SA being rekeyed */
	unsigned rk_group;		/* DH group to use (after INVALID_KE_PAYLOAD) */
	/* work waiting for the exchange window (ike/exchange.c runs it) */
	bool want_rekey_ike, want_dpd;
	uint32_t want_rekey_child;	/* spi_in of a Child SA due for rekey; 0 none */
	uint32_t want_delete_child;	/* spi_in of a Child SA to delete; 0 none */
	uint32_t want_delete_spi;	/* our inbound SPI of a Child SA the peer made in a rekey
					 * whose answer we could not use: delete it there */
	bool want_probe;		/* a liveness check, to alt_remote too (ike/move.c) */
	uint32_t rk_del;		/* spi_in of the Child SA our DELETE is about */
	struct event *rekey_ev, *expire_ev, *dpd_ev;	/* owned: IKE SA lifetime, liveness */
	struct event *keepalive_ev;	/* owned: NAT-T keepalives */
	struct timespec last_rx;	/* CLOCK_MONOTONIC of the last authenticated message */
	bool rekeyed;			/* replaced by a rekey: no rekey, DPD or takeover of it */
	struct ike_sa *rekeyed_to;	/* borrowed: the SA it was rekeyed into; NULL once
					 * that one is freed (ike/sa.c) */
	bool rk_held;			/* made by a rekey that crossed ours: holds the Child SAs,
					 * sends and hears nothing until our rekey's outcome
					 * says which new IKE SA survives (ike/rekey_ike_sa.c) */
	double rekey_at;		/* ike_now() when its rekey is due; 0 none */
	time_t established;		/* wall clock */
	bool authenticated;		/* the peer's AUTH verified (or a rekey made it) */
	struct event *free_ev;		/* owned: deferred free */
	struct event *state_ev;		/* owned: the state's deadline (ike/state.c) */
	const char *down_why;		/* static: reported instead of the kill reason */
	unsigned est_mark;		/* eng->next_serial when established, for INITIAL_CONTACT */
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
	/* The conn has no working IKE SA any more (failed or deleted). */
	void (*conn_down)(void *arg, struct conn *conn, const char *why);
	/* The peer of sa is at sa->remote now (and we at sa->local): the outbound
	 * ESP of its Child SAs goes there. */
	void (*peer_moved)(void *arg, struct conn *conn, const struct ike_sa *sa);
	/* Send one NAT-T keepalive (RFC 3948 2.3) from local to remote (port 4500). */
	int (*send_keepalive)(void *arg, const struct sockaddr_storage *local,
			      const struct sockaddr_storage *remote);
};

/* Admission of IKE_SA_INIT requests (ike/admit.c), the defaults. */
#define IKE_COOKIE_THRESHOLD_PEER 5	/* half-open SAs from one address: COOKIEs for it */
#define IKE_HALFOPEN_MAX_PEER 10	/* cap per peer address, cookie or not */
#define IKE_HALFOPEN_MAX 256		/* cap in all */
#define IKE_INIT_MAX_LEN 3000		/* longest IKE_SA_INIT request we keep a copy of */

struct ike_admit_rate {			/* admitted requests that failed, recently */
	double start;			/* ike_now() when cur began */
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

#define IKE_NONCE_LEN 32	/* ours: half the key size of our largest PRF, SHA2-512 (RFC 7296 2.10) */

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
int ike_initiate(struct ike_engine *eng, struct conn *conn);
/* One received IKE message (marker already stripped). natt: it came on port 4500. */
void ike_receive(struct ike_engine *eng, const struct sockaddr_storage *local,
		 const struct sockaddr_storage *remote, bool natt, const uint8_t *buf, size_t len);
/* An ESP packet of our inbound SA spi_in authenticated, coming from remote to
 * local, where its IKE SA's peer is not: check whether the peer moved there
 * (ike/move.c).  The data plane reports it at most once a second per SA. */
void ike_peer_seen(struct ike_engine *eng, uint32_t spi_in, const struct sockaddr_storage *local,
		   const struct sockaddr_storage *remote);
/* Send DELETE for every established IKE SA of conn (NULL: all) and drop them. */
void ike_delete_conn(struct ike_engine *eng, struct conn *conn);
/* The same, with the reason the log gives. */
void ike_delete_conn_why(struct ike_engine *eng, struct conn *conn, const char *why);

/* ---- internal, shared by the ike_*.c files ---- */
/* A new SA in state IKE_S_NEW, indexed by our SPI: our_spi, or a random one
 * (not in use) when 0. */
struct ike_sa *ike_sa_new(struct ike_engine *eng, struct conn *conn, bool initiator,
			  uint64_t our_spi);
/* A responder SA's spii is set: index it for IKE_SA_INIT retransmissions. */
void ike_sa_index_peer(struct ike_sa *sa);
void ike_sa_kill(struct ike_sa *sa, const char *why);	/* children down, freed later */
struct ike_sa *ike_sa_find(struct ike_engine *eng, uint64_t spi, bool we_initiated);
struct ike_sa *ike_sa_find_halfopen(struct ike_engine *eng, uint64_t spii,
				    const struct sockaddr_storage *remote);
/* Responder SAs that IKE_SA_INIT made and IKE_AUTH has not completed yet. */
unsigned ike_sa_count_halfopen(const struct ike_engine *eng);

/* Which conn (ike/match.c). */
struct conf_id;
/* cfg is a conn between these addresses (local AF_UNSPEC: any) that answers. */
bool ike_match_addrs(const struct conf_conn *cfg, const struct sockaddr_storage *local,
		     const struct sockaddr_storage *remote);
bool ike_match_id(const struct pl_data *got, const struct conf_id *want);
/* The conn an IKE_AUTH request belongs to, by IDi (and IDr), the IKE SA's
 * algorithms and the selectors; NULL when no conn's rightid is IDi. */
struct conn *ike_match_auth(const struct ike_sa *sa, const struct ike_msg *msg);

/* IKE_SA_INIT admission (ike/admit.c). */
void ike_admit_init_defaults(struct ike_engine *eng);
/* Whether the request may make a half-open SA; if not, it was answered with a
 * COOKIE or refused at a cap (rate-limited line). */
bool ike_admit_init(struct ike_engine *eng, const struct sockaddr_storage *local,
		    const struct sockaddr_storage *remote, bool natt, const struct ike_msg *msg);
/* An admitted request failed before its SA was made (bad KE, no proposal). */
void ike_admit_failed(struct ike_engine *eng);
/* Half-open SAs plus recent failures: what the COOKIE threshold weighs. */
unsigned ike_admit_load(struct ike_engine *eng);
/* A stateless answer of one notify to an IKE_SA_INIT request, on the socket
 * it came in on. */
void ike_admit_notify(struct ike_engine *eng, const struct sockaddr_storage *local,
		      const struct sockaddr_storage *remote, bool natt, const struct ike_msg *req,
		      uint16_t type, const uint8_t *data, size_t len);
void ike_sa_established(struct ike_sa *sa);

/* Requests and responses (ike/exchange.c). */
/* Our request (a copy is kept), to the SA's addresses and, with req_alt, to
 * alt_remote too; retransmitted the same way until answered. */
int ike_send_request(struct ike_sa *sa, enum ike_pending what, const uint8_t *msg, size_t len);
void ike_request_done(struct ike_sa *sa);	/* answered: finish, then run the queue */
/* Answered, without running the queue (the handler runs it when it is safe). */
void ike_request_finish(struct ike_sa *sa);
int ike_send_response(struct ike_sa *sa, const uint8_t *msg, size_t len);
int ike_send_raw(struct ike_engine *eng, const struct sockaddr_storage *local,
		 const struct sockaddr_storage *remote, bool natt, const uint8_t *msg, size_t len);
/* Header for a new message of this SA. */
void ike_sa_hdr(const struct ike_sa *sa, struct ike_hdr *h, uint8_t exchange, bool response,
		uint32_t msgid);
/* Keys for sending / receiving in this SA's role. */
struct ike_crypt_keys;
void ike_sa_keys_out(const struct ike_sa *sa, struct ike_crypt_keys *k);
void ike_sa_keys_in(const struct ike_sa *sa, struct ike_crypt_keys *k);
/* Seal and send an encrypted request/response built in b. */
int ike_sa_send_sealed(struct ike_sa *sa, struct ike_msgb *b, bool response, enum ike_pending what);

/* Shared pieces (ike/common.c). */
struct dh;
int ike_add_ke(struct ike_msgb *b, const struct dh *dh);
/* An encrypted response of one notify (type 0: empty) to the current request. */
void ike_respond_notify(struct ike_sa *sa, uint8_t exchange, uint16_t type, const uint8_t *data,
			size_t len);
void ike_put_spi32(uint8_t out[4], uint32_t v);
uint32_t ike_get_spi32(const uint8_t *p);
void ike_put_spi64(uint8_t out[8], uint64_t v);
uint64_t ike_get_spi64(const uint8_t *p);
/* Nonces compared as RFC 7296 2.8.1 compares them (shorter is lower on a tie). */
int ike_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* The lower of an exchange's two nonces (borrowed: ni or nr), its length in *len. */
const uint8_t *ike_nonce_lower(const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
			       size_t *len);

/* Exchange handlers. */
int ike_init_start(struct ike_sa *sa);
void ike_init_respond(struct ike_engine *eng, const struct sockaddr_storage *local,
		      const struct sockaddr_storage *remote, bool natt, struct ike_msg *msg);
void ike_init_process_response(struct ike_sa *sa, struct ike_msg *msg);
int ike_auth_start(struct ike_sa *sa);
void ike_auth_respond(struct ike_sa *sa, struct ike_msg *msg);
void ike_auth_process_response(struct ike_sa *sa, struct ike_msg *msg);
void ike_info_respond(struct ike_sa *sa, struct ike_msg *msg);
void ike_info_process_response(struct ike_sa *sa, struct ike_msg *msg);
int ike_info_send_delete(struct ike_sa *sa);

/* Child SAs (child_sa.c). */
struct proposal_choice;
/* Keys from SK_d, [g^ir,] and the creating exchange's nonces; we_initiated selects
 * which half is ours. Added to sa->children. */
struct child_sa *child_sa_new(struct ike_sa *sa, const struct proposal_choice *c,
			      uint32_t spi_in, bool we_initiated, const uint8_t *ni, size_t nilen,
			      const uint8_t *nr, size_t nrlen, const struct secret *gir);
void child_sa_free(struct child_sa *c);
/* A random SPI outside the reserved 1-255; 0 on failure. */
uint32_t child_spi_new(void);
void child_sa_set_ts(struct child_sa *ch, const struct ike_ts *l, size_t nl,
		     const struct ike_ts *r, size_t nr);
/* Unlink from its IKE SA, remove from the data plane, free. */
void child_sa_destroy(struct child_sa *c);
int child_sa_install(struct ike_sa *sa, struct child_sa *c);
void child_sa_uninstall(struct ike_sa *sa, struct child_sa *c);
struct child_sa *child_sa_by_spi_in(struct ike_sa *sa, uint32_t spi);
struct child_sa *child_sa_by_spi_out(struct ike_sa *sa, uint32_t spi);
/* Make c the Child SA carrying traffic (its outbound SA the tunnel's current one). */
void child_sa_use(struct ike_sa *sa, struct child_sa *c);
/* Arm the rekey and hard-expiry timers from salifetime (initiator rekeys earlier). */
void child_sa_start_timers(struct child_sa *c);
/* Move every Child SA of from to to (IKE SA rekey). */
void child_sa_move_all(struct ike_sa *from, struct ike_sa *to);

/* Rekeying and liveness (ike/rekey_child_sa.c, ike/rekey_ike_sa.c, ike/dpd.c). */
int ike_rekey_child_start(struct ike_sa *sa, uint32_t spi_in);
void ike_rekey_child_response(struct ike_sa *sa, struct ike_msg *msg);
int ike_rekey_ike_start(struct ike_sa *sa);
void ike_rekey_ike_response(struct ike_sa *sa, struct ike_msg *msg);
void ike_create_child_respond(struct ike_sa *sa, struct ike_msg *msg);
void ike_rekey_ike_respond(struct ike_sa *sa, struct ike_msg *msg);
int ike_info_send_delete_child(struct ike_sa *sa, struct child_sa *c);
/* DELETE of an ESP SA by our inbound SPI alone (one the peer made that we
 * never installed); queued while a request is out. */
int ike_info_send_delete_spi(struct ike_sa *sa, uint32_t spi_in);
void ike_dpd_start(struct ike_sa *sa);
int ike_dpd_send(struct ike_sa *sa);
void ike_dpd_response(struct ike_sa *sa);
/* The peer is dead: end the SA and apply dpdaction to its conn. */
void ike_dpd_dead(struct ike_sa *sa);
/* Seconds since anything authenticated (IKE or ESP) came from the peer. */
double ike_dpd_silence(struct ike_sa *sa);
void ike_sa_start_timers(struct ike_sa *sa);
/* Run queued work (delete, rekeys, liveness) when no request is outstanding. */
void ike_sa_run_queue(struct ike_sa *sa);
/* Lifetime with libreswan's rekeymargin/rekeyfuzz: seconds until rekey. */
unsigned ike_rekey_after(const struct conf_conn *cfg, unsigned lifetime, bool initiator);
/* The peer's address (ike/move.c): an authenticated message from (remote,
 * local) on port 4500 (natt) or 500; response: it answers our request. */
void ike_move_seen(struct ike_sa *sa, const struct sockaddr_storage *local,
		   const struct sockaddr_storage *remote, bool natt, bool response);
int ike_move_probe_send(struct ike_sa *sa);
/* NAT-T keepalives while behind a NAT, every nat-keepalive seconds. */
void ike_keepalive_start(struct ike_sa *sa);
/* Monotonic seconds, for lifetimes and liveness. */
double ike_now(void);

#define IKE_SA_LOG(sa, prio, ...) ike_sa_log(sa, prio, __VA_ARGS__)
/* For what anyone who knows the SPIs can cause (log.h, log_limited). */
#define IKE_SA_LOG_LIMITED(sa, prio, ...)                              \
	do {                                                           \
		static struct log_limit limit_;                        \
		if (log_limit_pass(&limit_, prio))                     \
			ike_sa_log(sa, prio, __VA_ARGS__);             \
	} while (0)
void ike_sa_log(const struct ike_sa *sa, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif

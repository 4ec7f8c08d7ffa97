/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's own functions, shared by the files of daemon/ike/ (and by
 * white-box tests): SA objects, the state machine, exchanges, the handlers
 * of each exchange step.  The glue uses daemon/ike/ike.h. */
#ifndef MCVPN_IKE_ENGINE_H
#define MCVPN_IKE_ENGINE_H

#include "daemon/base/log.h"
#include "daemon/conn.h"
#include "daemon/ike/ike.h"
#include "daemon/ike/sa.h"

struct conf_conn;

/* ike/state.c: the legal moves and how long each state may last. */
#define IKE_SETUP_DEADLINE_S 90		/* IKE_SA_INIT / IKE_AUTH sent, deleting: after the
					 * retransmissions (63.5 s), a backstop */
#define IKE_HALFOPEN_TIMEOUT_S 30	/* responder: IKE_SA_INIT answered, no IKE_AUTH */
struct ike_sa;
/* Move sa to state to (logged at debug), arming that state's deadline; an
 * illegal move is refused (-1, logged as an error) and changes nothing. */
int ike_state_set(struct ike_sa *sa, enum ike_state to);
/* Whether an SA in state s takes a request (response false) or a response of
 * this exchange type; anything else is dropped unread. */
bool ike_state_accepts(enum ike_state s, uint8_t exchange, bool response);

/* A new SA in state IKE_S_NEW, indexed by our SPI: our_spi, or a random one
 * (not in use) when 0. */
struct ike_sa *ike_sa_new(struct ike_engine *eng, struct conn *conn, bool initiator,
			  uint64_t our_spi);
/* A responder SA's spii is set: index it for IKE_SA_INIT retransmissions. */
void ike_sa_index_peer(struct ike_sa *sa);
void ike_sa_kill(struct ike_sa *sa, const char *why);	/* children down, freed later */
/* The same for a failure: fail goes to the conn_down it may cause (the
 * first failure given for sa counts). */
void ike_sa_fail(struct ike_sa *sa, enum ike_fail fail, const char *why);
/* The failure an error notify from the peer stands for. */
enum ike_fail ike_fail_of_notify(uint16_t type);
void ike_sa_free_all(struct ike_engine *eng);	/* at once: the engine is going */
struct ike_sa *ike_sa_find(struct ike_engine *eng, uint64_t spi, bool we_initiated);
struct ike_sa *ike_sa_find_halfopen(struct ike_engine *eng, uint64_t spii,
				    const struct sockaddr_storage *remote);

/* Which conn (ike/match.c). */
struct conf_id;
/* cfg is a conn between these addresses (local AF_UNSPEC: any) that answers. */
bool ike_match_addrs(const struct conf_conn *cfg, const struct sockaddr_storage *local,
		     const struct sockaddr_storage *remote);
bool ike_match_id(const struct pl_data *got, const struct conf_id *want);
/* A configured ID for a log line, a DN quoted as a peer's is. */
const char *ike_id_text(const struct conf_id *id, char *buf, size_t len);
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
void ike_established(struct ike_sa *sa);

/* Payload rules (ike/rules.c): which payloads a kind of message may carry. */
enum ike_msg_kind {
	IKE_MK_INIT, IKE_MK_AUTH_REQ, IKE_MK_AUTH_RESP, IKE_MK_CHILD, IKE_MK_REKEY_IKE,
	IKE_MK_INFO,
};
enum ike_msg_kind ike_rules_kind(const struct ike_sa *sa, const struct ike_msg *msg,
				 bool response);
/* Sets msg->broken (and returns false) when a payload is not allowed, too
 * many, or missing (a response that refuses may lack them). */
bool ike_rules_check(struct ike_msg *msg, enum ike_msg_kind k, bool response);
/* The message carries at least one payload of this type. */
static inline bool ike_msg_has(const struct ike_msg *msg, uint8_t type)
{
	return msg->count[type - PL_FIRST] != 0;
}

/* Requests and responses (ike/exchange.c). */
/* Our request (a copy is kept), to the SA's addresses and, with req_alt, to
 * alt_remote too; retransmitted the same way until answered. */
int ike_exchange_send_request(struct ike_sa *sa, enum ike_pending what, const uint8_t *msg,
			      size_t len);
void ike_exchange_done(struct ike_sa *sa);	/* answered: finish, then run the queue */
/* Answered, without running the queue (the handler runs it when it is safe). */
void ike_exchange_finish(struct ike_sa *sa);
int ike_exchange_send_response(struct ike_sa *sa, const uint8_t *msg, size_t len);
int ike_exchange_send_raw(struct ike_engine *eng, const struct sockaddr_storage *local,
			  const struct sockaddr_storage *remote, bool natt, const uint8_t *msg,
			  size_t len);
/* A kept request or response: one message, or its fragments back to back,
 * each sent as its own datagram. */
int ike_exchange_send_msgs(struct ike_engine *eng, const struct sockaddr_storage *local,
			   const struct sockaddr_storage *remote, bool natt, const uint8_t *msgs,
			   size_t len);
/* Seal and send an encrypted request/response built in b. */
int ike_exchange_send_sealed(struct ike_sa *sa, struct ike_msgb *b, bool response,
			     enum ike_pending what);
/* An encrypted response of one notify (type 0: empty) to the current request. */
void ike_exchange_respond_notify(struct ike_sa *sa, uint8_t exchange, uint16_t type,
				 const uint8_t *data, size_t len);

/* IKE fragmentation (ike/frag.c, RFC 7383). */
struct ike_crypt_keys;
/* fragmentation= is not no: announce IKEV2_FRAGMENTATION_SUPPORTED. */
bool ike_frag_enabled(const struct ike_sa *sa);
/* b (built, not sealed) goes in fragments: negotiated, and force or too big
 * for a datagram of the path. */
bool ike_frag_wanted(const struct ike_sa *sa, const struct ike_msgb *b,
		     const struct ike_crypt_keys *k);
/* b's inner payloads sealed as fragments, back to back in *out (caller
 * frees), *out_len bytes in all; b's inner bytes are wiped.  0 or -1. */
int ike_frag_build(struct ike_sa *sa, struct ike_msgb *b, const struct ike_crypt_keys *k,
		   uint8_t **out, size_t *out_len);
/* A received message whose payload is SKF, past the message ID checks:
 * checked and stored (1: nothing more to do), dropped (-1), or the last
 * piece (0): the whole inner payload chain is in plain (*plain_len bytes)
 * and msg looks as if it came in one SK payload, for ike_msg_parse_inner. */
int ike_frag_receive(struct ike_sa *sa, struct ike_msg *msg, bool response, uint8_t *plain,
		     size_t cap, size_t *plain_len);
/* Reassembly state freed (the SA goes). */
void ike_frag_clear(struct ike_sa *sa);

/* Header for a new message of this SA (ike/sa.c). */
void ike_sa_hdr(const struct ike_sa *sa, struct ike_hdr *h, uint8_t exchange, bool response,
		uint32_t msgid);
/* Keys for sending / receiving in this SA's role. */
struct ike_crypt_keys;
void ike_sa_keys_out(const struct ike_sa *sa, struct ike_crypt_keys *k);
void ike_sa_keys_in(const struct ike_sa *sa, struct ike_crypt_keys *k);

/* The KE payload of our DH key (ike/ke.c). */
struct dh;
int ike_ke_add(struct ike_msgb *b, const struct dh *dh);
/* Nonces compared as RFC 7296 2.8.1 compares them (ike/nonce.c; shorter is
 * lower on a tie). */
int ike_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* The lower of an exchange's two nonces (borrowed: ni or nr), its length in *len. */
const uint8_t *ike_nonce_lower(const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
			       size_t *len);

/* Exchange handlers. */
int ike_init_start(struct ike_sa *sa);
void ike_init_respond(struct ike_engine *eng, const struct sockaddr_storage *local,
		      const struct sockaddr_storage *remote, bool natt, struct ike_msg *msg);
void ike_init_on_response(struct ike_sa *sa, struct ike_msg *msg);
int ike_auth_start(struct ike_sa *sa);

/* What the signer's AUTH covers (RFC 7296 2.15): its own first message,
 * the other side's nonce and its SK_p (SK_pi or SK_pr); with its ID
 * payload's body they make the signed octets, for a PSK and a signature
 * alike. */
struct ike_auth_in {
	const uint8_t *msg;
	size_t msglen;
	const uint8_t *nonce;
	size_t noncelen;
	const struct secret *sk_p;
};
struct ike_auth_in ike_auth_in(const struct ike_sa *sa, bool signer_is_initiator);

/* auth_sig.c: certificate authentication (authby= signatures). */
/* SIGNATURE_HASH_ALGORITHMS (RFC 7427 4) in IKE_SA_INIT: the hashes the
 * authby= of the conns it may serve allow (a responder's: every conn between
 * the addresses), SHA2-256/384/512 when none signs. */
void ike_sig_notify_add(const struct ike_sa *sa, struct ike_msgb *b);
/* The peer's: 1 << enum sig_hash for each hash it named; 0 when it sent none. */
uint8_t ike_sig_notify_read(const struct ike_msg *msg);
/* A CERTREQ naming the rightca= CAs of the conns it may serve (as above;
 * none with authby=secret or a pinned rightcert= alone). */
void ike_sig_certreq_add(struct ike_sa *sa, struct ike_msgb *b);
/* Our CERT payloads: leftcert= and its intermediates, as leftsendcert= says. */
void ike_sig_certs_add(const struct ike_sa *sa, struct ike_msgb *b);
/* Our AUTH's method and data (cap bytes), signed over our ID payload's body
 * idb; 0, or -1 (logged). */
int ike_sig_auth_make(struct ike_sa *sa, const uint8_t *idb, size_t idlen, uint8_t *method,
		      uint8_t *auth, size_t cap, size_t *len);
/* The peer's AUTH by its certificate: 0 (why says which certificate and
 * algorithm), or -1 with why. */
int ike_sig_verify(struct ike_sa *sa, const struct ike_msg *msg, bool peer_is_initiator,
		   char *why, size_t wl);
void ike_auth_respond(struct ike_sa *sa, struct ike_msg *msg);
void ike_auth_on_response(struct ike_sa *sa, struct ike_msg *msg);
void ike_info_respond(struct ike_sa *sa, struct ike_msg *msg);
void ike_info_on_response(struct ike_sa *sa, struct ike_msg *msg);
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
uint32_t child_sa_spi_new(void);
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
void ike_rekey_child_on_response(struct ike_sa *sa, struct ike_msg *msg);
int ike_rekey_ike_start(struct ike_sa *sa);
void ike_rekey_ike_on_response(struct ike_sa *sa, struct ike_msg *msg);
void ike_rekey_child_respond(struct ike_sa *sa, const struct ike_msg *msg);
void ike_rekey_ike_respond(struct ike_sa *sa, struct ike_msg *msg);
int ike_info_send_delete_child(struct ike_sa *sa, struct child_sa *c);
/* DELETE of an ESP SA by our inbound SPI alone (one the peer made that we
 * never installed); queued while a request is out. */
int ike_info_send_delete_spi(struct ike_sa *sa, uint32_t spi_in);
void ike_dpd_start(struct ike_sa *sa);
int ike_dpd_send(struct ike_sa *sa);
void ike_dpd_on_response(struct ike_sa *sa);
/* The peer is dead: end the SA and apply dpdaction to its conn. */
void ike_dpd_dead(struct ike_sa *sa);
void ike_lifetime_start(struct ike_sa *sa);
/* Run queued work (delete, rekeys, liveness) when no request is outstanding. */
void ike_exchange_run_queue(struct ike_sa *sa);
/* Lifetime with libreswan's rekeymargin/rekeyfuzz: seconds until rekey. */
unsigned ike_lifetime_rekey_after(const struct conf_conn *cfg, unsigned lifetime, bool initiator);
/* The peer's address (ike/move.c): an authenticated message from (remote,
 * local) on port 4500 (natt) or 500; response: it answers our request. */
void ike_move_seen(struct ike_sa *sa, const struct sockaddr_storage *local,
		   const struct sockaddr_storage *remote, bool natt, bool response);
int ike_move_probe_send(struct ike_sa *sa);
/* NAT-T keepalives while behind a NAT, every nat-keepalive seconds. */
void ike_keepalive_start(struct ike_sa *sa);

#define IKE_SA_LOG(sa, prio, ...) ike_sa_log(sa, prio, __VA_ARGS__)
/* For what anyone who knows the SPIs can cause (log.h, log_limited). */
#define IKE_SA_LOG_LIMITED(sa, prio, ...)                              \
	do {                                                           \
		static struct log_limit limit_;                        \
		if (log_limit_pass_for(&limit_, prio,                  \
				       (sa)->conn ? (sa)->conn->cfg->name : NULL)) \
			ike_sa_log(sa, prio, __VA_ARGS__);             \
	} while (0)
void ike_sa_log(const struct ike_sa *sa, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif

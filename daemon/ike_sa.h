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
#include "daemon/ike_msg.h"

struct conf_conn;
struct conn;
struct dh;
struct event;
struct event_base;
struct secret;

enum ike_state {
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
};

struct child_sa {
	struct ike_sa *ike;		/* owner */
	unsigned serial;		/* #N in trafficstatus */
	uint32_t spi_in, spi_out;	/* host order */
	unsigned encr, encr_keybits, integ;
	struct secret *key_in, *key_out;	/* owned */
	struct ike_ts ts_local[IKE_MAX_TS], ts_remote[IKE_MAX_TS];
	uint8_t n_ts_local, n_ts_remote;
	time_t add_time;		/* wall clock, for trafficstatus */
	bool installed;
	bool redundant;			/* lost a duplicate resolution; waiting for DELETE */
};

struct ike_sa {
	struct ike_engine *eng;		/* borrowed */
	struct conn *conn;		/* borrowed; the conn this SA serves */
	struct ike_sa *next;		/* engine list */
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
	uint8_t ni[64], nr[64];
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
	unsigned retries;
	struct event *retx_ev;		/* owned */
	uint8_t *resp;			/* owned: our last response, for duplicate requests */
	size_t resp_len;
	bool delete_queued;		/* send DELETE once the outstanding exchange ends */

	struct child_sa *child;		/* owned; the one Child SA of this IKE SA */
	uint32_t child_spi_in;		/* initiator: SPI offered in IKE_AUTH */
	time_t established;		/* wall clock */
	struct event *free_ev;		/* owned: deferred free */
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
	/* The conn has no working IKE SA any more (failed or deleted). */
	void (*conn_down)(void *arg, struct conn *conn, const char *why);
};

struct ike_engine {
	struct event_base *base;	/* borrowed */
	struct ike_io io;
	struct ike_sa *sas;		/* owned list */
	struct conn **conns;		/* borrowed array, for responder lookups */
	size_t n_conns;
	unsigned next_serial;
};

void ike_engine_init(struct ike_engine *eng, struct event_base *base, const struct ike_io *io);
/* Frees every SA (without sending anything). */
void ike_engine_clear(struct ike_engine *eng);
void ike_engine_set_conns(struct ike_engine *eng, struct conn **conns, size_t n);

/* Start an IKE SA (and its Child SA) for conn as initiator. 0 or -1. */
int ike_initiate(struct ike_engine *eng, struct conn *conn);
/* One received IKE message (marker already stripped). natt: it came on port 4500. */
void ike_receive(struct ike_engine *eng, const struct sockaddr_storage *local,
		 const struct sockaddr_storage *remote, bool natt, const uint8_t *buf, size_t len);
/* Send DELETE for every established IKE SA of conn (NULL: all) and drop them. */
void ike_delete_conn(struct ike_engine *eng, struct conn *conn);

/* ---- internal, shared by the ike_*.c files ---- */
struct ike_sa *ike_sa_new(struct ike_engine *eng, struct conn *conn, bool initiator);
void ike_sa_kill(struct ike_sa *sa, const char *why);	/* children down, freed later */
struct ike_sa *ike_sa_find(struct ike_engine *eng, uint64_t spi, bool we_initiated);
struct ike_sa *ike_sa_find_halfopen(struct ike_engine *eng, uint64_t spii,
				    const struct sockaddr_storage *remote);
void ike_sa_established(struct ike_sa *sa);

/* Requests and responses (ike_exchange.c). */
int ike_send_request(struct ike_sa *sa, enum ike_pending what, const uint8_t *msg, size_t len);
void ike_request_done(struct ike_sa *sa);
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

/* Exchange handlers. */
int ike_init_start(struct ike_sa *sa);
void ike_init_respond(struct ike_engine *eng, const struct sockaddr_storage *local,
		      const struct sockaddr_storage *remote, struct ike_msg *msg);
void ike_init_process_response(struct ike_sa *sa, struct ike_msg *msg);
int ike_auth_start(struct ike_sa *sa);
void ike_auth_respond(struct ike_sa *sa, struct ike_msg *msg);
void ike_auth_process_response(struct ike_sa *sa, struct ike_msg *msg);
void ike_info_respond(struct ike_sa *sa, struct ike_msg *msg);
void ike_info_process_response(struct ike_sa *sa, struct ike_msg *msg);
int ike_info_send_delete(struct ike_sa *sa);
void ike_child_refuse(struct ike_sa *sa, struct ike_msg *msg);

/* Child SAs (child_sa.c). */
void child_sa_free(struct child_sa *c);
int child_sa_install(struct ike_sa *sa, struct child_sa *c);
void child_sa_uninstall(struct ike_sa *sa, struct child_sa *c);

#define IKE_SA_LOG(sa, prio, ...) ike_sa_log(sa, prio, __VA_ARGS__)
void ike_sa_log(const struct ike_sa *sa, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif

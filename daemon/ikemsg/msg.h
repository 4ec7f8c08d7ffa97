/* SPDX-License-Identifier: Apache-2.0 */
/* IKE messages as typed payloads.  Parsing is a pure function of the bytes:
 * the header, then the payload chain (outer, and after decryption the SK
 * contents), each payload in a sub-cursor bounded to its own length.
 * Parsed payloads borrow their data from the message buffer: a struct ike_msg
 * is valid only as long as the bytes it was parsed from. */
#ifndef MCVPN_IKE_MSG_H
#define MCVPN_IKE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/base/cursor.h"
#include "daemon/ikemsg/proto.h"

struct ike_hdr {
	uint64_t spii, spir;
	uint8_t next;
	uint8_t version;
	uint8_t exchange;
	uint8_t flags;
	uint32_t msgid;
	uint32_t length;
};

#define IKE_MAX_PROPOSALS 16
#define IKE_MAX_TRANSFORMS 32
#define IKE_MAX_TS 8
#define IKE_MAX_NOTIFY 16
#define IKE_MAX_DELETE 4
#define IKE_MAX_CERT 8		/* CERT payloads kept (a chain); CERTREQ likewise */

struct ike_transform {
	uint8_t type;
	uint16_t id;
	uint16_t keylen;	/* bits, from the Key Length attribute; 0 if absent */
};

struct ike_proposal {
	uint8_t num;
	uint8_t protocol;
	uint8_t spi_size;
	uint8_t spi[8];
	uint8_t n_trans;
	struct ike_transform trans[IKE_MAX_TRANSFORMS];
};

struct pl_sa {
	uint8_t n_prop;
	struct ike_proposal prop[IKE_MAX_PROPOSALS];
};

struct pl_data {		/* Nonce, AUTH, KE, ID: typed header then data */
	uint16_t kind;		/* KE: DH group; ID: ID type; AUTH: method; Nonce: 0 */
	const uint8_t *body;	/* whole payload body after the generic header */
	size_t body_len;
	const uint8_t *data;	/* the data after the fixed fields */
	size_t len;
};

struct pl_notify {
	uint8_t protocol;
	uint8_t spi_size;
	uint16_t type;
	const uint8_t *spi;
	const uint8_t *data;
	size_t len;
};

/* CERT (RFC 7296 3.6) or CERTREQ (3.7): the encoding, then a certificate
 * (X.509: its DER) or a CERTREQ's list of 20-byte SHA-1 hashes of CAs'
 * SubjectPublicKeyInfo (empty: any CA). */
struct pl_cert {
	uint8_t encoding;
	const uint8_t *data;
	size_t len;
};

struct pl_delete {
	uint8_t protocol;
	uint8_t spi_size;
	uint16_t n_spi;
	const uint8_t *spis;	/* n_spi * spi_size bytes */
};

struct ike_ts {
	uint8_t type;		/* TS_IPV4_ADDR_RANGE / TS_IPV6_ADDR_RANGE */
	uint8_t ip_proto;
	uint16_t start_port, end_port;
	uint8_t start[16], end[16];
};

struct pl_ts {
	uint8_t n;
	struct ike_ts ts[IKE_MAX_TS];
};

/* The Encrypted payload, or one Encrypted Fragment payload (SKF, RFC 7383
 * 2.5): the same envelope with Fragment Number and Total Fragments after the
 * generic header, which the AEAD's associated data covers too. */
struct pl_sk {
	const uint8_t *data;	/* IV | ciphertext | ICV */
	size_t len;
	uint8_t first_inner;	/* next-payload field of the SK payload (SKF: of the first
				 * fragment; 0 in the others) */
	size_t offset;		/* of the SK payload's generic header in the message */
	uint8_t hdr_len;	/* 4 (SK) or 8 (SKF): the header before data */
	uint16_t frag_num, frag_total;	/* SKF: 1..total; SK: 0 */
};

struct ike_msg {
	struct ike_hdr hdr;
	const uint8_t *raw;	/* borrowed: the whole message */
	size_t raw_len;
	uint64_t outer;		/* PL_BIT() of payloads seen outside SK */
	uint64_t inner;		/* ... and inside SK */
	struct pl_sa sa;
	struct pl_data ke, nonce, idi, idr, auth;
	struct pl_ts tsi, tsr;
	struct pl_sk sk;
	uint8_t n_notify;
	struct pl_notify notify[IKE_MAX_NOTIFY];
	uint8_t n_delete;
	struct pl_delete del[IKE_MAX_DELETE];
	uint8_t n_cert, n_certreq;	/* kept, at most IKE_MAX_CERT each (count[] has all) */
	struct pl_cert cert[IKE_MAX_CERT];
	struct pl_cert certreq[IKE_MAX_CERT];
	uint16_t unsupported_critical;	/* type of the first unknown critical payload, 0 none */
	uint8_t count[PL_LAST - PL_FIRST + 1];	/* of each known payload type, outside
						 * and inside SK, by PL_xx - PL_FIRST */
	const char *broken;		/* set by the engine's payload rules (ike/rules.c):
					 * what is wrong with it; NULL fine */
};

enum ike_parse_err {
	IKE_OK = 0,
	IKE_ERR_TRUNCATED = -1,		/* length fields disagree with the bytes */
	IKE_ERR_VERSION = -2,		/* major version not 2 */
	IKE_ERR_SYNTAX = -3,		/* a payload's fields are invalid */
	IKE_ERR_DUPLICATE = -4,		/* a singleton payload appears twice */
	IKE_ERR_TOO_MANY = -5,		/* more proposals/transforms/notifies than we keep */
	IKE_ERR_SK_NOT_LAST = -6,	/* SK must be the last payload */
	IKE_ERR_CRITICAL = -7,		/* unknown payload with the critical bit */
	IKE_ERR_OUTSIDE_SK = -8,	/* an encrypted exchange with payloads outside SK */
	IKE_ERR_FRAGMENT = -9,		/* SKF numbers: 0, or a number above the total */
};

const char *ike_parse_strerror(int err);

/* Header only (28 bytes, length checked against len). msg->raw set. */
int ike_msg_parse_header(const uint8_t *buf, size_t len, struct ike_msg *msg);
/* The outer payload chain of a message whose header was parsed. */
int ike_msg_parse_payloads(struct ike_msg *msg);
/* The decrypted SK contents (borrowed; must outlive msg use). */
int ike_msg_parse_inner(struct ike_msg *msg, const uint8_t *plain, size_t len);

/* Payload bodies, exposed for tests and fuzzing. */
int pl_sa_parse(struct cur *c, struct pl_sa *sa);
int pl_ts_parse(struct cur *c, struct pl_ts *ts);
int pl_notify_parse(struct cur *c, struct pl_notify *n);
int pl_delete_parse(struct cur *c, struct pl_delete *d);
int pl_cert_parse(struct cur *c, uint8_t type, struct pl_cert *out);

/* First notify of a type, or NULL. */
const struct pl_notify *ike_msg_notify(const struct ike_msg *msg, uint16_t type);
/* First notify with an error type (< 16384), or NULL. */
const struct pl_notify *ike_msg_error_notify(const struct ike_msg *msg);

/* ---- building ---- */

/* A message being written: the header and outer payloads go to out; when
 * encrypted, the payloads go to inner and are sealed into SK by ike_crypt. */
struct ike_msgb {
	struct wbuf out;
	struct wbuf inner;
	struct wbuf *cur;	/* where payloads go now */
	size_t next_off;	/* offset of the previous payload's next-payload byte */
	bool prev_in_out;	/* does next_off refer to out (true) or inner? */
	bool has_prev;
	size_t outer_next_off;	/* the last outer payload's next byte, for SK */
	uint8_t first_inner;
};

void ike_msgb_init(struct ike_msgb *b, uint8_t *out, size_t outcap, uint8_t *inner,
		   size_t innercap, const struct ike_hdr *hdr);
/* Subsequent payloads go into the SK payload. */
void ike_msgb_begin_encrypted(struct ike_msgb *b);
/* Generic payload header; returns its offset in the current buffer for pl_end. */
size_t ike_msgb_pl_begin(struct ike_msgb *b, uint8_t type);
void ike_msgb_pl_end(struct ike_msgb *b, size_t off);

struct ike_proposal;
void pl_sa_build(struct ike_msgb *b, const struct ike_proposal *props, size_t n);
void pl_data_build(struct ike_msgb *b, uint8_t type, uint16_t kind, const uint8_t *data, size_t len);
/* CERT or CERTREQ (type): encoding, then data. */
void pl_cert_build(struct ike_msgb *b, uint8_t type, uint8_t encoding, const uint8_t *data,
		   size_t len);
void pl_notify_build(struct ike_msgb *b, uint8_t proto, const uint8_t *spi, uint8_t spi_size,
		     uint16_t type, const uint8_t *data, size_t len);
void pl_delete_build(struct ike_msgb *b, uint8_t proto, uint8_t spi_size,
		     const uint8_t *spis, uint16_t n);
void pl_ts_build(struct ike_msgb *b, uint8_t type, const struct ike_ts *ts, size_t n);
/* Unencrypted message: patch the header length. Returns the length or -1 on overflow. */
int ike_msgb_finish_plain(struct ike_msgb *b);

#endif

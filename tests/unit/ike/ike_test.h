/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the IKE message tests: an IKE_SA_INIT request written
 * byte by byte from the RFC 7296 section 3 layouts, a raw message assembler
 * for malformed cases, and a check that names parse errors. */
#ifndef MCVPN_TEST_IKE_TEST_H
#define MCVPN_TEST_IKE_TEST_H

#include <stdint.h>
#include <string.h>

#include "check.h"
#include "daemon/ikemsg/msg.h"

/* Parse results by name: "expected -3 (malformed payload), got 0 (ok)". */
#define CHECK_PARSE(got, want) do { \
	int g_ = (got), w_ = (want); \
	check_report(g_ == w_, __FILE__, __LINE__, #got " == " #want); \
	if (g_ != w_) \
		fprintf(stderr, "  expected %d (%s), got %d (%s)\n", w_, \
			ike_parse_strerror(w_), g_, ike_parse_strerror(g_)); \
} while (0)

/* An IKE_SA_INIT request as an initiator sends it: SA (one IKE proposal,
 * AES-CBC-256 / PRF-HMAC-SHA2-384 / HMAC-SHA2-384-192 / ECP-256), KE,
 * Nonce and the two NAT detection notifies.  Offsets of each payload's
 * generic header are given for the tests that patch it. */
#define SAI_OFF_SA	28
#define SAI_OFF_PROP	32
#define SAI_OFF_TRANS1	40
#define SAI_OFF_TRANS2	52
#define SAI_OFF_TRANS3	60
#define SAI_OFF_TRANS4	68
#define SAI_OFF_KE	76
#define SAI_OFF_NONCE	148
#define SAI_OFF_N1	184
#define SAI_OFF_N2	212
#define SAI_LEN		240

static const uint8_t sa_init_req[SAI_LEN] = {
	/* IKE header (3.1) */
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,	/* IKE SA Initiator's SPI */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* IKE SA Responder's SPI: 0 */
	0x21,			/* Next Payload: SA (33) */
	0x20,			/* MjVer 2, MnVer 0 */
	0x22,			/* Exchange Type: IKE_SA_INIT (34) */
	0x08,			/* Flags: I (original initiator), not R */
	0x00, 0x00, 0x00, 0x00,	/* Message ID: 0 */
	0x00, 0x00, 0x00, 0xf0,	/* Length: 240, header included */

	/* 28: Security Association payload (3.3) */
	0x22, 0x00, 0x00, 0x30,	/* next KE (34), C=0, payload length 48 */
	/* 32: Proposal substructure (3.3.1) */
	0x00, 0x00, 0x00, 0x2c,	/* last proposal (0), reserved, length 44 */
	0x01, 0x01, 0x00, 0x04,	/* Proposal #1, Protocol IKE (1), SPI size 0, 4 transforms */
	/* 40: Transform substructure (3.3.2) */
	0x03, 0x00, 0x00, 0x0c,	/* more transforms (3), reserved, length 12 */
	0x01, 0x00, 0x00, 0x0c,	/* type ENCR (1), reserved, ENCR_AES_CBC (12) */
	0x80, 0x0e, 0x01, 0x00,	/* attribute (3.3.5): AF=1, Key Length (14) = 256 */
	/* 52 */
	0x03, 0x00, 0x00, 0x08,	/* more, length 8 */
	0x02, 0x00, 0x00, 0x06,	/* type PRF (2), PRF_HMAC_SHA2_384 (6) */
	/* 60 */
	0x03, 0x00, 0x00, 0x08,	/* more, length 8 */
	0x03, 0x00, 0x00, 0x0d,	/* type INTEG (3), AUTH_HMAC_SHA2_384_192 (13) */
	/* 68 */
	0x00, 0x00, 0x00, 0x08,	/* last transform (0), length 8 */
	0x04, 0x00, 0x00, 0x13,	/* type DH (4), 256-bit random ECP group (19) */

	/* 76: Key Exchange payload (3.4) */
	0x28, 0x00, 0x00, 0x48,	/* next Nonce (40), length 72 */
	0x00, 0x13, 0x00, 0x00,	/* DH Group Num 19, reserved */
	/* 84: Key Exchange Data, 64 bytes (x | y for ECP-256) */
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
	0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,

	/* 148: Nonce payload (3.9) */
	0x29, 0x00, 0x00, 0x24,	/* next Notify (41), length 36 */
	/* 152: Nonce Data, 32 bytes */
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
	0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
	0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
	0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,

	/* 184: Notify payload (3.10) */
	0x29, 0x00, 0x00, 0x1c,	/* next Notify (41), length 28 */
	0x00, 0x00, 0x40, 0x04,	/* Protocol 0, SPI size 0, NAT_DETECTION_SOURCE_IP (16388) */
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9,	/* SHA-1, 20 bytes */
	0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3,

	/* 212: Notify payload */
	0x00, 0x00, 0x00, 0x1c,	/* no next payload (0), length 28 */
	0x00, 0x00, 0x40, 0x05,	/* Protocol 0, SPI size 0, NAT_DETECTION_DESTINATION_IP (16389) */
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9,
	0xea, 0xeb, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf2, 0xf3,
};

/* One payload for assemble(): generic header fields and the body. */
struct rawpl {
	uint8_t type;
	uint8_t flags;
	const uint8_t *body;
	size_t len;
};

static inline void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, size_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* Header (exchange IKE_AUTH, version byte as given) and payloads chained in
 * order, every length right.  Returns the message length (cap must fit it). */
static inline size_t assemble(uint8_t *out, uint8_t version, const struct rawpl *pl, size_t n)
{
	size_t off = IKE_HDR_LEN;

	memset(out, 0, IKE_HDR_LEN);
	memset(out, 0x11, 8);
	memset(out + 8, 0x22, 8);
	out[16] = n ? pl[0].type : PL_NONE;
	out[17] = version;
	out[18] = IKE_AUTH;
	out[19] = IKE_FLAG_I;
	for (size_t i = 0; i < n; i++) {
		out[off] = i + 1 < n ? pl[i + 1].type : PL_NONE;
		out[off + 1] = pl[i].flags;
		put16(out + off + 2, 4 + pl[i].len);
		if (pl[i].len)
			memcpy(out + off + 4, pl[i].body, pl[i].len);
		off += 4 + pl[i].len;
	}
	put32(out + 24, off);
	return off;
}

/* Header then payloads: the result of both parse steps. */
static inline int parse_all(const uint8_t *buf, size_t len, struct ike_msg *m)
{
	int r = ike_msg_parse_header(buf, len, m);
	return r ? r : ike_msg_parse_payloads(m);
}

#endif

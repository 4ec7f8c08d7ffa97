/* SPDX-License-Identifier: Apache-2.0 */
/* ESP framing (RFC 4303) in tunnel mode, as pure functions on caller-owned
 * buffers: no sockets, no locks, no allocation per packet.  Two transforms:
 *
 * AES-GCM-16 (RFC 4106):
 *   | SPI | seq | IV (8) | inner packet | pad 1,2,3.. | pad len | next hdr | ICV (16) |
 *   '--- AAD ---'         '------------ encrypted (4-byte aligned) ------'
 * The IV is the 64-bit sequence number: unique per key because a sequence
 * number is never reused (RFC 4106 section 3.1 allows any unique IV).
 *
 * AES-CBC (RFC 3602) with HMAC-SHA1-96 (RFC 2404) or HMAC-SHA2-256-128,
 * -384-192, -512-256 (RFC 4868):
 *   | SPI | seq | IV (16) | inner packet | pad 1,2,3.. | pad len | next hdr | ICV (12-32) |
 *                         '------------ encrypted (16-byte blocks) -------'
 *   '-------------------- authenticated -------------------------------'
 * Encrypt then MAC: the ICV is the truncated HMAC over SPI | seq | IV |
 * ciphertext.  The IV is AES-256-ECB, under a random key drawn when the SA
 * is made, of the sequence number (cbc_ctx_iv): never repeated, and not
 * predictable without that key (RFC 3602 2.1), for one block cipher call
 * per packet instead of a RAND_bytes.  The peer needs nothing of this: the
 * IV travels in the packet.  Inbound the ICV is checked before anything is
 * decrypted, so bad padding is never an oracle.
 *
 * Extended Sequence Numbers (RFC 4304, RFC 4303 2.2.1), when the Child SA
 * negotiated them (esp_sa.esn): the counter is 64 bits, the packet carries
 * its low 32 ("seq" above), and the high 32 ("seq hi") are authenticated
 * without being sent:
 *   AES-GCM (RFC 4106 5): AAD = SPI | seq hi | seq (12 bytes);
 *   HMAC (RFC 4303 2.2.1): ICV over SPI | seq | IV | ciphertext | seq hi.
 * The GCM IV is the 64-bit counter either way.  Inbound, seq hi comes from
 * the replay window (replay_esn_infer, RFC 4303 A2.2) before the check.
 *
 * Threads: an esp_sa is used by one thread at a time (the cipher objects
 * are not thread-safe); an inbound SA's window belongs to the receiving
 * thread and an outbound SA's counter to the sending one. */
#ifndef MCVPN_ESP_H
#define MCVPN_ESP_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/dataplane/dataplane.h"
#include "daemon/dataplane/replay.h"

#define ESP_HDR_LEN	8			/* SPI | sequence number */
#define ESP_IV_LEN	8			/* AES-GCM's IV */
#define ESP_ICV_LEN	16			/* AES-GCM's ICV */
#define ESP_CBC_IV_LEN	16			/* AES-CBC's IV and block */
#define ESP_MAX_ICV_LEN	32			/* HMAC-SHA2-512-256 */
/* The caller puts the inner packet at ESP_HEADROOM (AES-CBC moves it on). */
#define ESP_HEADROOM	(ESP_HDR_LEN + ESP_IV_LEN)
/* Most a packet grows past ESP_HEADROOM + inner length, over both
 * transforms: AES-CBC's longer IV, 15 bytes of padding, pad len, next
 * header and a 32-byte ICV (AES-GCM needs 3 + 2 + 16). */
#define ESP_TAILROOM	(ESP_CBC_IV_LEN - ESP_IV_LEN + 15 + 2 + ESP_MAX_ICV_LEN)
/* Smallest AES-GCM packet: header, IV, an empty payload padded to 4, ICV.
 * (AES-CBC: header, IV, one block, the ICV.) */
#define ESP_MIN_LEN	(ESP_HEADROOM + 4 + ESP_ICV_LEN)

#define ESP_NH_IPV4	4			/* IANA protocol numbers */
#define ESP_NH_IPV6	41

enum esp_err {
	ESP_OK = 0,
	ESP_ERR_LENGTH,		/* peer: too short, or ciphertext not whole blocks (4 / 16) */
	ESP_ERR_SPI,		/* caller: the packet's SPI is not this SA's */
	ESP_ERR_REPLAY,		/* peer: seq 0, older than the window, or seen */
	ESP_ERR_AUTH,		/* peer: ICV did not verify (AEAD tag or HMAC) */
	ESP_ERR_PADDING,	/* peer: pad length too long or pad bytes not 1,2,3.. */
	ESP_ERR_NEXT_HEADER,	/* peer: not IPv4/IPv6, or not the inner packet's version */
	ESP_ERR_INNER_LENGTH,	/* peer: inner IP header disagrees with the payload length */
	ESP_ERR_TS,		/* peer, or outbound our TUN: inner src/dst outside the
				 * SA's traffic selectors */
	ESP_ERR_SEQ_EXHAUSTED,	/* us: 2^32-1 packets sent (2^64-1 with ESN); the SA
				 * must be rekeyed */
	ESP_ERR_NOSPACE,	/* us: buffer too small for header and trailer */
	ESP_ERR_CRYPTO,		/* us: the cipher failed */
};

/* "ESP_ERR_AUTH" etc.; a static string. */
const char *esp_err_name(enum esp_err e);

struct aead;
struct cbc_ctx;
struct integ_ctx;

struct esp_sa {
	uint32_t spi;				/* host order */
	unsigned encr;				/* ENCR_AES_GCM_16, _CHACHA20_POLY1305, _AES_CBC */
	struct aead *aead;			/* owned: AES-GCM, ChaCha20-Poly1305 */
	struct cbc_ctx *cbc;			/* owned: AES-CBC */
	struct integ_ctx *integ;		/* owned: AES-CBC's HMAC */
	size_t iv_len, block_len, icv_len;	/* GCM 8, 4, 16; CBC 16, 16, 12..32 */
	uint64_t seq;				/* outbound: last number sent; 0 none yet */
	bool esn;				/* 64-bit sequence numbers (RFC 4304); set
						 * once, before the SA carries a packet */
	struct replay replay;			/* inbound */
	struct dp_range remote_ts[DP_MAX_TS];	/* the peer's side: inbound the allowed
						 * inner sources, outbound destinations */
	size_t n_remote_ts;
	struct dp_range local_ts[DP_MAX_TS];	/* our side: inbound destinations,
						 * outbound sources */
	size_t n_local_ts;
	bool ts_l4;				/* a selector names a protocol or ports */
};

/* AES-GCM-16: keymat = AES key | 4-byte salt (20, 28 or 36 bytes), borrowed
 * and not kept (the aead holds its own copy).  No traffic selectors yet: an
 * SA lets no inner packet in or out until esp_sa_set_ts().  Caller frees
 * with esp_sa_free.  NULL on a bad key length or no memory. */
struct esp_sa *esp_sa_new(uint32_t spi, const uint8_t *keymat, size_t keymat_len);
/* The same for any transform this file frames: ENCR_AES_GCM_16 with
 * AUTH_NONE (keymat as above), ENCR_CHACHA20_POLY1305 with AUTH_NONE and key
 * bits 256 (RFC 7634: framed as AES-GCM-16, keymat = 32-byte key | 4-byte
 * salt), or ENCR_AES_CBC with AUTH_HMAC_SHA1_96,
 * AUTH_HMAC_SHA2_256_128, _384_192 or _512_256 and keymat = AES key |
 * integrity key (RFC 7296 2.17 order; lengths from crypto/alg.h).  Key bits
 * 128, 192 or 256.  NULL on any other combination, a keymat_len that does
 * not match, no randomness or no memory. */
struct esp_sa *esp_sa_new_alg(uint32_t spi, unsigned encr, unsigned encr_keybits, unsigned integ,
			      const uint8_t *keymat, size_t keymat_len);
/* Frees the cipher objects (their keys wiped); NULL is a no-op. */
void esp_sa_free(struct esp_sa *sa);
/* The ESP packet's length for an inner packet of len bytes. */
size_t esp_sa_out_len(const struct esp_sa *sa, size_t len);
/* Copies the ranges (at most DP_MAX_TS each). -EINVAL when there are more. */
int esp_sa_set_ts(struct esp_sa *sa, const struct dp_range *remote, size_t n_remote,
		  const struct dp_range *local, size_t n_local);

/* Encapsulate in place.  buf holds cap bytes, the inner packet is at
 * buf[ESP_HEADROOM .. ESP_HEADROOM + len); on ESP_OK buf[0 .. *out_len) is
 * the ESP packet (esp_sa_out_len: at most len + ESP_HEADROOM +
 * ESP_TAILROOM).  Takes the next sequence number; refuses to wrap past
 * 2^32-1 (2^64-1 with ESN); a full buffer (ESP_ERR_NOSPACE) spends no
 * number. */
enum esp_err esp_sa_encap(struct esp_sa *sa, uint8_t *buf, size_t cap, size_t len,
			  uint8_t next_header, size_t *out_len);
/* The same with the sequence number and IV (sa->iv_len bytes) given and
 * sa->seq untouched (without ESN only seq's low 32 bits count).
 * Known-answer tests only: a GCM IV must never repeat
 * under one key, a CBC IV must not be predictable. */
enum esp_err esp_sa_encap_iv(struct esp_sa *sa, uint64_t seq, const uint8_t *iv,
			     uint8_t *buf, size_t cap, size_t len, uint8_t next_header,
			     size_t *out_len);

/* Decrypt in place: length checks, SPI, replay check, authentication (GCM:
 * AEAD open; CBC: HMAC compared in constant time, nothing decrypted yet),
 * window update, CBC decryption, padding check.  On ESP_OK *payload points
 * into pkt at the inner packet of *payload_len bytes and *next_header is
 * the trailer's.  On any error the window is unchanged unless the packet
 * verified (then a later failure still marks its sequence number as seen). */
enum esp_err esp_sa_decrypt(struct esp_sa *sa, uint8_t *pkt, size_t len,
			    uint8_t **payload, size_t *payload_len, uint8_t *next_header);
/* Check a decrypted inner packet: next header against the IP version, the
 * IP header's length against len, src/dst against the SA's selectors. */
enum esp_err esp_sa_check_inner(const struct esp_sa *sa, uint8_t next_header,
				const uint8_t *inner, size_t len);
/* Outbound, before encapsulation: may the packet pkt[0 .. len) read from the
 * TUN (next_header from its IP version) leave under sa?  Its source must lie
 * in local_ts and its destination in remote_ts, the reverse of inbound
 * (RFC 4301 5.1: a packet no SA's selectors match is not sent under it).
 * Reads only the fixed header's addresses, so a TSO super-packet is checked
 * once for all its segments; spends no sequence number.  ESP_OK, ESP_ERR_TS,
 * ESP_ERR_NEXT_HEADER (neither IPv4 nor IPv6) or ESP_ERR_INNER_LENGTH
 * (shorter than its fixed header). */
enum esp_err esp_sa_check_outbound(const struct esp_sa *sa, uint8_t next_header,
				   const uint8_t *pkt, size_t len);
/* esp_sa_decrypt then esp_sa_check_inner: the whole inbound path. */
enum esp_err esp_sa_decap(struct esp_sa *sa, uint8_t *pkt, size_t len,
			  uint8_t **inner, size_t *inner_len);

#endif

/* ESP framing (RFC 4303) in tunnel mode with AES-GCM-16 (RFC 4106), as pure
 * functions on caller-owned buffers: no sockets, no locks, no allocation
 * per packet.
 *
 *   | SPI | seq | IV (8) | inner packet | pad 1,2,3.. | pad len | next hdr | ICV (16) |
 *   '--- AAD ---'         '------------ encrypted (4-byte aligned) ------'
 *
 * The IV is the 64-bit sequence number: unique per key because a sequence
 * number is never reused (RFC 4106 section 3.1 allows any unique IV).
 *
 * Threads: an esp_sa is used by one thread at a time (the aead object is not
 * thread-safe); an inbound SA's window belongs to the receiving thread and an
 * outbound SA's counter to the sending one. */
#ifndef MCVPN_ESP_H
#define MCVPN_ESP_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/dataplane.h"
#include "daemon/replay.h"

#define ESP_HDR_LEN	8			/* SPI | sequence number */
#define ESP_IV_LEN	8
#define ESP_ICV_LEN	16
#define ESP_HEADROOM	(ESP_HDR_LEN + ESP_IV_LEN)
#define ESP_TAILROOM	(3 + 2 + ESP_ICV_LEN)	/* most padding, pad len, next hdr, ICV */
/* Smallest packet: header, IV, an empty payload padded to 4, ICV. */
#define ESP_MIN_LEN	(ESP_HEADROOM + 4 + ESP_ICV_LEN)

#define ESP_NH_IPV4	4			/* IANA protocol numbers */
#define ESP_NH_IPV6	41

enum esp_err {
	ESP_OK = 0,
	ESP_ERR_LENGTH,		/* peer: too short, or ciphertext not 4-byte aligned */
	ESP_ERR_SPI,		/* caller: the packet's SPI is not this SA's */
	ESP_ERR_REPLAY,		/* peer: seq 0, older than the window, or seen */
	ESP_ERR_AUTH,		/* peer: ICV did not verify */
	ESP_ERR_PADDING,	/* peer: pad length too long or pad bytes not 1,2,3.. */
	ESP_ERR_NEXT_HEADER,	/* peer: not IPv4/IPv6, or not the inner packet's version */
	ESP_ERR_INNER_LENGTH,	/* peer: inner IP header disagrees with the payload length */
	ESP_ERR_TS,		/* peer: inner src/dst outside the SA's traffic selectors */
	ESP_ERR_SEQ_EXHAUSTED,	/* us: 2^32-1 packets sent; the SA must be rekeyed */
	ESP_ERR_NOSPACE,	/* us: buffer too small for header and trailer */
	ESP_ERR_CRYPTO,		/* us: the cipher failed */
};

/* "ESP_ERR_AUTH" etc.; a static string. */
const char *esp_err_name(enum esp_err e);

struct aead;

struct esp_sa {
	uint32_t spi;				/* host order */
	struct aead *aead;			/* owned */
	uint32_t seq;				/* outbound: last number sent; 0 none yet */
	struct replay replay;			/* inbound */
	struct dp_range remote_ts[DP_MAX_TS];	/* inbound: allowed inner sources */
	size_t n_remote_ts;
	struct dp_range local_ts[DP_MAX_TS];	/* inbound: allowed inner destinations */
	size_t n_local_ts;
};

/* keymat = AES key | 4-byte salt (20, 28 or 36 bytes), borrowed and not kept
 * (the aead holds its own copy).  No traffic selectors yet: an inbound SA
 * accepts no inner packet until esp_sa_set_ts().  Caller frees with
 * esp_sa_free.  NULL on a bad key length or no memory. */
struct esp_sa *esp_sa_new(uint32_t spi, const uint8_t *keymat, size_t keymat_len);
/* Frees the aead (its key wiped); NULL is a no-op. */
void esp_sa_free(struct esp_sa *sa);
/* Copies the ranges (at most DP_MAX_TS each). -EINVAL when there are more. */
int esp_sa_set_ts(struct esp_sa *sa, const struct dp_range *remote, size_t n_remote,
		  const struct dp_range *local, size_t n_local);

/* Encapsulate in place.  buf holds cap bytes, the inner packet is at
 * buf[ESP_HEADROOM .. ESP_HEADROOM + len); on ESP_OK buf[0 .. *out_len) is
 * the ESP packet (at most len + ESP_HEADROOM + ESP_TAILROOM).  Takes the next
 * sequence number; refuses to wrap past 2^32-1. */
enum esp_err esp_sa_encap(struct esp_sa *sa, uint8_t *buf, size_t cap, size_t len,
			  uint8_t next_header, size_t *out_len);
/* The same with the sequence number and IV given and sa->seq untouched.
 * Known-answer tests only: an IV must never repeat under one key. */
enum esp_err esp_sa_encap_iv(struct esp_sa *sa, uint32_t seq, const uint8_t iv[ESP_IV_LEN],
			     uint8_t *buf, size_t cap, size_t len, uint8_t next_header,
			     size_t *out_len);

/* Decrypt in place: length checks, SPI, replay check, AEAD verify, window
 * update, padding check.  On ESP_OK *payload points into pkt at the inner
 * packet of *payload_len bytes and *next_header is the trailer's.  On any
 * error the window is unchanged unless the packet verified (then a later
 * failure still marks its sequence number as seen). */
enum esp_err esp_sa_decrypt(struct esp_sa *sa, uint8_t *pkt, size_t len,
			    uint8_t **payload, size_t *payload_len, uint8_t *next_header);
/* Check a decrypted inner packet: next header against the IP version, the
 * IP header's length against len, src/dst against the SA's selectors. */
enum esp_err esp_sa_check_inner(const struct esp_sa *sa, uint8_t next_header,
				const uint8_t *inner, size_t len);
/* esp_sa_decrypt then esp_sa_check_inner: the whole inbound path. */
enum esp_err esp_sa_decap(struct esp_sa *sa, uint8_t *pkt, size_t len,
			  uint8_t **inner, size_t *inner_len);

#endif

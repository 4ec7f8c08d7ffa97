/* SPDX-License-Identifier: Apache-2.0 */
/* SA proposals: our offer built from the config (ike=, phase2alg=), the
 * responder's choice among the peer's offer, and the initiator's check of the
 * answer. */
#ifndef MCVPN_PROPOSAL_H
#define MCVPN_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/ikemsg/msg.h"

struct conf_alg;

struct proposal_choice {
	unsigned encr, encr_keybits, prf, integ, dh;
	bool esn;			/* ESP: extended sequence numbers agreed */
	uint8_t spi[8];			/* the peer's SPI from its proposal */
	uint8_t spi_size;
};

/* Our offer: one proposal per configured algorithm set, numbered from 1.
 * protocol PROTO_IKE or PROTO_ESP; spi/spi_size for ESP (4) or an IKE rekey (8);
 * with_dh false drops DH transforms (the first Child SA in IKE_AUTH).
 * first_dh != 0 puts that group first (after INVALID_KE_PAYLOAD). Returns the count. */
size_t proposal_offer(const struct conf_alg *algs, size_t n, uint8_t protocol,
		      const uint8_t *spi, uint8_t spi_size, bool with_dh,
		      struct ike_proposal *out);

/* Responder: the first of the peer's proposals that one of ours accepts. resp
 * receives the one-transform-per-type answer (with spi/spi_size as our SPI).
 * with_dh false ignores DH transforms. 0, or -1 when nothing matches. */
int proposal_select(const struct pl_sa *peer, const struct conf_alg *ours, size_t n,
		    uint8_t protocol, bool with_dh, const uint8_t *spi, uint8_t spi_size,
		    struct ike_proposal *resp, struct proposal_choice *choice);

/* Initiator: the responder must answer with exactly one proposal, one transform
 * per type, that we offered. 0 or -1. */
int proposal_check_answer(const struct pl_sa *answer, const struct conf_alg *ours, size_t n,
			  uint8_t protocol, bool with_dh, struct proposal_choice *choice);

/* ESN (RFC 4304) is negotiated per ESP proposal from each conf_alg's esn
 * (the conn's esn=): no, yes, or either (both offered, ESN first; as
 * responder ESN taken when offered).  A peer's proposal without an ESN
 * transform is taken as 32-bit.
 *
 * For the log after a refusal: true when some ESP proposal in sa would
 * have matched ours but for ESN; and what sa offers ("yes", "no",
 * "either"; a static string), and our esn= by name. */
bool proposal_esn_mismatch(const struct pl_sa *sa, const struct conf_alg *ours, size_t n,
			   bool with_dh);
const char *proposal_esn_offered(const struct pl_sa *sa);
const char *proposal_esn_name(unsigned esn);

/* "AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/MODP_1536" into buf. */
void proposal_describe(const struct proposal_choice *c, char *buf, size_t len);

#endif

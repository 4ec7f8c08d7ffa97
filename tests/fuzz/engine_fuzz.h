/* SPDX-License-Identifier: Apache-2.0 */
/* The pieces of fuzz_ike_engine, shared by its files: the interpreter's state,
 * crafted messages and payloads (engine_craft.c), mutations of queued
 * messages (engine_mutate.c), certificates (engine_certs.c), invariants
 * (engine_check.c).  The input
 * language is in engine_prog.h. */
#ifndef MCVPN_TESTS_FUZZ_ENGINE_FUZZ_H
#define MCVPN_TESTS_FUZZ_ENGINE_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/base/cursor.h"
#include "daemon/ikemsg/sk.h"
#include "harness.h"

#define FZ_MAX_SNAP 16

/* A half-open SA as it was before a delivery (engine_check.c). */
struct fz_snap {
	const struct ike_sa *sa;	/* borrowed; only compared while no loop turn ran */
	enum ike_state state;
	uint32_t next_msgid, peer_msgid;
	enum ike_pending pending;
};

struct fz {
	struct net net;
	struct cur prog;		/* the rest of the input */
	uint8_t drop, dup;		/* OP_WEATHER masks */
	unsigned weather_k;		/* deliveries under the weather so far */
	uint32_t order_rng;		/* ORDER_RANDOM's generator */
	unsigned steps, deliveries;	/* spent of the input's budget */
	unsigned long virtual_ms;	/* time passed, of MAX_VIRTUAL_MS */
	bool show;			/* FUZZ_IKE_LOG: each delivery on stderr too */
	struct fz_snap snap[FZ_MAX_SNAP];	/* the receiver's half-open SAs */
	unsigned nsnap;
	/* message storms: each message sent while one is delivered is one step
	 * further down that message's chain (engine_check.c) */
	uint16_t *depth;		/* owned: by the trace's seq; 0 for a message sent
					 * by an op or a timer */
	size_t depth_cap;
	uint16_t cur_depth;		/* of the message being delivered */
	size_t trace_before;		/* the trace's length before that delivery */
};

static inline uint8_t fz_u8(struct fz *f)
{
	return cur_u8(&f->prog);
}

static inline uint16_t fz_u16(struct fz *f)
{
	return cur_u16(&f->prog);
}

static inline uint32_t fz_u32(struct fz *f)
{
	return cur_u32(&f->prog);
}

/* ---- engine_craft.c ---- */

/* n bytes that depend only on seed (payload bodies nobody reads closely). */
void fz_fill(uint8_t *out, size_t n, uint8_t seed);
/* The side's SA with these SPIs, keys derived, not dead; NULL if none. */
struct ike_sa *fz_sa_of(const struct side *s, uint64_t spii, uint64_t spir);
/* The side's i-th SA (modulo their number) with keys, not dead; NULL if none. */
struct ike_sa *fz_sa_nth(const struct side *s, unsigned i);
/* One payload template from the program into b (whatever buffer b writes to
 * now), as side would send it; init_request: inside an IKE_SA_INIT request. */
void fz_template(struct fz *f, struct ike_msgb *b, int side, bool init_request);
/* The header h, then an SK payload sealing the payload chain (first, plain,
 * len) with k, into out (cap bytes).  The message length, or -1. */
int fz_seal(const struct ike_hdr *h, uint8_t first, const uint8_t *plain, size_t len,
	    const struct ike_crypt_keys *k, uint8_t *out, size_t cap);
void fz_inject(struct fz *f);		/* OP_INJECT */
void fz_inject_init(struct fz *f);	/* OP_INJECT_INIT */

/* ---- engine_mutate.c ---- */

void fz_mutate(struct fz *f);		/* OP_MUTATE */

/* ---- engine_certs.c ---- */

/* The PKI in MCVPN_FUZZ_PKI read (once, before the first input); without
 * the variable, CFG_CERTS inputs authenticate with the PSK. */
void fz_pki_init(void);
/* Each side's conn authenticates as the CERTS byte c says (engine_prog.h),
 * with certificates lent from the PKI; fz_certs_return before net_free. */
void fz_certs_lend(struct fz *f, uint8_t c);
void fz_certs_return(struct fz *f);
/* The DER of the PKI's certificate number i (modulo their number), borrowed;
 * NULL without a PKI. */
const uint8_t *fz_pki_der(uint8_t i, size_t *len);
/* The SHA-1 of the root CA's SubjectPublicKeyInfo (a CERTREQ's hash), or NULL. */
const uint8_t *fz_pki_ca_hash(void);

/* ---- engine_check.c ---- */

/* Invariants no input may break (see the file); on a break the reason goes to
 * stderr and the process aborts, which libFuzzer reports as a crash.  where:
 * what just ran. */
void fz_check(struct fz *f, const char *where);
/* net.watch: an SA still setting up must not take part in any exchange but
 * IKE_SA_INIT and IKE_AUTH. */
void fz_watch(struct net *n, const struct pkt *p, bool after, void *arg);
/* Report and abort. */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif

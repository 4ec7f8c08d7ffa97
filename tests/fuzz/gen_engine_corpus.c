/* SPDX-License-Identifier: Apache-2.0 */
/* Seeds of fuzz_ike_engine: programs in its language (engine_prog.h), each a
 * scenario the engines go through from end to end, so that libFuzzer starts
 * from deep states and mutates on top of them.  Timer indices for OP_FIRE
 * follow the order fire() lists them in: per IKE SA its rekey, expiry and DPD
 * timers and DPD's probe, then per Child SA its rekey, expiry and volume
 * timers.  A waits with
 * dpddelay=30s by default (auto=start), B has no DPD timer (auto=add).
 */
#include <stdbool.h>
#include <string.h>

#include "gen_corpus.h"
#include "engine_prog.h"

struct prog {
	uint8_t b[1024];
	size_t n;
};

static void put_bytes(struct prog *p, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n && p->n < sizeof(p->b); i++)
		p->b[p->n++] = b[i];
}

/* The bytes listed, in order: BYTES(p, OP_RUN, ...) */
#define BYTES(p, ...) put_bytes(p, (const uint8_t[]){ __VA_ARGS__ }, \
				sizeof((const uint8_t[]){ __VA_ARGS__ }))

static struct prog *start(struct prog *p, uint8_t cfg, uint8_t seed, uint8_t knobs)
{
	p->n = 0;
	BYTES(p, cfg, seed, knobs);
	return p;
}

enum { A, B };	/* side bytes */
enum { ID_FQDN_TYPE = 2 };

/* A's first timers: IKE rekey 0, IKE expiry 1, DPD 2, DPD's probe 3, Child
 * rekey 4; B's: IKE rekey 0, IKE expiry 1, Child rekey 2. */
enum { A_IKE_REKEY = 0, A_PROBE = 3, A_CHILD_REKEY = 4, B_IKE_REKEY = 0, B_CHILD_REKEY = 2 };
/* amt bytes (amt_ms) */
enum { T_600MS = 59, T_2S = 71, T_10S = 103, T_16S = 127, T_30S = 142, T_70S = 162,
       T_3MIN = 197 };

static void establish(struct prog *p)
{
	BYTES(p, OP_INITIATE, A);
	BYTES(p, OP_RUN);
}

static void fire(struct prog *p, int side, int which)
{
	BYTES(p, OP_FIRE, side, which);
}

static void advance(struct prog *p, int amt)
{
	BYTES(p, OP_ADVANCE, amt);
}

/* The sender's expected message ID, count payloads follow. */
static void inject(struct prog *p, int side, int exch, int flags, int count)
{
	BYTES(p, OP_INJECT, side, 0, exch, flags, MSGID_EXPECTED, count);
}

/* OP_MUTATE of message q with n (1 to 3) mutations to follow; inner: inside
 * the encryption. */
static void mutate(struct prog *p, int q, bool inner, int n)
{
	BYTES(p, OP_MUTATE, q, inner ? 0 : 1, n - 1);
}

static void put_prog(const char *dir, const char *name, const struct prog *p)
{
	gen_put_dir(dir, name, p->b, p->n);
}

/* The happy paths, and the network in the way. */
static void setup_seeds(const char *dir)
{
	struct prog p;

	establish(start(&p, ALGS_X25519_GCM, 1, 0));
	put_prog(dir, "establish", &p);
	establish(start(&p, ALGS_OPERATORS, 1, 0));
	put_prog(dir, "establish_operators", &p);
	establish(start(&p, ALGS_ECP_CBC, 2, 0));
	put_prog(dir, "establish_cbc", &p);
	establish(start(&p, ALGS_INVALID_KE, 3, 0));
	put_prog(dir, "establish_invalid_ke", &p);
	establish(start(&p, ALGS_X25519_GCM, 4, COOKIE_ALWAYS));
	put_prog(dir, "establish_cookie", &p);
	establish(start(&p, ALGS_SECOND, 26, 0));
	put_prog(dir, "establish_second_proposal", &p);

	/* IKE_SA_INIT lost and retransmitted, then duplicated; IKE_AUTH lost */
	start(&p, ALGS_X25519_GCM, 5, 0);
	BYTES(&p, OP_INITIATE, A, OP_DROP, 0, OP_TICK, T_600MS, OP_DUP, 0, OP_DELIVER);
	BYTES(&p, 0, OP_DROP, 128, OP_TICK, T_2S);
	BYTES(&p, OP_RUN);
	put_prog(dir, "establish_loss_dup", &p);

	/* IKE fragments (ike-fragment-size=256): IKE_AUTH's fragments reordered,
	 * one dropped then retransmitted, one duplicated; then both rekeys */
	start(&p, ALGS_OPERATORS, 52, KNOB_FRAG);
	BYTES(&p, OP_INITIATE, A, OP_DELIVER, 0, OP_DELIVER, 0, OP_DELIVER_AT, 1, OP_DROP, 0);
	BYTES(&p, OP_DUP, 0, OP_TICK, T_600MS, OP_RUN);
	fire(&p, A, A_CHILD_REKEY);
	BYTES(&p, OP_RUN);
	fire(&p, B, B_IKE_REKEY);
	BYTES(&p, OP_RUN);
	put_prog(dir, "fragments", &p);
	establish(start(&p, ALGS_OPERATORS | LIFE_TINY << CFG_LIFE_SHIFT, 53, KNOB_FRAG | 1 << 3));
	advance(&p, T_3MIN);
	put_prog(dir, "fragments_lifetimes_lifo", &p);

	/* both sides initiate at once */
	start(&p, ALGS_X25519_GCM | CFG_B_START, 6, 0);
	BYTES(&p, OP_INITIATE, A, OP_INITIATE, B, OP_RUN);
	put_prog(dir, "collision_initiate", &p);

	/* nobody answers: retransmissions run out; a half-open responder times out */
	start(&p, ALGS_X25519_GCM, 7, 0);
	BYTES(&p, OP_INITIATE, A, OP_WEATHER, 0xff, 0, OP_ADVANCE, T_70S, OP_RUN);
	put_prog(dir, "no_answer", &p);
	start(&p, ALGS_X25519_GCM, 8, 0);
	BYTES(&p, OP_INITIATE, A, OP_DELIVER, 0, OP_TICK, T_30S, OP_TICK, T_30S);
	BYTES(&p, OP_DROP, 0, OP_TICK, T_70S);
	put_prog(dir, "halfopen_timeout", &p);

	/* B restarts and forgets; A's next rekey goes unanswered */
	establish(start(&p, ALGS_X25519_GCM, 9, KNOB_RETRY));
	BYTES(&p, OP_RESTART, B);
	fire(&p, A, A_CHILD_REKEY);
	advance(&p, T_70S);
	put_prog(dir, "restart_peer", &p);

	/* A's NAT moves it to another port, twice: B follows after its check */
	establish(start(&p, ALGS_X25519_GCM, 51, 0));
	BYTES(&p, OP_NAT, A, 7);
	fire(&p, A, A_PROBE);
	BYTES(&p, OP_RUN, OP_NAT, A, 8);
	fire(&p, B, B_CHILD_REKEY);
	BYTES(&p, OP_RUN);
	advance(&p, T_30S);
	put_prog(dir, "nat_rebind", &p);

	/* an old IKE_SA_INIT and IKE_AUTH replayed after the tunnel is up */
	establish(start(&p, ALGS_X25519_GCM, 10, 0));
	BYTES(&p, OP_REPLAY, 0, OP_REPLAY, 2, OP_RUN);
	put_prog(dir, "replay", &p);
}

/* Rekeys, liveness, deletes, lifetimes. */
static void life_seeds(const char *dir)
{
	struct prog p;

	establish(start(&p, ALGS_X25519_GCM, 11, 0));
	fire(&p, A, A_CHILD_REKEY);
	BYTES(&p, OP_RUN);
	fire(&p, B, B_CHILD_REKEY);
	BYTES(&p, OP_RUN);
	put_prog(dir, "child_rekey", &p);

	establish(start(&p, ALGS_X25519_NOPFS, 27, 0));
	fire(&p, A, A_CHILD_REKEY);
	BYTES(&p, OP_RUN);
	put_prog(dir, "child_rekey_nopfs", &p);

	establish(start(&p, ALGS_ECP_GCM, 28, 0));
	fire(&p, B, B_CHILD_REKEY);
	BYTES(&p, OP_RUN);
	put_prog(dir, "child_rekey_ecp", &p);

	establish(start(&p, ALGS_OPERATORS, 12, 0));
	fire(&p, A, A_CHILD_REKEY);
	fire(&p, B, B_CHILD_REKEY);
	BYTES(&p, OP_RUN);
	put_prog(dir, "child_rekey_collision", &p);

	establish(start(&p, ALGS_X25519_GCM, 13, 0));
	fire(&p, A, A_IKE_REKEY);
	BYTES(&p, OP_RUN);
	fire(&p, B, B_CHILD_REKEY);
	BYTES(&p, OP_RUN);
	put_prog(dir, "ike_rekey", &p);

	establish(start(&p, ALGS_X25519_GCM, 14, 0));
	fire(&p, A, A_IKE_REKEY);
	fire(&p, B, B_IKE_REKEY);
	BYTES(&p, OP_RUN);
	advance(&p, T_10S);
	put_prog(dir, "ike_rekey_collision", &p);

	/* a liveness check, answered; then one lost and retransmitted */
	establish(start(&p, ALGS_X25519_GCM, 29, 0));
	fire(&p, A, A_PROBE);
	BYTES(&p, OP_RUN);
	fire(&p, A, A_PROBE);
	BYTES(&p, OP_DROP, 0, OP_ADVANCE, T_2S);
	put_prog(dir, "dpd_probe", &p);

	/* DPD: the peer goes silent (every message lost), A declares it dead */
	establish(start(&p, ALGS_X25519_GCM, 15, KNOB_RETRY | DPD_A_RESTART << KNOB_DPD_SHIFT));
	BYTES(&p, OP_WEATHER, 0xff, 0);
	advance(&p, T_30S);
	BYTES(&p, OP_WEATHER, 0, 0);
	advance(&p, T_16S);
	put_prog(dir, "dpd_silent_peer", &p);

	/* B deletes A's Child SA (B's inbound SPI: A's outbound, pool index 1),
	 * then the IKE SA */
	establish(start(&p, ALGS_X25519_GCM, 16, 0));
	inject(&p, B, EXCH_INFO, FLAG_NOW, 1);
	BYTES(&p, TPL_DELETE, 1, 1, 1);
	BYTES(&p, OP_RUN);
	inject(&p, B, EXCH_INFO, FLAG_NOW, 1);
	BYTES(&p, TPL_DELETE, 0, 0);
	BYTES(&p, OP_RUN);
	put_prog(dir, "delete", &p);

	establish(start(&p, ALGS_X25519_GCM, 17, 0));
	BYTES(&p, OP_DELETE_CONN, A, OP_RUN);
	put_prog(dir, "delete_conn", &p);

	/* lifetimes: automatic rekeys, and expiry with rekey=no */
	establish(start(&p, ALGS_X25519_GCM | LIFE_TINY << CFG_LIFE_SHIFT, 18, 0));
	advance(&p, T_3MIN);
	put_prog(dir, "lifetimes", &p);
	establish(start(&p, ALGS_X25519_GCM | LIFE_NO_REKEY << CFG_LIFE_SHIFT, 19, 0));
	advance(&p, T_3MIN);
	put_prog(dir, "expiry_no_rekey", &p);
}

/* Crafted and mutated messages. */
static void craft_seeds(const char *dir)
{
	struct prog p;

	/* a Child SA rekey the engine did not ask for: REKEY_SA of A's inbound
	 * SPI (B's outbound, pool index 0), ESP proposal with SPI and DH,
	 * Nonce, KE, TSi, TSr */
	establish(start(&p, ALGS_X25519_GCM, 20, 0));
	inject(&p, A, EXCH_CREATE_CHILD, FLAG_NOW, 6);
	BYTES(&p, TPL_NOTIFY, 22, 3, 1, 0, 0);
	BYTES(&p, TPL_SA, 0x02 | 0x08, 0);
	BYTES(&p, TPL_NONCE, 32, 0x42);
	BYTES(&p, TPL_KE, 0, KE_VALID);
	BYTES(&p, TPL_TS, 0, 1, 0, 0, 0, 0, 0, 0);
	BYTES(&p, TPL_TS, 1, 1, 0, 0, 0, 0, 0, 0);
	BYTES(&p, OP_RUN);
	put_prog(dir, "inject_child_rekey", &p);

	/* an IKE SA rekey proposal: IKE proposal with an 8-byte SPI and DH */
	establish(start(&p, ALGS_X25519_GCM, 21, 0));
	inject(&p, A, EXCH_CREATE_CHILD, FLAG_NOW, 3);
	BYTES(&p, TPL_SA, 0x01 | 0x06 | 0x08, 0);
	BYTES(&p, TPL_NONCE, 20, 0x07);
	BYTES(&p, TPL_KE, 0, KE_VALID);
	BYTES(&p, OP_RUN);
	put_prog(dir, "inject_ike_rekey", &p);

	/* a liveness check from B, then one with an unknown notify */
	establish(start(&p, ALGS_X25519_GCM, 22, 0));
	inject(&p, B, EXCH_INFO, FLAG_NOW, 0);
	inject(&p, B, EXCH_INFO, FLAG_NOW, 1);
	BYTES(&p, TPL_NOTIFY, 7, 0, 0, 0, OP_RUN);
	put_prog(dir, "inject_informational", &p);

	/* IKE_AUTH request with its IDi dropped inside the encryption, sealed again */
	start(&p, ALGS_X25519_GCM, 23, 0);
	BYTES(&p, OP_INITIATE, A, OP_DELIVER, 0, OP_DELIVER, 0);
	BYTES(&p, OP_MUTATE, 0, 0, 0, MUT_PL_DROP, 0);
	BYTES(&p, OP_RUN);
	put_prog(dir, "mutate_auth_inner", &p);

	/* A's IKE SA rekey with its Nonce replaced by a 72-byte one inside the
	 * encryption (RFC 7296 allows 16 to 256 bytes) */
	establish(start(&p, ALGS_X25519_GCM, 40, 0));
	fire(&p, A, A_IKE_REKEY);
	BYTES(&p, OP_MUTATE, 0, 0, 1, MUT_PL_DROP, 1, MUT_APPEND, TPL_NONCE, 60, 0x05);
	BYTES(&p, OP_RUN);
	advance(&p, T_10S);
	put_prog(dir, "mutate_ike_rekey_nonce", &p);

	/* IKE_SA_INIT response with a bit flipped in its KE payload (outer) */
	start(&p, ALGS_X25519_GCM, 24, 0);
	BYTES(&p, OP_INITIATE, A, OP_DELIVER, 0);
	BYTES(&p, OP_MUTATE, 0, 1, 0, MUT_FLIP, 1, 0, 10, 3);
	BYTES(&p, OP_RUN);
	put_prog(dir, "mutate_init_outer", &p);

	/* a crafted IKE_SA_INIT request from A with a 32-byte nonce (B answers;
	 * the half-open SA times out) and a forged response to A's own */
	start(&p, ALGS_X25519_GCM, 25, 0);
	BYTES(&p, OP_INJECT_INIT, A, INIT_SPI_FRESH << 1, 0x33, 0, KE_VALID, 32, 0x10);
	BYTES(&p, OP_RUN);
	BYTES(&p, OP_INITIATE, A, OP_DROP, 0);
	BYTES(&p, OP_INJECT_INIT, B, INIT_RESPONSE, 0, 0, KE_VALID, 32, 0x20);
	BYTES(&p, OP_RUN);
	advance(&p, T_70S);
	put_prog(dir, "inject_init", &p);
}

/* Answers and requests the engines build, each with one part changed inside
 * the encryption: the refusals and the checks of the answers.  Payload
 * positions: IKE_AUTH request IDi IDr AUTH N SA TSi TSr, its answer IDr AUTH
 * SA TSi TSr; Child SA rekey request N(REKEY_SA) SA Nonce KE TSi TSr, its
 * answer SA Nonce KE TSi TSr; IKE SA rekey both ways SA Nonce KE. */
static void refusal_seeds(const char *dir)
{
	struct prog p;

	/* Child SA rekey answer without KE; with a 72-byte Nonce */
	establish(start(&p, ALGS_X25519_GCM, 41, 0));
	fire(&p, A, A_CHILD_REKEY);
	BYTES(&p, OP_DELIVER, 0);
	mutate(&p, 0, true, 1);
	BYTES(&p, MUT_PL_DROP, 2, OP_RUN);
	put_prog(dir, "mutate_child_rekey_answer_ke", &p);
	establish(start(&p, ALGS_X25519_GCM, 42, 0));
	fire(&p, A, A_CHILD_REKEY);
	BYTES(&p, OP_DELIVER, 0);
	mutate(&p, 0, true, 2);
	BYTES(&p, MUT_PL_DROP, 1, MUT_APPEND, TPL_NONCE, 60, 0x01, OP_RUN);
	put_prog(dir, "mutate_child_rekey_answer_nonce", &p);

	/* Child SA rekey request with a 72-byte Nonce: TEMPORARY_FAILURE, retried */
	establish(start(&p, ALGS_X25519_GCM, 43, 0));
	fire(&p, A, A_CHILD_REKEY);
	mutate(&p, 0, true, 2);
	BYTES(&p, MUT_PL_DROP, 2, MUT_APPEND, TPL_NONCE, 60, 0x01, OP_RUN);
	advance(&p, T_10S);
	put_prog(dir, "mutate_child_rekey_request_nonce", &p);

	/* crafted Child SA rekey without PFS where B wants it: NO_PROPOSAL_CHOSEN */
	establish(start(&p, ALGS_X25519_GCM, 44, 0));
	inject(&p, A, EXCH_CREATE_CHILD, FLAG_NOW, 5);
	BYTES(&p, TPL_NOTIFY, 22, 3, 1, 0, 0, TPL_SA, 0x02, 0, TPL_NONCE, 32, 0x42);
	BYTES(&p, TPL_TS, 0, 1, 0, 0, 0, 0, 0, 0, TPL_TS, 1, 1, 0, 0, 0, 0, 0, 0, OP_RUN);
	put_prog(dir, "inject_child_rekey_no_pfs", &p);

	/* crafted IKE SA rekeys: a KE of another group (INVALID_KE_PAYLOAD), an
	 * all-zero X25519 value, a proposal of 3DES (NO_PROPOSAL_CHOSEN) */
	establish(start(&p, ALGS_X25519_GCM, 45, 0));
	inject(&p, A, EXCH_CREATE_CHILD, FLAG_NOW, 3);
	BYTES(&p, TPL_SA, 0x0f, 0, TPL_NONCE, 20, 0x07, TPL_KE, 2, KE_VALID, OP_RUN);
	inject(&p, A, EXCH_CREATE_CHILD, FLAG_NOW, 3);
	BYTES(&p, TPL_SA, 0x0f, 0, TPL_NONCE, 20, 0x08, TPL_KE, 0, KE_ZEROS, OP_RUN);
	inject(&p, A, EXCH_CREATE_CHILD, FLAG_NOW, 3);
	BYTES(&p, TPL_SA, 0x0f, 1, 0, 0, 1, 0, 0, 3, TPL_NONCE, 20, 0x09, TPL_KE, 0, KE_VALID);
	BYTES(&p, OP_RUN);
	put_prog(dir, "inject_ike_rekey_refused", &p);

	/* IKE SA rekey answer without KE */
	establish(start(&p, ALGS_X25519_GCM, 46, 0));
	fire(&p, A, A_IKE_REKEY);
	BYTES(&p, OP_DELIVER, 0);
	mutate(&p, 0, true, 1);
	BYTES(&p, MUT_PL_DROP, 2, OP_RUN);
	put_prog(dir, "mutate_ike_rekey_answer_ke", &p);

	/* IKE_AUTH answer with IPv6 selectors; with a 3DES proposal */
	start(&p, ALGS_X25519_GCM, 47, 0);
	BYTES(&p, OP_INITIATE, A, OP_DELIVER, 2);
	mutate(&p, 0, true, 2);
	BYTES(&p, MUT_PL_DROP, 3, MUT_APPEND, TPL_TS, 0, 1, 1, 0, 0, 0, 0, 0, OP_RUN);
	put_prog(dir, "mutate_auth_answer_ts", &p);
	start(&p, ALGS_X25519_GCM, 48, 0);
	BYTES(&p, OP_INITIATE, A, OP_DELIVER, 2);
	mutate(&p, 0, true, 2);
	BYTES(&p, MUT_PL_DROP, 2, MUT_APPEND, TPL_SA, 0x02, 1, 0, 0, 1, 0, 0, 3, OP_RUN);
	put_prog(dir, "mutate_auth_answer_sa", &p);

	/* IKE_AUTH request with IPv6 selectors (TS_UNACCEPTABLE); asking for
	 * another IDr */
	start(&p, ALGS_X25519_GCM, 49, 0);
	BYTES(&p, OP_INITIATE, A, OP_DELIVER, 1);
	mutate(&p, 0, true, 2);
	BYTES(&p, MUT_PL_DROP, 5, MUT_APPEND, TPL_TS, 0, 1, 1, 0, 0, 0, 0, 0, OP_RUN);
	put_prog(dir, "mutate_auth_request_ts", &p);
	start(&p, ALGS_X25519_GCM, 50, 0);
	BYTES(&p, OP_INITIATE, A, OP_DELIVER, 1);
	mutate(&p, 0, true, 2);
	BYTES(&p, MUT_PL_DROP, 1, MUT_APPEND, TPL_ID, 1, 2, ID_FQDN_TYPE, 10, OP_RUN);
	put_prog(dir, "mutate_auth_request_idr", &p);
}

/* Where bugs were: a 256-byte Nonce in IKE_SA_INIT, an INFORMATIONAL
 * answering IKE_AUTH, an exchange on a half-open SA. */
static void bug_seeds(const char *dir)
{
	struct prog p;

	/* IKE_SA_INIT with a 256-byte nonce (nonce_len 244): ike_init.c
	 * responder_sa copies it into a 64-byte array */
	start(&p, ALGS_X25519_GCM, 30, 0);
	BYTES(&p, OP_INJECT_INIT, A, INIT_SPI_FRESH << 1, 0x44, 0, KE_VALID, 244, 0x01);
	BYTES(&p, OP_RUN);
	put_prog(dir, "init_nonce_256", &p);

	/* an INFORMATIONAL response, sealed with B's half-open SA, answers A's
	 * IKE_AUTH request (message ID 1) */
	start(&p, ALGS_X25519_GCM, 31, 0);
	BYTES(&p, OP_INITIATE, A, OP_DELIVER, 0, OP_DELIVER, 0);
	inject(&p, B, EXCH_INFO, FLAG_RESPONSE | FLAG_NOW, 0);
	BYTES(&p, OP_RUN);
	put_prog(dir, "info_answers_auth", &p);

	/* B's half-open SA answers an INFORMATIONAL request sealed with A's keys */
	start(&p, ALGS_X25519_GCM, 32, 0);
	BYTES(&p, OP_INITIATE, A, OP_DELIVER, 0, OP_DELIVER, 0, OP_HOLD, 0);
	inject(&p, A, EXCH_INFO, FLAG_NOW, 0);
	BYTES(&p, OP_RELEASE, OP_RUN);
	put_prog(dir, "info_on_halfopen", &p);
}

/* Certificates (CFG_CERTS, then the CERTS byte): set up with each kind of
 * key and trust, refused for a flaw, and IKE_AUTH's CERT, CERTREQ and AUTH
 * payloads changed inside the encryption (MUT_CERT). */
static struct prog *start_certs(struct prog *p, uint8_t cfg, uint8_t seed, uint8_t knobs,
				uint8_t certs)
{
	start(p, cfg | CFG_CERTS, seed, knobs);
	BYTES(p, certs);
	return p;
}

/* The IKE_AUTH request (response: B's answer) with one MUT_CERT. */
static void cert_mutation(const char *dir, const char *name, uint8_t seed, bool response,
			  uint8_t certs, uint8_t what, uint8_t n, uint16_t at, uint8_t value)
{
	struct prog p;

	start_certs(&p, ALGS_X25519_GCM, seed, 0, certs);
	BYTES(&p, OP_INITIATE, A, OP_DELIVER, response ? 2 : 1);
	mutate(&p, 0, true, 1);
	BYTES(&p, MUT_CERT, what, n, at >> 8, at & 0xff, value, OP_RUN);
	advance(&p, T_10S);
	put_prog(dir, name, &p);
}

static void cert_seeds(const char *dir)
{
	struct prog p;
	const uint8_t ecdsa_b = CERTS_B_ECDSA, ecdsa_a = CERTS_A_ECDSA;

	/* A RSA through the intermediate, B ECDSA P-384; both rekey the IKE SA */
	establish(start_certs(&p, ALGS_X25519_GCM, 60, 0, ecdsa_b));
	fire(&p, A, A_IKE_REKEY);
	BYTES(&p, OP_RUN);
	advance(&p, T_10S);
	put_prog(dir, "cert_establish", &p);
	establish(start_certs(&p, ALGS_ECP_GCM, 61, 0,
			      ecdsa_a | ecdsa_b | CERTS_TRUST_DN << CERTS_TRUST_SHIFT));
	put_prog(dir, "cert_establish_dn_ecdsa", &p);
	establish(start_certs(&p, ALGS_X25519_GCM, 62, 0,
			      ecdsa_a | CERTS_TRUST_PIN_B << CERTS_TRUST_SHIFT | CERTS_B_SHA512));
	put_prog(dir, "cert_pinned_sha512", &p);
	establish(start_certs(&p, ALGS_X25519_GCM, 63, 0,
			      CERTS_TRUST_PIN_BOTH << CERTS_TRUST_SHIFT));
	put_prog(dir, "cert_pinned_both", &p);
	/* two RSA chains in 256-byte fragments, one of them lost */
	start_certs(&p, ALGS_X25519_GCM, 64, KNOB_FRAG, 0);
	BYTES(&p, OP_INITIATE, A, OP_DELIVER, 1, OP_DROP, 2, OP_RUN);
	advance(&p, T_10S);
	put_prog(dir, "cert_fragments", &p);
	/* refused: B with a PSK, a certificate of another CA */
	establish(start_certs(&p, ALGS_X25519_GCM, 65, 0, CERTS_FLAW_B_PSK << CERTS_FLAW_SHIFT));
	put_prog(dir, "cert_refused_psk", &p);
	establish(start_certs(&p, ALGS_X25519_GCM, 66, 0,
			      CERTS_FLAW_STRANGER << CERTS_FLAW_SHIFT));
	put_prog(dir, "cert_refused_stranger", &p);

	cert_mutation(dir, "cert_mutate_drop_ee", 70, false, 0, CM_DROP, 0, 0, 0);
	cert_mutation(dir, "cert_mutate_drop_intermediate", 71, false, 0, CM_DROP, 1, 0, 0);
	cert_mutation(dir, "cert_mutate_dup", 72, true, 0, CM_DUP, 0, 0, 0);
	cert_mutation(dir, "cert_mutate_der", 73, false, ecdsa_a, CM_DER, 0, 0x40, 0xff);
	cert_mutation(dir, "cert_mutate_der_length", 74, true, ecdsa_b, CM_DER, 0, 2, 0x7f);
	cert_mutation(dir, "cert_mutate_swap", 75, false, 0, CM_SWAP, 0, 0, 3);
	cert_mutation(dir, "cert_mutate_swap_response", 76, true, ecdsa_b, CM_SWAP, 0, 0, 1);
	cert_mutation(dir, "cert_mutate_encoding", 77, false, 0, CM_ENCODING, 0, 0, 1);
	cert_mutation(dir, "cert_mutate_intermediate_first", 78, false, 0, CM_ROTATE, 1, 0, 0);
	cert_mutation(dir, "cert_mutate_auth_sig", 79, false, 0, CM_AUTH_FLIP, 0, 200, 0x10);
	cert_mutation(dir, "cert_mutate_auth_algid", 80, true, ecdsa_b, CM_AUTH_FLIP, 0, 3, 0x02);
	cert_mutation(dir, "cert_mutate_auth_rfc4754", 81, false, ecdsa_a, CM_AUTH_METHOD, 0, 0,
		      9);
	cert_mutation(dir, "cert_mutate_auth_psk", 82, false, 0, CM_AUTH_METHOD, 0, 0, 2);
	cert_mutation(dir, "cert_mutate_certreq_odd", 83, false, 0, CM_CERTREQ, 0, 0, 21);
	cert_mutation(dir, "cert_mutate_certreq_empty", 84, false, 0, CM_CERTREQ, 0, 0, 0);
	cert_mutation(dir, "cert_mutate_certreq_in_response", 86, true, 0, CM_CERTREQ, 0, 0, 20);
	cert_mutation(dir, "cert_mutate_certreq_encoding", 85, false,
		      CERTS_TRUST_PIN_BOTH << CERTS_TRUST_SHIFT, CM_CERTREQ, 0, 0, 0x80 | 20);
}

void gen_engine(const char *dir)
{
	setup_seeds(dir);
	life_seeds(dir);
	craft_seeds(dir);
	refusal_seeds(dir);
	bug_seeds(dir);
	cert_seeds(dir);
}

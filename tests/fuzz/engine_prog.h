/* SPDX-License-Identifier: Apache-2.0 */
/* The input language of fuzz_ike_engine: a small program that drives two IKE
 * engines (tests/exchange/harness.h) through a session with real keys.  It is
 * read byte by byte with the bounded cursor; a program that ends early reads
 * zeros, so every prefix of a program is a program.  Ops refer to messages and
 * SAs by their position (in the queue, in an engine's list), never by value,
 * so libFuzzer's byte mutations keep their meaning.  tests/fuzz/gen_corpus.c
 * writes the seeds in this language.
 *
 *   header:  CFG SEED KNOBS [CERTS] then ops until the input ends (at most
 *                                  PROG_MAX_OPS); CERTS only with CFG_CERTS
 *   op:      OPCODE (taken modulo OP_COUNT) and its argument bytes
 *
 * Arguments, as the ops below name them:
 *   side   bit 0: A (0) or B (1)
 *   qidx   a message in the queue: below 128 counts from the front (modulo
 *          its length), from 128 on from the back (128: the last one)
 *   amt    a span of time, amt_ms(): 10 ms steps up to 640 ms, 250 ms steps up
 *          to 16 s, 2 s steps up to 128 s, 30 s steps up to 32 min
 *   tpl    a payload template (TPL_*), see below */
#ifndef MCVPN_TESTS_FUZZ_ENGINE_PROG_H
#define MCVPN_TESTS_FUZZ_ENGINE_PROG_H

#include <stdint.h>

#define PROG_MAX_OPS 128

/* CFG: bits 0-2 algorithms (the fast ones mostly: the operators' MODP group
 * costs milliseconds per key), bit 3 A waits (auto=add), bit 4 B starts too
 * (auto=start), bits 5-6 lifetimes, bit 7 certificates (CFG_CERTS: a CERTS
 * byte follows KNOBS; without the bit, as before it had a meaning, both
 * sides authenticate with the PSK and no CERTS byte is read). */
enum cfg_algs {
	ALGS_X25519_GCM,	/* ike=aes_gcm256-sha2_256;dh31, phase2alg=aes_gcm256;dh31 */
	ALGS_X25519_NOPFS,	/* the same with phase2alg=aes_gcm256 */
	ALGS_ECP_CBC,		/* ike=aes_cbc256-sha2_256;dh19, phase2alg=aes_cbc128-sha2_256 */
	ALGS_ECP_GCM,		/* ike=aes_gcm128-sha2_512;dh19, phase2alg=aes_gcm128;dh19 */
	ALGS_INVALID_KE,	/* A offers dh19 first, B only takes dh31: INVALID_KE_PAYLOAD */
	ALGS_SECOND,		/* A offers CBC first, B only takes GCM: B picks A's second */
	ALGS_X25519_GCM_TOO,	/* ALGS_X25519_GCM again */
	ALGS_OPERATORS,		/* ike=aes_cbc256-sha2_384;modp1536, phase2alg=aes_gcm256;modp1536 */
};
#define CFG_ALGS(c)	((c) & 7)
#define CFG_A_ADD	0x08
#define CFG_B_START	0x10
enum cfg_life {
	LIFE_DEFAULT,		/* 8 h / 1 h: nothing expires in a fuzz run */
	LIFE_SHORT,		/* salifetime=40s ikelifetime=70s rekeymargin=10s */
	LIFE_NO_REKEY,		/* the same with rekey=no: SAs are deleted when they expire */
	LIFE_TINY,		/* salifetime=20s ikelifetime=30s rekeymargin=6s */
};
#define CFG_LIFE(c)	(((c) >> 5) & 3)
#define CFG_LIFE_SHIFT	5
#define CFG_CERTS	0x80

/* CERTS (with CFG_CERTS): how the two sides authenticate with certificates
 * of the PKI tests/unit/crypto/mkcerts.sh makes (run.sh passes its directory
 * in MCVPN_FUZZ_PKI; without it both sides use the PSK, the byte read all
 * the same).  Bit 0 A's key: RSA through the intermediate (a-rsa-chain.pem,
 * sent with the intermediate) or ECDSA P-256; bit 1 B's: RSA through the
 * intermediate or ECDSA P-384; bits 2-3 trust (CERTS_TRUST_*); bit 4 B's
 * authby= allows SHA2-512 only; bits 5-6 a flaw (CERTS_FLAW_*) the other
 * side must refuse; bit 7 is ignored.  IKE_AUTH goes in whole messages
 * (fragmentation=no) unless KNOB_FRAG, so that MUT_CERT finds its CERTs. */
#define CERTS_A_ECDSA	0x01
#define CERTS_B_ECDSA	0x02
enum certs_trust {
	CERTS_TRUST_CA,		/* both: rightca= the root, IDs the addresses */
	CERTS_TRUST_PIN_B,	/* B pins A's certificate (rightcert=), A sends none
				 * (leftsendcert=never), B sends its own if asked */
	CERTS_TRUST_PIN_BOTH,	/* both pinned, ifasked: no CERT, no CERTREQ */
	CERTS_TRUST_DN,		/* IDs as DNs: A's rightid= B's subject, B's %fromcert */
};
#define CERTS_TRUST(c)	(((c) >> 2) & 3)
#define CERTS_TRUST_SHIFT 2
#define CERTS_B_SHA512	0x10
enum certs_flaw {
	CERTS_FLAW_NONE,
	CERTS_FLAW_B_PSK,	/* B: authby=secret against A's certificate */
	CERTS_FLAW_STRANGER,	/* A shows a certificate of another CA */
	CERTS_FLAW_A_ID,	/* A's ID (@not-a.example) is not in its certificate */
};
#define CERTS_FLAW(c)	(((c) >> 5) & 3)
#define CERTS_FLAW_SHIFT 5

/* KNOBS: bits 0-1 both engines' COOKIE threshold (COOKIE_*), bit 2 a conn
 * whose IKE SA went down initiates again 5 s later (conn.c's retry), bits 3-4
 * the order OP_RUN and OP_ADVANCE deliver in (enum net_order), bits 5-6
 * liveness checks (DPD_*), bit 7 IKE fragments: both sides with
 * ike-fragment-size=256, so IKE_AUTH and the rekeys go in fragments that the
 * ops drop, reorder, duplicate and mutate one by one. */
enum knob_cookie { COOKIE_DEFAULT, COOKIE_ALWAYS, COOKIE_AT_1, COOKIE_AT_3 };
#define KNOB_COOKIE(k)	((k) & 3)
#define KNOB_RETRY	0x04
#define KNOB_ORDER(k)	(((k) >> 3) & 3)
enum knob_dpd {
	DPD_DEFAULT,		/* A (auto=start) checks after 30 s, B (auto=add) never */
	DPD_A_RESTART,		/* A: dpddelay=4s dpdtimeout=12s dpdaction=restart */
	DPD_BOTH,		/* A with dpdaction=clear, B dpddelay=5s with dpdaction=hold */
	DPD_A_HOLD,		/* A: dpdaction=hold */
};
#define KNOB_DPD(k)	(((k) >> 5) & 3)
#define KNOB_DPD_SHIFT	5
#define KNOB_FRAG	0x80

enum op {
	OP_INITIATE,	/* side: ike_engine_initiate for its conn (while it has few SAs) */
	OP_DELIVER,	/* n: the next 1 + n % 4 messages, in queue order */
	OP_DELIVER_AT,	/* qidx: that message now (reordering) */
	OP_DROP,	/* qidx */
	OP_DUP,		/* qidx: delivered twice, back to back */
	OP_HOLD,	/* qidx: kept aside until OP_RELEASE */
	OP_RELEASE,	/* the held messages back at the end of the queue */
	OP_RUN,		/* deliver until nothing is queued (weather applies) */
	OP_ADVANCE,	/* amt: time passes with the network running (weather applies) */
	OP_TICK,	/* amt: time passes, messages stay queued (retransmissions pile up) */
	OP_WEATHER,	/* drop dup: for OP_RUN/OP_ADVANCE, the k-th delivery is dropped
			 * if bit k % 8 of drop is set, else duplicated if that bit of dup is */
	OP_FIRE,	/* side which: one pending lifetime or liveness timer of the side
			 * fires now: IKE SA rekey/expiry/DPD, then "DPD finds the peer
			 * silent" (a probe), Child SA rekey/expiry/volume (which: index
			 * among them, engine list order) */
	OP_TRAFFIC,	/* side mode: what the fake data plane tells the engine, TRAFFIC_* */
	OP_DELETE_CONN,	/* side: ike_engine_delete_conn (mcvpnctl down) */
	OP_RESTART,	/* side: side_restart (its SAs vanish without a word) */
	OP_REPLAY,	/* n: an old message of the trace (n modulo its length) sent again */
	OP_MUTATE,	/* qidx where count mut...: where bit 0: 0 decrypt the SK payload
			 * with the sender's keys, mutate the plaintext and header, seal
			 * again (the result passes the integrity check); 1 mutate the
			 * datagram's bytes as they are.  1 + count % 3 mutations (MUT_*) */
	OP_INJECT,	/* side sa exch flags msgid count tpl...: a message crafted from
			 * side's SA number sa (among its SAs with keys), sealed with its
			 * keys: exch EXCH_*, flags FLAG_*, msgid MSGID_* (MSGID_RAW: 4
			 * more bytes), count % 8 payload templates */
	OP_INJECT_INIT,	/* side mode ...: a crafted IKE_SA_INIT, INIT_* */
	OP_NAT,		/* side port: the side's NAT maps its port 4500 to 40000 + port
			 * from now on, and forgets the old mapping */
	OP_COUNT
};

/* OP_TRAFFIC mode */
#define TRAFFIC_PEER_SENDS	0x01	/* the peer's tunnel sends all the time */
#define TRAFFIC_IDLE(m)		(((m) >> 1) & 3)	/* child_idle: never, 0, 3 s, 30 s */
#define TRAFFIC_PACKET_NOW	0x08	/* a packet arrived on every SA just now */
#define TRAFFIC_VOLUME		0x10	/* 2^31 packets sent on the current SA
					 * (2^63 with ESN): it must rekey */

/* OP_INJECT exch: below 4 these, else the byte itself */
enum { EXCH_AUTH, EXCH_CREATE_CHILD, EXCH_INFO, EXCH_INIT };
/* OP_INJECT flags */
#define FLAG_RESPONSE	0x01
#define FLAG_FLIP_I	0x02	/* the initiator bit the other way round */
#define FLAG_V		0x04
#define FLAG_NOW	0x08	/* delivered at once rather than queued */
/* OP_INJECT msgid, modulo MSGID_COUNT: what the receiving SA expects (a
 * request: its next peer request, a response: its outstanding request), one
 * less (a retransmission), one more, what the sender's own counters say, 0,
 * or 4 raw bytes */
enum { MSGID_EXPECTED, MSGID_PREV, MSGID_NEXT, MSGID_SENDER, MSGID_ZERO, MSGID_RAW, MSGID_COUNT };

/* OP_INJECT_INIT mode: bit 0 a response (to the other side's IKE_SA_INIT
 * sent, SA number in the next byte) rather than a request; bits 1-2 the
 * request's SPIi (INIT_SPI_*); bit 3 payloads from templates (count, tpl...)
 * instead of the usual set; bit 4 a COOKIE notify first (length byte); bit 5
 * on port 4500 (RFC 7296 2.23 lets an initiator start there).  The
 * usual set, for a request: SA from the sender's ike=, KE (group byte, mode
 * byte as TPL_KE), Nonce (length byte as TPL_NONCE), NAT detection. */
#define INIT_RESPONSE		0x01
#define INIT_SPI(m)		(((m) >> 1) & 3)
enum { INIT_SPI_FRESH, INIT_SPI_REUSE, INIT_SPI_ZERO, INIT_SPI_RAW };
#define INIT_TEMPLATES		0x08
#define INIT_COOKIE		0x10
#define INIT_NATT		0x20

/* Mutations (kind modulo MUT_COUNT, then its bytes).  pl is a payload of the
 * chain (modulo their number), off a byte offset from its start (modulo what
 * is left of the chain).  MUT_CERT came last, so a kind byte from 12 on
 * means another mutation than before it came (the one seed that had such a
 * byte, found-main-cached-response-natt-mismatch-nat, has it as 41 % 12 now,
 * and runs as it did). */
enum mut {
	MUT_FLIP,	/* pl off bit */
	MUT_SET,	/* pl off value */
	MUT_TRUNC,	/* len16: the chain cut to len16 modulo its length */
	MUT_INSERT,	/* pl off n bytes[n % 17] */
	MUT_CUT,	/* pl off n: n % 33 bytes removed */
	MUT_HDR,	/* field value32: HDR_* of the IKE header */
	MUT_PL_TYPE,	/* pl type: its type (in the previous payload's next field) */
	MUT_PL_LEN,	/* pl delta16: its length field plus delta16 (signed) */
	MUT_PL_DROP,	/* pl: removed, the chain relinked */
	MUT_PL_DUP,	/* pl: a copy right after it */
	MUT_PL_CRIT,	/* pl: the critical bit toggled */
	MUT_APPEND,	/* tpl: a payload added at the end */
	MUT_CERT,	/* what n off value: the certificate payloads, CM_* (what
			 * modulo CM_COUNT); n picks among the CERT payloads */
	MUT_COUNT
};
/* MUT_CERT what */
enum cert_mut {
	CM_DROP,	/* the n-th CERT removed (the end entity's, or an intermediate) */
	CM_DUP,		/* the n-th CERT twice */
	CM_DER,		/* its DER's byte at off set to value */
	CM_SWAP,	/* its DER replaced by the PKI's certificate number value
			 * (fz_pki_der; untouched without a PKI) */
	CM_ENCODING,	/* its encoding byte set to value */
	CM_ROTATE,	/* the CERT payloads' order rotated by n (an intermediate first) */
	CM_AUTH_FLIP,	/* the AUTH payload's byte at off (past its 4-byte method
			 * header) XOR value | 1: the signature or its algorithm */
	CM_AUTH_METHOD,	/* the AUTH payload's method set to value */
	CM_CERTREQ,	/* a CERTREQ appended: encoding 4 (value bit 7: another), value
			 * % 48 bytes: the root's SHA-1 hash first when it fits, then
			 * filler (odd lengths, none at all) */
	CM_COUNT
};
/* MUT_HDR field, modulo HDR_COUNT; the length and version only change in
 * outer mode (sealing writes both) */
enum { HDR_EXCHANGE, HDR_FLAGS, HDR_MSGID_ADD, HDR_MSGID_SET, HDR_SPIR, HDR_SWAP_SPIS,
       HDR_VERSION, HDR_LENGTH, HDR_COUNT };

/* Payload templates (kind modulo TPL_COUNT, then its bytes) */
enum tpl {
	TPL_NOTIFY,	/* type proto spimode [pool|n bytes] len data...: type below
			 * NOTIFY_TABLE_LEN from a table of the ones the engine reads,
			 * else a raw u16 follows; spimode 0 none, 1 an ESP SPI from the
			 * pool, 2 an IKE SPI from the pool, 3 n % 17 raw bytes; len % 40
			 * data bytes (a 2-byte one is a DH group from the group table) */
	TPL_DELETE,	/* proto n pool...: proto 0 IKE, 1 ESP, 2 AH, 3 a raw proto and
			 * SPI size follow; n % 8 SPIs, each a pool byte */
	TPL_NONCE,	/* len first: nonce_len(len) bytes, the first one first */
	TPL_KE,		/* group mode: group from the group table, mode KE_* */
	TPL_SA,		/* flags count tweak...: the sender's ike= (flags bit 0) or
			 * phase2alg= offer, SPI per flags bits 1-2 (none, ESP, IKE, as the
			 * exchange needs), DH transforms with bit 3; count % 4 tweaks of 6
			 * bytes: proposal, transform, what (0 type, 1 id, 2 key length,
			 * 3 drop), value16 */
	TPL_TS,		/* which count entry...: TSi (bit 0 clear) or TSr; count % 4
			 * entries of 6 bytes: kind (0 IPv4 all, 1 IPv6 all, 2 IPv4 one
			 * address, 3 raw type), ip_proto, port16, address byte */
	TPL_ID,		/* which mode: IDi/IDr; mode 0 the sender's leftid, 1 its
			 * rightid, else type byte and len % 40 filler bytes */
	TPL_AUTH,	/* method len: len % 80 filler bytes */
	TPL_RAW,	/* type flags len: len % 64 filler bytes */
	TPL_COUNT
};
#define NOTIFY_TABLE_LEN 24
enum { KE_VALID, KE_RAW, KE_ZEROS, KE_OTHER_GROUP, KE_COUNT };

/* Nonce length of a TPL_NONCE / INIT length byte: 0, 15, 257, 300 for the
 * first four, then 16 up: 244 gives 256. */
static inline unsigned nonce_len(uint8_t b)
{
	static const unsigned edge[4] = { 0, 15, 257, 300 };
	return b < 4 ? edge[b] : 16u + (b - 4u);
}

static inline unsigned amt_ms(uint8_t a)
{
	if (a < 64)
		return 10u * (a + 1u);
	if (a < 128)
		return 250u * (a - 63u);
	if (a < 192)
		return 2000u * (a - 127u);
	return 30000u * (a - 191u);
}

#endif

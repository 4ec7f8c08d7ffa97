/* SPDX-License-Identifier: Apache-2.0 */
/* ike= and phase2alg= (esp=) proposal lists, libreswan syntax:
 *   ike=ENC-INTEG[-PRF];DH  or  ENC-INTEG[-PRF]-DH, comma separated
 *   phase2alg=ENC[-INTEG][;DH]
 * ENC carries its key length ("aes_cbc256", "aes256", "aes_gcm16_256",
 * "aes-256"); a bare "aes"/"aes_gcm" means 128 bits, as in libreswan.
 * ChaCha20-Poly1305 ("chacha20_poly1305", or strongSwan's "chacha20poly1305")
 * has one key length, 256 bits.  AES-GCM and ChaCha20-Poly1305 are AEAD: no
 * INTEG, and in ike= the hash that follows one is the PRF.
 * A trailing '!' (libreswan 3 "strict") is accepted: mcvpn is always strict. */
#include <stdio.h>
#include <string.h>

#include "conf/internal.h"
#include "crypto/alg.h"

struct name_num {
	const char *name;
	uint16_t a, b;		/* ENC: alg, default key bits; hash: integ, prf; DH: group */
};

/* Longest names first: a name is matched as a prefix of the token.  A bare
 * "aes"/"aes_gcm" means 128 bits, as in libreswan. */
static const struct name_num encr_names[] = {
	{ "chacha20_poly1305", ENCR_CHACHA20_POLY1305, 256 },
	{ "chacha20poly1305", ENCR_CHACHA20_POLY1305, 256 },
	{ "aes_gcm16", ENCR_AES_GCM_16, 128 }, { "aes_gcm_c", ENCR_AES_GCM_16, 128 },
	{ "aes_gcm", ENCR_AES_GCM_16, 128 }, { "aes_cbc", ENCR_AES_CBC, 128 },
	{ "aes", ENCR_AES_CBC, 128 },
};

static const char *const encr_refused[] = {
	"aes_gcm8", "aes_gcm12", "aes_gcm_a", "aes_gcm_b", "aes_ccm", "aes_ctr", "3des",
	"des", "chacha20", "camellia", "null", "cast", "blowfish", "serpent", "twofish",
};

/* "AES-GCM" or "ChaCha20-Poly1305", for the messages about AEAD rules. */
static const char *aead_label(unsigned encr)
{
	return encr == ENCR_CHACHA20_POLY1305 ? "ChaCha20-Poly1305" : "AES-GCM";
}

static const struct name_num hash_names[] = {
	{ "sha2_512", AUTH_HMAC_SHA2_512_256, PRF_HMAC_SHA2_512 },
	{ "sha512", AUTH_HMAC_SHA2_512_256, PRF_HMAC_SHA2_512 },
	{ "sha2_384", AUTH_HMAC_SHA2_384_192, PRF_HMAC_SHA2_384 },
	{ "sha384", AUTH_HMAC_SHA2_384_192, PRF_HMAC_SHA2_384 },
	{ "sha2_256", AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256 },
	{ "sha256", AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256 },
	{ "sha2", AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256 },
	{ "sha1", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1 },
	{ "sha", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1 },
	{ "none", AUTH_NONE, PRF_NONE },
};

static const struct name_num dh_names[] = {
	{ "modp1024", MODP_1024, 0 }, { "modp1536", MODP_1536, 0 },
	{ "modp2048", MODP_2048, 0 }, { "modp3072", MODP_3072, 0 },
	{ "modp4096", MODP_4096, 0 }, { "dh2", MODP_1024, 0 }, { "dh5", MODP_1536, 0 },
	{ "dh14", MODP_2048, 0 }, { "dh15", MODP_3072, 0 }, { "dh16", MODP_4096, 0 },
	{ "dh19", ECP_256, 0 }, { "dh20", ECP_384, 0 }, { "dh21", ECP_521, 0 },
	{ "dh31", CURVE25519, 0 }, { "ecp_256", ECP_256, 0 }, { "ecp256", ECP_256, 0 },
	{ "ecp_384", ECP_384, 0 }, { "ecp384", ECP_384, 0 }, { "ecp_521", ECP_521, 0 },
	{ "ecp521", ECP_521, 0 }, { "curve25519", CURVE25519, 0 },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_TOKENS 6

struct tokens {
	char buf[128];
	const char *t[MAX_TOKENS];
	size_t n;
	const char *dh;		/* after ';', or NULL */
};

static const struct name_num *lookup(const struct name_num *tab, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tab[i].name, s) == 0)
			return &tab[i];
	return NULL;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int keylen_parse(const char *s, uint16_t *bits)
{
	if (strcmp(s, "128") && strcmp(s, "192") && strcmp(s, "256"))
		return -1;
	*bits = (uint16_t)((s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0'));
	return 0;
}

/* "aes_cbc256", "aes_gcm16_256", "aes": name prefix plus optional [_]bits.
 * *explicit_len says whether the token carried the key length. */
static bool encr_match(const char *tok, struct conf_alg *a, bool *explicit_len)
{
	for (size_t i = 0; i < N(encr_names); i++) {
		size_t len = strlen(encr_names[i].name);
		const char *rest = tok + len;

		if (strncmp(tok, encr_names[i].name, len))
			continue;
		a->encr = encr_names[i].a;
		a->encr_keybits = encr_names[i].b;
		*explicit_len = *rest != '\0';
		if (*rest == '_')
			rest++;
		if (!*explicit_len || keylen_parse(rest, &a->encr_keybits) == 0)
			return true;
	}
	return false;
}

static int encr_unknown(const char *tok, char *why, size_t wl)
{
	for (size_t i = 0; i < N(encr_refused); i++)
		if (strncmp(tok, encr_refused[i], strlen(encr_refused[i])) == 0) {
			snprintf(why, wl, "encryption '%s' is not supported by mcvpn (use aes_gcm, chacha20_poly1305 or aes_cbc)", tok);
			return -1;
		}
	snprintf(why, wl, "unknown encryption algorithm '%s' (expected e.g. aes_gcm256 or aes_cbc256)", tok);
	return -1;
}

/* ENC from the first token, and the key length from the second when it is
 * a bare number ("aes_cbc-256"); *next is the first token left. */
static int encr_parse(const struct tokens *tk, size_t *next, struct conf_alg *a, char *why, size_t wl)
{
	bool explicit_len;

	*next = 1;
	if (!encr_match(tk->t[0], a, &explicit_len))
		return encr_unknown(tk->t[0], why, wl);
	if (tk->n > 1 && all_digits(tk->t[1])) {
		if (explicit_len) {
			snprintf(why, wl, "two key lengths for '%s'", tk->t[0]);
			return -1;
		}
		if (keylen_parse(tk->t[1], &a->encr_keybits) < 0) {
			snprintf(why, wl, "key length '%s': expected 128, 192 or 256", tk->t[1]);
			return -1;
		}
		*next = 2;
	}
	if (a->encr == ENCR_CHACHA20_POLY1305 && a->encr_keybits != 256) {
		snprintf(why, wl, "ChaCha20-Poly1305 has 256-bit keys only (RFC 7634)");
		return -1;
	}
	if (!encr_supported(a->encr, a->encr_keybits)) {
		snprintf(why, wl, "%s with %u-bit keys is not supported by this build",
			 encr_name(a->encr), a->encr_keybits);
		return -1;
	}
	return 0;
}

static int dh_parse(const char *tok, uint16_t *group, char *why, size_t wl)
{
	const struct name_num *d = lookup(dh_names, N(dh_names), tok);

	if (!d) {
		snprintf(why, wl, "unknown DH group '%s' (expected e.g. modp2048, dh19, ecp_384, curve25519)", tok);
		return -1;
	}
	if (!dh_supported(d->a)) {
		snprintf(why, wl, "DH group %s is not supported by this build", dh_name(d->a));
		return -1;
	}
	*group = d->a;
	return 0;
}

/* Hash tokens then at most one DH token (unless the DH came after ';'). */
struct rest {
	const struct name_num *hash[2];
	size_t n_hash;
	uint16_t dh;
	bool has_dh;
};

static int rest_token(const char *tok, struct rest *r, bool dh_after_semicolon, char *why, size_t wl)
{
	const struct name_num *h = lookup(hash_names, N(hash_names), tok);

	if (!strncmp(tok, "md5", 3) || !strncmp(tok, "aes_xcbc", 8) || !strncmp(tok, "aes_cmac", 8) ||
	    !strcmp(tok, "sha2_256_96")) {
		snprintf(why, wl, "integrity '%s' is not supported by mcvpn (use sha2_256, sha2_384, sha2_512 or sha1)", tok);
		return -1;
	}
	if (h && !r->has_dh) {
		if (r->n_hash == 2) {
			snprintf(why, wl, "more than an integrity and a PRF algorithm");
			return -1;
		}
		r->hash[r->n_hash++] = h;
		return 0;
	}
	if (h || r->has_dh || dh_after_semicolon) {
		snprintf(why, wl, "unexpected '%s' (the order is ENC-INTEG-PRF;DH)", tok);
		return -1;
	}
	r->has_dh = true;
	return dh_parse(tok, &r->dh, why, wl);
}

static int rest_parse(const struct tokens *tk, size_t first, struct rest *r, char *why, size_t wl)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = first; i < tk->n; i++)
		if (rest_token(tk->t[i], r, tk->dh != NULL, why, wl) < 0)
			return -1;
	if (tk->dh) {
		r->has_dh = true;
		return dh_parse(tk->dh, &r->dh, why, wl);
	}
	return 0;
}

/* One proposal into tokens: '-' separated head, then ";DH". */
static int tokens_split(const char *s, size_t len, struct tokens *tk, char *why, size_t wl)
{
	char *p, *semi;

	memset(tk, 0, sizeof(*tk));
	if (len == 0 || len >= sizeof(tk->buf)) {
		snprintf(why, wl, len ? "a proposal is too long" : "empty proposal in the list");
		return -1;
	}
	memcpy(tk->buf, s, len);
	semi = strchr(tk->buf, ';');
	if (semi) {
		*semi = '\0';
		tk->dh = semi + 1;
	}
	for (p = tk->buf; tk->n < MAX_TOKENS; p++) {
		tk->t[tk->n++] = p;
		p += strcspn(p, "-");
		if (*p == '\0')
			break;
		*p = '\0';
	}
	if (*p != '\0') {
		snprintf(why, wl, "too many '-' separated parts (expected ENC-INTEG-PRF;DH)");
		return -1;
	}
	if (tk->dh && strchr(tk->dh, ';')) {
		snprintf(why, wl, "more than one ';' (one DH group per proposal)");
		return -1;
	}
	for (size_t i = 0; i < tk->n; i++)
		if (!*tk->t[i] || strchr(tk->t[i], '+')) {
			snprintf(why, wl, "expected ENC-INTEG;DH with one algorithm per position");
			return -1;
		}
	if (tk->dh && (!*tk->dh || strchr(tk->dh, '+'))) {
		snprintf(why, wl, "expected ENC-INTEG;DH with one algorithm per position");
		return -1;
	}
	return 0;
}

static int ike_hashes(const struct rest *r, struct conf_alg *a, char *why, size_t wl)
{
	const struct name_num *integ = r->n_hash ? r->hash[0] : NULL;
	const struct name_num *prf = r->n_hash == 2 ? r->hash[1] : integ;

	if (encr_is_aead(a->encr)) {
		if (r->n_hash == 2 && integ->a != AUTH_NONE) {
			snprintf(why, wl, "%s has no integrity algorithm: write ENC-PRF, e.g. aes_gcm256-sha2_384",
				 aead_label(a->encr));
			return -1;
		}
		integ = NULL;
	} else if (!integ || integ->a == AUTH_NONE) {
		snprintf(why, wl, "AES-CBC needs an integrity algorithm, e.g. aes_cbc256-sha2_256");
		return -1;
	}
	if (!prf || prf->b == PRF_NONE) {
		snprintf(why, wl, "a PRF is needed, e.g. aes_gcm256-sha2_256");
		return -1;
	}
	a->integ = integ ? integ->a : AUTH_NONE;
	a->prf = prf->b;
	return 0;
}

static int supported(const struct conf_alg *a, char *why, size_t wl)
{
	if (a->integ != AUTH_NONE && !integ_supported(a->integ)) {
		snprintf(why, wl, "%s is not supported by this build", integ_name(a->integ));
		return -1;
	}
	if (a->prf != PRF_NONE && !prf_supported(a->prf)) {
		snprintf(why, wl, "%s is not supported by this build", prf_name(a->prf));
		return -1;
	}
	return 0;
}

static int ike_one(const struct tokens *tk, struct conf_alg *a, char *why, size_t wl)
{
	struct rest r;
	size_t next;

	if (encr_parse(tk, &next, a, why, wl) < 0 || rest_parse(tk, next, &r, why, wl) < 0 ||
	    ike_hashes(&r, a, why, wl) < 0)
		return -1;
	if (!r.has_dh) {
		snprintf(why, wl, "a DH group is needed, e.g. ;modp2048 or -dh19");
		return -1;
	}
	a->dh = r.dh;
	return supported(a, why, wl);
}

static int esp_one(const struct tokens *tk, struct conf_alg *a, char *why, size_t wl)
{
	struct rest r;
	size_t next;

	if (encr_parse(tk, &next, a, why, wl) < 0 || rest_parse(tk, next, &r, why, wl) < 0)
		return -1;
	if (r.n_hash > 1) {
		snprintf(why, wl, "ESP takes one integrity algorithm (there is no PRF in phase2alg)");
		return -1;
	}
	if (encr_is_aead(a->encr) && r.n_hash && r.hash[0]->a != AUTH_NONE) {
		snprintf(why, wl, "%s has no integrity algorithm: write e.g. aes_gcm256;modp2048",
			 aead_label(a->encr));
		return -1;
	}
	if (!encr_is_aead(a->encr) && (!r.n_hash || r.hash[0]->a == AUTH_NONE)) {
		snprintf(why, wl, "AES-CBC needs an integrity algorithm, e.g. aes_cbc256-sha2_256");
		return -1;
	}
	a->integ = r.n_hash ? r.hash[0]->a : AUTH_NONE;
	a->prf = PRF_NONE;
	a->dh = r.has_dh ? r.dh : DH_NONE;
	return supported(a, why, wl);
}

typedef int (*one_fn)(const struct tokens *tk, struct conf_alg *a, char *why, size_t wl);

/* Comma list of proposals; the message names the proposal at fault. */
static int list_parse(const char *s, one_fn one, struct conf_alg *out, size_t *n, char *why, size_t wl)
{
	char reason[256];
	struct tokens tk;
	size_t k = 0, len = strlen(s);

	if (len > 0 && s[len - 1] == '!')
		len--;
	for (const char *end = s + len; ; ) {
		size_t plen;

		s += strspn(s, " \t");
		plen = strcspn(s, ",");
		if (s + plen > end)
			plen = (size_t)(end - s);
		while (plen > 0 && (s[plen - 1] == ' ' || s[plen - 1] == '\t'))
			plen--;
		if (k == CONF_MAX_ALGS) {
			snprintf(why, wl, "more than %d proposals (the limit)", CONF_MAX_ALGS);
			return -1;
		}
		memset(&out[k], 0, sizeof(out[k]));
		if (tokens_split(s, plen, &tk, reason, sizeof(reason)) < 0 ||
		    one(&tk, &out[k], reason, sizeof(reason)) < 0) {
			snprintf(why, wl, "proposal '%.*s': %s", (int)plen, s, reason);
			return -1;
		}
		k++;
		s += strcspn(s, ",");
		if (s >= end)
			break;
		s++;
	}
	*n = k;
	return 0;
}

int algs_parse_ike(const char *s, struct conf_alg *out, size_t *n, char *why, size_t why_len)
{
	return list_parse(s, ike_one, out, n, why, why_len);
}

int algs_parse_esp(const char *s, struct conf_alg *out, size_t *n, char *why, size_t why_len)
{
	return list_parse(s, esp_one, out, n, why, why_len);
}

/* Without ike=: AES-GCM-256 with SHA2-512 and P-256 first, then AES-CBC-256
 * with SHA2-256 and MODP-2048 for older peers.  Without phase2alg=: AES-GCM-256, no PFS. */
void algs_default_ike(struct conf_alg *out, size_t *n)
{
	static const struct conf_alg def[] = {
		{ ENCR_AES_GCM_16, 256, AUTH_NONE, PRF_HMAC_SHA2_512, ECP_256, CONF_ESN_NO },
		{ ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256, MODP_2048, CONF_ESN_NO },
	};

	memcpy(out, def, sizeof(def));
	*n = N(def);
}

void algs_default_esp(struct conf_alg *out, size_t *n)
{
	/* esn= is copied in once the conn is read (check.c) */
	static const struct conf_alg def = { ENCR_AES_GCM_16, 256, AUTH_NONE, PRF_NONE, DH_NONE,
					     CONF_ESN_NO };

	out[0] = def;
	*n = 1;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Certificates for a harness side (harness.h), as the conf keys will say
 * them (authby=, leftcert=, leftsendcert=, rightca=, rightcert=, leftid=
 * and rightid= as DNs or %fromcert), from the PEM files of a PKI that
 * tests/unit/crypto/mkcerts.sh made in a directory.  Used by test_cert.c and
 * by the fuzz target of the engine (tests/fuzz/fuzz_ike_engine.c), which
 * loads its sets once and lends them to each input.
 *
 * Ownership: conf_free frees a conn's certificates, those its parser read
 * from leftcert= and the like; these are set behind its back, so whoever
 * sets cfg->certs here sets it back to NULL before net_free:
 * side_certs_free (loaded for the side) or side_certs_return (lent). */
#ifndef MCVPN_TESTS_EXCHANGE_CERTS_H
#define MCVPN_TESTS_EXCHANGE_CERTS_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"
#include "harness.h"

/* One side's certificate configuration; file names inside the PKI dir. */
struct certs {
	const char *cert, *key;		/* leftcert= (PEM, chain after it), its key */
	const char *ca;			/* rightca=, or NULL */
	const char *pin;		/* rightcert=, or NULL */
	uint8_t keys, hashes;		/* authby=: 0 = both key types, all hashes */
	enum conf_sendcert send;
	bool leftid_dn;			/* leftid = the certificate's subject (%fromcert) */
	const char *rightid_dn;		/* rightid="..." as a DN */
	bool rightid_any;		/* rightid=%fromcert */
	const char *leftid_fqdn;	/* leftid=@... */
	bool psk;			/* authby=secret after all */
};

/* o's files from dir, read now: the caller's (certs_free).  NULL when one
 * does not load or o->psk (why on stderr for the former). */
struct conf_certs *certs_load(const char *dir, const struct certs *o);
void certs_free(struct conf_certs *cc);	/* NULL: nothing */

/* The side's conn authenticates by o with cc (borrowed: side_certs_return
 * before net_free); authby=secret stays when o->psk.  0, or -1 when
 * rightid_dn does not parse or cc is NULL without o->psk. */
int side_certs_lend(struct side *s, const struct certs *o, struct conf_certs *cc);
/* The conn's certificates back to their owner: cfg->certs = NULL. */
void side_certs_return(struct side *s);

/* certs_load and side_certs_lend in one (the side's from then on);
 * side_certs_free frees them and sets cfg->certs = NULL.  0 or -1. */
int side_certs(struct side *s, const char *dir, const struct certs *o);
void side_certs_free(struct side *s);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Inside crypto/: the OpenSSL keys behind sig.h's types, shared with
 * x509.c, which makes a certificate's struct sig_pub. */
#ifndef MCVPN_CRYPTO_SIG_PRIV_H
#define MCVPN_CRYPTO_SIG_PRIV_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto/sig.h"

struct sig_key {
	EVP_PKEY *pk;	/* owned */
};

struct sig_pub {
	EVP_PKEY *pk;	/* borrowed from the certificate that holds it */
};

enum sig_key_type sig_type_of(const EVP_PKEY *pk);

/* A name as x509_dn_text prints it (x509_dn.c), for x509.c's messages. */
void x509_name_text(const X509_NAME *n, char *buf, size_t buflen);

#endif

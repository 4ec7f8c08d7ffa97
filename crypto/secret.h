/* SPDX-License-Identifier: Apache-2.0 */
/* Key material lives in a struct secret: heap buffer wiped on free.  After
 * secret_heap_init() the buffers come from a guarded heap (OpenSSL's secure
 * heap: its own mapping, kept out of core dumps with MADV_DONTDUMP and
 * locked in memory where the limits allow), and from the ordinary heap only
 * when that is full.  secret_wipe() is the only wipe other modules use (they
 * don't include OpenSSL). */
#ifndef MCVPN_CRYPTO_SECRET_H
#define MCVPN_CRYPTO_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct secret {
	size_t len;
	uint8_t buf[];
};

/* Set up the guarded heap (size: a power of two); once, before any secret.
 * 0, or -1 when it could not be made (secrets then use the ordinary heap). */
int secret_heap_init(size_t size);
/* Whether s lives in the guarded heap. */
bool secret_is_guarded(const struct secret *s);
/* Zero-filled secret of len bytes; caller frees with secret_free. NULL on ENOMEM. */
struct secret *secret_new(size_t len);
/* Copy of p[0..len); caller frees. */
struct secret *secret_dup(const void *p, size_t len);
/* Wipes then frees; NULL is a no-op. */
void secret_free(struct secret *s);
/* Wipe memory in a way the compiler cannot elide (OPENSSL_cleanse). */
void secret_wipe(void *p, size_t len);
/* Constant-time compare (CRYPTO_memcmp): 0 when equal. */
int secret_memcmp(const void *a, const void *b, size_t len);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Key material buffers: the one place that allocates, wipes and frees them. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/secret.h"

int secret_heap_init(size_t size)
{
	/* 1: guarded and locked; 2: guarded, but mlock or madvise failed */
	int r = CRYPTO_secure_malloc_init(size, 16);
	return r == 0 ? -1 : 0;
}

bool secret_is_guarded(const struct secret *s)
{
	return s && CRYPTO_secure_allocated(s);
}

struct secret *secret_new(size_t len)
{
	struct secret *s;

	if (len > SIZE_MAX - sizeof(*s))
		return NULL;
	s = OPENSSL_secure_zalloc(sizeof(*s) + len);
	if (!s)		/* the guarded heap is full: keys still work */
		s = OPENSSL_zalloc(sizeof(*s) + len);
	if (s)
		s->len = len;
	return s;
}

struct secret *secret_dup(const void *p, size_t len)
{
	struct secret *s = secret_new(len);

	if (s && len)
		memcpy(s->buf, p, len);
	return s;
}

void secret_free(struct secret *s)
{
	if (!s)
		return;
	/* wipes; frees from whichever heap it came from */
	OPENSSL_secure_clear_free(s, sizeof(*s) + s->len);
}

void secret_wipe(void *p, size_t len)
{
	if (p && len)
		OPENSSL_cleanse(p, len);
}

int secret_memcmp(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) ? 1 : 0;
}

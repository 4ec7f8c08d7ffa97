/* Key material buffers: the one place that allocates, wipes and frees them. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/secret.h"

struct secret *secret_new(size_t len)
{
	struct secret *s;

	if (len > SIZE_MAX - sizeof(*s))
		return NULL;
	s = calloc(1, sizeof(*s) + len);
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
	OPENSSL_cleanse(s->buf, s->len);
	free(s);
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

/* SPDX-License-Identifier: Apache-2.0 */
/* IKE_SA_INIT COOKIEs: the cookie function and its two secrets (see ike/cookie.h).
 * When a cookie is demanded is ike/init.c's business. */
#include "daemon/ike/cookie.h"

#include <netinet/in.h>

#include "crypto/hash.h"
#include "crypto/rand.h"
#include "crypto/secret.h"
#include "daemon/base/cursor.h"
#include "daemon/ikemsg/proto.h"


int ike_cookie_compute(const struct secret *key, uint8_t version, const uint8_t *ni,
		       size_t nilen, const struct sockaddr_storage *ip, uint64_t spii,
		       uint8_t out[IKE_COOKIE_LEN])
{
	uint8_t buf[IKE_NONCE_MAX + 16 + 8 + IKE_COOKIE_SECRET_LEN];
	struct wbuf w = wbuf_init(buf, sizeof(buf));
	int r = -1;

	if (nilen > IKE_NONCE_MAX)
		return -1;
	wbuf_bytes(&w, ni, nilen);
	if (ip->ss_family == AF_INET)
		wbuf_bytes(&w, &((const struct sockaddr_in *)ip)->sin_addr, 4);
	else if (ip->ss_family == AF_INET6)
		wbuf_bytes(&w, &((const struct sockaddr_in6 *)ip)->sin6_addr, 16);
	else
		goto out;
	wbuf_u64(&w, spii);
	wbuf_bytes(&w, key->buf, key->len);
	if (w.err || hash_sha256(buf, w.len, out + 1))
		goto out;
	out[0] = version;
	r = 0;
out:
	secret_wipe(buf, sizeof(buf));
	return r;
}

/* A new current secret; the current one becomes the previous. */
static int rotate(struct ike_cookies *c, double now)
{
	struct secret *s = secret_new(IKE_COOKIE_SECRET_LEN);

	if (!s || rand_bytes(s->buf, s->len)) {
		secret_free(s);
		return -1;
	}
	secret_free(c->prev);
	c->prev = c->cur;
	c->cur = s;
	c->version++;
	c->born = now;
	return 0;
}

/* After this, cur is younger than IKE_COOKIE_ROTATE_S and prev (if any) was
 * current until less than that ago.  Rotation is lazy: a secret left unused
 * for two periods is too old to stay even as the previous one. */
static int refresh(struct ike_cookies *c, double now)
{
	if (c->cur && now - c->born < IKE_COOKIE_ROTATE_S)
		return 0;
	if (c->cur && now - c->born >= 2 * IKE_COOKIE_ROTATE_S) {
		secret_free(c->cur);
		c->cur = NULL;
	}
	return rotate(c, now);
}

int ike_cookie_make(struct ike_cookies *c, double now, const uint8_t *ni, size_t nilen,
		    const struct sockaddr_storage *ip, uint64_t spii, uint8_t out[IKE_COOKIE_LEN])
{
	if (refresh(c, now))
		return -1;
	return ike_cookie_compute(c->cur, c->version, ni, nilen, ip, spii, out);
}

bool ike_cookie_check(struct ike_cookies *c, double now, const uint8_t *data, size_t len,
		      const uint8_t *ni, size_t nilen, const struct sockaddr_storage *ip,
		      uint64_t spii)
{
	uint8_t want[IKE_COOKIE_LEN];
	const struct secret *key = NULL;

	if (len != IKE_COOKIE_LEN || refresh(c, now))
		return false;
	if (data[0] == c->version)
		key = c->cur;
	else if (data[0] == (uint8_t)(c->version - 1))
		key = c->prev;
	return key && ike_cookie_compute(key, data[0], ni, nilen, ip, spii, want) == 0 &&
	       secret_memcmp(want, data, IKE_COOKIE_LEN) == 0;
}

void ike_cookies_clear(struct ike_cookies *c)
{
	secret_free(c->cur);
	secret_free(c->prev);
	c->cur = c->prev = NULL;
}
